/*
 * chart.c - geometry of the trend chart, as plain integers.
 *
 * The web layer prints these numbers into an SVG template (so every string
 * still goes through the template's escaping); nothing here knows HTML.
 * The score axis runs from 0 to max_score + 1 and an integer score s sits
 * in the middle of its cell [s, s + 1]: a band lo..hi is the stripe
 * [lo, hi + 1], so single-score bands (AUDIT-C's 3, the C-SSRS levels)
 * get a visible stripe like the wide ones.  Time runs left to right in
 * proportion to the dates; results all given at one instant are spread
 * evenly instead.
 */
#include "core/measures/measures.h"

#include <string.h>

#define LEFT 44
#define RIGHT 12
#define TOP 10
#define BOTTOM 28
#define PAD 34 /* room for the first and last date under their points */

static int
y_of(const struct measure_chart *c, int range, int twice_score)
{
	/* twice_score: 2 * score, so a cell's middle stays an integer sum. */
	return c->top + c->height -
	    (int)((long long)twice_score * c->height / (2LL * range));
}

static int
x_of(const struct measure_chart *c, const int64_t *when, size_t n, size_t i)
{
	int inner = c->width - 2 * PAD;

	if (n == 1)
		return c->left + c->width / 2;
	if (when[n - 1] <= when[0])
		return c->left + PAD + (int)((long long)inner * (long long)i /
		    (long long)(n - 1));
	return c->left + PAD + (int)((double)inner *
	    (double)(when[i] - when[0]) / (double)(when[n - 1] - when[0]));
}

void
measure_chart_layout(const struct measure_instrument *m, const int *totals,
    const int64_t *when, size_t n, struct measure_chart *out)
{
	int range = m->max_score + 1, top, bottom, t;
	size_t i, skip = 0;

	memset(out, 0, sizeof(*out));
	out->left = LEFT;
	out->top = TOP;
	out->width = MEASURE_CHART_W - LEFT - RIGHT;
	out->height = MEASURE_CHART_H - TOP - BOTTOM;
	for (i = 0; i < m->n_bands && i < MEASURE_MAX_BANDS; i++) {
		struct measure_chart_band *b = &out->bands[i];

		top = y_of(out, range, 2 * (m->bands[i].hi + 1));
		bottom = y_of(out, range, 2 * m->bands[i].lo);
		b->y = top;
		b->h = bottom - top;
		b->label_y = top + b->h / 2 + 4;
		b->lo_y = y_of(out, range, 2 * m->bands[i].lo + 1);
		b->level = m->bands[i].level;
		b->label = m->bands[i].label;
		out->n_bands++;
	}
	if (n > MEASURE_CHART_MAX_POINTS)
		skip = n - MEASURE_CHART_MAX_POINTS;
	for (i = skip; i < n; i++) {
		struct measure_chart_point *p = &out->points[out->n_points++];

		t = totals[i] < 0 ? 0 : totals[i] > m->max_score ? m->max_score :
		    totals[i];
		p->x = x_of(out, when + skip, n - skip, i - skip);
		p->y = y_of(out, range, 2 * t + 1);
		p->total = totals[i];
		p->when = when[i];
	}
}
