/*
 * pages/settings_keys.c - /settings/keys: the practice's encryption keys
 * and their rotation (owner, admin).
 *
 * GET lists the key purposes with the active key, when it was made, how
 * many rows it seals or indexes (keys_status, as `alcove keys status`)
 * and the keys being retired, then the latest rotation job of the
 * practice (core/keys/rotate_job.c): while it is queued or running, its
 * progress (rows done of done + rows still under retiring keys), whom it
 * was started by and when, in a block whose data-refresh-seconds makes
 * static/js/alcove.js reload the page; afterwards its result.  Key ids
 * and counts are not PHI: no audit event for reading them.
 *
 * POST /settings/keys/rotate queues the job for one purpose of this
 * practice (audited in keys_rotate_enqueue's transaction): 422 for a
 * purpose that is not one of the four, 409 while a rotation is queued or
 * running (one at a time on the installation).
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_keys.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "core/keys/keystore.h"
#include "core/keys/rotate_job.h"
#include "core/users/users.h"
#include "templates.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
	enum keystore_purpose p;
	const char *label, *hint;
} purposes[] = {
	{KS_GENERAL, "General records", "Names, contact details, clinical "
	    "notes and every other sealed field"},
	{KS_PSYCHOTHERAPY, "Psychotherapy notes", "Process notes kept apart "
	    "from the medical record"},
	{KS_PART2, "Part 2 records", "Substance-use treatment records under "
	    "42 CFR Part 2"},
	{KS_BLIND_INDEX, "Search index", "Lets staff find patients by name, "
	    "birth date or phone without decrypting every record"},
};
#define NPURPOSES (sizeof(purposes) / sizeof(purposes[0]))

static const char *
when_text(struct arena *a, int64_t ms)
{
	char buf[32];
	struct tm tm;
	time_t t = (time_t)(ms / 1000);

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	return arena_printf(a, "%s", buf);
}

static const char *
purpose_label(const char *name)
{
	size_t i;

	if (name != NULL && strcmp(name, "all") == 0)
		return "all record keys";
	for (i = 0; name != NULL && i < NPURPOSES; i++)
		if (strcmp(name, keystore_purpose_name(purposes[i].p)) == 0)
			return purposes[i].label;
	return name;
}

/* One row of keys_status into the purposes of this practice. */
static void
fill_key(struct req *r, struct keys_purpose_view *pv,
    const struct keys_status_row *k)
{
	size_t i;

	for (i = 0; i < NPURPOSES; i++)
		if (purposes[i].p == k->purpose)
			break;
	if (i == NPURPOSES || k->practice_id != r->sess->practice_id)
		return;
	if (strcmp(k->status, "active") == 0) {
		pv[i].active_id = k->key_id;
		pv[i].created = when_text(r->arena, k->created_at);
		pv[i].rows = k->rows > 0 ? k->rows : 0;
	} else if (strcmp(k->status, "retiring") == 0) {
		pv[i].retiring = arena_printf(r->arena, "%s%sKey %" PRId64 " (%"
		    PRId64 " rows left)", pv[i].retiring ? pv[i].retiring : "",
		    pv[i].retiring ? ", " : "", k->key_id, k->rows > 0 ? k->rows : 0);
	}
}

static int
fill_purposes(struct req *r, struct keys_view *v)
{
	struct keys_purpose_view *pv;
	struct keys_status_row *rows = NULL;
	int64_t running = 0;
	size_t n = 0, i;
	int rc;

	if ((pv = arena_alloc(r->arena, NPURPOSES * sizeof(*pv))) == NULL)
		return ALC_ENOMEM;
	memset(pv, 0, NPURPOSES * sizeof(*pv));
	for (i = 0; i < NPURPOSES; i++) {
		pv[i].name = keystore_purpose_name(purposes[i].p);
		pv[i].label = purposes[i].label;
		pv[i].hint = purposes[i].hint;
	}
	if ((rc = keys_status(r->app->keys, &rows, &n, &running)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		fill_key(r, pv, &rows[i]);
	free(rows);
	v->purposes = pv;
	v->n_purposes = NPURPOSES;
	return 0;
}

/* The latest rotation job: progress while it runs, its result after. */
static int
fill_job(struct req *r, struct keys_view *v)
{
	struct keys_job_view j;
	int rc;

	if ((rc = keys_rotate_job_latest(r->app->db, r->sess->practice_id, &j))
	    == ALC_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	v->running = strcmp(j.status, "queued") == 0 ||
	    strcmp(j.status, "running") == 0;
	v->job_purpose = purpose_label(arena_printf(r->arena, "%s", j.purpose));
	v->by = j.by_name[0] ? arena_printf(r->arena, "%s", j.by_name) :
	    "the command line";
	v->started = when_text(r->arena, j.created_at);
	v->done = j.rows_done;
	v->total = j.rows_done + j.rows_left;
	v->percent = v->total > 0 ? v->done * 100 / v->total : 0;
	if (strcmp(j.status, "done") == 0)
		v->finished = when_text(r->arena, j.finished_at);
	if (j.error[0] != '\0' && strcmp(j.status, "done") != 0)
		v->failed = arena_printf(r->arena, "%s", j.error);
	return 0;
}

static int
render(struct req *r, int status, const char *error)
{
	struct keys_view v;
	struct buf body;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = fill_purposes(r, &v)) != 0 || (rc = fill_job(r, &v)) != 0)
		return rc;
	v.csrf = r->sess->csrf;
	v.error = error;
	buf_init(&body, r->arena);
	tmpl_settings_keys(&body, &v);
	return page_send(r, status, "Encryption keys", &body);
}

int
page_settings_keys(struct req *r)
{
	const char *done = req_query(r, "done");

	if (done != NULL && strcmp(done, "started") == 0)
		page_flash(r, "success", "The key rotation has started. It runs "
		    "in the background; this page shows how far it has got.");
	return render(r, 200, NULL);
}

int
page_settings_keys_rotate(struct req *r)
{
	const char *purpose = req_form(r, "purpose");
	struct audit_event who;
	size_t i;
	int rc;

	for (i = 0; purpose != NULL && i < NPURPOSES; i++)
		if (strcmp(purpose, keystore_purpose_name(purposes[i].p)) == 0)
			break;
	if (purpose == NULL || i == NPURPOSES)
		return render(r, 422, "Choose which key to rotate: general "
		    "records, psychotherapy notes, Part 2 records or the search "
		    "index.");
	web_audit_who(r, &who);
	rc = keys_rotate_enqueue(r->app->db, r->sess->practice_id, purpose, 0,
	    &who, NULL);
	if (rc == ALC_EBUSY)
		return render(r, 409, "A key rotation is already running. Wait "
		    "for it to finish, then start the next one.");
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, "/settings/keys?done=started");
}
