/*
 * log.h - structured, line-oriented logging to stderr.
 *
 * One event per line, logfmt style: `ts=... level=info msg="..." k=v ...`,
 * so that journald, grep and log shippers all read it.  Callers pass
 * key/value pairs already formatted; values with spaces or quotes are
 * quoted and escaped by log_kv.  Never log secrets, bodies, query
 * strings or anything that may hold PHI: log ids, not names.
 *
 * Thread-safe: each line is written with one write(2).
 */
#ifndef ALC_LOG_H
#define ALC_LOG_H

#include <stdarg.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lv);
/* "debug", "info", "warn", "error"; returns -1 when unknown. */
int log_level_parse(const char *s);

/* msg is a fixed event name or short sentence; fmt adds `k=v` pairs built
 * with the usual printf conversions (use %s only with values known to be
 * safe; use log_q() for free text). */
void log_msg(enum log_level lv, const char *msg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(msg, ...) log_msg(LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...)  log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...)  log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, msg, __VA_ARGS__)

/* Quote free text for a logfmt value into dst (always NUL-terminated,
 * truncated with "..." if needed); returns dst. */
char *log_q(char *dst, unsigned long dstsz, const char *s);

#endif
