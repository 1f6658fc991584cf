/*
 * pages/vendors.c - the vendor and BAA inventory (core/compliance/
 * vendor.h): the list (which first adds the rows of integrations the
 * configuration turns on), adding, seeing and editing a vendor, and
 * retiring it.  Viewing needs ACT_VENDOR_VIEW, changes ACT_VENDOR_MANAGE
 * (the route table).  An integration without a signed BAA is named on the
 * list and on its page with the message the BAA gate (vendors_baa_ok)
 * gives: "Blocked: sending PHI to X needs a signed BAA."
 * Vendor records hold no PHI, so reading them writes no audit event;
 * every change does, in its transaction (core).
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
#include "base/log.h"
#include "core/compliance/compliance.h"
#include "core/compliance/vendor.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
flag_of(const struct vendor *v, struct caldate today)
{
	switch (vendor_expiry(v, today)) {
	case VENDOR_EXPIRED:
		return "Expired";
	case VENDOR_EXPIRING:
		return "Expires within 60 days";
	default:
		return NULL;
	}
}

static const char *
baa_label(const char *name)
{
	size_t i;

	for (i = 0; i < 6; i++)
		if (strcmp(name, vendor_baa_names[i]) == 0)
			return vendor_baa_labels[i];
	return name;
}

/* The gate's message for an integration row, or NULL when it passes. */
static const char *
blocked(struct req *r, const struct vendor *v)
{
	struct alc_err err;

	memset(&err, 0, sizeof(err));
	if (v->integration == NULL || v->retired ||
	    vendors_baa_ok(r->app->db, r->sess->practice_id, v->integration,
	    &err) == 0)
		return NULL;
	return arena_strdup(r->arena, err.user);
}

int
page_vendors(struct req *r)
{
	struct caldate today = cmpweb_today(r);
	struct ven_row_view *rows;
	struct ven_index_view v;
	struct ven_blocked_view *bl;
	struct vendor *l;
	struct buf body;
	size_t n, i;
	int rc;

	if ((rc = vendors_sync_integrations(r->app->db, r->sess->practice_id,
	    r->app->cfg, NULL)) != 0)
		log_warn("vendor integration sync failed", "rid=%s err=%d",
		    r->rid, rc);
	if ((rc = vendor_list(r->app->db, r->arena, r->sess->practice_id,
	    req_query(r, "retired") != NULL, &l, &n)) != 0)
		return rc;
	rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows));
	bl = arena_alloc(r->arena, (n + 1) * sizeof(*bl));
	if (rows == NULL || bl == NULL)
		return ALC_ENOMEM;
	memset(&v, 0, sizeof(v));
	for (i = 0; i < n; i++) {
		rows[i].id = (long long)l[i].id;
		rows[i].name = l[i].f.name;
		rows[i].services = l[i].f.services;
		rows[i].baa = baa_label(l[i].f.baa_status);
		rows[i].expires_on = l[i].f.expires_on[0] ? l[i].f.expires_on :
		    NULL;
		rows[i].flag = flag_of(&l[i], today);
		rows[i].integration = l[i].integration;
		rows[i].retired = l[i].retired;
		if ((bl[v.n_blocked].text = blocked(r, &l[i])) != NULL)
			v.n_blocked++;
	}
	v.rows = rows;
	v.n_rows = n;
	v.blocked = bl;
	v.can_manage = authz_check(r, ACT_VENDOR_MANAGE) == 0;
	buf_init(&body, r->arena);
	tmpl_vendors_index(&body, &v);
	return page_send(r, 200, "Vendors", &body);
}

static int
render_form(struct req *r, int status, const struct vendor *ven,
    const char *error)
{
	struct ven_form_view v;
	struct inc_option_view *o;
	struct buf body;
	size_t i;

	memset(&v, 0, sizeof(v));
	if ((o = arena_alloc(r->arena, 6 * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < 6; i++) {
		o[i].value = vendor_baa_names[i];
		o[i].label = vendor_baa_labels[i];
		o[i].selected = ven->f.baa_status != NULL &&
		    strcmp(ven->f.baa_status, vendor_baa_names[i]) == 0;
	}
	v.statuses = o;
	v.n_statuses = 6;
	v.id = (long long)ven->id;
	v.csrf = r->sess->csrf;
	v.action = ven->id ? arena_printf(r->arena, "/vendors/%lld",
	    (long long)ven->id) : "/vendors";
	v.heading = ven->id ? ven->f.name : "Add a vendor";
	v.error = error;
	v.name = ven->f.name;
	v.services = ven->f.services;
	v.phi = ven->f.phi;
	v.effective_on = ven->f.effective_on;
	v.expires_on = ven->f.expires_on;
	v.review_months = arena_printf(r->arena, "%d", ven->f.review_months);
	v.contact_name = ven->f.contact_name;
	v.contact_email = ven->f.contact_email;
	v.contact_phone = ven->f.contact_phone;
	v.integration = ven->integration;
	v.retired = ven->retired;
	v.retain_until = ven->retain_until;
	v.can_manage = authz_check(r, ACT_VENDOR_MANAGE) == 0 && !ven->retired;
	v.can_retire = v.can_manage && ven->id && ven->integration == NULL;
	if (ven->id) {
		v.flag = ven->f.baa_status ? flag_of(ven, cmpweb_today(r)) : NULL;
		v.blocked = blocked(r, ven);
	}
	buf_init(&body, r->arena);
	tmpl_vendors_form(&body, &v);
	return page_send(r, status, v.heading, &body);
}

int
page_vendor_new(struct req *r)
{
	struct vendor v;

	memset(&v, 0, sizeof(v));
	v.f.baa_status = "none";
	v.f.review_months = 12;
	return render_form(r, 200, &v, NULL);
}

static void
read_form(struct req *r, struct vendor_input *in)
{
	const char *m = req_form(r, "review_months");
	char *end;
	long v = m ? strtol(m, &end, 10) : 0;

	in->name = req_form(r, "name");
	in->services = req_form(r, "services");
	in->phi = req_form(r, "phi");
	in->baa_status = req_form(r, "baa_status");
	in->effective_on = req_form(r, "effective_on");
	in->expires_on = req_form(r, "expires_on");
	in->review_months = m && *m && *end == '\0' && v > 0 && v <= 120 ?
	    (int)v : 0;
	in->contact_name = req_form(r, "contact_name");
	in->contact_email = req_form(r, "contact_email");
	in->contact_phone = req_form(r, "contact_phone");
}

static void
actor(struct req *r, struct compliance_actor *a, struct audit_event *ev)
{
	web_audit_who(r, ev);
	a->who = ev;
	a->manager = authz_check(r, ACT_VENDOR_MANAGE) == 0;
}

int
page_vendor_create(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct vendor v;
	int64_t id = 0;
	int rc;

	memset(&v, 0, sizeof(v));
	read_form(r, &v.f);
	actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = vendor_create(r->app->db, r->sess->practice_id, &a, &v.f, &id,
	    &err);
	if (rc == ALC_EINVAL)
		return render_form(r, 422, &v, arena_strdup(r->arena, err.user));
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/vendors/%lld?done=saved", (long long)id));
}

static int
load(struct req *r, struct vendor *v)
{
	int64_t id = cmpweb_parse_id(req_param(r, "id"));

	if (id == 0)
		return ALC_ENOTFOUND;
	return vendor_get(r->app->db, r->arena, r->sess->practice_id, id, v);
}

int
page_vendor(struct req *r)
{
	const char *d = req_query(r, "done");
	struct vendor v;
	int rc;

	if ((rc = load(r, &v)) != 0)
		return rc;
	if (d != NULL && strcmp(d, "saved") == 0)
		page_flash(r, "success", "The vendor is saved.");
	if (d != NULL && strcmp(d, "retired") == 0)
		page_flash(r, "success", "The vendor is retired. Its record is "
		    "kept.");
	return render_form(r, 200, &v, NULL);
}

int
page_vendor_update(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct vendor v;
	int rc;

	if ((rc = load(r, &v)) != 0)
		return rc;
	read_form(r, &v.f);
	actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = vendor_update(r->app->db, r->sess->practice_id, &a, v.id, &v.f,
	    &err);
	if (rc == ALC_EINVAL)
		return render_form(r, 422, &v, arena_strdup(r->arena, err.user));
	if (rc == ALC_ENOTFOUND && v.retired)
		return render_form(r, 409, &v, "This vendor is retired and cannot "
		    "change.");
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/vendors/%lld?done=saved", (long long)v.id));
}

int
page_vendor_retire(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	struct vendor v;
	int rc;

	if ((rc = load(r, &v)) != 0)
		return rc;
	actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = vendor_retire(r->app->db, r->sess->practice_id, &a, v.id,
	    cmpweb_today(r), &err);
	if (rc == ALC_ECONFLICT)
		return render_form(r, 409, &v, arena_strdup(r->arena, err.user));
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/vendors/%lld?done=retired", (long long)v.id));
}
