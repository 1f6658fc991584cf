/*
 * routes.c - the whole HTTP surface of Alcove, one row per route.
 *
 * Order matters only where patterns overlap: the first row whose pattern
 * and method match wins.  Every row names the action authorization checks
 * before the handler runs (web/authz.c).
 */
#include "web/router.h"
#include "web/pages/pages.h"

const struct route routes[] = {
	{HTTP_GET, "/", ACT_PUBLIC, page_root},
	{HTTP_GET, "/login", ACT_PUBLIC, page_login_form},
	{HTTP_POST, "/login", ACT_PUBLIC, page_login_submit},
	{HTTP_POST, "/logout", ACT_SIGNED_IN, page_logout},
	{HTTP_GET, "/home", ACT_SIGNED_IN, page_home},
	{HTTP_GET, "/account/sessions", ACT_SIGNED_IN, page_sessions},
	{HTTP_POST, "/account/sessions/end-others", ACT_SIGNED_IN,
	    page_sessions_end_others},
	{HTTP_GET, "/healthz", ACT_PUBLIC, page_healthz},
	{HTTP_GET, "/static/*", ACT_PUBLIC, page_static},
};
const unsigned routes_count = sizeof(routes) / sizeof(routes[0]);
