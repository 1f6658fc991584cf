/*
 * test_rights.c - the legal clocks of patient-rights requests
 * (core/rights/clock.c): access 30 days, amendment and accounting 60,
 * each with one 30-day extension whose notice must go out within the
 * first period; no federal clock for restrictions and confidential
 * communications; a state period that shortens but never lengthens; leap
 * years; a request received before the day it was entered; and the fixed
 * lists (reviewable grounds, accounting exclusions).
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
#include "core/rights/rights.h"

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
test_access_is_due_30_calendar_days_after_receipt(void **state)
{
	struct rights_clock k;

	(void)state;
	assert_int_equal(rights_clock(RK_ACCESS, D("2026-03-02"), 0, NULL,
	    D("2026-03-05"), &k), 0);
	assert_true(k.has_clock);
	assert_date(k.due, "2026-04-01");
	assert_int_equal(k.days_left, 27);
	assert_false(k.overdue);
	assert_non_null(strstr(k.rule, "30 calendar days"));
}

static void
test_amendment_and_accounting_are_due_60_days_after_receipt(void **state)
{
	struct rights_clock k;

	(void)state;
	assert_int_equal(rights_clock(RK_AMENDMENT, D("2026-01-10"), 0, NULL,
	    D("2026-01-10"), &k), 0);
	assert_date(k.due, "2026-03-11");
	assert_int_equal(k.days_left, 60);
	assert_int_equal(rights_clock(RK_ACCOUNTING, D("2026-11-15"), 0, NULL,
	    D("2026-11-15"), &k), 0);
	assert_date(k.due, "2027-01-14");
}

static void
test_leap_day_counts_inside_the_30_days(void **state)
{
	struct rights_clock k;

	(void)state;
	assert_int_equal(rights_clock(RK_ACCESS, D("2028-02-01"), 0, NULL,
	    D("2028-02-01"), &k), 0);
	assert_date(k.due, "2028-03-02");
	assert_int_equal(rights_clock(RK_ACCESS, D("2027-02-01"), 0, NULL,
	    D("2027-02-01"), &k), 0);
	assert_date(k.due, "2027-03-03");
}

static void
test_the_clock_runs_from_receipt_not_from_entry(void **state)
{
	struct rights_clock k;

	(void)state;
	/* Received by phone on the 1st, typed in on the 4th: 27 days left. */
	assert_int_equal(rights_clock(RK_ACCESS, D("2026-06-01"), 0, NULL,
	    D("2026-06-04"), &k), 0);
	assert_date(k.due, "2026-07-01");
	assert_int_equal(k.days_left, 27);
	/* Entered long after receipt: already overdue. */
	assert_int_equal(rights_clock(RK_ACCESS, D("2026-01-01"), 0, NULL,
	    D("2026-02-05"), &k), 0);
	assert_true(k.overdue);
	assert_int_equal(k.days_left, -5);
}

static void
test_one_extension_adds_30_days(void **state)
{
	struct caldate notice = D("2026-03-20");
	struct rights_clock k;

	(void)state;
	assert_int_equal(rights_clock(RK_ACCESS, D("2026-03-02"), 0, &notice,
	    D("2026-04-05"), &k), 0);
	assert_true(k.extended);
	assert_date(k.first_due, "2026-04-01");
	assert_date(k.due, "2026-05-01");
	assert_false(k.overdue);
	assert_int_equal(rights_clock(RK_AMENDMENT, D("2026-01-10"), 0, &notice,
	    D("2026-01-10"), &k), 0);
	assert_date(k.due, "2026-04-10");
}

static void
test_extension_notice_on_the_last_day_is_in_time_and_after_it_is_refused(
    void **state)
{
	struct alc_err err;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(rights_extension_check(RK_ACCESS, D("2026-03-02"), 0,
	    0, D("2026-04-01"), D("2026-04-01"), &err), 0);
	assert_int_equal(rights_extension_check(RK_ACCESS, D("2026-03-02"), 0,
	    0, D("2026-04-02"), D("2026-04-02"), &err), ALC_EINVAL);
	assert_non_null(strstr(err.user, "within the first 30 days, by "
	    "2026-04-01"));
	/* Amendment: 60 days. */
	assert_int_equal(rights_extension_check(RK_AMENDMENT, D("2026-01-10"),
	    0, 0, D("2026-03-11"), D("2026-03-20"), &err), 0);
	assert_int_equal(rights_extension_check(RK_AMENDMENT, D("2026-01-10"),
	    0, 0, D("2026-03-12"), D("2026-03-20"), &err), ALC_EINVAL);
}

static void
test_a_second_extension_is_refused(void **state)
{
	struct alc_err err;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(rights_extension_check(RK_ACCESS, D("2026-03-02"), 0,
	    1, D("2026-03-10"), D("2026-03-10"), &err), ALC_ECONFLICT);
	assert_non_null(strstr(err.user, "only one extension"));
}

static void
test_extension_notice_before_receipt_or_in_the_future_is_refused(
    void **state)
{
	struct alc_err err;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(rights_extension_check(RK_ACCESS, D("2026-03-02"), 0,
	    0, D("2026-03-01"), D("2026-03-10"), &err), ALC_EINVAL);
	assert_int_equal(rights_extension_check(RK_ACCESS, D("2026-03-02"), 0,
	    0, D("2026-03-11"), D("2026-03-10"), &err), ALC_EINVAL);
}

static void
test_restrictions_and_confidential_communications_have_no_clock(
    void **state)
{
	struct rights_clock k;
	struct alc_err err;

	(void)state;
	assert_int_equal(rights_clock(RK_RESTRICTION, D("2026-03-02"), 0, NULL,
	    D("2026-09-02"), &k), 0);
	assert_false(k.has_clock);
	assert_false(k.overdue);
	assert_non_null(strstr(k.rule, "decide promptly"));
	assert_int_equal(rights_clock(RK_CONFIDENTIAL, D("2026-03-02"), 0, NULL,
	    D("2026-03-02"), &k), 0);
	assert_false(k.has_clock);
	memset(&err, 0, sizeof(err));
	assert_int_equal(rights_extension_check(RK_RESTRICTION, D("2026-03-02"),
	    0, 0, D("2026-03-03"), D("2026-03-03"), &err), ALC_EINVAL);
}

static void
test_a_state_period_shortens_but_never_lengthens(void **state)
{
	struct rights_clock k;
	struct alc_err err;

	(void)state;
	assert_int_equal(rights_clock(RK_ACCESS, D("2026-03-02"), 15, NULL,
	    D("2026-03-02"), &k), 0);
	assert_date(k.due, "2026-03-17");
	assert_non_null(strstr(k.rule, "state"));
	/* Notice must be inside the shortened period. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(rights_extension_check(RK_ACCESS, D("2026-03-02"), 15,
	    0, D("2026-03-18"), D("2026-03-18"), &err), ALC_EINVAL);
	/* A longer "state" period is ignored: federal 30 days apply. */
	assert_int_equal(rights_clock(RK_ACCESS, D("2026-03-02"), 45, NULL,
	    D("2026-03-02"), &k), 0);
	assert_date(k.due, "2026-04-01");
}

static void
test_due_today_is_not_overdue_and_the_day_after_is(void **state)
{
	struct rights_clock k;

	(void)state;
	assert_int_equal(rights_clock(RK_ACCESS, D("2026-03-02"), 0, NULL,
	    D("2026-04-01"), &k), 0);
	assert_int_equal(k.days_left, 0);
	assert_false(k.overdue);
	assert_int_equal(rights_clock(RK_ACCESS, D("2026-03-02"), 0, NULL,
	    D("2026-04-02"), &k), 0);
	assert_true(k.overdue);
}

static void
test_fixed_lists_mark_reviewable_grounds_and_excluded_bases(void **state)
{
	(void)state;
	assert_true(rights_ground("endanger")->flag);
	assert_true(rights_ground("harm_via_representative")->flag);
	assert_false(rights_ground("psychotherapy_notes")->flag);
	assert_false(rights_ground("confidential_source")->flag);
	assert_null(rights_ground("because"));
	assert_true(rights_basis("treatment")->flag);
	assert_true(rights_basis("payment")->flag);
	assert_true(rights_basis("operations")->flag);
	assert_true(rights_basis("to_patient")->flag);
	assert_true(rights_basis("authorization")->flag);
	assert_false(rights_basis("judicial")->flag);
	assert_false(rights_basis("law_enforcement")->flag);
	assert_false(rights_basis("individual_directive")->flag);
	assert_int_equal(rights_kind_parse("amendment"), RK_AMENDMENT);
	assert_int_equal(rights_kind_parse("nope"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_is_due_30_calendar_days_after_receipt),
		cmocka_unit_test(
		    test_amendment_and_accounting_are_due_60_days_after_receipt),
		cmocka_unit_test(test_leap_day_counts_inside_the_30_days),
		cmocka_unit_test(test_the_clock_runs_from_receipt_not_from_entry),
		cmocka_unit_test(test_one_extension_adds_30_days),
		cmocka_unit_test(
		    test_extension_notice_on_the_last_day_is_in_time_and_after_it_is_refused),
		cmocka_unit_test(test_a_second_extension_is_refused),
		cmocka_unit_test(
		    test_extension_notice_before_receipt_or_in_the_future_is_refused),
		cmocka_unit_test(
		    test_restrictions_and_confidential_communications_have_no_clock),
		cmocka_unit_test(test_a_state_period_shortens_but_never_lengthens),
		cmocka_unit_test(test_due_today_is_not_overdue_and_the_day_after_is),
		cmocka_unit_test(
		    test_fixed_lists_mark_reviewable_grounds_and_excluded_bases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
