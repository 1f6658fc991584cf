/*
 * views_patients.h - views of the patient pages (templates/patients/).
 */
#ifndef ALC_WEB_VIEWS_PATIENTS_H
#define ALC_WEB_VIEWS_PATIENTS_H

#include <stddef.h>

#include "web/views.h"

/* One patient in a list: search results, "my patients", duplicates. */
struct patient_row_view {
	const char *href, *chart_no, *name, *dob, *status;
	int restricted, part2;
};

/* templates/patients/index.html */
struct patients_index_view {
	const char *q;              /* what was searched, kept in the box */
	const char *error;          /* the search could not be understood */
	int searched;               /* 1: rows are search results */
	int mine;                   /* 1: rows are the user's own patients */
	int can_create;
	int can_review;             /* owner, compliance: break-glass review */
	const struct patient_row_view *rows;
	size_t n_rows;
};

/* A group of fields of the registration form. */
struct patient_section_view {
	const char *id, *title, *hint;
	const struct field_view *fields;
	size_t n_fields;
};

struct patient_check_view {
	const char *id, *name, *label, *hint;
	int checked;
};

struct patient_option_view {
	const char *value, *label;
	int selected;
};

/* templates/patients/form.html: register or edit. */
struct patient_form_view {
	const char *title, *action, *csrf, *error, *cancel_href;
	long long version;          /* optimistic locking (edit) */
	int editing;
	const struct patient_section_view *sections;
	size_t n_sections;
	const struct patient_check_view *consents;
	size_t n_consents;
	const struct patient_check_view *flags;
	size_t n_flags;
	const struct patient_option_view *statuses;
	size_t n_statuses;
	/* Owners and administrators link a staff member's record to their
	 * account (the audit review's own/colleague's chart flags). */
	int can_link_staff;
	const struct patient_option_view *staff_opts;
	size_t n_staff_opts;
	const char *staff_error;
	/* Possible duplicates: the user confirms "a different person". */
	const struct patient_row_view *dups;
	size_t n_dups;
};

struct patient_item_view {
	const char *label, *value;
};

struct patient_block_view {
	const char *id, *title;
	const struct patient_item_view *items;
	size_t n_items;
	const char *empty;          /* shown when there are no items */
};

struct patient_member_view {
	const char *name, *role, *remove_action;
	long long user_id;
};

struct patient_log_view {
	const char *when, *who, *what;
};

/* templates/patients/show.html: the overview. */
struct patient_show_view {
	const char *name, *chart_no, *dob, *status, *pronouns, *base, *csrf;
	int part2, restricted, staff_patient, clinical;
	const char *break_glass_until; /* open through break-glass: until */
	const char *conf_address, *conf_phone, *conf_note;
	int has_conf;
	const struct patient_block_view *blocks;
	size_t n_blocks;
	const struct patient_member_view *team;
	size_t n_team;
	int can_edit, can_team, can_merge, can_see_log;
	const struct patient_option_view *candidates;
	size_t n_candidates;
	const char *team_error, *merge_error;
	const struct patient_log_view *log;
	size_t n_log;
	/* Unacknowledged safety alerts from rating scales (clinical only). */
	const struct patient_alert_view *alerts;
	size_t n_alerts;
};

/* templates/patients/denied.html: 403 with the break-glass offer. */
struct patient_alert_view {
	const char *text;   /* "PHQ-9 item 9 (thoughts of self-harm) ..." */
	const char *when;
};

struct patient_denied_view {
	const char *action, *csrf, *error, *reason;
	const char *duration;   /* "60 minutes", from the practice setting */
	int can_break_glass;
};

struct break_glass_view_row {
	const char *who, *chart_no, *href, *reason, *started, *expires;
	const char *reviewed, *reviewer, *note, *action, *note_id;
	int open;
};

/* templates/patients/review.html */
struct break_glass_review_view {
	const char *csrf, *error;
	int all;
	const struct break_glass_view_row *rows;
	size_t n_rows;
};

#endif
