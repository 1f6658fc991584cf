'use strict';
/*
 * Staff administration in the browser (issue #4, provisioning and
 * termination): inviting by e-mail (received by a local SMTP sink,
 * Debian's python3-aiosmtpd), setting the password from the link, changing
 * roles, deactivating with the offboarding checklist, and lifting a
 * sign-in lockout, through the real forms over HTTPS.
 */
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const PUBLIC_URL = 'https://alcove.example.test';
const BREACHED = 'This password is in a list of passwords leaked in data breaches.';

const { startSink } = require('./smtp');

const one = async (srv, q) => (await sql(srv, q)).trim();

/* The id of the user with this address. */
const idOf = async (srv, email) => Number(await one(srv, `SELECT id FROM users WHERE email = '${email}'`));

/* "YYYY-MM-DD" and "HH:MM" in zone tz, ms milliseconds ago. */
function localAgo(tz, ms) {
	const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
		timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit',
		hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
	}).formatToParts(new Date(Date.now() - ms)).map((p) => [p.type, p.value]));
	return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

describe(`staff administration (${lib.ENGINE})`, () => {
	let srv, sink, owner, ownerId;

	before(async () => {
		sink = await startSink();
		srv = await lib.startServer({
			name: 'staff_admin',
			env: {
				ALCOVE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
				ALCOVE_SMTP_FROM: 'Alcove <alcove@example.test>',
				ALCOVE_SMTP_STARTTLS: 'false',
				ALCOVE_SERVER_PUBLIC_URL: PUBLIC_URL,
				ALCOVE_JOBS_POLL_INTERVAL_MS: '100',
			},
		});
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		ownerId = await idOf(srv, lib.OWNER_EMAIL);
	});
	after(async () => {
		if (srv)
			await srv.stop();
		if (sink)
			await sink.stop();
	});

	test('the invitation form keeps what was typed and says what is missing', async () => {
		const page = await owner.req('/staff');
		assert.equal(page.status, 200);
		assert.match(page.body, /Add a staff member/);
		assert.match(page.body, /<label for="ir-front_desk">Front desk<\/label>/);
		assert.match(page.body, /No account is locked\./);
		const res = await owner.post('/staff', '/staff', { name: 'Robin <Reyes>', email: 'not-an-address',
			reason: 'new therapist starting Monday' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Nobody was invited yet/);
		assert.match(res.body, /Choose at least one role\./);
		assert.match(res.body, /Enter their e-mail address/);
		assert.match(res.body, /value="Robin &lt;Reyes&gt;"/, 'the name is kept, escaped');
		assert.match(res.body, /value="new therapist starting Monday"/);
		const noReason = await owner.post('/staff', '/staff', { name: 'Robin Reyes', email: 'robin@example.test',
			role_clinician: '1' });
		assert.equal(noReason.status, 422);
		assert.match(noReason.body, /Say why they need access\./);
		assert.match(noReason.body, /id="ir-clinician" name="role_clinician" value="1" checked/);
		assert.equal(await one(srv, "SELECT count(*) FROM users WHERE email = 'robin@example.test'"), '0');
	});

	test('an invitation arrives by e-mail; its link sets a password (breached refused) and they sign in', async () => {
		const res = await owner.post('/staff', '/staff', { name: 'Casey Clinician', email: 'Casey@Example.test',
			role_clinician: '1', reason: 'new therapist starting Monday' });
		assert.equal(res.status, 303, res.body);
		const id = await idOf(srv, 'casey@example.test');
		assert.equal(res.headers.location, `/staff/${id}?done=invited`);
		const page = await owner.req(res.headers.location);
		assert.match(page.body, /Invitation sent\. The link works for 72 hours\./);
		assert.match(page.body, /Invited, has not chosen a password yet/);
		assert.match(page.body, /new therapist starting Monday/, 'the reason is in the role history');
		assert.match(page.body, /<td>\(none\)<\/td><td>clinician<\/td>/);

		/* Who invited them is on record, in role_changes and the audit trail. */
		assert.equal(await one(srv, `SELECT changed_by FROM role_changes WHERE user_id = ${id}`), String(ownerId));
		assert.equal(await one(srv, `SELECT actor_user_id FROM audit_events WHERE verb = 'USER_CHANGE' ` +
			`AND object_id = '${id}' AND detail LIKE '%invitation%'`), String(ownerId));

		const mail = await sink.next();
		assert.equal(mail.to, '<casey@example.test>');
		assert.equal(mail.subject, 'You are invited to Alcove (Test Practice)');
		assert.match(mail.text, /within 72 hours/);
		const m = /(https:\/\/\S+\/password\/reset\?token=([A-Za-z0-9_-]{43}))\n/.exec(mail.text);
		assert.ok(m, `a link in the e-mail:\n${mail.text}`);
		assert.ok(m[1].startsWith(`${PUBLIC_URL}/password/reset?token=`));
		const token = m[2];
		const expires = Number(await one(srv, `SELECT expires_at - created_at FROM password_resets WHERE user_id = ${id}`));
		assert.equal(expires, 72 * 3600 * 1000);

		const casey = client(srv);
		assert.equal((await casey.login('casey@example.test', 'anything at all here')).status, 401,
			'no sign-in before a password is chosen');
		const form = await casey.req(`/password/reset?token=${token}`);
		assert.equal(form.status, 200);
		const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)[1];
		const breached = await casey.req('/password/reset', { form: { csrf, token,
			password: 'PasswordPassword', password2: 'PasswordPassword' } });
		assert.equal(breached.status, 422);
		assert.ok(breached.body.includes(BREACHED));
		const pw = 'violet harbor lantern sixteen';
		const done = await casey.req('/password/reset', { form: { csrf, token, password: pw, password2: pw } });
		assert.equal(done.status, 303);
		const login = await casey.login('casey@example.test', pw);
		assert.equal(login.status, 303);
		assert.equal((await casey.req('/home')).status, 200);

		/* Once they have a password, inviting again is refused. */
		const again = await owner.post(`/staff/${id}`, `/staff/${id}/invite`);
		assert.equal(again.status, 409);
		assert.match(again.body, /already chosen a password/);
	});

	test('changing roles needs a reason, is recorded, and ends their session', async () => {
		const pw = await addUser(srv, 'fran@example.test', 'Fran Frontdesk', 'front_desk');
		const id = await idOf(srv, 'fran@example.test');
		const fran = client(srv);
		await fran.signIn('fran@example.test', pw);
		assert.equal((await fran.req('/home')).status, 200);

		const bad = await owner.post(`/staff/${id}`, `/staff/${id}/roles`, { role_billing: '1', role_front_desk: '1' });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Say why the roles change\./);
		assert.match(bad.body, /id="r-billing" name="role_billing" value="1" checked/, 'the boxes are kept');
		assert.equal((await fran.req('/home')).status, 200, 'nothing changed yet');

		const res = await owner.post(`/staff/${id}`, `/staff/${id}/roles`, { role_billing: '1', role_front_desk: '1',
			reason: 'also does the billing now' });
		assert.equal(res.status, 303);
		const page = await owner.req(res.headers.location);
		assert.match(page.body, /Roles saved/);
		assert.match(page.body, /<td>front_desk<\/td><td>billing,front_desk<\/td><td>[^<]+<\/td><td>also does the billing now<\/td>/);
		const after = await fran.req('/home');
		assert.equal(after.status, 303, 'the session carrying the old roles has ended');
		assert.match(after.headers.location, /^\/login/);
		assert.equal(await one(srv, `SELECT count(*) FROM audit_events WHERE verb = 'PRIV_CHANGE' AND object_id = '${id}' ` +
			`AND actor_user_id = ${ownerId}`), '1');
	});

	test('an owner removes a lost two-step sign-in: reason required, sessions end, set up again next time', async () => {
		const pw = await addUser(srv, 'cora@example.test', 'Cora Compliance', 'compliance');
		const id = await idOf(srv, 'cora@example.test');
		const cora = client(srv);
		assert.ok(await cora.signIn('cora@example.test', pw), 'compliance must set up two-step sign-in');
		assert.equal((await cora.req('/home')).status, 200);
		const page = await owner.req(`/staff/${id}`);
		assert.match(page.body, /<h2 id="mfa-title">Two-step sign-in<\/h2>\s*<p>Set up\./);

		const bad = await owner.post(`/staff/${id}`, `/staff/${id}/mfa-reset`, { mfa_reason: '' });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Say why \(for example: lost phone\), for the record\./);
		assert.equal((await cora.req('/home')).status, 200, 'nothing changed yet');

		const res = await owner.post(`/staff/${id}`, `/staff/${id}/mfa-reset`, { mfa_reason: 'lost phone, called to confirm' });
		assert.equal(res.status, 303);
		const done = await owner.req(res.headers.location);
		assert.match(done.body, /Two-step sign-in removed and their sessions ended/);
		assert.match(done.body, /<h2 id="mfa-title">Two-step sign-in<\/h2>\s*<p>Not set up\./);
		const gone = await cora.req('/home');
		assert.equal(gone.status, 303, 'the session opened with the old factor has ended');
		assert.equal(await one(srv, `SELECT count(*) FROM mfa WHERE user_id = ${id}`), '0');
		assert.equal(await one(srv, `SELECT count(*) FROM mfa_recovery_codes WHERE user_id = ${id}`), '0');
		assert.equal(await one(srv, `SELECT reason FROM audit_events WHERE verb = 'MFA_CHANGE' AND object_id = '${id}' ` +
			`AND actor_user_id = ${ownerId}`), 'lost phone, called to confirm');

		/* Next sign-in: the password, then straight to setting it up again. */
		const again = client(srv);
		const login = await again.login('cora@example.test', pw);
		assert.equal(login.headers.location, '/account/mfa');

		const twice = await owner.post(`/staff/${id}`, `/staff/${id}/mfa-reset`, { mfa_reason: 'again' });
		assert.equal(twice.status, 409);
		assert.match(twice.body, /nothing to reset/);
		const own = await owner.req(`/staff/${ownerId}`);
		assert.doesNotMatch(own.body, /mfa-reset/, 'no reset of one\'s own factor here');
		assert.match(own.body, /your account page/);
	});

	test('deactivating ends sessions, refuses sign-in, shows the delay, and keeps the checklist', async () => {
		const pw = await addUser(srv, 'dana@example.test', 'Dana Departing', 'clinician');
		const id = await idOf(srv, 'dana@example.test');
		const dana = client(srv);
		await dana.signIn('dana@example.test', pw);
		assert.equal((await dana.req('/home')).status, 200);

		const bad = await owner.post(`/staff/${id}`, `/staff/${id}/deactivate`, { ended_date: '2026-02-30',
			ended_time: '17:00', deact_reason: 'moved away' });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Enter the date, such as 2026-03-31\.|Enter the time/);
		assert.match(bad.body, /value="moved away"/);
		const noWhy = await owner.post(`/staff/${id}`, `/staff/${id}/deactivate`, {});
		assert.equal(noWhy.status, 422);
		assert.match(noWhy.body, /Say why the access ends/);
		assert.equal((await dana.req('/home')).status, 200, 'still active after refused forms');

		const tz = await one(srv, 'SELECT timezone FROM practices');
		const { date, time } = localAgo(tz, 90 * 60 * 1000);
		const res = await owner.post(`/staff/${id}`, `/staff/${id}/deactivate`, { ended_date: date, ended_time: time,
			deact_reason: 'moved away' });
		assert.equal(res.status, 303, res.body);
		const page = await owner.req(res.headers.location);
		assert.match(page.body, /Deactivated: their sessions have ended/);
		assert.match(page.body, /access removed 9[01] minutes after employment ended/);
		assert.match(page.body, /more than an hour/);

		const gone = await dana.req('/home');
		assert.equal(gone.status, 303);
		assert.match(gone.headers.location, /^\/login/);
		assert.equal((await client(srv).login('dana@example.test', pw)).status, 401, 'sign-in refused');

		const save = await owner.post(`/staff/${id}`, `/staff/${id}/offboarding`, { devices: '1', shared: '1' });
		assert.equal(save.status, 303);
		const list = await owner.req(save.headers.location);
		assert.match(list.body, /Checklist saved/);
		assert.match(list.body, /id="ob-devices" name="devices" value="1" checked/);
		assert.match(list.body, /id="ob-vendors" name="vendors" value="1">/);
		assert.equal(await one(srv, `SELECT item FROM offboarding_items WHERE user_id = ${id} ORDER BY item`), 'devices\nshared');
		await owner.post(`/staff/${id}`, `/staff/${id}/offboarding`, { shared: '1', vendors: '1' });
		assert.equal(await one(srv, `SELECT item FROM offboarding_items WHERE user_id = ${id} ORDER BY item`), 'shared\nvendors');
		assert.equal(await one(srv, `SELECT detail FROM audit_events WHERE verb = 'USER_CHANGE' AND object_id = '${id}' ` +
			`ORDER BY id DESC LIMIT 1`), '{"offboarding":"vendors,shared"}');
	});

	test('a locked account is listed, and lifting the lock lets the right password in', async () => {
		const pw = await addUser(srv, 'eli@example.test', 'Eli Locked', 'clinician');
		const id = await idOf(srv, 'eli@example.test');
		const eli = client(srv);
		for (let i = 0; i < 5; i++)
			assert.equal((await eli.login('eli@example.test', `wrong guess ${i}`)).status, 401);
		assert.equal((await eli.login('eli@example.test', pw)).status, 429);
		/* Keep it locked for the rest of the test (the first locks are seconds). */
		await sql(srv, `UPDATE auth_throttle SET locked_until = ${Date.now() + 600000} WHERE key = 'acct:eli@example.test'`);

		const staff = await owner.req('/staff');
		assert.match(staff.body, /<td>Eli Locked<\/td>\s*<td>eli@example\.test<\/td>\s*<td>5<\/td>/);
		assert.match(staff.body, new RegExp(`action="/staff/${id}/unlock"`));
		assert.equal((await eli.login('eli@example.test', pw)).status, 429, 'still locked');

		const lift = await owner.post('/staff', `/staff/${id}/unlock`);
		assert.equal(lift.status, 303);
		assert.match((await owner.req(lift.headers.location)).body, /Lock lifted/);
		assert.match((await owner.req('/staff')).body, /No account is locked\./);
		assert.equal(await one(srv, `SELECT actor_user_id || ' ' || detail FROM audit_events WHERE verb = 'USER_CHANGE' ` +
			`AND object_id = '${id}'`), `${ownerId} {"lockout":"lifted"}`);
		assert.equal((await eli.login('eli@example.test', pw)).status, 303);
	});

	test('only an owner hands out the owner role; unknown staff are not found', async () => {
		const pw = await addUser(srv, 'ada@example.test', 'Ada Admin', 'admin');
		const ada = client(srv);
		await ada.signIn('ada@example.test', pw);
		const res = await ada.post('/staff', '/staff', { name: 'Olly Owner', email: 'olly@example.test',
			role_owner: '1', reason: 'wants to be in charge' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Only an owner can make someone an owner\./);
		const adaId = await idOf(srv, 'ada@example.test');
		const self = await ada.post(`/staff/${adaId}`, `/staff/${adaId}/roles`, { role_owner: '1', role_admin: '1',
			reason: 'promotion' });
		assert.equal(self.status, 422);
		assert.match(self.body, /Only an owner can give or take away the owner role\./);
		assert.equal((await owner.req('/staff/999999')).status, 404);
		assert.equal((await owner.req('/staff/abc')).status, 404);
	});

	test('the pages pass html-validate (recommended), also with errors shown', async () => {
		const hv = new HtmlValidate({ extends: ['html-validate:recommended'] });
		const casey = await idOf(srv, 'casey@example.test');
		const dana = await idOf(srv, 'dana@example.test');
		await sql(srv, `INSERT INTO auth_throttle (key, failures, first_at, last_at, locked_until) VALUES ` +
			`('acct:casey@example.test', 9, 0, 0, ${Date.now() + 600000})`);
		const pages = {
			staff: await owner.req('/staff'),
			inviteErrors: await owner.post('/staff', '/staff', { name: '', email: '' }),
			member: await owner.req(`/staff/${casey}`),
			deactivated: await owner.req(`/staff/${dana}`),
			rolesErrors: await owner.post(`/staff/${casey}`, `/staff/${casey}/roles`, {}),
			deactivateErrors: await owner.post(`/staff/${casey}`, `/staff/${casey}/deactivate`, { ended_date: 'x' }),
		};
		assert.match(pages.member.body, /This account is locked/);
		for (const [name, res] of Object.entries(pages)) {
			assert.ok([200, 422].includes(res.status), `${name}: ${res.status}`);
			const report = await hv.validateString(res.body, `${name}.html`);
			assert.ok(report.valid, `html-validate ${name}:\n${report.results.flatMap((r) =>
				r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`)).join('\n')}`);
		}
	});
});
