'use strict';
/*
 * Password reset by e-mail and the password policy, through the real
 * interfaces: the forms over HTTPS, the e-mail as a local SMTP sink
 * (Debian's python3-aiosmtpd, one file per message) receives it from the
 * server's job queue, the database (sqlite3 / psql) to move time and to
 * look at what is stored, and `alcove init` for the policy at set-up.
 */
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');

const PUBLIC_URL = 'https://alcove.example.test';
const SECOND = 'second@example.test';
const SENT = 'If an account exists for that address, we have sent a link to choose a new password.';
const BREACHED = 'This password is in a list of passwords leaked in data breaches.';

const base = require('./client');
const { sql } = base;

/* The shared browser-like client, plus the "forgot my password" form. */
function client(srv) {
	const c = base.client(srv);
	c.forgot = async (email) => {
		const csrf = await c.csrfFrom('/password/forgot');
		return c.req('/password/forgot', { form: { csrf, email } });
	};
	return c;
}

const { startSink } = require('./smtp');

function linkOf(mail) {
	const m = /(https:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]{43})\n/.exec(mail.text);
	assert.ok(m, `a reset link in the e-mail:\n${mail.text}`);
	return m[1];
}

/* Milliseconds the server spent on a response (access log dur_us). */
async function serverMs(srv, res) {
	const rid = res.headers['x-request-id'];
	const line = await srv.waitForLog((l) => l.includes(`rid=${rid}`) && /msg="?request\b/.test(l));
	assert.ok(line, `an access log line for ${rid}`);
	return Number(lib.parseLogfmt(line).dur_us) / 1000;
}

function median(xs) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

describe(`password reset by e-mail (${lib.ENGINE})`, () => {
	let srv, sink;

	before(async () => {
		sink = await startSink();
		srv = await lib.startServer({
			name: 'password',
			env: {
				ALCOVE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
				ALCOVE_SMTP_FROM: 'Alcove <alcove@example.test>',
				ALCOVE_SMTP_STARTTLS: 'false',
				ALCOVE_SERVER_PUBLIC_URL: `${PUBLIC_URL}/`,
				ALCOVE_JOBS_POLL_INTERVAL_MS: '100',
			},
		});
		await sql(srv, `INSERT INTO users (email, display_name, status, created_at, updated_at) ` +
			`VALUES ('${SECOND}', 'Sam Second', 'active', 0, 0)`);
	});
	after(async () => {
		if (srv)
			await srv.stop();
		if (sink)
			await sink.stop();
	});

	test('the reset e-mail arrives, its link works once, and the new password replaces the old', async () => {
		const old = client(srv);
		assert.equal((await old.login(lib.OWNER_EMAIL, srv.password)).status, 303);
		const before = await old.req('/home');
		assert.ok(before.status === 200 || !/^\/login/.test(before.headers.location),
			'signed in before the reset');
		/* Repeated failures lock the account; the reset lifts that. */
		const locker = client(srv);
		for (let i = 0; i < 6; i++)
			await locker.login(lib.OWNER_EMAIL, `wrong password number ${i}`);
		assert.equal((await locker.login(lib.OWNER_EMAIL, srv.password)).status, 429);

		const c = client(srv);
		const form = await c.req('/password/forgot');
		assert.equal(form.status, 200);
		lib.assertSecurityHeaders(form, 'GET /password/forgot', { page: true });
		assert.match(form.body, /<label for="f-email">E-mail address/);
		const res = await c.forgot(lib.OWNER_EMAIL.toUpperCase());
		assert.equal(res.status, 200);
		assert.ok(res.body.includes(SENT));

		const mail = await sink.next();
		assert.equal(mail.to, `<${lib.OWNER_EMAIL}>`);
		assert.equal(mail.subject, 'Reset your Alcove password');
		assert.match(mail.headers.from, /<alcove@example\.test>$/);
		assert.match(mail.headers['content-type'], /text\/plain; charset=utf-8/i);
		assert.match(mail.headers.date, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
		assert.match(mail.headers['message-id'], /^<[0-9a-f]{32}@example\.test>$/);
		assert.match(mail.text, /within 30 minutes/);
		assert.doesNotMatch(mail.text, /Test Practice/, 'no practice or personal data in the e-mail');
		const link = linkOf(mail);
		assert.ok(link.startsWith(`${PUBLIC_URL}/password/reset?token=`), `link built from public_url: ${link}`);
		const token = link.split('token=')[1];

		/* Only the token's hash is stored; the job no longer holds the link. */
		const hashes = (await sql(srv, 'SELECT token_hash FROM password_resets')).trim().split('\n');
		assert.equal(hashes.length, 1);
		assert.match(hashes[0], /^[0-9a-f]{64}$/);
		assert.ok(!hashes[0].includes(token));
		let payload = '';
		for (let i = 0; i < 100 && !/"sent":\s*true/.test(payload); i++, await lib.sleep(50))
			payload = await sql(srv, "SELECT payload FROM jobs WHERE kind = 'email.send'");
		assert.match(payload, /"sent":\s*true/);
		assert.doesNotMatch(payload, /token=/);

		const page = await c.req(`/password/reset?token=${token}`);
		assert.equal(page.status, 200);
		lib.assertSecurityHeaders(page, 'GET /password/reset', { page: true });
		assert.match(page.body, new RegExp(`name="token" value="${token}"`));
		assert.match(page.body, /<label for="f-password">New password/);
		assert.match(page.body, /autocomplete="new-password"/);
		const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)[1];

		const breached = await c.req('/password/reset', { form: { csrf, token,
			password: 'PasswordPassword', password2: 'PasswordPassword' } });
		assert.equal(breached.status, 422);
		assert.ok(breached.body.includes(BREACHED), 'the reason is shown');
		assert.match(breached.body, /id="f-password-error">This password is in a list/, 'next to the field');
		assert.doesNotMatch(breached.body, /value="PasswordPassword"/, 'the password is never echoed');
		assert.match(breached.body, new RegExp(`name="token" value="${token}"`), 'the token is kept');

		const named = await c.req('/password/reset', { form: { csrf, token,
			password: 'the test practice team rocks', password2: 'the test practice team rocks' } });
		assert.equal(named.status, 422);
		assert.match(named.body, /This password contains the practice&#39;s name\./);
		const short = await c.req('/password/reset', { form: { csrf, token, password: 'too short', password2: 'too short' } });
		assert.equal(short.status, 422);
		assert.match(short.body, /Use at least 15 characters\./);
		const differ = await c.req('/password/reset', { form: { csrf, token,
			password: 'a quiet meadow at dawn', password2: 'a quiet meadow at dusk' } });
		assert.equal(differ.status, 422);
		assert.match(differ.body, /The two passwords are not the same\./);

		const fresh = 'a quiet meadow at dawn, twice';
		const done = await c.req('/password/reset', { form: { csrf, token, password: fresh, password2: fresh } });
		assert.equal(done.status, 303);
		assert.equal(done.headers.location, '/login?ended=password');

		/* Every session of the user ended; the lock was lifted. */
		const after = await old.req('/home');
		assert.equal(after.status, 303);
		assert.match(after.headers.location, /^\/login/);
		assert.match(await sql(srv, "SELECT count(*) FROM sessions WHERE end_reason = 'revoked'"), /^[1-9]/);
		assert.equal((await client(srv).login(lib.OWNER_EMAIL, srv.password)).status, 401, 'the old password is gone');
		const signin = await client(srv).login(lib.OWNER_EMAIL, fresh);
		assert.equal(signin.status, 303, 'the new password works at once, lock cleared');
		assert.doesNotMatch(signin.headers.location, /^\/login(\?|$)/);
		srv.password = fresh;

		/* The link works once. */
		const again = await c.req(`/password/reset?token=${token}`);
		assert.equal(again.status, 410);
		assert.match(again.body, /This link has already been used/);
		assert.match(again.body, /href="\/password\/forgot"/);
		const replay = await c.req('/password/reset', { form: { csrf, token, password: 'yet another long passphrase', password2: 'yet another long passphrase' } });
		assert.equal(replay.status, 410);
		assert.equal((await client(srv).login(lib.OWNER_EMAIL, fresh)).status, 303);
	});

	test('an expired link is refused with a way to ask again', async () => {
		const c = client(srv);
		assert.equal((await c.forgot(lib.OWNER_EMAIL)).status, 200);
		const token = linkOf(await sink.next()).split('token=')[1];
		assert.equal((await c.req(`/password/reset?token=${token}`)).status, 200);
		/* 31 minutes pass. */
		await sql(srv, 'UPDATE password_resets SET expires_at = expires_at - 1860000 WHERE used_at IS NULL');
		const page = await c.req(`/password/reset?token=${token}`);
		assert.equal(page.status, 410);
		assert.match(page.body, /This link has expired/);
		assert.match(page.body, /<a class="button button-primary" href="\/password\/forgot">Ask for a new link<\/a>/);
		const csrf = await c.csrfFrom('/password/forgot');
		const post = await c.req('/password/reset', { form: { csrf, token,
			password: 'an expired link cannot do this', password2: 'an expired link cannot do this' } });
		assert.equal(post.status, 410);
		assert.equal((await client(srv).login(lib.OWNER_EMAIL, srv.password)).status, 303);
		const bogus = await c.req('/password/reset?token=not-a-token');
		assert.equal(bogus.status, 404);
		assert.match(bogus.body, /This link does not work/);
	});

	test('unknown addresses get the same answer, in similar time, and no e-mail; requests are capped', async () => {
		const c = client(srv);
		const unknown = await c.forgot('nobody-here@example.test');
		const known = await c.forgot(SECOND);
		assert.equal(unknown.status, known.status);
		assert.equal(unknown.body, known.body, 'byte-for-byte the same page');
		/* Jobs run in order: when the known address's mail has come, an
		 * e-mail to the unknown one would have come first. */
		const first = await sink.next();
		assert.equal(first.to, `<${SECOND}>`);
		assert.equal(sink.all().filter((m) => /nobody-here/.test(m.to)).length, 0);
		assert.equal((await sql(srv, "SELECT count(*) FROM jobs WHERE payload LIKE '%nobody-here%'")).trim(), '0');

		/* Timing: alternate known and unknown addresses, and compare the
		 * time the server spent on each (its access log, found by the
		 * request id): the client's own clock mostly measures TLS
		 * handshakes and the scheduler of a busy 2-core machine. */
		const tk = [], tu = [];
		for (let i = 0; i < 3; i++) {
			tu.push(await serverMs(srv, await c.forgot(`nobody-${i}@example.test`)));
			tk.push(await serverMs(srv, await c.forgot(SECOND)));
		}
		const mk = median(tk), mu = median(tu);
		assert.ok(Math.abs(mk - mu) < Math.max(5, 0.5 * Math.max(mk, mu)),
			`similar time: known ${mk.toFixed(2)} ms, unknown ${mu.toFixed(2)} ms`);
		/* Four sent so far; the fifth is the last in the hour. */
		await c.forgot(SECOND);
		const capped = await c.forgot(SECOND);
		assert.ok(capped.body.includes(SENT), 'the answer stays the same when capped');
		for (let i = 0; i < 4; i++)
			await sink.next();
		await lib.sleep(1500);
		assert.equal(sink.all().filter((m) => m.to === `<${SECOND}>`).length, 5);
		assert.equal((await sql(srv, `SELECT count(*) FROM password_resets r JOIN users u ON u.id = r.user_id WHERE u.email = '${SECOND}'`)).trim(), '5');
	});

	test('a malformed address is pointed out; the form needs its CSRF token', async () => {
		const c = client(srv);
		const empty = await c.forgot('');
		assert.equal(empty.status, 422);
		assert.match(empty.body, /id="f-email-error">Enter your e-mail address\./);
		const bad = await c.forgot('not an address');
		assert.equal(bad.status, 422);
		assert.match(bad.body, /value="not an address"/);
		const forged = await client(srv).req('/password/forgot', { form: { email: lib.OWNER_EMAIL } });
		assert.equal(forged.status, 403);
	});
});

describe(`the password policy at set-up (${lib.ENGINE})`, () => {
	for (const [pw, reason] of [
		['passwordpassword', BREACHED],
		['Test Practice forever and ever', "This password contains the practice's name."],
		['owner of everything here', 'This password contains your e-mail address or part of it.'],
		['short one', 'Use at least 15 characters.'],
	]) {
		test(`alcove init refuses "${pw}" with the reason and creates nothing`, async () => {
			const inst = await lib.createInstance({ password: pw, allowFailure: true });
			try {
				assert.equal(inst.init.code, 1, inst.init.stderr);
				assert.ok(inst.init.stderr.includes(reason), inst.init.stderr);
				assert.match(inst.init.stderr, /Nothing was created\./);
				assert.equal(fs.existsSync(inst.dir), false, 'no data directory');
				assert.equal(fs.existsSync(`${inst.dir}-master.key`), false, 'no key file');
				assert.doesNotMatch(inst.init.stderr, new RegExp(pw), 'the password is not echoed');
			} finally {
				await inst.cleanup();
			}
		});
	}
	test('alcove init accepts a long passphrase in any script', async () => {
		const inst = await lib.createInstance({ password: '森の中で静かに眠る猫と犬と鳥たち' });
		try {
			assert.equal(inst.init.code, 0, inst.init.stderr);
		} finally {
			await inst.cleanup();
		}
	});
});
