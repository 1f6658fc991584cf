-- 0004_sessions: server-side sessions and sign-in throttling.

-- A signed-in browser.  The cookie holds a random 256-bit token; only its
-- BLAKE2b hash is stored, so a copy of the database does not let anyone
-- take over a live session.  Any process can serve any request because the
-- session lives here, not in memory.  idle_ms comes from the practice's
-- setting at sign-in; expires_at is the absolute lifetime.  A session is
-- ended by setting ended_at (with the reason), never by deleting it, so
-- "where am I signed in" and the audit trail agree.
CREATE TABLE sessions (
	id @ID@,
	token_hash TEXT NOT NULL UNIQUE,
	user_id BIGINT NOT NULL REFERENCES users(id),
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	csrf TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	idle_ms BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	mfa INTEGER NOT NULL DEFAULT 0,
	source_addr TEXT,
	user_agent TEXT,
	ended_at BIGINT,
	end_reason TEXT CHECK (end_reason IN ('logout', 'idle', 'expired',
		'revoked', 'deactivated', 'rotated'))
);

CREATE INDEX sessions_user ON sessions (user_id, ended_at);

-- Failed sign-ins, counted per account (key 'acct:<email>') and per client
-- address (key 'addr:<ip>').  After a few failures each further attempt
-- must wait longer (locked_until); a success for the account clears it.
CREATE TABLE auth_throttle (
	key TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	first_at BIGINT NOT NULL,
	last_at BIGINT NOT NULL,
	locked_until BIGINT NOT NULL DEFAULT 0
);
