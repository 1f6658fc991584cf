/*
 * views_account.h - views of the signed-in home page and the account pages.
 */
#ifndef ALC_WEB_VIEWS_ACCOUNT_H
#define ALC_WEB_VIEWS_ACCOUNT_H

#include <stddef.h>

struct label_view {
	const char *text;
};

/* One of the signed-in person's compliance tasks on the home page. */
struct home_need_view {
	long long id;
	const char *title, *due, *words; /* words: "3 days overdue" */
	int overdue;
};

/* templates/home/index.html */
struct home_view {
	const char *greeting;      /* "Welcome" */
	const char *user_name;
	const char *practice_name;
	const struct label_view *roles;
	size_t n_roles;
	const char *sessions_text; /* "1 device", "3 devices" */
	/* "What needs you" (compliance/dashboard.h); shown when show_needs. */
	int show_needs;
	const struct home_need_view *needs;
	size_t n_needs;
	const char *policies_text; /* "2 policies to read and attest to"; NULL */
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

/* One practice on /account/practices. */
struct practice_row_view {
	const char *id, *name;
	const char *roles;     /* "Practice owner, Clinician" */
	int current;           /* the practice this session is in */
};

/* templates/account/practices.html */
struct practices_view {
	const struct practice_row_view *rows;
	size_t n_rows;
	int others;            /* more than one: switch forms are shown */
	const char *csrf;
};

#endif
