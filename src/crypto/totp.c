/*
 * totp.c - RFC 6238 codes with liboath, base32, otpauth URIs (totp.h).
 */
#include "crypto/totp.h"
#include "base/buf.h"
#include "base/err.h"
#include "crypto/hash.h"
#include "crypto/password.h"

#include <ctype.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_ready;

static void
init_oath(void)
{
	oath_ready = oath_init() == OATH_OK;
}

int
totp_code(const unsigned char *secret, size_t n, int64_t t, unsigned digits,
    char *out)
{
	pthread_once(&oath_once, init_oath);
	if (!oath_ready || secret == NULL || n == 0 || t < 0 || digits < 6 ||
	    digits > 8)
		return ALC_EINVAL;
	if (oath_totp_generate((const char *)secret, n, (time_t)t, TOTP_STEP_S,
	    0, digits, out) != OATH_OK)
		return ALC_EINVAL;
	return 0;
}

int
totp_code_shape(const char *code)
{
	return code != NULL && strlen(code) == TOTP_DIGITS &&
	    strspn(code, "0123456789") == TOTP_DIGITS;
}

int
totp_check(const unsigned char *secret, size_t n, int64_t now_s,
    int64_t last_step, const char *code, int64_t *step)
{
	char want[TOTP_DIGITS + 1];
	int64_t cur = now_s / TOTP_STEP_S, st, found = -1;
	int rc;

	if (!totp_code_shape(code))
		return ALC_EINVAL;
	/* Every candidate is computed and compared, used or not, so timing
	 * does not tell which step matched. */
	for (st = cur - TOTP_WINDOW; st <= cur + TOTP_WINDOW; st++) {
		if ((rc = totp_code(secret, n, st * TOTP_STEP_S, TOTP_DIGITS,
		    want)) != 0)
			return rc;
		if (crypto_streq(want, code) && st > last_step)
			found = st;
	}
	crypto_wipe(want, sizeof(want));
	if (found < 0)
		return ALC_EPERM;
	*step = found;
	return 0;
}

void
totp_base32(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned acc = 0;
	int bits = 0;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		for (bits += 8; bits >= 5; bits -= 5)
			out[o++] = abc[(acc >> (bits - 5)) & 31];
	}
	if (bits > 0)
		out[o++] = abc[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

/* Percent-encodes all but RFC 3986 unreserved characters. */
static void
uri_part(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (isalnum(*p) || strchr("-._~", *p) != NULL)
			buf_putc(b, (char)*p);
		else
			buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
}

void
totp_uri(struct buf *out, const char *issuer, const char *where,
    const char *account, const char *secret_b32)
{
	buf_puts(out, "otpauth://totp/");
	uri_part(out, issuer);
	if (where != NULL) {
		uri_part(out, " (");
		uri_part(out, where);
		uri_part(out, ")");
	}
	buf_putc(out, ':');
	uri_part(out, account);
	buf_puts(out, "?secret=");
	uri_part(out, secret_b32);
	buf_puts(out, "&issuer=");
	uri_part(out, issuer);
	buf_printf(out, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS,
	    TOTP_STEP_S);
}
