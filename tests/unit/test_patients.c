/*
 * test_patients.c - patient records (core/patients/) on a real database
 * (SQLite or PostgreSQL, from ALCOVE_TEST_ENGINE): sealing round trip and
 * no plaintext in any stored row, search by each kind, duplicates,
 * optimistic locking, the access matrix with care teams, restricted
 * records and break-glass, and merging.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/keys/keystore.h"
#include "core/patients/patients.h"
#include "core/users/users.h"
#include "crypto/keyfile.h"
#include "db/db.h"
#include "testlib.h"

struct fx {
	struct db *db;
	struct keystore *ks;
	struct arena *a;
	int64_t practice, owner, clin, clin2, desk;
};

static int64_t
insert_id(struct db *db, const char *sql, const char *text)
{
	struct db_conn *c = db_acquire(db, 5000, NULL);
	struct db_stmt *s;
	int64_t id;

	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, sql), 0);
	if (text)
		db_bind_text(s, 1, text);
	assert_int_equal(db_step(s), DB_ROW);
	id = db_col_i64(s, 0);
	db_stmt_done(s);
	db_release(c);
	return id;
}

static int64_t
user(struct fx *f, const char *email, const char *role)
{
	int64_t id = insert_id(f->db, "INSERT INTO users (email, display_name, "
	    "created_at, updated_at) VALUES (?, 'Someone', 0, 0) RETURNING id",
	    email);
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;

	assert_int_equal(db_prepare(c, &s, "INSERT INTO memberships "
	    "(practice_id, user_id, role, created_at) VALUES (?, ?, ?, 0)"), 0);
	db_bind_i64(s, 1, f->practice);
	db_bind_i64(s, 2, id);
	db_bind_text(s, 3, role);
	assert_int_equal(db_step(s), DB_DONE);
	db_stmt_done(s);
	db_release(c);
	return id;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	static int n;
	char path[PATH_MAX];
	struct alc_err err;

	assert_non_null(f);
	assert_int_equal(test_db_open(&f->db), 0);
	f->practice = insert_id(f->db, "INSERT INTO practices (name, slug, "
	    "created_at) VALUES ('P', 'p', 0) RETURNING id", NULL);
	snprintf(path, sizeof(path), "%s/master-%d.key", test_tmpdir(), n++);
	assert_int_equal(keyfile_create(path, &err), 0);
	assert_non_null(f->ks = keystore_open(f->db, path, &err));
	assert_int_equal(keystore_ensure_practice(f->ks, f->practice), 0);
	assert_non_null(f->a = arena_new());
	f->owner = user(f, "owner@example.test", "owner");
	f->clin = user(f, "clin@example.test", "clinician");
	f->clin2 = user(f, "clin2@example.test", "clinician");
	f->desk = user(f, "desk@example.test", "front_desk");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	arena_free(f->a);
	keystore_close(f->ks);
	test_db_close(f->db);
	free(f);
	return 0;
}

static void
person(struct patient_record *p, const char *first, const char *last,
    const char *dob, const char *phone, const char *email)
{
	memset(p, 0, sizeof(*p));
	p->legal_first = first;
	p->legal_last = last;
	p->dob = dob;
	p->phone = phone;
	p->email = email;
	p->status = "active";
}

static int64_t
create(struct fx *f, const struct patient_record *p)
{
	struct audit_event who;
	const char *chart;
	int64_t id = 0;

	memset(&who, 0, sizeof(who));
	who.actor_user_id = f->owner;
	who.actor_role = "owner";
	assert_int_equal(patients_create(f->db, f->ks, f->a, f->practice, p,
	    &who, &id, &chart, NULL), 0);
	assert_true(id > 0);
	return id;
}

static int64_t
count(struct fx *f, const char *sql, int64_t a)
{
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;
	int64_t n = -1;

	assert_int_equal(db_prepare(c, &s, sql), 0);
	db_bind_i64(s, 1, a);
	if (db_step(s) == DB_ROW)
		n = db_col_i64(s, 0);
	db_stmt_done(s);
	db_release(c);
	return n;
}

static int
contains(const void *hay, size_t n, const char *needle, size_t k)
{
	const char *h = hay;
	size_t i;

	for (i = 0; h != NULL && i + k <= n; i++)
		if (memcmp(h + i, needle, k) == 0)
			return 1;
	return 0;
}

/* No stored byte of the patient's rows contains needle. */
static void
assert_not_stored(struct fx *f, int64_t id, const char *needle)
{
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;
	const void *p;
	size_t n, k = strlen(needle);
	int col, rc;

	assert_int_equal(db_prepare(c, &s, "SELECT name, dob, profile, "
	    "dob_bidx, chart_no, status FROM patients WHERE id = ?"), 0);
	db_bind_i64(s, 1, id);
	assert_int_equal(db_step(s), DB_ROW);
	for (col = 0; col < 6; col++) {
		p = col < 3 ? db_col_blob(s, col, &n) : db_col_text(s, col);
		if (col >= 3)
			n = p ? strlen(p) : 0;
		assert_false(contains(p, n, needle, k));
	}
	db_stmt_done(s);
	assert_int_equal(db_prepare(c, &s, "SELECT bidx FROM patient_search "
	    "WHERE patient_id = ?"), 0);
	db_bind_i64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW)
		assert_null(strstr(db_col_text(s, 0), needle));
	db_stmt_done(s);
	db_release(c);
}

static void
test_round_trip_and_no_plaintext(void **state)
{
	struct fx *f = *state;
	struct patient_record p, got;
	int64_t id;

	person(&p, "Zebulon", "Quattlebaum", "1984-03-09", "(555) 123-4567",
	    "zq@example.org");
	p.preferred = "Zeb";
	p.conf_phone = "555-999-0000";
	p.ok_text = 1;
	p.reps[0].name = "Marigold Quattlebaum";
	p.reps[0].relationship = "mother";
	p.ins_member_id = "XQ77";
	id = create(f, &p);
	assert_int_equal(patients_get(f->db, f->ks, f->a, f->practice, id,
	    &got), 0);
	assert_string_equal(got.legal_last, "Quattlebaum");
	assert_string_equal(got.preferred, "Zeb");
	assert_string_equal(got.dob, "1984-03-09");
	assert_string_equal(got.conf_phone, "555-999-0000");
	assert_string_equal(got.reps[0].name, "Marigold Quattlebaum");
	assert_string_equal(got.ins_member_id, "XQ77");
	assert_string_equal(got.chart_no, "P-000001");
	assert_int_equal(got.ok_text, 1);
	assert_int_equal(got.ok_voicemail, 0);
	assert_int_equal(got.version, 2);
	assert_not_stored(f, id, "Quattlebaum");
	assert_not_stored(f, id, "1984");
	assert_not_stored(f, id, "Marigold");
	assert_not_stored(f, id, "4567");
	assert_int_equal(count(f, "SELECT count(*) FROM audit_events WHERE "
	    "verb = 'CREATE' AND patient_id = ?", id), 1);
	/* Another practice cannot read it. */
	assert_int_equal(patients_get(f->db, f->ks, f->a, f->practice + 1, id,
	    &got), ALC_ENOTFOUND);
}

static void
test_validation_messages(void **state)
{
	struct patient_field_error e[PATIENT_MAX_ERRORS];
	struct patient_record p;
	size_t n;

	(void)state;
	person(&p, "", "Doe", "2999-01-01", "12ab", "not-an-address");
	assert_int_equal(patients_validate(&p, time_now_ms(), e, &n),
	    ALC_EINVAL);
	assert_int_equal(n, 4);
	assert_string_equal(e[0].field, "legal_first");
	assert_string_equal(e[1].field, "dob");
	assert_non_null(strstr(e[1].message, "future"));
	assert_string_equal(e[2].field, "phone");
	assert_string_equal(e[3].field, "email");
	person(&p, "Jo", "Doe", "1990-02-30", NULL, NULL);
	assert_int_equal(patients_validate(&p, time_now_ms(), e, &n),
	    ALC_EINVAL);
	assert_string_equal(e[0].field, "dob");
	person(&p, "Jo", "Doe", "1990-02-28", "555 123 4567", "jo@example.org");
	assert_int_equal(patients_validate(&p, time_now_ms(), e, &n), 0);
}

static size_t
search(struct fx *f, const char *q, int64_t *first)
{
	struct patient_brief *b;
	struct alc_err err;
	size_t n = 0;

	assert_int_equal(patients_search(f->db, f->ks, f->a, f->practice, q, 50,
	    &b, &n, &err), 0);
	*first = n ? b[0].id : 0;
	return n;
}

static void
test_search_by_each_kind(void **state)
{
	struct fx *f = *state;
	struct patient_record p;
	struct patient_brief *b;
	struct alc_err err;
	int64_t a, c, got;
	size_t n;

	person(&p, "Mary-Jane", "O'Brien", "1970-12-01", "555.222.3333",
	    "MJ@Example.org");
	p.preferred = "Emjay";
	a = create(f, &p);
	person(&p, "Mary", "Smith", "1970-12-01", NULL, NULL);
	c = create(f, &p);
	assert_int_equal(search(f, "obrien", &got), 1);
	assert_int_equal(got, a);
	assert_int_equal(search(f, "Mary O'Brien", &got), 1);
	assert_int_equal(search(f, "emjay", &got), 1);
	assert_int_equal(search(f, "mary", &got), 2);
	assert_int_equal(search(f, "12/01/1970", &got), 2);
	assert_int_equal(search(f, "1970-12-01", &got), 2);
	assert_int_equal(search(f, "+1 (555) 222-3333", &got), 1);
	assert_int_equal(got, a);
	assert_int_equal(search(f, "mj@example.ORG", &got), 1);
	assert_int_equal(search(f, "P-000002", &got), 1);
	assert_int_equal(got, c);
	assert_int_equal(search(f, "p2", &got), 1);
	assert_int_equal(search(f, "nobody", &got), 0);
	assert_int_equal(patients_search(f->db, f->ks, f->a, f->practice, "  ",
	    50, &b, &n, &err), ALC_EINVAL);
	assert_true(err.user[0] != '\0');
}

static void
test_duplicates_on_create(void **state)
{
	struct fx *f = *state;
	struct patient_record p;
	struct patient_brief *b;
	int64_t a;
	size_t n;

	person(&p, "Ann", "Lee", "1990-05-05", "555-111-2222", NULL);
	a = create(f, &p);
	person(&p, "Annie", "LEE", "1990-05-05", NULL, NULL);
	assert_int_equal(patients_duplicates(f->db, f->ks, f->a, f->practice,
	    &p, 0, 10, &b, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(b[0].id, a);
	person(&p, "Bob", "Other", "2000-01-01", "(555) 111 2222", NULL);
	assert_int_equal(patients_duplicates(f->db, f->ks, f->a, f->practice,
	    &p, 0, 10, &b, &n), 0);
	assert_int_equal(n, 1);
	person(&p, "Ann", "Lee", "1991-05-05", NULL, NULL);
	assert_int_equal(patients_duplicates(f->db, f->ks, f->a, f->practice,
	    &p, 0, 10, &b, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_stale_edit_is_refused(void **state)
{
	struct fx *f = *state;
	struct patient_record p, first, second, now;
	struct alc_err err;
	int64_t id;

	person(&p, "Cal", "Vin", "1980-01-01", NULL, NULL);
	id = create(f, &p);
	assert_int_equal(patients_get(f->db, f->ks, f->a, f->practice, id,
	    &first), 0);
	second = first;
	first.phone = "555-444-5555";
	assert_int_equal(patients_update(f->db, f->ks, f->a, f->practice, id,
	    &first, NULL, &err), 0);
	second.email = "cal@example.org";
	memset(&err, 0, sizeof(err));
	assert_int_equal(patients_update(f->db, f->ks, f->a, f->practice, id,
	    &second, NULL, &err), ALC_ECONFLICT);
	assert_non_null(strstr(err.user, "Someone else saved"));
	assert_int_equal(patients_get(f->db, f->ks, f->a, f->practice, id,
	    &now), 0);
	assert_string_equal(now.phone, "555-444-5555");
	assert_string_equal(now.email, "");
	assert_int_equal(count(f, "SELECT count(*) FROM audit_events WHERE "
	    "verb = 'UPDATE' AND patient_id = ? AND detail LIKE "
	    "'%\"phone\"%'", id), 1);
	/* The new phone is found, the old index rows are gone. */
	assert_int_equal(search(f, "5554445555", &id), 1);
}

static enum patient_access
access_of(struct fx *f, int64_t uid, unsigned roles, int64_t pat, int *bg)
{
	struct patient_actor who = {f->practice, uid, roles};
	enum patient_access acc;

	assert_int_equal(patients_access(f->db, &who, pat, time_now_ms(), &acc,
	    bg), 0);
	return acc;
}

static void
test_access_matrix(void **state)
{
	struct fx *f = *state;
	struct patient_actor who = {0};
	struct patient_record p;
	struct alc_err err;
	int64_t pat, exp;
	int bg = 0;

	person(&p, "Dee", "Matrix", "1975-07-07", NULL, NULL);
	pat = create(f, &p);
	assert_int_equal(access_of(f, f->owner, ROLE_OWNER, pat, &bg),
	    PATIENT_ACCESS_CLINICAL);
	assert_int_equal(access_of(f, f->desk, ROLE_FRONT_DESK, pat, &bg),
	    PATIENT_ACCESS_DEMOGRAPHIC);
	assert_int_equal(access_of(f, 0, ROLE_BILLING, pat, &bg),
	    PATIENT_ACCESS_DEMOGRAPHIC);
	assert_int_equal(access_of(f, f->clin, ROLE_CLINICIAN, pat, &bg),
	    PATIENT_ACCESS_NONE);
	assert_int_equal(patients_team_add(f->db, f->practice, pat, f->clin,
	    "primary", NULL, &err), 0);
	assert_int_equal(access_of(f, f->clin, ROLE_CLINICIAN, pat, &bg),
	    PATIENT_ACCESS_CLINICAL);
	assert_int_equal(bg, 0);
	/* Front desk cannot be on a team. */
	assert_int_equal(patients_team_add(f->db, f->practice, pat, f->desk,
	    "clinician", NULL, &err), ALC_EINVAL);
	/* Restricted: the front desk loses it, the team keeps it. */
	p.restricted = 1;
	p.version = 2;
	assert_int_equal(patients_update(f->db, f->ks, f->a, f->practice, pat,
	    &p, NULL, &err), 0);
	assert_int_equal(access_of(f, f->desk, ROLE_FRONT_DESK, pat, &bg),
	    PATIENT_ACCESS_NONE);
	assert_int_equal(access_of(f, f->clin, ROLE_CLINICIAN, pat, &bg),
	    PATIENT_ACCESS_CLINICAL);
	/* Break-glass: a short reason is refused; a grant opens, flagged. */
	who.practice_id = f->practice;
	who.user_id = f->clin2;
	who.roles = ROLE_CLINICIAN;
	assert_int_equal(patients_break_glass(f->db, &who, pat, "urgent",
	    time_now_ms(), NULL, &exp, &err), ALC_EINVAL);
	assert_int_equal(patients_break_glass(f->db, &who, pat, "patient in "
	    "crisis, clinician away", time_now_ms(), NULL, &exp, &err), 0);
	assert_int_equal(access_of(f, f->clin2, ROLE_CLINICIAN, pat, &bg),
	    PATIENT_ACCESS_CLINICAL);
	assert_int_equal(bg, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_events WHERE "
	    "verb = 'BREAK_GLASS' AND patient_id = ? AND reason LIKE "
	    "'patient in crisis%'", pat), 1);
	/* ... and expires. */
	assert_int_equal(patients_access(f->db, &who, pat, exp + 1, &(enum
	    patient_access){0}, &bg), 0);
	assert_int_equal(bg, 0);
	/* Leaving the team ends access. */
	assert_int_equal(patients_team_remove(f->db, f->practice, pat, f->clin,
	    NULL), 0);
	assert_int_equal(access_of(f, f->clin, ROLE_CLINICIAN, pat, &bg),
	    PATIENT_ACCESS_NONE);
}

static void
test_break_glass_review(void **state)
{
	struct fx *f = *state;
	struct patient_actor who = {f->practice, f->clin2, ROLE_CLINICIAN};
	struct break_glass_row *rows;
	struct patient_record p;
	struct audit_event rev;
	struct alc_err err;
	size_t n;

	person(&p, "Eve", "Review", "1960-01-01", NULL, NULL);
	assert_int_equal(patients_break_glass(f->db, &who, create(f, &p),
	    "covering for a colleague today", time_now_ms(), NULL, NULL, &err),
	    0);
	assert_int_equal(patients_break_glass_list(f->db, f->a, f->practice, 1,
	    10, &rows, &n), 0);
	assert_int_equal(n, 1);
	memset(&rev, 0, sizeof(rev));
	rev.actor_user_id = f->owner;
	assert_int_equal(patients_break_glass_review(f->db, f->practice,
	    rows[0].id, "", &rev, &err), ALC_EINVAL);
	assert_int_equal(patients_break_glass_review(f->db, f->practice,
	    rows[0].id, "justified: on call", &rev, &err), 0);
	assert_int_equal(patients_break_glass_review(f->db, f->practice,
	    rows[0].id, "again", &rev, &err), ALC_ECONFLICT);
	assert_int_equal(patients_break_glass_list(f->db, f->a, f->practice, 1,
	    10, &rows, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_merge_moves_team_and_hides_duplicate(void **state)
{
	struct fx *f = *state;
	struct patient_record p;
	struct care_member *m;
	struct alc_err err;
	int64_t keep, dup, got, *ids;
	size_t n;

	person(&p, "Finn", "Merge", "1999-09-09", NULL, NULL);
	keep = create(f, &p);
	dup = create(f, &p);
	assert_int_equal(patients_team_add(f->db, f->practice, dup, f->clin,
	    "primary", NULL, &err), 0);
	assert_int_equal(patients_merge(f->db, f->practice, keep, keep, "x",
	    NULL, &err), ALC_EINVAL);
	assert_int_equal(patients_merge(f->db, f->practice, keep, dup, "same "
	    "person, typo in registration", NULL, &err), 0);
	assert_int_equal(search(f, "merge", &got), 1);
	assert_int_equal(got, keep);
	assert_int_equal(patients_team(f->db, f->a, f->practice, keep, &m, &n),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].user_id, f->clin);
	assert_int_equal(patients_of_clinician(f->db, f->a, f->practice,
	    f->clin, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], keep);
	assert_int_equal(patients_access(f->db, &(struct patient_actor){
	    f->practice, f->owner, ROLE_OWNER}, dup, time_now_ms(),
	    &(enum patient_access){0}, NULL), ALC_ENOTFOUND);
	assert_int_equal(count(f, "SELECT count(*) FROM patient_merges WHERE "
	    "merged_id = ?", dup), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_events WHERE "
	    "verb = 'UPDATE' AND patient_id = ?", dup), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit_events WHERE "
	    "verb = 'UPDATE' AND patient_id = ?", keep), 1);
	assert_int_equal(patients_merge(f->db, f->practice, keep, dup, "again",
	    NULL, &err), ALC_EINVAL);
}

static void
test_briefs_for_calendars(void **state)
{
	struct fx *f = *state;
	struct patient_record p;
	struct patient_brief b[2];
	int64_t ids[2];

	person(&p, "Gail", "Brief", "1950-02-02", NULL, NULL);
	p.preferred = "Gigi";
	ids[0] = create(f, &p);
	ids[1] = 999999;
	assert_int_equal(patients_briefs(f->db, f->ks, f->a, f->practice, ids,
	    2, b), 0);
	assert_string_equal(b[0].display_name, "Gigi Brief");
	assert_string_equal(b[0].sort_name, "brief, gail");
	assert_string_equal(b[0].initials, "G.B.");
	assert_string_equal(b[1].display_name, "(unknown patient)");
	assert_int_equal(b[1].id, 0);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_round_trip_and_no_plaintext),
		cmocka_unit_test(test_validation_messages),
		T(test_search_by_each_kind),
		T(test_duplicates_on_create),
		T(test_stale_edit_is_refused),
		T(test_access_matrix),
		T(test_break_glass_review),
		T(test_merge_moves_team_and_hides_duplicate),
		T(test_briefs_for_calendars),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
