/*
 * policy.h - the password policy (NIST SP 800-63B section 5.1.1.2), used
 * everywhere a password is set: `alcove init`, password reset, and later
 * invitations and "change my password".
 *
 * The rules, and nothing else (no composition rules, no rotation):
 *   - at least 15 characters for an account without MFA, 8 with MFA,
 *     counted in Unicode code points, so "correct horse" in any script or
 *     emoji counts what the person typed, not bytes;
 *   - at most 1024 bytes (PW_MAX_BYTES), which always allows at least 256
 *     characters of any kind, well over the 64 NIST asks for;
 *   - any Unicode, as long as it is valid UTF-8;
 *   - not in the shipped list of common and breached passwords
 *     (data/passwords/, about 209,000 entries; compared case-insensitively);
 *   - not containing the user's name (each part of 3 or more letters), the
 *     local part of their e-mail address (whole, and each part of 3 or
 *     more letters), or the practice's name (case-insensitively, also with
 *     spaces and punctuation ignored).
 *
 * Each refusal has a plain-language reason for the page or terminal.
 *
 * Case-insensitive means: ASCII, Latin-1, Latin Extended-A, Greek and
 * Cyrillic letters are folded to lower case; other scripts are compared as
 * they are.  Unicode normalisation (NFC/NFKC) is not applied.
 */
#ifndef ALC_CORE_USERS_POLICY_H
#define ALC_CORE_USERS_POLICY_H

#include <stddef.h>

#define PWPOL_MIN_CHARS 15     /* account without MFA */
#define PWPOL_MIN_CHARS_MFA 8  /* account with MFA */
#define PWPOL_MAX_BYTES 1024   /* same as crypto/password.h PW_MAX_BYTES */

enum pwpol_verdict {
	PWPOL_OK = 0,
	PWPOL_EMPTY,
	PWPOL_TOO_LONG,
	PWPOL_NOT_UTF8,
	PWPOL_TOO_SHORT,
	PWPOL_BREACHED,
	PWPOL_HAS_NAME,
	PWPOL_HAS_EMAIL,
	PWPOL_HAS_PRACTICE,
};

/* Whose password it is.  Every pointer may be NULL.  A name that holds
 * an '@' (Alcove uses the e-mail address when no name was given) is not
 * treated as a name. */
struct pwpol_subject {
	const char *name;              /* display name: "Jane Q. Doe" */
	const char *email;             /* "jane.doe@example.org" */
	const char *const *practices;  /* names of the practices they belong to */
	size_t n_practices;
	int has_mfa;                   /* non-zero: the 8-character minimum */
};

/* Checks pw (NUL-terminated) against every rule, in the order listed in
 * the enum, and returns the first one it breaks, or PWPOL_OK.  who may be
 * NULL (then only length, encoding and the blocklist apply, with the
 * no-MFA minimum). */
enum pwpol_verdict pwpol_check(const char *pw, const struct pwpol_subject *who);

/* The reason to show next to the password field, as a full sentence.
 * has_mfa picks the minimum named for PWPOL_TOO_SHORT.  "" for PWPOL_OK. */
const char *pwpol_reason(enum pwpol_verdict v, int has_mfa);

/* Minimum length in characters for an account with or without MFA. */
size_t pwpol_min_chars(int has_mfa);

/* 1 when pw (case-insensitively) is in the shipped blocklist, else 0.
 * A binary search of the embedded sorted text: no start-up cost. */
int pwpol_blocklisted(const char *pw);

/* Entries in the embedded blocklist (counts lines; for tests and
 * `alcove version`-style reporting, not for hot paths). */
size_t pwpol_blocklist_count(void);

/* Number of Unicode code points in s, or (size_t)-1 when s is not valid
 * UTF-8 (overlong forms, surrogates and values past U+10FFFF are
 * invalid). */
size_t pwpol_chars(const char *s);

#endif
