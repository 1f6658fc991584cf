/*
 * compliance.h - the recurring work of a practice's HIPAA program.
 *
 * A task (risk analysis, monthly access review ...) has an owner, maybe a
 * backup owner, the rule it answers (citation and plain words), a
 * recurrence, the next due date (a calendar date in the practice's zone),
 * a checklist, and whether a second person must sign off each completion.
 *
 * Completing an occurrence records it (note, checklist marks as they were,
 * who and when) and moves next_due by the recurrence FROM THE DUE DATE,
 * not from the day of completion: the schedule of an annual review stays
 * on its date however late one year's review was, and a task completed
 * months late stays overdue until each missed occurrence is done.  Monthly
 * schedules keep the day of month they started on (anchor_day): from Jan
 * 31 the next dates are Feb 28 (29 in a leap year), Mar 31, Apr 30 ...
 *
 * Every change writes its audit event (object_type "compliance_task",
 * CREATE or UPDATE) in the same transaction.  Nothing is ever deleted:
 * tasks are retired, and every record carries retain_until (6 years after
 * it was last in effect, 45 CFR 164.316(b)(2)(i) and 164.530(j)).
 *
 * Authorization: the web layer checks the route's action; completion and
 * reassignment are further limited here to the task's owner, its backup
 * owner and those who manage the program (actor->manager), and sign-off
 * to a manager other than the person who completed it.
 *
 * Strings in results are allocated from the caller's arena.
 */
#ifndef ALC_CORE_COMPLIANCE_H
#define ALC_CORE_COMPLIANCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct alc_err;
struct arena;
struct audit_event;
struct buf;
struct config;
struct db;
struct db_conn;
struct jobs;

#define COMPLIANCE_RETAIN_YEARS 6
#define COMPLIANCE_TITLE_MAX 200
#define COMPLIANCE_TEXT_MAX 4000     /* description, note, checklist */
#define COMPLIANCE_CITATION_MAX 120
#define COMPLIANCE_RULE_MAX 500
#define COMPLIANCE_REASON_MAX 500
#define COMPLIANCE_CHECKLIST_ITEMS 20
#define COMPLIANCE_EVERY_MAX 3660    /* days; months up to 120 */
#define COMPLIANCE_MAX_TASKS 500     /* listed per practice */
#define COMPLIANCE_REMINDER_JOB "compliance.reminders"
#define COMPLIANCE_MAIL_TEMPLATE "compliance_reminder"

/* --- schedules (schedule.c): pure ---------------------------------------- */

enum compliance_recur {
	COMPLIANCE_ONCE,
	COMPLIANCE_MONTHS, /* every `every` months on anchor_day */
	COMPLIANCE_DAYS,   /* every `every` days */
};

struct compliance_recurrence {
	enum compliance_recur kind;
	int every;      /* >= 1 (months: 1..120, days: 1..3660) */
	int anchor_day; /* MONTHS: the day of month kept (1..31) */
};

/* The due date after `due`.  ALC_ENOTFOUND for a one-off task,
 * ALC_EINVAL for an invalid recurrence. */
int compliance_next_due(const struct compliance_recurrence *rec,
    struct caldate due, struct caldate *next);
/* 0 when rec is valid. */
int compliance_recurrence_check(const struct compliance_recurrence *rec);
/* "Every year", "Every 6 months", "Every quarter", "Every month", "Every
 * 10 days", "Once" ... into buf (>= 32 bytes); returns buf. */
const char *compliance_recurrence_label(const struct compliance_recurrence
    *rec, char *buf, size_t bufsz);
/* last_effective + 6 years (Feb 29 gives Feb 28). */
struct caldate compliance_retain_until(struct caldate last_effective);
/* "due today", "due tomorrow", "due in 5 days", "1 day overdue",
 * "3 days overdue" into buf (>= 32 bytes); returns buf. */
const char *compliance_due_words(struct caldate due, struct caldate today,
    char *buf, size_t bufsz);

enum compliance_reminder {
	COMPLIANCE_REMIND_NONE,
	COMPLIANCE_REMIND_DUE14, /* 14 days before */
	COMPLIANCE_REMIND_DUE3,  /* 3 days before */
	COMPLIANCE_REMIND_OVERDUE, /* the day after the due date, then weekly */
};

/* The reminder a task due on `due` gets on `today`, if any. */
enum compliance_reminder compliance_reminder_for(struct caldate due,
    struct caldate today);
/* "due14", "due3", "overdue"; NULL for NONE. */
const char *compliance_reminder_name(enum compliance_reminder k);

/* --- tasks (tasks.c) ----------------------------------------------------- */

/* Who acts: the audit event's actor fields (actor, role, session,
 * address, MFA, request id; the web fills them with web_audit_who), NULL
 * for the system (seeding, jobs); and whether they manage the program. */
struct compliance_actor {
	const struct audit_event *who;
	int manager;
};

struct compliance_task {
	int64_t id;
	const char *seed_key; /* NULL: added by the practice */
	const char *title, *description, *rule_citation, *rule_text;
	int64_t owner_id, backup_id; /* backup_id 0: none */
	const char *owner_name, *owner_email, *backup_name;
	struct compliance_recurrence rec;
	const char *next_due;  /* "YYYY-MM-DD"; NULL: a one-off that is done */
	const char *checklist; /* items, one per line; "" for none */
	int requires_signoff;
	int retired;
	const char *retire_reason;
	int64_t retired_at;
	const char *retain_until;
	int64_t created_at, updated_at;
	int64_t awaiting_signoff; /* id of a completion awaiting sign-off */
};

struct compliance_task_input {
	const char *title;         /* required, <= 200 bytes */
	const char *description;   /* may be NULL */
	const char *rule_citation; /* may be NULL */
	const char *rule_text;     /* may be NULL */
	int64_t owner_id;          /* an active member of the practice */
	int64_t backup_id;         /* 0: none; else an active member */
	struct compliance_recurrence rec; /* anchor_day: taken from next_due */
	const char *next_due;      /* required "YYYY-MM-DD" */
	const char *checklist;     /* items one per line, at most 20 */
	int requires_signoff;
};

/* Adds a task.  ALC_EINVAL with err->user saying what is wrong. */
int compliance_task_create(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const struct compliance_task_input *in,
    int64_t *id, struct alc_err *err);
/* Replaces a task's fields; a change of owner or backup is recorded as a
 * reassignment.  ALC_ENOTFOUND; ALC_ECONFLICT for a retired task. */
int compliance_task_update(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct compliance_task_input *in, struct alc_err *err);
/* Retires a task (reason required); it keeps its history and
 * retain_until becomes 6 years after today. */
int compliance_task_retire(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, const char *reason,
    struct caldate today, struct alc_err *err);

int compliance_task_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct compliance_task *out);
/* The practice's tasks (retired ones only when with_retired), by next due
 * date (done one-offs last), then title.  *out from the arena. */
int compliance_task_list(struct db *db, struct arena *a, int64_t practice_id,
    int with_retired, struct compliance_task **out, size_t *n);

/* Checklist lines of text (trimmed, blank lines dropped), in the arena:
 * *items[i] for i < *n; at most COMPLIANCE_CHECKLIST_ITEMS. */
int compliance_checklist_split(struct arena *a, const char *text,
    const char ***items, size_t *n);

/* --- hand-over at deactivation (handover.c) --------------------------------- */

/* On c, inside the caller's transaction: gives every active task owned by
 * uid to the practice's compliance officer (else an owner), recording each
 * reassignment and its audit event, and clears uid as backup owner.
 * *moved gets the number of tasks handed over. */
int compliance_hand_over(struct db_conn *c, int64_t practice_id, int64_t uid,
    const struct audit_event *who, size_t *moved);

/* --- occurrences and reassignment (occurrence.c) ------------------------- */

/*
 * Completes the occurrence due on `due` (the date the form showed: when it
 * is no longer the task's next due date, ALC_ECONFLICT, so a form sent
 * twice never completes two occurrences).  done[i] marks checklist item i
 * (n_done may be less than the items; missing ones are not done).  note
 * is required.  next_due (may be NULL, CALDATE_TEXT_SIZE bytes) receives
 * the new due date, "" for a finished one-off.  ALC_EPERM unless who owns,
 * backs up or manages.
 */
int compliance_complete(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t task_id, const char *due,
    const char *note, const unsigned char *done, size_t n_done,
    struct caldate today, char *next_due, struct alc_err *err);

/* Signs off a completion: a manager other than the person who completed
 * it.  ALC_EPERM otherwise; ALC_ECONFLICT when already signed off. */
int compliance_signoff(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t task_id,
    int64_t occurrence_id, const char *note, struct alc_err *err);

/* Makes new_owner (an active member) the task's owner, recording who,
 * when and why (reason required).  ALC_EPERM unless who owns, backs up or
 * manages. */
int compliance_reassign(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t task_id, int64_t new_owner,
    const char *reason, struct alc_err *err);

struct compliance_occurrence {
	int64_t id;
	const char *due_date, *completed_on, *checklist, *note;
	int64_t completed_at, completed_by;
	const char *completed_by_name;
	int signoff_required;
	int64_t signed_off_at, signed_off_by;
	const char *signed_off_by_name, *signoff_note;
};

struct compliance_reassignment {
	const char *which;  /* "owner" or "backup" */
	const char *from_name, *to_name, *by_name, *reason;
	int64_t changed_at;
};

/* The task's completions and reassignments, newest first (at most 200
 * of each). */
int compliance_task_history(struct db *db, struct arena *a,
    int64_t practice_id, int64_t task_id,
    struct compliance_occurrence **occ, size_t *n_occ,
    struct compliance_reassignment **re, size_t *n_re);

/* --- the seeded program (seed.c) ----------------------------------------- */

/* Gives the practice the standard HIPAA program (risk analysis, policy
 * review, training, BAA review, audit-log and access reviews, backup
 * restore test, contingency-plan test, asset inventory, notice of privacy
 * practices, vulnerability scan, penetration test), owned by
 * owner_user_id, first due dates counted from today, and schedules the
 * daily reminders.  Idempotent: a task already seeded (even retired) is
 * left alone.  *added (may be NULL) receives how many were added. */
int compliance_seed_program(struct db *db, int64_t practice_id,
    int64_t owner_user_id, struct caldate today);
int compliance_seed_program_n(struct db *db, int64_t practice_id,
    int64_t owner_user_id, struct caldate today, int *added);
/* How many tasks the seeded program has. */
size_t compliance_seed_count(void);

/* The practice's time zone (IANA name) into tz (>= 65 bytes). */
int compliance_practice_zone(struct db_conn *c, int64_t practice_id,
    char *tz, size_t tzsz);
/* Today in the practice's time zone. */
int compliance_practice_today(struct db *db, int64_t practice_id,
    int64_t now_ms, struct caldate *today);

/* --- reminders (reminders.c) ---------------------------------------------- */

/* Queues the reminder e-mails due today for the practice's active tasks:
 * 14 and 3 days before the due date to the owner; when overdue (the day
 * after, then weekly) to the owner, the backup owner and the practice's
 * compliance officers (its owners when it has none).  Each (task, due
 * date, kind, day, person) is mailed once however often this runs.
 * *queued (may be NULL) receives the number of e-mails queued. */
int compliance_send_reminders(struct db *db, int64_t practice_id,
    struct caldate today, const char *base_url, int *queued);
/* Queues the "compliance.reminders" job of the practice for run_at (ms),
 * once per practice and day (idempotency key), on c (inside its
 * transaction when one is open). */
int compliance_schedule_reminders(struct db_conn *c, int64_t practice_id,
    int64_t run_at);
/* Queues today's reminders run of every practice for now_ms, unless one is
 * already queued for today (`alcove serve` does this at start, so that a
 * lost run cannot stop the daily chain). */
int compliance_schedule_all(struct db *db, int64_t now_ms);
/* Registers the daily "compliance.reminders" job.  Its run sends the
 * practice's reminders (all practices when the job has none) and queues
 * the next run for 07:00 the next day in the practice's zone.  cfg gives
 * server.public_url for links in the e-mails; it must outlive q. */
int compliance_register_jobs(struct jobs *q, const struct config *cfg);

/* --- the calendar feed (feed.c) ------------------------------------------- */

/* Makes a new feed token for the user (revoking the previous one);
 * token receives it (RAND_TOKEN_SIZE bytes), to be shown once. */
int compliance_feed_token_create(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, char *token, size_t tokensz);
/* Revokes the user's token, if any. */
int compliance_feed_token_revoke(struct db *db, int64_t practice_id,
    const struct compliance_actor *who);
/* When the user's live token was made; ALC_ENOTFOUND when none. */
int compliance_feed_token_created(struct db *db, int64_t practice_id,
    int64_t user_id, int64_t *created_at);
/* The practice and user of a live token whose user is still active and a
 * member of the practice, and their roles there (ROLE_* bits).
 * ALC_ENOTFOUND otherwise (unknown, revoked, deactivated ...). */
int compliance_feed_lookup(struct db *db, const char *token,
    int64_t *practice_id, int64_t *user_id, unsigned *roles);

/* Appends the RFC 5545 calendar of the tasks' next due dates (all-day
 * events; no PHI: titles, owners and rules only): CRLF line ends, lines
 * folded at 75 octets without splitting a UTF-8 character, TEXT values
 * escaped.  uid_domain makes UIDs unique ("practice-3.alcove"). */
void compliance_ical(struct buf *out, const char *cal_name,
    const char *uid_domain, const struct compliance_task *tasks, size_t n,
    int64_t now_ms);

#endif
