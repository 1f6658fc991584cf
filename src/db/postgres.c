/*
 * postgres.c - the PostgreSQL engine behind db.h (see db_impl.h).
 *
 * Connections: PQconnectdb(conninfo), client_encoding UTF8 and
 * synchronous_commit=on (a commit returns only once its WAL is flushed,
 * whatever the server default), and a notice processor that drops notices
 * so "relation already exists, skipping" never reaches stderr.
 *
 * Statements: callers write `?`; db_pg_rewrite turns them into $1..$n,
 * skipping quoted strings, identifiers, dollar-quoted bodies and comments.
 * (PostgreSQL's jsonb `?` operators therefore cannot be written; use
 * jsonb_exists() and friends.)  Each statement is prepared on the server
 * once per connection (PQprepare, named alc_<n>) with parameter types left
 * to the server to infer from context (where there is none, as in
 * `SELECT ? + 1`, write CAST(? AS BIGINT)), then run with PQexecPrepared.  Parameters go as
 * text, except blobs, which go in binary format so any byte survives.
 * Results come back in text format: db_step executes on its first call and
 * then walks the rows of the PGresult; bytea columns arrive hex-escaped
 * and are decoded with PQunescapeBytea into memory owned by the statement
 * until its next step or reset.
 *
 * Errors map SQLSTATE: 23505 (unique) -> ALC_EEXIST; 40001, 40P01, 55P03
 * (serialization failure, deadlock, lock not available) -> ALC_EBUSY.
 * Note that, unlike SQLite, any error inside a transaction aborts it:
 * db_commit then fails and rolls back.
 *
 * A connection whose server went away is noticed by db_acquire (pg_broken
 * reads any pending input, which is where a terminated backend's goodbye
 * lands) and re-opened by db.c.
 */
#include "db/db_impl.h"
#include "base/buf.h"
#include "base/err.h"

#include <libpq-fe.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_OID_BOOL 16
#define PG_OID_BYTEA 17

struct pg_stmt {
	char name[24];
	int nparams;
	char **vals; /* nparams: NULL = SQL NULL */
	int *lens;
	int *fmts;   /* 1 = binary (blobs) */
	PGresult *res;
	int row, nrows;
	int ncols;
	unsigned char **blobs; /* decoded bytea of the current row, per col */
	size_t *bloblens;
};

static PGconn *
h_of(const struct db_conn *c)
{
	return c->h;
}

static struct pg_stmt *
ps_of(const struct db_stmt *s)
{
	return s->h;
}

static void
pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
pg_code(const char *state)
{
	if (state == NULL)
		return ALC_EDB;
	if (strcmp(state, "23505") == 0)
		return ALC_EEXIST;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return ALC_EBUSY;
	return ALC_EDB;
}

/* Records the error of res (or of the connection when res is NULL),
 * clears res and returns the ALC_E* code. */
static int
pg_fail(struct db_conn *c, PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";
	size_t n;
	int rc;

	if (msg[0] == '\0')
		msg = PQerrorMessage(h_of(c));
	db_conn_seterr(c, "%s", msg);
	n = strlen(c->errmsg);
	while (n > 0 && (c->errmsg[n - 1] == '\n' || c->errmsg[n - 1] == ' '))
		c->errmsg[--n] = '\0';
	rc = pg_code(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
	PQclear(res);
	return rc;
}

static int
pg_exec(struct db_conn *c, const char *sql)
{
	PGresult *res = PQexec(h_of(c), sql);

	switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		PQclear(res);
		return 0;
	default:
		return pg_fail(c, res);
	}
}

static int
pg_connect(struct db_conn *c, struct alc_err *err)
{
	PGconn *h = PQconnectdb(c->db->pg_conninfo);
	int rc;

	c->h = h;
	if (h == NULL)
		return alc_err_set(err, ALC_ENOMEM, "postgres: out of memory");
	if (PQstatus(h) != CONNECTION_OK) {
		rc = alc_err_set(err, ALC_EDB, "postgres: cannot connect: %s",
		    PQerrorMessage(h));
		goto fail;
	}
	PQsetNoticeProcessor(h, pg_quiet, NULL);
	if (PQsetClientEncoding(h, "UTF8") != 0 ||
	    pg_exec(c, "SET synchronous_commit = on") != 0) {
		rc = alc_err_set(err, ALC_EDB, "postgres: setting up: %s",
		    PQerrorMessage(h));
		goto fail;
	}
	return 0;
fail:
	PQfinish(h);
	c->h = NULL;
	return rc;
}

static void
pg_disconnect(struct db_conn *c)
{
	PQfinish(h_of(c));
	c->h = NULL;
}

/* libpq sockets are non-blocking underneath, so PQconsumeInput only reads
 * what is already there.  A terminated backend leaves an error message and
 * then EOF: the first read takes the message, a second one meets the EOF
 * (and marks the connection bad).  On a healthy idle connection both reads
 * find nothing and cost two system calls. */
static int
pg_broken(const struct db_conn *c)
{
	PGconn *h = h_of(c);
	int i;

	for (i = 0; i < 2; i++)
		if (PQstatus(h) != CONNECTION_OK || PQconsumeInput(h) == 0)
			return 1;
	return PQstatus(h) != CONNECTION_OK;
}

static int
pg_in_txn(const struct db_conn *c)
{
	PGTransactionStatusType t = PQtransactionStatus(h_of(c));

	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR ||
	    t == PQTRANS_ACTIVE;
}

static int
pg_begin(struct db_conn *c)
{
	return pg_exec(c, "BEGIN");
}

/* COMMIT of an aborted transaction "succeeds" as a ROLLBACK: report it. */
static int
pg_commit(struct db_conn *c)
{
	PGresult *res;

	if (PQtransactionStatus(h_of(c)) == PQTRANS_INERROR) {
		(void)pg_exec(c, "ROLLBACK");
		db_conn_seterr(c, "commit: the transaction was aborted by an "
		    "earlier error and has been rolled back");
		return ALC_EDB;
	}
	res = PQexec(h_of(c), "COMMIT");
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		return pg_fail(c, res);
	if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		PQclear(res);
		db_conn_seterr(c, "commit: the transaction was rolled back");
		return ALC_EDB;
	}
	PQclear(res);
	return 0;
}

/* Index just past the quoted run starting at sql[i] (delimiter q, doubled
 * to escape it; backslash escapes too when bs). */
static size_t
skip_quoted(const char *sql, size_t i, char q, int bs)
{
	for (i++; sql[i]; i++) {
		if (bs && sql[i] == '\\' && sql[i + 1])
			i++;
		else if (sql[i] == q)
			return i + 1;
	}
	return i;
}

/* Length of a dollar-quote tag ($$ or $tag$) at sql[i], or 0. */
static size_t
dollar_tag(const char *sql, size_t i)
{
	size_t j = i + 1;

	if (sql[j] >= '0' && sql[j] <= '9')
		return 0; /* $1 is a parameter, not a tag */
	while (sql[j] == '_' || (sql[j] >= 'a' && sql[j] <= 'z') ||
	    (sql[j] >= 'A' && sql[j] <= 'Z') || (sql[j] >= '0' && sql[j] <= '9'))
		j++;
	return sql[j] == '$' ? j - i + 1 : 0;
}

static int
ident_char(char ch)
{
	return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9');
}

/* Index just past the comment, quoted run or placeholder-free token that
 * starts at sql[i], or i when sql[i] starts none of them. */
static size_t
skip_literal(const char *sql, size_t i)
{
	const char *end;
	size_t tag, start;
	int depth;

	if (sql[i] == '\'')
		return skip_quoted(sql, i, '\'', i > 0 && (sql[i - 1] == 'E' ||
		    sql[i - 1] == 'e') && (i < 2 || !ident_char(sql[i - 2])));
	if (sql[i] == '"')
		return skip_quoted(sql, i, '"', 0);
	if (sql[i] == '-' && sql[i + 1] == '-') {
		end = strchr(sql + i, '\n');
		return end ? (size_t)(end - sql) : i + strlen(sql + i);
	}
	if (sql[i] == '/' && sql[i + 1] == '*') {
		for (depth = 1, i += 2; sql[i] && depth > 0; i++) {
			if (sql[i] == '/' && sql[i + 1] == '*')
				depth++, i++;
			else if (sql[i] == '*' && sql[i + 1] == '/')
				depth--, i++;
		}
		return i;
	}
	if (sql[i] == '$' && (i == 0 || !ident_char(sql[i - 1])) &&
	    (tag = dollar_tag(sql, i)) > 0) {
		start = i;
		for (i += tag; sql[i]; i++)
			if (strncmp(sql + i, sql + start, tag) == 0)
				return i + tag;
		return i;
	}
	return i;
}

char *
db_pg_rewrite(const char *sql, int *nparams)
{
	struct buf b;
	size_t i = 0, j;
	int n = 0;

	buf_init(&b, NULL);
	while (sql[i]) {
		if ((j = skip_literal(sql, i)) > i) {
			buf_append(&b, sql + i, j - i);
			i = j;
		} else if (sql[i] == '?') {
			buf_printf(&b, "$%d", ++n);
			i++;
		} else
			buf_putc(&b, sql[i++]);
	}
	*nparams = n;
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static void
ps_clear_blobs(struct pg_stmt *ps)
{
	int i;

	for (i = 0; ps->blobs != NULL && i < ps->ncols; i++) {
		PQfreemem(ps->blobs[i]);
		ps->blobs[i] = NULL;
	}
}

static void
ps_clear_result(struct pg_stmt *ps)
{
	ps_clear_blobs(ps);
	free(ps->blobs);
	free(ps->bloblens);
	ps->blobs = NULL;
	ps->bloblens = NULL;
	ps->ncols = 0;
	PQclear(ps->res);
	ps->res = NULL;
	ps->row = -1;
	ps->nrows = 0;
}

static void
pg_reset(struct db_stmt *s)
{
	struct pg_stmt *ps = ps_of(s);
	int i;

	ps_clear_result(ps);
	for (i = 0; ps->vals && ps->lens && ps->fmts && i < ps->nparams; i++) {
		free(ps->vals[i]);
		ps->vals[i] = NULL;
		ps->lens[i] = 0;
		ps->fmts[i] = 0;
	}
}

static void
pg_finalize(struct db_stmt *s)
{
	struct pg_stmt *ps = ps_of(s);

	/* Only called when the connection closes, which deallocates the
	 * server side; nothing to send. */
	if (ps == NULL)
		return;
	pg_reset(s);
	free(ps->vals);
	free(ps->lens);
	free(ps->fmts);
	free(ps);
	s->h = NULL;
}

static int
pg_prepare(struct db_stmt *s)
{
	struct db_conn *c = s->c;
	struct pg_stmt *ps;
	PGresult *res;
	char *sql;
	int n, rc = ALC_ENOMEM;

	if ((sql = db_pg_rewrite(s->sql, &n)) == NULL ||
	    (ps = calloc(1, sizeof(*ps))) == NULL) {
		free(sql);
		db_conn_seterr(c, "db_prepare: out of memory");
		return rc;
	}
	s->h = ps;
	ps->row = -1;
	ps->nparams = n;
	if (n > 0 && ((ps->vals = calloc((size_t)n, sizeof(*ps->vals))) == NULL ||
	    (ps->lens = calloc((size_t)n, sizeof(*ps->lens))) == NULL ||
	    (ps->fmts = calloc((size_t)n, sizeof(*ps->fmts))) == NULL)) {
		db_conn_seterr(c, "db_prepare: out of memory");
		goto out;
	}
	snprintf(ps->name, sizeof(ps->name), "alc_%u", ++c->stmt_seq);
	res = PQprepare(h_of(c), ps->name, sql, 0, NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(c, res);
		goto out;
	}
	PQclear(res);
	rc = 0;
out:
	free(sql);
	if (rc != 0)
		pg_finalize(s);
	return rc;
}

static int
pg_bind(struct db_stmt *s, int idx, const struct db_val *v)
{
	struct pg_stmt *ps = ps_of(s);
	char *p = NULL;
	int k = idx - 1;

	if (idx > ps->nparams) {
		db_conn_seterr(s->c, "bind: no parameter %d", idx);
		return ALC_EINVAL;
	}
	if (v->n > INT_MAX - 1) {
		db_conn_seterr(s->c, "bind: parameter %d too large", idx);
		return ALC_ETOOBIG;
	}
	if (v->type == DB_VAL_I64 && (p = malloc(24)) != NULL)
		snprintf(p, 24, "%" PRId64, v->i);
	else if ((v->type == DB_VAL_TEXT || v->type == DB_VAL_BLOB) &&
	    (p = malloc(v->n + 1)) != NULL) {
		if (v->n)
			memcpy(p, v->p, v->n);
		p[v->n] = '\0';
	}
	if (p == NULL && v->type != DB_VAL_NULL) {
		db_conn_seterr(s->c, "bind: out of memory");
		return ALC_ENOMEM;
	}
	free(ps->vals[k]);
	ps->vals[k] = p;
	ps->lens[k] = v->type == DB_VAL_BLOB ? (int)v->n : 0;
	ps->fmts[k] = v->type == DB_VAL_BLOB;
	return 0;
}

static int
pg_execute(struct db_stmt *s)
{
	struct pg_stmt *ps = ps_of(s);
	PGresult *res;

	res = PQexecPrepared(h_of(s->c), ps->name, ps->nparams,
	    (const char *const *)ps->vals, ps->lens, ps->fmts, 0);
	switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
	case PGRES_TUPLES_OK:
		ps->nrows = PQntuples(res);
		ps->ncols = PQnfields(res);
		break;
	case PGRES_COMMAND_OK:
		break;
	default:
		return pg_fail(s->c, res);
	}
	ps->res = res;
	if (ps->ncols > 0 &&
	    ((ps->blobs = calloc((size_t)ps->ncols, sizeof(*ps->blobs))) == NULL ||
	    (ps->bloblens = calloc((size_t)ps->ncols, sizeof(size_t))) == NULL)) {
		ps_clear_result(ps);
		db_conn_seterr(s->c, "step: out of memory");
		return ALC_ENOMEM;
	}
	return 0;
}

static int
pg_step(struct db_stmt *s)
{
	struct pg_stmt *ps = ps_of(s);
	int rc;

	if (ps->res == NULL && (rc = pg_execute(s)) != 0)
		return rc;
	ps_clear_blobs(ps);
	if (ps->row < ps->nrows)
		ps->row++;
	return ps->row < ps->nrows ? DB_ROW : DB_DONE;
}

/* Columns exist only while the statement is on a row (as in SQLite). */
static int
pg_col_count(struct db_stmt *s)
{
	struct pg_stmt *ps = ps_of(s);

	return ps->res && ps->row >= 0 && ps->row < ps->nrows ? ps->ncols : 0;
}

static int
pg_col_is_null(struct db_stmt *s, int col)
{
	struct pg_stmt *ps = ps_of(s);

	return PQgetisnull(ps->res, ps->row, col);
}

static int64_t
pg_col_i64(struct db_stmt *s, int col)
{
	struct pg_stmt *ps = ps_of(s);
	const char *v = PQgetvalue(ps->res, ps->row, col);

	if (PQftype(ps->res, col) == PG_OID_BOOL)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static const char *
pg_col_text(struct db_stmt *s, int col)
{
	struct pg_stmt *ps = ps_of(s);

	if (PQgetisnull(ps->res, ps->row, col))
		return NULL;
	return PQgetvalue(ps->res, ps->row, col);
}

static const void *
pg_col_blob(struct db_stmt *s, int col, size_t *len)
{
	struct pg_stmt *ps = ps_of(s);
	const char *v = PQgetvalue(ps->res, ps->row, col);

	if (PQftype(ps->res, col) != PG_OID_BYTEA) {
		*len = (size_t)PQgetlength(ps->res, ps->row, col);
		return v;
	}
	if (ps->blobs[col] == NULL) {
		ps->blobs[col] = PQunescapeBytea((const unsigned char *)v,
		    &ps->bloblens[col]);
		if (ps->blobs[col] == NULL)
			return NULL;
	}
	*len = ps->bloblens[col];
	return ps->blobs[col];
}

/* PQcmdTuples also counts the rows a SELECT returned: only count writes. */
static int64_t
pg_changes(struct db_stmt *s)
{
	static const char *const writes[] = {"INSERT ", "UPDATE ", "DELETE ",
	    "MERGE "};
	struct pg_stmt *ps = ps_of(s);
	const char *tag;
	size_t i;

	if (ps->res == NULL)
		return 0;
	tag = PQcmdStatus(ps->res);
	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if (strncmp(tag, writes[i], strlen(writes[i])) == 0)
			return strtoll(PQcmdTuples(ps->res), NULL, 10);
	return 0;
}

const struct db_ops db_postgres_ops = {
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.broken = pg_broken,
	.in_txn = pg_in_txn,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.bind = pg_bind,
	.step = pg_step,
	.col_count = pg_col_count,
	.col_is_null = pg_col_is_null,
	.col_i64 = pg_col_i64,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.changes = pg_changes,
};
