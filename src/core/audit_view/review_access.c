/*
 * review_access.c - the two review flags about whose charts were opened
 * (issue #5), computed before the review's scan so review.c can flag the
 * events as they stream past (first match wins, see review.c).
 *
 * many_charts: a user opening far more charts than usual.  For each day
 * of the period (whole days in the practice's time zone) and each user,
 * count the distinct patients whose records the user read (events with
 * action R and a patient).  The user's baseline is the median of the same
 * count over the days in the 30 days before that day on which the user
 * read at least one record (their working days; no such day: 0).  The
 * day is flagged when the count is at least AUDIT_MANY_CHARTS_MIN and more
 * than AUDIT_MANY_CHARTS_FACTOR times the baseline; the flagged event is
 * the user's last read of that day, described as "Dana Rivera opened 25
 * different patients' records on 2026-11-03 (usually 4 a day)".
 * One grouped query per day (exact day bounds, DST included), on the
 * (practice_id, recorded_at) index: about 60 small queries for a month.
 *
 * own_chart / colleague_chart: patients flagged "staff member as patient"
 * carry the staff user they are (patients.staff_user_id, migration 0025).
 * A read of such a chart by that user is "own chart", by anyone else
 * "colleague's chart".  The links are loaded once, sorted by patient id.
 */
#include "core/audit_view/audit_view.h"
#include "base/arena.h"
#include "base/caldate.h"
#include "base/err.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

#define BASELINE_DAYS 30

struct day_count {
	int64_t user, day, n, seq, at;
};

struct counts {
	struct arena *a;
	struct day_count *v;
	size_t n, cap;
};

static int
push(struct counts *c, const struct day_count *d)
{
	struct day_count *nv;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		if ((nv = arena_alloc(c->a, c->cap * sizeof(*nv))) == NULL)
			return ALC_ENOMEM;
		if (c->n)
			memcpy(nv, c->v, c->n * sizeof(*nv));
		c->v = nv;
	}
	c->v[c->n++] = *d;
	return 0;
}

/* Distinct patients read per user on day [t0, t1). */
static int
count_day(struct db_conn *conn, int64_t pid, int64_t day, int64_t t0,
    int64_t t1, struct counts *c)
{
	struct db_stmt *s;
	struct day_count d;
	int rc;

	if ((rc = db_prepare(conn, &s, "SELECT actor_user_id, COUNT(DISTINCT "
	    "patient_id), MAX(seq), MAX(recorded_at) FROM audit_events WHERE "
	    "practice_id = ? AND recorded_at >= ? AND recorded_at < ? AND "
	    "action = 'R' AND patient_id IS NOT NULL AND actor_user_id IS NOT "
	    "NULL GROUP BY actor_user_id")) != 0)
		return rc;
	if ((rc = db_bind_i64(s, 1, pid)) == 0 &&
	    (rc = db_bind_i64(s, 2, t0)) == 0 &&
	    (rc = db_bind_i64(s, 3, t1)) == 0)
		while ((rc = db_step(s)) == DB_ROW) {
			d.user = db_col_i64(s, 0);
			d.day = day;
			d.n = db_col_i64(s, 1);
			d.seq = db_col_i64(s, 2);
			d.at = db_col_i64(s, 3);
			if ((rc = push(c, &d)) != 0)
				break;
		}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
by_user_day(const void *x, const void *y)
{
	const struct day_count *a = x, *b = y;

	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	return a->day < b->day ? -1 : a->day > b->day;
}

static int
by_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return a < b ? -1 : a > b;
}

/* Twice the median of the user's counts in the BASELINE_DAYS days before
 * v[i] (v sorted by user and day), so an even count needs no fraction. */
static int64_t
twice_median(const struct day_count *v, size_t i)
{
	int64_t w[BASELINE_DAYS];
	size_t k = 0, j = i;

	while (j-- > 0 && v[j].user == v[i].user &&
	    v[j].day >= v[i].day - BASELINE_DAYS)
		w[k++] = v[j].n;
	if (k == 0)
		return 0;
	qsort(w, k, sizeof(w[0]), by_i64);
	return k % 2 ? 2 * w[k / 2] : w[k / 2 - 1] + w[k / 2];
}

static const char *
user_name(struct db_conn *conn, struct arena *a, int64_t uid)
{
	const char *name = NULL;
	struct db_stmt *s;

	if (db_prepare(conn, &s, "SELECT display_name FROM users WHERE id = ?")
	    != 0)
		return NULL;
	if (db_bind_i64(s, 1, uid) == 0 && db_step(s) == DB_ROW)
		name = arena_strdup(a, db_col_text(s, 0));
	db_stmt_done(s);
	return name;
}

/* Adds the flagged days of c (period days from first_day on) to out. */
static int
pick_days(struct db_conn *conn, struct arena *a, struct counts *c,
    int64_t first_day, struct audit_many_charts *out)
{
	char day[CALDATE_TEXT_SIZE];
	const char *who;
	int64_t m2;
	size_t i;

	if (c->n == 0)
		return 0;
	qsort(c->v, c->n, sizeof(c->v[0]), by_user_day);
	for (i = 0; i < c->n && out->n < AUDIT_REVIEW_MAX_FLAGS; i++) {
		if (c->v[i].day < first_day || c->v[i].n < AUDIT_MANY_CHARTS_MIN)
			continue;
		m2 = twice_median(c->v, i);
		if (2 * c->v[i].n <= AUDIT_MANY_CHARTS_FACTOR * m2)
			continue;
		who = user_name(conn, a, c->v[i].user);
		caldate_format(caldate_from_days(c->v[i].day), day);
		out->seq[out->n] = c->v[i].seq;
		out->what[out->n] = arena_printf(a, "%s opened %lld different "
		    "patients' records on %s (usually %lld%s a day)",
		    who ? who : "A user", (long long)c->v[i].n, day,
		    (long long)(m2 / 2), m2 % 2 ? ".5" : "");
		if (out->what[out->n++] == NULL)
			return ALC_ENOMEM;
	}
	return 0;
}

int
audit_review_many_charts(struct db *db, struct arena *a, int64_t practice_id,
    const char *tz, struct caldate from, struct caldate to,
    struct audit_many_charts *out)
{
	struct counts c = {.a = a};
	struct caldate d = caldate_add_days(from, -BASELINE_DAYS);
	struct db_conn *conn;
	int64_t first = caldate_to_days(from), t0, t1;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if ((out->seq = arena_alloc(a, AUDIT_REVIEW_MAX_FLAGS *
	    sizeof(*out->seq))) == NULL || (out->what = arena_alloc(a,
	    AUDIT_REVIEW_MAX_FLAGS * sizeof(*out->what))) == NULL)
		return ALC_ENOMEM;
	if ((conn = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	for (t0 = audit_review_day_start(tz, d); rc == 0 &&
	    caldate_cmp(d, to) <= 0; t0 = t1) {
		t1 = audit_review_day_start(tz, caldate_add_days(d, 1));
		rc = count_day(conn, practice_id, caldate_to_days(d), t0, t1, &c);
		d = caldate_add_days(d, 1);
	}
	if (rc == 0)
		rc = pick_days(conn, a, &c, first, out);
	db_release(conn);
	return rc;
}

const char *
audit_many_charts_find(const struct audit_many_charts *m, int64_t seq)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->seq[i] == seq)
			return m->what[i];
	return NULL;
}

int
audit_review_staff_charts(struct db *db, struct arena *a, int64_t practice_id,
    struct audit_staff_charts *out)
{
	struct db_conn *conn;
	struct db_stmt *s;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((conn = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(conn, &s, "SELECT COUNT(*) FROM patients WHERE "
	    "practice_id = ? AND staff_patient = 1 AND staff_user_id IS NOT "
	    "NULL")) == 0) {
		if ((rc = db_bind_i64(s, 1, practice_id)) == 0 &&
		    (rc = db_step(s)) == DB_ROW)
			cap = (size_t)db_col_i64(s, 0);
		db_stmt_done(s);
	}
	if (rc < 0 || cap == 0)
		goto out;
	if ((out->patient = arena_alloc(a, cap * sizeof(int64_t))) == NULL ||
	    (out->user = arena_alloc(a, cap * sizeof(int64_t))) == NULL) {
		rc = ALC_ENOMEM;
		goto out;
	}
	if ((rc = db_prepare(conn, &s, "SELECT id, staff_user_id FROM patients "
	    "WHERE practice_id = ? AND staff_patient = 1 AND staff_user_id IS NOT "
	    "NULL ORDER BY id"))
	    != 0)
		goto out;
	if ((rc = db_bind_i64(s, 1, practice_id)) == 0)
		while (out->n < cap && (rc = db_step(s)) == DB_ROW) {
			out->patient[out->n] = db_col_i64(s, 0);
			out->user[out->n++] = db_col_i64(s, 1);
		}
	db_stmt_done(s);
out:
	db_release(conn);
	return rc < 0 ? rc : 0;
}

int64_t
audit_staff_chart_user(const struct audit_staff_charts *sc, int64_t patient)
{
	size_t lo = 0, hi = sc->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sc->patient[mid] == patient)
			return sc->user[mid];
		if (sc->patient[mid] < patient)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
