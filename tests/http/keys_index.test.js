'use strict';
/*
 * Rotating the blind-index (search) key, as an operator and the front desk
 * meet it: `alcove keys rotate --purpose blind_index` killed (SIGKILL, by
 * the test hook ALCOVE_TEST_ROTATE_ABORT_AFTER) in the middle of
 * recomputing the patients' search index leaves some patients indexed
 * under the new key and some under the old; the front desk still finds
 * every one of them by last name, birth date and phone through the real
 * search page; the rotation resumes, finishes, and only then retires the
 * old index key, which no row names any more.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, addUser } = require('./client');

const keys = (srv, args, opts) => lib.runCli(['keys', ...args, '--data', srv.instance.dir], opts);

/* The blind_index rows of `keys status`: [{key, state, fields}]. */
async function indexKeys(srv) {
	const r = await keys(srv, ['status']);
	assert.equal(r.code, 0, r.stderr);
	return r.stdout.split('\n').filter((l) => /^\S+\s+blind_index\s+\d+\s/.test(l)).map((l) => {
		const f = l.trim().split(/\s+/);
		return { key: Number(f[2]), state: f[3], fields: Number(f[5]) };
	});
}

const PEOPLE = ['Zebulon', 'Quillon', 'Marisol', 'Thaddeus', 'Orsolya', 'Ignatius', 'Wilhelmina'].map((n, i) => ({
	first: n, last: `${n}ski-Indexwell`, dob: `19${70 + i}-04-0${i + 1}`, us: `04/0${i + 1}/19${70 + i}`,
	phone: `(555) 41${i}-20${i}${i}`,
}));

describe(`blind-index key rotation (${lib.ENGINE})`, () => {
	let srv, owner, desk;
	const ids = [];

	before(async () => {
		srv = await lib.startServer({ name: 'keys-index' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		desk = client(srv);
		await desk.signIn('desk@example.test', await addUser(srv, 'desk@example.test', 'Dee Desk', 'front_desk'));
		for (const p of PEOPLE) {
			const res = await owner.post('/patients/new', '/patients', {
				legal_first: p.first, legal_last: p.last, dob: p.dob, phone: p.phone, status: 'active',
			});
			assert.equal(res.status, 303, String(res.status));
			ids.push(Number(/\/patients\/(\d+)$/.exec(res.headers.location)[1]));
		}
	});
	after(async () => {
		if (srv) {
			await srv.stop();
			await srv.instance.cleanup();
		}
	});

	/* Every patient found by the front desk by last name, birth date (both
	 * spellings) and phone. */
	async function deskFindsEveryone(when) {
		for (const [i, p] of PEOPLE.entries()) {
			for (const q of [p.last, p.last.split('-')[0].toLowerCase(), p.us, p.dob, p.phone]) {
				const res = await desk.req(`/patients?q=${encodeURIComponent(q)}`);
				assert.equal(res.status, 200, `${when}: ${q}`);
				assert.match(res.body, new RegExp(`href="/patients/${ids[i]}"`), `${when}: ${q}`);
			}
		}
		const none = await desk.req('/patients?q=Nobodyski');
		assert.match(none.body, /No patient matches/);
	}

	test('before: one active index key names every search row', async () => {
		const rows = await indexKeys(srv);
		assert.equal(rows.length, 1);
		assert.equal(rows[0].state, 'active');
		/* per patient: first and last name tokens (3), phone, birth date */
		assert.equal(rows[0].fields, PEOPLE.length * 5);
		await deskFindsEveryone('before');
	});

	test('killed midway, search still finds everyone; resumed, the old key is retired', async () => {
		const [before] = await indexKeys(srv);
		const killed = await keys(srv, ['rotate', '--purpose', 'blind_index', '--no-wait', '--batch', '2'],
			{ env: { ALCOVE_TEST_ROTATE_ABORT_AFTER: '2' } });
		assert.equal(killed.signal, 'SIGKILL', killed.stderr);
		let rows = await indexKeys(srv);
		const old = rows.find((x) => x.key === before.key);
		const fresh = rows.find((x) => x.state === 'active');
		assert.equal(old.state, 'retiring');
		/* two batches of two patients committed, the third lost */
		assert.equal(fresh.fields, 4 * 5);
		assert.equal(old.fields, (PEOPLE.length - 4) * 5);
		await deskFindsEveryone('midway');

		const r = await keys(srv, ['rotate', '--resume', '--no-wait', '--batch', '2']);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /rotation \d+ resumed: 0 fields re-encrypted, 1 key retired/);
		assert.match(r.stderr, /search index: 3 patients re-indexed/);
		rows = await indexKeys(srv);
		assert.equal(rows.find((x) => x.key === before.key).state, 'retired');
		assert.equal(rows.find((x) => x.key === before.key).fields, 0);
		assert.equal(rows.find((x) => x.key === fresh.key).fields, PEOPLE.length * 5);
		await deskFindsEveryone('after');
		/* The records themselves were not touched. */
		const page = await owner.req(`/patients/${ids[6]}`);
		assert.match(page.body, /Wilhelmina Wilhelminaski-Indexwell/);
	});
});
