'use strict';
/*
 * Two-step sign-in (TOTP) through the real interface: an owner is made to
 * set it up before anything else, enrols with a code computed by oathtool
 * from the secret the page shows (and the QR code, read back with
 * rsvg-convert and zbarimg, holds the same secret), signs in with password
 * then code; a replayed code is refused; recovery codes work once and can
 * be replaced; wrong codes are throttled; sign-out works from the half-way
 * stage; a clinician may turn MFA off, an owner may not; the practice
 * setting makes every staff member enrol.
 *
 * Codes follow the server's real clock: nextCode() never reuses a
 * 30-second step for a key, picks among the steps the server accepts
 * (one back, while at least 3 s of the current step remain; now; one
 * ahead), and waits for the next step when all were used.
 */
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');

const { client, sql: sqlRaw } = require('./client');

async function sql(srv, query) {
	return (await sqlRaw(srv, query)).trim();
}

/* Per secret: the last step used, so no code is ever sent twice. */
const lastStep = new Map();

async function nextCode(secret) {
	for (;;) {
		const now = Date.now() / 1000;
		const cur = Math.floor(now / 30);
		const oldest = (cur + 1) * 30 - now >= 3 ? cur - 1 : cur;
		const step = Math.max(oldest, (lastStep.get(secret) || 0) + 1);
		if (step <= cur + 1) {
			lastStep.set(secret, step);
			return execFileSync('oathtool', ['--totp', '-b', secret, '--now', `@${step * 30}`],
				{ encoding: 'utf8' }).trim();
		}
		await lib.sleep((cur + 1) * 30000 - Date.now() + 50);
	}
}

function secretOf(body) {
	const m = /<code id="mfa-secret">([A-Z2-7 ]+)<\/code>/.exec(body);
	assert.ok(m, 'the setup page shows the key');
	return m[1].replace(/ /g, '');
}

function codesOf(body) {
	return [...body.matchAll(/<code>([a-z2-9]{5}-[a-z2-9]{5})<\/code>/g)].map((m) => m[1]);
}

/* Reads the QR code in an SVG back with rsvg-convert and zbarimg. */
function readQr(svg) {
	const d = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-qr-'));
	try {
		fs.writeFileSync(path.join(d, 'qr.svg'), svg);
		execFileSync('rsvg-convert', ['-w', '480', '-o', path.join(d, 'qr.png'), path.join(d, 'qr.svg')]);
		return execFileSync('zbarimg', ['--raw', '-q', path.join(d, 'qr.png')],
			{ encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
	} finally {
		fs.rmSync(d, { recursive: true, force: true });
	}
}

/* Adds a staff member with the owner's password (test set-up only). */
async function addUser(srv, email, role) {
	await sql(srv, `INSERT INTO users (email, display_name, password_hash, created_at, updated_at)
		SELECT '${email}', 'Casey Clinician', password_hash, 0, 0 FROM users WHERE email = '${lib.OWNER_EMAIL}'`);
	await sql(srv, `INSERT INTO memberships (practice_id, user_id, role, created_at)
		SELECT p.id, u.id, '${role}', 0 FROM practices p, users u WHERE u.email = '${email}'`);
}

describe(`two-step sign-in (${lib.ENGINE})`, () => {
	let srv;
	let secret;   // the owner's, once enrolled
	let codes;    // the owner's recovery codes

	before(async () => { srv = await lib.startServer({ name: 'mfa' }); });
	after(async () => { if (srv) await srv.kill(); });

	/* The owner's password, then a recovery code (which spares the app's
	 * codes for the tests about them); returns the final response. */
	async function signIn(c) {
		const pw = await c.login(lib.OWNER_EMAIL, srv.password);
		assert.equal(pw.status, 303);
		assert.equal(pw.headers.location, '/login/mfa');
		return c.post('/login/mfa', '/login/mfa', { code: codes.shift() });
	}

	test('an owner without MFA is sent to set it up, and can do nothing else first', async () => {
		const c = client(srv);
		const res = await c.login(lib.OWNER_EMAIL, srv.password);
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/account/mfa');
		const other = client(srv);
		await other.login(lib.OWNER_EMAIL, srv.password);
		for (const p of ['/home', '/account/sessions', '/login/mfa', '/', '/login']) {
			let r = await c.req(p);
			for (let hops = 0; r.status === 303 && r.headers.location !== '/account/mfa' && hops < 3; hops++)
				r = await c.req(r.headers.location);
			assert.equal(r.status, 303, p);
			assert.equal(r.headers.location, '/account/mfa', p);
		}
		for (const p of ['/account/sessions/end-others', '/account/mfa/recovery-codes', '/account/mfa/disable']) {
			const r = await c.post('/account/mfa', p, { code: '123456' });
			assert.equal(r.status, 303, p);
			assert.equal(r.headers.location, '/account/mfa', p);
		}
		assert.equal((await other.req('/account/mfa')).status, 200, 'end-others did not run');
		const page = await c.req('/account/mfa');
		assert.equal(page.status, 200);
		lib.assertSecurityHeaders(page, 'GET /account/mfa', { page: true });
		assert.match(page.body, /Your role in this practice requires two-step sign-in/);
		assert.doesNotMatch(page.body, /href="\/home"/, 'no app navigation before MFA is set up');
		assert.match(page.body, /Sign out/);
		const css = /href="(\/static\/css\/[^"]+)"/.exec(page.body)[1];
		assert.equal((await c.req(css)).status, 200, 'static assets still load');
		assert.equal((await c.req('/healthz')).status, 200);
	});

	test('the QR code is an SVG image of the otpauth URI with the key the page shows', async () => {
		const c = client(srv);
		await c.login(lib.OWNER_EMAIL, srv.password);
		const page = await c.req('/account/mfa');
		const key = secretOf(page.body);
		assert.match(key, /^[A-Z2-7]{32}$/, '160-bit key in base32');
		assert.match(page.body, /<img src="\/account\/mfa\/qr\.svg" alt="[^"]+"/);
		const qr = await c.req('/account/mfa/qr.svg');
		assert.equal(qr.status, 200);
		assert.match(qr.headers['content-type'], /^image\/svg\+xml/);
		assert.match(qr.headers['cache-control'], /no-store/);
		assert.doesNotMatch(qr.body, /<script|style=|href=/i);
		assert.equal(readQr(qr.body), 'otpauth://totp/Alcove%20%28Test%20Practice%29:owner%40example.test' +
			`?secret=${key}&issuer=Alcove&algorithm=SHA1&digits=6&period=30`);
		assert.equal(secretOf((await c.req('/account/mfa')).body), key, 'reloading keeps the key');
		const anon = await client(srv).req('/account/mfa/qr.svg');
		assert.equal(anon.status, 303, 'no QR code without a session');
	});

	test('sign-out works while MFA setup is due', async () => {
		const c = client(srv);
		await c.login(lib.OWNER_EMAIL, srv.password);
		const token = c.jar.get('alcove_session');
		const res = await c.post('/account/mfa', '/logout');
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/login?ended=logout');
		const replay = client(srv);
		replay.jar.set('alcove_session', token);
		const r = await replay.req('/account/mfa');
		assert.equal(r.status, 303);
		assert.match(r.headers.location, /^\/login/);
	});

	test('enrolment: a wrong code is refused; the oathtool code turns MFA on, rotates the session and shows recovery codes once', async () => {
		const c = client(srv);
		await c.login(lib.OWNER_EMAIL, srv.password);
		const before = c.jar.get('alcove_session');
		secret = secretOf((await c.req('/account/mfa')).body);
		const wrong = await c.post('/account/mfa', '/account/mfa/enable', { code: '000000' });
		assert.equal(wrong.status, 401);
		assert.match(wrong.body, /That code does not match/);
		assert.equal(secretOf(wrong.body), secret);
		assert.equal((await c.req('/home')).headers.location, '/account/mfa', 'still not on');
		const on = await c.post('/account/mfa', '/account/mfa/enable', { code: await nextCode(secret) });
		assert.equal(on.status, 200);
		assert.match(on.body, /Two-step sign-in is on/);
		codes = codesOf(on.body); // signIn() uses them up from the front
		assert.equal(codes.length, 10);
		assert.equal(new Set(codes).size, 10);
		assert.notEqual(c.jar.get('alcove_session'), before, 'a new session token');
		assert.match(await sql(srv, "SELECT count(*) FROM sessions WHERE end_reason = 'rotated'"), /^[1-9]/);
		const home = await c.req('/home');
		assert.equal(home.status, 200);
		assert.match(home.body, /href="\/account\/mfa"/, 'MFA in the navigation');
		const status = await c.req('/account/mfa');
		assert.match(status.body, /Two-step sign-in is <strong>on<\/strong>/);
		assert.match(status.body, /Unused recovery codes: <strong>10<\/strong>/);
		assert.match(status.body, /cannot be turned off/);
		for (const code of codes)
			assert.ok(!status.body.includes(code), 'recovery codes are not shown again');
		const stored = await sql(srv, 'SELECT code_hash FROM mfa_recovery_codes');
		for (const code of codes)
			assert.ok(!stored.includes(code), 'recovery codes are stored hashed');
		const old = client(srv);
		old.jar.set('alcove_session', before);
		assert.match((await old.req('/home')).headers.location, /^\/login/, 'the old token is dead');
	});

	test('sign-in asks for the code after the password, and a replayed code is refused', async () => {
		const c = client(srv);
		const pw = await c.login(lib.OWNER_EMAIL, srv.password);
		assert.equal(pw.status, 303);
		assert.equal(pw.headers.location, '/login/mfa');
		for (const p of ['/home', '/account/sessions', '/account/mfa', '/account/mfa/qr.svg']) {
			const r = await c.req(p);
			assert.equal(r.status, 303, p);
			assert.equal(r.headers.location, '/login/mfa', p);
		}
		const form = await c.req('/login/mfa');
		assert.equal(form.status, 200);
		assert.match(form.body, /autocomplete="one-time-code"/);
		const code = await nextCode(secret);
		const ok = await c.post('/login/mfa', '/login/mfa', { code });
		assert.equal(ok.status, 303);
		assert.equal(ok.headers.location, '/home');
		assert.equal((await c.req('/home')).status, 200);
		assert.equal(await sql(srv, 'SELECT mfa FROM sessions WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1'), '1');

		const again = client(srv);
		await again.login(lib.OWNER_EMAIL, srv.password);
		const replay = await again.post('/login/mfa', '/login/mfa', { code });
		assert.equal(replay.status, 401);
		assert.match(replay.body, /That code is not right, or it was already used/);
		assert.equal((await again.req('/home')).headers.location, '/login/mfa');
		const fresh = await again.post('/login/mfa', '/login/mfa', { code: await nextCode(secret) });
		assert.equal(fresh.status, 303);
	});

	test('the page to return to survives the code step', async () => {
		const c = client(srv);
		const pw = await c.post('/login', '/login', { email: lib.OWNER_EMAIL, password: srv.password, next: '/account/sessions' });
		assert.equal(pw.headers.location, '/login/mfa?next=%2Faccount%2Fsessions');
		const { res, csrf } = await c.page(pw.headers.location);
		assert.match(res.body, /name="next" value="\/account\/sessions"/);
		const ok = await c.req('/login/mfa', { form: { csrf, next: '/account/sessions', code: await nextCode(secret) } });
		assert.equal(ok.headers.location, '/account/sessions');
	});

	test('POST /logout works while the code is due', async () => {
		const c = client(srv);
		await c.login(lib.OWNER_EMAIL, srv.password);
		const res = await c.post('/login/mfa', '/logout');
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/login?ended=logout');
		assert.match(await sql(srv, "SELECT count(*) FROM sessions WHERE end_reason = 'logout'"), /^[1-9]/);
	});

	test('a recovery code works once', async () => {
		const a = client(srv);
		await a.login(lib.OWNER_EMAIL, srv.password);
		const code = codes.shift();
		const used = await a.post('/login/mfa', '/login/mfa', { code: code.toUpperCase() });
		assert.equal(used.status, 303);
		assert.equal(used.headers.location, '/account/mfa?done=recovery');
		const page = await a.req(used.headers.location);
		assert.match(page.body, /You signed in with a recovery code/);
		assert.match(page.body, /Unused recovery codes: <strong>9<\/strong>/);
		const b = client(srv);
		await b.login(lib.OWNER_EMAIL, srv.password);
		const again = await b.post('/login/mfa', '/login/mfa', { code });
		assert.equal(again.status, 401);
	});

	test('new recovery codes replace the old ones', async () => {
		const c = client(srv);
		assert.equal((await signIn(c)).status, 303);
		const res = await c.post('/account/mfa', '/account/mfa/recovery-codes');
		assert.equal(res.status, 200);
		assert.match(res.body, /Your old recovery codes no longer work/);
		const fresh = codesOf(res.body);
		assert.equal(fresh.length, 10);
		const old = client(srv);
		await old.login(lib.OWNER_EMAIL, srv.password);
		assert.equal((await old.post('/login/mfa', '/login/mfa', { code: codes[0] })).status, 401);
		assert.equal((await old.post('/login/mfa', '/login/mfa', { code: fresh[0] })).status, 303);
		codes = fresh.slice(1);
	});

	test('wrong codes are throttled, even before the right one', async () => {
		const c = client(srv);
		await c.login(lib.OWNER_EMAIL, srv.password);
		const good = await nextCode(secret);
		for (let i = 0; i < 5; i++) {
			const r = await c.post('/login/mfa', '/login/mfa', { code: '000000' });
			assert.equal(r.status, 401, `wrong code ${i + 1}`);
		}
		const locked = await c.post('/login/mfa', '/login/mfa', { code: good });
		assert.equal(locked.status, 429);
		assert.match(locked.body, /Too many wrong codes\. Please wait \d+ seconds?/);
		assert.ok(srv.logLines().some((l) => /mfa code throttled/.test(l)));
		/* The administrator lifts the lock (here: directly). */
		await sql(srv, "DELETE FROM auth_throttle WHERE key LIKE 'mfa:%'");
		/* The refused attempt did not use the code up. */
		const ok = await c.post('/login/mfa', '/login/mfa', { code: good });
		assert.equal(ok.status, 303);
	});

	test('an owner cannot turn MFA off; a clinician can, with a current code', async () => {
		const o = client(srv);
		assert.equal((await signIn(o)).status, 303);
		const refused = await o.post('/account/mfa', '/account/mfa/disable', { code: '123456' });
		assert.equal(refused.status, 403);
		assert.match(refused.body, /cannot be turned off/);

		await addUser(srv, 'casey@example.test', 'clinician');
		const c = client(srv);
		const pw = await c.login('casey@example.test', srv.password);
		assert.equal(pw.headers.location, '/home', 'a clinician need not use MFA');
		const setup = await c.req('/account/mfa');
		assert.match(setup.body, /Two-step sign-in is <strong>off<\/strong>/);
		const key = secretOf(setup.body);
		const on = await c.post('/account/mfa', '/account/mfa/enable', { code: await nextCode(key) });
		assert.equal(on.status, 200);
		assert.equal(codesOf(on.body).length, 10);
		const wrong = await c.post('/account/mfa', '/account/mfa/disable', { code: '000000' });
		assert.equal(wrong.status, 401);
		const off = await c.post('/account/mfa', '/account/mfa/disable', { code: await nextCode(key) });
		assert.equal(off.status, 303);
		assert.equal(off.headers.location, '/account/mfa?done=off');
		assert.match((await c.req(off.headers.location)).body, /Two-step sign-in is off\./);
		const again = client(srv);
		assert.equal((await again.login('casey@example.test', srv.password)).headers.location, '/home');
	});

	test('the practice setting makes every staff member set up MFA', async () => {
		await sql(srv, `INSERT INTO settings (practice_id, key, value, updated_at)
			SELECT id, 'security.mfa_all_staff', 'true', 0 FROM practices`);
		const c = client(srv);
		const pw = await c.login('casey@example.test', srv.password);
		assert.equal(pw.headers.location, '/account/mfa');
		assert.equal((await c.req('/home')).headers.location, '/account/mfa');
		await sql(srv, "DELETE FROM settings WHERE key = 'security.mfa_all_staff'");
		assert.equal((await c.req('/home')).status, 200, 'applies at once either way');
	});

	test('the MFA pages pass html-validate (recommended)', async () => {
		const hv = new HtmlValidate({ extends: ['html-validate:recommended'] });
		const pending = client(srv);
		await pending.login(lib.OWNER_EMAIL, srv.password);
		const c = client(srv);
		await c.login('casey@example.test', srv.password);
		const pages = [['/login/mfa', pending], ['/account/mfa', c]];
		const o = client(srv);
		await signIn(o);
		pages.push(['/account/mfa', o]);
		const regen = await o.post('/account/mfa', '/account/mfa/recovery-codes');
		for (const [p, who] of pages) {
			const res = await who.req(p);
			assert.equal(res.status, 200, p);
			const report = await hv.validateString(res.body, `${p}.html`);
			assert.ok(report.valid, `html-validate ${p}:\n${report.results.flatMap((r) =>
				r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`)).join('\n')}`);
		}
		const report = await hv.validateString(regen.body, 'codes.html');
		assert.ok(report.valid, 'recovery codes page');
	});

	test('the server stops cleanly on SIGTERM', async () => {
		await srv.stop();
	});
});
