/*
 * search.c - finding patients over encrypted fields: blind-index rows,
 * search by what was typed, duplicate detection, chart numbers, "my
 * patients".  See patients.h.
 *
 * patient_search holds one row per name token (legal first and last,
 * preferred), phone and e-mail; patients.dob_bidx the birth date.  A
 * search classifies the query (chart number, e-mail, date, phone, else
 * name), computes the index values of what was typed with the practice's
 * blind-index key and compares: exact match on normalised values only.
 * A name of several tokens must match all of them: the candidates of the
 * first token are kept when each other token also names them.
 *
 * Each row names the index key that computed it (key_id, migration 0023).
 * While the blind-index key is rotated a patient's rows are under the old
 * key or the new one (rewritten together, per patient), so a search runs
 * once per key the practice has not retired and keeps the union.
 */
#include "core/patients/patients.h"
#include "core/patients/impl.h"
#include "core/keys/keystore.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CANDIDATES 500

static int every_key(struct db_conn *c, struct keystore *ks, int64_t pid,
    const char *q, const struct patient_record *rec, int64_t *ids, size_t *n,
    int64_t *tmp);

static int
put_row(struct db_conn *c, int64_t pid, int64_t kid, int64_t id,
    const char *kind, const char *bidx)
{
	struct db_stmt *s;
	int rc;

	/* ON CONFLICT: on PostgreSQL a refused row aborts the transaction,
	 * so the duplicate must not be attempted (found by `alcove gen`). */
	if ((rc = db_prepare(c, &s, "INSERT INTO patient_search (practice_id, "
	    "patient_id, kind, bidx, key_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
	    "DO NOTHING")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	db_bind_text(s, 3, kind);
	db_bind_text(s, 4, bidx);
	db_bind_i64(s, 5, kid);
	rc = db_step(s);
	db_stmt_done(s);
	/* The same token twice (first name == preferred name) is one row. */
	return rc == ALC_EEXIST || rc >= 0 ? 0 : rc;
}

static int
name_rows(struct db_conn *c, struct keystore *ks, int64_t pid, int64_t kid,
    int64_t id, const char *name)
{
	char tok[BLIND_MAX_TOKENS][BLIND_HEX_SIZE];
	size_t n = 0, i, j;
	int rc;

	if (name == NULL || name[0] == '\0')
		return 0;
	rc = keystore_blind_tokens_as(ks, pid, kid, name, tok, BLIND_MAX_TOKENS,
	    &n);
	if (rc == ALC_EINVAL)
		return 0; /* punctuation only: nothing to find it by */
	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && strcmp(tok[i], tok[j]) != 0; j++)
			;
		if (j == i && (rc = put_row(c, pid, kid, id, "name", tok[i])) != 0)
			return rc;
	}
	return 0;
}

static int
value_row(struct db_conn *c, struct keystore *ks, int64_t pid, int64_t kid,
    int64_t id, enum blind_kind kind, const char *kname, const char *v)
{
	char x[BLIND_HEX_SIZE];
	int rc;

	if (v == NULL || v[0] == '\0')
		return 0;
	if ((rc = keystore_blind_as(ks, pid, kid, kind, v, x)) != 0)
		return rc == ALC_EINVAL ? 0 : rc;
	return put_row(c, pid, kid, id, kname, x);
}

int
pt_index_write(struct db_conn *c, struct keystore *ks, int64_t pid,
    int64_t kid, int64_t id, const struct patient_record *r)
{
	int rc;

	if (kid == 0 && (rc = keystore_blind_key(ks, pid, &kid)) != 0)
		return rc;
	if ((rc = pt_exec(c, "DELETE FROM patient_search WHERE patient_id = ?",
	    id, INT64_MIN, INT64_MIN)) != 0 ||
	    (rc = name_rows(c, ks, pid, kid, id, r->legal_first)) != 0 ||
	    (rc = name_rows(c, ks, pid, kid, id, r->legal_last)) != 0 ||
	    (rc = name_rows(c, ks, pid, kid, id, r->preferred)) != 0 ||
	    (rc = value_row(c, ks, pid, kid, id, BLIND_PHONE, "phone",
	    r->phone)) != 0)
		return rc;
	return value_row(c, ks, pid, kid, id, BLIND_EMAIL, "email", r->email);
}

/* Ids of rows of patient_search (kind, bidx), or of patients by dob_bidx
 * (kind NULL), appended to ids (at most MAX_CANDIDATES). */
static int
ids_for(struct db_conn *c, int64_t pid, const char *kind, const char *bidx,
    int64_t *ids, size_t *n)
{
	struct db_stmt *s;
	int rc;

	rc = kind ? db_prepare(c, &s, "SELECT patient_id FROM patient_search "
	    "WHERE practice_id = ? AND bidx = ? AND kind = ?") :
	    db_prepare(c, &s, "SELECT id FROM patients WHERE practice_id = ? "
	    "AND dob_bidx = ?");
	if (rc != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, bidx);
	if (kind)
		db_bind_text(s, 3, kind);
	while ((rc = db_step(s)) == DB_ROW && *n < MAX_CANDIDATES)
		ids[(*n)++] = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Keeps in ids only those also in other. */
static void
intersect(int64_t *ids, size_t *n, const int64_t *other, size_t m)
{
	size_t i, j, k = 0;

	for (i = 0; i < *n; i++) {
		for (j = 0; j < m && other[j] != ids[i]; j++)
			;
		if (j < m)
			ids[k++] = ids[i];
	}
	*n = k;
}

static int
name_ids(struct db_conn *c, struct keystore *ks, int64_t pid, int64_t kid,
    const char *q, int64_t *ids, size_t *n, int64_t *tmp)
{
	char tok[BLIND_MAX_TOKENS][BLIND_HEX_SIZE];
	size_t nt = 0, i, m;
	int rc;

	if ((rc = keystore_blind_tokens_as(ks, pid, kid, q, tok,
	    BLIND_MAX_TOKENS, &nt)) != 0)
		return rc;
	if ((rc = ids_for(c, pid, "name", tok[0], ids, n)) != 0)
		return rc;
	for (i = 1; i < nt && *n > 0; i++) {
		m = 0;
		if ((rc = ids_for(c, pid, "name", tok[i], tmp, &m)) != 0)
			return rc;
		intersect(ids, n, tmp, m);
	}
	return 0;
}

/* MM/DD/YYYY -> YYYY-MM-DD in out (11 bytes); 0 when q is not that. */
static int
us_date(const char *q, char out[11])
{
	int i;

	for (i = 0; i < 10; i++)
		if ((i == 2 || i == 5) ? q[i] != '/' : !isdigit((unsigned char)q[i]))
			return 0;
	if (q[10] != '\0')
		return 0;
	snprintf(out, 11, "%.4s-%.2s-%.2s", q + 6, q, q + 3);
	return 1;
}

static int
looks_like_phone(const char *q)
{
	size_t digits = 0;

	for (; *q; q++) {
		if (isdigit((unsigned char)*q))
			digits++;
		else if (!strchr(" ()-./+", *q))
			return 0;
	}
	return digits >= 7;
}

/* "P-12", "p000012", "12" after a P: the id of that chart, if any. */
static int
chart_id(struct db_conn *c, int64_t pid, const char *q, int64_t *ids,
    size_t *n)
{
	char chart[16];
	long long num;
	char *end;
	struct db_stmt *s;
	int rc;

	if (q[0] != 'P' && q[0] != 'p')
		return ALC_EINVAL;
	q += q[1] == '-' ? 2 : 1;
	if (!isdigit((unsigned char)q[0]))
		return ALC_EINVAL;
	num = strtoll(q, &end, 10);
	if (*end != '\0' || num < 1 || num > 999999999)
		return ALC_EINVAL;
	snprintf(chart, sizeof(chart), "P-%06lld", num);
	if ((rc = db_prepare(c, &s, "SELECT id FROM patients WHERE practice_id "
	    "= ? AND chart_no = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, chart);
	if ((rc = db_step(s)) == DB_ROW)
		ids[(*n)++] = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
patients_by_chart(struct db *db, int64_t pid, const char *chart, int64_t *id)
{
	struct db_conn *c;
	size_t n = 0;
	int rc;

	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	rc = chart_id(c, pid, chart, id, &n);
	db_release(c);
	return rc == ALC_EINVAL ? ALC_ENOTFOUND : rc != 0 ? rc :
	    n ? 0 : ALC_ENOTFOUND;
}

static int
find_ids(struct db_conn *c, struct keystore *ks, int64_t pid, int64_t kid,
    const char *q, int64_t *ids, size_t *n, int64_t *tmp)
{
	char x[BLIND_HEX_SIZE], d[11];
	int rc;

	if (chart_id(c, pid, q, ids, n) == 0)
		return 0;
	if (strchr(q, '@') != NULL)
		rc = keystore_blind_as(ks, pid, kid, BLIND_EMAIL, q, x) ?
		    ALC_EINVAL :
		    ids_for(c, pid, "email", x, ids, n);
	else if (us_date(q, d) || (strlen(q) == 10 && q[4] == '-' &&
	    isdigit((unsigned char)q[0])))
		rc = keystore_blind_as(ks, pid, kid, BLIND_DOB, us_date(q, d) ?
		    d : q, x) ? ALC_EINVAL : ids_for(c, pid, NULL, x, ids, n);
	else if (looks_like_phone(q))
		rc = keystore_blind_as(ks, pid, kid, BLIND_PHONE, q, x) ?
		    ALC_EINVAL : ids_for(c, pid, "phone", x, ids, n);
	else
		rc = name_ids(c, ks, pid, kid, q, ids, n, tmp);
	return rc;
}

/* The index keys a stored value may be under (several while the
 * blind-index key is rotated); the active one when none is listed. */
static int
index_keys(struct db_conn *c, int64_t pid, int64_t *kids, size_t *nk)
{
	int rc;

	if ((rc = keystore_blind_keys(c, pid, kids, KEYSTORE_BLIND_KEYS_MAX,
	    nk)) != 0)
		return rc;
	if (*nk == 0)
		kids[(*nk)++] = 0;
	return 0;
}

/* Briefs of ids (live records only, each once), sorted, at most max. */
static int
load_briefs(struct db_conn *c, struct keystore *ks, struct arena *a,
    int64_t pid, const int64_t *ids, size_t nids, size_t max,
    struct patient_brief **out, size_t *n)
{
	struct patient_brief *b;
	size_t i, j;
	int rc, found;

	*n = 0;
	if ((b = arena_alloc(a, (nids + 1) * sizeof(*b))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < nids; i++) {
		for (j = 0; j < i && ids[j] != ids[i]; j++)
			;
		if (j < i)
			continue;
		if ((rc = pt_brief_load(c, ks, a, pid, ids[i], 1, &b[*n],
		    &found)) != 0)
			return rc;
		*n += (size_t)found;
	}
	pt_briefs_sort(b, *n);
	if (*n > max)
		*n = max;
	*out = b;
	return 0;
}

int
patients_search(struct db *db, struct keystore *ks, struct arena *a,
    int64_t pid, const char *query, size_t max, struct patient_brief **out,
    size_t *n, struct alc_err *err)
{
	int64_t *ids = NULL, *tmp = NULL;
	struct db_conn *c;
	size_t nids = 0;
	int rc;

	*n = 0;
	*out = NULL;
	while (query != NULL && isspace((unsigned char)*query))
		query++;
	if (query == NULL || query[0] == '\0')
		return alc_err_set_user(err, ALC_EINVAL, "Type a name, a date of "
		    "birth, a phone number, an e-mail address or a chart "
		    "number.", "empty query");
	if ((ids = arena_alloc(a, KEYSTORE_BLIND_KEYS_MAX * MAX_CANDIDATES *
	    sizeof(*ids))) == NULL ||
	    (tmp = arena_alloc(a, MAX_CANDIDATES * sizeof(*tmp))) == NULL)
		return ALC_ENOMEM;
	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	rc = every_key(c, ks, pid, query, NULL, ids, &nids, tmp);
	if (rc == 0)
		rc = load_briefs(c, ks, a, pid, ids, nids, max, out, n);
	db_release(c);
	if (rc == ALC_EINVAL || rc == ALC_ETOOBIG)
		return alc_err_set_user(err, ALC_EINVAL, "That cannot be a name, "
		    "date of birth (YYYY-MM-DD or MM/DD/YYYY), phone number or "
		    "e-mail address.", "bad query");
	return rc;
}

static int
dup_ids(struct db_conn *c, struct keystore *ks, int64_t pid, int64_t kid,
    const struct patient_record *r, int64_t *ids, size_t *n, int64_t *tmp)
{
	char x[BLIND_HEX_SIZE];
	size_t m = 0;
	int rc;

	if (r == NULL)
		return ALC_EINVAL;
	if (r->dob && r->dob[0] && r->legal_last && r->legal_last[0] &&
	    keystore_blind_as(ks, pid, kid, BLIND_DOB, r->dob, x) == 0) {
		if ((rc = ids_for(c, pid, NULL, x, ids, n)) != 0 ||
		    (rc = name_ids(c, ks, pid, kid, r->legal_last, tmp, &m,
		    tmp + MAX_CANDIDATES)) != 0)
			return rc == ALC_EINVAL ? 0 : rc;
		intersect(ids, n, tmp, m);
	}
	if (r->phone && r->phone[0] &&
	    keystore_blind_as(ks, pid, kid, BLIND_PHONE, r->phone, x) == 0 &&
	    (rc = ids_for(c, pid, "phone", x, ids, n)) != 0)
		return rc;
	if (r->email && r->email[0] &&
	    keystore_blind_as(ks, pid, kid, BLIND_EMAIL, r->email, x) == 0 &&
	    (rc = ids_for(c, pid, "email", x, ids, n)) != 0)
		return rc;
	return 0;
}

/* find_ids for what was typed (q), or dup_ids for rec (q NULL), under
 * every index key, the candidates of each appended to ids (room for
 * KEYSTORE_BLIND_KEYS_MAX * MAX_CANDIDATES). */
static int
every_key(struct db_conn *c, struct keystore *ks, int64_t pid, const char *q,
    const struct patient_record *rec, int64_t *ids, size_t *n, int64_t *tmp)
{
	int64_t kids[KEYSTORE_BLIND_KEYS_MAX];
	size_t nk, i, m;
	int rc;

	if ((rc = index_keys(c, pid, kids, &nk)) != 0)
		return rc;
	for (i = 0; i < nk; i++) {
		m = 0;
		rc = q != NULL ? find_ids(c, ks, pid, kids[i], q, ids + *n, &m, tmp) :
		    dup_ids(c, ks, pid, kids[i], rec, ids + *n, &m, tmp);
		if (rc != 0)
			return rc;
		*n += m;
	}
	return 0;
}

int
patients_duplicates(struct db *db, struct keystore *ks, struct arena *a,
    int64_t pid, const struct patient_record *rec, int64_t exclude_id,
    size_t max, struct patient_brief **out, size_t *n)
{
	int64_t *ids, *tmp;
	struct db_conn *c;
	size_t nids = 0, i, k = 0;
	int rc;

	*n = 0;
	if ((ids = arena_alloc(a, KEYSTORE_BLIND_KEYS_MAX * MAX_CANDIDATES *
	    sizeof(*ids))) == NULL ||
	    (tmp = arena_alloc(a, 2 * MAX_CANDIDATES * sizeof(*tmp))) == NULL)
		return ALC_ENOMEM;
	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	rc = every_key(c, ks, pid, NULL, rec, ids, &nids, tmp);
	for (i = 0; i < nids; i++)
		if (ids[i] != exclude_id)
			ids[k++] = ids[i];
	if (rc == 0)
		rc = load_briefs(c, ks, a, pid, ids, k, max, out, n);
	db_release(c);
	return rc;
}

int
patients_of_clinician(struct db *db, struct arena *a, int64_t pid,
    int64_t uid, int64_t **ids, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((*ids = arena_alloc(a, MAX_CANDIDATES * sizeof(**ids))) == NULL)
		return ALC_ENOMEM;
	if ((rc = pt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT t.patient_id FROM care_team t JOIN "
	    "patients p ON p.id = t.patient_id WHERE t.practice_id = ? AND "
	    "t.removed_at IS NULL AND p.status <> 'merged' AND (t.user_id = ? "
	    "OR t.user_id IN (SELECT supervisee_id FROM supervision WHERE "
	    "practice_id = ? AND supervisor_id = ?)) GROUP BY t.patient_id "
	    "ORDER BY t.patient_id")) == 0) {
		db_bind_i64(s, 1, pid);
		db_bind_i64(s, 2, uid);
		db_bind_i64(s, 3, pid);
		db_bind_i64(s, 4, uid);
		while ((rc = db_step(s)) == DB_ROW && *n < MAX_CANDIDATES)
			(*ids)[(*n)++] = db_col_i64(s, 0);
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}
