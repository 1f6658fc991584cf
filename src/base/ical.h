/*
 * ical.h - writing iCalendar (RFC 5545) text by hand, for the feeds that
 * calendar apps subscribe to (compliance due dates, clinicians' schedules).
 *
 * The details clients are strict about: CRLF after every content line;
 * lines longer than 75 octets folded (CRLF and one space), never inside a
 * UTF-8 character; TEXT values escape backslash, semicolon and comma, and
 * a newline becomes "\n"; control characters are dropped.
 */
#ifndef ALC_BASE_ICAL_H
#define ALC_BASE_ICAL_H

#include <stdint.h>

struct buf;

#define ICAL_STAMP_SIZE 20 /* "20261125T004851Z" and the NUL */

/* Appends one content line, folded at 75 octets, and its CRLF. */
void ical_line(struct buf *out, const char *line);
/* Appends NAME:value with value escaped as TEXT. */
void ical_text(struct buf *out, const char *name, const char *value);
/* ms (UTC) as a UTC DATE-TIME in basic format: 20261125T004851Z. */
char *ical_utc(int64_t ms, char out[ICAL_STAMP_SIZE]);

#endif
