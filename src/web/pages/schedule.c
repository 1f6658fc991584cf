/*
 * pages/schedule.c - the calendar: week view (the signed-in clinician, a
 * chosen one, or everyone), day view, multi-clinician day view (one
 * column per clinician) and its print form.  The booking form is in
 * schedule_book.c, the appointment page in schedule_appt.c; the helpers
 * they share are declared in pages.h.
 *
 * Names on a calendar are PHI.  Minimum necessary: a viewer who is only a
 * clinician or supervisor sees the names of the patients on their own
 * care team (or a supervisee's) and "Appointment" for everyone else's; front desk, billing,
 * administrators and owners see every name (they book for everyone), but
 * restricted records show only their chart number.  Each calendar page
 * writes ONE audit event (verb VIEW, object "calendar") before it is
 * sent, with the ids of the patients whose names it shows in detail
 * ({"view":"week","patients":[..]}) and patient_id set when there is only
 * one; a page naming more than CAL_IDS_PER_EVENT patients writes one
 * event per CAL_IDS_PER_EVENT, so detail stays under the audit limit.
 * Pages showing no names write no event.
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
#include "base/timeutil.h"
#include "core/patients/patients.h"
#include "core/scheduling/scheduling.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define CAL_IDS_PER_EVENT 100
#define MAX_CLIN 200

static const char *const wday_name[] = {"Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday"};
static const char *const month_name[] = {"January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December"};

const char *
sched_web_date(struct req *r, struct caldate d)
{
	return arena_printf(r->arena, "%s %d %s %d", wday_name[
	    caldate_weekday(d)], d.d, month_name[d.m - 1], d.y);
}

const char *
sched_web_hm(struct req *r, int minute)
{
	return arena_printf(r->arena, "%02d:%02d", minute / 60 % 24,
	    minute % 60);
}

const char *
sched_web_status(const char *st)
{
	static const char *const map[][2] = {{"scheduled", "Scheduled"},
	    {"confirmed", "Confirmed"}, {"arrived", "Arrived"},
	    {"in_session", "In session"}, {"completed", "Completed"},
	    {"cancelled", "Cancelled"}, {"late_cancel", "Late cancellation"},
	    {"no_show", "No-show"}};
	size_t i;

	for (i = 0; st && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(st, map[i][0]) == 0)
			return map[i][1];
	return st;
}

int
sched_web_today(struct req *r, const char *tz, struct caldate *d)
{
	return caldate_today(tz, time_now_ms(), d);
}

/* 1 when v names a patient in the (sorted) id list. */
static int
in_list(const int64_t *ids, size_t n, int64_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == v)
			return 1;
	return 0;
}

int
sched_web_names(struct req *r, struct sched_appt *ap, size_t n,
    const char ***names, int64_t **shown, size_t *nshown)
{
	unsigned all = ROLE_OWNER | ROLE_ADMIN | ROLE_FRONT_DESK | ROLE_BILLING;
	int64_t *ids, *team = NULL;
	size_t nids = 0, nteam = 0, i, j;
	struct patient_brief *b;
	int rc;

	*nshown = 0;
	if ((ids = arena_alloc(r->arena, (n * SCHED_MAX_PEOPLE + 1) *
	    sizeof(*ids))) == NULL || (*names = arena_alloc(r->arena,
	    (n * SCHED_MAX_PEOPLE + 1) * sizeof(**names))) == NULL ||
	    (*shown = arena_alloc(r->arena, (n * SCHED_MAX_PEOPLE + 1) *
	    sizeof(**shown))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++)
		for (j = 0; j < ap[i].npatients; j++)
			ids[nids++] = ap[i].patients[j];
	if (!(r->sess->roles & all) && (rc = patients_of_clinician(r->app->db,
	    r->arena, r->sess->practice_id, r->sess->user_id, &team, &nteam))
	    != 0)
		return rc;
	if ((b = arena_alloc(r->arena, (nids + 1) * sizeof(*b))) == NULL)
		return ALC_ENOMEM;
	if (nids && (rc = patients_briefs(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, ids, nids, b)) != 0)
		return rc;
	for (i = 0; i < nids; i++) {
		int mine = in_list(team, nteam, ids[i]);
		if (!(r->sess->roles & all) && !mine)
			(*names)[i] = "Appointment";
		else if (b[i].restricted && !mine &&
		    !(r->sess->roles & ROLE_OWNER))
			(*names)[i] = arena_printf(r->arena, "Restricted record "
			    "%s", b[i].chart_no ? b[i].chart_no : "");
		else {
			(*names)[i] = b[i].display_name;
			if (b[i].id > 0 && !in_list(*shown, *nshown, b[i].id))
				(*shown)[(*nshown)++] = b[i].id;
		}
	}
	return 0;
}

int
sched_web_audit(struct req *r, const char *view, const int64_t *ids,
    size_t n)
{
	struct audit_event ev;
	size_t i, k;
	struct buf d;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i += CAL_IDS_PER_EVENT) {
		web_audit_who(r, &ev);
		ev.verb = "VIEW";
		ev.object_type = "calendar";
		ev.purpose_of_use = "TPO";
		ev.patient_id = n == 1 ? ids[0] : 0;
		buf_init(&d, r->arena);
		buf_printf(&d, "{\"view\":\"%s\",\"patients\":[", view);
		for (k = i; k < n && k < i + CAL_IDS_PER_EVENT; k++)
			buf_printf(&d, "%s%lld", k > i ? "," : "",
			    (long long)ids[k]);
		buf_puts(&d, "]}");
		if (buf_failed(&d))
			return ALC_ENOMEM;
		ev.detail = buf_cstr(&d);
		rc = audit_record_read(r->app->audit, &ev);
	}
	return rc;
}

struct cal {
	char tz[64];
	struct caldate date, first, today;
	int days, is_day;
	const char *clin_q;          /* "all", an id, or NULL */
	int64_t clin[MAX_CLIN];
	size_t nclin;                /* filter; 0 = everyone */
	struct user_row *staff;
	size_t nstaff;
};

static int
load_clinicians(struct req *r, struct cal *c)
{
	size_t i, k = 0;
	int rc;

	if ((c->staff = arena_alloc(r->arena, MAX_CLIN * sizeof(*c->staff))) ==
	    NULL)
		return ALC_ENOMEM;
	if ((rc = users_review(r->app->db, r->sess->practice_id, c->staff,
	    MAX_CLIN, &c->nstaff)) != 0)
		return rc;
	for (i = 0; i < c->nstaff; i++)
		if (c->staff[i].active && (c->staff[i].roles & (ROLE_CLINICIAN |
		    ROLE_SUPERVISOR)))
			c->staff[k++] = c->staff[i];
	c->nstaff = k;
	return 0;
}

static int
parse_cal(struct req *r, struct cal *c)
{
	const char *d = req_query(r, "date"), *v = req_query(r, "view");
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = sched_practice_tz(r->app->db, r->sess->practice_id, c->tz,
	    sizeof(c->tz))) != 0 || (rc = sched_web_today(r, c->tz,
	    &c->today)) != 0 || (rc = load_clinicians(r, c)) != 0)
		return rc;
	if (d == NULL || caldate_parse(d, &c->date) != 0)
		c->date = c->today;
	c->is_day = v != NULL && strcmp(v, "day") == 0;
	c->days = c->is_day ? 1 : 7;
	c->first = c->is_day ? c->date : caldate_add_days(c->date,
	    -((caldate_weekday(c->date) + 6) % 7));
	c->clin_q = req_query(r, "clinician");
	if (c->clin_q == NULL && (r->sess->roles & (ROLE_CLINICIAN |
	    ROLE_SUPERVISOR)))
		c->clin_q = arena_printf(r->arena, "%lld",
		    (long long)r->sess->user_id);
	if (c->clin_q != NULL && strcmp(c->clin_q, "all") != 0) {
		c->clin[0] = strtoll(c->clin_q, NULL, 10);
		c->nclin = 1;
	} else
		c->clin_q = "all";
	return 0;
}

static const char *
cal_href(struct req *r, const struct cal *c, struct caldate d, int day,
    int print)
{
	char b[CALDATE_TEXT_SIZE];

	return arena_printf(r->arena, "/schedule?date=%s&view=%s&clinician=%s%s",
	    caldate_format(d, b), day ? "day" : "week", c->clin_q,
	    print ? "&print=1" : "");
}

static void
fill_nav(struct req *r, const struct cal *c, struct sched_week_view *v)
{
	struct sched_option_view *o;
	size_t i;

	v->is_day = c->is_day;
	v->prev_href = cal_href(r, c, caldate_add_days(c->first, -c->days),
	    c->is_day, 0);
	v->next_href = cal_href(r, c, caldate_add_days(c->first, c->days),
	    c->is_day, 0);
	v->today_href = cal_href(r, c, c->today, c->is_day, 0);
	v->day_href = cal_href(r, c, c->date, 1, 0);
	v->week_href = cal_href(r, c, c->date, 0, 0);
	v->print_href = cal_href(r, c, c->date, c->is_day, 1);
	v->date = arena_printf(r->arena, "%04d-%02d-%02d", c->date.y, c->date.m,
	    c->date.d);
	v->mode = c->is_day ? "day" : "week";
	v->can_book = authz_check(r, ACT_SCHEDULE_BOOK) == 0;
	v->new_href = arena_printf(r->arena, "/schedule/new?date=%s", v->date);
	if ((o = arena_alloc(r->arena, (c->nstaff + 1) * sizeof(*o))) == NULL)
		return;
	o[0].value = "all";
	o[0].label = "All clinicians";
	o[0].selected = c->nclin == 0;
	for (i = 0; i < c->nstaff; i++) {
		o[i + 1].value = arena_printf(r->arena, "%lld",
		    (long long)c->staff[i].id);
		o[i + 1].label = arena_strdup(r->arena, c->staff[i].name);
		o[i + 1].selected = c->nclin && c->clin[0] == c->staff[i].id;
	}
	v->clinicians = o;
	v->n_clinicians = c->nstaff + 1;
	v->range = c->is_day ? sched_web_date(r, c->first) : arena_printf(
	    r->arena, "%s to %s", sched_web_date(r, c->first), sched_web_date(r,
	    caldate_add_days(c->first, 6)));
}

/* The column of appointment a: its day (week) or its first shown
 * clinician (multi-clinician day); -1 when it belongs in none. */
static int
column_of(const struct cal *c, const struct sched_appt *a, struct caldate d,
    int by_clin)
{
	size_t i, j;
	int64_t k;

	if (!by_clin) {
		k = caldate_diff(c->first, d);
		return k >= 0 && k < c->days ? (int)k : -1;
	}
	for (i = 0; i < c->nstaff; i++)
		for (j = 0; j < a->nclinicians; j++)
			if (a->clinicians[j] == c->staff[i].id)
				return (int)i;
	return -1;
}

static void
fill_item(struct req *r, const struct cal *c, const struct sched_appt *a,
    const char **names, struct sched_item_view *it)
{
	struct caldate d;
	struct buf who;
	int m = 0;
	size_t j;

	caldate_from_utc(c->tz, a->start_at, &d, &m);
	it->time = sched_web_hm(r, m);
	it->end = sched_web_hm(r, m + a->minutes);
	buf_init(&who, r->arena);
	for (j = 0; j < a->npatients; j++)
		buf_printf(&who, "%s%s", j ? ", " : "", names[j]);
	it->who = buf_cstr(&who);
	it->what = a->room_name ? arena_printf(r->arena, "%s, %s",
	    a->type_name ? a->type_name : "Appointment", a->room_name) :
	    (a->type_name ? a->type_name : "Appointment");
	it->status = sched_web_status(a->status);
	it->colour = a->colour ? a->colour : "grey";
	it->cancelled = strcmp(a->status, "cancelled") == 0 ||
	    strcmp(a->status, "late_cancel") == 0 ||
	    strcmp(a->status, "no_show") == 0;
	it->href = arena_printf(r->arena, "/schedule/appointments/%lld",
	    (long long)a->id);
}

static int
fill_cols(struct req *r, const struct cal *c, struct sched_appt *ap,
    size_t n, const char **names, struct sched_week_view *v)
{
	int by_clin = c->is_day && c->nclin == 0;
	size_t ncol = by_clin ? c->nstaff : (size_t)c->days, i, off = 0;
	struct sched_col_view *cols;
	struct sched_item_view *items;
	struct caldate d;
	int m, k;

	if ((cols = arena_alloc(r->arena, (ncol + 1) * sizeof(*cols))) == NULL ||
	    (items = arena_alloc(r->arena, (n * (ncol + 1) + 1) *
	    sizeof(*items))) == NULL)
		return ALC_ENOMEM;
	memset(cols, 0, (ncol + 1) * sizeof(*cols));
	for (i = 0; i < ncol; i++) {
		d = caldate_add_days(c->first, by_clin ? 0 : (int64_t)i);
		cols[i].heading = by_clin ? c->staff[i].name : c->is_day ?
		    sched_web_date(r, d) : arena_printf(r->arena, "%.3s %d",
		    wday_name[caldate_weekday(d)], d.d);
		/* The week's short "Mon 3" is read out as the full date. */
		cols[i].sub = by_clin || c->is_day ? NULL : sched_web_date(r, d);
		cols[i].today = !by_clin && caldate_cmp(d, c->today) == 0;
		cols[i].items = items + i * (n + 1);
	}
	for (i = 0; i < n; i++) {
		caldate_from_utc(c->tz, ap[i].start_at, &d, &m);
		if ((k = column_of(c, &ap[i], d, by_clin)) >= 0) {
			struct sched_item_view *it = items + (size_t)k * (n + 1) +
			    cols[k].n_items++;
			fill_item(r, c, &ap[i], names + off, it);
		}
		off += ap[i].npatients;
	}
	v->cols = cols;
	v->n_cols = ncol;
	v->empty = n == 0;
	return 0;
}

int
page_schedule(struct req *r)
{
	struct sched_week_view v;
	struct sched_appt *ap;
	const char **names;
	int64_t from, to, *shown;
	size_t n, nshown;
	struct buf body;
	struct cal c;
	int rc;

	if ((rc = parse_cal(r, &c)) != 0 ||
	    (rc = caldate_local_to_utc(c.tz, c.first, 0, &from)) != 0 ||
	    (rc = caldate_local_to_utc(c.tz, caldate_add_days(c.first, c.days),
	    0, &to)) != 0 ||
	    (rc = sched_list(r->app->db, r->arena, r->sess->practice_id, c.clin,
	    c.nclin, from, to, &ap, &n)) != 0 ||
	    (rc = sched_web_names(r, ap, n, &names, &shown, &nshown)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	fill_nav(r, &c, &v);
	if ((rc = fill_cols(r, &c, ap, n, names, &v)) != 0)
		return rc;
	v.print = req_query(r, "print") != NULL;
	/* Day view: waitlist matches for its freed slots (audited there). */
	if (c.is_day && !v.print && (rc = sched_web_waitlist_matches(r, ap, n,
	    c.tz, &v.suggestions, &v.n_suggestions)) != 0)
		return rc;
	v.title = c.is_day ? "Day" : "Week";
	v.js_href = page_asset_href(r, "schedule.js");
	/* The audit event is durable before the page leaves. */
	if (nshown > 0 && (rc = sched_web_audit(r, c.is_day ? "day" : "week",
	    shown, nshown)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_schedule_week(&body, &v);
	return page_send(r, 200, "Calendar", &body);
}
