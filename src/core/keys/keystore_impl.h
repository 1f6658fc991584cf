/*
 * keystore_impl.h - what the files of src/core/keys/ share; not for use
 * outside that folder.
 *
 * master.c      where the master key comes from, and its fingerprint
 * keystore.c    open/close, the key cache, creating keys (data_keys)
 * field.c       sealing and opening fields, blind indexes
 * sealed.c      the registry of sealed columns, key status and counts
 * rotate.c      rotation: start or resume, settle, sweep of sealed fields
 * rotate_index.c  rotation: the sweep that recomputes blind indexes
 * rotate_end.c  rotation: retiring unused keys, finishing
 */
#ifndef ALC_CORE_KEYSTORE_IMPL_H
#define ALC_CORE_KEYSTORE_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/keys/keystore.h"
#include "crypto/aead.h"

/* An unwrapped data key.  Never freed or moved before keystore_close, so a
 * pointer to it may be used without holding the keystore's lock. */
struct ks_key {
	int64_t id;
	int64_t practice_id; /* 0: installation-wide */
	enum keystore_purpose purpose;
	unsigned char *key;  /* aead_key_alloc'd, read-only */
};

/* Which key is active for (practice, purpose), and when that was read. */
struct ks_active {
	int64_t practice_id;
	enum keystore_purpose purpose;
	int64_t key_id;
	int64_t checked_ms; /* monotonic */
};

struct keystore {
	struct db *db;
	unsigned char *master; /* aead_key_alloc'd, read-only */
	char master_id[KEYSTORE_MASTER_ID_SIZE];
	const char *source;
	pthread_mutex_t mu; /* guards the two arrays below */
	struct ks_key **keys;
	size_t nkeys, capkeys;
	struct ks_active *active;
	size_t nactive, capactive;
};

/* Loads the master key into key from the first source present (see
 * keystore.h) and sets *source to its name. */
int ks_master_load(const char *file, unsigned char key[AEAD_KEY_BYTES],
    const char **source, struct alc_err *err);
/* 16 hex digits of keyed BLAKE2b: names the key, reveals nothing of it. */
void ks_master_fingerprint(const unsigned char key[AEAD_KEY_BYTES],
    char out[KEYSTORE_MASTER_ID_SIZE]);

/* The key with this id, loaded and unwrapped on first use.  ALC_ENOTFOUND,
 * ALC_ECRYPTO (cannot unwrap: wrong master key or altered row), ALC_EDB. */
int ks_key_by_id(struct keystore *ks, int64_t id, const struct ks_key **out);
/* The active key of (practice_id, purpose).  ALC_ENOTFOUND when none. */
int ks_active_key(struct keystore *ks, int64_t practice_id,
    enum keystore_purpose purpose, const struct ks_key **out);

/* sealed.c: the registry of sealed columns (see there). */
struct sealed_col {
	const char *table, *column;
	enum keystore_purpose purpose;
	const char *sel;   /* id > ?, LIMIT ?: id, practice_id, field */
	const char *upd;   /* field = ? WHERE id = ? AND field = ? */
	const char *count; /* fields whose header names key id ? (8 bytes) */
};
extern const struct sealed_col keys_sealed_cols[];
extern const size_t keys_sealed_ncols;

struct db_conn;
/* Writes v big-endian into p[0..7]. */
void keys_be64(unsigned char p[8], int64_t v);
/* The running rotation, if any: 0 with *rid 0 when none. */
int keys_find_rotation(struct db_conn *c, int64_t *rid, int64_t *started);
/* Fields key id still seals, over the whole registry, plus the blind-index
 * values it computed (patient_search rows, patients' birth dates). */
int keys_count_sealed(struct db_conn *c, int64_t id, int64_t *n);

/* ---- a rotation in progress (rotate*.c) ---------------------------- */

/* The progress row of the blind-index sweep (key_rotation_progress). */
#define KEYS_INDEX_TABLE "patient_search"
#define KEYS_INDEX_COLUMN "bidx"

/* Key ids, e.g. the retiring keys read at the start of a sweep. */
struct keys_idset {
	int64_t *ids;
	size_t n;
};

struct keys_run {
	struct keystore *ks;
	struct db_conn *c;
	const struct keys_rotate_opts *o;
	struct keys_rotate_result *r;
	struct alc_err *err;
	struct keys_idset retiring;
	int batches; /* committed by this call, for the test hook */
};

int keys_idset_has(const struct keys_idset *s, int64_t id);
/* One KEY_CHANGE audit event with detail (ids only), in x->c's txn. */
int keys_audit_step(struct keys_run *x, const char *detail);
/* The retiring keys; with all, also the retired data keys. */
int keys_load_retiring(struct db_conn *c, int all, struct keys_idset *s);
/* The test hook (keys_rotate_opts.abort_after), inside a batch's txn. */
int keys_hook_abort(struct keys_run *x);
int keys_progress_get(struct keys_run *x, int64_t rid, const char *table,
    const char *column, int64_t *last, int *found);
/* rotate_index.c: recomputes every record's blind indexes when this
 * rotation has the index progress row; nothing otherwise. */
int keys_index_sweep(struct keys_run *x, int64_t rid);
/* rotate_end.c: retires what is unused (x->r->remaining counts the
 * rest); marks the rotation done, or (done 0) rewinds for a new sweep. */
int keys_retire_unused(struct keys_run *x);
int keys_finish(struct keys_run *x, int64_t rid, int done);

#endif
