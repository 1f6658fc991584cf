/*
 * authz.c - the authorization decision for each route's action.
 *
 * Deny by default: an action that is not listed here is refused.
 */
#include "web/authz.h"
#include "web/http.h"
#include "base/arena.h"
#include "base/err.h"
#include "core/users/users.h"

int
authz_check(struct req *r, enum action a)
{
	switch (a) {
	case ACT_PUBLIC:
		return 0;
	case ACT_SIGNED_IN:
		return r->sess != NULL ? 0 : ALC_EAUTH;
	}
	return ALC_EPERM;
}

const char *
authz_action_name(enum action a)
{
	switch (a) {
	case ACT_PUBLIC: return "public";
	case ACT_SIGNED_IN: return "signed-in";
	}
	return "unknown";
}
