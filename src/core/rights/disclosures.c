/*
 * disclosures.c - the disclosure log: every release of a patient's PHI
 * outside the practice, with its legal basis.  See rights.h.
 *
 * The recipient, address, description and purpose are PHI (they say who
 * the patient deals with and why), so they are one sealed JSON object;
 * the date and the basis stay in the clear, because the accounting
 * selects by date and the basis alone decides what is excluded.  The
 * audit event is a DISCLOSE with the basis as purpose of use.
 */
#include "core/rights/rights.h"
#include "core/rights/impl.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

static const char *const body_keys[] = {"recipient", "address", "what",
    "purpose"};
#define NBODY (sizeof(body_keys) / sizeof(body_keys[0]))
#define MAX_DISCLOSURES 5000

static int
check(const struct rights_disclosure_input *in, struct caldate today,
    struct alc_err *err)
{
	struct caldate d;

	if (caldate_parse(in->disclosed_on, &d) != 0 ||
	    caldate_cmp(d, today) > 0)
		return rt_invalid(err, "Enter the day of the disclosure, such as "
		    "2026-03-31, not later than today.");
	if (in->recipient == NULL || in->recipient[0] == '\0' ||
	    !rt_text_ok(in->recipient, RIGHTS_SHORT_MAX, 0))
		return rt_invalid(err, "Enter who received it (up to 300 "
		    "characters).");
	if (in->what == NULL || in->what[0] == '\0' ||
	    !rt_text_ok(in->what, RIGHTS_TEXT_MAX, 1))
		return rt_invalid(err, "Describe briefly what was disclosed.");
	if (in->purpose == NULL || in->purpose[0] == '\0' ||
	    !rt_text_ok(in->purpose, RIGHTS_TEXT_MAX, 1))
		return rt_invalid(err, "State the purpose of the disclosure.");
	if (!rt_text_ok(in->address, RIGHTS_SHORT_MAX, 1))
		return rt_invalid(err, "The address is too long (up to 300 "
		    "characters).");
	if (rights_basis(in->basis) == NULL)
		return rt_invalid(err, "Choose the legal basis from the list.");
	return 0;
}

int
rights_disclosure_insert(struct db_conn *c, struct keystore *ks,
    int64_t practice_id, int64_t patient_id,
    const struct rights_disclosure_input *in, const struct audit_event *who,
    int64_t *id)
{
	const char *vals[NBODY] = {in->recipient, in->address, in->what,
	    in->purpose};
	struct db_stmt *s;
	char detail[120];
	int rc;

	if ((rc = rt_patient_in(c, practice_id, patient_id)) != 0 ||
	    (rc = db_prepare(c, &s, "INSERT INTO disclosures (practice_id, "
	    "patient_id, disclosed_on, basis, request_id, recorded_by, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, practice_id);
	db_bind_i64(s, 2, patient_id);
	db_bind_text(s, 3, in->disclosed_on);
	db_bind_text(s, 4, in->basis);
	if (in->request_id > 0)
		db_bind_i64(s, 5, in->request_id);
	else
		db_bind_null(s, 5);
	if (rt_uid(who) > 0)
		db_bind_i64(s, 6, rt_uid(who));
	else
		db_bind_null(s, 6);
	db_bind_i64(s, 7, time_now_ms());
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	if ((rc = rt_seal_store(c, ks, practice_id, "disclosures", "body", *id,
	    "UPDATE disclosures SET body = ? WHERE id = ?", body_keys, vals,
	    NBODY)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"basis\":\"%s\",\"disclosed_on\":"
	    "\"%s\"}", in->basis, in->disclosed_on);
	return rt_audit(c, who, "DISCLOSE", practice_id, "disclosure", *id,
	    patient_id, detail);
}

int
rights_disclosure_create(struct db *db, struct keystore *ks,
    int64_t practice_id, int64_t patient_id,
    const struct rights_disclosure_input *in, struct caldate today,
    const struct audit_event *who, int64_t *id, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((rc = check(in, today, err)) != 0)
		return rc;
	if ((rc = rt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) == 0 && (rc = rights_disclosure_insert(c, ks,
	    practice_id, patient_id, in, who, id)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
read_one(struct db_stmt *s, struct keystore *ks, struct arena *a,
    int64_t pid, struct rights_disclosure *d)
{
	const struct rights_code *b;
	const char *vals[NBODY];
	int rc;

	memset(d, 0, sizeof(*d));
	d->id = db_col_i64(s, 0);
	d->patient_id = db_col_i64(s, 1);
	d->disclosed_on = rt_col(a, s, 2);
	d->basis = rt_col(a, s, 3);
	d->request_id = db_col_i64(s, 5);
	d->recorded_by_name = rt_opt(a, s, 6);
	d->created_at = db_col_i64(s, 7);
	b = rights_basis(d->basis);
	d->basis_label = b ? b->label : d->basis;
	if ((rc = rt_open_fields(ks, a, pid, "disclosures", "body", d->id, s, 4,
	    body_keys, vals, NBODY)) != 0)
		return rc;
	d->recipient = vals[0];
	d->address = vals[1];
	d->what = vals[2];
	d->purpose = vals[3];
	return 0;
}

int
rights_disclosure_list(struct db *db, struct keystore *ks,
    struct arena *a, int64_t practice_id, int64_t patient_id,
    const char *from, const char *to, struct rights_disclosure **out,
    size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((*out = arena_alloc(a, MAX_DISCLOSURES * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	if ((rc = rt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT d.id, d.patient_id, d.disclosed_on, "
	    "d.basis, d.body, d.request_id, u.display_name, d.created_at FROM "
	    "disclosures d LEFT JOIN users u ON u.id = d.recorded_by WHERE "
	    "d.practice_id = ? AND d.patient_id = ? AND d.disclosed_on >= ? AND "
	    "d.disclosed_on <= ? ORDER BY d.disclosed_on, d.id")) != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	db_bind_i64(s, 2, patient_id);
	db_bind_text(s, 3, from ? from : "0000-00-00");
	db_bind_text(s, 4, to ? to : "9999-99-99");
	while (*n < MAX_DISCLOSURES && (rc = db_step(s)) == DB_ROW)
		if ((rc = read_one(s, ks, a, practice_id, &(*out)[(*n)++])) != 0)
			break;
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	db_release(c);
	return rc;
}
