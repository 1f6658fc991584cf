/*
 * pages/notes.c - clinical notes: a patient's list, a new note from a
 * template (standalone or from an appointment), a note's page (a draft's
 * form or a signed note's text) and saving a draft.
 *
 * Access in two steps, as for the chart: the route's action lets the role
 * in (ACT_PATIENT_VIEW to read, ACT_NOTE_WRITE to write), then
 * patients_access() must give PATIENT_ACCESS_CLINICAL (no access: the
 * break-glass page; demographic access: 403 with ACCESS_DENIED).  Every
 * page showing a note writes its VIEW event before it is rendered.
 *
 * A template field posts under its key; a multi-choice field as one
 * checkbox per option, KEY__N, joined with "; " in the stored value.
 * Signing, addenda, co-signing, versions and the due list are in
 * notes_sign.c; psychotherapy notes in notes_psych.c.
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

#include <stdlib.h>
#include <string.h>

int
notes_web_gate(struct req *r, int64_t id, int *bg, int *shown)
{
	struct patient_actor who;
	enum patient_access acc;
	struct audit_event ev;
	int rc;

	*shown = 0;
	patients_web_actor(r, &who);
	if ((rc = patients_access(r->app->db, &who, id, time_now_ms(), &acc,
	    bg)) != 0)
		return rc;
	if (acc == PATIENT_ACCESS_CLINICAL)
		return 0;
	*shown = 1;
	if (acc == PATIENT_ACCESS_NONE)
		return patients_web_denied(r, id, NULL, NULL);
	web_audit_who(r, &ev);
	ev.verb = "ACCESS_DENIED";
	ev.object_type = "notes";
	ev.object_id = arena_printf(r->arena, "%lld", (long long)id);
	ev.patient_id = id;
	ev.outcome = AUDIT_MINOR_FAILURE;
	ev.reason = "clinical access needed";
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	page_error_msg(r, 403, "Part of the clinical record", "Notes are part "
	    "of the clinical record: only the patient's care team can see "
	    "them.");
	return 0;
}

int64_t
notes_web_nid(struct req *r)
{
	const char *s = req_param(r, "nid");
	char *end;
	long long v;

	if (s == NULL || *s < '1' || *s > '9')
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

int
notes_web_audit(struct req *r, const char *verb, const char *type,
    int64_t patient, int64_t oid, const char *sens, int bg)
{
	struct audit_event ev;

	web_audit_who(r, &ev);
	ev.verb = verb;
	ev.object_type = type;
	ev.object_id = arena_printf(r->arena, "%lld", (long long)oid);
	ev.patient_id = patient;
	ev.sensitivity = sens;
	ev.purpose_of_use = bg ? "break-glass" : "TPO";
	return audit_record_read(r->app->audit, &ev);
}

int
notes_web_brief(struct req *r, int64_t id, struct patient_brief *b)
{
	int rc;

	if ((rc = patients_briefs(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, &id, 1, b)) != 0)
		return rc;
	return b->id == id ? 0 : ALC_ENOTFOUND;
}

const char *
notes_web_status(const struct note *n)
{
	if (strcmp(n->status, "draft") == 0)
		return "Draft";
	if (strcmp(n->status, "cosign_pending") == 0)
		return "Signed, waiting for the supervisor's co-signature";
	if (strcmp(n->status, "returned") == 0)
		return "Returned by the supervisor";
	if (strcmp(n->status, "cosigned") == 0)
		return "Signed and co-signed";
	return "Signed";
}

/* ---- the list ------------------------------------------------------ */

static int
fill_templates(struct req *r, int64_t id, struct notes_index_view *v)
{
	struct note_template_view *tv;
	struct note_template *t;
	size_t n, i;
	int rc;

	if ((rc = note_templates_list(r->arena, &t, &n)) != 0)
		return rc;
	if ((tv = arena_alloc(r->arena, (n + 1) * sizeof(*tv))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		tv[i].href = arena_printf(r->arena,
		    "/patients/%lld/notes/new?template=%s", (long long)id,
		    t[i].key);
		tv[i].name = t[i].name;
		tv[i].description = t[i].description;
	}
	v->templates = tv;
	v->n_templates = n;
	return 0;
}

const char *
notes_web_title(struct req *r, const char *key, int version)
{
	struct note_template t;

	if (note_template_get(r->arena, key, version, &t) == 0)
		return t.name;
	return key;
}

int
page_notes(struct req *r)
{
	int64_t id = patients_web_id(r);
	struct notes_index_view v;
	struct note_row_view *rows;
	struct patient_brief b;
	struct note *n;
	struct buf body;
	size_t k, i;
	int bg = 0, shown, rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	if ((rc = notes_web_gate(r, id, &bg, &shown)) != 0 || shown)
		return rc;
	if ((rc = notes_web_brief(r, id, &b)) != 0 ||
	    (rc = notes_list(r->app->db, r->arena, r->sess->practice_id, id,
	    &n, &k)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	if ((rows = arena_alloc(r->arena, (k + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < k; i++) {
		rows[i].href = arena_printf(r->arena, "/patients/%lld/notes/%lld",
		    (long long)id, (long long)n[i].id);
		rows[i].when = staff_when(r, n[i].service_at, "");
		rows[i].title = notes_web_title(r, n[i].template_key,
		    n[i].template_version);
		rows[i].author = n[i].author_name;
		rows[i].status = notes_web_status(&n[i]);
		rows[i].late = n[i].late_entry;
	}
	v.can_write = authz_check(r, ACT_NOTE_WRITE) == 0;
	if (v.can_write && (rc = fill_templates(r, id, &v)) != 0)
		return rc;
	if ((rc = notes_web_audit(r, "VIEW", "notes", id, id,
	    b.part2 ? "part2" : NULL, bg)) != 0)
		return rc;
	v.rows = rows;
	v.n_rows = k;
	v.name = b.display_name;
	v.chart_no = b.chart_no;
	v.patient_href = arena_printf(r->arena, "/patients/%lld", (long long)id);
	v.psych_href = arena_printf(r->arena,
	    "/patients/%lld/psychotherapy-notes", (long long)id);
	buf_init(&body, r->arena);
	tmpl_notes_index(&body, &v);
	return page_send(r, 200, "Clinical notes", &body);
}
