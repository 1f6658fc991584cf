/*
 * hash.h - hashing and comparing secrets.
 */
#ifndef ALC_CRYPTO_HASH_H
#define ALC_CRYPTO_HASH_H

#include <stddef.h>

#define HASH_HEX_SIZE 65 /* 32 bytes as hex, with the NUL */

/* BLAKE2b-256 of a bearer token (session id, reset token) as hex: what the
 * database stores instead of the token, so that reading the database does
 * not yield usable tokens.  Tokens are 256-bit random, so no salt or slow
 * hash is needed. */
void hash_token(const char *token, char out[HASH_HEX_SIZE]);

/* Constant-time equality of two NUL-terminated strings (the lengths are
 * not secret).  NULL equals nothing. */
int crypto_streq(const char *a, const char *b);

#endif
