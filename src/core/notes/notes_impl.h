/*
 * notes_impl.h - helpers shared by the notes module's files (not part of
 * its interface; see notes.h).
 */
#ifndef ALC_CORE_NOTES_IMPL_H
#define ALC_CORE_NOTES_IMPL_H

#include "core/notes/notes.h"
#include "core/keys/keystore.h"

struct db_conn;

#define NOTES_LOCKED_MSG "This note is signed and locked: it cannot be " \
	"changed. Add an addendum instead."

/* A pooled connection or ALC_EBUSY. */
int notes_acquire(struct db *db, struct db_conn **c);
/* Seals pt for table.data of row id (purpose p) and stores it. */
int notes_seal_data(struct db_conn *c, struct keystore *ks, int64_t pid,
    enum keystore_purpose p, const char *table, int64_t id, const char *pt);
/* Opens table.data of row id into the arena (NUL-terminated *pt). */
int notes_open_data(struct keystore *ks, struct arena *a, int64_t pid,
    enum keystore_purpose p, const char *table, int64_t id, const void *ct,
    size_t n, const char **pt);
/* Values as a JSON object string (malloc'd; wipe and free it). */
char *notes_encode(const struct note_value *vals, size_t n);
/* A JSON object string into arena values. */
int notes_decode(struct arena *a, const char *js, struct note_value **out,
    size_t *n);
/* Writes an event about object type/id of the patient from who. */
int notes_audit(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t pid, const char *type, int64_t id,
    int64_t patient_id, const char *sensitivity, const char *detail);
/* The note's author, status and service time, checked to be the
 * patient's (ALC_ENOTFOUND). */
int notes_state(struct db_conn *c, int64_t pid, int64_t patient_id,
    int64_t note_id, int64_t *author, char status[20], int64_t *service_at,
    int64_t *cosigner);
/* 1 for the statuses that lock a note. */
int notes_status_locked(const char *status);

#endif
