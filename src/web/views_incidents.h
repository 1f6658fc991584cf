/*
 * views_incidents.h - views of the incident pages (templates/incidents/)
 * and the vendor pages (templates/vendors/).
 */
#ifndef ALC_WEB_VIEWS_INCIDENTS_H
#define ALC_WEB_VIEWS_INCIDENTS_H

#include <stddef.h>

#include "web/views.h"

/* An <option> of a select, or a radio button. */
struct inc_option_view {
	const char *value, *label;
	int selected;
};

/* templates/incidents/new.html: the report form. */
struct inc_new_view {
	const char *csrf;
	const char *title, *description, *discovered_on, *today;
	int anonymous;
	const char *title_error, *description_error, *date_error;
	int can_manage;
};

/* One open incident in the list. */
struct inc_row_view {
	long long id;
	const char *title, *status, *discovered_on, *determination;
	const char *deadline, *deadline_what, *deadline_words;
	int overdue;
};

/* templates/incidents/index.html */
struct inc_index_view {
	const struct inc_row_view *rows;
	size_t n_rows;
	const char *year; /* the HHS log's default year */
};

/* A deadline on the incident page. */
struct inc_deadline_view {
	const char *what, *date, *words, *rule;
	int overdue;
};

struct inc_event_view {
	const char *when, *who, *kind, *body;
};

struct inc_exception_view {
	const char *name, *label;
	int checked;
};

struct inc_factor_view {
	const char *name, *label, *text;
	const struct inc_option_view *ratings;
	size_t n_ratings;
};

/* templates/incidents/incident.html */
struct inc_view {
	long long id;
	const char *csrf;
	const char *title, *description, *discovered_on, *reporter, *status;
	const char *determination, *assessed_by, *approved_by, *determined_on;
	const char *retain_until;
	const struct inc_deadline_view *deadlines;
	size_t n_deadlines;
	const char *clocks_note;  /* why there are no deadlines, or NULL */
	const char *delay_rule;
	const struct inc_event_view *events;
	size_t n_events;
	const struct inc_option_view *statuses;
	size_t n_statuses;
	const char *note, *note_error, *status_error;
	const struct inc_exception_view *exceptions;
	size_t n_exceptions;
	const char *exc_rationale;
	const struct inc_factor_view *factors;
	size_t n_factors;
	const struct inc_option_view *determinations;
	size_t n_determinations;
	const struct inc_option_view *delays;
	size_t n_delays;
	long long affected;
	const char *states, *delay_stated_on, *delay_until, *assess_error;
	int awaiting_approval, can_approve;
	const char *approve_error;
};

/* One of the five elements of 164.404(c)(1), editable. */
struct inc_letter_part_view {
	const char *name, *label, *text;
};

/* templates/incidents/letter.html: the editable draft, and the printable
 * letter once previewed. */
struct inc_letter_view {
	long long id;
	const char *csrf, *title, *practice, *date;
	const struct inc_letter_part_view *parts;
	size_t n_parts;
	int printable;
};

/* --- vendors ------------------------------------------------------------ */

struct ven_row_view {
	long long id;
	const char *name, *services, *baa, *expires_on, *flag, *integration;
	int retired;
};

/* "Blocked: sending PHI to X needs a signed BAA." */
struct ven_blocked_view {
	const char *text;
};

/* templates/vendors/index.html */
struct ven_index_view {
	const struct ven_row_view *rows;
	size_t n_rows;
	const struct ven_blocked_view *blocked;
	size_t n_blocked;
	int can_manage;
};

/* templates/vendors/form.html: add (id 0) or edit, and the vendor. */
struct ven_form_view {
	long long id;
	const char *csrf, *action, *heading, *error;
	const char *name, *services, *phi, *effective_on, *expires_on;
	const char *review_months, *contact_name, *contact_email;
	const char *contact_phone, *integration, *flag, *blocked, *retain_until;
	const struct inc_option_view *statuses;
	size_t n_statuses;
	int can_manage, retired, can_retire;
};

#endif
