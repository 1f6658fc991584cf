/*
 * gen_impl.h - what the generator's files share (see gen.h).
 */
#ifndef ALC_CORE_GEN_IMPL_H
#define ALC_CORE_GEN_IMPL_H

#include "audit/audit.h"
#include "base/caldate.h"
#include "core/gen/gen.h"

#include <stddef.h>
#include <stdint.h>

#define GEN_MAX_CLINICIANS 64

/* Ids of the practice's set-up, in the order gen_setup makes them. */
struct gen_place {
	int64_t office, telehealth;
	int64_t rooms[GEN_MAX_CLINICIANS];
	int64_t t_intake, t_individual, t_family, t_group;
	int64_t clinicians[GEN_MAX_CLINICIANS];
	int nclin;
	int64_t front_desk, billing;
	char tz[64];
	struct caldate today;
	int64_t now_ms;
};

/* A (clinician, patient) pair whose chart view is still to be written. */
struct gen_view {
	int64_t user_id, patient_id;
};

struct gen_ctx {
	struct db *db;
	struct keystore *ks;
	int64_t pid;
	const struct gen_opts *o;
	struct gen_rng *r;
	struct gen_stats *st;
	struct gen_place pl;
	int64_t *patients;     /* ids, by clinician: [c * per + k] */
	size_t npatients;
	struct gen_view *views;
	size_t nviews, capviews;
};

/* who: an audit actor acting from the command line. */
void gen_who(struct audit_event *ev, int64_t user_id, const char *role);
/* Staff (logins filled), locations, rooms, types and hours. */
int gen_staff(struct gen_ctx *g, struct gen_login *logins, size_t *nlogins);
int gen_setup(struct gen_ctx *g);
/* Patients with their care teams. */
int gen_patients(struct gen_ctx *g);
/* Series, statuses, and the views they imply (queued in g->views). */
int gen_appointments(struct gen_ctx *g);
/* Writes the queued views and o->extra_views more, 1000 a transaction. */
int gen_audit_views(struct gen_ctx *g);
/* A person's name into first/last (pointers into the lists). */
void gen_name(struct gen_rng *r, int female, const char **first,
    const char **last);

#endif
