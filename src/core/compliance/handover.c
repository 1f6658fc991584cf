/*
 * handover.c - what happens to a person's compliance tasks when their
 * access is removed: nothing may be left without an owner.
 *
 * Their tasks go to a compliance officer of the practice (the lowest user
 * id among the active ones, so the choice is stable), or to an owner when
 * there is none; the person is removed as backup owner everywhere.  Runs
 * inside the deactivation's transaction, so either the person is
 * deactivated and their tasks have new owners, or neither happens.
 */
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <string.h>

#define HANDOVER_REASON "Owner deactivated: handed to the compliance officer"

/* The active compliance officer (else owner) who takes over from uid. */
static int
successor(struct db_conn *c, int64_t pid, int64_t uid, int64_t *to)
{
	static const char *const roles[] = {"compliance", "owner"};
	struct db_stmt *s;
	size_t i;
	int rc;

	*to = 0;
	for (i = 0; i < 2 && *to == 0; i++) {
		if ((rc = db_prepare(c, &s, "SELECT m.user_id FROM memberships m "
		    "JOIN users u ON u.id = m.user_id WHERE m.practice_id = ? AND "
		    "m.role = ? AND m.user_id <> ? AND u.status = 'active' "
		    "ORDER BY m.user_id LIMIT 1")) != 0)
			return rc;
		db_bind_i64(s, 1, pid);
		db_bind_text(s, 2, roles[i]);
		db_bind_i64(s, 3, uid);
		if ((rc = db_step(s)) == DB_ROW)
			*to = db_col_i64(s, 0);
		db_stmt_done(s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Ids of the practice's active tasks owned by uid (at most max). */
static int
owned_tasks(struct db_conn *c, int64_t pid, int64_t uid, int64_t *ids,
    size_t max, size_t *n)
{
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, "SELECT id FROM compliance_tasks WHERE "
	    "practice_id = ? AND owner_id = ? AND status = 'active' ORDER BY id"))
	    != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	while ((rc = db_step(s)) == DB_ROW && *n < max)
		ids[(*n)++] = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
compliance_hand_over(struct db_conn *c, int64_t practice_id, int64_t uid,
    const struct audit_event *who, size_t *moved)
{
	struct compliance_actor actor = {who, 1};
	struct alc_err err;
	struct arena *a;
	int64_t ids[512], to, v[3];
	size_t n, i;
	int rc;

	*moved = 0;
	v[0] = time_now_ms();
	v[1] = practice_id;
	v[2] = uid;
	if ((rc = cmp_exec(c, "UPDATE compliance_tasks SET backup_owner_id = NULL, "
	    "updated_at = ? WHERE practice_id = ? AND backup_owner_id = ?", v, 3))
	    != 0 || (rc = owned_tasks(c, practice_id, uid, ids, 512, &n)) != 0 ||
	    n == 0 || (rc = successor(c, practice_id, uid, &to)) != 0)
		return rc;
	if (to == 0)
		return 0; /* the last owner: deactivation refuses that anyway */
	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	memset(&err, 0, sizeof(err));
	for (i = 0; rc == 0 && i < n; i++)
		if ((rc = cmp_reassign_in(c, a, practice_id, &actor, ids[i], to,
		    HANDOVER_REASON, &err)) == 0)
			(*moved)++;
	arena_free(a);
	return rc;
}
