/*
 * practice.h - practices (tenants) and their first owner.
 *
 * One installation may host several practices; every PHI-bearing row
 * carries practice_id.  A practice is created with exactly one owner by
 * `alcove init` (or later by an installation admin); more staff are added
 * through the identity features.
 */
#ifndef ALC_CORE_PRACTICE_H
#define ALC_CORE_PRACTICE_H

#include <stdint.h>

struct alc_err;
struct db;

struct practice_setup {
	const char *name;          /* "Lakeside Counseling" */
	const char *timezone;      /* IANA zone; NULL: America/New_York */
	const char *owner_email;
	const char *owner_name;
	const char *owner_pw_hash; /* argon2id string from pw_hash() */
};

/* Creates the practice, the owner's account and the owner membership in
 * one transaction.  ALC_EEXIST when the e-mail or the practice's short name
 * is taken; ALC_EINVAL for a bad name, zone or e-mail (err->user says
 * which). */
int practice_create(struct db *db, const struct practice_setup *ps,
    int64_t *practice_id, struct alc_err *err);

/* The practice named by its short name (slug), or, when slug is NULL, the
 * installation's only practice.  ALC_ENOTFOUND / ALC_ECONFLICT (several
 * practices and no slug), with err->user saying so. */
int practice_resolve(struct db *db, const char *slug, int64_t *practice_id,
    struct alc_err *err);

/* One practice of the installation, for `alcove practice list`. */
struct practice_info {
	int64_t id;
	char name[128], slug[64], timezone[64];
	int64_t created_at;
	int staff;           /* active staff members */
};

/* Calls fn for each practice that is not retired, in id order; stops
 * with fn's result when it is not 0.  0, ALC_EDB, ALC_EBUSY. */
int practice_list(struct db *db,
    int (*fn)(void *arg, const struct practice_info *pi), void *arg);

/* Checks an e-mail address is plausible: one '@', a dot in the domain, no
 * spaces or control characters, at most 254 bytes. */
int practice_email_ok(const char *email);

#endif
