/*
 * decide.c - what happens to a request after it is recorded: the one
 * extension, the decision with its grounds, the review of a reviewable
 * denial, and fulfilment.  See rights.h.
 *
 * Each step loads the request's state inside its own transaction and
 * checks it there (a second extension, a review of a grant, delivering a
 * denied request are refused), so two people acting at once cannot both
 * succeed.  Status: open -> decided -> fulfilled for a grant that has
 * something to deliver (access, accounting); open -> closed for a denial
 * or a restriction / confidential-communications decision.
 */
#include "core/rights/rights.h"
#include "core/rights/impl.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

struct state {
	int kind;
	struct caldate received;
	int extended;
	char status[16], decision[16], send_to[16];
	char grounds[400];
	int64_t decided_by, patient_id;
};

static void
copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static int
load(struct db_conn *c, int64_t pid, int64_t id, struct state *st)
{
	struct db_stmt *s;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = db_prepare(c, &s, "SELECT kind, received_on, ext_notice_on, "
	    "status, decision, grounds, decided_by, patient_id, send_to FROM "
	    "rights_requests WHERE id = ? AND practice_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, id);
	db_bind_i64(s, 2, pid);
	if ((rc = db_step(s)) == DB_ROW) {
		st->kind = rights_kind_parse(db_col_text(s, 0));
		if (caldate_parse(db_col_text(s, 1), &st->received) != 0)
			rc = ALC_EDB;
		st->extended = !db_col_is_null(s, 2);
		copy(st->status, sizeof(st->status), db_col_text(s, 3));
		copy(st->decision, sizeof(st->decision), db_col_text(s, 4));
		copy(st->grounds, sizeof(st->grounds), db_col_text(s, 5));
		st->decided_by = db_col_i64(s, 6);
		st->patient_id = db_col_i64(s, 7);
		copy(st->send_to, sizeof(st->send_to), db_col_text(s, 8));
	}
	db_stmt_done(s);
	if (rc == DB_ROW)
		return st->kind < 0 ? ALC_EDB : 0;
	return rc < 0 ? rc : ALC_ENOTFOUND;
}

/* Runs fn(c, arg) in one transaction after loading the request. */
static int
in_txn(struct db *db, int64_t pid, int64_t id,
    int (*fn)(struct db_conn *, const struct state *, void *), void *arg)
{
	struct db_conn *c;
	struct state st;
	int rc;

	if ((rc = rt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) == 0 && (rc = load(c, pid, id, &st)) == 0 &&
	    (rc = fn(c, &st, arg)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
update(struct db_conn *c, const char *sql, const char *const *texts,
    int nt, const int64_t *ints, int ni)
{
	struct db_stmt *s;
	int i, rc;

	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	for (i = 0; i < nt; i++)
		db_bind_text(s, i + 1, texts[i]);
	for (i = 0; i < ni; i++)
		db_bind_i64(s, nt + i + 1, ints[i]);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* ---- extension ------------------------------------------------------ */

struct ext_arg {
	int64_t pid, id;
	const char *notice_on, *reason;
	struct caldate today;
	const struct audit_event *who;
	struct alc_err *err;
};

static int
extend_fn(struct db_conn *c, const struct state *st, void *arg)
{
	struct ext_arg *x = arg;
	struct caldate on;
	int days, rc;
	const char *t[2];
	int64_t v[2];

	if (strcmp(st->status, "open") != 0)
		return alc_err_set_user(x->err, ALC_ECONFLICT, "This request "
		    "has already been decided.", "rights: decided");
	if ((rc = rt_state_days(c, x->pid, st->kind, &days)) != 0)
		return rc;
	if (caldate_parse(x->notice_on, &on) != 0)
		memset(&on, 0, sizeof(on));
	if ((rc = rights_extension_check((enum rights_kind)st->kind,
	    st->received, days, st->extended, on, x->today, x->err)) != 0)
		return rc;
	t[0] = x->notice_on;
	t[1] = x->reason;
	v[0] = time_now_ms();
	v[1] = x->id;
	if ((rc = update(c, "UPDATE rights_requests SET ext_notice_on = ?, "
	    "ext_reason = ?, updated_at = ? WHERE id = ?", t, 2, v, 2)) != 0)
		return rc;
	return rt_audit(c, x->who, "UPDATE", x->pid, "rights_request", x->id,
	    st->patient_id, "{\"change\":\"extended\"}");
}

int
rights_request_extend(struct db *db, int64_t practice_id, int64_t id,
    const char *notice_on, const char *reason, struct caldate today,
    const struct audit_event *who, struct alc_err *err)
{
	struct ext_arg x = {practice_id, id, notice_on, reason, today, who, err};

	if (reason == NULL || reason[0] == '\0' ||
	    !rt_text_ok(reason, RIGHTS_SHORT_MAX, 1))
		return rt_invalid(err, "Give the reason for the delay that the "
		    "written notice states (up to 300 characters).");
	return in_txn(db, practice_id, id, extend_fn, &x);
}

/* ---- decision ------------------------------------------------------- */

struct dec_arg {
	int64_t pid, id;
	const char *decision, *grounds, *note;
	struct caldate today;
	const struct audit_event *who;
	struct alc_err *err;
};

static int
decide_fn(struct db_conn *c, const struct state *st, void *arg)
{
	struct dec_arg *x = arg;
	char today[CALDATE_TEXT_SIZE], detail[120];
	int deliver = st->kind == RK_ACCESS || st->kind == RK_ACCOUNTING;
	const char *t[5];
	int64_t v[3];
	int rc;

	if (strcmp(st->status, "open") != 0)
		return alc_err_set_user(x->err, ALC_ECONFLICT, "This request "
		    "has already been decided.", "rights: decided");
	t[0] = x->decision;
	t[1] = x->grounds;
	t[2] = x->note ? x->note : "";
	t[3] = caldate_format(x->today, today);
	t[4] = deliver && strcmp(x->decision, "denied") != 0 ? "decided" :
	    "closed";
	v[0] = rt_uid(x->who);
	v[1] = time_now_ms();
	v[2] = x->id;
	if ((rc = update(c, "UPDATE rights_requests SET decision = ?, grounds "
	    "= ?, decision_note = ?, decided_on = ?, status = ?, decided_by = "
	    "NULLIF(?, 0), updated_at = ? WHERE id = ?", t, 5, v, 3)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"change\":\"decided\","
	    "\"decision\":\"%s\"}", x->decision);
	return rt_audit(c, x->who, "UPDATE", x->pid, "rights_request", x->id,
	    st->patient_id, detail);
}

/* Joins the ground codes with commas into b; ALC_EINVAL for an unknown
 * one. */
static int
join_grounds(const char *const *g, size_t n, struct buf *b)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (rights_ground(g[i]) == NULL)
			return ALC_EINVAL;
		buf_printf(b, "%s%s", i ? "," : "", g[i]);
	}
	return buf_failed(b) ? ALC_ENOMEM : 0;
}

int
rights_request_decide(struct db *db, int64_t practice_id, int64_t id,
    const char *decision, const char *const *grounds, size_t n_grounds,
    const char *note, struct caldate today, const struct audit_event *who,
    struct alc_err *err)
{
	static const char *const decisions[] = {"granted", "partial", "denied",
	    NULL};
	struct dec_arg x = {practice_id, id, decision, "", note, today, who,
	    err};
	struct buf b;
	int rc;

	if (!rt_one_of(decision, decisions))
		return rt_invalid(err, "Choose granted, partially granted or "
		    "denied.");
	if (!rt_text_ok(note, RIGHTS_TEXT_MAX, 1))
		return rt_invalid(err, "The explanation is too long (up to 4000 "
		    "characters).");
	buf_init(&b, NULL);
	if (join_grounds(grounds, n_grounds, &b) != 0)
		rc = rt_invalid(err, "Choose grounds from the list.");
	else if (strcmp(decision, "granted") != 0 && n_grounds == 0 &&
	    (note == NULL || note[0] == '\0'))
		rc = rt_invalid(err, "A denial needs its grounds: tick at least "
		    "one, or explain the basis for a request that is not an "
		    "access request.");
	else {
		x.grounds = strcmp(decision, "granted") == 0 ? "" : buf_cstr(&b);
		rc = in_txn(db, practice_id, id, decide_fn, &x);
	}
	buf_free(&b);
	return rc;
}

/* ---- review ----------------------------------------------------------- */

static int
reviewable(const char *grounds)
{
	char copy_[400], *p, *save = NULL;
	const struct rights_code *g;

	snprintf(copy_, sizeof(copy_), "%s", grounds);
	for (p = strtok_r(copy_, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save))
		if ((g = rights_ground(p)) != NULL && g->flag)
			return 1;
	return 0;
}

struct rev_arg {
	int64_t pid, id, reviewer;
	const struct audit_event *who;
	struct alc_err *err;
};

static int
licensed_member(struct db_conn *c, int64_t pid, int64_t uid)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT 1 FROM memberships m JOIN users u "
	    "ON u.id = m.user_id WHERE m.practice_id = ? AND m.user_id = ? AND "
	    "m.role IN ('clinician', 'supervisor') AND u.status = 'active'")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, uid);
	rc = db_step(s);
	db_stmt_done(s);
	return rc == DB_ROW ? 1 : rc < 0 ? rc : 0;
}

static int
review_fn(struct db_conn *c, const struct state *st, void *arg)
{
	struct rev_arg *x = arg;
	int64_t v[3];
	int rc;

	if (strcmp(st->decision, "granted") == 0 || st->decision[0] == '\0' ||
	    !reviewable(st->grounds))
		return alc_err_set_user(x->err, ALC_ECONFLICT, "Only a denial on "
		    "a reviewable ground (45 CFR 164.524(a)(3)) can be sent for "
		    "review.", "rights: not reviewable");
	if (x->reviewer == st->decided_by)
		return alc_err_set_user(x->err, ALC_EPERM, "The reviewer must "
		    "not have taken part in the denial: choose someone other "
		    "than the person who decided it.", "rights: reviewer is "
		    "the decider");
	if ((rc = licensed_member(c, x->pid, x->reviewer)) <= 0)
		return rc < 0 ? rc : rt_invalid(x->err, "Choose a licensed "
		    "health care professional of the practice (a clinician or "
		    "supervisor) as the reviewer.");
	v[0] = x->reviewer;
	v[1] = time_now_ms();
	v[2] = x->id;
	if ((rc = update(c, "UPDATE rights_requests SET reviewer_id = ?, "
	    "updated_at = ? WHERE id = ?", NULL, 0, v, 3)) != 0)
		return rc;
	return rt_audit(c, x->who, "UPDATE", x->pid, "rights_request", x->id,
	    st->patient_id, "{\"change\":\"review_assigned\"}");
}

int
rights_request_assign_review(struct db *db, int64_t practice_id,
    int64_t id, int64_t reviewer_id, const struct audit_event *who,
    struct alc_err *err)
{
	struct rev_arg x = {practice_id, id, reviewer_id, who, err};

	return in_txn(db, practice_id, id, review_fn, &x);
}

/* ---- fulfilment ------------------------------------------------------- */

struct ful_arg {
	struct keystore *ks;
	int64_t pid, id;
	const char *how, *on;
	const struct audit_event *who;
	struct alc_err *err;
};

/* An access copy sent to a third party is a disclosure (to the person
 * the patient directed): it records itself. */
static int
third_party_disclosure(struct db_conn *c, struct ful_arg *x,
    const struct state *st)
{
	static const char *const keys[] = {"third_party",
	    "third_party_address"};
	struct rights_disclosure_input d;
	struct arena *a = arena_new();
	const char *vals[2];
	struct db_stmt *s;
	int64_t did;
	int rc;

	if (a == NULL)
		return ALC_ENOMEM;
	if ((rc = db_prepare(c, &s, "SELECT details FROM rights_requests WHERE "
	    "id = ?")) != 0)
		goto out;
	db_bind_i64(s, 1, x->id);
	rc = db_step(s) == DB_ROW ? rt_open_fields(x->ks, a, x->pid,
	    "rights_requests", "details", x->id, s, 0, keys, vals, 2) : ALC_EDB;
	db_stmt_done(s);
	if (rc != 0)
		goto out;
	memset(&d, 0, sizeof(d));
	d.disclosed_on = x->on;
	d.recipient = vals[0];
	d.address = vals[1];
	d.what = "Copy of the designated record set (access request)";
	d.purpose = "At the patient's direction (right of access)";
	d.basis = "individual_directive";
	d.request_id = x->id;
	rc = rights_disclosure_insert(c, x->ks, x->pid, st->patient_id, &d,
	    x->who, &did);
out:
	arena_free(a);
	return rc;
}

static int
fulfil_fn(struct db_conn *c, const struct state *st, void *arg)
{
	struct ful_arg *x = arg;
	const char *t[2] = {x->how, x->on};
	int64_t v[3] = {rt_uid(x->who), time_now_ms(), x->id};
	struct caldate on;
	int rc;

	if (strcmp(st->status, "decided") != 0)
		return alc_err_set_user(x->err, ALC_ECONFLICT, "Only a granted "
		    "request that is not yet delivered can be fulfilled.",
		    "rights: not deliverable");
	if (caldate_parse(x->on, &on) != 0 || caldate_cmp(on, st->received) < 0)
		return rt_invalid(x->err, "The delivery date cannot be before "
		    "the request was received.");
	if ((rc = update(c, "UPDATE rights_requests SET fulfilled_how = ?, "
	    "fulfilled_on = ?, status = 'fulfilled', fulfilled_by = NULLIF(?, "
	    "0), updated_at = ? WHERE id = ?", t, 2, v, 3)) != 0)
		return rc;
	if (st->kind == RK_ACCESS && strcmp(st->send_to, "third_party") == 0 &&
	    (rc = third_party_disclosure(c, x, st)) != 0)
		return rc;
	return rt_audit(c, x->who, "UPDATE", x->pid, "rights_request", x->id,
	    st->patient_id, "{\"change\":\"fulfilled\"}");
}

int
rights_request_fulfil(struct db *db, struct keystore *ks,
    int64_t practice_id, int64_t id, const char *how,
    const char *fulfilled_on, struct caldate today,
    const struct audit_event *who, struct alc_err *err)
{
	static const char *const hows[] = {"paper", "electronic", "inspection",
	    "mail", "secure_link", NULL};
	struct ful_arg x = {ks, practice_id, id, how, fulfilled_on, who, err};
	struct caldate on;

	if (!rt_one_of(how, hows))
		return rt_invalid(err, "Say how the records were delivered.");
	if (caldate_parse(fulfilled_on, &on) != 0 || caldate_cmp(on, today) > 0)
		return rt_invalid(err, "Enter the day they were delivered, not "
		    "later than today.");
	return in_txn(db, practice_id, id, fulfil_fn, &x);
}
