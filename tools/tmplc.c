/*
 * tmplc - compile HTML templates into C functions.
 *
 *   tmplc -o OUT.c -H OUT.h -r ROOT FILE...
 *
 * ROOT/DIR/NAME.html becomes
 *   void tmpl_DIR_NAME(struct buf *out, const struct VIEW *v);
 * ('/' and '-' become '_').  The language is described in
 * templates/README.md; in short: {{@view struct T "hdr.h"}} on the first
 * line, {{ path }}, {{raw path}}, {{#if [!]path}} / {{#if path == "x"}} ...
 * {{else}} ... {{/if}}, {{#each path as name}} ... {{/each}},
 * {{> partial/name [path]}} and {{! comment }}.
 *
 * Why a compiler: the escaping of every value is decided here, once, from
 * the HTML around it, instead of by whoever writes a page.  The compiler
 * runs a small HTML tokenizer over the literal text (text, tag, attribute
 * name, quoted/unquoted value, comment, raw text) and, at each
 * expression, emits the RENDER_* macro for that context (web/render.h) or
 * refuses: expressions in tag or attribute names, unquoted values,
 * comments, <script>/<style> content, on*, style and srcdoc attributes
 * are errors.  Inline script and style are errors even when literal, since
 * the CSP would block them anyway.  Both branches of an {{#if}}, and the
 * body of an {{#each}}, must leave the tokenizer in the same state, so
 * the context of everything after them is known.
 *
 * Paths become C member accesses (`user.name` -> v->user.name), and every
 * statement carries a #line pointing at the template, so a misspelt member
 * is reported by the C compiler at the template's file and line.
 *
 * Errors are printed as FILE:LINE: message; the exit status is then 1 and
 * neither output file is left behind.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXDEPTH 32

struct str {
	char *p;
	size_t n, cap;
};

enum hs {
	S_TEXT, S_RCDATA, S_RAW, S_LT, S_TAGNAME, S_ENDTAG, S_BEFORE_ATTR,
	S_ATTR_NAME, S_AFTER_ATTR_NAME, S_BEFORE_VALUE, S_VAL_DQ, S_VAL_SQ,
	S_VAL_UNQ, S_MARKUP, S_COMMENT, S_DECL
};

/* Tokenizer state; copied and compared at block boundaries. */
struct html {
	enum hs st;
	char tag[16], attr[24];  /* lower case; truncated names never match */
	int script_src;          /* the <script> being read has src= */
	int vstart;              /* attribute value still empty */
	int vscheme;             /* URL value: could still be a scheme */
	char scheme[12];
	size_t nscheme;
	size_t rawmatch;         /* bytes of "</tag" matched in raw text */
	int dashes, markup;      /* comment / "<!" bookkeeping */
};

struct tmpl {
	const char *path;
	char *func, *vtype, *vheader;
};

struct block {
	int each, line, has_else;
	struct html start, then;
	char var[32];
};

struct ctx {
	const char *path;
	int line;
	struct html h;
	struct str code, lit;
	int lit_line;
	struct block b[MAXDEPTH];
	int depth, nloop;
	size_t mark;       /* code offset after the last #line */
	int markline;      /* the line that #line named */
	const struct tmpl *all;
	size_t nall;
};

static const char *const url_attrs[] = { "href", "src", "action",
	"formaction", "poster", "cite", "data", "background", "longdesc",
	"manifest", "icon", "codebase", "usemap", "xlink:href", NULL };
static const char *const raw_tags[] = { "script", "style", "xmp", "iframe",
	"noembed", "noframes", "plaintext", NULL };

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL) {
		fprintf(stderr, "tmplc: out of memory\n");
		exit(2);
	}
	return p;
}

static void
s_add(struct str *s, const char *p, size_t n)
{
	if (s->n + n + 1 > s->cap) {
		s->cap = (s->n + n + 1) * 2;
		s->p = xrealloc(s->p, s->cap);
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
s_printf(struct str *s, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "tmplc: internal line too long\n");
		exit(2);
	}
	s_add(s, tmp, (size_t)n);
}

static int __attribute__((format(printf, 3, 4)))
fail(const struct ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", c->path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int
in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Names longer than the buffer get a '\1' so they match nothing. */
static void
name_add(char *name, size_t size, int ch)
{
	size_t n = strlen(name);

	if (n + 1 < size)
		name[n] = (char)tolower(ch);
	else
		name[size - 2] = '\1';
}

/* ---- the HTML tokenizer ------------------------------------------------ */

static int
tag_end(struct ctx *c)
{
	struct html *h = &c->h;

	h->st = S_TEXT;
	if (strcmp(h->tag, "style") == 0)
		return fail(c, c->line, "<style> is not allowed (CSP "
		    "style-src 'self'): put styles in static/css");
	if (strcmp(h->tag, "script") == 0 && !h->script_src)
		return fail(c, c->line, "inline <script> is not allowed (CSP "
		    "script-src 'self'): use <script src=...>");
	if (in_list(raw_tags, h->tag))
		h->st = S_RAW;
	else if (strcmp(h->tag, "title") == 0 ||
	    strcmp(h->tag, "textarea") == 0)
		h->st = S_RCDATA;
	h->rawmatch = 0;
	return 0;
}

static int
attr_end(struct ctx *c)
{
	struct html *h = &c->h;

	if (strncmp(h->attr, "on", 2) == 0)
		return fail(c, c->line, "event-handler attribute %s is not "
		    "allowed (CSP): use static/js", h->attr);
	if (strcmp(h->attr, "style") == 0)
		return fail(c, c->line, "style attribute is not allowed (CSP): "
		    "use a class");
	if (strcmp(h->tag, "script") == 0 && strcmp(h->attr, "src") == 0)
		h->script_src = 1;
	return 0;
}

/* A literal character of an attribute value: watch URL schemes. */
static int
value_char(struct ctx *c, int ch)
{
	struct html *h = &c->h;
	static const char *const ok[] = { "http", "https", "mailto", "tel",
		NULL };

	h->vstart = 0;
	if (!h->vscheme || !in_list(url_attrs, h->attr))
		return 0;
	if (ch == ':') {
		h->vscheme = 0;
		h->scheme[h->nscheme] = '\0';
		if (!in_list(ok, h->scheme))
			return fail(c, c->line, "URL scheme \"%s:\" is not "
			    "allowed in %s", h->scheme, h->attr);
	} else if (ch == '&') {
		return fail(c, c->line, "character reference in a URL scheme");
	} else if (ch == '/' || ch == '?' || ch == '#') {
		h->vscheme = 0;
	} else if ((unsigned char)ch > ' ' && ch != 0x7f) {
		if (h->nscheme + 1 >= sizeof(h->scheme))
			h->vscheme = 0;
		else
			h->scheme[h->nscheme++] = (char)tolower(ch);
	}
	return 0;
}

/* Raw text and RCDATA end only at "</tag" followed by a delimiter. */
static void
raw_char(struct html *h, int ch)
{
	size_t tl = strlen(h->tag);
	int want;

	if (h->rawmatch == tl + 2) {
		if (isspace(ch) || ch == '/' || ch == '>') {
			h->st = ch == '>' ? S_TEXT : S_ENDTAG;
			return;
		}
		h->rawmatch = 0;
	}
	want = h->rawmatch == 0 ? '<' : h->rawmatch == 1 ? '/' :
	    h->tag[h->rawmatch - 2];
	if (tolower(ch) == want)
		h->rawmatch++;
	else
		h->rawmatch = ch == '<';
}

static int feed(struct ctx *c, int ch);

/* Inside a start tag: its name, attribute names and values. */
static int
feed_tag(struct ctx *c, int ch)
{
	struct html *h = &c->h;

	switch (h->st) {
	case S_TAGNAME:
		if (ch == '>')
			return tag_end(c);
		if (isspace(ch) || ch == '/')
			h->st = S_BEFORE_ATTR;
		else
			name_add(h->tag, sizeof(h->tag), ch);
		return 0;
	case S_BEFORE_ATTR:
		if (ch == '>')
			return tag_end(c);
		if (!isspace(ch) && ch != '/') {
			h->st = S_ATTR_NAME;
			memset(h->attr, 0, sizeof(h->attr));
			name_add(h->attr, sizeof(h->attr), ch);
		}
		return 0;
	case S_ATTR_NAME:
		if (isspace(ch) || ch == '/' || ch == '>' || ch == '=') {
			h->st = S_AFTER_ATTR_NAME;
			return attr_end(c) ? -1 : feed(c, ch);
		}
		name_add(h->attr, sizeof(h->attr), ch);
		return 0;
	case S_AFTER_ATTR_NAME:
		if (ch == '=') {
			h->st = S_BEFORE_VALUE;
			h->vstart = h->vscheme = 1;
			h->nscheme = 0;
		} else if (!isspace(ch)) {
			h->st = S_BEFORE_ATTR;
			return feed(c, ch);
		}
		return 0;
	case S_BEFORE_VALUE:
		if (ch == '"' || ch == '\'')
			h->st = ch == '"' ? S_VAL_DQ : S_VAL_SQ;
		else if (ch == '>')
			return tag_end(c);
		else if (!isspace(ch)) {
			h->st = S_VAL_UNQ;
			return value_char(c, ch);
		}
		return 0;
	case S_VAL_DQ:
	case S_VAL_SQ:
		if (ch == (h->st == S_VAL_DQ ? '"' : '\'')) {
			h->st = S_BEFORE_ATTR;
			return 0;
		}
		return value_char(c, ch);
	default: /* S_VAL_UNQ */
		if (ch == '>')
			return tag_end(c);
		if (isspace(ch)) {
			h->st = S_BEFORE_ATTR;
			return 0;
		}
		return value_char(c, ch);
	}
}

/* One literal character through the tokenizer. */
static int
feed(struct ctx *c, int ch)
{
	struct html *h = &c->h;

	switch (h->st) {
	case S_TEXT:
		if (ch == '<')
			h->st = S_LT;
		return 0;
	case S_LT:
		if (ch == '!') {
			h->st = S_MARKUP;
			h->markup = 0;
		} else if (ch == '/')
			h->st = S_ENDTAG;
		else if (isalpha(ch)) {
			h->st = S_TAGNAME;
			memset(h->tag, 0, sizeof(h->tag));
			h->script_src = 0;
			name_add(h->tag, sizeof(h->tag), ch);
		} else
			h->st = ch == '?' ? S_DECL : ch == '<' ? S_LT : S_TEXT;
		return 0;
	case S_ENDTAG:
	case S_DECL:
		if (ch == '>')
			h->st = S_TEXT;
		return 0;
	case S_MARKUP:  /* after "<!": a comment only if "--" follows */
		if (ch == '-' && h->markup++ == 0)
			return 0;
		h->st = ch == '-' ? S_COMMENT : S_DECL;
		h->dashes = 0;
		return ch == '-' ? 0 : feed(c, ch);
	case S_COMMENT:
		if (ch == '>' && h->dashes >= 2)
			h->st = S_TEXT;
		else
			h->dashes = ch == '-' ? h->dashes + 1 : 0;
		return 0;
	case S_RAW:
	case S_RCDATA:
		raw_char(h, ch);
		return 0;
	default:
		return feed_tag(c, ch);
	}
}

/* Literal template text: through the tokenizer and into the pending
 * literal, counting lines. */
static int
literal(struct ctx *c, const char *p, size_t n)
{
	size_t i;

	if (c->lit.n == 0)
		c->lit_line = c->line;
	s_add(&c->lit, p, n);
	for (i = 0; i < n; i++) {
		if (feed(c, (unsigned char)p[i]) != 0)
			return -1;
		if (p[i] == '\n')
			c->line++;
	}
	return 0;
}

/* ---- code generation --------------------------------------------------- */

static int
count_nl(const char *p, size_t n)
{
	int k = 0;

	while (n--)
		k += *p++ == '\n';
	return k;
}

/* A #line only where the C compiler's count would be wrong, so C errors
 * (a misspelt member) point at the template's line. */
static void
emit_line(struct ctx *c, int line)
{
	if (c->mark && c->markline + count_nl(c->code.p + c->mark,
	    c->code.n - c->mark) == line)
		return;
	s_printf(&c->code, "#line %d \"%s\"\n", line, c->path);
	c->mark = c->code.n;
	c->markline = line;
}

static void
indent(struct ctx *c)
{
	int i;

	for (i = 0; i <= c->depth; i++)
		s_add(&c->code, "\t", 1);
}

/* The pending literal as buf_append() of a C string, one source line per
 * template line.  '?' after '?' is escaped against trigraphs. */
static void
flush(struct ctx *c)
{
	size_t i;
	int prev = 0;

	if (c->lit.n == 0)
		return;
	emit_line(c, c->lit_line);
	indent(c);
	s_add(&c->code, "buf_append(out, \"", 17);
	for (i = 0; i < c->lit.n; i++) {
		unsigned char ch = (unsigned char)c->lit.p[i];

		if (ch == '\\' || ch == '"' || (ch == '?' && prev == '?'))
			s_printf(&c->code, "\\%c", ch);
		else if (ch == '\n')
			s_add(&c->code, i + 1 < c->lit.n ? "\\n\"\n\t    \"" :
			    "\\n", i + 1 < c->lit.n ? 10 : 2);
		else if (ch < ' ' || ch >= 0x7f)
			s_printf(&c->code, "\\%03o", ch);
		else
			s_add(&c->code, (const char *)&ch, 1);
		prev = ch;
	}
	s_printf(&c->code, "\", %zu);\n", c->lit.n);
	c->lit.n = 0;
}

/* One C statement, preceded by the pending literal and a #line. */
static void __attribute__((format(printf, 2, 3)))
stmt(struct ctx *c, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	flush(c);
	emit_line(c, c->line);
	indent(c);
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "tmplc: internal line too long\n");
		exit(2);
	}
	s_add(&c->code, tmp, (size_t)n);
	s_add(&c->code, "\n", 1);
}

static int
is_ident(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 31 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static const struct block *
loop_var(const struct ctx *c, const char *s, size_t n)
{
	int i;

	for (i = c->depth - 1; i >= 0; i--)
		if (c->b[i].each && strlen(c->b[i].var) == n &&
		    memcmp(c->b[i].var, s, n) == 0)
			return &c->b[i];
	return NULL;
}

/* A dotted path to a C expression in out.  *bare is set when the path is
 * a loop variable alone (a pointer); count, when not NULL, gets the
 * n_<last> member that counts a list. */
static int
path(struct ctx *c, const char *s, struct str *out, struct str *count,
    int *bare)
{
	const char *dot, *end = s + strlen(s), *seg = s;
	int first = 1;

	out->n = 0;
	s_add(out, "", 0);  /* out->p is never NULL below */
	*bare = 0;
	for (; seg <= end; seg = dot + 1, first = 0) {
		const char *sep;
		size_t n;

		dot = strchr(seg, '.');
		if (dot == NULL)
			dot = end;
		n = (size_t)(dot - seg);
		if (!is_ident(seg, n))
			return fail(c, c->line, "bad name \"%.*s\" in \"%s\"",
			    (int)n, seg, s);
		if (first && loop_var(c, seg, n)) {
			s_printf(out, "l_%.*s", (int)n, seg);
			*bare = dot == end;
			if (*bare && count)
				return fail(c, c->line, "\"%s\" is an element, "
				    "not a list", s);
			if (!*bare)
				s_add(out, "->", 2);
			continue;
		}
		sep = first ? "v->" : out->p[out->n - 1] == '>' ? "" : ".";
		if (count && dot == end) {
			count->n = 0;
			s_add(count, out->p, out->n);
			s_printf(count, "%sn_%.*s", sep, (int)n, seg);
		}
		s_printf(out, "%s%.*s", sep, (int)n, seg);
	}
	return 0;
}

/* The RENDER_* macro for an expression in the current context, or NULL
 * (after reporting why) where none is safe. */
static const char *
expr_macro(struct ctx *c, int raw)
{
	struct html *h = &c->h;
	const char *a = h->attr, *t = h->tag;

	if (raw && h->st != S_TEXT) {
		fail(c, c->line, "{{raw}} is only allowed in element content");
		return NULL;
	}
	switch (h->st) {
	case S_TEXT:
	case S_RCDATA:
		return raw ? "RENDER_RAW" : "RENDER_TEXT";
	case S_VAL_DQ:
	case S_VAL_SQ:
		if (!strcmp(a, "srcdoc") || !strcmp(a, "srcset") ||
		    !strcmp(a, "imagesrcset") || !strcmp(a, "ping") ||
		    !strcmp(t, "base") || (!strcmp(t, "script") &&
		    strcmp(a, "src")) || (!strcmp(t, "meta") &&
		    !strcmp(a, "content")))
			break;
		if (!in_list(url_attrs, a))
			return "RENDER_ATTR";
		return h->vstart ? "RENDER_URL" : "RENDER_URLPART";
	case S_VAL_UNQ:
	case S_BEFORE_VALUE:
		fail(c, c->line, "expression in an unquoted attribute value: "
		    "quote it");
		return NULL;
	case S_COMMENT:
	case S_MARKUP:
	case S_DECL:
		fail(c, c->line, "expression inside an HTML comment or "
		    "declaration");
		return NULL;
	case S_RAW:
		fail(c, c->line, "expression inside <%s>", t);
		return NULL;
	case S_LT:
	case S_TAGNAME:
	case S_ENDTAG:
		fail(c, c->line, "expression in a tag name");
		return NULL;
	default:
		fail(c, c->line, "expression in an attribute name (only "
		    "{{#if}} blocks may stand between attributes)");
		return NULL;
	}
	fail(c, c->line, "expression not allowed in %s of <%s>", a, t);
	return NULL;
}

static int
expr(struct ctx *c, const char *s, int raw)
{
	struct str e = { 0 };
	const char *mac;
	int bare, rc = -1;

	if ((mac = expr_macro(c, raw)) == NULL ||
	    path(c, s, &e, NULL, &bare) != 0)
		goto out;
	c->h.vstart = c->h.vscheme = 0;
	stmt(c, "%s(out, %s);", mac, e.p);
	rc = 0;
out:
	free(e.p);
	return rc;
}

/* ---- blocks ------------------------------------------------------------ */

/* Blocks may open and close in text, in a quoted value, or between
 * attributes (where they end an attribute name, like a space). */
static int
block_state(struct ctx *c, const char *what)
{
	struct html *h = &c->h;

	switch (h->st) {
	case S_ATTR_NAME:
		if (attr_end(c) != 0)
			return -1;
		/* FALLTHROUGH */
	case S_AFTER_ATTR_NAME:
		h->st = S_BEFORE_ATTR;
		/* FALLTHROUGH */
	case S_TEXT:
	case S_RCDATA:
	case S_VAL_DQ:
	case S_VAL_SQ:
	case S_BEFORE_ATTR:
		return 0;
	default:
		return fail(c, c->line, "{{%s}} is not allowed in a tag name, "
		    "comment, unquoted value or <script>/<style>", what);
	}
}

/* Whether two paths through a block end in the same context; if so, a
 * merges b conservatively (a URL value that may be empty stays "at the
 * start", so the next expression still goes through the URL filter). */
static int
same_state(struct html *a, const struct html *b)
{
	if (a->st != b->st)
		return 0;
	if (a->st != S_TEXT && strcmp(a->tag, b->tag) != 0)
		return 0;
	if ((a->st == S_VAL_DQ || a->st == S_VAL_SQ) &&
	    strcmp(a->attr, b->attr) != 0)
		return 0;
	a->vstart |= b->vstart;
	if (a->vscheme != b->vscheme || a->nscheme != b->nscheme ||
	    memcmp(a->scheme, b->scheme, a->nscheme) != 0)
		a->vscheme = 0;
	a->script_src &= b->script_src;
	return 1;
}

static int
push(struct ctx *c, int each, const char *var)
{
	struct block *b;

	if (c->depth == MAXDEPTH)
		return fail(c, c->line, "blocks nested too deeply");
	b = &c->b[c->depth++];
	memset(b, 0, sizeof(*b));
	b->each = each;
	b->line = c->line;
	b->start = c->h;
	snprintf(b->var, sizeof(b->var), "%s", var);
	return 0;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* {{#if [!]path}} or {{#if path == "literal"}} (also !=). */
static int
open_if(struct ctx *c, char *arg)
{
	struct str e = { 0 };
	char *op, *lit = NULL;
	int neg = 0, bare, rc = -1;
	size_t i;

	arg = trim(arg);
	if (*arg == '!') {
		neg = 1;
		arg = trim(arg + 1);
	}
	if ((op = strstr(arg, "==")) != NULL || (op = strstr(arg, "!=")) != NULL) {
		neg = op[0] == '!';
		lit = trim(op + 2);
		*op = '\0';
		arg = trim(arg);
		i = strlen(lit);
		if (i < 2 || lit[0] != '"' || lit[i - 1] != '"' ||
		    strcspn(lit + 1, "\"\\") != i - 2) {
			fail(c, c->line, "compare with a \"quoted\" word");
			goto out;
		}
	}
	if (block_state(c, "#if") != 0 || path(c, arg, &e, NULL, &bare) != 0)
		goto out;
	if (lit)
		stmt(c, "if (%srender_streq(%s, %s)) {", neg ? "!" : "", e.p,
		    lit);
	else
		stmt(c, "if (%s%s) {", neg ? "!" : "", e.p);
	rc = push(c, 0, "");
out:
	free(e.p);
	return rc;
}

/* {{#each path as name}}: name is a const pointer to each element. */
static int
open_each(struct ctx *c, char *arg)
{
	struct str e = { 0 }, cnt = { 0 };
	char *as = strstr(arg, " as "), *var;
	int bare, k, rc = -1;

	if (as == NULL) {
		fail(c, c->line, "expected {{#each list as name}}");
		goto out;
	}
	*as = '\0';
	var = trim(as + 4);
	if (!is_ident(var, strlen(var)) || loop_var(c, var, strlen(var))) {
		fail(c, c->line, "bad or already used loop name \"%s\"", var);
		goto out;
	}
	if (block_state(c, "#each") != 0 ||
	    path(c, trim(arg), &e, &cnt, &bare) != 0)
		goto out;
	k = ++c->nloop;
	stmt(c, "for (size_t i_%d = 0; i_%d < %s; i_%d++) {", k, k, cnt.p, k);
	if (push(c, 1, var) != 0)
		goto out;
	stmt(c, "const __typeof__((%s)[0]) *l_%s = &(%s)[i_%d];", e.p, var,
	    e.p, k);
	stmt(c, "(void)l_%s;", var);
	rc = 0;
out:
	free(e.p);
	free(cnt.p);
	return rc;
}

static int
close_block(struct ctx *c, int each, int is_else)
{
	struct block *b = c->depth ? &c->b[c->depth - 1] : NULL;
	const char *name = is_else ? "else" : each ? "/each" : "/if";

	if (b == NULL || b->each != each || (is_else && b->has_else))
		return fail(c, c->line, "{{%s}} without a matching {{%s}}",
		    name, each ? "#each" : "#if");
	if (block_state(c, name) != 0)
		return -1;
	if (is_else) {
		b->then = c->h;
		c->h = b->start;
		b->has_else = 1;
	} else if (!same_state(&c->h, b->has_else ? &b->then : &b->start))
		return fail(c, c->line, "the HTML context at {{%s}} differs "
		    "from the one at line %d (unclosed tag or quote?)", name,
		    b->line);
	flush(c);
	c->depth--;
	stmt(c, "%s", is_else ? "} else {" : "}");
	if (is_else)
		c->depth++;
	return 0;
}

/* {{> dir/name [path]}}: passes &path, the loop element itself, or v. */
static int
partial(struct ctx *c, char *arg)
{
	struct str e = { 0 };
	char *p = trim(arg), *sp, func[128];
	size_t i;
	int bare, rc = -1;

	if ((sp = strpbrk(p, " \t")) != NULL)
		*sp++ = '\0';
	snprintf(func, sizeof(func), "tmpl_%s", p);
	for (i = 5; func[i]; i++)
		if (func[i] == '/' || func[i] == '-')
			func[i] = '_';
	for (i = 0; i < c->nall; i++)
		if (strcmp(c->all[i].func, func) == 0)
			break;
	if (i == c->nall) {
		fail(c, c->line, "no template \"%s\" for the partial", p);
		goto out;
	}
	if (c->h.st != S_TEXT) {
		fail(c, c->line, "a partial is only allowed in element content");
		goto out;
	}
	if (sp == NULL || *trim(sp) == '\0')
		stmt(c, "%s(out, v);", func);
	else if (path(c, trim(sp), &e, NULL, &bare) == 0)
		stmt(c, "%s(out, %s%s);", func, bare ? "" : "&", e.p);
	else
		goto out;
	rc = 0;
out:
	free(e.p);
	return rc;
}

/* {{@view struct NAME "header.h"}} */
static int
view(struct ctx *c, struct tmpl *t, char *arg)
{
	char name[64], hdr[128];
	int n = 0;

	if (t->vtype || c->lit.n || c->line != 1)
		return fail(c, c->line, "{{@view}} must be the first line");
	if (sscanf(arg, " struct %63[A-Za-z0-9_] \"%127[^\"]\" %n", name, hdr,
	    &n) != 2 || arg[n] != '\0')
		return fail(c, c->line, "expected {{@view struct NAME "
		    "\"header.h\"}}");
	t->vtype = xrealloc(NULL, strlen(name) + 8);
	sprintf(t->vtype, "struct %s", name);
	t->vheader = xrealloc(NULL, strlen(hdr) + 1);
	strcpy(t->vheader, hdr);
	return 0;
}

static int
directive(struct ctx *c, struct tmpl *t, char *d)
{
	if (*d == '!')
		return 0;
	if (*d == '@' && strncmp(d, "@view", 5) == 0)
		return view(c, t, d + 5);
	if (t->vtype == NULL)
		return fail(c, c->line, "the first line must be {{@view ...}}");
	if (strncmp(d, "#if", 3) == 0 && isspace((unsigned char)d[3]))
		return open_if(c, d + 3);
	if (strncmp(d, "#each", 5) == 0 && isspace((unsigned char)d[5]))
		return open_each(c, d + 5);
	if (strcmp(d, "/if") == 0 || strcmp(d, "/each") == 0)
		return close_block(c, d[1] == 'e', 0);
	if (strcmp(d, "else") == 0)
		return close_block(c, 0, 1);
	if (*d == '>')
		return partial(c, d + 1);
	if (strncmp(d, "raw", 3) == 0 && isspace((unsigned char)d[3]))
		return expr(c, trim(d + 3), 1);
	if (strchr("#/@>", *d) || strpbrk(d, " \t\n"))
		return fail(c, c->line, "unknown directive {{%s}}", d);
	return expr(c, d, 0);
}

/* ---- files ------------------------------------------------------------- */

/* A directive alone on its line (block tags, comments, @view) takes its
 * line with it when in element content. */
static int
compile(struct ctx *c, struct tmpl *t, const char *src, size_t len)
{
	size_t cur = 0, p, q, ws, r, next;
	const char *open, *close;
	char *d;
	int rc, standalone;

	while (cur < len) {
		if ((open = strstr(src + cur, "{{")) == NULL)
			return literal(c, src + cur, len - cur);
		p = (size_t)(open - src);
		ws = p;
		while (ws > cur && (src[ws - 1] == ' ' || src[ws - 1] == '\t'))
			ws--;
		if (literal(c, src + cur, ws - cur) != 0)
			return -1;
		if ((close = strstr(open + 2, "}}")) == NULL)
			return fail(c, c->line, "unclosed {{");
		q = (size_t)(close - src) + 2;
		for (r = q; r < len && (src[r] == ' ' || src[r] == '\t'); r++)
			;
		standalone = strchr("#/!@", open[2]) != NULL ||
		    strncmp(open + 2, "else}}", 6) == 0;
		standalone = standalone && c->h.st == S_TEXT &&
		    (ws == 0 || src[ws - 1] == '\n') &&
		    (r == len || src[r] == '\n' ||
		    (src[r] == '\r' && src[r + 1] == '\n'));
		next = !standalone ? q : r == len ? r :
		    r + (src[r] == '\r' ? 2 : 1);
		if (!standalone && literal(c, src + ws, p - ws) != 0)
			return -1;
		d = xrealloc(NULL, q - p - 3);
		memcpy(d, open + 2, q - p - 4);
		d[q - p - 4] = '\0';
		rc = directive(c, t, trim(d));
		free(d);
		if (rc != 0)
			return -1;
		c->line += count_nl(src + p, next - p);
		cur = next;
	}
	return 0;
}

static int
finish(struct ctx *c, const struct tmpl *t)
{
	if (t->vtype == NULL)
		return fail(c, 1, "the first line must be {{@view ...}}");
	if (c->depth)
		return fail(c, c->b[c->depth - 1].line, "unclosed {{%s}}",
		    c->b[c->depth - 1].each ? "#each" : "#if");
	if (c->h.st != S_TEXT)
		return fail(c, c->line, "template ends inside a tag, comment "
		    "or <%s> element", c->h.tag);
	flush(c);
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct str s = { 0 };
	char tmp[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	s_add(&s, "", 0);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		s_add(&s, tmp, n);
	if (ferror(f) || memchr(s.p, '\0', s.n) != NULL) {
		free(s.p);
		s.p = NULL;
	}
	fclose(f);
	*len = s.n;
	return s.p;
}

static int
one(struct tmpl *t, const struct tmpl *all, size_t nall, FILE *out)
{
	struct ctx c;
	size_t len;
	char *src;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.path = t->path;
	c.line = 1;
	c.all = all;
	c.nall = nall;
	if ((src = slurp(t->path, &len)) == NULL) {
		fprintf(stderr, "%s: cannot read (or holds a NUL byte)\n",
		    t->path);
		return -1;
	}
	if (compile(&c, t, src, len) == 0 && finish(&c, t) == 0) {
		fprintf(out, "\nvoid\n%s(struct buf *out, const %s *v)\n{\n"
		    "\t(void)v;\n%s}\n", t->func, t->vtype,
		    c.code.p ? c.code.p : "");
		rc = 0;
	}
	free(src);
	free(c.code.p);
	free(c.lit.p);
	return rc;
}

/* ROOT/a/b-c.html -> tmpl_a_b_c */
static char *
func_name(const char *root, const char *path)
{
	size_t rl = strlen(root), n;
	const char *rel = path + rl + 1;
	char *f, *p;

	if (strncmp(path, root, rl) != 0 || path[rl] != '/' ||
	    (n = strlen(rel)) <= 5 || strcmp(rel + n - 5, ".html") != 0)
		return NULL;
	f = xrealloc(NULL, n + 1);
	snprintf(f, n + 1, "tmpl_%.*s", (int)(n - 5), rel);
	for (p = f + 5; *p; p++) {
		if (*p == '/' || *p == '-')
			*p = '_';
		else if (!isalnum((unsigned char)*p) && *p != '_') {
			free(f);
			return NULL;
		}
	}
	return f;
}

static int
write_header(FILE *h, const struct tmpl *t, size_t n)
{
	size_t i, j;

	fprintf(h, "/* Generated by tools/tmplc from the templates; do not "
	    "edit. */\n#ifndef ALC_GEN_TEMPLATES_H\n"
	    "#define ALC_GEN_TEMPLATES_H\n\nstruct buf;\n");
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && strcmp(t[j].vtype, t[i].vtype); j++)
			;
		if (j == i)
			fprintf(h, "%s;\n", t[i].vtype);
	}
	fputc('\n', h);
	for (i = 0; i < n; i++)
		fprintf(h, "void %s(struct buf *out, const %s *v);\n",
		    t[i].func, t[i].vtype);
	fprintf(h, "\n#endif\n");
	return ferror(h) ? -1 : 0;
}

static int
write_source(FILE *o, const char *hpath, struct tmpl *t, size_t n)
{
	const char *base = strrchr(hpath, '/');
	FILE *body = tmpfile();
	size_t i, j;
	int c, rc = 0;

	if (body == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (one(&t[i], t, n, body) != 0)
			rc = -1;
	if (rc == 0) {
		fprintf(o, "/* Generated by tools/tmplc from the templates; "
		    "do not edit. */\n#include \"base/buf.h\"\n"
		    "#include \"web/render.h\"\n#include \"%s\"\n",
		    base ? base + 1 : hpath);
		for (i = 0; i < n; i++) {
			for (j = 0; j < i && strcmp(t[j].vheader,
			    t[i].vheader); j++)
				;
			if (j == i)
				fprintf(o, "#include \"%s\"\n", t[i].vheader);
		}
		rewind(body);
		while ((c = fgetc(body)) != EOF)
			fputc(c, o);
	}
	fclose(body);
	return rc != 0 || ferror(o) ? -1 : 0;
}

static int
name_all(struct tmpl *t, size_t n, char **paths, const char *root)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		t[i].path = paths[i];
		if ((t[i].func = func_name(root, t[i].path)) == NULL) {
			fprintf(stderr, "%s:1: name must be %s/DIR/NAME.html "
			    "of letters, digits, _ and -\n", t[i].path, root);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(t[j].func, t[i].func) == 0) {
				fprintf(stderr, "%s:1: same function name as "
				    "%s\n", t[i].path, t[j].path);
				return -1;
			}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *opath = NULL, *hpath = NULL, *root = NULL;
	char otmp[4096], htmp[4096];
	struct tmpl *t = NULL;
	FILE *o = NULL, *h = NULL;
	size_t n = 0, i;
	int ch, rc = 1;

	while ((ch = getopt(argc, argv, "o:H:r:")) != -1) {
		switch (ch) {
		case 'o': opath = optarg; break;
		case 'H': hpath = optarg; break;
		case 'r': root = optarg; break;
		default: goto usage;
		}
	}
	if (opath == NULL || hpath == NULL || root == NULL)
		goto usage;
	n = (size_t)(argc - optind);
	t = xrealloc(NULL, (n + 1) * sizeof(*t));
	memset(t, 0, (n + 1) * sizeof(*t));
	if (name_all(t, n, argv + optind, root) != 0)
		goto out;
	snprintf(otmp, sizeof(otmp), "%s.tmp", opath);
	snprintf(htmp, sizeof(htmp), "%s.tmp", hpath);
	if ((o = fopen(otmp, "w")) == NULL || (h = fopen(htmp, "w")) == NULL) {
		fprintf(stderr, "tmplc: cannot write %s\n", o ? htmp : otmp);
		goto out;
	}
	if (write_source(o, hpath, t, n) != 0 || write_header(h, t, n) != 0)
		goto out;
	if (fclose(o) != 0 || fclose(h) != 0) {
		o = h = NULL;
		goto out;
	}
	o = h = NULL;
	if (rename(htmp, hpath) != 0 || rename(otmp, opath) != 0)
		goto out;
	rc = 0;
out:
	if (o)
		fclose(o);
	if (h)
		fclose(h);
	if (rc != 0 && opath && hpath) {
		unlink(otmp);
		unlink(htmp);
		unlink(opath);
		unlink(hpath);
	}
	for (i = 0; i < n; i++) {
		free(t[i].func);
		free(t[i].vtype);
		free(t[i].vheader);
	}
	free(t);
	return rc;
usage:
	fprintf(stderr, "usage: tmplc -o OUT.c -H OUT.h -r ROOT FILE...\n");
	return 2;
}
