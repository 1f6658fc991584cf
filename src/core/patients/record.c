/*
 * record.c - registering and changing patient records.  See patients.h.
 *
 * Layout of the sealed columns (purpose 'general', AD patients/<col>/id):
 *   name     {"legal_first","legal_last","preferred","pronouns"}
 *   dob      "YYYY-MM-DD"
 *   profile  {"sex","gender_identity","phone","email","address",
 *             "ok_voicemail","ok_email","ok_text" (booleans),
 *             "conf_address","conf_phone","conf_note",
 *             "emergency_name","emergency_relationship","emergency_phone",
 *             "ins_payer","ins_member_id","ins_group","ins_subscriber",
 *             "ins_relation",
 *             "representatives":[{"name","relationship","phone",
 *                                 "authority"}]}
 * The string fields are declared once, in fields[] below (the JSON key is
 * the form name), so encoding, decoding, validation and the list of
 * changed fields in the UPDATE event cannot drift apart.
 *
 * A new row needs its id for the associated data, so create inserts the
 * plain columns first and seals in the same transaction (keystore.h).
 * Edits use optimistic locking: UPDATE ... WHERE version = ?; nothing
 * changed means somebody saved in between, and the caller shows the
 * form again with what the user typed.
 */
#include "core/patients/patients.h"
#include "core/patients/impl.h"
#include "core/keys/keystore.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum pf_kind { PF_TEXT, PF_PHONE, PF_EMAIL };

static const struct pf {
	const char *key;
	size_t off;
	int in_name;          /* 1: patients.name, 0: patients.profile */
	enum pf_kind kind;
	size_t max;
} fields[] = {
#define F(k, n, kind, max) {#k, offsetof(struct patient_record, k), n, kind, max}
	F(legal_first, 1, PF_TEXT, 100), F(legal_last, 1, PF_TEXT, 100),
	F(preferred, 1, PF_TEXT, 100), F(pronouns, 1, PF_TEXT, 40),
	F(sex, 0, PF_TEXT, 40), F(gender_identity, 0, PF_TEXT, 100),
	F(phone, 0, PF_PHONE, 40), F(email, 0, PF_EMAIL, 200),
	F(address, 0, PF_TEXT, 300), F(conf_address, 0, PF_TEXT, 300),
	F(conf_phone, 0, PF_PHONE, 40), F(conf_note, 0, PF_TEXT, 300),
	F(emergency_name, 0, PF_TEXT, 200),
	F(emergency_relationship, 0, PF_TEXT, 100),
	F(emergency_phone, 0, PF_PHONE, 40), F(ins_payer, 0, PF_TEXT, 200),
	F(ins_member_id, 0, PF_TEXT, 60), F(ins_group, 0, PF_TEXT, 60),
	F(ins_subscriber, 0, PF_TEXT, 200), F(ins_relation, 0, PF_TEXT, 40),
#undef F
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *const statuses[] = {"inquiry", "active", "inactive",
    "discharged"};

static const char *
fget(const struct patient_record *r, const struct pf *f)
{
	return *(const char *const *)(const void *)((const char *)r + f->off);
}

static void
fset(struct patient_record *r, const struct pf *f, const char *v)
{
	*(const char **)(void *)((char *)r + f->off) = v;
}

static int
empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

static void
add_err(struct patient_field_error *e, size_t *n, const char *field,
    const char *msg)
{
	if (*n < PATIENT_MAX_ERRORS) {
		e[*n].field = field;
		e[*n].message = msg;
		(*n)++;
	}
}

static int
normalizes(enum blind_kind kind, const char *v)
{
	struct buf b;
	int rc;

	buf_init(&b, NULL);
	rc = blind_normalize(kind, v, &b);
	buf_free(&b);
	return rc == 0;
}

static void
check_field(const struct pf *f, const char *v,
    struct patient_field_error *e, size_t *n)
{
	if (empty(v))
		return;
	if (strlen(v) > f->max)
		add_err(e, n, f->key, "This is too long.");
	else if (f->kind == PF_PHONE && !normalizes(BLIND_PHONE, v))
		add_err(e, n, f->key, "Enter a phone number with 7 to 15 "
		    "digits, such as (555) 123-4567.");
	else if (f->kind == PF_EMAIL && (!normalizes(BLIND_EMAIL, v) ||
	    strchr(strchr(v, '@'), '.') == NULL))
		add_err(e, n, f->key, "Enter an e-mail address such as "
		    "name@example.org.");
}

static void
check_reps(const struct patient_record *rec, struct patient_field_error *e,
    size_t *n)
{
	static const char *const rn[] = {"rep1_name", "rep2_name", "rep3_name"};
	static const char *const rp[] = {"rep1_phone", "rep2_phone",
	    "rep3_phone"};
	size_t i;

	for (i = 0; i < PATIENT_MAX_REPS; i++) {
		const struct patient_rep *p = &rec->reps[i];
		if (empty(p->name) && (!empty(p->relationship) ||
		    !empty(p->phone) || !empty(p->authority)))
			add_err(e, n, rn[i], "Enter the representative's name.");
		else if (!empty(p->name) && strlen(p->name) > 200)
			add_err(e, n, rn[i], "This is too long.");
		if (!empty(p->phone) && !normalizes(BLIND_PHONE, p->phone))
			add_err(e, n, rp[i], "Enter a phone number with 7 to 15 "
			    "digits.");
	}
}

int
patients_validate(const struct patient_record *rec, int64_t now_ms,
    struct patient_field_error *e, size_t *n)
{
	char today[32];
	size_t i;

	*n = 0;
	if (empty(rec->legal_first))
		add_err(e, n, "legal_first", "Enter the legal first name.");
	if (empty(rec->legal_last))
		add_err(e, n, "legal_last", "Enter the legal last name.");
	time_format_iso(today, sizeof(today), now_ms);
	if (empty(rec->dob))
		add_err(e, n, "dob", "Enter the date of birth.");
	else if (strlen(rec->dob) != 10 || !normalizes(BLIND_DOB, rec->dob))
		add_err(e, n, "dob", "Enter a real date, such as 1984-03-09 "
		    "or 03/09/1984.");
	else if (strncmp(rec->dob, today, 10) > 0)
		add_err(e, n, "dob", "The date of birth cannot be in the "
		    "future.");
	for (i = 0; i < NFIELDS; i++)
		check_field(&fields[i], fget(rec, &fields[i]), e, n);
	check_reps(rec, e, n);
	if (!empty(rec->status)) {
		for (i = 0; i < 4 && strcmp(rec->status, statuses[i]) != 0; i++)
			;
		if (i == 4)
			add_err(e, n, "status", "Choose a status from the list.");
	}
	return *n ? ALC_EINVAL : 0;
}

/* ---- JSON ------------------------------------------------------------- */

static void
jset(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, json_string(empty(v) ? "" : v));
}

static char *
to_json(const struct patient_record *rec, int name)
{
	json_t *o = json_object(), *reps, *r;
	char *s;
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (fields[i].in_name == name)
			jset(o, fields[i].key, fget(rec, &fields[i]));
	if (!name) {
		json_object_set_new(o, "ok_voicemail",
		    json_boolean(rec->ok_voicemail));
		json_object_set_new(o, "ok_email", json_boolean(rec->ok_email));
		json_object_set_new(o, "ok_text", json_boolean(rec->ok_text));
		reps = json_array();
		for (i = 0; i < PATIENT_MAX_REPS; i++) {
			if (empty(rec->reps[i].name))
				continue;
			r = json_object();
			jset(r, "name", rec->reps[i].name);
			jset(r, "relationship", rec->reps[i].relationship);
			jset(r, "phone", rec->reps[i].phone);
			jset(r, "authority", rec->reps[i].authority);
			json_array_append_new(reps, r);
		}
		json_object_set_new(o, "representatives", reps);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static const char *
jget(struct arena *a, json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL ? arena_strdup(a, v) : "";
}

void
pt_from_json(struct arena *a, json_t *o, int name, struct patient_record *rec)
{
	json_t *reps, *r;
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (fields[i].in_name == name)
			fset(rec, &fields[i], jget(a, o, fields[i].key));
	if (name)
		return;
	rec->ok_voicemail = json_is_true(json_object_get(o, "ok_voicemail"));
	rec->ok_email = json_is_true(json_object_get(o, "ok_email"));
	rec->ok_text = json_is_true(json_object_get(o, "ok_text"));
	reps = json_object_get(o, "representatives");
	for (i = 0; i < PATIENT_MAX_REPS && i < json_array_size(reps); i++) {
		r = json_array_get(reps, i);
		rec->reps[i].name = jget(a, r, "name");
		rec->reps[i].relationship = jget(a, r, "relationship");
		rec->reps[i].phone = jget(a, r, "phone");
		rec->reps[i].authority = jget(a, r, "authority");
	}
}

/* ---- sealing ---------------------------------------------------------- */

static int
seal(struct keystore *ks, int64_t pid, int64_t id, const char *col,
    const char *pt, struct buf *out)
{
	struct field_ref ref = {pid, KS_GENERAL, "patients", col, id};

	buf_reset(out);
	return keystore_seal(ks, &ref, pt, pt ? strlen(pt) : 0, out);
}

/* Seals name, dob and profile of row id and stores them with the plain
 * columns; where is "AND version = ?" for an edit (then *changed 0 when
 * the version did not match). */
static int
store(struct db_conn *c, struct keystore *ks, int64_t pid, int64_t id,
    const struct patient_record *rec, int64_t actor, int64_t *changed)
{
	char *nj = to_json(rec, 1), *pj = to_json(rec, 0);
	char dbx[BLIND_HEX_SIZE];
	int64_t kid = 0;
	struct buf n, d, p;
	struct db_stmt *s = NULL;
	int rc;

	buf_init(&n, NULL);
	buf_init(&d, NULL);
	buf_init(&p, NULL);
	rc = nj == NULL || pj == NULL ? ALC_ENOMEM : 0;
	if (rc != 0 || (rc = seal(ks, pid, id, "name", nj, &n)) != 0 ||
	    (rc = seal(ks, pid, id, "dob", rec->dob, &d)) != 0 ||
	    (rc = seal(ks, pid, id, "profile", pj, &p)) != 0 ||
	    (rc = keystore_blind_key(ks, pid, &kid)) != 0 ||
	    (rc = keystore_blind_as(ks, pid, kid, BLIND_DOB, rec->dob, dbx)) != 0)
		goto out;
	if ((rc = db_prepare(c, &s, "UPDATE patients SET name = ?, dob = ?, "
	    "profile = ?, dob_bidx = ?, status = ?, part2 = ?, staff_patient = "
	    "?, restricted = ?, updated_at = ?, updated_by = ?, version = "
	    "version + 1, dob_key_id = ? WHERE id = ? AND version = ?")) != 0)
		goto out;
	db_bind_blob(s, 1, n.data, n.len);
	db_bind_blob(s, 2, d.data, d.len);
	db_bind_blob(s, 3, p.data, p.len);
	db_bind_text(s, 4, dbx);
	db_bind_text(s, 5, empty(rec->status) ? "active" : rec->status);
	db_bind_i64(s, 6, rec->part2 != 0);
	db_bind_i64(s, 7, rec->staff_patient != 0);
	db_bind_i64(s, 8, rec->restricted != 0);
	db_bind_i64(s, 9, time_now_ms());
	if (actor > 0)
		db_bind_i64(s, 10, actor);
	else
		db_bind_null(s, 10);
	db_bind_i64(s, 11, kid);
	db_bind_i64(s, 12, id);
	db_bind_i64(s, 13, rec->version);
	if ((rc = db_step(s)) >= 0) {
		*changed = db_changes(s);
		rc = 0;
	}
out:
	if (s != NULL)
		db_stmt_done(s);
	free(nj);
	free(pj);
	buf_free(&n);
	buf_free(&d);
	buf_free(&p);
	return rc;
}

/* Inserts the plain row with the next chart number of the practice. */
static int
insert_row(struct db_conn *c, int64_t pid, int64_t actor, int64_t *id,
    char chart[24])
{
	struct db_stmt *s;
	int64_t count = 0, now = time_now_ms();
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT count(*) FROM patients WHERE "
	    "practice_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	if ((rc = db_step(s)) == DB_ROW)
		count = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	snprintf(chart, 24, "P-%06lld", (long long)count + 1);
	if ((rc = db_prepare(c, &s, "INSERT INTO patients (practice_id, "
	    "chart_no, created_at, created_by, updated_at, updated_by) VALUES "
	    "(?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, chart);
	db_bind_i64(s, 3, now);
	db_bind_i64(s, 5, now);
	if (actor > 0) {
		db_bind_i64(s, 4, actor);
		db_bind_i64(s, 6, actor);
	} else {
		db_bind_null(s, 4);
		db_bind_null(s, 6);
	}
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_EDB;
}

static int
create_in(struct db_conn *c, struct keystore *ks, int64_t pid,
    const struct patient_record *rec, const struct audit_event *who,
    int64_t *id, char chart[24])
{
	struct patient_record r = *rec;
	int64_t actor = who ? who->actor_user_id : 0, changed = 0;
	char detail[64];
	int rc;

	if ((rc = insert_row(c, pid, actor, id, chart)) != 0)
		return rc;
	r.version = 1;
	if ((rc = store(c, ks, pid, *id, &r, actor, &changed)) != 0 ||
	    (rc = pt_index_write(c, ks, pid, 0, *id, rec)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"chart_no\":\"%s\"}", chart);
	return pt_audit(c, who, "CREATE", pid, "patient", *id, *id, NULL,
	    detail);
}

int
patients_create(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, const struct patient_record *rec,
    const struct audit_event *who, int64_t *id, const char **chart_no,
    struct alc_err *err)
{
	struct db_conn *c;
	char chart[24];
	int rc, tries;

	if ((rc = pt_acquire(db, &c)) != 0)
		return alc_err_set(err, rc, "no database connection");
	/* Two registrations at once on PostgreSQL may pick the same chart
	 * number: the unique index refuses the second, which tries again. */
	for (tries = 0; tries < 3; tries++) {
		if ((rc = db_begin(c)) == 0 &&
		    (rc = create_in(c, ks, practice_id, rec, who, id, chart)) == 0)
			rc = db_commit(c);
		if (rc != 0)
			db_rollback(c);
		if (rc != ALC_EEXIST)
			break;
	}
	if (rc != 0)
		alc_err_set(err, rc, "registering patient: %s", db_errmsg(c));
	db_release(c);
	if (rc == 0 && chart_no != NULL)
		*chart_no = arena_strdup(a, chart);
	return rc;
}

static void
name_out(struct buf *out, int *first, const char *name)
{
	buf_printf(out, "%s\"%s\"", *first ? "" : ",", name);
	*first = 0;
}

/* "legal_last","phone" for the fields that differ between a and b. */
static void
changed_fields(const struct patient_record *a, const struct patient_record *b,
    struct buf *out)
{
	int first = 1;
	size_t i;

	for (i = 0; i < NFIELDS; i++) {
		const char *x = fget(a, &fields[i]), *y = fget(b, &fields[i]);
		if (strcmp(x ? x : "", y ? y : "") != 0)
			name_out(out, &first, fields[i].key);
	}
	for (i = 0; i < PATIENT_MAX_REPS; i++) {
		const struct patient_rep *x = &a->reps[i], *y = &b->reps[i];
		if (strcmp(x->name ? x->name : "", y->name ? y->name : "") ||
		    strcmp(x->relationship ? x->relationship : "",
		    y->relationship ? y->relationship : "") ||
		    strcmp(x->phone ? x->phone : "", y->phone ? y->phone : "") ||
		    strcmp(x->authority ? x->authority : "",
		    y->authority ? y->authority : "")) {
			name_out(out, &first, "representatives");
			break;
		}
	}
#define CH(m) if (a->m != b->m) name_out(out, &first, #m)
	CH(ok_voicemail); CH(ok_email); CH(ok_text); CH(part2);
	CH(restricted); CH(staff_patient);
#undef CH
	if (strcmp(a->dob ? a->dob : "", b->dob ? b->dob : "") != 0)
		name_out(out, &first, "dob");
	if (strcmp(empty(a->status) ? "active" : a->status,
	    empty(b->status) ? "active" : b->status) != 0)
		name_out(out, &first, "status");
}

static int
conflict(struct alc_err *err)
{
	return alc_err_set_user(err, ALC_ECONFLICT, "Someone else saved this "
	    "record while you were editing it. Your changes are below and "
	    "were not saved: check the record and save again.",
	    "stale version");
}

int
patients_update(struct db *db, struct keystore *ks, struct arena *a,
    int64_t pid, int64_t id, const struct patient_record *rec,
    const struct audit_event *who, struct alc_err *err)
{
	struct patient_record old;
	struct db_conn *c = NULL;
	int64_t changed = 0;
	struct buf detail;
	int rc;

	if ((rc = patients_get(db, ks, a, pid, id, &old)) != 0)
		return alc_err_set(err, rc, "loading patient");
	if (strcmp(old.status, "merged") == 0)
		return alc_err_set_user(err, ALC_EINVAL, "This record was merged "
		    "into another one and cannot be changed.", "merged");
	if (old.version != rec->version)
		return conflict(err);
	buf_init(&detail, a);
	buf_puts(&detail, "{\"changed\":[");
	changed_fields(&old, rec, &detail);
	buf_puts(&detail, "]}");
	if ((rc = pt_acquire(db, &c)) != 0)
		return alc_err_set(err, rc, "no database connection");
	if ((rc = db_begin(c)) != 0 || (rc = store(c, ks, pid, id, rec,
	    who ? who->actor_user_id : 0, &changed)) != 0)
		goto out;
	if (changed == 0) {
		rc = conflict(err);
		goto out;
	}
	if ((rc = pt_index_write(c, ks, pid, 0, id, rec)) != 0 ||
	    (rc = pt_audit(c, who, "UPDATE", pid, "patient", id, id, NULL,
	    buf_failed(&detail) ? NULL : buf_cstr(&detail))) != 0)
		goto out;
	rc = db_commit(c);
out:
	if (rc != 0) {
		db_rollback(c);
		if (err != NULL && err->code != rc)
			alc_err_set(err, rc, "updating patient: %s", db_errmsg(c));
	}
	db_release(c);
	return rc;
}
