/*
 * cmd_restore.c - `alcove restore FILE --data NEWDIR`.
 *
 * Order matters (cmd_backup.c has the whole story): the file is read and
 * verified completely before anything is created, so a wrong master key,
 * a flipped byte or a truncated file leaves nothing behind.  Then NEWDIR
 * (alcove.ini, a new self-signed TLS certificate) and the database, then
 * migrate, audit chain verification, row counts against the manifest,
 * the master key against the restored data keys, and a RESTORE event.
 * A failure after NEWDIR was made removes it again (a PostgreSQL database
 * that pg_restore filled stays: the message says so).
 */
#include "cli/cli.h"
#include "audit/audit.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "core/backup/backup.h"
#include "core/keys/keystore.h"
#include "crypto/aead.h"
#include "crypto/tlscert.h"
#include "db/db.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char restore_help[] =
    "usage: alcove restore FILE --data NEWDIR [--key-file PATH]\n"
    "                      [--engine sqlite|postgres --pg-conninfo STR]\n\n"
    "Verifies the backup FILE completely (every chunk, its end, its\n"
    "manifest), then creates the new data directory NEWDIR (it must not\n"
    "exist) and restores the database into it, migrates, verifies the audit\n"
    "chain and compares row counts with the backup's manifest.\n\n"
    "  --key-file PATH     the installation's master key file (default:\n"
    "                      NEWDIR-master.key beside NEWDIR; also\n"
    "                      ALCOVE_MASTER_KEY or a systemd credential)\n"
    "  --engine ENGINE     the backup's engine (default); sqlite or postgres\n"
    "  --pg-conninfo STR   PostgreSQL: an empty database to restore into\n";

struct restore_opts {
	const char *file, *data, *key_file, *engine, *conninfo;
};

/* Returns -1 after printing help, 0 to go on, or EXIT_USAGE. */
static int
parse_restore(int argc, char **argv, struct restore_opts *o)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"key-file", required_argument, NULL, 'k'},
		{"engine", required_argument, NULL, 'e'},
		{"pg-conninfo", required_argument, NULL, 'p'},
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
		case 'k': o->key_file = optarg; break;
		case 'e': o->engine = optarg; break;
		case 'p': o->conninfo = optarg; break;
		case 'h': fputs(restore_help, stdout); return -1;
		default:
			return cli_usage_error("restore", "unknown or incomplete "
			    "option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc)
		return cli_usage_error("restore", "unexpected argument \"%s\"",
		    argv[optind]);
	if (o->file == NULL || o->data == NULL || o->data[0] == '\0')
		return cli_usage_error("restore", "FILE and --data NEWDIR are "
		    "required");
	if (o->engine != NULL && strcmp(o->engine, "sqlite") != 0 &&
	    strcmp(o->engine, "postgres") != 0)
		return cli_usage_error("restore", "--engine must be sqlite or "
		    "postgres");
	return 0;
}

/* What one pass over the file needs. */
struct restore_ctx {
	const struct restore_opts *o;
	char key_file[PATH_MAX];
	unsigned char *key;   /* the backup key, aead_key_alloc'd */
	struct buf manifest;
	char engine[16];
	char dir[PATH_MAX];   /* absolute NEWDIR, once created */
	char tmp[PATH_MAX];   /* private temp dir for a PostgreSQL dump */
	char payload[PATH_MAX];
	int out_fd;
};

/* Reads the header, unwraps the key (first pass only) and the manifest;
 * then the payload into sink.  Prints the error. */
static int
read_pass(FILE *f, struct restore_ctx *x, int first,
    int (*sink)(void *, const void *, size_t))
{
	struct backup_header h;
	struct backup_reader *r = NULL;
	struct alc_err err;
	char mid[KEYSTORE_MASTER_ID_SIZE];
	int rc;

	memset(&err, 0, sizeof(err));
	rewind(f);
	buf_reset(&x->manifest);
	if ((rc = backup_header_read(f, &h, &err)) != 0)
		return cli_fail("restore: %s: %s", x->o->file, err.msg);
	if (first && keystore_unwrap_backup_key(x->key_file, h.key_id,
	    h.wrapped, x->key, mid, &err) != 0) {
		if (err.code == ALC_ECRYPTO)
			return cli_fail("restore: wrong master key: this backup "
			    "needs master key %s, and %s", h.master_id, err.msg);
		return cli_fail("restore: %s", err.msg);
	}
	if ((rc = backup_reader_open(&r, f, &h, x->key, &x->manifest,
	    &err)) == 0)
		rc = backup_reader_payload(r, sink, x, &err);
	backup_reader_free(r);
	if (rc != 0)
		return cli_fail("restore: %s: %s; nothing was restored",
		    x->o->file, err.msg);
	if (first && backup_manifest_engine(x->manifest.data, x->engine) != 0)
		return cli_fail("restore: %s: the manifest does not parse",
		    x->o->file);
	return 0;
}

static int
sink_fd(void *ctx, const void *p, size_t n)
{
	struct restore_ctx *x = ctx;

	while (n > 0) {
		ssize_t w = write(x->out_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ALC_EIO;
		p = (const unsigned char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

/* NEWDIR with alcove.ini and a TLS certificate. */
static int
make_datadir(struct restore_ctx *x)
{
	struct config_init ci;
	struct alc_err err;
	char p[PATH_MAX], k[PATH_MAX];

	if (mkdir(x->o->data, 0700) != 0)
		return cli_fail("restore: cannot create %s: %s", x->o->data,
		    strerror(errno));
	if (realpath(x->o->data, x->dir) == NULL)
		return cli_fail("restore: %s: %s", x->o->data, strerror(errno));
	memset(&ci, 0, sizeof(ci));
	ci.engine = x->engine;
	ci.conninfo = strcmp(x->engine, "postgres") == 0 ? x->o->conninfo : NULL;
	ci.master_key_file = x->key_file;
	if (cli_path(p, sizeof(p), x->dir, "/tls") != 0 || mkdir(p, 0700) != 0)
		return cli_fail("restore: cannot create %s/tls", x->dir);
	if (cli_path(p, sizeof(p), x->dir, "/alcove.ini") != 0 ||
	    config_write_initial(p, &ci, &err) != 0)
		return cli_fail("restore: %s", err.msg);
	if (cli_path(p, sizeof(p), x->dir, "/tls/cert.pem") != 0 ||
	    cli_path(k, sizeof(k), x->dir, "/tls/key.pem") != 0 ||
	    tlscert_generate(p, k, "localhost", &err) != 0)
		return cli_fail("restore: %s", err.msg);
	return 0;
}

/* Second pass: the database file (SQLite) or dump (PostgreSQL). */
static int
put_back(FILE *f, struct restore_ctx *x)
{
	struct alc_err err;
	int pg = strcmp(x->engine, "postgres") == 0, rc;

	if (pg && backup_tmpdir(x->tmp, sizeof(x->tmp), &err) != 0)
		return cli_fail("restore: %s", err.msg);
	if (cli_path(x->payload, sizeof(x->payload), pg ? x->tmp : x->dir,
	    pg ? "/alcove.dump" : "/alcove.db") != 0)
		return EXIT_FAIL;
	if ((x->out_fd = open(x->payload, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600)) < 0)
		return cli_fail("restore: %s: %s", x->payload, strerror(errno));
	rc = read_pass(f, x, 0, sink_fd);
	if (rc == 0 && fsync(x->out_fd) != 0)
		rc = cli_fail("restore: %s: %s", x->payload, strerror(errno));
	close(x->out_fd);
	if (rc == 0 && pg && backup_pg_restore(x->o->conninfo, x->payload,
	    &err) != 0)
		rc = cli_fail("restore: %s", err.msg);
	return rc;
}

/* The RESTORE event, in the restored database. */
static int
record_restore(struct db *db, const struct audit_verify_result *r)
{
	char detail[160];
	struct audit_event ev = {
		.actor_role = "operator", .verb = "RESTORE", .object_type =
		"database", .user_agent = "alcove-cli/" ALCOVE_VERSION,
		.detail = detail, .outcome = AUDIT_OK,
	};
	struct db_conn *c;
	int rc;

	snprintf(detail, sizeof(detail), "{\"engine\":\"%s\",\"audit_events\":%"
	    PRId64 ",\"last_seq\":%" PRId64 "}", db_engine_name(db_engine(db)),
	    r->count, r->last_seq);
	if ((c = db_acquire(db, 30000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = audit_write(c, &ev);
	db_release(c);
	return rc;
}

/* Migrate, verify the chain, compare counts, check the master key. */
static int
check_restored(struct restore_ctx *x)
{
	struct audit_verify_result r;
	struct keystore *ks = NULL;
	struct config cfg;
	struct alc_err err;
	struct db *db = NULL;
	int rc, applied = 0;

	memset(&err, 0, sizeof(err));
	if ((rc = cli_load_config(&cfg, x->dir, NULL)) != 0)
		return rc;
	if ((rc = cli_open_db(&cfg, &db)) != 0)
		goto out;
	if (db_migrate(db, &applied, &err) != 0)
		rc = cli_fail("restore: migrating: %s", err.msg);
	else if (audit_verify(db, NULL, &r) != 0 || !r.ok)
		rc = cli_fail("restore: the restored audit chain does not "
		    "verify: %s", r.reason);
	else if (backup_manifest_check(db, x->manifest.data, &err) != 0)
		rc = cli_fail("restore: %s", err.msg);
	else if ((ks = keystore_open(db, cfg.keys.master_key_file, &err)) == NULL)
		rc = cli_fail("restore: %s", err.msg);
	else if ((rc = record_restore(db, &r)) != 0)
		rc = cli_fail("restore: recording the RESTORE event: %s",
		    alc_strerror(rc));
	else
		printf("restored into %s (%s); rows match the backup's manifest; "
		    "audit chain OK: %" PRId64 " events, head %s\n", x->dir,
		    x->engine, r.count, r.count ? r.head : "(empty)");
	keystore_close(ks);
	db_close(db);
out:
	config_free(&cfg);
	return rc;
}

/* The master key file: --key-file, the environment, or NEWDIR-master.key. */
static int
key_file_path(struct restore_ctx *x)
{
	const char *k = x->o->key_file ? x->o->key_file :
	    getenv("ALCOVE_KEYS_MASTER_KEY_FILE");
	char parent[PATH_MAX], real[PATH_MAX], *slash;
	const char *d = x->o->data;
	int n;

	if (k != NULL && k[0] != '\0') {
		if (realpath(k, x->key_file) == NULL)
			snprintf(x->key_file, sizeof(x->key_file), "%s", k);
		return 0;
	}
	/* NEWDIR does not exist yet: resolve its parent. */
	snprintf(parent, sizeof(parent), "%s", d);
	slash = strrchr(parent, '/');
	if (slash == NULL)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	if (realpath(parent, real) == NULL)
		return cli_fail("restore: %s: %s", parent, strerror(errno));
	n = snprintf(x->key_file, sizeof(x->key_file), "%s/%s-master.key",
	    strcmp(real, "/") == 0 ? "" : real, slash ? strrchr(d, '/') + 1 : d);
	if (n < 0 || (size_t)n >= sizeof(x->key_file))
		return cli_fail("restore: path too long: %s", d);
	return 0;
}

static int
run_restore(struct restore_ctx *x, FILE *f)
{
	int rc;

	if ((rc = read_pass(f, x, 1, NULL)) != 0)
		return rc;
	if (x->o->engine != NULL && strcmp(x->o->engine, x->engine) != 0)
		return cli_fail("restore: this is a %s backup; it restores only "
		    "into %s", x->engine, x->engine);
	if (strcmp(x->engine, "postgres") == 0 && (x->o->conninfo == NULL ||
	    x->o->conninfo[0] == '\0'))
		return cli_fail("restore: a postgres backup needs --pg-conninfo "
		    "naming an empty database");
	if ((rc = make_datadir(x)) == 0 && (rc = put_back(f, x)) == 0)
		rc = check_restored(x);
	if (rc != 0 && x->dir[0] != '\0') {
		backup_rmtree(x->dir);
		if (strcmp(x->engine, "postgres") == 0)
			fprintf(stderr, "alcove: restore: %s was removed; the "
			    "PostgreSQL database may hold restored tables: drop "
			    "and re-create it before trying again\n", x->dir);
	}
	return rc;
}

int
cmd_restore(int argc, char **argv)
{
	struct restore_opts o;
	struct restore_ctx x;
	struct stat st;
	FILE *f;
	int rc;

	if ((rc = parse_restore(argc, argv, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	memset(&x, 0, sizeof(x));
	x.o = &o;
	if (lstat(o.data, &st) == 0)
		return cli_fail("restore: %s exists; restore only into a new data "
		    "directory", o.data);
	if ((rc = key_file_path(&x)) != 0)
		return rc;
	if ((f = fopen(o.file, "rb")) == NULL)
		return cli_fail("restore: %s: %s", o.file, strerror(errno));
	buf_init(&x.manifest, NULL);
	if ((x.key = aead_key_alloc()) == NULL)
		rc = cli_fail("out of memory");
	else
		rc = run_restore(&x, f);
	if (x.tmp[0] != '\0')
		backup_rmtree(x.tmp);
	aead_key_free(x.key);
	buf_free(&x.manifest);
	fclose(f);
	return rc;
}
