/*
 * queue.c - the SQL of the job queue: enqueue, claim, finish, stats.
 *
 * The queue is the `jobs` table and nothing else: no in-memory state, so a
 * job survives any crash, and several processes sharing one PostgreSQL
 * database share one queue.
 *
 * Claiming is one UPDATE of the oldest due row that returns the row:
 *   due = (status 'queued' and run_at <= now)
 *      or (status 'running' and locked_until < now)   -- worker died
 * On PostgreSQL the row is chosen with FOR UPDATE SKIP LOCKED, so
 * concurrent workers in any number of processes each take a different
 * row without waiting for each other.  SQLite has one writer at a time:
 * the same UPDATE inside BEGIN IMMEDIATE is atomic by construction.
 * A reclaimed row that already used its last attempt is not run again:
 * the same UPDATE moves it to 'dead' (the CASE expressions below).
 *
 * Finishing is guarded by (locked_by, attempts, status = 'running'): a
 * worker that overran its lease and lost the row to a newer claim
 * changes nothing.  Without the attempts term a worker that reclaimed its
 * own expired job would be indistinguishable from its older self.
 */
#include <string.h>
#include <sys/random.h>
#include <errno.h>

#include <jansson.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "jobs/jobs_impl.h"

#define PAYLOAD_MAX (64 * 1024)
#define BACKOFF_BASE_MS 10000
#define BACKOFF_CAP_MS (3600 * 1000)
#define LEASE_LOST_MSG \
	"lease expired before the job finished (worker stopped or overran)"

static const char SQL_ENQUEUE[] =
	"INSERT INTO jobs (practice_id, kind, payload, idempotency_key,"
	" status, run_at, max_attempts, created_at, updated_at)"
	" VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)"
	" ON CONFLICT (idempotency_key) DO NOTHING RETURNING id";

static const char SQL_BY_KEY[] =
	"SELECT id FROM jobs WHERE idempotency_key = ?";

/* "final" = a reclaimed row whose last attempt already ran. */
#define FINAL "status = 'running' AND attempts >= max_attempts"
#define CLAIM_HEAD \
	"UPDATE jobs SET" \
	" status = CASE WHEN " FINAL " THEN 'dead' ELSE 'running' END," \
	" last_error = CASE WHEN status = 'running' THEN ?" \
	" ELSE last_error END," \
	" finished_at = CASE WHEN " FINAL " THEN CAST(? AS BIGINT)" \
	" ELSE NULL END," \
	" locked_by = CASE WHEN " FINAL " THEN NULL ELSE ? END," \
	" locked_until = CASE WHEN " FINAL " THEN NULL" \
	" ELSE CAST(? AS BIGINT) END," \
	" attempts = CASE WHEN " FINAL " THEN attempts ELSE attempts + 1 END," \
	" updated_at = ?" \
	" WHERE id = (SELECT id FROM jobs" \
	" WHERE (status = 'queued' AND run_at <= ?)" \
	" OR (status = 'running' AND locked_until < ?)" \
	" ORDER BY run_at, id LIMIT 1"
#define CLAIM_TAIL \
	") RETURNING id, practice_id, kind, payload, attempts, max_attempts," \
	" status"

static const char SQL_CLAIM_SQLITE[] = CLAIM_HEAD CLAIM_TAIL;
static const char SQL_CLAIM_PG[] = CLAIM_HEAD " FOR UPDATE SKIP LOCKED"
	CLAIM_TAIL;

#define GUARD " WHERE id = ? AND status = 'running' AND locked_by = ?" \
	" AND attempts = ?"
/* All three take (time, error, now, guard...); done keeps the error of
 * earlier attempts unless given one (it is always given NULL). */
static const char SQL_DONE[] =
	"UPDATE jobs SET status = 'done', finished_at = ?,"
	" last_error = COALESCE(?, last_error),"
	" updated_at = ?, locked_by = NULL, locked_until = NULL" GUARD;
static const char SQL_RETRY[] =
	"UPDATE jobs SET status = 'queued', run_at = ?, last_error = ?,"
	" updated_at = ?, locked_by = NULL, locked_until = NULL" GUARD;
static const char SQL_DEAD[] =
	"UPDATE jobs SET status = 'dead', finished_at = ?, last_error = ?,"
	" updated_at = ?, locked_by = NULL, locked_until = NULL" GUARD;

static const char SQL_STATS[] =
	"SELECT status, COUNT(*) FROM jobs"
	" WHERE status IN ('queued', 'running', 'dead') GROUP BY status";

int
jobs_kind_valid(const char *kind)
{
	size_t n;

	if (kind == NULL || kind[0] == '\0')
		return 0;
	for (n = 0; kind[n] != '\0'; n++) {
		char ch = kind[n];

		if (n >= JOBS_KIND_MAX)
			return 0;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

/* ALC_EINVAL unless text is one JSON value (jansson, any type). */
static int
check_payload(const char *payload)
{
	json_error_t jerr;
	json_t *v;

	if (strlen(payload) > PAYLOAD_MAX)
		return ALC_ETOOBIG;
	v = json_loads(payload, JSON_DECODE_ANY, &jerr);
	if (v == NULL)
		return ALC_EINVAL;
	json_decref(v);
	return 0;
}

/* The id of the job holding key, for an enqueue that hit the key. */
static int
find_by_key(struct db_conn *c, const char *key, int64_t *id)
{
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = db_prepare(c, &s, SQL_BY_KEY)) < 0)
		return rc;
	if ((rc = db_bind_text(s, 1, key)) < 0)
		goto out;
	rc = db_step(s);
	if (rc == DB_ROW) {
		*id = db_col_i64(s, 0);
		rc = 0;
	} else if (rc == DB_DONE) {
		/* The conflicting row vanished between the two statements:
		 * only possible if someone deletes jobs; let the caller retry. */
		rc = ALC_ECONFLICT;
	}
out:
	db_stmt_done(s);
	return rc;
}

int
jobs_enqueue(struct db_conn *c, const struct job_spec *spec, int64_t *id_out)
{
	struct db_stmt *s = NULL;
	const char *payload;
	int64_t now, id = 0;
	int rc, inserted = 0;

	if (c == NULL || spec == NULL || !jobs_kind_valid(spec->kind) ||
	    spec->max_attempts < 0 || spec->run_at < 0 ||
	    spec->practice_id < 0)
		return ALC_EINVAL;
	payload = spec->payload ? spec->payload : "{}";
	if ((rc = check_payload(payload)) < 0)
		return rc;
	now = time_now_ms();
	if ((rc = db_prepare(c, &s, SQL_ENQUEUE)) < 0)
		return rc;
	if (spec->practice_id > 0)
		rc = db_bind_i64(s, 1, spec->practice_id);
	else
		rc = db_bind_null(s, 1);
	if (rc < 0 ||
	    (rc = db_bind_text(s, 2, spec->kind)) < 0 ||
	    (rc = db_bind_text(s, 3, payload)) < 0 ||
	    (rc = db_bind_text(s, 4, spec->idempotency_key)) < 0 ||
	    (rc = db_bind_i64(s, 5, spec->run_at ? spec->run_at : now)) < 0 ||
	    (rc = db_bind_i64(s, 6, spec->max_attempts ? spec->max_attempts :
	    JOBS_DEFAULT_MAX_ATTEMPTS)) < 0 ||
	    (rc = db_bind_i64(s, 7, now)) < 0 ||
	    (rc = db_bind_i64(s, 8, now)) < 0)
		goto out;
	rc = db_step(s);
	if (rc == DB_ROW) {
		id = db_col_i64(s, 0);
		inserted = 1;
		rc = 0;
	}
	db_stmt_done(s);
	s = NULL;
	if (!inserted && rc == DB_DONE) {
		/* ON CONFLICT did nothing: the key exists. */
		rc = spec->idempotency_key ?
		    find_by_key(c, spec->idempotency_key, &id) : ALC_EDB;
	}
	if (rc < 0)
		goto out;
	if (id_out)
		*id_out = id;
	if (inserted && !db_in_txn(c))
		jobs_wake();
out:
	if (s)
		db_stmt_done(s);
	return rc;
}

/* Binds the claim's parameters in the order they appear in CLAIM_HEAD. */
static int
bind_claim(struct db_stmt *s, const char *worker, int64_t now,
    int64_t lease_ms)
{
	int rc;

	if ((rc = db_bind_text(s, 1, LEASE_LOST_MSG)) < 0 ||
	    (rc = db_bind_i64(s, 2, now)) < 0 ||
	    (rc = db_bind_text(s, 3, worker)) < 0 ||
	    (rc = db_bind_i64(s, 4, now + lease_ms)) < 0 ||
	    (rc = db_bind_i64(s, 5, now)) < 0 ||
	    (rc = db_bind_i64(s, 6, now)) < 0 ||
	    (rc = db_bind_i64(s, 7, now)) < 0)
		return rc;
	return 0;
}

/* The UPDATE ... RETURNING itself, copying the row into a's memory. */
static int
claim_stmt(struct db_conn *c, const char *worker, int64_t now,
    int64_t lease_ms, struct arena *a, struct job_claim *out, int *found)
{
	struct db_stmt *s = NULL;
	const char *sql;
	int rc;

	sql = db_conn_engine(c) == DB_POSTGRES ? SQL_CLAIM_PG : SQL_CLAIM_SQLITE;
	if ((rc = db_prepare(c, &s, sql)) < 0)
		return rc;
	if ((rc = bind_claim(s, worker, now, lease_ms)) < 0)
		goto out;
	rc = db_step(s);
	if (rc == DB_ROW) {
		memset(out, 0, sizeof(*out));
		out->id = db_col_i64(s, 0);
		out->practice_id = db_col_i64(s, 1);
		out->kind = arena_strdup(a, db_col_text(s, 2));
		out->payload = arena_strdup(a, db_col_text(s, 3));
		out->attempts = (int)db_col_i64(s, 4);
		out->max_attempts = (int)db_col_i64(s, 5);
		out->retired = strcmp(db_col_text(s, 6), "dead") == 0;
		*found = 1;
		rc = (out->kind && out->payload) ? 0 : ALC_ENOMEM;
	}
out:
	/* Done before any COMMIT: SQLite refuses to commit while a writing
	 * statement is still active. */
	db_stmt_done(s);
	return rc;
}

int
jobs_q_claim(struct db_conn *c, const char *worker, int64_t now,
    int64_t lease_ms, struct arena *a, struct job_claim *out, int *found)
{
	int rc, txn = db_conn_engine(c) == DB_SQLITE;

	*found = 0;
	if (txn && (rc = db_begin(c)) < 0)
		return rc;
	rc = claim_stmt(c, worker, now, lease_ms, a, out, found);
	if (txn) {
		if (rc < 0)
			db_rollback(c);
		else
			rc = db_commit(c);
	}
	if (rc < 0)
		*found = 0;
	return rc;
}

int
jobs_q_finish(struct db_conn *c, const struct job_claim *j,
    const char *worker, int64_t now, int hrc, const char *error, int *lost)
{
	struct db_stmt *s = NULL;
	const char *sql;
	int64_t t = now;
	int rc, dead = j->attempts >= j->max_attempts;

	*lost = 0;
	if (hrc == 0)
		sql = SQL_DONE;
	else
		sql = dead ? SQL_DEAD : SQL_RETRY;
	if (hrc != 0 && !dead)
		t = now + jobs_backoff_ms(j->attempts);
	if ((rc = db_prepare(c, &s, sql)) < 0)
		return rc;
	if ((rc = db_bind_i64(s, 1, t)) < 0 ||
	    (rc = db_bind_text(s, 2, hrc == 0 ? NULL : error)) < 0 ||
	    (rc = db_bind_i64(s, 3, now)) < 0 ||
	    (rc = db_bind_i64(s, 4, j->id)) < 0 ||
	    (rc = db_bind_text(s, 5, worker)) < 0 ||
	    (rc = db_bind_i64(s, 6, j->attempts)) < 0)
		goto out;
	rc = db_step(s);
	if (rc == DB_DONE) {
		*lost = db_changes(s) == 0;
		rc = 0;
	} else if (rc == DB_ROW) {
		rc = ALC_EDB; /* an UPDATE without RETURNING gives no rows */
	}
out:
	db_stmt_done(s);
	return rc;
}

int
jobs_stats(struct db *db, int64_t *queued, int64_t *running, int64_t *dead)
{
	struct alc_err err;
	struct db_conn *c;
	struct db_stmt *s = NULL;
	int64_t q = 0, r = 0, d = 0;
	int rc;

	if ((c = db_acquire(db, 5000, &err)) == NULL)
		return err.code < 0 ? err.code : ALC_EBUSY;
	if ((rc = db_prepare(c, &s, SQL_STATS)) < 0)
		goto out;
	while ((rc = db_step(s)) == DB_ROW) {
		const char *st = db_col_text(s, 0);
		int64_t n = db_col_i64(s, 1);

		if (strcmp(st, "queued") == 0)
			q = n;
		else if (strcmp(st, "running") == 0)
			r = n;
		else
			d = n;
	}
	if (rc < 0)
		goto out;
	if (queued)
		*queued = q;
	if (running)
		*running = r;
	if (dead)
		*dead = d;
out:
	if (s)
		db_stmt_done(s);
	db_release(c);
	return rc;
}

/* Uniform in [0, n), n > 0, from getrandom(2).  Rejection sampling keeps
 * it unbiased.  Returns 0 if the kernel source fails, which only loses
 * jitter, never correctness. */
static uint64_t
random_below(uint64_t n)
{
	uint64_t v, limit = UINT64_MAX - UINT64_MAX % n;

	do {
		ssize_t got;

		do
			got = getrandom(&v, sizeof(v), 0);
		while (got < 0 && errno == EINTR);
		if (got != (ssize_t)sizeof(v))
			return 0;
	} while (v >= limit);
	return v % n;
}

int64_t
jobs_backoff_ms(int attempt)
{
	int64_t d = BACKOFF_BASE_MS, span;
	int i;

	for (i = 1; i < attempt && d < BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > BACKOFF_CAP_MS)
		d = BACKOFF_CAP_MS;
	span = d / 5; /* 20% */
	return d - span + (int64_t)random_below((uint64_t)(2 * span + 1));
}
