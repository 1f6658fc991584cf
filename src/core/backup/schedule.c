/*
 * schedule.c - scheduled backups through the job queue, with retention,
 * and the "last good backup" the settings page shows.
 *
 * backup_take() is the whole of taking one backup (snapshot, manifest,
 * encrypted file written as FILE.tmp, flushed and renamed); the job
 * "backup.run" calls it for a file named alcove-YYYYMMDDTHHMMSSZ.alcbk in
 * backup.dir.  Each attempt is a row of the backups table (migration
 * 0014): inserted when it starts, completed when it ends, and the BACKUP
 * audit event is written in that same transaction (outcome and error for
 * a failure, which is also logged).
 *
 * Retention: after a good backup, the good backups recorded in the table
 * beyond the newest backup.keep have their files deleted and pruned_at
 * set.  Only files this job recorded are ever deleted, and only by their
 * bare name inside backup.dir: an operator's own files there are safe.
 *
 * The chain.  Every run queues the next at (its start + interval), or an
 * hour after a failure if the interval is longer, under the idempotency
 * key "backup.run:<run_at>".  `alcove serve` calls backup_schedule_start,
 * which queues the run due after the latest attempt under the same key,
 * so a restart never doubles the chain, and a lost chain restarts.
 */
#include "core/backup/backup.h"
#include "audit/audit.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/keys/keystore.h"
#include "crypto/aead.h"
#include "db/db.h"
#include "jobs/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ACQUIRE_MS 30000
#define RETRY_MS (60 * 60 * 1000)
#define PRUNE_MAX 64

struct sched {
	const struct config *cfg;
	struct keystore *ks;
};

/* Snapshot of the database into tmp/, manifest into m. */
static int
snapshot(const struct config *cfg, struct db *db, const char *tmp,
    char *payload, size_t psz, struct buf *m, struct alc_err *err)
{
	struct backup_txn *txn = NULL;
	struct db_config dc;
	struct db *copy = NULL;
	char snap[64];
	int rc, pg = db_engine(db) == DB_POSTGRES;

	if ((size_t)snprintf(payload, psz, "%s/%s", tmp, pg ? "alcove.dump" :
	    "alcove.db") >= psz)
		return alc_err_set(err, ALC_ETOOBIG, "temporary path too long");
	if (pg) {
		if ((rc = backup_manifest_begin(db, &txn, snap, m, err)) == 0)
			rc = backup_pg_dump(cfg->database.conninfo, snap, payload,
			    err);
		backup_manifest_end(txn);
		return rc;
	}
	if ((rc = backup_sqlite_snapshot(cfg->database.path, payload, err)) != 0)
		return rc;
	memset(&dc, 0, sizeof(dc));
	dc.engine = DB_SQLITE;
	dc.sqlite_path = payload;
	dc.pool_size = 1;
	if ((rc = db_open(&copy, &dc, err)) != 0)
		return rc;
	rc = backup_manifest_begin(copy, &txn, snap, m, err);
	backup_manifest_end(txn);
	db_close(copy);
	return rc;
}

/* Streams the payload file through w. */
static int
copy_payload(const char *payload, struct backup_writer *w)
{
	unsigned char *chunk = malloc(BACKUP_CHUNK_BYTES);
	FILE *in = fopen(payload, "rb");
	size_t n;
	int rc = chunk == NULL ? ALC_ENOMEM : in == NULL ? ALC_EIO : 0;

	while (rc == 0 && (n = fread(chunk, 1, BACKUP_CHUNK_BYTES, in)) > 0)
		rc = backup_writer_write(w, chunk, n);
	if (rc == 0 && ferror(in))
		rc = ALC_EIO;
	if (in != NULL)
		fclose(in);
	free(chunk);
	return rc;
}

/* Encrypts m and the payload into out via out.tmp. */
static int
write_out(const char *out, struct backup_header *h, const unsigned char *key,
    const struct buf *m, const char *payload, int64_t *bytes,
    struct alc_err *err)
{
	struct backup_writer *w = NULL;
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd = -1, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= sizeof(tmp))
		return alc_err_set(err, ALC_ETOOBIG, "backup path too long");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    (f = fdopen(fd, "wb")) == NULL) {
		rc = alc_err_set(err, ALC_EIO, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if ((rc = backup_writer_open(&w, f, h, key, m->data, m->len)) != 0 ||
	    (rc = copy_payload(payload, w)) != 0 ||
	    (rc = backup_writer_finish(w)) != 0 || fsync(fileno(f)) != 0) {
		rc = alc_err_set(err, rc ? rc : ALC_EIO, "writing %s: %s", tmp,
		    rc ? alc_strerror(rc) : strerror(errno));
		goto out;
	}
	*bytes = ftell(f);
	rc = fclose(f);
	f = NULL;
	if (rc != 0 || rename(tmp, out) != 0) {
		rc = alc_err_set(err, ALC_EIO, "%s: %s", out, strerror(errno));
		goto out;
	}
	rc = fs_fsync_parent(out, err);
out:
	backup_writer_free(w);
	if (f != NULL)
		fclose(f);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int
backup_take(const struct config *cfg, struct db *db, struct keystore *ks,
    const char *out, int64_t *bytes, int64_t *key_id, struct alc_err *err)
{
	struct backup_header h;
	unsigned char *key = aead_key_alloc();
	char tmp[PATH_MAX] = "", payload[PATH_MAX];
	struct buf m;
	int rc;

	buf_init(&m, NULL);
	memset(&h, 0, sizeof(h));
	if (key == NULL)
		return alc_err_set(err, ALC_ENOMEM, "out of memory");
	if ((rc = keystore_backup_key(ks, &h.key_id, h.wrapped, key)) != 0) {
		rc = alc_err_set(err, rc, "the installation has no backup key");
		goto out;
	}
	snprintf(h.master_id, sizeof(h.master_id), "%s",
	    keystore_master_key_id(ks));
	if ((rc = backup_tmpdir(tmp, sizeof(tmp), err)) != 0) {
		tmp[0] = '\0';
		goto out;
	}
	if ((rc = snapshot(cfg, db, tmp, payload, sizeof(payload), &m,
	    err)) == 0 && (rc = write_out(out, &h, key, &m, payload, bytes,
	    err)) == 0)
		*key_id = h.key_id;
out:
	if (tmp[0] != '\0')
		backup_rmtree(tmp);
	buf_free(&m);
	aead_key_free(key);
	return rc;
}

int64_t
backup_interval_ms(const struct config *cfg)
{
	if (cfg->backup.interval_minutes > 0)
		return (int64_t)cfg->backup.interval_minutes * 60000;
	return (int64_t)cfg->backup.interval_hours * 3600000;
}

/* Queues the run due at run_at (by idempotency key) on c. */
static int
queue_run(struct db_conn *c, int64_t run_at, int64_t now)
{
	struct job_spec js;
	char key[64];

	snprintf(key, sizeof(key), "%s:%" PRId64, BACKUP_JOB_KIND, run_at);
	memset(&js, 0, sizeof(js));
	js.kind = BACKUP_JOB_KIND;
	js.run_at = run_at > now ? run_at : now;
	js.idempotency_key = key;
	js.max_attempts = 1;
	return jobs_enqueue(c, &js, NULL);
}

int
backup_schedule_start(struct db *db, const struct config *cfg, int64_t now)
{
	struct db_conn *c;
	int64_t last = 0;
	int rc;

	if (cfg->backup.dir[0] == '\0')
		return 0;
	if ((c = db_acquire(db, ACQUIRE_MS, NULL)) == NULL)
		return ALC_EDB;
	rc = db_query_i64(c, "SELECT MAX(started_at) FROM backups WHERE "
	    "started_at IS NOT NULL", &last);
	if (rc == 0 || rc == ALC_ENOTFOUND)
		rc = queue_run(c, last > 0 ? last + backup_interval_ms(cfg) : 0,
		    now);
	db_release(c);
	return rc;
}

/* The attempt's row, inserted before the backup starts. */
static int
insert_attempt(struct db_conn *c, int64_t started, int64_t *id)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO backups (started_at) VALUES "
	    "(?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, started);
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_EDB;
}

/* Deletes the files of good backups beyond keep (the new one, id, is the
 * newest) and marks their rows; in c's transaction.  *n: how many. */
static int
prune(struct db_conn *c, const struct config *cfg, int64_t id, int64_t now,
    int *n)
{
	int64_t ids[PRUNE_MAX];
	char path[PATH_MAX];
	struct db_stmt *s;
	int i, k = 0, rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, "SELECT id, file FROM backups WHERE ok = 1 "
	    "AND pruned_at IS NULL AND id <> ? ORDER BY started_at DESC, "
	    "id DESC")) != 0)
		return rc;
	db_bind_i64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW && *n < PRUNE_MAX) {
		const char *f = db_col_text(s, 1);
		if (++k < cfg->backup.keep)
			continue;
		if (f != NULL && f[0] != '\0' && f[0] != '.' &&
		    strchr(f, '/') == NULL && (size_t)snprintf(path,
		    sizeof(path), "%s/%s", cfg->backup.dir, f) < sizeof(path) &&
		    unlink(path) != 0 && errno != ENOENT)
			log_warn("backup: cannot delete an old backup", "file=%s "
			    "error=\"%s\"", f, strerror(errno));
		ids[(*n)++] = db_col_i64(s, 0);
	}
	db_stmt_done(s);
	for (i = 0; rc >= 0 && i < *n; i++) {
		if ((rc = db_prepare(c, &s, "UPDATE backups SET pruned_at = ? "
		    "WHERE id = ?")) != 0)
			return rc;
		db_bind_i64(s, 1, now);
		db_bind_i64(s, 2, ids[i]);
		rc = db_step(s);
		db_stmt_done(s);
	}
	return rc < 0 ? rc : 0;
}

/* What one attempt produced. */
struct attempt {
	int64_t id, started, bytes, key_id;
	const char *file;
	int ok, pruned;
	struct alc_err err;
};

static int
finish_row(struct db_conn *c, const struct attempt *a, int64_t now)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE backups SET finished_at = ?, "
	    "file = ?, bytes = ?, ok = ?, error = ? WHERE id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, now);
	db_bind_text(s, 2, a->ok ? a->file : NULL);
	if (a->ok)
		db_bind_i64(s, 3, a->bytes);
	else
		db_bind_null(s, 3);
	db_bind_i64(s, 4, a->ok);
	db_bind_text(s, 5, a->ok ? NULL : a->err.msg);
	db_bind_i64(s, 6, a->id);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The row, the prune, the BACKUP event and the next run: one txn. */
static int
record(struct db_conn *c, const struct config *cfg, struct attempt *a,
    int64_t now)
{
	char detail[192], reason[AUDIT_TEXT_MAX];
	struct audit_event ev = {
		.actor_role = "system", .verb = "BACKUP", .object_type =
		"database", .detail = detail,
	};
	int64_t iv = backup_interval_ms(cfg);
	int rc;

	if ((rc = db_begin(c)) != 0)
		return rc;
	if ((rc = finish_row(c, a, now)) == 0 && a->ok)
		rc = prune(c, cfg, a->id, now, &a->pruned);
	snprintf(detail, sizeof(detail), "{\"scheduled\":true,\"backup_id\":%"
	    PRId64 ",\"bytes\":%" PRId64 ",\"backup_key_id\":%" PRId64
	    ",\"pruned\":%d}", a->id, a->bytes, a->key_id, a->pruned);
	ev.outcome = a->ok ? AUDIT_OK : AUDIT_SERIOUS_FAILURE;
	ev.reason = a->ok ? NULL : audit_text_clean(reason, sizeof(reason),
	    a->err.msg);
	if (rc == 0 && (rc = audit_write(c, &ev)) == 0 &&
	    (rc = queue_run(c, a->started + (a->ok || iv < RETRY_MS ? iv :
	    RETRY_MS), now)) == 0)
		rc = db_commit(c);
	if (db_in_txn(c))
		db_rollback(c);
	if (rc == 0)
		jobs_wake();
	return rc;
}

static int
backup_job(struct job_ctx *ctx)
{
	const struct sched *sc = ctx->arg;
	const struct config *cfg = sc->cfg;
	char name[64], path[PATH_MAX];
	struct attempt a;
	struct tm tm;
	time_t t;
	int rc;

	memset(&a, 0, sizeof(a));
	a.started = time_now_ms();
	t = (time_t)(a.started / 1000);
	gmtime_r(&t, &tm);
	strftime(name, sizeof(name), "alcove-%Y%m%dT%H%M%SZ.alcbk", &tm);
	a.file = name;
	if ((rc = insert_attempt(ctx->conn, a.started, &a.id)) != 0)
		return jobs_fail(ctx, "cannot record the backup: %s",
		    alc_strerror(rc));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cfg->backup.dir,
	    name) >= sizeof(path))
		alc_err_set(&a.err, ALC_ETOOBIG, "backup.dir is too long");
	else
		a.ok = backup_take(cfg, ctx->db, sc->ks, path, &a.bytes,
		    &a.key_id, &a.err) == 0;
	if (a.ok)
		log_info("scheduled backup written", "file=%s bytes=%" PRId64,
		    name, a.bytes);
	else
		log_error("scheduled backup failed", "error=\"%s\"", a.err.msg);
	if ((rc = record(ctx->conn, cfg, &a, time_now_ms())) != 0)
		return jobs_fail(ctx, "cannot record the backup: %s",
		    alc_strerror(rc));
	return 0;
}

int
backup_register_jobs(struct jobs *q, const struct config *cfg,
    struct keystore *ks)
{
	static struct sched sc;

	sc.cfg = cfg;
	sc.ks = ks;
	return jobs_register(q, BACKUP_JOB_KIND, backup_job, &sc);
}

int
backup_status_get(struct db *db, struct backup_status *st)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((c = db_acquire(db, ACQUIRE_MS, NULL)) == NULL)
		return ALC_EDB;
	if ((rc = db_prepare(c, &s, "SELECT recorded_at FROM audit_events "
	    "WHERE practice_id IS NULL AND verb = 'BACKUP' AND outcome = 0 "
	    "ORDER BY seq DESC LIMIT 1")) != 0)
		goto out;
	if ((rc = db_step(s)) == DB_ROW)
		st->last_ok_at = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc < 0 || (rc = db_prepare(c, &s, "SELECT MAX(finished_at) FROM "
	    "backups WHERE ok = 1")) != 0)
		goto out;
	if ((rc = db_step(s)) == DB_ROW && db_col_i64(s, 0) > st->last_ok_at)
		st->last_ok_at = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc < 0 || (rc = db_prepare(c, &s, "SELECT started_at, error FROM "
	    "backups WHERE ok = 0 AND finished_at IS NOT NULL AND started_at "
	    "> ? ORDER BY started_at DESC LIMIT 1")) != 0)
		goto out;
	db_bind_i64(s, 1, st->last_ok_at);
	if ((rc = db_step(s)) == DB_ROW) {
		st->last_fail_at = db_col_i64(s, 0);
		snprintf(st->last_error, sizeof(st->last_error), "%s",
		    db_col_text(s, 1) ? db_col_text(s, 1) : "");
	}
	db_stmt_done(s);
out:
	db_release(c);
	return rc < 0 ? rc : 0;
}
