/*
 * views_keys.h - the encryption keys page (/settings/keys).
 */
#ifndef ALC_WEB_VIEWS_KEYS_H
#define ALC_WEB_VIEWS_KEYS_H

#include <stddef.h>

/* One key purpose of the practice, with its Rotate form. */
struct keys_purpose_view {
	const char *name;        /* form value: "general" ... "blind_index" */
	const char *label;       /* "General records" */
	const char *hint;        /* what it protects */
	long long active_id;     /* 0: none yet */
	const char *created;     /* "2026-11-25 03:47 UTC"; NULL: none */
	long long rows;          /* sealed (or indexed) under the active key */
	const char *retiring;    /* "key 12 (340 left)"; NULL: none */
};

/* templates/settings/keys.html */
struct keys_view {
	const struct keys_purpose_view *purposes;
	size_t n_purposes;
	const char *csrf;
	const char *error;       /* 409 / 422: why nothing was started */
	int running;             /* a rotation is queued or running */
	const char *job_purpose; /* label of what the latest job rotates */
	const char *by;          /* who started it: a name or "the command line" */
	const char *started;     /* when */
	long long done, total;   /* rows */
	long long percent;
	const char *finished;    /* the latest one finished at; NULL: not */
	const char *failed;      /* why the latest attempt failed; NULL: not */
	int will_retry;          /* failed, and the queue tries again */
};

#endif
