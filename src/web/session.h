/*
 * session.h - the session cookie and the CSRF check, between HTTP and
 * core/users.
 *
 * The cookie "alcove_session" carries the session token: Secure, HttpOnly,
 * SameSite=Strict, Path=/, no Max-Age (it dies with the browser; the
 * server enforces idle and absolute limits).  Every state-changing request
 * (anything but GET/HEAD) must carry a form field "csrf" equal to the
 * session's token, or, before sign-in, to the pre-session cookie
 * "alcove_csrf" (double submit).  Both are checked by the dispatcher before
 * any handler runs.
 */
#ifndef ALC_WEB_SESSION_H
#define ALC_WEB_SESSION_H

struct req;

#define SESSION_COOKIE "alcove_session"
#define CSRF_COOKIE "alcove_csrf"

/* Loads r->sess from the cookie (or sets r->session_ended). */
int web_session_load(struct req *r);
/* 0 when the request's CSRF token is right; ALC_EPERM otherwise. */
int web_csrf_check(struct req *r);
/* The token a form on this page must carry (session or pre-session),
 * issuing the pre-session cookie when needed.  NULL on OOM. */
const char *web_csrf_token(struct req *r);
/* Sets the session cookie (token) or clears it (NULL). */
int web_session_cookie(struct req *r, const char *token);

#endif
