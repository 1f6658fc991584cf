/*
 * load.c - reading patient records back: the whole record (patients_get)
 * and the short brief lists and calendars show (patients_briefs), plus
 * the small helpers every file of core/patients/ uses (impl.h).
 *
 * Opening a sealed column needs the same field reference it was sealed
 * with (practice, table, column, row id): a ciphertext copied to another
 * row does not open.  Plaintext goes into the caller's arena only.
 */
#include "core/patients/patients.h"
#include "core/patients/impl.h"
#include "core/keys/keystore.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
pt_acquire(struct db *db, struct db_conn **c)
{
	*c = db_acquire(db, 5000, NULL);
	return *c != NULL ? 0 : ALC_EBUSY;
}

int
pt_audit(struct db_conn *c, const struct audit_event *who, const char *verb,
    int64_t pid, const char *otype, int64_t oid, int64_t patient_id,
    const char *reason, const char *detail)
{
	struct audit_event ev;
	char id[24];

	if (who != NULL)
		ev = *who;
	else {
		memset(&ev, 0, sizeof(ev));
		ev.actor_role = "system";
	}
	snprintf(id, sizeof(id), "%lld", (long long)oid);
	ev.verb = verb;
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = otype;
	ev.object_id = id;
	ev.patient_id = patient_id;
	ev.reason = reason;
	ev.detail = detail;
	return audit_write(c, &ev);
}

int
pt_exec(struct db_conn *c, const char *sql, int64_t a, int64_t b, int64_t d)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, 1, a);
	if (b != INT64_MIN)
		db_bind_i64(s, 2, b);
	if (d != INT64_MIN)
		db_bind_i64(s, 3, d);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Opens column col of row id into a NUL-terminated arena string. */
static int
unseal(struct keystore *ks, struct arena *a, int64_t pid, int64_t id,
    const char *col, const void *ct, size_t n, const char **out)
{
	struct field_ref ref = {pid, KS_GENERAL, "patients", col, id};
	struct buf b;
	int rc;

	*out = "";
	if (ct == NULL || n == 0)
		return 0;
	buf_init(&b, a);
	if ((rc = keystore_open_field(ks, &ref, ct, n, &b)) != 0)
		return rc;
	buf_putc(&b, '\0');
	if (buf_failed(&b))
		return ALC_ENOMEM;
	*out = b.data;
	return 0;
}

static const char *
jstr(struct arena *a, json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL ? arena_strdup(a, v) : "";
}

/* The name column of a loaded row into the brief. */
static int
brief_name(struct arena *a, const char *nj, struct patient_brief *b)
{
	const char *first, *last, *pref, *shown;
	json_t *o = json_loads(nj, 0, NULL);
	char *sort;
	size_t i;

	if (o == NULL)
		return ALC_ECRYPTO;
	first = jstr(a, o, "legal_first");
	last = jstr(a, o, "legal_last");
	pref = jstr(a, o, "preferred");
	json_decref(o);
	shown = pref[0] ? pref : first;
	b->display_name = arena_printf(a, "%s %s", shown, last);
	sort = arena_printf(a, "%s, %s", last, first);
	if (b->display_name == NULL || sort == NULL)
		return ALC_ENOMEM;
	for (i = 0; sort[i]; i++)
		sort[i] = (char)tolower((unsigned char)sort[i]);
	b->sort_name = sort;
	b->initials = arena_printf(a, "%c.%c.", first[0] ? first[0] : '?',
	    last[0] ? last[0] : '?');
	return b->initials != NULL ? 0 : ALC_ENOMEM;
}

#define BRIEF_SQL "SELECT chart_no, status, part2, restricted, " \
	"staff_patient, name, dob FROM patients WHERE id = ? AND practice_id = ?"

int
pt_brief_load(struct db_conn *c, struct keystore *ks, struct arena *a,
    int64_t pid, int64_t id, int skip_merged, struct patient_brief *b,
    int *found)
{
	const char *nj = NULL;
	struct db_stmt *s;
	const void *p;
	size_t n;
	int rc;

	*found = 0;
	memset(b, 0, sizeof(*b));
	if ((rc = db_prepare(c, &s, BRIEF_SQL)) != 0)
		return rc;
	db_bind_i64(s, 1, id);
	db_bind_i64(s, 2, pid);
	if ((rc = db_step(s)) != DB_ROW)
		goto out;
	b->status = arena_strdup(a, db_col_text(s, 1));
	if (skip_merged && strcmp(b->status, "merged") == 0) {
		rc = 0;
		goto out;
	}
	b->id = id;
	b->chart_no = arena_strdup(a, db_col_text(s, 0));
	b->part2 = (int)db_col_i64(s, 2);
	b->restricted = (int)db_col_i64(s, 3);
	b->staff_patient = (int)db_col_i64(s, 4);
	p = db_col_blob(s, 5, &n);
	if ((rc = unseal(ks, a, pid, id, "name", p, n, &nj)) != 0)
		goto out;
	p = db_col_blob(s, 6, &n);
	if ((rc = unseal(ks, a, pid, id, "dob", p, n, &b->dob)) != 0 ||
	    (rc = brief_name(a, nj, b)) != 0)
		goto out;
	*found = 1;
out:
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The first index j < i with ids[j] == ids[i], or i.  Calendars list a
 * few dozen ids, so a backward scan is cheaper than sorting. */
static size_t
earlier(const int64_t *ids, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (ids[j] == ids[i])
			return j;
	return i;
}

int
patients_briefs(struct db *db, struct keystore *ks, struct arena *a,
    int64_t pid, const int64_t *ids, size_t n, struct patient_brief *out)
{
	struct db_conn *c;
	size_t i, j;
	int rc = 0, found;

	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		if ((j = earlier(ids, i)) < i) {
			out[i] = out[j]; /* read and opened once per patient */
			continue;
		}
		rc = pt_brief_load(c, ks, a, pid, ids[i], 1, &out[i], &found);
		if (rc == 0 && !found) {
			memset(&out[i], 0, sizeof(out[i]));
			out[i].display_name = "(unknown patient)";
			out[i].sort_name = out[i].initials = "";
			out[i].chart_no = out[i].dob = out[i].status = "";
		}
	}
	db_release(c);
	return rc;
}

static int
cmp_brief(const void *x, const void *y)
{
	const struct patient_brief *a = x, *b = y;
	int c = strcmp(a->sort_name, b->sort_name);

	return c ? c : a->id < b->id ? -1 : a->id > b->id;
}

void
pt_briefs_sort(struct patient_brief *b, size_t n)
{
	if (n > 1)
		qsort(b, n, sizeof(*b), cmp_brief);
}

#define GET_SQL "SELECT chart_no, version, status, part2, staff_patient, " \
	"restricted, merged_into, created_at, updated_at, name, dob, profile " \
	"FROM patients WHERE id = ? AND practice_id = ?"

static int
parse_into(struct arena *a, const char *js, int name,
    struct patient_record *r)
{
	json_t *o;

	if (js[0] == '\0')
		return 0;
	if ((o = json_loads(js, 0, NULL)) == NULL)
		return ALC_ECRYPTO;
	pt_from_json(a, o, name, r);
	json_decref(o);
	return 0;
}

int
pt_record_load(struct db_conn *c, struct keystore *ks, struct arena *a,
    int64_t pid, int64_t id, struct patient_record *r)
{
	const char *nj = "", *pj = "";
	struct db_stmt *s;
	const void *p;
	size_t n;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = db_prepare(c, &s, GET_SQL)) != 0)
		return rc;
	db_bind_i64(s, 1, id);
	db_bind_i64(s, 2, pid);
	if ((rc = db_step(s)) != DB_ROW) {
		rc = rc < 0 ? rc : ALC_ENOTFOUND;
		goto out;
	}
	r->id = id;
	r->chart_no = arena_strdup(a, db_col_text(s, 0));
	r->version = db_col_i64(s, 1);
	r->status = arena_strdup(a, db_col_text(s, 2));
	r->part2 = (int)db_col_i64(s, 3);
	r->staff_patient = (int)db_col_i64(s, 4);
	r->restricted = (int)db_col_i64(s, 5);
	r->merged_into = db_col_i64(s, 6);
	r->created_at = db_col_i64(s, 7);
	r->updated_at = db_col_i64(s, 8);
	p = db_col_blob(s, 9, &n);
	if ((rc = unseal(ks, a, pid, id, "name", p, n, &nj)) != 0)
		goto out;
	p = db_col_blob(s, 10, &n);
	if ((rc = unseal(ks, a, pid, id, "dob", p, n, &r->dob)) != 0)
		goto out;
	p = db_col_blob(s, 11, &n);
	if ((rc = unseal(ks, a, pid, id, "profile", p, n, &pj)) != 0)
		goto out;
	if ((rc = parse_into(a, nj, 1, r)) == 0)
		rc = parse_into(a, pj, 0, r);
out:
	db_stmt_done(s);
	return rc;
}

int
patients_get(struct db *db, struct keystore *ks, struct arena *a,
    int64_t pid, int64_t id, struct patient_record *r)
{
	struct db_conn *c;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	rc = pt_record_load(c, ks, a, pid, id, r);
	db_release(c);
	return rc;
}
