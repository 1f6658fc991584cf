/*
 * pages/rights_request.c - one patient-rights request: its details and
 * clock, and the steps of those who decide (ACT_RIGHTS_DECIDE): the one
 * extension, the decision with grounds, the review of a reviewable
 * denial, delivery, and the printable denial letter.  See rights.c for
 * how access is checked; core/rights/rights.h for the rules.
 *
 * Every refusal of a step (a second extension, a notice after the first
 * period, the decider as reviewer) shows the request again with the
 * message and status 409 (state) or 422 (input); the page is audited as
 * a VIEW each time it is shown, the letter as a PRINT.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_rights.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/patients/patients.h"
#include "core/rights/rights.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define MAX_STAFF 500

static const char *
label_of(const char *v, const char *const *values, const char *const *labels)
{
	for (; v != NULL && *values != NULL; values++, labels++)
		if (strcmp(v, *values) == 0)
			return *labels;
	return v;
}

static const char *
decision_label(const char *d)
{
	static const char *const v[] = {"granted", "partial", "denied", NULL};
	static const char *const l[] = {"Granted", "Partially granted",
	    "Denied"};

	return label_of(d, v, l);
}

/* The chosen grounds as text lines (arena). */
static void
chosen(struct req *r, const char *grounds, struct rights_request_view *v)
{
	struct rights_text_view *t;
	const struct rights_code *g;
	char *copy = arena_strdup(r->arena, grounds), *p, *save = NULL;

	t = arena_alloc(r->arena, (rights_grounds_count + 1) * sizeof(*t));
	if (t == NULL || copy == NULL)
		return;
	for (p = strtok_r(copy, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save))
		if ((g = rights_ground(p)) != NULL && v->n_chosen <
		    rights_grounds_count)
			t[v->n_chosen++].text = arena_printf(r->arena, "%s (%s)",
			    g->label, g->cite);
	v->chosen = t;
}

static int
reviewable(const char *grounds)
{
	size_t i;

	for (i = 0; i < rights_grounds_count; i++)
		if (rights_grounds[i].flag && grounds != NULL &&
		    strstr(grounds, rights_grounds[i].code) != NULL)
			return 1;
	return 0;
}

static int
fill_reviewers(struct req *r, int64_t decided_by,
    struct rights_request_view *v)
{
	struct rights_option_view *o;
	struct user_row *rows;
	size_t n, i, k = 0;
	int rc;

	rows = arena_alloc(r->arena, MAX_STAFF * sizeof(*rows));
	o = arena_alloc(r->arena, MAX_STAFF * sizeof(*o));
	if (rows == NULL || o == NULL)
		return ALC_ENOMEM;
	if ((rc = users_review(r->app->db, r->sess->practice_id, rows,
	    MAX_STAFF, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (!rows[i].active || rows[i].id == decided_by ||
		    !(rows[i].roles & (ROLE_CLINICIAN | ROLE_SUPERVISOR)))
			continue;
		o[k].value = arena_printf(r->arena, "%lld", (long long)rows[i].id);
		o[k++].label = arena_strdup(r->arena, rows[i].name);
	}
	v->reviewers = o;
	v->n_reviewers = k;
	return 0;
}

static void
fill_grounds(struct req *r, struct rights_request_view *v)
{
	struct rights_ground_view *g;
	size_t i;

	g = arena_alloc(r->arena, rights_grounds_count * sizeof(*g));
	for (i = 0; g != NULL && i < rights_grounds_count; i++) {
		g[i].code = rights_grounds[i].code;
		g[i].label = rights_grounds[i].label;
		g[i].cite = rights_grounds[i].cite;
		g[i].reviewable = rights_grounds[i].flag;
		g[i].id = arena_printf(r->arena, "f-ground-%s", g[i].code);
	}
	v->grounds = g;
	v->n_grounds = g ? rights_grounds_count : 0;
}

static void
fill_details(struct req *r, const struct rights_request *q,
    struct rights_request_view *v)
{
	static const char *const fv[] = {"paper", "electronic", "inspect",
	    NULL};
	static const char *const fl[] = {"Paper copy", "Electronic copy",
	    "Inspection"};
	static const char *const cv[] = {"phone", "letter", "portal",
	    "in_person", NULL};
	static const char *const cl[] = {"by phone", "by letter",
	    "through the portal", "in person"};

	v->kind = rights_kind_labels[q->kind];
	v->form = q->access_form ? label_of(q->access_form, fv, fl) : NULL;
	v->send_to = q->send_to && strcmp(q->send_to, "third_party") == 0 ?
	    "a third party the patient directs" : "the patient";
	v->third_party = q->third_party;
	v->third_party_address = q->third_party_address;
	v->requester = strcmp(q->requester, "representative") == 0 ?
	    "A personal representative" : "The patient";
	v->rep_name = q->rep_name && q->rep_name[0] ? q->rep_name : NULL;
	v->rep_authority = q->rep_authority;
	v->channel = label_of(q->channel, cv, cl);
	v->received_on = q->received_on;
	v->entered = arena_printf(r->arena, "%s by %s", staff_when(r,
	    q->entered_at, ""), q->entered_by_name ? q->entered_by_name : "-");
	v->asked = q->asked;
	v->status = q->status;
	v->due = rightsweb_date(r, q->clock.due);
	v->days = rightsweb_days(r, &q->clock);
	v->rule = arena_strdup(r->arena, q->clock.rule);
	v->next = q->next_action;
	v->has_clock = q->clock.has_clock;
	v->overdue = q->clock.overdue;
	if (q->ext_notice_on != NULL)
		v->extension = arena_printf(r->arena, "Notice sent %s: %s",
		    q->ext_notice_on, q->ext_reason ? q->ext_reason : "");
	v->decision = q->decision ? decision_label(q->decision) : NULL;
	if (q->decided_on != NULL)
		v->decided = arena_printf(r->arena, "%s by %s", q->decided_on,
		    q->decided_by_name ? q->decided_by_name : "-");
	v->reviewer = q->reviewer_name;
	if (q->fulfilled_on != NULL)
		v->fulfilled = arena_printf(r->arena, "%s (%s)", q->fulfilled_on,
		    q->fulfilled_how);
	chosen(r, q->grounds, v);
}

static int
fill_steps(struct req *r, const struct rights_request *q,
    struct rights_request_view *v)
{
	int denied = q->decision && strcmp(q->decision, "granted") != 0;

	v->can_decide = authz_check(r, ACT_RIGHTS_DECIDE) == 0;
	if (!v->can_decide)
		return 0;
	v->show_extend = strcmp(q->status, "open") == 0 &&
	    q->clock.has_clock && q->ext_notice_on == NULL;
	v->show_decide = strcmp(q->status, "open") == 0;
	v->show_fulfil = strcmp(q->status, "decided") == 0;
	v->show_letter = denied && q->kind == RK_ACCESS;
	v->show_review = denied && q->reviewer_id == 0 &&
	    reviewable(q->grounds);
	fill_grounds(r, v);
	return v->show_review ? fill_reviewers(r, q->decided_by, v) : 0;
}

/* Loads request id with its patient's access checked: 0, or *shown. */
static int
load(struct req *r, int64_t id, struct rights_request *q,
    struct patient_brief *b, int *shown)
{
	int rc;

	if ((rc = rights_request_get(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, id, rightsweb_today(r), q)) != 0)
		return rc;
	return rightsweb_gate(r, q->patient_id, shown, b);
}

static int
show(struct req *r, int64_t id, int status, const char *error)
{
	struct rights_request_view v;
	struct rights_request q;
	struct patient_brief b;
	struct buf body;
	int rc, shown;

	if ((rc = load(r, id, &q, &b, &shown)) != 0 || shown)
		return rc;
	memset(&v, 0, sizeof(v));
	fill_details(r, &q, &v);
	if ((rc = fill_steps(r, &q, &v)) != 0 ||
	    (rc = rightsweb_audit(r, "VIEW", "rights_request", id, q.patient_id,
	    b.part2, NULL)) != 0)
		return rc;
	v.action_base = arena_printf(r->arena, "/rights/%lld", (long long)id);
	v.patient = b.display_name;
	v.patient_href = arena_printf(r->arena, "/patients/%lld/rights",
	    (long long)q.patient_id);
	v.csrf = r->sess->csrf;
	v.error = error;
	v.today = rightsweb_date(r, rightsweb_today(r));
	buf_init(&body, r->arena);
	tmpl_rights_request(&body, &v);
	return page_send(r, status, v.kind, &body);
}

int
page_rights_request(struct req *r)
{
	int64_t id = patients_web_id(r);

	return id ? show(r, id, 200, NULL) : ALC_ENOTFOUND;
}

/* Runs a step's result: back to the request, or the page with the
 * message. */
static int
after(struct req *r, int64_t id, int rc, const struct alc_err *err)
{
	if (rc == ALC_EINVAL)
		return show(r, id, 422, err->user);
	if (rc == ALC_ECONFLICT || rc == ALC_EPERM)
		return show(r, id, 409, err->user);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena, "/rights/%lld",
	    (long long)id));
}

/* Checks the patient's access for a step; 0 to go on. */
static int
step_gate(struct req *r, int64_t id, int *shown)
{
	struct rights_request q;
	struct patient_brief b;

	*shown = 0;
	return id ? load(r, id, &q, &b, shown) : ALC_ENOTFOUND;
}

int
page_rights_extend(struct req *r)
{
	int64_t id = patients_web_id(r);
	struct audit_event ev;
	struct alc_err err;
	int rc, shown;

	if ((rc = step_gate(r, id, &shown)) != 0 || shown)
		return rc;
	web_audit_who(r, &ev);
	memset(&err, 0, sizeof(err));
	rc = rights_request_extend(r->app->db, r->sess->practice_id, id,
	    req_form(r, "notice_on"), req_form(r, "reason"), rightsweb_today(r),
	    &ev, &err);
	return after(r, id, rc, &err);
}

int
page_rights_decide(struct req *r)
{
	const char *grounds[16];
	int64_t id = patients_web_id(r);
	struct audit_event ev;
	struct alc_err err;
	size_t n = 0, i;
	int rc, shown;

	if ((rc = step_gate(r, id, &shown)) != 0 || shown)
		return rc;
	for (i = 0; i < rights_grounds_count && n < 16; i++)
		if (req_form(r, arena_printf(r->arena, "ground_%s",
		    rights_grounds[i].code)) != NULL)
			grounds[n++] = rights_grounds[i].code;
	web_audit_who(r, &ev);
	memset(&err, 0, sizeof(err));
	rc = rights_request_decide(r->app->db, r->sess->practice_id, id,
	    req_form(r, "decision"), grounds, n, req_form(r, "note"),
	    rightsweb_today(r), &ev, &err);
	return after(r, id, rc, &err);
}

int
page_rights_review(struct req *r)
{
	int64_t id = patients_web_id(r), reviewer;
	const char *s = req_form(r, "reviewer_id");
	struct audit_event ev;
	struct alc_err err;
	int rc, shown;

	if ((rc = step_gate(r, id, &shown)) != 0 || shown)
		return rc;
	reviewer = s ? strtoll(s, NULL, 10) : 0;
	web_audit_who(r, &ev);
	memset(&err, 0, sizeof(err));
	rc = rights_request_assign_review(r->app->db, r->sess->practice_id, id,
	    reviewer, &ev, &err);
	return after(r, id, rc, &err);
}

int
page_rights_fulfil(struct req *r)
{
	int64_t id = patients_web_id(r);
	struct audit_event ev;
	struct alc_err err;
	int rc, shown;

	if ((rc = step_gate(r, id, &shown)) != 0 || shown)
		return rc;
	web_audit_who(r, &ev);
	ev.purpose_of_use = "patient_request";
	memset(&err, 0, sizeof(err));
	rc = rights_request_fulfil(r->app->db, r->app->keys,
	    r->sess->practice_id, id, req_form(r, "how"),
	    req_form(r, "fulfilled_on"), rightsweb_today(r), &ev, &err);
	return after(r, id, rc, &err);
}

/* ---- the denial letter ------------------------------------------------ */

static void
letter_grounds(struct req *r, const char *grounds, struct rights_letter_view *v)
{
	struct rights_ground_view *g;
	size_t i;

	g = arena_alloc(r->arena, rights_grounds_count * sizeof(*g));
	for (i = 0; g != NULL && i < rights_grounds_count; i++) {
		if (strstr(grounds, rights_grounds[i].code) == NULL)
			continue;
		g[v->n_grounds].code = rights_grounds[i].code;
		g[v->n_grounds].label = rights_grounds[i].label;
		g[v->n_grounds].cite = rights_grounds[i].cite;
		g[v->n_grounds++].reviewable = rights_grounds[i].flag;
		v->reviewable |= rights_grounds[i].flag;
	}
	v->grounds = g;
}

int
page_rights_letter(struct req *r)
{
	int64_t id = patients_web_id(r);
	struct rights_letter_view v;
	struct rights_settings st;
	struct rights_request q;
	struct patient_brief b;
	struct buf body;
	int rc, shown;

	if (id == 0)
		return ALC_ENOTFOUND;
	if ((rc = load(r, id, &q, &b, &shown)) != 0 || shown)
		return rc;
	if (q.decision == NULL || strcmp(q.decision, "granted") == 0)
		return show(r, id, 409, "Only a denial has a denial letter.");
	if ((rc = rights_settings_get(r->app->db, r->arena,
	    r->sess->practice_id, &st)) != 0 ||
	    (rc = rightsweb_audit(r, "PRINT", "rights_request", id,
	    q.patient_id, b.part2, "{\"document\":\"denial_letter\"}")) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.practice = r->sess->practice_name;
	v.date = q.decided_on;
	v.patient = b.display_name;
	v.received = q.received_on;
	v.back_href = arena_printf(r->arena, "/rights/%lld", (long long)id);
	v.contact = st.contact[0] ? st.contact : NULL;
	v.note = q.decision_note[0] ? q.decision_note : NULL;
	v.partial = strcmp(q.decision, "partial") == 0;
	letter_grounds(r, q.grounds, &v);
	buf_init(&body, r->arena);
	tmpl_rights_letter(&body, &v);
	return page_send(r, 200, "Denial letter", &body);
}
