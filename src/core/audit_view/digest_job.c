/*
 * digest_job.c - the daily audit digest, recorded and e-mailed to each
 * practice's compliance officers (issue #5).
 *
 * The digest itself (the chain's head: last seq, hash, count) is
 * audit_digest_record (src/audit/digest.c): one per UTC day for the
 * installation, idempotent.  Its value comes from a copy kept outside the
 * database, so this job mails it: to the practice's active compliance
 * officers, or to its owners when it has none.  The mail carries the
 * hash, the count, the last event number and the day - no PHI.
 *
 * Scheduling follows the compliance reminders (reminders.c): one job per
 * practice, "audit.digest_daily", that first queues its own next run
 * (00:15 the next day in the practice's zone, or audit.digest_interval
 * seconds later when that test/operations hook is set), under an
 * idempotency key naming the practice and the run time, so repeated or
 * concurrent runs merge into one chain.  `alcove serve` queues the next
 * run at start, which restarts a chain that was ever lost.
 *
 * At-least-once delivery: the audit_digest_mails row (practice, digest
 * day) is inserted with ON CONFLICT DO NOTHING in the transaction that
 * queues the mails, so a job run twice mails once per practice and day.
 */
#include "core/audit_view/audit_view.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/caldate.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/compliance/compliance.h"
#include "core/mail/mail.h"
#include "db/db.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <string.h>

#define DIGEST_MAX_PEOPLE 16
#define DIGEST_MAX_PRACTICES 256
#define DIGEST_RUN_MINUTE 15 /* 00:15 local: after midnight */

int64_t
audit_digest_next_run(const char *tz, int64_t now_ms, int interval_s)
{
	struct caldate today;
	int64_t t;
	int32_t off = 0;

	if (interval_s > 0)
		return now_ms + (int64_t)interval_s * 1000;
	if (tz == NULL || caldate_today(tz, now_ms, &today) != 0) {
		tz = "UTC";
		today = caldate_from_days(now_ms / 86400000);
	}
	t = (caldate_to_days(today) + 1) * 86400 + DIGEST_RUN_MINUTE * 60;
	caldate_utc_offset(tz, t, &off);
	return (t - off) * 1000;
}

int
audit_digest_schedule(struct db_conn *c, int64_t practice_id,
    int64_t run_at)
{
	struct job_spec spec;
	char key[96];

	snprintf(key, sizeof(key), AUDIT_DIGEST_JOB ":%lld:%lld",
	    (long long)practice_id, (long long)run_at);
	memset(&spec, 0, sizeof(spec));
	spec.kind = AUDIT_DIGEST_JOB;
	spec.practice_id = practice_id;
	spec.run_at = run_at;
	spec.idempotency_key = key;
	return jobs_enqueue(c, &spec, NULL);
}

/* The active holders of role in the practice: up to max addresses. */
static int
holders(struct db_conn *c, struct arena *a, int64_t pid, const char *role,
    const char **to, size_t max, size_t *n)
{
	struct db_stmt *s;
	const char *e;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, "SELECT DISTINCT u.id, u.email FROM "
	    "memberships m JOIN users u ON u.id = m.user_id WHERE "
	    "m.practice_id = ? AND m.role = ? AND u.status = 'active' "
	    "ORDER BY u.id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, role);
	while (*n < max && (rc = db_step(s)) == DB_ROW)
		if ((e = db_col_text(s, 1)) != NULL &&
		    (to[*n] = arena_strdup(a, e)) != NULL)
			(*n)++;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* 1 when this practice's mail for d->day was not queued before. */
static int
claim_day(struct db_conn *c, int64_t pid, const struct audit_digest *d,
    int *fresh)
{
	struct db_stmt *s;
	int rc;

	*fresh = 0;
	if ((rc = db_prepare(c, &s, "INSERT INTO audit_digest_mails "
	    "(practice_id, day, last_seq, queued_at) VALUES (?, ?, ?, ?) "
	    "ON CONFLICT DO NOTHING")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, d->day);
	db_bind_i64(s, 3, d->last_seq);
	db_bind_i64(s, 4, time_now_ms());
	if ((rc = db_step(s)) >= 0)
		*fresh = db_changes(s) == 1;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
enqueue_all(struct db_conn *c, struct arena *a, int64_t pid,
    const struct audit_digest *d, int *queued)
{
	const char *to[DIGEST_MAX_PEOPLE], *vars[11];
	char iso[32];
	size_t n, i;
	int rc, fresh;

	if ((rc = holders(c, a, pid, "compliance", to, DIGEST_MAX_PEOPLE,
	    &n)) != 0 || (n == 0 && (rc = holders(c, a, pid, "owner", to,
	    DIGEST_MAX_PEOPLE, &n)) != 0))
		return rc;
	if ((rc = claim_day(c, pid, d, &fresh)) != 0 || !fresh)
		return rc;
	vars[0] = "day", vars[1] = d->day;
	vars[2] = "hash", vars[3] = d->last_hash;
	vars[4] = "seq", vars[5] = arena_printf(a, "%lld",
	    (long long)d->last_seq);
	vars[6] = "count", vars[7] = arena_printf(a, "%lld",
	    (long long)d->count);
	vars[8] = "recorded", vars[9] = time_format_iso(iso, sizeof(iso),
	    d->recorded_at);
	vars[10] = NULL;
	for (i = 0; i < n; i++) {
		if ((rc = mail_enqueue(c, pid, to[i], AUDIT_DIGEST_MAIL, vars, 0,
		    NULL)) == ALC_EINVAL) {
			log_warn("audit digest mail skipped: bad address",
			    "practice=%lld", (long long)pid);
			continue;
		}
		if (rc != 0)
			return rc;
		(*queued)++;
	}
	return 0;
}

int
audit_digest_mail(struct db *db, int64_t practice_id,
    const struct audit_digest *d, int *queued)
{
	struct db_conn *c = NULL;
	struct arena *a;
	int rc = ALC_ENOMEM, n = 0;

	if ((a = arena_new()) == NULL)
		goto out;
	if ((c = db_acquire(db, 5000, NULL)) == NULL) {
		rc = ALC_EBUSY;
		goto out;
	}
	if ((rc = db_begin(c)) == 0 &&
	    (rc = enqueue_all(c, a, practice_id, d, &n)) == 0)
		rc = db_commit(c);
	if (rc == 0 && n > 0)
		jobs_wake();
out:
	if (c != NULL) {
		if (rc != 0)
			db_rollback(c);
		db_release(c);
	}
	arena_free(a);
	if (queued != NULL)
		*queued = rc == 0 ? n : 0;
	return rc;
}

static int
digest_daily_job(struct job_ctx *ctx)
{
	const struct config *cfg = ctx->arg;
	struct audit_digest d;
	char tz[80];
	int rc, queued = 0;

	if (ctx->practice_id == 0)
		return 0; /* chains are per practice; nothing to do */
	if (compliance_practice_zone(ctx->conn, ctx->practice_id, tz,
	    sizeof(tz)) != 0)
		snprintf(tz, sizeof(tz), "UTC");
	/* The next run first, so a failure below never breaks the chain. */
	if ((rc = audit_digest_schedule(ctx->conn, ctx->practice_id,
	    audit_digest_next_run(tz, ctx->now, cfg ?
	    cfg->audit.digest_interval : 0))) != 0)
		return jobs_fail(ctx, "scheduling the next audit digest: %s",
		    alc_strerror(rc));
	if ((rc = audit_digest_record(ctx->db, 0, &d)) != 0)
		return jobs_fail(ctx, "recording the audit digest: %s",
		    alc_strerror(rc));
	if ((rc = audit_digest_mail(ctx->db, ctx->practice_id, &d,
	    &queued)) != 0)
		return jobs_fail(ctx, "queueing the audit digest mail: %s",
		    alc_strerror(rc));
	log_info("audit digest", "job=%lld practice=%lld seq=%lld mails=%d",
	    (long long)ctx->id, (long long)ctx->practice_id,
	    (long long)d.last_seq, queued);
	return 0;
}

int
audit_digest_register(struct jobs *q, const struct config *cfg)
{
	/* The handler only reads cfg. */
	union { const struct config *c; void *v; } arg = {cfg};

	return jobs_register(q, AUDIT_DIGEST_JOB, digest_daily_job, arg.v);
}

int
audit_digest_schedule_all(struct db *db, int interval_s, int64_t now_ms)
{
	int64_t ids[DIGEST_MAX_PRACTICES];
	struct db_conn *c;
	struct db_stmt *s;
	char tz[80];
	size_t n = 0, i;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT id FROM practices WHERE retired_at "
	    "IS NULL ORDER BY id")) == 0) {
		while (n < DIGEST_MAX_PRACTICES && (rc = db_step(s)) == DB_ROW)
			ids[n++] = db_col_i64(s, 0);
		db_stmt_done(s);
	}
	for (i = 0; rc >= 0 && i < n; i++) {
		if (compliance_practice_zone(c, ids[i], tz, sizeof(tz)) != 0)
			snprintf(tz, sizeof(tz), "UTC");
		rc = audit_digest_schedule(c, ids[i],
		    audit_digest_next_run(tz, now_ms, interval_s));
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}
