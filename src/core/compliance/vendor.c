/*
 * vendor.c - the vendor and BAA inventory, the integration rows that
 * configuration creates, and the BAA gate.  Design in vendor.h.
 */
#include "core/compliance/vendor.h"
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "base/arena.h"
#include "base/config.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

const char *const vendor_baa_names[6] = {"none", "requested", "pending",
    "signed", "expired", "terminated"};
const char *const vendor_baa_labels[6] = {"No BAA", "Requested", "Pending",
    "Signed", "Expired", "Terminated"};

static int
invalid(struct alc_err *err, const char *user)
{
	return alc_err_set_user(err, ALC_EINVAL, user, "vendor: %s", user);
}

static int
date_ok(const char *s)
{
	struct caldate d;

	return s == NULL || s[0] == '\0' || caldate_parse(s, &d) == 0;
}

static int
check_input(const struct vendor_input *in, struct alc_err *err)
{
	size_t i;

	if (in->name == NULL || in->name[0] == '\0' ||
	    !cmp_text_ok(in->name, VENDOR_NAME_MAX, 0))
		return invalid(err, "Enter the vendor's name (up to 200 "
		    "characters).");
	if (!cmp_text_ok(in->services, VENDOR_TEXT_MAX, 1) ||
	    !cmp_text_ok(in->phi, VENDOR_TEXT_MAX, 1) ||
	    !cmp_text_ok(in->contact_name, VENDOR_NAME_MAX, 0) ||
	    !cmp_text_ok(in->contact_phone, 60, 0))
		return invalid(err, "A text field is too long or holds characters "
		    "that cannot be stored.");
	for (i = 0; i < 6; i++)
		if (in->baa_status && strcmp(in->baa_status,
		    vendor_baa_names[i]) == 0)
			break;
	if (i == 6)
		return invalid(err, "Choose the status of the BAA.");
	if (!date_ok(in->effective_on) || !date_ok(in->expires_on))
		return invalid(err, "Enter dates such as 2026-03-31.");
	if (in->review_months < 1 || in->review_months > 120)
		return invalid(err, "Enter the review cycle in months (1 to "
		    "120).");
	if (in->contact_email && in->contact_email[0] &&
	    (strchr(in->contact_email, '@') == NULL ||
	    !cmp_text_ok(in->contact_email, 254, 0)))
		return invalid(err, "Enter the contact's e-mail address, such as "
		    "name@example.org.");
	return 0;
}

static void
bind_opt(struct db_stmt *s, int i, const char *v)
{
	if (v != NULL && v[0] != '\0')
		db_bind_text(s, i, v);
	else
		db_bind_null(s, i);
}

#define NZ(x) ((x) ? (x) : "")

static void
bind_fields(struct db_stmt *s, const struct vendor_input *in)
{
	db_bind_text(s, 1, in->name);
	db_bind_text(s, 2, NZ(in->services));
	db_bind_text(s, 3, NZ(in->phi));
	db_bind_text(s, 4, in->baa_status);
	bind_opt(s, 5, in->effective_on);
	bind_opt(s, 6, in->expires_on);
	db_bind_i64(s, 7, in->review_months);
	db_bind_text(s, 8, NZ(in->contact_name));
	db_bind_text(s, 9, NZ(in->contact_email));
	db_bind_text(s, 10, NZ(in->contact_phone));
	db_bind_i64(s, 11, time_now_ms());
}

static int
insert_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    const struct vendor_input *in, const char *integration, int64_t *id)
{
	char ret[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "INSERT INTO vendors (name, services, phi, "
	    "baa_status, effective_on, expires_on, review_months, contact_name, "
	    "contact_email, contact_phone, updated_at, created_at, practice_id, "
	    "integration, retain_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?) RETURNING id")) != 0)
		return rc;
	bind_fields(s, in);
	db_bind_i64(s, 12, time_now_ms());
	db_bind_i64(s, 13, pid);
	bind_opt(s, 14, integration);
	db_bind_text(s, 15, caldate_format(compliance_retain_until(
	    caldate_from_days(time_now_ms() / 86400000)), ret));
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW)
		return rc < 0 ? rc : ALC_EDB;
	return cmp_audit_obj(c, pid, who, "CREATE", "vendor", *id,
	    integration ? "{\"change\":\"integration\"}" :
	    "{\"change\":\"created\"}");
}

int
vendor_create(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const struct vendor_input *in,
    int64_t *id, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((rc = check_input(in, err)) != 0)
		return rc;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = insert_in(c, practice_id, who, in, NULL, id)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
update_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    int64_t id, const struct vendor_input *in)
{
	char detail[80];
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, "UPDATE vendors SET name = ?, services = ?, "
	    "phi = ?, baa_status = ?, effective_on = ?, expires_on = ?, "
	    "review_months = ?, contact_name = ?, contact_email = ?, "
	    "contact_phone = ?, updated_at = ? WHERE practice_id = ? AND id = ? "
	    "AND status = 'active'")) != 0)
		return rc;
	bind_fields(s, in);
	db_bind_i64(s, 12, pid);
	db_bind_i64(s, 13, id);
	rc = db_step(s);
	if (rc == DB_DONE && db_changes(s) == 0)
		rc = ALC_ENOTFOUND;
	db_stmt_done(s);
	if (rc != DB_DONE)
		return rc < 0 ? rc : ALC_EDB;
	snprintf(detail, sizeof(detail), "{\"change\":\"edited\","
	    "\"baa\":\"%s\"}", in->baa_status);
	return cmp_audit_obj(c, pid, who, "UPDATE", "vendor", id, detail);
}

int
vendor_update(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct vendor_input *in, struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((rc = check_input(in, err)) != 0)
		return rc;
	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = update_in(c, practice_id, who, id, in)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

static int
retire_in(struct db_conn *c, int64_t pid, const struct compliance_actor *who,
    int64_t id, struct caldate today)
{
	char ret[CALDATE_TEXT_SIZE];
	struct db_stmt *s;
	int rc;

	/* A configured integration keeps its row: sync would only add it
	 * again, and its BAA status gates what goes through it. */
	if ((rc = db_prepare(c, &s, "UPDATE vendors SET status = 'retired', "
	    "retired_at = ?, retain_until = ?, updated_at = ? WHERE practice_id "
	    "= ? AND id = ? AND status = 'active' AND integration IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, time_now_ms());
	db_bind_text(s, 2, caldate_format(compliance_retain_until(today), ret));
	db_bind_i64(s, 3, time_now_ms());
	db_bind_i64(s, 4, pid);
	db_bind_i64(s, 5, id);
	rc = db_step(s);
	if (rc == DB_DONE && db_changes(s) == 0)
		rc = ALC_ECONFLICT;
	db_stmt_done(s);
	if (rc != DB_DONE)
		return rc < 0 ? rc : ALC_EDB;
	return cmp_audit_obj(c, pid, who, "UPDATE", "vendor", id,
	    "{\"change\":\"retired\"}");
}

int
vendor_retire(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, struct caldate today,
    struct alc_err *err)
{
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, err)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = retire_in(c, practice_id, who, id, today)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	if (rc == ALC_ECONFLICT)
		alc_err_set_user(err, rc, "This vendor is an integration Alcove "
		    "uses, or already retired: it cannot be retired.",
		    "vendor: not retirable");
	return rc;
}

#define VENDOR_COLS "SELECT id, name, services, phi, baa_status, " \
	"effective_on, expires_on, review_months, contact_name, " \
	"contact_email, contact_phone, integration, status, retain_until, " \
	"updated_at FROM vendors WHERE practice_id = ? "

static int
read_vendor(struct db_stmt *s, struct arena *a, struct vendor *v)
{
	memset(v, 0, sizeof(*v));
	v->id = db_col_i64(s, 0);
	v->f.name = cmp_col(a, s, 1);
	v->f.services = cmp_col(a, s, 2);
	v->f.phi = cmp_col(a, s, 3);
	v->f.baa_status = cmp_col(a, s, 4);
	v->f.effective_on = cmp_col(a, s, 5);
	v->f.expires_on = cmp_col(a, s, 6);
	v->f.review_months = (int)db_col_i64(s, 7);
	v->f.contact_name = cmp_col(a, s, 8);
	v->f.contact_email = cmp_col(a, s, 9);
	v->f.contact_phone = cmp_col(a, s, 10);
	v->integration = db_col_is_null(s, 11) ? NULL : cmp_col(a, s, 11);
	v->retired = strcmp(db_col_text(s, 12), "retired") == 0;
	v->retain_until = cmp_col(a, s, 13);
	v->updated_at = db_col_i64(s, 14);
	return v->f.name && v->f.contact_phone && v->retain_until ? 0 :
	    ALC_ENOMEM;
}

static int
query(struct db *db, struct arena *a, const char *sql, const int64_t *b,
    int nb, struct vendor *out, size_t max, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc, i;

	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, sql)) == 0) {
		for (i = 0; i < nb; i++)
			db_bind_i64(s, i + 1, b[i]);
		while (*n < max && (rc = db_step(s)) == DB_ROW)
			if ((rc = read_vendor(s, a, &out[(*n)++])) != 0)
				break;
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

int
vendor_get(struct db *db, struct arena *a, int64_t practice_id, int64_t id,
    struct vendor *out)
{
	int64_t b[2] = {practice_id, id};
	size_t n;
	int rc;

	if ((rc = query(db, a, VENDOR_COLS "AND id = ?", b, 2, out, 1, &n)) != 0)
		return rc;
	return n == 1 ? 0 : ALC_ENOTFOUND;
}

int
vendor_list(struct db *db, struct arena *a, int64_t practice_id,
    int with_retired, struct vendor **out, size_t *n)
{
	int64_t b[2] = {practice_id, with_retired ? 1 : 0};

	if ((*out = arena_alloc(a, VENDOR_MAX_LIST * sizeof(**out))) == NULL)
		return ALC_ENOMEM;
	return query(db, a, VENDOR_COLS "AND (status = 'active' OR ? = 1) "
	    "ORDER BY status, name, id", b, 2, *out, VENDOR_MAX_LIST, n);
}

enum vendor_expiry
vendor_expiry(const struct vendor *v, struct caldate today)
{
	struct caldate e;

	if (strcmp(v->f.baa_status, "expired") == 0)
		return VENDOR_EXPIRED;
	if (strcmp(v->f.baa_status, "signed") != 0 ||
	    caldate_parse(v->f.expires_on, &e) != 0)
		return VENDOR_OK;
	if (caldate_cmp(e, today) < 0)
		return VENDOR_EXPIRED;
	return caldate_diff(today, e) <= VENDOR_EXPIRY_WARN_DAYS ?
	    VENDOR_EXPIRING : VENDOR_OK;
}

/* The host of an smtp:// or smtps:// URL into out. */
static void
url_host(const char *url, char *out, size_t outsz)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p ? p + 3 : url;
	if (strchr(p, '@') != NULL)
		p = strchr(p, '@') + 1;
	n = strcspn(p, ":/");
	snprintf(out, outsz, "%.*s", (int)(n < 200 ? n : 200), p);
}

static int
sync_one(struct db_conn *c, int64_t pid, const char *key, const char *name,
    const char *services, size_t *added)
{
	struct compliance_actor sys = {NULL, 0};
	struct vendor_input in;
	struct db_stmt *s;
	int64_t id = 0;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT 1 FROM vendors WHERE practice_id = "
	    "? AND integration = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, key);
	rc = db_step(s);
	db_stmt_done(s);
	if (rc != DB_DONE)
		return rc == DB_ROW ? 0 : rc;
	memset(&in, 0, sizeof(in));
	in.name = name;
	in.services = services;
	in.phi = "Whatever PHI Alcove sends through it: check before turning "
	    "on messages that carry PHI.";
	in.baa_status = "none";
	in.review_months = 12;
	if ((rc = insert_in(c, pid, &sys, &in, key, &id)) == 0 && added)
		(*added)++;
	return rc;
}

int
vendors_sync_integrations(struct db *db, int64_t practice_id,
    const struct config *cfg, size_t *added)
{
	char host[256], name[300];
	struct db_conn *c;
	int rc = 0;

	if (added)
		*added = 0;
	if (cfg == NULL || cfg->smtp.url == NULL || cfg->smtp.url[0] == '\0')
		return 0;
	url_host(cfg->smtp.url, host, sizeof(host));
	snprintf(name, sizeof(name), "E-mail provider (SMTP: %s)", host);
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) == 0 &&
	    (rc = sync_one(c, practice_id, "smtp", name, "Delivers the e-mail "
	    "Alcove sends (smtp.url in the configuration).", added)) == 0)
		rc = db_commit(c);
	if (rc != 0)
		db_rollback(c);
	db_release(c);
	return rc;
}

/* The active row of an integration; *n 0 when there is none. */
static int
by_integration(struct db *db, struct arena *a, int64_t pid, const char *key,
    struct vendor *v, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, VENDOR_COLS "AND integration = ? AND "
	    "status = 'active'")) == 0) {
		db_bind_i64(s, 1, pid);
		db_bind_text(s, 2, key);
		if ((rc = db_step(s)) == DB_ROW && (rc = read_vendor(s, a, v)) ==
		    0)
			*n = 1;
		db_stmt_done(s);
		rc = rc < 0 ? rc : 0;
	}
	db_release(c);
	return rc;
}

int
vendors_baa_ok(struct db *db, int64_t practice_id, const char *integration,
    struct alc_err *err)
{
	struct caldate today = caldate_from_days(time_now_ms() / 86400000);
	struct arena *a;
	struct vendor v;
	size_t n = 0;
	int rc;

	if (integration == NULL)
		return ALC_EINVAL;
	if ((a = arena_new()) == NULL)
		return ALC_ENOMEM;
	rc = by_integration(db, a, practice_id, integration, &v, &n);
	if (rc == 0 && (n == 0 || strcmp(v.f.baa_status, "signed") != 0 ||
	    vendor_expiry(&v, today) == VENDOR_EXPIRED))
		rc = alc_err_set_user(err, ALC_EPERM, n ? arena_printf(a,
		    "Blocked: sending PHI to %s needs a signed BAA.", v.f.name) :
		    "Blocked: sending PHI through this integration needs a "
		    "signed BAA.", "vendor: no signed BAA for %s", integration);
	arena_free(a);
	return rc;
}
