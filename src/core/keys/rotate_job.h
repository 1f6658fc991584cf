/*
 * rotate_job.h - key rotation as a job of the running server.
 *
 * keys_rotate (keystore.h) run by the server's job workers instead of by
 * `alcove keys rotate` in a process of its own: queued from the page
 * /settings/keys (one practice's keys) or by `alcove keys rotate
 * --enqueue` (every practice's).  rotate_job.c's top comment has the
 * design.
 */
#ifndef ALC_CORE_KEYS_ROTATE_JOB_H
#define ALC_CORE_KEYS_ROTATE_JOB_H

#include <stdint.h>

struct audit_event;
struct db;
struct db_conn;
struct jobs;
struct keystore;

#define KEYS_ROTATE_JOB "keys.rotate"

/* The blind-index reindexer (patients_reindex_batch), as in
 * struct keys_rotate_opts. */
typedef int (*keys_reindex_fn)(struct db_conn *c, struct keystore *ks,
    int64_t after, int batch, int64_t *last, int *count);

/* Queues a rotation of the keys named by purpose ("general",
 * "psychotherapy", "part2", "blind_index" or "all") of practice_id (0:
 * every practice), batch rows per transaction (0: the default), and
 * audits CONFIG_CHANGE "key rotation started" as who (NULL: the
 * operator at the command line) in the same transaction.  ALC_EINVAL: a
 * purpose that cannot be rotated or a bad batch; ALC_EBUSY: a rotation
 * job is queued or running, or a rotation is running; ALC_EDB.  *job_id
 * (may be NULL) receives the job. */
int keys_rotate_enqueue(struct db *db, int64_t practice_id,
    const char *purpose, int batch, const struct audit_event *who,
    int64_t *job_id);

/* Registers the handler of KEYS_ROTATE_JOB, which runs keys_rotate with
 * ks and reindex.  Before jobs_start. */
int keys_register_jobs(struct jobs *q, struct keystore *ks,
    keys_reindex_fn reindex);

/* The latest rotation job a practice's page shows (its own, or one for
 * every practice), with the progress of the rotation it runs. */
struct keys_job_view {
	int64_t job_id;
	char status[8];         /* queued, running, done, dead */
	char purpose[16];       /* as queued: "general" ... "all" */
	char by_name[201];      /* who started it; "" from the command line */
	int64_t created_at, finished_at;
	int64_t rows_done;      /* fields re-sealed, records re-indexed */
	int64_t rows_left;      /* still under retiring keys */
	char error[512];        /* the last failure, when any */
};

/* 0 and *v filled; ALC_ENOTFOUND when the practice has none; ALC_EDB. */
int keys_rotate_job_latest(struct db *db, int64_t practice_id,
    struct keys_job_view *v);

#endif
