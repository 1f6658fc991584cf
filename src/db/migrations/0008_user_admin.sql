-- 0008_user_admin: the record of provisioning and termination
-- (45 CFR 164.308(a)(3)(ii)(B)-(C), (a)(4)): who gave or changed whose
-- access, when and why, and how long it took to remove access after
-- employment ended.

-- When the user last changed their password (the access review shows it;
-- NIST SP 800-63B: no forced rotation, but a compromised password must be
-- changed, and reviewers want to see stale ones).
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;

-- Every change to a user's roles in a practice, including the initial
-- grant: the roles before and after (comma-separated role names), who did
-- it and why.  Append-only by convention; the audit trail also records it.
CREATE TABLE role_changes (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	roles_before TEXT NOT NULL,
	roles_after TEXT NOT NULL,
	changed_by BIGINT REFERENCES users(id),
	reason TEXT NOT NULL,
	changed_at BIGINT NOT NULL
);

CREATE INDEX role_changes_user ON role_changes (practice_id, user_id, changed_at);

-- A deactivation: employment_ended_at is when the person stopped working
-- for the practice (entered by the administrator); access_removed_at is
-- when Alcove ended their sessions and blocked sign-in.  The difference is
-- what the proposed 2025 Security Rule wants under an hour.
CREATE TABLE deactivations (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	employment_ended_at BIGINT NOT NULL,
	access_removed_at BIGINT NOT NULL,
	deactivated_by BIGINT REFERENCES users(id),
	reason TEXT NOT NULL
);
