/*
 * pages/rights.c - patient-rights requests: the list of every open request
 * by deadline (for the compliance dashboard), a patient's requests with
 * the form to record one, and the practice's deadline settings.  One
 * request and its decisions are in rights_request.c; disclosures and the
 * accounting in rights_disclosures.c.  The rules are in
 * core/rights/rights.h.
 *
 * Access in two steps, as for the chart: the route's action lets the role
 * in, then patients_access() must give at least demographic access to the
 * patient (a clinician off the care team gets the break-glass page).  The
 * open list shows only the patients the user may see.  Every page that
 * shows a request writes its VIEW event before it is rendered.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_rights.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/compliance/compliance.h"
#include "core/patients/patients.h"
#include "core/rights/rights.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared by the rights*.c pages ------------------------------------ */

struct caldate
rightsweb_today(struct req *r)
{
	struct caldate d;

	if (compliance_practice_today(r->app->db, r->sess->practice_id,
	    time_now_ms(), &d) != 0)
		d = caldate_from_days(time_now_ms() / 86400000);
	return d;
}

const char *
rightsweb_date(struct req *r, struct caldate d)
{
	char b[CALDATE_TEXT_SIZE];

	return arena_strdup(r->arena, caldate_format(d, b));
}

int
rightsweb_gate(struct req *r, int64_t pat, int *shown,
    struct patient_brief *b)
{
	struct patient_actor who;
	enum patient_access acc;
	int rc, bg = 0;

	*shown = 0;
	patients_web_actor(r, &who);
	if ((rc = patients_access(r->app->db, &who, pat, time_now_ms(), &acc,
	    &bg)) != 0)
		return rc;
	if (acc == PATIENT_ACCESS_NONE) {
		*shown = 1;
		return patients_web_denied(r, pat, NULL, NULL);
	}
	if ((rc = patients_briefs(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, &pat, 1, b)) != 0)
		return rc;
	return b->id == pat ? 0 : ALC_ENOTFOUND;
}

int
rightsweb_audit(struct req *r, const char *verb, const char *type,
    int64_t oid, int64_t pat, int part2, const char *detail)
{
	struct audit_event ev;

	web_audit_who(r, &ev);
	ev.verb = verb;
	ev.object_type = type;
	ev.object_id = arena_printf(r->arena, "%lld", (long long)oid);
	ev.patient_id = pat;
	ev.sensitivity = part2 ? "part2" : NULL;
	ev.purpose_of_use = "patient_request";
	ev.detail = detail;
	return audit_record_read(r->app->audit, &ev);
}

const char *
rightsweb_days(struct req *r, const struct rights_clock *k)
{
	if (!k->has_clock)
		return "No federal deadline";
	if (k->days_left < 0)
		return arena_printf(r->arena, "%lld days overdue",
		    (long long)-k->days_left);
	if (k->days_left == 0)
		return "Due today";
	return arena_printf(r->arena, "%lld day%s left",
	    (long long)k->days_left, k->days_left == 1 ? "" : "s");
}

static void
fill_row(struct req *r, const struct rights_request *q, const char *patient,
    struct rights_row_view *row)
{
	row->href = arena_printf(r->arena, "/rights/%lld", (long long)q->id);
	row->patient = patient;
	row->kind = rights_kind_labels[q->kind];
	row->received = q->received_on;
	row->due = q->clock.has_clock ? rightsweb_date(r, q->clock.due) : "-";
	row->days = rightsweb_days(r, &q->clock);
	row->next = q->next_action;
	row->status = q->status;
	row->overdue = q->clock.overdue;
}

/* ---- the open list ---------------------------------------------------- */

/* Keeps the requests of patients the user may see; fills names. */
static int
visible(struct req *r, struct rights_request *q, size_t *n,
    struct rights_row_view *rows)
{
	struct patient_actor who;
	struct patient_brief b;
	enum patient_access acc;
	size_t i, k = 0;
	int rc, bg;

	patients_web_actor(r, &who);
	for (i = 0; i < *n; i++) {
		if ((rc = patients_access(r->app->db, &who, q[i].patient_id,
		    time_now_ms(), &acc, &bg)) == ALC_ENOTFOUND)
			continue;
		if (rc != 0)
			return rc;
		if (acc == PATIENT_ACCESS_NONE)
			continue;
		if ((rc = patients_briefs(r->app->db, r->app->keys, r->arena,
		    r->sess->practice_id, &q[i].patient_id, 1, &b)) != 0)
			return rc;
		fill_row(r, &q[i], b.display_name, &rows[k++]);
	}
	*n = k;
	return 0;
}

int
page_rights_open(struct req *r)
{
	struct rights_open_view v;
	struct rights_request *q;
	struct rights_row_view *rows;
	struct buf body;
	size_t n;
	int rc;

	if ((rc = rights_request_list(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, 0, rightsweb_today(r), &q, &n)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	if ((rc = visible(r, q, &n, rows)) != 0 ||
	    (rc = rightsweb_audit(r, "VIEW", "rights_request", 0, 0, 0,
	    arena_printf(r->arena, "{\"list\":\"open\",\"rows\":%zu}", n))) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.rows = rows;
	v.n_rows = n;
	v.can_settings = authz_check(r, ACT_RIGHTS_DECIDE) == 0;
	buf_init(&body, r->arena);
	tmpl_rights_open(&body, &v);
	return page_send(r, 200, "Open patient requests", &body);
}

/* ---- a patient's requests and the form ------------------------------- */

static const struct rights_option_view *
options(struct req *r, const char *const *values, const char *const *labels,
    size_t n, const char *sel, size_t *count)
{
	struct rights_option_view *o = arena_alloc(r->arena, n * sizeof(*o));
	size_t i;

	*count = o ? n : 0;
	for (i = 0; o != NULL && i < n; i++) {
		o[i].value = values[i];
		o[i].label = labels[i];
		o[i].selected = sel != NULL && strcmp(sel, values[i]) == 0;
	}
	return o;
}

static void
fill_choices(struct req *r, struct rights_patient_view *v)
{
	static const char *const fv[] = {"paper", "electronic", "inspect"};
	static const char *const fl[] = {"Paper copy", "Electronic copy",
	    "Inspect in the office"};
	static const char *const sv[] = {"patient", "third_party"};
	static const char *const sl[] = {"The patient", "A third party the "
	    "patient directs"};
	static const char *const rv[] = {"patient", "representative"};
	static const char *const rl[] = {"The patient", "A personal "
	    "representative"};
	static const char *const cv[] = {"phone", "letter", "portal",
	    "in_person"};
	static const char *const cl[] = {"Phone", "Letter", "Portal",
	    "In person"};

	v->kinds = options(r, rights_kind_names, rights_kind_labels, RK_COUNT,
	    req_form(r, "kind"), &v->n_kinds);
	v->forms = options(r, fv, fl, 3, req_form(r, "access_form"),
	    &v->n_forms);
	v->send_tos = options(r, sv, sl, 2, req_form(r, "send_to"),
	    &v->n_send_tos);
	v->requesters = options(r, rv, rl, 2, req_form(r, "requester"),
	    &v->n_requesters);
	v->channels = options(r, cv, cl, 4, req_form(r, "channel"),
	    &v->n_channels);
}

static int
show_patient(struct req *r, int64_t pat, int status, const char *error)
{
	struct rights_patient_view v;
	struct rights_request *q;
	struct rights_row_view *rows;
	struct patient_brief b;
	struct caldate today = rightsweb_today(r);
	struct buf body;
	size_t n, i;
	int rc, shown;

	if ((rc = rightsweb_gate(r, pat, &shown, &b)) != 0 || shown)
		return rc;
	if ((rc = rights_request_list(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, pat, today, &q, &n)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++)
		fill_row(r, &q[i], b.display_name, &rows[i]);
	if ((rc = rightsweb_audit(r, "VIEW", "rights_request", 0, pat, b.part2,
	    arena_printf(r->arena, "{\"list\":\"patient\",\"rows\":%zu}",
	    n))) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.name = b.display_name;
	v.chart_no = b.chart_no;
	v.base = arena_printf(r->arena, "/patients/%lld", (long long)pat);
	v.csrf = r->sess->csrf;
	v.error = error;
	v.today = rightsweb_date(r, today);
	v.rows = rows;
	v.n_rows = n;
	fill_choices(r, &v);
	v.received_on = error ? req_form(r, "received_on") : v.today;
	v.asked = req_form(r, "asked");
	v.third_party = req_form(r, "third_party");
	v.third_party_address = req_form(r, "third_party_address");
	v.rep_name = req_form(r, "rep_name");
	v.rep_authority = req_form(r, "rep_authority");
	v.can_disclose = authz_check(r, ACT_DISCLOSURE_LOG) == 0;
	buf_init(&body, r->arena);
	tmpl_rights_patient(&body, &v);
	return page_send(r, status, "Patient requests", &body);
}

int
page_rights_patient(struct req *r)
{
	int64_t pat = patients_web_id(r);

	if (pat == 0)
		return ALC_ENOTFOUND;
	if (authz_check(r, ACT_RIGHTS_LOG) == 0)
		return show_patient(r, pat, 200, NULL);
	if (authz_check(r, ACT_DISCLOSURE_LOG) == 0)
		return resp_redirect(r, 303, arena_printf(r->arena,
		    "/patients/%lld/disclosures", (long long)pat));
	return ALC_EPERM;
}

int
page_rights_create(struct req *r)
{
	struct rights_request_input in;
	int64_t pat = patients_web_id(r), id = 0;
	struct patient_brief b;
	struct audit_event ev;
	struct alc_err err;
	int rc, shown, k;

	if (pat == 0)
		return ALC_ENOTFOUND;
	if ((rc = rightsweb_gate(r, pat, &shown, &b)) != 0 || shown)
		return rc;
	memset(&in, 0, sizeof(in));
	k = rights_kind_parse(req_form(r, "kind"));
	in.kind = k < 0 ? RK_COUNT : (enum rights_kind)k;
	in.access_form = req_form(r, "access_form");
	in.send_to = req_form(r, "send_to");
	in.third_party = req_form(r, "third_party");
	in.third_party_address = req_form(r, "third_party_address");
	in.requester = req_form(r, "requester");
	in.rep_name = req_form(r, "rep_name");
	in.rep_authority = req_form(r, "rep_authority");
	in.channel = req_form(r, "channel");
	in.received_on = req_form(r, "received_on");
	in.asked = req_form(r, "asked");
	web_audit_who(r, &ev);
	ev.purpose_of_use = "patient_request";
	memset(&err, 0, sizeof(err));
	rc = rights_request_create(r->app->db, r->app->keys,
	    r->sess->practice_id, pat, &in, rightsweb_today(r), &ev, &id, &err);
	if (rc == ALC_EINVAL)
		return show_patient(r, pat, 422, err.user);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena, "/rights/%lld",
	    (long long)id));
}

/* ---- settings ---------------------------------------------------------- */

static const char *
days_text(struct req *r, int d)
{
	return d > 0 ? arena_printf(r->arena, "%d", d) : "";
}

static int
show_settings(struct req *r, int status, const char *error)
{
	struct rights_settings_view v;
	struct rights_settings st;
	struct buf body;
	int rc;

	if ((rc = rights_settings_get(r->app->db, r->arena,
	    r->sess->practice_id, &st)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.csrf = r->sess->csrf;
	v.error = error;
	v.access = error ? req_form(r, "access_days") : days_text(r, st.days[0]);
	v.amendment = error ? req_form(r, "amendment_days") :
	    days_text(r, st.days[1]);
	v.accounting = error ? req_form(r, "accounting_days") :
	    days_text(r, st.days[2]);
	v.contact = error ? req_form(r, "contact") : st.contact;
	buf_init(&body, r->arena);
	tmpl_rights_settings(&body, &v);
	return page_send(r, status, "Request deadlines", &body);
}

int
page_rights_settings(struct req *r)
{
	return show_settings(r, 200, NULL);
}

/* A posted period: 0 for empty, -1 for anything but 1..999. */
static int
posted_days(struct req *r, const char *name)
{
	const char *s = req_form(r, name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 1 && v <= 999 ? (int)v : -1;
}

int
page_rights_settings_save(struct req *r)
{
	struct rights_settings st;
	struct audit_event ev;
	struct alc_err err;
	int rc;

	memset(&st, 0, sizeof(st));
	st.days[RK_ACCESS] = posted_days(r, "access_days");
	st.days[RK_AMENDMENT] = posted_days(r, "amendment_days");
	st.days[RK_ACCOUNTING] = posted_days(r, "accounting_days");
	st.contact = req_form(r, "contact");
	web_audit_who(r, &ev);
	memset(&err, 0, sizeof(err));
	rc = rights_settings_set(r->app->db, r->sess->practice_id, &st, &ev,
	    &err);
	if (rc == ALC_EINVAL)
		return show_settings(r, 422, err.user);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, "/rights/settings");
}
