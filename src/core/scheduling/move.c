/*
 * move.c - moving one occurrence, "this and following", group members.
 * See scheduling.h.
 *
 * A moved occurrence keeps its series id and index, so the series still
 * knows it (and a later "this and following" still reaches it), but gets
 * its own local date and time.  "This and following" cancels from the
 * chosen occurrence on, with the reason, and leaves earlier ones alone;
 * the caller books the new pattern as a new series when one is wanted.
 */
#include "core/scheduling/sched_impl.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

static int
load_people(struct db_conn *c, int64_t id, struct sched_row *r)
{
	struct db_stmt *s;
	int rc, k;

	for (k = 0; k < 2; k++) {
		if ((rc = db_prepare(c, &s, k == 0 ? "SELECT patient_id FROM "
		    "appointment_patients WHERE appointment_id = ?" : "SELECT "
		    "user_id FROM appointment_clinicians WHERE appointment_id = ?"))
		    != 0)
			return rc;
		db_bind_i64(s, 1, id);
		while ((rc = db_step(s)) == DB_ROW) {
			size_t *n = k == 0 ? &r->b.npatients : &r->b.nclinicians;
			int64_t *a = k == 0 ? r->pats : r->clins;
			if (*n < SCHED_MAX_PEOPLE)
				a[(*n)++] = db_col_i64(s, 0);
		}
		db_stmt_done(s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
sched_load_row(struct db_conn *c, int64_t pid, int64_t id,
    struct sched_row *r)
{
	struct db_stmt *s;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = db_prepare(c, &s, "SELECT kind, coalesce(room_id, 0), tz, "
	    "start_at, end_at, coalesce(series_id, 0), coalesce(series_index, "
	    "0), coalesce(capacity, 0) FROM appointments WHERE practice_id = ? "
	    "AND id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	if ((rc = db_step(s)) == DB_ROW) {
		snprintf(r->kind, sizeof(r->kind), "%s", db_col_text(s, 0));
		r->b.room_id = db_col_i64(s, 1);
		snprintf(r->tz, sizeof(r->tz), "%s", db_col_text(s, 2));
		r->start_at = db_col_i64(s, 3);
		r->b.minutes = (int)((db_col_i64(s, 4) - r->start_at) / 60000);
		r->series_id = db_col_i64(s, 5);
		r->series_index = (int)db_col_i64(s, 6);
		r->b.capacity = (int)db_col_i64(s, 7);
	}
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW)
		return ALC_ENOTFOUND;
	r->b.kind = r->kind;
	r->b.tz = r->tz;
	r->b.patients = r->pats;
	r->b.clinicians = r->clins;
	return load_people(c, id, r);
}

static int
move_in(struct db_conn *c, int64_t pid, int64_t id, const struct sched_occ *o,
    const char *override, const struct audit_event *who)
{
	char day[CALDATE_TEXT_SIZE], detail[96];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE appointments SET start_at = ?, "
	    "end_at = ?, local_date = ?, local_min = ?, override_reason = "
	    "coalesce(?, override_reason), updated_at = ?, version = version + 1 "
	    "WHERE practice_id = ? AND id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, o->start_at);
	db_bind_i64(s, 2, o->end_at);
	db_bind_text(s, 3, caldate_format(o->date, day));
	db_bind_i64(s, 4, o->start_min);
	db_bind_text(s, 5, override && override[0] ? override : NULL);
	db_bind_i64(s, 6, time_now_ms());
	db_bind_i64(s, 7, pid);
	db_bind_i64(s, 8, id);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"moved_to\":\"%s\",\"minute\":%d,"
	    "\"override\":%s}", day, o->start_min, override && override[0] ?
	    "true" : "false");
	return sched_audit_appt(c, who, "UPDATE", pid, id, override && override[0]
	    ? override : NULL, detail);
}

int
sched_move(struct db *db, int64_t practice_id, int64_t appt_id,
    struct caldate date, int start_min, const char *override_reason,
    const struct audit_event *who, struct sched_conflicts *cf,
    struct alc_err *err)
{
	struct sched_row r;
	struct sched_occ o;
	struct db_conn *c;
	int rc;

	memset(cf, 0, sizeof(*cf));
	if (!caldate_valid(date) || start_min < 0 || start_min >= 1440)
		return alc_err_set_user(err, ALC_EINVAL, "Choose a date and "
		    "time.", "bad date");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0 ||
	    (rc = sched_load_row(c, practice_id, appt_id, &r)) != 0)
		goto out;
	o.date = date;
	o.start_min = start_min;
	if ((rc = caldate_local_to_utc(r.tz, date, start_min, &o.start_at)) != 0)
		goto out;
	o.end_at = o.start_at + (int64_t)r.b.minutes * 60000;
	if ((rc = sched_find_conflicts(c, practice_id, &r.b, &o, appt_id, cf))
	    != 0)
		goto out;
	if (cf->total > 0 && !(override_reason && override_reason[0])) {
		rc = alc_err_set_user(err, ALC_ECONFLICT, "This time collides "
		    "with other appointments or working hours.", "conflicts");
		goto out;
	}
	if ((rc = move_in(c, practice_id, appt_id, &o, override_reason, who))
	    == 0)
		rc = db_commit(c);
out:
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

/* The live occurrences of series from index on. */
static int
following(struct db_conn *c, int64_t pid, int64_t series, int index,
    int64_t *ids, size_t max, size_t *n)
{
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, "SELECT id FROM appointments WHERE "
	    "practice_id = ? AND series_id = ? AND series_index >= ? AND status "
	    "IN ('scheduled', 'confirmed') ORDER BY series_index")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, series);
	db_bind_i64(s, 3, index);
	while ((rc = db_step(s)) == DB_ROW && *n < max)
		ids[(*n)++] = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
cancel_following_in(struct db_conn *c, int64_t pid, int64_t appt,
    const char *reason, const struct audit_event *who)
{
	int64_t ids[SCHED_MAX_OCCURRENCES], now = time_now_ms();
	int64_t actor = who ? who->actor_user_id : 0;
	struct sched_row r;
	struct db_stmt *s;
	size_t n, i;
	int rc;

	if ((rc = sched_load_row(c, pid, appt, &r)) != 0)
		return rc;
	if (r.series_id == 0) {
		ids[0] = appt;
		n = 1;
	} else if ((rc = following(c, pid, r.series_id, r.series_index, ids,
	    SCHED_MAX_OCCURRENCES, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = db_prepare(c, &s, "UPDATE appointments SET status = "
		    "'cancelled', cancel_reason = ?, cancelled_by = ?, "
		    "cancelled_at = ?, updated_at = ?, version = version + 1 "
		    "WHERE id = ?")) != 0)
			return rc;
		db_bind_text(s, 1, reason);
		if (actor > 0)
			db_bind_i64(s, 2, actor);
		else
			db_bind_null(s, 2);
		db_bind_i64(s, 3, now);
		db_bind_i64(s, 4, now);
		db_bind_i64(s, 5, ids[i]);
		rc = db_step(s);
		db_stmt_done(s);
		if (rc < 0 || (rc = sched_audit_appt(c, who, "UPDATE", pid,
		    ids[i], reason, "{\"status\":\"cancelled\","
		    "\"scope\":\"this_and_following\"}")) != 0)
			return rc;
	}
	return 0;
}

int
sched_cancel_following(struct db *db, int64_t practice_id, int64_t appt_id,
    const char *reason, const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (reason == NULL || reason[0] == '\0')
		return alc_err_set_user(err, ALC_EINVAL, "Say why the "
		    "appointments are cancelled.", "no reason");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = cancel_following_in(c,
	    practice_id, appt_id, reason, who)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
add_patient_in(struct db_conn *c, int64_t pid, int64_t appt, int64_t pat,
    const struct audit_event *who, struct alc_err *err)
{
	struct sched_booking one;
	struct sched_row r;
	struct db_stmt *s;
	int rc;

	if ((rc = sched_load_row(c, pid, appt, &r)) != 0)
		return rc;
	if (strcmp(r.kind, "individual") == 0)
		return alc_err_set_user(err, ALC_EINVAL, "An individual session "
		    "has one patient.", "individual");
	if (r.b.capacity > 0 && r.b.npatients >= (size_t)r.b.capacity) {
		char msg[96];
		snprintf(msg, sizeof(msg), "This group is full: it holds %d "
		    "patients.", r.b.capacity);
		return alc_err_set_user(err, ALC_ECONFLICT, msg, "full");
	}
	memset(&one, 0, sizeof(one));
	one.patients = &pat;
	one.npatients = 1;
	if ((rc = sched_check_refs(c, pid, &one, err)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "INSERT INTO appointment_patients "
	    "(appointment_id, patient_id) VALUES (?, ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, appt);
	db_bind_i64(s, 2, pat);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc == ALC_EEXIST)
		return alc_err_set_user(err, ALC_EEXIST, "That patient is "
		    "already in this group.", "already in");
	if (rc < 0)
		return rc;
	return sched_audit_appt(c, who, "UPDATE", pid, appt, NULL,
	    "{\"patient\":\"added\"}");
}

int
sched_add_patient(struct db *db, int64_t practice_id, int64_t appt_id,
    int64_t patient_id, const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = add_patient_in(c, practice_id,
	    appt_id, patient_id, who, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
