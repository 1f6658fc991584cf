/*
 * totp.h - time-based one-time passwords (RFC 6238) as authenticator apps
 * make them: HMAC-SHA-1, 30-second steps counted from the Unix epoch,
 * 6 digits; and the otpauth:// URI that carries a secret into an app.
 *
 * Bytes and time only: which step was used last, and where secrets are
 * kept, belong to the caller (core/users/mfa.c).  Codes come from liboath.
 */
#ifndef ALC_CRYPTO_TOTP_H
#define ALC_CRYPTO_TOTP_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define TOTP_STEP_S 30
#define TOTP_DIGITS 6
#define TOTP_WINDOW 1 /* steps accepted either side of now */

/* The code (digits 6..8) for unix time t, into out[digits + 1].  0, or
 * ALC_EINVAL for bad arguments. */
int totp_code(const unsigned char *secret, size_t n, int64_t t,
    unsigned digits, char *out);
/* Whether code (TOTP_DIGITS digits) matches secret at unix time now_s for
 * a step within TOTP_WINDOW of now and later than last_step (so a step
 * once used never matches again).  0 and *step set to the step matched;
 * ALC_EPERM when it does not match (or only an already used step does);
 * ALC_EINVAL when code is not TOTP_DIGITS digits. */
int totp_check(const unsigned char *secret, size_t n, int64_t now_s,
    int64_t last_step, const char *code, int64_t *step);
/* 1 when code is exactly TOTP_DIGITS ASCII digits. */
int totp_code_shape(const char *code);

/* RFC 4648 base32 of n bytes, without padding, into out, which holds
 * (8 * n + 4) / 5 + 1 bytes (33 for a 20-byte secret). */
void totp_base32(const unsigned char *in, size_t n, char *out);
/* otpauth://totp/ISSUER%20(WHERE):ACCOUNT?secret=...&issuer=ISSUER&...
 * ("ISSUER:ACCOUNT" when where is NULL), every label part percent-
 * encoded; algorithm, digits and period spelled out. */
void totp_uri(struct buf *out, const char *issuer, const char *where,
    const char *account, const char *secret_b32);

#endif
