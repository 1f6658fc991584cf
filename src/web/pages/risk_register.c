/*
 * pages/risk_register.c - the risk register (core/compliance/risk.h):
 * the list sorted by score or due date, the CSV export, adding and
 * editing a risk, and making its planned action a compliance task for
 * its owner.  Every route needs ACT_RISK_MANAGE (the route table).  The
 * register holds no PHI; the export is still recorded (EXPORT) before it
 * is sent, since it leaves the system.
 */
#include "web/pages/pages.h"
#include "web/pages/compliance_impl.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "core/users/users.h"
#include "web/views_risk.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/compliance/compliance.h"
#include "core/compliance/risk.h"
#include "templates.h"

#include <string.h>

static const char *
label_of(const char *name, const char *const *names,
    const char *const *labels, size_t n)
{
	size_t i;

	for (i = 0; name != NULL && i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return labels[i];
	return name;
}

static const char *
level_of(int score)
{
	return score >= 15 ? "High" : score >= 8 ? "Medium" : "Low";
}

int
page_risk_register(struct req *r)
{
	const char *sort = req_query(r, "sort");
	struct risk_register_view v;
	struct risk_item_view *rows;
	struct risk *l;
	struct buf body;
	size_t n, i;
	int rc;

	memset(&v, 0, sizeof(v));
	v.by_due = sort != NULL && strcmp(sort, "due") == 0;
	if ((rc = risk_list(r->app->db, r->arena, r->sess->practice_id,
	    v.by_due ? RISK_BY_DUE : RISK_BY_SCORE, &l, &n)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		rows[i].id = (long long)l[i].id;
		rows[i].title = l[i].f.title;
		rows[i].owner = l[i].owner_name;
		rows[i].treatment = label_of(l[i].f.treatment,
		    risk_treatment_names, risk_treatment_labels, RISK_TREATMENTS);
		rows[i].status = label_of(l[i].f.status, risk_status_names,
		    risk_status_labels, RISK_STATUSES);
		rows[i].due_on = l[i].f.due_on[0] ? l[i].f.due_on : NULL;
		rows[i].likelihood = l[i].f.likelihood;
		rows[i].impact = l[i].f.impact;
		rows[i].score = l[i].score;
		rows[i].level = level_of(l[i].score);
		rows[i].task_id = (long long)l[i].task_id;
		rows[i].closed = strcmp(l[i].f.status, "closed") == 0;
	}
	v.rows = rows;
	v.n_rows = n;
	buf_init(&body, r->arena);
	tmpl_risk_register(&body, &v);
	return page_send(r, 200, "Risk register", &body);
}

int
page_risk_register_csv(struct req *r)
{
	struct audit_event ev;
	const char *csv;
	size_t rows;
	int rc;

	if ((rc = risk_register_csv(r->app->db, r->arena, r->sess->practice_id,
	    &csv, &rows)) != 0)
		return rc;
	web_audit_who(r, &ev);
	ev.verb = "EXPORT";
	ev.object_type = "risk_register";
	ev.detail = arena_printf(r->arena, "{\"format\":\"csv\",\"rows\":%zu}",
	    rows);
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	buf_puts(&r->out, csv);
	r->content_type = "text/csv; charset=utf-8";
	resp_header(r, "Content-Disposition",
	    "attachment; filename=\"risk-register.csv\"");
	return buf_failed(&r->out) ? ALC_ENOMEM : 0;
}

/* <option>s for names/labels, `selected` marked. */
static struct cmp_option_view *
options(struct req *r, const char *const *names, const char *const *labels,
    size_t n, const char *selected)
{
	struct cmp_option_view *o;
	size_t i;

	if ((o = arena_alloc(r->arena, n * sizeof(*o))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		o[i].value = names[i];
		o[i].label = labels[i];
		o[i].selected = selected != NULL && strcmp(selected, names[i]) == 0;
	}
	return o;
}

static const char *const scale_names[5] = {"1", "2", "3", "4", "5"};
static const char *const likelihood_labels[5] = {"1 - rare", "2 - unlikely",
    "3 - possible", "4 - likely", "5 - almost certain"};
static const char *const impact_labels[5] = {"1 - negligible", "2 - minor",
    "3 - moderate", "4 - major", "5 - severe"};

static int
render_form(struct req *r, int status, const struct risk *k,
    const char *error, const char *task_error)
{
	struct risk_form_view v;
	struct cmp_option_view *staff;
	struct buf body;
	size_t n_staff;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = cmpweb_staff_options(r, k->f.owner_id, &staff, &n_staff)) != 0)
		return rc;
	v.likelihoods = options(r, scale_names, likelihood_labels, 5,
	    scale_names[k->f.likelihood >= 1 && k->f.likelihood <= 5 ?
	    k->f.likelihood - 1 : 2]);
	v.impacts = options(r, scale_names, impact_labels, 5,
	    scale_names[k->f.impact >= 1 && k->f.impact <= 5 ? k->f.impact - 1 :
	    2]);
	v.treatments = options(r, risk_treatment_names, risk_treatment_labels,
	    RISK_TREATMENTS, k->f.treatment);
	v.statuses = options(r, risk_status_names, risk_status_labels,
	    RISK_STATUSES, k->f.status);
	if (!v.likelihoods || !v.impacts || !v.treatments || !v.statuses)
		return ALC_ENOMEM;
	v.n_likelihoods = v.n_impacts = 5;
	v.n_treatments = RISK_TREATMENTS;
	v.n_statuses = RISK_STATUSES;
	v.staff = staff;
	v.n_staff = n_staff;
	v.id = (long long)k->id;
	v.csrf = r->sess->csrf;
	v.action = k->id ? arena_printf(r->arena, "/compliance/risk/risks/%lld",
	    (long long)k->id) : "/compliance/risk/risks";
	v.heading = k->id ? "A risk on the register" : "Add a risk";
	v.error = error;
	v.task_error = task_error;
	v.title = k->f.title;
	v.vulnerability = k->f.vulnerability;
	v.accept_reason = k->f.accept_reason;
	v.plan = k->f.action;
	v.due_on = k->f.due_on;
	v.score = k->score;
	v.task_id = (long long)k->task_id;
	v.source = k->assessment_version ? arena_printf(r->arena, "Found by the "
	    "risk analysis, version %d.", k->assessment_version) : NULL;
	buf_init(&body, r->arena);
	tmpl_risk_risk(&body, &v);
	return page_send(r, status, v.heading, &body);
}

int
page_risk_new(struct req *r)
{
	struct risk k;

	memset(&k, 0, sizeof(k));
	k.f.likelihood = k.f.impact = 3;
	k.f.treatment = "mitigate";
	k.f.status = "open";
	return render_form(r, 200, &k, NULL, NULL);
}

static int
scale(const char *s)
{
	return s != NULL && s[0] >= '1' && s[0] <= '5' && s[1] == '\0' ?
	    s[0] - '0' : 0;
}

static void
read_form(struct req *r, struct risk *k)
{
	k->f.title = req_form(r, "title");
	k->f.vulnerability = req_form(r, "vulnerability");
	k->f.likelihood = scale(req_form(r, "likelihood"));
	k->f.impact = scale(req_form(r, "impact"));
	k->f.owner_id = cmpweb_parse_id(req_form(r, "owner_id"));
	k->f.treatment = req_form(r, "treatment");
	k->f.accept_reason = req_form(r, "accept_reason");
	k->f.action = req_form(r, "plan");
	k->f.due_on = req_form(r, "due_on");
	k->f.status = req_form(r, "status");
	k->score = k->f.likelihood * k->f.impact;
}

int
page_risk_create(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct risk k;
	int64_t id = 0;
	int rc;

	memset(&k, 0, sizeof(k));
	read_form(r, &k);
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = risk_create(r->app->db, r->sess->practice_id, &a, &k.f, &id, &err);
	if (rc == ALC_EINVAL)
		return render_form(r, 422, &k, arena_strdup(r->arena, err.user),
		    NULL);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/compliance/risk/risks/%lld?done=saved", (long long)id));
}

static int
load(struct req *r, struct risk *k)
{
	int64_t id = cmpweb_parse_id(req_param(r, "id"));

	if (id == 0)
		return ALC_ENOTFOUND;
	return risk_get(r->app->db, r->arena, r->sess->practice_id, id, k);
}

int
page_risk_item(struct req *r)
{
	const char *d = req_query(r, "done");
	struct risk k;
	int rc;

	if ((rc = load(r, &k)) != 0)
		return rc;
	if (d != NULL && strcmp(d, "saved") == 0)
		page_flash(r, "success", "The risk is saved.");
	if (d != NULL && strcmp(d, "task") == 0)
		page_flash(r, "success", "The compliance task is created in the "
		    "owner's list.");
	return render_form(r, 200, &k, NULL, NULL);
}

int
page_risk_update(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct risk k;
	int rc;

	if ((rc = load(r, &k)) != 0)
		return rc;
	read_form(r, &k);
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = risk_update(r->app->db, r->sess->practice_id, &a, k.id, &k.f, &err);
	if (rc == ALC_EINVAL)
		return render_form(r, 422, &k, arena_strdup(r->arena, err.user),
		    NULL);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/compliance/risk/risks/%lld?done=saved", (long long)k.id));
}

int
page_risk_task(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct risk k;
	int64_t task = 0;
	int rc;

	if ((rc = load(r, &k)) != 0)
		return rc;
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = risk_make_task(r->app->db, r->sess->practice_id, &a, k.id, &task,
	    &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT)
		return render_form(r, rc == ALC_EINVAL ? 422 : 409, &k, NULL,
		    arena_strdup(r->arena, err.user));
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/compliance/risk/risks/%lld?done=task", (long long)k.id));
}
