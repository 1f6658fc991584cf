/*
 * pages/staff_admin.c - one staff member's page (/staff/:id): role
 * changes, the supervisor, deactivation, the offboarding checklist, the
 * role history, a new invitation and lifting a lockout.  The invitation
 * form and the list of locked accounts on /staff are in pages/staff.c;
 * invitation requests in pages/staff_requests.c.
 *
 * Each handler reads its form, checks it with a message next to each
 * field (what was typed is kept), then calls one core function
 * (core/users/admin.h, core/users/invite.h) with web_audit_who as the
 * actor, so role_changes and the audit trail say who did it.  Success
 * redirects back with ?done=... for the message (POST, redirect, GET).
 *
 * One rule on top of the permission table: only an owner may give or take
 * away the owner role, or deactivate an owner; otherwise an administrator
 * could make themselves owner.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_staff.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/users/admin.h"
#include "core/users/invite.h"
#include "core/users/supervision.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>


static int
can_manage(const struct req *r)
{
	return authz_roles_allow(r->sess->roles, ACT_STAFF_MANAGE);
}

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

/* --- one staff member ----------------------------------------------------- */

/* What the forms of the member page hold when shown again. */
struct member_form {
	int status;
	const char *error;
	unsigned roles;   /* checked boxes; ~0u: the member's own roles */
	const char *roles_error, *roles_reason, *roles_reason_error;
	const char *date, *time, *deact_reason;
	const char *date_error, *time_error, *deact_error;
	const char *mfa_reason, *mfa_error;
	const char *sup_choice;  /* the select as sent; NULL: the current one */
	const char *sup_reason, *sup_reason_error, *sup_error;
};

int64_t
staff_parse_id(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || *s < '1' || *s > '9')
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

/* "42 minutes", "3 hours 5 minutes", "2 days 1 hour". */
static const char *
duration(struct req *r, int64_t ms)
{
	long long m = (long long)(ms / 60000), h = m / 60, d = h / 24;

	if (m < 1)
		return "less than a minute";
	if (m < 120)
		return arena_printf(r->arena, "%lld minute%s", m, m == 1 ? "" : "s");
	if (h < 48)
		return arena_printf(r->arena, "%lld hours %lld minutes", h, m % 60);
	return arena_printf(r->arena, "%lld days %lld hours", d, h % 24);
}

static int
fill_checklist(struct req *r, int64_t uid, struct staff_member_view *v)
{
	struct staff_offboard_view *c;
	int64_t done_at[OFFBOARD_ITEMS];
	unsigned mask;
	size_t i;
	int rc;

	if ((rc = offboard_get(r->app->db, r->sess->practice_id, uid, &mask,
	    done_at)) != 0)
		return rc;
	if ((c = arena_alloc(r->arena, OFFBOARD_ITEMS * sizeof(*c))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < OFFBOARD_ITEMS; i++) {
		c[i].key = offboard_key(i);
		c[i].id = arena_printf(r->arena, "ob-%s", offboard_key(i));
		c[i].label = offboard_label(i);
		c[i].checked = (mask >> i) & 1u;
		c[i].done = c[i].checked ? staff_when(r, done_at[i], NULL) : NULL;
	}
	v->checklist = c;
	v->n_checklist = OFFBOARD_ITEMS;
	return 0;
}

static int
fill_history(struct req *r, int64_t uid, struct staff_member_view *v)
{
	struct staff_history_view *hv;
	struct role_change_row *rows;
	size_t n, i;
	int rc;

	if ((rc = staff_role_history(r->app->db, r->arena, r->sess->practice_id,
	    uid, &rows, &n)) != 0)
		return rc;
	if ((hv = arena_alloc(r->arena, (n + 1) * sizeof(*hv))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		hv[i].when = staff_when(r, rows[i].changed_at, "");
		hv[i].before = rows[i].before[0] ? rows[i].before : "(none)";
		hv[i].after = rows[i].after;
		hv[i].by = rows[i].by;
		hv[i].reason = rows[i].reason;
	}
	v->history = hv;
	v->n_history = n;
	return 0;
}

#define MAX_SUPERVISORS 200

/* The supervisor section: shown for clinicians and supervisors. */
static int
fill_supervisor(struct req *r, const struct staff_member *m,
    const struct member_form *f, struct staff_member_view *v)
{
	struct supervisor_choice *ch;
	struct staff_option_view *o;
	char name[201];
	int64_t cur;
	size_t n, i, k = 1;
	int rc;

	if (!(m->roles & (ROLE_CLINICIAN | ROLE_SUPERVISOR)))
		return 0;
	if ((ch = arena_alloc(r->arena, MAX_SUPERVISORS * sizeof(*ch))) ==
	    NULL || (o = arena_alloc(r->arena, (MAX_SUPERVISORS + 2) *
	    sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	if ((rc = supervision_get(r->app->db, r->sess->practice_id, m->id,
	    &cur, name, sizeof(name))) != 0 || (rc = supervision_choices(
	    r->app->db, r->sess->practice_id, ch, MAX_SUPERVISORS, &n)) != 0)
		return rc;
	v->has_supervisor_section = 1;
	v->supervisor_name = cur ? arena_strdup(r->arena, name) : NULL;
	o[0].value = "0";
	o[0].label = "No supervisor";
	for (i = 0; i < n; i++)
		if (ch[i].id != m->id) {
			o[k].value = arena_printf(r->arena, "%lld",
			    (long long)ch[i].id);
			o[k++].label = arena_strdup(r->arena, ch[i].name);
		}
	for (i = 0; i < k; i++)
		o[i].selected = f->sup_choice != NULL ?
		    strcmp(f->sup_choice, o[i].value) == 0 :
		    strtoll(o[i].value, NULL, 10) == cur;
	v->supervisors = o;
	v->n_supervisors = k;
	v->supervisor_error = f->sup_error;
	field(&v->sup_reason, "sup_reason", "Why", "text", f->sup_reason,
	    f->sup_reason_error);
	v->sup_reason.required = 1;
	v->sup_reason.hint = "For example: pre-licensed, supervised for "
	    "licensure.";
	return 0;
}

static void
fill_forms(struct req *r, const struct staff_member *m,
    const struct member_form *f, struct staff_member_view *v)
{
	v->roles = staff_role_choices(r, "r-", f->roles == ~0u ? m->roles :
	    f->roles, &v->n_roles);
	v->roles_error = f->roles_error;
	field(&v->roles_reason, "reason", "Why", "text", f->roles_reason,
	    f->roles_reason_error);
	v->roles_reason.required = 1;
	v->roles_reason.hint = "For example: now supervises two associates.";
	field(&v->ended_date, "ended_date", "Date employment ended", "date",
	    f->date, f->date_error);
	v->ended_date.hint = "Leave both empty for now.";
	field(&v->ended_time, "ended_time", "Time employment ended", "time",
	    f->time, f->time_error);
	v->ended_time.hint = "In the practice's time zone, such as 17:30.";
	field(&v->deact_reason, "deact_reason", "Why access ends", "text",
	    f->deact_reason, f->deact_error);
	v->deact_reason.required = 1;
	v->deact_reason.hint = "For example: left the practice.";
	field(&v->mfa_reason, "mfa_reason", "Why", "text", f->mfa_reason,
	    f->mfa_error);
	v->mfa_reason.required = 1;
	v->mfa_reason.hint = "For example: lost phone, confirmed by a call.";
}

static int
render_member(struct req *r, int64_t uid, const struct member_form *f)
{
	struct staff_member_view v;
	struct staff_member m;
	struct buf body;
	int rc;

	if ((rc = staff_member_get(r->app->db, r->sess->practice_id, uid,
	    time_now_ms(), &m)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.name = m.name;
	v.email = m.email;
	v.roles_text = staff_role_labels(r, m.roles);
	v.base = arena_printf(r->arena, "/staff/%lld", (long long)uid);
	v.active = m.active;
	v.invited = !m.has_password;
	v.locked = m.locked;
	v.has_mfa = m.has_mfa;
	v.self = uid == r->sess->user_id;
	v.can_manage = can_manage(r);
	v.csrf = r->sess->csrf;
	v.error = f->error;
	fill_forms(r, &m, f, &v);
	if (m.access_removed_at > 0) {
		v.ended_at = staff_when(r, m.employment_ended_at, "");
		v.removed_at = staff_when(r, m.access_removed_at, "");
		v.removed_after = duration(r, m.access_removed_at -
		    m.employment_ended_at);
		v.removed_late = m.access_removed_at - m.employment_ended_at >
		    3600LL * 1000;
		if ((rc = fill_checklist(r, uid, &v)) != 0)
			return rc;
	}
	if ((rc = fill_history(r, uid, &v)) != 0 ||
	    (rc = fill_supervisor(r, &m, f, &v)) != 0)
		return rc;
	buf_init(&body, r->arena);
	tmpl_staff_member(&body, &v);
	return page_send(r, f->status ? f->status : 200, m.name, &body);
}

static const struct {
	const char *done, *text;
} done_msgs[] = {
	{"invited", "Invitation sent. The link works for 72 hours."},
	{"added", "Added to the practice. They already have an account and "
	    "sign in as before."},
	{"roles", "Roles saved. Their sessions have ended: they sign in again "
	    "with the new roles."},
	{"deactivated", "Deactivated: their sessions have ended and they can "
	    "no longer sign in."},
	{"checklist", "Checklist saved."},
	{"unlocked", "Lock lifted: they can sign in again."},
	{"supervisor", "Supervisor saved."},
	{"mfa", "Two-step sign-in removed and their sessions ended. They set "
	    "it up again when they next sign in."},
};

int
page_staff_member(struct req *r)
{
	const char *done = req_query(r, "done");
	struct member_form f;
	int64_t uid = staff_parse_id(req_param(r, "id"));
	size_t i;

	if (uid == 0)
		return ALC_ENOTFOUND;
	for (i = 0; done != NULL && i < sizeof(done_msgs) /
	    sizeof(done_msgs[0]); i++)
		if (strcmp(done, done_msgs[i].done) == 0)
			page_flash(r, "success", done_msgs[i].text);
	memset(&f, 0, sizeof(f));
	f.roles = ~0u;
	return render_member(r, uid, &f);
}

static int
back(struct req *r, int64_t uid, const char *done)
{
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/staff/%lld?done=%s", (long long)uid, done));
}

/* The member's current roles (0 when not a member here). */
static unsigned
roles_now(struct req *r, int64_t uid)
{
	struct staff_member m;

	if (staff_member_get(r->app->db, r->sess->practice_id, uid,
	    time_now_ms(), &m) != 0)
		return 0;
	return m.roles;
}

int
page_staff_roles(struct req *r)
{
	int64_t uid = staff_parse_id(req_param(r, "id"));
	struct member_form f;
	struct audit_event who;
	struct alc_err err;
	unsigned before;
	int rc;

	if (uid == 0 || (before = roles_now(r, uid)) == 0)
		return ALC_ENOTFOUND;
	memset(&f, 0, sizeof(f));
	f.status = 422;
	f.roles = staff_read_roles(r);
	f.roles_reason = req_form(r, "reason");
	if (f.roles == 0)
		f.roles_error = "Choose at least one role.";
	else if ((f.roles ^ before) & ROLE_OWNER &&
	    !(r->sess->roles & ROLE_OWNER))
		f.roles_error = "Only an owner can give or take away the owner "
		    "role.";
	f.roles_reason_error = staff_reason_error(f.roles_reason, "Say why the "
	    "roles change.");
	if (f.roles_error != NULL || f.roles_reason_error != NULL) {
		f.error = "The roles were not changed: see the messages below.";
		return render_member(r, uid, &f);
	}
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = users_set_roles(r->app->db, r->sess->practice_id, uid, f.roles,
	    &who, f.roles_reason, &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT) {
		f.status = rc == ALC_EINVAL ? 422 : 409;
		f.error = err.user;
		return render_member(r, uid, &f);
	}
	return rc != 0 ? rc : back(r, uid, "roles");
}

/* Reads the deactivation form into f; *ended gets ms UTC (0: now). */
static int
read_deactivation(struct req *r, struct member_form *f, int64_t *ended)
{
	int rc;

	*ended = 0;
	f->date = req_form(r, "ended_date");
	f->time = req_form(r, "ended_time");
	f->deact_reason = req_form(r, "deact_reason");
	f->deact_error = staff_reason_error(f->deact_reason, "Say why the access "
	    "ends (for example: left the practice).");
	if ((f->date == NULL || f->date[0] == '\0') &&
	    (f->time == NULL || f->time[0] == '\0'))
		return f->deact_error != NULL;
	rc = staff_local_time(r->app->db, r->sess->practice_id, f->date,
	    f->time, ended);
	if (rc == ALC_EINVAL) {
		if (f->date == NULL || strlen(f->date) != 10)
			f->date_error = "Enter the date, such as 2026-03-31.";
		else
			f->time_error = "Enter the time as hours and minutes, "
			    "such as 17:30.";
	} else if (rc != 0)
		return rc;
	else if (*ended > time_now_ms())
		f->date_error = "That is in the future: deactivate on the day "
		    "they leave.";
	return f->deact_error || f->date_error || f->time_error;
}

int
page_staff_deactivate(struct req *r)
{
	int64_t uid = staff_parse_id(req_param(r, "id")), ended, delay;
	struct member_form f;
	struct audit_event who;
	struct alc_err err;
	unsigned before;
	int rc;

	if (uid == 0 || (before = roles_now(r, uid)) == 0)
		return ALC_ENOTFOUND;
	memset(&f, 0, sizeof(f));
	f.status = 422;
	f.roles = ~0u;
	if ((rc = read_deactivation(r, &f, &ended)) < 0)
		return rc;
	if (rc == 0 && before & ROLE_OWNER && !(r->sess->roles & ROLE_OWNER))
		f.error = "Only an owner can deactivate an owner.";
	if (rc != 0 || f.error != NULL)
		return render_member(r, uid, &f);
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = users_deactivate(r->app->db, r->sess->practice_id, uid, ended,
	    &who, f.deact_reason, &delay, &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT) {
		f.status = rc == ALC_EINVAL ? 422 : 409;
		f.error = err.user;
		return render_member(r, uid, &f);
	}
	return rc != 0 ? rc : back(r, uid, "deactivated");
}

int
page_staff_offboarding(struct req *r)
{
	int64_t uid = staff_parse_id(req_param(r, "id"));
	struct staff_member m;
	struct member_form f;
	struct audit_event who;
	unsigned mask = 0;
	const char *v;
	size_t i;
	int rc;

	if (uid == 0)
		return ALC_ENOTFOUND;
	if ((rc = staff_member_get(r->app->db, r->sess->practice_id, uid,
	    time_now_ms(), &m)) != 0)
		return rc;
	if (m.access_removed_at == 0) {
		memset(&f, 0, sizeof(f));
		f.status = 409;
		f.roles = ~0u;
		f.error = "The offboarding checklist starts when the person is "
		    "deactivated.";
		return render_member(r, uid, &f);
	}
	for (i = 0; i < OFFBOARD_ITEMS; i++)
		if ((v = req_form(r, offboard_key(i))) != NULL &&
		    strcmp(v, "1") == 0)
			mask |= 1u << i;
	web_audit_who(r, &who);
	if ((rc = offboard_save(r->app->db, r->sess->practice_id, uid, mask,
	    &who)) != 0)
		return rc;
	return back(r, uid, "checklist");
}

int
page_staff_reinvite(struct req *r)
{
	int64_t uid = staff_parse_id(req_param(r, "id"));
	struct member_form f;
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (uid == 0)
		return ALC_ENOTFOUND;
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = invite_send(r->app->db, r->sess->practice_id, uid, staff_base_url(r),
	    r->sess->practice_name, r->sess->user_name, &who, &err);
	if (rc == ALC_ECONFLICT) {
		memset(&f, 0, sizeof(f));
		f.status = 409;
		f.roles = ~0u;
		f.error = err.user;
		return render_member(r, uid, &f);
	}
	return rc != 0 ? rc : back(r, uid, "invited");
}

int
page_staff_unlock(struct req *r)
{
	int64_t uid = staff_parse_id(req_param(r, "id"));
	struct audit_event who;
	int rc, lifted;

	if (uid == 0)
		return ALC_ENOTFOUND;
	web_audit_who(r, &who);
	if ((rc = lockout_lift(r->app->db, r->sess->practice_id, uid, &who,
	    &lifted)) != 0)
		return rc;
	return back(r, uid, "unlocked");
}

int
page_staff_mfa_reset(struct req *r)
{
	int64_t uid = staff_parse_id(req_param(r, "id"));
	struct member_form f;
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (uid == 0)
		return ALC_ENOTFOUND;
	memset(&f, 0, sizeof(f));
	f.roles = ~0u;
	f.mfa_reason = req_form(r, "mfa_reason");
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = staff_mfa_reset(r->app->db, r->sess->practice_id, uid, &who,
	    f.mfa_reason, &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT) {
		f.status = rc == ALC_EINVAL ? 422 : 409;
		if (f.mfa_reason == NULL || f.mfa_reason[0] == '\0')
			f.mfa_error = err.user;
		else
			f.error = err.user;
		return render_member(r, uid, &f);
	}
	return rc != 0 ? rc : back(r, uid, "mfa");
}

int
page_staff_supervisor(struct req *r)
{
	int64_t uid = staff_parse_id(req_param(r, "id")), sup;
	struct member_form f;
	struct audit_event who;
	struct alc_err err;
	int rc;

	if (uid == 0 || roles_now(r, uid) == 0)
		return ALC_ENOTFOUND;
	memset(&f, 0, sizeof(f));
	f.status = 422;
	f.roles = ~0u;
	f.sup_choice = req_form(r, "supervisor_id");
	f.sup_reason = req_form(r, "sup_reason");
	sup = f.sup_choice != NULL && strcmp(f.sup_choice, "0") == 0 ? 0 :
	    staff_parse_id(f.sup_choice);
	if (sup == 0 && (f.sup_choice == NULL || strcmp(f.sup_choice, "0")))
		f.sup_error = "Choose a supervisor, or \"No supervisor\".";
	f.sup_reason_error = staff_reason_error(f.sup_reason, "Say why the "
	    "supervisor changes.");
	if (f.sup_error != NULL || f.sup_reason_error != NULL) {
		f.error = "The supervisor was not changed: see the messages "
		    "below.";
		return render_member(r, uid, &f);
	}
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = supervision_set(r->app->db, r->sess->practice_id, uid, sup, &who,
	    f.sup_reason, &err);
	if (rc == ALC_EINVAL || rc == ALC_ECONFLICT) {
		f.status = rc == ALC_EINVAL ? 422 : 409;
		f.sup_error = err.user;
		/* On top too: a non-clinician's page has no supervisor field. */
		f.error = err.user;
		return render_member(r, uid, &f);
	}
	return rc != 0 ? rc : back(r, uid, "supervisor");
}
