/*
 * audit.c - appending events to the chain (audit_write) and the checks an
 * event passes first.
 *
 * Appending is four statements inside one transaction: read the head
 * (seq, hash), insert the event with seq + 1 and its hash, move the head.
 * Two writers must never read the same head, so the read serialises them:
 * on PostgreSQL with SELECT ... FOR UPDATE on the single audit_head row
 * (held to the end of the transaction, across processes); on SQLite the
 * transaction is BEGIN IMMEDIATE (db_begin), so it already holds the
 * database's only write lock.  The head update also checks that the head
 * still is what was read (WHERE seq = ?) as a guard against a missing lock.
 *
 * Why the caller's transaction: a change and its event must commit
 * together.  If the event cannot be written, the change must not happen,
 * so audit_write rolls the caller's transaction back on any failure; on
 * PostgreSQL the failed statement has already doomed it, and on SQLite a
 * caller that ignored the error and committed would otherwise commit the
 * change alone.
 *
 * Checks before writing: the verb is required and gives the default
 * action; text must be UTF-8 without control characters and within the
 * limits of audit.h, so that an event reads the same on both engines and
 * in every export.  The verb list itself is enforced by the database
 * (the CHECK in 0003_audit.sql); the table below only maps verbs to
 * their RFC 3881 action.
 */
#include "audit/audit.h"
#include "audit/chain.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "crypto/random.h"
#include "db/db.h"

#include <string.h>

static const struct {
	const char *verb;
	char action;
} verbs[] = {
	{"VIEW", 'R'}, {"SEARCH", 'E'}, {"CREATE", 'C'}, {"UPDATE", 'U'},
	{"DELETE", 'D'}, {"RESTORE", 'U'}, {"PRINT", 'R'}, {"EXPORT", 'R'},
	{"DOWNLOAD", 'R'}, {"IMPORT", 'C'}, {"DISCLOSE", 'R'},
	{"LOGIN", 'E'}, {"LOGIN_FAIL", 'E'}, {"LOGOUT", 'E'}, {"TIMEOUT", 'E'},
	{"SESSION_REVOKE", 'E'}, {"MFA_CHANGE", 'U'}, {"PASSWORD_CHANGE", 'U'},
	{"PRIV_CHANGE", 'U'}, {"USER_CHANGE", 'U'}, {"CONFIG_CHANGE", 'U'},
	{"KEY_CHANGE", 'U'}, {"BREAK_GLASS", 'E'}, {"ACCESS_DENIED", 'E'},
	{"AUDIT_EXPORT", 'R'}, {"AUDIT_VERIFY", 'E'}, {"AUDIT_DIGEST", 'E'},
	{"AUDIT_REVIEW", 'C'}, {"BACKUP", 'E'}, {"SYSTEM", 'E'},
};

#define HEAD_SQL "SELECT seq, hash FROM audit_head WHERE id = 1"
#define INSERT_SQL "INSERT INTO audit_events (prev_hash, hash, " \
	CHAIN_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " \
	"?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define MOVE_HEAD_SQL "UPDATE audit_head SET seq = ?, hash = ?, " \
	"count = count + 1 WHERE id = 1 AND seq = ?"

char
audit_verb_action(const char *verb)
{
	size_t i;

	if (verb == NULL)
		return 0;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].verb, verb) == 0)
			return verbs[i].action;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static int
is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* 0 when s is NULL or valid text of at most max bytes. */
static int
check_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i, k;

	if (s == NULL)
		return 0;
	if ((n = strlen(s)) > max)
		return ALC_EINVAL;
	for (i = 0; i < n; i += k)
		if ((k = utf8_len(p + i, n - i)) == 0 || (k == 1 && is_control(p[i])))
			return ALC_EINVAL;
	return 0;
}

char *
audit_text_clean(char *dst, size_t dstsz, const char *src)
{
	const unsigned char *p = (const unsigned char *)(src ? src : "");
	size_t n = strlen((const char *)p), i = 0, o = 0, k;

	while (i < n) {
		k = utf8_len(p + i, n - i);
		if (k == 0 || (k == 1 && is_control(p[i]))) {
			if (o + 1 >= dstsz)
				break;
			dst[o++] = '?';
			i += k ? k : 1;
			continue;
		}
		if (o + k >= dstsz)
			break;
		memcpy(dst + o, p + i, k);
		o += k;
		i += k;
	}
	dst[o] = '\0';
	return dst;
}

int
audit_check_event(const struct audit_event *ev, char *action)
{
	const char *long_fields[] = {ev->user_agent, ev->detail};
	const char *short_fields[] = {ev->actor_role, ev->session_ref,
	    ev->source_addr, ev->verb, ev->object_type, ev->object_id,
	    ev->sensitivity, ev->purpose_of_use, ev->reason, ev->request_id};
	size_t i;

	if (ev->verb == NULL || ev->verb[0] == '\0')
		return ALC_EINVAL;
	*action = ev->action ? ev->action : audit_verb_action(ev->verb);
	if (strchr("CRUDE", *action) == NULL || *action == '\0')
		return ALC_EINVAL;
	if (ev->outcome != AUDIT_OK && ev->outcome != AUDIT_MINOR_FAILURE &&
	    ev->outcome != AUDIT_SERIOUS_FAILURE &&
	    ev->outcome != AUDIT_MAJOR_FAILURE)
		return ALC_EINVAL;
	if (ev->sensitivity != NULL && strcmp(ev->sensitivity, "normal") != 0 &&
	    strcmp(ev->sensitivity, "psychotherapy_note") != 0 &&
	    strcmp(ev->sensitivity, "part2") != 0)
		return ALC_EINVAL;
	if (ev->recorded_at < 0)
		return ALC_EINVAL;
	for (i = 0; i < sizeof(long_fields) / sizeof(long_fields[0]); i++)
		if (check_text(long_fields[i], AUDIT_LONG_TEXT_MAX) != 0)
			return ALC_EINVAL;
	for (i = 0; i < sizeof(short_fields) / sizeof(short_fields[0]); i++)
		if (check_text(short_fields[i], AUDIT_TEXT_MAX) != 0)
			return ALC_EINVAL;
	return 0;
}

/* Reads the head; on PostgreSQL locks it until the transaction ends. */
static int
read_head(struct db_conn *c, int64_t *seq, unsigned char hash[AUDIT_HASH_BYTES])
{
	struct db_stmt *s;
	const char *hex;
	int rc;

	rc = db_prepare(c, &s, db_conn_engine(c) == DB_POSTGRES ?
	    HEAD_SQL " FOR UPDATE" : HEAD_SQL);
	if (rc != 0)
		return rc;
	if ((rc = db_step(s)) == DB_ROW) {
		*seq = db_col_i64(s, 0);
		hex = db_col_text(s, 1);
		rc = audit_chain_unhex(hash, hex, hex ? strlen(hex) : 0) == 0 ?
		    0 : ALC_EDB;
	} else if (rc == DB_DONE)
		rc = ALC_EDB; /* the migration inserts the row; it cannot go */
	db_stmt_done(s);
	return rc;
}

static int
bind_row(struct db_stmt *s, int first, const struct chain_row *r)
{
	int f, rc = 0;

	for (f = 0; f < CHAIN_NFIELDS && rc == 0; f++) {
		const struct chain_val *v = &r->v[f];

		if (v->null)
			rc = db_bind_null(s, first + f);
		else if (audit_chain_field_is_text((enum chain_field)f))
			rc = db_bind_textn(s, first + f, v->s, v->n);
		else
			rc = db_bind_i64(s, first + f, v->i);
	}
	return rc;
}

static int
exec_insert(struct db_conn *c, const char *prev_hex, const char *hex,
    const struct chain_row *r)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, INSERT_SQL)) != 0)
		return rc;
	if ((rc = db_bind_text(s, 1, prev_hex)) == 0 &&
	    (rc = db_bind_text(s, 2, hex)) == 0 &&
	    (rc = bind_row(s, 3, r)) == 0)
		rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
move_head(struct db_conn *c, int64_t seq, const char *hex, int64_t old_seq)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, MOVE_HEAD_SQL)) != 0)
		return rc;
	if ((rc = db_bind_i64(s, 1, seq)) == 0 &&
	    (rc = db_bind_text(s, 2, hex)) == 0 &&
	    (rc = db_bind_i64(s, 3, old_seq)) == 0 &&
	    (rc = db_step(s)) >= 0)
		rc = db_changes(s) == 1 ? 0 : ALC_ECONFLICT;
	db_stmt_done(s);
	return rc;
}

/* The append itself, inside an open transaction. */
static int
append(struct db_conn *c, const struct audit_event *ev, char action)
{
	unsigned char prev[AUDIT_HASH_BYTES], hash[AUDIT_HASH_BYTES];
	char prev_hex[AUDIT_HASH_HEX_SIZE], hex[AUDIT_HASH_HEX_SIZE];
	char action_buf[2];
	struct chain_row row;
	int64_t seq;
	int rc;

	if ((rc = read_head(c, &seq, prev)) != 0)
		return rc;
	memset(&row, 0, sizeof(row));
	audit_chain_row_from_event(&row, ev, seq + 1,
	    ev->recorded_at ? ev->recorded_at : time_now_ms(), action,
	    action_buf);
	audit_chain_hash(prev, &row, hash);
	audit_chain_hex(prev_hex, prev);
	audit_chain_hex(hex, hash);
	if ((rc = exec_insert(c, prev_hex, hex, &row)) != 0)
		return rc;
	return move_head(c, seq + 1, hex, seq);
}

/* Logs a failed write: the code and the first line of the engine's
 * message only (PostgreSQL's DETAIL line quotes the failing row). */
static void
log_failure(struct db_conn *c, const struct audit_event *ev, int rc)
{
	char first[256], q[300];
	const char *msg = rc == ALC_EINVAL ? "invalid event" : db_errmsg(c);
	size_t n = strcspn(msg, "\n");

	if (n >= sizeof(first))
		n = sizeof(first) - 1;
	memcpy(first, msg, n);
	first[n] = '\0';
	log_warn("audit write failed", "verb=%s code=%d error=%s",
	    audit_verb_action(ev->verb) ? ev->verb : "?", rc,
	    log_q(q, sizeof(q), first));
}

int
audit_write(struct db_conn *c, const struct audit_event *ev)
{
	int own = !db_in_txn(c), rc;
	char action;

	if (crypto_init() != 0) {
		rc = ALC_ECRYPTO;
		goto out;
	}
	if ((rc = audit_check_event(ev, &action)) != 0)
		goto out;
	if (own && (rc = db_begin(c)) != 0)
		goto out;
	if ((rc = append(c, ev, action)) == 0 && own)
		rc = db_commit(c);
out:
	if (rc != 0) {
		log_failure(c, ev, rc);
		db_rollback(c);
	}
	return rc;
}
