-- 0019_notes: clinical notes, their versions and addenda, psychotherapy
-- notes kept apart, and supervision for co-signing (issue #10;
-- src/core/notes/).
--
-- A note's fields are PHI: they are sealed together as one JSON object in
-- notes.data (purpose 'general', AD notes/data/id).  Every save also keeps
-- a sealed copy in note_versions (AD note_versions/data/id), so every
-- version can be shown and compared.  In the clear: who, which patient,
-- which template (key + version), when, and the signing state.  A signed
-- note is locked (signed_at set): the code refuses every change to it and
-- only addenda (own rows, signed when written) may follow.
CREATE TABLE notes (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	appointment_id BIGINT REFERENCES appointments(id),
	author_id BIGINT NOT NULL REFERENCES users(id),
	template_key TEXT NOT NULL,
	template_version INTEGER NOT NULL,
	service_at BIGINT NOT NULL,
	minutes INTEGER,
	cpt_code TEXT,
	location TEXT,
	status TEXT NOT NULL DEFAULT 'draft'
	    CHECK (status IN ('draft', 'signed', 'cosign_pending', 'returned',
	        'cosigned')),
	version INTEGER NOT NULL DEFAULT 0,
	data @BLOB@,
	signed_at BIGINT,
	signed_by BIGINT REFERENCES users(id),
	late_entry INTEGER NOT NULL DEFAULT 0 CHECK (late_entry IN (0, 1)),
	cosigner_id BIGINT REFERENCES users(id),
	cosigned_at BIGINT,
	return_comment TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX notes_patient ON notes (practice_id, patient_id, service_at);
CREATE INDEX notes_appointment ON notes (appointment_id);
CREATE INDEX notes_cosign ON notes (practice_id, cosigner_id, status);

CREATE TABLE note_versions (
	id @ID@,
	note_id BIGINT NOT NULL REFERENCES notes(id),
	version INTEGER NOT NULL,
	saved_by BIGINT NOT NULL REFERENCES users(id),
	saved_at BIGINT NOT NULL,
	data @BLOB@,
	UNIQUE (note_id, version)
);

CREATE TABLE note_addenda (
	id @ID@,
	note_id BIGINT NOT NULL REFERENCES notes(id),
	author_id BIGINT NOT NULL REFERENCES users(id),
	signed_at BIGINT NOT NULL,
	data @BLOB@
);
CREATE INDEX note_addenda_note ON note_addenda (note_id);

-- Psychotherapy notes (45 CFR 164.501): outside the designated record set,
-- sealed with the practice's 'psychotherapy' key (AD
-- psychotherapy_notes/data/id), listed only to their author.
CREATE TABLE psychotherapy_notes (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	author_id BIGINT NOT NULL REFERENCES users(id),
	data @BLOB@,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX psychotherapy_notes_author ON psychotherapy_notes
	(practice_id, author_id, patient_id);

-- A pre-licensed clinician (supervisee) and the supervisor who co-signs
-- their notes; one live supervisor per supervisee and practice.
CREATE TABLE supervision (
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	supervisee_id BIGINT NOT NULL REFERENCES users(id),
	supervisor_id BIGINT NOT NULL REFERENCES users(id),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (practice_id, supervisee_id)
);
