/*
 * notes.h - clinical documentation: the template library, versioned and
 * signed notes with addenda, supervisor co-signing, and psychotherapy
 * notes kept apart from the record.
 *
 * Templates (templates.c) are JSON files shipped in data/templates/ and
 * embedded into the binary (Makefile, note_templates).  Each has a key and
 * a version; a note stores both, so a later edit of a template never
 * changes how an old note reads.  A template is sections of typed fields.
 *
 * Notes (store.c, migration 0019_notes.sql).  A note's field values are
 * one JSON object {"field key": "text"} sealed in notes.data (KS_GENERAL,
 * AD notes/data/id).  Every save bumps notes.version and keeps a sealed
 * copy in note_versions, so every version can be shown and compared
 * (diff.c, field by field and line by line).  Signing (sign.c) needs the
 * signer's password again (or a current sign-in code when they use MFA):
 * it sets signed_at/signed_by and locks the note.  A locked note is never
 * changed again: every write returns ALC_ECONFLICT ("This note is signed
 * and locked ...") and only addenda, themselves signed, may follow.  A
 * note signed more than notes.late_after_days (practice setting, default
 * NOTES_LATE_DAYS) after the session is marked a late entry.
 *
 * Co-signing: a clinician with a row in supervision (a supervisee) signs
 * into status cosign_pending with cosigner_id = their supervisor; the
 * supervisor co-signs (cosigned) or returns it with a comment (returned:
 * unlocked, back to the author, the comment kept until the next signing).
 *
 * Psychotherapy notes (psych.c, 45 CFR 164.501): their own table, sealed
 * with the practice's KS_PSYCHOTHERAPY key, visible only to the author
 * (and to the author's supervisor when the practice setting
 * notes.psychotherapy_supervisor_access is "1"); not part of any list,
 * export or other note.  The caller audits every read with sensitivity
 * "psychotherapy_note".
 *
 * Access: the routes gate the role (ACT_NOTE_WRITE, ACT_NOTE_COSIGN,
 * ACT_PATIENT_VIEW); the pages then require PATIENT_ACCESS_CLINICAL.
 * Reads leave their audit event to the caller; changes write theirs in
 * their own transaction (object "note", "note_addendum",
 * "psychotherapy_note").
 */
#ifndef ALC_CORE_NOTES_H
#define ALC_CORE_NOTES_H

#include <stddef.h>
#include <stdint.h>

struct alc_err;
struct arena;
struct audit_event;
struct db;
struct keystore;

#define NOTES_LATE_DAYS 3
#define NOTES_MAX_FIELDS 64
#define NOTES_VALUE_MAX 20000

/* ---- templates (templates.c) ---------------------------------------- */

enum note_field_type {
	NF_TEXT, NF_CHOICE, NF_MULTI, NF_DATE, NF_SCALE, NF_DIAGNOSIS,
	NF_MEASURE
};

struct note_field {
	const char *key, *label;
	enum note_field_type type;
	int required;
	const char **options;
	size_t n_options;
};

struct note_section {
	const char *title;
	struct note_field *fields;
	size_t n_fields;
};

struct note_template {
	const char *key, *name, *description;
	int version;
	struct note_section *sections;
	size_t n_sections;
};

/* Every shipped template, sorted by key, parsed into the arena. */
int note_templates_list(struct arena *a, struct note_template **out,
    size_t *n);
/* One template: key at version (0: the current one).  ALC_ENOTFOUND. */
int note_template_get(struct arena *a, const char *key, int version,
    struct note_template *out);
/* "text", "choice" ... for t; NF_TEXT for an unknown name. */
enum note_field_type note_field_type_parse(const char *s);

/* ---- notes (store.c, sign.c) ---------------------------------------- */

struct note_value {
	const char *key, *value;
};

struct note {
	int64_t id, patient_id, appointment_id, author_id;
	const char *author_name;
	const char *template_key;
	int template_version;
	int64_t service_at;
	int minutes;
	const char *cpt_code, *location;
	const char *status;  /* draft signed cosign_pending returned cosigned */
	int version;
	int locked;          /* signed, waiting for or with its co-signature */
	int64_t signed_at, signed_by;
	const char *signer_name;
	int late_entry;
	int64_t cosigner_id, cosigned_at;
	const char *cosigner_name, *return_comment;
	int64_t created_at, updated_at;
	struct note_value *values;  /* decrypted (notes_get only) */
	size_t n_values;
};

/* What a new note starts from: an appointment (appointment_id set, the
 * rest pre-filled by the caller from it) or the patient alone. */
struct note_new {
	int64_t patient_id, appointment_id;
	const char *template_key;
	int template_version;
	int64_t service_at;
	int minutes;
	const char *cpt_code, *location;
};

struct note_addendum {
	int64_t id, author_id;
	const char *author_name;
	int64_t signed_at;
	const char *text;
};

struct note_version {
	int version;
	const char *saved_by_name;
	int64_t saved_at;
	struct note_value *values;
	size_t n_values;
};

/* Creates a draft with its first version and the CREATE event (object
 * note, from who: its actor becomes the author).  *id gets the new id. */
int notes_create(struct db *db, struct keystore *ks, int64_t practice_id,
    const struct note_new *nn, const struct note_value *vals, size_t n,
    const struct audit_event *who, int64_t *id, struct alc_err *err);
/* Saves the draft's values as a new version (UPDATE event).  ALC_ENOTFOUND
 * (not this patient's), ALC_EPERM (not the author), ALC_ECONFLICT (signed
 * and locked: err->user says so). */
int notes_save(struct db *db, struct keystore *ks, int64_t practice_id,
    int64_t patient_id, int64_t note_id, const struct note_value *vals,
    size_t n, const struct audit_event *who, struct alc_err *err);
/* One note of the patient, decrypted into the arena.  ALC_ENOTFOUND. */
int notes_get(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id, int64_t note_id,
    struct note *out);
/* The patient's notes, newest session first, without their values. */
int notes_list(struct db *db, struct arena *a, int64_t practice_id,
    int64_t patient_id, struct note **out, size_t *n);
/* Every version of a note, oldest first, decrypted. */
int notes_versions(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t note_id, struct note_version **out,
    size_t *n);
/* The note's signed addenda, oldest first, decrypted. */
int notes_addenda(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t note_id, struct note_addendum **out,
    size_t *n);

/* Checks secret (the user's password, or a current MFA code when MFA is
 * on): 0 or ALC_EPERM (err->user says what to do). */
int notes_check_secret(struct db *db, struct keystore *ks, int64_t user_id,
    const char *secret, const struct audit_event *who, struct alc_err *err);
/* Signs and locks the author's draft (or returned note) after checking
 * secret; late entry per practice setting; a supervisee's note goes to
 * the supervisor's queue.  ALC_EPERM (bad secret / not the author),
 * ALC_ECONFLICT (already locked), ALC_ENOTFOUND. */
int notes_sign(struct db *db, struct keystore *ks, int64_t practice_id,
    int64_t patient_id, int64_t note_id, const char *secret,
    const struct audit_event *who, struct alc_err *err);
/* Adds a signed addendum to a locked note (secret checked as for
 * signing).  ALC_ECONFLICT when the note is still a draft. */
int notes_add_addendum(struct db *db, struct keystore *ks,
    int64_t practice_id, int64_t patient_id, int64_t note_id,
    const char *text, const char *secret, const struct audit_event *who,
    struct alc_err *err);
/* The supervisor (who's actor, the note's cosigner) co-signs (secret
 * checked) or returns the note with a comment (return_comment non-NULL).
 * ALC_EPERM (not the cosigner / bad secret), ALC_ECONFLICT (not waiting
 * for a co-signature). */
int notes_cosign(struct db *db, struct keystore *ks, int64_t practice_id,
    int64_t patient_id, int64_t note_id, const char *secret,
    const char *return_comment, const struct audit_event *who,
    struct alc_err *err);

/* Notes waiting for user_id's co-signature (any patient). */
int notes_cosign_queue(struct db *db, struct arena *a, int64_t practice_id,
    int64_t user_id, struct note **out, size_t *n);

/* An appointment that still needs a signed note. */
struct note_due {
	int64_t appointment_id, patient_id, start_at;
	int64_t draft_id;          /* 0: no note started */
};
/* user_id's completed appointments without a signed note, oldest first. */
int notes_due(struct db *db, struct arena *a, int64_t practice_id,
    int64_t user_id, struct note_due **out, size_t *n);

/* Fills nn's session details from appointment appt_id of the practice
 * when patient_id is one of its patients (service time, minutes, the
 * type's CPT code, the location with "(telehealth)").  Strings in the
 * arena.  ALC_ENOTFOUND otherwise. */
int notes_from_appointment(struct db *db, struct arena *a,
    int64_t practice_id, int64_t appt_id, int64_t patient_id,
    struct note_new *nn);

/* Sets (supervisor_id > 0) or clears the supervisor of a pre-licensed
 * clinician, with a PRIV_CHANGE event (object supervision). */
int notes_set_supervisor(struct db *db, int64_t practice_id,
    int64_t supervisee_id, int64_t supervisor_id,
    const struct audit_event *who, struct alc_err *err);

/* The practice's integer setting key (default def when unset). */
int notes_setting(struct db *db, int64_t practice_id, const char *key,
    int def);

/* ---- the diff (diff.c) ---------------------------------------------- */

struct note_diff_line {
	char op;                   /* ' ' same, '-' removed, '+' added */
	const char *text;
};

struct note_diff_field {
	const char *label;
	int changed;
	struct note_diff_line *lines;
	size_t n_lines;
};

/* Field by field (in the template's order; keys missing from t last),
 * line by line (longest common subsequence) from a to b. */
int notes_diff(struct arena *a, const struct note_template *t,
    const struct note_value *from, size_t n_from,
    const struct note_value *to, size_t n_to,
    struct note_diff_field **out, size_t *n);
/* The value of key in vals, or NULL. */
const char *notes_value(const struct note_value *vals, size_t n,
    const char *key);

/* ---- psychotherapy notes (psych.c) ---------------------------------- */

struct psych_note {
	int64_t id, patient_id, author_id;
	const char *author_name;
	int64_t created_at, updated_at;
	const char *text;
};

/* Creates one for the patient by who's actor (CREATE event, sensitivity
 * psychotherapy_note).  *id gets its id. */
int psychnotes_create(struct db *db, struct keystore *ks,
    int64_t practice_id, int64_t patient_id, const char *text,
    const struct audit_event *who, int64_t *id, struct alc_err *err);
/* The psychotherapy notes of the patient that viewer may read (their own;
 * their supervisees' when the practice allows), newest first, without
 * text. */
int psychnotes_list(struct db *db, struct arena *a, int64_t practice_id,
    int64_t patient_id, int64_t viewer, struct psych_note **out, size_t *n);
/* One, decrypted, when viewer may read it; ALC_ENOTFOUND otherwise (the
 * same answer as for a note that does not exist). */
int psychnotes_get(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id, int64_t id, int64_t viewer,
    struct psych_note *out);

#endif
