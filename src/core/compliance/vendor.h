/*
 * vendor.h - the vendor and business associate agreement inventory
 * (45 CFR 164.308(b), 164.502(e), 164.504(e); issue #8).
 *
 * A vendor has the services it provides, what PHI it receives, the status
 * of its BAA (none, requested, pending, signed, expired, terminated), the
 * BAA's effective and expiry dates, a review cycle and a contact.  A
 * signed BAA past its expiry date counts as expired; one expiring within
 * VENDOR_EXPIRY_WARN_DAYS is flagged.
 *
 * Alcove's own integrations are vendors too (DESIGN.md 1: "a new
 * integration appears in the vendor/BAA inventory"): vendors_sync_
 * integrations() creates a row marked with the integration's key for each
 * one the configuration turns on (today: "smtp" when smtp.url is set; the
 * configuration has no backup target, SMS, clearinghouse, payment or TURN
 * keys yet - each gets a line in sync when it does).  Such rows are
 * edited like any other but cannot be retired while configured.
 *
 * The gate: vendors_baa_ok() says whether PHI may be sent through an
 * integration: only with a signed, unexpired BAA on its row.  Alcove sends
 * no PHI by e-mail today (reminders and password resets carry none), so
 * no sender calls it yet; whatever first sends PHI through an integration
 * must call it and refuse when it fails, showing err->user.
 *
 * Vendors are retired, never deleted; each change writes its audit event
 * (object_type "vendor") in its transaction.
 */
#ifndef ALC_CORE_COMPLIANCE_VENDOR_H
#define ALC_CORE_COMPLIANCE_VENDOR_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct alc_err;
struct arena;
struct compliance_actor;
struct config;
struct db;

#define VENDOR_NAME_MAX 200
#define VENDOR_TEXT_MAX 2000
#define VENDOR_MAX_LIST 500
#define VENDOR_EXPIRY_WARN_DAYS 60

/* "none" ... "terminated" and their labels. */
extern const char *const vendor_baa_names[6];
extern const char *const vendor_baa_labels[6];

struct vendor_input {
	const char *name;          /* required */
	const char *services, *phi;
	const char *baa_status;    /* one of vendor_baa_names */
	const char *effective_on, *expires_on; /* "YYYY-MM-DD" or "" */
	int review_months;         /* 1..120 */
	const char *contact_name, *contact_email, *contact_phone;
};

struct vendor {
	int64_t id;
	struct vendor_input f;
	const char *integration;   /* NULL: added by the practice */
	int retired;
	const char *retain_until;
	int64_t updated_at;
};

enum vendor_expiry {
	VENDOR_OK,
	VENDOR_EXPIRING, /* within VENDOR_EXPIRY_WARN_DAYS */
	VENDOR_EXPIRED,  /* status expired, or signed and past expires_on */
};

int vendor_create(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const struct vendor_input *in,
    int64_t *id, struct alc_err *err);
int vendor_update(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct vendor_input *in, struct alc_err *err);
/* ALC_ECONFLICT for a configured integration or a retired vendor. */
int vendor_retire(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, struct caldate today,
    struct alc_err *err);
int vendor_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct vendor *out);
/* Active vendors (and retired ones when with_retired), by name. */
int vendor_list(struct db *db, struct arena *a, int64_t practice_id,
    int with_retired, struct vendor **out, size_t *n);
enum vendor_expiry vendor_expiry(const struct vendor *v, struct caldate today);

/* Creates the missing integration rows for cfg (audited as the system).
 * *added (may be NULL) gets how many. */
int vendors_sync_integrations(struct db *db, int64_t practice_id,
    const struct config *cfg, size_t *added);
/* 0 when PHI may go through `integration` ("smtp" ...): its vendor row
 * has a signed BAA that has not expired on today's date (UTC).
 * ALC_EPERM otherwise, err->user saying "Blocked: sending PHI to X needs
 * a signed BAA." */
int vendors_baa_ok(struct db *db, int64_t practice_id,
    const char *integration, struct alc_err *err);

#endif
