-- 0017_policies_training: policies with immutable published versions and
-- attestations bound to a version (45 CFR 164.316, 164.530(i)), training
-- records (164.308(a)(5), 164.530(b)) and the practice's training
-- setting.  Issue #8.  Retired, never deleted; retain_until is 6 years
-- after the record was in effect (164.316(b)(2)(i), 164.530(j)).

-- A policy.  draft_text is the working text the managers edit; publishing
-- copies it into a new policy_versions row.  current_version is the number
-- of the latest published version (0: never published).  template_key
-- names the starter text it was adopted from (data/policies/KEY.md).
CREATE TABLE policies (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	title TEXT NOT NULL,
	template_key TEXT,
	owner_id BIGINT REFERENCES users(id),
	review_months INTEGER NOT NULL DEFAULT 12
		CHECK (review_months BETWEEN 1 AND 120),
	status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft',
		'published', 'retired')),
	draft_text TEXT NOT NULL DEFAULT '',
	current_version INTEGER NOT NULL DEFAULT 0,
	retain_until TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE INDEX policies_practice ON policies (practice_id, status);

-- A published version: immutable (the triggers below refuse UPDATE and
-- DELETE on both engines).  body_hash is the hex SHA-256 of body, the
-- text every attestation to this version is bound to.
CREATE TABLE policy_versions (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	policy_id BIGINT NOT NULL REFERENCES policies(id),
	version INTEGER NOT NULL CHECK (version >= 1),
	body TEXT NOT NULL,
	body_hash TEXT NOT NULL,
	effective_on TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	published_by BIGINT REFERENCES users(id),
	published_at BIGINT NOT NULL,
	UNIQUE (policy_id, version)
);

-- "I have read and understood version N": one per person and version,
-- with the hash of the text they read.  Append-only.
CREATE TABLE policy_attestations (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	version_id BIGINT NOT NULL REFERENCES policy_versions(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	body_hash TEXT NOT NULL,
	attested_at BIGINT NOT NULL,
	UNIQUE (version_id, user_id)
);

-- Training records.  Dates are calendar dates 'YYYY-MM-DD'; expires_on
-- is NULL for training that does not expire.  hours in tenths.
CREATE TABLE training_records (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	course TEXT NOT NULL,
	completed_on TEXT NOT NULL,
	hours_tenths INTEGER NOT NULL DEFAULT 0 CHECK (hours_tenths >= 0),
	provider TEXT NOT NULL DEFAULT '',
	evidence TEXT NOT NULL DEFAULT '',
	expires_on TEXT,
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active',
		'retired')),
	recorded_by BIGINT REFERENCES users(id),
	retain_until TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE INDEX training_records_user ON training_records (practice_id,
	user_id);

-- Per-practice setting: new staff must complete training within
-- training_due_days of their account's creation.
CREATE TABLE training_settings (
	practice_id BIGINT PRIMARY KEY REFERENCES practices(id),
	training_due_days INTEGER NOT NULL DEFAULT 30
		CHECK (training_due_days BETWEEN 1 AND 365),
	updated_at BIGINT NOT NULL
);

-- @if sqlite
CREATE TRIGGER policy_versions_no_update BEFORE UPDATE ON policy_versions
BEGIN SELECT RAISE(ABORT, 'published policy versions are immutable'); END;
CREATE TRIGGER policy_versions_no_delete BEFORE DELETE ON policy_versions
BEGIN SELECT RAISE(ABORT, 'published policy versions are immutable'); END;
CREATE TRIGGER policy_attestations_no_update BEFORE UPDATE ON
	policy_attestations
BEGIN SELECT RAISE(ABORT, 'attestations are append-only'); END;
CREATE TRIGGER policy_attestations_no_delete BEFORE DELETE ON
	policy_attestations
BEGIN SELECT RAISE(ABORT, 'attestations are append-only'); END;
-- @end
-- @if postgres
CREATE FUNCTION policy_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'published policy versions and attestations are immutable'; END $$;
CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON
	policy_versions FOR EACH ROW EXECUTE FUNCTION policy_immutable();
CREATE TRIGGER policy_attestations_immutable BEFORE UPDATE OR DELETE ON
	policy_attestations FOR EACH ROW EXECUTE FUNCTION policy_immutable();
-- @end

-- The sanctions log (164.530(e)) and the complaints log (164.530(d)):
-- append-only.  person (who was sanctioned, or the complainant) and
-- details (the violation, or the complaint) may name a patient or hold
-- health information, so both are sealed by the keystore (table
-- workforce_log, columns person and details, this row's id); they are
-- set once, right after the insert that gives the row its id, and the
-- triggers refuse any other UPDATE and every DELETE.
CREATE TABLE workforce_log (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	kind TEXT NOT NULL CHECK (kind IN ('sanction', 'complaint')),
	occurred_on TEXT NOT NULL,
	person @BLOB@,
	details @BLOB@,
	action_taken TEXT NOT NULL DEFAULT '',
	recorded_by BIGINT REFERENCES users(id),
	retain_until TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE INDEX workforce_log_practice ON workforce_log (practice_id, kind);

-- @if sqlite
-- Once written, only the sealed columns may change, and only to other
-- ciphertext: `alcove keys rotate` re-seals them under a new key.
CREATE TRIGGER workforce_log_no_update BEFORE UPDATE ON workforce_log
WHEN OLD.person IS NOT NULL AND (NEW.person IS NULL OR NEW.details IS NULL
	OR NEW.id IS NOT OLD.id OR NEW.practice_id IS NOT OLD.practice_id
	OR NEW.kind IS NOT OLD.kind OR NEW.occurred_on IS NOT OLD.occurred_on
	OR NEW.action_taken IS NOT OLD.action_taken
	OR NEW.recorded_by IS NOT OLD.recorded_by
	OR NEW.retain_until IS NOT OLD.retain_until
	OR NEW.created_at IS NOT OLD.created_at)
BEGIN SELECT RAISE(ABORT, 'the workforce log is append-only'); END;
CREATE TRIGGER workforce_log_no_delete BEFORE DELETE ON workforce_log
BEGIN SELECT RAISE(ABORT, 'the workforce log is append-only'); END;
-- @end
-- @if postgres
CREATE FUNCTION workforce_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND (OLD.person IS NULL OR
	    (NEW.person IS NOT NULL AND NEW.details IS NOT NULL AND
	    (NEW.id, NEW.practice_id, NEW.kind, NEW.occurred_on,
	    NEW.action_taken, NEW.recorded_by, NEW.retain_until, NEW.created_at)
	    IS NOT DISTINCT FROM (OLD.id, OLD.practice_id, OLD.kind,
	    OLD.occurred_on, OLD.action_taken, OLD.recorded_by, OLD.retain_until,
	    OLD.created_at))) THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'the workforce log is append-only';
END $$;
CREATE TRIGGER workforce_log_append_only BEFORE UPDATE OR DELETE ON
	workforce_log FOR EACH ROW EXECUTE FUNCTION workforce_log_append_only();
-- @end
