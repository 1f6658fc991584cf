/*
 * pages/patients_view.c - what the overview shows of a loaded record:
 * the blocks of label/value pairs, the care team with its form, and which
 * sections this user gets (see pages/patients.c for the audit and the
 * access decision made before any of this runs).
 *
 * A block lists only what was filled in, except the contact consents,
 * which staff must see as "No" before they leave a voicemail.
 */
#include "web/pages/pages.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/server.h"
#include "web/views_patients.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/measures/measures.h"
#include "core/patients/patients.h"
#include "core/users/users.h"

#include <string.h>

#define MAX_ITEMS 16

/* A block being filled: the view's item pointer is const. */
struct blk {
	struct patient_block_view *v;
	struct patient_item_view *items;
};

static int
block(struct req *r, struct blk *b, struct patient_block_view *v,
    const char *id, const char *title, const char *empty)
{
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->title = title;
	v->empty = empty;
	b->v = v;
	b->items = arena_alloc(r->arena, MAX_ITEMS * sizeof(*b->items));
	v->items = b->items;
	return b->items != NULL ? 0 : ALC_ENOMEM;
}

static void
item(struct blk *b, const char *label, const char *value)
{
	if (value == NULL || value[0] == '\0' || b->v->n_items >= MAX_ITEMS)
		return;
	b->items[b->v->n_items].label = label;
	b->items[b->v->n_items].value = value;
	b->v->n_items++;
}

static const char *
yes_no(int v)
{
	return v ? "Yes" : "No";
}

static int
fill_blocks(struct req *r, const struct patient_record *p,
    struct patient_block_view *bv)
{
	struct blk b[5];
	size_t i;
	int rc;

	if ((rc = block(r, &b[0], &bv[0], "reg-title", "Registration", "")) != 0 ||
	    (rc = block(r, &b[1], &bv[1], "contact-title", "Contact and consent",
	    "")) != 0 ||
	    (rc = block(r, &b[2], &bv[2], "emergency-title", "Emergency contact",
	    "None recorded.")) != 0 ||
	    (rc = block(r, &b[3], &bv[3], "reps-title", "Personal representatives and "
	    "guardians", "None recorded.")) != 0 ||
	    (rc = block(r, &b[4], &bv[4], "insurance-title", "Insurance",
	    "No insurance recorded (self-pay).")) != 0)
		return rc;
	item(&b[0], "Legal name", arena_printf(r->arena, "%s %s",
	    p->legal_first, p->legal_last));
	item(&b[0], "Preferred name", p->preferred);
	item(&b[0], "Date of birth", p->dob);
	item(&b[0], "Sex", p->sex);
	item(&b[0], "Gender identity", p->gender_identity);
	item(&b[1], "Phone", p->phone);
	item(&b[1], "E-mail", p->email);
	item(&b[1], "Address", p->address);
	item(&b[1], "Voicemail allowed", yes_no(p->ok_voicemail));
	item(&b[1], "E-mail allowed", yes_no(p->ok_email));
	item(&b[1], "Text messages allowed", yes_no(p->ok_text));
	item(&b[2], "Name", p->emergency_name);
	item(&b[2], "Relationship", p->emergency_relationship);
	item(&b[2], "Phone", p->emergency_phone);
	for (i = 0; i < PATIENT_MAX_REPS; i++)
		if (p->reps[i].name != NULL && p->reps[i].name[0])
			item(&b[3], arena_printf(r->arena, "%s (%s)",
			    p->reps[i].name, p->reps[i].relationship),
			    arena_printf(r->arena, "%s%s%s", p->reps[i].phone,
			    p->reps[i].authority[0] ? " · " : "",
			    p->reps[i].authority));
	item(&b[4], "Payer", p->ins_payer);
	item(&b[4], "Member id", p->ins_member_id);
	item(&b[4], "Group", p->ins_group);
	item(&b[4], "Subscriber", p->ins_subscriber);
	item(&b[4], "Subscriber is the patient's", p->ins_relation);
	return 0;
}

static int
fill_team(struct req *r, const struct patient_record *p,
    struct patient_show_view *v)
{
	struct patient_member_view *t;
	struct patient_option_view *o;
	struct care_member *m, *c;
	size_t n, nc, i;
	int rc;

	if ((rc = patients_team(r->app->db, r->arena, r->sess->practice_id,
	    p->id, &m, &n)) != 0)
		return rc;
	if ((t = arena_alloc(r->arena, (n + 1) * sizeof(*t))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		t[i].name = m[i].name;
		t[i].role = strcmp(m[i].role, "primary") == 0 ?
		    "primary clinician" : m[i].role;
		t[i].user_id = (long long)m[i].user_id;
		t[i].remove_action = arena_printf(r->arena,
		    "/patients/%lld/care-team/remove", (long long)p->id);
	}
	v->team = t;
	v->n_team = n;
	if (!v->can_team)
		return 0;
	if ((rc = patients_team_candidates(r->app->db, r->arena,
	    r->sess->practice_id, &c, &nc)) != 0)
		return rc;
	if ((o = arena_alloc(r->arena, (nc + 1) * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < nc; i++) {
		o[i].value = arena_printf(r->arena, "%lld",
		    (long long)c[i].user_id);
		o[i].label = arena_printf(r->arena, "%s (%s)", c[i].name,
		    c[i].role);
	}
	v->candidates = o;
	v->n_candidates = nc;
	return 0;
}

static const char *
until_text(struct req *r)
{
	struct break_glass_row *rows;
	size_t n, i;

	if (patients_break_glass_list(r->app->db, r->arena,
	    r->sess->practice_id, 0, 50, &rows, &n) != 0)
		return "the grant expires";
	for (i = 0; i < n; i++)
		if (rows[i].user_id == r->sess->user_id &&
		    rows[i].expires_at > time_now_ms())
			return staff_when(r, rows[i].expires_at, "");
	return "the grant expires";
}


/* The patient's open safety alerts from rating scales (PHQ-9 item 9,
 * C-SSRS), for the clinical section: a clinician opening the chart must
 * not miss them. */
static int
fill_alerts(struct req *r, int64_t pat, struct patient_show_view *v)
{
	struct patient_alert_view *al;
	struct measure_result *res;
	size_t i, n;
	int rc;

	if ((rc = measures_open_alerts(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, pat, 5, &res, &n)) != 0 || n == 0)
		return rc;
	if ((al = arena_alloc(r->arena, n * sizeof(*al))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		al[i].text = res[i].score.alert_text ? res[i].score.alert_text :
		    "Safety alert";
		al[i].when = staff_when(r, res[i].administered_at, "");
	}
	v->alerts = al;
	v->n_alerts = n;
	return 0;
}

int
patients_web_fill_show(struct req *r, const struct patient_record *p,
    int acc, int bg, struct patient_show_view *v)
{
	struct patient_block_view *b;
	int rc;

	v->name = arena_printf(r->arena, "%s %s", p->preferred[0] ?
	    p->preferred : p->legal_first, p->legal_last);
	v->chart_no = p->chart_no;
	v->dob = p->dob;
	v->status = p->status;
	v->pronouns = p->pronouns[0] ? p->pronouns : NULL;
	v->base = arena_printf(r->arena, "/patients/%lld", (long long)p->id);
	v->csrf = r->sess->csrf;
	v->part2 = p->part2;
	v->restricted = p->restricted;
	v->staff_patient = p->staff_patient;
	v->clinical = acc == PATIENT_ACCESS_CLINICAL;
	v->break_glass_until = bg ? until_text(r) : NULL;
	v->conf_address = p->conf_address[0] ? p->conf_address : NULL;
	v->conf_phone = p->conf_phone[0] ? p->conf_phone : NULL;
	v->conf_note = p->conf_note[0] ? p->conf_note : NULL;
	v->has_conf = v->conf_address || v->conf_phone || v->conf_note;
	v->can_edit = authz_check(r, ACT_PATIENT_EDIT) == 0 &&
	    strcmp(p->status, "merged") != 0;
	v->can_team = authz_check(r, ACT_CARE_TEAM_MANAGE) == 0 &&
	    (v->clinical || (r->sess->roles & (ROLE_OWNER | ROLE_ADMIN)));
	v->can_merge = authz_check(r, ACT_PATIENT_MERGE) == 0;
	v->can_see_log = authz_check(r, ACT_AUDIT_VIEW) == 0;
	if (v->clinical && (rc = fill_alerts(r, p->id, v)) != 0)
		return rc;
	if ((b = arena_alloc(r->arena, 5 * sizeof(*b))) == NULL)
		return ALC_ENOMEM;
	if ((rc = fill_blocks(r, p, b)) != 0)
		return rc;
	v->blocks = b;
	v->n_blocks = 5;
	return fill_team(r, p, v);
}
