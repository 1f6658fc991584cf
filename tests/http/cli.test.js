'use strict';
/*
 * The command line as an operator meets it: exit codes (0 ok, 1 failure,
 * 2 usage), one-line "alcove: " errors, what `init` creates and with which
 * permissions, the generated owner password, and configuration errors that
 * name the offending key.
 */
const assert = require('node:assert/strict');
const { X509Certificate } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test, after } = require('node:test');
const lib = require('./lib');

/* One line on stderr starting "alcove: ". */
function assertCliError(r, code, what) {
	assert.equal(r.code, code, `${what}: exit ${code}, got ${r.code}; stderr: ${r.stderr}`);
	const lines = r.stderr.split('\n').filter(Boolean);
	assert.ok(lines.some((l) => l.startsWith('alcove: ')), `${what}: an "alcove: " line, got: ${r.stderr}`);
}

function mode(p) {
	return fs.statSync(p).mode & 0o777;
}

describe(`cli (${lib.ENGINE})`, () => {
	const instances = [];
	after(async () => { for (const i of instances) await i.cleanup(); });
	async function instance(opts) {
		const i = await lib.createInstance(opts);
		instances.push(i);
		return i;
	}

	test('alcove version prints a version and exits 0', async () => {
		const r = await lib.runCli(['version']);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /\d+\.\d+/);
	});

	test('--help works on every subcommand', async () => {
		for (const args of [['--help'], ['init', '--help'], ['serve', '--help'], ['migrate', '--help'],
			['config', 'check', '--help'], ['version', '--help'], ['practice', '--help']]) {
			const r = await lib.runCli(args);
			assert.equal(r.code, 0, `alcove ${args.join(' ')}: ${r.stderr}`);
			assert.match(r.stdout, /usage/i, `alcove ${args.join(' ')} prints usage on stdout`);
		}
	});

	test('unknown subcommands and options are usage errors (exit 2)', async () => {
		assertCliError(await lib.runCli(['frobnicate']), 2, 'unknown subcommand');
		const bare = await lib.runCli([]);
		assert.equal(bare.code, 2, 'no subcommand: exit 2');
		assert.match(bare.stderr, /usage/i, 'no subcommand: usage on stderr');
		assertCliError(await lib.runCli(['serve', '--no-such-option']), 2, 'serve --no-such-option');
		assertCliError(await lib.runCli(['init', '--bogus', 'x']), 2, 'init --bogus');
		assertCliError(await lib.runCli(['config', 'frob']), 2, 'config frob');
		assertCliError(await lib.runCli(['serve', '--port']), 2, 'serve --port without value');
	});

	test('init creates the data directory, keys and certificate', async () => {
		const i = await instance();
		assert.match(i.init.stdout, /https:\/\/\S+/, 'prints the URL');
		assert.ok(i.init.stdout.includes(lib.OWNER_EMAIL), 'prints the login');
		assert.doesNotMatch(i.init.stdout, /Owner password/, 'no generated password with --password-stdin');
		assert.ok(!i.init.stdout.includes(i.password) && !i.init.stderr.includes(i.password),
			'the chosen password is never echoed');
		assert.ok(fs.existsSync(path.join(i.dir, 'alcove.ini')), 'alcove.ini');
		if (lib.ENGINE === 'sqlite')
			assert.ok(fs.existsSync(path.join(i.dir, 'alcove.db')), 'alcove.db');
		const cert = path.join(i.dir, 'tls', 'cert.pem');
		const key = path.join(i.dir, 'tls', 'key.pem');
		assert.ok(fs.existsSync(cert), 'tls/cert.pem');
		assert.equal(mode(key), 0o600, 'tls/key.pem is 0600');
		const master = `${i.dir}-master.key`;
		assert.ok(fs.existsSync(master), 'master key beside the data directory');
		assert.equal(mode(master), 0o600, 'master key is 0600');
		assert.ok(fs.statSync(master).size >= 32, 'master key holds at least 32 bytes');

		const san = new X509Certificate(fs.readFileSync(cert)).subjectAltName || '';
		assert.match(san, /DNS:localhost\b/, san);
		assert.match(san, /IP Address:127\.0\.0\.1\b/, san);
		assert.match(san, /IP Address:(::1|0:0:0:0:0:0:0:1)\b/i, san);
	});

	test('init refuses an already initialised directory', async () => {
		const i = await instance();
		const before = fs.readFileSync(`${i.dir}-master.key`);
		const args = ['init', '--data', i.dir, '--practice', 'Other', '--owner-email', 'x@example.test',
			'--password-stdin'];
		if (lib.ENGINE === 'postgres')
			args.push('--engine', 'postgres', '--pg-conninfo', i.conninfo);
		const r = await lib.runCli(args, { input: `${lib.randomPassword()}\n` });
		assertCliError(r, 1, 'second init');
		assert.deepEqual(fs.readFileSync(`${i.dir}-master.key`), before, 'the master key is untouched');
	});

	test('init without --password-stdin and no terminal generates a password once', async () => {
		const i = await instance({ noPassword: true });
		const m = /^Owner password \(shown once\): (\S+)$/m.exec(i.init.stdout);
		assert.ok(m, `a generated password line in:\n${i.init.stdout}`);
		assert.match(m[1], /^[A-Za-z0-9]+(-[A-Za-z0-9]+){2,}$/, 'groups separated by dashes');
		assert.ok(m[1].replace(/-/g, '').length >= 16, 'at least 16 characters');
		assert.equal(i.init.stdout.split(m[1]).length - 1, 1, 'shown exactly once');
		assert.ok(!i.init.stderr.includes(m[1]), 'not on stderr');
	});

	test('init --key-file puts the master key where asked', async () => {
		const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'alcove-key-'));
		instances.push({ cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) });
		const keyFile = path.join(dir, 'elsewhere.key');
		const i = await instance({ initArgs: ['--key-file', keyFile] });
		assert.equal(mode(keyFile), 0o600);
		assert.ok(!fs.existsSync(`${i.dir}-master.key`), 'no key at the default place');
	});

	test('init with a missing required option is a usage error', async () => {
		assertCliError(await lib.runCli(['init', '--practice', 'P', '--owner-email', 'a@example.test',
			'--password-stdin'], { input: 'x\n' }), 2, 'init without --data');
	});

	test('migrate and config check succeed on a fresh instance', async () => {
		const i = await instance();
		let r = await lib.runCli(['migrate', '--data', i.dir]);
		assert.equal(r.code, 0, `migrate: ${r.stderr}`);
		r = await lib.runCli(['migrate', '--data', i.dir]);
		assert.equal(r.code, 0, `migrate twice: ${r.stderr}`);
		r = await lib.runCli(['config', 'check', '--data', i.dir]);
		assert.equal(r.code, 0, `config check: ${r.stderr}`);
		if (lib.ENGINE === 'postgres') {
			const pw = /password=\S+/.exec(i.conninfo);
			if (pw)
				assert.ok(!r.stdout.includes(pw[0]), 'config check hides the database password');
		}
	});

	test('practice add hosts a second practice; practice list shows both', async () => {
		const i = await instance();
		const pw = lib.randomPassword();
		let r = await lib.runCli(['practice', 'add', '--data', i.dir, '--name', 'Riverbend Therapy',
			'--owner-email', 'rb-owner@example.test', '--timezone', 'America/Chicago',
			'--password-stdin'], { input: pw + '\n' });
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /Created practice \d+ "Riverbend Therapy"/);
		assert.doesNotMatch(r.stdout, /password/i, 'a given password is not echoed');
		r = await lib.runCli(['practice', 'list', '--data', i.dir]);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /riverbend-therapy +Riverbend Therapy +America\/Chicago +1 /);
		assert.equal(r.stdout.trim().split('\n').length, 3, 'a header and two practices');
		/* Refusals say why and create nothing. */
		r = await lib.runCli(['practice', 'add', '--data', i.dir, '--name', 'Mars Clinic',
			'--owner-email', 'mars@example.test', '--timezone', 'Mars/Olympus'], { input: '' });
		assertCliError(r, 1, 'unknown time zone');
		assert.match(r.stderr, /IANA zone/);
		r = await lib.runCli(['practice', 'add', '--data', i.dir, '--name', 'Again',
			'--owner-email', 'rb-owner@example.test'], { input: '' });
		assertCliError(r, 1, 'e-mail already used');
		r = await lib.runCli(['practice', 'add', '--data', i.dir, '--name', 'Weak',
			'--owner-email', 'weak@example.test', '--password-stdin'], { input: 'password\n' });
		assertCliError(r, 1, 'weak password');
		assertCliError(await lib.runCli(['practice', 'add', '--data', i.dir]), 2, 'add without --name');
		assertCliError(await lib.runCli(['practice', 'frob', '--data', i.dir]), 2, 'unknown action');
		r = await lib.runCli(['practice', 'list', '--data', i.dir]);
		assert.equal(r.stdout.trim().split('\n').length, 3, 'nothing was added by the refusals');
	});

	test('migrate on a directory that was never initialised fails', async () => {
		const i = await instance();
		const r = await lib.runCli(['migrate', '--data', path.join(i.parent, 'nothing-here')]);
		assertCliError(r, 1, 'migrate on an empty directory');
	});

	test('invalid configuration values name the key (env and file)', async () => {
		const i = await instance();
		const cases = [
			[{ ALCOVE_SERVER_PORT: 'abc' }, 'server.port'],
			[{ ALCOVE_SERVER_PORT: '70000' }, 'server.port'],
			[{ ALCOVE_SERVER_MAX_BODY_BYTES: '-1' }, 'server.max_body_bytes'],
			[{ ALCOVE_SERVER_CONNECTION_TIMEOUT: 'soon' }, 'server.connection_timeout'],
			[{ ALCOVE_SERVER_PLAIN_HTTP: 'maybe' }, 'server.plain_http'],
			[{ ALCOVE_LOG_LEVEL: 'chatty' }, 'log.level'],
		];
		for (const [env, key] of cases) {
			const r = await lib.runCli(['config', 'check', '--data', i.dir], { env });
			assertCliError(r, 1, `config check with ${JSON.stringify(env)}`);
			assert.ok(r.stderr.includes(key), `config check with ${JSON.stringify(env)} names ${key}: ${r.stderr}`);
		}
		const s = await lib.runCli(['serve', '--data', i.dir, '--port', '0'], { env: { ALCOVE_SERVER_PORT: 'abc' } });
		assertCliError(s, 1, 'serve with ALCOVE_SERVER_PORT=abc');
		assert.ok(s.stderr.includes('server.port'), `serve names server.port: ${s.stderr}`);

		const ini = path.join(i.dir, 'alcove.ini');
		fs.appendFileSync(ini, '\n[server]\nmax_header_bytes = lots\n');
		const f = await lib.runCli(['config', 'check', '--data', i.dir]);
		assertCliError(f, 1, 'config check with a bad value in alcove.ini');
		assert.ok(f.stderr.includes('server.max_header_bytes'), f.stderr);
	});
});
