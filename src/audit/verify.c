/*
 * verify.c - audit_verify: prove the chain, or name its first broken event.
 *
 * The walk reads events in seq order in batches of VERIFY_BATCH (keyset:
 * "seq >= next ORDER BY seq LIMIT n").  libpq holds a whole result in
 * memory, so batches bound that; 1024 rows also keep each result inside
 * memory malloc reuses - 8192-row results cost fresh pages every batch
 * and made verify on PostgreSQL five times slower.  For each row it
 * checks, in this order:
 *   1. seq is the one expected (no gap: an event was deleted);
 *   2. prev_hash is the hash of the previous event (events were removed or
 *      reordered, or a rewritten event's successor was not rewritten too);
 *   3. the hash recomputed from the row's columns equals the stored hash
 *      (the event was changed after it was written);
 *   4. when a digest names this seq, its hash is the digest's (the chain
 *      was rewritten from here on, consistently, hashes and all).
 * Each row is read by one db_col_cells call and hashed straight from the
 * column memory of the statement (struct chain_row points into it):
 * nothing is allocated per row.  On SQLite the walk goes in rowid order
 * (walk_by_id: the table is stored that way, so no index seek per row)
 * over a memory-mapped file (mmap_size, for the walk only).
 *
 * Speed (issue #5, goal 1,000,000 events/s on one core), 1,000,012
 * events made by bench/audit_verify, `alcove audit verify` CPU time
 * (user+sys, /usr/bin/time; wall time means nothing on the loaded 2-core
 * VM), 5 runs interleaved with the previous walk: mean 2.28 s (min 2.17)
 * against 2.50 s (min 2.27), about 440,000 events/s of CPU on SQLite.
 * perf: SQLite ~48% (a third of it first touches of table pages), the
 * BLAKE2b of two 128-byte blocks per event ~24%, kernel ~12%, Alcove ~8%.
 * The goal needs more than the read path (the hash alone is ~0.5 us an
 * event here).
 *
 * The chain alone cannot show that its newest events were deleted, so
 * without an upper time bound the walk runs to the head row (audit_head)
 * and every digest must name an event of the chain.  Snapshot order
 * matters, because writers keep appending while we read: digests are read
 * first, then the largest seq, then the head, so an honest chain always
 * satisfies digest.last_seq <= max seq <= head.seq, and whatever is
 * appended after the head was read is simply not checked this time.
 *
 * --from/--to select by recorded_at, which is not strictly ordered by seq
 * (a writer takes its timestamp before it gets the head), so they are
 * turned into a seq range: the first event recorded at or after from, to
 * the last recorded at or before to, and every event in between is
 * checked.  A range that starts after seq 1 trusts the stored hash of the
 * event just before it.
 */
#include "audit/audit.h"
#include "audit/chain.h"
#include "base/err.h"
#include "crypto/random.h"
#include "db/db.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERIFY_BATCH 1024
#define ACQUIRE_MS 30000

#define WALK_SQL "SELECT id, prev_hash, hash, " CHAIN_COLUMNS \
	" FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?"
/* SQLite: the same columns in rowid order (see walk_by_id). */
#define WALK_ID_SQL "SELECT id, prev_hash, hash, " CHAIN_COLUMNS \
	" FROM audit_events WHERE id >= ? ORDER BY id"
#define COL_FIRST_FIELD 3
#define NCOLS (COL_FIRST_FIELD + CHAIN_NFIELDS)
/* SQLite maps the file instead of copying every page with pread. */
#define MMAP_ON "PRAGMA mmap_size=2147418112"
/* Back to what every pooled connection has (src/db/sqlite.c). */
#define MMAP_OFF "PRAGMA mmap_size=268435456"

/* How db_col_cells reads each column: id, prev_hash, hash, the fields. */
static const unsigned char col_is_text[NCOLS] = {
	[1] = 1, [2] = 1,
	[COL_FIRST_FIELD + CF_ACTOR_ROLE] = 1,
	[COL_FIRST_FIELD + CF_SESSION_REF] = 1,
	[COL_FIRST_FIELD + CF_SOURCE_ADDR] = 1,
	[COL_FIRST_FIELD + CF_USER_AGENT] = 1,
	[COL_FIRST_FIELD + CF_ACTION] = 1, [COL_FIRST_FIELD + CF_VERB] = 1,
	[COL_FIRST_FIELD + CF_OBJECT_TYPE] = 1,
	[COL_FIRST_FIELD + CF_OBJECT_ID] = 1,
	[COL_FIRST_FIELD + CF_SENSITIVITY] = 1,
	[COL_FIRST_FIELD + CF_PURPOSE_OF_USE] = 1,
	[COL_FIRST_FIELD + CF_REASON] = 1,
	[COL_FIRST_FIELD + CF_REQUEST_ID] = 1,
	[COL_FIRST_FIELD + CF_DETAIL] = 1,
};

struct digest_ref {
	char day[16];
	int64_t last_seq;
	int64_t count;
	char hash[AUDIT_HASH_HEX_SIZE];
};

struct walk {
	struct audit_verify_result *res;
	unsigned char prev[AUDIT_HASH_BYTES]; /* hash of event expect - 1 */
	char prev_hex[AUDIT_HASH_HEX_SIZE];
	int64_t expect;           /* the next seq the chain must hold */
	int64_t end;              /* last seq to check */
	struct digest_ref *dg;    /* sorted by last_seq */
	size_t ndg, di;
};

/* Marks the chain broken (first failure only).  Returns 1. */
static int
broken(struct audit_verify_result *res, int64_t seq, int64_t id,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
broken(struct audit_verify_result *res, int64_t seq, int64_t id,
    const char *fmt, ...)
{
	va_list ap;

	if (!res->ok)
		return 1;
	res->ok = 0;
	res->bad_seq = seq;
	res->bad_id = id;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	return 1;
}

/* Runs sql with an optional bound integer; *out is column 0 of the first
 * row, *found 0 when there is no row or it is NULL. */
static int
one_i64(struct db_conn *c, const char *sql, int bind, int64_t arg,
    int64_t *out, int *found)
{
	struct db_stmt *s;
	int rc;

	*found = 0;
	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	if ((!bind || (rc = db_bind_i64(s, 1, arg)) == 0) &&
	    (rc = db_step(s)) == DB_ROW && !db_col_is_null(s, 0)) {
		*out = db_col_i64(s, 0);
		*found = 1;
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Copies a hex hash column; "" when it is not 64 characters. */
static void
copy_hex(char out[AUDIT_HASH_HEX_SIZE], const char *hex)
{
	if (hex != NULL && strlen(hex) == AUDIT_HASH_HEX_LEN)
		memcpy(out, hex, AUDIT_HASH_HEX_SIZE);
	else
		out[0] = '\0';
}

static int
load_digests(struct db_conn *c, struct walk *w)
{
	struct db_stmt *s;
	struct digest_ref *d;
	size_t cap = 0;
	int rc;

	rc = db_prepare(c, &s, "SELECT day, last_seq, last_hash, count "
	    "FROM audit_digests WHERE practice_id IS NULL ORDER BY last_seq, day");
	if (rc != 0)
		return rc;
	while ((rc = db_step(s)) == DB_ROW) {
		if (w->ndg == cap) {
			cap = cap ? 2 * cap : 64;
			if ((d = realloc(w->dg, cap * sizeof(*d))) == NULL) {
				rc = ALC_ENOMEM;
				break;
			}
			w->dg = d;
		}
		d = &w->dg[w->ndg++];
		snprintf(d->day, sizeof(d->day), "%s",
		    db_col_text(s, 0) ? db_col_text(s, 0) : "?");
		d->last_seq = db_col_i64(s, 1);
		copy_hex(d->hash, db_col_text(s, 2));
		d->count = db_col_i64(s, 3);
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
read_head(struct db_conn *c, int64_t *seq, char hex[AUDIT_HASH_HEX_SIZE],
    int64_t *count)
{
	struct db_stmt *s;
	int rc;

	rc = db_prepare(c, &s, "SELECT seq, hash, count FROM audit_head "
	    "WHERE id = 1");
	if (rc != 0)
		return rc;
	if ((rc = db_step(s)) == DB_ROW) {
		*seq = db_col_i64(s, 0);
		copy_hex(hex, db_col_text(s, 1));
		*count = db_col_i64(s, 2);
	} else if (rc == DB_DONE)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Points r at the hashed columns of the current row (cells from
 * db_col_cells: text with its true length, so an embedded NUL cannot hide
 * a suffix, and NULL only for NULL). */
static void
row_fill(const struct db_cell *cells, struct chain_row *r)
{
	const struct db_cell *c = cells + COL_FIRST_FIELD;
	int f;

	for (f = 0; f < CHAIN_NFIELDS; f++) {
		r->v[f].null = c[f].null;
		r->v[f].i = c[f].i;
		r->v[f].s = c[f].p;
		r->v[f].n = c[f].n;
	}
}

/* 1 when a hex hash column holds exactly hex. */
static int
hex_is(const struct db_cell *col, const char *hex)
{
	return !col->null && col->n == AUDIT_HASH_HEX_LEN &&
	    memcmp(col->p, hex, AUDIT_HASH_HEX_LEN) == 0;
}

/* Checks the digests that name seq; 1 when one disagrees. */
static int
check_digests_at(struct walk *w, int64_t seq, int64_t id, const char *hex)
{
	struct digest_ref *d;

	for (; w->di < w->ndg && w->dg[w->di].last_seq <= seq; w->di++) {
		d = &w->dg[w->di];
		if (d->last_seq < seq)
			continue; /* before the range checked */
		w->res->digests++;
		if (strcmp(d->hash, hex) != 0)
			return broken(w->res, seq, id, "the digest of %s recorded "
			    "hash %.16s... for this event, the chain now has "
			    "%.16s... (the chain was rewritten)", d->day, d->hash,
			    hex);
		if (d->count != d->last_seq)
			return broken(w->res, seq, id, "the digest of %s counts "
			    "%" PRId64 " events up to seq %" PRId64, d->day,
			    d->count, d->last_seq);
	}
	return 0;
}

/* Checks the current row (its cells), whose seq is w->expect; 1 when it
 * breaks the chain. */
static int
check_row(struct walk *w, const struct db_cell *cells)
{
	unsigned char hash[AUDIT_HASH_BYTES];
	char hex[AUDIT_HASH_HEX_SIZE];
	struct chain_row row;
	int64_t id = cells[0].i, seq = w->expect;

	if (!hex_is(&cells[1], w->prev_hex))
		return broken(w->res, seq, id, "its prev_hash does not match the "
		    "hash of event seq %" PRId64, seq - 1);
	row_fill(cells, &row);
	audit_chain_hash(w->prev, &row, hash);
	audit_chain_hex(hex, hash);
	if (!hex_is(&cells[2], hex))
		return broken(w->res, seq, id, "its content does not match its "
		    "hash (the event was changed after it was written)");
	if (check_digests_at(w, seq, id, hex))
		return 1;
	memcpy(w->prev, hash, sizeof(hash));
	memcpy(w->prev_hex, hex, sizeof(hex));
	if (w->res->count++ == 0)
		w->res->first_seq = seq;
	w->res->last_seq = seq;
	w->expect = seq + 1;
	return 0;
}

/* Reads the current row of s and checks it; 1 when the chain is broken,
 * -1 when the row is not event w->expect (stop_on_other: the rowid walk
 * leaves it to the seq walk), else 0. */
static int
step_row(struct walk *w, struct db_stmt *s, int stop_on_other)
{
	struct db_cell cells[NCOLS];
	int64_t seq;

	if (db_col_cells(s, 0, NCOLS, col_is_text, cells) != 0)
		return broken(w->res, w->expect, 0, "the audit table has "
		    "unexpected columns");
	seq = cells[COL_FIRST_FIELD + CF_SEQ].i;
	if (seq != w->expect && stop_on_other)
		return -1;
	if (seq != w->expect)
		return broken(w->res, w->expect, 0, "event seq %" PRId64 " is "
		    "missing (the next event is seq %" PRId64 ")", w->expect, seq);
	return check_row(w, cells);
}

/* SQLite: a table is stored in rowid order, and the writer hands out id
 * and seq in the same order, so walking by id reads the table once instead
 * of seeking it from the seq index for every row.  Any row that is not the
 * expected seq (a gap, a reordering, seq beyond the range) ends this walk;
 * walk_chain then goes on by seq from the same point, so what is checked
 * and reported is the same as a walk by seq. */
static int
walk_by_id(struct db_conn *c, struct walk *w)
{
	struct db_stmt *s;
	int64_t id;
	int rc, found;

	if (w->expect > w->end || (rc = one_i64(c, "SELECT id FROM audit_events "
	    "WHERE seq = ?", 1, w->expect, &id, &found)) != 0 || !found)
		return 0;
	if ((rc = db_prepare(c, &s, WALK_ID_SQL)) != 0)
		return rc;
	if ((rc = db_bind_i64(s, 1, id)) == 0)
		while (w->expect <= w->end && (rc = db_step(s)) == DB_ROW &&
		    step_row(w, s, 1) == 0)
			;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Walks [w->expect, w->end] batch by batch until done or broken. */
static int
walk_chain(struct db_conn *c, struct walk *w)
{
	struct db_stmt *s;
	int rc, n;

	if (db_conn_engine(c) == DB_SQLITE &&
	    ((rc = walk_by_id(c, w)) != 0 || !w->res->ok))
		return rc;
	do {
		if ((rc = db_prepare(c, &s, WALK_SQL)) != 0)
			return rc;
		n = 0;
		if ((rc = db_bind_i64(s, 1, w->expect)) == 0 &&
		    (rc = db_bind_i64(s, 2, w->end)) == 0 &&
		    (rc = db_bind_i64(s, 3, VERIFY_BATCH)) == 0)
			while ((rc = db_step(s)) == DB_ROW && ++n &&
			    !step_row(w, s, 0))
				;
		db_stmt_done(s);
		if (rc < 0)
			return rc;
	} while (w->res->ok && n == VERIFY_BATCH && w->expect <= w->end);
	return 0;
}

/* Sets the hash before the range: zeros for seq 1, else the stored hash
 * of event start - 1. */
static int
set_start(struct db_conn *c, struct walk *w, int64_t start)
{
	struct db_stmt *s;
	const char *hex;
	int rc;

	w->expect = start;
	memset(w->prev, 0, sizeof(w->prev));
	audit_chain_hex(w->prev_hex, w->prev);
	if (start <= 1)
		return 0;
	rc = db_prepare(c, &s, "SELECT hash FROM audit_events WHERE seq = ?");
	if (rc != 0)
		return rc;
	if ((rc = db_bind_i64(s, 1, start - 1)) == 0 &&
	    (rc = db_step(s)) == DB_ROW) {
		hex = db_col_text(s, 0);
		if (audit_chain_unhex(w->prev, hex, hex ? strlen(hex) : 0) != 0)
			broken(w->res, start - 1, 0, "its stored hash is not valid");
		audit_chain_hex(w->prev_hex, w->prev);
	} else if (rc == DB_DONE)
		broken(w->res, start - 1, 0, "event seq %" PRId64 " (just before "
		    "the range) is missing", start - 1);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Without an upper bound: the walk must reach the head and every digest. */
static void
check_tail(struct walk *w, int64_t max_seq, int64_t head_seq,
    const char *head_hex, int64_t head_count)
{
	struct audit_verify_result *res = w->res;
	int64_t last = w->expect - 1;
	size_t i;

	if (!res->ok)
		return;
	if (max_seq > head_seq) {
		broken(res, head_seq + 1, 0, "events after seq %" PRId64 " were "
		    "added without moving the chain head", head_seq);
		return;
	}
	if (head_seq > 0 && strcmp(head_hex, w->prev_hex) != 0) {
		broken(res, head_seq, 0, "the chain head records another hash "
		    "for this event");
		return;
	}
	if (head_count != head_seq) {
		broken(res, head_seq, 0, "the chain head counts %" PRId64
		    " events up to seq %" PRId64, head_count, head_seq);
		return;
	}
	for (i = 0; i < w->ndg; i++)
		if (w->dg[i].last_seq > last) {
			broken(res, last + 1, 0, "events seq %" PRId64 " to %" PRId64
			    " are missing: the digest of %s recorded seq %" PRId64,
			    last + 1, w->dg[i].last_seq, w->dg[i].day,
			    w->dg[i].last_seq);
			return;
		}
}

/* Reads the snapshot (digests, max seq, head) and the seq range. */
static int
plan(struct db_conn *c, const struct audit_verify_opts *o, struct walk *w,
    int64_t *max_seq, int64_t *head_seq, char head_hex[AUDIT_HASH_HEX_SIZE],
    int64_t *head_count)
{
	int64_t start = 1, v;
	int rc, found;

	if ((rc = load_digests(c, w)) != 0 ||
	    (rc = one_i64(c, "SELECT MAX(seq) FROM audit_events", 0, 0, &v,
	    &found)) != 0 ||
	    (rc = read_head(c, head_seq, head_hex, head_count)) != 0)
		return rc;
	*max_seq = found ? v : 0;
	w->end = *head_seq;
	if (o->to_ms > 0) {
		if ((rc = one_i64(c, "SELECT MAX(seq) FROM audit_events WHERE "
		    "recorded_at <= ?", 1, o->to_ms, &v, &found)) != 0)
			return rc;
		w->end = found && v < w->end ? v : found ? w->end : 0;
	}
	if (o->from_ms > 0) {
		if ((rc = one_i64(c, "SELECT MIN(seq) FROM audit_events WHERE "
		    "recorded_at >= ?", 1, o->from_ms, &v, &found)) != 0)
			return rc;
		/* Nothing since from: still prove the newest event and tail. */
		start = found ? v : o->to_ms > 0 ? w->end + 1 : *head_seq;
	}
	if (start < 1)
		start = 1;
	return set_start(c, w, start);
}

int
audit_verify(struct db *db, const struct audit_verify_opts *o,
    struct audit_verify_result *res)
{
	static const struct audit_verify_opts all;
	struct walk w = {.res = res};
	char head_hex[AUDIT_HASH_HEX_SIZE];
	int64_t max_seq = 0, head_seq = 0, head_count = 0;
	struct db_conn *c;
	int rc, sqlite;

	memset(res, 0, sizeof(*res));
	res->ok = 1;
	if (o == NULL)
		o = &all;
	if (crypto_init() != 0)
		return ALC_ECRYPTO;
	if ((c = db_acquire(db, ACQUIRE_MS, NULL)) == NULL)
		return ALC_EBUSY;
	sqlite = db_conn_engine(c) == DB_SQLITE;
	if ((sqlite && (rc = db_exec(c, MMAP_ON)) != 0) ||
	    (rc = plan(c, o, &w, &max_seq, &head_seq, head_hex,
	    &head_count)) != 0 || !res->ok)
		goto out;
	if ((rc = walk_chain(c, &w)) != 0 || !res->ok)
		goto out;
	if (w.expect <= w.end)
		broken(res, w.expect, 0, "events seq %" PRId64 " to %" PRId64
		    " are missing: the chain %s seq %" PRId64, w.expect, w.end,
		    o->to_ms > 0 ? "had events up to" : "head records", w.end);
	else if (o->to_ms <= 0)
		check_tail(&w, max_seq, head_seq, head_hex, head_count);
	if (res->count > 0)
		memcpy(res->head, w.prev_hex, sizeof(res->head));
out:
	if (sqlite)
		db_exec(c, MMAP_OFF);
	db_release(c);
	free(w.dg);
	return rc;
}
