/*
 * http.h - the request context and response helpers every handler uses.
 *
 * server.c turns each libmicrohttpd request into a struct req: an arena
 * that lives until the response has been sent, the method and decoded
 * path, a request id (logged, shown on error pages, written into audit
 * events), the client address and the body.  The handler fills the
 * response part (status, body, content type, cache policy, extra headers)
 * and returns 0; server.c adds the security headers and queues it.  A
 * handler that returns a negative ALC_E* code gets the matching error page
 * instead (500 for anything unexpected), with the error logged.
 *
 * Handlers never see libmicrohttpd: header, cookie and form access goes
 * through the functions below, so that pages can be tested and so the
 * HTTP library could be changed in one file.
 */
#ifndef ALC_WEB_HTTP_H
#define ALC_WEB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct app;
struct arena;
struct session;

enum http_method {
	HTTP_GET = 1 << 0, HTTP_HEAD = 1 << 1, HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3, HTTP_PATCH = 1 << 4, HTTP_DELETE = 1 << 5,
	HTTP_OPTIONS = 1 << 6, HTTP_OTHER = 1 << 7,
};

/* How the response may be cached. */
enum cache_policy {
	CACHE_NO_STORE,  /* default: pages may carry PHI */
	CACHE_IMMUTABLE, /* content-hashed static assets */
};

#define REQ_MAX_PARAMS 8
#define REQ_MAX_HEADERS 8

struct req_header {
	const char *name, *value;
};

struct req {
	struct arena *arena;
	struct app *app;
	void *conn; /* the server's connection handle; opaque to handlers */

	enum http_method method;
	const char *method_name;
	const char *path; /* decoded, without the query string */
	char rid[17];     /* request id: 16 hex digits */
	char addr[48];    /* client address as text */
	int64_t started_ns;
	struct buf body;  /* raw request body */
	size_t discarded; /* body bytes dropped past the limit */

	/* The signed-in user's session (NULL when signed out), and why a
	 * session the browser presented had ended ("idle", ...), if it had. */
	struct session *sess;
	const char *session_ended;

	/* Messages for the top of the page (page_flash). */
	const char *flash_kind[4], *flash_text[4];
	size_t nflash;

	/* Route parameters (":id" segments, and "*" for the rest). */
	const char *param_name[REQ_MAX_PARAMS];
	const char *param_value[REQ_MAX_PARAMS];
	size_t nparams;

	/* The response, filled by the handler. */
	int status;
	const char *content_type;
	enum cache_policy cache;
	struct buf out;
	const void *out_static; /* instead of out: data that outlives r */
	size_t out_static_len;
	struct req_header headers[REQ_MAX_HEADERS];
	size_t nheaders;
	int head_only; /* HEAD: headers as for GET, no body sent */
};

/* Request data.  Strings are valid for the life of the request. */
const char *req_header(struct req *r, const char *name);
const char *req_cookie(struct req *r, const char *name);
const char *req_query(struct req *r, const char *name);
const char *req_param(const struct req *r, const char *name);
/* Parses an application/x-www-form-urlencoded body once; NULL if absent. */
const char *req_form(struct req *r, const char *name);

/* Response building. */
int resp_header(struct req *r, const char *name, const char *value);
/* Sets a Secure, HttpOnly, SameSite=Strict cookie on path "/".
 * max_age < 0: session cookie; 0: delete. */
int resp_cookie(struct req *r, const char *name, const char *value,
    int max_age);
int resp_redirect(struct req *r, int status, const char *location);
int resp_text(struct req *r, int status, const char *type, const char *body);

/* Percent-encodes a decoded path for a Location header, keeping '/'. */
void http_encode_path(struct buf *b, const char *path);

#endif
