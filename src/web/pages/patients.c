/*
 * pages/patients.c - the patient list and search, the overview page, the
 * 403 page that offers break-glass, and break-glass itself.  The forms
 * (register, edit) are in patients_form.c; care team, merge and the
 * break-glass review in patients_team.c; the helpers they share are
 * declared in pages.h.
 *
 * Authorization in two steps: the route's action (authz.c) lets the role
 * in at all, then patients_access() decides for this record (care team,
 * restricted, break-glass).  Every page that shows a patient writes its
 * audit event through audit_record_read() BEFORE the page is rendered
 * into the response; if that fails, the request fails and nothing is
 * shown.  Lists write one event with the count of patients shown; the
 * search text is never logged nor put in the event.
 *
 * Minimum necessary on the page itself: demographic-only access (front
 * desk, billing, administrators) renders no clinical section.
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
#include "core/audit_view/audit_view.h"
#include "core/patients/patients.h"
#include "core/practice/settings.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RESULTS 100
#define LOG_ROWS 50

int64_t
patients_web_id(struct req *r)
{
	const char *s = req_param(r, "id");
	char *end;
	long long v;

	if (s == NULL || *s < '1' || *s > '9')
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

void
patients_web_actor(struct req *r, struct patient_actor *a)
{
	a->practice_id = r->sess->practice_id;
	a->user_id = r->sess->user_id;
	a->roles = r->sess->roles;
}

const struct patient_row_view *
patients_web_rows(struct req *r, const struct patient_brief *b, size_t n)
{
	struct patient_row_view *v;
	size_t i;

	if ((v = arena_alloc(r->arena, (n + 1) * sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		v[i].href = arena_printf(r->arena, "/patients/%lld",
		    (long long)b[i].id);
		v[i].chart_no = b[i].chart_no;
		v[i].name = b[i].display_name;
		v[i].dob = b[i].dob;
		v[i].status = b[i].status;
		v[i].restricted = b[i].restricted;
		v[i].part2 = b[i].part2;
	}
	return v;
}

/* Keeps only the patients the user may open at all: a restricted record
 * is not even listed for those outside its team. */
static int
visible(struct req *r, struct patient_brief *b, size_t *n)
{
	struct patient_actor who;
	enum patient_access acc;
	size_t i, k = 0;
	int rc;

	patients_web_actor(r, &who);
	for (i = 0; i < *n; i++) {
		if (b[i].restricted) {
			rc = patients_access(r->app->db, &who, b[i].id,
			    time_now_ms(), &acc, NULL);
			if (rc != 0 && rc != ALC_ENOTFOUND)
				return rc;
			if (rc != 0 || acc == PATIENT_ACCESS_NONE)
				continue;
		}
		b[k++] = b[i];
	}
	*n = k;
	return 0;
}

static int
audit_list(struct req *r, const char *verb, size_t n)
{
	struct audit_event ev;

	web_audit_who(r, &ev);
	ev.verb = verb;
	ev.object_type = "patient_list";
	ev.purpose_of_use = "TPO";
	ev.detail = arena_printf(r->arena, "{\"count\":%zu}", n);
	return audit_record_read(r->app->audit, &ev);
}

static int
mine(struct req *r, struct patient_brief **b, size_t *n)
{
	int64_t *ids;
	int rc;

	if ((rc = patients_of_clinician(r->app->db, r->arena,
	    r->sess->practice_id, r->sess->user_id, &ids, n)) != 0)
		return rc;
	if ((*b = arena_alloc(r->arena, (*n + 1) * sizeof(**b))) == NULL)
		return ALC_ENOMEM;
	if ((rc = patients_briefs(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, ids, *n, *b)) != 0)
		return rc;
	/* Patients that have a live team row are never merged away, but keep
	 * the list honest anyway. */
	return 0;
}

int
page_patients(struct req *r)
{
	struct patients_index_view v;
	struct patient_brief *b = NULL;
	struct alc_err err;
	struct buf body;
	size_t n = 0;
	int rc;

	memset(&v, 0, sizeof(v));
	memset(&err, 0, sizeof(err));
	v.q = req_query(r, "q");
	v.can_create = authz_check(r, ACT_PATIENT_EDIT) == 0;
	v.can_review = authz_check(r, ACT_BREAK_GLASS_REVIEW) == 0;
	if (v.q != NULL && v.q[0] != '\0') {
		v.searched = 1;
		rc = patients_search(r->app->db, r->app->keys, r->arena,
		    r->sess->practice_id, v.q, MAX_RESULTS, &b, &n, &err);
		if (rc == ALC_EINVAL)
			v.error = err.user;
		else if (rc != 0 || (rc = visible(r, b, &n)) != 0 ||
		    (rc = audit_list(r, "SEARCH", n)) != 0)
			return rc;
	} else if (r->sess->roles & (ROLE_CLINICIAN | ROLE_SUPERVISOR)) {
		v.mine = 1;
		if ((rc = mine(r, &b, &n)) != 0 ||
		    (n > 0 && (rc = audit_list(r, "VIEW", n)) != 0))
			return rc;
	}
	if (n > 0 && (v.rows = patients_web_rows(r, b, n)) == NULL)
		return ALC_ENOMEM;
	v.n_rows = n;
	buf_init(&body, r->arena);
	tmpl_patients_index(&body, &v);
	return page_send(r, v.error ? 422 : 200, "Patients", &body);
}

/* ---- the 403 page and break-glass ------------------------------------ */

int
patients_web_denied(struct req *r, int64_t id, const char *error,
    const char *reason)
{
	struct patient_denied_view v;
	struct practice_settings ps;
	struct audit_event ev;
	struct buf body;
	int rc;

	web_audit_who(r, &ev);
	ev.verb = "ACCESS_DENIED";
	ev.object_type = "patient";
	ev.object_id = arena_printf(r->arena, "%lld", (long long)id);
	ev.patient_id = id;
	ev.outcome = AUDIT_MINOR_FAILURE;
	ev.reason = "not on the care team";
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	if ((rc = settings_get(r->app->db, r->sess->practice_id, &ps)) != 0)
		return rc;
	v.duration = arena_printf(r->arena, "%d minutes",
	    ps.break_glass_minutes);
	v.can_break_glass = authz_check(r, ACT_BREAK_GLASS) == 0;
	v.action = arena_printf(r->arena, "/patients/%lld/break-glass",
	    (long long)id);
	v.csrf = r->sess->csrf;
	v.error = error;
	v.reason = reason;
	buf_init(&body, r->arena);
	tmpl_patients_denied(&body, &v);
	return page_send(r, error ? 422 : 403, "Not on your care team", &body);
}

int
page_patient_break_glass(struct req *r)
{
	const char *reason = req_form(r, "reason");
	int64_t id = patients_web_id(r), until;
	struct patient_actor who;
	enum patient_access acc;
	struct audit_event ev;
	struct alc_err err;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	patients_web_actor(r, &who);
	/* Another practice's record, or none: not found, whatever the form. */
	if ((rc = patients_access(r->app->db, &who, id, time_now_ms(), &acc,
	    NULL)) != 0)
		return rc;
	web_audit_who(r, &ev);
	memset(&err, 0, sizeof(err));
	rc = patients_break_glass(r->app->db, &who, id, reason, time_now_ms(),
	    &ev, &until, &err);
	if (rc == ALC_EINVAL)
		return patients_web_denied(r, id, err.user, reason);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena, "/patients/%lld",
	    (long long)id));
}

/* ---- the overview ----------------------------------------------------- */

static int
log_row(void *arg, const struct audit_row *row)
{
	struct req *r = ((void **)arg)[0];
	struct patient_show_view *v = ((void **)arg)[1];
	struct patient_log_view *l = (struct patient_log_view *)(void *)
	    ((void **)arg)[2];
	char when[32];

	l = &l[v->n_log++];
	l->when = arena_strdup(r->arena, audit_view_time(when, sizeof(when),
	    row->recorded_at));
	l->who = arena_strdup(r->arena, row->actor_name ? row->actor_name :
	    "System");
	l->what = audit_view_describe(r->arena, row);
	return 0;
}

static int
fill_log(struct req *r, int64_t id, struct patient_show_view *v)
{
	struct patient_log_view *rows;
	struct audit_filter f;
	void *arg[3];

	if ((rows = arena_alloc(r->arena, (LOG_ROWS + 1) * sizeof(*rows))) ==
	    NULL)
		return ALC_ENOMEM;
	memset(&f, 0, sizeof(f));
	f.practice_id = r->sess->practice_id;
	f.patient_id = id;
	arg[0] = r;
	arg[1] = v;
	arg[2] = rows;
	v->log = rows;
	return audit_view_scan(r->app->db, &f, LOG_ROWS, log_row, arg);
}

static int
audit_view(struct req *r, int64_t id, const struct patient_record *p,
    enum patient_access acc, int bg)
{
	struct audit_event ev;

	web_audit_who(r, &ev);
	ev.verb = "VIEW";
	ev.object_type = "patient";
	ev.object_id = arena_printf(r->arena, "%lld", (long long)id);
	ev.patient_id = id;
	ev.sensitivity = p->part2 ? "part2" : NULL;
	ev.purpose_of_use = bg ? "break-glass" : "TPO";
	ev.detail = acc == PATIENT_ACCESS_CLINICAL ? "{\"access\":\"clinical\"}" :
	    "{\"access\":\"demographic\"}";
	return audit_record_read(r->app->audit, &ev);
}

int
patients_web_show(struct req *r, int64_t id, int status,
    const char *team_error, const char *merge_error)
{
	struct patient_show_view v;
	struct patient_record p;
	struct patient_actor who;
	enum patient_access acc;
	struct buf body;
	int bg = 0, rc;

	patients_web_actor(r, &who);
	if ((rc = patients_access(r->app->db, &who, id, time_now_ms(), &acc,
	    &bg)) != 0)
		return rc;
	if (acc == PATIENT_ACCESS_NONE)
		return patients_web_denied(r, id, NULL, NULL);
	if ((rc = patients_get(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, id, &p)) != 0 ||
	    (rc = audit_view(r, id, &p, acc, bg)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.team_error = team_error;
	v.merge_error = merge_error;
	if ((rc = patients_web_fill_show(r, &p, acc, bg, &v)) != 0)
		return rc;
	if (v.can_see_log && (rc = fill_log(r, id, &v)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_patients_show(&body, &v);
	return page_send(r, status, v.name, &body);
}

int
page_patient(struct req *r)
{
	int64_t id = patients_web_id(r);

	return id ? patients_web_show(r, id, 200, NULL, NULL) : ALC_ENOTFOUND;
}
