/*
 * supervision.h - who supervises whom, set from the staff pages.
 *
 * A row of the supervision table (migration 0019) names a clinician's
 * supervisor in a practice.  It does two things: the supervisee's notes go
 * to the supervisor to co-sign (core/notes), and the supervisor sees the
 * patients on the supervisee's care teams (core/patients/access.c).
 *
 * Only an active member holding the supervisor role may supervise, and
 * only a clinician or supervisor can have a supervisor.  Every change
 * writes PRIV_CHANGE (object "user", the supervisee) with the reason and
 * {"supervisor":NEW,"before":OLD} (null: none) in its transaction.
 */
#ifndef ALC_CORE_USERS_SUPERVISION_H
#define ALC_CORE_USERS_SUPERVISION_H

#include <stddef.h>
#include <stdint.h>

struct alc_err;
struct audit_event;
struct db;

struct supervisor_choice {
	int64_t id;
	char name[201];
};

/* Active members of the practice holding the supervisor role, by name
 * (at most max). */
int supervision_choices(struct db *db, int64_t practice_id,
    struct supervisor_choice *rows, size_t max, size_t *n);

/* The supervisor of user_id in the practice: *sup_id 0 when none; name
 * (namesz bytes) gets their name or "". */
int supervision_get(struct db *db, int64_t practice_id, int64_t user_id,
    int64_t *sup_id, char *name, size_t namesz);

/* Sets (supervisor_id > 0) or clears (0) the supervisor of user_id.
 * ALC_ENOTFOUND when user_id is not a member; ALC_EINVAL (err->user) for
 * no reason, a supervisee who is not a clinician, someone who is not an
 * active supervisor here, or oneself; ALC_ECONFLICT when nothing would
 * change. */
int supervision_set(struct db *db, int64_t practice_id, int64_t user_id,
    int64_t supervisor_id, const struct audit_event *who, const char *reason,
    struct alc_err *err);

#endif
