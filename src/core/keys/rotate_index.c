/*
 * rotate_index.c - the sweep of a blind-index key rotation.
 *
 * A blind index cannot be re-encrypted like a sealed field: it is a keyed
 * hash of a normalised value, so every indexed record must be decrypted
 * and its values hashed again under the new key.  What a record indexes
 * is the feature's business, so the rotation calls o->reindex (for
 * patients: patients_reindex_batch) on its own connection inside the
 * batch's transaction, and commits the batch together with its progress
 * row (KEYS_INDEX_TABLE.KEYS_INDEX_COLUMN in key_rotation_progress, made
 * by the start step when the purposes include the index key): a crash
 * loses at most the batch in progress and a rerun continues after the
 * last committed id, exactly as for sealed fields (rotate.c).
 *
 * Search keeps working meanwhile: every row names its key (migration
 * 0023) and search looks a value up under the active and the retiring
 * index keys.  The retiring key is retired by rotate_end.c once no row
 * names it.
 */
#include "core/keys/keystore_impl.h"
#include "base/err.h"
#include "base/log.h"
#include "db/db.h"

#include <inttypes.h>

static int
progress_put(struct keys_run *x, int64_t rid, int64_t last, int64_t done)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(x->c, &s, "UPDATE key_rotation_progress SET "
	    "last_id = ?, rows_done = rows_done + ? WHERE rotation_id = ? AND "
	    "table_name = ? AND column_name = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, last);
	db_bind_i64(s, 2, done);
	db_bind_i64(s, 3, rid);
	db_bind_text(s, 4, KEYS_INDEX_TABLE);
	db_bind_text(s, 5, KEYS_INDEX_COLUMN);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* One batch after *last, committed with its progress; *n records done. */
static int
index_batch(struct keys_run *x, int64_t rid, int64_t *last, int *n)
{
	int batch = x->o->batch > 0 ? x->o->batch : KEYS_ROTATE_BATCH;
	int64_t next = *last;
	int rc;

	*n = 0;
	if ((rc = db_begin(x->c)) != 0)
		goto out;
	if ((rc = x->o->reindex(x->c, x->ks, *last, batch, &next, n)) != 0) {
		alc_err_set(x->err, rc, "blind indexes of the record after id %"
		    PRId64 " cannot be recomputed: %s", *last, alc_strerror(rc));
		goto out;
	}
	if (*n == 0)
		goto out;
	if ((rc = progress_put(x, rid, next, *n)) == 0 &&
	    (rc = keys_hook_abort(x)) == 0 && (rc = db_commit(x->c)) == 0) {
		x->batches++;
		*last = next;
	}
out:
	if (db_in_txn(x->c))
		db_rollback(x->c);
	return rc;
}

int
keys_index_sweep(struct keys_run *x, int64_t rid)
{
	int batch = x->o->batch > 0 ? x->o->batch : KEYS_ROTATE_BATCH;
	int64_t last, total = 0;
	int found, n, rc;

	if ((rc = keys_progress_get(x, rid, KEYS_INDEX_TABLE, KEYS_INDEX_COLUMN,
	    &last, &found)) != 0 || !found)
		return rc;
	if (x->o->reindex == NULL)
		return alc_err_set(x->err, ALC_EINVAL, "this rotation includes "
		    "the blind-index key: resume it with `alcove keys rotate`");
	do {
		if ((rc = index_batch(x, rid, &last, &n)) != 0)
			return rc;
		total += n;
	} while (n == batch);
	log_info("key rotation: blind indexes recomputed", "records=%" PRId64,
	    total);
	if (x->o->progress != NULL)
		x->o->progress(x->o->progress_arg, KEYS_INDEX_TABLE,
		    KEYS_INDEX_COLUMN, total);
	return 0;
}
