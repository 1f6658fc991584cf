/*
 * test_keys.c - the key hierarchy, field encryption and blind indexes,
 * through the keystore's public functions on a real database (SQLite or
 * PostgreSQL, from ALCOVE_TEST_ENGINE) and a real master key file.
 *
 * Where a test must look behind the API (is the stored key really
 * wrapped?) it reads data_keys rows itself and unwraps them with the
 * master key from the file, proving both that the row is not the key and
 * that it is the key the keystore really uses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/buf.h"
#include "base/err.h"
#include "core/keys/keystore.h"
#include "crypto/aead.h"
#include "crypto/blind.h"
#include "crypto/keyfile.h"
#include "crypto/random.h"
#include "db/db.h"
#include "testlib.h"

struct fx {
	struct db *db;
	struct keystore *ks;
	char keyfile[PATH_MAX];
	int64_t p1, p2;
};

/* ---- helpers ------------------------------------------------------- */

static void
new_keyfile(char *path, size_t sz)
{
	static int n;
	const char *d = test_tmpdir();
	struct alc_err err;

	assert_non_null(d);
	snprintf(path, sz, "%s/master-%d.key", d, n++);
	assert_int_equal(keyfile_create(path, &err), 0);
}

/* Whether n bytes at needle occur in the h bytes at hay (memmem is GNU). */
static const void *
contains(const void *hay, size_t h, const void *needle, size_t n)
{
	const unsigned char *p = hay;
	size_t i;

	for (i = 0; n <= h && i <= h - n; i++)
		if (memcmp(p + i, needle, n) == 0)
			return p + i;
	return NULL;
}

static int64_t
add_practice(struct db *db, const char *slug)
{
	struct alc_err err;
	struct db_conn *c = db_acquire(db, 5000, &err);
	struct db_stmt *s;
	int64_t id = 0;

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

static int64_t
count_keys(struct db *db, const char *where)
{
	char sql[256];
	struct alc_err err;
	struct db_conn *c = db_acquire(db, 5000, &err);
	int64_t n = -1;

	assert_non_null(c);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM data_keys %s", where);
	assert_int_equal(db_query_i64(c, sql, &n), 0);
	db_release(c);
	return n;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct alc_err err;

	assert_non_null(f);
	assert_int_equal(test_db_open(&f->db), 0);
	new_keyfile(f->keyfile, sizeof(f->keyfile));
	if ((f->ks = keystore_open(f->db, f->keyfile, &err)) == NULL)
		print_error("keystore_open: %s\n", err.msg);
	assert_non_null(f->ks);
	f->p1 = add_practice(f->db, "lakeside");
	f->p2 = add_practice(f->db, "hillside");
	assert_int_equal(keystore_ensure_practice(f->ks, f->p1), 0);
	assert_int_equal(keystore_ensure_practice(f->ks, f->p2), 0);
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

static struct field_ref
ref(int64_t pid, enum keystore_purpose p, const char *t, const char *col,
    int64_t row)
{
	struct field_ref r = {pid, p, t, col, row};

	return r;
}

/* ---- key hierarchy ------------------------------------------------- */

static void
test_ensure_is_idempotent_one_active_key_per_purpose(void **state)
{
	struct fx *f = *state;
	char where[160];
	const char *p[] = {"general", "psychotherapy", "part2", "blind_index"};
	size_t i;

	/* setup ensured two practices: 4 keys each, one installation key. */
	assert_int_equal(count_keys(f->db, ""), 9);
	assert_int_equal(keystore_ensure_practice(f->ks, f->p1), 0);
	assert_int_equal(keystore_ensure_practice(f->ks, f->p2), 0);
	assert_int_equal(count_keys(f->db, ""), 9);
	for (i = 0; i < 4; i++) {
		snprintf(where, sizeof(where), "WHERE practice_id = %lld AND "
		    "purpose = '%s' AND status = 'active'", (long long)f->p1, p[i]);
		assert_int_equal(count_keys(f->db, where), 1);
	}
	assert_int_equal(count_keys(f->db, "WHERE practice_id IS NULL AND "
	    "purpose = 'backup' AND status = 'active'"), 1);
	snprintf(where, sizeof(where), "WHERE master_key_id <> '%s'",
	    keystore_master_key_id(f->ks));
	assert_int_equal(count_keys(f->db, where), 0);
	assert_int_equal(keystore_ensure_practice(f->ks, 0), ALC_EINVAL);
}

static void
test_seal_before_ensure_is_not_found_and_bad_refs_are_einval(void **state)
{
	struct fx *f = *state;
	int64_t p3 = add_practice(f->db, "no-keys-yet");
	struct field_ref r = ref(p3, KS_GENERAL, "patients", "name", 1);
	struct buf b;

	buf_init(&b, NULL);
	assert_int_equal(keystore_seal(f->ks, &r, "x", 1, &b), ALC_ENOTFOUND);
	r = ref(f->p1, KS_BLIND_INDEX, "patients", "name", 1);
	assert_int_equal(keystore_seal(f->ks, &r, "x", 1, &b), ALC_EINVAL);
	r = ref(f->p1, KS_GENERAL, "", "name", 1);
	assert_int_equal(keystore_seal(f->ks, &r, "x", 1, &b), ALC_EINVAL);
	r = ref(f->p1, KS_GENERAL, "patients", "name", 0);
	assert_int_equal(keystore_seal(f->ks, &r, "x", 1, &b), ALC_EINVAL);
	assert_int_equal(b.len, 0);
	assert_int_equal(keystore_ensure_practice(f->ks, p3), 0);
	r = ref(p3, KS_GENERAL, "patients", "name", 1);
	assert_int_equal(keystore_seal(f->ks, &r, "x", 1, &b), 0);
	buf_free(&b);
}

/* Seals pt for r and checks it opens back to the same bytes. */
static void
roundtrip(struct keystore *ks, const struct field_ref *r, const void *pt,
    size_t n)
{
	struct buf ct, back;

	buf_init(&ct, NULL);
	buf_init(&back, NULL);
	assert_int_equal(keystore_seal(ks, r, pt, n, &ct), 0);
	assert_int_equal(ct.len, n + KEYSTORE_FIELD_OVERHEAD);
	assert_int_equal(keystore_open_field(ks, r, ct.data, ct.len, &back), 0);
	assert_int_equal(back.len, n);
	if (n > 0) {
		assert_memory_equal(back.data, pt, n);
		/* The ciphertext does not contain the plaintext. */
		if (n >= 8)
			assert_null(contains(ct.data, ct.len, pt, 8));
	}
	buf_free(&ct);
	buf_free(&back);
}

static void
test_seal_open_roundtrip_empty_small_and_1mib(void **state)
{
	struct fx *f = *state;
	struct field_ref r = ref(f->p1, KS_GENERAL, "patients", "name", 7);
	size_t big = 1024 * 1024;
	unsigned char *p = malloc(big);

	assert_non_null(p);
	rand_bytes(p, big);
	roundtrip(f->ks, &r, NULL, 0);
	roundtrip(f->ks, &r, "", 0);
	roundtrip(f->ks, &r, "Mary-Jane O'Brien", 17);
	r = ref(f->p1, KS_PSYCHOTHERAPY, "notes", "body", 3);
	roundtrip(f->ks, &r, p, big);
	r = ref(f->p2, KS_PART2, "part2_records", "body", 3);
	roundtrip(f->ks, &r, p, 4096);
	free(p);
}

/* Seals under `from`, and expects opening under `to` to fail. */
static void
expect_moved_fails(struct keystore *ks, const struct field_ref *from,
    const struct field_ref *to)
{
	struct buf ct, out;

	buf_init(&ct, NULL);
	buf_init(&out, NULL);
	buf_puts(&out, "kept");
	assert_int_equal(keystore_seal(ks, from, "1990-04-01", 10, &ct), 0);
	assert_int_equal(keystore_open_field(ks, to, ct.data, ct.len, &out),
	    ALC_ECRYPTO);
	assert_string_equal(buf_cstr(&out), "kept"); /* untouched */
	assert_int_equal(keystore_open_field(ks, from, ct.data, ct.len, &out),
	    0);
	assert_string_equal(buf_cstr(&out), "kept1990-04-01");
	buf_free(&ct);
	buf_free(&out);
}

static void
test_ciphertext_moved_to_other_row_column_table_practice_fails(void **state)
{
	struct fx *f = *state;
	struct field_ref a = ref(f->p1, KS_GENERAL, "patients", "dob", 5);
	struct field_ref b;

	b = ref(f->p1, KS_GENERAL, "patients", "dob", 6);
	expect_moved_fails(f->ks, &a, &b);
	b = ref(f->p1, KS_GENERAL, "patients", "phone", 5);
	expect_moved_fails(f->ks, &a, &b);
	b = ref(f->p1, KS_GENERAL, "contacts", "dob", 5);
	expect_moved_fails(f->ks, &a, &b);
	b = ref(f->p2, KS_GENERAL, "patients", "dob", 5);
	expect_moved_fails(f->ks, &a, &b);
	/* Length-prefixed names: "pa"+"tientsdob" is not "patients"+"dob". */
	b = ref(f->p1, KS_GENERAL, "pa", "tientsdob", 5);
	expect_moved_fails(f->ks, &a, &b);
}

static void
test_every_flipped_byte_or_truncation_fails(void **state)
{
	struct fx *f = *state;
	struct field_ref r = ref(f->p1, KS_GENERAL, "patients", "phone", 9);
	struct buf ct, out;
	size_t i;
	int bit;

	buf_init(&ct, NULL);
	buf_init(&out, NULL);
	assert_int_equal(keystore_seal(f->ks, &r, "555-123-4567", 12, &ct), 0);
	for (i = 0; i < ct.len; i++)
		for (bit = 0; bit < 8; bit += 7) {
			ct.data[i] ^= (char)(1 << bit);
			assert_int_equal(keystore_open_field(f->ks, &r, ct.data,
			    ct.len, &out), ALC_ECRYPTO);
			ct.data[i] ^= (char)(1 << bit);
		}
	assert_int_equal(keystore_open_field(f->ks, &r, ct.data, ct.len - 1,
	    &out), ALC_ECRYPTO);
	assert_int_equal(keystore_open_field(f->ks, &r, ct.data, 3, &out),
	    ALC_ECRYPTO);
	assert_int_equal(out.len, 0);
	assert_int_equal(keystore_open_field(f->ks, &r, ct.data, ct.len, &out),
	    0);
	buf_free(&ct);
	buf_free(&out);
}

static void
test_psychotherapy_note_does_not_open_as_general(void **state)
{
	struct fx *f = *state;
	struct field_ref pn = ref(f->p1, KS_PSYCHOTHERAPY, "notes", "body", 1);
	struct field_ref gen = ref(f->p1, KS_GENERAL, "notes", "body", 1);
	struct field_ref p2 = ref(f->p1, KS_PART2, "notes", "body", 1);
	struct buf a, b, out;

	buf_init(&a, NULL);
	buf_init(&b, NULL);
	buf_init(&out, NULL);
	assert_int_equal(keystore_seal(f->ks, &pn, "session", 7, &a), 0);
	assert_int_equal(keystore_seal(f->ks, &gen, "session", 7, &b), 0);
	/* Different key ids in the headers. */
	assert_memory_not_equal(a.data + 1, b.data + 1, 8);
	assert_int_equal(keystore_open_field(f->ks, &gen, a.data, a.len, &out),
	    ALC_ECRYPTO);
	assert_int_equal(keystore_open_field(f->ks, &p2, a.data, a.len, &out),
	    ALC_ECRYPTO);
	assert_int_equal(keystore_open_field(f->ks, &pn, b.data, b.len, &out),
	    ALC_ECRYPTO);
	assert_int_equal(keystore_open_field(f->ks, &pn, a.data, a.len, &out),
	    0);
	buf_free(&a);
	buf_free(&b);
	buf_free(&out);
}

static size_t
put64(unsigned char *p, int64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
	return 8;
}

/* The field AD as keystore.c documents it (the format is a contract:
 * rotation and restore will read these ciphertexts). */
static size_t
documented_ad(unsigned char *ad, int64_t key_id, const struct field_ref *r)
{
	size_t n = 0;

	ad[n++] = KEYSTORE_FIELD_VERSION;
	n += put64(ad + n, key_id);
	n += put64(ad + n, r->practice_id);
	ad[n++] = (unsigned char)r->purpose;
	n += put64(ad + n, r->row_id);
	ad[n++] = (unsigned char)strlen(r->table);
	memcpy(ad + n, r->table, strlen(r->table));
	n += strlen(r->table);
	ad[n++] = (unsigned char)strlen(r->column);
	memcpy(ad + n, r->column, strlen(r->column));
	return n + strlen(r->column);
}

/* Reads a whole file into a new buffer; *n its length (0 if missing). */
static unsigned char *
slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p = NULL;
	long len;

	*n = 0;
	if (fp == NULL)
		return NULL;
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	assert_non_null(p = malloc((size_t)len + 1));
	*n = fread(p, 1, (size_t)len, fp);
	fclose(fp);
	return p;
}

/* On SQLite: neither the database file nor its WAL holds any raw key, in
 * binary or in hex. */
static void
assert_db_files_lack(struct db *db, unsigned char (*keys)[AEAD_KEY_BYTES],
    int nkeys)
{
	char path[PATH_MAX + 8], hex[2 * AEAD_KEY_BYTES + 1];
	const char *suffix[] = {"", "-wal"};
	struct alc_err err;
	struct db_conn *c;
	struct db_stmt *s;
	unsigned char *data;
	size_t n, j;
	int i;

	if (strcmp(test_engine(), "sqlite") != 0)
		return;
	assert_non_null(c = db_acquire(db, 5000, &err));
	assert_int_equal(db_prepare(c, &s, "SELECT file FROM pragma_database_list "
	    "WHERE name = 'main'"), 0);
	assert_int_equal(db_step(s), DB_ROW);
	snprintf(path, PATH_MAX, "%s", db_col_text(s, 0));
	db_stmt_done(s);
	db_release(c);
	for (j = 0; j < 2; j++) {
		char file[sizeof(path) + 8];

		snprintf(file, sizeof(file), "%s%s", path, suffix[j]);
		data = slurp(file, &n);
		assert_true(j == 1 || n > 0); /* the main file exists */
		for (i = 0; i < nkeys; i++) {
			sodium_bin2hex(hex, sizeof(hex), keys[i], AEAD_KEY_BYTES);
			assert_null(contains(data, n, keys[i], 8));
			assert_null(contains(data, n, hex, 16));
		}
		free(data);
	}
}

static void
test_stored_keys_are_wrapped_not_raw_and_are_the_keys_in_use(void **state)
{
	struct fx *f = *state;
	unsigned char keys[10][AEAD_KEY_BYTES], ad[256];
	char hex[2 * AEAD_KEY_BYTES + 1];
	struct field_ref r = ref(f->p1, KS_GENERAL, "patients", "name", 1);
	struct alc_err err;
	struct db_conn *c;
	struct db_stmt *s;
	struct buf ct, out;
	const void *w;
	size_t wlen;
	int64_t gen_id = 0, id;
	int rows = 0, gen = -1;

	/* keys[9] is the master key; keys[0..8] the unwrapped data keys. */
	assert_int_equal(keyfile_load(f->keyfile, keys[9], &err), 0);
	assert_non_null(c = db_acquire(f->db, 5000, &err));
	assert_int_equal(db_prepare(c, &s, "SELECT id, COALESCE(practice_id, "
	    "0), purpose, wrapped FROM data_keys"), 0);
	while (db_step(s) == DB_ROW && rows < 9) {
		id = db_col_i64(s, 0);
		w = db_col_blob(s, 3, &wlen);
		assert_int_equal(wlen, AEAD_WRAPPED_BYTES);
		assert_int_equal(aead_unwrap(keys[9], id, db_col_i64(s, 1),
		    db_col_text(s, 2), w, wlen, keys[rows]), 0);
		sodium_bin2hex(hex, sizeof(hex), keys[rows], AEAD_KEY_BYTES);
		assert_null(contains(w, wlen, keys[rows], 8));
		assert_null(contains(w, wlen, keys[9], 8));
		assert_null(contains(w, wlen, hex, 16));
		/* Bound to its id and purpose: moved, it fails. */
		assert_int_equal(aead_unwrap(keys[9], id + 100, db_col_i64(s, 1),
		    db_col_text(s, 2), w, wlen, ad), ALC_ECRYPTO);
		assert_int_equal(aead_unwrap(keys[9], id, db_col_i64(s, 1),
		    "backup2", w, wlen, ad), ALC_ECRYPTO);
		if (db_col_i64(s, 1) == f->p1 &&
		    strcmp(db_col_text(s, 2), "general") == 0) {
			gen_id = id;
			gen = rows;
		}
		rows++;
	}
	db_stmt_done(s);
	db_release(c);
	assert_int_equal(rows, 9);
	assert_true(gen >= 0);
	assert_db_files_lack(f->db, keys, 10);
	/* A field sealed by the keystore opens with the unwrapped row key. */
	buf_init(&ct, NULL);
	buf_init(&out, NULL);
	assert_int_equal(keystore_seal(f->ks, &r, "Ada", 3, &ct), 0);
	assert_int_equal((unsigned char)ct.data[0], KEYSTORE_FIELD_VERSION);
	assert_int_equal((unsigned char)ct.data[8], (unsigned)(gen_id & 0xff));
	assert_int_equal(aead_open(&out, keys[gen], ad, documented_ad(ad, gen_id,
	    &r), ct.data + KEYSTORE_FIELD_HEADER,
	    ct.len - KEYSTORE_FIELD_HEADER), 0);
	assert_string_equal(buf_cstr(&out), "Ada");
	sodium_memzero(keys, sizeof(keys));
	buf_free(&ct);
	buf_free(&out);
}

static void
test_other_master_key_is_refused_with_a_message(void **state)
{
	struct fx *f = *state;
	char other[PATH_MAX];
	struct alc_err err;
	struct keystore *ks;

	new_keyfile(other, sizeof(other));
	memset(&err, 0, sizeof(err));
	ks = keystore_open(f->db, other, &err);
	assert_null(ks);
	assert_int_equal(err.code, ALC_ECRYPTO);
	assert_non_null(strstr(err.msg, "is not the one that wrapped"));
	assert_non_null(strstr(err.msg, keystore_master_key_id(f->ks)));
	assert_non_null(strstr(err.user, "master key"));
	/* The right key still opens, from a second keystore. */
	ks = keystore_open(f->db, f->keyfile, &err);
	assert_non_null(ks);
	keystore_close(ks);
	/* A missing file is a clean error too. */
	ks = keystore_open(f->db, "/nonexistent/alcove.key", &err);
	assert_null(ks);
	assert_int_equal(err.code, ALC_ENOTFOUND);
}

/* ---- master key sources -------------------------------------------- */

/* Writes text to dir/name with mode. */
static void
write_secret(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* A read-only file left by an earlier call cannot be rewritten by a
	 * user other than root: replace it. */
	unlink(path);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Opens a keystore on db; returns its source and copies its key id. */
static const char *
open_source(struct db *db, const char *file, char id[KEYSTORE_MASTER_ID_SIZE],
    struct alc_err *err)
{
	static char src[32];
	struct keystore *ks = keystore_open(db, file, err);

	if (ks == NULL)
		return NULL;
	snprintf(src, sizeof(src), "%s", keystore_key_source(ks));
	snprintf(id, KEYSTORE_MASTER_ID_SIZE, "%s", keystore_master_key_id(ks));
	keystore_close(ks);
	return src;
}

static void
test_master_key_precedence_credential_env_file(void **state)
{
	char file[PATH_MAX], line[128], id_file[17], id_env[17], id_cred[17];
	char id[17], hexb[65], hexc[65];
	unsigned char b[32], c[32];
	const char *dir = test_tmpdir();
	struct alc_err err;
	struct db *db;
	FILE *fp;

	assert_int_equal(test_db_open(&db), 0); /* no keys: any master opens */
	new_keyfile(file, sizeof(file));
	rand_bytes(b, sizeof(b));
	rand_bytes(c, sizeof(c));
	sodium_bin2hex(hexb, sizeof(hexb), b, sizeof(b));
	sodium_bin2hex(hexc, sizeof(hexc), c, sizeof(c));

	assert_string_equal(open_source(db, file, id_file, &err), "file");
	setenv(KEYSTORE_ENV_KEY, hexb, 1);
	assert_string_equal(open_source(db, file, id_env, &err), "environment");
	assert_string_not_equal(id_env, id_file);
	/* The variable works with no key file at all. */
	assert_string_equal(open_source(db, NULL, id, &err), "environment");
	assert_string_equal(id, id_env);
	/* A credential directory without our credential falls through. */
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	assert_string_equal(open_source(db, file, id, &err), "environment");
	snprintf(line, sizeof(line), "  %s\n", hexc);
	write_secret(dir, KEYSTORE_CREDENTIAL_NAME, line, 0400);
	assert_string_equal(open_source(db, file, id_cred, &err), "credential");
	assert_string_not_equal(id_cred, id_env);
	assert_string_not_equal(id_cred, id_file);
	/* A credential open to others is refused, not skipped. */
	write_secret(dir, KEYSTORE_CREDENTIAL_NAME, line, 0604);
	assert_null(open_source(db, file, id, &err));
	assert_int_equal(err.code, ALC_EPERM);
	unsetenv("CREDENTIALS_DIRECTORY");
	/* The key file's own line in the variable names the file's key. */
	assert_non_null(fp = fopen(file, "r"));
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	setenv(KEYSTORE_ENV_KEY, line, 1);
	assert_string_equal(open_source(db, "/nonexistent", id, &err),
	    "environment");
	assert_string_equal(id, id_file);
	/* Malformed: an error that does not echo the value. */
	hexb[63] = 'g';
	setenv(KEYSTORE_ENV_KEY, hexb, 1);
	assert_null(open_source(db, file, id, &err));
	assert_int_equal(err.code, ALC_EINVAL);
	assert_null(strstr(err.msg, hexb + 10));
	assert_non_null(strstr(err.msg, KEYSTORE_ENV_KEY));
	unsetenv(KEYSTORE_ENV_KEY);
	assert_null(open_source(db, NULL, id, &err));
	assert_int_equal(err.code, ALC_ECONFIG);
	sodium_memzero(b, sizeof(b));
	sodium_memzero(c, sizeof(c));
	test_db_close(db);
}

/* ---- blind indexes ------------------------------------------------- */

static void
expect_norm(enum blind_kind k, const char *in, const char *want)
{
	struct buf b;

	buf_init(&b, NULL);
	assert_int_equal(blind_normalize(k, in, &b), 0);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void
expect_norm_fails(enum blind_kind k, const char *in, int code)
{
	struct buf b;

	buf_init(&b, NULL);
	assert_int_equal(blind_normalize(k, in, &b), code);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
test_blind_normalisation_per_kind(void **state)
{
	char big[BLIND_MAX_INPUT + 2];

	expect_norm(BLIND_NAME, "Mary-Jane O'Brien", "mary jane obrien");
	expect_norm(BLIND_NAME, "  MARY\xE2\x80\x93JANE  O\xE2\x80\x99" "BRIEN ",
	    "mary jane obrien");                        /* en dash, U+2019 */
	expect_norm(BLIND_NAME, "Jos\xC3\xA9 N\xC3\xBA\xC3\xB1" "ez", "jose nunez");
	expect_norm(BLIND_NAME, "JOSE\xCC\x81", "jose"); /* decomposed e + U+0301 */
	expect_norm(BLIND_NAME, "\xC5\x81UKASZ \xC5\xBB\xC3\xB3\xC5\x82\xC4\x87",
	    "lukasz zolc");
	expect_norm(BLIND_NAME, "STRA\xC3\x9F" "E \xC3\x86R\xC3\x98",
	    "strasse aero");
	expect_norm(BLIND_NAME, "\xC3\x89LODIE \xC3\x87\xC3\x89LINE",
	    "elodie celine");
	expect_norm(BLIND_NAME, "Smith,John/J.R.", "smith john jr");
	expect_norm(BLIND_NAME, "\xD0\x98\xD0\x92\xD0\x90\xD0\x9D",
	    "\xD0\xB8\xD0\xB2\xD0\xB0\xD0\xBD");       /* Cyrillic IVAN */
	expect_norm_fails(BLIND_NAME, "' - . ,", ALC_EINVAL);
	expect_norm_fails(BLIND_NAME, "Bad\xC3(", ALC_EINVAL);
	expect_norm_fails(BLIND_NAME, "\xC0\x80", ALC_EINVAL); /* overlong */

	expect_norm(BLIND_DOB, " 1990-04-01 ", "1990-04-01");
	expect_norm(BLIND_DOB, "2024-02-29", "2024-02-29");
	expect_norm(BLIND_DOB, "2000-02-29", "2000-02-29");
	expect_norm_fails(BLIND_DOB, "2023-02-29", ALC_EINVAL);
	expect_norm_fails(BLIND_DOB, "1900-02-29", ALC_EINVAL);
	expect_norm_fails(BLIND_DOB, "1990-04-31", ALC_EINVAL);
	expect_norm_fails(BLIND_DOB, "1990-4-1", ALC_EINVAL);
	expect_norm_fails(BLIND_DOB, "04/01/1990", ALC_EINVAL);
	expect_norm_fails(BLIND_DOB, "1990-13-01", ALC_EINVAL);
	expect_norm_fails(BLIND_DOB, "1990-04-01T00:00", ALC_EINVAL);

	expect_norm(BLIND_PHONE, "(555) 123-4567", "5551234567");
	expect_norm(BLIND_PHONE, "555.123.4567", "5551234567");
	expect_norm(BLIND_PHONE, "+1 555 123 4567", "5551234567");
	expect_norm(BLIND_PHONE, "15551234567", "5551234567");
	expect_norm(BLIND_PHONE, "+44 20 7946 0958", "442079460958");
	expect_norm_fails(BLIND_PHONE, "555-CALL-NOW", ALC_EINVAL);
	expect_norm_fails(BLIND_PHONE, "555 1234 x12", ALC_EINVAL);
	expect_norm_fails(BLIND_PHONE, "12345", ALC_EINVAL);
	expect_norm_fails(BLIND_PHONE, "1234567890123456", ALC_EINVAL);

	expect_norm(BLIND_EMAIL, "  Mary.OBrien@Example.COM\n",
	    "mary.obrien@example.com");
	expect_norm_fails(BLIND_EMAIL, "mary", ALC_EINVAL);
	expect_norm_fails(BLIND_EMAIL, "mary@", ALC_EINVAL);
	expect_norm_fails(BLIND_EMAIL, "ma ry@x.org", ALC_EINVAL);
	expect_norm_fails(BLIND_EMAIL, "a@b@c.org", ALC_EINVAL);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_norm_fails(BLIND_NAME, big, ALC_ETOOBIG);
	expect_norm_fails(BLIND_EMAIL, big, ALC_ETOOBIG);
}

static void
blind_ok(struct keystore *ks, int64_t pid, enum blind_kind k, const char *v,
    char out[BLIND_HEX_SIZE])
{
	assert_int_equal(keystore_blind(ks, pid, k, v, out), 0);
	assert_int_equal(strlen(out), 32);
	assert_int_equal(strspn(out, "0123456789abcdef"), 32);
}

static void
test_blind_index_matches_equivalent_input_per_practice(void **state)
{
	struct fx *f = *state;
	char a[33], b[33], c[33], toks[BLIND_MAX_TOKENS][BLIND_HEX_SIZE];
	unsigned char key[BLIND_KEY_BYTES];
	size_t n;

	blind_ok(f->ks, f->p1, BLIND_PHONE, "(555) 123-4567", a);
	blind_ok(f->ks, f->p1, BLIND_PHONE, "555.123.4567", b);
	blind_ok(f->ks, f->p1, BLIND_PHONE, "+1 555 123 4567", c);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	blind_ok(f->ks, f->p2, BLIND_PHONE, "555.123.4567", b);
	assert_string_not_equal(a, b); /* another practice, another key */
	blind_ok(f->ks, f->p1, BLIND_DOB, "1990-04-01", a);
	blind_ok(f->ks, f->p1, BLIND_DOB, " 1990-04-01", b);
	assert_string_equal(a, b);
	assert_int_equal(keystore_blind(f->ks, f->p1, BLIND_DOB, "1990-02-30",
	    a), ALC_EINVAL);
	assert_string_equal(a, "");

	/* Tokens; a single typed last name meets the stored token. */
	assert_int_equal(keystore_blind_tokens(f->ks, f->p1,
	    "Mary-Jane O'Brien", toks, BLIND_MAX_TOKENS, &n), 0);
	assert_int_equal(n, 3);
	blind_ok(f->ks, f->p1, BLIND_NAME, "O\xE2\x80\x99" "BRIEN", a);
	assert_string_equal(toks[2], a);
	blind_ok(f->ks, f->p1, BLIND_NAME, "mary", a);
	assert_string_equal(toks[0], a);
	blind_ok(f->ks, f->p1, BLIND_NAME, "Jane", a);
	assert_string_equal(toks[1], a);
	blind_ok(f->ks, f->p2, BLIND_NAME, "Jane", b);
	assert_string_not_equal(a, b);
	assert_int_equal(keystore_blind_tokens(f->ks, f->p1, "a b c d", toks, 3,
	    &n), ALC_ETOOBIG);
	assert_int_equal(n, 0);

	/* The kind is hashed: the same bytes of two kinds differ. */
	rand_bytes(key, sizeof(key));
	blind_hash(key, BLIND_PHONE, "19900401", 8, a);
	blind_hash(key, BLIND_DOB, "19900401", 8, b);
	blind_hash(key, BLIND_PHONE, "19900401", 8, c);
	assert_string_not_equal(a, b);
	assert_string_equal(a, c);
}

/* ---- concurrency and cost ------------------------------------------ */

struct worker {
	struct keystore *ks;
	int64_t pid[2];
	int t, failures;
};

static void *
worker_run(void *arg)
{
	static const enum keystore_purpose pp[] = {KS_GENERAL, KS_PSYCHOTHERAPY,
	    KS_PART2};
	struct worker *w = arg;
	struct buf ct, out;
	char val[64], bidx[33];
	int i, len;

	buf_init(&ct, NULL);
	buf_init(&out, NULL);
	for (i = 0; i < 150; i++) {
		struct field_ref r = ref(w->pid[i % 2], pp[i % 3], "patients",
		    "name", w->t * 1000 + i + 1);

		len = snprintf(val, sizeof(val), "patient %d of thread %d", i,
		    w->t);
		buf_reset(&ct);
		buf_reset(&out);
		if (keystore_seal(w->ks, &r, val, (size_t)len, &ct) != 0 ||
		    keystore_open_field(w->ks, &r, ct.data, ct.len, &out) != 0 ||
		    out.len != (size_t)len || memcmp(out.data, val, out.len) != 0 ||
		    keystore_blind(w->ks, r.practice_id, BLIND_NAME, val,
		    bidx) != 0)
			w->failures++;
	}
	buf_free(&ct);
	buf_free(&out);
	return NULL;
}

static void
test_threads_share_one_keystore(void **state)
{
	struct fx *f = *state;
	struct worker w[6];
	pthread_t th[6];
	struct alc_err err;
	struct keystore *ks;
	int i;

	/* A fresh keystore, so the threads race to load the same keys. */
	assert_non_null(ks = keystore_open(f->db, f->keyfile, &err));
	for (i = 0; i < 6; i++) {
		w[i].ks = ks;
		w[i].pid[0] = f->p1;
		w[i].pid[1] = f->p2;
		w[i].t = i;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]),
		    0);
	}
	for (i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	keystore_close(ks);
}

struct ensurer {
	struct fx *f;
	pthread_barrier_t *go;
	int64_t pid;
	int rc;
};

static void *
ensure_run(void *arg)
{
	struct ensurer *e = arg;
	struct alc_err err;
	struct keystore *ks = keystore_open(e->f->db, e->f->keyfile, &err);

	pthread_barrier_wait(e->go); /* all start together */
	e->rc = ks ? keystore_ensure_practice(ks, e->pid) : ALC_EDB;
	keystore_close(ks);
	return NULL;
}

/* Like several processes creating the same practice's keys at once (each
 * thread has its own keystore): all succeed, one set of keys results. */
static void
test_concurrent_ensure_creates_one_set(void **state)
{
	struct fx *f = *state;
	struct ensurer e[4];
	pthread_barrier_t go;
	pthread_t th[4];
	char where[96];
	int64_t pid = add_practice(f->db, "raced");
	int i;

	assert_int_equal(pthread_barrier_init(&go, NULL, 4), 0);
	for (i = 0; i < 4; i++) {
		e[i].f = f;
		e[i].go = &go;
		e[i].pid = pid;
		assert_int_equal(pthread_create(&th[i], NULL, ensure_run, &e[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(e[i].rc, 0);
	}
	pthread_barrier_destroy(&go);
	snprintf(where, sizeof(where), "WHERE practice_id = %lld",
	    (long long)pid);
	assert_int_equal(count_keys(f->db, where), 4);
	assert_int_equal(count_keys(f->db, ""), 13);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Not an assertion: a figure for the issue note. */
static void
test_measure_seal_open_of_200_small_fields(void **state)
{
	struct fx *f = *state;
	static struct buf ct[200];
	struct buf out;
	char val[48];
	double t0, t1, t2;
	int i, len[200];

	buf_init(&out, NULL);
	/* Warm: the key is unwrapped once per process, then cached. */
	{
		struct field_ref r = ref(f->p1, KS_GENERAL, "patients", "name", 1);

		assert_int_equal(keystore_seal(f->ks, &r, "warm", 4, &out), 0);
	}
	t0 = now_s();
	for (i = 0; i < 200; i++) {
		struct field_ref r = ref(f->p1, KS_GENERAL, "patients", "name",
		    i + 1);

		len[i] = snprintf(val, sizeof(val), "Patient Name %03d", i);
		buf_init(&ct[i], NULL);
		assert_int_equal(keystore_seal(f->ks, &r, val, (size_t)len[i],
		    &ct[i]), 0);
	}
	t1 = now_s();
	for (i = 0; i < 200; i++) {
		struct field_ref r = ref(f->p1, KS_GENERAL, "patients", "name",
		    i + 1);

		buf_reset(&out);
		assert_int_equal(keystore_open_field(f->ks, &r, ct[i].data,
		    ct[i].len, &out), 0);
		assert_int_equal(out.len, (size_t)len[i]);
	}
	t2 = now_s();
	print_message("keys: 200 fields of ~16 bytes, cached keys: seal %.0f us, "
	    "open %.0f us in total (%s)\n", (t1 - t0) * 1e6, (t2 - t1) * 1e6,
	    test_engine());
	for (i = 0; i < 200; i++)
		buf_free(&ct[i]);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_ensure_is_idempotent_one_active_key_per_purpose),
		T(test_seal_before_ensure_is_not_found_and_bad_refs_are_einval),
		T(test_seal_open_roundtrip_empty_small_and_1mib),
		T(test_ciphertext_moved_to_other_row_column_table_practice_fails),
		T(test_every_flipped_byte_or_truncation_fails),
		T(test_psychotherapy_note_does_not_open_as_general),
		T(test_stored_keys_are_wrapped_not_raw_and_are_the_keys_in_use),
		T(test_other_master_key_is_refused_with_a_message),
		cmocka_unit_test(test_master_key_precedence_credential_env_file),
		cmocka_unit_test(test_blind_normalisation_per_kind),
		T(test_blind_index_matches_equivalent_input_per_practice),
		T(test_threads_share_one_keystore),
		T(test_concurrent_ensure_creates_one_set),
		T(test_measure_seal_open_of_200_small_fields),
#undef T
	};

	unsetenv(KEYSTORE_ENV_KEY);
	unsetenv("CREDENTIALS_DIRECTORY");
	if (crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
