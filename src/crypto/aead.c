/*
 * aead.c - XChaCha20-Poly1305-IETF seal/open, key wrapping, key memory.
 *
 * Sealing and opening work in place inside the output buffer: the input
 * is appended once and transformed where it lies (libsodium's detached
 * functions allow the output to alias the input), so a 1 MiB document
 * costs one copy, not two, and no temporary heap buffer holds plaintext.
 *
 * The wrap AD starts with a fixed label and a version so that a wrapped
 * key can never be confused with a field ciphertext made under the same
 * master key, and encodes the purpose with its length so that no two
 * (id, practice, purpose) triples give the same bytes.
 */
#include "crypto/aead.h"
#include "crypto/random.h"
#include "base/buf.h"
#include "base/err.h"

#include <string.h>

#include <sodium.h>

#define WRAP_LABEL "alcove-key-wrap"
#define WRAP_LABEL_LEN (sizeof(WRAP_LABEL) - 1)
#define PURPOSE_MAX 64
#define WRAP_AD_MAX (WRAP_LABEL_LEN + 1 + 8 + 8 + 1 + PURPOSE_MAX)

_Static_assert(AEAD_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    "key size");
_Static_assert(AEAD_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
    "nonce size");
_Static_assert(AEAD_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "tag size");

/* Grows out by n bytes (contents unspecified); returns the offset of the
 * new bytes, or (size_t)-1 when out failed. */
static size_t
buf_extend(struct buf *out, const void *p, size_t n)
{
	size_t at = out->len;

	buf_append(out, p, n);
	return buf_failed(out) ? (size_t)-1 : at;
}

int
aead_seal(struct buf *out, const unsigned char key[AEAD_KEY_BYTES],
    const void *ad, size_t adlen, const void *pt, size_t n)
{
	unsigned char nonce[AEAD_NONCE_BYTES], tag[AEAD_TAG_BYTES];
	unsigned char *m;
	size_t at;

	if (crypto_init() != 0)
		return ALC_ECRYPTO;
	if (buf_failed(out) || n > SIZE_MAX - AEAD_OVERHEAD - out->len - 1)
		return ALC_ENOMEM;
	randombytes_buf(nonce, sizeof(nonce));
	memset(tag, 0, sizeof(tag));
	buf_append(out, nonce, sizeof(nonce));
	if ((at = buf_extend(out, pt, n)) == (size_t)-1 ||
	    buf_extend(out, tag, sizeof(tag)) == (size_t)-1)
		return ALC_ENOMEM;
	m = (unsigned char *)out->data + at;
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(m, m + n, NULL,
	    m, n, ad, adlen, NULL, nonce, key);
	return 0;
}

int
aead_open(struct buf *out, const unsigned char key[AEAD_KEY_BYTES],
    const void *ad, size_t adlen, const void *in, size_t n)
{
	const unsigned char *nonce = in, *c, *tag;
	unsigned char *m;
	size_t mlen, start = out->len, at;

	if (crypto_init() != 0)
		return ALC_ECRYPTO;
	if (in == NULL || n < AEAD_OVERHEAD)
		return ALC_ECRYPTO;
	if (buf_failed(out))
		return ALC_ENOMEM;
	mlen = n - AEAD_OVERHEAD;
	c = nonce + AEAD_NONCE_BYTES;
	tag = c + mlen;
	if ((at = buf_extend(out, c, mlen)) == (size_t)-1)
		return ALC_ENOMEM;
	m = (unsigned char *)out->data + at;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(m, NULL, m,
	    mlen, tag, ad, adlen, nonce, key) != 0) {
		sodium_memzero(m, mlen);
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return ALC_ECRYPTO;
	}
	return 0;
}

static void
put_be64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(u & 0xff);
		u >>= 8;
	}
}

/* Builds the wrap AD into ad (WRAP_AD_MAX bytes); returns its length or 0
 * for a bad purpose. */
static size_t
wrap_ad(unsigned char *ad, int64_t key_id, int64_t practice_id,
    const char *purpose)
{
	size_t plen, n = 0;

	if (purpose == NULL || (plen = strlen(purpose)) == 0 ||
	    plen > PURPOSE_MAX)
		return 0;
	memcpy(ad, WRAP_LABEL, WRAP_LABEL_LEN);
	n = WRAP_LABEL_LEN;
	ad[n++] = AEAD_WRAP_VERSION;
	put_be64(ad + n, key_id);
	n += 8;
	put_be64(ad + n, practice_id);
	n += 8;
	ad[n++] = (unsigned char)plen;
	memcpy(ad + n, purpose, plen);
	return n + plen;
}

int
aead_wrap(const unsigned char kek[AEAD_KEY_BYTES], int64_t key_id,
    int64_t practice_id, const char *purpose,
    const unsigned char dk[AEAD_KEY_BYTES],
    unsigned char out[AEAD_WRAPPED_BYTES])
{
	unsigned char ad[WRAP_AD_MAX];
	unsigned char *nonce = out + 1, *c = nonce + AEAD_NONCE_BYTES;
	size_t adlen;

	if (crypto_init() != 0)
		return ALC_ECRYPTO;
	if ((adlen = wrap_ad(ad, key_id, practice_id, purpose)) == 0)
		return ALC_EINVAL;
	out[0] = AEAD_WRAP_VERSION;
	randombytes_buf(nonce, AEAD_NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(c,
	    c + AEAD_KEY_BYTES, NULL, dk, AEAD_KEY_BYTES, ad, adlen, NULL,
	    nonce, kek);
	return 0;
}

int
aead_unwrap(const unsigned char kek[AEAD_KEY_BYTES], int64_t key_id,
    int64_t practice_id, const char *purpose, const void *in, size_t n,
    unsigned char dk[AEAD_KEY_BYTES])
{
	unsigned char ad[WRAP_AD_MAX];
	const unsigned char *w = in, *nonce, *c;
	size_t adlen;

	memset(dk, 0, AEAD_KEY_BYTES);
	if (crypto_init() != 0)
		return ALC_ECRYPTO;
	if ((adlen = wrap_ad(ad, key_id, practice_id, purpose)) == 0)
		return ALC_EINVAL;
	if (w == NULL || n != AEAD_WRAPPED_BYTES || w[0] != AEAD_WRAP_VERSION)
		return ALC_ECRYPTO;
	nonce = w + 1;
	c = nonce + AEAD_NONCE_BYTES;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(dk, NULL, c,
	    AEAD_KEY_BYTES, c + AEAD_KEY_BYTES, ad, adlen, nonce, kek) != 0) {
		sodium_memzero(dk, AEAD_KEY_BYTES);
		return ALC_ECRYPTO;
	}
	return 0;
}

unsigned char *
aead_key_alloc(void)
{
	unsigned char *k;

	if (crypto_init() != 0)
		return NULL;
	/* sodium_malloc mlocks the page (a failed mlock is not fatal there)
	 * and surrounds it with guard pages. */
	if ((k = sodium_malloc(AEAD_KEY_BYTES)) != NULL)
		sodium_memzero(k, AEAD_KEY_BYTES);
	return k;
}

void
aead_key_free(unsigned char *key)
{
	/* sodium_free makes the region writable, wipes and unlocks it. */
	if (key != NULL)
		sodium_free(key);
}

void
aead_key_readonly(unsigned char *key)
{
	if (key != NULL)
		(void)sodium_mprotect_readonly(key);
}
