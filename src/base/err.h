/*
 * err.h - error codes and the error value that travels with them.
 *
 * Functions return 0 on success and a negative ALC_E* code on failure.
 * When the caller needs more than the code, the function also fills a
 * struct alc_err: `msg` is for the operator's log and may name files,
 * keys and SQL; `user` is safe to show in a page or on a terminal to
 * someone who is not an operator (it never contains secrets or PHI).
 */
#ifndef ALC_ERR_H
#define ALC_ERR_H

#include <stddef.h>

enum {
	ALC_OK = 0,
	ALC_ENOMEM = -1,     /* allocation failed */
	ALC_EINVAL = -2,     /* bad argument or input */
	ALC_EIO = -3,        /* file, socket or device error */
	ALC_EDB = -4,        /* database error */
	ALC_ENOTFOUND = -5,  /* no such object */
	ALC_EEXIST = -6,     /* object already exists / unique violation */
	ALC_EPERM = -7,      /* not allowed */
	ALC_EBUSY = -8,      /* locked or temporarily unavailable; retry */
	ALC_ECONFIG = -9,    /* configuration is invalid */
	ALC_ECRYPTO = -10,   /* cryptographic failure (bad tag, bad key) */
	ALC_ETOOBIG = -11,   /* input exceeds a limit */
	ALC_ECONFLICT = -12, /* concurrent modification or scheduling conflict */
	ALC_EAUTH = -13,     /* not signed in (or the session ended) */
};

struct alc_err {
	int code;
	char msg[512];  /* operator-facing detail */
	char user[256]; /* safe for end users */
};

/* Record an error and return its code, so callers can write
 * `return alc_err_set(err, ALC_EINVAL, "bad port %d", p);`.
 * err may be NULL. `user` defaults to a generic message for the code. */
int alc_err_set(struct alc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with an explicit user-safe message. */
int alc_err_set_user(struct alc_err *err, int code, const char *user,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Short, user-safe name of a code: "not found", "not allowed" ... */
const char *alc_strerror(int code);

#endif
