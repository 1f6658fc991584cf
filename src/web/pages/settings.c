/*
 * pages/settings.c - the practice's security settings (owner, admin).
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_settings.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/backup/backup.h"
#include "core/practice/settings.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "5 minutes ago", "3 hours ago", "2 days ago". */
static const char *
age_text(struct arena *a, int64_t ms)
{
	int64_t m = ms / 60000, h = m / 60, d = h / 24;

	if (m < 1)
		return "just now";
	if (h < 1)
		return arena_printf(a, "%lld minute%s ago", (long long)m,
		    m == 1 ? "" : "s");
	if (d < 2)
		return arena_printf(a, "%lld hour%s ago", (long long)h,
		    h == 1 ? "" : "s");
	return arena_printf(a, "%lld days ago", (long long)d);
}

static const char *
when_text(struct arena *a, int64_t ms)
{
	char buf[32];
	struct tm tm;
	time_t t = (time_t)(ms / 1000);

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
	return arena_printf(a, "%s", buf);
}

/* The last good backup and its age, with a warning when there is none
 * or it is older than 48 hours. */
static void
backup_fill(struct req *r, struct settings_view *v)
{
	struct backup_status st;
	char iso[32];
	int64_t now = time_now_ms();

	if (backup_status_get(r->app->db, &st) != 0) {
		v->backup_warning = "The backup status could not be read.";
		return;
	}
	if (st.last_ok_at > 0) {
		v->backup_iso = arena_printf(r->arena, "%s", time_format_iso(iso,
		    sizeof(iso), st.last_ok_at));
		v->backup_when = when_text(r->arena, st.last_ok_at);
		v->backup_age = age_text(r->arena, now - st.last_ok_at);
	}
	if (st.last_ok_at == 0)
		v->backup_warning = "No backup has been taken. Set up scheduled "
		    "backups or run alcove backup.";
	else if (now - st.last_ok_at > BACKUP_STALE_MS)
		v->backup_warning = "The last good backup is more than 48 hours "
		    "old.";
	if (st.last_fail_at > 0) {
		v->backup_failed_when = when_text(r->arena, st.last_fail_at);
		v->backup_error = arena_printf(r->arena, "%s", st.last_error);
	}
}

/* What the form holds: as typed, with an error per field. */
struct settings_form {
	const char *idle, *idle_error;
	const char *bg, *bg_error;
	int mfa_all;
};

static int
render(struct req *r, int status, const struct settings_form *f)
{
	struct settings_view v;
	struct buf body;

	memset(&v, 0, sizeof(v));
	backup_fill(r, &v);
	v.idle_minutes = f->idle;
	v.idle_error = f->idle_error;
	v.bg_minutes = f->bg;
	v.bg_error = f->bg_error;
	v.mfa_all_staff = f->mfa_all;
	v.csrf = r->sess->csrf;
	buf_init(&body, r->arena);
	tmpl_settings_index(&body, &v);
	return page_send(r, status, "Security settings", &body);
}

int
page_settings(struct req *r)
{
	struct practice_settings ps;
	struct settings_form f;
	int rc;

	if ((rc = settings_get(r->app->db, r->sess->practice_id, &ps)) != 0)
		return rc;
	if (strcmp(req_query(r, "done") ? req_query(r, "done") : "", "saved")
	    == 0)
		page_flash(r, "success", "The settings are saved.");
	memset(&f, 0, sizeof(f));
	f.idle = arena_printf(r->arena, "%d", ps.idle_minutes);
	f.bg = arena_printf(r->arena, "%d", ps.break_glass_minutes);
	f.mfa_all = ps.mfa_all_staff;
	return render(r, 200, &f);
}

/* A whole number from lo to hi in s, or -1. */
static int
minutes(const char *s, int lo, int hi)
{
	char *end = NULL;
	long n;

	if (s == NULL)
		return -1;
	n = strtol(s, &end, 10);
	if (end == s || *end != '\0' || n < lo || n > hi)
		return -1;
	return (int)n;
}

int
page_settings_save(struct req *r)
{
	struct practice_settings ps;
	struct settings_form f;
	struct audit_event who;
	struct alc_err err;
	int rc;

	memset(&f, 0, sizeof(f));
	f.idle = req_form(r, "idle_minutes");
	f.bg = req_form(r, "break_glass_minutes");
	f.mfa_all = ps.mfa_all_staff = req_form(r, "mfa_all_staff") != NULL;
	if ((ps.idle_minutes = minutes(f.idle, SETTINGS_IDLE_MIN,
	    SETTINGS_IDLE_MAX)) < 0)
		f.idle_error = "Enter a whole number of minutes from 1 to 60.";
	if ((ps.break_glass_minutes = minutes(f.bg, SETTINGS_BG_MIN,
	    SETTINGS_BG_MAX)) < 0)
		f.bg_error = "Enter a whole number of minutes from 15 to 480.";
	if (f.idle_error != NULL || f.bg_error != NULL)
		return render(r, 422, &f);
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	if ((rc = settings_update(r->app->db, r->sess->practice_id, &ps, &who,
	    &err)) != 0)
		return rc;
	return resp_redirect(r, 303, "/settings?done=saved");
}
