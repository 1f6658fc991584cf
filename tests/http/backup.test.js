'use strict';
/*
 * `alcove backup` and `alcove restore` as an operator meets them: a backup
 * of a running server's installation (after staff were added and used the
 * application, so there are users and audit events), restored into a new
 * data directory - and for PostgreSQL into a new database made with psql -
 * with the same row counts and an audit chain that `alcove audit verify`
 * accepts; and every way a backup file can be wrong (a flipped byte, a
 * cut-off end, another installation's master key) refused with one line
 * and nothing left behind.  The owner's e-mail address is not in the
 * backup file's bytes.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const TABLES = ['users', 'memberships', 'practices', 'data_keys', 'sessions',
	'role_changes', 'compliance_tasks', 'schema_migrations', 'patients', 'patient_search'];

/* A patient whose details must never appear in the clear (issue #6). */
const PATIENT = { legal_first: 'Quillomena', legal_last: 'Vantrewsky', dob: '1979-08-17',
	phone: '(555) 271-9946', email: 'quillomena.v@example.org', status: 'active' };

/* Runs SQL on an instance-like {dir, conninfo} with the engine's shell. */
function rawSql(where, query) {
	return sql({ instance: where }, query);
}

async function counts(where) {
	const out = {};
	for (const t of [...TABLES, 'audit_events'])
		out[t] = Number((await rawSql(where, `SELECT count(*) FROM ${t}`)).trim());
	return out;
}

describe(`backup and restore (${lib.ENGINE})`, () => {
	const PG = process.env.ALCOVE_TEST_PG || '';
	const passwords = {};
	let srv, file, before_;
	const dbs = [];

	/* A new empty database for a PostgreSQL restore; null on SQLite. */
	async function newDb() {
		if (lib.ENGINE !== 'postgres')
			return null;
		const name = `alcove_restore_${crypto.randomBytes(6).toString('hex')}`;
		await lib.psql(PG, `CREATE DATABASE ${name}`);
		dbs.push(name);
		return lib.conninfoFor(name);
	}

	async function restore(f, dir, extra = []) {
		const args = ['restore', f, '--data', dir, ...extra];
		if (!extra.includes('--key-file'))
			args.push('--key-file', path.join(srv.instance.parent, 'data-master.key'));
		const conninfo = await newDb();
		if (conninfo)
			args.push('--pg-conninfo', conninfo);
		return { r: await lib.runCli(args), conninfo };
	}

	before(async () => {
		srv = await lib.startServer({ name: 'backup' });
		const owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		for (const [e, n, r] of [['ana@example.test', 'Ana Ruiz', 'clinician'],
			['bo@example.test', 'Bo Chen', 'billing']]) {
			const pw = await addUser(srv, e, n, r);
			passwords[e] = pw;
			const c = client(srv);
			await c.signIn(e, pw);
			assert.equal((await c.req('/home')).status, 200);
		}
		assert.equal((await owner.req('/staff')).status, 200);
		const reg = await owner.post('/patients/new', '/patients', PATIENT);
		assert.equal(reg.status, 303, 'the patient is registered');
		file = path.join(srv.instance.parent, 'backup.alcbk');
		const b = await lib.runCli(['backup', '--data', srv.dir, '--out', file]);
		assert.equal(b.code, 0, b.stderr);
		assert.match(b.stdout, /^backup written: .*backup\.alcbk \(\d+ bytes, (sqlite|postgres), backup key \d+, master key [0-9a-f]{16}\)$/m);
		before_ = await counts(srv.instance);
	});
	after(async () => {
		if (srv)
			await srv.stop();
		for (const d of dbs)
			await lib.psql(PG, `DROP DATABASE IF EXISTS ${d} WITH (FORCE)`)
				.catch(() => {});
	});

	test('--help, and usage errors exit 2', async () => {
		for (const c of ['backup', 'restore']) {
			const h = await lib.runCli([c, '--help']);
			assert.equal(h.code, 0);
			assert.match(h.stdout, new RegExp(`usage: alcove ${c}`));
		}
		for (const args of [['backup', '--data', srv.dir], ['restore', file], ['restore', '--data', 'x'],
			['restore', file, '--data', 'x', '--engine', 'mysql'], ['backup', '--bogus']]) {
			const r = await lib.runCli(args);
			assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
			assert.match(r.stderr, /^alcove: /);
		}
		const top = await lib.runCli(['--help']);
		assert.match(top.stdout, /^\s+backup\s/m);
		assert.match(top.stdout, /^\s+restore\s/m);
	});

	test('the backup file is private, encrypted and records a BACKUP event', async () => {
		assert.equal(fs.statSync(file).mode & 0o777, 0o600);
		assert.ok(!fs.existsSync(file + '.tmp'));
		const bytes = fs.readFileSync(file);
		assert.equal(bytes.subarray(0, 8).toString(), 'ALCOVEBK');
		for (const s of [lib.OWNER_EMAIL, 'ana@example.test', 'Ana Ruiz', 'CREATE TABLE',
			PATIENT.legal_first, PATIENT.legal_last, PATIENT.dob, '271-9946', '2719946', PATIENT.email])
			assert.equal(bytes.indexOf(Buffer.from(s)), -1, `"${s}" is not in the file`);
		const ev = await sql(srv, "SELECT verb || '|' || actor_role FROM audit_events WHERE verb = 'BACKUP'");
		assert.equal(ev.trim(), 'BACKUP|operator');
	});

	test('restore into a new directory: same rows, audit chain verifies, server starts', async () => {
		const dir = path.join(srv.instance.parent, 'restored');
		const { r, conninfo } = await restore(file, dir);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /rows match the backup's manifest; audit chain OK: \d+ events/);
		const where = { dir, conninfo };
		const after_ = await counts(where);
		for (const t of TABLES)
			assert.equal(after_[t], before_[t], `rows of ${t}`);
		// The original recorded its BACKUP after the snapshot; the copy its RESTORE.
		assert.equal(after_.audit_events, before_.audit_events);
		const v = await lib.runCli(['audit', 'verify', '--data', dir]);
		assert.equal(v.code, 0, v.stderr);
		assert.match(v.stdout, /^audit chain OK/);
		const restored = await lib.startServer({ name: 'restored', instance:
			{ dir, parent: srv.instance.parent, conninfo, cleanup: async () => {} } });
		try {
			const c = client(restored);
			await c.signIn('ana@example.test', passwords['ana@example.test']);
			const home = await c.req('/home');
			assert.equal(home.status, 200);
			assert.match(home.body, /Clinician/);
		} finally {
			await restored.stop();
		}
	});

	test('a restore refuses an existing directory', async () => {
		const { r } = await restore(file, srv.dir);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /exists; restore only into a new data directory/);
	});

	test('a flipped byte, a truncated file or another master key: refused, nothing created', async () => {
		const bytes = fs.readFileSync(file);
		const flipped = Buffer.from(bytes);
		flipped[Math.floor(flipped.length / 2)] ^= 0x01;
		const header = Buffer.from(bytes);
		header[20] ^= 0x01; // inside the master key id of the plain header
		const cases = [
			['flipped', flipped, /damaged or was altered/],
			['header', header, /damaged or was altered|wrong master key/],
			['truncated', bytes.subarray(0, bytes.length - 40), /truncated/],
			['cut', bytes.subarray(0, 100), /truncated/],
			['notabackup', Buffer.from('hello'), /not an Alcove backup file/],
		];
		for (const [name, data, re] of cases) {
			const f = path.join(srv.instance.parent, `${name}.alcbk`);
			fs.writeFileSync(f, data);
			const dir = path.join(srv.instance.parent, `bad-${name}`);
			const { r } = await restore(f, dir);
			assert.equal(r.code, 1, `${name}: ${r.stderr}`);
			assert.match(r.stderr, re, name);
			assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('alcove:')).length, 1);
			assert.ok(!fs.existsSync(dir), `${name}: ${dir} was not created`);
		}
		const other = await lib.createInstance();
		try {
			const dir = path.join(srv.instance.parent, 'bad-key');
			const { r } = await restore(file, dir, ['--key-file', path.join(other.parent, 'data-master.key')]);
			assert.equal(r.code, 1, r.stderr);
			assert.match(r.stderr, /wrong master key: this backup needs master key [0-9a-f]{16}/);
			assert.ok(!fs.existsSync(dir));
		} finally {
			await other.cleanup();
		}
	});
});
