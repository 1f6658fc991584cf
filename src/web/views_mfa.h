/*
 * views_mfa.h - views of the two-step sign-in pages (pages/mfa.c).
 */
#ifndef ALC_WEB_VIEWS_MFA_H
#define ALC_WEB_VIEWS_MFA_H

#include <stddef.h>

/* templates/mfa/login.html: the code asked for after the password. */
struct mfa_login_view {
	const char *csrf;
	const char *next;  /* where to go afterwards; may be NULL */
	const char *error; /* NULL: none */
};

/* templates/mfa/account.html: status, setting up, recovery codes, off. */
struct mfa_account_view {
	const char *csrf;
	int active;             /* MFA is on */
	int must;               /* the user's roles require it */
	int enrol_only;         /* sent here before anything else */
	const char *enrolled_at; /* "2026-11-25 09:14 UTC" */
	size_t codes_left;
	int codes_low;          /* fewer than 3 left */
	/* Setting up (when not active). */
	const char *secret;     /* base32 in groups of four */
	const char *qr_src;     /* the QR code image */
	const char *error;      /* wrong code when turning on */
	const char *off_error;  /* wrong code, or not allowed, turning it off */
};

struct mfa_code_view {
	const char *code;
};

/* templates/mfa/codes.html: new recovery codes, shown once. */
struct mfa_codes_view {
	const struct mfa_code_view *codes;
	size_t n_codes;
	int just_enabled;          /* MFA was turned on just now */
	const char *continue_href; /* where to go next */
};

#endif
