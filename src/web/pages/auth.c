/*
 * pages/auth.c - signing in and out.
 *
 * Before there is a session, the sign-in form is protected against
 * cross-site request forgery with a double-submit token (web/session.h).
 * A successful sign-in always starts a new session with a new token, so a
 * token planted before sign-in (session fixation) is worthless.
 */
#include "web/pages/pages.h"
#include "web/http.h"
#include "web/audit_web.h"
#include "web/page.h"
#include "web/render.h"
#include "web/server.h"
#include "web/session.h"
#include "web/views.h"
#include "base/arena.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdio.h>
#include <string.h>

#define EMAIL_MAX 254

/* Only a local path may follow sign-in: "/x", never "//host" or "/\\host". */
const char *
page_safe_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' ||
	    next[1] == '\\' || strlen(next) > 512 || strpbrk(next, "\r\n"))
		return NULL;
	return next;
}

static const char *
ended_notice(const char *why)
{
	if (why == NULL)
		return NULL;
	if (strcmp(why, "idle") == 0)
		return "You were signed out after a period of inactivity. Please "
		    "sign in again.";
	if (strcmp(why, "expired") == 0)
		return "Your session reached its time limit. Please sign in again.";
	if (strcmp(why, "revoked") == 0 || strcmp(why, "deactivated") == 0)
		return "Your session was ended. Please sign in again.";
	if (strcmp(why, "logout") == 0)
		return "You have been signed out.";
	if (strcmp(why, "password") == 0)
		return "Your password has been changed. Sign in with your new "
		    "password.";
	return NULL;
}

static int
render_login(struct req *r, int status, const char *email, const char *error,
    const char *next)
{
	struct login_view v;
	struct buf body;

	memset(&v, 0, sizeof(v));
	if ((v.csrf = web_csrf_token(r)) == NULL)
		return ALC_ENOMEM;
	v.email = email;
	v.error = error;
	v.next = page_safe_next(next);
	v.notice = error ? NULL : ended_notice(req_query(r, "ended"));
	buf_init(&body, r->arena);
	tmpl_auth_login(&body, &v);
	return page_send(r, status, "Sign in", &body);
}

int
page_login_form(struct req *r)
{
	if (r->sess != NULL)
		return resp_redirect(r, 303, "/home");
	return render_login(r, 200, NULL, NULL, req_query(r, "next"));
}

static int
start_session(struct req *r, const struct auth_result *ar, const char *next)
{
	char token[RAND_TOKEN_SIZE];
	struct audit_event who;
	struct session se;
	struct buf loc;
	int rc;

	web_audit_who(r, &who);
	rc = session_create(r->app->db, ar->user_id, ar->practice_id, r->addr,
	    req_header(r, "User-Agent"), time_now_ms(), &who, token, &se);
	if (rc != 0)
		return rc;
	web_session_cookie(r, token);
	resp_cookie(r, CSRF_COOKIE, "", 0);
	log_info(se.stage == SESSION_FULL ? "signed in" : "password accepted",
	    "rid=%s user=%lld stage=%d", r->rid, (long long)ar->user_id,
	    (int)se.stage);
	/* MFA: the code comes next (keeping where to go), or its setup. */
	if (se.stage == SESSION_MFA_ENROL)
		return resp_redirect(r, 303, "/account/mfa");
	if (se.stage == SESSION_MFA_PENDING) {
		buf_init(&loc, r->arena);
		buf_puts(&loc, "/login/mfa");
		if (page_safe_next(next) != NULL) {
			buf_puts(&loc, "?next=");
			url_encode_component(&loc, next);
		}
		return resp_redirect(r, 303, buf_failed(&loc) ? "/login/mfa" :
		    buf_cstr(&loc));
	}
	return resp_redirect(r, 303, page_safe_next(next) ? next : "/home");
}

int
page_login_submit(struct req *r)
{
	const char *email = req_form(r, "email"), *pw = req_form(r, "password");
	const char *next = req_form(r, "next");
	struct auth_result ar;
	struct audit_event who;
	char msg[160];
	int rc;

	if (email == NULL || email[0] == '\0' || pw == NULL || pw[0] == '\0')
		return render_login(r, 422, email, "Enter your e-mail address "
		    "and your password.", next);
	if (strlen(email) > EMAIL_MAX)
		return render_login(r, 422, NULL, "That e-mail address is too "
		    "long.", next);
	web_audit_who(r, &who);
	if ((rc = auth_login(r->app->db, email, pw, r->addr, time_now_ms(),
	    &who, &ar)) != 0)
		return rc;
	switch (ar.status) {
	case AUTH_OK:
		return start_session(r, &ar, next);
	case AUTH_LOCKED:
		log_warn("sign-in throttled", "rid=%s addr=%s retry_s=%d",
		    r->rid, r->addr, ar.retry_after_s);
		snprintf(msg, sizeof(msg), "Too many failed attempts. Please wait "
		    "%d second%s and try again, or ask your administrator.",
		    ar.retry_after_s, ar.retry_after_s == 1 ? "" : "s");
		return render_login(r, 429, email,
		    arena_strdup(r->arena, msg), next);
	case AUTH_NO_PRACTICE:
		return render_login(r, 403, email, "Your account is not part of "
		    "any practice yet. Ask your practice administrator.", next);
	case AUTH_BAD:
		break;
	}
	log_info("sign-in failed", "rid=%s addr=%s", r->rid, r->addr);
	return render_login(r, 401, email, "That e-mail address and password "
	    "do not match an active account.", next);
}

int
page_logout(struct req *r)
{
	struct audit_event who;
	int rc;

	web_audit_who(r, &who);
	if ((rc = session_end(r->app->db, r->sess, "logout", time_now_ms(),
	    &who)) != 0)
		return rc;
	web_session_cookie(r, NULL);
	log_info("signed out", "rid=%s user=%lld", r->rid,
	    (long long)r->sess->user_id);
	return resp_redirect(r, 303, "/login?ended=logout");
}
