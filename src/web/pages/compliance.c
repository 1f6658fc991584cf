/*
 * pages/compliance.c - the compliance program (core/compliance): the task
 * list, a task with its history, and completing, signing off, reassigning
 * and retiring it.  Adding and editing tasks and the calendar feed are in
 * pages/compliance_form.c.
 *
 * Every staff member sees the program (everybody owns some task); signing
 * off and retiring need ACT_COMPLIANCE_MANAGE (the route table).
 * Completing and reassigning are open to the task's owner, its backup and
 * managers: checked here before the form is read, and again by the core.
 * After a change the browser is redirected to the task (POST, redirect,
 * GET), with ?done= naming the message to show.
 */
#include "web/pages/pages.h"
#include "web/pages/compliance_impl.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/session.h"
#include "web/views_compliance.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/compliance/compliance.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "crypto/random.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define MAX_STAFF 500

/* What a re-rendered task page keeps from a refused form. */
struct task_form {
	const char *note, *note_error, *complete_error;
	const unsigned char *checked; /* COMPLIANCE_CHECKLIST_ITEMS marks */
	const char *reason, *reason_error, *owner_error;
	int64_t owner_sel;
	const char *signoff_error, *retire_error, *retire_reason;
};

int64_t
cmpweb_parse_id(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || *s < '1' || *s > '9')
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

void
cmpweb_actor(struct req *r, struct compliance_actor *a,
    struct audit_event *ev)
{
	web_audit_who(r, ev);
	a->who = ev;
	a->manager = authz_check(r, ACT_COMPLIANCE_MANAGE) == 0;
}

struct caldate
cmpweb_today(struct req *r)
{
	struct caldate d;

	if (compliance_practice_today(r->app->db, r->sess->practice_id,
	    time_now_ms(), &d) != 0)
		d = caldate_from_days(time_now_ms() / 86400000);
	return d;
}

const char *
cmpweb_when(struct req *r, int64_t ms)
{
	char iso[32];

	time_format_iso(iso, sizeof(iso), ms);
	return arena_printf(r->arena, "%.10s %.5s UTC", iso, iso + 11);
}

static const char *
due_words(struct req *r, const char *due, struct caldate today, int *overdue)
{
	struct caldate d;
	char buf[48];

	*overdue = 0;
	if (due == NULL || caldate_parse(due, &d) != 0)
		return NULL;
	*overdue = caldate_cmp(d, today) < 0;
	return arena_strdup(r->arena, compliance_due_words(d, today, buf,
	    sizeof(buf)));
}

static const char *
recur_label(struct req *r, const struct compliance_recurrence *rec)
{
	char buf[48];

	return arena_strdup(r->arena, compliance_recurrence_label(rec, buf,
	    sizeof(buf)));
}

/* Active staff of the practice as options, selected marked. */
int
cmpweb_staff_options(struct req *r, int64_t selected,
    struct cmp_option_view **out, size_t *n)
{
	struct user_row *rows;
	size_t nrows, i;
	int rc;

	*n = 0;
	if ((rows = arena_alloc(r->arena, MAX_STAFF * sizeof(*rows))) == NULL ||
	    (*out = arena_alloc(r->arena, MAX_STAFF * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	if ((rc = users_review(r->app->db, r->sess->practice_id, rows, MAX_STAFF,
	    &nrows)) != 0)
		return rc;
	for (i = 0; i < nrows; i++) {
		if (!rows[i].active)
			continue;
		(*out)[*n].value = arena_printf(r->arena, "%lld",
		    (long long)rows[i].id);
		(*out)[*n].label = arena_strdup(r->arena, rows[i].name);
		(*out)[(*n)++].selected = rows[i].id == selected;
	}
	return 0;
}

/* --- the list ----------------------------------------------------------- */

enum { G_OVERDUE, G_SOON, G_LATER, G_DONE, NGROUPS };

static const struct {
	const char *id, *heading, *empty;
} group_text[NGROUPS] = {
	{"overdue", "Overdue", "Nothing is overdue."},
	{"soon", "Due in the next 30 days", "Nothing is due in the next 30 "
	    "days."},
	{"later", "Later", "Nothing else is scheduled."},
	{"done", "Done and not repeating", ""},
};

static int
group_of(const struct compliance_task *t, struct caldate today)
{
	struct caldate d;

	if (t->next_due == NULL || caldate_parse(t->next_due, &d) != 0)
		return G_DONE;
	if (caldate_cmp(d, today) < 0)
		return G_OVERDUE;
	return caldate_diff(today, d) <= 30 ? G_SOON : G_LATER;
}

int
page_compliance(struct req *r)
{
	struct compliance_task *t;
	struct cmp_group_view *g;
	struct cmp_row_view *rows[NGROUPS], *row;
	struct cmp_index_view v;
	struct caldate today = cmpweb_today(r);
	char d[CALDATE_TEXT_SIZE];
	struct buf body;
	size_t n, i, k;
	int rc;

	if ((rc = compliance_task_list(r->app->db, r->arena,
	    r->sess->practice_id, 0, &t, &n)) != 0)
		return rc;
	if ((g = arena_alloc(r->arena, NGROUPS * sizeof(*g))) == NULL)
		return ALC_ENOMEM;
	for (k = 0; k < NGROUPS; k++) {
		if ((rows[k] = arena_alloc(r->arena, (n + 1) * sizeof(**rows))) ==
		    NULL)
			return ALC_ENOMEM;
		g[k].id = group_text[k].id;
		g[k].heading = group_text[k].heading;
		g[k].empty = group_text[k].empty;
		g[k].rows = rows[k];
	}
	for (i = 0; i < n; i++) {
		k = (size_t)group_of(&t[i], today);
		row = &rows[k][g[k].n_rows++];
		row->id = (long long)t[i].id;
		row->title = t[i].title;
		row->owner = t[i].owner_name;
		row->due = t[i].next_due;
		row->due_words = due_words(r, t[i].next_due, today, &row->overdue);
		row->rule = t[i].rule_citation;
		row->recurrence = recur_label(r, &t[i].rec);
		row->awaiting_signoff = t[i].awaiting_signoff != 0;
	}
	memset(&v, 0, sizeof(v));
	v.groups = g;
	v.n_groups = g[G_DONE].n_rows ? NGROUPS : NGROUPS - 1;
	v.n_tasks = n;
	v.today = arena_strdup(r->arena, caldate_format(today, d));
	v.can_manage = authz_check(r, ACT_COMPLIANCE_MANAGE) == 0;
	buf_init(&body, r->arena);
	tmpl_compliance_index(&body, &v);
	return page_send(r, 200, "Compliance program", &body);
}

/* --- one task ----------------------------------------------------------- */

static int
may_act(struct req *r, const struct compliance_task *t)
{
	return authz_check(r, ACT_COMPLIANCE_MANAGE) == 0 ||
	    r->sess->user_id == t->owner_id || r->sess->user_id == t->backup_id;
}

/* "[x] item" lines of a completion back into done/not-done items. */
static int
checklist_lines(struct req *r, const char *text,
    struct cmp_occurrence_view *h)
{
	struct cmp_line_view *l;
	const char *p, *eol;
	size_t n = 0;

	if ((l = arena_alloc(r->arena, (COMPLIANCE_CHECKLIST_ITEMS + 1) *
	    sizeof(*l))) == NULL)
		return ALC_ENOMEM;
	for (p = text; p != NULL && *p && n < COMPLIANCE_CHECKLIST_ITEMS;
	    p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		if (eol - p < 4 || p[0] != '[' || p[2] != ']')
			continue;
		l[n].done = p[1] == 'x';
		l[n++].text = arena_strndup(r->arena, p + 4, (size_t)(eol - p - 4));
	}
	h->lines = l;
	h->n_lines = n;
	return 0;
}

static int
history_views(struct req *r, const struct compliance_task *t,
    struct cmp_task_view *v)
{
	struct compliance_occurrence *occ;
	struct compliance_reassignment *re;
	struct cmp_occurrence_view *h;
	struct cmp_move_view *m;
	size_t nocc, nre, i;
	int rc;

	if ((rc = compliance_task_history(r->app->db, r->arena,
	    r->sess->practice_id, t->id, &occ, &nocc, &re, &nre)) != 0)
		return rc;
	h = arena_alloc(r->arena, (nocc + 1) * sizeof(*h));
	m = arena_alloc(r->arena, (nre + 1) * sizeof(*m));
	if (h == NULL || m == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < nocc; i++) {
		h[i].id = (long long)occ[i].id;
		h[i].due = occ[i].due_date;
		h[i].completed_on = occ[i].completed_on;
		h[i].by = occ[i].completed_by_name;
		h[i].note = occ[i].note;
		h[i].awaiting_signoff = occ[i].signoff_required &&
		    !occ[i].signed_off_at;
		if (occ[i].signed_off_at)
			h[i].signed_off = arena_printf(r->arena, "Signed off by %s "
			    "on %s%s%s", occ[i].signed_off_by_name, cmpweb_when(r,
			    occ[i].signed_off_at), occ[i].signoff_note &&
			    occ[i].signoff_note[0] ? ": " : ".",
			    occ[i].signoff_note ? occ[i].signoff_note : "");
		if ((rc = checklist_lines(r, occ[i].checklist, &h[i])) != 0)
			return rc;
	}
	for (i = 0; i < nre; i++) {
		m[i].when = cmpweb_when(r, re[i].changed_at);
		m[i].what = arena_printf(r->arena, "%s changed from %s to %s by %s",
		    strcmp(re[i].which, "owner") == 0 ? "Owner" : "Backup owner",
		    re[i].from_name ? re[i].from_name : "nobody",
		    re[i].to_name ? re[i].to_name : "nobody",
		    re[i].by_name ? re[i].by_name : "the system");
		m[i].reason = re[i].reason;
	}
	v->history = h;
	v->n_history = nocc;
	v->moves = m;
	v->n_moves = nre;
	return 0;
}

static const char *const done_msgs[][2] = {
	{"completed", "Marked as done. The task has moved to its next due "
	    "date."},
	{"reassigned", "The task has a new owner."},
	{"signed", "Signed off."},
	{"saved", "Your changes are saved."},
	{"added", "The task is added."},
	{"retired", "The task is retired. Its record is kept."},
};

static void
done_flash(struct req *r)
{
	const char *d = req_query(r, "done");
	size_t i;

	for (i = 0; d != NULL && i < sizeof(done_msgs) / sizeof(done_msgs[0]);
	    i++)
		if (strcmp(d, done_msgs[i][0]) == 0)
			page_flash(r, "success", done_msgs[i][1]);
}

static int
form_views(struct req *r, const struct compliance_task *t,
    const struct task_form *f, struct cmp_task_view *v)
{
	struct cmp_item_view *it;
	const char **items;
	size_t n, i;
	int rc;

	if ((rc = compliance_checklist_split(r->arena, t->checklist, &items,
	    &n)) != 0 && rc != ALC_ETOOBIG)
		return rc;
	if ((it = arena_alloc(r->arena, (n + 1) * sizeof(*it))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		it[i].name = arena_printf(r->arena, "item%zu", i);
		it[i].label = items[i];
		it[i].checked = f->checked != NULL && f->checked[i];
	}
	v->items = it;
	v->n_items = n;
	v->note = f->note;
	v->note_error = f->note_error;
	v->complete_error = f->complete_error;
	v->reason = f->reason;
	v->reason_error = f->reason_error;
	v->owner_error = f->owner_error;
	v->signoff_error = f->signoff_error;
	v->retire_error = f->retire_error;
	v->retire_reason_value = f->retire_reason;
	return cmpweb_staff_options(r, f->owner_sel, (struct cmp_option_view **)
	    (void *)&v->staff, &v->n_staff);
}

static int
render_task(struct req *r, int status, const struct compliance_task *t,
    const struct task_form *f)
{
	struct cmp_task_view v;
	struct caldate today = cmpweb_today(r);
	struct buf body;
	int rc;

	memset(&v, 0, sizeof(v));
	v.id = (long long)t->id;
	v.title = t->title;
	v.description = t->description[0] ? t->description : NULL;
	v.rule_citation = t->rule_citation[0] ? t->rule_citation : NULL;
	v.rule_text = t->rule_text[0] ? t->rule_text : NULL;
	v.owner = t->owner_name;
	v.backup = t->backup_name;
	v.recurrence = recur_label(r, &t->rec);
	v.next_due = t->next_due;
	v.due_words = due_words(r, t->next_due, today, &v.overdue);
	v.retain_until = t->retain_until;
	v.retire_reason = t->retire_reason;
	v.retired = t->retired;
	v.requires_signoff = t->requires_signoff;
	v.can_act = may_act(r, t);
	v.can_manage = authz_check(r, ACT_COMPLIANCE_MANAGE) == 0;
	v.csrf = r->sess->csrf;
	v.signoff_id = (long long)t->awaiting_signoff;
	if ((rc = form_views(r, t, f, &v)) != 0 ||
	    (rc = history_views(r, t, &v)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_compliance_task(&body, &v);
	return page_send(r, status, t->title, &body);
}

/* Loads the task named by the route's :id (404 when not this practice's). */
static int
load(struct req *r, struct compliance_task *t)
{
	int64_t id = cmpweb_parse_id(req_param(r, "id"));

	if (id == 0)
		return ALC_ENOTFOUND;
	return compliance_task_get(r->app->db, r->arena, r->sess->practice_id,
	    id, t);
}

int
page_compliance_task(struct req *r)
{
	struct compliance_task t;
	struct task_form f;
	int rc;

	if ((rc = load(r, &t)) != 0)
		return rc;
	done_flash(r);
	memset(&f, 0, sizeof(f));
	return render_task(r, 200, &t, &f);
}

static int
redirect_done(struct req *r, int64_t id, const char *what)
{
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/compliance/tasks/%lld?done=%s", (long long)id, what));
}

/* 422 for what the person can fix, 409 for a stale form, else the error
 * travels up (403, 404, 500). */
static int
refused(int rc)
{
	return rc == ALC_EINVAL ? 422 : rc == ALC_ECONFLICT ? 409 : 0;
}

int
page_compliance_complete(struct req *r)
{
	unsigned char checked[COMPLIANCE_CHECKLIST_ITEMS];
	struct compliance_actor a;
	struct compliance_task t;
	struct audit_event ev;
	struct alc_err err;
	struct task_form f;
	const char *v;
	size_t i;
	int rc;

	if ((rc = load(r, &t)) != 0)
		return rc;
	if (!may_act(r, &t))
		return ALC_EPERM;
	memset(&f, 0, sizeof(f));
	for (i = 0; i < COMPLIANCE_CHECKLIST_ITEMS; i++)
		checked[i] = (v = req_form(r, arena_printf(r->arena, "item%zu",
		    i))) != NULL && strcmp(v, "1") == 0;
	f.checked = checked;
	f.note = req_form(r, "note");
	if (f.note == NULL || f.note[0] == '\0') {
		f.note_error = "Write a few words on what was done.";
		return render_task(r, 422, &t, &f);
	}
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = compliance_complete(r->app->db, r->sess->practice_id, &a, t.id,
	    req_form(r, "due"), f.note, checked, COMPLIANCE_CHECKLIST_ITEMS,
	    cmpweb_today(r), NULL, &err);
	if (rc == 0)
		return redirect_done(r, t.id, "completed");
	if (refused(rc) == 0)
		return rc;
	f.complete_error = err.user;
	return render_task(r, refused(rc), &t, &f);
}

int
page_compliance_reassign(struct req *r)
{
	struct compliance_actor a;
	struct compliance_task t;
	struct audit_event ev;
	struct alc_err err;
	struct task_form f;
	int rc;

	if ((rc = load(r, &t)) != 0)
		return rc;
	if (!may_act(r, &t))
		return ALC_EPERM;
	memset(&f, 0, sizeof(f));
	f.owner_sel = cmpweb_parse_id(req_form(r, "owner"));
	f.reason = req_form(r, "reason");
	if (f.owner_sel == 0)
		f.owner_error = "Choose the new owner.";
	if (f.reason == NULL || f.reason[0] == '\0')
		f.reason_error = "Say why, for example: on leave until June.";
	if (f.owner_error || f.reason_error)
		return render_task(r, 422, &t, &f);
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = compliance_reassign(r->app->db, r->sess->practice_id, &a, t.id,
	    f.owner_sel, f.reason, &err);
	if (rc == 0)
		return redirect_done(r, t.id, "reassigned");
	if (refused(rc) == 0)
		return rc;
	f.owner_error = err.user;
	return render_task(r, refused(rc), &t, &f);
}

int
page_compliance_signoff(struct req *r)
{
	struct compliance_actor a;
	struct compliance_task t;
	struct audit_event ev;
	struct alc_err err;
	struct task_form f;
	int rc;

	if ((rc = load(r, &t)) != 0)
		return rc;
	memset(&f, 0, sizeof(f));
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = compliance_signoff(r->app->db, r->sess->practice_id, &a, t.id,
	    cmpweb_parse_id(req_form(r, "occurrence")), req_form(r, "note"), &err);
	if (rc == 0)
		return redirect_done(r, t.id, "signed");
	if (rc != ALC_EPERM && refused(rc) == 0)
		return rc;
	f.signoff_error = err.user[0] ? err.user : "There is nothing to sign "
	    "off.";
	/* The second-person rule is a refusal the page explains. */
	return render_task(r, rc == ALC_EPERM ? 422 : refused(rc), &t, &f);
}

int
page_compliance_retire(struct req *r)
{
	struct compliance_actor a;
	struct compliance_task t;
	struct audit_event ev;
	struct alc_err err;
	struct task_form f;
	int rc;

	if ((rc = load(r, &t)) != 0)
		return rc;
	memset(&f, 0, sizeof(f));
	f.retire_reason = req_form(r, "reason");
	cmpweb_actor(r, &a, &ev);
	memset(&err, 0, sizeof(err));
	rc = compliance_task_retire(r->app->db, r->sess->practice_id, &a, t.id,
	    f.retire_reason, cmpweb_today(r), &err);
	if (rc == 0)
		return redirect_done(r, t.id, "retired");
	if (rc == ALC_ENOTFOUND && t.retired)
		rc = ALC_ECONFLICT;
	if (refused(rc) == 0)
		return rc;
	f.retire_error = err.user[0] ? err.user : "This task is already "
	    "retired.";
	return render_task(r, refused(rc), &t, &f);
}
