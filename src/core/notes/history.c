/*
 * history.c - a note's saved versions, its addenda, and the readable diff
 * between two versions.  See notes.h.
 *
 * The diff is per field in the template's order (a field the template no
 * longer has comes last, labelled by its key), and within a field per
 * line, by a longest-common-subsequence table.  Note fields are short
 * (a few dozen lines), so the quadratic table is small; fields longer
 * than DIFF_MAX_LINES lines are shown as wholly removed and added.
 */
#include "core/notes/notes_impl.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

#include <string.h>

#define DIFF_MAX_LINES 400

const char *
notes_value(const struct note_value *vals, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(vals[i].key, key) == 0)
			return vals[i].value;
	return NULL;
}

int
notes_versions(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t note_id, struct note_version **out,
    size_t *n)
{
	struct note_version *v = NULL, *nv;
	struct db_conn *c;
	struct db_stmt *s;
	const void *ct;
	const char *pt;
	size_t len, cap = 0;
	int rc;

	*n = 0;
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT v.id, v.version, u.display_name, "
	    "v.saved_at, v.data FROM note_versions v JOIN notes n ON n.id = "
	    "v.note_id JOIN users u ON u.id = v.saved_by WHERE v.note_id = ? "
	    "AND n.practice_id = ? ORDER BY v.version")) != 0)
		goto out;
	db_bind_i64(s, 1, note_id);
	db_bind_i64(s, 2, practice_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = arena_alloc(a, cap * sizeof(*nv))) == NULL) {
				rc = ALC_ENOMEM;
				break;
			}
			if (*n)
				memcpy(nv, v, *n * sizeof(*nv));
			v = nv;
		}
		nv = &v[*n];
		nv->version = (int)db_col_i64(s, 1);
		nv->saved_by_name = arena_strdup(a, db_col_text(s, 2));
		nv->saved_at = db_col_i64(s, 3);
		ct = db_col_blob(s, 4, &len);
		if ((rc = notes_open_data(ks, a, practice_id, KS_GENERAL,
		    "note_versions", db_col_i64(s, 0), ct, len, &pt)) != 0 ||
		    (rc = notes_decode(a, pt, &nv->values, &nv->n_values)) != 0)
			break;
		(*n)++;
	}
	db_stmt_done(s);
	rc = rc == DB_DONE ? 0 : rc;
	*out = v;
out:
	db_release(c);
	return rc;
}

int
notes_addenda(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t note_id, struct note_addendum **out,
    size_t *n)
{
	struct note_addendum *v = NULL, *nv;
	struct db_conn *c;
	struct db_stmt *s;
	const void *ct;
	size_t len, cap = 0;
	int rc;

	*n = 0;
	if ((rc = notes_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT d.id, d.author_id, u.display_name, "
	    "d.signed_at, d.data FROM note_addenda d JOIN notes n ON n.id = "
	    "d.note_id JOIN users u ON u.id = d.author_id WHERE d.note_id = ? "
	    "AND n.practice_id = ? ORDER BY d.id")) != 0)
		goto out;
	db_bind_i64(s, 1, note_id);
	db_bind_i64(s, 2, practice_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			if ((nv = arena_alloc(a, cap * sizeof(*nv))) == NULL) {
				rc = ALC_ENOMEM;
				break;
			}
			if (*n)
				memcpy(nv, v, *n * sizeof(*nv));
			v = nv;
		}
		nv = &v[*n];
		nv->id = db_col_i64(s, 0);
		nv->author_id = db_col_i64(s, 1);
		nv->author_name = arena_strdup(a, db_col_text(s, 2));
		nv->signed_at = db_col_i64(s, 3);
		ct = db_col_blob(s, 4, &len);
		if ((rc = notes_open_data(ks, a, practice_id, KS_GENERAL,
		    "note_addenda", nv->id, ct, len, &nv->text)) != 0)
			break;
		(*n)++;
	}
	db_stmt_done(s);
	rc = rc == DB_DONE ? 0 : rc;
	*out = v;
out:
	db_release(c);
	return rc;
}

/* ---- the diff ------------------------------------------------------ */

/* Splits s into arena lines; *n their count (0 for NULL or ""). */
static const char **
split(struct arena *a, const char *s, size_t *n)
{
	const char **v;
	const char *p, *e;
	size_t k = 1;

	*n = 0;
	if (s == NULL || *s == '\0')
		return arena_alloc(a, sizeof(*v));
	for (p = s; *p; p++)
		k += *p == '\n';
	if ((v = arena_alloc(a, (k + 1) * sizeof(*v))) == NULL)
		return NULL;
	for (p = s; ; p = e + 1) {
		e = strchr(p, '\n');
		v[(*n)++] = arena_strndup(a, p, e ? (size_t)(e - p) : strlen(p));
		if (e == NULL)
			break;
	}
	return v;
}

static int
diff_lines(struct arena *a, const char *from, const char *to,
    struct note_diff_field *f)
{
	const char **x, **y;
	size_t nx, ny, i, j, k = 0;
	unsigned short *t;

	if ((x = split(a, from, &nx)) == NULL ||
	    (y = split(a, to, &ny)) == NULL ||
	    (f->lines = arena_alloc(a, (nx + ny + 1) * sizeof(*f->lines))) ==
	    NULL)
		return ALC_ENOMEM;
	if (nx > DIFF_MAX_LINES || ny > DIFF_MAX_LINES)
		t = NULL;
	else if ((t = arena_alloc(a, (nx + 1) * (ny + 1) * sizeof(*t))) ==
	    NULL)
		return ALC_ENOMEM;
	/* t[i][j]: LCS length of x[i..] and y[j..]. */
	for (i = nx + 1; t != NULL && i-- > 0;)
		for (j = ny + 1; j-- > 0;)
			t[i * (ny + 1) + j] = i == nx || j == ny ? 0 :
			    strcmp(x[i], y[j]) == 0 ?
			    t[(i + 1) * (ny + 1) + j + 1] + 1 :
			    t[(i + 1) * (ny + 1) + j] > t[i * (ny + 1) + j + 1] ?
			    t[(i + 1) * (ny + 1) + j] : t[i * (ny + 1) + j + 1];
	for (i = j = 0; i < nx || j < ny;) {
		if (t && i < nx && j < ny && strcmp(x[i], y[j]) == 0) {
			f->lines[k++] = (struct note_diff_line){' ', x[i]};
			i++, j++;
		} else if (i < nx && (j == ny || t == NULL ||
		    t[(i + 1) * (ny + 1) + j] >= t[i * (ny + 1) + j + 1])) {
			f->lines[k++] = (struct note_diff_line){'-', x[i++]};
			f->changed = 1;
		} else {
			f->lines[k++] = (struct note_diff_line){'+', y[j++]};
			f->changed = 1;
		}
	}
	f->n_lines = k;
	return 0;
}

int
notes_diff(struct arena *a, const struct note_template *t,
    const struct note_value *from, size_t n_from,
    const struct note_value *to, size_t n_to,
    struct note_diff_field **out, size_t *n)
{
	struct note_diff_field *v;
	size_t i, j, k = 0, cap = n_from + n_to;
	int rc;

	for (i = 0; t != NULL && i < t->n_sections; i++)
		cap += t->sections[i].n_fields;
	if ((v = arena_alloc(a, (cap + 1) * sizeof(*v))) == NULL)
		return ALC_ENOMEM;
	memset(v, 0, (cap + 1) * sizeof(*v));
	for (i = 0; t != NULL && i < t->n_sections; i++)
		for (j = 0; j < t->sections[i].n_fields; j++) {
			const struct note_field *f = &t->sections[i].fields[j];

			v[k].label = f->label;
			if ((rc = diff_lines(a, notes_value(from, n_from, f->key),
			    notes_value(to, n_to, f->key), &v[k])) != 0)
				return rc;
			k++;
		}
	/* Keys the template does not name (an older template's fields). */
	for (i = 0; i < n_from + n_to; i++) {
		const struct note_value *x = i < n_from ? &from[i] :
		    &to[i - n_from];
		int known = 0;

		for (j = 0; t != NULL && j < t->n_sections && !known; j++) {
			size_t q;

			for (q = 0; q < t->sections[j].n_fields; q++)
				known |= !strcmp(t->sections[j].fields[q].key,
				    x->key);
		}
		if (known || (i >= n_from && notes_value(from, n_from, x->key)))
			continue;
		v[k].label = x->key;
		if ((rc = diff_lines(a, notes_value(from, n_from, x->key),
		    notes_value(to, n_to, x->key), &v[k])) != 0)
			return rc;
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}
