/*
 * dispatch.h - from a parsed request to a filled response.
 *
 * dispatch() finds the route (404 when no pattern matches, 405 with an
 * Allow header when the path matches but the method does not), checks the
 * route's action with the authorization layer (403), runs the handler and
 * turns a handler error into an error page.  HEAD is served by the GET
 * handler; the server drops the body.
 */
#ifndef ALC_WEB_DISPATCH_H
#define ALC_WEB_DISPATCH_H

struct req;

void dispatch(struct req *r);
/* Replaces whatever response r holds with the error page for status. */
void dispatch_error(struct req *r, int status);

#endif
