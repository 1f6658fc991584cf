'use strict';
/*
 * Copies of the audit trail outside the database (issue #5).
 *
 * The daily audit digest: a scheduled job records the digest
 * and e-mails it to the practice's compliance officers (owners only when
 * there is none); the mail carries the same day, count and hash that
 * `alcove audit digest` reports and `alcove audit verify` checks, once per
 * day however often the job runs, and nothing else.
 * audit.digest_interval = 1 is the test hook: a run every second instead
 * of once a day after midnight.
 *
 * Syslog forwarding (audit.syslog): every committed event reaches a UDP
 * or TCP collector as an RFC 5424 message (TCP: RFC 6587 octet counting)
 * carrying ids and the event's hash, never names; a collector that is
 * down costs nothing but dropped copies.  And the configuration refuses a
 * malformed syslog address and a retention shorter than six years.
 */
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const net = require('node:net');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');
const { startSink } = require('./smtp');

describe(`audit digest e-mail (${lib.ENGINE})`, () => {
	let srv, sink;

	before(async () => {
		sink = await startSink();
		const instance = await lib.createInstance();
		await addUser({ instance }, 'officer@example.test', 'Olive Officer', 'compliance');
		srv = await lib.startServer({
			name: 'audit-digest', instance,
			env: {
				ALCOVE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
				ALCOVE_SMTP_FROM: 'Alcove <alcove@example.test>',
				ALCOVE_SMTP_STARTTLS: 'false',
				ALCOVE_JOBS_POLL_INTERVAL_MS: '100',
				ALCOVE_AUDIT_DIGEST_INTERVAL: '1',
			},
		});
	});
	after(async () => {
		if (srv)
			await srv.stop();
		if (sink)
			await sink.stop();
	});

	test('the compliance officer gets the digest that `alcove audit digest` and verify report', async () => {
		const mail = await sink.next(30000);
		assert.equal(mail.to, '<officer@example.test>');
		const day = new Date().toISOString().slice(0, 10);
		assert.equal(mail.subject, `Audit trail digest for ${day}`);
		const hash = /Hash:\s+([0-9a-f]{64})/.exec(mail.text)[1];
		const seq = /Last event:\s+(\d+)/.exec(mail.text)[1];
		const count = /Events in trail:\s+(\d+)/.exec(mail.text)[1];
		const cli = await lib.runCli(['audit', 'digest', '--data', srv.instance.dir]);
		assert.equal(cli.code, 0, cli.stderr);
		assert.match(cli.stdout, new RegExp(`^audit digest ${day}: seq ${seq}, count ${count}, hash ${hash} \\(already recorded at`));
		const v = await lib.runCli(['audit', 'verify', '--data', srv.instance.dir]);
		assert.equal(v.code, 0, v.stdout + v.stderr);
		assert.match(v.stdout, /audit chain OK/);
		assert.equal((await sql(srv, "SELECT last_hash FROM audit_digests WHERE practice_id IS NULL AND day = '" + day + "'")).trim(), hash);
		/* Numbers only: no names, no patients. */
		assert.doesNotMatch(mail.text, /Olive|patient/i);
	});

	test('the job keeps running but mails once per day, and not to the owner', async () => {
		await lib.sleep(3000);
		const runs = Number((await sql(srv, "SELECT count(*) FROM jobs WHERE kind = 'audit.digest_daily' AND status = 'done'")).trim());
		assert.ok(runs >= 2, `runs: ${runs}`);
		assert.equal(sink.all().length, 1, sink.all().map((m) => m.to).join(','));
		assert.equal((await sql(srv, 'SELECT count(*) FROM audit_digest_mails')).trim(), '1');
	});
});

/* RFC 5424 message -> {pri, verb, sd: {name: value}}. */
function parse5424(m) {
	const r = /^<(\d+)>1 (\S+) (\S+) alcove (\d+) (\S+) \[alcove@32473((?: [a-z_]+="(?:[^"\\\]]|\\.)*")*)\] (.*)$/.exec(m);
	assert.ok(r, `an RFC 5424 message: ${m}`);
	const sd = {};
	for (const p of r[6].matchAll(/ ([a-z_]+)="((?:[^"\\\]]|\\.)*)"/g))
		sd[p[1]] = p[2].replace(/\\(["\\\]])/g, '$1');
	return { pri: Number(r[1]), time: r[2], verb: r[5], sd, msg: r[7] };
}

async function until(fn, ms = 15000) {
	const end = Date.now() + ms;
	for (;;) {
		const v = fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error('timed out');
		await lib.sleep(50);
	}
}

describe(`audit syslog forwarding (${lib.ENGINE})`, () => {
	test('over UDP each committed event arrives once, with its hash and ids but no names', async () => {
		const sock = dgram.createSocket('udp4');
		const got = [];
		sock.on('message', (b) => got.push(b.toString('utf8')));
		await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
		const srv = await lib.startServer({ name: 'audit-syslog-udp',
			env: { ALCOVE_AUDIT_SYSLOG: `udp://127.0.0.1:${sock.address().port}` } });
		try {
			await client(srv).login(lib.OWNER_EMAIL, 'not the password at all');
			await client(srv).signIn(lib.OWNER_EMAIL, srv.password);
			const last = Number((await sql(srv, 'SELECT max(seq) FROM audit_events')).trim());
			const msgs = await until(() => {
				const m = got.map(parse5424);
				return m.some((x) => Number(x.sd.seq) >= last) && m;
			});
			const seqs = msgs.map((x) => Number(x.sd.seq));
			assert.equal(new Set(seqs).size, seqs.length, 'no event twice');
			const fail = msgs.find((x) => x.verb === 'LOGIN_FAIL');
			assert.equal(fail.pri, 13 * 8 + 4, 'a failure is a warning in the log-audit facility');
			const login = msgs.find((x) => x.verb === 'LOGIN');
			assert.equal(login.pri, 13 * 8 + 6);
			const row = (await sql(srv, `SELECT hash || '|' || actor_user_id FROM audit_events WHERE seq = ${login.sd.seq}`)).trim();
			assert.equal(`${login.sd.hash}|${login.sd.actor}`, row);
			assert.match(login.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
			const name = (await sql(srv, `SELECT display_name FROM users WHERE email = '${lib.OWNER_EMAIL}'`)).trim();
			for (const m of got) {
				assert.ok(!m.includes(lib.OWNER_EMAIL) && !m.includes(name), m);
				assert.ok(Buffer.byteLength(m) < 2048);
			}
		} finally {
			await srv.stop();
			sock.close();
		}
	});

	test('over TCP frames are octet-counted, and a collector that goes away costs only copies', async () => {
		let data = Buffer.alloc(0);
		const conns = [];
		const server = net.createServer((c) => { conns.push(c); c.on('data', (d) => { data = Buffer.concat([data, d]); }); });
		await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
		const srv = await lib.startServer({ name: 'audit-syslog-tcp',
			env: { ALCOVE_AUDIT_SYSLOG: `tcp://127.0.0.1:${server.address().port}` } });
		const frames = () => {
			const out = [];
			let i = 0;
			while (i < data.length) {
				const sp = data.indexOf(0x20, i);
				const len = Number(data.subarray(i, sp).toString());
				assert.ok(Number.isInteger(len) && len > 0, `a frame length at ${i}`);
				if (sp + 1 + len > data.length)
					break;
				out.push(data.subarray(sp + 1, sp + 1 + len).toString('utf8'));
				i = sp + 1 + len;
			}
			return out;
		};
		try {
			const owner = client(srv);
			await owner.signIn(lib.OWNER_EMAIL, srv.password);
			const last = Number((await sql(srv, 'SELECT max(seq) FROM audit_events')).trim());
			const msgs = (await until(() => {
				const f = frames();
				return f.some((m) => Number(parse5424(m).sd.seq) >= last) && f;
			})).map(parse5424);
			const seqs = msgs.map((x) => Number(x.sd.seq));
			assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in chain order');
			/* The collector goes away: pages keep working. */
			for (const c of conns)
				c.destroy();
			await new Promise((resolve) => server.close(resolve));
			for (let i = 0; i < 3; i++)
				assert.equal((await owner.req('/audit')).status, 200);
		} finally {
			await srv.stop();
		}
	});
});

describe(`audit settings are checked (${lib.ENGINE})`, () => {
	test('a malformed syslog address and a retention under six years are refused', async () => {
		const i = await lib.createInstance();
		for (const [env, key] of [
			[{ ALCOVE_AUDIT_SYSLOG: 'http://logs.example.org:514' }, 'audit.syslog'],
			[{ ALCOVE_AUDIT_SYSLOG: 'udp://logs.example.org' }, 'audit.syslog'],
			[{ ALCOVE_AUDIT_RETENTION_YEARS: '5' }, 'audit.retention_years'],
		]) {
			const r = await lib.runCli(['config', 'check', '--data', i.dir], { env });
			assert.notEqual(r.code, 0, JSON.stringify(env));
			assert.match(r.stderr, new RegExp(key.replace('.', '\\.')), r.stderr);
		}
		const ok = await lib.runCli(['config', 'check', '--data', i.dir],
			{ env: { ALCOVE_AUDIT_SYSLOG: 'tcp://logs.example.org:6514', ALCOVE_AUDIT_RETENTION_YEARS: '7' } });
		assert.equal(ok.code, 0, ok.stderr);
		assert.match(ok.stdout, /audit\.retention_years = 7/);
	});
});
