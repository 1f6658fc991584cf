/*
 * views_staff.h - views of the staff pages (access review, permissions).
 */
#ifndef ALC_WEB_VIEWS_STAFF_H
#define ALC_WEB_VIEWS_STAFF_H

#include <stddef.h>

#include "web/views.h"

struct staff_row_view {
	const char *name, *email, *roles, *status, *last_login, *pw_changed;
	const char *href;       /* their page (/staff/ID) */
	const char *supervisor; /* their supervisor's name, or NULL */
	int active;
	int invited;            /* has not chosen a password yet */
};

/* A role as a checkbox with what it means. */
struct staff_role_choice_view {
	const char *id, *name, *label, *description;
	int checked;
};

/* An account locked by failed sign-ins, with the form that lifts it. */
struct staff_lockout_view {
	const char *name, *email, *until, *action;
	long long failures;
};

/* A pending invitation request on /staff. */
struct staff_request_view {
	const char *id, *name, *email, *roles, *reason, *requester, *when;
	const char *approve, *decline;  /* form actions */
	int can_decide;                 /* approve/decline forms shown */
	const char *note, *error;       /* decline reason kept, message */
};

/* templates/staff/index.html */
struct staff_view {
	const struct staff_row_view *rows;
	size_t n_rows;
	const char *practice_name;
	const char *generated;  /* when this review was produced */
	/* Managers only (owner, admin): the invitation form and lockouts. */
	int can_manage;
	const char *csrf;
	const char *invite_error;   /* top of the form; NULL: none */
	struct field_view invite_name, invite_email, invite_reason;
	const struct staff_role_choice_view *roles;
	size_t n_roles;
	const char *roles_error;
	const struct staff_lockout_view *lockouts;
	size_t n_lockouts;
	const struct staff_request_view *requests;
	size_t n_requests;
	int can_approve;            /* an owner: shown what deciding means */
};

/* An option of a select. */
struct staff_option_view {
	const char *value, *label;
	int selected;
};

struct staff_history_view {
	const char *when, *before, *after, *by, *reason;
};

struct staff_offboard_view {
	const char *id, *key, *label, *done;  /* done: when ticked, or NULL */
	int checked;
};

/* templates/staff/member.html: one staff member's page. */
struct staff_member_view {
	const char *name, *email, *roles_text, *base; /* base: "/staff/ID" */
	int active, invited, locked, can_manage;
	int has_mfa, self;           /* two-step sign-in set up; own page */
	struct field_view mfa_reason;
	const char *csrf;
	const char *error;           /* top of the page; NULL: none */
	/* Change roles. */
	const struct staff_role_choice_view *roles;
	size_t n_roles;
	const char *roles_error;
	struct field_view roles_reason;
	/* Deactivate (active), or what the deactivation did (not active). */
	struct field_view ended_date, ended_time, deact_reason;
	const char *ended_at, *removed_at, *removed_after;
	int removed_late;            /* more than an hour after */
	const struct staff_offboard_view *checklist;
	size_t n_checklist;
	const struct staff_history_view *history;
	size_t n_history;
	/* Supervisor (clinicians only): the current one, and the form. */
	int has_supervisor_section;
	const char *supervisor_name;  /* NULL: none */
	const struct staff_option_view *supervisors; /* first: "none" */
	size_t n_supervisors;
	const char *supervisor_error;
	struct field_view sup_reason;
};

struct role_perms_view {
	const char *role;       /* "Front desk" */
	const char *can;        /* "see the staff list; ..." or NULL */
	const char *cannot;     /* ... or NULL */
};

/* templates/staff/permissions.html */
struct permissions_view {
	const struct role_perms_view *roles;
	size_t n_roles;
};

#endif
