/*
 * admin.c - adding staff, changing roles, deactivating, access review.
 * See admin.h.
 *
 * An account (users) belongs to a person; deactivation disables the
 * account itself, in every practice, because it is the person who left.
 */
#include "core/users/admin.h"
#include "core/compliance/compliance.h"
#include "core/practice/practice.h"
#include "core/users/users.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void
roles_format(unsigned roles, char *dst, size_t dstsz)
{
	size_t n = 0;
	unsigned bit;

	dst[0] = '\0';
	for (bit = 1; bit != 0 && bit <= ROLE_COMPLIANCE; bit <<= 1)
		if ((roles & bit) && role_name(bit) != NULL)
			n += (size_t)snprintf(dst + n, n < dstsz ? dstsz - n : 0,
			    "%s%s", n ? "," : "", role_name(bit));
}

unsigned
roles_parse_list(const char *list)
{
	char buf[128], *tok, *save = NULL;
	unsigned roles = 0;

	snprintf(buf, sizeof(buf), "%s", list != NULL ? list : "");
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		roles |= role_parse(tok);
	return roles;
}

static int
exec1(struct db_conn *c, const char *sql, int64_t a, int64_t b, int64_t d)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, 1, a);
	db_bind_i64(s, 2, b);
	if (d != INT64_MIN)
		db_bind_i64(s, 3, d);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The user's roles in the practice. */
int
users_roles_in(struct db_conn *c, int64_t pid, int64_t uid, unsigned *roles)
{
	struct db_stmt *s;
	int rc;

	*roles = 0;
	if ((rc = db_prepare(c, &s, "SELECT role FROM memberships WHERE "
	    "practice_id = ? AND user_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	while ((rc = db_step(s)) == DB_ROW)
		*roles |= role_parse(db_col_text(s, 0));
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
users_other_owners(struct db_conn *c, int64_t pid, int64_t uid, int64_t *n)
{
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, "SELECT count(*) FROM memberships m JOIN "
	    "users u ON u.id = m.user_id WHERE m.practice_id = ? AND m.role = "
	    "'owner' AND m.user_id <> ? AND u.status = 'active'")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	if ((rc = db_step(s)) == DB_ROW)
		*n = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int64_t
actor_of(const struct audit_event *who)
{
	return who != NULL ? who->actor_user_id : 0;
}

int
users_audit_object(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t pid, const char *object_type, int64_t object_id,
    const char *reason, const char *detail)
{
	struct audit_event ev;
	char id[24];

	if (who != NULL)
		ev = *who;
	else {
		memset(&ev, 0, sizeof(ev));
		ev.actor_role = "system";
		ev.user_agent = "alcove command line";
	}
	snprintf(id, sizeof(id), "%lld", (long long)object_id);
	ev.verb = verb;
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = object_type;
	ev.object_id = id;
	ev.reason = reason;
	ev.detail = detail;
	return audit_write(c, &ev);
}

int
users_audit_change(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t pid, int64_t uid, const char *reason,
    const char *detail)
{
	return users_audit_object(c, who, verb, pid, "user", uid, reason,
	    detail);
}

static int
grant(struct db_conn *c, int64_t pid, int64_t uid, unsigned before,
    unsigned after, const struct audit_event *who, const char *reason)
{
	char detail[300];
	int64_t actor = actor_of(who);
	char rb[128], ra[128];
	struct db_stmt *s;
	int64_t now = time_now_ms();
	unsigned bit;
	int rc;

	if ((rc = exec1(c, "DELETE FROM memberships WHERE practice_id = ? AND "
	    "user_id = ?", pid, uid, INT64_MIN)) != 0)
		return rc;
	for (bit = 1; bit != 0 && bit <= ROLE_COMPLIANCE; bit <<= 1) {
		if (!(after & bit))
			continue;
		if ((rc = db_prepare(c, &s, "INSERT INTO memberships (practice_id, "
		    "user_id, role, created_at) VALUES (?, ?, ?, ?)")) != 0)
			return rc;
		db_bind_i64(s, 1, pid);
		db_bind_i64(s, 2, uid);
		db_bind_text(s, 3, role_name(bit));
		db_bind_i64(s, 4, now);
		rc = db_step(s);
		db_stmt_done(s);
		if (rc < 0)
			return rc;
	}
	roles_format(before, rb, sizeof(rb));
	roles_format(after, ra, sizeof(ra));
	if ((rc = db_prepare(c, &s, "INSERT INTO role_changes (practice_id, "
	    "user_id, roles_before, roles_after, changed_by, reason, changed_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	db_bind_text(s, 3, rb);
	db_bind_text(s, 4, ra);
	if (actor > 0)
		db_bind_i64(s, 5, actor);
	else
		db_bind_null(s, 5);
	db_bind_text(s, 6, reason);
	db_bind_i64(s, 7, now);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"roles_before\":\"%s\","
	    "\"roles_after\":\"%s\"}", rb, ra);
	return users_audit_change(c, who, "PRIV_CHANGE", pid, uid, reason,
	    detail);
}

static void
lower(const char *in, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < outsz; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

static int
find_in(struct db_conn *c, const char *email, int64_t *uid)
{
	char e[256];
	struct db_stmt *s;
	int rc;

	*uid = 0;
	lower(email, e, sizeof(e));
	if ((rc = db_prepare(c, &s, "SELECT id FROM users WHERE email = ?"))
	    != 0)
		return rc;
	db_bind_text(s, 1, e);
	if ((rc = db_step(s)) == DB_ROW)
		*uid = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : *uid ? 0 : ALC_ENOTFOUND;
}

int
users_find(struct db *db, int64_t practice_id, const char *email,
    int64_t *user_id)
{
	struct db_conn *c;
	unsigned roles = 0;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = find_in(c, email, user_id)) == 0 &&
	    (rc = users_roles_in(c, practice_id, *user_id, &roles)) == 0 && !roles)
		rc = ALC_ENOTFOUND;
	db_release(c);
	return rc;
}

static int
insert_user(struct db_conn *c, const struct user_add *ua, int64_t *uid)
{
	char e[256];
	struct db_stmt *s;
	int64_t now = time_now_ms();
	int rc;

	lower(ua->email, e, sizeof(e));
	if ((rc = db_prepare(c, &s, "INSERT INTO users (email, display_name, "
	    "password_hash, created_at, updated_at, password_changed_at) VALUES "
	    "(?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_text(s, 1, e);
	db_bind_text(s, 2, ua->name);
	db_bind_text(s, 3, ua->pw_hash);
	db_bind_i64(s, 4, now);
	db_bind_i64(s, 5, now);
	if (ua->pw_hash)
		db_bind_i64(s, 6, now);
	else
		db_bind_null(s, 6);
	if ((rc = db_step(s)) == DB_ROW)
		*uid = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_EDB;
}

int
users_add_in(struct db_conn *c, int64_t pid, const struct user_add *ua,
    int64_t *uid, struct alc_err *err)
{
	unsigned have = 0;
	int rc;

	rc = find_in(c, ua->email, uid);
	if (rc == ALC_ENOTFOUND)
		rc = insert_user(c, ua, uid);
	else if (rc == 0 && (rc = users_roles_in(c, pid, *uid, &have)) == 0 &&
	    have)
		return alc_err_set_user(err, ALC_EEXIST, "This person is already "
		    "a member of the practice; change their roles instead.",
		    "user %lld already in practice %lld", (long long)*uid,
		    (long long)pid);
	if (rc != 0)
		return rc;
	return grant(c, pid, *uid, 0, ua->roles, ua->who, ua->reason);
}

int
users_add_check(const struct user_add *ua, struct alc_err *err)
{
	if (!practice_email_ok(ua->email))
		return alc_err_set_user(err, ALC_EINVAL, "Enter a valid e-mail "
		    "address.", "bad e-mail");
	if (ua->name == NULL || ua->name[0] == '\0' || strlen(ua->name) > 200)
		return alc_err_set_user(err, ALC_EINVAL, "Enter the person's name "
		    "(up to 200 characters).", "bad name");
	if (ua->roles == 0 || ua->reason == NULL || ua->reason[0] == '\0')
		return alc_err_set_user(err, ALC_EINVAL, "Choose at least one "
		    "role and say why the person needs access.", "no roles");
	return 0;
}

int
users_add(struct db *db, int64_t practice_id, const struct user_add *ua,
    int64_t *user_id, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((rc = users_add_check(ua, err)) != 0)
		return rc;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = users_add_in(c, practice_id, ua, user_id, err)) == 0)
		rc = db_commit(c);
	if (rc != 0) {
		if (err != NULL && err->code != rc)
			alc_err_set(err, rc, "adding user: %s", db_errmsg(c));
		db_rollback(c);
	}
	db_release(c);
	return rc;
}

#define END_SESSIONS "UPDATE sessions SET ended_at = ?, end_reason = ? " \
	"WHERE user_id = ? AND ended_at IS NULL"

int
users_end_sessions(struct db_conn *c, int64_t uid, const char *why,
    int64_t now)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, END_SESSIONS)) != 0)
		return rc;
	db_bind_i64(s, 1, now);
	db_bind_text(s, 2, why);
	db_bind_i64(s, 3, uid);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Refuses a change that would leave the practice without an owner. */
static int
keep_an_owner(struct db_conn *c, int64_t pid, int64_t uid, unsigned before,
    unsigned after, struct alc_err *err)
{
	int64_t others;
	int rc;

	if (!(before & ROLE_OWNER) || (after & ROLE_OWNER))
		return 0;
	if ((rc = users_other_owners(c, pid, uid, &others)) != 0)
		return rc;
	if (others == 0)
		return alc_err_set_user(err, ALC_ECONFLICT, "The practice needs "
		    "at least one owner: make someone else an owner first.",
		    "last owner");
	return 0;
}

static int
set_roles_in(struct db_conn *c, int64_t pid, int64_t uid, unsigned roles,
    const struct audit_event *who, const char *reason, struct alc_err *err)
{
	unsigned before;
	int rc;

	if ((rc = users_roles_in(c, pid, uid, &before)) != 0)
		return rc;
	if (before == 0)
		return alc_err_set(err, ALC_ENOTFOUND, "no such user here");
	if ((rc = keep_an_owner(c, pid, uid, before, roles, err)) != 0 ||
	    (rc = grant(c, pid, uid, before, roles, who, reason)) != 0)
		return rc;
	/* A change of privilege ends the sessions that carry the old one. */
	return before == roles ? 0 : users_end_sessions(c, uid, "revoked",
	    time_now_ms());
}

int
users_set_roles(struct db *db, int64_t practice_id, int64_t user_id,
    unsigned roles, const struct audit_event *who, const char *reason,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (roles == 0 || reason == NULL || reason[0] == '\0')
		return alc_err_set_user(err, ALC_EINVAL, "Choose at least one "
		    "role and say why.", "no roles or reason");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = set_roles_in(c, practice_id,
	    user_id, roles, who, reason, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
deactivate_in(struct db_conn *c, int64_t pid, int64_t uid, int64_t ended,
    const struct audit_event *who, const char *reason, int64_t now,
    struct alc_err *err)
{
	int64_t actor = actor_of(who);
	struct db_stmt *s;
	unsigned roles;
	size_t moved;
	int rc;

	if ((rc = users_roles_in(c, pid, uid, &roles)) != 0)
		return rc;
	if (roles == 0)
		return alc_err_set(err, ALC_ENOTFOUND, "no such user here");
	if ((rc = keep_an_owner(c, pid, uid, roles, 0, err)) != 0 ||
	    (rc = exec1(c, "UPDATE users SET status = 'disabled', updated_at = "
	    "? WHERE id = ?", now, uid, INT64_MIN)) != 0 ||
	    (rc = users_end_sessions(c, uid, "deactivated", now)) != 0 ||
	    (rc = compliance_hand_over(c, pid, uid, who, &moved)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "INSERT INTO deactivations (practice_id, "
	    "user_id, employment_ended_at, access_removed_at, deactivated_by, "
	    "reason) VALUES (?, ?, ?, ?, ?, ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	db_bind_i64(s, 3, ended);
	db_bind_i64(s, 4, now);
	if (actor > 0)
		db_bind_i64(s, 5, actor);
	else
		db_bind_null(s, 5);
	db_bind_text(s, 6, reason);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	return users_audit_change(c, who, "USER_CHANGE", pid, uid, reason,
	    "{\"status\":\"disabled\",\"sessions\":\"ended\"}");
}

int
users_deactivate(struct db *db, int64_t practice_id, int64_t user_id,
    int64_t employment_ended_at, const struct audit_event *who,
    const char *reason, int64_t *delay_ms, struct alc_err *err)
{
	int64_t now = time_now_ms();
	struct db_conn *c;
	int rc;

	if (reason == NULL || reason[0] == '\0')
		return alc_err_set_user(err, ALC_EINVAL, "Say why the access "
		    "ends (for example: left the practice).", "no reason");
	if (employment_ended_at == 0 || employment_ended_at > now)
		employment_ended_at = now;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = deactivate_in(c, practice_id,
	    user_id, employment_ended_at, who, reason, now, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	*delay_ms = now - employment_ended_at;
	return rc;
}

#define REVIEW_SQL "SELECT u.id, u.email, u.display_name, u.status, " \
	"u.created_at, u.password_changed_at, (SELECT max(s.created_at) FROM " \
	"sessions s WHERE s.user_id = u.id), m.role, (SELECT su.display_name " \
	"FROM supervision v JOIN users su ON su.id = v.supervisor_id WHERE " \
	"v.practice_id = m.practice_id AND v.supervisee_id = u.id) FROM users " \
	"u JOIN memberships m ON m.user_id = u.id WHERE m.practice_id = ? " \
	"ORDER BY u.display_name, u.id"

static void
copy_text(char *dst, size_t n, struct db_stmt *s, int col)
{
	const char *v = db_col_text(s, col);

	snprintf(dst, n, "%s", v ? v : "");
}

int
users_review(struct db *db, int64_t practice_id, struct user_row *rows,
    size_t max, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	struct user_row *r = NULL;
	int rc;

	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, REVIEW_SQL)) == 0) {
		db_bind_i64(s, 1, practice_id);
		/* One row per role: fold them into one row per user. */
		while ((rc = db_step(s)) == DB_ROW) {
			if (r == NULL || r->id != db_col_i64(s, 0)) {
				if (*n == max)
					break;
				r = &rows[(*n)++];
				memset(r, 0, sizeof(*r));
				r->id = db_col_i64(s, 0);
				copy_text(r->email, sizeof(r->email), s, 1);
				copy_text(r->name, sizeof(r->name), s, 2);
				r->active = strcmp(db_col_text(s, 3), "active") == 0;
				r->created_at = db_col_i64(s, 4);
				r->password_changed_at = db_col_i64(s, 5);
				r->last_login_at = db_col_i64(s, 6);
				copy_text(r->supervisor, sizeof(r->supervisor),
				    s, 8);
			}
			r->roles |= role_parse(db_col_text(s, 7));
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}
