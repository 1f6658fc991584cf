/*
 * schedule.c - recurrence, retention and reminder days: pure functions
 * over calendar dates (see compliance.h for the rules).
 */
#include "core/compliance/compliance.h"
#include "base/err.h"

#include <stdio.h>

int
compliance_recurrence_check(const struct compliance_recurrence *rec)
{
	switch (rec->kind) {
	case COMPLIANCE_ONCE:
		return 0;
	case COMPLIANCE_MONTHS:
		return rec->every >= 1 && rec->every <= 120 &&
		    rec->anchor_day >= 1 && rec->anchor_day <= 31 ? 0 :
		    ALC_EINVAL;
	case COMPLIANCE_DAYS:
		return rec->every >= 1 && rec->every <= COMPLIANCE_EVERY_MAX ?
		    0 : ALC_EINVAL;
	}
	return ALC_EINVAL;
}

int
compliance_next_due(const struct compliance_recurrence *rec,
    struct caldate due, struct caldate *next)
{
	if (compliance_recurrence_check(rec) != 0 || !caldate_valid(due))
		return ALC_EINVAL;
	switch (rec->kind) {
	case COMPLIANCE_MONTHS:
		*next = caldate_add_months(due, rec->every, rec->anchor_day);
		return 0;
	case COMPLIANCE_DAYS:
		*next = caldate_add_days(due, rec->every);
		return 0;
	case COMPLIANCE_ONCE:
		break;
	}
	return ALC_ENOTFOUND;
}

const char *
compliance_recurrence_label(const struct compliance_recurrence *rec,
    char *buf, size_t bufsz)
{
	switch (rec->kind) {
	case COMPLIANCE_ONCE:
		snprintf(buf, bufsz, "Once");
		break;
	case COMPLIANCE_MONTHS:
		if (rec->every == 12)
			snprintf(buf, bufsz, "Every year");
		else if (rec->every == 3)
			snprintf(buf, bufsz, "Every quarter");
		else if (rec->every == 1)
			snprintf(buf, bufsz, "Every month");
		else if (rec->every % 12 == 0)
			snprintf(buf, bufsz, "Every %d years", rec->every / 12);
		else
			snprintf(buf, bufsz, "Every %d months", rec->every);
		break;
	case COMPLIANCE_DAYS:
		if (rec->every == 1)
			snprintf(buf, bufsz, "Every day");
		else
			snprintf(buf, bufsz, "Every %d days", rec->every);
		break;
	}
	return buf;
}

struct caldate
compliance_retain_until(struct caldate d)
{
	return caldate_add_months(d, 12 * COMPLIANCE_RETAIN_YEARS, d.d);
}

const char *
compliance_due_words(struct caldate due, struct caldate today, char *buf,
    size_t bufsz)
{
	int64_t n = caldate_diff(today, due);

	if (n == 0)
		snprintf(buf, bufsz, "due today");
	else if (n == 1)
		snprintf(buf, bufsz, "due tomorrow");
	else if (n > 1)
		snprintf(buf, bufsz, "due in %lld days", (long long)n);
	else if (n == -1)
		snprintf(buf, bufsz, "1 day overdue");
	else
		snprintf(buf, bufsz, "%lld days overdue", (long long)-n);
	return buf;
}

enum compliance_reminder
compliance_reminder_for(struct caldate due, struct caldate today)
{
	int64_t n = caldate_diff(today, due);

	if (n == 14)
		return COMPLIANCE_REMIND_DUE14;
	if (n == 3)
		return COMPLIANCE_REMIND_DUE3;
	/* Overdue: the first day after the due date, then once a week, so
	 * a forgotten task keeps coming back without a mail every day. */
	if (n < 0 && (-n - 1) % 7 == 0)
		return COMPLIANCE_REMIND_OVERDUE;
	return COMPLIANCE_REMIND_NONE;
}

const char *
compliance_reminder_name(enum compliance_reminder k)
{
	switch (k) {
	case COMPLIANCE_REMIND_DUE14: return "due14";
	case COMPLIANCE_REMIND_DUE3: return "due3";
	case COMPLIANCE_REMIND_OVERDUE: return "overdue";
	case COMPLIANCE_REMIND_NONE: break;
	}
	return NULL;
}
