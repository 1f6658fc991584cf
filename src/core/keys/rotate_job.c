/*
 * rotate_job.c - key rotation run by the server's job workers.
 *
 * Queueing.  keys_rotate_enqueue inserts a "keys.rotate" job (payload
 * {"purpose": "general", "batch": 200, "by": <user id>}, ids only) and
 * its CONFIG_CHANGE "key rotation started" audit event in one
 * transaction.  A rotation runs installation-wide one at a time
 * (key_rotations allows one 'running' row), so the transaction refuses
 * with ALC_EBUSY while a rotation job is queued or running or a rotation
 * is running; its idempotency key "keys.rotate:<practice>:<n>", n one
 * more than the practice's rotation jobs so far, makes two requests that
 * pass that check together queue one job, not two.
 *
 * Running.  The handler calls keys_rotate with the options the command
 * line uses (reindex for the blind-index key), for the job's practice
 * (0: every practice).  keys_rotate commits batch by batch and resumes
 * the running rotation, so a run that dies (crash, lost lease) is simply
 * run again by the queue.  To tell "resume" from "start another": the
 * newest rotation started since the job was queued is the job's own; if
 * it is running it is resumed (purposes 0), if it is done an earlier
 * attempt finished it, and only when there is none is a new one started.
 * When every retiring key is retired the handler writes CONFIG_CHANGE
 * "key rotation finished"; fields still under a retiring key (another
 * process sealed them) fail the run, which the queue retries.
 *
 * Limit: the whole rotation is one handler run, which must end within
 * the queue's lease (5 minutes by default, jobs.h) or another worker
 * claims the job meanwhile and resumes it beside the first (harmless:
 * each field is re-sealed by compare-and-swap, but wasted work).
 *
 * Test hooks (docs/keys.md; never in production), read at registration:
 * ALCOVE_TEST_ROTATE_SETTLE_MS replaces the settle wait (about a minute);
 * ALCOVE_TEST_ROTATE_ABORT_AFTER=N stops the first attempt after N
 * batches (rolled back, the run fails) to prove the retry resumes.
 */
#include "core/keys/rotate_job.h"
#include "core/keys/keystore_impl.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/log.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "version.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACQUIRE_MS 30000

struct job_cfg {
	struct keystore *ks;
	keys_reindex_fn reindex;
	int64_t settle_ms;
	int abort_after;
};

/* The purposes a queued name stands for; ALC_EINVAL. */
static int
purpose_bits(const char *name, unsigned *mask)
{
	enum keystore_purpose p;

	if (name != NULL && strcmp(name, "all") == 0) {
		*mask = KEYS_ROTATE_ROTATABLE;
		return 0;
	}
	if (keys_purpose_parse(name, &p) != 0 ||
	    !((KEYS_ROTATE_ROTATABLE | KEYS_ROTATE_INDEX) & (1u << p)))
		return ALC_EINVAL;
	*mask = 1u << p;
	return 0;
}

/* ALC_EBUSY when a rotation job is pending or a rotation is running;
 * *n receives how many rotation jobs the practice has had. */
static int
check_idle(struct db_conn *c, int64_t practice_id, int64_t *n)
{
	struct db_stmt *s;
	int64_t busy = 0, rid = 0, started = 0;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT COALESCE(SUM(CASE WHEN status IN "
	    "('queued', 'running') THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE "
	    "WHEN COALESCE(practice_id, 0) = ? THEN 1 ELSE 0 END), 0) FROM jobs "
	    "WHERE kind = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, practice_id);
	db_bind_text(s, 2, KEYS_ROTATE_JOB);
	if ((rc = db_step(s)) == DB_ROW) {
		busy = db_col_i64(s, 0);
		*n = db_col_i64(s, 1);
	}
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	if ((rc = keys_find_rotation(c, &rid, &started)) != 0)
		return rc;
	return busy > 0 || rid != 0 ? ALC_EBUSY : 0;
}

static int
audit_step(struct db_conn *c, const struct audit_event *who, int64_t pid,
    const char *detail, int64_t job_id)
{
	struct audit_event ev;
	char id[24];

	if (who != NULL)
		ev = *who;
	else
		memset(&ev, 0, sizeof(ev));
	if (who == NULL) {
		ev.actor_role = "operator";
		ev.user_agent = "alcove-cli/" ALCOVE_VERSION;
	}
	snprintf(id, sizeof(id), "%" PRId64, job_id);
	ev.verb = "CONFIG_CHANGE";
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = "key_rotation";
	ev.object_id = id;
	ev.outcome = AUDIT_OK;
	ev.detail = detail;
	return audit_write(c, &ev);
}

/* Inserts the job and its audit event in c's open transaction. */
static int
enqueue_txn(struct db_conn *c, int64_t pid, const char *purpose, int batch,
    const struct audit_event *who, int64_t *job_id)
{
	char key[96], payload[128], detail[160];
	struct job_spec js;
	int64_t n = 0;
	int rc;

	if ((rc = check_idle(c, pid, &n)) != 0)
		return rc;
	snprintf(key, sizeof(key), "%s:%" PRId64 ":%" PRId64, KEYS_ROTATE_JOB,
	    pid, n + 1);
	snprintf(payload, sizeof(payload), "{\"purpose\":\"%s\",\"batch\":%d,"
	    "\"by\":%" PRId64 "}", purpose, batch, who ? who->actor_user_id : 0);
	memset(&js, 0, sizeof(js));
	js.kind = KEYS_ROTATE_JOB;
	js.practice_id = pid;
	js.payload = payload;
	js.idempotency_key = key;
	if ((rc = jobs_enqueue(c, &js, job_id)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"event\":\"key rotation started\","
	    "\"purpose\":\"%s\",\"job_id\":%" PRId64 "}", purpose, *job_id);
	return audit_step(c, who, pid, detail, *job_id);
}

int
keys_rotate_enqueue(struct db *db, int64_t practice_id, const char *purpose,
    int batch, const struct audit_event *who, int64_t *job_id)
{
	struct db_conn *c;
	unsigned mask;
	int64_t id = 0;
	int rc;

	if (purpose_bits(purpose, &mask) != 0 || batch < 0 || batch > 100000 ||
	    practice_id < 0)
		return ALC_EINVAL;
	if ((c = db_acquire(db, ACQUIRE_MS, NULL)) == NULL)
		return ALC_EDB;
	if ((rc = db_begin(c)) == 0 && (rc = enqueue_txn(c, practice_id,
	    purpose, batch, who, &id)) == 0)
		rc = db_commit(c);
	if (db_in_txn(c))
		db_rollback(c);
	db_release(c);
	if (rc == 0) {
		jobs_wake();
		if (job_id != NULL)
			*job_id = id;
	}
	return rc;
}

/* The payload's purpose and batch. */
static int
parse_payload(const char *payload, char purpose[16], int *batch)
{
	json_t *root = json_loads(payload, 0, NULL);
	const char *p;
	int rc = ALC_EINVAL;

	if (root == NULL)
		return rc;
	p = json_string_value(json_object_get(root, "purpose"));
	*batch = (int)json_integer_value(json_object_get(root, "batch"));
	if (p != NULL && strlen(p) < 16 && *batch >= 0) {
		snprintf(purpose, 16, "%s", p);
		rc = 0;
	}
	json_decref(root);
	return rc;
}

/* The newest rotation started since job_id was queued: *rid 0 when none,
 * *done 1 when it has finished. */
static int
own_rotation(struct db_conn *c, int64_t job_id, int64_t *rid, int *done)
{
	struct db_stmt *s;
	const char *st;
	int rc;

	*rid = 0;
	*done = 0;
	if ((rc = db_prepare(c, &s, "SELECT r.id, r.status FROM key_rotations "
	    "r, jobs j WHERE j.id = ? AND r.started_at >= j.created_at ORDER BY "
	    "r.id DESC LIMIT 1")) != 0)
		return rc;
	db_bind_i64(s, 1, job_id);
	if ((rc = db_step(s)) == DB_ROW) {
		*rid = db_col_i64(s, 0);
		st = db_col_text(s, 1);
		*done = st != NULL && strcmp(st, "done") == 0;
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
finished(struct job_ctx *ctx, const struct keys_rotate_result *r)
{
	struct audit_event ev;
	char detail[200];

	memset(&ev, 0, sizeof(ev));
	ev.actor_role = "system";
	ev.user_agent = "alcove-jobs/" ALCOVE_VERSION;
	snprintf(detail, sizeof(detail), "{\"event\":\"key rotation finished\","
	    "\"rotation_id\":%" PRId64 ",\"resealed\":%" PRId64 ",\"retired\":"
	    "%d}", r->rotation_id, r->resealed, r->retired);
	if (audit_step(ctx->conn, &ev, ctx->practice_id, detail, ctx->id) != 0)
		return jobs_fail(ctx, "the rotation is done but its audit event "
		    "could not be written");
	log_info("key rotation finished", "job=%" PRId64 " rotation=%" PRId64,
	    ctx->id, r->rotation_id);
	return 0;
}

static int
rotate_job(struct job_ctx *ctx)
{
	const struct job_cfg *jc = ctx->arg;
	struct keys_rotate_opts o;
	struct keys_rotate_result r;
	struct alc_err err;
	char purpose[16];
	unsigned mask;
	int64_t rid;
	int batch, done;

	if (parse_payload(ctx->payload, purpose, &batch) != 0 ||
	    purpose_bits(purpose, &mask) != 0)
		return jobs_fail(ctx, "key rotation payload is not {purpose, "
		    "batch}");
	if (own_rotation(ctx->conn, ctx->id, &rid, &done) != 0)
		return jobs_fail(ctx, "cannot read the key rotations");
	memset(&r, 0, sizeof(r));
	if (done) {
		r.rotation_id = rid;
		return finished(ctx, &r);
	}
	memset(&o, 0, sizeof(o));
	o.purposes = rid != 0 ? 0 : mask;
	o.practice_id = ctx->practice_id;
	o.batch = batch;
	o.settle_ms = jc->settle_ms;
	o.abort_after = ctx->attempt == 1 ? jc->abort_after : 0;
	o.reindex = jc->reindex;
	o.actor_role = "system";
	o.user_agent = "alcove-jobs/" ALCOVE_VERSION;
	if (keys_rotate(jc->ks, &o, &r, &err) != 0)
		return jobs_fail(ctx, "%s", err.msg);
	if (r.remaining > 0)
		return jobs_fail(ctx, "%" PRId64 " fields are still sealed with "
		    "retiring keys; trying again", r.remaining);
	return finished(ctx, &r);
}

int
keys_register_jobs(struct jobs *q, struct keystore *ks,
    keys_reindex_fn reindex)
{
	static struct job_cfg jc;
	const char *settle = getenv("ALCOVE_TEST_ROTATE_SETTLE_MS");
	const char *abort_after = getenv("ALCOVE_TEST_ROTATE_ABORT_AFTER");

	jc.ks = ks;
	jc.reindex = reindex;
	jc.settle_ms = settle != NULL ? strtoll(settle, NULL, 10) : -1;
	jc.abort_after = abort_after != NULL ? atoi(abort_after) : 0;
	return jobs_register(q, KEYS_ROTATE_JOB, rotate_job, &jc);
}

/* The job row's fields and its payload's purpose and starter. */
static int
latest_row(struct db_conn *c, int64_t pid, struct keys_job_view *v,
    int64_t *by)
{
	struct db_stmt *s;
	json_t *root = NULL;
	const char *t;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT id, status, payload, created_at, "
	    "COALESCE(finished_at, 0), COALESCE(last_error, '') FROM jobs WHERE "
	    "kind = ? AND (practice_id = ? OR practice_id IS NULL) ORDER BY id "
	    "DESC LIMIT 1")) != 0)
		return rc;
	db_bind_text(s, 1, KEYS_ROTATE_JOB);
	db_bind_i64(s, 2, pid);
	if ((rc = db_step(s)) == DB_ROW) {
		v->job_id = db_col_i64(s, 0);
		snprintf(v->status, sizeof(v->status), "%s", db_col_text(s, 1));
		if ((root = json_loads(db_col_text(s, 2), 0, NULL)) != NULL &&
		    (t = json_string_value(json_object_get(root, "purpose"))))
			snprintf(v->purpose, sizeof(v->purpose), "%s", t);
		*by = json_integer_value(json_object_get(root, "by"));
		json_decref(root);
		v->created_at = db_col_i64(s, 3);
		v->finished_at = db_col_i64(s, 4);
		snprintf(v->error, sizeof(v->error), "%s", db_col_text(s, 5));
	}
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_ENOTFOUND;
}

/* Who started it (a staff name, not PHI). */
static int
starter_name(struct db_conn *c, int64_t by, struct keys_job_view *v)
{
	struct db_stmt *s;
	int rc;

	if (by <= 0)
		return 0;
	if ((rc = db_prepare(c, &s, "SELECT display_name FROM users WHERE "
	    "id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, by);
	if ((rc = db_step(s)) == DB_ROW)
		snprintf(v->by_name, sizeof(v->by_name), "%s", db_col_text(s, 0));
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Rows done by the running rotation, and rows left under retiring keys. */
static int
progress(struct db_conn *c, struct keys_job_view *v)
{
	struct keys_idset set = {NULL, 0};
	struct db_stmt *s;
	int64_t rid = 0, started = 0, n;
	size_t i;
	int rc;

	if ((rc = keys_find_rotation(c, &rid, &started)) != 0 || rid == 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT COALESCE(SUM(rows_done), 0) FROM "
	    "key_rotation_progress WHERE rotation_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, rid);
	if ((rc = db_step(s)) == DB_ROW)
		v->rows_done = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc < 0 || (rc = keys_load_retiring(c, 0, &set)) != 0)
		goto out;
	for (i = 0; i < set.n && rc == 0; i++)
		if ((rc = keys_count_sealed(c, set.ids[i], &n)) == 0)
			v->rows_left += n;
out:
	free(set.ids);
	return rc < 0 ? rc : 0;
}

int
keys_rotate_job_latest(struct db *db, int64_t practice_id,
    struct keys_job_view *v)
{
	struct db_conn *c;
	int64_t by = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	if ((c = db_acquire(db, ACQUIRE_MS, NULL)) == NULL)
		return ALC_EDB;
	if ((rc = latest_row(c, practice_id, v, &by)) == 0 &&
	    (rc = starter_name(c, by, v)) == 0 &&
	    (strcmp(v->status, "queued") == 0 ||
	    strcmp(v->status, "running") == 0))
		rc = progress(c, v);
	db_release(c);
	return rc;
}
