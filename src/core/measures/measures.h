/*
 * measures.h - measurement-based care: standard rating scales, their
 * published scoring, recorded results, trend charts and safety alerts.
 *
 * Instruments are static tables (instruments.c): items with their exact
 * wording, answer options with their values, the severity bands and the
 * alert rules.  Scoring (measure_score) is a pure function of an
 * instrument and an answer set, so every published rule is unit-tested
 * with fixed answer sets and at every band boundary.
 *
 * Results (store.c, migration 0018_measures.sql) are PHI: the answers, the
 * total and the band are sealed together in measure_results.data (purpose
 * 'general', AD measure_results/data/id).  What stays in the clear is what
 * the trend needs to find one patient's rows without decrypting anyone
 * else's: practice, patient, instrument code and when it was given, under
 * an index on (practice_id, patient_id, instrument, administered_at).  An
 * alert is a flag on its result (alert = 1) with who acknowledged it and
 * when; its text comes from the sealed result.
 *
 * Access is the caller's: the route needs ACT_MEASURE_RECORD to record,
 * and every page must have PATIENT_ACCESS_CLINICAL from patients_access()
 * for the patient.  Reads leave their audit event to the caller (it knows
 * what was shown); changes write theirs in their own transaction.
 */
#ifndef ALC_CORE_MEASURES_H
#define ALC_CORE_MEASURES_H

#include <stddef.h>
#include <stdint.h>

struct alc_err;
struct arena;
struct audit_event;
struct db;
struct db_conn;
struct keystore;

#define MEASURE_MAX_ITEMS 24
#define MEASURE_MAX_OPTIONS 5
#define MEASURE_MAX_BANDS 5
#define MEASURE_NOT_ASKED (-1) /* an item skipped by the instrument's logic */

enum measure_id {
	MEASURE_PHQ9,
	MEASURE_GAD7,
	MEASURE_PCL5,
	MEASURE_AUDITC,
	MEASURE_CSSRS,
	MEASURE_COUNT
};

/* AUDIT-C's cut-point depends on sex: the sex used is recorded with the
 * result; MEASURE_SEX_BOTH shows the result for both cut-points. */
enum measure_sex {
	MEASURE_SEX_BOTH = 0,
	MEASURE_SEX_FEMALE = 1,
	MEASURE_SEX_MALE = 2
};

struct measure_option {
	int value;
	const char *label;
};

struct measure_item {
	const char *text;          /* the published wording */
	const char *hint;          /* skip instruction, or NULL */
	int scored;                /* counts towards the total */
	int optional;              /* may be left blank (unscored items) */
	size_t n_options;
	struct measure_option options[MEASURE_MAX_OPTIONS];
	int conditional;           /* asked only after some answers (skip
	                            * logic): required only then */
};

/* Scores lo..hi (both included) fall in this band. */
struct measure_band {
	int lo, hi;
	const char *label;         /* "Moderately severe" */
	int level;                 /* 0 none ... 3 high: alert styling */
};

struct measure_instrument {
	enum measure_id id;
	const char *code;          /* "phq9": URLs and the database */
	const char *name;          /* "PHQ-9" */
	const char *title;         /* "Patient Health Questionnaire-9" */
	const char *stem;          /* instruction read before the items */
	const char *source;        /* where the wording comes from */
	int max_score;
	const char *score_label;   /* "Total score" or "Risk level" */
	size_t n_items;
	const struct measure_item *items;
	size_t n_bands;
	struct measure_band bands[MEASURE_MAX_BANDS];
};

/* The instrument for id or code; NULL when unknown. */
const struct measure_instrument *measure_instrument(enum measure_id id);
const struct measure_instrument *measure_by_code(const char *code);

/* The outcome of one answer set. */
struct measure_score {
	int total;                 /* the score; C-SSRS: risk level 0..3 */
	int band;                  /* index into the instrument's bands */
	const char *band_label;    /* the band, or AUDIT-C's sex-specific
	                            * result ("Positive (women: 3 or more)") */
	int alert;                 /* 1: raise a safety alert */
	const char *alert_text;    /* why, for the clinician; NULL: none */
};

/* One problem with the answers: item is 0-based (-1: the whole form). */
struct measure_error {
	int item;
	const char *message;
};

/* Checks answers[0..n_items) of m (each an option value, or
 * MEASURE_NOT_ASKED where the instrument's skip logic leaves an item out
 * or an optional item is blank).  Fills errs (at most MEASURE_MAX_ITEMS)
 * and *n_errs; ALC_EINVAL when any, else 0. */
int measure_validate(const struct measure_instrument *m, const int *answers,
    struct measure_error *errs, size_t *n_errs);

/* Scores a valid answer set (measure_validate first): the published
 * scoring, band and alert rule of m.  sex matters for AUDIT-C only. */
int measure_score(const struct measure_instrument *m, const int *answers,
    enum measure_sex sex, struct measure_score *out);

/* The band index of total in m (the last band for totals above it). */
int measure_band_of(const struct measure_instrument *m, int total);

/* "female", "male", "both" and back (NULL or unknown: BOTH). */
const char *measure_sex_name(enum measure_sex s);
enum measure_sex measure_sex_parse(const char *s);

/* ------------------------------------------------------------------ */
/* Recorded results (store.c).                                         */

struct measure_result {
	int64_t id, patient_id;
	enum measure_id instrument;
	int64_t administered_at, recorded_at;
	int64_t recorded_by;
	const char *recorded_by_name;
	enum measure_sex sex;
	int answers[MEASURE_MAX_ITEMS];
	struct measure_score score;
	int alert;                 /* 1: this result raised an alert */
	int64_t ack_at;            /* 0: not acknowledged */
	const char *ack_by_name;
};

/* Scores answers and stores the result for the patient (access checked
 * by the caller) with the CREATE event (object measure_result, from who)
 * in one transaction.  administered_at 0: now.  *id (may be NULL) gets
 * the new row's id.  ALC_EINVAL for answers that do not validate. */
int measures_record(struct db *db, struct keystore *ks, int64_t practice_id,
    int64_t patient_id, const struct measure_instrument *m,
    const int *answers, enum measure_sex sex, int64_t administered_at,
    const struct audit_event *who, int64_t *id, struct alc_err *err);

/* The patient's results, oldest first, decrypted into the arena: all
 * instruments (instrument < 0) or one.  At most max. */
int measures_list(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id, int instrument, size_t max,
    struct measure_result **out, size_t *n);

/* The patient's open (unacknowledged) alerts, newest first, for the
 * measures page and the patient overview: the caller has checked
 * clinical access and audits what it shows.  At most max. */
int measures_open_alerts(struct db *db, struct keystore *ks,
    struct arena *a, int64_t practice_id, int64_t patient_id, size_t max,
    struct measure_result **out, size_t *n);

/* Marks the alert of result_id (of this patient) acknowledged by
 * who->actor_user_id, with an UPDATE event on measure_result in the same
 * transaction.  ALC_ENOTFOUND: no such alert; ALC_ECONFLICT: already
 * acknowledged. */
int measures_ack(struct db *db, int64_t practice_id, int64_t patient_id,
    int64_t result_id, const struct audit_event *who, struct alc_err *err);

/* Moves a merged duplicate's results to the survivor, inside the merge's
 * transaction (a patient_merge_hook, core/patients/patients.h). */
int measures_merge_patient(struct db_conn *c, int64_t practice_id,
    int64_t from, int64_t to);

/* ------------------------------------------------------------------ */
/* Trend chart geometry (chart.c): pure, so the web layer only prints  */
/* numbers into an SVG template.                                       */

#define MEASURE_CHART_W 640
#define MEASURE_CHART_H 240
#define MEASURE_CHART_MAX_POINTS 60

struct measure_chart_band {
	int y, h;                  /* rectangle in chart coordinates */
	int label_y;
	int lo_y;                  /* the middle of the band's lowest score */
	int level;
	const char *label;
};

struct measure_chart_point {
	int x, y;
	int total;
	int64_t when;
};

struct measure_chart {
	int left, top, width, height; /* the plot area */
	size_t n_bands;
	struct measure_chart_band bands[MEASURE_MAX_BANDS];
	size_t n_points;
	struct measure_chart_point points[MEASURE_CHART_MAX_POINTS];
};

/* Lays out totals[0..n) given at when[0..n) (ascending) over m's score
 * range: bands as horizontal stripes, points spread by time (evenly when
 * all share one instant).  Only the last MEASURE_CHART_MAX_POINTS. */
void measure_chart_layout(const struct measure_instrument *m,
    const int *totals, const int64_t *when, size_t n,
    struct measure_chart *out);

#endif
