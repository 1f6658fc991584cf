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

struct audit_event;
struct db;
struct db_conn;

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
/* Stored name: "owner", "front_desk" ...; NULL when not one role. */
const char *role_name(unsigned one_role);

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

/* The throttle behind sign-in, shared with every other secret a person
 * types (MFA codes).  key names what is counted: "acct:<email>",
 * "addr:<ip>", "mfa:<user id>".  wait: ms until key may try again (0:
 * now).  fail: records a failure; past allowance failures in 24 hours
 * each further one locks key for 1 s, 2 s, 4 s ... up to 15 minutes.
 * clear: forgets key's failures (after a success). */
int auth_throttle_wait(struct db_conn *c, const char *key, int64_t now,
    int64_t *wait);
int auth_throttle_fail(struct db_conn *c, const char *key, int allowance,
    int64_t now);
int auth_throttle_clear(struct db_conn *c, const char *key);

/* Checks email/password from client address addr.  Returns 0 with
 * res->status set, or a negative ALC_E* code for an internal failure.  A
 * wrong password writes LOGIN_FAIL (who: where the request came from);
 * success writes nothing here: session_create records the LOGIN. */
int auth_login(struct db *db, const char *email, const char *password,
    const char *addr, int64_t now, const struct audit_event *who,
    struct auth_result *res);

/* How far sign-in has got in a session.  Worked out at every lookup from
 * the session's mfa flag, the user's MFA state and whether their roles
 * require MFA (core/users/mfa.h), so a new requirement applies on the
 * next request.  Only SESSION_FULL may use the application; web/authz.c
 * confines the other stages to the MFA pages and signing out. */
enum session_stage {
	SESSION_FULL = 0,    /* signed in */
	SESSION_MFA_PENDING, /* password checked; the MFA code is due */
	SESSION_MFA_ENROL,   /* password checked; MFA must be set up first */
};

struct session {
	int64_t id, user_id, practice_id;
	int64_t created_at, last_seen_at, expires_at, idle_ms;
	int mfa;        /* the second factor was checked in this session */
	int mfa_active; /* the user has MFA on */
	int mfa_required; /* the user's roles here require MFA */
	enum session_stage stage;
	int n_practices; /* practices the user belongs to (a switcher if > 1) */
	unsigned roles;
	char csrf[RAND_TOKEN_SIZE];
	char user_name[201];
	char user_email[255];
	char practice_name[201];
	const char *ended; /* lookup: why it ended (static string), or NULL */
};

/*
 * Every function below that changes a session writes its audit event in
 * the same transaction: LOGIN (created, or rotated after the second
 * factor), LOGOUT, TIMEOUT (idle or absolute limit), SESSION_REVOKE.
 * `who` carries where the request came from (web_audit_who); the actor is
 * always the session's own user.  who may be NULL.
 */

/* Starts a session; token receives the cookie value. */
int session_create(struct db *db, int64_t user_id, int64_t practice_id,
    const char *addr, const char *user_agent, int64_t now,
    const struct audit_event *who, char token[RAND_TOKEN_SIZE],
    struct session *out);
/* Finds the live session for a cookie token and refreshes last_seen.
 * ALC_ENOTFOUND for an unknown token; ALC_EAUTH when it had ended or has
 * just timed out (out->ended says why: "idle", "expired", "logout" ...). */
int session_lookup(struct db *db, const char *token, int64_t now,
    const struct audit_event *who, struct session *out);
/* Replaces a live session by a new one for the same user and practice
 * (new token and CSRF token; mfa as given), ending the old one with reason
 * "rotated": done when the second factor is checked, so a token seen
 * before that is worthless after.  ALC_EAUTH when old_id had already
 * ended (e.g. a concurrent rotation won). */
int session_rotate(struct db *db, const struct session *old, int mfa,
    const char *addr, const char *user_agent, int64_t now,
    const struct audit_event *who, char token[RAND_TOKEN_SIZE],
    struct session *out);
/* Moves the user of old to practice_id, one they belong to (else
 * ALC_ENOTFOUND, and nothing changes): a privilege change, so the session
 * is replaced as session_rotate does (reason "rotated"), with the new
 * practice's idle timeout and the second factor carried over; the new
 * practice's MFA requirement applies through out->stage.  PRIV_CHANGE
 * with {"from_practice","to_practice"} goes into both practices' trails. */
int session_switch(struct db *db, const struct session *old,
    int64_t practice_id, const char *addr, const char *user_agent,
    int64_t now, const struct audit_event *who, char token[RAND_TOKEN_SIZE],
    struct session *out);

/* A practice the user belongs to, with their roles there. */
struct user_practice {
	int64_t id;
	unsigned roles;
	char name[201];
};
/* The user's practices (not retired), by name, at most max. */
int user_practices(struct db *db, int64_t user_id, struct user_practice *out,
    size_t max, size_t *n);

/* Ends one session (reason: "logout", "revoked" ...). */
int session_end(struct db *db, const struct session *se, const char *reason,
    int64_t now, const struct audit_event *who);
/* Ends every live session of keep's user except keep itself. */
int session_end_others(struct db *db, const struct session *keep,
    const char *reason, int64_t now, const struct audit_event *who,
    int64_t *ended);

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
