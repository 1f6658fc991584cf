/*
 * mfa.c - TOTP two-step sign-in and recovery codes (see mfa.h).
 *
 * Codes are computed and checked by crypto/totp.c; this file keeps the
 * secrets and remembers the last step accepted.  Replay protection
 * is a compare-and-set on that step in one UPDATE (`... AND last_step <
 * ?`), so two requests racing with the same code cannot both win, on
 * either engine, without holding a transaction across the check.
 *
 * Recovery codes are 10 characters from a 31-letter alphabet without
 * look-alikes (about 49.5 bits each, from the kernel's CSPRNG), stored as
 * BLAKE2b-256 of "<user id>:<code>" rather than argon2id.  A slow hash
 * exists to protect guessable human secrets; these are not guessable, and
 * online guessing is throttled like passwords.  Offline, 2^49 guesses per
 * code against a stolen database gains nothing without the account's
 * password as well.  A fast hash also lets a code be found and used up
 * with one indexed, atomic UPDATE, instead of ten argon2 verifications
 * (about half a second of CPU) on every attempt.
 *
 * The secret is sealed by the keystore (purpose 'general', table 'mfa',
 * column 'secret', row id = user id) with the key of the practice it was
 * set up from, recorded in the row; load_secret and insert_pending are the
 * only places that see it.
 */
#include "core/users/mfa.h"
#include "base/buf.h"
#include "audit/audit.h"
#include "base/err.h"
#include "core/keys/keystore.h"
#include "crypto/hash.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "crypto/totp.h"
#include "db/db.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MFA_ALLOWANCE 5 /* wrong codes before delays start */
#define RECOVERY_CHARS 10

int
mfa_required_for(unsigned roles, int all_staff)
{
	return (roles & MFA_REQUIRED_ROLES) != 0 || (all_staff && roles != 0);
}

enum session_stage
mfa_session_stage(int sess_mfa, int active, int required)
{
	if (active && !sess_mfa)
		return SESSION_MFA_PENDING;
	if (required && !active)
		return SESSION_MFA_ENROL;
	return SESSION_FULL;
}

/* One integer from a query with one bound integer (0 when no row). */
static int
query_i64(struct db_conn *c, const char *sql, int64_t arg, int64_t *out)
{
	struct db_stmt *s;
	int rc;

	*out = 0;
	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, 1, arg);
	if ((rc = db_step(s)) == DB_ROW)
		*out = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
mfa_required(struct db *db, int64_t practice_id, unsigned roles,
    int *required)
{
	struct db_conn *c;
	int64_t all = 0;
	int rc;

	*required = 0;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = query_i64(c, "SELECT count(*) FROM settings WHERE practice_id = ? "
	    "AND key = 'security.mfa_all_staff' AND value = 'true'",
	    practice_id, &all);
	db_release(c);
	if (rc == 0)
		*required = mfa_required_for(roles, all > 0);
	return rc;
}

static int
status_on(struct db_conn *c, int64_t user_id, struct mfa_status *st)
{
	int64_t left;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = query_i64(c, "SELECT enrolled_at FROM mfa WHERE user_id = ? "
	    "AND status = 'active'", user_id, &st->enrolled_at)) != 0 ||
	    (rc = query_i64(c, "SELECT count(*) FROM mfa_recovery_codes WHERE "
	    "user_id = ? AND used_at IS NULL", user_id, &left)) != 0)
		return rc;
	st->active = st->enrolled_at > 0;
	st->codes_left = (size_t)left;
	return 0;
}

int
mfa_status(struct db *db, int64_t user_id, struct mfa_status *st)
{
	struct db_conn *c;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	rc = status_on(c, user_id, st);
	db_release(c);
	return rc;
}

int
mfa_enabled(struct db *db, int64_t user_id, int *on)
{
	struct mfa_status st;
	int rc;

	rc = mfa_status(db, user_id, &st);
	*on = rc == 0 && st.active;
	return rc;
}

struct secret {
	unsigned char key[MFA_SECRET_BYTES];
	int64_t last_step;
};

/* The user's secret in the given status ("pending" or "active"), opened
 * with the keystore.  ALC_ENOTFOUND when there is none. */
static int
load_secret(struct db_conn *c, struct keystore *ks, int64_t user_id,
    const char *status, struct secret *sec)
{
	struct field_ref ref = {0, KS_GENERAL, "mfa", "secret", user_id};
	struct buf ct, pt;
	struct db_stmt *s;
	const void *p;
	size_t n = 0;
	int rc;

	memset(sec, 0, sizeof(*sec));
	buf_init(&ct, NULL);
	buf_init(&pt, NULL);
	if ((rc = db_prepare(c, &s, "SELECT practice_id, secret, last_step "
	    "FROM mfa WHERE user_id = ? AND status = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, user_id);
	db_bind_text(s, 2, status);
	if ((rc = db_step(s)) == DB_ROW) {
		ref.practice_id = db_col_i64(s, 0);
		if ((p = db_col_blob(s, 1, &n)) != NULL)
			buf_append(&ct, p, n);
		sec->last_step = db_col_i64(s, 2);
	}
	db_stmt_done(s);
	if (rc < 0 || (rc = rc == DB_ROW ? 0 : ALC_ENOTFOUND) != 0)
		goto out;
	if (buf_failed(&ct)) {
		rc = ALC_ENOMEM;
		goto out;
	}
	if ((rc = keystore_open_field(ks, &ref, ct.data, ct.len, &pt)) != 0)
		goto out;
	if (pt.len != MFA_SECRET_BYTES)
		rc = ALC_ECRYPTO;
	else
		memcpy(sec->key, pt.data, MFA_SECRET_BYTES);
out:
	if (pt.data != NULL)
		crypto_wipe(pt.data, pt.len);
	buf_free(&pt);
	buf_free(&ct);
	return rc;
}

/* A new pending secret, sealed, unless the user already has a row. */
static int
insert_pending(struct db_conn *c, struct keystore *ks, int64_t user_id,
    int64_t practice_id, int64_t now_ms)
{
	struct field_ref ref = {practice_id, KS_GENERAL, "mfa", "secret",
	    user_id};
	unsigned char key[MFA_SECRET_BYTES];
	struct db_stmt *s;
	struct buf ct;
	int rc;

	rand_bytes(key, sizeof(key));
	buf_init(&ct, NULL);
	rc = keystore_seal(ks, &ref, key, sizeof(key), &ct);
	crypto_wipe(key, sizeof(key));
	if (rc != 0 || (rc = db_prepare(c, &s, "INSERT INTO mfa (user_id, "
	    "practice_id, secret, status, created_at) VALUES (?, ?, ?, "
	    "'pending', ?) ON CONFLICT (user_id) DO NOTHING")) != 0)
		goto out;
	db_bind_i64(s, 1, user_id);
	db_bind_i64(s, 2, practice_id);
	db_bind_blob(s, 3, ct.data, ct.len);
	db_bind_i64(s, 4, now_ms);
	rc = db_step(s);
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
out:
	buf_free(&ct);
	return rc;
}

int
mfa_enrol_begin(struct db *db, struct keystore *ks, int64_t user_id,
    int64_t practice_id, int64_t now_ms,
    char secret_b32[MFA_SECRET_B32_SIZE])
{
	struct secret sec;
	struct db_conn *c;
	int64_t active;
	int rc;

	secret_b32[0] = '\0';
	memset(&sec, 0, sizeof(sec));
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = query_i64(c, "SELECT count(*) FROM mfa WHERE user_id = ? AND "
	    "status = 'active'", user_id, &active)) != 0 ||
	    (rc = active ? ALC_EEXIST : 0) != 0)
		goto out;
	rc = load_secret(c, ks, user_id, "pending", &sec);
	if (rc == ALC_ENOTFOUND &&
	    (rc = insert_pending(c, ks, user_id, practice_id, now_ms)) == 0)
		rc = load_secret(c, ks, user_id, "pending", &sec);
	if (rc != 0)
		goto out;
	totp_base32(sec.key, sizeof(sec.key), secret_b32);
out:
	crypto_wipe(&sec, sizeof(sec));
	db_release(c);
	return rc;
}

void
mfa_otpauth_uri(struct buf *out, const char *secret_b32, const char *email,
    const char *practice)
{
	totp_uri(out, MFA_ISSUER, practice, email, secret_b32);
}

/* "Ab3de fgh-jk" -> "ab3de-fghjk" if it is shaped like a recovery code. */
static int
recovery_normalize(const char *in, char out[MFA_RECOVERY_SIZE])
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		if (n == RECOVERY_CHARS || strchr(RAND_PASSWORD_ALPHABET,
		    tolower((unsigned char)*in)) == NULL)
			return ALC_EINVAL;
		out[n < 5 ? n : n + 1] = (char)tolower((unsigned char)*in);
		n++;
	}
	if (n != RECOVERY_CHARS)
		return ALC_EINVAL;
	out[5] = '-';
	out[MFA_RECOVERY_SIZE - 1] = '\0';
	return 0;
}

static void
recovery_hash(int64_t user_id, const char *code, char out[HASH_HEX_SIZE])
{
	char in[64];

	snprintf(in, sizeof(in), "%lld:%s", (long long)user_id, code);
	hash_token(in, out);
	crypto_wipe(in, sizeof(in));
}

/* Replaces the user's recovery codes on c (inside the caller's
 * transaction) and returns the new ones in codes. */
static int
replace_codes(struct db_conn *c, int64_t user_id, int64_t now_ms,
    mfa_codes codes)
{
	char h[HASH_HEX_SIZE];
	struct db_stmt *s;
	size_t i, j;
	int rc;

	if ((rc = db_prepare(c, &s, "DELETE FROM mfa_recovery_codes WHERE "
	    "user_id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, user_id);
	rc = db_step(s);
	db_stmt_done(s);
	for (i = 0; rc >= 0 && i < MFA_RECOVERY_COUNT; i++) {
		for (j = 0; j < RECOVERY_CHARS; j++)
			codes[i][j < 5 ? j : j + 1] = RAND_PASSWORD_ALPHABET[
			    rand_uniform(sizeof(RAND_PASSWORD_ALPHABET) - 1)];
		codes[i][5] = '-';
		codes[i][MFA_RECOVERY_SIZE - 1] = '\0';
		recovery_hash(user_id, codes[i], h);
		if ((rc = db_prepare(c, &s, "INSERT INTO mfa_recovery_codes "
		    "(user_id, code_hash, created_at) VALUES (?, ?, ?)")) != 0)
			return rc;
		db_bind_i64(s, 1, user_id);
		db_bind_text(s, 2, h);
		db_bind_i64(s, 3, now_ms);
		rc = db_step(s);
		db_stmt_done(s);
	}
	return rc < 0 ? rc : 0;
}

/* Records step as used unless it (or a later one) already was. */
static int
claim_step(struct db_conn *c, int64_t user_id, int64_t step, int *won)
{
	struct db_stmt *s;
	int rc;

	*won = 0;
	if ((rc = db_prepare(c, &s, "UPDATE mfa SET last_step = ? WHERE "
	    "user_id = ? AND last_step < ?")) != 0)
		return rc;
	db_bind_i64(s, 1, step);
	db_bind_i64(s, 2, user_id);
	db_bind_i64(s, 3, step);
	if ((rc = db_step(s)) >= 0)
		*won = db_changes(s) == 1;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* Uses up a recovery code if it is one of the user's unused ones. */
static int
claim_recovery(struct db_conn *c, int64_t user_id, const char *code,
    int64_t now_ms, int *won)
{
	char norm[MFA_RECOVERY_SIZE], h[HASH_HEX_SIZE];
	struct db_stmt *s;
	int rc;

	*won = 0;
	if (recovery_normalize(code, norm) != 0)
		return 0;
	recovery_hash(user_id, norm, h);
	crypto_wipe(norm, sizeof(norm));
	if ((rc = db_prepare(c, &s, "UPDATE mfa_recovery_codes SET used_at = ? "
	    "WHERE user_id = ? AND code_hash = ? AND used_at IS NULL")) != 0)
		return rc;
	db_bind_i64(s, 1, now_ms);
	db_bind_i64(s, 2, user_id);
	db_bind_text(s, 3, h);
	if ((rc = db_step(s)) >= 0)
		*won = db_changes(s) == 1;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The app code without the spaces people type ("123 456"). */
static void
strip_spaces(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *in && n + 1 < outsz; in++)
		if (*in != ' ')
			out[n++] = *in;
	out[n] = '\0';
}

enum { ALLOW_APP = 1, ALLOW_RECOVERY = 2 };

/* The one path every typed code takes: throttle, check, record.  status
 * names the secret to check against ("pending" while confirming setup);
 * allow says which kinds of code count.  res->outcome says how it went;
 * the return value is only for internal failures (and ALC_ENOTFOUND). */
static int
check_code(struct db_conn *c, struct keystore *ks, int64_t user_id,
    const char *status, const char *code, int allow, int64_t now_ms,
    struct mfa_check *res)
{
	char key[40], app[16];
	struct secret sec;
	int64_t wait, step;
	int rc, won = 0;

	memset(res, 0, sizeof(*res));
	res->outcome = MFA_BAD;
	snprintf(key, sizeof(key), "mfa:%lld", (long long)user_id);
	if ((rc = load_secret(c, ks, user_id, status, &sec)) != 0 ||
	    (rc = auth_throttle_wait(c, key, now_ms, &wait)) != 0)
		goto out;
	if (wait > 0) {
		res->outcome = MFA_LOCKED;
		res->retry_after_s = (int)((wait + 999) / 1000);
		goto out;
	}
	strip_spaces(code ? code : "", app, sizeof(app));
	if ((allow & ALLOW_APP) && totp_code_shape(app)) {
		if (totp_check(sec.key, sizeof(sec.key), now_ms / 1000,
		    sec.last_step, app, &step) == 0 &&
		    (rc = claim_step(c, user_id, step, &won)) != 0)
			goto out;
	} else if ((allow & ALLOW_RECOVERY) && code != NULL) {
		if ((rc = claim_recovery(c, user_id, code, now_ms, &won)) != 0)
			goto out;
		res->used_recovery = won;
	}
	if (won)
		res->outcome = MFA_OK;
	rc = won ? auth_throttle_clear(c, key) :
	    auth_throttle_fail(c, key, MFA_ALLOWANCE, now_ms);
out:
	crypto_wipe(&sec, sizeof(sec));
	crypto_wipe(app, sizeof(app));
	return rc;
}

/* The audit event of an MFA change or of a wrong code, on c: inside the
 * caller's transaction when one is open. */
static int
audit_mfa(struct db_conn *c, const struct audit_event *who, int64_t user_id,
    const char *verb, const char *detail)
{
	struct audit_event ev;
	char id[24];

	if (who != NULL)
		ev = *who;
	else
		memset(&ev, 0, sizeof(ev));
	snprintf(id, sizeof(id), "%lld", (long long)user_id);
	ev.actor_user_id = user_id;
	ev.verb = verb;
	ev.action = 0;
	ev.object_type = "user";
	ev.object_id = id;
	ev.detail = detail;
	if (strcmp(verb, "LOGIN_FAIL") == 0) {
		ev.outcome = AUDIT_MINOR_FAILURE;
		ev.reason = "wrong second-factor code";
	}
	return audit_write(c, &ev);
}

int
mfa_verify(struct db *db, struct keystore *ks, int64_t user_id,
    const char *code, int64_t now_ms, const struct audit_event *who,
    struct mfa_check *res)
{
	struct mfa_status st;
	struct db_conn *c;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = check_code(c, ks, user_id, "active", code,
	    ALLOW_APP | ALLOW_RECOVERY, now_ms, res)) == 0 &&
	    (rc = status_on(c, user_id, &st)) == 0)
		res->codes_left = st.codes_left;
	if (rc == 0 && res->outcome == MFA_BAD)
		rc = audit_mfa(c, who, user_id, "LOGIN_FAIL",
		    "{\"factor\":\"totp\"}");
	db_release(c);
	return rc;
}

int
mfa_enrol_confirm(struct db *db, struct keystore *ks, int64_t user_id,
    const char *code, int64_t now_ms, const struct audit_event *who,
    struct mfa_check *res, mfa_codes codes)
{
	struct db_conn *c;
	struct db_stmt *s;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = check_code(c, ks, user_id, "pending", code, ALLOW_APP,
	    now_ms, res)) != 0 || res->outcome != MFA_OK)
		goto out;
	if ((rc = db_begin(c)) != 0 ||
	    (rc = db_prepare(c, &s, "UPDATE mfa SET status = 'active', "
	    "enrolled_at = ? WHERE user_id = ? AND status = 'pending'")) != 0)
		goto out;
	db_bind_i64(s, 1, now_ms);
	db_bind_i64(s, 2, user_id);
	if ((rc = db_step(s)) >= 0)
		rc = db_changes(s) == 1 ? 0 : ALC_ENOTFOUND;
	db_stmt_done(s);
	if (rc != 0 || (rc = replace_codes(c, user_id, now_ms, codes)) != 0 ||
	    (rc = audit_mfa(c, who, user_id, "MFA_CHANGE",
	    "{\"mfa\":\"on\"}")) != 0)
		goto out;
	if ((rc = db_commit(c)) == 0)
		res->codes_left = MFA_RECOVERY_COUNT;
out:
	db_release(c);
	if (rc != 0 || res->outcome != MFA_OK)
		crypto_wipe(codes, sizeof(mfa_codes));
	return rc;
}

int
mfa_recovery_regenerate(struct db *db, int64_t user_id, int64_t now_ms,
    const struct audit_event *who, mfa_codes codes)
{
	struct db_conn *c;
	int64_t active;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_begin(c)) != 0 ||
	    (rc = query_i64(c, "SELECT count(*) FROM mfa WHERE user_id = ? AND "
	    "status = 'active'", user_id, &active)) != 0 ||
	    (rc = active ? 0 : ALC_ENOTFOUND) != 0 ||
	    (rc = replace_codes(c, user_id, now_ms, codes)) != 0 ||
	    (rc = audit_mfa(c, who, user_id, "MFA_CHANGE",
	    "{\"recovery_codes\":\"replaced\"}")) != 0)
		goto out;
	rc = db_commit(c);
out:
	db_release(c);
	if (rc != 0)
		crypto_wipe(codes, sizeof(mfa_codes));
	return rc;
}

static int
delete_user_rows(struct db_conn *c, const char *sql, int64_t user_id)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, sql)) != 0)
		return rc;
	db_bind_i64(s, 1, user_id);
	rc = db_step(s);
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

int
mfa_disable(struct db *db, struct keystore *ks, int64_t user_id,
    int64_t practice_id, unsigned roles, const char *code, int64_t now_ms,
    const struct audit_event *who, struct mfa_check *res)
{
	struct db_conn *c;
	int rc, required;

	memset(res, 0, sizeof(*res));
	res->outcome = MFA_BAD;
	if ((rc = mfa_required(db, practice_id, roles, &required)) != 0)
		return rc;
	if (required)
		return ALC_EPERM;
	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = check_code(c, ks, user_id, "active", code, ALLOW_APP,
	    now_ms, res)) != 0 || res->outcome != MFA_OK)
		goto out;
	if ((rc = db_begin(c)) != 0 ||
	    (rc = delete_user_rows(c, "DELETE FROM mfa_recovery_codes WHERE "
	    "user_id = ?", user_id)) != 0 ||
	    (rc = delete_user_rows(c, "DELETE FROM mfa WHERE user_id = ?",
	    user_id)) != 0 ||
	    (rc = audit_mfa(c, who, user_id, "MFA_CHANGE",
	    "{\"mfa\":\"off\"}")) != 0)
		goto out;
	rc = db_commit(c);
out:
	db_release(c);
	return rc;
}
