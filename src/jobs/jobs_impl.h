/*
 * jobs_impl.h - private interface between queue.c (the SQL of the queue)
 * and worker.c (handlers, threads, clocks).  Not for use outside src/jobs/.
 */
#ifndef ALC_JOBS_IMPL_H
#define ALC_JOBS_IMPL_H

#include <stdint.h>

struct arena;
struct db_conn;

/* A job as claimed by one worker.  Strings live in the run's arena. */
struct job_claim {
	int64_t id;
	int64_t practice_id;
	const char *kind;
	const char *payload;
	int attempts;     /* after the claim: this run's attempt number */
	int max_attempts;
	int retired;      /* 1: lease expired on the last attempt; now dead */
};

/* Claims the oldest due job for `worker` with a lease until now+lease_ms.
 * *found is 0 when nothing is due.  c must not be inside a transaction. */
int jobs_q_claim(struct db_conn *c, const char *worker, int64_t now,
    int64_t lease_ms, struct arena *a, struct job_claim *out, int *found);

/* Records the outcome of a run: done when hrc == 0, else queued again with
 * back-off or dead after the last attempt, with `error` as last_error.
 * Only while the claim is still ours (same worker, same attempt, still
 * running); otherwise nothing changes and *lost is set to 1. */
int jobs_q_finish(struct db_conn *c, const struct job_claim *j,
    const char *worker, int64_t now, int hrc, const char *error, int *lost);

/* 1 when kind is a valid job kind: 1..JOBS_KIND_MAX of [a-z0-9._-]. */
int jobs_kind_valid(const char *kind);

#endif
