'use strict';
/*
 * The practice's security settings: the owner changes the idle timeout
 * (new sessions get it, the page's idle warning follows it) and requires
 * two-step sign-in for everyone (a clinician is sent to set it up at the
 * next request); bad input is refused with the input kept; each change is
 * a CONFIG_CHANGE in the audit trail; a clinician gets 403.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

describe(`security settings (${lib.ENGINE})`, () => {
	let srv, owner, clinician, clinicianPw;

	before(async () => {
		srv = await lib.startServer({ name: 'settings' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		clinicianPw = await addUser(srv, 'casey@example.test', 'Casey Lee', 'clinician');
		clinician = client(srv);
		await clinician.signIn('casey@example.test', clinicianPw);
	});
	after(async () => { if (srv) await srv.stop(); });

	test('the page shows the defaults and passes html-validate', async () => {
		const res = await owner.req('/settings');
		assert.equal(res.status, 200);
		assert.match(res.body, /name="idle_minutes"[^>]*value="15"/);
		assert.match(res.body, /name="break_glass_minutes"[^>]*value="60"/);
		assert.doesNotMatch(res.body, /name="mfa_all_staff"[^>]*checked/);
		const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(res.body);
		assert.equal(report.valid, true, JSON.stringify(report.results, null, 1));
		assert.equal((await clinician.req('/settings')).status, 403);
	});

	test('a bad value is refused next to the field, keeping what was typed', async () => {
		for (const v of ['0', '61', 'ten']) {
			const res = await owner.post('/settings', '/settings', { idle_minutes: v, break_glass_minutes: '60', mfa_all_staff: '1' });
			assert.equal(res.status, 422, v);
			assert.match(res.body, /Enter a whole number of minutes from 1 to 60\./);
			assert.match(res.body, new RegExp(`name="idle_minutes"[^>]*value="${v}"`));
			assert.match(res.body, /name="mfa_all_staff"[^>]*checked/, 'the checkbox keeps its state');
		}
		for (const v of ['14', '481', '']) {
			const res = await owner.post('/settings', '/settings', { idle_minutes: '20', break_glass_minutes: v });
			assert.equal(res.status, 422, v);
			assert.match(res.body, /Enter a whole number of minutes from 15 to 480\./);
			assert.match(res.body, /name="idle_minutes"[^>]*value="20"/, 'the other field keeps what was typed');
		}
		assert.equal((await sql(srv, "SELECT count(*) FROM audit_events WHERE verb = 'CONFIG_CHANGE'")).trim(), '0');
	});

	test('a shorter idle time applies to new sessions, and two-step sign-in becomes required for all', async () => {
		const res = await owner.post('/settings', '/settings', { idle_minutes: '5', break_glass_minutes: '90', mfa_all_staff: '1' });
		assert.equal(res.status, 303);
		assert.match((await owner.req(res.headers.location)).body, /The settings are saved\./);
		const ev = await sql(srv, "SELECT detail FROM audit_events WHERE verb = 'CONFIG_CHANGE'");
		assert.match(ev, /"session.idle_minutes":5,"security.mfa_all_staff":true,"patients.break_glass_minutes":90/);
		/* The clinician's live session now needs two-step set-up first. */
		const home = await clinician.req('/home');
		assert.equal(home.status, 303);
		assert.equal(home.headers.location, '/account/mfa');
		/* A new sign-in gets the 5-minute idle time. */
		const again = client(srv);
		await again.signIn('casey@example.test', clinicianPw);
		const page = await again.req('/home');
		assert.equal(page.status, 200);
		assert.match(page.body, /data-idle-seconds="300"/);
	});
});
