/*
 * tlscert.h - the self-signed certificate for a first start, and the
 * check `alcove config check` runs on whatever certificate is configured.
 *
 * A practice should put a real certificate (ACME, its IT firm's CA) in
 * front of patients; the self-signed one exists so that a fresh install
 * and the demo speak HTTPS from the first minute rather than falling back
 * to plain HTTP.
 */
#ifndef ALC_CRYPTO_TLSCERT_H
#define ALC_CRYPTO_TLSCERT_H

struct alc_err;

/* Writes a new ECDSA P-256 key (PKCS#8 PEM, mode 0600) to key_path and a
 * self-signed certificate for it (PEM, mode 0644) to cert_path: CN and DNS
 * name hostname (an IP literal becomes an IP name), plus DNS localhost and
 * IP 127.0.0.1 and ::1; valid from an hour ago for 397 days; a TLS server
 * leaf (CA:FALSE, digitalSignature, serverAuth), signed with SHA-256.
 * hostname: 1-64 characters of letters, digits, '.' and '-', or an IP
 * address.  Each file appears complete or not at all; neither is ever
 * overwritten: ALC_EEXIST if either exists.  Other errors: ALC_EINVAL (bad
 * hostname or path), ALC_EIO, ALC_ECRYPTO, ALC_ENOMEM. */
int tlscert_generate(const char *cert_path, const char *key_path,
    const char *hostname, struct alc_err *err);

/* 0 when both files are readable, parse as PEM, the key belongs to the
 * certificate (the first one in cert_path; a chain may follow) and the
 * certificate is valid now.  Otherwise a negative code and err->msg naming
 * the file and the problem.  A key file readable by every user is refused
 * too (ALC_EPERM) since it would let any local account impersonate the
 * server. */
int tlscert_check(const char *cert_path, const char *key_path,
    struct alc_err *err);

#endif
