/*
 * cmd_backup.c - `alcove backup` and `alcove restore`.
 *
 * backup: a consistent snapshot of the running installation's database
 * (src/core/backup/snapshot.c) and its manifest, compressed and encrypted
 * into one file (format.c) under the installation's backup key.  The file
 * is written as FILE.tmp (mode 0600), flushed to disk and renamed, so FILE
 * is either the previous backup or a complete new one.  A BACKUP event in
 * the audit trail records each one (no path, no PHI: engine, size, key).
 *
 * restore: reads the whole file once to verify it - every chunk
 * authenticates, the FINAL chunk is there, the data decompresses, the
 * manifest parses - before it creates anything; only then makes the new
 * data directory (alcove.ini, TLS certificate) and puts the database back,
 * reading the file a second time.  Then it migrates, verifies the audit
 * chain, compares every table's row count with the manifest, checks the
 * master key opens the restored data keys, and records a RESTORE event.
 * If any of that fails the new data directory is removed again.
 */
#include "cli/cli.h"
#include "audit/audit.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "core/backup/backup.h"
#include "core/keys/keystore.h"
#include "crypto/aead.h"
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

static const char backup_help[] =
    "usage: alcove backup [--data DIR | --config FILE] --out FILE\n\n"
    "Writes an encrypted, compressed backup of the installation's database\n"
    "to FILE (mode 0600) while Alcove keeps running: a consistent snapshot\n"
    "(SQLite online backup; pg_dump for PostgreSQL) with a manifest of row\n"
    "counts and the audit chain's head.  It opens only with this\n"
    "installation's master key: keep the master key backed up separately\n"
    "(docs/backup.md).\n";

struct backup_opts {
	const char *data, *file, *out;
};

/* Returns -1 after printing help, 0 to go on, or EXIT_USAGE. */
static int
parse_backup(int argc, char **argv, struct backup_opts *o)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"out", required_argument, NULL, 'o'},
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
		case 'o': o->out = optarg; break;
		case 'h': fputs(backup_help, stdout); return -1;
		default:
			return cli_usage_error("backup", "unknown or incomplete "
			    "option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("backup", "unexpected argument \"%s\"",
		    argv[optind]);
	if (o->out == NULL || o->out[0] == '\0')
		return cli_usage_error("backup", "--out FILE is required");
	return 0;
}

/* Takes the snapshot into tmp/ and the manifest into m; *payload names
 * the snapshot file. */
static int
take_snapshot(const struct config *cfg, struct db *db, const char *tmp,
    char *payload, size_t psz, struct buf *m)
{
	struct backup_txn *txn = NULL;
	struct db_config dc;
	struct db *copy = NULL;
	struct alc_err err;
	char snap[64];
	int rc;

	memset(&err, 0, sizeof(err));
	if (db_engine(db) == DB_POSTGRES) {
		if (cli_path(payload, psz, tmp, "/alcove.dump") != 0)
			return EXIT_FAIL;
		if (backup_manifest_begin(db, &txn, snap, m, &err) != 0 ||
		    backup_pg_dump(cfg->database.conninfo, snap, payload,
		    &err) != 0)
			rc = cli_fail("backup: %s", err.msg);
		else
			rc = 0;
		backup_manifest_end(txn);
		return rc;
	}
	if (cli_path(payload, psz, tmp, "/alcove.db") != 0)
		return EXIT_FAIL;
	if (backup_sqlite_snapshot(cfg->database.path, payload, &err) != 0)
		return cli_fail("backup: %s", err.msg);
	memset(&dc, 0, sizeof(dc));
	dc.engine = DB_SQLITE;
	dc.sqlite_path = payload;
	dc.pool_size = 1;
	if (db_open(&copy, &dc, &err) != 0)
		return cli_fail("backup: opening the snapshot: %s", err.msg);
	rc = backup_manifest_begin(copy, &txn, snap, m, &err);
	backup_manifest_end(txn);
	db_close(copy);
	return rc != 0 ? cli_fail("backup: %s", err.msg) : 0;
}

/* Streams the snapshot file through w. */
static int
copy_payload(const char *payload, struct backup_writer *w)
{
	static unsigned char chunk[BACKUP_CHUNK_BYTES];
	FILE *in = fopen(payload, "rb");
	size_t n;
	int rc = 0;

	if (in == NULL)
		return ALC_EIO;
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		rc = backup_writer_write(w, chunk, n);
	if (rc == 0 && ferror(in))
		rc = ALC_EIO;
	fclose(in);
	return rc;
}

/* Encrypts manifest m and the payload into out (via out.tmp). */
static int
write_file(const char *out, struct backup_header *h, const unsigned char *key,
    const struct buf *m, const char *payload, long *size)
{
	char tmp[PATH_MAX];
	struct backup_writer *w = NULL;
	struct alc_err err;
	FILE *f = NULL;
	int fd, rc;

	if (cli_path(tmp, sizeof(tmp), out, ".tmp") != 0)
		return EXIT_FAIL;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    fchmod(fd, 0600) != 0 || (f = fdopen(fd, "wb")) == NULL) {
		rc = cli_fail("backup: %s: %s", tmp, strerror(errno));
		if (fd >= 0 && f == NULL)
			close(fd);
		goto out;
	}
	if ((rc = backup_writer_open(&w, f, h, key, m->data, m->len)) != 0 ||
	    (rc = copy_payload(payload, w)) != 0 ||
	    (rc = backup_writer_finish(w)) != 0 || fsync(fileno(f)) != 0) {
		rc = cli_fail("backup: writing %s: %s", tmp, rc ? alc_strerror(rc)
		    : strerror(errno));
		goto out;
	}
	*size = ftell(f);
	rc = fclose(f);
	f = NULL;
	if (rc != 0 || rename(tmp, out) != 0) {
		rc = cli_fail("backup: %s: %s", out, strerror(errno));
		goto out;
	}
	rc = fs_fsync_parent(out, &err) != 0 ? cli_fail("backup: %s", err.msg) : 0;
out:
	backup_writer_free(w);
	if (f != NULL)
		fclose(f);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* The BACKUP event on the live database. */
static int
record_backup(struct db *db, const struct backup_header *h, long size)
{
	char detail[160];
	struct audit_event ev = {
		.actor_role = "operator", .verb = "BACKUP", .object_type =
		"database", .user_agent = "alcove-cli/" ALCOVE_VERSION,
		.detail = detail, .outcome = AUDIT_OK,
	};
	struct db_conn *c;
	int rc;

	snprintf(detail, sizeof(detail), "{\"engine\":\"%s\",\"bytes\":%ld,"
	    "\"backup_key_id\":%" PRId64 "}", db_engine_name(db_engine(db)),
	    size, h->key_id);
	if ((c = db_acquire(db, 30000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = audit_write(c, &ev);
	db_release(c);
	return rc;
}

/* Everything after the database is open: key, snapshot, file, event. */
static int
run_backup(const struct config *cfg, struct db *db, const char *out)
{
	struct backup_header h;
	struct keystore *ks = NULL;
	struct alc_err err;
	struct buf m;
	unsigned char *key = aead_key_alloc();
	char tmp[PATH_MAX] = "", payload[PATH_MAX];
	long size = 0;
	int rc;

	buf_init(&m, NULL);
	memset(&h, 0, sizeof(h));
	if (key == NULL)
		return cli_fail("out of memory");
	if ((ks = keystore_open(db, cfg->keys.master_key_file, &err)) == NULL) {
		rc = cli_fail("%s", err.msg);
		goto out;
	}
	if (keystore_backup_key(ks, &h.key_id, h.wrapped, key) != 0) {
		rc = cli_fail("backup: the installation has no backup key");
		goto out;
	}
	snprintf(h.master_id, sizeof(h.master_id), "%s",
	    keystore_master_key_id(ks));
	if (backup_tmpdir(tmp, sizeof(tmp), &err) != 0) {
		rc = cli_fail("backup: %s", err.msg);
		tmp[0] = '\0';
		goto out;
	}
	if ((rc = take_snapshot(cfg, db, tmp, payload, sizeof(payload), &m)) != 0 ||
	    (rc = write_file(out, &h, key, &m, payload, &size)) != 0)
		goto out;
	if ((rc = record_backup(db, &h, size)) != 0) {
		rc = cli_fail("backup written, but recording the BACKUP event "
		    "failed: %s", alc_strerror(rc));
		goto out;
	}
	printf("backup written: %s (%ld bytes, %s, backup key %" PRId64
	    ", master key %s)\n", out, size, db_engine_name(db_engine(db)),
	    h.key_id, h.master_id);
out:
	if (tmp[0] != '\0')
		backup_rmtree(tmp);
	buf_free(&m);
	aead_key_free(key);
	keystore_close(ks);
	return rc;
}

int
cmd_backup(int argc, char **argv)
{
	struct backup_opts o;
	struct config cfg;
	struct db *db;
	int rc;

	if ((rc = parse_backup(argc, argv, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_load_config(&cfg, o.data, o.file)) != 0)
		return rc;
	if ((rc = cli_open_db(&cfg, &db)) == 0) {
		rc = run_backup(&cfg, db, o.out);
		db_close(db);
	}
	config_free(&cfg);
	return rc;
}
