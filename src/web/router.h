/*
 * router.h - the route table: method + path pattern -> action + handler.
 *
 * Patterns are literal segments, ":name" for one segment captured as a
 * parameter, and a final "*" for the rest of the path (captured as "*").
 * The whole surface of the application is the table in routes.c; every
 * row names the action that authorization checks before the handler runs,
 * so a route cannot forget its access rule.
 */
#ifndef ALC_WEB_ROUTER_H
#define ALC_WEB_ROUTER_H

#include "web/authz.h"
#include "web/http.h"

typedef int (*route_handler)(struct req *r);

struct route {
	unsigned methods; /* HTTP_* bits; GET implies HEAD */
	const char *pattern;
	enum action action;
	route_handler handler;
};

extern const struct route routes[];
extern const unsigned routes_count;

enum route_match { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD };

/* Finds the route for r's method and path and fills r's parameters.
 * On ROUTE_NO_METHOD, *allowed receives the methods the path accepts. */
enum route_match router_find(struct req *r, const struct route **out,
    unsigned *allowed);

/* Matches one pattern against a path; exposed for tests. */
int router_match(const char *pattern, const char *path, struct req *r);

#endif
