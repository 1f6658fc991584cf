'use strict';
/*
 * Scheduled backups as an owner and an operator meet them: with backup.dir,
 * backup.interval_minutes and backup.keep set, the running server writes
 * an encrypted backup into backup.dir that `alcove restore` accepts, queues
 * the next one an interval later, prunes the oldest of its own backups
 * beyond keep (never a file it did not make), and the settings page shows
 * the time of the last good backup.  A backup that cannot be written is
 * recorded, audited, logged and shown on the settings page with a warning,
 * as is having no backup at all.  `alcove config check` refuses a
 * backup.dir that is not a writable directory.
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test, after } = require('node:test');
const lib = require('./lib');
const { client, sql } = require('./client');

const OLD1 = 'alcove-20200101T000000Z.alcbk';
const OLD2 = 'alcove-20200102T000000Z.alcbk';

function backupEnv(dir, keep = '2') {
	return { ALCOVE_BACKUP_DIR: dir, ALCOVE_BACKUP_INTERVAL_MINUTES: '1', ALCOVE_BACKUP_KEEP: keep };
}

async function waitFor(fn, ms = 30000) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error('timed out waiting');
		await lib.sleep(200);
	}
}

async function settingsPage(srv) {
	const c = client(srv);
	await c.signIn(lib.OWNER_EMAIL, srv.password);
	const res = await c.req('/settings');
	assert.equal(res.status, 200);
	return res.body;
}

describe(`scheduled backups (${lib.ENGINE})`, () => {
	const cleanups = [];
	after(async () => { for (const f of cleanups.reverse()) await f(); });

	test('a failing backup is recorded, audited and shown with a warning', async () => {
		const inst = await lib.createInstance();
		cleanups.push(() => inst.cleanup());
		const missing = path.join(inst.parent, 'no-such-dir');
		const srv = await lib.startServer({ instance: inst, env: backupEnv(missing) });
		cleanups.push(() => srv.stop());
		const row = await waitFor(async () => (await sql(srv,
			'SELECT ok, error FROM backups WHERE finished_at IS NOT NULL')).trim());
		assert.match(row, /^0\|.*no-such-dir/);
		const page = await settingsPage(srv);
		assert.match(page, /Last good backup: none recorded\./);
		assert.match(page, /id="backup-warning">No backup has been taken/);
		assert.match(page, /id="backup-failed">The scheduled backup of \d{4}-\d\d-\d\d \d\d:\d\d UTC failed: /);
		const ev = (await sql(srv, "SELECT outcome FROM audit_events WHERE verb = 'BACKUP'")).trim();
		assert.equal(ev, '8');
		await waitFor(async () => /msg="?scheduled backup failed/.test(fs.readFileSync(srv.logPath, 'utf8')));
		const check = await lib.runCli(['config', 'check', '--data', inst.dir], { env: backupEnv(missing) });
		assert.equal(check.code, 1);
		assert.match(check.stderr, /backup\.dir: .* is not a writable directory/);
	});

	test('the server takes a backup that restores, prunes its own beyond keep, shows the time', async () => {
		const inst = await lib.createInstance();
		cleanups.push(() => inst.cleanup());
		const dir = path.join(inst.parent, 'backups');
		fs.mkdirSync(dir, { mode: 0o700 });
		for (const f of [OLD1, OLD2, 'operator-copy.alcbk'])
			fs.writeFileSync(path.join(dir, f), 'old');
		await sql({ instance: inst }, 'INSERT INTO backups (started_at, finished_at, file, bytes, ok) VALUES '
			+ `(1577836800000, 1577836801000, '${OLD1}', 3, 1), (1577923200000, 1577923201000, '${OLD2}', 3, 1)`);
		const check = await lib.runCli(['config', 'check', '--data', inst.dir], { env: backupEnv(dir) });
		assert.equal(check.code, 0, check.stderr);
		assert.match(check.stdout, /backup\.keep/);

		const started = Date.now();
		const srv = await lib.startServer({ instance: inst, env: backupEnv(dir) });
		cleanups.push(() => srv.stop());
		const row = await waitFor(async () => (await sql(srv,
			'SELECT file, bytes, started_at FROM backups WHERE ok = 1 AND started_at > 1600000000000')).trim());
		const [file, bytes, at] = row.split('|');
		assert.match(file, /^alcove-\d{8}T\d{6}Z\.alcbk$/);
		const full = path.join(dir, file);
		assert.equal(fs.statSync(full).size, Number(bytes));
		assert.equal(fs.statSync(full).mode & 0o777, 0o600);
		assert.ok(Number(at) >= started - 1000);

		/* keep = 2: the new one and OLD2; OLD1 deleted; the operator's file stays */
		assert.deepEqual(fs.readdirSync(dir).sort(), [file, OLD2, 'operator-copy.alcbk'].sort());
		assert.equal((await sql(srv, 'SELECT file FROM backups WHERE pruned_at IS NOT NULL')).trim(), OLD1);
		const next = (await sql(srv, "SELECT run_at FROM jobs WHERE kind = 'backup.run' AND status = 'queued'")).trim();
		assert.equal(Number(next), Number(at) + 60000);
		const ev = (await sql(srv, "SELECT outcome, detail FROM audit_events WHERE verb = 'BACKUP'")).trim();
		assert.match(ev, /^0\|\{"scheduled":true,.*"pruned":1\}$/);

		const page = await settingsPage(srv);
		assert.match(page, /Last good backup: <time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time> \((just now|1 minute ago)\)/);
		assert.doesNotMatch(page, /backup-warning|backup-failed/);

		/* The file restores into a new data directory. */
		const args = ['restore', full, '--data', path.join(inst.parent, 'restored'),
			'--key-file', path.join(inst.parent, 'data-master.key')];
		if (lib.ENGINE === 'postgres') {
			const name = `alcove_restore_${crypto.randomBytes(6).toString('hex')}`;
			const PG = process.env.ALCOVE_TEST_PG;
			await lib.psql(PG, `CREATE DATABASE ${name}`);
			cleanups.push(() => lib.psql(PG, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {}));
			args.push('--pg-conninfo', lib.conninfoFor(name));
		}
		const r = await lib.runCli(args);
		assert.equal(r.code, 0, r.stderr);
	});

	test('a backup older than 48 hours is shown with a warning', async () => {
		const inst = await lib.createInstance();
		cleanups.push(() => inst.cleanup());
		const old = Date.now() - 50 * 3600 * 1000;
		await sql({ instance: inst }, 'INSERT INTO backups (started_at, finished_at, file, bytes, ok) '
			+ `VALUES (${old - 1000}, ${old}, '${OLD1}', 3, 1)`);
		const srv = await lib.startServer({ instance: inst });
		cleanups.push(() => srv.stop());
		const page = await settingsPage(srv);
		assert.match(page, /Last good backup: <time[^>]*>[^<]+<\/time> \(2 days ago\)/);
		assert.match(page, /id="backup-warning">The last good backup is more than 48 hours old\./);
	});
});
