/*
 * memberships.c - the practices a user belongs to (users.h), for the
 * practice switcher on /account/practices.
 *
 * A membership is one row per role (memberships table), so a practice
 * appears once here with its roles gathered into a bit set.  Retired
 * practices are left out: nobody signs in to them, and switching to one is
 * refused by session_switch for the same reason.
 */
#include "core/users/users.h"
#include "base/err.h"
#include "db/db.h"

#include <stdio.h>

int
user_practices(struct db *db, int64_t user_id, struct user_practice *out,
    size_t max, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	const char *name;
	int64_t pid;
	int rc;

	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT p.id, p.name, m.role FROM "
	    "memberships m JOIN practices p ON p.id = m.practice_id WHERE "
	    "m.user_id = ? AND p.retired_at IS NULL ORDER BY p.name, p.id")) != 0)
		goto out;
	db_bind_i64(s, 1, user_id);
	while ((rc = db_step(s)) == DB_ROW) {
		pid = db_col_i64(s, 0);
		if (*n == 0 || out[*n - 1].id != pid) {
			if (*n == max)
				break;
			name = db_col_text(s, 1);
			out[*n].id = pid;
			out[*n].roles = 0;
			snprintf(out[*n].name, sizeof(out[*n].name), "%s",
			    name ? name : "");
			(*n)++;
		}
		out[*n - 1].roles |= role_parse(db_col_text(s, 2));
	}
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	db_release(c);
	return rc;
}
