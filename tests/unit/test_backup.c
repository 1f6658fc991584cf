/*
 * test_backup.c - the backup container format (src/core/backup/format.c)
 * through its public functions, on in-memory files: what goes in comes
 * out; every kind of damage (any flipped byte in the header, a chunk or
 * its length; a missing FINAL chunk; bytes after it; another key) is
 * refused with the error an operator should see; and the manifest and
 * payload are not in the file in clear.  Plus the manifest of a real,
 * migrated database (both engines) and its row-count check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/buf.h"
#include "base/err.h"
#include "core/backup/backup.h"
#include "core/keys/keystore.h"
#include "crypto/keyfile.h"
#include "db/db.h"
#include "testlib.h"

static const char MANIFEST[] = "{\"format\":\"alcove-backup\","
    "\"engine\":\"sqlite\",\"tables\":{\"users\":3}}";
static const char SECRET[] = "patient-name-Zyxwvut";

struct blob {
	unsigned char *p;
	size_t n;
};

static void
fill_key(unsigned char key[BACKUP_KEY_BYTES], unsigned char v)
{
	memset(key, v, BACKUP_KEY_BYTES);
}

/* Writes a backup of payload (n bytes) under key into b. */
static void
make_backup(struct blob *b, const unsigned char *key, const void *payload,
    size_t n)
{
	struct backup_header h;
	struct backup_writer *w = NULL;
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);

	assert_non_null(f);
	memset(&h, 0, sizeof(h));
	h.key_id = 42;
	memcpy(h.master_id, "0123456789abcdef", 17);
	memset(h.wrapped, 0x5a, sizeof(h.wrapped));
	assert_int_equal(backup_writer_open(&w, f, &h, key, MANIFEST,
	    strlen(MANIFEST)), 0);
	assert_int_equal(backup_writer_write(w, payload, n), 0);
	assert_int_equal(backup_writer_finish(w), 0);
	backup_writer_free(w);
	assert_int_equal(fclose(f), 0);
	b->p = (unsigned char *)mem;
	b->n = len;
}

static int
collect(void *ctx, const void *p, size_t n)
{
	struct buf *out = ctx;

	buf_append(out, p, n);
	return buf_failed(out) ? ALC_ENOMEM : 0;
}

/* Reads b under key; the payload into out.  Returns the first error. */
static int
read_backup(const unsigned char *p, size_t n, const unsigned char *key,
    struct buf *manifest, struct buf *out, struct alc_err *err)
{
	struct backup_header h;
	struct backup_reader *r = NULL;
	FILE *f = fmemopen((void *)(uintptr_t)p, n, "rb");
	int rc;

	assert_non_null(f);
	if ((rc = backup_header_read(f, &h, err)) == 0 &&
	    (rc = backup_reader_open(&r, f, &h, key, manifest, err)) == 0)
		rc = backup_reader_payload(r, collect, out, err);
	backup_reader_free(r);
	fclose(f);
	return rc;
}

/* A payload of n bytes that compresses somewhat, with SECRET inside. */
static unsigned char *
payload(size_t n)
{
	unsigned char *p = malloc(n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 7) % 251 < 128 ? 'a' + i % 26 :
		    randombytes_uniform(256));
	if (n > sizeof(SECRET))
		memcpy(p + n / 2, SECRET, strlen(SECRET));
	return p;
}

static int
contains(const struct blob *b, const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i + n <= b->n; i++)
		if (memcmp(b->p + i, s, n) == 0)
			return 1;
	return 0;
}

static void
test_roundtrip_small_empty_and_multi_chunk(void **state)
{
	static const size_t sizes[] = {0, 1, 1000, 3 * BACKUP_CHUNK_BYTES + 17,
	    2 * 1024 * 1024};
	unsigned char key[BACKUP_KEY_BYTES];
	size_t i;

	(void)state;
	fill_key(key, 7);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = payload(sizes[i]);
		struct buf m, out;
		struct blob b;
		struct alc_err err;

		buf_init(&m, NULL);
		buf_init(&out, NULL);
		make_backup(&b, key, p, sizes[i]);
		assert_memory_equal(b.p, BACKUP_MAGIC, 8);
		assert_int_equal(read_backup(b.p, b.n, key, &m, &out, &err), 0);
		assert_string_equal(buf_cstr(&m), MANIFEST);
		assert_int_equal(out.len, sizes[i]);
		if (sizes[i] > 0)
			assert_memory_equal(out.data, p, sizes[i]);
		assert_false(contains(&b, "alcove-backup"));
		assert_false(contains(&b, SECRET));
		buf_free(&m);
		buf_free(&out);
		free(b.p);
		free(p);
	}
}

static void
test_every_flipped_byte_is_refused(void **state)
{
	unsigned char key[BACKUP_KEY_BYTES], *p = payload(5000);
	struct blob b;
	size_t i;

	(void)state;
	fill_key(key, 9);
	make_backup(&b, key, p, 5000);
	for (i = 0; i < b.n; i++) {
		struct buf m, out;
		struct alc_err err;
		int rc;

		buf_init(&m, NULL);
		buf_init(&out, NULL);
		b.p[i] ^= 0x40;
		rc = read_backup(b.p, b.n, key, &m, &out, &err);
		b.p[i] ^= 0x40;
		if (rc == 0)
			fail_msg("a flip of byte %zu of %zu was not noticed", i, b.n);
		assert_true(rc == ALC_ECRYPTO || rc == ALC_EINVAL);
		buf_free(&m);
		buf_free(&out);
	}
	free(b.p);
	free(p);
}

static void
test_truncation_anywhere_is_refused_as_truncated(void **state)
{
	unsigned char key[BACKUP_KEY_BYTES], *p = payload(3 * BACKUP_CHUNK_BYTES);
	struct blob b;
	size_t cut;

	(void)state;
	fill_key(key, 3);
	make_backup(&b, key, p, 3 * BACKUP_CHUNK_BYTES);
	for (cut = 0; cut < b.n; cut += 1 + cut / 3) {
		struct buf m, out;
		struct alc_err err;

		buf_init(&m, NULL);
		buf_init(&out, NULL);
		memset(&err, 0, sizeof(err));
		assert_int_not_equal(read_backup(b.p, cut, key, &m, &out, &err), 0);
		if (cut >= 9)
			assert_non_null(strstr(err.msg, "truncated"));
		buf_free(&m);
		buf_free(&out);
	}
	free(b.p);
	free(p);
}

static void
test_bytes_after_the_final_chunk_are_refused(void **state)
{
	unsigned char key[BACKUP_KEY_BYTES], *p = payload(100), *q;
	struct buf m, out;
	struct alc_err err;
	struct blob b;

	(void)state;
	fill_key(key, 4);
	make_backup(&b, key, p, 100);
	q = malloc(b.n + 1);
	assert_non_null(q);
	memcpy(q, b.p, b.n);
	q[b.n] = 0;
	buf_init(&m, NULL);
	buf_init(&out, NULL);
	assert_int_equal(read_backup(q, b.n + 1, key, &m, &out, &err),
	    ALC_EINVAL);
	assert_non_null(strstr(err.msg, "after its end"));
	buf_free(&m);
	buf_free(&out);
	free(q);
	free(b.p);
	free(p);
}

static void
test_another_key_or_not_a_backup_is_refused(void **state)
{
	unsigned char key[BACKUP_KEY_BYTES], other[BACKUP_KEY_BYTES];
	unsigned char *p = payload(10);
	struct buf m, out;
	struct alc_err err;
	struct blob b;

	(void)state;
	fill_key(key, 1);
	fill_key(other, 2);
	make_backup(&b, key, p, 10);
	buf_init(&m, NULL);
	buf_init(&out, NULL);
	assert_int_equal(read_backup(b.p, b.n, other, &m, &out, &err),
	    ALC_ECRYPTO);
	assert_int_equal(m.len, 0);
	assert_int_equal(read_backup((const unsigned char *)"hello", 5, key, &m,
	    &out, &err), ALC_EINVAL);
	assert_non_null(strstr(err.msg, "not an Alcove backup"));
	b.p[8] = 99;
	assert_int_equal(read_backup(b.p, b.n, key, &m, &out, &err), ALC_EINVAL);
	assert_non_null(strstr(err.msg, "version 99"));
	buf_free(&m);
	buf_free(&out);
	free(b.p);
	free(p);
}

static void
test_header_carries_key_id_and_master_fingerprint(void **state)
{
	unsigned char key[BACKUP_KEY_BYTES];
	struct backup_header h;
	struct alc_err err;
	struct blob b;
	FILE *f;

	(void)state;
	fill_key(key, 5);
	make_backup(&b, key, "x", 1);
	f = fmemopen(b.p, b.n, "rb");
	assert_non_null(f);
	assert_int_equal(backup_header_read(f, &h, &err), 0);
	fclose(f);
	assert_int_equal(h.version, BACKUP_VERSION);
	assert_int_equal(h.key_id, 42);
	assert_string_equal(h.master_id, "0123456789abcdef");
	assert_int_equal(h.wrapped[0], 0x5a);
	free(b.p);
}

static void
test_manifest_counts_rows_and_check_finds_a_difference(void **state)
{
	struct backup_txn *txn = NULL;
	struct db_conn *c;
	struct alc_err err;
	struct buf m;
	struct db *db;
	char snap[64], engine[16];

	(void)state;
	assert_int_equal(test_db_open(&db), 0);
	buf_init(&m, NULL);
	assert_int_equal(backup_manifest_begin(db, &txn, snap, &m, &err), 0);
	backup_manifest_end(txn);
	assert_non_null(strstr(buf_cstr(&m), "\"schema_migrations\":"));
	assert_non_null(strstr(buf_cstr(&m), "\"head_seq\": 0") ?
	    strstr(buf_cstr(&m), "\"head_seq\": 0") :
	    strstr(buf_cstr(&m), "\"head_seq\":0"));
	assert_int_equal(backup_manifest_engine(buf_cstr(&m), engine), 0);
	assert_string_equal(engine, test_engine());
	if (strcmp(test_engine(), "postgres") == 0)
		assert_true(snap[0] != '\0');
	assert_int_equal(backup_manifest_check(db, buf_cstr(&m), &err), 0);
	c = db_acquire(db, 5000, NULL);
	assert_non_null(c);
	assert_int_equal(db_exec(c, "INSERT INTO settings (key, value, updated_at) "
	    "VALUES ('backup.test', 'x', 0)"), 0);
	db_release(c);
	assert_int_equal(backup_manifest_check(db, buf_cstr(&m), &err),
	    ALC_ECONFLICT);
	assert_non_null(strstr(err.msg, "table settings has"));
	assert_int_equal(backup_manifest_check(db, "{}", &err), ALC_EINVAL);
	buf_free(&m);
	test_db_close(db);
}

/* The backup key as `alcove backup` gets it (from the database, through
 * the master key) and as `alcove restore` gets it back from a header
 * (the master key alone): the same bytes; another master key is refused. */
static void
test_backup_key_unwraps_from_the_header_with_the_master_key_only(void **state)
{
	unsigned char key[BACKUP_KEY_BYTES], back[BACKUP_KEY_BYTES];
	unsigned char wrapped[BACKUP_WRAPPED_BYTES];
	char path[512], other[512], mid[KEYSTORE_MASTER_ID_SIZE];
	const char *d = test_tmpdir();
	struct keystore *ks;
	struct db_conn *c;
	struct alc_err err;
	struct db *db;
	int64_t id = 0;

	(void)state;
	assert_non_null(d);
	snprintf(path, sizeof(path), "%s/backup-master.key", d);
	snprintf(other, sizeof(other), "%s/other-master.key", d);
	assert_int_equal(keyfile_create(path, &err), 0);
	assert_int_equal(keyfile_create(other, &err), 0);
	assert_int_equal(test_db_open(&db), 0);
	c = db_acquire(db, 5000, NULL);
	assert_non_null(c);
	assert_int_equal(db_exec(c, "INSERT INTO practices (name, slug, "
	    "created_at) VALUES ('p', 'p', 0)"), 0);
	db_release(c);
	ks = keystore_open(db, path, &err);
	assert_non_null(ks);
	assert_int_equal(keystore_backup_key(ks, &id, wrapped, key),
	    ALC_ENOTFOUND);
	assert_int_equal(keystore_ensure_practice(ks, 1), 0);
	assert_int_equal(keystore_backup_key(ks, &id, wrapped, key), 0);
	assert_true(id > 0);
	assert_int_equal(keystore_unwrap_backup_key(path, id, wrapped, back, mid,
	    &err), 0);
	assert_memory_equal(key, back, sizeof(key));
	assert_string_equal(mid, keystore_master_key_id(ks));
	assert_int_equal(keystore_unwrap_backup_key(path, id + 1, wrapped, back,
	    mid, &err), ALC_ECRYPTO);
	assert_int_equal(keystore_unwrap_backup_key(other, id, wrapped, back,
	    mid, &err), ALC_ECRYPTO);
	assert_non_null(strstr(err.msg, "does not open this backup"));
	keystore_close(ks);
	test_db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_small_empty_and_multi_chunk),
		cmocka_unit_test(test_every_flipped_byte_is_refused),
		cmocka_unit_test(test_truncation_anywhere_is_refused_as_truncated),
		cmocka_unit_test(test_bytes_after_the_final_chunk_are_refused),
		cmocka_unit_test(test_another_key_or_not_a_backup_is_refused),
		cmocka_unit_test(test_header_carries_key_id_and_master_fingerprint),
		cmocka_unit_test(test_manifest_counts_rows_and_check_finds_a_difference),
		cmocka_unit_test(test_backup_key_unwraps_from_the_header_with_the_master_key_only),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
