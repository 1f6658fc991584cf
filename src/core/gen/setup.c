/*
 * setup.c - the generator's staff and the practice's scheduling set-up:
 * clinicians, a front desk and a billing member (users_add), the office
 * and telehealth locations, a room per clinician, the four appointment
 * types, and working hours (sched_* set-up functions, each audited).
 */
#include "core/gen/gen_impl.h"
#include "base/err.h"
#include "core/scheduling/scheduling.h"
#include "core/users/admin.h"
#include "core/users/users.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* "maya.okafor" from the name; letters only, lower case. */
static void
email_local(char *dst, size_t dstsz, const char *first, const char *last)
{
	size_t n = 0;
	const char *parts[2] = {first, last}, *p;
	int i;

	for (i = 0; i < 2; i++) {
		if (i == 1 && n + 1 < dstsz)
			dst[n++] = '.';
		for (p = parts[i]; *p != '\0' && n + 1 < dstsz; p++)
			if (isalpha((unsigned char)*p))
				dst[n++] = (char)tolower((unsigned char)*p);
	}
	dst[n] = '\0';
}

static int
add_one(struct gen_ctx *g, const char *kind, int n, unsigned roles,
    struct gen_login *l, int64_t *uid)
{
	const char *first, *last;
	char local[64], name[96], role[128];
	struct user_add ua;
	struct alc_err err;
	int rc;

	gen_name(g->r, gen_rng_chance(g->r, 600), &first, &last);
	snprintf(name, sizeof(name), "%s %s", first, last);
	if (g->o->named_emails)
		email_local(local, sizeof(local), first, last);
	else
		snprintf(local, sizeof(local), "%s%d", kind, n);
	snprintf(l->email, sizeof(l->email), "%s@%s", local,
	    g->o->email_domain);
	snprintf(l->name, sizeof(l->name), "%s", name);
	roles_format(roles, role, sizeof(role));
	snprintf(l->role, sizeof(l->role), "%s", role);
	memset(&ua, 0, sizeof(ua));
	memset(&err, 0, sizeof(err));
	ua.email = l->email;
	ua.name = name;
	ua.roles = roles;
	ua.pw_hash = g->o->pw_hash;
	ua.reason = "generated staff member (alcove gen)";
	if ((rc = users_add(g->db, g->pid, &ua, uid, &err)) != 0)
		fprintf(stderr, "alcove: gen: adding %s: %s\n", l->email,
		    err.user[0] ? err.user : err.msg);
	g->st->staff++;
	return rc;
}

int
gen_staff(struct gen_ctx *g, struct gen_login *logins, size_t *nlogins)
{
	struct gen_login spare;
	int i, rc = 0;

	*nlogins = 0;
	memset(&spare, 0, sizeof(spare));
	g->pl.nclin = g->o->clinicians;
	for (i = 0; i < g->pl.nclin + 2 && rc == 0; i++) {
		struct gen_login *l = *nlogins < GEN_MAX_LOGINS ?
		    &logins[(*nlogins)++] : &spare;
		if (i < g->pl.nclin)
			rc = add_one(g, "clinician", i + 1, ROLE_CLINICIAN, l,
			    &g->pl.clinicians[i]);
		else if (i == g->pl.nclin)
			rc = add_one(g, "frontdesk", 1, ROLE_FRONT_DESK, l,
			    &g->pl.front_desk);
		else
			rc = add_one(g, "billing", 1, ROLE_BILLING, l,
			    &g->pl.billing);
	}
	return rc;
}

static int
setup_fail(const char *what, int rc, const struct alc_err *err)
{
	fprintf(stderr, "alcove: gen: %s: %s\n", what,
	    err->user[0] ? err->user : alc_strerror(rc));
	return rc;
}

static int
add_types(struct gen_ctx *g, const struct audit_event *who)
{
	static const struct {
		const char *name, *cpt, *colour;
		int minutes;
		int64_t fee;
	} types[] = {
		{"Intake assessment", "90791", "purple", 60, 20000},
		{"Individual therapy", "90837", "blue", 53, 15000},
		{"Family therapy", "90847", "green", 50, 14000},
		{"Group therapy", "90853", "orange", 90, 6000},
	};
	int64_t *ids[4] = {&g->pl.t_intake, &g->pl.t_individual,
	    &g->pl.t_family, &g->pl.t_group};
	struct sched_named t;
	struct alc_err err;
	size_t i;
	int rc = 0;

	for (i = 0; i < 4 && rc == 0; i++) {
		memset(&t, 0, sizeof(t));
		memset(&err, 0, sizeof(err));
		t.name = types[i].name;
		t.cpt = types[i].cpt;
		t.colour = types[i].colour;
		t.minutes = types[i].minutes;
		t.fee_cents = types[i].fee;
		if ((rc = sched_type_add(g->db, g->pid, &t, who, ids[i],
		    &err)) != 0)
			return setup_fail("appointment type", rc, &err);
	}
	return 0;
}

static int
add_places(struct gen_ctx *g, const struct audit_event *who)
{
	struct alc_err err;
	char name[32];
	int i, rc;

	memset(&err, 0, sizeof(err));
	if ((rc = sched_location_add(g->db, g->pid, "Main Office", 0, who,
	    &g->pl.office, &err)) != 0 ||
	    (rc = sched_location_add(g->db, g->pid, "Telehealth", 1, who,
	    &g->pl.telehealth, &err)) != 0)
		return setup_fail("location", rc, &err);
	for (i = 0; i < g->pl.nclin; i++) {
		snprintf(name, sizeof(name), "Room %d", i + 1);
		if ((rc = sched_room_add(g->db, g->pid, g->pl.office, name, who,
		    &g->pl.rooms[i], &err)) != 0)
			return setup_fail("room", rc, &err);
	}
	return 0;
}

int
gen_setup(struct gen_ctx *g)
{
	const struct gen_opts *o = g->o;
	struct audit_event who;
	struct alc_err err;
	int c, wd, rc, last = o->saturday ? 6 : 5;
	/* An hour after the last slot: room for a late group or a move. */
	int end = o->first_slot_min + (o->slots_per_day + 2) * 60;

	gen_who(&who, 0, "system");
	if ((rc = add_places(g, &who)) != 0 || (rc = add_types(g, &who)) != 0)
		return rc;
	memset(&err, 0, sizeof(err));
	for (c = 0; c < g->pl.nclin; c++)
		for (wd = 1; wd <= last; wd++)
			if ((rc = sched_hours_add(g->db, g->pid,
			    g->pl.clinicians[c], wd, o->first_slot_min,
			    end > 24 * 60 ? 24 * 60 : end, &who, &err)) != 0)
				return setup_fail("working hours", rc, &err);
	return 0;
}
