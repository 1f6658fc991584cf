/*
 * test_breach.c - the breach notification clocks (core/compliance/breach.h):
 * the 60-day individual deadline, HHS at 500 or more versus the annual log,
 * media notice for more than 500 residents of one state, and law-
 * enforcement delay (written; oral capped at 30 days; oral followed by a
 * written statement), with the edge cases of issue #8: exactly 500, 501 in
 * one state, discovery on Dec 31, leap years.
 *
 * Expected dates are written out by hand (counted on a calendar), not
 * recomputed with the code under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/err.h"
#include "core/compliance/breach.h"

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

static void
compute(const struct breach_input *in, struct breach_clocks *out)
{
	struct alc_err err;

	memset(&err, 0, sizeof(err));
	if (breach_compute(in, out, &err) != 0)
		fail_msg("breach_compute refused: %s", err.msg);
}

static void
test_individual_notice_is_due_60_calendar_days_after_discovery(void **st)
{
	struct breach_input in = {.discovered = D("2025-03-10"), .affected = 12};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	assert_date(c.individual_due, "2025-05-09");
	assert_int_equal(c.delay_days, 0);
	assert_string_equal(c.delay_rule, "");
	assert_non_null(strstr(c.individual_rule, "60 calendar days"));
	assert_non_null(strstr(c.individual_rule, "164.404(b)"));
}

static void
test_exactly_500_affected_means_hhs_with_the_individuals_but_no_media(
    void **st)
{
	struct breach_state_count s[] = {{"OH", 500}};
	struct breach_input in = {.discovered = D("2025-06-01"),
	    .affected = 500, .states = s, .n_states = 1};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	assert_true(c.hhs_with_individual);
	assert_date(c.hhs_due, "2025-07-31");
	assert_date(c.individual_due, "2025-07-31");
	assert_false(c.media_required);
	assert_int_equal(c.n_media_states, 0);
	assert_non_null(strstr(c.hhs_rule, "164.408(b)"));
	assert_non_null(strstr(c.media_rule, "no media notice"));
}

static void
test_499_affected_go_into_the_annual_log_due_march_1(void **st)
{
	struct breach_input in = {.discovered = D("2025-06-01"), .affected = 499};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	assert_false(c.hhs_with_individual);
	assert_date(c.hhs_due, "2026-03-01");
	assert_non_null(strstr(c.hhs_rule, "164.408(c)"));
	assert_non_null(strstr(c.hhs_rule, "Fewer than 500"));
}

static void
test_501_in_one_state_requires_media_notice_there_only(void **st)
{
	struct breach_state_count s[] = {{"NY", 300}, {"NJ", 501}, {"CT", 500}};
	struct breach_input in = {.discovered = D("2025-01-15"),
	    .affected = 1301, .states = s, .n_states = 3};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	assert_true(c.media_required);
	assert_int_equal(c.n_media_states, 1);
	assert_int_equal(c.media_states[0], 1);
	assert_date(c.media_due, "2025-03-16");
	assert_non_null(strstr(c.media_rule, "NJ"));
	assert_null(strstr(c.media_rule, "CT"));
	assert_null(strstr(c.media_rule, "NY"));
	assert_non_null(strstr(c.media_rule, "164.406"));
}

static void
test_states_are_never_added_up_for_media_notice(void **st)
{
	struct breach_state_count s[] = {{"NY", 400}, {"NJ", 400}};
	struct breach_input in = {.discovered = D("2025-01-15"),
	    .affected = 800, .states = s, .n_states = 2};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	assert_false(c.media_required);
	assert_true(c.hhs_with_individual);
}

static void
test_discovery_on_dec_31_counts_into_the_next_year(void **st)
{
	struct breach_input in = {.discovered = D("2025-12-31"), .affected = 3};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	/* 2026 is not a leap year: Jan has 31 days, Feb 28: day 60 is Mar 1. */
	assert_date(c.individual_due, "2026-03-01");
	/* The annual log of 2025 is due 60 days after Dec 31, 2025. */
	assert_date(c.hhs_due, "2026-03-01");
}

static void
test_annual_log_is_due_feb_29_when_the_next_year_is_a_leap_year(void **st)
{
	struct breach_input in = {.discovered = D("2027-04-02"), .affected = 40};
	struct breach_input dec = {.discovered = D("2027-12-31"), .affected = 1};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	assert_date(c.hhs_due, "2028-02-29");
	compute(&dec, &c);
	assert_date(c.individual_due, "2028-02-29");
	assert_date(c.hhs_due, "2028-02-29");
}

static void
test_a_leap_day_inside_the_60_days_counts_as_a_day(void **st)
{
	struct breach_input leap = {.discovered = D("2028-02-01"), .affected = 9};
	struct breach_input plain = {.discovered = D("2027-02-01"), .affected = 9};
	struct breach_input on = {.discovered = D("2028-02-29"), .affected = 9};
	struct breach_clocks c;

	(void)st;
	compute(&leap, &c);
	assert_date(c.individual_due, "2028-04-01");
	compute(&plain, &c);
	assert_date(c.individual_due, "2027-04-02");
	compute(&on, &c);
	assert_date(c.individual_due, "2028-04-29");
}

static void
test_a_written_delay_stops_the_clock_for_its_period(void **st)
{
	struct breach_state_count s[] = {{"TX", 900}};
	struct breach_input in = {.discovered = D("2025-01-01"),
	    .affected = 900, .states = s, .n_states = 1,
	    .delay = {.kind = BREACH_DELAY_WRITTEN, .stated_on = D("2025-01-11"),
	    .until = D("2025-03-12")}};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	/* Without delay: Mar 2.  60 days of delay (Jan 11 .. Mar 11). */
	assert_int_equal(c.delay_days, 60);
	assert_date(c.individual_due, "2025-05-01");
	assert_date(c.hhs_due, "2025-05-01");
	assert_date(c.media_due, "2025-05-01");
	assert_date(c.delay_end, "2025-03-12");
	assert_non_null(strstr(c.delay_rule, "164.412(a)"));
	assert_non_null(strstr(c.individual_rule, "law-enforcement delay"));
}

static void
test_an_oral_delay_is_capped_at_30_days(void **st)
{
	struct breach_input in = {.discovered = D("2025-01-01"), .affected = 20,
	    .delay = {.kind = BREACH_DELAY_ORAL, .stated_on = D("2025-01-05"),
	    .until = D("2025-04-01")}};
	struct breach_input open = in;
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	assert_int_equal(c.delay_days, 30);
	assert_date(c.delay_end, "2025-02-04");
	assert_date(c.individual_due, "2025-04-01");
	assert_non_null(strstr(c.delay_rule, "at most 30 days"));
	assert_non_null(strstr(c.delay_rule, "164.412(b)"));
	/* Without a stated end it lasts the 30 days too. */
	memset(&open.delay.until, 0, sizeof(open.delay.until));
	compute(&open, &c);
	assert_int_equal(c.delay_days, 30);
	/* A shorter oral delay counts as stated. */
	in.delay.until = D("2025-01-15");
	compute(&in, &c);
	assert_int_equal(c.delay_days, 10);
	assert_date(c.individual_due, "2025-03-12");
}

static void
test_an_oral_delay_followed_by_a_written_statement_lasts_as_written(
    void **st)
{
	struct breach_input in = {.discovered = D("2025-01-01"), .affected = 20,
	    .delay = {.kind = BREACH_DELAY_ORAL, .stated_on = D("2025-01-05"),
	    .written_on = D("2025-02-01"), .written_until = D("2025-04-05")}};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	/* Jan 5 .. Apr 4: 90 days. */
	assert_int_equal(c.delay_days, 90);
	assert_date(c.individual_due, "2025-05-31");
	/* A written statement after the 30 days is a delay of its own: the
	 * oral 30 days plus the written period, not the gap between them. */
	in.delay.written_on = D("2025-02-20");
	in.delay.written_until = D("2025-03-02");
	compute(&in, &c);
	assert_int_equal(c.delay_days, 30 + 10);
}

static void
test_a_delay_stated_after_the_deadline_does_not_revive_it(void **st)
{
	struct breach_input in = {.discovered = D("2025-01-01"), .affected = 20,
	    .delay = {.kind = BREACH_DELAY_WRITTEN, .stated_on = D("2025-03-05"),
	    .until = D("2025-04-01")}};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	assert_int_equal(c.delay_days, 0);
	assert_date(c.individual_due, "2025-03-02");
	/* Stated on the last day, it still applies. */
	in.delay.stated_on = D("2025-03-02");
	compute(&in, &c);
	assert_int_equal(c.delay_days, 30);
}

static void
test_a_delay_in_the_year_does_not_move_the_annual_log_but_one_at_new_year_does(
    void **st)
{
	struct breach_input in = {.discovered = D("2025-05-01"), .affected = 20,
	    .delay = {.kind = BREACH_DELAY_WRITTEN, .stated_on = D("2025-05-02"),
	    .until = D("2025-06-01")}};
	struct breach_clocks c;

	(void)st;
	compute(&in, &c);
	assert_date(c.hhs_due, "2026-03-01");
	in.discovered = D("2025-12-20");
	in.delay.stated_on = D("2025-12-21");
	in.delay.until = D("2026-01-10");
	compute(&in, &c);
	/* Only the part from Dec 31 (the annual clock's day 0) to Jan 10
	 * counts: the log is due 60 days after the delay ends. */
	assert_date(c.hhs_due, "2026-03-11");
}

static void
test_invalid_input_is_refused_with_a_reason(void **st)
{
	struct breach_state_count s[] = {{"NY", 300}, {"NJ", 300}};
	struct breach_input in = {.discovered = D("2025-01-01"), .affected = 500,
	    .states = s, .n_states = 2};
	struct breach_clocks c;
	struct alc_err err;

	(void)st;
	memset(&err, 0, sizeof(err));
	assert_int_equal(breach_compute(&in, &c, &err), ALC_EINVAL);
	assert_non_null(strstr(err.user, "add up to more"));
	in.n_states = 0;
	in.affected = -1;
	assert_int_equal(breach_compute(&in, &c, &err), ALC_EINVAL);
	in.affected = 1;
	in.discovered.m = 13;
	assert_int_equal(breach_compute(&in, &c, &err), ALC_EINVAL);
	in.discovered = D("2025-01-01");
	in.delay.kind = BREACH_DELAY_WRITTEN;
	in.delay.stated_on = D("2024-12-31");
	in.delay.until = D("2025-02-01");
	assert_int_equal(breach_compute(&in, &c, &err), ALC_EINVAL);
	assert_non_null(strstr(err.user, "on or after the day of discovery"));
	in.delay.stated_on = D("2025-01-10");
	in.delay.until = D("2025-01-09");
	assert_int_equal(breach_compute(&in, &c, &err), ALC_EINVAL);
	in.delay.kind = BREACH_DELAY_ORAL;
	in.delay.until = D("2025-01-20");
	in.delay.written_on = D("2025-01-12");
	memset(&in.delay.written_until, 0, sizeof(in.delay.written_until));
	assert_int_equal(breach_compute(&in, &c, &err), ALC_EINVAL);
	in.delay.written_until = D("2025-02-12");
	assert_int_equal(breach_compute(&in, &c, &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_individual_notice_is_due_60_calendar_days_after_discovery),
		cmocka_unit_test(
		    test_exactly_500_affected_means_hhs_with_the_individuals_but_no_media),
		cmocka_unit_test(
		    test_499_affected_go_into_the_annual_log_due_march_1),
		cmocka_unit_test(
		    test_501_in_one_state_requires_media_notice_there_only),
		cmocka_unit_test(test_states_are_never_added_up_for_media_notice),
		cmocka_unit_test(test_discovery_on_dec_31_counts_into_the_next_year),
		cmocka_unit_test(
		    test_annual_log_is_due_feb_29_when_the_next_year_is_a_leap_year),
		cmocka_unit_test(test_a_leap_day_inside_the_60_days_counts_as_a_day),
		cmocka_unit_test(
		    test_a_written_delay_stops_the_clock_for_its_period),
		cmocka_unit_test(test_an_oral_delay_is_capped_at_30_days),
		cmocka_unit_test(
		    test_an_oral_delay_followed_by_a_written_statement_lasts_as_written),
		cmocka_unit_test(
		    test_a_delay_stated_after_the_deadline_does_not_revive_it),
		cmocka_unit_test(
		    test_a_delay_in_the_year_does_not_move_the_annual_log_but_one_at_new_year_does),
		cmocka_unit_test(test_invalid_input_is_refused_with_a_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
