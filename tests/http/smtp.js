'use strict';
/*
 * The SMTP sink for tests that read the e-mail Alcove sends: Debian's
 * aiosmtpd, storing each message as a file in a Maildir.
 */
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const lib = require('./lib');

/* The SMTP sink: aiosmtpd storing each message as a file in dir/new. */
async function startSink() {
	const parent = await fsp.mkdtemp(path.join(process.env.ALCOVE_TEST_TMP || os.tmpdir(), 'alcove-smtp-'));
	const dir = path.join(parent, 'maildir'); /* created by aiosmtpd */
	const port = await lib.freePort();
	const proc = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
		'-c', 'aiosmtpd.handlers.Mailbox', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
	let stderr = '';
	proc.stderr.on('data', (d) => { stderr += d; });
	const deadline = Date.now() + 15000;
	for (;;) {
		const ok = await new Promise((resolve) => {
			const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
			s.on('error', () => resolve(false));
		});
		if (ok)
			break;
		if (Date.now() > deadline || proc.exitCode !== null)
			throw new Error(`aiosmtpd did not start: ${stderr}`);
		await lib.sleep(50);
	}
	const sink = { port, dir, proc, seen: new Set() };
	/* Every message so far: {file, to, subject, text (decoded body)}. */
	sink.all = () => {
		const d = path.join(dir, 'new');
		if (!fs.existsSync(d))
			return [];
		return fs.readdirSync(d).sort().map((f) => parseMail(f, fs.readFileSync(path.join(d, f))));
	};
	/* Waits for the next message not returned before. */
	sink.next = async (ms = 20000) => {
		const end = Date.now() + ms;
		for (;;) {
			const m = sink.all().find((x) => !sink.seen.has(x.file));
			if (m) {
				sink.seen.add(m.file);
				return m;
			}
			if (Date.now() > end)
				throw new Error('no e-mail arrived');
			await lib.sleep(50);
		}
	};
	sink.stop = async () => {
		proc.kill('SIGTERM');
		await fsp.rm(parent, { recursive: true, force: true });
	};
	return sink;
}

/* Headers and quoted-printable body of a stored message. */
function parseMail(file, raw) {
	const text = raw.toString('latin1').replace(/\r\n/g, '\n');
	const sep = text.indexOf('\n\n');
	const head = text.slice(0, sep), body = text.slice(sep + 2);
	const h = {};
	for (const line of head.split('\n')) {
		const i = line.indexOf(':');
		if (i > 0)
			h[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
	}
	const bytes = body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g,
		(_, x) => String.fromCharCode(parseInt(x, 16)));
	return { file, headers: h, raw: text, to: h.to, subject: h.subject,
		text: Buffer.from(bytes, 'latin1').toString('utf8') };
}

module.exports = { startSink, parseMail };
