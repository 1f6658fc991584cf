/*
 * review.c - the periodic audit-log review (45 CFR 164.308(a)(1)(ii)(D)):
 * counts by verb, the events worth a human look, marks, and sign-off.
 *
 * A review covers a period of whole days in the practice's time zone and
 * reads the same events the viewer shows (audit_view_scan: the practice's
 * events plus installation events by its members), streaming them once.
 *
 * The flag rules, first match wins, in this order:
 *   break_glass       every BREAK_GLASS event (emergency access);
 *   export            data left the system: EXPORT, DOWNLOAD, DISCLOSE
 *                     and AUDIT_EXPORT events;
 *   many_charts       the last read of a day on which a user opened the
 *                     records of at least AUDIT_MANY_CHARTS_MIN (20)
 *                     different patients and more than 3 times their
 *                     median over their working days of the previous 30
 *                     (review_access.c);
 *   own_chart         a read of a staff member's own chart by that staff
 *                     member (patients.staff_user_id);
 *   colleague_chart   a read of a staff member's chart by anyone else;
 *   after_hours       a read of a patient's record (action R with a
 *                     patient) before 07:00 or from 19:00 on, or on a
 *                     Saturday or Sunday, in the practice's time zone;
 *   login_fail_burst  LOGIN_FAIL events of which AUDIT_BURST_COUNT or more
 *                     from one address, or for one account, fall within
 *                     AUDIT_BURST_WINDOW_MS: every event of such a burst.
 * At most AUDIT_REVIEW_MAX_FLAGS flagged events are listed (the review
 * says when there were more).
 *
 * Events stay immutable: a mark (this event was looked at; the note says
 * what it was) is a row of audit_review_marks keyed by the event's seq,
 * and a signed-off review a row of audit_reviews (0016_audit_review.sql).
 * Each writes an AUDIT_REVIEW event in the same transaction.  Notes are
 * free text, so they never go into the event's detail.  Sign-off requires
 * every listed flagged event to be marked.
 */
#include "core/audit_view/audit_view.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/caldate.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/compliance/compliance.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BURST_CANDIDATES 4000

static const struct {
	const char *flag, *label;
} flag_labels[] = {
	{"break_glass", "Emergency (break-glass) access"},
	{"export", "Data left the system (export, download, disclosure)"},
	{"many_charts", "Far more charts opened than usual"},
	{"own_chart", "A staff member opened their own chart"},
	{"colleague_chart", "A colleague's chart was opened"},
	{"after_hours", "Record opened outside office hours"},
	{"login_fail_burst", "Burst of failed sign-ins"},
};

const char *
audit_review_flag_label(const char *flag)
{
	size_t i;

	for (i = 0; flag && i < sizeof(flag_labels) / sizeof(flag_labels[0]);
	    i++)
		if (strcmp(flag, flag_labels[i].flag) == 0)
			return flag_labels[i].label;
	return NULL;
}

int
audit_review_after_hours(const char *tz, int64_t ms)
{
	int32_t off = 0;
	int64_t local, days, secs;
	int dow;

	if (tz == NULL || caldate_utc_offset(tz, ms / 1000, &off) != 0)
		off = 0;
	local = ms / 1000 + off;
	days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	secs = local - days * 86400;
	dow = (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
	if (dow == 0 || dow == 6)
		return 1;
	return secs < AUDIT_OFFICE_OPEN_H * 3600 ||
	    secs >= AUDIT_OFFICE_CLOSE_H * 3600;
}

int64_t
audit_review_day_start(const char *tz, struct caldate d)
{
	int64_t t = caldate_to_days(d) * 86400;
	int32_t off = 0;

	if (tz == NULL || caldate_utc_offset(tz, t, &off) != 0)
		off = 0;
	/* The offset at local midnight, not at UTC midnight. */
	if (tz != NULL)
		caldate_utc_offset(tz, t - off, &off);
	return (t - off) * 1000;
}

/* ------------------------------------------------------------------ */
/* The scan.                                                           */

struct candidate {
	int64_t seq, at, user;
	const char *addr, *what;
	int flagged;
};

struct scan {
	struct arena *a;
	const char *tz;
	struct audit_review *rv;
	struct candidate *cand;
	size_t n_cand;
	struct audit_many_charts many;
	struct audit_staff_charts staff;
};

static int
count_verb(struct scan *s, const char *verb)
{
	struct audit_review *rv = s->rv;
	size_t i;

	rv->events++;
	for (i = 0; i < rv->n_counts; i++)
		if (strcmp(rv->counts[i].verb, verb) == 0) {
			rv->counts[i].n++;
			return 0;
		}
	if (rv->n_counts == AUDIT_REVIEW_MAX_VERBS)
		return 0;
	if ((rv->counts[i].verb = arena_strdup(s->a, verb)) == NULL)
		return ALC_ENOMEM;
	rv->counts[i].n = 1;
	rv->n_counts++;
	return 0;
}

static int
add_flag(struct scan *s, const char *flag, int64_t seq, int64_t at,
    const char *what)
{
	struct audit_review *rv = s->rv;
	struct audit_flagged *f;

	if (rv->n_flagged == AUDIT_REVIEW_MAX_FLAGS) {
		rv->truncated = 1;
		return 0;
	}
	f = &rv->flagged[rv->n_flagged++];
	memset(f, 0, sizeof(*f));
	f->seq = seq;
	f->recorded_at = at;
	f->flag = flag;
	f->label = audit_review_flag_label(flag);
	f->what = what;
	return what != NULL ? 0 : ALC_ENOMEM;
}

/* The event rules, first match wins; *what may name the day instead. */
static const char *
rule_for(const struct scan *s, const struct audit_row *row,
    const char **what)
{
	const char *v = row->verb;
	int64_t staff;

	if (strcmp(v, "BREAK_GLASS") == 0)
		return "break_glass";
	if (strcmp(v, "EXPORT") == 0 || strcmp(v, "DOWNLOAD") == 0 ||
	    strcmp(v, "DISCLOSE") == 0 || strcmp(v, "AUDIT_EXPORT") == 0)
		return "export";
	if (row->action != 'R' || row->patient_id == 0)
		return NULL;
	if ((*what = audit_many_charts_find(&s->many, row->seq)) != NULL)
		return "many_charts";
	if ((staff = audit_staff_chart_user(&s->staff, row->patient_id)) != 0)
		return staff == row->actor_user_id ? "own_chart" :
		    "colleague_chart";
	if (audit_review_after_hours(s->tz, row->recorded_at))
		return "after_hours";
	return NULL;
}

static int
scan_row(void *arg, const struct audit_row *row)
{
	struct scan *s = arg;
	struct candidate *c;
	const char *flag, *what = NULL;
	int rc;

	if (row->verb == NULL)
		return 0;
	if ((rc = count_verb(s, row->verb)) != 0)
		return rc;
	if ((flag = rule_for(s, row, &what)) != NULL)
		return add_flag(s, flag, row->seq, row->recorded_at,
		    what ? what : audit_view_describe(s->a, row));
	if (strcmp(row->verb, "LOGIN_FAIL") != 0 ||
	    s->n_cand == BURST_CANDIDATES)
		return 0;
	c = &s->cand[s->n_cand++];
	c->seq = row->seq;
	c->at = row->recorded_at;
	c->user = row->actor_user_id;
	c->addr = row->source_addr ? arena_strdup(s->a, row->source_addr) : "";
	c->what = audit_view_describe(s->a, row);
	c->flagged = 0;
	return c->addr && c->what ? 0 : ALC_ENOMEM;
}

static int
same_key(const struct candidate *x, const struct candidate *y, int by_user)
{
	if (by_user)
		return x->user != 0 && x->user == y->user;
	return x->addr[0] != '\0' && strcmp(x->addr, y->addr) == 0;
}

/* Marks every candidate inside a burst.  Candidates are newest first. */
static void
find_bursts(struct candidate *c, size_t n, int by_user)
{
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		k = 0;
		for (j = i; j < n && c[i].at - c[j].at < AUDIT_BURST_WINDOW_MS;
		    j++)
			k += same_key(&c[i], &c[j], by_user);
		if (k < AUDIT_BURST_COUNT)
			continue;
		for (j = i; j < n && c[i].at - c[j].at < AUDIT_BURST_WINDOW_MS;
		    j++)
			if (same_key(&c[i], &c[j], by_user))
				c[j].flagged = 1;
	}
}

/* Flagged events as the seq-ordered list expects: newest first. */
static int
merge_bursts(struct scan *s)
{
	size_t i;
	int rc;

	find_bursts(s->cand, s->n_cand, 0);
	find_bursts(s->cand, s->n_cand, 1);
	for (i = 0; i < s->n_cand; i++)
		if (s->cand[i].flagged && (rc = add_flag(s, "login_fail_burst",
		    s->cand[i].seq, s->cand[i].at, s->cand[i].what)) != 0)
			return rc;
	return 0;
}

static int
by_seq_desc(const void *x, const void *y)
{
	const struct audit_flagged *a = x, *b = y;

	return a->seq < b->seq ? 1 : a->seq > b->seq ? -1 : 0;
}

/* Fills the marks of the flagged events from audit_review_marks. */
static int
load_marks(struct db *db, struct arena *a, int64_t pid,
    struct audit_review *rv)
{
	struct db_conn *c;
	struct db_stmt *s;
	int64_t seq;
	size_t i;
	int rc;

	if (rv->n_flagged == 0)
		return 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT m.event_seq, m.note, "
	    "u.display_name, m.marked_at FROM audit_review_marks m JOIN users u "
	    "ON u.id = m.reviewer_id WHERE m.practice_id = ? AND m.event_seq "
	    "BETWEEN ? AND ?")) == 0) {
		db_bind_i64(s, 1, pid);
		db_bind_i64(s, 2, rv->flagged[rv->n_flagged - 1].seq);
		db_bind_i64(s, 3, rv->flagged[0].seq);
		while ((rc = db_step(s)) == DB_ROW) {
			seq = db_col_i64(s, 0);
			for (i = 0; i < rv->n_flagged; i++) {
				struct audit_flagged *f = &rv->flagged[i];
				if (f->seq != seq)
					continue;
				f->note = arena_strdup(a, db_col_text(s, 1));
				f->marked_by = arena_strdup(a, db_col_text(s, 2));
				f->marked_at = db_col_i64(s, 3);
				rv->n_marked++;
			}
		}
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}

int
audit_review_run(struct db *db, struct arena *a, int64_t practice_id,
    const char *tz, struct caldate from, struct caldate to,
    struct audit_review *rv)
{
	struct audit_filter f;
	struct scan s;
	int rc;

	memset(rv, 0, sizeof(*rv));
	memset(&s, 0, sizeof(s));
	if (caldate_cmp(to, from) < 0)
		return ALC_EINVAL;
	s.a = a;
	s.tz = tz;
	s.rv = rv;
	rv->from_ms = audit_review_day_start(tz, from);
	rv->to_ms = audit_review_day_start(tz, caldate_add_days(to, 1));
	if ((rv->flagged = arena_alloc(a, AUDIT_REVIEW_MAX_FLAGS *
	    sizeof(*rv->flagged))) == NULL || (s.cand = arena_alloc(a,
	    BURST_CANDIDATES * sizeof(*s.cand))) == NULL)
		return ALC_ENOMEM;
	memset(&f, 0, sizeof(f));
	f.practice_id = practice_id;
	f.from_ms = rv->from_ms;
	f.to_ms = rv->to_ms;
	if ((rc = audit_review_many_charts(db, a, practice_id, tz, from, to,
	    &s.many)) != 0 ||
	    (rc = audit_review_staff_charts(db, a, practice_id, &s.staff)) != 0 ||
	    (rc = audit_view_scan(db, &f, (size_t)-1, scan_row, &s)) != 0 ||
	    (rc = merge_bursts(&s)) != 0)
		return rc;
	qsort(rv->flagged, rv->n_flagged, sizeof(*rv->flagged), by_seq_desc);
	return load_marks(db, a, practice_id, rv);
}

/* ------------------------------------------------------------------ */
/* Marks and sign-off.                                                 */

static int
insert_mark(struct db_conn *c, int64_t pid, int64_t uid,
    const struct audit_flagged *f, const char *note)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO audit_review_marks "
	    "(practice_id, event_seq, flag, reviewer_id, note, marked_at) "
	    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, f->seq);
	db_bind_text(s, 3, f->flag);
	db_bind_i64(s, 4, uid);
	db_bind_text(s, 5, note);
	db_bind_i64(s, 6, time_now_ms());
	if ((rc = db_step(s)) >= 0 && db_changes(s) != 1)
		rc = ALC_ECONFLICT;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Runs fn in a transaction of its own with the audit event ev. */
static int
in_txn(struct db *db, int (*fn)(struct db_conn *, void *), void *arg,
    struct audit_event *ev)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = fn(c, arg)) == 0 &&
	    (rc = audit_write(c, ev)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

struct mark_args {
	int64_t pid, uid;
	const struct audit_flagged *f;
	const char *note;
};

static int
mark_fn(struct db_conn *c, void *arg)
{
	struct mark_args *m = arg;

	return insert_mark(c, m->pid, m->uid, m->f, m->note);
}

int
audit_review_mark(struct db *db, struct arena *a,
    const struct audit_review *rv, int64_t seq, const char *note,
    struct audit_event *ev)
{
	struct mark_args m = {.pid = ev->practice_id, .uid = ev->actor_user_id,
	    .note = note};
	size_t i;

	for (i = 0; i < rv->n_flagged && m.f == NULL; i++)
		if (rv->flagged[i].seq == seq)
			m.f = &rv->flagged[i];
	if (m.f == NULL)
		return ALC_ENOTFOUND;
	if (note == NULL || note[0] == '\0' || strlen(note) > 2000)
		return ALC_EINVAL;
	if (m.f->note != NULL)
		return ALC_ECONFLICT;
	ev->verb = "AUDIT_REVIEW";
	ev->object_type = "audit_event";
	ev->object_id = arena_printf(a, "%lld", (long long)seq);
	ev->detail = arena_printf(a, "{\"mark\":\"%s\"}", m.f->flag);
	return ev->object_id && ev->detail ? in_txn(db, mark_fn, &m, ev) :
	    ALC_ENOMEM;
}

struct sign_args {
	struct arena *a;
	int64_t pid, uid, id;
	const struct audit_review *rv;
	const char *from, *to, *counts, *note;
	struct audit_event *ev;
};

static int
sign_fn(struct db_conn *c, void *arg)
{
	struct sign_args *g = arg;
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO audit_reviews (practice_id, "
	    "period_from, period_to, reviewer_id, events, flagged, counts, note, "
	    "signed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, g->pid);
	db_bind_text(s, 2, g->from);
	db_bind_text(s, 3, g->to);
	db_bind_i64(s, 4, g->uid);
	db_bind_i64(s, 5, g->rv->events);
	db_bind_i64(s, 6, (int64_t)g->rv->n_flagged);
	db_bind_text(s, 7, g->counts);
	db_bind_text(s, 8, g->note);
	db_bind_i64(s, 9, time_now_ms());
	if ((rc = db_step(s)) == DB_ROW)
		g->id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	g->ev->object_id = arena_printf(g->a, "%lld", (long long)g->id);
	g->ev->detail = arena_printf(g->a, "{\"from\":\"%s\",\"to\":\"%s\","
	    "\"events\":%lld,\"flagged\":%zu}", g->from, g->to,
	    (long long)g->rv->events, g->rv->n_flagged);
	return g->ev->object_id && g->ev->detail ? 0 : ALC_ENOMEM;
}

int
audit_review_sign(struct db *db, struct arena *a,
    const struct audit_review *rv, struct caldate from, struct caldate to,
    const char *note, struct audit_event *ev, int64_t *review_id)
{
	char f[CALDATE_TEXT_SIZE], t[CALDATE_TEXT_SIZE];
	struct sign_args g = {.a = a, .pid = ev->practice_id,
	    .uid = ev->actor_user_id, .rv = rv, .note = note, .ev = ev};
	struct buf counts;
	size_t i;
	int rc;

	if (note == NULL || note[0] == '\0' || strlen(note) > 4000)
		return ALC_EINVAL;
	if (rv->n_marked < rv->n_flagged)
		return ALC_ECONFLICT;
	buf_init(&counts, a);
	buf_putc(&counts, '{');
	for (i = 0; i < rv->n_counts; i++)
		buf_printf(&counts, "%s\"%s\":%lld", i ? "," : "",
		    rv->counts[i].verb, (long long)rv->counts[i].n);
	buf_putc(&counts, '}');
	if (buf_failed(&counts))
		return ALC_ENOMEM;
	g.counts = buf_cstr(&counts);
	g.from = caldate_format(from, f);
	g.to = caldate_format(to, t);
	ev->verb = "AUDIT_REVIEW";
	ev->object_type = "audit_review";
	if ((rc = in_txn(db, sign_fn, &g, ev)) == 0 && review_id != NULL)
		*review_id = g.id;
	return rc;
}

int
audit_review_list(struct db *db, struct arena *a, int64_t practice_id,
    struct audit_review_row *out, size_t max, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT r.id, r.period_from, r.period_to, "
	    "u.display_name, r.events, r.flagged, r.note, r.signed_at FROM "
	    "audit_reviews r JOIN users u ON u.id = r.reviewer_id WHERE "
	    "r.practice_id = ? ORDER BY r.signed_at DESC, r.id DESC")) == 0) {
		db_bind_i64(s, 1, practice_id);
		while (*n < max && (rc = db_step(s)) == DB_ROW) {
			struct audit_review_row *r = &out[(*n)++];
			r->id = db_col_i64(s, 0);
			r->from = arena_strdup(a, db_col_text(s, 1));
			r->to = arena_strdup(a, db_col_text(s, 2));
			r->reviewer = arena_strdup(a, db_col_text(s, 3));
			r->events = db_col_i64(s, 4);
			r->flagged = db_col_i64(s, 5);
			r->note = arena_strdup(a, db_col_text(s, 6));
			r->signed_at = db_col_i64(s, 7);
		}
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}

int
audit_review_zone(struct db *db, int64_t practice_id, char *tz, size_t tzsz)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = compliance_practice_zone(c, practice_id, tz, tzsz);
	db_release(c);
	return rc;
}

char *
audit_review_local_time(char *dst, size_t dstsz, const char *tz, int64_t ms)
{
	char iso[32];
	int32_t off = 0;

	if (tz == NULL || caldate_utc_offset(tz, ms / 1000, &off) != 0) {
		off = 0;
		tz = "UTC";
	}
	time_format_iso(iso, sizeof(iso), ms + (int64_t)off * 1000);
	snprintf(dst, dstsz, "%.10s %.8s %s", iso, iso + 11, tz);
	return dst;
}
