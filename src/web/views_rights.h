/*
 * views_rights.h - views of the patient-rights, disclosure and
 * accounting pages (templates/rights/).
 */
#ifndef ALC_WEB_VIEWS_RIGHTS_H
#define ALC_WEB_VIEWS_RIGHTS_H

#include <stddef.h>

/* One <option> or radio button. */
struct rights_option_view {
	const char *value, *label;
	int selected;
};

/* One line of plain text in a list. */
struct rights_text_view {
	const char *text;
};

/* A request in a list. */
struct rights_row_view {
	const char *href, *patient, *kind, *received, *due, *days, *next;
	const char *status;
	int overdue;
};

/* templates/rights/open.html: every open request by due date. */
struct rights_open_view {
	const struct rights_row_view *rows;
	size_t n_rows;
	int can_settings;
};

/* templates/rights/patient.html: a patient's requests and the form. */
struct rights_patient_view {
	const char *name, *chart_no, *base, *csrf, *error, *today;
	const struct rights_row_view *rows;
	size_t n_rows;
	const struct rights_option_view *kinds, *forms, *send_tos, *requesters,
	    *channels;
	size_t n_kinds, n_forms, n_send_tos, n_requesters, n_channels;
	const char *received_on, *asked, *third_party, *third_party_address;
	const char *rep_name, *rep_authority;
	int can_disclose;
};

/* A denial ground as a checkbox. */
struct rights_ground_view {
	const char *code, *label, *cite, *id;
	int reviewable;
};

/* templates/rights/request.html: one request. */
struct rights_request_view {
	const char *action_base, *patient, *patient_href, *csrf, *error;
	const char *kind, *form, *send_to, *third_party, *third_party_address;
	const char *requester, *rep_name, *rep_authority, *channel;
	const char *received_on, *entered, *asked, *status;
	const char *due, *days, *rule, *next, *extension, *decision;
	const char *decided, *reviewer, *fulfilled, *today;
	int has_clock, overdue;
	int can_decide, show_extend, show_decide, show_review, show_fulfil;
	int show_letter;
	const struct rights_ground_view *grounds;
	size_t n_grounds;
	const struct rights_text_view *chosen;
	size_t n_chosen;
	const struct rights_option_view *reviewers;
	size_t n_reviewers;
};

/* templates/rights/letter.html: the denial letter, 164.524(d)(2). */
struct rights_letter_view {
	const char *practice, *date, *patient, *received, *back_href;
	const char *contact, *note;
	int partial, reviewable;
	const struct rights_ground_view *grounds;
	size_t n_grounds;
};

/* templates/rights/settings.html */
struct rights_settings_view {
	const char *csrf, *error, *access, *amendment, *accounting, *contact;
};

struct rights_disclosure_row_view {
	const char *on, *recipient, *address, *what, *purpose, *basis, *by;
};

/* templates/rights/disclosures.html: the log and the form. */
struct rights_disclosures_view {
	const char *name, *chart_no, *base, *csrf, *error, *today;
	const struct rights_disclosure_row_view *rows;
	size_t n_rows;
	const struct rights_option_view *bases;
	size_t n_bases;
	const char *disclosed_on, *recipient, *address, *what, *purpose;
};

struct rights_acct_line_view {
	const char *first, *last, *count, *recipient, *address, *what;
	const char *purpose, *basis;
	int repeated;
};

/* templates/rights/accounting.html: the printable accounting. */
struct rights_accounting_view {
	const char *practice, *name, *chart_no, *from, *to, *today, *base;
	const char *csrf, *error, *csv_href, *from_q, *last_provided;
	const struct rights_acct_line_view *lines;
	size_t n_lines;
	const struct rights_text_view *exclusions;
	size_t n_exclusions;
	const char *included, *excluded;
	int fee_allowed;
};

#endif
