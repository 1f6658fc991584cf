/*
 * users.h - staff identity: roles, sign-in with throttling, sessions.
 *
 * Roles are the fixed set of 45 CFR 164.308(a)(4) job functions Alcove
 * knows; a user holds one or more in a practice (memberships table).  In
 * memory a user's roles are a bit set.
 *
 * Sign-in never tells whether an account exists: an unknown e-mail costs
 * the same password-hash time as a wrong password and gets the same
 * answer.  Failures are counted per account and per client address; past a
 * small allowance each further attempt waits longer (1 s, 2 s, 4 s ... up
 * to 15 minutes).
 *
 * Sessions live in the database (any process can serve any request).  The
 * browser holds a random token; the database holds its hash.  A session
 * ends after its idle time (the practice's setting, 15 minutes by default)
 * or 12 hours at most, at sign-out, or when revoked.
 */
#ifndef ALC_CORE_USERS_H
#define ALC_CORE_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/random.h"

struct db;

enum role {
	ROLE_OWNER = 1u << 0,
	ROLE_ADMIN = 1u << 1,
	ROLE_CLINICIAN = 1u << 2,
	ROLE_SUPERVISOR = 1u << 3,
	ROLE_BILLING = 1u << 4,
	ROLE_FRONT_DESK = 1u << 5,
	ROLE_COMPLIANCE = 1u << 6,
};

/* "owner" -> ROLE_OWNER; 0 when unknown. */
unsigned role_parse(const char *name);
/* Plain-language name: "Practice owner", "Front desk" ... */
const char *role_label(unsigned one_role);

#define SESSION_ABSOLUTE_MS (12LL * 3600 * 1000)
#define SESSION_IDLE_DEFAULT_MS (15LL * 60 * 1000)
#define SESSION_TOUCH_MS (30LL * 1000) /* last_seen is written at most this often */

enum auth_status {
	AUTH_OK,
	AUTH_BAD,    /* unknown account, wrong password, or disabled */
	AUTH_LOCKED, /* too many failures: retry_after_s */
	AUTH_NO_PRACTICE, /* correct, but the account has no practice */
};

struct auth_result {
	enum auth_status status;
	int64_t user_id, practice_id;
	int retry_after_s;
};

/* Checks email/password from client address addr.  Returns 0 with
 * res->status set, or a negative ALC_E* code for an internal failure. */
int auth_login(struct db *db, const char *email, const char *password,
    const char *addr, int64_t now, struct auth_result *res);

struct session {
	int64_t id, user_id, practice_id;
	int64_t created_at, last_seen_at, expires_at, idle_ms;
	int mfa;
	unsigned roles;
	char csrf[RAND_TOKEN_SIZE];
	char user_name[201];
	char user_email[255];
	char practice_name[201];
	const char *ended; /* lookup: why it ended (static string), or NULL */
};

/* Starts a session; token receives the cookie value. */
int session_create(struct db *db, int64_t user_id, int64_t practice_id,
    const char *addr, const char *user_agent, int64_t now,
    char token[RAND_TOKEN_SIZE], struct session *out);
/* Finds the live session for a cookie token and refreshes last_seen.
 * ALC_ENOTFOUND for an unknown token; ALC_EAUTH when it had ended or has
 * just timed out (out->ended says why: "idle", "expired", "logout" ...). */
int session_lookup(struct db *db, const char *token, int64_t now,
    struct session *out);
/* Ends one session (reason: "logout", "revoked" ...). */
int session_end(struct db *db, int64_t session_id, const char *reason,
    int64_t now);
/* Ends every live session of the user except keep_id (0: all). */
int session_end_others(struct db *db, int64_t user_id, int64_t keep_id,
    const char *reason, int64_t now, int64_t *ended);

/* How many live sessions the user has. */
int session_count(struct db *db, int64_t user_id, int64_t now, size_t *n);

/* One row of "where am I signed in". */
struct session_info {
	int64_t id, created_at, last_seen_at;
	char addr[48];
	char user_agent[160];
};
/* The user's live sessions, newest first, at most max. */
int session_list(struct db *db, int64_t user_id, int64_t now,
    struct session_info *out, size_t max, size_t *n);

#endif
