/*
 * test_policies.c - the safe markdown renderer (web/markdown.c) against
 * script, attribute and javascript: injection; policies and attestations
 * (core/compliance/policy*.c): attestation bound to one version and reset
 * by the next, the unattested report, immutable versions in the database;
 * the training expiry flags and the new-hire overdue list
 * (core/compliance/training.c), on the engine testlib selects.
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
#include "base/err.h"
#include "base/timeutil.h"
#include "audit/audit.h"
#include "core/compliance/compliance.h"
#include "core/compliance/policy.h"
#include "core/compliance/training.h"
#include "core/practice/practice.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "db/db.h"
#include "web/markdown.h"
#include "testlib.h"

/* --- markdown ------------------------------------------------------------ */

static char *
md(const char *in)
{
	struct buf b;
	char *out;

	buf_init(&b, NULL);
	markdown_render(&b, in);
	out = strdup(buf_cstr(&b));
	buf_free(&b);
	return out;
}

static void
expect_md(const char *in, const char *want)
{
	char *got = md(in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_markdown_renders_the_subset(void **st)
{
	(void)st;
	expect_md("# Title\n\nOne\ntwo\n\n## Sub", "<h2>Title</h2>\n<p>One\ntwo"
	    "</p>\n<h3>Sub</h3>\n");
	expect_md("- a\n- **b** and *c* and _d_\n\n1. x\n2. y\n",
	    "<ul>\n<li>a</li>\n<li><strong>b</strong> and <em>c</em> and "
	    "<em>d</em></li>\n</ul>\n<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n");
	expect_md("[site](https://example.org/x) [mail](mailto:a@b.example)",
	    "<p><a href=\"https://example.org/x\" rel=\"noopener noreferrer\">"
	    "site</a> <a href=\"mailto:a@b.example\" rel=\"noopener noreferrer\">"
	    "mail</a></p>\n");
	expect_md("**unclosed and [no link", "<p>**unclosed and [no link</p>\n");
	expect_md(NULL, "");
	expect_md("", "");
}

static void
test_markdown_cannot_inject_script_or_attributes(void **st)
{
	(void)st;
	expect_md("<script>alert(1)</script>",
	    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
	expect_md("# <img src=x onerror=alert(1)>",
	    "<h2>&lt;img src=x onerror=alert(1)&gt;</h2>\n");
	expect_md("**\"><svg onload=x>**",
	    "<p><strong>&quot;&gt;&lt;svg onload=x&gt;</strong></p>\n");
	expect_md("- it's & \"q\"", "<ul>\n<li>it&#39;s &amp; &quot;q&quot;"
	    "</li>\n</ul>\n");
	/* Only http, https and mailto become links; quotes end nothing. */
	expect_md("[x](javascript:alert(1))", "<p>x)</p>\n");
	expect_md("[x](JaVaScRiPt:alert`1`)", "<p>x</p>\n");
	expect_md("[x](data:text/html,<script>)", "<p>x</p>\n");
	expect_md("[x](/relative)", "<p>x</p>\n");
	expect_md("[x](https://a.example/\" onclick=\"y)", "<p>x</p>\n");
	expect_md("[x](https://a.example/?a=1&b=<)", "<p>x</p>\n");
	expect_md("[<b>x</b>](https://a.example/)", "<p><a href=\"https://"
	    "a.example/\" rel=\"noopener noreferrer\">&lt;b&gt;x&lt;/b&gt;</a>"
	    "</p>\n");
	/* Invalid UTF-8 and control characters never pass through. */
	expect_md("a\x01" "b\xff", "<p>a\xef\xbf\xbd" "b\xef\xbf\xbd</p>\n");
}

static void
test_markdown_nesting_is_bounded(void **st)
{
	char in[4096], *out;
	size_t i;

	(void)st;
	for (i = 0; i + 1 < sizeof(in); i++)
		in[i] = i % 2 ? '*' : '[';
	in[sizeof(in) - 1] = '\0';
	out = md(in);
	assert_non_null(out);
	assert_null(strstr(out, "<script"));
	free(out);
}

/* --- policies and training --------------------------------------------- */

struct fx {
	struct db *db;
	struct arena *a;
	int64_t pid, owner, desk, clin;
	struct audit_event ev_owner, ev_desk, ev_clin;
	struct compliance_actor as_owner, as_desk, as_clin;
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

	if (f == NULL || test_db_open(&f->db) != 0 || (f->a = arena_new()) ==
	    NULL)
		return -1;
	if (practice_create(f->db, &ps, &f->pid, &err) != 0 ||
	    users_find(f->db, f->pid, "owner@example.test", &f->owner) != 0)
		return -1;
	f->desk = add_user(f, "desk@example.test", "Dee Desk", ROLE_FRONT_DESK);
	f->clin = add_user(f, "clin@example.test", "Cal Clinician",
	    ROLE_CLINICIAN);
	actor(&f->as_owner, &f->ev_owner, f->owner, "owner", 1);
	actor(&f->as_desk, &f->ev_desk, f->desk, "front_desk", 0);
	actor(&f->as_clin, &f->ev_clin, f->clin, "clinician", 0);
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

static int
exec_sql(struct fx *f, const char *sql)
{
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	int rc;

	assert_non_null(c);
	rc = db_exec(c, sql);
	db_release(c);
	return rc;
}

static void
set_draft(struct fx *f, int64_t id, const char *text)
{
	struct policy_input in = {"Sanctions", f->owner, 12, text};
	struct alc_err err;

	assert_int_equal(policy_update(f->db, f->pid, &f->as_owner, id, &in,
	    &err), 0);
}

static void
test_starter_templates_are_embedded(void **st)
{
	struct fx *f = *st;
	struct policy_template t;
	size_t i, n = policy_template_count();

	assert_true(n >= 8);
	for (i = 0; i < n; i++) {
		assert_int_equal(policy_template_get(f->a, i, &t), 0);
		assert_true(strlen(t.title) > 3);
		assert_true(strncmp(t.body, "# ", 2) == 0);
	}
}

static void
test_attestation_is_bound_to_a_version_and_reset(void **st)
{
	struct fx *f = *st;
	struct policy_attest_row *rows;
	struct alc_err err;
	int64_t id = 0, pending = 0;
	size_t n;
	int v = 0;

	assert_int_equal(policy_adopt(f->db, f->pid, &f->as_owner, "sanctions",
	    &id, &err), 0);
	/* Nothing to attest to before publication. */
	assert_int_equal(policy_attest(f->db, f->pid, &f->as_desk, id, 1, &err),
	    ALC_ENOTFOUND);
	assert_int_equal(policy_publish(f->db, f->pid, &f->as_owner, id,
	    "2026-01-01", "first", &v, &err), 0);
	assert_int_equal(v, 1);
	assert_int_equal(policy_publish(f->db, f->pid, &f->as_owner, id,
	    "2026-01-02", "", &v, &err), ALC_ECONFLICT);
	assert_int_equal(policy_pending(f->db, f->pid, f->desk, &pending), 0);
	assert_int_equal(pending, 1);
	assert_int_equal(policy_attest(f->db, f->pid, &f->as_desk, id, 2, &err),
	    ALC_ECONFLICT);
	assert_int_equal(policy_attest(f->db, f->pid, &f->as_desk, id, 1, &err),
	    0);
	assert_int_equal(policy_attest(f->db, f->pid, &f->as_desk, id, 1, &err),
	    0); /* again: nothing new */
	assert_int_equal(policy_pending(f->db, f->pid, f->desk, &pending), 0);
	assert_int_equal(pending, 0);
	/* The report: owner and clinician missing (first), desk attested. */
	assert_int_equal(policy_report(f->db, f->a, f->pid, id, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].attested_at, 0);
	assert_int_equal(rows[1].attested_at, 0);
	assert_string_equal(rows[2].name, "Dee Desk");
	assert_true(rows[2].attested_at > 0);
	/* Version 2 resets the round; version 1's attestation stays. */
	set_draft(f, id, "# Sanctions\n\nRevised.\n");
	assert_int_equal(policy_publish(f->db, f->pid, &f->as_owner, id,
	    "2026-06-01", "revised", &v, &err), 0);
	assert_int_equal(v, 2);
	assert_int_equal(policy_attest(f->db, f->pid, &f->as_desk, id, 1, &err),
	    ALC_ECONFLICT);
	assert_int_equal(policy_report(f->db, f->a, f->pid, id, &rows, &n), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rows[i].attested_at, 0);
	assert_string_equal(rows[0].name, "Cal Clinician");
	assert_int_equal(rows[1].last_version, 1); /* Dee Desk */
	assert_int_equal(policy_attest(f->db, f->pid, &f->as_clin, id, 2, &err),
	    0);
	assert_int_equal(policy_report(f->db, f->a, f->pid, id, &rows, &n), 0);
	assert_string_equal(rows[2].name, "Cal Clinician");
	assert_int_equal(rows[2].last_version, 2);
}

static void
test_published_versions_are_immutable(void **st)
{
	struct fx *f = *st;
	struct alc_err err;
	struct policy p;
	int64_t id = 0;
	int v = 0;

	assert_int_equal(policy_adopt(f->db, f->pid, &f->as_owner, NULL, &id,
	    &err), 0);
	assert_int_equal(policy_publish(f->db, f->pid, &f->as_owner, id,
	    "2026-01-01", "", &v, &err), ALC_EINVAL); /* empty draft */
	set_draft(f, id, "Text one.");
	assert_int_equal(policy_publish(f->db, f->pid, &f->as_owner, id,
	    "2026-01-01", "", &v, &err), 0);
	assert_int_not_equal(exec_sql(f, "UPDATE policy_versions SET body = "
	    "'rewritten'"), 0);
	assert_int_not_equal(exec_sql(f, "DELETE FROM policy_versions"), 0);
	set_draft(f, id, "Text two.");
	assert_int_equal(policy_get(f->db, f->a, f->pid, id, 1, &p), 0);
	assert_string_equal(p.body, "Text one.");
	assert_int_equal(strlen(p.body_hash), 64);
	assert_int_equal(policy_get(f->db, f->a, f->pid, id, 2, &p),
	    ALC_ENOTFOUND);
	assert_int_equal(policy_get(f->db, f->a, f->pid + 1000, id, 0, &p),
	    ALC_ENOTFOUND);
}

static void
test_training_expiry_flags(void **st)
{
	struct caldate today = {2026, 3, 1};

	(void)st;
	assert_int_equal(training_expiry(NULL, today), TRAINING_OK);
	assert_int_equal(training_expiry("", today), TRAINING_OK);
	assert_int_equal(training_expiry("2026-02-28", today), TRAINING_EXPIRED);
	assert_int_equal(training_expiry("2026-03-01", today),
	    TRAINING_EXPIRING);
	assert_int_equal(training_expiry("2026-04-30", today),
	    TRAINING_EXPIRING); /* 60 days */
	assert_int_equal(training_expiry("2026-05-01", today), TRAINING_OK);
}

static void
test_new_hires_overdue_for_training(void **st)
{
	struct fx *f = *st;
	struct training_input in = {0, "HIPAA basics", "2026-01-10", 15, "", "",
	    ""};
	struct caldate today = caldate_from_days(time_now_ms() / 86400000);
	struct training_overdue *od;
	struct alc_err err;
	int64_t id = 0;
	size_t n;

	assert_int_equal(training_overdue(f->db, f->a, f->pid, today, &od, &n),
	    0);
	assert_int_equal(n, 0); /* everyone joined today */
	today = caldate_add_days(today, 31);
	assert_int_equal(training_overdue(f->db, f->a, f->pid, today, &od, &n),
	    0);
	assert_int_equal(n, 3);
	in.user_id = f->desk;
	assert_int_equal(training_add(f->db, f->pid, &f->as_owner, &in, &id,
	    &err), 0);
	assert_int_equal(training_overdue(f->db, f->a, f->pid, today, &od, &n),
	    0);
	assert_int_equal(n, 2);
	assert_int_equal(training_set_due_days(f->db, f->pid, &f->as_owner, 45,
	    &err), 0);
	assert_int_equal(training_overdue(f->db, f->a, f->pid, today, &od, &n),
	    0);
	assert_int_equal(n, 0);
	assert_int_equal(training_set_due_days(f->db, f->pid, &f->as_owner, 0,
	    &err), ALC_EINVAL);
	in.user_id = 999999;
	assert_int_equal(training_add(f->db, f->pid, &f->as_owner, &in, &id,
	    &err), ALC_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown_renders_the_subset),
		cmocka_unit_test(test_markdown_cannot_inject_script_or_attributes),
		cmocka_unit_test(test_markdown_nesting_is_bounded),
		cmocka_unit_test(test_training_expiry_flags),
		cmocka_unit_test_setup_teardown(test_starter_templates_are_embedded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_attestation_is_bound_to_a_version_and_reset, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_published_versions_are_immutable,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_hires_overdue_for_training,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
