/*
 * rotate.c - data-key rotation: new keys, every sealed field re-encrypted
 * with them, old keys retired once nothing uses them.
 *
 * Registry.  Sealed columns are listed once, in keys_sealed_cols[] below,
 * with the statements that read a batch, write one re-sealed field
 * (compare-and-swap on the old ciphertext, so an edit made meanwhile by
 * the server is never overwritten: it was sealed with the new key anyway)
 * and count the fields a key seals.  A feature that seals a new column
 * adds its row here; nothing else changes.  The statements are fixed text
 * with bound parameters: no SQL is assembled at run time.
 *
 * Steps, each in its own transaction and audited (KEY_CHANGE, detail
 * with ids only, never key material):
 *   1. start: a key_rotations row (one may run at a time), every active
 *      key of the chosen purposes marked 'retiring', a progress row per
 *      registry column (migration 0014).  Then keystore_ensure_practice
 *      creates the new active keys (rerun on resume: it is idempotent).
 *   2. settle: other processes cache "which key is active" for up to
 *      KEYSTORE_ACTIVE_TTL_MS; the sweep starts only after that time, so
 *      nobody seals with a retiring key once it has begun.
 *   3. sweep: per column, batches of o->batch rows by id; a batch's
 *      re-sealed fields and its progress row (last id done) commit
 *      together, so a crash loses at most one batch and a rerun continues
 *      after the last committed id.  Only fields whose header names a
 *      key that is not active are touched, which makes a repeated batch
 *      harmless; retired keys are included so that a field sealed with a
 *      stale cached key after a rotation run with no settle wait (the
 *      operator's --no-wait beside a running server) is picked up by the
 *      next rotation.
 *   4. retire: a retiring key that seals nothing any more becomes
 *      'retired'; when none is left the rotation is 'done'.  Fields still
 *      under a retiring key (a race with another process) get one more
 *      sweep; if some remain the rotation stays 'running' for a rerun.
 *
 * Blind-index keys are rotated too (--purpose blind_index): the same
 * steps, with a sweep over the indexed records instead of the sealed
 * columns (rotate_index.c); retiring and finishing are in rotate_end.c.
 * A rotation sweeps only what its purposes change: each sweep has its
 * progress row, made by the start step.
 *
 * Where it runs: `alcove keys rotate` runs this in its own process, with a
 * progress line per column on stderr; the server keeps serving (its
 * edits and the sweep meet only through the compare-and-swap).  The
 * server runs it too, as the job "keys.rotate" (rotate_job.c), started
 * from /settings/keys for one practice (o->practice_id: only that
 * practice's keys retire, so only its fields are re-sealed) or queued by
 * `alcove keys rotate --enqueue` for every practice.
 */
#include "core/keys/keystore_impl.h"
#include "audit/audit.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACQUIRE_MS 30000
#define MAX_SWEEPS 3

int
keys_purpose_parse(const char *s, enum keystore_purpose *p)
{
	int i;

	for (i = 0; s != NULL && i < KS_PURPOSE_COUNT; i++)
		if (strcmp(s, keystore_purpose_name((enum keystore_purpose)i))
		    == 0) {
			*p = (enum keystore_purpose)i;
			return 0;
		}
	return ALC_EINVAL;
}

/* The key id named by a field ciphertext's header, or 0. */
static int64_t
field_key_id(const unsigned char *ct, size_t n)
{
	uint64_t u = 0;
	int i;

	if (ct == NULL || n < KEYSTORE_FIELD_OVERHEAD ||
	    ct[0] != KEYSTORE_FIELD_VERSION)
		return 0;
	for (i = 1; i <= 8; i++)
		u = (u << 8) | ct[i];
	return (int64_t)u;
}

int
keys_idset_has(const struct keys_idset *s, int64_t id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return 1;
	return 0;
}

/* Makes the keystore re-read which keys are active on next use. */
static void
forget_active(struct keystore *ks)
{
	pthread_mutex_lock(&ks->mu);
	ks->nactive = 0;
	pthread_mutex_unlock(&ks->mu);
}

int
keys_audit_step(struct keys_run *x, const char *detail)
{
	struct audit_event ev = {
		.actor_role = x->o->actor_role ? x->o->actor_role : "system",
		.user_agent = x->o->user_agent, .verb = "KEY_CHANGE",
		.object_type = "data_key", .outcome = AUDIT_OK,
		.detail = detail,
	};

	return audit_write(x->c, &ev);
}

/* The retiring keys; with all, also the retired ones, so that a field a
 * process sealed with a stale key after its retirement is re-sealed too. */
int
keys_load_retiring(struct db_conn *c, int all, struct keys_idset *s)
{
	struct db_stmt *st;
	int64_t *ids;
	size_t cap = 0;
	int rc;

	s->n = 0;
	if ((rc = db_prepare(c, &st, all ? "SELECT id FROM data_keys WHERE "
	    "status <> 'active' AND purpose IN ('general', 'psychotherapy', "
	    "'part2') ORDER BY id" : "SELECT id FROM data_keys WHERE status = "
	    "'retiring' ORDER BY id")) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (s->n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((ids = realloc(s->ids, cap * sizeof(*ids))) == NULL) {
				rc = ALC_ENOMEM;
				break;
			}
			s->ids = ids;
		}
		s->ids[s->n++] = db_col_i64(st, 0);
	}
	db_stmt_done(st);
	return rc < 0 ? rc : 0;
}

/* Marks the chosen purposes' active keys retiring; progress rows. */
static int
start_rows(struct keys_run *x, int64_t rid)
{
	struct db_stmt *s;
	size_t i;
	int p, rc = 0;

	for (p = 0; p < KS_PURPOSE_COUNT && rc == 0; p++) {
		if (!(x->o->purposes & (1u << p)))
			continue;
		if ((rc = db_prepare(x->c, &s, x->o->practice_id ? "UPDATE "
		    "data_keys SET status = 'retiring' WHERE practice_id = ? AND "
		    "purpose = ? AND status = 'active'" : "UPDATE data_keys SET "
		    "status = 'retiring' WHERE practice_id IS NOT NULL AND ? = 0 "
		    "AND purpose = ? AND status = 'active'")) != 0)
			return rc;
		db_bind_i64(s, 1, x->o->practice_id);
		db_bind_text(s, 2, keystore_purpose_name((enum keystore_purpose)p));
		rc = db_step(s);
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	for (i = 0; i <= keys_sealed_ncols && rc == 0; i++) {
		/* Sweeps only for what this rotation changes. */
		if (i < keys_sealed_ncols ? !(x->o->purposes &
		    KEYS_ROTATE_ROTATABLE) : !(x->o->purposes & KEYS_ROTATE_INDEX))
			continue;
		if ((rc = db_prepare(x->c, &s, "INSERT INTO key_rotation_progress "
		    "(rotation_id, table_name, column_name) VALUES (?, ?, ?)")) != 0)
			return rc;
		db_bind_i64(s, 1, rid);
		db_bind_text(s, 2, i < keys_sealed_ncols ?
		    keys_sealed_cols[i].table : KEYS_INDEX_TABLE);
		db_bind_text(s, 3, i < keys_sealed_ncols ?
		    keys_sealed_cols[i].column : KEYS_INDEX_COLUMN);
		rc = db_step(s);
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	return rc;
}

/* Step 1, in one transaction: *rid and *started receive the rotation. */
static int
start(struct keys_run *x, int64_t *rid, int64_t *started)
{
	char names[96] = "", detail[192];
	struct db_stmt *s;
	int p, rc;

	for (p = 0; p < KS_PURPOSE_COUNT; p++)
		if (x->o->purposes & (1u << p))
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
			    "%s%s", names[0] ? "," : "",
			    keystore_purpose_name((enum keystore_purpose)p));
	*started = time_now_ms();
	if ((rc = db_begin(x->c)) != 0 || (rc = db_prepare(x->c, &s,
	    "INSERT INTO key_rotations (purposes, started_at) VALUES (?, ?) "
	    "RETURNING id")) != 0)
		goto out;
	db_bind_text(s, 1, names);
	db_bind_i64(s, 2, *started);
	if ((rc = db_step(s)) == DB_ROW)
		*rid = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW) {
		rc = rc < 0 ? rc : ALC_EDB;
		goto out;
	}
	snprintf(detail, sizeof(detail), "{\"step\":\"rotation_start\","
	    "\"rotation_id\":%" PRId64 ",\"purposes\":\"%s\"}", *rid, names);
	if ((rc = start_rows(x, *rid)) == 0 && (rc = keys_audit_step(x, detail)) == 0)
		rc = db_commit(x->c);
out:
	if (rc != 0 && db_in_txn(x->c))
		db_rollback(x->c);
	return rc;
}

/* New active keys for every practice (idempotent). */
static int
ensure_all_practices(struct keys_run *x)
{
	struct db_stmt *s;
	int64_t ids[256];
	size_t n = 0, i;
	int64_t after = 0;
	int rc;

	do {
		n = 0;
		if ((rc = db_prepare(x->c, &s, "SELECT id FROM practices WHERE "
		    "id > ? ORDER BY id LIMIT 256")) != 0)
			return rc;
		db_bind_i64(s, 1, after);
		while ((rc = db_step(s)) == DB_ROW)
			ids[n++] = db_col_i64(s, 0);
		db_stmt_done(s);
		if (rc < 0)
			return rc;
		for (i = 0; i < n; i++)
			if ((rc = keystore_ensure_practice(x->ks, ids[i])) != 0)
				return rc;
		if (n > 0)
			after = ids[n - 1];
	} while (n == 256);
	forget_active(x->ks);
	return 0;
}

/* One field of a batch: read outside the transaction, re-sealed, then
 * written with a compare-and-swap inside it. */
struct row {
	int64_t id, pid;
	struct buf old, fresh;
};

static void
rows_free(struct row *w, size_t n)
{
	size_t i;

	for (i = 0; w != NULL && i < n; i++) {
		buf_free(&w[i].old);
		buf_free(&w[i].fresh);
	}
	free(w);
}

/* Reads up to batch rows of col after *last into w; *n rows read. */
static int
read_batch(struct keys_run *x, const struct sealed_col *col, int64_t last,
    int batch, struct row *w, size_t *n)
{
	struct db_stmt *s;
	const void *p;
	size_t len;
	int rc;

	*n = 0;
	if ((rc = db_prepare(x->c, &s, col->sel)) != 0)
		return rc;
	db_bind_i64(s, 1, last);
	db_bind_i64(s, 2, batch);
	while ((rc = db_step(s)) == DB_ROW) {
		struct row *r = &w[(*n)++];
		r->id = db_col_i64(s, 0);
		r->pid = db_col_i64(s, 1);
		p = db_col_blob(s, 2, &len);
		buf_append(&r->old, p, len);
		if (buf_failed(&r->old)) {
			rc = ALC_ENOMEM;
			break;
		}
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Re-seals w->old into w->fresh when a retiring key sealed it. */
static int
reseal(struct keys_run *x, const struct sealed_col *col, struct row *w)
{
	struct field_ref ref = {w->pid, col->purpose, col->table, col->column,
	    w->id};
	struct buf pt;
	int rc;

	if (!keys_idset_has(&x->retiring, field_key_id((const unsigned char *)
	    w->old.data, w->old.len)))
		return 0;
	buf_init(&pt, NULL);
	if ((rc = keystore_open_field(x->ks, &ref, w->old.data, w->old.len,
	    &pt)) != 0) {
		alc_err_set(x->err, rc, "%s.%s of row %" PRId64 " does not "
		    "open: %s", col->table, col->column, w->id, alc_strerror(rc));
		goto out;
	}
	rc = keystore_seal(x->ks, &ref, pt.data, pt.len, &w->fresh);
out:
	if (pt.data != NULL)
		sodium_memzero(pt.data, pt.cap);
	buf_free(&pt);
	return rc;
}

/* Writes the batch's fresh fields and its progress, in x->c's txn. */
static int
write_batch(struct keys_run *x, int64_t rid, const struct sealed_col *col,
    const struct row *w, size_t n, int64_t *resealed)
{
	struct db_stmt *s;
	size_t i;
	int rc = 0;

	*resealed = 0;
	for (i = 0; i < n && rc == 0; i++) {
		if (w[i].fresh.len == 0)
			continue;
		if ((rc = db_prepare(x->c, &s, col->upd)) != 0)
			return rc;
		db_bind_blob(s, 1, w[i].fresh.data, w[i].fresh.len);
		db_bind_i64(s, 2, w[i].id);
		db_bind_blob(s, 3, w[i].old.data, w[i].old.len);
		if ((rc = db_step(s)) >= 0) {
			*resealed += db_changes(s);
			rc = 0;
		}
		db_stmt_done(s);
	}
	if (rc != 0 || (rc = db_prepare(x->c, &s, "UPDATE key_rotation_progress "
	    "SET last_id = ?, rows_done = rows_done + ? WHERE rotation_id = ? "
	    "AND table_name = ? AND column_name = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, w[n - 1].id);
	db_bind_i64(s, 2, *resealed);
	db_bind_i64(s, 3, rid);
	db_bind_text(s, 4, col->table);
	db_bind_text(s, 5, col->column);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The test hook: stop inside the batch, before its commit. */
int
keys_hook_abort(struct keys_run *x)
{
	if (x->o->abort_after <= 0 || x->batches < x->o->abort_after)
		return 0;
	log_warn("key rotation: test abort", "batches=%d", x->batches);
	if (x->o->abort_kill)
		raise(SIGKILL);
	return alc_err_set(x->err, ALC_EBUSY, "stopped by the test hook after "
	    "%d batches", x->batches);
}

/* One batch of col after *last; *more is 0 when the column is done. */
static int
one_batch(struct keys_run *x, int64_t rid, const struct sealed_col *col,
    int64_t *last, int64_t *resealed, int *more)
{
	int batch = x->o->batch > 0 ? x->o->batch : KEYS_ROTATE_BATCH;
	struct row *w;
	size_t n = 0, i;
	int rc;

	*more = 0;
	*resealed = 0;
	if ((w = calloc((size_t)batch, sizeof(*w))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < (size_t)batch; i++) {
		buf_init(&w[i].old, NULL);
		buf_init(&w[i].fresh, NULL);
	}
	if ((rc = read_batch(x, col, *last, batch, w, &n)) != 0 || n == 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		rc = reseal(x, col, &w[i]);
	if (rc != 0 || (rc = db_begin(x->c)) != 0)
		goto out;
	if ((rc = write_batch(x, rid, col, w, n, resealed)) == 0 &&
	    (rc = keys_hook_abort(x)) == 0 && (rc = db_commit(x->c)) == 0) {
		x->batches++;
		*last = w[n - 1].id;
		*more = n == (size_t)batch;
	}
out:
	if (db_in_txn(x->c))
		db_rollback(x->c);
	rows_free(w, (size_t)batch);
	return rc;
}

/* Where the sweep of table.column stands; *found 0 when this rotation
 * has no progress row for it. */
int
keys_progress_get(struct keys_run *x, int64_t rid, const char *table,
    const char *column, int64_t *last, int *found)
{
	struct db_stmt *s;
	int rc;

	*last = 0;
	*found = 0;
	if ((rc = db_prepare(x->c, &s, "SELECT last_id FROM "
	    "key_rotation_progress WHERE rotation_id = ? AND table_name = ? "
	    "AND column_name = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, rid);
	db_bind_text(s, 2, table);
	db_bind_text(s, 3, column);
	if ((rc = db_step(s)) == DB_ROW) {
		*last = db_col_i64(s, 0);
		*found = 1;
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Sweeps every column from where it stands to its end. */
static int
sweep(struct keys_run *x, int64_t rid)
{
	int64_t last, got, total;
	size_t i;
	int more, found, rc;

	if ((rc = keys_load_retiring(x->c, 1, &x->retiring)) != 0)
		return rc;
	for (i = 0; i < keys_sealed_ncols; i++) {
		const struct sealed_col *col = &keys_sealed_cols[i];
		if ((rc = keys_progress_get(x, rid, col->table, col->column,
		    &last, &found)) != 0)
			return rc;
		if (!found)
			continue; /* a rotation of the blind-index key only */
		total = 0;
		do {
			if ((rc = one_batch(x, rid, col, &last, &got, &more)) != 0)
				return rc;
			total += got;
		} while (more);
		x->r->resealed += total;
		if (x->o->progress != NULL)
			x->o->progress(x->o->progress_arg, col->table, col->column,
			    total);
	}
	return 0;
}

/* Starts or resumes, then waits for other processes to settle. */
static int
begin_or_resume(struct keys_run *x, int64_t *rid)
{
	int64_t started = 0, settle, wait;
	struct timespec ts;
	int rc;

	if ((rc = keys_find_rotation(x->c, rid, &started)) != 0)
		return rc;
	x->r->resumed = *rid != 0;
	if (*rid == 0 && x->o->purposes == 0)
		return alc_err_set(x->err, ALC_ENOTFOUND, "no key rotation is "
		    "running");
	if (*rid == 0 && (rc = start(x, rid, &started)) != 0)
		return rc == ALC_EEXIST ? alc_err_set(x->err, ALC_EBUSY,
		    "another key rotation started meanwhile") : rc;
	x->r->rotation_id = *rid;
	if ((rc = ensure_all_practices(x)) != 0)
		return rc;
	settle = x->o->settle_ms < 0 ? KEYSTORE_ACTIVE_TTL_MS + 5000 :
	    x->o->settle_ms;
	wait = started + settle - time_now_ms();
	if (x->o->on_start != NULL)
		x->o->on_start(x->o->progress_arg, *rid, x->r->resumed,
		    wait > 0 ? wait : 0);
	if (wait > 0) {
		log_info("key rotation: waiting for other processes to use the "
		    "new keys", "ms=%" PRId64, wait);
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (long)(wait % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	return 0;
}

int
keys_rotate(struct keystore *ks, const struct keys_rotate_opts *o,
    struct keys_rotate_result *r, struct alc_err *err)
{
	struct keys_run x = {ks, NULL, o, r, err, {NULL, 0}, 0};
	int64_t rid = 0;
	int rc, pass;

	memset(r, 0, sizeof(*r));
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (o->purposes & ~(KEYS_ROTATE_ROTATABLE | KEYS_ROTATE_INDEX))
		return alc_err_set(err, ALC_EINVAL, "only general, psychotherapy, "
		    "part2 and blind_index keys can be rotated");
	if ((o->purposes & KEYS_ROTATE_INDEX) && o->reindex == NULL)
		return alc_err_set(err, ALC_EINVAL, "rotating the blind-index "
		    "key needs the records' reindexer");
	if ((x.c = db_acquire(ks->db, ACQUIRE_MS, err)) == NULL)
		return ALC_EDB;
	if ((rc = begin_or_resume(&x, &rid)) != 0)
		goto out;
	for (pass = 0; pass < MAX_SWEEPS; pass++) {
		if ((rc = sweep(&x, rid)) != 0 ||
		    (rc = keys_index_sweep(&x, rid)) != 0 ||
		    (rc = keys_retire_unused(&x)) != 0)
			goto out;
		if (r->remaining == 0 || pass + 1 == MAX_SWEEPS)
			break;
		if ((rc = keys_finish(&x, rid, 0)) != 0)
			goto out;
	}
	if (r->remaining == 0)
		rc = keys_finish(&x, rid, 1);
out:
	if (rc != 0 && err != NULL && err->code == 0)
		alc_err_set(err, rc, "key rotation failed: %s", alc_strerror(rc));
	free(x.retiring.ids);
	db_release(x.c);
	return rc;
}
