/*
 * reindex.c - recomputing patients' blind indexes under the active
 * blind-index key, for the rotation of that key (src/core/keys/
 * rotate_index.c calls patients_reindex_batch through
 * keys_rotate_opts.reindex, so core/keys does not depend on patients).
 *
 * A batch is the next patients by id after a cursor, every practice
 * together.  Each record is decrypted on the caller's connection, its
 * patient_search rows rewritten (pt_index_write, with the active key's
 * id on every row) and its dob_bidx recomputed with the same key, inside
 * the caller's transaction: the rotation commits the batch with its
 * progress row, so a crash loses the batch in progress and nothing else.
 * Redoing a batch is harmless (the rows come out the same).  Plaintext
 * lives in an arena freed per batch and is never logged.
 */
#include "core/patients/patients.h"
#include "core/patients/impl.h"
#include "core/keys/keystore.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

#include <stdlib.h>

/* The next ids (and practices) after after, at most batch. */
static int
next_ids(struct db_conn *c, int64_t after, int batch, int64_t *ids,
    int64_t *pids, int *n)
{
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, "SELECT id, practice_id FROM patients "
	    "WHERE id > ? ORDER BY id LIMIT ?")) != 0)
		return rc;
	db_bind_i64(s, 1, after);
	db_bind_i64(s, 2, batch);
	while ((rc = db_step(s)) == DB_ROW && *n < batch) {
		ids[*n] = db_col_i64(s, 0);
		pids[(*n)++] = db_col_i64(s, 1);
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* One patient's rows and birth-date index under the active key. */
static int
reindex_one(struct db_conn *c, struct keystore *ks, struct arena *a,
    int64_t pid, int64_t id)
{
	char dbx[BLIND_HEX_SIZE];
	struct patient_record r;
	struct db_stmt *s;
	int64_t kid;
	int rc;

	if ((rc = pt_record_load(c, ks, a, pid, id, &r)) != 0 ||
	    (rc = keystore_blind_key(ks, pid, &kid)) != 0 ||
	    (rc = pt_index_write(c, ks, pid, kid, id, &r)) != 0)
		return rc;
	if (r.dob == NULL || r.dob[0] == '\0' ||
	    keystore_blind_as(ks, pid, kid, BLIND_DOB, r.dob, dbx) != 0)
		return 0; /* no birth date: nothing indexed, as when saved */
	if ((rc = db_prepare(c, &s, "UPDATE patients SET dob_bidx = ?, "
	    "dob_key_id = ? WHERE id = ?")) != 0)
		return rc;
	db_bind_text(s, 1, dbx);
	db_bind_i64(s, 2, kid);
	db_bind_i64(s, 3, id);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
patients_reindex_batch(struct db_conn *c, struct keystore *ks, int64_t after,
    int batch, int64_t *last, int *count)
{
	int64_t *ids = NULL, *pids = NULL;
	struct arena *a = NULL;
	int n = 0, i, rc;

	*count = 0;
	*last = after;
	if (batch < 1)
		return ALC_EINVAL;
	if ((ids = calloc((size_t)batch, sizeof(*ids))) == NULL ||
	    (pids = calloc((size_t)batch, sizeof(*pids))) == NULL ||
	    (a = arena_new()) == NULL) {
		rc = ALC_ENOMEM;
		goto out;
	}
	if ((rc = next_ids(c, after, batch, ids, pids, &n)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		rc = reindex_one(c, ks, a, pids[i], ids[i]);
	if (rc == 0 && n > 0) {
		*last = ids[n - 1];
		*count = n;
	}
out:
	arena_free(a);
	free(ids);
	free(pids);
	return rc;
}
