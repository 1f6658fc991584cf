/*
 * keyfile.c - create and load the master key file.
 *
 * Creation uses O_CREAT|O_EXCL so an existing key is never replaced (a
 * lost master key is lost PHI), mode 0600 from the first instant (no
 * window in which another user could open it), and fsyncs the file and
 * its directory so that a key reported as created survives a power cut.
 * The line is written with one write(2); if anything fails after the
 * file was created, it is removed so no half-written key is left behind.
 *
 * Loading follows symlinks (an operator may point the path at a mounted
 * secret) but checks the file actually opened (fstat on the descriptor),
 * so the checks cannot be raced.  Permissions are checked before the
 * content is read: a key that others could read must be treated as
 * exposed, and the operator is told how to fix the file rather than being
 * left with a silent weakness.  No message ever contains key material:
 * parse errors name the file and the kind of problem only.
 */
#include "crypto/keyfile.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "base/err.h"
#include "base/fsutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define KEYFILE_MAGIC "alcove-master-key v1 "
#define KEYFILE_MAGIC_LEN (sizeof(KEYFILE_MAGIC) - 1)
#define KEYFILE_HEX_LEN (2 * KEYFILE_KEY_BYTES)
#define KEYFILE_LINE_LEN (KEYFILE_MAGIC_LEN + KEYFILE_HEX_LEN + 1)

int
keyfile_create(const char *path, struct alc_err *err)
{
	unsigned char key[KEYFILE_KEY_BYTES];
	char line[KEYFILE_LINE_LEN + 1];
	ssize_t w;
	int fd, rc = 0;

	if (path == NULL || *path == '\0')
		return alc_err_set(err, ALC_EINVAL, "no master key file path");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		return errno == EEXIST ?
		    alc_err_set(err, ALC_EEXIST, "master key file %s already "
		    "exists; not overwriting it", path) :
		    alc_err_set(err, ALC_EIO, "master key file %s: cannot "
		    "create: %s", path, strerror(errno));
	rand_bytes(key, sizeof(key));
	memcpy(line, KEYFILE_MAGIC, KEYFILE_MAGIC_LEN);
	sodium_bin2hex(line + KEYFILE_MAGIC_LEN, KEYFILE_HEX_LEN + 1, key,
	    sizeof(key));
	line[KEYFILE_LINE_LEN - 1] = '\n';
	line[KEYFILE_LINE_LEN] = '\0';
	do
		w = write(fd, line, KEYFILE_LINE_LEN);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)KEYFILE_LINE_LEN) {
		rc = alc_err_set(err, ALC_EIO, "master key file %s: write: %s",
		    path, w < 0 ? strerror(errno) : "short write");
		goto out;
	}
	if (fsync(fd) != 0) {
		rc = alc_err_set(err, ALC_EIO, "master key file %s: fsync: %s",
		    path, strerror(errno));
		goto out;
	}
out:
	crypto_wipe(key, sizeof(key));
	crypto_wipe(line, sizeof(line));
	if (close(fd) != 0 && rc == 0)
		rc = alc_err_set(err, ALC_EIO, "master key file %s: close: %s",
		    path, strerror(errno));
	if (rc == 0)
		rc = fs_fsync_parent(path, err);
	if (rc != 0)
		unlink(path); /* created by us above, with O_EXCL */
	return rc;
}

/* Owner and permission checks on the opened file. */
static int
check_mode(int fd, const char *path, struct alc_err *err)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return alc_err_set(err, ALC_EIO, "master key file %s: stat: %s",
		    path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return alc_err_set(err, ALC_EINVAL, "master key file %s is not "
		    "a regular file", path);
	if (st.st_uid != geteuid())
		return alc_err_set(err, ALC_EPERM, "master key file %s belongs "
		    "to uid %u but Alcove runs as uid %u; run: chown %u %s && "
		    "chmod 600 %s", path, (unsigned)st.st_uid,
		    (unsigned)geteuid(), (unsigned)geteuid(), path, path);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return alc_err_set(err, ALC_EPERM, "master key file %s has "
		    "mode %04o, which lets other users at it; run: chmod 600 %s",
		    path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}

/* Parses the file content (n bytes in buf) into key. */
static int
parse_line(const char *buf, size_t n, const char *path,
    unsigned char key[KEYFILE_KEY_BYTES], struct alc_err *err)
{
	size_t i, hex = 0, got = 0;

	if (n < KEYFILE_MAGIC_LEN ||
	    memcmp(buf, KEYFILE_MAGIC, KEYFILE_MAGIC_LEN) != 0)
		return alc_err_set(err, ALC_EINVAL, "%s is not an Alcove master "
		    "key file (it must be one line starting \"%s\")", path,
		    KEYFILE_MAGIC "<64 hex digits>");
	for (i = KEYFILE_MAGIC_LEN; i < n &&
	    isxdigit((unsigned char)buf[i]); i++)
		hex++;
	if (hex != KEYFILE_HEX_LEN)
		return alc_err_set(err, ALC_EINVAL, "master key file %s: the "
		    "key has %zu hex digits, expected %d", path, hex,
		    KEYFILE_HEX_LEN);
	if (n != KEYFILE_LINE_LEN || buf[n - 1] != '\n')
		return alc_err_set(err, ALC_EINVAL, "master key file %s: "
		    "unexpected content after the key (expected one line "
		    "ending in a newline)", path);
	if (sodium_hex2bin(key, KEYFILE_KEY_BYTES, buf + KEYFILE_MAGIC_LEN,
	    KEYFILE_HEX_LEN, NULL, &got, NULL) != 0 || got != KEYFILE_KEY_BYTES)
		return alc_err_set(err, ALC_EINVAL, "master key file %s: the "
		    "key is not valid hex", path);
	return 0;
}

int
keyfile_load(const char *path, unsigned char key[KEYFILE_KEY_BYTES],
    struct alc_err *err)
{
	char buf[2 * KEYFILE_LINE_LEN];
	size_t n = 0;
	ssize_t r;
	int fd, rc;

	memset(key, 0, KEYFILE_KEY_BYTES);
	if (path == NULL || *path == '\0')
		return alc_err_set(err, ALC_EINVAL, "no master key file path");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return alc_err_set(err, errno == ENOENT ? ALC_ENOTFOUND :
		    ALC_EIO, "master key file %s: cannot open: %s", path,
		    strerror(errno));
	if ((rc = check_mode(fd, path, err)) != 0)
		goto out;
	/* Read at most sizeof(buf): a longer file is wrong anyway. */
	while (n < sizeof(buf)) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = alc_err_set(err, ALC_EIO, "master key file %s: "
			    "read: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	rc = parse_line(buf, n, path, key, err);
out:
	close(fd);
	crypto_wipe(buf, sizeof(buf));
	if (rc != 0)
		crypto_wipe(key, KEYFILE_KEY_BYTES);
	return rc;
}
