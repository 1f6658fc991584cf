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
 * supervisors only the patients of their care team (or with an active
 * break-glass grant), everyone on a restricted record only with
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

/* Ids of the patients on user_id's care team (live rows), for "my
 * patients" and for scheduling defaults.  Arena-allocated array. */
int patients_of_clinician(struct db *db, struct arena *a, int64_t practice_id,
    int64_t user_id, int64_t **ids, size_t *n);

#endif
