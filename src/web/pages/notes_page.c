/*
 * pages/notes_page.c - one note's page: new, create, show, save draft.
 * See pages/notes.c for access and audit.
 *
 * The same template (notes/note.html) shows a new note (is_new, posting
 * to create), the author's draft (a form, posting to save) and a locked
 * note (text, signatures, addenda).  A write to a locked note is answered
 * 409 with the note and the reason, whatever route it came through.
 */
#include "web/pages/pages.h"
#include "web/authz.h"
#include "web/audit_web.h"
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

static void
fill_header(struct req *r, const struct note *n, struct note_page_view *v)
{
	v->when = staff_when(r, n->service_at, "");
	v->duration = n->minutes > 0 ? arena_printf(r->arena, "%d minutes",
	    n->minutes) : NULL;
	v->cpt = n->cpt_code;
	v->location = n->location;
	v->author = n->author_name;
	v->status = notes_web_status(n);
	v->late = n->late_entry;
	v->locked = n->locked;
	v->return_comment = n->return_comment;
	if (n->signed_at)
		v->signature = arena_printf(r->arena, "%s, %s",
		    n->signer_name ? n->signer_name : "", staff_when(r,
		    n->signed_at, ""));
	if (n->cosigned_at)
		v->cosignature = arena_printf(r->arena, "%s, %s",
		    n->cosigner_name ? n->cosigner_name : "", staff_when(r,
		    n->cosigned_at, ""));
}

static int
fill_addenda(struct req *r, const struct note *n, struct note_page_view *v)
{
	struct note_addendum_view *av;
	struct note_addendum *d;
	size_t k, i;
	int rc;

	if (n->id == 0)
		return 0;
	if ((rc = notes_addenda(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, n->id, &d, &k)) != 0)
		return rc;
	if ((av = arena_alloc(r->arena, (k + 1) * sizeof(*av))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < k; i++) {
		av[i].author = d[i].author_name;
		av[i].when = staff_when(r, d[i].signed_at, "");
		av[i].text = d[i].text;
	}
	v->addenda = av;
	v->n_addenda = k;
	return 0;
}

static void
fill_actions(struct req *r, const struct note *n, struct note_page_view *v)
{
	const char *base = arena_printf(r->arena, "/patients/%lld/notes/%lld",
	    (long long)n->patient_id, (long long)n->id);
	int writer = authz_check(r, ACT_NOTE_WRITE) == 0;
	int mine = n->author_id == r->sess->user_id;

	v->editable = writer && mine && !n->locked &&
	    strcmp(n->status, "cosign_pending") != 0;
	v->action = base;
	v->sign_action = arena_printf(r->arena, "%s/sign", base);
	v->addendum_action = arena_printf(r->arena, "%s/addenda", base);
	v->cosign_action = arena_printf(r->arena, "%s/cosign", base);
	v->versions_href = arena_printf(r->arena, "%s/versions", base);
	v->print_href = arena_printf(r->arena, "%s/print", base);
	v->can_addend = writer && n->locked;
	v->can_cosign = strcmp(n->status, "cosign_pending") == 0 &&
	    n->cosigner_id == r->sess->user_id &&
	    authz_check(r, ACT_NOTE_COSIGN) == 0;
}

/* Renders note n (n->id 0: a new one, posting to action) of patient b. */
int
notes_web_render(struct req *r, const struct patient_brief *b,
    const struct note *n, const struct note_value *vals, size_t nv,
    int status, const struct notes_msgs *m)
{
	struct note_page_view v;
	struct note_template t;
	struct buf body;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = note_template_get(r->arena, n->template_key,
	    n->template_version, &t)) != 0 ||
	    (rc = notes_web_sections(r, &t, vals, nv, &v.sections)) != 0)
		return rc;
	v.n_sections = t.n_sections;
	v.title = arena_printf(r->arena, "%s, %s", t.name,
	    staff_when(r, n->service_at, ""));
	v.template_label = arena_printf(r->arena, "%s (version %d)", t.name,
	    t.version);
	v.patient_name = b->display_name;
	v.patient_href = arena_printf(r->arena, "/patients/%lld",
	    (long long)b->id);
	v.notes_href = arena_printf(r->arena, "/patients/%lld/notes",
	    (long long)b->id);
	fill_header(r, n, &v);
	if (n->id != 0) {
		fill_actions(r, n, &v);
		if ((rc = fill_addenda(r, n, &v)) != 0)
			return rc;
	} else {
		v.editable = v.is_new = 1;
		v.action = arena_printf(r->arena,
		    "/patients/%lld/notes?template=%s", (long long)b->id, t.key);
		v.has_appointment = n->appointment_id > 0;
		v.appointment_id = arena_printf(r->arena, "%lld",
		    (long long)n->appointment_id);
	}
	v.csrf = r->sess->csrf;
	if (m != NULL) {
		v.error = m->error;
		v.sign_error = m->sign_error;
		v.message = m->message;
	}
	buf_init(&body, r->arena);
	tmpl_notes_note(&body, &v);
	return page_send(r, status, t.name, &body);
}

/* A new note's defaults: the appointment's (appt query or form value),
 * or now. */
static int
defaults(struct req *r, int64_t id, const char *appt, struct note *n)
{
	struct note_new nn;
	int64_t aid = appt ? strtoll(appt, NULL, 10) : 0;
	int rc;

	memset(&nn, 0, sizeof(nn));
	n->patient_id = id;
	n->status = "draft";
	n->author_id = r->sess->user_id;
	n->author_name = r->sess->user_name;
	n->service_at = time_now_ms();
	if (aid <= 0)
		return 0;
	if ((rc = notes_from_appointment(r->app->db, r->arena,
	    r->sess->practice_id, aid, id, &nn)) != 0)
		return rc;
	n->appointment_id = aid;
	n->service_at = nn.service_at;
	n->minutes = nn.minutes;
	n->cpt_code = nn.cpt_code;
	n->location = nn.location;
	return 0;
}

static int
new_setup(struct req *r, int64_t *id, struct patient_brief *b,
    struct note *n, int *bg, int *shown)
{
	struct note_template t;
	const char *key = req_query(r, "template");
	int rc;

	*id = patients_web_id(r);
	if (*id == 0 || note_template_get(r->arena, key, 0, &t) != 0)
		return ALC_ENOTFOUND;
	if ((rc = notes_web_gate(r, *id, bg, shown)) != 0 || *shown)
		return rc;
	memset(n, 0, sizeof(*n));
	n->template_key = t.key;
	n->template_version = t.version;
	if ((rc = notes_web_brief(r, *id, b)) != 0)
		return rc;
	return defaults(r, *id, r->method == HTTP_POST ?
	    req_form(r, "appointment_id") : req_query(r, "appt"), n);
}

int
page_note_new(struct req *r)
{
	struct patient_brief b;
	struct note n;
	int64_t id;
	int bg = 0, shown = 0, rc;

	if ((rc = new_setup(r, &id, &b, &n, &bg, &shown)) != 0 || shown)
		return rc;
	return notes_web_render(r, &b, &n, NULL, 0, 200, NULL);
}

int
page_note_create(struct req *r)
{
	struct notes_msgs m = {0};
	struct note_template t;
	struct patient_brief b;
	struct note_value *vals;
	struct note_new nn;
	struct audit_event ev;
	struct alc_err err;
	struct note n;
	int64_t id, nid = 0;
	size_t nv;
	int bg = 0, shown = 0, rc;

	if ((rc = new_setup(r, &id, &b, &n, &bg, &shown)) != 0 || shown)
		return rc;
	if ((rc = note_template_get(r->arena, n.template_key, 0, &t)) != 0 ||
	    (rc = notes_web_posted(r, &t, &vals, &nv, &m.error)) != 0)
		return rc;
	if (m.error != NULL) {
		m.error = arena_printf(r->arena, "Check \"%s\": that value is "
		    "not allowed. Nothing was saved.", m.error);
		return notes_web_render(r, &b, &n, vals, nv, 422, &m);
	}
	memset(&nn, 0, sizeof(nn));
	nn.patient_id = id;
	nn.appointment_id = n.appointment_id;
	nn.template_key = t.key;
	nn.template_version = t.version;
	nn.service_at = n.service_at;
	nn.minutes = n.minutes;
	nn.cpt_code = n.cpt_code;
	nn.location = n.location;
	web_audit_who(r, &ev);
	ev.purpose_of_use = bg ? "break-glass" : "TPO";
	memset(&err, 0, sizeof(err));
	if ((rc = notes_create(r->app->db, r->app->keys, r->sess->practice_id,
	    &nn, vals, nv, &ev, &nid, &err)) != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/patients/%lld/notes/%lld", (long long)id, (long long)nid));
}

/* Loads, gates and audits (VIEW) note :nid of patient :id, then renders
 * it with status and m. */
int
notes_web_show(struct req *r, int status, const struct notes_msgs *m)
{
	int64_t id = patients_web_id(r), nid = notes_web_nid(r);
	struct patient_brief b;
	struct note n;
	int bg = 0, shown, rc;

	if (id == 0 || nid == 0)
		return ALC_ENOTFOUND;
	if ((rc = notes_web_gate(r, id, &bg, &shown)) != 0 || shown)
		return rc;
	if ((rc = notes_get(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, id, nid, &n)) != 0 ||
	    (rc = notes_web_brief(r, id, &b)) != 0)
		return rc;
	if ((rc = notes_web_audit(r, "VIEW", "note", id, nid,
	    b.part2 ? "part2" : NULL, bg)) != 0)
		return rc;
	return notes_web_render(r, &b, &n, n.values, n.n_values, status, m);
}

int
page_note(struct req *r)
{
	struct notes_msgs m = {0};

	if (req_query(r, "saved") != NULL)
		m.message = "Draft saved.";
	else if (req_query(r, "signed") != NULL)
		m.message = "Signed and locked.";
	return notes_web_show(r, 200, &m);
}

/* Answers a refused write: 409 for a locked note, 403 for not yours, the
 * note page with err's message in both cases; rc otherwise. */
int
notes_web_refused(struct req *r, int rc, const struct alc_err *err)
{
	struct notes_msgs m = {0};

	if (rc != ALC_ECONFLICT && rc != ALC_EPERM && rc != ALC_EINVAL)
		return rc;
	m.error = err->user[0] ? err->user : "That cannot be done.";
	return notes_web_show(r, rc == ALC_ECONFLICT ? 409 : rc == ALC_EPERM ?
	    403 : 422, &m);
}

int
page_note_save(struct req *r)
{
	int64_t id = patients_web_id(r), nid = notes_web_nid(r);
	struct note_template t;
	struct note_value *vals;
	struct audit_event ev;
	struct alc_err err;
	struct note n;
	const char *bad;
	size_t nv;
	int bg = 0, shown, rc;

	if (id == 0 || nid == 0)
		return ALC_ENOTFOUND;
	if ((rc = notes_web_gate(r, id, &bg, &shown)) != 0 || shown)
		return rc;
	memset(&err, 0, sizeof(err));
	if ((rc = notes_get(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, id, nid, &n)) != 0 ||
	    (rc = note_template_get(r->arena, n.template_key,
	    n.template_version, &t)) != 0 ||
	    (rc = notes_web_posted(r, &t, &vals, &nv, &bad)) != 0)
		return rc;
	if (bad != NULL) {
		alc_err_set_user(&err, ALC_EINVAL, arena_printf(r->arena,
		    "Check \"%s\": that value is not allowed. Nothing was "
		    "saved.", bad), "bad value");
		return notes_web_refused(r, n.locked ? ALC_ECONFLICT :
		    ALC_EINVAL, &err);
	}
	web_audit_who(r, &ev);
	ev.purpose_of_use = bg ? "break-glass" : "TPO";
	if ((rc = notes_save(r->app->db, r->app->keys, r->sess->practice_id,
	    id, nid, vals, nv, &ev, &err)) != 0)
		return notes_web_refused(r, rc, &err);
	if (req_form(r, "autosave") != NULL)
		return resp_text(r, 200, "text/plain; charset=utf-8", "saved\n");
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/patients/%lld/notes/%lld?saved=1", (long long)id, (long long)nid));
}
