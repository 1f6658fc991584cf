/*
 * db_impl.h - private to src/db/: the structures behind db.h and the small
 * vtable through which db.c reaches an engine (sqlite.c, postgres.c).
 *
 * db.c owns everything that does not depend on the engine: the pool, the
 * per-connection statement cache, transaction bookkeeping, argument checks
 * and error text.  An engine only translates single operations.  Nothing
 * outside src/db/ (and the db unit test) may include this header.
 */
#ifndef ALC_DB_IMPL_H
#define ALC_DB_IMPL_H

#include "db/db.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct alc_err;
struct buf;

#define DB_CACHE_BUCKETS 64
#define DB_ERRMSG_MAX 512

struct db_conn {
	struct db *db;
	void *h;                   /* sqlite3 * or PGconn * */
	struct db_conn *next_idle; /* pool free list */
	struct db_stmt *cache[DB_CACHE_BUCKETS];
	unsigned stmt_seq;         /* PostgreSQL: names of prepared statements */
	char errmsg[DB_ERRMSG_MAX];
};

struct db_stmt {
	struct db_conn *c;
	struct db_stmt *next; /* cache chain */
	char *sql;            /* cache key: the caller's SQL text */
	uint32_t hash;
	int in_use;           /* handed out by db_prepare, not yet done */
	int done;             /* last db_step returned DB_DONE or failed */
	void *h;              /* sqlite3_stmt * or struct pg_stmt * */
};

enum db_val_type { DB_VAL_NULL, DB_VAL_I64, DB_VAL_TEXT, DB_VAL_BLOB };

struct db_val {
	enum db_val_type type;
	int64_t i;
	const void *p; /* TEXT: n bytes, no NUL inside; BLOB: n bytes */
	size_t n;
};

/*
 * One engine.  Every function returning int returns 0 (or DB_ROW/DB_DONE)
 * or a negative ALC_E* code, and on failure has written the engine's
 * message to c->errmsg.  Statement functions are only called on a
 * statement that prepare() succeeded for.
 */
struct db_ops {
	int (*connect)(struct db_conn *c, struct alc_err *err);
	void (*disconnect)(struct db_conn *c); /* statements already freed */
	int (*broken)(const struct db_conn *c); /* needs reconnecting */
	int (*in_txn)(const struct db_conn *c);
	int (*exec)(struct db_conn *c, const char *sql);
	int (*begin)(struct db_conn *c);
	int (*commit)(struct db_conn *c);
	int (*prepare)(struct db_stmt *s);
	void (*finalize)(struct db_stmt *s);
	void (*reset)(struct db_stmt *s); /* also clears bindings */
	int (*bind)(struct db_stmt *s, int idx, const struct db_val *v);
	int (*step)(struct db_stmt *s);
	int (*col_count)(struct db_stmt *s);
	int (*col_is_null)(struct db_stmt *s, int col);
	int64_t (*col_i64)(struct db_stmt *s, int col);
	const char *(*col_text)(struct db_stmt *s, int col);
	const void *(*col_blob)(struct db_stmt *s, int col, size_t *len);
	/* Optional (NULL: db.c loops over the single getters); the range is
	 * already checked. */
	void (*col_cells)(struct db_stmt *s, int first, int n,
	    const unsigned char *text, struct db_cell *out);
	int64_t (*changes)(struct db_stmt *s);
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_postgres_ops;

struct db {
	enum db_engine engine;
	const struct db_ops *ops;
	char *sqlite_path;
	char *pg_conninfo;
	int pool_size;
	int busy_timeout_ms;

	pthread_mutex_t mu;
	pthread_cond_t cv;         /* signalled when a connection is released */
	struct db_conn *idle;      /* LIFO: the warmest connection first */
	int nopen;                 /* connections that exist (idle or held) */
	int nidle;
};

/* Copies a message into c->errmsg (printf-style). */
void db_conn_seterr(struct db_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* PostgreSQL: rewrites `?` placeholders to $1..$n, leaving '...' strings,
 * "..." identifiers, -- line comments and block comments alone.  Returns
 * a malloc'd string (caller frees) or NULL when out of memory; *nparams
 * receives n. */
char *db_pg_rewrite(const char *sql, int *nparams);

/* Migration dialect (migrate.c): renders migration `name` (used in error
 * messages) for engine e into out: @ID@ and @BLOB@ replaced, lines of the
 * other engine's `-- @if` blocks and the directive lines themselves turned
 * into empty lines (so line numbers stay meaningful).  Returns 0, or
 * ALC_EINVAL with err naming the file and line for an unknown @TOKEN@,
 * directive or unbalanced block, or ALC_ENOMEM. */
int db_migration_render(enum db_engine e, const char *name, const char *src,
    struct buf *out, struct alc_err *err);
/* 0 when a migration file name is valid (NNNN_name.sql), *version set. */
int db_migration_version(const char *name, int *version);

#endif
