/*
 * sealed.c - the registry of sealed columns, and what each key still seals.
 *
 * Every column that holds keystore_seal() ciphertext is listed here once,
 * with fixed statements to read it in id order, to replace one value (only
 * if unchanged since read), and to count the values a given key sealed (the
 * key id is bytes 2-9 of the field format).  `alcove keys rotate`
 * (rotate.c) re-encrypts what the registry lists, and `alcove keys status`
 * counts by it, so a feature that adds a sealed column adds its row here
 * or its data would keep an old key alive forever.  A blind-index key's
 * count is the rows that name it (patient_search.key_id and
 * patients.dob_key_id, migration 0023).
 */
#include "core/keys/keystore_impl.h"
#include "base/err.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACQUIRE_MS 30000

/* A column of a table that has id and practice_id. */
#define SEALED(t, col, purpose) {t, col, purpose, \
	"SELECT id, practice_id, " col " FROM " t " WHERE id > ? AND " col \
	" IS NOT NULL ORDER BY id LIMIT ?", \
	"UPDATE " t " SET " col " = ? WHERE id = ? AND " col " = ?", \
	"SELECT COUNT(*) FROM " t " WHERE substr(" col ", 2, 8) = ?"}
/* A note's versions and addenda: the practice is the note's. */
#define SEALED_OF_NOTE(t) {t, "data", KS_GENERAL, \
	"SELECT x.id, n.practice_id, x.data FROM " t " x JOIN notes n ON " \
	"n.id = x.note_id WHERE x.id > ? AND x.data IS NOT NULL ORDER BY x.id " \
	"LIMIT ?", \
	"UPDATE " t " SET data = ? WHERE id = ? AND data = ?", \
	"SELECT COUNT(*) FROM " t " WHERE substr(data, 2, 8) = ?"}

const struct sealed_col keys_sealed_cols[] = {
	{"patients", "name", KS_GENERAL,
	    "SELECT id, practice_id, name FROM patients WHERE id > ? AND "
	    "name IS NOT NULL ORDER BY id LIMIT ?",
	    "UPDATE patients SET name = ? WHERE id = ? AND name = ?",
	    "SELECT COUNT(*) FROM patients WHERE substr(name, 2, 8) = ?"},
	{"patients", "dob", KS_GENERAL,
	    "SELECT id, practice_id, dob FROM patients WHERE id > ? AND "
	    "dob IS NOT NULL ORDER BY id LIMIT ?",
	    "UPDATE patients SET dob = ? WHERE id = ? AND dob = ?",
	    "SELECT COUNT(*) FROM patients WHERE substr(dob, 2, 8) = ?"},
	{"patients", "profile", KS_GENERAL,
	    "SELECT id, practice_id, profile FROM patients WHERE id > ? AND "
	    "profile IS NOT NULL ORDER BY id LIMIT ?",
	    "UPDATE patients SET profile = ? WHERE id = ? AND profile = ?",
	    "SELECT COUNT(*) FROM patients WHERE substr(profile, 2, 8) = ?"},
	{"measure_results", "data", KS_GENERAL,
	    "SELECT id, practice_id, data FROM measure_results WHERE id > ? "
	    "AND data IS NOT NULL ORDER BY id LIMIT ?",
	    "UPDATE measure_results SET data = ? WHERE id = ? AND data = ?",
	    "SELECT COUNT(*) FROM measure_results WHERE substr(data, 2, 8) = ?"},
	/* The workforce log is append-only, but its triggers let a sealed
	 * value be replaced by other ciphertext (migration 0017). */
	{"workforce_log", "person", KS_GENERAL,
	    "SELECT id, practice_id, person FROM workforce_log WHERE id > ? "
	    "AND person IS NOT NULL ORDER BY id LIMIT ?",
	    "UPDATE workforce_log SET person = ? WHERE id = ? AND person = ?",
	    "SELECT COUNT(*) FROM workforce_log WHERE substr(person, 2, 8) = ?"},
	{"workforce_log", "details", KS_GENERAL,
	    "SELECT id, practice_id, details FROM workforce_log WHERE id > ? "
	    "AND details IS NOT NULL ORDER BY id LIMIT ?",
	    "UPDATE workforce_log SET details = ? WHERE id = ? AND details = ?",
	    "SELECT COUNT(*) FROM workforce_log WHERE substr(details, 2, 8) = "
	    "?"},
	SEALED("notes", "data", KS_GENERAL),
	SEALED_OF_NOTE("note_versions"),
	SEALED_OF_NOTE("note_addenda"),
	SEALED("psychotherapy_notes", "data", KS_PSYCHOTHERAPY),
	SEALED("sched_waitlist", "note", KS_GENERAL),
	SEALED("rights_requests", "details", KS_GENERAL),
	SEALED("disclosures", "body", KS_GENERAL),
	/* Authenticator secrets: the row id in their AD is the user's id. */
	{"mfa", "secret", KS_GENERAL,
	    "SELECT user_id, practice_id, secret FROM mfa WHERE user_id > ? "
	    "AND secret IS NOT NULL ORDER BY user_id LIMIT ?",
	    "UPDATE mfa SET secret = ? WHERE user_id = ? AND secret = ?",
	    "SELECT COUNT(*) FROM mfa WHERE substr(secret, 2, 8) = ?"},
};
const size_t keys_sealed_ncols = sizeof(keys_sealed_cols) /
    sizeof(keys_sealed_cols[0]);


void
keys_be64(unsigned char p[8], int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--, u >>= 8)
		p[i] = (unsigned char)(u & 0xff);
}

/* The running rotation, if any: 0 with *rid 0 when none. */
int
keys_find_rotation(struct db_conn *c, int64_t *rid, int64_t *started)
{
	struct db_stmt *s;
	int rc;

	*rid = 0;
	if ((rc = db_prepare(c, &s, "SELECT id, started_at FROM key_rotations "
	    "WHERE status = 'running'")) != 0)
		return rc;
	if ((rc = db_step(s)) == DB_ROW) {
		*rid = db_col_i64(s, 0);
		*started = db_col_i64(s, 1);
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Fields key id still seals, over the whole registry. */
int
keys_count_sealed(struct db_conn *c, int64_t id, int64_t *n)
{
	unsigned char kid[8];
	struct db_stmt *s;
	size_t i;
	int rc = 0;

	*n = 0;
	keys_be64(kid, id);
	for (i = 0; i < keys_sealed_ncols && rc == 0; i++) {
		if ((rc = db_prepare(c, &s, keys_sealed_cols[i].count)) != 0)
			return rc;
		db_bind_blob(s, 1, kid, sizeof(kid));
		if ((rc = db_step(s)) == DB_ROW) {
			*n += db_col_i64(s, 0);
			rc = 0;
		}
		db_stmt_done(s);
	}
	for (i = 0; i < 2 && rc == 0; i++) {
		if ((rc = db_prepare(c, &s, i == 0 ? "SELECT COUNT(*) FROM "
		    "patient_search WHERE key_id = ?" : "SELECT COUNT(*) FROM "
		    "patients WHERE dob_key_id = ?")) != 0)
			return rc;
		db_bind_i64(s, 1, id);
		if ((rc = db_step(s)) == DB_ROW) {
			*n += db_col_i64(s, 0);
			rc = 0;
		}
		db_stmt_done(s);
	}
	return rc < 0 ? rc : 0;
}

/* Appends one data_keys row to *rows (grown by doubling). */
static int
status_push(struct keys_status_row **rows, size_t *n, size_t *cap,
    struct db_stmt *s)
{
	struct keys_status_row *r, *nr;
	const char *st = db_col_text(s, 3);

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		if ((nr = realloc(*rows, *cap * sizeof(*nr))) == NULL)
			return ALC_ENOMEM;
		*rows = nr;
	}
	r = &(*rows)[(*n)++];
	memset(r, 0, sizeof(*r));
	r->key_id = db_col_i64(s, 0);
	r->practice_id = db_col_i64(s, 1);
	if (keys_purpose_parse(db_col_text(s, 2), &r->purpose) != 0)
		return ALC_EDB;
	snprintf(r->status, sizeof(r->status), "%s", st ? st : "");
	r->created_at = db_col_i64(s, 4);
	r->retired_at = db_col_i64(s, 5);
	r->rows = -1;
	return 0;
}

int
keys_status(struct keystore *ks, struct keys_status_row **rows, size_t *n,
    int64_t *running)
{
	struct db_conn *c;
	struct db_stmt *s;
	size_t cap = 0, i;
	int64_t started;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((c = db_acquire(ks->db, ACQUIRE_MS, NULL)) == NULL)
		return ALC_EDB;
	if ((rc = keys_find_rotation(c, running, &started)) != 0 ||
	    (rc = db_prepare(c, &s, "SELECT id, COALESCE(practice_id, 0), "
	    "purpose, status, created_at, COALESCE(retired_at, 0) FROM "
	    "data_keys ORDER BY COALESCE(practice_id, 0), purpose, id")) != 0)
		goto out;
	while ((rc = db_step(s)) == DB_ROW && (rc = status_push(rows, n, &cap,
	    s)) == 0)
		;
	db_stmt_done(s);
	for (i = 0; rc == 0 && i < *n; i++)
		if (((KEYS_ROTATE_ROTATABLE | KEYS_ROTATE_INDEX) &
		    (1u << (*rows)[i].purpose)) != 0)
			rc = keys_count_sealed(c, (*rows)[i].key_id, &(*rows)[i].rows);
out:
	db_release(c);
	if (rc < 0) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return rc < 0 ? rc : 0;
}
