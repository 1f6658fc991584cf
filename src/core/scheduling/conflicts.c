/*
 * conflicts.c - what an occurrence would collide with.  See scheduling.h.
 *
 * One query per kind of resource (clinician, room, patient) and per
 * occurrence, each an indexed range probe; a weekly series of a year is a
 * few hundred probes inside the booking's transaction, well under the
 * time a person takes to press the button.  Working hours only warn when
 * the clinician has any hours set, so a practice that never set them up
 * is not asked to override every booking.
 */
#include "core/scheduling/sched_impl.h"
#include "base/err.h"
#include "db/db.h"

#include <string.h>

#define LIVE "a.status NOT IN ('cancelled', 'late_cancel', 'no_show')"
/* An appointment lasts at most 600 minutes (check_booking), so one that
 * overlaps starts less than that before ours: the lower bound keeps each
 * probe a short range of appointments_time instead of a scan of every
 * earlier appointment (found by `alcove gen`, issue #9). */
#define NEAR "a.start_at > ? AND "
#define MAX_APPT_MS (600LL * 60 * 1000)

static const char *const probe_sql[] = {
	"SELECT a.id FROM appointments a JOIN appointment_clinicians x ON "
	"x.appointment_id = a.id WHERE a.practice_id = ? AND x.user_id = ? "
	"AND " NEAR "a.start_at < ? AND a.end_at > ? AND a.id <> ? AND " LIVE,
	"SELECT a.id FROM appointments a WHERE a.practice_id = ? AND "
	"a.room_id = ? AND " NEAR "a.start_at < ? AND a.end_at > ? AND a.id <> ? "
	"AND " LIVE,
	"SELECT a.id FROM appointments a JOIN appointment_patients x ON "
	"x.appointment_id = a.id WHERE a.practice_id = ? AND x.patient_id = ? "
	"AND " NEAR "a.start_at < ? AND a.end_at > ? AND a.id <> ? AND " LIVE,
};
static const char *const probe_name[] = {"clinician", "room", "patient"};

static void
add(struct sched_conflicts *cf, const char *what, int64_t other,
    int64_t whom, const struct sched_occ *o)
{
	struct sched_conflict *c;

	cf->total++;
	if (cf->n >= sizeof(cf->items) / sizeof(cf->items[0]))
		return;
	c = &cf->items[cf->n++];
	c->what = what;
	c->appointment_id = other;
	c->whom = whom;
	c->date = o->date;
	c->start_min = o->start_min;
}

static int
probe(struct db_conn *c, int kind, int64_t pid, int64_t whom,
    const struct sched_occ *o, int64_t self, struct sched_conflicts *cf)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, probe_sql[kind])) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, whom);
	db_bind_i64(s, 3, o->start_at - MAX_APPT_MS);
	db_bind_i64(s, 4, o->end_at);
	db_bind_i64(s, 5, o->start_at);
	db_bind_i64(s, 6, self);
	while ((rc = db_step(s)) == DB_ROW)
		add(cf, probe_name[kind], db_col_i64(s, 0), whom, o);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* 1 when the clinician works the whole of o (or has no hours set) and
 * has no time off or practice holiday that day. */
static int
in_hours(struct db_conn *c, int64_t pid, int64_t uid,
    const struct sched_occ *o, int minutes, int *ok)
{
	char day[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int64_t any = 0, fits = 0, off = 0;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT count(*), coalesce(sum(CASE WHEN "
	    "weekday = ? AND start_min <= ? AND end_min >= ? THEN 1 ELSE 0 "
	    "END), 0) FROM sched_hours WHERE practice_id = ? AND user_id = ?"))
	    != 0)
		return rc;
	db_bind_i64(s, 1, caldate_weekday(o->date));
	db_bind_i64(s, 2, o->start_min);
	db_bind_i64(s, 3, o->start_min + minutes);
	db_bind_i64(s, 4, pid);
	db_bind_i64(s, 5, uid);
	if ((rc = db_step(s)) == DB_ROW) {
		any = db_col_i64(s, 0);
		fits = db_col_i64(s, 1);
	}
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT count(*) FROM sched_exceptions "
	    "WHERE practice_id = ? AND (user_id = ? OR user_id IS NULL) AND "
	    "first_date <= ? AND last_date >= ?")) != 0)
		return rc;
	caldate_format(o->date, day);
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	db_bind_text(s, 3, day);
	db_bind_text(s, 4, day);
	if ((rc = db_step(s)) == DB_ROW)
		off = db_col_i64(s, 0);
	db_stmt_done(s);
	*ok = (any == 0 || fits > 0) && off == 0;
	return rc < 0 ? rc : 0;
}

int
sched_find_conflicts(struct db_conn *c, int64_t pid,
    const struct sched_booking *b, const struct sched_occ *o, int64_t self,
    struct sched_conflicts *cf)
{
	size_t i;
	int rc, ok;

	for (i = 0; i < b->nclinicians; i++) {
		if ((rc = probe(c, 0, pid, b->clinicians[i], o, self, cf)) != 0 ||
		    (rc = in_hours(c, pid, b->clinicians[i], o, b->minutes,
		    &ok)) != 0)
			return rc;
		if (!ok)
			add(cf, "hours", 0, b->clinicians[i], o);
	}
	if (b->room_id > 0 &&
	    (rc = probe(c, 1, pid, b->room_id, o, self, cf)) != 0)
		return rc;
	for (i = 0; i < b->npatients; i++)
		if ((rc = probe(c, 2, pid, b->patients[i], o, self, cf)) != 0)
			return rc;
	return 0;
}
