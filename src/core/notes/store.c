/*
 * store.c - notes: sealing, drafts and their versions, reading.  See
 * notes.h for the design.
 *
 * A new row needs its id for the associated data, so creating is insert,
 * seal, update, version, audit in one transaction (keystore.h).  Saving
 * re-reads the note's state inside its transaction and refuses a locked
 * note there, so two requests racing a "sign" and a "save" cannot both
 * win: the note's row is updated with "AND signed_at IS NULL" and a save
 * that changes no row is a conflict.
 */
#include "core/notes/notes_impl.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
notes_acquire(struct db *db, struct db_conn **c)
{
	*c = db_acquire(db, 5000, NULL);
	return *c != NULL ? 0 : ALC_EBUSY;
}

int
notes_status_locked(const char *status)
{
	return strcmp(status, "signed") == 0 ||
	    strcmp(status, "cosign_pending") == 0 ||
	    strcmp(status, "cosigned") == 0;
}

int
notes_seal_data(struct db_conn *c, struct keystore *ks, int64_t pid,
    enum keystore_purpose p, const char *table, int64_t id, const char *pt)
{
	/* Identifiers from a fixed table, never from the caller's text. */
	static const struct {
		const char *table, *sql;
	} updates[] = {
		{"notes", "UPDATE notes SET data = ? WHERE id = ?"},
		{"note_versions",
		    "UPDATE note_versions SET data = ? WHERE id = ?"},
		{"note_addenda",
		    "UPDATE note_addenda SET data = ? WHERE id = ?"},
		{"psychotherapy_notes",
		    "UPDATE psychotherapy_notes SET data = ? WHERE id = ?"},
	};
	struct field_ref ref = {pid, p, table, "data", id};
	const char *sql = NULL;
	struct db_stmt *s;
	struct buf ct;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(updates) / sizeof(updates[0]); i++)
		if (strcmp(table, updates[i].table) == 0)
			sql = updates[i].sql;
	if (sql == NULL)
		return ALC_EINVAL;
	buf_init(&ct, NULL);
	if ((rc = keystore_seal(ks, &ref, pt, strlen(pt), &ct)) == 0 &&
	    (rc = db_prepare(c, &s, sql)) == 0) {
		db_bind_blob(s, 1, ct.data, ct.len);
		db_bind_i64(s, 2, id);
		rc = db_step(s) == DB_DONE ? 0 : ALC_EDB;
		db_stmt_done(s);
	}
	buf_free(&ct);
	return rc;
}

int
notes_open_data(struct keystore *ks, struct arena *a, int64_t pid,
    enum keystore_purpose p, const char *table, int64_t id, const void *ct,
    size_t n, const char **pt)
{
	struct field_ref ref = {pid, p, table, "data", id};
	struct buf b;
	int rc;

	buf_init(&b, a);
	if (ct == NULL || n == 0) {
		*pt = "";
		return 0;
	}
	if ((rc = keystore_open_field(ks, &ref, ct, n, &b)) != 0)
		return rc;
	if (buf_failed(&b))
		return ALC_ENOMEM;
	*pt = buf_cstr(&b);
	return 0;
}

char *
notes_encode(const struct note_value *vals, size_t n)
{
	json_t *o = json_object();
	char *s = NULL;
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (vals[i].key != NULL && vals[i].value != NULL &&
		    json_object_set_new(o, vals[i].key,
		    json_string(vals[i].value)) != 0)
			goto out;
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
out:
	json_decref(o);
	return s;
}

int
notes_decode(struct arena *a, const char *js, struct note_value **out,
    size_t *n)
{
	struct note_value *v;
	const char *k;
	json_t *o, *val;
	size_t i = 0;

	*n = 0;
	*out = NULL;
	if (js == NULL || *js == '\0')
		return 0;
	if ((o = json_loads(js, 0, NULL)) == NULL || !json_is_object(o)) {
		json_decref(o);
		return ALC_ECRYPTO;
	}
	v = arena_alloc(a, (json_object_size(o) + 1) * sizeof(*v));
	if (v == NULL) {
		json_decref(o);
		return ALC_ENOMEM;
	}
	json_object_foreach(o, k, val) {
		v[i].key = arena_strdup(a, k);
		v[i].value = arena_strdup(a, json_string_value(val) ?
		    json_string_value(val) : "");
		i++;
	}
	json_decref(o);
	*out = v;
	*n = i;
	return 0;
}

int
notes_audit(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t pid, const char *type, int64_t id,
    int64_t patient_id, const char *sensitivity, const char *detail)
{
	struct audit_event ev;
	char oid[24];

	if (who != NULL)
		ev = *who;
	else {
		memset(&ev, 0, sizeof(ev));
		ev.actor_role = "system";
	}
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	ev.verb = verb;
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = type;
	ev.object_id = oid;
	ev.patient_id = patient_id;
	ev.sensitivity = sensitivity;
	ev.detail = detail;
	return audit_write(c, &ev);
}

int
notes_state(struct db_conn *c, int64_t pid, int64_t patient_id,
    int64_t note_id, int64_t *author, char status[20], int64_t *service_at,
    int64_t *cosigner)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT author_id, status, service_at, "
	    "cosigner_id FROM notes WHERE id = ? AND practice_id = ? AND "
	    "patient_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, note_id);
	db_bind_i64(s, 2, pid);
	db_bind_i64(s, 3, patient_id);
	if ((rc = db_step(s)) == DB_ROW) {
		*author = db_col_i64(s, 0);
		snprintf(status, 20, "%s", db_col_text(s, 1));
		*service_at = db_col_i64(s, 2);
		*cosigner = db_col_i64(s, 3);
		rc = 0;
	} else
		rc = rc == DB_DONE ? ALC_ENOTFOUND : rc;
	db_stmt_done(s);
	return rc;
}

/* Keeps the sealed copy of version ver of note id. */
static int
add_version(struct db_conn *c, struct keystore *ks, int64_t pid,
    int64_t id, int ver, int64_t user, const char *pt)
{
	struct db_stmt *s;
	int64_t vid;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO note_versions (note_id, "
	    "version, saved_by, saved_at) VALUES (?, ?, ?, ?) RETURNING id")) !=
	    0)
		return rc;
	db_bind_i64(s, 1, id);
	db_bind_i64(s, 2, ver);
	db_bind_i64(s, 3, user);
	db_bind_i64(s, 4, time_now_ms());
	rc = db_step(s) == DB_ROW ? 0 : ALC_EDB;
	vid = rc == 0 ? db_col_i64(s, 0) : 0;
	db_stmt_done(s);
	if (rc != 0)
		return rc;
	return notes_seal_data(c, ks, pid, KS_GENERAL, "note_versions", vid,
	    pt);
}

static int
create_in(struct db_conn *c, struct keystore *ks, int64_t pid,
    const struct note_new *nn, const char *pt, int64_t user,
    const struct audit_event *who, int64_t *id)
{
	int64_t now = time_now_ms();
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO notes (practice_id, "
	    "patient_id, appointment_id, author_id, template_key, "
	    "template_version, service_at, minutes, cpt_code, location, "
	    "version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, 1, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, nn->patient_id);
	if (nn->appointment_id > 0)
		db_bind_i64(s, 3, nn->appointment_id);
	else
		db_bind_null(s, 3);
	db_bind_i64(s, 4, user);
	db_bind_text(s, 5, nn->template_key);
	db_bind_i64(s, 6, nn->template_version);
	db_bind_i64(s, 7, nn->service_at ? nn->service_at : now);
	db_bind_i64(s, 8, nn->minutes);
	db_bind_text(s, 9, nn->cpt_code);
	db_bind_text(s, 10, nn->location);
	db_bind_i64(s, 11, now);
	db_bind_i64(s, 12, now);
	rc = db_step(s) == DB_ROW ? 0 : ALC_EDB;
	*id = rc == 0 ? db_col_i64(s, 0) : 0;
	db_stmt_done(s);
	if (rc == 0)
		rc = notes_seal_data(c, ks, pid, KS_GENERAL, "notes", *id, pt);
	if (rc == 0)
		rc = add_version(c, ks, pid, *id, 1, user, pt);
	if (rc == 0)
		rc = notes_audit(c, who, "CREATE", pid, "note", *id,
		    nn->patient_id, NULL, "{\"version\":1}");
	return rc;
}

int
notes_create(struct db *db, struct keystore *ks, int64_t practice_id,
    const struct note_new *nn, const struct note_value *vals, size_t n,
    const struct audit_event *who, int64_t *id, struct alc_err *err)
{
	struct db_conn *c = NULL;
	int64_t user = who ? who->actor_user_id : 0, newid = 0;
	char *pt;
	int rc;

	if ((pt = notes_encode(vals, n)) == NULL)
		return alc_err_set(err, ALC_ENOMEM, "encoding note");
	if ((rc = notes_acquire(db, &c)) != 0) {
		alc_err_set(err, rc, "no database connection");
		goto out;
	}
	if ((rc = db_begin(c)) == 0 &&
	    (rc = create_in(c, ks, practice_id, nn, pt, user, who,
	    &newid)) == 0)
		rc = db_commit(c);
	if (rc != 0) {
		db_rollback(c);
		alc_err_set(err, rc, "creating note: %s", db_errmsg(c));
	} else if (id != NULL)
		*id = newid;
	db_release(c);
out:
	memset(pt, 0, strlen(pt));
	free(pt);
	return rc;
}

static int
save_in(struct db_conn *c, struct keystore *ks, int64_t pid,
    int64_t patient_id, int64_t note_id, const char *pt,
    const struct audit_event *who, struct alc_err *err)
{
	int64_t author, when, cosigner, user = who ? who->actor_user_id : 0;
	struct db_stmt *s;
	char status[20], detail[40];
	int rc, ver = 0;

	if ((rc = notes_state(c, pid, patient_id, note_id, &author, status,
	    &when, &cosigner)) != 0)
		return rc;
	if (notes_status_locked(status))
		return alc_err_set_user(err, ALC_ECONFLICT, NOTES_LOCKED_MSG,
		    "note %lld is locked", (long long)note_id);
	if (author != user)
		return alc_err_set_user(err, ALC_EPERM, "Only the author can "
		    "change a draft.", "not the author");
	if ((rc = db_prepare(c, &s, "UPDATE notes SET version = version + 1, "
	    "updated_at = ? WHERE id = ? AND signed_at IS NULL "
	    "RETURNING version")) != 0)
		return rc;
	db_bind_i64(s, 1, time_now_ms());
	db_bind_i64(s, 2, note_id);
	rc = db_step(s) == DB_ROW ? 0 : ALC_ECONFLICT;
	ver = rc == 0 ? (int)db_col_i64(s, 0) : 0;
	db_stmt_done(s);
	if (rc != 0)
		return alc_err_set_user(err, rc, NOTES_LOCKED_MSG, "raced a sign");
	snprintf(detail, sizeof(detail), "{\"version\":%d}", ver);
	if ((rc = notes_seal_data(c, ks, pid, KS_GENERAL, "notes", note_id,
	    pt)) != 0 ||
	    (rc = add_version(c, ks, pid, note_id, ver, user, pt)) != 0)
		return rc;
	return notes_audit(c, who, "UPDATE", pid, "note", note_id, patient_id,
	    NULL, detail);
}

int
notes_save(struct db *db, struct keystore *ks, int64_t practice_id,
    int64_t patient_id, int64_t note_id, const struct note_value *vals,
    size_t n, const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c = NULL;
	char *pt;
	int rc;

	if ((pt = notes_encode(vals, n)) == NULL)
		return alc_err_set(err, ALC_ENOMEM, "encoding note");
	if ((rc = notes_acquire(db, &c)) != 0) {
		alc_err_set(err, rc, "no database connection");
		goto out;
	}
	if ((rc = db_begin(c)) == 0 &&
	    (rc = save_in(c, ks, practice_id, patient_id, note_id, pt, who,
	    err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
out:
	memset(pt, 0, strlen(pt));
	free(pt);
	return rc;
}

#define NOTE_COLS "SELECT n.id, n.patient_id, n.appointment_id, " \
	"n.author_id, u.display_name, n.template_key, n.template_version, " \
	"n.service_at, n.minutes, n.cpt_code, n.location, n.status, " \
	"n.version, n.signed_at, n.signed_by, s.display_name, n.late_entry, " \
	"n.cosigner_id, n.cosigned_at, cs.display_name, n.return_comment, " \
	"n.created_at, n.updated_at, n.data FROM notes n " \
	"JOIN users u ON u.id = n.author_id " \
	"LEFT JOIN users s ON s.id = n.signed_by " \
	"LEFT JOIN users cs ON cs.id = n.cosigner_id "

static const char *
dup(struct arena *a, struct db_stmt *s, int col)
{
	const char *t = db_col_text(s, col);

	return t != NULL ? arena_strdup(a, t) : NULL;
}

static void
row(struct arena *a, struct db_stmt *s, struct note *n)
{
	memset(n, 0, sizeof(*n));
	n->id = db_col_i64(s, 0);
	n->patient_id = db_col_i64(s, 1);
	n->appointment_id = db_col_i64(s, 2);
	n->author_id = db_col_i64(s, 3);
	n->author_name = dup(a, s, 4);
	n->template_key = dup(a, s, 5);
	n->template_version = (int)db_col_i64(s, 6);
	n->service_at = db_col_i64(s, 7);
	n->minutes = (int)db_col_i64(s, 8);
	n->cpt_code = dup(a, s, 9);
	n->location = dup(a, s, 10);
	n->status = dup(a, s, 11);
	n->locked = n->status != NULL && notes_status_locked(n->status);
	n->version = (int)db_col_i64(s, 12);
	n->signed_at = db_col_i64(s, 13);
	n->signed_by = db_col_i64(s, 14);
	n->signer_name = dup(a, s, 15);
	n->late_entry = (int)db_col_i64(s, 16);
	n->cosigner_id = db_col_i64(s, 17);
	n->cosigned_at = db_col_i64(s, 18);
	n->cosigner_name = dup(a, s, 19);
	n->return_comment = dup(a, s, 20);
	n->created_at = db_col_i64(s, 21);
	n->updated_at = db_col_i64(s, 22);
}

int
notes_get(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id, int64_t note_id,
    struct note *out)
{
	struct db_conn *c;
	struct db_stmt *s;
	const void *ct;
	const char *pt;
	size_t len;
	int rc;

	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, NOTE_COLS "WHERE n.id = ? AND "
	    "n.practice_id = ? AND n.patient_id = ?")) != 0)
		goto out;
	db_bind_i64(s, 1, note_id);
	db_bind_i64(s, 2, practice_id);
	db_bind_i64(s, 3, patient_id);
	if ((rc = db_step(s)) == DB_ROW) {
		row(a, s, out);
		ct = db_col_blob(s, 23, &len);
		rc = notes_open_data(ks, a, practice_id, KS_GENERAL, "notes",
		    note_id, ct, len, &pt);
		if (rc == 0)
			rc = notes_decode(a, pt, &out->values, &out->n_values);
	} else
		rc = rc == DB_DONE ? ALC_ENOTFOUND : rc;
	db_stmt_done(s);
out:
	db_release(c);
	return rc;
}

int
notes_list(struct db *db, struct arena *a, int64_t practice_id,
    int64_t patient_id, struct note **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	struct note *v = NULL, *nv;
	size_t cap = 0;
	int rc;

	*n = 0;
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, NOTE_COLS "WHERE n.practice_id = ? AND "
	    "n.patient_id = ? ORDER BY n.service_at DESC, n.id DESC")) != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	db_bind_i64(s, 2, patient_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = arena_alloc(a, cap * sizeof(*nv))) == NULL) {
				rc = ALC_ENOMEM;
				break;
			}
			if (*n)
				memcpy(nv, v, *n * sizeof(*nv));
			v = nv;
		}
		row(a, s, &v[(*n)++]);
	}
	db_stmt_done(s);
	rc = rc == DB_DONE ? 0 : rc;
	*out = v;
out:
	db_release(c);
	return rc;
}

int
notes_setting(struct db *db, int64_t practice_id, const char *key, int def)
{
	struct db_conn *c;
	struct db_stmt *s;
	int v = def;

	if (notes_acquire(db, &c) != 0)
		return def;
	if (db_prepare(c, &s, "SELECT value FROM settings WHERE practice_id = "
	    "? AND key = ?") == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_text(s, 2, key);
		if (db_step(s) == DB_ROW && db_col_text(s, 0) != NULL)
			v = atoi(db_col_text(s, 0));
		db_stmt_done(s);
	}
	db_release(c);
	return v;
}
