/*
 * caldate.h - calendar dates for legal clocks and compliance due dates.
 *
 * HIPAA counts calendar days in the practice's time zone (day 0 is the
 * day of discovery or receipt), so due dates are dates, not timestamps:
 * a struct caldate in memory, 'YYYY-MM-DD' text in the database (text
 * compares in date order on both engines).  Arithmetic goes through a day
 * number (days since 1970-01-01, proleptic Gregorian), which makes adding
 * days and counting the days between two dates exact.
 *
 * "Today" in a practice's zone is read from the system tz database
 * (/usr/share/zoneinfo, TZif files) without touching the process-wide TZ,
 * so concurrent requests for practices in different zones cannot disturb
 * each other.  Debian ships "fat" TZif files listing transitions up to
 * 2037; for a later instant the time is moved back by 28-year steps (the
 * Gregorian calendar's weekday pattern repeats every 28 years between 1901
 * and 2099), which keeps today's day-of-week-based DST rules right.
 */
#ifndef ALC_BASE_CALDATE_H
#define ALC_BASE_CALDATE_H

#include <stdint.h>

#define CALDATE_TEXT_SIZE 11 /* "YYYY-MM-DD" and the NUL */

struct caldate {
	int y, m, d; /* 1 <= m <= 12, 1 <= d <= days in that month */
};

int caldate_is_leap(int y);
int caldate_days_in_month(int y, int m);
/* 1 when d names a real date between the years 1900 and 9999. */
int caldate_valid(struct caldate d);

/* Parses exactly "YYYY-MM-DD" (a real date).  0 or ALC_EINVAL. */
int caldate_parse(const char *s, struct caldate *out);
/* Writes "YYYY-MM-DD" into out (CALDATE_TEXT_SIZE bytes); returns out. */
char *caldate_format(struct caldate d, char *out);

/* Days since 1970-01-01 (negative before), and back. */
int64_t caldate_to_days(struct caldate d);
struct caldate caldate_from_days(int64_t days);

struct caldate caldate_add_days(struct caldate d, int64_t n);
/* b - a in days. */
int64_t caldate_diff(struct caldate a, struct caldate b);
/* <0, 0, >0 as a is before, on, after b. */
int caldate_cmp(struct caldate a, struct caldate b);

/* d moved by n months, on day min(anchor_day, days in the target month):
 * monthly from Jan 31 (anchor 31) gives Feb 28 (29 in leap years), then
 * Mar 31, because each step starts from the anchor, not from the short
 * month's last day.  anchor_day 0 means d's own day. */
struct caldate caldate_add_months(struct caldate d, int n, int anchor_day);

/* The date in IANA zone tz (e.g. "America/Chicago") at now_ms (UTC).
 * ALC_EINVAL for a name that is not a safe zone name, ALC_ENOTFOUND when
 * the tz database has no such zone or its file is unreadable. */
int caldate_today(const char *tz, int64_t now_ms, struct caldate *out);
/* The zone's offset from UTC, in seconds east, at t (seconds UTC). */
int caldate_utc_offset(const char *tz, int64_t t, int32_t *offset);


/* The UTC instant (ms) of the local wall time minute_of_day (0..1439) on
 * date in zone tz.  A time that does not exist (a spring-forward gap) is
 * read with the offset before the gap, so it lands after the gap (02:30
 * becomes 03:30 daylight time); an ambiguous one (the fall-back hour) is
 * its first occurrence.  ALC_EINVAL, ALC_ENOTFOUND as caldate_today. */
int caldate_local_to_utc(const char *tz, struct caldate date,
    int minute_of_day, int64_t *ms);
/* The local date and minute of the day (0..1439) of ms (UTC) in tz. */
int caldate_from_utc(const char *tz, int64_t ms, struct caldate *date,
    int *minute_of_day);
/* 0 Sunday .. 6 Saturday. */
int caldate_weekday(struct caldate d);

#endif
