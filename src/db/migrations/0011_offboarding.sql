-- 0011_offboarding: what a practice does by hand when someone leaves, and
-- invitation links (src/core/users/invite.c).

-- The offboarding checklist of a deactivated staff member: one row per
-- item ticked (the items themselves are fixed, listed in invite.c), with
-- who ticked it and when.  Unticking deletes the row; the audit trail
-- keeps every change.
CREATE TABLE offboarding_items (
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	item TEXT NOT NULL,
	done_at BIGINT NOT NULL,
	done_by BIGINT REFERENCES users(id),
	PRIMARY KEY (practice_id, user_id, item)
);

-- An invitation is a set-password link like a reset link, with a longer
-- life (72 hours): 'reset' or 'invite'.
ALTER TABLE password_resets ADD COLUMN kind TEXT NOT NULL DEFAULT 'reset';
