/*
 * pages/incidents.c - incidents and breaches (core/compliance/incident.h):
 * the report form every staff member may use, the list of open incidents
 * by nearest deadline, one incident with its deadlines, timeline and the
 * note / move / assess / approve forms, the individual notice letter, and
 * the annual HHS log as CSV.
 *
 * Reporting needs ACT_INCIDENT_REPORT; everything else ACT_INCIDENT_MANAGE
 * (the route table).  Incident text may hold PHI, so every page that
 * shows an incident records its VIEW (PRINT, EXPORT) audit event before it
 * is sent.  After a change the browser is redirected (POST, redirect,
 * GET) with ?done= naming the message.  Helpers of pages/compliance*.c
 * (compliance_impl.h) give ids, today's date in the practice's zone and
 * times.
 */
#include "web/pages/pages.h"
#include "web/pages/compliance_impl.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_incidents.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/compliance/compliance.h"
#include "core/compliance/incident.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

static void
actor(struct req *r, struct compliance_actor *a, struct audit_event *ev)
{
	web_audit_who(r, ev);
	a->who = ev;
	a->manager = authz_check(r, ACT_INCIDENT_MANAGE) == 0;
}

/* Records that the incident (id 0: the list) was shown, before sending. */
static int
audit_read(struct req *r, const char *verb, int64_t id, const char *detail)
{
	struct audit_event ev;

	web_audit_who(r, &ev);
	ev.verb = verb;
	ev.object_type = "incident";
	ev.object_id = id ? arena_printf(r->arena, "%lld", (long long)id) : NULL;
	ev.detail = detail;
	return audit_record_read(r->app->audit, &ev);
}

static const char *
words(struct req *r, struct caldate due, struct caldate today, int *overdue)
{
	char buf[48];

	*overdue = caldate_cmp(due, today) < 0;
	return arena_strdup(r->arena, compliance_due_words(due, today, buf,
	    sizeof(buf)));
}

static const char *
date_text(struct req *r, struct caldate d)
{
	char buf[CALDATE_TEXT_SIZE];

	return arena_strdup(r->arena, caldate_format(d, buf));
}

/* --- reporting ------------------------------------------------------------ */

static int
render_new(struct req *r, int status, struct inc_new_view *v)
{
	struct buf body;

	v->csrf = r->sess->csrf;
	v->today = date_text(r, cmpweb_today(r));
	v->can_manage = authz_check(r, ACT_INCIDENT_MANAGE) == 0;
	buf_init(&body, r->arena);
	tmpl_incidents_new(&body, v);
	return page_send(r, status, "Report an incident", &body);
}

int
page_incident_new(struct req *r)
{
	struct inc_new_view v;
	const char *d = req_query(r, "done");

	memset(&v, 0, sizeof(v));
	if (d != NULL && strcmp(d, "reported") == 0)
		page_flash(r, "success", "Thank you. Your report is recorded and "
		    "the compliance officer will follow it up.");
	v.discovered_on = date_text(r, cmpweb_today(r));
	return render_new(r, 200, &v);
}

int
page_incident_create(struct req *r)
{
	struct incident_report in;
	struct compliance_actor a;
	struct inc_new_view v;
	struct audit_event ev;
	struct alc_err err;
	const char *anon = req_form(r, "anonymous");
	int64_t id = 0;
	int rc;

	memset(&v, 0, sizeof(v));
	in.title = v.title = req_form(r, "title");
	in.description = v.description = req_form(r, "description");
	in.discovered_on = v.discovered_on = req_form(r, "discovered_on");
	in.anonymous = v.anonymous = anon != NULL && strcmp(anon, "1") == 0;
	actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = incident_report(r->app->db, r->sess->practice_id, &a, &in,
	    cmpweb_today(r), &id, &err);
	if (rc == ALC_EINVAL) {
		if (strstr(err.user, "few words"))
			v.title_error = err.user;
		else if (strstr(err.user, "Describe"))
			v.description_error = err.user;
		else
			v.date_error = err.user;
		return render_new(r, 422, &v);
	}
	if (rc != 0)
		return rc;
	/* An anonymous reporter is not sent to the incident: its page would
	 * show nothing they may see, and a manager's redirect would differ. */
	if (!a.manager || in.anonymous)
		return resp_redirect(r, 303, "/incidents/new?done=reported");
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/incidents/%lld?done=reported", (long long)id));
}

/* --- the list ----------------------------------------------------------- */

/* The nearest deadline of inc: what and when; 0 when none runs. */
static int
next_deadline(const struct incident *inc, struct caldate *when,
    const char **what)
{
	struct breach_clocks bc;
	struct alc_err err;

	if (!incident_clocks_run(inc) || strcmp(inc->status, "closed") == 0 ||
	    incident_clocks(inc, &bc, &err) != 0)
		return 0;
	*when = bc.individual_due;
	*what = bc.hhs_with_individual ? "Notices to individuals and HHS" :
	    "Notices to individuals";
	if (caldate_cmp(bc.hhs_due, *when) < 0) {
		*when = bc.hhs_due;
		*what = "HHS";
	}
	return 1;
}

static int
by_deadline(const void *x, const void *y)
{
	const struct inc_row_view *a = x, *b = y;

	if ((a->deadline == NULL) != (b->deadline == NULL))
		return a->deadline == NULL ? 1 : -1;
	if (a->deadline != NULL && strcmp(a->deadline, b->deadline) != 0)
		return strcmp(a->deadline, b->deadline);
	return a->id < b->id ? -1 : a->id > b->id;
}

int
page_incidents(struct req *r)
{
	struct caldate today = cmpweb_today(r), when;
	struct inc_row_view *rows;
	struct inc_index_view v;
	struct incident *l;
	struct buf body;
	size_t n, i;
	int rc, st;

	if ((rc = incident_list(r->app->db, r->arena, r->sess->practice_id, 0,
	    &l, &n)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	memset(rows, 0, (n + 1) * sizeof(*rows));
	for (i = 0; i < n; i++) {
		rows[i].id = (long long)l[i].id;
		rows[i].title = l[i].title;
		st = 0;
		while (st < 4 && strcmp(incident_status_names[st], l[i].status))
			st++;
		rows[i].status = incident_status_labels[st];
		rows[i].discovered_on = l[i].discovered_on;
		rows[i].determination = incident_determination_label(
		    l[i].as.determination);
		if (next_deadline(&l[i], &when, &rows[i].deadline_what)) {
			rows[i].deadline = date_text(r, when);
			rows[i].deadline_words = words(r, when, today,
			    &rows[i].overdue);
		}
	}
	qsort(rows, n, sizeof(*rows), by_deadline);
	memset(&v, 0, sizeof(v));
	v.rows = rows;
	v.n_rows = n;
	v.year = arena_printf(r->arena, "%d", today.m <= 3 ? today.y - 1 :
	    today.y);
	if ((rc = audit_read(r, "VIEW", 0, arena_printf(r->arena,
	    "{\"list\":%zu}", n))) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_incidents_index(&body, &v);
	return page_send(r, 200, "Incidents", &body);
}

int
page_incidents_hhs_csv(struct req *r)
{
	const char *y = req_query(r, "year"), *csv;
	int year = y ? atoi(y) : 0;
	size_t rows;
	int rc;

	if (year < 2000 || year > 2999)
		year = cmpweb_today(r).y - 1;
	if ((rc = incident_hhs_log_csv(r->app->db, r->arena,
	    r->sess->practice_id, year, &csv, &rows)) != 0)
		return rc;
	if ((rc = audit_read(r, "EXPORT", 0, arena_printf(r->arena,
	    "{\"hhs_log\":%d,\"rows\":%zu}", year, rows))) != 0)
		return rc;
	buf_reset(&r->out);
	buf_puts(&r->out, csv);
	r->content_type = "text/csv; charset=utf-8";
	resp_header(r, "Content-Disposition", arena_printf(r->arena,
	    "attachment; filename=\"hhs-breach-log-%d.csv\"", year));
	return buf_failed(&r->out) ? ALC_ENOMEM : 0;
}

/* --- one incident --------------------------------------------------------- */

/* What a re-rendered incident page keeps from a refused form. */
struct inc_form {
	const char *note, *note_error, *status_error, *assess_error;
	const char *approve_error;
	const struct incident_assessment *as; /* NULL: the saved one */
	const char *states;
};

static const char *const rating_names[3] = {"low", "medium", "high"};
static const char *const rating_labels[3] = {"Low", "Medium", "High"};
static const char *const det_names[3] = {"breach", "not_breach",
    "low_probability"};
static const char *const delay_names[3] = {"none", "written", "oral"};
static const char *const delay_labels[3] = {"No delay requested",
    "Written statement: delay until the date it gives",
    "Oral statement: at most 30 days unless confirmed in writing"};

static const struct inc_option_view *
options(struct req *r, const char *const *names, const char *const *labels,
    size_t n, const char *sel)
{
	struct inc_option_view *o = arena_alloc(r->arena, n * sizeof(*o));
	size_t i;

	for (i = 0; o != NULL && i < n; i++) {
		o[i].value = names[i];
		o[i].label = labels ? labels[i] :
		    incident_determination_label(names[i]);
		o[i].selected = sel != NULL && strcmp(sel, names[i]) == 0;
	}
	return o;
}

static int
assessment_views(struct req *r, const struct incident_assessment *as,
    struct inc_view *v)
{
	struct inc_exception_view *x;
	struct inc_factor_view *f;
	size_t k;

	x = arena_alloc(r->arena, INCIDENT_NEXCEPTIONS * sizeof(*x));
	f = arena_alloc(r->arena, INCIDENT_NFACTORS * sizeof(*f));
	if (x == NULL || f == NULL)
		return ALC_ENOMEM;
	for (k = 0; k < INCIDENT_NEXCEPTIONS; k++) {
		x[k].name = arena_printf(r->arena, "exc%zu", k);
		x[k].label = incident_exception_labels[k];
		x[k].checked = as->exc[k];
	}
	for (k = 0; k < INCIDENT_NFACTORS; k++) {
		f[k].name = arena_printf(r->arena, "f%zu", k + 1);
		f[k].label = incident_factor_labels[k];
		f[k].text = as->f[k].text;
		f[k].ratings = options(r, rating_names, rating_labels, 3,
		    as->f[k].rating);
		f[k].n_ratings = 3;
	}
	v->exceptions = x;
	v->n_exceptions = INCIDENT_NEXCEPTIONS;
	v->factors = f;
	v->n_factors = INCIDENT_NFACTORS;
	v->exc_rationale = as->exc_rationale;
	v->determinations = options(r, det_names, NULL, 3, as->determination);
	v->n_determinations = 3;
	v->delays = options(r, delay_names, delay_labels, 3, as->delay_kind &&
	    as->delay_kind[0] ? as->delay_kind : "none");
	v->n_delays = 3;
	v->affected = (long long)as->affected;
	v->delay_stated_on = as->delay_stated_on;
	v->delay_until = as->delay_until;
	return 0;
}

static void
add_deadline(struct req *r, struct inc_deadline_view *d, size_t *n,
    const char *what, struct caldate when, const char *rule)
{
	d[*n].what = what;
	d[*n].date = date_text(r, when);
	d[*n].words = words(r, when, cmpweb_today(r), &d[*n].overdue);
	d[*n].rule = arena_strdup(r->arena, rule);
	(*n)++;
}

static int
deadline_views(struct req *r, const struct incident *inc, struct inc_view *v)
{
	struct inc_deadline_view *d;
	struct breach_clocks bc;
	struct alc_err err;

	memset(&err, 0, sizeof(err));
	if (!incident_clocks_run(inc)) {
		v->clocks_note = "No notification is required: the approved "
		    "determination is that this is not a breach.";
		return 0;
	}
	if (incident_clocks(inc, &bc, &err) != 0) {
		v->clocks_note = arena_strdup(r->arena, err.user);
		return 0;
	}
	if ((d = arena_alloc(r->arena, 3 * sizeof(*d))) == NULL)
		return ALC_ENOMEM;
	add_deadline(r, d, &v->n_deadlines, "Notice to each individual",
	    bc.individual_due, bc.individual_rule);
	add_deadline(r, d, &v->n_deadlines, bc.hhs_with_individual ? "Notice "
	    "to HHS (500 or more affected)" : "HHS annual log (fewer than 500 "
	    "affected)", bc.hhs_due, bc.hhs_rule);
	if (bc.media_required)
		add_deadline(r, d, &v->n_deadlines, "Notice to prominent media",
		    bc.media_due, bc.media_rule);
	v->deadlines = d;
	v->delay_rule = bc.delay_rule[0] ? arena_strdup(r->arena, bc.delay_rule) :
	    NULL;
	return 0;
}

static int
timeline_views(struct req *r, const struct incident *inc, struct inc_view *v)
{
	struct incident_event *e;
	struct inc_event_view *ev;
	size_t n, i;
	int rc;

	if ((rc = incident_timeline(r->app->db, r->arena, r->sess->practice_id,
	    inc->id, &e, &n)) != 0)
		return rc;
	if ((ev = arena_alloc(r->arena, (n + 1) * sizeof(*ev))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		ev[i].when = cmpweb_when(r, e[i].at_ms);
		ev[i].who = e[i].actor_name;
		ev[i].kind = e[i].kind;
		ev[i].body = e[i].body;
	}
	v->events = ev;
	v->n_events = n;
	return 0;
}

static int
render_incident(struct req *r, int status, const struct incident *inc,
    const struct inc_form *f)
{
	struct inc_view v;
	struct buf body;
	int rc, st;

	memset(&v, 0, sizeof(v));
	v.id = (long long)inc->id;
	v.csrf = r->sess->csrf;
	v.title = inc->title;
	v.description = inc->description;
	v.discovered_on = inc->discovered_on;
	v.reporter = inc->reporter_name;
	for (st = 0; st < 4 && strcmp(incident_status_names[st], inc->status);)
		st++;
	v.status = incident_status_labels[st];
	v.statuses = options(r, incident_status_names, incident_status_labels, 5,
	    inc->status);
	v.n_statuses = 5;
	v.determination = incident_determination_label(inc->as.determination);
	v.assessed_by = inc->assessed_by_name;
	v.approved_by = inc->approved_by_name;
	v.determined_on = inc->determined_on;
	v.retain_until = inc->retain_until;
	v.awaiting_approval = inc->as.determination && !inc->approved_by;
	v.can_approve = inc->assessed_by != r->sess->user_id;
	v.note = f->note;
	v.note_error = f->note_error;
	v.status_error = f->status_error;
	v.assess_error = f->assess_error;
	v.approve_error = f->approve_error;
	v.states = f->as ? f->states : inc->states_text;
	if ((rc = assessment_views(r, f->as ? f->as : &inc->as, &v)) != 0 ||
	    (rc = deadline_views(r, inc, &v)) != 0 ||
	    (rc = timeline_views(r, inc, &v)) != 0)
		return rc;
	if ((rc = audit_read(r, "VIEW", inc->id, NULL)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_incidents_incident(&body, &v);
	return page_send(r, status, inc->title, &body);
}

static int
load(struct req *r, struct incident *inc)
{
	int64_t id = cmpweb_parse_id(req_param(r, "id"));

	if (id == 0)
		return ALC_ENOTFOUND;
	return incident_get(r->app->db, r->arena, r->sess->practice_id, id, inc);
}

static const char *const done_msgs[][2] = {
	{"reported", "The incident is reported."},
	{"noted", "The note is on the timeline."},
	{"moved", "The incident has moved on."},
	{"assessed", "The assessment is saved. A second person must approve "
	    "the determination."},
	{"approved", "The determination is approved."},
};

int
page_incident(struct req *r)
{
	const char *d = req_query(r, "done");
	struct incident inc;
	struct inc_form f;
	size_t i;
	int rc;

	if ((rc = load(r, &inc)) != 0)
		return rc;
	for (i = 0; d != NULL && i < sizeof(done_msgs) / sizeof(done_msgs[0]);
	    i++)
		if (strcmp(d, done_msgs[i][0]) == 0)
			page_flash(r, "success", done_msgs[i][1]);
	memset(&f, 0, sizeof(f));
	return render_incident(r, 200, &inc, &f);
}

/* After a change: redirect on success; the page again with the error for
 * what the person can fix (422) or a conflict (409). */
static int
after(struct req *r, int rc, const struct incident *inc, struct inc_form *f,
    const char **slot, const struct alc_err *err, const char *done)
{
	if (rc == 0)
		return resp_redirect(r, 303, arena_printf(r->arena,
		    "/incidents/%lld?done=%s", (long long)inc->id, done));
	if (rc != ALC_EINVAL && rc != ALC_ECONFLICT && rc != ALC_EPERM)
		return rc;
	*slot = arena_strdup(r->arena, err->user);
	return render_incident(r, rc == ALC_ECONFLICT ? 409 : 422, inc, f);
}

int
page_incident_note(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct incident inc;
	struct alc_err err;
	struct inc_form f;
	int rc;

	if ((rc = load(r, &inc)) != 0)
		return rc;
	memset(&f, 0, sizeof(f));
	memset(&err, 0, sizeof(err));
	f.note = req_form(r, "note");
	actor(r, &a, &ev);
	rc = incident_note(r->app->db, r->sess->practice_id, &a, inc.id, f.note,
	    &err);
	return after(r, rc, &inc, &f, &f.note_error, &err, "noted");
}

int
page_incident_status(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct incident inc;
	struct alc_err err;
	struct inc_form f;
	int rc;

	if ((rc = load(r, &inc)) != 0)
		return rc;
	memset(&f, 0, sizeof(f));
	memset(&err, 0, sizeof(err));
	actor(r, &a, &ev);
	rc = incident_set_status(r->app->db, r->sess->practice_id, &a, inc.id,
	    req_form(r, "status"), &err);
	return after(r, rc, &inc, &f, &f.status_error, &err, "moved");
}

int
page_incident_assess(struct req *r)
{
	struct incident_assessment as;
	struct compliance_actor a;
	struct audit_event ev;
	struct incident inc;
	struct alc_err err;
	struct inc_form f;
	const char *x, *aff;
	char *end;
	size_t k;
	int rc;

	if ((rc = load(r, &inc)) != 0)
		return rc;
	memset(&as, 0, sizeof(as));
	for (k = 0; k < INCIDENT_NEXCEPTIONS; k++)
		as.exc[k] = (x = req_form(r, arena_printf(r->arena, "exc%zu", k))) &&
		    strcmp(x, "1") == 0;
	as.exc_rationale = req_form(r, "exc_rationale");
	for (k = 0; k < INCIDENT_NFACTORS; k++) {
		as.f[k].rating = req_form(r, arena_printf(r->arena, "f%zu_rating",
		    k + 1));
		as.f[k].text = req_form(r, arena_printf(r->arena, "f%zu_text",
		    k + 1));
	}
	as.determination = req_form(r, "determination");
	aff = req_form(r, "affected");
	as.affected = aff && *aff ? strtoll(aff, &end, 10) : 0;
	if (aff && *aff && *end != '\0')
		as.affected = -1;
	as.states = req_form(r, "states");
	as.delay_kind = req_form(r, "delay_kind");
	as.delay_stated_on = req_form(r, "delay_stated_on");
	as.delay_until = req_form(r, "delay_until");
	memset(&f, 0, sizeof(f));
	f.as = &as;
	f.states = as.states;
	memset(&err, 0, sizeof(err));
	actor(r, &a, &ev);
	rc = incident_assess(r->app->db, r->sess->practice_id, &a, inc.id, &as,
	    &err);
	return after(r, rc, &inc, &f, &f.assess_error, &err, "assessed");
}

int
page_incident_approve(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct incident inc;
	struct alc_err err;
	struct inc_form f;
	int rc;

	if ((rc = load(r, &inc)) != 0)
		return rc;
	memset(&f, 0, sizeof(f));
	memset(&err, 0, sizeof(err));
	actor(r, &a, &ev);
	rc = incident_approve(r->app->db, r->sess->practice_id, &a, inc.id,
	    cmpweb_today(r), &err);
	return after(r, rc, &inc, &f, &f.approve_error, &err, "approved");
}
