/*
 * aead.h - authenticated encryption of bytes (XChaCha20-Poly1305-IETF),
 * key wrapping, and secure memory for keys.
 *
 * Every value is sealed under a random 24-byte nonce: with XChaCha20 a
 * random nonce is safe for any number of messages under one key, so no
 * counter has to be kept consistent across processes and restarts.  The
 * associated data (AD) is authenticated but not encrypted: callers put in
 * it whatever the ciphertext must stay bound to (table, column, row id,
 * key id), so a ciphertext moved elsewhere fails to open.
 *
 * Sealed layout (what aead_seal appends):  nonce(24) || ciphertext || tag(16)
 *
 * Key wrapping seals a 32-byte data key under a key-encryption key (the
 * master key) with AD naming the data key's id, practice and purpose, so a
 * wrapped key copied to another row of the key table does not unwrap.
 * Wrapped layout (AEAD_WRAPPED_BYTES = 73):
 *     version 0x01 || nonce(24) || ciphertext(32) || tag(16)
 *
 * Keys that have been unwrapped live in memory from aead_key_alloc():
 * sodium_malloc'd (guard pages, mlocked so never swapped, wiped on free).
 * This module works on bytes only; it knows nothing of the database.
 */
#ifndef ALC_CRYPTO_AEAD_H
#define ALC_CRYPTO_AEAD_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define AEAD_KEY_BYTES 32
#define AEAD_NONCE_BYTES 24
#define AEAD_TAG_BYTES 16
#define AEAD_OVERHEAD (AEAD_NONCE_BYTES + AEAD_TAG_BYTES)

#define AEAD_WRAP_VERSION 1
#define AEAD_WRAPPED_BYTES (1 + AEAD_NONCE_BYTES + AEAD_KEY_BYTES + \
	AEAD_TAG_BYTES)

/* Seals n bytes at pt (pt may be NULL when n is 0) under key with the
 * given AD, appending nonce || ciphertext || tag (n + AEAD_OVERHEAD bytes)
 * to out.  0; ALC_ENOMEM when out failed or cannot grow (out is then
 * failed, as buf.h describes); ALC_ECRYPTO if libsodium cannot start. */
int aead_seal(struct buf *out, const unsigned char key[AEAD_KEY_BYTES],
    const void *ad, size_t adlen, const void *pt, size_t n);

/* Opens n bytes at in (nonce || ciphertext || tag), appending the
 * plaintext (n - AEAD_OVERHEAD bytes) to out.  ALC_ECRYPTO when the input
 * is too short, was made under another key or AD, or was altered in any
 * byte; out is then left as it was.  ALC_ENOMEM as for aead_seal.
 * The plaintext is secret: give out an arena or wipe it when done. */
int aead_open(struct buf *out, const unsigned char key[AEAD_KEY_BYTES],
    const void *ad, size_t adlen, const void *in, size_t n);

/* Wraps dk under kek.  key_id, practice_id (0: installation-wide) and
 * purpose (a short name such as "general") go into the AD; unwrapping
 * with any of them different fails.  Always succeeds once libsodium is
 * initialised: 0 or ALC_ECRYPTO / ALC_EINVAL (NULL or over-long purpose). */
int aead_wrap(const unsigned char kek[AEAD_KEY_BYTES], int64_t key_id,
    int64_t practice_id, const char *purpose,
    const unsigned char dk[AEAD_KEY_BYTES],
    unsigned char out[AEAD_WRAPPED_BYTES]);

/* Unwraps n bytes at in into dk.  ALC_ECRYPTO for a wrong master key, a
 * wrapped key moved to another id/practice/purpose, an unknown version or
 * any altered byte (dk is zeroed then); ALC_EINVAL for a bad purpose. */
int aead_unwrap(const unsigned char kek[AEAD_KEY_BYTES], int64_t key_id,
    int64_t practice_id, const char *purpose, const void *in, size_t n,
    unsigned char dk[AEAD_KEY_BYTES]);

/* AEAD_KEY_BYTES of guarded, locked, zeroed memory; NULL when out of
 * memory.  Release with aead_key_free (which wipes it; NULL ignored). */
unsigned char *aead_key_alloc(void);
void aead_key_free(unsigned char *key);
/* Makes a key read-only (after it was filled); writes then crash. */
void aead_key_readonly(unsigned char *key);

#endif
