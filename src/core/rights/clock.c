/*
 * clock.c - the legal clocks of individual-rights requests and the fixed
 * lists of denial grounds and disclosure bases.  Pure: dates in, dates
 * and plain words out.  See rights.h for the rules.
 *
 * Day 0 is the day of receipt, so "within 30 days" is on or before
 * received + 30; the extension notice is in time on or before the first
 * due date.  A state period (the practice's setting) replaces the federal
 * first period only when it is shorter.
 */
#include "core/rights/rights.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

const char *const rights_kind_names[RK_COUNT] = {"access", "amendment",
    "accounting", "restriction", "confidential"};
const char *const rights_kind_labels[RK_COUNT] = {"Access to records",
    "Amendment", "Accounting of disclosures", "Restriction",
    "Confidential communications"};

static const int federal[RK_COUNT] = {30, 60, 60, 0, 0};
static const char *const cites[RK_COUNT] = {"45 CFR 164.524(b)(2)",
    "45 CFR 164.526(b)(2)", "45 CFR 164.528(c)(1)", "45 CFR 164.522(a)",
    "45 CFR 164.522(b)"};

const struct rights_code rights_grounds[] = {
	{"psychotherapy_notes", "The records asked for are psychotherapy "
	    "notes, which are excluded from the right of access",
	    "164.524(a)(1)(i), (a)(2)(i)", 0},
	{"legal_proceeding", "The information was compiled in reasonable "
	    "anticipation of, or for use in, a civil, criminal or "
	    "administrative action or proceeding",
	    "164.524(a)(1)(ii), (a)(2)(i)", 0},
	{"inmate", "An inmate's request for a copy, where a copy would "
	    "jeopardize health, safety, security or rehabilitation",
	    "164.524(a)(2)(ii)", 0},
	{"research", "Research that includes treatment, while it is in "
	    "progress, where the individual agreed to the suspension",
	    "164.524(a)(2)(iii)", 0},
	{"privacy_act", "Records subject to the Privacy Act, where it allows "
	    "the denial", "164.524(a)(2)(iv)", 0},
	{"confidential_source", "Information obtained from someone other "
	    "than a health care provider under a promise of confidentiality, "
	    "where access would reveal the source", "164.524(a)(2)(v)", 0},
	{"endanger", "A licensed health care professional has determined "
	    "that access is reasonably likely to endanger the life or physical "
	    "safety of the individual or another person",
	    "164.524(a)(3)(i)", 1},
	{"harm_other", "A licensed health care professional has determined "
	    "that access is reasonably likely to cause substantial harm to "
	    "another person referenced in the record",
	    "164.524(a)(3)(ii)", 1},
	{"harm_via_representative", "A licensed health care professional has "
	    "determined that access by the personal representative is "
	    "reasonably likely to cause substantial harm to the individual or "
	    "another person", "164.524(a)(3)(iii)", 1},
};
const size_t rights_grounds_count =
    sizeof(rights_grounds) / sizeof(rights_grounds[0]);

/* flag 1: excluded from the accounting by 164.528(a)(1). */
const struct rights_code rights_bases[] = {
	{"treatment", "Treatment", "164.528(a)(1)(i)", 1},
	{"payment", "Payment", "164.528(a)(1)(i)", 1},
	{"operations", "Health care operations", "164.528(a)(1)(i)", 1},
	{"to_patient", "To the patient", "164.528(a)(1)(ii)", 1},
	{"incidental", "Incidental to a permitted use or disclosure",
	    "164.528(a)(1)(iii)", 1},
	{"authorization", "Under the patient's authorization",
	    "164.528(a)(1)(iv)", 1},
	{"directory", "Facility directory, or people involved in care",
	    "164.528(a)(1)(v)", 1},
	{"national_security", "National security or intelligence",
	    "164.528(a)(1)(vi)", 1},
	{"correctional", "Correctional institution or law enforcement custody",
	    "164.528(a)(1)(vii)", 1},
	{"limited_data_set", "Limited data set", "164.528(a)(1)(viii)", 1},
	{"individual_directive", "A copy sent to a person the patient "
	    "directed (right of access)", "164.524(c)(3)(ii)", 0},
	{"required_by_law", "Required by law", "164.512(a)", 0},
	{"public_health", "Public health", "164.512(b)", 0},
	{"abuse_neglect", "Abuse, neglect or domestic violence report",
	    "164.512(c)", 0},
	{"health_oversight", "Health oversight", "164.512(d)", 0},
	{"judicial", "Judicial or administrative proceeding (court order, "
	    "subpoena)", "164.512(e)", 0},
	{"law_enforcement", "Law enforcement", "164.512(f)", 0},
	{"decedents", "Coroner, medical examiner or funeral director",
	    "164.512(g)", 0},
	{"research", "Research without authorization (waiver)", "164.512(i)",
	    0},
	{"serious_threat", "To avert a serious threat to health or safety",
	    "164.512(j)", 0},
	{"workers_comp", "Workers' compensation", "164.512(l)", 0},
	{"other", "Other (explain in the purpose)", "", 0},
};
const size_t rights_bases_count =
    sizeof(rights_bases) / sizeof(rights_bases[0]);

static const struct rights_code *
find(const struct rights_code *list, size_t n, const char *code)
{
	size_t i;

	for (i = 0; code != NULL && i < n; i++)
		if (strcmp(list[i].code, code) == 0)
			return &list[i];
	return NULL;
}

const struct rights_code *
rights_ground(const char *code)
{
	return find(rights_grounds, rights_grounds_count, code);
}

const struct rights_code *
rights_basis(const char *code)
{
	return find(rights_bases, rights_bases_count, code);
}

int
rights_kind_parse(const char *s)
{
	int k;

	for (k = 0; s != NULL && k < RK_COUNT; k++)
		if (strcmp(rights_kind_names[k], s) == 0)
			return k;
	return -1;
}

int
rights_federal_days(enum rights_kind k)
{
	return (int)k >= 0 && k < RK_COUNT ? federal[k] : 0;
}

static int
first_days(enum rights_kind k, int state_days)
{
	int f = rights_federal_days(k);

	return state_days > 0 && state_days < f ? state_days : f;
}

int
rights_clock(enum rights_kind k, struct caldate received, int state_days,
    const struct caldate *ext_notice, struct caldate today,
    struct rights_clock *out)
{
	char a[CALDATE_TEXT_SIZE];
	int days = first_days(k, state_days);

	memset(out, 0, sizeof(*out));
	if ((int)k < 0 || k >= RK_COUNT || !caldate_valid(received) ||
	    !caldate_valid(today))
		return ALC_EINVAL;
	if (days == 0) {
		snprintf(out->rule, sizeof(out->rule), "No federal deadline: "
		    "decide promptly and tell the patient (%s).", cites[k]);
		return 0;
	}
	out->has_clock = 1;
	out->first_due = caldate_add_days(received, days);
	out->due = out->first_due;
	if (ext_notice != NULL) {
		out->extended = 1;
		out->due = caldate_add_days(out->first_due,
		    RIGHTS_EXTENSION_DAYS);
	}
	out->days_left = caldate_diff(today, out->due);
	out->overdue = out->days_left < 0;
	snprintf(out->rule, sizeof(out->rule), "Act within %d calendar days "
	    "of receipt (%s)%s, by %s%s.", days, cites[k],
	    days < federal[k] ? ", shortened by the practice's state setting" :
	    "", caldate_format(out->due, a), out->extended ?
	    ", after the one 30-day extension" : "; one 30-day extension is "
	    "allowed if its written notice goes out within that period");
	return 0;
}

int
rights_extension_check(enum rights_kind k, struct caldate received,
    int state_days, int already_extended, struct caldate notice_on,
    struct caldate today, struct alc_err *err)
{
	struct caldate first;
	char a[CALDATE_TEXT_SIZE];
	char msg[200];
	int days = first_days(k, state_days);

	if (days == 0)
		return alc_err_set_user(err, ALC_EINVAL, "This kind of request "
		    "has no deadline to extend.", "rights: no clock");
	if (already_extended)
		return alc_err_set_user(err, ALC_ECONFLICT, "The deadline has "
		    "already been extended once; the rule allows only one "
		    "extension.", "rights: second extension");
	if (!caldate_valid(notice_on) || caldate_cmp(notice_on, received) < 0 ||
	    caldate_cmp(notice_on, today) > 0)
		return alc_err_set_user(err, ALC_EINVAL, "Enter the day the "
		    "written notice went out, between the day of receipt and "
		    "today.", "rights: bad notice date");
	first = caldate_add_days(received, days);
	if (caldate_cmp(notice_on, first) > 0) {
		snprintf(msg, sizeof(msg), "Too late to extend: the written "
		    "notice had to go out within the first %d days, by %s.",
		    days, caldate_format(first, a));
		return alc_err_set_user(err, ALC_EINVAL, msg,
		    "rights: notice after the first period");
	}
	return 0;
}
