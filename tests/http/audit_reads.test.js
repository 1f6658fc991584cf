'use strict';
/*
 * Issue #5, "Done when": every route that shows one patient's PHI writes
 * exactly one read event (action R) for that patient, before the page is
 * sent.  The owner opens each such page of a registered patient and the
 * count of that patient's read events must grow by exactly one.  A new
 * PHI route of a patient belongs in ROUTES.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql } = require('./client');

const ROUTES = ['', '/edit', '/measures', '/notes', '/rights', '/disclosures', '/accounting',
	'/accounting.csv'];

describe(`one read event per PHI page (${lib.ENGINE})`, () => {
	let srv, owner, id;

	before(async () => {
		srv = await lib.startServer({ name: 'audit-reads' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const res = await owner.post('/patients/new', '/patients', { legal_first: 'Odalys',
			legal_last: 'Readcount', dob: '1971-04-05', status: 'active' });
		assert.equal(res.status, 303, res.body);
		id = /\/patients\/(\d+)$/.exec(res.headers.location)[1];
	});
	after(async () => { if (srv) await srv.stop(); });

	const reads = async () => Number((await sql(srv,
		`SELECT count(*) FROM audit_events WHERE action = 'R' AND patient_id = ${id}`)).trim());

	for (const r of ROUTES)
		test(`GET /patients/ID${r} writes exactly one read event for the patient`, async () => {
			const before_ = await reads();
			const res = await owner.req(`/patients/${id}${r}`);
			assert.equal(res.status, 200, `GET /patients/${id}${r}`);
			assert.equal(await reads(), before_ + 1, `read events for /patients/ID${r}`);
		});
});
