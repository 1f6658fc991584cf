/*
 * appts.c - three years (or a few months) of a practice's calendar.
 *
 * Each clinician has a weekly grid of hourly slots.  Along each slot runs
 * a sequence of treatment episodes: an intake (one 60-minute booking),
 * then a weekly series of individual or family sessions for 4 to 60
 * weeks, then a gap of up to two weeks before the next patient.  Patients
 * are taken in turn from the clinician's caseload, one series at a time
 * each (a slot stays empty while everyone is busy); a booking that would
 * still conflict is skipped, as a scheduler would.  Past occurrences
 * become completed, no-show, late-cancelled or cancelled through
 * sched_set_status; a few future ones are cancelled.  Every completed
 * session queues chart views.
 */
#include "core/gen/gen_impl.h"
#include "base/err.h"
#include "core/scheduling/scheduling.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct episode {
	int c;                 /* clinician index */
	int64_t patient;
	struct caldate date;
	int start_min, count, family, tele;
};

static int
book(struct gen_ctx *g, const struct episode *e, int intake, int64_t *first,
    int64_t *series)
{
	struct sched_booking b;
	struct sched_conflicts cf;
	struct audit_event who;
	struct alc_err err;

	memset(&b, 0, sizeof(b));
	b.kind = e->family && !intake ? "couple_family" : "individual";
	b.type_id = intake ? g->pl.t_intake : e->family ? g->pl.t_family :
	    g->pl.t_individual;
	b.minutes = intake ? 60 : e->family ? 50 : 53;
	b.location_id = e->tele ? g->pl.telehealth : g->pl.office;
	b.room_id = e->tele ? 0 : g->pl.rooms[e->c];
	b.patients = &e->patient;
	b.npatients = 1;
	b.clinicians = &g->pl.clinicians[e->c];
	b.nclinicians = 1;
	b.date = e->date;
	b.start_min = e->start_min;
	b.tz = g->pl.tz;
	b.recur.freq = intake || e->count < 2 ? SCHED_ONCE : SCHED_WEEKLY;
	b.recur.interval = 1;
	b.recur.count = intake ? 0 : e->count;
	gen_who(&who, g->pl.front_desk, "front_desk");
	memset(&err, 0, sizeof(err));
	return sched_book(g->db, g->pid, &b, &who, first, series, &cf, &err);
}

/* The ids and start times of a booking's occurrences. */
static int
occurrences(struct gen_ctx *g, int64_t first, int64_t series, int64_t *ids,
    int64_t *starts, size_t max, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s = NULL;
	struct alc_err err;
	int rc;

	*n = 0;
	if ((c = db_acquire(g->db, 5000, &err)) == NULL)
		return ALC_EBUSY;
	/* Two statements: "id = ? OR series_id = ?" would scan the table. */
	if ((rc = db_prepare(c, &s, series > 0 ? "SELECT id, start_at FROM "
	    "appointments WHERE series_id = ? AND practice_id = ? ORDER BY "
	    "series_index" : "SELECT id, start_at FROM appointments WHERE id = "
	    "? AND practice_id = ?")) != 0)
		goto out;
	db_bind_i64(s, 1, series > 0 ? series : first);
	db_bind_i64(s, 2, g->pid);
	while ((rc = db_step(s)) == DB_ROW && *n < max) {
		ids[*n] = db_col_i64(s, 0);
		starts[*n] = db_col_i64(s, 1);
		(*n)++;
	}
	rc = rc < 0 ? rc : 0;
out:
	db_stmt_done(s);
	db_release(c);
	return rc;
}

static int
queue_views(struct gen_ctx *g, int64_t clin, int64_t patient)
{
	int i;

	for (i = 0; i < g->o->views_per_session; i++) {
		if (g->nviews == g->capviews) {
			size_t cap = g->capviews ? g->capviews * 2 : 4096;
			struct gen_view *v = realloc(g->views, cap * sizeof(*v));
			if (v == NULL)
				return ALC_ENOMEM;
			g->views = v;
			g->capviews = cap;
		}
		g->views[g->nviews].user_id = clin;
		g->views[g->nviews++].patient_id = patient;
	}
	return 0;
}

/* The status one occurrence ends up with; NULL: leave it scheduled. */
static const char *
pick_status(struct gen_rng *r, int past, const char **reason)
{
	static const char *const reasons[] = {"Patient request", "Illness",
	    "Schedule change", "Weather", "Clinician unavailable"};
	uint32_t x = gen_rng_below(r, 1000);

	*reason = reasons[gen_rng_below(r, 5)];
	if (!past)
		return x < 20 ? "cancelled" : NULL;
	if (x < 850)
		return "completed";
	if (x < 890)
		return "no_show";
	if (x < 920) {
		*reason = "Cancelled the same day";
		return "late_cancel";
	}
	return "cancelled";
}

static int
set_statuses(struct gen_ctx *g, const struct episode *e, int64_t first,
    int64_t series)
{
	int64_t ids[SCHED_MAX_OCCURRENCES + 1], starts[SCHED_MAX_OCCURRENCES + 1];
	struct audit_event who;
	struct alc_err err;
	const char *st, *reason;
	size_t i, n;
	int rc;

	if ((rc = occurrences(g, first, series, ids, starts,
	    SCHED_MAX_OCCURRENCES + 1, &n)) != 0)
		return rc;
	gen_who(&who, g->pl.front_desk, "front_desk");
	for (i = 0; i < n && rc == 0; i++) {
		g->st->appointments++;
		gen_progress(g->o, g->st, "appointments");
		if ((st = pick_status(g->r, starts[i] < g->pl.now_ms,
		    &reason)) == NULL)
			continue;
		memset(&err, 0, sizeof(err));
		rc = sched_set_status(g->db, g->pid, ids[i], st, reason,
		    strcmp(st, "cancelled") == 0 ? 0 : 5000, &who, &err);
		g->st->status_changes++;
		if (rc == 0 && strcmp(st, "completed") == 0)
			rc = queue_views(g, g->pl.clinicians[e->c], e->patient);
	}
	return rc;
}

/* Books the episode's intake and series and sets their statuses. */
static int
run_episode(struct gen_ctx *g, struct episode *e)
{
	int64_t first, series;
	int rc, k;

	for (k = 1; k >= 0; k--) {
		if (k == 0) {
			e->date = caldate_add_days(e->date, 7);
			if (--e->count < 1)
				break;
		}
		rc = book(g, e, k, &first, &series);
		if (rc == ALC_ECONFLICT) {
			g->st->skipped++;
			return 0;
		}
		if (rc != 0 || (rc = set_statuses(g, e, first, series)) != 0)
			return rc;
		g->st->series++;
	}
	return 0;
}

/* A patient of clinician c (patients[c], [c + n], [c + 2n] ...) with no
 * series running at week t, taken in turn; 0 when all are busy.
 * busy[i] is the week patient i's last series ends. */
static int64_t
free_patient(struct gen_ctx *g, int c, int t, int weeks_needed,
    size_t *cursor, int *busy)
{
	size_t n = (size_t)g->pl.nclin, have, k, i;

	if ((size_t)c >= g->npatients)
		return 0;
	have = (g->npatients - (size_t)c + n - 1) / n;
	for (k = 0; k < have; k++) {
		i = (size_t)c + n * (cursor[c]++ % have);
		if (busy[i] <= t) {
			busy[i] = t + weeks_needed + 1;
			return g->patients[i];
		}
	}
	return 0;
}

/* Starts an episode in slot k of clinician c at week t, or leaves the
 * slot empty this week when every patient is busy.  *free_at: the week
 * the slot is free again. */
static int
start_episode(struct gen_ctx *g, int c, int k, int t, struct caldate monday,
    int weeks, size_t *cursor, int *busy, int *free_at)
{
	int days = g->o->saturday ? 6 : 5, len;
	struct episode e;

	memset(&e, 0, sizeof(e));
	e.c = c;
	len = 4 + (int)gen_rng_below(g->r, 57);
	if (len > weeks - t)
		len = weeks - t;
	if (len > SCHED_MAX_OCCURRENCES + 1)
		len = SCHED_MAX_OCCURRENCES + 1;
	e.count = len;
	e.family = gen_rng_chance(g->r, 100);
	e.tele = gen_rng_chance(g->r, 200);
	e.date = caldate_add_days(monday, t * 7 + k % days);
	e.start_min = g->o->first_slot_min + (k / days) * 60;
	if ((e.patient = free_patient(g, c, t, len, cursor, busy)) == 0) {
		*free_at = t + 1;
		return 0;
	}
	*free_at = t + len + 1 + (int)gen_rng_below(g->r, 3);
	return run_episode(g, &e);
}

/* Clinician c's calendar, week by week so a patient has one series at a
 * time. */
static int
run_clinician(struct gen_ctx *g, int c, struct caldate monday, int weeks,
    size_t *cursor, int *busy)
{
	int days = g->o->saturday ? 6 : 5, slots = g->o->slots_per_day * days;
	int free_at[14 * 6], t, k, rc = 0;

	if (c == 0 && g->o->light_slots > 0 && g->o->light_slots < slots)
		slots = g->o->light_slots;
	for (k = 0; k < slots; k++)
		free_at[k] = (int)gen_rng_below(g->r, 4);
	for (t = 0; t < weeks - 1 && rc == 0; t++)
		for (k = 0; k < slots && rc == 0; k++)
			if (free_at[k] <= t)
				rc = start_episode(g, c, k, t, monday, weeks,
				    cursor, busy, &free_at[k]);
	return rc;
}

int
gen_appointments(struct gen_ctx *g)
{
	const struct gen_opts *o = g->o;
	struct caldate start = caldate_add_months(g->pl.today, -o->months_past,
	    0), end = caldate_add_months(g->pl.today, o->months_future, 0);
	size_t cursor[GEN_MAX_CLINICIANS];
	int *busy, c, weeks, rc = 0;

	if (g->npatients == 0)
		return 0;
	if ((busy = calloc(g->npatients, sizeof(*busy))) == NULL)
		return ALC_ENOMEM;
	memset(cursor, 0, sizeof(cursor));
	/* The Monday of the first week. */
	start = caldate_add_days(start, -((caldate_weekday(start) + 6) % 7));
	weeks = (int)(caldate_diff(start, end) / 7);
	for (c = 0; c < g->pl.nclin && rc == 0; c++)
		rc = run_clinician(g, c, start, weeks, cursor, busy);
	free(busy);
	return rc;
}
