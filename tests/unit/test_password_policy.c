/*
 * test_password_policy.c - the password rules (core/users/policy.h):
 * length in code points, the byte limit, UTF-8, the embedded breached-
 * password blocklist, the name / e-mail / practice-name rules and the
 * reasons shown to people.
 *
 * The blocklist test reads data/passwords/blocklist.txt (tests run from
 * the repository root) and checks that every one of its lines is found
 * in the embedded copy: that proves the file is sorted the way the binary
 * search expects and that the build embedded all of it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/users/policy.h"

#define BLOCKLIST_FILE "data/passwords/blocklist.txt"

/* s repeated n times into a static buffer. */
static const char *
rep(const char *s, size_t n)
{
	static char out[4096];
	size_t i, len = strlen(s);

	assert_true(len * n < sizeof(out));
	for (i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return out;
}

static enum pwpol_verdict
check_mfa(const char *pw, int mfa)
{
	struct pwpol_subject who;

	memset(&who, 0, sizeof(who));
	who.has_mfa = mfa;
	return pwpol_check(pw, &who);
}

static void
test_length_is_15_without_mfa_and_8_with_it(void **state)
{
	(void)state;
	assert_int_equal(check_mfa("kq7-walrus-jig", 0), PWPOL_TOO_SHORT);
	assert_int_equal(check_mfa("kq7-walrus-jigs", 0), PWPOL_OK);
	assert_int_equal(pwpol_check("kq7-walrus-jigs", NULL), PWPOL_OK);
	assert_int_equal(check_mfa("kq7-wal", 1), PWPOL_TOO_SHORT);
	assert_int_equal(check_mfa("kq7-walr", 1), PWPOL_OK);
	assert_int_equal(pwpol_min_chars(0), 15);
	assert_int_equal(pwpol_min_chars(1), 8);
	assert_int_equal(check_mfa("", 0), PWPOL_EMPTY);
	assert_int_equal(pwpol_check(NULL, NULL), PWPOL_EMPTY);
}

static void
test_length_counts_code_points_not_bytes(void **state)
{
	const char *thumbs = "\xF0\x9F\x91\x8D"; /* U+1F44D, 4 bytes */
	const char *cjk = "\xE6\xA3\xAE";        /* U+68EE, 3 bytes */

	(void)state;
	/* 14 emoji are 56 bytes but 14 characters: too short. */
	assert_int_equal(check_mfa(rep(thumbs, 14), 0), PWPOL_TOO_SHORT);
	assert_int_equal(check_mfa(rep(thumbs, 15), 0), PWPOL_OK);
	assert_int_equal(check_mfa(rep(cjk, 14), 0), PWPOL_TOO_SHORT);
	assert_int_equal(check_mfa(rep(cjk, 15), 0), PWPOL_OK);
	/* 5 CJK characters are 15 bytes, still 5 characters. */
	assert_int_equal(check_mfa(rep(cjk, 5), 1), PWPOL_TOO_SHORT);
	assert_int_equal(check_mfa(rep(cjk, 8), 1), PWPOL_OK);
	assert_int_equal(pwpol_chars("h\xC3\xA9llo"), 5);
	assert_int_equal(pwpol_chars(rep(thumbs, 3)), 3);
	assert_int_equal(pwpol_chars(""), 0);
}

static void
test_up_to_1024_bytes_are_allowed_and_64_characters_always_fit(void **state)
{
	char big[1100];
	size_t i;

	(void)state;
	/* 1024 bytes of a non-repeating pattern: accepted; one more: not. */
	for (i = 0; i < 1024; i++)
		big[i] = (char)('a' + (i * 7 + i / 26) % 26);
	big[1024] = '\0';
	assert_int_equal(check_mfa(big, 0), PWPOL_OK);
	big[1024] = 'x';
	big[1025] = '\0';
	assert_int_equal(check_mfa(big, 0), PWPOL_TOO_LONG);
	/* 256 four-byte characters are exactly 1024 bytes. */
	assert_int_equal(check_mfa(rep("\xF0\x9F\x8C\xB2", 256), 0), PWPOL_OK);
	assert_int_equal(check_mfa(rep("\xF0\x9F\x8C\xB2", 257), 0),
	    PWPOL_TOO_LONG);
	assert_int_equal(check_mfa(rep("plum ", 13), 0), PWPOL_OK); /* 65 */
}

static void
test_invalid_utf8_is_refused(void **state)
{
	(void)state;
	assert_int_equal(check_mfa("quite long enough \xFF pass", 0),
	    PWPOL_NOT_UTF8);
	/* overlong '/', a lone surrogate, a truncated sequence, > U+10FFFF */
	assert_int_equal(check_mfa("quite long enough \xC0\xAF", 0),
	    PWPOL_NOT_UTF8);
	assert_int_equal(check_mfa("quite long enough \xED\xA0\x80", 0),
	    PWPOL_NOT_UTF8);
	assert_int_equal(check_mfa("quite long enough \xE6\xA3", 0),
	    PWPOL_NOT_UTF8);
	assert_int_equal(check_mfa("quite long enough \xF4\x90\x80\x80", 0),
	    PWPOL_NOT_UTF8);
	assert_int_equal(pwpol_chars("\xFF"), (size_t)-1);
}

static void
test_breached_passwords_are_refused_whatever_their_case(void **state)
{
	(void)state;
	assert_int_equal(check_mfa("passwordpassword", 0), PWPOL_BREACHED);
	assert_int_equal(check_mfa("PassWordPASSWORD", 0), PWPOL_BREACHED);
	assert_int_equal(check_mfa("alwaysandforever", 0), PWPOL_BREACHED);
	assert_int_equal(check_mfa("password1", 1), PWPOL_BREACHED);
	assert_int_equal(check_mfa("Monkey123", 1), PWPOL_BREACHED);
	assert_int_equal(check_mfa("qwertyuiop", 1), PWPOL_BREACHED);
	/* Near misses are fine. */
	assert_int_equal(check_mfa("correct horse battery staple", 0), PWPOL_OK);
	assert_int_equal(check_mfa("passwordpassword and more", 0), PWPOL_OK);
	assert_int_equal(pwpol_blocklisted("iloveyou"), 1);
	assert_int_equal(pwpol_blocklisted("iloveyou!"), 1);
	assert_int_equal(pwpol_blocklisted("iloveyo"), 0);
	assert_int_equal(pwpol_blocklisted(""), 0);
	/* The ends of the sorted list: the search reaches both. */
	assert_int_equal(pwpol_blocklisted("!!!semen!!!"), 1);
	assert_int_equal(pwpol_blocklisted("~censored~"), 1);
	assert_int_equal(pwpol_blocklisted("~censored~~"), 0);
	assert_int_equal(pwpol_blocklisted(" "), 0);
}

static void
test_every_line_of_the_shipped_list_is_embedded(void **state)
{
	char line[1200];
	size_t n = 0, missing = 0;
	FILE *f = fopen(BLOCKLIST_FILE, "r");

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		n++;
		if (!pwpol_blocklisted(line)) {
			if (missing++ < 5)
				fprintf(stderr, "not found: line %zu\n", n);
		}
	}
	fclose(f);
	assert_int_equal(missing, 0);
	assert_true(n >= 100000);
	assert_int_equal(pwpol_blocklist_count(), n);
}

static enum pwpol_verdict
check_who(const char *pw, const char *name, const char *email,
    const char *practice)
{
	struct pwpol_subject who;
	const char *practices[1];

	memset(&who, 0, sizeof(who));
	who.name = name;
	who.email = email;
	practices[0] = practice;
	who.practices = practices;
	who.n_practices = practice ? 1 : 0;
	return pwpol_check(pw, &who);
}

static void
test_passwords_with_the_users_name_are_refused(void **state)
{
	(void)state;
	assert_int_equal(check_who("my dog is called doe-eyed", "Jane Q. Doe",
	    NULL, NULL), PWPOL_HAS_NAME);
	assert_int_equal(check_who("JANE likes long walks", "Jane Q. Doe",
	    NULL, NULL), PWPOL_HAS_NAME);
	/* "Q" is shorter than 3 letters: not a name part. */
	assert_int_equal(check_who("quiet quokka quarters", "Jane Q. Doe",
	    NULL, NULL), PWPOL_OK);
	/* Case folding beyond ASCII. */
	assert_int_equal(check_who("\xC3\x85NGSTR\xC3\x96M family trip",
	    "Zo\xC3\xAB \xC3\x85ngstr\xC3\xB6m", NULL, NULL), PWPOL_HAS_NAME);
	assert_int_equal(check_who("\xD0\xB8\xD0\xB2\xD0\xB0\xD0\xBD and "
	    "friends forever", "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD Petrov", NULL,
	    NULL), PWPOL_HAS_NAME);
	/* A "name" that is an e-mail address is not treated as a name. */
	assert_int_equal(check_who("test the example carefully",
	    "owner@example.test", NULL, NULL), PWPOL_OK);
}

static void
test_passwords_with_the_email_local_part_are_refused(void **state)
{
	(void)state;
	assert_int_equal(check_who("hello jane.doe how are you", NULL,
	    "jane.doe@example.org", NULL), PWPOL_HAS_EMAIL);
	assert_int_equal(check_who("Doe Ray Me Far So La Ti", NULL,
	    "jane.doe@example.org", NULL), PWPOL_HAS_EMAIL);
	/* The domain is not the user's. */
	assert_int_equal(check_who("an example of a password", NULL,
	    "jane.doe@example.org", NULL), PWPOL_OK);
	assert_int_equal(check_who("xx-jd-is-fine-here", NULL,
	    "jd@example.org", NULL), PWPOL_OK);
}

static void
test_passwords_with_the_practice_name_are_refused(void **state)
{
	const char *p = "Lakeside Counseling";

	(void)state;
	assert_int_equal(check_who("lakeside counseling 2024", NULL, NULL, p),
	    PWPOL_HAS_PRACTICE);
	assert_int_equal(check_who("LakesideCounseling!!", NULL, NULL, p),
	    PWPOL_HAS_PRACTICE);
	assert_int_equal(check_who("we-love-lakeside-counseling", NULL, NULL,
	    p), PWPOL_HAS_PRACTICE);
	/* One word of it is not the practice's name. */
	assert_int_equal(check_who("lakeside cabin in winter", NULL, NULL, p),
	    PWPOL_OK);
}

static void
test_every_refusal_has_a_plain_reason(void **state)
{
	enum pwpol_verdict v;

	(void)state;
	assert_string_equal(pwpol_reason(PWPOL_OK, 0), "");
	for (v = PWPOL_EMPTY; v <= PWPOL_HAS_PRACTICE; v++)
		assert_true(strlen(pwpol_reason(v, 0)) > 10);
	assert_string_equal(pwpol_reason(PWPOL_BREACHED, 0),
	    "This password is in a list of passwords leaked in data breaches. "
	    "Choose a different one.");
	assert_non_null(strstr(pwpol_reason(PWPOL_TOO_SHORT, 0),
	    "at least 15 characters"));
	assert_non_null(strstr(pwpol_reason(PWPOL_TOO_SHORT, 1),
	    "at least 8 characters"));
	assert_non_null(strstr(pwpol_reason(PWPOL_HAS_NAME, 0), "your name"));
	assert_non_null(strstr(pwpol_reason(PWPOL_HAS_EMAIL, 0), "e-mail"));
	assert_non_null(strstr(pwpol_reason(PWPOL_HAS_PRACTICE, 0),
	    "practice's name"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_is_15_without_mfa_and_8_with_it),
		cmocka_unit_test(test_length_counts_code_points_not_bytes),
		cmocka_unit_test(
		    test_up_to_1024_bytes_are_allowed_and_64_characters_always_fit),
		cmocka_unit_test(test_invalid_utf8_is_refused),
		cmocka_unit_test(
		    test_breached_passwords_are_refused_whatever_their_case),
		cmocka_unit_test(test_every_line_of_the_shipped_list_is_embedded),
		cmocka_unit_test(test_passwords_with_the_users_name_are_refused),
		cmocka_unit_test(
		    test_passwords_with_the_email_local_part_are_refused),
		cmocka_unit_test(
		    test_passwords_with_the_practice_name_are_refused),
		cmocka_unit_test(test_every_refusal_has_a_plain_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
