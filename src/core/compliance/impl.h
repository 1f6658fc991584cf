/*
 * impl.h - helpers shared by the files of core/compliance; not part of
 * its interface (compliance.h).
 */
#ifndef ALC_CORE_COMPLIANCE_IMPL_H
#define ALC_CORE_COMPLIANCE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct alc_err;
struct arena;
struct buf;
struct compliance_actor;
struct compliance_task;
struct compliance_task_input;
struct db_conn;
struct db_stmt;
struct risk_assessment;

/* Writes the task's audit event (verb "CREATE" or "UPDATE", object_type
 * "compliance_task") on c, inside its transaction.  detail: short JSON
 * without PHI. */
int cmp_audit(struct db_conn *c, int64_t practice_id,
    const struct compliance_actor *who, const char *verb, int64_t task_id,
    const char *detail);
/* The same for another object type (object_id: a row id). */
int cmp_audit_obj(struct db_conn *c, int64_t practice_id,
    const struct compliance_actor *who, const char *verb,
    const char *object_type, int64_t object_id, const char *detail);

/* The acting user's id; 0 for the system. */
int64_t cmp_uid(const struct compliance_actor *a);

/* 1 when uid is an active user holding a role in the practice. */
int cmp_is_member(struct db_conn *c, int64_t practice_id, int64_t uid);

/* 1 when s is valid UTF-8 of at most max bytes without control
 * characters (tab, CR and LF allowed only when multiline).  NULL is ok. */
int cmp_text_ok(const char *s, size_t max, int multiline);

/* Column col as an arena string ("" for NULL). */
const char *cmp_col(struct arena *a, struct db_stmt *s, int col);

/* Loads one task of the practice on c.  ALC_ENOTFOUND when absent. */
int cmp_load_task(struct db_conn *c, struct arena *a, int64_t practice_id,
    int64_t id, struct compliance_task *t);

/* Runs one statement binding the i64 values (n of them, in order). */
int cmp_exec(struct db_conn *c, const char *sql, const int64_t *v, int n);
/* Makes `to` the owner of task id on c (the caller's transaction),
 * recording the reassignment and its audit event (occurrence.c). */
int cmp_reassign_in(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, int64_t id, int64_t to,
    const char *reason, struct alc_err *err);

/* Adds a task on c, inside the caller's transaction (tasks.c; what
 * compliance_task_create does).  ALC_EINVAL with err->user. */
int cmp_task_create_in(struct db_conn *c, int64_t pid,
    const struct compliance_actor *who, const struct compliance_task_input *in,
    int64_t *id, struct alc_err *err);
/* Completes the occurrence due on `due` on c, inside the caller's
 * transaction (occurrence.c; what compliance_complete does after checking
 * the note).  next_out may be NULL. */
int cmp_complete_in(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, int64_t id, const char *due,
    const char *note, const unsigned char *done, size_t n_done,
    struct caldate today, char *next_out, struct alc_err *err);
/* One CSV cell, quoted, with a leading = + - @ defused for spreadsheets
 * and line breaks turned into spaces; then "," or, when last, CRLF. */
void cmp_csv_cell(struct buf *b, const char *v, int last);
/* Loads assessment id with its answers on c (risk.c).  ALC_ENOTFOUND. */
int risk_load_in(struct db_conn *c, struct arena *a, int64_t pid, int64_t id,
    struct risk_assessment *r);

#endif
