'use strict';
/*
 * `alcove gen` and `alcove demo` (issue #9, and #7's demo data): the fake
 * practice a benchmark or a visitor signs in to.  What is checked is what
 * they would see: the printed logins work, the clinician's patient list
 * shows decrypted names, the same seed gives the same chart numbers and
 * names on two installations (and another seed other names), the audit
 * chain verifies, the demo calendar has this week's appointments, and
 * usage errors exit 2.  Uses the tiny scale so each run takes seconds.
 */
const assert = require('node:assert/strict');
const { describe, test, after } = require('node:test');
const lib = require('./lib');
const { client } = require('./client');

const PW = 'staff-password-for-gen-tests';

/* The staff lines `alcove gen` prints: [{email, role}]. */
function logins(stdout) {
	return [...stdout.matchAll(/^ {2}(\S+@\S+)\s+.+?\s+(\S+)$/gm)].map((m) => ({ email: m[1], role: m[2] }));
}

/* Chart number, name and birth date of every row of a patient table. */
function patientRows(body) {
	return [...body.matchAll(/<td>(P-\d+)<\/td>\s*<td><a href="[^"]+">([^<]+)<\/a>.*?<\/td>\s*<td>([^<]*)<\/td>/gs)]
		.map((m) => [m[1], m[2], m[3]]);
}

describe(`alcove gen and demo (${lib.ENGINE})`, () => {
	const servers = [];
	const instances = [];
	after(async () => {
		for (const s of servers) await s.kill();
		for (const i of instances) await i.cleanup();
	});

	/* A generated installation, served; resolves {srv, out}. */
	async function generated(args) {
		const inst = await lib.createInstance();
		instances.push(inst);
		const out = await lib.runCli(['gen', '--data', inst.dir, '--password', PW, '--quiet', ...args]);
		assert.equal(out.code, 0, `alcove gen ${args.join(' ')}: ${out.stderr}`);
		const srv = await lib.startServer({ instance: inst });
		servers.push(srv);
		return { srv, out, inst };
	}

	async function myPatients(srv, email) {
		const c = client(srv);
		await c.signIn(email, PW);
		const res = await c.req('/patients');
		assert.equal(res.status, 200, `/patients for ${email}`);
		return { c, rows: patientRows(res.body) };
	}

	test('usage errors exit 2; a directory without alcove init fails with exit 1', async () => {
		const help = await lib.runCli(['gen', '--help']);
		assert.equal(help.code, 0);
		assert.match(help.stdout, /usage: alcove gen/);
		assert.equal((await lib.runCli(['demo', '--help'])).code, 0);
		for (const args of [['gen'], ['gen', '--scale', 'huge'], ['gen', '--scale', 'tiny', '--patients', 'many'],
			['gen', '--scale', 'tiny', '--bogus'], ['demo', '--scale', 'tiny']]) {
			const r = await lib.runCli(args);
			assert.equal(r.code, 2, `alcove ${args.join(' ')}: exit 2, got ${r.code} ${r.stderr}`);
			assert.match(r.stderr, /^alcove: /m);
		}
		const r = await lib.runCli(['gen', '--data', '/nonexistent/alcove-gen', '--scale', 'tiny']);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /^alcove: /m);
	});

	test('the same seed gives the same patients; another seed other ones; the chain verifies', async () => {
		const a = await generated(['--scale', 'tiny', '--seed', '42', '--patients', '16']);
		const b = await generated(['--scale', 'tiny', '--seed', '42', '--patients', '16']);
		const other = await generated(['--scale', 'tiny', '--seed', '43', '--patients', '16']);
		const staff = logins(a.out.stdout);
		assert.deepEqual(staff.map((s) => s.role), ['clinician', 'clinician', 'front_desk', 'billing']);
		assert.deepEqual(logins(b.out.stdout), staff, 'the same staff from the same seed');
		assert.match(a.out.stdout, /Generated in [\d.]+ s: 4 staff, 16 patients/);
		assert.match(a.out.stdout, /Database size: [\d.]+ MB/);

		const pa = await myPatients(a.srv, staff[0].email);
		const pb = await myPatients(b.srv, staff[0].email);
		const po = await myPatients(other.srv, staff[0].email);
		assert.equal(pa.rows.length, 8, 'clinician 1 has every other patient on the care team');
		for (const [chart, name, dob] of pa.rows) {
			assert.match(chart, /^P-0000\d\d$/);
			assert.match(name, /^[A-Z][a-z]+( [A-Z][a-z]+)? [A-Z][A-Za-z]+$/, `a decrypted name: ${name}`);
			assert.match(dob, /^\d{4}-\d\d-\d\d$/);
		}
		assert.deepEqual(pb.rows, pa.rows, 'same seed: same chart numbers, names and birth dates');
		assert.notDeepEqual(po.rows.map((r) => r[1]), pa.rows.map((r) => r[1]), 'another seed: other names');

		const v = await lib.runCli(['audit', 'verify', '--data', a.inst.dir]);
		assert.equal(v.code, 0, v.stdout + v.stderr);
		assert.match(v.stdout, /audit chain OK: \d+ events/);
		const n = Number(/OK: (\d+) events/.exec(v.stdout)[1]);
		assert.ok(n > 100, `patients, care teams, bookings, statuses and views are audited (${n})`);
	});

	test('alcove demo fills a practice whose calendar looks real', async () => {
		const inst = await lib.createInstance();
		instances.push(inst);
		const out = await lib.runCli(['demo', '--data', inst.dir, '--password', PW]);
		assert.equal(out.code, 0, out.stderr);
		const staff = logins(out.stdout);
		assert.equal(staff.filter((s) => s.role === 'clinician').length, 6);
		assert.ok(staff.some((s) => s.role === 'front_desk') && staff.some((s) => s.role === 'billing'));
		assert.match(out.stdout, /150 patients/);
		const srv = await lib.startServer({ instance: inst });
		servers.push(srv);
		const { c, rows } = await myPatients(srv, staff[0].email);
		assert.ok(rows.length >= 20, `a caseload of about 25 (${rows.length})`);
		const week = await c.req('/schedule');
		assert.equal(week.status, 200);
		const names = rows.map((r) => r[1]);
		const shown = names.filter((nm) => week.body.includes(nm));
		assert.ok(shown.length >= 5, `this week's calendar shows the clinician's patients (${shown.length})`);
		const v = await lib.runCli(['audit', 'verify', '--data', inst.dir]);
		assert.equal(v.code, 0, v.stdout + v.stderr);
	});
});
