/*
 * pages/notes_sign.c - signing a note, addenda, supervisor co-signing,
 * versions with their diff, the print view and the notes-due list.  See
 * pages/notes.c for access and audit.
 *
 * Each write names its outcome on the note's page: signed (303 to the
 * note), a wrong password (403, nothing signed), a locked note (409).
 * The print view is the note page with print styles (static/css/
 * print.css hides navigation and forms) and a PRINT audit event.
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
#include "core/notes/notes.h"
#include "core/patients/patients.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

/* The ids, the gate and a who for a write; *done when answered. */
static int
write_setup(struct req *r, int64_t *id, int64_t *nid, struct audit_event *ev,
    int *done)
{
	int bg = 0, rc;

	*done = 0;
	*id = patients_web_id(r);
	*nid = notes_web_nid(r);
	if (*id == 0 || *nid == 0)
		return ALC_ENOTFOUND;
	if ((rc = notes_web_gate(r, *id, &bg, done)) != 0 || *done)
		return rc;
	web_audit_who(r, ev);
	ev->purpose_of_use = bg ? "break-glass" : "TPO";
	return 0;
}

static int
back(struct req *r, int64_t id, int64_t nid, const char *q)
{
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/patients/%lld/notes/%lld%s", (long long)id, (long long)nid, q));
}

int
page_note_sign(struct req *r)
{
	struct notes_msgs m = {0};
	struct audit_event ev;
	struct alc_err err;
	int64_t id, nid;
	int done, rc;

	if ((rc = write_setup(r, &id, &nid, &ev, &done)) != 0 || done)
		return rc;
	memset(&err, 0, sizeof(err));
	rc = notes_sign(r->app->db, r->app->keys, r->sess->practice_id, id,
	    nid, req_form(r, "secret"), &ev, &err);
	if (rc == ALC_EPERM && err.user[0]) {
		m.sign_error = err.user;
		return notes_web_show(r, 403, &m);
	}
	if (rc != 0)
		return notes_web_refused(r, rc, &err);
	return back(r, id, nid, "?signed=1");
}

int
page_note_addendum(struct req *r)
{
	struct audit_event ev;
	struct alc_err err;
	int64_t id, nid;
	int done, rc;

	if ((rc = write_setup(r, &id, &nid, &ev, &done)) != 0 || done)
		return rc;
	memset(&err, 0, sizeof(err));
	if ((rc = notes_add_addendum(r->app->db, r->app->keys,
	    r->sess->practice_id, id, nid, req_form(r, "text"),
	    req_form(r, "secret"), &ev, &err)) != 0)
		return notes_web_refused(r, rc, &err);
	return back(r, id, nid, "");
}

int
page_note_cosign(struct req *r)
{
	const char *decision = req_form(r, "decision");
	struct audit_event ev;
	struct alc_err err;
	int64_t id, nid;
	int done, rc, ret;

	if ((rc = write_setup(r, &id, &nid, &ev, &done)) != 0 || done)
		return rc;
	ret = decision != NULL && strcmp(decision, "return") == 0;
	memset(&err, 0, sizeof(err));
	if ((rc = notes_cosign(r->app->db, r->app->keys, r->sess->practice_id,
	    id, nid, req_form(r, "secret"), ret ? (req_form(r, "comment") ?
	    req_form(r, "comment") : "") : NULL, &ev, &err)) != 0)
		return notes_web_refused(r, rc, &err);
	return back(r, id, nid, "");
}

int
page_note_print(struct req *r)
{
	int64_t id = patients_web_id(r), nid = notes_web_nid(r);
	int bg = 0, shown, rc;

	if (id == 0 || nid == 0)
		return ALC_ENOTFOUND;
	if ((rc = notes_web_gate(r, id, &bg, &shown)) != 0 || shown)
		return rc;
	if ((rc = notes_web_audit(r, "PRINT", "note", id, nid, NULL, bg)) != 0)
		return rc;
	return notes_web_show(r, 200, NULL);
}

/* ---- versions ------------------------------------------------------ */

static int
fill_diff(struct req *r, const struct note_template *t,
    const struct note_version *a, const struct note_version *b,
    struct note_versions_view *v)
{
	struct note_diff_field_view *fv;
	struct note_diff_line_view *lv;
	struct note_diff_field *d;
	size_t n, i, j;
	int rc;

	if ((rc = notes_diff(r->arena, t, a->values, a->n_values, b->values,
	    b->n_values, &d, &n)) != 0)
		return rc;
	if ((fv = arena_alloc(r->arena, (n + 1) * sizeof(*fv))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		if ((lv = arena_alloc(r->arena, (d[i].n_lines + 1) *
		    sizeof(*lv))) == NULL)
			return ALC_ENOMEM;
		for (j = 0; j < d[i].n_lines; j++) {
			char op = d[i].lines[j].op;

			lv[j].cls = op == '+' ? "diff-add" : op == '-' ?
			    "diff-del" : "diff-same";
			lv[j].mark = op == '+' ? "+" : op == '-' ? "-" : " ";
			lv[j].text = d[i].lines[j].text;
		}
		fv[i].label = d[i].label;
		fv[i].changed = d[i].changed;
		fv[i].lines = lv;
		fv[i].n_lines = d[i].n_lines;
	}
	v->fields = fv;
	v->n_fields = n;
	v->has_diff = 1;
	v->from = arena_printf(r->arena, "%d", a->version);
	v->to = arena_printf(r->arena, "%d", b->version);
	return 0;
}

static int
fill_versions(struct req *r, const struct note *n,
    const struct note_version *vs, size_t k, struct note_versions_view *v)
{
	struct note_version_view *x;
	const char *q = req_query(r, "v");
	struct note_template t;
	long want = q ? strtol(q, NULL, 10) : (long)k;
	size_t i;
	int rc;

	if ((x = arena_alloc(r->arena, (k + 1) * sizeof(*x))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < k; i++) {
		x[i].number = arena_printf(r->arena, "%d", vs[i].version);
		x[i].when = staff_when(r, vs[i].saved_at, "");
		x[i].by = vs[i].saved_by_name;
		x[i].href = i == 0 ? NULL : arena_printf(r->arena,
		    "/patients/%lld/notes/%lld/versions?v=%d",
		    (long long)n->patient_id, (long long)n->id, vs[i].version);
	}
	v->versions = x;
	v->n_versions = k;
	for (i = 1; i < k; i++)
		if (vs[i].version == want) {
			if ((rc = note_template_get(r->arena, n->template_key,
			    n->template_version, &t)) != 0)
				return rc;
			return fill_diff(r, &t, &vs[i - 1], &vs[i], v);
		}
	return 0;
}

int
page_note_versions(struct req *r)
{
	int64_t id = patients_web_id(r), nid = notes_web_nid(r);
	struct note_versions_view v;
	struct note_version *vs;
	struct note n;
	struct buf body;
	size_t k;
	int bg = 0, shown, rc;

	if (id == 0 || nid == 0)
		return ALC_ENOTFOUND;
	if ((rc = notes_web_gate(r, id, &bg, &shown)) != 0 || shown)
		return rc;
	if ((rc = notes_get(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, id, nid, &n)) != 0 ||
	    (rc = notes_versions(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, nid, &vs, &k)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	if ((rc = fill_versions(r, &n, vs, k, &v)) != 0)
		return rc;
	if ((rc = notes_web_audit(r, "VIEW", "note_versions", id, nid, NULL,
	    bg)) != 0)
		return rc;
	v.title = notes_web_title(r, n.template_key, n.template_version);
	v.note_href = arena_printf(r->arena, "/patients/%lld/notes/%lld",
	    (long long)id, (long long)nid);
	buf_init(&body, r->arena);
	tmpl_notes_versions(&body, &v);
	return page_send(r, 200, "Note versions", &body);
}

/* ---- notes due ----------------------------------------------------- */

static int
fill_queue(struct req *r, struct notes_due_view *v)
{
	struct note_row_view *q;
	struct note *n;
	size_t k, i;
	int rc;

	if ((rc = notes_cosign_queue(r->app->db, r->arena,
	    r->sess->practice_id, r->sess->user_id, &n, &k)) != 0)
		return rc;
	if ((q = arena_alloc(r->arena, (k + 1) * sizeof(*q))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < k; i++) {
		q[i].href = arena_printf(r->arena, "/patients/%lld/notes/%lld",
		    (long long)n[i].patient_id, (long long)n[i].id);
		q[i].title = notes_web_title(r, n[i].template_key, 0);
		q[i].author = n[i].author_name;
		q[i].when = staff_when(r, n[i].service_at, "");
	}
	v->queue = q;
	v->n_queue = k;
	return 0;
}

int
page_notes_due(struct req *r)
{
	struct notes_due_view v;
	struct note_due_view *dv;
	struct patient_brief b;
	struct note_due *d;
	struct buf body;
	size_t k, i;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = notes_due(r->app->db, r->arena, r->sess->practice_id,
	    r->sess->user_id, &d, &k)) != 0 || (rc = fill_queue(r, &v)) != 0)
		return rc;
	if ((dv = arena_alloc(r->arena, (k + 1) * sizeof(*dv))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < k; i++) {
		if ((rc = patients_briefs(r->app->db, r->app->keys, r->arena,
		    r->sess->practice_id, &d[i].patient_id, 1, &b)) != 0)
			return rc;
		dv[i].when = staff_when(r, d[i].start_at, "");
		dv[i].patient = arena_printf(r->arena, "%s %s", b.initials,
		    b.chart_no);
		dv[i].href = d[i].draft_id ? arena_printf(r->arena,
		    "/patients/%lld/notes/%lld", (long long)d[i].patient_id,
		    (long long)d[i].draft_id) : arena_printf(r->arena,
		    "/patients/%lld/notes/new?template=soap&appt=%lld",
		    (long long)d[i].patient_id, (long long)d[i].appointment_id);
		dv[i].action = d[i].draft_id ? "Finish the draft" :
		    "Write note";
	}
	v.due = dv;
	v.n_due = k;
	buf_init(&body, r->arena);
	tmpl_notes_due(&body, &v);
	return page_send(r, 200, "Notes due", &body);
}
