-- 0009_compliance_tasks: the recurring work of a HIPAA program (issue #8):
-- tasks with an owner and a rule, each completion recorded, reassignments
-- recorded, reminders sent once, and calendar feed tokens.
--
-- Due dates are calendar dates ('YYYY-MM-DD' text, which sorts in date
-- order) in the practice's time zone, because legal clocks count calendar
-- days.  Compliance records are retired, never deleted (45 CFR
-- 164.316(b)(2)(i), 164.530(j)): retain_until is 6 years after the record
-- was last in effect, and nothing here has a DELETE path.

-- A recurring (or one-off) task.  recurrence 'months' repeats every
-- every_n months on anchor_day (the day of month the schedule started on,
-- so monthly from Jan 31 gives Feb 28/29 and then Mar 31 again); 'days'
-- every every_n days; 'once' never (next_due is NULL once it is done).
-- seed_key names a task of the seeded program, so seeding is idempotent.
CREATE TABLE compliance_tasks (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	seed_key TEXT,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	rule_citation TEXT NOT NULL DEFAULT '',
	rule_text TEXT NOT NULL DEFAULT '',
	owner_id BIGINT NOT NULL REFERENCES users(id),
	backup_owner_id BIGINT REFERENCES users(id),
	recurrence TEXT NOT NULL CHECK (recurrence IN ('months', 'days', 'once')),
	every_n INTEGER NOT NULL DEFAULT 1 CHECK (every_n >= 1 AND every_n <= 3660),
	anchor_day INTEGER NOT NULL DEFAULT 1 CHECK (anchor_day >= 1 AND anchor_day <= 31),
	next_due TEXT,
	checklist TEXT NOT NULL DEFAULT '',
	requires_signoff INTEGER NOT NULL DEFAULT 0 CHECK (requires_signoff IN (0, 1)),
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
	retired_at BIGINT,
	retired_by BIGINT REFERENCES users(id),
	retire_reason TEXT,
	retain_until TEXT NOT NULL,
	created_by BIGINT REFERENCES users(id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (practice_id, seed_key)
);

CREATE INDEX compliance_tasks_due ON compliance_tasks (practice_id, status, next_due);
CREATE INDEX compliance_tasks_owner ON compliance_tasks (owner_id);

-- One completed occurrence: the due date it answered, the checklist as it
-- was then with each item's mark ("[x] item" / "[ ] item", one per line),
-- who completed it and the note; and, for tasks that need one, the
-- sign-off by a second person.
CREATE TABLE compliance_occurrences (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	task_id BIGINT NOT NULL REFERENCES compliance_tasks(id),
	due_date TEXT NOT NULL,
	checklist TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL,
	completed_at BIGINT NOT NULL,
	completed_by BIGINT NOT NULL REFERENCES users(id),
	completed_on TEXT NOT NULL,
	signoff_required INTEGER NOT NULL DEFAULT 0 CHECK (signoff_required IN (0, 1)),
	signed_off_at BIGINT,
	signed_off_by BIGINT REFERENCES users(id),
	signoff_note TEXT,
	retain_until TEXT NOT NULL,
	UNIQUE (task_id, due_date)
);

CREATE INDEX compliance_occurrences_task ON compliance_occurrences (task_id, completed_at);

-- Every change of owner or backup owner: from whom, to whom, who did it,
-- when and why (the owner on leave, deactivated, ...).
CREATE TABLE compliance_reassignments (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	task_id BIGINT NOT NULL REFERENCES compliance_tasks(id),
	which TEXT NOT NULL CHECK (which IN ('owner', 'backup')),
	from_user BIGINT REFERENCES users(id),
	to_user BIGINT REFERENCES users(id),
	reason TEXT NOT NULL,
	changed_by BIGINT REFERENCES users(id),
	changed_at BIGINT NOT NULL
);

CREATE INDEX compliance_reassignments_task ON compliance_reassignments (task_id, changed_at);

-- Reminders already sent: one row per task, due date, kind and day, so a
-- daily job that runs twice (at-least-once delivery) mails once.
CREATE TABLE compliance_reminders (
	task_id BIGINT NOT NULL REFERENCES compliance_tasks(id),
	due_date TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('due14', 'due3', 'overdue')),
	sent_on TEXT NOT NULL,
	user_id BIGINT NOT NULL REFERENCES users(id),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (task_id, due_date, kind, sent_on, user_id)
);

-- Calendar feed tokens (GET /compliance/calendar.ics?token=...): the
-- database keeps only the token's hash; one live token per user and
-- practice, revoked rather than deleted.
CREATE TABLE compliance_feed_tokens (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	token_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT
);

CREATE INDEX compliance_feed_tokens_user ON compliance_feed_tokens (practice_id, user_id);
