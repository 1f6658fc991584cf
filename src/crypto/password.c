/*
 * password.c - argon2id password hashes through libsodium.
 *
 * Cost parameters: argon2id with t=2 passes over m=32 MiB, one lane
 * (libsodium computes a single lane).  Measured on the target machine
 * kind (2 cores) one hash takes about 66 ms, inside the ~100 ms budget
 * for a login; libsodium's INTERACTIVE preset (t=2, m=64 MiB) took about
 * 137 ms there.  It is stronger than OWASP's argon2id minimum (m=19 MiB,
 * t=2, p=1), which took 36 ms.  With the web server's thread pool the
 * size of the core count, concurrent logins need at most a few times
 * 32 MiB.  Raise the constants when hardware allows: old hashes keep
 * verifying and pw_needs_rehash() upgrades them at the next login.
 *
 * libsodium's verify returns the same -1 for "wrong password" and "not a
 * hash", which would make a corrupted users row look like a wrong
 * password.  We tell them apart first by decoding the string with
 * crypto_pwhash_argon2id_str_needs_rehash, which fails only on strings
 * that are not well-formed argon2id hashes.
 */
#include "crypto/password.h"
#include "crypto/random.h"
#include "base/err.h"

#include <errno.h>
#include <string.h>

#define PW_OPSLIMIT 2ULL
#define PW_MEMLIMIT ((size_t)32 << 20)

_Static_assert(PW_OPSLIMIT >= 2 && PW_MEMLIMIT >= ((size_t)19 << 20),
    "weaker than OWASP's argon2id minimum (m=19 MiB, t=2)");

/* The prefix libsodium writes; also rejects argon2i and bcrypt strings. */
static const char ARGON2ID_PREFIX[] = "$argon2id$";

static int
pw_check_input(const char *pw)
{
	if (pw == NULL)
		return ALC_EINVAL;
	if (strnlen(pw, PW_MAX_BYTES + 1) > PW_MAX_BYTES)
		return ALC_ETOOBIG;
	return 0;
}

/* 0 when hash is a well-formed argon2id string, else ALC_EINVAL. */
static int
pw_check_hash(const char *hash)
{
	if (hash == NULL)
		return ALC_EINVAL;
	if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		return ALC_EINVAL;
	if (strncmp(hash, ARGON2ID_PREFIX, sizeof(ARGON2ID_PREFIX) - 1) != 0)
		return ALC_EINVAL;
	if (crypto_pwhash_argon2id_str_needs_rehash(hash, PW_OPSLIMIT,
	    PW_MEMLIMIT) < 0)
		return ALC_EINVAL;
	return 0;
}

int
pw_hash(const char *pw, char out[crypto_pwhash_STRBYTES])
{
	int rc;

	if ((rc = pw_check_input(pw)) != 0)
		return rc;
	if (pw[0] == '\0')
		return ALC_EINVAL;
	if ((rc = crypto_init()) != 0)
		return rc;
	if (crypto_pwhash_argon2id_str(out, pw, strlen(pw), PW_OPSLIMIT,
	    PW_MEMLIMIT) != 0) {
		out[0] = '\0';
		return errno == ENOMEM ? ALC_ENOMEM : ALC_ECRYPTO;
	}
	return 0;
}

int
pw_verify(const char *hash, const char *pw)
{
	int rc;

	if ((rc = pw_check_hash(hash)) != 0)
		return rc;
	if ((rc = pw_check_input(pw)) != 0)
		return rc;
	if ((rc = crypto_init()) != 0)
		return rc;
	errno = 0;
	if (crypto_pwhash_argon2id_str_verify(hash, pw, strlen(pw)) != 0)
		return errno == ENOMEM ? ALC_ENOMEM : ALC_EPERM;
	return 0;
}

int
pw_needs_rehash(const char *hash)
{
	int rc;

	if ((rc = pw_check_hash(hash)) != 0)
		return rc;
	return crypto_pwhash_argon2id_str_needs_rehash(hash, PW_OPSLIMIT,
	    PW_MEMLIMIT) != 0;
}

void
crypto_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
