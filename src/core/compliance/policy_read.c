/*
 * policy_read.c - reading policies: the starter texts embedded from
 * data/policies/, one policy with a version, the list with each
 * policy's attestation count, the per-policy attestation report, and
 * what a person still has to attest to.  Design in policy.h.
 */
#include "core/compliance/policy.h"
#include "core/compliance/impl.h"
#include "base/arena.h"
#include "base/embed.h"
#include "base/err.h"
#include "db/db.h"

#include <string.h>

/* build/gen/policy_templates.c (Makefile). */
extern const struct embedded_file policy_templates[];
extern const size_t policy_templates_count;

size_t
policy_template_count(void)
{
	return policy_templates_count;
}

int
policy_template_get(struct arena *a, size_t i, struct policy_template *out)
{
	const struct embedded_file *f;
	const char *body, *nl, *dot;

	if (i >= policy_templates_count)
		return ALC_ENOTFOUND;
	f = &policy_templates[i];
	body = (const char *)f->data;
	dot = strrchr(f->name, '.');
	out->key = arena_strndup(a, f->name, dot ? (size_t)(dot - f->name) :
	    strlen(f->name));
	out->body = body;
	nl = strchr(body, '\n');
	if (strncmp(body, "# ", 2) == 0)
		out->title = arena_strndup(a, body + 2, nl ? (size_t)(nl - body -
		    2) : strlen(body + 2));
	else
		out->title = out->key;
	return out->key != NULL && out->title != NULL ? 0 : ALC_ENOMEM;
}

static int
get_in(struct db_conn *c, struct arena *a, int64_t pid, int64_t id,
    int version, struct policy *p)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT p.id, p.title, p.owner_id, "
	    "p.review_months, p.draft_text, ow.display_name, p.status, "
	    "p.template_key, p.retain_until, p.current_version, v.id, v.body, "
	    "v.body_hash, v.effective_on, v.summary, pb.display_name, "
	    "v.published_at, v.version FROM policies p LEFT JOIN users ow ON "
	    "ow.id = p.owner_id LEFT JOIN policy_versions v ON v.policy_id = "
	    "p.id AND v.version = ? LEFT JOIN users pb ON pb.id = "
	    "v.published_by WHERE p.practice_id = ? AND p.id = ?")) != 0)
		return rc;
	db_bind_i64(s, 2, pid);
	db_bind_i64(s, 3, id);
	if (version > 0)
		db_bind_i64(s, 1, version);
	else
		db_bind_null(s, 1);
	if ((rc = db_step(s)) == DB_ROW) {
		memset(p, 0, sizeof(*p));
		p->id = db_col_i64(s, 0);
		p->f.title = cmp_col(a, s, 1);
		p->f.owner_id = db_col_i64(s, 2);
		p->f.review_months = (int)db_col_i64(s, 3);
		p->f.draft = cmp_col(a, s, 4);
		p->owner_name = cmp_col(a, s, 5);
		p->status = cmp_col(a, s, 6);
		p->template_key = cmp_col(a, s, 7);
		p->retain_until = cmp_col(a, s, 8);
		p->current_version = (int)db_col_i64(s, 9);
		p->version_id = db_col_i64(s, 10);
		p->body = cmp_col(a, s, 11);
		p->body_hash = cmp_col(a, s, 12);
		p->effective_on = cmp_col(a, s, 13);
		p->summary = cmp_col(a, s, 14);
		p->published_by_name = cmp_col(a, s, 15);
		p->published_at = db_col_i64(s, 16);
		p->version = (int)db_col_i64(s, 17);
	}
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_ENOTFOUND;
	return version > 0 && p->version_id == 0 ? ALC_ENOTFOUND : 0;
}

int
policy_get(struct db *db, struct arena *a, int64_t practice_id, int64_t id,
    int version, struct policy *out)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = get_in(c, a, practice_id, id, version, out);
	/* Without a version asked for, the current one. */
	if (rc == 0 && version <= 0 && out->current_version > 0)
		rc = get_in(c, a, practice_id, id, out->current_version, out);
	db_release(c);
	return rc;
}

int
policy_attested_at(struct db *db, int64_t practice_id, int64_t version_id,
    int64_t uid, int64_t *at)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*at = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT attested_at FROM "
	    "policy_attestations WHERE practice_id = ? AND version_id = ? AND "
	    "user_id = ?")) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, version_id);
		db_bind_i64(s, 3, uid);
		if ((rc = db_step(s)) == DB_ROW)
			*at = db_col_i64(s, 0);
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

/* Active staff of the practice (a subquery used by the counts). */
#define ACTIVE_STAFF "SELECT DISTINCT m.user_id FROM memberships m JOIN " \
	"users u ON u.id = m.user_id WHERE m.practice_id = p.practice_id AND " \
	"u.status = 'active'"

int
policy_list(struct db *db, struct arena *a, int64_t practice_id,
    int64_t uid, int with_retired, struct policy_row **out, size_t *n)
{
	struct policy_row *rows, *r;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rows = arena_alloc(a, POLICY_MAX_LIST * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	*out = rows;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT p.id, p.title, p.status, "
	    "v.effective_on, ow.display_name, p.current_version, (SELECT "
	    "count(*) FROM policy_attestations t WHERE t.version_id = v.id AND "
	    "t.user_id IN (" ACTIVE_STAFF ")), (SELECT "
	    "count(DISTINCT m.user_id) "
	    "FROM memberships m JOIN users u ON u.id = m.user_id WHERE "
	    "m.practice_id = p.practice_id AND u.status = 'active'), (SELECT "
	    "count(*) FROM policy_attestations t WHERE t.version_id = v.id AND t.user_id = ?) FROM policies p LEFT "
	    "JOIN users ow ON ow.id = p.owner_id LEFT JOIN policy_versions v ON "
	    "v.policy_id = p.id AND v.version = p.current_version WHERE "
	    "p.practice_id = ? AND (? = 1 OR p.status <> 'retired') ORDER BY "
	    "p.title, p.id LIMIT ?")) != 0)
		goto out;
	db_bind_i64(s, 1, uid);
	db_bind_i64(s, 2, practice_id);
	db_bind_i64(s, 3, with_retired ? 1 : 0);
	db_bind_i64(s, 4, POLICY_MAX_LIST);
	while ((rc = db_step(s)) == DB_ROW) {
		r = &rows[(*n)++];
		r->id = db_col_i64(s, 0);
		r->title = cmp_col(a, s, 1);
		r->status = cmp_col(a, s, 2);
		r->effective_on = cmp_col(a, s, 3);
		r->owner_name = cmp_col(a, s, 4);
		r->current_version = (int)db_col_i64(s, 5);
		r->attested = db_col_i64(s, 6);
		r->staff = db_col_i64(s, 7);
		r->mine = db_col_i64(s, 8) > 0;
	}
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	db_release(c);
	return rc;
}

int
policy_report(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct policy_attest_row **out, size_t *n)
{
	struct policy_attest_row *rows, *r;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rows = arena_alloc(a, POLICY_MAX_LIST * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	*out = rows;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT * FROM (SELECT u.id AS uid, "
	    "u.display_name AS name, u.email, (SELECT t.attested_at FROM "
	    "policy_attestations t JOIN policy_versions v ON v.id = t.version_id WHERE v.policy_id = p.id "
	    "AND v.version = p.current_version AND t.user_id = u.id) AS att, "
	    "(SELECT "
	    "max(v.version) FROM policy_attestations t JOIN policy_versions v ON "
	    "v.id = t.version_id WHERE v.policy_id = p.id AND t.user_id = u.id) "
	    "FROM policies p JOIN users u ON u.id IN (" ACTIVE_STAFF ") WHERE "
	    "p.practice_id = ? AND p.id = ?) q ORDER BY CASE WHEN q.att IS NULL "
	    "THEN 0 ELSE 1 END, q.name, q.uid LIMIT ?")) != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	db_bind_i64(s, 2, id);
	db_bind_i64(s, 3, POLICY_MAX_LIST);
	while ((rc = db_step(s)) == DB_ROW) {
		r = &rows[(*n)++];
		r->user_id = db_col_i64(s, 0);
		r->name = cmp_col(a, s, 1);
		r->email = cmp_col(a, s, 2);
		r->attested_at = db_col_is_null(s, 3) ? 0 : db_col_i64(s, 3);
		r->last_version = db_col_is_null(s, 4) ? 0 :
		    (int)db_col_i64(s, 4);
	}
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	db_release(c);
	return rc;
}

int
policy_pending(struct db *db, int64_t practice_id, int64_t uid, int64_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT count(*) FROM policies p JOIN "
	    "policy_versions v ON v.policy_id = p.id AND v.version = "
	    "p.current_version WHERE p.practice_id = ? AND p.status = "
	    "'published' AND NOT EXISTS (SELECT 1 FROM policy_attestations t "
	    "WHERE t.version_id = v.id AND t.user_id = ?)")) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, uid);
		if ((rc = db_step(s)) == DB_ROW)
			*n = db_col_i64(s, 0);
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}
