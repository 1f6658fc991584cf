/*
 * test_notes.c - clinical notes (core/notes): the shipped template library
 * parses, the line diff marks what changed, and on the engine testlib
 * selects: drafts keep every version sealed, signing needs the password,
 * a signed note refuses every change but addenda, late entries are
 * marked, the co-sign queue returns and co-signs, and psychotherapy notes
 * open only for their author (and the supervisor when the practice says
 * so) under their own key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/keys/keystore.h"
#include "core/notes/notes.h"
#include "crypto/keyfile.h"
#include "crypto/password.h"
#include "db/db.h"
#include "testlib.h"

#define PW "a long and good password"

static void
test_every_shipped_template_parses_with_typed_fields(void **st)
{
	struct arena *a = arena_new();
	struct note_template *t, one;
	size_t n, i, j, k, typed[NF_MEASURE + 1] = {0};

	(void)st;
	assert_int_equal(note_templates_list(a, &t, &n), 0);
	assert_true(n >= 15);
	for (i = 0; i < n; i++) {
		assert_true(t[i].version >= 1);
		assert_true(t[i].n_sections >= 1);
		for (j = 0; j < t[i].n_sections; j++)
			for (k = 0; k < t[i].sections[j].n_fields; k++) {
				const struct note_field *f =
				    &t[i].sections[j].fields[k];

				typed[f->type]++;
				if (f->type == NF_CHOICE || f->type == NF_MULTI)
					assert_true(f->n_options >= 2);
			}
	}
	for (i = 0; i <= NF_MEASURE; i++)
		assert_true(typed[i] > 0);
	assert_int_equal(note_template_get(a, "soap", 0, &one), 0);
	assert_string_equal(one.name, "Progress note (SOAP)");
	assert_int_equal(note_template_get(a, "soap", 1, &one), 0);
	assert_int_equal(note_template_get(a, "soap", 2, &one), ALC_ENOTFOUND);
	assert_int_equal(note_template_get(a, "../soap", 0, &one),
	    ALC_ENOTFOUND);
	assert_int_equal(note_template_get(a, "nope", 0, &one), ALC_ENOTFOUND);
	arena_free(a);
}

static void
test_diff_marks_removed_and_added_lines_per_field(void **st)
{
	struct arena *a = arena_new();
	struct note_template t;
	struct note_value v1[] = {{"subjective", "slept badly\nanxious at work"},
	    {"plan", "weekly"}};
	struct note_value v2[] = {{"subjective", "slept badly\ncalmer at work\n"
	    "exercising"}, {"plan", "weekly"}};
	struct note_diff_field *d;
	size_t n, i;
	int seen = 0;

	(void)st;
	assert_int_equal(note_template_get(a, "soap", 0, &t), 0);
	assert_int_equal(notes_diff(a, &t, v1, 2, v2, 2, &d, &n), 0);
	for (i = 0; i < n; i++) {
		if (strcmp(d[i].label, "What the client reported") == 0) {
			seen = 1;
			assert_true(d[i].changed);
			assert_int_equal(d[i].n_lines, 4);
			assert_int_equal(d[i].lines[0].op, ' ');
			assert_string_equal(d[i].lines[0].text, "slept badly");
			assert_int_equal(d[i].lines[1].op, '-');
			assert_string_equal(d[i].lines[1].text, "anxious at work");
			assert_int_equal(d[i].lines[2].op, '+');
			assert_int_equal(d[i].lines[3].op, '+');
		} else if (strcmp(d[i].label, "Plan and next steps") == 0)
			assert_false(d[i].changed);
	}
	assert_true(seen);
	arena_free(a);
}

/* --- on the database ---------------------------------------------------- */

struct fx {
	struct db *db;
	struct keystore *ks;
	struct arena *a;
	int64_t practice, user, other, sup, patient;
};

static int64_t
q64(struct db *db, const char *sql, int64_t a, const char *t)
{
	struct db_conn *c = db_acquire(db, 5000, NULL);
	struct db_stmt *s;
	int64_t id = 0;
	int rc;

	assert_non_null(c);
	assert_int_equal(db_prepare(c, &s, sql), 0);
	if (a)
		db_bind_i64(s, 1, a);
	if (t)
		db_bind_text(s, a ? 2 : 1, t);
	rc = db_step(s);
	assert_true(rc == DB_ROW || rc == DB_DONE);
	if (rc == DB_ROW)
		id = db_col_i64(s, 0);
	db_stmt_done(s);
	db_release(c);
	return id;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	static int n;
	char path[PATH_MAX], h[crypto_pwhash_STRBYTES];
	const char *emails[3] = {"c@example.test", "o@example.test",
	    "s@example.test"};
	int64_t *ids[3];
	struct alc_err err;
	int i;

	assert_non_null(f);
	ids[0] = &f->user;
	ids[1] = &f->other;
	ids[2] = &f->sup;
	assert_int_equal(test_db_open(&f->db), 0);
	f->practice = q64(f->db, "INSERT INTO practices (name, slug, "
	    "created_at) VALUES ('P', 'p', 0) RETURNING id", 0, NULL);
	snprintf(path, sizeof(path), "%s/master-%d.key", test_tmpdir(), n++);
	assert_int_equal(keyfile_create(path, &err), 0);
	assert_non_null(f->ks = keystore_open(f->db, path, &err));
	assert_int_equal(keystore_ensure_practice(f->ks, f->practice), 0);
	assert_non_null(f->a = arena_new());
	assert_int_equal(pw_hash(PW, h), 0);
	for (i = 0; i < 3; i++) {
		struct db_conn *c = db_acquire(f->db, 5000, NULL);
		struct db_stmt *s;

		assert_int_equal(db_prepare(c, &s, "INSERT INTO users (email, "
		    "display_name, password_hash, created_at, updated_at) VALUES "
		    "(?, ?, ?, 0, 0) RETURNING id"), 0);
		db_bind_text(s, 1, emails[i]);
		db_bind_text(s, 2, emails[i]);
		db_bind_text(s, 3, h);
		assert_int_equal(db_step(s), DB_ROW);
		*ids[i] = db_col_i64(s, 0);
		db_stmt_done(s);
		db_release(c);
	}
	f->patient = q64(f->db, "INSERT INTO patients (practice_id, chart_no, "
	    "created_at, updated_at) VALUES (?, 'P-000001', 0, 0) RETURNING id",
	    f->practice, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	arena_free(f->a);
	keystore_close(f->ks);
	test_db_close(f->db);
	free(f);
	return 0;
}

static struct audit_event
who(int64_t uid)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.actor_user_id = uid;
	ev.actor_role = "clinician";
	return ev;
}

static int64_t
draft(struct fx *f, int64_t service_at, const char *text)
{
	struct note_value v[] = {{"subjective", text}};
	struct note_new nn = {f->patient, 0, "soap", 1, service_at, 50,
	    "90834", "Main office"};
	struct audit_event ev = who(f->user);
	int64_t id = 0;

	assert_int_equal(notes_create(f->db, f->ks, f->practice, &nn, v, 1,
	    &ev, &id, NULL), 0);
	return id;
}

static int
blob_has(struct fx *f, const char *table, const char *needle)
{
	char sql[120];
	struct db_conn *c = db_acquire(f->db, 5000, NULL);
	struct db_stmt *s;
	const char *b;
	size_t n, i, k = strlen(needle);
	int found = 0;

	snprintf(sql, sizeof(sql), "SELECT data FROM %s", table);
	assert_int_equal(db_prepare(c, &s, sql), 0);
	while (db_step(s) == DB_ROW) {
		b = db_col_blob(s, 0, &n);
		for (i = 0; b != NULL && i + k <= n; i++)
			found |= memcmp(b + i, needle, k) == 0;
	}
	db_stmt_done(s);
	db_release(c);
	return found;
}

static void
test_drafts_keep_sealed_versions_and_signing_locks(void **st)
{
	struct fx *f = *st;
	struct note_value v2[] = {{"subjective", "Zanzibar quokka second"}};
	struct audit_event ev = who(f->user), ev2 = who(f->other);
	struct note_version *vs;
	struct alc_err err;
	struct note n;
	size_t k;
	int64_t id = draft(f, time_now_ms(), "Zanzibar quokka first");

	assert_int_equal(notes_save(f->db, f->ks, f->practice, f->patient, id,
	    v2, 1, &ev2, &err), ALC_EPERM);
	assert_int_equal(notes_save(f->db, f->ks, f->practice, f->patient, id,
	    v2, 1, &ev, &err), 0);
	assert_int_equal(notes_versions(f->db, f->ks, f->a, f->practice, id,
	    &vs, &k), 0);
	assert_int_equal(k, 2);
	assert_string_equal(vs[0].values[0].value, "Zanzibar quokka first");
	assert_string_equal(vs[1].values[0].value, "Zanzibar quokka second");
	assert_false(blob_has(f, "notes", "quokka"));
	assert_false(blob_has(f, "note_versions", "quokka"));
	/* Signing needs the password; a wrong one signs nothing. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(notes_sign(f->db, f->ks, f->practice, f->patient, id,
	    "wrong password", &ev, &err), ALC_EPERM);
	assert_true(err.user[0] != '\0');
	assert_int_equal(notes_add_addendum(f->db, f->ks, f->practice,
	    f->patient, id, "early", PW, &ev, &err), ALC_ECONFLICT);
	assert_int_equal(notes_sign(f->db, f->ks, f->practice, f->patient, id,
	    PW, &ev, &err), 0);
	assert_int_equal(notes_get(f->db, f->ks, f->a, f->practice, f->patient,
	    id, &n), 0);
	assert_true(n.locked);
	assert_string_equal(n.status, "signed");
	assert_int_equal(n.signed_by, f->user);
	assert_false(n.late_entry);
	/* Locked: no save, no second signature; addenda only. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(notes_save(f->db, f->ks, f->practice, f->patient, id,
	    v2, 1, &ev, &err), ALC_ECONFLICT);
	assert_non_null(strstr(err.user, "signed and locked"));
	assert_int_equal(notes_sign(f->db, f->ks, f->practice, f->patient, id,
	    PW, &ev, &err), ALC_ECONFLICT);
	assert_int_equal(notes_add_addendum(f->db, f->ks, f->practice,
	    f->patient, id, "Called back: safe.", PW, &ev, &err), 0);
	assert_int_equal(notes_get(f->db, f->ks, f->a, f->practice, f->patient,
	    id, &n), 0);
	assert_string_equal(notes_value(n.values, n.n_values, "subjective"),
	    "Zanzibar quokka second");
	assert_int_equal(q64(f->db, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'note' AND verb = 'UPDATE'", 0, NULL), 2);
}

static void
test_a_note_signed_after_the_practice_limit_is_a_late_entry(void **st)
{
	struct fx *f = *st;
	struct audit_event ev = who(f->user);
	struct note n;
	int64_t id = draft(f, time_now_ms() - 5LL * 86400000, "late");

	assert_int_equal(notes_sign(f->db, f->ks, f->practice, f->patient, id,
	    PW, &ev, NULL), 0);
	assert_int_equal(notes_get(f->db, f->ks, f->a, f->practice, f->patient,
	    id, &n), 0);
	assert_true(n.late_entry);
	/* A practice allowing 7 days: not late. */
	q64(f->db, "INSERT INTO settings (practice_id, key, value, updated_at) "
	    "VALUES (?, 'notes.late_after_days', '7', 0)", f->practice, NULL);
	id = draft(f, time_now_ms() - 5LL * 86400000, "in time");
	assert_int_equal(notes_sign(f->db, f->ks, f->practice, f->patient, id,
	    PW, &ev, NULL), 0);
	assert_int_equal(notes_get(f->db, f->ks, f->a, f->practice, f->patient,
	    id, &n), 0);
	assert_false(n.late_entry);
}

static void
test_supervisee_notes_are_returned_then_cosigned(void **st)
{
	struct fx *f = *st;
	struct audit_event ev = who(f->user), sv = who(f->sup);
	struct audit_event ov = who(f->other);
	struct note *q;
	struct note n;
	size_t k;
	int64_t id = draft(f, time_now_ms(), "supervised");

	assert_int_equal(notes_set_supervisor(f->db, f->practice, f->user,
	    f->sup, &sv, NULL), 0);
	assert_int_equal(notes_sign(f->db, f->ks, f->practice, f->patient, id,
	    PW, &ev, NULL), 0);
	assert_int_equal(notes_cosign_queue(f->db, f->a, f->practice, f->sup,
	    &q, &k), 0);
	assert_int_equal(k, 1);
	assert_int_equal(notes_cosign(f->db, f->ks, f->practice, f->patient, id,
	    PW, NULL, &ov, NULL), ALC_EPERM);
	assert_int_equal(notes_cosign(f->db, f->ks, f->practice, f->patient, id,
	    NULL, "Add the risk assessment.", &sv, NULL), 0);
	assert_int_equal(notes_get(f->db, f->ks, f->a, f->practice, f->patient,
	    id, &n), 0);
	assert_string_equal(n.status, "returned");
	assert_false(n.locked);
	assert_string_equal(n.return_comment, "Add the risk assessment.");
	assert_int_equal(notes_sign(f->db, f->ks, f->practice, f->patient, id,
	    PW, &ev, NULL), 0);
	assert_int_equal(notes_cosign(f->db, f->ks, f->practice, f->patient, id,
	    "wrong", NULL, &sv, NULL), ALC_EPERM);
	assert_int_equal(notes_cosign(f->db, f->ks, f->practice, f->patient, id,
	    PW, NULL, &sv, NULL), 0);
	assert_int_equal(notes_get(f->db, f->ks, f->a, f->practice, f->patient,
	    id, &n), 0);
	assert_string_equal(n.status, "cosigned");
	assert_true(n.locked);
	assert_true(n.cosigned_at > 0);
	assert_int_equal(notes_cosign_queue(f->db, f->a, f->practice, f->sup,
	    &q, &k), 0);
	assert_int_equal(k, 0);
}

static void
test_psychotherapy_notes_open_only_for_their_author(void **st)
{
	struct fx *f = *st;
	struct audit_event ev = who(f->user), sv = who(f->sup);
	struct psych_note p, *l;
	size_t k;
	int64_t id = 0;

	assert_int_equal(psychnotes_create(f->db, f->ks, f->practice,
	    f->patient, "Pelican harmonica dream", &ev, &id, NULL), 0);
	assert_false(blob_has(f, "psychotherapy_notes", "harmonica"));
	assert_int_equal(psychnotes_get(f->db, f->ks, f->a, f->practice,
	    f->patient, id, f->user, &p), 0);
	assert_string_equal(p.text, "Pelican harmonica dream");
	assert_int_equal(psychnotes_get(f->db, f->ks, f->a, f->practice,
	    f->patient, id, f->other, &p), ALC_ENOTFOUND);
	assert_int_equal(psychnotes_list(f->db, f->a, f->practice, f->patient,
	    f->other, &l, &k), 0);
	assert_int_equal(k, 0);
	/* The supervisor: only when the practice allows it. */
	assert_int_equal(notes_set_supervisor(f->db, f->practice, f->user,
	    f->sup, &sv, NULL), 0);
	assert_int_equal(psychnotes_get(f->db, f->ks, f->a, f->practice,
	    f->patient, id, f->sup, &p), ALC_ENOTFOUND);
	q64(f->db, "INSERT INTO settings (practice_id, key, value, updated_at) "
	    "VALUES (?, 'notes.psychotherapy_supervisor_access', '1', 0)",
	    f->practice, NULL);
	assert_int_equal(psychnotes_get(f->db, f->ks, f->a, f->practice,
	    f->patient, id, f->sup, &p), 0);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM audit_events WHERE "
	    "object_type = 'psychotherapy_note' AND sensitivity = "
	    "'psychotherapy_note'", 0, NULL), 1);
	assert_int_equal(psychnotes_create(f->db, f->ks, f->practice,
	    f->patient, "", &ev, &id, NULL), ALC_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_every_shipped_template_parses_with_typed_fields),
		cmocka_unit_test(test_diff_marks_removed_and_added_lines_per_field),
#define DBT(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
		DBT(test_drafts_keep_sealed_versions_and_signing_locks),
		DBT(test_a_note_signed_after_the_practice_limit_is_a_late_entry),
		DBT(test_supervisee_notes_are_returned_then_cosigned),
		DBT(test_psychotherapy_notes_open_only_for_their_author),
#undef DBT
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
