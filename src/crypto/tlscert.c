/*
 * tlscert.c - self-signed certificate generation and certificate checks,
 * with GnuTLS (the library libmicrohttpd serves TLS with, so whatever it
 * accepts here it accepts there).
 *
 * Writing files: each file is written to a temporary file in the same
 * directory, given its final mode, fsync'd, and then link(2)ed to its
 * final name.  link never replaces an existing name (it fails with
 * EEXIST), so "refuse to overwrite" holds even if another process creates
 * the file between our check and our write, and a crash leaves either the
 * whole file or only a stray "*.tmp.XXXXXX" beside it, never a truncated
 * key.  The parent directory is fsync'd so the new name survives a power
 * cut.  If the certificate cannot be written after the key was, the key
 * we just created is removed again, so a failed run leaves nothing.
 *
 * The serial number is 16 random bytes with the top bits fixed to 01, so
 * it is positive, has no leading zero byte (a 16-byte DER INTEGER) and
 * still carries 126 random bits.  Validity starts an hour ago to absorb
 * clock skew between server and browser and lasts 397 days, the longest
 * browsers accept for a server certificate.
 */
#include "crypto/tlscert.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define CERT_MAX_FILE (1024 * 1024)
#define CERT_HOST_MAX 64 /* X.509 upper bound for a common name */
#define CERT_DAYS 397

/* Writes data to a new file at path with mode, complete or not at all;
 * ALC_EEXIST when path exists.  See the top of the file. */
static int
write_new_file(const char *path, const void *data, size_t len, mode_t mode,
    struct alc_err *err)
{
	char tmp[PATH_MAX];
	const char *p = data;
	ssize_t w;
	int fd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    sizeof(tmp))
		return alc_err_set(err, ALC_EINVAL, "%s: path too long", path);
	if ((fd = mkstemp(tmp)) < 0)
		return alc_err_set(err, ALC_EIO, "%s: cannot create a file "
		    "beside it: %s", path, strerror(errno));
	if (fchmod(fd, mode) != 0) {
		rc = alc_err_set(err, ALC_EIO, "%s: chmod: %s", tmp,
		    strerror(errno));
		goto out;
	}
	while (len > 0) {
		if ((w = write(fd, p, len)) < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = alc_err_set(err, ALC_EIO, "%s: write: %s", tmp,
			    w < 0 ? strerror(errno) : "no progress");
			goto out;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = alc_err_set(err, ALC_EIO, "%s: fsync: %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (link(tmp, path) != 0) {
		rc = errno == EEXIST ?
		    alc_err_set(err, ALC_EEXIST, "%s already exists; "
		    "not overwriting it", path) :
		    alc_err_set(err, ALC_EIO, "%s: cannot create: %s", path,
		    strerror(errno));
		goto out;
	}
out:
	close(fd);
	unlink(tmp);
	if (rc == 0)
		rc = fs_fsync_parent(path, err);
	return rc;
}

static int
check_hostname(const char *host, struct alc_err *err)
{
	unsigned char ip[16];
	size_t i, n;

	if (host == NULL || (n = strlen(host)) == 0 || n > CERT_HOST_MAX)
		return alc_err_set(err, ALC_EINVAL, "certificate hostname must "
		    "be 1 to %d characters", CERT_HOST_MAX);
	if (inet_pton(AF_INET, host, ip) == 1 ||
	    inet_pton(AF_INET6, host, ip) == 1)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.';

		if (!ok || (c == '.' && (i == 0 || host[i - 1] == '.')))
			return alc_err_set(err, ALC_EINVAL, "certificate "
			    "hostname \"%s\" is not a host name or IP address",
			    host);
	}
	if (host[0] == '-')
		return alc_err_set(err, ALC_EINVAL, "certificate hostname "
		    "\"%s\" may not start with '-'", host);
	return 0;
}

static int
add_ip_san(gnutls_x509_crt_t crt, int af, const char *text)
{
	unsigned char ip[16];

	if (inet_pton(af, text, ip) != 1)
		return GNUTLS_E_INVALID_REQUEST;
	return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS,
	    ip, af == AF_INET ? 4 : 16, GNUTLS_FSAN_APPEND);
}

/* host as a DNS or IP name, then the loopback names, each once. */
static int
add_sans(gnutls_x509_crt_t crt, const char *host)
{
	unsigned char ip[16];
	int r = 0, v4 = inet_pton(AF_INET, host, ip) == 1,
	    v6 = inet_pton(AF_INET6, host, ip) == 1;

	if (v4 && strcmp(host, "127.0.0.1") != 0)
		r = add_ip_san(crt, AF_INET, host);
	else if (v6 && memcmp(ip, &in6addr_loopback, 16) != 0)
		r = add_ip_san(crt, AF_INET6, host);
	else if (!v4 && !v6 && strcasecmp(host, "localhost") != 0)
		r = gnutls_x509_crt_set_subject_alt_name(crt,
		    GNUTLS_SAN_DNSNAME, host, strlen(host), GNUTLS_FSAN_APPEND);
	if (r >= 0)
		r = gnutls_x509_crt_set_subject_alt_name(crt,
		    GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_APPEND);
	if (r >= 0)
		r = add_ip_san(crt, AF_INET, "127.0.0.1");
	if (r >= 0)
		r = add_ip_san(crt, AF_INET6, "::1");
	return r;
}

/* Fills in and self-signs crt for key; a GnuTLS code. */
static int
build_cert(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
    const char *host)
{
	unsigned char serial[16];
	time_t from = time(NULL) - 3600;
	int r;

	rand_bytes(serial, sizeof(serial));
	serial[0] = (unsigned char)((serial[0] & 0x3f) | 0x40);
	if ((r = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (r = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (r = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
	    0, host, strlen(host))) < 0 ||
	    (r = gnutls_x509_crt_set_activation_time(crt, from)) < 0 ||
	    (r = gnutls_x509_crt_set_expiration_time(crt,
	    from + (time_t)CERT_DAYS * 86400)) < 0 ||
	    (r = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (r = gnutls_x509_crt_set_key_usage(crt,
	    GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (r = gnutls_x509_crt_set_key_purpose_oid(crt,
	    GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (r = add_sans(crt, host)) < 0)
		return r;
	return gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
}

/* ALC_EEXIST when path names anything (even a dangling symlink). */
static int
refuse_existing(const char *path, const char *what, struct alc_err *err)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return alc_err_set(err, ALC_EEXIST, "%s file %s already exists; "
		    "not overwriting it", what, path);
	return 0;
}

int
tlscert_generate(const char *cert_path, const char *key_path,
    const char *hostname, struct alc_err *err)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kpem = { NULL, 0 }, cpem = { NULL, 0 };
	int r, rc;

	if (cert_path == NULL || key_path == NULL || !*cert_path ||
	    !*key_path || strcmp(cert_path, key_path) == 0)
		return alc_err_set(err, ALC_EINVAL, "certificate and key need "
		    "two different file names");
	if ((rc = check_hostname(hostname, err)) != 0 ||
	    (rc = refuse_existing(key_path, "TLS key", err)) != 0 ||
	    (rc = refuse_existing(cert_path, "TLS certificate", err)) != 0)
		return rc;
	if ((rc = crypto_init()) != 0)
		return alc_err_set(err, rc, "libsodium initialisation failed");
	if ((r = gnutls_x509_privkey_init(&key)) < 0 ||
	    (r = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
	    (r = gnutls_x509_crt_init(&crt)) < 0 ||
	    (r = build_cert(crt, key, hostname)) < 0 ||
	    (r = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM,
	    NULL, GNUTLS_PKCS_PLAIN, &kpem)) < 0 ||
	    (r = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem)) < 0) {
		rc = alc_err_set(err, r == GNUTLS_E_MEMORY_ERROR ? ALC_ENOMEM :
		    ALC_ECRYPTO, "generating the TLS certificate: %s",
		    gnutls_strerror(r));
		goto out;
	}
	if ((rc = write_new_file(key_path, kpem.data, kpem.size, 0600,
	    err)) != 0)
		goto out;
	if ((rc = write_new_file(cert_path, cpem.data, cpem.size, 0644,
	    err)) != 0)
		unlink(key_path); /* ours: created above; leave no lone key */
out:
	if (kpem.data != NULL) {
		crypto_wipe(kpem.data, kpem.size);
		gnutls_free(kpem.data);
	}
	gnutls_free(cpem.data);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (key != NULL)
		gnutls_x509_privkey_deinit(key);
	return rc;
}

/* Reads a whole (small) file into d->data (malloc'd; the caller wipes
 * and frees it). */
static int
read_file(const char *path, const char *what, gnutls_datum_t *d,
    struct stat *st, struct alc_err *err)
{
	ssize_t n;
	size_t got = 0;
	int fd, rc = 0;

	d->data = NULL;
	d->size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return alc_err_set(err, errno == ENOENT ? ALC_ENOTFOUND :
		    ALC_EIO, "%s file %s: cannot open: %s", what, path,
		    strerror(errno));
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) ||
	    st->st_size <= 0 || st->st_size > CERT_MAX_FILE) {
		rc = alc_err_set(err, ALC_EINVAL, "%s file %s: not a regular "
		    "file of 1 byte to 1 MiB", what, path);
		goto out;
	}
	if ((d->data = malloc((size_t)st->st_size + 1)) == NULL) {
		rc = alc_err_set(err, ALC_ENOMEM, "out of memory");
		goto out;
	}
	while (got < (size_t)st->st_size) {
		n = read(fd, d->data + got, (size_t)st->st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = alc_err_set(err, ALC_EIO, "%s file %s: read: %s",
			    what, path, n < 0 ? strerror(errno) : "short file");
			goto out;
		}
		got += (size_t)n;
	}
	d->data[got] = '\0';
	d->size = (unsigned)got;
out:
	close(fd);
	return rc;
}

/* Valid now?  Names the file and the date otherwise. */
static int
check_validity(gnutls_x509_crt_t crt, const char *path, struct alc_err *err)
{
	time_t now = time(NULL), from, until;
	char when[32];

	from = gnutls_x509_crt_get_activation_time(crt);
	until = gnutls_x509_crt_get_expiration_time(crt);
	if (from == (time_t)-1 || until == (time_t)-1)
		return alc_err_set(err, ALC_EINVAL, "TLS certificate %s: "
		    "cannot read its validity period", path);
	if (until < now)
		return alc_err_set(err, ALC_EINVAL, "TLS certificate %s "
		    "expired on %s", path, time_format_iso(when, sizeof(when),
		    (int64_t)until * 1000));
	if (from > now)
		return alc_err_set(err, ALC_EINVAL, "TLS certificate %s is "
		    "not valid before %s", path, time_format_iso(when,
		    sizeof(when), (int64_t)from * 1000));
	return 0;
}

/* Does key belong to crt?  Compares SHA-256 ids of the public keys. */
static int
check_match(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
    const char *cert_path, const char *key_path, struct alc_err *err)
{
	unsigned char a[64], b[64];
	size_t alen = sizeof(a), blen = sizeof(b);

	if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, a,
	    &alen) < 0 || gnutls_x509_privkey_get_key_id(key,
	    GNUTLS_KEYID_USE_SHA256, b, &blen) < 0)
		return alc_err_set(err, ALC_ECRYPTO, "cannot compare TLS key "
		    "%s with certificate %s", key_path, cert_path);
	if (alen != blen || memcmp(a, b, alen) != 0)
		return alc_err_set(err, ALC_ECRYPTO, "TLS key file %s does not "
		    "match the certificate in %s", key_path, cert_path);
	return 0;
}

int
tlscert_check(const char *cert_path, const char *key_path,
    struct alc_err *err)
{
	gnutls_datum_t cd = { NULL, 0 }, kd = { NULL, 0 };
	gnutls_x509_crt_t crt = NULL;
	gnutls_x509_privkey_t key = NULL;
	struct stat st;
	int rc;

	if ((rc = read_file(cert_path, "TLS certificate", &cd, &st, err)) != 0 ||
	    (rc = read_file(key_path, "TLS key", &kd, &st, err)) != 0)
		goto out;
	if (st.st_mode & S_IROTH) {
		rc = alc_err_set(err, ALC_EPERM, "TLS key file %s is readable "
		    "by every user; run: chmod o-rwx %s", key_path, key_path);
		goto out;
	}
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_privkey_init(&key) < 0) {
		rc = alc_err_set(err, ALC_ENOMEM, "out of memory");
		goto out;
	}
	if (gnutls_x509_crt_import(crt, &cd, GNUTLS_X509_FMT_PEM) < 0) {
		rc = alc_err_set(err, ALC_EINVAL, "TLS certificate file %s does "
		    "not hold a PEM certificate", cert_path);
		goto out;
	}
	if (gnutls_x509_privkey_import2(key, &kd, GNUTLS_X509_FMT_PEM, NULL,
	    GNUTLS_PKCS_PLAIN) < 0) {
		rc = alc_err_set(err, ALC_EINVAL, "TLS key file %s does not hold "
		    "an unencrypted PEM private key", key_path);
		goto out;
	}
	if ((rc = check_match(crt, key, cert_path, key_path, err)) != 0)
		goto out;
	rc = check_validity(crt, cert_path, err);
out:
	if (key != NULL)
		gnutls_x509_privkey_deinit(key);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (kd.data != NULL)
		crypto_wipe(kd.data, kd.size);
	free(kd.data);
	free(cd.data);
	return rc;
}
