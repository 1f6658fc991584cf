/*
 * waitlist.c - who is waiting for a slot, and who sits in a group: the
 * two ways a free place on the calendar gets filled.  See scheduling.h.
 *
 * A waitlist entry says which clinician (or anyone), which weekdays and
 * which hours would suit a patient.  Matching is plain C over the active
 * entries (a practice has tens of them, not thousands): an entry fits a
 * slot when its clinician is one of the slot's (or it takes anyone), the
 * slot's weekday is one of its days, and the slot lies inside its hours.
 * Entries are never deleted; removing one keeps the row with its reason
 * (0021_sched_more.sql).  The note may be PHI, so it is sealed
 * (purpose general, AD sched_waitlist/note/id) in the transaction that
 * inserts the row.  Every change writes its audit event (object
 * "waitlist", the patient) in the same transaction; the reason for a
 * removal stays on the row, out of the audit detail, which holds no PHI.
 *
 * Group members leave through sched_remove_patient, audited as joining is
 * (move.c): UPDATE on the appointment, one event per patient.
 */
#include "core/scheduling/sched_impl.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/keys/keystore.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#define MAX_WAITING 500
#define NOTE_MAX 1000

static int
audit_wait(struct db_conn *c, const struct audit_event *who, int64_t pid,
    const char *verb, int64_t id, int64_t patient, const char *detail)
{
	struct audit_event ev;
	char oid[24];

	memset(&ev, 0, sizeof(ev));
	if (who != NULL)
		ev = *who;
	else
		ev.actor_role = "system";
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	ev.verb = verb;
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = "waitlist";
	ev.object_id = oid;
	ev.patient_id = patient;
	ev.detail = detail;
	return audit_write(c, &ev);
}

static int
wait_valid(const struct sched_wait *w, struct alc_err *err)
{
	size_t i, ones = 0;

	if (w->patient_id <= 0)
		return alc_err_set_user(err, ALC_EINVAL, "Find the patient and "
		    "choose them.", "patient");
	for (i = 0; i < 7; i++) {
		if (w->days[i] != '0' && w->days[i] != '1')
			return ALC_EINVAL;
		ones += w->days[i] == '1';
	}
	if (ones == 0 || w->days[7] != '\0')
		return alc_err_set_user(err, ALC_EINVAL, "Choose at least one "
		    "day of the week.", "days");
	if (w->earliest_min < 0 || w->latest_min > 1440 ||
	    w->latest_min <= w->earliest_min)
		return alc_err_set_user(err, ALC_EINVAL, "The earliest time must "
		    "come before the latest.", "times");
	if (w->since.y != 0 && !caldate_valid(w->since))
		return alc_err_set_user(err, ALC_EINVAL, "Waiting since: give a "
		    "date.", "since");
	if (w->note != NULL && strlen(w->note) > NOTE_MAX)
		return alc_err_set_user(err, ALC_EINVAL, "Keep the note under "
		    "1000 characters.", "note");
	return 0;
}

/* ALC_EEXIST when the patient already waits for that clinician. */
static int
already_waiting(struct db_conn *c, int64_t pid, const struct sched_wait *w)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT id FROM sched_waitlist WHERE "
	    "practice_id = ? AND patient_id = ? AND COALESCE(clinician_id, 0) "
	    "= ? AND active = 1")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, w->patient_id);
	db_bind_i64(s, 3, w->clinician_id);
	rc = db_step(s);
	db_stmt_done(s);
	return rc == DB_ROW ? ALC_EEXIST : rc < 0 ? rc : 0;
}

static int
insert_wait(struct db_conn *c, int64_t pid, const struct sched_wait *w,
    int64_t *id)
{
	char since[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO sched_waitlist (practice_id, "
	    "patient_id, clinician_id, days, earliest_min, latest_min, "
	    "since_date, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
	    "RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, w->patient_id);
	if (w->clinician_id > 0)
		db_bind_i64(s, 3, w->clinician_id);
	else
		db_bind_null(s, 3);
	db_bind_text(s, 4, w->days);
	db_bind_i64(s, 5, w->earliest_min);
	db_bind_i64(s, 6, w->latest_min);
	db_bind_text(s, 7, w->since.y ? caldate_format(w->since, since) : NULL);
	db_bind_i64(s, 8, time_now_ms());
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_EDB;
}

static int
seal_note(struct db_conn *c, struct keystore *ks, int64_t pid, int64_t id,
    const char *note)
{
	struct field_ref ref = {pid, KS_GENERAL, "sched_waitlist", "note", id};
	struct db_stmt *s;
	struct buf ct;
	int rc;

	if (note == NULL || note[0] == '\0')
		return 0;
	buf_init(&ct, NULL);
	if ((rc = keystore_seal(ks, &ref, note, strlen(note), &ct)) != 0)
		goto out;
	if ((rc = db_prepare(c, &s, "UPDATE sched_waitlist SET note = ? WHERE "
	    "id = ?")) != 0)
		goto out;
	db_bind_blob(s, 1, ct.data, ct.len);
	db_bind_i64(s, 2, id);
	rc = db_step(s);
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	buf_free(&ct);
	return rc;
}

int
sched_waitlist_add(struct db *db, struct keystore *ks, int64_t practice_id,
    const struct sched_wait *w, const struct audit_event *who, int64_t *id,
    struct alc_err *err)
{
	struct sched_booking b;
	struct db_conn *c;
	int rc;

	*id = 0;
	if ((rc = wait_valid(w, err)) != 0)
		return rc;
	memset(&b, 0, sizeof(b));
	b.patients = &w->patient_id;
	b.npatients = 1;
	b.clinicians = &w->clinician_id;
	b.nclinicians = w->clinician_id > 0 ? 1 : 0;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0 ||
	    (rc = sched_check_refs(c, practice_id, &b, err)) != 0 ||
	    (rc = already_waiting(c, practice_id, w)) != 0 ||
	    (rc = insert_wait(c, practice_id, w, id)) != 0 ||
	    (rc = seal_note(c, ks, practice_id, *id, w->note)) != 0 ||
	    (rc = audit_wait(c, who, practice_id, "CREATE", *id, w->patient_id,
	    NULL)) != 0)
		goto out;
	rc = db_commit(c);
out:
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	if (rc == ALC_EEXIST)
		alc_err_set_user(err, rc, "That patient is already on the "
		    "waitlist for that clinician.", "dup");
	return rc;
}

static void
read_wait(struct db_stmt *s, struct keystore *ks, struct arena *a,
    int64_t pid, struct sched_wait *x)
{
	const char *t;
	const void *ct;
	size_t n = 0;

	memset(x, 0, sizeof(*x));
	x->id = db_col_i64(s, 0);
	x->patient_id = db_col_i64(s, 1);
	x->clinician_id = db_col_is_null(s, 2) ? 0 : db_col_i64(s, 2);
	t = db_col_text(s, 3);
	snprintf(x->days, sizeof(x->days), "%s", t ? t : "1111111");
	x->earliest_min = (int)db_col_i64(s, 4);
	x->latest_min = (int)db_col_i64(s, 5);
	if ((t = db_col_text(s, 6)) != NULL)
		caldate_parse(t, &x->since);
	x->created_at = db_col_i64(s, 7);
	if (ks != NULL && (ct = db_col_blob(s, 8, &n)) != NULL && n > 0) {
		struct field_ref ref = {pid, KS_GENERAL, "sched_waitlist",
		    "note", x->id};
		struct buf pt;
		buf_init(&pt, a);
		if (keystore_open_field(ks, &ref, ct, n, &pt) == 0 &&
		    !buf_failed(&pt))
			x->note = buf_cstr(&pt);
	}
}

int
sched_waitlist_list(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, struct sched_wait **out, size_t *n)
{
	struct sched_wait *v;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((v = arena_alloc(a, MAX_WAITING * sizeof(*v))) == NULL)
		return ALC_ENOMEM;
	*out = v;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT id, patient_id, clinician_id, "
	    "days, earliest_min, latest_min, since_date, created_at, note FROM "
	    "sched_waitlist WHERE practice_id = ? AND active = 1 ORDER BY "
	    "COALESCE(since_date, '9999'), created_at, id")) == 0) {
		db_bind_i64(s, 1, practice_id);
		while ((rc = db_step(s)) == DB_ROW && *n < MAX_WAITING)
			read_wait(s, ks, a, practice_id, &v[(*n)++]);
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

/* The patient of active entry id; ALC_ENOTFOUND. */
static int
entry_patient(struct db_conn *c, int64_t pid, int64_t id, int64_t *patient)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT patient_id FROM sched_waitlist "
	    "WHERE id = ? AND practice_id = ? AND active = 1")) != 0)
		return rc;
	db_bind_i64(s, 1, id);
	db_bind_i64(s, 2, pid);
	if ((rc = db_step(s)) == DB_ROW)
		*patient = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_ENOTFOUND;
}

int
sched_waitlist_remove(struct db *db, int64_t practice_id, int64_t id,
    const char *reason, const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c;
	struct db_stmt *s;
	int64_t patient = 0;
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	/* Another practice's entry is not found, whatever the reason. */
	if ((rc = db_begin(c)) != 0 ||
	    (rc = entry_patient(c, practice_id, id, &patient)) != 0)
		goto out;
	if (reason == NULL || reason[0] == '\0' || strlen(reason) > 500) {
		rc = alc_err_set_user(err, ALC_EINVAL, "Give the reason for "
		    "taking them off the waitlist.", "reason");
		goto out;
	}
	if ((rc = db_prepare(c, &s, "UPDATE sched_waitlist SET active = 0, "
	    "removed_reason = ?, removed_at = ?, removed_by = ? WHERE id = ? "
	    "AND practice_id = ?")) != 0)
		goto out;
	db_bind_text(s, 1, reason);
	db_bind_i64(s, 2, time_now_ms());
	if (who != NULL && who->actor_user_id > 0)
		db_bind_i64(s, 3, who->actor_user_id);
	else
		db_bind_null(s, 3);
	db_bind_i64(s, 4, id);
	db_bind_i64(s, 5, practice_id);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0 || (rc = audit_wait(c, who, practice_id, "UPDATE", id,
	    patient, "{\"removed\":true}")) != 0)
		goto out;
	rc = db_commit(c);
out:
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

int
sched_waitlist_fits(const struct sched_wait *w, const int64_t *clin,
    size_t nclin, struct caldate d, int start_min, int minutes)
{
	size_t i;
	int ok = w->clinician_id == 0;

	for (i = 0; !ok && i < nclin; i++)
		ok = clin[i] == w->clinician_id;
	return ok && w->days[caldate_weekday(d)] == '1' &&
	    start_min >= w->earliest_min &&
	    start_min + minutes <= w->latest_min;
}

static int
remove_patient_in(struct db_conn *c, int64_t pid, int64_t appt, int64_t pat,
    struct alc_err *err)
{
	struct sched_row r;
	struct db_stmt *s;
	size_t i;
	int rc, found = 0;

	if ((rc = sched_load_row(c, pid, appt, &r)) != 0)
		return rc;
	for (i = 0; i < r.b.npatients; i++)
		found |= r.b.patients[i] == pat;
	if (!found)
		return alc_err_set_user(err, ALC_ENOTFOUND, "That patient is not "
		    "in this group.", "not in");
	if (r.b.npatients == 1)
		return alc_err_set_user(err, ALC_EINVAL, "The last patient cannot "
		    "leave: cancel the appointment instead.", "last");
	if ((rc = db_prepare(c, &s, "DELETE FROM appointment_patients WHERE "
	    "appointment_id = ? AND patient_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, appt);
	db_bind_i64(s, 2, pat);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
sched_remove_patient(struct db *db, int64_t practice_id, int64_t appt_id,
    int64_t patient_id, const struct audit_event *who, struct alc_err *err)
{
	struct audit_event ev;
	struct db_conn *c;
	char oid[24];
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0 || (rc = remove_patient_in(c, practice_id,
	    appt_id, patient_id, err)) != 0 ||
	    (rc = sched_audit_appt(c, who, "UPDATE", practice_id, appt_id,
	    NULL, "{\"patient\":\"removed\"}")) != 0)
		goto out;
	/* The patient who left: the others' events do not name them. */
	memset(&ev, 0, sizeof(ev));
	if (who != NULL)
		ev = *who;
	else
		ev.actor_role = "system";
	snprintf(oid, sizeof(oid), "%lld", (long long)appt_id);
	ev.verb = "UPDATE";
	ev.action = 0;
	ev.practice_id = practice_id;
	ev.object_type = "appointment";
	ev.object_id = oid;
	ev.patient_id = patient_id;
	ev.detail = "{\"patient\":\"removed\"}";
	if ((rc = audit_write(c, &ev)) == 0)
		rc = db_commit(c);
out:
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
