'use strict';
/*
 * The waitlist and group appointments through their pages: a patient is
 * added (clinician, Monday mornings, a note) and listed, mistakes come
 * back with the input kept; when a matching appointment is cancelled the
 * appointment page and the day view show "Waitlist matches" with a
 * prefilled booking link, and that read is audited; removing needs a
 * reason; billing and compliance get 403.  A group takes patients by
 * chart number up to its capacity, with a clear message when full, and
 * lets one leave.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const one = async (srv, q) => (await sql(srv, q)).trim();

describe(`waitlist and groups (${lib.ENGINE})`, () => {
	let srv, owner, desk, billing, comp, clinId, harriet, oscar, wilma, appt;

	async function register(first, last, dob) {
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: first, legal_last: last, dob, not_duplicate: '1' });
		assert.equal(res.status, 303, `register ${first}: ${res.status}`);
		return /\/patients\/(\d+)/.exec(res.headers.location)[1];
	}

	before(async () => {
		srv = await lib.startServer({ name: 'schedule_waitlist' });
		await sql(srv, "UPDATE practices SET timezone = 'America/New_York'");
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const cl = {};
		for (const [email, name, role] of [['desk@example.test', 'Dana Desk', 'front_desk'],
			['bill@example.test', 'Bill Billing', 'billing'], ['comp@example.test', 'Cora Compliance', 'compliance'],
			['clin@example.test', 'Cal Clinician', 'clinician']]) {
			const pw = await addUser(srv, email, name, role);
			cl[role] = client(srv);
			await cl[role].signIn(email, pw);
		}
		({ front_desk: desk, billing, compliance: comp } = cl);
		clinId = await one(srv, "SELECT id FROM users WHERE email = 'clin@example.test'");
		harriet = await register('Harriet', 'Quillfeather', '1980-04-02');
		oscar = await register('Oscar', 'Wrenfield', '1975-09-30');
		wilma = await register('Wilma', 'Thornbury', '1990-01-15');
	});
	after(async () => { if (srv) await srv.stop(); });

	const add = (fields) => {
		const f = { patient: oscar, clinician: clinId, day1: '1', earliest: '09:00', latest: '12:00',
			since: '2026-11-01', note: 'Prefers mornings before work', ...fields };
		for (const k of Object.keys(f))
			if (f[k] === undefined)
				delete f[k];
		return desk.post('/schedule/waitlist', '/schedule/waitlist', f);
	};

	test('the search finds the patient, and adding keeps the input on mistakes', async () => {
		const found = await desk.req('/schedule/waitlist?q=Wrenfield');
		assert.equal(found.status, 200);
		assert.match(found.body, /Oscar Wrenfield, born 1975-09-30/);
		let res = await add({ day1: undefined });
		assert.equal(res.status, 422);
		assert.match(res.body, /Choose at least one day of the week/);
		assert.match(res.body, /value="Prefers mornings before work"/);
		assert.match(res.body, /Patient: <strong>Oscar Wrenfield/);
		res = await add({ earliest: '13:00' });
		assert.equal(res.status, 422);
		assert.match(res.body, /The earliest time must come before the latest/);
		res = await add({ patient: '' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Find the patient and choose them/);
		res = await add({});
		assert.equal(res.status, 303);
		res = await add({});
		assert.equal(res.status, 422);
		assert.match(res.body, /already on the waitlist for that clinician/);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'waitlist' " +
			`AND verb = 'CREATE' AND patient_id = ${oscar}`), '1');
		assert.equal(await one(srv, `SELECT count(*) FROM sched_waitlist WHERE note LIKE '%mornings%'`), '0',
			'the note is sealed');
	});

	test('the list shows who waits, for whom, when; it is an audited read', async () => {
		const res = await desk.req('/schedule/waitlist');
		assert.equal(res.status, 200);
		assert.match(res.body, /Oscar Wrenfield<\/td><td>Cal Clinician<\/td><td>Mon<\/td><td>09:00 to 12:00<\/td><td>2026-11-01<\/td><td>Prefers mornings before work/);
		const ev = await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'calendar' AND " +
			`detail LIKE '%"view":"waitlist"%' AND patient_id = ${oscar}`);
		assert.ok(Number(ev) >= 1);
	});

	test('a cancelled Monday 10:00 slot suggests the waiting patient, with a prefilled booking link', async () => {
		let res = await desk.post('/schedule/new', '/schedule', { kind: 'individual', clinician: clinId,
			patient: harriet, date: '2027-03-01', time: '10:00', minutes: '50', repeat: 'none' });
		assert.equal(res.status, 303, res.body);
		appt = /appointments\/(\d+)/.exec(res.headers.location)[1];
		res = await desk.req(`/schedule/appointments/${appt}`);
		assert.doesNotMatch(res.body, /Waitlist matches/, 'no suggestion while the slot is taken');
		res = await desk.post(`/schedule/appointments/${appt}`, `/schedule/appointments/${appt}/status`,
			{ status: 'cancelled', reason: 'Patient moved away', fee: '' });
		assert.equal(res.status, 303);
		res = await desk.req(`/schedule/appointments/${appt}`);
		assert.match(res.body, /Waitlist matches/);
		assert.match(res.body, /Oscar Wrenfield: fits Monday 1 March 2027 at 10:00/);
		const m = /<a href="(\/schedule\/new\?[^"]+)">Book Oscar Wrenfield in this slot/.exec(res.body);
		assert.ok(m, 'a booking link');
		const link = new URL(m[1].replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d)))
			.replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCharCode(parseInt(h, 16))).replace(/&amp;/g, '&'), 'https://x');
		assert.equal(link.searchParams.get('patient'), oscar);
		assert.equal(link.searchParams.get('clinician'), clinId);
		assert.equal(link.searchParams.get('date'), '2027-03-01');
		assert.equal(link.searchParams.get('time'), '10:00');
		assert.equal(link.searchParams.get('minutes'), '50');
		const day = await desk.req(`/schedule?date=2027-03-01&view=day&clinician=${clinId}`);
		assert.match(day.body, /Waitlist matches/);
		assert.match(day.body, /Oscar Wrenfield: fits/);
		const form = await desk.req(`/schedule/new?patient=${oscar}&clinician=${clinId}&date=2027-03-01&time=10:00&minutes=50`);
		assert.match(form.body, /Patient: <strong>Oscar Wrenfield/);
		assert.match(form.body, /value="2027-03-01"/);
		const ev = await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'calendar' AND " +
			`detail LIKE '%waitlist_matches%' AND patient_id = ${oscar}`);
		assert.ok(Number(ev) >= 2, `the suggestions are audited reads: ${ev}`);
		const tue = await desk.req(`/schedule?date=2027-03-02&view=day&clinician=${clinId}`);
		assert.doesNotMatch(tue.body, /Waitlist matches/);
	});

	test('removing needs a reason, keeps the row and is audited', async () => {
		const id = await one(srv, `SELECT id FROM sched_waitlist WHERE patient_id = ${oscar}`);
		let res = await desk.post('/schedule/waitlist', `/schedule/waitlist/${id}/remove`, { reason: '' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Give the reason/);
		res = await desk.post('/schedule/waitlist', `/schedule/waitlist/${id}/remove`, { reason: 'Booked' });
		assert.equal(res.status, 303);
		res = await desk.req('/schedule/waitlist?done=removed');
		assert.match(res.body, /off the waitlist/);
		assert.match(res.body, /Nobody is waiting/);
		assert.equal(await one(srv, `SELECT active || ' ' || removed_reason FROM sched_waitlist WHERE id = ${id}`),
			'0 Booked');
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'waitlist' " +
			`AND verb = 'UPDATE' AND object_id = '${id}'`), '1');
		res = await desk.post('/schedule/waitlist', `/schedule/waitlist/${id}/remove`, { reason: 'Again' });
		assert.equal(res.status, 404);
	});

	test('billing and compliance get 403 on the waitlist', async () => {
		for (const c of [billing, comp]) {
			const res = await c.req('/schedule/waitlist');
			assert.equal(res.status, 403);
		}
		const csrf = await billing.csrfFrom('/account/sessions');
		const res = await billing.req('/schedule/waitlist', { form: { csrf, patient: wilma, day1: '1' } });
		assert.equal(res.status, 403);
	});

	test('a group takes patients by chart number up to its capacity, and one can leave', async () => {
		let res = await desk.post('/schedule/new', '/schedule', { kind: 'group', capacity: '2', clinician: clinId,
			patient: harriet, date: '2027-03-03', time: '15:00', repeat: 'none' });
		assert.equal(res.status, 303, res.body);
		const g = /appointments\/(\d+)/.exec(res.headers.location)[1];
		res = await desk.req(`/schedule/appointments/${g}`);
		assert.match(res.body, /Add a patient to this group/);
		const chart = await one(srv, `SELECT chart_no FROM patients WHERE id = ${oscar}`);
		res = await desk.post(`/schedule/appointments/${g}`, `/schedule/appointments/${g}/patients`,
			{ add_patient: 'Nobody Atall' });
		assert.equal(res.status, 422);
		assert.match(res.body, /No patient matches/);
		res = await desk.post(`/schedule/appointments/${g}`, `/schedule/appointments/${g}/patients`,
			{ add_patient: chart });
		assert.equal(res.status, 303);
		res = await desk.req(res.headers.location);
		assert.match(res.body, /The patient is added to the group/);
		assert.match(res.body, /Harriet Quillfeather, Oscar Wrenfield|Oscar Wrenfield, Harriet Quillfeather/);
		res = await desk.post(`/schedule/appointments/${g}`, `/schedule/appointments/${g}/patients`,
			{ add_patient: 'Wilma Thornbury' });
		assert.equal(res.status, 422);
		assert.match(res.body, /This group is full: it holds 2 patients/);
		assert.match(res.body, /value="Wilma Thornbury"/);
		res = await desk.post(`/schedule/appointments/${g}`, `/schedule/appointments/${g}/patients/remove`,
			{ patient: oscar });
		assert.equal(res.status, 303);
		assert.equal(await one(srv, `SELECT count(*) FROM appointment_patients WHERE appointment_id = ${g}`), '1');
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'appointment' " +
			`AND object_id = '${g}' AND detail LIKE '%removed%' AND patient_id = ${oscar}`), '1');
		res = await desk.post(`/schedule/appointments/${g}`, `/schedule/appointments/${g}/patients/remove`,
			{ patient: harriet });
		assert.equal(res.status, 422);
		assert.match(res.body, /The last patient cannot leave/);
		const csrf = await billing.csrfFrom('/account/sessions');
		res = await billing.req(`/schedule/appointments/${g}/patients`, { form: { csrf, add_patient: chart } });
		assert.equal(res.status, 403);
	});
});
