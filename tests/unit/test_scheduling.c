/*
 * test_scheduling.c - scheduling (core/scheduling): local wall time across
 * daylight saving (America/New_York and Europe/London, gaps and
 * overlaps), recurrence rules, booking with conflicts and overrides,
 * group capacity, cancelling and moving one occurrence, "this and
 * following", late-cancel charges and the audit events, on the engine
 * testlib selects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/caldate.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "audit/audit.h"
#include "core/practice/practice.h"
#include "core/scheduling/scheduling.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "db/db.h"
#include "testlib.h"

static struct caldate
D(const char *s)
{
	struct caldate d;

	assert_int_equal(caldate_parse(s, &d), 0);
	return d;
}

/* "YYYY-MM-DDTHH:MM" of ms in UTC. */
static const char *
utc(int64_t ms, char *buf)
{
	struct caldate d;
	int m;

	assert_int_equal(caldate_from_utc("UTC", ms, &d, &m), 0);
	snprintf(buf, 20, "%04u-%02u-%02uT%02u:%02u", (unsigned)d.y % 10000u,
	    (unsigned)d.m % 100u, (unsigned)d.d % 100u,
	    (unsigned)(m / 60) % 100u, (unsigned)m % 60u);
	return buf;
}

static void
assert_local_utc(const char *tz, const char *day, int min, const char *want)
{
	char buf[20];
	int64_t ms;

	assert_int_equal(caldate_local_to_utc(tz, D(day), min, &ms), 0);
	assert_string_equal(utc(ms, buf), want);
}

/* --- pure: zones and rules ------------------------------------------------ */

static void
test_local_time_to_utc_handles_gaps_and_overlaps(void **st)
{
	struct caldate d;
	int64_t ms;
	int m;

	(void)st;
	assert_local_utc("America/New_York", "2026-03-07", 600,
	    "2026-03-07T15:00");
	assert_local_utc("America/New_York", "2026-03-09", 600,
	    "2026-03-09T14:00");
	/* 02:30 does not exist on 2026-03-08: it is 03:30 daylight time. */
	assert_local_utc("America/New_York", "2026-03-08", 150,
	    "2026-03-08T07:30");
	/* 01:30 happens twice on 2026-11-01: the first one (EDT). */
	assert_local_utc("America/New_York", "2026-11-01", 90,
	    "2026-11-01T05:30");
	assert_local_utc("Europe/London", "2026-07-01", 600, "2026-07-01T09:00");
	assert_local_utc("Europe/London", "2026-12-01", 600, "2026-12-01T10:00");
	assert_int_equal(caldate_local_to_utc("America/New_York",
	    D("2026-11-01"), 90, &ms), 0);
	assert_int_equal(caldate_from_utc("America/New_York", ms, &d, &m), 0);
	assert_int_equal(m, 90);
	assert_int_equal(caldate_local_to_utc("../etc/passwd", D("2026-01-01"),
	    0, &ms), ALC_EINVAL);
	assert_int_equal(caldate_local_to_utc("America/New_York",
	    D("2026-01-01"), 1440, &ms), ALC_EINVAL);
	assert_int_equal(caldate_weekday(D("2026-11-25")), 3);
}

static void
test_monthly_rules_find_the_nth_and_last_weekday(void **st)
{
	struct sched_recur r = {SCHED_MONTHLY_WEEKDAY, 1, 2, 4, {0, 0, 0}};
	struct caldate out[8];
	char b[CALDATE_TEXT_SIZE];
	struct alc_err err;
	size_t n;

	(void)st;
	/* 2nd Tuesday: Jan 13, Feb 10, Mar 10, Apr 14 2026. */
	assert_int_equal(sched_recur_dates(D("2026-01-13"), &r, out, 8, &n,
	    &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(caldate_format(out[3], b), "2026-04-14");
	r.nth = -1;
	r.count = 0;
	r.until = D("2026-03-31");
	assert_int_equal(sched_recur_dates(D("2026-01-27"), &r, out, 8, &n,
	    &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(caldate_format(out[1], b), "2026-02-24");
	assert_string_equal(caldate_format(out[2], b), "2026-03-31");
	/* The first date must match its rule; a rule needs an end. */
	assert_int_equal(sched_recur_dates(D("2026-01-20"), &r, out, 8, &n,
	    &err), ALC_EINVAL);
	r.until.y = 0;
	assert_int_equal(sched_recur_dates(D("2026-01-27"), &r, out, 8, &n,
	    &err), ALC_EINVAL);
	assert_string_equal(err.user,
	    "Say when the series ends: a number of sessions or an end date.");
}

/* --- with a database ------------------------------------------------------ */

struct fx {
	struct db *db;
	struct arena *a;
	int64_t pid, owner, clin, clin2, pat[4], room;
	struct audit_event ev;
};

static int64_t
add_user(struct fx *f, const char *email, const char *name, unsigned roles)
{
	struct user_add ua = {email, name, roles, NULL, NULL, "test fixture"};
	struct alc_err err;
	int64_t uid = 0;

	assert_int_equal(users_add(f->db, f->pid, &ua, &uid, &err), 0);
	return uid;
}

static int64_t
exec_id(struct fx *f, const char *sql, int64_t a, const char *t)
{
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;
	int64_t v = -1;

	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, sql), 0);
	if (a != INT64_MIN)
		db_bind_i64(s, 1, a);
	if (t != NULL)
		db_bind_text(s, 2, t);
	if (db_step(s) == DB_ROW)
		v = db_col_i64(s, 0);
	db_stmt_done(s);
	db_release(c);
	return v;
}

static int
setup(void **st)
{
	struct practice_setup ps = {"Lakeside Counseling", "America/New_York",
	    "owner@example.test", "Olive Owner", NULL};
	struct alc_err err;
	struct fx *f = calloc(1, sizeof(*f));
	char chart[16];
	int i;

	if (f == NULL || test_db_open(&f->db) != 0 ||
	    (f->a = arena_new()) == NULL)
		return -1;
	if (practice_create(f->db, &ps, &f->pid, &err) != 0 ||
	    users_find(f->db, f->pid, "owner@example.test", &f->owner) != 0)
		return -1;
	f->clin = add_user(f, "clin@example.test", "Cal Clinician",
	    ROLE_CLINICIAN);
	f->clin2 = add_user(f, "clin2@example.test", "Cleo Clinician",
	    ROLE_CLINICIAN);
	for (i = 0; i < 4; i++) {
		snprintf(chart, sizeof(chart), "P-%06d", i + 1);
		f->pat[i] = exec_id(f, "INSERT INTO patients (practice_id, "
		    "chart_no, created_at, updated_at) VALUES (?, ?, 0, 0) "
		    "RETURNING id", f->pid, chart);
	}
	exec_id(f, "INSERT INTO sched_locations (practice_id, name, "
	    "created_at) VALUES (?, ?, 0) RETURNING id", f->pid, "Main office");
	f->room = exec_id(f, "INSERT INTO sched_rooms (practice_id, "
	    "location_id, name, created_at) SELECT practice_id, id, 'Room 1', 0 "
	    "FROM sched_locations WHERE practice_id = ? RETURNING id", f->pid,
	    NULL);
	if (f->room <= 0)
		return -1;
	memset(&f->ev, 0, sizeof(f->ev));
	f->ev.actor_user_id = f->owner;
	f->ev.actor_role = "owner";
	f->ev.request_id = "0123456789abcdef";
	*st = f;
	return 0;
}

static int
teardown(void **st)
{
	struct fx *f = *st;

	arena_free(f->a);
	test_db_close(f->db);
	free(f);
	return 0;
}

static int64_t
q64(struct fx *f, const char *sql, int64_t a)
{
	return exec_id(f, sql, a, NULL);
}

static struct sched_booking
booking(struct fx *f, const char *day, int min, const int64_t *pats,
    size_t np, const int64_t *clins)
{
	struct sched_booking b;

	memset(&b, 0, sizeof(b));
	b.kind = "individual";
	b.patients = pats;
	b.npatients = np;
	b.clinicians = clins;
	b.nclinicians = 1;
	b.date = D(day);
	b.start_min = min;
	b.minutes = 50;
	b.tz = "America/New_York";
	return b;
}

static int
book(struct fx *f, const struct sched_booking *b, int64_t *first,
    struct sched_conflicts *cf, struct alc_err *err)
{
	int64_t series;

	memset(err, 0, sizeof(*err));
	return sched_book(f->db, f->pid, b, &f->ev, first, &series, cf, err);
}

/* The UTC "HH:MM" of every occurrence of series s, in order. */
static void
series_utc_times(struct fx *f, int64_t series, char out[][20], size_t max,
    size_t *n)
{
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;

	*n = 0;
	assert_int_equal(db_prepare(c, &s, "SELECT start_at, local_min FROM "
	    "appointments WHERE series_id = ? ORDER BY series_index"), 0);
	db_bind_i64(s, 1, series);
	while (db_step(s) == DB_ROW && *n < max) {
		utc(db_col_i64(s, 0), out[*n]);
		assert_int_equal(db_col_i64(s, 1), 600);
		(*n)++;
	}
	db_stmt_done(s);
	db_release(c);
}

static void
test_weekly_series_keeps_local_time_across_dst(void **st)
{
	struct fx *f = *st;
	struct sched_booking b = booking(f, "2026-03-05", 600, f->pat, 1,
	    &f->clin);
	struct sched_conflicts cf;
	char t[40][20];
	struct alc_err err;
	int64_t first, series;
	size_t n;

	b.recur.freq = SCHED_WEEKLY;
	b.recur.interval = 1;
	b.recur.count = 36; /* 2026-03-05 .. 2026-11-05 */
	assert_int_equal(sched_book(f->db, f->pid, &b, &f->ev, &first, &series,
	    &cf, &err), 0);
	series_utc_times(f, series, t, 40, &n);
	assert_int_equal(n, 36);
	assert_string_equal(t[0], "2026-03-05T15:00");  /* EST */
	assert_string_equal(t[1], "2026-03-12T14:00");  /* EDT */
	assert_string_equal(t[34], "2026-10-29T14:00"); /* EDT */
	assert_string_equal(t[35], "2026-11-05T15:00"); /* EST again */
	/* London, every 2 weeks across 2026-03-29 and 2026-10-25. */
	b = booking(f, "2026-03-19", 600, f->pat + 1, 1, &f->clin2);
	b.tz = "Europe/London";
	b.recur.freq = SCHED_WEEKLY;
	b.recur.interval = 2;
	b.recur.until = D("2026-11-05");
	assert_int_equal(sched_book(f->db, f->pid, &b, &f->ev, &first, &series,
	    &cf, &err), 0);
	series_utc_times(f, series, t, 40, &n);
	assert_int_equal(n, 17);
	assert_string_equal(t[0], "2026-03-19T10:00");  /* GMT */
	assert_string_equal(t[1], "2026-04-02T09:00");  /* BST */
	assert_string_equal(t[15], "2026-10-15T09:00"); /* BST */
	assert_string_equal(t[16], "2026-10-29T10:00"); /* GMT */
}

static void
test_conflicts_are_refused_without_override_and_recorded_with_one(void **st)
{
	struct fx *f = *st;
	struct sched_booking b = booking(f, "2026-06-01", 600, f->pat, 1,
	    &f->clin);
	struct sched_conflicts cf;
	struct alc_err err;
	int64_t first, second;

	b.room_id = f->room;
	assert_int_equal(book(f, &b, &first, &cf, &err), 0);
	/* Same clinician, half an hour later, another patient. */
	b = booking(f, "2026-06-01", 630, f->pat + 1, 1, &f->clin);
	assert_int_equal(book(f, &b, &second, &cf, &err), ALC_ECONFLICT);
	assert_int_equal(cf.total, 1);
	assert_string_equal(cf.items[0].what, "clinician");
	assert_int_equal(cf.items[0].appointment_id, first);
	assert_string_equal(err.user, "This time collides with other "
	    "appointments or working hours.");
	/* The room and the patient collide too, with another clinician. */
	b = booking(f, "2026-06-01", 620, f->pat, 1, &f->clin2);
	b.room_id = f->room;
	assert_int_equal(book(f, &b, &second, &cf, &err), ALC_ECONFLICT);
	assert_int_equal(cf.total, 2);
	assert_string_equal(cf.items[0].what, "room");
	assert_string_equal(cf.items[1].what, "patient");
	/* With an override and its reason it books, and says why. */
	b.override_reason = "Crisis session, room shared";
	assert_int_equal(book(f, &b, &second, &cf, &err), 0);
	assert_int_equal(q64(f, "SELECT count(*) FROM appointments WHERE id = ? "
	    "AND override_reason = 'Crisis session, room shared'", second), 1);
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'appointment' AND verb = 'CREATE' AND object_id = "
	    "CAST(? AS TEXT) AND reason = 'Crisis session, room shared' AND "
	    "detail LIKE '%\"override\":true%'", second), 1);
	/* Outside working hours is a conflict of its own kind. */
	q64(f, "INSERT INTO sched_hours (practice_id, user_id, weekday, "
	    "start_min, end_min) SELECT practice_id, user_id, 1, 540, 1020 FROM "
	    "memberships WHERE user_id = ?", f->clin2);
	b = booking(f, "2026-06-08", 1050, f->pat + 2, 1, &f->clin2);
	assert_int_equal(book(f, &b, &second, &cf, &err), ALC_ECONFLICT);
	assert_string_equal(cf.items[0].what, "hours");
	b = booking(f, "2026-06-08", 600, f->pat + 2, 1, &f->clin2);
	assert_int_equal(book(f, &b, &second, &cf, &err), 0);
}

static void
test_group_capacity_is_enforced(void **st)
{
	struct fx *f = *st;
	int64_t clins[2] = {f->clin, f->clin2};
	struct sched_booking b = booking(f, "2026-06-02", 840, f->pat, 3,
	    clins);
	struct sched_conflicts cf;
	struct alc_err err;
	int64_t id;

	b.nclinicians = 2;
	assert_int_equal(book(f, &b, &id, &cf, &err), ALC_EINVAL);
	assert_string_equal(err.user, "An individual session has one patient: "
	    "choose couple or family, or group.");
	b.kind = "group";
	b.capacity = 2;
	assert_int_equal(book(f, &b, &id, &cf, &err), ALC_EINVAL);
	assert_string_equal(err.user, "This group holds 2 patients and 3 were "
	    "chosen.");
	b.capacity = 3;
	assert_int_equal(book(f, &b, &id, &cf, &err), 0);
	assert_int_equal(q64(f, "SELECT count(*) FROM appointment_clinicians "
	    "WHERE appointment_id = ?", id), 2);
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'appointment' AND object_id = CAST(? AS TEXT) AND "
	    "patient_id IS NOT NULL", id), 3);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sched_add_patient(f->db, f->pid, id, f->pat[3], &f->ev,
	    &err), ALC_ECONFLICT);
	assert_string_equal(err.user, "This group is full: it holds 3 "
	    "patients.");
}

static void
test_cancel_and_move_one_occurrence_leave_the_series(void **st)
{
	struct fx *f = *st;
	struct sched_booking b = booking(f, "2026-09-07", 540, f->pat, 1,
	    &f->clin);
	struct sched_conflicts cf;
	struct sched_appt x;
	struct alc_err err;
	int64_t first, series, id2, id3, other;

	b.recur.freq = SCHED_WEEKLY;
	b.recur.interval = 1;
	b.recur.count = 5;
	assert_int_equal(sched_book(f->db, f->pid, &b, &f->ev, &first, &series,
	    &cf, &err), 0);
	id2 = first + 1;
	id3 = first + 2;
	assert_int_equal(sched_set_status(f->db, f->pid, id2, "cancelled", "",
	    0, &f->ev, &err), ALC_EINVAL);
	assert_int_equal(sched_set_status(f->db, f->pid, id2, "cancelled",
	    "Patient travelling", 0, &f->ev, &err), 0);
	assert_int_equal(q64(f, "SELECT count(*) FROM appointments WHERE "
	    "series_id = ? AND status = 'scheduled'", series), 4);
	/* The freed slot can be booked without an override. */
	b = booking(f, "2026-09-14", 540, f->pat + 1, 1, &f->clin);
	assert_int_equal(book(f, &b, &other, &cf, &err), 0);
	/* Move the third to Wednesday 15:00; it stays in its series. */
	assert_int_equal(sched_move(f->db, f->pid, id3, D("2026-09-23"), 900,
	    NULL, &f->ev, &cf, &err), 0);
	assert_int_equal(sched_get(f->db, f->a, f->pid, id3, &x), 0);
	assert_int_equal(x.series_id, series);
	assert_int_equal(x.start_min, 900);
	assert_int_equal(caldate_cmp(x.date, D("2026-09-23")), 0);
	/* Moving onto another appointment needs an override. */
	assert_int_equal(sched_move(f->db, f->pid, id3, D("2026-09-14"), 540,
	    NULL, &f->ev, &cf, &err), ALC_ECONFLICT);
	/* This and following, from the fourth: the first and third stay. */
	assert_int_equal(sched_cancel_following(f->db, f->pid, first + 3,
	    "Ending treatment", &f->ev, &err), 0);
	assert_int_equal(q64(f, "SELECT count(*) FROM appointments WHERE "
	    "series_id = ? AND status = 'scheduled'", series), 2);
	assert_int_equal(q64(f, "SELECT count(*) FROM appointments WHERE "
	    "series_id = ? AND cancel_reason = 'Ending treatment'", series), 2);
}

/* "This and following" on a monthly series moved to another weekday and
 * hour: the later ones keep "the second ..." of their month on the new
 * weekday and 14:00 local across the November change; the first stays. */
static void
test_monthly_tail_moves_weekday_and_keeps_local_time(void **st)
{
	struct fx *f = *st;
	struct sched_booking b = booking(f, "2026-09-08", 600, f->pat, 1,
	    &f->clin);
	struct sched_change ch;
	struct sched_conflicts cf;
	struct sched_appt x;
	struct alc_err err;
	int64_t first, series, nseries;
	static const char *const want[] = {"2026-10-14", "2026-11-11",
	    "2026-12-09"};
	size_t i;

	b.recur.freq = SCHED_MONTHLY_WEEKDAY;
	b.recur.nth = 2;
	b.recur.count = 4;
	assert_int_equal(sched_book(f->db, f->pid, &b, &f->ev, &first, &series,
	    &cf, &err), 0);
	memset(&ch, 0, sizeof(ch));
	ch.date = D("2026-10-14");
	ch.start_min = 840;
	ch.following = 1;
	assert_int_equal(sched_change(f->db, f->pid, first + 1, &ch, &f->ev,
	    &cf, &nseries, &err), 0);
	assert_true(nseries > 0 && nseries != series);
	for (i = 0; i < 3; i++) {
		assert_int_equal(sched_get(f->db, f->a, f->pid, first + 1 +
		    (int64_t)i, &x), 0);
		assert_int_equal(caldate_cmp(x.date, D(want[i])), 0);
		assert_int_equal(x.start_min, 840);
		assert_int_equal(x.series_id, nseries);
	}
	assert_int_equal(sched_get(f->db, f->a, f->pid, first, &x), 0);
	assert_int_equal(x.start_min, 600);
	assert_int_equal(x.series_id, series);
	/* A cancelled appointment is not changed. */
	assert_int_equal(sched_set_status(f->db, f->pid, first, "cancelled",
	    "Ill", 0, &f->ev, &err), 0);
	ch.following = 0;
	ch.date = D("2026-09-09");
	assert_int_equal(sched_change(f->db, f->pid, first, &ch, &f->ev, &cf,
	    &nseries, &err), ALC_EINVAL);
}

/* A group led by two clinicians: a new clinician takes the place of the
 * one the form showed, the co-clinician stays, and nobody is listed twice
 * when the newcomer was already a co-clinician. */
static void
test_change_of_clinician_keeps_the_co_clinician(void **st)
{
	struct fx *f = *st;
	int64_t clins[2] = {f->clin, f->clin2}, id, nseries, clin3;
	struct sched_booking b = booking(f, "2026-06-04", 840, f->pat, 2,
	    clins);
	struct sched_conflicts cf;
	struct sched_change ch;
	struct alc_err err;

	clin3 = add_user(f, "clin3@example.test", "Cora Clinician",
	    ROLE_CLINICIAN);
	b.nclinicians = 2;
	b.kind = "group";
	b.capacity = 4;
	assert_int_equal(book(f, &b, &id, &cf, &err), 0);
	memset(&ch, 0, sizeof(ch));
	ch.date = D("2026-06-04");
	ch.start_min = 840;
	ch.replaces_clinician = f->clin;
	ch.clinician_id = clin3;
	assert_int_equal(sched_change(f->db, f->pid, id, &ch, &f->ev, &cf,
	    &nseries, &err), 0);
	assert_int_equal(q64(f, "SELECT count(*) FROM appointment_clinicians "
	    "WHERE appointment_id = ?", id), 2);
	assert_int_equal(q64(f, "SELECT count(*) FROM appointment_clinicians "
	    "WHERE appointment_id = ? AND user_id IN (SELECT id FROM users "
	    "WHERE email = 'clin2@example.test')", id), 1);
	ch.replaces_clinician = f->clin2;
	assert_int_equal(sched_change(f->db, f->pid, id, &ch, &f->ev, &cf,
	    &nseries, &err), 0);
	assert_int_equal(q64(f, "SELECT count(*) FROM appointment_clinicians "
	    "WHERE appointment_id = ?", id), 1);
}

static void
test_late_cancel_records_a_pending_charge_and_audits(void **st)
{
	struct fx *f = *st;
	struct sched_booking b = booking(f, "2026-06-03", 600, f->pat, 1,
	    &f->clin);
	struct sched_conflicts cf;
	struct sched_appt *list;
	struct alc_err err;
	int64_t id, from, to;
	size_t n;

	assert_int_equal(book(f, &b, &id, &cf, &err), 0);
	assert_int_equal(sched_set_status(f->db, f->pid, id, "late_cancel",
	    "Called an hour before", 7500, &f->ev, &err), 0);
	assert_int_equal(q64(f, "SELECT amount_cents FROM appointment_charges "
	    "WHERE appointment_id = ? AND status = 'pending' AND reason = "
	    "'late_cancel'", id), 7500);
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'appointment' AND verb = 'UPDATE' AND patient_id = ?",
	    f->pat[0]), 1);
	assert_int_equal(sched_set_status(f->db, f->pid, id, "bogus", NULL, 0,
	    &f->ev, &err), ALC_EINVAL);
	assert_int_equal(sched_set_status(f->db, f->pid, id + 99, "arrived",
	    NULL, 0, &f->ev, &err), ALC_ENOTFOUND);
	/* Lists by clinician: clin has it, clin2 has nothing. */
	caldate_local_to_utc("America/New_York", D("2026-06-01"), 0, &from);
	to = from + 7 * 86400000LL;
	assert_int_equal(sched_list(f->db, f->a, f->pid, &f->clin, 1, from, to,
	    &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].status, "late_cancel");
	assert_int_equal(list[0].patients[0], f->pat[0]);
	assert_int_equal(sched_list(f->db, f->a, f->pid, &f->clin2, 1, from, to,
	    &list, &n), 0);
	assert_int_equal(n, 0);
	/* A patient of another practice is refused. */
	b = booking(f, "2026-06-04", 600, f->pat, 1, &f->clin);
	assert_int_equal(sched_book(f->db, f->pid + 1, &b, &f->ev, &id, &from,
	    &cf, &err), ALC_EINVAL);
}

/* sched_list: a window's appointments each with all their people, once,
 * whether everyone's, one clinician's or several clinicians' are asked
 * for; two at the same minute keep id order. */
static void
test_list_gives_each_appointment_once_with_all_its_people(void **st)
{
	struct fx *f = *st;
	int64_t both[2] = {f->clin, f->clin2}, a1, a2, grp, id, from, to;
	struct sched_booking b;
	struct sched_conflicts cf;
	struct sched_appt *l;
	struct alc_err err;
	size_t n;

	b = booking(f, "2026-06-02", 600, f->pat, 1, &f->clin);
	assert_int_equal(book(f, &b, &a1, &cf, &err), 0);
	b = booking(f, "2026-06-02", 600, f->pat + 1, 1, &f->clin2);
	assert_int_equal(book(f, &b, &a2, &cf, &err), 0);
	b = booking(f, "2026-06-03", 840, f->pat, 3, both);
	b.nclinicians = 2;
	b.kind = "group";
	b.capacity = 4;
	assert_int_equal(book(f, &b, &grp, &cf, &err), 0);
	b = booking(f, "2026-06-09", 600, f->pat, 1, &f->clin);
	assert_int_equal(book(f, &b, &id, &cf, &err), 0); /* next week */
	caldate_local_to_utc("America/New_York", D("2026-06-01"), 0, &from);
	to = from + 7 * 86400000LL;
	assert_int_equal(sched_list(f->db, f->a, f->pid, NULL, 0, from, to, &l,
	    &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(l[0].id, a1 < a2 ? a1 : a2);
	assert_int_equal(l[1].id, a1 < a2 ? a2 : a1);
	assert_int_equal(l[0].npatients + l[1].npatients, 2);
	assert_int_equal(l[0].nclinicians + l[1].nclinicians, 2);
	assert_int_equal(l[2].id, grp);
	assert_int_equal(l[2].npatients, 3);
	assert_int_equal(l[2].patients[2], f->pat[2]);
	assert_int_equal(l[2].nclinicians, 2);
	/* One clinician: theirs only, the group still with both. */
	assert_int_equal(sched_list(f->db, f->a, f->pid, &f->clin2, 1, from,
	    to, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].id, a2);
	assert_int_equal(l[0].patients[0], f->pat[1]);
	assert_int_equal(l[0].clinicians[0], f->clin2);
	assert_int_equal(l[1].id, grp);
	assert_int_equal(l[1].nclinicians, 2);
	assert_int_equal(l[1].npatients, 3);
	/* Both clinicians: the group once. */
	assert_int_equal(sched_list(f->db, f->a, f->pid, both, 2, from, to, &l,
	    &n), 0);
	assert_int_equal(n, 3);
	/* Another practice sees nothing. */
	assert_int_equal(sched_list(f->db, f->a, f->pid + 1, &f->clin, 1, from,
	    to, &l, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_a_merge_moves_appointments_to_the_survivor(void **st)
{
	struct fx *f = *st;
	int64_t couple[2] = {f->pat[0], f->pat[1]};
	struct sched_booking b = booking(f, "2026-06-05", 600, couple, 2,
	    &f->clin);
	struct sched_conflicts cf;
	struct alc_err err;
	struct db_conn *c;
	int64_t id, solo;

	b.kind = "couple_family";
	assert_int_equal(book(f, &b, &id, &cf, &err), 0);
	b = booking(f, "2026-06-06", 600, f->pat + 1, 1, &f->clin);
	assert_int_equal(book(f, &b, &solo, &cf, &err), 0);
	c = db_acquire(f->db, 5000, NULL);
	assert_int_equal(db_begin(c), 0);
	assert_int_equal(sched_merge_patient(c, f->pid, f->pat[1], f->pat[0]),
	    0);
	assert_int_equal(db_commit(c), 0);
	db_release(c);
	/* The couple keeps one row; the solo session is the survivor's. */
	assert_int_equal(q64(f, "SELECT count(*) FROM appointment_patients "
	    "WHERE appointment_id = ?", id), 1);
	assert_int_equal(q64(f, "SELECT patient_id FROM appointment_patients "
	    "WHERE appointment_id = ?", solo), f->pat[0]);
}

static void
test_setup_adds_telehealth_types_rooms_hours_and_time_off(void **st)
{
	struct fx *f = *st;
	struct sched_named t = {0, "Intake", 60, 20000, "90791", "purple"};
	struct sched_named *list;
	struct sched_booking b;
	struct sched_conflicts cf;
	struct alc_err err;
	int64_t id;
	size_t n;

	assert_int_equal(sched_locations(f->db, f->a, f->pid, &list, &n), 0);
	assert_int_equal(n, 1); /* Main office from the fixture */
	assert_int_equal(sched_type_add(f->db, f->pid, &t, &f->ev, &id, &err),
	    0);
	t.colour = "neon";
	assert_int_equal(sched_type_add(f->db, f->pid, &t, &f->ev, &id, &err),
	    ALC_EINVAL);
	t.colour = "blue";
	assert_int_equal(sched_type_add(f->db, f->pid, &t, &f->ev, &id, &err),
	    ALC_EEXIST);
	assert_string_equal(err.user, "That name is already used.");
	assert_int_equal(sched_types(f->db, f->a, f->pid, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].cpt, "90791");
	assert_int_equal(list[0].fee_cents, 20000);
	/* A room of another practice's location is refused. */
	assert_int_not_equal(sched_room_add(f->db, f->pid + 1, 1, "Room 9",
	    &f->ev, &id, &err), 0);
	/* Monday 9-17 and a day off: outside, and on the day off, warn. */
	assert_int_equal(sched_hours_add(f->db, f->pid, f->clin, 1, 540, 1020,
	    &f->ev, &err), 0);
	assert_int_equal(sched_hours_add(f->db, f->pid, f->clin, 1, 600, 540,
	    &f->ev, &err), ALC_EINVAL);
	assert_int_equal(sched_exception_add(f->db, f->pid, f->clin, "time_off",
	    D("2026-07-13"), D("2026-07-13"), "Vacation", &f->ev, &err), 0);
	b = booking(f, "2026-07-06", 600, f->pat, 1, &f->clin);
	assert_int_equal(book(f, &b, &id, &cf, &err), 0);
	b = booking(f, "2026-07-13", 600, f->pat, 1, &f->clin);
	assert_int_equal(book(f, &b, &id, &cf, &err), ALC_ECONFLICT);
	assert_string_equal(cf.items[0].what, "hours");
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE verb = "
	    "'CONFIG_CHANGE' AND practice_id = ?", f->pid), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_local_time_to_utc_handles_gaps_and_overlaps),
		cmocka_unit_test(
		    test_monthly_rules_find_the_nth_and_last_weekday),
#define DBT(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		DBT(test_weekly_series_keeps_local_time_across_dst),
		DBT(test_conflicts_are_refused_without_override_and_recorded_with_one),
		DBT(test_group_capacity_is_enforced),
		DBT(test_cancel_and_move_one_occurrence_leave_the_series),
		DBT(test_monthly_tail_moves_weekday_and_keeps_local_time),
		DBT(test_change_of_clinician_keeps_the_co_clinician),
		DBT(test_late_cancel_records_a_pending_charge_and_audits),
		DBT(test_a_merge_moves_appointments_to_the_survivor),
		DBT(test_list_gives_each_appointment_once_with_all_its_people),
		DBT(test_setup_adds_telehealth_types_rooms_hours_and_time_off),
#undef DBT
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
