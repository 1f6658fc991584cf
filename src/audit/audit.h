/*
 * audit.h - the audit trail: append-only, hash-chained events.
 *
 * Every action on PHI and every security-relevant change writes one event
 * (table audit_events, migration 0003_audit.sql, which documents each
 * field).  Three ways in:
 *
 *   audit_write()        a change and its event in ONE transaction: the
 *                        caller's, when it has one open on the connection.
 *                        Either both commit or neither does.
 *   audit_record_read()  a read of PHI: the request blocks until its event
 *                        is durable, then sends the page.  Events from
 *                        concurrent requests share one transaction (and so
 *                        one fsync) through a struct audit_writer.
 *   audit_verify()       walks the chain, recomputes every hash and checks
 *                        the daily digests; `alcove audit verify`.
 *
 * The chain.  Each event has a position seq (1, 2, 3 ... without gaps) and
 * hash = BLAKE2b-256(prev_hash || canonical serialization of the event),
 * where prev_hash is the hash of event seq - 1 (32 zero bytes for seq 1).
 * Changing, inserting or removing an event in the middle breaks the chain
 * at that point; removing the newest events is caught by the head row and
 * by the daily digests (audit_digest_record), whose copies live elsewhere.
 * The serialization is in chain.c.
 *
 * Never put PHI in clear or secrets in any field: detail is short JSON
 * with ids and field names, session_ref is a hash of the session, never
 * its token.
 */
#ifndef ALC_AUDIT_H
#define ALC_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_conn;
struct jobs;

/* Hashes are stored and reported as lower-case hex. */
#define AUDIT_HASH_BYTES 32
#define AUDIT_HASH_HEX_LEN 64
#define AUDIT_HASH_HEX_SIZE (AUDIT_HASH_HEX_LEN + 1)

/* Limits on the text fields, in bytes: detail and user_agent longer than
 * this, or any other text field longer than AUDIT_TEXT_MAX, is refused
 * (ALC_EINVAL) rather than silently cut; use audit_text_clean() for
 * values that come from outside (user agent, addresses). */
#define AUDIT_TEXT_MAX 256
#define AUDIT_LONG_TEXT_MAX 2048

/* RFC 3881 EventOutcomeIndicator. */
enum {
	AUDIT_OK = 0,
	AUDIT_MINOR_FAILURE = 4,
	AUDIT_SERIOUS_FAILURE = 8,
	AUDIT_MAJOR_FAILURE = 12,
};

/*
 * One event.  Zero ids and NULL strings mean "none" and are stored as
 * NULL.  Strings must be UTF-8 without control characters other than tab.
 * The caller owns every string; audit_write copies nothing it keeps.
 */
struct audit_event {
	/* Chain position and row id: set by audit_read_event and verify;
	 * ignored by audit_write, which assigns them. */
	int64_t id;
	int64_t seq;
	/* When: ms UTC; 0 means now. */
	int64_t recorded_at;
	/* Who */
	int64_t actor_user_id;    /* 0: the system or an unknown person */
	const char *actor_role;   /* "owner", "clinician", "system" ... */
	int64_t on_behalf_of;     /* user id; 0: none */
	const char *session_ref;  /* hash of the session token, never the token */
	const char *source_addr;  /* client IP address */
	const char *user_agent;   /* up to AUDIT_LONG_TEXT_MAX bytes */
	int mfa;                  /* 1: the session passed MFA */
	/* What */
	char action;              /* 'C','R','U','D','E'; 0: the verb's default */
	const char *verb;         /* required: "VIEW", "LOGIN" ... (see below) */
	/* Which */
	int64_t practice_id;      /* 0: an installation-wide event */
	const char *object_type;  /* "patient", "note", "user", "setting" ... */
	const char *object_id;
	int64_t patient_id;       /* 0: no patient involved */
	const char *sensitivity;  /* NULL: "normal"; "psychotherapy_note", "part2" */
	const char *purpose_of_use; /* "TPO", "patient_request", "164.512(f)" ... */
	/* Outcome */
	int outcome;              /* AUDIT_OK ... AUDIT_MAJOR_FAILURE */
	const char *reason;       /* why it failed, or the break-glass reason */
	const char *request_id;
	const char *detail;       /* short JSON, no PHI; AUDIT_LONG_TEXT_MAX */
};

/*
 * The verbs, as the CHECK in 0003_audit.sql lists them, with the action
 * audit_write uses when ev->action is 0:
 *   R: VIEW PRINT EXPORT DOWNLOAD DISCLOSE AUDIT_EXPORT
 *   C: CREATE IMPORT AUDIT_REVIEW         D: DELETE
 *   U: UPDATE RESTORE MFA_CHANGE PASSWORD_CHANGE PRIV_CHANGE USER_CHANGE
 *      CONFIG_CHANGE KEY_CHANGE
 *   E: SEARCH LOGIN LOGIN_FAIL LOGOUT TIMEOUT SESSION_REVOKE BREAK_GLASS
 *      ACCESS_DENIED AUDIT_VERIFY AUDIT_DIGEST BACKUP SYSTEM
 * Returns the default action, or 0 for a verb Alcove does not know.
 */
char audit_verb_action(const char *verb);

/*
 * Appends ev to the chain on c.
 *
 * Inside a transaction (db_in_txn(c)) the event joins it: it commits with
 * the caller's change or not at all.  On failure the caller's transaction
 * is ROLLED BACK before returning, so the change can never commit without
 * its event (on PostgreSQL a failed statement has aborted it anyway); the
 * caller must report the failure, and its db_commit would fail.
 * Outside a transaction audit_write opens one, appends and commits.
 *
 * PostgreSQL: the head row is locked (FOR UPDATE) until the transaction
 * ends, so keep transactions that audit short: concurrent audited changes
 * queue behind each other at that point.
 *
 * Returns 0; ALC_EINVAL for an event audit_write refuses (no verb, an
 * unknown verb without an explicit action, a bad action, outcome or
 * sensitivity, over-long or non-UTF-8 text); ALC_EDB when the database
 * refuses it (e.g. a verb its CHECK does not list); ALC_EBUSY on a lock
 * timeout; ALC_ENOMEM.
 */
int audit_write(struct db_conn *c, const struct audit_event *ev);

/*
 * Copies src into dst (dstsz bytes, dstsz > 0), replacing invalid UTF-8
 * and control characters with '?' and cutting at a character boundary so
 * the result fits: for values from outside, such as a User-Agent header,
 * which would otherwise make audit_write refuse the event (and so fail
 * the request).  src NULL gives "".  Returns dst.
 */
char *audit_text_clean(char *dst, size_t dstsz, const char *src);

/* ------------------------------------------------------------------ */
/* Group commit for reads of PHI (writer.c).                           */

struct audit_writer;

/* Starts a writer thread over db.  NULL when out of memory or the thread
 * cannot start.  db must outlive the writer. */
struct audit_writer *audit_writer_new(struct db *db);

/*
 * Queues ev and blocks until it is committed (0) or has failed (negative
 * ALC_E*: then the caller must not show the page).  ev and its strings
 * must stay valid until the call returns (they are not copied).  Events
 * from concurrent callers are committed together, up to
 * AUDIT_WRITER_BATCH per transaction; an event the database refuses fails
 * alone, the others of its batch are retried.  ALC_EBUSY once
 * audit_writer_stop has begun.  Thread-safe.
 */
int audit_record_read(struct audit_writer *w, const struct audit_event *ev);

#define AUDIT_WRITER_BATCH 256

/* Refuses new events, commits every queued one, joins the thread.
 * Idempotent. */
void audit_writer_stop(struct audit_writer *w);
/* Stops (if needed) and frees.  NULL is ignored. */
void audit_writer_free(struct audit_writer *w);
/* Transactions committed and events written so far (either may be NULL):
 * fewer transactions than events is the point. */
void audit_writer_stats(struct audit_writer *w, int64_t *txns,
    int64_t *events);

/* ------------------------------------------------------------------ */
/* Verification and digests (verify.c).                                */

struct audit_verify_opts {
	int64_t from_ms; /* 0: from the first event */
	int64_t to_ms;   /* 0: to the last event (and check the head) */
};

struct audit_verify_result {
	int ok;                 /* 1: every check passed */
	int64_t count;          /* events checked */
	int64_t first_seq, last_seq; /* range checked; 0 when empty */
	char head[AUDIT_HASH_HEX_SIZE]; /* hash of last_seq ("" when empty) */
	int64_t digests;        /* digests compared */
	/* When !ok: the first broken event.  bad_id is 0 when that event is
	 * missing altogether (a gap, or a deleted tail). */
	int64_t bad_seq, bad_id;
	char reason[256];
};

/*
 * Walks the chain in seq order over the events recorded in
 * [from_ms, to_ms] (o may be NULL: everything), recomputing every hash and
 * checking that seq has no gaps and each prev_hash is the previous
 * event's hash.  Every digest whose last_seq falls in the range must name
 * an event with that hash; without to_ms the chain must also reach the
 * head row and every digest (otherwise its tail was deleted).
 *
 * Returns 0 when the walk finished - res->ok says whether the chain is
 * intact - or a negative ALC_E* when the database could not be read.
 * Streams rows in batches with no allocation per row.
 */
int audit_verify(struct db *db, const struct audit_verify_opts *o,
    struct audit_verify_result *res);

struct audit_digest {
	char day[11];           /* "YYYY-MM-DD", UTC */
	int64_t last_seq;
	char last_hash[AUDIT_HASH_HEX_SIZE];
	int64_t count;
	int64_t recorded_at;
	int created;            /* 1: recorded by this call; 0: already there */
};

/*
 * Records the installation's digest (the head: last seq, hash, count) for
 * the UTC day of now_ms, once: when that day already has one, it is left
 * alone and returned (created = 0).  d may be NULL.  Also writes an
 * AUDIT_DIGEST event when it records one.  0 or a negative ALC_E*.
 */
int audit_digest_record(struct db *db, int64_t now_ms, struct audit_digest *d);

/*
 * Registers the job kind "audit.digest", whose handler records today's
 * digest (idempotent, so at-least-once delivery is harmless).  Before
 * jobs_start.  Scheduling it daily (and e-mailing the digest to the
 * compliance officer) comes with the scheduler; until then it runs when
 * enqueued, and `alcove audit digest` records one by hand.
 */
int audit_register_jobs(struct jobs *q);

/* ------------------------------------------------------------------ */
/* Forwarding to syslog (syslog.c; the design is described there).     */

struct alc_err;
struct audit_syslog;
struct buf;

#define AUDIT_SYSLOG_POLL_MS 200     /* how often the forwarder looks */
#define AUDIT_SYSLOG_BATCH 256       /* events read per look */
#define AUDIT_SYSLOG_BACKLOG 10000   /* further behind: skip, count drops */
#define AUDIT_SYSLOG_RETRY_MS 5000   /* reconnect after a failure */

/*
 * Starts forwarding every event committed from now on to url
 * ("udp://host:port" or "tcp://host:port", audit.syslog), from a thread
 * of its own, best effort: a request never waits for it.  NULL with err
 * set when url is malformed or the thread cannot start; an unreachable
 * collector is not an error (events are dropped, counted and logged).
 */
struct audit_syslog *audit_syslog_start(struct db *db, const char *url,
    struct alc_err *err);
/* Forwards what has committed so far, stops the thread, frees.  NULL is
 * ignored. */
void audit_syslog_stop(struct audit_syslog *s);
/* Appends ev as one RFC 5424 message (no framing, no newline): facility
 * 13, severity 4 for failures, 5 for BREAK_GLASS, else 6; structured data
 * [alcove@32473 ...] with the event's ids and hash, never names or its
 * detail. */
void audit_syslog_format(struct buf *b, const struct audit_event *ev,
    const char *hash, const char *hostname);

#endif
