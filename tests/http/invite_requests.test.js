'use strict';
/*
 * Invitation requests (issue #4: "the invitation records who requested
 * it, who approved it and the initial roles"): an administrator asks, an
 * owner approves or declines on /staff, and the set-password e-mail
 * (received by a local SMTP sink, python3-aiosmtpd) goes out only after
 * approval.  An owner who is the only owner invites in one step; with a
 * second owner, their own request waits for the other.  A person who
 * already has an account in another practice is added, not re-invited.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');
const { startSink } = require('./smtp');

const one = async (srv, q) => (await sql(srv, q)).trim();

describe(`invitation requests (${lib.ENGINE})`, () => {
	let srv, sink, owner, ada, ownerId, adaId;

	const idOf = async (email) => Number(await one(srv, `SELECT id FROM users WHERE email = '${email}'`));
	const request = (c, name, email, extra = {}) => c.post('/staff', '/staff',
		{ name, email, role_clinician: '1', reason: 'new therapist starting Monday', ...extra });
	const reqId = async (email) => Number(await one(srv, `SELECT id FROM invite_requests WHERE email = '${email}'`));
	const mailsTo = (email) => sink.all().filter((m) => m.to === `<${email}>`);

	before(async () => {
		sink = await startSink();
		srv = await lib.startServer({
			name: 'invite_requests',
			env: {
				ALCOVE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
				ALCOVE_SMTP_FROM: 'Alcove <alcove@example.test>',
				ALCOVE_SMTP_STARTTLS: 'false',
				ALCOVE_SERVER_PUBLIC_URL: 'https://alcove.example.test',
				ALCOVE_JOBS_POLL_INTERVAL_MS: '100',
			},
		});
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		ada = client(srv);
		await ada.signIn('ada@example.test', await addUser(srv, 'ada@example.test', 'Ada Admin', 'admin'));
		ownerId = await idOf(lib.OWNER_EMAIL);
		adaId = await idOf('ada@example.test');
	});
	after(async () => {
		if (srv)
			await srv.stop();
		if (sink)
			await sink.stop();
	});

	test('an administrator\'s request waits for an owner, and no e-mail leaves', async () => {
		const res = await request(ada, 'Robin Reyes', 'robin@example.test');
		assert.equal(res.status, 303, res.body);
		assert.equal(res.headers.location, '/staff?done=requested');
		const page = await ada.req(res.headers.location);
		assert.match(page.body, /Request sent: the invitation goes out when an owner approves it\./);
		assert.match(page.body, /Robin Reyes \(robin@example\.test\)/);
		assert.match(page.body, /Roles: Clinician\. Why: new therapist starting Monday\. Asked by Ada Admin/);
		assert.match(page.body, /Waiting for an owner\./);
		assert.doesNotMatch(page.body, />Approve<span class="visually-hidden"> the request for Robin Reyes</, 'an administrator cannot approve');
		assert.equal(await one(srv, "SELECT count(*) FROM users WHERE email = 'robin@example.test'"), '0');
		assert.equal(await one(srv, "SELECT requested_by || '|' || status || '|' || roles FROM invite_requests " +
			"WHERE email = 'robin@example.test'"), `${adaId}|pending|clinician`);
		assert.equal(await one(srv, "SELECT actor_user_id || '|' || reason FROM audit_events WHERE verb = 'CREATE' " +
			`AND object_type = 'invite_request' AND object_id = '${await reqId('robin@example.test')}'`),
		`${adaId}|new therapist starting Monday`);
		await lib.sleep(1500);
		assert.deepEqual(mailsTo('robin@example.test'), [], 'no e-mail before approval');
		const again = await request(ada, 'Robin R', 'Robin@Example.test');
		assert.equal(again.status, 409);
		assert.match(again.body, /already waiting for an owner&#39;s approval|already waiting for an owner's approval/);
		assert.match(again.body, /value="Robin R"/, 'what was typed is kept');
	});

	test('declining needs a reason, and the request stays', async () => {
		const id = await reqId('robin@example.test');
		const res = await owner.post('/staff', `/staff/requests/${id}/decline`, { note: '' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Say why the request is declined/);
		assert.match(res.body, />Approve<span class="visually-hidden"> the request for Robin Reyes</);
		assert.equal(await one(srv, `SELECT status FROM invite_requests WHERE id = ${id}`), 'pending');
		const hv = new HtmlValidate({ extends: ['html-validate:recommended'] });
		for (const [name, body] of [['decline-error', res.body], ['pending', (await owner.req('/staff')).body],
			['pending-admin', (await ada.req('/staff')).body]]) {
			const report = await hv.validateString(body, `${name}.html`);
			assert.ok(report.valid, `html-validate ${name}:\n${report.results.flatMap((r) =>
				r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`)).join('\n')}`);
		}
	});

	test('an owner approves: the account is created and the invitation e-mail goes out', async () => {
		const id = await reqId('robin@example.test');
		const res = await owner.post('/staff', `/staff/requests/${id}/approve`);
		assert.equal(res.status, 303, res.body);
		const uid = await idOf('robin@example.test');
		assert.equal(res.headers.location, `/staff/${uid}?done=invited`);
		const mail = await sink.next();
		assert.equal(mail.to, '<robin@example.test>');
		assert.match(mail.subject, /You are invited to Alcove/);
		assert.match(mail.text, /\/password\/reset\?token=/);
		assert.equal(await one(srv, `SELECT status || '|' || decided_by || '|' || user_id FROM invite_requests ` +
			`WHERE id = ${id}`), `approved|${ownerId}|${uid}`);
		assert.equal(await one(srv, `SELECT changed_by || '|' || reason FROM role_changes WHERE user_id = ${uid}`),
			`${ownerId}|new therapist starting Monday`);
		assert.equal(await one(srv, "SELECT actor_user_id FROM audit_events WHERE verb = 'USER_CHANGE' AND " +
			`object_type = 'invite_request' AND object_id = '${id}'`), String(ownerId));
		const twice = await owner.post('/staff', `/staff/requests/${id}/approve`);
		assert.equal(twice.status, 409);
		assert.match(twice.body, /This request was already decided\./);
		assert.equal((await owner.post('/staff', '/staff/requests/999999/approve')).status, 404);
	});

	test('an owner declines with a reason: nobody is invited', async () => {
		assert.equal((await request(ada, 'Sam Smith', 'sam@example.test')).status, 303);
		const id = await reqId('sam@example.test');
		const res = await owner.post('/staff', `/staff/requests/${id}/decline`, { note: 'Position filled' });
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/staff?done=declined');
		assert.match((await owner.req(res.headers.location)).body, /No invitation is waiting\./);
		assert.equal(await one(srv, `SELECT status || '|' || decided_by || '|' || decision_note FROM invite_requests ` +
			`WHERE id = ${id}`), `declined|${ownerId}|Position filled`);
		assert.equal(await one(srv, "SELECT count(*) FROM users WHERE email = 'sam@example.test'"), '0');
		await lib.sleep(1000);
		assert.deepEqual(mailsTo('sam@example.test'), []);
	});

	test('the only owner invites in one step, as requester and approver', async () => {
		const res = await request(owner, 'Uma Ueda', 'uma@example.test');
		assert.equal(res.status, 303, res.body);
		const uid = await idOf('uma@example.test');
		assert.equal(res.headers.location, `/staff/${uid}?done=invited`);
		assert.equal((await sink.next()).to, '<uma@example.test>');
		assert.equal(await one(srv, "SELECT requested_by || '|' || decided_by || '|' || status FROM invite_requests " +
			"WHERE email = 'uma@example.test'"), `${ownerId}|${ownerId}|approved`);
	});

	test('with a second owner, an owner\'s own request waits for the other; an existing account is added', async () => {
		const olive = client(srv);
		await olive.signIn('olive@example.test', await addUser(srv, 'olive@example.test', 'Olive Owner', 'owner'));
		const res = await request(owner, 'Tess Tran', 'tess@example.test');
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/staff?done=requested-owner');
		const id = await reqId('tess@example.test');
		const own = await owner.post('/staff', `/staff/requests/${id}/approve`);
		assert.equal(own.status, 403);
		assert.match(own.body, /You asked for this invitation: another owner approves it\./);
		await lib.sleep(1000);
		assert.deepEqual(mailsTo('tess@example.test'), []);
		const ok = await olive.post('/staff', `/staff/requests/${id}/approve`);
		assert.equal(ok.status, 303);
		assert.equal((await sink.next()).to, '<tess@example.test>');

		/* Someone with an account in another practice keeps their password. */
		const pw = lib.randomPassword();
		const add = await lib.runCli(['practice', 'add', '--data', srv.instance.dir, '--name', 'Elsewhere Counseling',
			'--owner-email', 'bea@example.test', '--password-stdin'], { input: pw + '\n' });
		assert.equal(add.code, 0, add.stderr);
		assert.equal((await request(olive, 'Bea Both', 'bea@example.test')).status, 303);
		const added = await owner.post('/staff', `/staff/requests/${await reqId('bea@example.test')}/approve`);
		assert.equal(added.status, 303);
		const bea = await idOf('bea@example.test');
		assert.equal(added.headers.location, `/staff/${bea}?done=added`);
		const mail = await sink.next();
		assert.equal(mail.to, '<bea@example.test>');
		assert.equal(mail.subject, 'You were added to Test Practice in Alcove');
		assert.doesNotMatch(mail.text, /token=/, 'no set-password link');
		assert.equal(await one(srv, `SELECT count(DISTINCT practice_id) FROM memberships WHERE user_id = ${bea}`), '2');
		const c = client(srv);
		assert.equal((await c.login('bea@example.test', pw)).status, 303, 'the same password still works');
	});
});
