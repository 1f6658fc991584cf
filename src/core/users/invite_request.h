/*
 * invite_request.h - asking for a new staff member, and an owner's
 * approval (issue #4: "the invitation records who requested it, who
 * approved it and the initial roles").
 *
 * A request (table invite_requests, migration 0024) holds the e-mail,
 * name, initial roles and reason, and who filed it.  An owner approves it:
 * in ONE transaction the account is created (or, for a person who already
 * has an account in another practice, the membership is added), the
 * set-password invitation or the "added to a practice" e-mail is queued
 * (so no e-mail leaves before approval), the request is marked approved
 * and the events are written.  Declining needs a reason.
 *
 * Separation of duties: nobody approves their own request, except an
 * owner who is the practice's only active owner (a solo practice invites
 * in one step, as before).  Events: CREATE when filed, USER_CHANGE with
 * {"request":"approved"|"declined"} when decided (object_type
 * "invite_request"), plus the PRIV_CHANGE of the roles and the
 * USER_CHANGE of the invitation itself.
 */
#ifndef ALC_CORE_USERS_INVITE_REQUEST_H
#define ALC_CORE_USERS_INVITE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

struct alc_err;
struct arena;
struct audit_event;
struct db;
struct user_add;

struct invite_request_row {
	int64_t id;
	const char *email, *name, *roles, *reason; /* roles: "owner,admin" */
	int64_t requested_by;    /* user id (0: command line) */
	const char *requester;   /* their name, or NULL */
	int64_t requested_at;
};

/* Files a request (ua: email, name, roles, reason; ua->who the requester).
 * ALC_EINVAL (err->user) for bad input; ALC_EEXIST (err->user) when the
 * person already belongs to the practice or a request for the address is
 * waiting. */
int invite_request_file(struct db *db, int64_t practice_id,
    const struct user_add *ua, int64_t *request_id, struct alc_err *err);

/* What an approval needs to write the e-mail. */
struct invite_mail {
	const char *base_url;  /* "https://host", no trailing '/' */
	const char *practice;  /* the practice's name */
	const char *inviter;   /* the approver's name */
};

/* Approves request_id as who->actor_user_id (an owner).  *user_id gets
 * the account; *added is 1 when it already had a password (no
 * invitation: an "added" e-mail instead).  ALC_ENOTFOUND: no such request
 * here; ALC_ECONFLICT: already decided; ALC_EPERM (err->user): one's own
 * request while another owner could approve it; ALC_EEXIST: already a
 * member. */
int invite_request_approve(struct db *db, int64_t practice_id,
    int64_t request_id, const struct invite_mail *im,
    const struct audit_event *who, int64_t *user_id, int *added,
    struct alc_err *err);

/* Declines with a reason (ALC_EINVAL without one); the other errors as
 * for approval. */
int invite_request_decline(struct db *db, int64_t practice_id,
    int64_t request_id, const char *note, const struct audit_event *who,
    struct alc_err *err);

/* Pending requests of the practice, oldest first, from arena a. */
int invite_requests_pending(struct db *db, struct arena *a,
    int64_t practice_id, size_t max, struct invite_request_row **rows,
    size_t *n);

#endif
