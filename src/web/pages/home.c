/*
 * pages/home.c - the front door: signed-out visitors go to sign in.
 */
#include "web/pages/pages.h"
#include "web/http.h"

int
page_home(struct req *r)
{
	return resp_redirect(r, 303, "/login");
}
