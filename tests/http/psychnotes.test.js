'use strict';
/*
 * Psychotherapy notes (45 CFR 164.501) through the pages: the form says
 * what belongs there; the author reads their note; the front desk,
 * billing, the compliance officer, another clinician on the care team and
 * the owner get 404 for it and never see it listed; every access (and
 * every refused attempt) is audited with the psychotherapy-note
 * sensitivity; the text is absent from the SQLite file and its WAL, and
 * from the PostgreSQL table.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const SECRET = 'Marmalade-Zeppelin reverie';

describe(`psychotherapy notes (${lib.ENGINE})`, () => {
	let srv, owner, author, other, desk, billing, compliance, base, noteUrl;

	const one = async (q) => (await sql(srv, q)).trim();

	before(async () => {
		srv = await lib.startServer({ name: 'psychnotes' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const add = async (email, name, role) => {
			const c = client(srv);
			await c.signIn(email, await addUser(srv, email, name, role));
			return c;
		};
		author = await add('author@example.test', 'Ada Author', 'clinician');
		other = await add('other@example.test', 'Otto Other', 'clinician');
		desk = await add('desk@example.test', 'Dee Desk', 'front_desk');
		billing = await add('billing@example.test', 'Bill Ing', 'billing');
		compliance = await add('co@example.test', 'Coco Officer', 'compliance');
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: 'Perpetua', legal_last: 'Ashgrove', dob: '1979-06-30', status: 'active',
		});
		base = res.headers.location;
		for (const email of ['author@example.test', 'other@example.test']) {
			const uid = await one(`SELECT id FROM users WHERE email = '${email}'`);
			assert.equal((await owner.post(base, `${base}/care-team`, { user_id: uid, role: 'clinician' })).status, 303);
		}
	});
	after(async () => { if (srv) await srv.stop(); });

	test('the form explains what belongs in a psychotherapy note', async () => {
		const res = await author.req(`${base}/psychotherapy-notes`);
		assert.equal(res.status, 200);
		assert.match(res.body, /medication, session times, modalities, test results and any summary of diagnosis/);
		assert.match(res.body, /164\.501/);
		const empty = await author.post(`${base}/psychotherapy-notes`, `${base}/psychotherapy-notes`, { text: '' });
		assert.equal(empty.status, 422);
	});

	test('the author writes and reads it; the access is audited as psychotherapy_note', async () => {
		const res = await author.post(`${base}/psychotherapy-notes`, `${base}/psychotherapy-notes`, { text: SECRET });
		assert.equal(res.status, 303);
		noteUrl = res.headers.location;
		const page = await author.req(noteUrl);
		assert.equal(page.status, 200);
		assert.ok(page.body.includes(SECRET));
		const list = await author.req(`${base}/psychotherapy-notes`);
		assert.match(list.body, new RegExp(`href="${noteUrl}"`));
		const id = noteUrl.split('/').pop();
		assert.equal(await one(`SELECT count(*) FROM audit_events WHERE verb = 'VIEW' AND object_type = 'psychotherapy_note' ` +
			`AND object_id = '${id}' AND sensitivity = 'psychotherapy_note'`), '1');
		assert.equal(await one(`SELECT count(*) FROM audit_events WHERE verb = 'CREATE' AND object_type = 'psychotherapy_note' ` +
			`AND sensitivity = 'psychotherapy_note'`), '1');
	});

	test('invisible (404) to front desk, billing, compliance, another clinician on the team and the owner', async () => {
		const before = Number(await one("SELECT count(*) FROM audit_events WHERE verb = 'ACCESS_DENIED' AND sensitivity = 'psychotherapy_note'"));
		for (const [who, c] of [['desk', desk], ['billing', billing], ['compliance', compliance], ['other', other], ['owner', owner]]) {
			const res = await c.req(noteUrl);
			assert.equal(res.status, 404, who);
			assert.ok(!res.body.includes(SECRET), who);
		}
		for (const [who, c] of [['other', other], ['owner', owner]]) {
			const list = await c.req(`${base}/psychotherapy-notes`);
			assert.equal(list.status, 200, who);
			assert.match(list.body, /None yet\./, who);
			const chart = await c.req(`${base}/notes`);
			assert.ok(!chart.body.includes(noteUrl), who);
			assert.ok(!chart.body.includes(SECRET), who);
		}
		const after = Number(await one("SELECT count(*) FROM audit_events WHERE verb = 'ACCESS_DENIED' AND sensitivity = 'psychotherapy_note'"));
		assert.equal(after - before, 5);
	});

	test('the text is not in the database in plain text', async () => {
		if (lib.ENGINE === 'postgres') {
			const dump = await sql(srv, "SELECT string_agg(encode(data, 'escape'), ',') FROM psychotherapy_notes");
			assert.ok(dump.length > 0);
			assert.ok(!dump.includes('Marmalade'));
			assert.equal(await one("SELECT count(*) FROM psychotherapy_notes WHERE position(convert_to('Marmalade', 'UTF8') IN data) > 0"), '0');
		} else {
			let seen = 0;
			for (const f of ['alcove.db', 'alcove.db-wal']) {
				const p = path.join(srv.instance.dir, f);
				if (fs.existsSync(p)) {
					seen++;
					assert.equal(fs.readFileSync(p).indexOf('Marmalade'), -1, f);
				}
			}
			assert.ok(seen > 0);
		}
	});
});
