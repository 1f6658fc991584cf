/*
 * patients.h - patient records: registration, search over encrypted
 * fields, care teams, break-glass, duplicates and merges.
 *
 * Schema: migration 0012_patients.sql.  Every identifying field is sealed
 * with the practice's data key (core/keys/keystore.h) and searched through
 * blind indexes, so the database never holds a name in the clear.
 *
 * Access is decided in two steps.  The route's action (web/authz.c) says
 * whether the role may work with patients at all; patients_access() then
 * says what this person may see of this patient: clinicians and
 * supervisors only the patients of their care team or of the care team of
 * someone they supervise (or with an active break-glass grant), everyone on a restricted record only with
 * break-glass unless they are on its team or an owner.
 *
 * Every function that returns PHI to a caller leaves the audit event to
 * that caller, who knows what was shown (a page view, a search result, a
 * calendar); every change writes its audit event in its own transaction,
 * from the who/where the caller passes (see web/audit_web.h).
 */
#ifndef ALC_CORE_PATIENTS_H
#define ALC_CORE_PATIENTS_H

#include <stddef.h>
#include <stdint.h>

struct alc_err;
struct arena;
struct audit_event;
struct db;
struct keystore;

/* Who is asking: the practice, the person and their roles (ROLE_* bits
 * from core/users/users.h). */
struct patient_actor {
	int64_t practice_id;
	int64_t user_id;
	unsigned roles;
};

/* What the actor may see of one patient. */
enum patient_access {
	PATIENT_ACCESS_NONE = 0,      /* nothing: break-glass may open it */
	PATIENT_ACCESS_DEMOGRAPHIC = 1, /* registration, contact, insurance,
				       * schedule: front desk, billing */
	PATIENT_ACCESS_CLINICAL = 2   /* the whole chart: care team, owner,
				       * break-glass */
};

/* Decides access at now_ms (break-glass grants expire).  *via_break_glass
 * (may be NULL) is set to 1 when only an active break-glass grant gives
 * the access, so the caller marks its audit event.  0, ALC_ENOTFOUND
 * (no such patient in the actor's practice, or merged away), ALC_EDB. */
int patients_access(struct db *db, const struct patient_actor *who,
    int64_t patient_id, int64_t now_ms, enum patient_access *out,
    int *via_break_glass);

/* What lists and calendars show of a patient.  Strings live in the arena
 * given to the call. */
struct patient_brief {
	int64_t id;
	const char *chart_no;     /* "P-000123" */
	const char *display_name; /* "Preferred Last" or "First Last" */
	const char *sort_name;    /* "last, first" lower-cased, for sorting */
	const char *initials;     /* "J.D." for PHI-free places */
	const char *dob;          /* "YYYY-MM-DD" */
	const char *status;       /* "active" ... */
	int part2, restricted, staff_patient;
};

/* The briefs of n patients of the practice, in the order of ids, into
 * out[0..n-1] (ids not found or merged: display_name "(unknown patient)"
 * and id 0).  For calendars and lists: no access check here, so the caller
 * must only show what its route allows, and audit what it shows. */
int patients_briefs(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, const int64_t *ids, size_t n,
    struct patient_brief *out);

/* Finds patients by what was typed: a last or first name (one or more
 * tokens, all must match), a birth date ("YYYY-MM-DD" or "MM/DD/YYYY"),
 * a phone number, an e-mail address or a chart number.  Exact match on
 * normalised values (blind indexes), merged records excluded, at most max
 * results sorted by name; *n gets the count.  ALC_EINVAL (err->user says
 * why) when the query is empty or cannot be a name, date, phone or e-mail. */
int patients_search(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, const char *query, size_t max,
    struct patient_brief **out, size_t *n, struct alc_err *err);

/* Ids of the patients on user_id's care team (live rows) or on the care
 * team of someone user_id supervises (supervision table), for "my
 * patients" and for the names on the calendar.  Arena-allocated array. */
int patients_of_clinician(struct db *db, struct arena *a, int64_t practice_id,
    int64_t user_id, int64_t **ids, size_t *n);

/* ------------------------------------------------------------------ */
/* The record (record.c).                                              */

#define PATIENT_MAX_REPS 3
#define PATIENT_BREAK_GLASS_REASON_MIN 10

/* A personal representative or guardian (45 CFR 164.502(g)). */
struct patient_rep {
	const char *name, *relationship, *phone, *authority;
};

/* The whole record, decrypted.  Strings NULL or "" when absent; the
 * strings of a loaded record live in the arena of the call. */
struct patient_record {
	int64_t id;
	const char *chart_no;
	int64_t version;          /* optimistic locking: pass back on update */
	const char *status;       /* inquiry active inactive discharged merged */
	int part2, staff_patient, restricted;
	int64_t merged_into;
	/* The staff account (staff_link.c; patients_get and the record's own
	 * create/update leave it alone). */
	int64_t staff_user_id;
	/* Sealed in patients.name. */
	const char *legal_first, *legal_last, *preferred, *pronouns;
	const char *dob;          /* "YYYY-MM-DD", sealed in patients.dob */
	/* Sealed in patients.profile. */
	const char *sex, *gender_identity;
	const char *phone, *email, *address;
	int ok_voicemail, ok_email, ok_text; /* per-channel consent */
	/* Confidential communication (45 CFR 164.522(b)): when set, the
	 * practice must use these instead of the usual address and phone. */
	const char *conf_address, *conf_phone, *conf_note;
	const char *emergency_name, *emergency_relationship, *emergency_phone;
	struct patient_rep reps[PATIENT_MAX_REPS];
	const char *ins_payer, *ins_member_id, *ins_group, *ins_subscriber,
	    *ins_relation;
	int64_t created_at, updated_at;
};

/* One field's problem, for the form: field is the form name ("dob"). */
struct patient_field_error {
	const char *field, *message;
};
#define PATIENT_MAX_ERRORS 16

/* Checks rec; fills errs (at most PATIENT_MAX_ERRORS) and *n.  now_ms
 * decides what "in the future" means for the birth date.  Returns 0 when
 * valid, ALC_EINVAL otherwise. */
int patients_validate(const struct patient_record *rec, int64_t now_ms,
    struct patient_field_error *errs, size_t *n);

/* Registers a patient (rec validated by the caller; status NULL means
 * "active"): chart number, sealed fields, blind indexes and the CREATE
 * event (from who: web_audit_who) in one transaction.  *id and *chart_no
 * (arena) receive the new record's. */
int patients_create(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, const struct patient_record *rec,
    const struct audit_event *who, int64_t *id, const char **chart_no,
    struct alc_err *err);

/* Replaces the record's fields with rec's when rec->version is still the
 * stored version (ALC_ECONFLICT, err->user says so, otherwise: somebody
 * saved in between).  Writes UPDATE with the names of the changed fields. */
int patients_update(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id,
    const struct patient_record *rec, const struct audit_event *who,
    struct alc_err *err);

/* Loads and decrypts one record of the practice (merged ones too:
 * status "merged", merged_into set).  ALC_ENOTFOUND. */
int patients_get(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id, struct patient_record *out);

/* For the blind-index key's rotation: recomputes the blind indexes of
 * the next at most batch patients (every practice) after id after under
 * each practice's active blind-index key, on c inside the caller's
 * transaction; *last receives the last id done, *count how many (0: no
 * more).  ALC_ECRYPTO when a record does not open. */
struct db_conn;
int patients_reindex_batch(struct db_conn *c, struct keystore *ks,
    int64_t after, int batch, int64_t *last, int *count);

/* Possible duplicates of rec among the practice's live records: same
 * birth date and last name, or same phone, or same e-mail.  exclude_id
 * (0: none) is left out.  Briefs in the arena, at most max. */
int patients_duplicates(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, const struct patient_record *rec, int64_t exclude_id,
    size_t max, struct patient_brief **out, size_t *n);

/* The id of the live record with this chart number ("P-000012", "p12").
 * ALC_ENOTFOUND. */
int patients_by_chart(struct db *db, int64_t practice_id, const char *chart,
    int64_t *id);

/* ------------------------------------------------------------------ */
/* Care teams (careteam.c).  Changes are audited as PRIV_CHANGE on      */
/* object "care_team" with the patient's id: joining a team is gaining */
/* access to a chart.                                                  */

struct care_member {
	int64_t user_id;
	const char *name;  /* users.display_name */
	const char *role;  /* "primary", "clinician", "supervisor" */
	int64_t added_at;
};

int patients_team(struct db *db, struct arena *a, int64_t practice_id,
    int64_t patient_id, struct care_member **out, size_t *n);
/* Adds user_id (an active staff member holding the clinician or
 * supervisor role here) with role; a new primary makes the old one a
 * plain clinician.  Already on the team: the role is changed.  ALC_EINVAL
 * (err->user) for someone who cannot be on a team. */
int patients_team_add(struct db *db, int64_t practice_id, int64_t patient_id,
    int64_t user_id, const char *role, const struct audit_event *who,
    struct alc_err *err);
/* Ends user_id's membership (the row is kept).  ALC_ENOTFOUND. */
int patients_team_remove(struct db *db, int64_t practice_id,
    int64_t patient_id, int64_t user_id, const struct audit_event *who);

/* Staff who may join a care team (active, clinician or supervisor). */
int patients_team_candidates(struct db *db, struct arena *a,
    int64_t practice_id, struct care_member **out, size_t *n);

/* ------------------------------------------------------------------ */
/* Break-glass (access.c).                                             */

/* Grants who->user_id access to the patient for the practice's
 * break-glass time (settings.h, default 60 minutes) from now_ms,
 * writing BREAK_GLASS (reason in the event's reason) in the
 * same transaction.  ALC_EINVAL (err->user) when the reason is shorter
 * than PATIENT_BREAK_GLASS_REASON_MIN characters. */
int patients_break_glass(struct db *db, const struct patient_actor *who,
    int64_t patient_id, const char *reason, int64_t now_ms,
    const struct audit_event *ev_who, int64_t *expires_at,
    struct alc_err *err);

struct break_glass_row {
	int64_t id, patient_id, user_id;
	const char *user_name, *reason, *chart_no;
	int64_t started_at, expires_at, reviewed_at;
	const char *reviewer_name, *review_note;
};

/* The practice's grants, newest first: open_only, those not reviewed. */
int patients_break_glass_list(struct db *db, struct arena *a,
    int64_t practice_id, int open_only, size_t max,
    struct break_glass_row **out, size_t *n);
/* Marks a grant reviewed with a note (AUDIT_REVIEW on object
 * "break_glass").  ALC_ENOTFOUND, or ALC_ECONFLICT when already reviewed. */
int patients_break_glass_review(struct db *db, int64_t practice_id,
    int64_t grant_id, const char *note, const struct audit_event *who,
    struct alc_err *err);

/* ------------------------------------------------------------------ */
/* Merging duplicates (merge.c).                                       */

struct db_conn;

/* Called inside the merge's transaction, after the patients' rows are
 * updated, to move a module's rows from the duplicate `from` to the
 * survivor `to`.  Return 0 or a negative ALC_E* (the merge is rolled
 * back).  The table of hooks is in merge.c. */
typedef int (*patient_merge_hook)(struct db_conn *, int64_t practice_id,
    int64_t from, int64_t to);

/* Merges duplicate into survivor: the duplicate becomes status 'merged'
 * with merged_into, its care team joins the survivor's, a patient_merges
 * row records it, the hooks run, and both patients get an UPDATE event.
 * ALC_EINVAL (err->user) for the same record twice, a reason missing, or
 * a record already merged; ALC_ENOTFOUND. */
int patients_merge(struct db *db, int64_t practice_id, int64_t survivor,
    int64_t duplicate, const char *reason, const struct audit_event *who,
    struct alc_err *err);

/* ------------------------------------------------------------------ */
/* The staff account of a "staff member as patient" record (staff_link.c). */

struct patient_staff_choice {
	int64_t user_id;
	const char *name;
};

/* *user_id: the linked staff user, 0 when none. */
int patients_staff_link_get(struct db *db, int64_t practice_id,
    int64_t patient_id, int64_t *user_id);
/* Links the record to user_id (0: unlinks) with an UPDATE audit event
 * from who, in one transaction.  ALC_EINVAL when user_id is not a member
 * of the practice or the record is not flagged staff_patient. */
int patients_staff_link_set(struct db *db, int64_t practice_id,
    int64_t patient_id, int64_t user_id, struct audit_event *who);
/* The practice's staff (up to 64, by name) for the form's picker. */
int patients_staff_choices(struct db *db, struct arena *a,
    int64_t practice_id, struct patient_staff_choice **out, size_t *n);

#endif
