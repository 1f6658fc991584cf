/*
 * cmd_misc.c - the small subcommands: migrate, config check, version.
 */
#include "cli/cli.h"
#include "base/config.h"
#include "base/err.h"
#include "crypto/keyfile.h"
#include "crypto/password.h"
#include "crypto/tlscert.h"
#include "db/db.h"
#include "version.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Parses the options every data-directory command shares.  Returns -1
 * after printing help, 0 to go on, or EXIT_USAGE. */
static int
parse_common(const char *cmd, const char *help, int argc, char **argv,
    const char **data, const char **file)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	*data = *file = NULL;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': *data = optarg; break;
		case 'c': *file = optarg; break;
		case 'h': fputs(help, stdout); return -1;
		default:
			return cli_usage_error(cmd, "unknown or incomplete "
			    "option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

int
cmd_migrate(int argc, char **argv)
{
	static const char help[] =
	    "usage: alcove migrate [--data DIR | --config FILE]\n\n"
	    "Applies the database migrations this version of Alcove has and the\n"
	    "database lacks, each in its own transaction.  Safe to run while\n"
	    "other instances run; `alcove serve` also does this at start.\n";
	const char *data, *file;
	struct config cfg;
	struct alc_err err;
	struct db *db;
	int rc, applied = 0, version = 0;

	if ((rc = parse_common("migrate", help, argc, argv, &data, &file)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_load_config(&cfg, data, file)) != 0)
		return rc;
	if ((rc = cli_open_db(&cfg, &db)) != 0)
		goto out;
	if (db_migrate(db, &applied, &err) != 0 ||
	    db_schema_version(db, &version, &err) != 0)
		rc = cli_fail("migrating the database: %s", err.msg);
	else
		printf("Applied %d migration%s; the schema is at version %d.\n",
		    applied, applied == 1 ? "" : "s", version);
	db_close(db);
out:
	config_free(&cfg);
	return rc;
}

/* Checks that what the configuration points at is usable. */
static int
check_files(const struct config *cfg)
{
	struct alc_err err;
	unsigned char key[KEYFILE_KEY_BYTES];
	struct stat st;

	if (!cfg->server.plain_http &&
	    tlscert_check(cfg->server.tls_cert, cfg->server.tls_key, &err) != 0)
		return cli_fail("server.tls_cert/tls_key: %s", err.msg);
	if (cfg->keys.master_key_file[0] == '\0')
		return cli_fail("keys.master_key_file: not set");
	if (keyfile_load(cfg->keys.master_key_file, key, &err) != 0)
		return cli_fail("keys.master_key_file: %s", err.msg);
	crypto_wipe(key, sizeof(key));
	if (cfg->backup.dir[0] != '\0' && (stat(cfg->backup.dir, &st) != 0 ||
	    !S_ISDIR(st.st_mode) || access(cfg->backup.dir, W_OK | X_OK) != 0))
		return cli_fail("backup.dir: %s is not a writable directory",
		    cfg->backup.dir);
	return 0;
}

int
cmd_config(int argc, char **argv)
{
	static const char help[] =
	    "usage: alcove config check [--data DIR | --config FILE]\n\n"
	    "Validates the configuration file and ALCOVE_* environment\n"
	    "overrides, checks the TLS certificate, key file and database, and\n"
	    "prints the effective settings.  Exit status 1 names the first\n"
	    "problem as section.key.\n";
	const char *data, *file;
	struct config cfg;
	struct db *db;
	int rc;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return cli_usage_error("config", "the only action is `check`");
	if ((rc = parse_common("config check", help, argc - 1, argv + 1, &data,
	    &file)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_load_config(&cfg, data, file)) != 0)
		return rc;
	if ((rc = check_files(&cfg)) == 0 && (rc = cli_open_db(&cfg, &db)) == 0)
		db_close(db);
	if (rc == 0) {
		config_print(&cfg, stdout);
		printf("configuration OK\n");
	}
	config_free(&cfg);
	return rc;
}

int
cmd_version(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs("usage: alcove version\n\nPrints the version of Alcove and "
		    "of the schema it carries.\n", stdout);
		return EXIT_OK;
	}
	if (argc >= 2)
		return cli_usage_error("version", "unexpected argument \"%s\"",
		    argv[1]);
	printf("alcove %s (schema %d)\n", ALCOVE_VERSION, db_schema_latest());
	return EXIT_OK;
}
