/*
 * policy.h - the practice's written policies, their published versions
 * and the staff's attestations (45 CFR 164.316(a)-(b), 164.530(i)-(j),
 * 164.308(a)(5); issue #8).
 *
 * A policy has a title, an owner (a staff member), a review cycle in
 * months, a status (draft, published, retired) and a working draft text
 * in markdown.  Publishing copies the draft into a new, numbered version
 * (1, 2, ...) with its effective date, a change summary, who published it
 * and when, and the SHA-256 of its text.  A published version never
 * changes: the database itself refuses UPDATE and DELETE on
 * policy_versions (0017_policies_training.sql), so the record of what
 * staff were asked to read cannot be rewritten.
 *
 * Attestation: publishing a version starts a round for everyone who is
 * active staff of the practice (counted when the report is read, so a
 * person who joins later owes the current version too).  Each attests to
 * one exact version ("I have read and understood version N"), recorded
 * with the time and the version's hash; attesting to anything but the
 * current version is refused (ALC_ECONFLICT), so a new version resets the
 * round while the attestations to older versions stay on record.
 *
 * Starter policies: data/policies/KEY.md, embedded at build time (symbol
 * policy_templates; the first line "# Title" is the title).  Adopting one
 * creates a draft the practice then edits and publishes.
 *
 * Policies are retired, never deleted; every change writes its audit
 * event (object_type "policy"; attestations "policy_attestation") in its
 * transaction.  Strings in results come from the caller's arena.
 */
#ifndef ALC_CORE_COMPLIANCE_POLICY_H
#define ALC_CORE_COMPLIANCE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "base/caldate.h"

struct alc_err;
struct arena;
struct compliance_actor;
struct db;

#define POLICY_TITLE_MAX 200
#define POLICY_TEXT_MAX 100000
#define POLICY_SUMMARY_MAX 1000
#define POLICY_MAX_LIST 500

/* A starter text. */
struct policy_template {
	const char *key;   /* "minimum-necessary" */
	const char *title; /* from its first line */
	const char *body;  /* the whole markdown text */
};

size_t policy_template_count(void);
/* Template i (0..count-1), in key order; title allocated from a. */
int policy_template_get(struct arena *a, size_t i,
    struct policy_template *out);

struct policy_input {
	const char *title;
	int64_t owner_id;  /* an active staff member of the practice */
	int review_months; /* 1..120 */
	const char *draft; /* markdown; may be "" */
};

struct policy {
	int64_t id;
	struct policy_input f;
	const char *owner_name, *status, *template_key, *retain_until;
	int current_version; /* 0: never published */
	/* The version loaded: the current one unless another was asked for
	 * (version 0, version_id 0: none published). */
	int version;
	int64_t version_id;
	const char *body, *body_hash, *effective_on, *summary;
	const char *published_by_name;
	int64_t published_at;
};

/* One policy on the list, with the attestation count of its current
 * version and whether `uid` (policy_list's) has attested to it. */
struct policy_row {
	int64_t id;
	const char *title, *status, *effective_on, *owner_name;
	int current_version;
	int64_t attested, staff;
	int mine; /* 1: uid attested to the current version */
};

/* One staff member on a policy's attestation report. */
struct policy_attest_row {
	int64_t user_id;
	const char *name, *email;
	int64_t attested_at;  /* 0: has not attested to the current version */
	int last_version;     /* the latest version they attested to (0: none) */
};

/* Creates a draft from template `key` (NULL or "": a blank policy named
 * "New policy"), owned by the actor.  ALC_ENOTFOUND for an unknown key. */
int policy_adopt(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, const char *key, int64_t *id,
    struct alc_err *err);
/* Changes title, owner, review cycle and draft.  ALC_EINVAL with
 * err->user; ALC_ENOTFOUND for a retired or absent policy. */
int policy_update(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id,
    const struct policy_input *in, struct alc_err *err);
/* Publishes the draft as the next version, effective on `effective_on`
 * ("YYYY-MM-DD").  ALC_EINVAL for an empty draft or bad date;
 * ALC_ECONFLICT when the draft equals the current version.  *version gets
 * the new number. */
int policy_publish(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, const char *effective_on,
    const char *summary, int *version, struct alc_err *err);
int policy_retire(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, struct alc_err *err);
/* The actor attests to `version` of policy id.  ALC_ECONFLICT when that
 * is not the current version; 0 (nothing new) when already attested. */
int policy_attest(struct db *db, int64_t practice_id,
    const struct compliance_actor *who, int64_t id, int version,
    struct alc_err *err);

/* A policy with its current version (or `version` when > 0). */
int policy_get(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, int version, struct policy *out);
/* When uid attested to version_id: *at (0: not yet). */
int policy_attested_at(struct db *db, int64_t practice_id,
    int64_t version_id, int64_t uid, int64_t *at);
int policy_list(struct db *db, struct arena *a, int64_t practice_id,
    int64_t uid, int with_retired, struct policy_row **out, size_t *n);
/* Every active staff member and their attestation to the current
 * version, those who have not attested first, then by name. */
int policy_report(struct db *db, struct arena *a, int64_t practice_id,
    int64_t id, struct policy_attest_row **out, size_t *n);
/* How many published policies uid has not attested to (current
 * versions). */
int policy_pending(struct db *db, int64_t practice_id, int64_t uid,
    int64_t *n);

#endif
