#include "crypto/hash.h"
#include "crypto/random.h"

#include <sodium.h>
#include <string.h>

void
hash_token(const char *token, char out[HASH_HEX_SIZE])
{
	unsigned char h[32];

	crypto_init();
	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	sodium_bin2hex(out, HASH_HEX_SIZE, h, sizeof(h));
}

int
crypto_streq(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL || (n = strlen(a)) != strlen(b))
		return 0;
	return n == 0 || sodium_memcmp(a, b, n) == 0;
}
