/*
 * test_mfa.c - TOTP codes and recovery codes (core/users/mfa.c) on a real
 * database (SQLite or PostgreSQL, from ALCOVE_TEST_ENGINE).
 *
 * The RFC 6238 appendix B vectors pin the algorithm (crypto/totp.c); the
 * other tests then make the codes a phone would show with totp_code.
 * Time is passed in explicitly, so nothing here waits for a clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "core/keys/keystore.h"
#include "core/users/mfa.h"
#include "core/users/users.h"
#include "crypto/keyfile.h"
#include "crypto/random.h"
#include "crypto/totp.h"
#include "db/db.h"
#include "testlib.h"

/* 2026-05-01 12:00:00 UTC, in the middle of a 30-second step. */
#define T0_S 1777636815LL
#define T0_MS (T0_S * 1000)
/* RFC 6238 appendix B's SHA-1 key. */
#define RFC_KEY ((const unsigned char *)"12345678901234567890")

struct fx {
	struct db *db;
	struct keystore *ks;
	int64_t practice, user;
};

static void
exec_sql(struct db *db, const char *sql, int64_t a, const char *t)
{
	struct db_conn *c = db_acquire(db, 5000, NULL);
	struct db_stmt *s;

	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, sql), 0);
	if (a)
		db_bind_i64(s, 1, a);
	if (t)
		db_bind_text(s, a ? 2 : 1, t);
	assert_true(db_step(s) >= 0);
	db_stmt_done(s);
	db_release(c);
}

static int64_t
insert_id(struct db *db, const char *sql)
{
	struct db_conn *c = db_acquire(db, 5000, NULL);
	struct db_stmt *s;
	int64_t id;

	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, sql), 0);
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
	    "created_at) VALUES ('P', 'p', 0) RETURNING id");
	f->user = insert_id(f->db, "INSERT INTO users (email, display_name, "
	    "created_at, updated_at) VALUES ('a@example.test', 'A', 0, 0) "
	    "RETURNING id");
	snprintf(path, sizeof(path), "%s/master-%d.key", test_tmpdir(), n++);
	assert_int_equal(keyfile_create(path, &err), 0);
	assert_non_null(f->ks = keystore_open(f->db, path, &err));
	assert_int_equal(keystore_ensure_practice(f->ks, f->practice), 0);
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

static unsigned char
b32val(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return (unsigned char)(ch - 'A');
	assert_true(ch >= '2' && ch <= '7');
	return (unsigned char)(ch - '2' + 26);
}

/* Independent base32 decoding of what enrolment shows the user. */
static void
b32decode(const char *in, unsigned char out[MFA_SECRET_BYTES])
{
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	assert_int_equal(strlen(in), 32);
	for (; *in; in++) {
		acc = (acc << 5) | b32val(*in);
		if ((bits += 5) >= 8) {
			out[n++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	assert_int_equal(n, MFA_SECRET_BYTES);
}

/* Starts enrolment; key receives the secret's bytes. */
static void
begin(struct fx *f, unsigned char key[MFA_SECRET_BYTES])
{
	char b32[MFA_SECRET_B32_SIZE];

	assert_int_equal(mfa_enrol_begin(f->db, f->ks, f->user, f->practice,
	    T0_MS, b32), 0);
	b32decode(b32, key);
}

static void
code_at(const unsigned char *key, int64_t t, char out[7])
{
	assert_int_equal(totp_code(key, MFA_SECRET_BYTES, t, 6, out), 0);
}

static int
confirm(struct fx *f, const char *code, struct mfa_check *res,
    mfa_codes codes)
{
	return mfa_enrol_confirm(f->db, f->ks, f->user, code, T0_MS, NULL, res,
	    codes);
}

/* Enrols the user at T0 and returns the key and the recovery codes. */
static void
enrol(struct fx *f, unsigned char key[MFA_SECRET_BYTES], mfa_codes codes)
{
	struct mfa_check res;
	char code[7];

	begin(f, key);
	code_at(key, T0_S, code);
	assert_int_equal(confirm(f, code, &res, codes), 0);
	assert_int_equal(res.outcome, MFA_OK);
}

static int
verify(struct fx *f, const char *code, int64_t t_ms, struct mfa_check *res)
{
	return mfa_verify(f->db, f->ks, f->user, code, t_ms, NULL, res);
}

/* mfa_verify at t_ms must succeed with the given outcome. */
static void
expect(struct fx *f, const char *code, int64_t t_ms, enum mfa_outcome want,
    struct mfa_check *res)
{
	assert_int_equal(verify(f, code, t_ms, res), 0);
	assert_int_equal(res->outcome, want);
}

static int
disable(struct fx *f, unsigned roles, const char *code, int64_t t_ms,
    struct mfa_check *res)
{
	return mfa_disable(f->db, f->ks, f->user, f->practice, roles, code,
	    t_ms, NULL, res);
}

static void
test_rfc6238_vectors_sha1(void **state)
{
	/* RFC 6238 appendix B: ASCII "12345678901234567890", 8 digits. */
	static const struct { int64_t t; const char *code; } v[] = {
		{59, "94287082"}, {1111111109, "07081804"},
		{1111111111, "14050471"}, {1234567890, "89005924"},
		{2000000000, "69279037"}, {20000000000LL, "65353130"},
	};
	const unsigned char *key = RFC_KEY;
	char out[9];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(totp_code(key, 20, v[i].t, 8, out), 0);
		assert_string_equal(out, v[i].code);
	}
	/* The 6-digit path is the low six digits of the same value. */
	assert_int_equal(totp_code(key, 20, 59, 6, out), 0);
	assert_string_equal(out, "287082");
	assert_int_equal(totp_code(key, 20, 1111111109, 6, out), 0);
	assert_string_equal(out, "081804");
	assert_int_equal(totp_code(key, 20, 59, 5, out), ALC_EINVAL);
	assert_int_equal(totp_code(NULL, 20, 59, 6, out), ALC_EINVAL);
}

static void
test_check_window_is_one_step_each_side(void **state)
{
	const unsigned char *key = RFC_KEY;
	int64_t now = 1111111109, step;
	char c[7];

	(void)state;
	code_at(key, now, c);
	assert_int_equal(totp_check(key, 20, now, 0, c, &step), 0);
	assert_int_equal(step, now / 30);
	code_at(key, now - 30, c);
	assert_int_equal(totp_check(key, 20, now, 0, c, &step), 0);
	assert_int_equal(step, now / 30 - 1);
	code_at(key, now + 30, c);
	assert_int_equal(totp_check(key, 20, now, 0, c, &step), 0);
	code_at(key, now - 60, c);
	assert_int_equal(totp_check(key, 20, now, 0, c, &step), ALC_EPERM);
	code_at(key, now + 60, c);
	assert_int_equal(totp_check(key, 20, now, 0, c, &step), ALC_EPERM);
	/* A step at or before the last one used is refused. */
	code_at(key, now, c);
	assert_int_equal(totp_check(key, 20, now, now / 30, c, &step),
	    ALC_EPERM);
	assert_int_equal(totp_check(key, 20, now, 0, "12345", &step),
	    ALC_EINVAL);
	assert_int_equal(totp_check(key, 20, now, 0, "12345a", &step),
	    ALC_EINVAL);
}

static void
test_required_roles_and_stages(void **state)
{
	(void)state;
	assert_true(mfa_required_for(ROLE_OWNER, 0));
	assert_true(mfa_required_for(ROLE_ADMIN, 0));
	assert_true(mfa_required_for(ROLE_COMPLIANCE | ROLE_BILLING, 0));
	assert_false(mfa_required_for(ROLE_CLINICIAN | ROLE_FRONT_DESK, 0));
	assert_true(mfa_required_for(ROLE_FRONT_DESK, 1));
	assert_false(mfa_required_for(0, 1));
	assert_int_equal(mfa_session_stage(0, 1, 0), SESSION_MFA_PENDING);
	assert_int_equal(mfa_session_stage(0, 1, 1), SESSION_MFA_PENDING);
	assert_int_equal(mfa_session_stage(1, 1, 1), SESSION_FULL);
	assert_int_equal(mfa_session_stage(0, 0, 1), SESSION_MFA_ENROL);
	assert_int_equal(mfa_session_stage(0, 0, 0), SESSION_FULL);
}

static void
test_setting_makes_every_staff_member_enrol(void **state)
{
	struct fx *f = *state;
	int req = -1;

	assert_int_equal(mfa_required(f->db, f->practice, ROLE_CLINICIAN, &req),
	    0);
	assert_int_equal(req, 0);
	exec_sql(f->db, "INSERT INTO settings (practice_id, key, value, "
	    "updated_at) VALUES (?, 'security.mfa_all_staff', 'true', 0)",
	    f->practice, NULL);
	assert_int_equal(mfa_required(f->db, f->practice, ROLE_CLINICIAN, &req),
	    0);
	assert_int_equal(req, 1);
}

static void
test_enrolment_needs_a_code_before_mfa_is_on(void **state)
{
	struct fx *f = *state;
	unsigned char key[MFA_SECRET_BYTES], again[MFA_SECRET_BYTES];
	char b32[MFA_SECRET_B32_SIZE], code[7];
	struct mfa_check res;
	struct mfa_status st;
	mfa_codes codes;
	int on = -1;

	begin(f, key);
	begin(f, again);
	assert_memory_equal(key, again, sizeof(key)); /* reload: same secret */
	assert_int_equal(mfa_enabled(f->db, f->user, &on), 0);
	assert_int_equal(on, 0);
	assert_int_equal(verify(f, "123456", T0_MS, &res), ALC_ENOTFOUND);
	code_at(key, T0_S - 120, code);
	assert_int_equal(confirm(f, code, &res, codes), 0);
	assert_int_equal(res.outcome, MFA_BAD);
	assert_int_equal(mfa_enabled(f->db, f->user, &on), 0);
	assert_int_equal(on, 0);
	code_at(key, T0_S, code);
	assert_int_equal(confirm(f, code, &res, codes), 0);
	assert_int_equal(res.outcome, MFA_OK);
	assert_int_equal(mfa_enabled(f->db, f->user, &on), 0);
	assert_int_equal(on, 1);
	assert_int_equal(mfa_status(f->db, f->user, &st), 0);
	assert_int_equal(st.codes_left, MFA_RECOVERY_COUNT);
	assert_int_equal(st.enrolled_at, T0_MS);
	assert_int_equal(mfa_enrol_begin(f->db, f->ks, f->user, f->practice,
	    T0_MS, b32), ALC_EEXIST);
	assert_int_equal(confirm(f, code, &res, codes), ALC_ENOTFOUND);
	/* The code that confirmed setup cannot sign in afterwards. */
	expect(f, code, T0_MS + 1000, MFA_BAD, &res);
}

static void
test_secret_is_sealed_and_bound_to_its_row(void **state)
{
	struct fx *f = *state;
	unsigned char key[MFA_SECRET_BYTES], row[512];
	struct db_conn *c;
	struct db_stmt *s;
	struct mfa_check res;
	const unsigned char *p;
	size_t n = 0, i;
	mfa_codes codes;
	int64_t other;
	char code[7];

	begin(f, key);
	c = db_acquire(f->db, 5000, NULL);
	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, "SELECT secret FROM mfa WHERE "
	    "user_id = ?"), 0);
	db_bind_i64(s, 1, f->user);
	assert_int_equal(db_step(s), DB_ROW);
	p = db_col_blob(s, 0, &n);
	assert_true(n > MFA_SECRET_BYTES && n <= sizeof(row));
	memcpy(row, p, n);
	db_stmt_done(s);
	db_release(c);
	for (i = 0; i + MFA_SECRET_BYTES <= n; i++)
		assert_memory_not_equal(row + i, key, MFA_SECRET_BYTES);
	/* Copied onto another user's row, it no longer opens. */
	other = insert_id(f->db, "INSERT INTO users (email, display_name, "
	    "created_at, updated_at) VALUES ('b@example.test', 'B', 0, 0) "
	    "RETURNING id");
	c = db_acquire(f->db, 5000, NULL);
	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, "INSERT INTO mfa (user_id, "
	    "practice_id, secret, status, created_at) VALUES (?, ?, ?, "
	    "'pending', 0)"), 0);
	db_bind_i64(s, 1, other);
	db_bind_i64(s, 2, f->practice);
	db_bind_blob(s, 3, row, n);
	assert_true(db_step(s) >= 0);
	db_stmt_done(s);
	db_release(c);
	code_at(key, T0_S, code);
	assert_int_equal(mfa_enrol_confirm(f->db, f->ks, other, code, T0_MS, NULL,
	    &res, codes), ALC_ECRYPTO);
}

static void
test_code_is_accepted_once(void **state)
{
	struct fx *f = *state;
	unsigned char key[MFA_SECRET_BYTES];
	struct mfa_check res;
	mfa_codes codes;
	char code[7], spaced[8];

	enrol(f, key, codes);
	code_at(key, T0_S + 30, code);
	expect(f, code, T0_MS + 30000, MFA_OK, &res);
	assert_false(res.used_recovery);
	expect(f, code, T0_MS + 31000, MFA_BAD, &res);
	/* The next step's code works (typed with a space, too) ... */
	code_at(key, T0_S + 60, code);
	snprintf(spaced, sizeof(spaced), "%.3s %.3s", code, code + 3);
	expect(f, spaced, T0_MS + 61000, MFA_OK, &res);
	/* ... and then the code used before, though still in the window of
	 * one step back, is refused. */
	code_at(key, T0_S + 30, code);
	expect(f, code, T0_MS + 61000, MFA_BAD, &res);
}

static void
test_clock_skew_one_step_either_way(void **state)
{
	struct fx *f = *state;
	unsigned char key[MFA_SECRET_BYTES];
	struct mfa_check res;
	mfa_codes codes;
	char code[7];

	enrol(f, key, codes);
	/* The phone runs 30 s fast, then (later) 30 s slow, then 60 s slow. */
	code_at(key, T0_S + 300 + 30, code);
	expect(f, code, T0_MS + 300000, MFA_OK, &res);
	code_at(key, T0_S + 600 - 30, code);
	expect(f, code, T0_MS + 600000, MFA_OK, &res);
	code_at(key, T0_S + 900 - 60, code);
	expect(f, code, T0_MS + 900000, MFA_BAD, &res);
}

static void
test_recovery_code_works_once_in_any_case(void **state)
{
	struct fx *f = *state;
	unsigned char key[MFA_SECRET_BYTES];
	struct mfa_check res;
	mfa_codes codes;
	char typed[32];
	size_t i, j = 0;

	enrol(f, key, codes);
	for (i = 0; i < MFA_RECOVERY_COUNT; i++) {
		assert_int_equal(strlen(codes[i]), 11);
		assert_int_equal(codes[i][5], '-');
	}
	assert_string_not_equal(codes[0], codes[1]);
	/* Upper case, spaces and no hyphen are all fine. */
	for (i = 0; codes[3][i]; i++)
		if (codes[3][i] != '-')
			typed[j++] = (char)toupper((unsigned char)codes[3][i]);
	typed[j] = '\0';
	expect(f, typed, T0_MS, MFA_OK, &res);
	assert_true(res.used_recovery);
	assert_int_equal(res.codes_left, MFA_RECOVERY_COUNT - 1);
	expect(f, codes[3], T0_MS, MFA_BAD, &res);
	expect(f, "zzzzz-zzzzz", T0_MS, MFA_BAD, &res);
	expect(f, codes[4], T0_MS, MFA_OK, &res);
	assert_int_equal(res.codes_left, MFA_RECOVERY_COUNT - 2);
}

static void
test_regenerate_invalidates_old_codes(void **state)
{
	struct fx *f = *state;
	unsigned char key[MFA_SECRET_BYTES];
	struct mfa_check res;
	struct mfa_status st;
	mfa_codes old, fresh;

	enrol(f, key, old);
	expect(f, old[0], T0_MS, MFA_OK, &res);
	assert_int_equal(mfa_recovery_regenerate(f->db, f->user, T0_MS, NULL, fresh),
	    0);
	assert_int_equal(mfa_status(f->db, f->user, &st), 0);
	assert_int_equal(st.codes_left, MFA_RECOVERY_COUNT);
	expect(f, old[1], T0_MS, MFA_BAD, &res);
	expect(f, fresh[1], T0_MS, MFA_OK, &res);
	assert_int_equal(mfa_recovery_regenerate(f->db, f->user + 1000, T0_MS, NULL,
	    fresh), ALC_ENOTFOUND);
}

static void
test_wrong_codes_are_throttled(void **state)
{
	struct fx *f = *state;
	unsigned char key[MFA_SECRET_BYTES];
	struct mfa_check res;
	mfa_codes codes;
	char code[7];
	int i;

	enrol(f, key, codes);
	for (i = 0; i < 5; i++)
		expect(f, "000000", T0_MS + i, MFA_BAD, &res);
	/* After five wrong codes even the right one must wait. */
	code_at(key, T0_S + 30, code);
	expect(f, code, T0_MS + 10, MFA_LOCKED, &res);
	assert_true(res.retry_after_s >= 1);
	expect(f, code, T0_MS + 30000, MFA_OK, &res);
}

static void
test_disable_needs_a_code_and_a_role_that_allows_it(void **state)
{
	struct fx *f = *state;
	unsigned char key[MFA_SECRET_BYTES];
	struct mfa_check res;
	mfa_codes codes;
	char code[7];
	int on = -1;

	enrol(f, key, codes);
	code_at(key, T0_S + 30, code);
	assert_int_equal(disable(f, ROLE_OWNER, code, T0_MS + 30000, &res),
	    ALC_EPERM);
	/* A recovery code is not enough. */
	assert_int_equal(disable(f, ROLE_CLINICIAN, codes[0], T0_MS + 30000,
	    &res), 0);
	assert_int_equal(res.outcome, MFA_BAD);
	assert_int_equal(mfa_enabled(f->db, f->user, &on), 0);
	assert_int_equal(on, 1);
	assert_int_equal(disable(f, ROLE_CLINICIAN, code, T0_MS + 30000, &res),
	    0);
	assert_int_equal(res.outcome, MFA_OK);
	assert_int_equal(mfa_enabled(f->db, f->user, &on), 0);
	assert_int_equal(on, 0);
	assert_int_equal(verify(f, codes[1], T0_MS, &res), ALC_ENOTFOUND);
}

static void
test_otpauth_uri_issuer_practice_account(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	mfa_otpauth_uri(&b, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
	    "jo+x@example.test", "Calm & Co");
	assert_string_equal(buf_cstr(&b), "otpauth://totp/Alcove%20%28Calm%20"
	    "%26%20Co%29:jo%2Bx%40example.test?secret=GEZDGNBVGY3TQOJQGEZDGNBV"
	    "GY3TQOJQ&issuer=Alcove&algorithm=SHA1&digits=6&period=30");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors_sha1),
		cmocka_unit_test(test_check_window_is_one_step_each_side),
		cmocka_unit_test(test_required_roles_and_stages),
		cmocka_unit_test(test_otpauth_uri_issuer_practice_account),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_setting_makes_every_staff_member_enrol),
		T(test_enrolment_needs_a_code_before_mfa_is_on),
		T(test_secret_is_sealed_and_bound_to_its_row),
		T(test_code_is_accepted_once),
		T(test_clock_skew_one_step_either_way),
		T(test_recovery_code_works_once_in_any_case),
		T(test_regenerate_invalidates_old_codes),
		T(test_wrong_codes_are_throttled),
		T(test_disable_needs_a_code_and_a_role_that_allows_it),
#undef T
	};

	if (crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
