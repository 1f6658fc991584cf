/*
 * views_audit.h - views of the audit viewer (templates/audit/).
 */
#ifndef ALC_WEB_VIEWS_AUDIT_H
#define ALC_WEB_VIEWS_AUDIT_H

#include <stddef.h>

/* One <option> of a filter's picker. */
struct audit_option_view {
	const char *value, *label;
	int selected;
};

struct audit_row_view {
	const char *when;        /* "2026-11-25 02:11:40 UTC" */
	const char *what;        /* the plain-language sentence */
	const char *addr;
	const char *outcome;     /* "Success" or "Failed" */
	const char *request_id;
	const char *sensitivity; /* NULL for normal */
	int failed;
};

/* templates/audit/index.html */
struct audit_view {
	const struct audit_option_view *users, *verbs, *outcomes,
	    *sensitivities;
	size_t n_users, n_verbs, n_outcomes, n_sensitivities;
	/* The filters as given, for the form and for the links (raw values;
	 * the template encodes them). */
	const char *user, *patient, *verb, *from, *to, *outcome, *sensitivity;
	const char *error;       /* a filter that could not be understood */
	const struct audit_row_view *rows;
	size_t n_rows;
	const char *older;       /* seq for the "Older" link; NULL: last page */
	int paged;               /* not the newest page: offer "Newest" */
	int export_cap;          /* rows per export at most */
	int retention_years;     /* audit.retention_years */
	const char *zone;        /* the practice's time zone, for the times */
};

/* templates/audit/review.html: the periodic audit-log review. */
struct audit_count_view {
	const char *verb, *label;
	long long n;
};

struct audit_flag_view {
	long long seq;
	const char *when, *label, *what;
	const char *note, *marked_by, *marked_when; /* NULL: not yet marked */
};

struct audit_past_view {
	const char *from, *to, *reviewer, *signed_when, *note;
	long long events, flagged;
};

struct audit_review_view {
	const char *csrf;
	const char *from, *to;   /* the period, YYYY-MM-DD, as given */
	const char *zone;        /* the practice's time zone */
	const char *error;       /* the period could not be understood */
	const char *notice;      /* "Event marked reviewed." ... */
	const char *mark_error, *sign_error;
	long long mark_seq;      /* the event mark_error is about */
	long long events;
	const struct audit_count_view *counts;
	size_t n_counts;
	const struct audit_flag_view *flags;
	size_t n_flags;
	size_t n_unmarked;
	int truncated, max_flags;
	const struct audit_past_view *past;
	size_t n_past;
	const char *sign_note;   /* kept after an error */
};

#endif
