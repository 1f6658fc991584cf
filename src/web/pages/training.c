/*
 * pages/training.c - training records (core/compliance/training.h).
 * Everyone sees their own records (ACT_POLICY_VIEW); those with
 * ACT_TRAINING_MANAGE see everyone's, the new staff past the training
 * deadline, and record, retire and set that deadline.  Expired and
 * expiring records are flagged.  Records hold no PHI, so reading them
 * writes no audit event; every change does, in its transaction (core).
 */
#include "web/pages/pages.h"
#include "web/pages/compliance_impl.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_policies.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/compliance/compliance.h"
#include "core/compliance/training.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

static const char *
flag_of(const char *expires_on, struct caldate today)
{
	switch (training_expiry(expires_on, today)) {
	case TRAINING_EXPIRED:
		return "Expired";
	case TRAINING_EXPIRING:
		return "Expires within 60 days";
	default:
		return NULL;
	}
}

static int
fill_rows(struct req *r, struct trn_index_view *v)
{
	struct caldate today = cmpweb_today(r);
	struct training_record *l;
	struct trn_row_view *rows;
	size_t n, i;
	int rc;

	if ((rc = training_list(r->app->db, r->arena, r->sess->practice_id,
	    v->can_manage ? 0 : r->sess->user_id, &l, &n)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		rows[i].id = (long long)l[i].id;
		rows[i].person = l[i].person;
		rows[i].course = l[i].f.course;
		rows[i].completed_on = l[i].f.completed_on;
		rows[i].hours = arena_printf(r->arena, "%d.%d",
		    l[i].f.hours_tenths / 10, l[i].f.hours_tenths % 10);
		rows[i].provider = l[i].f.provider;
		rows[i].evidence = l[i].f.evidence;
		rows[i].expires_on = l[i].f.expires_on[0] ? l[i].f.expires_on :
		    NULL;
		rows[i].flag = flag_of(rows[i].expires_on, today);
	}
	v->rows = rows;
	v->n_rows = n;
	return 0;
}

static int
fill_manage(struct req *r, struct trn_index_view *v, int64_t selected)
{
	struct training_overdue *od;
	struct trn_overdue_view *ov;
	struct cmp_option_view *staff;
	size_t n, i;
	int rc;

	if ((rc = training_overdue(r->app->db, r->arena, r->sess->practice_id,
	    cmpweb_today(r), &od, &n)) != 0 ||
	    (rc = cmpweb_staff_options(r, selected, &staff, &v->n_staff)) != 0)
		return rc;
	if ((ov = arena_alloc(r->arena, (n + 1) * sizeof(*ov))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		ov[i].name = od[i].name;
		ov[i].email = od[i].email;
		ov[i].due_on = od[i].due_on;
	}
	v->overdue = ov;
	v->n_overdue = n;
	v->staff = staff;
	return 0;
}

static int
render(struct req *r, int status, struct trn_index_view *v,
    int64_t selected)
{
	struct buf body;
	int days = 0, rc;

	v->csrf = r->sess->csrf;
	v->can_manage = authz_check(r, ACT_TRAINING_MANAGE) == 0;
	if ((rc = training_due_days(r->app->db, r->sess->practice_id, &days))
	    != 0 || (rc = fill_rows(r, v)) != 0)
		return rc;
	v->due_days = days;
	if (v->can_manage && (rc = fill_manage(r, v, selected)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_training_index(&body, v);
	return page_send(r, status, "Training", &body);
}

int
page_training(struct req *r)
{
	const char *d = req_query(r, "done");
	struct trn_index_view v;

	memset(&v, 0, sizeof(v));
	if (d != NULL && strcmp(d, "saved") == 0)
		page_flash(r, "success", "The training is recorded.");
	if (d != NULL && strcmp(d, "retired") == 0)
		page_flash(r, "success", "The record is retired. It is kept.");
	if (d != NULL && strcmp(d, "settings") == 0)
		page_flash(r, "success", "The training deadline is saved.");
	return render(r, 200, &v, 0);
}

/* "1.5" or "2" hours as tenths; -1 when not a number. */
static int
parse_hours(const char *s)
{
	char *end;
	long whole, tenth = 0;

	if (s == NULL || *s == '\0')
		return 0;
	whole = strtol(s, &end, 10);
	if (end == s || whole < 0 || whole > 1000)
		return -1;
	if (*end == '.' && end[1] >= '0' && end[1] <= '9' && end[2] == '\0')
		tenth = end[1] - '0';
	else if (*end != '\0')
		return -1;
	return (int)(whole * 10 + tenth);
}

int
page_training_add(struct req *r)
{
	struct compliance_actor a;
	struct training_input in;
	struct trn_index_view v;
	struct audit_event ev;
	struct alc_err err;
	int64_t id = 0;
	int rc;

	memset(&in, 0, sizeof(in));
	in.user_id = cmpweb_parse_id(req_form(r, "user_id"));
	in.course = req_form(r, "course");
	in.completed_on = req_form(r, "completed_on");
	in.hours_tenths = parse_hours(req_form(r, "hours"));
	in.provider = req_form(r, "provider");
	in.evidence = req_form(r, "evidence");
	in.expires_on = req_form(r, "expires_on");
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = training_add(r->app->db, r->sess->practice_id, &a, &in, &id, &err);
	if (rc == ALC_EINVAL) {
		memset(&v, 0, sizeof(v));
		v.course = in.course;
		v.completed_on = in.completed_on;
		v.hours = req_form(r, "hours");
		v.provider = in.provider;
		v.evidence = in.evidence;
		v.expires_on = in.expires_on;
		v.error = arena_strdup(r->arena, err.user);
		return render(r, 422, &v, in.user_id);
	}
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, "/training?done=saved");
}

int
page_training_settings(struct req *r)
{
	const char *s = req_form(r, "training_due_days");
	struct compliance_actor a;
	struct trn_index_view v;
	struct audit_event ev;
	struct alc_err err;
	int64_t days = cmpweb_parse_id(s);
	int rc;

	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = training_set_due_days(r->app->db, r->sess->practice_id, &a,
	    days > 0 && days < 100000 ? (int)days : 0, &err);
	if (rc == ALC_EINVAL) {
		memset(&v, 0, sizeof(v));
		v.settings_error = arena_strdup(r->arena, err.user);
		return render(r, 422, &v, 0);
	}
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, "/training?done=settings");
}

int
page_training_retire(struct req *r)
{
	int64_t id = cmpweb_parse_id(req_param(r, "id"));
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	if ((rc = training_retire(r->app->db, r->sess->practice_id, &a, id,
	    &err)) != 0)
		return rc;
	return resp_redirect(r, 303, "/training?done=retired");
}

/* --- the sanctions and complaints logs --------------------------------- */

static int
log_rows(struct req *r, enum workforce_log_kind kind,
    const struct wfl_row_view **out, size_t *n)
{
	struct workforce_entry *l;
	struct wfl_row_view *rows;
	size_t i;
	int rc;

	if ((rc = workforce_log_list(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, kind, &l, n)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (*n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < *n; i++) {
		rows[i].occurred_on = l[i].occurred_on;
		rows[i].person = l[i].person;
		rows[i].details = l[i].details;
		rows[i].action = l[i].action_taken;
		rows[i].recorded_by = l[i].recorded_by;
	}
	*out = rows;
	return 0;
}

/* The log holds PHI: its read is audited, and the page is sent only
 * once that event is durable. */
static int
render_log(struct req *r, int status, struct wfl_view *v)
{
	struct audit_event ev;
	struct buf body;
	int rc;

	if ((rc = log_rows(r, WFLOG_SANCTION, &v->sanctions,
	    &v->n_sanctions)) != 0 || (rc = log_rows(r, WFLOG_COMPLAINT,
	    &v->complaints, &v->n_complaints)) != 0)
		return rc;
	web_audit_who(r, &ev);
	ev.verb = "VIEW";
	ev.object_type = "workforce_log";
	ev.purpose_of_use = "compliance";
	ev.detail = arena_printf(r->arena, "{\"count\":%zu}", v->n_sanctions +
	    v->n_complaints);
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	v->csrf = r->sess->csrf;
	buf_init(&body, r->arena);
	tmpl_training_log(&body, v);
	return page_send(r, status, "Sanctions and complaints", &body);
}

int
page_workforce_log(struct req *r)
{
	const char *d = req_query(r, "done");
	struct wfl_view v;

	memset(&v, 0, sizeof(v));
	v.kind = "sanction";
	if (d != NULL && strcmp(d, "saved") == 0)
		page_flash(r, "success", "The entry is added to the log.");
	return render_log(r, 200, &v);
}

int
page_workforce_log_add(struct req *r)
{
	const char *kind = req_form(r, "kind");
	struct workforce_entry in;
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct wfl_view v;
	int64_t id = 0;
	int rc;

	memset(&in, 0, sizeof(in));
	in.kind = kind && strcmp(kind, "complaint") == 0 ? WFLOG_COMPLAINT :
	    WFLOG_SANCTION;
	in.occurred_on = req_form(r, "occurred_on");
	in.person = req_form(r, "person");
	in.details = req_form(r, "details");
	in.action_taken = req_form(r, "action_taken");
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = workforce_log_add(r->app->db, r->app->keys, r->sess->practice_id,
	    &a, &in, &id, &err);
	if (rc == ALC_EINVAL) {
		memset(&v, 0, sizeof(v));
		v.kind = in.kind == WFLOG_COMPLAINT ? "complaint" : "sanction";
		v.occurred_on = in.occurred_on;
		v.person = in.person;
		v.details = in.details;
		v.action = in.action_taken;
		v.error = arena_strdup(r->arena, err.user);
		return render_log(r, 422, &v);
	}
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, "/training/log?done=saved");
}
