/*
 * sched_impl.h - what the scheduling modules share, and nobody else.
 */
#ifndef ALC_CORE_SCHED_IMPL_H
#define ALC_CORE_SCHED_IMPL_H

#include "core/scheduling/scheduling.h"

struct alc_err;
struct audit_event;
struct db_conn;

/* One occurrence: its local date and minute, and its UTC span. */
struct sched_occ {
	struct caldate date;
	int start_min;
	int64_t start_at, end_at;
};

/* Appends to cf what o would collide with (self: an appointment id to
 * ignore, the one being moved; 0 for none). */
int sched_find_conflicts(struct db_conn *c, int64_t pid,
    const struct sched_booking *b, const struct sched_occ *o, int64_t self,
    struct sched_conflicts *cf);

/* One UPDATE/CREATE audit event per patient of appointment appt_id, in
 * c's transaction. */
int sched_audit_appt(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t pid, int64_t appt_id, const char *reason,
    const char *detail);

/* 1 for one of the eight statuses. */
int sched_status_valid(const char *status);
/* ALC_EINVAL (err->user) unless every patient, clinician, type, room and
 * location of b belongs to practice pid. */
int sched_check_refs(struct db_conn *c, int64_t pid,
    const struct sched_booking *b, struct alc_err *err);

/* The row of appointment id as a one-occurrence booking (people, room,
 * length, zone), for re-checking conflicts when it moves.  tz is copied
 * into tzbuf. ALC_ENOTFOUND. */
struct sched_row {
	struct sched_booking b;
	int64_t pats[SCHED_MAX_PEOPLE], clins[SCHED_MAX_PEOPLE];
	char tz[64], kind[16];
	int64_t series_id;
	int series_index;
	int64_t start_at;
};
int sched_load_row(struct db_conn *c, int64_t pid, int64_t id,
    struct sched_row *r);

#endif
