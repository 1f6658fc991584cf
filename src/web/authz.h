/*
 * authz.h - actions and the one place that decides who may perform them.
 *
 * Every route names an action.  authz_check() is called by the dispatcher
 * before any handler runs.  The identity issue fills in roles and the
 * role-to-action table; until a request carries an authenticated user,
 * only public actions are allowed.
 */
#ifndef ALC_WEB_AUTHZ_H
#define ALC_WEB_AUTHZ_H

struct req;

enum action {
	ACT_PUBLIC, /* anyone, signed in or not: sign-in page, health, assets */
	ACT_SIGNED_IN, /* any signed-in staff member */
};

/* 0 when allowed; ALC_EAUTH when the visitor must sign in first (the
 * dispatcher redirects to the sign-in page); ALC_EPERM when signed in but
 * not allowed (403). */
int authz_check(struct req *r, enum action a);
const char *authz_action_name(enum action a);

#endif
