/*
 * pages/compliance_form.c - adding and editing compliance tasks, and the
 * calendar feed of due dates (its page and the .ics itself).
 *
 * The task form is declared once (struct form_vals and read_form): every
 * field is read, checked with a message next to it, and given back to the
 * page as typed when something is wrong.  The core checks again and its
 * refusal (err->user) appears at the top.
 *
 * The calendar feed (GET /compliance/calendar.ics?token=) is public in the
 * route table: calendar apps have no session.  The token is the
 * credential; an unknown, revoked or deactivated one answers 404, the
 * same for all.  Logs never contain it (paths are logged without query
 * strings).  A person who manages the program gets every task; others
 * get the tasks they own or back up.
 */
#include "web/pages/pages.h"
#include "web/pages/compliance_impl.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_compliance.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/compliance/compliance.h"
#include "core/users/users.h"
#include "crypto/random.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *value, *label;
	enum compliance_recur kind;
	int every;
} recurs[] = {
	{"yearly", "Every year", COMPLIANCE_MONTHS, 12},
	{"semiannual", "Every 6 months", COMPLIANCE_MONTHS, 6},
	{"quarterly", "Every quarter", COMPLIANCE_MONTHS, 3},
	{"monthly", "Every month", COMPLIANCE_MONTHS, 1},
	{"days", "Every so many days (say how many below)", COMPLIANCE_DAYS, 0},
	{"once", "Once, not repeating", COMPLIANCE_ONCE, 1},
};
#define NRECURS (sizeof(recurs) / sizeof(recurs[0]))

/* The form's fields as typed, and what is wrong with them. */
struct form_vals {
	const char *title, *description, *rule_citation, *rule_text;
	const char *next_due, *recurrence, *every_days, *checklist;
	int64_t owner, backup;
	int signoff;
	const char *title_error, *due_error, *owner_error, *backup_error;
	const char *recurrence_error, *every_error;
};

static void
field(struct field_view *f, const char *name, const char *label,
    const char *type, const char *value, const char *error)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->label = label;
	f->type = type;
	f->value = value;
	f->error = error;
}

static int
recur_options(struct req *r, const char *sel, struct cmp_form_view *v)
{
	struct cmp_option_view *o;
	size_t i;

	if ((o = arena_alloc(r->arena, NRECURS * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < NRECURS; i++) {
		o[i].value = recurs[i].value;
		o[i].label = recurs[i].label;
		o[i].selected = sel != NULL && strcmp(sel, recurs[i].value) == 0;
	}
	v->recurrences = o;
	v->n_recurrences = NRECURS;
	return 0;
}

/* id 0: the "add" form; else the edit form of task id. */
static int
render_form(struct req *r, int status, int64_t id,
    const struct form_vals *fv, const char *error)
{
	struct cmp_form_view v;
	struct cmp_option_view *owners, *backups;
	struct buf body;
	int rc;

	memset(&v, 0, sizeof(v));
	v.action = id ? arena_printf(r->arena, "/compliance/tasks/%lld/edit",
	    (long long)id) : "/compliance/tasks";
	v.cancel = id ? arena_printf(r->arena, "/compliance/tasks/%lld",
	    (long long)id) : "/compliance";
	v.heading = id ? "Edit the task" : "Add a compliance task";
	v.submit = id ? "Save changes" : "Add the task";
	v.csrf = r->sess->csrf;
	v.error = error;
	field(&v.title, "title", "Title", "text", fv->title, fv->title_error);
	v.title.required = 1;
	field(&v.next_due, "next_due", "Next due date", "date", fv->next_due,
	    fv->due_error);
	v.next_due.required = 1;
	v.next_due.hint = "A calendar date such as 2026-03-31.";
	field(&v.every_days, "every_days", "Number of days", "number",
	    fv->every_days, fv->every_error);
	v.every_days.hint = "Only when it repeats every so many days.";
	field(&v.rule_citation, "rule_citation", "Rule (citation)", "text",
	    fv->rule_citation, NULL);
	v.rule_citation.hint = "For example: 45 CFR 164.308(a)(1)(ii)(A)";
	v.description = fv->description;
	v.rule_text = fv->rule_text;
	v.checklist = fv->checklist;
	v.requires_signoff = fv->signoff;
	v.owner_error = fv->owner_error;
	v.backup_error = fv->backup_error;
	v.recurrence_error = fv->recurrence_error;
	if ((rc = cmpweb_staff_options(r, fv->owner, &owners, &v.n_owners)) != 0 ||
	    (rc = cmpweb_staff_options(r, fv->backup, &backups,
	    &v.n_backups)) != 0 ||
	    (rc = recur_options(r, fv->recurrence, &v)) != 0)
		return rc;
	v.owners = owners;
	v.backups = backups;
	buf_init(&body, r->arena);
	tmpl_compliance_form(&body, &v);
	return page_send(r, status, v.heading, &body);
}

int
page_compliance_new(struct req *r)
{
	struct form_vals fv;
	char d[CALDATE_TEXT_SIZE];

	memset(&fv, 0, sizeof(fv));
	fv.owner = r->sess->user_id;
	fv.recurrence = "yearly";
	fv.next_due = arena_strdup(r->arena, caldate_format(caldate_add_days(
	    cmpweb_today(r), 30), d));
	return render_form(r, 200, 0, &fv, NULL);
}

static const char *
recur_value(const struct compliance_recurrence *rec)
{
	size_t i;

	for (i = 0; i < NRECURS; i++)
		if (recurs[i].kind == rec->kind && (rec->kind !=
		    COMPLIANCE_MONTHS || recurs[i].every == rec->every))
			return recurs[i].value;
	return NULL;
}

int
page_compliance_edit(struct req *r)
{
	struct compliance_task t;
	struct form_vals fv;
	int64_t id = cmpweb_parse_id(req_param(r, "id"));
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	if ((rc = compliance_task_get(r->app->db, r->arena,
	    r->sess->practice_id, id, &t)) != 0)
		return rc;
	if (t.retired)
		return resp_redirect(r, 303, arena_printf(r->arena,
		    "/compliance/tasks/%lld", (long long)id));
	memset(&fv, 0, sizeof(fv));
	fv.title = t.title;
	fv.description = t.description;
	fv.rule_citation = t.rule_citation;
	fv.rule_text = t.rule_text;
	fv.next_due = t.next_due;
	fv.recurrence = recur_value(&t.rec);
	if (t.rec.kind == COMPLIANCE_DAYS)
		fv.every_days = arena_printf(r->arena, "%d", t.rec.every);
	fv.checklist = t.checklist;
	fv.owner = t.owner_id;
	fv.backup = t.backup_id;
	fv.signoff = t.requires_signoff;
	return render_form(r, 200, id, &fv, NULL);
}

/* Reads and checks the form into fv and in; 0 when nothing is wrong. */
static int
read_form(struct req *r, struct form_vals *fv,
    struct compliance_task_input *in)
{
	const char *box = req_form(r, "requires_signoff");
	struct caldate d;
	size_t i;
	char *end;
	long n;

	memset(fv, 0, sizeof(*fv));
	memset(in, 0, sizeof(*in));
	fv->title = req_form(r, "title");
	fv->description = req_form(r, "description");
	fv->rule_citation = req_form(r, "rule_citation");
	fv->rule_text = req_form(r, "rule_text");
	fv->next_due = req_form(r, "next_due");
	fv->recurrence = req_form(r, "recurrence");
	fv->every_days = req_form(r, "every_days");
	fv->checklist = req_form(r, "checklist");
	fv->owner = cmpweb_parse_id(req_form(r, "owner"));
	fv->backup = cmpweb_parse_id(req_form(r, "backup"));
	fv->signoff = box != NULL && strcmp(box, "1") == 0;
	if (fv->title == NULL || fv->title[0] == '\0')
		fv->title_error = "Give the task a title.";
	if (caldate_parse(fv->next_due, &d) != 0)
		fv->due_error = "Enter the due date as a date, such as 2026-03-31.";
	if (fv->owner == 0)
		fv->owner_error = "Choose who owns the task.";
	if (fv->backup != 0 && fv->backup == fv->owner)
		fv->backup_error = "The backup owner must be someone else.";
	for (i = 0; i < NRECURS && (fv->recurrence == NULL ||
	    strcmp(fv->recurrence, recurs[i].value) != 0); i++)
		;
	if (i == NRECURS) {
		fv->recurrence_error = "Choose how often the task repeats.";
		return 1;
	}
	in->rec.kind = recurs[i].kind;
	in->rec.every = recurs[i].every;
	if (in->rec.kind == COMPLIANCE_DAYS) {
		n = fv->every_days ? strtol(fv->every_days, &end, 10) : 0;
		if (fv->every_days == NULL || *end != '\0' || n < 1 ||
		    n > COMPLIANCE_EVERY_MAX)
			fv->every_error = "Enter a number of days from 1 to 3660.";
		in->rec.every = (int)(n > 0 && n <= COMPLIANCE_EVERY_MAX ? n : 1);
	}
	in->title = fv->title;
	in->description = fv->description;
	in->rule_citation = fv->rule_citation;
	in->rule_text = fv->rule_text;
	in->owner_id = fv->owner;
	in->backup_id = fv->backup;
	in->next_due = fv->next_due;
	in->checklist = fv->checklist;
	in->requires_signoff = fv->signoff;
	return fv->title_error || fv->due_error || fv->owner_error ||
	    fv->backup_error || fv->every_error;
}

/* Creates (id 0) or updates task id from the posted form. */
static int
save(struct req *r, int64_t id)
{
	struct compliance_task_input in;
	struct compliance_actor a;
	struct audit_event ev;
	struct form_vals fv;
	struct alc_err err;
	int64_t new_id = 0;
	int rc;

	if (read_form(r, &fv, &in) != 0)
		return render_form(r, 422, id, &fv, "Some answers need "
		    "attention: see the messages next to them.");
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = id ? compliance_task_update(r->app->db, r->sess->practice_id, &a,
	    id, &in, &err) : compliance_task_create(r->app->db,
	    r->sess->practice_id, &a, &in, &new_id, &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT)
		return render_form(r, rc == ALC_EINVAL ? 422 : 409, id, &fv,
		    err.user);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/compliance/tasks/%lld?done=%s", (long long)(id ? id : new_id),
	    id ? "saved" : "added"));
}

int
page_compliance_create(struct req *r)
{
	return save(r, 0);
}

int
page_compliance_update(struct req *r)
{
	struct compliance_task t;
	int64_t id = cmpweb_parse_id(req_param(r, "id"));
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	if ((rc = compliance_task_get(r->app->db, r->arena,
	    r->sess->practice_id, id, &t)) != 0)
		return rc;
	return save(r, id);
}

/* --- the calendar feed ---------------------------------------------------- */

/* server.public_url, or the configured address (never the Host header,
 * which the client controls). */
static const char *
base_url(struct req *r)
{
	const struct config *cfg = r->app->cfg;
	const char *pub = cfg->server.public_url, *h = cfg->server.host;
	size_t n;

	if (pub != NULL && pub[0] != '\0') {
		for (n = strlen(pub); n > 0 && pub[n - 1] == '/'; n--)
			;
		return arena_strndup(r->arena, pub, n);
	}
	return arena_printf(r->arena, "%s://%s%s%s:%d",
	    cfg->server.plain_http ? "http" : "https", strchr(h, ':') ? "[" : "",
	    h, strchr(h, ':') ? "]" : "", cfg->server.port);
}

static int
render_calendar(struct req *r, const char *token)
{
	struct cmp_calendar_view v;
	struct buf body;
	int64_t made;
	int rc;

	memset(&v, 0, sizeof(v));
	v.csrf = r->sess->csrf;
	rc = compliance_feed_token_created(r->app->db, r->sess->practice_id,
	    r->sess->user_id, &made);
	if (rc != 0 && rc != ALC_ENOTFOUND)
		return rc;
	if (rc == 0)
		v.created = cmpweb_when(r, made);
	if (token != NULL)
		v.feed_url = arena_printf(r->arena,
		    "%s/compliance/calendar.ics?token=%s", base_url(r), token);
	buf_init(&body, r->arena);
	tmpl_compliance_calendar(&body, &v);
	return page_send(r, 200, "Compliance calendar", &body);
}

int
page_compliance_calendar(struct req *r)
{
	return render_calendar(r, NULL);
}

int
page_compliance_token(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	char token[RAND_TOKEN_SIZE];
	int rc;

	cmpweb_actor(r, &a, &ev);
	if ((rc = compliance_feed_token_create(r->app->db, r->sess->practice_id,
	    &a, token, sizeof(token))) != 0)
		return rc;
	/* Shown once, in this response only (no-store). */
	rc = render_calendar(r, token);
	explicit_bzero(token, sizeof(token));
	return rc;
}

int
page_compliance_token_revoke(struct req *r)
{
	struct compliance_actor a;
	struct audit_event ev;
	int rc;

	cmpweb_actor(r, &a, &ev);
	if ((rc = compliance_feed_token_revoke(r->app->db, r->sess->practice_id,
	    &a)) != 0)
		return rc;
	page_flash(r, "success", "The calendar link is turned off.");
	return render_calendar(r, NULL);
}

int
page_compliance_ics(struct req *r)
{
	struct compliance_task *t;
	int64_t pid, uid;
	unsigned roles;
	size_t n, i, k = 0;
	int rc;

	if ((rc = compliance_feed_lookup(r->app->db, req_query(r, "token"),
	    &pid, &uid, &roles)) != 0)
		return rc;
	if ((rc = compliance_task_list(r->app->db, r->arena, pid, 0, &t, &n)) !=
	    0)
		return rc;
	/* Managers follow the whole program; others their own tasks. */
	if (!authz_roles_allow(roles, ACT_COMPLIANCE_MANAGE))
		for (i = 0; i < n; i++)
			if (t[i].owner_id == uid || t[i].backup_id == uid)
				t[k++] = t[i];
	buf_reset(&r->out);
	compliance_ical(&r->out, "Alcove compliance", arena_printf(r->arena,
	    "practice-%lld.alcove", (long long)pid), t,
	    authz_roles_allow(roles, ACT_COMPLIANCE_MANAGE) ? n : k,
	    time_now_ms());
	r->content_type = "text/calendar; charset=utf-8";
	resp_header(r, "Content-Disposition",
	    "inline; filename=\"compliance.ics\"");
	return buf_failed(&r->out) ? ALC_ENOMEM : 0;
}
