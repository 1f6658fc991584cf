/*
 * session.c - server-side sessions (see users.h).
 */
#include "core/users/users.h"
#include "core/users/mfa.h"
#include "audit/audit.h"
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

/* The audit event of something that happened to session sid of user uid,
 * on c (the caller's transaction).  who: where the request came from. */
static int
audit_session(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t uid, int64_t pid, int64_t sid, int mfa,
    const char *detail)
{
	struct audit_event ev;
	char id[24], ref[40];

	if (who != NULL)
		ev = *who;
	else
		memset(&ev, 0, sizeof(ev));
	snprintf(id, sizeof(id), "%lld", (long long)sid);
	snprintf(ref, sizeof(ref), "session:%lld", (long long)sid);
	ev.actor_user_id = uid;
	ev.practice_id = pid;
	ev.session_ref = ref;
	ev.mfa = mfa;
	ev.verb = verb;
	ev.action = 0;
	ev.object_type = "session";
	ev.object_id = id;
	ev.detail = detail;
	return audit_write(c, &ev);
}

/* Inserts a session row on c (the caller's transaction); *sid gets its id. */
static int
insert_session(struct db_conn *c, const char *th, const char *csrf,
    int64_t user_id, int64_t practice_id, int64_t idle, int mfa,
    const char *addr, const char *user_agent, int64_t now, int64_t *sid)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO sessions (token_hash, "
	    "user_id, practice_id, csrf, created_at, last_seen_at, idle_ms, "
	    "expires_at, source_addr, user_agent, mfa) VALUES (?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
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
	db_bind_i64(s, 11, mfa ? 1 : 0);
	if ((rc = db_step(s)) == DB_ROW)
		*sid = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_EDB;
}

/* A new cookie token, its hash and a new CSRF token. */
static void
fresh_tokens(char token[RAND_TOKEN_SIZE], char th[HASH_HEX_SIZE],
    char csrf[RAND_TOKEN_SIZE])
{
	rand_token(token, RAND_TOKEN_SIZE);
	rand_token(csrf, RAND_TOKEN_SIZE);
	hash_token(token, th);
}

int
session_create(struct db *db, int64_t user_id, int64_t practice_id,
    const char *addr, const char *user_agent, int64_t now,
    const struct audit_event *who, char token[RAND_TOKEN_SIZE],
    struct session *out)
{
	char th[HASH_HEX_SIZE], csrf[RAND_TOKEN_SIZE];
	struct db_conn *c;
	int64_t idle, sid = 0;
	int rc;

	fresh_tokens(token, th, csrf);
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	idle = idle_ms_for(c, practice_id);
	if ((rc = db_begin(c)) == 0 &&
	    (rc = insert_session(c, th, csrf, user_id, practice_id, idle, 0,
	    addr, user_agent, now, &sid)) == 0 &&
	    (rc = audit_session(c, who, "LOGIN", user_id, practice_id, sid, 0,
	    "{\"step\":\"password\"}")) == 0)
		rc = db_commit(c);
	db_release(c); /* rolls back an unfinished transaction */
	if (rc == 0 && out != NULL)
		rc = session_lookup(db, token, now, who, out);
	return rc;
}

/* On c (the caller's transaction): ends old with reason "rotated" and
 * inserts its successor in practice pid (token hash th); *sid gets its
 * id.  ALC_EAUTH when old had already ended (a concurrent rotation won). */
static int
replace_in(struct db_conn *c, const struct session *old, int64_t pid,
    int64_t idle, int mfa, const char *th, const char *csrf,
    const char *addr, const char *user_agent, int64_t now, int64_t *sid)
{
	struct db_stmt *s;
	int64_t ended = 0;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE sessions SET ended_at = ?, "
	    "end_reason = 'rotated' WHERE id = ? AND ended_at IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, now);
	db_bind_i64(s, 2, old->id);
	if ((rc = db_step(s)) >= 0)
		ended = db_changes(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if (ended != 1)
		return ALC_EAUTH;
	return insert_session(c, th, csrf, old->user_id, pid, idle, mfa, addr,
	    user_agent, now, sid);
}

int
session_rotate(struct db *db, const struct session *old, int mfa,
    const char *addr, const char *user_agent, int64_t now,
    const struct audit_event *who, char token[RAND_TOKEN_SIZE],
    struct session *out)
{
	char th[HASH_HEX_SIZE], csrf[RAND_TOKEN_SIZE];
	struct db_conn *c;
	int64_t sid = 0;
	int rc;

	fresh_tokens(token, th, csrf);
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0 ||
	    (rc = replace_in(c, old, old->practice_id, old->idle_ms, mfa, th,
	    csrf, addr, user_agent, now, &sid)) != 0 ||
	    (rc = audit_session(c, who, "LOGIN", old->user_id,
	    old->practice_id, sid, mfa, mfa ? "{\"step\":\"second_factor\"}" :
	    "{\"step\":\"rotated\"}")) != 0)
		goto out;
	rc = db_commit(c);
out:
	db_release(c); /* rolls back an unfinished transaction */
	if (rc == 0 && out != NULL)
		rc = session_lookup(db, token, now, who, out);
	return rc;
}

/* 0 when user uid holds a role in practice pid (not retired), else
 * ALC_ENOTFOUND. */
static int
check_member(struct db_conn *c, int64_t uid, int64_t pid)
{
	struct db_stmt *s;
	int64_t n = 0;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT count(*) FROM memberships m JOIN "
	    "practices p ON p.id = m.practice_id WHERE m.user_id = ? AND "
	    "m.practice_id = ? AND p.retired_at IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, uid);
	db_bind_i64(s, 2, pid);
	if ((rc = db_step(s)) == DB_ROW)
		n = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	return n > 0 ? 0 : ALC_ENOTFOUND;
}

int
session_switch(struct db *db, const struct session *old, int64_t practice_id,
    const char *addr, const char *user_agent, int64_t now,
    const struct audit_event *who, char token[RAND_TOKEN_SIZE],
    struct session *out)
{
	char th[HASH_HEX_SIZE], csrf[RAND_TOKEN_SIZE], detail[96];
	struct db_conn *c;
	int64_t idle, sid = 0;
	int rc;

	fresh_tokens(token, th, csrf);
	snprintf(detail, sizeof(detail), "{\"from_practice\":%lld,"
	    "\"to_practice\":%lld}", (long long)old->practice_id,
	    (long long)practice_id);
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	idle = idle_ms_for(c, practice_id);
	if ((rc = db_begin(c)) != 0 ||
	    (rc = check_member(c, old->user_id, practice_id)) != 0 ||
	    (rc = replace_in(c, old, practice_id, idle, old->mfa, th, csrf,
	    addr, user_agent, now, &sid)) != 0 ||
	    (rc = audit_session(c, who, "PRIV_CHANGE", old->user_id,
	    old->practice_id, old->id, old->mfa, detail)) != 0 ||
	    (rc = audit_session(c, who, "PRIV_CHANGE", old->user_id,
	    practice_id, sid, old->mfa, detail)) != 0)
		goto out;
	rc = db_commit(c);
out:
	db_release(c); /* rolls back an unfinished transaction */
	if (rc == 0 && out != NULL)
		rc = session_lookup(db, token, now, who, out);
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
	"s.ended_at, s.end_reason, u.display_name, u.email, u.status, " \
	"p.name, (SELECT count(*) FROM mfa m WHERE m.user_id = s.user_id " \
	"AND m.status = 'active'), (SELECT count(*) FROM settings st WHERE " \
	"st.practice_id = s.practice_id AND st.value = 'true' AND " \
	"st.key = 'security.mfa_all_staff'), (SELECT count(DISTINCT " \
	"mb.practice_id) FROM memberships mb JOIN practices mp ON mp.id = " \
	"mb.practice_id WHERE mb.user_id = s.user_id AND mp.retired_at IS NULL) " \
	"FROM sessions s JOIN users u ON u.id = s.user_id JOIN practices p " \
	"ON p.id = s.practice_id WHERE s.token_hash = ?"

static int
read_session(struct db_conn *c, const char *th, struct session *se,
    int *ended, char *reason, size_t reasonsz, int *active_user,
    int *all_staff)
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
		se->mfa_active = db_col_i64(s, 15) > 0;
		*all_staff = db_col_i64(s, 16) > 0;
		se->n_practices = (int)db_col_i64(s, 17);
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

/* Ends session se for reason, with its audit event, in one transaction. */
static int
end_audited(struct db_conn *c, const struct session *se, const char *reason,
    int64_t now, const struct audit_event *who)
{
	const char *verb = strcmp(reason, "logout") == 0 ? "LOGOUT" :
	    strcmp(reason, "idle") == 0 || strcmp(reason, "expired") == 0 ?
	    "TIMEOUT" : "SESSION_REVOKE";
	char detail[64];
	int rc;

	snprintf(detail, sizeof(detail), "{\"reason\":\"%s\"}", reason);
	if ((rc = db_begin(c)) == 0 &&
	    (rc = end_by_id(c, se->id, reason, now)) == 0 &&
	    (rc = audit_session(c, who, verb, se->user_id, se->practice_id,
	    se->id, se->mfa, detail)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	return rc;
}

int
session_lookup(struct db *db, const char *token, int64_t now,
    const struct audit_event *who, struct session *se)
{
	char th[HASH_HEX_SIZE], reason[32];
	struct db_conn *c;
	int rc, ended = 0, active = 0, all_staff = 0;

	memset(se, 0, sizeof(*se));
	hash_token(token, th);
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = read_session(c, th, se, &ended, reason, sizeof(reason),
	    &active, &all_staff)) != 0)
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
		if (!ended &&
		    (rc = end_audited(c, se, se->ended, now, who)) != 0)
			goto out;
		rc = ALC_EAUTH;
		goto out;
	}
	if (now - se->last_seen_at >= SESSION_TOUCH_MS &&
	    (rc = touch(c, se->id, now)) != 0)
		goto out;
	se->last_seen_at = now;
	if ((rc = load_roles(c, se)) != 0)
		goto out;
	se->mfa_required = mfa_required_for(se->roles, all_staff);
	se->stage = mfa_session_stage(se->mfa, se->mfa_active,
	    se->mfa_required);
out:
	db_release(c);
	return rc;
}

int
session_end(struct db *db, const struct session *se, const char *reason,
    int64_t now, const struct audit_event *who)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = end_audited(c, se, reason, now, who);
	db_release(c);
	return rc;
}

static int
end_others_in(struct db_conn *c, const struct session *keep,
    const char *reason, int64_t now, int64_t *ended)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE sessions SET ended_at = ?, "
	    "end_reason = ? WHERE user_id = ? AND id <> ? AND ended_at IS NULL"))
	    != 0)
		return rc;
	db_bind_i64(s, 1, now);
	db_bind_text(s, 2, reason);
	db_bind_i64(s, 3, keep->user_id);
	db_bind_i64(s, 4, keep->id);
	if ((rc = db_step(s)) >= 0) {
		*ended = db_changes(s);
		rc = 0;
	}
	db_stmt_done(s);
	return rc;
}

int
session_end_others(struct db *db, const struct session *keep,
    const char *reason, int64_t now, const struct audit_event *who,
    int64_t *ended)
{
	char detail[64];
	struct db_conn *c;
	int rc;

	*ended = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = end_others_in(c, keep, reason, now, ended)) == 0) {
		snprintf(detail, sizeof(detail), "{\"ended\":%lld}",
		    (long long)*ended);
		if ((rc = audit_session(c, who, "SESSION_REVOKE", keep->user_id,
		    keep->practice_id, keep->id, keep->mfa, detail)) == 0)
			rc = db_commit(c);
	}
	db_release(c); /* rolls back an unfinished transaction */
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
