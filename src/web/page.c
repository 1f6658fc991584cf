/*
 * page.c - the layout around every page, hashed asset URLs, error pages.
 */
#include "web/page.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/session.h"
#include "web/views.h"
#include "base/arena.h"
#include "base/embed.h"
#include "base/err.h"
#include "core/users/users.h"
#include "templates.h"

#include <string.h>

const char *
page_asset_href(struct req *r, const char *name)
{
	const struct embedded_file *f;
	const char *dot;

	f = embed_find(static_assets, static_assets_count, name);
	if (f == NULL)
		return NULL;
	/* "css/alcove.css" -> "/static/css/alcove.<hash>.css" */
	dot = strrchr(name, '.');
	if (dot == NULL || strchr(dot, '/') != NULL)
		return arena_printf(r->arena, "/static/%s.%s", name, f->hash);
	return arena_printf(r->arena, "/static/%.*s.%s%s", (int)(dot - name),
	    name, f->hash, dot);
}

/* The app navigation: each entry shows only to those its action allows,
 * so nobody is offered a page that would answer 403.  Three places: the
 * main bar; the compliance program's own bar, shown on its pages (a
 * practice's compliance work is one area with several records, and the
 * main bar stays short enough to read at a glance); and the account
 * links beside the person's name. */
enum nav_place { NAV_MAIN, NAV_COMPLIANCE, NAV_ACCOUNT };

static const struct {
	const char *label, *href;
	enum action action;
	enum nav_place place;
	int multi;  /* only for people in more than one practice */
} nav_all[] = {
	{"Home", "/home", ACT_SIGNED_IN, NAV_MAIN, 0},
	{"Calendar", "/schedule", ACT_SCHEDULE_VIEW, NAV_MAIN, 0},
	{"Patients", "/patients", ACT_PATIENT_VIEW, NAV_MAIN, 0},
	{"Notes due", "/notes/due", ACT_NOTE_WRITE, NAV_MAIN, 0},
	{"Compliance", "/compliance", ACT_COMPLIANCE_VIEW, NAV_MAIN, 0},
	{"Staff", "/staff", ACT_STAFF_VIEW, NAV_MAIN, 0},
	{"Audit trail", "/audit", ACT_AUDIT_VIEW, NAV_MAIN, 0},
	{"Settings", "/settings", ACT_SETTINGS_MANAGE, NAV_MAIN, 0},
	{"Dashboard", "/compliance/dashboard", ACT_COMPLIANCE_VIEW,
	    NAV_COMPLIANCE, 0},
	{"Tasks", "/compliance", ACT_COMPLIANCE_VIEW, NAV_COMPLIANCE, 0},
	{"Report an incident", "/incidents/new", ACT_INCIDENT_REPORT,
	    NAV_COMPLIANCE, 0},
	{"Incidents", "/incidents", ACT_INCIDENT_MANAGE, NAV_COMPLIANCE, 0},
	{"Vendors", "/vendors", ACT_VENDOR_VIEW, NAV_COMPLIANCE, 0},
	{"Risk analysis", "/compliance/risk", ACT_RISK_MANAGE, NAV_COMPLIANCE,
	    0},
	{"Policies", "/policies", ACT_POLICY_VIEW, NAV_COMPLIANCE, 0},
	{"Training", "/training", ACT_POLICY_VIEW, NAV_COMPLIANCE, 0},
	{"Audit review", "/audit/review", ACT_AUDIT_REVIEW, NAV_COMPLIANCE, 0},
	{"Your sessions", "/account/sessions", ACT_SIGNED_IN, NAV_ACCOUNT, 0},
	{"Two-step sign-in", "/account/mfa", ACT_SIGNED_IN, NAV_ACCOUNT, 0},
	{"Switch practice", "/account/practices", ACT_SIGNED_IN, NAV_ACCOUNT, 1},
};
#define NNAV (sizeof(nav_all) / sizeof(nav_all[0]))

/* Whether path is href or below it ("/patients/12" is under "/patients";
 * "/home" is only itself). */
static int
path_under(const char *path, const char *href)
{
	size_t n = strlen(href);

	return strncmp(path, href, n) == 0 &&
	    (path[n] == '\0' || (path[n] == '/' && strcmp(href, "/home") != 0));
}

/* The entry of place that best matches path (the longest href), or -1. */
static int
nav_best(const char *path, enum nav_place place)
{
	size_t i, best_len = 0;
	int best = -1;

	for (i = 0; i < NNAV; i++)
		if (nav_all[i].place == place &&
		    path_under(path, nav_all[i].href) &&
		    strlen(nav_all[i].href) > best_len) {
			best = (int)i;
			best_len = strlen(nav_all[i].href);
		}
	return best;
}

/* The allowed entries of place into a new array; *n gets their count. */
static struct nav_item *
nav_build(struct req *r, enum nav_place place, size_t *n)
{
	struct nav_item *nav;
	int best = nav_best(r->path, place);
	size_t i;

	*n = 0;
	if ((nav = arena_alloc(r->arena, NNAV * sizeof(*nav))) == NULL)
		return NULL;
	for (i = 0; i < NNAV; i++) {
		if (nav_all[i].place != place ||
		    (nav_all[i].multi && r->sess->n_practices < 2) ||
		    authz_check(r, nav_all[i].action) != 0)
			continue;
		nav[*n].label = nav_all[i].label;
		nav[*n].href = nav_all[i].href;
		nav[*n].current = (int)i == best;
		(*n)++;
	}
	return nav;
}

/* A compliance page: the compliance bar shows, and "Compliance" in the
 * main bar is the current area. */
static int
in_compliance(const char *path)
{
	return nav_best(path, NAV_COMPLIANCE) >= 0;
}

static void
layout_user(struct req *r, struct layout_view *v)
{
	struct nav_item *nav;
	size_t i;

	v->user_name = r->sess->user_name;
	v->practice_name = r->sess->practice_name;
	v->csrf = r->sess->csrf;
	v->idle_seconds = r->sess->idle_ms / 1000;
	/* Until sign-in is finished (MFA code or setup due) every link but
	 * signing out would only lead back to it. */
	if (r->sess->stage != SESSION_FULL)
		return;
	v->nav = nav = nav_build(r, NAV_MAIN, &v->n_nav);
	if (nav != NULL && in_compliance(r->path))
		for (i = 0; i < v->n_nav; i++)
			nav[i].current = strcmp(nav[i].href, "/compliance") == 0;
	if (in_compliance(r->path))
		v->subnav = nav_build(r, NAV_COMPLIANCE, &v->n_subnav);
	v->account_nav = nav_build(r, NAV_ACCOUNT, &v->n_account_nav);
}

void
page_flash(struct req *r, const char *kind, const char *text)
{
	if (r->nflash >= sizeof(r->flash_kind) / sizeof(r->flash_kind[0]))
		return;
	r->flash_kind[r->nflash] = kind;
	r->flash_text[r->nflash] = text;
	r->nflash++;
}

static void
layout_flashes(struct req *r, struct layout_view *v)
{
	struct flash_view *f;
	size_t i;

	if (r->nflash == 0 ||
	    (f = arena_alloc(r->arena, r->nflash * sizeof(*f))) == NULL)
		return;
	for (i = 0; i < r->nflash; i++) {
		f[i].kind = r->flash_kind[i];
		f[i].text = r->flash_text[i];
	}
	v->flashes = f;
	v->n_flashes = r->nflash;
}

int
page_send(struct req *r, int status, const char *title,
    const struct buf *body)
{
	struct layout_view v;

	if (buf_failed(body))
		return ALC_ENOMEM;
	memset(&v, 0, sizeof(v));
	if (r->sess != NULL)
		layout_user(r, &v);
	v.title = title;
	layout_flashes(r, &v);
	v.icon_href = page_asset_href(r, "icons/favicon.svg");
	v.css_href = page_asset_href(r, "css/alcove.css");
	v.print_css_href = page_asset_href(r, "css/print.css");
	v.js_href = page_asset_href(r, "js/alcove.js");
	v.body = buf_cstr(body);
	r->status = status;
	r->content_type = "text/html; charset=utf-8";
	buf_reset(&r->out);
	tmpl_layout(&r->out, &v);
	return buf_failed(&r->out) ? ALC_ENOMEM : 0;
}

struct status_text {
	int status;
	const char *title, *message;
};

static const struct status_text statuses[] = {
	{400, "Bad request", "The request could not be understood. If you "
	    "followed a link, go back and try again."},
	{403, "Not allowed", "Your account does not have access to this page. "
	    "If you need it for your work, ask your practice administrator."},
	{404, "Page not found", "There is no page at this address. Check the "
	    "address, or start again from the home page."},
	{405, "Not allowed here", "This page cannot be used that way."},
	{413, "Too large", "What you sent is larger than this server accepts. "
	    "Try a smaller file or less text."},
	{431, "Request too large", "Your browser sent more data than this "
	    "server accepts. Clearing this site's cookies may help."},
	{500, "Something went wrong", "The server could not finish your "
	    "request. Nothing was changed. Please try again; if it keeps "
	    "happening, give your administrator the reference below."},
	{503, "Temporarily unavailable", "The server is busy or restarting. "
	    "Please try again in a moment."},
};

void
page_error_msg(struct req *r, int status, const char *title,
    const char *message)
{
	struct error_view v;
	struct buf body;

	memset(&v, 0, sizeof(v));
	v.status = status;
	v.title = title;
	v.message = message;
	v.request_id = r->rid;
	buf_init(&body, r->arena);
	tmpl_errors_error(&body, &v);
	if (page_send(r, status, title, &body) != 0) {
		/* Out of memory: a minimal page rather than none. */
		r->out.failed = 0;
		resp_text(r, status, "text/plain; charset=utf-8", title);
	}
}

void
page_error(struct req *r, int status)
{
	const struct status_text *st = &statuses[6]; /* 500 */
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			st = &statuses[i];
	page_error_msg(r, status, st->title, st->message);
}
