/*
 * test_measures.c - measurement-based care (core/measures): the published
 * scoring of PHQ-9, GAD-7, PCL-5, AUDIT-C and the C-SSRS screen with
 * fixed answer sets and every band boundary, the alert rules (PHQ-9 item
 * 9, C-SSRS moderate and high), validation with the C-SSRS skip logic,
 * chart geometry, and recording on the engine testlib selects: sealed at
 * rest, audited, listed in order, alerts acknowledged once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "core/keys/keystore.h"
#include "core/measures/measures.h"
#include "core/patients/patients.h"
#include "crypto/keyfile.h"
#include "db/db.h"
#include "testlib.h"

/* An answer set of m whose scored items add up to total (greedy, first
 * items highest), optional items blank. */
static void
answers_for(const struct measure_instrument *m, int total, int *a)
{
	size_t i;
	int top, v;

	for (i = 0; i < m->n_items; i++) {
		if (!m->items[i].scored) {
			a[i] = MEASURE_NOT_ASKED;
			continue;
		}
		top = m->items[i].options[m->items[i].n_options - 1].value;
		v = total > top ? top : total;
		a[i] = v;
		total -= v;
	}
	assert_int_equal(total, 0);
}

static struct measure_score
score(enum measure_id id, const int *a, enum measure_sex sex)
{
	const struct measure_instrument *m = measure_instrument(id);
	struct measure_error errs[MEASURE_MAX_ITEMS];
	struct measure_score s;
	size_t n;

	assert_int_equal(measure_validate(m, a, errs, &n), 0);
	assert_int_equal(measure_score(m, a, sex, &s), 0);
	return s;
}

static void
assert_band(enum measure_id id, int total, const char *label)
{
	const struct measure_instrument *m = measure_instrument(id);
	int a[MEASURE_MAX_ITEMS];
	struct measure_score s;

	answers_for(m, total, a);
	s = score(id, a, MEASURE_SEX_BOTH);
	assert_int_equal(s.total, total);
	assert_string_equal(s.band_label, label);
}

static void
test_phq9_totals_fall_in_the_published_bands(void **st)
{
	static const struct { int t; const char *l; } b[] = {
		{0, "Minimal"}, {4, "Minimal"}, {5, "Mild"}, {9, "Mild"},
		{10, "Moderate"}, {14, "Moderate"}, {15, "Moderately severe"},
		{19, "Moderately severe"}, {20, "Severe"}, {27, "Severe"},
	};
	size_t i;

	(void)st;
	assert_int_equal(measure_instrument(MEASURE_PHQ9)->n_items, 10);
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		assert_band(MEASURE_PHQ9, b[i].t, b[i].l);
}

static void
test_phq9_item_9_raises_the_alert_and_the_difficulty_item_is_unscored(
    void **st)
{
	int a[MEASURE_MAX_ITEMS] = {1, 2, 0, 1, 0, 0, 1, 0, 0, 3};
	struct measure_score s;

	(void)st;
	s = score(MEASURE_PHQ9, a, MEASURE_SEX_BOTH);
	assert_int_equal(s.total, 5);
	assert_string_equal(s.band_label, "Mild");
	assert_int_equal(s.alert, 0);
	a[8] = 1; /* "Several days" */
	s = score(MEASURE_PHQ9, a, MEASURE_SEX_BOTH);
	assert_int_equal(s.total, 6);
	assert_int_equal(s.alert, 1);
	assert_non_null(strstr(s.alert_text, "item 9"));
	/* Minimal total, still an alert. */
	memset(a, 0, sizeof(a));
	a[8] = 1;
	a[9] = MEASURE_NOT_ASKED;
	s = score(MEASURE_PHQ9, a, MEASURE_SEX_BOTH);
	assert_int_equal(s.total, 1);
	assert_string_equal(s.band_label, "Minimal");
	assert_int_equal(s.alert, 1);
}

static void
test_gad7_bands(void **st)
{
	static const struct { int t; const char *l; } b[] = {
		{0, "Minimal"}, {4, "Minimal"}, {5, "Mild"}, {9, "Mild"},
		{10, "Moderate"}, {14, "Moderate"}, {15, "Severe"}, {21, "Severe"},
	};
	int a[MEASURE_MAX_ITEMS] = {3, 3, 3, 3, 3, 3, 3, MEASURE_NOT_ASKED};
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		assert_band(MEASURE_GAD7, b[i].t, b[i].l);
	assert_int_equal(score(MEASURE_GAD7, a, MEASURE_SEX_BOTH).total, 21);
	assert_int_equal(score(MEASURE_GAD7, a, MEASURE_SEX_BOTH).alert, 0);
}

static void
test_pcl5_cut_point_is_33(void **st)
{
	const char *below = "Below the cut-point of 33";
	const char *above = "At or above the cut-point of 33 (provisional PTSD)";

	(void)st;
	assert_int_equal(measure_instrument(MEASURE_PCL5)->n_items, 20);
	assert_band(MEASURE_PCL5, 0, below);
	assert_band(MEASURE_PCL5, 32, below);
	assert_band(MEASURE_PCL5, 33, above);
	assert_band(MEASURE_PCL5, 80, above);
}

static void
test_auditc_cut_points_depend_on_sex(void **st)
{
	int three[MEASURE_MAX_ITEMS] = {1, 1, 1};
	int four[MEASURE_MAX_ITEMS] = {2, 1, 1};
	int two[MEASURE_MAX_ITEMS] = {2, 0, 0};
	int all[MEASURE_MAX_ITEMS] = {4, 4, 4};

	(void)st;
	assert_string_equal(score(MEASURE_AUDITC, three, MEASURE_SEX_FEMALE)
	    .band_label, "Positive (women: 3 or more)");
	assert_string_equal(score(MEASURE_AUDITC, three, MEASURE_SEX_MALE)
	    .band_label, "Negative (men: below 4)");
	assert_string_equal(score(MEASURE_AUDITC, three, MEASURE_SEX_BOTH)
	    .band_label, "Positive for women (3 or more), negative for men "
	    "(below 4)");
	assert_string_equal(score(MEASURE_AUDITC, four, MEASURE_SEX_MALE)
	    .band_label, "Positive (men: 4 or more)");
	assert_string_equal(score(MEASURE_AUDITC, two, MEASURE_SEX_FEMALE)
	    .band_label, "Negative (women: below 3)");
	assert_string_equal(score(MEASURE_AUDITC, two, MEASURE_SEX_BOTH)
	    .band_label, "Negative for men (below 4) and women (below 3)");
	assert_int_equal(score(MEASURE_AUDITC, all, MEASURE_SEX_BOTH).total, 12);
	assert_int_equal(measure_sex_parse("female"), MEASURE_SEX_FEMALE);
	assert_int_equal(measure_sex_parse("nonsense"), MEASURE_SEX_BOTH);
}

#define NA MEASURE_NOT_ASKED

static void
test_cssrs_triage_follows_the_columbia_screen(void **st)
{
	static const struct { int a[7]; int level; int alert; } c[] = {
		{{0, 0, NA, NA, NA, 0, NA}, 0, 0},
		{{1, 0, NA, NA, NA, 0, NA}, 1, 0},  /* wish to be dead */
		{{0, 1, 0, 0, 0, 0, NA}, 1, 0},     /* thoughts only */
		{{1, 1, 1, 0, 0, 0, NA}, 2, 1},     /* method: moderate */
		{{0, 0, NA, NA, NA, 1, 0}, 2, 1},   /* behaviour > 3 months */
		{{1, 1, 0, 1, 0, 0, NA}, 3, 1},     /* intent: high */
		{{1, 1, 1, 1, 1, 0, NA}, 3, 1},     /* plan: high */
		{{0, 0, NA, NA, NA, 1, 1}, 3, 1},   /* behaviour in 3 months */
	};
	static const char *names[] = {"No risk identified", "Low risk",
	    "Moderate risk", "High risk"};
	int a[MEASURE_MAX_ITEMS];
	struct measure_score s;
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memcpy(a, c[i].a, sizeof(c[i].a));
		s = score(MEASURE_CSSRS, a, MEASURE_SEX_BOTH);
		assert_int_equal(s.total, c[i].level);
		assert_string_equal(s.band_label, names[c[i].level]);
		assert_int_equal(s.alert, c[i].alert);
	}
}

static void
test_validation_requires_every_item_and_follows_the_skip_logic(void **st)
{
	const struct measure_instrument *m = measure_instrument(MEASURE_CSSRS);
	const struct measure_instrument *p = measure_instrument(MEASURE_PHQ9);
	struct measure_error e[MEASURE_MAX_ITEMS];
	int skipped_asked[MEASURE_MAX_ITEMS] = {0, 0, 1, NA, NA, 0, NA};
	int missing[MEASURE_MAX_ITEMS] = {1, 1, NA, 0, 0, 1, NA};
	int phq[MEASURE_MAX_ITEMS] = {0, 0, 0, 0, 4, 0, 0, 0, NA, NA};
	size_t n;

	(void)st;
	assert_int_equal(measure_validate(m, skipped_asked, e, &n), ALC_EINVAL);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].item, 2);
	assert_string_equal(e[0].message, "Leave this blank: question 2 is No.");
	assert_int_equal(measure_validate(m, missing, e, &n), ALC_EINVAL);
	assert_int_equal(n, 2); /* question 3, and the 3-month follow-up */
	assert_int_equal(e[0].item, 2);
	assert_int_equal(e[1].item, 6);
	assert_int_equal(measure_validate(p, phq, e, &n), ALC_EINVAL);
	assert_int_equal(n, 2); /* 4 is not an answer; item 9 missing */
	assert_int_equal(e[0].item, 4);
	assert_string_equal(e[1].message, "Choose an answer.");
	assert_null(measure_by_code("phq10"));
	assert_ptr_equal(measure_by_code("gad7"), measure_instrument(MEASURE_GAD7));
}

static void
test_chart_puts_bands_and_points_in_the_plot(void **st)
{
	const struct measure_instrument *m = measure_instrument(MEASURE_PHQ9);
	int totals[3] = {22, 12, 3};
	int64_t when[3] = {1000, 2000, 4000};
	struct measure_chart c;
	size_t i;

	(void)st;
	measure_chart_layout(m, totals, when, 3, &c);
	assert_int_equal(c.n_bands, 5);
	assert_int_equal(c.n_points, 3);
	/* Stripes tile the plot from its bottom to its top. */
	assert_int_equal(c.bands[0].y + c.bands[0].h, c.top + c.height);
	for (i = 1; i < c.n_bands; i++)
		assert_int_equal(c.bands[i].y + c.bands[i].h, c.bands[i - 1].y);
	assert_int_equal(c.bands[4].y, c.top);
	/* Higher scores higher up; time left to right, in proportion. */
	assert_true(c.points[0].y < c.points[1].y);
	assert_true(c.points[1].y < c.points[2].y);
	assert_true(c.points[0].x < c.points[1].x);
	assert_in_range(c.points[2].x - c.points[1].x,
	    2 * (c.points[1].x - c.points[0].x) - 1,
	    2 * (c.points[1].x - c.points[0].x) + 1);
	/* One point: in the middle. */
	measure_chart_layout(m, totals, when, 1, &c);
	assert_int_equal(c.points[0].x, c.left + c.width / 2);
}

/* --- recording, on the database ------------------------------------------ */

struct fx {
	struct db *db;
	struct keystore *ks;
	struct arena *a;
	int64_t practice, user, patient;
};

static int64_t
insert_id(struct db *db, const char *sql, int64_t a)
{
	struct db_conn *c = db_acquire(db, 5000, NULL);
	struct db_stmt *s;
	int64_t id;

	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, sql), 0);
	if (a)
		db_bind_i64(s, 1, a);
	assert_int_equal(db_step(s), DB_ROW);
	id = db_col_i64(s, 0);
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
	    "created_at) VALUES ('P', 'p', 0) RETURNING id", 0);
	snprintf(path, sizeof(path), "%s/master-%d.key", test_tmpdir(), n++);
	assert_int_equal(keyfile_create(path, &err), 0);
	assert_non_null(f->ks = keystore_open(f->db, path, &err));
	assert_int_equal(keystore_ensure_practice(f->ks, f->practice), 0);
	assert_non_null(f->a = arena_new());
	f->user = insert_id(f->db, "INSERT INTO users (email, display_name, "
	    "created_at, updated_at) VALUES ('c@example.test', 'Cleo', 0, 0) "
	    "RETURNING id", 0);
	f->patient = insert_id(f->db, "INSERT INTO patients (practice_id, "
	    "chart_no, created_at, updated_at) VALUES (?, 'P-000001', 0, 0) "
	    "RETURNING id", f->practice);
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

static int
contains(const void *hay, size_t n, const char *needle)
{
	const char *h = hay;
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(h + i, needle, k) == 0)
			return 1;
	return 0;
}

static int64_t
q64(struct fx *f, const char *sql, int64_t a)
{
	return insert_id(f->db, sql, a);
}

static int64_t
record(struct fx *f, enum measure_id id, const int *a, int64_t when)
{
	struct audit_event who;
	int64_t rid = 0;

	memset(&who, 0, sizeof(who));
	who.actor_user_id = f->user;
	who.actor_role = "clinician";
	assert_int_equal(measures_record(f->db, f->ks, f->practice, f->patient,
	    measure_instrument(id), a, MEASURE_SEX_FEMALE, when, &who, &rid,
	    NULL), 0);
	return rid;
}

static void
test_results_are_sealed_audited_and_listed_oldest_first(void **st)
{
	struct fx *f = *st;
	int phq[MEASURE_MAX_ITEMS] = {3, 3, 3, 2, 2, 2, 1, 1, 0, 2};
	int gad[MEASURE_MAX_ITEMS] = {1, 1, 1, 1, 1, 1, 1, NA};
	struct measure_result *r;
	const void *blob;
	size_t n, len;
	int64_t id;

	id = record(f, MEASURE_PHQ9, phq, 2000);
	phq[0] = 0;
	record(f, MEASURE_PHQ9, phq, 1000);
	record(f, MEASURE_GAD7, gad, 1500);
	assert_int_equal(measures_list(f->db, f->ks, f->a, f->practice,
	    f->patient, MEASURE_PHQ9, 10, &r, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].administered_at, 1000);
	assert_int_equal(r[0].score.total, 14);
	assert_int_equal(r[1].score.total, 17);
	assert_string_equal(r[1].score.band_label, "Moderately severe");
	assert_int_equal(r[1].answers[9], 2);
	assert_string_equal(r[1].recorded_by_name, "Cleo");
	assert_int_equal(measures_list(f->db, f->ks, f->a, f->practice,
	    f->patient, -1, 2, &r, &n), 0);
	assert_int_equal(n, 2); /* the latest two */
	assert_int_equal(r[0].administered_at, 1500);
	assert_int_equal(r[0].instrument, MEASURE_GAD7);
	/* Sealed: the JSON is nowhere in the row. */
	{
		struct db_conn *c = db_acquire(f->db, 5000, NULL);
		struct db_stmt *s;

		assert_int_equal(db_prepare(c, &s, "SELECT data FROM "
		    "measure_results WHERE id = ?"), 0);
		db_bind_i64(s, 1, id);
		assert_int_equal(db_step(s), DB_ROW);
		blob = db_col_blob(s, 0, &len);
		assert_true(len > KEYSTORE_FIELD_OVERHEAD);
		assert_false(contains(blob, len, "answers"));
		db_stmt_done(s);
		db_release(c);
	}
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "verb = 'CREATE' AND object_type = 'measure_result' AND "
	    "patient_id = ?", f->patient), 3);
}

static void
test_invalid_answers_are_refused_and_nothing_is_stored(void **st)
{
	struct fx *f = *st;
	int phq[MEASURE_MAX_ITEMS] = {3, 3, NA, 2, 2, 2, 1, 1, 0, NA};
	struct alc_err err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(measures_record(f->db, f->ks, f->practice, f->patient,
	    measure_instrument(MEASURE_PHQ9), phq, MEASURE_SEX_BOTH, 0, NULL,
	    NULL, &err), ALC_EINVAL);
	assert_int_equal(q64(f, "SELECT count(*) FROM measure_results WHERE "
	    "patient_id = ?", f->patient), 0);
}

static void
test_alerts_stay_open_until_acknowledged_once(void **st)
{
	struct fx *f = *st;
	int phq[MEASURE_MAX_ITEMS] = {0, 0, 0, 0, 0, 0, 0, 0, 2, NA};
	int high[MEASURE_MAX_ITEMS] = {1, 1, 0, 1, 0, 0, NA};
	int none[MEASURE_MAX_ITEMS] = {0, 0, NA, NA, NA, 0, NA};
	struct measure_result *r;
	struct audit_event who;
	struct alc_err err;
	int64_t a1, a2;
	size_t n;

	a1 = record(f, MEASURE_PHQ9, phq, 1000);
	a2 = record(f, MEASURE_CSSRS, high, 2000);
	record(f, MEASURE_CSSRS, none, 3000);
	assert_int_equal(measures_open_alerts(f->db, f->ks, f->a, f->practice,
	    f->patient, 10, &r, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].id, a2);
	assert_non_null(strstr(r[0].score.alert_text, "high risk"));
	assert_int_equal(r[1].id, a1);
	memset(&who, 0, sizeof(who));
	who.actor_user_id = f->user;
	assert_int_equal(measures_ack(f->db, f->practice, f->patient, a1, &who,
	    &err), 0);
	assert_int_equal(measures_ack(f->db, f->practice, f->patient, a1, &who,
	    &err), ALC_ECONFLICT);
	assert_int_equal(measures_ack(f->db, f->practice, f->patient + 1, a2,
	    &who, &err), ALC_ENOTFOUND);
	assert_int_equal(measures_open_alerts(f->db, f->ks, f->a, f->practice,
	    f->patient, 10, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].id, a2);
	assert_int_equal(q64(f, "SELECT count(*) FROM audit_events WHERE "
	    "verb = 'UPDATE' AND object_type = 'measure_result' AND "
	    "patient_id = ?", f->patient), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phq9_totals_fall_in_the_published_bands),
		cmocka_unit_test(
		    test_phq9_item_9_raises_the_alert_and_the_difficulty_item_is_unscored),
		cmocka_unit_test(test_gad7_bands),
		cmocka_unit_test(test_pcl5_cut_point_is_33),
		cmocka_unit_test(test_auditc_cut_points_depend_on_sex),
		cmocka_unit_test(test_cssrs_triage_follows_the_columbia_screen),
		cmocka_unit_test(
		    test_validation_requires_every_item_and_follows_the_skip_logic),
		cmocka_unit_test(test_chart_puts_bands_and_points_in_the_plot),
#define DBT(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		DBT(test_results_are_sealed_audited_and_listed_oldest_first),
		DBT(test_invalid_answers_are_refused_and_nothing_is_stored),
		DBT(test_alerts_stay_open_until_acknowledged_once),
#undef DBT
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
