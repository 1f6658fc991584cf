/*
 * bench/field_cost.c - what field encryption costs when a patient list is
 * loaded (issue #6: "time to load a patient list of 200 rows with and
 * without decryption").
 *
 *   field_cost DBFILE KEYFILE [ROWS [RUNS]]
 *
 * DBFILE is a fresh Alcove SQLite database (`alcove init` makes it, with
 * its master key in KEYFILE); ROWS patients (default 200) are registered
 * in practice 1 through patients_create, so every field is sealed as the
 * server seals it.  Then the same list query (ROWS rows: chart number,
 * status, sealed name and birth date) is run RUNS times (default 101) by
 * two paths, alternately: one copies the sealed bytes, the other opens
 * both fields with keystore_open_field.  The only difference between the
 * paths is the decryption.  Prints the median of each, the ratio, the
 * cost per field, and the library's own list loader (patients_briefs,
 * which also parses the name) for comparison.  Not built by make check:
 * `make bench` builds it and bench/run runs it.
 */
#include "core/keys/keystore.h"
#include "core/patients/patients.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIST_SQL "SELECT id, chart_no, status, name, dob FROM patients " \
	"WHERE practice_id = ? ORDER BY id LIMIT ?"

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
make_patients(struct db *db, struct keystore *ks, int rows)
{
	struct audit_event who = {.actor_role = "system"};
	struct patient_record r;
	char first[32], last[32], dob[16], phone[24];
	struct arena *a;
	const char *chart;
	int64_t id;
	int i, rc = 0;

	for (i = 0; i < rows && rc == 0; i++) {
		if ((a = arena_new()) == NULL)
			return ALC_ENOMEM;
		snprintf(first, sizeof(first), "Benchfirst%d", i);
		snprintf(last, sizeof(last), "Benchlast%d", i);
		snprintf(dob, sizeof(dob), "19%02d-%02d-%02d", 40 + i % 60,
		    1 + i % 12, 1 + i % 28);
		snprintf(phone, sizeof(phone), "555-%03d-%04d", i % 1000, i);
		memset(&r, 0, sizeof(r));
		r.status = "active";
		r.legal_first = first;
		r.legal_last = last;
		r.dob = dob;
		r.phone = phone;
		r.address = "12 Elm St, Springfield";
		rc = patients_create(db, ks, a, 1, &r, &who, &id, &chart, NULL);
		arena_free(a);
	}
	return rc;
}

/* One load of the list; decrypt 0 copies the sealed bytes instead. */
static int
load_list(struct db *db, struct keystore *ks, int rows, int decrypt,
    size_t *bytes, int *ids, int64_t *idv)
{
	static const char *const cols[] = {"name", "dob"};
	struct arena *a = arena_new();
	struct db_conn *c = NULL;
	struct db_stmt *s = NULL;
	struct buf out;
	int rc, k;

	*ids = 0;
	if (a == NULL || (c = db_acquire(db, 5000, NULL)) == NULL) {
		rc = ALC_EDB;
		goto out;
	}
	if ((rc = db_prepare(c, &s, LIST_SQL)) != 0)
		goto out;
	db_bind_i64(s, 1, 1);
	db_bind_i64(s, 2, rows);
	while ((rc = db_step(s)) == DB_ROW) {
		int64_t id = db_col_i64(s, 0);
		idv[(*ids)++] = id;
		*bytes += strlen(db_col_text(s, 1)) + strlen(db_col_text(s, 2));
		for (k = 0; k < 2; k++) {
			struct field_ref ref = {1, KS_GENERAL, "patients", cols[k], id};
			size_t n;
			const void *p = db_col_blob(s, 3 + k, &n);
			buf_init(&out, a);
			rc = decrypt ? keystore_open_field(ks, &ref, p, n, &out) :
			    (buf_append(&out, p, n), buf_failed(&out) ? ALC_ENOMEM : 0);
			if (rc != 0)
				goto out;
			*bytes += out.len;
		}
	}
	rc = rc < 0 ? rc : 0;
out:
	if (s != NULL)
		db_stmt_done(s);
	if (c != NULL)
		db_release(c);
	arena_free(a);
	return rc;
}

static int
load_briefs(struct db *db, struct keystore *ks, const int64_t *ids, int n)
{
	struct patient_brief *b = calloc((size_t)n, sizeof(*b));
	struct arena *a = arena_new();
	int rc = b == NULL || a == NULL ? ALC_ENOMEM :
	    patients_briefs(db, ks, a, 1, ids, (size_t)n, b);

	arena_free(a);
	free(b);
	return rc;
}

/* RUNS alternating timings of the three paths; medians into med[3]. */
static int
measure(struct db *db, struct keystore *ks, int rows, int runs, double med[3])
{
	double *t = calloc((size_t)runs * 3, sizeof(*t)), t0;
	int64_t *idv = calloc((size_t)rows, sizeof(*idv));
	size_t bytes = 0;
	int i, p, n = 0, rc = t == NULL || idv == NULL ? ALC_ENOMEM : 0;

	for (i = -3; i < runs && rc == 0; i++) /* three warm-up rounds */
		for (p = 0; p < 3 && rc == 0; p++) {
			t0 = now_us();
			rc = p < 2 ? load_list(db, ks, rows, p, &bytes, &n, idv) :
			    load_briefs(db, ks, idv, n);
			if (i >= 0)
				t[p * runs + i] = now_us() - t0;
		}
	if (rc == 0 && n != rows) {
		fprintf(stderr, "field_cost: %d rows listed, %d expected\n", n, rows);
		rc = ALC_EINVAL;
	}
	for (p = 0; p < 3 && rc == 0; p++) {
		qsort(t + p * runs, (size_t)runs, sizeof(*t), cmp_double);
		med[p] = t[p * runs + runs / 2];
	}
	free(t);
	free(idv);
	return rc;
}

int
main(int argc, char **argv)
{
	struct db_config cfg = {.engine = DB_SQLITE};
	struct alc_err err = {0};
	struct keystore *ks = NULL;
	struct db *db = NULL;
	int rows, runs, rc = 1;
	double med[3];

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: field_cost DBFILE KEYFILE [ROWS [RUNS]]\n");
		return 2;
	}
	rows = argc > 3 ? atoi(argv[3]) : 200;
	runs = argc > 4 ? atoi(argv[4]) : 101;
	if (rows < 1 || runs < 1)
		return 2;
	cfg.sqlite_path = argv[1];
	if (db_open(&db, &cfg, NULL) != 0 ||
	    (ks = keystore_open(db, argv[2], &err)) == NULL) {
		fprintf(stderr, "field_cost: cannot open %s: %s\n", argv[1], err.msg);
		goto out;
	}
	if (keystore_ensure_practice(ks, 1) != 0 ||
	    make_patients(db, ks, rows) != 0 ||
	    measure(db, ks, rows, runs, med) != 0) {
		fprintf(stderr, "field_cost: failed\n");
		goto out;
	}
	printf("patient list of %d rows, median of %d runs: without decryption "
	    "%.3f ms, with decryption %.3f ms, ratio %.2f (%.2f us per "
	    "field opened); patients_briefs (open and parse) %.3f ms\n", rows,
	    runs, med[0] / 1000, med[1] / 1000, med[1] / med[0],
	    (med[1] - med[0]) / (2.0 * rows), med[2] / 1000);
	rc = 0;
out:
	keystore_close(ks);
	db_close(db);
	return rc;
}
