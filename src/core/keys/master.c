/*
 * master.c - where the master key comes from, and its fingerprint.
 *
 * Precedence (keystore.h): systemd credential, then ALCOVE_MASTER_KEY,
 * then the key file.  The credential comes first because it is the most
 * deliberate and best protected choice: systemd sets CREDENTIALS_DIRECTORY
 * only for a unit that was configured to pass credentials, keeps the file
 * in a private, non-swappable directory, and can store it encrypted with
 * the TPM.  The environment variable is next because setting it is an
 * explicit act for this process (a container secret), whereas the key file
 * path always has a default.  A source that is present but malformed stops
 * the start: silently falling back to another key would wrap new data keys
 * under the wrong master key.
 *
 * Text forms are parsed here without ever copying the key into a message;
 * all intermediate buffers are wiped.
 */
#include "core/keys/keystore_impl.h"
#include "crypto/keyfile.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define KEY_LINE_PREFIX "alcove-master-key v1 "
#define FINGERPRINT_LABEL "alcove master key id v1"

_Static_assert(KEYFILE_KEY_BYTES == AEAD_KEY_BYTES, "master key size");

static int
is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Parses "<64 hex>" or "alcove-master-key v1 <64 hex>", with white space
 * around it, from n bytes at s.  what names the source for messages. */
static int
parse_key_text(const char *s, size_t n, unsigned char key[AEAD_KEY_BYTES],
    const char *what, struct alc_err *err)
{
	size_t plen = sizeof(KEY_LINE_PREFIX) - 1, got = 0, i;

	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (n >= plen && memcmp(s, KEY_LINE_PREFIX, plen) == 0) {
		s += plen;
		n -= plen;
	}
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			break;
	if (i != n || n != 2 * AEAD_KEY_BYTES ||
	    sodium_hex2bin(key, AEAD_KEY_BYTES, s, n, NULL, &got, NULL) != 0 ||
	    got != AEAD_KEY_BYTES) {
		sodium_memzero(key, AEAD_KEY_BYTES);
		return alc_err_set(err, ALC_EINVAL, "%s does not hold a master "
		    "key (expected 64 hex digits, optionally after \"%s\")",
		    what, KEY_LINE_PREFIX);
	}
	return 0;
}

/* Reads the systemd credential at path.  ALC_ENOTFOUND (quietly) when it
 * does not exist. */
static int
load_credential(const char *path, unsigned char key[AEAD_KEY_BYTES],
    struct alc_err *err)
{
	char buf[256];
	struct stat st;
	ssize_t r;
	size_t n = 0;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? ALC_ENOTFOUND :
		    alc_err_set(err, ALC_EIO, "systemd credential %s: cannot "
		    "open: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = alc_err_set(err, ALC_EINVAL, "systemd credential %s is not "
		    "a regular file", path);
		goto out;
	}
	if (st.st_mode & S_IRWXO) {
		rc = alc_err_set(err, ALC_EPERM, "systemd credential %s is open "
		    "to other users (mode %04o); run: chmod o-rwx %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while (n < sizeof(buf)) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	rc = parse_key_text(buf, n, key, "the systemd credential "
	    KEYSTORE_CREDENTIAL_NAME, err);
out:
	close(fd);
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

int
ks_master_load(const char *file, unsigned char key[AEAD_KEY_BYTES],
    const char **source, struct alc_err *err)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	const char *env = getenv(KEYSTORE_ENV_KEY);
	char path[PATH_MAX];
	int rc;

	if (dir != NULL && *dir != '\0') {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		    KEYSTORE_CREDENTIAL_NAME) >= (int)sizeof(path))
			return alc_err_set(err, ALC_EINVAL, "CREDENTIALS_DIRECTORY "
			    "is too long");
		rc = load_credential(path, key, err);
		if (rc != ALC_ENOTFOUND) {
			*source = "credential";
			return rc;
		}
	}
	if (env != NULL && *env != '\0') {
		*source = "environment";
		return parse_key_text(env, strlen(env), key, "the environment "
		    "variable " KEYSTORE_ENV_KEY, err);
	}
	*source = "file";
	if (file == NULL || *file == '\0')
		return alc_err_set(err, ALC_ECONFIG, "no master key: set "
		    "keys.master_key_file, " KEYSTORE_ENV_KEY " or a systemd "
		    "credential named " KEYSTORE_CREDENTIAL_NAME);
	return keyfile_load(file, key, err);
}

void
ks_master_fingerprint(const unsigned char key[AEAD_KEY_BYTES],
    char out[KEYSTORE_MASTER_ID_SIZE])
{
	unsigned char h[crypto_generichash_BYTES_MIN];

	/* Keyed with the master key: a MAC of a constant, so knowing the
	 * fingerprint helps no one guess the key.  BLAKE2b's shortest output
	 * is 16 bytes; the first 8 are plenty to tell keys apart. */
	crypto_generichash(h, sizeof(h), (const unsigned char *)FINGERPRINT_LABEL,
	    sizeof(FINGERPRINT_LABEL) - 1, key, AEAD_KEY_BYTES);
	sodium_bin2hex(out, KEYSTORE_MASTER_ID_SIZE, h,
	    (KEYSTORE_MASTER_ID_SIZE - 1) / 2);
}
