'use strict';
/*
 * What the operator sees: one access-log line per request that carries
 * method, path, status, duration and request id but never a query string,
 * a body or a password; and the plain-HTTP listener that only redirects
 * to HTTPS.
 */
const assert = require('node:assert/strict');
const http = require('node:http');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');

const DURATION_KEY = /^(duration|dur|elapsed|time)(_(ms|us|ns|s))?$/;

describe(`access log (${lib.ENGINE})`, () => {
	let srv;
	before(async () => {
		srv = await lib.startServer({ name: 'logging', env: { ALCOVE_LOG_ACCESS_LOG: 'true' } });
	});
	after(async () => { if (srv) await srv.kill(); });

	/* The log line carrying this request id. */
	async function lineFor(id) {
		const line = await srv.waitForLog((l) => Object.values(lib.parseLogfmt(l)).includes(id));
		assert.ok(line, `an access-log line with request id ${id} in ${srv.logPath}`);
		return lib.parseLogfmt(line);
	}

	test('one line per request with method, path, status, duration and request id', async () => {
		const res = await srv.request('/login?email=jane.doe@example.com');
		assert.equal(res.status, 200);
		const id = res.headers['x-request-id'];
		const f = await lineFor(id);
		const vals = Object.values(f);
		assert.ok(vals.includes('GET'), `method in ${JSON.stringify(f)}`);
		assert.ok(vals.includes('/login'), `path without query in ${JSON.stringify(f)}`);
		assert.ok(vals.includes('200'), `status in ${JSON.stringify(f)}`);
		assert.ok(Object.keys(f).some((k) => DURATION_KEY.test(k) && /^\d+(\.\d+)?(ms|us|s)?$/.test(f[k])),
			`a duration in ${JSON.stringify(f)}`);
		const lines = srv.logLines().filter((l) => l.includes(id));
		assert.equal(lines.length, 1, `exactly one line for the request:\n${lines.join('\n')}`);

		const nf = await srv.request('/no/such/page?x=1');
		const g = await lineFor(nf.headers['x-request-id']);
		assert.ok(Object.values(g).includes('404'), `404 logged: ${JSON.stringify(g)}`);
		assert.ok(Object.values(g).includes('/no/such/page'), `404 path logged: ${JSON.stringify(g)}`);
	});

	test('query strings, bodies and passwords never reach the log', async () => {
		await srv.request('/login?email=jane.doe@example.com&token=s3cr3t-t0ken');
		const body = `email=jane.roe%40example.com&password=${encodeURIComponent(srv.password)}&csrf=zzz`;
		const res = await srv.request('/login', {
			method: 'POST', body,
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
		});
		assert.ok(res.status < 500, `POST /login status ${res.status}`);
		await lineFor(res.headers['x-request-id']);
		const log = srv.stderr;
		for (const secret of ['jane', 's3cr3t', srv.password, 'zzz'])
			assert.ok(!log.includes(secret), `"${secret}" appears in ${srv.logPath}`);
	});

	test('the server stops cleanly on SIGTERM', async () => {
		await srv.stop();
		assert.ok(!srv.stderr.includes('jane'), 'nothing about jane logged at shutdown either');
	});
});

describe(`redirect listener (${lib.ENGINE})`, () => {
	let srv, redirectPort;
	before(async () => {
		redirectPort = await lib.freePort();
		srv = await lib.startServer({
			name: 'redirect', env: { ALCOVE_SERVER_REDIRECT_PORT: String(redirectPort) },
		});
	});
	after(async () => { if (srv) await srv.kill(); });

	function plain(method, p) {
		return new Promise((resolve, reject) => {
			const req = http.request({ host: '127.0.0.1', port: redirectPort, path: p, method,
				agent: false }, (res) => {
				let body = '';
				res.on('data', (d) => { body += d; });
				res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
			});
			req.setTimeout(5000, () => req.destroy(new Error('timeout')));
			req.on('error', reject);
			req.end();
		});
	}

	test('plain HTTP answers 308 to the same path and query over HTTPS', async () => {
		for (const method of ['GET', 'POST', 'HEAD']) {
			const res = await plain(method, '/login?x=1');
			assert.equal(res.status, 308, method);
			assert.equal(res.headers.location, `https://127.0.0.1:${srv.port}/login?x=1`, method);
		}
		const follow = await srv.request('/login?x=1');
		assert.equal(follow.status, 200, 'the redirect target works');
	});

	test('the server stops cleanly on SIGTERM', async () => { await srv.stop(); });
});
