'use strict';
/*
 * The practice switcher (issue #4): someone who works in two practices of
 * one installation sees one practice at a time and moves between them on
 * /account/practices.  Switching replaces the session (the old cookie
 * stops working), applies the new practice's two-step sign-in rule, and is
 * recorded in both practices' audit trails; a practice the person is not
 * in answers 404, like any record of another practice.
 */
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');
const { startSink } = require('./smtp');

const one = async (srv, q) => (await sql(srv, q)).trim();

/* Sets up two-step sign-in on /account/mfa with a code from oathtool. */
async function enrol(c) {
	const page = await c.req('/account/mfa');
	assert.equal(page.status, 200);
	const secret = /id="mfa-secret">([^<]+)</.exec(page.body)[1].replace(/\s+/g, '');
	const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)[1];
	const code = execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();
	const done = await c.req('/account/mfa/enable', { form: { csrf, code } });
	assert.ok(done.status === 200 || done.status === 303, `two-step set-up: ${done.status}`);
}

describe(`practice switcher (${lib.ENGINE})`, () => {
	let srv, sink, ownerA, ownerB, cara, pidA, pidB, patientId, caraId;

	const switchTo = (c, practice) => c.post('/account/practices', '/account/practices/switch', { practice });

	before(async () => {
		sink = await startSink();
		srv = await lib.startServer({
			name: 'practice_switch',
			env: {
				ALCOVE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
				ALCOVE_SMTP_FROM: 'Alcove <alcove@example.test>',
				ALCOVE_SMTP_STARTTLS: 'false',
				ALCOVE_SERVER_PUBLIC_URL: 'https://alcove.example.test',
			},
		});
		ownerA = client(srv);
		await ownerA.signIn(lib.OWNER_EMAIL, srv.password);
		cara = client(srv);
		await cara.signIn('cara@example.test', await addUser(srv, 'cara@example.test', 'Cara Both', 'clinician'));
		caraId = await one(srv, "SELECT id FROM users WHERE email = 'cara@example.test'");
		pidA = await one(srv, `SELECT practice_id FROM memberships WHERE user_id = ${caraId}`);

		/* A patient of A on Cara's care team. */
		const res = await ownerA.post('/patients/new', '/patients', {
			legal_first: 'Wendell', legal_last: 'Whitcombe', dob: '1980-02-03', status: 'active',
		});
		assert.equal(res.status, 303, res.body);
		patientId = /\/patients\/(\d+)/.exec(res.headers.location)[1];
		assert.equal((await ownerA.post(`/patients/${patientId}`, `/patients/${patientId}/care-team`,
			{ user_id: caraId, role: 'primary' })).status, 303);

		/* Practice B, whose owner adds Cara as an administrator. */
		const pw = lib.randomPassword();
		const add = await lib.runCli(['practice', 'add', '--data', srv.instance.dir, '--name', 'Elsewhere Counseling',
			'--owner-email', 'bob-owner@example.test', '--password-stdin'], { input: pw + '\n' });
		assert.equal(add.code, 0, add.stderr);
		ownerB = client(srv);
		await ownerB.signIn('bob-owner@example.test', pw);
		pidB = await one(srv, "SELECT id FROM practices WHERE name = 'Elsewhere Counseling'");
		const invited = await ownerB.post('/staff', '/staff', { name: 'Cara Both', email: 'cara@example.test',
			role_admin: '1', reason: 'covers the front office on Fridays' });
		assert.equal(invited.status, 303, invited.body);
		assert.equal(invited.headers.location, `/staff/${caraId}?done=added`);
	});
	after(async () => {
		if (srv)
			await srv.stop();
		if (sink)
			await sink.stop();
	});

	test('someone in two practices is offered the switcher, with their roles in each', async () => {
		const home = await cara.req('/home');
		assert.equal(home.status, 200);
		assert.match(home.body, /href="\/account\/practices">Switch practice</);
		const page = await cara.req('/account/practices');
		assert.equal(page.status, 200);
		assert.match(page.body, /Test Practice <strong>\(current\)<\/strong><\/td>\s*<td>Clinician<\/td>/);
		assert.match(page.body, /Elsewhere Counseling<\/td>\s*<td>Practice administrator<\/td>/);
		assert.match(page.body, new RegExp(`name="practice" value="${pidB}"`));
		assert.doesNotMatch(page.body, new RegExp(`name="practice" value="${pidA}"`), 'no switch to where you are');
		const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(page.body);
		assert.ok(report.valid, JSON.stringify(report.results.map((r) => r.messages), null, 1));
		assert.equal((await cara.req(`/patients/${patientId}`)).status, 200);
	});

	test('a practice the person is not in is 404, and nothing changes', async () => {
		for (const bad of ['999999', 'abc', '']) {
			const res = await switchTo(cara, bad);
			assert.equal(res.status, 404, `practice=${bad}`);
		}
		assert.equal((await cara.req('/home')).status, 200, 'still signed in');
		assert.equal(await one(srv, `SELECT count(*) FROM audit_events WHERE verb = 'PRIV_CHANGE' AND ` +
			`actor_user_id = ${caraId} AND object_type = 'session'`), '0');
	});

	test('switching to B: new session, B\'s MFA rule first, then B\'s records only', async () => {
		const stale = client(srv);
		for (const [k, v] of cara.jar)
			stale.jar.set(k, v);
		const res = await switchTo(cara, pidB);
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/home');
		assert.notDeepEqual([...cara.jar], [...stale.jar], 'a new session cookie');
		const old = await stale.req('/home');
		assert.equal(old.status, 303);
		assert.match(old.headers.location, /^\/login/, 'the old session cookie no longer works');

		/* B requires two-step sign-in of administrators; Cara has none yet. */
		const home = await cara.req('/home');
		assert.equal(home.status, 303);
		assert.equal(home.headers.location, '/account/mfa');
		await enrol(cara);

		const staff = await cara.req('/staff');
		assert.equal(staff.status, 200);
		assert.match(staff.body, /Everyone who can sign in to Elsewhere Counseling/);
		assert.match(staff.body, /bob-owner@example\.test/);
		assert.doesNotMatch(staff.body, new RegExp(`>${lib.OWNER_EMAIL}<`), 'A\'s owner is not listed');
		assert.equal((await cara.req(`/patients/${patientId}`)).status, 404, 'A\'s patient is not in B');
		const page = await cara.req('/account/practices');
		assert.match(page.body, /Elsewhere Counseling <strong>\(current\)<\/strong>/);

		const detail = `{"from_practice":${pidA},"to_practice":${pidB}}`;
		for (const pid of [pidA, pidB])
			assert.equal(await one(srv, `SELECT count(*) FROM audit_events WHERE verb = 'PRIV_CHANGE' AND ` +
				`actor_user_id = ${caraId} AND practice_id = ${pid} AND detail = '${detail}'`), '1',
			`the switch is in practice ${pid}'s trail`);
		assert.equal(await one(srv, `SELECT practice_id FROM sessions WHERE user_id = ${caraId} AND ended_at IS NULL`),
			pidB);
	});

	test('switching back to A works, with A\'s records again', async () => {
		const res = await switchTo(cara, pidA);
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/home');
		const home = await cara.req('/home');
		assert.equal(home.status, 200, 'two-step sign-in carries over');
		assert.match(home.body, /Test Practice/);
		assert.equal((await cara.req(`/patients/${patientId}`)).status, 200);
		assert.equal((await cara.req('/staff')).status, 403, 'a clinician in A');
	});

	test('someone in one practice sees no switcher and cannot switch elsewhere', async () => {
		const home = await ownerA.req('/home');
		assert.equal(home.status, 200);
		assert.doesNotMatch(home.body, /Switch practice/);
		const page = await ownerA.req('/account/practices');
		assert.equal(page.status, 200);
		assert.match(page.body, /You belong to one practice\./);
		assert.doesNotMatch(page.body, /name="practice"/);
		assert.equal((await switchTo(ownerA, pidB)).status, 404);
		assert.equal((await ownerB.post('/account/practices', '/account/practices/switch', { practice: pidA })).status,
			404, 'B\'s owner cannot enter A');
		assert.match((await ownerA.req('/staff')).body, /Everyone who can sign in to Test Practice/);
	});
});
