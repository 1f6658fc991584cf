/*
 * test_risk.c - the risk analysis questionnaire embedded from
 * data/risk/questions.txt (core/compliance/risk.c): it parses, has about
 * forty questions covering every safeguard, unique keys, citations of the
 * Security Rule, and only prefill keys Alcove knows how to answer.  The
 * assessments and the register are tested through their pages
 * (tests/http/risk.test.js).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/arena.h"
#include "core/compliance/risk.h"

static const char *const known_prefills[] = {"mfa", "logoff", "emergency",
    "backup", "baa", "policies", "training", "encryption", "audit",
    "integrity", "tls", "unique"};

static int
known(const char *p)
{
	size_t i;

	for (i = 0; i < sizeof(known_prefills) / sizeof(known_prefills[0]); i++)
		if (strcmp(p, known_prefills[i]) == 0)
			return 1;
	return 0;
}

static void
test_questionnaire_is_well_formed(void **state)
{
	const struct risk_question *q;
	struct arena *a = arena_new();
	int per[RISK_SAFEGUARDS] = {0};
	size_t n, i, j;

	(void)state;
	assert_non_null(a);
	assert_int_equal(risk_questions(a, &q, &n), 0);
	assert_true(n >= 38 && n <= 50);
	for (i = 0; i < n; i++) {
		per[q[i].safeguard]++;
		assert_true(strncmp(q[i].citation, "164.3", 5) == 0);
		assert_true(strlen(q[i].text) > 20 && q[i].text[strlen(q[i].text)
		    - 1] == '?');
		assert_true(strlen(q[i].threat) > 10 &&
		    strlen(q[i].threat) <= RISK_TITLE_MAX);
		if (q[i].prefill != NULL)
			assert_true(known(q[i].prefill));
		for (j = 0; j < i; j++)
			assert_string_not_equal(q[i].key, q[j].key);
	}
	for (i = 0; i < RISK_SAFEGUARDS; i++)
		assert_true(per[i] >= 3);
	/* The two specifications this analysis answers are there. */
	assert_string_equal(q[0].citation, "164.308(a)(1)(ii)(A)");
	assert_true(q[0].required);
	arena_free(a);
}

static void
test_answer_labels(void **state)
{
	(void)state;
	assert_string_equal(risk_answer_label("na"), "Not applicable");
	assert_string_equal(risk_answer_label("partly"), "Partly");
	assert_null(risk_answer_label("maybe"));
	assert_null(risk_answer_label(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_questionnaire_is_well_formed),
		cmocka_unit_test(test_answer_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
