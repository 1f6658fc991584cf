/*
 * invite.h - what the staff administration pages need beyond admin.h:
 * invitations, sign-in lockouts, one staff member's record (roles,
 * deactivation, role history) and the offboarding checklist.
 *
 * Invitations.  users_add() creates an invited account without a password;
 * invite_send() then stores a set-password link in password_resets (kind
 * 'invite', valid INVITE_TTL_MS) and queues the "invite" e-mail, in one
 * transaction with its audit event.  The link is opened like a reset link
 * (/password/reset, core/users/reset.h): the password policy applies, the
 * link works once, and the person then signs in (and sets up two-step
 * sign-in if their roles require it).  Sending again voids older links.
 *
 * Lockouts.  auth.c throttles sign-in per account ("acct:<email>") and
 * two-step codes per user ("mfa:<id>") in auth_throttle; a lockout is a
 * row of either whose locked_until is still ahead.  Lifting deletes both.
 *
 * Every change writes its audit event (USER_CHANGE) in its transaction;
 * `who` carries the actor (web_audit_who).  Every function is limited to
 * members of practice_id: another practice's user is ALC_ENOTFOUND.
 */
#ifndef ALC_CORE_USERS_INVITE_H
#define ALC_CORE_USERS_INVITE_H

#include <stddef.h>
#include <stdint.h>

struct alc_err;
struct arena;
struct audit_event;
struct db;
struct db_conn;

#define INVITE_TTL_MS (72LL * 3600 * 1000)

/* Sends (or sends again) the invitation of user_id.  base_url starts the
 * link ("https://host", no trailing '/'); practice and inviter name them
 * in the e-mail.  ALC_ECONFLICT (err->user) when the account already has
 * a password or is deactivated. */
int invite_send(struct db *db, int64_t practice_id, int64_t user_id,
    const char *base_url, const char *practice, const char *inviter,
    const struct audit_event *who, struct alc_err *err);

/* invite_send's work on the caller's connection and in its
 * transaction. */
int invite_send_in(struct db_conn *c, int64_t practice_id, int64_t user_id,
    const char *base_url, const char *practice, const char *inviter,
    const struct audit_event *who, struct alc_err *err);

struct lockout_row {
	int64_t user_id;
	char name[201], email[255];
	int64_t failures, locked_until;
};

/* Members of the practice locked out at now (at most max, by name). */
int lockouts_list(struct db *db, int64_t practice_id, int64_t now,
    struct lockout_row *rows, size_t max, size_t *n);

/* Clears the sign-in and two-step throttling of user_id; *lifted is 1
 * when there was something to clear (the audit event is written only
 * then). */
int lockout_lift(struct db *db, int64_t practice_id, int64_t user_id,
    const struct audit_event *who, int *lifted);

/* An owner or administrator removes a staff member's two-step sign-in
 * (a lost or replaced phone): their authenticator secret and recovery
 * codes are deleted, their code throttling cleared and their sessions
 * ended, with an MFA_CHANGE event naming the administrator and the reason.
 * If their roles require two-step sign-in they set it up again right after
 * their next password.  ALC_EINVAL (err->user) without a reason or for
 * one's own account (the account page does that, with a code);
 * ALC_ECONFLICT when they have no two-step sign-in; ALC_ENOTFOUND when
 * they are not a member of the practice.  (mfa_admin.c) */
int staff_mfa_reset(struct db *db, int64_t practice_id, int64_t user_id,
    const struct audit_event *who, const char *reason, struct alc_err *err);

/* One staff member, for their page. */
struct staff_member {
	int64_t id;
	char email[255], name[201];
	unsigned roles;
	int active, has_password, locked;
	int has_mfa;          /* two-step sign-in set up (active) */
	/* The latest deactivation (0 when never deactivated). */
	int64_t employment_ended_at, access_removed_at;
};

int staff_member_get(struct db *db, int64_t practice_id, int64_t user_id,
    int64_t now, struct staff_member *m);

struct role_change_row {
	int64_t changed_at;
	const char *before, *after; /* "owner,clinician" ("" for none) */
	const char *by;             /* name, or NULL: the command line */
	const char *reason;
};

/* The user's role changes in the practice, newest first, from arena a. */
int staff_role_history(struct db *db, struct arena *a, int64_t practice_id,
    int64_t user_id, struct role_change_row **rows, size_t *n);

/* The offboarding checklist: OFFBOARD_ITEMS items, bit i of a mask for
 * item i. */
#define OFFBOARD_ITEMS 5
const char *offboard_key(size_t i);   /* "devices" ... */
const char *offboard_label(size_t i); /* plain language */

/* Which items are ticked, and when each was (done_at[i], 0: not). */
int offboard_get(struct db *db, int64_t practice_id, int64_t user_id,
    unsigned *mask, int64_t done_at[OFFBOARD_ITEMS]);
/* Makes the ticked items exactly mask. */
int offboard_save(struct db *db, int64_t practice_id, int64_t user_id,
    unsigned mask, const struct audit_event *who);

/* "YYYY-MM-DD" and "HH:MM" in the practice's time zone as ms UTC.
 * ALC_EINVAL for a malformed date or time. */
int staff_local_time(struct db *db, int64_t practice_id, const char *date,
    const char *time, int64_t *ms);

#endif
