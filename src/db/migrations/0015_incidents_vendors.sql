-- 0015_incidents_vendors: security and privacy incidents with their
-- breach assessment (45 CFR 164.402-164.414), and the vendor / business
-- associate agreement inventory (164.308(b), 164.502(e), 164.504(e)).
-- Issue #8.  Compliance records are retired, never deleted: no DELETE
-- path exists, retain_until is 6 years after the record was in effect
-- (164.316(b)(2)(i), 164.530(j)).

-- One incident.  reporter_id is NULL when it was reported anonymously
-- (anonymous = 1): the row then holds nothing that names the reporter.
-- Dates are calendar dates 'YYYY-MM-DD' (legal clocks count days).
-- The breach assessment lives on the row (one assessment per incident,
-- each change a timeline entry): the three exceptions of 164.402(1)
-- (exc_* 0/1 with one rationale), the four factors of 164.402(2)
-- (f1..f4: rating low/medium/high and a narrative), the determination
-- proposed by assessed_by and approved by a second person (approved_by).
-- affected is the total; per-state counts are in incident_states.
-- Law-enforcement delay (164.412): delay_kind none/written/oral.
CREATE TABLE incidents (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	title TEXT NOT NULL,
	description TEXT NOT NULL,
	discovered_on TEXT NOT NULL,
	reporter_id BIGINT REFERENCES users(id),
	anonymous INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
	status TEXT NOT NULL DEFAULT 'triage' CHECK (status IN ('triage',
		'investigation', 'determination', 'mitigation', 'closed')),
	exc_unintentional INTEGER NOT NULL DEFAULT 0,
	exc_inadvertent INTEGER NOT NULL DEFAULT 0,
	exc_cannot_retain INTEGER NOT NULL DEFAULT 0,
	exc_rationale TEXT NOT NULL DEFAULT '',
	f1_rating TEXT, f1_text TEXT NOT NULL DEFAULT '',
	f2_rating TEXT, f2_text TEXT NOT NULL DEFAULT '',
	f3_rating TEXT, f3_text TEXT NOT NULL DEFAULT '',
	f4_rating TEXT, f4_text TEXT NOT NULL DEFAULT '',
	determination TEXT CHECK (determination IN ('breach', 'not_breach',
		'low_probability')),
	assessed_by BIGINT REFERENCES users(id),
	assessed_at BIGINT,
	approved_by BIGINT REFERENCES users(id),
	approved_at BIGINT,
	determined_on TEXT,
	affected BIGINT NOT NULL DEFAULT 0 CHECK (affected >= 0),
	delay_kind TEXT NOT NULL DEFAULT 'none' CHECK (delay_kind IN ('none',
		'written', 'oral')),
	delay_stated_on TEXT,
	delay_until TEXT,
	retain_until TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE INDEX incidents_practice ON incidents (practice_id, status);

-- Affected residents per state or jurisdiction (media notice, 164.406).
CREATE TABLE incident_states (
	incident_id BIGINT NOT NULL REFERENCES incidents(id),
	state TEXT NOT NULL,
	residents BIGINT NOT NULL CHECK (residents >= 0),
	PRIMARY KEY (incident_id, state)
);

-- The timeline: every action and decision, append-only.  actor_id is NULL
-- for an anonymous report.  kind: reported, status, note, assessment,
-- approval, counts, delay.
CREATE TABLE incident_events (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	incident_id BIGINT NOT NULL REFERENCES incidents(id),
	actor_id BIGINT REFERENCES users(id),
	at_ms BIGINT NOT NULL,
	kind TEXT NOT NULL,
	body TEXT NOT NULL
);

CREATE INDEX incident_events_incident ON incident_events (incident_id, at_ms);

-- The vendor inventory.  integration names the Alcove integration a row
-- stands for ('smtp', ...), created automatically from configuration:
-- such a row cannot be retired while the integration is configured, and
-- vendors_baa_ok() refuses to send PHI through it without a signed BAA.
CREATE TABLE vendors (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	name TEXT NOT NULL,
	services TEXT NOT NULL DEFAULT '',
	phi TEXT NOT NULL DEFAULT '',
	baa_status TEXT NOT NULL DEFAULT 'none' CHECK (baa_status IN ('none',
		'requested', 'pending', 'signed', 'expired', 'terminated')),
	effective_on TEXT,
	expires_on TEXT,
	review_months INTEGER NOT NULL DEFAULT 12 CHECK (review_months >= 1
		AND review_months <= 120),
	contact_name TEXT NOT NULL DEFAULT '',
	contact_email TEXT NOT NULL DEFAULT '',
	contact_phone TEXT NOT NULL DEFAULT '',
	integration TEXT,
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active',
		'retired')),
	retired_at BIGINT,
	retain_until TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (practice_id, integration)
);

CREATE INDEX vendors_practice ON vendors (practice_id, status, name);

-- The timeline is append-only at the database level, as audit_events is
-- (0003): the same limits apply (an owner can drop a trigger).
-- @if sqlite
CREATE TRIGGER incident_events_no_update BEFORE UPDATE ON incident_events
BEGIN SELECT RAISE(ABORT, 'incident timeline entries are append-only'); END;
CREATE TRIGGER incident_events_no_delete BEFORE DELETE ON incident_events
BEGIN SELECT RAISE(ABORT, 'incident timeline entries are append-only'); END;
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents are retired, never deleted'); END;
-- @end
-- @if postgres
CREATE FUNCTION incident_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% on %: incident records are append-only', TG_OP, TG_TABLE_NAME
		USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER incident_events_no_change BEFORE UPDATE OR DELETE ON incident_events
	FOR EACH ROW EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER incident_events_no_truncate BEFORE TRUNCATE ON incident_events
	FOR EACH STATEMENT EXECUTE FUNCTION incident_append_only();
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
	FOR EACH ROW EXECUTE FUNCTION incident_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON incident_events FROM PUBLIC;
-- @end
