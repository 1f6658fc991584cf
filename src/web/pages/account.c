/*
 * pages/account.c - the signed-in user's own account: where they are
 * signed in, and signing out everywhere else.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_account.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/users/users.h"
#include "templates.h"

#include <string.h>

#define MAX_SESSIONS 50

/* "Firefox on Linux" from a User-Agent header, without pretending to be a
 * full parser: enough for a person to recognise their own devices. */
static const char *
browser_of(const char *ua)
{
	static const char *const browsers[][2] = {
		{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"},
		{"Safari/", "Safari"}, {"curl/", "curl"},
	};
	size_t i;

	for (i = 0; ua != NULL && i < sizeof(browsers) / sizeof(browsers[0]); i++)
		if (strstr(ua, browsers[i][0]) != NULL)
			return browsers[i][1];
	return "Unknown browser";
}

static const char *
system_of(const char *ua)
{
	static const char *const systems[][2] = {
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"},
		{"Windows", "Windows"}, {"Mac OS X", "Mac"}, {"Linux", "Linux"},
	};
	size_t i;

	for (i = 0; ua != NULL && i < sizeof(systems) / sizeof(systems[0]); i++)
		if (strstr(ua, systems[i][0]) != NULL)
			return systems[i][1];
	return NULL;
}

static const char *
when(struct req *r, int64_t ms)
{
	char iso[32];

	time_format_iso(iso, sizeof(iso), ms);
	/* "2026-11-25T09:14:03.123Z" -> "2026-11-25 09:14 UTC" */
	return arena_printf(r->arena, "%.10s %.5s UTC", iso, iso + 11);
}

int
page_sessions(struct req *r)
{
	struct session_info *si;
	struct session_row_view *rows;
	struct sessions_view v;
	struct buf body;
	size_t n, i;
	int rc;

	si = arena_alloc(r->arena, MAX_SESSIONS * sizeof(*si));
	rows = arena_alloc(r->arena, MAX_SESSIONS * sizeof(*rows));
	if (si == NULL || rows == NULL)
		return ALC_ENOMEM;
	if ((rc = session_list(r->app->db, r->sess->user_id, time_now_ms(), si,
	    MAX_SESSIONS, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		const char *sys = system_of(si[i].user_agent);
		rows[i].browser = sys ? arena_printf(r->arena, "%s on %s",
		    browser_of(si[i].user_agent), sys) :
		    browser_of(si[i].user_agent);
		rows[i].addr = si[i].addr;
		rows[i].started = when(r, si[i].created_at);
		rows[i].last_seen = when(r, si[i].last_seen_at);
		rows[i].current = si[i].id == r->sess->id;
	}
	memset(&v, 0, sizeof(v));
	v.rows = rows;
	v.n_rows = n;
	v.others = n > 1;
	v.csrf = r->sess->csrf;
	if (strcmp(req_query(r, "done") ? req_query(r, "done") : "", "ended")
	    == 0)
		page_flash(r, "success", "You have been signed out everywhere "
		    "else.");
	buf_init(&body, r->arena);
	tmpl_account_sessions(&body, &v);
	return page_send(r, 200, "Where you are signed in", &body);
}

int
page_sessions_end_others(struct req *r)
{
	struct audit_event who;
	int64_t ended;
	int rc;

	web_audit_who(r, &who);
	if ((rc = session_end_others(r->app->db, r->sess, "revoked",
	    time_now_ms(), &who, &ended)) != 0)
		return rc;
	return resp_redirect(r, 303, "/account/sessions?done=ended");
}

/* The "Stay signed in" button of the idle warning: this request itself
 * refreshed the session (web_session_load); nothing else to do. */
int
page_session_keepalive(struct req *r)
{
	r->status = 204;
	return 0;
}
