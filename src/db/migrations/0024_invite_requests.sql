-- 0024_invite_requests: who asked for a staff member to be invited and who
-- approved it (issue #4, provisioning; src/core/users/invite_request.c).
--
-- A practice administrator files a request (e-mail, name, initial roles,
-- reason); an owner approves it, which creates the account (or adds the
-- membership) and sends the set-password e-mail, or declines it with a
-- reason.  An owner who is the practice's only active owner may approve
-- their own request, so a solo practice invites in one step.  roles is the
-- list as roles_format() writes it ("clinician,supervisor").  Every change
-- has its audit event (object_type "invite_request").
CREATE TABLE invite_requests (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	email TEXT NOT NULL,
	display_name TEXT NOT NULL,
	roles TEXT NOT NULL,
	reason TEXT NOT NULL,
	requested_by BIGINT REFERENCES users(id),
	requested_at BIGINT NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'approved', 'declined')),
	decided_by BIGINT REFERENCES users(id),
	decided_at BIGINT,
	decision_note TEXT,
	user_id BIGINT REFERENCES users(id)
);
CREATE INDEX invite_requests_pending ON invite_requests (practice_id, status);
