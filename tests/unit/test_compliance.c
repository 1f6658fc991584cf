/*
 * test_compliance.c - compliance tasks (core/compliance): calendar dates
 * and time zones, recurrence (month ends, leap years, no drift on late
 * completion), the seeded program, completion with checklist and
 * sign-off, reassignment, retirement, reminders through the job queue,
 * calendar feed tokens and the iCalendar text, on the engine testlib
 * selects.
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
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "audit/audit.h"
#include "core/compliance/compliance.h"
#include "core/practice/practice.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "crypto/random.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "testlib.h"

static struct caldate
D(const char *s)
{
	struct caldate d;

	assert_int_equal(caldate_parse(s, &d), 0);
	return d;
}

static void
assert_date(struct caldate got, const char *want)
{
	char buf[CALDATE_TEXT_SIZE];

	assert_string_equal(caldate_format(got, buf), want);
}

/* --- pure: dates, zones, schedules --------------------------------------- */

static void
test_dates_parse_strictly_and_count_days(void **st)
{
	struct caldate d;

	(void)st;
	assert_int_equal(caldate_parse("2028-02-29", &d), 0);
	assert_int_equal(caldate_parse("2027-02-29", &d), ALC_EINVAL);
	assert_int_equal(caldate_parse("2027-2-28", &d), ALC_EINVAL);
	assert_int_equal(caldate_parse("2027-02-28x", &d), ALC_EINVAL);
	assert_int_equal(caldate_parse("2027-13-01", &d), ALC_EINVAL);
	assert_int_equal(caldate_parse(NULL, &d), ALC_EINVAL);
	assert_int_equal(caldate_to_days(D("1970-01-01")), 0);
	assert_int_equal(caldate_to_days(D("2000-03-01")), 11017);
	assert_int_equal(caldate_diff(D("2025-12-31"), D("2026-03-01")), 60);
	assert_date(caldate_from_days(caldate_to_days(D("1999-12-31")) + 1),
	    "2000-01-01");
	assert_true(caldate_cmp(D("2026-01-02"), D("2026-01-10")) < 0);
}

static void
test_today_follows_the_practice_zone_and_its_daylight_saving(void **st)
{
	struct caldate d;
	int32_t off;
	int64_t t;

	(void)st;
	/* 2026-01-01 03:00 UTC is still Dec 31 in New York, Jan 1 in Auckland. */
	t = (int64_t)caldate_to_days(D("2026-01-01")) * 86400000 + 3 * 3600000;
	assert_int_equal(caldate_today("America/New_York", t, &d), 0);
	assert_date(d, "2025-12-31");
	assert_int_equal(caldate_today("Pacific/Auckland", t, &d), 0);
	assert_date(d, "2026-01-01");
	assert_int_equal(caldate_today("UTC", t, &d), 0);
	assert_date(d, "2026-01-01");
	t = caldate_to_days(D("2026-07-01")) * 86400;
	assert_int_equal(caldate_utc_offset("America/New_York", t, &off), 0);
	assert_int_equal(off, -4 * 3600);
	t = caldate_to_days(D("2026-01-15")) * 86400;
	assert_int_equal(caldate_utc_offset("America/New_York", t, &off), 0);
	assert_int_equal(off, -5 * 3600);
	/* Past the file's last transition, the current rules still apply. */
	t = caldate_to_days(D("2061-07-01")) * 86400;
	assert_int_equal(caldate_utc_offset("America/New_York", t, &off), 0);
	assert_int_equal(off, -4 * 3600);
	t = caldate_to_days(D("2061-12-01")) * 86400;
	assert_int_equal(caldate_utc_offset("America/New_York", t, &off), 0);
	assert_int_equal(off, -5 * 3600);
	assert_int_equal(caldate_today("../../etc/passwd", 0, &d), ALC_EINVAL);
	assert_int_equal(caldate_today("/etc/localtime", 0, &d), ALC_EINVAL);
	assert_int_equal(caldate_today("Mars/Olympus_Mons", 0, &d),
	    ALC_ENOTFOUND);
}

static void
test_monthly_from_jan_31_keeps_the_month_end(void **st)
{
	struct compliance_recurrence m = {COMPLIANCE_MONTHS, 1, 31};
	struct caldate d = D("2027-01-31");
	static const char *const want[] = {"2027-02-28", "2027-03-31",
	    "2027-04-30", "2027-05-31"};
	size_t i;

	(void)st;
	for (i = 0; i < 4; i++) {
		assert_int_equal(compliance_next_due(&m, d, &d), 0);
		assert_date(d, want[i]);
	}
	d = D("2028-01-31");
	assert_int_equal(compliance_next_due(&m, d, &d), 0);
	assert_date(d, "2028-02-29");
	assert_int_equal(compliance_next_due(&m, d, &d), 0);
	assert_date(d, "2028-03-31");
}

static void
test_yearly_quarterly_days_and_once(void **st)
{
	struct compliance_recurrence y = {COMPLIANCE_MONTHS, 12, 29};
	struct compliance_recurrence q = {COMPLIANCE_MONTHS, 3, 30};
	struct compliance_recurrence n = {COMPLIANCE_DAYS, 10, 1};
	struct compliance_recurrence o = {COMPLIANCE_ONCE, 1, 1};
	struct compliance_recurrence bad = {COMPLIANCE_MONTHS, 0, 1};
	struct caldate d;
	char buf[48];

	(void)st;
	assert_int_equal(compliance_next_due(&y, D("2028-02-29"), &d), 0);
	assert_date(d, "2029-02-28");
	assert_int_equal(compliance_next_due(&y, d, &d), 0);
	assert_int_equal(compliance_next_due(&y, d, &d), 0);
	assert_int_equal(compliance_next_due(&y, d, &d), 0);
	assert_date(d, "2032-02-29");
	assert_int_equal(compliance_next_due(&q, D("2026-11-30"), &d), 0);
	assert_date(d, "2027-02-28");
	assert_int_equal(compliance_next_due(&q, d, &d), 0);
	assert_date(d, "2027-05-30");
	assert_int_equal(compliance_next_due(&n, D("2026-12-28"), &d), 0);
	assert_date(d, "2027-01-07");
	assert_int_equal(compliance_next_due(&o, D("2026-12-28"), &d),
	    ALC_ENOTFOUND);
	assert_int_equal(compliance_next_due(&bad, D("2026-12-28"), &d),
	    ALC_EINVAL);
	assert_string_equal(compliance_recurrence_label(&y, buf, sizeof(buf)),
	    "Every year");
	assert_string_equal(compliance_recurrence_label(&q, buf, sizeof(buf)),
	    "Every quarter");
	assert_string_equal(compliance_recurrence_label(&n, buf, sizeof(buf)),
	    "Every 10 days");
	q.every = 6;
	assert_string_equal(compliance_recurrence_label(&q, buf, sizeof(buf)),
	    "Every 6 months");
	assert_date(compliance_retain_until(D("2028-02-29")), "2034-02-28");
}

static void
test_due_words_and_reminder_days(void **st)
{
	struct caldate today = D("2026-03-10");
	char buf[48];

	(void)st;
	assert_string_equal(compliance_due_words(D("2026-03-15"), today, buf,
	    sizeof(buf)), "due in 5 days");
	assert_string_equal(compliance_due_words(D("2026-03-11"), today, buf,
	    sizeof(buf)), "due tomorrow");
	assert_string_equal(compliance_due_words(today, today, buf,
	    sizeof(buf)), "due today");
	assert_string_equal(compliance_due_words(D("2026-03-09"), today, buf,
	    sizeof(buf)), "1 day overdue");
	assert_string_equal(compliance_due_words(D("2026-03-07"), today, buf,
	    sizeof(buf)), "3 days overdue");
	assert_int_equal(compliance_reminder_for(D("2026-03-24"), today),
	    COMPLIANCE_REMIND_DUE14);
	assert_int_equal(compliance_reminder_for(D("2026-03-13"), today),
	    COMPLIANCE_REMIND_DUE3);
	assert_int_equal(compliance_reminder_for(D("2026-03-12"), today),
	    COMPLIANCE_REMIND_NONE);
	assert_int_equal(compliance_reminder_for(today, today),
	    COMPLIANCE_REMIND_NONE);
	assert_int_equal(compliance_reminder_for(D("2026-03-09"), today),
	    COMPLIANCE_REMIND_OVERDUE);
	assert_int_equal(compliance_reminder_for(D("2026-03-08"), today),
	    COMPLIANCE_REMIND_NONE);
	assert_int_equal(compliance_reminder_for(D("2026-03-02"), today),
	    COMPLIANCE_REMIND_OVERDUE);
}

/* --- with a database ------------------------------------------------------ */

struct fx {
	struct db *db;
	int64_t pid, owner, clin, comp, admin;
	struct compliance_actor as_owner, as_clin, as_comp, as_admin;
	struct audit_event ev_owner, ev_clin, ev_comp, ev_admin;
	struct caldate today;
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

static void
actor(struct compliance_actor *a, struct audit_event *ev, int64_t uid,
    const char *role, int manager)
{
	memset(ev, 0, sizeof(*ev));
	ev->actor_user_id = uid;
	ev->actor_role = role;
	ev->source_addr = "10.0.0.1";
	ev->request_id = "0123456789abcdef";
	ev->mfa = 1;
	a->who = ev;
	a->manager = manager;
}

static int
setup(void **st)
{
	struct practice_setup ps = {"Lakeside Counseling", "America/Chicago",
	    "owner@example.test", "Olive Owner", NULL};
	struct alc_err err;
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || test_db_open(&f->db) != 0)
		return -1;
	if (practice_create(f->db, &ps, &f->pid, &err) != 0 ||
	    users_find(f->db, f->pid, "owner@example.test", &f->owner) != 0)
		return -1;
	f->clin = add_user(f, "clin@example.test", "Cal Clinician",
	    ROLE_CLINICIAN);
	f->comp = add_user(f, "comp@example.test", "Cora Compliance",
	    ROLE_COMPLIANCE);
	f->admin = add_user(f, "admin@example.test", "Ada Admin", ROLE_ADMIN);
	actor(&f->as_owner, &f->ev_owner, f->owner, "owner", 1);
	actor(&f->as_clin, &f->ev_clin, f->clin, "clinician", 0);
	actor(&f->as_comp, &f->ev_comp, f->comp, "compliance", 1);
	actor(&f->as_admin, &f->ev_admin, f->admin, "admin", 1);
	if (compliance_practice_today(f->db, f->pid, time_now_ms(),
	    &f->today) != 0)
		return -1;
	*st = f;
	return 0;
}

static int
teardown(void **st)
{
	struct fx *f = *st;

	test_db_close(f->db);
	free(f);
	return 0;
}

static int64_t
q64(struct fx *f, const char *sql, int64_t a)
{
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;
	int64_t v = -1;

	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, sql), 0);
	if (a != INT64_MIN)
		db_bind_i64(s, 1, a);
	if (db_step(s) == DB_ROW)
		v = db_col_i64(s, 0);
	db_stmt_done(s);
	db_release(c);
	return v;
}

static int64_t
new_task(struct fx *f, const char *title, enum compliance_recur k, int every,
    const char *due, const char *checklist, int signoff)
{
	struct compliance_task_input in;
	struct alc_err err;
	int64_t id = 0;

	memset(&in, 0, sizeof(in));
	in.title = title;
	in.rule_citation = "45 CFR 164.308(a)(1)(ii)(D)";
	in.owner_id = f->owner;
	in.rec.kind = k;
	in.rec.every = every;
	in.next_due = due;
	in.checklist = checklist;
	in.requires_signoff = signoff;
	memset(&err, 0, sizeof(err));
	if (compliance_task_create(f->db, f->pid, &f->as_owner, &in, &id,
	    &err) != 0)
		fail_msg("create: %s", err.msg);
	return id;
}

static void
test_seeded_program_is_complete_owned_cited_and_idempotent(void **st)
{
	struct fx *f = *st;
	struct compliance_task *t;
	struct arena *a = arena_new();
	size_t n, i;
	int added = -1;

	assert_int_equal(compliance_seed_program_n(f->db, f->pid, f->owner,
	    f->today, &added), 0);
	assert_int_equal(added, 12);
	assert_int_equal(compliance_seed_count(), 12);
	assert_int_equal(compliance_task_list(f->db, a, f->pid, 0, &t, &n), 0);
	assert_int_equal(n, 12);
	for (i = 0; i < n; i++) {
		assert_int_equal(t[i].owner_id, f->owner);
		assert_string_equal(t[i].owner_name, "Olive Owner");
		assert_non_null(strstr(t[i].rule_citation, "164."));
		assert_true(strlen(t[i].rule_text) > 40);
		assert_non_null(t[i].next_due);
		assert_true(strcmp(t[i].next_due, t[0].next_due) >= 0);
		assert_int_equal(t[i].rec.kind, COMPLIANCE_MONTHS);
	}
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'compliance_task' AND verb = 'CREATE' AND "
	    "practice_id = ?", f->pid), 12);
	assert_int_equal(q64(f, "SELECT count(*) FROM compliance_tasks WHERE "
	    "seed_key = 'vulnerability_scan' AND every_n = 6 AND practice_id = ?",
	    f->pid), 1);
	assert_int_equal(q64(f, "SELECT count(*) FROM compliance_tasks WHERE "
	    "seed_key = 'audit_log_review' AND every_n = 1 AND practice_id = ?",
	    f->pid), 1);
	assert_int_equal(q64(f, "SELECT count(*) FROM jobs WHERE kind = "
	    "'compliance.reminders' AND practice_id = ?", f->pid), 1);
	/* Again: nothing new, not even a retired task coming back. */
	assert_int_equal(compliance_task_retire(f->db, f->pid, &f->as_owner,
	    t[0].id, "we use another process", f->today, NULL), 0);
	assert_int_equal(compliance_seed_program_n(f->db, f->pid, f->owner,
	    f->today, &added), 0);
	assert_int_equal(added, 0);
	assert_int_equal(q64(f, "SELECT count(*) FROM compliance_tasks WHERE "
	    "practice_id = ?", f->pid), 12);
	assert_int_equal(q64(f, "SELECT count(*) FROM compliance_tasks WHERE "
	    "status = 'retired' AND practice_id = ?", f->pid), 1);
	/* The owner must be staff of the practice. */
	assert_int_equal(compliance_seed_program(f->db, f->pid, 999999,
	    f->today), ALC_EINVAL);
	arena_free(a);
}

static void
test_late_completion_keeps_the_schedule_and_records_the_checklist(void **st)
{
	struct fx *f = *st;
	static const unsigned char marks[] = {1, 0, 1};
	struct compliance_occurrence *occ;
	struct compliance_reassignment *re;
	struct compliance_task t;
	struct arena *a = arena_new();
	struct alc_err err;
	char next[CALDATE_TEXT_SIZE];
	size_t nocc, nre;
	int64_t id;

	id = new_task(f, "Audit-log review", COMPLIANCE_MONTHS, 1, "2026-01-31",
	    "Sign-ins\n  \nRecord access\nExports\n", 0);
	memset(&err, 0, sizeof(err));
	/* Completed ten days late: the next one is still the month's end. */
	assert_int_equal(compliance_complete(f->db, f->pid, &f->as_owner, id,
	    "2026-01-31", "Reviewed, nothing unusual", marks, 3, D("2026-02-10"),
	    next, &err), 0);
	assert_string_equal(next, "2026-02-28");
	assert_int_equal(compliance_complete(f->db, f->pid, &f->as_owner, id,
	    "2026-02-28", "Done", NULL, 0, D("2026-03-02"), next, &err), 0);
	assert_string_equal(next, "2026-03-31");
	/* The same form sent again completes nothing. */
	assert_int_equal(compliance_complete(f->db, f->pid, &f->as_owner, id,
	    "2026-02-28", "Done", NULL, 0, D("2026-03-02"), next, &err),
	    ALC_ECONFLICT);
	assert_int_equal(compliance_complete(f->db, f->pid, &f->as_owner, id,
	    "2026-03-31", "", NULL, 0, D("2026-03-02"), next, &err), ALC_EINVAL);
	assert_non_null(strstr(err.user, "note"));
	assert_int_equal(compliance_task_get(f->db, a, f->pid, id, &t), 0);
	assert_string_equal(t.next_due, "2026-03-31");
	assert_int_equal(compliance_task_history(f->db, a, f->pid, id, &occ,
	    &nocc, &re, &nre), 0);
	assert_int_equal(nocc, 2);
	assert_string_equal(occ[1].due_date, "2026-01-31");
	assert_string_equal(occ[1].completed_on, "2026-02-10");
	assert_string_equal(occ[1].checklist,
	    "[x] Sign-ins\n[ ] Record access\n[x] Exports\n");
	assert_string_equal(occ[1].note, "Reviewed, nothing unusual");
	assert_string_equal(occ[1].completed_by_name, "Olive Owner");
	assert_string_equal(occ[0].checklist,
	    "[ ] Sign-ins\n[ ] Record access\n[ ] Exports\n");
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'compliance_task' AND verb = 'UPDATE' AND object_id = "
	    "CAST(? AS TEXT)", id), 2);
	arena_free(a);
}

static void
test_a_one_off_task_is_done_after_one_completion(void **st)
{
	struct fx *f = *st;
	struct compliance_task t;
	struct arena *a = arena_new();
	char next[CALDATE_TEXT_SIZE];
	int64_t id;

	id = new_task(f, "Appoint a security official", COMPLIANCE_ONCE, 1,
	    "2026-05-01", NULL, 0);
	assert_int_equal(compliance_complete(f->db, f->pid, &f->as_owner, id,
	    "2026-05-01", "Cora appointed", NULL, 0, D("2026-04-20"), next, NULL),
	    0);
	assert_string_equal(next, "");
	assert_int_equal(compliance_task_get(f->db, a, f->pid, id, &t), 0);
	assert_null(t.next_due);
	arena_free(a);
}

static void
test_only_owner_backup_or_manager_completes_and_reassigns(void **st)
{
	struct fx *f = *st;
	struct compliance_task_input in;
	struct alc_err err;
	int64_t id;

	id = new_task(f, "Access review", COMPLIANCE_MONTHS, 1, "2026-04-30",
	    NULL, 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(compliance_complete(f->db, f->pid, &f->as_clin, id,
	    "2026-04-30", "x", NULL, 0, f->today, NULL, &err), ALC_EPERM);
	assert_int_equal(compliance_reassign(f->db, f->pid, &f->as_clin, id,
	    f->clin, "taking it over", &err), ALC_EPERM);
	/* As backup owner the clinician may. */
	memset(&in, 0, sizeof(in));
	in.title = "Access review";
	in.owner_id = f->owner;
	in.backup_id = f->clin;
	in.rec.kind = COMPLIANCE_MONTHS;
	in.rec.every = 1;
	in.next_due = "2026-04-30";
	assert_int_equal(compliance_task_update(f->db, f->pid, &f->as_admin, id,
	    &in, &err), 0);
	assert_int_equal(compliance_complete(f->db, f->pid, &f->as_clin, id,
	    "2026-04-30", "Reviewed", NULL, 0, f->today, NULL, &err), 0);
	/* A task from another practice is not found. */
	assert_int_equal(compliance_complete(f->db, f->pid + 1, &f->as_owner, id,
	    "2026-05-31", "x", NULL, 0, f->today, NULL, &err), ALC_ENOTFOUND);
	/* Editing recorded the new backup owner. */
	assert_int_equal(q64(f, "SELECT count(*) FROM compliance_reassignments "
	    "WHERE which = 'backup' AND task_id = ?", id), 1);
}

static void
test_reassignment_is_recorded_with_who_when_and_why(void **st)
{
	struct fx *f = *st;
	struct compliance_occurrence *occ;
	struct compliance_reassignment *re;
	struct compliance_task t;
	struct arena *a = arena_new();
	struct alc_err err;
	size_t nocc, nre;
	int64_t id;

	id = new_task(f, "Risk analysis", COMPLIANCE_MONTHS, 12, "2026-09-30",
	    NULL, 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(compliance_reassign(f->db, f->pid, &f->as_comp, id,
	    f->clin, "", &err), ALC_EINVAL);
	assert_int_equal(compliance_reassign(f->db, f->pid, &f->as_comp, id,
	    999999, "on leave", &err), ALC_EINVAL);
	assert_non_null(strstr(err.user, "staff list"));
	assert_int_equal(compliance_reassign(f->db, f->pid, &f->as_comp, id,
	    f->clin, "Olive on leave until June", &err), 0);
	assert_int_equal(compliance_task_get(f->db, a, f->pid, id, &t), 0);
	assert_int_equal(t.owner_id, f->clin);
	assert_string_equal(t.owner_name, "Cal Clinician");
	assert_int_equal(compliance_task_history(f->db, a, f->pid, id, &occ,
	    &nocc, &re, &nre), 0);
	assert_int_equal(nre, 1);
	assert_string_equal(re[0].which, "owner");
	assert_string_equal(re[0].from_name, "Olive Owner");
	assert_string_equal(re[0].to_name, "Cal Clinician");
	assert_string_equal(re[0].by_name, "Cora Compliance");
	assert_string_equal(re[0].reason, "Olive on leave until June");
	assert_true(re[0].changed_at > 0);
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'compliance_task' AND detail LIKE '%reassigned%' AND "
	    "actor_user_id = ?", f->comp), 1);
	arena_free(a);
}

static void
test_signoff_needs_a_second_person_who_manages(void **st)
{
	struct fx *f = *st;
	struct compliance_task t;
	struct arena *a = arena_new();
	struct alc_err err;
	int64_t id, occ;

	id = new_task(f, "Risk analysis", COMPLIANCE_MONTHS, 12, "2026-09-30",
	    NULL, 1);
	memset(&err, 0, sizeof(err));
	assert_int_equal(compliance_complete(f->db, f->pid, &f->as_owner, id,
	    "2026-09-30", "Report attached", NULL, 0, f->today, NULL, &err), 0);
	assert_int_equal(compliance_task_get(f->db, a, f->pid, id, &t), 0);
	assert_true(t.awaiting_signoff > 0);
	occ = t.awaiting_signoff;
	assert_int_equal(compliance_signoff(f->db, f->pid, &f->as_owner, id, occ,
	    "ok", &err), ALC_EPERM);
	assert_non_null(strstr(err.user, "second person"));
	assert_int_equal(compliance_signoff(f->db, f->pid, &f->as_clin, id, occ,
	    "ok", &err), ALC_EPERM);
	assert_int_equal(compliance_signoff(f->db, f->pid, &f->as_comp, id, occ,
	    "Checked the report", &err), 0);
	assert_int_equal(compliance_signoff(f->db, f->pid, &f->as_admin, id, occ,
	    "again", &err), ALC_ECONFLICT);
	assert_int_equal(compliance_task_get(f->db, a, f->pid, id, &t), 0);
	assert_int_equal(t.awaiting_signoff, 0);
	assert_int_equal(q64(f, "SELECT signed_off_by FROM "
	    "compliance_occurrences WHERE id = ?", occ), f->comp);
	arena_free(a);
}

static void
test_bad_input_is_refused_with_a_reason_the_form_can_show(void **st)
{
	struct fx *f = *st;
	struct compliance_task_input in;
	struct alc_err err;
	int64_t id = 0;

	memset(&in, 0, sizeof(in));
	in.title = "Review";
	in.owner_id = f->owner;
	in.rec.kind = COMPLIANCE_MONTHS;
	in.rec.every = 1;
	in.next_due = "2026-02-30";
	memset(&err, 0, sizeof(err));
	assert_int_equal(compliance_task_create(f->db, f->pid, &f->as_owner, &in,
	    &id, &err), ALC_EINVAL);
	assert_non_null(strstr(err.user, "due date"));
	in.next_due = "2026-02-28";
	in.title = "";
	assert_int_equal(compliance_task_create(f->db, f->pid, &f->as_owner, &in,
	    &id, &err), ALC_EINVAL);
	in.title = "Bad \x01 title";
	assert_int_equal(compliance_task_create(f->db, f->pid, &f->as_owner, &in,
	    &id, &err), ALC_EINVAL);
	in.title = "Invalid \xc3\x28 UTF-8";
	assert_int_equal(compliance_task_create(f->db, f->pid, &f->as_owner, &in,
	    &id, &err), ALC_EINVAL);
	in.title = "Review";
	in.owner_id = 999999;
	assert_int_equal(compliance_task_create(f->db, f->pid, &f->as_owner, &in,
	    &id, &err), ALC_EINVAL);
	assert_non_null(strstr(err.user, "owner"));
	in.owner_id = f->owner;
	in.backup_id = f->owner;
	assert_int_equal(compliance_task_create(f->db, f->pid, &f->as_owner, &in,
	    &id, &err), ALC_EINVAL);
	in.backup_id = 0;
	in.rec.every = 0;
	assert_int_equal(compliance_task_create(f->db, f->pid, &f->as_owner, &in,
	    &id, &err), ALC_EINVAL);
	assert_int_equal(q64(f, "SELECT count(*) FROM compliance_tasks WHERE "
	    "practice_id = ?", f->pid), 0);
}

static void
test_retired_tasks_keep_their_record_and_cannot_change(void **st)
{
	struct fx *f = *st;
	struct compliance_task_input in;
	struct compliance_task *list, t;
	struct arena *a = arena_new();
	struct alc_err err;
	char ret[CALDATE_TEXT_SIZE];
	size_t n;
	int64_t id;

	id = new_task(f, "Old task", COMPLIANCE_MONTHS, 12, "2026-09-30", NULL, 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(compliance_task_retire(f->db, f->pid, &f->as_owner, id,
	    "", f->today, &err), ALC_EINVAL);
	assert_int_equal(compliance_task_retire(f->db, f->pid, &f->as_owner, id,
	    "Merged into the risk analysis", f->today, &err), 0);
	assert_int_equal(compliance_task_retire(f->db, f->pid, &f->as_owner, id,
	    "twice", f->today, &err), ALC_ENOTFOUND);
	assert_int_equal(compliance_task_list(f->db, a, f->pid, 0, &list, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(compliance_task_list(f->db, a, f->pid, 1, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_true(list[0].retired);
	assert_int_equal(compliance_task_get(f->db, a, f->pid, id, &t), 0);
	assert_string_equal(t.retire_reason, "Merged into the risk analysis");
	assert_string_equal(t.retain_until, caldate_format(
	    compliance_retain_until(f->today), ret));
	memset(&in, 0, sizeof(in));
	in.title = "Changed";
	in.owner_id = f->owner;
	in.rec.kind = COMPLIANCE_ONCE;
	in.next_due = "2026-10-01";
	assert_int_equal(compliance_task_update(f->db, f->pid, &f->as_owner, id,
	    &in, &err), ALC_ECONFLICT);
	assert_int_equal(compliance_complete(f->db, f->pid, &f->as_owner, id,
	    "2026-09-30", "x", NULL, 0, f->today, NULL, &err), ALC_ECONFLICT);
	arena_free(a);
}

/* The e-mail jobs queued for one address. */
static int64_t
mails_to(struct fx *f, const char *email)
{
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;
	char like[128];
	int64_t n = -1;

	snprintf(like, sizeof(like), "%%\"to\":\"%s\"%%", email);
	assert_int_equal(db_prepare(c, &s, "SELECT count(*) FROM jobs WHERE "
	    "kind = 'email.send' AND payload LIKE ? AND payload LIKE "
	    "'%\"template\":\"compliance_reminder\"%'"), 0);
	db_bind_text(s, 1, like);
	if (db_step(s) == DB_ROW)
		n = db_col_i64(s, 0);
	db_stmt_done(s);
	db_release(c);
	return n;
}

static void
due_in(struct fx *f, const char *title, int days)
{
	char d[CALDATE_TEXT_SIZE];

	new_task(f, title, COMPLIANCE_MONTHS, 12, caldate_format(
	    caldate_add_days(f->today, days), d), NULL, 0);
}

static void
test_reminders_go_out_once_at_14_and_3_days_and_escalate_when_overdue(
    void **st)
{
	struct fx *f = *st;
	int queued = -1;

	due_in(f, "In fourteen", 14);
	due_in(f, "In three", 3);
	due_in(f, "In five", 5);
	due_in(f, "Yesterday", -1);
	due_in(f, "Two days ago", -2);
	assert_int_equal(compliance_send_reminders(f->db, f->pid, f->today,
	    "https://alcove.example", &queued), 0);
	/* Owner: 14, 3, overdue.  Compliance officer: overdue only. */
	assert_int_equal(queued, 4);
	assert_int_equal(mails_to(f, "owner@example.test"), 3);
	assert_int_equal(mails_to(f, "comp@example.test"), 1);
	assert_int_equal(mails_to(f, "clin@example.test"), 0);
	assert_int_equal(q64(f, "SELECT count(*) FROM jobs WHERE payload LIKE "
	    "'%https://alcove.example/compliance/tasks/%' AND payload LIKE "
	    "'%1 day overdue%' AND practice_id = ?", f->pid), 2);
	/* Run again the same day (at-least-once delivery): nothing new. */
	assert_int_equal(compliance_send_reminders(f->db, f->pid, f->today,
	    "https://alcove.example", &queued), 0);
	assert_int_equal(queued, 0);
	assert_int_equal(mails_to(f, "owner@example.test"), 3);
	/* A week later the overdue one comes back. */
	assert_int_equal(compliance_send_reminders(f->db, f->pid,
	    caldate_add_days(f->today, 7), "https://alcove.example", &queued), 0);
	assert_int_equal(queued, 2);
}

static void
test_the_daily_job_sends_and_schedules_tomorrow_at_seven(void **st)
{
	struct fx *f = *st;
	struct jobs_config jc = {.threads = 1, .poll_ms = 60000};
	struct config cfg;
	struct db_conn *c;
	struct jobs *q;
	int ran = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.server.public_url = (char *)(uintptr_t)"https://alcove.example/";
	due_in(f, "In three", 3);
	assert_non_null(q = jobs_new(f->db, &jc));
	assert_int_equal(compliance_register_jobs(q, &cfg), 0);
	assert_non_null(c = db_acquire(f->db, 5000, NULL));
	assert_int_equal(compliance_schedule_reminders(c, f->pid, time_now_ms()),
	    0);
	/* The same day again is the same job. */
	assert_int_equal(compliance_schedule_reminders(c, f->pid, time_now_ms()),
	    0);
	db_release(c);
	assert_int_equal(q64(f, "SELECT count(*) FROM jobs WHERE kind = "
	    "'compliance.reminders' AND practice_id = ?", f->pid), 1);
	assert_int_equal(jobs_run_once(q, &ran), 0);
	assert_int_equal(ran, 1);
	assert_int_equal(q64(f, "SELECT count(*) FROM jobs WHERE kind = "
	    "'compliance.reminders' AND status = 'done' AND practice_id = ?",
	    f->pid), 1);
	assert_int_equal(mails_to(f, "owner@example.test"), 1);
	assert_int_equal(q64(f, "SELECT count(*) FROM jobs WHERE payload LIKE "
	    "'%https://alcove.example/compliance/tasks/%' AND practice_id = ?",
	    f->pid), 1);
	/* Tomorrow's run: 07:00 in Chicago is 12:00 or 13:00 UTC. */
	{
		int64_t at = q64(f, "SELECT run_at FROM jobs WHERE kind = "
		    "'compliance.reminders' AND status = 'queued' AND practice_id "
		    "= ?", f->pid);
		int64_t day = caldate_to_days(caldate_add_days(f->today, 1));
		int64_t h = (at / 1000 - day * 86400) / 3600;
		assert_true(at % 3600000 == 0);
		assert_true(h == 12 || h == 13);
	}
	jobs_free(q);
}

static void
test_feed_tokens_are_hashed_replaced_revoked_and_die_with_the_account(
    void **st)
{
	struct fx *f = *st;
	char tok[RAND_TOKEN_SIZE], tok2[RAND_TOKEN_SIZE];
	int64_t pid, uid, made, delay;
	unsigned roles;

	assert_int_equal(compliance_feed_token_created(f->db, f->pid, f->clin,
	    &made), ALC_ENOTFOUND);
	assert_int_equal(compliance_feed_token_create(f->db, f->pid, &f->as_clin,
	    tok, sizeof(tok)), 0);
	assert_int_equal(strlen(tok), RAND_TOKEN_LEN);
	assert_int_equal(compliance_feed_token_created(f->db, f->pid, f->clin,
	    &made), 0);
	assert_int_equal(compliance_feed_lookup(f->db, tok, &pid, &uid, &roles),
	    0);
	assert_int_equal(pid, f->pid);
	assert_int_equal(uid, f->clin);
	assert_int_equal(roles, ROLE_CLINICIAN);
	/* Only the hash is stored. */
	assert_int_equal(q64(f, "SELECT count(*) FROM compliance_feed_tokens "
	    "WHERE user_id = ?", f->clin), 1);
	{
		struct db_conn *c = db_acquire(f->db, 5000, NULL);
		struct db_stmt *s;
		assert_int_equal(db_prepare(c, &s, "SELECT count(*) FROM "
		    "compliance_feed_tokens WHERE token_hash = ?"), 0);
		db_bind_text(s, 1, tok);
		assert_int_equal(db_step(s), DB_ROW);
		assert_int_equal(db_col_i64(s, 0), 0);
		db_stmt_done(s);
		db_release(c);
	}
	assert_int_equal(compliance_feed_token_create(f->db, f->pid, &f->as_clin,
	    tok2, sizeof(tok2)), 0);
	assert_int_equal(compliance_feed_lookup(f->db, tok, &pid, &uid, &roles),
	    ALC_ENOTFOUND);
	assert_int_equal(compliance_feed_lookup(f->db, tok2, &pid, &uid,
	    &roles), 0);
	assert_int_equal(compliance_feed_lookup(f->db, "short", &pid, &uid,
	    &roles), ALC_ENOTFOUND);
	assert_int_equal(users_deactivate(f->db, f->pid, f->clin, 0,
	    &f->ev_owner, "left", &delay, NULL), 0);
	assert_int_equal(compliance_feed_lookup(f->db, tok2, &pid, &uid,
	    &roles), ALC_ENOTFOUND);
	assert_int_equal(compliance_feed_token_create(f->db, f->pid,
	    &f->as_comp, tok, sizeof(tok)), 0);
	assert_int_equal(compliance_feed_token_revoke(f->db, f->pid,
	    &f->as_comp), 0);
	assert_int_equal(compliance_feed_lookup(f->db, tok, &pid, &uid, &roles),
	    ALC_ENOTFOUND);
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'compliance_feed_token' AND actor_user_id = ?",
	    f->comp), 2);
}

/* Unfolds RFC 5545 content lines (CRLF + space) in place. */
static void
unfold(char *s)
{
	char *w = s, *r = s;

	while (*r) {
		if (r[0] == '\r' && r[1] == '\n' && r[2] == ' ')
			r += 3;
		else
			*w++ = *r++;
	}
	*w = '\0';
}

static void
test_ical_folds_escapes_and_marks_all_day_events(void **st)
{
	struct compliance_task t[2];
	struct buf b;
	const char *p, *line;
	char *text;

	(void)st;
	memset(t, 0, sizeof(t));
	t[0].id = 7;
	t[0].title = "Review; policies, \\ and \"notes\"\nsecond line "
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	t[0].owner_name = "Olive Owner";
	t[0].rule_citation = "45 CFR 164.316(b)(2)(iii)";
	t[0].rec = (struct compliance_recurrence){COMPLIANCE_MONTHS, 12, 31};
	t[0].next_due = "2026-12-31";
	t[1] = t[0];
	t[1].id = 8;
	t[1].next_due = NULL; /* a finished one-off: no event */
	buf_init(&b, NULL);
	compliance_ical(&b, "Compliance, Lakeside", "practice-1.alcove", t, 2,
	    1795568523000LL);
	assert_false(buf_failed(&b));
	/* Every line ends in CRLF and is at most 75 octets. */
	for (p = buf_cstr(&b); *p; p = line + 2) {
		line = strstr(p, "\r\n");
		assert_non_null(line);
		assert_true(line - p <= 75);
		assert_null(memchr(p, '\n', (size_t)(line - p)));
		/* A fold never starts inside a UTF-8 character. */
		if (*p == ' ')
			assert_true(((unsigned char)p[1] & 0xc0) != 0x80);
	}
	text = buf_detach(&b);
	unfold(text);
	assert_non_null(strstr(text, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "PRODID:"));
	assert_non_null(strstr(text, "X-WR-CALNAME:Compliance\\, Lakeside\r\n"));
	assert_non_null(strstr(text, "UID:compliance-task-7-20261231@"
	    "practice-1.alcove\r\n"));
	assert_null(strstr(text, "compliance-task-8"));
	assert_non_null(strstr(text, "DTSTAMP:20261125T010203Z\r\n"));
	assert_non_null(strstr(text, "DTSTART;VALUE=DATE:20261231\r\n"));
	assert_non_null(strstr(text, "DTEND;VALUE=DATE:20270101\r\n"));
	assert_non_null(strstr(text, "SUMMARY:Review\\; policies\\, \\\\ and "
	    "\"notes\"\\nsecond line \xc3\xa9"));
	assert_non_null(strstr(text, "DESCRIPTION:Owner: Olive Owner\\nRule: "
	    "45 CFR 164.316(b)(2)(iii)\\nEvery year\r\n"));
	assert_non_null(strstr(text, "END:VEVENT\r\nEND:VCALENDAR\r\n"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates_parse_strictly_and_count_days),
		cmocka_unit_test(
		    test_today_follows_the_practice_zone_and_its_daylight_saving),
		cmocka_unit_test(test_monthly_from_jan_31_keeps_the_month_end),
		cmocka_unit_test(test_yearly_quarterly_days_and_once),
		cmocka_unit_test(test_due_words_and_reminder_days),
		cmocka_unit_test(test_ical_folds_escapes_and_marks_all_day_events),
#define DBT(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		DBT(test_seeded_program_is_complete_owned_cited_and_idempotent),
		DBT(test_late_completion_keeps_the_schedule_and_records_the_checklist),
		DBT(test_a_one_off_task_is_done_after_one_completion),
		DBT(test_only_owner_backup_or_manager_completes_and_reassigns),
		DBT(test_reassignment_is_recorded_with_who_when_and_why),
		DBT(test_signoff_needs_a_second_person_who_manages),
		DBT(test_bad_input_is_refused_with_a_reason_the_form_can_show),
		DBT(test_retired_tasks_keep_their_record_and_cannot_change),
		DBT(test_reminders_go_out_once_at_14_and_3_days_and_escalate_when_overdue),
		DBT(test_the_daily_job_sends_and_schedules_tomorrow_at_seven),
		DBT(test_feed_tokens_are_hashed_replaced_revoked_and_die_with_the_account),
#undef DBT
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
