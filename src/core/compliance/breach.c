/*
 * breach.c - breach notification deadlines.  See breach.h for the rules
 * and how days are counted.
 *
 * A delay is one or two periods [start, end) of days that do not count.
 * tolled() moves a deadline by each period that begins on or before it
 * (in order, since an earlier period can push the deadline past the start
 * of a later one); only the part of a period after the clock's origin
 * counts, so a delay during the year does not move the annual HHS log,
 * which counts from December 31.
 */
#include "core/compliance/breach.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

struct period {
	struct caldate start, end;
};

static struct caldate
tolled(struct caldate origin, int days, const struct period *p, size_t n)
{
	struct caldate due = caldate_add_days(origin, days), s;
	size_t i;

	for (i = 0; i < n; i++) {
		s = caldate_cmp(p[i].start, origin) < 0 ? origin : p[i].start;
		if (caldate_cmp(p[i].end, s) > 0 && caldate_cmp(s, due) <= 0)
			due = caldate_add_days(due, caldate_diff(s, p[i].end));
	}
	return due;
}

static int
bad(struct alc_err *err, const char *user)
{
	return alc_err_set_user(err, ALC_EINVAL, user, "breach input: %s", user);
}

static int
set_day(const struct caldate *d)
{
	return d->y != 0 || d->m != 0 || d->d != 0;
}

/* The delay periods (0, 1 or 2) and the plain-words rule. */
static int
delay_periods(const struct breach_input *in, struct period *p, size_t *n,
    struct breach_clocks *out, struct alc_err *err)
{
	const struct breach_delay *d = &in->delay;
	struct caldate cap;
	char a[CALDATE_TEXT_SIZE], b[CALDATE_TEXT_SIZE];

	*n = 0;
	if (d->kind == BREACH_DELAY_NONE)
		return 0;
	if (!caldate_valid(d->stated_on) ||
	    caldate_cmp(d->stated_on, in->discovered) < 0)
		return bad(err, "Enter the day the law-enforcement statement was "
		    "made (on or after the day of discovery).");
	p[0].start = d->stated_on;
	if (d->kind == BREACH_DELAY_WRITTEN) {
		if (!caldate_valid(d->until) ||
		    caldate_cmp(d->until, d->stated_on) < 0)
			return bad(err, "Enter the day the written statement lets "
			    "notices go out (not before the statement).");
		p[0].end = d->until;
		*n = 1;
		snprintf(out->delay_rule, sizeof(out->delay_rule), "A "
		    "law-enforcement official's written statement of %s delays "
		    "every notice until %s; the days in between do not count "
		    "(45 CFR 164.412(a)).", caldate_format(d->stated_on, a),
		    caldate_format(d->until, b));
		return 0;
	}
	cap = caldate_add_days(d->stated_on, BREACH_ORAL_DELAY_MAX);
	p[0].end = cap;
	if (set_day(&d->until)) {
		if (!caldate_valid(d->until) ||
		    caldate_cmp(d->until, d->stated_on) < 0)
			return bad(err, "The end of the oral delay is not a valid "
			    "day after the statement.");
		if (caldate_cmp(d->until, cap) < 0)
			p[0].end = d->until;
	}
	*n = 1;
	if (set_day(&d->written_on)) {
		if (!caldate_valid(d->written_on) || !caldate_valid(d->written_until)
		    || caldate_cmp(d->written_on, d->stated_on) < 0 ||
		    caldate_cmp(d->written_until, d->written_on) < 0)
			return bad(err, "Enter the day the written statement arrived "
			    "and the day it lets notices go out.");
		if (caldate_cmp(d->written_on, cap) <= 0)
			p[0].end = d->written_until; /* it replaces the oral limit */
		else {
			p[1].start = d->written_on;
			p[1].end = d->written_until;
			*n = 2;
		}
	}
	snprintf(out->delay_rule, sizeof(out->delay_rule), "An oral "
	    "law-enforcement statement of %s delays notices for at most %d "
	    "days, here until %s, unless a written statement arrives within "
	    "those days; document the statement and who made it (45 CFR "
	    "164.412(b)).", caldate_format(d->stated_on, a),
	    BREACH_ORAL_DELAY_MAX, caldate_format(p[0].end, b));
	return 0;
}

static int
check_counts(const struct breach_input *in, struct alc_err *err)
{
	int64_t sum = 0;
	size_t i;

	if (!caldate_valid(in->discovered))
		return bad(err, "Enter the day the breach was discovered.");
	if (in->affected < 0)
		return bad(err, "The number of people affected cannot be "
		    "negative.");
	if (in->n_states > BREACH_MAX_STATES)
		return bad(err, "Too many states: list at most 64.");
	for (i = 0; i < in->n_states; i++) {
		if (in->states[i].residents < 0 || in->states[i].state == NULL ||
		    in->states[i].state[0] == '\0')
			return bad(err, "Each state needs a name and a count of "
			    "zero or more.");
		sum += in->states[i].residents;
		if (sum > in->affected)
			return bad(err, "The counts per state add up to more than "
			    "the number of people affected.");
	}
	return 0;
}

static void
media(const struct breach_input *in, struct breach_clocks *out)
{
	char list[BREACH_RULE_MAX / 2];
	size_t i, n = 0;

	list[0] = '\0';
	for (i = 0; i < in->n_states; i++) {
		if (in->states[i].residents <= BREACH_MEDIA_THRESHOLD)
			continue;
		out->media_states[out->n_media_states++] = i;
		n += (size_t)snprintf(list + n, n < sizeof(list) ?
		    sizeof(list) - n : 0, "%s%s", n ? ", " : "",
		    in->states[i].state);
	}
	if (out->n_media_states == 0) {
		snprintf(out->media_rule, sizeof(out->media_rule), "No state or "
		    "jurisdiction has more than %d affected residents, so no "
		    "media notice is required (45 CFR 164.406).",
		    BREACH_MEDIA_THRESHOLD);
		return;
	}
	out->media_required = 1;
	out->media_due = out->individual_due;
	snprintf(out->media_rule, sizeof(out->media_rule), "More than %d "
	    "residents of %s were affected, so tell prominent media outlets "
	    "serving %s within %d days of discovery, with the same content as "
	    "the letters (45 CFR 164.406).", BREACH_MEDIA_THRESHOLD, list,
	    out->n_media_states > 1 ? "each of them" : "it",
	    BREACH_NOTICE_DAYS);
}

int
breach_compute(const struct breach_input *in, struct breach_clocks *out,
    struct alc_err *err)
{
	struct period p[2] = {{{0, 0, 0}, {0, 0, 0}}, {{0, 0, 0}, {0, 0, 0}}};
	struct caldate year_end;
	size_t np = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_counts(in, err)) != 0 ||
	    (rc = delay_periods(in, p, &np, out, err)) != 0)
		return rc;
	out->individual_due = tolled(in->discovered, BREACH_NOTICE_DAYS, p, np);
	out->delay_days = caldate_diff(caldate_add_days(in->discovered,
	    BREACH_NOTICE_DAYS), out->individual_due);
	if (np > 0)
		out->delay_end = p[np - 1].end;
	snprintf(out->individual_rule, sizeof(out->individual_rule), "Tell "
	    "each affected person in writing without unreasonable delay, and "
	    "no later than %d calendar days after the breach was discovered"
	    "%s (45 CFR 164.404(b)).", BREACH_NOTICE_DAYS, out->delay_days ?
	    ", plus the days of the law-enforcement delay" : "");
	if (in->affected >= BREACH_HHS_THRESHOLD) {
		out->hhs_with_individual = 1;
		out->hhs_due = out->individual_due;
		snprintf(out->hhs_rule, sizeof(out->hhs_rule), "%d or more people "
		    "were affected, so tell HHS at the same time as the people "
		    "affected (45 CFR 164.408(b)).", BREACH_HHS_THRESHOLD);
	} else {
		year_end.y = in->discovered.y;
		year_end.m = 12;
		year_end.d = 31;
		out->hhs_due = tolled(year_end, BREACH_NOTICE_DAYS, p, np);
		snprintf(out->hhs_rule, sizeof(out->hhs_rule), "Fewer than %d "
		    "people were affected, so log the breach and report it to HHS "
		    "with the year's log, no later than %d days after the end of "
		    "the calendar year in which it was discovered (45 CFR "
		    "164.408(c)).", BREACH_HHS_THRESHOLD, BREACH_NOTICE_DAYS);
	}
	media(in, out);
	return 0;
}
