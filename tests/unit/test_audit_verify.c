/*
 * test_audit_verify.c - audit_verify on a large chain (issue #5): a
 * tampered, a deleted or a moved event in the middle of 50,000 is named by
 * its seq, on the engine testlib selects.
 *
 * On SQLite the verifier walks the table in rowid order while each row is
 * the seq it expects, and goes on by seq from the first row that is not;
 * the cases here cover both walks: a changed row (found by the rowid
 * walk), a deleted row (a gap: the rowid walk stops, the seq walk names
 * it), and a row deleted and inserted again unchanged (a later rowid, so
 * rowid order is no longer seq order: the chain is still intact).
 * Tampering drops the append-only guards first, as an attacker with the
 * database would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/err.h"
#include "db/db.h"
#include "testlib.h"

#define NEVENTS 50000
#define PER_TXN 5000
#define MIDDLE 25000
#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */

struct fx {
	struct db *db;
	struct db_conn *c;
};

static int
is_pg(void)
{
	return strcmp(test_engine(), "postgres") == 0;
}

/* One chain of NEVENTS events for every test (they run in order and
 * each undoes its tampering). */
static int
setup(void **state)
{
	static struct fx fx;
	struct audit_event ev;
	int i;

	memset(&fx, 0, sizeof(fx));
	if (test_db_open(&fx.db) != 0 ||
	    (fx.c = db_acquire(fx.db, 5000, NULL)) == NULL)
		return -1;
	for (i = 0; i < NEVENTS; i++) {
		if (i % PER_TXN == 0 && db_begin(fx.c) != 0)
			return -1;
		ev = (struct audit_event){
			.recorded_at = T0 + i, .actor_user_id = 1 + i % 7,
			.actor_role = "clinician", .session_ref = "s-ref",
			.source_addr = "192.0.2.7", .user_agent = "Mozilla/5.0",
			.mfa = 1, .verb = i % 5 ? "VIEW" : "UPDATE",
			.practice_id = 1, .object_type = "patient",
			.object_id = "17", .patient_id = 100 + i % 900,
			.purpose_of_use = "TPO", .request_id = "req-1",
			.detail = i % 5 ? NULL : "{\"fields\":[\"phone\"]}",
		};
		if (audit_write(fx.c, &ev) != 0)
			return -1;
		if (i % PER_TXN == PER_TXN - 1 && db_commit(fx.c) != 0)
			return -1;
	}
	if (db_exec(fx.c, is_pg() ?
	    "ALTER TABLE audit_events DISABLE TRIGGER USER" :
	    "DROP TRIGGER audit_events_no_update;"
	    "DROP TRIGGER audit_events_no_delete") != 0)
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

static struct audit_verify_result
verify(struct db *db)
{
	struct audit_verify_result r;

	assert_int_equal(audit_verify(db, NULL, &r), 0);
	return r;
}

static void
test_large_chain_verifies(void **state)
{
	struct fx *fx = *state;
	struct audit_verify_result r = verify(fx->db);

	assert_true(r.ok);
	assert_int_equal(r.count, NEVENTS);
	assert_int_equal(r.first_seq, 1);
	assert_int_equal(r.last_seq, NEVENTS);
}

static void
test_changed_event_in_the_middle_is_named(void **state)
{
	struct fx *fx = *state;
	struct audit_verify_result r;
	int64_t id;

	assert_int_equal(db_query_i64(fx->c, "SELECT id FROM audit_events "
	    "WHERE seq = 25000", &id), 0);
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET object_id = "
	    "'18' WHERE seq = 25000"), 0);
	r = verify(fx->db);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, MIDDLE);
	assert_int_equal(r.bad_id, id);
	assert_non_null(strstr(r.reason, "changed after it was written"));
	assert_int_equal(r.count, MIDDLE - 1);
	/* A longer detail than the hash's buffer is hashed as well. */
	assert_int_equal(db_exec(fx->c, is_pg() ?
	    "UPDATE audit_events SET object_id = '17', detail = "
	    "repeat('x', 3000) WHERE seq = 25000" :
	    "UPDATE audit_events SET object_id = '17', detail = "
	    "replace(hex(zeroblob(1500)), '0', 'x') WHERE seq = 25000"), 0);
	r = verify(fx->db);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, MIDDLE);
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET detail = NULL "
	    "WHERE seq = 25000"), 0);
	assert_true(verify(fx->db).ok);
}

static void
test_deleted_or_moved_event_in_the_middle(void **state)
{
	struct fx *fx = *state;
	struct audit_verify_result r;
	const char *copy = is_pg() ?
	    "CREATE TABLE kept AS SELECT * FROM audit_events WHERE seq = 30000" :
	    "CREATE TEMP TABLE kept AS SELECT * FROM audit_events WHERE "
	    "seq = 30000";

	assert_int_equal(db_exec(fx->c, copy), 0);
	assert_int_equal(db_exec(fx->c, "DELETE FROM audit_events WHERE "
	    "seq = 30000"), 0);
	r = verify(fx->db);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 30000);
	assert_non_null(strstr(r.reason, "missing"));
	/* Put back unchanged under a new id: rowid order now differs from
	 * seq order, and the chain is whole again. */
	assert_int_equal(db_exec(fx->c, "UPDATE kept SET id = "
	    "(SELECT MAX(id) + 1 FROM audit_events)"), 0);
	assert_int_equal(db_exec(fx->c, "INSERT INTO audit_events SELECT * "
	    "FROM kept"), 0);
	assert_int_equal(db_exec(fx->c, "DROP TABLE kept"), 0);
	r = verify(fx->db);
	assert_true(r.ok);
	assert_int_equal(r.count, NEVENTS);
	/* A change after the moved event is still named. */
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET mfa = 0 "
	    "WHERE seq = 40000"), 0);
	r = verify(fx->db);
	assert_false(r.ok);
	assert_int_equal(r.bad_seq, 40000);
	assert_int_equal(db_exec(fx->c, "UPDATE audit_events SET mfa = 1 "
	    "WHERE seq = 40000"), 0);
	assert_true(verify(fx->db).ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_chain_verifies),
		cmocka_unit_test(test_changed_event_in_the_middle_is_named),
		cmocka_unit_test(test_deleted_or_moved_event_in_the_middle),
	};

	fprintf(stderr, "engine: %s\n", test_engine());
	return cmocka_run_group_tests(tests, setup, teardown);
}
