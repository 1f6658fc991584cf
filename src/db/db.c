/*
 * db.c - the engine-independent half of db.h: pool, statement cache,
 * transactions and argument checks.  The engines (sqlite.c, postgres.c)
 * sit behind struct db_ops (db_impl.h).
 *
 * Pool.  A struct db holds up to pool_size connections, opened lazily: the
 * first is opened by db_open (so a bad path or conninfo fails at startup),
 * the others when every open connection is held.  Idle connections wait on
 * a LIFO list so the warmest one (with the most prepared statements) is
 * reused first.  db_acquire waits on a condition variable (monotonic
 * clock) for a release, up to its timeout.  A connection that the engine
 * reports broken (PostgreSQL: the server went away) is re-opened on
 * acquire, losing its statement cache, so callers never see a dead
 * connection twice; the first statement that runs into the breakage still
 * fails, because only the caller knows whether it is safe to retry.
 *
 * Statement cache.  Each connection keeps its prepared statements in a
 * small hash table keyed by the exact SQL text.  db_prepare hands out a
 * cached statement that is not in use, or prepares a new one and caches it
 * too, so nesting the same query (iterating rows while running the query
 * again) simply gives a second statement.  SQL comes from string literals
 * in the code, so the cache is bounded by the program and never evicts.
 *
 * Release is defensive: statements left in use are reset and a transaction
 * left open is rolled back, so an early return in a caller cannot leak a
 * read snapshot, a write lock or half a change into the next request.
 */
#include "db/db_impl.h"
#include "base/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DB_DEFAULT_POOL 8
#define DB_DEFAULT_BUSY_MS 5000

const char *
db_engine_name(enum db_engine e)
{
	return e == DB_POSTGRES ? "postgres" : "sqlite";
}

int
db_engine_parse(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "sqlite") == 0)
		return DB_SQLITE;
	if (strcmp(s, "postgres") == 0 || strcmp(s, "postgresql") == 0)
		return DB_POSTGRES;
	return -1;
}

enum db_engine
db_engine(const struct db *db)
{
	return db->engine;
}

enum db_engine
db_conn_engine(const struct db_conn *c)
{
	return c->db->engine;
}

void
db_conn_seterr(struct db_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
}

const char *
db_errmsg(const struct db_conn *c)
{
	return c ? c->errmsg : "";
}

/* Frees every cached statement of c (prepared statements belong to it). */
static void
conn_drop_stmts(struct db_conn *c)
{
	struct db_stmt *s, *next;
	size_t i;

	for (i = 0; i < DB_CACHE_BUCKETS; i++) {
		for (s = c->cache[i]; s != NULL; s = next) {
			next = s->next;
			c->db->ops->finalize(s);
			free(s->sql);
			free(s);
		}
		c->cache[i] = NULL;
	}
}

static void
conn_free(struct db_conn *c)
{
	if (c == NULL)
		return;
	conn_drop_stmts(c);
	if (c->h != NULL)
		c->db->ops->disconnect(c);
	free(c);
}

static struct db_conn *
conn_new(struct db *db, struct alc_err *err)
{
	struct db_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		alc_err_set(err, ALC_ENOMEM, "db: out of memory");
		return NULL;
	}
	c->db = db;
	if (db->ops->connect(c, err) != 0) {
		conn_free(c);
		return NULL;
	}
	return c;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int
db_init_sync(struct db *db, struct alc_err *err)
{
	pthread_condattr_t ca;
	int rc = ALC_ENOMEM;

	if (pthread_condattr_init(&ca) != 0)
		return alc_err_set(err, rc, "db: condattr");
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_mutex_init(&db->mu, NULL) != 0)
		goto out;
	if (pthread_cond_init(&db->cv, &ca) != 0) {
		pthread_mutex_destroy(&db->mu);
		goto out;
	}
	rc = 0;
out:
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		alc_err_set(err, rc, "db: cannot create pool lock");
	return rc;
}

int
db_open(struct db **out, const struct db_config *cfg, struct alc_err *err)
{
	struct db *db = NULL;
	struct db_conn *c;
	int rc = ALC_ENOMEM;

	*out = NULL;
	if (cfg == NULL || cfg->pool_size < 0 || cfg->busy_timeout_ms < 0 ||
	    (cfg->engine == DB_SQLITE && (cfg->sqlite_path == NULL ||
	    cfg->sqlite_path[0] == '\0')) ||
	    (cfg->engine == DB_POSTGRES && cfg->pg_conninfo == NULL) ||
	    (cfg->engine != DB_SQLITE && cfg->engine != DB_POSTGRES))
		return alc_err_set(err, ALC_ECONFIG, "db: incomplete configuration");
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return alc_err_set(err, rc, "db: out of memory");
	db->engine = cfg->engine;
	db->ops = cfg->engine == DB_SQLITE ? &db_sqlite_ops : &db_postgres_ops;
	db->pool_size = cfg->pool_size ? cfg->pool_size : DB_DEFAULT_POOL;
	db->busy_timeout_ms = cfg->busy_timeout_ms ? cfg->busy_timeout_ms :
	    DB_DEFAULT_BUSY_MS;
	db->sqlite_path = dup_or_null(cfg->sqlite_path);
	db->pg_conninfo = dup_or_null(cfg->pg_conninfo);
	if ((cfg->sqlite_path && !db->sqlite_path) ||
	    (cfg->pg_conninfo && !db->pg_conninfo)) {
		alc_err_set(err, rc, "db: out of memory");
		goto fail;
	}
	if ((rc = db_init_sync(db, err)) != 0)
		goto fail;
	if ((c = conn_new(db, err)) == NULL) {
		rc = err ? err->code : ALC_EDB;
		pthread_cond_destroy(&db->cv);
		pthread_mutex_destroy(&db->mu);
		goto fail;
	}
	db->nopen = db->nidle = 1;
	db->idle = c;
	*out = db;
	return 0;
fail:
	free(db->sqlite_path);
	free(db->pg_conninfo);
	free(db);
	return rc ? rc : ALC_EDB;
}

void
db_close(struct db *db)
{
	struct db_conn *c;

	if (db == NULL)
		return;
	while ((c = db->idle) != NULL) {
		db->idle = c->next_idle;
		conn_free(c);
	}
	/* Connections still held are a caller bug; they are leaked rather
	 * than freed under a thread that may still use them. */
	pthread_cond_destroy(&db->cv);
	pthread_mutex_destroy(&db->mu);
	free(db->sqlite_path);
	free(db->pg_conninfo);
	free(db);
}

/* Waits for an idle connection or a free slot; called with db->mu held.
 * Returns the idle connection, or NULL with *slot set when the caller may
 * open a new one, or NULL with *slot 0 on timeout. */
static struct db_conn *
pool_wait(struct db *db, const struct timespec *deadline, int *slot)
{
	struct db_conn *c;

	*slot = 0;
	for (;;) {
		if ((c = db->idle) != NULL) {
			db->idle = c->next_idle;
			c->next_idle = NULL;
			db->nidle--;
			return c;
		}
		if (db->nopen < db->pool_size) {
			db->nopen++;
			*slot = 1;
			return NULL;
		}
		if (deadline == NULL)
			pthread_cond_wait(&db->cv, &db->mu);
		else if (pthread_cond_timedwait(&db->cv, &db->mu, deadline) ==
		    ETIMEDOUT)
			return NULL;
	}
}

/* Gives up a pool slot whose connection is gone. */
static void
pool_drop_slot(struct db *db)
{
	pthread_mutex_lock(&db->mu);
	db->nopen--;
	pthread_cond_signal(&db->cv);
	pthread_mutex_unlock(&db->mu);
}

struct db_conn *
db_acquire(struct db *db, int timeout_ms, struct alc_err *err)
{
	struct timespec dl;
	struct db_conn *c;
	int slot;

	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += timeout_ms / 1000;
		dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&db->mu);
	c = pool_wait(db, timeout_ms > 0 ? &dl : NULL, &slot);
	pthread_mutex_unlock(&db->mu);
	if (c == NULL && !slot) {
		alc_err_set_user(err, ALC_EBUSY, "The system is busy; try again.",
		    "db: no connection free within %d ms (pool of %d)",
		    timeout_ms, db->pool_size);
		return NULL;
	}
	if (c != NULL && db->ops->broken(c)) {
		conn_free(c); /* reopened below in the same slot */
		c = NULL;
	}
	if (c == NULL && (c = conn_new(db, err)) == NULL)
		pool_drop_slot(db);
	return c;
}

void
db_release(struct db_conn *c)
{
	struct db *db;
	struct db_stmt *s;
	size_t i;

	if (c == NULL)
		return;
	db = c->db;
	for (i = 0; i < DB_CACHE_BUCKETS; i++)
		for (s = c->cache[i]; s != NULL; s = s->next)
			if (s->in_use)
				db_stmt_done(s);
	if (db->ops->in_txn(c))
		(void)db_rollback(c);
	if (db->ops->in_txn(c)) {
		/* Cannot be made clean: close it rather than pass it on. */
		conn_free(c);
		pool_drop_slot(db);
		return;
	}
	pthread_mutex_lock(&db->mu);
	c->next_idle = db->idle;
	db->idle = c;
	db->nidle++;
	pthread_cond_signal(&db->cv);
	pthread_mutex_unlock(&db->mu);
}

int
db_in_txn(const struct db_conn *c)
{
	return c->db->ops->in_txn(c);
}

int
db_begin(struct db_conn *c)
{
	if (db_in_txn(c)) {
		db_conn_seterr(c, "db_begin: a transaction is already open");
		return ALC_EINVAL;
	}
	return c->db->ops->begin(c);
}

int
db_commit(struct db_conn *c)
{
	if (!db_in_txn(c)) {
		db_conn_seterr(c, "db_commit: no transaction is open");
		return ALC_EINVAL;
	}
	return c->db->ops->commit(c);
}

/* Rolling back when no transaction is open does nothing: error paths may
 * call it without tracking whether the failure ended the transaction. */
int
db_rollback(struct db_conn *c)
{
	if (!db_in_txn(c))
		return 0;
	return c->db->ops->exec(c, "ROLLBACK");
}

int
db_exec(struct db_conn *c, const char *sql)
{
	if (sql == NULL)
		return ALC_EINVAL;
	return c->db->ops->exec(c, sql);
}

static uint32_t
sql_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int
db_prepare(struct db_conn *c, struct db_stmt **out, const char *sql)
{
	struct db_stmt *s;
	uint32_t h;
	int rc;

	*out = NULL;
	if (sql == NULL)
		return ALC_EINVAL;
	h = sql_hash(sql);
	for (s = c->cache[h % DB_CACHE_BUCKETS]; s != NULL; s = s->next)
		if (!s->in_use && s->hash == h && strcmp(s->sql, sql) == 0)
			goto found;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->sql = strdup(sql)) == NULL) {
		free(s);
		db_conn_seterr(c, "db: out of memory");
		return ALC_ENOMEM;
	}
	s->c = c;
	s->hash = h;
	if ((rc = c->db->ops->prepare(s)) != 0) {
		free(s->sql);
		free(s);
		return rc;
	}
	s->next = c->cache[h % DB_CACHE_BUCKETS];
	c->cache[h % DB_CACHE_BUCKETS] = s;
found:
	s->in_use = 1;
	s->done = 0;
	*out = s;
	return 0;
}

static int
stmt_bind(struct db_stmt *s, int idx, const struct db_val *v)
{
	if (s == NULL || !s->in_use || idx < 1)
		return ALC_EINVAL;
	return s->c->db->ops->bind(s, idx, v);
}

int
db_bind_i64(struct db_stmt *s, int idx, int64_t v)
{
	struct db_val val = {.type = DB_VAL_I64, .i = v};

	return stmt_bind(s, idx, &val);
}

int
db_bind_textn(struct db_stmt *s, int idx, const char *v, size_t n)
{
	struct db_val val = {.type = DB_VAL_TEXT, .p = v, .n = n};

	if (v == NULL)
		return db_bind_null(s, idx);
	/* PostgreSQL text cannot hold NUL; refuse it on both engines so code
	 * tested on one behaves the same on the other. */
	if (memchr(v, '\0', n) != NULL) {
		db_conn_seterr(s->c, "db_bind_text: NUL byte in text parameter %d",
		    idx);
		return ALC_EINVAL;
	}
	return stmt_bind(s, idx, &val);
}

int
db_bind_text(struct db_stmt *s, int idx, const char *v)
{
	return db_bind_textn(s, idx, v, v ? strlen(v) : 0);
}

int
db_bind_blob(struct db_stmt *s, int idx, const void *p, size_t n)
{
	struct db_val val = {.type = DB_VAL_BLOB, .p = p, .n = n};

	if (p == NULL)
		return n == 0 ? db_bind_null(s, idx) : ALC_EINVAL;
	return stmt_bind(s, idx, &val);
}

int
db_bind_null(struct db_stmt *s, int idx)
{
	struct db_val val = {.type = DB_VAL_NULL};

	return stmt_bind(s, idx, &val);
}

/* A finished statement keeps answering DB_DONE (SQLite would otherwise
 * silently run it again) until db_stmt_done. */
int
db_step(struct db_stmt *s)
{
	int rc;

	if (s == NULL || !s->in_use)
		return ALC_EINVAL;
	if (s->done)
		return DB_DONE;
	rc = s->c->db->ops->step(s);
	if (rc != DB_ROW)
		s->done = 1;
	return rc;
}

int
db_col_count(struct db_stmt *s)
{
	return s->c->db->ops->col_count(s);
}

static int
col_ok(struct db_stmt *s, int col)
{
	return col >= 0 && col < s->c->db->ops->col_count(s);
}

int
db_col_is_null(struct db_stmt *s, int col)
{
	return col_ok(s, col) ? s->c->db->ops->col_is_null(s, col) : 1;
}

int64_t
db_col_i64(struct db_stmt *s, int col)
{
	return col_ok(s, col) ? s->c->db->ops->col_i64(s, col) : 0;
}

const char *
db_col_text(struct db_stmt *s, int col)
{
	return col_ok(s, col) ? s->c->db->ops->col_text(s, col) : NULL;
}

const void *
db_col_blob(struct db_stmt *s, int col, size_t *len)
{
	const void *p;

	*len = 0;
	if (!col_ok(s, col) || s->c->db->ops->col_is_null(s, col))
		return NULL;
	/* SQLite answers NULL for an empty blob: a non-NULL pointer must mean
	 * a non-NULL value on both engines. */
	p = s->c->db->ops->col_blob(s, col, len);
	return p ? p : "";
}

int
db_col_cells(struct db_stmt *s, int first, int n, const unsigned char *text,
    struct db_cell *out)
{
	const struct db_ops *ops = s->c->db->ops;
	int k;

	if (first < 0 || n < 0 || n > ops->col_count(s) - first)
		return ALC_EINVAL;
	if (ops->col_cells != NULL) {
		ops->col_cells(s, first, n, text, out);
		return 0;
	}
	for (k = 0; k < n; k++) {
		out[k] = (struct db_cell){.null = ops->col_is_null(s, first + k)};
		if (out[k].null)
			continue;
		if (text[k])
			out[k].p = db_col_blob(s, first + k, &out[k].n);
		else
			out[k].i = ops->col_i64(s, first + k);
	}
	return 0;
}

int64_t
db_changes(struct db_stmt *s)
{
	return s->c->db->ops->changes(s);
}

void
db_stmt_done(struct db_stmt *s)
{
	if (s == NULL)
		return;
	s->c->db->ops->reset(s);
	s->in_use = 0;
	s->done = 0;
}

int
db_query_i64(struct db_conn *c, const char *sql, int64_t *out)
{
	struct db_stmt *s;
	int rc;

	*out = 0;
	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	rc = db_step(s);
	if (rc == DB_ROW) {
		*out = db_col_i64(s, 0);
		rc = 0;
	} else if (rc == DB_DONE)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	return rc;
}
