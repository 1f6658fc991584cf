/*
 * sign.c - signing, addenda, co-signing, the notes-due list and
 * supervision.  See notes.h.
 *
 * A signature is the signer proving again who they are: their password,
 * or a current code from their authenticator app when they use MFA
 * (recovery codes are for signing in, not signing notes, but mfa_verify
 * accepts them; that is acceptable: it is still a second factor).  The
 * check runs before the transaction, so a slow argon2id hash never holds
 * the write lock.  The state is re-read inside the transaction and each
 * UPDATE names the state it expects, so a note is signed once.
 */
#include "core/notes/notes_impl.h"
#include "audit/audit.h"
#include "core/users/mfa.h"
#include "crypto/password.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (24LL * 3600 * 1000)

static int
password_ok(struct db *db, int64_t user_id, const char *secret)
{
	struct db_conn *c;
	struct db_stmt *s;
	int ok = 0;

	if (notes_acquire(db, &c) != 0)
		return 0;
	if (db_prepare(c, &s, "SELECT password_hash FROM users WHERE id = ? "
	    "AND status = 'active'") == 0) {
		db_bind_i64(s, 1, user_id);
		ok = db_step(s) == DB_ROW && db_col_text(s, 0) != NULL &&
		    pw_verify(db_col_text(s, 0), secret) == 0;
		db_stmt_done(s);
	}
	db_release(c);
	return ok;
}

int
notes_check_secret(struct db *db, struct keystore *ks, int64_t user_id,
    const char *secret, const struct audit_event *who, struct alc_err *err)
{
	struct mfa_check mc;
	int on = 0;

	if (secret == NULL || *secret == '\0')
		return alc_err_set_user(err, ALC_EPERM, "Enter your password "
		    "(or your current sign-in code) to sign.", "no secret");
	if (password_ok(db, user_id, secret))
		return 0;
	if (mfa_enabled(db, user_id, &on) == 0 && on && strlen(secret) <= 12 &&
	    mfa_verify(db, ks, user_id, secret, time_now_ms(), who, &mc) == 0 &&
	    mc.outcome == MFA_OK)
		return 0;
	return alc_err_set_user(err, ALC_EPERM, "That password or code is not "
	    "right. Nothing was signed.", "bad signing secret");
}

static int
supervisor_of(struct db_conn *c, int64_t pid, int64_t user, int64_t *sup)
{
	struct db_stmt *s;
	int rc;

	*sup = 0;
	if ((rc = db_prepare(c, &s, "SELECT supervisor_id FROM supervision "
	    "WHERE practice_id = ? AND supervisee_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, user);
	if ((rc = db_step(s)) == DB_ROW)
		*sup = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
sign_in(struct db_conn *c, int64_t pid, int64_t patient_id, int64_t id,
    int late_days, const struct audit_event *who, struct alc_err *err)
{
	int64_t author, when, cosigner, sup, now = time_now_ms();
	struct db_stmt *s;
	char status[20], detail[80];
	int rc, late;

	if ((rc = notes_state(c, pid, patient_id, id, &author, status, &when,
	    &cosigner)) != 0)
		return rc;
	if (notes_status_locked(status))
		return alc_err_set_user(err, ALC_ECONFLICT, NOTES_LOCKED_MSG,
		    "already signed");
	if (author != who->actor_user_id)
		return alc_err_set_user(err, ALC_EPERM, "Only the author can "
		    "sign this note.", "not the author");
	if ((rc = supervisor_of(c, pid, author, &sup)) != 0)
		return rc;
	late = now - when > (int64_t)late_days * DAY_MS;
	if ((rc = db_prepare(c, &s, "UPDATE notes SET status = ?, signed_at = "
	    "?, signed_by = ?, late_entry = ?, cosigner_id = ?, cosigned_at = "
	    "NULL, updated_at = ? WHERE id = ? AND status IN ('draft', "
	    "'returned')")) != 0)
		return rc;
	db_bind_text(s, 1, sup ? "cosign_pending" : "signed");
	db_bind_i64(s, 2, now);
	db_bind_i64(s, 3, author);
	db_bind_i64(s, 4, late);
	if (sup)
		db_bind_i64(s, 5, sup);
	else
		db_bind_null(s, 5);
	db_bind_i64(s, 6, now);
	db_bind_i64(s, 7, id);
	rc = db_step(s) == DB_DONE && db_changes(s) == 1 ? 0 : ALC_ECONFLICT;
	db_stmt_done(s);
	if (rc != 0)
		return alc_err_set_user(err, rc, NOTES_LOCKED_MSG, "raced");
	snprintf(detail, sizeof(detail), "{\"signed\":true,\"late_entry\":%s%s}",
	    late ? "true" : "false", sup ? ",\"cosign\":\"pending\"" : "");
	return notes_audit(c, who, "UPDATE", pid, "note", id, patient_id, NULL,
	    detail);
}

int
notes_sign(struct db *db, struct keystore *ks, int64_t practice_id,
    int64_t patient_id, int64_t note_id, const char *secret,
    const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c;
	int late = notes_setting(db, practice_id, "notes.late_after_days",
	    NOTES_LATE_DAYS);
	int rc;

	if ((rc = notes_check_secret(db, ks, who->actor_user_id, secret, who,
	    err)) != 0)
		return rc;
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = sign_in(c, practice_id, patient_id, note_id, late, who,
	    err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
addendum_in(struct db_conn *c, struct keystore *ks, int64_t pid,
    int64_t patient_id, int64_t id, const char *text,
    const struct audit_event *who, struct alc_err *err)
{
	int64_t author, when, cosigner, aid;
	struct db_stmt *s;
	char status[20];
	int rc;

	if ((rc = notes_state(c, pid, patient_id, id, &author, status, &when,
	    &cosigner)) != 0)
		return rc;
	if (!notes_status_locked(status))
		return alc_err_set_user(err, ALC_ECONFLICT, "This note is not "
		    "signed yet: change the draft instead of adding an "
		    "addendum.", "addendum to a draft");
	if ((rc = db_prepare(c, &s, "INSERT INTO note_addenda (note_id, "
	    "author_id, signed_at) VALUES (?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, id);
	db_bind_i64(s, 2, who->actor_user_id);
	db_bind_i64(s, 3, time_now_ms());
	rc = db_step(s) == DB_ROW ? 0 : ALC_EDB;
	aid = rc == 0 ? db_col_i64(s, 0) : 0;
	db_stmt_done(s);
	if (rc != 0 || (rc = notes_seal_data(c, ks, pid, KS_GENERAL,
	    "note_addenda", aid, text)) != 0)
		return rc;
	return notes_audit(c, who, "CREATE", pid, "note_addendum", aid,
	    patient_id, NULL, NULL);
}

int
notes_add_addendum(struct db *db, struct keystore *ks,
    int64_t practice_id, int64_t patient_id, int64_t note_id,
    const char *text, const char *secret, const struct audit_event *who,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (text == NULL || *text == '\0' || strlen(text) > NOTES_VALUE_MAX)
		return alc_err_set_user(err, ALC_EINVAL, "Write the addendum "
		    "first.", "empty addendum");
	if ((rc = notes_check_secret(db, ks, who->actor_user_id, secret, who,
	    err)) != 0)
		return rc;
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = addendum_in(c, ks, practice_id, patient_id, note_id, text,
	    who, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
cosign_in(struct db_conn *c, int64_t pid, int64_t patient_id, int64_t id,
    const char *comment, const struct audit_event *who, struct alc_err *err)
{
	int64_t author, when, cosigner, now = time_now_ms();
	struct db_stmt *s;
	char status[20];
	int rc;

	if ((rc = notes_state(c, pid, patient_id, id, &author, status, &when,
	    &cosigner)) != 0)
		return rc;
	if (strcmp(status, "cosign_pending") != 0)
		return alc_err_set_user(err, ALC_ECONFLICT, "This note is not "
		    "waiting for a co-signature.", "not pending");
	if (cosigner != who->actor_user_id)
		return alc_err_set_user(err, ALC_EPERM, "Only the author's "
		    "supervisor can co-sign this note.", "not the cosigner");
	if ((rc = db_prepare(c, &s, comment ? "UPDATE notes SET status = "
	    "'returned', return_comment = ?, signed_at = NULL, signed_by = NULL, "
	    "updated_at = ? WHERE id = ? AND status = 'cosign_pending'" :
	    "UPDATE notes SET status = 'cosigned', cosigned_at = ?, "
	    "return_comment = NULL, updated_at = ? WHERE id = ? AND "
	    "status = 'cosign_pending'")) != 0)
		return rc;
	if (comment)
		db_bind_text(s, 1, comment);
	else
		db_bind_i64(s, 1, now);
	db_bind_i64(s, 2, now);
	db_bind_i64(s, 3, id);
	rc = db_step(s) == DB_DONE && db_changes(s) == 1 ? 0 : ALC_ECONFLICT;
	db_stmt_done(s);
	if (rc != 0)
		return rc;
	return notes_audit(c, who, "UPDATE", pid, "note", id, patient_id, NULL,
	    comment ? "{\"cosign\":\"returned\"}" : "{\"cosign\":\"signed\"}");
}

int
notes_cosign(struct db *db, struct keystore *ks, int64_t practice_id,
    int64_t patient_id, int64_t note_id, const char *secret,
    const char *return_comment, const struct audit_event *who,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (return_comment != NULL && *return_comment == '\0')
		return alc_err_set_user(err, ALC_EINVAL, "Say what the author "
		    "should change.", "empty comment");
	if (return_comment == NULL && (rc = notes_check_secret(db, ks,
	    who->actor_user_id, secret, who, err)) != 0)
		return rc;
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = cosign_in(c, practice_id, patient_id, note_id,
	    return_comment, who, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}
