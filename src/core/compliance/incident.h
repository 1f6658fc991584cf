/*
 * incident.h - security and privacy incidents and their breach
 * assessment (45 CFR 164.402-164.414; issue #8).
 *
 * Any staff member reports an incident (what happened, the day it was
 * discovered); reporting anonymously stores no reporter at all - not in
 * the incident, not on its timeline, not in the audit event (which then
 * carries the role "anonymous" and no session, address or request id).
 *
 * Every action and decision is an entry on the incident's timeline
 * (incident_events: who, when, kind, text), which the database itself
 * keeps append-only (triggers in 0015 on both engines).
 *
 * Workflow: triage -> investigation -> determination -> mitigation ->
 * closed.  A manager may move an incident to any state, except that
 * mitigation and closed need an approved determination.
 *
 * The assessment: the three exceptions of 164.402(1), the four factors of
 * 164.402(2) each rated low/medium/high with a narrative, the affected
 * counts (total and per state), a law-enforcement delay, and the proposed
 * determination.  Saving it records who assessed it and withdraws any
 * earlier approval; a second person who manages incidents (never the
 * assessor) approves it, which fixes the determination date.
 *
 * Clocks: breach.c computes the deadlines from the discovery date.  They
 * run for every incident not yet determined to be "not a breach" or "low
 * probability of compromise": until an approved determination says
 * otherwise, an incident is presumed a breach (164.402(2)).
 *
 * Every change writes its audit event (object_type "incident") in the
 * same transaction; nothing is deleted; retain_until is 6 years.
 * Strings in results come from the caller's arena.
 */
#ifndef ALC_CORE_COMPLIANCE_INCIDENT_H
#define ALC_CORE_COMPLIANCE_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"
#include "core/compliance/breach.h"

struct alc_err;
struct arena;
struct compliance_actor;
struct db;

#define INCIDENT_TITLE_MAX 200
#define INCIDENT_TEXT_MAX 4000
#define INCIDENT_MAX_LIST 500
#define INCIDENT_MAX_EVENTS 1000
#define INCIDENT_NFACTORS 4
#define INCIDENT_NEXCEPTIONS 3

/* "triage" ... "closed"; their labels "Triage" ... "Closed". */
extern const char *const incident_status_names[5];
extern const char *const incident_status_labels[5];
/* 164.402(2)(i)-(iv) and 164.402(1)(i)-(iii) in plain words. */
extern const char *const incident_factor_labels[INCIDENT_NFACTORS];
extern const char *const incident_exception_labels[INCIDENT_NEXCEPTIONS];
/* "A breach", "Not a breach", "Low probability of compromise" for
 * "breach", "not_breach", "low_probability"; NULL otherwise. */
const char *incident_determination_label(const char *d);

struct incident_report {
	const char *title;         /* required, <= 200 bytes */
	const char *description;   /* required, <= 4000 bytes */
	const char *discovered_on; /* required "YYYY-MM-DD", not after today */
	int anonymous;
};

struct incident_factor {
	const char *rating; /* "low", "medium", "high" */
	const char *text;
};

struct incident_assessment {
	int exc[INCIDENT_NEXCEPTIONS];
	const char *exc_rationale;
	struct incident_factor f[INCIDENT_NFACTORS];
	const char *determination; /* "breach", "not_breach", "low_probability" */
	int64_t affected;
	/* Per-state counts, one "STATE COUNT" per line ("NY 501"). */
	const char *states;
	const char *delay_kind;    /* "none", "written", "oral" */
	const char *delay_stated_on, *delay_until; /* "YYYY-MM-DD" or ""/NULL */
};

struct incident {
	int64_t id;
	const char *title, *description, *discovered_on;
	const char *reporter_name; /* NULL: anonymous */
	int anonymous;
	const char *status;
	struct incident_assessment as;
	const char *assessed_by_name, *approved_by_name; /* NULL: none */
	int64_t assessed_by, approved_by, assessed_at, approved_at;
	const char *determined_on;
	struct breach_state_count *states;
	size_t n_states;
	const char *states_text;   /* as entered, for the form */
	const char *retain_until;
	int64_t created_at;
};

struct incident_event {
	int64_t at_ms;
	const char *actor_name; /* NULL: anonymous or the system */
	const char *kind, *body;
};

/* Reports an incident; today is the practice's date. */
int incident_report(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const struct incident_report *in,
    struct caldate today, int64_t *id, struct alc_err *err);
int incident_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct incident *out);
/* Open incidents (all when with_closed), newest first. */
int incident_list(struct db *db, struct arena *a, int64_t practice_id,
    int with_closed, struct incident **out, size_t *n);
int incident_timeline(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct incident_event **out, size_t *n);
/* Adds a note to the timeline. */
int incident_note(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, const char *text,
    struct alc_err *err);
/* Moves the incident to state `to` (a name above).  ALC_ECONFLICT for
 * mitigation/closed without an approved determination. */
int incident_set_status(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, const char *to,
    struct alc_err *err);
/* Saves the assessment (withdrawing any approval). */
int incident_assess(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct incident_assessment *in, struct alc_err *err);
/* Approves the saved determination: a manager other than the assessor
 * (ALC_EPERM otherwise); today becomes the determination date. */
int incident_approve(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, struct caldate today,
    struct alc_err *err);

/* 1 when the clocks run for inc (see above). */
int incident_clocks_run(const struct incident *inc);
/* The deadlines of inc from breach.c. */
int incident_clocks(const struct incident *inc, struct breach_clocks *out,
    struct alc_err *err);

/* The annual log of breaches under 500 (164.408(c)) of calendar year
 * `year` as CSV into out (an arena string). */
int incident_hhs_log_csv(struct db *db, struct arena *a, int64_t practice_id,
    int year, const char **out, size_t *rows);

/* --- shared by the incident*.c files; not for other callers ---------- */
struct db_conn;
/* Appends a timeline entry on c (actor 0: none). */
int inc_event(struct db_conn *c, int64_t pid, int64_t id, int64_t actor,
    const char *kind, const char *body);
/* ALC_EINVAL with err->user = user. */
int inc_invalid(struct alc_err *err, const char *user);
int inc_load(struct db_conn *c, struct arena *a, int64_t pid, int64_t id,
    struct incident *out);
int inc_exists(struct db_conn *c, int64_t pid, int64_t id);
int inc_touch(struct db_conn *c, int64_t pid, int64_t id);

#endif
