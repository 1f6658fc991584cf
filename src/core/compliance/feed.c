/*
 * feed.c - the calendar feed of compliance due dates: its tokens and the
 * iCalendar text (RFC 5545), written by hand.
 *
 * Calendar apps subscribe with a URL and no session, so the URL carries a
 * bearer token: 256 random bits, shown once, stored only as its hash
 * (crypto/hash.h), one live token per person and practice, revoked rather
 * than deleted.  A token stops working when its user is deactivated or
 * leaves the practice.  The feed holds no PHI: task titles, owners and
 * the rules they answer.
 *
 * Folding and escaping are base/ical.h's.  Every VEVENT has UID and
 * DTSTAMP; all-day events are DTSTART;VALUE=DATE with a DTEND the day
 * after.
 */
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "core/users/users.h"
#include "base/buf.h"
#include "base/ical.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
revoke_in(struct db_conn *c, int64_t pid, int64_t uid, int64_t now)
{
	int64_t v[3] = {now, pid, uid};

	return cmp_exec(c, "UPDATE compliance_feed_tokens SET revoked_at = ? "
	    "WHERE practice_id = ? AND user_id = ? AND revoked_at IS NULL", v, 3);
}

static int
create_in(struct db_conn *c, int64_t pid, int64_t uid, const char *hash,
    int64_t now)
{
	struct db_stmt *s;
	int rc;

	if ((rc = revoke_in(c, pid, uid, now)) != 0 ||
	    (rc = db_prepare(c, &s, "INSERT INTO compliance_feed_tokens "
	    "(practice_id, user_id, token_hash, created_at) VALUES (?, ?, ?, ?)"))
	    != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	db_bind_text(s, 3, hash);
	db_bind_i64(s, 4, now);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Runs create (token != NULL) or revoke with the audit event. */
static int
token_txn(struct db *db, int64_t pid, const struct compliance_actor *who,
    const char *hash)
{
	struct db_conn *c;
	int64_t now = time_now_ms();
	int rc;

	if (cmp_uid(who) <= 0)
		return ALC_EPERM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = hash ? create_in(c, pid, cmp_uid(who), hash, now) :
	    revoke_in(c, pid, cmp_uid(who), now)) == 0 &&
	    (rc = cmp_audit_obj(c, pid, who, hash ? "CREATE" : "UPDATE",
	    "compliance_feed_token", cmp_uid(who), hash ?
	    "{\"change\":\"created\"}" : "{\"change\":\"revoked\"}")) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

int
compliance_feed_token_create(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, char *token, size_t tokensz)
{
	char hash[HASH_HEX_SIZE];
	int rc;

	if (tokensz < RAND_TOKEN_SIZE)
		return ALC_EINVAL;
	rand_token(token, tokensz);
	hash_token(token, hash);
	if ((rc = token_txn(db, practice_id, who, hash)) != 0)
		memset(token, 0, tokensz);
	return rc;
}

int
compliance_feed_token_revoke(struct db *db, int64_t practice_id,
    const struct compliance_actor *who)
{
	return token_txn(db, practice_id, who, NULL);
}

int
compliance_feed_token_created(struct db *db, int64_t practice_id,
    int64_t user_id, int64_t *created_at)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*created_at = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT max(created_at) FROM "
	    "compliance_feed_tokens WHERE practice_id = ? AND user_id = ? AND "
	    "revoked_at IS NULL")) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, user_id);
		if ((rc = db_step(s)) == DB_ROW)
			*created_at = db_col_i64(s, 0);
		db_stmt_done(s);
	}
	db_release(c);
	if (rc < 0)
		return rc;
	return *created_at ? 0 : ALC_ENOTFOUND;
}

int
compliance_feed_lookup(struct db *db, const char *token, int64_t *practice_id,
    int64_t *user_id, unsigned *roles)
{
	char hash[HASH_HEX_SIZE];
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*practice_id = *user_id = 0;
	*roles = 0;
	if (token == NULL || strlen(token) != RAND_TOKEN_LEN)
		return ALC_ENOTFOUND;
	hash_token(token, hash);
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT t.practice_id, t.user_id, m.role "
	    "FROM compliance_feed_tokens t JOIN users u ON u.id = t.user_id JOIN "
	    "memberships m ON m.user_id = t.user_id AND m.practice_id = "
	    "t.practice_id WHERE t.token_hash = ? AND t.revoked_at IS NULL AND "
	    "u.status = 'active'")) == 0) {
		db_bind_text(s, 1, hash);
		while ((rc = db_step(s)) == DB_ROW) {
			*practice_id = db_col_i64(s, 0);
			*user_id = db_col_i64(s, 1);
			*roles |= role_parse(db_col_text(s, 2));
		}
		db_stmt_done(s);
	}
	db_release(c);
	if (rc < 0)
		return rc;
	return *roles ? 0 : ALC_ENOTFOUND;
}

/* --- iCalendar ----------------------------------------------------------- */

static void
ical_event(struct buf *out, const char *uid_domain,
    const struct compliance_task *t, const char *stamp)
{
	struct caldate due;
	char recur[48], line[160], *desc;
	size_t n;

	if (t->next_due == NULL || caldate_parse(t->next_due, &due) != 0)
		return;
	buf_puts(out, "BEGIN:VEVENT\r\n");
	snprintf(line, sizeof(line), "UID:compliance-task-%lld-%04d%02d%02d@%s",
	    (long long)t->id, due.y, due.m, due.d, uid_domain);
	ical_line(out, line);
	snprintf(line, sizeof(line), "DTSTAMP:%s", stamp);
	ical_line(out, line);
	snprintf(line, sizeof(line), "DTSTART;VALUE=DATE:%04d%02d%02d", due.y,
	    due.m, due.d);
	ical_line(out, line);
	due = caldate_add_days(due, 1);
	snprintf(line, sizeof(line), "DTEND;VALUE=DATE:%04d%02d%02d", due.y,
	    due.m, due.d);
	ical_line(out, line);
	ical_text(out, "SUMMARY", t->title);
	n = strlen(t->owner_name) + strlen(t->rule_citation) + 128;
	if ((desc = malloc(n)) != NULL) {
		snprintf(desc, n, "Owner: %s\nRule: %s\n%s", t->owner_name,
		    t->rule_citation[0] ? t->rule_citation : "none given",
		    compliance_recurrence_label(&t->rec, recur, sizeof(recur)));
		ical_text(out, "DESCRIPTION", desc);
		free(desc);
	} else
		out->failed = 1;
	buf_puts(out, "TRANSP:TRANSPARENT\r\nEND:VEVENT\r\n");
}

void
compliance_ical(struct buf *out, const char *cal_name, const char *uid_domain,
    const struct compliance_task *tasks, size_t n, int64_t now_ms)
{
	char stamp[ICAL_STAMP_SIZE];
	size_t i;

	ical_utc(now_ms, stamp); /* DTSTAMP: 20261125T004851Z */
	buf_puts(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "PRODID:-//Alcove//Compliance calendar//EN\r\n"
	    "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
	ical_text(out, "X-WR-CALNAME", cal_name);
	for (i = 0; i < n; i++)
		if (!tasks[i].retired)
			ical_event(out, uid_domain, &tasks[i], stamp);
	buf_puts(out, "END:VCALENDAR\r\n");
}
