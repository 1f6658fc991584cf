/*
 * password.h - password hashing (argon2id) and secret wiping.
 *
 * Hashes are libsodium's self-describing PHC strings
 * ("$argon2id$v=19$m=32768,t=2,p=1$salt$hash"), so stored hashes keep
 * working after the cost parameters change; pw_needs_rehash() tells the
 * login code when to replace one with a hash at today's parameters.
 *
 * Passwords are byte strings (UTF-8 from the browser; any Unicode is fine,
 * NUL ends them).  Length policy (minimum length, blocklists) belongs to
 * the users module; this layer only caps the input at PW_MAX_BYTES so a
 * megabyte "password" cannot buy extra hashing work.
 */
#ifndef ALC_CRYPTO_PASSWORD_H
#define ALC_CRYPTO_PASSWORD_H

#include <stddef.h>

#include <sodium.h>

#define PW_MAX_BYTES 1024
/* Size of a hash buffer, including the NUL. */
#define PW_HASH_SIZE crypto_pwhash_STRBYTES

/* Hashes pw into out (NUL-terminated).  0; ALC_EINVAL for a NULL or empty
 * password; ALC_ETOOBIG when longer than PW_MAX_BYTES; ALC_ENOMEM when the
 * hashing memory cannot be allocated. */
int pw_hash(const char *pw, char out[crypto_pwhash_STRBYTES]);
/* 0 when pw matches hash; ALC_EPERM when it does not; ALC_EINVAL when
 * hash is not an argon2id hash string; ALC_ETOOBIG when pw is longer than
 * PW_MAX_BYTES (never a match).  Runs in time independent of where the
 * password differs. */
int pw_verify(const char *hash, const char *pw);
/* 1 when hash was made with other parameters than pw_hash uses today,
 * 0 when it is current, ALC_EINVAL when it is not an argon2id hash. */
int pw_needs_rehash(const char *hash);

/* Overwrites n bytes at p with zeros in a way the compiler cannot drop.
 * Use on every buffer that held a password, key or token. */
void crypto_wipe(void *p, size_t n);

#endif
