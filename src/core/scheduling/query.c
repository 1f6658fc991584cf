/*
 * query.c - reading appointments for views.  See scheduling.h.
 *
 * sched_list costs three queries whatever the window holds: the window's
 * appointments (an indexed range on (practice_id, start_at); with one
 * clinician, a probe of appointment_clinicians' primary key keeps only
 * theirs, so an appointment with two clinicians still shows once),
 * then the patients and the clinicians of those same appointments, each
 * read with the same WHERE and ordered like the list (start_at, id) so
 * they are merged into it in one pass.  Several clinicians (rare) are
 * filtered here in C after the people are known.  sched_get reads one
 * appointment and its people.  Strings live in the caller's arena.
 */
#include "core/scheduling/sched_impl.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

#include <string.h>

#define APPT_COLS "a.id, coalesce(a.series_id, 0), coalesce(a.type_id, 0), " \
	"coalesce(a.room_id, 0), coalesce(a.location_id, 0), a.start_at, " \
	"a.end_at, a.local_date, a.local_min, a.kind, a.status, t.name, " \
	"t.colour, r.name, a.cancel_reason, a.override_reason, " \
	"coalesce(a.capacity, 0) FROM appointments a LEFT JOIN sched_types t " \
	"ON t.id = a.type_id LEFT JOIN sched_rooms r ON r.id = a.room_id "

static const char *
dup(struct arena *a, struct db_stmt *s, int col)
{
	const char *t = db_col_text(s, col);

	return t ? arena_strdup(a, t) : NULL;
}

static void
read_row(struct db_stmt *s, struct arena *a, struct sched_appt *x)
{
	memset(x, 0, sizeof(*x));
	x->id = db_col_i64(s, 0);
	x->series_id = db_col_i64(s, 1);
	x->type_id = db_col_i64(s, 2);
	x->room_id = db_col_i64(s, 3);
	x->location_id = db_col_i64(s, 4);
	x->start_at = db_col_i64(s, 5);
	x->end_at = db_col_i64(s, 6);
	if (caldate_parse(db_col_text(s, 7), &x->date) != 0)
		x->date.y = 0;
	x->start_min = (int)db_col_i64(s, 8);
	x->minutes = (int)((x->end_at - x->start_at) / 60000);
	x->kind = dup(a, s, 9);
	x->status = dup(a, s, 10);
	x->type_name = dup(a, s, 11);
	x->colour = dup(a, s, 12);
	x->room_name = dup(a, s, 13);
	x->cancel_reason = dup(a, s, 14);
	x->override_reason = dup(a, s, 15);
	x->capacity = (int)db_col_i64(s, 16);
}

/* The people of one appointment (sched_get). */
static int
people(struct db_conn *c, struct sched_appt *x)
{
	struct db_stmt *s;
	int rc, k;

	for (k = 0; k < 2; k++) {
		if ((rc = db_prepare(c, &s, k == 0 ? "SELECT patient_id FROM "
		    "appointment_patients WHERE appointment_id = ? ORDER BY "
		    "patient_id" : "SELECT user_id FROM appointment_clinicians "
		    "WHERE appointment_id = ? ORDER BY user_id")) != 0)
			return rc;
		db_bind_i64(s, 1, x->id);
		while ((rc = db_step(s)) == DB_ROW) {
			size_t *n = k == 0 ? &x->npatients : &x->nclinicians;
			int64_t *v = k == 0 ? x->patients : x->clinicians;
			if (*n < SCHED_MAX_PEOPLE)
				v[(*n)++] = db_col_i64(s, 0);
		}
		db_stmt_done(s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
wanted(const struct sched_appt *x, const int64_t *clin, size_t nclin)
{
	size_t i, j;

	if (nclin == 0)
		return 1;
	for (i = 0; i < x->nclinicians; i++)
		for (j = 0; j < nclin; j++)
			if (x->clinicians[i] == clin[j])
				return 1;
	return 0;
}

/* The window, and the one-clinician filter (bound as the fourth
 * parameter); the three queries of sched_list share them. */
#define WINDOW "WHERE a.practice_id = ? AND a.start_at >= ? AND a.start_at < ? "
/* A scalar subquery, not EXISTS: PostgreSQL turns EXISTS into a semi-join
 * that reads every appointment the clinician ever had (EXPLAIN on
 * generated data); a scalar subquery stays a probe of the primary key
 * (appointment_id, user_id) for each appointment of the window, on both
 * engines. */
#define BY_CLIN "AND (SELECT f.user_id FROM appointment_clinicians f WHERE " \
	"f.appointment_id = a.id AND f.user_id = ?) IS NOT NULL "
#define LIST_ORDER "ORDER BY a.start_at, a.id"
#define PEOPLE_SQL(tbl, col) "SELECT a.start_at, a.id, x." col " FROM " tbl \
	" x JOIN appointments a ON a.id = x.appointment_id "

static const char *const list_sql[2][3] = {
	{"SELECT " APPT_COLS WINDOW LIST_ORDER,
	 PEOPLE_SQL("appointment_patients", "patient_id") WINDOW LIST_ORDER
	 ", x.patient_id",
	 PEOPLE_SQL("appointment_clinicians", "user_id") WINDOW LIST_ORDER
	 ", x.user_id"},
	{"SELECT " APPT_COLS WINDOW BY_CLIN LIST_ORDER,
	 PEOPLE_SQL("appointment_patients", "patient_id") WINDOW BY_CLIN
	 LIST_ORDER ", x.patient_id",
	 PEOPLE_SQL("appointment_clinicians", "user_id") WINDOW BY_CLIN
	 LIST_ORDER ", x.user_id"},
};

struct window {
	int64_t pid, from, to, clin; /* clin 0: no SQL filter */
};

static int
window_prepare(struct db_conn *c, const struct window *w, int q,
    struct db_stmt **s)
{
	int rc;

	if ((rc = db_prepare(c, s, list_sql[w->clin != 0][q])) != 0)
		return rc;
	db_bind_i64(*s, 1, w->pid);
	db_bind_i64(*s, 2, w->from);
	db_bind_i64(*s, 3, w->to);
	if (w->clin != 0)
		db_bind_i64(*s, 4, w->clin);
	return 0;
}

static int
list_in(struct db_conn *c, struct arena *a, const struct window *w,
    struct sched_appt **out, size_t *n)
{
	size_t cap = 0;
	struct db_stmt *s;
	int rc = 0;

	if ((rc = window_prepare(c, w, 0, &s)) != 0)
		return rc;
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n == cap) {
			struct sched_appt *g;
			cap = cap ? cap * 2 : 32;
			if ((g = arena_alloc(a, cap * sizeof(*g))) == NULL) {
				rc = ALC_ENOMEM;
				break;
			}
			if (*n)
				memcpy(g, *out, *n * sizeof(*g));
			*out = g;
		}
		read_row(s, a, &(*out)[(*n)++]);
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Query q (1 patients, 2 clinicians) merged into the list, which has the
 * same order (start_at, id). */
static int
people_in(struct db_conn *c, const struct window *w, int q,
    struct sched_appt *ap, size_t n)
{
	struct db_stmt *s;
	size_t i = 0;
	int rc;

	if ((rc = window_prepare(c, w, q, &s)) != 0)
		return rc;
	while ((rc = db_step(s)) == DB_ROW) {
		int64_t st = db_col_i64(s, 0), id = db_col_i64(s, 1);
		size_t *k;
		while (i < n && (ap[i].start_at < st || (ap[i].start_at == st &&
		    ap[i].id < id)))
			i++;
		if (i == n)
			break;
		if (ap[i].id != id)
			continue;
		k = q == 1 ? &ap[i].npatients : &ap[i].nclinicians;
		if (*k < SCHED_MAX_PEOPLE)
			(q == 1 ? ap[i].patients : ap[i].clinicians)[(*k)++] =
			    db_col_i64(s, 2);
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
sched_list(struct db *db, struct arena *a, int64_t practice_id,
    const int64_t *clin, size_t nclin, int64_t from_ms, int64_t to_ms,
    struct sched_appt **out, size_t *n)
{
	struct window w = {practice_id, from_ms, to_ms, nclin == 1 ? clin[0] :
	    0};
	struct db_conn *c;
	size_t i, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = list_in(c, a, &w, out, n)) == 0 && *n > 0 &&
	    (rc = people_in(c, &w, 1, *out, *n)) == 0)
		rc = people_in(c, &w, 2, *out, *n);
	for (i = 0; rc == 0 && i < *n; i++)
		if (wanted(&(*out)[i], clin, nclin))
			(*out)[k++] = (*out)[i];
	if (rc == 0)
		*n = k;
	db_release(c);
	return rc;
}

int
sched_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t appt_id, struct sched_appt *out)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT " APPT_COLS "WHERE a.practice_id "
	    "= ? AND a.id = ?")) != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	db_bind_i64(s, 2, appt_id);
	if ((rc = db_step(s)) == DB_ROW)
		read_row(s, a, out);
	db_stmt_done(s);
	if (rc == DB_DONE)
		rc = ALC_ENOTFOUND;
	else if (rc == DB_ROW)
		rc = people(c, out);
out:
	db_release(c);
	return rc;
}
