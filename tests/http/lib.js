'use strict';
/*
 * lib.js - helpers for the HTTP and browser tests.
 *
 * Every test talks to a real `alcove` process (the sanitizer build by
 * default) through its real interfaces: the CLI to initialise a data
 * directory, `alcove serve` on a free port, HTTPS verified against the
 * certificate that `init` wrote (never rejectUnauthorized:false), and raw
 * TCP/TLS sockets where a test needs to misbehave on purpose (partial
 * requests, oversized headers, idle connections).
 *
 * Engine: ALCOVE_TEST_ENGINE=sqlite|postgres.  For postgres every instance
 * gets its own database created in the cluster named by ALCOVE_TEST_PG and
 * dropped when the instance is cleaned up, so test files never share state.
 *
 * A server's stderr goes to test-output/logs/<engine>/<name>.log and is
 * kept in memory for assertions on the log.  stop() sends SIGTERM and
 * asserts exit code 0: a sanitizer report (leak, overflow, UB) makes the
 * exit status non-zero and therefore fails the test that stops it.
 */
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'test-output');
const BIN = path.resolve(ROOT, process.env.ALCOVE_BIN || 'build/asan/alcove');
const ENGINE = process.env.ALCOVE_TEST_ENGINE || 'sqlite';
const PG = process.env.ALCOVE_TEST_PG || '';
const OWNER_EMAIL = 'owner@example.test';

let serial = 0;

if (ENGINE !== 'sqlite' && ENGINE !== 'postgres')
	throw new Error(`ALCOVE_TEST_ENGINE must be sqlite or postgres, not "${ENGINE}"`);

/* Sanitizer settings for every child, unless the caller (tests/run) chose. */
function childEnv(extra) {
	const env = { ...process.env };
	if (!env.ASAN_OPTIONS)
		env.ASAN_OPTIONS = 'detect_leaks=1:abort_on_error=1';
	if (!env.UBSAN_OPTIONS)
		env.UBSAN_OPTIONS = 'print_stacktrace=1:halt_on_error=1';
	const supp = path.join(ROOT, 'tests', 'lsan.supp');
	if (!env.LSAN_OPTIONS && fs.existsSync(supp))
		env.LSAN_OPTIONS = `suppressions=${supp}:print_suppressions=0`;
	// Config overrides from the outer environment must not leak into tests.
	for (const k of Object.keys(env))
		if (/^ALCOVE_(SERVER|DATABASE|LOG|KEYS|JOBS)_/.test(k))
			delete env[k];
	return { ...env, ...(extra || {}) };
}

function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

function logDir() {
	const d = path.join(OUT, 'logs', ENGINE);
	fs.mkdirSync(d, { recursive: true });
	return d;
}

/*
 * Runs `alcove ARGS...`; resolves {code, signal, stdout, stderr}.
 * input: string written to stdin (then closed); without it stdin is
 * /dev/null, which is "not a terminal".
 */
function runCli(args, opts = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(BIN, args, {
			env: childEnv(opts.env),
			stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
		});
		let stdout = '', stderr = '';
		child.stdout.on('data', (d) => { stdout += d; });
		child.stderr.on('data', (d) => { stderr += d; });
		const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout || 60000);
		child.on('error', (e) => { clearTimeout(timer); reject(e); });
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, stdout, stderr });
		});
		if (opts.input !== undefined) {
			child.stdin.on('error', () => {}); // the CLI may exit before reading
			child.stdin.end(opts.input);
		}
	});
}

function psql(conninfo, sql) {
	return new Promise((resolve, reject) => {
		const child = spawn('psql', [conninfo, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql],
			{ stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '', err = '';
		child.stdout.on('data', (d) => { out += d; });
		child.stderr.on('data', (d) => { err += d; });
		child.on('error', reject);
		child.on('close', (code) => code === 0 ? resolve(out)
			: reject(new Error(`psql failed (${code}): ${err.trim()}`)));
	});
}

/* The libpq keyword/value conninfo of ALCOVE_TEST_PG with another dbname. */
function conninfoFor(dbname) {
	if (!PG)
		throw new Error('ALCOVE_TEST_PG is not set (needed for ALCOVE_TEST_ENGINE=postgres)');
	if (/^postgres(ql)?:\/\//.test(PG))
		throw new Error('ALCOVE_TEST_PG must be a keyword=value conninfo, not a URI');
	return `${PG.replace(/(^|\s)dbname=\S+/g, '').trim()} dbname=${dbname}`;
}

function randomPassword() {
	/* No word that a test uses as a name, e-mail or practice name: the
	 * password policy refuses passwords containing those.  Digits only
	 * around the fixed word: hex would spell test names such as "Ada" or
	 * "Dee" now and then (about 1 in 200 passwords) and fail at random. */
	const digits = BigInt('0x' + crypto.randomBytes(12).toString('hex')).toString(10);
	return `Pw-${digits}-horse`;
}

/*
 * Creates an initialised data directory with `alcove init`:
 *   opts.initArgs  extra init arguments
 *   opts.password  owner password (default: random, given on stdin)
 *   opts.noPassword  do not pass --password-stdin (init generates one)
 * Returns an instance {parent, dir, password, engine, dbName, conninfo,
 * init: {code, stdout, stderr}, cleanup()}.  The master key goes to its
 * default place, DIR-master.key beside DIR, inside the private parent.
 */
async function createInstance(opts = {}) {
	const tmpRoot = process.env.ALCOVE_TEST_TMP || os.tmpdir();
	const parent = await fsp.mkdtemp(path.join(tmpRoot, 'alcove-test-'));
	const dir = path.join(parent, 'data');
	const inst = { parent, dir, engine: ENGINE, dbName: null, conninfo: null };
	inst.cleanup = async () => {
		if (inst.dbName)
			await psql(PG, `DROP DATABASE IF EXISTS ${inst.dbName} WITH (FORCE)`).catch(() => {});
		await fsp.rm(parent, { recursive: true, force: true });
	};
	const args = ['init', '--data', dir, '--practice', 'Test Practice',
		'--owner-email', OWNER_EMAIL];
	if (ENGINE === 'postgres') {
		const name = `alcove_http_${crypto.randomBytes(6).toString('hex')}`;
		await psql(PG, `CREATE DATABASE ${name}`).catch(async (e) => {
			await inst.cleanup();
			throw e;
		});
		inst.dbName = name;
		inst.conninfo = conninfoFor(inst.dbName);
		args.push('--engine', 'postgres', '--pg-conninfo', inst.conninfo);
	}
	args.push(...(opts.initArgs || []));
	let input;
	if (!opts.noPassword) {
		inst.password = opts.password || randomPassword();
		args.push('--password-stdin');
		input = inst.password + '\n';
	}
	try {
		inst.init = await runCli(args, { input, env: opts.env });
	} catch (e) {
		await inst.cleanup();
		throw e;
	}
	if (inst.init.code !== 0 && !opts.allowFailure) {
		await inst.cleanup();
		throw new Error(`alcove init exited ${inst.init.code}: ${inst.init.stderr.trim()}`);
	}
	return inst;
}

/* Parses one logfmt line into an object (later duplicate keys win). */
function parseLogfmt(line) {
	const out = {};
	const re = /([A-Za-z0-9_.-]+)=("((?:[^"\\]|\\.)*)"|\S*)/g;
	let m;
	while ((m = re.exec(line)) !== null)
		out[m[1]] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2];
	return out;
}

/*
 * Starts `alcove serve --data DIR --port 0` on a fresh instance (or
 * opts.instance) with opts.env as extra environment (config overrides).
 * Resolves once the server logged msg="listening"; rejects with the log
 * if it exits first or does not listen within 60 s.
 */
async function startServer(opts = {}) {
	const inst = opts.instance || await createInstance(opts);
	const name = opts.name || `server-${process.pid}-${++serial}`;
	const logPath = path.join(logDir(), `${name}.log`);
	const logStream = fs.createWriteStream(logPath);
	const args = ['serve', '--data', inst.dir, '--port', '0', ...(opts.serveArgs || [])];
	const child = spawn(BIN, args, {
		env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'],
	});
	const srv = {
		instance: inst, proc: child, logPath, dir: inst.dir, password: inst.password,
		ca: null, port: 0, url: null, exited: false, exitCode: null, exitSignal: null,
		stderr: '', stdout: '',
	};
	srv.exit = new Promise((resolve) => {
		child.on('error', (e) => { // e.g. EACCES: no exit event follows
			srv.stderr += `spawn ${BIN}: ${e.message}\n`;
			srv.exited = true;
			srv.exitCode = -1;
			resolve({ code: -1, signal: null });
		});
		child.on('exit', (code, signal) => {
			srv.exited = true;
			srv.exitCode = code;
			srv.exitSignal = signal;
			resolve({ code, signal });
		});
	});
	child.stdout.on('data', (d) => { srv.stdout += d; logStream.write(d); });
	child.stderr.on('data', (d) => { srv.stderr += d; logStream.write(d); });
	child.on('close', () => logStream.end());

	const deadline = Date.now() + 60000;
	let m = null;
	while (!m) {
		for (const line of srv.stderr.split('\n'))
			if (/\bmsg=("listening"|listening\b)/.test(line) && (m = /\bport=(\d+)/.exec(line)))
				break;
		if (m)
			break;
		if (srv.exited || Date.now() > deadline) {
			if (!srv.exited)
				child.kill('SIGKILL');
			await srv.exit;
			await inst.cleanup();
			throw new Error(`alcove serve did not start (exit ${srv.exitCode}, signal ` +
				`${srv.exitSignal}); log ${logPath}:\n${srv.stderr.slice(-4000)}`);
		}
		await sleep(25);
	}
	srv.port = Number(m[1]);
	srv.url = `https://127.0.0.1:${srv.port}`;
	srv.ca = await fsp.readFile(path.join(inst.dir, 'tls', 'cert.pem'));
	srv.agent = new https.Agent({ ca: srv.ca, keepAlive: false, maxSockets: 64 });

	srv.request = (p, o) => request(srv, p, o);
	srv.raw = (text, o) => rawRequest(srv, text, o);
	srv.tlsConnect = (o) => tlsConnect(srv, o);
	srv.logLines = () => srv.stderr.split('\n').filter(Boolean);
	srv.waitForLog = (pred, ms) => waitForLog(srv, pred, ms);

	/*
	 * Sends o.signal (default SIGTERM; null: none, already sent) and asserts
	 * a clean exit (code 0, no signal) and msg="stopped" in the log.
	 */
	srv.stop = async (o = {}) => {
		const sig = o.signal === undefined ? 'SIGTERM' : o.signal;
		if (!srv.exited && sig)
			child.kill(sig);
		const timer = setTimeout(() => child.kill('SIGKILL'), o.timeout || 30000);
		const { code, signal } = await srv.exit;
		clearTimeout(timer);
		srv.agent.destroy();
		await inst.cleanup();
		const tail = srv.stderr.slice(-6000);
		assert.equal(signal, null, `alcove serve was killed by ${signal}; log ${logPath}:\n${tail}`);
		assert.equal(code, 0, `alcove serve exited ${code}; log ${logPath}:\n${tail}`);
		assert.match(srv.stderr, /\bmsg=("stopped"|stopped\b)/,
			`no msg="stopped" in the log ${logPath}`);
	};
	/* For after() hooks: make sure nothing is left running, no assertions. */
	srv.kill = async () => {
		if (!srv.exited) {
			child.kill('SIGKILL');
			await srv.exit;
			await inst.cleanup();
		}
	};
	return srv;
}

async function waitForLog(srv, pred, ms = 3000) {
	const deadline = Date.now() + ms;
	for (;;) {
		const hit = srv.logLines().find(pred);
		if (hit || Date.now() > deadline)
			return hit;
		await sleep(20);
	}
}

/*
 * One HTTPS request on a fresh, verified connection.  Resolves
 * {status, headers, body (string), ms}.  opts: method, headers, body.
 */
function request(srv, p, opts = {}) {
	return new Promise((resolve, reject) => {
		const t0 = process.hrtime.bigint();
		const req = https.request({
			host: '127.0.0.1', port: srv.port, path: p, method: opts.method || 'GET',
			headers: opts.headers || {}, agent: srv.agent, ca: srv.ca,
			localAddress: opts.localAddress,
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({
				status: res.statusCode, headers: res.headers,
				body: Buffer.concat(chunks).toString('utf8'),
				ms: Number(process.hrtime.bigint() - t0) / 1e6,
			}));
			res.on('error', reject);
		});
		req.setTimeout(opts.timeout || 15000, () => req.destroy(new Error(`request ${p} timed out`)));
		req.on('error', reject);
		req.end(opts.body);
	});
}

/* A verified TLS socket to the server (resolves once the handshake is done). */
function tlsConnect(srv, opts = {}) {
	return new Promise((resolve, reject) => {
		const s = tls.connect({ host: '127.0.0.1', port: srv.port, ca: srv.ca, ...opts },
			() => resolve(s));
		s.once('error', reject);
	});
}

/*
 * Writes raw bytes over TLS and collects everything until the server
 * closes the connection (or opts.timeout ms pass).  Resolves {raw, status,
 * headers, body, closed, error}; status is null when no HTTP response came.
 */
async function rawRequest(srv, text, opts = {}) {
	const s = await tlsConnect(srv);
	return collect(s, text, opts.timeout || 10000);
}

function collect(s, text, timeout) {
	return new Promise((resolve) => {
		const chunks = [];
		let error = null, done = false;
		const finish = (closed) => {
			if (done)
				return;
			done = true;
			clearTimeout(timer);
			s.destroy();
			resolve({ ...parseResponse(Buffer.concat(chunks)), closed, error });
		};
		const timer = setTimeout(() => finish(false), timeout);
		s.on('data', (c) => chunks.push(c));
		s.on('error', (e) => { error = e; });
		s.on('close', () => finish(true));
		s.on('end', () => finish(true));
		if (text !== undefined && text !== null)
			s.write(text);
	});
}

/* Splits a raw HTTP/1.1 response: status, lower-cased headers, body. */
function parseResponse(raw) {
	const sep = raw.indexOf('\r\n\r\n');
	const head = (sep >= 0 ? raw.subarray(0, sep) : raw).toString('latin1');
	const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
	const headers = {};
	if (m)
		for (const line of head.split('\r\n').slice(1)) {
			const i = line.indexOf(':');
			if (i > 0)
				headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
		}
	return {
		raw, status: m ? Number(m[1]) : null, headers,
		body: sep >= 0 ? raw.subarray(sep + 4) : Buffer.alloc(0),
	};
}

/* A TCP port that was free a moment ago (for redirect_port). */
function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

/*
 * The headers every response must carry (DESIGN.md section 4).  page:
 * also require Cache-Control: no-store.
 */
function assertSecurityHeaders(res, what, opts = {}) {
	const h = res.headers;
	const hsts = h['strict-transport-security'] || '';
	const age = /max-age=(\d+)/i.exec(hsts);
	assert.ok(age && Number(age[1]) >= 31536000, `${what}: HSTS max-age >= 31536000, got "${hsts}"`);
	assert.match(hsts, /includeSubDomains/i, `${what}: HSTS includeSubDomains`);

	const csp = h['content-security-policy'] || '';
	assert.ok(csp, `${what}: Content-Security-Policy present`);
	assert.doesNotMatch(csp, /unsafe-inline/, `${what}: no 'unsafe-inline' in CSP "${csp}"`);
	const dir = {};
	for (const part of csp.split(';')) {
		const [k, ...v] = part.trim().split(/\s+/);
		if (k)
			dir[k.toLowerCase()] = v;
	}
	const def = (dir['default-src'] || []).join(' ');
	assert.ok(def === "'none'" || def === "'self'", `${what}: default-src 'none' or 'self', got "${def}"`);
	assert.ok((dir['script-src'] || []).includes("'self'"), `${what}: script-src 'self' in "${csp}"`);
	assert.ok((dir['style-src'] || []).includes("'self'"), `${what}: style-src 'self' in "${csp}"`);
	assert.deepEqual(dir['frame-ancestors'], ["'none'"], `${what}: frame-ancestors 'none' in "${csp}"`);

	assert.equal(h['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
	assert.equal(h['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
	assert.equal((h['x-frame-options'] || '').toUpperCase(), 'DENY', `${what}: X-Frame-Options`);
	assert.match(h['x-request-id'] || '', /^[0-9a-f]{16,}$/i, `${what}: X-Request-Id 16+ hex`);
	if (opts.page)
		assert.match(h['cache-control'] || '', /no-store/, `${what}: Cache-Control no-store`);
}

module.exports = {
	ROOT, OUT, BIN, ENGINE, OWNER_EMAIL,
	runCli, psql, conninfoFor, createInstance, startServer, parseLogfmt,
	parseResponse, collect, freePort, assertSecurityHeaders, sleep, childEnv,
	randomPassword,
};
