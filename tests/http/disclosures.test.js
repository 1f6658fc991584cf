'use strict';
/*
 * The disclosure log and the accounting of disclosures through the pages:
 * disclosures are recorded with a legal basis (sealed at rest, audited as
 * DISCLOSE); the accounting covers six years back to the day (a
 * disclosure exactly six years ago is in, one a day older is out) or a
 * shorter period asked for; it leaves out treatment, payment, operations,
 * disclosures to the patient and under an authorization, and says so; it
 * includes an attorney's subpoena, with repeated disclosures to one
 * recipient for one purpose folded into one line; the CSV carries the
 * same lines; the first accounting in 12 months is free and a later one
 * may carry a fee; wrong roles are refused.
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

function yearsBefore(day, n) {
	const [y, m, d] = day.split('-');
	return `${Number(y) - n}-${m}-${m === '02' && d === '29' ? '28' : d}`;
}

describe(`disclosures and accounting (${lib.ENGINE})`, () => {
	let srv, owner, billing, desk, co, patientId, base, today;

	const one = async (q) => (await sql(srv, q)).trim();
	const disclose = async (c, fields) => c.post(`${base}/disclosures`, `${base}/disclosures`, {
		disclosed_on: today, address: '', ...fields,
	});
	const ok = async (fields) => {
		const res = await disclose(billing, fields);
		assert.equal(res.status, 303, `disclosure recorded: ${res.status}`);
	};

	before(async () => {
		srv = await lib.startServer({ name: 'disclosures' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const add = async (email, name, role) => {
			const c = client(srv);
			await c.signIn(email, await addUser(srv, email, name, role));
			return c;
		};
		billing = await add('billing@example.test', 'Bill Ing', 'billing');
		desk = await add('desk@example.test', 'Dee Desk', 'front_desk');
		co = await add('co@example.test', 'Coco Officer', 'compliance');
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: 'Ignatius', legal_last: 'Oyelaran', dob: '1979-02-11', status: 'active',
		});
		assert.equal(res.status, 303);
		patientId = Number(/^\/patients\/(\d+)$/.exec(res.headers.location)[1]);
		base = `/patients/${patientId}`;
		const form = await billing.req(`${base}/disclosures`);
		assert.equal(form.status, 200);
		today = /name="disclosed_on" value="([^"]+)"/.exec(form.body)[1];
	});
	after(async () => { if (srv) await srv.stop(); });

	test('a disclosure is recorded with its basis, sealed and audited', async () => {
		await ok({ recipient: 'Hartwell & Pryce LLP', address: '40 Elm St, Springfield', what: 'Treatment dates 2025',
			purpose: 'Subpoena in Oyelaran v. Acme', basis: 'judicial', disclosed_on: addDays(today, -100) });
		const log = await billing.req(`${base}/disclosures`);
		assert.match(log.body, /Hartwell &amp; Pryce LLP/);
		assert.match(log.body, /Judicial or administrative proceeding/);
		assert.match(log.body, /Recorded by|Bill Ing/);
		if (lib.ENGINE === 'sqlite')
			assert.equal(await one("SELECT count(*) FROM disclosures WHERE instr(body, 'Hartwell') > 0"), '0');
		else
			assert.equal(await one("SELECT count(*) FROM disclosures WHERE position('Hartwell'::bytea in body) > 0"), '0');
		const ev = await one(`SELECT verb || '|' || coalesce(purpose_of_use, '') || '|' || detail FROM audit_events
			WHERE object_type = 'disclosure' AND verb = 'DISCLOSE' AND patient_id = ${patientId}`);
		assert.match(ev, /^DISCLOSE\|judicial\|.*"basis":"judicial"/);
	});

	test('bad disclosures are refused with the form kept', async () => {
		const future = await disclose(billing, { recipient: 'X', what: 'Y', purpose: 'Z', basis: 'judicial',
			disclosed_on: addDays(today, 1) });
		assert.equal(future.status, 422);
		assert.match(future.body, /not later than today/);
		const nobasis = await disclose(billing, { recipient: 'Keep Me Co', what: 'Y', purpose: 'Z', basis: '' });
		assert.equal(nobasis.status, 422);
		assert.match(nobasis.body, /legal basis/);
		assert.match(nobasis.body, /value="Keep Me Co"/);
		assert.equal(await one(`SELECT count(*) FROM disclosures WHERE patient_id = ${patientId}`), '1');
	});

	test('the accounting excludes TPO, the patient and authorizations, and includes the attorney', async () => {
		await ok({ recipient: 'Dr. Feld, Psychiatry', what: 'Treatment summary', purpose: 'Referral',
			basis: 'treatment', disclosed_on: addDays(today, -50) });
		await ok({ recipient: 'Blue Lake Health Plan', what: 'Claim', purpose: 'Billing', basis: 'payment' });
		await ok({ recipient: 'Ignatius Oyelaran', what: 'Copy of records', purpose: 'Own request',
			basis: 'to_patient' });
		await ok({ recipient: 'Research Study X', what: 'Scores', purpose: 'Study', basis: 'authorization' });
		await ok({ recipient: 'Hartwell & Pryce LLP', address: '40 Elm St, Springfield', what: 'Treatment dates 2026',
			purpose: 'Subpoena in Oyelaran v. Acme', basis: 'judicial', disclosed_on: addDays(today, -10) });
		await ok({ recipient: 'County Health Department', what: 'Reportable condition', purpose: 'Disease report',
			basis: 'public_health', disclosed_on: addDays(today, -20) });
		const acc = await billing.req(`${base}/accounting`);
		assert.equal(acc.status, 200);
		assert.match(acc.body, new RegExp(`Disclosures from ${yearsBefore(today, 6)} to ${today}\\.`));
		assert.match(acc.body, /Hartwell &amp; Pryce LLP/);
		assert.match(acc.body, new RegExp(`First ${addDays(today, -100)}; 2 disclosures; last ${addDays(today, -10)}`));
		assert.match(acc.body, /County Health Department/);
		assert.doesNotMatch(acc.body, /Dr\. Feld|Blue Lake Health Plan|Research Study X/);
		assert.match(acc.body, /<li>Treatment \(164\.528\(a\)\(1\)\(i\)\)<\/li>/);
		assert.match(acc.body, /<li>Payment \(164\.528\(a\)\(1\)\(i\)\)<\/li>/);
		assert.match(acc.body, /<li>To the patient \(164\.528\(a\)\(1\)\(ii\)\)<\/li>/);
		assert.match(acc.body, /<li>Under the patient&#39;s authorization \(164\.528\(a\)\(1\)\(iv\)\)<\/li>|<li>Under the patient's authorization/);
		assert.match(acc.body, /3 included, 4 left out\./);
		const ev = await one(`SELECT detail FROM audit_events WHERE verb = 'VIEW' AND object_type = 'accounting'
			AND patient_id = ${patientId} ORDER BY seq DESC LIMIT 1`);
		assert.match(ev, /"lines":2,"excluded":4/);
	});

	test('the six-year window includes its first day and nothing older', async () => {
		const start = yearsBefore(today, 6);
		await ok({ recipient: 'State Licensing Board', what: 'Chart audit', purpose: 'Oversight inquiry',
			basis: 'health_oversight', disclosed_on: start });
		await ok({ recipient: 'Old Court Clerk', what: 'Records', purpose: 'Old subpoena',
			basis: 'judicial', disclosed_on: addDays(start, -1) });
		const acc = await billing.req(`${base}/accounting`);
		assert.match(acc.body, /State Licensing Board/);
		assert.doesNotMatch(acc.body, /Old Court Clerk/);
		const shorter = await billing.req(`${base}/accounting?from=${addDays(today, -30)}`);
		assert.match(shorter.body, new RegExp(`Disclosures from ${addDays(today, -30)} to ${today}`));
		assert.doesNotMatch(shorter.body, /State Licensing Board/);
		assert.match(shorter.body, new RegExp(`<td>${addDays(today, -10)}</td><td>Hartwell`));
		const bad = await billing.req(`${base}/accounting?from=${addDays(today, 3)}`);
		assert.equal(bad.status, 422);
		assert.match(bad.body, /not later than today/);
	});

	test('the CSV carries the same lines and is audited as an export', async () => {
		const res = await billing.req(`${base}/accounting.csv`);
		assert.equal(res.status, 200);
		assert.match(res.headers['content-type'], /^text\/csv/);
		const lines = res.body.trim().split('\r\n');
		assert.equal(lines[0], 'first_date,last_date,number,recipient,address,what_was_disclosed,purpose,legal_basis');
		assert.ok(lines.some((l) => l.startsWith(`"${addDays(today, -100)}","${addDays(today, -10)}","2","Hartwell & Pryce LLP"`)), res.body);
		assert.ok(!lines.some((l) => l.includes('Dr. Feld')));
		assert.equal(lines.length, 4);
		const ev = await one(`SELECT count(*) FROM audit_events WHERE verb = 'EXPORT' AND object_type = 'accounting' AND patient_id = ${patientId}`);
		assert.equal(ev, '1');
	});

	test('the first accounting in 12 months is free; a later one may carry a fee', async () => {
		const first = await billing.req(`${base}/accounting`);
		assert.match(first.body, /This is the first accounting in 12 months: it is free\./);
		assert.doesNotMatch(first.body, /name="fee"/);
		const feeFirst = await billing.post(`${base}/accounting`, `${base}/accounting`, { fee: '5.00' });
		assert.equal(feeFirst.status, 422);
		assert.match(feeFirst.body, /first accounting in any 12 months is free/);
		const rec = await billing.post(`${base}/accounting`, `${base}/accounting`, {});
		assert.equal(rec.status, 200);
		assert.match(rec.body, /the accounting was provided today/);
		assert.match(rec.body, new RegExp(`already provided on ${today}`));
		const paid = await billing.post(`${base}/accounting`, `${base}/accounting`, { fee: '12.50' });
		assert.equal(paid.status, 200);
		assert.equal(await one(`SELECT sum(fee_cents) || '/' || count(*) FROM accountings WHERE patient_id = ${patientId}`), '1250/2');
		const ev = await one(`SELECT count(*) FROM audit_events WHERE verb = 'CREATE' AND object_type = 'accounting' AND patient_id = ${patientId}`);
		assert.equal(ev, '2');
	});

	test('wrong roles are refused', async () => {
		assert.equal((await desk.req(`${base}/disclosures`)).status, 403);
		assert.equal((await desk.req(`${base}/accounting`)).status, 403);
		assert.equal((await desk.req(`${base}/accounting.csv`)).status, 403);
		assert.equal((await co.req(`${base}/accounting`)).status, 200);
		assert.equal((await billing.req('/patients/999999/disclosures')).status, 404);
	});
});
