/*
 * views_settings.h - the practice's security settings page.
 */
#ifndef ALC_WEB_VIEWS_SETTINGS_H
#define ALC_WEB_VIEWS_SETTINGS_H

/* templates/settings/index.html */
struct settings_view {
	const char *idle_minutes;  /* as typed, kept on error */
	const char *idle_error;    /* NULL: valid */
	int mfa_all_staff;
	const char *csrf;
};

#endif
