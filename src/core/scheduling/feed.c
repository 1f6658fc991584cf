/*
 * feed.c - a clinician's calendar feed: secret-token URL and the
 * iCalendar text.  See scheduling.h.
 *
 * As the compliance feed (core/compliance/feed.c): 256 random bits shown
 * once, stored only as their hash, one live token per clinician and
 * practice, revoked rather than deleted, dead when the account is
 * deactivated.  The feed goes to phones and third-party calendar servers
 * that have no business agreement with the practice, so it holds NO PHI:
 * start and end in UTC, SUMMARY "Appointment" (or the patients' initials
 * when the practice turns on the setting schedule.feed_initials), no
 * description, no location, no names.  Cancelled appointments stay in the
 * feed with STATUS:CANCELLED so subscribed calendars drop them.  Owners
 * and administrators switch the setting on the scheduling set-up page;
 * the switch is a CONFIG_CHANGE event (object "settings").
 */
#include "core/scheduling/scheduling.h"
#include "audit/audit.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/ical.h"
#include "base/timeutil.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

static int
exec3(struct db_conn *c, const char *sql, int64_t a, int64_t b, int64_t d)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, 1, a);
	db_bind_i64(s, 2, b);
	db_bind_i64(s, 3, d);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
token_in(struct db_conn *c, int64_t pid, int64_t uid, const char *hash,
    const struct audit_event *who)
{
	int64_t now = time_now_ms();
	struct audit_event ev;
	struct db_stmt *s;
	char oid[24];
	int rc;

	if ((rc = exec3(c, "UPDATE sched_feed_tokens SET revoked_at = ? WHERE "
	    "practice_id = ? AND user_id = ? AND revoked_at IS NULL", now, pid,
	    uid)) != 0)
		return rc;
	if (hash != NULL) {
		if ((rc = db_prepare(c, &s, "INSERT INTO sched_feed_tokens "
		    "(practice_id, user_id, token_hash, created_at) VALUES (?, ?, "
		    "?, ?)")) != 0)
			return rc;
		db_bind_i64(s, 1, pid);
		db_bind_i64(s, 2, uid);
		db_bind_text(s, 3, hash);
		db_bind_i64(s, 4, now);
		rc = db_step(s);
		db_stmt_done(s);
		if (rc < 0)
			return rc;
	}
	ev = *who;
	snprintf(oid, sizeof(oid), "%lld", (long long)uid);
	ev.verb = hash ? "CREATE" : "UPDATE";
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = "schedule_feed_token";
	ev.object_id = oid;
	ev.detail = hash ? "{\"change\":\"created\"}" :
	    "{\"change\":\"revoked\"}";
	return audit_write(c, &ev);
}

static int
token_txn(struct db *db, int64_t pid, int64_t uid, const char *hash,
    const struct audit_event *who)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = token_in(c, pid, uid, hash, who)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

int
sched_feed_token_create(struct db *db, int64_t practice_id, int64_t user_id,
    const struct audit_event *who, char *token, size_t tokensz)
{
	char hash[HASH_HEX_SIZE];
	int rc;

	if (tokensz < RAND_TOKEN_SIZE)
		return ALC_EINVAL;
	rand_token(token, tokensz);
	hash_token(token, hash);
	if ((rc = token_txn(db, practice_id, user_id, hash, who)) != 0)
		memset(token, 0, tokensz);
	return rc;
}

int
sched_feed_token_revoke(struct db *db, int64_t practice_id, int64_t user_id,
    const struct audit_event *who)
{
	return token_txn(db, practice_id, user_id, NULL, who);
}

int
sched_feed_lookup(struct db *db, const char *token, int64_t *practice_id,
    int64_t *user_id, int *initials)
{
	char hash[HASH_HEX_SIZE];
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*practice_id = *user_id = 0;
	*initials = 0;
	if (token == NULL || strlen(token) != RAND_TOKEN_LEN)
		return ALC_ENOTFOUND;
	hash_token(token, hash);
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT t.practice_id, t.user_id, (SELECT "
	    "count(*) FROM settings g WHERE g.practice_id = t.practice_id AND "
	    "g.key = 'schedule.feed_initials' AND g.value = '1') FROM "
	    "sched_feed_tokens t JOIN users u ON u.id = t.user_id WHERE "
	    "t.token_hash = ? AND t.revoked_at IS NULL AND u.status = 'active' "
	    "AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = "
	    "t.user_id AND m.practice_id = t.practice_id)")) == 0) {
		db_bind_text(s, 1, hash);
		if ((rc = db_step(s)) == DB_ROW) {
			*practice_id = db_col_i64(s, 0);
			*user_id = db_col_i64(s, 1);
			*initials = db_col_i64(s, 2) > 0;
		}
		db_stmt_done(s);
	}
	db_release(c);
	if (rc < 0)
		return rc;
	return *user_id ? 0 : ALC_ENOTFOUND;
}

int
sched_feed_token_created(struct db *db, int64_t practice_id, int64_t user_id,
    int64_t *created_at)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*created_at = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT max(created_at) FROM "
	    "sched_feed_tokens WHERE practice_id = ? AND user_id = ? AND "
	    "revoked_at IS NULL")) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, user_id);
		if ((rc = db_step(s)) == DB_ROW)
			*created_at = db_col_i64(s, 0);
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}

void
sched_ical(struct buf *out, const char *uid_domain,
    const struct sched_appt *a, size_t n, const char *const *summaries,
    int64_t now_ms)
{
	char stamp[ICAL_STAMP_SIZE], t[ICAL_STAMP_SIZE], line[160];
	size_t i;

	ical_utc(now_ms, stamp);
	buf_puts(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "PRODID:-//Alcove//Clinician schedule//EN\r\n"
	    "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
	ical_text(out, "X-WR-CALNAME", "Alcove appointments");
	for (i = 0; i < n; i++) {
		buf_puts(out, "BEGIN:VEVENT\r\n");
		snprintf(line, sizeof(line), "UID:appointment-%lld@%s",
		    (long long)a[i].id, uid_domain);
		ical_line(out, line);
		snprintf(line, sizeof(line), "DTSTAMP:%s", stamp);
		ical_line(out, line);
		snprintf(line, sizeof(line), "DTSTART:%s", ical_utc(
		    a[i].start_at, t));
		ical_line(out, line);
		snprintf(line, sizeof(line), "DTEND:%s", ical_utc(a[i].end_at, t));
		ical_line(out, line);
		ical_text(out, "SUMMARY", summaries && summaries[i] ?
		    summaries[i] : "Appointment");
		/* RFC 5546 wants an ORGANIZER in every PUBLISHed event; a
		 * name of nobody, at the feed's own (non-routable) domain. */
		snprintf(line, sizeof(line), "ORGANIZER;CN=Alcove:mailto:"
		    "calendar@%s", uid_domain);
		ical_line(out, line);
		buf_puts(out, strcmp(a[i].status, "cancelled") == 0 ||
		    strcmp(a[i].status, "late_cancel") == 0 ||
		    strcmp(a[i].status, "no_show") == 0 ?
		    "STATUS:CANCELLED\r\n" : "STATUS:CONFIRMED\r\n");
		buf_puts(out, "TRANSP:OPAQUE\r\nCLASS:PRIVATE\r\nEND:VEVENT\r\n");
	}
	buf_puts(out, "END:VCALENDAR\r\n");
}

int
sched_feed_initials_get(struct db *db, int64_t practice_id, int *on)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*on = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT count(*) FROM settings WHERE "
	    "practice_id = ? AND key = 'schedule.feed_initials' AND value = "
	    "'1'")) == 0) {
		db_bind_i64(s, 1, practice_id);
		if ((rc = db_step(s)) == DB_ROW)
			*on = db_col_i64(s, 0) > 0;
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}

static int
initials_in(struct db_conn *c, int64_t pid, int on,
    const struct audit_event *who)
{
	struct audit_event ev;
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO settings (practice_id, key, "
	    "value, updated_at) VALUES (?, 'schedule.feed_initials', ?, ?) ON "
	    "CONFLICT (practice_id, key) DO UPDATE SET value = excluded.value, "
	    "updated_at = excluded.updated_at")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, on ? "1" : "0");
	db_bind_i64(s, 3, time_now_ms());
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	memset(&ev, 0, sizeof(ev));
	if (who != NULL)
		ev = *who;
	else
		ev.actor_role = "system";
	ev.verb = "CONFIG_CHANGE";
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = "settings";
	ev.object_id = "schedule.feed_initials";
	ev.detail = on ? "{\"feed_summary\":\"initials\"}" :
	    "{\"feed_summary\":\"appointment\"}";
	return audit_write(c, &ev);
}

int
sched_feed_initials_set(struct db *db, int64_t practice_id, int on,
    const struct audit_event *who)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = initials_in(c, practice_id, on != 0,
	    who)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
