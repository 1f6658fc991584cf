'use strict';
/*
 * Training records through their pages (issue #8): recording training
 * with input kept on errors, expired and expiring records flagged, each
 * person seeing only their own records, the new-hire deadline setting and
 * the list of new staff overdue for training, retiring, wrong roles
 * refused, audit events; the page passes html-validate.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const csrfOf = (body) => /name="csrf" value="([^"]+)"/.exec(body)[1];
const one = async (srv, q) => (await sql(srv, q)).trim();

function addDays(n) {
	const d = new Date();
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}

describe(`training records (${lib.ENGINE})`, () => {
	let srv, owner, desk, deskId, clinId;

	before(async () => {
		srv = await lib.startServer({ name: 'training' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const pw = await addUser(srv, 'desk@example.test', 'Dee Desk', 'front_desk');
		desk = client(srv);
		await desk.signIn('desk@example.test', pw);
		await addUser(srv, 'clin@example.test', 'Cal Clinician', 'clinician');
		deskId = await one(srv, "SELECT id FROM users WHERE email = 'desk@example.test'");
		clinId = await one(srv, "SELECT id FROM users WHERE email = 'clin@example.test'");
	});
	after(async () => { if (srv) await srv.stop(); });

	const record = (extra) => ({ user_id: deskId, course: 'HIPAA basics', completed_on: addDays(-300), hours: '1.5',
		provider: 'Compliance Co', evidence: 'Certificate 42', expires_on: '', ...extra });

	test('recording training: errors keep the input; expired and expiring records are flagged', async () => {
		const page = await owner.req('/training');
		assert.equal(page.status, 200);
		assert.match(page.body, /<a href="\/training" aria-current="page">Training<\/a>/);
		const csrf = csrfOf(page.body);
		const bad = await owner.req('/training', { form: { csrf, ...record({ course: '', provider: 'Kept <p>' }) } });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Enter the course&#39;s name/);
		assert.match(bad.body, /value="Kept &lt;p&gt;"/);
		const badHours = await owner.req('/training', { form: { csrf, ...record({ hours: 'lots' }) } });
		assert.equal(badHours.status, 422);
		for (const r of [record({ expires_on: addDays(-3) }), record({ course: 'Security awareness', expires_on: addDays(30) }),
			record({ course: 'Ethics', expires_on: addDays(400) }), record({ user_id: clinId, course: 'Psychotherapy notes' })]) {
			const ok = await owner.req('/training', { form: { csrf, ...r } });
			assert.equal(ok.status, 303);
			assert.equal(ok.headers.location, '/training?done=saved');
		}
		const list = await owner.req('/training?done=saved');
		assert.match(list.body, /The training is recorded\./);
		const row = (course) => new RegExp(`<td>${course}<\\/td>[\\s\\S]*?<\\/tr>`).exec(list.body)[0];
		assert.match(row('HIPAA basics'), /<strong>Expired<\/strong>/);
		assert.match(row('Security awareness'), /<strong>Expires within 60 days<\/strong>/);
		assert.doesNotMatch(row('Ethics'), /<strong>/);
		assert.match(row('HIPAA basics'), /<td>1\.5<\/td>/);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'training_record' AND verb = 'CREATE'"), '4');
		const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(list.body);
		assert.ok(report.valid, JSON.stringify(report.results.map((r) => r.messages), null, 1));
	});

	test('staff see only their own training and cannot record any', async () => {
		const mine = await desk.req('/training');
		assert.equal(mine.status, 200);
		assert.match(mine.body, /HIPAA basics/);
		assert.doesNotMatch(mine.body, /Psychotherapy notes/);
		assert.doesNotMatch(mine.body, /Record training/);
		const csrf = csrfOf(mine.body);
		assert.equal((await desk.req('/training', { form: { csrf, ...record() } })).status, 403);
		assert.equal((await desk.req('/training/settings', { form: { csrf, training_due_days: '5' } })).status, 403);
		assert.equal((await desk.req('/training/1/retire', { form: { csrf } })).status, 403);
	});

	test('new staff past the training deadline are listed; the deadline is a setting', async () => {
		await addUser(srv, 'new@example.test', 'Nia New', 'billing');
		/* An account created 40 days ago, none of its training recorded. */
		await sql(srv, `UPDATE users SET created_at = created_at - ${40 * 86400000} WHERE email = 'new@example.test'`);
		const page = await owner.req('/training');
		assert.match(page.body, /New staff must complete training within 30 days of joining\./);
		assert.match(page.body, /<strong>Nia New<\/strong> \(new@example\.test\): training was due by/);
		assert.doesNotMatch(page.body, /<strong>Dee Desk<\/strong>/);
		const csrf = csrfOf(page.body);
		const bad = await owner.req('/training/settings', { form: { csrf, training_due_days: '0' } });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Enter the number of days \(1 to 365\)/);
		assert.equal((await owner.req('/training/settings', { form: { csrf, training_due_days: '60' } })).status, 303);
		const later = await owner.req('/training');
		assert.match(later.body, /within 60 days of joining/);
		assert.doesNotMatch(later.body, /<strong>Nia New<\/strong>/);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'training_settings' AND verb = 'CONFIG_CHANGE'"), '1');
	});

	test('retiring a record keeps it in the database', async () => {
		const id = await one(srv, "SELECT id FROM training_records WHERE course = 'Ethics'");
		const page = await owner.req('/training');
		const res = await owner.req(`/training/${id}/retire`, { form: { csrf: csrfOf(page.body) } });
		assert.equal(res.status, 303);
		assert.doesNotMatch((await owner.req('/training')).body, /<td>Ethics<\/td>/);
		assert.equal(await one(srv, `SELECT status FROM training_records WHERE id = ${id}`), 'retired');
		assert.equal((await owner.req(`/training/${id}/retire`, { form: { csrf: csrfOf(page.body) } })).status, 404);
	});

	test('sanctions and complaints logs: append-only, sealed at rest, reading audited', async () => {
		const page = await owner.req('/training/log');
		assert.equal(page.status, 200);
		assert.match(page.body, /No sanctions recorded\./);
		const csrf = csrfOf(page.body);
		const bad = await owner.req('/training/log', { form: { csrf, kind: 'complaint', occurred_on: addDays(-2),
			person: '', details: 'Kept <details>', action_taken: '' } });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Enter who it concerns/);
		assert.match(bad.body, />Kept &lt;details&gt;<\/textarea>/);
		assert.match(bad.body, /<option value="complaint" selected>/);
		for (const f of [{ kind: 'complaint', person: 'Pat Patient-Zed', details: 'My diagnosis was discussed in the waiting room' },
			{ kind: 'sanction', person: 'Dee Desk', details: 'Left a record on the printer' }]) {
			const ok = await owner.req('/training/log', { form: { csrf, occurred_on: addDays(-2), action_taken: 'Retrained', ...f } });
			assert.equal(ok.status, 303);
			assert.equal(ok.headers.location, '/training/log?done=saved');
		}
		const list = await owner.req('/training/log?done=saved');
		assert.match(list.body, /The entry is added to the log\./);
		const complaints = list.body.slice(list.body.indexOf('Complaints log'));
		assert.match(complaints, /<td>Pat Patient-Zed<\/td><td>My diagnosis was discussed in the waiting room<\/td><td>Retrained<\/td>/);
		assert.match(list.body.slice(0, list.body.indexOf('Complaints log')), /<td>Dee Desk<\/td><td>Left a record on the printer<\/td>/);
		/* Sealed at rest: the plaintext is nowhere in the row. */
		const raw = await one(srv, lib.ENGINE === 'postgres'
			? "SELECT encode(person, 'hex') || encode(details, 'hex') FROM workforce_log WHERE kind = 'complaint'"
			: "SELECT hex(person) || hex(details) FROM workforce_log WHERE kind = 'complaint'");
		assert.ok(raw.length > 100);
		assert.ok(!raw.toLowerCase().includes(Buffer.from('Patient-Zed').toString('hex')));
		assert.ok(!raw.toLowerCase().includes(Buffer.from('diagnosis').toString('hex')));
		await assert.rejects(sql(srv, 'DELETE FROM workforce_log'));
		await assert.rejects(sql(srv, "UPDATE workforce_log SET action_taken = 'changed'"));
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'workforce_log' AND verb = 'CREATE'"), '2');
		assert.ok(Number(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'workforce_log' AND verb = 'VIEW'")) >= 3);
		assert.equal((await desk.req('/training/log')).status, 403);
		const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(list.body);
		assert.ok(report.valid, JSON.stringify(report.results.map((r) => r.messages), null, 1));
	});
});
