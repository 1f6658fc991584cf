/*
 * requests.c - recording individual-rights requests, reading them back
 * with their clocks, and the practice's clock settings.  Decisions,
 * extensions and fulfilment are in decide.c; the design is in rights.h.
 *
 * The clock is never stored: it is computed on every read from the
 * received date, the extension notice and the practice's (possibly
 * shortened) first period, so a changed setting or a corrected date can
 * never leave a stale due date behind.  The open list is sorted in C by
 * that computed due date for the same reason.
 */
#include "core/rights/rights.h"
#include "core/rights/impl.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const detail_keys[] = {"asked", "rep_name",
    "rep_authority", "third_party", "third_party_address"};
#define NDETAIL (sizeof(detail_keys) / sizeof(detail_keys[0]))

static const char *const forms[] = {"inspect", "paper", "electronic", NULL};
static const char *const send_tos[] = {"patient", "third_party", NULL};
static const char *const requesters[] = {"patient", "representative", NULL};
static const char *const channels[] = {"phone", "letter", "portal",
    "in_person", NULL};

/* ---- settings ------------------------------------------------------- */

int
rt_state_days(struct db_conn *c, int64_t pid, int kind, int *days)
{
	static const char *const sql[3] = {
	    "SELECT access_days FROM rights_settings WHERE practice_id = ?",
	    "SELECT amendment_days FROM rights_settings WHERE practice_id = ?",
	    "SELECT accounting_days FROM rights_settings WHERE practice_id = ?"};
	struct db_stmt *s;
	int rc;

	*days = 0;
	if (kind < 0 || kind > RK_ACCOUNTING)
		return 0;
	if ((rc = db_prepare(c, &s, sql[kind])) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	if ((rc = db_step(s)) == DB_ROW)
		*days = (int)db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
rights_settings_get(struct db *db, struct arena *a, int64_t practice_id,
    struct rights_settings *out)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc, k;

	memset(out, 0, sizeof(*out));
	out->contact = "";
	if ((rc = rt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT access_days, amendment_days, "
	    "accounting_days, contact FROM rights_settings WHERE practice_id = "
	    "?")) == 0) {
		db_bind_i64(s, 1, practice_id);
		if ((rc = db_step(s)) == DB_ROW) {
			for (k = 0; k < 3; k++)
				out->days[k] = (int)db_col_i64(s, k);
			out->contact = rt_col(a, s, 3);
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

static void
bind_days(struct db_stmt *s, int idx, int v)
{
	if (v > 0)
		db_bind_i64(s, idx, v);
	else
		db_bind_null(s, idx);
}

static int
settings_in(struct db_conn *c, int64_t pid, const struct rights_settings *in,
    const struct audit_event *who)
{
	struct db_stmt *s;
	char detail[120];
	int rc, k;

	if ((rc = db_prepare(c, &s, "INSERT INTO rights_settings (practice_id, "
	    "access_days, amendment_days, accounting_days, contact, updated_at, "
	    "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (practice_id) "
	    "DO UPDATE SET access_days = excluded.access_days, amendment_days = "
	    "excluded.amendment_days, accounting_days = "
	    "excluded.accounting_days, contact = excluded.contact, updated_at = "
	    "excluded.updated_at, updated_by = excluded.updated_by")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	for (k = 0; k < 3; k++)
		bind_days(s, 2 + k, in->days[k]);
	db_bind_text(s, 5, in->contact ? in->contact : "");
	db_bind_i64(s, 6, time_now_ms());
	if (rt_uid(who) > 0)
		db_bind_i64(s, 7, rt_uid(who));
	else
		db_bind_null(s, 7);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc < 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"access_days\":%d,"
	    "\"amendment_days\":%d,\"accounting_days\":%d}", in->days[0],
	    in->days[1], in->days[2]);
	return rt_audit(c, who, "CONFIG_CHANGE", pid, "rights_settings", pid, 0,
	    detail);
}

int
rights_settings_set(struct db *db, int64_t practice_id,
    const struct rights_settings *in, const struct audit_event *who,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc, k;

	for (k = 0; k < 3; k++)
		if (in->days[k] < 0 ||
		    in->days[k] > rights_federal_days((enum rights_kind)k))
			return rt_invalid(err, "A state period can only shorten "
			    "the federal one (access 30 days, amendment and "
			    "accounting 60): leave it empty to use the federal "
			    "period.");
	if (!rt_text_ok(in->contact, RIGHTS_SHORT_MAX, 0))
		return rt_invalid(err, "The privacy contact is too long (up to "
		    "300 characters, one line).");
	if ((rc = rt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = settings_in(c, practice_id, in, who)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

/* ---- recording ------------------------------------------------------ */

static int
check_input(const struct rights_request_input *in, struct caldate today,
    struct alc_err *err)
{
	struct caldate rd;

	if ((int)in->kind < 0 || in->kind >= RK_COUNT)
		return rt_invalid(err, "Choose the kind of request.");
	if (!rt_one_of(in->requester, requesters))
		return rt_invalid(err, "Say who asked: the patient or a personal "
		    "representative.");
	if (strcmp(in->requester, "representative") == 0 &&
	    (in->rep_name == NULL || in->rep_name[0] == '\0' ||
	    in->rep_authority == NULL || in->rep_authority[0] == '\0'))
		return rt_invalid(err, "Enter the representative's name and "
		    "their authority (for example: parent of a minor, "
		    "health care power of attorney).");
	if (!rt_one_of(in->channel, channels))
		return rt_invalid(err, "Say how the request came in.");
	if (caldate_parse(in->received_on, &rd) != 0 ||
	    caldate_cmp(rd, today) > 0)
		return rt_invalid(err, "Enter the day the request was received, "
		    "such as 2026-03-31, not later than today.");
	if (in->asked == NULL || in->asked[0] == '\0' ||
	    !rt_text_ok(in->asked, RIGHTS_TEXT_MAX, 1))
		return rt_invalid(err, "Write down exactly what is asked (up to "
		    "4000 characters).");
	if (!rt_text_ok(in->rep_name, RIGHTS_SHORT_MAX, 0) ||
	    !rt_text_ok(in->rep_authority, RIGHTS_SHORT_MAX, 0) ||
	    !rt_text_ok(in->third_party, RIGHTS_SHORT_MAX, 0) ||
	    !rt_text_ok(in->third_party_address, RIGHTS_SHORT_MAX, 1))
		return rt_invalid(err, "A name or address is too long (up to "
		    "300 characters).");
	if (in->kind != RK_ACCESS)
		return 0;
	if (!rt_one_of(in->access_form, forms) ||
	    !rt_one_of(in->send_to, send_tos))
		return rt_invalid(err, "For access, choose inspect or a copy "
		    "(paper or electronic), and who receives it.");
	if (strcmp(in->send_to, "third_party") == 0 &&
	    (in->third_party == NULL || in->third_party[0] == '\0'))
		return rt_invalid(err, "Enter the person or organisation the "
		    "patient directs the copy to.");
	return 0;
}

static int
insert_in(struct db_conn *c, struct keystore *ks, int64_t pid, int64_t pat,
    const struct rights_request_input *in, const struct audit_event *who,
    int64_t *id)
{
	const char *vals[NDETAIL] = {in->asked, in->rep_name, in->rep_authority,
	    in->third_party, in->third_party_address};
	int access = in->kind == RK_ACCESS;
	int64_t now = time_now_ms();
	struct db_stmt *s;
	char detail[120];
	int rc;

	if ((rc = rt_patient_in(c, pid, pat)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "INSERT INTO rights_requests (practice_id, "
	    "patient_id, kind, access_form, send_to, requester, channel, "
	    "received_on, entered_at, entered_by, updated_at) VALUES (?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, pat);
	db_bind_text(s, 3, rights_kind_names[in->kind]);
	db_bind_text(s, 4, access ? in->access_form : NULL);
	db_bind_text(s, 5, access ? in->send_to : NULL);
	db_bind_text(s, 6, in->requester);
	db_bind_text(s, 7, in->channel);
	db_bind_text(s, 8, in->received_on);
	db_bind_i64(s, 9, now);
	if (rt_uid(who) > 0)
		db_bind_i64(s, 10, rt_uid(who));
	else
		db_bind_null(s, 10);
	db_bind_i64(s, 11, now);
	rc = db_step(s);
	if (rc == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	if ((rc = rt_seal_store(c, ks, pid, "rights_requests", "details", *id,
	    "UPDATE rights_requests SET details = ? WHERE id = ?", detail_keys,
	    vals, NDETAIL)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "{\"kind\":\"%s\",\"received_on\":"
	    "\"%s\"}", rights_kind_names[in->kind], in->received_on);
	return rt_audit(c, who, "CREATE", pid, "rights_request", *id, pat,
	    detail);
}

int
rights_request_create(struct db *db, struct keystore *ks,
    int64_t practice_id, int64_t patient_id,
    const struct rights_request_input *in, struct caldate today,
    const struct audit_event *who, int64_t *id, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((rc = check_input(in, today, err)) != 0)
		return rc;
	if ((rc = rt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = insert_in(c, ks, practice_id, patient_id, in, who, id)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

/* ---- reading -------------------------------------------------------- */

#define REQ_COLS "SELECT q.id, q.patient_id, q.kind, q.access_form, " \
	"q.send_to, q.requester, q.channel, q.received_on, q.details, " \
	"q.status, q.ext_notice_on, q.ext_reason, q.decision, q.grounds, " \
	"q.decision_note, q.decided_by, d.display_name, q.decided_on, " \
	"q.reviewer_id, v.display_name, q.fulfilled_on, q.fulfilled_how, " \
	"q.entered_at, e.display_name FROM rights_requests q LEFT JOIN users " \
	"d ON d.id = q.decided_by LEFT JOIN users v ON v.id = q.reviewer_id " \
	"LEFT JOIN users e ON e.id = q.entered_by WHERE q.practice_id = ? "

static const char *
next_action(struct arena *a, const struct rights_request *q)
{
	char due[CALDATE_TEXT_SIZE], first[CALDATE_TEXT_SIZE];
	const struct rights_clock *k = &q->clock;

	caldate_format(k->due, due);
	caldate_format(k->first_due, first);
	if (strcmp(q->status, "fulfilled") == 0)
		return arena_printf(a, "Nothing: fulfilled on %s.",
		    q->fulfilled_on);
	if (strcmp(q->status, "closed") == 0)
		return q->decision && strcmp(q->decision, "denied") == 0 ?
		    "Send the denial letter. If the patient asks for a review "
		    "of a reviewable denial, assign a reviewer who did not take "
		    "part in it." : "Nothing: decided and closed.";
	if (strcmp(q->status, "decided") == 0)
		return arena_printf(a, "Deliver %s and record how, by %s.",
		    q->kind == RK_ACCOUNTING ? "the accounting" : "the records",
		    due);
	if (!k->has_clock)
		return "Decide promptly and tell the patient.";
	if (!k->extended && !k->overdue && caldate_cmp(k->due, k->first_due) == 0)
		return arena_printf(a, "Decide and tell the patient by %s (or "
		    "send a written extension notice by %s).", due, first);
	return arena_printf(a, "Decide and tell the patient by %s.", due);
}

void
rt_request_clock(struct arena *a, struct rights_request *q, int state_days,
    struct caldate today)
{
	struct caldate rd, en;
	int ext = q->ext_notice_on != NULL &&
	    caldate_parse(q->ext_notice_on, &en) == 0;

	if (caldate_parse(q->received_on, &rd) != 0)
		rd = today;
	(void)rights_clock(q->kind, rd, state_days, ext ? &en : NULL, today,
	    &q->clock);
	/* A finished request is no longer running against its clock. */
	if (strcmp(q->status, "fulfilled") == 0 ||
	    strcmp(q->status, "closed") == 0)
		q->clock.overdue = 0;
	q->next_action = next_action(a, q);
}

static void
read_row(struct db_stmt *s, struct arena *a, struct rights_request *q)
{
	int k;

	memset(q, 0, sizeof(*q));
	q->id = db_col_i64(s, 0);
	q->patient_id = db_col_i64(s, 1);
	k = rights_kind_parse(db_col_text(s, 2));
	q->kind = k < 0 ? RK_ACCESS : (enum rights_kind)k;
	q->access_form = rt_opt(a, s, 3);
	q->send_to = rt_opt(a, s, 4);
	q->requester = rt_col(a, s, 5);
	q->channel = rt_col(a, s, 6);
	q->received_on = rt_col(a, s, 7);
	q->status = rt_col(a, s, 9);
	q->ext_notice_on = rt_opt(a, s, 10);
	q->ext_reason = rt_opt(a, s, 11);
	q->decision = rt_opt(a, s, 12);
	q->grounds = rt_col(a, s, 13);
	q->decision_note = rt_col(a, s, 14);
	q->decided_by = db_col_i64(s, 15);
	q->decided_by_name = rt_opt(a, s, 16);
	q->decided_on = rt_opt(a, s, 17);
	q->reviewer_id = db_col_i64(s, 18);
	q->reviewer_name = rt_opt(a, s, 19);
	q->fulfilled_on = rt_opt(a, s, 20);
	q->fulfilled_how = rt_opt(a, s, 21);
	q->entered_at = db_col_i64(s, 22);
	q->entered_by_name = rt_opt(a, s, 23);
}

static int
get_in(struct db_conn *c, struct keystore *ks, struct arena *a, int64_t pid,
    int64_t id, struct rights_request *q)
{
	const char *vals[NDETAIL];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, REQ_COLS "AND q.id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, id);
	if ((rc = db_step(s)) == DB_ROW) {
		read_row(s, a, q);
		rc = rt_open_fields(ks, a, pid, "rights_requests", "details", id,
		    s, 8, detail_keys, vals, NDETAIL);
		q->asked = vals[0];
		q->rep_name = vals[1];
		q->rep_authority = vals[2];
		q->third_party = vals[3];
		q->third_party_address = vals[4];
	} else
		rc = rc < 0 ? rc : ALC_ENOTFOUND;
	db_stmt_done(s);
	return rc;
}

int
rights_request_get(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t id, struct caldate today,
    struct rights_request *out)
{
	struct db_conn *c;
	int rc, days = 0;

	if ((rc = rt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = get_in(c, ks, a, practice_id, id, out)) == 0 &&
	    (rc = rt_state_days(c, practice_id, (int)out->kind, &days)) == 0)
		rt_request_clock(a, out, days, today);
	db_release(c);
	return rc;
}

static int
by_due(const void *x, const void *y)
{
	const struct rights_request *a = x, *b = y;

	if (a->clock.has_clock != b->clock.has_clock)
		return a->clock.has_clock ? -1 : 1;
	if (a->clock.has_clock && caldate_cmp(a->clock.due, b->clock.due) != 0)
		return caldate_cmp(a->clock.due, b->clock.due);
	return a->id < b->id ? -1 : a->id > b->id;
}

static int
list_in(struct db_conn *c, struct arena *a, int64_t pid, int64_t pat,
    struct caldate today, struct rights_request *q, size_t *n)
{
	int days[RK_COUNT] = {0}, k, rc;
	struct db_stmt *s;

	for (k = 0; k <= RK_ACCOUNTING; k++)
		if ((rc = rt_state_days(c, pid, k, &days[k])) != 0)
			return rc;
	if ((rc = db_prepare(c, &s, pat > 0 ? REQ_COLS "AND q.patient_id = ? "
	    "ORDER BY q.id DESC LIMIT 500" : REQ_COLS "AND q.status IN "
	    "('open', 'decided') AND ? = 0 ORDER BY q.id LIMIT 500")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_i64(s, 2, pat);
	while (*n < RIGHTS_MAX_LIST && (rc = db_step(s)) == DB_ROW) {
		read_row(s, a, &q[*n]);
		rt_request_clock(a, &q[*n], days[q[*n].kind], today);
		(*n)++;
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
rights_request_list(struct db *db, struct keystore *ks, struct arena *a,
    int64_t practice_id, int64_t patient_id, struct caldate today,
    struct rights_request **out, size_t *n)
{
	struct db_conn *c;
	int rc;

	(void)ks;
	*n = 0;
	if ((*out = arena_alloc(a, RIGHTS_MAX_LIST * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	if ((rc = rt_acquire(db, &c)) != 0)
		return rc;
	rc = list_in(c, a, practice_id, patient_id, today, *out, n);
	db_release(c);
	if (rc == 0 && patient_id == 0)
		qsort(*out, *n, sizeof(**out), by_due);
	return rc;
}
