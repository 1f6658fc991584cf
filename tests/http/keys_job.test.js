'use strict';
/*
 * Key rotation as the server's background job, as the owner meets it on
 * Settings > Encryption keys: they start a rotation of the general
 * records key, the page shows it running (and refreshes itself), a second
 * Rotate meanwhile is refused (409), the server's job workers finish it,
 * every patient still opens and is still found by search, the old key is
 * retired, and the start and the end are in the audit trail with who
 * started it.  The operator's `alcove keys rotate --enqueue` is picked up
 * by the same running server.  The front desk cannot use the page (403).
 * ALCOVE_TEST_ROTATE_SETTLE_MS shortens the settle wait (docs/keys.md) to
 * a few seconds: long enough to see the rotation running.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, addUser, sql } = require('./client');

const PEOPLE = ['Rosalind', 'Bartholomew', 'Esmeralda', 'Cornelius', 'Philippa'].map((n, i) => ({
	first: n, last: `${n}son-Keyjob`, dob: `19${80 + i}-06-1${i}`,
}));

const count = async (srv, q) => Number((await sql(srv, q)).trim());

async function assertValid(body) {
	const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(body);
	assert.equal(report.valid, true, JSON.stringify(report.results, null, 1));
}

describe(`key rotation from the settings page (${lib.ENGINE})`, () => {
	let srv, owner, desk;
	const ids = [];

	before(async () => {
		srv = await lib.startServer({ name: 'keys-job', env: { ALCOVE_TEST_ROTATE_SETTLE_MS: '2500' } });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		desk = client(srv);
		await desk.signIn('desk@example.test', await addUser(srv, 'desk@example.test', 'Dee Desk', 'front_desk'));
		for (const p of PEOPLE) {
			const res = await owner.post('/patients/new', '/patients', {
				legal_first: p.first, legal_last: p.last, dob: p.dob, status: 'active',
			});
			assert.equal(res.status, 303, String(res.status));
			ids.push(Number(/\/patients\/(\d+)$/.exec(res.headers.location)[1]));
		}
	});
	after(async () => {
		if (srv) {
			await srv.stop();
			await srv.instance.cleanup();
		}
	});

	/* The active key id and the "being retired" cell of a purpose's row. */
	function keyRow(body, purpose) {
		const row = new RegExp(`<tr id="key-${purpose}">([\\s\\S]*?)</tr>`).exec(body);
		assert.ok(row, `a row for ${purpose}`);
		const active = /Key (\d+)/.exec(row[1]);
		const cells = [...row[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1].trim());
		return { active: active && Number(active[1]), rows: Number(cells[3]), retiring: cells[4] };
	}

	/* Polls the page until the latest rotation is no longer running. */
	async function waitFinished() {
		const deadline = Date.now() + 60000;
		for (;;) {
			const res = await owner.req('/settings/keys');
			assert.equal(res.status, 200);
			if (!/id="keys-progress"/.test(res.body))
				return res;
			assert.ok(Date.now() < deadline, 'the rotation finishes within a minute');
			await lib.sleep(300);
		}
	}

	async function everyoneOpensAndIsFound(when) {
		for (const [i, p] of PEOPLE.entries()) {
			const page = await owner.req(`/patients/${ids[i]}`);
			assert.equal(page.status, 200, `${when}: patient ${ids[i]}`);
			assert.match(page.body, new RegExp(`${p.first} ${p.last}`), when);
			const found = await desk.req(`/patients?q=${encodeURIComponent(p.last)}`);
			assert.match(found.body, new RegExp(`href="/patients/${ids[i]}"`), `${when}: search ${p.last}`);
		}
	}

	test('the settings page links to the keys page, which lists the four key purposes', async () => {
		const settings = await owner.req('/settings');
		assert.match(settings.body, /href="\/settings\/keys"/);
		const res = await owner.req('/settings/keys');
		assert.equal(res.status, 200);
		for (const [p, label] of [['general', 'General records'], ['psychotherapy', 'Psychotherapy notes'],
			['part2', 'Part 2 records'], ['blind_index', 'Search index']]) {
			assert.match(res.body, new RegExp(label));
			assert.ok(keyRow(res.body, p).active > 0, p);
		}
		/* Each patient seals its names and birth date at least. */
		assert.ok(keyRow(res.body, 'general').rows >= PEOPLE.length * 3);
		assert.match(res.body, /re-encrypts every record in the background; Alcove stays usable/);
		assert.doesNotMatch(res.body, /data-refresh-seconds/);
		await assertValid(res.body);
	});

	test('a purpose that is not a key is refused with 422 and nothing starts', async () => {
		const res = await owner.post('/settings/keys', '/settings/keys/rotate', { purpose: 'backup' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Choose which key to rotate/);
		assert.equal(await count(srv, "SELECT COUNT(*) FROM jobs WHERE kind = 'keys.rotate'"), 0);
	});

	test('the front desk cannot see or use the page', async () => {
		assert.equal((await desk.req('/settings/keys')).status, 403);
		const res = await desk.post('/account/sessions', '/settings/keys/rotate', { purpose: 'general' });
		assert.equal(res.status, 403);
	});

	test('owner rotates the general key: progress, 409 meanwhile, finished by the job runner', async () => {
		const before = keyRow((await owner.req('/settings/keys')).body, 'general');
		const start = await owner.post('/settings/keys', '/settings/keys/rotate', { purpose: 'general' });
		assert.equal(start.status, 303);
		assert.equal(start.headers.location, '/settings/keys?done=started');
		const running = await owner.req(start.headers.location);
		assert.match(running.body, /The key rotation has started/);
		assert.match(running.body, /id="keys-progress"[^>]*data-refresh-seconds="3"/);
		assert.match(running.body, /Rotation in progress: General records/);
		assert.match(running.body, /Started by [^<]* on \d{4}-\d\d-\d\d/);
		await assertValid(running.body);

		const again = await owner.post('/settings/keys', '/settings/keys/rotate', { purpose: 'part2' });
		assert.equal(again.status, 409);
		assert.match(again.body, /A key rotation is already running/);

		const done = await waitFinished();
		await assertValid(done.body);
		assert.match(done.body, /id="keys-result"[^>]*>The last rotation \(General records, started by [^)]+\) finished on/);
		const after = keyRow(done.body, 'general');
		assert.notEqual(after.active, before.active);
		assert.equal(after.retiring, 'None');
		assert.equal(after.rows, before.rows);
		await everyoneOpensAndIsFound('after the general rotation');

		const status = await lib.runCli(['keys', 'status', '--data', srv.instance.dir]);
		assert.match(status.stdout, new RegExp(`\\s${before.active}\\s+retired\\s`));
		const ownerId = (await sql(srv, `SELECT id FROM users WHERE email = '${lib.OWNER_EMAIL}'`)).trim();
		assert.equal(await count(srv, "SELECT COUNT(*) FROM audit_events WHERE verb = 'CONFIG_CHANGE' AND " +
			`detail LIKE '%key rotation started%' AND actor_user_id = ${ownerId}`), 1);
		assert.equal(await count(srv, "SELECT COUNT(*) FROM audit_events WHERE verb = 'CONFIG_CHANGE' AND " +
			"detail LIKE '%key rotation finished%'"), 1);
	});

	test('alcove keys rotate --enqueue is picked up by the running server', async () => {
		const before = keyRow((await owner.req('/settings/keys')).body, 'blind_index');
		const r = await lib.runCli(['keys', 'rotate', '--enqueue', '--purpose', 'blind_index', '--batch', '2',
			'--data', srv.instance.dir]);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /rotation queued as job \d+/);
		const busy = await lib.runCli(['keys', 'rotate', '--enqueue', '--data', srv.instance.dir]);
		assert.notEqual(busy.code, 0);
		assert.match(busy.stderr, /already queued or running/);

		const done = await waitFinished();
		assert.match(done.body, /The last rotation \(Search index, started by the command line on [^)]+\) finished/);
		const after = keyRow(done.body, 'blind_index');
		assert.notEqual(after.active, before.active);
		assert.equal(after.retiring, 'None');
		await everyoneOpensAndIsFound('after the search key rotation');
		assert.equal(await count(srv, "SELECT COUNT(*) FROM audit_events WHERE verb = 'CONFIG_CHANGE' AND " +
			"detail LIKE '%key rotation started%' AND actor_role = 'operator'"), 1);
		assert.equal(await count(srv, "SELECT COUNT(*) FROM audit_events WHERE verb = 'CONFIG_CHANGE' AND " +
			"detail LIKE '%key rotation finished%'"), 2);
	});
});

/* A run that fails midway (the test hook stops the first attempt after
 * one committed batch) is retried by the queue, which resumes the same
 * rotation instead of starting another; the page says so meanwhile. */
describe(`key rotation job retried after a failure (${lib.ENGINE})`, () => {
	let srv, owner;

	before(async () => {
		srv = await lib.startServer({
			name: 'keys-job-retry',
			env: { ALCOVE_TEST_ROTATE_SETTLE_MS: '0', ALCOVE_TEST_ROTATE_ABORT_AFTER: '1' },
		});
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		for (const p of PEOPLE) {
			const res = await owner.post('/patients/new', '/patients', {
				legal_first: p.first, legal_last: p.last, dob: p.dob, status: 'active',
			});
			assert.equal(res.status, 303, String(res.status));
		}
	});
	after(async () => {
		if (srv) {
			await srv.stop();
			await srv.instance.cleanup();
		}
	});

	test('the retry resumes the rotation and finishes it', async () => {
		const r = await lib.runCli(['keys', 'rotate', '--enqueue', '--purpose', 'general', '--batch', '2',
			'--data', srv.instance.dir]);
		assert.equal(r.code, 0, r.stderr);
		let saw = false;
		const deadline = Date.now() + 60000;
		for (;;) {
			const res = await owner.req('/settings/keys');
			if (/The last attempt failed: stopped by the test hook/.test(res.body))
				saw = true;
			if (!/id="keys-progress"/.test(res.body)) {
				assert.match(res.body, /The last rotation \(General records, started by the command line on [^)]+\) finished/);
				break;
			}
			assert.ok(Date.now() < deadline, 'the retry finishes within a minute');
			await lib.sleep(300);
		}
		assert.ok(saw, 'the page showed the failed attempt while the retry was due');
		assert.equal(await count(srv, 'SELECT COUNT(*) FROM key_rotations'), 1);
		assert.equal(await count(srv, "SELECT COUNT(*) FROM key_rotations WHERE status = 'done'"), 1);
		assert.equal(await count(srv, "SELECT attempts FROM jobs WHERE kind = 'keys.rotate'"), 2);
		const status = await lib.runCli(['keys', 'status', '--data', srv.instance.dir]);
		assert.match(status.stdout, /general\s+\d+\s+retired/);
		assert.doesNotMatch(status.stdout, /retiring/);
	});
});
