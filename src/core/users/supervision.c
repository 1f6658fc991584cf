/*
 * supervision.c - setting a clinician's supervisor from the staff pages.
 * See supervision.h.
 *
 * The supervision table keeps at most one row per (practice, supervisee):
 * a change deletes the old row and inserts the new one in one transaction
 * with its PRIV_CHANGE event.  Checks run inside that transaction, so a
 * supervisor who loses the role at the same moment cannot slip in.  The
 * supervisor's sessions are not ended: access to patients is decided on
 * every request from the table, so the change applies at once.
 */
#include "core/users/supervision.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#define CHOICES_SQL "SELECT u.id, u.display_name FROM users u JOIN " \
	"memberships m ON m.user_id = u.id WHERE m.practice_id = ? AND " \
	"m.role = 'supervisor' AND u.status = 'active' ORDER BY " \
	"u.display_name, u.id"

int
supervision_choices(struct db *db, int64_t practice_id,
    struct supervisor_choice *rows, size_t max, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, CHOICES_SQL)) == 0) {
		db_bind_i64(s, 1, practice_id);
		while (*n < max && (rc = db_step(s)) == DB_ROW) {
			rows[*n].id = db_col_i64(s, 0);
			snprintf(rows[*n].name, sizeof(rows[*n].name), "%s",
			    db_col_text(s, 1));
			(*n)++;
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

static int
current_in(struct db_conn *c, int64_t pid, int64_t uid, int64_t *sup,
    char *name, size_t namesz)
{
	struct db_stmt *s;
	int rc;

	*sup = 0;
	if (name != NULL)
		name[0] = '\0';
	if ((rc = db_prepare(c, &s, "SELECT v.supervisor_id, u.display_name "
	    "FROM supervision v JOIN users u ON u.id = v.supervisor_id WHERE "
	    "v.practice_id = ? AND v.supervisee_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	if ((rc = db_step(s)) == DB_ROW) {
		*sup = db_col_i64(s, 0);
		if (name != NULL)
			snprintf(name, namesz, "%s", db_col_text(s, 1));
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
supervision_get(struct db *db, int64_t practice_id, int64_t user_id,
    int64_t *sup_id, char *name, size_t namesz)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = current_in(c, practice_id, user_id, sup_id, name, namesz);
	db_release(c);
	return rc;
}

/* 1 when sup is an active member of the practice with the supervisor
 * role. */
static int
is_supervisor(struct db_conn *c, int64_t pid, int64_t sup, int *yes)
{
	struct db_stmt *s;
	int rc;

	*yes = 0;
	if ((rc = db_prepare(c, &s, "SELECT 1 FROM memberships m JOIN users u "
	    "ON u.id = m.user_id WHERE m.practice_id = ? AND m.user_id = ? AND "
	    "m.role = 'supervisor' AND u.status = 'active'")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, sup);
	if ((rc = db_step(s)) == DB_ROW)
		*yes = 1;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Checks the change; 0 when it may be made, *before gets the current
 * supervisor. */
static int
check_in(struct db_conn *c, int64_t pid, int64_t uid, int64_t sup,
    int64_t *before, struct alc_err *err)
{
	unsigned roles;
	int ok = 1, rc;

	if ((rc = users_roles_in(c, pid, uid, &roles)) != 0)
		return rc;
	if (roles == 0)
		return ALC_ENOTFOUND;
	if (!(roles & (ROLE_CLINICIAN | ROLE_SUPERVISOR)))
		return alc_err_set_user(err, ALC_EINVAL, "Only a clinician can "
		    "have a supervisor: give them the clinician role first.",
		    "not a clinician");
	if (sup == uid)
		return alc_err_set_user(err, ALC_EINVAL, "Nobody can supervise "
		    "themselves.", "self");
	if (sup > 0 && (rc = is_supervisor(c, pid, sup, &ok)) != 0)
		return rc;
	if (!ok)
		return alc_err_set_user(err, ALC_EINVAL, "Choose someone who "
		    "holds the supervisor role in this practice.", "no role");
	if ((rc = current_in(c, pid, uid, before, NULL, 0)) != 0)
		return rc;
	if (*before == sup)
		return alc_err_set_user(err, ALC_ECONFLICT, sup ? "That is "
		    "already their supervisor." : "They have no supervisor.",
		    "unchanged");
	return 0;
}

static int
exec_ids(struct db_conn *c, const char *sql, int64_t a, int64_t b,
    int64_t d)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, 1, a);
	db_bind_i64(s, 2, b);
	if (d != 0) {
		db_bind_i64(s, 3, d);
		db_bind_i64(s, 4, time_now_ms());
	}
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
set_in(struct db_conn *c, int64_t pid, int64_t uid, int64_t sup,
    const struct audit_event *who, const char *reason, struct alc_err *err)
{
	int64_t before = 0;
	char detail[96], now_s[24], was_s[24];
	int rc;

	if ((rc = check_in(c, pid, uid, sup, &before, err)) != 0)
		return rc;
	if ((rc = exec_ids(c, "DELETE FROM supervision WHERE practice_id = ? "
	    "AND supervisee_id = ?", pid, uid, 0)) != 0)
		return rc;
	if (sup > 0 && (rc = exec_ids(c, "INSERT INTO supervision (practice_id, "
	    "supervisee_id, supervisor_id, created_at) VALUES (?, ?, ?, ?)",
	    pid, uid, sup)) != 0)
		return rc;
	snprintf(now_s, sizeof(now_s), sup ? "%lld" : "null", (long long)sup);
	snprintf(was_s, sizeof(was_s), before ? "%lld" : "null",
	    (long long)before);
	snprintf(detail, sizeof(detail), "{\"supervisor\":%s,\"before\":%s}",
	    now_s, was_s);
	return users_audit_change(c, who, "PRIV_CHANGE", pid, uid, reason,
	    detail);
}

int
supervision_set(struct db *db, int64_t practice_id, int64_t user_id,
    int64_t supervisor_id, const struct audit_event *who, const char *reason,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (reason == NULL || reason[0] == '\0' || strlen(reason) > 256)
		return alc_err_set_user(err, ALC_EINVAL, "Say why the supervisor "
		    "changes (up to 256 characters).", "no reason");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = set_in(c, practice_id, user_id,
	    supervisor_id, who, reason, err)) == 0)
		rc = db_commit(c);
	if (rc != 0) {
		if (err != NULL && err->code != rc)
			alc_err_set(err, rc, "setting supervisor: %s",
			    db_errmsg(c));
		db_rollback(c);
	}
	db_release(c);
	return rc;
}
