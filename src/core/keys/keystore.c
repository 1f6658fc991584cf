/*
 * keystore.c - opening the keystore, the key cache, creating data keys.
 *
 * Cache.  Unwrapping a key costs a database round trip, so each key is
 * unwrapped once and kept (by id) until keystore_close.  A key's bytes
 * never change for its id (rows are never deleted, so SQLite cannot reuse
 * an id either), which makes the id cache safe forever; only "which key
 * is active" can change (rotation), and that mapping is re-read after
 * KEYSTORE_ACTIVE_TTL_MS.  Entries are allocated one by one and never
 * moved, so callers use a key without holding the lock; the lock is held
 * only to search and append, never across database calls.  The lists are
 * searched linearly: an installation has five keys per practice, and even
 * a hosted installation of a hundred practices searches a few hundred
 * entries in well under a microsecond.
 *
 * Creating a key.  Its wrap binds the row id, which the database assigns
 * on insert; so the row is inserted with a one-byte placeholder, the id
 * read back with RETURNING, and the wrapped key written with an UPDATE in
 * the same transaction: no other connection ever sees the placeholder.
 * Two processes ensuring the same practice at once collide on the partial
 * unique index (or on the SQLite write lock); the loser rolls back and
 * tries again, finding the winner's keys.
 */
#include "core/keys/keystore_impl.h"
#include "crypto/random.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

#define ACQUIRE_MS 10000
#define ENSURE_ATTEMPTS 5

static const char *const purpose_names[KS_PURPOSE_COUNT] = {
	[KS_GENERAL] = "general",
	[KS_PSYCHOTHERAPY] = "psychotherapy",
	[KS_PART2] = "part2",
	[KS_BLIND_INDEX] = "blind_index",
	[KS_BACKUP] = "backup",
};

const char *
keystore_purpose_name(enum keystore_purpose p)
{
	return (unsigned)p < KS_PURPOSE_COUNT ? purpose_names[p] : NULL;
}

static int
purpose_parse(const char *s, enum keystore_purpose *p)
{
	int i;

	for (i = 0; s != NULL && i < KS_PURPOSE_COUNT; i++)
		if (strcmp(s, purpose_names[i]) == 0) {
			*p = (enum keystore_purpose)i;
			return 0;
		}
	return ALC_EINVAL;
}

const char *
keystore_key_source(const struct keystore *ks)
{
	return ks->source;
}

const char *
keystore_master_key_id(const struct keystore *ks)
{
	return ks->master_id;
}

/* Refuses a master key other than the one that wrapped existing keys. */
static int
check_master(struct keystore *ks, struct alc_err *err)
{
	struct db_conn *c;
	struct db_stmt *s = NULL;
	int rc;

	if ((c = db_acquire(ks->db, ACQUIRE_MS, err)) == NULL)
		return err != NULL && err->code ? err->code : ALC_EDB;
	if ((rc = db_prepare(c, &s, "SELECT master_key_id FROM data_keys "
	    "WHERE master_key_id <> ? ORDER BY id LIMIT 1")) != 0) {
		rc = alc_err_set(err, ALC_EDB, "reading data_keys: %s",
		    db_errmsg(c));
		goto out;
	}
	db_bind_text(s, 1, ks->master_id);
	if ((rc = db_step(s)) == DB_ROW)
		rc = alc_err_set_user(err, ALC_ECRYPTO, "The master key does not "
		    "match this database.", "the master key from the %s (id %s) "
		    "is not the one that wrapped this database's data keys "
		    "(id %s); start Alcove with the master key this database "
		    "was created with", ks->source, ks->master_id,
		    db_col_text(s, 0));
	else if (rc < 0)
		rc = alc_err_set(err, rc, "reading data_keys: %s",
		    db_errmsg(c));
	db_stmt_done(s);
out:
	db_release(c);
	return rc;
}

struct keystore *
keystore_open(struct db *db, const char *master_key_file,
    struct alc_err *err)
{
	struct keystore *ks;

	if (crypto_init() != 0) {
		alc_err_set(err, ALC_ECRYPTO, "libsodium could not start");
		return NULL;
	}
	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		alc_err_set(err, ALC_ENOMEM, "out of memory");
		return NULL;
	}
	ks->db = db;
	pthread_mutex_init(&ks->mu, NULL);
	if ((ks->master = aead_key_alloc()) == NULL) {
		alc_err_set(err, ALC_ENOMEM, "no memory for the master key");
		goto fail;
	}
	if (ks_master_load(master_key_file, ks->master, &ks->source, err) != 0)
		goto fail;
	ks_master_fingerprint(ks->master, ks->master_id);
	aead_key_readonly(ks->master);
	if (check_master(ks, err) != 0)
		goto fail;
	log_info("master key loaded", "source=%s master_key_id=%s", ks->source,
	    ks->master_id);
	return ks;
fail:
	keystore_close(ks);
	return NULL;
}

void
keystore_close(struct keystore *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->nkeys; i++) {
		aead_key_free(ks->keys[i]->key);
		free(ks->keys[i]);
	}
	free(ks->keys);
	free(ks->active);
	aead_key_free(ks->master);
	pthread_mutex_destroy(&ks->mu);
	free(ks);
}

/* Caller holds ks->mu. */
static const struct ks_key *
find_key(const struct keystore *ks, int64_t id)
{
	size_t i;

	for (i = 0; i < ks->nkeys; i++)
		if (ks->keys[i]->id == id)
			return ks->keys[i];
	return NULL;
}

static void
key_free(struct ks_key *k)
{
	if (k != NULL) {
		aead_key_free(k->key);
		free(k);
	}
}

/* Reads and unwraps key id into a new *out. */
static int
load_key(struct keystore *ks, struct db_conn *c, int64_t id,
    struct ks_key **out)
{
	struct db_stmt *s = NULL;
	struct ks_key *k = NULL;
	const void *w;
	size_t wlen;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT COALESCE(practice_id, 0), purpose, "
	    "wrapped, master_key_id FROM data_keys WHERE id = ?")) != 0)
		return rc;
	db_bind_i64(s, 1, id);
	if ((rc = db_step(s)) != DB_ROW) {
		rc = rc < 0 ? rc : ALC_ENOTFOUND;
		goto out;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->key = aead_key_alloc()) == NULL) {
		rc = ALC_ENOMEM;
		goto out;
	}
	k->id = id;
	k->practice_id = db_col_i64(s, 0);
	w = db_col_blob(s, 2, &wlen);
	if (purpose_parse(db_col_text(s, 1), &k->purpose) != 0 ||
	    strcmp(db_col_text(s, 3) ? db_col_text(s, 3) : "",
	    ks->master_id) != 0 ||
	    aead_unwrap(ks->master, id, k->practice_id,
	    purpose_names[k->purpose], w, wlen, k->key) != 0) {
		log_error("data key cannot be unwrapped", "key_id=%lld "
		    "master_key_id=%s", (long long)id, ks->master_id);
		rc = ALC_ECRYPTO;
		goto out;
	}
	aead_key_readonly(k->key);
	*out = k;
	k = NULL;
	rc = 0;
out:
	db_stmt_done(s);
	key_free(k);
	return rc;
}

/* Appends k to the cache unless another thread was first; returns the
 * cached entry (k is freed when it lost the race) or NULL (no memory). */
static const struct ks_key *
cache_key(struct keystore *ks, struct ks_key *k)
{
	const struct ks_key *found;
	struct ks_key **nk;
	size_t cap;

	pthread_mutex_lock(&ks->mu);
	if ((found = find_key(ks, k->id)) != NULL)
		goto out;
	if (ks->nkeys == ks->capkeys) {
		cap = ks->capkeys ? 2 * ks->capkeys : 16;
		if ((nk = realloc(ks->keys, cap * sizeof(*nk))) == NULL)
			goto out;
		ks->keys = nk;
		ks->capkeys = cap;
	}
	ks->keys[ks->nkeys++] = k;
	found = k;
	k = NULL;
out:
	pthread_mutex_unlock(&ks->mu);
	key_free(k);
	return found;
}

int
ks_key_by_id(struct keystore *ks, int64_t id, const struct ks_key **out)
{
	struct db_conn *c;
	struct ks_key *k = NULL;
	struct alc_err err;
	int rc;

	pthread_mutex_lock(&ks->mu);
	*out = find_key(ks, id);
	pthread_mutex_unlock(&ks->mu);
	if (*out != NULL)
		return 0;
	if ((c = db_acquire(ks->db, ACQUIRE_MS, &err)) == NULL) {
		log_error("keystore: no database connection", "key_id=%lld",
		    (long long)id);
		return ALC_EDB;
	}
	rc = load_key(ks, c, id, &k);
	db_release(c);
	if (rc != 0)
		return rc;
	return (*out = cache_key(ks, k)) != NULL ? 0 : ALC_ENOMEM;
}

/* Reads the id of the active key of (practice_id, purpose). */
static int
query_active(struct db_conn *c, int64_t practice_id,
    enum keystore_purpose p, int64_t *id)
{
	struct db_stmt *s = NULL;
	int rc;

	if ((rc = db_prepare(c, &s, "SELECT id FROM data_keys WHERE "
	    "COALESCE(practice_id, 0) = ? AND purpose = ? AND "
	    "status = 'active'")) != 0)
		return rc;
	db_bind_i64(s, 1, practice_id);
	db_bind_text(s, 2, purpose_names[p]);
	if ((rc = db_step(s)) == DB_ROW)
		*id = db_col_i64(s, 0);
	db_stmt_done(s);
	return rc == DB_ROW ? 0 : rc < 0 ? rc : ALC_ENOTFOUND;
}

/* Caller holds ks->mu. */
static struct ks_active *
find_active(struct keystore *ks, int64_t practice_id, enum keystore_purpose p)
{
	size_t i;

	for (i = 0; i < ks->nactive; i++)
		if (ks->active[i].practice_id == practice_id &&
		    ks->active[i].purpose == p)
			return &ks->active[i];
	return NULL;
}

/* Records (practice_id, p) -> id as read at time now. */
static void
remember_active(struct keystore *ks, int64_t practice_id,
    enum keystore_purpose p, int64_t id, int64_t now)
{
	struct ks_active *a, *na;
	size_t cap;

	pthread_mutex_lock(&ks->mu);
	if ((a = find_active(ks, practice_id, p)) == NULL) {
		if (ks->nactive == ks->capactive) {
			cap = ks->capactive ? 2 * ks->capactive : 16;
			if ((na = realloc(ks->active, cap * sizeof(*na))) == NULL)
				goto out; /* merely not cached */
			ks->active = na;
			ks->capactive = cap;
		}
		a = &ks->active[ks->nactive++];
		a->practice_id = practice_id;
		a->purpose = p;
	}
	a->key_id = id;
	a->checked_ms = now;
out:
	pthread_mutex_unlock(&ks->mu);
}

int
ks_active_key(struct keystore *ks, int64_t practice_id,
    enum keystore_purpose p, const struct ks_key **out)
{
	const struct ks_active *a;
	struct db_conn *c;
	struct alc_err err;
	int64_t now = time_mono_ms(), id = 0;
	int rc;

	pthread_mutex_lock(&ks->mu);
	a = find_active(ks, practice_id, p);
	if (a != NULL && now - a->checked_ms < KEYSTORE_ACTIVE_TTL_MS)
		id = a->key_id;
	pthread_mutex_unlock(&ks->mu);
	if (id == 0) {
		if ((c = db_acquire(ks->db, ACQUIRE_MS, &err)) == NULL)
			return ALC_EDB;
		rc = query_active(c, practice_id, p, &id);
		db_release(c);
		if (rc != 0)
			return rc;
		remember_active(ks, practice_id, p, id, now);
	}
	return ks_key_by_id(ks, id, out);
}

/* Creates the active key of (practice_id, p) on c unless it exists. */
static int
ensure_key(struct keystore *ks, struct db_conn *c, int64_t practice_id,
    enum keystore_purpose p, int64_t now)
{
	static const unsigned char placeholder[1];
	unsigned char wrapped[AEAD_WRAPPED_BYTES];
	unsigned char *dk = NULL;
	struct db_stmt *s = NULL;
	int64_t id = 0;
	int rc;

	if ((rc = query_active(c, practice_id, p, &id)) != ALC_ENOTFOUND)
		return rc;
	if ((dk = aead_key_alloc()) == NULL)
		return ALC_ENOMEM;
	rand_bytes(dk, AEAD_KEY_BYTES);
	if ((rc = db_prepare(c, &s, "INSERT INTO data_keys (practice_id, "
	    "purpose, wrapped, master_key_id, status, created_at) VALUES "
	    "(?, ?, ?, ?, 'active', ?) RETURNING id")) != 0)
		goto out;
	if (practice_id > 0)
		db_bind_i64(s, 1, practice_id);
	else
		db_bind_null(s, 1);
	db_bind_text(s, 2, purpose_names[p]);
	db_bind_blob(s, 3, placeholder, sizeof(placeholder));
	db_bind_text(s, 4, ks->master_id);
	db_bind_i64(s, 5, now);
	if ((rc = db_step(s)) == DB_ROW)
		id = db_col_i64(s, 0);
	db_stmt_done(s);
	if (rc != DB_ROW) {
		rc = rc < 0 ? rc : ALC_EDB;
		goto out;
	}
	if ((rc = aead_wrap(ks->master, id, practice_id, purpose_names[p], dk,
	    wrapped)) != 0 ||
	    (rc = db_prepare(c, &s, "UPDATE data_keys SET wrapped = ? "
	    "WHERE id = ?")) != 0)
		goto out;
	db_bind_blob(s, 1, wrapped, sizeof(wrapped));
	db_bind_i64(s, 2, id);
	rc = db_step(s);
	db_stmt_done(s);
	rc = rc < 0 ? rc : 0;
	if (rc == 0)
		log_info("data key created", "key_id=%lld practice_id=%lld "
		    "purpose=%s", (long long)id, (long long)practice_id,
		    purpose_names[p]);
out:
	aead_key_free(dk);
	return rc;
}

/* One attempt: every missing key of the practice and the installation. */
static int
ensure_all(struct keystore *ks, struct db_conn *c, int64_t practice_id)
{
	int64_t now = time_now_ms();
	int rc, p;

	if ((rc = db_begin(c)) != 0)
		return rc;
	for (p = 0; p < KS_PURPOSE_COUNT && rc == 0; p++)
		rc = ensure_key(ks, c, p == KS_BACKUP ? 0 : practice_id,
		    (enum keystore_purpose)p, now);
	if (rc == 0)
		rc = db_commit(c);
	if (rc != 0 && db_in_txn(c))
		db_rollback(c);
	return rc;
}

int
keystore_ensure_practice(struct keystore *ks, int64_t practice_id)
{
	struct db_conn *c;
	struct alc_err err;
	int rc = ALC_EBUSY, attempt;

	if (ks == NULL || practice_id < 1)
		return ALC_EINVAL;
	for (attempt = 0; attempt < ENSURE_ATTEMPTS; attempt++) {
		if ((c = db_acquire(ks->db, ACQUIRE_MS, &err)) == NULL) {
			log_error("keystore: no database connection",
			    "practice_id=%lld", (long long)practice_id);
			return ALC_EDB;
		}
		rc = ensure_all(ks, c, practice_id);
		if (rc != 0 && rc != ALC_EEXIST && rc != ALC_EBUSY)
			log_error("keystore: creating data keys failed",
			    "practice_id=%lld code=%d", (long long)practice_id, rc);
		db_release(c);
		if (rc != ALC_EEXIST && rc != ALC_EBUSY)
			break;
	}
	return rc;
}

int
keystore_backup_key(struct keystore *ks, int64_t *key_id,
    unsigned char wrapped[AEAD_WRAPPED_BYTES], unsigned char key[AEAD_KEY_BYTES])
{
	const struct ks_key *k;
	struct db_conn *c;
	struct db_stmt *s = NULL;
	const void *w;
	size_t wlen = 0;
	int rc;

	if ((rc = ks_active_key(ks, 0, KS_BACKUP, &k)) != 0)
		return rc;
	if ((c = db_acquire(ks->db, ACQUIRE_MS, NULL)) == NULL)
		return ALC_EDB;
	if ((rc = db_prepare(c, &s, "SELECT wrapped FROM data_keys WHERE "
	    "id = ?")) != 0)
		goto out;
	db_bind_i64(s, 1, k->id);
	if ((rc = db_step(s)) != DB_ROW) {
		rc = rc < 0 ? rc : ALC_ENOTFOUND;
		goto out;
	}
	w = db_col_blob(s, 0, &wlen);
	if (w == NULL || wlen != AEAD_WRAPPED_BYTES) {
		rc = ALC_ECRYPTO;
		goto out;
	}
	memcpy(wrapped, w, AEAD_WRAPPED_BYTES);
	memcpy(key, k->key, AEAD_KEY_BYTES);
	*key_id = k->id;
	rc = 0;
out:
	db_stmt_done(s);
	db_release(c);
	return rc;
}

int
keystore_unwrap_backup_key(const char *master_key_file, int64_t key_id,
    const unsigned char wrapped[AEAD_WRAPPED_BYTES],
    unsigned char key[AEAD_KEY_BYTES], char master_id[KEYSTORE_MASTER_ID_SIZE],
    struct alc_err *err)
{
	unsigned char *master;
	const char *source;
	int rc;

	if (crypto_init() != 0)
		return alc_err_set(err, ALC_ECRYPTO, "libsodium could not start");
	if ((master = aead_key_alloc()) == NULL)
		return alc_err_set(err, ALC_ENOMEM, "no memory for the master key");
	if ((rc = ks_master_load(master_key_file, master, &source, err)) != 0)
		goto out;
	ks_master_fingerprint(master, master_id);
	if (aead_unwrap(master, key_id, 0, purpose_names[KS_BACKUP], wrapped,
	    AEAD_WRAPPED_BYTES, key) != 0)
		rc = alc_err_set(err, ALC_ECRYPTO, "the master key from the %s "
		    "(id %s) does not open this backup", source, master_id);
out:
	aead_key_free(master);
	return rc;
}
