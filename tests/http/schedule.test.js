'use strict';
/*
 * The calendar through its pages: front desk books a weekly series that
 * keeps 10:00 local across the March daylight-saving change; the week
 * view names patients to those who may see them and writes its audit
 * event; a clinician off the care team sees "Appointment"; a conflict is
 * refused until the override is ticked with a reason, which is recorded;
 * cancelling one occurrence leaves the series; moving one and cancelling
 * "this and the following"; compliance gets 403.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const one = async (srv, q) => (await sql(srv, q)).trim();

describe(`scheduling (${lib.ENGINE})`, () => {
	let srv, owner, desk, clin, comp, clinId, harriet, oscar, first;

	async function register(first, last, dob) {
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: first, legal_last: last, dob, not_duplicate: '1' });
		assert.equal(res.status, 303, `register ${first}: ${res.status}`);
		return /\/patients\/(\d+)/.exec(res.headers.location)[1];
	}

	before(async () => {
		srv = await lib.startServer({ name: 'schedule' });
		await sql(srv, "UPDATE practices SET timezone = 'America/New_York'");
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const people = [['desk@example.test', 'Dana Desk', 'front_desk'],
			['clin@example.test', 'Cal Clinician', 'clinician'],
			['comp@example.test', 'Cora Compliance', 'compliance']];
		const cl = [];
		for (const [email, name, role] of people) {
			const pw = await addUser(srv, email, name, role);
			const c = client(srv);
			await c.signIn(email, pw);
			cl.push(c);
		}
		[desk, clin, comp] = cl;
		clinId = await one(srv, "SELECT id FROM users WHERE email = 'clin@example.test'");
		harriet = await register('Harriet', 'Quillfeather', '1980-04-02');
		oscar = await register('Oscar', 'Wrenfield', '1975-09-30');
	});
	after(async () => { if (srv) await srv.stop(); });

	const book = (c, fields) => c.post('/schedule/new', '/schedule', {
		kind: 'individual', clinician: clinId, time: '10:00', repeat: 'none', ...fields });

	test('front desk finds the patient and books a weekly series that keeps 10:00 across DST', async () => {
		const found = await desk.req('/schedule/new?q=Quillfeather');
		assert.equal(found.status, 200);
		assert.match(found.body, /Harriet Quillfeather, born 1980-04-02/);
		assert.doesNotMatch(found.body, /Quillfeather.*Quillfeather.*Quillfeather/s);
		const ev = await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'calendar' " +
			`AND detail LIKE '%booking_search%' AND detail LIKE '%[${harriet}]%'`);
		assert.equal(ev, '1', 'the search results are an audited read');
		const res = await book(desk, { patient: harriet, date: '2026-03-02', repeat: 'weekly',
			interval: '1', count: '6' });
		assert.equal(res.status, 303, res.body);
		assert.match(res.headers.location, /^\/schedule\/appointments\/\d+\?done=series$/);
		first = /appointments\/(\d+)/.exec(res.headers.location)[1];
		const page = await desk.req(res.headers.location);
		assert.match(page.body, /The appointments are booked/);
		assert.match(page.body, /Monday 2 March 2026, 10:00 to 10:50/);
		const rows = (await sql(srv, 'SELECT start_at, local_min FROM appointments WHERE series_id = ' +
			`(SELECT series_id FROM appointments WHERE id = ${first}) ORDER BY series_index`)).trim().split('\n');
		assert.equal(rows.length, 6);
		const hours = rows.map((r) => new Date(Number(r.split('|')[0])).toISOString().slice(11, 16));
		assert.deepEqual(hours, ['15:00', '14:00', '14:00', '14:00', '14:00', '14:00']);
		assert.ok(rows.every((r) => r.endsWith('|600')));
	});

	test('the week view names the patient and audits it; compliance gets 403', async () => {
		const week = await desk.req(`/schedule?date=2026-03-04&clinician=${clinId}`);
		assert.equal(week.status, 200);
		assert.match(week.body, /Calendar: Monday 2 March 2026 to Sunday 8 March 2026/);
		assert.match(week.body, /10:00–10:50<\/strong> Harriet Quillfeather/);
		assert.match(week.body, /href="\/schedule\?date&#61;2026-03-09&amp;view&#61;week&amp;clinician&#61;\d+" rel="next" data-key="next"/);
		const ev = await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'calendar' AND verb = 'VIEW' " +
			`AND detail = '{"view":"week","patients":[${harriet}]}' AND patient_id = ${harriet}`);
		assert.equal(ev, '1');
		const day = await desk.req('/schedule?date=2026-03-09&view=day&clinician=all');
		assert.match(day.body, /<th scope="col">Cal Clinician<\/th>/, 'one column per clinician');
		assert.match(day.body, /Harriet Quillfeather/);
		const before = await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'calendar'");
		const theirs = await clin.req(`/schedule?date=2026-03-04&clinician=${clinId}`);
		assert.equal(theirs.status, 200);
		assert.match(theirs.body, /10:00–10:50<\/strong> Appointment/);
		assert.doesNotMatch(theirs.body, /Quillfeather/, 'not on the care team: no name');
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'calendar'"), before,
			'a page without names is not a PHI read');
		assert.equal((await comp.req('/schedule')).status, 403);
		assert.equal((await comp.req('/schedule/new')).status, 403);
		assert.doesNotMatch((await comp.req('/home')).body, /href="\/schedule"/);
		assert.match((await desk.req('/home')).body, /href="\/schedule"/);
	});

	test('a conflict is refused without the override and recorded with it', async () => {
		const clash = await book(desk, { patient: oscar, date: '2026-03-09', time: '10:30' });
		assert.equal(clash.status, 422);
		assert.match(clash.body, /This time collides with other appointments/);
		assert.match(clash.body, /The clinician is already booked: Monday 9 March 2026 at 10:30/);
		assert.match(clash.body, /value="10:30"/, 'the input is kept');
		assert.match(clash.body, /Oscar Wrenfield/, 'the chosen patient is kept');
		assert.doesNotMatch(clash.body, /Quillfeather/, 'the other patient is not named');
		const noReason = await book(desk, { patient: oscar, date: '2026-03-09', time: '10:30', override: '1' });
		assert.equal(noReason.status, 422);
		assert.match(noReason.body, /Give the reason for booking despite the conflicts/);
		const ok = await book(desk, { patient: oscar, date: '2026-03-09', time: '10:30', override: '1',
			override_reason: 'Crisis follow-up' });
		assert.equal(ok.status, 303);
		const id = /appointments\/(\d+)/.exec(ok.headers.location)[1];
		assert.equal(await one(srv, `SELECT override_reason FROM appointments WHERE id = ${id}`), 'Crisis follow-up');
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'appointment' " +
			`AND verb = 'CREATE' AND object_id = '${id}' AND reason = 'Crisis follow-up' AND patient_id = ${oscar}`), '1');
		assert.match((await desk.req(ok.headers.location)).body, /Booked despite conflicts because<\/dt><dd>Crisis follow-up/);
	});

	test('cancelling one occurrence leaves the series; moving one; this and the following', async () => {
		const second = String(Number(first) + 1);
		const base = `/schedule/appointments/${second}`;
		const noReason = await desk.post(base, `${base}/status`, { status: 'cancelled', reason: '' });
		assert.equal(noReason.status, 422);
		assert.match(noReason.body, /Say why the appointment is cancelled/);
		const res = await desk.post(base, `${base}/status`, { status: 'cancelled', reason: 'Snow day' });
		assert.equal(res.status, 303);
		const sid = await one(srv, `SELECT series_id FROM appointments WHERE id = ${first}`);
		assert.equal(await one(srv, `SELECT count(*) FROM appointments WHERE series_id = ${sid} AND status = 'scheduled'`), '5');
		const week = await desk.req(`/schedule?date=2026-03-09&clinician=${clinId}`);
		assert.match(week.body, /appt-cancelled[^]*Cancelled/);
		/* Move the third (16 March) to Wednesday 18 March 14:00. */
		const third = `/schedule/appointments/${Number(first) + 2}`;
		const mv = await desk.post(third, `${third}/move`, { date: '2026-03-18', time: '14:00' });
		assert.equal(mv.status, 303);
		assert.match((await desk.req(third)).body, /Wednesday 18 March 2026, 14:00 to 14:50/);
		/* Late cancellation with a fee: a pending charge. */
		const fourth = `/schedule/appointments/${Number(first) + 3}`;
		const late = await desk.post(fourth, `${fourth}/status`, { status: 'late_cancel', reason: 'Overslept', fee: '75.50' });
		assert.equal(late.status, 303);
		assert.equal(await one(srv, `SELECT amount_cents || ' ' || status FROM appointment_charges WHERE appointment_id = ${Number(first) + 3}`), '7550 pending');
		const fifth = `/schedule/appointments/${Number(first) + 4}`;
		const fol = await desk.post(fifth, `${fifth}/following`, { reason: 'Moving away' });
		assert.equal(fol.status, 303);
		assert.equal(await one(srv, `SELECT count(*) FROM appointments WHERE series_id = ${sid} AND status = 'scheduled'`), '2');
		const bad = await desk.post(fifth, '/schedule/appointments/999999/status', { status: 'arrived' });
		assert.equal(bad.status, 404);
	});
});
