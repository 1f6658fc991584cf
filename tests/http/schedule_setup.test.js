'use strict';
/*
 * Scheduling set-up through its page: the automatic "Telehealth"
 * location, adding locations, rooms, appointment types (CPT code from the
 * shipped list, fee typed in dollars and stored in cents, a palette
 * colour), working hours and time off; every mistake comes back with what
 * was typed; retiring takes a type off the booking form; each change is
 * audited; only owners and administrators may open it.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const one = async (srv, q) => (await sql(srv, q)).trim();

describe(`scheduling set-up (${lib.ENGINE})`, () => {
	let srv, owner, desk, clinId;
	const others = {};

	before(async () => {
		srv = await lib.startServer({ name: 'schedule_setup' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		for (const role of ['front_desk', 'billing', 'compliance', 'clinician']) {
			const email = `${role.replace('_', '-')}@example.test`;
			const pw = await addUser(srv, email, `Test ${role}`, role);
			others[role] = client(srv);
			await others[role].signIn(email, pw);
		}
		desk = others.front_desk;
		clinId = await one(srv, "SELECT id FROM users WHERE email = 'clinician@example.test'");
	});
	after(async () => { if (srv) await srv.stop(); });

	const post = (to, fields) => owner.post('/schedule/setup', to, fields);

	test('the page lists Telehealth without any set-up', async () => {
		const res = await owner.req('/schedule/setup');
		assert.equal(res.status, 200);
		assert.match(res.body, /Scheduling set-up/);
		assert.match(res.body, /Telehealth <span class="muted">\(telehealth\)<\/span>/);
		assert.match(res.body, /90837 Psychotherapy, about 60 minutes/);
	});

	test('a location and a room are added; an empty name comes back with the choice kept', async () => {
		let res = await post('/schedule/setup/locations', { location_name: 'Main Street Office' });
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/schedule/setup?done=location');
		const loc = await one(srv, "SELECT id FROM sched_locations WHERE name = 'Main Street Office'");
		res = await post('/schedule/setup/locations', { location_name: 'Main Street Office' });
		assert.equal(res.status, 422);
		assert.match(res.body, /That name is already used/);
		res = await post('/schedule/setup/rooms', { location: loc, room_name: '' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Give it a name of up to 100 characters/);
		assert.match(res.body, new RegExp(`<option value="${loc}" selected>Main Street Office`));
		res = await post('/schedule/setup/rooms', { location: loc, room_name: 'Room 2' });
		assert.equal(res.status, 303);
		res = await owner.req('/schedule/setup?done=room');
		assert.match(res.body, /The room is added/);
		assert.match(res.body, /Main Street Office: Room 2/);
		const ev = await one(srv, "SELECT count(*) FROM audit_events WHERE verb = 'CONFIG_CHANGE' " +
			"AND object_type IN ('sched_location', 'sched_room')");
		assert.ok(Number(ev) >= 3, `location and room events (Telehealth too): ${ev}`);
	});

	test('appointment types: CPT from the list, fee in dollars stored as cents, mistakes kept', async () => {
		const good = { type_name: 'Psychotherapy 53', type_minutes: '53', cpt: '90837',
			type_fee: '150.50', colour: 'green' };
		let res = await post('/schedule/setup/types', { ...good, cpt: '12345' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Choose a code from the list/);
		assert.match(res.body, /value="Psychotherapy 53"/);
		res = await post('/schedule/setup/types', { ...good, type_fee: 'lots' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Type the fee in dollars/);
		assert.match(res.body, /value="lots"/);
		res = await post('/schedule/setup/types', { ...good, type_minutes: '2' });
		assert.equal(res.status, 422);
		assert.match(res.body, /5 to 600 minutes/);
		res = await post('/schedule/setup/types', { ...good, colour: 'pink' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Choose a colour/);
		res = await post('/schedule/setup/types', good);
		assert.equal(res.status, 303, res.body);
		assert.equal(await one(srv, "SELECT fee_cents || ' ' || cpt_code || ' ' || colour FROM sched_types " +
			"WHERE name = 'Psychotherapy 53'"), '15050 90837 green');
		res = await owner.req('/schedule/setup');
		assert.match(res.body, /53 minutes, 90837 \(Psychotherapy, about 60 minutes\), \$150\.50, green/);
		const form = await owner.req('/schedule/new');
		assert.match(form.body, /Psychotherapy 53 \(53 min\)/);
	});

	test('retiring a type takes it off the booking form but keeps the row', async () => {
		const id = await one(srv, "SELECT id FROM sched_types WHERE name = 'Psychotherapy 53'");
		const res = await post('/schedule/setup/retire', { kind: 'type', id });
		assert.equal(res.status, 303);
		assert.equal(await one(srv, `SELECT active FROM sched_types WHERE id = ${id}`), '0');
		const form = await owner.req('/schedule/new');
		assert.doesNotMatch(form.body, /Psychotherapy 53/);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE verb = 'CONFIG_CHANGE' " +
			`AND object_type = 'sched_type' AND object_id = '${id}' AND detail LIKE '%retired%'`), '1');
		const again = await post('/schedule/setup/retire', { kind: 'type', id });
		assert.equal(again.status, 404);
	});

	test('working hours and time off, with their mistakes', async () => {
		let res = await post('/schedule/setup/hours', { clinician: clinId, weekday: '1',
			hours_start: '17:00', hours_end: '09:00' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Give an end time after the start/);
		assert.match(res.body, /value="17:00"/);
		res = await post('/schedule/setup/hours', { clinician: clinId, weekday: '1',
			hours_start: '09:00', hours_end: '17:00' });
		assert.equal(res.status, 303);
		res = await post('/schedule/setup/exceptions', { whom: '', exc_kind: 'holiday',
			exc_first: '2026-12-25', exc_last: '2026-12-24', exc_label: 'Christmas' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Give a last day on or after the first/);
		assert.match(res.body, /value="Christmas"/);
		res = await post('/schedule/setup/exceptions', { whom: '', exc_kind: 'holiday',
			exc_first: '2026-12-25', exc_last: '2026-12-26', exc_label: 'Christmas' });
		assert.equal(res.status, 303);
		res = await owner.req('/schedule/setup');
		assert.match(res.body, /Test clinician: Monday 09:00 to 17:00/);
		assert.match(res.body, /The whole practice: Holiday, 2026-12-25 to 2026-12-26: Christmas/);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE verb = 'CONFIG_CHANGE' " +
			"AND object_type IN ('sched_hours', 'sched_exception')"), '2');
	});

	test('front desk, billing, compliance and clinicians get 403', async () => {
		for (const role of ['front_desk', 'billing', 'compliance', 'clinician']) {
			const res = await others[role].req('/schedule/setup');
			assert.equal(res.status, 403, role);
		}
		const csrf = await desk.csrfFrom('/schedule/new');
		const res = await desk.req('/schedule/setup/locations', { form: { csrf, location_name: 'Sneaky' } });
		assert.equal(res.status, 403);
		assert.equal(await one(srv, "SELECT count(*) FROM sched_locations WHERE name = 'Sneaky'"), '0');
	});
});
