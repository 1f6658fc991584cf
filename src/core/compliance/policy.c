/*
 * policy.c - changing policies: adopting a starter text, editing the
 * draft, publishing an immutable version, retiring, and attesting.
 * Design in policy.h; reading is in policy_read.c.
 */
#include "core/compliance/policy.h"
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static int
invalid(struct alc_err *err, const char *user)
{
	return alc_err_set_user(err, ALC_EINVAL, user, "policy: %s", user);
}

static const char *
retain_text(char *buf)
{
	return caldate_format(compliance_retain_until(caldate_from_days(
	    time_now_ms() / 86400000)), buf);
}

/* Runs one transaction: fn(c, ctx) between begin and commit. */
static int
in_txn(struct db *db, int (*fn)(struct db_conn *, void *), void *ctx,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = fn(c, ctx)) == 0)
		rc = db_commit(c);
	if (rc != 0 && db_in_txn(c))
		db_rollback(c);
	db_release(c);
	return rc;
}

struct adopt_ctx {
	int64_t pid;
	const struct compliance_actor *who;
	const char *key, *title, *body;
	int64_t *id;
};

static int
adopt_in(struct db_conn *c, void *p)
{
	struct adopt_ctx *x = p;
	char ret[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int64_t now = time_now_ms(), uid = cmp_uid(x->who);
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO policies (practice_id, title, "
	    "template_key, owner_id, draft_text, retain_until, created_at, "
	    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, x->pid);
	db_bind_text(s, 2, x->title);
	db_bind_text(s, 3, x->key);
	if (uid > 0)
		db_bind_i64(s, 4, uid);
	else
		db_bind_null(s, 4);
	db_bind_text(s, 5, x->body);
	db_bind_text(s, 6, retain_text(ret));
	db_bind_i64(s, 7, now);
	db_bind_i64(s, 8, now);
	if ((rc = db_step(s)) == DB_ROW)
		*x->id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	return cmp_audit_obj(c, x->pid, x->who, "CREATE", "policy", *x->id,
	    x->key ? "{\"change\":\"adopted\"}" : "{\"change\":\"created\"}");
}

int
policy_adopt(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const char *key, int64_t *id,
    struct alc_err *err)
{
	struct adopt_ctx x = {practice_id, who, NULL, "New policy", "", id};
	struct policy_template t;
	struct arena *a = NULL;
	size_t i, n = policy_template_count();
	int rc = 0;

	if (key != NULL && key[0] != '\0') {
		if ((a = arena_new()) == NULL)
			return ALC_ENOMEM;
		for (i = 0; i < n; i++)
			if (policy_template_get(a, i, &t) == 0 &&
			    strcmp(t.key, key) == 0)
				break;
		if (i == n) {
			rc = alc_err_set_user(err, ALC_ENOTFOUND, "There is no such "
			    "starter policy.", "policy: template %s", "unknown");
			goto out;
		}
		x.key = t.key;
		x.title = t.title;
		x.body = t.body;
	}
	rc = in_txn(db, adopt_in, &x, err);
out:
	arena_free(a);
	return rc;
}

static int
check_input(const struct policy_input *in, struct alc_err *err)
{
	if (in->title == NULL || in->title[0] == '\0' ||
	    !cmp_text_ok(in->title, POLICY_TITLE_MAX, 0))
		return invalid(err, "Enter the policy's title (up to 200 "
		    "characters).");
	if (in->review_months < 1 || in->review_months > 120)
		return invalid(err, "Enter the review cycle in months (1 to "
		    "120).");
	if (!cmp_text_ok(in->draft, POLICY_TEXT_MAX, 1))
		return invalid(err, "The text is too long (100,000 characters at "
		    "most) or holds characters that cannot be stored.");
	return 0;
}

struct update_ctx {
	int64_t pid, id;
	const struct compliance_actor *who;
	const struct policy_input *in;
	struct alc_err *err;
};

static int
update_in(struct db_conn *c, void *p)
{
	struct update_ctx *x = p;
	struct db_stmt *s;
	int rc;

	if (!cmp_is_member(c, x->pid, x->in->owner_id))
		return invalid(x->err, "Choose the policy's owner from the staff.");
	if ((rc = db_prepare(c, &s, "UPDATE policies SET title = ?, owner_id = "
	    "?, review_months = ?, draft_text = ?, updated_at = ? WHERE "
	    "practice_id = ? AND id = ? AND status <> 'retired'")) != 0)
		return rc;
	db_bind_text(s, 1, x->in->title);
	db_bind_i64(s, 2, x->in->owner_id);
	db_bind_i64(s, 3, x->in->review_months);
	db_bind_text(s, 4, x->in->draft ? x->in->draft : "");
	db_bind_i64(s, 5, time_now_ms());
	db_bind_i64(s, 6, x->pid);
	db_bind_i64(s, 7, x->id);
	rc = db_step(s);
	if (rc == DB_DONE && db_changes(s) == 0)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	if (rc != DB_DONE)
		return rc < 0 ? rc : ALC_EDB;
	return cmp_audit_obj(c, x->pid, x->who, "UPDATE", "policy", x->id,
	    "{\"change\":\"edited\"}");
}

int
policy_update(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct policy_input *in, struct alc_err *err)
{
	struct update_ctx x = {practice_id, id, who, in, err};
	int rc;

	if ((rc = check_input(in, err)) != 0)
		return rc;
	return in_txn(db, update_in, &x, err);
}

struct publish_ctx {
	int64_t pid, id;
	const struct compliance_actor *who;
	const char *effective_on, *summary;
	int *version;
	struct alc_err *err;
};

/* The draft and current version number of a live policy, and the text
 * of that current version ("" when none). */
static int
load_draft(struct db_conn *c, struct arena *a, int64_t pid, int64_t id,
    const char **draft, int *cur, const char **cur_body)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT p.draft_text, p.current_version, "
	    "v.body FROM policies p LEFT JOIN policy_versions v ON v.policy_id "
	    "= p.id AND v.version = p.current_version WHERE p.practice_id = ? "
	    "AND p.id = ? AND p.status <> 'retired'")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	if ((rc = db_step(s)) == DB_ROW) {
		*draft = cmp_col(a, s, 0);
		*cur = (int)db_col_i64(s, 1);
		*cur_body = cmp_col(a, s, 2);
	}
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_ENOTFOUND;
}

static void
hash_hex(const char *text, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static int
insert_version(struct db_conn *c, struct publish_ctx *x, const char *body,
    int v)
{
	char hex[65];
	struct db_stmt *s;
	int64_t uid = cmp_uid(x->who);
	int rc;

	hash_hex(body, hex);
	if ((rc = db_prepare(c, &s, "INSERT INTO policy_versions (practice_id, "
	    "policy_id, version, body, body_hash, effective_on, summary, "
	    "published_by, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"))
	    != 0)
		return rc;
	db_bind_i64(s, 1, x->pid);
	db_bind_i64(s, 2, x->id);
	db_bind_i64(s, 3, v);
	db_bind_text(s, 4, body);
	db_bind_text(s, 5, hex);
	db_bind_text(s, 6, x->effective_on);
	db_bind_text(s, 7, x->summary ? x->summary : "");
	if (uid > 0)
		db_bind_i64(s, 8, uid);
	else
		db_bind_null(s, 8);
	db_bind_i64(s, 9, time_now_ms());
	rc = db_step(s);
	db_stmt_done(s);
	return rc == DB_DONE ? 0 : rc < 0 ? rc : ALC_EDB;
}

static int
publish_in(struct db_conn *c, void *p)
{
	struct publish_ctx *x = p;
	const char *draft = "", *cur_body = "";
	struct arena *a = arena_new();
	char detail[64];
	int64_t v[4];
	int cur = 0, rc;

	if (a == NULL)
		return ALC_ENOMEM;
	if ((rc = load_draft(c, a, x->pid, x->id, &draft, &cur, &cur_body)) != 0)
		goto out;
	if (draft[0] == '\0') {
		rc = invalid(x->err, "Write the policy's text before publishing.");
		goto out;
	}
	if (cur > 0 && strcmp(draft, cur_body) == 0) {
		rc = alc_err_set_user(x->err, ALC_ECONFLICT, "The text has not "
		    "changed since version published last.", "policy: unchanged");
		goto out;
	}
	if ((rc = insert_version(c, x, draft, cur + 1)) != 0)
		goto out;
	v[0] = cur + 1;
	v[1] = time_now_ms();
	v[2] = x->pid;
	v[3] = x->id;
	if ((rc = cmp_exec(c, "UPDATE policies SET current_version = ?, status "
	    "= 'published', updated_at = ? WHERE practice_id = ? AND id = ?",
	    v, 4)) != 0)
		goto out;
	*x->version = cur + 1;
	snprintf(detail, sizeof(detail), "{\"change\":\"published\","
	    "\"version\":%d}", cur + 1);
	rc = cmp_audit_obj(c, x->pid, x->who, "UPDATE", "policy", x->id, detail);
out:
	arena_free(a);
	return rc;
}

int
policy_publish(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, const char *effective_on,
    const char *summary, int *version, struct alc_err *err)
{
	struct publish_ctx x = {practice_id, id, who, effective_on, summary,
	    version, err};
	struct caldate d;

	if (effective_on == NULL || caldate_parse(effective_on, &d) != 0)
		return invalid(err, "Enter the date the version takes effect, such "
		    "as 2026-03-31.");
	if (!cmp_text_ok(summary, POLICY_SUMMARY_MAX, 1))
		return invalid(err, "The summary of changes is too long (1,000 "
		    "characters at most).");
	return in_txn(db, publish_in, &x, err);
}

struct retire_ctx {
	int64_t pid, id;
	const struct compliance_actor *who;
};

static int
retire_in(struct db_conn *c, void *p)
{
	struct retire_ctx *x = p;
	char ret[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE policies SET status = 'retired', "
	    "retain_until = ?, updated_at = ? WHERE practice_id = ? AND id = ? "
	    "AND status <> 'retired'")) != 0)
		return rc;
	db_bind_text(s, 1, retain_text(ret));
	db_bind_i64(s, 2, time_now_ms());
	db_bind_i64(s, 3, x->pid);
	db_bind_i64(s, 4, x->id);
	rc = db_step(s);
	if (rc == DB_DONE && db_changes(s) == 0)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	if (rc != DB_DONE)
		return rc < 0 ? rc : ALC_EDB;
	return cmp_audit_obj(c, x->pid, x->who, "UPDATE", "policy", x->id,
	    "{\"change\":\"retired\"}");
}

int
policy_retire(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, struct alc_err *err)
{
	struct retire_ctx x = {practice_id, id, who};

	return in_txn(db, retire_in, &x, err);
}

struct attest_ctx {
	int64_t pid, id;
	const struct compliance_actor *who;
	int version;
	struct alc_err *err;
};

/* The current version's row id and hash, when `version` is current. */
static int
current_of(struct db_conn *c, struct attest_ctx *x, int64_t *vid,
    char hash[65])
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT v.id, v.body_hash, v.version FROM "
	    "policies p JOIN policy_versions v ON v.policy_id = p.id AND "
	    "v.version = p.current_version WHERE p.practice_id = ? AND p.id = ? "
	    "AND p.status = 'published'")) != 0)
		return rc;
	db_bind_i64(s, 1, x->pid);
	db_bind_i64(s, 2, x->id);
	if ((rc = db_step(s)) == DB_ROW) {
		*vid = db_col_i64(s, 0);
		snprintf(hash, 65, "%s", db_col_text(s, 1));
		if (db_col_i64(s, 2) != x->version)
			rc = alc_err_set_user(x->err, ALC_ECONFLICT, "A newer "
			    "version of this policy has been published: read it "
			    "before attesting.", "policy: stale version");
	}
	db_stmt_done(s);
	if (rc == DB_ROW)
		return 0;
	return rc < 0 ? rc : ALC_ENOTFOUND;
}

static int
attest_in(struct db_conn *c, void *p)
{
	struct attest_ctx *x = p;
	int64_t vid = 0, uid = cmp_uid(x->who), v[4];
	char hash[65], detail[64];
	struct db_stmt *s;
	int rc, i;

	if ((rc = current_of(c, x, &vid, hash)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT 1 FROM policy_attestations WHERE "
	    "version_id = ? AND user_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, vid);
	db_bind_i64(s, 2, uid);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc != DB_DONE)
		return rc == DB_ROW ? 0 : rc;
	v[0] = x->pid;
	v[1] = vid;
	v[2] = uid;
	v[3] = time_now_ms();
	if ((rc = db_prepare(c, &s, "INSERT INTO policy_attestations "
	    "(practice_id, version_id, user_id, attested_at, body_hash) VALUES "
	    "(?, ?, ?, ?, ?)")) != 0)
		return rc;
	for (i = 0; i < 4; i++)
		db_bind_i64(s, i + 1, v[i]);
	db_bind_text(s, 5, hash);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc != DB_DONE)
		return rc < 0 ? rc : ALC_EDB;
	snprintf(detail, sizeof(detail), "{\"policy\":%lld,\"version\":%d}",
	    (long long)x->id, x->version);
	return cmp_audit_obj(c, x->pid, x->who, "CREATE", "policy_attestation",
	    vid, detail);
}

int
policy_attest(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, int version,
    struct alc_err *err)
{
	struct attest_ctx x = {practice_id, id, who, version, err};

	if (cmp_uid(who) <= 0)
		return ALC_EPERM;
	return in_txn(db, attest_in, &x, err);
}
