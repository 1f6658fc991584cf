/*
 * dashboard.c - gathers the compliance dashboard and computes its score.
 * Design in dashboard.h.  The score history (dashboard_record,
 * dashboard_history) is at the end.
 *
 * Each section is read through its own module's interface, so the rules
 * of "overdue", "expired" or "past the deadline" stay where they are
 * defined (compliance_task_list, vendor_expiry, breach_compute ...).
 */
#include "core/compliance/dashboard.h"
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "core/compliance/incident.h"
#include "core/compliance/policy.h"
#include "core/compliance/training.h"
#include "core/compliance/vendor.h"
#include "core/audit_view/audit_view.h"
#include "core/backup/backup.h"
#include "core/rights/rights.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000LL

const struct dash_rule dash_rules[DF_COUNT] = {
	{DF_OVERDUE_TASKS, 5, 30, "5 points for each overdue compliance task "
	    "(at most 30)"},
	{DF_BREACHES, 20, 40, "20 points for each open incident past a breach "
	    "notification deadline (at most 40)"},
	{DF_BAA_MISSING, 10, 30, "10 points for each vendor that receives PHI "
	    "without a signed, current business associate agreement (at most "
	    "30)"},
	{DF_BACKUP_STALE, 15, 15, "15 points when there is no good backup from "
	    "the last 48 hours"},
	{DF_REVIEW_MISSING, 10, 10, "10 points when no audit-log review was "
	    "signed off in the last 35 days"},
	{DF_ATTESTATIONS, 2, 10, "2 points for each policy attestation staff "
	    "still owe (at most 10)"},
	{DF_TRAINING, 2, 10, "2 points for each staff member whose training is "
	    "overdue (at most 10)"},
};

static int64_t
fact_count(const struct dash_facts *f, enum dash_fact k)
{
	switch (k) {
	case DF_OVERDUE_TASKS: return f->overdue_tasks;
	case DF_BREACHES: return f->breaches_past_deadline;
	case DF_BAA_MISSING: return f->baa_missing;
	case DF_BACKUP_STALE: return f->backup_stale != 0;
	case DF_REVIEW_MISSING: return f->review_missing != 0;
	case DF_ATTESTATIONS: return f->attestations;
	case DF_TRAINING: return f->training_overdue;
	default: return 0;
	}
}

int
dash_score(const struct dash_facts *f, struct dash_deduction *out, size_t *n)
{
	int score = 100, pts;
	int64_t cnt;
	size_t i, k = 0;

	for (i = 0; i < DF_COUNT; i++) {
		if ((cnt = fact_count(f, dash_rules[i].fact)) <= 0)
			continue;
		pts = cnt >= dash_rules[i].cap / dash_rules[i].per_item ?
		    dash_rules[i].cap : (int)cnt * dash_rules[i].per_item;
		score -= pts;
		if (out != NULL) {
			out[k].fact = dash_rules[i].fact;
			out[k].count = cnt;
			out[k].points = pts;
			out[k].text = dash_rules[i].text;
		}
		k++;
	}
	if (n != NULL)
		*n = k;
	return score < 0 ? 0 : score;
}

/* --- gathering ----------------------------------------------------------- */

static void
task_row(struct dash_task *t, const struct compliance_task *src,
    int64_t days)
{
	t->id = src->id;
	t->owner_id = src->owner_id;
	t->backup_id = src->backup_id;
	t->title = src->title;
	t->owner_name = src->owner_name;
	t->due = src->next_due;
	t->rule = src->rule_citation;
	t->days = days;
}

/* Days from today to the task's due date; 0 with *ok 0 for a done one. */
static int64_t
task_days(const struct compliance_task *t, struct caldate today, int *ok)
{
	struct caldate d;

	*ok = t->next_due != NULL && caldate_parse(t->next_due, &d) == 0;
	return *ok ? caldate_diff(today, d) : 0;
}

static int
gather_tasks(struct db *db, struct arena *a, int64_t pid, struct dashboard *d)
{
	struct compliance_task *t;
	size_t n, i;
	int64_t days;
	int rc, ok;

	if ((rc = compliance_task_list(db, a, pid, 0, &t, &n)) != 0)
		return rc;
	d->overdue = arena_alloc(a, (n + 1) * sizeof(*d->overdue));
	d->upcoming = arena_alloc(a, (n + 1) * sizeof(*d->upcoming));
	if (d->overdue == NULL || d->upcoming == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		days = task_days(&t[i], d->today, &ok);
		if (!ok)
			continue;
		if (days < 0)
			task_row(&d->overdue[d->n_overdue++], &t[i], days);
		else if (days <= DASH_UPCOMING_DAYS)
			task_row(&d->upcoming[d->n_upcoming++], &t[i], days);
	}
	d->facts.overdue_tasks = (int64_t)d->n_overdue;
	return 0;
}

/* The first deadline not yet passed (else the last one passed). */
static void
next_deadline(struct arena *a, const struct breach_clocks *c,
    struct caldate today, struct dash_incident *out)
{
	struct { struct caldate due; const char *what; } dl[3];
	char buf[CALDATE_TEXT_SIZE];
	size_t n = 0, i, pick = 0;
	int have_future = 0;

	dl[n].due = c->individual_due;
	dl[n++].what = "Notify the affected individuals";
	dl[n].due = c->hhs_due;
	dl[n++].what = c->hhs_with_individual ? "Notify HHS" :
	    "Report to HHS in the annual log";
	if (c->media_required) {
		dl[n].due = c->media_due;
		dl[n++].what = "Notify prominent media";
	}
	for (i = 0; i < n; i++) {
		int future = caldate_cmp(dl[i].due, today) >= 0;

		if ((future && (!have_future ||
		    caldate_cmp(dl[i].due, dl[pick].due) < 0)) ||
		    (!future && !have_future &&
		    caldate_cmp(dl[i].due, dl[pick].due) > 0))
			pick = i;
		have_future |= future;
	}
	out->next_what = dl[pick].what;
	out->next_due = arena_strdup(a, caldate_format(dl[pick].due, buf));
	out->days_left = caldate_diff(today, dl[pick].due);
	out->past_deadline = caldate_cmp(c->individual_due, today) < 0;
}

static const char *
status_label(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < 5; i++)
		if (strcmp(name, incident_status_names[i]) == 0)
			return incident_status_labels[i];
	return name;
}

static int
gather_incidents(struct db *db, struct arena *a, int64_t pid,
    struct dashboard *d)
{
	struct incident *inc;
	struct breach_clocks c;
	struct dash_incident *o;
	struct alc_err err;
	size_t n, i;
	int rc;

	if ((rc = incident_list(db, a, pid, 0, &inc, &n)) != 0)
		return rc;
	if ((d->incidents = arena_alloc(a, (n + 1) * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n && d->n_incidents < DASH_MAX_ROWS; i++) {
		o = &d->incidents[d->n_incidents++];
		memset(o, 0, sizeof(*o));
		o->id = inc[i].id;
		o->title = inc[i].title;
		o->status_label = status_label(inc[i].status);
		o->discovered_on = inc[i].discovered_on;
		memset(&err, 0, sizeof(err));
		if (!incident_clocks_run(&inc[i]) ||
		    incident_clocks(&inc[i], &c, &err) != 0)
			continue;
		next_deadline(a, &c, d->today, o);
		d->facts.breaches_past_deadline += o->past_deadline;
	}
	return 0;
}

/* 1 when the vendor's PHI field says it receives some. */
static int
gets_phi(const struct vendor *v)
{
	const char *p = v->f.phi;

	while (p != NULL && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p != NULL && *p != '\0';
}

static int
gather_vendors(struct db *db, struct arena *a, int64_t pid,
    struct dashboard *d)
{
	struct vendor *v;
	struct dash_vendor *o;
	struct caldate exp;
	enum vendor_expiry e;
	size_t n, i;
	int rc, missing;

	if ((rc = vendor_list(db, a, pid, 0, &v, &n)) != 0)
		return rc;
	if ((d->vendors = arena_alloc(a, (n + 1) * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		e = vendor_expiry(&v[i], d->today);
		missing = gets_phi(&v[i]) && (e == VENDOR_EXPIRED ||
		    strcmp(v[i].f.baa_status, "signed") != 0);
		if (!missing && e != VENDOR_EXPIRING)
			continue;
		o = &d->vendors[d->n_vendors++];
		o->id = v[i].id;
		o->name = v[i].f.name;
		o->baa_status = v[i].f.baa_status;
		o->expires_on = v[i].f.expires_on[0] ? v[i].f.expires_on : NULL;
		o->missing = missing;
		o->days_left = o->expires_on != NULL &&
		    caldate_parse(o->expires_on, &exp) == 0 ?
		    caldate_diff(d->today, exp) : 0;
		d->facts.baa_missing += missing;
	}
	return 0;
}

static int
gather_people(struct db *db, struct arena *a, int64_t pid,
    struct dashboard *d)
{
	struct policy_row *p;
	struct training_overdue *t;
	size_t n, i;
	int rc;

	if ((rc = policy_list(db, a, pid, 0, 0, &p, &n)) != 0)
		return rc;
	if ((d->policies = arena_alloc(a, (n + 1) * sizeof(*d->policies))) ==
	    NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		if (p[i].current_version == 0 || strcmp(p[i].status,
		    "published") != 0 || p[i].attested >= p[i].staff)
			continue;
		d->policies[d->n_policies].id = p[i].id;
		d->policies[d->n_policies].title = p[i].title;
		d->policies[d->n_policies].version = p[i].current_version;
		d->policies[d->n_policies].attested = p[i].attested;
		d->policies[d->n_policies++].staff = p[i].staff;
		d->facts.attestations += p[i].staff - p[i].attested;
	}
	if ((rc = training_overdue(db, a, pid, d->today, &t, &n)) != 0)
		return rc;
	if ((d->training = arena_alloc(a, (n + 1) * sizeof(*d->training))) ==
	    NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		d->training[i].name = t[i].name;
		d->training[i].due_on = t[i].due_on;
	}
	d->n_training = n;
	d->facts.training_overdue = (int64_t)n;
	return 0;
}

static int
gather_safeguards(struct db *db, struct arena *a, int64_t pid,
    int64_t now_ms, struct dashboard *d)
{
	struct backup_status bs;
	struct audit_review_row rv;
	size_t n = 0;
	int rc;

	memset(&bs, 0, sizeof(bs));
	if ((rc = backup_status_get(db, &bs)) != 0)
		return rc;
	d->backup_ok_at = bs.last_ok_at;
	d->backup_fail_at = bs.last_fail_at;
	d->facts.backup_stale = bs.last_ok_at == 0 ||
	    now_ms - bs.last_ok_at > BACKUP_STALE_MS;
	if ((rc = audit_review_list(db, a, pid, &rv, 1, &n)) != 0)
		return rc;
	if (n > 0) {
		d->review_signed_at = rv.signed_at;
		d->review_to = rv.to;
	}
	d->facts.review_missing = n == 0 ||
	    now_ms - rv.signed_at > DASH_REVIEW_MAX_DAYS * DAY_MS;
	return 0;
}

static int
gather_requests(struct db *db, struct keystore *ks, struct arena *a,
    int64_t pid, struct dashboard *d)
{
	struct rights_request *q;
	struct dash_request *o;
	char buf[CALDATE_TEXT_SIZE];
	size_t n, i;
	int rc;

	if ((rc = rights_request_list(db, ks, a, pid, 0, d->today, &q, &n)) != 0)
		return rc;
	if ((d->requests = arena_alloc(a, (n + 1) * sizeof(*o))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n && i < DASH_MAX_ROWS; i++) {
		o = &d->requests[d->n_requests++];
		o->id = q[i].id;
		o->kind_label = (unsigned)q[i].kind < RK_COUNT ?
		    rights_kind_labels[q[i].kind] : "Request";
		o->received_on = q[i].received_on;
		o->has_clock = q[i].clock.has_clock;
		o->due = o->has_clock ? arena_strdup(a,
		    caldate_format(q[i].clock.due, buf)) : NULL;
		o->days_left = q[i].clock.days_left;
		o->overdue = q[i].clock.overdue;
	}
	return 0;
}

int
dashboard_gather(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, struct caldate today, int64_t now_ms,
    struct dashboard *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->today = today;
	if ((rc = gather_tasks(db, a, practice_id, out)) != 0 ||
	    (rc = gather_incidents(db, a, practice_id, out)) != 0 ||
	    (rc = gather_vendors(db, a, practice_id, out)) != 0 ||
	    (rc = gather_people(db, a, practice_id, out)) != 0 ||
	    (rc = gather_safeguards(db, a, practice_id, now_ms, out)) != 0 ||
	    (rc = gather_requests(db, ks, a, practice_id, out)) != 0)
		return rc;
	out->score = dash_score(&out->facts, out->deductions,
	    &out->n_deductions);
	return 0;
}

int
dashboard_mine(struct db *db, struct arena *a, int64_t practice_id,
    int64_t uid, struct caldate today, struct dash_task **tasks, size_t *n,
    int64_t *policies_pending)
{
	struct compliance_task *t;
	size_t nt, i;
	int64_t days;
	int rc, ok;

	*n = 0;
	if ((rc = compliance_task_list(db, a, practice_id, 0, &t, &nt)) != 0 ||
	    (rc = policy_pending(db, practice_id, uid, policies_pending)) != 0)
		return rc;
	if ((*tasks = arena_alloc(a, (nt + 1) * sizeof(**tasks))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < nt; i++) {
		days = task_days(&t[i], today, &ok);
		if (ok && days <= DASH_UPCOMING_DAYS &&
		    (t[i].owner_id == uid || t[i].backup_id == uid))
			task_row(&(*tasks)[(*n)++], &t[i], days);
	}
	return 0;
}

/* --- history ------------------------------------------------------------- */

static const char *
facts_json(char *buf, size_t sz, const struct dashboard *d)
{
	const struct dash_facts *f = &d->facts;

	snprintf(buf, sz, "{\"overdue_tasks\":%lld,\"breaches\":%lld,"
	    "\"baa_missing\":%lld,\"backup_stale\":%d,\"review_missing\":%d,"
	    "\"attestations\":%lld,\"training_overdue\":%lld}",
	    (long long)f->overdue_tasks, (long long)f->breaches_past_deadline,
	    (long long)f->baa_missing, f->backup_stale, f->review_missing,
	    (long long)f->attestations, (long long)f->training_overdue);
	return buf;
}

/* 1 when today's row already holds score and facts. */
static int
same_row(struct db_conn *c, int64_t pid, const char *day, int score,
    const char *facts)
{
	struct db_stmt *s;
	int same = 0;

	if (db_prepare(c, &s, "SELECT score, facts FROM compliance_scores "
	    "WHERE practice_id = ? AND day = ?") != 0)
		return 0;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, day);
	if (db_step(s) == DB_ROW)
		same = db_col_i64(s, 0) == score &&
		    strcmp(db_col_text(s, 1) ? db_col_text(s, 1) : "", facts) == 0;
	db_stmt_done(s);
	return same;
}

/* Inserts (1) or else updates (2) today's row on c, in its transaction. */
static int
write_row(struct db_conn *c, int64_t pid, const char *day, int score,
    const char *facts, int *written)
{
	struct db_stmt *s;
	int rc;

	*written = 0;
	if ((rc = db_prepare(c, &s, "INSERT INTO compliance_scores "
	    "(practice_id, day, score, facts, recorded_at) VALUES (?, ?, ?, ?, "
	    "?) ON CONFLICT (practice_id, day) DO NOTHING")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, day);
	db_bind_i64(s, 3, score);
	db_bind_text(s, 4, facts);
	db_bind_i64(s, 5, time_now_ms());
	if ((rc = db_step(s)) == DB_DONE && db_changes(s) > 0)
		*written = 1;
	db_stmt_done(s);
	if (rc < 0 || *written)
		return rc < 0 ? rc : 0;
	if ((rc = db_prepare(c, &s, "UPDATE compliance_scores SET score = ?, "
	    "facts = ?, recorded_at = ? WHERE practice_id = ? AND day = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, score);
	db_bind_text(s, 2, facts);
	db_bind_i64(s, 3, time_now_ms());
	db_bind_i64(s, 4, pid);
	db_bind_text(s, 5, day);
	if ((rc = db_step(s)) == DB_DONE && db_changes(s) > 0)
		*written = 2;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
dashboard_record(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, struct caldate today,
    const struct dashboard *d, int *written)
{
	char day[CALDATE_TEXT_SIZE], facts[512], detail[96];
	struct alc_err err;
	struct db_conn *c;
	int rc, w = 0;

	caldate_format(today, day);
	facts_json(facts, sizeof(facts), d);
	memset(&err, 0, sizeof(err));
	if ((c = db_acquire(db, 5000, &err)) == NULL)
		return ALC_EBUSY;
	rc = 0;
	if (same_row(c, practice_id, day, d->score, facts))
		goto out;
	if ((rc = db_begin(c)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "{\"day\":\"%s\",\"score\":%d}", day,
	    d->score);
	if ((rc = write_row(c, practice_id, day, d->score, facts, &w)) == 0 &&
	    w != 0)
		rc = cmp_audit_obj(c, practice_id, who, w == 1 ? "CREATE" :
		    "UPDATE", "compliance_score", practice_id, detail);
	if (rc == 0)
		rc = db_commit(c);
	if (rc != 0) {
		db_rollback(c);
		w = 0;
	}
out:
	db_release(c);
	if (written != NULL)
		*written = w;
	return rc;
}

int
dashboard_history(struct db *db, struct arena *a, int64_t practice_id,
    struct caldate today, int days, struct dash_point **out, size_t *n)
{
	char from[CALDATE_TEXT_SIZE], to[CALDATE_TEXT_SIZE];
	struct alc_err err;
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if (days < 1 || days > 366)
		return ALC_EINVAL;
	if ((*out = arena_alloc(a, (size_t)days * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	caldate_format(caldate_add_days(today, -(days - 1)), from);
	caldate_format(today, to);
	memset(&err, 0, sizeof(err));
	if ((c = db_acquire(db, 5000, &err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT day, score FROM compliance_scores "
	    "WHERE practice_id = ? AND day >= ? AND day <= ? ORDER BY day")) != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	db_bind_text(s, 2, from);
	db_bind_text(s, 3, to);
	while ((rc = db_step(s)) == DB_ROW && *n < (size_t)days) {
		(*out)[*n].day = cmp_col(a, s, 0);
		(*out)[(*n)++].score = (int)db_col_i64(s, 1);
	}
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	db_release(c);
	return rc;
}
