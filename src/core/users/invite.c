/*
 * invite.c - invitations, lockouts, a staff member's record and the
 * offboarding checklist (see invite.h).
 *
 * The invitation link is a password_resets row of kind 'invite', so that
 * reset.c's checks (single use, expiry, the account still active, the
 * password policy, every other open link voided once a password is set)
 * apply to it unchanged; only its lifetime and its e-mail differ.  As in
 * reset.c, the database keeps only the token's hash; the link travels to
 * the mail worker in the job payload, which core/mail scrubs once sent.
 *
 * Every query joins memberships on the practice: a user id from a URL
 * never reaches another practice's staff.
 */
#include "core/users/invite.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "base/caldate.h"
#include "core/compliance/compliance.h"
#include "core/mail/mail.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "crypto/hash.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#define URL_MAX 600
#define HISTORY_MAX 200

static const struct {
	const char *key, *label;
} offboard[OFFBOARD_ITEMS] = {
	{"devices", "Laptops, phones, keys and badges returned"},
	{"vendors", "Accounts in other systems removed (e-mail, payer "
	    "portals, clearinghouse, telehealth, shared drives)"},
	{"shared", "Shared passwords and codes they knew changed (Wi-Fi, "
	    "door codes, shared mailboxes)"},
	{"handover", "Their patients, open tasks and mail handed to someone "
	    "else"},
	{"records", "Any practice records they kept at home or on personal "
	    "devices returned or destroyed"},
};

const char *
offboard_key(size_t i)
{
	return i < OFFBOARD_ITEMS ? offboard[i].key : NULL;
}

const char *
offboard_label(size_t i)
{
	return i < OFFBOARD_ITEMS ? offboard[i].label : NULL;
}

/* Steps a statement that returns no rows and gives it back. */
static int
run(struct db_stmt *s, int64_t *changes)
{
	int rc = db_step(s);

	if (rc >= 0 && changes != NULL)
		*changes = db_changes(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The account of a member of the practice; ALC_ENOTFOUND otherwise. */
static int
member(struct db_conn *c, int64_t pid, int64_t uid, struct staff_member *m)
{
	struct db_stmt *s;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = db_prepare(c, &s, "SELECT u.id, u.email, u.display_name, "
	    "u.status, u.password_hash, m.role FROM users u JOIN memberships m "
	    "ON m.user_id = u.id WHERE m.practice_id = ? AND u.id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	while ((rc = db_step(s)) == DB_ROW) {
		m->id = db_col_i64(s, 0);
		snprintf(m->email, sizeof(m->email), "%s", db_col_text(s, 1));
		snprintf(m->name, sizeof(m->name), "%s", db_col_text(s, 2));
		m->active = strcmp(db_col_text(s, 3), "active") == 0;
		m->has_password = !db_col_is_null(s, 4);
		m->roles |= role_parse(db_col_text(s, 5));
	}
	db_stmt_done(s);
	return rc < 0 ? rc : m->id ? 0 : ALC_ENOTFOUND;
}

static int
audit_change(struct db_conn *c, const struct audit_event *who, int64_t pid,
    int64_t uid, const char *detail)
{
	struct audit_event ev;
	char id[24];

	if (who != NULL)
		ev = *who;
	else
		memset(&ev, 0, sizeof(ev));
	snprintf(id, sizeof(id), "%lld", (long long)uid);
	ev.verb = "USER_CHANGE";
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = "user";
	ev.object_id = id;
	ev.detail = detail;
	return audit_write(c, &ev);
}

/* Voids the user's open links and stores a new invitation link. */
static int
store_link(struct db_conn *c, int64_t uid, const char *th, int64_t now)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE password_resets SET used_at = ? "
	    "WHERE user_id = ? AND used_at IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, now);
	db_bind_i64(s, 2, uid);
	if ((rc = run(s, NULL)) != 0 ||
	    (rc = db_prepare(c, &s, "INSERT INTO password_resets (token_hash, "
	    "user_id, created_at, expires_at, kind) VALUES (?, ?, ?, ?, "
	    "'invite')")) != 0)
		return rc;
	db_bind_text(s, 1, th);
	db_bind_i64(s, 2, uid);
	db_bind_i64(s, 3, now);
	db_bind_i64(s, 4, now + INVITE_TTL_MS);
	return run(s, NULL);
}

static int
invite_txn(struct db_conn *c, int64_t pid, int64_t uid, const char *th,
    const char *const *vars, const struct audit_event *who,
    struct alc_err *err)
{
	int64_t now = time_now_ms();
	struct staff_member m;
	int rc;

	if ((rc = member(c, pid, uid, &m)) != 0)
		return rc;
	if (!m.active || m.has_password)
		return alc_err_set_user(err, ALC_ECONFLICT, m.active ? "This "
		    "person has already chosen a password: they can use \"Forgot "
		    "your password?\" if they need a new one." : "This account "
		    "is deactivated.", "invite: not invitable");
	if ((rc = store_link(c, uid, th, now)) != 0 ||
	    (rc = mail_enqueue(c, pid, m.email, "invite", vars,
	    now + INVITE_TTL_MS, NULL)) != 0)
		return rc;
	return audit_change(c, who, pid, uid, "{\"invitation\":\"sent\"}");
}

int
invite_send_in(struct db_conn *c, int64_t practice_id, int64_t user_id,
    const char *base_url, const char *practice, const char *inviter,
    const struct audit_event *who, struct alc_err *err)
{
	char token[RAND_TOKEN_SIZE], th[HASH_HEX_SIZE], url[URL_MAX];
	const char *vars[] = {"url", url, "practice", practice, "inviter",
	    inviter, NULL};
	int rc;

	rand_token(token, sizeof(token));
	hash_token(token, th);
	if ((size_t)snprintf(url, sizeof(url), "%s/password/reset?token=%s",
	    base_url, token) >= sizeof(url))
		rc = ALC_EINVAL;
	else
		rc = invite_txn(c, practice_id, user_id, th, vars, who, err);
	crypto_wipe(token, sizeof(token));
	crypto_wipe(url, sizeof(url));
	return rc;
}

int
invite_send(struct db *db, int64_t practice_id, int64_t user_id,
    const char *base_url, const char *practice, const char *inviter,
    const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = invite_send_in(c, practice_id,
	    user_id, base_url, practice, inviter, who, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

#define LOCKOUTS_SQL "SELECT u.id, u.display_name, u.email, " \
	"max(t.failures), max(t.locked_until) FROM auth_throttle t JOIN users " \
	"u ON (t.key = 'acct:' || u.email OR t.key = 'mfa:' || CAST(u.id AS " \
	"TEXT)) WHERE t.locked_until > ? AND u.id IN (SELECT user_id FROM " \
	"memberships WHERE practice_id = ?) GROUP BY u.id, u.display_name, " \
	"u.email ORDER BY u.display_name, u.id"

int
lockouts_list(struct db *db, int64_t practice_id, int64_t now,
    struct lockout_row *rows, size_t max, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	struct lockout_row *l;
	int rc;

	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, LOCKOUTS_SQL)) == 0) {
		db_bind_i64(s, 1, now);
		db_bind_i64(s, 2, practice_id);
		while (*n < max && (rc = db_step(s)) == DB_ROW) {
			l = &rows[(*n)++];
			l->user_id = db_col_i64(s, 0);
			snprintf(l->name, sizeof(l->name), "%s", db_col_text(s, 1));
			snprintf(l->email, sizeof(l->email), "%s", db_col_text(s, 2));
			l->failures = db_col_i64(s, 3);
			l->locked_until = db_col_i64(s, 4);
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

/* Deletes the throttle rows of m; *n gets how many there were. */
static int
clear_throttle(struct db_conn *c, const struct staff_member *m, int64_t *n)
{
	char akey[300], mkey[40];
	struct db_stmt *s;
	int rc;

	snprintf(akey, sizeof(akey), "acct:%s", m->email); /* as auth.c */
	snprintf(mkey, sizeof(mkey), "mfa:%lld", (long long)m->id); /* mfa.c */
	if ((rc = db_prepare(c, &s, "DELETE FROM auth_throttle WHERE key = ? "
	    "OR key = ?")) != 0)
		return rc;
	db_bind_text(s, 1, akey);
	db_bind_text(s, 2, mkey);
	return run(s, n);
}

int
lockout_lift(struct db *db, int64_t practice_id, int64_t user_id,
    const struct audit_event *who, int *lifted)
{
	struct staff_member m;
	struct db_conn *c;
	int64_t n = 0;
	int rc;

	*lifted = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0)
		goto out;
	if ((rc = member(c, practice_id, user_id, &m)) != 0 ||
	    (rc = clear_throttle(c, &m, &n)) != 0 ||
	    (n > 0 && (rc = audit_change(c, who, practice_id, user_id,
	    "{\"lockout\":\"lifted\"}")) != 0) ||
	    (rc = db_commit(c)) != 0)
		db_rollback(c);
	else
		*lifted = n > 0;
out:
	db_release(c);
	return rc;
}

/* Whether m is locked out now, and m's latest deactivation. */
static int
member_state(struct db_conn *c, int64_t pid, int64_t now,
    struct staff_member *m)
{
	char akey[300], mkey[40];
	struct db_stmt *s;
	int rc;

	snprintf(akey, sizeof(akey), "acct:%s", m->email);
	snprintf(mkey, sizeof(mkey), "mfa:%lld", (long long)m->id);
	if ((rc = db_prepare(c, &s, "SELECT count(*) FROM auth_throttle WHERE "
	    "(key = ? OR key = ?) AND locked_until > ?")) != 0)
		return rc;
	db_bind_text(s, 1, akey);
	db_bind_text(s, 2, mkey);
	db_bind_i64(s, 3, now);
	if ((rc = db_step(s)) == DB_ROW)
		m->locked = db_col_i64(s, 0) > 0;
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT count(*) FROM mfa WHERE user_id = "
	    "? AND status = 'active'")) != 0)
		return rc;
	db_bind_i64(s, 1, m->id);
	if ((rc = db_step(s)) == DB_ROW)
		m->has_mfa = db_col_i64(s, 0) > 0;
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT employment_ended_at, "
	    "access_removed_at FROM deactivations WHERE practice_id = ? AND "
	    "user_id = ? ORDER BY access_removed_at DESC, id DESC LIMIT 1")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, m->id);
	if ((rc = db_step(s)) == DB_ROW) {
		m->employment_ended_at = db_col_i64(s, 0);
		m->access_removed_at = db_col_i64(s, 1);
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
staff_member_get(struct db *db, int64_t practice_id, int64_t user_id,
    int64_t now, struct staff_member *m)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = member(c, practice_id, user_id, m)) == 0)
		rc = member_state(c, practice_id, now, m);
	db_release(c);
	return rc;
}

#define HISTORY_SQL "SELECT r.changed_at, r.roles_before, r.roles_after, " \
	"u.display_name, r.reason FROM role_changes r LEFT JOIN users u ON " \
	"u.id = r.changed_by WHERE r.practice_id = ? AND r.user_id = ? " \
	"ORDER BY r.changed_at DESC, r.id DESC"

int
staff_role_history(struct db *db, struct arena *a, int64_t practice_id,
    int64_t user_id, struct role_change_row **rows, size_t *n)
{
	struct role_change_row *r;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((*rows = arena_alloc(a, HISTORY_MAX * sizeof(**rows))) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, HISTORY_SQL)) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, user_id);
		while (*n < HISTORY_MAX && (rc = db_step(s)) == DB_ROW) {
			r = &(*rows)[(*n)++];
			r->changed_at = db_col_i64(s, 0);
			r->before = arena_strdup(a, db_col_text(s, 1));
			r->after = arena_strdup(a, db_col_text(s, 2));
			r->by = db_col_is_null(s, 3) ? NULL :
			    arena_strdup(a, db_col_text(s, 3));
			r->reason = arena_strdup(a, db_col_text(s, 4));
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

static int
offboard_read(struct db_conn *c, int64_t pid, int64_t uid, unsigned *mask,
    int64_t done_at[OFFBOARD_ITEMS])
{
	struct db_stmt *s;
	size_t i;
	int rc;

	*mask = 0;
	memset(done_at, 0, OFFBOARD_ITEMS * sizeof(done_at[0]));
	if ((rc = db_prepare(c, &s, "SELECT item, done_at FROM "
	    "offboarding_items WHERE practice_id = ? AND user_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	while ((rc = db_step(s)) == DB_ROW)
		for (i = 0; i < OFFBOARD_ITEMS; i++)
			if (strcmp(db_col_text(s, 0), offboard[i].key) == 0) {
				*mask |= 1u << i;
				done_at[i] = db_col_i64(s, 1);
			}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
offboard_get(struct db *db, int64_t practice_id, int64_t user_id,
    unsigned *mask, int64_t done_at[OFFBOARD_ITEMS])
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = offboard_read(c, practice_id, user_id, mask, done_at);
	db_release(c);
	return rc;
}

/* Ticks (on) or unticks item i. */
static int
offboard_set(struct db_conn *c, int64_t pid, int64_t uid, size_t i, int on,
    int64_t actor, int64_t now)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, on ? "INSERT INTO offboarding_items "
	    "(practice_id, user_id, item, done_at, done_by) VALUES (?, ?, ?, "
	    "?, ?)" : "DELETE FROM offboarding_items WHERE practice_id = ? AND "
	    "user_id = ? AND item = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	db_bind_text(s, 3, offboard[i].key);
	if (on) {
		db_bind_i64(s, 4, now);
		if (actor > 0)
			db_bind_i64(s, 5, actor);
		else
			db_bind_null(s, 5);
	}
	return run(s, NULL);
}

/* Applies mask over what is stored; the audit detail lists the result. */
static int
offboard_txn(struct db_conn *c, int64_t pid, int64_t uid, unsigned mask,
    const struct audit_event *who)
{
	int64_t done_at[OFFBOARD_ITEMS], now = time_now_ms();
	char detail[200];
	struct staff_member m;
	unsigned have;
	size_t i, len;
	int rc;

	if ((rc = member(c, pid, uid, &m)) != 0 ||
	    (rc = offboard_read(c, pid, uid, &have, done_at)) != 0)
		return rc;
	len = (size_t)snprintf(detail, sizeof(detail), "{\"offboarding\":\"");
	for (i = 0; i < OFFBOARD_ITEMS; i++) {
		if (((have ^ mask) >> i) & 1u &&
		    (rc = offboard_set(c, pid, uid, i, (mask >> i) & 1u,
		    who ? who->actor_user_id : 0, now)) != 0)
			return rc;
		if ((mask >> i) & 1u)
			len += (size_t)snprintf(detail + len, sizeof(detail) - len,
			    "%s%s", len > 16 ? "," : "", offboard[i].key);
	}
	snprintf(detail + len, sizeof(detail) - len, "\"}");
	return have == mask ? 0 : audit_change(c, who, pid, uid, detail);
}

int
offboard_save(struct db *db, int64_t practice_id, int64_t user_id,
    unsigned mask, const struct audit_event *who)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = offboard_txn(c, practice_id,
	    user_id, mask, who)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

/* "HH:MM" as seconds since midnight; -1 if malformed. */
static int
parse_hhmm(const char *t)
{
	int h, m;

	if (t == NULL || strlen(t) != 5 || t[2] != ':' ||
	    sscanf(t, "%2d:%2d", &h, &m) != 2 || h < 0 || h > 23 || m < 0 ||
	    m > 59)
		return -1;
	return h * 3600 + m * 60;
}

int
staff_local_time(struct db *db, int64_t practice_id, const char *date,
    const char *time, int64_t *ms)
{
	char tz[80];
	struct caldate d;
	struct db_conn *c;
	int64_t local, t;
	int32_t off = 0;
	int secs = parse_hhmm(time), rc;

	if (caldate_parse(date, &d) != 0 || secs < 0)
		return ALC_EINVAL;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = compliance_practice_zone(c, practice_id, tz, sizeof(tz));
	db_release(c);
	if (rc != 0)
		return rc;
	local = caldate_to_days(d) * 86400 + secs;
	/* The offset at the guess, then at the corrected time: right except
	 * in the hour a DST change skips or repeats. */
	if ((rc = caldate_utc_offset(tz, local, &off)) != 0 ||
	    (rc = caldate_utc_offset(tz, local - off, &off)) != 0)
		return rc;
	t = local - off;
	*ms = t * 1000;
	return 0;
}
