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
	{HTTP_GET, "/", ACT_PUBLIC, page_home},
	{HTTP_GET, "/login", ACT_PUBLIC, page_login_form},
	{HTTP_GET, "/healthz", ACT_PUBLIC, page_healthz},
	{HTTP_GET, "/static/*", ACT_PUBLIC, page_static},
};
const unsigned routes_count = sizeof(routes) / sizeof(routes[0]);
