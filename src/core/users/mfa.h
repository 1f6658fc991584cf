/*
 * mfa.h - two-step sign-in: TOTP authenticator codes and recovery codes.
 *
 * Codes follow RFC 6238 as every authenticator app implements it
 * (crypto/totp.h: HMAC-SHA-1, 30-second steps, 6 digits).  A code is
 * accepted for the current step or the one before or after (a phone's
 * clock may be off by up to 30 s), and only for a step later than the last
 * one accepted for that user, so no code works twice (RFC 6238 section 5.2).
 *
 * Setting up ("enrolment") is two steps: mfa_enrol_begin issues a random
 * 20-byte secret, shown as base32 and as a QR code of its otpauth:// URI;
 * mfa_enrol_confirm turns MFA on only once a code made from that secret is
 * typed back, and returns ten recovery codes to show once.  Each recovery
 * code works once, instead of an authenticator code, for a user who lost
 * their phone; regenerating replaces the whole set.
 *
 * Wrong codes are throttled like passwords (users.h auth_throttle_*), per
 * user: past a few failures each further attempt waits longer.
 *
 * The secret is sealed with the keystore (core/keys/keystore.h) under the
 * data key of the practice the user set it up from; functions that read
 * or write it take the keystore.
 *
 * Who must use it: owners, administrators and compliance officers always;
 * every staff member when the practice's setting security.mfa_all_staff is
 * 'true'.  The session stage (users.h) follows from that at each request.
 */
#ifndef ALC_CORE_USERS_MFA_H
#define ALC_CORE_USERS_MFA_H

#include <stddef.h>
#include <stdint.h>

#include "core/users/users.h"

struct audit_event;
struct buf;
struct db;
struct keystore;

#define MFA_SECRET_BYTES 20
#define MFA_SECRET_B32_SIZE 33 /* 32 base32 characters and a NUL */
#define MFA_RECOVERY_COUNT 10
#define MFA_RECOVERY_SIZE 12   /* "xxxxx-xxxxx" and a NUL */
#define MFA_ISSUER "Alcove"

/* Roles that must always use MFA. */
#define MFA_REQUIRED_ROLES (ROLE_OWNER | ROLE_ADMIN | ROLE_COMPLIANCE)

/* Whether roles (in a practice whose mfa_all_staff setting is all_staff)
 * must use MFA.  A user with no role at all is never required. */
int mfa_required_for(unsigned roles, int all_staff);
/* The stage of a session, from whether its second factor was checked
 * (sess_mfa), whether the user has MFA on, and whether they must. */
enum session_stage mfa_session_stage(int sess_mfa, int active, int required);
/* Reads the practice's setting and answers mfa_required_for. */
int mfa_required(struct db *db, int64_t practice_id, unsigned roles,
    int *required);

/* *on = 1 when the user has confirmed MFA (for the password policy: an
 * MFA account may use a shorter password). */
int mfa_enabled(struct db *db, int64_t user_id, int *on);

struct mfa_status {
	int active;          /* confirmed: sign-in asks for a code */
	int64_t enrolled_at; /* ms, when active */
	size_t codes_left;   /* unused recovery codes */
};
int mfa_status(struct db *db, int64_t user_id, struct mfa_status *st);

/* Starts setting up: the pending secret as base32 (made now, sealed with
 * practice_id's key, unless one is already pending, so reloading the page
 * keeps the QR code the user may have scanned).  ALC_EEXIST when MFA is
 * already on; keystore errors (ALC_ENOTFOUND: the practice has no keys,
 * ALC_ECRYPTO) as they come. */
int mfa_enrol_begin(struct db *db, struct keystore *ks, int64_t user_id,
    int64_t practice_id, int64_t now_ms,
    char secret_b32[MFA_SECRET_B32_SIZE]);
/* The otpauth:// URI for a secret (what the QR code holds): issuer
 * "Alcove", label "Alcove (practice):email". */
void mfa_otpauth_uri(struct buf *out, const char *secret_b32,
    const char *email, const char *practice);

enum mfa_outcome {
	MFA_OK,
	MFA_BAD,    /* wrong, malformed or already used code */
	MFA_LOCKED, /* too many wrong codes: retry_after_s */
};

struct mfa_check {
	enum mfa_outcome outcome;
	int retry_after_s;
	int used_recovery;  /* a recovery code (not the app) was accepted */
	size_t codes_left;  /* unused recovery codes after this one */
};

typedef char mfa_codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_SIZE];

/* The functions below that change MFA write MFA_CHANGE in the same
 * transaction, and a wrong code at sign-in writes LOGIN_FAIL; `who` says
 * where the request came from (may be NULL). */

/* Confirms the pending secret with a code from the app.  On MFA_OK MFA is
 * on and codes holds the new recovery codes (show them once).
 * ALC_ENOTFOUND when nothing is pending (or MFA is already on). */
int mfa_enrol_confirm(struct db *db, struct keystore *ks, int64_t user_id,
    const char *code, int64_t now_ms, const struct audit_event *who,
    struct mfa_check *res, mfa_codes codes);
/* Checks a code typed at sign-in: an app code, or else a recovery code
 * ("xxxxx-xxxxx", case, spaces and hyphens ignored), which is used up.
 * ALC_ENOTFOUND when the user has no active MFA. */
int mfa_verify(struct db *db, struct keystore *ks, int64_t user_id,
    const char *code, int64_t now_ms, const struct audit_event *who,
    struct mfa_check *res);
/* Replaces the user's recovery codes by ten new ones (MFA must be on:
 * ALC_ENOTFOUND otherwise). */
int mfa_recovery_regenerate(struct db *db, int64_t user_id, int64_t now_ms,
    const struct audit_event *who, mfa_codes codes);
/* Turns MFA off after checking a current app code (not a recovery code).
 * ALC_EPERM when the user's roles require MFA (nothing is checked or
 * changed); ALC_ENOTFOUND when it is not on. */
int mfa_disable(struct db *db, struct keystore *ks, int64_t user_id,
    int64_t practice_id, unsigned roles, const char *code, int64_t now_ms,
    const struct audit_event *who, struct mfa_check *res);

#endif
