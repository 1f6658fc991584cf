'use strict';
/*
 * Graceful shutdown: a request in flight when SIGTERM arrives still gets
 * its response, new connections are refused from then on, and the process
 * exits 0 afterwards (and, under the sanitizers, without leaks).
 */
const assert = require('node:assert/strict');
const net = require('node:net');
const { describe, test, after } = require('node:test');
const lib = require('./lib');

/* Resolves 'refused', 'accepted' or another error code for a new TCP connection. */
function tryConnect(port) {
	return new Promise((resolve) => {
		const s = net.connect({ host: '127.0.0.1', port });
		s.once('connect', () => { s.destroy(); resolve('accepted'); });
		s.once('error', (e) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code));
	});
}

describe(`graceful shutdown (${lib.ENGINE})`, () => {
	let srv;
	after(async () => { if (srv) await srv.kill(); });

	test('an in-flight request is answered after SIGTERM; new connections are refused', async () => {
		srv = await lib.startServer({ name: 'shutdown', env: { ALCOVE_SERVER_SHUTDOWN_GRACE: '10' } });
		const body = `email=${encodeURIComponent(lib.OWNER_EMAIL)}&password=`.padEnd(100, 'p');
		assert.equal(body.length, 100);
		const sock = await srv.tlsConnect();
		const response = lib.collect(sock, 'POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
			'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n' +
			`Connection: close\r\n\r\n${body.slice(0, 50)}`, 20000);
		await lib.sleep(300); // the server has read the headers and half the body

		srv.proc.kill('SIGTERM');
		let state = 'accepted';
		for (let i = 0; i < 30 && state === 'accepted'; i++) {
			await lib.sleep(100);
			state = await tryConnect(srv.port);
		}
		assert.equal(state, 'refused', 'new connections are refused after SIGTERM');
		assert.equal(srv.exited, false, 'the server waits for the request in flight');

		sock.write(body.slice(50));
		const res = await response;
		assert.equal(res.error, null, `no connection error (${res.error && res.error.code})`);
		assert.ok(res.status !== null, `an HTTP response arrived, got ${JSON.stringify(res.raw.toString().slice(0, 200))}`);
		assert.ok(res.status >= 200 && res.status < 500, `status ${res.status}`);

		await srv.stop({ signal: null, timeout: 20000 });
		assert.ok(srv.exitCode === 0);
	});

	test('an idle server exits promptly on SIGINT', async () => {
		srv = await lib.startServer({ name: 'shutdown-sigint' });
		assert.equal((await srv.request('/healthz')).status, 200);
		const t0 = Date.now();
		await srv.stop({ signal: 'SIGINT' });
		assert.ok(Date.now() - t0 < 5000, `exited after ${Date.now() - t0} ms`);
	});
});
