/*
 * pages/measures.c - measurement-based care pages: a patient's measures
 * (safety alerts, a trend chart and data table per instrument), the form
 * of one rating scale, saving it, and acknowledging an alert.
 *
 * Access in two steps, as for the chart itself: the route's action lets
 * the role in (ACT_PATIENT_VIEW to read, ACT_MEASURE_RECORD to record),
 * then patients_access() must give PATIENT_ACCESS_CLINICAL for this
 * patient.  No access at all gets the break-glass page; demographic access
 * (front desk, billing, compliance, administrators) gets a 403 page with
 * an ACCESS_DENIED event.  The measures page writes its VIEW event (patient,
 * count of results) before anything is rendered; saving and acknowledging
 * write theirs in their own transactions (core/measures/store.c).
 *
 * The chart is an SVG template (templates/measures/chart.html) fed with
 * integers laid out by measure_chart_layout(), so every string on it goes
 * through the template's escaping; no JavaScript is needed.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_measures.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/measures/measures.h"
#include "core/patients/patients.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RESULTS 500
#define MAX_ALERTS 20

static const char *const fills[4] = {"#e6f4ea", "#fff4cc", "#ffe0b2",
    "#fbd0d0"};

/* Clinical access, or an answer already made: *shown set when the
 * break-glass page or the 403 page (after its ACCESS_DENIED event) was
 * rendered instead; rc is then the handler's result. */
static int
gate(struct req *r, int64_t id, int *bg, int *shown)
{
	struct patient_actor who;
	enum patient_access acc;
	struct audit_event ev;
	int rc;

	*shown = 0;
	patients_web_actor(r, &who);
	if ((rc = patients_access(r->app->db, &who, id, time_now_ms(), &acc,
	    bg)) != 0)
		return rc;
	if (acc == PATIENT_ACCESS_CLINICAL)
		return 0;
	*shown = 1;
	if (acc == PATIENT_ACCESS_NONE)
		return patients_web_denied(r, id, NULL, NULL);
	web_audit_who(r, &ev);
	ev.verb = "ACCESS_DENIED";
	ev.object_type = "measures";
	ev.object_id = arena_printf(r->arena, "%lld", (long long)id);
	ev.patient_id = id;
	ev.outcome = AUDIT_MINOR_FAILURE;
	ev.reason = "clinical access needed";
	if ((rc = audit_record_read(r->app->audit, &ev)) != 0)
		return rc;
	page_error_msg(r, 403, "Part of the clinical record", "Measures are "
	    "part of the clinical record: only the patient's care team can see "
	    "them.");
	return 0;
}

static int
brief(struct req *r, int64_t id, struct patient_brief *b)
{
	int rc;

	if ((rc = patients_briefs(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, &id, 1, b)) != 0)
		return rc;
	return b->id == id ? 0 : ALC_ENOTFOUND;
}

static const char *
day(struct req *r, int64_t ms)
{
	return arena_strndup(r->arena, staff_when(r, ms, ""), 10);
}

static int64_t
rid_param(struct req *r)
{
	const char *s = req_param(r, "rid");
	char *end;
	long long v;

	if (s == NULL || *s < '1' || *s > '9')
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

/* ---- the chart ----------------------------------------------------- */

static const char *
chart_desc(struct req *r, const struct measure_instrument *m,
    const struct measure_result *res, size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b, r->arena);
	buf_printf(&b, "%s %s from %s to %s:", m->name, m->score_label,
	    day(r, res[0].administered_at), day(r, res[n - 1].administered_at));
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s %d", i ? "," : "", res[i].score.total);
	buf_printf(&b, ". Latest: %s. Bands:", res[n - 1].score.band_label);
	for (i = 0; i < m->n_bands; i++)
		buf_printf(&b, "%s %s %d-%d", i ? "," : "", m->bands[i].label,
		    m->bands[i].lo, m->bands[i].hi);
	buf_puts(&b, ".");
	return buf_failed(&b) ? NULL : buf_cstr(&b);
}

static int
fill_ticks(struct req *r, const struct measure_instrument *m,
    const struct measure_chart *c, const struct measure_result *res,
    size_t n, struct measure_svg_view *v)
{
	struct measure_svg_tick_view *y, *x;
	size_t i;

	y = arena_alloc(r->arena, (c->n_bands + 1) * sizeof(*y));
	x = arena_alloc(r->arena, 2 * sizeof(*x));
	if (y == NULL || x == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < c->n_bands; i++) {
		y[i].x = c->left - 6;
		y[i].y = c->bands[i].lo_y + 4;
		y[i].text = arena_printf(r->arena, "%d", m->bands[i].lo);
	}
	v->yticks = y;
	v->n_yticks = c->n_bands;
	x[0].x = c->points[0].x;
	x[0].y = c->top + c->height + 18;
	x[0].text = day(r, res[n - c->n_points].administered_at);
	x[1] = x[0];
	x[1].x = c->points[c->n_points - 1].x;
	x[1].text = day(r, res[n - 1].administered_at);
	v->xticks = x;
	v->n_xticks = strcmp(x[0].text, x[1].text) != 0 ? 2 : 1;
	return 0;
}

static int
fill_chart(struct req *r, const struct measure_instrument *m,
    const struct measure_result *res, size_t n, struct measure_svg_view *v)
{
	struct measure_svg_band_view *bv;
	struct measure_svg_point_view *pv;
	struct measure_chart c;
	int totals[MEASURE_CHART_MAX_POINTS];
	int64_t when[MEASURE_CHART_MAX_POINTS];
	size_t i, k = n > MEASURE_CHART_MAX_POINTS ?
	    n - MEASURE_CHART_MAX_POINTS : 0;
	struct buf pts;

	for (i = k; i < n; i++) {
		totals[i - k] = res[i].score.total;
		when[i - k] = res[i].administered_at;
	}
	measure_chart_layout(m, totals, when, n - k, &c);
	bv = arena_alloc(r->arena, (c.n_bands + 1) * sizeof(*bv));
	pv = arena_alloc(r->arena, (c.n_points + 1) * sizeof(*pv));
	if (bv == NULL || pv == NULL)
		return ALC_ENOMEM;
	v->id = arena_printf(r->arena, "chart-%s", m->code);
	v->title = arena_printf(r->arena, "%s over time", m->name);
	v->desc = chart_desc(r, m, res, n);
	v->width = MEASURE_CHART_W;
	v->height = MEASURE_CHART_H;
	v->left = c.left;
	v->top = c.top;
	v->right = c.left + c.width;
	v->bottom = c.top + c.height;
	for (i = 0; i < c.n_bands; i++) {
		bv[i].x = c.left;
		bv[i].y = c.bands[i].y;
		bv[i].w = c.width;
		bv[i].h = c.bands[i].h;
		bv[i].label_x = c.left + c.width - 6;
		bv[i].label_y = c.bands[i].label_y;
		bv[i].fill = fills[c.bands[i].level & 3];
		bv[i].label = c.bands[i].label;
	}
	v->bands = bv;
	v->n_bands = c.n_bands;
	buf_init(&pts, r->arena);
	for (i = 0; i < c.n_points; i++) {
		buf_printf(&pts, "%s%d,%d", i ? " " : "", c.points[i].x,
		    c.points[i].y);
		pv[i].cx = c.points[i].x;
		pv[i].cy = c.points[i].y;
		pv[i].label = arena_printf(r->arena, "%s: %d (%s)",
		    day(r, c.points[i].when), c.points[i].total,
		    res[k + i].score.band_label);
	}
	v->points = buf_failed(&pts) ? NULL : buf_cstr(&pts);
	v->dots = pv;
	v->n_dots = c.n_points;
	return v->desc && v->points ? fill_ticks(r, m, &c, res, n, v) :
	    ALC_ENOMEM;
}

/* ---- the measures page --------------------------------------------- */

static const char *
alert_cell(struct req *r, const struct measure_result *x)
{
	if (!x->alert)
		return "";
	if (x->ack_at == 0)
		return "Open";
	return arena_printf(r->arena, "Acknowledged by %s, %s",
	    x->ack_by_name ? x->ack_by_name : "someone",
	    staff_when(r, x->ack_at, ""));
}

static int
fill_section(struct req *r, int64_t id, const struct measure_instrument *m,
    const struct measure_result *all, size_t n, struct measure_section_view *s)
{
	struct measure_result *res;
	struct measure_row_view *rows;
	size_t i, k = 0;

	memset(s, 0, sizeof(*s));
	s->id = arena_printf(r->arena, "m-%s", m->code);
	s->name = m->name;
	s->title = m->title;
	s->score_label = m->score_label;
	s->new_href = arena_printf(r->arena,
	    "/patients/%lld/measures/new?instrument=%s", (long long)id, m->code);
	res = arena_alloc(r->arena, (n + 1) * sizeof(*res));
	rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows));
	if (res == NULL || rows == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++)
		if (all[i].instrument == m->id)
			res[k++] = all[i];
	for (i = 0; i < k; i++) {
		rows[i].when = staff_when(r, res[i].administered_at, "");
		rows[i].score = arena_printf(r->arena, "%d", res[i].score.total);
		rows[i].band = res[i].score.band_label;
		rows[i].by = res[i].recorded_by_name;
		rows[i].alert = alert_cell(r, &res[i]);
	}
	s->rows = rows;
	s->n_rows = k;
	if (k == 0)
		return 0;
	s->latest = arena_printf(r->arena, "%d, %s (%s)", res[k - 1].score.total,
	    res[k - 1].score.band_label, day(r, res[k - 1].administered_at));
	return fill_chart(r, m, res, k, &s->chart);
}

static int
fill_alerts(struct req *r, int64_t id, struct measures_index_view *v)
{
	struct measure_alert_view *av;
	struct measure_result *al;
	size_t n, i;
	int rc;

	if ((rc = measures_open_alerts(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, id, MAX_ALERTS, &al, &n)) != 0)
		return rc;
	if ((av = arena_alloc(r->arena, (n + 1) * sizeof(*av))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		av[i].text = al[i].score.alert_text;
		av[i].when = staff_when(r, al[i].administered_at, "");
		av[i].by = al[i].recorded_by_name;
		av[i].ack_action = arena_printf(r->arena,
		    "/patients/%lld/measures/%lld/acknowledge", (long long)id,
		    (long long)al[i].id);
	}
	v->alerts = av;
	v->n_alerts = n;
	return 0;
}

static int
fill_sections(struct req *r, int64_t id, const struct measure_result *res,
    size_t n, struct measures_index_view *v)
{
	struct measure_section_view *s, *e;
	struct measure_section_view tmp;
	int i, rc;

	s = arena_alloc(r->arena, MEASURE_COUNT * sizeof(*s));
	e = arena_alloc(r->arena, MEASURE_COUNT * sizeof(*e));
	if (s == NULL || e == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < MEASURE_COUNT; i++) {
		if ((rc = fill_section(r, id, measure_instrument(i), res, n,
		    &tmp)) != 0)
			return rc;
		if (tmp.n_rows)
			s[v->n_sections++] = tmp;
		else
			e[v->n_empty++] = tmp;
	}
	v->sections = s;
	v->empty = e;
	return 0;
}

static int
audit_view(struct req *r, int64_t id, int part2, int bg, size_t n)
{
	struct audit_event ev;

	web_audit_who(r, &ev);
	ev.verb = "VIEW";
	ev.object_type = "measures";
	ev.object_id = arena_printf(r->arena, "%lld", (long long)id);
	ev.patient_id = id;
	ev.sensitivity = part2 ? "part2" : NULL;
	ev.purpose_of_use = bg ? "break-glass" : "TPO";
	ev.detail = arena_printf(r->arena, "{\"results\":%zu}", n);
	return audit_record_read(r->app->audit, &ev);
}

static int
show_index(struct req *r, int64_t id, int status, const char *error)
{
	struct measures_index_view v;
	struct measure_result *res;
	struct patient_brief b;
	struct buf body;
	int bg = 0, shown, rc;
	size_t n;

	if ((rc = gate(r, id, &bg, &shown)) != 0 || shown)
		return rc;
	if ((rc = brief(r, id, &b)) != 0 ||
	    (rc = measures_list(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, id, -1, MAX_RESULTS, &res, &n)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	if ((rc = fill_alerts(r, id, &v)) != 0 ||
	    (rc = fill_sections(r, id, res, n, &v)) != 0)
		return rc;
	/* Before anything of the page is rendered. */
	if ((rc = audit_view(r, id, b.part2, bg, n)) != 0)
		return rc;
	v.name = b.display_name;
	v.chart_no = b.chart_no;
	v.patient_href = arena_printf(r->arena, "/patients/%lld", (long long)id);
	v.csrf = r->sess->csrf;
	v.error = error;
	v.can_record = authz_check(r, ACT_MEASURE_RECORD) == 0;
	buf_init(&body, r->arena);
	tmpl_measures_index(&body, &v);
	return page_send(r, status, "Measures", &body);
}

int
page_measures(struct req *r)
{
	int64_t id = patients_web_id(r);

	return id ? show_index(r, id, 200, NULL) : ALC_ENOTFOUND;
}

/* ---- the form ------------------------------------------------------ */

static const char *
item_number(const struct measure_instrument *m, size_t i)
{
	static const char *const nums[] = {"1", "2", "3", "4", "5", "6", "7",
	    "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18",
	    "19", "20", "21", "22", "23", "24"};

	if (m->id == MEASURE_CSSRS && i == 6)
		return "6b";
	return i < sizeof(nums) / sizeof(nums[0]) ? nums[i] : "";
}

static int
fill_item(struct req *r, const struct measure_instrument *m, size_t i,
    int answer, const char *error, struct measure_item_view *it)
{
	const struct measure_item *mi = &m->items[i];
	struct measure_choice_view *c;
	size_t k;

	it->name = arena_printf(r->arena, "q%zu", i + 1);
	it->number = item_number(m, i);
	it->text = mi->text;
	it->hint = mi->hint;
	it->error = error;
	it->required = !mi->optional && !mi->conditional;
	if ((c = arena_alloc(r->arena, (mi->n_options + 1) * sizeof(*c))) ==
	    NULL)
		return ALC_ENOMEM;
	for (k = 0; k < mi->n_options; k++) {
		c[k].id = arena_printf(r->arena, "f-q%zu-%zu", i + 1, k);
		c[k].value = arena_printf(r->arena, "%d", mi->options[k].value);
		c[k].label = mi->options[k].label;
		c[k].checked = answer == mi->options[k].value;
	}
	it->choices = c;
	it->n_choices = mi->n_options;
	return 0;
}

static int
fill_sexes(struct req *r, enum measure_sex sex, struct measure_form_view *v)
{
	static const char *const labels[] = {"Show both", "Women (3 or more)",
	    "Men (4 or more)"};
	struct measure_choice_view *c;
	int k;

	if ((c = arena_alloc(r->arena, 3 * sizeof(*c))) == NULL)
		return ALC_ENOMEM;
	for (k = 0; k < 3; k++) {
		c[k].value = measure_sex_name((enum measure_sex)k);
		c[k].id = arena_printf(r->arena, "f-sex-%s", c[k].value);
		c[k].label = labels[k];
		c[k].checked = (int)sex == k;
	}
	v->has_sex = 1;
	v->sexes = c;
	v->n_sexes = 3;
	return 0;
}

/* Renders the form of m with answers (NULL: blank) and errs. */
static int
show_form(struct req *r, int64_t id, const struct measure_instrument *m,
    const int *answers, enum measure_sex sex, const struct measure_error *errs,
    size_t n_errs, int status)
{
	struct measure_item_view *items;
	struct measure_form_view v;
	struct patient_brief b;
	const char *e;
	struct buf body;
	size_t i, k;
	int rc;

	if ((rc = brief(r, id, &b)) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	if ((items = arena_alloc(r->arena, m->n_items * sizeof(*items))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < m->n_items; i++) {
		for (e = NULL, k = 0; k < n_errs; k++)
			if (errs[k].item == (int)i)
				e = errs[k].message;
		if ((rc = fill_item(r, m, i, answers ? answers[i] :
		    MEASURE_NOT_ASKED, e, &items[i])) != 0)
			return rc;
	}
	if (m->id == MEASURE_AUDITC && (rc = fill_sexes(r, sex, &v)) != 0)
		return rc;
	v.title = m->title;
	v.name = m->name;
	v.stem = m->stem;
	v.source = m->source;
	v.items = items;
	v.n_items = m->n_items;
	v.patient_name = b.display_name;
	v.csrf = r->sess->csrf;
	v.back_href = arena_printf(r->arena, "/patients/%lld/measures",
	    (long long)id);
	v.action = arena_printf(r->arena,
	    "/patients/%lld/measures?instrument=%s", (long long)id, m->code);
	v.error = n_errs ? "Some answers are missing or not allowed: see the "
	    "questions marked below. Nothing was saved." : NULL;
	buf_init(&body, r->arena);
	tmpl_measures_form(&body, &v);
	return page_send(r, status, m->name, &body);
}

int
page_measure_new(struct req *r)
{
	const struct measure_instrument *m =
	    measure_by_code(req_query(r, "instrument"));
	int64_t id = patients_web_id(r);
	int bg, shown, rc;

	if (id == 0 || m == NULL)
		return ALC_ENOTFOUND;
	if ((rc = gate(r, id, &bg, &shown)) != 0 || shown)
		return rc;
	return show_form(r, id, m, NULL, MEASURE_SEX_BOTH, NULL, 0, 200);
}

/* The answer posted for item i: its value, MEASURE_NOT_ASKED when blank,
 * 99 (never an option) when it is not a number. */
static int
posted(struct req *r, size_t i)
{
	const char *s = req_form(r, arena_printf(r->arena, "q%zu", i + 1));
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return MEASURE_NOT_ASKED;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 0 && v <= 9 ? (int)v : 99;
}

int
page_measure_create(struct req *r)
{
	const struct measure_instrument *m =
	    measure_by_code(req_query(r, "instrument"));
	struct measure_error errs[MEASURE_MAX_ITEMS];
	int answers[MEASURE_MAX_ITEMS];
	int64_t id = patients_web_id(r);
	enum measure_sex sex = measure_sex_parse(req_form(r, "sex"));
	struct audit_event ev;
	struct alc_err err;
	int bg, shown, rc;
	size_t i, n;

	if (id == 0 || m == NULL)
		return ALC_ENOTFOUND;
	if ((rc = gate(r, id, &bg, &shown)) != 0 || shown)
		return rc;
	for (i = 0; i < m->n_items; i++)
		answers[i] = posted(r, i);
	if (measure_validate(m, answers, errs, &n) != 0)
		return show_form(r, id, m, answers, sex, errs, n, 422);
	web_audit_who(r, &ev);
	ev.purpose_of_use = bg ? "break-glass" : "TPO";
	memset(&err, 0, sizeof(err));
	if ((rc = measures_record(r->app->db, r->app->keys,
	    r->sess->practice_id, id, m, answers, sex, 0, &ev, NULL,
	    &err)) != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/patients/%lld/measures", (long long)id));
}

int
page_measure_ack(struct req *r)
{
	int64_t id = patients_web_id(r), rid = rid_param(r);
	struct audit_event ev;
	struct alc_err err;
	int bg, shown, rc;

	if (id == 0 || rid == 0)
		return ALC_ENOTFOUND;
	if ((rc = gate(r, id, &bg, &shown)) != 0 || shown)
		return rc;
	web_audit_who(r, &ev);
	ev.purpose_of_use = bg ? "break-glass" : "TPO";
	memset(&err, 0, sizeof(err));
	rc = measures_ack(r->app->db, r->sess->practice_id, id, rid, &ev,
	    &err);
	if (rc == ALC_ECONFLICT)
		return show_index(r, id, 409, err.user);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/patients/%lld/measures", (long long)id));
}
