/*
 * audit_view.h - reading the audit trail back: the viewer's query and the
 * plain-language sentence for each event (issue #5).
 *
 * The viewer shows one practice's events plus the installation's events
 * (practice_id NULL) whose actor, if any, is a member of that practice -
 * a failed sign-in on another practice's account is not shown here.
 *
 * Newest first, keyset pagination on seq: a page is "the next N events
 * with seq < before", never OFFSET, so every page costs the same however
 * deep it is.  The query is the UNION ALL of two branches (this practice;
 * the installation), each ORDER BY seq DESC LIMIT N, so each walks an
 * index backwards (0010_audit_viewer.sql) and stops after N matches.  The
 * SQL text is assembled from constant fragments chosen by which filters
 * are set; every value is a bound parameter.
 *
 * audit_view_scan streams: it fetches AUDIT_VIEW_BATCH rows at a time and
 * hands each to a callback, so an export of 100,000 rows never holds more
 * than one batch of rows.
 */
#ifndef ALC_CORE_AUDIT_VIEW_H
#define ALC_CORE_AUDIT_VIEW_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct db;

#define AUDIT_VIEW_BATCH 500

enum audit_outcome_filter {
	AUDIT_VIEW_ANY = 0,
	AUDIT_VIEW_SUCCESS,  /* outcome 0 */
	AUDIT_VIEW_FAILURE,  /* outcome 4, 8 or 12 */
};

/* Zero means "any" for every member but practice_id (required). */
struct audit_filter {
	int64_t practice_id;
	int64_t user_id;          /* actor */
	int64_t patient_id;
	const char *verb;         /* one of the verbs audit.h lists */
	int64_t from_ms, to_ms;   /* recorded_at in [from_ms, to_ms) */
	enum audit_outcome_filter outcome;
	const char *sensitivity;  /* "normal", "psychotherapy_note", "part2" */
	int64_t before_seq;       /* keyset: only events with seq < this */
};

/* One event as the viewer sees it.  Strings may be NULL; they are valid
 * only during the callback that receives the row. */
struct audit_row {
	int64_t seq, recorded_at, actor_user_id, practice_id, patient_id;
	int outcome, mfa;
	char action;
	const char *actor_role, *actor_name, *actor_email, *source_addr;
	const char *verb, *object_type, *object_id, *object_name;
	const char *sensitivity, *reason, *request_id, *detail;
};

/* Return 0 to go on, > 0 to stop early (not an error), < 0 to fail. */
typedef int (*audit_row_fn)(void *arg, const struct audit_row *row);

/*
 * Calls fn for up to limit events matching f, newest first.  Returns 0
 * (also when fn stopped early), the negative value fn returned, ALC_EINVAL
 * for a filter without practice_id, or a database error.
 */
int audit_view_scan(struct db *db, const struct audit_filter *f,
    size_t limit, audit_row_fn fn, void *arg);

/*
 * The event in plain language, from the arena: "Dana Rivera signed in
 * (second step)", "Failed sign-in for owner@example.test (wrong
 * password)", "Casey Lee's roles changed: Front desk -> Front desk,
 * Billing".  Never NULL unless out of memory.
 */
const char *audit_view_describe(struct arena *a, const struct audit_row *row);
/* The same sentence, appended to b. */
void audit_view_describe_to(struct buf *b, const struct audit_row *row);
/* "psychotherapy note", "Part 2 record"; NULL for normal. */
const char *audit_view_sensitivity_label(const char *sensitivity);

/*
 * Exports (export.c): up to AUDIT_EXPORT_CAP events matching f, newest
 * first, appended to out as CSV (RFC 4180, cells defused against
 * spreadsheet formulas, times in UTC) or as a JSON array of objects.
 * Rows are read AUDIT_VIEW_BATCH at a time.  0 or a negative ALC_E*;
 * check buf_failed(out) too.
 */
#define AUDIT_EXPORT_CAP 100000
enum audit_export_format { AUDIT_EXPORT_CSV, AUDIT_EXPORT_JSON };
int audit_view_export(struct db *db, const struct audit_filter *f,
    enum audit_export_format fmt, struct buf *out);
/* "2026-11-25 02:11:40 UTC" into dst (32 bytes); returns dst. */
char *audit_view_time(char *dst, size_t dstsz, int64_t ms);

/* 1 when verb is one of the verbs the viewer can filter by. */
int audit_view_verb_known(const char *verb);
/* The verbs, in the order the filter's picker lists them, with labels. */
struct audit_verb_label {
	const char *verb, *label;
};
extern const struct audit_verb_label audit_verb_labels[];
extern const size_t audit_verb_labels_count;

#endif
