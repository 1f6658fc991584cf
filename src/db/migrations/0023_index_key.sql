-- 0023_index_key: blind-index rows name the key that computed them, so the
-- blind-index key can be rotated (src/core/keys/rotate_index.c): search
-- looks a value up under the active and the retiring index keys while the
-- rows are recomputed, and a retiring index key is retired only when no
-- row names it any more.
--
-- Rows written before this migration were computed with the practice's
-- active blind-index key (it has never been rotated before now).
ALTER TABLE patient_search ADD COLUMN key_id BIGINT;
ALTER TABLE patients ADD COLUMN dob_key_id BIGINT;
UPDATE patient_search SET key_id = (SELECT k.id FROM data_keys k WHERE
	k.practice_id = patient_search.practice_id AND k.purpose =
	'blind_index' AND k.status = 'active');
UPDATE patients SET dob_key_id = (SELECT k.id FROM data_keys k WHERE
	k.practice_id = patients.practice_id AND k.purpose = 'blind_index' AND
	k.status = 'active') WHERE dob_bidx IS NOT NULL;
CREATE INDEX patient_search_key ON patient_search (key_id);
CREATE INDEX patients_dob_key ON patients (dob_key_id);
