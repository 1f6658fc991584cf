/*
 * backup.h - encrypted backups: the container format (format.c), the
 * snapshot and restore of each engine (snapshot.c) and the manifest
 * (manifest.c).  The `alcove backup` / `alcove restore` commands in
 * src/cli/cmd_backup.c tie them together.
 *
 * File format, version 1.  A plain header of BACKUP_HEADER_BYTES:
 *     "ALCOVEBK" (8) || version (1) || backup key id (8, big-endian)
 *     || master key fingerprint (16 hex digits) || wrapped backup key (73)
 *     || secretstream header (24)
 * then chunks, each a 4-byte big-endian length and that many bytes of
 * crypto_secretstream_xchacha20poly1305 ciphertext:
 *     chunk 1      the manifest (JSON), with the whole plain header as
 *                  associated data, so no header byte can be changed;
 *     chunks 2..n  the engine's snapshot, deflate-compressed (zlib), cut
 *                  into pieces of at most BACKUP_CHUNK_BYTES;
 *     chunk n      tagged FINAL (it may be empty).
 * A missing FINAL chunk is a truncated file; bytes after it are refused.
 *
 * Keys.  The stream key is derived (crypto_kdf, context "alcbkup1") from
 * the installation's backup data key.  That key is carried in the header
 * wrapped by the master key (exactly as data_keys stores it), so a backup
 * opens on a new machine with nothing but the master key, and never
 * without it.  The fingerprint in the header lets restore name the master
 * key it needs.
 *
 * Compression.  Both engines' snapshots go through the same deflate
 * stream: pg_dump runs with --compress=0 so that the two paths are one,
 * and an SQLite file (pages of text and sealed fields) shrinks well.
 * Sealed PHI fields are random bytes and do not compress; that is fine.
 */
#ifndef ALC_CORE_BACKUP_H
#define ALC_CORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct alc_err;
struct buf;
struct db;

#define BACKUP_MAGIC "ALCOVEBK"
#define BACKUP_VERSION 1
#define BACKUP_KEY_BYTES 32
#define BACKUP_WRAPPED_BYTES 73
#define BACKUP_SS_HEADER_BYTES 24
#define BACKUP_HEADER_BYTES (8 + 1 + 8 + 16 + BACKUP_WRAPPED_BYTES + \
	BACKUP_SS_HEADER_BYTES)
/* Plaintext bytes per payload chunk, and the most a reader accepts. */
#define BACKUP_CHUNK_BYTES 65536
#define BACKUP_MANIFEST_MAX 262144

struct backup_header {
	int version;
	int64_t key_id;
	char master_id[17];
	unsigned char wrapped[BACKUP_WRAPPED_BYTES];
	unsigned char ss[BACKUP_SS_HEADER_BYTES];
};

/* ---- format.c ---------------------------------------------------- */

struct backup_writer;
struct backup_reader;

/* Writes the header (h->ss is filled here) and the manifest chunk to f,
 * under the stream key derived from backup_key.  0, ALC_EIO, ALC_ENOMEM,
 * ALC_ECRYPTO. */
int backup_writer_open(struct backup_writer **out, FILE *f,
    struct backup_header *h, const unsigned char backup_key[BACKUP_KEY_BYTES],
    const char *manifest, size_t manifest_len);
/* Compresses and appends n bytes of payload. */
int backup_writer_write(struct backup_writer *w, const void *p, size_t n);
/* Flushes the compressor and writes the FINAL chunk.  0 or ALC_EIO. */
int backup_writer_finish(struct backup_writer *w);
void backup_writer_free(struct backup_writer *w);

/* Reads and checks the plain header.  ALC_EINVAL (err says: not a backup,
 * unknown version, truncated). */
int backup_header_read(FILE *f, struct backup_header *h, struct alc_err *err);

/* Opens the stream after backup_header_read and decrypts the manifest
 * into manifest (NUL-terminated).  ALC_ECRYPTO when the key is wrong or
 * the header or manifest was altered. */
int backup_reader_open(struct backup_reader **out, FILE *f,
    const struct backup_header *h,
    const unsigned char backup_key[BACKUP_KEY_BYTES], struct buf *manifest,
    struct alc_err *err);
/* Decrypts and decompresses the rest of the file, handing the payload to
 * sink (which may be NULL: verify only) in pieces; a non-zero return from
 * sink stops and is returned.  ALC_ECRYPTO for an altered chunk,
 * ALC_EINVAL for a truncated file or bytes after the end. */
int backup_reader_payload(struct backup_reader *r,
    int (*sink)(void *ctx, const void *p, size_t n), void *ctx,
    struct alc_err *err);
void backup_reader_free(struct backup_reader *r);

/* ---- snapshot.c -------------------------------------------------- */

/* Copies the live SQLite database at db_path into the new file out with
 * the online backup API (one consistent read snapshot; writers go on). */
int backup_sqlite_snapshot(const char *db_path, const char *out,
    struct alc_err *err);
/* pg_dump --format=custom --compress=0 of conninfo into the file out, at
 * the exported snapshot (NULL: its own). */
int backup_pg_dump(const char *conninfo, const char *snapshot,
    const char *out, struct alc_err *err);
/* pg_restore of the dump file in into the (empty) database conninfo. */
int backup_pg_restore(const char *conninfo, const char *in,
    struct alc_err *err);
/* A private temporary directory (mode 0700) under $TMPDIR or /tmp, into
 * dir; backup_rmtree removes it and everything in it. */
int backup_tmpdir(char *dir, size_t dirsz, struct alc_err *err);
void backup_rmtree(const char *dir);

/* ---- manifest.c -------------------------------------------------- */

/* The manifest of the database as seen by one consistent transaction:
 * time, version, schema version, engine, rows per table and the audit
 * chain's head, as JSON appended to out.  On PostgreSQL snapshot (64
 * bytes) receives an exported snapshot id for pg_dump, valid until
 * backup_manifest_end; on SQLite it is "". */
struct backup_txn;
int backup_manifest_begin(struct db *db, struct backup_txn **txn,
    char snapshot[64], struct buf *out, struct alc_err *err);
void backup_manifest_end(struct backup_txn *txn);

/* Compares the row counts of db with the manifest's (tables the manifest
 * names; migrations may add others).  ALC_ECONFLICT with the first
 * difference in err; ALC_EINVAL for a manifest that does not parse. */
int backup_manifest_check(struct db *db, const char *manifest,
    struct alc_err *err);
/* The manifest's "engine" into engine (16 bytes); ALC_EINVAL. */
int backup_manifest_engine(const char *manifest, char engine[16]);

/* ---- schedule.c -------------------------------------------------- */

struct config;
struct jobs;
struct keystore;

#define BACKUP_JOB_KIND "backup.run"
/* Older than this, the last good backup is shown with a warning (the
 * proposed 2025 Security Rule's 48 hours). */
#define BACKUP_STALE_MS (48LL * 3600 * 1000)

/* Takes one backup of db into the file out (via out.tmp, mode 0600) under
 * the installation's backup key: what `alcove backup` does, minus the
 * audit event.  *bytes and *key_id receive the file's size and the
 * backup key id.  Errors with err filled. */
int backup_take(const struct config *cfg, struct db *db, struct keystore *ks,
    const char *out, int64_t *bytes, int64_t *key_id, struct alc_err *err);
/* backup.interval_minutes when set, otherwise backup.interval_hours. */
int64_t backup_interval_ms(const struct config *cfg);
/* Registers the "backup.run" job; cfg and ks must outlive q. */
int backup_register_jobs(struct jobs *q, const struct config *cfg,
    struct keystore *ks);
/* Queues the next scheduled backup (due now when none was ever taken or
 * the last one is older than the interval); nothing when backup.dir is
 * empty.  Idempotent. */
int backup_schedule_start(struct db *db, const struct config *cfg,
    int64_t now);

struct backup_status {
	int64_t last_ok_at;    /* newest good backup: scheduled (backups
	                        * table) or `alcove backup` (its BACKUP
	                        * event); 0: none */
	int64_t last_fail_at;  /* a scheduled attempt that failed after it */
	char last_error[256];
};
int backup_status_get(struct db *db, struct backup_status *st);

#endif
