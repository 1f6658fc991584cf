/*
 * pages/staff.c - the staff list / access review with, for owners and
 * administrators, locked accounts and the invitation form; its CSV export;
 * the permission matrix in plain language.  The helpers shared with
 * pages/staff_admin.c (a staff member's page) are declared in pages.h.
 *
 * Inviting: the form files an invitation request (who asked, the initial
 * roles, why; core/users/invite_request.h).  An administrator's request
 * waits on this page for an owner's Approve or Decline
 * (pages/staff_requests.c); an owner's own request is approved at once
 * when they are the practice's only owner, else it waits for another
 * owner.  Approval creates the account (or adds the membership of a
 * person who already has one elsewhere) and queues the e-mail in one
 * transaction, so no e-mail leaves before approval.
 *
 * Only an owner may make someone an owner (authz lets administrators
 * manage staff, and they must not be able to promote themselves).
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
#include "base/log.h"
#include "base/timeutil.h"
#include "base/config.h"
#include "core/users/admin.h"
#include "core/users/invite.h"
#include "core/users/invite_request.h"
#include "core/users/users.h"
#include "templates.h"

#include <string.h>

#define MAX_STAFF 2000
#define MAX_LOCKOUTS 200
#define REASON_MAX 500

static const struct {
	unsigned bit;
	const char *description;
} role_help[] = {
	{ROLE_OWNER, "Runs the practice: everything, including other owners. "
	    "Two-step sign-in required."},
	{ROLE_ADMIN, "Runs the office: staff accounts and the compliance "
	    "program. Two-step sign-in required."},
	{ROLE_CLINICIAN, "Sees and treats the patients on their care team."},
	{ROLE_SUPERVISOR, "A clinician who also sees their supervisees' "
	    "patients."},
	{ROLE_BILLING, "Claims and payments: demographics, insurance and "
	    "codes, not clinical notes."},
	{ROLE_FRONT_DESK, "The schedule and patients' contact details, not "
	    "clinical content."},
	{ROLE_COMPLIANCE, "The compliance program and the audit trail, not "
	    "clinical content. Two-step sign-in required."},
};
#define NROLES (sizeof(role_help) / sizeof(role_help[0]))

/* The roles as checkboxes named role_<name>, ids <prefix><name>. */
const struct staff_role_choice_view *
staff_role_choices(struct req *r, const char *prefix, unsigned checked,
    size_t *n)
{
	struct staff_role_choice_view *c;
	size_t i;

	*n = 0;
	if ((c = arena_alloc(r->arena, NROLES * sizeof(*c))) == NULL)
		return NULL;
	for (i = 0; i < NROLES; i++) {
		c[i].id = arena_printf(r->arena, "%s%s", prefix,
		    role_name(role_help[i].bit));
		c[i].name = arena_printf(r->arena, "role_%s",
		    role_name(role_help[i].bit));
		c[i].label = role_label(role_help[i].bit);
		c[i].description = role_help[i].description;
		c[i].checked = (checked & role_help[i].bit) != 0;
	}
	*n = NROLES;
	return c;
}

unsigned
staff_read_roles(struct req *r)
{
	unsigned roles = 0;
	const char *v;
	size_t i;

	for (i = 0; i < NROLES; i++) {
		v = req_form(r, arena_printf(r->arena, "role_%s",
		    role_name(role_help[i].bit)));
		if (v != NULL && strcmp(v, "1") == 0)
			roles |= role_help[i].bit;
	}
	return roles;
}

/* server.public_url, or the address the server listens on (never the
 * Host header, which the client controls), without a trailing '/'. */
const char *
staff_base_url(struct req *r)
{
	const char *pub = r->app->cfg->server.public_url;
	size_t n;

	if ((pub == NULL || pub[0] == '\0') && r->app->origin != NULL)
		return r->app->origin;
	if (pub == NULL || pub[0] == '\0')
		return arena_printf(r->arena, "https://%s:%d",
		    r->app->cfg->server.host, r->app->cfg->server.port);
	for (n = strlen(pub); n > 0 && pub[n - 1] == '/'; n--)
		;
	return arena_strndup(r->arena, pub, n);
}

const char *
staff_reason_error(const char *reason, const char *none)
{
	if (reason == NULL || reason[0] == '\0')
		return none;
	return strlen(reason) > REASON_MAX ? "Keep it under 500 characters." :
	    NULL;
}

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

const char *
staff_when(struct req *r, int64_t ms, const char *none)
{
	char iso[32];

	if (ms <= 0)
		return none;
	time_format_iso(iso, sizeof(iso), ms);
	return arena_printf(r->arena, "%.10s %.5s UTC", iso, iso + 11);
}

/* "Practice owner, Clinician" */
const char *
staff_role_labels(struct req *r, unsigned roles)
{
	struct buf b;
	unsigned bit;

	buf_init(&b, r->arena);
	for (bit = 1; bit != 0 && bit <= ROLE_COMPLIANCE; bit <<= 1)
		if (roles & bit) {
			if (b.len)
				buf_puts(&b, ", ");
			buf_puts(&b, role_label(bit));
		}
	return buf_cstr(&b);
}

static int
load_staff(struct req *r, struct user_row **rows, size_t *n)
{
	if ((*rows = arena_alloc(r->arena, MAX_STAFF * sizeof(**rows))) == NULL)
		return ALC_ENOMEM;
	return users_review(r->app->db, r->sess->practice_id, *rows, MAX_STAFF,
	    n);
}

int
staff_index_send(struct req *r, int status, struct staff_view *v)
{
	struct staff_row_view *v_rows;
	struct user_row *rows;
	struct buf body;
	size_t n, i;
	int rc;

	if ((rc = load_staff(r, &rows, &n)) != 0)
		return rc;
	if ((v_rows = arena_alloc(r->arena, (n + 1) * sizeof(*v_rows))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		v_rows[i].name = rows[i].name;
		v_rows[i].email = rows[i].email;
		v_rows[i].roles = staff_role_labels(r, rows[i].roles);
		v_rows[i].supervisor = rows[i].supervisor[0] ?
		    rows[i].supervisor : NULL;
		v_rows[i].active = rows[i].active;
		v_rows[i].invited = rows[i].active && rows[i].last_login_at == 0 &&
		    rows[i].password_changed_at == 0;
		v_rows[i].href = arena_printf(r->arena, "/staff/%lld",
		    (long long)rows[i].id);
		v_rows[i].last_login = staff_when(r, rows[i].last_login_at, "Never");
		v_rows[i].pw_changed = staff_when(r, rows[i].password_changed_at,
		    rows[i].active ? "At set-up" : "-");
	}
	v->rows = v_rows;
	v->n_rows = n;
	v->practice_name = r->sess->practice_name;
	v->generated = staff_when(r, time_now_ms(), "");
	buf_init(&body, r->arena);
	tmpl_staff_index(&body, v);
	return page_send(r, status, "Staff and access", &body);
}

static int
fill_lockouts(struct req *r, struct staff_view *v)
{
	struct staff_lockout_view *lv;
	struct lockout_row *rows;
	size_t n, i;
	int rc;

	if ((rows = arena_alloc(r->arena, MAX_LOCKOUTS * sizeof(*rows))) ==
	    NULL || (lv = arena_alloc(r->arena, (MAX_LOCKOUTS + 1) *
	    sizeof(*lv))) == NULL)
		return ALC_ENOMEM;
	if ((rc = lockouts_list(r->app->db, r->sess->practice_id, time_now_ms(),
	    rows, MAX_LOCKOUTS, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		lv[i].name = rows[i].name;
		lv[i].email = rows[i].email;
		lv[i].failures = (long long)rows[i].failures;
		lv[i].until = staff_when(r, rows[i].locked_until, "");
		lv[i].action = arena_printf(r->arena, "/staff/%lld/unlock",
		    (long long)rows[i].user_id);
	}
	v->lockouts = lv;
	v->n_lockouts = n;
	return 0;
}

int
staff_index_manage(struct req *r, struct staff_view *v)
{
	int rc;

	if (!can_manage(r))
		return 0;
	v->can_manage = 1;
	v->csrf = r->sess->csrf;
	field(&v->invite_name, "name", "Name", "text", NULL, NULL);
	v->invite_name.required = 1;
	v->invite_name.autocomplete = "off";
	field(&v->invite_email, "email", "E-mail address", "email", NULL, NULL);
	v->invite_email.required = 1;
	v->invite_email.autocomplete = "off";
	v->invite_email.hint = "Their own work address: the invitation and "
	    "password resets go there.";
	field(&v->invite_reason, "reason", "Why they need access", "text",
	    NULL, NULL);
	v->invite_reason.required = 1;
	v->invite_reason.hint = "For example: new therapist starting on "
	    "1 March. Kept with the record of who gave access.";
	if ((v->roles = staff_role_choices(r, "ir-", 0, &v->n_roles)) == NULL)
		return ALC_ENOMEM;
	if ((rc = fill_lockouts(r, v)) != 0)
		return rc;
	return staff_fill_requests(r, v, 0, NULL, NULL);
}

/* The invitation form again, with what was typed and what is wrong. */
static int
invite_again(struct req *r, int status, unsigned roles, const char *top,
    const char *name_err, const char *email_err, const char *reason_err)
{
	struct staff_view v;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = staff_index_manage(r, &v)) != 0)
		return rc;
	v.invite_error = top;
	v.invite_name.value = req_form(r, "name");
	v.invite_name.error = name_err;
	v.invite_email.value = req_form(r, "email");
	v.invite_email.error = email_err;
	v.invite_reason.value = req_form(r, "reason");
	v.invite_reason.error = reason_err;
	if ((v.roles = staff_role_choices(r, "ir-", roles, &v.n_roles)) == NULL)
		return ALC_ENOMEM;
	v.roles_error = roles ? NULL : "Choose at least one role.";
	if (roles & ROLE_OWNER && !(r->sess->roles & ROLE_OWNER))
		v.roles_error = "Only an owner can make someone an owner.";
	return staff_index_send(r, status, &v);
}

/* An owner's own request: approved at once when they are the only owner
 * (core/users/invite_request.h), else left for another owner. */
static int
approve_own(struct req *r, int64_t rid, const struct audit_event *who)
{
	struct invite_mail im;
	struct alc_err err;
	int64_t uid;
	int added, rc;

	im.base_url = staff_base_url(r);
	im.practice = r->sess->practice_name;
	im.inviter = r->sess->user_name;
	memset(&err, 0, sizeof(err));
	rc = invite_request_approve(r->app->db, r->sess->practice_id, rid, &im,
	    who, &uid, &added, &err);
	if (rc == ALC_EPERM)
		return resp_redirect(r, 303, "/staff?done=requested-owner");
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/staff/%lld?done=%s", (long long)uid, added ? "added" : "invited"));
}

int
page_staff_invite(struct req *r)
{
	const char *name = req_form(r, "name"), *email = req_form(r, "email");
	const char *reason = req_form(r, "reason"), *ne, *ee, *re;
	unsigned roles = staff_read_roles(r);
	struct audit_event who;
	struct user_add ua;
	struct alc_err err;
	int64_t rid = 0;
	int rc;

	ne = name == NULL || name[0] == '\0' ? "Enter the person's name." :
	    strlen(name) > 200 ? "Keep the name under 200 characters." : NULL;
	ee = email == NULL || strchr(email, '@') == NULL ? "Enter their "
	    "e-mail address, such as name@example.org." : NULL;
	re = staff_reason_error(reason, "Say why they need access.");
	if (ne || ee || re || roles == 0 ||
	    (roles & ROLE_OWNER && !(r->sess->roles & ROLE_OWNER)))
		return invite_again(r, 422, roles, "Nobody was invited yet: see "
		    "the messages below.", ne, ee, re);
	web_audit_who(r, &who);
	memset(&ua, 0, sizeof(ua));
	memset(&err, 0, sizeof(err));
	ua.email = email;
	ua.name = name;
	ua.roles = roles;
	ua.who = &who;
	ua.reason = reason;
	rc = invite_request_file(r->app->db, r->sess->practice_id, &ua, &rid,
	    &err);
	if (rc == ALC_EINVAL || rc == ALC_EEXIST)
		return invite_again(r, rc == ALC_EINVAL ? 422 : 409, roles,
		    err.user, NULL, NULL, NULL);
	if (rc != 0)
		return rc;
	if (!(r->sess->roles & ROLE_OWNER))
		return resp_redirect(r, 303, "/staff?done=requested");
	return approve_own(r, rid, &who);
}

static const struct {
	const char *done, *text;
} index_msgs[] = {
	{"requested", "Request sent: the invitation goes out when an owner "
	    "approves it."},
	{"requested-owner", "Request filed: another owner approves it, then "
	    "the invitation goes out."},
	{"declined", "Request declined. Nobody was invited."},
};

int
page_staff(struct req *r)
{
	const char *done = req_query(r, "done");
	struct staff_view v;
	size_t i;
	int rc;

	for (i = 0; done != NULL && i < sizeof(index_msgs) /
	    sizeof(index_msgs[0]); i++)
		if (strcmp(done, index_msgs[i].done) == 0)
			page_flash(r, "success", index_msgs[i].text);
	memset(&v, 0, sizeof(v));
	if ((rc = staff_index_manage(r, &v)) != 0)
		return rc;
	return staff_index_send(r, 200, &v);
}

/* One CSV field (RFC 4180), defused against spreadsheet formulas: a cell
 * starting with = + - @ or a control character gets a leading quote. */
static void
csv_field(struct buf *b, const char *s, int last)
{
	const char *p;

	buf_putc(b, '"');
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	    s[0] == '\t' || s[0] == '\r')
		buf_putc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
	buf_puts(b, last ? "\r\n" : ",");
}

int
page_staff_csv(struct req *r)
{
	struct audit_event ev;
	struct user_row *rows;
	size_t n, i;
	int rc;

	if ((rc = load_staff(r, &rows, &n)) != 0)
		return rc;
	/* An export leaves the system: recorded before it is sent. */
	web_audit_who(r, &ev);
	ev.verb = "EXPORT";
	ev.object_type = "access_review";
	ev.detail = arena_printf(r->arena, "{\"rows\":%zu}", n);
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	buf_reset(&r->out);
	buf_puts(&r->out, "name,email,roles,status,last_sign_in_utc,"
	    "password_set_utc\r\n");
	for (i = 0; i < n; i++) {
		csv_field(&r->out, rows[i].name, 0);
		csv_field(&r->out, rows[i].email, 0);
		csv_field(&r->out, staff_role_labels(r, rows[i].roles), 0);
		csv_field(&r->out, rows[i].active ? "active" : "deactivated", 0);
		csv_field(&r->out, staff_when(r, rows[i].last_login_at, ""), 0);
		csv_field(&r->out, staff_when(r, rows[i].password_changed_at, ""), 1);
	}
	r->content_type = "text/csv; charset=utf-8";
	resp_header(r, "Content-Disposition",
	    "attachment; filename=\"access-review.csv\"");
	return buf_failed(&r->out) ? ALC_ENOMEM : 0;
}

/* Appends "label" to a "; "-separated list in b. */
static void
list_add(struct buf *b, const char *label)
{
	if (b->len)
		buf_puts(b, "; ");
	buf_puts(b, label);
}

int
page_permissions(struct req *r)
{
	struct role_perms_view *rv;
	struct permissions_view v;
	struct buf body, can, cannot;
	unsigned bit, i;
	size_t n = 0;

	if ((rv = arena_alloc(r->arena, 8 * sizeof(*rv))) == NULL)
		return ALC_ENOMEM;
	for (bit = 1; bit != 0 && bit <= ROLE_COMPLIANCE; bit <<= 1, n++) {
		buf_init(&can, r->arena);
		buf_init(&cannot, r->arena);
		for (i = 0; i < permissions_count; i++)
			list_add(permissions[i].roles & bit ? &can : &cannot,
			    permissions[i].label);
		rv[n].role = role_label(bit);
		rv[n].can = can.len ? buf_cstr(&can) : NULL;
		rv[n].cannot = cannot.len ? buf_cstr(&cannot) : NULL;
	}
	memset(&v, 0, sizeof(v));
	v.roles = rv;
	v.n_roles = n;
	buf_init(&body, r->arena);
	tmpl_staff_permissions(&body, &v);
	return page_send(r, 200, "What each role can do", &body);
}
