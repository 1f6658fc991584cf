/*
 * setup_list.c - reading the set-up lists, working hours and exceptions,
 * and retiring locations, rooms and types (never deleted: old
 * appointments still name them).  See scheduling.h.
 */
#include "core/scheduling/scheduling.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#define MAX_NAMED 500

static int
list(struct db *db, struct arena *a, int64_t pid, const char *sql,
    struct sched_named **out, size_t *n)
{
	struct sched_named *v;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((v = arena_alloc(a, MAX_NAMED * sizeof(*v))) == NULL)
		return ALC_ENOMEM;
	*out = v;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, sql)) == 0) {
		db_bind_i64(s, 1, pid);
		while ((rc = db_step(s)) == DB_ROW && *n < MAX_NAMED) {
			struct sched_named *x = &v[(*n)++];
			const char *t;
			memset(x, 0, sizeof(*x));
			x->id = db_col_i64(s, 0);
			x->name = arena_strdup(a, db_col_text(s, 1));
			x->minutes = (int)db_col_i64(s, 2);
			x->fee_cents = db_col_i64(s, 3);
			t = db_col_text(s, 4);
			x->cpt = t ? arena_strdup(a, t) : NULL;
			t = db_col_text(s, 5);
			x->colour = t ? arena_strdup(a, t) : NULL;
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

int
sched_locations(struct db *db, struct arena *a, int64_t practice_id,
    struct sched_named **out, size_t *n)
{
	int rc;

	if ((rc = list(db, a, practice_id, "SELECT id, name, 0, telehealth, "
	    "NULL, NULL FROM sched_locations WHERE practice_id = ? AND active = "
	    "1 ORDER BY telehealth, name", out, n)) != 0)
		return rc;
	if (*n == 0) {
		int64_t id;
		struct alc_err err;
		if ((rc = sched_location_add(db, practice_id, "Telehealth", 1,
		    NULL, &id, &err)) != 0 && rc != ALC_EEXIST)
			return rc;
		return list(db, a, practice_id, "SELECT id, name, 0, telehealth, "
		    "NULL, NULL FROM sched_locations WHERE practice_id = ? AND "
		    "active = 1 ORDER BY telehealth, name", out, n);
	}
	return 0;
}

int
sched_rooms(struct db *db, struct arena *a, int64_t practice_id,
    struct sched_named **out, size_t *n)
{
	return list(db, a, practice_id, "SELECT r.id, l.name || ': ' || r.name, "
	    "0, 0, NULL, NULL FROM sched_rooms r JOIN sched_locations l ON l.id "
	    "= r.location_id WHERE r.practice_id = ? AND r.active = 1 ORDER BY "
	    "l.name, r.name", out, n);
}

int
sched_types(struct db *db, struct arena *a, int64_t practice_id,
    struct sched_named **out, size_t *n)
{
	return list(db, a, practice_id, "SELECT id, name, minutes, fee_cents, "
	    "cpt_code, colour FROM sched_types WHERE practice_id = ? AND active "
	    "= 1 ORDER BY name", out, n);
}

/* A connection in a transaction with sql prepared on it, for finish(). */
static int
begin_insert(struct db *db, struct db_stmt **sp, struct db_conn **cp,
    const char *sql)
{
	if ((*cp = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if (db_begin(*cp) != 0 || db_prepare(*cp, sp, sql) != 0) {
		db_rollback(*cp);
		db_release(*cp);
		return ALC_EDB;
	}
	return 0;
}

/* Steps s, writes the CONFIG_CHANGE event, commits; releases c. */
static int
finish(struct db_conn *c, struct db_stmt *s, const struct audit_event *who,
    int64_t pid, const char *table)
{
	struct audit_event ev;
	int rc = db_step(s);

	db_stmt_done(s);
	if (who != NULL)
		ev = *who;
	else {
		memset(&ev, 0, sizeof(ev));
		ev.actor_role = "system";
	}
	ev.verb = "CONFIG_CHANGE";
	ev.action = 'C';
	ev.practice_id = pid;
	ev.object_type = table;
	if (rc >= 0 && (rc = audit_write(c, &ev)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc < 0 ? rc : 0;
}

int
sched_hours_add(struct db *db, int64_t practice_id, int64_t user_id,
    int weekday, int start_min, int end_min, const struct audit_event *who,
    struct alc_err *err)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	if (weekday < 0 || weekday > 6 || start_min < 0 || end_min > 1440 ||
	    end_min <= start_min)
		return alc_err_set_user(err, ALC_EINVAL, "Choose a day and a "
		    "start before the end.", "hours");
	if ((rc = begin_insert(db, &s, &c, "INSERT INTO sched_hours "
	    "(practice_id, user_id, weekday, start_min, end_min) SELECT "
	    "practice_id, user_id, ?, ?, ? FROM memberships WHERE practice_id "
	    "= ? AND user_id = ? LIMIT 1")) != 0)
		return rc;
	db_bind_i64(s, 1, weekday);
	db_bind_i64(s, 2, start_min);
	db_bind_i64(s, 3, end_min);
	db_bind_i64(s, 4, practice_id);
	db_bind_i64(s, 5, user_id);
	return finish(c, s, who, practice_id, "sched_hours");
}

int
sched_exception_add(struct db *db, int64_t practice_id, int64_t user_id,
    const char *kind, struct caldate first, struct caldate last,
    const char *label, const struct audit_event *who, struct alc_err *err)
{
	char d1[CALDATE_TEXT_SIZE], d2[CALDATE_TEXT_SIZE];
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	if (kind == NULL || (strcmp(kind, "time_off") != 0 &&
	    strcmp(kind, "holiday") != 0) || !caldate_valid(first) ||
	    !caldate_valid(last) || caldate_cmp(last, first) < 0)
		return alc_err_set_user(err, ALC_EINVAL, "Choose time off or a "
		    "holiday, and a first day on or before the last.", "exc");
	if ((rc = begin_insert(db, &s, &c, "INSERT INTO sched_exceptions "
	    "(practice_id, user_id, kind, first_date, last_date, label, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) != 0)
		return rc;
	db_bind_i64(s, 1, practice_id);
	if (user_id > 0)
		db_bind_i64(s, 2, user_id);
	else
		db_bind_null(s, 2);
	db_bind_text(s, 3, kind);
	db_bind_text(s, 4, caldate_format(first, d1));
	db_bind_text(s, 5, caldate_format(last, d2));
	db_bind_text(s, 6, label);
	db_bind_i64(s, 7, time_now_ms());
	return finish(c, s, who, practice_id, "sched_exception");
}

int
sched_retire(struct db *db, int64_t practice_id, enum sched_setup_kind kind,
    int64_t id, const struct audit_event *who)
{
	static const char *const sql[] = {
	    "UPDATE sched_locations SET active = 0 WHERE id = ? AND "
	    "practice_id = ? AND active = 1",
	    "UPDATE sched_rooms SET active = 0 WHERE id = ? AND practice_id = "
	    "? AND active = 1",
	    "UPDATE sched_types SET active = 0 WHERE id = ? AND practice_id = "
	    "? AND active = 1"};
	static const char *const table[] = {"sched_location", "sched_room",
	    "sched_type"};
	struct audit_event ev;
	struct db_conn *c;
	struct db_stmt *s;
	char oid[24];
	int rc;

	if ((unsigned)kind > SCHED_SETUP_TYPE)
		return ALC_EINVAL;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0 || (rc = db_prepare(c, &s, sql[kind])) != 0)
		goto out;
	db_bind_i64(s, 1, id);
	db_bind_i64(s, 2, practice_id);
	rc = db_step(s);
	if (rc >= 0)
		rc = db_changes(s) == 1 ? 0 : ALC_ENOTFOUND;
	db_stmt_done(s);
	if (rc != 0)
		goto out;
	memset(&ev, 0, sizeof(ev));
	if (who != NULL)
		ev = *who;
	else
		ev.actor_role = "system";
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	ev.verb = "CONFIG_CHANGE";
	ev.action = 'U';
	ev.practice_id = practice_id;
	ev.object_type = table[kind];
	ev.object_id = oid;
	ev.detail = "{\"retired\":true}";
	if ((rc = audit_write(c, &ev)) == 0)
		rc = db_commit(c);
out:
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

int
sched_hours_list(struct db *db, struct arena *a, int64_t practice_id,
    struct sched_hours_row **out, size_t *n)
{
	struct sched_hours_row *v;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((v = arena_alloc(a, MAX_NAMED * sizeof(*v))) == NULL)
		return ALC_ENOMEM;
	*out = v;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT id, user_id, weekday, start_min, "
	    "end_min FROM sched_hours WHERE practice_id = ? ORDER BY user_id, "
	    "weekday, start_min")) == 0) {
		db_bind_i64(s, 1, practice_id);
		while ((rc = db_step(s)) == DB_ROW && *n < MAX_NAMED) {
			struct sched_hours_row *x = &v[(*n)++];
			x->id = db_col_i64(s, 0);
			x->user_id = db_col_i64(s, 1);
			x->weekday = (int)db_col_i64(s, 2);
			x->start_min = (int)db_col_i64(s, 3);
			x->end_min = (int)db_col_i64(s, 4);
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

int
sched_exceptions_list(struct db *db, struct arena *a, int64_t practice_id,
    struct sched_exception_row **out, size_t *n)
{
	struct sched_exception_row *v;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((v = arena_alloc(a, MAX_NAMED * sizeof(*v))) == NULL)
		return ALC_ENOMEM;
	*out = v;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT id, user_id, kind, label, "
	    "first_date, last_date FROM sched_exceptions WHERE practice_id = ? "
	    "ORDER BY first_date DESC, id DESC")) == 0) {
		db_bind_i64(s, 1, practice_id);
		while ((rc = db_step(s)) == DB_ROW && *n < MAX_NAMED) {
			struct sched_exception_row *x = &v[(*n)++];
			const char *t = db_col_text(s, 3);
			memset(x, 0, sizeof(*x));
			x->id = db_col_i64(s, 0);
			x->user_id = db_col_is_null(s, 1) ? 0 : db_col_i64(s, 1);
			x->kind = arena_strdup(a, db_col_text(s, 2));
			x->label = t ? arena_strdup(a, t) : NULL;
			caldate_parse(db_col_text(s, 4), &x->first);
			caldate_parse(db_col_text(s, 5), &x->last);
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}
