/*
 * password_policy.c - the password rules of policy.h.
 *
 * Everything works on UTF-8 text folded to lower case by fold_cp(): the
 * folding maps each code point to one of the same UTF-8 length, so a
 * folded copy fits a buffer the size of the original, and a byte
 * substring search on folded text is a code-point substring search
 * (UTF-8 is self-synchronising).
 *
 * The blocklist is data/passwords/blocklist.txt compiled into the binary
 * by tools/embed (symbol password_blocklist): lower-cased, one entry per
 * line, sorted bytewise.  pwpol_blocklisted() binary-searches that text
 * in place: pick the middle byte, back up to its line start, compare,
 * halve.  No index is built, so there is no start-up cost and no memory
 * beyond the read-only data.
 */
#include "core/users/policy.h"
#include "base/embed.h"
#include "crypto/password.h"

#include <stdint.h>
#include <string.h>

/* build/gen/password_blocklist.c (Makefile). */
extern const struct embedded_file password_blocklist[];
extern const size_t password_blocklist_count;

/* Large enough for any password we accept, folded, with its NUL. */
#define FOLD_MAX (PWPOL_MAX_BYTES + 1)

_Static_assert(PWPOL_MAX_BYTES == PW_MAX_BYTES,
    "the policy and the hashing layer must agree on the byte limit");

/* Decodes one code point at s into *cp; returns its length in bytes, 0 at
 * the terminating NUL, -1 for invalid UTF-8. */
static int
utf8_next(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0], min;
	int n, i;

	if (c == 0)
		return 0;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0)
		n = 2, c &= 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		n = 3, c &= 0x0F, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*cp = c;
	return n;
}

static size_t
utf8_put(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Lower case for the scripts most names are written in; the result has
 * the same UTF-8 length as c. */
static uint32_t
fold_cp(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0x80)
		return c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)  /* Latin-1: A-grave..thorn */
		return c + 32;
	if (c == 0x178)                           /* Y-diaeresis */
		return 0xFF;
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
		return c | 1;                     /* Latin Ext-A, even=upper */
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1) ? c + 1 : c;       /* odd=upper */
	if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) /* Greek */
		return c + 32;
	if (c >= 0x410 && c <= 0x42F)             /* Cyrillic */
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	return c;
}

/* Punctuation and spaces: what separates the parts of a name and what
 * the practice-name rule ignores. */
static int
is_sep(uint32_t c)
{
	if (c < 0x80)
		return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'));
	return (c >= 0x80 && c <= 0xBF) || c == 0xD7 || c == 0xF7 ||
	    (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
	    (c >= 0xFF00 && c <= 0xFF0F);
}

static int
is_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

/* Folds in into out (outsz >= strlen(in) + 1).  With compact, separators
 * are dropped.  Returns the number of code points written, or -1 for
 * invalid UTF-8 or when out is too small. */
static long
fold(const char *in, char *out, size_t outsz, int compact)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;
	long chars = 0;
	uint32_t c;
	int n;

	while ((n = utf8_next(p, &c)) > 0) {
		p += n;
		if (compact && is_sep(c))
			continue;
		if (o + (size_t)n >= outsz)
			return -1;
		o += utf8_put(out + o, fold_cp(c));
		chars++;
	}
	if (n < 0 || o >= outsz)
		return -1;
	out[o] = '\0';
	return chars;
}

size_t
pwpol_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;
	uint32_t c;
	int n;

	while ((n = utf8_next(p, &c)) > 0) {
		p += n;
		chars++;
	}
	return n < 0 ? (size_t)-1 : chars;
}

size_t
pwpol_min_chars(int has_mfa)
{
	return has_mfa ? PWPOL_MIN_CHARS_MFA : PWPOL_MIN_CHARS;
}

/* Orders key against the line [l, l + llen) as LC_ALL=C sort does. */
static int
line_cmp(const char *key, size_t klen, const char *l, size_t llen)
{
	int c = memcmp(key, l, klen < llen ? klen : llen);

	if (c != 0)
		return c;
	return klen < llen ? -1 : klen > llen;
}

/* Binary search of the sorted lines in data[0, len).  Invariant: lo and
 * hi are line starts (or len), and key, if present, lies in [lo, hi). */
static int
lines_find(const char *data, size_t len, const char *key, size_t klen)
{
	size_t lo = 0, hi = len, mid, end;
	const char *nl;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		while (mid > lo && data[mid - 1] != '\n')
			mid--;
		nl = memchr(data + mid, '\n', hi - mid);
		end = nl ? (size_t)(nl - data) : hi;
		if ((c = line_cmp(key, klen, data + mid, end - mid)) == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = end + 1 < hi ? end + 1 : hi;
	}
	return 0;
}

static int
blocklisted_folded(const char *folded)
{
	if (password_blocklist_count == 0 || folded[0] == '\0' ||
	    strchr(folded, '\n') != NULL)
		return 0;
	return lines_find((const char *)password_blocklist[0].data,
	    password_blocklist[0].len, folded, strlen(folded));
}

int
pwpol_blocklisted(const char *pw)
{
	char f[FOLD_MAX];

	if (pw == NULL || strlen(pw) > PWPOL_MAX_BYTES ||
	    fold(pw, f, sizeof(f), 0) < 0)
		return 0;
	return blocklisted_folded(f);
}

size_t
pwpol_blocklist_count(void)
{
	const unsigned char *p, *end;
	size_t n = 0;

	if (password_blocklist_count == 0)
		return 0;
	p = password_blocklist[0].data;
	end = p + password_blocklist[0].len;
	for (; p < end; p++)
		n += *p == '\n';
	return n;
}

/* 1 when any part of text (split at separators, and at digits when
 * letters_only) that is at least 3 characters long occurs in pw (folded).
 * Parts are folded on the way. */
static int
has_part(const char *pw, const char *text, int letters_only)
{
	const unsigned char *p = (const unsigned char *)text;
	char part[FOLD_MAX];
	size_t o = 0, chars = 0;
	uint32_t c;
	int n, split;

	for (;;) {
		n = utf8_next(p, &c);
		if (n < 0)
			return 0;
		split = n == 0 || is_sep(c) || (letters_only && is_digit(c));
		if (split) {
			part[o] = '\0';
			if (chars >= 3 && strstr(pw, part) != NULL)
				return 1;
			o = chars = 0;
			if (n == 0)
				return 0;
		} else if (o + (size_t)n < sizeof(part)) {
			o += utf8_put(part + o, fold_cp(c));
			chars++;
		}
		p += n;
	}
}

/* 1 when the folded form of needle (at least 3 characters) occurs in the
 * folded pw; compared with separators removed from both when compact. */
static int
has_whole(const char *pw_folded, const char *pw_compact, const char *needle,
    int compact)
{
	char f[FOLD_MAX];
	long chars;

	if (strlen(needle) >= sizeof(f))
		return 0; /* longer than any password: cannot occur in one */
	chars = fold(needle, f, sizeof(f), compact);
	return chars >= 3 && strstr(compact ? pw_compact : pw_folded, f) != NULL;
}

static int
has_email(const char *pw, const char *email)
{
	char local[FOLD_MAX];
	const char *at = strchr(email, '@');
	size_t n = at ? (size_t)(at - email) : strlen(email);

	if (n >= sizeof(local))
		return 0;
	memcpy(local, email, n);
	local[n] = '\0';
	return has_whole(pw, NULL, local, 0) || has_part(pw, local, 1);
}

/* The rules that involve who the password belongs to. */
static enum pwpol_verdict
check_personal(const char *folded, const char *compact,
    const struct pwpol_subject *who)
{
	size_t i;

	if (who->name != NULL && strchr(who->name, '@') == NULL &&
	    has_part(folded, who->name, 1))
		return PWPOL_HAS_NAME;
	if (who->email != NULL && has_email(folded, who->email))
		return PWPOL_HAS_EMAIL;
	for (i = 0; i < who->n_practices; i++)
		if (who->practices[i] != NULL &&
		    (has_whole(folded, compact, who->practices[i], 0) ||
		    has_whole(folded, compact, who->practices[i], 1)))
			return PWPOL_HAS_PRACTICE;
	return PWPOL_OK;
}

enum pwpol_verdict
pwpol_check(const char *pw, const struct pwpol_subject *who)
{
	char folded[FOLD_MAX], compact[FOLD_MAX];
	long chars;

	if (pw == NULL || pw[0] == '\0')
		return PWPOL_EMPTY;
	if (strlen(pw) > PWPOL_MAX_BYTES)
		return PWPOL_TOO_LONG;
	if ((chars = fold(pw, folded, sizeof(folded), 0)) < 0 ||
	    fold(pw, compact, sizeof(compact), 1) < 0)
		return PWPOL_NOT_UTF8;
	if ((size_t)chars < pwpol_min_chars(who ? who->has_mfa : 0))
		return PWPOL_TOO_SHORT;
	if (blocklisted_folded(folded))
		return PWPOL_BREACHED;
	return who ? check_personal(folded, compact, who) : PWPOL_OK;
}

const char *
pwpol_reason(enum pwpol_verdict v, int has_mfa)
{
	switch (v) {
	case PWPOL_OK:
		return "";
	case PWPOL_EMPTY:
		return "Enter a password.";
	case PWPOL_TOO_LONG:
		return "This password is too long. Use at most 1024 bytes "
		    "(at least 256 characters of any kind fit).";
	case PWPOL_NOT_UTF8:
		return "This password contains characters that cannot be "
		    "used. Use letters, digits, spaces, punctuation or emoji.";
	case PWPOL_TOO_SHORT:
		return has_mfa ? "Use at least 8 characters. A few unrelated "
		    "words make a password that is long and easy to remember." :
		    "Use at least 15 characters. A few unrelated words make a "
		    "password that is long and easy to remember.";
	case PWPOL_BREACHED:
		return "This password is in a list of passwords leaked in data "
		    "breaches. Choose a different one.";
	case PWPOL_HAS_NAME:
		return "This password contains your name. Choose one that "
		    "does not.";
	case PWPOL_HAS_EMAIL:
		return "This password contains your e-mail address or part of "
		    "it. Choose one that does not.";
	case PWPOL_HAS_PRACTICE:
		return "This password contains the practice's name. Choose one "
		    "that does not.";
	}
	return "This password cannot be used.";
}
