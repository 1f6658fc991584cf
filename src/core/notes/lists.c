/*
 * lists.c - the co-sign queue, the notes-due list and supervision.  See
 * notes.h.
 *
 * "Notes due": a completed appointment the user was a clinician of, for
 * each of its patients, with no signed note tied to that appointment and
 * patient.  A draft is listed with it (draft_id) so the list links to it.
 */
#include "core/notes/notes_impl.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <string.h>

int
notes_cosign_queue(struct db *db, struct arena *a, int64_t practice_id,
    int64_t user_id, struct note **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	struct note *v;
	size_t cap = 64;
	int rc;

	*n = 0;
	if ((v = arena_alloc(a, cap * sizeof(*v))) == NULL)
		return ALC_ENOMEM;
	*out = v;
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT n.id, n.patient_id, u.display_name, "
	    "n.template_key, n.service_at, n.signed_at FROM notes n JOIN users "
	    "u ON u.id = n.author_id WHERE n.practice_id = ? AND "
	    "n.cosigner_id = ? AND n.status = 'cosign_pending' ORDER BY "
	    "n.signed_at")) != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	db_bind_i64(s, 2, user_id);
	while (*n < cap && (rc = db_step(s)) == DB_ROW) {
		struct note *x = &v[(*n)++];

		memset(x, 0, sizeof(*x));
		x->id = db_col_i64(s, 0);
		x->patient_id = db_col_i64(s, 1);
		x->author_name = arena_strdup(a, db_col_text(s, 2));
		x->template_key = arena_strdup(a, db_col_text(s, 3));
		x->service_at = db_col_i64(s, 4);
		x->signed_at = db_col_i64(s, 5);
		x->status = "cosign_pending";
	}
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	db_release(c);
	return rc;
}

int
notes_due(struct db *db, struct arena *a, int64_t practice_id,
    int64_t user_id, struct note_due **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	struct note_due *v;
	size_t cap = 200;
	int rc;

	*n = 0;
	if ((v = arena_alloc(a, cap * sizeof(*v))) == NULL)
		return ALC_ENOMEM;
	*out = v;
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT ap.id, p.patient_id, ap.start_at, "
	    "(SELECT max(d.id) FROM notes d WHERE d.appointment_id = ap.id AND "
	    "d.patient_id = p.patient_id) FROM appointments ap "
	    "JOIN appointment_clinicians k ON k.appointment_id = ap.id "
	    "JOIN appointment_patients p ON p.appointment_id = ap.id "
	    "WHERE ap.practice_id = ? AND k.user_id = ? AND ap.status = "
	    "'completed' AND NOT EXISTS (SELECT 1 FROM notes x WHERE "
	    "x.appointment_id = ap.id AND x.patient_id = p.patient_id AND "
	    "x.signed_at IS NOT NULL) ORDER BY ap.start_at, ap.id")) != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	db_bind_i64(s, 2, user_id);
	while (*n < cap && (rc = db_step(s)) == DB_ROW) {
		v[*n].appointment_id = db_col_i64(s, 0);
		v[*n].patient_id = db_col_i64(s, 1);
		v[*n].start_at = db_col_i64(s, 2);
		v[*n].draft_id = db_col_i64(s, 3);
		(*n)++;
	}
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	db_release(c);
	return rc;
}

static int
set_in(struct db_conn *c, int64_t pid, int64_t supervisee, int64_t sup,
    const struct audit_event *who)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "DELETE FROM supervision WHERE "
	    "practice_id = ? AND supervisee_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, supervisee);
	rc = db_step(s) == DB_DONE ? 0 : ALC_EDB;
	db_stmt_done(s);
	if (rc == 0 && sup > 0) {
		if ((rc = db_prepare(c, &s, "INSERT INTO supervision "
		    "(practice_id, supervisee_id, supervisor_id, created_at) "
		    "VALUES (?, ?, ?, ?)")) != 0)
			return rc;
		db_bind_i64(s, 1, pid);
		db_bind_i64(s, 2, supervisee);
		db_bind_i64(s, 3, sup);
		db_bind_i64(s, 4, time_now_ms());
		rc = db_step(s) == DB_DONE ? 0 : ALC_EDB;
		db_stmt_done(s);
	}
	if (rc != 0)
		return rc;
	return notes_audit(c, who, "PRIV_CHANGE", pid, "supervision",
	    supervisee, 0, NULL, sup > 0 ? "{\"supervisor\":\"set\"}" :
	    "{\"supervisor\":\"cleared\"}");
}

int
notes_set_supervisor(struct db *db, int64_t practice_id,
    int64_t supervisee_id, int64_t supervisor_id,
    const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (supervisee_id < 1 || supervisee_id == supervisor_id)
		return alc_err_set_user(err, ALC_EINVAL, "A clinician cannot "
		    "supervise themselves.", "bad supervision");
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = set_in(c, practice_id, supervisee_id, supervisor_id,
	    who)) == 0)
		rc = db_commit(c);
	if (rc != 0) {
		db_rollback(c);
		alc_err_set(err, rc, "setting supervisor: %s", db_errmsg(c));
	}
	db_release(c);
	return rc;
}

int
notes_from_appointment(struct db *db, struct arena *a,
    int64_t practice_id, int64_t appt_id, int64_t patient_id,
    struct note_new *nn)
{
	struct db_conn *c;
	struct db_stmt *s;
	const char *loc;
	int rc;

	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT ap.start_at, ap.end_at, "
	    "t.cpt_code, l.name, l.telehealth FROM appointments ap "
	    "JOIN appointment_patients p ON p.appointment_id = ap.id "
	    "LEFT JOIN sched_types t ON t.id = ap.type_id "
	    "LEFT JOIN sched_locations l ON l.id = ap.location_id "
	    "WHERE ap.id = ? AND ap.practice_id = ? AND p.patient_id = ?")) != 0)
		goto out;
	db_bind_i64(s, 1, appt_id);
	db_bind_i64(s, 2, practice_id);
	db_bind_i64(s, 3, patient_id);
	if ((rc = db_step(s)) == DB_ROW) {
		nn->appointment_id = appt_id;
		nn->patient_id = patient_id;
		nn->service_at = db_col_i64(s, 0);
		nn->minutes = (int)((db_col_i64(s, 1) - nn->service_at) / 60000);
		nn->cpt_code = db_col_text(s, 2) ?
		    arena_strdup(a, db_col_text(s, 2)) : NULL;
		loc = db_col_text(s, 3);
		nn->location = loc == NULL ? NULL : db_col_i64(s, 4) ?
		    arena_printf(a, "%s (telehealth)", loc) :
		    arena_strdup(a, loc);
		rc = 0;
	} else
		rc = rc == DB_DONE ? ALC_ENOTFOUND : rc;
	db_stmt_done(s);
out:
	db_release(c);
	return rc;
}
