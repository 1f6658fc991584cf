/*
 * training_log.c - the sanctions and complaints logs (164.530(d), (e)).
 * Design in training.h: append-only rows whose person and details are
 * sealed by the keystore, in the same transaction as the insert that
 * gives the row the id the seal is bound to, with the audit event.
 */
#include "core/compliance/training.h"
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "core/keys/keystore.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <string.h>

static const char *const kinds[] = {"sanction", "complaint"};

static int
invalid(struct alc_err *err, const char *user)
{
	return alc_err_set_user(err, ALC_EINVAL, user, "workforce log: %s",
	    user);
}

static int
check(const struct workforce_entry *in, struct alc_err *err)
{
	struct caldate d;

	if (in->occurred_on == NULL || caldate_parse(in->occurred_on, &d) != 0)
		return invalid(err, "Enter the date, such as 2026-03-31.");
	if (in->person == NULL || in->person[0] == '\0' ||
	    !cmp_text_ok(in->person, TRAINING_NAME_MAX, 0))
		return invalid(err, "Enter who it concerns (up to 200 "
		    "characters).");
	if (in->details == NULL || in->details[0] == '\0' ||
	    !cmp_text_ok(in->details, TRAINING_TEXT_MAX, 1))
		return invalid(err, "Describe what happened (up to 2,000 "
		    "characters).");
	if (!cmp_text_ok(in->action_taken, TRAINING_TEXT_MAX, 1))
		return invalid(err, "The action taken is too long (2,000 "
		    "characters at most).");
	return 0;
}

static int
seal_into(struct db_conn *c, struct keystore *ks, int64_t pid, int64_t id,
    const struct workforce_entry *in)
{
	struct buf p, d;
	struct db_stmt *s;
	int rc;

	buf_init(&p, NULL);
	buf_init(&d, NULL);
	if ((rc = keystore_seal(ks, &(struct field_ref){pid, KS_GENERAL,
	    "workforce_log", "person", id}, in->person, strlen(in->person),
	    &p)) != 0 || (rc = keystore_seal(ks, &(struct field_ref){pid,
	    KS_GENERAL, "workforce_log", "details", id}, in->details,
	    strlen(in->details), &d)) != 0)
		goto out;
	if ((rc = db_prepare(c, &s, "UPDATE workforce_log SET person = ?, "
	    "details = ? WHERE id = ?")) != 0)
		goto out;
	db_bind_blob(s, 1, p.data, p.len);
	db_bind_blob(s, 2, d.data, d.len);
	db_bind_i64(s, 3, id);
	rc = db_step(s);
	db_stmt_done(s);
	rc = rc == DB_DONE ? 0 : rc < 0 ? rc : ALC_EDB;
out:
	buf_free(&p);
	buf_free(&d);
	return rc;
}

static int
add_in(struct db_conn *c, struct keystore *ks, int64_t pid,
    const struct compliance_actor *who, const struct workforce_entry *in,
    int64_t *id)
{
	char ret[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO workforce_log (practice_id, "
	    "kind, occurred_on, action_taken, recorded_by, retain_until, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, kinds[in->kind]);
	db_bind_text(s, 3, in->occurred_on);
	db_bind_text(s, 4, in->action_taken ? in->action_taken : "");
	if (cmp_uid(who) > 0)
		db_bind_i64(s, 5, cmp_uid(who));
	else
		db_bind_null(s, 5);
	db_bind_text(s, 6, caldate_format(compliance_retain_until(
	    caldate_from_days(time_now_ms() / 86400000)), ret));
	db_bind_i64(s, 7, time_now_ms());
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	if ((rc = seal_into(c, ks, pid, *id, in)) != 0)
		return rc;
	return cmp_audit_obj(c, pid, who, "CREATE", "workforce_log", *id,
	    in->kind == WFLOG_SANCTION ? "{\"kind\":\"sanction\"}" :
	    "{\"kind\":\"complaint\"}");
}

int
workforce_log_add(struct db *db, struct keystore *ks, int64_t practice_id,
    const struct compliance_actor *who, const struct workforce_entry *in,
    int64_t *id, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((rc = check(in, err)) != 0)
		return rc;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = add_in(c, ks, practice_id, who, in, id)) == 0)
		rc = db_commit(c);
	if (rc != 0 && db_in_txn(c))
		db_rollback(c);
	db_release(c);
	return rc;
}

/* Opens column col of the row into the arena; "" when it cannot. */
static const char *
open_col(struct keystore *ks, struct arena *a, struct db_stmt *s, int col,
    int64_t pid, int64_t id, const char *column)
{
	struct buf b;
	const void *ct;
	size_t n = 0;

	ct = db_col_blob(s, col, &n);
	buf_init(&b, a);
	if (ct == NULL || keystore_open_field(ks, &(struct field_ref){pid,
	    KS_GENERAL, "workforce_log", column, id}, ct, n, &b) != 0 ||
	    buf_failed(&b))
		return "(cannot be opened)";
	return buf_cstr(&b);
}

int
workforce_log_list(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, enum workforce_log_kind kind,
    struct workforce_entry **out, size_t *n)
{
	struct workforce_entry *rows, *e;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rows = arena_alloc(a, TRAINING_MAX_LIST * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	*out = rows;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT w.id, w.occurred_on, w.person, "
	    "w.details, w.action_taken, u.display_name FROM workforce_log w "
	    "LEFT JOIN users u ON u.id = w.recorded_by WHERE w.practice_id = ? "
	    "AND w.kind = ? ORDER BY w.occurred_on DESC, w.id DESC LIMIT ?"))
	    == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_text(s, 2, kinds[kind]);
		db_bind_i64(s, 3, TRAINING_MAX_LIST);
		while ((rc = db_step(s)) == DB_ROW) {
			e = &rows[(*n)++];
			e->id = db_col_i64(s, 0);
			e->kind = kind;
			e->occurred_on = cmp_col(a, s, 1);
			e->person = open_col(ks, a, s, 2, practice_id, e->id,
			    "person");
			e->details = open_col(ks, a, s, 3, practice_id, e->id,
			    "details");
			e->action_taken = cmp_col(a, s, 4);
			e->recorded_by = cmp_col(a, s, 5);
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}
