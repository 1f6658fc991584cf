/*
 * risk_assess.c - starting an assessment (numbered, optionally from the
 * last completed one's answers, with Alcove's suggestions prefilled),
 * saving answers while it is in progress, and completing it: sealed,
 * "no"/"partly" answers put on the register, the annual risk-analysis
 * task's occurrence completed, all in one transaction.  Design in risk.h.
 *
 * The suggestions are gathered before the transaction opens: they read
 * other modules (settings, backups, vendors, policies) through their own
 * connections, and holding one of the pool's connections meanwhile could
 * starve a small pool.
 */
#include "core/compliance/risk.h"
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

static int
refuse(struct alc_err *err, int code, const char *user)
{
	return alc_err_set_user(err, code, user, "risk: %s", user);
}

/* The id of the practice's assessment in progress (0: none), the latest
 * completed one (0: none) and the next version number. */
static int
current_state(struct db_conn *c, int64_t pid, int64_t *open, int64_t *last,
    int *next_version)
{
	struct db_stmt *s;
	int rc;

	*open = *last = 0;
	*next_version = 1;
	if ((rc = db_prepare(c, &s, "SELECT id, status, version FROM "
	    "risk_assessments WHERE practice_id = ? ORDER BY version")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	while ((rc = db_step(s)) == DB_ROW) {
		if (strcmp(db_col_text(s, 1), "in_progress") == 0)
			*open = db_col_i64(s, 0);
		else
			*last = db_col_i64(s, 0);
		*next_version = (int)db_col_i64(s, 2) + 1;
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
insert_head(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    int version, int64_t based_on, struct caldate today, int64_t *id)
{
	char on[CALDATE_TEXT_SIZE], ret[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO risk_assessments (practice_id, "
	    "version, started_on, started_by, based_on, retain_until, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
	    "RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, version);
	db_bind_text(s, 3, caldate_format(today, on));
	cmp_uid(who) ? db_bind_i64(s, 4, cmp_uid(who)) : db_bind_null(s, 4);
	based_on ? db_bind_i64(s, 5, based_on) : db_bind_null(s, 5);
	db_bind_text(s, 6, caldate_format(compliance_retain_until(today), ret));
	db_bind_i64(s, 7, time_now_ms());
	db_bind_i64(s, 8, time_now_ms());
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_EDB;
}

static int
insert_answer(struct db_conn *c, int64_t pid, int64_t id,
    const struct risk_answer *an)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO risk_answers (practice_id, "
	    "assessment_id, question_key, answer, note, prefilled, evidence, "
	    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	db_bind_text(s, 3, an->key);
	db_bind_text(s, 4, an->answer);
	db_bind_text(s, 5, an->note ? an->note : "");
	db_bind_i64(s, 6, an->prefilled);
	db_bind_text(s, 7, an->evidence ? an->evidence : "");
	db_bind_i64(s, 8, time_now_ms());
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The first answers: the previous assessment's (prev, may be NULL), with
 * Alcove's suggestions sug[i] (answer NULL: none) over them. */
static int
start_in(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, struct caldate today, int from_prev,
    const struct risk_suggestion *sug, int64_t *id, struct alc_err *err)
{
	struct risk_assessment prev;
	struct risk_answer an;
	int64_t open, last;
	size_t i, n_pre = 0;
	char detail[96];
	int rc, version;

	if ((rc = current_state(c, pid, &open, &last, &version)) != 0)
		return rc;
	if (open != 0) {
		*id = open;
		return refuse(err, ALC_ECONFLICT, "An assessment is already in "
		    "progress. Finish it before starting another.");
	}
	memset(&prev, 0, sizeof(prev));
	prev.id = from_prev ? last : 0;
	if (prev.id != 0 && (rc = risk_load_in(c, a, pid, prev.id, &prev)) != 0)
		return rc;
	if ((rc = insert_head(c, pid, who, version, prev.id, today, id)) != 0)
		return rc;
	/* Without a previous one, the new (empty) one gives the blank list. */
	if (prev.id == 0 && (rc = risk_load_in(c, a, pid, *id, &prev)) != 0)
		return rc;
	for (i = 0; i < prev.n_answers; i++) {
		an = prev.answers[i];
		an.prefilled = sug[i].answer != NULL;
		if (an.prefilled) {
			an.answer = sug[i].answer;
			an.evidence = sug[i].evidence;
			n_pre++;
		} else
			an.evidence = "";
		if ((rc = insert_answer(c, pid, *id, &an)) != 0)
			return rc;
	}
	snprintf(detail, sizeof(detail), "{\"change\":\"started\",\"version\":"
	    "%d,\"from\":%lld,\"prefilled\":%zu}", version,
	    (long long)(from_prev ? last : 0), n_pre);
	return cmp_audit_obj(c, pid, who, "CREATE", "risk_assessment", *id,
	    detail);
}

/* Alcove's suggestion for each question (answer NULL: none). */
static int
suggestions(struct db *db, struct arena *a, int64_t pid,
    struct risk_suggestion **out)
{
	const struct risk_question *q;
	struct risk_suggestion *s;
	size_t n, i;
	int rc;

	if ((rc = risk_questions(a, &q, &n)) != 0)
		return rc;
	if ((s = arena_alloc(a, (n + 1) * sizeof(*s))) == NULL)
		return ALC_ENOMEM;
	memset(s, 0, (n + 1) * sizeof(*s));
	for (i = 0; i < n; i++)
		if (q[i].prefill != NULL && (rc = risk_prefill(db, a, pid,
		    q[i].prefill, time_now_ms(), &s[i])) != 0) {
			if (rc != ALC_ENOTFOUND)
				return rc;
			s[i].answer = NULL;
		}
	*out = s;
	return 0;
}

int
risk_assessment_start(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, struct caldate today,
    int from_previous, int64_t *id, struct alc_err *err)
{
	struct risk_suggestion *sug;
	struct db_conn *c = NULL;
	struct arena *a;
	int rc;

	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	if ((rc = suggestions(db, a, practice_id, &sug)) != 0)
		goto out;
	if ((c = db_acquire(db, 5000, err)) == NULL) {
		rc = ALC_EBUSY;
		goto out;
	}
	if ((rc = db_begin(c)) == 0 && (rc = start_in(c, a, practice_id, who,
	    today, from_previous, sug, id, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
out:
	if (c != NULL)
		db_release(c);
	arena_free(a);
	return rc;
}

static int
check_answers(const struct risk_answer *in, size_t n, struct alc_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (in[i].answer != NULL && in[i].answer[0] != '\0' &&
		    risk_answer_label(in[i].answer) == NULL)
			return refuse(err, ALC_EINVAL, "Choose yes, partly, no or "
			    "not applicable.");
		if (!cmp_text_ok(in[i].note, RISK_NOTE_MAX, 1))
			return refuse(err, ALC_EINVAL, "A note is too long (up to "
			    "2000 characters) or holds characters that cannot be "
			    "stored.");
	}
	return 0;
}

static int
update_answer(struct db_conn *c, int64_t pid, int64_t id,
    const struct risk_answer *now, const struct risk_answer *in)
{
	const char *ans = in->answer && in->answer[0] ? in->answer : NULL;
	struct db_stmt *s;
	int keep, rc;

	/* A suggestion stays marked as such only while nobody changed it. */
	keep = now->prefilled && ans != NULL && now->answer != NULL &&
	    strcmp(ans, now->answer) == 0;
	if ((rc = db_prepare(c, &s, "UPDATE risk_answers SET answer = ?, note = "
	    "?, prefilled = ?, updated_at = ? WHERE practice_id = ? AND "
	    "assessment_id = ? AND question_key = ?")) != 0)
		return rc;
	db_bind_text(s, 1, ans);
	db_bind_text(s, 2, in->note ? in->note : "");
	db_bind_i64(s, 3, keep);
	db_bind_i64(s, 4, time_now_ms());
	db_bind_i64(s, 5, pid);
	db_bind_i64(s, 6, id);
	db_bind_text(s, 7, now->key);
	rc = db_step(s);
	if (rc == DB_DONE && db_changes(s) == 0) {
		db_stmt_done(s);
		return insert_answer(c, pid, id, in);
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
save_in(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, int64_t id,
    const struct risk_answer *in, size_t n, struct alc_err *err)
{
	struct risk_assessment r;
	size_t i, j, changed = 0;
	char detail[80];
	int rc;

	if ((rc = risk_load_in(c, a, pid, id, &r)) != 0)
		return rc;
	if (r.completed)
		return refuse(err, ALC_ECONFLICT, "This assessment is completed "
		    "and signed; it can no longer change. Start a new one.");
	for (i = 0; i < n; i++) {
		for (j = 0; j < r.n_answers && strcmp(r.answers[j].key,
		    in[i].key); j++)
			;
		if (j == r.n_answers)
			continue;
		if ((rc = update_answer(c, pid, id, &r.answers[j], &in[i])) != 0)
			return rc;
		changed++;
	}
	snprintf(detail, sizeof(detail), "{\"change\":\"answers\","
	    "\"questions\":%zu}", changed);
	return cmp_audit_obj(c, pid, who, "UPDATE", "risk_assessment", id,
	    detail);
}

int
risk_assessment_save(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct risk_answer *in, size_t n, struct alc_err *err)
{
	struct db_conn *c;
	struct arena *a;
	int rc;

	if ((rc = check_answers(in, n, err)) != 0)
		return rc;
	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, err)) == NULL) {
		arena_free(a);
		return ALC_EBUSY;
	}
	if ((rc = db_begin(c)) == 0 && (rc = save_in(c, a, practice_id, who, id,
	    in, n, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	arena_free(a);
	return rc;
}

/* Completes the current occurrence of the seeded annual risk-analysis
 * task, if the practice still has it; *done 1 when it did. */
static int
complete_task(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, const struct risk_assessment *r,
    const char *name, struct caldate today, int *done, struct alc_err *err)
{
	unsigned char all[COMPLIANCE_CHECKLIST_ITEMS];
	const char *due = NULL, *note;
	struct db_stmt *s;
	int64_t task = 0;
	int rc;

	*done = 0;
	if ((rc = db_prepare(c, &s, "SELECT id, next_due FROM compliance_tasks "
	    "WHERE practice_id = ? AND seed_key = ? AND status = 'active' AND "
	    "next_due IS NOT NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, RISK_TASK_SEED);
	if ((rc = db_step(s)) == DB_ROW) {
		task = db_col_i64(s, 0);
		due = cmp_col(a, s, 1);
	}
	db_stmt_done(s);
	if (rc < 0 || task == 0)
		return rc < 0 ? rc : 0;
	note = arena_printf(a, "Security risk analysis version %d completed "
	    "and signed by %s. The assessment: /compliance/risk/assessments/"
	    "%lld", r->version, name, (long long)r->id);
	if (note == NULL)
		return ALC_ENOMEM;
	memset(all, 1, sizeof(all));
	if ((rc = cmp_complete_in(c, a, pid, who, task, due, note, all,
	    sizeof(all), today, NULL, err)) != 0)
		return rc;
	*done = 1;
	return 0;
}

static int
seal(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    int64_t id, const char *name, struct caldate today)
{
	char ret[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE risk_assessments SET status = "
	    "'completed', completed_at = ?, completed_by = ?, signed_name = ?, "
	    "signed_role = ?, retain_until = ?, updated_at = ? WHERE "
	    "practice_id = ? AND id = ? AND status = 'in_progress'")) != 0)
		return rc;
	db_bind_i64(s, 1, time_now_ms());
	cmp_uid(who) ? db_bind_i64(s, 2, cmp_uid(who)) : db_bind_null(s, 2);
	db_bind_text(s, 3, name);
	db_bind_text(s, 4, who->who && who->who->actor_role ?
	    who->who->actor_role : "system");
	db_bind_text(s, 5, caldate_format(compliance_retain_until(today), ret));
	db_bind_i64(s, 6, time_now_ms());
	db_bind_i64(s, 7, pid);
	db_bind_i64(s, 8, id);
	if ((rc = db_step(s)) == DB_DONE && db_changes(s) != 1)
		rc = ALC_ECONFLICT;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
complete_in(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, int64_t id, const char *name,
    struct caldate today, size_t *added, int *task_done, struct alc_err *err)
{
	struct risk_assessment r;
	char detail[128];
	int rc;

	if ((rc = risk_load_in(c, a, pid, id, &r)) != 0)
		return rc;
	if (r.completed)
		return refuse(err, ALC_ECONFLICT, "This assessment is already "
		    "completed and signed.");
	if (r.n_answered < r.n_answers)
		return alc_err_set_user(err, ALC_EINVAL, arena_printf(a,
		    "Answer every question before completing: %zu still have no "
		    "answer.", r.n_answers - r.n_answered), "risk: unanswered");
	if ((rc = seal(c, pid, who, id, name, today)) != 0 ||
	    (rc = risk_register_from_answers(c, a, pid, who, id, r.version,
	    r.answers, r.n_answers, added)) != 0 ||
	    (rc = complete_task(c, a, pid, who, &r, name, today, task_done,
	    err)) != 0)
		return rc == ALC_ECONFLICT && err->user[0] == '\0' ?
		    refuse(err, rc, "This assessment is already completed.") : rc;
	snprintf(detail, sizeof(detail), "{\"change\":\"completed\",\"version\":"
	    "%d,\"risks_added\":%zu,\"task_completed\":%d}", r.version, *added,
	    *task_done);
	return cmp_audit_obj(c, pid, who, "UPDATE", "risk_assessment", id,
	    detail);
}

int
risk_assessment_complete(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, const char *signed_name,
    struct caldate today, size_t *added, int *task_done, struct alc_err *err)
{
	struct db_conn *c;
	struct arena *a;
	size_t add = 0;
	int rc, done = 0;

	if (signed_name == NULL || signed_name[0] == '\0' ||
	    !cmp_text_ok(signed_name, RISK_NAME_MAX, 0))
		return refuse(err, ALC_EINVAL, "Type your full name to sign the "
		    "assessment.");
	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, err)) == NULL) {
		arena_free(a);
		return ALC_EBUSY;
	}
	if ((rc = db_begin(c)) == 0 && (rc = complete_in(c, a, practice_id, who,
	    id, signed_name, today, &add, &done, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	arena_free(a);
	if (rc == 0 && added != NULL)
		*added = add;
	if (rc == 0 && task_done != NULL)
		*task_done = done;
	return rc;
}
