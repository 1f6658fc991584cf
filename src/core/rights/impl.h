/*
 * impl.h - helpers shared by the files of core/rights/ (not an interface
 * for other modules: see rights.h).
 */
#ifndef ALC_CORE_RIGHTS_IMPL_H
#define ALC_CORE_RIGHTS_IMPL_H

#include <stddef.h>
#include <stdint.h>

struct alc_err;
struct arena;
struct audit_event;
struct buf;
struct db;
struct db_conn;
struct db_stmt;
struct keystore;
#include "base/caldate.h"

/* Takes a pooled connection (ALC_EBUSY when none comes in 5 s). */
int rt_acquire(struct db *db, struct db_conn **c);
/* Writes one audit event on c: who's actor and where, with verb, object
 * type and id, patient and detail (short JSON, no PHI). */
int rt_audit(struct db_conn *c, const struct audit_event *who,
    const char *verb, int64_t practice_id, const char *object_type,
    int64_t object_id, int64_t patient_id, const char *detail);
/* ALC_EINVAL with err->user = user. */
int rt_invalid(struct alc_err *err, const char *user);
/* Column col as an arena string ("" for NULL); rt_opt: NULL for NULL. */
const char *rt_col(struct arena *a, struct db_stmt *s, int col);
const char *rt_opt(struct arena *a, struct db_stmt *s, int col);
/* 1 when s is NULL/empty, or valid UTF-8 text of at most max bytes
 * without control characters (newlines allowed when multiline). */
int rt_text_ok(const char *s, size_t max, int multiline);
/* 1 when s is one of the NULL-terminated list. */
int rt_one_of(const char *s, const char *const *list);
/* The user's id from who (0: none). */
int64_t rt_uid(const struct audit_event *who);

/* Seals the JSON object of n string pairs (keys[i], vals[i]; NULL values
 * skipped) for table/column/row_id and stores it with
 * "UPDATE <table> SET <column> = ? WHERE id = ?" (upd_sql). */
int rt_seal_store(struct db_conn *c, struct keystore *ks, int64_t pid,
    const char *table, const char *column, int64_t row_id,
    const char *upd_sql, const char *const *keys, const char *const *vals,
    size_t n);
/* Opens the sealed JSON in s's column col and fills vals[i] (arena
 * strings, "" when absent) for keys[i]. */
int rt_open_fields(struct keystore *ks, struct arena *a, int64_t pid,
    const char *table, const char *column, int64_t row_id,
    struct db_stmt *s, int col, const char *const *keys, const char **vals,
    size_t n);

/* 0 when patient pat is a live record of practice pid, else
 * ALC_ENOTFOUND. */
int rt_patient_in(struct db_conn *c, int64_t pid, int64_t pat);
/* The practice's shortened first period for kind (0: federal). */
int rt_state_days(struct db_conn *c, int64_t pid, int kind, int *days);
/* Computes q's clock and next action against today. */
struct rights_request;
void rt_request_clock(struct arena *a, struct rights_request *q,
    int state_days, struct caldate today);

#endif
