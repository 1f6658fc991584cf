/*
 * reset.h - "forgot my password": a single-use link by e-mail.
 *
 * reset_request() answers the same way, does the same database work and
 * takes about the same time whether or not the address belongs to an
 * account, so the form cannot be used to find out who has one.  For an
 * active account it stores the hash of a new random token (valid for
 * RESET_TTL_MS) and queues the e-mail with the link in the same
 * transaction (core/mail).  Requests are capped per address and per
 * client (RESET_LIMIT_*), silently: the answer stays the same.
 *
 * reset_complete() checks the token, applies the password policy
 * (core/users/policy.h), and then in one transaction: stores the new
 * password hash, marks this link and every other open link of the user
 * used, ends every session of the user (reason 'revoked'), clears the
 * sign-in throttling of the account and writes the PASSWORD_CHANGE audit
 * event (who: where the request came from).
 */
#ifndef ALC_CORE_USERS_RESET_H
#define ALC_CORE_USERS_RESET_H

#include <stdint.h>

#include "core/users/policy.h"

struct audit_event;
struct db;

#define RESET_TTL_MS (30LL * 60 * 1000)
#define RESET_WINDOW_MS (60LL * 60 * 1000)
#define RESET_LIMIT_EMAIL 5  /* e-mails to one address per window */
#define RESET_LIMIT_ADDR 30  /* requests from one client per window */

/* Asks for a reset link for email, from client address addr.  base_url
 * ("https://alcove.example.org", no trailing '/') starts the link.
 * Returns 0 whatever the address (an unknown one is not an error), or a
 * negative ALC_E* code for an internal failure.  *queued (may be NULL) is
 * 1 when an e-mail was queued: for logs and tests, never for the page. */
int reset_request(struct db *db, const char *email, const char *base_url,
    const char *addr, int64_t now, int *queued);

enum reset_status {
	RESET_OK,       /* token valid (peek) / password changed (complete) */
	RESET_UNKNOWN,  /* no such token, or the account is disabled */
	RESET_EXPIRED,  /* older than RESET_TTL_MS */
	RESET_USED,     /* already used, or made void by a later change */
	RESET_REFUSED,  /* the new password breaks the policy: see verdict */
};

/* Whether token may still be used (for showing the form). */
int reset_peek(struct db *db, const char *token, int64_t now,
    enum reset_status *status);

struct reset_result {
	enum reset_status status;
	enum pwpol_verdict verdict; /* RESET_REFUSED: why */
	int has_mfa;                /* the minimum length that applied */
	int64_t user_id;            /* RESET_OK */
	int64_t sessions_ended;     /* RESET_OK */
};

/* Sets password pw for the owner of token.  Returns 0 with res->status
 * set, or a negative ALC_E* code for an internal failure. */
int reset_complete(struct db *db, const char *token, const char *pw,
    int64_t now, const struct audit_event *who, struct reset_result *res);

#endif
