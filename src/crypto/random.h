/*
 * random.h - process-wide crypto initialisation and random values.
 *
 * Everything here draws from libsodium's randombytes, i.e. the kernel's
 * getrandom(2).  Call crypto_init() once at startup before any thread
 * starts serving; the rand_* functions also make sure it ran (the check is
 * a pthread_once, so it costs nothing), which keeps tests and tools from
 * silently using an uninitialised library.  If the kernel cannot supply
 * randomness libsodium aborts the process: for a program that mints
 * session ids that is the only safe answer, and it never happens on a
 * working Linux system.
 */
#ifndef ALC_CRYPTO_RANDOM_H
#define ALC_CRYPTO_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* rand_token: 32 random bytes in url-safe base64 without padding. */
#define RAND_TOKEN_BYTES 32
#define RAND_TOKEN_LEN 43                   /* characters */
#define RAND_TOKEN_SIZE (RAND_TOKEN_LEN + 1) /* with the NUL */

/* rand_password: 24 characters in 6 groups of 4 joined by '-'. */
#define RAND_PASSWORD_CHARS 24
#define RAND_PASSWORD_LEN 29
#define RAND_PASSWORD_SIZE (RAND_PASSWORD_LEN + 1)
/* Its alphabet: lower-case letters and digits without look-alikes. */
#define RAND_PASSWORD_ALPHABET "23456789abcdefghjkmnpqrstuvwxyz"

/* Initialises libsodium once; safe to call from any thread, any number of
 * times.  0 or ALC_ECRYPTO. */
int crypto_init(void);

void rand_bytes(void *p, size_t n);
/* nbytes random bytes as lower-case hex into out, which must hold
 * 2 * nbytes + 1 bytes. */
void rand_hex(char *out, size_t nbytes);
/* An unguessable token (session id, CSRF token, reset token): 256 bits as
 * RAND_TOKEN_LEN characters of [A-Za-z0-9_-].  outsz must be at least
 * RAND_TOKEN_SIZE; a smaller buffer is a programming error (assert), and
 * gets an empty string rather than a short, guessable token. */
void rand_token(char *out, size_t outsz);
/* Uniform in [0, upper) without modulo bias; 0 when upper < 2. */
uint32_t rand_uniform(uint32_t upper);
/* A password a person can read and type, for a new owner account:
 * "xxxx-xxxx-xxxx-xxxx-xxxx-xxxx" from RAND_PASSWORD_ALPHABET.  outsz must
 * be at least RAND_PASSWORD_SIZE (same rule as rand_token). */
void rand_password(char *out, size_t outsz);

#endif
