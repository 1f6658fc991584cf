-- 0020_rights: individual-rights requests (45 CFR 164.522, 164.524,
-- 164.526, 164.528), the disclosure log and the accountings provided.
-- Issue #11, first slice.  Nothing here is ever deleted (no DELETE path);
-- dates are calendar dates 'YYYY-MM-DD' in the practice's zone, because
-- the legal clocks count calendar days from receipt.

-- Per practice: first periods shortened for a state (NULL: federal), and
-- the privacy contact printed on denial letters.  The application refuses
-- a period longer than the federal one; the CHECKs are the backstop.
CREATE TABLE rights_settings (
	practice_id BIGINT PRIMARY KEY REFERENCES practices(id),
	access_days INTEGER CHECK (access_days BETWEEN 1 AND 30),
	amendment_days INTEGER CHECK (amendment_days BETWEEN 1 AND 60),
	accounting_days INTEGER CHECK (accounting_days BETWEEN 1 AND 60),
	contact TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL,
	updated_by BIGINT REFERENCES users(id)
);

-- One request.  received_on is the day the practice received it (as
-- entered, may be in the past; the clock runs from it); entered_at when
-- it was typed in.  details is sealed JSON (keystore, purpose general,
-- AD rights_requests/details/id): what is asked, the representative's
-- name and authority, the third party an access copy goes to.
-- ext_notice_on: the day the written extension notice went out (one
-- extension only).  grounds: comma-separated codes of the fixed list in
-- core/rights/clock.c.  reviewer_id: who reviews a reviewable denial
-- (never decided_by).  status: open -> decided (granted, waiting for
-- delivery) -> fulfilled, or open -> closed (denied, or a kind with
-- nothing to deliver).
CREATE TABLE rights_requests (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	kind TEXT NOT NULL CHECK (kind IN ('access', 'amendment', 'accounting',
		'restriction', 'confidential')),
	access_form TEXT CHECK (access_form IN ('inspect', 'paper',
		'electronic')),
	send_to TEXT CHECK (send_to IN ('patient', 'third_party')),
	requester TEXT NOT NULL CHECK (requester IN ('patient',
		'representative')),
	channel TEXT NOT NULL CHECK (channel IN ('phone', 'letter', 'portal',
		'in_person')),
	received_on TEXT NOT NULL,
	details @BLOB@,
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open',
		'decided', 'fulfilled', 'closed')),
	ext_notice_on TEXT,
	ext_reason TEXT,
	decision TEXT CHECK (decision IN ('granted', 'partial', 'denied')),
	grounds TEXT NOT NULL DEFAULT '',
	decision_note TEXT NOT NULL DEFAULT '',
	decided_by BIGINT REFERENCES users(id),
	decided_on TEXT,
	reviewer_id BIGINT REFERENCES users(id),
	fulfilled_on TEXT,
	fulfilled_how TEXT CHECK (fulfilled_how IN ('paper', 'electronic',
		'inspection', 'mail', 'secure_link')),
	fulfilled_by BIGINT REFERENCES users(id),
	entered_at BIGINT NOT NULL,
	entered_by BIGINT REFERENCES users(id),
	updated_at BIGINT NOT NULL,
	CHECK (reviewer_id IS NULL OR decided_by IS NULL OR
		reviewer_id <> decided_by)
);

CREATE INDEX rights_requests_open ON rights_requests (practice_id, status);
CREATE INDEX rights_requests_patient ON rights_requests (patient_id);

-- Every release of PHI outside the practice.  body is sealed JSON
-- (AD disclosures/body/id): recipient, address, what, purpose.  basis is
-- a code of the fixed list in core/rights/clock.c, which also says which
-- bases 164.528(a)(1) excludes from the accounting.
CREATE TABLE disclosures (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	disclosed_on TEXT NOT NULL,
	basis TEXT NOT NULL,
	body @BLOB@,
	request_id BIGINT REFERENCES rights_requests(id),
	recorded_by BIGINT REFERENCES users(id),
	created_at BIGINT NOT NULL
);

CREATE INDEX disclosures_patient ON disclosures (patient_id, disclosed_on);

-- Each accounting of disclosures provided to a patient (164.528(c)(2):
-- the first in 12 months is free), with the period it covered.
CREATE TABLE accountings (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	period_from TEXT NOT NULL,
	period_to TEXT NOT NULL,
	provided_on TEXT NOT NULL,
	lines INTEGER NOT NULL,
	fee_cents BIGINT NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
	created_by BIGINT REFERENCES users(id),
	created_at BIGINT NOT NULL
);

CREATE INDEX accountings_patient ON accountings (patient_id, provided_on);
