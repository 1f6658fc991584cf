'use strict';
/*
 * The public surface of a fresh server: sign-in page, redirect from /,
 * health check, error pages, HEAD, security headers on every kind of
 * response, hashed static assets, and valid HTML.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');

describe(`basics (${lib.ENGINE})`, () => {
	let srv;
	let loginHtml;

	before(async () => { srv = await lib.startServer({ name: 'basics' }); });
	after(async () => { if (srv) await srv.kill(); });

	test('GET /login is a sign-in form inside the layout', async () => {
		const res = await srv.request('/login');
		assert.equal(res.status, 200);
		assert.match(res.headers['content-type'], /^text\/html;\s*charset=utf-8$/i);
		lib.assertSecurityHeaders(res, 'GET /login', { page: true });
		loginHtml = res.body;
		assert.match(res.body, /^<!DOCTYPE html>/i);
		assert.match(res.body, /<title>[^<]*Sign in[^<]*<\/title>/i);
		assert.match(res.body, /<form[^>]*method="post"/i);
		assert.match(res.body, /<input(?=[^>]*\bname="email")(?=[^>]*\btype="email")[^>]*>/i);
		assert.match(res.body, /<input(?=[^>]*\bname="password")(?=[^>]*\btype="password")[^>]*>/i);
		assert.match(res.body, /<input(?=[^>]*\bname="csrf")(?=[^>]*\btype="hidden")(?=[^>]*\bvalue="[^"]{16,}")[^>]*>/i,
			'a hidden csrf field with a token');
		assert.match(res.body, /<link[^>]*rel="stylesheet"[^>]*href="\/static\/css\/alcove\.[0-9a-f]{16}\.css"/i,
			'the layout links its hashed stylesheet');
	});

	test('GET / redirects to /login with 303', async () => {
		const res = await srv.request('/');
		assert.equal(res.status, 303);
		const loc = new URL(res.headers.location, srv.url);
		assert.equal(loc.pathname, '/login');
		lib.assertSecurityHeaders(res, 'GET /');
	});

	test('GET /healthz reports the database and the engine', async () => {
		const res = await srv.request('/healthz');
		assert.equal(res.status, 200);
		assert.match(res.headers['content-type'], /^application\/json/);
		lib.assertSecurityHeaders(res, 'GET /healthz');
		const j = JSON.parse(res.body);
		assert.equal(j.status, 'ok');
		assert.equal(j.database, 'ok');
		assert.equal(j.engine, lib.ENGINE);
	});

	test('an unknown path is a 404 HTML page naming the request id', async () => {
		const res = await srv.request('/no/such/page');
		assert.equal(res.status, 404);
		assert.match(res.headers['content-type'], /^text\/html/);
		lib.assertSecurityHeaders(res, '404', { page: true });
		const id = res.headers['x-request-id'];
		assert.ok(res.body.includes(id), `404 page names the request id ${id}`);
	});

	test('a known path with the wrong method is a 405 with Allow', async () => {
		for (const [method, p, must] of [['DELETE', '/login', 'GET'], ['PUT', '/login', 'GET'],
			['POST', '/healthz', 'GET']]) {
			const res = await srv.request(p, { method });
			assert.equal(res.status, 405, `${method} ${p}`);
			const allow = (res.headers.allow || '').split(/\s*,\s*/);
			assert.ok(allow.includes(must), `${method} ${p}: Allow "${res.headers.allow}" lists ${must}`);
			assert.ok(!allow.includes(method), `${method} ${p}: Allow does not list ${method}`);
			lib.assertSecurityHeaders(res, `405 ${method} ${p}`);
		}
	});

	test('X-Request-Id differs per request', async () => {
		const ids = new Set();
		for (let i = 0; i < 5; i++)
			ids.add((await srv.request('/healthz')).headers['x-request-id']);
		assert.equal(ids.size, 5);
	});

	test('HEAD works wherever GET does, without a body', async () => {
		const css = /href="(\/static\/css\/alcove\.[0-9a-f]{16}\.css)"/.exec(loginHtml || '');
		const paths = [['/login', 200], ['/healthz', 200], ['/', 303], ['/no/such/page', 404]];
		if (css)
			paths.push([css[1], 200]);
		for (const [p, status] of paths) {
			const get = await srv.request(p);
			const res = await srv.raw(`HEAD ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
			assert.equal(res.status, status, `HEAD ${p}`);
			assert.equal(res.body.length, 0, `HEAD ${p} sent ${res.body.length} body bytes`);
			assert.equal(res.headers['content-type'], get.headers['content-type'], `HEAD ${p} content-type`);
			lib.assertSecurityHeaders(res, `HEAD ${p}`);
		}
	});

	test('hashed static assets are served immutable; a wrong hash is 404', async () => {
		assert.ok(loginHtml, 'needs the /login page');
		const urls = [...loginHtml.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]);
		assert.ok(urls.some((u) => /^\/static\/css\/alcove\.[0-9a-f]{16}\.css$/.test(u)));
		const types = { css: /^text\/css/, js: /^(text|application)\/javascript/, svg: /^image\/svg\+xml/,
			png: /^image\/png/, ico: /^image\/(x-icon|vnd\.microsoft\.icon)/, woff2: /^font\/woff2/ };
		for (const u of urls) {
			const res = await srv.request(u);
			assert.equal(res.status, 200, u);
			const ext = u.split('.').pop();
			if (types[ext])
				assert.match(res.headers['content-type'] || '', types[ext], `${u} content-type`);
			assert.match(res.headers['cache-control'] || '', /max-age=31536000/, `${u} max-age`);
			assert.match(res.headers['cache-control'] || '', /immutable/, `${u} immutable`);
			assert.ok(res.body.length > 0, `${u} has content`);
			lib.assertSecurityHeaders(res, u);

			const hash = /\.([0-9a-f]{16})\./.exec(u);
			if (hash) {
				const wrong = u.replace(hash[1], hash[1] === '0'.repeat(16) ? '1'.repeat(16) : '0'.repeat(16));
				const bad = await srv.request(wrong);
				assert.equal(bad.status, 404, wrong);
				lib.assertSecurityHeaders(bad, wrong);
			}
		}
	});

	test('/login and the 404 page pass html-validate (recommended)', async () => {
		const hv = new HtmlValidate({ extends: ['html-validate:recommended'] });
		for (const p of ['/login', '/no/such/page']) {
			const res = await srv.request(p);
			const report = await hv.validateString(res.body, `${p}.html`);
			const msgs = report.results.flatMap((r) => r.messages.map(
				(m) => `${p}:${m.line}:${m.column} ${m.ruleId}: ${m.message}`));
			assert.ok(report.valid, `html-validate:\n${msgs.join('\n')}`);
		}
	});

	test('the server stops cleanly on SIGTERM', async () => {
		await srv.stop();
	});
});

describe(`health check without a database (${lib.ENGINE})`, { skip: lib.ENGINE !== 'postgres'
	&& 'an open SQLite file cannot be made unreachable from outside the process' }, () => {
	let srv;
	after(async () => { if (srv) await srv.kill(); });

	test('GET /healthz is 503 "unreachable" once the database is gone', async () => {
		srv = await lib.startServer({ name: 'healthz-unreachable' });
		assert.equal((await srv.request('/healthz')).status, 200);
		await lib.psql(process.env.ALCOVE_TEST_PG,
			`DROP DATABASE ${srv.instance.dbName} WITH (FORCE)`);
		const res = await srv.request('/healthz');
		assert.equal(res.status, 503);
		lib.assertSecurityHeaders(res, '503 /healthz');
		const j = JSON.parse(res.body);
		assert.equal(j.database, 'unreachable');
		assert.notEqual(j.status, 'ok');
		// The rest of the server still answers.
		assert.equal((await srv.request('/no/such/page')).status, 404);
		await srv.stop();
	});
});
