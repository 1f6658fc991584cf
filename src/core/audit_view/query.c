/*
 * audit_view/query.c - the audit viewer's keyset query (see audit_view.h).
 *
 * SQL shape, for a filter on user and verb:
 *
 *   SELECT <cols>, a.display_name, a.email, o.display_name FROM (
 *     SELECT * FROM (SELECT <ev> FROM audit_events WHERE practice_id = ?
 *         AND actor_user_id = ? AND verb = ? AND seq < ?
 *         ORDER BY seq DESC LIMIT ?) p
 *     UNION ALL
 *     SELECT * FROM (SELECT <ev> FROM audit_events WHERE practice_id IS NULL
 *         AND (actor_user_id IS NULL OR actor_user_id IN (members)) AND
 *         actor_user_id = ? AND verb = ? AND seq < ? ORDER BY seq DESC
 *         LIMIT ?) i) e
 *   LEFT JOIN users a ... LEFT JOIN users o ... ORDER BY e.seq DESC LIMIT ?
 *
 * Names are joined outside the union so only the rows returned pay for it.
 * Each distinct filter combination is one SQL text, and so one cached
 * prepared statement per connection (at most 2^6 of them).
 */
#include "core/audit_view/audit_view.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

#include <string.h>

#define EV_COLS "seq, recorded_at, actor_user_id, practice_id, patient_id, " \
	"outcome, mfa, action, actor_role, source_addr, verb, object_type, " \
	"object_id, sensitivity, reason, request_id, detail"

/* The filter fragments, in bind order (shared by both branches). */
static void
put_filters(struct buf *b, const struct audit_filter *f)
{
	if (f->user_id)
		buf_puts(b, " AND actor_user_id = ?");
	if (f->patient_id)
		buf_puts(b, " AND patient_id = ?");
	if (f->verb)
		buf_puts(b, " AND verb = ?");
	if (f->from_ms)
		buf_puts(b, " AND recorded_at >= ?");
	if (f->to_ms)
		buf_puts(b, " AND recorded_at < ?");
	if (f->outcome == AUDIT_VIEW_SUCCESS)
		buf_puts(b, " AND outcome = 0");
	else if (f->outcome == AUDIT_VIEW_FAILURE)
		buf_puts(b, " AND outcome <> 0"); /* audit_events_failures */
	if (f->sensitivity)
		buf_puts(b, " AND sensitivity = ?");
	/* Spelled out so that the partial index audit_events_sensitive,
	 * whose WHERE is this very term, applies. */
	if (f->sensitivity && strcmp(f->sensitivity, "normal") != 0)
		buf_puts(b, " AND sensitivity <> 'normal'");
	buf_puts(b, " AND seq < ? ORDER BY seq DESC LIMIT ?");
}

static void
build_sql(struct buf *b, const struct audit_filter *f)
{
	buf_puts(b, "SELECT e.*, a.display_name, a.email, o.display_name FROM "
	    "(SELECT * FROM (SELECT " EV_COLS " FROM audit_events WHERE "
	    "practice_id = ?");
	put_filters(b, f);
	buf_puts(b, ") p UNION ALL SELECT * FROM (SELECT " EV_COLS " FROM "
	    "audit_events WHERE practice_id IS NULL AND (actor_user_id IS NULL "
	    "OR actor_user_id IN (SELECT user_id FROM memberships WHERE "
	    "practice_id = ?))");
	put_filters(b, f);
	buf_puts(b, ") i) e LEFT JOIN users a ON a.id = e.actor_user_id "
	    "LEFT JOIN users o ON e.object_type = 'user' AND "
	    "CAST(o.id AS TEXT) = e.object_id ORDER BY e.seq DESC LIMIT ?");
}

/* Binds one branch's filter values from *i on. */
static void
bind_filters(struct db_stmt *s, int *i, const struct audit_filter *f,
    int64_t before, int64_t n)
{
	if (f->user_id)
		db_bind_i64(s, (*i)++, f->user_id);
	if (f->patient_id)
		db_bind_i64(s, (*i)++, f->patient_id);
	if (f->verb)
		db_bind_text(s, (*i)++, f->verb);
	if (f->from_ms)
		db_bind_i64(s, (*i)++, f->from_ms);
	if (f->to_ms)
		db_bind_i64(s, (*i)++, f->to_ms);
	if (f->sensitivity)
		db_bind_text(s, (*i)++, f->sensitivity);
	db_bind_i64(s, (*i)++, before);
	db_bind_i64(s, (*i)++, n);
}

static void
read_row(struct db_stmt *s, struct audit_row *row)
{
	const char *act;

	memset(row, 0, sizeof(*row));
	row->seq = db_col_i64(s, 0);
	row->recorded_at = db_col_i64(s, 1);
	row->actor_user_id = db_col_i64(s, 2);
	row->practice_id = db_col_i64(s, 3);
	row->patient_id = db_col_i64(s, 4);
	row->outcome = (int)db_col_i64(s, 5);
	row->mfa = (int)db_col_i64(s, 6);
	act = db_col_text(s, 7);
	row->action = act != NULL ? act[0] : 0;
	row->actor_role = db_col_text(s, 8);
	row->source_addr = db_col_text(s, 9);
	row->verb = db_col_text(s, 10);
	row->object_type = db_col_text(s, 11);
	row->object_id = db_col_text(s, 12);
	row->sensitivity = db_col_text(s, 13);
	row->reason = db_col_text(s, 14);
	row->request_id = db_col_text(s, 15);
	row->detail = db_col_text(s, 16);
	row->actor_name = db_col_text(s, 17);
	row->actor_email = db_col_text(s, 18);
	row->object_name = db_col_text(s, 19);
}

/* One batch of up to n rows below *before; *got rows were handed to fn,
 * *before moves to the last one's seq.  *stop set when fn stopped. */
static int
scan_batch(struct db_conn *c, const char *sql, const struct audit_filter *f,
    int64_t *before, int64_t n, audit_row_fn fn, void *arg, size_t *got,
    int *stop)
{
	struct audit_row row;
	struct db_stmt *s;
	int i = 1, rc;

	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, i++, f->practice_id);
	bind_filters(s, &i, f, *before, n);
	db_bind_i64(s, i++, f->practice_id);
	bind_filters(s, &i, f, *before, n);
	db_bind_i64(s, i, n);
	*got = 0;
	while ((rc = db_step(s)) == DB_ROW) {
		read_row(s, &row);
		*before = row.seq;
		(*got)++;
		if ((rc = fn(arg, &row)) != 0)
			break;
	}
	db_stmt_done(s);
	if (rc > 0)
		*stop = 1;
	return rc < 0 ? rc : 0;
}

int
audit_view_scan(struct db *db, const struct audit_filter *f, size_t limit,
    audit_row_fn fn, void *arg)
{
	struct db_conn *c = NULL;
	int64_t before, n;
	struct buf sql;
	size_t got;
	int rc, stop = 0;

	if (f->practice_id <= 0)
		return ALC_EINVAL;
	buf_init(&sql, NULL);
	build_sql(&sql, f);
	if (buf_failed(&sql)) {
		rc = ALC_ENOMEM;
		goto out;
	}
	if ((c = db_acquire(db, 5000, NULL)) == NULL) {
		rc = ALC_EBUSY;
		goto out;
	}
	before = f->before_seq > 0 ? f->before_seq : INT64_MAX;
	rc = 0;
	while (limit > 0 && !stop) {
		n = limit < AUDIT_VIEW_BATCH ? (int64_t)limit : AUDIT_VIEW_BATCH;
		if ((rc = scan_batch(c, buf_cstr(&sql), f, &before, n, fn, arg,
		    &got, &stop)) != 0 || got < (size_t)n)
			break;
		limit -= got;
	}
out:
	db_release(c);
	buf_free(&sql);
	return rc;
}
