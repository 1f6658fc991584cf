/*
 * book.c - booking appointments and series.  See scheduling.h.
 *
 * A booking is one transaction: the series row, every occurrence with its
 * patients and clinicians, and one CREATE audit event per patient.  The
 * conflict probes run inside it too (on SQLite the write lock is taken at
 * BEGIN, on PostgreSQL two simultaneous bookings of one slot can both pass
 * the probe; the window is a few milliseconds and the day view shows the
 * overlap, which is the same outcome as an override).
 */
#include "core/scheduling/sched_impl.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

static int
check_people(const struct sched_booking *b, struct alc_err *err)
{
	int group = strcmp(b->kind, "group") == 0;

	if (strcmp(b->kind, "individual") != 0 && !group &&
	    strcmp(b->kind, "couple_family") != 0)
		return alc_err_set_user(err, ALC_EINVAL, "Choose individual, "
		    "couple or family, or group.", "kind");
	if (b->npatients == 0 || b->nclinicians == 0)
		return alc_err_set_user(err, ALC_EINVAL, "Choose a patient and "
		    "a clinician.", "nobody");
	if (b->npatients > SCHED_MAX_PEOPLE || b->nclinicians >
	    SCHED_MAX_PEOPLE)
		return alc_err_set_user(err, ALC_EINVAL, "Too many people on one "
		    "appointment.", "too many");
	if (!group && strcmp(b->kind, "individual") == 0 && b->npatients > 1)
		return alc_err_set_user(err, ALC_EINVAL, "An individual session "
		    "has one patient: choose couple or family, or group.",
		    "individual with several");
	if (group && b->capacity > 0 && b->npatients > (size_t)b->capacity) {
		char msg[128];
		snprintf(msg, sizeof(msg), "This group holds %d patients and %zu "
		    "were chosen.", b->capacity, b->npatients);
		return alc_err_set_user(err, ALC_EINVAL, msg, "over capacity");
	}
	return 0;
}

static int
check_booking(const struct sched_booking *b, struct alc_err *err)
{
	int rc;

	if ((rc = check_people(b, err)) != 0)
		return rc;
	if (b->minutes < 5 || b->minutes > 600)
		return alc_err_set_user(err, ALC_EINVAL, "An appointment lasts "
		    "5 to 600 minutes.", "minutes");
	if (b->start_min < 0 || b->start_min >= 24 * 60)
		return alc_err_set_user(err, ALC_EINVAL, "Choose a start time.",
		    "start");
	return 0;
}

static int
insert_series(struct db_conn *c, int64_t pid, const struct sched_booking *b,
    int64_t actor, int64_t now, int64_t *id)
{
	const struct sched_recur *r = &b->recur;
	char d0[CALDATE_TEXT_SIZE], du[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO sched_series (practice_id, "
	    "freq, interval_n, nth, first_date, start_min, minutes, tz, count_n, "
	    "until_date, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, r->freq == SCHED_WEEKLY ? "weekly" :
	    "monthly_weekday");
	db_bind_i64(s, 3, r->freq == SCHED_WEEKLY ? r->interval : 1);
	if (r->freq == SCHED_MONTHLY_WEEKDAY)
		db_bind_i64(s, 4, r->nth);
	else
		db_bind_null(s, 4);
	db_bind_text(s, 5, caldate_format(b->date, d0));
	db_bind_i64(s, 6, b->start_min);
	db_bind_i64(s, 7, b->minutes);
	db_bind_text(s, 8, b->tz);
	if (r->count > 0)
		db_bind_i64(s, 9, r->count);
	else
		db_bind_null(s, 9);
	db_bind_text(s, 10, r->until.y ? caldate_format(r->until, du) : NULL);
	db_bind_i64(s, 11, now);
	if (actor > 0)
		db_bind_i64(s, 12, actor);
	else
		db_bind_null(s, 12);
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static void
bind_opt(struct db_stmt *s, int idx, int64_t v)
{
	if (v > 0)
		db_bind_i64(s, idx, v);
	else
		db_bind_null(s, idx);
}

static int
insert_appt(struct db_conn *c, int64_t pid, const struct sched_booking *b,
    int64_t series, int index, const struct sched_occ *o, int64_t actor,
    int64_t now, int64_t *id)
{
	char day[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO appointments (practice_id, "
	    "series_id, series_index, kind, capacity, type_id, location_id, "
	    "room_id, start_at, end_at, local_date, local_min, tz, "
	    "override_reason, created_at, created_by, updated_at) VALUES (?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	bind_opt(s, 2, series);
	if (series > 0)
		db_bind_i64(s, 3, index);
	else
		db_bind_null(s, 3);
	db_bind_text(s, 4, b->kind);
	bind_opt(s, 5, b->capacity);
	bind_opt(s, 6, b->type_id);
	bind_opt(s, 7, b->location_id);
	bind_opt(s, 8, b->room_id);
	db_bind_i64(s, 9, o->start_at);
	db_bind_i64(s, 10, o->end_at);
	db_bind_text(s, 11, caldate_format(o->date, day));
	db_bind_i64(s, 12, o->start_min);
	db_bind_text(s, 13, b->tz);
	db_bind_text(s, 14, b->override_reason && b->override_reason[0] ?
	    b->override_reason : NULL);
	db_bind_i64(s, 15, now);
	bind_opt(s, 16, actor);
	db_bind_i64(s, 17, now);
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB; /* RETURNING gave no row */
	return 0;
}

static int
link_people(struct db_conn *c, int64_t appt, const struct sched_booking *b)
{
	struct db_stmt *s;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < b->npatients + b->nclinicians; i++) {
		int pat = i < b->npatients;
		if ((rc = db_prepare(c, &s, pat ? "INSERT INTO "
		    "appointment_patients (appointment_id, patient_id) VALUES "
		    "(?, ?)" : "INSERT INTO appointment_clinicians "
		    "(appointment_id, user_id) VALUES (?, ?)")) != 0)
			return rc;
		db_bind_i64(s, 1, appt);
		db_bind_i64(s, 2, pat ? b->patients[i] :
		    b->clinicians[i - b->npatients]);
		rc = db_step(s);
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	return rc == ALC_EEXIST ? ALC_EINVAL : rc;
}

/* The occurrences of b: local dates from the rule, UTC from the zone. */
static int
occurrences(const struct sched_booking *b, struct sched_occ *occ, size_t *n,
    struct alc_err *err)
{
	struct caldate dates[SCHED_MAX_OCCURRENCES];
	size_t i;
	int rc;

	if ((rc = sched_recur_dates(b->date, &b->recur, dates,
	    SCHED_MAX_OCCURRENCES, n, err)) != 0)
		return rc;
	for (i = 0; i < *n; i++) {
		occ[i].date = dates[i];
		occ[i].start_min = b->start_min;
		if ((rc = caldate_local_to_utc(b->tz, dates[i], b->start_min,
		    &occ[i].start_at)) != 0)
			return alc_err_set(err, rc, "zone %s", b->tz);
		occ[i].end_at = occ[i].start_at + (int64_t)b->minutes * 60000;
	}
	return 0;
}

static int
book_in(struct db_conn *c, int64_t pid, const struct sched_booking *b,
    const struct sched_occ *occ, size_t n, const struct audit_event *who,
    int64_t *first, int64_t *series)
{
	int64_t actor = who ? who->actor_user_id : 0, now = time_now_ms(), id;
	char detail[160];
	size_t i;
	int rc;

	*series = 0;
	if (b->recur.freq != SCHED_ONCE &&
	    (rc = insert_series(c, pid, b, actor, now, series)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = insert_appt(c, pid, b, *series, (int)i, &occ[i], actor,
		    now, &id)) != 0 || (rc = link_people(c, id, b)) != 0)
			return rc;
		if (i == 0)
			*first = id;
	}
	snprintf(detail, sizeof(detail), "{\"series\":%lld,\"occurrences\":%zu,"
	    "\"override\":%s}", (long long)*series, n,
	    b->override_reason && b->override_reason[0] ? "true" : "false");
	return sched_audit_appt(c, who, "CREATE", pid, *first,
	    b->override_reason && b->override_reason[0] ? b->override_reason :
	    NULL, detail);
}

int
sched_book(struct db *db, int64_t practice_id,
    const struct sched_booking *b, const struct audit_event *who,
    int64_t *first_id, int64_t *series_id, struct sched_conflicts *cf,
    struct alc_err *err)
{
	struct sched_occ occ[SCHED_MAX_OCCURRENCES];
	struct db_conn *c;
	size_t n = 0, i;
	int rc;

	*first_id = *series_id = 0;
	memset(cf, 0, sizeof(*cf));
	if ((rc = check_booking(b, err)) != 0 ||
	    (rc = occurrences(b, occ, &n, err)) != 0)
		return rc;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0 ||
	    (rc = sched_check_refs(c, practice_id, b, err)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		rc = sched_find_conflicts(c, practice_id, b, &occ[i], 0, cf);
	if (rc == 0 && cf->total > 0 && !(b->override_reason &&
	    b->override_reason[0]))
		rc = alc_err_set_user(err, ALC_ECONFLICT, "This time collides "
		    "with other appointments or working hours.", "conflicts");
	if (rc == 0 && (rc = book_in(c, practice_id, b, occ, n, who,
	    first_id, series_id)) == 0)
		rc = db_commit(c);
out:
	if (rc != 0) {
		db_rollback(c);
		if (rc != ALC_ECONFLICT && rc != ALC_EINVAL)
			alc_err_set(err, rc, "booking failed");
	}
	db_release(c);
	return rc;
}
