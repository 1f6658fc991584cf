/*
 * db.h - one interface over SQLite (embedded default) and PostgreSQL.
 *
 * Callers write SQL once, with `?` placeholders, in the dialect both
 * engines share; the PostgreSQL backend rewrites `?` to `$1..$n` (outside
 * quoted strings and comments).  Values only ever reach the database as
 * bound parameters: there is no function that splices text into SQL.
 *
 * Model:
 *   struct db       a database: engine, configuration and a pool of
 *                   connections.  Thread-safe.
 *   struct db_conn  one connection, taken from the pool by one thread
 *                   (db_acquire) and given back (db_release).  Not shared
 *                   between threads while held.
 *   struct db_stmt  a prepared statement on one connection.  Statements are
 *                   cached per connection by SQL text, so preparing the same
 *                   query again is a lookup; db_stmt_done() resets it and
 *                   returns it to the cache (never free it otherwise).
 *
 * Transactions: db_begin() starts a read-write transaction (SQLite: BEGIN
 * IMMEDIATE, so the write lock is taken up front and busy-waits instead of
 * failing at commit).  db_commit()/db_rollback() end it.  Outside a
 * transaction every statement is its own transaction.
 *
 * SQLite: WAL journal, synchronous=FULL, foreign_keys=ON, busy_timeout
 * from configuration.  Many readers, one writer at a time.
 * PostgreSQL: conninfo from configuration, pool of `pool_size`
 * connections, synchronous_commit=on.
 *
 * Types: integers are int64, text is UTF-8, blobs are bytes (BYTEA on
 * PostgreSQL).  Timestamps are int64 milliseconds UTC.  Booleans are
 * integers 0/1.
 *
 * Errors: functions return 0 (or DB_ROW/DB_DONE from db_step) on success
 * and a negative ALC_E* code on failure: ALC_EEXIST for a unique or primary
 * key violation, ALC_EBUSY for a lock timeout / serialization failure that
 * the caller may retry, ALC_EDB for anything else.  db_errmsg() gives the
 * engine's message for the log (never show it to users).
 */
#ifndef ALC_DB_H
#define ALC_DB_H

#include <stddef.h>
#include <stdint.h>

struct alc_err;

enum db_engine { DB_SQLITE, DB_POSTGRES };

struct db_config {
	enum db_engine engine;
	const char *sqlite_path; /* SQLite: database file */
	const char *pg_conninfo; /* PostgreSQL: libpq connection string */
	int pool_size;           /* connections; 0 picks a default (8) */
	int busy_timeout_ms;     /* SQLite busy wait; 0 picks 5000 */
};

struct db;
struct db_conn;
struct db_stmt;

enum { DB_DONE = 0, DB_ROW = 1 };

/* Opens the database and checks one connection works.  Does not migrate. */
int db_open(struct db **out, const struct db_config *cfg, struct alc_err *err);
/* Closes every pooled connection.  All connections must be released. */
void db_close(struct db *db);
enum db_engine db_engine(const struct db *db);
const char *db_engine_name(enum db_engine e); /* "sqlite" | "postgres" */
/* Parses "sqlite" or "postgres"/"postgresql"; -1 when unknown. */
int db_engine_parse(const char *s);

/* Takes a connection from the pool, waiting up to timeout_ms (0: forever).
 * Returns NULL and fills err on timeout or when a broken connection
 * cannot be re-established. */
struct db_conn *db_acquire(struct db *db, int timeout_ms, struct alc_err *err);
/* Gives it back.  A connection released inside a transaction is rolled
 * back first.  NULL is ignored. */
void db_release(struct db_conn *c);
enum db_engine db_conn_engine(const struct db_conn *c);

int db_begin(struct db_conn *c);
int db_commit(struct db_conn *c);
int db_rollback(struct db_conn *c);
int db_in_txn(const struct db_conn *c);

/* Runs SQL without parameters and without results (DDL, migrations).
 * May hold several statements separated by semicolons. */
int db_exec(struct db_conn *c, const char *sql);

/* Prepares (or finds cached) a statement; `?` placeholders, 1-based. */
int db_prepare(struct db_conn *c, struct db_stmt **out, const char *sql);
int db_bind_i64(struct db_stmt *s, int idx, int64_t v);
int db_bind_text(struct db_stmt *s, int idx, const char *v); /* NULL: NULL */
int db_bind_textn(struct db_stmt *s, int idx, const char *v, size_t n);
int db_bind_blob(struct db_stmt *s, int idx, const void *p, size_t n); /* p NULL: NULL */
int db_bind_null(struct db_stmt *s, int idx);
/* Executes on the first call, then advances: DB_ROW while rows remain,
 * DB_DONE at the end, negative ALC_E* on error. */
int db_step(struct db_stmt *s);
/* Column getters, 0-based, valid until the next db_step/db_stmt_done.
 * NULL values read as 0, NULL (text) and NULL/0 (blob). */
int db_col_count(struct db_stmt *s);
int db_col_is_null(struct db_stmt *s, int col);
int64_t db_col_i64(struct db_stmt *s, int col);
const char *db_col_text(struct db_stmt *s, int col);
const void *db_col_blob(struct db_stmt *s, int col, size_t *len);
/* One column read as db_col_i64 (text 0) or as db_col_blob (text 1) reads
 * it: null is 1 for NULL; an integer is in i, bytes are n at p. */
struct db_cell {
	int null;
	int64_t i;
	const char *p;
	size_t n;
};
/* Reads columns first .. first+n-1 of the current row into out in one call
 * (the same values as the single getters; a loop over rows that reads
 * many columns, such as audit verify, spends less per row).  text[k] says
 * how to read column first+k.  0, or ALC_EINVAL for a bad range. */
int db_col_cells(struct db_stmt *s, int first, int n,
    const unsigned char *text, struct db_cell *out);
/* Rows changed by the last INSERT/UPDATE/DELETE executed by s. */
int64_t db_changes(struct db_stmt *s);
/* Resets s, clears bindings, returns it to the connection's cache. */
void db_stmt_done(struct db_stmt *s);

/* Convenience: prepare, bind nothing, step once, read column 0 as i64.
 * ALC_ENOTFOUND when there is no row. */
int db_query_i64(struct db_conn *c, const char *sql, int64_t *out);

const char *db_errmsg(const struct db_conn *c);

/* Migrations (migrate.c): applies every embedded migration newer than the
 * recorded version, each in its own transaction, recording it in
 * schema_migrations.  *applied receives the count (may be NULL). */
int db_migrate(struct db *db, int *applied, struct alc_err *err);
/* Highest applied version (0 for an empty database), and the highest
 * version this binary knows. */
int db_schema_version(struct db *db, int *version, struct alc_err *err);
int db_schema_latest(void);

#endif
