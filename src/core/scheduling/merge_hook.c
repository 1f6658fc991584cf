/*
 * merge_hook.c - moving a merged patient's appointments to the survivor.
 * See scheduling.h; called by core/patients/merge.c inside the merge's
 * transaction (its hook table), which writes the merge's audit event.
 *
 * An appointment both records were on (a couple booked twice by mistake)
 * keeps the survivor's row only.  Charges and waitlist entries follow.
 */
#include "core/scheduling/scheduling.h"
#include "base/err.h"
#include "db/db.h"

static const char *const moves[] = {
	"DELETE FROM appointment_patients WHERE patient_id = ? AND "
	"appointment_id IN (SELECT appointment_id FROM appointment_patients "
	"WHERE patient_id = ?) AND appointment_id IN (SELECT id FROM "
	"appointments WHERE practice_id = ?)",
	"UPDATE appointment_patients SET patient_id = ? WHERE patient_id = ? "
	"AND appointment_id IN (SELECT id FROM appointments WHERE practice_id "
	"= ?)",
	"UPDATE appointment_charges SET patient_id = ? WHERE patient_id = ? AND "
	"practice_id = ?",
	"UPDATE sched_waitlist SET patient_id = ? WHERE patient_id = ? AND "
	"practice_id = ?",
};

int
sched_merge_patient(struct db_conn *c, int64_t practice_id, int64_t from,
    int64_t to)
{
	struct db_stmt *s;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < sizeof(moves) / sizeof(moves[0]); i++) {
		if ((rc = db_prepare(c, &s, moves[i])) != 0)
			return rc;
		db_bind_i64(s, 1, i == 0 ? from : to);
		db_bind_i64(s, 2, i == 0 ? to : from);
		db_bind_i64(s, 3, practice_id);
		rc = db_step(s);
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	return rc;
}
