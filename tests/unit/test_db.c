/*
 * test_db.c - the database layer, on the engine ALCOVE_TEST_ENGINE selects
 * (see testlib.h): open/close, migrations and their dialect, binding and
 * reading every type, errors, transactions, the statement cache and the
 * connection pool.
 */
#include "testlib.h"
#include "base/buf.h"
#include "base/embed.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"
#include "db/db_impl.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int
is_pg(void)
{
	return strcmp(test_engine(), "postgres") == 0;
}

static int
setup(void **state)
{
	struct db *db;

	assert_int_equal(test_db_open(&db), 0);
	*state = db;
	return 0;
}

static int
teardown(void **state)
{
	test_db_close(*state);
	return 0;
}

static struct db_conn *
acq(struct db *db)
{
	struct alc_err err = {0};
	struct db_conn *c = db_acquire(db, 5000, &err);

	if (c == NULL)
		fail_msg("db_acquire: %s", err.msg);
	return c;
}

/* Runs DDL written in the migration dialect. */
static void
ddl(struct db_conn *c, const char *src)
{
	struct alc_err err = {0};
	struct buf b;

	buf_init(&b, NULL);
	assert_int_equal(db_migration_render(db_conn_engine(c), "test", src, &b,
	    &err), 0);
	if (db_exec(c, buf_cstr(&b)) != 0)
		fail_msg("ddl: %s", db_errmsg(c));
	buf_free(&b);
}

static int64_t
count(struct db_conn *c, const char *sql)
{
	int64_t n = -1;

	assert_int_equal(db_query_i64(c, sql, &n), 0);
	return n;
}

/* Inserts a practice; returns its id (RETURNING) or a negative code. */
static int64_t
add_practice(struct db_conn *c, const char *name, const char *slug)
{
	struct db_stmt *s;
	int64_t id;
	int rc;

	assert_int_equal(db_prepare(c, &s, "INSERT INTO practices (name, slug, "
	    "created_at) VALUES (?, ?, ?) RETURNING id"), 0);
	assert_int_equal(db_bind_text(s, 1, name), 0);
	assert_int_equal(db_bind_text(s, 2, slug), 0);
	assert_int_equal(db_bind_i64(s, 3, time_now_ms()), 0);
	rc = db_step(s);
	id = rc == DB_ROW ? db_col_i64(s, 0) : rc;
	if (rc == DB_ROW)
		assert_int_equal(db_step(s), DB_DONE);
	db_stmt_done(s);
	return id;
}

static void
test_open_close_and_engine_names(void **state)
{
	struct db *db = *state;
	struct db_conn *c = acq(db);

	assert_string_equal(db_engine_name(db_engine(db)), test_engine());
	assert_int_equal(db_conn_engine(c), db_engine(db));
	assert_int_equal(count(c, "SELECT 41 + 1"), 42);
	db_release(c);
	assert_int_equal(db_engine_parse("sqlite"), DB_SQLITE);
	assert_int_equal(db_engine_parse("postgresql"), DB_POSTGRES);
	assert_int_equal(db_engine_parse("postgres"), DB_POSTGRES);
	assert_int_equal(db_engine_parse("mysql"), -1);
	assert_string_equal(db_engine_name(DB_POSTGRES), "postgres");
}

static void
test_open_fails_cleanly_on_bad_config(void **state)
{
	struct db_config cfg = {.engine = DB_SQLITE,
	    .sqlite_path = "/nonexistent-dir/alcove.db"};
	struct alc_err err = {0};
	static int dummy;
	struct db *db = (struct db *)(void *)&dummy;

	(void)state;

	assert_int_equal(db_open(&db, &cfg, &err), ALC_EIO);
	assert_null(db);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/alcove.db"));
	cfg = (struct db_config){.engine = DB_POSTGRES,
	    .pg_conninfo = "host=/nonexistent-dir user=nobody connect_timeout=2"};
	assert_int_equal(db_open(&db, &cfg, &err), ALC_EDB);
	assert_null(db);
	cfg = (struct db_config){.engine = DB_SQLITE};
	assert_int_equal(db_open(&db, &cfg, &err), ALC_ECONFIG);
}

/* SQLite-specific, so it runs whatever the test engine: the durability
 * settings and the private file mode. */
static void
test_sqlite_file_is_private_and_durable(void **state)
{
	char path[600];
	struct db_config cfg = {.engine = DB_SQLITE, .sqlite_path = path};
	struct alc_err err = {0};
	struct db *db;
	struct db_conn *c;
	struct db_stmt *s;
	struct stat st;
	const char *dir = test_tmpdir();

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/private.db", dir);
	assert_int_equal(db_open(&db, &cfg, &err), 0);
	c = acq(db);
	assert_int_equal(db_exec(c, "CREATE TABLE t (x INTEGER)"), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/private.db-wal", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(db_prepare(c, &s, "PRAGMA journal_mode"), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_col_text(s, 0), "wal");
	db_stmt_done(s);
	assert_int_equal(count(c, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(count(c, "PRAGMA foreign_keys"), 1);
	db_release(c);
	db_close(db);
}

static void
test_postgres_commits_synchronously(void **state)
{
	struct db_conn *c;
	struct db_stmt *s;

	if (!is_pg())
		skip();
	c = acq(*state);
	assert_int_equal(db_prepare(c, &s, "SHOW synchronous_commit"), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_col_text(s, 0), "on");
	db_stmt_done(s);
	db_release(c);
}

struct migrator {
	struct db *db;
	int applied, rc;
};

static void *
migrate_thread(void *arg)
{
	struct migrator *m = arg;
	struct alc_err err = {0};

	m->rc = db_migrate(m->db, &m->applied, &err);
	return NULL;
}

/* Two migrators race on an empty database: every migration is applied
 * exactly once, and a later run applies nothing. */
static void
test_migrations_apply_once_and_are_recorded(void **state)
{
	struct migrator m[2];
	pthread_t t[2];
	struct alc_err err = {0};
	struct db *db;
	struct db_conn *c;
	int i, v = -1, again = -1;

	(void)state;
	assert_int_equal(test_db_open_ex(&db, 4, 0), 0);
	assert_int_equal(db_schema_version(db, &v, &err), 0);
	assert_int_equal(v, 0);
	for (i = 0; i < 2; i++) {
		m[i] = (struct migrator){.db = db};
		assert_int_equal(pthread_create(&t[i], NULL, migrate_thread, &m[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(m[i].rc, 0);
	}
	assert_int_equal(m[0].applied + m[1].applied, (int)migrations_count);
	assert_int_equal(db_schema_version(db, &v, &err), 0);
	assert_int_equal(v, db_schema_latest());
	assert_true(db_schema_latest() >= 2);
	c = acq(db);
	assert_int_equal(count(c, "SELECT count(*) FROM schema_migrations"),
	    (int64_t)migrations_count);
	assert_int_equal(count(c, "SELECT count(*) FROM schema_migrations WHERE "
	    "version = 1 AND name = '0001_foundation.sql' AND applied_at > 0"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM practices"), 0);
	db_release(c);
	assert_int_equal(db_migrate(db, &again, &err), 0);
	assert_int_equal(again, 0);
	test_db_close(db);
}

static void
render_ok(enum db_engine e, const char *src, const char *want)
{
	struct alc_err err = {0};
	struct buf b;

	buf_init(&b, NULL);
	if (db_migration_render(e, "0009_x.sql", src, &b, &err) != 0)
		fail_msg("render: %s", err.msg);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void
render_fails(const char *src, const char *msg_part)
{
	struct alc_err err = {0};
	struct buf b;

	buf_init(&b, NULL);
	assert_int_equal(db_migration_render(DB_SQLITE, "0009_bad.sql", src, &b,
	    &err), ALC_EINVAL);
	assert_non_null(strstr(err.msg, "0009_bad.sql"));
	if (strstr(err.msg, msg_part) == NULL)
		fail_msg("error '%s' lacks '%s'", err.msg, msg_part);
	buf_free(&b);
}

static void
test_dialect_tokens_and_blocks(void **state)
{
	static const char src[] =
	    "CREATE TABLE t (id @ID@, b @BLOB@, e TEXT DEFAULT 'a@b.org');\n"
	    "-- @if sqlite\n"
	    "CREATE TRIGGER s;\n"
	    "-- @end\n"
	    "  --  @if postgres  \n"
	    "CREATE FUNCTION p() $$ @BLOB@ $$;\n"
	    "-- @end\n"
	    "-- done";

	(void)state;
	render_ok(DB_SQLITE, src,
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB, e TEXT DEFAULT "
	    "'a@b.org');\n\nCREATE TRIGGER s;\n\n\n\n\n-- done");
	render_ok(DB_POSTGRES, src,
	    "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY "
	    "KEY, b BYTEA, e TEXT DEFAULT 'a@b.org');\n\n\n\n\n"
	    "CREATE FUNCTION p() $$ BYTEA $$;\n\n-- done");
	render_fails("CREATE TABLE t (x @BOOL@);\n", ":1: unknown token @BOOL@");
	render_fails("-- @if postgres\nSELECT @UUID@;\n-- @end\n",
	    ":2: unknown token @UUID@");
	render_fails("-- @if sqlite\n-- @if postgres\n-- @end\n", ":2: nested");
	render_fails("SELECT 1;\n-- @end\n", ":2: @end without @if");
	render_fails("-- @if sqlite\nSELECT 1;\n", "@if without @end");
	render_fails("-- @iff sqlite\n", ":1: unknown directive");
	render_fails("-- @if mysql\n", ":1: unknown directive");
}

static void
test_migration_names(void **state)
{
	int v = -1;

	(void)state;
	assert_int_equal(db_migration_version("0001_foundation.sql", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(db_migration_version("0120_x.sql", &v), 0);
	assert_int_equal(v, 120);
	assert_int_equal(db_migration_version("1_foundation.sql", &v), ALC_EINVAL);
	assert_int_equal(db_migration_version("0001foundation.sql", &v),
	    ALC_EINVAL);
	assert_int_equal(db_migration_version("00a1_x.sql", &v), ALC_EINVAL);
	assert_int_equal(db_migration_version("0001_x.txt", &v), ALC_EINVAL);
	assert_int_equal(db_migration_version("0000_x.sql", &v), ALC_EINVAL);
	assert_int_equal(db_migration_version("0001_.sql", &v), ALC_EINVAL);
}

static void
test_pg_placeholder_rewrite_skips_literals(void **state)
{
	int n = -1;
	char *out = db_pg_rewrite("SELECT '?', '?\?''?', \"a?\", ? -- ?\n"
	    ", ? /* ? /* ? */ ? */, $$?$$, $t$ ? $ $t$, E'\\'?', x$1?, ?", &n);

	(void)state;
	assert_non_null(out);
	assert_string_equal(out, "SELECT '?', '?\?''?', \"a?\", $1 -- ?\n"
	    ", $2 /* ? /* ? */ ? */, $$?$$, $t$ ? $ $t$, E'\\'?', x$1$3, $4");
	assert_int_equal(n, 4);
	free(out);
}

static const char t_ddl[] =
    "CREATE TABLE t (id @ID@, i BIGINT, s TEXT, b @BLOB@)";

static int64_t
insert_row(struct db_conn *c, const int64_t *i, const char *s, const void *b,
    size_t blen)
{
	struct db_stmt *st;
	int64_t id;

	assert_int_equal(db_prepare(c, &st, "INSERT INTO t (i, s, b) VALUES "
	    "(?, ?, ?) RETURNING id"), 0);
	assert_int_equal(i ? db_bind_i64(st, 1, *i) : db_bind_null(st, 1), 0);
	assert_int_equal(db_bind_text(st, 2, s), 0);
	assert_int_equal(db_bind_blob(st, 3, b, blen), 0);
	assert_int_equal(db_step(st), DB_ROW);
	id = db_col_i64(st, 0);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_step(st), DB_DONE); /* stays done, no re-run */
	db_stmt_done(st);
	return id;
}

static void
test_bind_and_read_every_type(void **state)
{
	static const char text[] = "Zoë O'Brien \"Zo\" ✓ 日本 '); --";
	static const unsigned char blob[] = {0, 1, 0, 0xff, 0, '\'', '\\', 0};
	const int64_t ints[] = {INT64_MIN, INT64_MAX, 0, -1};
	struct db_conn *c = acq(*state);
	struct db_stmt *s;
	const void *p;
	size_t len, k;
	int64_t id[4];

	ddl(c, t_ddl);
	for (k = 0; k < 4; k++)
		id[k] = insert_row(c, &ints[k], k == 0 ? text : NULL,
		    k == 0 ? (const void *)blob : k == 1 ? "" : NULL, k == 0 ? sizeof(blob) : 0);
	assert_true(id[0] > 0 && id[1] > id[0]);
	assert_int_equal(db_prepare(c, &s, "SELECT i, s, b FROM t ORDER BY id"), 0);
	for (k = 0; k < 4; k++) {
		assert_int_equal(db_step(s), DB_ROW);
		assert_int_equal(db_col_count(s), 3);
		assert_true(db_col_i64(s, 0) == ints[k]);
		assert_false(db_col_is_null(s, 0));
		p = db_col_blob(s, 2, &len);
		if (k == 0) {
			assert_string_equal(db_col_text(s, 1), text);
			assert_int_equal(len, sizeof(blob));
			assert_memory_equal(p, blob, sizeof(blob));
		} else {
			assert_true(db_col_is_null(s, 1));
			assert_null(db_col_text(s, 1));
			assert_int_equal(len, 0);
			/* an empty blob is not NULL; a NULL one is */
			assert_true(k == 1 ? p != NULL : p == NULL);
			assert_int_equal(db_col_is_null(s, 2), k != 1);
		}
	}
	assert_int_equal(db_step(s), DB_DONE);
	db_stmt_done(s);
	assert_int_equal(insert_row(c, NULL, "", NULL, 0), id[3] + 1);
	assert_int_equal(count(c, "SELECT count(*) FROM t WHERE i IS NULL AND "
	    "s = ''"), 1);
	db_release(c);
}

static void
test_bind_errors(void **state)
{
	struct db_conn *c = acq(*state);
	struct db_stmt *s;

	assert_int_equal(db_prepare(c, &s, "SELECT ?"), 0);
	assert_int_equal(db_bind_i64(s, 2, 1), ALC_EINVAL);
	assert_int_equal(db_bind_i64(s, 0, 1), ALC_EINVAL);
	assert_int_equal(db_bind_textn(s, 1, "a\0b", 3), ALC_EINVAL);
	assert_int_equal(db_bind_blob(s, 1, NULL, 3), ALC_EINVAL);
	assert_int_equal(db_bind_textn(s, 1, "abc", 2), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_col_text(s, 0), "ab");
	assert_null(db_col_text(s, 5)); /* out of range reads as NULL */
	db_stmt_done(s);
	assert_true(db_prepare(c, &s, "SELECT 1; SELECT 2") < 0);
	assert_null(s);
	db_release(c);
}

static void
test_question_mark_in_literal_is_not_a_placeholder(void **state)
{
	struct db_conn *c = acq(*state);
	struct db_stmt *s;

	assert_int_equal(db_prepare(c, &s, "SELECT '?' AS \"q?\", ? -- ?\n"), 0);
	assert_int_equal(db_bind_i64(s, 1, 7), 0);
	assert_int_equal(db_bind_i64(s, 2, 8), ALC_EINVAL);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_col_text(s, 0), "?");
	assert_int_equal(db_col_i64(s, 1), 7);
	db_stmt_done(s);
	db_release(c);
}

static void
test_unique_violation_is_eexist(void **state)
{
	struct db_conn *c = acq(*state);

	assert_true(add_practice(c, "A", "same") > 0);
	assert_int_equal(add_practice(c, "B", "same"), ALC_EEXIST);
	assert_non_null(strstr(db_errmsg(c), "slug"));
	assert_int_equal(count(c, "SELECT count(*) FROM practices"), 1);
	db_release(c);
}

static void
test_foreign_keys_enforced(void **state)
{
	struct db_conn *c = acq(*state);
	struct db_stmt *s;

	assert_int_equal(db_prepare(c, &s, "INSERT INTO settings (practice_id, "
	    "key, value, updated_at) VALUES (?, 'k', 'v', 0)"), 0);
	assert_int_equal(db_bind_i64(s, 1, 999), 0);
	assert_int_equal(db_step(s), ALC_EDB);
	db_stmt_done(s);
	assert_int_equal(count(c, "SELECT count(*) FROM settings"), 0);
	db_release(c);
}

static void
test_transactions_commit_and_rollback(void **state)
{
	struct db_conn *c = acq(*state);

	assert_int_equal(db_commit(c), ALC_EINVAL);
	assert_int_equal(db_rollback(c), 0);
	assert_int_equal(db_begin(c), 0);
	assert_true(db_in_txn(c));
	assert_int_equal(db_begin(c), ALC_EINVAL);
	assert_true(add_practice(c, "Gone", "gone") > 0);
	assert_int_equal(db_rollback(c), 0);
	assert_false(db_in_txn(c));
	assert_int_equal(count(c, "SELECT count(*) FROM practices"), 0);
	assert_int_equal(db_begin(c), 0);
	assert_true(add_practice(c, "Kept", "kept") > 0);
	assert_int_equal(db_commit(c), 0);
	assert_false(db_in_txn(c));
	assert_int_equal(count(c, "SELECT count(*) FROM practices"), 1);
	db_release(c);
}

/* After a failed statement PostgreSQL aborts the transaction; SQLite keeps
 * it.  Either way a commit must not report success for lost work. */
static void
test_commit_after_error(void **state)
{
	struct db_conn *c = acq(*state);

	assert_int_equal(db_begin(c), 0);
	assert_true(add_practice(c, "One", "one") > 0);
	assert_int_equal(add_practice(c, "Dup", "one"), ALC_EEXIST);
	if (is_pg()) {
		assert_int_equal(db_commit(c), ALC_EDB);
		assert_false(db_in_txn(c));
		assert_int_equal(count(c, "SELECT count(*) FROM practices"), 0);
	} else {
		assert_int_equal(db_commit(c), 0);
		assert_int_equal(count(c, "SELECT count(*) FROM practices"), 1);
	}
	db_release(c);
}

static void
test_release_inside_transaction_rolls_back(void **state)
{
	struct db *db;
	struct db_conn *c;
	struct db_stmt *s;

	(void)state;
	assert_int_equal(test_db_open_pool(&db, 1), 0);
	c = acq(db);
	assert_int_equal(db_begin(c), 0);
	assert_true(add_practice(c, "Half", "half") > 0);
	/* a statement left unfinished is reset too */
	assert_int_equal(db_prepare(c, &s, "SELECT id FROM practices"), 0);
	assert_int_equal(db_step(s), DB_ROW);
	db_release(c);
	c = acq(db);
	assert_false(db_in_txn(c));
	assert_int_equal(count(c, "SELECT count(*) FROM practices"), 0);
	db_release(c);
	test_db_close(db);
}

static void
test_statement_cache_reuses_clean_statements(void **state)
{
	static const char q[] = "SELECT ?";
	struct db_conn *c = acq(*state);
	struct db_stmt *s1, *s2, *s3;

	assert_int_equal(db_prepare(c, &s1, q), 0);
	assert_int_equal(db_bind_i64(s1, 1, 5), 0);
	assert_int_equal(db_step(s1), DB_ROW);
	/* the same SQL while s1 is in use: a second statement */
	assert_int_equal(db_prepare(c, &s2, q), 0);
	assert_ptr_not_equal(s1, s2);
	assert_int_equal(db_bind_i64(s2, 1, 6), 0);
	assert_int_equal(db_step(s2), DB_ROW);
	assert_int_equal(db_col_i64(s2, 0), 6);
	assert_int_equal(db_col_i64(s1, 0), 5);
	db_stmt_done(s2);
	db_stmt_done(s1);
	/* from the cache, with the earlier binding cleared */
	assert_int_equal(db_prepare(c, &s3, q), 0);
	assert_true(s3 == s1 || s3 == s2);
	assert_int_equal(db_step(s3), DB_ROW);
	assert_true(db_col_is_null(s3, 0));
	db_stmt_done(s3);
	assert_int_equal(db_prepare(c, &s3, q), 0);
	assert_int_equal(db_bind_i64(s3, 1, 9), 0);
	assert_int_equal(db_step(s3), DB_ROW);
	assert_int_equal(db_col_i64(s3, 0), 9);
	db_stmt_done(s3);
	db_release(c);
}

static void
test_changes_counts_rows(void **state)
{
	struct db_conn *c = acq(*state);
	struct db_stmt *s;

	assert_true(add_practice(c, "A", "a") > 0);
	assert_true(add_practice(c, "B", "b") > 0);
	assert_int_equal(db_prepare(c, &s, "UPDATE practices SET retired_at = ? "
	    "WHERE retired_at IS NULL"), 0);
	assert_int_equal(db_bind_i64(s, 1, 1), 0);
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_changes(s), 2);
	db_stmt_done(s);
	assert_int_equal(db_prepare(c, &s, "SELECT id FROM practices"), 0);
	while (db_step(s) == DB_ROW)
		;
	assert_int_equal(db_changes(s), 0);
	db_stmt_done(s);
	db_release(c);
}

static void
test_injection_attempt_is_stored_verbatim(void **state)
{
	static const char evil[] = "x'); DROP TABLE practices; --";
	static const char evil2[] = "' OR '1'='1";
	struct db_conn *c = acq(*state);
	struct db_stmt *s;

	assert_true(add_practice(c, evil, "evil") > 0);
	assert_int_equal(db_prepare(c, &s, "SELECT name FROM practices WHERE "
	    "slug = ?"), 0);
	assert_int_equal(db_bind_text(s, 1, evil2), 0);
	assert_int_equal(db_step(s), DB_DONE); /* matched nothing */
	db_stmt_done(s);
	assert_int_equal(db_prepare(c, &s, "SELECT name FROM practices WHERE "
	    "slug = ?"), 0);
	assert_int_equal(db_bind_text(s, 1, "evil"), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_string_equal(db_col_text(s, 0), evil);
	db_stmt_done(s);
	assert_int_equal(count(c, "SELECT count(*) FROM practices"), 1);
	db_release(c);
}

static void
test_bad_sql_reports_engine_message(void **state)
{
	struct db_conn *c = acq(*state);
	struct db_stmt *s;
	int64_t v;

	assert_int_equal(db_prepare(c, &s, "SELEC id FROM practices"), ALC_EDB);
	assert_null(s);
	assert_non_null(strstr(db_errmsg(c), "syntax error"));
	assert_int_equal(db_exec(c, "CREATE TABLE ("), ALC_EDB);
	assert_non_null(strstr(db_errmsg(c), "syntax error"));
	assert_int_equal(db_query_i64(c, "SELECT id FROM no_such_table", &v),
	    ALC_EDB);
	assert_non_null(strstr(db_errmsg(c), "no_such_table"));
	assert_int_equal(db_query_i64(c, "SELECT id FROM practices", &v),
	    ALC_ENOTFOUND);
	/* the connection still works after errors */
	assert_int_equal(count(c, "SELECT 3"), 3);
	db_release(c);
}

struct worker {
	struct db *db;
	int n, id, failures;
};

static void *
insert_thread(void *arg)
{
	struct worker *w = arg;
	struct alc_err err = {0};
	struct db_conn *c;
	struct db_stmt *s;
	int i, rc;

	for (i = 0; i < w->n; i++) {
		if ((c = db_acquire(w->db, 30000, &err)) == NULL) {
			w->failures++;
			continue;
		}
		rc = db_begin(c);
		if (rc == 0 && (rc = db_prepare(c, &s, "INSERT INTO settings "
		    "(key, value, updated_at) VALUES (?, ?, ?)")) == 0) {
			char key[32];

			snprintf(key, sizeof(key), "k%d.%d", w->id, i);
			db_bind_text(s, 1, key);
			db_bind_text(s, 2, "v");
			db_bind_i64(s, 3, i);
			rc = db_step(s);
			db_stmt_done(s);
		}
		if (rc == DB_DONE)
			rc = db_commit(c);
		if (rc != 0)
			w->failures++;
		db_release(c);
	}
	return NULL;
}

/* More threads than connections: each waits its turn, every row lands. */
static void
test_pool_threads_insert_concurrently(void **state)
{
	enum { NT = 8, PER = 25 };
	struct worker w[NT];
	pthread_t t[NT];
	struct db *db;
	struct db_conn *c;
	int i;

	(void)state;
	assert_int_equal(test_db_open_pool(&db, 4), 0);
	for (i = 0; i < NT; i++) {
		w[i] = (struct worker){.db = db, .n = PER, .id = i};
		assert_int_equal(pthread_create(&t[i], NULL, insert_thread, &w[i]), 0);
	}
	for (i = 0; i < NT; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	c = acq(db);
	assert_int_equal(count(c, "SELECT count(*) FROM settings"), NT * PER);
	assert_int_equal(count(c, "SELECT count(DISTINCT key) FROM settings"),
	    NT * PER);
	db_release(c);
	test_db_close(db);
}

static void *
acquire_forever(void *arg)
{
	struct db *db = arg;
	struct db_conn *c = db_acquire(db, 0, NULL);

	db_release(c);
	return c;
}

static void
test_acquire_times_out_when_pool_exhausted(void **state)
{
	struct alc_err err = {0};
	struct db *db;
	struct db_conn *a, *b;
	pthread_t t;
	void *got = NULL;
	int64_t t0;

	(void)state;
	assert_int_equal(test_db_open_pool(&db, 2), 0);
	a = acq(db);
	b = acq(db);
	assert_ptr_not_equal(a, b);
	t0 = time_mono_ms();
	assert_null(db_acquire(db, 150, &err));
	assert_true(time_mono_ms() - t0 >= 140);
	assert_int_equal(err.code, ALC_EBUSY);
	assert_non_null(strstr(err.msg, "150 ms"));
	/* a waiter without timeout gets the next released connection */
	assert_int_equal(pthread_create(&t, NULL, acquire_forever, db), 0);
	db_release(b);
	pthread_join(t, &got);
	assert_ptr_equal(got, b);
	b = acq(db);
	assert_int_equal(count(b, "SELECT 1"), 1);
	db_release(a);
	db_release(b);
	test_db_close(db);
}

/* A pooled connection whose backend was killed is replaced on acquire. */
static void
test_postgres_reconnects_broken_connection(void **state)
{
	struct db *db;
	struct db_conn *a, *b;
	struct db_stmt *s;
	int64_t pid, pid2;

	(void)state;
	if (!is_pg())
		skip();
	assert_int_equal(test_db_open_pool(&db, 2), 0);
	a = acq(db);
	b = acq(db);
	pid = count(a, "SELECT pg_backend_pid()");
	assert_int_equal(db_prepare(b, &s, "SELECT pg_terminate_backend(?, 5000)"),
	    0);
	assert_int_equal(db_bind_i64(s, 1, pid), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_col_i64(s, 0), 1);
	db_stmt_done(s);
	db_release(b);
	db_release(a); /* top of the idle list */
	a = acq(db);
	pid2 = count(a, "SELECT pg_backend_pid()");
	assert_true(pid2 != pid);
	assert_int_equal(count(a, "SELECT count(*) FROM practices"), 0);
	db_release(a);
	test_db_close(db);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_close_and_engine_names),
		cmocka_unit_test(test_open_fails_cleanly_on_bad_config),
		cmocka_unit_test(test_sqlite_file_is_private_and_durable),
		T(test_postgres_commits_synchronously),
		cmocka_unit_test(test_migrations_apply_once_and_are_recorded),
		cmocka_unit_test(test_dialect_tokens_and_blocks),
		cmocka_unit_test(test_migration_names),
		cmocka_unit_test(test_pg_placeholder_rewrite_skips_literals),
		T(test_bind_and_read_every_type),
		T(test_bind_errors),
		T(test_question_mark_in_literal_is_not_a_placeholder),
		T(test_unique_violation_is_eexist),
		T(test_foreign_keys_enforced),
		T(test_transactions_commit_and_rollback),
		T(test_commit_after_error),
		cmocka_unit_test(test_release_inside_transaction_rolls_back),
		T(test_statement_cache_reuses_clean_statements),
		T(test_changes_counts_rows),
		T(test_injection_attempt_is_stored_verbatim),
		T(test_bad_sql_reports_engine_message),
		cmocka_unit_test(test_pool_threads_insert_concurrently),
		cmocka_unit_test(test_acquire_times_out_when_pool_exhausted),
		cmocka_unit_test(test_postgres_reconnects_broken_connection),
	};
#undef T
	fprintf(stderr, "test_db: engine %s\n", test_engine());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
