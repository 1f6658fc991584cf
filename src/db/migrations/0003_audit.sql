-- 0003_audit: the audit trail (src/audit/): append-only, hash-chained.
--
-- One row per auditable event: every view of PHI, every change, sign-ins and
-- their failures, sign-outs and timeouts, privilege, MFA and configuration
-- changes, exports, prints, disclosures, break-glass, and the audit trail's
-- own use.  Fields follow RFC 3881 / IHE ATNA / FHIR AuditEvent (see
-- REGULATORY.md 3.10): who, what, when, which, outcome.
--
-- Who:   actor_user_id (NULL for the system or an unknown person, e.g. a
--        failed sign-in with an unknown e-mail), actor_role, on_behalf_of
--        (user id of the person the actor works for, e.g. a supervisee),
--        session_ref (a hash of the session token, NEVER the token itself),
--        source_addr, user_agent, mfa (1 when the session passed MFA).
-- What:  action, the RFC 3881 code (C create, R read, U update, D delete,
--        E execute), and verb, the Alcove event (list in the CHECK below;
--        src/audit/audit.c knows each verb's default action).
-- When:  recorded_at, integer milliseconds UTC.
-- Which: practice_id (NULL for installation events), object_type and
--        object_id (text, so composite ids fit), patient_id (NULL when no
--        patient is involved), sensitivity, purpose_of_use.
-- Outcome: 0 success, 4 minor failure, 8 serious failure, 12 major
--        failure (RFC 3881 EventOutcomeIndicator), with a reason.
-- request_id ties the event to the log lines of its request.
--
-- detail is short JSON for context (e.g. {"fields":["phone"]}).  It must
-- NEVER hold PHI in clear - no names, dates of birth, note text, search
-- terms - nor secrets: the audit trail is read by compliance staff and
-- exported.  Refer to records by id.
--
-- The chain: seq is the event's position (1, 2, 3 ... with no gaps); hash is
-- the lower-case hex BLAKE2b-256 of prev_hash (as 32 bytes) followed by the
-- canonical serialization of the event (src/audit/chain.c documents it);
-- prev_hash is the hash of event seq - 1, or 64 zeros for seq 1.
-- audit_head holds the last seq, hash and count: appending locks that row
-- (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write lock of BEGIN
-- IMMEDIATE), so writers in any number of threads and processes extend one
-- chain.  audit_digests records the head once a day; a copy of it kept
-- elsewhere (e-mailed to the compliance officer) makes deleting the newest
-- events detectable, which the chain alone cannot show.
--
-- The verb list is a CHECK so the database itself refuses unknown events.
-- Adding a verb means a new migration; on SQLite that rebuilds the table,
-- so the list is generous from the start.

CREATE TABLE audit_events (
	id @ID@,
	seq BIGINT UNIQUE NOT NULL CHECK (seq >= 1),
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL,
	recorded_at BIGINT NOT NULL,
	actor_user_id BIGINT,
	actor_role TEXT,
	on_behalf_of BIGINT,
	session_ref TEXT,
	source_addr TEXT,
	user_agent TEXT,
	mfa INTEGER NOT NULL DEFAULT 0 CHECK (mfa IN (0, 1)),
	action CHAR(1) NOT NULL CHECK (action IN ('C', 'R', 'U', 'D', 'E')),
	verb TEXT NOT NULL CHECK (verb IN (
		'VIEW', 'SEARCH', 'CREATE', 'UPDATE', 'DELETE', 'RESTORE',
		'PRINT', 'EXPORT', 'DOWNLOAD', 'IMPORT', 'DISCLOSE',
		'LOGIN', 'LOGIN_FAIL', 'LOGOUT', 'TIMEOUT', 'SESSION_REVOKE',
		'MFA_CHANGE', 'PASSWORD_CHANGE', 'PRIV_CHANGE', 'USER_CHANGE',
		'CONFIG_CHANGE', 'KEY_CHANGE', 'BREAK_GLASS', 'ACCESS_DENIED',
		'AUDIT_EXPORT', 'AUDIT_VERIFY', 'AUDIT_DIGEST', 'AUDIT_REVIEW',
		'BACKUP', 'SYSTEM')),
	practice_id BIGINT,
	object_type TEXT,
	object_id TEXT,
	patient_id BIGINT,
	sensitivity TEXT NOT NULL DEFAULT 'normal'
		CHECK (sensitivity IN ('normal', 'psychotherapy_note', 'part2')),
	purpose_of_use TEXT,
	outcome INTEGER NOT NULL DEFAULT 0 CHECK (outcome IN (0, 4, 8, 12)),
	reason TEXT,
	request_id TEXT,
	detail TEXT
);

-- The viewer's filters (issue #5): by practice and time, by patient ("who
-- has looked at this record"), by user; by time alone for verify --from/--to
-- and installation-wide views.  seq is indexed by its UNIQUE constraint.
CREATE INDEX audit_events_practice_time ON audit_events (practice_id, recorded_at);
CREATE INDEX audit_events_patient ON audit_events (patient_id, recorded_at)
	WHERE patient_id IS NOT NULL;
CREATE INDEX audit_events_actor ON audit_events (actor_user_id, recorded_at);
CREATE INDEX audit_events_time ON audit_events (recorded_at);

-- The chain's head: exactly one row (id = 1), updated by every append.
CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL,
	count BIGINT NOT NULL
);

INSERT INTO audit_head (id, seq, hash, count) VALUES (1, 0,
	'0000000000000000000000000000000000000000000000000000000000000000', 0);

-- One digest per UTC day and scope: practice_id NULL is the installation's
-- whole chain (the only scope recorded so far; per-practice digests may
-- follow).  last_seq/last_hash/count are the head when it was taken.
CREATE TABLE audit_digests (
	id @ID@,
	day TEXT NOT NULL,
	practice_id BIGINT REFERENCES practices(id),
	last_seq BIGINT NOT NULL,
	last_hash TEXT NOT NULL,
	count BIGINT NOT NULL,
	recorded_at BIGINT NOT NULL,
	UNIQUE (day, practice_id)
);

CREATE UNIQUE INDEX audit_digests_installation_day ON audit_digests (day)
	WHERE practice_id IS NULL;

-- Append-only at the database level.  These guards stop Alcove's own bugs
-- and anyone with only the application's access; someone who can drop a
-- trigger (the table's owner, a superuser, whoever holds the SQLite file)
-- can still rewrite history, and then `alcove audit verify` finds it.

-- @if sqlite
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END;
CREATE TRIGGER audit_digests_no_update BEFORE UPDATE ON audit_digests
BEGIN SELECT RAISE(ABORT, 'audit digests are append-only'); END;
CREATE TRIGGER audit_digests_no_delete BEFORE DELETE ON audit_digests
BEGIN SELECT RAISE(ABORT, 'audit digests are append-only'); END;
-- @end

-- PostgreSQL: the same refusals, plus TRUNCATE (which skips row triggers)
-- and table privileges.  PUBLIC holds no UPDATE/DELETE/TRUNCATE by default;
-- the REVOKE states the intent and undoes any GRANT made by hand.  The
-- table's OWNER keeps every privilege and may drop the triggers, so
-- production should run alcove as a role that does NOT own these tables:
-- create them as an admin role (alcove migrate), then GRANT SELECT, INSERT
-- on audit_events and audit_digests and SELECT, UPDATE on audit_head to
-- the application role.  The tests run as the owner, so what they
-- exercise is the triggers.
-- @if postgres
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% on %: audit records are append-only', TG_OP, TG_TABLE_NAME
		USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_digests_no_change BEFORE UPDATE OR DELETE ON audit_digests
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_digests_no_truncate BEFORE TRUNCATE ON audit_digests
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_digests FROM PUBLIC;
REVOKE DELETE, TRUNCATE ON audit_head FROM PUBLIC;
-- @end
