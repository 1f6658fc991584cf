'use strict';
/*
 * Request and connection limits: body size (Content-Length and chunked),
 * header size, many idle connections from one address, and the timeout
 * for a client that stalls mid-request.  Each limit is lowered through the
 * ALCOVE_SERVER_* environment overrides, which also tests those.
 */
const assert = require('node:assert/strict');
const net = require('node:net');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');

const FORM = 'application/x-www-form-urlencoded';

function post(body, extra = '') {
	return `POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${FORM}\r\n${extra}` +
		`Connection: close\r\n\r\n${body}`;
}

describe(`body and header limits (${lib.ENGINE})`, () => {
	let srv;
	before(async () => {
		srv = await lib.startServer({
			name: 'limits-size',
			env: { ALCOVE_SERVER_MAX_BODY_BYTES: '1024', ALCOVE_SERVER_MAX_HEADER_BYTES: '4096' },
		});
	});
	after(async () => { if (srv) await srv.kill(); });

	test('a body within max_body_bytes is handled by the application', async () => {
		const body = 'email=a%40example.test&password=' + 'x'.repeat(900);
		const res = await srv.raw(post(body, `Content-Length: ${body.length}\r\n`));
		assert.ok(res.status !== null, 'an HTTP response');
		assert.ok(res.status !== 413 && res.status < 500, `status ${res.status}`);
	});

	test('Content-Length over max_body_bytes is 413', async () => {
		const body = 'x'.repeat(2048);
		const res = await srv.raw(post(body, `Content-Length: ${body.length}\r\n`));
		assert.equal(res.status, 413);
		lib.assertSecurityHeaders(res, '413 (Content-Length)');
	});

	test('a Content-Length over the limit is refused before the body is sent', async () => {
		const res = await srv.raw(post('', 'Content-Length: 1000000\r\n'), { timeout: 5000 });
		assert.equal(res.status, 413, 'answered 413 within 5 s without waiting for 1 MB');
	});

	test('a chunked body growing over max_body_bytes is 413', async () => {
		const chunk = `200\r\n${'y'.repeat(0x200)}\r\n`;
		const res = await srv.raw(post(chunk.repeat(4) + '0\r\n\r\n', 'Transfer-Encoding: chunked\r\n'));
		assert.equal(res.status, 413);
		lib.assertSecurityHeaders(res, '413 (chunked)');
	});

	test('headers over max_header_bytes are 431 and the server stays up', async () => {
		// The spec allows 431 or closing the connection; this server answers 431.
		const big = `X-Filler: ${'z'.repeat(8000)}\r\n`;
		const res = await srv.raw(`GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n${big}Connection: close\r\n\r\n`);
		assert.equal(res.status, 431);
		lib.assertSecurityHeaders(res, '431');
		const ok = await srv.request('/login');
		assert.equal(ok.status, 200, 'the server still serves requests');
	});

	test('the server stops cleanly on SIGTERM', async () => { await srv.stop(); });
});

/* Opens n plain TCP connections from 127.0.0.2 that never send a byte. */
async function idleConnections(port, n) {
	const socks = [];
	const opened = [];
	for (let i = 0; i < n; i++) {
		const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
		s.closedByPeer = false;
		s.on('error', () => {});
		s.on('close', () => { s.closedByPeer = true; });
		socks.push(s);
		opened.push(new Promise((r) => { s.once('connect', r); s.once('close', r); }));
	}
	await Promise.all(opened);
	return socks;
}

for (const perIp of [1000, 64]) {
	describe(`500 idle connections, max_connections_per_ip=${perIp} (${lib.ENGINE})`, () => {
		let srv, socks = [];
		before(async () => {
			srv = await lib.startServer({
				name: `limits-idle-${perIp}`,
				env: { ALCOVE_SERVER_MAX_CONNECTIONS_PER_IP: String(perIp) },
			});
		});
		after(async () => {
			for (const s of socks) s.destroy();
			if (srv) await srv.kill();
		});

		test('another client is still served within 1 second', async () => {
			socks = await idleConnections(srv.port, 500);
			await lib.sleep(300); // let the server accept (or refuse) them all
			const res = await srv.request('/login', { localAddress: '127.0.0.1' });
			assert.equal(res.status, 200);
			assert.ok(res.ms < 1000, `served in ${res.ms.toFixed(0)} ms`);
			if (perIp < 500) {
				await lib.sleep(700);
				const open = socks.filter((s) => !s.closedByPeer).length;
				assert.ok(open <= perIp, `${open} connections from 127.0.0.2 still open, limit ${perIp}`);
			}
		});

		test('the server stops cleanly with the idle connections open', async () => {
			await srv.stop();
		});
	});
}

describe(`connection_timeout (${lib.ENGINE})`, () => {
	let srv;
	before(async () => {
		srv = await lib.startServer({ name: 'limits-timeout', env: { ALCOVE_SERVER_CONNECTION_TIMEOUT: '2' } });
	});
	after(async () => { if (srv) await srv.kill(); });

	async function timeClose(sock, text) {
		const t0 = Date.now();
		const res = await lib.collect(sock, text, 10000);
		return { ...res, secs: (Date.now() - t0) / 1000 };
	}

	test('a partial request that stalls is closed after about 2 s', async () => {
		const sock = await srv.tlsConnect();
		const res = await timeClose(sock, 'GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n');
		assert.ok(res.closed, 'the server closed the connection within 10 s');
		assert.ok(res.secs >= 1.5 && res.secs <= 5, `closed after ${res.secs} s`);
		assert.notEqual(res.status, 200, 'the partial request was not served');
	});

	test('a TCP connection that never starts TLS is closed too', async () => {
		const sock = net.connect({ host: '127.0.0.1', port: srv.port });
		await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
		const res = await timeClose(sock, null);
		assert.ok(res.closed, 'the server closed the connection within 10 s');
		assert.ok(res.secs >= 1.5 && res.secs <= 5, `closed after ${res.secs} s`);
	});

	test('the server stops cleanly on SIGTERM', async () => { await srv.stop(); });
});
