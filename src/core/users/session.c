/*
 * session.c - server-side sessions (see users.h).
 */
#include "core/users/users.h"
#include "base/err.h"
#include "crypto/hash.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The practice's idle timeout, from its settings (default 15 minutes). */
static int64_t
idle_ms_for(struct db_conn *c, int64_t practice_id)
{
	struct db_stmt *s;
	int64_t ms = SESSION_IDLE_DEFAULT_MS;
	long minutes;

	if (db_prepare(c, &s, "SELECT value FROM settings WHERE practice_id = ? "
	    "AND key = 'session.idle_minutes'") != 0)
		return ms;
	db_bind_i64(s, 1, practice_id);
	if (db_step(s) == DB_ROW) {
		minutes = strtol(db_col_text(s, 0), NULL, 10);
		if (minutes >= 1 && minutes <= 60)
			ms = minutes * 60 * 1000;
	}
	db_stmt_done(s);
	return ms;
}

int
session_create(struct db *db, int64_t user_id, int64_t practice_id,
    const char *addr, const char *user_agent, int64_t now,
    char token[RAND_TOKEN_SIZE], struct session *out)
{
	char th[HASH_HEX_SIZE], csrf[RAND_TOKEN_SIZE];
	struct db_conn *c;
	struct db_stmt *s;
	int64_t idle;
	int rc;

	rand_token(token, RAND_TOKEN_SIZE);
	rand_token(csrf, RAND_TOKEN_SIZE);
	hash_token(token, th);
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	idle = idle_ms_for(c, practice_id);
	if ((rc = db_prepare(c, &s, "INSERT INTO sessions (token_hash, user_id, "
	    "practice_id, csrf, created_at, last_seen_at, idle_ms, expires_at, "
	    "source_addr, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
	    != 0)
		goto out;
	db_bind_text(s, 1, th);
	db_bind_i64(s, 2, user_id);
	db_bind_i64(s, 3, practice_id);
	db_bind_text(s, 4, csrf);
	db_bind_i64(s, 5, now);
	db_bind_i64(s, 6, now);
	db_bind_i64(s, 7, idle);
	db_bind_i64(s, 8, now + SESSION_ABSOLUTE_MS);
	db_bind_textn(s, 9, addr ? addr : "", addr ? strnlen(addr, 47) : 0);
	db_bind_textn(s, 10, user_agent ? user_agent : "",
	    user_agent ? strnlen(user_agent, 159) : 0);
	rc = db_step(s);
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	db_release(c);
	if (rc == 0 && out != NULL)
		rc = session_lookup(db, token, now, out);
	return rc;
}

static int
end_by_id(struct db_conn *c, int64_t id, const char *reason, int64_t now)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE sessions SET ended_at = ?, "
	    "end_reason = ? WHERE id = ? AND ended_at IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, now);
	db_bind_text(s, 2, reason);
	db_bind_i64(s, 3, id);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Roles of the user in the session's practice. */
static int
load_roles(struct db_conn *c, struct session *se)
{
	struct db_stmt *s;
	int rc;

	se->roles = 0;
	if ((rc = db_prepare(c, &s, "SELECT role FROM memberships WHERE "
	    "practice_id = ? AND user_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, se->practice_id);
	db_bind_i64(s, 2, se->user_id);
	while ((rc = db_step(s)) == DB_ROW)
		se->roles |= role_parse(db_col_text(s, 0));
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static void
copy_col(char *dst, size_t n, struct db_stmt *s, int col)
{
	const char *v = db_col_text(s, col);

	snprintf(dst, n, "%s", v ? v : "");
}

#define SESSION_SELECT "SELECT s.id, s.user_id, s.practice_id, s.csrf, " \
	"s.created_at, s.last_seen_at, s.idle_ms, s.expires_at, s.mfa, " \
	"s.ended_at, s.end_reason, u.display_name, u.email, u.status, p.name " \
	"FROM sessions s JOIN users u ON u.id = s.user_id JOIN practices p " \
	"ON p.id = s.practice_id WHERE s.token_hash = ?"

static int
read_session(struct db_conn *c, const char *th, struct session *se,
    int *ended, char *reason, size_t reasonsz, int *active_user)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, SESSION_SELECT)) != 0)
		return rc;
	db_bind_text(s, 1, th);
	if ((rc = db_step(s)) == DB_ROW) {
		se->id = db_col_i64(s, 0);
		se->user_id = db_col_i64(s, 1);
		se->practice_id = db_col_i64(s, 2);
		copy_col(se->csrf, sizeof(se->csrf), s, 3);
		se->created_at = db_col_i64(s, 4);
		se->last_seen_at = db_col_i64(s, 5);
		se->idle_ms = db_col_i64(s, 6);
		se->expires_at = db_col_i64(s, 7);
		se->mfa = (int)db_col_i64(s, 8);
		*ended = !db_col_is_null(s, 9);
		copy_col(reason, reasonsz, s, 10);
		copy_col(se->user_name, sizeof(se->user_name), s, 11);
		copy_col(se->user_email, sizeof(se->user_email), s, 12);
		*active_user = strcmp(db_col_text(s, 13), "active") == 0;
		copy_col(se->practice_name, sizeof(se->practice_name), s, 14);
	}
	db_stmt_done(s);
	return rc < 0 ? rc : rc == DB_ROW ? 0 : ALC_ENOTFOUND;
}

static const char *
static_reason(const char *r)
{
	static const char *const reasons[] = {"logout", "idle", "expired",
	    "revoked", "deactivated", "rotated"};
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(r, reasons[i]) == 0)
			return reasons[i];
	return "ended";
}

static int
touch(struct db_conn *c, int64_t id, int64_t now)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE sessions SET last_seen_at = ? "
	    "WHERE id = ? AND ended_at IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, now);
	db_bind_i64(s, 2, id);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
session_lookup(struct db *db, const char *token, int64_t now,
    struct session *se)
{
	char th[HASH_HEX_SIZE], reason[32];
	struct db_conn *c;
	int rc, ended = 0, active = 0;

	memset(se, 0, sizeof(*se));
	hash_token(token, th);
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = read_session(c, th, se, &ended, reason, sizeof(reason),
	    &active)) != 0)
		goto out;
	if (ended) {
		se->ended = static_reason(reason);
	} else if (!active)
		se->ended = "deactivated";
	else if (now >= se->expires_at)
		se->ended = "expired";
	else if (now - se->last_seen_at >= se->idle_ms)
		se->ended = "idle";
	if (se->ended != NULL) {
		if (!ended && (rc = end_by_id(c, se->id, se->ended, now)) != 0)
			goto out;
		rc = ALC_EAUTH;
		goto out;
	}
	if (now - se->last_seen_at >= SESSION_TOUCH_MS &&
	    (rc = touch(c, se->id, now)) != 0)
		goto out;
	se->last_seen_at = now;
	rc = load_roles(c, se);
out:
	db_release(c);
	return rc;
}

int
session_end(struct db *db, int64_t session_id, const char *reason,
    int64_t now)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = end_by_id(c, session_id, reason, now);
	db_release(c);
	return rc;
}

int
session_end_others(struct db *db, int64_t user_id, int64_t keep_id,
    const char *reason, int64_t now, int64_t *ended)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*ended = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "UPDATE sessions SET ended_at = ?, "
	    "end_reason = ? WHERE user_id = ? AND id <> ? AND ended_at IS NULL"))
	    == 0) {
		db_bind_i64(s, 1, now);
		db_bind_text(s, 2, reason);
		db_bind_i64(s, 3, user_id);
		db_bind_i64(s, 4, keep_id);
		if ((rc = db_step(s)) >= 0) {
			*ended = db_changes(s);
			rc = 0;
		}
		db_stmt_done(s);
	}
	db_release(c);
	return rc;
}

#define LIVE_WHERE "user_id = ? AND ended_at IS NULL AND expires_at > ? " \
	"AND last_seen_at + idle_ms > ?"

int
session_count(struct db *db, int64_t user_id, int64_t now, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT count(*) FROM sessions WHERE "
	    LIVE_WHERE)) == 0) {
		db_bind_i64(s, 1, user_id);
		db_bind_i64(s, 2, now);
		db_bind_i64(s, 3, now);
		if ((rc = db_step(s)) == DB_ROW)
			*n = (size_t)db_col_i64(s, 0);
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

int
session_list(struct db *db, int64_t user_id, int64_t now,
    struct session_info *out, size_t max, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT id, created_at, last_seen_at, "
	    "source_addr, user_agent FROM sessions WHERE " LIVE_WHERE
	    " ORDER BY last_seen_at DESC, id DESC")) == 0) {
		db_bind_i64(s, 1, user_id);
		db_bind_i64(s, 2, now);
		db_bind_i64(s, 3, now);
		while ((rc = db_step(s)) == DB_ROW && *n < max) {
			out[*n].id = db_col_i64(s, 0);
			out[*n].created_at = db_col_i64(s, 1);
			out[*n].last_seen_at = db_col_i64(s, 2);
			copy_col(out[*n].addr, sizeof(out[*n].addr), s, 3);
			copy_col(out[*n].user_agent,
			    sizeof(out[*n].user_agent), s, 4);
			(*n)++;
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}
