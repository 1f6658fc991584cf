/*
 * risk_read.c - reading the risk register (one risk, the sorted list, the
 * CSV export) and turning a risk's planned action into a compliance task
 * for its owner.  Design in risk.h.
 *
 * The task is made with the tasks module's own insert (cmp_task_create_
 * in, the body of compliance_task_create) in the transaction that links
 * it to the risk, so a risk never points at a task that was not made,
 * and a second request finds task_id set and is refused.
 */
#include "core/compliance/risk.h"
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#define RISK_COLS "SELECT k.id, k.title, k.vulnerability, k.likelihood, " \
	"k.impact, k.owner_id, k.treatment, k.accept_reason, k.action, " \
	"k.due_on, k.status, u.display_name, k.question_key, " \
	"k.retain_until, k.assessment_id, k.task_id, ra.version FROM risks k " \
	"LEFT JOIN users u ON u.id = k.owner_id LEFT JOIN risk_assessments ra " \
	"ON ra.id = k.assessment_id WHERE k.practice_id = ? "

static void
read_risk(struct db_stmt *s, struct arena *a, struct risk *k)
{
	memset(k, 0, sizeof(*k));
	k->id = db_col_i64(s, 0);
	k->f.title = cmp_col(a, s, 1);
	k->f.vulnerability = cmp_col(a, s, 2);
	k->f.likelihood = (int)db_col_i64(s, 3);
	k->f.impact = (int)db_col_i64(s, 4);
	k->f.owner_id = db_col_i64(s, 5);
	k->f.treatment = cmp_col(a, s, 6);
	k->f.accept_reason = cmp_col(a, s, 7);
	k->f.action = cmp_col(a, s, 8);
	k->f.due_on = cmp_col(a, s, 9);
	k->f.status = cmp_col(a, s, 10);
	k->owner_name = cmp_col(a, s, 11);
	k->question_key = db_col_is_null(s, 12) ? NULL : cmp_col(a, s, 12);
	k->retain_until = cmp_col(a, s, 13);
	k->assessment_id = db_col_i64(s, 14);
	k->task_id = db_col_i64(s, 15);
	k->assessment_version = (int)db_col_i64(s, 16);
	k->score = k->f.likelihood * k->f.impact;
}

static int
get_in(struct db_conn *c, struct arena *a, int64_t pid, int64_t id,
    struct risk *out)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, RISK_COLS "AND k.id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	if ((rc = db_step(s)) == DB_ROW)
		read_risk(s, a, out);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? ALC_ENOTFOUND : rc;
}

int
risk_get(struct db *db, struct arena *a, int64_t practice_id, int64_t id,
    struct risk *out)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = get_in(c, a, practice_id, id, out);
	db_release(c);
	return rc;
}

int
risk_list(struct db *db, struct arena *a, int64_t practice_id,
    enum risk_sort sort, struct risk **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	struct risk *l;
	size_t k = 0;
	int rc;

	*n = 0;
	if ((l = arena_alloc(a, RISK_MAX_LIST * sizeof(*l))) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	/* Two fixed statements: the order is chosen, never written in. */
	rc = db_prepare(c, &s, sort == RISK_BY_DUE ?
	    RISK_COLS "ORDER BY k.status = 'closed', k.due_on IS NULL, "
	    "k.due_on, k.likelihood * k.impact DESC, k.id" :
	    RISK_COLS "ORDER BY k.status = 'closed', k.likelihood * k.impact "
	    "DESC, k.due_on IS NULL, k.due_on, k.id");
	if (rc != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	while (k < RISK_MAX_LIST && (rc = db_step(s)) == DB_ROW)
		read_risk(s, a, &l[k++]);
	db_stmt_done(s);
	if (rc >= 0)
		rc = 0;
out:
	db_release(c);
	*out = l;
	*n = k;
	return rc;
}

static int
task_in(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, int64_t id, int64_t *task_id,
    struct alc_err *err)
{
	struct compliance_task_input t;
	struct risk k;
	int64_t v[3];
	int rc;

	if ((rc = get_in(c, a, pid, id, &k)) != 0)
		return rc;
	if (k.task_id != 0)
		return alc_err_set_user(err, ALC_ECONFLICT, "This risk already "
		    "has a compliance task.", "risk: task exists");
	if (k.f.owner_id == 0 || k.f.due_on[0] == '\0' || k.f.action[0] == '\0')
		return alc_err_set_user(err, ALC_EINVAL, "Give the risk an owner, "
		    "a planned action and a due date first, then save it.",
		    "risk: incomplete for a task");
	memset(&t, 0, sizeof(t));
	t.title = arena_printf(a, "Risk: %.190s", k.f.title);
	t.description = k.f.action;
	t.rule_citation = "45 CFR 164.308(a)(1)(ii)(B)";
	t.rule_text = "Risk management: put in place security measures that "
	    "reduce risks to a reasonable and appropriate level.";
	t.owner_id = k.f.owner_id;
	t.rec.kind = COMPLIANCE_ONCE;
	t.rec.every = 1;
	t.next_due = k.f.due_on;
	t.checklist = "";
	if ((rc = cmp_task_create_in(c, pid, who, &t, task_id, err)) != 0)
		return rc;
	v[0] = *task_id;
	v[1] = pid;
	v[2] = id;
	if ((rc = cmp_exec(c, "UPDATE risks SET task_id = ? WHERE practice_id = "
	    "? AND id = ? AND task_id IS NULL", v, 3)) != 0)
		return rc;
	return cmp_audit_obj(c, pid, who, "UPDATE", "risk", id, arena_printf(a,
	    "{\"change\":\"task\",\"task\":%lld}", (long long)*task_id));
}

int
risk_make_task(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, int64_t *task_id,
    struct alc_err *err)
{
	struct db_conn *c;
	struct arena *a;
	int rc;

	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, err)) == NULL) {
		arena_free(a);
		return ALC_EBUSY;
	}
	if ((rc = db_begin(c)) == 0 && (rc = task_in(c, a, practice_id, who, id,
	    task_id, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	arena_free(a);
	return rc;
}

int
risk_register_csv(struct db *db, struct arena *a, int64_t practice_id,
    const char **out, size_t *rows)
{
	struct risk *l;
	struct buf b;
	size_t n, i;
	int rc;

	*rows = 0;
	if ((rc = risk_list(db, a, practice_id, RISK_BY_SCORE, &l, &n)) != 0)
		return rc;
	buf_init(&b, a);
	buf_puts(&b, "risk_id,threat,vulnerability,likelihood,impact,score,"
	    "owner,treatment,accept_reason,planned_action,due_on,status,"
	    "assessment_version,task_id\r\n");
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%lld,", (long long)l[i].id);
		cmp_csv_cell(&b, l[i].f.title, 0);
		cmp_csv_cell(&b, l[i].f.vulnerability, 0);
		buf_printf(&b, "%d,%d,%d,", l[i].f.likelihood, l[i].f.impact,
		    l[i].score);
		cmp_csv_cell(&b, l[i].owner_name, 0);
		cmp_csv_cell(&b, l[i].f.treatment, 0);
		cmp_csv_cell(&b, l[i].f.accept_reason, 0);
		cmp_csv_cell(&b, l[i].f.action, 0);
		cmp_csv_cell(&b, l[i].f.due_on, 0);
		cmp_csv_cell(&b, l[i].f.status, 0);
		if (l[i].assessment_version)
			buf_printf(&b, "%d,", l[i].assessment_version);
		else
			buf_putc(&b, ',');
		if (l[i].task_id)
			buf_printf(&b, "%lld\r\n", (long long)l[i].task_id);
		else
			buf_puts(&b, "\r\n");
		(*rows)++;
	}
	*out = buf_cstr(&b);
	return buf_failed(&b) ? ALC_ENOMEM : 0;
}
