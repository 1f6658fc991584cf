/*
 * render.c - escaping emitters for HTML text, attributes and URLs.
 *
 * One loop (put_escaped) walks the input once, copying runs of harmless
 * bytes in bulk and replacing, byte by byte, what the context forbids:
 * an entity from the context's table for the ASCII specials, U+FFFD for
 * C0 control characters and for each maximal invalid UTF-8 subsequence
 * (overlong forms, surrogates, code points past U+10FFFF, truncated
 * sequences), as the WHATWG encoding standard does.  Passing invalid
 * UTF-8 through would let a browser's own repair swallow the quote or
 * angle bracket that follows.
 *
 * Output goes to a struct buf, which never truncates: on failure it marks
 * itself failed and the page is not sent (see base/buf.h).
 */
#include "web/render.h"

#include <stdio.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD in UTF-8 */

static const char *const text_esc[128] = {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
	['"'] = "&quot;", ['\''] = "&#39;",
};

static const char *const attr_esc[128] = {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
	['"'] = "&quot;", ['\''] = "&#39;", ['`'] = "&#96;", ['='] = "&#61;",
};

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 with *bad set
 * to the length of the maximal invalid subpart to replace (at least 1).
 * Never reads past a NUL, which is never a continuation byte. */
static size_t
utf8_seq(const unsigned char *p, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		if (p[0] == 0xE0)
			lo = 0xA0;  /* overlong */
		else if (p[0] == 0xED)
			hi = 0x9F;  /* surrogates */
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		if (p[0] == 0xF0)
			lo = 0x90;  /* overlong */
		else if (p[0] == 0xF4)
			hi = 0x8F;  /* past U+10FFFF */
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i < n; i++) {
		if (p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return n;
}

static int
is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
}

static void
put_escaped(struct buf *b, const char *s, const char *const esc[128])
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t n, bad;

	if (s == NULL)
		return;
	while (*p) {
		if (*p < 0x80 && esc[*p] == NULL && !is_control(*p)) {
			p++;
			continue;
		}
		if (*p >= 0x80 && (n = utf8_seq(p, &bad)) != 0) {
			p += n;
			continue;
		}
		buf_append(b, run, (size_t)(p - run));
		if (*p < 0x80) {
			buf_puts(b, is_control(*p) ? REPLACEMENT : esc[*p]);
			p++;
		} else {
			buf_puts(b, REPLACEMENT);
			p += bad;
		}
		run = p;
	}
	buf_append(b, run, (size_t)(p - run));
}

void
html_text(struct buf *b, const char *s)
{
	put_escaped(b, s, text_esc);
}

void
html_attr(struct buf *b, const char *s)
{
	put_escaped(b, s, attr_esc);
}

void
html_raw(struct buf *b, const char *s)
{
	if (s != NULL)
		buf_puts(b, s);
}

void
html_int(struct buf *b, long long v)
{
	buf_printf(b, "%lld", v);
}

void
html_uint(struct buf *b, unsigned long long v)
{
	buf_printf(b, "%llu", v);
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/*
 * Browsers drop tabs and newlines anywhere in a URL and spaces and
 * controls around it; we drop every byte <= 0x20 and DEL before the
 * first ':', '/', '?', '#' or '\', so "java\tscript:" and " javascript:"
 * are read as "javascript:".  No colon first means a relative URL.  A
 * scheme is compared byte for byte, so anything unusual in it (non-ASCII,
 * an entity) fails the comparison and is refused.
 */
int
url_is_safe(const char *s)
{
	static const char *const ok[] = { "http", "https", "mailto", "tel" };
	const unsigned char *p;
	char scheme[8];
	size_t n = 0, i;

	if (s == NULL)
		return 0;
	for (p = (const unsigned char *)s; *p != ':'; p++) {
		if (*p == '\0' || *p == '/' || *p == '?' || *p == '#' ||
		    *p == '\\')
			return 1;
		if (*p <= 0x20 || *p == 0x7F)
			continue;
		if (n < sizeof(scheme))
			scheme[n] = (char)ascii_lower(*p);
		n++;
	}
	if (n >= sizeof(scheme))
		return 0;  /* longer than any scheme we allow */
	scheme[n] = '\0';
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(scheme, ok[i]) == 0)
			return 1;
	return 0;
}

void
html_url(struct buf *b, const char *s)
{
	if (s == NULL)
		return;
	html_attr(b, url_is_safe(s) ? s : "about:invalid#refused");
}

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

void
url_encode_component(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t n, bad;
	char pct[3] = { '%', 0, 0 };

	if (s == NULL)
		return;
	while (*p) {
		if (unreserved(*p)) {
			buf_putc(b, (char)*p++);
			continue;
		}
		n = utf8_seq(p, &bad);
		if (n == 0) {
			buf_puts(b, "%EF%BF%BD");
			p += bad;
			continue;
		}
		while (n--) {
			pct[1] = hex[*p >> 4];
			pct[2] = hex[*p & 15];
			buf_append(b, pct, 3);
			p++;
		}
	}
}

int
render_streq(const char *s, const char *lit)
{
	return s != NULL && strcmp(s, lit) == 0;
}
