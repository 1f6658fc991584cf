/*
 * setup.c - locations, rooms, appointment types, working hours and
 * exceptions.  See scheduling.h.
 *
 * Set-up rows carry no PHI; each addition is one transaction with a
 * CONFIG_CHANGE audit event naming the table and the new row.  Every
 * practice gets a "Telehealth" location the first time its locations are
 * read, so video sessions have a place without any set-up.
 */
#include "core/scheduling/scheduling.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

const char *const sched_palette[SCHED_PALETTE_N] = {"blue", "green",
	"purple", "orange", "teal", "grey"};

int
sched_colour_ok(const char *key)
{
	size_t i;

	for (i = 0; key != NULL && i < SCHED_PALETTE_N; i++)
		if (strcmp(key, sched_palette[i]) == 0)
			return 1;
	return 0;
}

int
sched_practice_tz(struct db *db, int64_t practice_id, char *tz, size_t tzsz)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	snprintf(tz, tzsz, "America/New_York");
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT timezone FROM practices WHERE id = "
	    "?")) == 0) {
		db_bind_i64(s, 1, practice_id);
		if ((rc = db_step(s)) == DB_ROW && db_col_text(s, 0) != NULL)
			snprintf(tz, tzsz, "%s", db_col_text(s, 0));
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

static int
audit_setup(struct db_conn *c, const struct audit_event *who, int64_t pid,
    const char *table, int64_t id)
{
	struct audit_event ev;
	char oid[24];

	if (who != NULL)
		ev = *who;
	else {
		memset(&ev, 0, sizeof(ev));
		ev.actor_role = "system";
	}
	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	ev.verb = "CONFIG_CHANGE";
	ev.action = 'C';
	ev.practice_id = pid;
	ev.object_type = table;
	ev.object_id = oid;
	return audit_write(c, &ev);
}

/* Runs an INSERT ... RETURNING id bound by fn, and its audit event, in one
 * transaction. */
static int
insert_audited(struct db *db, int64_t pid, const char *table, const char *sql,
    void (*bind)(struct db_stmt *, const void *), const void *arg,
    const struct audit_event *who, int64_t *id, struct alc_err *err)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*id = 0;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0 || (rc = db_prepare(c, &s, sql)) != 0)
		goto out;
	bind(s, arg);
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc == DB_ROW && (rc = audit_setup(c, who, pid, table, *id)) == 0)
		rc = db_commit(c);
	else if (rc >= 0)
		rc = rc == DB_ROW ? rc : ALC_EINVAL;
out:
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	if (rc == ALC_EEXIST)
		alc_err_set_user(err, rc, "That name is already used.", "dup");
	else if (rc == ALC_EINVAL || rc == ALC_EDB)
		alc_err_set_user(err, rc, "That could not be saved: check the "
		    "values.", "insert failed");
	return rc;
}

struct loc_arg {
	int64_t pid, parent;
	const char *name;
	int flag;
	const struct sched_named *t;
	int64_t now;
};

static void
bind_location(struct db_stmt *s, const void *p)
{
	const struct loc_arg *a = p;

	db_bind_i64(s, 1, a->pid);
	db_bind_text(s, 2, a->name);
	db_bind_i64(s, 3, a->flag);
	db_bind_i64(s, 4, a->now);
}

static int
name_ok(const char *name, struct alc_err *err)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > 100)
		return alc_err_set_user(err, ALC_EINVAL, "Give it a name of up "
		    "to 100 characters.", "name");
	return 0;
}

int
sched_location_add(struct db *db, int64_t practice_id, const char *name,
    int telehealth, const struct audit_event *who, int64_t *id,
    struct alc_err *err)
{
	struct loc_arg a = {practice_id, 0, name, telehealth ? 1 : 0, NULL,
	    time_now_ms()};
	int rc;

	if ((rc = name_ok(name, err)) != 0)
		return rc;
	return insert_audited(db, practice_id, "sched_location", "INSERT INTO "
	    "sched_locations (practice_id, name, telehealth, created_at) VALUES "
	    "(?, ?, ?, ?) RETURNING id", bind_location, &a, who, id, err);
}

static void
bind_room(struct db_stmt *s, const void *p)
{
	const struct loc_arg *a = p;

	db_bind_i64(s, 1, a->pid);
	db_bind_i64(s, 2, a->parent);
	db_bind_text(s, 3, a->name);
	db_bind_i64(s, 4, a->now);
	db_bind_i64(s, 5, a->parent);
	db_bind_i64(s, 6, a->pid);
}

int
sched_room_add(struct db *db, int64_t practice_id, int64_t location_id,
    const char *name, const struct audit_event *who, int64_t *id,
    struct alc_err *err)
{
	struct loc_arg a = {practice_id, location_id, name, 0, NULL,
	    time_now_ms()};
	int rc;

	if ((rc = name_ok(name, err)) != 0)
		return rc;
	/* The SELECT makes a location of another practice insert nothing. */
	return insert_audited(db, practice_id, "sched_room", "INSERT INTO "
	    "sched_rooms (practice_id, location_id, name, created_at) SELECT ?, "
	    "?, ?, ? FROM sched_locations WHERE id = ? AND practice_id = ? "
	    "RETURNING id", bind_room, &a, who, id, err);
}

static void
bind_type(struct db_stmt *s, const void *p)
{
	const struct loc_arg *a = p;

	db_bind_i64(s, 1, a->pid);
	db_bind_text(s, 2, a->t->name);
	db_bind_i64(s, 3, a->t->minutes);
	db_bind_text(s, 4, a->t->cpt && a->t->cpt[0] ? a->t->cpt : NULL);
	db_bind_i64(s, 5, a->t->fee_cents);
	db_bind_text(s, 6, a->t->colour);
	db_bind_i64(s, 7, a->now);
}

int
sched_type_add(struct db *db, int64_t practice_id,
    const struct sched_named *t, const struct audit_event *who, int64_t *id,
    struct alc_err *err)
{
	struct loc_arg a = {practice_id, 0, NULL, 0, t, time_now_ms()};
	int rc;

	if ((rc = name_ok(t->name, err)) != 0)
		return rc;
	if (t->minutes < 5 || t->minutes > 600)
		return alc_err_set_user(err, ALC_EINVAL, "A session lasts 5 to "
		    "600 minutes.", "minutes");
	if (t->fee_cents < 0)
		return alc_err_set_user(err, ALC_EINVAL, "The fee cannot be "
		    "negative.", "fee");
	if (!sched_colour_ok(t->colour))
		return alc_err_set_user(err, ALC_EINVAL, "Choose a colour.",
		    "colour");
	if (t->cpt && strlen(t->cpt) > 10)
		return alc_err_set_user(err, ALC_EINVAL, "A CPT code has 5 "
		    "characters.", "cpt");
	return insert_audited(db, practice_id, "sched_type", "INSERT INTO "
	    "sched_types (practice_id, name, minutes, cpt_code, fee_cents, "
	    "colour, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    bind_type, &a, who, id, err);
}
