'use strict';
/*
 * `alcove audit verify` and `alcove audit digest` as an operator meets
 * them: exit codes (0 intact, 1 broken, 2 usage), the one-line results,
 * the AUDIT_VERIFY event every run records, and tampering done behind
 * Alcove's back the way someone holding the database would do it - with
 * the sqlite3 shell on the SQLite file, or psql with the conninfo on
 * PostgreSQL - which verify must find and name.
 */
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { describe, test, after } = require('node:test');
const lib = require('./lib');

/* Runs SQL against the instance's database with the engine's own shell,
 * as an attacker would; resolves stdout, rejects with the shell's error. */
function rawSql(inst, sql) {
	if (lib.ENGINE === 'postgres')
		return lib.psql(inst.conninfo, sql);
	return new Promise((resolve, reject) => {
		const child = spawn('sqlite3', ['-bail', path.join(inst.dir, 'alcove.db'), sql],
			{ stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '', err = '';
		child.stdout.on('data', (d) => { out += d; });
		child.stderr.on('data', (d) => { err += d; });
		child.on('error', reject);
		child.on('close', (code) => code === 0 ? resolve(out)
			: reject(new Error(`sqlite3 failed (${code}): ${err.trim()}`)));
	});
}

/* Removes the append-only guards (table owner / file holder only). */
function dropGuards(inst) {
	return rawSql(inst, lib.ENGINE === 'postgres'
		? 'ALTER TABLE audit_events DISABLE TRIGGER USER'
		: 'DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;');
}

async function scalar(inst, sql) {
	return Number((await rawSql(inst, sql)).trim());
}

function verify(inst, ...extra) {
	return lib.runCli(['audit', 'verify', '--data', inst.dir, ...extra]);
}

const OK_RE = /^audit chain OK: (\d+) events?, seq (\d+)\.\.(\d+), head ([0-9a-f]{64})$/m;

describe(`audit cli (${lib.ENGINE})`, () => {
	const instances = [];
	after(async () => { for (const i of instances) await i.cleanup(); });
	async function instance() {
		const i = await lib.createInstance();
		instances.push(i);
		return i;
	}

	test('--help prints usage and exits 0', async () => {
		for (const args of [['audit', '--help'], ['audit', 'verify', '--help'],
			['audit', 'digest', '--help']]) {
			const r = await lib.runCli(args);
			assert.equal(r.code, 0, `alcove ${args.join(' ')}: ${r.stderr}`);
			assert.match(r.stdout, /usage: alcove audit verify/);
		}
		const r = await lib.runCli(['--help']);
		assert.match(r.stdout, /^\s+audit\s/m, 'listed in alcove --help');
	});

	test('usage errors exit 2 with one line on stderr', async () => {
		const i = await instance();
		for (const args of [['audit'], ['audit', 'frob'],
			['audit', 'verify', '--data', i.dir, '--from', 'yesterday'],
			['audit', 'verify', '--data', i.dir, '--to', '2026-13-45'],
			['audit', 'verify', '--data', i.dir, '--from', '2026-02-01', '--to', '2026-01-01'],
			['audit', 'verify', '--data', i.dir, '--bogus'],
			['audit', 'verify', '--data', i.dir, 'extra'],
			['audit', 'digest', '--data', i.dir, '--from', '2026-01-01']]) {
			const r = await lib.runCli(args);
			assert.equal(r.code, 2, `alcove ${args.join(' ')}: exit 2, got ${r.code}; ${r.stderr}`);
			assert.match(r.stderr, /^alcove: /, `alcove ${args.join(' ')}: ${r.stderr}`);
			assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
		}
		const r = await lib.runCli(['audit', 'verify', '--data', path.join(i.parent, 'nope')]);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /^alcove: /);
	});

	test('a fresh installation verifies; each run records an AUDIT_VERIFY event', async () => {
		const i = await instance();
		/* alcove init itself records events (the seeded program ...): count from there. */
		const b = Number(await scalar(i, 'SELECT COUNT(*) FROM audit_events'));
		let r = await verify(i);
		assert.equal(r.code, 0, r.stderr);
		let m = OK_RE.exec(r.stdout);
		assert.ok(m, r.stdout);
		assert.equal(m[1], String(b));
		r = await verify(i);
		assert.equal(r.code, 0, r.stderr);
		m = OK_RE.exec(r.stdout);
		assert.deepEqual([m[1], m[2], m[3]], [String(b + 1), '1', String(b + 1)]);
		assert.equal(await scalar(i, "SELECT COUNT(*) FROM audit_events WHERE verb = 'AUDIT_VERIFY' " +
			"AND outcome = 0 AND actor_role = 'operator'"), 2);

		r = await lib.runCli(['audit', 'digest', '--data', i.dir]);
		assert.equal(r.code, 0, r.stderr);
		const n = b + 3;
		const dm = new RegExp(`^audit digest (\\d{4}-\\d\\d-\\d\\d): seq ${n}, count ${n}, hash ([0-9a-f]{64}) \\(recorded now\\)$`, 'm')
			.exec(r.stdout);
		assert.ok(dm, r.stdout);
		r = await lib.runCli(['audit', 'digest', '--data', i.dir]);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`seq ${n}, count ${n}, hash ${dm[2]} \\(already recorded at `));
		r = await verify(i);
		m = OK_RE.exec(r.stdout);
		assert.ok(m, r.stdout);
		assert.deepEqual([m[1], m[3]], [String(n), String(n)]);
		assert.equal(m[4], (await rawSql(i, `SELECT hash FROM audit_events WHERE seq = ${n}`)).trim());
		const today = dm[1];
		r = await verify(i, '--from', today, '--to', today);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`^audit chain OK: ${n + 1} events, seq 1\\.\\.${n + 1}`, 'm'));
		r = await verify(i, '--from', '2001-01-01T00:00:00Z', '--to', '2001-01-02T00:00:00.000Z');
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /^audit chain OK: 0 events/m);
	});

	test('the database refuses UPDATE and DELETE; a changed row is found by its seq', async () => {
		const i = await instance();
		for (let n = 0; n < 4; n++)
			assert.equal((await verify(i)).code, 0);
		await assert.rejects(rawSql(i, "UPDATE audit_events SET reason = 'edited' WHERE seq = 2"),
			/append-only/);
		await assert.rejects(rawSql(i, 'DELETE FROM audit_events WHERE seq = 2'), /append-only/);
		assert.equal((await verify(i)).code, 0);

		await dropGuards(i);
		await rawSql(i, "UPDATE audit_events SET reason = 'edited' WHERE seq = 2");
		const id = await scalar(i, 'SELECT id FROM audit_events WHERE seq = 2');
		const r = await verify(i);
		assert.equal(r.code, 1, r.stdout + r.stderr);
		assert.equal(r.stdout, '');
		assert.match(r.stderr, new RegExp(`^alcove: audit chain broken at event seq 2 \\(id ${id}\\): ` +
			'its content does not match its hash', 'm'));
		// The failed run was recorded too, as a failure.
		assert.equal(await scalar(i, "SELECT COUNT(*) FROM audit_events WHERE verb = 'AUDIT_VERIFY' " +
			'AND outcome = 8'), 1);
	});

	test('a deleted tail is found against the digest', async () => {
		const i = await instance();
		const b = Number(await scalar(i, 'SELECT COUNT(*) FROM audit_events'));
		for (let n = 0; n < 3; n++)
			assert.equal((await verify(i)).code, 0); // seq b+1 .. b+3
		assert.equal((await lib.runCli(['audit', 'digest', '--data', i.dir])).code, 0); // seq b+4
		for (let n = 0; n < 3; n++)
			assert.equal((await verify(i)).code, 0); // seq b+5 .. b+7
		await dropGuards(i);
		// Remove the newest events and wind the head back: a valid, shorter chain.
		await rawSql(i, `DELETE FROM audit_events WHERE seq >= ${b + 3}`);
		await rawSql(i, `UPDATE audit_head SET seq = ${b + 2}, count = ${b + 2}, ` +
			`hash = (SELECT hash FROM audit_events WHERE seq = ${b + 2})`);
		const r = await verify(i);
		assert.equal(r.code, 1, r.stdout + r.stderr);
		assert.match(r.stderr, new RegExp(`^alcove: audit chain broken at event seq ${b + 3} \\(missing\\): ` +
			`.*digest of \\d{4}-\\d\\d-\\d\\d recorded seq ${b + 4}`, 'm'));
	});
});
