/*
 * worker.c - handlers, worker threads and one run of one job.
 *
 * A struct jobs is a handler table plus N threads.  Each thread loops:
 * claim one due job (queue.c), run its handler with a fresh arena, record
 * the outcome, and when nothing was due sleep until the poll interval
 * passes or jobs_wake() is called.  The table is written only before
 * jobs_start, so threads read it without a lock.
 *
 * Waking uses one process-wide mutex, condition variable and generation
 * counter shared by every queue, because producers that call jobs_wake()
 * hold a database connection, not a queue.  A worker notes the generation
 * before it polls and sleeps only while it is unchanged, so a wake that
 * arrives during a poll is never lost.  The condition variable waits on
 * CLOCK_MONOTONIC so a wall-clock step neither stalls nor spins workers.
 *
 * Stopping is graceful by construction: the stop flag is only read
 * between jobs, so a running handler finishes and its result is recorded
 * before the thread exits.
 *
 * Worker ids ("hostname:pid:N") are per thread, N from a process counter,
 * and go into jobs.locked_by, so an operator can tell who holds a job.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "jobs/jobs_impl.h"

#define DEFAULT_THREADS 2
#define DEFAULT_POLL_MS 1000
#define DEFAULT_LEASE_MS (5 * 60 * 1000)
#define MAX_THREADS 64
#define ACQUIRE_TIMEOUT_MS 5000

struct handler {
	char kind[JOBS_KIND_MAX + 1];
	jobs_handler fn;
	void *arg;
};

struct jobs {
	struct db *db;
	struct jobs_config cfg;
	struct handler *handlers;
	size_t nhandlers;
	pthread_t *threads;
	int nthreads;  /* running threads */
	int started;
	int stopping;  /* under wake_mu */
};

static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv;
static pthread_once_t wake_once = PTHREAD_ONCE_INIT;
static uint64_t wake_gen;   /* under wake_mu */
static int wake_ok;         /* cv initialised */

static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static char host_name[128];
static unsigned long thread_counter; /* under wake_mu */
static _Thread_local unsigned long thread_no;

static void
wake_init(void)
{
	pthread_condattr_t at;

	if (pthread_condattr_init(&at) != 0)
		return;
	if (pthread_condattr_setclock(&at, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&wake_cv, &at) == 0)
		wake_ok = 1;
	pthread_condattr_destroy(&at);
}

static void
host_init(void)
{
	if (gethostname(host_name, sizeof(host_name)) != 0)
		snprintf(host_name, sizeof(host_name), "unknown");
	host_name[sizeof(host_name) - 1] = '\0';
}

/* This thread's worker id; the pid is read each time so a forked child
 * does not pose as its parent. */
static void
worker_id(char *dst, size_t n)
{
	pthread_once(&host_once, host_init);
	if (thread_no == 0) {
		pthread_mutex_lock(&wake_mu);
		thread_no = ++thread_counter;
		pthread_mutex_unlock(&wake_mu);
	}
	snprintf(dst, n, "%s:%ld:%lu", host_name, (long)getpid(), thread_no);
}

void
jobs_wake(void)
{
	pthread_once(&wake_once, wake_init);
	pthread_mutex_lock(&wake_mu);
	wake_gen++;
	if (wake_ok)
		pthread_cond_broadcast(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
}

int
jobs_fail(struct job_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	return ALC_EIO;
}

static int64_t
clock_default(void *arg)
{
	(void)arg;
	return time_now_ms();
}

struct jobs *
jobs_new(struct db *db, const struct jobs_config *cfg)
{
	struct jobs *q;

	if (db == NULL || (cfg && (cfg->threads < 0 ||
	    cfg->threads > MAX_THREADS || cfg->poll_ms < 0 ||
	    cfg->lease_ms < 0)))
		return NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->db = db;
	if (cfg)
		q->cfg = *cfg;
	if (q->cfg.threads == 0)
		q->cfg.threads = DEFAULT_THREADS;
	if (q->cfg.poll_ms == 0)
		q->cfg.poll_ms = DEFAULT_POLL_MS;
	if (q->cfg.lease_ms == 0)
		q->cfg.lease_ms = DEFAULT_LEASE_MS;
	if (q->cfg.clock == NULL)
		q->cfg.clock = clock_default;
	pthread_once(&wake_once, wake_init);
	if (!wake_ok) {
		free(q);
		return NULL;
	}
	return q;
}

int
jobs_register(struct jobs *q, const char *kind, jobs_handler fn, void *arg)
{
	struct handler *h;
	size_t i;

	if (q == NULL || fn == NULL || !jobs_kind_valid(kind))
		return ALC_EINVAL;
	if (q->started)
		return ALC_EBUSY;
	for (i = 0; i < q->nhandlers; i++)
		if (strcmp(q->handlers[i].kind, kind) == 0)
			return ALC_EEXIST;
	h = realloc(q->handlers, (q->nhandlers + 1) * sizeof(*h));
	if (h == NULL)
		return ALC_ENOMEM;
	q->handlers = h;
	h += q->nhandlers++;
	snprintf(h->kind, sizeof(h->kind), "%s", kind);
	h->fn = fn;
	h->arg = arg;
	return 0;
}

static const struct handler *
find_handler(const struct jobs *q, const char *kind)
{
	size_t i;

	for (i = 0; i < q->nhandlers; i++)
		if (strcmp(q->handlers[i].kind, kind) == 0)
			return &q->handlers[i];
	return NULL;
}

/* Runs the handler for j and returns its result, with ctx->error filled
 * whenever the result is a failure. */
static int
call_handler(struct jobs *q, struct db_conn *c, const struct job_claim *j,
    struct arena *a, struct job_ctx *ctx)
{
	const struct handler *h = find_handler(q, j->kind);
	int hrc;

	memset(ctx, 0, sizeof(*ctx));
	ctx->db = q->db;
	ctx->conn = c;
	ctx->id = j->id;
	ctx->kind = j->kind;
	ctx->practice_id = j->practice_id;
	ctx->payload = j->payload;
	ctx->attempt = j->attempts;
	ctx->max_attempts = j->max_attempts;
	ctx->now = q->cfg.clock(q->cfg.clock_arg);
	ctx->arena = a;
	if (h == NULL)
		return jobs_fail(ctx, "no handler registered for job kind "
		    "\"%s\"", j->kind);
	ctx->arg = h->arg;
	hrc = h->fn(ctx);
	if (db_in_txn(c)) {
		/* A handler bug; its uncommitted writes are gone, so the job
		 * did not happen and must run again. */
		db_rollback(c);
		return jobs_fail(ctx, "handler left a transaction open");
	}
	if (hrc != 0 && ctx->error[0] == '\0')
		snprintf(ctx->error, sizeof(ctx->error),
		    "handler failed: %s (code %d)", alc_strerror(hrc), hrc);
	return hrc;
}

static void
log_outcome(const struct job_claim *j, int hrc, int lost)
{
	char kind[JOBS_KIND_MAX + 8];

	/* The kind came from the database: quote it.  The failure message
	 * is not logged; it is the job's last_error for the admin pages. */
	log_q(kind, sizeof(kind), j->kind);
	if (lost)
		log_warn("job lease lost; result discarded",
		    "job=%lld kind=%s attempt=%d", (long long)j->id, kind,
		    j->attempts);
	else if (hrc == 0)
		log_debug("job done", "job=%lld kind=%s attempt=%d",
		    (long long)j->id, kind, j->attempts);
	else
		log_warn(j->attempts >= j->max_attempts ? "job dead" :
		    "job failed; will retry", "job=%lld kind=%s attempt=%d "
		    "max_attempts=%d", (long long)j->id, kind, j->attempts,
		    j->max_attempts);
}

/* Claims, runs and finishes one job on a connection of its own. */
static int
run_one(struct jobs *q, int *ran)
{
	struct alc_err err;
	struct job_claim j;
	struct job_ctx ctx;
	struct db_conn *c = NULL;
	struct arena *a;
	char me[200];
	int rc, found = 0, hrc, lost = 0;

	*ran = 0;
	worker_id(me, sizeof(me));
	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(q->db, ACQUIRE_TIMEOUT_MS, &err)) == NULL) {
		rc = err.code < 0 ? err.code : ALC_EBUSY;
		goto out;
	}
	rc = jobs_q_claim(c, me, q->cfg.clock(q->cfg.clock_arg),
	    q->cfg.lease_ms, a, &j, &found);
	if (rc < 0 || !found)
		goto out;
	*ran = 1;
	if (j.retired) {
		log_warn("job dead: lease expired on its last attempt",
		    "job=%lld attempt=%d", (long long)j.id, j.attempts);
		goto out;
	}
	hrc = call_handler(q, c, &j, a, &ctx);
	rc = jobs_q_finish(c, &j, me, q->cfg.clock(q->cfg.clock_arg), hrc,
	    ctx.error, &lost);
	if (rc == 0)
		log_outcome(&j, hrc, lost);
out:
	db_release(c);
	arena_free(a);
	return rc;
}

int
jobs_run_once(struct jobs *q, int *ran)
{
	int dummy;

	if (q == NULL)
		return ALC_EINVAL;
	return run_one(q, ran ? ran : &dummy);
}

/* Sleeps up to poll_ms unless woken (generation moved past gen) or the
 * queue is stopping. */
static void
wait_for_work(struct jobs *q, uint64_t gen)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += q->cfg.poll_ms / 1000;
	ts.tv_nsec += (long)(q->cfg.poll_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&wake_mu);
	while (!q->stopping && wake_gen == gen) {
		int e = wake_ok ? pthread_cond_timedwait(&wake_cv, &wake_mu,
		    &ts) : ETIMEDOUT;

		if (e == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&wake_mu);
}

static void *
worker_main(void *arg)
{
	struct jobs *q = arg;

	for (;;) {
		uint64_t gen;
		int stop, ran = 0, rc;

		pthread_mutex_lock(&wake_mu);
		gen = wake_gen;
		stop = q->stopping;
		pthread_mutex_unlock(&wake_mu);
		if (stop)
			break;
		rc = run_one(q, &ran);
		if (rc < 0)
			log_warn("job worker: database trouble; will poll again",
			    "code=%d error=\"%s\"", rc, alc_strerror(rc));
		if (rc == 0 && ran)
			continue;
		wait_for_work(q, gen);
	}
	return NULL;
}

int
jobs_start(struct jobs *q)
{
	int i, e;

	if (q == NULL)
		return ALC_EINVAL;
	if (q->started)
		return ALC_EBUSY;
	q->threads = calloc((size_t)q->cfg.threads, sizeof(*q->threads));
	if (q->threads == NULL)
		return ALC_ENOMEM;
	q->started = 1;
	for (i = 0; i < q->cfg.threads; i++) {
		if ((e = pthread_create(&q->threads[i], NULL, worker_main,
		    q)) != 0)
			break;
		q->nthreads++;
	}
	if (q->nthreads < q->cfg.threads) {
		jobs_stop(q);
		return ALC_ENOMEM;
	}
	log_info("job workers started", "threads=%d", q->nthreads);
	return 0;
}

void
jobs_stop(struct jobs *q)
{
	int i;

	if (q == NULL || !q->started)
		return;
	pthread_mutex_lock(&wake_mu);
	q->stopping = 1;
	if (wake_ok)
		pthread_cond_broadcast(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
	for (i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	free(q->threads);
	q->threads = NULL;
	q->nthreads = 0;
	q->started = 0;
	pthread_mutex_lock(&wake_mu);
	q->stopping = 0;
	pthread_mutex_unlock(&wake_mu);
}

void
jobs_free(struct jobs *q)
{
	if (q == NULL)
		return;
	jobs_stop(q);
	free(q->handlers);
	free(q);
}
