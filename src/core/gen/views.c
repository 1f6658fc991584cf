/*
 * views.c - the chart views that go with the generated sessions: the
 * VIEW events the patient page writes (web/pages/patients.c), by the
 * clinician, purpose TPO, written through audit_write 1000 to a
 * transaction so the hash chain is the one the application would have
 * built.  recorded_at is the time of the run (the chain's times must not
 * go backwards).  extra_views adds views of random patients by their
 * clinician, for the large set's ten million events.
 */
#include "core/gen/gen_impl.h"
#include "base/err.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#define VIEWS_PER_TXN 1000

static int
write_view(struct gen_ctx *g, struct db_conn *c, int64_t user,
    int64_t patient)
{
	struct audit_event ev;
	char oid[24];

	gen_who(&ev, user, "clinician");
	ev.user_agent = "Mozilla/5.0 (alcove gen)";
	ev.mfa = 0;
	ev.verb = "VIEW";
	ev.practice_id = g->pid;
	ev.object_type = "patient";
	snprintf(oid, sizeof(oid), "%lld", (long long)patient);
	ev.object_id = oid;
	ev.patient_id = patient;
	ev.purpose_of_use = "TPO";
	ev.detail = "{\"access\":\"clinical\"}";
	g->st->audit_views++;
	gen_progress(g->o, g->st, "audit events");
	return audit_write(c, &ev);
}

/* View i of the total: a queued one, or a random patient's. */
static int
view_at(struct gen_ctx *g, struct db_conn *c, size_t i)
{
	size_t k;

	if (i < g->nviews)
		return write_view(g, c, g->views[i].user_id,
		    g->views[i].patient_id);
	k = gen_rng_below(g->r, (uint32_t)g->npatients);
	return write_view(g, c, g->pl.clinicians[k % (size_t)g->pl.nclin],
	    g->patients[k]);
}

int
gen_audit_views(struct gen_ctx *g)
{
	size_t i, total = g->nviews;
	struct db_conn *c;
	struct alc_err err;
	int rc = 0;

	if (g->npatients > 0 && g->o->extra_views > 0)
		total += (size_t)g->o->extra_views;
	if (total == 0)
		return 0;
	if ((c = db_acquire(g->db, 5000, &err)) == NULL)
		return ALC_EBUSY;
	for (i = 0; i < total && rc == 0; i++) {
		if (i % VIEWS_PER_TXN == 0 && (rc = db_begin(c)) != 0)
			break;
		rc = view_at(g, c, i);
		if (rc == 0 && (i % VIEWS_PER_TXN == VIEWS_PER_TXN - 1 ||
		    i + 1 == total))
			rc = db_commit(c);
	}
	if (rc != 0 && db_in_txn(c))
		db_rollback(c);
	db_release(c);
	return rc;
}
