/*
 * blind.c - normalisation and keyed hashing for blind indexes.
 *
 * Names are the hard part.  Full Unicode case folding and normalisation
 * (ICU) would be a large dependency for a small gain: the names a US
 * behavioral-health practice types are overwhelmingly Latin script, so
 * this file folds Latin-1 and Latin Extended-A by table (to the base
 * letter, the way people type a name on a US keyboard: "Muller" finds
 * "Müller"), lower-cases Greek and Cyrillic capitals by offset, drops
 * combining accents so decomposed input folds like composed input, and
 * passes anything else through unchanged.  Search is exact-match, so the
 * only thing that matters is that the same name typed two ways reaches
 * the same bytes; a name in another script still matches itself.
 *
 * The hash input is prefixed with a label and the kind, so index values of
 * different kinds never coincide and a later format (v2) cannot collide
 * with this one.
 */
#include "crypto/blind.h"
#include "crypto/random.h"
#include "base/buf.h"
#include "base/err.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#define BLIND_LABEL "alcove-blind v1"
#define BLIND_HASH_BYTES 16

enum { CH_TEXT, CH_SEP, CH_DROP };

/* U+00C0..U+017F folded to a base letter.  Markers: A ae, T th, S ss,
 * I ij, O oe; '.' is not a letter (U+00D7, U+00F7) and is dropped. */
static const char latin_fold[] =
    "aaaaaaAceeeeiiii" "dnooooo.ouuuuyTS"   /* U+00C0 */
    "aaaaaaAceeeeiiii" "dnooooo.ouuuuyTy"   /* U+00E0 */
    "aaaaaaccccccccdd" "ddeeeeeeeeeegggg"   /* U+0100 */
    "gggghhhhiiiiiiii" "ii11jjkkklllllll"   /* U+0120 */
    "lllnnnnnnnnnoooo" "oo22rrrrrrssssss"   /* U+0140 */
    "ssttttttuuuuuuuu" "uuuuwwyyyzzzzzzs";  /* U+0160 */

_Static_assert(sizeof(latin_fold) - 1 == 0x180 - 0xC0, "latin_fold size");

/* Drops what was appended to out since start. */
static void
truncate_to(struct buf *out, size_t start)
{
	out->len = start;
	if (out->data != NULL)
		out->data[start] = '\0';
}

/* Decodes one UTF-8 sequence at s; returns its length (0 for invalid:
 * overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		c = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		c = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10FFFF ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static size_t
utf8_encode(uint32_t c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Classifies cp for name tokens; for CH_TEXT writes its folded form into
 * o (at most 4 bytes) and its length into *n. */
static int
fold_char(uint32_t c, char *o, size_t *n)
{
	static const char *const multi[] = {
		['A'] = "ae", ['T'] = "th", ['S'] = "ss", ['1'] = "ij",
		['2'] = "oe",
	};
	char f;

	*n = 0;
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			c += 32;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			o[0] = (char)c;
			*n = 1;
			return CH_TEXT;
		}
		if (c <= ' ' || c == 0x7F || c == '-' || c == ',' || c == '/')
			return CH_SEP;
		return CH_DROP;
	}
	if (c <= 0xA0 || (c >= 0x2000 && c <= 0x200B) ||
	    (c >= 0x2010 && c <= 0x2015) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202F || c == 0x205F || c == 0x3000)
		return CH_SEP;
	if (c < 0xC0 || (c >= 0x2B0 && c <= 0x36F) ||
	    (c >= 0x200C && c <= 0x206F) || c == 0xFEFF)
		return CH_DROP; /* symbols, modifier letters, combining marks */
	if (c < 0x180) {
		f = latin_fold[c - 0xC0];
		if (f == '.')
			return CH_DROP;
		if (f >= 'a' && f <= 'z') {
			o[0] = f;
			*n = 1;
		} else {
			memcpy(o, multi[(unsigned char)f], 2);
			*n = 2;
		}
		return CH_TEXT;
	}
	if ((c >= 0x391 && c <= 0x3A9 && c != 0x3A2) ||
	    (c >= 0x410 && c <= 0x42F))
		c += 0x20;
	else if (c >= 0x400 && c <= 0x40F)
		c += 0x50;
	*n = utf8_encode(c, o);
	return CH_TEXT;
}

/* Walks a name.  joined: tokens separated by ' ' in out; otherwise each
 * token followed by NUL and its offset recorded in offs. */
static int
name_walk(const char *value, struct buf *out, size_t *offs, size_t max,
    size_t *count, int joined)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t len, n, start = out->len, ntok = 0;
	int k, in_tok = 0;
	uint32_t c;
	char o[4];

	if (value == NULL)
		return ALC_EINVAL;
	if (strlen(value) > BLIND_MAX_INPUT)
		return ALC_ETOOBIG;
	for (; *s; s += len) {
		if ((len = utf8_decode(s, &c)) == 0)
			goto bad;
		k = fold_char(c, o, &n);
		if (k == CH_SEP && in_tok) {
			in_tok = 0;
			if (!joined)
				buf_putc(out, '\0');
		} else if (k == CH_TEXT) {
			if (!in_tok) {
				if (!joined && ntok == max) {
					truncate_to(out, start);
					return ALC_ETOOBIG;
				}
				if (joined && ntok > 0)
					buf_putc(out, ' ');
				else if (!joined)
					offs[ntok] = out->len;
				ntok++;
				in_tok = 1;
			}
			buf_append(out, o, n);
		}
	}
	if (in_tok && !joined)
		buf_putc(out, '\0');
	if (buf_failed(out))
		return ALC_ENOMEM;
	if (count != NULL)
		*count = ntok;
	return ntok == 0 ? ALC_EINVAL : 0;
bad:
	truncate_to(out, start);
	return ALC_EINVAL;
}

int
blind_name_tokens(const char *value, struct buf *out, size_t *offs,
    size_t max, size_t *count)
{
	*count = 0;
	return name_walk(value, out, offs, max, count, 0);
}

/* Trims ASCII white space: sets *p and *n to the inner part. */
static void
trim(const char *value, const char **p, size_t *n)
{
	const char *s = value, *e = value + strlen(value);

	while (s < e && (*s == ' ' || (*s >= '\t' && *s <= '\r')))
		s++;
	while (e > s && (e[-1] == ' ' || (e[-1] >= '\t' && e[-1] <= '\r')))
		e--;
	*p = s;
	*n = (size_t)(e - s);
}

static int
norm_dob(const char *p, size_t n, struct buf *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};
	int y, m, d, i, leap;

	if (n != 10 || p[4] != '-' || p[7] != '-')
		return ALC_EINVAL;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (p[i] < '0' || p[i] > '9'))
			return ALC_EINVAL;
	y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 +
	    (p[3] - '0');
	m = (p[5] - '0') * 10 + (p[6] - '0');
	d = (p[8] - '0') * 10 + (p[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1800 || y > 2999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap))
		return ALC_EINVAL;
	buf_append(out, p, n);
	return 0;
}

static int
norm_phone(const char *p, size_t n, struct buf *out)
{
	char digits[24];
	size_t i, nd = 0;
	const char *d = digits;

	for (i = 0; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9') {
			if (nd == sizeof(digits))
				return ALC_EINVAL;
			digits[nd++] = p[i];
		} else if (strchr(" ()-./+\t", p[i]) == NULL)
			return ALC_EINVAL;
	}
	if (nd == 11 && digits[0] == '1') {
		d++;
		nd--;
	}
	if (nd < 7 || nd > 15)
		return ALC_EINVAL;
	buf_append(out, d, nd);
	return 0;
}

static int
norm_email(const char *p, size_t n, struct buf *out)
{
	const char *at = memchr(p, '@', n);
	size_t i;

	if (n == 0 || n > 254 || at == NULL || at == p || at == p + n - 1 ||
	    memchr(at + 1, '@', (size_t)(p + n - at - 1)) != NULL)
		return ALC_EINVAL;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7F)
			return ALC_EINVAL;
	for (i = 0; i < n; i++)
		buf_putc(out, (p[i] >= 'A' && p[i] <= 'Z') ?
		    (char)(p[i] + 32) : p[i]);
	return 0;
}

int
blind_normalize(enum blind_kind kind, const char *value, struct buf *out)
{
	const char *p;
	size_t n, start = out->len;
	int rc;

	if (value == NULL)
		return ALC_EINVAL;
	if (strlen(value) > BLIND_MAX_INPUT)
		return ALC_ETOOBIG;
	if (buf_failed(out))
		return ALC_ENOMEM;
	if (kind == BLIND_NAME)
		return name_walk(value, out, NULL, 0, NULL, 1);
	trim(value, &p, &n);
	switch (kind) {
	case BLIND_DOB: rc = norm_dob(p, n, out); break;
	case BLIND_PHONE: rc = norm_phone(p, n, out); break;
	case BLIND_EMAIL: rc = norm_email(p, n, out); break;
	default: return ALC_EINVAL;
	}
	if (rc != 0)
		truncate_to(out, start);
	return rc == 0 && buf_failed(out) ? ALC_ENOMEM : rc;
}

void
blind_hash(const unsigned char key[BLIND_KEY_BYTES], enum blind_kind kind,
    const char *norm, size_t n, char out[BLIND_HEX_SIZE])
{
	crypto_generichash_state st;
	unsigned char h[BLIND_HASH_BYTES], k = (unsigned char)kind;

	(void)crypto_init();
	crypto_generichash_init(&st, key, BLIND_KEY_BYTES, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)BLIND_LABEL,
	    sizeof(BLIND_LABEL) - 1);
	crypto_generichash_update(&st, &k, 1);
	crypto_generichash_update(&st, (const unsigned char *)norm, n);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, BLIND_HEX_SIZE, h, sizeof(h));
	sodium_memzero(&st, sizeof(st));
}
