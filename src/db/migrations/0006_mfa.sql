-- 0006_mfa: two-step sign-in with TOTP authenticator apps (RFC 6238) and
-- single-use recovery codes (src/core/users/mfa.c).

-- One row per user who has started or finished setting up an
-- authenticator.  status 'pending': a secret was shown but never confirmed
-- with a code, so it does not protect anything yet; 'active': sign-in asks
-- for a code.  Turning MFA off deletes the row (and the recovery codes).
--
-- secret is the 20-byte TOTP secret sealed by the keystore (purpose
-- 'general', table 'mfa', column 'secret', row id = the user id) with the
-- data key of practice_id, the practice the user set it up from: a copy
-- of the database without the master key yields no usable secret.
--
-- last_step is the 30-second time step of the last code accepted: a code
-- is accepted only for a later step, so a code once used (or seen over a
-- shoulder after use) never works again.
CREATE TABLE mfa (
	user_id BIGINT PRIMARY KEY REFERENCES users(id),
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	secret @BLOB@ NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('pending', 'active')),
	created_at BIGINT NOT NULL,
	enrolled_at BIGINT,
	last_step BIGINT NOT NULL DEFAULT 0,
	CHECK ((status = 'active') = (enrolled_at IS NOT NULL))
);

-- Ten recovery codes per user, shown once; stored as a BLAKE2b hash of
-- "<user id>:<code>" (the codes are ~49 bits of randomness each, see
-- mfa.c for why no slow hash is needed).  A used code keeps its row with
-- used_at set; regenerating deletes the old set.
CREATE TABLE mfa_recovery_codes (
	id @ID@,
	user_id BIGINT NOT NULL REFERENCES users(id),
	code_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	used_at BIGINT
);

CREATE INDEX mfa_recovery_codes_user ON mfa_recovery_codes (user_id, used_at);
