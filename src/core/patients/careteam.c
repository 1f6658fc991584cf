/*
 * careteam.c - who treats a patient.  See patients.h.
 *
 * Membership is what gives a clinician or supervisor the chart, so every
 * change is audited as PRIV_CHANGE (a change of privilege, like a role
 * change) on object "care_team" with the patient's id; the detail names
 * the member and the team role.  Leaving sets removed_at and keeps the
 * row, so "who could see this chart last March" stays answerable.  At
 * most one live 'primary' per patient: naming a new one makes the old one
 * a plain 'clinician'.
 */
#include "core/patients/patients.h"
#include "core/patients/impl.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#define MAX_TEAM 200

static int
members(struct db *db, struct arena *a, const char *sql, int64_t x,
    int64_t y, struct care_member **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((*out = arena_alloc(a, (MAX_TEAM + 1) * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, sql)) == 0) {
		db_bind_i64(s, 1, x);
		if (y != INT64_MIN)
			db_bind_i64(s, 2, y);
		while (*n < MAX_TEAM && (rc = db_step(s)) == DB_ROW) {
			(*out)[*n].user_id = db_col_i64(s, 0);
			(*out)[*n].name = arena_strdup(a, db_col_text(s, 1));
			(*out)[*n].role = arena_strdup(a, db_col_text(s, 2));
			(*out)[*n].added_at = db_col_i64(s, 3);
			(*n)++;
		}
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}

int
patients_team(struct db *db, struct arena *a, int64_t pid, int64_t pat,
    struct care_member **out, size_t *n)
{
	return members(db, a, "SELECT t.user_id, u.display_name, t.role, "
	    "t.added_at FROM care_team t JOIN users u ON u.id = t.user_id WHERE "
	    "t.practice_id = ? AND t.patient_id = ? AND t.removed_at IS NULL "
	    "ORDER BY CASE t.role WHEN 'primary' THEN 0 ELSE 1 END, "
	    "u.display_name", pid, pat, out, n);
}

int
patients_team_candidates(struct db *db, struct arena *a, int64_t pid,
    struct care_member **out, size_t *n)
{
	return members(db, a, "SELECT DISTINCT u.id, u.display_name, m.role, 0 "
	    "FROM memberships m JOIN users u ON u.id = m.user_id WHERE "
	    "m.practice_id = ? AND m.role IN ('clinician', 'supervisor') AND "
	    "u.status = 'active' ORDER BY u.display_name, u.id", pid,
	    INT64_MIN, out, n);
}

static int
eligible(struct db_conn *c, int64_t pid, int64_t uid, int *yes)
{
	struct db_stmt *s;
	int rc;

	*yes = 0;
	if ((rc = db_prepare(c, &s, "SELECT 1 FROM memberships m JOIN users u "
	    "ON u.id = m.user_id WHERE m.practice_id = ? AND m.user_id = ? AND "
	    "m.role IN ('clinician', 'supervisor') AND u.status = 'active'")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	if ((rc = db_step(s)) == DB_ROW)
		*yes = 1;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
live_patient(struct db_conn *c, int64_t pid, int64_t pat)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT 1 FROM patients WHERE id = ? AND "
	    "practice_id = ? AND status <> 'merged'")) != 0)
		return rc;
	db_bind_i64(s, 1, pat);
	db_bind_i64(s, 2, pid);
	rc = db_step(s);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_ENOTFOUND;
}

static int
insert_member(struct db_conn *c, int64_t pid, int64_t pat, int64_t uid,
    const char *role, int64_t actor)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO care_team (practice_id, "
	    "patient_id, user_id, role, added_at, added_by) VALUES (?, ?, ?, ?, "
	    "?, ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, pat);
	db_bind_i64(s, 3, uid);
	db_bind_text(s, 4, role);
	db_bind_i64(s, 5, time_now_ms());
	if (actor > 0)
		db_bind_i64(s, 6, actor);
	else
		db_bind_null(s, 6);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
add_in(struct db_conn *c, int64_t pid, int64_t pat, int64_t uid,
    const char *role, const struct audit_event *who, struct alc_err *err)
{
	int64_t actor = who ? who->actor_user_id : 0;
	char detail[96];
	int yes, rc;

	if ((rc = eligible(c, pid, uid, &yes)) != 0)
		return rc;
	if (!yes)
		return alc_err_set_user(err, ALC_EINVAL, "Only active clinicians "
		    "and supervisors can be on a care team.", "not eligible");
	if ((rc = live_patient(c, pid, pat)) != 0)
		return rc;
	if (strcmp(role, "primary") == 0 && (rc = pt_exec(c, "UPDATE care_team "
	    "SET role = 'clinician' WHERE patient_id = ? AND role = 'primary' "
	    "AND removed_at IS NULL", pat, INT64_MIN, INT64_MIN)) != 0)
		return rc;
	/* Already a member: end that row, then add the new role. */
	if ((rc = pt_exec(c, "UPDATE care_team SET removed_at = ?, removed_by = "
	    "added_by WHERE patient_id = ? AND user_id = ? AND removed_at IS "
	    "NULL", time_now_ms(), pat, uid)) != 0 ||
	    (rc = insert_member(c, pid, pat, uid, role, actor)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"added\":%lld,\"role\":\"%s\"}",
	    (long long)uid, role);
	return pt_audit(c, who, "PRIV_CHANGE", pid, "care_team", pat, pat, NULL,
	    detail);
}

int
patients_team_add(struct db *db, int64_t pid, int64_t pat, int64_t uid,
    const char *role, const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (role == NULL || (strcmp(role, "primary") != 0 && strcmp(role,
	    "clinician") != 0 && strcmp(role, "supervisor") != 0))
		return alc_err_set_user(err, ALC_EINVAL, "Choose primary "
		    "clinician, clinician or supervisor.", "bad team role");
	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = add_in(c, pid, pat, uid, role, who, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
remove_in(struct db_conn *c, int64_t pid, int64_t pat, int64_t uid,
    const struct audit_event *who)
{
	struct db_stmt *s;
	char detail[64];
	int64_t n;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE care_team SET removed_at = ?, "
	    "removed_by = ? WHERE practice_id = ? AND patient_id = ? AND user_id "
	    "= ? AND removed_at IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, time_now_ms());
	if (who != NULL && who->actor_user_id > 0)
		db_bind_i64(s, 2, who->actor_user_id);
	else
		db_bind_null(s, 2);
	db_bind_i64(s, 3, pid);
	db_bind_i64(s, 4, pat);
	db_bind_i64(s, 5, uid);
	rc = db_step(s);
	n = rc >= 0 ? db_changes(s) : 0;
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if (n == 0)
		return ALC_ENOTFOUND;
	snprintf(detail, sizeof(detail), "{\"removed\":%lld}", (long long)uid);
	return pt_audit(c, who, "PRIV_CHANGE", pid, "care_team", pat, pat, NULL,
	    detail);
}

int
patients_team_remove(struct db *db, int64_t pid, int64_t pat, int64_t uid,
    const struct audit_event *who)
{
	struct db_conn *c;
	int rc;

	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = remove_in(c, pid, pat, uid, who)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
