/*
 * dashboard.h - the compliance dashboard: one read of the whole HIPAA
 * program's state, a score from 0 to 100 that explains itself, and the
 * score's daily history (issue #8, "Dashboard and evidence").
 *
 * dashboard_gather() calls the modules that own each record - tasks
 * (compliance.h), incidents and their breach clocks (incident.h), vendors
 * (vendor.h), policies and training (policy.h, training.h), backups
 * (backup.h), audit reviews (audit_view.h) and patient-rights requests
 * (rights.h) - and keeps what the dashboard shows.  It writes nothing and
 * opens no sealed field: the program's state holds no PHI (incident
 * titles are returned, but the page shows them only to those who may
 * open incidents; rights requests carry no patient).
 *
 * The score is a pure function of counts (struct dash_facts), so its
 * rules are unit-tested and printed on the page from the same table
 * (dash_rules): start at 100, take off points for each kind of gap, each
 * kind capped so one neglected area cannot hide the others, never below 0.
 *
 * History: compliance_scores (0022_compliance_score.sql) holds one row per
 * practice and day (the practice's calendar day).  dashboard_record()
 * writes today's row when the dashboard is viewed: inserted the first
 * time, updated when the score or its facts changed since, untouched
 * otherwise (so most views write nothing).  Each write carries its audit
 * event (object_type "compliance_score") in the same transaction.
 *
 * Strings in results come from the caller's arena.
 */
#ifndef ALC_CORE_COMPLIANCE_DASHBOARD_H
#define ALC_CORE_COMPLIANCE_DASHBOARD_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct arena;
struct compliance_actor;
struct db;
struct keystore;

#define DASH_UPCOMING_DAYS 30        /* tasks due within this many days */
#define DASH_REVIEW_MAX_DAYS 35      /* a signed audit review at least ... */
#define DASH_HISTORY_DAYS 30         /* days of history shown */
#define DASH_MAX_ROWS 200            /* rows kept per list */

/* The counts the score is computed from. */
struct dash_facts {
	int64_t overdue_tasks;
	int64_t breaches_past_deadline; /* open incidents past a notice date */
	int64_t baa_missing;     /* vendors getting PHI without a current BAA */
	int64_t attestations;    /* staff x published policy not attested */
	int64_t training_overdue;
	int backup_stale;        /* no good backup within BACKUP_STALE_MS */
	int review_missing;      /* no review signed in DASH_REVIEW_MAX_DAYS */
};

enum dash_fact {
	DF_OVERDUE_TASKS, DF_BREACHES, DF_BAA_MISSING, DF_BACKUP_STALE,
	DF_REVIEW_MISSING, DF_ATTESTATIONS, DF_TRAINING, DF_COUNT
};

/* One rule of the score: points off per item (or once, for a yes/no
 * fact), at most `cap` in all. */
struct dash_rule {
	enum dash_fact fact;
	int per_item, cap;
	const char *text; /* "5 points for each overdue task (at most 30)" */
};
extern const struct dash_rule dash_rules[DF_COUNT];

/* What the score lost, per rule that applied. */
struct dash_deduction {
	enum dash_fact fact;
	int64_t count;   /* the items (1 for a yes/no fact) */
	int points;      /* taken off, after the cap */
	const char *text;/* the rule */
};

/* 100 minus every deduction, never below 0.  out (may be NULL) receives
 * the deductions that apply (at most DF_COUNT), *n their number. */
int dash_score(const struct dash_facts *f, struct dash_deduction *out,
    size_t *n);

struct dash_task {
	int64_t id, owner_id, backup_id;
	const char *title, *owner_name, *due, *rule;
	int64_t days;    /* due - today: negative when overdue */
};

struct dash_incident {
	int64_t id;
	const char *title, *status_label, *discovered_on;
	const char *next_what;  /* "Notify the individuals" ... */
	const char *next_due;   /* "YYYY-MM-DD" */
	int64_t days_left;      /* negative: past it */
	int past_deadline;      /* the individual notice date has passed */
};

struct dash_vendor {
	int64_t id;
	const char *name, *baa_status, *expires_on;
	int missing;            /* 1: no current BAA; 0: expiring soon */
	int64_t days_left;      /* expiring: days until expires_on */
};

struct dash_policy {
	int64_t id;
	const char *title;
	int version;
	int64_t attested, staff;
};

struct dash_person {
	const char *name, *due_on;
};

struct dash_request {
	int64_t id;
	const char *kind_label, *received_on, *due;
	int64_t days_left;
	int has_clock, overdue;
};

struct dashboard {
	struct caldate today;
	struct dash_task *overdue, *upcoming;
	size_t n_overdue, n_upcoming;
	struct dash_incident *incidents;
	size_t n_incidents;
	struct dash_vendor *vendors;
	size_t n_vendors;
	struct dash_policy *policies;  /* published, with attestations owed */
	size_t n_policies;
	struct dash_person *training;  /* staff past the new-hire deadline */
	size_t n_training;
	int64_t backup_ok_at, backup_fail_at; /* 0: none */
	int64_t review_signed_at;      /* newest sign-off; 0: none */
	const char *review_to;         /* the last day it covered */
	struct dash_request *requests; /* open patient-rights requests */
	size_t n_requests;
	struct dash_facts facts;
	int score;
	struct dash_deduction deductions[DF_COUNT];
	size_t n_deductions;
};

/* Reads the practice's program as of today (its calendar date) and now
 * (ms UTC); ks opens nothing but is needed by the rights module. */
int dashboard_gather(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, struct caldate today, int64_t now_ms,
    struct dashboard *out);

/* Writes today's history row when it is missing or differs (see above).
 * *written (may be NULL): 1 inserted, 2 updated, 0 left alone. */
int dashboard_record(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, struct caldate today,
    const struct dashboard *d, int *written);

struct dash_point {
	const char *day;
	int score;
};

/* The rows of the `days` days ending today, oldest first. */
int dashboard_history(struct db *db, struct arena *a, int64_t practice_id,
    struct caldate today, int days, struct dash_point **out, size_t *n);

/* The home page's "What needs you": uid's active tasks (owner or backup)
 * overdue or due within DASH_UPCOMING_DAYS, by due date, and how many
 * published policies uid has still to attest to. */
int dashboard_mine(struct db *db, struct arena *a, int64_t practice_id,
    int64_t uid, struct caldate today, struct dash_task **tasks, size_t *n,
    int64_t *policies_pending);

#endif
