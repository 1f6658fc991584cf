/*
 * test_mail.c - e-mail (core/mail): the RFC 5322 message builder and its
 * quoted-printable body, addresses, templates, and the "email.send" job
 * on the engine testlib selects (what happens to the payload when a mail
 * cannot be sent, has expired, or was already sent).
 *
 * Actual delivery to an SMTP server is tested end to end in
 * tests/http/password.test.js against a local aiosmtpd sink.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/mail/mail.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "testlib.h"

/* 2026-11-25 01:02:03 UTC, a Wednesday. */
#define NOW_MS 1795568523000LL

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes a quoted-printable body (CRLF lines) back to '\n' text. */
static char *
qp_decode(const char *in)
{
	char *out = malloc(strlen(in) + 1), *o = out;

	assert_non_null(out);
	while (*in) {
		if (in[0] == '=' && in[1] == '\r' && in[2] == '\n') {
			in += 3;
		} else if (in[0] == '=') {
			assert_true(hexval(in[1]) >= 0 && hexval(in[2]) >= 0);
			*o++ = (char)(hexval(in[1]) * 16 + hexval(in[2]));
			in += 3;
		} else if (in[0] == '\r' && in[1] == '\n') {
			*o++ = '\n';
			in += 2;
		} else {
			assert_true(in[0] != '\r' && in[0] != '\n');
			*o++ = *in++;
		}
	}
	*o = '\0';
	return out;
}

/* The value of header name in msg (up to its CRLF), into out. */
static int
header(const char *msg, const char *name, char *out, size_t outsz)
{
	const char *end = strstr(msg, "\r\n\r\n"), *p = msg, *eol;
	size_t n = strlen(name);

	while (p < end) {
		eol = strstr(p, "\r\n");
		if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ') {
			snprintf(out, outsz, "%.*s", (int)(eol - p - n - 2),
			    p + n + 2);
			return 1;
		}
		p = eol + 2;
	}
	return 0;
}

static const char body_text[] =
    "Hello,\n\nopen https://alcove.example.org/password/reset?token="
    "abcDEF123_-xyzabcDEF123_-xyzabcDEF123_-xyzab within 30 minutes.\n"
    "Equals = signs, a trailing space \n.a leading dot\n"
    "Caf\xC3\xA9 \xF0\x9F\x8C\xB2 and a very long line that goes on and on "
    "well past the seventy-six characters that quoted-printable allows.\n";

static void
test_message_has_every_header_and_crlf_line_ends(void **state)
{
	struct mail_msg m = {"Lakeside Counseling <alcove@lakeside.example>",
	    "jane@example.org", "Reset your Alcove password", body_text};
	struct buf b;
	char v[300];
	const char *p;

	(void)state;
	buf_init(&b, NULL);
	assert_int_equal(mail_build(&b, &m, NOW_MS), 0);
	assert_true(header(b.data, "Date", v, sizeof(v)));
	assert_string_equal(v, "Wed, 25 Nov 2026 01:02:03 +0000");
	assert_true(header(b.data, "Message-ID", v, sizeof(v)));
	assert_int_equal(strlen(v), 1 + 32 + 1 + strlen("lakeside.example") + 1);
	assert_non_null(strstr(v, "@lakeside.example>"));
	assert_true(header(b.data, "From", v, sizeof(v)));
	assert_string_equal(v, "\"Lakeside Counseling\" <alcove@lakeside.example>");
	assert_true(header(b.data, "To", v, sizeof(v)));
	assert_string_equal(v, "<jane@example.org>");
	assert_true(header(b.data, "Subject", v, sizeof(v)));
	assert_string_equal(v, "Reset your Alcove password");
	assert_true(header(b.data, "MIME-Version", v, sizeof(v)));
	assert_string_equal(v, "1.0");
	assert_true(header(b.data, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/plain; charset=utf-8");
	assert_true(header(b.data, "Content-Transfer-Encoding", v, sizeof(v)));
	assert_string_equal(v, "quoted-printable");
	/* Every line ends in CRLF: no bare CR or LF anywhere. */
	for (p = b.data; *p; p++) {
		if (*p == '\n')
			assert_true(p > b.data && p[-1] == '\r');
		if (*p == '\r')
			assert_int_equal(p[1], '\n');
	}
	buf_free(&b);
}

static void
test_body_is_quoted_printable_in_short_7bit_lines_that_decode_back(
    void **state)
{
	struct mail_msg m = {"alcove@example.org", "jane@example.org", "Hi",
	    body_text};
	const char *body, *p, *eol;
	struct buf b;
	char *decoded;

	(void)state;
	buf_init(&b, NULL);
	assert_int_equal(mail_build(&b, &m, NOW_MS), 0);
	body = strstr(b.data, "\r\n\r\n") + 4;
	for (p = body; *p; p = eol + 2) {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		assert_true(eol - p <= 76);
		/* No whitespace before a line end, no leading dot. */
		if (eol > p)
			assert_true(eol[-1] != ' ' && eol[-1] != '\t');
		assert_true(*p != '.');
	}
	for (p = body; *p; p++)
		assert_true((unsigned char)*p < 0x80);
	decoded = qp_decode(body);
	assert_string_equal(decoded, body_text);
	free(decoded);
	buf_free(&b);
}

static void
test_non_ascii_subject_and_name_become_encoded_words(void **state)
{
	struct mail_msg m = {"Cl\xC3\xADnica Sol <alcove@sol.example>",
	    "ana@example.org", "Restablecer contrase\xC3\xB1" "a", "x\n"};
	unsigned char bin[100];
	size_t binlen;
	struct buf b;
	char v[300];

	(void)state;
	buf_init(&b, NULL);
	assert_int_equal(mail_build(&b, &m, NOW_MS), 0);
	assert_true(header(b.data, "Subject", v, sizeof(v)));
	assert_int_equal(strncmp(v, "=?UTF-8?B?", 10), 0);
	v[strlen(v) - 2] = '\0';
	assert_int_equal(sodium_base642bin(bin, sizeof(bin), v + 10,
	    strlen(v + 10), NULL, &binlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(binlen, strlen("Restablecer contrase\xC3\xB1" "a"));
	assert_memory_equal(bin, "Restablecer contrase\xC3\xB1" "a", binlen);
	assert_true(header(b.data, "From", v, sizeof(v)));
	assert_int_equal(strncmp(v, "=?UTF-8?B?", 10), 0);
	assert_non_null(strstr(v, "?= <alcove@sol.example>"));
	buf_free(&b);
}

static void
test_header_injection_and_bad_addresses_are_refused(void **state)
{
	struct mail_msg m = {"alcove@example.org", "jane@example.org",
	    "Hello", "body\n"};
	struct buf b;

	(void)state;
	buf_init(&b, NULL);
	m.subject = "Hello\r\nBcc: victim@example.org";
	assert_int_equal(mail_build(&b, &m, NOW_MS), ALC_EINVAL);
	m.subject = "Hello\nBcc: victim@example.org";
	assert_int_equal(mail_build(&b, &m, NOW_MS), ALC_EINVAL);
	m.subject = "Hello";
	m.to = "jane@example.org\r\nBcc: victim@example.org";
	assert_int_equal(mail_build(&b, &m, NOW_MS), ALC_EINVAL);
	m.to = "jane@example.org>, <victim@example.org";
	assert_int_equal(mail_build(&b, &m, NOW_MS), ALC_EINVAL);
	m.to = "Jane <jane@example.org>"; /* recipients are bare addresses */
	assert_int_equal(mail_build(&b, &m, NOW_MS), ALC_EINVAL);
	m.to = "jane@example.org";
	m.from = "no address here";
	assert_int_equal(mail_build(&b, &m, NOW_MS), ALC_EINVAL);
	assert_int_equal(b.len, 0); /* nothing written for a refused message */
	buf_free(&b);
}

static void
test_addresses_are_taken_from_angle_brackets(void **state)
{
	char a[MAIL_ADDR_MAX + 1];

	(void)state;
	assert_int_equal(mail_addr("Alcove <alcove@example.org>", a,
	    sizeof(a)), 0);
	assert_string_equal(a, "alcove@example.org");
	assert_int_equal(mail_addr("alcove@example.org", a, sizeof(a)), 0);
	assert_string_equal(a, "alcove@example.org");
	assert_int_equal(mail_addr("Alcove <alcove@example.org", a, sizeof(a)),
	    ALC_EINVAL);
	assert_int_equal(mail_addr("a b@example.org", a, sizeof(a)),
	    ALC_EINVAL);
	assert_int_equal(mail_addr("@example.org", a, sizeof(a)), ALC_EINVAL);
	assert_int_equal(mail_addr("a@b@example.org", a, sizeof(a)),
	    ALC_EINVAL);
	assert_int_equal(mail_addr("", a, sizeof(a)), ALC_EINVAL);
}

static void
test_reset_template_carries_the_link_and_no_placeholders(void **state)
{
	const char *vars[] = {"url", "https://h.example/password/reset?token=T",
	    NULL};
	const char *subject, *body;
	struct arena *a = arena_new();

	(void)state;
	assert_non_null(a);
	assert_int_equal(mail_render(a, "password_reset", vars, &subject,
	    &body), 0);
	assert_string_equal(subject, "Reset your Alcove password");
	assert_non_null(strstr(body,
	    "\n\nhttps://h.example/password/reset?token=T\n\n"));
	assert_non_null(strstr(body, "30 minutes"));
	assert_null(strstr(body, "{{"));
	assert_int_equal(mail_render(a, "no_such_mail", vars, &subject, &body),
	    ALC_ENOTFOUND);
	assert_int_equal(mail_render(a, "password_reset", NULL, &subject,
	    &body), ALC_EINVAL);
	arena_free(a);
}

/* --- the job, against a real database ----------------------------------- */

struct fx {
	struct db *db;
	struct db_conn *c;
	struct jobs *q;
	struct config cfg;
};

static char url_none[] = "";
static char url_closed[] = "smtp://127.0.0.1:1";
static char from[] = "Alcove <alcove@example.org>";
static char empty[] = "";
static char starttls_false[] = "false";

static int
setup(void **state)
{
	static struct fx fx;

	memset(&fx, 0, sizeof(fx));
	if (test_db_open(&fx.db) != 0)
		return -1;
	fx.c = db_acquire(fx.db, 5000, NULL);
	fx.q = jobs_new(fx.db, NULL);
	if (fx.c == NULL || fx.q == NULL)
		return -1;
	fx.cfg.smtp.url = url_none;
	fx.cfg.smtp.from = from;
	fx.cfg.smtp.user = empty;
	fx.cfg.smtp.password = empty;
	fx.cfg.smtp.starttls = starttls_false;
	fx.cfg.smtp.timeout = 5;
	if (mail_register(fx.q, &fx.cfg) != 0)
		return -1;
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	jobs_free(fx->q);
	db_release(fx->c);
	test_db_close(fx->db);
	return 0;
}

struct jrow {
	char status[16], payload[512], error[600];
	int attempts;
};

static void
get_job(struct db_conn *c, int64_t id, struct jrow *r)
{
	struct db_stmt *s;
	const char *e;

	assert_int_equal(db_prepare(c, &s, "SELECT status, payload, "
	    "last_error, attempts FROM jobs WHERE id = ?"), 0);
	db_bind_i64(s, 1, id);
	assert_int_equal(db_step(s), DB_ROW);
	snprintf(r->status, sizeof(r->status), "%s", db_col_text(s, 0));
	snprintf(r->payload, sizeof(r->payload), "%s", db_col_text(s, 1));
	e = db_col_text(s, 2);
	snprintf(r->error, sizeof(r->error), "%s", e ? e : "");
	r->attempts = (int)db_col_i64(s, 3);
	db_stmt_done(s);
}

static const char *const reset_vars[] = {"url",
    "https://h.example/password/reset?token=SECRET-TOKEN", NULL};

static int64_t
enqueue(struct fx *fx, int64_t expires_at)
{
	int64_t id = 0;

	assert_int_equal(mail_enqueue(fx->c, 0, "jane@example.org",
	    "password_reset", reset_vars, expires_at, &id), 0);
	assert_true(id > 0);
	return id;
}

static void
run_one(struct fx *fx)
{
	int ran = 0;

	assert_int_equal(jobs_run_once(fx->q, &ran), 0);
	assert_int_equal(ran, 1);
}

static void
test_enqueue_refuses_bad_recipients(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(mail_enqueue(fx->c, 0, "jane@example.org\r\nBcc: x@y.z",
	    "password_reset", reset_vars, 0, NULL), ALC_EINVAL);
	assert_int_equal(mail_enqueue(fx->c, 0, "Jane <jane@example.org>",
	    "password_reset", reset_vars, 0, NULL), ALC_EINVAL);
}

static void
test_without_smtp_the_job_waits_and_keeps_its_link(void **state)
{
	struct fx *fx = *state;
	struct jrow r;
	int64_t id = enqueue(fx, time_now_ms() + 60000);

	run_one(fx);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "queued");
	assert_non_null(strstr(r.error, "smtp.url is not set"));
	assert_non_null(strstr(r.payload, "SECRET-TOKEN"));
}

static void
test_an_expired_mail_is_dropped_with_its_link(void **state)
{
	struct fx *fx = *state;
	struct jrow r;
	int64_t id = enqueue(fx, time_now_ms() - 1);

	run_one(fx);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "done");
	assert_null(strstr(r.payload, "SECRET-TOKEN"));
	assert_non_null(strstr(r.payload, "\"dropped\":\"expired\""));
	assert_non_null(strstr(r.payload, "\"to\":\"jane@example.org\""));
}

static void
test_the_last_failed_attempt_drops_the_link(void **state)
{
	struct fx *fx = *state;
	struct db_stmt *s;
	struct jrow r;
	int64_t id = enqueue(fx, time_now_ms() + 60000);

	fx->cfg.smtp.url = url_closed;
	/* Five attempts already failed; the sixth is the last. */
	assert_int_equal(db_prepare(fx->c, &s, "UPDATE jobs SET attempts = "
	    "max_attempts - 1 WHERE id = ?"), 0);
	db_bind_i64(s, 1, id);
	assert_int_equal(db_step(s), DB_DONE);
	db_stmt_done(s);
	run_one(fx);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "dead");
	assert_non_null(strstr(r.error, "smtp:"));
	assert_null(strstr(r.error, "jane@example.org"));
	assert_null(strstr(r.payload, "SECRET-TOKEN"));
	assert_non_null(strstr(r.payload, "\"dropped\":\"failed\""));
}

static void
test_a_failed_attempt_before_the_last_keeps_the_link_for_the_retry(
    void **state)
{
	struct fx *fx = *state;
	struct jrow r;
	int64_t id = enqueue(fx, time_now_ms() + 60000);

	fx->cfg.smtp.url = url_closed;
	run_one(fx);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "queued");
	assert_int_equal(r.attempts, 1);
	assert_non_null(strstr(r.error, "smtp:"));
	assert_non_null(strstr(r.payload, "SECRET-TOKEN"));
}

static void
test_a_job_whose_mail_was_sent_is_not_sent_again(void **state)
{
	struct fx *fx = *state;
	struct job_spec spec;
	struct jrow r;
	int64_t id = 0;

	/* What a crash between sending and recording "done" leaves. */
	memset(&spec, 0, sizeof(spec));
	spec.kind = MAIL_JOB_KIND;
	spec.payload = "{\"to\":\"jane@example.org\",\"template\":"
	    "\"password_reset\",\"sent\":true}";
	assert_int_equal(jobs_enqueue(fx->c, &spec, &id), 0);
	fx->cfg.smtp.url = url_closed; /* sending would fail */
	run_one(fx);
	get_job(fx->c, id, &r);
	assert_string_equal(r.status, "done");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message_has_every_header_and_crlf_line_ends),
		cmocka_unit_test(
		    test_body_is_quoted_printable_in_short_7bit_lines_that_decode_back),
		cmocka_unit_test(
		    test_non_ascii_subject_and_name_become_encoded_words),
		cmocka_unit_test(
		    test_header_injection_and_bad_addresses_are_refused),
		cmocka_unit_test(test_addresses_are_taken_from_angle_brackets),
		cmocka_unit_test(
		    test_reset_template_carries_the_link_and_no_placeholders),
		cmocka_unit_test_setup_teardown(
		    test_enqueue_refuses_bad_recipients, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_without_smtp_the_job_waits_and_keeps_its_link, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_an_expired_mail_is_dropped_with_its_link, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_last_failed_attempt_drops_the_link, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_failed_attempt_before_the_last_keeps_the_link_for_the_retry,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_job_whose_mail_was_sent_is_not_sent_again, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
