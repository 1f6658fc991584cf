/*
 * invite_request.c - invitation requests and their approval.  See
 * invite_request.h.
 *
 * Approval reuses the two halves of direct provisioning on one connection
 * (users_add_in from admin.c, invite_send_in from invite.c), so a request
 * approved is exactly an invitation as an owner sends it, and the e-mail
 * job exists only if the approval committed.  The request row is marked
 * decided with "AND status = 'pending'", so two owners deciding at once
 * cannot both win.
 */
#include "core/users/invite_request.h"
#include "core/users/admin.h"
#include "core/users/invite.h"
#include "core/users/users.h"
#include "core/mail/mail.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

/* The audit event of a change to request rid, in the caller's
 * transaction. */
static int
req_audit(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t pid, int64_t rid, const char *reason,
    const char *detail)
{
	return users_audit_object(c, who, verb, pid, "invite_request", rid,
	    reason, detail);
}

static int64_t
actor(const struct audit_event *who)
{
	return who != NULL ? who->actor_user_id : 0;
}

/* ALC_EEXIST when email is a member here or has a pending request. */
static int
check_new(struct db_conn *c, int64_t pid, const char *email,
    struct alc_err *err)
{
	struct db_stmt *s;
	int rc, member = 0, pending = 0;

	if ((rc = db_prepare(c, &s, "SELECT (SELECT count(*) FROM memberships m "
	    "JOIN users u ON u.id = m.user_id WHERE m.practice_id = ? AND "
	    "lower(u.email) = lower(?)), (SELECT count(*) FROM invite_requests "
	    "WHERE practice_id = ? AND lower(email) = lower(?) AND status = "
	    "'pending')")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, email);
	db_bind_i64(s, 3, pid);
	db_bind_text(s, 4, email);
	if ((rc = db_step(s)) == DB_ROW) {
		member = db_col_i64(s, 0) > 0;
		pending = db_col_i64(s, 1) > 0;
	}
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	if (member)
		return alc_err_set_user(err, ALC_EEXIST, "This person is already "
		    "a member of the practice; change their roles instead.",
		    "already a member");
	if (pending)
		return alc_err_set_user(err, ALC_EEXIST, "A request to invite "
		    "this address is already waiting for an owner's approval.",
		    "already requested");
	return 0;
}

static int
file_in(struct db_conn *c, int64_t pid, const struct user_add *ua,
    int64_t *rid, struct alc_err *err)
{
	struct db_stmt *s;
	char roles[128];
	int rc;

	if ((rc = check_new(c, pid, ua->email, err)) != 0)
		return rc;
	roles_format(ua->roles, roles, sizeof(roles));
	if ((rc = db_prepare(c, &s, "INSERT INTO invite_requests (practice_id, "
	    "email, display_name, roles, reason, requested_by, requested_at) "
	    "VALUES (?, lower(?), ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, ua->email);
	db_bind_text(s, 3, ua->name);
	db_bind_text(s, 4, roles);
	db_bind_text(s, 5, ua->reason);
	if (actor(ua->who) > 0)
		db_bind_i64(s, 6, actor(ua->who));
	else
		db_bind_null(s, 6);
	db_bind_i64(s, 7, time_now_ms());
	if ((rc = db_step(s)) == DB_ROW)
		*rid = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	return req_audit(c, ua->who, "CREATE", pid, *rid, ua->reason,
	    "{\"request\":\"filed\"}");
}

int
invite_request_file(struct db *db, int64_t practice_id,
    const struct user_add *ua, int64_t *request_id, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((rc = users_add_check(ua, err)) != 0)
		return rc;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = file_in(c, practice_id, ua,
	    request_id, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

/* A pending request, its fields copied into buffers. */
struct pending {
	char email[255], name[201], roles[128], reason[257];
	int64_t requested_by;
};

static int
load_pending(struct db_conn *c, int64_t pid, int64_t rid, struct pending *p,
    struct alc_err *err)
{
	struct db_stmt *s;
	int rc, open = 0;

	if ((rc = db_prepare(c, &s, "SELECT email, display_name, roles, reason, "
	    "coalesce(requested_by, 0), status FROM invite_requests WHERE id = "
	    "? AND practice_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, rid);
	db_bind_i64(s, 2, pid);
	if ((rc = db_step(s)) == DB_ROW) {
		snprintf(p->email, sizeof(p->email), "%s", db_col_text(s, 0));
		snprintf(p->name, sizeof(p->name), "%s", db_col_text(s, 1));
		snprintf(p->roles, sizeof(p->roles), "%s", db_col_text(s, 2));
		snprintf(p->reason, sizeof(p->reason), "%s", db_col_text(s, 3));
		p->requested_by = db_col_i64(s, 4);
		open = strcmp(db_col_text(s, 5), "pending") == 0;
	}
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_ENOTFOUND;
	if (!open)
		return alc_err_set_user(err, ALC_ECONFLICT, "This request was "
		    "already decided.", "decided");
	return 0;
}

/* Marks the request decided; ALC_ECONFLICT when someone else was first. */
static int
mark(struct db_conn *c, int64_t rid, const char *status, int64_t by,
    const char *note, int64_t uid, struct alc_err *err)
{
	struct db_stmt *s;
	int64_t changed = 0;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE invite_requests SET status = ?, "
	    "decided_by = ?, decided_at = ?, decision_note = ?, user_id = ? "
	    "WHERE id = ? AND status = 'pending'")) != 0)
		return rc;
	db_bind_text(s, 1, status);
	if (by > 0)
		db_bind_i64(s, 2, by);
	else
		db_bind_null(s, 2);
	db_bind_i64(s, 3, time_now_ms());
	if (note != NULL)
		db_bind_text(s, 4, note);
	else
		db_bind_null(s, 4);
	if (uid > 0)
		db_bind_i64(s, 5, uid);
	else
		db_bind_null(s, 5);
	db_bind_i64(s, 6, rid);
	rc = db_step(s);
	changed = rc >= 0 ? db_changes(s) : 0;
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	return changed == 1 ? 0 : alc_err_set_user(err, ALC_ECONFLICT, "This "
	    "request was already decided.", "decided");
}

/* 0 when approver may decide request p: an owner here, and not its
 * requester unless nobody else could approve it. */
static int
may_approve(struct db_conn *c, int64_t pid, int64_t approver,
    const struct pending *p, struct alc_err *err)
{
	unsigned roles;
	int64_t others = 0;
	int rc;

	if ((rc = users_roles_in(c, pid, approver, &roles)) != 0)
		return rc;
	if (!(roles & ROLE_OWNER))
		return alc_err_set_user(err, ALC_EPERM, "Only an owner can "
		    "approve an invitation.", "not an owner");
	if (p->requested_by != approver)
		return 0;
	if ((rc = users_other_owners(c, pid, approver, &others)) != 0)
		return rc;
	return others == 0 ? 0 : alc_err_set_user(err, ALC_EPERM, "You asked "
	    "for this invitation: another owner approves it.", "own request");
}

/* 1 in *has when the account already has a password. */
static int
has_password(struct db_conn *c, int64_t uid, int *has)
{
	struct db_stmt *s;
	int rc;

	*has = 0;
	if ((rc = db_prepare(c, &s, "SELECT password_hash IS NOT NULL FROM "
	    "users WHERE id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, uid);
	if ((rc = db_step(s)) == DB_ROW)
		*has = db_col_i64(s, 0) != 0;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Tells a person with an account that they were added to a practice. */
static int
mail_added(struct db_conn *c, int64_t pid, const struct pending *p,
    const struct invite_mail *im)
{
	char url[600];
	const char *vars[] = {"url", url, "practice", im->practice, "inviter",
	    im->inviter, NULL};

	snprintf(url, sizeof(url), "%s/login", im->base_url);
	return mail_enqueue(c, pid, p->email, "practice_added", vars, 0, NULL);
}

static int
approve_in(struct db_conn *c, int64_t pid, int64_t rid,
    const struct invite_mail *im, const struct audit_event *who,
    int64_t *uid, int *added, struct alc_err *err)
{
	struct pending p;
	struct user_add ua;
	int rc;

	if ((rc = load_pending(c, pid, rid, &p, err)) != 0 ||
	    (rc = may_approve(c, pid, actor(who), &p, err)) != 0)
		return rc;
	memset(&ua, 0, sizeof(ua));
	ua.email = p.email;
	ua.name = p.name;
	ua.roles = roles_parse_list(p.roles);
	ua.who = who;
	ua.reason = p.reason;
	if ((rc = users_add_in(c, pid, &ua, uid, err)) != 0 ||
	    (rc = has_password(c, *uid, added)) != 0)
		return rc;
	if (*added)
		rc = mail_added(c, pid, &p, im);
	else
		rc = invite_send_in(c, pid, *uid, im->base_url, im->practice,
		    im->inviter, who, err);
	if (rc != 0 || (rc = mark(c, rid, "approved", actor(who), NULL, *uid,
	    err)) != 0)
		return rc;
	return req_audit(c, who, "USER_CHANGE", pid, rid, NULL,
	    "{\"request\":\"approved\"}");
}

int
invite_request_approve(struct db *db, int64_t practice_id,
    int64_t request_id, const struct invite_mail *im,
    const struct audit_event *who, int64_t *user_id, int *added,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	*user_id = 0;
	*added = 0;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = approve_in(c, practice_id,
	    request_id, im, who, user_id, added, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
decline_in(struct db_conn *c, int64_t pid, int64_t rid, const char *note,
    const struct audit_event *who, struct alc_err *err)
{
	struct pending p;
	int rc;

	if ((rc = load_pending(c, pid, rid, &p, err)) != 0 ||
	    (rc = may_approve(c, pid, actor(who), &p, err)) != 0)
		return rc;
	if (note == NULL || note[0] == '\0' || strlen(note) > 256)
		return alc_err_set_user(err, ALC_EINVAL, "Say why the request is "
		    "declined (up to 256 characters).", "no note");
	if ((rc = mark(c, rid, "declined", actor(who), note, 0, err)) != 0)
		return rc;
	return req_audit(c, who, "USER_CHANGE", pid, rid, note,
	    "{\"request\":\"declined\"}");
}

int
invite_request_decline(struct db *db, int64_t practice_id,
    int64_t request_id, const char *note, const struct audit_event *who,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = decline_in(c, practice_id,
	    request_id, note, who, err)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

#define PENDING_SQL "SELECT r.id, r.email, r.display_name, r.roles, " \
	"r.reason, coalesce(r.requested_by, 0), u.display_name, " \
	"r.requested_at FROM invite_requests r LEFT JOIN users u ON u.id = " \
	"r.requested_by WHERE r.practice_id = ? AND r.status = 'pending' " \
	"ORDER BY r.requested_at, r.id"

static const char *
dup(struct arena *a, const char *s)
{
	return s != NULL ? arena_strdup(a, s) : NULL;
}

int
invite_requests_pending(struct db *db, struct arena *a, int64_t practice_id,
    size_t max, struct invite_request_row **rows, size_t *n)
{
	struct invite_request_row *r;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((*rows = arena_alloc(a, (max + 1) * sizeof(**rows))) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, PENDING_SQL)) == 0) {
		db_bind_i64(s, 1, practice_id);
		while (*n < max && (rc = db_step(s)) == DB_ROW) {
			r = &(*rows)[(*n)++];
			r->id = db_col_i64(s, 0);
			r->email = dup(a, db_col_text(s, 1));
			r->name = dup(a, db_col_text(s, 2));
			r->roles = dup(a, db_col_text(s, 3));
			r->reason = dup(a, db_col_text(s, 4));
			r->requested_by = db_col_i64(s, 5);
			r->requester = dup(a, db_col_text(s, 6));
			r->requested_at = db_col_i64(s, 7);
		}
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}
