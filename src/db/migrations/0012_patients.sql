-- 0012_patients: patient records, care teams and break-glass access
-- (src/core/patients/).
--
-- Every identifying field is sealed with the practice's 'general' data key
-- (src/core/keys/keystore.h) before it reaches this table; the database
-- holds ciphertext, keyed blind indexes for exact-match search, and the
-- few plain columns the practice needs to filter on that identify nobody
-- by themselves (status, flags, dates of change).
--
--   name     sealed JSON {"legal_first","legal_last","preferred","pronouns"}
--   dob      sealed "YYYY-MM-DD"
--   profile  sealed JSON with everything else: sex, gender identity,
--            contact details with per-channel consent, confidential
--            communication, emergency contact, representatives, insurance
--            (the layout is documented in src/core/patients/record.c)
--
-- Records are never deleted (retention); a duplicate merged into another
-- record keeps its row, with merged_into pointing at the survivor.
CREATE TABLE patients (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	status TEXT NOT NULL DEFAULT 'active'
	    CHECK (status IN ('inquiry', 'active', 'inactive', 'discharged',
	        'merged')),
	part2 INTEGER NOT NULL DEFAULT 0,       -- 42 CFR Part 2 program patient
	staff_patient INTEGER NOT NULL DEFAULT 0, -- a staff member as patient
	restricted INTEGER NOT NULL DEFAULT 0,  -- care team and owners only
	name @BLOB@,
	dob @BLOB@,
	profile @BLOB@,
	dob_bidx TEXT,
	-- Chart number shown to staff ("P-000123"): not PHI by itself, and
	-- what a phone call or a printed schedule refers to.
	chart_no TEXT NOT NULL,
	merged_into BIGINT REFERENCES patients(id),
	version INTEGER NOT NULL DEFAULT 1,     -- optimistic locking for edits
	created_at BIGINT NOT NULL,
	created_by BIGINT REFERENCES users(id),
	updated_at BIGINT NOT NULL,
	updated_by BIGINT REFERENCES users(id),
	retain_until BIGINT,
	UNIQUE (practice_id, chart_no)
);
CREATE INDEX patients_practice_status ON patients (practice_id, status);
CREATE INDEX patients_dob_bidx ON patients (practice_id, dob_bidx);

-- Blind indexes that a record has several of: one row per name token
-- (legal and preferred names), phone number and e-mail address.
-- kind: 'name', 'phone', 'email'.  Rewritten whenever the record changes.
CREATE TABLE patient_search (
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	kind TEXT NOT NULL CHECK (kind IN ('name', 'phone', 'email')),
	bidx TEXT NOT NULL,
	PRIMARY KEY (patient_id, kind, bidx)
);
CREATE INDEX patient_search_lookup ON patient_search (practice_id, kind, bidx);

-- The care team: who treats the patient.  A clinician or supervisor sees
-- the records of patients whose team they are on (minimum necessary);
-- anyone else with clinical roles needs break-glass.  role: 'primary'
-- (the assigned clinician), 'clinician', 'supervisor'.  Leaving the team
-- sets removed_at (kept for the access review), never deletes the row.
CREATE TABLE care_team (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	role TEXT NOT NULL CHECK (role IN ('primary', 'clinician', 'supervisor')),
	added_at BIGINT NOT NULL,
	added_by BIGINT REFERENCES users(id),
	removed_at BIGINT,
	removed_by BIGINT REFERENCES users(id)
);
CREATE UNIQUE INDEX care_team_live ON care_team (patient_id, user_id)
    WHERE removed_at IS NULL;
CREATE INDEX care_team_user ON care_team (practice_id, user_id)
    WHERE removed_at IS NULL;

-- Break-glass: emergency access to a record outside one's care team, with
-- a stated reason, for a limited time; every grant is flagged for review
-- by the compliance officer (reviewed_at/by, review_note).
CREATE TABLE break_glass (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	reason TEXT NOT NULL,
	started_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	reviewed_at BIGINT,
	reviewed_by BIGINT REFERENCES users(id),
	review_note TEXT
);
CREATE INDEX break_glass_active ON break_glass (patient_id, user_id, expires_at);
CREATE INDEX break_glass_review ON break_glass (practice_id, reviewed_at);

-- Merges, for the record: which duplicate went into which record, by whom.
CREATE TABLE patient_merges (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	survivor_id BIGINT NOT NULL REFERENCES patients(id),
	merged_id BIGINT NOT NULL REFERENCES patients(id),
	merged_at BIGINT NOT NULL,
	merged_by BIGINT REFERENCES users(id),
	reason TEXT NOT NULL
);
