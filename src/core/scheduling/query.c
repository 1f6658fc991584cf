/*
 * query.c - reading appointments for views.  See scheduling.h.
 *
 * One range query over (practice_id, start_at), then the people of each
 * appointment; filtering by clinician happens here in C, because an
 * appointment with two clinicians must show once in a multi-clinician
 * view.  Strings live in the caller's arena.
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

static int
list_in(struct db_conn *c, struct arena *a, int64_t pid, const int64_t *clin,
    size_t nclin, int64_t from, int64_t to, struct sched_appt **out,
    size_t *n)
{
	size_t cap = 0;
	struct db_stmt *s;
	int rc = 0;

	if ((rc = db_prepare(c, &s, "SELECT " APPT_COLS "WHERE a.practice_id "
	    "= ? AND a.start_at >= ? AND a.start_at < ? ORDER BY a.start_at, "
	    "a.id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, from);
	db_bind_i64(s, 3, to);
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

int
sched_list(struct db *db, struct arena *a, int64_t practice_id,
    const int64_t *clin, size_t nclin, int64_t from_ms, int64_t to_ms,
    struct sched_appt **out, size_t *n)
{
	struct db_conn *c;
	size_t i, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = list_in(c, a, practice_id, clin, nclin, from_ms, to_ms, out, n);
	for (i = 0; rc == 0 && i < *n; i++)
		if ((rc = people(c, &(*out)[i])) == 0 &&
		    wanted(&(*out)[i], clin, nclin))
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
