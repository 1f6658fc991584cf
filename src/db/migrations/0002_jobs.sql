-- 0002_jobs: the durable job queue (src/jobs/).
--
-- One row per unit of deferred work: an e-mail to send, a reminder, a
-- recurring compliance task, a deadline escalation, a re-encryption batch.
-- Workers claim a due row, run the handler registered for its kind and mark
-- it done, or put it back with a later run_at, or give up ('dead') after
-- max_attempts.  Delivery is at least once: handlers must be idempotent.
--
-- payload is JSON text.  It must NEVER hold PHI in clear: the table is read
-- by operators, shown on admin pages and copied into backups like any other.
-- Put ids in the payload and let the handler load the record, or encrypt the
-- PHI with the field-encryption layer (src/crypto/) before it goes in.  The
-- same holds for last_error, which handlers write through jobs_fail().
--
-- status:       queued -> running -> done
--                          running -> queued (failed, will retry at run_at)
--                          running -> dead   (failed max_attempts times)
--               A 'running' row whose locked_until has passed belongs to a
--               worker that crashed or stalled: it is due again.
-- run_at, locked_until, *_at: integer milliseconds since the epoch, UTC.
-- idempotency_key: optional. A second enqueue with the same key returns the
--               first job instead of creating another.
-- locked_by:    "hostname:pid:thread" of the worker holding the lease.
CREATE TABLE jobs (
	id @ID@,
	practice_id BIGINT NULL REFERENCES practices(id),
	kind TEXT NOT NULL,
	payload TEXT NOT NULL DEFAULT '{}',
	idempotency_key TEXT NULL UNIQUE,
	status TEXT NOT NULL
		CHECK (status IN ('queued', 'running', 'done', 'dead')),
	run_at BIGINT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	max_attempts INTEGER NOT NULL DEFAULT 8 CHECK (max_attempts >= 1),
	locked_by TEXT,
	locked_until BIGINT,
	last_error TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	finished_at BIGINT
);

-- Claiming scans due rows by status and time.
CREATE INDEX jobs_status_run_at ON jobs (status, run_at);
