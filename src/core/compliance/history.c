/*
 * history.c - a task's record: its completions (with sign-offs) and its
 * reassignments, newest first, for the task page and, later, the audit
 * binder.
 */
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

#include <string.h>

#define HISTORY_MAX 200

#define OCC_SQL "SELECT o.id, o.due_date, o.completed_on, o.checklist, " \
	"o.note, o.completed_at, o.completed_by, u.display_name, " \
	"o.signoff_required, o.signed_off_at, o.signed_off_by, s.display_name, " \
	"o.signoff_note FROM compliance_occurrences o JOIN users u ON u.id = " \
	"o.completed_by LEFT JOIN users s ON s.id = o.signed_off_by WHERE " \
	"o.practice_id = ? AND o.task_id = ? ORDER BY o.due_date DESC, o.id " \
	"DESC LIMIT 200"

#define RE_SQL "SELECT r.which, f.display_name, t.display_name, " \
	"b.display_name, r.reason, r.changed_at FROM compliance_reassignments r " \
	"LEFT JOIN users f ON f.id = r.from_user LEFT JOIN users t ON t.id = " \
	"r.to_user LEFT JOIN users b ON b.id = r.changed_by WHERE " \
	"r.practice_id = ? AND r.task_id = ? ORDER BY r.changed_at DESC, r.id " \
	"DESC LIMIT 200"

static void
read_occ(struct db_stmt *s, struct arena *a, struct compliance_occurrence *o)
{
	memset(o, 0, sizeof(*o));
	o->id = db_col_i64(s, 0);
	o->due_date = cmp_col(a, s, 1);
	o->completed_on = cmp_col(a, s, 2);
	o->checklist = cmp_col(a, s, 3);
	o->note = cmp_col(a, s, 4);
	o->completed_at = db_col_i64(s, 5);
	o->completed_by = db_col_i64(s, 6);
	o->completed_by_name = cmp_col(a, s, 7);
	o->signoff_required = (int)db_col_i64(s, 8);
	o->signed_off_at = db_col_i64(s, 9);
	o->signed_off_by = db_col_i64(s, 10);
	o->signed_off_by_name = db_col_is_null(s, 11) ? NULL : cmp_col(a, s, 11);
	o->signoff_note = db_col_is_null(s, 12) ? NULL : cmp_col(a, s, 12);
}

static void
read_re(struct db_stmt *s, struct arena *a, struct compliance_reassignment *r)
{
	memset(r, 0, sizeof(*r));
	r->which = cmp_col(a, s, 0);
	r->from_name = db_col_is_null(s, 1) ? NULL : cmp_col(a, s, 1);
	r->to_name = db_col_is_null(s, 2) ? NULL : cmp_col(a, s, 2);
	r->by_name = db_col_is_null(s, 3) ? NULL : cmp_col(a, s, 3);
	r->reason = cmp_col(a, s, 4);
	r->changed_at = db_col_i64(s, 5);
}

static int
query(struct db_conn *c, const char *sql, int64_t pid, int64_t task,
    struct arena *a, void *rows, size_t size, size_t *n, int occ)
{
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, task);
	while (*n < HISTORY_MAX && (rc = db_step(s)) == DB_ROW) {
		void *row = (char *)rows + size * (*n)++;
		if (occ)
			read_occ(s, a, row);
		else
			read_re(s, a, row);
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
compliance_task_history(struct db *db, struct arena *a, int64_t practice_id,
    int64_t task_id, struct compliance_occurrence **occ, size_t *n_occ,
    struct compliance_reassignment **re, size_t *n_re)
{
	struct db_conn *c;
	int rc;

	*n_occ = *n_re = 0;
	*occ = arena_alloc(a, HISTORY_MAX * sizeof(**occ));
	*re = arena_alloc(a, HISTORY_MAX * sizeof(**re));
	if (*occ == NULL || *re == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = query(c, OCC_SQL, practice_id, task_id, a, *occ,
	    sizeof(**occ), n_occ, 1)) == 0)
		rc = query(c, RE_SQL, practice_id, task_id, a, *re, sizeof(**re),
		    n_re, 0);
	db_release(c);
	return rc;
}
