'use strict';
/*
 * `alcove keys status` and `alcove keys rotate` as an operator meets them,
 * beside a running server: status lists every key with its state; a
 * rotation killed (SIGKILL) while it waits for the server to pick up the
 * new keys leaves a rotation that `keys status` reports and that
 * `keys rotate --resume` finishes, retiring the old keys; the server keeps
 * serving throughout; purposes that cannot be rotated are refused with
 * one line; every step is in the audit trail without key material.
 *
 * With patients registered through the pages, a rotation killed (SIGKILL,
 * by the test hook ALCOVE_TEST_ROTATE_ABORT_AFTER) in the middle of its
 * re-encryption resumes and finishes, and every record still opens with
 * its name; the old key is retired only then.  The library-level cases
 * (counts per key, a field that does not open) are in
 * tests/unit/test_rotate.c.
 */
const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql } = require('./client');

function keys(srv, args, opts) {
	return lib.runCli(['keys', ...args, '--data', srv.instance.dir], opts);
}

/* The status table as [{practice, purpose, key, state, fields}]. */
function parseStatus(out) {
	return out.split('\n').filter((l) => /^\S+\s+\S+\s+\d+\s+(active|retiring|retired)\s/.test(l))
		.map((l) => {
			const f = l.trim().split(/\s+/);
			return { practice: f[0], purpose: f[1], key: Number(f[2]), state: f[3], fields: f[5] };
		});
}

describe(`keys status and rotate (${lib.ENGINE})`, () => {
	let srv, c, secret;
	before(async () => {
		srv = await lib.startServer();
		c = client(srv);
		secret = await c.signIn(lib.OWNER_EMAIL, srv.password);
	});
	after(async () => {
		if (srv) {
			await srv.stop();
			await srv.instance.cleanup();
		}
	});

	test('status lists the practice and installation keys, all active', async () => {
		const r = await keys(srv, ['status']);
		assert.equal(r.code, 0, r.stderr);
		const rows = parseStatus(r.stdout);
		assert.deepEqual(rows.map((x) => x.purpose).sort(),
			['backup', 'blind_index', 'general', 'part2', 'psychotherapy']);
		assert.ok(rows.every((x) => x.state === 'active'));
		/* Only the owner's authenticator secret is sealed so far. */
		assert.equal(rows.find((x) => x.purpose === 'general').fields, '1');
		assert.equal(rows.find((x) => x.purpose === 'backup').practice, '(all)');
		assert.doesNotMatch(r.stdout, /rotation \d+ is running/);
	});

	test('purposes that cannot be rotated, and bad usage, are refused', async () => {
		let r = await keys(srv, ['rotate', '--purpose', 'backup']);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /the backup key is not rotated by this command/);
		r = await keys(srv, ['rotate', '--purpose', 'everything']);
		assert.equal(r.code, 2);
		r = await lib.runCli(['keys', 'frob']);
		assert.equal(r.code, 2);
		r = await keys(srv, ['rotate', '--resume', '--no-wait']);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /no key rotation is running/);
	});

	test('a rotation killed midway is reported and resumes to the end', async () => {
		const child = spawn(lib.BIN, ['keys', 'rotate', '--data', srv.instance.dir,
			'--purpose', 'general'], { env: lib.childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
		let err = '';
		child.stderr.on('data', (d) => { err += d; });
		const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal)));
		for (let i = 0; i < 200 && !/waiting \d+ s/.test(err); i++)
			await lib.sleep(50);
		assert.match(err, /new keys in place\nkeys rotate: waiting \d+ s/);
		child.kill('SIGKILL');
		assert.equal(await exited, 'SIGKILL');

		let r = await keys(srv, ['status']);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /rotation \d+ is running or was interrupted/);
		let general = parseStatus(r.stdout).filter((x) => x.purpose === 'general');
		assert.deepEqual(general.map((x) => x.state).sort(), ['active', 'retiring']);
		const old = general.find((x) => x.state === 'retiring').key;

		/* The server goes on working meanwhile. */
		assert.equal((await c.req('/settings')).status, 200);

		r = await keys(srv, ['rotate', '--resume', '--no-wait']);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /rotation \d+ resumed: 1 fields re-encrypted, 1 key retired/);
		assert.match(r.stdout, /rotation \d+ done/);
		assert.match(r.stderr, /patients\.name: 0 fields re-encrypted/);
		assert.match(r.stderr, /mfa\.secret: 1 field re-encrypted/, 'the owner\'s authenticator secret');
		r = await keys(srv, ['status']);
		general = parseStatus(r.stdout).filter((x) => x.purpose === 'general');
		assert.equal(general.find((x) => x.key === old).state, 'retired');
		assert.equal(general.filter((x) => x.state === 'active').length, 1);
		assert.doesNotMatch(r.stdout, /is running/);
		/* Other purposes were not touched. */
		assert.equal(parseStatus(r.stdout).filter((x) => x.purpose === 'part2').length, 1);
		assert.equal((await c.req('/settings')).status, 200);
	});

	test('re-encryption killed midway resumes; every patient record still opens', async () => {
		const names = ['Zebulon', 'Quillon', 'Marisol', 'Thaddeus', 'Orsolya', 'Ignatius', 'Wilhelmina'];
		const ids = [];
		const last = (n) => `${n}ova-Rotatewell`;
		const dob = (i) => `19${70 + i}-02-03`;
		for (const [i, n] of names.entries()) {
			const res = await c.post('/patients/new', '/patients', {
				legal_first: n, legal_last: last(n), dob: dob(i), status: 'active',
			});
			assert.equal(res.status, 303, String(res.status) + (res.body.match(/field-error[^<]*<|flash[^<]*</g) || []).join(' '));
			ids.push(Number(/\/patients\/(\d+)$/.exec(res.headers.location)[1]));
		}
		/* Every general field, whichever key seals it: a server that cached
		 * the key active before the --no-wait rotation above may still have
		 * sealed these with it; rotation re-seals those too. */
		const generalFields = async () => parseStatus((await keys(srv, ['status'])).stdout)
			.filter((x) => x.purpose === 'general');
		const total = (await generalFields()).reduce((n, x) => n + Number(x.fields), 0);
		assert.ok(total >= names.length * 2, `${total} sealed fields`);
		const killed = await keys(srv, ['rotate', '--no-wait', '--batch', '2', '--purpose', 'general'],
			{ env: { ALCOVE_TEST_ROTATE_ABORT_AFTER: '2' } });
		assert.equal(killed.signal, 'SIGKILL');
		let rows = await generalFields();
		const retiring = rows.find((x) => x.state === 'retiring');
		const active = rows.find((x) => x.state === 'active');
		/* two batches of two names committed; the third batch was lost */
		assert.equal(active.fields, '4');
		assert.equal(rows.filter((x) => x.state !== 'active').reduce((n, x) => n + Number(x.fields), 0), total - 4);
		/* Records open whichever key seals them. */
		for (let i = 0; i < ids.length; i++)
			assert.match((await c.req(`/patients/${ids[i]}`)).body, new RegExp(`${names[i]} ${last(names[i])}`));

		const r = await keys(srv, ['rotate', '--no-wait', '--batch', '2']);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`resumed: ${total - 4} fields re-encrypted, 1 key retired`));
		rows = await generalFields();
		assert.equal(rows.find((x) => x.key === retiring.key).state, 'retired');
		assert.ok(rows.filter((x) => x.state !== 'active').every((x) => x.fields === '0'));
		assert.equal(rows.find((x) => x.state === 'active').fields, String(total));
		for (let i = 0; i < ids.length; i++) {
			const page = await c.req(`/patients/${ids[i]}`);
			assert.equal(page.status, 200);
			assert.match(page.body, new RegExp(`${names[i]} ${last(names[i])}`));
			assert.match(page.body, new RegExp(dob(i)));
		}
		/* Search by name still finds them (the index key was not rotated;
		 * keys_index.test.js rotates it). */
		const found = await c.req(`/patients?q=${last('Zebulon')}`);
		assert.match(found.body, /Zebulon/);
	});

	test('a full rotation retires every rotatable key, audited without key material', async () => {
		const r = await keys(srv, ['rotate', '--no-wait']);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /rotation \d+ started: \d+ fields re-encrypted, 3 keys retired/);
		const rows = parseStatus((await keys(srv, ['status'])).stdout);
		for (const p of ['general', 'psychotherapy', 'part2'])
			assert.equal(rows.filter((x) => x.purpose === p && x.state === 'active').length, 1, p);
		assert.equal(rows.filter((x) => x.purpose === 'blind_index').length, 1);
		const ev = (await sql(srv, "SELECT detail FROM audit_events WHERE verb = 'KEY_CHANGE' "
			+ 'ORDER BY seq')).trim().split('\n');
		assert.ok(ev.some((d) => /"step":"rotation_start".*"purposes":"general"/.test(d)));
		assert.ok(ev.some((d) => /"step":"key_retired"/.test(d)));
		assert.equal(ev.filter((d) => /"step":"rotation_done"/.test(d)).length, 3);
		assert.ok(ev.every((d) => !/wrapped|[0-9a-f]{64}/.test(d)));
		/* The authenticator secret was re-sealed too: two-step sign-in
		 * still works (a code of a later 30-second step than the one used
		 * at set-up, which is not accepted twice). */
		const totp = () => execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();
		const used = totp();
		while (totp() === used)
			await lib.sleep(1000);
		const again = client(srv);
		const login = await again.login(lib.OWNER_EMAIL, srv.password);
		assert.equal(login.headers.location, '/login/mfa');
		const csrf = await again.csrfFrom('/login/mfa');
		const done = await again.req('/login/mfa', { form: { csrf, code: totp() } });
		assert.equal(done.status, 303, done.body);
		assert.equal((await again.req('/home')).status, 200);
	});
});
