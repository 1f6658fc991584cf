/*
 * pages/audit.c - the audit viewer and its CSV and JSON exports.
 *
 * One filter parser for the three routes, so the page, its links and the
 * exports always mean the same thing by the same URL.  The query and the
 * sentences live in core/audit_view; this file turns the query string
 * into a struct audit_filter, and rows into a page or a file.
 *
 * Times on the page are in the practice's time zone, labelled with it
 * (the exports keep UTC, as their column says); the date filters are UTC
 * days.  The retention shown is audit.retention_years: nothing is ever
 * deleted.
 *
 * Audit of the audit trail: the page writes a VIEW event (object_type
 * "audit_trail") through the group-commit writer once its rows are read
 * and before it is sent; an export writes AUDIT_EXPORT before the first
 * row is read.  If either event cannot be written, nothing is shown.
 *
 * Exports are read AUDIT_VIEW_BATCH rows at a time (audit_view_scan), so
 * rows are never all held at once; the file itself is built in the
 * response buffer (the server sends whole responses), which is why an
 * export stops at AUDIT_EXPORT_CAP events, as the page says.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_audit.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "core/audit_view/audit_view.h"
#include "base/caldate.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "base/config.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_ROWS 50
#define MAX_STAFF 500

/* The raw filter values, as the form and the links carry them. */
struct raw_filter {
	const char *user, *patient, *verb, *from, *to, *outcome, *sensitivity;
};

static const char *
q(struct req *r, const char *name)
{
	const char *v = req_query(r, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* A positive integer, or 0 when s is not one. */
static int64_t
positive_id(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

/* "YYYY-MM-DD" (UTC) to ms at its start, plus days; 0 when invalid. */
static int64_t
day_ms(const char *s, int64_t plus_days)
{
	struct caldate d;

	if (caldate_parse(s, &d) != 0)
		return 0;
	return (caldate_to_days(d) + plus_days) * 86400000LL;
}

/* Fills f and raw from the query string; a message when a value is not
 * understood (then f must not be used). */
static const char *
parse_filter(struct req *r, struct audit_filter *f, struct raw_filter *raw)
{
	memset(f, 0, sizeof(*f));
	raw->user = q(r, "user");
	raw->patient = q(r, "patient");
	raw->verb = q(r, "verb");
	raw->from = q(r, "from");
	raw->to = q(r, "to");
	raw->outcome = q(r, "outcome");
	raw->sensitivity = q(r, "sensitivity");
	f->practice_id = r->sess->practice_id;
	if (raw->user && (f->user_id = positive_id(raw->user)) == 0)
		return "Choose a staff member from the list.";
	if (raw->patient && (f->patient_id = positive_id(raw->patient)) == 0)
		return "A patient number is a whole number, such as 1024.";
	if (raw->verb && !audit_view_verb_known(raw->verb))
		return "Choose what happened from the list.";
	f->verb = raw->verb;
	if (raw->from && (f->from_ms = day_ms(raw->from, 0)) == 0)
		return "Enter the start date as YYYY-MM-DD.";
	if (raw->to && (f->to_ms = day_ms(raw->to, 1)) == 0)
		return "Enter the end date as YYYY-MM-DD.";
	if (f->from_ms && f->to_ms && f->to_ms <= f->from_ms)
		return "The end date is before the start date.";
	if (raw->outcome && strcmp(raw->outcome, "success") == 0)
		f->outcome = AUDIT_VIEW_SUCCESS;
	else if (raw->outcome && strcmp(raw->outcome, "failure") == 0)
		f->outcome = AUDIT_VIEW_FAILURE;
	else if (raw->outcome)
		return "Choose an outcome from the list.";
	if (raw->sensitivity && strcmp(raw->sensitivity, "normal") != 0 &&
	    strcmp(raw->sensitivity, "psychotherapy_note") != 0 &&
	    strcmp(raw->sensitivity, "part2") != 0)
		return "Choose a sensitivity from the list.";
	f->sensitivity = raw->sensitivity;
	f->before_seq = positive_id(q(r, "before"));
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The page.                                                           */

struct page_rows {
	struct req *r;
	const char *tz; /* the practice's zone: times are shown in it */
	struct audit_row_view *rows;
	size_t n;
	int64_t last_seq, more;
};

static int
collect_row(void *arg, const struct audit_row *row)
{
	struct page_rows *p = arg;
	struct audit_row_view *v;
	char when[128];

	if (p->n == PAGE_ROWS) {
		p->more = 1; /* the 51st row: there is an older page */
		return 1;
	}
	v = &p->rows[p->n++];
	v->when = arena_strdup(p->r->arena, audit_review_local_time(when,
	    sizeof(when), p->tz, row->recorded_at));
	if ((v->what = audit_view_describe(p->r->arena, row)) == NULL)
		return ALC_ENOMEM;
	v->addr = arena_strdup(p->r->arena, row->source_addr ?
	    row->source_addr : "");
	v->failed = row->outcome != 0;
	v->outcome = v->failed ? "Failed" : "Success";
	v->request_id = row->request_id ? arena_strdup(p->r->arena,
	    row->request_id) : NULL;
	v->sensitivity = audit_view_sensitivity_label(row->sensitivity);
	p->last_seq = row->seq;
	return 0;
}

/* Options of a picker from value/label pairs, one selected. */
static struct audit_option_view *
options(struct req *r, const char *const *pairs, size_t n, const char *sel)
{
	struct audit_option_view *o;
	size_t i;

	if ((o = arena_alloc(r->arena, (n + 1) * sizeof(*o))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		o[i].value = pairs[2 * i];
		o[i].label = pairs[2 * i + 1];
		o[i].selected = sel != NULL && strcmp(sel, o[i].value) == 0;
	}
	return o;
}

static int
fill_pickers(struct req *r, struct audit_view *v, const struct raw_filter *raw)
{
	static const char *const outcomes[] = {"", "Any", "success",
	    "Success", "failure", "Failed"};
	static const char *const sens[] = {"", "Any", "normal", "Normal",
	    "psychotherapy_note", "Psychotherapy notes", "part2",
	    "Substance use records (Part 2)"};
	const char **pairs;
	struct user_row *staff;
	size_t n, i, most;
	int rc;

	if ((staff = arena_alloc(r->arena, MAX_STAFF * sizeof(*staff))) == NULL)
		return ALC_ENOMEM;
	if ((rc = users_review(r->app->db, r->sess->practice_id, staff,
	    MAX_STAFF, &n)) != 0)
		return rc;
	most = n > audit_verb_labels_count ? n : audit_verb_labels_count;
	if ((pairs = arena_alloc(r->arena, 2 * (most + 1) *
	    sizeof(*pairs))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		pairs[2 * i] = arena_printf(r->arena, "%lld", (long long)staff[i].id);
		pairs[2 * i + 1] = arena_printf(r->arena, "%s (%s)", staff[i].name,
		    staff[i].email);
	}
	v->users = options(r, pairs, n, raw->user);
	v->n_users = n;
	for (i = 0; i < audit_verb_labels_count; i++) {
		pairs[2 * i] = audit_verb_labels[i].verb;
		pairs[2 * i + 1] = audit_verb_labels[i].label;
	}
	v->verbs = options(r, pairs, audit_verb_labels_count, raw->verb);
	v->n_verbs = audit_verb_labels_count;
	v->outcomes = options(r, outcomes, 3, raw->outcome ? raw->outcome : "");
	v->n_outcomes = 3;
	v->sensitivities = options(r, sens, 4, raw->sensitivity ?
	    raw->sensitivity : "");
	v->n_sensitivities = 4;
	return v->users && v->verbs && v->outcomes && v->sensitivities ? 0 :
	    ALC_ENOMEM;
}

/* The VIEW event of this page, before it is sent. */
static int
audit_viewing(struct req *r, const struct audit_filter *f, size_t rows)
{
	struct audit_event ev;

	web_audit_who(r, &ev);
	ev.verb = "VIEW";
	ev.object_type = "audit_trail";
	ev.detail = arena_printf(r->arena, "{\"rows\":%zu,\"before\":%lld}",
	    rows, (long long)f->before_seq);
	return audit_record_read(r->app->audit, &ev);
}

int
page_audit(struct req *r)
{
	struct page_rows p = {.r = r};
	struct raw_filter raw;
	struct audit_filter f;
	struct audit_view v;
	struct buf body;
	char tz[80];
	int rc;

	memset(&v, 0, sizeof(v));
	if (audit_review_zone(r->app->db, r->sess->practice_id, tz,
	    sizeof(tz)) != 0)
		strcpy(tz, "UTC");
	p.tz = v.zone = tz;
	v.retention_years = r->app->cfg->audit.retention_years;
	v.error = parse_filter(r, &f, &raw);
	if ((rc = fill_pickers(r, &v, &raw)) != 0)
		return rc;
	if (v.error == NULL) {
		if ((p.rows = arena_alloc(r->arena, PAGE_ROWS *
		    sizeof(*p.rows))) == NULL)
			return ALC_ENOMEM;
		if ((rc = audit_view_scan(r->app->db, &f, PAGE_ROWS + 1,
		    collect_row, &p)) != 0)
			return rc;
		if ((rc = audit_viewing(r, &f, p.n)) != 0)
			return rc;
	}
	v.user = raw.user; v.patient = raw.patient; v.verb = raw.verb;
	v.from = raw.from; v.to = raw.to; v.outcome = raw.outcome;
	v.sensitivity = raw.sensitivity;
	v.rows = p.rows;
	v.n_rows = p.n;
	v.older = p.more ? arena_printf(r->arena, "%lld",
	    (long long)p.last_seq) : NULL;
	v.paged = f.before_seq > 0;
	v.export_cap = AUDIT_EXPORT_CAP;
	buf_init(&body, r->arena);
	tmpl_audit_index(&body, &v);
	return page_send(r, v.error ? 400 : 200, "Audit trail", &body);
}

/* ------------------------------------------------------------------ */
/* Exports.                                                            */

static int
export(struct req *r, const char *format)
{
	struct audit_event ev;
	struct raw_filter raw;
	struct audit_filter f;
	const char *err;
	int rc;

	if ((err = parse_filter(r, &f, &raw)) != NULL)
		return resp_text(r, 400, "text/plain; charset=utf-8", err);
	/* The export leaves the system: recorded before any row is read. */
	web_audit_who(r, &ev);
	ev.verb = "AUDIT_EXPORT";
	ev.object_type = "audit_trail";
	ev.detail = arena_printf(r->arena, "{\"format\":\"%s\",\"max\":%d}",
	    format, AUDIT_EXPORT_CAP);
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	buf_reset(&r->out);
	if ((rc = audit_view_export(r->app->db, &f, strcmp(format, "csv") == 0 ?
	    AUDIT_EXPORT_CSV : AUDIT_EXPORT_JSON, &r->out)) != 0)
		return rc;
	return buf_failed(&r->out) ? ALC_ENOMEM : 0;
}

int
page_audit_csv(struct req *r)
{
	int rc;

	if ((rc = export(r, "csv")) != 0 || r->status == 400)
		return rc;
	r->content_type = "text/csv; charset=utf-8";
	return resp_header(r, "Content-Disposition",
	    "attachment; filename=\"audit-trail.csv\"");
}

int
page_audit_json(struct req *r)
{
	int rc;

	if ((rc = export(r, "json")) != 0 || r->status == 400)
		return rc;
	r->content_type = "application/json";
	return resp_header(r, "Content-Disposition",
	    "attachment; filename=\"audit-trail.json\"");
}
