/*
 * pages/compliance_dashboard.c - GET /compliance/dashboard: the HIPAA
 * program at a glance, in plain language (core/compliance/dashboard.h),
 * with its score, the rule behind the score and the last 30 days of it.
 *
 * Every staff member may look (ACT_COMPLIANCE_VIEW): the program's state
 * holds no PHI.  What each person sees differs only in the links: a row
 * links to its page only when the viewer's role may open that page, and
 * an incident's title (free text, which could hold anything) shows only
 * to those who may open incidents; others see when it was reported.
 * Patient-rights requests carry no patient at all here.
 *
 * Viewing records today's score (dashboard_record); a failure to record
 * is logged and the page is still shown, since the history is a
 * convenience and the live state is what matters.
 */
#include "web/pages/pages.h"
#include "web/pages/compliance_impl.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/session.h"
#include "web/views_dashboard.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/compliance/compliance.h"
#include "core/compliance/dashboard.h"
#include "core/users/users.h"
#include "templates.h"

#include <string.h>

#define HOUR_MS 3600000LL

enum { S_OVERDUE, S_UPCOMING, S_INCIDENTS, S_VENDORS, S_POLICIES,
    S_TRAINING, S_RIGHTS, NSECT };

static const struct {
	const char *id, *heading, *empty;
} sect_text[NSECT] = {
	{"overdue", "Overdue tasks", "No compliance task is overdue."},
	{"upcoming", "Tasks due in the next 30 days", "Nothing is due in the "
	    "next 30 days."},
	{"incidents", "Open incidents and their next legal deadline", "There "
	    "are no open incidents."},
	{"vendors", "Business associate agreements", "Every vendor that "
	    "receives PHI has a signed agreement, and none expires within 60 "
	    "days."},
	{"policies", "Policy attestations outstanding", "Everyone has "
	    "attested to the current version of every published policy."},
	{"training", "Training overdue", "Nobody's training is overdue."},
	{"rights", "Open patient-rights requests", "There are no open "
	    "patient-rights requests."},
};

static const char *
days_words(struct req *r, int64_t days, const char *past)
{
	if (days == 0)
		return "today";
	if (days > 0)
		return arena_printf(r->arena, "%lld day%s left", (long long)days,
		    days == 1 ? "" : "s");
	return arena_printf(r->arena, "%lld day%s %s", (long long)-days,
	    days == -1 ? "" : "s", past);
}

static const char *
may(struct req *r, enum action act, const char *href)
{
	return authz_check(r, act) == 0 ? href : NULL;
}

static void
task_items(struct req *r, const struct dash_task *t, size_t n,
    struct dash_section_view *s)
{
	struct dash_item_view *it = arena_alloc(r->arena, (n + 1) * sizeof(*it));
	size_t i;

	for (i = 0; it != NULL && i < n; i++) {
		it[i].text = t[i].title;
		it[i].href = arena_printf(r->arena, "/compliance/tasks/%lld",
		    (long long)t[i].id);
		it[i].detail = t[i].owner_name;
		it[i].when = t[i].due;
		it[i].note = t[i].days < 0 ? days_words(r, t[i].days, "overdue") :
		    t[i].days == 0 ? "due today" : arena_printf(r->arena,
		    "due in %lld day%s", (long long)t[i].days,
		    t[i].days == 1 ? "" : "s");
		it[i].warn = t[i].days < 0;
	}
	s->items = it;
	s->n_items = it != NULL ? n : 0;
}

static void
incident_items(struct req *r, const struct dashboard *d,
    struct dash_section_view *s)
{
	struct dash_item_view *it;
	int manage = authz_check(r, ACT_INCIDENT_MANAGE) == 0;
	size_t i;

	if ((it = arena_alloc(r->arena, (d->n_incidents + 1) * sizeof(*it))) ==
	    NULL)
		return;
	for (i = 0; i < d->n_incidents; i++) {
		const struct dash_incident *x = &d->incidents[i];

		it[i].text = manage ? x->title : arena_printf(r->arena,
		    "Incident discovered on %s", x->discovered_on);
		it[i].href = manage ? arena_printf(r->arena, "/incidents/%lld",
		    (long long)x->id) : NULL;
		it[i].detail = x->status_label;
		it[i].when = x->next_due;
		it[i].note = x->next_due == NULL ? "No notification clock runs "
		    "(determined not to be a breach)" : arena_printf(r->arena,
		    "%s: %s", x->next_what, days_words(r, x->days_left,
		    "past the deadline"));
		it[i].warn = x->past_deadline;
	}
	s->items = it;
	s->n_items = d->n_incidents;
	s->more_href = may(r, ACT_INCIDENT_MANAGE, "/incidents");
	s->more_text = "All incidents";
}

static void
vendor_items(struct req *r, const struct dashboard *d,
    struct dash_section_view *s)
{
	struct dash_item_view *it;
	int view = authz_check(r, ACT_VENDOR_VIEW) == 0;
	size_t i;

	if ((it = arena_alloc(r->arena, (d->n_vendors + 1) * sizeof(*it))) ==
	    NULL)
		return;
	for (i = 0; i < d->n_vendors; i++) {
		const struct dash_vendor *x = &d->vendors[i];

		it[i].text = x->name;
		it[i].href = view ? arena_printf(r->arena, "/vendors/%lld",
		    (long long)x->id) : NULL;
		it[i].when = x->expires_on;
		it[i].note = x->missing ? "Receives PHI without a signed, current "
		    "business associate agreement" : arena_printf(r->arena,
		    "The agreement expires in %lld day%s", (long long)x->days_left,
		    x->days_left == 1 ? "" : "s");
		it[i].warn = x->missing;
	}
	s->items = it;
	s->n_items = d->n_vendors;
	s->more_href = may(r, ACT_VENDOR_VIEW, "/vendors");
	s->more_text = "All vendors";
}

static void
people_items(struct req *r, const struct dashboard *d,
    struct dash_section_view *p, struct dash_section_view *t)
{
	struct dash_item_view *it;
	int report = authz_check(r, ACT_POLICY_MANAGE) == 0;
	size_t i;

	if ((it = arena_alloc(r->arena, (d->n_policies + 1) * sizeof(*it))) !=
	    NULL) {
		for (i = 0; i < d->n_policies; i++) {
			const struct dash_policy *x = &d->policies[i];

			it[i].text = x->title;
			it[i].href = authz_check(r, ACT_POLICY_VIEW) != 0 ? NULL :
			    arena_printf(r->arena, report ? "/policies/%lld/report" :
			    "/policies/%lld", (long long)x->id);
			it[i].note = arena_printf(r->arena, "%lld of %lld staff "
			    "still to attest to version %d", (long long)(x->staff -
			    x->attested), (long long)x->staff, x->version);
			it[i].warn = 1;
		}
		p->items = it;
		p->n_items = d->n_policies;
	}
	if ((it = arena_alloc(r->arena, (d->n_training + 1) * sizeof(*it))) ==
	    NULL)
		return;
	for (i = 0; i < d->n_training; i++) {
		it[i].text = d->training[i].name;
		it[i].when = d->training[i].due_on;
		it[i].note = "New-hire training was due; no training is recorded";
		it[i].warn = 1;
	}
	t->items = it;
	t->n_items = d->n_training;
	t->more_href = may(r, ACT_POLICY_VIEW, "/training");
	t->more_text = "Training records";
}

static void
rights_items(struct req *r, const struct dashboard *d,
    struct dash_section_view *s)
{
	struct dash_item_view *it;
	size_t i;

	if ((it = arena_alloc(r->arena, (d->n_requests + 1) * sizeof(*it))) ==
	    NULL)
		return;
	for (i = 0; i < d->n_requests; i++) {
		const struct dash_request *x = &d->requests[i];

		it[i].text = arena_printf(r->arena, "%s request", x->kind_label);
		it[i].detail = arena_printf(r->arena, "received %s",
		    x->received_on);
		it[i].when = x->due;
		it[i].note = x->has_clock ? days_words(r, x->days_left, "overdue") :
		    "No federal deadline: decide promptly";
		it[i].warn = x->overdue;
	}
	s->items = it;
	s->n_items = d->n_requests;
	s->more_href = may(r, ACT_RIGHTS_LOG, "/rights");
	s->more_text = "All open requests";
}

static struct dash_section_view *
sections(struct req *r, const struct dashboard *d)
{
	struct dash_section_view *s = arena_alloc(r->arena, NSECT * sizeof(*s));
	size_t k;

	if (s == NULL)
		return NULL;
	memset(s, 0, NSECT * sizeof(*s));
	for (k = 0; k < NSECT; k++) {
		s[k].id = sect_text[k].id;
		s[k].heading = sect_text[k].heading;
		s[k].empty = sect_text[k].empty;
	}
	task_items(r, d->overdue, d->n_overdue, &s[S_OVERDUE]);
	task_items(r, d->upcoming, d->n_upcoming, &s[S_UPCOMING]);
	s[S_UPCOMING].more_href = "/compliance";
	s[S_UPCOMING].more_text = "All compliance tasks";
	incident_items(r, d, &s[S_INCIDENTS]);
	vendor_items(r, d, &s[S_VENDORS]);
	people_items(r, d, &s[S_POLICIES], &s[S_TRAINING]);
	rights_items(r, d, &s[S_RIGHTS]);
	return s;
}

static const char *
ago(struct req *r, int64_t ms)
{
	int64_t h = (time_now_ms() - ms) / HOUR_MS;

	if (h < 1)
		return "less than an hour ago";
	if (h < 48)
		return arena_printf(r->arena, "%lld hour%s ago", (long long)h,
		    h == 1 ? "" : "s");
	return arena_printf(r->arena, "%lld days ago", (long long)(h / 24));
}

static struct dash_check_view *
checks(struct req *r, const struct dashboard *d)
{
	struct dash_check_view *c = arena_alloc(r->arena, 2 * sizeof(*c));

	if (c == NULL)
		return NULL;
	c[0].label = "Last good backup";
	c[0].warn = d->facts.backup_stale;
	c[0].text = d->backup_ok_at == 0 ? "No good backup has been recorded. "
	    "Set up scheduled backups (backup.dir) or run alcove backup." :
	    arena_printf(r->arena, "%s (%s)%s", cmpweb_when(r, d->backup_ok_at),
	    ago(r, d->backup_ok_at), d->facts.backup_stale ? ". Older than 48 "
	    "hours: check that backups still run." : "");
	c[1].label = "Last audit-log review signed off";
	c[1].warn = d->facts.review_missing;
	c[1].href = may(r, ACT_AUDIT_REVIEW, "/audit/review");
	c[1].text = d->review_signed_at == 0 ? "No audit-log review has been "
	    "signed off yet. Review the audit trail every month." :
	    arena_printf(r->arena, "%s, covering the days up to %s%s",
	    cmpweb_when(r, d->review_signed_at), d->review_to,
	    d->facts.review_missing ? ". More than 35 days ago: a review is "
	    "due." : "");
	return c;
}

static void
score_views(struct req *r, const struct dashboard *d, struct dash_view *v)
{
	struct dash_text_view *lost, *rules;
	size_t i;

	v->score = d->score;
	v->score_words = d->score >= 90 ? "In good shape" : d->score >= 70 ?
	    "Needs attention" : "At risk: act on the items below";
	lost = arena_alloc(r->arena, (d->n_deductions + 1) * sizeof(*lost));
	rules = arena_alloc(r->arena, DF_COUNT * sizeof(*rules));
	if (lost == NULL || rules == NULL)
		return;
	for (i = 0; i < d->n_deductions; i++)
		lost[i].text = arena_printf(r->arena, "Minus %d: %s (now %lld)",
		    d->deductions[i].points, d->deductions[i].text,
		    (long long)d->deductions[i].count);
	for (i = 0; i < DF_COUNT; i++)
		rules[i].text = dash_rules[i].text;
	v->lost = lost;
	v->n_lost = d->n_deductions;
	v->rules = rules;
	v->n_rules = DF_COUNT;
}

/* The last DASH_HISTORY_DAYS days as a table and a polyline: x is the
 * day (a missing day leaves a gap in x, not a false slope to zero), y the
 * score (0 at the bottom of a 60-unit-high box). */
static int
history_views(struct req *r, struct caldate today, struct dash_view *v)
{
	struct dash_point *p;
	struct dash_point_view *h;
	struct caldate day;
	struct buf pts;
	size_t n, i;
	int64_t x;
	int rc;

	if ((rc = dashboard_history(r->app->db, r->arena, r->sess->practice_id,
	    today, DASH_HISTORY_DAYS, &p, &n)) != 0)
		return rc;
	if ((h = arena_alloc(r->arena, (n + 1) * sizeof(*h))) == NULL)
		return ALC_ENOMEM;
	buf_init(&pts, r->arena);
	for (i = 0; i < n; i++) {
		h[i].day = p[i].day;
		h[i].score = p[i].score;
		x = caldate_parse(p[i].day, &day) == 0 ? DASH_HISTORY_DAYS - 1 -
		    caldate_diff(day, today) : 0;
		buf_printf(&pts, "%s%lld,%d", i ? " " : "", (long long)(x * 10),
		    60 - p[i].score * 6 / 10);
	}
	if (buf_failed(&pts))
		return ALC_ENOMEM;
	v->history = h;
	v->n_history = n;
	v->spark_points = n > 0 ? buf_cstr(&pts) : NULL;
	v->spark_label = n > 0 ? arena_printf(r->arena, "Score over the last "
	    "%d days: from %d on %s to %d on %s", DASH_HISTORY_DAYS, p[0].score,
	    p[0].day, p[n - 1].score, p[n - 1].day) : NULL;
	return 0;
}

int
page_compliance_dashboard(struct req *r)
{
	struct dashboard d;
	struct compliance_actor who;
	struct audit_event ev;
	struct dash_view v;
	struct caldate today = cmpweb_today(r);
	char buf[CALDATE_TEXT_SIZE];
	struct buf body;
	int rc;

	if ((rc = dashboard_gather(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, today, time_now_ms(), &d)) != 0)
		return rc;
	cmpweb_actor(r, &who, &ev);
	if ((rc = dashboard_record(r->app->db, r->sess->practice_id, &who,
	    today, &d, NULL)) != 0)
		log_warn("compliance score not recorded", "rid=%s err=%d",
		    r->rid, rc);
	memset(&v, 0, sizeof(v));
	v.today = arena_strdup(r->arena, caldate_format(today, buf));
	score_views(r, &d, &v);
	if ((v.checks = checks(r, &d)) != NULL)
		v.n_checks = 2;
	if ((v.sections = sections(r, &d)) == NULL)
		return ALC_ENOMEM;
	v.n_sections = NSECT;
	if ((rc = history_views(r, today, &v)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_compliance_dashboard(&body, &v);
	return page_send(r, 200, "Compliance dashboard", &body);
}
