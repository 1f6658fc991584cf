/*
 * request.c - access to request data and helpers for building responses.
 *
 * The only file besides server.c that knows libmicrohttpd, so handlers
 * stay independent of the HTTP library.
 */
#include "web/http.h"
#include "base/arena.h"
#include "base/err.h"

#include <microhttpd.h>
#include <string.h>

const char *
req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
req_cookie(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *
req_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

const char *
req_param(const struct req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nparams; i++)
		if (strcmp(r->param_name[i], name) == 0)
			return r->param_value[i];
	return NULL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) of a urlencoded form ('+' is a space) into the arena.
 * NUL bytes are refused (NULL), so a value is always a C string. */
static char *
form_decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1), *o = out;
	size_t i;
	int hi, lo;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			if (hi == 0 && lo == 0)
				return NULL;
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

const char *
req_form(struct req *r, const char *name)
{
	const char *p = buf_cstr(&r->body), *end = p + r->body.len;
	const char *amp, *eq;
	size_t nlen = strlen(name);
	char *key;

	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		key = form_decode(r->arena, p, (size_t)(eq - p));
		if (key != NULL && strlen(key) == nlen &&
		    memcmp(key, name, nlen) == 0)
			return eq == amp ? "" :
			    form_decode(r->arena, eq + 1, (size_t)(amp - eq - 1));
		p = amp + 1;
	}
	return NULL;
}

int
resp_header(struct req *r, const char *name, const char *value)
{
	if (r->nheaders >= REQ_MAX_HEADERS || value == NULL)
		return ALC_EINVAL;
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = value;
	r->nheaders++;
	return 0;
}

int
resp_cookie(struct req *r, const char *name, const char *value, int max_age)
{
	const char *v;

	if (max_age < 0)
		v = arena_printf(r->arena, "%s=%s; Path=/; Secure; HttpOnly; "
		    "SameSite=Strict", name, value);
	else
		v = arena_printf(r->arena, "%s=%s; Path=/; Max-Age=%d; Secure; "
		    "HttpOnly; SameSite=Strict", name, value, max_age);
	return v ? resp_header(r, "Set-Cookie", v) : ALC_ENOMEM;
}

int
resp_redirect(struct req *r, int status, const char *location)
{
	r->status = status;
	buf_reset(&r->out);
	return resp_header(r, "Location", location);
}

int
resp_text(struct req *r, int status, const char *type, const char *body)
{
	r->status = status;
	r->content_type = type;
	buf_reset(&r->out);
	buf_puts(&r->out, body);
	return buf_failed(&r->out) ? ALC_ENOMEM : 0;
}

void
http_encode_path(struct buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p) != NULL)
			buf_putc(b, (char)*p);
		else {
			buf_putc(b, '%');
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 15]);
		}
	}
}
