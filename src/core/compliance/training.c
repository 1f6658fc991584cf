/*
 * training.c - training records, their expiry flags, and the new-hire
 * training deadline.  Design in training.h.
 */
#include "core/compliance/training.h"
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

static int
invalid(struct alc_err *err, const char *user)
{
	return alc_err_set_user(err, ALC_EINVAL, user, "training: %s", user);
}

static int
check_input(const struct training_input *in, struct alc_err *err)
{
	struct caldate d;

	if (in->course == NULL || in->course[0] == '\0' ||
	    !cmp_text_ok(in->course, TRAINING_NAME_MAX, 0))
		return invalid(err, "Enter the course's name (up to 200 "
		    "characters).");
	if (in->completed_on == NULL || caldate_parse(in->completed_on, &d) != 0)
		return invalid(err, "Enter the date the course was completed, such "
		    "as 2026-03-31.");
	if (in->expires_on != NULL && in->expires_on[0] != '\0' &&
	    caldate_parse(in->expires_on, &d) != 0)
		return invalid(err, "Enter the expiry date such as 2027-03-31, or "
		    "leave it empty.");
	if (in->hours_tenths < 0 || in->hours_tenths > 10000)
		return invalid(err, "Enter the hours as a number such as 1.5.");
	if (!cmp_text_ok(in->provider, TRAINING_NAME_MAX, 0) ||
	    !cmp_text_ok(in->evidence, TRAINING_TEXT_MAX, 1))
		return invalid(err, "A text field is too long or holds characters "
		    "that cannot be stored.");
	return 0;
}

static int
insert_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    const struct training_input *in, int64_t *id)
{
	char ret[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO training_records (practice_id, "
	    "user_id, course, completed_on, hours_tenths, provider, evidence, "
	    "expires_on, recorded_by, retain_until, created_at) VALUES (?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, in->user_id);
	db_bind_text(s, 3, in->course);
	db_bind_text(s, 4, in->completed_on);
	db_bind_i64(s, 5, in->hours_tenths);
	db_bind_text(s, 6, in->provider ? in->provider : "");
	db_bind_text(s, 7, in->evidence ? in->evidence : "");
	if (in->expires_on != NULL && in->expires_on[0] != '\0')
		db_bind_text(s, 8, in->expires_on);
	else
		db_bind_null(s, 8);
	if (cmp_uid(who) > 0)
		db_bind_i64(s, 9, cmp_uid(who));
	else
		db_bind_null(s, 9);
	db_bind_text(s, 10, caldate_format(compliance_retain_until(
	    caldate_from_days(time_now_ms() / 86400000)), ret));
	db_bind_i64(s, 11, time_now_ms());
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	return cmp_audit_obj(c, pid, who, "CREATE", "training_record", *id,
	    "{\"change\":\"recorded\"}");
}

int
training_add(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const struct training_input *in,
    int64_t *id, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((rc = check_input(in, err)) != 0)
		return rc;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0)
		goto out;
	if (!cmp_is_member(c, practice_id, in->user_id))
		rc = invalid(err, "Choose the staff member who took the course.");
	else
		rc = insert_in(c, practice_id, who, in, id);
	if (rc == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
out:
	db_release(c);
	return rc;
}

int
training_retire(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, struct alc_err *err)
{
	int64_t v[2] = {practice_id, id};
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0)
		goto out;
	if ((rc = db_prepare(c, &s, "UPDATE training_records SET status = "
	    "'retired' WHERE practice_id = ? AND id = ? AND status = 'active'"))
	    == 0) {
		db_bind_i64(s, 1, v[0]);
		db_bind_i64(s, 2, v[1]);
		rc = db_step(s);
		rc = rc == DB_DONE ? (db_changes(s) ? 0 : ALC_ENOTFOUND) :
		    rc < 0 ? rc : ALC_EDB;
		db_stmt_done(s);
	}
	if (rc == 0)
		rc = cmp_audit_obj(c, practice_id, who, "UPDATE",
		    "training_record", id, "{\"change\":\"retired\"}");
	if (rc == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
out:
	db_release(c);
	return rc;
}

static void
read_row(struct arena *a, struct db_stmt *s, struct training_record *t)
{
	t->id = db_col_i64(s, 0);
	t->f.user_id = db_col_i64(s, 1);
	t->person = cmp_col(a, s, 2);
	t->f.course = cmp_col(a, s, 3);
	t->f.completed_on = cmp_col(a, s, 4);
	t->f.hours_tenths = (int)db_col_i64(s, 5);
	t->f.provider = cmp_col(a, s, 6);
	t->f.evidence = cmp_col(a, s, 7);
	t->f.expires_on = cmp_col(a, s, 8);
}

int
training_list(struct db *db, struct arena *a, int64_t practice_id,
    int64_t user_id, struct training_record **out, size_t *n)
{
	struct training_record *rows;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rows = arena_alloc(a, TRAINING_MAX_LIST * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	*out = rows;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT t.id, t.user_id, u.display_name, "
	    "t.course, t.completed_on, t.hours_tenths, t.provider, t.evidence, "
	    "t.expires_on FROM training_records t JOIN users u ON u.id = "
	    "t.user_id WHERE t.practice_id = ? AND t.status = 'active' AND (? = "
	    "0 OR t.user_id = ?) ORDER BY t.completed_on DESC, t.id DESC LIMIT "
	    "?")) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, user_id);
		db_bind_i64(s, 3, user_id);
		db_bind_i64(s, 4, TRAINING_MAX_LIST);
		while ((rc = db_step(s)) == DB_ROW)
			read_row(a, s, &rows[(*n)++]);
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

enum training_expiry
training_expiry(const char *expires_on, struct caldate today)
{
	struct caldate e;

	if (expires_on == NULL || caldate_parse(expires_on, &e) != 0)
		return TRAINING_OK;
	if (caldate_cmp(e, today) < 0)
		return TRAINING_EXPIRED;
	if (caldate_diff(today, e) <= TRAINING_EXPIRY_WARN_DAYS)
		return TRAINING_EXPIRING;
	return TRAINING_OK;
}

int
training_due_days(struct db *db, int64_t practice_id, int *days)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*days = TRAINING_DUE_DAYS_DEFAULT;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT training_due_days FROM "
	    "training_settings WHERE practice_id = ?")) == 0) {
		db_bind_i64(s, 1, practice_id);
		if ((rc = db_step(s)) == DB_ROW)
			*days = (int)db_col_i64(s, 0);
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

static int
set_days_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    int days)
{
	int64_t now = time_now_ms();
	int64_t up[3] = {days, now, pid}, ins[4] = {pid, days, now, pid};
	char detail[48];
	int rc;

	if ((rc = cmp_exec(c, "UPDATE training_settings SET training_due_days = "
	    "?, updated_at = ? WHERE practice_id = ?", up, 3)) != 0 ||
	    (rc = cmp_exec(c, "INSERT INTO training_settings (practice_id, "
	    "training_due_days, updated_at) SELECT ?, ?, ? WHERE NOT EXISTS "
	    "(SELECT 1 FROM training_settings WHERE practice_id = ?)", ins, 4))
	    != 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"training_due_days\":%d}", days);
	return cmp_audit_obj(c, pid, who, "CONFIG_CHANGE", "training_settings",
	    pid, detail);
}

int
training_set_due_days(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int days, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (days < 1 || days > 365)
		return invalid(err, "Enter the number of days (1 to 365).");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = set_days_in(c, practice_id, who, days)) == 0)
		rc = db_commit(c);
	if (rc != 0 && db_in_txn(c))
		db_rollback(c);
	db_release(c);
	return rc;
}

int
training_overdue(struct db *db, struct arena *a, int64_t practice_id,
    struct caldate today, struct training_overdue **out, size_t *n)
{
	char due[CALDATE_TEXT_SIZE];
	struct training_overdue *rows;
	struct db_conn *c;
	struct db_stmt *s;
	int days = 0, rc;

	*n = 0;
	if ((rc = training_due_days(db, practice_id, &days)) != 0)
		return rc;
	if ((rows = arena_alloc(a, TRAINING_MAX_LIST * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	*out = rows;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT u.id, u.display_name, u.email, "
	    "u.created_at FROM users u WHERE u.status = 'active' AND u.id IN "
	    "(SELECT user_id FROM memberships WHERE practice_id = ?) AND "
	    "u.created_at < ? AND NOT EXISTS (SELECT 1 FROM training_records t "
	    "WHERE t.practice_id = ? AND t.user_id = u.id AND t.status = "
	    "'active') ORDER BY u.created_at, u.id LIMIT ?")) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, (caldate_to_days(today) - days) * 86400000);
		db_bind_i64(s, 3, practice_id);
		db_bind_i64(s, 4, TRAINING_MAX_LIST);
		while ((rc = db_step(s)) == DB_ROW) {
			rows[*n].user_id = db_col_i64(s, 0);
			rows[*n].name = cmp_col(a, s, 1);
			rows[*n].email = cmp_col(a, s, 2);
			rows[(*n)++].due_on = arena_strdup(a, caldate_format(
			    caldate_add_days(caldate_from_days(db_col_i64(s, 3) /
			    86400000), days), due));
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}
