/*
 * merge.c - merging a duplicate record into the one that survives.  See
 * patients.h.
 *
 * Nothing is deleted (retention): the duplicate keeps its row with status
 * 'merged' and merged_into = survivor, so links and audit events that
 * name it still resolve, and patients_access() treats it as not found.
 * Its live care team joins the survivor's (a second primary becomes a
 * plain clinician; someone on both teams keeps the survivor's row).
 *
 * Other modules own rows that point at patients (appointments, notes,
 * claims ...).  They move them in the merge's own transaction through a
 * hook in merge_hooks[] below: add one line per module, in the order the
 * rows must move.  A hook that fails rolls the whole merge back.
 */
#include "core/patients/patients.h"
#include "core/patients/impl.h"
#include "core/measures/measures.h"
#include "core/scheduling/scheduling.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

/* Modules that move their rows: e.g. scheduling_merge_patient. */
static const patient_merge_hook merge_hooks[] = {
	sched_merge_patient,
	measures_merge_patient,
};
#define NHOOKS (sizeof(merge_hooks) / sizeof(merge_hooks[0]))

/* The status of a patient of the practice, into st (16 bytes). */
static int
status_of(struct db_conn *c, int64_t pid, int64_t id, char st[16])
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT status FROM patients WHERE id = ? "
	    "AND practice_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, id);
	db_bind_i64(s, 2, pid);
	if ((rc = db_step(s)) == DB_ROW)
		snprintf(st, 16, "%s", db_col_text(s, 0));
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_ENOTFOUND;
}

static int
move_team(struct db_conn *c, int64_t from, int64_t to)
{
	int rc;

	if ((rc = pt_exec(c, "UPDATE care_team SET role = 'clinician' WHERE "
	    "patient_id = ? AND role = 'primary' AND removed_at IS NULL AND "
	    "EXISTS (SELECT 1 FROM care_team t WHERE t.patient_id = ? AND "
	    "t.role = 'primary' AND t.removed_at IS NULL)", from, to,
	    INT64_MIN)) != 0 ||
	    (rc = pt_exec(c, "UPDATE care_team SET patient_id = ? WHERE "
	    "patient_id = ? AND removed_at IS NULL AND user_id NOT IN (SELECT "
	    "t.user_id FROM care_team t WHERE t.patient_id = ? AND "
	    "t.removed_at IS NULL)", to, from, to)) != 0)
		return rc;
	return pt_exec(c, "UPDATE care_team SET removed_at = ? WHERE "
	    "patient_id = ? AND removed_at IS NULL", time_now_ms(), from,
	    INT64_MIN);
}

static int
record_merge(struct db_conn *c, int64_t pid, int64_t to, int64_t from,
    const char *reason, int64_t actor)
{
	struct db_stmt *s;
	int rc;

	if ((rc = pt_exec(c, "UPDATE patients SET status = 'merged', "
	    "merged_into = ?, version = version + 1 WHERE id = ?", to, from,
	    INT64_MIN)) != 0 ||
	    (rc = db_prepare(c, &s, "INSERT INTO patient_merges (practice_id, "
	    "survivor_id, merged_id, merged_at, merged_by, reason) VALUES (?, ?, "
	    "?, ?, ?, ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, to);
	db_bind_i64(s, 3, from);
	db_bind_i64(s, 4, time_now_ms());
	if (actor > 0)
		db_bind_i64(s, 5, actor);
	else
		db_bind_null(s, 5);
	db_bind_text(s, 6, reason);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
merge_in(struct db_conn *c, int64_t pid, int64_t to, int64_t from,
    const char *reason, const struct audit_event *who, struct alc_err *err)
{
	char st_to[16], st_from[16], detail[64];
	size_t i;
	int rc;

	if ((rc = status_of(c, pid, to, st_to)) != 0 ||
	    (rc = status_of(c, pid, from, st_from)) != 0)
		return alc_err_set_user(err, rc, "No such patient record here.",
		    "merge: missing record");
	if (strcmp(st_to, "merged") == 0 || strcmp(st_from, "merged") == 0)
		return alc_err_set_user(err, ALC_EINVAL, "One of these records "
		    "was already merged.", "already merged");
	if ((rc = record_merge(c, pid, to, from, reason,
	    who ? who->actor_user_id : 0)) != 0 ||
	    (rc = move_team(c, from, to)) != 0)
		return rc;
	for (i = 0; i < NHOOKS; i++)
		if (merge_hooks[i] != NULL &&
		    (rc = merge_hooks[i](c, pid, from, to)) != 0)
			return rc;
	snprintf(detail, sizeof(detail), "{\"merged_into\":%lld}",
	    (long long)to);
	if ((rc = pt_audit(c, who, "UPDATE", pid, "patient", from, from, reason,
	    detail)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"merged_from\":%lld}",
	    (long long)from);
	return pt_audit(c, who, "UPDATE", pid, "patient", to, to, reason,
	    detail);
}

int
patients_merge(struct db *db, int64_t pid, int64_t survivor,
    int64_t duplicate, const char *reason, const struct audit_event *who,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (survivor == duplicate)
		return alc_err_set_user(err, ALC_EINVAL, "Choose two different "
		    "records.", "same record");
	if (reason == NULL || reason[0] == '\0' || strlen(reason) > 256)
		return alc_err_set_user(err, ALC_EINVAL, "Say why these records "
		    "are the same person (up to 256 characters).", "reason");
	if ((rc = pt_acquire(db, &c)) != 0)
		return alc_err_set(err, rc, "no connection");
	if ((rc = db_begin(c)) == 0 && (rc = merge_in(c, pid, survivor,
	    duplicate, reason, who, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
