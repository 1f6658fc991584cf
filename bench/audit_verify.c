/*
 * bench/audit_verify.c - fills a throwaway SQLite audit trail for the
 * `alcove audit verify` benchmark (issue #5: goal 1 million events per
 * second on one core).
 *
 *   audit_verify DBFILE [COUNT]
 *
 * Appends COUNT (default 1,000,000) events to the chain in DBFILE - an
 * existing Alcove database, migrated - through audit_write, 1000 per
 * transaction, so every hash is real.  The events look like a practice's
 * day: sign-ins, chart views with a patient, changes with detail.  Then it
 * runs audit_verify() in this process and prints both rates, so a run
 * shows the library's speed apart from the CLI's start-up; bench/run
 * times the `alcove audit verify` command itself on the same file.
 */
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PER_TXN 1000

static const char *const verbs[] = {"VIEW", "VIEW", "VIEW", "LOGIN",
    "UPDATE", "VIEW", "SEARCH", "CREATE"};

static void
make_event(struct audit_event *ev, int64_t i, char *oid, size_t oidsz)
{
	memset(ev, 0, sizeof(*ev));
	snprintf(oid, oidsz, "%" PRId64, 1000 + i % 5000);
	ev->recorded_at = 1767225600000LL + i * 10; /* 2026-01-01, 100/s */
	ev->actor_user_id = 1 + i % 12;
	ev->actor_role = "clinician";
	ev->session_ref = "session:42";
	ev->source_addr = "192.0.2.10";
	ev->user_agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";
	ev->mfa = 1;
	ev->verb = verbs[i % 8];
	ev->practice_id = 1;
	ev->object_type = "patient";
	ev->object_id = oid;
	ev->patient_id = 1000 + i % 5000;
	ev->purpose_of_use = "TPO";
	ev->request_id = "0123456789abcdef";
	ev->detail = i % 8 == 4 ? "{\"fields\":[\"phone\"]}" : NULL;
}

static int
fill(struct db *db, int64_t count)
{
	struct audit_event ev;
	struct db_conn *c;
	char oid[24];
	int64_t i = 0;
	int rc = 0;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	/* A throwaway file: durability of each commit is not what is being
	 * measured, and the fill would otherwise dominate the run. */
	if ((rc = db_exec(c, "PRAGMA synchronous=OFF")) != 0)
		goto out;
	while (i < count && rc == 0) {
		if ((rc = db_begin(c)) != 0)
			break;
		for (int k = 0; k < PER_TXN && i < count && rc == 0; k++, i++) {
			make_event(&ev, i, oid, sizeof(oid));
			rc = audit_write(c, &ev);
		}
		if (rc == 0)
			rc = db_commit(c);
	}
out:
	db_release(c);
	return rc;
}

int
main(int argc, char **argv)
{
	struct db_config cfg = {.engine = DB_SQLITE};
	struct audit_verify_result res;
	struct db *db = NULL;
	int64_t count, t0, t1, t2;
	int rc = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: audit_verify DBFILE [COUNT]\n");
		return 2;
	}
	count = argc == 3 ? strtoll(argv[2], NULL, 10) : 1000000;
	cfg.sqlite_path = argv[1];
	if (db_open(&db, &cfg, NULL) != 0) {
		fprintf(stderr, "audit_verify: cannot open %s\n", argv[1]);
		return 1;
	}
	t0 = time_mono_ms();
	if (fill(db, count) != 0) {
		fprintf(stderr, "audit_verify: filling failed\n");
		goto out;
	}
	t1 = time_mono_ms();
	if (audit_verify(db, NULL, &res) != 0 || !res.ok) {
		fprintf(stderr, "audit_verify: verify failed: %s\n", res.reason);
		goto out;
	}
	t2 = time_mono_ms();
	printf("filled %" PRId64 " events in %.1f s (%.0f events/s, %d per "
	    "transaction)\n", count, (double)(t1 - t0) / 1000,
	    (double)count * 1000 / (double)(t1 - t0 ? t1 - t0 : 1), PER_TXN);
	printf("audit_verify() in process: %" PRId64 " events in %.2f s "
	    "(%.0f events/s)\n", res.count, (double)(t2 - t1) / 1000,
	    (double)res.count * 1000 / (double)(t2 - t1 ? t2 - t1 : 1));
	rc = 0;
out:
	db_close(db);
	return rc;
}
