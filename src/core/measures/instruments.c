/*
 * instruments.c - the rating scales as data, and their scoring.
 *
 * Each instrument is one static table: items in the published wording,
 * answer options with their values, severity bands and (in score()) its
 * alert rule.  Sources and terms of use:
 *   PHQ-9, GAD-7  Spitzer, Williams, Kroenke et al., developed with an
 *                 educational grant from Pfizer Inc.; "no permission
 *                 required to reproduce, translate, display or
 *                 distribute" (phqscreeners.com).  Bands: Kroenke et al.
 *                 2001 (PHQ-9: 5/10/15/20), Spitzer et al. 2006 (GAD-7:
 *                 5/10/15).
 *   PCL-5         Weathers et al. 2013, National Center for PTSD, public
 *                 domain (ptsd.va.gov).  A provisional PTSD cut-point of
 *                 31-33 is suggested; Alcove uses 33 and says "at or above
 *                 the cut-point of 33", never a diagnosis.
 *   AUDIT-C       the first three AUDIT questions (WHO, Babor et al.
 *                 2001); Bush et al. 1998 scoring; positive at 4 or more
 *                 for men, 3 or more for women (US VA / SAMHSA guidance).
 *   C-SSRS        Columbia Suicide Severity Rating Scale, Screen Version -
 *                 Recent (Posner et al., The Columbia Lighthouse Project;
 *                 free for clinical use), with the triage points of
 *                 "C-SSRS-Screener-recent-with-triage-colors-2021": a Yes
 *                 to question 1 or 2 is low risk; a Yes to question 3, or
 *                 to question 6 more than 3 months ago, is moderate risk;
 *                 a Yes to question 4 or 5, or to question 6 within the
 *                 past 3 months, is high risk.  This matches the Columbia
 *                 "Clinical triage guidelines": ideation with some intent
 *                 (4, 5) in the past month or any suicidal behaviour in the
 *                 past 3 months is the most emergent situation.  Skip
 *                 logic of the screen: questions 3-5 only after a Yes to
 *                 question 2; the 3-month follow-up only after a Yes to 6.
 */
#include "core/measures/measures.h"
#include "base/err.h"

#include <stddef.h>
#include <string.h>

#define FREQ4 4, {{0, "Not at all"}, {1, "Several days"}, \
	{2, "More than half the days"}, {3, "Nearly every day"}}, 0
#define DIFF4 4, {{0, "Not difficult at all"}, {1, "Somewhat difficult"}, \
	{2, "Very difficult"}, {3, "Extremely difficult"}}, 0
#define PCL5 5, {{0, "Not at all"}, {1, "A little bit"}, {2, "Moderately"}, \
	{3, "Quite a bit"}, {4, "Extremely"}}, 0
#define YESNO 2, {{0, "No"}, {1, "Yes"}}

static const char difficulty[] = "If you checked off any problems, how "
    "difficult have these problems made it for you to do your work, take "
    "care of things at home, or get along with other people?";

static const struct measure_item phq9_items[] = {
	{"Little interest or pleasure in doing things", NULL, 1, 0, FREQ4},
	{"Feeling down, depressed, or hopeless", NULL, 1, 0, FREQ4},
	{"Trouble falling or staying asleep, or sleeping too much", NULL, 1, 0,
	    FREQ4},
	{"Feeling tired or having little energy", NULL, 1, 0, FREQ4},
	{"Poor appetite or overeating", NULL, 1, 0, FREQ4},
	{"Feeling bad about yourself \xe2\x80\x94 or that you are a failure or "
	    "have let yourself or your family down", NULL, 1, 0, FREQ4},
	{"Trouble concentrating on things, such as reading the newspaper or "
	    "watching television", NULL, 1, 0, FREQ4},
	{"Moving or speaking so slowly that other people could have noticed? "
	    "Or the opposite \xe2\x80\x94 being so fidgety or restless that you "
	    "have been moving around a lot more than usual", NULL, 1, 0, FREQ4},
	{"Thoughts that you would be better off dead or of hurting yourself "
	    "in some way", NULL, 1, 0, FREQ4},
	{difficulty, "Not scored; may be left blank.", 0, 1, DIFF4},
};

static const struct measure_item gad7_items[] = {
	{"Feeling nervous, anxious or on edge", NULL, 1, 0, FREQ4},
	{"Not being able to stop or control worrying", NULL, 1, 0, FREQ4},
	{"Worrying too much about different things", NULL, 1, 0, FREQ4},
	{"Trouble relaxing", NULL, 1, 0, FREQ4},
	{"Being so restless that it is hard to sit still", NULL, 1, 0, FREQ4},
	{"Becoming easily annoyed or irritable", NULL, 1, 0, FREQ4},
	{"Feeling afraid as if something awful might happen", NULL, 1, 0,
	    FREQ4},
	{difficulty, "Not scored; may be left blank.", 0, 1, DIFF4},
};

static const struct measure_item pcl5_items[] = {
	{"Repeated, disturbing, and unwanted memories of the stressful "
	    "experience?", NULL, 1, 0, PCL5},
	{"Repeated, disturbing dreams of the stressful experience?", NULL, 1, 0,
	    PCL5},
	{"Suddenly feeling or acting as if the stressful experience were "
	    "actually happening again (as if you were actually back there "
	    "reliving it)?", NULL, 1, 0, PCL5},
	{"Feeling very upset when something reminded you of the stressful "
	    "experience?", NULL, 1, 0, PCL5},
	{"Having strong physical reactions when something reminded you of the "
	    "stressful experience (for example, heart pounding, trouble "
	    "breathing, sweating)?", NULL, 1, 0, PCL5},
	{"Avoiding memories, thoughts, or feelings related to the stressful "
	    "experience?", NULL, 1, 0, PCL5},
	{"Avoiding external reminders of the stressful experience (for "
	    "example, people, places, conversations, activities, objects, or "
	    "situations)?", NULL, 1, 0, PCL5},
	{"Trouble remembering important parts of the stressful experience?",
	    NULL, 1, 0, PCL5},
	{"Having strong negative beliefs about yourself, other people, or the "
	    "world (for example, having thoughts such as: I am bad, there is "
	    "something seriously wrong with me, no one can be trusted, the "
	    "world is completely dangerous)?", NULL, 1, 0, PCL5},
	{"Blaming yourself or someone else for the stressful experience or "
	    "what happened after it?", NULL, 1, 0, PCL5},
	{"Having strong negative feelings such as fear, horror, anger, guilt, "
	    "or shame?", NULL, 1, 0, PCL5},
	{"Loss of interest in activities that you used to enjoy?", NULL, 1, 0,
	    PCL5},
	{"Feeling distant or cut off from other people?", NULL, 1, 0, PCL5},
	{"Trouble experiencing positive feelings (for example, being unable to "
	    "feel happiness or have loving feelings for people close to you)?",
	    NULL, 1, 0, PCL5},
	{"Irritable behavior, angry outbursts, or acting aggressively?", NULL,
	    1, 0, PCL5},
	{"Taking too many risks or doing things that could cause you harm?",
	    NULL, 1, 0, PCL5},
	{"Being \xe2\x80\x9csuperalert\xe2\x80\x9d or watchful or on guard?",
	    NULL, 1, 0, PCL5},
	{"Feeling jumpy or easily startled?", NULL, 1, 0, PCL5},
	{"Having difficulty concentrating?", NULL, 1, 0, PCL5},
	{"Trouble falling or staying asleep?", NULL, 1, 0, PCL5},
};

static const struct measure_item auditc_items[] = {
	{"How often do you have a drink containing alcohol?", NULL, 1, 0, 5,
	    {{0, "Never"}, {1, "Monthly or less"}, {2, "2-4 times a month"},
	    {3, "2-3 times a week"}, {4, "4 or more times a week"}}, 0},
	{"How many standard drinks containing alcohol do you have on a typical "
	    "day?", NULL, 1, 0, 5, {{0, "1 or 2"}, {1, "3 or 4"}, {2, "5 or 6"},
	    {3, "7 to 9"}, {4, "10 or more"}}, 0},
	{"How often do you have six or more drinks on one occasion?", NULL, 1,
	    0, 5, {{0, "Never"}, {1, "Less than monthly"}, {2, "Monthly"},
	    {3, "Weekly"}, {4, "Daily or almost daily"}}, 0},
};

/* Indexes of the C-SSRS items below. */
enum { CS_WISH, CS_THOUGHTS, CS_METHOD, CS_INTENT, CS_PLAN, CS_BEHAVIOR,
	CS_RECENT, CS_N };

static const struct measure_item cssrs_items[] = {
	{"Past month: Have you wished you were dead or wished you could go to "
	    "sleep and not wake up?", NULL, 0, 0, YESNO, 0},
	{"Past month: Have you actually had any thoughts of killing yourself?",
	    "If No, go to question 6.", 0, 0, YESNO, 0},
	{"Past month: Have you been thinking about how you might do this?",
	    "Ask only if question 2 is Yes.", 0, 0, YESNO, 1},
	{"Past month: Have you had these thoughts and had some intention of "
	    "acting on them?", "Ask only if question 2 is Yes.", 0, 0, YESNO, 1},
	{"Past month: Have you started to work out or worked out the details "
	    "of how to kill yourself? Do you intend to carry out this plan?",
	    "Ask only if question 2 is Yes.", 0, 0, YESNO, 1},
	{"Have you ever done anything, started to do anything, or prepared to "
	    "do anything to end your life? (Examples: collected pills, obtained "
	    "a gun, gave away valuables, wrote a will or suicide note, took out "
	    "pills but didn\xe2\x80\x99t swallow any, held a gun but changed "
	    "your mind or it was grabbed from your hand, went to the roof but "
	    "didn\xe2\x80\x99t jump; or actually took pills, tried to shoot "
	    "yourself, cut yourself, tried to hang yourself, etc.)", NULL, 0, 0,
	    YESNO, 0},
	{"If Yes to question 6: Was this within the past 3 months?",
	    "Ask only if question 6 is Yes.", 0, 0, YESNO, 1},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct measure_instrument instruments[MEASURE_COUNT] = {
	{MEASURE_PHQ9, "phq9", "PHQ-9", "Patient Health Questionnaire (PHQ-9)",
	    "Over the last 2 weeks, how often have you been bothered by any of "
	    "the following problems?", "Pfizer Inc.; no permission required "
	    "to reproduce.", 27, "Total score", N(phq9_items), phq9_items, 5,
	    {{0, 4, "Minimal", 0}, {5, 9, "Mild", 0}, {10, 14, "Moderate", 1},
	    {15, 19, "Moderately severe", 2}, {20, 27, "Severe", 3}}},
	{MEASURE_GAD7, "gad7", "GAD-7", "Generalized Anxiety Disorder 7 "
	    "(GAD-7)", "Over the last 2 weeks, how often have you been "
	    "bothered by the following problems?", "Pfizer Inc.; no permission "
	    "required to reproduce.", 21, "Total score", N(gad7_items),
	    gad7_items, 4, {{0, 4, "Minimal", 0}, {5, 9, "Mild", 0},
	    {10, 14, "Moderate", 1}, {15, 21, "Severe", 3}}},
	{MEASURE_PCL5, "pcl5", "PCL-5", "PTSD Checklist for DSM-5 (PCL-5)",
	    "Below is a list of problems that people sometimes have in response "
	    "to a very stressful experience. In the past month, how much were "
	    "you bothered by:", "National Center for PTSD; public domain.", 80,
	    "Total score", N(pcl5_items), pcl5_items, 2,
	    {{0, 32, "Below the cut-point of 33", 0},
	    {33, 80, "At or above the cut-point of 33 (provisional PTSD)", 2}}},
	{MEASURE_AUDITC, "auditc", "AUDIT-C", "Alcohol Use Disorders "
	    "Identification Test - Consumption (AUDIT-C)", "Answer about the "
	    "past year.", "World Health Organization AUDIT, questions 1-3.", 12,
	    "Total score", N(auditc_items), auditc_items, 3,
	    {{0, 2, "Negative", 0}, {3, 3, "Positive for women", 1},
	    {4, 12, "Positive", 2}}},
	{MEASURE_CSSRS, "cssrs", "C-SSRS screen", "Columbia Suicide Severity "
	    "Rating Scale, screen version (C-SSRS)", "Ask questions 1 and 2. "
	    "If question 2 is Yes, ask questions 3, 4 and 5; if No, go to "
	    "question 6.", "The Columbia Lighthouse Project; free for clinical "
	    "use.", 3, "Risk level", N(cssrs_items), cssrs_items, 4,
	    {{0, 0, "No risk identified", 0}, {1, 1, "Low risk", 1},
	    {2, 2, "Moderate risk", 2}, {3, 3, "High risk", 3}}},
};

const struct measure_instrument *
measure_instrument(enum measure_id id)
{
	return (unsigned)id < MEASURE_COUNT ? &instruments[id] : NULL;
}

const struct measure_instrument *
measure_by_code(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && i < MEASURE_COUNT; i++)
		if (strcmp(instruments[i].code, code) == 0)
			return &instruments[i];
	return NULL;
}

const char *
measure_sex_name(enum measure_sex s)
{
	return s == MEASURE_SEX_FEMALE ? "female" : s == MEASURE_SEX_MALE ?
	    "male" : "both";
}

enum measure_sex
measure_sex_parse(const char *s)
{
	if (s != NULL && strcmp(s, "female") == 0)
		return MEASURE_SEX_FEMALE;
	if (s != NULL && strcmp(s, "male") == 0)
		return MEASURE_SEX_MALE;
	return MEASURE_SEX_BOTH;
}

static int
valid_value(const struct measure_item *it, int v)
{
	size_t i;

	for (i = 0; i < it->n_options; i++)
		if (it->options[i].value == v)
			return 1;
	return 0;
}

/* Whether item i of the C-SSRS is asked, given the answers so far. */
static int
cssrs_asked(const int *a, size_t i)
{
	if (i >= CS_METHOD && i <= CS_PLAN)
		return a[CS_THOUGHTS] == 1;
	if (i == CS_RECENT)
		return a[CS_BEHAVIOR] == 1;
	return 1;
}

static void
add_err(struct measure_error *errs, size_t *n, int item, const char *msg)
{
	if (*n < MEASURE_MAX_ITEMS) {
		errs[*n].item = item;
		errs[*n].message = msg;
		(*n)++;
	}
}

int
measure_validate(const struct measure_instrument *m, const int *answers,
    struct measure_error *errs, size_t *n_errs)
{
	size_t i;
	int asked;

	*n_errs = 0;
	for (i = 0; i < m->n_items; i++) {
		const struct measure_item *it = &m->items[i];
		int v = answers[i];

		asked = m->id != MEASURE_CSSRS || cssrs_asked(answers, i);
		if (v == MEASURE_NOT_ASKED) {
			if (asked && !it->optional)
				add_err(errs, n_errs, (int)i, "Choose an answer.");
		} else if (!valid_value(it, v))
			add_err(errs, n_errs, (int)i, "Choose one of the answers.");
		else if (!asked)
			add_err(errs, n_errs, (int)i, i == CS_RECENT ?
			    "Leave this blank: question 6 is No." :
			    "Leave this blank: question 2 is No.");
	}
	return *n_errs ? ALC_EINVAL : 0;
}

int
measure_band_of(const struct measure_instrument *m, int total)
{
	size_t i;

	for (i = 0; i < m->n_bands; i++)
		if (total >= m->bands[i].lo && total <= m->bands[i].hi)
			return (int)i;
	return total < 0 ? 0 : (int)m->n_bands - 1;
}

/* The triage points quoted at the top of this file. */
static int
cssrs_level(const int *a)
{
	if (a[CS_INTENT] == 1 || a[CS_PLAN] == 1 ||
	    (a[CS_BEHAVIOR] == 1 && a[CS_RECENT] == 1))
		return 3;
	if (a[CS_METHOD] == 1 || a[CS_BEHAVIOR] == 1)
		return 2;
	if (a[CS_WISH] == 1 || a[CS_THOUGHTS] == 1)
		return 1;
	return 0;
}

static const char *
auditc_label(int total, enum measure_sex sex)
{
	switch (sex) {
	case MEASURE_SEX_FEMALE:
		return total >= 3 ? "Positive (women: 3 or more)" :
		    "Negative (women: below 3)";
	case MEASURE_SEX_MALE:
		return total >= 4 ? "Positive (men: 4 or more)" :
		    "Negative (men: below 4)";
	case MEASURE_SEX_BOTH:
	default:
		break;
	}
	return total >= 4 ? "Positive for men (4 or more) and women (3 or more)" :
	    total == 3 ? "Positive for women (3 or more), negative for men "
	    "(below 4)" : "Negative for men (below 4) and women (below 3)";
}

int
measure_score(const struct measure_instrument *m, const int *answers,
    enum measure_sex sex, struct measure_score *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (m->id == MEASURE_CSSRS)
		out->total = cssrs_level(answers);
	else
		for (i = 0; i < m->n_items; i++)
			if (m->items[i].scored && answers[i] > 0)
				out->total += answers[i];
	out->band = measure_band_of(m, out->total);
	out->band_label = m->id == MEASURE_AUDITC ?
	    auditc_label(out->total, sex) : m->bands[out->band].label;
	if (m->id == MEASURE_PHQ9 && answers[8] > 0) {
		out->alert = 1;
		out->alert_text = "PHQ-9 item 9 is positive: thoughts of being "
		    "better off dead or of self-harm. Assess suicide risk "
		    "now.";
	} else if (m->id == MEASURE_CSSRS && out->total >= 2) {
		out->alert = 1;
		out->alert_text = out->total == 3 ? "C-SSRS screen: high risk. "
		    "Immediate evaluation and safety precautions are needed." :
		    "C-SSRS screen: moderate risk. Further evaluation and a "
		    "safety plan are needed.";
	}
	return 0;
}
