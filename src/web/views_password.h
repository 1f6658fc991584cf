/*
 * views_password.h - views of the "forgot my password" and "choose a new
 * password" pages (templates/password/).
 */
#ifndef ALC_WEB_VIEWS_PASSWORD_H
#define ALC_WEB_VIEWS_PASSWORD_H

#include "web/views.h"

/* templates/password/forgot.html: ask for the e-mail address. */
struct forgot_view {
	const char *csrf;
	struct field_view email;
};

/* templates/password/sent.html: the one answer to every request. */
struct forgot_sent_view {
	int minutes; /* how long the link works */
};

/* templates/password/reset.html: the new password, twice.  The token
 * travels in a hidden field (it is the link's, not a secret of the
 * page); the passwords are never echoed back. */
struct reset_view {
	const char *csrf;
	const char *token;
	const char *error;  /* a summary at the top, NULL if none */
	struct field_view password;
	struct field_view password2;
};

/* templates/password/invalid.html: a link that cannot be used. */
struct reset_invalid_view {
	const char *title;
	const char *message;
};

#endif
