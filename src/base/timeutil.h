/*
 * timeutil.h - wall-clock time in UTC milliseconds, and its text forms.
 *
 * Alcove stores every timestamp as integer milliseconds since the Unix
 * epoch, UTC (one choice everywhere: columns named *_at are BIGINT ms).
 * Display in a practice's time zone goes through tz-aware helpers added
 * with scheduling; nothing here touches the process-wide TZ.
 */
#ifndef ALC_TIMEUTIL_H
#define ALC_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

int64_t time_now_ms(void);
/* Monotonic milliseconds, for durations and timeouts. */
int64_t time_mono_ms(void);
/* Monotonic nanoseconds, for request timing. */
int64_t time_mono_ns(void);
/* "2026-11-25T00:48:51.123Z"; dst needs 25 bytes. Returns dst. */
char *time_format_iso(char *dst, size_t dstsz, int64_t ms);
/* Parses "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (UTC only); 0 or ALC_EINVAL. */
int time_parse_iso(const char *s, int64_t *ms);

#endif
