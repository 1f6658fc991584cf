/*
 * risk.c - the risk analysis questionnaire (read from the embedded
 * data/risk/questions.txt) and reading assessments.  Starting, saving and
 * completing them is in risk_assess.c; the register in risk_register.c.
 * Design in risk.h.
 */
#include "core/compliance/risk.h"
#include "core/compliance/impl.h"
#include "base/arena.h"
#include "base/embed.h"
#include "base/err.h"
#include "db/db.h"

#include <string.h>

/* build/gen/risk_questions.c (Makefile). */
extern const struct embedded_file risk_questions_file[];
extern const size_t risk_questions_file_count;

const char *const risk_safeguard_names[RISK_SAFEGUARDS] = {"admin",
    "physical", "technical", "organizational"};
const char *const risk_safeguard_labels[RISK_SAFEGUARDS] = {
    "Administrative safeguards (164.308)",
    "Physical safeguards (164.310)",
    "Technical safeguards (164.312)",
    "Organizational requirements, policies and documentation (164.314, "
    "164.316)"};
const char *const risk_answer_names[RISK_ANSWERS] = {"yes", "partly", "no",
    "na"};
const char *const risk_answer_labels[RISK_ANSWERS] = {"Yes", "Partly", "No",
    "Not applicable"};

const char *
risk_answer_label(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < RISK_ANSWERS; i++)
		if (strcmp(name, risk_answer_names[i]) == 0)
			return risk_answer_labels[i];
	return NULL;
}

/* Splits line (modified in place) at " | " into up to max fields. */
static size_t
split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line, *bar;

	while (n < max) {
		f[n++] = p;
		if ((bar = strstr(p, " | ")) == NULL)
			break;
		*bar = '\0';
		p = bar + 3;
	}
	return n;
}

static int
parse_line(char *line, struct risk_question *q)
{
	char *f[7];
	size_t i;

	if (split_fields(line, f, 7) != 7)
		return ALC_EINVAL;
	for (i = 0; i < RISK_SAFEGUARDS; i++)
		if (strcmp(f[1], risk_safeguard_names[i]) == 0)
			break;
	if (i == RISK_SAFEGUARDS || (strcmp(f[3], "R") != 0 &&
	    strcmp(f[3], "A") != 0))
		return ALC_EINVAL;
	q->key = f[0];
	q->safeguard = (enum risk_safeguard)i;
	q->citation = f[2];
	q->required = f[3][0] == 'R';
	q->prefill = strcmp(f[4], "-") == 0 ? NULL : f[4];
	q->text = f[5];
	q->threat = f[6];
	return 0;
}

int
risk_questions(struct arena *a, const struct risk_question **out, size_t *n)
{
	struct risk_question *q;
	char *text, *line, *next;
	size_t max = 1, k = 0;
	const char *p;

	if (risk_questions_file_count != 1)
		return ALC_EINVAL;
	if ((text = arena_strdup(a, (const char *)risk_questions_file[0].data))
	    == NULL)
		return ALC_ENOMEM;
	for (p = text; *p; p++)
		max += *p == '\n';
	if ((q = arena_alloc(a, max * sizeof(*q))) == NULL)
		return ALC_ENOMEM;
	for (line = text; line != NULL && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (parse_line(line, &q[k]) != 0)
			return ALC_EINVAL;
		k++;
	}
	*out = q;
	*n = k;
	return 0;
}

static void
read_head(struct db_stmt *s, struct arena *a, struct risk_assessment *r)
{
	memset(r, 0, sizeof(*r));
	r->id = db_col_i64(s, 0);
	r->version = (int)db_col_i64(s, 1);
	r->completed = strcmp(db_col_text(s, 2), "completed") == 0;
	r->started_on = cmp_col(a, s, 3);
	r->started_by_name = cmp_col(a, s, 4);
	r->based_on = db_col_i64(s, 5);
	r->completed_at = db_col_i64(s, 6);
	r->signed_name = cmp_col(a, s, 7);
	r->signed_role = cmp_col(a, s, 8);
	r->retain_until = cmp_col(a, s, 9);
}

#define HEAD_COLS "SELECT r.id, r.version, r.status, r.started_on, " \
	"u.display_name, r.based_on, r.completed_at, r.signed_name, " \
	"r.signed_role, r.retain_until FROM risk_assessments r LEFT JOIN " \
	"users u ON u.id = r.started_by WHERE r.practice_id = ? "

/* The answers of r, in questionnaire order (a question with no row is
 * unanswered). */
static int
load_answers(struct db_conn *c, struct arena *a, int64_t pid,
    struct risk_assessment *r)
{
	const struct risk_question *q;
	struct db_stmt *s;
	size_t nq, i;
	int rc;

	if ((rc = risk_questions(a, &q, &nq)) != 0)
		return rc;
	if ((r->answers = arena_alloc(a, (nq + 1) * sizeof(*r->answers))) ==
	    NULL)
		return ALC_ENOMEM;
	memset(r->answers, 0, (nq + 1) * sizeof(*r->answers));
	for (i = 0; i < nq; i++) {
		r->answers[i].key = q[i].key;
		r->answers[i].note = r->answers[i].evidence = "";
	}
	r->n_answers = nq;
	if ((rc = db_prepare(c, &s, "SELECT question_key, answer, note, "
	    "evidence, prefilled FROM risk_answers WHERE practice_id = ? AND "
	    "assessment_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, r->id);
	while ((rc = db_step(s)) == DB_ROW) {
		for (i = 0; i < nq && strcmp(q[i].key, db_col_text(s, 0)); i++)
			;
		if (i == nq)
			continue; /* a question since removed from the file */
		r->answers[i].answer = db_col_is_null(s, 1) ? NULL :
		    cmp_col(a, s, 1);
		r->answers[i].note = cmp_col(a, s, 2);
		r->answers[i].evidence = cmp_col(a, s, 3);
		r->answers[i].prefilled = db_col_i64(s, 4) != 0;
		r->n_answered += r->answers[i].answer != NULL;
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
risk_assessment_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct risk_assessment *out)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = risk_load_in(c, a, practice_id, id, out);
	db_release(c);
	return rc;
}

int
risk_assessment_list(struct db *db, struct arena *a, int64_t practice_id,
    struct risk_assessment **out, size_t *n)
{
	struct risk_assessment *l;
	struct db_conn *c;
	struct db_stmt *s;
	size_t k = 0;
	int rc;

	*n = 0;
	if ((l = arena_alloc(a, RISK_MAX_LIST * sizeof(*l))) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, HEAD_COLS "ORDER BY r.version DESC")) != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	while (k < RISK_MAX_LIST && (rc = db_step(s)) == DB_ROW)
		read_head(s, a, &l[k++]);
	db_stmt_done(s);
	if (rc >= 0)
		rc = 0;
out:
	db_release(c);
	*out = l;
	*n = k;
	return rc;
}

int
risk_load_in(struct db_conn *c, struct arena *a, int64_t pid, int64_t id,
    struct risk_assessment *r)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, HEAD_COLS "AND r.id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	if ((rc = db_step(s)) == DB_ROW)
		read_head(s, a, r);
	db_stmt_done(s);
	if (rc == DB_DONE)
		return ALC_ENOTFOUND;
	return rc == DB_ROW ? load_answers(c, a, pid, r) : rc;
}
