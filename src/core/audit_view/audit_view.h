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

#include "base/caldate.h"

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

/* ------------------------------------------------------------------ */
/* The periodic review (review.c; the flag rules are documented there). */

struct audit_event;

#define AUDIT_REVIEW_MAX_VERBS 64
#define AUDIT_REVIEW_MAX_FLAGS 500
#define AUDIT_BURST_COUNT 5                   /* failed sign-ins ... */
#define AUDIT_BURST_WINDOW_MS (15 * 60000LL)  /* ... within 15 minutes */
#define AUDIT_OFFICE_OPEN_H 7                 /* office hours 07:00 ... */
#define AUDIT_OFFICE_CLOSE_H 19               /* ... to 19:00, Mon-Fri */
#define AUDIT_MANY_CHARTS_MIN 20              /* distinct patients a day ... */
#define AUDIT_MANY_CHARTS_FACTOR 3            /* ... and 3x the user's median */

struct audit_verb_count {
	const char *verb;
	int64_t n;
};

/* A flagged event; note/marked_by NULL until it is marked reviewed. */
struct audit_flagged {
	int64_t seq, recorded_at, marked_at;
	const char *flag;   /* "break_glass", "export", "many_charts",
	                     * "own_chart", "colleague_chart",
	                     * "after_hours", "login_fail_burst" */
	const char *label;  /* the rule in plain language */
	const char *what;   /* the event's sentence (audit_view_describe) */
	const char *note, *marked_by;
};

struct audit_review {
	int64_t from_ms, to_ms;   /* [from, to) in ms UTC */
	int64_t events;
	struct audit_verb_count counts[AUDIT_REVIEW_MAX_VERBS];
	size_t n_counts;
	struct audit_flagged *flagged; /* newest first */
	size_t n_flagged, n_marked;
	int truncated;            /* more than AUDIT_REVIEW_MAX_FLAGS */
};

/* A signed-off review. */
struct audit_review_row {
	int64_t id, events, flagged, signed_at;
	const char *from, *to, *reviewer, *note;
};

/* Reads the practice's events of the days from..to (both included, in
 * zone tz) and fills rv: counts by verb, flagged events and their marks.
 * Memory from a.  ALC_EINVAL when to is before from. */
int audit_review_run(struct db *db, struct arena *a, int64_t practice_id,
    const char *tz, struct caldate from, struct caldate to,
    struct audit_review *rv);
/* Marks flagged event seq of rv reviewed with note; ev comes filled with
 * who and where (practice_id, actor_user_id required) and gets the
 * AUDIT_REVIEW event's what.  ALC_ENOTFOUND: seq is not flagged in rv;
 * ALC_EINVAL: no note (or over 2000 bytes); ALC_ECONFLICT: already
 * marked. */
int audit_review_mark(struct db *db, struct arena *a,
    const struct audit_review *rv, int64_t seq, const char *note,
    struct audit_event *ev);
/* Signs the review of from..to off: ALC_ECONFLICT while a flagged event
 * is unmarked, ALC_EINVAL without a note.  *review_id may be NULL. */
int audit_review_sign(struct db *db, struct arena *a,
    const struct audit_review *rv, struct caldate from, struct caldate to,
    const char *note, struct audit_event *ev, int64_t *review_id);
/* Signed-off reviews, newest first. */
int audit_review_list(struct db *db, struct arena *a, int64_t practice_id,
    struct audit_review_row *out, size_t max, size_t *n);
/* 1 when ms falls outside office hours in zone tz (NULL: UTC). */
int audit_review_after_hours(const char *tz, int64_t ms);
/* Local midnight starting day d in zone tz, as ms UTC. */
int64_t audit_review_day_start(const char *tz, struct caldate d);
/* The practice's IANA time zone into tz (>= 65 bytes). */
int audit_review_zone(struct db *db, int64_t practice_id, char *tz,
    size_t tzsz);
/* "2026-11-24 22:11:40 America/New_York": ms shown in zone tz (NULL or
 * unknown: UTC, so labelled).  Returns dst. */
char *audit_review_local_time(char *dst, size_t dstsz, const char *tz,
    int64_t ms);
/* review_access.c: the days a user opened far more charts than usual
 * (the last read of each such day, and its sentence), and the staff
 * members' own charts (patient id -> staff user id, sorted by patient). */
struct audit_many_charts {
	int64_t *seq;
	const char **what;
	size_t n;
};
struct audit_staff_charts {
	int64_t *patient, *user;
	size_t n;
};
int audit_review_many_charts(struct db *db, struct arena *a,
    int64_t practice_id, const char *tz, struct caldate from,
    struct caldate to, struct audit_many_charts *out);
/* The sentence of the flagged day whose last read is seq, or NULL. */
const char *audit_many_charts_find(const struct audit_many_charts *m,
    int64_t seq);
int audit_review_staff_charts(struct db *db, struct arena *a,
    int64_t practice_id, struct audit_staff_charts *out);
/* The staff user whose own chart patient is, or 0. */
int64_t audit_staff_chart_user(const struct audit_staff_charts *sc,
    int64_t patient);
/* The flag rule in plain language; NULL for an unknown flag. */
const char *audit_review_flag_label(const char *flag);

/* ------------------------------------------------------------------ */
/* The daily digest e-mail (digest_job.c).                             */

struct audit_digest;
struct config;
struct db_conn;
struct jobs;

#define AUDIT_DIGEST_JOB "audit.digest_daily"
#define AUDIT_DIGEST_MAIL "audit_digest" /* core/mail/templates.c */

/* When the next digest run is due after now_ms: 00:15 on the next day in
 * zone tz (NULL or unknown: UTC), or now + interval_s when interval_s >
 * 0 (audit.digest_interval).  ms UTC. */
int64_t audit_digest_next_run(const char *tz, int64_t now_ms, int interval_s);
/* Queues the practice's digest job at run_at on c (idempotent per
 * practice and run_at). */
int audit_digest_schedule(struct db_conn *c, int64_t practice_id,
    int64_t run_at);
/* Queues the next run of every active practice's chain. */
int audit_digest_schedule_all(struct db *db, int interval_s, int64_t now_ms);
/* Queues the digest e-mail to the practice's active compliance officers
 * (owners when it has none), once per practice and digest day; *queued
 * (may be NULL) gets the number of mails queued by this call. */
int audit_digest_mail(struct db *db, int64_t practice_id,
    const struct audit_digest *d, int *queued);
/* Registers AUDIT_DIGEST_JOB; cfg (read only) must outlive q. */
int audit_digest_register(struct jobs *q, const struct config *cfg);

#endif
