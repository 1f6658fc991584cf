/*
 * test_incidents.c - incidents and vendors (core/compliance/incident*.c,
 * vendor.c): anonymous reports keep no reporter anywhere, the timeline is
 * append-only in the database itself, the workflow and the second-person
 * approval, the clocks from breach.c, the annual HHS log, the vendor
 * inventory with its expiry flags, integration rows from configuration and
 * the BAA gate, on the engine testlib selects.
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
#include "base/config.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "audit/audit.h"
#include "core/compliance/compliance.h"
#include "core/compliance/incident.h"
#include "core/compliance/vendor.h"
#include "core/practice/practice.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "db/db.h"
#include "testlib.h"

struct fx {
	struct db *db;
	struct arena *a;
	int64_t pid, owner, comp, desk;
	struct audit_event ev_owner, ev_comp, ev_desk;
	struct compliance_actor as_owner, as_comp, as_desk;
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

	if (f == NULL || test_db_open(&f->db) != 0 || (f->a = arena_new()) ==
	    NULL)
		return -1;
	if (practice_create(f->db, &ps, &f->pid, &err) != 0 ||
	    users_find(f->db, f->pid, "owner@example.test", &f->owner) != 0)
		return -1;
	f->comp = add_user(f, "comp@example.test", "Cora Compliance",
	    ROLE_COMPLIANCE);
	f->desk = add_user(f, "desk@example.test", "Dee Desk",
	    ROLE_FRONT_DESK);
	actor(&f->as_owner, &f->ev_owner, f->owner, "owner", 1);
	actor(&f->as_comp, &f->ev_comp, f->comp, "compliance", 1);
	actor(&f->as_desk, &f->ev_desk, f->desk, "front_desk", 0);
	f->today = caldate_from_days(time_now_ms() / 86400000);
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
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;
	int64_t v = -1;

	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, sql), 0);
	if (a != INT64_MIN)
		db_bind_i64(s, 1, a);
	if (db_step(s) == DB_ROW)
		v = db_col_is_null(s, 0) ? 0 : db_col_i64(s, 0);
	db_stmt_done(s);
	db_release(c);
	return v;
}

static int64_t
report(struct fx *f, const struct compliance_actor *who, int anonymous,
    const char *discovered)
{
	struct incident_report in = {"Laptop left on the bus", "A work laptop "
	    "with the schedule was left on the 42 bus.", discovered, anonymous};
	struct alc_err err;
	int64_t id = 0;

	memset(&err, 0, sizeof(err));
	if (incident_report(f->db, f->pid, who, &in, f->today, &id, &err) != 0)
		fail_msg("report: %s", err.msg);
	return id;
}

static void
assessment(struct incident_assessment *as, const char *det, int64_t affected,
    const char *states)
{
	int k;

	memset(as, 0, sizeof(*as));
	for (k = 0; k < INCIDENT_NFACTORS; k++) {
		as->f[k].rating = k == 0 ? "high" : "medium";
		as->f[k].text = "Assessed.";
	}
	as->determination = det;
	as->affected = affected;
	as->states = states;
	as->delay_kind = "none";
}

static void
test_an_anonymous_report_keeps_no_reporter_anywhere(void **st)
{
	struct fx *f = *st;
	struct incident inc;
	int64_t id = report(f, &f->as_desk, 1, "2026-01-05"), named;

	assert_int_equal(incident_get(f->db, f->a, f->pid, id, &inc), 0);
	assert_true(inc.anonymous);
	assert_null(inc.reporter_name);
	assert_string_equal(inc.status, "triage");
	assert_int_equal(q64(f, "SELECT count(*) FROM incidents WHERE id = ? "
	    "AND reporter_id IS NULL", id), 1);
	assert_int_equal(q64(f, "SELECT count(*) FROM incident_events WHERE "
	    "incident_id = ? AND actor_id IS NULL AND kind = 'reported'", id), 1);
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'incident' AND verb = 'CREATE' AND actor_user_id IS "
	    "NULL AND actor_role = 'anonymous' AND source_addr IS NULL AND "
	    "request_id IS NULL AND object_id = CAST(? AS TEXT)", id), 1);
	named = report(f, &f->as_desk, 0, "2026-01-05");
	assert_int_equal(incident_get(f->db, f->a, f->pid, named, &inc), 0);
	assert_string_equal(inc.reporter_name, "Dee Desk");
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'incident' AND actor_user_id = ?", f->desk), 1);
}

static void
test_a_report_needs_what_happened_and_a_past_discovery_date(void **st)
{
	struct fx *f = *st;
	struct incident_report in = {"", "x", "2026-01-05", 0};
	struct alc_err err;
	int64_t id;

	memset(&err, 0, sizeof(err));
	assert_int_equal(incident_report(f->db, f->pid, &f->as_desk, &in,
	    f->today, &id, &err), ALC_EINVAL);
	assert_non_null(strstr(err.user, "what happened"));
	in.title = "Fax to the wrong number";
	in.discovered_on = "2999-01-01";
	assert_int_equal(incident_report(f->db, f->pid, &f->as_desk, &in,
	    f->today, &id, &err), ALC_EINVAL);
	assert_non_null(strstr(err.user, "not later than today"));
	assert_int_equal(q64(f, "SELECT count(*) FROM incidents", INT64_MIN), 0);
}

static void
test_the_timeline_refuses_update_and_delete_in_the_database(void **st)
{
	struct fx *f = *st;
	int64_t id = report(f, &f->as_desk, 0, "2026-01-05");
	struct db_conn *c = db_acquire(f->db, 5000, NULL);

	assert_non_null(c);
	assert_int_not_equal(db_exec(c, "UPDATE incident_events SET body = "
	    "'rewritten'"), 0);
	assert_int_not_equal(db_exec(c, "DELETE FROM incident_events"), 0);
	assert_int_not_equal(db_exec(c, "DELETE FROM incidents"), 0);
	db_release(c);
	assert_int_equal(q64(f, "SELECT count(*) FROM incident_events WHERE "
	    "incident_id = ? AND body = 'Reported.'", id), 1);
}

static void
test_the_determination_needs_a_second_person_who_manages(void **st)
{
	struct fx *f = *st;
	int64_t id = report(f, &f->as_desk, 0, "2026-01-05");
	struct incident_assessment as;
	struct incident_event *tl;
	struct alc_err err;
	struct incident inc;
	size_t n;

	memset(&err, 0, sizeof(err));
	assert_int_equal(incident_set_status(f->db, f->pid, &f->as_comp, id,
	    "investigation", &err), 0);
	assert_int_equal(incident_set_status(f->db, f->pid, &f->as_comp, id,
	    "mitigation", &err), ALC_ECONFLICT);
	assessment(&as, "breach", 12, "NY 10\nNJ 2");
	as.f[2].rating = "extreme";
	assert_int_equal(incident_assess(f->db, f->pid, &f->as_comp, id, &as,
	    &err), ALC_EINVAL);
	as.f[2].rating = "low";
	assert_int_equal(incident_assess(f->db, f->pid, &f->as_comp, id, &as,
	    &err), 0);
	assert_int_equal(incident_approve(f->db, f->pid, &f->as_comp, id,
	    f->today, &err), ALC_EPERM);
	assert_int_equal(incident_approve(f->db, f->pid, &f->as_desk, id,
	    f->today, &err), ALC_EPERM);
	assert_int_equal(incident_approve(f->db, f->pid, &f->as_owner, id,
	    f->today, &err), 0);
	assert_int_equal(incident_get(f->db, f->a, f->pid, id, &inc), 0);
	assert_string_equal(inc.approved_by_name, "Olive Owner");
	assert_string_equal(inc.assessed_by_name, "Cora Compliance");
	assert_int_equal((int)inc.n_states, 2);
	assert_int_equal(incident_set_status(f->db, f->pid, &f->as_comp, id,
	    "mitigation", &err), 0);
	assert_int_equal(incident_timeline(f->db, f->a, f->pid, id, &tl, &n), 0);
	assert_int_equal((int)n, 5);
	assert_string_equal(tl[3].kind, "approval");
	assert_non_null(strstr(tl[2].body, "NY 10, NJ 2"));
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'incident' AND verb = 'UPDATE'", INT64_MIN), 4);
}

static void
test_clocks_include_hhs_at_500_and_media_above_500_in_one_state(void **st)
{
	struct fx *f = *st;
	int64_t id = report(f, &f->as_desk, 0, "2026-01-05");
	struct incident_assessment as;
	struct breach_clocks bc;
	struct alc_err err;
	struct incident inc;
	char d[CALDATE_TEXT_SIZE];

	memset(&err, 0, sizeof(err));
	assessment(&as, "breach", 500, "NY 500");
	assert_int_equal(incident_assess(f->db, f->pid, &f->as_comp, id, &as,
	    &err), 0);
	assert_int_equal(incident_get(f->db, f->a, f->pid, id, &inc), 0);
	assert_int_equal(incident_clocks(&inc, &bc, &err), 0);
	assert_true(bc.hhs_with_individual);
	assert_false(bc.media_required);
	assert_string_equal(caldate_format(bc.individual_due, d), "2026-03-06");
	assessment(&as, "breach", 600, "NY 501\nNJ 99");
	assert_int_equal(incident_assess(f->db, f->pid, &f->as_comp, id, &as,
	    &err), 0);
	assert_int_equal(incident_get(f->db, f->a, f->pid, id, &inc), 0);
	assert_int_equal(incident_clocks(&inc, &bc, &err), 0);
	assert_true(bc.media_required);
	assert_int_equal((int)bc.n_media_states, 1);
	assessment(&as, "breach", 10, "NY 501");
	assert_int_equal(incident_assess(f->db, f->pid, &f->as_comp, id, &as,
	    &err), ALC_EINVAL);
	assert_true(incident_clocks_run(&inc));
}

static void
test_the_hhs_log_lists_approved_breaches_under_500_of_the_year(void **st)
{
	struct fx *f = *st;
	int64_t small = report(f, &f->as_desk, 0, "2026-01-05");
	int64_t big = report(f, &f->as_desk, 0, "2026-01-06");
	struct incident_assessment as;
	struct alc_err err;
	const char *csv;
	size_t rows;

	memset(&err, 0, sizeof(err));
	assessment(&as, "breach", 3, "");
	assert_int_equal(incident_assess(f->db, f->pid, &f->as_comp, small, &as,
	    &err), 0);
	assert_int_equal(incident_hhs_log_csv(f->db, f->a, f->pid, 2026, &csv,
	    &rows), 0);
	assert_int_equal((int)rows, 0); /* not approved yet */
	assert_int_equal(incident_approve(f->db, f->pid, &f->as_owner, small,
	    f->today, &err), 0);
	assessment(&as, "breach", 700, "");
	assert_int_equal(incident_assess(f->db, f->pid, &f->as_comp, big, &as,
	    &err), 0);
	assert_int_equal(incident_approve(f->db, f->pid, &f->as_owner, big,
	    f->today, &err), 0);
	assert_int_equal(incident_hhs_log_csv(f->db, f->a, f->pid, 2026, &csv,
	    &rows), 0);
	assert_int_equal((int)rows, 1);
	assert_non_null(strstr(csv, "\"2026-01-05\",\"Laptop left on the bus\","
	    "\"breach\""));
	assert_int_equal(incident_hhs_log_csv(f->db, f->a, f->pid, 2025, &csv,
	    &rows), 0);
	assert_int_equal((int)rows, 0);
}

static void
vendor_in(struct vendor_input *in, const char *name, const char *baa,
    const char *expires)
{
	memset(in, 0, sizeof(*in));
	in->name = name;
	in->services = "Cloud fax";
	in->phi = "Referral letters";
	in->baa_status = baa;
	in->expires_on = expires;
	in->review_months = 12;
	in->contact_email = "help@fax.example";
}

static void
test_vendors_are_edited_flagged_before_expiry_and_retired(void **st)
{
	struct fx *f = *st;
	struct vendor_input in;
	struct caldate soon = caldate_add_days(f->today, 30);
	char d[CALDATE_TEXT_SIZE];
	struct alc_err err;
	struct vendor v;
	int64_t id;

	memset(&err, 0, sizeof(err));
	vendor_in(&in, "FaxCo", "bogus", NULL);
	assert_int_equal(vendor_create(f->db, f->pid, &f->as_comp, &in, &id,
	    &err), ALC_EINVAL);
	vendor_in(&in, "FaxCo", "signed", caldate_format(soon, d));
	assert_int_equal(vendor_create(f->db, f->pid, &f->as_comp, &in, &id,
	    &err), 0);
	assert_int_equal(vendor_get(f->db, f->a, f->pid, id, &v), 0);
	assert_int_equal(vendor_expiry(&v, f->today), VENDOR_EXPIRING);
	assert_int_equal(vendor_expiry(&v, caldate_add_days(f->today, 31)),
	    VENDOR_EXPIRED);
	in.expires_on = "2099-01-01";
	assert_int_equal(vendor_update(f->db, f->pid, &f->as_comp, id, &in,
	    &err), 0);
	assert_int_equal(vendor_get(f->db, f->a, f->pid, id, &v), 0);
	assert_int_equal(vendor_expiry(&v, f->today), VENDOR_OK);
	assert_int_equal(vendor_retire(f->db, f->pid, &f->as_comp, id, f->today,
	    &err), 0);
	assert_int_equal(vendor_retire(f->db, f->pid, &f->as_comp, id, f->today,
	    &err), ALC_ECONFLICT);
	assert_int_equal(q64(f, "SELECT count(*) FROM vendors WHERE id = ? AND "
	    "status = 'retired'", id), 1);
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'vendor'", INT64_MIN), 3);
}

static void
test_integrations_appear_from_config_and_the_baa_gate_holds(void **st)
{
	static char url[] = "smtp://mail.example.org:587";
	struct fx *f = *st;
	struct config cfg;
	struct vendor_input in;
	struct vendor *l;
	struct alc_err err;
	size_t n, added;
	int64_t id;

	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	cfg.smtp.url = url;
	assert_int_equal(vendors_baa_ok(f->db, f->pid, "smtp", &err), ALC_EPERM);
	assert_int_equal(vendors_sync_integrations(f->db, f->pid, &cfg, &added),
	    0);
	assert_int_equal((int)added, 1);
	assert_int_equal(vendors_sync_integrations(f->db, f->pid, &cfg, &added),
	    0);
	assert_int_equal((int)added, 0);
	assert_int_equal(vendor_list(f->db, f->a, f->pid, 0, &l, &n), 0);
	assert_int_equal((int)n, 1);
	assert_string_equal(l[0].integration, "smtp");
	assert_string_equal(l[0].f.name, "E-mail provider (SMTP: mail.example.org)");
	id = l[0].id;
	assert_int_equal(vendors_baa_ok(f->db, f->pid, "smtp", &err), ALC_EPERM);
	assert_string_equal(err.user, "Blocked: sending PHI to E-mail provider "
	    "(SMTP: mail.example.org) needs a signed BAA.");
	assert_int_equal(vendor_retire(f->db, f->pid, &f->as_comp, id, f->today,
	    &err), ALC_ECONFLICT);
	vendor_in(&in, l[0].f.name, "signed", "2099-12-31");
	assert_int_equal(vendor_update(f->db, f->pid, &f->as_comp, id, &in,
	    &err), 0);
	assert_int_equal(vendors_baa_ok(f->db, f->pid, "smtp", &err), 0);
	in.expires_on = "2020-01-01";
	assert_int_equal(vendor_update(f->db, f->pid, &f->as_comp, id, &in,
	    &err), 0);
	assert_int_equal(vendors_baa_ok(f->db, f->pid, "smtp", &err), ALC_EPERM);
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'vendor' AND verb = 'CREATE' AND actor_role = "
	    "'system'", INT64_MIN), 1);
}

int
main(void)
{
#define DBT(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		DBT(test_an_anonymous_report_keeps_no_reporter_anywhere),
		DBT(test_a_report_needs_what_happened_and_a_past_discovery_date),
		DBT(test_the_timeline_refuses_update_and_delete_in_the_database),
		DBT(test_the_determination_needs_a_second_person_who_manages),
		DBT(test_clocks_include_hhs_at_500_and_media_above_500_in_one_state),
		DBT(test_the_hhs_log_lists_approved_breaches_under_500_of_the_year),
		DBT(test_vendors_are_edited_flagged_before_expiry_and_retired),
		DBT(test_integrations_appear_from_config_and_the_baa_gate_holds),
	};
#undef DBT

	return cmocka_run_group_tests(tests, NULL, NULL);
}
