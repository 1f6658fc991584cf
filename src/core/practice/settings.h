/*
 * settings.h - the practice's security settings, as people change them.
 *
 * Stored as key/value rows of the settings table (0001), read where they
 * apply: session.idle_minutes by session creation (core/users/session.c),
 * security.mfa_all_staff by the session stage (session.c, mfa.c).
 */
#ifndef ALC_CORE_PRACTICE_SETTINGS_H
#define ALC_CORE_PRACTICE_SETTINGS_H

#include <stdint.h>

struct alc_err;
struct audit_event;
struct db;

#define SETTINGS_IDLE_MIN 1
#define SETTINGS_IDLE_MAX 60
#define SETTINGS_IDLE_DEFAULT 15
/* Break-glass access to a record outside one's care team (minutes). */
#define SETTINGS_BG_MIN 15
#define SETTINGS_BG_MAX 480
#define SETTINGS_BG_DEFAULT 60

struct practice_settings {
	int idle_minutes;  /* sign out after this many idle minutes */
	int mfa_all_staff; /* two-step sign-in for every staff member */
	int break_glass_minutes; /* how long emergency access lasts */
};

/* The current values (defaults for rows that do not exist). */
int settings_get(struct db *db, int64_t practice_id,
    struct practice_settings *ps);
/* Stores ps (validated: ALC_EINVAL with err->user) and writes one
 * CONFIG_CHANGE audit event listing what changed, in one transaction.
 * Existing sessions keep their idle time; new ones get the new one. */
int settings_update(struct db *db, int64_t practice_id,
    const struct practice_settings *ps, const struct audit_event *who,
    struct alc_err *err);

#endif
