-- 0014_key_rotation: progress of data-key rotation (src/core/keys/rotate.c)
-- and the record of scheduled backups (src/core/backup/schedule.c).
--
-- key_rotations: one row per `alcove keys rotate`.  purposes is the
-- comma-separated list of key purposes rotated ("general,psychotherapy").
-- status: running -> done.  At most one rotation runs at a time (the
-- partial unique index); a crashed one stays 'running' and the next
-- `alcove keys rotate` resumes it.
CREATE TABLE key_rotations (
	id @ID@,
	purposes TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'running'
		CHECK (status IN ('running', 'done')),
	started_at BIGINT NOT NULL,
	finished_at BIGINT,
	rows_resealed BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX key_rotations_one_running ON key_rotations (status)
	WHERE status = 'running';

-- Where re-encryption has got to, per sealed column of the registry in
-- rotate.c: every row with id <= last_id has been re-sealed (or did not
-- need it).  Updated in the same transaction as each batch, so a crash
-- loses at most the batch in progress.  pass counts full sweeps (a row
-- sealed with a retiring key by another process during the sweep needs
-- another one).
CREATE TABLE key_rotation_progress (
	rotation_id BIGINT NOT NULL REFERENCES key_rotations(id),
	table_name TEXT NOT NULL,
	column_name TEXT NOT NULL,
	last_id BIGINT NOT NULL DEFAULT 0,
	rows_done BIGINT NOT NULL DEFAULT 0,
	pass INTEGER NOT NULL DEFAULT 1,
	PRIMARY KEY (rotation_id, table_name, column_name)
);

-- One row per backup the scheduled backup job took (or failed to take).
-- file is the file name inside backup.dir (never a path elsewhere); the
-- job prunes only files it recorded here.  pruned_at: when the file was
-- deleted by retention.  ok: 1 for a complete backup, 0 with error set.
CREATE TABLE backups (
	id @ID@,
	started_at BIGINT NOT NULL,
	finished_at BIGINT,
	file TEXT,
	bytes BIGINT,
	ok INTEGER NOT NULL DEFAULT 0,
	error TEXT,
	pruned_at BIGINT
);
CREATE INDEX backups_started ON backups (started_at);
