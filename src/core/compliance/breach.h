/*
 * breach.h - the breach notification clocks of 45 CFR 164.404-164.412,
 * as a pure computation: dates in, deadlines and the rule for each out,
 * in plain words.  No database, no clock: the incident pages (a later
 * slice of issue #8) store the inputs and show what this returns.
 *
 * Day counting: HIPAA days are calendar days; day 0 is the day the breach
 * was discovered (164.404(a)(2)), so "within 60 days" means on or before
 * discovery + 60.
 *
 * Law-enforcement delay (164.412) stops the clocks: days from the day the
 * official's statement was made until the day notices may go out do not
 * count, so a deadline moves by the length of the delay that falls before
 * it.  A written statement delays for the period it specifies; an oral one
 * for at most 30 days from the statement, unless a written statement is
 * received within those 30 days (it then sets the end).  A delay cannot
 * revive a deadline that had already passed when it was stated.
 *
 * Affected counts:
 *   individual notice    every breach of unsecured PHI (164.404)
 *   HHS notice           500 or more in total: at the individual deadline
 *                        (164.408(b)); fewer: in the annual log, no later
 *                        than 60 days after the end of the calendar year of
 *                        discovery (Mar 1, or Feb 29 in a leap year)
 *   media notice         each state or jurisdiction with MORE than 500
 *                        affected residents (164.406); exactly 500 is not
 *                        enough, and counts of several states never add up
 */
#ifndef ALC_CORE_COMPLIANCE_BREACH_H
#define ALC_CORE_COMPLIANCE_BREACH_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct alc_err;

#define BREACH_NOTICE_DAYS 60     /* 164.404(b), 164.406(b), 164.408(b) */
#define BREACH_HHS_THRESHOLD 500  /* 164.408(b): "500 or more" */
#define BREACH_MEDIA_THRESHOLD 500 /* 164.406(a): "more than 500" */
#define BREACH_ORAL_DELAY_MAX 30  /* 164.412(b) */
#define BREACH_MAX_STATES 64
#define BREACH_RULE_MAX 400

enum breach_delay_kind {
	BREACH_DELAY_NONE,
	BREACH_DELAY_WRITTEN, /* until the date the statement specifies */
	BREACH_DELAY_ORAL,    /* at most 30 days unless a written one follows */
};

struct breach_delay {
	enum breach_delay_kind kind;
	struct caldate stated_on; /* the day the official made the statement */
	/* WRITTEN: the first day notices may go out.  ORAL: the day the
	 * official named, if any ({0}: none; capped at stated_on + 30). */
	struct caldate until;
	/* ORAL only: the day a written statement was received ({0}: none)
	 * and the first day it lets notices go out. */
	struct caldate written_on, written_until;
};

struct breach_state_count {
	const char *state; /* "NY", "Puerto Rico" ... as entered */
	int64_t residents; /* affected residents of that state */
};

struct breach_input {
	struct caldate discovered;
	int64_t affected; /* individuals in total (>= the sum of the states) */
	const struct breach_state_count *states;
	size_t n_states;
	struct breach_delay delay;
};

struct breach_clocks {
	struct caldate individual_due;
	int hhs_with_individual;     /* 1: 500 or more, HHS due with them */
	struct caldate hhs_due;      /* either way, the HHS deadline */
	int media_required;
	struct caldate media_due;    /* when media_required */
	size_t media_states[BREACH_MAX_STATES]; /* indexes into in->states */
	size_t n_media_states;
	int64_t delay_days;          /* days the delay added to the 60 */
	struct caldate delay_end;    /* first day notices may go out */
	/* The rule behind each deadline, in plain words with its citation. */
	char individual_rule[BREACH_RULE_MAX];
	char hhs_rule[BREACH_RULE_MAX];
	char media_rule[BREACH_RULE_MAX];
	char delay_rule[BREACH_RULE_MAX]; /* "" without a delay */
};

/* Computes every clock.  ALC_EINVAL (err->user says what) for an invalid
 * date, a negative count, state counts adding up to more than the total,
 * too many states, or a delay stated before discovery or ending before it
 * starts. */
int breach_compute(const struct breach_input *in, struct breach_clocks *out,
    struct alc_err *err);

#endif
