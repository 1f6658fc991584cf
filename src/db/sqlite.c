/*
 * sqlite.c - the SQLite engine behind db.h (see db_impl.h for the vtable).
 *
 * Each pooled connection is its own sqlite3 handle, opened NOMUTEX: a
 * connection is held by one thread at a time (db_acquire), so SQLite's
 * per-connection mutex would only cost.  Every connection sets
 *   journal_mode=WAL    readers never block the writer or each other;
 *   synchronous=FULL    a commit is on disk (WAL fsynced) before it returns,
 *                       so an acknowledged write survives a power cut;
 *   foreign_keys=ON     REFERENCES are enforced (off by default in SQLite);
 *   busy_timeout        a writer waits for the write lock instead of failing;
 *   mmap_size=256 MiB   reads of the database file are memory reads.  Every
 *                       PHI read commits an audit event, and each commit
 *                       empties the other connections' page caches, so
 *                       without the map a page costs a pread per request
 *                       (most of the week view's time, measured); mapped
 *                       pages are shared by all connections in the OS
 *                       page cache.  Pages newer in the WAL are still read
 *                       from the WAL.
 * db_begin uses BEGIN IMMEDIATE: the write lock is taken up front, where
 * the busy timeout applies, instead of at the first write, where a WAL
 * reader that must upgrade gets SQLITE_BUSY without waiting.
 *
 * The file is created 0600 before SQLite opens it; SQLite gives its -wal
 * and -shm files the same mode.  ":memory:" is not supported: each pooled
 * connection would see a different database.
 *
 * Cached statements are prepared with SQLITE_PREPARE_PERSISTENT (they live
 * as long as the connection).  Errors map extended result codes:
 * CONSTRAINT_UNIQUE/PRIMARYKEY -> ALC_EEXIST, BUSY/LOCKED -> ALC_EBUSY,
 * everything else -> ALC_EDB.
 */
#include "db/db_impl.h"
#include "base/err.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static sqlite3 *
h_of(const struct db_conn *c)
{
	return c->h;
}

static sqlite3_stmt *
st_of(const struct db_stmt *s)
{
	return s->h;
}

static int
sq_code(int rc)
{
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return ALC_EEXIST;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ALC_EBUSY;
	case SQLITE_NOMEM:
		return ALC_ENOMEM;
	case SQLITE_RANGE:
	case SQLITE_MISUSE:
		return ALC_EINVAL;
	default:
		return ALC_EDB;
	}
}

/* Records the connection's current error and returns its ALC_E* code. */
static int
sq_fail(struct db_conn *c)
{
	int rc = sqlite3_extended_errcode(h_of(c));

	db_conn_seterr(c, "%s", sqlite3_errmsg(h_of(c)));
	return sq_code(rc);
}

/* Creates the file 0600 when it does not exist yet.  An existing file keeps
 * its mode: the operator may have chosen a group on purpose.
 *
 * An existing database must never be open(2)ed here: SQLite's locks are
 * POSIX fcntl locks, which belong to the process, and closing *any*
 * descriptor of the file drops all of them - those of this process's other
 * open connections included.  That silently broke WAL visibility between
 * connections (a commit stayed invisible to other processes) until this
 * check was added; O_EXCL keeps two first connections from racing. */
static int
sq_create_private(const char *path, struct alc_err *err)
{
	int fd;

	if (access(path, F_OK) == 0)
		return 0;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return 0;

	if (fd < 0)
		return alc_err_set(err, ALC_EIO, "sqlite: cannot open %s: %s",
		    path, strerror(errno));
	close(fd);
	return 0;
}

static int
sq_connect(struct db_conn *c, struct alc_err *err)
{
	static const char pragmas[] =
	    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=ON; PRAGMA mmap_size=268435456;";
	const char *path = c->db->sqlite_path;
	sqlite3 *h = NULL;
	int rc;

	if ((rc = sq_create_private(path, err)) != 0)
		return rc;
	rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	c->h = h;
	if (rc != SQLITE_OK) {
		rc = alc_err_set(err, ALC_EDB, "sqlite: cannot open %s: %s",
		    path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, c->db->busy_timeout_ms);
	if (sqlite3_exec(h, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		rc = alc_err_set(err, ALC_EDB, "sqlite: %s: setting up: %s",
		    path, sqlite3_errmsg(h));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && h != NULL) {
		sqlite3_close(h);
		c->h = NULL;
	}
	return rc;
}

static void
sq_disconnect(struct db_conn *c)
{
	sqlite3_close(h_of(c));
	c->h = NULL;
}

static int
sq_broken(const struct db_conn *c)
{
	(void)c;
	return 0;
}

static int
sq_in_txn(const struct db_conn *c)
{
	return !sqlite3_get_autocommit(h_of(c));
}

static int
sq_exec(struct db_conn *c, const char *sql)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(h_of(c), sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return 0;
	db_conn_seterr(c, "%s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return sq_code(sqlite3_extended_errcode(h_of(c)));
}

static int
sq_begin(struct db_conn *c)
{
	return sq_exec(c, "BEGIN IMMEDIATE");
}

static int
sq_commit(struct db_conn *c)
{
	return sq_exec(c, "COMMIT");
}

static int
sq_prepare(struct db_stmt *s)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int rc;

	rc = sqlite3_prepare_v3(h_of(s->c), s->sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &st, &tail);
	if (rc != SQLITE_OK)
		return sq_fail(s->c);
	if (st == NULL) {
		db_conn_seterr(s->c, "db_prepare: empty statement");
		return ALC_EINVAL;
	}
	/* One statement per db_prepare, as on PostgreSQL. */
	while (tail && (*tail == ' ' || *tail == '\t' || *tail == '\n' ||
	    *tail == '\r' || *tail == ';'))
		tail++;
	if (tail && *tail) {
		sqlite3_finalize(st);
		db_conn_seterr(s->c, "db_prepare: more than one statement");
		return ALC_EINVAL;
	}
	s->h = st;
	return 0;
}

static void
sq_finalize(struct db_stmt *s)
{
	sqlite3_finalize(st_of(s));
	s->h = NULL;
}

static void
sq_reset(struct db_stmt *s)
{
	sqlite3_reset(st_of(s));
	sqlite3_clear_bindings(st_of(s));
}

static int
sq_bind(struct db_stmt *s, int idx, const struct db_val *v)
{
	sqlite3_stmt *st = st_of(s);
	int rc;

	switch (v->type) {
	case DB_VAL_I64:
		rc = sqlite3_bind_int64(st, idx, v->i);
		break;
	case DB_VAL_TEXT:
		rc = sqlite3_bind_text64(st, idx, v->p, v->n, SQLITE_TRANSIENT,
		    SQLITE_UTF8);
		break;
	case DB_VAL_BLOB:
		rc = sqlite3_bind_blob64(st, idx, v->p, v->n, SQLITE_TRANSIENT);
		break;
	default:
		rc = sqlite3_bind_null(st, idx);
		break;
	}
	if (rc == SQLITE_OK)
		return 0;
	if (rc == SQLITE_RANGE) {
		db_conn_seterr(s->c, "bind: no parameter %d", idx);
		return ALC_EINVAL;
	}
	return sq_fail(s->c);
}

static int
sq_step(struct db_stmt *s)
{
	int rc = sqlite3_step(st_of(s));

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return sq_fail(s->c);
}

static int
sq_col_count(struct db_stmt *s)
{
	return sqlite3_data_count(st_of(s));
}

static int
sq_col_is_null(struct db_stmt *s, int col)
{
	return sqlite3_column_type(st_of(s), col) == SQLITE_NULL;
}

static int64_t
sq_col_i64(struct db_stmt *s, int col)
{
	return sqlite3_column_int64(st_of(s), col);
}

static const char *
sq_col_text(struct db_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(st_of(s), col);
}

static const void *
sq_col_blob(struct db_stmt *s, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st_of(s), col);

	*len = (size_t)sqlite3_column_bytes(st_of(s), col);
	return p;
}

/* One or two value calls per column; the type is looked up only for a
 * value that could be NULL (an integer 0, or no bytes). */
static void
sq_col_cells(struct db_stmt *s, int first, int n, const unsigned char *text,
    struct db_cell *out)
{
	sqlite3_stmt *st = st_of(s);
	struct db_cell *o;
	int k, col;

	for (k = 0; k < n; k++) {
		col = first + k;
		o = &out[k];
		o->null = 0;
		o->i = 0;
		o->p = NULL;
		o->n = 0;
		if (!text[k]) {
			o->i = sqlite3_column_int64(st, col);
			if (o->i == 0)
				o->null = sqlite3_column_type(st, col) == SQLITE_NULL;
			continue;
		}
		o->p = sqlite3_column_blob(st, col);
		o->n = (size_t)sqlite3_column_bytes(st, col);
		/* NULL, or an empty value: "" keeps non-NULL meaning non-NULL. */
		if (o->p == NULL) {
			o->null = sqlite3_column_type(st, col) == SQLITE_NULL;
			o->p = o->null ? NULL : "";
		}
	}
}

/* sqlite3_changes64 counts the connection's last INSERT/UPDATE/DELETE;
 * a read-only statement changed nothing, whatever ran before it. */
static int64_t
sq_changes(struct db_stmt *s)
{
	if (sqlite3_stmt_readonly(st_of(s)))
		return 0;
	return sqlite3_changes64(h_of(s->c));
}

const struct db_ops db_sqlite_ops = {
	.connect = sq_connect,
	.disconnect = sq_disconnect,
	.broken = sq_broken,
	.in_txn = sq_in_txn,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.reset = sq_reset,
	.bind = sq_bind,
	.step = sq_step,
	.col_count = sq_col_count,
	.col_is_null = sq_col_is_null,
	.col_i64 = sq_col_i64,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.col_cells = sq_col_cells,
	.changes = sq_changes,
};
