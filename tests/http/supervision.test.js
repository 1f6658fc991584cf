'use strict';
/*
 * Supervision (issue #4): an owner names a clinician's supervisor on the
 * staff page (only staff holding the supervisor role can be chosen; a
 * reason is required; PRIV_CHANGE records who, why and the change), the
 * staff list shows it, and the supervisor then sees the patients on the
 * supervisee's care team (opened with a VIEW event) while every other
 * clinician's patient still needs break-glass.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const one = async (srv, q) => (await sql(srv, q)).trim();

describe(`supervision (${lib.ENGINE})`, () => {
	let srv, owner, sup, clin, other, desk;
	let supId, clinId, otherId, deskId, mine, theirs;

	const idOf = async (email) => Number(await one(srv, `SELECT id FROM users WHERE email = '${email}'`));
	const register = async (first, last) => {
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: first, legal_last: last, dob: '1980-02-03', status: 'active',
		});
		assert.equal(res.status, 303, res.body);
		return Number(/^\/patients\/(\d+)$/.exec(res.headers.location)[1]);
	};
	const onTeam = async (pat, uid) => {
		const res = await owner.post(`/patients/${pat}`, `/patients/${pat}/care-team`,
			{ user_id: String(uid), role: 'primary' });
		assert.equal(res.status, 303, res.body);
	};
	const setSup = (uid, fields) => owner.post(`/staff/${uid}`, `/staff/${uid}/supervisor`, fields);

	before(async () => {
		srv = await lib.startServer({ name: 'supervision' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const add = async (email, name, role) => {
			const c = client(srv);
			await c.signIn(email, await addUser(srv, email, name, role));
			return c;
		};
		sup = await add('sup@example.test', 'Sasha Supervisor', ['clinician', 'supervisor']);
		clin = await add('assoc@example.test', 'Avery Associate', 'clinician');
		other = await add('other@example.test', 'Olli Other', 'clinician');
		desk = await add('desk@example.test', 'Dee Desk', 'front_desk');
		supId = await idOf('sup@example.test');
		clinId = await idOf('assoc@example.test');
		otherId = await idOf('other@example.test');
		deskId = await idOf('desk@example.test');
		mine = await register('Marisol', 'Assocpatient');
		theirs = await register('Theo', 'Otherpatient');
		await onTeam(mine, clinId);
		await onTeam(theirs, otherId);
	});
	after(async () => { if (srv) await srv.stop(); });

	test('the staff page offers only staff holding the supervisor role, and only for clinicians', async () => {
		const page = await owner.req(`/staff/${clinId}`);
		assert.equal(page.status, 200);
		assert.match(page.body, /<h2 id="sup-title">Supervisor<\/h2>/);
		assert.match(page.body, /No supervisor\./);
		assert.match(page.body, new RegExp(`<option value="${supId}">Sasha Supervisor</option>`));
		assert.match(page.body, /<option value="0" selected>No supervisor<\/option>/);
		assert.doesNotMatch(page.body, /Olli Other<\/option>/, 'a plain clinician cannot supervise');
		assert.doesNotMatch(page.body, /Dee Desk<\/option>/);
		const self = await owner.req(`/staff/${supId}`);
		assert.doesNotMatch(self.body, new RegExp(`<option value="${supId}"`), 'nobody supervises themselves');
		const deskPage = await owner.req(`/staff/${deskId}`);
		assert.doesNotMatch(deskPage.body, /id="sup-title"/, 'front desk has no supervisor');
	});

	test('a bad choice or a missing reason is refused with the message next to the field, keeping what was typed', async () => {
		const noReason = await setSup(clinId, { supervisor_id: String(supId), sup_reason: '' });
		assert.equal(noReason.status, 422);
		assert.match(noReason.body, /Say why the supervisor changes\./);
		assert.match(noReason.body, new RegExp(`<option value="${supId}" selected>`), 'the choice is kept');
		const notSup = await setSup(clinId, { supervisor_id: String(otherId), sup_reason: 'licensure hours' });
		assert.equal(notSup.status, 422);
		assert.match(notSup.body, /Choose someone who holds the supervisor role in this practice\./);
		assert.match(notSup.body, /value="licensure hours"/);
		const deskSup = await setSup(deskId, { supervisor_id: String(supId), sup_reason: 'licensure hours' });
		assert.equal(deskSup.status, 422);
		assert.match(deskSup.body, /Only a clinician can have a supervisor/);
		const none = await setSup(clinId, { supervisor_id: '0', sup_reason: 'tidying up' });
		assert.equal(none.status, 409);
		assert.match(none.body, /They have no supervisor\./);
		const junk = await setSup(clinId, { supervisor_id: 'abc', sup_reason: 'tidying up' });
		assert.equal(junk.status, 422);
		assert.match(junk.body, /Choose a supervisor, or &quot;No supervisor&quot;\./);
		assert.equal(await one(srv, 'SELECT count(*) FROM supervision'), '0');
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE verb = 'PRIV_CHANGE' AND " +
			`object_type = 'user' AND object_id = '${clinId}' AND detail LIKE '{"supervisor"%'`), '0');
	});

	test('before supervision the supervisor is refused the associate\'s patient', async () => {
		assert.equal((await sup.req(`/patients/${mine}`)).status, 403);
		const list = await sup.req('/patients');
		assert.doesNotMatch(list.body, new RegExp(`href="/patients/${mine}"`));
	});

	test('setting a supervisor is recorded with who and why, and shown on the staff page and list', async () => {
		const res = await setSup(clinId, { supervisor_id: String(supId), sup_reason: 'Pre-licensed: supervised for licensure' });
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, `/staff/${clinId}?done=supervisor`);
		const page = await owner.req(res.headers.location);
		assert.match(page.body, /Supervisor saved\./);
		assert.match(page.body, /Supervised by <strong>Sasha Supervisor<\/strong>/);
		assert.match(page.body, new RegExp(`<option value="${supId}" selected>Sasha Supervisor</option>`));
		const list = await owner.req('/staff');
		assert.match(list.body, /<td>Avery Associate<\/td>\s*<td>assoc@example\.test<\/td>\s*<td>[^<]*<\/td>\s*<td>Sasha Supervisor<\/td>/);
		const ownerId = await idOf(lib.OWNER_EMAIL);
		assert.equal(await one(srv, "SELECT actor_user_id || '|' || reason || '|' || detail FROM audit_events " +
			`WHERE verb = 'PRIV_CHANGE' AND object_type = 'user' AND object_id = '${clinId}' AND detail LIKE '{"supervisor"%'`),
		`${ownerId}|Pre-licensed: supervised for licensure|{"supervisor":${supId},"before":null}`);
		const again = await setSup(clinId, { supervisor_id: String(supId), sup_reason: 'again' });
		assert.equal(again.status, 409);
		assert.match(again.body, /That is already their supervisor\./);
	});

	test('the supervisor opens the associate\'s patient (audited), but another clinician\'s still needs break-glass', async () => {
		const page = await sup.req(`/patients/${mine}`);
		assert.equal(page.status, 200);
		assert.match(page.body, /Marisol/);
		assert.match(await one(srv, `SELECT verb || '|' || coalesce(detail, '') FROM audit_events WHERE patient_id = ${mine} ` +
			`AND actor_user_id = ${supId} ORDER BY seq DESC LIMIT 1`), /^VIEW\|\{"access":"clinical"\}$/);
		const list = await sup.req('/patients');
		assert.match(list.body, new RegExp(`href="/patients/${mine}"`), 'in "your patients"');
		assert.doesNotMatch(list.body, new RegExp(`href="/patients/${theirs}"`));
		const denied = await sup.req(`/patients/${theirs}`);
		assert.equal(denied.status, 403);
		assert.match(denied.body, /Emergency access/);
		assert.doesNotMatch(denied.body, /Otherpatient/);
		/* The associate is not given the supervisor's patients. */
		assert.equal((await clin.req(`/patients/${theirs}`)).status, 403);
	});

	test('clearing the supervisor takes the access away at once', async () => {
		const res = await setSup(clinId, { supervisor_id: '0', sup_reason: 'Licensed now' });
		assert.equal(res.status, 303);
		assert.match((await owner.req(`/staff/${clinId}`)).body, /No supervisor\./);
		assert.equal((await sup.req(`/patients/${mine}`)).status, 403);
		assert.equal(await one(srv, "SELECT detail FROM audit_events WHERE verb = 'PRIV_CHANGE' AND " +
			`object_type = 'user' AND object_id = '${clinId}' AND detail LIKE '{"supervisor"%' ORDER BY seq DESC LIMIT 1`),
		`{"supervisor":null,"before":${supId}}`);
		assert.equal((await other.req(`/patients/${theirs}`)).status, 200);
	});
});
