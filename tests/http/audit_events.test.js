'use strict';
/*
 * The security events of signing in and out reach the audit trail, with
 * who, where and the request id, and the chain stays valid: failed and
 * successful sign-in (both steps), two-step set-up, sign-out, timeout,
 * "sign out everywhere else".
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql } = require('./client');

describe(`audit events of sign-in and sessions (${lib.ENGINE})`, () => {
	let srv;

	before(async () => { srv = await lib.startServer({ name: 'audit-events' }); });
	after(async () => { if (srv) await srv.stop(); });

	const events = async () => (await sql(srv,
		"SELECT seq || '|' || verb || '|' || COALESCE(CAST(actor_user_id AS TEXT), '') || '|' || " +
		"COALESCE(object_type, '') || '|' || outcome || '|' || COALESCE(source_addr, '') || '|' || " +
		"COALESCE(request_id, '') || '|' || mfa || '|' || COALESCE(detail, '') FROM audit_events ORDER BY seq"))
		.trim().split('\n').filter(Boolean).map((l) => {
			const [seq, verb, actor, type, outcome, addr, rid, mfa, detail] = l.split('|');
			return { seq: Number(seq), verb, actor, type, outcome: Number(outcome), addr, rid, mfa: Number(mfa), detail };
		});

	test('a wrong password is a LOGIN_FAIL against the account, with address and request id', async () => {
		const c = client(srv);
		const res = await c.login(lib.OWNER_EMAIL, 'certainly not the password');
		assert.equal(res.status, 401);
		const fail = (await events()).filter((e) => e.verb === 'LOGIN_FAIL');
		assert.equal(fail.length, 1);
		assert.equal(fail[0].actor, '1');
		assert.equal(fail[0].outcome, 4);
		assert.equal(fail[0].addr, '127.0.0.1');
		assert.match(fail[0].rid, /^[0-9a-f]{16}$/);
		const unknown = await c.login('nobody@example.test', 'certainly not the password');
		assert.equal(unknown.status, 401);
		const all = (await events()).filter((e) => e.verb === 'LOGIN_FAIL');
		assert.equal(all.length, 2);
		assert.equal(all[1].actor, '', 'an unknown account has no actor');
		assert.doesNotMatch(await sql(srv, 'SELECT * FROM audit_events'), /certainly not/,
			'no password in the audit trail');
	});

	test('signing in records both steps; setting up MFA, signing out and ending sessions are recorded', async () => {
		const a = client(srv);
		await a.signIn(lib.OWNER_EMAIL, srv.password);
		let ev = await events();
		const logins = ev.filter((e) => e.verb === 'LOGIN');
		assert.equal(logins.length, 2, 'password step and second factor');
		assert.equal(logins[0].mfa, 0);
		assert.match(logins[0].detail, /"step":"password"/);
		assert.equal(logins[1].mfa, 1);
		assert.match(logins[1].detail, /"step":"second_factor"/);
		assert.ok(ev.some((e) => e.verb === 'MFA_CHANGE' && /"mfa":"on"/.test(e.detail)));
		const b = client(srv);
		const res = await b.login(lib.OWNER_EMAIL, srv.password);
		assert.equal(res.headers.location, '/login/mfa');
		const csrf = await a.csrfFrom('/account/sessions');
		await a.req('/account/sessions/end-others', { form: { csrf } });
		ev = await events();
		assert.ok(ev.some((e) => e.verb === 'SESSION_REVOKE' && /"ended":1/.test(e.detail)));
		await a.req('/logout', { form: { csrf } });
		ev = await events();
		const out = ev.filter((e) => e.verb === 'LOGOUT');
		assert.equal(out.length, 1);
		assert.equal(out[0].actor, '1');
		assert.equal(out[0].type, 'session');
	});

	test('an idle session ends with a TIMEOUT event, and the whole chain verifies', async () => {
		const c = client(srv);
		await c.signIn(lib.OWNER_EMAIL, srv.password).catch(() => {});
		await sql(srv, 'UPDATE sessions SET last_seen_at = last_seen_at - 3600000 WHERE ended_at IS NULL');
		const res = await c.req('/home');
		assert.equal(res.status, 303);
		const ev = await events();
		assert.ok(ev.some((e) => e.verb === 'TIMEOUT' && /"reason":"idle"/.test(e.detail)));
		ev.forEach((e, i) => assert.equal(e.seq, i + 1, 'seq has no gaps'));
		const v = await lib.runCli(['audit', 'verify', '--data', srv.instance.dir]);
		assert.equal(v.code, 0, v.stderr);
		assert.match(v.stdout, /audit chain OK/);
	});
});
