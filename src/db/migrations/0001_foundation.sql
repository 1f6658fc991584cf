-- 0001_foundation: practices, users, their roles, and settings.
--
-- Timestamps (*_at) are integer milliseconds since the epoch, UTC.  Rows
-- the law says to keep are retired (retired_at), never deleted.

-- A practice is one tenant: every PHI-bearing row elsewhere carries its
-- practice_id.  slug names it in URLs; timezone (IANA name) is where its
-- calendar days and legal clocks are counted.
CREATE TABLE practices (
	id @ID@,
	name TEXT NOT NULL,
	slug TEXT NOT NULL UNIQUE,
	timezone TEXT NOT NULL DEFAULT 'America/New_York',
	created_at BIGINT NOT NULL,
	retired_at BIGINT
);

-- One row per person who signs in (staff; patients get their own realm).
-- No shared accounts.  email is stored lower-cased by the application, so
-- the UNIQUE constraint is case-insensitive in effect.  password_hash is an
-- argon2id string, NULL until the user sets a password (invited).
CREATE TABLE users (
	id @ID@,
	email TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	password_hash TEXT,
	status TEXT NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'disabled')),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

-- Which roles a user holds in which practice: one row per role, so a
-- clinician who is also the owner has two rows.
CREATE TABLE memberships (
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'clinician',
		'supervisor', 'billing', 'front_desk', 'compliance')),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (practice_id, user_id, role)
);

CREATE INDEX memberships_user ON memberships (user_id);

-- Key/value settings of a practice, or of the installation when
-- practice_id is NULL.  UNIQUE treats NULLs as distinct on both engines, so
-- installation-wide keys get their own partial unique index.
CREATE TABLE settings (
	practice_id BIGINT REFERENCES practices(id),
	key TEXT NOT NULL,
	value TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (practice_id, key)
);

CREATE UNIQUE INDEX settings_global_key ON settings (key)
	WHERE practice_id IS NULL;
