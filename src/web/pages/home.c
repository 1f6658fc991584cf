/*
 * pages/home.c - the front door and the signed-in start page, with its
 * short "What needs you" card: the person's own compliance tasks overdue
 * or due within 30 days and the policies they still have to attest to
 * (core/compliance/dashboard.h), linking to the dashboard.
 */
#include "web/pages/pages.h"
#include "web/http.h"
#include "web/authz.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_account.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/compliance/compliance.h"
#include "core/compliance/dashboard.h"
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

static int
fill_needs(struct req *r, struct home_view *v)
{
	struct home_need_view *o;
	struct dash_task *t;
	struct caldate today;
	int64_t pending = 0;
	size_t n, i;
	int rc;

	if (authz_check(r, ACT_COMPLIANCE_VIEW) != 0)
		return 0;
	if (compliance_practice_today(r->app->db, r->sess->practice_id,
	    time_now_ms(), &today) != 0)
		today = caldate_from_days(time_now_ms() / 86400000);
	if ((rc = dashboard_mine(r->app->db, r->arena, r->sess->practice_id,
	    r->sess->user_id, today, &t, &n, &pending)) != 0)
		return rc;
	if ((o = arena_alloc(r->arena, (n + 1) * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		char buf[48];
		struct caldate d;

		o[i].id = (long long)t[i].id;
		o[i].title = t[i].title;
		o[i].due = t[i].due;
		o[i].overdue = t[i].days < 0;
		if (caldate_parse(t[i].due, &d) == 0)
			o[i].words = arena_strdup(r->arena, compliance_due_words(d,
			    today, buf, sizeof(buf)));
	}
	v->show_needs = 1;
	v->needs = o;
	v->n_needs = n;
	if (pending > 0)
		v->policies_text = arena_printf(r->arena, "%lld polic%s to read "
		    "and attest to", (long long)pending, pending == 1 ? "y" : "ies");
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
	    &n)) != 0 || (rc = fill_needs(r, &v)) != 0)
		return rc;
	v.sessions_text = arena_printf(r->arena, "%zu device%s", n,
	    n == 1 ? "" : "s");
	buf_init(&body, r->arena);
	tmpl_home_index(&body, &v);
	return page_send(r, 200, "Home", &body);
}
