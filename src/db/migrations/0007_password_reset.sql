-- 0007_password_reset: single-use links to set a new password, sent by
-- e-mail (src/core/users/reset.c).

-- One row per link sent.  The link carries a random 256-bit token; only
-- its BLAKE2b hash is stored, so a copy of the database does not let
-- anyone reset a password.  A link works until expires_at (30 minutes
-- after it was asked for) and only once: used_at is set when the password
-- is changed, and also when a newer password change makes older links
-- pointless.  Rows are kept (they are small) so support can see that a
-- reset was asked for and used.
CREATE TABLE password_resets (
	id @ID@,
	token_hash TEXT NOT NULL UNIQUE,
	user_id BIGINT NOT NULL REFERENCES users(id),
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT,
	source_addr TEXT
);

CREATE INDEX password_resets_user ON password_resets (user_id, used_at);

-- How many resets were asked for, per e-mail address (key 'email:' and
-- the BLAKE2b hash of the lower-cased address, so addresses of people
-- without an account are not kept in clear) and per client address (key
-- 'addr:<ip>'), in the window that began at window_start.  Every request
-- updates it, for known and unknown addresses alike: that caps the
-- e-mail one person can be sent, and makes both cases do the same
-- database work.
CREATE TABLE password_reset_throttle (
	key TEXT PRIMARY KEY,
	requests INTEGER NOT NULL,
	window_start BIGINT NOT NULL
);
