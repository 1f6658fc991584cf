/*
 * views_policies.h - views of the policy pages (templates/policies/) and
 * the training pages (templates/training/).  body_html members hold the
 * output of markdown_render (web/markdown.h), which escapes every
 * character of the policy text; they are the only raw output here.
 */
#ifndef ALC_WEB_VIEWS_POLICIES_H
#define ALC_WEB_VIEWS_POLICIES_H

#include <stddef.h>

#include "web/views.h"
#include "web/views_compliance.h"

struct pol_row_view {
	long long id;
	const char *title, *status, *effective_on, *owner;
	int version;
	long long attested, staff;
	int mine, owes; /* owes: published and not attested by the viewer */
};

struct pol_template_view {
	const char *key, *title;
};

/* templates/policies/index.html */
struct pol_index_view {
	const char *csrf;
	long long pending; /* current versions the viewer has not attested */
	int can_manage;
	const struct pol_row_view *rows;
	size_t n_rows;
	const struct pol_template_view *templates;
	size_t n_templates;
};

/* templates/policies/policy.html: a published version (or the draft
 * notice), with the attestation form. */
struct pol_view {
	long long id;
	const char *csrf, *title, *status, *owner;
	int version, current_version, is_current, retired;
	const char *effective_on, *summary, *published_by, *published_at;
	const char *hash, *body_html, *review_months, *retain_until;
	int can_attest;
	const char *attested_at, *error;
	int can_manage;
};

/* templates/policies/edit.html: the draft, its preview, publishing. */
struct pol_edit_view {
	long long id;
	const char *csrf, *title, *review_months, *draft, *preview_html;
	const struct cmp_option_view *staff;
	size_t n_staff;
	int current_version, next_version;
	const char *effective_on, *summary;
	const char *error, *publish_error;
};

struct pol_report_row_view {
	const char *name, *email, *attested_at;
	int last_version;
};

/* templates/policies/report.html */
struct pol_report_view {
	long long id;
	const char *title;
	int version;
	long long attested, missing;
	const struct pol_report_row_view *rows;
	size_t n_rows;
};

struct trn_row_view {
	long long id;
	const char *person, *course, *completed_on, *hours, *provider;
	const char *evidence, *expires_on, *flag;
};

struct trn_overdue_view {
	const char *name, *email, *due_on;
};

/* templates/training/index.html */
struct trn_index_view {
	const char *csrf;
	int can_manage;
	const struct trn_row_view *rows;
	size_t n_rows;
	const struct trn_overdue_view *overdue;
	size_t n_overdue;
	long long due_days;
	const struct cmp_option_view *staff;
	size_t n_staff;
	/* The add form, kept on errors. */
	const char *course, *completed_on, *hours, *provider, *evidence;
	const char *expires_on, *error, *settings_error;
};

struct wfl_row_view {
	const char *occurred_on, *person, *details, *action, *recorded_by;
};

/* templates/training/log.html: the sanctions and complaints logs. */
struct wfl_view {
	const char *csrf;
	const struct wfl_row_view *sanctions;
	size_t n_sanctions;
	const struct wfl_row_view *complaints;
	size_t n_complaints;
	/* The add form, kept on errors. */
	const char *kind, *occurred_on, *person, *details, *action, *error;
};

#endif
