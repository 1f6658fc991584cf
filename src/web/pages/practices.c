/*
 * pages/practices.c - the practice switcher: /account/practices lists the
 * practices the signed-in person belongs to, with their roles in each,
 * and moves their session to another one.
 *
 * Switching is a privilege change (other roles, other records), so it
 * goes through session_switch (core/users/users.h): the membership is
 * checked there (a practice the person is not in answers 404, as any
 * record of another practice does), the session id is replaced as at
 * sign-in, and the event lands in both practices' audit trails.  The new
 * practice's MFA rule applies at once: when it requires two-step sign-in
 * and the person has not set it up, /home sends them to enrolment first
 * (authz_stage_path).  The account menu offers the page only to people in
 * more than one practice (page.c).
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/session.h"
#include "web/views_account.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/users/users.h"
#include "crypto/password.h"
#include "templates.h"

#include <string.h>

#define MAX_PRACTICES 50

int
page_practices(struct req *r)
{
	struct user_practice *up;
	struct practice_row_view *rows;
	struct practices_view v;
	struct buf body;
	size_t n, i;
	int rc;

	up = arena_alloc(r->arena, MAX_PRACTICES * sizeof(*up));
	rows = arena_alloc(r->arena, MAX_PRACTICES * sizeof(*rows));
	if (up == NULL || rows == NULL)
		return ALC_ENOMEM;
	if ((rc = user_practices(r->app->db, r->sess->user_id, up,
	    MAX_PRACTICES, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		rows[i].id = arena_printf(r->arena, "%lld", (long long)up[i].id);
		rows[i].name = up[i].name;
		rows[i].roles = staff_role_labels(r, up[i].roles);
		rows[i].current = up[i].id == r->sess->practice_id;
	}
	memset(&v, 0, sizeof(v));
	v.rows = rows;
	v.n_rows = n;
	v.others = n > 1;
	v.csrf = r->sess->csrf;
	buf_init(&body, r->arena);
	tmpl_account_practices(&body, &v);
	return page_send(r, 200, "Your practices", &body);
}

int
page_practice_switch(struct req *r)
{
	int64_t pid = staff_parse_id(req_form(r, "practice"));
	char token[RAND_TOKEN_SIZE];
	struct audit_event who;
	struct session *se;
	int rc;

	if (pid == 0)
		return ALC_ENOTFOUND;
	if (pid == r->sess->practice_id)
		return resp_redirect(r, 303, "/home");
	if ((se = arena_alloc(r->arena, sizeof(*se))) == NULL)
		return ALC_ENOMEM;
	web_audit_who(r, &who);
	rc = session_switch(r->app->db, r->sess, pid, r->addr,
	    req_header(r, "User-Agent"), time_now_ms(), &who, token, se);
	if (rc == 0) {
		web_session_cookie(r, token);
		r->sess = se;
	}
	crypto_wipe(token, sizeof(token));
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, "/home");
}
