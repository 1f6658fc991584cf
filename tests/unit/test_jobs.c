/*
 * test_jobs.c - the durable job queue, on the engine testlib selects.
 *
 * Time is injected: each queue reads a test clock that the tests move
 * forward, so back-off and lease expiry are checked without sleeping.
 * Crashed workers are simulated by writing a 'running' row with an
 * expired lease directly, the state a killed process leaves behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "testlib.h"

#define LEASE_MS 60000
#define NJOBS 200

/* Real time plus what the tests added: never behind the real clock that
 * jobs_enqueue uses for run_at = now, however slowly a test runs. */
static _Atomic int64_t skew;

static int64_t
test_clock(void *arg)
{
	(void)arg;
	return time_now_ms() + atomic_load(&skew);
}

static int64_t
now_ms(void)
{
	return test_clock(NULL);
}

static void
advance(int64_t ms)
{
	atomic_fetch_add(&skew, ms);
}

struct fx {
	struct db *db;
	struct db_conn *c;   /* the test's own connection */
	struct jobs *q;
};

static int
setup(void **state)
{
	static struct fx fx;
	struct jobs_config cfg = { .threads = 1, .poll_ms = 20,
	    .lease_ms = LEASE_MS, .clock = test_clock };

	memset(&fx, 0, sizeof(fx));
	atomic_store(&skew, 0);
	if (test_db_open(&fx.db) != 0)
		return -1;
	fx.c = db_acquire(fx.db, 5000, NULL);
	fx.q = jobs_new(fx.db, &cfg);
	if (fx.c == NULL || fx.q == NULL)
		return -1;
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	jobs_free(fx->q);
	db_release(fx->c);
	test_db_close(fx->db);
	return 0;
}

/* One row of jobs, as the tests look at it. */
struct jrow {
	char status[16];
	int attempts, max_attempts;
	int64_t run_at, practice_id;
	int finished; /* finished_at is set */
	int locked;   /* locked_by is set */
	char last_error[600];
	char payload[256];
};

static void
get_job(struct db_conn *c, int64_t id, struct jrow *r)
{
	struct db_stmt *s;
	const char *t;

	assert_int_equal(db_prepare(c, &s, "SELECT status, attempts,"
	    " max_attempts, run_at, practice_id, finished_at, locked_by,"
	    " last_error, payload FROM jobs WHERE id = ?"), 0);
	assert_int_equal(db_bind_i64(s, 1, id), 0);
	assert_int_equal(db_step(s), DB_ROW);
	memset(r, 0, sizeof(*r));
	snprintf(r->status, sizeof(r->status), "%s", db_col_text(s, 0));
	r->attempts = (int)db_col_i64(s, 1);
	r->max_attempts = (int)db_col_i64(s, 2);
	r->run_at = db_col_i64(s, 3);
	r->practice_id = db_col_i64(s, 4);
	r->finished = !db_col_is_null(s, 5);
	r->locked = !db_col_is_null(s, 6);
	t = db_col_text(s, 7);
	snprintf(r->last_error, sizeof(r->last_error), "%s", t ? t : "");
	snprintf(r->payload, sizeof(r->payload), "%s", db_col_text(s, 8));
	db_stmt_done(s);
}

static int64_t
count_jobs(struct db_conn *c, const char *sql)
{
	int64_t n = -1;

	assert_int_equal(db_query_i64(c, sql, &n), 0);
	return n;
}

static int64_t
enqueue(struct db_conn *c, const char *kind, const char *payload,
    int max_attempts)
{
	struct job_spec sp = { .kind = kind, .payload = payload,
	    .max_attempts = max_attempts };
	int64_t id = 0;

	assert_int_equal(jobs_enqueue(c, &sp, &id), 0);
	assert_true(id > 0);
	return id;
}

/* The state a worker that died mid-run leaves: running, leased by a
 * process that no longer exists, lease ending at `until`. */
static void
simulate_crashed_claim(struct db_conn *c, int64_t id, int attempts,
    int64_t until)
{
	struct db_stmt *s;

	assert_int_equal(db_prepare(c, &s, "UPDATE jobs SET status ="
	    " 'running', attempts = ?, locked_by = 'gone:1:1', locked_until = ?"
	    " WHERE id = ?"), 0);
	assert_int_equal(db_bind_i64(s, 1, attempts), 0);
	assert_int_equal(db_bind_i64(s, 2, until), 0);
	assert_int_equal(db_bind_i64(s, 3, id), 0);
	assert_int_equal(db_step(s), DB_DONE);
	assert_int_equal(db_changes(s), 1);
	db_stmt_done(s);
}

static int
run_once(struct jobs *q)
{
	int ran = -1;

	assert_int_equal(jobs_run_once(q, &ran), 0);
	return ran;
}

/* --- handlers ------------------------------------------------------- */

struct seen {
	int calls;
	int64_t id, practice_id;
	int attempt, max_attempts;
	char kind[64], payload[256];
	int had_db, had_arena;
};

static int
h_record(struct job_ctx *ctx)
{
	struct seen *sn = ctx->arg;
	char *scratch = arena_strdup(ctx->arena, ctx->payload);

	sn->calls++;
	sn->id = ctx->id;
	sn->practice_id = ctx->practice_id;
	sn->attempt = ctx->attempt;
	sn->max_attempts = ctx->max_attempts;
	snprintf(sn->kind, sizeof(sn->kind), "%s", ctx->kind);
	snprintf(sn->payload, sizeof(sn->payload), "%s", scratch);
	sn->had_db = ctx->db != NULL && ctx->conn != NULL;
	sn->had_arena = scratch != NULL;
	return 0;
}

static int
h_fail(struct job_ctx *ctx)
{
	int *calls = ctx->arg;

	(*calls)++;
	return jobs_fail(ctx, "smtp refused, attempt %d", ctx->attempt);
}

static int
h_fail_silently(struct job_ctx *ctx)
{
	return ALC_EBUSY;
}

static int
h_leave_txn(struct job_ctx *ctx)
{
	assert_int_equal(db_begin(ctx->conn), 0);
	return 0;
}

/* --- tests ------------------------------------------------------------ */

static void
test_enqueued_job_runs_handler_with_payload(void **state)
{
	struct fx *fx = *state;
	struct seen sn = { 0 };
	struct job_spec sp = { .kind = "test.record",
	    .payload = "{\"appointment\": 42}" };
	struct jrow r;
	int64_t id = 0, pid = 0;
	struct db_stmt *s;

	assert_int_equal(db_prepare(fx->c, &s, "INSERT INTO practices (name,"
	    " slug, created_at) VALUES ('P', 'p', 1) RETURNING id"), 0);
	assert_int_equal(db_step(s), DB_ROW);
	pid = db_col_i64(s, 0);
	db_stmt_done(s);
	sp.practice_id = pid;
	assert_int_equal(jobs_register(fx->q, "test.record", h_record, &sn), 0);
	assert_int_equal(jobs_enqueue(fx->c, &sp, &id), 0);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "queued");
	assert_int_equal(r.max_attempts, JOBS_DEFAULT_MAX_ATTEMPTS);

	assert_int_equal(run_once(fx->q), 1);
	assert_int_equal(sn.calls, 1);
	assert_int_equal(sn.id, id);
	assert_int_equal(sn.practice_id, pid);
	assert_int_equal(sn.attempt, 1);
	assert_string_equal(sn.kind, "test.record");
	assert_string_equal(sn.payload, "{\"appointment\": 42}");
	assert_true(sn.had_db && sn.had_arena);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "done");
	assert_int_equal(r.attempts, 1);
	assert_true(r.finished);
	assert_false(r.locked);
	/* Nothing else is due. */
	assert_int_equal(run_once(fx->q), 0);
	assert_int_equal(sn.calls, 1);
}

static void
test_job_waits_for_its_run_at(void **state)
{
	struct fx *fx = *state;
	struct seen sn = { 0 };
	struct job_spec sp = { .kind = "test.record",
	    .run_at = now_ms() + 3600000 };
	struct jrow r;
	int64_t id;

	assert_int_equal(jobs_register(fx->q, "test.record", h_record, &sn), 0);
	assert_int_equal(jobs_enqueue(fx->c, &sp, &id), 0);
	assert_int_equal(run_once(fx->q), 0);
	advance(3590000);
	assert_int_equal(run_once(fx->q), 0);
	advance(10000);
	assert_int_equal(run_once(fx->q), 1);
	assert_int_equal(sn.calls, 1);
	assert_string_equal(sn.payload, "{}"); /* NULL payload: "{}" */
	assert_int_equal(sn.practice_id, 0);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "done");
}

static void
test_enqueue_rejects_bad_input(void **state)
{
	struct fx *fx = *state;
	static const char *bad_kinds[] = { NULL, "", "Email", "has space",
	    "x;drop", "k\xc3\xa9" };
	char longkind[JOBS_KIND_MAX + 2];
	struct job_spec sp = { .kind = "ok.kind" };
	size_t i;

	for (i = 0; i < sizeof(bad_kinds) / sizeof(bad_kinds[0]); i++) {
		sp.kind = bad_kinds[i];
		assert_int_equal(jobs_enqueue(fx->c, &sp, NULL), ALC_EINVAL);
	}
	memset(longkind, 'a', sizeof(longkind) - 1);
	longkind[sizeof(longkind) - 1] = '\0';
	sp.kind = longkind;
	assert_int_equal(jobs_enqueue(fx->c, &sp, NULL), ALC_EINVAL);
	longkind[JOBS_KIND_MAX] = '\0'; /* exactly the limit is fine */
	assert_int_equal(jobs_enqueue(fx->c, &sp, NULL), 0);
	sp.kind = "ok.kind";
	sp.payload = "{\"unterminated\": ";
	assert_int_equal(jobs_enqueue(fx->c, &sp, NULL), ALC_EINVAL);
	sp.payload = "{}";
	sp.max_attempts = -1;
	assert_int_equal(jobs_enqueue(fx->c, &sp, NULL), ALC_EINVAL);
	assert_int_equal(jobs_enqueue(NULL, &sp, NULL), ALC_EINVAL);
	assert_int_equal(count_jobs(fx->c, "SELECT COUNT(*) FROM jobs"), 1);
}

static void
test_idempotency_key_dedupes(void **state)
{
	struct fx *fx = *state;
	struct seen sn = { 0 };
	struct job_spec sp = { .kind = "test.record",
	    .idempotency_key = "reminder:appt:42:24h", .payload = "{\"a\":1}" };
	int64_t id1 = 0, id2 = 0, id3 = 0;

	assert_int_equal(jobs_register(fx->q, "test.record", h_record, &sn), 0);
	assert_int_equal(jobs_enqueue(fx->c, &sp, &id1), 0);
	sp.payload = "{\"a\":2}";
	assert_int_equal(jobs_enqueue(fx->c, &sp, &id2), 0);
	assert_int_equal(id1, id2);
	assert_int_equal(count_jobs(fx->c, "SELECT COUNT(*) FROM jobs"), 1);
	assert_int_equal(run_once(fx->q), 1);
	/* Still deduplicated after the job ran. */
	assert_int_equal(jobs_enqueue(fx->c, &sp, &id3), 0);
	assert_int_equal(id3, id1);
	assert_int_equal(run_once(fx->q), 0);
	assert_int_equal(sn.calls, 1);
	assert_string_equal(sn.payload, "{\"a\":1}");
	/* Inside a transaction too (PostgreSQL: no aborted transaction). */
	assert_int_equal(db_begin(fx->c), 0);
	assert_int_equal(jobs_enqueue(fx->c, &sp, &id3), 0);
	assert_int_equal(id3, id1);
	assert_int_equal(db_commit(fx->c), 0);
	sp.idempotency_key = "reminder:appt:42:1h";
	assert_int_equal(jobs_enqueue(fx->c, &sp, &id3), 0);
	assert_true(id3 != id1);
}

static void
test_enqueue_is_part_of_callers_transaction(void **state)
{
	struct fx *fx = *state;
	struct job_spec sp = { .kind = "test.record" };

	assert_int_equal(db_begin(fx->c), 0);
	assert_int_equal(jobs_enqueue(fx->c, &sp, NULL), 0);
	assert_int_equal(db_rollback(fx->c), 0);
	assert_int_equal(count_jobs(fx->c, "SELECT COUNT(*) FROM jobs"), 0);
	assert_int_equal(db_begin(fx->c), 0);
	assert_int_equal(jobs_enqueue(fx->c, &sp, NULL), 0);
	assert_int_equal(db_commit(fx->c), 0);
	assert_int_equal(count_jobs(fx->c, "SELECT COUNT(*) FROM jobs"), 1);
}

static void
test_failing_job_backs_off_then_dies(void **state)
{
	struct fx *fx = *state;
	struct jrow r;
	int calls = 0, k;
	int64_t id, base = 10000, prev = 0;

	assert_int_equal(jobs_register(fx->q, "test.fail", h_fail, &calls), 0);
	id = enqueue(fx->c, "test.fail", NULL, 4);
	for (k = 1; k <= 3; k++) {
		int64_t before = now_ms(), after;

		assert_int_equal(run_once(fx->q), 1);
		after = now_ms();
		get_job(fx->c, id, &r);
		assert_string_equal(r.status, "queued");
		assert_int_equal(r.attempts, k);
		assert_false(r.locked);
		/* run_at = (a time in [before, after]) + back-off */
		assert_true(r.run_at - before >= base * 8 / 10);
		assert_true(r.run_at - after <= base * 12 / 10);
		assert_true(r.run_at - before > prev);
		prev = r.run_at - after;
		base *= 2;
		/* Not due again until its run_at. */
		assert_int_equal(run_once(fx->q), 0);
		advance(r.run_at - now_ms());
	}
	assert_int_equal(run_once(fx->q), 1);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "dead");
	assert_int_equal(r.attempts, 4);
	assert_true(r.finished);
	assert_string_equal(r.last_error, "smtp refused, attempt 4");
	advance(86400000);
	assert_int_equal(run_once(fx->q), 0);
	assert_int_equal(calls, 4);
}

static void
test_failure_without_message_is_explained(void **state)
{
	struct fx *fx = *state;
	struct jrow r;
	int64_t id;

	assert_int_equal(jobs_register(fx->q, "test.silent", h_fail_silently,
	    NULL), 0);
	assert_int_equal(jobs_register(fx->q, "test.txn", h_leave_txn, NULL),
	    0);
	id = enqueue(fx->c, "test.silent", NULL, 1);
	assert_int_equal(run_once(fx->q), 1);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "dead");
	assert_non_null(strstr(r.last_error, "code -8"));
	/* A handler that leaves a transaction open did not finish its work. */
	id = enqueue(fx->c, "test.txn", NULL, 2);
	assert_int_equal(run_once(fx->q), 1);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "queued");
	assert_non_null(strstr(r.last_error, "transaction open"));
}

static void
test_backoff_grows_is_capped_and_jittered(void **state)
{
	int64_t d = 10000, first, v;
	int a, i, differ = 0;

	for (a = 1; a <= 16; a++) {
		for (i = 0; i < 20; i++) {
			v = jobs_backoff_ms(a);
			assert_true(v >= d * 8 / 10 && v <= d * 12 / 10);
		}
		d = d * 2 > 3600000 ? 3600000 : d * 2;
	}
	first = jobs_backoff_ms(3);
	for (i = 0; i < 50; i++)
		differ += jobs_backoff_ms(3) != first;
	assert_true(differ > 40);
}

static void
test_unknown_kind_fails_with_error(void **state)
{
	struct fx *fx = *state;
	struct jrow r;
	int64_t id1, id2;

	id1 = enqueue(fx->c, "no.such.kind", NULL, 2);
	id2 = enqueue(fx->c, "no.such.kind", NULL, 1);
	assert_int_equal(run_once(fx->q), 1);
	assert_int_equal(run_once(fx->q), 1);
	get_job(fx->c, id1, &r);
	assert_string_equal(r.status, "queued"); /* another process may know it */
	assert_int_equal(r.attempts, 1);
	assert_string_equal(r.last_error,
	    "no handler registered for job kind \"no.such.kind\"");
	get_job(fx->c, id2, &r);
	assert_string_equal(r.status, "dead");
	assert_non_null(strstr(r.last_error, "no handler"));
}

static void
test_expired_lease_is_reclaimed_and_runs(void **state)
{
	struct fx *fx = *state;
	struct seen sn = { 0 };
	struct jrow r;
	int64_t id, now = now_ms();

	assert_int_equal(jobs_register(fx->q, "test.record", h_record, &sn), 0);
	id = enqueue(fx->c, "test.record", NULL, 3);
	simulate_crashed_claim(fx->c, id, 1, now + LEASE_MS);
	assert_int_equal(run_once(fx->q), 0); /* lease still held */
	advance(LEASE_MS + 1);
	assert_int_equal(run_once(fx->q), 1);
	assert_int_equal(sn.calls, 1);
	assert_int_equal(sn.attempt, 2);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "done");
	assert_int_equal(r.attempts, 2);
	assert_non_null(strstr(r.last_error, "lease expired"));
}

static void
test_expired_lease_on_last_attempt_goes_dead(void **state)
{
	struct fx *fx = *state;
	struct seen sn = { 0 };
	struct jrow r;
	int64_t id;

	assert_int_equal(jobs_register(fx->q, "test.record", h_record, &sn), 0);
	id = enqueue(fx->c, "test.record", NULL, 2);
	simulate_crashed_claim(fx->c, id, 2, now_ms() - 1);
	assert_int_equal(run_once(fx->q), 1);
	assert_int_equal(sn.calls, 0);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "dead");
	assert_int_equal(r.attempts, 2);
	assert_true(r.finished);
	assert_false(r.locked);
	assert_non_null(strstr(r.last_error, "lease expired"));
}

/* First run: overruns its lease; meanwhile another thread reclaims the
 * job and finishes it; then the first run reports failure too late. */
struct stale {
	struct jobs *q;
	int calls;
	int inner_ran, inner_rc;
};

static void *
reclaim_thread(void *arg)
{
	struct stale *st = arg;

	st->inner_rc = jobs_run_once(st->q, &st->inner_ran);
	return NULL;
}

static int
h_overrun(struct job_ctx *ctx)
{
	struct stale *st = ctx->arg;
	pthread_t t;

	if (++st->calls > 1)
		return 0;       /* the reclaiming run succeeds */
	advance(LEASE_MS + 1);
	assert_int_equal(pthread_create(&t, NULL, reclaim_thread, st), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	return jobs_fail(ctx, "stale worker's late failure");
}

static void
test_stale_worker_cannot_complete_reclaimed_job(void **state)
{
	struct fx *fx = *state;
	struct stale st = { .q = fx->q };
	struct jrow r;
	int64_t id;

	assert_int_equal(jobs_register(fx->q, "test.overrun", h_overrun, &st),
	    0);
	id = enqueue(fx->c, "test.overrun", NULL, 5);
	assert_int_equal(run_once(fx->q), 1);
	assert_int_equal(st.inner_rc, 0);
	assert_int_equal(st.inner_ran, 1);
	assert_int_equal(st.calls, 2);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "done");
	assert_int_equal(r.attempts, 2);
	assert_null(strstr(r.last_error, "stale worker"));
	assert_int_equal(run_once(fx->q), 0);
}

static _Atomic int counters[NJOBS];

static int
h_count(struct job_ctx *ctx)
{
	int n = -1;

	if (sscanf(ctx->payload, "{\"n\": %d}", &n) != 1 || n < 0 ||
	    n >= NJOBS)
		return jobs_fail(ctx, "bad payload");
	atomic_fetch_add(&counters[n], 1);
	return 0;
}

/* Waits up to ms for sql's count to reach want. */
static int
wait_count(struct db_conn *c, const char *sql, int64_t want, int ms)
{
	int64_t deadline = time_mono_ms() + ms;

	while (count_jobs(c, sql) != want) {
		if (time_mono_ms() > deadline)
			return -1;
		usleep(5000);
	}
	return 0;
}

static void
test_concurrent_workers_run_each_job_once(void **state)
{
	struct fx *fx = *state;
	/* Two queues of two threads: like two processes sharing the
	 * database, each worker on a connection of its own. */
	struct jobs_config cfg = { .threads = 2, .poll_ms = 10 };
	struct jobs *q2[2];
	char payload[32];
	int i, k;
	int64_t dead = -1, queued = -1, running = -1;

	for (i = 0; i < NJOBS; i++) {
		atomic_store(&counters[i], 0);
		snprintf(payload, sizeof(payload), "{\"n\": %d}", i);
		enqueue(fx->c, "test.count", payload, 0);
	}
	for (k = 0; k < 2; k++) {
		assert_non_null(q2[k] = jobs_new(fx->db, &cfg));
		assert_int_equal(jobs_register(q2[k], "test.count", h_count,
		    NULL), 0);
	}
	for (k = 0; k < 2; k++)
		assert_int_equal(jobs_start(q2[k]), 0);
	assert_int_equal(wait_count(fx->c, "SELECT COUNT(*) FROM jobs WHERE"
	    " status = 'done'", NJOBS, 60000), 0);
	for (k = 0; k < 2; k++)
		jobs_free(q2[k]);
	for (i = 0; i < NJOBS; i++)
		assert_int_equal(atomic_load(&counters[i]), 1);
	assert_int_equal(count_jobs(fx->c, "SELECT MAX(attempts) FROM jobs"),
	    1);
	assert_int_equal(jobs_stats(fx->db, &queued, &running, &dead), 0);
	assert_true(queued == 0 && running == 0 && dead == 0);
}

struct slow {
	atomic_int started, finished;
};

static int
h_slow(struct job_ctx *ctx)
{
	struct slow *sl = ctx->arg;

	atomic_store(&sl->started, 1);
	usleep(300000);
	atomic_store(&sl->finished, 1);
	return 0;
}

static void
test_stop_lets_running_handler_finish(void **state)
{
	struct fx *fx = *state;
	struct slow sl = { 0 };
	struct jobs_config cfg = { .threads = 1, .poll_ms = 60000 };
	struct jobs *q;
	int64_t id, t0;
	struct jrow r;

	assert_non_null(q = jobs_new(fx->db, &cfg));
	assert_int_equal(jobs_register(q, "test.slow", h_slow, &sl), 0);
	assert_int_equal(jobs_start(q), 0);
	assert_int_equal(jobs_start(q), ALC_EBUSY);
	assert_int_equal(jobs_register(q, "test.late", h_slow, &sl),
	    ALC_EBUSY);
	/* Outside a transaction, enqueue wakes the idle worker at once
	 * (its poll interval is a minute). */
	id = enqueue(fx->c, "test.slow", NULL, 0);
	t0 = time_mono_ms();
	while (!atomic_load(&sl.started) && time_mono_ms() - t0 < 5000)
		usleep(1000);
	assert_true(atomic_load(&sl.started));
	jobs_stop(q);
	assert_true(atomic_load(&sl.finished));
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "done");
	jobs_free(q);
}

static void
test_wake_after_commit_runs_job_promptly(void **state)
{
	struct fx *fx = *state;
	struct jobs_config cfg = { .threads = 1, .poll_ms = 60000 };
	struct seen sn = { 0 };
	struct jobs *q;
	struct job_spec sp = { .kind = "test.record" };

	assert_non_null(q = jobs_new(fx->db, &cfg));
	assert_int_equal(jobs_register(q, "test.record", h_record, &sn), 0);
	assert_int_equal(jobs_start(q), 0);
	usleep(50000); /* let the worker go idle */
	assert_int_equal(db_begin(fx->c), 0);
	assert_int_equal(jobs_enqueue(fx->c, &sp, NULL), 0);
	assert_int_equal(db_commit(fx->c), 0);
	jobs_wake();
	assert_int_equal(wait_count(fx->c, "SELECT COUNT(*) FROM jobs WHERE"
	    " status = 'done'", 1, 5000), 0);
	jobs_free(q);
}

static void
test_register_and_config_rules(void **state)
{
	struct fx *fx = *state;
	struct jobs_config bad = { .threads = -1 };

	assert_int_equal(jobs_register(fx->q, "a.b", h_record, NULL), 0);
	assert_int_equal(jobs_register(fx->q, "a.b", h_record, NULL),
	    ALC_EEXIST);
	assert_int_equal(jobs_register(fx->q, "A B", h_record, NULL),
	    ALC_EINVAL);
	assert_int_equal(jobs_register(fx->q, "c.d", NULL, NULL), ALC_EINVAL);
	assert_null(jobs_new(fx->db, &bad));
	bad.threads = 0;
	bad.lease_ms = -5;
	assert_null(jobs_new(fx->db, &bad));
	assert_null(jobs_new(NULL, NULL));
	assert_int_equal(jobs_run_once(NULL, NULL), ALC_EINVAL);
}

static void
test_stats_count_by_status(void **state)
{
	struct fx *fx = *state;
	int64_t q = -1, r = -1, d = -1, id;
	struct job_spec later = { .kind = "x.later",
	    .run_at = now_ms() + 3600000 };

	assert_int_equal(jobs_stats(fx->db, &q, &r, &d), 0);
	assert_true(q == 0 && r == 0 && d == 0);
	id = enqueue(fx->c, "x.dies", NULL, 1);
	simulate_crashed_claim(fx->c, id, 1, now_ms() - 1);
	assert_int_equal(jobs_enqueue(fx->c, &later, NULL), 0);
	assert_int_equal(jobs_enqueue(fx->c, &later, NULL), 0);
	id = enqueue(fx->c, "x.held", NULL, 0);
	simulate_crashed_claim(fx->c, id, 1, now_ms() + LEASE_MS);
	assert_int_equal(run_once(fx->q), 1); /* x.dies: dead on reclaim */
	assert_int_equal(run_once(fx->q), 0);
	assert_int_equal(jobs_stats(fx->db, &q, &r, &d), 0);
	assert_int_equal(q, 2);
	assert_int_equal(r, 1);
	assert_int_equal(d, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_enqueued_job_runs_handler_with_payload),
		T(test_job_waits_for_its_run_at),
		T(test_enqueue_rejects_bad_input),
		T(test_idempotency_key_dedupes),
		T(test_enqueue_is_part_of_callers_transaction),
		T(test_failing_job_backs_off_then_dies),
		T(test_failure_without_message_is_explained),
		T(test_backoff_grows_is_capped_and_jittered),
		T(test_unknown_kind_fails_with_error),
		T(test_expired_lease_is_reclaimed_and_runs),
		T(test_expired_lease_on_last_attempt_goes_dead),
		T(test_stale_worker_cannot_complete_reclaimed_job),
		T(test_concurrent_workers_run_each_job_once),
		T(test_stop_lets_running_handler_finish),
		T(test_wake_after_commit_runs_job_promptly),
		T(test_register_and_config_rules),
		T(test_stats_count_by_status),
	};

	fprintf(stderr, "engine: %s\n", test_engine());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
