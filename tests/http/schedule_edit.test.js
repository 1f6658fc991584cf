'use strict';
/*
 * "Only this appointment" / "This and all following" on the appointment
 * page: moving the tail of a weekly series from 10:00 to 14:00 across the
 * March daylight-saving change keeps 14:00 local and leaves the earlier
 * and the cancelled occurrences as they were (the series is split);
 * changing the clinician of the tail; a change that collides is refused
 * without an override and recorded with one; a mistake keeps what was
 * typed; the default changes only the one appointment.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const one = async (srv, q) => (await sql(srv, q)).trim();
const rows = async (srv, q) => (await one(srv, q)).split('\n');
const utcHm = (ms) => new Date(Number(ms)).toISOString().slice(11, 16);

describe(`scheduling: this and following (${lib.ENGINE})`, () => {
	let srv, owner, desk, clinA, clinB, harriet, oscar, first, sid;

	async function register(fst, last, dob) {
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: fst, legal_last: last, dob, not_duplicate: '1' });
		assert.equal(res.status, 303);
		return /\/patients\/(\d+)/.exec(res.headers.location)[1];
	}
	const appt = (k) => `/schedule/appointments/${Number(first) + k}`;
	const change = (k, fields) => desk.post(appt(k), `${appt(k)}/move`, fields);
	const occ = (series) => rows(srv, 'SELECT a.local_date, a.local_min, a.start_at, a.status, c.user_id ' +
		'FROM appointments a JOIN appointment_clinicians c ON c.appointment_id = a.id ' +
		`WHERE a.series_id = ${series} ORDER BY a.series_index`);

	before(async () => {
		srv = await lib.startServer({ name: 'schedule_edit' });
		await sql(srv, "UPDATE practices SET timezone = 'America/New_York'");
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const pw = await addUser(srv, 'desk@example.test', 'Dana Desk', 'front_desk');
		desk = client(srv);
		await desk.signIn('desk@example.test', pw);
		await addUser(srv, 'ada@example.test', 'Ada Alder', 'clinician');
		await addUser(srv, 'ben@example.test', 'Ben Birch', 'clinician');
		clinA = await one(srv, "SELECT id FROM users WHERE email = 'ada@example.test'");
		clinB = await one(srv, "SELECT id FROM users WHERE email = 'ben@example.test'");
		harriet = await register('Harriet', 'Quillfeather', '1980-04-02');
		oscar = await register('Oscar', 'Wrenfield', '1975-09-30');
		/* Mondays 23 February to 30 March 2026, 10:00 New York. */
		const res = await desk.post('/schedule/new', '/schedule', { kind: 'individual', clinician: clinA,
			patient: harriet, date: '2026-02-23', time: '10:00', repeat: 'weekly', interval: '1', count: '6' });
		assert.equal(res.status, 303, res.body);
		first = /appointments\/(\d+)/.exec(res.headers.location)[1];
		sid = await one(srv, `SELECT series_id FROM appointments WHERE id = ${first}`);
		/* The fourth (16 March) is cancelled: "this and following" leaves it. */
		const c = await desk.post(appt(3), `${appt(3)}/status`, { status: 'cancelled', reason: 'Snow day' });
		assert.equal(c.status, 303);
	});
	after(async () => { if (srv) await srv.stop(); });

	test('the page offers only this (the default) or this and all following', async () => {
		const page = await desk.req(appt(1));
		assert.equal(page.status, 200);
		assert.match(page.body, /<input type="radio" name="scope" value="this" checked> Only this appointment/);
		assert.match(page.body, /<input type="radio" name="scope" value="following"> This and all following/);
		assert.match(page.body, /id="f-date" name="date" type="date" value="2026-03-02"/, 'filled with what it has');
		assert.match(page.body, /id="f-time" name="time" type="time" value="10:00"/);
	});

	test('a mistake keeps what was typed and changes nothing', async () => {
		const res = await change(1, { scope: 'following', date: '2026-03-02', time: '14:00', minutes: 'long',
			clinician: clinA });
		assert.equal(res.status, 422);
		assert.match(res.body, /The length must be 5 to 600 minutes/);
		assert.match(res.body, /value="long"/);
		assert.match(res.body, /value="14:00"/);
		assert.match(res.body, /value="following" checked/);
		assert.ok((await occ(sid)).every((r) => r.split('|')[1] === '600'), 'nothing moved');
	});

	test('the tail moves from 10:00 to 14:00 across the March change and keeps 14:00 local', async () => {
		const res = await change(1, { scope: 'following', date: '2026-03-02', time: '14:00', minutes: '50',
			clinician: clinA, type: '', room: 'none' });
		assert.equal(res.status, 303, res.body);
		assert.match(res.headers.location, /done=changed_following$/);
		assert.match((await desk.req(res.headers.location)).body, /This and the following appointments are changed/);
		const old = await occ(sid);
		assert.equal(old.length, 2, 'the first and the cancelled one stay in the old series');
		const [d0, m0, t0, s0] = old[0].split('|');
		assert.deepEqual([d0, m0, utcHm(t0), s0], ['2026-02-23', '600', '15:00', 'scheduled'], 'earlier unchanged');
		const [d3, m3, t3, s3] = old[1].split('|');
		assert.deepEqual([d3, m3, utcHm(t3), s3], ['2026-03-16', '600', '14:00', 'cancelled'], 'cancelled untouched');
		const nsid = await one(srv, `SELECT id FROM sched_series WHERE parent_id = ${sid}`);
		assert.equal(await one(srv, `SELECT until_date FROM sched_series WHERE id = ${sid}`), '2026-03-01');
		const tail = await occ(nsid);
		assert.deepEqual(tail.map((r) => r.split('|')[0]), ['2026-03-02', '2026-03-09', '2026-03-23', '2026-03-30']);
		assert.ok(tail.every((r) => r.split('|')[1] === '840'), '14:00 local on every one');
		assert.deepEqual(tail.map((r) => utcHm(r.split('|')[2])), ['19:00', '18:00', '18:00', '18:00'],
			'the UTC hour moves with daylight saving');
		assert.match((await desk.req(appt(2))).body, /Monday 9 March 2026, 14:00 to 14:50/);
		const ev = await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'appointment' AND verb = 'UPDATE' " +
			`AND detail LIKE '%this_and_following%' AND detail LIKE '%changed_to%' AND patient_id = ${harriet}`);
		assert.equal(ev, '4', 'one event per changed occurrence');
	});

	test('the clinician of the tail changes; earlier ones keep theirs', async () => {
		const res = await change(4, { scope: 'following', date: '2026-03-23', time: '14:00', minutes: '50',
			clinician: clinB });
		assert.equal(res.status, 303, res.body);
		const clin = await rows(srv, 'SELECT a.local_date, c.user_id FROM appointments a JOIN appointment_clinicians c ' +
			`ON c.appointment_id = a.id WHERE a.id IN (${Number(first) + 1}, ${Number(first) + 2}, ` +
			`${Number(first) + 4}, ${Number(first) + 5}) ORDER BY a.local_date`);
		assert.deepEqual(clin, [`2026-03-02|${clinA}`, `2026-03-09|${clinA}`, `2026-03-23|${clinB}`,
			`2026-03-30|${clinB}`]);
		assert.match((await desk.req(appt(5))).body, /<dt>Clinicians<\/dt><dd>Ben Birch<\/dd>/);
		assert.match((await desk.req(appt(5))).body, /Monday 30 March 2026, 14:00 to 14:50/, 'time kept');
	});

	test('a change that collides is refused without the override and recorded with it', async () => {
		const o = await desk.post('/schedule/new', '/schedule', { kind: 'individual', clinician: clinB,
			patient: oscar, date: '2026-03-25', time: '14:30', repeat: 'none' });
		assert.equal(o.status, 303);
		/* 23 March and the following to Wednesdays: 25 March collides. */
		const fields = { scope: 'following', date: '2026-03-25', time: '14:00', minutes: '50', clinician: clinB };
		const res = await change(4, fields);
		assert.equal(res.status, 422);
		assert.match(res.body, /This change collides with other appointments/);
		assert.match(res.body, /The clinician is already booked: Wednesday 25 March 2026 at 14:00/);
		assert.match(res.body, /value="2026-03-25"/, 'the input is kept');
		assert.doesNotMatch(res.body, /Wrenfield/, 'the other patient is not named');
		assert.match((await desk.req(appt(4))).body, /Monday 23 March 2026, 14:00 to 14:50/, 'nothing changed');
		const ok = await change(4, { ...fields, override_reason: 'Agreed with both patients' });
		assert.equal(ok.status, 303, ok.body);
		assert.match((await desk.req(appt(4))).body, /Wednesday 25 March 2026, 14:00 to 14:50/);
		assert.match((await desk.req(appt(5))).body, /Wednesday 1 April 2026, 14:00 to 14:50/);
		assert.equal(await one(srv, `SELECT override_reason FROM appointments WHERE id = ${Number(first) + 4}`),
			'Agreed with both patients');
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'appointment' " +
			`AND object_id = '${Number(first) + 4}' AND reason = 'Agreed with both patients'`), '1');
		assert.match((await desk.req(appt(2))).body, /Monday 9 March 2026, 14:00 to 14:50/, 'the earlier part unchanged');
	});

	test('"only this" is the default: one appointment gets a new length', async () => {
		const res = await change(2, { date: '2026-03-09', time: '14:00', minutes: '80', clinician: clinA });
		assert.equal(res.status, 303, res.body);
		assert.match(res.headers.location, /done=moved$/);
		assert.match((await desk.req(appt(2))).body, /Monday 9 March 2026, 14:00 to 15:20/);
		assert.match((await desk.req(appt(1))).body, /Monday 2 March 2026, 14:00 to 14:50/, 'the others unchanged');
	});
});
