/*
 * seed.c - the HIPAA program a new practice gets on day one, and the
 * practice's own calendar day.
 *
 * Each task cites its rule and says it in plain words, so a practice
 * without a compliance officer knows why the work matters.  Citations are
 * to the current rule; the vulnerability scan and penetration test come
 * from the 2025 proposed Security Rule (not final), which sets their
 * cadence, and answer today's evaluation standard.  First due dates are
 * spread over the first year so that day one is not a wall of deadlines.
 * Seeding is idempotent (UNIQUE (practice_id, seed_key)): running it again
 * adds only what is missing, and a task the practice retired stays retired.
 */
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

struct seed {
	const char *key, *title, *description, *citation, *rule;
	int months, first_due_days;
	const char *checklist;
};

static const struct seed program[] = {
	{"risk_analysis", "Annual security risk analysis",
	    "Look at every place the practice keeps or sends electronic PHI, "
	    "what could go wrong, how likely and how harmful it would be, and "
	    "what you will do about each risk.",
	    "45 CFR 164.308(a)(1)(ii)(A)-(B)",
	    "HIPAA requires an accurate and thorough assessment of the risks to "
	    "the electronic health information you hold, and a plan that "
	    "reduces them. Repeat it every year and whenever your systems "
	    "change.", 12, 30,
	    "Update the list of systems and devices that hold PHI\n"
	    "Identify threats and weaknesses for each\n"
	    "Rate likelihood and impact\n"
	    "Write the risk management plan with owners and dates\n"
	    "Keep the report with this task"},
	{"policy_review", "Annual policy and procedure review",
	    "Read the practice's privacy and security policies, update what "
	    "changed, and record the new version.",
	    "45 CFR 164.316(b)(2)(iii), 164.530(i)",
	    "Policies must be written down, kept for six years, and reviewed "
	    "regularly and whenever the practice or the law changes.", 12, 60,
	    "Review each policy\nUpdate what changed\n"
	    "Publish the new versions to staff"},
	{"workforce_training", "Annual workforce security and privacy training",
	    "Train everyone who works for the practice on its privacy and "
	    "security policies, and keep a record of who was trained when.",
	    "45 CFR 164.308(a)(5), 164.530(b)",
	    "Every member of the workforce must be trained on the policies, "
	    "new staff soon after they start, and the training must be "
	    "documented.", 12, 45,
	    "Schedule the training\nRecord attendance for every staff member\n"
	    "Follow up with anyone who missed it"},
	{"baa_review", "Annual business associate agreement review",
	    "Check that every vendor who handles PHI for the practice has a "
	    "signed business associate agreement that is still current.",
	    "45 CFR 164.308(b)(1), 164.502(e)",
	    "A vendor may only create, receive, keep or send PHI for you under "
	    "a written business associate agreement.", 12, 90,
	    "List vendors that touch PHI\nConfirm each has a signed agreement\n"
	    "Renew or replace expired agreements"},
	{"audit_log_review", "Monthly audit-log review",
	    "Look through the audit trail for unusual access: records opened "
	    "without a reason, sign-ins at odd hours, exports.",
	    "45 CFR 164.308(a)(1)(ii)(D), 164.312(b)",
	    "HIPAA requires regular review of records of system activity, such "
	    "as audit logs and access reports.", 1, 30,
	    "Review sign-ins and failed sign-ins\n"
	    "Review access to patient records\nFollow up anything unusual"},
	{"access_review", "Monthly access review",
	    "Check that everyone who can sign in still works for the practice "
	    "and that their roles match their job.",
	    "45 CFR 164.308(a)(3)(ii)(B)-(C), 164.308(a)(4)(ii)(C)",
	    "Access to PHI must match each person's job, and must end when "
	    "they leave.", 1, 35,
	    "Compare the staff list with current employees\n"
	    "Check each person's roles\nRemove access that is no longer needed"},
	{"backup_restore_test", "Quarterly backup restore test",
	    "Restore a recent backup to a separate place and check that the "
	    "records are complete and readable.",
	    "45 CFR 164.308(a)(7)(ii)(A), (D)",
	    "You must keep retrievable exact copies of electronic PHI, and test "
	    "that you can restore them.", 3, 90,
	    "Restore the latest backup\nCheck that records open correctly\n"
	    "Record how long the restore took"},
	{"contingency_plan_test", "Annual contingency plan test",
	    "Walk through what the practice does if its systems are down: who "
	    "decides, how patients are seen, how data comes back.",
	    "45 CFR 164.308(a)(7)(ii)(B)-(D)",
	    "The practice needs a disaster recovery and emergency operations "
	    "plan, and should test and revise it periodically.", 12, 180,
	    "Run the exercise\nNote what did not work\nUpdate the plan"},
	{"asset_inventory", "Annual device and asset inventory review",
	    "Update the list of computers, phones, storage and services that "
	    "hold or reach PHI, and where PHI flows between them.",
	    "45 CFR 164.310(d)(1), 164.310(d)(2)(iii)",
	    "You must keep track of the hardware and media that hold PHI; the "
	    "2025 proposed rule asks for an inventory and network map reviewed "
	    "every 12 months.", 12, 120,
	    "List every device and service\nRecord who is responsible for each\n"
	    "Remove retired devices safely"},
	{"npp_review", "Annual notice of privacy practices review",
	    "Check that the notice of privacy practices is current, posted in "
	    "the office and on the web site, and given to new patients.",
	    "45 CFR 164.520",
	    "Patients have a right to a notice that explains how their "
	    "information is used and their rights; it must be kept up to "
	    "date.", 12, 150,
	    "Review the notice\nCheck it is posted in the office and online\n"
	    "Keep the version in effect"},
	{"vulnerability_scan", "Vulnerability scan",
	    "Scan the practice's computers, network and internet-facing "
	    "services for known weaknesses, and fix what is found.",
	    "45 CFR 164.308(a)(8); proposed rule 90 FR 898 (2025)",
	    "The 2025 proposed Security Rule asks for a vulnerability scan at "
	    "least every 6 months; today's rule requires periodic technical "
	    "evaluation.", 6, 60,
	    "Run the scan\nFix critical findings first\nKeep the report"},
	{"penetration_test", "Yearly penetration test",
	    "Have a qualified person try to break into the practice's systems "
	    "the way an attacker would, and fix what they find.",
	    "45 CFR 164.308(a)(8); proposed rule 90 FR 898 (2025)",
	    "The 2025 proposed Security Rule asks for a penetration test at "
	    "least every 12 months; today's rule requires periodic technical "
	    "evaluation.", 12, 240,
	    "Engage a tester\nFix the findings\nKeep the report"},
};

#define NSEED (sizeof(program) / sizeof(program[0]))

size_t
compliance_seed_count(void)
{
	return NSEED;
}

static int
seed_one(struct db_conn *c, int64_t pid, int64_t owner, const struct seed *sd,
    struct caldate today, int *added)
{
	static const struct compliance_actor sys = {NULL, 1};
	char due[CALDATE_TEXT_SIZE], ret[CALDATE_TEXT_SIZE];
	struct caldate d = caldate_add_days(today, sd->first_due_days);
	struct db_stmt *s;
	int64_t now = time_now_ms(), id = 0;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO compliance_tasks (practice_id, "
	    "seed_key, title, description, rule_citation, rule_text, owner_id, "
	    "recurrence, every_n, anchor_day, next_due, checklist, retain_until, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'months', ?, ?, "
	    "?, ?, ?, ?, ?) ON CONFLICT (practice_id, seed_key) DO NOTHING "
	    "RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, sd->key);
	db_bind_text(s, 3, sd->title);
	db_bind_text(s, 4, sd->description);
	db_bind_text(s, 5, sd->citation);
	db_bind_text(s, 6, sd->rule);
	db_bind_i64(s, 7, owner);
	db_bind_i64(s, 8, sd->months);
	db_bind_i64(s, 9, d.d);
	db_bind_text(s, 10, caldate_format(d, due));
	db_bind_text(s, 11, sd->checklist);
	db_bind_text(s, 12, caldate_format(compliance_retain_until(d), ret));
	db_bind_i64(s, 13, now);
	db_bind_i64(s, 14, now);
	if ((rc = db_step(s)) == DB_ROW)
		id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc < 0 || id == 0)
		return rc < 0 ? rc : 0;
	(*added)++;
	return cmp_audit(c, pid, &sys, "CREATE", id,
	    "{\"change\":\"created\",\"seeded\":true}");
}

int
compliance_seed_program_n(struct db *db, int64_t practice_id,
    int64_t owner_user_id, struct caldate today, int *added)
{
	struct db_conn *c;
	size_t i;
	int rc, n = 0;

	if (!caldate_valid(today))
		return ALC_EINVAL;
	if ((c = db_acquire(db, 10000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0)
		goto out;
	if (!cmp_is_member(c, practice_id, owner_user_id))
		rc = ALC_EINVAL;
	for (i = 0; rc == 0 && i < NSEED; i++)
		rc = seed_one(c, practice_id, owner_user_id, &program[i], today,
		    &n);
	if (rc == 0)
		rc = compliance_schedule_reminders(c, practice_id, time_now_ms());
	if (rc == 0)
		rc = db_commit(c);
out:
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	if (added != NULL)
		*added = rc == 0 ? n : 0;
	return rc;
}

int
compliance_seed_program(struct db *db, int64_t practice_id,
    int64_t owner_user_id, struct caldate today)
{
	return compliance_seed_program_n(db, practice_id, owner_user_id, today,
	    NULL);
}

int
compliance_practice_zone(struct db_conn *c, int64_t practice_id, char *tz,
    size_t tzsz)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT timezone FROM practices WHERE id = "
	    "?")) != 0)
		return rc;
	db_bind_i64(s, 1, practice_id);
	if ((rc = db_step(s)) == DB_ROW)
		snprintf(tz, tzsz, "%s", db_col_text(s, 0));
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_ENOTFOUND;
}

int
compliance_practice_today(struct db *db, int64_t practice_id, int64_t now_ms,
    struct caldate *today)
{
	struct db_conn *c;
	char tz[80];
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = compliance_practice_zone(c, practice_id, tz, sizeof(tz));
	db_release(c);
	if (rc != 0)
		return rc;
	/* A zone missing from this system's tz database falls back to UTC
	 * rather than making every compliance page fail. */
	if (caldate_today(tz, now_ms, today) != 0 &&
	    caldate_today("UTC", now_ms, today) != 0)
		*today = caldate_from_days(now_ms / 86400000);
	return 0;
}
