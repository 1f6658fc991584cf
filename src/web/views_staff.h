/*
 * views_staff.h - views of the staff pages (access review, permissions).
 */
#ifndef ALC_WEB_VIEWS_STAFF_H
#define ALC_WEB_VIEWS_STAFF_H

#include <stddef.h>

struct staff_row_view {
	const char *name, *email, *roles, *status, *last_login, *pw_changed;
	int active;
};

/* templates/staff/index.html */
struct staff_view {
	const struct staff_row_view *rows;
	size_t n_rows;
	const char *practice_name;
	const char *generated;  /* when this review was produced */
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
