/*
 * test_tmplc.c - the template compiler refuses unsafe or broken templates.
 *
 * Runs the real build/tools/tmplc (run from the repository root, as
 * tests/run does; TMPLC overrides the path) on small templates written to
 * a private temporary directory, and checks what a template author sees:
 * exit status 1, a "FILE:LINE: message" naming the right line, and no
 * output file left behind.  Good templates compile, and the generated C
 * passes the project's strict warnings, while a misspelt member is a C
 * error reported at the template's file and line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

#define STRICT "-std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Wshadow " \
	"-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla " \
	"-Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef"

static char dir[256], errs[16384];

static const char *
tmplc(void)
{
	const char *p = getenv("TMPLC");

	return p ? p : "build/tools/tmplc";
}

static void
write_file(const char *rel, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int
exists(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

/* Runs a shell command with stderr captured into errs; returns the exit
 * status. */
static int
run(const char *cmd)
{
	char full[4096], path[1024];
	FILE *f;
	size_t n;
	int st;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	snprintf(full, sizeof(full), "%s 2>'%s' >&2", cmd, path);
	st = system(full);
	errs[0] = '\0';
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(errs, 1, sizeof(errs) - 1, f);
		errs[n] = '\0';
		fclose(f);
	}
	assert_true(st != -1 && WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Compiles dir/t/x.html (with text as its content) into dir/gen.c. */
static int
compile(const char *text)
{
	char cmd[2048];

	write_file("t/x.html", text);
	snprintf(cmd, sizeof(cmd), "%s -o '%s/gen.c' -H '%s/gen.h' -r '%s/t' "
	    "'%s/t/x.html'", tmplc(), dir, dir, dir, dir);
	return run(cmd);
}

#define VIEW "{{@view struct v \"v.h\"}}\n"

/* The template must be refused with "x.html:LINE:" and a message
 * containing what, and leave no output. */
static void
refused(const char *text, int line, const char *what)
{
	char want[64];

	/* an earlier good run must not leave a stale file to be used */
	write_file("gen.c", "stale");
	write_file("gen.h", "stale");
	if (compile(text) != 1)
		fail_msg("tmplc accepted:\n%s", text);
	snprintf(want, sizeof(want), "x.html:%d: ", line);
	if (strstr(errs, want) == NULL || strstr(errs, what) == NULL)
		fail_msg("expected \"%s...%s\", got: %s\nfor:\n%s", want, what,
		    errs, text);
	assert_false(exists("gen.c"));
	assert_false(exists("gen.h"));
	assert_false(exists("gen.c.tmp"));
}

static int
setup(void **state)
{
	const char *t = test_tmpdir();

	if (t == NULL || access(tmplc(), X_OK) != 0) {
		fprintf(stderr, "test_tmplc: no tmpdir or no %s (run from the "
		    "repository root after make)\n", tmplc());
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/tmplc", t);
	snprintf(errs, sizeof(errs), "mkdir -p '%s/t'", dir);
	if (system(errs) != 0)
		return -1;
	write_file("v.h", "#include <stddef.h>\n"
	    "struct item { const char *name; const char *href; int n; };\n"
	    "struct v { const char *title; const char *url; int count;\n"
	    "  const struct item *items; size_t n_items;\n"
	    "  struct { const char *name; } user; };\n");
	return 0;
}

static void
test_expression_inside_script_is_refused(void **state)
{
	refused(VIEW "<p>\n<script src=\"/a.js\">\nvar t = '{{title}}';\n"
	    "</script>\n", 4, "inside <script>");
	refused(VIEW "<script>var a = 1;</script>\n", 2, "inline <script>");
	refused(VIEW "<p>{{title}}</p>\n<style>p { color: red }</style>\n", 3,
	    "<style>");
}

static void
test_expression_in_unquoted_attribute_is_refused(void **state)
{
	refused(VIEW "<a\n  href={{url}}>x</a>\n", 3, "unquoted");
	refused(VIEW "<input value=x{{title}}>\n", 2, "unquoted");
	refused(VIEW "<input value= {{title}}>\n", 2, "unquoted");
}

static void
test_unclosed_if_is_refused_at_its_line(void **state)
{
	refused(VIEW "<p>a</p>\n{{#if title}}\n<p>{{title}}</p>\n", 3,
	    "unclosed {{#if}}");
	refused(VIEW "{{#each items as it}}\n{{#if it.n}}x{{/if}}\n", 2,
	    "unclosed {{#each}}");
}

static void
test_unsafe_contexts_are_refused(void **state)
{
	refused(VIEW "<a onclick=\"go('{{url}}')\">x</a>\n", 2,
	    "event-handler");
	refused(VIEW "<p style=\"color: {{title}}\">x</p>\n", 2, "style");
	refused(VIEW "<!-- {{title}} -->\n", 2, "comment");
	refused(VIEW "<{{title}}>\n", 2, "tag name");
	refused(VIEW "<a {{title}}=\"1\">\n", 2, "attribute name");
	refused(VIEW "<img srcset=\"{{url}} 2x\">\n", 2, "srcset");
	refused(VIEW "<iframe srcdoc=\"{{title}}\"></iframe>\n", 2, "srcdoc");
	refused(VIEW "<a href=\"javascript:go({{count}})\">x</a>\n", 2,
	    "scheme");
	refused(VIEW "<a href=\"JavaScript:void(0)\">x</a>\n", 2, "scheme");
	refused(VIEW "<p>{{title}}</p>\n<a href=\"data:text/html,x\">\n", 3,
	    "scheme");
	refused(VIEW "<div class=\"{{raw title}}\"></div>\n", 2, "{{raw}}");
}

static void
test_broken_structure_is_refused(void **state)
{
	refused(VIEW "{{#if title}}<a href=\"{{/if}}\">\n", 2,
	    "context at {{/if}}");
	refused(VIEW "{{#if title}}\n{{else}}\n{{else}}\n{{/if}}\n", 4,
	    "{{else}} without");
	refused(VIEW "<p>\n{{/each}}\n", 3, "{{/each}} without");
	refused(VIEW "{{#unless title}}x{{/unless}}\n", 2, "unknown directive");
	refused(VIEW "<p>{{ title.</p>\n", 2, "unclosed {{");
	refused(VIEW "<p>{{ a..b }}</p>\n", 2, "bad name");
	refused(VIEW "{{> partials/nope title}}\n", 2, "no template");
	refused(VIEW "{{#each items as it}}{{#each items as it}}"
	    "{{/each}}{{/each}}\n", 2, "already used");
	refused(VIEW "{{#each items as it}}{{#each it as x}}{{/each}}"
	    "{{/each}}\n", 2, "not a list");
	refused("<p>{{title}}</p>\n", 1, "{{@view");
	refused(VIEW "<p class=\"x\n", 3, "template ends inside");
}

static void
test_good_template_compiles_with_strict_warnings(void **state)
{
	char cmd[2048];

	assert_int_equal(compile(VIEW
	    "{{! a comment }}\n"
	    "<title>{{#if title}}{{title}} - {{/if}}Site</title>\n"
	    "<a href=\"{{url}}\">{{user.name}}</a>\n"
	    "<ul>\n"
	    "{{#each items as it}}\n"
	    "  <li><a href=\"/i/{{it.name}}?n={{it.n}}\""
	    "{{#if it.name == \"x\"}} class=\"x\"{{/if}}>{{it.name}}</a>\n"
	    "{{/each}}\n"
	    "</ul>\n"
	    "<p>{{count}}</p>{{#if !count}}<p>none</p>{{/if}}\n"), 0);
	assert_true(exists("gen.c"));
	assert_true(exists("gen.h"));
	if (system("command -v cc >/dev/null") != 0)
		skip();
	snprintf(cmd, sizeof(cmd), "cc " STRICT " -fsyntax-only -Isrc -I'%s' "
	    "'%s/gen.c'", dir, dir);
	if (run(cmd) != 0)
		fail_msg("generated C does not compile: %s", errs);
}

static void
test_misspelt_member_is_a_c_error_at_the_template_line(void **state)
{
	char cmd[2048];

	assert_int_equal(compile(VIEW "<p>\n{{titel}}\n</p>\n"), 0);
	if (system("command -v cc >/dev/null") != 0)
		skip();
	snprintf(cmd, sizeof(cmd), "cc " STRICT " -fsyntax-only -Isrc -I'%s' "
	    "'%s/gen.c'", dir, dir);
	assert_int_not_equal(run(cmd), 0);
	if (strstr(errs, "t/x.html:3:") == NULL || strstr(errs, "titel") == NULL)
		fail_msg("expected an error at t/x.html:3 naming titel: %s",
		    errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expression_inside_script_is_refused),
		cmocka_unit_test(test_expression_in_unquoted_attribute_is_refused),
		cmocka_unit_test(test_unclosed_if_is_refused_at_its_line),
		cmocka_unit_test(test_unsafe_contexts_are_refused),
		cmocka_unit_test(test_broken_structure_is_refused),
		cmocka_unit_test(test_good_template_compiles_with_strict_warnings),
		cmocka_unit_test(test_misspelt_member_is_a_c_error_at_the_template_line),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
