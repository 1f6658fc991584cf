/*
 * auth.c - roles, and signing in with per-account and per-address
 * throttling.  See users.h for the rules.
 */
#include "core/users/users.h"
#include "audit/audit.h"
#include "base/err.h"
#include "crypto/password.h"
#include "db/db.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name, *label;
	unsigned bit;
} roles[] = {
	{"owner", "Practice owner", ROLE_OWNER},
	{"admin", "Practice administrator", ROLE_ADMIN},
	{"clinician", "Clinician", ROLE_CLINICIAN},
	{"supervisor", "Clinical supervisor", ROLE_SUPERVISOR},
	{"billing", "Billing", ROLE_BILLING},
	{"front_desk", "Front desk", ROLE_FRONT_DESK},
	{"compliance", "Compliance officer", ROLE_COMPLIANCE},
};
#define NROLES (sizeof(roles) / sizeof(roles[0]))

unsigned
role_parse(const char *name)
{
	size_t i;

	for (i = 0; i < NROLES; i++)
		if (strcmp(name, roles[i].name) == 0)
			return roles[i].bit;
	return 0;
}

const char *
role_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < NROLES; i++)
		if (roles[i].bit == bit)
			return roles[i].name;
	return NULL;
}

const char *
role_label(unsigned bit)
{
	size_t i;

	for (i = 0; i < NROLES; i++)
		if (roles[i].bit == bit)
			return roles[i].label;
	return "Unknown role";
}

/* Failures allowed before delays start, and the longest delay. */
#define ACCT_ALLOWANCE 5
#define ADDR_ALLOWANCE 20
#define LOCK_MAX_MS (15LL * 60 * 1000)
#define FAILURE_WINDOW_MS (24LL * 3600 * 1000)

static int64_t
lock_ms(int failures, int allowance)
{
	int over = failures - allowance;

	if (over < 0)
		return 0;
	if (over > 20)
		return LOCK_MAX_MS;
	return (1000LL << over) < LOCK_MAX_MS ? (1000LL << over) : LOCK_MAX_MS;
}

/* ms until key may try again (0: now). */
int
auth_throttle_wait(struct db_conn *c, const char *key, int64_t now,
    int64_t *wait)
{
	struct db_stmt *s;
	int rc;

	*wait = 0;
	if ((rc = db_prepare(c, &s, "SELECT locked_until FROM auth_throttle "
	    "WHERE key = ?")) != 0)
		return rc;
	db_bind_text(s, 1, key);
	if ((rc = db_step(s)) == DB_ROW && db_col_i64(s, 0) > now)
		*wait = db_col_i64(s, 0) - now;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
auth_throttle_fail(struct db_conn *c, const char *key, int allowance,
    int64_t now)
{
	struct db_stmt *s;
	int failures = 0, rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO auth_throttle (key, failures, "
	    "first_at, last_at) VALUES (?, 1, ?, ?) ON CONFLICT (key) DO UPDATE "
	    "SET failures = CASE WHEN auth_throttle.last_at < ? THEN 1 ELSE "
	    "auth_throttle.failures + 1 END, last_at = excluded.last_at "
	    "RETURNING failures")) != 0)
		return rc;
	db_bind_text(s, 1, key);
	db_bind_i64(s, 2, now);
	db_bind_i64(s, 3, now);
	db_bind_i64(s, 4, now - FAILURE_WINDOW_MS);
	if ((rc = db_step(s)) == DB_ROW)
		failures = (int)db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc < 0 || lock_ms(failures, allowance) == 0)
		return rc < 0 ? rc : 0;
	if ((rc = db_prepare(c, &s, "UPDATE auth_throttle SET locked_until = ? "
	    "WHERE key = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, now + lock_ms(failures, allowance));
	db_bind_text(s, 2, key);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
auth_throttle_clear(struct db_conn *c, const char *key)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "DELETE FROM auth_throttle WHERE key = ?"))
	    != 0)
		return rc;
	db_bind_text(s, 1, key);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static char dummy_hash[PW_HASH_SIZE];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* A real argon2id hash to verify against when the account does not exist,
 * so that "no such account" takes as long as "wrong password". */
static void
make_dummy(void)
{
	if (pw_hash("no account has this password, it is for timing", dummy_hash)
	    != 0)
		dummy_hash[0] = '\0';
}

struct account {
	int64_t id;
	char hash[PW_HASH_SIZE];
	int active;
};

static int
find_account(struct db_conn *c, const char *email, struct account *a)
{
	struct db_stmt *s;
	const char *h;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = db_prepare(c, &s, "SELECT id, password_hash, status FROM "
	    "users WHERE email = ?")) != 0)
		return rc;
	db_bind_text(s, 1, email);
	if ((rc = db_step(s)) == DB_ROW) {
		a->id = db_col_i64(s, 0);
		h = db_col_text(s, 1);
		snprintf(a->hash, sizeof(a->hash), "%s", h ? h : "");
		a->active = strcmp(db_col_text(s, 2), "active") == 0 &&
		    a->hash[0] != '\0';
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
first_practice(struct db_conn *c, int64_t user_id, int64_t *pid)
{
	struct db_stmt *s;
	int rc;

	*pid = 0;
	if ((rc = db_prepare(c, &s, "SELECT m.practice_id FROM memberships m "
	    "JOIN practices p ON p.id = m.practice_id WHERE m.user_id = ? AND "
	    "p.retired_at IS NULL ORDER BY m.practice_id LIMIT 1")) != 0)
		return rc;
	db_bind_i64(s, 1, user_id);
	if ((rc = db_step(s)) == DB_ROW)
		*pid = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The LOGIN_FAIL event: against the account when it exists, so that
 * reviewers see attempts on real accounts; never the password. */
static int
audit_failure(struct db_conn *c, const struct account *a,
    const struct audit_event *who)
{
	struct audit_event ev;
	char id[24];

	if (who != NULL)
		ev = *who;
	else
		memset(&ev, 0, sizeof(ev));
	ev.verb = "LOGIN_FAIL";
	ev.action = 0;
	ev.outcome = AUDIT_MINOR_FAILURE;
	ev.object_type = "user";
	if (a->id != 0) {
		snprintf(id, sizeof(id), "%lld", (long long)a->id);
		ev.actor_user_id = a->id;
		ev.object_id = id;
		ev.reason = a->active ? "wrong password" : "account not active";
	} else
		ev.reason = "unknown account";
	return audit_write(c, &ev);
}

/* Records a failure for both keys and its audit event in one transaction. */
static int
record_failure(struct db_conn *c, const char *akey, const char *ikey,
    int64_t now, const struct account *a, const struct audit_event *who)
{
	int rc;

	if ((rc = db_begin(c)) != 0)
		return rc;
	if ((rc = auth_throttle_fail(c, akey, ACCT_ALLOWANCE, now)) != 0 ||
	    (rc = auth_throttle_fail(c, ikey, ADDR_ALLOWANCE, now)) != 0 ||
	    (rc = audit_failure(c, a, who)) != 0) {
		db_rollback(c);
		return rc;
	}
	return db_commit(c);
}

static int
check_locks(struct db_conn *c, const char *akey, const char *ikey,
    int64_t now, struct auth_result *res)
{
	int64_t w1, w2;
	int rc;

	if ((rc = auth_throttle_wait(c, akey, now, &w1)) != 0 ||
	    (rc = auth_throttle_wait(c, ikey, now, &w2)) != 0)
		return rc;
	if (w2 > w1)
		w1 = w2;
	if (w1 > 0) {
		res->status = AUTH_LOCKED;
		res->retry_after_s = (int)((w1 + 999) / 1000);
	}
	return 0;
}

int
auth_login(struct db *db, const char *email, const char *password,
    const char *addr, int64_t now, const struct audit_event *who,
    struct auth_result *res)
{
	char lower[256], akey[300], ikey[80];
	struct account a;
	struct db_conn *c;
	size_t i;
	int rc, ok;

	memset(res, 0, sizeof(*res));
	res->status = AUTH_BAD;
	for (i = 0; i < sizeof(lower) - 1 && email[i]; i++)
		lower[i] = (char)tolower((unsigned char)email[i]);
	lower[i] = '\0';
	snprintf(akey, sizeof(akey), "acct:%s", lower);
	snprintf(ikey, sizeof(ikey), "addr:%s", addr ? addr : "-");
	pthread_once(&dummy_once, make_dummy);
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = check_locks(c, akey, ikey, now, res)) != 0 ||
	    res->status == AUTH_LOCKED || (rc = find_account(c, lower, &a)) != 0)
		goto out;
	ok = pw_verify(a.active ? a.hash : dummy_hash, password) == 0 &&
	    a.active;
	if (!ok) {
		rc = record_failure(c, akey, ikey, now, &a, who);
		goto out;
	}
	if ((rc = auth_throttle_clear(c, akey)) != 0 ||
	    (rc = first_practice(c, a.id, &res->practice_id)) != 0)
		goto out;
	res->user_id = a.id;
	res->status = res->practice_id ? AUTH_OK : AUTH_NO_PRACTICE;
out:
	db_release(c);
	return rc;
}
