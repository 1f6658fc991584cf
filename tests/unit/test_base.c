/*
 * test_base.c - the base layer: arena, buf, configuration, time, logging
 * helpers.  These are what every other module stands on, so their failure
 * paths (limits, out-of-range values, bad files) are tested as carefully
 * as their normal use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "testlib.h"

static int deferred;

static void
count_defer(void *arg)
{
	deferred += *(int *)arg;
}

static void
test_arena_gives_aligned_zeroed_memory_and_runs_cleanups_last_first(void **state)
{
	struct arena *a = arena_new();
	static int one = 1, ten = 10;
	char *p, *big;
	size_t i;

	assert_non_null(a);
	for (i = 1; i < 100; i++) {
		p = arena_alloc(a, i);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		assert_int_equal(p[i - 1], 0);
		memset(p, 0xAA, i);
	}
	/* Bigger than a block: gets a block of its own, still zeroed. */
	big = arena_alloc(a, 100000);
	assert_non_null(big);
	assert_int_equal(big[99999], 0);
	assert_string_equal(arena_printf(a, "%d-%s", 42, "x"), "42-x");
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	assert_null(arena_strdup(a, NULL));
	deferred = 0;
	assert_int_equal(arena_defer(a, count_defer, &one), 0);
	assert_int_equal(arena_defer(a, count_defer, &ten), 0);
	assert_true(arena_used(a) >= 100000);
	arena_free(a);
	assert_int_equal(deferred, 11);
	arena_free(NULL);
}

static void
test_buf_grows_in_heap_and_arena_and_stays_nul_terminated(void **state)
{
	struct arena *a = arena_new();
	struct buf h, b;
	int i;
	char *s;

	buf_init(&h, NULL);
	assert_string_equal(buf_cstr(&h), "");
	for (i = 0; i < 1000; i++)
		buf_printf(&h, "%d,", i);
	assert_false(buf_failed(&h));
	assert_int_equal(h.data[h.len], '\0');
	assert_true(strncmp(h.data, "0,1,2,", 6) == 0);
	assert_non_null(strstr(h.data, "999,"));
	buf_reset(&h);
	buf_put_i64(&h, INT64_MIN);
	assert_string_equal(buf_cstr(&h), "-9223372036854775808");
	s = buf_detach(&h);
	assert_string_equal(s, "-9223372036854775808");
	free(s);

	buf_init(&b, a);
	for (i = 0; i < 5000; i++)
		buf_putc(&b, 'x');
	assert_int_equal(b.len, 5000);
	assert_int_equal(b.data[5000], '\0');
	assert_null(buf_detach(&b)); /* arena memory is never handed out */
	arena_free(a);
}

static void
test_buf_limit_fails_once_and_never_truncates_silently(void **state)
{
	struct buf b;

	buf_init(&b, NULL);
	b.limit = 8;
	buf_puts(&b, "12345678");
	assert_false(buf_failed(&b));
	buf_puts(&b, "9");
	assert_true(buf_failed(&b));
	/* Later appends do nothing; what was there stays whole. */
	buf_puts(&b, "more");
	assert_string_equal(buf_cstr(&b), "12345678");
	buf_free(&b);
}

static void
test_time_format_and_parse_roundtrip_in_utc(void **state)
{
	char s[32];
	int64_t ms;

	assert_string_equal(time_format_iso(s, sizeof(s), 0),
	    "1970-01-01T00:00:00.000Z");
	assert_string_equal(time_format_iso(s, sizeof(s), 1795566600123LL),
	    "2026-11-25T00:30:00.123Z");
	assert_int_equal(time_parse_iso("2026-11-25T00:30:00.123Z", &ms), 0);
	assert_int_equal(ms, 1795566600123LL);
	assert_int_equal(time_parse_iso("2026-11-25T00:30:00Z", &ms), 0);
	assert_int_equal(ms, 1795566600000LL);
	assert_int_equal(time_parse_iso("2024-02-29T12:00:00.5Z", &ms), 0);
	assert_int_equal(ms % 1000, 500);
	assert_int_equal(time_parse_iso("2026-11-25 00:30:00Z", &ms), ALC_EINVAL);
	assert_int_equal(time_parse_iso("2026-13-01T00:00:00Z", &ms), ALC_EINVAL);
	assert_int_equal(time_parse_iso("2026-11-25T00:30:00+01:00", &ms),
	    ALC_EINVAL);
	assert_true(time_mono_ms() > 0);
}

static void
test_log_q_quotes_escapes_and_cuts_with_an_ellipsis(void **state)
{
	char small[16], big[64];

	assert_string_equal(log_q(big, sizeof(big), "a \"b\" \\ c"),
	    "\"a \\\"b\\\" \\\\ c\"");
	assert_string_equal(log_q(big, sizeof(big), "line\nbreak"),
	    "\"line?break\"");
	log_q(small, sizeof(small), "a rather long message here");
	assert_true(strlen(small) < sizeof(small));
	assert_non_null(strstr(small, "..."));
	assert_int_equal(log_level_parse("warn"), LOG_WARN);
	assert_int_equal(log_level_parse("loud"), -1);
}

/* Writes an alcove.ini into a fresh directory and returns the directory. */
static const char *
write_ini(const char *text)
{
	static char dir[PATH_MAX];
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/cfg%d", test_tmpdir(), rand());
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/alcove.ini", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return dir;
}

static void
test_config_defaults_file_values_and_env_overrides(void **state)
{
	struct config cfg;
	struct alc_err err;
	const char *dir = write_ini("[server]\nport = 9443\nmax_body_bytes = 2048\n"
	    "[database]\npath = data.db\n");

	unsetenv("ALCOVE_SERVER_PORT");
	assert_int_equal(config_load(&cfg, dir, NULL, 0, &err), 0);
	assert_int_equal(cfg.server.port, 9443);
	assert_int_equal(cfg.server.max_body_bytes, 2048);
	assert_string_equal(cfg.server.host, "127.0.0.1");
	assert_int_equal(cfg.server.connection_timeout, 30);
	assert_true(cfg.database.path[0] == '/');
	assert_non_null(strstr(cfg.database.path, "/data.db"));
	config_free(&cfg);

	setenv("ALCOVE_SERVER_PORT", "10443", 1);
	assert_int_equal(config_load(&cfg, dir, NULL, 0, &err), 0);
	assert_int_equal(cfg.server.port, 10443);
	config_free(&cfg);
	unsetenv("ALCOVE_SERVER_PORT");
}

static void
test_config_errors_name_the_key(void **state)
{
	struct config cfg;
	struct alc_err err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(config_load(&cfg, write_ini("[server]\nprot = 1\n"),
	    NULL, 0, &err), ALC_ECONFIG);
	assert_non_null(strstr(err.msg, "server.prot: unknown setting"));
	assert_int_equal(config_load(&cfg, write_ini("[server]\nport = "
	    "99999\n"), NULL, 0, &err), ALC_ECONFIG);
	assert_non_null(strstr(err.msg, "server.port"));
	setenv("ALCOVE_LOG_LEVEL", "loud", 1);
	assert_int_equal(config_load(&cfg, write_ini(""), NULL, 0, &err),
	    ALC_ECONFIG);
	assert_non_null(strstr(err.msg, "log.level"));
	assert_non_null(strstr(err.msg, "ALCOVE_LOG_LEVEL"));
	unsetenv("ALCOVE_LOG_LEVEL");
	assert_int_equal(config_load(&cfg, write_ini("[database]\nengine = "
	    "postgres\n"), NULL, 0, &err), ALC_ECONFIG);
	assert_non_null(strstr(err.msg, "database.conninfo"));
	assert_int_equal(config_load(&cfg, write_ini("[server]\nplain_http = "
	    "true\nhost = 0.0.0.0\n"), NULL, 0, &err), ALC_ECONFIG);
	assert_non_null(strstr(err.msg, "server.plain_http"));
	assert_int_equal(config_load(&cfg, "/nonexistent/dir", NULL, 0, &err),
	    ALC_ECONFIG);
}

static void
test_config_initial_file_is_private_and_never_overwritten(void **state)
{
	struct config_init ci;
	struct alc_err err;
	struct config cfg;
	char path[PATH_MAX + 16];
	const char *dir = write_ini("");
	struct stat st;

	snprintf(path, sizeof(path), "%s/new.ini", dir);
	memset(&ci, 0, sizeof(ci));
	ci.master_key_file = "/keys/master.key";
	ci.port = 8555;
	assert_int_equal(config_write_initial(path, &ci, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(config_write_initial(path, &ci, &err), ALC_EEXIST);
	assert_int_equal(config_load(&cfg, NULL, path, 0, &err), 0);
	assert_int_equal(cfg.server.port, 8555);
	assert_string_equal(cfg.keys.master_key_file, "/keys/master.key");
	config_free(&cfg);
	ci.conninfo = "host=x ; dbname=y";
	snprintf(path, sizeof(path), "%s/bad.ini", dir);
	assert_int_equal(config_write_initial(path, &ci, &err), ALC_EINVAL);
	assert_int_equal(access(path, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_gives_aligned_zeroed_memory_and_runs_cleanups_last_first),
		cmocka_unit_test(test_buf_grows_in_heap_and_arena_and_stays_nul_terminated),
		cmocka_unit_test(test_buf_limit_fails_once_and_never_truncates_silently),
		cmocka_unit_test(test_time_format_and_parse_roundtrip_in_utc),
		cmocka_unit_test(test_log_q_quotes_escapes_and_cuts_with_an_ellipsis),
		cmocka_unit_test(test_config_defaults_file_values_and_env_overrides),
		cmocka_unit_test(test_config_errors_name_the_key),
		cmocka_unit_test(test_config_initial_file_is_private_and_never_overwritten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
