/*
 * store.c - recorded results: sealing, listing, alerts.  See measures.h.
 *
 * Sealed layout of measure_results.data (purpose 'general'):
 *     {"v":1,"sex":"female|male|both","answers":[...],"total":n,
 *      "band":"label"}
 * Answers are option values, -1 where the skip logic left an item out.
 * On load the result is scored again from its answers (measure_score is
 * pure and the published scoring does not change), so the alert text and
 * band always come from the one table in instruments.c; total and band
 * are stored as well so the sealed record says what the clinician saw.
 *
 * A new row needs its id for the associated data: insert, seal, update,
 * audit, all in one transaction (keystore.h).
 */
#include "core/measures/measures.h"
#include "core/keys/keystore.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS "SELECT r.id, r.patient_id, r.instrument, r.administered_at, " \
	"r.recorded_at, r.recorded_by, u.display_name, r.data, r.alert, " \
	"r.ack_at, a.display_name FROM measure_results r " \
	"JOIN users u ON u.id = r.recorded_by " \
	"LEFT JOIN users a ON a.id = r.ack_by "

static int
acquire(struct db *db, struct db_conn **c)
{
	*c = db_acquire(db, 5000, NULL);
	return *c != NULL ? 0 : ALC_EBUSY;
}

static int
audit(struct db_conn *c, const struct audit_event *who, const char *verb,
    int64_t pid, int64_t id, int64_t patient_id, const char *detail)
{
	struct audit_event ev;
	char oid[24];

	if (who != NULL)
		ev = *who;
	else {
		memset(&ev, 0, sizeof(ev));
		ev.actor_role = "system";
	}
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	ev.verb = verb;
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = "measure_result";
	ev.object_id = oid;
	ev.patient_id = patient_id;
	ev.sensitivity = NULL;
	ev.detail = detail;
	return audit_write(c, &ev);
}

static char *
encode(const struct measure_instrument *m, const int *answers,
    enum measure_sex sex, const struct measure_score *sc)
{
	json_t *o = json_object(), *arr = json_array();
	char *s = NULL;
	size_t i;

	if (o == NULL || arr == NULL)
		goto out;
	for (i = 0; i < m->n_items; i++)
		if (json_array_append_new(arr, json_integer(answers[i])) != 0)
			goto out;
	if (json_object_set_new(o, "v", json_integer(1)) != 0 ||
	    json_object_set_new(o, "sex",
	    json_string(measure_sex_name(sex))) != 0 ||
	    json_object_set(o, "answers", arr) != 0 ||
	    json_object_set_new(o, "total", json_integer(sc->total)) != 0 ||
	    json_object_set_new(o, "band", json_string(sc->band_label)) != 0)
		goto out;
	s = json_dumps(o, JSON_COMPACT);
out:
	json_decref(arr);
	json_decref(o);
	return s;
}

static int
record_in(struct db_conn *c, struct keystore *ks, int64_t pid,
    int64_t patient_id, const struct measure_instrument *m, const char *pt,
    int alert, int64_t when, const struct audit_event *who, int64_t *id)
{
	struct field_ref ref = {pid, KS_GENERAL, "measure_results", "data", 0};
	int64_t actor = who ? who->actor_user_id : 0, now = time_now_ms();
	struct db_stmt *s;
	struct buf ct;
	char detail[64];
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO measure_results (practice_id, "
	    "patient_id, instrument, administered_at, recorded_by, recorded_at, "
	    "alert) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, patient_id);
	db_bind_text(s, 3, m->code);
	db_bind_i64(s, 4, when ? when : now);
	db_bind_i64(s, 5, actor);
	db_bind_i64(s, 6, now);
	db_bind_i64(s, 7, alert);
	rc = db_step(s) == DB_ROW ? 0 : ALC_EDB;
	*id = rc == 0 ? db_col_i64(s, 0) : 0;
	db_stmt_done(s);
	if (rc != 0)
		return rc;
	ref.row_id = *id;
	buf_init(&ct, NULL);
	if ((rc = keystore_seal(ks, &ref, pt, strlen(pt), &ct)) == 0 &&
	    (rc = db_prepare(c, &s, "UPDATE measure_results SET data = ? "
	    "WHERE id = ?")) == 0) {
		db_bind_blob(s, 1, ct.data, ct.len);
		db_bind_i64(s, 2, *id);
		rc = db_step(s) == DB_DONE ? 0 : ALC_EDB;
		db_stmt_done(s);
	}
	buf_free(&ct);
	if (rc != 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"instrument\":\"%s\"}", m->code);
	return audit(c, who, "CREATE", pid, *id, patient_id, detail);
}

int
measures_record(struct db *db, struct keystore *ks, int64_t practice_id,
    int64_t patient_id, const struct measure_instrument *m,
    const int *answers, enum measure_sex sex, int64_t administered_at,
    const struct audit_event *who, int64_t *id, struct alc_err *err)
{
	struct measure_error errs[MEASURE_MAX_ITEMS];
	struct measure_score sc;
	struct db_conn *c = NULL;
	char *pt = NULL;
	int64_t newid = 0;
	size_t nerr;
	int rc;

	if (m == NULL || measure_validate(m, answers, errs, &nerr) != 0)
		return alc_err_set_user(err, ALC_EINVAL, "Answer every question.",
		    "measure answers do not validate");
	measure_score(m, answers, sex, &sc);
	if ((pt = encode(m, answers, sex, &sc)) == NULL)
		return alc_err_set(err, ALC_ENOMEM, "encoding result");
	if ((rc = acquire(db, &c)) != 0) {
		alc_err_set(err, rc, "no database connection");
		goto out;
	}
	if ((rc = db_begin(c)) == 0 &&
	    (rc = record_in(c, ks, practice_id, patient_id, m, pt, sc.alert,
	    administered_at, who, &newid)) == 0)
		rc = db_commit(c);
	if (rc != 0) {
		db_rollback(c);
		alc_err_set(err, rc, "recording measure: %s", db_errmsg(c));
	} else if (id != NULL)
		*id = newid;
	db_release(c);
out:
	/* The plaintext held PHI. */
	memset(pt, 0, strlen(pt));
	free(pt);
	return rc;
}

/* Opens and decodes the sealed data of row r into r's answers and score. */
static int
decode(struct keystore *ks, struct arena *a, int64_t pid, const void *ct,
    size_t n, struct measure_result *r)
{
	struct field_ref ref = {pid, KS_GENERAL, "measure_results", "data",
	    r->id};
	const struct measure_instrument *m = measure_instrument(r->instrument);
	json_t *o = NULL, *arr;
	struct buf b;
	size_t i;
	int rc;

	buf_init(&b, a);
	if ((rc = keystore_open_field(ks, &ref, ct, n, &b)) != 0)
		return rc;
	if (buf_failed(&b) || (o = json_loadb(b.data, b.len, 0, NULL)) == NULL)
		return ALC_ECRYPTO;
	arr = json_object_get(o, "answers");
	rc = ALC_ECRYPTO;
	if (!json_is_array(arr) || json_array_size(arr) != m->n_items)
		goto out;
	for (i = 0; i < m->n_items; i++)
		r->answers[i] = (int)json_integer_value(json_array_get(arr, i));
	r->sex = measure_sex_parse(json_string_value(json_object_get(o,
	    "sex")));
	measure_score(m, r->answers, r->sex, &r->score);
	rc = 0;
out:
	memset(b.data, 0, b.len);
	json_decref(o);
	return rc;
}

static int
read_row(struct db_stmt *s, struct keystore *ks, struct arena *a,
    int64_t pid, struct measure_result *r)
{
	const struct measure_instrument *m;
	const void *ct;
	size_t n;

	memset(r, 0, sizeof(*r));
	r->id = db_col_i64(s, 0);
	r->patient_id = db_col_i64(s, 1);
	if ((m = measure_by_code(db_col_text(s, 2))) == NULL)
		return ALC_EDB;
	r->instrument = m->id;
	r->administered_at = db_col_i64(s, 3);
	r->recorded_at = db_col_i64(s, 4);
	r->recorded_by = db_col_i64(s, 5);
	r->recorded_by_name = arena_strdup(a, db_col_text(s, 6));
	r->alert = (int)db_col_i64(s, 8);
	r->ack_at = db_col_i64(s, 9);
	r->ack_by_name = db_col_is_null(s, 10) ? NULL :
	    arena_strdup(a, db_col_text(s, 10));
	ct = db_col_blob(s, 7, &n);
	return decode(ks, a, pid, ct, n, r);
}

/* Runs s (bound) and reads up to max rows into a new arena array. */
static int
read_rows(struct db_stmt *s, struct keystore *ks, struct arena *a,
    int64_t pid, size_t max, struct measure_result **out, size_t *n)
{
	struct measure_result *v;
	int rc = DB_DONE;

	*n = 0;
	if ((v = arena_alloc(a, (max + 1) * sizeof(*v))) == NULL)
		return ALC_ENOMEM;
	while (*n < max && (rc = db_step(s)) == DB_ROW) {
		if ((rc = read_row(s, ks, a, pid, &v[*n])) != 0)
			return rc;
		(*n)++;
	}
	*out = v;
	return rc < 0 ? rc : 0;
}

int
measures_list(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id, int instrument, size_t max,
    struct measure_result **out, size_t *n)
{
	const struct measure_instrument *m = NULL;
	struct measure_result tmp;
	struct db_stmt *s;
	struct db_conn *c;
	size_t i;
	int rc;

	if (instrument >= 0 &&
	    (m = measure_instrument((enum measure_id)instrument)) == NULL)
		return ALC_EINVAL;
	if ((rc = acquire(db, &c)) != 0)
		return rc;
	/* Newest first so max keeps the latest, then turned around. */
	rc = db_prepare(c, &s, m ? COLS "WHERE r.practice_id = ? AND "
	    "r.patient_id = ? AND r.instrument = ? ORDER BY r.administered_at "
	    "DESC, r.id DESC LIMIT ?" : COLS "WHERE r.practice_id = ? AND "
	    "r.patient_id = ? ORDER BY r.administered_at DESC, r.id DESC "
	    "LIMIT ?");
	if (rc == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, patient_id);
		if (m)
			db_bind_text(s, 3, m->code);
		db_bind_i64(s, m ? 4 : 3, (int64_t)max);
		rc = read_rows(s, ks, a, practice_id, max, out, n);
		db_stmt_done(s);
	}
	db_release(c);
	for (i = 0; rc == 0 && i < *n / 2; i++) {
		tmp = (*out)[i];
		(*out)[i] = (*out)[*n - 1 - i];
		(*out)[*n - 1 - i] = tmp;
	}
	return rc;
}

int
measures_open_alerts(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id, size_t max,
    struct measure_result **out, size_t *n)
{
	struct db_stmt *s;
	struct db_conn *c;
	int rc;

	if ((rc = acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, COLS "WHERE r.practice_id = ? AND "
	    "r.patient_id = ? AND r.alert = 1 AND r.ack_at IS NULL ORDER BY "
	    "r.administered_at DESC, r.id DESC LIMIT ?")) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, patient_id);
		db_bind_i64(s, 3, (int64_t)max);
		rc = read_rows(s, ks, a, practice_id, max, out, n);
		db_stmt_done(s);
	}
	db_release(c);
	return rc;
}

static int
ack_in(struct db_conn *c, int64_t pid, int64_t patient_id, int64_t id,
    const struct audit_event *who)
{
	struct db_stmt *s;
	int64_t changed;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE measure_results SET ack_by = ?, "
	    "ack_at = ? WHERE id = ? AND practice_id = ? AND patient_id = ? "
	    "AND alert = 1 AND ack_at IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, who ? who->actor_user_id : 0);
	db_bind_i64(s, 2, time_now_ms());
	db_bind_i64(s, 3, id);
	db_bind_i64(s, 4, pid);
	db_bind_i64(s, 5, patient_id);
	rc = db_step(s) == DB_DONE ? 0 : ALC_EDB;
	changed = db_changes(s);
	db_stmt_done(s);
	if (rc != 0)
		return rc;
	if (changed == 0) {
		if ((rc = db_prepare(c, &s, "SELECT count(*) FROM measure_results "
		    "WHERE id = ? AND practice_id = ? AND patient_id = ? AND "
		    "alert = 1")) != 0)
			return rc;
		db_bind_i64(s, 1, id);
		db_bind_i64(s, 2, pid);
		db_bind_i64(s, 3, patient_id);
		rc = db_step(s) == DB_ROW && db_col_i64(s, 0) > 0 ?
		    ALC_ECONFLICT : ALC_ENOTFOUND;
		db_stmt_done(s);
		return rc;
	}
	return audit(c, who, "UPDATE", pid, id, patient_id,
	    "{\"alert\":\"acknowledged\"}");
}

int
measures_ack(struct db *db, int64_t practice_id, int64_t patient_id,
    int64_t result_id, const struct audit_event *who, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((rc = acquire(db, &c)) != 0)
		return alc_err_set(err, rc, "no database connection");
	if ((rc = db_begin(c)) == 0 &&
	    (rc = ack_in(c, practice_id, patient_id, result_id, who)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	if (rc == ALC_ECONFLICT)
		return alc_err_set_user(err, rc, "This alert was already "
		    "acknowledged.", "alert already acknowledged");
	if (rc == ALC_ENOTFOUND)
		return alc_err_set_user(err, rc, "There is no such alert.",
		    "no such alert");
	return rc != 0 ? alc_err_set(err, rc, "acknowledging alert") : 0;
}

int
measures_merge_patient(struct db_conn *c, int64_t practice_id, int64_t from,
    int64_t to)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE measure_results SET patient_id = ? "
	    "WHERE practice_id = ? AND patient_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, to);
	db_bind_i64(s, 2, practice_id);
	db_bind_i64(s, 3, from);
	rc = db_step(s) == DB_DONE ? 0 : ALC_EDB;
	db_stmt_done(s);
	return rc;
}
