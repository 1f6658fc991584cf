/*
 * test_rotate.c - data-key rotation (src/core/keys/rotate.c) on a real
 * database (SQLite or PostgreSQL, from ALCOVE_TEST_ENGINE).
 *
 * Patients rows are inserted by SQL and their name, dob and profile sealed
 * through keystore_seal exactly as the patients module does, so these
 * tests do not depend on that module.  Every check that a field "still
 * decrypts" opens it through keystore_open_field and compares the
 * plaintext with what was sealed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "core/keys/keystore.h"
#include "crypto/keyfile.h"
#include "db/db.h"
#include "testlib.h"

#define NPATIENTS 23

static const char *const cols[] = {"name", "dob", "profile"};

struct fx {
	struct db *db;
	struct keystore *ks;
	char keyfile[PATH_MAX];
	int64_t p[2];
	int64_t ids[NPATIENTS];
};

static int64_t
add_practice(struct db *db, const char *slug)
{
	struct db_conn *c = db_acquire(db, 5000, NULL);
	struct db_stmt *s;
	int64_t id;

	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, "INSERT INTO practices (name, slug, "
	    "created_at) VALUES (?, ?, 0) RETURNING id"), 0);
	db_bind_text(s, 1, slug);
	db_bind_text(s, 2, slug);
	assert_int_equal(db_step(s), DB_ROW);
	id = db_col_i64(s, 0);
	db_stmt_done(s);
	db_release(c);
	return id;
}

static void
plain(char *out, size_t sz, int i, const char *col)
{
	snprintf(out, sz, "%s of patient %d: Quillon Zephyrine %d", col, i, i);
}

static struct field_ref
pref(int64_t pid, const char *col, int64_t id)
{
	struct field_ref r = {pid, KS_GENERAL, "patients", col, id};
	return r;
}

/* Seals col of patient row id (index i) with the active key. */
static void
seal_col(struct fx *f, struct db_conn *c, int64_t pid, int64_t id, int i,
    const char *col)
{
	char pt[128], sql[96];
	struct field_ref r = pref(pid, col, id);
	struct db_stmt *s;
	struct buf ct;

	plain(pt, sizeof(pt), i, col);
	buf_init(&ct, NULL);
	assert_int_equal(keystore_seal(f->ks, &r, pt, strlen(pt), &ct), 0);
	snprintf(sql, sizeof(sql), "UPDATE patients SET %s = ? WHERE id = ?", col);
	assert_int_equal(db_prepare(c, &s, sql), 0);
	db_bind_blob(s, 1, ct.data, ct.len);
	db_bind_i64(s, 2, id);
	assert_int_equal(db_step(s), DB_DONE);
	db_stmt_done(s);
	buf_free(&ct);
}

static void
add_patients(struct fx *f)
{
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;
	char chart[32];
	int i, k;

	assert_non_null(c);
	for (i = 0; i < NPATIENTS; i++) {
		int64_t pid = f->p[i % 2];
		snprintf(chart, sizeof(chart), "P-%06d", i);
		assert_int_equal(db_prepare(c, &s, "INSERT INTO patients "
		    "(practice_id, chart_no, created_at, updated_at) VALUES "
		    "(?, ?, 0, 0) RETURNING id"), 0);
		db_bind_i64(s, 1, pid);
		db_bind_text(s, 2, chart);
		assert_int_equal(db_step(s), DB_ROW);
		f->ids[i] = db_col_i64(s, 0);
		db_stmt_done(s);
		for (k = 0; k < 3; k++)
			if (!(k == 2 && i % 5 == 0)) /* some without a profile */
				seal_col(f, c, pid, f->ids[i], i, cols[k]);
	}
	db_release(c);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct alc_err err;

	assert_non_null(f);
	assert_int_equal(test_db_open(&f->db), 0);
	snprintf(f->keyfile, sizeof(f->keyfile), "%s/master.key", test_tmpdir());
	(void)remove(f->keyfile);
	assert_int_equal(keyfile_create(f->keyfile, &err), 0);
	f->ks = keystore_open(f->db, f->keyfile, &err);
	assert_non_null(f->ks);
	f->p[0] = add_practice(f->db, "lakeside");
	f->p[1] = add_practice(f->db, "hillside");
	assert_int_equal(keystore_ensure_practice(f->ks, f->p[0]), 0);
	assert_int_equal(keystore_ensure_practice(f->ks, f->p[1]), 0);
	add_patients(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	keystore_close(f->ks);
	test_db_close(f->db);
	free(f);
	return 0;
}

static int64_t
q_i64(struct db *db, const char *sql)
{
	struct db_conn *c = db_acquire(db, 5000, NULL);
	int64_t n = -1;

	assert_non_null(c);
	assert_int_equal(db_query_i64(c, sql, &n), 0);
	db_release(c);
	return n;
}

/* Every sealed field opens to what was sealed; returns how many fields
 * are sealed with a key whose status is st. */
static int
check_fields(struct fx *f, const char *st)
{
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s, *k;
	char want[128], sql[128];
	int i, j, under = 0;

	assert_non_null(c);
	for (j = 0; j < 3; j++) {
		snprintf(sql, sizeof(sql), "SELECT id, practice_id, %s FROM "
		    "patients WHERE %s IS NOT NULL ORDER BY id", cols[j], cols[j]);
		assert_int_equal(db_prepare(c, &s, sql), 0);
		for (i = 0; db_step(s) == DB_ROW; i++) {
			size_t n;
			const unsigned char *ct = db_col_blob(s, 2, &n);
			struct field_ref r = pref(db_col_i64(s, 1), cols[j],
			    db_col_i64(s, 0));
			struct buf pt;
			int64_t kid = 0;
			int b, idx;
			for (idx = 0; f->ids[idx] != r.row_id; idx++)
				;
			buf_init(&pt, NULL);
			assert_int_equal(keystore_open_field(f->ks, &r, ct, n, &pt), 0);
			plain(want, sizeof(want), idx, cols[j]);
			assert_string_equal(pt.data, want);
			buf_free(&pt);
			for (b = 1; b <= 8; b++)
				kid = (kid << 8) | ct[b];
			snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM data_keys "
			    "WHERE id = %" PRId64 " AND status = '%s'", kid, st);
			struct db_conn *c2 = db_acquire(f->db, 5000, NULL);
			assert_int_equal(db_prepare(c2, &k, sql), 0);
			assert_int_equal(db_step(k), DB_ROW);
			under += (int)db_col_i64(k, 0);
			db_stmt_done(k);
			db_release(c2);
		}
		db_stmt_done(s);
	}
	db_release(c);
	return under;
}

#define NFIELDS (NPATIENTS * 3 - (NPATIENTS + 4) / 5)

static struct keys_rotate_opts
opts(unsigned purposes, int batch)
{
	struct keys_rotate_opts o;

	memset(&o, 0, sizeof(o));
	o.purposes = purposes;
	o.batch = batch;
	o.actor_role = "operator";
	return o;
}

static void
test_rotation_reencrypts_every_field_and_retires_old_keys(void **state)
{
	struct fx *f = *state;
	struct keys_rotate_opts o = opts(KEYS_ROTATE_ROTATABLE, 4);
	struct keys_rotate_result r;
	struct alc_err err;

	assert_int_equal(check_fields(f, "active"), NFIELDS);
	assert_int_equal(keys_rotate(f->ks, &o, &r, &err), 0);
	assert_int_equal(r.resumed, 0);
	assert_int_equal(r.resealed, NFIELDS);
	assert_int_equal(r.remaining, 0);
	/* general, psychotherapy and part2 of two practices */
	assert_int_equal(r.retired, 6);
	assert_int_equal(check_fields(f, "active"), NFIELDS);
	assert_int_equal(q_i64(f->db, "SELECT COUNT(*) FROM data_keys WHERE "
	    "status = 'retired' AND retired_at IS NOT NULL"), 6);
	assert_int_equal(q_i64(f->db, "SELECT COUNT(*) FROM data_keys WHERE "
	    "status = 'active'"), 2 * 4 + 1);
	assert_int_equal(q_i64(f->db, "SELECT COUNT(*) FROM key_rotations "
	    "WHERE status = 'done' AND finished_at IS NOT NULL"), 1);
	/* start, six retirements, done */
	assert_int_equal(q_i64(f->db, "SELECT COUNT(*) FROM audit_events WHERE "
	    "verb = 'KEY_CHANGE'"), 8);
}

static void
test_interrupted_rotation_resumes_and_finishes(void **state)
{
	struct fx *f = *state;
	struct keys_rotate_opts o = opts(1u << KS_GENERAL, 5);
	struct keys_rotate_result r;
	struct alc_err err;

	o.abort_after = 2;
	assert_int_equal(keys_rotate(f->ks, &o, &r, &err), ALC_EBUSY);
	assert_non_null(strstr(err.msg, "test hook"));
	/* two batches of five names committed, the third rolled back */
	assert_int_equal(check_fields(f, "active"), 10);
	assert_int_equal(check_fields(f, "retiring"), NFIELDS - 10);
	assert_int_equal(q_i64(f->db, "SELECT last_id FROM key_rotation_progress "
	    "WHERE column_name = 'name'"), f->ids[9]);

	o = opts(0, 5); /* resume only */
	assert_int_equal(keys_rotate(f->ks, &o, &r, &err), 0);
	assert_int_equal(r.resumed, 1);
	assert_int_equal(r.resealed, NFIELDS - 10);
	assert_int_equal(r.retired, 2);
	assert_int_equal(r.remaining, 0);
	assert_int_equal(check_fields(f, "active"), NFIELDS);
	assert_int_equal(q_i64(f->db, "SELECT COUNT(*) FROM data_keys WHERE "
	    "status <> 'active'"), 2);
	/* psychotherapy and part2 were not rotated */
	assert_int_equal(q_i64(f->db, "SELECT COUNT(*) FROM data_keys WHERE "
	    "purpose = 'psychotherapy'"), 2);
}

static void
test_status_counts_fields_per_key(void **state)
{
	struct fx *f = *state;
	struct keys_rotate_opts o = opts(1u << KS_GENERAL, 50);
	struct keys_rotate_result r;
	struct keys_status_row *rows;
	struct alc_err err;
	int64_t running = -1, general = 0;
	size_t n, i;

	o.abort_after = 1;
	assert_int_equal(keys_rotate(f->ks, &o, &r, &err), ALC_EBUSY);
	assert_int_equal(keys_status(f->ks, &rows, &n, &running), 0);
	assert_true(running > 0);
	for (i = 0; i < n; i++) {
		if (rows[i].purpose == KS_BACKUP)
			assert_int_equal(rows[i].rows, -1);
		if (rows[i].purpose == KS_BLIND_INDEX) /* no patients here */
			assert_int_equal(rows[i].rows, 0);
		if (rows[i].purpose == KS_GENERAL) {
			general += rows[i].rows;
			if (strcmp(rows[i].status, "active") == 0)
				assert_int_equal(rows[i].rows,
				    rows[i].practice_id == f->p[0] ? 12 : 11);
		}
	}
	assert_int_equal(general, NFIELDS);
	free(rows);
}

static void
test_resume_with_nothing_running_is_not_found(void **state)
{
	struct fx *f = *state;
	struct keys_rotate_opts o = opts(0, 0);
	struct keys_rotate_result r;
	struct alc_err err;

	assert_int_equal(keys_rotate(f->ks, &o, &r, &err), ALC_ENOTFOUND);
	assert_non_null(strstr(err.msg, "no key rotation"));
}

static void
test_blind_index_without_reindexer_and_backup_keys_are_refused(void **state)
{
	struct fx *f = *state;
	struct keys_rotate_opts o = opts(1u << KS_BLIND_INDEX, 0);
	struct keys_rotate_result r;
	struct alc_err err;

	assert_int_equal(keys_rotate(f->ks, &o, &r, &err), ALC_EINVAL);
	o.purposes = 1u << KS_BACKUP;
	assert_int_equal(keys_rotate(f->ks, &o, &r, &err), ALC_EINVAL);
	assert_int_equal(q_i64(f->db, "SELECT COUNT(*) FROM key_rotations"), 0);
}

static void
test_field_that_does_not_open_stops_rotation(void **state)
{
	struct fx *f = *state;
	struct keys_rotate_opts o = opts(1u << KS_GENERAL, 100);
	struct keys_rotate_result r;
	struct alc_err err;
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;
	char want[64];

	/* row 2's name copied into row 4 (same practice): fails its AD */
	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, "UPDATE patients SET name = (SELECT "
	    "name FROM patients WHERE id = ?) WHERE id = ?"), 0);
	db_bind_i64(s, 1, f->ids[2]);
	db_bind_i64(s, 2, f->ids[4]);
	assert_int_equal(db_step(s), DB_DONE);
	db_stmt_done(s);
	db_release(c);
	assert_int_equal(keys_rotate(f->ks, &o, &r, &err), ALC_ECRYPTO);
	snprintf(want, sizeof(want), "patients.name of row %" PRId64, f->ids[4]);
	assert_non_null(strstr(err.msg, want));
	/* the batch did not commit: nothing was re-sealed */
	assert_int_equal(q_i64(f->db, "SELECT COUNT(*) FROM data_keys WHERE "
	    "status = 'retired'"), 0);
	assert_int_equal(q_i64(f->db, "SELECT rows_done FROM "
	    "key_rotation_progress WHERE column_name = 'name'"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_rotation_reencrypts_every_field_and_retires_old_keys,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_interrupted_rotation_resumes_and_finishes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_counts_fields_per_key,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_resume_with_nothing_running_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_blind_index_without_reindexer_and_backup_keys_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_field_that_does_not_open_stops_rotation, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
