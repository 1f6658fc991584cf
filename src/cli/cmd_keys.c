/*
 * cmd_keys.c - `alcove keys status` and `alcove keys rotate`.
 *
 * rotate runs the whole rotation in this process (src/core/keys/rotate.c):
 * new data keys, a wait of about a minute so a running server stops
 * sealing with its cached old keys (skip it with --no-wait when no server
 * is running), then every sealed field re-encrypted in batches, with a
 * line per sealed column on stderr.  Interrupted, it is resumed by running
 * it again (or with --resume, which never starts a new one).
 *
 * rotate --enqueue instead queues the job "keys.rotate" for a running
 * server's workers (core/keys/rotate_job.c) and returns at once; the
 * page /settings/keys shows its progress.
 *
 * Test hook, documented in docs/keys.md: ALCOVE_TEST_ROTATE_ABORT_AFTER=N
 * kills the process (SIGKILL) in the middle of batch N+1, before that
 * batch commits, to prove resumption.  Never set it in production.
 */
#include "cli/cli.h"
#include "base/config.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/keys/keystore.h"
#include "core/keys/rotate_job.h"
#include "core/patients/patients.h"
#include "db/db.h"
#include "version.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char keys_help[] =
    "usage: alcove keys status [--data DIR | --config FILE]\n"
    "       alcove keys rotate [--data DIR | --config FILE]\n"
    "                          [--purpose general|psychotherapy|part2|\n"
    "                                     blind_index|all]\n"
    "                          [--resume] [--no-wait] [--batch N]\n"
    "                          [--enqueue]\n\n"
    "status  lists every data key per practice and purpose with its state\n"
    "        (active, retiring, retired) and how many fields it seals.\n"
    "rotate  creates new data keys for every practice (the old ones become\n"
    "        'retiring'), re-encrypts every sealed field with them, and\n"
    "        retires the old keys once nothing uses them.  Safe to run\n"
    "        while Alcove serves; if interrupted, run it again to resume.\n\n"
    "  --purpose P   which keys to rotate (default: all = general,\n"
    "                psychotherapy and part2).  blind_index: a new search\n"
    "                key, every patient's search index recomputed with it\n"
    "                (search keeps working meanwhile).  The backup key is\n"
    "                not rotated by this command\n"
    "  --resume      only finish a rotation that was interrupted\n"
    "  --no-wait     do not wait for running servers to pick up the new\n"
    "                keys (about a minute): use when Alcove is stopped\n"
    "  --batch N     rows re-encrypted per transaction (default 200)\n"
    "  --enqueue     queue the rotation for the running server to do in\n"
    "                the background (progress on Settings > Encryption\n"
    "                keys) instead of doing it in this process\n";

struct keys_opts {
	const char *data, *file, *purpose;
	int resume, nowait, batch, enqueue;
};

/* Returns -1 after printing help, 0 to go on, or EXIT_USAGE. */
static int
parse_keys(int argc, char **argv, struct keys_opts *o)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"purpose", required_argument, NULL, 'p'},
		{"resume", no_argument, NULL, 'r'},
		{"no-wait", no_argument, NULL, 'n'},
		{"batch", required_argument, NULL, 'b'},
		{"enqueue", no_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->data = optarg; break;
		case 'c': o->file = optarg; break;
		case 'p': o->purpose = optarg; break;
		case 'r': o->resume = 1; break;
		case 'n': o->nowait = 1; break;
		case 'e': o->enqueue = 1; break;
		case 'b':
			if ((o->batch = atoi(optarg)) < 1 || o->batch > 100000)
				return cli_usage_error("keys", "--batch must be 1 to "
				    "100000");
			break;
		case 'h': fputs(keys_help, stdout); return -1;
		default:
			return cli_usage_error("keys", "unknown or incomplete "
			    "option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("keys", "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

/* The --purpose value as a mask of KEYS_ROTATE_ROTATABLE bits. */
static int
purpose_mask(const char *s, unsigned *mask)
{
	enum keystore_purpose p;

	if (s == NULL || strcmp(s, "all") == 0) {
		*mask = KEYS_ROTATE_ROTATABLE;
		return 0;
	}
	if (keys_purpose_parse(s, &p) != 0)
		return cli_usage_error("keys", "--purpose must be general, "
		    "psychotherapy, part2, blind_index or all");
	if (!((KEYS_ROTATE_ROTATABLE | KEYS_ROTATE_INDEX) & (1u << p)))
		return cli_usage_error("keys", "the backup key is not rotated "
		    "by this command (see docs/keys.md)");
	*mask = 1u << p;
	return 0;
}

static void
progress_line(void *arg, const char *table, const char *column,
    int64_t n)
{
	(void)arg;
	if (strcmp(table, "patient_search") == 0)
		fprintf(stderr, "keys rotate: search index: %" PRId64 " patient%s "
		    "re-indexed\n", n, n == 1 ? "" : "s");
	else
		fprintf(stderr, "keys rotate: %s.%s: %" PRId64 " field%s "
		    "re-encrypted\n", table, column, n, n == 1 ? "" : "s");
}

static void
start_line(void *arg, int64_t id, int resumed, int64_t wait_ms)
{
	(void)arg;
	fprintf(stderr, "keys rotate: rotation %" PRId64 " %s; new keys in "
	    "place\n", id, resumed ? "resumed" : "started");
	if (wait_ms > 0)
		fprintf(stderr, "keys rotate: waiting %" PRId64 " s for running "
		    "servers to use the new keys (--no-wait to skip)\n",
		    (wait_ms + 999) / 1000);
}

static int
run_rotate(struct keystore *ks, const struct keys_opts *ko, unsigned mask)
{
	struct keys_rotate_opts o;
	struct keys_rotate_result r;
	struct alc_err err;
	const char *abort_env = getenv("ALCOVE_TEST_ROTATE_ABORT_AFTER");

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	memset(&err, 0, sizeof(err));
	o.purposes = ko->resume ? 0 : mask;
	o.settle_ms = ko->nowait ? 0 : -1;
	o.batch = ko->batch;
	o.abort_after = abort_env ? atoi(abort_env) : 0;
	o.abort_kill = 1;
	o.reindex = patients_reindex_batch;
	o.on_start = start_line;
	o.progress = progress_line;
	o.actor_role = "operator";
	o.user_agent = "alcove-cli/" ALCOVE_VERSION;
	if (keys_rotate(ks, &o, &r, &err) != 0)
		return cli_fail("keys rotate: %s", err.msg);
	printf("rotation %" PRId64 " %s: %" PRId64 " fields re-encrypted, %d "
	    "key%s retired\n", r.rotation_id, r.resumed ? "resumed" : "started",
	    r.resealed, r.retired, r.retired == 1 ? "" : "s");
	if (r.remaining > 0)
		return cli_fail("keys rotate: %" PRId64 " fields are still sealed "
		    "with retiring keys (another process sealed them); run "
		    "`alcove keys rotate` again", r.remaining);
	printf("rotation %" PRId64 " done\n", r.rotation_id);
	return EXIT_OK;
}

static int
run_enqueue(struct db *db, const struct keys_opts *ko)
{
	int64_t id = 0;
	int rc;

	rc = keys_rotate_enqueue(db, 0, ko->purpose ? ko->purpose : "all",
	    ko->batch, NULL, &id);
	if (rc == ALC_EBUSY)
		return cli_fail("keys rotate: a key rotation is already queued or "
		    "running; wait for it to finish (`alcove keys status`)");
	if (rc != 0)
		return cli_fail("keys rotate: cannot queue the rotation: %s",
		    alc_strerror(rc));
	printf("rotation queued as job %" PRId64 "; a running `alcove serve` "
	    "does it in the background\n", id);
	return EXIT_OK;
}

static int
run_status(struct keystore *ks)
{
	struct keys_status_row *rows = NULL;
	char created[32];
	int64_t running = 0;
	size_t n = 0, i;

	if (keys_status(ks, &rows, &n, &running) != 0)
		return cli_fail("keys status: cannot read the data keys");
	if (running)
		printf("rotation %" PRId64 " is running or was interrupted: run "
		    "`alcove keys rotate` to finish it\n\n", running);
	printf("%-9s %-14s %6s  %-9s %-24s %s\n", "PRACTICE", "PURPOSE", "KEY",
	    "STATE", "CREATED", "FIELDS");
	for (i = 0; i < n; i++) {
		char fields[24] = "-", practice[24] = "(all)";
		if (rows[i].rows >= 0)
			snprintf(fields, sizeof(fields), "%" PRId64, rows[i].rows);
		if (rows[i].practice_id)
			snprintf(practice, sizeof(practice), "%" PRId64,
			    rows[i].practice_id);
		printf("%-9s %-14s %6" PRId64 "  %-9s %-24s %s\n", practice,
		    keystore_purpose_name(rows[i].purpose), rows[i].key_id,
		    rows[i].status, time_format_iso(created, sizeof(created),
		    rows[i].created_at), fields);
	}
	free(rows);
	return EXIT_OK;
}

/* Opens the database (whose schema must be current) and the keystore. */
static int
open_keys(const struct config *cfg, struct db **db, struct keystore **ks)
{
	struct alc_err err;
	int rc, version = 0;

	*ks = NULL;
	if ((rc = cli_open_db(cfg, db)) != 0)
		return rc;
	if (db_schema_version(*db, &version, &err) != 0)
		rc = cli_fail("keys: %s", err.msg);
	else if (version < db_schema_latest())
		rc = cli_fail("keys: the database schema is at version %d, this "
		    "Alcove needs %d: run `alcove migrate` first", version,
		    db_schema_latest());
	else if ((*ks = keystore_open(*db, cfg->keys.master_key_file[0] ?
	    cfg->keys.master_key_file : NULL, &err)) == NULL)
		rc = cli_fail("keys: %s", err.msg);
	if (rc != 0) {
		db_close(*db);
		*db = NULL;
	}
	return rc;
}

int
cmd_keys(int argc, char **argv)
{
	struct keys_opts o;
	struct keystore *ks;
	struct config cfg;
	struct db *db;
	unsigned mask = 0;
	const char *sub = argc > 1 ? argv[1] : "";
	int rc, rotate = strcmp(sub, "rotate") == 0;

	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(keys_help, stdout);
		return EXIT_OK;
	}
	if (!rotate && strcmp(sub, "status") != 0)
		return cli_usage_error("keys", "expected `status` or `rotate`");
	if ((rc = parse_keys(argc - 1, argv + 1, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (o.enqueue && (o.resume || o.nowait))
		return cli_usage_error("keys", "--enqueue takes only --purpose "
		    "and --batch");
	if (!rotate && (o.purpose || o.resume || o.nowait || o.batch ||
	    o.enqueue))
		return cli_usage_error("keys", "status takes only --data or "
		    "--config");
	if (rotate && (rc = purpose_mask(o.purpose, &mask)) != 0)
		return rc;
	if ((rc = cli_load_config(&cfg, o.data, o.file)) != 0)
		return rc;
	if ((rc = open_keys(&cfg, &db, &ks)) == 0) {
		rc = !rotate ? run_status(ks) : o.enqueue ? run_enqueue(db, &o) :
		    run_rotate(ks, &o, mask);
		keystore_close(ks);
		db_close(db);
	}
	config_free(&cfg);
	return rc;
}
