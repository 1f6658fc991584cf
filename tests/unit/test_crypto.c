/*
 * test_crypto.c - random values, password hashes, the self-signed TLS
 * certificate and the master key file, through their public functions.
 *
 * Certificates are parsed back with GnuTLS and used for a real TLS
 * handshake over a socketpair, so "the certificate works" means what a
 * browser or libmicrohttpd would see, not just that a file was written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "base/err.h"
#include "crypto/keyfile.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "crypto/tlscert.h"
#include "testlib.h"

/* ---- helpers ------------------------------------------------------- */

/* A fresh private directory for one test, and paths inside it. */
static const char *
tmpdir(void)
{
	const char *d = test_tmpdir();

	assert_non_null(d);
	return d;
}

static char *
path_in(char *buf, size_t sz, const char *dir, const char *name)
{
	snprintf(buf, sz, "%s/%s", dir, name);
	return buf;
}

static void
write_file(const char *path, const char *content, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Reads a small file into buf; returns its length. */
static size_t
read_file(const char *path, char *buf, size_t sz)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sz - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static unsigned
file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (unsigned)(st.st_mode & 07777);
}

/* Number of entries in dir, without . and .. */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ---- random -------------------------------------------------------- */

static void
test_crypto_init_succeeds_repeatedly(void **state)
{
	assert_int_equal(crypto_init(), 0);
	assert_int_equal(crypto_init(), 0);
}

static void
test_tokens_are_43_urlsafe_chars_of_32_bytes_and_all_differ(void **state)
{
	static char tok[200][RAND_TOKEN_SIZE];
	unsigned char bin[64];
	size_t binlen, i, j;

	for (i = 0; i < 200; i++) {
		rand_token(tok[i], sizeof(tok[i]));
		assert_int_equal(strlen(tok[i]), RAND_TOKEN_LEN);
		assert_int_equal(strspn(tok[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_"), RAND_TOKEN_LEN);
		assert_int_equal(sodium_base642bin(bin, sizeof(bin), tok[i],
		    strlen(tok[i]), NULL, &binlen, NULL,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
		assert_int_equal(binlen, 32);
		for (j = 0; j < i; j++)
			assert_string_not_equal(tok[i], tok[j]);
	}
}

static void
test_rand_hex_writes_2n_lowercase_digits_and_nul(void **state)
{
	char a[2 * 100 + 2], b[2 * 100 + 2];

	memset(a, '#', sizeof(a));
	rand_hex(a, 16);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strspn(a, "0123456789abcdef"), 32);
	assert_int_equal(a[33], '#'); /* nothing written past the NUL */

	rand_hex(a, 100); /* longer than one internal chunk */
	rand_hex(b, 100);
	assert_int_equal(strlen(a), 200);
	assert_int_equal(strspn(a, "0123456789abcdef"), 200);
	assert_string_not_equal(a, b);

	rand_hex(a, 0);
	assert_string_equal(a, "");
}

static void
test_rand_uniform_stays_below_upper_and_reaches_every_value(void **state)
{
	int seen[7] = { 0 };
	uint32_t v;
	int i;

	for (i = 0; i < 7000; i++) {
		v = rand_uniform(7);
		assert_true(v < 7);
		seen[v]++;
	}
	for (i = 0; i < 7; i++)
		assert_true(seen[i] > 0);
	assert_int_equal(rand_uniform(1), 0);
	assert_int_equal(rand_uniform(0), 0);
}

static void
test_generated_password_is_six_dashed_groups_from_the_alphabet(void **state)
{
	const char *alphabet = RAND_PASSWORD_ALPHABET;
	char pw[RAND_PASSWORD_SIZE], other[RAND_PASSWORD_SIZE];
	int seen[256] = { 0 };
	long double space = 1, bits100 = 1;
	size_t i, k;

	/* 31 symbols, 24 characters: at least 2^100 possible passwords. */
	assert_int_equal(strlen(alphabet), 31);
	for (i = 0; i < RAND_PASSWORD_CHARS; i++)
		space *= (long double)strlen(alphabet);
	for (i = 0; i < 100; i++)
		bits100 *= 2;
	assert_true(space >= bits100);
	assert_null(strpbrk(alphabet, "0O1lIio"));

	for (k = 0; k < 200; k++) {
		rand_password(pw, sizeof(pw));
		assert_int_equal(strlen(pw), 29);
		for (i = 0; i < 29; i++) {
			if (i % 5 == 4) {
				assert_int_equal(pw[i], '-');
				continue;
			}
			assert_non_null(strchr(alphabet, pw[i]));
			seen[(unsigned char)pw[i]]++;
		}
	}
	for (i = 0; alphabet[i]; i++) /* every symbol gets used */
		assert_true(seen[(unsigned char)alphabet[i]] > 0);
	rand_password(other, sizeof(other));
	assert_string_not_equal(pw, other);
}

/* ---- passwords ----------------------------------------------------- */

static void
test_password_roundtrip_and_wrong_password_refused(void **state)
{
	char h1[PW_HASH_SIZE], h2[PW_HASH_SIZE];

	assert_int_equal(pw_hash("correct horse battery staple", h1), 0);
	assert_non_null(strstr(h1, "$argon2id$v=19$m=32768,t=2,p=1$"));
	assert_int_equal(pw_verify(h1, "correct horse battery staple"), 0);
	assert_int_equal(pw_verify(h1, "correct horse battery stapl"),
	    ALC_EPERM);
	assert_int_equal(pw_verify(h1, "Correct horse battery staple"),
	    ALC_EPERM);
	assert_int_equal(pw_verify(h1, ""), ALC_EPERM);
	assert_int_equal(pw_needs_rehash(h1), 0);

	/* Salted: the same password never gives the same hash. */
	assert_int_equal(pw_hash("correct horse battery staple", h2), 0);
	assert_string_not_equal(h1, h2);
}

static void
test_unicode_password_roundtrip(void **state)
{
	const char *pw = "correct horse \xf0\x9f\x90\xb4 "
	    "\xd0\xb1\xd0\xb0\xd1\x82\xd0\xb0\xd1\x80\xd0\xb5\xd1\x8f staple";
	char h[PW_HASH_SIZE];

	assert_int_equal(pw_hash(pw, h), 0);
	assert_int_equal(pw_verify(h, pw), 0);
	/* The horse swapped for a unicorn (one byte differs). */
	assert_int_equal(pw_verify(h, "correct horse \xf0\x9f\xa6\x84 "
	    "\xd0\xb1\xd0\xb0\xd1\x82\xd0\xb0\xd1\x80\xd0\xb5\xd1\x8f staple"),
	    ALC_EPERM);
}

static void
test_password_limits_64_chars_ok_1024_bytes_ok_1025_too_big(void **state)
{
	static char pw[1100];
	char h[PW_HASH_SIZE];
	size_t i;

	/* 64 four-byte characters (256 bytes). */
	pw[0] = '\0';
	for (i = 0; i < 64; i++)
		strcat(pw, "\xf0\x9f\x90\xb4");
	assert_int_equal(pw_hash(pw, h), 0);
	assert_int_equal(pw_verify(h, pw), 0);

	memset(pw, 'a', 1024);
	pw[1024] = '\0';
	assert_int_equal(pw_hash(pw, h), 0);
	assert_int_equal(pw_verify(h, pw), 0);
	pw[1023] = '\0'; /* no silent truncation: a prefix is not a match */
	assert_int_equal(pw_verify(h, pw), ALC_EPERM);

	memset(pw, 'a', 1025);
	pw[1025] = '\0';
	assert_int_equal(pw_hash(pw, h), ALC_ETOOBIG);
	assert_int_equal(pw_verify(h, pw), ALC_ETOOBIG);

	assert_int_equal(pw_hash("", h), ALC_EINVAL);
	assert_int_equal(pw_hash(NULL, h), ALC_EINVAL);
	assert_int_equal(pw_verify(h, NULL), ALC_EINVAL);
}

static void
test_malformed_hash_is_einval_not_a_mismatch(void **state)
{
	char good[PW_HASH_SIZE], bad[PW_HASH_SIZE + 8], i_hash[PW_HASH_SIZE];

	assert_int_equal(pw_hash("pw", good), 0);
	assert_int_equal(pw_verify(NULL, "pw"), ALC_EINVAL);
	assert_int_equal(pw_verify("", "pw"), ALC_EINVAL);
	assert_int_equal(pw_verify("not a hash", "pw"), ALC_EINVAL);
	assert_int_equal(pw_needs_rehash("not a hash"), ALC_EINVAL);

	strcpy(bad, good);
	bad[strlen(bad) - 10] = '\0'; /* truncated */
	assert_int_equal(pw_verify(bad, "pw"), ALC_EINVAL);
	strcpy(bad, good);
	memcpy(strstr(bad, "v=19"), "v=99", 4);
	assert_int_equal(pw_verify(bad, "pw"), ALC_EINVAL);
	assert_int_equal(pw_needs_rehash(bad), ALC_EINVAL);

	/* Not NUL-terminated within a hash buffer. */
	memset(bad, 'x', sizeof(bad) - 1);
	bad[sizeof(bad) - 1] = '\0';
	assert_int_equal(pw_verify(bad, "pw"), ALC_EINVAL);

	/* argon2i (not id) is not a hash pw_hash would have made. */
	assert_int_equal(crypto_pwhash_str_alg(i_hash, "pw", 2, 3, 1 << 16,
	    crypto_pwhash_ALG_ARGON2I13), 0);
	assert_int_equal(pw_verify(i_hash, "pw"), ALC_EINVAL);
}

static void
test_older_parameters_still_verify_and_ask_for_rehash(void **state)
{
	char old[PW_HASH_SIZE];

	assert_int_equal(crypto_pwhash_argon2id_str(old, "pw", 2, 1, 1 << 16),
	    0);
	assert_int_equal(pw_verify(old, "pw"), 0);
	assert_int_equal(pw_verify(old, "pW"), ALC_EPERM);
	assert_int_equal(pw_needs_rehash(old), 1);
}

static void
test_crypto_wipe_zeroes(void **state)
{
	unsigned char b[33];
	size_t i;

	memset(b, 0xa5, sizeof(b));
	crypto_wipe(b, 32);
	for (i = 0; i < 32; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(b[32], 0xa5);
}

/* ---- TLS certificate ----------------------------------------------- */

struct pair {
	char cert[512], key[512];
};

static void
gen_pair(struct pair *p, const char *dir, const char *name,
    const char *host)
{
	struct alc_err err = { 0 };

	snprintf(p->cert, sizeof(p->cert), "%s/%s.crt", dir, name);
	snprintf(p->key, sizeof(p->key), "%s/%s.key", dir, name);
	assert_int_equal(tlscert_generate(p->cert, p->key, host, &err), 0);
}

static gnutls_x509_crt_t
load_cert(const char *path)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;

	assert_int_equal(gnutls_load_file(path, &d), 0);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
	    0);
	gnutls_free(d.data);
	return crt;
}

/* Counts SANs of a type whose value is exactly (val, len). */
static int
count_san(gnutls_x509_crt_t crt, int type, const void *val, size_t len)
{
	char buf[256];
	size_t sz;
	unsigned i, crit;
	int t, n = 0;

	for (i = 0;; i++) {
		sz = sizeof(buf);
		t = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &sz, &crit);
		if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		assert_true(t >= 0);
		if (t == type && sz == len && memcmp(buf, val, len) == 0)
			n++;
	}
	return n;
}

static int
count_ip_san(gnutls_x509_crt_t crt, int af, const char *text)
{
	unsigned char ip[16];

	assert_int_equal(inet_pton(af, text, ip), 1);
	return count_san(crt, GNUTLS_SAN_IPADDRESS, ip, af == AF_INET ? 4 : 16);
}

static void
test_generated_cert_checks_out_with_modes_and_promised_fields(void **state)
{
	const char *dir = tmpdir(), *host = "alcove.example.org";
	struct alc_err err = { 0 };
	gnutls_x509_crt_t crt;
	gnutls_ecc_curve_t curve;
	gnutls_datum_t x, y;
	unsigned char serial[40];
	char buf[4096];
	size_t sz = sizeof(serial);
	unsigned usage, crit, bits, status;
	unsigned ca = 1;
	struct pair p = { "", "" };
	time_t now = time(NULL), from, until;

	gen_pair(&p, dir, "server", host);
	assert_int_equal(tlscert_check(p.cert, p.key, &err), 0);
	assert_int_equal(file_mode(p.key), 0600);
	assert_int_equal(file_mode(p.cert), 0644);
	assert_int_equal(count_entries(dir), 2); /* no temporary files left */
	read_file(p.key, buf, sizeof(buf));
	assert_non_null(strstr(buf, "-----BEGIN PRIVATE KEY-----"));

	crt = load_cert(p.cert);
	sz = sizeof(buf);
	assert_int_equal(gnutls_x509_crt_get_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &sz), 0);
	assert_string_equal(buf, host);
	assert_int_equal(count_san(crt, GNUTLS_SAN_DNSNAME, host,
	    strlen(host)), 1);
	assert_int_equal(count_san(crt, GNUTLS_SAN_DNSNAME, "localhost", 9), 1);
	assert_int_equal(count_ip_san(crt, AF_INET, "127.0.0.1"), 1);
	assert_int_equal(count_ip_san(crt, AF_INET6, "::1"), 1);

	sz = sizeof(serial);
	assert_int_equal(gnutls_x509_crt_get_serial(crt, serial, &sz), 0);
	assert_int_equal(sz, 16);
	assert_int_equal(serial[0] & 0x80, 0); /* positive */
	assert_true(gnutls_x509_crt_get_basic_constraints(crt, &crit, &ca,
	    NULL) >= 0);
	assert_int_equal(ca, 0);
	assert_true(gnutls_x509_crt_get_key_usage(crt, &usage, &crit) >= 0);
	assert_int_equal(usage, GNUTLS_KEY_DIGITAL_SIGNATURE);
	sz = sizeof(buf);
	assert_int_equal(gnutls_x509_crt_get_key_purpose_oid(crt, 0, buf, &sz,
	    &crit), 0);
	assert_string_equal(buf, GNUTLS_KP_TLS_WWW_SERVER);
	assert_int_equal(gnutls_x509_crt_get_signature_algorithm(crt),
	    GNUTLS_SIGN_ECDSA_SHA256);
	assert_int_equal(gnutls_x509_crt_get_pk_algorithm(crt, &bits),
	    GNUTLS_PK_ECDSA);
	assert_int_equal(gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y), 0);
	assert_int_equal(curve, GNUTLS_ECC_CURVE_SECP256R1);
	gnutls_free(x.data);
	gnutls_free(y.data);

	from = gnutls_x509_crt_get_activation_time(crt);
	until = gnutls_x509_crt_get_expiration_time(crt);
	assert_true(from <= now - 3600 + 60 && from >= now - 3600 - 60);
	assert_int_equal(until - from, (time_t)397 * 86400);
	/* Properly self-signed. */
	assert_int_equal(gnutls_x509_crt_verify(crt, &crt, 1, 0, &status), 0);
	assert_int_equal(status, 0);
	gnutls_x509_crt_deinit(crt);
}

struct server {
	int fd;
	const char *cert, *key;
	int rc;
};

static void *
serve_one_handshake(void *arg)
{
	struct server *a = arg;
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	int r;

	gnutls_certificate_allocate_credentials(&cred);
	r = gnutls_certificate_set_x509_key_file(cred, a->cert, a->key,
	    GNUTLS_X509_FMT_PEM);
	if (r >= 0) {
		gnutls_init(&s, GNUTLS_SERVER);
		gnutls_set_default_priority(s);
		gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
		gnutls_transport_set_int(s, a->fd);
		do
			r = gnutls_handshake(s);
		while (r < 0 && !gnutls_error_is_fatal(r));
		gnutls_deinit(s);
	}
	a->rc = r;
	close(a->fd);
	gnutls_certificate_free_credentials(cred);
	return NULL;
}

/* A TLS handshake against the pair, as a client that trusts the
 * certificate and expects the server to be `name`.  GnuTLS code. */
static int
handshake_as(const struct pair *p, const char *name, int *server_rc)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	struct server srv;
	pthread_t t;
	int sv[2], r;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	srv.fd = sv[1];
	srv.cert = p->cert;
	srv.key = p->key;
	srv.rc = -1;
	assert_int_equal(pthread_create(&t, NULL, serve_one_handshake, &srv),
	    0);
	gnutls_certificate_allocate_credentials(&cred);
	assert_int_equal(gnutls_certificate_set_x509_trust_file(cred, p->cert,
	    GNUTLS_X509_FMT_PEM), 1);
	gnutls_init(&s, GNUTLS_CLIENT);
	gnutls_set_default_priority(s);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_session_set_verify_cert(s, name, 0);
	gnutls_transport_set_int(s, sv[0]);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	gnutls_deinit(s);
	close(sv[0]);
	pthread_join(t, NULL);
	gnutls_certificate_free_credentials(cred);
	*server_rc = srv.rc;
	return r;
}

static void
test_generated_cert_serves_tls_for_its_names_only(void **state)
{
	struct pair p = { "", "" };
	int srv;

	gen_pair(&p, tmpdir(), "server", "alcove.example.org");
	assert_int_equal(handshake_as(&p, "alcove.example.org", &srv), 0);
	assert_int_equal(srv, 0);
	assert_int_equal(handshake_as(&p, "localhost", &srv), 0);
	assert_int_equal(handshake_as(&p, "127.0.0.1", &srv), 0);
	assert_int_equal(handshake_as(&p, "::1", &srv), 0);
	assert_int_equal(handshake_as(&p, "evil.example.org", &srv),
	    GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR);
	assert_int_not_equal(srv, 0);
}

static void
test_ip_hostname_becomes_ip_san_and_localhost_is_not_doubled(void **state)
{
	const char *dir = tmpdir();
	gnutls_x509_crt_t crt;
	struct pair p = { "", "" };

	gen_pair(&p, dir, "ip", "192.168.1.20");
	crt = load_cert(p.cert);
	assert_int_equal(count_ip_san(crt, AF_INET, "192.168.1.20"), 1);
	assert_int_equal(count_san(crt, GNUTLS_SAN_DNSNAME, "192.168.1.20",
	    12), 0);
	gnutls_x509_crt_deinit(crt);

	gen_pair(&p, dir, "lo", "localhost");
	crt = load_cert(p.cert);
	assert_int_equal(count_san(crt, GNUTLS_SAN_DNSNAME, "localhost", 9), 1);
	gnutls_x509_crt_deinit(crt);
}

static void
test_generate_never_overwrites_and_rejects_bad_input(void **state)
{
	const char *dir = tmpdir();
	char before_c[4096], before_k[4096], after[4096], c[512], k[512];
	char longname[80];
	struct alc_err err = { 0 };
	struct pair p = { "", "" };

	gen_pair(&p, dir, "a", "example.org");
	read_file(p.cert, before_c, sizeof(before_c));
	read_file(p.key, before_k, sizeof(before_k));
	assert_int_equal(tlscert_generate(p.cert, p.key, "example.org", &err),
	    ALC_EEXIST);
	assert_non_null(strstr(err.msg, p.key));
	read_file(p.cert, after, sizeof(after));
	assert_string_equal(after, before_c);
	read_file(p.key, after, sizeof(after));
	assert_string_equal(after, before_k);

	/* Only the certificate exists: still refused, and no key appears. */
	path_in(c, sizeof(c), dir, "b.crt");
	path_in(k, sizeof(k), dir, "b.key");
	write_file(c, "keep me\n", 0644);
	assert_int_equal(tlscert_generate(c, k, "example.org", &err),
	    ALC_EEXIST);
	assert_non_null(strstr(err.msg, c));
	assert_false(exists(k));

	path_in(c, sizeof(c), dir, "c.crt");
	path_in(k, sizeof(k), dir, "c.key");
	memset(longname, 'a', 65);
	longname[65] = '\0';
	assert_int_equal(tlscert_generate(c, k, "bad host!", &err), ALC_EINVAL);
	assert_int_equal(tlscert_generate(c, k, "", &err), ALC_EINVAL);
	assert_int_equal(tlscert_generate(c, k, longname, &err), ALC_EINVAL);
	assert_int_equal(tlscert_generate(c, c, "example.org", &err),
	    ALC_EINVAL);
	assert_false(exists(c));
	assert_false(exists(k));
	assert_int_equal(count_entries(dir), 3); /* a.crt, a.key, b.crt */

	path_in(c, sizeof(c), dir, "nodir/c.crt");
	path_in(k, sizeof(k), dir, "nodir/c.key");
	assert_int_equal(tlscert_generate(c, k, "example.org", &err), ALC_EIO);
	assert_non_null(strstr(err.msg, k));
}

/* Writes a certificate for the key in key_path valid over [from, until]. */
static void
write_cert_with_validity(const char *cert_path, const char *key_path,
    time_t from, time_t until)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d, pem;
	unsigned char serial[8] = { 0x42, 1, 2, 3, 4, 5, 6, 7 };

	assert_int_equal(gnutls_load_file(key_path, &d), 0);
	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_import2(key, &d,
	    GNUTLS_X509_FMT_PEM, NULL, 0), 0);
	gnutls_free(d.data);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(crt, serial, 8), 0);
	assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, "old", 3), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(crt, from), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, until), 0);
	assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key,
	    GNUTLS_DIG_SHA256, 0), 0);
	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM,
	    &pem), 0);
	unlink(cert_path);
	write_file(cert_path, (const char *)pem.data, 0644);
	gnutls_free(pem.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

static void
test_check_names_the_file_for_each_problem(void **state)
{
	const char *dir = tmpdir();
	char junk[512], missing[512];
	struct alc_err err = { 0 };
	struct pair a = { "", "" }, b = { "", "" };
	time_t now = time(NULL);

	gen_pair(&a, dir, "a", "a.example.org");
	gen_pair(&b, dir, "b", "b.example.org");
	assert_int_equal(tlscert_check(a.cert, b.key, &err), ALC_ECRYPTO);
	assert_non_null(strstr(err.msg, b.key));
	assert_non_null(strstr(err.msg, "does not match"));

	path_in(missing, sizeof(missing), dir, "missing.crt");
	assert_int_equal(tlscert_check(missing, a.key, &err), ALC_ENOTFOUND);
	assert_non_null(strstr(err.msg, missing));

	path_in(junk, sizeof(junk), dir, "junk.pem");
	write_file(junk, "not a certificate\n", 0600);
	assert_int_equal(tlscert_check(junk, a.key, &err), ALC_EINVAL);
	assert_non_null(strstr(err.msg, junk));
	assert_non_null(strstr(err.msg, "PEM certificate"));
	assert_int_equal(tlscert_check(a.cert, junk, &err), ALC_EINVAL);
	assert_non_null(strstr(err.msg, junk));
	assert_non_null(strstr(err.msg, "private key"));

	assert_int_equal(chmod(a.key, 0644), 0);
	assert_int_equal(tlscert_check(a.cert, a.key, &err), ALC_EPERM);
	assert_non_null(strstr(err.msg, "chmod"));
	assert_int_equal(chmod(a.key, 0600), 0);
	assert_int_equal(tlscert_check(a.cert, a.key, &err), 0);

	write_cert_with_validity(a.cert, a.key, now - 400 * 86400, now - 86400);
	assert_int_equal(tlscert_check(a.cert, a.key, &err), ALC_EINVAL);
	assert_non_null(strstr(err.msg, a.cert));
	assert_non_null(strstr(err.msg, "expired"));

	write_cert_with_validity(a.cert, a.key, now + 86400, now + 9 * 86400);
	assert_int_equal(tlscert_check(a.cert, a.key, &err), ALC_EINVAL);
	assert_non_null(strstr(err.msg, "not valid before"));
}

/* ---- master key file ----------------------------------------------- */

#define KEY_MAGIC "alcove-master-key v1 "
#define HEX64 "00112233445566778899aabbccddeeff" \
	"0123456789abcdef0123456789ABCDEF"

static void
test_keyfile_create_then_load_roundtrip(void **state)
{
	const char *dir = tmpdir();
	unsigned char key[KEYFILE_KEY_BYTES], want[KEYFILE_KEY_BYTES],
	    zero[KEYFILE_KEY_BYTES] = { 0 };
	char path[512], path2[512], line[256], line2[256];
	struct alc_err err = { 0 };
	size_t n;

	path_in(path, sizeof(path), dir, "master.key");
	assert_int_equal(keyfile_create(path, &err), 0);
	assert_int_equal(file_mode(path), 0600);
	n = read_file(path, line, sizeof(line));
	assert_int_equal(n, strlen(KEY_MAGIC) + 64 + 1);
	assert_memory_equal(line, KEY_MAGIC, strlen(KEY_MAGIC));
	assert_int_equal(strspn(line + strlen(KEY_MAGIC), "0123456789abcdef"),
	    64);
	assert_int_equal(line[n - 1], '\n');

	assert_int_equal(keyfile_load(path, key, &err), 0);
	assert_int_equal(sodium_hex2bin(want, sizeof(want),
	    line + strlen(KEY_MAGIC), 64, NULL, NULL, NULL), 0);
	assert_memory_equal(key, want, sizeof(key));
	assert_memory_not_equal(key, zero, sizeof(key));

	/* Each file gets its own key. */
	path_in(path2, sizeof(path2), dir, "other.key");
	assert_int_equal(keyfile_create(path2, &err), 0);
	read_file(path2, line2, sizeof(line2));
	assert_string_not_equal(line, line2);

	/* An operator-written file with upper-case hex loads too. */
	write_file(path2, KEY_MAGIC HEX64 "\n", 0600);
	assert_int_equal(keyfile_load(path2, key, &err), 0);
	assert_int_equal(key[0], 0x00);
	assert_int_equal(key[31], 0xef);
}

static void
test_keyfile_create_never_overwrites(void **state)
{
	const char *dir = tmpdir();
	char path[512], line[256];
	struct alc_err err = { 0 };

	path_in(path, sizeof(path), dir, "master.key");
	write_file(path, "precious\n", 0600);
	assert_int_equal(keyfile_create(path, &err), ALC_EEXIST);
	assert_non_null(strstr(err.msg, path));
	read_file(path, line, sizeof(line));
	assert_string_equal(line, "precious\n");

	path_in(path, sizeof(path), dir, "no/such/dir.key");
	assert_int_equal(keyfile_create(path, &err), ALC_EIO);
	assert_non_null(strstr(err.msg, path));
}

static void
test_keyfile_open_to_others_is_refused_with_chmod_600(void **state)
{
	const char *dir = tmpdir();
	unsigned char key[KEYFILE_KEY_BYTES];
	char path[512];
	struct alc_err err = { 0 };
	static const mode_t modes[] = { 0644, 0640, 0604, 0620 };
	size_t i;

	path_in(path, sizeof(path), dir, "master.key");
	assert_int_equal(keyfile_create(path, &err), 0);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(path, modes[i]), 0);
		memset(key, 0xaa, sizeof(key));
		assert_int_equal(keyfile_load(path, key, &err), ALC_EPERM);
		assert_non_null(strstr(err.msg, "chmod 600"));
		assert_non_null(strstr(err.msg, path));
		assert_int_equal(key[0], 0); /* wiped on failure */
	}
	assert_int_equal(chmod(path, 0400), 0); /* read-only owner is fine */
	assert_int_equal(keyfile_load(path, key, &err), 0);

	if (geteuid() == 0) { /* only root can give a file away */
		assert_int_equal(chmod(path, 0600), 0);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(keyfile_load(path, key, &err), ALC_EPERM);
		assert_non_null(strstr(err.msg, "chown"));
	}
}

static void
test_keyfile_bad_content_is_refused_without_echoing_it(void **state)
{
	static const struct {
		const char *content, *says;
	} cases[] = {
		{ "", "not an Alcove master key" },
		{ "alcove-master-key v2 " HEX64 "\n", "not an Alcove master key" },
		{ "-----BEGIN PRIVATE KEY-----\n", "not an Alcove master key" },
		{ KEY_MAGIC "0" HEX64 "\n", "65 hex digits" },
		{ KEY_MAGIC "112233445566778899aabbccddeeff"
		  "0123456789abcdef0123456789abcdef\n", "62 hex digits" },
		{ KEY_MAGIC "zz112233445566778899aabbccddeeff"
		  "0123456789abcdef0123456789abcd\n", "0 hex digits" },
		{ KEY_MAGIC HEX64, "unexpected content" },
		{ KEY_MAGIC HEX64 "\n\n", "unexpected content" },
		{ KEY_MAGIC HEX64 " \n", "unexpected content" },
	};
	const char *dir = tmpdir();
	unsigned char key[KEYFILE_KEY_BYTES];
	char path[512];
	struct alc_err err = { 0 };
	size_t i;

	path_in(path, sizeof(path), dir, "master.key");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unlink(path);
		write_file(path, cases[i].content, 0600);
		memset(key, 0xaa, sizeof(key));
		memset(&err, 0, sizeof(err));
		assert_int_equal(keyfile_load(path, key, &err), ALC_EINVAL);
		if (strstr(err.msg, cases[i].says) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg,
			    cases[i].says);
		assert_non_null(strstr(err.msg, path));
		assert_null(strstr(err.msg, "00112233"));
		assert_null(strstr(err.msg, "0123456789"));
		assert_int_equal(key[0], 0);
	}
	path_in(path, sizeof(path), dir, "missing.key");
	assert_int_equal(keyfile_load(path, key, &err), ALC_ENOTFOUND);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(keyfile_load(dir, key, &err), ALC_EINVAL);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crypto_init_succeeds_repeatedly),
		cmocka_unit_test(test_tokens_are_43_urlsafe_chars_of_32_bytes_and_all_differ),
		cmocka_unit_test(test_rand_hex_writes_2n_lowercase_digits_and_nul),
		cmocka_unit_test(test_rand_uniform_stays_below_upper_and_reaches_every_value),
		cmocka_unit_test(test_generated_password_is_six_dashed_groups_from_the_alphabet),
		cmocka_unit_test(test_password_roundtrip_and_wrong_password_refused),
		cmocka_unit_test(test_unicode_password_roundtrip),
		cmocka_unit_test(test_password_limits_64_chars_ok_1024_bytes_ok_1025_too_big),
		cmocka_unit_test(test_malformed_hash_is_einval_not_a_mismatch),
		cmocka_unit_test(test_older_parameters_still_verify_and_ask_for_rehash),
		cmocka_unit_test(test_crypto_wipe_zeroes),
		cmocka_unit_test(test_generated_cert_checks_out_with_modes_and_promised_fields),
		cmocka_unit_test(test_generated_cert_serves_tls_for_its_names_only),
		cmocka_unit_test(test_ip_hostname_becomes_ip_san_and_localhost_is_not_doubled),
		cmocka_unit_test(test_generate_never_overwrites_and_rejects_bad_input),
		cmocka_unit_test(test_check_names_the_file_for_each_problem),
		cmocka_unit_test(test_keyfile_create_then_load_roundtrip),
		cmocka_unit_test(test_keyfile_create_never_overwrites),
		cmocka_unit_test(test_keyfile_open_to_others_is_refused_with_chmod_600),
		cmocka_unit_test(test_keyfile_bad_content_is_refused_without_echoing_it),
	};

	if (crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
