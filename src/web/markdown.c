/*
 * markdown.c - the safe markdown subset of markdown.h.
 *
 * Two passes over each line: the block pass decides what the line is
 * (blank, heading, list item, paragraph text) and opens or closes <p>,
 * <ul> and <ol>; the inline pass walks the line's text, emitting the
 * escaped text between markers through html_text (render.h), the same
 * escaper the templates use.  Markers that are not closed on the same
 * line are ordinary text.  Nesting of inline markup is bounded.
 */
#include "web/markdown.h"
#include "web/render.h"
#include "base/buf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MD_DEPTH 4

enum md_block { MD_NONE, MD_PARA, MD_UL, MD_OL };

/* Escaped text of s[0..n). */
static void
text_n(struct buf *out, const char *s, size_t n)
{
	char *t;

	if (n == 0)
		return;
	if ((t = malloc(n + 1)) == NULL) {
		buf_puts(out, "\xef\xbf\xbd");
		return;
	}
	memcpy(t, s, n);
	t[n] = '\0';
	html_text(out, t);
	free(t);
}

/* A link target this renderer allows: http(s) or mailto, no spaces or
 * control characters, no quotes. */
static int
url_allowed(const char *u, size_t n)
{
	size_t i;

	if (!((n > 7 && strncasecmp(u, "http://", 7) == 0) ||
	    (n > 8 && strncasecmp(u, "https://", 8) == 0) ||
	    (n > 7 && strncasecmp(u, "mailto:", 7) == 0)))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || u[i] == 0x7f || u[i] == '"' ||
		    u[i] == '\'' || u[i] == '<' || u[i] == '>' || u[i] == '`')
			return 0;
	return 1;
}

static void inline_n(struct buf *out, const char *s, size_t n, int depth);

/* Where the closing `mark` (of mlen bytes) of a span starting at s[0]
 * is, within s[0..n); 0 when none (an empty span does not count). */
static size_t
closing(const char *s, size_t n, const char *mark, size_t mlen)
{
	size_t i;

	for (i = mlen + 1; i + mlen <= n; i++)
		if (memcmp(s + i, mark, mlen) == 0)
			return i;
	return 0;
}

/* A link at s[0] == '['; returns the bytes it took, 0 when not a link. */
static size_t
link_at(struct buf *out, const char *s, size_t n, int depth)
{
	const char *mid, *end;
	size_t tl, ul;

	mid = memchr(s, ']', n);
	if (mid == NULL || (size_t)(mid - s) + 1 >= n || mid[1] != '(')
		return 0;
	end = memchr(mid + 2, ')', n - (size_t)(mid + 2 - s));
	if (end == NULL)
		return 0;
	tl = (size_t)(mid - s - 1);
	ul = (size_t)(end - mid - 2);
	if (url_allowed(mid + 2, ul)) {
		char *u = malloc(ul + 1);

		if (u == NULL)
			return 0;
		memcpy(u, mid + 2, ul);
		u[ul] = '\0';
		buf_puts(out, "<a href=\"");
		html_attr(out, u);
		buf_puts(out, "\" rel=\"noopener noreferrer\">");
		free(u);
		inline_n(out, s + 1, tl, depth + 1);
		buf_puts(out, "</a>");
	} else
		inline_n(out, s + 1, tl, depth + 1);
	return (size_t)(end - s) + 1;
}

/* An emphasis span at s[0]; returns the bytes it took, 0 when none. */
static size_t
emphasis_at(struct buf *out, const char *s, size_t n, int depth)
{
	const char *mark, *tag;
	size_t ml, e;

	if (n >= 2 && s[0] == '*' && s[1] == '*') {
		mark = "**";
		ml = 2;
		tag = "strong";
	} else {
		mark = s[0] == '*' ? "*" : "_";
		ml = 1;
		tag = "em";
	}
	if ((e = closing(s, n, mark, ml)) == 0)
		return 0;
	buf_printf(out, "<%s>", tag);
	inline_n(out, s + ml, e - ml, depth + 1);
	buf_printf(out, "</%s>", tag);
	return e + ml;
}

/* Text with inline markup.  Text before a possible marker is flushed
 * first, so a marker that turns out not to be one is just more text. */
static void
inline_n(struct buf *out, const char *s, size_t n, int depth)
{
	size_t i = 0, start = 0, t;

	while (i < n) {
		t = 0;
		if (depth < MD_DEPTH && (s[i] == '*' || s[i] == '_' ||
		    s[i] == '[')) {
			text_n(out, s + start, i - start);
			start = i;
			t = s[i] == '[' ? link_at(out, s + i, n - i, depth) :
			    emphasis_at(out, s + i, n - i, depth);
		}
		if (t > 0) {
			i += t;
			start = i;
		} else
			i++;
	}
	text_n(out, s + start, n - start);
}

static void
close_block(struct buf *out, enum md_block *b)
{
	static const char *const end[] = {"", "</p>\n", "</ul>\n", "</ol>\n"};

	buf_puts(out, end[*b]);
	*b = MD_NONE;
}

/* The heading level of a line ("## x" is 2), 0 when not a heading. */
static int
heading_level(const char *l, size_t n)
{
	int h = 0;

	while ((size_t)h < n && l[h] == '#' && h < 6)
		h++;
	return h > 0 && (size_t)h < n && l[h] == ' ' ? h : 0;
}

/* The length of a list marker at l ("- ", "* ", "12. "), 0 when none;
 * *ordered tells which kind. */
static size_t
list_marker(const char *l, size_t n, int *ordered)
{
	size_t i = 0;

	if (n >= 2 && (l[0] == '-' || l[0] == '*') && l[1] == ' ') {
		*ordered = 0;
		return 2;
	}
	while (i < n && i < 9 && l[i] >= '0' && l[i] <= '9')
		i++;
	if (i > 0 && i + 1 < n && l[i] == '.' && l[i + 1] == ' ') {
		*ordered = 1;
		return i + 2;
	}
	return 0;
}

static void
line(struct buf *out, const char *l, size_t n, enum md_block *b)
{
	int h, tag, ordered = 0;
	size_t m;

	while (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
		n--;
	while (n > 0 && (*l == ' ' || *l == '\t')) {
		l++;
		n--;
	}
	if (n == 0) {
		close_block(out, b);
		return;
	}
	if ((h = heading_level(l, n)) > 0) {
		close_block(out, b);
		tag = h + 1 > 4 ? 4 : h + 1;
		buf_printf(out, "<h%d>", tag);
		inline_n(out, l + h + 1, n - (size_t)h - 1, 0);
		buf_printf(out, "</h%d>\n", tag);
		return;
	}
	if ((m = list_marker(l, n, &ordered)) > 0) {
		if (*b != (ordered ? MD_OL : MD_UL)) {
			close_block(out, b);
			*b = ordered ? MD_OL : MD_UL;
			buf_puts(out, ordered ? "<ol>\n" : "<ul>\n");
		}
		buf_puts(out, "<li>");
		inline_n(out, l + m, n - m, 0);
		buf_puts(out, "</li>\n");
		return;
	}
	if (*b == MD_PARA)
		buf_puts(out, "\n");
	else {
		close_block(out, b);
		*b = MD_PARA;
		buf_puts(out, "<p>");
	}
	inline_n(out, l, n, 0);
}

void
markdown_render(struct buf *out, const char *md)
{
	enum md_block b = MD_NONE;
	const char *p = md, *nl;

	if (md == NULL)
		return;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		line(out, p, nl ? (size_t)(nl - p) : strlen(p), &b);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	close_block(out, &b);
}
