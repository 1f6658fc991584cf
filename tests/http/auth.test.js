'use strict';
/*
 * Signing in and out: the sign-in form, wrong and right passwords without
 * revealing which accounts exist, CSRF, session cookies, session fixation,
 * idle timeout, throttling, "where am I signed in" and "sign out everywhere
 * else", and that signed-in pages send signed-out visitors to sign in.
 */
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');

const base = require('./client');
const { sql } = base;

/*
 * The shared client, whose login() also enters the second factor once the
 * owner has MFA (srv.mfaSecret), and returns the last response, where a
 * browser would end.
 */
function client(srv, opts = {}) {
	const c = base.client(srv, opts);
	const password = c.login;
	c.login = async (email, pw, extra = {}) => {
		const res = await password(email, pw, extra);
		if (res.status !== 303 || !/^\/login\/mfa/.test(res.headers.location) || !srv.mfaSecret)
			return res;
		const page = await c.req(res.headers.location);
		const token = /name="csrf" value="([^"]+)"/.exec(page.body)[1];
		const next = /name="next" value="([^"]+)"/.exec(page.body);
		/* These tests are about passwords and sessions, and sign in many
		 * times a minute: let the current code count again (mfa.test.js
		 * tests that a code is accepted only once). */
		await sql(srv, 'UPDATE mfa SET last_step = 0');
		const code = execFileSync('oathtool', ['--totp', '-b', srv.mfaSecret], { encoding: 'utf8' }).trim();
		return c.req('/login/mfa', { form: { csrf: token, code, ...(next ? { next: next[1] } : {}) } });
	};
	return c;
}

/* An owner must set up MFA at the first sign-in: do it once with oathtool
 * and keep the key for client.login(). */
async function enrolOwner(srv) {
	const c = client(srv);
	const res = await c.login(lib.OWNER_EMAIL, srv.password);
	assert.equal(res.headers.location, '/account/mfa');
	const page = await c.req('/account/mfa');
	const secret = /<code id="mfa-secret">([A-Z2-7 ]+)<\/code>/.exec(page.body)[1].replace(/ /g, '');
	const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)[1];
	const code = execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();
	assert.equal((await c.req('/account/mfa/enable', { form: { csrf, code } })).status, 200);
	return secret;
}

describe(`sign-in and sessions (${lib.ENGINE})`, () => {
	let srv;

	before(async () => {
		srv = await lib.startServer({ name: 'auth' });
		srv.mfaSecret = await enrolOwner(srv);
	});
	after(async () => { if (srv) await srv.stop(); });

	test('signed-in pages send a signed-out visitor to sign in, and back afterwards', async () => {
		const c = client(srv);
		for (const p of ['/home', '/account/sessions']) {
			const res = await c.req(p);
			assert.equal(res.status, 303, p);
			assert.equal(res.headers.location, `/login?next=${encodeURIComponent(p)}`);
		}
		const csrf = await c.csrfFrom('/login');
		const res = await c.req('/logout', { form: { csrf } });
		assert.equal(res.status, 303, 'POST /logout without a session');
		assert.match(res.headers.location, /^\/login/);
		const ok = await c.login(lib.OWNER_EMAIL, srv.password, { next: '/account/sessions' });
		assert.equal(ok.status, 303);
		assert.equal(ok.headers.location, '/account/sessions');
	});

	test('a wrong password and an unknown account get the same answer, and the e-mail is kept', async () => {
		const c = client(srv);
		const wrong = await c.login(lib.OWNER_EMAIL, 'not the password at all');
		const unknown = await c.login('nobody@example.test', 'not the password at all');
		for (const [res, email] of [[wrong, lib.OWNER_EMAIL], [unknown, 'nobody@example.test']]) {
			assert.equal(res.status, 401);
			assert.match(res.body, /That e-mail address and password do not match an active account\./);
			assert.match(res.body, new RegExp(`name="email"[^>]*value="${email.replace('.', '\\.')}"`));
			assert.doesNotMatch(res.body, /value="not the password/, 'the password is never echoed');
			assert.equal(c.jar.has('alcove_session'), false);
		}
		const empty = await c.login('', '');
		assert.equal(empty.status, 422);
		assert.match(empty.body, /Enter your e-mail address and your password\./);
	});

	test('sign-in without the CSRF token is refused', async () => {
		const c = client(srv);
		await c.req('/login');
		const res = await c.req('/login', { form: { email: lib.OWNER_EMAIL, password: srv.password } });
		assert.equal(res.status, 403);
		assert.match(res.body, /This form has expired/);
		const forged = await c.req('/login', { form: { csrf: 'A'.repeat(43), email: lib.OWNER_EMAIL, password: srv.password } });
		assert.equal(forged.status, 403);
		assert.equal(c.jar.has('alcove_session'), false);
	});

	test('signing in sets a new Secure HttpOnly SameSite=Strict session cookie and shows the home page', async () => {
		const c = client(srv);
		const planted = 'P'.repeat(43);
		c.jar.set('alcove_session', planted);
		const res = await c.login(lib.OWNER_EMAIL.toUpperCase(), srv.password);
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/home');
		const sc = [].concat(res.headers['set-cookie']).find((s) => s.startsWith('alcove_session='));
		assert.ok(sc, 'a session cookie is set');
		assert.match(sc, /;\s*Secure/i);
		assert.match(sc, /;\s*HttpOnly/i);
		assert.match(sc, /;\s*SameSite=Strict/i);
		assert.notEqual(c.jar.get('alcove_session'), planted, 'a planted session id is never adopted');
		const home = await c.req('/home');
		assert.equal(home.status, 200);
		lib.assertSecurityHeaders(home, 'GET /home', { page: true });
		assert.match(home.body, /Test Practice/);
		assert.match(home.body, /Practice owner/);
		assert.match(home.body, /Sign out/);
		const sessions = await c.req('/account/sessions');
		assert.equal(sessions.status, 200);
		assert.match(sessions.body, /Firefox on Linux <strong>\(this device\)<\/strong>/);
	});

	test('signing out ends the session on the server, not just in the browser', async () => {
		const c = client(srv);
		await c.login(lib.OWNER_EMAIL, srv.password);
		const token = c.jar.get('alcove_session');
		const csrf = await c.csrfFrom('/home');
		const out = await c.req('/logout', { form: { csrf } });
		assert.equal(out.status, 303);
		assert.equal(out.headers.location, '/login?ended=logout');
		const page = await c.req('/login?ended=logout');
		assert.match(page.body, /You have been signed out\./);
		const replay = client(srv);
		replay.jar.set('alcove_session', token);
		const res = await replay.req('/home');
		assert.equal(res.status, 303, 'the old cookie no longer works');
		assert.match(res.headers.location, /^\/login/);
	});

	test('a session idle for longer than the timeout ends, with a message', async () => {
		const c = client(srv);
		await c.login(lib.OWNER_EMAIL, srv.password);
		assert.equal((await c.req('/home')).status, 200);
		/* 16 minutes pass without a request. */
		await sql(srv, 'UPDATE sessions SET last_seen_at = last_seen_at - 960000 WHERE ended_at IS NULL');
		const res = await c.req('/home');
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/login?next=%2Fhome&ended=idle');
		const page = await c.req(res.headers.location);
		assert.match(page.body, /You were signed out after a period of inactivity/);
		assert.match(await sql(srv, "SELECT count(*) FROM sessions WHERE end_reason = 'idle'"), /[1-9]/);
	});

	test('requests do not rewrite the session on every page, yet an active session never times out', async () => {
		const c = client(srv);
		await c.login(lib.OWNER_EMAIL, srv.password);
		const id = (await sql(srv, 'SELECT max(id) FROM sessions')).trim();
		const seen = async () => Number((await sql(srv, `SELECT last_seen_at FROM sessions WHERE id = ${id}`)).trim());
		const rewind = () => sql(srv, `UPDATE sessions SET last_seen_at = last_seen_at - 890000 WHERE id = ${id}`);
		assert.equal((await c.req('/home')).status, 200);
		const first = await seen();
		assert.equal((await c.req('/home')).status, 200);
		assert.equal(await seen(), first, 'a request within 30 s leaves last_seen alone');
		/* 14 minutes 50 s pass: still inside the 15-minute timeout, so the
		 * next request is served and moves last_seen up to now. */
		await rewind();
		assert.equal((await c.req('/home')).status, 200);
		assert.ok(await seen() >= first, 'the session was touched');
		/* Another 14 minutes 50 s: had the touch been skipped, this would be idle. */
		await rewind();
		assert.equal((await c.req('/home')).status, 200);
	});

	test('"sign out everywhere else" ends the other sessions and keeps this one', async () => {
		const a = client(srv);
		const b = client(srv, { ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1' });
		await a.login(lib.OWNER_EMAIL, srv.password);
		await b.login(lib.OWNER_EMAIL, srv.password);
		const list = await a.req('/account/sessions');
		assert.match(list.body, /Safari on iPhone/);
		const csrf = /name="csrf" value="([^"]+)"/.exec(list.body)[1];
		const res = await a.req('/account/sessions/end-others', { form: { csrf } });
		assert.equal(res.status, 303);
		const after = await a.req(res.headers.location);
		assert.equal(after.status, 200);
		assert.match(after.body, /You have been signed out everywhere else\./);
		assert.match(after.body, /You are not signed in anywhere else\./);
		assert.equal((await b.req('/home')).status, 303, 'the other device is signed out');
	});

	test('repeated failures lock the account for a growing time, even for the right password', async () => {
		const c = client(srv);
		const email = lib.OWNER_EMAIL;
		for (let i = 0; i < 6; i++)
			await c.login(email, `wrong password number ${i}`);
		const locked = await c.login(email, srv.password);
		assert.equal(locked.status, 429);
		assert.match(locked.body, /Too many failed attempts\. Please wait \d+ seconds?/);
		assert.equal(c.jar.has('alcove_session'), false);
		/* The administrator lifts the lock (here: directly), and the right password works again. */
		await sql(srv, 'DELETE FROM auth_throttle');
		assert.equal((await c.login(email, srv.password)).status, 303);
	});

	test('only a local path is accepted as the page to return to', async () => {
		for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
			const c = client(srv);
			const res = await c.login(lib.OWNER_EMAIL, srv.password, { next });
			assert.equal(res.status, 303);
			assert.equal(res.headers.location, '/home', next);
		}
	});
});
