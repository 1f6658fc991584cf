/*
 * incident_assess.c - the workflow of an incident, its breach assessment
 * and approval, its clocks (from breach.c) and the annual HHS log.  See
 * incident.h for the rules.
 *
 * The assessment is parsed and checked as a whole before anything is
 * written: the per-state counts ("NY 501" lines) become incident_states
 * rows, replaced on each save; the clocks are computed once from the new
 * values, so an assessment breach.c would refuse (a delay before
 * discovery, states adding up to more than the total) is refused here
 * with the same words.
 */
#include "core/compliance/incident.h"
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const incident_factor_labels[INCIDENT_NFACTORS] = {
	"The nature and extent of the PHI involved, including the types of "
	    "identifiers and the likelihood of re-identification",
	"The unauthorized person who used the PHI or to whom it was disclosed",
	"Whether the PHI was actually acquired or viewed",
	"The extent to which the risk to the PHI has been mitigated",
};

const char *const incident_exception_labels[INCIDENT_NEXCEPTIONS] = {
	"Unintentional access by a workforce member acting in good faith, "
	    "within their authority, and not further used or disclosed",
	"Inadvertent disclosure between people authorized to access PHI at "
	    "the practice or its business associate, not further used or "
	    "disclosed",
	"A good-faith belief that the unauthorized person could not "
	    "reasonably have retained the information",
};

const char *
incident_determination_label(const char *d)
{
	if (d == NULL)
		return NULL;
	if (strcmp(d, "breach") == 0)
		return "A breach";
	if (strcmp(d, "not_breach") == 0)
		return "Not a breach (an exception applies)";
	if (strcmp(d, "low_probability") == 0)
		return "Low probability of compromise";
	return NULL;
}

static int
status_index(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < 5; i++)
		if (strcmp(s, incident_status_names[i]) == 0)
			return i;
	return -1;
}

static int
status_in(struct db_conn *c, struct arena *a, int64_t pid,
    const struct compliance_actor *who, int64_t id, int to,
    struct alc_err *err)
{
	struct incident inc;
	int64_t v[2] = {pid, id};
	struct db_stmt *s;
	int rc, from;

	if ((rc = inc_load(c, a, pid, id, &inc)) != 0)
		return rc;
	if ((from = status_index(inc.status)) == to)
		return alc_err_set_user(err, ALC_ECONFLICT, "The incident is "
		    "already in that state.", "incident: same state");
	if (to >= 3 && inc.approved_by == 0)
		return alc_err_set_user(err, ALC_ECONFLICT, "Mitigation and "
		    "closure come after an approved breach determination.",
		    "incident: not determined");
	if ((rc = db_prepare(c, &s, "UPDATE incidents SET status = ?, "
	    "updated_at = ? WHERE practice_id = ? AND id = ?")) != 0)
		return rc;
	db_bind_text(s, 1, incident_status_names[to]);
	db_bind_i64(s, 2, time_now_ms());
	db_bind_i64(s, 3, v[0]);
	db_bind_i64(s, 4, v[1]);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc != DB_DONE)
		return rc < 0 ? rc : ALC_EDB;
	if ((rc = inc_event(c, pid, id, cmp_uid(who), "status", arena_printf(a,
	    "Moved from %s to %s.", from >= 0 ? incident_status_labels[from] :
	    "?", incident_status_labels[to]))) != 0)
		return rc;
	return cmp_audit_obj(c, pid, who, "UPDATE", "incident", id,
	    arena_printf(a, "{\"change\":\"status\",\"to\":\"%s\"}",
	    incident_status_names[to]));
}

/* Runs fn on a connection in one transaction, with a scratch arena. */
static int
in_txn(struct db *db, struct alc_err *err,
    int (*fn)(struct db_conn *, struct arena *, void *), void *ctx)
{
	struct arena *a;
	struct db_conn *c;
	int rc;

	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, err)) == NULL) {
		arena_free(a);
		return ALC_EBUSY;
	}
	if ((rc = db_begin(c)) == 0 && (rc = fn(c, a, ctx)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	arena_free(a);
	return rc;
}

struct op {
	int64_t pid, id;
	const struct compliance_actor *who;
	struct alc_err *err;
	int to;
	const struct incident_assessment *as;
	struct caldate today;
};

static int
status_fn(struct db_conn *c, struct arena *a, void *ctx)
{
	struct op *o = ctx;

	return status_in(c, a, o->pid, o->who, o->id, o->to, o->err);
}

int
incident_set_status(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, const char *to,
    struct alc_err *err)
{
	struct op o = {practice_id, id, who, err, status_index(to), NULL,
	    {0, 0, 0}};

	if (o.to < 0)
		return inc_invalid(err, "Choose the state to move the incident "
		    "to.");
	return in_txn(db, err, status_fn, &o);
}

/* Parses "STATE COUNT" lines into out (arena strings). */
static int
parse_states(struct arena *a, const char *text, struct breach_state_count *out,
    size_t *n, struct alc_err *err)
{
	const char *p = text ? text : "", *eol, *sp;
	char *end;
	long long v;

	*n = 0;
	for (; *p; p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		while (p < eol && isspace((unsigned char)*p))
			p++;
		if (p == eol)
			continue;
		for (sp = eol; sp > p && !isspace((unsigned char)sp[-1]);)
			sp--;
		v = strtoll(sp, &end, 10);
		while (end < eol && isspace((unsigned char)*end))
			end++;
		if (sp == p || end != eol || v < 0 || *n == BREACH_MAX_STATES)
			return inc_invalid(err, "Write one state per line with "
			    "its count, such as: NY 501");
		out[*n].residents = v;
		while (sp > p && isspace((unsigned char)sp[-1]))
			sp--;
		if ((out[*n].state = arena_strndup(a, p, (size_t)(sp - p))) ==
		    NULL)
			return ALC_ENOMEM;
		if (!cmp_text_ok(out[(*n)++].state, 60, 0))
			return inc_invalid(err, "A state name is too long.");
	}
	return 0;
}

static int
check_rating(const char *r)
{
	return r != NULL && (strcmp(r, "low") == 0 || strcmp(r, "medium") == 0 ||
	    strcmp(r, "high") == 0);
}

/* Checks the assessment and computes its clocks from a draft incident. */
static int
check_assessment(struct arena *a, const struct incident *inc,
    const struct incident_assessment *in, struct incident *draft,
    struct alc_err *err)
{
	struct breach_clocks bc;
	int k;

	if (incident_determination_label(in->determination) == NULL)
		return inc_invalid(err, "Choose the determination.");
	for (k = 0; k < INCIDENT_NFACTORS; k++)
		if (!check_rating(in->f[k].rating) ||
		    !cmp_text_ok(in->f[k].text, INCIDENT_TEXT_MAX, 1))
			return inc_invalid(err, "Rate each of the four factors "
			    "low, medium or high.");
	if (!cmp_text_ok(in->exc_rationale, INCIDENT_TEXT_MAX, 1))
		return inc_invalid(err, "The rationale is too long.");
	if (in->affected < 0)
		return inc_invalid(err, "Enter how many people are affected.");
	*draft = *inc;
	draft->as = *in;
	if ((draft->states = arena_alloc(a, BREACH_MAX_STATES *
	    sizeof(*draft->states))) == NULL)
		return ALC_ENOMEM;
	if ((k = parse_states(a, in->states, draft->states, &draft->n_states,
	    err)) != 0)
		return k;
	if (in->delay_kind == NULL || (strcmp(in->delay_kind, "none") != 0 &&
	    strcmp(in->delay_kind, "written") != 0 &&
	    strcmp(in->delay_kind, "oral") != 0))
		return inc_invalid(err, "Choose whether law enforcement asked for "
		    "a delay.");
	return incident_clocks(draft, &bc, err);
}

static void
bind_opt(struct db_stmt *s, int i, const char *v)
{
	if (v != NULL && v[0] != '\0')
		db_bind_text(s, i, v);
	else
		db_bind_null(s, i);
}

static int
save_assessment(struct db_conn *c, int64_t uid, const struct incident *d)
{
	const struct incident_assessment *in = &d->as;
	int none = strcmp(in->delay_kind, "none") == 0;
	struct db_stmt *s;
	int rc, k;

	if ((rc = db_prepare(c, &s, "UPDATE incidents SET exc_unintentional = "
	    "?, exc_inadvertent = ?, exc_cannot_retain = ?, exc_rationale = ?, "
	    "f1_rating = ?, f1_text = ?, f2_rating = ?, f2_text = ?, f3_rating = "
	    "?, f3_text = ?, f4_rating = ?, f4_text = ?, determination = ?, "
	    "affected = ?, delay_kind = ?, delay_stated_on = ?, delay_until = ?, "
	    "assessed_by = ?, assessed_at = ?, approved_by = NULL, approved_at = "
	    "NULL, determined_on = NULL, updated_at = ? WHERE id = ?")) != 0)
		return rc;
	for (k = 0; k < INCIDENT_NEXCEPTIONS; k++)
		db_bind_i64(s, 1 + k, in->exc[k] ? 1 : 0);
	db_bind_text(s, 4, in->exc_rationale ? in->exc_rationale : "");
	for (k = 0; k < INCIDENT_NFACTORS; k++) {
		db_bind_text(s, 5 + 2 * k, in->f[k].rating);
		db_bind_text(s, 6 + 2 * k, in->f[k].text ? in->f[k].text : "");
	}
	db_bind_text(s, 13, in->determination);
	db_bind_i64(s, 14, in->affected);
	db_bind_text(s, 15, in->delay_kind);
	bind_opt(s, 16, none ? NULL : in->delay_stated_on);
	bind_opt(s, 17, none ? NULL : in->delay_until);
	db_bind_i64(s, 18, uid);
	db_bind_i64(s, 19, time_now_ms());
	db_bind_i64(s, 20, time_now_ms());
	db_bind_i64(s, 21, d->id);
	rc = db_step(s);
	db_stmt_done(s);
	return rc == DB_DONE ? 0 : rc < 0 ? rc : ALC_EDB;
}

static int
save_states(struct db_conn *c, const struct incident *d)
{
	struct db_stmt *s;
	size_t i;
	int rc;

	/* incident_states is a current value, not history: the timeline
	 * entry of each save keeps what it was. */
	if ((rc = cmp_exec(c, "DELETE FROM incident_states WHERE incident_id = "
	    "?", &d->id, 1)) != 0)
		return rc;
	for (i = 0; i < d->n_states; i++) {
		if ((rc = db_prepare(c, &s, "INSERT INTO incident_states "
		    "(incident_id, state, residents) VALUES (?, ?, ?)")) != 0)
			return rc;
		db_bind_i64(s, 1, d->id);
		db_bind_text(s, 2, d->states[i].state);
		db_bind_i64(s, 3, d->states[i].residents);
		rc = db_step(s);
		db_stmt_done(s);
		if (rc != DB_DONE)
			return rc < 0 ? rc : ALC_ECONFLICT;
	}
	return 0;
}

/* "NY 501, NJ 3" */
static const char *
states_words(struct arena *a, const struct incident *d)
{
	struct buf b;
	size_t i;

	buf_init(&b, a);
	for (i = 0; i < d->n_states; i++)
		buf_printf(&b, "%s%s %lld", i ? ", " : "", d->states[i].state,
		    (long long)d->states[i].residents);
	return buf_failed(&b) ? "" : buf_cstr(&b);
}

static int
assess_fn(struct db_conn *c, struct arena *a, void *ctx)
{
	struct op *o = ctx;
	struct incident inc, d;
	const char *body;
	int rc;

	if ((rc = inc_load(c, a, o->pid, o->id, &inc)) != 0 ||
	    (rc = check_assessment(a, &inc, o->as, &d, o->err)) != 0 ||
	    (rc = save_assessment(c, cmp_uid(o->who), &d)) != 0 ||
	    (rc = save_states(c, &d)) != 0)
		return rc;
	body = arena_printf(a, "Assessment recorded: %s; %lld affected%s%s%s; "
	    "factors rated %s, %s, %s, %s. Awaiting approval by a second "
	    "person.", incident_determination_label(d.as.determination),
	    (long long)d.as.affected, d.n_states ? " (by state: " : "",
	    d.n_states ? states_words(a, &d) : "", d.n_states ? ")" : "",
	    d.as.f[0].rating, d.as.f[1].rating, d.as.f[2].rating,
	    d.as.f[3].rating);
	if ((rc = inc_event(c, o->pid, o->id, cmp_uid(o->who), "assessment",
	    body)) != 0)
		return rc;
	return cmp_audit_obj(c, o->pid, o->who, "UPDATE", "incident", o->id,
	    "{\"change\":\"assessment\"}");
}

int
incident_assess(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct incident_assessment *in, struct alc_err *err)
{
	struct op o = {practice_id, id, who, err, 0, in, {0, 0, 0}};

	return in_txn(db, err, assess_fn, &o);
}

static int
approve_fn(struct db_conn *c, struct arena *a, void *ctx)
{
	struct op *o = ctx;
	char d[CALDATE_TEXT_SIZE];
	struct incident inc;
	struct db_stmt *s;
	int rc;

	if ((rc = inc_load(c, a, o->pid, o->id, &inc)) != 0)
		return rc;
	if (inc.as.determination == NULL || inc.approved_by != 0)
		return alc_err_set_user(o->err, ALC_ECONFLICT, "There is no "
		    "determination awaiting approval.", "incident: nothing");
	if (!o->who->manager || cmp_uid(o->who) == inc.assessed_by)
		return alc_err_set_user(o->err, ALC_EPERM, "A second person who "
		    "manages incidents must approve: not the one who assessed "
		    "it.", "incident: same person");
	if ((rc = db_prepare(c, &s, "UPDATE incidents SET approved_by = ?, "
	    "approved_at = ?, determined_on = ?, updated_at = ? WHERE id = ?")) !=
	    0)
		return rc;
	db_bind_i64(s, 1, cmp_uid(o->who));
	db_bind_i64(s, 2, time_now_ms());
	db_bind_text(s, 3, caldate_format(o->today, d));
	db_bind_i64(s, 4, time_now_ms());
	db_bind_i64(s, 5, o->id);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc != DB_DONE)
		return rc < 0 ? rc : ALC_EDB;
	if ((rc = inc_event(c, o->pid, o->id, cmp_uid(o->who), "approval",
	    arena_printf(a, "Determination approved: %s.",
	    incident_determination_label(inc.as.determination)))) != 0)
		return rc;
	return cmp_audit_obj(c, o->pid, o->who, "UPDATE", "incident", o->id,
	    "{\"change\":\"approval\"}");
}

int
incident_approve(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, struct caldate today,
    struct alc_err *err)
{
	struct op o = {practice_id, id, who, err, 0, NULL, today};

	return in_txn(db, err, approve_fn, &o);
}

int
incident_clocks_run(const struct incident *inc)
{
	const char *d = inc->as.determination;

	return inc->approved_by == 0 || d == NULL || strcmp(d, "breach") == 0;
}

int
incident_clocks(const struct incident *inc, struct breach_clocks *out,
    struct alc_err *err)
{
	const struct incident_assessment *as = &inc->as;
	struct breach_input in;

	memset(&in, 0, sizeof(in));
	if (caldate_parse(inc->discovered_on, &in.discovered) != 0)
		return inc_invalid(err, "The discovery date is not a date.");
	in.affected = as->affected;
	in.states = inc->states;
	in.n_states = inc->n_states;
	if (as->delay_kind != NULL && strcmp(as->delay_kind, "none") != 0) {
		in.delay.kind = strcmp(as->delay_kind, "written") == 0 ?
		    BREACH_DELAY_WRITTEN : BREACH_DELAY_ORAL;
		if (caldate_parse(as->delay_stated_on, &in.delay.stated_on) != 0)
			return inc_invalid(err, "Enter the day law enforcement "
			    "stated the delay.");
		if (as->delay_until != NULL && as->delay_until[0] != '\0' &&
		    caldate_parse(as->delay_until, &in.delay.until) != 0)
			return inc_invalid(err, "Enter the day the delay ends as a "
			    "date.");
		if (in.delay.kind == BREACH_DELAY_WRITTEN &&
		    !caldate_valid(in.delay.until))
			return inc_invalid(err, "A written delay needs the day it "
			    "ends.");
	}
	return breach_compute(&in, out, err);
}

void
cmp_csv_cell(struct buf *b, const char *v, int last)
{
	const char *p;

	/* A leading = + - @ would be a formula in a spreadsheet. */
	buf_putc(b, '"');
	if (v != NULL && (*v == '=' || *v == '+' || *v == '-' || *v == '@'))
		buf_putc(b, '\'');
	for (p = v ? v : ""; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p == '\r' || *p == '\n' ? ' ' : *p);
	}
	buf_puts(b, last ? "\"\r\n" : "\",");
}

int
incident_hhs_log_csv(struct db *db, struct arena *a, int64_t practice_id,
    int year, const char **out, size_t *rows)
{
	struct incident *l;
	struct buf b;
	size_t n, i;
	int rc;

	*rows = 0;
	if ((rc = incident_list(db, a, practice_id, 1, &l, &n)) != 0)
		return rc;
	buf_init(&b, a);
	buf_puts(&b, "incident_id,discovered_on,title,determination,"
	    "determined_on,affected,states,status\r\n");
	for (i = n; i-- > 0;) {
		if (l[i].approved_by == 0 || l[i].as.determination == NULL ||
		    strcmp(l[i].as.determination, "breach") != 0 ||
		    l[i].as.affected >= BREACH_HHS_THRESHOLD ||
		    atoi(l[i].discovered_on) != year)
			continue;
		buf_printf(&b, "%lld,", (long long)l[i].id);
		cmp_csv_cell(&b, l[i].discovered_on, 0);
		cmp_csv_cell(&b, l[i].title, 0);
		cmp_csv_cell(&b, "breach", 0);
		cmp_csv_cell(&b, l[i].determined_on, 0);
		buf_printf(&b, "%lld,", (long long)l[i].as.affected);
		cmp_csv_cell(&b, states_words(a, &l[i]), 0);
		cmp_csv_cell(&b, l[i].status, 1);
		(*rows)++;
	}
	*out = buf_cstr(&b);
	return buf_failed(&b) ? ALC_ENOMEM : 0;
}
