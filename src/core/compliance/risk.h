/*
 * risk.h - the security risk analysis and the risk register (45 CFR
 * 164.308(a)(1)(ii)(A)-(B); issue #8).
 *
 * The questionnaire is data: data/risk/questions.txt, embedded at build
 * time (symbol risk_questions_file), one line per question with its
 * safeguard (administrative, physical, technical, organizational), the
 * rule it cites, whether the rule calls it required or addressable, what
 * Alcove can answer itself, and the risk a "no" names.
 *
 * An assessment is a numbered run of the questionnaire (version 1, 2 ...
 * per practice), started on a date, in progress until someone who manages
 * the program completes it by signing with their typed name; the time,
 * their account and role are recorded.  A completed assessment is sealed
 * (here, and by database triggers: 0028_risk.sql).  One assessment is in
 * progress at a time.  A new one starts from the answers and notes of the
 * latest completed one when asked to.
 *
 * Prefill (risk_prefill.c): where Alcove knows the answer (two-step
 * sign-in from the settings, the last good backup, vendors receiving PHI
 * without a signed BAA, encryption at rest, the audit trail ...), a new
 * assessment gets it as a suggestion with its evidence, marked prefilled
 * until someone changes that answer.
 *
 * Completing an assessment, in one transaction: seals it; puts each "no"
 * or "partly" answer on the register unless that question already has an
 * open risk; and completes the current occurrence of the seeded "annual
 * security risk analysis" task (seed key risk_analysis), with a note
 * naming the assessment and its page as the evidence, so the dashboard's
 * overdue-task count (and score) follow.
 *
 * The register (risk_register.c): threat/vulnerability, likelihood and
 * impact (1-5; score = likelihood x impact), owner, treatment (mitigate,
 * accept, transfer, avoid; accepting needs a reason), planned action, due
 * date, status.  A risk can become a one-off compliance task for its
 * owner, due on its due date.  Listed by score or due date; CSV export.
 *
 * Every change writes its audit event (object_type "risk_assessment" or
 * "risk", CREATE or UPDATE) in its transaction.  These records hold no
 * PHI.  Strings in results come from the caller's arena.
 */
#ifndef ALC_CORE_COMPLIANCE_RISK_H
#define ALC_CORE_COMPLIANCE_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct alc_err;
struct arena;
struct compliance_actor;
struct db;
struct db_conn;

#define RISK_NOTE_MAX 2000
#define RISK_TITLE_MAX 200
#define RISK_TEXT_MAX 4000
#define RISK_NAME_MAX 200
#define RISK_MAX_LIST 500
#define RISK_TASK_SEED "risk_analysis"

enum risk_safeguard {
	RISK_ADMIN, RISK_PHYSICAL, RISK_TECHNICAL, RISK_ORG, RISK_SAFEGUARDS
};
/* "admin" ... and "Administrative safeguards (164.308)" ... */
extern const char *const risk_safeguard_names[RISK_SAFEGUARDS];
extern const char *const risk_safeguard_labels[RISK_SAFEGUARDS];

/* "yes", "partly", "no", "na" and "Yes", "Partly", "No",
 * "Not applicable". */
#define RISK_ANSWERS 4
extern const char *const risk_answer_names[RISK_ANSWERS];
extern const char *const risk_answer_labels[RISK_ANSWERS];
/* The label of an answer name; NULL for NULL or an unknown one. */
const char *risk_answer_label(const char *name);

struct risk_question {
	const char *key, *citation, *text, *threat;
	const char *prefill; /* NULL: Alcove cannot answer it */
	enum risk_safeguard safeguard;
	int required;        /* 0: addressable */
};

/* The questionnaire, in file order.  ALC_EINVAL when the embedded file
 * is malformed (a unit test keeps it well formed). */
int risk_questions(struct arena *a, const struct risk_question **out,
    size_t *n);

/* --- prefill (risk_prefill.c) ------------------------------------------- */

struct risk_suggestion {
	const char *answer;   /* one of risk_answer_names */
	const char *evidence; /* what it comes from, in plain words */
};

/* What Alcove can say about question key `prefill` for the practice now;
 * ALC_ENOTFOUND when it cannot say (unknown key, no data). */
int risk_prefill(struct db *db, struct arena *a, int64_t practice_id,
    const char *prefill, int64_t now_ms, struct risk_suggestion *out);

/* --- assessments (risk.c) ---------------------------------------------- */

struct risk_answer {
	const char *key;
	const char *answer; /* NULL: not answered */
	const char *note, *evidence;
	int prefilled;
};

struct risk_assessment {
	int64_t id;
	int version;
	int completed;
	const char *started_on, *started_by_name;
	int64_t based_on;
	int64_t completed_at;
	const char *signed_name, *signed_role, *retain_until;
	struct risk_answer *answers; /* in questionnaire order */
	size_t n_answers;
	size_t n_answered;
};

/* Starts the next assessment, dated today; from_previous: with the
 * answers and notes of the latest completed one.  Prefilled suggestions
 * replace copied answers.  ALC_ECONFLICT (with err->user) while another
 * is in progress; *id gets that one's id then too. */
int risk_assessment_start(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, struct caldate today,
    int from_previous, int64_t *id, struct alc_err *err);

/* Stores the answers given (key, answer ("" clears), note) for the
 * questions named; others stay.  ALC_EINVAL for an unknown answer or a
 * note too long; ALC_ECONFLICT for a completed assessment. */
int risk_assessment_save(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct risk_answer *in, size_t n, struct alc_err *err);

/* Completes and seals it, signed as `signed_name` (required).  Every
 * question must have an answer.  *added (may be NULL) gets the number of
 * risks put on the register; *task_done (may be NULL) 1 when the annual
 * task's occurrence was completed. */
int risk_assessment_complete(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, const char *signed_name,
    struct caldate today, size_t *added, int *task_done,
    struct alc_err *err);

int risk_assessment_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct risk_assessment *out);
/* The practice's assessments, newest first (answers not loaded). */
int risk_assessment_list(struct db *db, struct arena *a,
    int64_t practice_id, struct risk_assessment **out, size_t *n);

/* --- the register (risk_register.c) ------------------------------------ */

#define RISK_TREATMENTS 4
extern const char *const risk_treatment_names[RISK_TREATMENTS];
extern const char *const risk_treatment_labels[RISK_TREATMENTS];
#define RISK_STATUSES 3
extern const char *const risk_status_names[RISK_STATUSES];
extern const char *const risk_status_labels[RISK_STATUSES];

struct risk_input {
	const char *title;         /* threat; required */
	const char *vulnerability; /* may be "" */
	int likelihood, impact;    /* 1..5 */
	int64_t owner_id;          /* 0: none yet; else an active member */
	const char *treatment;     /* one of risk_treatment_names */
	const char *accept_reason; /* required when treatment is accept */
	const char *action;        /* planned action; may be "" */
	const char *due_on;        /* "YYYY-MM-DD" or "" */
	const char *status;        /* one of risk_status_names */
};

struct risk {
	int64_t id;
	struct risk_input f;
	int score;
	const char *owner_name, *question_key, *retain_until;
	int64_t assessment_id, task_id;
	int assessment_version;
};

enum risk_sort { RISK_BY_SCORE, RISK_BY_DUE };

int risk_create(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const struct risk_input *in,
    int64_t *id, struct alc_err *err);
int risk_update(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct risk_input *in, struct alc_err *err);
int risk_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct risk *out);
/* Open risks first; then by score (highest first) or due date. */
int risk_list(struct db *db, struct arena *a, int64_t practice_id,
    enum risk_sort sort, struct risk **out, size_t *n);
/* Makes the risk's planned action a one-off compliance task for its
 * owner, due on its due date.  ALC_EINVAL without owner, due date or
 * action; ALC_ECONFLICT when it already has one.  *task_id gets it. */
int risk_make_task(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, int64_t *task_id,
    struct alc_err *err);
/* The register as CSV (header line, CRLF), by score. */
int risk_register_csv(struct db *db, struct arena *a, int64_t practice_id,
    const char **out, size_t *rows);

/* Puts the "no" and "partly" answers of assessment id on the register
 * (on c, inside the caller's transaction); owner: the actor. */
int risk_register_from_answers(struct db_conn *c, struct arena *a,
    int64_t practice_id, const struct compliance_actor *who, int64_t id,
    int version, const struct risk_answer *ans, size_t n, size_t *added);

#endif
