/*
 * views_schedule.h - views of the calendar pages (templates/schedule/).
 */
#ifndef ALC_WEB_VIEWS_SCHEDULE_H
#define ALC_WEB_VIEWS_SCHEDULE_H

#include <stddef.h>

#include "web/views.h"

/* One appointment in a column. */
struct sched_item_view {
	const char *time, *end;   /* "10:00", "10:50" local */
	const char *who;          /* patients' names, or "Appointment" */
	const char *what;         /* type, room */
	const char *status;       /* "Scheduled", "Cancelled" ... */
	const char *colour;       /* palette key, for a CSS class */
	const char *href;
	int cancelled;
};

/* A day (week view) or a clinician (multi-clinician day view). */
struct sched_col_view {
	const char *heading, *sub; /* sub: the full date the heading stands for */
	int today;
	const struct sched_item_view *items;
	size_t n_items;
};

struct sched_option_view {
	const char *value, *label;
	int selected;
};

struct sched_suggest_view {
	const char *who, *when, *note;
};

/* templates/schedule/week.html: week, day and multi-clinician day. */
struct sched_week_view {
	const char *title, *range;
	const char *prev_href, *next_href, *today_href, *print_href;
	const char *day_href, *week_href, *new_href;
	const char *date, *mode;   /* for the clinician form */
	int is_day, can_book, print;
	int empty;                 /* nothing booked in the whole view */
	const struct sched_option_view *clinicians;
	size_t n_clinicians;
	const struct sched_col_view *cols;
	size_t n_cols;
	const char *js_href;
	const struct sched_suggest_view *suggestions; /* waitlist */
	size_t n_suggestions;
};

/* templates/schedule/new.html: the booking form. */
struct sched_book_view {
	const char *csrf, *error, *q, *q_error;
	const struct sched_option_view *patients; /* search results */
	size_t n_patients;
	const char *chosen;        /* "Jane Doe (P-000001)" when one is set */
	const char *patient_id;
	const struct sched_option_view *clinicians, *types, *rooms, *kinds,
	    *repeats, *nths;
	size_t n_clinicians, n_types, n_rooms, n_kinds, n_repeats, n_nths;
	struct field_view date, time, minutes, capacity, interval, count, until,
	    override_reason;
	const char *zone;
	/* Conflicts found; the override box is shown with them. */
	const struct sched_suggest_view *conflicts;
	size_t n_conflicts;
	size_t more_conflicts;
};

/* templates/schedule/appointment.html */
struct sched_appt_view {
	const char *title, *when, *who, *clinicians, *what, *status, *kind;
	const char *cancel_reason, *override_reason, *series;
	const char *csrf, *error, *back_href;
	const char *status_action, *move_action, *following_action;
	const char *note_href;     /* "Write note"; NULL: not offered */
	const struct sched_option_view *statuses;
	size_t n_statuses;
	int can_book, live, in_series;
	struct field_view reason, fee, date, time, minutes, move_override;
	/* "Move or change" (schedule_edit.c): the choices, and the scope
	 * ("Only this appointment" / "This and all following"). */
	const struct sched_option_view *edit_clinicians, *edit_types,
	    *edit_rooms, *scopes;
	size_t n_edit_clinicians, n_edit_types, n_edit_rooms, n_scopes;
	const struct sched_suggest_view *conflicts;
	size_t n_conflicts;
	const struct sched_suggest_view *suggestions; /* waitlist */
	size_t n_suggestions;
	/* Group: add a patient (search or chart number), remove one. */
	int is_group;
	const char *add_patient_action, *remove_patient_action;
	const struct sched_option_view *members;
	size_t n_members;
	struct field_view add_patient;
};

/* templates/schedule/feed.html */
struct sched_feed_view {
	const char *csrf, *url, *message, *created;
	int has_token;
};

/* templates/schedule/setup.html: one row of a set-up list, with the
 * retire form's kind and id (NULL kind: not retirable here). */
struct sched_setup_row_view {
	const char *name, *detail, *kind, *id;
};

struct sched_setup_view {
	const char *csrf, *zone;
	int feed_initials;         /* feeds show initials, not "Appointment" */
	const struct sched_setup_row_view *locations, *rooms, *types, *hours,
	    *exceptions;
	size_t n_locations, n_rooms, n_types, n_hours, n_exceptions;
	const struct sched_option_view *location_opts, *cpts, *colours,
	    *clinicians, *weekdays, *exc_whom, *exc_kinds;
	size_t n_location_opts, n_cpts, n_colours, n_clinicians, n_weekdays,
	    n_exc_whom, n_exc_kinds;
	const char *room_error, *type_cpt_error, *type_colour_error,
	    *hours_error, *exc_error;
	struct field_view location_name, room_name, type_name, type_minutes,
	    type_fee, hours_start, hours_end, exc_first, exc_last, exc_label;
};

/* templates/schedule/today.html: one row of the front desk's list. */
struct sched_today_row_view {
	const char *time, *who, *clinicians, *what, *status, *href;
	const char *arrive_action;   /* NULL: no check-in button */
	int no_show, cancelled;
};

struct sched_today_view {
	const char *title, *csrf, *week_href, *waitlist_href;
	const struct sched_option_view *clinicians;
	size_t n_clinicians;
	const struct sched_today_row_view *rows;
	size_t n_rows;
	int arrived, waiting, no_shows;
};

/* templates/schedule/waitlist.html */
struct sched_wait_row_view {
	const char *who, *clinician, *days, *times, *since, *note;
	const char *remove_action;
};

struct sched_waitlist_view {
	const char *csrf, *error, *q, *q_error, *chosen, *patient_id;
	const struct sched_option_view *patients, *clinicians, *days;
	size_t n_patients, n_clinicians, n_days;
	struct field_view earliest, latest, since, note;
	const struct sched_wait_row_view *rows;
	size_t n_rows;
	int can_book;
};

#endif
