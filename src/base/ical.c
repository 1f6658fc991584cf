/*
 * ical.c - iCalendar content lines.  See ical.h.  Moved here from the
 * compliance feed so every feed folds and escapes the same way.
 */
#include "base/ical.h"
#include "base/buf.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <string.h>

/* Length of the UTF-8 character starting with byte c (1 for others). */
static size_t
u8len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

void
ical_line(struct buf *out, const char *line)
{
	size_t len = strlen(line), i = 0, used = 0, n;

	while (i < len) {
		n = u8len((unsigned char)line[i]);
		if (i + n > len)
			n = len - i;
		if (used + n > 75) {
			buf_puts(out, "\r\n ");
			used = 1;
		}
		buf_append(out, line + i, n);
		used += n;
		i += n;
	}
	buf_puts(out, "\r\n");
}

void
ical_text(struct buf *out, const char *name, const char *value)
{
	struct buf line;
	const char *p;

	buf_init(&line, NULL);
	buf_printf(&line, "%s:", name);
	for (p = value ? value : ""; *p; p++) {
		if (*p == '\\' || *p == ';' || *p == ',')
			buf_putc(&line, '\\');
		if (*p == '\n')
			buf_puts(&line, "\\n");
		else if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			buf_putc(&line, *p);
	}
	if (buf_failed(&line))
		out->failed = 1;
	else
		ical_line(out, buf_cstr(&line));
	buf_free(&line);
}

char *
ical_utc(int64_t ms, char out[ICAL_STAMP_SIZE])
{
	char iso[32];

	time_format_iso(iso, sizeof(iso), ms);
	snprintf(out, ICAL_STAMP_SIZE, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", iso,
	    iso + 5, iso + 8, iso + 11, iso + 14, iso + 17);
	return out;
}
