/*
 * pages/risk.c - the security risk analysis (core/compliance/risk.h): the
 * list of assessments, starting one, the questionnaire (answers saved
 * while in progress, read-only once signed) and completing it.  Every
 * route needs ACT_RISK_MANAGE (the route table).  The records hold no
 * PHI, so reading them writes no audit event; every change does, in its
 * transaction (core).  The register is pages/risk_register.c.
 *
 * The form names each question's fields after its key (a_KEY for the
 * answer, n_KEY for the note); a refused form is shown again from what
 * was posted, not from the database, so nothing typed is lost.
 */
#include "web/pages/pages.h"
#include "web/pages/compliance_impl.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "core/users/users.h"
#include "web/views_risk.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/compliance/compliance.h"
#include "core/compliance/risk.h"
#include "templates.h"

#include <string.h>

int
page_risk(struct req *r)
{
	struct risk_assessment *l;
	struct risk_row_view *rows;
	struct risk_index_view v;
	struct risk *k;
	struct buf body;
	size_t n, nk, i;
	int rc;

	if ((rc = risk_assessment_list(r->app->db, r->arena,
	    r->sess->practice_id, &l, &n)) != 0 ||
	    (rc = risk_list(r->app->db, r->arena, r->sess->practice_id,
	    RISK_BY_SCORE, &k, &nk)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	memset(&v, 0, sizeof(v));
	for (i = 0; i < n; i++) {
		rows[i].id = (long long)l[i].id;
		rows[i].version = l[i].version;
		rows[i].started_on = l[i].started_on;
		rows[i].started_by = l[i].started_by_name;
		rows[i].status = l[i].completed ? "Completed" : "In progress";
		rows[i].signed_by = l[i].completed ? arena_printf(r->arena,
		    "%s, %s", l[i].signed_name, cmpweb_when(r,
		    l[i].completed_at)) : "";
		if (!l[i].completed)
			v.open_id = rows[i].id;
		else
			v.has_completed = 1;
	}
	for (i = 0; i < nk; i++)
		v.n_open_risks += strcmp(k[i].f.status, "closed") != 0;
	v.n_risks = (long long)nk;
	v.rows = rows;
	v.n_rows = n;
	v.csrf = r->sess->csrf;
	buf_init(&body, r->arena);
	tmpl_risk_index(&body, &v);
	return page_send(r, 200, "Security risk analysis", &body);
}

int
page_risk_start(struct req *r)
{
	const char *prev = req_form(r, "from_previous");
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	int64_t id = 0;
	int rc;

	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = risk_assessment_start(r->app->db, r->sess->practice_id, &a,
	    cmpweb_today(r), prev != NULL && strcmp(prev, "1") == 0, &id, &err);
	if (rc == ALC_ECONFLICT && id != 0)
		return resp_redirect(r, 303, arena_printf(r->arena,
		    "/compliance/risk/assessments/%lld?done=open", (long long)id));
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/compliance/risk/assessments/%lld?done=started", (long long)id));
}

static const char *
kind_of(const struct risk_question *q)
{
	return q->required ? "required" : "addressable";
}

/* The view of question q and its answer an (the posted one when shown
 * again after a refusal). */
static int
question_view(struct req *r, const struct risk_question *q,
    const struct risk_answer *an, struct risk_q_view *o)
{
	struct risk_choice_view *ch;
	size_t i;

	if ((ch = arena_alloc(r->arena, RISK_ANSWERS * sizeof(*ch))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < RISK_ANSWERS; i++) {
		ch[i].id = arena_printf(r->arena, "a-%s-%s", q->key,
		    risk_answer_names[i]);
		ch[i].value = risk_answer_names[i];
		ch[i].label = risk_answer_labels[i];
		ch[i].checked = an->answer != NULL &&
		    strcmp(an->answer, risk_answer_names[i]) == 0;
	}
	memset(o, 0, sizeof(*o));
	o->key = q->key;
	o->citation = q->citation;
	o->kind = kind_of(q);
	o->text = q->text;
	o->threat = q->threat;
	o->name_answer = arena_printf(r->arena, "a_%s", q->key);
	o->name_note = arena_printf(r->arena, "n_%s", q->key);
	o->id_note = arena_printf(r->arena, "n-%s", q->key);
	o->legend_id = arena_printf(r->arena, "q-%s", q->key);
	o->choices = ch;
	o->n_choices = RISK_ANSWERS;
	o->note = an->note;
	o->evidence = an->evidence;
	o->prefilled = an->prefilled && an->evidence && an->evidence[0];
	o->unanswered = an->answer == NULL || an->answer[0] == '\0';
	return o->id_note && o->name_note && o->legend_id ? 0 : ALC_ENOMEM;
}

static int
build_sections(struct req *r, const struct risk_assessment *ra,
    struct risk_assessment_view *v)
{
	const struct risk_question *q;
	struct risk_section_view *sec;
	struct risk_q_view *qv;
	size_t nq, i, s;
	int rc;

	if ((rc = risk_questions(r->arena, &q, &nq)) != 0)
		return rc;
	sec = arena_alloc(r->arena, RISK_SAFEGUARDS * sizeof(*sec));
	qv = arena_alloc(r->arena, (nq + 1) * sizeof(*qv));
	if (sec == NULL || qv == NULL)
		return ALC_ENOMEM;
	memset(sec, 0, RISK_SAFEGUARDS * sizeof(*sec));
	/* Questions of a safeguard are contiguous in qv, in file order. */
	for (s = 0, nq = nq < ra->n_answers ? nq : ra->n_answers; s <
	    RISK_SAFEGUARDS; s++) {
		sec[s].id = risk_safeguard_names[s];
		sec[s].heading = risk_safeguard_labels[s];
		sec[s].questions = qv;
		for (i = 0; i < nq; i++) {
			if (q[i].safeguard != (enum risk_safeguard)s)
				continue;
			if ((rc = question_view(r, &q[i], &ra->answers[i], qv)) != 0)
				return rc;
			qv++;
			sec[s].n_questions++;
		}
	}
	v->sections = sec;
	v->n_sections = RISK_SAFEGUARDS;
	return 0;
}

static int
render(struct req *r, int status, const struct risk_assessment *ra,
    const char *error, const char *signature, const char *sign_error)
{
	struct risk_assessment_view v;
	struct buf body;
	int rc;

	memset(&v, 0, sizeof(v));
	v.id = (long long)ra->id;
	v.version = ra->version;
	v.csrf = r->sess->csrf;
	v.started_on = ra->started_on;
	v.started_by = ra->started_by_name;
	v.completed = ra->completed;
	v.signed_name = ra->signed_name;
	v.signed_role = ra->signed_role;
	v.signed_at = ra->completed ? cmpweb_when(r, ra->completed_at) : NULL;
	v.retain_until = ra->retain_until;
	v.n_answered = (long long)ra->n_answered;
	v.n_questions = (long long)ra->n_answers;
	v.error = error;
	v.signature = signature;
	v.sign_error = sign_error;
	if ((rc = build_sections(r, ra, &v)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_risk_assessment(&body, &v);
	return page_send(r, status, arena_printf(r->arena, "Risk analysis, "
	    "version %d", ra->version), &body);
}

static int
load(struct req *r, struct risk_assessment *ra)
{
	int64_t id = cmpweb_parse_id(req_param(r, "id"));

	if (id == 0)
		return ALC_ENOTFOUND;
	return risk_assessment_get(r->app->db, r->arena, r->sess->practice_id,
	    id, ra);
}

int
page_risk_assessment(struct req *r)
{
	const char *d = req_query(r, "done");
	struct risk_assessment ra;
	int rc;

	if ((rc = load(r, &ra)) != 0)
		return rc;
	if (d != NULL && strcmp(d, "started") == 0)
		page_flash(r, "success", "The assessment is started. Alcove has "
		    "filled in what it knows; check each suggestion.");
	if (d != NULL && strcmp(d, "open") == 0)
		page_flash(r, "info", "An assessment is already in progress: "
		    "finish this one first.");
	if (d != NULL && strcmp(d, "saved") == 0)
		page_flash(r, "success", "The answers are saved.");
	if (d != NULL && strcmp(d, "completed") == 0)
		page_flash(r, "success", "The assessment is completed and signed. "
		    "Its risks are on the register.");
	return render(r, 200, &ra, NULL, NULL, NULL);
}

/* The posted answers over ra's (so a refused form shows what was typed). */
static int
read_answers(struct req *r, struct risk_assessment *ra)
{
	struct risk_answer *an;
	const char *v;
	size_t i;

	an = arena_alloc(r->arena, (ra->n_answers + 1) * sizeof(*an));
	if (an == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < ra->n_answers; i++) {
		an[i] = ra->answers[i];
		/* A radio group never sent keeps its answer: once chosen, a
		 * browser cannot unselect it, so absence means "not touched". */
		v = req_form(r, arena_printf(r->arena, "a_%s", an[i].key));
		if (v != NULL)
			an[i].answer = v[0] ? v : NULL;
		v = req_form(r, arena_printf(r->arena, "n_%s", an[i].key));
		an[i].note = v ? v : "";
	}
	ra->answers = an;
	return 0;
}

int
page_risk_save(struct req *r)
{
	struct risk_assessment ra;
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	int rc;

	if ((rc = load(r, &ra)) != 0 || (rc = read_answers(r, &ra)) != 0)
		return rc;
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = risk_assessment_save(r->app->db, r->sess->practice_id, &a, ra.id,
	    ra.answers, ra.n_answers, &err);
	if (rc == ALC_EINVAL)
		return render(r, 422, &ra, arena_strdup(r->arena, err.user), NULL,
		    NULL);
	if (rc == ALC_ECONFLICT) {
		if ((rc = load(r, &ra)) != 0)
			return rc;
		return render(r, 409, &ra, arena_strdup(r->arena, err.user), NULL,
		    NULL);
	}
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/compliance/risk/assessments/%lld?done=saved", (long long)ra.id));
}

int
page_risk_complete(struct req *r)
{
	const char *sig = req_form(r, "signature");
	struct risk_assessment ra;
	struct compliance_actor a;
	struct audit_event ev;
	struct alc_err err;
	int rc;

	if ((rc = load(r, &ra)) != 0)
		return rc;
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = risk_assessment_complete(r->app->db, r->sess->practice_id, &a,
	    ra.id, sig, cmpweb_today(r), NULL, NULL, &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT || rc == ALC_EPERM)
		return render(r, rc == ALC_EINVAL ? 422 : rc == ALC_EPERM ? 403 :
		    409, &ra, NULL, sig, arena_strdup(r->arena, err.user));
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/compliance/risk/assessments/%lld?done=completed", (long long)ra.id));
}
