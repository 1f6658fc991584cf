/*
 * rotate_end.c - the end of a key rotation (see rotate.c for the steps):
 * a retiring key that nothing uses any more (no sealed field, no
 * blind-index value: keys_count_sealed) becomes 'retired', one audited
 * transaction per key; when none is left the rotation is marked done,
 * otherwise every sweep is rewound for another pass.
 */
#include "core/keys/keystore_impl.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <inttypes.h>
#include <stdio.h>

/* Retires one unused key, audited, in one transaction. */
static int
retire_key(struct keys_run *x, int64_t id)
{
	char detail[96];
	struct db_stmt *s;
	int rc;

	snprintf(detail, sizeof(detail), "{\"step\":\"key_retired\","
	    "\"key_id\":%" PRId64 "}", id);
	if ((rc = db_begin(x->c)) != 0 || (rc = db_prepare(x->c, &s,
	    "UPDATE data_keys SET status = 'retired', retired_at = ? "
	    "WHERE id = ? AND status = 'retiring'")) != 0)
		goto out;
	db_bind_i64(s, 1, time_now_ms());
	db_bind_i64(s, 2, id);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc >= 0 && (rc = keys_audit_step(x, detail)) == 0 &&
	    (rc = db_commit(x->c)) == 0) {
		x->r->retired++;
		log_info("data key retired", "key_id=%" PRId64, id);
	}
out:
	if (db_in_txn(x->c))
		db_rollback(x->c);
	return rc < 0 ? rc : 0;
}

/* Retires what is unused; x->r->remaining counts the rest. */
int
keys_retire_unused(struct keys_run *x)
{
	int64_t n;
	size_t i;
	int rc;

	x->r->remaining = 0;
	if ((rc = keys_load_retiring(x->c, 0, &x->retiring)) != 0)
		return rc;
	for (i = 0; i < x->retiring.n; i++) {
		if ((rc = keys_count_sealed(x->c, x->retiring.ids[i], &n)) != 0)
			return rc;
		if (n == 0 && (rc = retire_key(x, x->retiring.ids[i])) != 0)
			return rc;
		x->r->remaining += n;
	}
	return 0;
}

/* Marks the rotation done, audited; or (done 0) rewinds every column
 * for another sweep. */
int
keys_finish(struct keys_run *x, int64_t rid, int done)
{
	char detail[128];
	struct db_stmt *s;
	int rc;

	snprintf(detail, sizeof(detail), "{\"step\":\"rotation_done\","
	    "\"rotation_id\":%" PRId64 ",\"retired\":%d}", rid, x->r->retired);
	if ((rc = db_begin(x->c)) != 0 || (rc = db_prepare(x->c, &s, done ?
	    "UPDATE key_rotations SET status = 'done', finished_at = ? WHERE "
	    "id = ?" : "UPDATE key_rotation_progress SET last_id = 0, pass = "
	    "pass + ? WHERE rotation_id = ?")) != 0)
		goto out;
	db_bind_i64(s, 1, done ? time_now_ms() : 1);
	db_bind_i64(s, 2, rid);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc >= 0 && (!done || (rc = keys_audit_step(x, detail)) == 0))
		rc = db_commit(x->c);
out:
	if (db_in_txn(x->c))
		db_rollback(x->c);
	return rc < 0 ? rc : 0;
}
