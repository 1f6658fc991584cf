/*
 * access.c - who may see what of a patient, and break-glass.  See
 * patients.h.
 *
 * The decision, in order (the first that applies wins):
 *   owner                                        -> clinical
 *   clinician/supervisor on the live care team   -> clinical
 *   clinician/supervisor whose supervisee is on
 *     the live care team (supervision table)      -> clinical
 *   an active break-glass grant of this person   -> clinical, flagged
 *   restricted record                            -> none
 *   admin, front desk, billing, compliance       -> demographic
 *   anyone else (a clinician off the team)       -> none
 * A merged record is "not found": its survivor is the record.
 *
 * Break-glass grants last the practice's setting
 * patients.break_glass_minutes (core/practice/settings.h: 60 minutes
 * unless changed, 15 to 480), so a forgotten grant closes itself.  Every grant is open for review by the
 * owner or compliance officer until marked reviewed with a note.
 */
#include "core/patients/patients.h"
#include "core/patients/impl.h"
#include "core/practice/settings.h"
#include "core/users/users.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#define DEMOGRAPHIC_ROLES (ROLE_ADMIN | ROLE_FRONT_DESK | ROLE_BILLING | \
	ROLE_COMPLIANCE)
#define TEAM_ROLES (ROLE_CLINICIAN | ROLE_SUPERVISOR)

/* The viewer supervises someone on the patient's live care team. */
#define SUPERVISEE_ON_TEAM "SELECT 1 FROM care_team t JOIN supervision v " \
	"ON v.practice_id = t.practice_id AND v.supervisee_id = t.user_id " \
	"WHERE t.patient_id = ? AND v.supervisor_id = ? AND t.removed_at IS NULL"

/* 1 when sql (binding patient, user[, now]) returns a row. */
static int
exists(struct db_conn *c, const char *sql, int64_t pat, int64_t uid,
    int64_t now, int *yes)
{
	struct db_stmt *s;
	int rc;

	*yes = 0;
	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, 1, pat);
	db_bind_i64(s, 2, uid);
	if (now != INT64_MIN)
		db_bind_i64(s, 3, now);
	if ((rc = db_step(s)) == DB_ROW)
		*yes = 1;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
decide(struct db_conn *c, const struct patient_actor *who, int64_t pat,
    int restricted, int64_t now, enum patient_access *out, int *bg)
{
	int yes;
	int rc;

	if (who->roles & ROLE_OWNER) {
		*out = PATIENT_ACCESS_CLINICAL;
		return 0;
	}
	if (who->roles & TEAM_ROLES) {
		if ((rc = exists(c, "SELECT 1 FROM care_team WHERE patient_id = ? "
		    "AND user_id = ? AND removed_at IS NULL", pat, who->user_id,
		    INT64_MIN, &yes)) != 0)
			return rc;
		if (!yes && (rc = exists(c, SUPERVISEE_ON_TEAM, pat,
		    who->user_id, INT64_MIN, &yes)) != 0)
			return rc;
		if (yes) {
			*out = PATIENT_ACCESS_CLINICAL;
			return 0;
		}
	}
	if ((rc = exists(c, "SELECT 1 FROM break_glass WHERE patient_id = ? AND "
	    "user_id = ? AND expires_at > ?", pat, who->user_id, now, &yes)) != 0)
		return rc;
	if (yes) {
		*out = PATIENT_ACCESS_CLINICAL;
		*bg = 1;
	} else if (!restricted && (who->roles & DEMOGRAPHIC_ROLES))
		*out = PATIENT_ACCESS_DEMOGRAPHIC;
	return 0;
}

int
patients_access(struct db *db, const struct patient_actor *who,
    int64_t pat, int64_t now_ms, enum patient_access *out, int *via_bg)
{
	struct db_conn *c;
	struct db_stmt *s;
	int restricted = 0, bg = 0, rc;

	*out = PATIENT_ACCESS_NONE;
	if (via_bg != NULL)
		*via_bg = 0;
	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT restricted FROM patients WHERE id = "
	    "? AND practice_id = ? AND status <> 'merged'")) != 0)
		goto out;
	db_bind_i64(s, 1, pat);
	db_bind_i64(s, 2, who->practice_id);
	if ((rc = db_step(s)) == DB_ROW)
		restricted = (int)db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW) {
		rc = rc < 0 ? rc : ALC_ENOTFOUND;
		goto out;
	}
	rc = decide(c, who, pat, restricted, now_ms, out, &bg);
	if (rc == 0 && via_bg != NULL)
		*via_bg = bg;
out:
	db_release(c);
	return rc;
}

static int
grant_in(struct db_conn *c, const struct patient_actor *who, int64_t pat,
    const char *reason, int64_t now, int64_t until,
    const struct audit_event *ev_who)
{
	struct db_stmt *s;
	int64_t id = 0;
	char detail[64];
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO break_glass (practice_id, "
	    "patient_id, user_id, reason, started_at, expires_at) SELECT "
	    "practice_id, id, ?, ?, ?, ? FROM patients WHERE id = ? AND "
	    "practice_id = ? AND status <> 'merged' RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, who->user_id);
	db_bind_text(s, 2, reason);
	db_bind_i64(s, 3, now);
	db_bind_i64(s, 4, until);
	db_bind_i64(s, 5, pat);
	db_bind_i64(s, 6, who->practice_id);
	if ((rc = db_step(s)) == DB_ROW)
		id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_ENOTFOUND;
	snprintf(detail, sizeof(detail), "{\"grant\":%lld,\"minutes\":%lld}",
	    (long long)id, (long long)((until - now) / 60000));
	return pt_audit(c, ev_who, "BREAK_GLASS", who->practice_id, "patient",
	    pat, pat, reason, detail);
}

int
patients_break_glass(struct db *db, const struct patient_actor *who,
    int64_t pat, const char *reason, int64_t now, const struct audit_event *ev,
    int64_t *expires_at, struct alc_err *err)
{
	struct practice_settings ps;
	struct db_conn *c;
	int64_t until;
	int rc;

	if (reason == NULL || strlen(reason) < PATIENT_BREAK_GLASS_REASON_MIN)
		return alc_err_set_user(err, ALC_EINVAL, "Say why you need this "
		    "record now, in at least 10 characters.", "short reason");
	if (strlen(reason) > AUDIT_TEXT_MAX)
		return alc_err_set_user(err, ALC_EINVAL, "Keep the reason under "
		    "256 characters.", "long reason");
	if ((rc = settings_get(db, who->practice_id, &ps)) != 0)
		return alc_err_set(err, rc, "reading the practice's settings");
	until = now + (int64_t)ps.break_glass_minutes * 60000;
	if ((rc = pt_acquire(db, &c)) != 0)
		return alc_err_set(err, rc, "no connection");
	if ((rc = db_begin(c)) == 0 &&
	    (rc = grant_in(c, who, pat, reason, now, until, ev)) == 0)
		rc = db_commit(c);
	if (rc != 0) {
		db_rollback(c);
		alc_err_set(err, rc, "break-glass: %s", db_errmsg(c));
	}
	db_release(c);
	if (rc == 0 && expires_at != NULL)
		*expires_at = until;
	return rc;
}

#define BG_LIST "SELECT b.id, b.patient_id, b.user_id, u.display_name, " \
	"b.reason, p.chart_no, b.started_at, b.expires_at, b.reviewed_at, " \
	"r.display_name, b.review_note FROM break_glass b JOIN users u ON " \
	"u.id = b.user_id JOIN patients p ON p.id = b.patient_id LEFT JOIN " \
	"users r ON r.id = b.reviewed_by WHERE b.practice_id = ? AND (? = 0 " \
	"OR b.reviewed_at IS NULL) ORDER BY b.started_at DESC, b.id DESC"

static const char *
dup(struct arena *a, const char *s)
{
	return s != NULL ? arena_strdup(a, s) : NULL;
}

int
patients_break_glass_list(struct db *db, struct arena *a, int64_t pid,
    int open_only, size_t max, struct break_glass_row **out, size_t *n)
{
	struct break_glass_row *r;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((*out = arena_alloc(a, (max + 1) * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, BG_LIST)) == 0) {
		db_bind_i64(s, 1, pid);
		db_bind_i64(s, 2, open_only != 0);
		while (*n < max && (rc = db_step(s)) == DB_ROW) {
			r = &(*out)[(*n)++];
			r->id = db_col_i64(s, 0);
			r->patient_id = db_col_i64(s, 1);
			r->user_id = db_col_i64(s, 2);
			r->user_name = dup(a, db_col_text(s, 3));
			r->reason = dup(a, db_col_text(s, 4));
			r->chart_no = dup(a, db_col_text(s, 5));
			r->started_at = db_col_i64(s, 6);
			r->expires_at = db_col_i64(s, 7);
			r->reviewed_at = db_col_i64(s, 8);
			r->reviewer_name = dup(a, db_col_text(s, 9));
			r->review_note = dup(a, db_col_text(s, 10));
		}
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}

static int
review_in(struct db_conn *c, int64_t pid, int64_t gid, const char *note,
    const struct audit_event *who, struct alc_err *err)
{
	struct db_stmt *s;
	int64_t pat = 0, changed;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT patient_id, reviewed_at FROM "
	    "break_glass WHERE id = ? AND practice_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, gid);
	db_bind_i64(s, 2, pid);
	if ((rc = db_step(s)) == DB_ROW) {
		pat = db_col_i64(s, 0);
		if (!db_col_is_null(s, 1))
			rc = ALC_ECONFLICT;
	}
	db_stmt_done(s);
	if (rc == ALC_ECONFLICT)
		return alc_err_set_user(err, rc, "This access was already "
		    "reviewed.", "reviewed");
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_ENOTFOUND;
	if (note == NULL || note[0] == '\0' || strlen(note) > 1000)
		return alc_err_set_user(err, ALC_EINVAL, "Write a short review "
		    "note (up to 1000 characters): was the access justified?",
		    "bad note");
	if ((rc = db_prepare(c, &s, "UPDATE break_glass SET reviewed_at = ?, "
	    "reviewed_by = ?, review_note = ? WHERE id = ? AND reviewed_at IS "
	    "NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, time_now_ms());
	if (who != NULL && who->actor_user_id > 0)
		db_bind_i64(s, 2, who->actor_user_id);
	else
		db_bind_null(s, 2);
	db_bind_text(s, 3, note);
	db_bind_i64(s, 4, gid);
	rc = db_step(s);
	changed = rc >= 0 ? db_changes(s) : 0;
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if (changed == 0)
		return alc_err_set_user(err, ALC_ECONFLICT, "This access was "
		    "already reviewed.", "reviewed");
	return pt_audit(c, who, "AUDIT_REVIEW", pid, "break_glass", gid, pat,
	    NULL, "{\"reviewed\":true}");
}

int
patients_break_glass_review(struct db *db, int64_t pid, int64_t gid,
    const char *note, const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((rc = pt_acquire(db, &c)) != 0)
		return alc_err_set(err, rc, "no connection");
	if ((rc = db_begin(c)) == 0 &&
	    (rc = review_in(c, pid, gid, note, who, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
