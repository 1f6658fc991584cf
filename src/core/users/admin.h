/*
 * admin.h - provisioning and termination of staff accounts
 * (45 CFR 164.308(a)(3)(ii)(B)-(C) and (a)(4)).
 *
 * Every grant or change of roles is recorded in role_changes with who did
 * it and why; a deactivation records when employment ended and when access
 * was removed.  Accounts are never deleted: authorship and the audit trail
 * keep pointing at them.
 *
 * Each change writes its audit event (PRIV_CHANGE, USER_CHANGE) in the
 * same transaction.  `who` carries the actor and where they act from (see
 * web_audit_who); its what/which fields are filled here.
 */
#ifndef ALC_CORE_USERS_ADMIN_H
#define ALC_CORE_USERS_ADMIN_H

#include <stddef.h>
#include <stdint.h>

struct alc_err;
struct audit_event;
struct db;
struct db_conn;

/* "owner,clinician" for a role set, in a fixed order (dst >= 128 bytes). */
void roles_format(unsigned roles, char *dst, size_t dstsz);
/* The role set of such a list (unknown names are ignored). */
unsigned roles_parse_list(const char *list);

struct user_add {
	const char *email, *name;
	unsigned roles;      /* at least one ROLE_* */
	const char *pw_hash; /* argon2id string, or NULL (invited: no password yet) */
	const struct audit_event *who; /* the actor (NULL: the command line) */
	const char *reason;  /* why they need access */
};

/* Adds a staff member to a practice: a new account, or new roles for an
 * existing account in this practice.  ALC_EEXIST if they already hold
 * roles here; ALC_EINVAL (err->user says why) for bad input. */
int users_add(struct db *db, int64_t practice_id, const struct user_add *ua,
    int64_t *user_id, struct alc_err *err);

/* users_add's checks of its input: 0, or ALC_EINVAL with err->user. */
int users_add_check(const struct user_add *ua, struct alc_err *err);

/* users_add's work on the caller's connection and in its transaction
 * (no input checks). */
int users_add_in(struct db_conn *c, int64_t practice_id,
    const struct user_add *ua, int64_t *user_id, struct alc_err *err);

/* Replaces the user's roles in the practice (at least one), recording the
 * change.  The user's sessions are ended (privilege change: they sign in
 * again with the new roles).  Refuses to remove the last owner. */
int users_set_roles(struct db *db, int64_t practice_id, int64_t user_id,
    unsigned roles, const struct audit_event *who, const char *reason,
    struct alc_err *err);

/* Blocks sign-in and ends every session now.  employment_ended_at (ms)
 * is when they stopped working for the practice (0: now).  *delay_ms gets
 * the time from that to the removal of access.  Refuses the last owner. */
int users_deactivate(struct db *db, int64_t practice_id, int64_t user_id,
    int64_t employment_ended_at, const struct audit_event *who,
    const char *reason, int64_t *delay_ms, struct alc_err *err);

/* Ends every open session of uid now, with why as the end reason
 * ("revoked", "deactivated": the CHECK of sessions.end_reason), on
 * the caller's connection and in its transaction. */
int users_end_sessions(struct db_conn *c, int64_t uid, const char *why,
    int64_t now);

/* The user's roles in the practice (0: not a member), on the caller's
 * connection. */
int users_roles_in(struct db_conn *c, int64_t practice_id, int64_t user_id,
    unsigned *roles);

/* How many active owners the practice has besides user_id, on the
 * caller's connection. */
int users_other_owners(struct db_conn *c, int64_t practice_id,
    int64_t user_id, int64_t *n);

/* Writes the audit event of a change to one object of the staff records
 * (object_type "user", "invite_request" ...) on the caller's connection
 * and in its transaction; who NULL: the command line. */
int users_audit_object(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t practice_id, const char *object_type,
    int64_t object_id, const char *reason, const char *detail);

/* Writes the audit event of a change to user_id (object "user") on the
 * caller's connection and in its transaction; who NULL: the command
 * line. */
int users_audit_change(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t practice_id, int64_t user_id,
    const char *reason, const char *detail);

/* Finds a user of the practice by e-mail (any case). */
int users_find(struct db *db, int64_t practice_id, const char *email,
    int64_t *user_id);

/* One row of the access review. */
struct user_row {
	int64_t id;
	char email[255], name[201];
	unsigned roles;
	int active;
	int64_t last_login_at;        /* 0: never */
	int64_t password_changed_at;  /* 0: never changed since set up */
	int64_t created_at;
	char supervisor[201];         /* their supervisor's name, or "" */
};

/* Every staff member of the practice, by name; *n rows (at most max). */
int users_review(struct db *db, int64_t practice_id, struct user_row *rows,
    size_t max, size_t *n);

#endif
