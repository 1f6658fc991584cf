/*
 * manifest.c - what a backup holds, written as its first chunk and checked
 * after a restore.
 *
 *   {"format": "alcove-backup", "created_at": "2026-...Z",
 *    "alcove_version": "...", "schema_version": 9, "engine": "sqlite",
 *    "tables": {"users": 3, ...},
 *    "audit": {"head_seq": 41, "head_hash": "...", "count": 41}}
 *
 * Everything is read in one transaction so the numbers agree with each
 * other and with the snapshot: on SQLite the manifest is taken from the
 * snapshot file itself (nothing else writes to it); on PostgreSQL from a
 * REPEATABLE READ transaction whose snapshot is exported for pg_dump and
 * held until the dump has finished.
 *
 * Counting needs one statement per table, so its SQL names a table; the
 * names come from the engine's catalogue, not from any input, and are
 * only used when they are plain lower-case identifiers.  No PHI is in a
 * manifest: names of tables and numbers only.
 */
#include "core/backup/backup.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"
#include "version.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define ACQUIRE_MS 30000

struct backup_txn {
	struct db_conn *c;
};

static int
plain_ident(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 63)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
		    (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* Rows of every table of the current schema, into the object tables. */
static int
count_tables(struct db_conn *c, json_t *tables, struct alc_err *err)
{
	struct db_stmt *s = NULL;
	char sql[128];
	int64_t n;
	json_t *names = json_array();
	size_t i;
	int rc;

	if (names == NULL)
		return alc_err_set(err, ALC_ENOMEM, "out of memory");
	rc = db_prepare(c, &s, db_conn_engine(c) == DB_SQLITE ?
	    "SELECT name FROM sqlite_master WHERE type = 'table' AND "
	    "name NOT LIKE 'sqlite%' ORDER BY name" :
	    "SELECT tablename FROM pg_tables WHERE schemaname = "
	    "current_schema() ORDER BY tablename");
	while (rc == 0 && (rc = db_step(s)) == DB_ROW)
		if (plain_ident(db_col_text(s, 0)))
			rc = json_array_append_new(names,
			    json_string(db_col_text(s, 0))) == 0 ? 0 : ALC_ENOMEM;
	db_stmt_done(s);
	for (i = 0; rc == 0 && i < json_array_size(names); i++) {
		const char *t = json_string_value(json_array_get(names, i));

		/* A table name cannot be a bound parameter; these come from the
		 * catalog, not from input, and plain_ident() admitted only
		 * [a-z0-9_] names of bounded length. */
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", t);
		if ((rc = db_query_i64(c, sql, &n)) == 0)
			rc = json_object_set_new(tables, t, json_integer(n)) == 0 ?
			    0 : ALC_ENOMEM;
	}
	json_decref(names);
	if (rc != 0)
		return alc_err_set(err, rc, "counting rows: %s", db_errmsg(c));
	return 0;
}

/* The audit chain's head row and the schema version, into m. */
static int
read_head(struct db_conn *c, json_t *m, struct alc_err *err)
{
	struct db_stmt *s = NULL;
	int64_t version = 0;
	json_t *a = NULL;
	int rc;

	if ((rc = db_query_i64(c, "SELECT COALESCE(MAX(version), 0) FROM "
	    "schema_migrations", &version)) != 0)
		return alc_err_set(err, rc, "reading the schema version: %s",
		    db_errmsg(c));
	json_object_set_new(m, "schema_version", json_integer(version));
	if ((rc = db_prepare(c, &s, "SELECT seq, hash, count FROM audit_head "
	    "WHERE id = 1")) != 0 || (rc = db_step(s)) != DB_ROW) {
		rc = alc_err_set(err, rc < 0 ? rc : ALC_ENOTFOUND, "reading the "
		    "audit chain's head: %s", db_errmsg(c));
		db_stmt_done(s);
		return rc;
	}
	a = json_pack("{s:I, s:s, s:I}", "head_seq", (json_int_t)db_col_i64(s, 0),
	    "head_hash", db_col_text(s, 1) ? db_col_text(s, 1) : "",
	    "count", (json_int_t)db_col_i64(s, 2));
	db_stmt_done(s);
	if (a == NULL || json_object_set_new(m, "audit", a) != 0)
		return alc_err_set(err, ALC_ENOMEM, "out of memory");
	return 0;
}

/* Starts the read transaction (exporting its snapshot on PostgreSQL). */
static int
begin_snapshot(struct db_conn *c, char snapshot[64], struct alc_err *err)
{
	struct db_stmt *s = NULL;
	int rc;

	snapshot[0] = '\0';
	if ((rc = db_begin(c)) != 0)
		return alc_err_set(err, rc, "starting a transaction: %s",
		    db_errmsg(c));
	if (db_conn_engine(c) == DB_SQLITE)
		return 0;
	if ((rc = db_exec(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, "
	    "READ ONLY")) != 0 ||
	    (rc = db_prepare(c, &s, "SELECT pg_export_snapshot()")) != 0 ||
	    (rc = db_step(s)) != DB_ROW)
		rc = alc_err_set(err, rc < 0 ? rc : ALC_EDB, "exporting a "
		    "snapshot: %s", db_errmsg(c));
	else {
		snprintf(snapshot, 64, "%s", db_col_text(s, 0) ?
		    db_col_text(s, 0) : "");
		rc = 0;
	}
	db_stmt_done(s);
	return rc;
}

int
backup_manifest_begin(struct db *db, struct backup_txn **txn,
    char snapshot[64], struct buf *out, struct alc_err *err)
{
	struct backup_txn *t;
	char now[40];
	json_t *m = NULL, *tables = NULL;
	char *text = NULL;
	int rc;

	*txn = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return alc_err_set(err, ALC_ENOMEM, "out of memory");
	if ((t->c = db_acquire(db, ACQUIRE_MS, err)) == NULL) {
		free(t);
		return err != NULL && err->code ? err->code : ALC_EDB;
	}
	if ((rc = begin_snapshot(t->c, snapshot, err)) != 0)
		goto out;
	time_format_iso(now, sizeof(now), time_now_ms());
	m = json_pack("{s:s, s:s, s:s, s:s}", "format", "alcove-backup",
	    "created_at", now, "alcove_version", ALCOVE_VERSION, "engine",
	    db_engine_name(db_engine(db)));
	if (m == NULL || (tables = json_object()) == NULL ||
	    json_object_set(m, "tables", tables) != 0) {
		rc = alc_err_set(err, ALC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = read_head(t->c, m, err)) != 0 ||
	    (rc = count_tables(t->c, tables, err)) != 0)
		goto out;
	if ((text = json_dumps(m, JSON_SORT_KEYS)) == NULL) {
		rc = alc_err_set(err, ALC_ENOMEM, "out of memory");
		goto out;
	}
	buf_puts(out, text);
	rc = buf_failed(out) ? alc_err_set(err, ALC_ENOMEM, "out of memory") : 0;
out:
	free(text);
	json_decref(tables);
	json_decref(m);
	if (rc != 0)
		backup_manifest_end(t);
	else
		*txn = t;
	return rc;
}

void
backup_manifest_end(struct backup_txn *t)
{
	if (t == NULL)
		return;
	if (db_in_txn(t->c))
		db_rollback(t->c);
	db_release(t->c);
	free(t);
}

int
backup_manifest_engine(const char *manifest, char engine[16])
{
	json_t *m = json_loads(manifest, 0, NULL);
	const char *e = json_string_value(json_object_get(m, "engine"));
	int rc = ALC_EINVAL;

	if (e != NULL && strlen(e) < 16) {
		memcpy(engine, e, strlen(e) + 1);
		rc = 0;
	}
	json_decref(m);
	return rc;
}

int
backup_manifest_check(struct db *db, const char *manifest,
    struct alc_err *err)
{
	json_t *m = json_loads(manifest, 0, NULL), *tables, *now = NULL, *v;
	const char *name;
	struct db_conn *c = NULL;
	int rc;

	tables = json_object_get(m, "tables");
	if (!json_is_object(tables)) {
		rc = alc_err_set(err, ALC_EINVAL, "the backup's manifest has no "
		    "table counts");
		goto out;
	}
	if ((c = db_acquire(db, ACQUIRE_MS, err)) == NULL) {
		rc = ALC_EDB;
		goto out;
	}
	if ((now = json_object()) == NULL) {
		rc = alc_err_set(err, ALC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = count_tables(c, now, err)) != 0)
		goto out;
	json_object_foreach(tables, name, v) {
		json_t *got = json_object_get(now, name);

		if (got == NULL || json_integer_value(got) !=
		    json_integer_value(v)) {
			rc = alc_err_set(err, ALC_ECONFLICT, "table %s has %lld "
			    "rows after the restore; the backup's manifest says "
			    "%lld", name, got ? (long long)json_integer_value(got) :
			    -1LL, (long long)json_integer_value(v));
			break;
		}
	}
out:
	if (c != NULL)
		db_release(c);
	json_decref(now);
	json_decref(m);
	return rc;
}
