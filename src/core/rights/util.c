/*
 * util.c - helpers shared by the files of core/rights/ (impl.h): the
 * audit event, text checks, and the sealed JSON objects that hold the
 * PHI of requests and disclosures.
 *
 * Sealed fields are one JSON object per row (jansson), sealed with the
 * practice's general key and the row's id in the associated data, so a
 * ciphertext moved to another row or table does not open.
 */
#include "core/rights/impl.h"
#include "core/keys/keystore.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
rt_acquire(struct db *db, struct db_conn **c)
{
	return (*c = db_acquire(db, 5000, NULL)) == NULL ? ALC_EBUSY : 0;
}

int
rt_audit(struct db_conn *c, const struct audit_event *who, const char *verb,
    int64_t practice_id, const char *object_type, int64_t object_id,
    int64_t patient_id, const char *detail)
{
	struct audit_event ev;
	char oid[24];

	if (who != NULL)
		ev = *who;
	else {
		memset(&ev, 0, sizeof(ev));
		ev.actor_role = "system";
	}
	snprintf(oid, sizeof(oid), "%lld", (long long)object_id);
	ev.action = 0;
	ev.verb = verb;
	ev.practice_id = practice_id;
	ev.object_type = object_type;
	ev.object_id = oid;
	ev.patient_id = patient_id;
	ev.detail = detail;
	return audit_write(c, &ev);
}

int
rt_invalid(struct alc_err *err, const char *user)
{
	return alc_err_set_user(err, ALC_EINVAL, user, "rights: %s", user);
}

const char *
rt_col(struct arena *a, struct db_stmt *s, int col)
{
	const char *v = db_col_text(s, col);

	return arena_strdup(a, v ? v : "");
}

const char *
rt_opt(struct arena *a, struct db_stmt *s, int col)
{
	return db_col_is_null(s, col) ? NULL : rt_col(a, s, col);
}

static size_t
utf8_len(const unsigned char *p, size_t left)
{
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 :
	    p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : 0;
	size_t k;

	if (n == 0 || n > left)
		return 0;
	for (k = 1; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

int
rt_text_ok(const char *s, size_t max, int multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n, len;

	if (s == NULL)
		return 1;
	if ((len = strlen(s)) > max)
		return 0;
	for (i = 0; i < len; i += n) {
		if (p[i] >= 0x80) {
			if ((n = utf8_len(p + i, len - i)) == 0)
				return 0;
			continue;
		}
		n = 1;
		if ((p[i] < 0x20 && !(multiline && (p[i] == '\n' ||
		    p[i] == '\r' || p[i] == '\t'))) || p[i] == 0x7f)
			return 0;
	}
	return 1;
}

int
rt_one_of(const char *s, const char *const *list)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

int64_t
rt_uid(const struct audit_event *who)
{
	return who != NULL ? who->actor_user_id : 0;
}

int
rt_seal_store(struct db_conn *c, struct keystore *ks, int64_t pid,
    const char *table, const char *column, int64_t row_id,
    const char *upd_sql, const char *const *keys, const char *const *vals,
    size_t n)
{
	struct field_ref ref = {pid, KS_GENERAL, table, column, row_id};
	json_t *o = json_object();
	struct db_stmt *s = NULL;
	char *js = NULL;
	struct buf ct;
	size_t i;
	int rc = ALC_ENOMEM;

	buf_init(&ct, NULL);
	if (o == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (vals[i] != NULL && vals[i][0] != '\0' &&
		    json_object_set_new(o, keys[i], json_string(vals[i])) != 0)
			goto out;
	if ((js = json_dumps(o, JSON_COMPACT)) == NULL)
		goto out;
	if ((rc = keystore_seal(ks, &ref, js, strlen(js), &ct)) != 0 ||
	    (rc = db_prepare(c, &s, upd_sql)) != 0)
		goto out;
	db_bind_blob(s, 1, ct.data, ct.len);
	db_bind_i64(s, 2, row_id);
	rc = db_step(s);
	rc = rc == DB_DONE ? 0 : rc < 0 ? rc : ALC_EDB;
out:
	if (s != NULL)
		db_stmt_done(s);
	if (js != NULL) {
		memset(js, 0, strlen(js));
		free(js);
	}
	json_decref(o);
	buf_free(&ct);
	return rc;
}

int
rt_open_fields(struct keystore *ks, struct arena *a, int64_t pid,
    const char *table, const char *column, int64_t row_id,
    struct db_stmt *s, int col, const char *const *keys, const char **vals,
    size_t n)
{
	struct field_ref ref = {pid, KS_GENERAL, table, column, row_id};
	const void *ct;
	json_t *o = NULL, *v;
	struct buf pt;
	size_t len, i;
	int rc;

	for (i = 0; i < n; i++)
		vals[i] = "";
	if ((ct = db_col_blob(s, col, &len)) == NULL || len == 0)
		return 0;
	buf_init(&pt, a);
	if ((rc = keystore_open_field(ks, &ref, ct, len, &pt)) != 0)
		return rc;
	if (buf_failed(&pt) ||
	    (o = json_loadb(pt.data, pt.len, 0, NULL)) == NULL)
		return ALC_ECRYPTO;
	for (i = 0; i < n; i++)
		if ((v = json_object_get(o, keys[i])) != NULL &&
		    json_is_string(v))
			vals[i] = arena_strdup(a, json_string_value(v));
	json_decref(o);
	return 0;
}

int
rt_patient_in(struct db_conn *c, int64_t pid, int64_t pat)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT 1 FROM patients WHERE id = ? AND "
	    "practice_id = ? AND status <> 'merged'")) != 0)
		return rc;
	db_bind_i64(s, 1, pat);
	db_bind_i64(s, 2, pid);
	rc = db_step(s);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_ENOTFOUND;
}
