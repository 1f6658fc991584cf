/*
 * appt.c - changing appointments: status, cancellation, moving one
 * occurrence, "this and following", group members.  See scheduling.h.
 *
 * Each change is one transaction with its audit events (one per patient
 * of the appointment, so a patient's accounting of disclosures and access
 * report finds it by patient_id).  Late-cancel and no-show fees become
 * pending appointment_charges rows, one per patient, for billing.
 */
#include "core/scheduling/sched_impl.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

static const char *const statuses[] = {"scheduled", "confirmed", "arrived",
	"in_session", "completed", "cancelled", "late_cancel", "no_show"};

int
sched_status_valid(const char *st)
{
	size_t i;

	for (i = 0; st != NULL && i < sizeof(statuses) / sizeof(*statuses); i++)
		if (strcmp(st, statuses[i]) == 0)
			return 1;
	return 0;
}

static int
count_of(struct db_conn *c, const char *sql, int64_t a, int64_t b,
    int64_t *n)
{
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, 1, a);
	db_bind_i64(s, 2, b);
	if ((rc = db_step(s)) == DB_ROW)
		*n = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
ref_ok(struct db_conn *c, const char *sql, int64_t pid, int64_t id,
    int *ok)
{
	int64_t n;
	int rc;

	*ok = 1;
	if (id <= 0)
		return 0;
	rc = count_of(c, sql, pid, id, &n);
	*ok = n > 0;
	return rc;
}

int
sched_check_refs(struct db_conn *c, int64_t pid,
    const struct sched_booking *b, struct alc_err *err)
{
	size_t i;
	int rc = 0, ok = 1;

	for (i = 0; rc == 0 && ok && i < b->npatients; i++)
		rc = ref_ok(c, "SELECT count(*) FROM patients WHERE practice_id "
		    "= ? AND id = ? AND status <> 'merged'", pid, b->patients[i],
		    &ok);
	for (i = 0; rc == 0 && ok && i < b->nclinicians; i++)
		rc = ref_ok(c, "SELECT count(*) FROM memberships m JOIN users u "
		    "ON u.id = m.user_id WHERE m.practice_id = ? AND m.user_id = "
		    "? AND u.status = 'active'", pid, b->clinicians[i], &ok);
	if (rc == 0 && ok)
		rc = ref_ok(c, "SELECT count(*) FROM sched_types WHERE "
		    "practice_id = ? AND id = ?", pid, b->type_id, &ok);
	if (rc == 0 && ok)
		rc = ref_ok(c, "SELECT count(*) FROM sched_rooms WHERE "
		    "practice_id = ? AND id = ?", pid, b->room_id, &ok);
	if (rc == 0 && ok)
		rc = ref_ok(c, "SELECT count(*) FROM sched_locations WHERE "
		    "practice_id = ? AND id = ?", pid, b->location_id, &ok);
	if (rc == 0 && !ok)
		rc = alc_err_set_user(err, ALC_EINVAL, "A patient, clinician, "
		    "room or type you chose was not found.", "bad reference");
	return rc;
}

int
sched_audit_appt(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t pid, int64_t appt_id, const char *reason,
    const char *detail)
{
	int64_t pats[SCHED_MAX_PEOPLE * 4];
	struct audit_event ev;
	struct db_stmt *s;
	size_t n = 0, i;
	char id[24];
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT patient_id FROM "
	    "appointment_patients WHERE appointment_id = ? ORDER BY "
	    "patient_id")) != 0)
		return rc;
	db_bind_i64(s, 1, appt_id);
	while ((rc = db_step(s)) == DB_ROW && n < sizeof(pats) / sizeof(*pats))
		pats[n++] = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if (who != NULL)
		ev = *who;
	else {
		memset(&ev, 0, sizeof(ev));
		ev.actor_role = "system";
	}
	snprintf(id, sizeof(id), "%lld", (long long)appt_id);
	ev.verb = verb;
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = "appointment";
	ev.object_id = id;
	ev.reason = reason;
	ev.detail = detail;
	for (i = 0, rc = 0; rc == 0 && (i < n || (i == 0 && n == 0)); i++) {
		ev.patient_id = n ? pats[i] : 0;
		rc = audit_write(c, &ev);
	}
	return rc;
}

/* Pending fee rows, one per patient of the appointment. */
static int
add_charges(struct db_conn *c, int64_t pid, int64_t appt, const char *why,
    int64_t cents, int64_t actor, int64_t now)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO appointment_charges "
	    "(practice_id, appointment_id, patient_id, amount_cents, reason, "
	    "created_at, created_by) SELECT ?, appointment_id, patient_id, ?, ?, "
	    "?, ? FROM appointment_patients WHERE appointment_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, cents);
	db_bind_text(s, 3, why);
	db_bind_i64(s, 4, now);
	if (actor > 0)
		db_bind_i64(s, 5, actor);
	else
		db_bind_null(s, 5);
	db_bind_i64(s, 6, appt);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
status_in(struct db_conn *c, int64_t pid, int64_t appt, const char *st,
    const char *reason, int64_t fee, const struct audit_event *who)
{
	int64_t actor = who ? who->actor_user_id : 0, now = time_now_ms();
	int cancel = strcmp(st, "cancelled") == 0 ||
	    strcmp(st, "late_cancel") == 0 || strcmp(st, "no_show") == 0;
	char detail[96];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE appointments SET status = ?, "
	    "cancel_reason = ?, cancelled_by = ?, cancelled_at = ?, updated_at "
	    "= ?, version = version + 1 WHERE practice_id = ? AND id = ?")) != 0)
		return rc;
	db_bind_text(s, 1, st);
	db_bind_text(s, 2, cancel ? reason : NULL);
	if (cancel && actor > 0)
		db_bind_i64(s, 3, actor);
	else
		db_bind_null(s, 3);
	if (cancel)
		db_bind_i64(s, 4, now);
	else
		db_bind_null(s, 4);
	db_bind_i64(s, 5, now);
	db_bind_i64(s, 6, pid);
	db_bind_i64(s, 7, appt);
	rc = db_step(s);
	if (rc >= 0)
		rc = db_changes(s) == 1 ? 0 : ALC_ENOTFOUND;
	db_stmt_done(s);
	if (rc == 0 && fee > 0 && strcmp(st, "cancelled") != 0 && cancel)
		rc = add_charges(c, pid, appt, st, fee, actor, now);
	snprintf(detail, sizeof(detail), "{\"status\":\"%s\",\"fee_cents\":"
	    "%lld}", st, (long long)(cancel ? fee : 0));
	return rc != 0 ? rc : sched_audit_appt(c, who, "UPDATE", pid, appt,
	    reason, detail);
}

int
sched_set_status(struct db *db, int64_t practice_id, int64_t appt_id,
    const char *status, const char *reason, int64_t fee_cents,
    const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (!sched_status_valid(status))
		return alc_err_set_user(err, ALC_EINVAL, "Choose a status.",
		    "status");
	if ((strcmp(status, "cancelled") == 0 || strcmp(status,
	    "late_cancel") == 0) && (reason == NULL || reason[0] == '\0'))
		return alc_err_set_user(err, ALC_EINVAL, "Say why the "
		    "appointment is cancelled.", "no reason");
	if (fee_cents < 0)
		return alc_err_set_user(err, ALC_EINVAL, "The fee cannot be "
		    "negative.", "fee");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = status_in(c, practice_id,
	    appt_id, status, reason, fee_cents, who)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
