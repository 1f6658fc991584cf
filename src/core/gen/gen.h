/*
 * gen.h - realistic fake data for benchmarks (`alcove gen`) and for the
 * demo practice (`alcove demo`).
 *
 * Everything is made through the real core functions (users_add,
 * patients_create, patients_team_add, sched_*), so the rows are exactly
 * the rows the application writes: sealed fields with their AD, blind
 * indexes, care teams, series and their audit events in one valid hash
 * chain.  Only the chart views a clinician would have made while seeing
 * the patients are written in bulk (gen_audit_views: audit_write, 1000
 * events per transaction).
 *
 * Determinism: one seeded PRNG (splitmix64 seeding xoshiro256**) decides
 * every name, date, slot and status, consumed in a fixed order, so the
 * same seed and options give the same names and chart numbers.  Dates are
 * relative to the practice's today (so the calendar looks current).
 *
 * Speed is the caller's business: `alcove gen` opens the database with
 * one connection and turns off the per-commit flush for it (a generator
 * can be re-run; an application cannot), then each core call commits on
 * its own.
 */
#ifndef ALC_CORE_GEN_H
#define ALC_CORE_GEN_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct keystore;

/* --- the PRNG (rng.c) -------------------------------------------------- */

struct gen_rng {
	uint64_t s[4];
};

void gen_rng_seed(struct gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(struct gen_rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint32_t gen_rng_below(struct gen_rng *r, uint32_t n);
/* 1 with probability per_mille / 1000. */
int gen_rng_chance(struct gen_rng *r, uint32_t per_mille);

/* --- name lists (names.c): invented combinations, nobody real ---------- */

extern const char *const gen_first_names_f[];
extern const size_t gen_n_first_names_f;
extern const char *const gen_first_names_m[];
extern const size_t gen_n_first_names_m;
extern const char *const gen_last_names[];
extern const size_t gen_n_last_names;
extern const char *const gen_street_names[];
extern const size_t gen_n_street_names;
extern const char *const gen_city_parts[];  /* "Cedar", "Willow" ... */
extern const size_t gen_n_city_parts;
extern const char *const gen_city_suffixes[]; /* " Falls", "ton" ... */
extern const size_t gen_n_city_suffixes;
extern const char *const gen_payers[];
extern const size_t gen_n_payers;

/* --- one practice's data (practice.c, people.c, appts.c) --------------- */

struct gen_opts {
	int clinicians;         /* clinicians to add */
	int patients;           /* patients to register */
	int months_past;        /* appointments from this many months ago */
	int months_future;      /* ... to this many months ahead */
	int slots_per_day;      /* hourly slots per clinician and weekday */
	int first_slot_min;     /* local minute of the first slot (e.g. 480) */
	int light_slots;        /* the first clinician's weekly slots (the
				 * benchmark's "about 40 a week" view); 0:
				 * like everyone else */
	int saturday;           /* clinicians also see patients on Saturday */
	int views_per_session;  /* chart views per completed session (0..) */
	int64_t extra_views;    /* further view events, spread over patients */
	const char *email_domain; /* "p1.gen.alcove.test" */
	const char *pw_hash;    /* every added staff member's password */
	int named_emails;       /* "maya.okafor@domain" rather than
				 * "clinician3@domain" */
	int quiet;              /* no progress lines */
};

/* What was made, for the summary line. */
struct gen_stats {
	int64_t staff, patients, series, appointments, status_changes,
	    skipped, audit_views;
	int64_t rows_done;      /* for progress: rows written so far */
	int64_t t0_ms;          /* progress rate reference */
};

/* A staff login the run made, for the printout (emails in the caller's
 * buffer of GEN_MAX_LOGINS). */
#define GEN_MAX_LOGINS 16
struct gen_login {
	char email[128];
	char name[96];
	char role[128];
};

/* Fills practice_id: locations, rooms, the four appointment types,
 * clinicians (and a front desk and a billing member) with working hours,
 * patients with care teams, weekly series with statuses, and chart views.
 * logins[0..*nlogins) get the first GEN_MAX_LOGINS staff added.  0, or a
 * negative ALC_E* (err text printed on stderr). */
int gen_practice(struct db *db, struct keystore *ks, int64_t practice_id,
    const struct gen_opts *o, struct gen_rng *r, struct gen_stats *st,
    struct gen_login *logins, size_t *nlogins);

/* Progress on stderr: called per row; prints every 1000 rows. */
void gen_progress(const struct gen_opts *o, struct gen_stats *st,
    const char *what);

#endif
