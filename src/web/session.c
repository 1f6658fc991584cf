/*
 * session.c - session cookie, CSRF tokens.  See session.h.
 */
#include "web/session.h"
#include "web/http.h"
#include "web/audit_web.h"
#include "web/server.h"
#include "base/arena.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/users/users.h"
#include "crypto/hash.h"
#include "crypto/random.h"

#include <string.h>

#define TOKEN_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* A token as rand_token makes them; anything else is ignored unread. */
static int
token_shape_ok(const char *t)
{
	return t != NULL && strlen(t) == RAND_TOKEN_LEN &&
	    strspn(t, TOKEN_CHARS) == RAND_TOKEN_LEN;
}

int
web_session_load(struct req *r)
{
	const char *tok = req_cookie(r, SESSION_COOKIE);
	struct audit_event who;
	struct session *se;
	int rc;

	if (!token_shape_ok(tok))
		return 0;
	if ((se = arena_alloc(r->arena, sizeof(*se))) == NULL)
		return ALC_ENOMEM;
	web_audit_who(r, &who);
	rc = session_lookup(r->app->db, tok, time_now_ms(), &who, se);
	if (rc == 0)
		r->sess = se;
	else if (rc == ALC_EAUTH) {
		r->session_ended = se->ended;
		web_session_cookie(r, NULL);
	} else if (rc != ALC_ENOTFOUND)
		return rc;
	return 0;
}

const char *
web_csrf_token(struct req *r)
{
	const char *t;
	char *fresh;

	if (r->sess != NULL)
		return r->sess->csrf;
	if (token_shape_ok(t = req_cookie(r, CSRF_COOKIE)))
		return t;
	if ((fresh = arena_alloc(r->arena, RAND_TOKEN_SIZE)) == NULL)
		return NULL;
	rand_token(fresh, RAND_TOKEN_SIZE);
	resp_cookie(r, CSRF_COOKIE, fresh, -1);
	return fresh;
}

int
web_csrf_check(struct req *r)
{
	const char *want = r->sess ? r->sess->csrf : req_cookie(r, CSRF_COOKIE);
	const char *got = req_form(r, "csrf");

	return token_shape_ok(want) && crypto_streq(want, got) ? 0 : ALC_EPERM;
}

int
web_session_cookie(struct req *r, const char *token)
{
	return token ? resp_cookie(r, SESSION_COOKIE, token, -1) :
	    resp_cookie(r, SESSION_COOKIE, "", 0);
}
