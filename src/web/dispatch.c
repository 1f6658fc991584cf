/*
 * dispatch.c - route, authorize, run the handler, or render the error.
 */
#include "web/dispatch.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/router.h"
#include "web/render.h"
#include "web/session.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/log.h"

#include <string.h>

static const char *
allow_header(struct req *r, unsigned methods)
{
	static const struct { unsigned bit; const char *name; } tab[] = {
		{HTTP_GET, "GET, HEAD"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"},
		{HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"},
	};
	struct buf b;
	size_t i;

	buf_init(&b, r->arena);
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (methods & tab[i].bit) {
			if (b.len)
				buf_puts(&b, ", ");
			buf_puts(&b, tab[i].name);
		}
	return buf_failed(&b) ? "GET, HEAD" : buf_cstr(&b);
}

static int
status_of(int rc)
{
	switch (rc) {
	case ALC_ENOTFOUND: return 404;
	case ALC_EPERM: return 403;
	case ALC_ETOOBIG: return 413;
	case ALC_EBUSY: return 503;
	default: return 500;
	}
}

/* Signed-out visitors go to sign in, and come back afterwards to the page
 * they asked for (GET only: a form submission cannot be replayed). */
static void
redirect_to_login(struct req *r)
{
	struct buf loc;

	buf_init(&loc, r->arena);
	buf_puts(&loc, "/login");
	if (r->method == HTTP_GET && strcmp(r->path, "/") != 0) {
		buf_puts(&loc, "?next=");
		url_encode_component(&loc, r->path);
	}
	if (r->session_ended != NULL)
		buf_printf(&loc, "%cended=%s", r->method == HTTP_GET &&
		    strcmp(r->path, "/") != 0 ? '&' : '?', r->session_ended);
	resp_redirect(r, 303, buf_failed(&loc) ? "/login" : buf_cstr(&loc));
}

void
dispatch(struct req *r)
{
	const struct route *rt = NULL;
	unsigned allowed;
	int rc;

	switch (router_find(r, &rt, &allowed)) {
	case ROUTE_NO_PATH:
		dispatch_error(r, 404);
		return;
	case ROUTE_NO_METHOD:
		dispatch_error(r, r->method == HTTP_OPTIONS ? 204 : 405);
		resp_header(r, "Allow", allow_header(r, allowed));
		return;
	case ROUTE_FOUND:
		break;
	}
	if ((rc = web_session_load(r)) != 0) {
		log_error("session lookup failed", "rid=%s rc=%d", r->rid, rc);
		dispatch_error(r, status_of(rc));
		return;
	}
	if ((rc = authz_check(r, rt->action)) == ALC_EAUTH) {
		/* A session still owing its second factor (or MFA setup) is
		 * sent back to finish it, from wherever it tried to go. */
		if (authz_stage_path(r) != NULL)
			resp_redirect(r, 303, authz_stage_path(r));
		else
			redirect_to_login(r);
		return;
	}
	if (rc != 0) {
		dispatch_error(r, status_of(rc));
		return;
	}
	if (!(r->method & (HTTP_GET | HTTP_HEAD)) && web_csrf_check(r) != 0) {
		log_warn("csrf token missing or wrong", "rid=%s", r->rid);
		page_error_msg(r, 403, "This form has expired", "For your "
		    "security, forms stop working after a while or after you sign "
		    "out. Go back, reload the page and try again.");
		return;
	}
	if ((rc = rt->handler(r)) != 0) {
		if (rc != ALC_ENOTFOUND && rc != ALC_EPERM)
			log_error("handler failed", "rid=%s path=%s rc=%d (%s)",
			    r->rid, rt->pattern, rc, alc_strerror(rc));
		dispatch_error(r, status_of(rc));
	}
}

void
dispatch_error(struct req *r, int status)
{
	r->nheaders = 0;
	r->cache = CACHE_NO_STORE;
	r->content_type = NULL;
	r->out_static = NULL;
	buf_reset(&r->out);
	r->out.failed = 0;
	if (status == 204) {
		r->status = 204;
		return;
	}
	page_error(r, status);
}
