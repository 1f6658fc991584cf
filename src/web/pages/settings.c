/*
 * pages/settings.c - the practice's security settings (owner, admin).
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_settings.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "core/practice/settings.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

static int
render(struct req *r, int status, const char *idle, const char *error,
    int mfa_all)
{
	struct settings_view v;
	struct buf body;

	memset(&v, 0, sizeof(v));
	v.idle_minutes = idle;
	v.idle_error = error;
	v.mfa_all_staff = mfa_all;
	v.csrf = r->sess->csrf;
	buf_init(&body, r->arena);
	tmpl_settings_index(&body, &v);
	return page_send(r, status, "Security settings", &body);
}

int
page_settings(struct req *r)
{
	struct practice_settings ps;
	int rc;

	if ((rc = settings_get(r->app->db, r->sess->practice_id, &ps)) != 0)
		return rc;
	if (strcmp(req_query(r, "done") ? req_query(r, "done") : "", "saved")
	    == 0)
		page_flash(r, "success", "The settings are saved.");
	return render(r, 200, arena_printf(r->arena, "%d", ps.idle_minutes),
	    NULL, ps.mfa_all_staff);
}

int
page_settings_save(struct req *r)
{
	const char *idle = req_form(r, "idle_minutes");
	struct practice_settings ps;
	struct audit_event who;
	struct alc_err err;
	char *end = NULL;
	long n = 0;
	int rc;

	ps.mfa_all_staff = req_form(r, "mfa_all_staff") != NULL;
	if (idle != NULL)
		n = strtol(idle, &end, 10);
	if (idle == NULL || end == idle || *end != '\0' ||
	    n < SETTINGS_IDLE_MIN || n > SETTINGS_IDLE_MAX)
		return render(r, 422, idle, "Enter a whole number of minutes "
		    "from 1 to 60.", ps.mfa_all_staff);
	ps.idle_minutes = (int)n;
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	if ((rc = settings_update(r->app->db, r->sess->practice_id, &ps, &who,
	    &err)) != 0)
		return rc;
	return resp_redirect(r, 303, "/settings?done=saved");
}
