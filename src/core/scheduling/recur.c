/*
 * recur.c - the local dates of a recurring series.  See scheduling.h.
 *
 * Pure date arithmetic on local calendar dates: the wall time is applied
 * afterwards, per date, through caldate_local_to_utc, which is what keeps
 * a series at the same local hour across daylight saving.  Monthly series
 * are "the nth weekday" (2nd Tuesday) or "the last weekday"; a month
 * without a 5th Tuesday is skipped rather than moved.
 */
#include "core/scheduling/scheduling.h"
#include "base/err.h"

struct caldate
sched_nth_weekday(int y, int m, int weekday, int nth)
{
	struct caldate d = {y, m, 1}, none = {0, 0, 0};
	int dim = caldate_days_in_month(y, m), first;

	if (nth == -1) {
		d.d = dim;
		d.d -= (caldate_weekday(d) - weekday + 7) % 7;
		return d;
	}
	first = 1 + (weekday - caldate_weekday(d) + 7) % 7;
	d.d = first + 7 * (nth - 1);
	return nth >= 1 && d.d <= dim ? d : none;
}

static int
rule_ok(struct caldate first, const struct sched_recur *r,
    struct alc_err *err)
{
	if (r->freq == SCHED_ONCE)
		return 0;
	if (r->count <= 0 && r->until.y == 0)
		return alc_err_set_user(err, ALC_EINVAL, "Say when the series "
		    "ends: a number of sessions or an end date.", "no end");
	if (r->count > SCHED_MAX_OCCURRENCES)
		return alc_err_set_user(err, ALC_EINVAL, "A series can have at "
		    "most 104 sessions.", "too many");
	if (r->until.y != 0 && caldate_cmp(r->until, first) < 0)
		return alc_err_set_user(err, ALC_EINVAL, "The end date is "
		    "before the first session.", "until before start");
	if (r->freq == SCHED_WEEKLY && (r->interval < 1 || r->interval > 52))
		return alc_err_set_user(err, ALC_EINVAL, "Repeat every 1 to 52 "
		    "weeks.", "interval");
	if (r->freq == SCHED_MONTHLY_WEEKDAY && !(r->nth == -1 ||
	    (r->nth >= 1 && r->nth <= 4)))
		return alc_err_set_user(err, ALC_EINVAL, "Choose the first to "
		    "fourth, or the last, weekday of the month.", "nth");
	if (r->freq == SCHED_MONTHLY_WEEKDAY && caldate_cmp(first,
	    sched_nth_weekday(first.y, first.m, caldate_weekday(first),
	    r->nth)) != 0)
		return alc_err_set_user(err, ALC_EINVAL, "The first date is not "
		    "that weekday of its month.", "first date off rule");
	return 0;
}

/* The next date of the series after d (month k steps from first). */
static struct caldate
next_date(struct caldate first, const struct sched_recur *r,
    struct caldate d, int *k)
{
	struct caldate m;

	if (r->freq == SCHED_WEEKLY)
		return caldate_add_days(d, 7 * r->interval);
	do {
		(*k)++;
		m = caldate_add_months(first, *k, 1);
		m = sched_nth_weekday(m.y, m.m, caldate_weekday(first), r->nth);
	} while (m.y == 0 && *k < 1200);
	return m;
}

int
sched_recur_dates(struct caldate first, const struct sched_recur *r,
    struct caldate *out, size_t max, size_t *n, struct alc_err *err)
{
	struct caldate d = first;
	int k = 0, rc;

	*n = 0;
	if (!caldate_valid(first))
		return alc_err_set_user(err, ALC_EINVAL, "Choose a date.",
		    "bad date");
	if ((rc = rule_ok(first, r, err)) != 0)
		return rc;
	for (;;) {
		if (r->count > 0 && *n >= (size_t)r->count)
			break;
		if (r->until.y != 0 && caldate_cmp(d, r->until) > 0)
			break;
		if (*n >= max || *n >= SCHED_MAX_OCCURRENCES)
			return alc_err_set_user(err, ALC_EINVAL, "A series can "
			    "have at most 104 sessions.", "too many");
		out[(*n)++] = d;
		if (r->freq == SCHED_ONCE)
			break;
		d = next_date(first, r, d, &k);
	}
	return 0;
}
