/*
 * pages/patients_form.c - registering a patient and editing the details.
 *
 * The form is declared once, in ffields[] (section, name, label, type,
 * where the value lives in struct patient_record): rendering, reading
 * the post and placing core's per-field errors all walk that table, so a
 * field cannot be shown but not saved.  Validation is core's
 * (patients_validate); this file only turns MM/DD/YYYY into YYYY-MM-DD.
 *
 * Registering checks for possible duplicates first (same birth date and
 * last name, or same phone or e-mail): the form comes back with links to
 * them and everything typed, and the user ticks "this is a different
 * person" to register anyway.  Editing sends the version it loaded; a
 * save that lost the race comes back with what the user typed and a
 * message, and nothing is overwritten.  Opening the edit form shows the
 * record, so it is audited like a view.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_patients.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/patients/patients.h"
#include "core/users/users.h"
#include "templates.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DUPS 10

static const struct {
	const char *id, *title, *hint;
} sections[] = {
	{"sec-name", "Name", NULL},
	{"sec-birth", "Birth, sex and gender", NULL},
	{"sec-contact", "Contact", NULL},
	{"sec-conf", "Confidential communication", "Fill in only when the "
	    "patient asked to be reached elsewhere (45 CFR 164.522(b)): staff "
	    "must then use only these."},
	{"sec-emergency", "Emergency contact", NULL},
	{"sec-reps", "Personal representatives and guardians", "Parents or "
	    "guardians of a minor, a health-care proxy: who may act for the "
	    "patient, and on what authority."},
	{"sec-insurance", "Insurance", NULL},
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

#define OFF(m) offsetof(struct patient_record, m)
#define REP(i) \
	{5, "rep" #i "_name", "Representative " #i ": name", NULL, NULL, \
	    OFF(reps[i - 1].name), 0}, \
	{5, "rep" #i "_relationship", "Representative " #i ": relationship", \
	    NULL, NULL, OFF(reps[i - 1].relationship), 0}, \
	{5, "rep" #i "_phone", "Representative " #i ": phone", "tel", NULL, \
	    OFF(reps[i - 1].phone), 0}, \
	{5, "rep" #i "_authority", "Representative " #i ": authority", NULL, \
	    NULL, OFF(reps[i - 1].authority), 0}

static const struct ffield {
	int section;
	const char *name, *label, *type, *hint;
	size_t off;
	int required;
} ffields[] = {
	{0, "legal_first", "Legal first name", NULL, NULL, OFF(legal_first), 1},
	{0, "legal_last", "Legal last name", NULL, NULL, OFF(legal_last), 1},
	{0, "preferred", "Preferred name", NULL, "What they want to be called.",
	    OFF(preferred), 0},
	{0, "pronouns", "Pronouns", NULL, NULL, OFF(pronouns), 0},
	{1, "dob", "Date of birth", "date", "YYYY-MM-DD or MM/DD/YYYY.",
	    OFF(dob), 1},
	{1, "sex", "Sex", NULL, NULL, OFF(sex), 0},
	{1, "gender_identity", "Gender identity", NULL, NULL,
	    OFF(gender_identity), 0},
	{2, "phone", "Phone", "tel", NULL, OFF(phone), 0},
	{2, "email", "E-mail address", "email", NULL, OFF(email), 0},
	{2, "address", "Address", NULL, NULL, OFF(address), 0},
	{3, "conf_address", "Address to use instead", NULL, NULL,
	    OFF(conf_address), 0},
	{3, "conf_phone", "Phone to use instead", "tel", NULL, OFF(conf_phone),
	    0},
	{3, "conf_note", "Instructions", NULL, "For example: do not call the "
	    "home number.", OFF(conf_note), 0},
	{4, "emergency_name", "Name", NULL, NULL, OFF(emergency_name), 0},
	{4, "emergency_relationship", "Relationship", NULL, NULL,
	    OFF(emergency_relationship), 0},
	{4, "emergency_phone", "Phone", "tel", NULL, OFF(emergency_phone), 0},
	REP(1), REP(2), REP(3),
	{6, "ins_payer", "Payer", NULL, NULL, OFF(ins_payer), 0},
	{6, "ins_member_id", "Member id", NULL, NULL, OFF(ins_member_id), 0},
	{6, "ins_group", "Group number", NULL, NULL, OFF(ins_group), 0},
	{6, "ins_subscriber", "Subscriber name", NULL, NULL,
	    OFF(ins_subscriber), 0},
	{6, "ins_relation", "Subscriber is the patient's", NULL, "self, "
	    "spouse, parent ...", OFF(ins_relation), 0},
};
#define NFFIELDS (sizeof(ffields) / sizeof(ffields[0]))

static const struct {
	const char *name, *label, *hint;
	size_t off;
} checks[] = {
	{"ok_voicemail", "Voicemail may be left", NULL, OFF(ok_voicemail)},
	{"ok_email", "E-mail may be sent", NULL, OFF(ok_email)},
	{"ok_text", "Text messages may be sent", NULL, OFF(ok_text)},
	{"part2", "Part 2 program patient", "Substance-use treatment records "
	    "under 42 CFR Part 2.", OFF(part2)},
	{"staff_patient", "A member of staff", "Their record is watched for "
	    "colleagues' curiosity.", OFF(staff_patient)},
	{"restricted", "Restricted record", "Only the care team and owners "
	    "can open it; others need emergency access.", OFF(restricted)},
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

static const char *const statuses[][2] = {{"inquiry", "Inquiry"},
    {"active", "Active"}, {"inactive", "Inactive"},
    {"discharged", "Discharged"}};

static const char **
str_at(struct patient_record *p, size_t off)
{
	return (const char **)(void *)((char *)p + off);
}

static int *
int_at(struct patient_record *p, size_t off)
{
	return (int *)(void *)((char *)p + off);
}

/* "03/09/1984" -> "1984-03-09"; anything else unchanged. */
static const char *
iso_date(struct req *r, const char *s)
{
	if (s != NULL && strlen(s) == 10 && s[2] == '/' && s[5] == '/' &&
	    isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[9]))
		return arena_printf(r->arena, "%.4s-%.2s-%.2s", s + 6, s, s + 3);
	return s;
}

static void
read_form(struct req *r, struct patient_record *p)
{
	const char *v;
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < NFFIELDS; i++)
		*str_at(p, ffields[i].off) = req_form(r, ffields[i].name);
	p->dob = iso_date(r, p->dob);
	for (i = 0; i < NCHECKS; i++) {
		v = req_form(r, checks[i].name);
		*int_at(p, checks[i].off) = v != NULL && strcmp(v, "1") == 0;
	}
	p->status = req_form(r, "status");
	v = req_form(r, "staff_user_id");
	p->staff_user_id = v != NULL ? strtoll(v, NULL, 10) : -1;
	v = req_form(r, "version");
	p->version = v != NULL ? strtoll(v, NULL, 10) : 0;
}

static const char *
error_for(const struct patient_field_error *e, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(e[i].field, name) == 0)
			return e[i].message;
	return NULL;
}

static int
fill_sections(struct req *r, struct patient_record *p,
    const struct patient_field_error *e, size_t ne, struct patient_form_view *v)
{
	struct patient_section_view *s;
	struct field_view *f;
	size_t i, k;

	if ((s = arena_alloc(r->arena, NSECTIONS * sizeof(*s))) == NULL ||
	    (f = arena_alloc(r->arena, NFFIELDS * sizeof(*f))) == NULL)
		return ALC_ENOMEM;
	for (k = 0; k < NSECTIONS; k++) {
		s[k].id = sections[k].id;
		s[k].title = sections[k].title;
		s[k].hint = sections[k].hint;
		s[k].n_fields = 0;
		s[k].fields = NULL;
	}
	for (i = 0; i < NFFIELDS; i++) {
		k = (size_t)ffields[i].section;
		if (s[k].fields == NULL)
			s[k].fields = &f[i];
		s[k].n_fields++;
		memset(&f[i], 0, sizeof(f[i]));
		f[i].name = ffields[i].name;
		f[i].label = ffields[i].label;
		f[i].type = ffields[i].type;
		f[i].hint = ffields[i].hint;
		f[i].required = ffields[i].required;
		f[i].autocomplete = "off";
		f[i].value = *str_at(p, ffields[i].off);
		f[i].error = error_for(e, ne, ffields[i].name);
	}
	v->sections = s;
	v->n_sections = NSECTIONS;
	return 0;
}

static int
fill_choices(struct req *r, struct patient_record *p,
    struct patient_form_view *v)
{
	struct patient_check_view *c;
	struct patient_option_view *o;
	const char *st = p->status && p->status[0] ? p->status : "active";
	size_t i;

	if ((c = arena_alloc(r->arena, NCHECKS * sizeof(*c))) == NULL ||
	    (o = arena_alloc(r->arena, 4 * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < NCHECKS; i++) {
		c[i].id = arena_printf(r->arena, "f-%s", checks[i].name);
		c[i].name = checks[i].name;
		c[i].label = checks[i].label;
		c[i].hint = checks[i].hint;
		c[i].checked = *int_at(p, checks[i].off);
	}
	v->consents = c;
	v->n_consents = 3;
	v->flags = c + 3;
	v->n_flags = NCHECKS - 3;
	for (i = 0; i < 4; i++) {
		o[i].value = statuses[i][0];
		o[i].label = statuses[i][1];
		o[i].selected = strcmp(st, statuses[i][0]) == 0;
	}
	v->statuses = o;
	v->n_statuses = 4;
	return 0;
}

#define STAFF_LINK_ERROR "Only a record marked as a member of staff can " \
	"be linked to a staff account, and only to this practice's staff."

/* 1 when this user links staff records to accounts (owner, admin). */
static int
can_link_staff(struct req *r)
{
	return authz_check(r, ACT_STAFF_MANAGE) == 0;
}

/* The staff-account picker, with p->staff_user_id selected. */
static int
fill_staff(struct req *r, const struct patient_record *p,
    struct patient_form_view *v)
{
	struct patient_staff_choice *ch;
	struct patient_option_view *o;
	size_t i, n;
	int rc;

	if (!(v->can_link_staff = can_link_staff(r)))
		return 0;
	if ((rc = patients_staff_choices(r->app->db, r->arena,
	    r->sess->practice_id, &ch, &n)) != 0)
		return rc;
	if (n && (o = arena_alloc(r->arena, n * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		o[i].value = arena_printf(r->arena, "%lld",
		    (long long)ch[i].user_id);
		o[i].label = ch[i].name;
		o[i].selected = ch[i].user_id == p->staff_user_id;
	}
	v->staff_opts = n ? o : NULL;
	v->n_staff_opts = n;
	return 0;
}

/* Links record id to the account the form names, when the user may and
 * it changed (its own transaction and UPDATE event, after the record's). */
static int
save_staff_link(struct req *r, int64_t id, const struct patient_record *p)
{
	struct audit_event who;
	int64_t cur = 0, want = p->staff_patient ? p->staff_user_id : 0;
	int rc;

	if (!can_link_staff(r) || p->staff_user_id < 0)
		return 0;
	if ((rc = patients_staff_link_get(r->app->db, r->sess->practice_id, id,
	    &cur)) != 0 || cur == want)
		return rc;
	web_audit_who(r, &who);
	return patients_staff_link_set(r->app->db, r->sess->practice_id, id,
	    want, &who);
}

/* Adds the staff-link error: a link on a record not flagged as staff. */
static int
check_staff(struct req *r, const struct patient_record *p,
    struct patient_field_error *e, size_t *ne)
{
	if (!can_link_staff(r) || p->staff_user_id <= 0 || p->staff_patient ||
	    *ne == PATIENT_MAX_ERRORS)
		return 0;
	e[*ne].field = "staff_user_id";
	e[(*ne)++].message = STAFF_LINK_ERROR;
	return 1;
}

/* Renders the form; id 0: registering. */
static int
form_send(struct req *r, int status, int64_t id, struct patient_record *p,
    const struct patient_field_error *e, size_t ne, const char *error,
    const struct patient_brief *dups, size_t ndups)
{
	struct patient_form_view v;
	struct buf body;
	int rc;

	memset(&v, 0, sizeof(v));
	v.editing = id != 0;
	v.title = id ? "Edit patient details" : "Register a patient";
	v.action = id ? arena_printf(r->arena, "/patients/%lld/edit",
	    (long long)id) : "/patients";
	v.cancel_href = id ? arena_printf(r->arena, "/patients/%lld",
	    (long long)id) : "/patients";
	v.csrf = r->sess->csrf;
	v.version = (long long)p->version;
	v.error = error;
	v.staff_error = error_for(e, ne, "staff_user_id");
	if ((rc = fill_sections(r, p, e, ne, &v)) != 0 ||
	    (rc = fill_choices(r, p, &v)) != 0 ||
	    (rc = fill_staff(r, p, &v)) != 0)
		return rc;
	if (ndups && (v.dups = patients_web_rows(r, dups, ndups)) == NULL)
		return ALC_ENOMEM;
	v.n_dups = ndups;
	buf_init(&body, r->arena);
	tmpl_patients_form(&body, &v);
	return page_send(r, status, v.title, &body);
}

int
page_patient_new(struct req *r)
{
	struct patient_record p;

	memset(&p, 0, sizeof(p));
	p.status = "active";
	return form_send(r, 200, 0, &p, NULL, 0, NULL, NULL, 0);
}

int
page_patient_create(struct req *r)
{
	struct patient_field_error e[PATIENT_MAX_ERRORS];
	struct patient_brief *dups = NULL;
	const char *nd = req_form(r, "not_duplicate"), *chart;
	struct patient_record p;
	struct audit_event who;
	struct alc_err err;
	size_t ne = 0, ndups = 0;
	int64_t id;
	int rc;

	read_form(r, &p);
	if ((patients_validate(&p, time_now_ms(), e, &ne) != 0) |
	    check_staff(r, &p, e, &ne))
		return form_send(r, 422, 0, &p, e, ne, "The patient was not "
		    "registered yet: see the messages below.", NULL, 0);
	if ((nd == NULL || strcmp(nd, "1") != 0) &&
	    ((rc = patients_duplicates(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, &p, 0, MAX_DUPS, &dups, &ndups)) != 0))
		return rc;
	if (ndups > 0)
		return form_send(r, 409, 0, &p, NULL, 0, "This may be a patient "
		    "who is already registered.", dups, ndups);
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	if ((rc = patients_create(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, &p, &who, &id, &chart, &err)) != 0 ||
	    (rc = save_staff_link(r, id, &p)) != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena, "/patients/%lld",
	    (long long)id));
}

/* The record, when this user may edit it: demographic access at least. */
static int
editable(struct req *r, int64_t id, enum patient_access *acc, int *bg)
{
	struct patient_actor who;
	int rc;

	if (id == 0)
		return ALC_ENOTFOUND;
	patients_web_actor(r, &who);
	if ((rc = patients_access(r->app->db, &who, id, time_now_ms(), acc,
	    bg)) != 0)
		return rc;
	return *acc == PATIENT_ACCESS_NONE ? ALC_EPERM : 0;
}

int
page_patient_edit(struct req *r)
{
	int64_t id = patients_web_id(r);
	struct patient_record p;
	enum patient_access acc;
	struct audit_event ev;
	int bg = 0, rc;

	if ((rc = editable(r, id, &acc, &bg)) == ALC_EPERM)
		return patients_web_denied(r, id, NULL, NULL);
	if (rc != 0 || (rc = patients_get(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, id, &p)) != 0 ||
	    (rc = patients_staff_link_get(r->app->db, r->sess->practice_id, id,
	    &p.staff_user_id)) != 0)
		return rc;
	web_audit_who(r, &ev);
	ev.verb = "VIEW";
	ev.object_type = "patient";
	ev.object_id = arena_printf(r->arena, "%lld", (long long)id);
	ev.patient_id = id;
	ev.sensitivity = p.part2 ? "part2" : NULL;
	ev.purpose_of_use = bg ? "break-glass" : "TPO";
	ev.detail = "{\"form\":\"edit\"}";
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	return form_send(r, 200, id, &p, NULL, 0, NULL, NULL, 0);
}

int
page_patient_update(struct req *r)
{
	struct patient_field_error e[PATIENT_MAX_ERRORS];
	int64_t id = patients_web_id(r);
	struct patient_record p;
	enum patient_access acc;
	struct audit_event who;
	struct alc_err err;
	size_t ne = 0;
	int bg = 0, rc;

	if ((rc = editable(r, id, &acc, &bg)) == ALC_EPERM)
		return patients_web_denied(r, id, NULL, NULL);
	if (rc != 0)
		return rc;
	read_form(r, &p);
	if ((patients_validate(&p, time_now_ms(), e, &ne) != 0) |
	    check_staff(r, &p, e, &ne))
		return form_send(r, 422, id, &p, e, ne, "Nothing was saved yet: "
		    "see the messages below.", NULL, 0);
	web_audit_who(r, &who);
	memset(&err, 0, sizeof(err));
	rc = patients_update(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, id, &p, &who, &err);
	if (rc == ALC_ECONFLICT || rc == ALC_EINVAL) {
		struct patient_record cur;
		/* Saving again (after checking) applies to the current version. */
		if (patients_get(r->app->db, r->app->keys, r->arena,
		    r->sess->practice_id, id, &cur) == 0)
			p.version = cur.version;
		return form_send(r, 409, id, &p, NULL, 0, err.user, NULL, 0);
	}
	if (rc == 0 && (rc = save_staff_link(r, id, &p)) == ALC_EINVAL) {
		e[0].field = "staff_user_id";
		e[0].message = STAFF_LINK_ERROR;
		return form_send(r, 422, id, &p, e, 1, "The details were saved, "
		    "the staff account was not: see below.", NULL, 0);
	}
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena, "/patients/%lld",
	    (long long)id));
}
