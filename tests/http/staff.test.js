'use strict';
/*
 * Provisioning and termination through `alcove user`, and the access
 * review pages: adding staff with roles, a role change ending the
 * sessions that carried the old roles, deactivation blocking sign-in and
 * ending a live session at once, the last owner protected, the review
 * page and its CSV export, and the permission matrix in plain language.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

describe(`staff and access (${lib.ENGINE})`, () => {
	let srv, owner;

	before(async () => {
		srv = await lib.startServer({ name: 'staff' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
	});
	after(async () => { if (srv) await srv.stop(); });

	const user = (args) => lib.runCli(['user', ...args, '--data', srv.instance.dir]);

	test('a new clinician can sign in and sees their role, but not the staff list', async () => {
		const pw = await addUser(srv, 'casey@example.test', 'Casey Lee', 'clinician');
		const c = client(srv);
		await c.signIn('casey@example.test', pw);
		const home = await c.req('/home');
		assert.equal(home.status, 200);
		assert.match(home.body, /Clinician/);
		assert.doesNotMatch(home.body, /href="\/staff"/, 'no Staff link for a clinician');
		assert.equal((await c.req('/staff')).status, 403);
		for (const [pw, why] of [['1234567890qwertyuiop', /leaked in data breaches/],
			['casey-lee-goes-walking', /contains your name/], ['short one', /at least 15/]]) {
			const r = await lib.runCli(['user', 'add', '--data', srv.instance.dir, '--email', 'casey2@example.test',
				'--name', 'Casey Lee', '--role', 'clinician', '--reason', 'x', '--password-stdin'], { input: pw + '\n' });
			assert.equal(r.code, 1, pw);
			assert.match(r.stderr, why, pw);
		}
		const again = await user(['add', '--email', 'casey@example.test', '--name', 'Casey', '--role',
			'billing', '--reason', 'twice']);
		assert.equal(again.code, 1);
		assert.match(again.stderr, /already a member/);
	});

	test('changing roles ends the sessions that carry the old roles, and is recorded', async () => {
		const pw = await addUser(srv, 'sam@example.test', 'Sam Ortiz', 'front_desk');
		const c = client(srv);
		await c.signIn('sam@example.test', pw);
		assert.equal((await c.req('/home')).status, 200);
		const out = await user(['roles', '--email', 'SAM@example.test', '--role', 'front_desk',
			'--role', 'billing', '--reason', 'covers billing on Fridays']);
		assert.equal(out.code, 0, out.stderr);
		assert.equal((await c.req('/home')).status, 303, 'signed out by the change');
		await c.signIn('sam@example.test', pw);
		assert.match((await c.req('/home')).body, /Billing/);
		const rec = await sql(srv, "SELECT roles_before || '>' || roles_after || '>' || reason FROM role_changes " +
			"WHERE user_id = (SELECT id FROM users WHERE email = 'sam@example.test') ORDER BY id");
		assert.match(rec, /^>front_desk>test fixture\nfront_desk>billing,front_desk>covers billing on Fridays\n$/);
		const ev = await sql(srv, "SELECT verb || '|' || object_type || '|' || reason || '|' || detail FROM audit_events " +
			"WHERE object_id = (SELECT CAST(id AS TEXT) FROM users WHERE email = 'sam@example.test') ORDER BY seq");
		assert.match(ev, /PRIV_CHANGE\|user\|covers billing on Fridays\|\{"roles_before":"front_desk","roles_after":"billing,front_desk"\}/,
			'the change is in the audit trail');
	});

	test('deactivation ends a live session at once and blocks sign-in; the last owner cannot be removed', async () => {
		const pw = await addUser(srv, 'lee@example.test', 'Lee Park', 'billing');
		const c = client(srv);
		await c.signIn('lee@example.test', pw);
		assert.equal((await c.req('/home')).status, 200);
		const out = await user(['deactivate', '--email', 'lee@example.test', '--reason', 'left the practice',
			'--ended', new Date(Date.now() - 20 * 60000).toISOString().replace(/\.\d+Z$/, 'Z')]);
		assert.equal(out.code, 0, out.stderr);
		assert.match(out.stdout, /access removed (19|20|21) minutes after employment ended/);
		const res = await c.req('/home');
		assert.equal(res.status, 303);
		assert.match(res.headers.location, /ended=deactivated/);
		assert.match(await sql(srv, "SELECT verb FROM audit_events WHERE reason = 'left the practice'"), /^USER_CHANGE$/m);
		const retry = await client(srv).login('lee@example.test', pw);
		assert.equal(retry.status, 401, 'a deactivated account cannot sign in');
		const last = await user(['deactivate', '--email', lib.OWNER_EMAIL, '--reason', 'test']);
		assert.equal(last.code, 1);
		assert.match(last.stderr, /at least one owner/);
	});

	test("a deactivated person's compliance tasks go to the compliance officer, recorded", async () => {
		await addUser(srv, 'officer@example.test', 'Olive Officer', 'compliance');
		await addUser(srv, 'leaver@example.test', 'Lou Leaver', 'clinician');
		const id = (email) => sql(srv, `SELECT id FROM users WHERE email = '${email}'`).then((s) => s.trim());
		const [officer, leaver] = [await id('officer@example.test'), await id('leaver@example.test')];
		/* Two tasks of the seeded program are the leaver's, one as backup. */
		await sql(srv, `UPDATE compliance_tasks SET owner_id = ${leaver} WHERE id IN (SELECT id FROM ` +
			'compliance_tasks ORDER BY id LIMIT 2)');
		await sql(srv, `UPDATE compliance_tasks SET backup_owner_id = ${leaver} WHERE id = ` +
			'(SELECT max(id) FROM compliance_tasks)');
		const out = await user(['deactivate', '--email', 'leaver@example.test', '--reason', 'moved away']);
		assert.equal(out.code, 0, out.stderr);
		assert.equal((await sql(srv, `SELECT count(*) FROM compliance_tasks WHERE owner_id = ${leaver} ` +
			`OR backup_owner_id = ${leaver}`)).trim(), '0', 'nothing is left with the leaver');
		assert.equal((await sql(srv, `SELECT count(*) FROM compliance_tasks WHERE owner_id = ${officer}`)).trim(), '2');
		assert.match(await sql(srv, "SELECT reason FROM compliance_reassignments WHERE from_user = " + leaver),
			/^Owner deactivated: handed to the compliance officer\n.*\n$/);
	});

	test('the access review lists everyone with roles and status, and exports a defused CSV', async () => {
		await addUser(srv, 'formula@example.test', '=HYPERLINK("http://x")', 'front_desk');
		const page = await owner.req('/staff');
		assert.equal(page.status, 200);
		lib.assertSecurityHeaders(page, 'GET /staff', { page: true });
		assert.match(page.body, /<td>Casey Lee<\/td>\s*<td>casey@example\.test<\/td>\s*<td>Clinician<\/td>\s*<td>-<\/td>\s*<td>Active<\/td>/);
		assert.match(page.body, /<td>Lee Park<\/td>[\s\S]*?<strong>Deactivated<\/strong>/);
		assert.match(page.body, /=HYPERLINK\(&quot;http:\/\/x&quot;\)/, 'names are escaped in the page');
		const csv = await owner.req('/staff/access-review.csv');
		assert.equal(csv.status, 200);
		assert.match(csv.headers['content-type'], /^text\/csv/);
		assert.match(csv.headers['content-disposition'], /attachment/);
		assert.match(csv.headers['cache-control'], /no-store/);
		assert.match(csv.body, /^name,email,roles,status,last_sign_in_utc,password_set_utc\r\n/);
		assert.match(csv.body, /"'=HYPERLINK\(""http:\/\/x""\)","formula@example\.test","Front desk","active"/);
		assert.match(csv.body, /"Lee Park","lee@example\.test","Billing","deactivated"/);
		const ev = await sql(srv, "SELECT verb || '|' || object_type || '|' || actor_user_id FROM audit_events WHERE verb = 'EXPORT'");
		assert.match(ev, /^EXPORT\|access_review\|1$/m, 'the export is in the audit trail, by the owner');
	});

	test('the permission matrix says in plain words what each role can and cannot do', async () => {
		const c = client(srv);
		const pw = await addUser(srv, 'desk2@example.test', 'Desk Two', 'front_desk');
		await c.signIn('desk2@example.test', pw);
		const res = await c.req('/staff/permissions');
		assert.equal(res.status, 200);
		/* Each role's entry, as the page shows it. */
		const entry = (role) => {
			const m = new RegExp(`<dt>${role}</dt>\\s*<dd>([\\s\\S]*?)</dd>`).exec(res.body);
			assert.ok(m, `an entry for ${role}`);
			const can = /<strong>Can:<\/strong> ([^<]*)\.<\/p>/.exec(m[1]);
			const cannot = /<strong>Cannot:<\/strong> ([^<]*)\.<\/p>/.exec(m[1]);
			return { can: can ? can[1].split('; ') : [], cannot: cannot ? cannot[1].split('; ') : [] };
		};
		const desk = entry('Front desk');
		assert.ok(desk.cannot.includes('see the staff list and review who has access'));
		assert.ok(desk.cannot.includes('add staff, change their roles and deactivate them'));
		assert.ok(!desk.can.includes('read and export the audit trail'));
		const co = entry('Compliance officer');
		assert.ok(co.can.includes('see the staff list and review who has access'));
		assert.ok(co.can.includes('read and export the audit trail'));
		assert.ok(co.cannot.includes('add staff, change their roles and deactivate them'));
	});
});
