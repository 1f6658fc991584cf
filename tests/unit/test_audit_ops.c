/*
 * test_audit_ops.c - audit trail operations (issue #5): the review's flag
 * rules, marks and sign-off; the daily digest's schedule and its e-mail
 * (once per day, to the compliance officers or else the owners); the
 * syslog message format.  On the engine named by ALCOVE_TEST_ENGINE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/caldate.h"
#include "base/err.h"
#include "core/audit_view/audit_view.h"
#include "db/db.h"
#include "testlib.h"

#define NY "America/New_York"
/* Wednesday 2026-11-25 00:00 in New York (EST, UTC-5). */
#define WED_NY_MS 1795582800000LL
#define HOUR_MS 3600000LL

struct fx {
	struct db *db;
	struct arena *a;
	int64_t pid, owner, officer;
};

static int64_t
insert_id(struct db *db, const char *sql)
{
	struct db_conn *c = db_acquire(db, 5000, NULL);
	struct db_stmt *s;
	int64_t id;

	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, sql), 0);
	assert_int_equal(db_step(s), DB_ROW);
	id = db_col_i64(s, 0);
	db_stmt_done(s);
	db_release(c);
	return id;
}

static void
exec(struct db *db, const char *sql)
{
	struct db_conn *c = db_acquire(db, 5000, NULL);

	assert_non_null(c);
	assert_int_equal(db_exec(c, sql), 0);
	db_release(c);
}

static int64_t
count(struct db *db, const char *sql)
{
	struct db_conn *c = db_acquire(db, 5000, NULL);
	int64_t n = -1;

	assert_non_null(c);
	assert_int_equal(db_query_i64(c, sql, &n), 0);
	db_release(c);
	return n;
}

static int
setup(void **state)
{
	static struct fx fx;

	memset(&fx, 0, sizeof(fx));
	if (test_db_open(&fx.db) != 0 || (fx.a = arena_new()) == NULL)
		return -1;
	fx.pid = insert_id(fx.db, "INSERT INTO practices (name, slug, timezone, "
	    "created_at) VALUES ('P', 'p', 'America/New_York', 0) RETURNING id");
	fx.owner = insert_id(fx.db, "INSERT INTO users (email, display_name, "
	    "created_at, updated_at) VALUES ('owner@example.test', 'Ola Owner', "
	    "0, 0) RETURNING id");
	fx.officer = insert_id(fx.db, "INSERT INTO users (email, display_name, "
	    "created_at, updated_at) VALUES ('co@example.test', 'Cy Officer', "
	    "0, 0) RETURNING id");
	exec(fx.db, "INSERT INTO memberships (practice_id, user_id, role, "
	    "created_at) VALUES (1, 1, 'owner', 0)");
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	arena_free(fx->a);
	test_db_close(fx->db);
	return 0;
}

static void
write_event(struct fx *fx, const char *verb, int64_t at, int64_t patient,
    const char *addr)
{
	struct db_conn *c = db_acquire(fx->db, 5000, NULL);
	struct audit_event ev = {
		.recorded_at = at, .actor_user_id = fx->owner,
		.actor_role = "owner", .verb = verb, .practice_id = fx->pid,
		.object_type = patient ? "patient" : "user",
		.object_id = "1", .patient_id = patient, .source_addr = addr,
		.outcome = strcmp(verb, "LOGIN_FAIL") == 0 ? AUDIT_MINOR_FAILURE :
		    AUDIT_OK,
		.reason = strcmp(verb, "BREAK_GLASS") == 0 ? "emergency" : NULL,
	};

	assert_non_null(c);
	assert_int_equal(audit_write(c, &ev), 0);
	db_release(c);
}

static void
test_after_hours_are_outside_7_to_19_on_weekdays_in_the_practice_zone(
    void **state)
{
	(void)state;
	assert_false(audit_review_after_hours(NY, WED_NY_MS + 9 * HOUR_MS));
	assert_false(audit_review_after_hours(NY, WED_NY_MS + 7 * HOUR_MS));
	assert_true(audit_review_after_hours(NY, WED_NY_MS + 7 * HOUR_MS - 1));
	assert_true(audit_review_after_hours(NY, WED_NY_MS + 19 * HOUR_MS));
	/* 14:00 UTC is 09:00 in New York but would be after hours nowhere
	 * near: the zone matters. */
	assert_true(audit_review_after_hours(NY, WED_NY_MS + 2 * HOUR_MS));
	assert_false(audit_review_after_hours("UTC", WED_NY_MS + 2 * HOUR_MS));
	/* Saturday noon. */
	assert_true(audit_review_after_hours(NY, WED_NY_MS + 3 * 24 * HOUR_MS +
	    12 * HOUR_MS));
}

static void
test_digest_runs_after_local_midnight_or_on_the_test_interval(void **state)
{
	int64_t now = WED_NY_MS - 75 * 60000; /* Tue 22:45 in New York */

	(void)state;
	assert_int_equal(audit_digest_next_run(NY, now, 0),
	    WED_NY_MS + 15 * 60000);
	assert_int_equal(audit_digest_next_run(NY, WED_NY_MS + 60000, 0),
	    WED_NY_MS + 24 * HOUR_MS + 15 * 60000);
	assert_int_equal(audit_digest_next_run(NY, now, 30), now + 30000);
	assert_int_equal(audit_digest_next_run(NULL, 0, 0), 15 * 60000 + 86400000LL);
}

static void
test_review_flags_bursts_exports_break_glass_and_after_hours(void **state)
{
	struct fx *fx = *state;
	struct caldate wed = {2026, 11, 25};
	struct audit_review rv;
	int64_t t = WED_NY_MS + 10 * HOUR_MS;
	size_t i, bursts = 0;
	int i5;

	write_event(fx, "BREAK_GLASS", t, 7, "10.0.0.1");
	write_event(fx, "EXPORT", t + 60000, 7, "10.0.0.1");
	write_event(fx, "VIEW", t + 120000, 7, "10.0.0.1");    /* in hours */
	write_event(fx, "VIEW", WED_NY_MS + 2 * HOUR_MS, 7, "10.0.0.1");
	for (i5 = 0; i5 < 5; i5++) /* a burst: 5 in 10 minutes */
		write_event(fx, "LOGIN_FAIL", t + HOUR_MS + i5 * 120000, 0,
		    "10.0.0.9");
	for (i5 = 0; i5 < 4; i5++) /* no burst: 4, an hour apart */
		write_event(fx, "LOGIN_FAIL", t + (3 + i5) * HOUR_MS, 0,
		    "10.0.0.8");
	write_event(fx, "VIEW", WED_NY_MS + 34 * HOUR_MS, 7, "x"); /* Thu 10:00 */
	assert_int_equal(audit_review_run(fx->db, fx->a, fx->pid, NY, wed, wed,
	    &rv), 0);
	assert_int_equal(rv.events, 13);
	assert_int_equal(rv.n_flagged, 8);
	for (i = 0; i < rv.n_flagged; i++) {
		bursts += strcmp(rv.flagged[i].flag, "login_fail_burst") == 0;
		if (i > 0)
			assert_true(rv.flagged[i].seq < rv.flagged[i - 1].seq);
		assert_non_null(rv.flagged[i].what);
		assert_null(rv.flagged[i].note);
	}
	assert_int_equal(bursts, 5);
	for (i = 0; i < rv.n_counts; i++)
		if (strcmp(rv.counts[i].verb, "LOGIN_FAIL") == 0)
			assert_int_equal(rv.counts[i].n, 9);
	/* The burst's window is what makes it one: by account too. */
	assert_int_equal(audit_review_run(fx->db, fx->a, fx->pid, NY,
	    (struct caldate){2026, 11, 26}, (struct caldate){2026, 11, 26},
	    &rv), 0);
	assert_int_equal(rv.events, 1);
	assert_int_equal(rv.n_flagged, 0);
	assert_int_equal(audit_review_run(fx->db, fx->a, fx->pid, NY,
	    (struct caldate){2026, 11, 26}, wed, &rv), ALC_EINVAL);
}

static void
test_sign_off_needs_every_flagged_event_marked(void **state)
{
	struct fx *fx = *state;
	struct caldate wed = {2026, 11, 25};
	struct audit_review rv;
	struct audit_event ev;
	int64_t id = 0;
	size_t i;

	write_event(fx, "BREAK_GLASS", WED_NY_MS + 10 * HOUR_MS, 7, "a");
	write_event(fx, "AUDIT_EXPORT", WED_NY_MS + 11 * HOUR_MS, 0, "a");
	assert_int_equal(audit_review_run(fx->db, fx->a, fx->pid, NY, wed, wed,
	    &rv), 0);
	assert_int_equal(rv.n_flagged, 2);
	memset(&ev, 0, sizeof(ev));
	ev.practice_id = fx->pid;
	ev.actor_user_id = fx->owner;
	ev.actor_role = "owner";
	assert_int_equal(audit_review_sign(fx->db, fx->a, &rv, wed, wed, "ok",
	    &ev, &id), ALC_ECONFLICT);
	assert_int_equal(audit_review_mark(fx->db, fx->a, &rv, 999, "x", &ev),
	    ALC_ENOTFOUND);
	assert_int_equal(audit_review_mark(fx->db, fx->a, &rv, rv.flagged[0].seq,
	    "", &ev), ALC_EINVAL);
	for (i = 0; i < rv.n_flagged; i++)
		assert_int_equal(audit_review_mark(fx->db, fx->a, &rv,
		    rv.flagged[i].seq, "expected", &ev), 0);
	/* A stale review (marks not reloaded) cannot mark twice either. */
	assert_int_equal(audit_review_mark(fx->db, fx->a, &rv, rv.flagged[0].seq,
	    "again", &ev), ALC_ECONFLICT);
	assert_int_equal(audit_review_run(fx->db, fx->a, fx->pid, NY, wed, wed,
	    &rv), 0);
	assert_int_equal(rv.n_marked, 2);
	assert_string_equal(rv.flagged[1].note, "expected");
	assert_string_equal(rv.flagged[1].marked_by, "Ola Owner");
	assert_int_equal(audit_review_sign(fx->db, fx->a, &rv, wed, wed, "",
	    &ev, &id), ALC_EINVAL);
	assert_int_equal(audit_review_sign(fx->db, fx->a, &rv, wed, wed,
	    "Reviewed.", &ev, &id), 0);
	assert_true(id > 0);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM audit_events "
	    "WHERE verb = 'AUDIT_REVIEW'"), 3);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM audit_reviews "
	    "WHERE period_from = '2026-11-25' AND flagged = 2 AND counts LIKE "
	    "'%\"BREAK_GLASS\":1%'"), 1);
}

static void
test_digest_mail_goes_once_a_day_to_officers_else_owners(void **state)
{
	struct fx *fx = *state;
	struct audit_digest d;
	int queued = -1;

	assert_int_equal(audit_digest_record(fx->db, 0, &d), 0);
	assert_int_equal(audit_digest_mail(fx->db, fx->pid, &d, &queued), 0);
	assert_int_equal(queued, 1);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM jobs WHERE kind = "
	    "'email.send' AND payload LIKE '%owner@example.test%' AND payload "
	    "LIKE '%audit_digest%'"), 1);
	assert_int_equal(audit_digest_mail(fx->db, fx->pid, &d, &queued), 0);
	assert_int_equal(queued, 0);
	/* Another day, now with a compliance officer: only the officer. */
	exec(fx->db, "INSERT INTO memberships (practice_id, user_id, role, "
	    "created_at) VALUES (1, 2, 'compliance', 0)");
	snprintf(d.day, sizeof(d.day), "2099-01-01");
	assert_int_equal(audit_digest_mail(fx->db, fx->pid, &d, &queued), 0);
	assert_int_equal(queued, 1);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM jobs WHERE kind = "
	    "'email.send' AND payload LIKE '%co@example.test%'"), 1);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM jobs WHERE kind = "
	    "'email.send'"), 2);
}

static void
test_syslog_message_is_rfc5424_with_escaped_ids(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = {
		.seq = 42, .recorded_at = 1795582800123LL, .actor_user_id = 3,
		.actor_role = "owner", .action = 'R', .verb = "VIEW",
		.practice_id = 1, .object_type = "patient",
		.object_id = "a\"b]c\\d", .patient_id = 9, .outcome = 0,
		.request_id = "0123456789abcdef", .source_addr = "10.0.0.1",
	};
	struct buf b;
	const char *m;

	buf_init(&b, fx->a);
	audit_syslog_format(&b, &ev, "ab12", "host1");
	m = buf_cstr(&b);
	assert_non_null(strstr(m, "<110>1 2026-11-25T05:00:00.123Z host1 "
	    "alcove "));
	assert_non_null(strstr(m, " VIEW [alcove@32473 seq=\"42\" action=\"R\" "
	    "verb=\"VIEW\" outcome=\"0\" practice=\"1\" actor=\"3\" "
	    "role=\"owner\" patient=\"9\" object_type=\"patient\" "
	    "object_id=\"a\\\"b\\]c\\\\d\""));
	assert_non_null(strstr(m, "hash=\"ab12\"] audit event 42: VIEW"));
	buf_reset(&b);
	ev.outcome = AUDIT_MINOR_FAILURE;
	audit_syslog_format(&b, &ev, "ab12", "");
	assert_int_equal(strncmp(buf_cstr(&b), "<108>1 ", 7), 0);
	assert_non_null(strstr(buf_cstr(&b), "Z - alcove "));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_after_hours_are_outside_7_to_19_on_weekdays_in_the_practice_zone),
		T(test_digest_runs_after_local_midnight_or_on_the_test_interval),
		T(test_review_flags_bursts_exports_break_glass_and_after_hours),
		T(test_sign_off_needs_every_flagged_event_marked),
		T(test_digest_mail_goes_once_a_day_to_officers_else_owners),
		T(test_syslog_message_is_rfc5424_with_escaped_ids),
	};

	fprintf(stderr, "engine: %s\n", test_engine());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
