/*
 * jobs.h - the durable job queue: everything Alcove does later.
 *
 * E-mail, reminders, recurring compliance tasks, deadline escalations and
 * re-encryption are rows in the `jobs` table (migration 0002_jobs.sql).
 * Producers insert them with jobs_enqueue(), inside their own transaction,
 * so a job exists if and only if the change that caused it committed.
 * Workers (threads started by jobs_start, in one or several processes)
 * claim due rows, run the handler registered for the row's kind and record
 * the outcome.
 *
 * Delivery is at least once.  A job runs again when its handler fails
 * (exponential back-off, jobs_backoff_ms) and when its worker dies or
 * overruns its lease (the row stays 'running' with an expired
 * locked_until and is claimed again).  Handlers must therefore be
 * idempotent, and producers that may retry use an idempotency key.
 *
 * PHI: payloads and failure messages are stored in clear and shown to
 * operators.  Never put PHI in them: pass record ids, or encrypt first.
 *
 * Thread-safety: jobs_enqueue/jobs_stats/jobs_wake may be called from any
 * thread.  Register handlers before jobs_start; jobs_run_once may be called
 * from any thread (tests, CLI), concurrently with the workers.
 */
#ifndef ALC_JOBS_H
#define ALC_JOBS_H

#include <stdint.h>

struct arena;
struct db;
struct db_conn;
struct jobs;

#define JOBS_DEFAULT_MAX_ATTEMPTS 8
#define JOBS_KIND_MAX 64          /* bytes in a kind name */
#define JOBS_ERROR_MAX 512        /* bytes kept of a failure message */

/* What to enqueue.  Zero/NULL fields take the documented defaults. */
struct job_spec {
	const char *kind;            /* required: handler name, e.g. "email.send" */
	int64_t practice_id;         /* 0: not tied to a practice */
	const char *payload;         /* JSON text, no PHI; NULL: "{}" */
	int64_t run_at;              /* ms UTC; 0: now */
	const char *idempotency_key; /* NULL: none */
	int max_attempts;            /* 0: JOBS_DEFAULT_MAX_ATTEMPTS */
};

/* Inserts a queued job on c, inside c's transaction when one is open (the
 * caller commits it together with the change that caused it; call
 * jobs_wake() after the commit).  Outside a transaction the insert commits
 * at once and local workers are woken.
 *
 * When spec->idempotency_key names an existing job, nothing is inserted and
 * that job's id is returned (whatever its status): retrying a producer is
 * safe.  *id_out (may be NULL) receives the id.  ALC_EINVAL for a missing
 * or over-long kind, a payload that is not JSON, or max_attempts < 0;
 * ALC_EDB/ALC_EBUSY from the database. */
int jobs_enqueue(struct db_conn *c, const struct job_spec *spec,
    int64_t *id_out);

/* What a handler sees while it runs.  Everything here is valid until the
 * handler returns; allocate from `arena` for anything run-scoped. */
struct job_ctx {
	struct db *db;          /* for connections of the handler's own */
	struct db_conn *conn;   /* the worker's connection, free to use; leave
	                         * it outside any transaction on return */
	int64_t id;
	const char *kind;
	int64_t practice_id;    /* 0: none */
	const char *payload;    /* JSON text */
	int attempt;            /* 1 on the first run */
	int max_attempts;
	int64_t now;            /* queue clock when the job was claimed (ms) */
	struct arena *arena;    /* freed when the run ends */
	void *arg;              /* from jobs_register */
	char error[JOBS_ERROR_MAX]; /* set through jobs_fail */
};

/* A handler returns 0 when the job is done, or a negative ALC_E* code when
 * it failed (it will be retried until max_attempts, then marked dead).
 * Say why with jobs_fail. */
typedef int (*jobs_handler)(struct job_ctx *ctx);

/* Records why the run failed (stored as the job's last_error: no PHI, no
 * secrets) and returns ALC_EIO, so a handler can write
 * `return jobs_fail(ctx, "smtp server refused: %d", code);`. */
int jobs_fail(struct job_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct jobs_config {
	int threads;       /* worker threads; 0: 2 */
	int poll_ms;       /* idle wait between polls; 0: 1000 */
	int lease_ms;      /* how long a claim lasts; 0: 5 minutes.  Must
	                    * exceed the longest handler run, or the job is
	                    * claimed again while it runs. */
	/* Clock for run_at/leases/back-off, ms UTC; NULL: time_now_ms.
	 * Tests inject one to move time without sleeping. */
	int64_t (*clock)(void *clock_arg);
	void *clock_arg;
};

/* A queue of workers over db.  cfg may be NULL for defaults.  NULL when
 * out of memory or cfg holds negative values.  db must outlive it. */
struct jobs *jobs_new(struct db *db, const struct jobs_config *cfg);
/* Binds kind to fn(ctx) with ctx->arg = arg.  Before jobs_start only.
 * ALC_EEXIST when kind is taken, ALC_EBUSY once started, ALC_EINVAL for a
 * bad kind. */
int jobs_register(struct jobs *q, const char *kind, jobs_handler fn,
    void *arg);
/* Starts the worker threads.  ALC_EBUSY when already started. */
int jobs_start(struct jobs *q);
/* Graceful: each worker finishes the handler it is running, records its
 * result and exits; then the threads are joined.  Idempotent. */
void jobs_stop(struct jobs *q);
/* Stops (if needed) and frees.  NULL is ignored. */
void jobs_free(struct jobs *q);

/* Makes idle workers of every queue in this process poll now, e.g. right
 * after committing a transaction that enqueued a job. */
void jobs_wake(void);

/* Claims and processes at most one due job in the calling thread.
 * *ran (may be NULL) is 1 when a job was processed: its handler ran, or
 * it was retired as dead because its lease expired on its last attempt.
 * A failing handler is not an error of jobs_run_once (its job is
 * rescheduled); only database trouble is. */
int jobs_run_once(struct jobs *q, int *ran);

/* Counts of queued, running and dead jobs (any pointer may be NULL). */
int jobs_stats(struct db *db, int64_t *queued, int64_t *running,
    int64_t *dead);

/* Delay before retrying after the given failed attempt (1-based):
 * 10 s * 2^(attempt-1), capped at 1 h, with +/-20% uniform jitter from
 * the kernel's random source. */
int64_t jobs_backoff_ms(int attempt);

#endif
