/*
 * people.c - fake patients: full demographics (names, birth date, sex and
 * gender identity, pronouns, contact, address, emergency contact,
 * insurance, a guardian for minors), registered with patients_create and
 * put on the care team of their clinician (patient i belongs to
 * clinician i mod n).  Phone numbers are in the fictional 555-01xx range,
 * e-mail addresses at example.net, cities invented.
 */
#include "core/gen/gen_impl.h"
#include "base/arena.h"
#include "base/err.h"
#include "core/patients/patients.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The strings of one record. */
struct gen_pt_text {
	char dob[16], phone[24], email[96], address[160], em_name[96],
	    em_phone[24], rep_name[96], rep_phone[24], member[24], group[16],
	    subscriber[96];
};

static void
phone(struct gen_rng *r, char *dst, size_t dstsz)
{
	snprintf(dst, dstsz, "(%03u) 555-01%02u", 200 + gen_rng_below(r, 700),
	    gen_rng_below(r, 100));
}

static void
gender(struct gen_rng *r, int female, struct patient_record *p)
{
	uint32_t x = gen_rng_below(r, 100);

	p->sex = female ? "Female" : "Male";
	if (x < 4) {
		p->gender_identity = "Non-binary";
		p->pronouns = "they/them";
	} else if (x < 6) {
		p->gender_identity = female ? "Transgender man" :
		    "Transgender woman";
		p->pronouns = female ? "he/him" : "she/her";
	} else {
		p->gender_identity = female ? "Woman" : "Man";
		p->pronouns = female ? "she/her" : "he/him";
	}
}

static void
contact(struct gen_rng *r, const char *first, const char *last,
    struct gen_pt_text *t, struct patient_record *p)
{
	char local[64];
	size_t i, n = 0;

	for (i = 0; first[i] != '\0' && n + 1 < sizeof(local); i++)
		if (isalpha((unsigned char)first[i]))
			local[n++] = (char)tolower((unsigned char)first[i]);
	local[n] = '\0';
	phone(r, t->phone, sizeof(t->phone));
	snprintf(t->email, sizeof(t->email), "%s.%c%u@example.net", local,
	    tolower((unsigned char)last[0]), gen_rng_below(r, 1000));
	snprintf(t->address, sizeof(t->address), "%u %s, %s%s, NY %05u",
	    1 + gen_rng_below(r, 2400),
	    gen_street_names[gen_rng_below(r, (uint32_t)gen_n_street_names)],
	    gen_city_parts[gen_rng_below(r, (uint32_t)gen_n_city_parts)],
	    gen_city_suffixes[gen_rng_below(r,
	    (uint32_t)gen_n_city_suffixes)], 10000 + gen_rng_below(r, 4000));
	p->phone = t->phone;
	p->email = t->email;
	p->address = t->address;
	p->ok_voicemail = gen_rng_chance(r, 800);
	p->ok_email = gen_rng_chance(r, 700);
	p->ok_text = gen_rng_chance(r, 600);
}

/* Emergency contact, or for a minor the parent as representative. */
static void
family(struct gen_rng *r, int age, const char *last, struct gen_pt_text *t,
    struct patient_record *p)
{
	const char *f, *l;

	gen_name(r, gen_rng_chance(r, 550), &f, &l);
	if (gen_rng_chance(r, 700))
		l = last;
	snprintf(t->em_name, sizeof(t->em_name), "%s %s", f, l);
	phone(r, t->em_phone, sizeof(t->em_phone));
	p->emergency_name = t->em_name;
	p->emergency_phone = t->em_phone;
	p->emergency_relationship = age < 18 ? "Parent" :
	    (gen_rng_chance(r, 500) ? "Spouse" : "Sibling");
	if (age < 18) {
		snprintf(t->rep_name, sizeof(t->rep_name), "%s", t->em_name);
		snprintf(t->rep_phone, sizeof(t->rep_phone), "%s", t->em_phone);
		p->reps[0].name = t->rep_name;
		p->reps[0].relationship = "Parent";
		p->reps[0].phone = t->rep_phone;
		p->reps[0].authority = "Parent of a minor";
	}
}

static void
insurance(struct gen_rng *r, struct gen_pt_text *t, const char *first,
    const char *last, struct patient_record *p)
{
	const char *payer = gen_payers[gen_rng_below(r,
	    (uint32_t)gen_n_payers)];

	p->ins_payer = payer;
	if (strcmp(payer, "Self-pay") == 0)
		return;
	snprintf(t->member, sizeof(t->member), "%c%c%09u",
	    'A' + gen_rng_below(r, 26), 'A' + gen_rng_below(r, 26),
	    gen_rng_below(r, 1000000000u));
	snprintf(t->group, sizeof(t->group), "G%05u", gen_rng_below(r, 99999));
	snprintf(t->subscriber, sizeof(t->subscriber), "%s %s", first, last);
	p->ins_member_id = t->member;
	p->ins_group = t->group;
	p->ins_subscriber = t->subscriber;
	p->ins_relation = "self";
}

static void
make_record(struct gen_ctx *g, struct gen_pt_text *t, struct patient_record *p)
{
	struct gen_rng *r = g->r;
	int female = gen_rng_chance(r, 580), age = 8 + (int)gen_rng_below(r, 68);
	struct caldate dob = caldate_add_days(g->pl.today,
	    -(int64_t)age * 365 - gen_rng_below(r, 365));
	const char *first, *last;

	memset(p, 0, sizeof(*p));
	memset(t, 0, sizeof(*t));
	gen_name(r, female, &first, &last);
	p->legal_first = first;
	p->legal_last = last;
	if (gen_rng_chance(r, 80))
		p->preferred = gen_first_names_f[gen_rng_below(r, 20)];
	caldate_format(dob, t->dob);
	p->dob = t->dob;
	p->status = "active";
	gender(r, female, p);
	contact(r, first, last, t, p);
	family(r, age, last, t, p);
	insurance(r, t, first, last, p);
}

static int
register_one(struct gen_ctx *g, struct arena *a, size_t i)
{
	struct gen_pt_text t;
	struct patient_record p;
	struct audit_event who;
	struct alc_err err;
	const char *chart;
	int64_t clin = g->pl.clinicians[i % (size_t)g->pl.nclin];
	int rc;

	make_record(g, &t, &p);
	memset(&err, 0, sizeof(err));
	gen_who(&who, g->pl.front_desk, "front_desk");
	if ((rc = patients_create(g->db, g->ks, a, g->pid, &p, &who,
	    &g->patients[i], &chart, &err)) != 0 ||
	    (rc = patients_team_add(g->db, g->pid, g->patients[i], clin,
	    "primary", &who, &err)) != 0)
		fprintf(stderr, "alcove: gen: patient %zu: %s\n", i + 1,
		    err.user[0] ? err.user : alc_strerror(rc));
	return rc;
}

int
gen_patients(struct gen_ctx *g)
{
	struct arena *a = NULL;
	size_t i, n = (size_t)g->o->patients;
	int rc = 0;

	g->npatients = n;
	if (n == 0)
		return 0;
	if ((g->patients = calloc(n, sizeof(*g->patients))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n && rc == 0; i++) {
		/* A fresh arena every 256 records bounds the memory. */
		if (i % 256 == 0) {
			arena_free(a);
			if ((a = arena_new()) == NULL)
				return ALC_ENOMEM;
		}
		rc = register_one(g, a, i);
		g->st->patients++;
		gen_progress(g->o, g->st, "patients");
	}
	arena_free(a);
	return rc;
}
