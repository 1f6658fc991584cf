/*
 * pages/home.c - the front door and the signed-in start page.
 */
#include "web/pages/pages.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_account.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/users/users.h"
#include "templates.h"

#include <string.h>

int
page_root(struct req *r)
{
	return resp_redirect(r, 303, r->sess ? "/home" : "/login");
}

static int
fill_roles(struct req *r, struct home_view *v)
{
	struct label_view *labels;
	unsigned bit;
	size_t n = 0;

	if ((labels = arena_alloc(r->arena, 32 * sizeof(*labels))) == NULL)
		return ALC_ENOMEM;
	for (bit = 1; bit != 0 && n < 32; bit <<= 1)
		if (r->sess->roles & bit)
			labels[n++].text = role_label(bit);
	v->roles = labels;
	v->n_roles = n;
	return 0;
}

int
page_home(struct req *r)
{
	struct home_view v;
	struct buf body;
	size_t n = 0;
	int rc;

	memset(&v, 0, sizeof(v));
	v.greeting = "Welcome";
	v.user_name = r->sess->user_name;
	v.practice_name = r->sess->practice_name;
	if ((rc = fill_roles(r, &v)) != 0 ||
	    (rc = session_count(r->app->db, r->sess->user_id, time_now_ms(),
	    &n)) != 0)
		return rc;
	v.sessions_text = arena_printf(r->arena, "%zu device%s", n,
	    n == 1 ? "" : "s");
	buf_init(&body, r->arena);
	tmpl_home_index(&body, &v);
	return page_send(r, 200, "Home", &body);
}
