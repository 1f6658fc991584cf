#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
alc_strerror(int code)
{
	switch (code) {
	case ALC_OK: return "ok";
	case ALC_ENOMEM: return "out of memory";
	case ALC_EINVAL: return "invalid input";
	case ALC_EIO: return "input/output error";
	case ALC_EDB: return "database error";
	case ALC_ENOTFOUND: return "not found";
	case ALC_EEXIST: return "already exists";
	case ALC_EPERM: return "not allowed";
	case ALC_EBUSY: return "busy, try again";
	case ALC_ECONFIG: return "configuration error";
	case ALC_ECRYPTO: return "cryptographic error";
	case ALC_ETOOBIG: return "too large";
	case ALC_ECONFLICT: return "conflict";
	case ALC_EAUTH: return "sign-in required";
	default: return "error";
	}
}

static int
err_vset(struct alc_err *err, int code, const char *user, const char *fmt,
    va_list ap)
{
	if (err == NULL)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	snprintf(err->user, sizeof(err->user), "%s",
	    user ? user : alc_strerror(code));
	return code;
}

int
alc_err_set(struct alc_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = err_vset(err, code, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int
alc_err_set_user(struct alc_err *err, int code, const char *user,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = err_vset(err, code, user, fmt, ap);
	va_end(ap);
	return code;
}
