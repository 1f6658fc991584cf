'use strict';
/*
 * The front desk's "today" list: today's appointments in the practice's
 * zone with their status and the patient's name, a check-in button that
 * sets "arrived", no-shows highlighted, a balance column that honestly
 * says billing is not set up, the calendar's audit event (view "today");
 * billing sees the list without the button and cannot check in;
 * compliance gets 403.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const one = async (srv, q) => (await sql(srv, q)).trim();

/* A zone where it is daytime now, so "today" does not roll over mid-test. */
function daytimeZone() {
	for (const tz of ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'America/Los_Angeles',
		'Asia/Kolkata', 'Pacific/Auckland', 'UTC']) {
		const h = Number(new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', hour12: false })
			.format(new Date()));
		if (h >= 4 && h <= 19)
			return tz;
	}
	return 'UTC';
}

describe(`today list (${lib.ENGINE})`, () => {
	let srv, owner, desk, billing, comp, clinId, today, harriet, oscar, a1, a2;

	async function register(first, last, dob) {
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: first, legal_last: last, dob, not_duplicate: '1' });
		assert.equal(res.status, 303, `register ${first}: ${res.status}`);
		return /\/patients\/(\d+)/.exec(res.headers.location)[1];
	}

	before(async () => {
		srv = await lib.startServer({ name: 'schedule_today' });
		const tz = daytimeZone();
		await sql(srv, `UPDATE practices SET timezone = '${tz}'`);
		today = new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());
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
		const book = async (patient, time) => {
			const res = await desk.post('/schedule/new', '/schedule', { kind: 'individual', clinician: clinId,
				patient, date: today, time, repeat: 'none' });
			assert.equal(res.status, 303, res.body);
			return /appointments\/(\d+)/.exec(res.headers.location)[1];
		};
		a1 = await book(harriet, '01:00');
		a2 = await book(oscar, '02:00');
	});
	after(async () => { if (srv) await srv.stop(); });

	test('the front desk sees today with names, status, a check-in button and no fake balance', async () => {
		const res = await desk.req('/schedule/today');
		assert.equal(res.status, 200);
		assert.match(res.body, /Today: /);
		assert.match(res.body, /01:00–01:50/);
		assert.match(res.body, /Harriet Quillfeather/);
		assert.match(res.body, /Oscar Wrenfield/);
		assert.match(res.body, /Cal Clinician/);
		assert.match(res.body, /Billing not set up yet/);
		assert.doesNotMatch(res.body, /\$\d/);
		assert.match(res.body, new RegExp(`action="/schedule/today/${a1}/arrive"`));
		assert.match(res.body, /Still expected: 2/);
		const ev = await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'calendar' AND " +
			`verb = 'VIEW' AND detail LIKE '%"view":"today"%' AND detail LIKE '%${harriet}%'`);
		assert.ok(Number(ev) >= 1, 'the list is an audited read');
	});

	test('checking in sets "arrived" and is audited; a no-show is highlighted', async () => {
		const csrf = await desk.csrfFrom('/schedule/today');
		let res = await desk.req(`/schedule/today/${a1}/arrive`, { form: { csrf } });
		assert.equal(res.status, 303);
		assert.equal(await one(srv, `SELECT status FROM appointments WHERE id = ${a1}`), 'arrived');
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'appointment' " +
			`AND verb = 'UPDATE' AND object_id = '${a1}' AND patient_id = ${harriet}`), '1');
		res = await desk.post(`/schedule/appointments/${a2}`, `/schedule/appointments/${a2}/status`,
			{ status: 'no_show', reason: '', fee: '' });
		assert.equal(res.status, 303);
		res = await desk.req('/schedule/today?done=arrived');
		assert.match(res.body, /The patient is checked in/);
		assert.match(res.body, /Arrived: 1/);
		assert.match(res.body, /No-shows: 1/);
		assert.match(res.body, /class="row-no-show"/);
		assert.doesNotMatch(res.body, new RegExp(`/schedule/today/${a1}/arrive`));
		res = await desk.req('/schedule/today/999999/arrive', { form: { csrf } });
		assert.equal(res.status, 404);
	});

	test('one clinician only; billing sees the list but cannot check in; compliance gets 403', async () => {
		let res = await desk.req('/schedule/today?clinician=999999');
		assert.equal(res.status, 200);
		assert.match(res.body, /No appointments today/);
		res = await billing.req('/schedule/today');
		assert.equal(res.status, 200);
		assert.match(res.body, /Oscar Wrenfield/);
		assert.doesNotMatch(res.body, /Check in<\/button>/);
		const csrf = await billing.csrfFrom('/account/sessions');
		res = await billing.req(`/schedule/today/${a2}/arrive`, { form: { csrf } });
		assert.equal(res.status, 403);
		res = await comp.req('/schedule/today');
		assert.equal(res.status, 403);
	});
});
