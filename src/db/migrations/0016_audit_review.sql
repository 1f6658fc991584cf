-- 0016_audit_review: the audit-log review workflow and the digest e-mails
-- (issue #5; src/core/audit_view/review.c and digest_job.c).
--
-- Events stay immutable: what a reviewer says about an event lives here,
-- keyed by the event's seq, never in audit_events.  Nothing here has an
-- UPDATE or DELETE path; the triggers make that hold for the database too.

-- A signed-off review of one period (dates in the practice's zone, both
-- included): who reviewed it, what it held (counts is JSON: verb -> count)
-- and when it was signed.
CREATE TABLE audit_reviews (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	period_from TEXT NOT NULL,
	period_to TEXT NOT NULL,
	reviewer_id BIGINT NOT NULL REFERENCES users(id),
	events BIGINT NOT NULL,
	flagged BIGINT NOT NULL,
	counts TEXT NOT NULL,
	note TEXT NOT NULL,
	signed_at BIGINT NOT NULL
);
CREATE INDEX audit_reviews_practice ON audit_reviews (practice_id, signed_at);

-- A flagged event marked reviewed, with the reviewer's note.  One mark per
-- event and practice: the first reviewer's word stands.
CREATE TABLE audit_review_marks (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	event_seq BIGINT NOT NULL,
	flag TEXT NOT NULL,
	reviewer_id BIGINT NOT NULL REFERENCES users(id),
	note TEXT NOT NULL,
	marked_at BIGINT NOT NULL,
	UNIQUE (practice_id, event_seq)
);

-- The daily digest e-mail, once per practice and UTC day of the digest,
-- inserted with its mail job so a job run twice mails once.
CREATE TABLE audit_digest_mails (
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	day TEXT NOT NULL,
	last_seq BIGINT NOT NULL,
	queued_at BIGINT NOT NULL,
	PRIMARY KEY (practice_id, day)
);

-- @if sqlite
CREATE TRIGGER audit_reviews_no_update BEFORE UPDATE ON audit_reviews
BEGIN SELECT RAISE(ABORT, 'audit reviews are append-only'); END;
CREATE TRIGGER audit_reviews_no_delete BEFORE DELETE ON audit_reviews
BEGIN SELECT RAISE(ABORT, 'audit reviews are append-only'); END;
CREATE TRIGGER audit_review_marks_no_update BEFORE UPDATE ON audit_review_marks
BEGIN SELECT RAISE(ABORT, 'audit review marks are append-only'); END;
CREATE TRIGGER audit_review_marks_no_delete BEFORE DELETE ON audit_review_marks
BEGIN SELECT RAISE(ABORT, 'audit review marks are append-only'); END;
-- @end
-- @if postgres
CREATE FUNCTION audit_review_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit reviews are append-only'; END $$;
CREATE TRIGGER audit_reviews_append_only BEFORE UPDATE OR DELETE ON audit_reviews
FOR EACH ROW EXECUTE FUNCTION audit_review_append_only();
CREATE TRIGGER audit_review_marks_append_only BEFORE UPDATE OR DELETE ON audit_review_marks
FOR EACH ROW EXECUTE FUNCTION audit_review_append_only();
-- @end
