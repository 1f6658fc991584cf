/*
 * rights.h - patients' individual-rights requests with their legal
 * clocks, the disclosure log and the accounting of disclosures
 * (45 CFR 164.522, 164.524, 164.526, 164.528; issue #11, first slice).
 *
 * Clocks (clock.c, pure).  Calendar days in the practice's zone from the
 * day the request was RECEIVED (as entered; it may be before the day it
 * was typed in): access 30 days, amendment and accounting 60, each with
 * ONE extension of 30 days whose written notice must be recorded within
 * the first period.  Restriction and confidential-communication requests
 * have no federal clock ("decide promptly").  A practice may shorten the
 * first period for its state (rights_settings), never lengthen it; the
 * extension then still adds 30 days to the shortened period.
 *
 * Requests (requests.c).  What exactly is asked, the representative's
 * name and authority, and the third party an access copy goes to are PHI:
 * they are sealed (keystore, purpose general, rights_requests/details/id).
 * Decisions: granted, partially granted or denied with grounds from the
 * fixed lists of 164.524(a)(2) (unreviewable) and (a)(3) (reviewable); a
 * denial on a reviewable ground may go to a reviewer who did not take
 * part in the denial (the decider is refused).  Fulfilment records how
 * and when; fulfilling an access request to a third party records a
 * disclosure in the same transaction.
 *
 * Disclosures (disclosures.c).  Every release outside the practice, with
 * a legal basis from a fixed list; the recipient, address, description
 * and purpose are sealed (disclosures/body/id).
 *
 * Accounting (accounting.c).  From the disclosure log: the 6 years before
 * the day asked (or a shorter period), without what 164.528(a)(1)
 * excludes, repeated disclosures to one recipient for one purpose folded
 * into one line; each accounting provided is recorded with its fee (the
 * first in 12 months is free).
 *
 * Every change writes its audit event (object types "rights_request",
 * "disclosure", "accounting", "rights_settings") in its transaction; the
 * caller passes who/where (web/audit_web.h).  Reads leave their VIEW
 * event to the page that shows them.  Strings in results live in the
 * caller's arena.
 */
#ifndef ALC_CORE_RIGHTS_H
#define ALC_CORE_RIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct alc_err;
struct arena;
struct audit_event;
struct db;
struct keystore;

/* ---- clocks (clock.c) ------------------------------------------------ */

enum rights_kind {
	RK_ACCESS, RK_AMENDMENT, RK_ACCOUNTING, RK_RESTRICTION,
	RK_CONFIDENTIAL, RK_COUNT
};
#define RIGHTS_EXTENSION_DAYS 30
#define RIGHTS_RULE_MAX 300

/* "access" ... "confidential" and their labels; -1 for an unknown name. */
extern const char *const rights_kind_names[RK_COUNT];
extern const char *const rights_kind_labels[RK_COUNT];
int rights_kind_parse(const char *s);
/* The federal first period in days (0: no federal clock). */
int rights_federal_days(enum rights_kind k);

struct rights_clock {
	int has_clock;             /* 0: restriction, confidential comms */
	struct caldate first_due;  /* received + the (state) first period */
	struct caldate due;        /* first_due, or extended */
	int extended;
	int64_t days_left;         /* due - today; negative when overdue */
	int overdue;
	char rule[RIGHTS_RULE_MAX];/* the rule in plain words */
};

/* The clock of a request of kind k received on `received`; state_days
 * 0 or the practice's shorter first period; ext_notice NULL or the day
 * the extension notice was sent.  ALC_EINVAL for an invalid date. */
int rights_clock(enum rights_kind k, struct caldate received, int state_days,
    const struct caldate *ext_notice, struct caldate today,
    struct rights_clock *out);
/* May an extension whose notice went out on notice_on be recorded?  0;
 * ALC_EINVAL (err->user) for a kind without extension, a notice before
 * receipt, after today or after the first period; ALC_ECONFLICT for a
 * second extension (already_extended). */
int rights_extension_check(enum rights_kind k, struct caldate received,
    int state_days, int already_extended, struct caldate notice_on,
    struct caldate today, struct alc_err *err);

/* ---- grounds and bases (clock.c: fixed lists) ------------------------ */

struct rights_code {
	const char *code, *label, *cite;
	int flag;   /* grounds: 1 reviewable; bases: 1 excluded from accounting */
};
extern const struct rights_code rights_grounds[];
extern const size_t rights_grounds_count;
extern const struct rights_code rights_bases[];
extern const size_t rights_bases_count;
const struct rights_code *rights_ground(const char *code);
const struct rights_code *rights_basis(const char *code);
/* Disclosures before this date are excluded (164.528(a)(1)(ix)). */
#define RIGHTS_COMPLIANCE_DATE "2003-04-14"

/* ---- settings (requests.c) ------------------------------------------- */

/* The practice's first periods (0: federal) for access, amendment,
 * accounting, and the privacy contact for denial letters. */
struct rights_settings {
	int days[RK_COUNT];
	const char *contact;  /* "Privacy officer, (555) 123-4567" */
};
int rights_settings_get(struct db *db, struct arena *a, int64_t practice_id,
    struct rights_settings *out);
/* ALC_EINVAL (err->user) for a period longer than the federal one. */
int rights_settings_set(struct db *db, int64_t practice_id,
    const struct rights_settings *in, const struct audit_event *who,
    struct alc_err *err);

/* ---- requests (requests.c) ------------------------------------------- */

#define RIGHTS_TEXT_MAX 4000
#define RIGHTS_SHORT_MAX 300
#define RIGHTS_MAX_LIST 500

struct rights_request_input {
	enum rights_kind kind;
	const char *access_form; /* access: "inspect", "paper", "electronic" */
	const char *send_to;     /* access: "patient", "third_party" */
	const char *third_party, *third_party_address; /* sealed */
	const char *requester;   /* "patient", "representative" */
	const char *rep_name, *rep_authority;          /* sealed */
	const char *channel;     /* "phone", "letter", "portal", "in_person" */
	const char *received_on; /* "YYYY-MM-DD", not after today */
	const char *asked;       /* sealed: what exactly is asked */
};

struct rights_request {
	int64_t id, patient_id;
	enum rights_kind kind;
	const char *access_form, *send_to, *third_party, *third_party_address;
	const char *requester, *rep_name, *rep_authority, *channel;
	const char *received_on, *asked;
	int64_t entered_at;
	const char *entered_by_name;
	const char *status;      /* "open", "decided", "fulfilled" */
	const char *ext_notice_on, *ext_reason; /* NULL: not extended */
	const char *decision;    /* NULL, "granted", "partial", "denied" */
	const char *grounds;     /* comma-separated codes */
	const char *decision_note;
	int64_t decided_by;
	const char *decided_by_name, *decided_on;
	int64_t reviewer_id;
	const char *reviewer_name;
	const char *fulfilled_on, *fulfilled_how;
	struct rights_clock clock; /* computed against today */
	const char *next_action;
};

/* Records a request; today in the practice's zone. */
int rights_request_create(struct db *db, struct keystore *ks,
    int64_t practice_id, int64_t patient_id,
    const struct rights_request_input *in, struct caldate today,
    const struct audit_event *who, int64_t *id, struct alc_err *err);
/* One request (details opened), clock against today.  ALC_ENOTFOUND. */
int rights_request_get(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t id, struct caldate today,
    struct rights_request *out);
/* A patient's requests (patient_id > 0), newest first, or every open
 * request of the practice (patient_id 0), by due date (no clock last).
 * Sealed details are not opened for lists. */
int rights_request_list(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id, struct caldate today,
    struct rights_request **out, size_t *n);
int rights_request_extend(struct db *db, int64_t practice_id, int64_t id,
    const char *notice_on, const char *reason, struct caldate today,
    const struct audit_event *who, struct alc_err *err);
/* decision "granted", "partial", "denied"; grounds (denied/partial:
 * at least one) codes from rights_grounds. */
int rights_request_decide(struct db *db, int64_t practice_id, int64_t id,
    const char *decision, const char *const *grounds, size_t n_grounds,
    const char *note, struct caldate today, const struct audit_event *who,
    struct alc_err *err);
/* Sends a reviewable denial to reviewer_id: ALC_EPERM (err->user) for
 * the person who decided; ALC_ECONFLICT without a reviewable denial. */
int rights_request_assign_review(struct db *db, int64_t practice_id,
    int64_t id, int64_t reviewer_id, const struct audit_event *who,
    struct alc_err *err);
/* Records delivery ("paper", "electronic", "inspection", "mail",
 * "secure_link") on fulfilled_on; an access copy to a third party also
 * records a disclosure (basis "individual_directive"). */
int rights_request_fulfil(struct db *db, struct keystore *ks,
    int64_t practice_id, int64_t id, const char *how,
    const char *fulfilled_on, struct caldate today,
    const struct audit_event *who, struct alc_err *err);

/* ---- disclosures (disclosures.c) ------------------------------------- */

struct rights_disclosure_input {
	const char *disclosed_on;  /* "YYYY-MM-DD", not after today */
	const char *recipient, *address, *what, *purpose; /* sealed */
	const char *basis;         /* a rights_bases code */
	int64_t request_id;        /* 0: none */
};

struct rights_disclosure {
	int64_t id, patient_id, request_id;
	const char *disclosed_on, *recipient, *address, *what, *purpose;
	const char *basis, *basis_label;
	const char *recorded_by_name;
	int64_t created_at;
};

int rights_disclosure_create(struct db *db, struct keystore *ks,
    int64_t practice_id, int64_t patient_id,
    const struct rights_disclosure_input *in, struct caldate today,
    const struct audit_event *who, int64_t *id, struct alc_err *err);
/* A patient's disclosures from `from` to `to` (inclusive, NULL: open),
 * oldest first, opened. */
int rights_disclosure_list(struct db *db, struct keystore *ks,
    struct arena *a, int64_t practice_id, int64_t patient_id,
    const char *from, const char *to, struct rights_disclosure **out,
    size_t *n);

/* Used by requests.c: inserts on c inside the caller's transaction. */
struct db_conn;
int rights_disclosure_insert(struct db_conn *c, struct keystore *ks,
    int64_t practice_id, int64_t patient_id,
    const struct rights_disclosure_input *in, const struct audit_event *who,
    int64_t *id);

/* ---- accounting (accounting.c) --------------------------------------- */

#define RIGHTS_LOOKBACK_YEARS 6

struct rights_acct_line {
	const char *first_on, *last_on; /* equal for a single disclosure */
	size_t count;
	const char *recipient, *address, *what, *purpose, *basis_label;
};

struct rights_accounting {
	const char *from, *to;            /* the period covered */
	struct rights_acct_line *lines;
	size_t n_lines;
	size_t n_included, n_excluded;
	const char **exclusions;          /* labels of exclusions applied */
	size_t n_exclusions;
	int fee_allowed;                  /* an accounting in the past year */
	const char *last_provided_on;     /* NULL: none in 12 months */
};

/* Builds the accounting as of `asof` (today) for the period starting
 * `from` (NULL or earlier than 6 years before asof: 6 years).  ALC_EINVAL
 * for a bad date. */
int rights_accounting_build(struct db *db, struct keystore *ks,
    struct arena *a, int64_t practice_id, int64_t patient_id,
    const char *from, struct caldate asof, struct rights_accounting *out,
    struct alc_err *err);
/* Records that the accounting was provided on `asof` with fee_cents
 * (ALC_EINVAL for a fee on the first accounting in 12 months). */
int rights_accounting_record(struct db *db, int64_t practice_id,
    int64_t patient_id, const struct rights_accounting *acc,
    int64_t fee_cents, struct caldate asof, const struct audit_event *who,
    struct alc_err *err);
/* The accounting as CSV (arena string). */
const char *rights_accounting_csv(struct arena *a,
    const struct rights_accounting *acc);

#endif
