-- 0021_sched_more: what the waitlist needs beyond 0013 (issue #7;
-- src/core/scheduling/waitlist.c).
--
-- since_date: the day the patient started waiting ('YYYY-MM-DD', the
-- practice's zone), as the front desk was told; created_at stays the
-- moment the row was typed.  An entry is never deleted: it is removed
-- with a reason (active 0, removed_reason, removed_at, removed_by), so
-- the list of who waited, and why they left it, stays.
ALTER TABLE sched_waitlist ADD COLUMN since_date TEXT;
ALTER TABLE sched_waitlist ADD COLUMN removed_reason TEXT;
ALTER TABLE sched_waitlist ADD COLUMN removed_at BIGINT;
ALTER TABLE sched_waitlist ADD COLUMN removed_by BIGINT REFERENCES users(id);
CREATE INDEX sched_waitlist_active ON sched_waitlist (practice_id, active);
