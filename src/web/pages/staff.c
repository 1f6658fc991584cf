/*
 * pages/staff.c - the staff list / access review, its CSV export, and the
 * permission matrix in plain language.
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
#include "core/users/admin.h"
#include "core/users/users.h"
#include "templates.h"

#include <string.h>

#define MAX_STAFF 2000

static const char *
date_or(struct req *r, int64_t ms, const char *none)
{
	char iso[32];

	if (ms <= 0)
		return none;
	time_format_iso(iso, sizeof(iso), ms);
	return arena_printf(r->arena, "%.10s %.5s UTC", iso, iso + 11);
}

/* "Practice owner, Clinician" */
static const char *
role_labels(struct req *r, unsigned roles)
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
page_staff(struct req *r)
{
	struct staff_row_view *v_rows;
	struct user_row *rows;
	struct staff_view v;
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
		v_rows[i].roles = role_labels(r, rows[i].roles);
		v_rows[i].active = rows[i].active;
		v_rows[i].last_login = date_or(r, rows[i].last_login_at, "Never");
		v_rows[i].pw_changed = date_or(r, rows[i].password_changed_at,
		    rows[i].active ? "At set-up" : "-");
	}
	memset(&v, 0, sizeof(v));
	v.rows = v_rows;
	v.n_rows = n;
	v.practice_name = r->sess->practice_name;
	v.generated = date_or(r, time_now_ms(), "");
	buf_init(&body, r->arena);
	tmpl_staff_index(&body, &v);
	return page_send(r, 200, "Staff and access", &body);
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
		csv_field(&r->out, role_labels(r, rows[i].roles), 0);
		csv_field(&r->out, rows[i].active ? "active" : "deactivated", 0);
		csv_field(&r->out, date_or(r, rows[i].last_login_at, ""), 0);
		csv_field(&r->out, date_or(r, rows[i].password_changed_at, ""), 1);
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
