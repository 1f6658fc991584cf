'use strict';
/*
 * Patient records through the pages: registering (with validation that
 * keeps what was typed, and duplicate detection), search by each kind,
 * every view audited before the page is sent, nothing identifying stored
 * in the clear, the front desk seeing demographics only, a stale edit
 * refused without losing input, care teams, a clinician outside the team
 * refused and breaking the glass with a reason (flagged, reviewed),
 * restricted records, and merging a duplicate.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const FIELDS = {
	legal_first: 'Quintavius', legal_last: 'Farnsworth-Oyelaran', preferred: 'Quin',
	pronouns: 'he/him', dob: '03/09/1984', sex: 'male', phone: '(555) 867-5309',
	email: 'quin.f@example.org', address: '12 Elm St, Springfield',
	conf_phone: '555-000-1111', conf_note: 'Do not call the home number',
	emergency_name: 'Ada Farnsworth', emergency_relationship: 'sister', emergency_phone: '555 222 3333',
	rep1_name: 'Obadiah Farnsworth', rep1_relationship: 'father', rep1_authority: 'health-care proxy',
	ins_payer: 'Acme Health', ins_member_id: 'AH-99', status: 'active', ok_voicemail: '1',
};

describe(`patients (${lib.ENGINE})`, () => {
	let srv, owner, desk, clin, clin2, compliance, patientId, chart;

	const events = async (where) => (await sql(srv,
		`SELECT verb || '|' || coalesce(purpose_of_use, '') || '|' || coalesce(reason, '') || '|' ||
		 coalesce(detail, '') FROM audit_events WHERE ${where} ORDER BY seq`)).trim().split('\n').filter(Boolean);
	const idFrom = (res) => Number(/^\/patients\/(\d+)$/.exec(res.headers.location || '')[1]);

	before(async () => {
		srv = await lib.startServer({ name: 'patients' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const add = async (email, name, role) => {
			const c = client(srv);
			await c.signIn(email, await addUser(srv, email, name, role));
			return c;
		};
		desk = await add('desk@example.test', 'Dee Desk', 'front_desk');
		clin = await add('clin@example.test', 'Cleo Clinician', 'clinician');
		clin2 = await add('clin2@example.test', 'Cy Covering', 'clinician');
		compliance = await add('co@example.test', 'Coco Officer', 'compliance');
	});
	after(async () => { if (srv) await srv.stop(); });

	test('registering keeps what was typed when a field is wrong', async () => {
		const res = await owner.post('/patients/new', '/patients', {
			...FIELDS, legal_first: '', dob: '2999-01-01', email: 'not-an-address',
		});
		assert.equal(res.status, 422);
		assert.match(res.body, /Enter the legal first name/);
		assert.match(res.body, /cannot be in the future/);
		assert.match(res.body, /Enter an e-mail address such as/);
		assert.match(res.body, /value="Farnsworth-Oyelaran"/);
		assert.match(res.body, /value="2999-01-01"/);
		assert.match(res.body, /value="Obadiah Farnsworth"/);
		assert.equal((await sql(srv, 'SELECT count(*) FROM patients')).trim(), '0');
	});

	test('a registered patient is sealed in the database, and opening it is audited', async () => {
		const res = await owner.post('/patients/new', '/patients', FIELDS);
		assert.equal(res.status, 303, res.body);
		patientId = idFrom(res);
		const page = await owner.req(`/patients/${patientId}`);
		assert.equal(page.status, 200);
		chart = /Chart (P-\d{6})/.exec(page.body)[1];
		assert.equal(chart, 'P-000001');
		assert.match(page.body, /Quin Farnsworth-Oyelaran/);
		assert.match(page.body, /1984-03-09/);
		assert.match(page.body, /Confidential communication: use only these/);
		assert.match(page.body, /555-000-1111/);
		assert.match(page.body, /Obadiah Farnsworth \(father\)/);
		assert.match(page.body, /Acme Health/);
		assert.match(page.body, /Who opened this record/);
		const ev = await events(`patient_id = ${patientId}`);
		assert.match(ev[0], /^CREATE\|/);
		assert.match(ev[1], /^VIEW\|TPO\|\|\{"access":"clinical"\}/);
		/* Nothing identifying in the clear, anywhere in the database. */
		for (const secret of ['Quintavius', 'Farnsworth', 'Obadiah', '867-5309', 'quin.f@example']) {
			if (lib.ENGINE === 'postgres') {
				const n = await sql(srv, `SELECT count(*) FROM patients WHERE position(convert_to('${secret}', 'UTF8') ` +
					`IN coalesce(name, ''::bytea) || coalesce(dob, ''::bytea) || coalesce(profile, ''::bytea)) > 0 ` +
					`OR dob_bidx LIKE '%${secret}%'`);
				assert.equal(n.trim(), '0', secret);
				const dump = await sql(srv, 'SELECT string_agg(bidx, \',\') FROM patient_search');
				assert.ok(!dump.includes(secret), secret);
				const audit = await sql(srv, 'SELECT string_agg(coalesce(detail, \'\') || coalesce(reason, \'\'), \',\') FROM audit_events');
				assert.ok(!audit.includes(secret), `${secret} in audit`);
			} else {
				for (const f of ['alcove.db', 'alcove.db-wal']) {
					const p = path.join(srv.instance.dir, f);
					if (fs.existsSync(p))
						assert.equal(fs.readFileSync(p).indexOf(secret), -1, `${secret} in ${f}`);
				}
			}
		}
	});

	test('search by name, date of birth, phone, e-mail and chart number, audited without the query', async () => {
		for (const q of ['farnsworth', 'Quin Oyelaran', '1984-03-09', '03/09/1984', '555.867.5309',
			'QUIN.F@example.org', chart]) {
			const res = await owner.req(`/patients?q=${encodeURIComponent(q)}`);
			assert.equal(res.status, 200, q);
			assert.match(res.body, new RegExp(`href="/patients/${patientId}"`), q);
		}
		const none = await owner.req('/patients?q=nobody');
		assert.match(none.body, /No patient matches/);
		const bad = await owner.req('/patients?q=%21%21');
		assert.equal(bad.status, 422);
		const ev = await events("verb = 'SEARCH'");
		assert.ok(ev.length >= 8);
		assert.match(ev[0], /^SEARCH\|TPO\|\|\{"count":1\}$/);
		assert.ok(!ev.join().includes('arnsworth') && !ev.join().includes('867'));
		const log = fs.readFileSync(srv.logPath, 'utf8');
		/* Words, not digits: request ids and timings are numbers too. */
		for (const w of ['arnsworth', 'Oyelaran', 'quin.f', 'QUIN'])
			assert.ok(!log.includes(w), `${w}: the query is not in the log`);
	});

	test('a possible duplicate is shown with a link, and registering anyway keeps the input', async () => {
		const dup = { ...FIELDS, legal_first: 'Quentin', preferred: '', phone: '', email: '' };
		const res = await owner.post('/patients/new', '/patients', dup);
		assert.equal(res.status, 409);
		assert.match(res.body, /Possible duplicates/);
		assert.match(res.body, new RegExp(`href="/patients/${patientId}"`));
		assert.match(res.body, /value="Quentin"/);
		const again = await owner.post('/patients/new', '/patients', { ...dup, not_duplicate: '1' });
		assert.equal(again.status, 303);
		assert.notEqual(idFrom(again), patientId);
	});

	test('the front desk sees demographics but no clinical section, and can edit', async () => {
		const page = await desk.req(`/patients/${patientId}`);
		assert.equal(page.status, 200);
		assert.match(page.body, /Quin Farnsworth-Oyelaran/);
		assert.doesNotMatch(page.body, /Clinical record/);
		assert.doesNotMatch(page.body, /Who opened this record/);
		const ev = await events(`patient_id = ${patientId} AND verb = 'VIEW' AND actor_role = 'front_desk'`);
		assert.match(ev[0], /"access":"demographic"/);
		const edit = await desk.req(`/patients/${patientId}/edit`);
		assert.equal(edit.status, 200);
		assert.match(edit.body, /value="Quintavius"/);
	});

	test('a stale edit is refused with a clear message and loses nothing', async () => {
		const form = async (c) => {
			const p = await c.req(`/patients/${patientId}/edit`);
			const val = (n) => (new RegExp(`name="${n}"[^>]*value="([^"]*)"`).exec(p.body) || [])[1] || '';
			const out = { csrf: /name="csrf" value="([^"]+)"/.exec(p.body)[1], version: val('version') };
			for (const k of Object.keys(FIELDS))
				if (!['status', 'ok_voicemail'].includes(k))
					out[k] = val(k);
			out.status = 'active';
			out.ok_voicemail = '1';
			return out;
		};
		const a = await form(owner), b = await form(desk);
		const first = await owner.req(`/patients/${patientId}/edit`, { form: { ...a, phone: '555 444 0000' } });
		assert.equal(first.status, 303);
		const second = await desk.req(`/patients/${patientId}/edit`, { form: { ...b, address: '99 Oak Ave' } });
		assert.equal(second.status, 409);
		assert.match(second.body, /Someone else saved this record/);
		assert.match(second.body, /value="99 Oak Ave"/);
		const page = await owner.req(`/patients/${patientId}`);
		assert.match(page.body, /555 444 0000/);
		assert.doesNotMatch(page.body, /99 Oak Ave/);
		const ev = await events(`patient_id = ${patientId} AND verb = 'UPDATE'`);
		assert.deepEqual(ev.map((e) => e.split('|')[3]), ['{"changed":["phone"]}']);
	});

	test('a clinician outside the care team is refused, breaks the glass with a reason, and is flagged', async () => {
		const denied = await clin2.req(`/patients/${patientId}`);
		assert.equal(denied.status, 403);
		assert.match(denied.body, /Emergency access/);
		assert.match(denied.body, /opens the whole record for 60 minutes/, 'the practice default');
		assert.doesNotMatch(denied.body, /Farnsworth/);
		const short = await clin2.post(`/patients/${patientId}`, `/patients/${patientId}/break-glass`, { reason: 'urgent' });
		assert.equal(short.status, 422);
		assert.match(short.body, /at least 10 characters/);
		const ok = await clin2.post(`/patients/${patientId}`, `/patients/${patientId}/break-glass`,
			{ reason: 'Patient in crisis on the phone, clinician away' });
		assert.equal(ok.status, 303);
		const page = await clin2.req(`/patients/${patientId}`);
		assert.equal(page.status, 200);
		assert.match(page.body, /emergency access until/);
		assert.equal((await sql(srv, `SELECT expires_at - started_at FROM break_glass WHERE patient_id = ${patientId}`)).trim(),
			String(60 * 60 * 1000), 'a grant lasts the practice setting (60 minutes by default)');
		assert.match(page.body, /Clinical record/);
		const ev = await events(`patient_id = ${patientId} AND actor_role = 'clinician'`);
		assert.match(ev[0], /^ACCESS_DENIED\|/);
		assert.match(ev[ev.length - 2], /^BREAK_GLASS\|\|Patient in crisis on the phone, clinician away\|/);
		assert.match(ev[ev.length - 1], /^VIEW\|break-glass\|/);
		/* The compliance officer reviews it. */
		const list = await compliance.req('/patients/break-glass');
		assert.equal(list.status, 200);
		assert.match(list.body, /Cy Covering/);
		assert.match(list.body, /Patient in crisis/);
		const action = /action="(\/patients\/break-glass\/\d+\/review)"/.exec(list.body)[1];
		const empty = await compliance.post('/patients/break-glass', action, { note: '' });
		assert.equal(empty.status, 422);
		const done = await compliance.post('/patients/break-glass', action, { note: 'Justified: on call' });
		assert.equal(done.status, 303);
		assert.match((await compliance.req('/patients/break-glass')).body, /Nothing to review/);
		assert.match((await compliance.req('/patients/break-glass?all=1')).body, /Justified: on call/);
		assert.equal((await events("verb = 'AUDIT_REVIEW' AND object_type = 'break_glass'")).length, 1);
	});

	test('the care team gives a clinician their patients', async () => {
		const uid = (await sql(srv, "SELECT id FROM users WHERE email = 'clin@example.test'")).trim();
		assert.equal((await clin.req(`/patients/${patientId}`)).status, 403);
		const add = await owner.post(`/patients/${patientId}`, `/patients/${patientId}/care-team`,
			{ user_id: uid, role: 'primary' });
		assert.equal(add.status, 303);
		const list = await clin.req('/patients');
		assert.match(list.body, /Your patients/);
		assert.match(list.body, new RegExp(`href="/patients/${patientId}"`));
		assert.equal((await clin.req(`/patients/${patientId}`)).status, 200);
		const deskId = (await sql(srv, "SELECT id FROM users WHERE email = 'desk@example.test'")).trim();
		const bad = await owner.post(`/patients/${patientId}`, `/patients/${patientId}/care-team`,
			{ user_id: deskId, role: 'clinician' });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Only active clinicians and supervisors/);
		assert.match((await events(`verb = 'PRIV_CHANGE' AND patient_id = ${patientId}`))[0], /"role":"primary"/);
	});

	test('a restricted record is closed to the front desk and to clinicians outside its team', async () => {
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: 'Rhea', legal_last: 'Restricto', dob: '1970-01-02', status: 'active', restricted: '1',
		});
		assert.equal(res.status, 303);
		const id = idFrom(res);
		const page = await owner.req(`/patients/${id}`);
		assert.match(page.body, /Restricted record/);
		const d = await desk.req(`/patients/${id}`);
		assert.equal(d.status, 403);
		assert.doesNotMatch(d.body, /Open with emergency access/);
		assert.equal((await clin.req(`/patients/${id}`)).status, 403);
		assert.doesNotMatch((await desk.req('/patients?q=restricto')).body, /Restricto/);
	});

	test('merging a duplicate closes it and points to the survivor', async () => {
		const res = await owner.post('/patients/new', '/patients', {
			...FIELDS, legal_first: 'Quintavius', not_duplicate: '1',
		});
		const dupId = idFrom(res);
		const dupChart = /Chart (P-\d{6})/.exec((await owner.req(`/patients/${dupId}`)).body)[1];
		const none = await owner.post(`/patients/${patientId}`, `/patients/${patientId}/merge`,
			{ duplicate: 'P-999999', reason: 'same person' });
		assert.equal(none.status, 422);
		const ok = await owner.post(`/patients/${patientId}`, `/patients/${patientId}/merge`,
			{ duplicate: dupChart, reason: 'same person, registered twice' });
		assert.equal(ok.status, 303);
		assert.equal((await owner.req(`/patients/${dupId}`)).status, 404);
		const found = await owner.req('/patients?q=quintavius');
		assert.match(found.body, new RegExp(`href="/patients/${patientId}"`));
		assert.doesNotMatch(found.body, new RegExp(`href="/patients/${dupId}"`));
		assert.match((await events(`patient_id = ${dupId} AND verb = 'UPDATE'`))[0],
			new RegExp(`"merged_into":${patientId}`));
		assert.equal((await sql(srv, `SELECT count(*) FROM patient_merges WHERE merged_id = ${dupId}`)).trim(), '1');
	});
});
