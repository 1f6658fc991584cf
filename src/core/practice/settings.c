/*
 * settings.c - reading and changing the practice's security settings.
 */
#include "core/practice/settings.h"
#include "audit/audit.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
settings_get(struct db *db, int64_t practice_id, struct practice_settings *ps)
{
	struct db_conn *c;
	struct db_stmt *s;
	const char *k, *v;
	long n;
	int rc;

	ps->idle_minutes = SETTINGS_IDLE_DEFAULT;
	ps->mfa_all_staff = 0;
	ps->break_glass_minutes = SETTINGS_BG_DEFAULT;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT key, value FROM settings WHERE "
	    "practice_id = ? AND key IN ('session.idle_minutes', "
	    "'security.mfa_all_staff', 'patients.break_glass_minutes')")) == 0) {
		db_bind_i64(s, 1, practice_id);
		while ((rc = db_step(s)) == DB_ROW) {
			k = db_col_text(s, 0);
			v = db_col_text(s, 1);
			n = strtol(v, NULL, 10);
			if (strcmp(k, "session.idle_minutes") == 0 &&
			    n >= SETTINGS_IDLE_MIN && n <= SETTINGS_IDLE_MAX)
				ps->idle_minutes = (int)n;
			else if (strcmp(k, "security.mfa_all_staff") == 0)
				ps->mfa_all_staff = strcmp(v, "true") == 0;
			else if (strcmp(k, "patients.break_glass_minutes") == 0 &&
			    n >= SETTINGS_BG_MIN && n <= SETTINGS_BG_MAX)
				ps->break_glass_minutes = (int)n;
		}
		db_stmt_done(s);
	}
	db_release(c);
	return rc < 0 ? rc : 0;
}

static int
put(struct db_conn *c, int64_t pid, const char *key, const char *value,
    int64_t now)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO settings (practice_id, key, "
	    "value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (practice_id, "
	    "key) DO UPDATE SET value = excluded.value, updated_at = "
	    "excluded.updated_at")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, key);
	db_bind_text(s, 3, value);
	db_bind_i64(s, 4, now);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
update_in(struct db_conn *c, int64_t pid, const struct practice_settings *ps,
    const struct audit_event *who)
{
	struct audit_event ev;
	char idle[16], bg[16], detail[160];
	int64_t now = time_now_ms();
	int rc;

	snprintf(idle, sizeof(idle), "%d", ps->idle_minutes);
	snprintf(bg, sizeof(bg), "%d", ps->break_glass_minutes);
	if ((rc = put(c, pid, "session.idle_minutes", idle, now)) != 0 ||
	    (rc = put(c, pid, "security.mfa_all_staff",
	    ps->mfa_all_staff ? "true" : "false", now)) != 0 ||
	    (rc = put(c, pid, "patients.break_glass_minutes", bg, now)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"session.idle_minutes\":%d,"
	    "\"security.mfa_all_staff\":%s,\"patients.break_glass_minutes\":"
	    "%d}", ps->idle_minutes, ps->mfa_all_staff ? "true" : "false",
	    ps->break_glass_minutes);
	if (who != NULL)
		ev = *who;
	else
		memset(&ev, 0, sizeof(ev));
	ev.verb = "CONFIG_CHANGE";
	ev.action = 0;
	ev.practice_id = pid;
	ev.object_type = "settings";
	ev.detail = detail;
	return audit_write(c, &ev);
}

int
settings_update(struct db *db, int64_t practice_id,
    const struct practice_settings *ps, const struct audit_event *who,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (ps->idle_minutes < SETTINGS_IDLE_MIN ||
	    ps->idle_minutes > SETTINGS_IDLE_MAX)
		return alc_err_set_user(err, ALC_EINVAL, "Choose from 1 to 60 "
		    "minutes.", "idle minutes out of range");
	if (ps->break_glass_minutes < SETTINGS_BG_MIN ||
	    ps->break_glass_minutes > SETTINGS_BG_MAX)
		return alc_err_set_user(err, ALC_EINVAL, "Choose from 15 to 480 "
		    "minutes.", "break-glass minutes out of range");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = update_in(c, practice_id, ps, who)) == 0)
		rc = db_commit(c);
	db_release(c); /* rolls back an unfinished transaction */
	return rc;
}
