/*
 * cmd_audit.c - `alcove audit verify` and `alcove audit digest`.
 *
 * verify proves the hash chain of the audit trail (src/audit/verify.c) and
 * prints one line; exit 0 when intact, 1 when broken (naming the first
 * broken event), 2 for usage errors.  Verifying is itself an auditable
 * act (ONC 170.315(d)(2) asks that use of the audit log be logged), so
 * every run, intact or not, appends an AUDIT_VERIFY event afterwards: a
 * run that cannot record it fails.
 *
 * digest records today's digest (idempotent per day) and prints it, for
 * an operator to keep a copy outside the database.
 *
 * Neither command migrates: a database older than the audit schema is an
 * error that says to run `alcove migrate`.
 */
#include "cli/cli.h"
#include "audit/audit.h"
#include "base/config.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"
#include "version.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define AUDIT_SCHEMA_VERSION 3
#define DAY_MS 86400000

static const char audit_help[] =
    "usage: alcove audit verify [--data DIR | --config FILE] [--from TIME]\n"
    "                           [--to TIME]\n"
    "       alcove audit digest [--data DIR | --config FILE]\n\n"
    "verify  walks the audit trail's hash chain, recomputes every event's\n"
    "        hash and compares the newest events with the chain head and the\n"
    "        daily digests.  Prints \"audit chain OK: ...\" and exits 0, or\n"
    "        names the first broken event and exits 1.  Each run records an\n"
    "        AUDIT_VERIFY event.\n"
    "        --from/--to limit the check to events recorded in that span:\n"
    "        YYYY-MM-DD (UTC; --to includes that whole day) or\n"
    "        YYYY-MM-DDTHH:MM:SS[.mmm]Z.\n"
    "digest  records today's digest of the chain (last seq, hash, count;\n"
    "        once per UTC day) and prints it.  Keep a copy elsewhere: it is\n"
    "        what shows that the newest events were not deleted.\n";

struct audit_opts {
	const char *data, *file;
	int64_t from, to;
};

/* "YYYY-MM-DD" (the day's start, or its last millisecond when end) or a
 * full UTC timestamp.  0 or -1. */
static int
parse_time(const char *s, int end, int64_t *ms)
{
	char full[40];

	if (strlen(s) == 10) {
		snprintf(full, sizeof(full), "%sT00:00:00Z", s);
		if (time_parse_iso(full, ms) != 0)
			return -1;
		if (end)
			*ms += DAY_MS - 1;
		return 0;
	}
	return time_parse_iso(s, ms) == 0 ? 0 : -1;
}

/* Returns -1 after printing help, 0 to go on, or EXIT_USAGE. */
static int
parse_opts(const char *cmd, int times, int argc, char **argv,
    struct audit_opts *o)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(audit_help, stdout);
			return -1;
		} else if (ch == 'd')
			o->data = optarg;
		else if (ch == 'c')
			o->file = optarg;
		else if ((ch == 'f' || ch == 't') && times) {
			if (parse_time(optarg, ch == 't', ch == 'f' ? &o->from :
			    &o->to) != 0)
				return cli_usage_error(cmd, "--%s: not a date or UTC "
				    "time: \"%s\"", ch == 'f' ? "from" : "to", optarg);
		} else
			return cli_usage_error(cmd, "unknown or incomplete option "
			    "\"%s\"", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument \"%s\"",
		    argv[optind]);
	if (o->from > 0 && o->to > 0 && o->from > o->to)
		return cli_usage_error(cmd, "--from is after --to");
	return 0;
}

/* Loads the configuration and opens a database that has the audit tables. */
static int
open_audit_db(const struct audit_opts *o, struct config *cfg, struct db **db)
{
	struct alc_err err;
	int rc, version = 0;

	if ((rc = cli_load_config(cfg, o->data, o->file)) != 0)
		return rc;
	if ((rc = cli_open_db(cfg, db)) != 0)
		return rc;
	if (db_schema_version(*db, &version, &err) != 0)
		rc = cli_fail("reading the schema version: %s", err.msg);
	else if (version < AUDIT_SCHEMA_VERSION)
		rc = cli_fail("the database schema is at version %d, older than "
		    "the audit trail; run `alcove migrate` first", version);
	if (rc != 0) {
		db_close(*db);
		*db = NULL;
	}
	return rc;
}

/* Appends the AUDIT_VERIFY event that records this run. */
static int
record_verify(struct db *db, const struct audit_opts *o,
    const struct audit_verify_result *r)
{
	char detail[256], reason[96];
	struct audit_event ev = {
		.actor_role = "operator", .verb = "AUDIT_VERIFY",
		.object_type = "audit_chain", .user_agent = "alcove-cli/"
		ALCOVE_VERSION, .detail = detail,
		.outcome = r->ok ? AUDIT_OK : AUDIT_SERIOUS_FAILURE,
	};
	struct db_conn *c;
	int rc;

	snprintf(detail, sizeof(detail), "{\"ok\":%s,\"events\":%" PRId64
	    ",\"first_seq\":%" PRId64 ",\"last_seq\":%" PRId64 ",\"from\":%"
	    PRId64 ",\"to\":%" PRId64 "}", r->ok ? "true" : "false", r->count,
	    r->first_seq, r->last_seq, o->from, o->to);
	if (!r->ok) {
		snprintf(reason, sizeof(reason), "chain broken at seq %" PRId64,
		    r->bad_seq);
		ev.reason = reason;
	}
	if ((c = db_acquire(db, 30000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = audit_write(c, &ev);
	db_release(c);
	return rc;
}

static void
print_result(const struct audit_verify_result *r)
{
	static const char zeros[] =
	    "0000000000000000000000000000000000000000000000000000000000000000";

	if (r->ok) {
		printf("audit chain OK: %" PRId64 " event%s, seq %" PRId64 "..%"
		    PRId64 ", head %s\n", r->count, r->count == 1 ? "" : "s",
		    r->first_seq, r->last_seq, r->count ? r->head : zeros);
	} else if (r->bad_id > 0) {
		cli_fail("audit chain broken at event seq %" PRId64 " (id %" PRId64
		    "): %s", r->bad_seq, r->bad_id, r->reason);
	} else {
		cli_fail("audit chain broken at event seq %" PRId64 " (missing): %s",
		    r->bad_seq, r->reason);
	}
}

static int
audit_verify_cmd(int argc, char **argv)
{
	struct audit_verify_opts vo;
	struct audit_verify_result r;
	struct audit_opts o;
	struct config cfg;
	struct db *db = NULL;
	int rc;

	if ((rc = parse_opts("audit verify", 1, argc, argv, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_audit_db(&o, &cfg, &db)) != 0)
		goto out;
	vo.from_ms = o.from;
	vo.to_ms = o.to;
	if ((rc = audit_verify(db, &vo, &r)) != 0) {
		rc = cli_fail("reading the audit trail: %s", alc_strerror(rc));
		goto out;
	}
	if ((rc = record_verify(db, &o, &r)) != 0) {
		rc = cli_fail("recording the AUDIT_VERIFY event: %s",
		    alc_strerror(rc));
		goto out;
	}
	print_result(&r);
	rc = r.ok ? EXIT_OK : EXIT_FAIL;
out:
	db_close(db);
	config_free(&cfg);
	return rc;
}

static int
audit_digest_cmd(int argc, char **argv)
{
	struct audit_digest d;
	struct audit_opts o;
	struct config cfg;
	struct db *db = NULL;
	char iso[32];
	int rc;

	if ((rc = parse_opts("audit digest", 0, argc, argv, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_audit_db(&o, &cfg, &db)) != 0)
		goto out;
	if ((rc = audit_digest_record(db, time_now_ms(), &d)) != 0) {
		rc = cli_fail("recording the audit digest: %s", alc_strerror(rc));
		goto out;
	}
	printf("audit digest %s: seq %" PRId64 ", count %" PRId64 ", hash %s "
	    "(%s %s)\n", d.day, d.last_seq, d.count, d.last_hash,
	    d.created ? "recorded" : "already recorded at",
	    d.created ? "now" : time_format_iso(iso, sizeof(iso),
	    d.recorded_at));
	rc = EXIT_OK;
out:
	db_close(db);
	config_free(&cfg);
	return rc;
}

int
cmd_audit(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(audit_help, stdout);
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return audit_verify_cmd(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "digest") == 0)
		return audit_digest_cmd(argc - 1, argv + 1);
	return cli_usage_error("audit", "the actions are `verify` and `digest`");
}
