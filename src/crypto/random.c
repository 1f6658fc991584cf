/*
 * random.c - libsodium initialisation and random values.
 *
 * Tokens are 32 bytes (256 bits) so that guessing one is hopeless even
 * for an attacker who can try billions of session ids; they are url-safe
 * base64 without padding so they fit in cookies, URLs and form fields
 * without escaping.
 *
 * Generated passwords are meant to be read off a terminal and typed
 * once, perhaps on a phone: lower case only (no shift key), no 0/O, 1/l/I
 * (and no i or o either, which people confuse with them), in groups of
 * four.  The alphabet has 31 symbols, so 24 characters carry
 * 24 * log2(31) = 118.9 bits of entropy, well above the 100 we require.
 * Each character is drawn with rand_uniform, so there is no modulo bias.
 */
#include "crypto/random.h"
#include "base/err.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

#include <sodium.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = ALC_ECRYPTO;

static void
crypto_init_once(void)
{
	/* sodium_init: 0 = initialised now, 1 = already, -1 = failure. */
	init_result = sodium_init() < 0 ? ALC_ECRYPTO : 0;
}

int
crypto_init(void)
{
	if (pthread_once(&init_once, crypto_init_once) != 0)
		return ALC_ECRYPTO;
	return init_result;
}

void
rand_bytes(void *p, size_t n)
{
	(void)crypto_init();
	randombytes_buf(p, n);
}

void
rand_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	size_t n;

	(void)crypto_init();
	/* Chunked so any length works without a heap allocation. */
	while (nbytes > 0) {
		n = nbytes < sizeof(b) ? nbytes : sizeof(b);
		randombytes_buf(b, n);
		sodium_bin2hex(out, 2 * n + 1, b, n);
		out += 2 * n;
		nbytes -= n;
	}
	*out = '\0';
	sodium_memzero(b, sizeof(b));
}

void
rand_token(char *out, size_t outsz)
{
	unsigned char b[RAND_TOKEN_BYTES];

	assert(outsz >= RAND_TOKEN_SIZE);
	if (outsz < RAND_TOKEN_SIZE) {
		if (outsz > 0)
			out[0] = '\0';
		return;
	}
	(void)crypto_init();
	randombytes_buf(b, sizeof(b));
	sodium_bin2base64(out, outsz, b, sizeof(b),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(b, sizeof(b));
}

uint32_t
rand_uniform(uint32_t upper)
{
	(void)crypto_init();
	return randombytes_uniform(upper);
}

void
rand_password(char *out, size_t outsz)
{
	static const char alphabet[] = RAND_PASSWORD_ALPHABET;
	size_t i, o;

	assert(outsz >= RAND_PASSWORD_SIZE);
	if (outsz < RAND_PASSWORD_SIZE) {
		if (outsz > 0)
			out[0] = '\0';
		return;
	}
	for (i = 0, o = 0; i < RAND_PASSWORD_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = alphabet[rand_uniform(sizeof(alphabet) - 1)];
	}
	out[o] = '\0';
}
