/*
 * pages/schedule_today.c - the front desk's "today" list (GET
 * /schedule/today) and checking a patient in (POST
 * /schedule/today/:id/arrive, status "arrived").
 *
 * Today is the practice's local day, midnight to midnight in its zone
 * (23 or 25 hours on a daylight-saving day), for every clinician or the
 * one chosen.  Names follow the calendar's rule (sched_web_names in
 * schedule.c), and the page writes the calendar's audit event (object
 * "calendar", view "today") before it is sent.  The "balance due" column
 * says that billing is not set up yet: Alcove shows no number it does
 * not have.  Checking in goes through sched_set_status, which audits it.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_schedule.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/scheduling/scheduling.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

struct today {
	char tz[64];
	struct caldate day;
	int64_t clin;                 /* 0: everyone */
	struct sched_named *staff;
	size_t nstaff;
};

static int
is(const char *st, const char *a, const char *b)
{
	return strcmp(st, a) == 0 || (b != NULL && strcmp(st, b) == 0);
}

static const char *
clinicians_of(struct req *r, const struct today *t, const struct sched_appt *a)
{
	struct buf b;
	size_t j;

	buf_init(&b, r->arena);
	for (j = 0; j < a->nclinicians; j++)
		buf_printf(&b, "%s%s", j ? ", " : "", sched_web_name_of(t->staff,
		    t->nstaff, a->clinicians[j]));
	return buf_cstr(&b);
}

static void
fill_row(struct req *r, const struct today *t, const struct sched_appt *a,
    const char **names, int can_book, struct sched_today_row_view *row)
{
	struct caldate d;
	struct buf who;
	size_t j;
	int m = 0;

	caldate_from_utc(t->tz, a->start_at, &d, &m);
	row->time = arena_printf(r->arena, "%s–%s", sched_web_hm(r, m),
	    sched_web_hm(r, m + a->minutes));
	buf_init(&who, r->arena);
	for (j = 0; j < a->npatients; j++)
		buf_printf(&who, "%s%s", j ? ", " : "", names[j]);
	row->who = buf_cstr(&who);
	row->clinicians = clinicians_of(r, t, a);
	row->what = a->room_name ? arena_printf(r->arena, "%s, %s",
	    a->type_name ? a->type_name : "Appointment", a->room_name) :
	    (a->type_name ? a->type_name : "Appointment");
	row->status = sched_web_status(a->status);
	row->href = arena_printf(r->arena, "/schedule/appointments/%lld",
	    (long long)a->id);
	row->no_show = strcmp(a->status, "no_show") == 0;
	row->cancelled = is(a->status, "cancelled", "late_cancel");
	if (can_book && is(a->status, "scheduled", "confirmed"))
		row->arrive_action = arena_printf(r->arena,
		    "/schedule/today/%lld/arrive", (long long)a->id);
}

static int
load(struct req *r, struct today *t)
{
	const char *q = req_query(r, "clinician");
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = sched_practice_tz(r->app->db, r->sess->practice_id, t->tz,
	    sizeof(t->tz))) != 0 || (rc = sched_web_today(r, t->tz, &t->day))
	    != 0 || (rc = sched_web_clinicians(r, &t->staff, &t->nstaff)) != 0)
		return rc;
	t->clin = sched_web_id(q);
	return 0;
}

static int
fill_rows(struct req *r, const struct today *t, struct sched_appt *ap,
    size_t n, struct sched_today_view *v, int64_t **shown, size_t *nshown)
{
	struct sched_today_row_view *rows;
	const char **names;
	int can_book = authz_check(r, ACT_SCHEDULE_BOOK) == 0;
	size_t i, off = 0;
	int rc;

	if ((rc = sched_web_names(r, ap, n, &names, shown, nshown)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	memset(rows, 0, (n + 1) * sizeof(*rows));
	for (i = 0; i < n; i++) {
		fill_row(r, t, &ap[i], names + off, can_book, &rows[i]);
		off += ap[i].npatients;
		v->arrived += is(ap[i].status, "arrived", "in_session");
		v->waiting += is(ap[i].status, "scheduled", "confirmed");
		v->no_shows += rows[i].no_show;
	}
	v->rows = rows;
	v->n_rows = n;
	return 0;
}

int
page_schedule_today(struct req *r)
{
	struct sched_today_view v;
	struct sched_appt *ap;
	struct today t;
	struct buf body;
	int64_t from, to, *shown;
	size_t n, nshown;
	int rc;

	if ((rc = load(r, &t)) != 0 ||
	    (rc = caldate_local_to_utc(t.tz, t.day, 0, &from)) != 0 ||
	    (rc = caldate_local_to_utc(t.tz, caldate_add_days(t.day, 1), 0,
	    &to)) != 0 ||
	    (rc = sched_list(r->app->db, r->arena, r->sess->practice_id,
	    &t.clin, t.clin ? 1 : 0, from, to, &ap, &n)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	if ((rc = fill_rows(r, &t, ap, n, &v, &shown, &nshown)) != 0)
		return rc;
	if (req_query(r, "done") != NULL)
		page_flash(r, "success", "The patient is checked in.");
	v.title = arena_printf(r->arena, "Today: %s", sched_web_date(r, t.day));
	v.csrf = r->sess->csrf;
	v.week_href = "/schedule";
	v.waitlist_href = "/schedule/waitlist";
	if ((v.clinicians = sched_web_options(r, t.staff, t.nstaff,
	    "All clinicians", req_query(r, "clinician"), &v.n_clinicians)) ==
	    NULL)
		return ALC_ENOMEM;
	/* The audit event is durable before the page leaves. */
	if (nshown > 0 && (rc = sched_web_audit(r, "today", shown, nshown)) !=
	    0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_schedule_today(&body, &v);
	return page_send(r, 200, "Today", &body);
}

int
page_schedule_arrive(struct req *r)
{
	int64_t id = sched_web_id(req_param(r, "id"));
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	memset(&err, 0, sizeof(err));
	web_audit_who(r, &who);
	if ((rc = sched_set_status(r->app->db, r->sess->practice_id, id,
	    "arrived", NULL, 0, &who, &err)) != 0)
		return rc;
	return resp_redirect(r, 303, "/schedule/today?done=arrived");
}
