/*
 * dispatch.c - route, authorize, run the handler, or render the error.
 */
#include "web/dispatch.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/router.h"
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
	if ((rc = authz_check(r, rt->action)) == ALC_EAUTH) {
		resp_redirect(r, 303, "/login");
		return;
	}
	if (rc != 0) {
		dispatch_error(r, status_of(rc));
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
