/*
 * pages/policies.c - the policies (core/compliance/policy.h): the list
 * with what the viewer still has to attest to and the starter templates,
 * one version rendered safely (web/markdown.h) with the attestation form,
 * the draft editor with its preview, publishing, retiring, and the
 * attestation report.  Reading and attesting need ACT_POLICY_VIEW (all
 * staff); the rest ACT_POLICY_MANAGE (the route table).  Policies hold
 * no PHI, so reading them writes no audit event; every change does, in
 * its transaction (core).
 */
#include "web/pages/pages.h"
#include "web/pages/compliance_impl.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/markdown.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_policies.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/compliance/compliance.h"
#include "core/compliance/policy.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

static int64_t
me(struct req *r)
{
	return r->sess->user_id;
}

static int
fill_templates(struct req *r, struct pol_index_view *v)
{
	struct pol_template_view *t;
	struct policy_template pt;
	size_t i, n = policy_template_count();

	if ((t = arena_alloc(r->arena, (n + 1) * sizeof(*t))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		if (policy_template_get(r->arena, i, &pt) != 0)
			return ALC_ENOMEM;
		t[v->n_templates].key = pt.key;
		t[v->n_templates++].title = pt.title;
	}
	v->templates = t;
	return 0;
}

int
page_policies(struct req *r)
{
	struct pol_index_view v;
	struct pol_row_view *rows;
	struct policy_row *l;
	struct buf body;
	int64_t pending = 0;
	size_t n, i;
	int rc;

	memset(&v, 0, sizeof(v));
	v.can_manage = authz_check(r, ACT_POLICY_MANAGE) == 0;
	if ((rc = policy_list(r->app->db, r->arena, r->sess->practice_id, me(r),
	    v.can_manage && req_query(r, "retired") != NULL, &l, &n)) != 0 ||
	    (rc = policy_pending(r->app->db, r->sess->practice_id, me(r),
	    &pending)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		/* Staff who do not manage policies see published ones only. */
		if (!v.can_manage && l[i].current_version == 0)
			continue;
		rows[v.n_rows].id = (long long)l[i].id;
		rows[v.n_rows].title = l[i].title;
		rows[v.n_rows].status = l[i].status;
		rows[v.n_rows].effective_on = l[i].effective_on;
		rows[v.n_rows].owner = l[i].owner_name;
		rows[v.n_rows].version = l[i].current_version;
		rows[v.n_rows].attested = (long long)l[i].attested;
		rows[v.n_rows].staff = (long long)l[i].staff;
		rows[v.n_rows].mine = l[i].mine;
		rows[v.n_rows++].owes = !l[i].mine && l[i].current_version > 0 &&
		    strcmp(l[i].status, "published") == 0;
	}
	v.rows = rows;
	v.pending = (long long)pending;
	v.csrf = r->sess->csrf;
	if (v.can_manage && (rc = fill_templates(r, &v)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_policies_index(&body, &v);
	return page_send(r, 200, "Policies", &body);
}

int
page_policy_adopt(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	int64_t id = 0;
	int rc;

	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = policy_adopt(r->app->db, r->sess->practice_id, &a,
	    req_form(r, "template"), &id, &err);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/policies/%lld/edit?done=adopted", (long long)id));
}

static int
load(struct req *r, int version, struct policy *p)
{
	int64_t id = cmpweb_parse_id(req_param(r, "id"));

	if (id == 0)
		return ALC_ENOTFOUND;
	return policy_get(r->app->db, r->arena, r->sess->practice_id, id,
	    version, p);
}

static const char *
rendered(struct req *r, const char *md)
{
	struct buf b;

	buf_init(&b, r->arena);
	markdown_render(&b, md);
	return buf_failed(&b) ? NULL : buf_cstr(&b);
}

static int
render_policy(struct req *r, int status, const struct policy *p,
    const char *error)
{
	struct pol_view v;
	struct buf body;
	int64_t at = 0;
	int rc;

	memset(&v, 0, sizeof(v));
	v.id = (long long)p->id;
	v.csrf = r->sess->csrf;
	v.title = p->f.title;
	v.owner = p->owner_name;
	v.status = p->status;
	v.retired = strcmp(p->status, "retired") == 0;
	v.retain_until = p->retain_until;
	v.review_months = arena_printf(r->arena, "%d", p->f.review_months);
	v.current_version = p->current_version;
	v.can_manage = authz_check(r, ACT_POLICY_MANAGE) == 0 && !v.retired;
	v.error = error;
	if (p->version_id != 0) {
		if ((rc = policy_attested_at(r->app->db, r->sess->practice_id,
		    p->version_id, me(r), &at)) != 0)
			return rc;
		v.version = p->version;
		v.is_current = p->version == p->current_version;
		v.can_attest = v.is_current && at == 0 && !v.retired;
		v.effective_on = p->effective_on;
		v.summary = p->summary[0] ? p->summary : NULL;
		v.published_by = p->published_by_name;
		v.published_at = cmpweb_when(r, p->published_at);
		v.hash = p->body_hash;
		if ((v.body_html = rendered(r, p->body)) == NULL)
			return ALC_ENOMEM;
		v.attested_at = at ? cmpweb_when(r, at) : NULL;
	}
	buf_init(&body, r->arena);
	tmpl_policies_policy(&body, &v);
	return page_send(r, status, p->f.title, &body);
}

/* A policy that was never published is only for those who manage. */
static int
visible(struct req *r, const struct policy *p)
{
	return p->current_version > 0 ||
	    authz_check(r, ACT_POLICY_MANAGE) == 0;
}

int
page_policy(struct req *r)
{
	const char *d = req_query(r, "done");
	struct policy p;
	int rc;

	if ((rc = load(r, 0, &p)) != 0)
		return rc;
	if (!visible(r, &p))
		return ALC_ENOTFOUND;
	if (d != NULL && strcmp(d, "attested") == 0)
		page_flash(r, "success", "Thank you: your attestation is recorded.");
	if (d != NULL && strcmp(d, "published") == 0)
		page_flash(r, "success", "The new version is published. Staff are "
		    "asked to read and attest to it.");
	if (d != NULL && strcmp(d, "retired") == 0)
		page_flash(r, "success", "The policy is retired. Its record is "
		    "kept.");
	return render_policy(r, 200, &p, NULL);
}

int
page_policy_version(struct req *r)
{
	const char *s = req_param(r, "version");
	int64_t n = cmpweb_parse_id(s);
	struct policy p;
	int rc;

	if (n == 0 || n > 1000000)
		return ALC_ENOTFOUND;
	if ((rc = load(r, (int)n, &p)) != 0)
		return rc;
	return render_policy(r, 200, &p, NULL);
}

int
page_policy_attest(struct req *r)
{
	const char *s = req_form(r, "version");
	int64_t n = cmpweb_parse_id(s);
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct policy p;
	int rc;

	if ((rc = load(r, 0, &p)) != 0)
		return rc;
	if (!visible(r, &p))
		return ALC_ENOTFOUND;
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = policy_attest(r->app->db, r->sess->practice_id, &a, p.id,
	    n > 0 && n <= 1000000 ? (int)n : 0, &err);
	if (rc == ALC_ECONFLICT)
		return render_policy(r, 409, &p, arena_strdup(r->arena, err.user));
	if (rc == ALC_ENOTFOUND)
		return render_policy(r, 409, &p, "This policy has no version to "
		    "attest to.");
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/policies/%lld?done=attested", (long long)p.id));
}

static int
render_edit(struct req *r, int status, const struct policy *p,
    const char *error, const char *publish_error)
{
	struct cmp_option_view *staff;
	struct pol_edit_view v;
	struct buf body;
	char today[CALDATE_TEXT_SIZE];
	const char *eff = req_form(r, "effective_on");
	int rc;

	memset(&v, 0, sizeof(v));
	v.id = (long long)p->id;
	v.csrf = r->sess->csrf;
	v.title = p->f.title;
	v.review_months = arena_printf(r->arena, "%d", p->f.review_months);
	v.draft = p->f.draft;
	v.current_version = p->current_version;
	v.next_version = p->current_version + 1;
	v.effective_on = eff ? eff : arena_strdup(r->arena,
	    caldate_format(cmpweb_today(r), today));
	v.summary = req_form(r, "summary");
	v.error = error;
	v.publish_error = publish_error;
	if ((rc = cmpweb_staff_options(r, p->f.owner_id, &staff,
	    &v.n_staff)) != 0)
		return rc;
	v.staff = staff;
	if ((v.preview_html = rendered(r, p->f.draft)) == NULL)
		return ALC_ENOMEM;
	buf_init(&body, r->arena);
	tmpl_policies_edit(&body, &v);
	return page_send(r, status, p->f.title, &body);
}

/* The draft of a live policy, for those who manage. */
static int
load_live(struct req *r, struct policy *p)
{
	int rc;

	if ((rc = load(r, 0, p)) != 0)
		return rc;
	return strcmp(p->status, "retired") == 0 ? ALC_ENOTFOUND : 0;
}

int
page_policy_edit(struct req *r)
{
	const char *d = req_query(r, "done");
	struct policy p;
	int rc;

	if ((rc = load_live(r, &p)) != 0)
		return rc;
	if (d != NULL && strcmp(d, "adopted") == 0)
		page_flash(r, "success", "The draft is created. Edit it, then "
		    "publish it.");
	if (d != NULL && strcmp(d, "saved") == 0)
		page_flash(r, "success", "The draft is saved.");
	return render_edit(r, 200, &p, NULL, NULL);
}

int
page_policy_update(struct req *r)
{
	const char *m = req_form(r, "review_months");
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct policy p;
	char *end;
	long months;
	int rc;

	if ((rc = load_live(r, &p)) != 0)
		return rc;
	months = m ? strtol(m, &end, 10) : 0;
	p.f.title = req_form(r, "title");
	p.f.owner_id = cmpweb_parse_id(req_form(r, "owner_id"));
	p.f.review_months = m && *m && *end == '\0' && months > 0 &&
	    months <= 120 ? (int)months : 0;
	p.f.draft = req_form(r, "draft") ? req_form(r, "draft") : "";
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = policy_update(r->app->db, r->sess->practice_id, &a, p.id, &p.f,
	    &err);
	if (rc == ALC_EINVAL)
		return render_edit(r, 422, &p, arena_strdup(r->arena, err.user),
		    NULL);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/policies/%lld/edit?done=saved", (long long)p.id));
}

int
page_policy_publish(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct policy p;
	int version = 0, rc;

	if ((rc = load_live(r, &p)) != 0)
		return rc;
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = policy_publish(r->app->db, r->sess->practice_id, &a, p.id,
	    req_form(r, "effective_on"), req_form(r, "summary"), &version, &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT)
		return render_edit(r, rc == ALC_EINVAL ? 422 : 409, &p, NULL,
		    arena_strdup(r->arena, err.user));
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/policies/%lld?done=published", (long long)p.id));
}

int
page_policy_retire(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct policy p;
	int rc;

	if ((rc = load_live(r, &p)) != 0)
		return rc;
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	if ((rc = policy_retire(r->app->db, r->sess->practice_id, &a, p.id,
	    &err)) != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/policies/%lld?done=retired", (long long)p.id));
}

int
page_policy_report(struct req *r)
{
	struct pol_report_row_view *rows;
	struct policy_attest_row *l;
	struct pol_report_view v;
	struct buf body;
	struct policy p;
	size_t n, i;
	int rc;

	if ((rc = load(r, 0, &p)) != 0 ||
	    (rc = policy_report(r->app->db, r->arena, r->sess->practice_id,
	    p.id, &l, &n)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	memset(&v, 0, sizeof(v));
	for (i = 0; i < n; i++) {
		rows[i].name = l[i].name;
		rows[i].email = l[i].email;
		rows[i].attested_at = l[i].attested_at ? cmpweb_when(r,
		    l[i].attested_at) : NULL;
		rows[i].last_version = l[i].last_version;
		if (l[i].attested_at)
			v.attested++;
		else
			v.missing++;
	}
	v.id = (long long)p.id;
	v.title = p.f.title;
	v.version = p.current_version;
	v.rows = rows;
	v.n_rows = n;
	buf_init(&body, r->arena);
	tmpl_policies_report(&body, &v);
	return page_send(r, 200, p.f.title, &body);
}
