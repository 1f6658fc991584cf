#include "base/log.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum log_level log_min = LOG_INFO;

void
log_set_level(enum log_level lv)
{
	log_min = lv;
}

int
log_level_parse(const char *s)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

char *
log_q(char *dst, unsigned long dstsz, const char *s)
{
	unsigned long i = 0;

	if (dstsz < 8) {
		if (dstsz)
			dst[0] = '\0';
		return dst;
	}
	dst[i++] = '"';
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (i + 6 >= dstsz) {
			memcpy(dst + i, "...", 3);
			i += 3;
			break;
		}
		if (c == '"' || c == '\\') {
			dst[i++] = '\\';
			dst[i++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			dst[i++] = '?';
		} else
			dst[i++] = (char)c;
	}
	dst[i++] = '"';
	dst[i] = '\0';
	return dst;
}

void
log_msg(enum log_level lv, const char *msg, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	char line[2048], ts[32], q[256];
	va_list ap;
	int n, m;

	if (lv < log_min)
		return;
	time_format_iso(ts, sizeof(ts), time_now_ms());
	n = snprintf(line, sizeof(line), "ts=%s level=%s msg=%s", ts,
	    names[lv], log_q(q, sizeof(q), msg));
	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 2;
	if (fmt != NULL && *fmt != '\0' && (size_t)n < sizeof(line) - 2) {
		line[n++] = ' ';
		va_start(ap, fmt);
		m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
		va_end(ap);
		if (m > 0)
			n += m;
		if ((size_t)n > sizeof(line) - 2)
			n = (int)sizeof(line) - 2;
	}
	line[n++] = '\n';
	/* One write per line so concurrent threads never interleave. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
