/*
 * practice.c - gen_practice: the order in which one practice is filled
 * (staff, set-up, patients, appointments, views), the audit actor of the
 * command line, names, and progress lines.  See gen.h.
 */
#include "core/gen/gen_impl.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/scheduling/scheduling.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
gen_who(struct audit_event *ev, int64_t user_id, const char *role)
{
	memset(ev, 0, sizeof(*ev));
	ev->actor_user_id = user_id;
	ev->actor_role = role;
	ev->source_addr = "127.0.0.1";
	ev->user_agent = "alcove gen";
}

void
gen_name(struct gen_rng *r, int female, const char **first,
    const char **last)
{
	if (female)
		*first = gen_first_names_f[gen_rng_below(r,
		    (uint32_t)gen_n_first_names_f)];
	else
		*first = gen_first_names_m[gen_rng_below(r,
		    (uint32_t)gen_n_first_names_m)];
	*last = gen_last_names[gen_rng_below(r, (uint32_t)gen_n_last_names)];
}

void
gen_progress(const struct gen_opts *o, struct gen_stats *st,
    const char *what)
{
	int64_t ms;

	st->rows_done++;
	if (o->quiet || st->rows_done % 1000 != 0)
		return;
	ms = time_mono_ms() - st->t0_ms;
	fprintf(stderr, "gen: %lld rows (%s), %.0f rows/s\n",
	    (long long)st->rows_done, what,
	    ms > 0 ? (double)st->rows_done * 1000.0 / (double)ms : 0.0);
}

static int
practice_today(struct gen_ctx *g)
{
	int rc;

	if ((rc = sched_practice_tz(g->db, g->pid, g->pl.tz,
	    sizeof(g->pl.tz))) != 0)
		return rc;
	g->pl.now_ms = time_now_ms();
	return caldate_today(g->pl.tz, g->pl.now_ms, &g->pl.today);
}

int
gen_practice(struct db *db, struct keystore *ks, int64_t practice_id,
    const struct gen_opts *o, struct gen_rng *r, struct gen_stats *st,
    struct gen_login *logins, size_t *nlogins)
{
	struct gen_ctx g;
	int rc;

	if (o->clinicians < 1 || o->clinicians > GEN_MAX_CLINICIANS ||
	    o->patients < 0 || o->slots_per_day < 1 || o->slots_per_day > 14)
		return ALC_EINVAL;
	memset(&g, 0, sizeof(g));
	g.db = db;
	g.ks = ks;
	g.pid = practice_id;
	g.o = o;
	g.r = r;
	g.st = st;
	if ((rc = practice_today(&g)) != 0 ||
	    (rc = gen_staff(&g, logins, nlogins)) != 0 ||
	    (rc = gen_setup(&g)) != 0 ||
	    (rc = gen_patients(&g)) != 0 ||
	    (rc = gen_appointments(&g)) != 0)
		goto out;
	rc = gen_audit_views(&g);
out:
	free(g.patients);
	free(g.views);
	return rc;
}
