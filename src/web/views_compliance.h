/*
 * views_compliance.h - views of the compliance pages (templates/compliance/):
 * the task list, a task with its history and forms, the add/edit form and
 * the calendar feed page.
 */
#ifndef ALC_WEB_VIEWS_COMPLIANCE_H
#define ALC_WEB_VIEWS_COMPLIANCE_H

#include <stddef.h>

#include "web/views.h"

/* One task in the list. */
struct cmp_row_view {
	long long id;
	const char *title, *owner, *due, *due_words, *rule, *recurrence;
	int overdue;
	int awaiting_signoff;
};

/* A section of the list: overdue, due within 30 days, later, done. */
struct cmp_group_view {
	const char *id;      /* "overdue" ... (heading id) */
	const char *heading;
	const char *empty;   /* shown when the group has no task */
	const struct cmp_row_view *rows;
	size_t n_rows;
};

/* templates/compliance/index.html */
struct cmp_index_view {
	const struct cmp_group_view *groups;
	size_t n_groups;
	size_t n_tasks;
	const char *today;   /* "2026-03-10" */
	int can_manage;
};

/* An <option> of a select. */
struct cmp_option_view {
	const char *value, *label;
	int selected;
};

/* One checkbox of the completion form. */
struct cmp_item_view {
	const char *name;    /* "item0" */
	const char *label;
	int checked;
};

/* One line of a completed occurrence's checklist. */
struct cmp_line_view {
	const char *text;
	int done;
};

struct cmp_occurrence_view {
	long long id;
	const char *due, *completed_on, *by, *note;
	const struct cmp_line_view *lines;
	size_t n_lines;
	const char *signed_off;   /* "Signed off by X on ..." or NULL */
	int awaiting_signoff;
};

struct cmp_move_view {
	const char *when, *what, *reason;
};

/* templates/compliance/task.html */
struct cmp_task_view {
	long long id;
	const char *title, *description, *rule_citation, *rule_text;
	const char *owner, *backup, *recurrence, *next_due, *due_words;
	const char *retain_until, *retire_reason;
	int overdue, retired, requires_signoff;
	int can_act;      /* owner, backup or manager: complete, reassign */
	int can_manage;
	const char *csrf;
	/* completion form */
	const struct cmp_item_view *items;
	size_t n_items;
	const char *note, *note_error, *complete_error;
	/* reassignment form */
	const struct cmp_option_view *staff;
	size_t n_staff;
	const char *reason, *reason_error, *owner_error;
	/* sign-off and retirement */
	long long signoff_id;
	const char *signoff_error, *retire_error, *retire_reason_value;
	/* history */
	const struct cmp_occurrence_view *history;
	size_t n_history;
	const struct cmp_move_view *moves;
	size_t n_moves;
};

/* templates/compliance/form.html: add or edit a task. */
struct cmp_form_view {
	const char *action;   /* where the form posts */
	const char *heading, *submit, *cancel;
	const char *csrf;
	const char *error;    /* a summary at the top, or NULL */
	struct field_view title, rule_citation, next_due, every_days;
	const char *description, *rule_text, *checklist;
	const struct cmp_option_view *owners;
	size_t n_owners;
	const char *owner_error;
	const struct cmp_option_view *backups;
	size_t n_backups;
	const char *backup_error;
	const struct cmp_option_view *recurrences;
	size_t n_recurrences;
	const char *recurrence_error;
	int requires_signoff;
};

/* templates/compliance/calendar.html */
struct cmp_calendar_view {
	const char *csrf;
	const char *feed_url;  /* shown once, right after it was made */
	const char *created;   /* when the live link was made, or NULL */
};

#endif
