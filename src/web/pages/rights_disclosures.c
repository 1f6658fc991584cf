/*
 * pages/rights_disclosures.c - a patient's disclosure log and the form to
 * record a disclosure; the accounting of disclosures (printable page and
 * CSV) and recording that it was provided, with its fee.  Access as in
 * rights.c (ACT_DISCLOSURE_LOG, then the patient's access).  The log and
 * the accounting are audited as VIEW, the CSV as EXPORT, before they are
 * sent.
 */
#include "web/pages/pages.h"
#include "web/audit_web.h"
#include "web/authz.h"
#include "web/http.h"
#include "web/page.h"
#include "web/server.h"
#include "web/views_rights.h"
#include "audit/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/patients/patients.h"
#include "core/rights/rights.h"
#include "core/users/users.h"
#include "templates.h"

#include <stdlib.h>
#include <string.h>

static const struct rights_option_view *
bases(struct req *r, const char *sel, size_t *n)
{
	struct rights_option_view *o;
	size_t i;

	o = arena_alloc(r->arena, (rights_bases_count + 1) * sizeof(*o));
	*n = o ? rights_bases_count + 1 : 0;
	if (o == NULL)
		return NULL;
	o[0].value = "";
	o[0].label = "Choose the legal basis";
	for (i = 0; i < rights_bases_count; i++) {
		o[i + 1].value = rights_bases[i].code;
		o[i + 1].label = rights_bases[i].cite[0] ? arena_printf(r->arena,
		    "%s (%s)", rights_bases[i].label, rights_bases[i].cite) :
		    rights_bases[i].label;
		o[i + 1].selected = sel != NULL &&
		    strcmp(sel, rights_bases[i].code) == 0;
	}
	return o;
}

static int
fill_rows(struct req *r, const struct rights_disclosure *d, size_t n,
    struct rights_disclosures_view *v)
{
	struct rights_disclosure_row_view *rows;
	size_t i;

	if ((rows = arena_alloc(r->arena, (n + 1) * sizeof(*rows))) == NULL)
		return ALC_ENOMEM;
	for (i = 0; i < n; i++) {
		rows[i].on = d[i].disclosed_on;
		rows[i].recipient = d[i].recipient;
		rows[i].address = d[i].address[0] ? d[i].address : NULL;
		rows[i].what = d[i].what;
		rows[i].purpose = d[i].purpose;
		rows[i].basis = d[i].basis_label;
		rows[i].by = d[i].recorded_by_name ? d[i].recorded_by_name :
		    "Alcove";
	}
	v->rows = rows;
	v->n_rows = n;
	return 0;
}

static int
show_log(struct req *r, int64_t pat, int status, const char *error)
{
	struct rights_disclosures_view v;
	struct rights_disclosure *d;
	struct patient_brief b;
	struct buf body;
	size_t n;
	int rc, shown;

	if ((rc = rightsweb_gate(r, pat, &shown, &b)) != 0 || shown)
		return rc;
	memset(&v, 0, sizeof(v));
	if ((rc = rights_disclosure_list(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, pat, NULL, NULL, &d, &n)) != 0 ||
	    (rc = fill_rows(r, d, n, &v)) != 0 ||
	    (rc = rightsweb_audit(r, "VIEW", "disclosure", 0, pat, b.part2,
	    arena_printf(r->arena, "{\"rows\":%zu}", n))) != 0)
		return rc;
	v.name = b.display_name;
	v.chart_no = b.chart_no;
	v.base = arena_printf(r->arena, "/patients/%lld", (long long)pat);
	v.csrf = r->sess->csrf;
	v.error = error;
	v.today = rightsweb_date(r, rightsweb_today(r));
	v.bases = bases(r, req_form(r, "basis"), &v.n_bases);
	v.disclosed_on = error ? req_form(r, "disclosed_on") : v.today;
	v.recipient = req_form(r, "recipient");
	v.address = req_form(r, "address");
	v.what = req_form(r, "what");
	v.purpose = req_form(r, "purpose");
	buf_init(&body, r->arena);
	tmpl_rights_disclosures(&body, &v);
	return page_send(r, status, "Disclosures", &body);
}

int
page_disclosures(struct req *r)
{
	int64_t pat = patients_web_id(r);

	return pat ? show_log(r, pat, 200, NULL) : ALC_ENOTFOUND;
}

int
page_disclosure_create(struct req *r)
{
	struct rights_disclosure_input in;
	int64_t pat = patients_web_id(r), id;
	struct patient_brief b;
	struct audit_event ev;
	struct alc_err err;
	int rc, shown;

	if (pat == 0)
		return ALC_ENOTFOUND;
	if ((rc = rightsweb_gate(r, pat, &shown, &b)) != 0 || shown)
		return rc;
	memset(&in, 0, sizeof(in));
	in.disclosed_on = req_form(r, "disclosed_on");
	in.recipient = req_form(r, "recipient");
	in.address = req_form(r, "address");
	in.what = req_form(r, "what");
	in.purpose = req_form(r, "purpose");
	in.basis = req_form(r, "basis");
	web_audit_who(r, &ev);
	ev.purpose_of_use = in.basis && rights_basis(in.basis) ? in.basis : NULL;
	memset(&err, 0, sizeof(err));
	rc = rights_disclosure_create(r->app->db, r->app->keys,
	    r->sess->practice_id, pat, &in, rightsweb_today(r), &ev, &id, &err);
	if (rc == ALC_EINVAL)
		return show_log(r, pat, 422, err.user);
	if (rc != 0)
		return rc;
	return resp_redirect(r, 303, arena_printf(r->arena,
	    "/patients/%lld/disclosures", (long long)pat));
}

/* ---- the accounting ---------------------------------------------------- */

static int
build(struct req *r, int64_t pat, const char *from,
    struct rights_accounting *acc, struct patient_brief *b, int *shown,
    struct alc_err *err)
{
	int rc;

	if ((rc = rightsweb_gate(r, pat, shown, b)) != 0 || *shown)
		return rc;
	return rights_accounting_build(r->app->db, r->app->keys, r->arena,
	    r->sess->practice_id, pat, from, rightsweb_today(r), acc, err);
}

static void
fill_lines(struct req *r, const struct rights_accounting *acc,
    struct rights_accounting_view *v)
{
	struct rights_acct_line_view *l;
	struct rights_text_view *e;
	size_t i;

	l = arena_alloc(r->arena, (acc->n_lines + 1) * sizeof(*l));
	e = arena_alloc(r->arena, (acc->n_exclusions + 1) * sizeof(*e));
	for (i = 0; l != NULL && i < acc->n_lines; i++) {
		l[i].first = acc->lines[i].first_on;
		l[i].last = acc->lines[i].last_on;
		l[i].count = arena_printf(r->arena, "%zu", acc->lines[i].count);
		l[i].repeated = acc->lines[i].count > 1;
		l[i].recipient = acc->lines[i].recipient;
		l[i].address = acc->lines[i].address[0] ?
		    acc->lines[i].address : NULL;
		l[i].what = acc->lines[i].what;
		l[i].purpose = acc->lines[i].purpose;
		l[i].basis = acc->lines[i].basis_label;
	}
	for (i = 0; e != NULL && i < acc->n_exclusions; i++)
		e[i].text = acc->exclusions[i];
	v->lines = l;
	v->n_lines = l ? acc->n_lines : 0;
	v->exclusions = e;
	v->n_exclusions = e ? acc->n_exclusions : 0;
}

static int
show_accounting(struct req *r, int64_t pat, const char *from, int status,
    const char *error)
{
	struct rights_accounting_view v;
	struct rights_accounting acc;
	struct patient_brief b;
	struct alc_err err;
	struct buf body;
	int rc, shown;

	memset(&err, 0, sizeof(err));
	rc = build(r, pat, from, &acc, &b, &shown, &err);
	if (rc == ALC_EINVAL && from != NULL)
		return show_accounting(r, pat, NULL, 422, err.user);
	if (rc != 0 || shown)
		return rc;
	if ((rc = rightsweb_audit(r, "VIEW", "accounting", 0, pat, b.part2,
	    arena_printf(r->arena, "{\"lines\":%zu,\"excluded\":%zu}",
	    acc.n_lines, acc.n_excluded))) != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	fill_lines(r, &acc, &v);
	v.practice = r->sess->practice_name;
	v.name = b.display_name;
	v.chart_no = b.chart_no;
	v.from = acc.from;
	v.to = acc.to;
	v.today = acc.to;
	v.base = arena_printf(r->arena, "/patients/%lld", (long long)pat);
	v.csrf = r->sess->csrf;
	v.error = error;
	v.from_q = from && from[0] ? from : NULL;
	v.csv_href = arena_printf(r->arena, "%s/accounting.csv%s%s", v.base,
	    v.from_q ? "?from=" : "", v.from_q ? acc.from : "");
	v.last_provided = acc.last_provided_on;
	v.fee_allowed = acc.fee_allowed;
	v.included = arena_printf(r->arena, "%zu", acc.n_included);
	v.excluded = arena_printf(r->arena, "%zu", acc.n_excluded);
	buf_init(&body, r->arena);
	tmpl_rights_accounting(&body, &v);
	return page_send(r, status, "Accounting of disclosures", &body);
}

int
page_accounting(struct req *r)
{
	int64_t pat = patients_web_id(r);

	return pat ? show_accounting(r, pat, req_query(r, "from"), 200, NULL) :
	    ALC_ENOTFOUND;
}

int
page_accounting_csv(struct req *r)
{
	int64_t pat = patients_web_id(r);
	struct rights_accounting acc;
	struct patient_brief b;
	struct alc_err err;
	const char *csv;
	int rc, shown;

	if (pat == 0)
		return ALC_ENOTFOUND;
	memset(&err, 0, sizeof(err));
	if ((rc = build(r, pat, req_query(r, "from"), &acc, &b, &shown,
	    &err)) != 0 || shown)
		return rc == ALC_EINVAL ? ALC_ENOTFOUND : rc;
	if ((csv = rights_accounting_csv(r->arena, &acc)) == NULL)
		return ALC_ENOMEM;
	if ((rc = rightsweb_audit(r, "EXPORT", "accounting", 0, pat, b.part2,
	    arena_printf(r->arena, "{\"format\":\"csv\",\"lines\":%zu}",
	    acc.n_lines))) != 0)
		return rc;
	buf_puts(&r->out, csv);
	r->content_type = "text/csv; charset=utf-8";
	resp_header(r, "Content-Disposition",
	    "attachment; filename=\"accounting-of-disclosures.csv\"");
	return buf_failed(&r->out) ? ALC_ENOMEM : 0;
}

/* A posted fee "12.50" in cents; -1 when it is not an amount. */
static int64_t
fee_cents(const char *s)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtod(s, &end);
	if (*end != '\0' || v < 0 || v > 100000)
		return -1;
	return (int64_t)(v * 100 + 0.5);
}

int
page_accounting_record(struct req *r)
{
	int64_t pat = patients_web_id(r), fee;
	const char *from = req_form(r, "from");
	struct rights_accounting acc;
	struct patient_brief b;
	struct audit_event ev;
	struct alc_err err;
	int rc, shown;

	if (pat == 0)
		return ALC_ENOTFOUND;
	memset(&err, 0, sizeof(err));
	if ((rc = build(r, pat, from, &acc, &b, &shown, &err)) != 0 || shown)
		return rc == ALC_EINVAL ? show_accounting(r, pat, NULL, 422,
		    err.user) : rc;
	if ((fee = fee_cents(req_form(r, "fee"))) < 0)
		return show_accounting(r, pat, from, 422, "Enter the fee in "
		    "dollars, such as 12.50.");
	web_audit_who(r, &ev);
	ev.purpose_of_use = "patient_request";
	rc = rights_accounting_record(r->app->db, r->sess->practice_id, pat,
	    &acc, fee, rightsweb_today(r), &ev, &err);
	if (rc == ALC_EINVAL)
		return show_accounting(r, pat, from, 422, err.user);
	if (rc != 0)
		return rc;
	page_flash(r, "success", "Recorded: the accounting was provided today.");
	return show_accounting(r, pat, from, 200, NULL);
}
