/*
 * test_dashboard.c - the compliance dashboard's score rules
 * (core/compliance/dashboard.h): 100 with nothing wrong, points off per
 * overdue task, breach past its deadline, missing BAA, stale backup,
 * missing audit review, outstanding attestation and overdue training,
 * each kind capped, the total never below 0, and every deduction named
 * with its rule so the page can explain the score.
 *
 * Expected scores are worked out by hand from the rules as written on the
 * dashboard page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/compliance/dashboard.h"

static void
test_a_program_with_nothing_wrong_scores_100(void **st)
{
	struct dash_facts f;
	struct dash_deduction d[DF_COUNT];
	size_t n = 99;

	(void)st;
	memset(&f, 0, sizeof(f));
	assert_int_equal(dash_score(&f, d, &n), 100);
	assert_int_equal(n, 0);
}

static void
test_each_overdue_task_takes_5_points_up_to_30(void **st)
{
	struct dash_facts f;
	struct dash_deduction d[DF_COUNT];
	size_t n;

	(void)st;
	memset(&f, 0, sizeof(f));
	f.overdue_tasks = 1;
	assert_int_equal(dash_score(&f, d, &n), 95);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].fact, DF_OVERDUE_TASKS);
	assert_int_equal(d[0].points, 5);
	assert_int_equal(d[0].count, 1);
	assert_non_null(strstr(d[0].text, "overdue compliance task"));
	f.overdue_tasks = 6;
	assert_int_equal(dash_score(&f, NULL, NULL), 70);
	f.overdue_tasks = 40;
	assert_int_equal(dash_score(&f, d, &n), 70);
	assert_int_equal(d[0].points, 30);
	assert_int_equal(d[0].count, 40);
}

static void
test_a_breach_past_its_deadline_costs_20_and_two_cost_40(void **st)
{
	struct dash_facts f;

	(void)st;
	memset(&f, 0, sizeof(f));
	f.breaches_past_deadline = 1;
	assert_int_equal(dash_score(&f, NULL, NULL), 80);
	f.breaches_past_deadline = 5;
	assert_int_equal(dash_score(&f, NULL, NULL), 60);
}

static void
test_missing_baa_stale_backup_and_missing_review(void **st)
{
	struct dash_facts f;
	struct dash_deduction d[DF_COUNT];
	size_t n;

	(void)st;
	memset(&f, 0, sizeof(f));
	f.baa_missing = 2;
	assert_int_equal(dash_score(&f, NULL, NULL), 80);
	f.baa_missing = 4;
	assert_int_equal(dash_score(&f, NULL, NULL), 70);
	memset(&f, 0, sizeof(f));
	f.backup_stale = 1;
	assert_int_equal(dash_score(&f, d, &n), 85);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].fact, DF_BACKUP_STALE);
	assert_non_null(strstr(d[0].text, "48 hours"));
	f.review_missing = 1;
	assert_int_equal(dash_score(&f, d, &n), 75);
	assert_int_equal(n, 2);
	assert_int_equal(d[1].fact, DF_REVIEW_MISSING);
	assert_non_null(strstr(d[1].text, "35 days"));
}

static void
test_attestations_and_training_cost_2_each_up_to_10(void **st)
{
	struct dash_facts f;

	(void)st;
	memset(&f, 0, sizeof(f));
	f.attestations = 3;
	assert_int_equal(dash_score(&f, NULL, NULL), 94);
	f.attestations = 12;
	assert_int_equal(dash_score(&f, NULL, NULL), 90);
	f.training_overdue = 1;
	assert_int_equal(dash_score(&f, NULL, NULL), 88);
	f.training_overdue = 50;
	assert_int_equal(dash_score(&f, NULL, NULL), 80);
}

static void
test_the_score_never_goes_below_zero(void **st)
{
	struct dash_facts f;
	struct dash_deduction d[DF_COUNT];
	size_t n;

	(void)st;
	f.overdue_tasks = 100;
	f.breaches_past_deadline = 3;
	f.baa_missing = 9;
	f.backup_stale = 1;
	f.review_missing = 1;
	f.attestations = 30;
	f.training_overdue = 8;
	/* 30 + 40 + 30 + 15 + 10 + 10 + 10 = 145 points off. */
	assert_int_equal(dash_score(&f, d, &n), 0);
	assert_int_equal(n, DF_COUNT);
}

static void
test_every_rule_is_written_out_for_the_page(void **st)
{
	size_t i;

	(void)st;
	for (i = 0; i < DF_COUNT; i++) {
		assert_int_equal(dash_rules[i].fact, (int)i);
		assert_true(dash_rules[i].per_item > 0);
		assert_true(dash_rules[i].cap >= dash_rules[i].per_item);
		assert_true(strlen(dash_rules[i].text) > 20);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_program_with_nothing_wrong_scores_100),
		cmocka_unit_test(test_each_overdue_task_takes_5_points_up_to_30),
		cmocka_unit_test(
		    test_a_breach_past_its_deadline_costs_20_and_two_cost_40),
		cmocka_unit_test(test_missing_baa_stale_backup_and_missing_review),
		cmocka_unit_test(
		    test_attestations_and_training_cost_2_each_up_to_10),
		cmocka_unit_test(test_the_score_never_goes_below_zero),
		cmocka_unit_test(test_every_rule_is_written_out_for_the_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
