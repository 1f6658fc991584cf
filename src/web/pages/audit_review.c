/*
 * pages/audit_review.c - the periodic audit-log review page (issue #5):
 * GET /audit/review?from=&to= shows the period's counts and flagged
 * events, POST /audit/review/mark marks one flagged event reviewed with a
 * note, POST /audit/review signs the review of the period off.
 *
 * The period is whole days in the practice's time zone; without one the
 * page shows last calendar month, the period of the seeded monthly
 * review task.  Every request runs the review again (core/audit_view/
 * review.c): a mark is accepted only for an event the rules flag in the
 * period, so a form cannot mark an arbitrary event.
 *
 * The page shows audit events, so it writes a VIEW event (object_type
 * "audit_trail") through the group-commit writer before it is sent, like
 * the viewer.  Marks and sign-offs write AUDIT_REVIEW events in their own
 * transactions (core).
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_audit.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/caldate.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/audit_view/audit_view.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define PAST_REVIEWS 24

struct period {
	char tz[80];
	struct caldate from, to;
	const char *from_text, *to_text;
};

/* The period from from/to (query or form); last month when both are
 * missing.  A message when they cannot be understood. */
static const char *
parse_period(struct req *r, const char *from, const char *to,
    struct period *p)
{
	struct caldate today;

	if (audit_review_zone(r->app->db, r->sess->practice_id, p->tz,
	    sizeof(p->tz)) != 0 || caldate_today(p->tz, time_now_ms(),
	    &today) != 0) {
		strcpy(p->tz, "UTC");
		today = caldate_from_days(time_now_ms() / 86400000);
	}
	if ((from == NULL || *from == '\0') && (to == NULL || *to == '\0')) {
		today.d = 1;
		p->to = caldate_add_days(today, -1);
		p->from = p->to;
		p->from.d = 1;
	} else if (from == NULL || caldate_parse(from, &p->from) != 0)
		return "Enter the first day as YYYY-MM-DD.";
	else if (to == NULL || caldate_parse(to, &p->to) != 0)
		return "Enter the last day as YYYY-MM-DD.";
	else if (caldate_cmp(p->to, p->from) < 0)
		return "The last day is before the first day.";
	else if (caldate_diff(p->to, p->from) > 366)
		return "Review at most a year at a time.";
	p->from_text = caldate_format(p->from, arena_alloc(r->arena,
	    CALDATE_TEXT_SIZE));
	p->to_text = caldate_format(p->to, arena_alloc(r->arena,
	    CALDATE_TEXT_SIZE));
	return NULL;
}

static const char *
verb_label(const char *verb)
{
	size_t i;

	for (i = 0; i < audit_verb_labels_count; i++)
		if (strcmp(audit_verb_labels[i].verb, verb) == 0)
			return audit_verb_labels[i].label;
	return verb;
}

static const char *
when(struct req *r, const char *tz, int64_t ms)
{
	char t[128];

	return arena_strdup(r->arena, audit_review_local_time(t, sizeof(t),
	    tz, ms));
}

static int
fill_review(struct req *r, const struct period *p,
    const struct audit_review *rv, struct audit_review_view *v)
{
	struct audit_count_view *c;
	struct audit_flag_view *f;
	size_t i;

	v->events = rv->events;
	v->truncated = rv->truncated;
	v->max_flags = AUDIT_REVIEW_MAX_FLAGS;
	v->n_unmarked = rv->n_flagged - rv->n_marked;
	if ((c = arena_alloc(r->arena, (rv->n_counts + 1) * sizeof(*c))) ==
	    NULL || (f = arena_alloc(r->arena, (rv->n_flagged + 1) *
	    sizeof(*f))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < rv->n_counts; i++) {
		c[i].verb = rv->counts[i].verb;
		c[i].label = verb_label(rv->counts[i].verb);
		c[i].n = rv->counts[i].n;
	}
	for (i = 0; i < rv->n_flagged; i++) {
		const struct audit_flagged *g = &rv->flagged[i];
		memset(&f[i], 0, sizeof(f[i]));
		f[i].seq = g->seq;
		f[i].when = when(r, p->tz, g->recorded_at);
		f[i].label = g->label;
		f[i].what = g->what;
		f[i].note = g->note;
		f[i].marked_by = g->marked_by;
		f[i].marked_when = g->note ? when(r, p->tz, g->marked_at) : NULL;
	}
	v->counts = c;
	v->n_counts = rv->n_counts;
	v->flags = f;
	v->n_flags = rv->n_flagged;
	return 0;
}

static int
fill_past(struct req *r, const char *tz, struct audit_review_view *v)
{
	struct audit_review_row *rows;
	struct audit_past_view *p;
	size_t n, i;
	int rc;

	if ((rows = arena_alloc(r->arena, PAST_REVIEWS * sizeof(*rows))) ==
	    NULL || (p = arena_alloc(r->arena, PAST_REVIEWS * sizeof(*p))) ==
	    NULL)
		return ALC_ENOMEM;
	if ((rc = audit_review_list(r->app->db, r->arena,
	    r->sess->practice_id, rows, PAST_REVIEWS, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		p[i].from = rows[i].from;
		p[i].to = rows[i].to;
		p[i].reviewer = rows[i].reviewer;
		p[i].signed_when = when(r, tz, rows[i].signed_at);
		p[i].note = rows[i].note;
		p[i].events = rows[i].events;
		p[i].flagged = rows[i].flagged;
	}
	v->past = p;
	v->n_past = n;
	return 0;
}

/* Renders the page for the period; v carries messages and kept input.
 * The VIEW event is written before anything is sent. */
static int
render(struct req *r, int status, const char *from, const char *to,
    struct audit_review_view *v)
{
	struct audit_review rv;
	struct audit_event ev;
	struct period p;
	struct buf body;
	int rc;

	memset(&p, 0, sizeof(p));
	v->csrf = r->sess->csrf;
	v->error = parse_period(r, from, to, &p);
	v->zone = arena_strdup(r->arena, p.tz);
	v->from = v->error ? from : p.from_text;
	v->to = v->error ? to : p.to_text;
	if (v->error == NULL) {
		if ((rc = audit_review_run(r->app->db, r->arena,
		    r->sess->practice_id, p.tz, p.from, p.to, &rv)) != 0 ||
		    (rc = fill_review(r, &p, &rv, v)) != 0)
			return rc;
	}
	if ((rc = fill_past(r, p.tz, v)) != 0)
		return rc;
	web_audit_who(r, &ev);
	ev.verb = "VIEW";
	ev.object_type = "audit_trail";
	ev.detail = arena_printf(r->arena, "{\"review\":true,\"flagged\":%zu}",
	    v->n_flags);
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_audit_review(&body, v);
	return page_send(r, v->error && status == 200 ? 400 : status,
	    "Audit-log review", &body);
}

int
page_audit_review(struct req *r)
{
	struct audit_review_view v;
	const char *done = req_query(r, "done");

	memset(&v, 0, sizeof(v));
	if (done != NULL && strcmp(done, "marked") == 0)
		v.notice = "Event marked reviewed.";
	else if (done != NULL && strcmp(done, "signed") == 0)
		v.notice = "Review signed off. It is kept as evidence of the "
		    "practice's activity review.";
	return render(r, 200, req_query(r, "from"), req_query(r, "to"), &v);
}

static int
back(struct req *r, const struct period *p, const char *done)
{
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/audit/review?from=%s&to=%s&done=%s", p->from_text, p->to_text,
	    done));
}

int
page_audit_review_mark(struct req *r)
{
	const char *from = req_form(r, "from"), *to = req_form(r, "to");
	const char *note = req_form(r, "note"), *seq_s = req_form(r, "seq");
	struct audit_review_view v;
	struct audit_review rv;
	struct audit_event ev;
	struct period p;
	int64_t seq;
	char *end;
	int rc;

	memset(&v, 0, sizeof(v));
	seq = seq_s ? strtoll(seq_s, &end, 10) : 0;
	if (parse_period(r, from, to, &p) != NULL || seq <= 0 || *end != '\0')
		return render(r, 400, from, to, &v);
	if ((rc = audit_review_run(r->app->db, r->arena, r->sess->practice_id,
	    p.tz, p.from, p.to, &rv)) != 0)
		return rc;
	web_audit_who(r, &ev);
	rc = audit_review_mark(r->app->db, r->arena, &rv, seq, note, &ev);
	if (rc == 0)
		return back(r, &p, "marked");
	v.mark_seq = seq;
	if (rc == ALC_ENOTFOUND)
		v.mark_error = "This event is not flagged in this period.";
	else if (rc == ALC_EINVAL)
		v.mark_error = "Write a few words on what this event was.";
	else if (rc == ALC_ECONFLICT)
		v.mark_error = "Someone has already marked this event.";
	else
		return rc;
	return render(r, rc == ALC_ENOTFOUND ? 404 : rc == ALC_EINVAL ? 422 :
	    409, from, to, &v);
}

int
page_audit_review_sign(struct req *r)
{
	const char *from = req_form(r, "from"), *to = req_form(r, "to");
	const char *note = req_form(r, "note");
	struct audit_review_view v;
	struct audit_review rv;
	struct audit_event ev;
	struct period p;
	int rc;

	memset(&v, 0, sizeof(v));
	if (parse_period(r, from, to, &p) != NULL)
		return render(r, 400, from, to, &v);
	if ((rc = audit_review_run(r->app->db, r->arena, r->sess->practice_id,
	    p.tz, p.from, p.to, &rv)) != 0)
		return rc;
	web_audit_who(r, &ev);
	rc = audit_review_sign(r->app->db, r->arena, &rv, p.from, p.to, note,
	    &ev, NULL);
	if (rc == 0)
		return back(r, &p, "signed");
	v.sign_note = note;
	if (rc == ALC_EINVAL)
		v.sign_error = "Write a short summary of the review.";
	else if (rc == ALC_ECONFLICT)
		v.sign_error = "Mark every flagged event reviewed first.";
	else
		return rc;
	return render(r, rc == ALC_EINVAL ? 422 : 409, from, to, &v);
}
