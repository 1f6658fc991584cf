/*
 * pages/schedule_feed.c - the signed-in clinician's calendar feed: the
 * page that makes (shows once) and revokes its secret URL, and the feed
 * itself (GET /schedule/calendar.ics?token=..., no session: the token is
 * the credential, checked here).  What the feed contains and why it holds
 * no PHI: core/scheduling/feed.c.  With the initials setting on, initials
 * leave the practice: that is a disclosure the practice chose, so each
 * fetch that carries initials writes a VIEW event (object "calendar_feed")
 * with the patients' ids.  The setting itself is chosen on the set-up
 * page (page_schedule_setup_feed, owners and administrators).
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_schedule.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/patients/patients.h"
#include "core/scheduling/scheduling.h"
#include "core/users/users.h"
#include "crypto/random.h"
#include "templates.h"

#include <string.h>

#define FEED_PAST_MS (30LL * 86400000)
#define FEED_AHEAD_MS (366LL * 86400000)

static int
feed_page(struct req *r, int status, const char *url, const char *msg)
{
	struct sched_feed_view v;
	struct buf body;
	int64_t created;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = sched_feed_token_created(r->app->db, r->sess->practice_id,
	    r->sess->user_id, &created)) != 0)
		return rc;
	v.csrf = r->sess->csrf;
	v.url = url;
	v.message = msg;
	v.has_token = created > 0;
	v.created = created ? staff_when(r, created, NULL) : NULL;
	buf_init(&body, r->arena);
	tmpl_schedule_feed(&body, &v);
	return page_send(r, status, "Calendar subscription", &body);
}

int
page_schedule_feed(struct req *r)
{
	return feed_page(r, 200, NULL, NULL);
}

int
page_schedule_feed_token(struct req *r)
{
	char token[RAND_TOKEN_SIZE];
	struct audit_event who;
	const char *url;
	int rc;

	web_audit_who(r, &who);
	if ((rc = sched_feed_token_create(r->app->db, r->sess->practice_id,
	    r->sess->user_id, &who, token, sizeof(token))) != 0)
		return rc;
	url = arena_printf(r->arena, "%s/schedule/calendar.ics?token=%s",
	    staff_base_url(r), token);
	memset(token, 0, sizeof(token));
	return feed_page(r, 200, url, "Your new subscription address is "
	    "below. It is shown only this once.");
}

int
page_schedule_feed_revoke(struct req *r)
{
	struct audit_event who;
	int rc;

	web_audit_who(r, &who);
	if ((rc = sched_feed_token_revoke(r->app->db, r->sess->practice_id,
	    r->sess->user_id, &who)) != 0)
		return rc;
	return feed_page(r, 200, NULL, "The subscription address no longer "
	    "works.");
}

/* Initials for each appointment, and the audit event of their release. */
static int
initials(struct req *r, int64_t pid, const struct sched_appt *a, size_t n,
    const char ***out)
{
	struct patient_brief b[SCHED_MAX_PEOPLE];
	struct audit_event ev;
	struct buf ids, s;
	size_t i, j;
	int rc;

	if ((*out = arena_alloc(r->arena, (n + 1) * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	buf_init(&ids, r->arena);
	for (i = 0; i < n; i++) {
		if ((rc = patients_briefs(r->app->db, r->app->keys, r->arena, pid,
		    a[i].patients, a[i].npatients, b)) != 0)
			return rc;
		buf_init(&s, r->arena);
		for (j = 0; j < a[i].npatients; j++) {
			buf_printf(&s, "%s%s", j ? " " : "", b[j].initials ?
			    b[j].initials : "");
			if (ids.len < 1800)
				buf_printf(&ids, "%s%lld", ids.len ? "," : "",
				    (long long)a[i].patients[j]);
		}
		(*out)[i] = buf_cstr(&s);
	}
	if (n == 0)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.actor_role = "calendar feed";
	ev.verb = "VIEW";
	ev.practice_id = pid;
	ev.object_type = "calendar_feed";
	ev.detail = arena_printf(r->arena, "{\"initials\":[%s]}",
	    buf_cstr(&ids));
	return audit_record_read(r->app->audit, &ev);
}

int
page_schedule_ics(struct req *r)
{
	int64_t pid, uid, now = time_now_ms();
	const char **sum = NULL;
	struct sched_appt *a;
	int with_initials, rc;
	size_t n;

	if ((rc = sched_feed_lookup(r->app->db, req_query(r, "token"), &pid,
	    &uid, &with_initials)) != 0)
		return rc;
	if ((rc = sched_list(r->app->db, r->arena, pid, &uid, 1,
	    now - FEED_PAST_MS, now + FEED_AHEAD_MS, &a, &n)) != 0)
		return rc;
	if (with_initials && (rc = initials(r, pid, a, n, &sum)) != 0)
		return rc;
	buf_reset(&r->out);
	sched_ical(&r->out, arena_printf(r->arena, "practice-%lld.alcove",
	    (long long)pid), a, n, sum, now);
	r->content_type = "text/calendar; charset=utf-8";
	resp_header(r, "Content-Disposition",
	    "inline; filename=\"appointments.ics\"");
	return buf_failed(&r->out) ? ALC_ENOMEM : 0;
}

/* POST /schedule/setup/feed (owners, administrators): what the practice's
 * feeds call an appointment, "appointment" or "initials". */
int
page_schedule_setup_feed(struct req *r)
{
	const char *what = req_form(r, "feed_summary");
	struct audit_event who;
	int rc, on;

	if (what == NULL || (strcmp(what, "initials") != 0 &&
	    strcmp(what, "appointment") != 0))
		return ALC_EINVAL;
	on = strcmp(what, "initials") == 0;
	web_audit_who(r, &who);
	if ((rc = sched_feed_initials_set(r->app->db, r->sess->practice_id, on,
	    &who)) != 0)
		return rc;
	return resp_redirect(r, 303, "/schedule/setup?done=feed");
}
