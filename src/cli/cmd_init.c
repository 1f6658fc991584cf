/*
 * cmd_init.c - `alcove init`: a new data directory, ready to serve.
 *
 * Creates, in order: the data directory (0700), the master key file
 * outside it (0600), alcove.ini, a self-signed TLS certificate, the
 * database with every migration, and the practice with its owner.  If a
 * step fails, what this run created is removed again, so the command can
 * simply be run again once the problem is fixed.
 */
#include "cli/cli.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/keys/keystore.h"
#include "core/compliance/compliance.h"
#include "core/practice/practice.h"
#include "core/users/admin.h"
#include "core/users/policy.h"
#include "crypto/keyfile.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "crypto/tlscert.h"
#include "db/db.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

struct init_opts {
	const char *data, *practice, *email, *owner_name, *engine, *conninfo;
	const char *key_file, *hostname;
	int password_stdin, port;
};

static const char init_help[] =
    "usage: alcove init --data DIR --practice NAME --owner-email EMAIL [options]\n\n"
    "Creates a new Alcove installation in DIR: configuration (DIR/alcove.ini),\n"
    "database, TLS certificate (DIR/tls/), master key file, the practice and\n"
    "its owner account.\n\n"
    "  --data DIR            data directory to create (must not hold alcove.ini)\n"
    "  --practice NAME       the practice's name\n"
    "  --owner-email EMAIL   the owner's e-mail address (their sign-in name)\n"
    "  --owner-name NAME     the owner's name as shown in the app\n"
    "  --password-stdin      read the owner's password from standard input\n"
    "                        (otherwise: asked on a terminal, or generated and\n"
    "                        printed once)\n"
    "  --engine ENGINE       sqlite (default) or postgres\n"
    "  --pg-conninfo STR     libpq connection string for postgres\n"
    "  --key-file PATH       master key file (default: DIR-master.key, beside\n"
    "                        the data directory, never inside it)\n"
    "  --hostname HOST       name in the TLS certificate (default: localhost)\n"
    "  --port N              HTTPS port to configure (default: 8443)\n";

static int
parse_init(int argc, char **argv, struct init_opts *o)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"practice", required_argument, NULL, 'p'},
		{"owner-email", required_argument, NULL, 'e'},
		{"owner-name", required_argument, NULL, 'n'},
		{"password-stdin", no_argument, NULL, 's'},
		{"engine", required_argument, NULL, 'E'},
		{"pg-conninfo", required_argument, NULL, 'c'},
		{"key-file", required_argument, NULL, 'k'},
		{"hostname", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->engine = "sqlite";
	o->hostname = "localhost";
	o->port = 8443;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->data = optarg; break;
		case 'p': o->practice = optarg; break;
		case 'e': o->email = optarg; break;
		case 'n': o->owner_name = optarg; break;
		case 's': o->password_stdin = 1; break;
		case 'E': o->engine = optarg; break;
		case 'c': o->conninfo = optarg; break;
		case 'k': o->key_file = optarg; break;
		case 'H': o->hostname = optarg; break;
		case 'P': o->port = atoi(optarg); break;
		case 'h': fputs(init_help, stdout); return -1;
		default:
			return cli_usage_error("init", "unknown or incomplete "
			    "option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("init", "unexpected argument \"%s\"",
		    argv[optind]);
	if (o->data == NULL || o->practice == NULL || o->email == NULL)
		return cli_usage_error("init", "--data, --practice and "
		    "--owner-email are required");
	if (db_engine_parse(o->engine) < 0)
		return cli_usage_error("init", "--engine must be sqlite or "
		    "postgres");
	if (db_engine_parse(o->engine) == DB_POSTGRES && o->conninfo == NULL)
		return cli_usage_error("init", "--engine postgres needs "
		    "--pg-conninfo");
	if (o->port < 1 || o->port > 65535)
		return cli_usage_error("init", "--port must be 1 to 65535");
	if (!practice_email_ok(o->email))
		return cli_usage_error("init", "--owner-email \"%s\" is not an "
		    "e-mail address", o->email);
	return 0;
}

/* Gets the owner's password: stdin, terminal, or generated (then
 * *generated is set and the caller shows it once). */
static int
owner_password(const struct init_opts *o, char *pw, size_t pwsz,
    int *generated)
{
	struct pwpol_subject who;

	/* The policy every password meets (the owner has no MFA yet). */
	memset(&who, 0, sizeof(who));
	who.name = o->owner_name;
	who.email = o->email;
	who.practices = &o->practice;
	who.n_practices = 1;
	return cli_new_password(o->password_stdin, &who, pw, pwsz, generated);
}

/* DIR-master.key beside DIR, as an absolute path. */
static char *
default_key_file(const char *dir_real)
{
	size_t n = strlen(dir_real) + sizeof("-master.key");
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s-master.key", dir_real);
	return p;
}

static int
make_dirs(const char *data, char *real)
{
	char path[PATH_MAX];

	if (mkdir(data, 0700) != 0 && errno != EEXIST)
		return cli_fail("cannot create %s: %s", data, strerror(errno));
	if (realpath(data, real) == NULL)
		return cli_fail("%s: %s", data, strerror(errno));
	if (cli_path(path, sizeof(path), real, "/alcove.ini") != 0)
		return EXIT_FAIL;
	if (access(path, F_OK) == 0)
		return cli_fail("%s is already initialised (%s exists)", data,
		    path);
	if (cli_path(path, sizeof(path), real, "/tls") != 0)
		return EXIT_FAIL;
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return cli_fail("cannot create %s: %s", path, strerror(errno));
	return 0;
}

/* What this run created, to undo on failure. */
struct created {
	char ini[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], db[PATH_MAX];
	char *keyfile;
	int has_ini, has_cert, has_keyfile, has_db;
};

static void
undo(const struct created *c)
{
	if (c->has_db) {
		char wal[PATH_MAX + 8];
		unlink(c->db);
		snprintf(wal, sizeof(wal), "%s-wal", c->db);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", c->db);
		unlink(wal);
	}
	if (c->has_cert) {
		unlink(c->cert);
		unlink(c->key);
	}
	if (c->has_ini)
		unlink(c->ini);
	if (c->has_keyfile)
		unlink(c->keyfile);
}

static int
write_files(const struct init_opts *o, const char *real, struct created *cr)
{
	struct config_init ci;
	struct alc_err err;
	unsigned char key[KEYFILE_KEY_BYTES];

	cr->keyfile = o->key_file ? strdup(o->key_file) : default_key_file(real);
	if (cr->keyfile == NULL)
		return cli_fail("out of memory");
	if (access(cr->keyfile, F_OK) == 0) {
		/* Reuse a key left by an earlier attempt, if it is sound. */
		if (keyfile_load(cr->keyfile, key, &err) != 0)
			return cli_fail("%s", err.msg);
		crypto_wipe(key, sizeof(key));
	} else if (keyfile_create(cr->keyfile, &err) != 0)
		return cli_fail("%s", err.msg);
	else
		cr->has_keyfile = 1;
	memset(&ci, 0, sizeof(ci));
	ci.engine = o->engine;
	ci.conninfo = o->conninfo;
	ci.master_key_file = cr->keyfile;
	ci.port = o->port;
	if (cli_path(cr->ini, sizeof(cr->ini), real, "/alcove.ini") != 0 ||
	    cli_path(cr->cert, sizeof(cr->cert), real, "/tls/cert.pem") != 0 ||
	    cli_path(cr->key, sizeof(cr->key), real, "/tls/key.pem") != 0)
		return EXIT_FAIL;
	if (config_write_initial(cr->ini, &ci, &err) != 0)
		return cli_fail("%s", err.msg);
	cr->has_ini = 1;
	if (access(cr->cert, F_OK) != 0) {
		if (tlscert_generate(cr->cert, cr->key, o->hostname, &err) != 0)
			return cli_fail("%s", err.msg);
		cr->has_cert = 1;
	}
	return 0;
}

static int
create_practice(const struct init_opts *o, const struct config *cfg,
    const char *pw, struct created *cr)
{
	struct practice_setup ps;
	struct alc_err err;
	struct db *db = NULL;
	int64_t pid;
	int rc;

	if (db_engine_parse(cfg->database.engine) == DB_SQLITE) {
		if (cli_path(cr->db, sizeof(cr->db), cfg->database.path, "") != 0)
			return EXIT_FAIL;
		cr->has_db = access(cr->db, F_OK) != 0;
	}
	if ((rc = cli_open_db(cfg, &db)) != 0)
		return rc;
	if (db_migrate(db, NULL, &err) != 0) {
		db_close(db);
		return cli_fail("migrating the database: %s", err.msg);
	}
	memset(&ps, 0, sizeof(ps));
	ps.name = o->practice;
	ps.owner_email = o->email;
	ps.owner_name = o->owner_name;
	rc = cli_create_practice(db, cfg, &ps, pw, &pid);
	db_close(db);
	return rc;
}

int
cmd_init(int argc, char **argv)
{
	struct init_opts o;
	struct created cr;
	struct config cfg;
	char real[PATH_MAX], pw[1100];
	int rc, generated;

	if ((rc = parse_init(argc, argv, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	memset(&cr, 0, sizeof(cr));
	if (crypto_init() != 0)
		return cli_fail("libsodium could not be initialised");
	/* The password first: a refused one must leave nothing behind. */
	if ((rc = owner_password(&o, pw, sizeof(pw), &generated)) != 0 ||
	    (rc = make_dirs(o.data, real)) != 0)
		goto out;
	if ((rc = write_files(&o, real, &cr)) != 0 ||
	    (rc = cli_load_config(&cfg, real, NULL)) != 0)
		goto out;
	/* The summary below says what was created; progress lines from the
	 * migrations and key creation would only bury it. */
	if (getenv("ALCOVE_LOG_LEVEL") == NULL)
		log_set_level(LOG_WARN);
	rc = create_practice(&o, &cfg, pw, &cr);
	config_free(&cfg);
	if (rc != 0)
		goto out;
	printf("Created %s for \"%s\".\n", real, o.practice);
	printf("Master key: %s (keep it safe and out of backups of %s)\n",
	    cr.keyfile, real);
	printf("Start it:   alcove serve --data %s\n", real);
	printf("Then open:  https://%s:%d/login\n", o.hostname, o.port);
	printf("Sign in as: %s\n", o.email);
	if (generated)
		printf("Owner password (shown once): %s\n", pw);
out:
	if (rc != 0)
		undo(&cr);
	explicit_bzero(pw, sizeof(pw));
	free(cr.keyfile);
	return rc;
}
