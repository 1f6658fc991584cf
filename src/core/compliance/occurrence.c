/*
 * occurrence.c - completing a task's occurrence, signing it off,
 * reassigning the task, and reading its history.  See compliance.h.
 *
 * Completion is one transaction: the occurrence row (with the checklist
 * as it was, each item marked), the task's next due date moved by its
 * recurrence from the due date, and the audit event.  The due date the
 * form showed must still be the task's next due date, and (task_id,
 * due_date) is UNIQUE, so a double submission completes one occurrence.
 */
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

static int
may_act(const struct compliance_actor *who, const struct compliance_task *t)
{
	return who->manager || (cmp_uid(who) != 0 &&
	    (cmp_uid(who) == t->owner_id || cmp_uid(who) == t->backup_id));
}

static int
refuse(struct alc_err *err, int code, const char *user)
{
	return alc_err_set_user(err, code, user, "compliance: %s", user);
}

/* "[x] item\n[ ] item\n" from the task's checklist and the marks. */
static int
marked_checklist(struct arena *a, const char *checklist,
    const unsigned char *done, size_t n_done, const char **out)
{
	const char **items;
	struct buf b;
	size_t n, i;
	int rc;

	if ((rc = compliance_checklist_split(a, checklist, &items, &n)) != 0)
		return rc;
	buf_init(&b, a);
	for (i = 0; i < n; i++)
		buf_printf(&b, "[%c] %s\n", i < n_done && done[i] ? 'x' : ' ',
		    items[i]);
	if (buf_failed(&b))
		return ALC_ENOMEM;
	*out = buf_cstr(&b);
	return 0;
}

static int
insert_occurrence(struct db_conn *c, int64_t pid,
    const struct compliance_actor *who, const struct compliance_task *t,
    const char *marks, const char *note, struct caldate today)
{
	char on[CALDATE_TEXT_SIZE], ret[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO compliance_occurrences "
	    "(practice_id, task_id, due_date, checklist, note, completed_at, "
	    "completed_by, completed_on, signoff_required, retain_until) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, t->id);
	db_bind_text(s, 3, t->next_due);
	db_bind_text(s, 4, marks);
	db_bind_text(s, 5, note);
	db_bind_i64(s, 6, time_now_ms());
	db_bind_i64(s, 7, cmp_uid(who));
	db_bind_text(s, 8, caldate_format(today, on));
	db_bind_i64(s, 9, t->requires_signoff ? 1 : 0);
	db_bind_text(s, 10, caldate_format(compliance_retain_until(today), ret));
	rc = db_step(s);
	db_stmt_done(s);
	return rc == ALC_EEXIST ? ALC_ECONFLICT : rc < 0 ? rc : 0;
}

int
cmp_complete_in(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, int64_t id, const char *due,
    const char *note, const unsigned char *done, size_t n_done,
    struct caldate today, char *next_out, struct alc_err *err)
{
	struct compliance_task t;
	struct caldate d, next;
	struct db_stmt *s;
	const char *marks;
	char nd[CALDATE_TEXT_SIZE] = "", detail[96];
	int rc;

	if ((rc = cmp_load_task(c, a, pid, id, &t)) != 0)
		return rc;
	if (!may_act(who, &t))
		return refuse(err, ALC_EPERM, "Only the task's owner, its backup "
		    "owner or someone who manages the compliance program can "
		    "complete it.");
	if (t.retired || t.next_due == NULL || due == NULL ||
	    strcmp(t.next_due, due) != 0 || caldate_parse(t.next_due, &d) != 0)
		return refuse(err, ALC_ECONFLICT, "This occurrence has already "
		    "been completed. Check the task's history.");
	if ((rc = marked_checklist(a, t.checklist, done, n_done, &marks)) != 0 ||
	    (rc = insert_occurrence(c, pid, who, &t, marks, note, today)) != 0)
		return rc == ALC_ECONFLICT ? refuse(err, rc, "This occurrence has "
		    "already been completed.") : rc;
	if (compliance_next_due(&t.rec, d, &next) == 0)
		caldate_format(next, nd);
	if ((rc = db_prepare(c, &s, "UPDATE compliance_tasks SET next_due = ?, "
	    "updated_at = ? WHERE id = ? AND next_due = ?")) != 0)
		return rc;
	nd[0] ? db_bind_text(s, 1, nd) : db_bind_null(s, 1);
	db_bind_i64(s, 2, time_now_ms());
	db_bind_i64(s, 3, id);
	db_bind_text(s, 4, t.next_due);
	if ((rc = db_step(s)) >= 0 && db_changes(s) != 1)
		rc = ALC_ECONFLICT;
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if (next_out != NULL)
		memcpy(next_out, nd, sizeof(nd));
	snprintf(detail, sizeof(detail), "{\"change\":\"completed\",\"due\":"
	    "\"%s\",\"next_due\":\"%s\"}", t.next_due, nd);
	return cmp_audit(c, pid, who, "UPDATE", id, detail);
}

int
compliance_complete(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t task_id, const char *due,
    const char *note, const unsigned char *done, size_t n_done,
    struct caldate today, char *next_due, struct alc_err *err)
{
	struct arena *a;
	struct db_conn *c;
	int rc;

	if (cmp_uid(who) <= 0)
		return refuse(err, ALC_EPERM, "A completion needs a person.");
	if (note == NULL || note[0] == '\0' ||
	    !cmp_text_ok(note, COMPLIANCE_TEXT_MAX, 1))
		return refuse(err, ALC_EINVAL, "Write a short note on what was "
		    "done (up to 4000 characters).");
	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, err)) == NULL) {
		arena_free(a);
		return ALC_EBUSY;
	}
	if ((rc = db_begin(c)) == 0 && (rc = cmp_complete_in(c, a, practice_id,
	    who, task_id, due, note, done, n_done, today, next_due, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	arena_free(a);
	return rc;
}

static int
signoff_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    int64_t task_id, int64_t occ, const char *note, struct alc_err *err)
{
	struct db_stmt *s;
	int64_t by = 0, signed_at = 0;
	int rc, req = 0;

	if ((rc = db_prepare(c, &s, "SELECT completed_by, signoff_required, "
	    "signed_off_at FROM compliance_occurrences WHERE practice_id = ? AND "
	    "task_id = ? AND id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, task_id);
	db_bind_i64(s, 3, occ);
	if ((rc = db_step(s)) == DB_ROW) {
		by = db_col_i64(s, 0);
		req = (int)db_col_i64(s, 1);
		signed_at = db_col_i64(s, 2);
	}
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_ENOTFOUND;
	if (!who->manager || cmp_uid(who) == by)
		return refuse(err, ALC_EPERM, "A second person who manages the "
		    "compliance program must sign off, not the person who "
		    "completed it.");
	if (!req || signed_at != 0)
		return refuse(err, ALC_ECONFLICT, "This completion does not need "
		    "a sign-off, or already has one.");
	if ((rc = db_prepare(c, &s, "UPDATE compliance_occurrences SET "
	    "signed_off_at = ?, signed_off_by = ?, signoff_note = ? WHERE id = ? "
	    "AND signed_off_at IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, time_now_ms());
	db_bind_i64(s, 2, cmp_uid(who));
	db_bind_text(s, 3, note ? note : "");
	db_bind_i64(s, 4, occ);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	return cmp_audit(c, pid, who, "UPDATE", task_id,
	    "{\"change\":\"signed off\"}");
}

int
compliance_signoff(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t task_id,
    int64_t occurrence_id, const char *note, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (!cmp_text_ok(note, COMPLIANCE_TEXT_MAX, 1))
		return refuse(err, ALC_EINVAL, "The note is too long.");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = signoff_in(c, practice_id, who,
	    task_id, occurrence_id, note, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

int
cmp_reassign_in(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, int64_t id, int64_t to,
    const char *reason, struct alc_err *err)
{
	struct compliance_task t;
	struct db_stmt *s;
	int64_t now = time_now_ms(), v[4];
	int rc;

	if ((rc = cmp_load_task(c, a, pid, id, &t)) != 0)
		return rc;
	if (!may_act(who, &t))
		return refuse(err, ALC_EPERM, "Only the task's owner, its backup "
		    "owner or someone who manages the compliance program can "
		    "reassign it.");
	if (t.retired)
		return refuse(err, ALC_ECONFLICT, "This task is retired.");
	if (!cmp_is_member(c, pid, to) || to == t.owner_id)
		return refuse(err, ALC_EINVAL, "Choose a new owner from the staff "
		    "list.");
	if ((rc = db_prepare(c, &s, "INSERT INTO compliance_reassignments "
	    "(practice_id, task_id, which, from_user, to_user, reason, "
	    "changed_by, changed_at) VALUES (?, ?, 'owner', ?, ?, ?, ?, ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	db_bind_i64(s, 3, t.owner_id);
	db_bind_i64(s, 4, to);
	db_bind_text(s, 5, reason);
	if (cmp_uid(who) > 0)
		db_bind_i64(s, 6, cmp_uid(who));
	else
		db_bind_null(s, 6); /* the command line: no signed-in person */
	db_bind_i64(s, 7, now);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	/* The new owner stops being the backup: nobody backs up themselves. */
	v[0] = to;
	v[1] = now;
	v[2] = pid;
	v[3] = id;
	if ((rc = cmp_exec(c, "UPDATE compliance_tasks SET owner_id = ?, "
	    "updated_at = ? WHERE practice_id = ? AND id = ?", v, 4)) != 0)
		return rc;
	if (t.backup_id == to && (rc = cmp_exec(c, "UPDATE compliance_tasks SET "
	    "backup_owner_id = NULL WHERE practice_id = ? AND id = ?", v + 2,
	    2)) != 0)
		return rc;
	return cmp_audit(c, pid, who, "UPDATE", id,
	    "{\"change\":\"reassigned\"}");
}

int
compliance_reassign(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t task_id, int64_t new_owner,
    const char *reason, struct alc_err *err)
{
	struct arena *a;
	struct db_conn *c;
	int rc;

	if (cmp_uid(who) <= 0)
		return refuse(err, ALC_EPERM, "A reassignment needs a person.");
	if (reason == NULL || reason[0] == '\0' ||
	    !cmp_text_ok(reason, COMPLIANCE_REASON_MAX, 1))
		return refuse(err, ALC_EINVAL, "Say why the task changes hands "
		    "(for example: owner on leave until June).");
	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, err)) == NULL) {
		arena_free(a);
		return ALC_EBUSY;
	}
	if ((rc = db_begin(c)) == 0 && (rc = cmp_reassign_in(c, a, practice_id,
	    who, task_id, new_owner, reason, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	arena_free(a);
	return rc;
}
