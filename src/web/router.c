/*
 * router.c - matching paths against the route table (routes.c).
 *
 * A linear scan: the table is small and a scan of a few dozen patterns is
 * far cheaper than rendering any page.  Each pattern is matched segment by
 * segment without allocating, except for captured parameters, which are
 * copied into the request arena.
 */
#include "web/router.h"
#include "base/arena.h"

#include <string.h>

/* Length of the segment at p (up to '/' or the end). */
static size_t
seglen(const char *p)
{
	return strcspn(p, "/");
}

static int
capture(struct req *r, const char *name, size_t nlen, const char *v,
    size_t vlen)
{
	if (r == NULL)
		return 1;
	if (r->nparams >= REQ_MAX_PARAMS)
		return 0;
	r->param_name[r->nparams] = arena_strndup(r->arena, name, nlen);
	r->param_value[r->nparams] = arena_strndup(r->arena, v, vlen);
	if (r->param_name[r->nparams] == NULL ||
	    r->param_value[r->nparams] == NULL)
		return 0;
	r->nparams++;
	return 1;
}

int
router_match(const char *pat, const char *path, struct req *r)
{
	size_t pl, sl;

	if (r != NULL)
		r->nparams = 0;
	if (*pat != '/' || *path != '/')
		return 0;
	for (;;) {
		pat++;
		path++;
		if (strcmp(pat, "*") == 0)
			return capture(r, "*", 1, path, strlen(path));
		pl = seglen(pat);
		sl = seglen(path);
		if (*pat == ':') {
			/* A parameter is never empty. */
			if (sl == 0 || !capture(r, pat + 1, pl - 1, path, sl))
				return 0;
		} else if (pl != sl || strncmp(pat, path, pl) != 0)
			return 0;
		pat += pl;
		path += sl;
		if (*pat == '\0' || *path == '\0')
			return *pat == '\0' && *path == '\0';
	}
}

enum route_match
router_find(struct req *r, const struct route **out, unsigned *allowed)
{
	unsigned i, want = r->method == HTTP_HEAD ? HTTP_GET : r->method;

	*allowed = 0;
	for (i = 0; i < routes_count; i++) {
		if (!router_match(routes[i].pattern, r->path, NULL))
			continue;
		if (routes[i].methods & want) {
			router_match(routes[i].pattern, r->path, r);
			*out = &routes[i];
			return ROUTE_FOUND;
		}
		*allowed |= routes[i].methods;
	}
	return *allowed ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}
