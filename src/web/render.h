/*
 * render.h - the single exit point for HTML.
 *
 * Every byte of a page that did not come from a template's literal text
 * leaves through one of these emitters, each escaping for the context the
 * template compiler (tools/tmplc) decided the value sits in:
 *
 *   html_text   element content: & < > " ' become entities
 *   html_attr   a quoted attribute value: the same plus ` and =
 *   html_url    the start of a URL attribute: url_is_safe() or the
 *               inert "about:invalid#refused", then html_attr
 *   url_encode_component   a value inside a URL after a literal prefix
 *               ("/patients/{{id}}", "?q={{q}}"): percent-encodes every
 *               byte but A-Z a-z 0-9 - . _ ~, so it is attribute-safe too
 *   html_raw    pre-rendered HTML, unchanged ({{raw x}} only)
 *
 * All of them append to a struct buf, which marks itself failed on
 * allocation failure or at its limit: output is never truncated silently,
 * the caller checks buf_failed() once before sending.  Invalid UTF-8 and
 * C0 control characters (other than tab, LF, CR) are replaced with U+FFFD
 * in text and attributes; NULL prints nothing.
 *
 * The RENDER_* macros are what generated code calls: a C11 _Generic
 * picks the emitter by the expression's type, so a string goes through
 * escaping, an integer is printed as a number, and any other type (a
 * struct, a bool, a char, a double) is a compile error in the template.
 */
#ifndef ALC_WEB_RENDER_H
#define ALC_WEB_RENDER_H

#include "base/buf.h"

void html_text(struct buf *b, const char *s);
void html_attr(struct buf *b, const char *s);
void html_url(struct buf *b, const char *s);
void html_raw(struct buf *b, const char *s);
void html_int(struct buf *b, long long v);
void html_uint(struct buf *b, unsigned long long v);
void url_encode_component(struct buf *b, const char *s);

/* Non-zero when s is a relative URL or uses http:, https:, mailto: or
 * tel: (case-insensitive, ignoring whitespace and control characters
 * anywhere before the colon, as browsers do).  NULL is not safe. */
int url_is_safe(const char *s);

/* {{#if x == "lit"}}: non-zero when s is not NULL and equals lit. */
int render_streq(const char *s, const char *lit);

#define RENDER_INTS_ \
	short: html_int, int: html_int, long: html_int, long long: html_int, \
	unsigned short: html_uint, unsigned int: html_uint, \
	unsigned long: html_uint, unsigned long long: html_uint

#define RENDER_TEXT(b, x) _Generic((x), char *: html_text, \
	const char *: html_text, RENDER_INTS_)((b), (x))
#define RENDER_ATTR(b, x) _Generic((x), char *: html_attr, \
	const char *: html_attr, RENDER_INTS_)((b), (x))
#define RENDER_URL(b, x) _Generic((x), char *: html_url, \
	const char *: html_url)((b), (x))
#define RENDER_URLPART(b, x) _Generic((x), char *: url_encode_component, \
	const char *: url_encode_component, RENDER_INTS_)((b), (x))
#define RENDER_RAW(b, x) _Generic((x), char *: html_raw, \
	const char *: html_raw)((b), (x))

#endif
