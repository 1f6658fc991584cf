/*
 * training.h - workforce training records (45 CFR 164.308(a)(5),
 * 164.530(b); issue #8).
 *
 * A record says who completed which course on which date, for how many
 * hours (kept in tenths), from which provider, with a note of the
 * evidence (certificate number, where the file is kept) and an optional
 * expiry date.  A record past its expiry date is flagged expired; one
 * expiring within TRAINING_EXPIRY_WARN_DAYS is flagged expiring.
 *
 * New-hire training: the practice setting training_due_days (default 30)
 * says how soon after their account was created a person must have a
 * training record; training_overdue() lists the active staff past that
 * date without any record.
 *
 * Records hold no PHI.  They are retired, never deleted; every change
 * writes its audit event (object_type "training_record"; the setting
 * "training_settings", verb CONFIG_CHANGE) in its transaction.
 */
#ifndef ALC_CORE_COMPLIANCE_TRAINING_H
#define ALC_CORE_COMPLIANCE_TRAINING_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct alc_err;
struct arena;
struct compliance_actor;
struct db;

#define TRAINING_TEXT_MAX 2000
#define TRAINING_NAME_MAX 200
#define TRAINING_MAX_LIST 1000
#define TRAINING_EXPIRY_WARN_DAYS 60
#define TRAINING_DUE_DAYS_DEFAULT 30

struct training_input {
	int64_t user_id;            /* an active staff member */
	const char *course;         /* required */
	const char *completed_on;   /* "YYYY-MM-DD", required */
	int hours_tenths;           /* 0..10000 */
	const char *provider, *evidence;
	const char *expires_on;     /* "" or NULL: does not expire */
};

struct training_record {
	int64_t id;
	struct training_input f;
	const char *person;
};

enum training_expiry {
	TRAINING_OK,
	TRAINING_EXPIRING, /* within TRAINING_EXPIRY_WARN_DAYS */
	TRAINING_EXPIRED,  /* expires_on is before today */
};

/* A staff member past the new-hire deadline without a training record. */
struct training_overdue {
	int64_t user_id;
	const char *name, *email, *due_on;
};

int training_add(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const struct training_input *in,
    int64_t *id, struct alc_err *err);
/* ALC_ENOTFOUND for an absent or already retired record. */
int training_retire(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, struct alc_err *err);
/* Active records of the practice (of user_id only when > 0), newest
 * completion first. */
int training_list(struct db *db, struct arena *a, int64_t practice_id,
    int64_t user_id, struct training_record **out, size_t *n);
enum training_expiry training_expiry(const char *expires_on,
    struct caldate today);

/* The new-hire deadline in days (TRAINING_DUE_DAYS_DEFAULT when unset). */
int training_due_days(struct db *db, int64_t practice_id, int *days);
/* ALC_EINVAL with err->user unless 1 <= days <= 365. */
int training_set_due_days(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int days, struct alc_err *err);
/* Active staff whose account is older than the deadline on `today` and
 * who have no active training record. */
int training_overdue(struct db *db, struct arena *a, int64_t practice_id,
    struct caldate today, struct training_overdue **out, size_t *n);

/* --- the sanctions and complaints logs (training_log.c) ------------------
 * 164.530(d) and (e): append-only.  The person and the details may hold
 * PHI (a complainant is often a patient), so both are sealed with the
 * keystore (purpose general); the action taken is plain text and must
 * not hold PHI.  Reading the log is a PHI read: the web layer writes its
 * VIEW audit event before sending the page. */

struct keystore;

enum workforce_log_kind { WFLOG_SANCTION, WFLOG_COMPLAINT };

struct workforce_entry {
	int64_t id;
	enum workforce_log_kind kind;
	const char *occurred_on;  /* "YYYY-MM-DD" */
	const char *person;       /* sealed at rest */
	const char *details;      /* sealed at rest */
	const char *action_taken; /* plain */
	const char *recorded_by;  /* a name (on reading) */
};

/* ALC_EINVAL with err->user for a missing person/details or a bad
 * date. */
int workforce_log_add(struct db *db, struct keystore *ks,
    int64_t practice_id, const struct compliance_actor *who,
    const struct workforce_entry *in, int64_t *id, struct alc_err *err);
/* Entries of one kind, newest first, opened into arena a. */
int workforce_log_list(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, enum workforce_log_kind kind,
    struct workforce_entry **out, size_t *n);

#endif
