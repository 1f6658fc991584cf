/*
 * impl.h - helpers shared by the files of core/patients/ (not an
 * interface for other modules: see patients.h).
 */
#ifndef ALC_CORE_PATIENTS_IMPL_H
#define ALC_CORE_PATIENTS_IMPL_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct audit_event;
struct db;
struct db_conn;
struct keystore;
struct patient_brief;
struct patient_record;

/* Takes a pooled connection (ALC_EBUSY when none comes in 5 s). */
int pt_acquire(struct db *db, struct db_conn **c);

/* Writes one audit event about a patient on c (in its transaction):
 * who's actor and where, with verb, object type/id, patient and detail. */
int pt_audit(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t practice_id, const char *object_type,
    int64_t object_id, int64_t patient_id, const char *reason,
    const char *detail);

/* Runs sql binding the integers a, b, c (INT64_MIN: not bound). */
int pt_exec(struct db_conn *c, const char *sql, int64_t a, int64_t b,
    int64_t d);

/* Rewrites the patient's blind-index rows (patient_search) from rec:
 * name tokens of the legal and preferred names, phone, e-mail, computed
 * with blind-index key key_id (0: the practice's active one), whose id
 * each row records. */
int pt_index_write(struct db_conn *c, struct keystore *ks,
    int64_t practice_id, int64_t key_id, int64_t patient_id,
    const struct patient_record *rec);

/* patients_get on the caller's connection. */
int pt_record_load(struct db_conn *c, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t id, struct patient_record *r);

/* Loads the brief of one patient on c; *found 0 when there is none in
 * the practice (or it is merged and skip_merged). */
int pt_brief_load(struct db_conn *c, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t id, int skip_merged,
    struct patient_brief *out, int *found);

/* Fills the fields of the name (name 1) or profile (0) JSON object o
 * into r, strings copied into a. */
struct json_t;
void pt_from_json(struct arena *a, struct json_t *o, int name,
    struct patient_record *r);

/* Sorts briefs by sort_name. */
void pt_briefs_sort(struct patient_brief *b, size_t n);

#endif
