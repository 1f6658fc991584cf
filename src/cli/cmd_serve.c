/*
 * cmd_serve.c - `alcove serve`: migrate, start the job workers, serve
 * HTTPS until SIGTERM/SIGINT, then shut everything down in order.
 */
#include "cli/cli.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/mail/mail.h"
#include "audit/audit.h"
#include "core/audit_view/audit_view.h"
#include "core/backup/backup.h"
#include "core/compliance/compliance.h"
#include "core/keys/keystore.h"
#include "core/keys/rotate_job.h"
#include "core/patients/patients.h"
#include "crypto/random.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "web/server.h"
#include "version.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char serve_help[] =
    "usage: alcove serve [--data DIR | --config FILE] [--port N] [--host ADDR]\n\n"
    "Serves Alcove over HTTPS until stopped with SIGTERM or Ctrl-C, then\n"
    "finishes the requests in progress and exits.  Pending database\n"
    "migrations are applied first.\n\n"
    "  --data DIR      data directory (configuration: DIR/alcove.ini)\n"
    "  --config FILE   configuration file (default: $ALCOVE_CONFIG)\n"
    "  --port N        listen on port N (0: any free port; overrides\n"
    "                  server.port)\n"
    "  --host ADDR     listen on ADDR (overrides server.host)\n";

static int
start_jobs(struct config *cfg, struct db *db, struct keystore *ks,
    struct jobs **out)
{
	struct jobs_config jc;

	*out = NULL;
	if (cfg->jobs.workers == 0)
		return 0;
	memset(&jc, 0, sizeof(jc));
	jc.threads = cfg->jobs.workers;
	jc.poll_ms = cfg->jobs.poll_interval_ms;
	if ((*out = jobs_new(db, &jc)) == NULL)
		return cli_fail("cannot create the job workers");
	/* Every job kind's handler, before the workers start. */
	if (mail_register(*out, cfg) != 0 ||
	    compliance_register_jobs(*out, cfg) != 0 ||
	    audit_register_jobs(*out) != 0 ||
	    audit_digest_register(*out, cfg) != 0 ||
	    backup_register_jobs(*out, cfg, ks) != 0 ||
	    keys_register_jobs(*out, ks, patients_reindex_batch) != 0 ||
	    jobs_start(*out) != 0) {
		jobs_free(*out);
		*out = NULL;
		return cli_fail("cannot start the job workers");
	}
	return 0;
}

/* The daily jobs re-queue themselves; queueing today's run at start (once
 * a day, by idempotency key) restarts the chain if a run was ever lost. */
static void
kick_daily_jobs(struct db *db, const struct config *cfg)
{
	if (compliance_schedule_all(db, time_now_ms()) != 0)
		log_warn("could not queue the compliance reminders", "%s", "");
	if (audit_digest_schedule_all(db, cfg->audit.digest_interval,
	    time_now_ms()) != 0)
		log_warn("could not queue the audit digest", "%s", "");
	if (backup_schedule_start(db, cfg, time_now_ms()) != 0)
		log_warn("could not queue the scheduled backup", "%s", "");
}

static int
serve(struct config *cfg)
{
	struct app app;
	struct alc_err err;
	struct db *db = NULL;
	struct jobs *jobs = NULL;
	struct audit_syslog *fwd = NULL;
	int rc, applied = 0;

	memset(&app, 0, sizeof(app));
	if (crypto_init() != 0)
		return cli_fail("libsodium could not be initialised");
	/* Before any thread exists, so that only server_run sees signals. */
	server_block_signals();
	if ((rc = cli_open_db(cfg, &db)) != 0)
		return rc;
	if (db_migrate(db, &applied, &err) != 0) {
		db_close(db);
		return cli_fail("migrating the database: %s", err.msg);
	}
	if (applied > 0)
		log_info("migrated", "applied=%d", applied);
	kick_daily_jobs(db, cfg);
	/* Refuses a wrong master key now rather than at the first PHI read. */
	app.keys = keystore_open(db, cfg->keys.master_key_file[0] ?
	    cfg->keys.master_key_file : NULL, &err);
	if (app.keys == NULL) {
		db_close(db);
		return cli_fail("encryption keys: %s", err.msg);
	}
	if ((app.audit = audit_writer_new(db)) == NULL) {
		keystore_close(app.keys);
		db_close(db);
		return cli_fail("cannot start the audit writer");
	}
	if (cfg->audit.syslog[0] != '\0' &&
	    (fwd = audit_syslog_start(db, cfg->audit.syslog, &err)) == NULL) {
		audit_writer_free(app.audit);
		keystore_close(app.keys);
		db_close(db);
		return cli_fail("%s", err.msg);
	}
	if ((rc = start_jobs(cfg, db, app.keys, &jobs)) != 0) {
		audit_syslog_stop(fwd);
		audit_writer_free(app.audit);
		keystore_close(app.keys);
		db_close(db);
		return rc;
	}
	app.cfg = cfg;
	app.db = db;
	app.jobs = jobs;
	app.started_ms = time_now_ms();
	log_info("starting", "version=%s engine=%s data=%s", ALCOVE_VERSION,
	    cfg->database.engine, cfg->data_dir);
	rc = server_run(&app, &err);
	if (jobs != NULL) {
		jobs_stop(jobs);
		jobs_free(jobs);
	}
	audit_writer_stop(app.audit);
	audit_syslog_stop(fwd);
	audit_writer_free(app.audit);
	keystore_close(app.keys);
	db_close(db);
	if (rc != 0)
		return cli_fail("%s", err.msg);
	log_info("stopped", "%s", "");
	return EXIT_OK;
}

int
cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"port", required_argument, NULL, 'p'},
		{"host", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *data = NULL, *file = NULL, *port = NULL, *host = NULL;
	struct config cfg;
	char *end;
	long p = 0;
	int ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': data = optarg; break;
		case 'c': file = optarg; break;
		case 'p': port = optarg; break;
		case 'H': host = optarg; break;
		case 'h': fputs(serve_help, stdout); return EXIT_OK;
		default:
			return cli_usage_error("serve", "unknown or incomplete "
			    "option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("serve", "unexpected argument \"%s\"",
		    argv[optind]);
	if (port != NULL && ((p = strtol(port, &end, 10)) < 0 || p > 65535 ||
	    *end != '\0' || end == port))
		return cli_usage_error("serve", "--port must be 0 to 65535");
	if ((rc = cli_load_config(&cfg, data, file)) != 0)
		return rc;
	if (port != NULL)
		cfg.server.port = (int)p;
	if (host != NULL) {
		free(cfg.server.host);
		cfg.server.host = strdup(host);
	}
	rc = cfg.server.host ? serve(&cfg) : cli_fail("out of memory");
	config_free(&cfg);
	return rc;
}
