/*
 * views_risk.h - views of the risk analysis pages (templates/risk/): the
 * list of assessments, one assessment's questionnaire, the risk register
 * and one risk.
 */
#ifndef ALC_WEB_VIEWS_RISK_H
#define ALC_WEB_VIEWS_RISK_H

#include <stddef.h>

#include "web/views_compliance.h"

/* One assessment on the list. */
struct risk_row_view {
	long long id;
	int version;
	const char *started_on, *started_by, *status, *signed_by;
};

/* templates/risk/index.html */
struct risk_index_view {
	const char *csrf;
	const struct risk_row_view *rows;
	size_t n_rows;
	long long open_id;   /* the one in progress, 0: none */
	int has_completed;   /* a new one can start from the last answers */
	long long n_risks, n_open_risks;
};

/* One answer button of a question. */
struct risk_choice_view {
	const char *id, *value, *label;
	int checked;
};

/* One question with its answer. */
struct risk_q_view {
	const char *key, *citation, *kind, *text, *threat;
	const char *name_answer, *name_note, *id_note, *legend_id;
	const struct risk_choice_view *choices;
	size_t n_choices;
	const char *answer_label, *note, *evidence;
	int prefilled, unanswered;
};

struct risk_section_view {
	const char *id, *heading;
	const struct risk_q_view *questions;
	size_t n_questions;
};

/* templates/risk/assessment.html */
struct risk_assessment_view {
	long long id;
	int version;
	const char *csrf, *started_on, *started_by, *error;
	int completed;
	const char *signed_name, *signed_role, *signed_at, *retain_until;
	long long n_answered, n_questions;
	const struct risk_section_view *sections;
	size_t n_sections;
	const char *signature, *sign_error;
};

/* One risk on the register. */
struct risk_item_view {
	long long id;
	const char *title, *owner, *treatment, *due_on, *status;
	int likelihood, impact, score;
	const char *level; /* "High", "Medium", "Low" */
	long long task_id;
	int closed;
};

/* templates/risk/register.html */
struct risk_register_view {
	const struct risk_item_view *rows;
	size_t n_rows;
	int by_due;
};

/* templates/risk/risk.html: add (id 0) or edit a risk. */
struct risk_form_view {
	long long id;
	const char *csrf, *action, *heading, *error;
	const char *title, *vulnerability, *accept_reason, *plan, *due_on;
	const char *source; /* "Found by risk analysis version 2", or NULL */
	const struct cmp_option_view *likelihoods, *impacts, *treatments,
	    *statuses, *staff;
	size_t n_likelihoods, n_impacts, n_treatments, n_statuses, n_staff;
	int score;
	long long task_id;
	const char *task_error;
};

#endif
