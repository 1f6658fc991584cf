/*
 * pages/patients_team.c - changing who treats a patient, merging a
 * duplicate record, and the break-glass review list.
 *
 * Care team: the route allows owners, administrators and supervisors
 * (ACT_CARE_TEAM_MANAGE); a supervisor must also have the record
 * clinically (be on its team), owners and administrators need only see
 * it.  A problem re-renders the overview (audited as a view) with the
 * message next to the team.
 *
 * Merge: from the survivor's page, naming the duplicate by chart number.
 *
 * Review: owners and compliance officers see open grants (or all with
 * ?all=1) and mark each reviewed with a note (AUDIT_REVIEW).
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_patients.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/patients/patients.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define MAX_GRANTS 200

static int64_t
form_id(struct req *r, const char *name)
{
	const char *s = req_form(r, name);
	char *end;
	long long v;

	if (s == NULL || *s < '1' || *s > '9')
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

/* 0 when the user may change this patient's team. */
static int
team_allowed(struct req *r, int64_t id)
{
	struct patient_actor who;
	enum patient_access acc;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	patients_web_actor(r, &who);
	if ((rc = patients_access(r->app->db, &who, id, time_now_ms(), &acc,
	    NULL)) != 0)
		return rc;
	if (acc == PATIENT_ACCESS_CLINICAL || (acc != PATIENT_ACCESS_NONE &&
	    (r->sess->roles & (ROLE_OWNER | ROLE_ADMIN))))
		return 0;
	return ALC_EPERM;
}

int
page_patient_team_add(struct req *r)
{
	int64_t id = patients_web_id(r), uid = form_id(r, "user_id");
	struct audit_event who;
	struct alc_err err;
	int rc;

	if ((rc = team_allowed(r, id)) != 0)
		return rc;
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = patients_team_add(r->app->db, r->sess->practice_id, id, uid,
	    req_form(r, "role"), &who, &err);
	if (rc == ALC_EINVAL)
		return patients_web_show(r, id, 422, err.user, NULL);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena, "/patients/%lld",
	    (long long)id));
}

int
page_patient_team_remove(struct req *r)
{
	int64_t id = patients_web_id(r), uid = form_id(r, "user_id");
	struct audit_event who;
	int rc;

	if ((rc = team_allowed(r, id)) != 0)
		return rc;
	web_audit_who(r, &who);
	rc = patients_team_remove(r->app->db, r->sess->practice_id, id, uid,
	    &who);
	if (rc == ALC_ENOTFOUND)
		return patients_web_show(r, id, 422, "That person is not on the "
		    "care team.", NULL);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena, "/patients/%lld",
	    (long long)id));
}

int
page_patient_merge(struct req *r)
{
	int64_t id = patients_web_id(r), dup = 0;
	const char *chart = req_form(r, "duplicate");
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	if (chart == NULL || patients_by_chart(r->app->db, r->sess->practice_id,
	    chart, &dup) != 0)
		return patients_web_show(r, id, 422, NULL, "No record has that "
		    "chart number.");
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = patients_merge(r->app->db, r->sess->practice_id, id, dup,
	    req_form(r, "reason"), &who, &err);
	if (rc == ALC_EINVAL)
		return patients_web_show(r, id, 422, NULL, err.user);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena, "/patients/%lld",
	    (long long)id));
}

static int
audit_review_read(struct req *r, size_t n)
{
	struct audit_event ev;

	web_audit_who(r, &ev);
	ev.verb = "VIEW";
	ev.object_type = "break_glass";
	ev.purpose_of_use = "operations";
	ev.detail = arena_printf(r->arena, "{\"count\":%zu}", n);
	return audit_record_read(r->app->audit, &ev);
}

static int
review_send(struct req *r, int status, const char *error)
{
	struct break_glass_review_view v;
	struct break_glass_view_row *vr;
	struct break_glass_row *g;
	struct buf body;
	size_t n, i;
	int rc;

	memset(&v, 0, sizeof(v));
	v.all = req_query(r, "all") != NULL;
	if ((rc = patients_break_glass_list(r->app->db, r->arena,
	    r->sess->practice_id, !v.all, MAX_GRANTS, &g, &n)) != 0)
		return rc;
	if ((vr = arena_alloc(r->arena, (n + 1) * sizeof(*vr))) == NULL)
		return ALC_ENOMEM;
	/* Reasons may name the patient's situation: a read of PHI. */
	if (n > 0 && (rc = audit_review_read(r, n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		vr[i].who = g[i].user_name;
		vr[i].chart_no = g[i].chart_no;
		vr[i].href = arena_printf(r->arena, "/patients/%lld",
		    (long long)g[i].patient_id);
		vr[i].reason = g[i].reason;
		vr[i].started = staff_when(r, g[i].started_at, "");
		vr[i].expires = staff_when(r, g[i].expires_at, "");
		vr[i].open = g[i].reviewed_at == 0;
		vr[i].reviewed = staff_when(r, g[i].reviewed_at, "");
		vr[i].reviewer = g[i].reviewer_name;
		vr[i].note = g[i].review_note;
		vr[i].action = arena_printf(r->arena,
		    "/patients/break-glass/%lld/review", (long long)g[i].id);
		vr[i].note_id = arena_printf(r->arena, "note-%lld",
		    (long long)g[i].id);
	}
	v.rows = vr;
	v.n_rows = n;
	v.csrf = r->sess->csrf;
	v.error = error;
	buf_init(&body, r->arena);
	tmpl_patients_review(&body, &v);
	return page_send(r, status, "Emergency access review", &body);
}

int
page_break_glass_reviews(struct req *r)
{
	return review_send(r, 200, NULL);
}

int
page_break_glass_review(struct req *r)
{
	int64_t gid = patients_web_id(r);
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (gid == 0)
		return ALC_ENOTFOUND;
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = patients_break_glass_review(r->app->db, r->sess->practice_id, gid,
	    req_form(r, "note"), &who, &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT)
		return review_send(r, 422, err.user);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, "/patients/break-glass");
}
