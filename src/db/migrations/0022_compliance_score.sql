-- 0022_compliance_score: the compliance dashboard's score history (issue #8;
-- src/core/compliance/dashboard.c).
--
-- One row per practice and calendar day (the practice's zone): written when
-- the dashboard is viewed, updated the same day only when the score or the
-- counts behind it changed.  facts is short JSON of those counts (no PHI),
-- so a past score can be explained.  Each write has its audit event
-- (object_type "compliance_score").
CREATE TABLE compliance_scores (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	day TEXT NOT NULL,
	score INTEGER NOT NULL CHECK (score >= 0 AND score <= 100),
	facts TEXT NOT NULL,
	recorded_at BIGINT NOT NULL,
	UNIQUE (practice_id, day)
);
