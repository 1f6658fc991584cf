/*
 * pages/staff_requests.c - invitation requests waiting on /staff, and an
 * owner's Approve or Decline (core/users/invite_request.h).
 *
 * Owners and administrators see the waiting requests with who asked and
 * why; the forms are shown to owners, except on their own request when
 * another owner could decide it (the core refuses it too).  Approving
 * sends the invitation (or the "added" e-mail) and opens the person's
 * page; declining needs a reason, and a missing one is shown next to that
 * request's field with /staff rendered again.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_staff.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "core/users/admin.h"
#include "core/users/invite_request.h"
#include "core/users/users.h"

#include <string.h>

#define MAX_REQUESTS 100

static void
fill_row(struct req *r, const struct invite_request_row *q, int owner,
    struct staff_request_view *o)
{
	o->id = arena_printf(r->arena, "%lld", (long long)q->id);
	o->name = q->name;
	o->email = q->email;
	o->roles = staff_role_labels(r, roles_parse_list(q->roles));
	o->reason = q->reason;
	o->requester = q->requester ? q->requester : "the command line";
	o->when = staff_when(r, q->requested_at, "");
	o->approve = arena_printf(r->arena, "/staff/requests/%lld/approve",
	    (long long)q->id);
	o->decline = arena_printf(r->arena, "/staff/requests/%lld/decline",
	    (long long)q->id);
	/* The core decides the sole-owner exception; offer the forms to
	 * every owner, and say so on the refusal. */
	o->can_decide = owner;
}

int
staff_fill_requests(struct req *r, struct staff_view *v, int64_t err_id,
    const char *note, const char *error)
{
	struct invite_request_row *rows;
	struct staff_request_view *o;
	size_t n, i;
	int owner = authz_roles_allow(r->sess->roles, ACT_INVITE_APPROVE), rc;

	if ((rc = invite_requests_pending(r->app->db, r->arena,
	    r->sess->practice_id, MAX_REQUESTS, &rows, &n)) != 0)
		return rc;
	if ((o = arena_alloc(r->arena, (n + 1) * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		fill_row(r, &rows[i], owner, &o[i]);
		if (rows[i].id == err_id) {
			o[i].note = note;
			o[i].error = error;
		}
	}
	v->requests = o;
	v->n_requests = n;
	v->can_approve = owner;
	return 0;
}

/* /staff again with a message: on request rid's row (field) when it is
 * still waiting, else at the top of the page (a request already decided
 * is no longer listed, so its row cannot carry the message). */
static int
again(struct req *r, int status, int64_t rid, const char *note,
    const char *error)
{
	struct staff_view v;
	size_t i;
	int rc, shown = 0;

	memset(&v, 0, sizeof(v));
	if ((rc = staff_index_manage(r, &v)) != 0 ||
	    (rc = staff_fill_requests(r, &v, rid, note, error)) != 0)
		return rc;
	for (i = 0; i < v.n_requests; i++)
		shown |= v.requests[i].error != NULL;
	if (!shown && error != NULL)
		page_flash(r, "error", error);
	return staff_index_send(r, status, &v);
}

int
page_staff_request_approve(struct req *r)
{
	int64_t rid = staff_parse_id(req_param(r, "id")), uid;
	struct audit_event who;
	struct invite_mail im;
	struct alc_err err;
	int added, rc;

	if (rid == 0)
		return ALC_ENOTFOUND;
	im.base_url = staff_base_url(r);
	im.practice = r->sess->practice_name;
	im.inviter = r->sess->user_name;
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = invite_request_approve(r->app->db, r->sess->practice_id, rid, &im,
	    &who, &uid, &added, &err);
	if (rc == ALC_EPERM || rc == ALC_ECONFLICT || rc == ALC_EEXIST)
		return again(r, rc == ALC_EPERM ? 403 : 409, rid, NULL,
		    err.user);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/staff/%lld?done=%s", (long long)uid, added ? "added" : "invited"));
}

int
page_staff_request_decline(struct req *r)
{
	int64_t rid = staff_parse_id(req_param(r, "id"));
	const char *note = req_form(r, "note");
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (rid == 0)
		return ALC_ENOTFOUND;
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = invite_request_decline(r->app->db, r->sess->practice_id, rid, note,
	    &who, &err);
	if (rc == ALC_EINVAL || rc == ALC_EPERM || rc == ALC_ECONFLICT)
		return again(r, rc == ALC_EINVAL ? 422 : rc == ALC_EPERM ? 403 :
		    409, rid, note, err.user);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, "/staff?done=declined");
}
