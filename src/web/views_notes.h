/*
 * views_notes.h - views of the clinical-note pages (templates/notes/).
 */
#ifndef ALC_WEB_VIEWS_NOTES_H
#define ALC_WEB_VIEWS_NOTES_H

#include <stddef.h>

/* An option of a choice (select) or multi-choice (checkboxes) field. */
struct note_option_view {
	const char *id, *name, *value, *label;
	int selected;
};

/* One template field, as a form control or (read-only) as text. */
struct note_field_view {
	const char *name, *id, *label, *value, *hint;
	int required;
	int is_text, is_line, is_date, is_scale, is_choice, is_multi;
	const struct note_option_view *options;
	size_t n_options;
};

struct note_section_view {
	const char *title;
	const struct note_field_view *fields;
	size_t n_fields;
};

/* A row of a list of notes. */
struct note_row_view {
	const char *href, *when, *title, *author, *status;
	int late;
};

struct note_template_view {
	const char *href, *name, *description;
};

/* templates/notes/index.html: a patient's notes. */
struct notes_index_view {
	const char *name, *chart_no, *patient_href, *psych_href;
	const struct note_row_view *rows;
	size_t n_rows;
	const struct note_template_view *templates;
	size_t n_templates;
	int can_write;
};

struct note_addendum_view {
	const char *author, *when, *text;
};

/* templates/notes/note.html: a draft (form) or a signed note (text). */
struct note_page_view {
	const char *title, *patient_name, *patient_href, *notes_href;
	const char *template_label, *when, *duration, *cpt, *location;
	const char *status, *author, *signature, *cosignature, *return_comment;
	const char *action, *sign_action, *addendum_action, *cosign_action;
	const char *versions_href, *print_href;
	const char *csrf, *error, *message, *sign_error;
	int editable, locked, late, can_addend, can_cosign, is_new;
	int has_appointment;
	const char *appointment_id;
	const struct note_section_view *sections;
	size_t n_sections;
	const struct note_addendum_view *addenda;
	size_t n_addenda;
};

struct note_diff_line_view {
	const char *cls, *mark, *text;
};

struct note_diff_field_view {
	const char *label;
	int changed;
	const struct note_diff_line_view *lines;
	size_t n_lines;
};

struct note_version_view {
	const char *number, *when, *by, *href;
};

/* templates/notes/versions.html */
struct note_versions_view {
	const char *title, *note_href, *from, *to;
	const struct note_version_view *versions;
	size_t n_versions;
	const struct note_diff_field_view *fields;
	size_t n_fields;
	int has_diff;
};

struct note_due_view {
	const char *when, *patient, *href, *action;
};

/* templates/notes/due.html: the user's notes due and co-sign queue. */
struct notes_due_view {
	const struct note_due_view *due;
	size_t n_due;
	const struct note_row_view *queue;
	size_t n_queue;
};

/* templates/notes/psych_index.html, psych_form.html, psych_show.html */
struct psych_row_view {
	const char *href, *when, *author;
};

struct psych_view {
	const char *patient_name, *patient_href, *list_href, *new_href;
	const char *action, *csrf, *error, *text, *when, *author;
	const struct psych_row_view *rows;
	size_t n_rows;
};

#endif
