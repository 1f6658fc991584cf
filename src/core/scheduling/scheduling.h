/*
 * scheduling.h - appointments, recurring series, conflicts, charges.
 *
 * Schema: migration 0013_scheduling.sql.  Start and end are UTC ms (what
 * overlaps compare); a series keeps its LOCAL wall time and zone, and its
 * occurrences are materialised as appointment rows when it is booked, so
 * each keeps 10:00 local across daylight saving while its UTC hour moves.
 *
 * Conflicts: an occurrence that overlaps another live appointment of the
 * same clinician, room or patient, or falls outside a clinician's
 * working hours (when the clinician has any set), is refused with
 * ALC_ECONFLICT and the list of conflicts, unless the caller passes an
 * override reason, which is stored on every occurrence (override_reason)
 * and in the audit detail.  Cancelled, late-cancelled and no-show
 * appointments block nothing.
 *
 * Audit: every change writes, in its own transaction, one event per
 * patient of the appointment (object "appointment", patient_id set):
 * CREATE for a booking (object_id the first occurrence, detail the series
 * and count), UPDATE for a status change, move or cancellation.
 */
#ifndef ALC_CORE_SCHEDULING_H
#define ALC_CORE_SCHEDULING_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct alc_err;
struct arena;
struct buf;
struct audit_event;
struct db;
struct db_conn;

#define SCHED_MAX_OCCURRENCES 104 /* two years of weekly sessions */
#define SCHED_MAX_PEOPLE 16       /* patients or clinicians on one booking */

enum sched_freq { SCHED_ONCE = 0, SCHED_WEEKLY, SCHED_MONTHLY_WEEKDAY };

struct sched_recur {
	enum sched_freq freq;
	int interval;          /* weekly: every `interval` weeks (1..52) */
	int nth;               /* monthly: 1..4, or -1 for the last */
	int count;             /* occurrences; 0: until `until` */
	struct caldate until;  /* inclusive; y == 0: none */
};

/* The local dates of a series starting on first (which must itself match
 * a monthly rule's weekday and nth), at most max of them; *n the count.
 * ALC_EINVAL (err->user says why) for a rule without an end, an end
 * before the start, more than SCHED_MAX_OCCURRENCES dates, or a first
 * date that does not match its monthly rule. */
int sched_recur_dates(struct caldate first, const struct sched_recur *r,
    struct caldate *out, size_t max, size_t *n, struct alc_err *err);
/* The nth (1..5, or -1: last) weekday (0 Sunday) of a month; y 0 when
 * the month has no such day. */
struct caldate sched_nth_weekday(int y, int m, int weekday, int nth);

/* A booking: one appointment, or a series of them. */
struct sched_booking {
	const char *kind;      /* "individual", "couple_family", "group" */
	int capacity;          /* group: the most patients; 0: no limit */
	int64_t type_id, location_id, room_id; /* 0: none */
	const int64_t *patients;
	size_t npatients;
	const int64_t *clinicians;
	size_t nclinicians;
	struct caldate date;   /* the (first) local date */
	int start_min;         /* local minute of the day */
	int minutes;
	const char *tz;        /* the practice's zone */
	struct sched_recur recur;
	const char *override_reason; /* non-empty: book despite conflicts */
};

struct sched_conflict {
	const char *what;      /* "clinician", "room", "patient", "hours" */
	int64_t appointment_id; /* the other appointment; 0 for "hours" */
	int64_t whom;          /* clinician, room or patient id */
	struct caldate date;   /* local date of our occurrence */
	int start_min;
};

struct sched_conflicts {
	struct sched_conflict items[32];
	size_t n;              /* how many are listed (at most 32) */
	size_t total;          /* how many were found */
};

/* Books b.  *first_id gets the first occurrence's id and *series_id the
 * series (0 for a single appointment).  ALC_EINVAL (err->user) for a bad
 * booking, over capacity included; ALC_ECONFLICT with *cf filled when
 * conflicts were found and no override was given. */
int sched_book(struct db *db, int64_t practice_id,
    const struct sched_booking *b, const struct audit_event *who,
    int64_t *first_id, int64_t *series_id, struct sched_conflicts *cf,
    struct alc_err *err);

/* Adds a patient to a group appointment; ALC_ECONFLICT (err->user) when
 * the group is full. */
int sched_add_patient(struct db *db, int64_t practice_id, int64_t appt_id,
    int64_t patient_id, const struct audit_event *who, struct alc_err *err);

/* Sets the status of one appointment.  "cancelled" and "late_cancel"
 * need a reason; "late_cancel" and "no_show" record a pending charge of
 * fee_cents (>= 0) per patient.  ALC_EINVAL for an unknown status. */
int sched_set_status(struct db *db, int64_t practice_id, int64_t appt_id,
    const char *status, const char *reason, int64_t fee_cents,
    const struct audit_event *who, struct alc_err *err);

/* Moves one occurrence to a new local date and time (same length); the
 * rest of its series is untouched.  Conflicts as sched_book. */
int sched_move(struct db *db, int64_t practice_id, int64_t appt_id,
    struct caldate date, int start_min, const char *override_reason,
    const struct audit_event *who, struct sched_conflicts *cf,
    struct alc_err *err);

/* "This and following": cancels every live occurrence of appt_id's
 * series from appt_id on (reason required), leaving earlier ones. */
int sched_cancel_following(struct db *db, int64_t practice_id,
    int64_t appt_id, const char *reason, const struct audit_event *who,
    struct alc_err *err);

/* A change of one occurrence or of "this and following" (edit.c).  The
 * values are the chosen occurrence's new ones; a field at its "keep"
 * value (date.y 0, start_min -1, minutes 0, ids 0), or equal to what the
 * chosen occurrence has, is left alone on every occurrence.  room_id -1:
 * no room.  clinician_id replaces the appointment's clinicians. */
struct sched_change {
	struct caldate date;
	int start_min, minutes;
	int64_t clinician_id, type_id, room_id;
	int64_t replaces_clinician;  /* clinician_id takes this one's place
	                              * (co-clinicians stay); 0: all of them */
	int following;               /* 1: this and every later live one */
	const char *override_reason; /* non-empty: despite conflicts */
};

/* Applies ch to live occurrence appt_id, or with ch->following to it and
 * every later live occurrence of its series, which is split there
 * (*series_id the new series; 0 when none was made).  Cancelled and
 * completed occurrences and earlier ones are left alone; the day shift
 * and the local time carry over daylight saving.  ALC_EINVAL (err->user)
 * for bad input or an appointment that is no longer live; ALC_ECONFLICT
 * with *cf filled as sched_book, and nothing changed. */
int sched_change(struct db *db, int64_t practice_id, int64_t appt_id,
    const struct sched_change *ch, const struct audit_event *who,
    struct sched_conflicts *cf, int64_t *series_id, struct alc_err *err);

/* One appointment as views show it. */
struct sched_appt {
	int64_t id, series_id, type_id, room_id, location_id;
	int64_t start_at, end_at;
	struct caldate date;
	int start_min, minutes;
	const char *kind, *status, *type_name, *colour, *room_name;
	const char *cancel_reason, *override_reason;
	int capacity;
	int64_t patients[SCHED_MAX_PEOPLE];
	size_t npatients;
	int64_t clinicians[SCHED_MAX_PEOPLE];
	size_t nclinicians;
};

/* Live and cancelled appointments of the clinicians (all of the
 * practice's when nclin is 0) starting in [from_ms, to_ms), by start;
 * arena-allocated. */
int sched_list(struct db *db, struct arena *a, int64_t practice_id,
    const int64_t *clin, size_t nclin, int64_t from_ms, int64_t to_ms,
    struct sched_appt **out, size_t *n);
/* One appointment; ALC_ENOTFOUND. */
int sched_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t appt_id, struct sched_appt *out);

/* Moves patient from's appointments, charges and waitlist entries to
 * patient to, in the caller's transaction: the hook core/patients/merge.c
 * calls when it merges a duplicate record (merge_hook.c). */
int sched_merge_patient(struct db_conn *c, int64_t practice_id, int64_t from,
    int64_t to);

/* --- the PHI-free calendar feed (feed.c) ------------------------------- */

/* A new feed token for user_id (revoking the previous one), into token
 * (RAND_TOKEN_SIZE bytes), shown once; its hash is stored.  Audited. */
int sched_feed_token_create(struct db *db, int64_t practice_id,
    int64_t user_id, const struct audit_event *who, char *token,
    size_t tokensz);
int sched_feed_token_revoke(struct db *db, int64_t practice_id,
    int64_t user_id, const struct audit_event *who);
/* When the live token was made; 0 when there is none. */
int sched_feed_token_created(struct db *db, int64_t practice_id,
    int64_t user_id, int64_t *created_at);
/* The clinician a live token belongs to (active, still a member), and
 * whether the practice puts initials in feeds.  ALC_ENOTFOUND. */
int sched_feed_lookup(struct db *db, const char *token, int64_t *practice_id,
    int64_t *user_id, int *initials);
/* Whether the practice's feeds carry the patients' initials instead of
 * "Appointment" (setting schedule.feed_initials); setting it is one
 * transaction with a CONFIG_CHANGE audit event. */
int sched_feed_initials_get(struct db *db, int64_t practice_id, int *on);
int sched_feed_initials_set(struct db *db, int64_t practice_id, int on,
    const struct audit_event *who);
/* The VCALENDAR of appointments a[0..n): times in UTC, SUMMARY
 * summaries[i] (NULL: "Appointment"), nothing else about anyone. */
void sched_ical(struct buf *out, const char *uid_domain,
    const struct sched_appt *a, size_t n, const char *const *summaries,
    int64_t now_ms);

/* --- set-up (setup.c) ---------------------------------------------------- */

/* The fixed palette of appointment-type colours: each a key ("blue") with
 * a label, shown as CSS classes with contrast checked against text. */
extern const char *const sched_palette[];
#define SCHED_PALETTE_N 6
int sched_colour_ok(const char *key);

/* The practice's zone into tz (tzsz bytes). */
int sched_practice_tz(struct db *db, int64_t practice_id, char *tz,
    size_t tzsz);

/* Names of the practice's locations, rooms ("Location: Room") and types,
 * with their ids; the "Telehealth" location is created on first use.
 * Arena-allocated arrays. */
struct sched_named {
	int64_t id;
	const char *name;
	int minutes;          /* types: default length */
	int64_t fee_cents;    /* types */
	const char *cpt, *colour; /* types */
};
int sched_locations(struct db *db, struct arena *a, int64_t practice_id,
    struct sched_named **out, size_t *n);
int sched_rooms(struct db *db, struct arena *a, int64_t practice_id,
    struct sched_named **out, size_t *n);
int sched_types(struct db *db, struct arena *a, int64_t practice_id,
    struct sched_named **out, size_t *n);

/* Adds a location, a room of a location, a type, a working-hours block
 * (weekday 0..6, minutes of the day) or an exception (time off or a
 * holiday, user 0 for the whole practice), audited (CONFIG_CHANGE).
 * ALC_EINVAL (err->user) for bad input, ALC_EEXIST for a duplicate name. */
int sched_location_add(struct db *db, int64_t practice_id, const char *name,
    int telehealth, const struct audit_event *who, int64_t *id,
    struct alc_err *err);
int sched_room_add(struct db *db, int64_t practice_id, int64_t location_id,
    const char *name, const struct audit_event *who, int64_t *id,
    struct alc_err *err);
int sched_type_add(struct db *db, int64_t practice_id,
    const struct sched_named *t, const struct audit_event *who, int64_t *id,
    struct alc_err *err);
int sched_hours_add(struct db *db, int64_t practice_id, int64_t user_id,
    int weekday, int start_min, int end_min, const struct audit_event *who,
    struct alc_err *err);
int sched_exception_add(struct db *db, int64_t practice_id, int64_t user_id,
    const char *kind, struct caldate first, struct caldate last,
    const char *label, const struct audit_event *who, struct alc_err *err);

/* Retires (active 0, never deletes) a location, room or type of the
 * practice, audited (CONFIG_CHANGE).  Appointments keep pointing at it;
 * it leaves the lists and the booking form.  ALC_ENOTFOUND. */
enum sched_setup_kind { SCHED_SETUP_LOCATION, SCHED_SETUP_ROOM,
	SCHED_SETUP_TYPE };
int sched_retire(struct db *db, int64_t practice_id,
    enum sched_setup_kind kind, int64_t id, const struct audit_event *who);

/* Working hours and exceptions of the practice, for the set-up page. */
struct sched_hours_row {
	int64_t id, user_id;
	int weekday, start_min, end_min;
};
int sched_hours_list(struct db *db, struct arena *a, int64_t practice_id,
    struct sched_hours_row **out, size_t *n);
struct sched_exception_row {
	int64_t id, user_id;          /* user_id 0: the whole practice */
	const char *kind, *label;
	struct caldate first, last;
};
int sched_exceptions_list(struct db *db, struct arena *a,
    int64_t practice_id, struct sched_exception_row **out, size_t *n);

/* --- the waitlist and group membership (waitlist.c) --------------------- */

struct keystore;

/* One patient waiting for a slot.  days: 7 characters, Sunday first,
 * '1' for a day that suits ("0111110": weekdays); earliest/latest:
 * minutes of the day (local) the appointment may start and must end by.
 * The note may be PHI: it is sealed (sched_waitlist/note/id). */
struct sched_wait {
	int64_t id, patient_id, clinician_id; /* clinician 0: anyone */
	char days[8];
	int earliest_min, latest_min;
	struct caldate since;
	const char *note;            /* opened; NULL when none */
	int64_t created_at;
};

/* Adds w, audited (CREATE, object "waitlist", the patient), sealing the
 * note in the same transaction.  ALC_EINVAL (err->user) for bad input;
 * ALC_EEXIST when the patient is already waiting for that clinician. */
int sched_waitlist_add(struct db *db, struct keystore *ks,
    int64_t practice_id, const struct sched_wait *w,
    const struct audit_event *who, int64_t *id, struct alc_err *err);
/* The active entries, longest waiting first, notes opened when ks is not
 * NULL (NULL: note stays NULL).  Arena-allocated. */
int sched_waitlist_list(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, struct sched_wait **out, size_t *n);
/* Removes entry id with a reason (kept on the row, not in the audit
 * event, which is UPDATE on object "waitlist").  ALC_EINVAL without a
 * reason; ALC_ENOTFOUND when it is not an active entry. */
int sched_waitlist_remove(struct db *db, int64_t practice_id, int64_t id,
    const char *reason, const struct audit_event *who, struct alc_err *err);
/* 1 when entry w would take a slot of minutes from start_min on local
 * date d with one of the clinicians (w's clinician 0 takes anyone). */
int sched_waitlist_fits(const struct sched_wait *w, const int64_t *clin,
    size_t nclin, struct caldate d, int start_min, int minutes);

/* Takes patient_id off group appointment appt_id (audited like adding;
 * the last patient cannot leave: cancel the appointment instead).
 * ALC_ENOTFOUND when the patient is not on it. */
int sched_remove_patient(struct db *db, int64_t practice_id, int64_t appt_id,
    int64_t patient_id, const struct audit_event *who, struct alc_err *err);

#endif
