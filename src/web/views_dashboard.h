/*
 * views_dashboard.h - the view of the compliance dashboard
 * (templates/compliance/dashboard.html; pages/compliance_dashboard.c).
 * Every string is ready to print; links are NULL when the viewer may not
 * open the page they lead to.
 */
#ifndef ALC_WEB_VIEWS_DASHBOARD_H
#define ALC_WEB_VIEWS_DASHBOARD_H

#include <stddef.h>

/* A row of one of the lists: what, a link (NULL: plain text), when and a
 * plain-language note ("3 days overdue"); warn marks it as a problem. */
struct dash_item_view {
	const char *text, *href, *detail, *when, *note;
	int warn;
};

/* A section: its heading id, heading, what it says when empty. */
struct dash_section_view {
	const char *id, *heading, *empty, *more_href, *more_text;
	const struct dash_item_view *items;
	size_t n_items;
};

/* One line of the safeguards list (backup, audit review). */
struct dash_check_view {
	const char *label, *text, *href;
	int warn;
};

struct dash_text_view {
	const char *text;
};

struct dash_point_view {
	const char *day;
	long long score;
};

/* templates/compliance/dashboard.html */
struct dash_view {
	const char *today;
	long long score;
	const char *score_words;            /* "Good", "Needs attention" ... */
	const struct dash_text_view *lost;  /* "-10: 2 overdue tasks ..." */
	size_t n_lost;
	const struct dash_text_view *rules;
	size_t n_rules;
	const struct dash_check_view *checks;
	size_t n_checks;
	const struct dash_section_view *sections;
	size_t n_sections;
	const struct dash_point_view *history;
	size_t n_history;
	const char *spark_points;           /* SVG polyline points */
	const char *spark_label;
};

#endif
