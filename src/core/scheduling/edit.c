/*
 * edit.c - changing one occurrence, or "this and following".  See
 * scheduling.h (sched_change).
 *
 * The change is described against the chosen occurrence: a field left at
 * its "keep" value, or set to what the chosen occurrence already has, is
 * not touched on any occurrence, so a later occurrence that was moved on
 * its own keeps its own time when only the clinician changes.
 *
 * "This and following" works on the live (scheduled or confirmed)
 * occurrences from the chosen one on: each gets the same day shift as the
 * chosen one (a monthly series keeps its "nth weekday" on the new
 * weekday), the new local time applied in its own zone (so 14:00 stays
 * 14:00 across daylight saving), and the new length, clinician, type or
 * room.  The series is split: the old row ends the day before the chosen
 * occurrence, and a new row (parent_id the old one) holds the changed
 * occurrences, renumbered from 0.  Earlier, cancelled and completed
 * occurrences stay in the old series exactly as they were.
 *
 * Every row is updated first and the conflicts are probed afterwards, in
 * the same transaction, so occurrences of the moving set never collide
 * with their own old places; a conflict without an override reason rolls
 * everything back.  One UPDATE audit event per patient per occurrence.
 */
#include "core/scheduling/sched_impl.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

/* One live occurrence to change: where it is, and where it goes. */
struct target {
	int64_t id;
	struct caldate date;
	int start_min, minutes;
	char tz[64];
	struct sched_occ to;
};

/* The series a split copies its rule from. */
struct series_rule {
	char freq[20];
	int interval, nth;
};

static int
load_targets(struct db_conn *c, int64_t pid, int64_t id,
    const struct sched_row *r, int following, struct target *t, size_t *n)
{
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, following ? "SELECT id, local_date, "
	    "local_min, start_at, end_at, tz FROM appointments WHERE "
	    "practice_id = ? AND series_id = ? AND status IN ('scheduled', "
	    "'confirmed') AND series_index >= ? ORDER BY series_index" : "SELECT "
	    "id, local_date, local_min, start_at, end_at, tz FROM appointments "
	    "WHERE practice_id = ? AND id = ? AND status IN ('scheduled', "
	    "'confirmed')")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, following ? r->series_id : id);
	if (following)
		db_bind_i64(s, 3, r->series_index);
	while ((rc = db_step(s)) == DB_ROW && *n < SCHED_MAX_OCCURRENCES) {
		struct target *x = &t[(*n)++];
		x->id = db_col_i64(s, 0);
		if (caldate_parse(db_col_text(s, 1), &x->date) != 0)
			rc = ALC_EDB;
		x->start_min = (int)db_col_i64(s, 2);
		x->minutes = (int)((db_col_i64(s, 4) - db_col_i64(s, 3)) / 60000);
		snprintf(x->tz, sizeof(x->tz), "%s", db_col_text(s, 5));
		if (rc == ALC_EDB)
			break;
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
load_rule(struct db_conn *c, int64_t pid, int64_t series,
    struct series_rule *sr)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT freq, interval_n, coalesce(nth, 1) "
	    "FROM sched_series WHERE practice_id = ? AND id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, series);
	if ((rc = db_step(s)) == DB_ROW) {
		snprintf(sr->freq, sizeof(sr->freq), "%s", db_col_text(s, 0));
		sr->interval = (int)db_col_i64(s, 1);
		sr->nth = (int)db_col_i64(s, 2);
	}
	db_stmt_done(s);
	return rc < 0 ? rc : rc == DB_ROW ? 0 : ALC_ENOTFOUND;
}

/* Where each target goes: the chosen one (t[0]) to ch's date and time,
 * the others by the same day shift, each in its own zone. */
static int
place(const struct sched_change *ch, const struct series_rule *sr,
    struct target *t, size_t n, struct alc_err *err)
{
	int64_t shift = ch->date.y ? caldate_diff(t[0].date, ch->date) : 0;
	int new_min = ch->start_min >= 0 && ch->start_min != t[0].start_min;
	int new_len = ch->minutes > 0 && ch->minutes != t[0].minutes;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		struct target *x = &t[i];
		x->to.date = caldate_add_days(x->date, shift);
		if (i > 0 && shift != 0 && strcmp(sr->freq, "monthly_weekday")
		    == 0)
			x->to.date = sched_nth_weekday(x->date.y, x->date.m,
			    caldate_weekday(ch->date), sr->nth);
		if (x->to.date.y == 0)
			return alc_err_set_user(err, ALC_EINVAL, "Some months have "
			    "no such weekday: change only this appointment.",
			    "no nth weekday");
		x->to.start_min = new_min || i == 0 ? (ch->start_min >= 0 ?
		    ch->start_min : x->start_min) : x->start_min;
		if (new_len)
			x->minutes = ch->minutes;
		if ((rc = caldate_local_to_utc(x->tz, x->to.date, x->to.start_min,
		    &x->to.start_at)) != 0)
			return alc_err_set(err, rc, "zone %s", x->tz);
		x->to.end_at = x->to.start_at + (int64_t)x->minutes * 60000;
	}
	return 0;
}

/* The new series of a split; the old one ends the day before. */
static int
split(struct db_conn *c, int64_t pid, int64_t old, const struct target *t,
    size_t n,
    const struct audit_event *who, int64_t *series)
{
	char d0[CALDATE_TEXT_SIZE], end[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int64_t actor = who ? who->actor_user_id : 0;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO sched_series (practice_id, "
	    "freq, interval_n, nth, first_date, start_min, minutes, tz, count_n, "
	    "parent_id, created_at, created_by) SELECT practice_id, freq, "
	    "interval_n, nth, ?, ?, ?, tz, ?, id, ?, ? FROM sched_series WHERE "
	    "practice_id = ? AND id = ? RETURNING id")) != 0)
		return rc;
	db_bind_text(s, 1, caldate_format(t[0].to.date, d0));
	db_bind_i64(s, 2, t[0].to.start_min);
	db_bind_i64(s, 3, t[0].minutes);
	db_bind_i64(s, 4, (int64_t)n);
	db_bind_i64(s, 5, time_now_ms());
	if (actor > 0)
		db_bind_i64(s, 6, actor);
	else
		db_bind_null(s, 6);
	db_bind_i64(s, 7, pid);
	db_bind_i64(s, 8, old);
	if ((rc = db_step(s)) == DB_ROW)
		*series = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	if ((rc = db_prepare(c, &s, "UPDATE sched_series SET until_date = ?, "
	    "count_n = NULL WHERE practice_id = ? AND id = ?")) != 0)
		return rc;
	db_bind_text(s, 1, caldate_format(caldate_add_days(t[0].date, -1),
	    end));
	db_bind_i64(s, 2, pid);
	db_bind_i64(s, 3, old);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static void
bind_keep(struct db_stmt *s, int idx, int64_t v)
{
	if (v != 0)
		db_bind_i64(s, idx, v);
	else
		db_bind_null(s, idx);
}

/* uid takes the place of clinician old on the appointment (of all its
 * clinicians when old is 0); a co-clinician stays, and uid already there
 * as one is not added twice. */
static int
set_clinician(struct db_conn *c, int64_t appt, int64_t old, int64_t uid)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "DELETE FROM appointment_clinicians WHERE "
	    "appointment_id = ? AND (? = 0 OR user_id = ? OR user_id = ?)"))
	    != 0)
		return rc;
	db_bind_i64(s, 1, appt);
	db_bind_i64(s, 2, old);
	db_bind_i64(s, 3, old);
	db_bind_i64(s, 4, uid);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0 || (rc = db_prepare(c, &s, "INSERT INTO "
	    "appointment_clinicians (appointment_id, user_id) VALUES (?, ?)"))
	    != 0)
		return rc;
	db_bind_i64(s, 1, appt);
	db_bind_i64(s, 2, uid);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Writes target x (index i of the new series, or series 0: unchanged). */
static int
update_one(struct db_conn *c, int64_t pid, const struct sched_change *ch,
    const struct target *x, int64_t series, size_t i)
{
	char day[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE appointments SET start_at = ?, "
	    "end_at = ?, local_date = ?, local_min = ?, type_id = coalesce(?, "
	    "type_id), room_id = CASE WHEN ? = 1 THEN NULL ELSE coalesce(?, "
	    "room_id) END, location_id = CASE WHEN ? = 1 THEN location_id ELSE "
	    "coalesce((SELECT location_id FROM sched_rooms WHERE id = ?), "
	    "location_id) END, override_reason = coalesce(?, override_reason), "
	    "series_id = coalesce(?, series_id), series_index = coalesce(?, "
	    "series_index), updated_at = ?, version = version + 1 WHERE "
	    "practice_id = ? AND id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, x->to.start_at);
	db_bind_i64(s, 2, x->to.end_at);
	db_bind_text(s, 3, caldate_format(x->to.date, day));
	db_bind_i64(s, 4, x->to.start_min);
	bind_keep(s, 5, ch->type_id);
	db_bind_i64(s, 6, ch->room_id < 0);
	bind_keep(s, 7, ch->room_id > 0 ? ch->room_id : 0);
	db_bind_i64(s, 8, ch->room_id <= 0);
	db_bind_i64(s, 9, ch->room_id);
	db_bind_text(s, 10, ch->override_reason && ch->override_reason[0] ?
	    ch->override_reason : NULL);
	bind_keep(s, 11, series);
	if (series > 0)
		db_bind_i64(s, 12, (int64_t)i);
	else
		db_bind_null(s, 12);
	db_bind_i64(s, 13, time_now_ms());
	db_bind_i64(s, 14, pid);
	db_bind_i64(s, 15, x->id);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0 || ch->clinician_id <= 0)
		return rc < 0 ? rc : 0;
	return set_clinician(c, x->id, ch->replaces_clinician,
	    ch->clinician_id);
}

/* Probes every changed occurrence in its new state; audits each. */
static int
recheck(struct db_conn *c, int64_t pid, const struct sched_change *ch,
    const struct target *t, size_t n, const struct audit_event *who,
    struct sched_conflicts *cf)
{
	const char *ovr = ch->override_reason && ch->override_reason[0] ?
	    ch->override_reason : NULL;
	char day[CALDATE_TEXT_SIZE], detail[160];
	struct sched_row r;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = sched_load_row(c, pid, t[i].id, &r)) != 0 ||
		    (rc = sched_find_conflicts(c, pid, &r.b, &t[i].to, t[i].id,
		    cf)) != 0)
			return rc;
		snprintf(detail, sizeof(detail), "{\"changed_to\":\"%s\","
		    "\"minute\":%d,\"minutes\":%d,\"scope\":\"%s\","
		    "\"override\":%s}", caldate_format(t[i].to.date, day),
		    t[i].to.start_min, t[i].minutes, ch->following ?
		    "this_and_following" : "this", ovr ? "true" : "false");
		if ((rc = sched_audit_appt(c, who, "UPDATE", pid, t[i].id, ovr,
		    detail)) != 0)
			return rc;
	}
	return 0;
}

static int
change_in(struct db_conn *c, int64_t pid, int64_t id,
    const struct sched_change *ch, const struct audit_event *who,
    struct sched_conflicts *cf, int64_t *series, struct alc_err *err)
{
	struct target t[SCHED_MAX_OCCURRENCES]; /* about 14 KB */
	struct series_rule sr = {"", 1, 1};
	struct sched_booking refs;
	struct sched_row r;
	int64_t clin = ch->clinician_id;
	int following = ch->following;
	size_t n, i;
	int rc;

	if ((rc = sched_load_row(c, pid, id, &r)) != 0)
		return rc;
	following = following && r.series_id != 0;
	memset(&refs, 0, sizeof(refs));
	refs.type_id = ch->type_id;
	refs.room_id = ch->room_id > 0 ? ch->room_id : 0;
	refs.clinicians = &clin;
	refs.nclinicians = clin > 0;
	if ((rc = sched_check_refs(c, pid, &refs, err)) != 0)
		return rc;
	if ((rc = load_targets(c, pid, id, &r, following, t, &n)) != 0)
		return rc;
	if (n == 0 || t[0].id != id)
		return alc_err_set_user(err, ALC_EINVAL, "Only a scheduled or "
		    "confirmed appointment can be changed.", "not live");
	if (following && (rc = load_rule(c, pid, r.series_id, &sr)) != 0)
		return rc;
	if ((rc = place(ch, &sr, t, n, err)) != 0)
		return rc;
	if (following && (rc = split(c, pid, r.series_id, t, n, who,
	    series)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = update_one(c, pid, ch, &t[i], *series, i)) != 0)
			return rc;
	if ((rc = recheck(c, pid, ch, t, n, who, cf)) != 0)
		return rc;
	if (cf->total > 0 && !(ch->override_reason && ch->override_reason[0]))
		return alc_err_set_user(err, ALC_ECONFLICT, "This change collides "
		    "with other appointments or working hours.", "conflicts");
	return 0;
}

int
sched_change(struct db *db, int64_t practice_id, int64_t appt_id,
    const struct sched_change *ch, const struct audit_event *who,
    struct sched_conflicts *cf, int64_t *series_id, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	memset(cf, 0, sizeof(*cf));
	*series_id = 0;
	if ((ch->date.y != 0 && !caldate_valid(ch->date)) || ch->start_min >=
	    1440 || ch->start_min < -1)
		return alc_err_set_user(err, ALC_EINVAL, "Choose a date and "
		    "time.", "bad date");
	if (ch->minutes != 0 && (ch->minutes < 5 || ch->minutes > 600))
		return alc_err_set_user(err, ALC_EINVAL, "An appointment lasts "
		    "5 to 600 minutes.", "minutes");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = change_in(c, practice_id,
	    appt_id, ch, who, cf, series_id, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
