/*
 * test_audit.c - the audit trail: appending, the database's refusals,
 * tamper detection, digests, concurrency and group commit, on the engine
 * testlib selects.
 *
 * Tampering is done the way an attacker with the database file (or the
 * table owner's login) would: drop or disable the append-only triggers
 * with raw SQL, then change rows.  A "rewrite" recomputes the hashes of
 * every later event too, which only a digest can expose.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/chain.h"
#include "base/err.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "testlib.h"

#define DAY_MS 86400000LL
#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */

struct fx {
	struct db *db;
	struct db_conn *c;
};

static int
setup(void **state)
{
	static struct fx fx;

	memset(&fx, 0, sizeof(fx));
	if (test_db_open_pool(&fx.db, 12) != 0)
		return -1;
	if ((fx.c = db_acquire(fx.db, 5000, NULL)) == NULL)
		return -1;
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	db_release(fx->c);
	test_db_close(fx->db);
	return 0;
}

static int
is_pg(void)
{
	return strcmp(test_engine(), "postgres") == 0;
}

static int64_t
count(struct db_conn *c, const char *sql)
{
	int64_t n = -1;

	assert_int_equal(db_query_i64(c, sql, &n), 0);
	return n;
}

/* A plausible read event; i varies the user, patient and time. */
static struct audit_event
view_event(int64_t i)
{
	struct audit_event ev = {
		.recorded_at = T0 + i * 1000, .actor_user_id = 1 + i % 3,
		.actor_role = "clinician", .session_ref = "s-ref",
		.source_addr = "192.0.2.7", .user_agent = "Mozilla/5.0",
		.mfa = 1, .verb = "VIEW", .practice_id = 1,
		.object_type = "patient", .object_id = "17",
		.patient_id = 100 + i, .purpose_of_use = "TPO",
		.request_id = "req-1",
	};
	return ev;
}

static void
write_n(struct db_conn *c, int n, int64_t first)
{
	struct audit_event ev;
	int i;

	for (i = 0; i < n; i++) {
		ev = view_event(first + i);
		assert_int_equal(audit_write(c, &ev), 0);
	}
}

static struct audit_verify_result
verify(struct db *db, int64_t from, int64_t to)
{
	struct audit_verify_opts o = {.from_ms = from, .to_ms = to};
	struct audit_verify_result r;

	assert_int_equal(audit_verify(db, &o, &r), 0);
	return r;
}

/* What an attacker does first: remove the append-only guards. */
static void
drop_guards(struct db_conn *c)
{
	assert_int_equal(db_exec(c, is_pg() ?
	    "ALTER TABLE audit_events DISABLE TRIGGER USER" :
	    "DROP TRIGGER audit_events_no_update;"
	    "DROP TRIGGER audit_events_no_delete"), 0);
}

static void
test_appends_make_a_valid_chain(void **state)
{
	struct fx *fx = *state;
	struct audit_verify_result r = verify(fx->db, 0, 0);
	struct db_stmt *s;

	assert_true(r.ok);
	assert_int_equal(r.count, 0);
	write_n(fx->c, 50, 0);
	r = verify(fx->db, 0, 0);
	assert_true(r.ok);
	assert_int_equal(r.count, 50);
	assert_int_equal(r.first_seq, 1);
	assert_int_equal(r.last_seq, 50);
	assert_int_equal(db_prepare(fx->c, &s, "SELECT seq, hash, count FROM "
	    "audit_head"), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_col_i64(s, 0), 50);
	assert_string_equal(db_col_text(s, 1), r.head);
	assert_int_equal(db_col_i64(s, 2), 50);
	db_stmt_done(s);
	/* Each event links to its predecessor. */
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_events e "
	    "JOIN audit_events p ON p.seq = e.seq - 1 WHERE e.prev_hash = p.hash"),
	    49);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_events WHERE "
	    "seq = 1 AND prev_hash = '" "0000000000000000000000000000000000000000"
	    "000000000000000000000000'"), 1);
}

static void
test_fields_round_trip(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = {
		.recorded_at = T0 + 5, .actor_user_id = 7, .actor_role = "supervisor",
		.on_behalf_of = 9, .session_ref = "b2a1", .source_addr = "2001:db8::1",
		.user_agent = "Mozilla/5.0 (X11) \xc3\xa9t\xc3\xa9", .mfa = 1,
		.verb = "BREAK_GLASS", .practice_id = 3, .object_type = "note",
		.object_id = "n-44", .patient_id = 12,
		.sensitivity = "psychotherapy_note", .purpose_of_use = "emergency",
		.outcome = AUDIT_MINOR_FAILURE, .reason = "crisis call",
		.request_id = "0123abcd", .detail = "{\"fields\":[\"plan\"]}",
	};
	struct audit_event sys = {.verb = "SYSTEM", .action = 'E'};
	struct db_stmt *s;

	assert_int_equal(audit_write(fx->c, &ev), 0);
	assert_int_equal(audit_write(fx->c, &sys), 0);
	assert_int_equal(db_prepare(fx->c, &s, "SELECT " CHAIN_COLUMNS
	    " FROM audit_events ORDER BY seq"), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_col_i64(s, CF_SEQ), 1);
	assert_int_equal(db_col_i64(s, CF_RECORDED_AT), T0 + 5);
	assert_int_equal(db_col_i64(s, CF_ACTOR_USER_ID), 7);
	assert_string_equal(db_col_text(s, CF_ACTOR_ROLE), "supervisor");
	assert_int_equal(db_col_i64(s, CF_ON_BEHALF_OF), 9);
	assert_string_equal(db_col_text(s, CF_SESSION_REF), "b2a1");
	assert_string_equal(db_col_text(s, CF_SOURCE_ADDR), "2001:db8::1");
	assert_string_equal(db_col_text(s, CF_USER_AGENT), ev.user_agent);
	assert_int_equal(db_col_i64(s, CF_MFA), 1);
	assert_string_equal(db_col_text(s, CF_ACTION), "E"); /* the verb's */
	assert_string_equal(db_col_text(s, CF_VERB), "BREAK_GLASS");
	assert_int_equal(db_col_i64(s, CF_PRACTICE_ID), 3);
	assert_string_equal(db_col_text(s, CF_OBJECT_TYPE), "note");
	assert_string_equal(db_col_text(s, CF_OBJECT_ID), "n-44");
	assert_int_equal(db_col_i64(s, CF_PATIENT_ID), 12);
	assert_string_equal(db_col_text(s, CF_SENSITIVITY), "psychotherapy_note");
	assert_string_equal(db_col_text(s, CF_PURPOSE_OF_USE), "emergency");
	assert_int_equal(db_col_i64(s, CF_OUTCOME), 4);
	assert_string_equal(db_col_text(s, CF_REASON), "crisis call");
	assert_string_equal(db_col_text(s, CF_REQUEST_ID), "0123abcd");
	assert_string_equal(db_col_text(s, CF_DETAIL), ev.detail);
	/* Zero ids and NULL strings are stored as NULL; defaults apply. */
	assert_int_equal(db_step(s), DB_ROW);
	assert_true(db_col_is_null(s, CF_ACTOR_USER_ID));
	assert_true(db_col_is_null(s, CF_PRACTICE_ID));
	assert_true(db_col_is_null(s, CF_PATIENT_ID));
	assert_true(db_col_is_null(s, CF_ACTOR_ROLE));
	assert_true(db_col_is_null(s, CF_DETAIL));
	assert_true(db_col_i64(s, CF_RECORDED_AT) > T0); /* now */
	assert_string_equal(db_col_text(s, CF_SENSITIVITY), "normal");
	assert_int_equal(db_col_i64(s, CF_OUTCOME), 0);
	assert_int_equal(db_step(s), DB_DONE);
	db_stmt_done(s);
	assert_true(verify(fx->db, 0, 0).ok);
}

static void
test_update_delete_and_truncate_are_refused(void **state)
{
	struct fx *fx = *state;

	write_n(fx->c, 3, 0);
	assert_int_equal(audit_digest_record(fx->db, T0, NULL), 0);
	assert_int_not_equal(db_exec(fx->c, "UPDATE audit_events SET "
	    "reason = 'x' WHERE seq = 2"), 0);
	assert_non_null(strstr(db_errmsg(fx->c), "append-only"));
	assert_int_not_equal(db_exec(fx->c, "DELETE FROM audit_events WHERE "
	    "seq = 3"), 0);
	assert_int_not_equal(db_exec(fx->c, "DELETE FROM audit_head"), 0);
	assert_int_not_equal(db_exec(fx->c, "UPDATE audit_digests SET count = 0"),
	    0);
	assert_int_not_equal(db_exec(fx->c, "DELETE FROM audit_digests"), 0);
	if (is_pg()) {
		assert_int_not_equal(db_exec(fx->c, "TRUNCATE audit_events"), 0);
		assert_int_not_equal(db_exec(fx->c, "TRUNCATE audit_digests"), 0);
	}
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_events"), 4);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_events "
	    "WHERE reason IS NOT NULL"), 0);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_digests"), 1);
	assert_true(verify(fx->db, 0, 0).ok);
}

static void
test_changed_row_is_found_naming_its_seq(void **state)
{
	struct fx *fx = *state;
	struct audit_verify_result r;
	int64_t id;

	write_n(fx->c, 10, 0);
	drop_guards(fx->c);
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET patient_id = 999 "
	    "WHERE seq = 4"), 0);
	assert_int_equal(db_query_i64(fx->c, "SELECT id FROM audit_events "
	    "WHERE seq = 4", &id), 0);
	r = verify(fx->db, 0, 0);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 4);
	assert_int_equal(r.bad_id, id);
	assert_non_null(strstr(r.reason, "changed"));
	/* A NULL turned into 0 is a change too. */
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET patient_id = 103 "
	    "WHERE seq = 4"), 0);
	assert_true(verify(fx->db, 0, 0).ok);
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET on_behalf_of = 0 "
	    "WHERE seq = 7"), 0);
	r = verify(fx->db, 0, 0);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 7);
}

static void
test_deleted_or_relinked_rows_are_found(void **state)
{
	struct fx *fx = *state;
	struct audit_verify_result r;

	write_n(fx->c, 10, 0);
	drop_guards(fx->c);
	assert_int_equal(db_exec(fx->c, "DELETE FROM audit_events WHERE seq = 5"),
	    0);
	r = verify(fx->db, 0, 0);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 5);
	assert_int_equal(r.bad_id, 0);
	assert_non_null(strstr(r.reason, "missing"));
	/* Renumber 6 as 5: the seq fits, but the link does not. */
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET seq = 5 "
	    "WHERE seq = 6"), 0);
	r = verify(fx->db, 0, 0);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 5);
	assert_non_null(strstr(r.reason, "prev_hash"));
	/* The first event is missing. */
	assert_int_equal(db_exec(fx->c, "DELETE FROM audit_events WHERE seq = 1"),
	    0);
	r = verify(fx->db, 0, 0);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 1);
}

static void
test_deleted_tail_is_found_by_head_and_digest(void **state)
{
	struct fx *fx = *state;
	struct audit_verify_result r;
	struct audit_digest d;

	write_n(fx->c, 5, 0);
	assert_int_equal(audit_digest_record(fx->db, T0, &d), 0);
	assert_int_equal(d.last_seq, 6); /* covers its own AUDIT_DIGEST event */
	assert_int_equal(d.count, 6);
	write_n(fx->c, 3, 10);
	assert_true(verify(fx->db, 0, 0).ok);
	drop_guards(fx->c);
	/* Tail deleted, head left alone: the head shows it. */
	assert_int_equal(db_exec(fx->c, "DELETE FROM audit_events WHERE seq >= 8"),
	    0);
	r = verify(fx->db, 0, 0);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 8);
	/* Head moved back too: the chain is self-consistent; the head no
	 * longer helps, the digest still does. */
	assert_int_equal(db_exec(fx->c, "UPDATE audit_head SET seq = 7, count = 7, "
	    "hash = (SELECT hash FROM audit_events WHERE seq = 7)"), 0);
	assert_true(verify(fx->db, 0, 0).ok);
	assert_int_equal(db_exec(fx->c, "DELETE FROM audit_events WHERE seq >= 5"),
	    0);
	assert_int_equal(db_exec(fx->c, "UPDATE audit_head SET seq = 4, count = 4, "
	    "hash = (SELECT hash FROM audit_events WHERE seq = 4)"), 0);
	r = verify(fx->db, 0, 0);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 5);
	assert_int_equal(r.bad_id, 0);
	assert_non_null(strstr(r.reason, "digest"));
	assert_non_null(strstr(r.reason, d.day));
}

/* Recomputes the hash of every event from seq `from` on, and the head:
 * what an attacker who knows the format does after changing an event. */
static void
rehash_from(struct db_conn *c, int64_t from)
{
	unsigned char prev[AUDIT_HASH_BYTES], h[AUDIT_HASH_BYTES];
	char hex[AUDIT_HASH_HEX_SIZE], prev_hex[AUDIT_HASH_HEX_SIZE];
	struct db_stmt *s, *u;
	struct chain_row row;
	const char *t;
	int64_t seq, last;
	int f;

	assert_int_equal(db_query_i64(c, "SELECT MAX(seq) FROM audit_events",
	    &last), 0);
	for (seq = from; seq <= last; seq++) {
		assert_int_equal(db_prepare(c, &s, "SELECT prev_hash, "
		    CHAIN_COLUMNS " FROM audit_events WHERE seq = ?"), 0);
		assert_int_equal(db_bind_i64(s, 1, seq), 0);
		assert_int_equal(db_step(s), DB_ROW);
		if (seq == from) {
			t = db_col_text(s, 0);
			assert_int_equal(audit_chain_unhex(prev, t, strlen(t)), 0);
		}
		for (f = 0; f < CHAIN_NFIELDS; f++) {
			row.v[f].null = db_col_is_null(s, 1 + f);
			row.v[f].i = db_col_i64(s, 1 + f);
			row.v[f].s = db_col_text(s, 1 + f);
			row.v[f].n = row.v[f].s ? strlen(row.v[f].s) : 0;
		}
		audit_chain_hash(prev, &row, h);
		audit_chain_hex(hex, h);
		audit_chain_hex(prev_hex, prev);
		db_stmt_done(s);
		assert_int_equal(db_prepare(c, &u, "UPDATE audit_events SET "
		    "prev_hash = ?, hash = ? WHERE seq = ?"), 0);
		assert_int_equal(db_bind_text(u, 1, prev_hex), 0);
		assert_int_equal(db_bind_text(u, 2, hex), 0);
		assert_int_equal(db_bind_i64(u, 3, seq), 0);
		assert_true(db_step(u) >= 0);
		db_stmt_done(u);
		memcpy(prev, h, sizeof(h));
	}
	assert_int_equal(db_prepare(c, &u, "UPDATE audit_head SET hash = ?"), 0);
	assert_int_equal(db_bind_text(u, 1, hex), 0);
	assert_true(db_step(u) >= 0);
	db_stmt_done(u);
}

static void
test_rewritten_chain_is_found_by_digest_only(void **state)
{
	struct fx *fx = *state;
	struct audit_verify_result r;

	write_n(fx->c, 6, 0);
	drop_guards(fx->c);
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET patient_id = 1 "
	    "WHERE seq = 3"), 0);
	assert_false(verify(fx->db, 0, 0).ok);
	rehash_from(fx->c, 3);
	assert_true(verify(fx->db, 0, 0).ok); /* what the chain alone allows */
	assert_int_equal(audit_digest_record(fx->db, T0, NULL), 0); /* seq 7 */
	write_n(fx->c, 2, 20);
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET patient_id = 2 "
	    "WHERE seq = 4"), 0);
	rehash_from(fx->c, 4);
	r = verify(fx->db, 0, 0);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 7);
	assert_non_null(strstr(r.reason, "rewritten"));
}

static void
test_verify_time_range(void **state)
{
	struct fx *fx = *state;
	struct audit_verify_result r;

	write_n(fx->c, 30, 0); /* recorded T0 + 0 s ... T0 + 29 s */
	r = verify(fx->db, T0 + 10000, T0 + 19000);
	assert_true(r.ok);
	assert_int_equal(r.count, 10);
	assert_int_equal(r.first_seq, 11);
	assert_int_equal(r.last_seq, 20);
	r = verify(fx->db, T0 + 25000, 0);
	assert_true(r.ok);
	assert_int_equal(r.last_seq, 30);
	r = verify(fx->db, T0 + DAY_MS, T0 + 2 * DAY_MS);
	assert_true(r.ok);
	assert_int_equal(r.count, 0);
	drop_guards(fx->c);
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET reason = 'x' "
	    "WHERE seq = 25"), 0);
	assert_true(verify(fx->db, T0, T0 + 19000).ok);
	r = verify(fx->db, T0 + 20000, 0);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 25);
}

static void
test_failed_audit_write_leaves_no_change(void **state)
{
	struct fx *fx = *state;
	struct audit_event bad = {.verb = "NOT_A_VERB", .action = 'U'};
	struct audit_event unknown = {.verb = "NOT_A_VERB"};
	struct audit_event ok = {.verb = "CONFIG_CHANGE", .object_type = "setting"};
	const char *ins = "INSERT INTO settings (key, value, updated_at) "
	    "VALUES ('audit.test', 'on', 1)";

	write_n(fx->c, 2, 0);
	/* The database's CHECK refuses the verb: the change goes too. */
	assert_int_equal(db_begin(fx->c), 0);
	assert_int_equal(db_exec(fx->c, ins), 0);
	assert_int_equal(audit_write(fx->c, &bad), ALC_EDB);
	assert_false(db_in_txn(fx->c));
	assert_int_not_equal(db_commit(fx->c), 0);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM settings"), 0);
	/* Refused before reaching the database: the same. */
	assert_int_equal(db_begin(fx->c), 0);
	assert_int_equal(db_exec(fx->c, ins), 0);
	assert_int_equal(audit_write(fx->c, &unknown), ALC_EINVAL);
	assert_false(db_in_txn(fx->c));
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM settings"), 0);
	assert_int_equal(count(fx->c, "SELECT seq FROM audit_head"), 2);
	/* A rolled-back change takes its event with it. */
	assert_int_equal(db_begin(fx->c), 0);
	assert_int_equal(db_exec(fx->c, ins), 0);
	assert_int_equal(audit_write(fx->c, &ok), 0);
	assert_int_equal(db_rollback(fx->c), 0);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_events"), 2);
	/* And a committed one keeps it. */
	assert_int_equal(db_begin(fx->c), 0);
	assert_int_equal(db_exec(fx->c, ins), 0);
	assert_int_equal(audit_write(fx->c, &ok), 0);
	assert_int_equal(db_commit(fx->c), 0);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM settings"), 1);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_events WHERE "
	    "verb = 'CONFIG_CHANGE' AND seq = 3"), 1);
	assert_true(verify(fx->db, 0, 0).ok);
}

static void
test_bad_events_are_refused(void **state)
{
	struct fx *fx = *state;
	char long_text[AUDIT_TEXT_MAX + 2], clean[16];
	struct audit_event ev;
	int i;

	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	for (i = 0; i < 9; i++) {
		ev = view_event(i);
		switch (i) {
		case 0: ev.verb = NULL; break;
		case 1: ev.verb = ""; break;
		case 2: ev.action = 'X'; break;
		case 3: ev.outcome = 3; break;
		case 4: ev.sensitivity = "secret"; break;
		case 5: ev.user_agent = "bad \xff\xfe utf-8"; break;
		case 6: ev.reason = "line\nbreak"; break;
		case 7: ev.object_id = long_text; break;
		case 8: ev.detail = "\xc0\xaf"; break; /* overlong '/' */
		}
		assert_int_equal(audit_write(fx->c, &ev), ALC_EINVAL);
	}
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_events"), 0);
	assert_string_equal(audit_text_clean(clean, sizeof(clean),
	    "a\x01\xff\xc3\xa9z"), "a??\xc3\xa9z");
	/* Cut at a character boundary, never inside é. */
	assert_string_equal(audit_text_clean(clean, 5, "abc\xc3\xa9"), "abc");
	assert_string_equal(audit_text_clean(clean, 4, NULL), "");
	assert_int_equal(audit_verb_action("VIEW"), 'R');
	assert_int_equal(audit_verb_action("LOGIN_FAIL"), 'E');
	assert_int_equal(audit_verb_action("nope"), 0);
}

struct thread_arg {
	struct db *db;
	struct audit_writer *w;
	int idx, n, failures;
};

/* Each thread appends on its own connection, in its own transactions. */
static void *
writer_thread(void *p)
{
	struct thread_arg *a = p;
	struct db_conn *c = db_acquire(a->db, 30000, NULL);
	struct audit_event ev;
	int i;

	for (i = 0; c != NULL && i < a->n; i++) {
		ev = view_event(i);
		ev.actor_user_id = 1000 + a->idx;
		if (audit_write(c, &ev) != 0)
			a->failures++;
	}
	if (c == NULL)
		a->failures = a->n;
	db_release(c);
	return NULL;
}

static void
test_concurrent_writers_keep_one_chain(void **state)
{
	struct fx *fx = *state;
	struct thread_arg a[8];
	pthread_t t[8];
	struct audit_verify_result r;
	int i;

	for (i = 0; i < 8; i++) {
		a[i] = (struct thread_arg){.db = fx->db, .idx = i, .n = 40};
		assert_int_equal(pthread_create(&t[i], NULL, writer_thread, &a[i]),
		    0);
	}
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 8; i++)
		assert_int_equal(a[i].failures, 0);
	r = verify(fx->db, 0, 0);
	assert_true(r.ok);
	assert_int_equal(r.count, 320);
	assert_int_equal(count(fx->c, "SELECT COUNT(DISTINCT actor_user_id) "
	    "FROM audit_events"), 8);
}

/* Each thread records reads through the group-commit writer; events with
 * idx < 0 mix in one the database refuses every tenth read. */
static void *
reader_thread(void *p)
{
	struct thread_arg *a = p;
	struct audit_event ev;
	int i, bad;

	for (i = 0; i < a->n; i++) {
		ev = view_event(i);
		ev.actor_user_id = 2000 + a->idx;
		bad = a->failures < 0 && i % 10 == 9;
		if (bad) {
			ev.verb = "NOT_A_VERB";
			ev.action = 'R';
		}
		if ((audit_record_read(a->w, &ev) != 0) != bad)
			a->idx = -1000; /* wrong result: flagged for the test */
	}
	return NULL;
}

static void
run_readers(struct fx *fx, struct audit_writer *w, int n, int with_bad)
{
	struct thread_arg a[8];
	pthread_t t[8];
	int i;

	for (i = 0; i < 8; i++) {
		a[i] = (struct thread_arg){.db = fx->db, .w = w, .idx = i, .n = n,
		    .failures = with_bad ? -1 : 0};
		assert_int_equal(pthread_create(&t[i], NULL, reader_thread, &a[i]),
		    0);
	}
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 8; i++)
		assert_int_equal(a[i].idx, i);
}

static void
test_group_commit_shares_transactions(void **state)
{
	struct fx *fx = *state;
	struct audit_writer *w = audit_writer_new(fx->db);
	struct audit_verify_result r;
	int64_t txns = 0, events = 0;

	assert_non_null(w);
	run_readers(fx, w, 200, 0);
	audit_writer_stats(w, &txns, &events);
	audit_writer_free(w);
	assert_int_equal(events, 1600);
	assert_true(txns > 0);
	assert_true(txns < events);
	print_message("group commit: %lld events in %lld transactions\n",
	    (long long)events, (long long)txns);
	r = verify(fx->db, 0, 0);
	assert_true(r.ok);
	assert_int_equal(r.count, 1600);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_events "
	    "WHERE actor_user_id = 2005"), 200);
}

static void
test_group_commit_isolates_a_refused_event(void **state)
{
	struct fx *fx = *state;
	struct audit_writer *w = audit_writer_new(fx->db);
	struct audit_event ev = view_event(0);
	int64_t events = 0;

	assert_non_null(w);
	run_readers(fx, w, 50, 1); /* 5 of each 50 refused by the CHECK */
	ev.verb = NULL;
	assert_int_equal(audit_record_read(w, &ev), ALC_EINVAL);
	audit_writer_stats(w, NULL, &events);
	assert_int_equal(events, 8 * 45);
	audit_writer_stop(w);
	ev = view_event(1);
	assert_int_equal(audit_record_read(w, &ev), ALC_EBUSY);
	audit_writer_stop(w); /* idempotent */
	audit_writer_free(w);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_events"), 360);
	assert_true(verify(fx->db, 0, 0).ok);
}

static void
test_digest_is_daily_and_idempotent(void **state)
{
	struct fx *fx = *state;
	struct audit_digest d1, d2, d3;
	struct jobs *q;
	struct job_spec spec = {.kind = "audit.digest"};
	int ran = 0;

	write_n(fx->c, 4, 0);
	assert_int_equal(audit_digest_record(fx->db, T0 + 1000, &d1), 0);
	assert_int_equal(d1.created, 1);
	assert_string_equal(d1.day, "2026-01-01");
	write_n(fx->c, 2, 10);
	assert_int_equal(audit_digest_record(fx->db, T0 + 5000, &d2), 0);
	assert_int_equal(d2.created, 0);
	assert_int_equal(d2.last_seq, d1.last_seq);
	assert_string_equal(d2.last_hash, d1.last_hash);
	assert_int_equal(d2.recorded_at, T0 + 1000);
	assert_int_equal(audit_digest_record(fx->db, T0 + DAY_MS, &d3), 0);
	assert_int_equal(d3.created, 1);
	assert_string_equal(d3.day, "2026-01-02");
	assert_int_equal(d3.last_seq, 8);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_events "
	    "WHERE verb = 'AUDIT_DIGEST'"), 2);
	/* The job records today's digest, once however often it runs. */
	assert_non_null(q = jobs_new(fx->db, NULL));
	assert_int_equal(audit_register_jobs(q), 0);
	assert_int_equal(jobs_enqueue(fx->c, &spec, NULL), 0);
	assert_int_equal(jobs_enqueue(fx->c, &spec, NULL), 0);
	assert_int_equal(jobs_run_once(q, &ran), 0);
	assert_int_equal(ran, 1);
	assert_int_equal(jobs_run_once(q, &ran), 0);
	assert_int_equal(ran, 1);
	jobs_free(q);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM audit_digests"), 3);
	assert_int_equal(count(fx->c, "SELECT COUNT(*) FROM jobs WHERE "
	    "status = 'done'"), 2);
	assert_true(verify(fx->db, 0, 0).ok);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_appends_make_a_valid_chain),
		T(test_fields_round_trip),
		T(test_update_delete_and_truncate_are_refused),
		T(test_changed_row_is_found_naming_its_seq),
		T(test_deleted_or_relinked_rows_are_found),
		T(test_deleted_tail_is_found_by_head_and_digest),
		T(test_rewritten_chain_is_found_by_digest_only),
		T(test_verify_time_range),
		T(test_failed_audit_write_leaves_no_change),
		T(test_bad_events_are_refused),
		T(test_concurrent_writers_keep_one_chain),
		T(test_group_commit_shares_transactions),
		T(test_group_commit_isolates_a_refused_event),
		T(test_digest_is_daily_and_idempotent),
	};

	fprintf(stderr, "engine: %s\n", test_engine());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
