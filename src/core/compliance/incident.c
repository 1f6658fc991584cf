/*
 * incident.c - reporting incidents and reading them back: the incident,
 * the list, the timeline and notes.  The workflow, the assessment and the
 * clocks are in incident_assess.c; the design is in incident.h.
 *
 * Anonymity is enforced here, not in the page: an anonymous report stores
 * no reporter id, its timeline entry has no actor, and its audit event is
 * written with the actor, session, address, user agent and request id
 * cleared (any of them would name the reporter to the audit viewer).
 */
#include "core/compliance/incident.h"
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

const char *const incident_status_names[5] = {"triage", "investigation",
    "determination", "mitigation", "closed"};
const char *const incident_status_labels[5] = {"Triage", "Investigation",
    "Determination", "Mitigation", "Closed"};

int
inc_event(struct db_conn *c, int64_t pid, int64_t id, int64_t actor,
    const char *kind, const char *body)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO incident_events (practice_id, "
	    "incident_id, actor_id, at_ms, kind, body) VALUES (?, ?, ?, ?, ?, "
	    "?)")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	if (actor > 0)
		db_bind_i64(s, 3, actor);
	else
		db_bind_null(s, 3);
	db_bind_i64(s, 4, time_now_ms());
	db_bind_text(s, 5, kind);
	db_bind_text(s, 6, body);
	rc = db_step(s);
	db_stmt_done(s);
	return rc == DB_DONE ? 0 : rc < 0 ? rc : ALC_EDB;
}

int
inc_invalid(struct alc_err *err, const char *user)
{
	return alc_err_set_user(err, ALC_EINVAL, user, "incident: %s", user);
}

static int
check_report(const struct incident_report *in, struct caldate today,
    struct caldate *disc, struct alc_err *err)
{
	if (in->title == NULL || in->title[0] == '\0' ||
	    !cmp_text_ok(in->title, INCIDENT_TITLE_MAX, 0))
		return inc_invalid(err, "Say in a few words what happened (up to "
		    "200 characters).");
	if (in->description == NULL || in->description[0] == '\0' ||
	    !cmp_text_ok(in->description, INCIDENT_TEXT_MAX, 1))
		return inc_invalid(err, "Describe what happened (up to 4000 "
		    "characters).");
	if (caldate_parse(in->discovered_on, disc) != 0 ||
	    caldate_cmp(*disc, today) > 0)
		return inc_invalid(err, "Enter the day it was discovered, such as "
		    "2026-03-31, not later than today.");
	return 0;
}

static int
report_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    const struct incident_report *in, struct caldate disc, int64_t *id)
{
	char ret[CALDATE_TEXT_SIZE], d[CALDATE_TEXT_SIZE];
	int64_t now = time_now_ms(), uid = in->anonymous ? 0 : cmp_uid(who);
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO incidents (practice_id, title, "
	    "description, discovered_on, reporter_id, anonymous, retain_until, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, in->title);
	db_bind_text(s, 3, in->description);
	db_bind_text(s, 4, caldate_format(disc, d));
	if (uid > 0)
		db_bind_i64(s, 5, uid);
	else
		db_bind_null(s, 5);
	db_bind_i64(s, 6, in->anonymous ? 1 : 0);
	db_bind_text(s, 7, caldate_format(compliance_retain_until(disc), ret));
	db_bind_i64(s, 8, now);
	db_bind_i64(s, 9, now);
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	if ((rc = inc_event(c, pid, *id, uid, "reported", in->anonymous ?
	    "Reported anonymously." : "Reported.")) != 0)
		return rc;
	return cmp_audit_obj(c, pid, who, "CREATE", "incident", *id,
	    in->anonymous ? "{\"change\":\"reported\",\"anonymous\":true}" :
	    "{\"change\":\"reported\"}");
}

int
incident_report(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const struct incident_report *in,
    struct caldate today, int64_t *id, struct alc_err *err)
{
	struct compliance_actor anon = {NULL, 0};
	struct audit_event ev;
	struct caldate disc;
	struct db_conn *c;
	int rc;

	if ((rc = check_report(in, today, &disc, err)) != 0)
		return rc;
	if (in->anonymous) {
		memset(&ev, 0, sizeof(ev));
		ev.actor_role = "anonymous";
		anon.who = &ev;
		who = &anon;
	}
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = report_in(c, practice_id, who, in, disc, id)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

#define INC_COLS "SELECT i.id, i.title, i.description, i.discovered_on, " \
	"r.display_name, i.anonymous, i.status, i.exc_unintentional, " \
	"i.exc_inadvertent, i.exc_cannot_retain, i.exc_rationale, i.f1_rating, " \
	"i.f1_text, i.f2_rating, i.f2_text, i.f3_rating, i.f3_text, " \
	"i.f4_rating, i.f4_text, i.determination, i.affected, i.delay_kind, " \
	"i.delay_stated_on, i.delay_until, i.assessed_by, ab.display_name, " \
	"i.assessed_at, i.approved_by, pb.display_name, i.approved_at, " \
	"i.determined_on, i.retain_until, i.created_at FROM incidents i " \
	"LEFT JOIN users r ON r.id = i.reporter_id LEFT JOIN users ab ON " \
	"ab.id = i.assessed_by LEFT JOIN users pb ON pb.id = i.approved_by " \
	"WHERE i.practice_id = ? "

static const char *
opt(struct arena *a, struct db_stmt *s, int col)
{
	return db_col_is_null(s, col) ? NULL : cmp_col(a, s, col);
}

static void
read_assessment(struct db_stmt *s, struct arena *a,
    struct incident_assessment *as)
{
	int k;

	for (k = 0; k < INCIDENT_NEXCEPTIONS; k++)
		as->exc[k] = (int)db_col_i64(s, 7 + k);
	as->exc_rationale = cmp_col(a, s, 10);
	for (k = 0; k < INCIDENT_NFACTORS; k++) {
		as->f[k].rating = opt(a, s, 11 + 2 * k);
		as->f[k].text = cmp_col(a, s, 12 + 2 * k);
	}
	as->determination = opt(a, s, 19);
	as->affected = db_col_i64(s, 20);
	as->delay_kind = cmp_col(a, s, 21);
	as->delay_stated_on = opt(a, s, 22);
	as->delay_until = opt(a, s, 23);
}

static int
read_incident(struct db_stmt *s, struct arena *a, struct incident *t)
{
	memset(t, 0, sizeof(*t));
	t->id = db_col_i64(s, 0);
	t->title = cmp_col(a, s, 1);
	t->description = cmp_col(a, s, 2);
	t->discovered_on = cmp_col(a, s, 3);
	t->reporter_name = opt(a, s, 4);
	t->anonymous = (int)db_col_i64(s, 5);
	t->status = cmp_col(a, s, 6);
	read_assessment(s, a, &t->as);
	t->assessed_by = db_col_i64(s, 24);
	t->assessed_by_name = opt(a, s, 25);
	t->assessed_at = db_col_i64(s, 26);
	t->approved_by = db_col_i64(s, 27);
	t->approved_by_name = opt(a, s, 28);
	t->approved_at = db_col_i64(s, 29);
	t->determined_on = opt(a, s, 30);
	t->retain_until = cmp_col(a, s, 31);
	t->created_at = db_col_i64(s, 32);
	return t->title && t->description && t->status && t->retain_until ?
	    0 : ALC_ENOMEM;
}

/* The per-state counts of inc, and the same as "NY 501" lines. */
static int
read_states(struct db_conn *c, struct arena *a, struct incident *t)
{
	struct db_stmt *s;
	struct buf b;
	int rc;

	if ((t->states = arena_alloc(a, BREACH_MAX_STATES *
	    sizeof(*t->states))) == NULL)
		return ALC_ENOMEM;
	if ((rc = db_prepare(c, &s, "SELECT state, residents FROM "
	    "incident_states WHERE incident_id = ? ORDER BY state")) != 0)
		return rc;
	db_bind_i64(s, 1, t->id);
	buf_init(&b, a);
	while (t->n_states < BREACH_MAX_STATES && (rc = db_step(s)) == DB_ROW) {
		t->states[t->n_states].state = cmp_col(a, s, 0);
		t->states[t->n_states].residents = db_col_i64(s, 1);
		buf_printf(&b, "%s %lld\n", t->states[t->n_states].state,
		    (long long)t->states[t->n_states].residents);
		t->n_states++;
	}
	db_stmt_done(s);
	t->states_text = buf_cstr(&b);
	t->as.states = t->states_text;
	return rc < 0 ? rc : buf_failed(&b) ? ALC_ENOMEM : 0;
}

int
inc_load(struct db_conn *c, struct arena *a, int64_t pid, int64_t id,
    struct incident *out)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, INC_COLS "AND i.id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	if ((rc = db_step(s)) == DB_ROW)
		rc = read_incident(s, a, out);
	else if (rc == DB_DONE)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	return rc == 0 ? read_states(c, a, out) : rc;
}

int
incident_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct incident *out)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = inc_load(c, a, practice_id, id, out);
	db_release(c);
	return rc;
}

int
incident_list(struct db *db, struct arena *a, int64_t practice_id,
    int with_closed, struct incident **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	size_t i;
	int rc;

	*n = 0;
	if ((*out = arena_alloc(a, INCIDENT_MAX_LIST * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, INC_COLS "AND (i.status <> 'closed' OR ? = "
	    "1) ORDER BY i.id DESC")) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, with_closed ? 1 : 0);
		while (*n < INCIDENT_MAX_LIST && (rc = db_step(s)) == DB_ROW)
			if ((rc = read_incident(s, a, &(*out)[(*n)++])) != 0)
				break;
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	for (i = 0; rc == 0 && i < *n; i++)
		rc = read_states(c, a, &(*out)[i]);
	db_release(c);
	return rc;
}

int
incident_timeline(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct incident_event **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((*out = arena_alloc(a, INCIDENT_MAX_EVENTS * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT e.at_ms, u.display_name, e.kind, "
	    "e.body FROM incident_events e LEFT JOIN users u ON u.id = "
	    "e.actor_id WHERE e.practice_id = ? AND e.incident_id = ? ORDER BY "
	    "e.at_ms, e.id")) == 0) {
		db_bind_i64(s, 1, practice_id);
		db_bind_i64(s, 2, id);
		while (*n < INCIDENT_MAX_EVENTS && (rc = db_step(s)) == DB_ROW) {
			(*out)[*n].at_ms = db_col_i64(s, 0);
			(*out)[*n].actor_name = opt(a, s, 1);
			(*out)[*n].kind = cmp_col(a, s, 2);
			(*out)[(*n)++].body = cmp_col(a, s, 3);
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

int
inc_touch(struct db_conn *c, int64_t pid, int64_t id)
{
	int64_t v[3] = {time_now_ms(), pid, id};

	return cmp_exec(c, "UPDATE incidents SET updated_at = ? WHERE "
	    "practice_id = ? AND id = ?", v, 3);
}

int
incident_note(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, const char *text,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if (text == NULL || text[0] == '\0' ||
	    !cmp_text_ok(text, INCIDENT_TEXT_MAX, 1))
		return inc_invalid(err, "Write the note (up to 4000 characters).");
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 && (rc = inc_exists(c, practice_id, id)) ==
	    0 && (rc = inc_event(c, practice_id, id, cmp_uid(who), "note",
	    text)) == 0 && (rc = inc_touch(c, practice_id, id)) == 0 &&
	    (rc = cmp_audit_obj(c, practice_id, who, "UPDATE", "incident", id,
	    "{\"change\":\"note\"}")) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

int
inc_exists(struct db_conn *c, int64_t pid, int64_t id)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT 1 FROM incidents WHERE practice_id "
	    "= ? AND id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	rc = db_step(s);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? ALC_ENOTFOUND : rc;
}
