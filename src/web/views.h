/*
 * views.h - the view structs of the base layout, the login page, error
 * pages and the form-field partial.
 *
 * A view is a plain struct that a page handler fills (usually from the
 * request arena) and hands to a generated template function
 * (build/gen/templates.h).  Templates name the members directly, so a
 * renamed member is a compile error in the template, not a blank page.
 * Strings are NUL-terminated UTF-8; NULL means "absent" and prints
 * nothing.  A list member `x` is a pointer to the first element and is
 * paired with `size_t n_x`, as {{#each}} expects.
 */
#ifndef ALC_WEB_VIEWS_H
#define ALC_WEB_VIEWS_H

#include <stddef.h>

/* One entry of the app navigation. */
struct nav_item {
	const char *label;
	const char *href;   /* a path such as "/patients" */
	int current;        /* non-zero: this page (aria-current="page") */
};

/* A one-time message shown at the top of the next page. */
struct flash_view {
	const char *kind;   /* "info", "success" or "error" */
	const char *text;
};

/* templates/layout.html: every full page. */
struct layout_view {
	const char *title;          /* page title; " - Alcove" is appended */
	const char *practice_name;  /* NULL: not shown */
	const char *user_name;      /* NULL: signed out, no app navigation */
	const struct nav_item *nav;      /* the main bar */
	size_t n_nav;
	const struct nav_item *subnav;   /* the compliance bar, on its pages */
	size_t n_subnav;
	const struct nav_item *account_nav; /* beside the person's name */
	size_t n_account_nav;
	const struct flash_view *flashes;
	size_t n_flashes;
	const char *css_href;       /* hashed asset URLs, from the server */
	const char *print_css_href;
	const char *js_href;
	const char *icon_href;      /* NULL: no favicon link */
	const char *csrf;           /* token for the sign-out form */
	long long idle_seconds;     /* signed in: the idle timeout (0: none) */
	const char *body;           /* pre-rendered page body (raw HTML) */
};

/* templates/partials/field.html: one labelled form field. */
struct field_view {
	const char *name;          /* form name; also the id "f-<name>" */
	const char *label;
	const char *type;          /* "text", "email", "password", "date" ... */
	const char *value;         /* the user's input, kept on error */
	const char *error;         /* NULL: valid */
	const char *hint;          /* NULL: none */
	const char *autocomplete;  /* NULL: attribute omitted */
	int required;
	int autofocus;
};

/* templates/auth/login.html */
struct login_view {
	const char *email;   /* kept when sign-in failed */
	const char *error;   /* one message, NULL if none */
	const char *csrf;
	const char *next;    /* path to go to after sign-in, may be NULL */
	const char *notice;  /* e.g. "You have been signed out.", may be NULL */
};

/* templates/errors/error.html */
struct error_view {
	int status;              /* 404, 403, 405, 413, 500 ... */
	const char *title;       /* "Page not found" */
	const char *message;     /* plain-language explanation */
	const char *request_id;  /* quoted to staff; may be NULL */
};

#endif
