-- 0005_keys: data keys for encryption at rest (src/core/keys/).
--
-- Envelope encryption: the master key lives outside the database (a file,
-- an environment variable or a systemd credential) and wraps these data
-- keys; the data keys seal PHI fields and compute blind indexes.  A copy
-- of this table without the master key is useless.
--
-- practice_id:   NULL for installation-wide keys (purpose 'backup').
-- purpose:       which class of data the key protects.  Psychotherapy notes
--                and 42 CFR Part 2 records have keys of their own.
-- wrapped:       version(1) || nonce(24) || ciphertext(32) || tag(16), the
--                key sealed under the master key with its id, practice and
--                purpose as associated data (crypto/aead.h).
-- master_key_id: fingerprint of the master key that wrapped it (16 hex
--                digits of a keyed BLAKE2b; never the key), so a process
--                started with the wrong master key says so plainly.
-- status:        active -> retiring (rotation is re-encrypting what it
--                sealed) -> retired (nothing uses it any more).  Rows are
--                never deleted: every ciphertext names its key id, and
--                an id must never come to mean another key.
-- Only src/core/keys/ reads or writes this table.
CREATE TABLE data_keys (
	id @ID@,
	practice_id BIGINT NULL REFERENCES practices(id),
	purpose TEXT NOT NULL CHECK (purpose IN ('general', 'psychotherapy',
		'part2', 'blind_index', 'backup')),
	wrapped @BLOB@ NOT NULL,
	master_key_id TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'retiring', 'retired')),
	created_at BIGINT NOT NULL,
	retired_at BIGINT,
	CHECK ((status = 'retired') = (retired_at IS NOT NULL))
);

-- At most one active key per (practice, purpose).  UNIQUE treats NULLs as
-- distinct, so installation keys get their own partial index.
CREATE UNIQUE INDEX data_keys_one_active ON data_keys (practice_id, purpose)
	WHERE status = 'active' AND practice_id IS NOT NULL;
CREATE UNIQUE INDEX data_keys_one_active_installation ON data_keys (purpose)
	WHERE status = 'active' AND practice_id IS NULL;
