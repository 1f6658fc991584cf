/*
 * digest.c - the daily digest of the audit chain, and its job.
 *
 * The hash chain shows any change in the middle of the trail, but not the
 * removal of its newest events together with the head row: what is left
 * is still a valid chain.  A digest - the head's seq, hash and count at a
 * moment - closes that gap once a copy of it lives outside the database
 * (e-mailed to the compliance officer, printed in the audit binder):
 * audit_verify then requires the chain to still hold that seq with that
 * hash.  audit_digests is append-only like the events.
 *
 * One digest per UTC day for the installation's chain (practice_id NULL).
 * Recording is idempotent per day: a second call that day returns the
 * first digest and writes nothing, so the "audit.digest" job may run more
 * than once (at-least-once delivery) without harm.  The AUDIT_DIGEST event
 * is appended in the same transaction before the head is read, so the
 * digest also covers the event that records it.
 *
 * Two processes recording at once: the head is locked first (PostgreSQL
 * FOR UPDATE; SQLite's BEGIN IMMEDIATE), so the second one waits and then
 * finds the first one's digest.
 */
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <string.h>

#define ACQUIRE_MS 30000

static int
lock_head(struct db_conn *c, int64_t *seq, char *hash, int64_t *count)
{
	struct db_stmt *s;
	const char *h;
	int rc;

	rc = db_prepare(c, &s, db_conn_engine(c) == DB_POSTGRES ?
	    "SELECT seq, hash, count FROM audit_head WHERE id = 1 FOR UPDATE" :
	    "SELECT seq, hash, count FROM audit_head WHERE id = 1");
	if (rc != 0)
		return rc;
	if ((rc = db_step(s)) == DB_ROW) {
		*seq = db_col_i64(s, 0);
		h = db_col_text(s, 1);
		snprintf(hash, AUDIT_HASH_HEX_SIZE, "%s", h ? h : "");
		*count = db_col_i64(s, 2);
	} else if (rc == DB_DONE)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Fills d from the day's digest; ALC_ENOTFOUND when there is none. */
static int
find_digest(struct db_conn *c, const char *day, struct audit_digest *d)
{
	struct db_stmt *s;
	const char *h;
	int rc;

	rc = db_prepare(c, &s, "SELECT last_seq, last_hash, count, recorded_at "
	    "FROM audit_digests WHERE day = ? AND practice_id IS NULL");
	if (rc != 0)
		return rc;
	if ((rc = db_bind_text(s, 1, day)) == 0 && (rc = db_step(s)) == DB_ROW) {
		d->last_seq = db_col_i64(s, 0);
		h = db_col_text(s, 1);
		snprintf(d->last_hash, sizeof(d->last_hash), "%s", h ? h : "");
		d->count = db_col_i64(s, 2);
		d->recorded_at = db_col_i64(s, 3);
	} else if (rc == DB_DONE)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
insert_digest(struct db_conn *c, const struct audit_digest *d)
{
	struct db_stmt *s;
	int rc;

	rc = db_prepare(c, &s, "INSERT INTO audit_digests (day, practice_id, "
	    "last_seq, last_hash, count, recorded_at) "
	    "VALUES (?, NULL, ?, ?, ?, ?)");
	if (rc != 0)
		return rc;
	if ((rc = db_bind_text(s, 1, d->day)) == 0 &&
	    (rc = db_bind_i64(s, 2, d->last_seq)) == 0 &&
	    (rc = db_bind_text(s, 3, d->last_hash)) == 0 &&
	    (rc = db_bind_i64(s, 4, d->count)) == 0 &&
	    (rc = db_bind_i64(s, 5, d->recorded_at)) == 0)
		rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Appends the AUDIT_DIGEST event, then takes the head as the digest. */
static int
record_new(struct db_conn *c, int64_t now_ms, struct audit_digest *d)
{
	char detail[64];
	struct audit_event ev = {
		.recorded_at = now_ms, .actor_role = "system",
		.verb = "AUDIT_DIGEST", .object_type = "audit_chain",
		.detail = detail,
	};
	int rc;

	snprintf(detail, sizeof(detail), "{\"day\":\"%s\"}", d->day);
	if ((rc = audit_write(c, &ev)) != 0 ||
	    (rc = lock_head(c, &d->last_seq, d->last_hash, &d->count)) != 0)
		return rc;
	d->recorded_at = now_ms;
	d->created = 1;
	return insert_digest(c, d);
}

int
audit_digest_record(struct db *db, int64_t now_ms, struct audit_digest *out)
{
	struct audit_digest d;
	char iso[32], hash[AUDIT_HASH_HEX_SIZE];
	int64_t seq, count;
	struct db_conn *c;
	int rc;

	memset(&d, 0, sizeof(d));
	if (now_ms <= 0)
		now_ms = time_now_ms();
	time_format_iso(iso, sizeof(iso), now_ms);
	snprintf(d.day, sizeof(d.day), "%.10s", iso);
	if ((c = db_acquire(db, ACQUIRE_MS, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0 ||
	    (rc = lock_head(c, &seq, hash, &count)) != 0)
		goto out;
	rc = find_digest(c, d.day, &d);
	if (rc == ALC_ENOTFOUND)
		rc = record_new(c, now_ms, &d);
	if (rc == 0)
		rc = db_commit(c);
out:
	db_rollback(c);
	db_release(c);
	if (rc == 0 && out != NULL)
		*out = d;
	return rc;
}

static int
digest_job(struct job_ctx *ctx)
{
	struct audit_digest d;
	int rc;

	if ((rc = audit_digest_record(ctx->db, ctx->now, &d)) != 0)
		return jobs_fail(ctx, "recording the audit digest failed: %s",
		    alc_strerror(rc));
	return 0;
}

int
audit_register_jobs(struct jobs *q)
{
	return jobs_register(q, "audit.digest", digest_job, NULL);
}
