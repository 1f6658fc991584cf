/*
 * practice.c - creating a practice with its owner.
 */
#include "core/practice/practice.h"
#include "base/caldate.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int
practice_email_ok(const char *e)
{
	const char *at = strchr(e, '@'), *p;

	if (at == NULL || at == e || strchr(at + 1, '@') != NULL ||
	    strlen(e) > 254 || strchr(at + 1, '.') == NULL ||
	    at[1] == '.' || e[strlen(e) - 1] == '.')
		return 0;
	for (p = e; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

/* "Lakeside Counseling, LLC" -> "lakeside-counseling-llc" */
static void
slugify(const char *name, char *out, size_t outsz)
{
	size_t n = 0;
	int dash = 0;

	for (; *name && n + 2 < outsz; name++) {
		unsigned char c = (unsigned char)*name;
		if (isalnum(c) && c < 0x80) {
			if (dash && n > 0)
				out[n++] = '-';
			out[n++] = (char)tolower(c);
			dash = 0;
		} else
			dash = 1;
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, outsz, "practice");
}

static int
lower_email(const char *in, char *out, size_t outsz)
{
	size_t i;

	if (strlen(in) >= outsz)
		return ALC_EINVAL;
	for (i = 0; in[i]; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
	return 0;
}

static int
insert_rows(struct db_conn *c, const struct practice_setup *ps,
    const char *slug, const char *email, int64_t *pid)
{
	struct db_stmt *s;
	int64_t now = time_now_ms(), uid = 0;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO practices (name, slug, "
	    "timezone, created_at) VALUES (?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_text(s, 1, ps->name);
	db_bind_text(s, 2, slug);
	db_bind_text(s, 3, ps->timezone ? ps->timezone : "America/New_York");
	db_bind_i64(s, 4, now);
	if ((rc = db_step(s)) == DB_ROW)
		*pid = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	if ((rc = db_prepare(c, &s, "INSERT INTO users (email, display_name, "
	    "password_hash, created_at, updated_at, password_changed_at) VALUES "
	    "(?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_text(s, 1, email);
	db_bind_text(s, 2, ps->owner_name ? ps->owner_name : email);
	db_bind_text(s, 3, ps->owner_pw_hash);
	db_bind_i64(s, 4, now);
	db_bind_i64(s, 5, now);
	db_bind_i64(s, 6, now);
	if ((rc = db_step(s)) == DB_ROW)
		uid = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	if ((rc = db_prepare(c, &s, "INSERT INTO memberships (practice_id, "
	    "user_id, role, created_at) VALUES (?, ?, 'owner', ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, *pid);
	db_bind_i64(s, 2, uid);
	db_bind_i64(s, 3, now);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	/* The first grant of access is part of the provisioning record too. */
	if ((rc = db_prepare(c, &s, "INSERT INTO role_changes (practice_id, "
	    "user_id, roles_before, roles_after, reason, changed_at) VALUES "
	    "(?, ?, '', 'owner', 'practice created', ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, *pid);
	db_bind_i64(s, 2, uid);
	db_bind_i64(s, 3, now);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
practice_create(struct db *db, const struct practice_setup *ps,
    int64_t *practice_id, struct alc_err *err)
{
	char slug[64], email[256];
	struct db_conn *c;
	int32_t offset;
	int rc;

	if (ps->name == NULL || ps->name[0] == '\0' || strlen(ps->name) > 200)
		return alc_err_set_user(err, ALC_EINVAL, "The practice name "
		    "must be 1 to 200 characters.", "bad practice name");
	if (!practice_email_ok(ps->owner_email) ||
	    lower_email(ps->owner_email, email, sizeof(email)) != 0)
		return alc_err_set_user(err, ALC_EINVAL, "The owner e-mail "
		    "address does not look right.", "bad owner e-mail");
	if (ps->timezone != NULL &&
	    caldate_utc_offset(ps->timezone, 0, &offset) != 0)
		return alc_err_set_user(err, ALC_EINVAL, "The time zone must be "
		    "an IANA zone name such as America/Chicago.", "bad zone %s",
		    ps->timezone);
	slugify(ps->name, slug, sizeof(slug));
	if ((c = db_acquire(db, 10000, err)) == NULL)
		return ALC_EDB;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = insert_rows(c, ps, slug, email, practice_id)) == 0)
		rc = db_commit(c);
	if (rc != 0) {
		alc_err_set_user(err, rc, rc == ALC_EEXIST ? "A practice with "
		    "this name or a user with this e-mail already exists." :
		    "The practice could not be created.", "creating practice: "
		    "%s", db_errmsg(c));
		db_rollback(c);
	}
	db_release(c);
	return rc;
}

int
practice_resolve(struct db *db, const char *slug, int64_t *practice_id,
    struct alc_err *err)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc, n = 0;

	*practice_id = 0;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, slug ? "SELECT id FROM practices WHERE "
	    "slug = ? AND retired_at IS NULL" : "SELECT id FROM practices WHERE "
	    "retired_at IS NULL ORDER BY id LIMIT 2")) == 0) {
		if (slug)
			db_bind_text(s, 1, slug);
		while ((rc = db_step(s)) == DB_ROW)
			if (n++ == 0)
				*practice_id = db_col_i64(s, 0);
		db_stmt_done(s);
	}
	db_release(c);
	if (rc < 0)
		return alc_err_set(err, rc, "looking up the practice");
	if (n == 0)
		return alc_err_set_user(err, ALC_ENOTFOUND, "There is no such "
		    "practice.", "practice %s not found", slug ? slug : "(any)");
	if (n > 1)
		return alc_err_set_user(err, ALC_ECONFLICT, "This installation has "
		    "several practices: name one with --practice SLUG.",
		    "several practices");
	return 0;
}

/* The row's text column i into dst, cut to fit. */
static void
col_copy(struct db_stmt *s, int i, char *dst, size_t dstsz)
{
	const char *v = db_col_text(s, i);

	snprintf(dst, dstsz, "%s", v ? v : "");
}

int
practice_list(struct db *db,
    int (*fn)(void *arg, const struct practice_info *pi), void *arg)
{
	struct practice_info pi;
	struct alc_err err;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	if ((c = db_acquire(db, 5000, &err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT p.id, p.name, p.slug, p.timezone, "
	    "p.created_at, (SELECT count(DISTINCT m.user_id) FROM memberships m "
	    "JOIN users u ON u.id = m.user_id WHERE m.practice_id = p.id AND "
	    "u.status = 'active') FROM practices p WHERE p.retired_at IS NULL "
	    "ORDER BY p.id")) == 0) {
		while ((rc = db_step(s)) == DB_ROW) {
			memset(&pi, 0, sizeof(pi));
			pi.id = db_col_i64(s, 0);
			col_copy(s, 1, pi.name, sizeof(pi.name));
			col_copy(s, 2, pi.slug, sizeof(pi.slug));
			col_copy(s, 3, pi.timezone, sizeof(pi.timezone));
			pi.created_at = db_col_i64(s, 4);
			pi.staff = (int)db_col_i64(s, 5);
			if ((rc = fn(arg, &pi)) != 0)
				break;
		}
		if (rc == DB_DONE)
			rc = 0;
		db_stmt_done(s);
	}
	db_release(c);
	return rc;
}
