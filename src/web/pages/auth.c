/*
 * pages/auth.c - the sign-in page.
 *
 * Before there is a session, the form is protected against cross-site
 * request forgery with a double-submit token: a random token in a
 * SameSite=Strict, HttpOnly cookie and the same token in a hidden field.
 * A cross-site page can neither read the cookie nor make the browser send
 * it, so it cannot produce a matching pair.
 */
#include "web/pages/pages.h"
#include "web/http.h"
#include "web/page.h"
#include "web/views.h"
#include "base/arena.h"
#include "base/err.h"
#include "crypto/random.h"
#include "templates.h"

#include <string.h>

#define CSRF_COOKIE "alcove_csrf"
#define TOKEN_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* The pre-session CSRF token: reuse the browser's, or issue one. */
static const char *
login_csrf(struct req *r)
{
	const char *t = req_cookie(r, CSRF_COOKIE);
	char *fresh;
	size_t i;

	if (t != NULL && strlen(t) == RAND_TOKEN_LEN) {
		for (i = 0; i < RAND_TOKEN_LEN; i++)
			if (strchr(TOKEN_CHARS, t[i]) == NULL)
				break;
		if (i == RAND_TOKEN_LEN)
			return t;
	}
	if ((fresh = arena_alloc(r->arena, RAND_TOKEN_SIZE)) == NULL)
		return NULL;
	rand_token(fresh, RAND_TOKEN_SIZE);
	resp_cookie(r, CSRF_COOKIE, fresh, -1);
	return fresh;
}

int
page_login_form(struct req *r)
{
	struct login_view v;
	struct buf body;

	memset(&v, 0, sizeof(v));
	if ((v.csrf = login_csrf(r)) == NULL)
		return ALC_ENOMEM;
	buf_init(&body, r->arena);
	tmpl_auth_login(&body, &v);
	return page_send(r, 200, "Sign in", &body);
}
