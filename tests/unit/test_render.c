/*
 * test_render.c - the escaping layer (web/render.h) and the real
 * templates rendered with hostile values.
 *
 * Each emitter is checked against every character that matters in its
 * context, against the URL obfuscations browsers are known to accept,
 * and against invalid UTF-8; the templates are checked for what a user
 * (or a screen reader) sees: escaped values, refused URLs, labels,
 * aria-* links and roles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "templates.h"
#include "web/render.h"
#include "web/views.h"

static struct buf out;

static int
setup(void **state)
{
	buf_init(&out, NULL);
	return 0;
}

static int
teardown(void **state)
{
	buf_free(&out);
	return 0;
}

typedef void (*emitter)(struct buf *, const char *);

/* What emitter f appends for s, in a fresh buffer. */
static const char *
emit(emitter f, const char *s)
{
	buf_reset(&out);
	f(&out, s);
	assert_false(buf_failed(&out));
	return buf_cstr(&out);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

static void
assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		fail_msg("did not expect \"%s\" in:\n%s", needle, hay);
}

static void
test_text_escapes_every_html_special(void **state)
{
	assert_string_equal(emit(html_text, "<a href=\"x\">Tom & 'Jerry'</a>"),
	    "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
	assert_string_equal(emit(html_text, "a=b `c`"), "a=b `c`");
	assert_string_equal(emit(html_text, "plain text 123"), "plain text 123");
	assert_string_equal(emit(html_text, ""), "");
}

static void
test_attr_escapes_quotes_backtick_and_equals(void **state)
{
	assert_string_equal(emit(html_attr, "\" onmouseover=alert(1) x='`"),
	    "&quot; onmouseover&#61;alert(1) x&#61;&#39;&#96;");
	assert_string_equal(emit(html_attr, "<>&"), "&lt;&gt;&amp;");
}

static void
test_null_prints_nothing(void **state)
{
	assert_string_equal(emit(html_text, NULL), "");
	assert_string_equal(emit(html_attr, NULL), "");
	assert_string_equal(emit(html_url, NULL), "");
	assert_string_equal(emit(html_raw, NULL), "");
	assert_string_equal(emit(url_encode_component, NULL), "");
	assert_false(url_is_safe(NULL));
}

static void
test_utf8_is_kept(void **state)
{
	const char *s = "Zo\xC3\xAB \xE2\x80\x93 \xE6\x97\xA5\xE6\x9C\xAC "
	    "\xF0\x9F\x98\x80";

	assert_string_equal(emit(html_text, s), s);
	assert_string_equal(emit(html_attr, s), s);
}

static void
test_invalid_utf8_becomes_replacement_character(void **state)
{
	/* a lone continuation byte, a byte never valid */
	assert_string_equal(emit(html_text, "a\x80z"), "a\xEF\xBF\xBDz");
	assert_string_equal(emit(html_text, "a\xFFz"), "a\xEF\xBF\xBDz");
	/* an overlong '/' and an overlong NUL */
	assert_string_equal(emit(html_text, "\xC0\xAF"),
	    "\xEF\xBF\xBD\xEF\xBF\xBD");
	assert_string_equal(emit(html_text, "\xE0\x80\xAF"),
	    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	/* a UTF-16 surrogate and a code point past U+10FFFF */
	assert_string_equal(emit(html_text, "\xED\xA0\x80"),
	    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	assert_string_equal(emit(html_text, "\xF4\x90\x80\x80"),
	    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	/* a truncated sequence must not swallow the '<' or '"' after it */
	assert_string_equal(emit(html_text, "\xE6\x97<b>"),
	    "\xEF\xBF\xBD&lt;b&gt;");
	assert_string_equal(emit(html_attr, "\xF0\x9F\x98\""),
	    "\xEF\xBF\xBD&quot;");
	assert_string_equal(emit(html_text, "end\xE6\x97"), "end\xEF\xBF\xBD");
}

static void
test_control_characters_are_replaced_but_whitespace_kept(void **state)
{
	assert_string_equal(emit(html_text, "a\x01" "b\x1B" "c\x7F"),
	    "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD");
	assert_string_equal(emit(html_text, "a\tb\nc\r\n"), "a\tb\nc\r\n");
}

static void
test_dangerous_urls_are_refused(void **state)
{
	static const char *const bad[] = {
		"javascript:alert(1)", "JaVaScRiPt:alert(1)",
		" javascript:alert(1)", "\t\n javascript:alert(1)",
		"java\tscript:alert(1)", "java\nscript:alert(1)",
		"java\rscript:alert(1)", "\x01javascript:alert(1)",
		"jav\x7F" "ascript:alert(1)", "javascript :alert(1)",
		"data:text/html,<script>alert(1)</script>",
		"DATA:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)",
		"VBScript:msgbox(1)", "javascript&colon;x:alert(1)",
		"file:///etc/passwd", "blob:https://x/y",
		"java\xC2\xA0script:alert(1)", "ftp://x/", ":",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (url_is_safe(bad[i]))
			fail_msg("url_is_safe accepted \"%s\"", bad[i]);
		assert_string_equal(emit(html_url, bad[i]),
		    "about:invalid#refused");
	}
}

static void
test_ordinary_urls_are_kept_and_escaped(void **state)
{
	static const char *const good[] = {
		"https://x/?a=1&b=2", "/relative?x=y", "HTTP://EXAMPLE.ORG/",
		"mailto:front.desk@example.org", "tel:+1-555-0100", "#main",
		"?page=2", "", "//cdn.example.org/x",
		"/search?q=a:b", "./a:b", "patients/12", "appointments/new",
		"jav&#x09;ascript:alert(1)", " https://example.org/",
		"ht\ttps://example.org/", "\nmailto:a@example.org",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!url_is_safe(good[i]))
			fail_msg("url_is_safe refused \"%s\"", good[i]);
	assert_string_equal(emit(html_url, "https://x/?a=1&b=2"),
	    "https://x/?a&#61;1&amp;b&#61;2");
	assert_string_equal(emit(html_url, "/relative?x=y"),
	    "/relative?x&#61;y");
	assert_string_equal(emit(html_url, "/a\"onclick=\"x"),
	    "/a&quot;onclick&#61;&quot;x");
	/* a character reference is not decoded: the browser sees "jav&",
	 * a relative path, and a fragment */
	assert_string_equal(emit(html_url, "jav&#x09;ascript:alert(1)"),
	    "jav&amp;#x09;ascript:alert(1)");
}

static void
test_url_component_percent_encodes_all_but_unreserved(void **state)
{
	assert_string_equal(emit(url_encode_component, "a b&c=d/e?f#g"),
	    "a%20b%26c%3Dd%2Fe%3Ff%23g");
	assert_string_equal(emit(url_encode_component, "\"><'`"),
	    "%22%3E%3C%27%60");
	assert_string_equal(emit(url_encode_component, "AZaz09-._~"),
	    "AZaz09-._~");
	assert_string_equal(emit(url_encode_component, "Zo\xC3\xAB"),
	    "Zo%C3%AB");
	assert_string_equal(emit(url_encode_component, "x\xFFy"),
	    "x%EF%BF%BDy");
	assert_string_equal(emit(url_encode_component, "javascript:alert(1)"),
	    "javascript%3Aalert%281%29");
}

static void
test_integers_print_as_numbers(void **state)
{
	int i = -42;
	size_t z = 18446744073709551615u;
	long l = LONG_MIN;
	const char *s = "<";

	buf_reset(&out);
	RENDER_TEXT(&out, i);
	buf_putc(&out, ' ');
	RENDER_ATTR(&out, z);
	buf_putc(&out, ' ');
	RENDER_URLPART(&out, l);
	buf_putc(&out, ' ');
	RENDER_TEXT(&out, s);
	assert_string_equal(buf_cstr(&out),
	    "-42 18446744073709551615 -9223372036854775808 &lt;");
}

static void
test_escaping_never_truncates_silently(void **state)
{
	struct buf b;

	buf_init(&b, NULL);
	b.limit = 10;
	html_text(&b, "<<<");    /* 12 bytes escaped: over the limit */
	assert_true(buf_failed(&b));
	html_text(&b, "ok");     /* a failed buffer stays failed */
	assert_true(buf_failed(&b));
	buf_free(&b);

	buf_init(&b, NULL);
	b.limit = 12;
	html_text(&b, "<<<");    /* exactly fits */
	assert_false(buf_failed(&b));
	assert_string_equal(buf_cstr(&b), "&lt;&lt;&lt;");
	buf_free(&b);
}

/* ---- the real templates ------------------------------------------------ */

static void
test_login_escapes_hostile_values(void **state)
{
	struct login_view v = {
		.email = "\"><script>alert(1)</script>",
		.error = "<img src=x onerror=alert(1)>",
		.csrf = "t\"ok'en",
		.next = "javascript:alert(1)",
		.notice = "Signed out & safe",
	};

	buf_reset(&out);
	tmpl_auth_login(&out, &v);
	assert_false(buf_failed(&out));
	assert_contains(buf_cstr(&out), "value=\"&quot;&gt;&lt;script&gt;"
	    "alert(1)&lt;/script&gt;\"");
	assert_lacks(buf_cstr(&out), "<script");
	assert_lacks(buf_cstr(&out), "<img");
	assert_contains(buf_cstr(&out), "role=\"alert\">&lt;img src=x "
	    "onerror=alert(1)&gt;</p>");
	assert_contains(buf_cstr(&out),
	    "name=\"csrf\" value=\"t&quot;ok&#39;en\"");
	/* next is data in a hidden field, never a link: it cannot run */
	assert_contains(buf_cstr(&out),
	    "name=\"next\" value=\"javascript:alert(1)\"");
	assert_lacks(buf_cstr(&out), "href=\"javascript");
	assert_contains(buf_cstr(&out), "Signed out &amp; safe");
}

static void
test_login_form_is_accessible_and_complete(void **state)
{
	struct login_view v = { .email = "a@example.org", .csrf = "tok" };
	const char *html;

	buf_reset(&out);
	tmpl_auth_login(&out, &v);
	html = buf_cstr(&out);
	assert_contains(html, "<form method=\"post\" action=\"/login\"");
	assert_contains(html, "<label for=\"login-email\">");
	assert_contains(html, "id=\"login-email\" name=\"email\" type=\"email\" "
	    "value=\"a@example.org\" autocomplete=\"username\"");
	assert_contains(html, "<label for=\"login-password\">");
	assert_contains(html, "autocomplete=\"current-password\"");
	assert_contains(html, "href=\"/password/forgot\">Forgot your password?");
	assert_lacks(html, "aria-invalid");
	assert_lacks(html, "role=\"alert\"");
	assert_lacks(html, "name=\"next\"");

	v.error = "That email and password do not match.";
	buf_reset(&out);
	tmpl_auth_login(&out, &v);
	html = buf_cstr(&out);
	assert_contains(html, "id=\"login-error\" role=\"alert\">That email");
	assert_contains(html, "aria-invalid=\"true\" "
	    "aria-describedby=\"login-error\"");
	assert_contains(html, "value=\"a@example.org\"");
}

static void
test_layout_refuses_script_urls_and_marks_current_page(void **state)
{
	static const struct nav_item nav[] = {
		{ "Today", "/", 1 },
		{ "<Patients>", "javascript:alert(1)", 0 },
		{ "Tasks", " JaVa\tScRiPt:alert(1)", 0 },
	};
	static const struct flash_view fl[] = {
		{ "success", "Saved <b>" },
		{ "error", "Could not save" },
		{ "info\" onclick=\"x", "i" },
	};
	struct layout_view v = {
		.title = "Today's <schedule>", .practice_name = "Hope & Co",
		.user_name = "Dr \"Q\"", .nav = nav, .n_nav = 3, .flashes = fl,
		.n_flashes = 3, .css_href = "/static/css/alcove.1234.css",
		.js_href = "data:text/javascript,alert(1)", .csrf = "c",
		.body = "<p>pre-rendered</p>",
	};
	const char *html;

	buf_reset(&out);
	tmpl_layout(&out, &v);
	html = buf_cstr(&out);
	assert_false(buf_failed(&out));
	assert_contains(html, "<html lang=\"en\">");
	assert_contains(html, "<title>Today&#39;s &lt;schedule&gt; - Alcove"
	    "</title>");
	assert_contains(html, "<a href=\"/\" aria-current=\"page\">Today</a>");
	assert_contains(html, "<a href=\"about:invalid#refused\">&lt;Patients"
	    "&gt;</a>");
	assert_contains(html, "<a href=\"about:invalid#refused\">Tasks</a>");
	assert_contains(html, "<script type=\"module\" "
	    "src=\"about:invalid#refused\">");
	assert_lacks(html, "javascript:");
	assert_contains(html, "class=\"flash flash-success\" role=\"status\">"
	    "Saved &lt;b&gt;</div>");
	assert_contains(html, "class=\"flash flash-error\" role=\"alert\">"
	    "Could not save</div>");
	assert_contains(html, "flash-info&quot; onclick&#61;&quot;x\"");
	assert_contains(html, "Signed in as Dr &quot;Q&quot;");
	assert_contains(html, "Hope &amp; Co");
	assert_contains(html, "<p>pre-rendered</p>");
	assert_contains(html, "href=\"#main\"");
	assert_contains(html, "<main id=\"main\"");
	assert_lacks(html, "style=");
	assert_lacks(html, "<style");
}

static void
test_layout_signed_out_has_no_app_navigation(void **state)
{
	static const struct nav_item nav[] = { { "Today", "/", 1 } };
	struct layout_view v = { .title = "Sign in", .nav = nav, .n_nav = 1,
		.body = "b" };
	const char *html;

	buf_reset(&out);
	tmpl_layout(&out, &v);
	html = buf_cstr(&out);
	assert_contains(html, "<title>Sign in - Alcove</title>");
	assert_lacks(html, "<nav");
	assert_lacks(html, "action=\"/logout\"");
	assert_lacks(html, "class=\"flashes\"");
	assert_lacks(html, "<script");
}

static void
test_field_links_error_and_hint_and_keeps_value(void **state)
{
	struct field_view f = { .name = "dob", .label = "Date of birth",
		.type = "date", .value = "1990-13-01\"x", .required = 1,
		.hint = "As on an ID card", .error = "Enter a real date." };
	const char *html;

	buf_reset(&out);
	tmpl_partials_field(&out, &f);
	html = buf_cstr(&out);
	assert_contains(html, "<label for=\"f-dob\">Date of birth");
	assert_contains(html, "(required)");
	assert_contains(html, "<p class=\"field-error\" id=\"f-dob-error\">"
	    "Enter a real date.</p>");
	assert_contains(html, "id=\"f-dob\" name=\"dob\" type=\"date\" "
	    "value=\"1990-13-01&quot;x\" required aria-invalid=\"true\" "
	    "aria-describedby=\"f-dob-error f-dob-hint\">");

	f.error = NULL;
	f.required = 0;
	f.value = NULL;
	f.type = NULL;
	buf_reset(&out);
	tmpl_partials_field(&out, &f);
	html = buf_cstr(&out);
	assert_contains(html, "type=\"text\" aria-describedby=\"f-dob-hint\">");
	assert_lacks(html, "aria-invalid");
	assert_lacks(html, "value=");
	assert_lacks(html, "required");
}

static void
test_error_page_names_status_and_request_id(void **state)
{
	struct error_view v = { .status = 404, .title = "Page not found",
		.message = "We could not find that page.",
		.request_id = "r-1f2e<3>" };
	const char *html;

	buf_reset(&out);
	tmpl_errors_error(&out, &v);
	html = buf_cstr(&out);
	assert_contains(html, "Error 404");
	assert_contains(html, "<h1 id=\"error-title\">Page not found</h1>");
	assert_contains(html, "<code>r-1f2e&lt;3&gt;</code>");
	assert_contains(html, "href=\"/\"");

	memset(&v, 0, sizeof(v));
	v.status = 500;
	buf_reset(&out);
	tmpl_errors_error(&out, &v);
	html = buf_cstr(&out);
	assert_contains(html, "Error 500");
	assert_contains(html, "Something went wrong");
	assert_lacks(html, "<code>");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_text_escapes_every_html_special),
		T(test_attr_escapes_quotes_backtick_and_equals),
		T(test_null_prints_nothing),
		T(test_utf8_is_kept),
		T(test_invalid_utf8_becomes_replacement_character),
		T(test_control_characters_are_replaced_but_whitespace_kept),
		T(test_dangerous_urls_are_refused),
		T(test_ordinary_urls_are_kept_and_escaped),
		T(test_url_component_percent_encodes_all_but_unreserved),
		T(test_integers_print_as_numbers),
		T(test_escaping_never_truncates_silently),
		T(test_login_escapes_hostile_values),
		T(test_login_form_is_accessible_and_complete),
		T(test_layout_refuses_script_urls_and_marks_current_page),
		T(test_layout_signed_out_has_no_app_navigation),
		T(test_field_links_error_and_hint_and_keeps_value),
		T(test_error_page_names_status_and_request_id),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
