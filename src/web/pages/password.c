/*
 * pages/password.c - "Forgot your password?" and choosing a new one from
 * the link in the e-mail (core/users/reset.h).
 *
 * /password/forgot answers every well-formed address with the same page,
 * status and (through reset_request) the same work, so it cannot tell
 * anyone whether an address has an account.  The link's token arrives in
 * the query string of GET /password/reset and is carried in a hidden
 * field of the form, so the POST goes to a URL without it.  Access logs
 * never contain query strings, and Referrer-Policy: no-referrer keeps the
 * token from leaking to other sites.
 *
 * Links are built from server.public_url, never from the request's Host
 * header (which an attacker controls: a forged Host would otherwise send
 * the victim a link to the attacker's site carrying a real token).
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/session.h"
#include "web/views_password.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/practice/practice.h"
#include "core/users/reset.h"
#include "templates.h"

#include <string.h>

#define EMAIL_MAX 254

/* server.public_url, or the address the server listens on, without a
 * trailing '/'. */
static const char *
base_url(struct req *r)
{
	const char *pub = r->app->cfg->server.public_url;
	size_t n;

	if ((pub == NULL || pub[0] == '\0') && r->app->origin != NULL)
		return r->app->origin;
	if (pub == NULL || pub[0] == '\0') /* a request during start-up */
		return arena_printf(r->arena, "https://%s:%d",
		    r->app->cfg->server.host, r->app->cfg->server.port);
	n = strlen(pub);
	while (n > 0 && pub[n - 1] == '/')
		n--;
	return arena_strndup(r->arena, pub, n);
}

static int
render_forgot(struct req *r, int status, const char *email,
    const char *error)
{
	struct forgot_view v;
	struct buf body;

	memset(&v, 0, sizeof(v));
	if ((v.csrf = web_csrf_token(r)) == NULL)
		return ALC_ENOMEM;
	v.email.name = "email";
	v.email.label = "E-mail address";
	v.email.type = "email";
	v.email.value = email;
	v.email.error = error;
	v.email.autocomplete = "username";
	v.email.required = 1;
	v.email.autofocus = 1;
	buf_init(&body, r->arena);
	tmpl_password_forgot(&body, &v);
	return page_send(r, status, "Reset your password", &body);
}

int
page_password_forgot_form(struct req *r)
{
	return render_forgot(r, 200, NULL, NULL);
}

int
page_password_forgot_submit(struct req *r)
{
	const char *email = req_form(r, "email");
	struct forgot_sent_view v;
	struct buf body;
	int rc, queued = 0;

	if (email == NULL || email[0] == '\0')
		return render_forgot(r, 422, NULL, "Enter your e-mail address.");
	if (strlen(email) > EMAIL_MAX || !practice_email_ok(email))
		return render_forgot(r, 422, strlen(email) > EMAIL_MAX ? NULL :
		    email, "Enter an e-mail address such as name@example.org.");
	if ((rc = reset_request(r->app->db, email, base_url(r), r->addr,
	    time_now_ms(), &queued)) != 0)
		return rc;
	/* The log says whether a mail was queued (operators need that); the
	 * page never does.  No address in the log. */
	log_info("password reset requested", "rid=%s queued=%d", r->rid,
	    queued);
	memset(&v, 0, sizeof(v));
	v.minutes = (int)(RESET_TTL_MS / 60000);
	buf_init(&body, r->arena);
	tmpl_password_sent(&body, &v);
	return page_send(r, 200, "Check your e-mail", &body);
}

/* The page for a link that cannot be used, with a way to ask again. */
static int
render_invalid(struct req *r, enum reset_status st)
{
	struct reset_invalid_view v;
	struct buf body;
	int status = 404;

	memset(&v, 0, sizeof(v));
	if (st == RESET_EXPIRED) {
		status = 410;
		v.title = "This link has expired";
		/* The same page serves invitations (72 hours), so no figure. */
		v.message = "Links to set a password stop working after a "
		    "while, for your security. Ask for a new one and use it soon "
		    "after it arrives; for an invitation, ask your practice "
		    "administrator to send it again.";
	} else if (st == RESET_USED) {
		status = 410;
		v.title = "This link has already been used";
		v.message = "Each password reset link works only once. If you "
		    "did not change your password yourself, ask for a new link "
		    "and tell your practice administrator.";
	} else {
		v.title = "This link does not work";
		v.message = "The link may be incomplete: open it straight from "
		    "the e-mail, or ask for a new one.";
	}
	buf_init(&body, r->arena);
	tmpl_password_invalid(&body, &v);
	return page_send(r, status, v.title, &body);
}

static const char *
pw_hint(void)
{
	return "At least 15 characters (8 if you use two-step sign-in). Any "
	    "characters are fine, spaces too: a few unrelated words are easy "
	    "to remember. Not your name, e-mail address or the practice's "
	    "name.";
}

static int
render_reset(struct req *r, int status, const char *token,
    const char *pw_error, const char *pw2_error)
{
	struct reset_view v;
	struct buf body;

	memset(&v, 0, sizeof(v));
	if ((v.csrf = web_csrf_token(r)) == NULL)
		return ALC_ENOMEM;
	v.token = token;
	v.error = pw_error || pw2_error ? "Your password was not changed. "
	    "See below." : NULL;
	v.password.name = "password";
	v.password.label = "New password";
	v.password.type = "password";
	v.password.hint = pw_hint();
	v.password.error = pw_error;
	v.password.autocomplete = "new-password";
	v.password.required = 1;
	v.password.autofocus = 1;
	v.password2.name = "password2";
	v.password2.label = "The new password again";
	v.password2.type = "password";
	v.password2.error = pw2_error;
	v.password2.autocomplete = "new-password";
	v.password2.required = 1;
	buf_init(&body, r->arena);
	tmpl_password_reset(&body, &v);
	return page_send(r, status, "Choose a new password", &body);
}

int
page_password_reset_form(struct req *r)
{
	const char *token = req_query(r, "token");
	enum reset_status st;
	int rc;

	if ((rc = reset_peek(r->app->db, token, time_now_ms(), &st)) != 0)
		return rc;
	if (st != RESET_OK)
		return render_invalid(r, st);
	return render_reset(r, 200, token, NULL, NULL);
}

int
page_password_reset_submit(struct req *r)
{
	const char *token = req_form(r, "token"), *pw = req_form(r, "password");
	const char *pw2 = req_form(r, "password2");
	struct reset_result res;
	struct audit_event who;
	int rc;

	if (pw == NULL || pw[0] == '\0')
		return render_reset(r, 422, token, pwpol_reason(PWPOL_EMPTY, 0),
		    NULL);
	if (pw2 == NULL || strcmp(pw, pw2) != 0)
		return render_reset(r, 422, token, NULL, "The two passwords are "
		    "not the same. Type the new password twice.");
	web_audit_who(r, &who);
	if ((rc = reset_complete(r->app->db, token, pw, time_now_ms(), &who,
	    &res)) != 0)
		return rc;
	if (res.status == RESET_REFUSED)
		return render_reset(r, 422, token,
		    pwpol_reason(res.verdict, res.has_mfa), NULL);
	if (res.status != RESET_OK)
		return render_invalid(r, res.status);
	log_info("password reset", "rid=%s user=%lld sessions_ended=%lld",
	    r->rid, (long long)res.user_id, (long long)res.sessions_ended);
	if (r->sess != NULL)
		web_session_cookie(r, NULL);
	return resp_redirect(r, 303, "/login?ended=password");
}
