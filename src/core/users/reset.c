/*
 * reset.c - password reset by e-mail (see reset.h).
 *
 * No enumeration.  Both branches of reset_request() draw a token, hash
 * it, look the address up and run one write transaction that bumps the
 * request counters (password_reset_throttle), so an unknown address costs
 * the same database round trips and the same commit as a known one; only
 * the two extra INSERTs (the link and its e-mail job) differ.  The page
 * says the same thing either way.
 *
 * The token.  256 random bits (rand_token) in the link; the database
 * keeps only hash_token() of it.  The link itself travels to the worker
 * in the e-mail job's payload, which core/mail scrubs once it is sent or
 * cannot be any more (see mail.h).
 *
 * Completing a reset changes more than one table, in one transaction, so
 * that a password change and the end of the sessions it should end can
 * never be separated by a crash: the session and throttle updates are
 * therefore written here rather than through session.c/auth.c, which
 * take connections of their own.
 */
#include "core/users/reset.h"
#include "core/users/mfa.h"
#include "core/users/users.h"
#include "core/mail/mail.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/log.h"
#include "crypto/hash.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "db/db.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define EMAIL_MAX 254
#define URL_MAX 600
#define MAX_PRACTICES 8

/* Lower-cases an e-mail address as users.email stores it; -1 if too long. */
static int
lower_email(const char *in, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; in[i] != '\0'; i++) {
		if (i + 1 >= outsz)
			return -1;
		out[i] = (char)tolower((unsigned char)in[i]);
	}
	out[i] = '\0';
	return 0;
}

/* Counts one request for key in the current window; *count gets the
 * number so far, including this one. */
static int
bump(struct db_conn *c, const char *key, int64_t now, int64_t *count)
{
	struct db_stmt *s;
	int rc;

	*count = 0;
	if ((rc = db_prepare(c, &s, "INSERT INTO password_reset_throttle (key, "
	    "requests, window_start) VALUES (?, 1, ?) ON CONFLICT (key) DO "
	    "UPDATE SET requests = CASE WHEN password_reset_throttle."
	    "window_start < ? THEN 1 ELSE password_reset_throttle.requests + 1 "
	    "END, window_start = CASE WHEN password_reset_throttle.window_start "
	    "< ? THEN excluded.window_start ELSE password_reset_throttle."
	    "window_start END RETURNING requests")) != 0)
		return rc;
	db_bind_text(s, 1, key);
	db_bind_i64(s, 2, now);
	db_bind_i64(s, 3, now - RESET_WINDOW_MS);
	db_bind_i64(s, 4, now - RESET_WINDOW_MS);
	if ((rc = db_step(s)) == DB_ROW)
		*count = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The active account with this (lower-cased) address; *uid 0 if none. */
static int
find_active(struct db_conn *c, const char *email, int64_t *uid)
{
	struct db_stmt *s;
	int rc;

	*uid = 0;
	if ((rc = db_prepare(c, &s, "SELECT id, status FROM users WHERE "
	    "email = ?")) != 0)
		return rc;
	db_bind_text(s, 1, email);
	if ((rc = db_step(s)) == DB_ROW &&
	    strcmp(db_col_text(s, 1), "active") == 0)
		*uid = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
insert_reset(struct db_conn *c, const char *th, int64_t uid, int64_t now,
    const char *addr)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO password_resets (token_hash, "
	    "user_id, created_at, expires_at, source_addr) VALUES "
	    "(?, ?, ?, ?, ?)")) != 0)
		return rc;
	db_bind_text(s, 1, th);
	db_bind_i64(s, 2, uid);
	db_bind_i64(s, 3, now);
	db_bind_i64(s, 4, now + RESET_TTL_MS);
	db_bind_textn(s, 5, addr ? addr : "", addr ? strnlen(addr, 47) : 0);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The transaction of reset_request: counters always, link and e-mail
 * only for an active account under both limits. */
static int
request_txn(struct db_conn *c, const char *email, const char *th,
    const char *url, const char *addr, int64_t now, int *queued)
{
	char ekey[HASH_HEX_SIZE + 8], akey[64], eh[HASH_HEX_SIZE];
	const char *vars[] = {"url", url, NULL};
	int64_t uid, n_email, n_addr;
	int rc;

	hash_token(email, eh);
	snprintf(ekey, sizeof(ekey), "email:%s", eh);
	snprintf(akey, sizeof(akey), "addr:%s", addr ? addr : "-");
	if ((rc = find_active(c, email, &uid)) != 0 || (rc = db_begin(c)) != 0)
		return rc;
	if ((rc = bump(c, ekey, now, &n_email)) != 0 ||
	    (rc = bump(c, akey, now, &n_addr)) != 0)
		goto fail;
	if (uid != 0 && n_email <= RESET_LIMIT_EMAIL &&
	    n_addr <= RESET_LIMIT_ADDR) {
		if ((rc = insert_reset(c, th, uid, now, addr)) != 0 ||
		    (rc = mail_enqueue(c, 0, email, "password_reset", vars,
		    now + RESET_TTL_MS, NULL)) != 0)
			goto fail;
		*queued = 1;
	} else if (uid != 0)
		log_warn("password reset e-mail not sent: too many requests",
		    "user=%lld", (long long)uid);
	if ((rc = db_commit(c)) != 0)
		goto fail;
	return 0;
fail:
	*queued = 0;
	db_rollback(c);
	return rc;
}

int
reset_request(struct db *db, const char *email, const char *base_url,
    const char *addr, int64_t now, int *queued)
{
	char lower[EMAIL_MAX + 1], token[RAND_TOKEN_SIZE], th[HASH_HEX_SIZE];
	char url[URL_MAX];
	struct db_conn *c;
	int rc, dummy;

	if (queued == NULL)
		queued = &dummy;
	*queued = 0;
	if (lower_email(email, lower, sizeof(lower)) != 0)
		return ALC_EINVAL;
	/* Drawn and hashed for every request, known address or not. */
	rand_token(token, sizeof(token));
	hash_token(token, th);
	if ((size_t)snprintf(url, sizeof(url), "%s/password/reset?token=%s",
	    base_url, token) >= sizeof(url)) {
		rc = ALC_EINVAL;
		goto out;
	}
	if ((c = db_acquire(db, 5000, NULL)) == NULL) {
		rc = ALC_EBUSY;
		goto out;
	}
	rc = request_txn(c, lower, th, url, addr, now, queued);
	db_release(c);
	/* No jobs_wake(): a worker sending the mail while this request is
	 * still being answered would make known addresses measurably slower.
	 * The next poll (jobs.poll_interval_ms) picks the job up. */
out:
	crypto_wipe(token, sizeof(token));
	crypto_wipe(url, sizeof(url));
	return rc;
}

/* A token as rand_token makes it: 43 characters of [A-Za-z0-9_-]. */
static int
token_ok(const char *t)
{
	size_t i;

	if (t == NULL || strlen(t) != RAND_TOKEN_LEN)
		return 0;
	for (i = 0; t[i]; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '-' && t[i] != '_')
			return 0;
	return 1;
}

struct link {
	int64_t id, user_id, expires_at;
	int used, active;
	char email[EMAIL_MAX + 1], name[201];
};

static int
find_link(struct db_conn *c, const char *token, struct link *l)
{
	char th[HASH_HEX_SIZE];
	struct db_stmt *s;
	int rc;

	memset(l, 0, sizeof(*l));
	hash_token(token, th);
	if ((rc = db_prepare(c, &s, "SELECT r.id, r.user_id, r.expires_at, "
	    "r.used_at, u.email, u.display_name, u.status FROM password_resets "
	    "r JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?")) != 0)
		return rc;
	db_bind_text(s, 1, th);
	if ((rc = db_step(s)) == DB_ROW) {
		l->id = db_col_i64(s, 0);
		l->user_id = db_col_i64(s, 1);
		l->expires_at = db_col_i64(s, 2);
		l->used = !db_col_is_null(s, 3);
		snprintf(l->email, sizeof(l->email), "%s", db_col_text(s, 4));
		snprintf(l->name, sizeof(l->name), "%s", db_col_text(s, 5));
		l->active = strcmp(db_col_text(s, 6), "active") == 0;
	}
	db_stmt_done(s);
	return rc < 0 ? rc : rc == DB_ROW ? 0 : ALC_ENOTFOUND;
}

static enum reset_status
link_status(const struct link *l, int64_t now)
{
	if (!l->active)
		return RESET_UNKNOWN;
	if (l->used)
		return RESET_USED;
	if (now >= l->expires_at)
		return RESET_EXPIRED;
	return RESET_OK;
}

int
reset_peek(struct db *db, const char *token, int64_t now,
    enum reset_status *status)
{
	struct db_conn *c;
	struct link l;
	int rc;

	*status = RESET_UNKNOWN;
	if (!token_ok(token))
		return 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = find_link(c, token, &l);
	db_release(c);
	if (rc == ALC_ENOTFOUND)
		return 0;
	if (rc == 0)
		*status = link_status(&l, now);
	return rc;
}

/* Names of the practices the user belongs to (at most max), copied into
 * store (max * 201 bytes). */
static int
practice_names(struct db_conn *c, int64_t user_id, char (*store)[201],
    const char **names, size_t max, size_t *n)
{
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, "SELECT DISTINCT p.name FROM memberships m "
	    "JOIN practices p ON p.id = m.practice_id WHERE m.user_id = ?"))
	    != 0)
		return rc;
	db_bind_i64(s, 1, user_id);
	while ((rc = db_step(s)) == DB_ROW && *n < max) {
		snprintf(store[*n], 201, "%s", db_col_text(s, 0));
		names[*n] = store[*n];
		(*n)++;
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* What the policy needs to know about the owner of a link. */
struct owner {
	char store[MAX_PRACTICES][201];
	const char *names[MAX_PRACTICES];
	size_t n;
};

/* Finds the link; when it is usable, also the practices of its owner. */
static int
load_link(struct db_conn *c, const char *token, int64_t now, struct link *l,
    struct owner *o, struct reset_result *res)
{
	int rc;

	if (!token_ok(token))
		return 0;
	if ((rc = find_link(c, token, l)) != 0)
		return rc == ALC_ENOTFOUND ? 0 : rc;
	if ((res->status = link_status(l, now)) != RESET_OK)
		return 0;
	return practice_names(c, l->user_id, o->store, o->names,
	    MAX_PRACTICES, &o->n);
}

/* Applies the password policy for the owner of l (MFA lowers the
 * minimum length: core/users/mfa.h). */
static int
check_policy(struct db *db, const struct link *l, const struct owner *o,
    const char *pw, struct reset_result *res)
{
	struct pwpol_subject who;
	int rc;

	if ((rc = mfa_enabled(db, l->user_id, &res->has_mfa)) != 0)
		return rc;
	memset(&who, 0, sizeof(who));
	who.name = l->name;
	who.email = l->email;
	who.practices = o->names;
	who.n_practices = o->n;
	who.has_mfa = res->has_mfa;
	if ((res->verdict = pwpol_check(pw, &who)) != PWPOL_OK)
		res->status = RESET_REFUSED;
	return 0;
}

/* Steps a bound statement that returns no rows and gives it back;
 * *changes (may be NULL) gets the number of rows it changed. */
static int
run(struct db_stmt *s, int64_t *changes)
{
	int rc = db_step(s);

	if (rc >= 0 && changes != NULL)
		*changes = db_changes(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Uses the link (only if still unused and unexpired: *won is 0 when
 * another request got there first) and stores the new hash. */
static int
use_link(struct db_conn *c, const struct link *l, const char *hash,
    int64_t now, int *won)
{
	struct db_stmt *s;
	int64_t n = 0;
	int rc;

	*won = 0;
	if ((rc = db_prepare(c, &s, "UPDATE password_resets SET used_at = ? "
	    "WHERE id = ? AND used_at IS NULL AND expires_at > ?")) != 0)
		return rc;
	db_bind_i64(s, 1, now);
	db_bind_i64(s, 2, l->id);
	db_bind_i64(s, 3, now);
	if ((rc = run(s, &n)) != 0 || n != 1)
		return rc;
	*won = 1;
	if ((rc = db_prepare(c, &s, "UPDATE users SET password_hash = ?, "
	    "updated_at = ?, password_changed_at = ? WHERE id = ?")) != 0)
		return rc;
	db_bind_text(s, 1, hash);
	db_bind_i64(s, 2, now);
	db_bind_i64(s, 3, now);
	db_bind_i64(s, 4, l->user_id);
	return run(s, NULL);
}

/* What a changed password ends: the user's other open links, every
 * session, and the throttling of the account's sign-in and reset. */
static int
end_the_rest(struct db_conn *c, const struct link *l, int64_t now,
    int64_t *ended)
{
	char key[EMAIL_MAX + 16], eh[HASH_HEX_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE password_resets SET used_at = ? "
	    "WHERE user_id = ? AND used_at IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, now);
	db_bind_i64(s, 2, l->user_id);
	if ((rc = run(s, NULL)) != 0 ||
	    (rc = db_prepare(c, &s, "UPDATE sessions SET ended_at = ?, "
	    "end_reason = 'revoked' WHERE user_id = ? AND ended_at IS NULL"))
	    != 0)
		return rc;
	db_bind_i64(s, 1, now);
	db_bind_i64(s, 2, l->user_id);
	if ((rc = run(s, ended)) != 0 ||
	    (rc = db_prepare(c, &s, "DELETE FROM auth_throttle WHERE key = ?"))
	    != 0)
		return rc;
	snprintf(key, sizeof(key), "acct:%s", l->email); /* as auth.c keys it */
	db_bind_text(s, 1, key);
	if ((rc = run(s, NULL)) != 0 ||
	    (rc = db_prepare(c, &s, "DELETE FROM password_reset_throttle "
	    "WHERE key = ?")) != 0)
		return rc;
	hash_token(l->email, eh);
	snprintf(key, sizeof(key), "email:%s", eh);
	db_bind_text(s, 1, key);
	return run(s, NULL);
}

/* The change in the audit trail: done by the account's owner, through
 * the link sent to their address. */
static int
audit_reset(struct db_conn *c, const struct link *l,
    const struct audit_event *who, int64_t sessions_ended)
{
	struct audit_event ev;
	char id[24], detail[96];

	if (who != NULL)
		ev = *who;
	else
		memset(&ev, 0, sizeof(ev));
	snprintf(id, sizeof(id), "%lld", (long long)l->user_id);
	snprintf(detail, sizeof(detail), "{\"via\":\"reset_link\","
	    "\"sessions_ended\":%lld}", (long long)sessions_ended);
	ev.actor_user_id = l->user_id;
	ev.verb = "PASSWORD_CHANGE";
	ev.object_type = "user";
	ev.object_id = id;
	ev.detail = detail;
	return audit_write(c, &ev);
}

static int
complete_txn(struct db_conn *c, const struct link *l, const char *hash,
    int64_t now, const struct audit_event *who, struct reset_result *res)
{
	int rc, won;

	if ((rc = db_begin(c)) != 0)
		return rc;
	if ((rc = use_link(c, l, hash, now, &won)) != 0)
		goto fail;
	if (!won) {
		res->status = RESET_USED; /* a concurrent request used it */
		db_rollback(c);
		return 0;
	}
	if ((rc = end_the_rest(c, l, now, &res->sessions_ended)) != 0 ||
	    (rc = audit_reset(c, l, who, res->sessions_ended)) != 0 ||
	    (rc = db_commit(c)) != 0)
		goto fail;
	res->user_id = l->user_id;
	return 0;
fail:
	db_rollback(c);
	return rc;
}

int
reset_complete(struct db *db, const char *token, const char *pw,
    int64_t now, const struct audit_event *who, struct reset_result *res)
{
	char hash[PW_HASH_SIZE];
	struct db_conn *c;
	struct owner o;
	struct link l;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&o, 0, sizeof(o));
	res->status = RESET_UNKNOWN;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = load_link(c, token, now, &l, &o, res);
	/* No connection is held while checking MFA (it takes its own) or
	 * during the deliberately slow hash. */
	db_release(c);
	if (rc != 0 || res->status != RESET_OK ||
	    (rc = check_policy(db, &l, &o, pw, res)) != 0 ||
	    res->status != RESET_OK)
		return rc;
	if ((rc = pw_hash(pw, hash)) != 0)
		return rc;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = complete_txn(c, &l, hash, now, who, res);
	db_release(c);
	crypto_wipe(hash, sizeof(hash));
	return rc;
}
