/*
 * views_settings.h - the practice's security settings page.
 */
#ifndef ALC_WEB_VIEWS_SETTINGS_H
#define ALC_WEB_VIEWS_SETTINGS_H

/* templates/settings/index.html */
struct settings_view {
	const char *idle_minutes;  /* as typed, kept on error */
	const char *idle_error;    /* NULL: valid */
	const char *bg_minutes;    /* break-glass duration, as typed */
	const char *bg_error;
	int mfa_all_staff;
	const char *csrf;
	/* Backups (core/backup/schedule.c): the last good one, when any. */
	const char *backup_iso;     /* datetime attribute; NULL: none */
	const char *backup_when;    /* "2026-11-25 03:47 UTC" */
	const char *backup_age;     /* "5 hours ago" */
	const char *backup_warning; /* none, or older than 48 hours */
	const char *backup_failed_when; /* a scheduled one failed after it */
	const char *backup_error;
};

#endif
