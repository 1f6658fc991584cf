/*
 * staff_link.c - which staff account a "staff member as patient" record
 * belongs to (patients.staff_user_id, migration 0025), for the audit
 * review's own-chart and colleague's-chart flags
 * (core/audit_view/review_access.c).
 *
 * Owners and administrators set it on the patient form.  The link is only
 * kept on a record flagged staff_patient and only to a member of the same
 * practice; setting it is an UPDATE of the patient with its audit event in
 * the same transaction (detail names the field, never the value's person).
 */
#include "core/patients/patients.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

int
patients_staff_link_get(struct db *db, int64_t practice_id,
    int64_t patient_id, int64_t *user_id)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*user_id = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT staff_user_id FROM patients WHERE "
	    "id = ? AND practice_id = ?")) == 0) {
		if ((rc = db_bind_i64(s, 1, patient_id)) == 0 &&
		    (rc = db_bind_i64(s, 2, practice_id)) == 0 &&
		    (rc = db_step(s)) == DB_ROW && !db_col_is_null(s, 0))
			*user_id = db_col_i64(s, 0);
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}

/* ALC_EINVAL unless uid is 0 or a member of the practice and the record
 * is flagged staff_patient. */
static int
link_allowed(struct db_conn *c, int64_t pid, int64_t patient_id, int64_t uid)
{
	struct db_stmt *s;
	int rc, ok = 0;

	if (uid == 0)
		return 0;
	if ((rc = db_prepare(c, &s, "SELECT 1 FROM patients p WHERE p.id = ? "
	    "AND p.practice_id = ? AND p.staff_patient = 1 AND EXISTS (SELECT 1 "
	    "FROM memberships m WHERE m.practice_id = p.practice_id AND "
	    "m.user_id = ?)")) != 0)
		return rc;
	if ((rc = db_bind_i64(s, 1, patient_id)) == 0 &&
	    (rc = db_bind_i64(s, 2, pid)) == 0 &&
	    (rc = db_bind_i64(s, 3, uid)) == 0)
		ok = (rc = db_step(s)) == DB_ROW;
	db_stmt_done(s);
	return rc < 0 ? rc : ok ? 0 : ALC_EINVAL;
}

int
patients_staff_link_set(struct db *db, int64_t practice_id,
    int64_t patient_id, int64_t user_id, struct audit_event *who)
{
	char oid[24];
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0 ||
	    (rc = link_allowed(c, practice_id, patient_id, user_id)) != 0 ||
	    (rc = db_prepare(c, &s, "UPDATE patients SET staff_user_id = ? "
	    "WHERE id = ? AND practice_id = ?")) != 0)
		goto out;
	if ((rc = user_id ? db_bind_i64(s, 1, user_id) : db_bind_null(s, 1)) ==
	    0 && (rc = db_bind_i64(s, 2, patient_id)) == 0 &&
	    (rc = db_bind_i64(s, 3, practice_id)) == 0 &&
	    (rc = db_step(s)) >= 0 && db_changes(s) != 1)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	if (rc < 0)
		goto out;
	snprintf(oid, sizeof(oid), "%lld", (long long)patient_id);
	who->verb = "UPDATE";
	who->object_type = "patient";
	who->object_id = oid;
	who->patient_id = patient_id;
	who->detail = "{\"fields\":[\"staff_user_id\"]}";
	if ((rc = audit_write(c, who)) == 0)
		rc = db_commit(c);
out:
	if (rc < 0)
		db_rollback(c);
	db_release(c);
	return rc < 0 ? rc : 0;
}

int
patients_staff_choices(struct db *db, struct arena *a, int64_t practice_id,
    struct patient_staff_choice **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	size_t cap = 64;
	int rc;

	*n = 0;
	if ((*out = arena_alloc(a, cap * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT DISTINCT u.id, u.display_name "
	    "FROM users u JOIN memberships m ON m.user_id = u.id WHERE "
	    "m.practice_id = ? ORDER BY u.display_name, u.id")) == 0) {
		if ((rc = db_bind_i64(s, 1, practice_id)) == 0)
			while (*n < cap && (rc = db_step(s)) == DB_ROW) {
				(*out)[*n].user_id = db_col_i64(s, 0);
				(*out)[(*n)++].name = arena_strdup(a,
				    db_col_text(s, 1));
			}
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}
