/*
 * psych.c - psychotherapy notes (45 CFR 164.501), kept apart from the
 * record.  See notes.h.
 *
 * Who may read one is decided here, in SQL, not by the caller: the author,
 * or (only when the practice setting notes.psychotherapy_supervisor_access
 * is 1) the author's supervisor in the supervision table.  Anyone else
 * gets ALC_ENOTFOUND, the answer for a note that does not exist, so the
 * page cannot even confirm that one exists.  The text is sealed with the
 * practice's psychotherapy key (KS_PSYCHOTHERAPY), which nothing else
 * uses, so an export or report that reads general fields cannot open it.
 */
#include "core/notes/notes_impl.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <string.h>

#define PSY_SENS "psychotherapy_note"
#define PSY_MAX 200

/* The reader rule, for a WHERE clause binding (viewer, viewer, allow). */
#define READER "(n.author_id = ? OR (? > 0 AND ? = 1 AND EXISTS (SELECT 1 " \
	"FROM supervision v WHERE v.practice_id = n.practice_id AND " \
	"v.supervisee_id = n.author_id AND v.supervisor_id = ?)))"

static void
bind_reader(struct db_stmt *s, int at, int64_t viewer, int allow)
{
	db_bind_i64(s, at, viewer);
	db_bind_i64(s, at + 1, viewer);
	db_bind_i64(s, at + 2, allow);
	db_bind_i64(s, at + 3, viewer);
}

static int
create_in(struct db_conn *c, struct keystore *ks, int64_t pid,
    int64_t patient_id, const char *text, const struct audit_event *who,
    int64_t *id)
{
	int64_t now = time_now_ms();
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO psychotherapy_notes "
	    "(practice_id, patient_id, author_id, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, patient_id);
	db_bind_i64(s, 3, who->actor_user_id);
	db_bind_i64(s, 4, now);
	db_bind_i64(s, 5, now);
	rc = db_step(s) == DB_ROW ? 0 : ALC_EDB;
	*id = rc == 0 ? db_col_i64(s, 0) : 0;
	db_stmt_done(s);
	if (rc != 0 || (rc = notes_seal_data(c, ks, pid, KS_PSYCHOTHERAPY,
	    "psychotherapy_notes", *id, text)) != 0)
		return rc;
	return notes_audit(c, who, "CREATE", pid, "psychotherapy_note", *id,
	    patient_id, PSY_SENS, NULL);
}

int
psychnotes_create(struct db *db, struct keystore *ks,
    int64_t practice_id, int64_t patient_id, const char *text,
    const struct audit_event *who, int64_t *id, struct alc_err *err)
{
	struct db_conn *c;
	int64_t newid = 0;
	int rc;

	if (text == NULL || *text == '\0' || strlen(text) > NOTES_VALUE_MAX)
		return alc_err_set_user(err, ALC_EINVAL, "Write the note first "
		    "(at most 20,000 characters).", "bad psychotherapy note");
	if ((rc = notes_acquire(db, &c)) != 0)
		return alc_err_set(err, rc, "no database connection");
	if ((rc = db_begin(c)) == 0 &&
	    (rc = create_in(c, ks, practice_id, patient_id, text, who,
	    &newid)) == 0)
		rc = db_commit(c);
	if (rc != 0) {
		db_rollback(c);
		alc_err_set(err, rc, "creating psychotherapy note: %s",
		    db_errmsg(c));
	} else if (id != NULL)
		*id = newid;
	db_release(c);
	return rc;
}

int
psychnotes_list(struct db *db, struct arena *a, int64_t practice_id,
    int64_t patient_id, int64_t viewer, struct psych_note **out, size_t *n)
{
	int allow = notes_setting(db, practice_id,
	    "notes.psychotherapy_supervisor_access", 0) == 1;
	struct psych_note *v;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((v = arena_alloc(a, PSY_MAX * sizeof(*v))) == NULL)
		return ALC_ENOMEM;
	*out = v;
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT n.id, n.author_id, u.display_name, "
	    "n.created_at, n.updated_at FROM psychotherapy_notes n JOIN users "
	    "u ON u.id = n.author_id WHERE n.practice_id = ? AND "
	    "n.patient_id = ? AND " READER " ORDER BY n.created_at DESC")) != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	db_bind_i64(s, 2, patient_id);
	bind_reader(s, 3, viewer, allow);
	while (*n < PSY_MAX && (rc = db_step(s)) == DB_ROW) {
		memset(&v[*n], 0, sizeof(*v));
		v[*n].id = db_col_i64(s, 0);
		v[*n].patient_id = patient_id;
		v[*n].author_id = db_col_i64(s, 1);
		v[*n].author_name = arena_strdup(a, db_col_text(s, 2));
		v[*n].created_at = db_col_i64(s, 3);
		v[*n].updated_at = db_col_i64(s, 4);
		(*n)++;
	}
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	db_release(c);
	return rc;
}

int
psychnotes_get(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id, int64_t id, int64_t viewer,
    struct psych_note *out)
{
	int allow = notes_setting(db, practice_id,
	    "notes.psychotherapy_supervisor_access", 0) == 1;
	struct db_conn *c;
	struct db_stmt *s;
	const void *ct;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT n.author_id, u.display_name, "
	    "n.created_at, n.updated_at, n.data FROM psychotherapy_notes n "
	    "JOIN users u ON u.id = n.author_id WHERE n.id = ? AND "
	    "n.practice_id = ? AND n.patient_id = ? AND " READER)) != 0)
		goto out;
	db_bind_i64(s, 1, id);
	db_bind_i64(s, 2, practice_id);
	db_bind_i64(s, 3, patient_id);
	bind_reader(s, 4, viewer, allow);
	if ((rc = db_step(s)) == DB_ROW) {
		out->id = id;
		out->patient_id = patient_id;
		out->author_id = db_col_i64(s, 0);
		out->author_name = arena_strdup(a, db_col_text(s, 1));
		out->created_at = db_col_i64(s, 2);
		out->updated_at = db_col_i64(s, 3);
		ct = db_col_blob(s, 4, &len);
		rc = notes_open_data(ks, a, practice_id, KS_PSYCHOTHERAPY,
		    "psychotherapy_notes", id, ct, len, &out->text);
	} else
		rc = rc == DB_DONE ? ALC_ENOTFOUND : rc;
	db_stmt_done(s);
out:
	db_release(c);
	return rc;
}
