-- 0018_measures: measurement-based care (issue #10; src/core/measures/).
--
-- One row per administered rating scale.  The answers, total and band are
-- PHI and sealed together in data (keystore.h; AD measure_results/data/id).
-- In the clear: the instrument code and when it was given, so one
-- patient's trend is an index range, never a scan across patients.
-- alert = 1 when the result raised a safety alert (PHQ-9 item 9, C-SSRS
-- moderate or high); acknowledging sets ack_by/ack_at once.  Results are
-- part of the record: kept, never deleted (no DELETE path in the code).
CREATE TABLE measure_results (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	instrument TEXT NOT NULL CHECK (instrument IN ('phq9', 'gad7', 'pcl5',
	    'auditc', 'cssrs')),
	administered_at BIGINT NOT NULL,
	recorded_by BIGINT NOT NULL REFERENCES users(id),
	recorded_at BIGINT NOT NULL,
	data @BLOB@,
	alert INTEGER NOT NULL DEFAULT 0 CHECK (alert IN (0, 1)),
	ack_by BIGINT REFERENCES users(id),
	ack_at BIGINT
);
CREATE INDEX measure_results_trend ON measure_results
	(practice_id, patient_id, instrument, administered_at);
CREATE INDEX measure_results_open_alerts ON measure_results
	(practice_id, patient_id) WHERE alert = 1 AND ack_at IS NULL;
