-- 0013_scheduling: locations, rooms, appointment types, working hours,
-- appointments and their recurring series, charges, waitlist and the
-- PHI-free calendar feed tokens (src/core/scheduling/).
--
-- Times: an appointment's start and end are UTC milliseconds (what
-- conflicts and feeds compare); a series stores its LOCAL wall time
-- (date, minute of the day, zone), and every occurrence is materialised
-- from it, so a 10:00 weekly session stays 10:00 across daylight saving.
-- Each occurrence also keeps its own local date and minute, which is what
-- "move this one" changes.
CREATE TABLE sched_locations (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	name TEXT NOT NULL,
	telehealth INTEGER NOT NULL DEFAULT 0,
	active INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	UNIQUE (practice_id, name)
);

CREATE TABLE sched_rooms (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	location_id BIGINT NOT NULL REFERENCES sched_locations(id),
	name TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	UNIQUE (location_id, name)
);

-- colour: a key of the fixed accessible palette (scheduling.h).
CREATE TABLE sched_types (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	name TEXT NOT NULL,
	minutes INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 600),
	cpt_code TEXT,
	fee_cents BIGINT NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
	colour TEXT NOT NULL DEFAULT 'blue',
	active INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	UNIQUE (practice_id, name)
);

-- Working hours: one row per weekday block (0 Sunday .. 6 Saturday),
-- minutes of the day in the practice's zone.
CREATE TABLE sched_hours (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
	start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
	end_min INTEGER NOT NULL CHECK (end_min BETWEEN 1 AND 1440),
	CHECK (end_min > start_min)
);
CREATE INDEX sched_hours_user ON sched_hours (practice_id, user_id);

-- Time off and holidays: user_id NULL for the whole practice.  Dates
-- 'YYYY-MM-DD', inclusive.
CREATE TABLE sched_exceptions (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	user_id BIGINT REFERENCES users(id),
	kind TEXT NOT NULL CHECK (kind IN ('time_off', 'holiday')),
	first_date TEXT NOT NULL,
	last_date TEXT NOT NULL,
	label TEXT,
	created_at BIGINT NOT NULL
);

-- A recurring series.  freq: 'weekly' (every `interval` weeks) or
-- 'monthly_weekday' (the nth weekday of the month; nth -1 = the last).
-- It ends after `count` occurrences or on until_date (inclusive).  A
-- split ("this and following") ends the old series and starts a new one
-- whose parent_id names it.
CREATE TABLE sched_series (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	freq TEXT NOT NULL CHECK (freq IN ('weekly', 'monthly_weekday')),
	interval_n INTEGER NOT NULL DEFAULT 1 CHECK (interval_n BETWEEN 1 AND 52),
	nth INTEGER,
	first_date TEXT NOT NULL,
	start_min INTEGER NOT NULL,
	minutes INTEGER NOT NULL,
	tz TEXT NOT NULL,
	count_n INTEGER,
	until_date TEXT,
	parent_id BIGINT REFERENCES sched_series(id),
	created_at BIGINT NOT NULL,
	created_by BIGINT REFERENCES users(id)
);

CREATE TABLE appointments (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	series_id BIGINT REFERENCES sched_series(id),
	series_index INTEGER,
	kind TEXT NOT NULL DEFAULT 'individual'
	    CHECK (kind IN ('individual', 'couple_family', 'group')),
	capacity INTEGER,
	type_id BIGINT REFERENCES sched_types(id),
	location_id BIGINT REFERENCES sched_locations(id),
	room_id BIGINT REFERENCES sched_rooms(id),
	start_at BIGINT NOT NULL,
	end_at BIGINT NOT NULL,
	local_date TEXT NOT NULL,
	local_min INTEGER NOT NULL,
	tz TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'scheduled'
	    CHECK (status IN ('scheduled', 'confirmed', 'arrived', 'in_session',
	        'completed', 'cancelled', 'late_cancel', 'no_show')),
	cancel_reason TEXT,
	cancelled_by BIGINT REFERENCES users(id),
	cancelled_at BIGINT,
	-- An override of a conflict or of working hours: the reason given.
	override_reason TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL,
	created_by BIGINT REFERENCES users(id),
	updated_at BIGINT NOT NULL,
	CHECK (end_at > start_at)
);
CREATE INDEX appointments_time ON appointments (practice_id, start_at);
CREATE INDEX appointments_series ON appointments (series_id, series_index);
CREATE INDEX appointments_room ON appointments (room_id, start_at);

CREATE TABLE appointment_patients (
	appointment_id BIGINT NOT NULL REFERENCES appointments(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	PRIMARY KEY (appointment_id, patient_id)
);
CREATE INDEX appointment_patients_patient ON appointment_patients (patient_id);

CREATE TABLE appointment_clinicians (
	appointment_id BIGINT NOT NULL REFERENCES appointments(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	PRIMARY KEY (appointment_id, user_id)
);
CREATE INDEX appointment_clinicians_user ON appointment_clinicians (user_id);

-- Late-cancel and no-show fees, for billing to pick up later.
CREATE TABLE appointment_charges (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	appointment_id BIGINT NOT NULL REFERENCES appointments(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
	reason TEXT NOT NULL CHECK (reason IN ('late_cancel', 'no_show')),
	status TEXT NOT NULL DEFAULT 'pending'
	    CHECK (status IN ('pending', 'billed', 'waived')),
	created_at BIGINT NOT NULL,
	created_by BIGINT REFERENCES users(id)
);

-- days: a 7-character mask, Sunday first ("0111110" = weekdays);
-- earliest/latest: minutes of the day.  note is sealed (may be PHI).
CREATE TABLE sched_waitlist (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	patient_id BIGINT NOT NULL REFERENCES patients(id),
	clinician_id BIGINT REFERENCES users(id),
	days TEXT NOT NULL DEFAULT '1111111',
	earliest_min INTEGER NOT NULL DEFAULT 0,
	latest_min INTEGER NOT NULL DEFAULT 1440,
	note @BLOB@,
	active INTEGER NOT NULL DEFAULT 1,
	created_at BIGINT NOT NULL
);

CREATE TABLE sched_feed_tokens (
	id @ID@,
	practice_id BIGINT NOT NULL REFERENCES practices(id),
	user_id BIGINT NOT NULL REFERENCES users(id),
	token_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT
);
CREATE INDEX sched_feed_tokens_user ON sched_feed_tokens (practice_id, user_id);
