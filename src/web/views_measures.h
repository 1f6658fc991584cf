/*
 * views_measures.h - views of the measurement-based-care pages
 * (templates/measures/).
 */
#ifndef ALC_WEB_VIEWS_MEASURES_H
#define ALC_WEB_VIEWS_MEASURES_H

#include <stddef.h>

/* One answer of an item: a radio button. */
struct measure_choice_view {
	const char *id, *value, *label;
	int checked;
};

/* One item of the form, as a fieldset of radio buttons. */
struct measure_item_view {
	const char *name, *number, *text, *hint, *error;
	int required;
	const struct measure_choice_view *choices;
	size_t n_choices;
};

/* templates/measures/form.html */
struct measure_form_view {
	const char *title, *name, *stem, *source, *action, *csrf, *back_href;
	const char *patient_name, *error;
	const struct measure_item_view *items;
	size_t n_items;
	int has_sex;               /* AUDIT-C: which cut-point */
	const struct measure_choice_view *sexes;
	size_t n_sexes;
};

/* A shaded severity band of the chart. */
struct measure_svg_band_view {
	int x, y, w, h, label_x, label_y;
	const char *fill, *label;
};

struct measure_svg_point_view {
	int cx, cy;
	const char *label;         /* "2026-03-01: 14 (Moderate)" */
};

struct measure_svg_tick_view {
	int x, y;
	const char *text;
};

/* templates/measures/chart.html: an accessible SVG line chart. */
struct measure_svg_view {
	const char *id, *title, *desc;
	int width, height, left, top, right, bottom;
	const struct measure_svg_band_view *bands;
	size_t n_bands;
	const char *points;        /* polyline: "x,y x,y" */
	const struct measure_svg_point_view *dots;
	size_t n_dots;
	const struct measure_svg_tick_view *yticks;
	size_t n_yticks;
	const struct measure_svg_tick_view *xticks;
	size_t n_xticks;
};

/* A result in the data table under the chart. */
struct measure_row_view {
	const char *when, *score, *band, *by, *alert;
};

/* One instrument's section of the measures page. */
struct measure_section_view {
	const char *id, *name, *title, *new_href, *score_label;
	const char *latest;        /* "14 - Moderate, 2026-03-01" */
	struct measure_svg_view chart;
	const struct measure_row_view *rows;
	size_t n_rows;
};

/* An open safety alert with its acknowledge form. */
struct measure_alert_view {
	const char *text, *when, *by, *ack_action;
};

/* templates/measures/index.html */
struct measures_index_view {
	const char *name, *chart_no, *patient_href, *csrf, *error;
	int can_record;
	const struct measure_alert_view *alerts;
	size_t n_alerts;
	const struct measure_section_view *sections;
	size_t n_sections;
	const struct measure_section_view *empty; /* instruments not yet used */
	size_t n_empty;
};

#endif
