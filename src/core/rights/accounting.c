/*
 * accounting.c - the accounting of disclosures of 45 CFR 164.528, built
 * from the disclosure log.  See rights.h.
 *
 * Period: from the later of the day asked and six years before today
 * (same month and day; Feb 29 becomes Feb 28), to today, both included.
 * Exclusions are decided by the basis alone (the fixed list in clock.c
 * flags what 164.528(a)(1) excludes), plus everything before the
 * compliance date; the accounting lists which exclusions it applied and
 * how many disclosures each removed, never what they were.
 * Repeated disclosures (164.528(b)(3)): every disclosure to one recipient
 * for one purpose becomes one line with the first date, the number and
 * the last date.  Fees (c)(2): the first accounting in any 12 months is
 * free; fee_allowed says whether an earlier one was provided in the 12
 * months before today.
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

#define BEFORE_COMPLIANCE "Disclosures before the compliance date, April " \
	"14, 2003 (164.528(a)(1)(ix))"

static struct caldate
years_before(struct caldate d, int years)
{
	struct caldate r = {d.y - years, d.m, d.d};

	if (r.m == 2 && r.d == 29 && !caldate_is_leap(r.y))
		r.d = 28;
	return r;
}

static void
add_exclusion(struct arena *a, struct rights_accounting *acc,
    const char *label)
{
	size_t i;

	for (i = 0; i < acc->n_exclusions; i++)
		if (strcmp(acc->exclusions[i], label) == 0)
			return;
	acc->exclusions[acc->n_exclusions++] = label;
	(void)a;
}

static int
same(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "") == 0;
}

/* Folds d into the lines: a line with the same recipient and purpose
 * grows, otherwise a new line starts. */
static void
fold(struct rights_accounting *acc, const struct rights_disclosure *d)
{
	struct rights_acct_line *l;
	size_t i;

	for (i = 0; i < acc->n_lines; i++) {
		l = &acc->lines[i];
		if (same(l->recipient, d->recipient) &&
		    same(l->purpose, d->purpose)) {
			l->last_on = d->disclosed_on;
			l->count++;
			return;
		}
	}
	l = &acc->lines[acc->n_lines++];
	l->first_on = l->last_on = d->disclosed_on;
	l->count = 1;
	l->recipient = d->recipient;
	l->address = d->address;
	l->what = d->what;
	l->purpose = d->purpose;
	l->basis_label = d->basis_label;
}

static int
last_provided(struct db *db, struct arena *a, int64_t pid, int64_t pat,
    struct caldate asof, struct rights_accounting *acc)
{
	char since[CALDATE_TEXT_SIZE];
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	caldate_format(caldate_add_months(asof, -12, 0), since);
	if ((rc = rt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, &s, "SELECT provided_on FROM accountings WHERE "
	    "practice_id = ? AND patient_id = ? AND provided_on > ? ORDER BY "
	    "provided_on DESC LIMIT 1")) == 0) {
		db_bind_i64(s, 1, pid);
		db_bind_i64(s, 2, pat);
		db_bind_text(s, 3, since);
		if ((rc = db_step(s)) == DB_ROW) {
			acc->last_provided_on = rt_col(a, s, 0);
			acc->fee_allowed = 1;
		}
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

static int
period(struct arena *a, const char *from, struct caldate asof,
    struct rights_accounting *acc, struct alc_err *err)
{
	struct caldate start = years_before(asof, RIGHTS_LOOKBACK_YEARS), f;
	char buf[CALDATE_TEXT_SIZE];

	if (from != NULL && from[0] != '\0') {
		if (caldate_parse(from, &f) != 0 || caldate_cmp(f, asof) > 0)
			return rt_invalid(err, "Enter the start of the period, "
			    "such as 2024-01-01, not later than today.");
		if (caldate_cmp(f, start) > 0)
			start = f;
	}
	acc->from = arena_strdup(a, caldate_format(start, buf));
	acc->to = arena_strdup(a, caldate_format(asof, buf));
	return acc->from && acc->to ? 0 : ALC_ENOMEM;
}

int
rights_accounting_build(struct db *db, struct keystore *ks,
    struct arena *a, int64_t practice_id, int64_t patient_id,
    const char *from, struct caldate asof, struct rights_accounting *out,
    struct alc_err *err)
{
	const struct rights_code *b;
	struct rights_disclosure *d;
	size_t n, i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = period(a, from, asof, out, err)) != 0 ||
	    (rc = rights_disclosure_list(db, ks, a, practice_id, patient_id,
	    out->from, out->to, &d, &n)) != 0)
		return rc;
	out->lines = arena_alloc(a, (n + 1) * sizeof(*out->lines));
	out->exclusions = arena_alloc(a, (rights_bases_count + 2) *
	    sizeof(*out->exclusions));
	if (out->lines == NULL || out->exclusions == NULL)
		return ALC_ENOMEM;
	memset(out->lines, 0, (n + 1) * sizeof(*out->lines));
	for (i = 0; i < n; i++) {
		b = rights_basis(d[i].basis);
		if (strcmp(d[i].disclosed_on, RIGHTS_COMPLIANCE_DATE) < 0)
			add_exclusion(a, out, BEFORE_COMPLIANCE);
		else if (b != NULL && b->flag)
			add_exclusion(a, out, arena_printf(a, "%s (%s)", b->label,
			    b->cite));
		else {
			fold(out, &d[i]);
			out->n_included++;
			continue;
		}
		out->n_excluded++;
	}
	return last_provided(db, a, practice_id, patient_id, asof, out);
}

int
rights_accounting_record(struct db *db, int64_t practice_id,
    int64_t patient_id, const struct rights_accounting *acc,
    int64_t fee_cents, struct caldate asof, const struct audit_event *who,
    struct alc_err *err)
{
	char on[CALDATE_TEXT_SIZE], detail[160];
	struct db_conn *c;
	struct db_stmt *s;
	int64_t id = 0;
	int rc;

	if (fee_cents < 0 || (fee_cents > 0 && !acc->fee_allowed))
		return rt_invalid(err, "The first accounting in any 12 months is "
		    "free (45 CFR 164.528(c)(2)): record it without a fee.");
	if ((rc = rt_acquire(db, &c)) != 0)
		return rc;
	if ((rc = db_begin(c)) != 0 || (rc = rt_patient_in(c, practice_id,
	    patient_id)) != 0 || (rc = db_prepare(c, &s, "INSERT INTO "
	    "accountings (practice_id, patient_id, period_from, period_to, "
	    "provided_on, lines, fee_cents, created_by, created_at) VALUES (?, "
	    "?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?) RETURNING id")) != 0)
		goto out;
	db_bind_i64(s, 1, practice_id);
	db_bind_i64(s, 2, patient_id);
	db_bind_text(s, 3, acc->from);
	db_bind_text(s, 4, acc->to);
	db_bind_text(s, 5, caldate_format(asof, on));
	db_bind_i64(s, 6, (int64_t)acc->n_lines);
	db_bind_i64(s, 7, fee_cents);
	db_bind_i64(s, 8, rt_uid(who));
	db_bind_i64(s, 9, time_now_ms());
	if ((rc = db_step(s)) == DB_ROW)
		id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW) {
		rc = rc < 0 ? rc : ALC_EDB;
		goto out;
	}
	snprintf(detail, sizeof(detail), "{\"change\":\"provided\",\"lines\":"
	    "%zu,\"excluded\":%zu,\"fee_cents\":%lld}", acc->n_lines,
	    acc->n_excluded, (long long)fee_cents);
	if ((rc = rt_audit(c, who, "CREATE", practice_id, "accounting", id,
	    patient_id, detail)) == 0)
		rc = db_commit(c);
out:
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static void
csv_cell(struct buf *b, const char *v, int last)
{
	const char *p;

	buf_putc(b, '"');
	if (v != NULL && (*v == '=' || *v == '+' || *v == '-' || *v == '@'))
		buf_putc(b, '\'');
	for (p = v ? v : ""; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_puts(b, last ? "\"\r\n" : "\",");
}

const char *
rights_accounting_csv(struct arena *a, const struct rights_accounting *acc)
{
	const struct rights_acct_line *l;
	struct buf b;
	char count[24];
	size_t i;

	buf_init(&b, a);
	buf_puts(&b, "first_date,last_date,number,recipient,address,"
	    "what_was_disclosed,purpose,legal_basis\r\n");
	for (i = 0; i < acc->n_lines; i++) {
		l = &acc->lines[i];
		snprintf(count, sizeof(count), "%zu", l->count);
		csv_cell(&b, l->first_on, 0);
		csv_cell(&b, l->last_on, 0);
		csv_cell(&b, count, 0);
		csv_cell(&b, l->recipient, 0);
		csv_cell(&b, l->address, 0);
		csv_cell(&b, l->what, 0);
		csv_cell(&b, l->purpose, 0);
		csv_cell(&b, l->basis_label, 1);
	}
	return buf_failed(&b) ? NULL : buf_cstr(&b);
}
