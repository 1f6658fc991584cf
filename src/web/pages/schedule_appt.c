/*
 * pages/schedule_appt.c - one appointment: what, when, who; status
 * changes (arrived, no-show, late cancellation with its fee ...),
 * cancelling with a reason, moving or changing this occurrence or this
 * and the following (the form and its handler are schedule_edit.c),
 * cancelling this and the following occurrences of a series.  A group's page also carries
 * the forms to add and remove patients (handled in schedule_waitlist.c),
 * and a freed slot lists its "Waitlist matches".
 *
 * The page names the appointment's patients, so it writes its audit event
 * (object "calendar", view "appointment", patient ids) before it is sent,
 * as the calendar does (schedule.c).  Changes go through core/scheduling,
 * which audits them in their own transactions.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_schedule.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/scheduling/scheduling.h"
#include "core/users/admin.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_opts[][2] = {{"scheduled", "Scheduled"},
	{"confirmed", "Confirmed"}, {"arrived", "Arrived (checked in)"},
	{"in_session", "In session"}, {"completed", "Completed"},
	{"cancelled", "Cancelled"}, {"late_cancel", "Late cancellation"},
	{"no_show", "No-show"}};
#define NSTATUS (sizeof(status_opts) / sizeof(status_opts[0]))

static const struct {
	const char *done, *text;
} done_msgs[] = {{"booked", "The appointment is booked."},
	{"series", "The appointments are booked."},
	{"status", "The status is changed."},
	{"moved", "The appointment is moved."},
	{"changed_following", "This and the following appointments are "
	    "changed."},
	{"following", "This and the following appointments are cancelled."},
	{"joined", "The patient is added to the group."},
	{"left", "The patient is taken off the group."}};

static const char *
clinician_names(struct req *r, const struct sched_appt *a)
{
	struct user_row *u;
	struct buf b;
	size_t n = 0, i, j;

	buf_init(&b, r->arena);
	if ((u = arena_alloc(r->arena, 200 * sizeof(*u))) == NULL ||
	    users_review(r->app->db, r->sess->practice_id, u, 200, &n) != 0)
		n = 0;
	for (j = 0; j < a->nclinicians; j++)
		for (i = 0; i < n; i++)
			if (u[i].id == a->clinicians[j])
				buf_printf(&b, "%s%s", b.len ? ", " : "", u[i].name);
	return buf_cstr(&b);
}

static void
fld(struct field_view *f, const char *name, const char *label,
    const char *type, const char *value)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->label = label;
	f->type = type;
	f->value = value;
}

static void
fill_actions(struct req *r, const struct sched_appt *a, const char *base,
    struct sched_appt_view *v)
{
	struct sched_option_view *o;
	size_t i;

	v->csrf = r->sess->csrf;
	v->can_book = authz_check(r, ACT_SCHEDULE_BOOK) == 0;
	v->status_action = arena_printf(r->arena, "%s/status", base);
	v->move_action = arena_printf(r->arena, "%s/move", base);
	v->following_action = arena_printf(r->arena, "%s/following", base);
	/* Clinical notes (pages/notes_page.c): pre-filled from this one. */
	if (a->npatients == 1 && authz_check(r, ACT_NOTE_WRITE) == 0)
		v->note_href = arena_printf(r->arena, "/patients/%lld/notes/new"
		    "?template=soap&appt=%lld", (long long)a->patients[0],
		    (long long)a->id);
	if ((o = arena_alloc(r->arena, NSTATUS * sizeof(*o))) != NULL) {
		for (i = 0; i < NSTATUS; i++) {
			o[i].value = status_opts[i][0];
			o[i].label = status_opts[i][1];
			o[i].selected = strcmp(a->status, status_opts[i][0]) == 0;
		}
		v->statuses = o;
		v->n_statuses = NSTATUS;
	}
	fld(&v->reason, "reason", "Reason (for a cancellation)", "text",
	    req_form(r, "reason"));
	fld(&v->fee, "fee", "Fee in dollars (late cancellation or no-show)",
	    "text", req_form(r, "fee"));
	v->fee.hint = "Recorded as a pending charge for billing. Leave empty "
	    "for none.";
	v->is_group = strcmp(a->kind, "group") == 0;
	v->add_patient_action = arena_printf(r->arena, "%s/patients", base);
	v->remove_patient_action = arena_printf(r->arena,
	    "%s/patients/remove", base);
	fld(&v->add_patient, "add_patient", "Chart number or full name",
	    "text", req_form(r, "add_patient"));
}

/* The group's members as options for the remove form (names as shown). */
static void
fill_members(struct req *r, const struct sched_appt *a, const char **names,
    struct sched_appt_view *v)
{
	struct sched_option_view *o;
	size_t j;

	if (a->npatients < 2 || (o = arena_alloc(r->arena, a->npatients *
	    sizeof(*o))) == NULL)
		return;
	for (j = 0; j < a->npatients; j++) {
		o[j].value = arena_printf(r->arena, "%lld",
		    (long long)a->patients[j]);
		o[j].label = names[j];
		o[j].selected = 0;
	}
	v->members = o;
	v->n_members = a->npatients;
}

static int
render(struct req *r, int64_t id, int status, const char *error,
    const struct sched_conflicts *cf)
{
	struct sched_appt_view v;
	struct sched_appt a;
	const char **names, *base;
	int64_t *shown;
	size_t nshown, j;
	struct caldate d;
	struct buf who, body;
	char tz[64];
	int m = 0, rc;

	memset(&v, 0, sizeof(v));
	if ((rc = sched_get(r->app->db, r->arena, r->sess->practice_id, id,
	    &a)) != 0 || (rc = sched_practice_tz(r->app->db,
	    r->sess->practice_id, tz, sizeof(tz))) != 0 ||
	    (rc = sched_web_names(r, &a, 1, &names, &shown, &nshown)) != 0)
		return rc;
	base = arena_printf(r->arena, "/schedule/appointments/%lld",
	    (long long)id);
	caldate_from_utc(tz, a.start_at, &d, &m);
	buf_init(&who, r->arena);
	for (j = 0; j < a.npatients; j++)
		buf_printf(&who, "%s%s", j ? ", " : "", names[j]);
	v.who = buf_cstr(&who);
	v.when = arena_printf(r->arena, "%s, %s to %s", sched_web_date(r, d),
	    sched_web_hm(r, m), sched_web_hm(r, m + a.minutes));
	v.title = arena_printf(r->arena, "Appointment on %s", v.when);
	v.clinicians = clinician_names(r, &a);
	v.what = a.room_name ? arena_printf(r->arena, "%s, %s", a.type_name ?
	    a.type_name : "Appointment", a.room_name) : a.type_name;
	v.status = sched_web_status(a.status);
	v.kind = strcmp(a.kind, "group") == 0 ? "Group" : strcmp(a.kind,
	    "couple_family") == 0 ? "Couple or family" : "Individual";
	v.cancel_reason = a.cancel_reason;
	v.override_reason = a.override_reason;
	v.in_series = a.series_id != 0;
	v.live = strcmp(a.status, "scheduled") == 0 ||
	    strcmp(a.status, "confirmed") == 0;
	v.error = error;
	v.back_href = arena_printf(r->arena, "/schedule?date=%04d-%02d-%02d",
	    d.y, d.m, d.d);
	fill_actions(r, &a, base, &v);
	fill_members(r, &a, names, &v);
	if (v.live && v.can_book &&
	    (rc = sched_web_edit_form(r, &a, &d, m, &v)) != 0)
		return rc;
	if (cf != NULL)
		sched_web_conflicts(r, cf, &v.conflicts, &v.n_conflicts);
	/* Waitlist matches when this slot is freed (schedule_waitlist.c). */
	if ((rc = sched_web_waitlist_matches(r, &a, 1, tz, &v.suggestions,
	    &v.n_suggestions)) != 0)
		return rc;
	if (nshown > 0 && (rc = sched_web_audit(r, "appointment", shown,
	    nshown)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_schedule_appointment(&body, &v);
	return page_send(r, status, "Appointment", &body);
}

int
page_schedule_appt(struct req *r)
{
	int64_t id = sched_web_id(req_param(r, "id"));
	const char *done = req_query(r, "done");
	size_t i;

	if (id == 0)
		return ALC_ENOTFOUND;
	for (i = 0; done && i < sizeof(done_msgs) / sizeof(done_msgs[0]); i++)
		if (strcmp(done, done_msgs[i].done) == 0)
			page_flash(r, "success", done_msgs[i].text);
	return render(r, id, 200, NULL, NULL);
}

int
sched_web_appt_page(struct req *r, int64_t id, int status,
    const char *error)
{
	return render(r, id, status, error, NULL);
}

int
sched_web_appt_conflicts(struct req *r, int64_t id, int status,
    const char *error, const struct sched_conflicts *cf)
{
	return render(r, id, status, error, cf);
}

static int
back(struct req *r, int64_t id, const char *done)
{
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/schedule/appointments/%lld?done=%s", (long long)id, done));
}

/* Dollars and cents ("75", "75.50") to cents; -1 when not money. */
static int64_t
cents_of(const char *s)
{
	long long d = 0, c = 0;
	int n = 0, k = 0;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (; *s >= '0' && *s <= '9' && n < 7; s++, n++)
		d = d * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && k < 2; s++, k++)
			c = c * 10 + (*s - '0');
	if (*s != '\0' || n == 0)
		return -1;
	return d * 100 + (k == 1 ? c * 10 : c);
}

int
page_schedule_status(struct req *r)
{
	int64_t id = sched_web_id(req_param(r, "id"));
	int64_t fee = cents_of(req_form(r, "fee"));
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	if (fee < 0)
		return render(r, id, 422, "The fee must be an amount such as "
		    "75 or 75.50.", NULL);
	memset(&err, 0, sizeof(err));
	web_audit_who(r, &who);
	rc = sched_set_status(r->app->db, r->sess->practice_id, id,
	    req_form(r, "status"), req_form(r, "reason"), fee, &who, &err);
	if (rc == ALC_EINVAL)
		return render(r, id, 422, arena_strdup(r->arena, err.user), NULL);
	return rc != 0 ? rc : back(r, id, "status");
}

int
page_schedule_following(struct req *r)
{
	int64_t id = sched_web_id(req_param(r, "id"));
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	memset(&err, 0, sizeof(err));
	web_audit_who(r, &who);
	rc = sched_cancel_following(r->app->db, r->sess->practice_id, id,
	    req_form(r, "reason"), &who, &err);
	if (rc == ALC_EINVAL)
		return render(r, id, 422, arena_strdup(r->arena, err.user), NULL);
	return rc != 0 ? rc : back(r, id, "following");
}
