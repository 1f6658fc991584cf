/*
 * keystore.h - the key hierarchy and the field-encryption API.
 *
 * Every PHI field of every feature is sealed here before it reaches the
 * database, and every exact-match search over such a field goes through a
 * blind index computed here.  This module is the only code that touches
 * the data_keys table (migration 0005).
 *
 * Hierarchy.  One master key per installation, outside the database,
 * wraps data keys stored in data_keys: per practice one active key for
 * each purpose 'general', 'psychotherapy', 'part2' and 'blind_index', and
 * one installation-wide 'backup' key.  Psychotherapy notes and 42 CFR
 * Part 2 records are sealed with their purposes' keys, so they can be
 * handled (and rotated, and disclosed) separately.
 *
 * Master key source, first one present wins (and keystore_key_source()
 * names it; the key itself is never logged):
 *   1. $CREDENTIALS_DIRECTORY/alcove-master-key (a systemd credential;
 *      the variable is set only when the unit passes credentials, and a
 *      missing file there falls through to the next source),
 *   2. the environment variable ALCOVE_MASTER_KEY,
 *   3. the master key file from configuration (keys.master_key_file),
 *      checked for owner and mode 0600 by keyfile_load().
 * Sources 1 and 2 hold either 64 hex digits or the key file's line
 * ("alcove-master-key v1 <64 hex>"); surrounding white space is ignored.
 * A source that is present but malformed is an error, never skipped.
 *
 * Field ciphertext format (version 1), self-describing so rotation can find
 * old ciphertexts and open them with old keys:
 *     0x01 || key id (8 bytes, big-endian) || nonce(24) || ciphertext || tag(16)
 * i.e. KEYSTORE_FIELD_OVERHEAD (49) bytes more than the plaintext.  The
 * associated data binds the version, key id, practice id, purpose, table,
 * column and row id: a ciphertext copied to another row, column, table or
 * practice, or opened under another purpose, fails with ALC_ECRYPTO.
 * Byte for byte (integers big-endian, names length-prefixed):
 *     0x01 || key id (8) || practice id (8) || purpose (1, enum value)
 *     || row id (8) || len (1) || table || len (1) || column
 * A stored ciphertext never changes meaning: a new format gets a new
 * version byte, and this one keeps opening.
 *
 * Pattern for a new row whose sealed fields need its own id, all in one
 * transaction on the caller's connection:
 *     db_begin(c);
 *     INSERT INTO patients (practice_id, created_at) VALUES (?, ?) RETURNING id
 *     keystore_seal(ks, &(struct field_ref){pid, KS_GENERAL, "patients",
 *         "name", id}, name, strlen(name), &ct);
 *     UPDATE patients SET name = ?, name_bidx = ? WHERE id = ?
 *     db_commit(c);
 * keystore_seal may itself take a pooled connection for a moment (only to
 * load a key not yet cached); keys are cached after first use.
 *
 * Threads: one keystore serves every thread of the process.  Unwrapped
 * keys are cached by id for the keystore's lifetime in guarded, locked
 * memory; which key is active for a (practice, purpose) is re-read from
 * the database at most every KEYSTORE_ACTIVE_TTL_MS, so a rotation done by
 * another process is picked up within that time (older keys keep opening
 * what they sealed).
 */
#ifndef ALC_CORE_KEYSTORE_H
#define ALC_CORE_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/blind.h"

struct alc_err;
struct buf;
struct db;
struct db_conn;
struct keystore;

/* The values are part of the ciphertext format (a byte of the AD): never
 * renumber them. */
enum keystore_purpose {
	KS_GENERAL = 0,
	KS_PSYCHOTHERAPY = 1,
	KS_PART2 = 2,
	KS_BLIND_INDEX = 3,
	KS_BACKUP = 4,
	KS_PURPOSE_COUNT = 5
};

#define KEYSTORE_FIELD_VERSION 1
#define KEYSTORE_FIELD_HEADER (1 + 8)
#define KEYSTORE_FIELD_OVERHEAD (KEYSTORE_FIELD_HEADER + 24 + 16)
#define KEYSTORE_MASTER_ID_SIZE 17 /* 16 hex digits and a NUL */
#define KEYSTORE_ACTIVE_TTL_MS 60000
#define KEYSTORE_CREDENTIAL_NAME "alcove-master-key"
#define KEYSTORE_ENV_KEY "ALCOVE_MASTER_KEY"

/* Where a sealed field lives.  table and column are the SQL names
 * ("patients", "name"); row_id the row's id. */
struct field_ref {
	int64_t practice_id;
	enum keystore_purpose purpose; /* KS_GENERAL, _PSYCHOTHERAPY, _PART2 */
	const char *table;
	const char *column;
	int64_t row_id;
};

/* "general", "psychotherapy", "part2", "blind_index", "backup"; NULL for
 * a value out of range. */
const char *keystore_purpose_name(enum keystore_purpose p);

/* Loads the master key (sources above; master_key_file may be NULL when
 * another source provides it) and checks it is the one that wrapped the
 * database's data keys: a different master key is refused here, with
 * both fingerprints in err->msg, rather than failing on first use.  Does
 * not create keys.  NULL on failure, err filled (ALC_ECRYPTO: wrong
 * master key; ALC_EINVAL / ALC_EPERM / ALC_ENOTFOUND: a source is
 * malformed, unsafe or missing; ALC_EDB). */
struct keystore *keystore_open(struct db *db, const char *master_key_file,
    struct alc_err *err);
/* Wipes and frees every key.  NULL ignored.  No thread may still use ks. */
void keystore_close(struct keystore *ks);

/* "credential", "environment" or "file": where the master key came from. */
const char *keystore_key_source(const struct keystore *ks);
/* The master key's fingerprint (as stored in data_keys.master_key_id). */
const char *keystore_master_key_id(const struct keystore *ks);

/* Creates whatever is missing of the practice's active keys (general,
 * psychotherapy, part2, blind_index) and of the installation's (backup),
 * in one transaction on its own connection.  Idempotent, and safe when
 * several processes run it at once.  Do not call it while holding a
 * write transaction on SQLite (it would wait for your lock).  0,
 * ALC_EINVAL (practice_id < 1), ALC_EDB (details logged), ALC_ENOMEM. */
int keystore_ensure_practice(struct keystore *ks, int64_t practice_id);

/* The installation's active backup key (purpose KS_BACKUP): its id, its
 * wrapped form (as stored in data_keys, AEAD_WRAPPED_BYTES = 73 bytes, for
 * a backup file's header) and its 32 bytes into key (guarded memory from
 * aead_key_alloc is best).  ALC_ENOTFOUND when there is none
 * (keystore_ensure_practice creates it), ALC_ECRYPTO, ALC_EDB. */
int keystore_backup_key(struct keystore *ks, int64_t *key_id,
    unsigned char wrapped[73], unsigned char key[32]);
/* Unwraps a backup key carried in a backup file's header with the master
 * key from its usual sources (no database needed, for restoring on a new
 * machine); master_id receives that master key's fingerprint.
 * ALC_ECRYPTO (err says so) when the master key is not the one that
 * wrapped it; errors of keystore_open for the master key's sources. */
int keystore_unwrap_backup_key(const char *master_key_file, int64_t key_id,
    const unsigned char wrapped[73], unsigned char key[32],
    char master_id[KEYSTORE_MASTER_ID_SIZE], struct alc_err *err);

/* Seals n bytes at pt (pt may be NULL when n is 0) for the field at ref
 * with the practice's active key of ref->purpose, appending the
 * ciphertext to out.  ALC_EINVAL for a bad ref (purpose not a field
 * purpose, empty table/column, ids < 1); ALC_ENOTFOUND when the practice
 * has no active key (keystore_ensure_practice was not run); ALC_ENOMEM. */
int keystore_seal(struct keystore *ks, const struct field_ref *ref,
    const void *pt, size_t n, struct buf *out);
/* Opens a ciphertext made by keystore_seal for the same ref, appending
 * the plaintext to out (an arena buffer is best: plaintext is PHI).
 * ALC_ECRYPTO when it was sealed for another field, row, practice or
 * purpose, was altered in any byte (including its key id), or its key
 * cannot be unwrapped; out is then unchanged.  ALC_EINVAL for a bad ref;
 * ALC_EDB / ALC_ENOMEM. */
int keystore_open_field(struct keystore *ks, const struct field_ref *ref,
    const void *ct, size_t n, struct buf *out);

/* Blind index of value (normalised per kind, see crypto/blind.h) under
 * the practice's active blind-index key, as 32 hex digits.  For
 * BLIND_NAME the whole name is indexed (tokens joined by one space).
 * Errors from normalisation (ALC_EINVAL, ALC_ETOOBIG) or as keystore_seal. */
int keystore_blind(struct keystore *ks, int64_t practice_id,
    enum blind_kind kind, const char *value, char out[BLIND_HEX_SIZE]);
/* One index value per name token ("Mary-Jane O'Brien": three), into
 * out[0..*count-1]; at most max (ALC_ETOOBIG beyond).  A single-token name
 * gives the same value as keystore_blind(BLIND_NAME), so indexing tokens
 * and searching one typed last name meet. */
int keystore_blind_tokens(struct keystore *ks, int64_t practice_id,
    const char *name, char (*out)[BLIND_HEX_SIZE], size_t max,
    size_t *count);

/* The same, under the practice's blind-index key key_id (0: the active
 * one), for looking a value up while that key is being rotated.
 * ALC_EINVAL when key_id is not this practice's blind-index key. */
int keystore_blind_as(struct keystore *ks, int64_t practice_id,
    int64_t key_id, enum blind_kind kind, const char *value,
    char out[BLIND_HEX_SIZE]);
int keystore_blind_tokens_as(struct keystore *ks, int64_t practice_id,
    int64_t key_id, const char *name, char (*out)[BLIND_HEX_SIZE],
    size_t max, size_t *count);
/* The id of the practice's active blind-index key, to store beside the
 * values computed with it (keystore_blind_as with that id, so the value
 * and the id agree even if the active key changes meanwhile). */
int keystore_blind_key(struct keystore *ks, int64_t practice_id,
    int64_t *key_id);
/* Ids of the practice's blind-index keys a stored value may be under:
 * the active one and any retiring one, newest first, at most max, read
 * on the caller's connection. */
int keystore_blind_keys(struct db_conn *c, int64_t practice_id,
    int64_t *ids, size_t max, size_t *n);
#define KEYSTORE_BLIND_KEYS_MAX 4

/* ---- rotation (rotate.c) ------------------------------------------ */

/*
 * Key rotation: new data keys for every practice, then every sealed field
 * re-encrypted with them, resumable after a crash.  rotate.c's top
 * comment has the design; docs/keys.md the operator's side.  The data
 * keys (KS_GENERAL, KS_PSYCHOTHERAPY, KS_PART2: KEYS_ROTATE_ROTATABLE,
 * what "all" means) and the blind-index key (KEYS_ROTATE_INDEX: every
 * patient's search rows recomputed through o->reindex, rotate_index.c)
 * can be rotated; the backup key is not rotated by this.
 */
#define KEYS_ROTATE_BATCH 200
#define KEYS_ROTATE_ROTATABLE ((1u << KS_GENERAL) | (1u << KS_PSYCHOTHERAPY) | \
	(1u << KS_PART2))
#define KEYS_ROTATE_INDEX (1u << KS_BLIND_INDEX)

struct keys_rotate_opts {
	unsigned purposes;  /* bits 1u << KS_*; 0: only resume a running one */
	int64_t practice_id; /* whose keys a new rotation retires; 0: every
	                      * practice's (a resumed one keeps its own) */
	int batch;          /* rows per transaction; 0: KEYS_ROTATE_BATCH */
	int64_t settle_ms;  /* wait after new keys before sweeping, so other
	                     * processes stop sealing with cached old keys;
	                     * < 0: KEYSTORE_ACTIVE_TTL_MS + 5 s */
	/* Test hook (ALCOVE_TEST_ROTATE_ABORT_AFTER): after this many
	 * committed batches, stop in the middle of the next one without
	 * committing it: with abort_kill the process raises SIGKILL there
	 * (a crash), otherwise the batch is rolled back and ALC_EBUSY
	 * returned.  0: never. */
	int abort_after;
	int abort_kill;
	/* Called once the new keys are in place, before the settle wait of
	 * wait_ms (may be NULL). */
	void (*on_start)(void *arg, int64_t rotation_id, int resumed,
	    int64_t wait_ms);
	/* One call per sealed column when its sweep ends (may be NULL). */
	void (*progress)(void *arg, const char *table, const char *column,
	    int64_t resealed);
	void *progress_arg;
	/* Recomputes blind indexes of the next batch of records after id
	 * after under the active blind-index key, in c's transaction
	 * (patients_reindex_batch); required when the blind-index key is
	 * rotated, or a rotation of it is resumed. */
	int (*reindex)(struct db_conn *c, struct keystore *ks, int64_t after,
	    int batch, int64_t *last, int *count);
	const char *actor_role; /* for the audit events; NULL: "system" */
	const char *user_agent;
};

struct keys_rotate_result {
	int64_t rotation_id;
	int resumed;          /* 1: continued a rotation found running */
	int64_t resealed;     /* fields re-encrypted by this call */
	int retired;          /* keys retired by this call */
	int64_t remaining;    /* fields still sealed with retiring keys */
};

/* Starts a rotation of o->purposes (or resumes the running one, whose
 * purposes win) and runs it to the end.  0 with r->remaining == 0 when
 * every retiring key was retired and the rotation is done; 0 with
 * r->remaining > 0 when another process kept sealing with an old key
 * (run it again later).  ALC_ENOTFOUND: o->purposes is 0 and nothing is
 * running; ALC_EINVAL: a purpose that cannot be rotated; ALC_EDB,
 * ALC_ECRYPTO (a field that does not open: err names table, column and
 * row id), ALC_ENOMEM.  Audited (KEY_CHANGE) at each step. */
int keys_rotate(struct keystore *ks, const struct keys_rotate_opts *o,
    struct keys_rotate_result *r, struct alc_err *err);

/* One data key as `alcove keys status` shows it. */
struct keys_status_row {
	int64_t key_id;
	int64_t practice_id;          /* 0: installation-wide */
	enum keystore_purpose purpose;
	char status[12];              /* active, retiring, retired */
	int64_t created_at, retired_at;
	int64_t rows;                 /* fields it seals; -1: not counted
	                               * (blind-index and backup keys) */
};

/* Every data key, by practice, purpose and id, into a malloc'd *rows
 * (free it); *running receives the id of a running rotation or 0. */
int keys_status(struct keystore *ks, struct keys_status_row **rows,
    size_t *n, int64_t *running);
/* The purpose named s (as keystore_purpose_name gives); ALC_EINVAL. */
int keys_purpose_parse(const char *s, enum keystore_purpose *p);

#endif
