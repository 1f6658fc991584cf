-- 0028_risk: the security risk analysis and the risk register
-- (45 CFR 164.308(a)(1)(ii)(A)-(B); issue #8; core/compliance/risk.h).
--
-- An assessment is one dated, numbered run of the questionnaire
-- (data/risk/questions.txt).  Once completed and signed it is sealed: the
-- triggers below refuse any change to it or to its answers on both
-- engines, so the record an investigator reads is the one that was signed.
-- Retired, never deleted; retain_until is 6 years after it was in effect
-- (164.316(b)(2)(i)).
CREATE TABLE risk_assessments (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	version INTEGER NOT NULL CHECK (version >= 1),
	status TEXT NOT NULL DEFAULT 'in_progress' CHECK (status IN
		('in_progress', 'completed')),
	started_on TEXT NOT NULL,
	started_by BIGINT REFERENCES users(id),
	based_on BIGINT REFERENCES risk_assessments(id),
	completed_at BIGINT,
	completed_by BIGINT REFERENCES users(id),
	signed_name TEXT,
	signed_role TEXT,
	retain_until TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (practice_id, version)
);

-- One answer per question; answer NULL: not answered yet.  prefilled 1:
-- Alcove suggested it from what it knows (evidence says from what) and
-- nobody has changed it since.
CREATE TABLE risk_answers (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	assessment_id BIGINT NOT NULL REFERENCES risk_assessments(id),
	question_key TEXT NOT NULL,
	answer TEXT CHECK (answer IN ('yes', 'partly', 'no', 'na')),
	note TEXT NOT NULL DEFAULT '',
	prefilled INTEGER NOT NULL DEFAULT 0,
	evidence TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL,
	UNIQUE (assessment_id, question_key)
);

-- The register: risks found by an assessment ("no" or "partly"; its
-- question_key) and risks the practice adds itself.  The score is
-- likelihood x impact (1..25).  An accepted risk keeps its reason; a
-- risk's planned action may become a compliance task (task_id).
CREATE TABLE risks (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	assessment_id BIGINT REFERENCES risk_assessments(id),
	question_key TEXT,
	title TEXT NOT NULL,
	vulnerability TEXT NOT NULL DEFAULT '',
	likelihood INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
	impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
	owner_id BIGINT REFERENCES users(id),
	treatment TEXT NOT NULL CHECK (treatment IN ('mitigate', 'accept',
		'transfer', 'avoid')),
	accept_reason TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL DEFAULT '',
	due_on TEXT,
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open',
		'in_progress', 'closed')),
	task_id BIGINT REFERENCES compliance_tasks(id),
	retain_until TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE INDEX risks_practice ON risks (practice_id, status);

-- @if sqlite
CREATE TRIGGER risk_assessments_sealed BEFORE UPDATE ON risk_assessments
	WHEN OLD.status = 'completed'
BEGIN SELECT RAISE(ABORT, 'a completed risk assessment is sealed'); END;
CREATE TRIGGER risk_assessments_no_delete BEFORE DELETE ON risk_assessments
BEGIN SELECT RAISE(ABORT, 'risk assessments are never deleted'); END;
CREATE TRIGGER risk_answers_sealed BEFORE UPDATE ON risk_answers
	WHEN (SELECT status FROM risk_assessments WHERE id = OLD.assessment_id)
		= 'completed'
BEGIN SELECT RAISE(ABORT, 'a completed risk assessment is sealed'); END;
CREATE TRIGGER risk_answers_no_delete BEFORE DELETE ON risk_answers
BEGIN SELECT RAISE(ABORT, 'risk assessment answers are never deleted'); END;
CREATE TRIGGER risk_answers_no_late_insert BEFORE INSERT ON risk_answers
	WHEN (SELECT status FROM risk_assessments WHERE id = NEW.assessment_id)
		= 'completed'
BEGIN SELECT RAISE(ABORT, 'a completed risk assessment is sealed'); END;
-- @end
-- @if postgres
CREATE FUNCTION risk_assessment_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'risk assessments and their answers are never deleted';
	END IF;
	IF TG_TABLE_NAME = 'risk_assessments' THEN
		IF OLD.status = 'completed' THEN
			RAISE EXCEPTION 'a completed risk assessment is sealed';
		END IF;
	ELSIF (SELECT status FROM risk_assessments WHERE id =
	    NEW.assessment_id) = 'completed' THEN
		RAISE EXCEPTION 'a completed risk assessment is sealed';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER risk_assessments_sealed BEFORE UPDATE OR DELETE ON
	risk_assessments FOR EACH ROW EXECUTE FUNCTION risk_assessment_sealed();
CREATE TRIGGER risk_answers_sealed BEFORE INSERT OR UPDATE OR DELETE ON
	risk_answers FOR EACH ROW EXECUTE FUNCTION risk_assessment_sealed();
-- @end
