/*
 * pages/notes_psych.c - psychotherapy notes (45 CFR 164.501): the
 * reader's own list with the form to write one, and one note.
 *
 * Kept apart from the chart: the list shows only what core lets this
 * reader read (their own; their supervisees' when the practice allows),
 * so nobody else, the owner included, ever sees that one exists.  One
 * note that the reader may not read answers 404, the same as a note that
 * does not exist, and that refused attempt is audited too.  Every view
 * is audited with sensitivity psychotherapy_note before it is sent.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_notes.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/notes/notes.h"
#include "core/patients/patients.h"
#include "core/users/users.h"
#include "templates.h"

#include <string.h>

#define PSY "psychotherapy_note"

/* The 404 answer to a reader who may not see psychotherapy note nid (0:
 * the list) of patient id, after its ACCESS_DENIED event. */
static int
deny(struct req *r, int64_t id, int64_t nid, const char *reason)
{
	struct audit_event ev;
	int rc;

	web_audit_who(r, &ev);
	ev.verb = "ACCESS_DENIED";
	ev.object_type = "psychotherapy_note";
	ev.object_id = arena_printf(r->arena, "%lld", (long long)nid);
	ev.patient_id = id;
	ev.sensitivity = PSY;
	ev.outcome = AUDIT_MINOR_FAILURE;
	ev.reason = reason;
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	page_error(r, 404);
	return 0;
}

/* Clinical access, or the 404 answer (*shown set). */
static int
gate(struct req *r, int64_t id, int64_t nid, int *bg, int *shown)
{
	struct patient_actor who;
	enum patient_access acc;
	int rc;

	*shown = 0;
	patients_web_actor(r, &who);
	if ((rc = patients_access(r->app->db, &who, id, time_now_ms(), &acc,
	    bg)) != 0)
		return rc;
	if (acc == PATIENT_ACCESS_CLINICAL)
		return 0;
	*shown = 1;
	return deny(r, id, nid, "clinical access needed");
}

static int
show_list(struct req *r, int64_t id, int status, const char *error,
    const char *text)
{
	struct psych_row_view *rows;
	struct patient_brief b;
	struct psych_note *p;
	struct psych_view v;
	struct buf body;
	size_t k, i;
	int bg = 0, shown, rc;

	if ((rc = gate(r, id, 0, &bg, &shown)) != 0 || shown)
		return rc;
	if ((rc = notes_web_brief(r, id, &b)) != 0 ||
	    (rc = psychnotes_list(r->app->db, r->arena, r->sess->practice_id,
	    id, r->sess->user_id, &p, &k)) != 0)
		return rc;
	if ((rows = arena_alloc(r->arena, (k + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < k; i++) {
		rows[i].href = arena_printf(r->arena,
		    "/patients/%lld/psychotherapy-notes/%lld", (long long)id,
		    (long long)p[i].id);
		rows[i].when = staff_when(r, p[i].created_at, "");
		rows[i].author = p[i].author_name;
	}
	if ((rc = notes_web_audit(r, "VIEW", "psychotherapy_notes", id, id,
	    PSY, bg)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.patient_name = b.display_name;
	v.patient_href = arena_printf(r->arena, "/patients/%lld", (long long)id);
	v.action = arena_printf(r->arena, "/patients/%lld/psychotherapy-notes",
	    (long long)id);
	v.csrf = r->sess->csrf;
	v.error = error;
	v.text = text;
	v.rows = rows;
	v.n_rows = k;
	buf_init(&body, r->arena);
	tmpl_notes_psych(&body, &v);
	return page_send(r, status, "Psychotherapy notes", &body);
}

int
page_psych_notes(struct req *r)
{
	int64_t id = patients_web_id(r);

	return id ? show_list(r, id, 200, NULL, NULL) : ALC_ENOTFOUND;
}

int
page_psych_create(struct req *r)
{
	int64_t id = patients_web_id(r), nid = 0;
	const char *text = req_form(r, "text");
	struct audit_event ev;
	struct alc_err err;
	int bg = 0, shown, rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	if ((rc = gate(r, id, 0, &bg, &shown)) != 0 || shown)
		return rc;
	web_audit_who(r, &ev);
	ev.purpose_of_use = bg ? "break-glass" : "TPO";
	memset(&err, 0, sizeof(err));
	rc = psychnotes_create(r->app->db, r->app->keys, r->sess->practice_id,
	    id, text, &ev, &nid, &err);
	if (rc == ALC_EINVAL)
		return show_list(r, id, 422, err.user, text);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/patients/%lld/psychotherapy-notes/%lld", (long long)id,
	    (long long)nid));
}

int
page_psych_note(struct req *r)
{
	int64_t id = patients_web_id(r), nid = notes_web_nid(r);
	struct patient_brief b;
	struct psych_note p;
	struct psych_view v;
	struct buf body;
	int bg = 0, shown, rc;

	if (id == 0 || nid == 0)
		return ALC_ENOTFOUND;
	if ((rc = gate(r, id, nid, &bg, &shown)) != 0 || shown)
		return rc;
	rc = psychnotes_get(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, id, nid, r->sess->user_id, &p);
	if (rc == ALC_ENOTFOUND) /* the same answer as no such note */
		return deny(r, id, nid, "not the author");
	if (rc != 0 || (rc = notes_web_brief(r, id, &b)) != 0)
		return rc;
	if ((rc = notes_web_audit(r, "VIEW", "psychotherapy_note", id, nid,
	    PSY, bg)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.patient_name = b.display_name;
	v.patient_href = arena_printf(r->arena, "/patients/%lld", (long long)id);
	v.list_href = arena_printf(r->arena, "/patients/%lld/psychotherapy-notes",
	    (long long)id);
	v.when = staff_when(r, p.created_at, "");
	v.author = p.author_name;
	v.text = p.text;
	buf_init(&body, r->arena);
	tmpl_notes_psych_show(&body, &v);
	return page_send(r, 200, "Psychotherapy note", &body);
}
