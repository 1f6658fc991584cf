/*
 * views_account.h - views of the signed-in home page and the account pages.
 */
#ifndef ALC_WEB_VIEWS_ACCOUNT_H
#define ALC_WEB_VIEWS_ACCOUNT_H

#include <stddef.h>

struct label_view {
	const char *text;
};

/* templates/home/index.html */
struct home_view {
	const char *greeting;      /* "Welcome" */
	const char *user_name;
	const char *practice_name;
	const struct label_view *roles;
	size_t n_roles;
	const char *sessions_text; /* "1 device", "3 devices" */
};

struct session_row_view {
	const char *started;   /* "2026-11-25 09:14 UTC" */
	const char *last_seen;
	const char *addr;
	const char *browser;   /* a short description of the user agent */
	int current;           /* this browser */
};

/* templates/account/sessions.html */
struct sessions_view {
	const struct session_row_view *rows;
	size_t n_rows;
	int others;            /* there are sessions besides this one */
	const char *csrf;
};

#endif
