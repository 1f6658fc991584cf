'use strict';
/*
 * A browser-like HTTP client for tests that sign in: it keeps cookies,
 * reads CSRF fields, signs in (completing two-step sign-in with codes from
 * oathtool when the account has to set it up), and runs SQL on the
 * instance's database whichever the engine.
 */
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const lib = require('./lib');

function client(srv, opts = {}) {
	const jar = new Map();
	const c = {
		jar,
		ua: opts.ua || 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
		cookieHeader() {
			return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
		},
		async req(p, o = {}) {
			const headers = { 'User-Agent': c.ua, ...(o.headers || {}) };
			if (jar.size)
				headers.Cookie = c.cookieHeader();
			let body;
			if (o.form) {
				body = new URLSearchParams(o.form).toString();
				headers['Content-Type'] = 'application/x-www-form-urlencoded';
				headers['Content-Length'] = Buffer.byteLength(body);
			}
			const res = await srv.request(p, { method: o.form ? 'POST' : (o.method || 'GET'), headers, body });
			for (const sc of [].concat(res.headers['set-cookie'] || [])) {
				const [pair] = sc.split(';');
				const i = pair.indexOf('=');
				const k = pair.slice(0, i), v = pair.slice(i + 1);
				if (v === '' || /Max-Age=0/i.test(sc))
					jar.delete(k);
				else
					jar.set(k, v);
			}
			return res;
		},
		async csrfFrom(p) {
			const res = await c.req(p);
			const m = /name="csrf" value="([^"]+)"/.exec(res.body);
			assert.ok(m, `a csrf field on ${p} (status ${res.status})`);
			return m[1];
		},
		/* A page and the CSRF token of its form (null when it has none). */
		async page(p) {
			const res = await c.req(p);
			const m = /name="csrf" value="([^"]+)"/.exec(res.body);
			return { res, csrf: m && m[1] };
		},
		/* Submits a form on page `from` (for its CSRF token) to `to`. */
		async post(from, to, fields = {}) {
			const { csrf } = await c.page(from);
			assert.ok(csrf, `a csrf field on ${from}`);
			return c.req(to, { form: { csrf, ...fields } });
		},
		async login(email, password, extra = {}) {
			const csrf = await c.csrfFrom('/login');
			return c.req('/login', { form: { csrf, email, password, ...extra } });
		},
		/*
		 * Signs in all the way: password, then two-step setup with a code
		 * from oathtool when the account must set it up.  Returns the secret
		 * (or null) so a test can make more codes.
		 */
		async signIn(email, password) {
			const res = await c.login(email, password);
			assert.equal(res.status, 303, `sign-in of ${email}: ${res.status}`);
			if (res.headers.location !== '/account/mfa')
				return null;
			const page = await c.req('/account/mfa');
			const m = /id="mfa-secret">([^<]+)</.exec(page.body);
			assert.ok(m, 'the set-up page shows the secret');
			const secret = m[1].replace(/\s+/g, '');
			const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)[1];
			const code = execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();
			const done = await c.req('/account/mfa/enable', { form: { csrf, code } });
			assert.ok(done.status === 200 || done.status === 303, `two-step set-up: ${done.status}`);
			return secret;
		},
	};
	return c;
}

/* Runs SQL against the instance's database, whichever the engine. */
async function sql(srv, query) {
	const inst = srv.instance;
	if (lib.ENGINE === 'postgres')
		return lib.psql(inst.conninfo, query);
	/* Wait for the server's write lock rather than fail at once. */
	return execFileSync('sqlite3', ['-cmd', '.timeout 10000', path.join(inst.dir, 'alcove.db'), query],
		{ encoding: 'utf8' });
}

/* Adds a staff member with `alcove user add`; resolves their password. */
async function addUser(srv, email, name, roles) {
	const password = lib.randomPassword();
	const args = ['user', 'add', '--data', srv.instance.dir, '--email', email, '--name', name,
		'--reason', 'test fixture', '--password-stdin'];
	for (const r of [].concat(roles))
		args.push('--role', r);
	const out = await lib.runCli(args, { input: password + '\n' });
	assert.equal(out.code, 0, `alcove user add ${email}: ${out.stderr}`);
	return password;
}

module.exports = { client, sql, addUser };
