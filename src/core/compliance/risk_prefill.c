/*
 * risk_prefill.c - what Alcove can answer in the risk analysis itself,
 * with the evidence in plain words (design in risk.h).
 *
 * Each suggestion reads the module that owns the fact: the practice's
 * settings (two-step sign-in, idle sign-out, break-glass), the backups'
 * status, the vendor inventory, the published policies, the training
 * records.  Some are properties of Alcove itself (field encryption at
 * rest, the hash-chained audit trail, HTTPS only, one account per
 * person): true of every installation, and worded so the practice still
 * checks its other systems (laptops, e-mail) before keeping the answer.
 * Suggestions are only suggestions: the person answering sees them
 * marked as prefilled, with the evidence, and may change them.
 */
#include "core/compliance/risk.h"
#include "core/compliance/policy.h"
#include "core/compliance/training.h"
#include "core/compliance/vendor.h"
#include "core/backup/backup.h"
#include "core/practice/settings.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/timeutil.h"

#include <string.h>

static int
say(struct arena *a, struct risk_suggestion *out, const char *answer,
    const char *evidence)
{
	out->answer = answer;
	out->evidence = evidence;
	return evidence != NULL ? 0 : ALC_ENOMEM;
}

static int
from_settings(struct db *db, struct arena *a, int64_t pid, const char *key,
    struct risk_suggestion *out)
{
	struct practice_settings ps;
	int rc;

	if ((rc = settings_get(db, pid, &ps)) != 0)
		return rc;
	if (strcmp(key, "mfa") == 0)
		return ps.mfa_all_staff ? say(a, out, "yes", "Settings: two-step "
		    "sign-in is required for every staff member, owners and "
		    "administrators included.") : say(a, out, "partly",
		    "Settings: two-step sign-in is required for owners and "
		    "administrators, but not for the other staff.");
	if (strcmp(key, "logoff") == 0)
		return say(a, out, "yes", arena_printf(a, "Settings: Alcove signs "
		    "a person out after %d idle minutes. Check that computers "
		    "also lock their screens.", ps.idle_minutes));
	return say(a, out, "yes", arena_printf(a, "Alcove's break-glass "
	    "access lets a clinician open a record outside their care team in "
	    "an emergency, with a stated reason, for %d minutes; each use is "
	    "flagged for review.", ps.break_glass_minutes));
}

static int
from_backups(struct db *db, struct arena *a, int64_t now_ms,
    struct risk_suggestion *out)
{
	struct backup_status bs;
	char when[40];
	int rc;

	if ((rc = backup_status_get(db, &bs)) != 0)
		return rc;
	if (bs.last_ok_at == 0)
		return say(a, out, "no", "Alcove has no record of a good backup.");
	time_format_iso(when, sizeof(when), bs.last_ok_at);
	if (now_ms - bs.last_ok_at <= BACKUP_STALE_MS)
		return say(a, out, "yes", arena_printf(a, "The last good backup of "
		    "Alcove was taken at %s, within the last 48 hours.", when));
	return say(a, out, "partly", arena_printf(a, "The last good backup of "
	    "Alcove was taken at %s, more than 48 hours ago.", when));
}

static int
from_vendors(struct db *db, struct arena *a, int64_t pid, int64_t now_ms,
    struct risk_suggestion *out)
{
	struct caldate today = caldate_from_days(now_ms / 86400000);
	const char *names = "";
	struct vendor *v;
	size_t n, i, phi = 0, missing = 0;
	int rc;

	if ((rc = vendor_list(db, a, pid, 0, &v, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (v[i].f.phi == NULL || v[i].f.phi[0] == '\0')
			continue;
		phi++;
		if (strcmp(v[i].f.baa_status, "signed") == 0 &&
		    vendor_expiry(&v[i], today) != VENDOR_EXPIRED)
			continue;
		names = arena_printf(a, "%s%s%s", names, missing ? ", " : "",
		    v[i].f.name);
		missing++;
	}
	if (phi == 0)
		return ALC_ENOTFOUND;
	if (missing == 0)
		return say(a, out, "yes", arena_printf(a, "Vendors: all %zu vendors "
		    "that receive PHI have a signed, current BAA.", phi));
	return say(a, out, "no", arena_printf(a, "Vendors: %zu of %zu vendors "
	    "that receive PHI have no signed, current BAA: %s.", missing, phi,
	    names));
}

static int
from_policies(struct db *db, struct arena *a, int64_t pid,
    struct risk_suggestion *out)
{
	struct policy_row *p;
	size_t n, i, pub = 0;
	int rc;

	if ((rc = policy_list(db, a, pid, 0, 0, &p, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		pub += strcmp(p[i].status, "published") == 0;
	if (pub == 0)
		return say(a, out, "no", "Policies: no policy has been published "
		    "in Alcove yet.");
	return say(a, out, "yes", arena_printf(a, "Policies: %zu published "
	    "policies that every staff member reads and attests to in Alcove.",
	    pub));
}

static int
from_training(struct db *db, struct arena *a, int64_t pid, int64_t now_ms,
    struct risk_suggestion *out)
{
	struct training_overdue *o;
	size_t n;
	int rc;

	if ((rc = training_overdue(db, a, pid, caldate_from_days(now_ms /
	    86400000), &o, &n)) != 0)
		return rc;
	if (n == 0)
		return ALC_ENOTFOUND;
	return say(a, out, "partly", arena_printf(a, "Training: %zu staff "
	    "members are past the new-hire deadline without a training "
	    "record.", n));
}

/* Facts true of every Alcove installation. */
static const struct {
	const char *key, *evidence;
} built_in[] = {
	{"encryption", "Alcove encrypts PHI in its database and its backups "
	    "(XChaCha20-Poly1305); the keys are kept outside the database. "
	    "Check laptops and phones too."},
	{"audit", "Alcove records every read and change of PHI in a "
	    "hash-chained audit trail that can be verified."},
	{"integrity", "Alcove's encrypted fields are authenticated, so an "
	    "altered value is refused, and its audit trail is hash-chained."},
	{"tls", "Alcove is served over HTTPS only (HSTS). Check e-mail and "
	    "other systems too."},
	{"unique", "Every Alcove account belongs to one person, with their "
	    "own password and two-step sign-in; shared accounts are not "
	    "possible."},
};

int
risk_prefill(struct db *db, struct arena *a, int64_t practice_id,
    const char *prefill, int64_t now_ms, struct risk_suggestion *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(built_in) / sizeof(built_in[0]); i++)
		if (strcmp(prefill, built_in[i].key) == 0)
			return say(a, out, "yes", built_in[i].evidence);
	if (strcmp(prefill, "mfa") == 0 || strcmp(prefill, "logoff") == 0 ||
	    strcmp(prefill, "emergency") == 0)
		return from_settings(db, a, practice_id, prefill, out);
	if (strcmp(prefill, "backup") == 0)
		return from_backups(db, a, now_ms, out);
	if (strcmp(prefill, "baa") == 0)
		return from_vendors(db, a, practice_id, now_ms, out);
	if (strcmp(prefill, "policies") == 0)
		return from_policies(db, a, practice_id, out);
	if (strcmp(prefill, "training") == 0)
		return from_training(db, a, practice_id, now_ms, out);
	return ALC_ENOTFOUND;
}
