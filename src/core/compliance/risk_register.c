/*
 * risk_register.c - the risk register: risks found by an assessment and
 * risks added by hand, their rating, owner, treatment and planned action,
 * a compliance task made from a risk, and the CSV export.  Design in
 * risk.h.
 *
 * A risk from an assessment starts rated from its answer (a "no" is
 * likelier than a "partly"; a required specification weighs more than an
 * addressable one), owned by whoever completed the assessment, to be
 * mitigated; the practice then rates and plans it.  A question already
 * holding a risk that is not closed gets no second one, so repeating the
 * analysis every year does not duplicate the register.
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

const char *const risk_treatment_names[RISK_TREATMENTS] = {"mitigate",
    "accept", "transfer", "avoid"};
const char *const risk_treatment_labels[RISK_TREATMENTS] = {"Mitigate",
    "Accept", "Transfer", "Avoid"};
const char *const risk_status_names[RISK_STATUSES] = {"open",
    "in_progress", "closed"};
const char *const risk_status_labels[RISK_STATUSES] = {"Open",
    "In progress", "Closed"};

static int
invalid(struct alc_err *err, const char *user)
{
	return alc_err_set_user(err, ALC_EINVAL, user, "risk: %s", user);
}

static int
one_of(const char *v, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return 1;
	return 0;
}

static int
check_input(struct db_conn *c, int64_t pid, const struct risk_input *in,
    struct alc_err *err)
{
	struct caldate d;

	if (in->title == NULL || in->title[0] == '\0' ||
	    !cmp_text_ok(in->title, RISK_TITLE_MAX, 0))
		return invalid(err, "Describe the threat in a line (up to 200 "
		    "characters).");
	if (!cmp_text_ok(in->vulnerability, RISK_TEXT_MAX, 1) ||
	    !cmp_text_ok(in->action, RISK_TEXT_MAX, 1) ||
	    !cmp_text_ok(in->accept_reason, RISK_TEXT_MAX, 1))
		return invalid(err, "A text field is too long (up to 4000 "
		    "characters) or holds characters that cannot be stored.");
	if (in->likelihood < 1 || in->likelihood > 5 || in->impact < 1 ||
	    in->impact > 5)
		return invalid(err, "Rate likelihood and impact from 1 (lowest) "
		    "to 5 (highest).");
	if (!one_of(in->treatment, risk_treatment_names, RISK_TREATMENTS))
		return invalid(err, "Choose how the risk is treated.");
	if (strcmp(in->treatment, "accept") == 0 && (in->accept_reason == NULL ||
	    in->accept_reason[0] == '\0'))
		return invalid(err, "Say why the practice accepts this risk.");
	if (!one_of(in->status, risk_status_names, RISK_STATUSES))
		return invalid(err, "Choose the risk's status.");
	if (in->due_on != NULL && in->due_on[0] != '\0' &&
	    caldate_parse(in->due_on, &d) != 0)
		return invalid(err, "Enter the due date as a date, such as "
		    "2026-03-31.");
	if (in->owner_id != 0 && !cmp_is_member(c, pid, in->owner_id))
		return invalid(err, "Choose an active staff member as the owner.");
	return 0;
}

#define NZ(x) ((x) ? (x) : "")

static void
bind_fields(struct db_stmt *s, const struct risk_input *in)
{
	db_bind_text(s, 1, in->title);
	db_bind_text(s, 2, NZ(in->vulnerability));
	db_bind_i64(s, 3, in->likelihood);
	db_bind_i64(s, 4, in->impact);
	in->owner_id ? db_bind_i64(s, 5, in->owner_id) : db_bind_null(s, 5);
	db_bind_text(s, 6, in->treatment);
	db_bind_text(s, 7, NZ(in->accept_reason));
	db_bind_text(s, 8, NZ(in->action));
	in->due_on && in->due_on[0] ? db_bind_text(s, 9, in->due_on) :
	    db_bind_null(s, 9);
	db_bind_text(s, 10, in->status);
	db_bind_i64(s, 11, time_now_ms());
}

/* Inserts a risk (assessment 0: added by hand). */
static int
insert_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    const struct risk_input *in, int64_t assessment, const char *qkey,
    int64_t *id)
{
	char ret[CALDATE_TEXT_SIZE], detail[96];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO risks (title, vulnerability, "
	    "likelihood, impact, owner_id, treatment, accept_reason, action, "
	    "due_on, status, updated_at, created_at, practice_id, "
	    "assessment_id, question_key, retain_until) VALUES (?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	bind_fields(s, in);
	db_bind_i64(s, 12, time_now_ms());
	db_bind_i64(s, 13, pid);
	assessment ? db_bind_i64(s, 14, assessment) : db_bind_null(s, 14);
	db_bind_text(s, 15, qkey);
	db_bind_text(s, 16, caldate_format(compliance_retain_until(
	    caldate_from_days(time_now_ms() / 86400000)), ret));
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	snprintf(detail, sizeof(detail), "{\"change\":\"%s\",\"score\":%d}",
	    assessment ? "from_assessment" : "created",
	    in->likelihood * in->impact);
	return cmp_audit_obj(c, pid, who, "CREATE", "risk", *id, detail);
}

int
risk_create(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const struct risk_input *in,
    int64_t *id, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = check_input(c, practice_id, in, err)) == 0 &&
	    (rc = insert_in(c, practice_id, who, in, 0, NULL, id)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
update_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    int64_t id, const struct risk_input *in)
{
	char detail[112];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE risks SET title = ?, vulnerability "
	    "= ?, likelihood = ?, impact = ?, owner_id = ?, treatment = ?, "
	    "accept_reason = ?, action = ?, due_on = ?, status = ?, updated_at "
	    "= ? WHERE practice_id = ? AND id = ?")) != 0)
		return rc;
	bind_fields(s, in);
	db_bind_i64(s, 12, pid);
	db_bind_i64(s, 13, id);
	rc = db_step(s);
	if (rc == DB_DONE && db_changes(s) == 0)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	if (rc != DB_DONE)
		return rc < 0 ? rc : ALC_EDB;
	snprintf(detail, sizeof(detail), "{\"change\":\"edited\",\"score\":%d,"
	    "\"treatment\":\"%s\",\"status\":\"%s\"}", in->likelihood *
	    in->impact, in->treatment, in->status);
	return cmp_audit_obj(c, pid, who, "UPDATE", "risk", id, detail);
}

int
risk_update(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct risk_input *in, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = check_input(c, practice_id, in, err)) == 0 &&
	    (rc = update_in(c, practice_id, who, id, in)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

/* 1 when question qkey already has a risk that is not closed. */
static int
has_open_risk(struct db_conn *c, int64_t pid, const char *qkey)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(c, &s, "SELECT 1 FROM risks WHERE practice_id = ? AND "
	    "question_key = ? AND status <> 'closed'") != 0)
		return 0;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, qkey);
	rc = db_step(s);
	db_stmt_done(s);
	return rc == DB_ROW;
}

int
risk_register_from_answers(struct db_conn *c, struct arena *a,
    int64_t practice_id, const struct compliance_actor *who, int64_t id,
    int version, const struct risk_answer *ans, size_t n, size_t *added)
{
	const struct risk_question *q;
	struct risk_input in;
	size_t nq, i;
	int64_t rid;
	int rc, no;

	*added = 0;
	if ((rc = risk_questions(a, &q, &nq)) != 0)
		return rc;
	for (i = 0; i < n && i < nq; i++) {
		if (ans[i].answer == NULL || (strcmp(ans[i].answer, "no") != 0 &&
		    strcmp(ans[i].answer, "partly") != 0) ||
		    has_open_risk(c, practice_id, q[i].key))
			continue;
		no = strcmp(ans[i].answer, "no") == 0;
		memset(&in, 0, sizeof(in));
		in.title = q[i].threat;
		in.vulnerability = arena_printf(a, "Risk analysis version %d "
		    "answered \"%s\" to: %s (%s)%s%s", version, no ? "No" :
		    "Partly", q[i].text, q[i].citation, ans[i].note[0] ?
		    " Note: " : "", ans[i].note);
		in.likelihood = no ? 3 : 2;
		in.impact = q[i].required ? 4 : 3;
		in.owner_id = cmp_uid(who);
		in.treatment = "mitigate";
		in.status = "open";
		if (in.vulnerability == NULL)
			return ALC_ENOMEM;
		if ((rc = insert_in(c, practice_id, who, &in, id, q[i].key,
		    &rid)) != 0)
			return rc;
		(*added)++;
	}
	return 0;
}
