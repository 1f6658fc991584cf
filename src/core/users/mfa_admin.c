/*
 * mfa_admin.c - an administrator removes someone's two-step sign-in.
 *
 * The usual case is a lost phone with the recovery codes gone too.  The
 * person cannot prove a second factor, so the reset is done by someone
 * else, and everything about it is recorded: who did it, for whom, why.
 * Their sessions end in the same transaction, so a session opened with
 * the old factor (perhaps by whoever has the phone) does not survive it.
 */
#include "core/users/invite.h"
#include "core/users/admin.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

/* Runs sql with uid bound to its only parameter; *changed gets the count
 * of rows it touched (may be NULL). */
static int
exec_uid(struct db_conn *c, const char *sql, int64_t uid, int64_t *changed)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, 1, uid);
	rc = db_step(s);
	if (changed != NULL)
		*changed = db_changes(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
is_member(struct db_conn *c, int64_t pid, int64_t uid, int *yes)
{
	struct db_stmt *s;
	int rc;

	*yes = 0;
	if ((rc = db_prepare(c, &s, "SELECT 1 FROM memberships WHERE "
	    "practice_id = ? AND user_id = ? LIMIT 1")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	*yes = rc == DB_ROW;
	return 0;
}

static int
reset_in(struct db_conn *c, int64_t pid, int64_t uid,
    const struct audit_event *who, const char *reason, struct alc_err *err)
{
	struct audit_event ev;
	char id[24], mkey[40];
	int64_t removed;
	int rc, member;
	struct db_stmt *s;

	if ((rc = is_member(c, pid, uid, &member)) != 0)
		return rc;
	if (!member)
		return alc_err_set(err, ALC_ENOTFOUND, "no such user here");
	if ((rc = exec_uid(c, "DELETE FROM mfa_recovery_codes WHERE user_id = "
	    "?", uid, NULL)) != 0 ||
	    (rc = exec_uid(c, "DELETE FROM mfa WHERE user_id = ?", uid,
	    &removed)) != 0)
		return rc;
	if (removed == 0)
		return alc_err_set_user(err, ALC_ECONFLICT, "They have not set "
		    "up two-step sign-in, so there is nothing to reset.",
		    "no mfa");
	snprintf(mkey, sizeof(mkey), "mfa:%lld", (long long)uid);
	if ((rc = db_prepare(c, &s, "DELETE FROM auth_throttle WHERE key = "
	    "?")) != 0)
		return rc;
	db_bind_text(s, 1, mkey);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if ((rc = users_end_sessions(c, uid, "revoked", time_now_ms())) != 0)
		return rc;
	ev = *who;
	snprintf(id, sizeof(id), "%lld", (long long)uid);
	ev.verb = "MFA_CHANGE";
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = "user";
	ev.object_id = id;
	ev.reason = reason;
	ev.detail = "{\"mfa\":\"reset by administrator\",\"sessions\":\"ended\"}";
	return audit_write(c, &ev);
}

int
staff_mfa_reset(struct db *db, int64_t practice_id, int64_t user_id,
    const struct audit_event *who, const char *reason, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (reason == NULL || reason[0] == '\0')
		return alc_err_set_user(err, ALC_EINVAL, "Say why (for example: "
		    "lost phone), for the record.", "no reason");
	if (who->actor_user_id == user_id)
		return alc_err_set_user(err, ALC_EINVAL, "To change your own "
		    "two-step sign-in, use your account page.", "own account");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = reset_in(c, practice_id, user_id,
	    who, reason, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
