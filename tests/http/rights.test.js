'use strict';
/*
 * Patient-rights requests through the pages: the front desk logs a phone
 * request received three days ago and sees 27 days left; the open list
 * sorts by deadline and marks overdue requests; the clock counts from
 * receipt; one extension only, and not after the first 30 days; a request
 * with no federal clock says "decide promptly"; a state setting shortens
 * but cannot lengthen; a reviewable denial goes to a reviewer other than
 * the decider, with a denial letter carrying the required elements; a
 * copy sent to a third party records a disclosure; wrong roles and
 * clinicians off the care team are refused; every step is audited and
 * what is asked is sealed at rest.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

function addDays(day, n) {
	const d = new Date(`${day}T12:00:00Z`);
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}

describe(`patient-rights requests (${lib.ENGINE})`, () => {
	let srv, owner, desk, co, clin, other, billing, patientId, base, today;

	const one = async (q) => (await sql(srv, q)).trim();
	const events = async (where) => (await sql(srv,
		`SELECT verb || '|' || object_type || '|' || coalesce(patient_id, 0) || '|' || coalesce(detail, '')
		 FROM audit_events WHERE ${where} ORDER BY seq`)).trim().split('\n').filter(Boolean);
	const uid = async (email) => one(`SELECT id FROM users WHERE email = '${email}'`);

	const logRequest = async (c, fields) => {
		const res = await c.post(`${base}/rights`, `${base}/rights`, {
			kind: 'access', access_form: 'paper', send_to: 'patient', requester: 'patient',
			channel: 'phone', received_on: today, asked: 'A paper copy of all records since 2024.',
			...fields,
		});
		return res;
	};
	const newRequest = async (fields) => {
		const res = await logRequest(desk, fields);
		assert.equal(res.status, 303, `request logged: ${res.status} ${res.body || ''}`);
		return res.headers.location;
	};

	before(async () => {
		srv = await lib.startServer({ name: 'rights' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const add = async (email, name, role) => {
			const c = client(srv);
			await c.signIn(email, await addUser(srv, email, name, role));
			return c;
		};
		desk = await add('desk@example.test', 'Dee Desk', 'front_desk');
		co = await add('co@example.test', 'Coco Officer', 'compliance');
		clin = await add('clin@example.test', 'Cleo Clinician', 'clinician');
		other = await add('other@example.test', 'Otto Other', 'clinician');
		billing = await add('billing@example.test', 'Bill Ing', 'billing');
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: 'Rosalind', legal_last: 'Achterberg', dob: '1984-09-30', status: 'active',
		});
		assert.equal(res.status, 303);
		patientId = Number(/^\/patients\/(\d+)$/.exec(res.headers.location)[1]);
		base = `/patients/${patientId}`;
		const team = await owner.post(base, `${base}/care-team`,
			{ user_id: await uid('clin@example.test'), role: 'primary' });
		assert.equal(team.status, 303);
		const form = await desk.req(`${base}/rights`);
		assert.equal(form.status, 200);
		today = /name="received_on" value="([^"]+)"/.exec(form.body)[1];
	});
	after(async () => { if (srv) await srv.stop(); });

	test('the overview links to requests and disclosures', async () => {
		const page = await owner.req(base);
		assert.match(page.body, new RegExp(`href="${base}/rights">Requests and disclosures<`));
	});

	test('a phone request received three days ago shows 27 days left', async () => {
		const loc = await newRequest({ received_on: addDays(today, -3) });
		assert.match(loc, /^\/rights\/\d+$/);
		const page = await desk.req(loc);
		assert.equal(page.status, 200);
		assert.match(page.body, new RegExp(`Due ${addDays(today, 27)}`));
		assert.match(page.body, /id="days-left">27 days left</);
		assert.match(page.body, /A paper copy of all records since 2024\./);
		assert.match(page.body, /Next: Decide and tell the patient by/);
		assert.doesNotMatch(page.body, /action="[^"]*\/decide"/, 'the front desk does not decide');
		const id = loc.split('/')[2];
		assert.equal(await one(`SELECT received_on FROM rights_requests WHERE id = ${id}`), addDays(today, -3));
		const ev = await events(`object_type = 'rights_request' AND object_id = '${id}'`);
		assert.ok(ev.some((e) => e.startsWith(`CREATE|rights_request|${patientId}|`) && e.includes('"kind":"access"')), ev.join('\n'));
		assert.ok(ev.some((e) => e.startsWith(`VIEW|rights_request|${patientId}|`)), ev.join('\n'));
		if (lib.ENGINE === 'sqlite')
			assert.equal(await one(`SELECT count(*) FROM rights_requests WHERE instr(details, 'paper copy') > 0`), '0');
		else
			assert.equal(await one(`SELECT count(*) FROM rights_requests WHERE position('paper copy'::bytea in details) > 0`), '0');
	});

	test('the open list is sorted by due date and marks overdue requests', async () => {
		await newRequest({ received_on: addDays(today, -40), asked: 'Old request' });
		await newRequest({ kind: 'amendment', received_on: addDays(today, -1), asked: 'Correct my address history' });
		const list = await co.req('/rights');
		assert.equal(list.status, 200);
		const dues = [...list.body.matchAll(/<td>(\d{4}-\d{2}-\d{2})<\/td><td>(?:<strong class="badge">Overdue<\/strong> )?(?:\d+ days? (?:left|overdue)|Due today)<\/td>/g)].map((m) => m[1]);
		assert.ok(dues.length >= 3, list.body);
		assert.deepEqual([...dues].sort(), dues, 'sorted by due date');
		assert.match(list.body, /class="overdue"[^]*?10 days overdue/);
		assert.match(list.body, /Rosalind Achterberg/);
		assert.equal((await billing.req('/rights')).status, 403);
	});

	test('a received date in the future or a missing question is refused', async () => {
		const future = await logRequest(desk, { received_on: addDays(today, 1) });
		assert.equal(future.status, 422);
		assert.match(future.body, /not later than today/);
		const empty = await logRequest(desk, { asked: '' });
		assert.equal(empty.status, 422);
		assert.match(empty.body, /what is asked/);
		const rep = await logRequest(desk, { requester: 'representative', rep_name: 'Pat Parent' });
		assert.equal(rep.status, 422);
		assert.match(rep.body, /authority/);
	});

	test('one extension adds 30 days and a second one is refused', async () => {
		const loc = await newRequest({ received_on: addDays(today, -10) });
		const ok = await co.post(loc, `${loc}/extend`, { notice_on: today, reason: 'Records in off-site storage' });
		assert.equal(ok.status, 303);
		const page = await co.req(loc);
		assert.match(page.body, new RegExp(`Due ${addDays(today, 50)}`));
		assert.match(page.body, /Notice sent .*Records in off-site storage/);
		assert.doesNotMatch(page.body, /action="[^"]*\/extend"/);
		const again = await co.post(loc, `${loc}/extend`, { notice_on: today, reason: 'Still busy' });
		assert.equal(again.status, 409);
		assert.match(again.body, /only one extension/);
	});

	test('an extension notice after day 30 is refused', async () => {
		const loc = await newRequest({ received_on: addDays(today, -31) });
		const late = await co.post(loc, `${loc}/extend`, { notice_on: today, reason: 'Too late' });
		assert.equal(late.status, 422);
		assert.match(late.body, new RegExp(`within the first 30 days, by ${addDays(today, -1)}`));
		const id = loc.split('/')[2];
		assert.equal(await one(`SELECT coalesce(ext_notice_on, 'none') FROM rights_requests WHERE id = ${id}`), 'none');
	});

	test('restrictions have no federal clock: decide promptly', async () => {
		const loc = await newRequest({ kind: 'restriction', asked: 'Do not tell my insurer about session 12.' });
		const page = await desk.req(loc);
		assert.match(page.body, /No federal deadline: decide promptly/);
		assert.match(page.body, /Next: Decide promptly and tell the patient/);
		assert.doesNotMatch(page.body, /id="days-left"/);
	});

	test('a state setting shortens the clock but cannot lengthen it', async () => {
		const bad = await co.post('/rights/settings', '/rights/settings', { access_days: '45' });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /only shorten/);
		const ok = await co.post('/rights/settings', '/rights/settings',
			{ access_days: '15', contact: 'Privacy officer, (555) 010-2233' });
		assert.equal(ok.status, 303);
		const loc = await newRequest({ received_on: today });
		const page = await desk.req(loc);
		assert.match(page.body, new RegExp(`Due ${addDays(today, 15)}`));
		assert.match(page.body, /shortened by the practice&#39;s state setting|shortened by the practice's state setting/);
		assert.equal((await desk.req('/rights/settings')).status, 403);
		const ev = await events("verb = 'CONFIG_CHANGE' AND object_type = 'rights_settings'");
		assert.equal(ev.length, 1);
		assert.equal((await co.post('/rights/settings', '/rights/settings', { access_days: '', contact: 'Privacy officer, (555) 010-2233' })).status, 303);
	});

	test('a reviewable denial goes to a reviewer who did not take part, with a complete letter', async () => {
		const loc = await newRequest({});
		const denied = await co.post(loc, `${loc}/decide`, {
			decision: 'denied', ground_endanger: '1', note: 'Dr. Cleo reviewed the records.',
		});
		assert.equal(denied.status, 303);
		const page = await co.req(loc);
		assert.match(page.body, /id="status">closed</);
		assert.match(page.body, /164\.524\(a\)\(3\)\(i\)/);
		const self = await co.post(loc, `${loc}/review`, { reviewer_id: await uid('co@example.test') });
		assert.equal(self.status, 409);
		assert.match(self.body, /did not take part|must not have taken part/);
		assert.equal(await one(`SELECT coalesce(reviewer_id, 0) FROM rights_requests WHERE id = ${loc.split('/')[2]}`), '0');
		const ok = await co.post(loc, `${loc}/review`, { reviewer_id: await uid('clin@example.test') });
		assert.equal(ok.status, 303);
		assert.match((await co.req(loc)).body, /id="reviewer">Cleo Clinician</);
		const letter = await co.req(`${loc}/letter`);
		assert.equal(letter.status, 200);
		assert.match(letter.body, /endanger the life or physical safety/);
		assert.match(letter.body, /id="review-rights">You may ask for this denial to be reviewed/);
		assert.match(letter.body, /Privacy officer, \(555\) 010-2233/);
		assert.match(letter.body, /Department of Health and Human Services, Office for Civil Rights/);
		const ev = await events(`object_type = 'rights_request' AND object_id = '${loc.split('/')[2]}'`);
		assert.ok(ev.some((e) => e.includes('"decision":"denied"')));
		assert.ok(ev.some((e) => e.includes('review_assigned')));
		assert.ok(ev.some((e) => e.startsWith('PRINT|rights_request|') && e.includes('denial_letter')));
	});

	test('an unreviewable denial cannot be sent for review', async () => {
		const loc = await newRequest({});
		assert.equal((await co.post(loc, `${loc}/decide`, { decision: 'denied', ground_psychotherapy_notes: '1' })).status, 303);
		const page = await co.req(loc);
		assert.doesNotMatch(page.body, /action="[^"]*\/review"/);
		const rev = await co.post(loc, `${loc}/review`, { reviewer_id: await uid('clin@example.test') });
		assert.equal(rev.status, 409);
		assert.match(rev.body, /reviewable ground/);
		const letter = await co.req(`${loc}/letter`);
		assert.match(letter.body, /not one that can be reviewed/);
		const nogrounds = await newRequest({});
		const r = await co.post(nogrounds, `${nogrounds}/decide`, { decision: 'denied' });
		assert.equal(r.status, 422);
		assert.match(r.body, /needs its grounds/);
	});

	test('a copy sent to a third party is fulfilled and records a disclosure', async () => {
		const loc = await newRequest({ send_to: 'third_party', third_party: 'Morgan Lake, Attorney at Law',
			third_party_address: '12 Court St, Springfield' });
		const early = await co.post(loc, `${loc}/fulfil`, { how: 'mail', fulfilled_on: today });
		assert.equal(early.status, 409);
		assert.equal((await co.post(loc, `${loc}/decide`, { decision: 'granted' })).status, 303);
		assert.match((await co.req(loc)).body, /Next: Deliver the records and record how/);
		const done = await co.post(loc, `${loc}/fulfil`, { how: 'mail', fulfilled_on: today });
		assert.equal(done.status, 303);
		const page = await co.req(loc);
		assert.match(page.body, /id="status">fulfilled</);
		assert.match(page.body, new RegExp(`id="fulfilled">${today} \\(mail\\)`));
		const log = await co.req(`${base}/disclosures`);
		assert.match(log.body, /Morgan Lake, Attorney at Law/);
		assert.match(log.body, /A copy sent to a person the patient directed/);
		const id = loc.split('/')[2];
		assert.equal(await one(`SELECT count(*) FROM disclosures WHERE request_id = ${id}`), '1');
		const ev = await events(`verb = 'DISCLOSE' AND patient_id = ${patientId}`);
		assert.ok(ev.some((e) => e.includes('individual_directive')), ev.join('\n'));
	});

	test('wrong roles and clinicians off the care team are refused', async () => {
		const loc = await newRequest({});
		assert.equal((await desk.req(loc)).status, 200);
		const denied = await desk.req(`${loc}/letter`);
		assert.equal(denied.status, 403);
		const { csrf } = await desk.page(`${base}/rights`);
		assert.equal((await desk.req(`${loc}/decide`, { form: { csrf, decision: 'granted' } })).status, 403);
		assert.equal(await one(`SELECT status FROM rights_requests WHERE id = ${loc.split('/')[2]}`), 'open');
		assert.equal((await clin.req(`${base}/rights`)).status, 200);
		const off = await other.req(`${base}/rights`);
		assert.equal(off.status, 403);
		assert.doesNotMatch(off.body, /Rosalind/);
		assert.equal((await other.req(loc)).status, 403);
		const list = await other.req('/rights');
		assert.equal(list.status, 200);
		assert.doesNotMatch(list.body, /Rosalind Achterberg/);
		const bill = await billing.req(`${base}/rights`);
		assert.equal(bill.status, 303);
		assert.equal(bill.headers.location, `${base}/disclosures`);
		assert.equal((await desk.req('/rights/999999')).status, 404);
	});
});
