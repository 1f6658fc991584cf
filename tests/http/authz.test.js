'use strict';
/*
 * Authorization of every route, for every role, for a visitor who is not
 * signed in, and against the route table itself: a route added to
 * src/web/routes.c without an expectation here fails this test.
 *
 * The expectations are written out below, not derived from the permission
 * table: this test is the second opinion on it.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, addUser } = require('./client');

const ROLES = ['owner', 'admin', 'clinician', 'supervisor', 'billing', 'front_desk', 'compliance'];
const ALL = ROLES;
const STAFF_REVIEWERS = ['owner', 'admin', 'compliance'];
const COMPLIANCE_MANAGERS = ['owner', 'admin', 'compliance'];
const STAFF_MANAGERS = ['owner', 'admin'];
const AUDIT_VIEWERS = ['owner', 'compliance'];
const INCIDENT_MANAGERS = ['owner', 'compliance'];
const VENDOR_MANAGERS = ['owner', 'admin', 'compliance'];
const POLICY_MANAGERS = ['owner', 'admin', 'compliance'];
const RISK_MANAGERS = ['owner', 'admin', 'compliance'];
const SCHEDULE_VIEWERS = ['owner', 'admin', 'clinician', 'supervisor', 'billing', 'front_desk'];
const SCHEDULE_BOOKERS = ['owner', 'admin', 'clinician', 'supervisor', 'front_desk'];
const PATIENT_EDITORS = ['owner', 'admin', 'clinician', 'supervisor', 'front_desk'];
const RIGHTS_LOGGERS = ['owner', 'admin', 'clinician', 'front_desk', 'compliance'];
const RIGHTS_DECIDERS = ['owner', 'compliance'];
const DISCLOSURE_LOGGERS = ['owner', 'admin', 'clinician', 'supervisor', 'billing', 'compliance'];

/*
 * method, route pattern, the path requested, and who may use it:
 * 'public' (anyone, signed in or not) or the list of roles (signed-out
 * visitors are sent to sign in).
 */
const EXPECT = [
	/* Public, but its answer for a signed-out visitor is "sign in". */
	['GET', '/', '/', ALL],
	['GET', '/login', '/login', 'public'],
	['POST', '/login', '/login', 'public'],
	['GET', '/password/forgot', '/password/forgot', 'public'],
	['POST', '/password/forgot', '/password/forgot', 'public'],
	['GET', '/password/reset', '/password/reset?token=nothing', 'public'],
	['POST', '/password/reset', '/password/reset', 'public'],
	['GET', '/settings', '/settings', STAFF_MANAGERS],
	['POST', '/settings', '/settings', STAFF_MANAGERS],
	['GET', '/settings/keys', '/settings/keys', STAFF_MANAGERS],
	/* Allowed roles post no purpose: 422, nothing is started. */
	['POST', '/settings/keys/rotate', '/settings/keys/rotate', STAFF_MANAGERS],
	['GET', '/healthz', '/healthz', 'public'],
	['GET', '/static/*', null, 'public'],
	['GET', '/login/mfa', '/login/mfa', ALL],
	['POST', '/login/mfa', '/login/mfa', ALL],
	['GET', '/account/mfa', '/account/mfa', ALL],
	['GET', '/account/mfa/qr.svg', '/account/mfa/qr.svg', ALL],
	['POST', '/account/mfa/enable', '/account/mfa/enable', ALL],
	['POST', '/account/mfa/recovery-codes', '/account/mfa/recovery-codes', ALL],
	['POST', '/account/mfa/disable', '/account/mfa/disable', ALL],
	['GET', '/home', '/home', ALL],
	['GET', '/account/sessions', '/account/sessions', ALL],
	['POST', '/account/sessions/end-others', '/account/sessions/end-others', ALL],
	['GET', '/account/practices', '/account/practices', ALL],
	/* No practice named: 404 for everyone (tests/http/practice_switch.test.js). */
	['POST', '/account/practices/switch', '/account/practices/switch', ALL],
	['POST', '/session/keepalive', '/session/keepalive', ALL],
	['GET', '/staff', '/staff', STAFF_REVIEWERS],
	['GET', '/staff/access-review.csv', '/staff/access-review.csv', STAFF_REVIEWERS],
	['GET', '/staff/permissions', '/staff/permissions', ALL],
	['POST', '/staff', '/staff', STAFF_MANAGERS],
	['POST', '/staff/requests/:id/approve', '/staff/requests/1/approve', ['owner']],
	['POST', '/staff/requests/:id/decline', '/staff/requests/1/decline', ['owner']],
	['GET', '/staff/:id', '/staff/1', STAFF_REVIEWERS],
	['POST', '/staff/:id/roles', '/staff/1/roles', STAFF_MANAGERS],
	['POST', '/staff/:id/deactivate', '/staff/1/deactivate', STAFF_MANAGERS],
	['POST', '/staff/:id/offboarding', '/staff/1/offboarding', STAFF_MANAGERS],
	['POST', '/staff/:id/invite', '/staff/1/invite', STAFF_MANAGERS],
	['POST', '/staff/:id/unlock', '/staff/1/unlock', STAFF_MANAGERS],
	['POST', '/staff/:id/mfa-reset', '/staff/1/mfa-reset', STAFF_MANAGERS],
	['POST', '/staff/:id/supervisor', '/staff/1/supervisor', STAFF_MANAGERS],
	['GET', '/compliance', '/compliance', ALL],
	['GET', '/compliance/dashboard', '/compliance/dashboard', ALL],
	['GET', '/compliance/calendar', '/compliance/calendar', ALL],
	['POST', '/compliance/calendar/token', '/compliance/calendar/token', ALL],
	['POST', '/compliance/calendar/revoke', '/compliance/calendar/revoke', ALL],
	/* Calendar apps have no session: the token is the credential. */
	['GET', '/compliance/calendar.ics', '/compliance/calendar.ics?token=nothing', 'public'],
	['GET', '/compliance/tasks/new', '/compliance/tasks/new', COMPLIANCE_MANAGERS],
	['POST', '/compliance/tasks', '/compliance/tasks', COMPLIANCE_MANAGERS],
	['GET', '/compliance/tasks/:id', '/compliance/tasks/1', ALL],
	['GET', '/compliance/tasks/:id/edit', '/compliance/tasks/1/edit', COMPLIANCE_MANAGERS],
	['POST', '/compliance/tasks/:id/edit', '/compliance/tasks/1/edit', COMPLIANCE_MANAGERS],
	/* Task 1 (seeded) belongs to the owner: others complete or reassign
	 * only the tasks they own or back up. */
	['POST', '/compliance/tasks/:id/complete', '/compliance/tasks/1/complete', COMPLIANCE_MANAGERS],
	['POST', '/compliance/tasks/:id/reassign', '/compliance/tasks/1/reassign', COMPLIANCE_MANAGERS],
	['POST', '/compliance/tasks/:id/signoff', '/compliance/tasks/1/signoff', COMPLIANCE_MANAGERS],
	['POST', '/compliance/tasks/:id/retire', '/compliance/tasks/1/retire', COMPLIANCE_MANAGERS],
	['GET', '/audit', '/audit', AUDIT_VIEWERS],
	['GET', '/audit/export.csv', '/audit/export.csv', AUDIT_VIEWERS],
	['GET', '/audit/export.json', '/audit/export.json', AUDIT_VIEWERS],
	['GET', '/audit/review', '/audit/review', AUDIT_VIEWERS],
	['POST', '/audit/review', '/audit/review', AUDIT_VIEWERS],
	['POST', '/audit/review/mark', '/audit/review/mark', AUDIT_VIEWERS],
	/* Every staff member reports; the owner and compliance officer
	 * investigate.  Incident 1 need not exist: 404 is not a refusal. */
	['GET', '/incidents/new', '/incidents/new', ALL],
	['POST', '/incidents', '/incidents', ALL],
	['GET', '/incidents', '/incidents', INCIDENT_MANAGERS],
	['GET', '/incidents/hhs-log.csv', '/incidents/hhs-log.csv?year=2026', INCIDENT_MANAGERS],
	['GET', '/incidents/:id', '/incidents/1', INCIDENT_MANAGERS],
	['POST', '/incidents/:id/note', '/incidents/1/note', INCIDENT_MANAGERS],
	['POST', '/incidents/:id/status', '/incidents/1/status', INCIDENT_MANAGERS],
	['POST', '/incidents/:id/assessment', '/incidents/1/assessment', INCIDENT_MANAGERS],
	['POST', '/incidents/:id/approve', '/incidents/1/approve', INCIDENT_MANAGERS],
	['GET', '/incidents/:id/letter', '/incidents/1/letter', INCIDENT_MANAGERS],
	['POST', '/incidents/:id/letter', '/incidents/1/letter', INCIDENT_MANAGERS],
	['GET', '/vendors', '/vendors', VENDOR_MANAGERS],
	['GET', '/vendors/new', '/vendors/new', VENDOR_MANAGERS],
	['POST', '/vendors', '/vendors', VENDOR_MANAGERS],
	['GET', '/vendors/:id', '/vendors/1', VENDOR_MANAGERS],
	['POST', '/vendors/:id', '/vendors/1', VENDOR_MANAGERS],
	['POST', '/vendors/:id/retire', '/vendors/1/retire', VENDOR_MANAGERS],
	['GET', '/compliance/risk', '/compliance/risk', RISK_MANAGERS],
	['POST', '/compliance/risk/assessments', '/compliance/risk/assessments', RISK_MANAGERS],
	['GET', '/compliance/risk/assessments/:id', '/compliance/risk/assessments/1', RISK_MANAGERS],
	['POST', '/compliance/risk/assessments/:id', '/compliance/risk/assessments/1', RISK_MANAGERS],
	['POST', '/compliance/risk/assessments/:id/complete', '/compliance/risk/assessments/1/complete', RISK_MANAGERS],
	['GET', '/compliance/risk/register', '/compliance/risk/register', RISK_MANAGERS],
	['GET', '/compliance/risk/register.csv', '/compliance/risk/register.csv', RISK_MANAGERS],
	['GET', '/compliance/risk/risks/new', '/compliance/risk/risks/new', RISK_MANAGERS],
	['POST', '/compliance/risk/risks', '/compliance/risk/risks', RISK_MANAGERS],
	['GET', '/compliance/risk/risks/:id', '/compliance/risk/risks/1', RISK_MANAGERS],
	['POST', '/compliance/risk/risks/:id', '/compliance/risk/risks/1', RISK_MANAGERS],
	['POST', '/compliance/risk/risks/:id/task', '/compliance/risk/risks/1/task', RISK_MANAGERS],
	/* Policies: everyone reads and attests; managers write.  Policy 1
	 * and training record 1 need not exist. */
	['GET', '/policies', '/policies', ALL],
	['POST', '/policies/adopt', '/policies/adopt', POLICY_MANAGERS],
	['GET', '/policies/:id', '/policies/1', ALL],
	['GET', '/policies/:id/versions/:version', '/policies/1/versions/1', ALL],
	['POST', '/policies/:id/attest', '/policies/1/attest', ALL],
	['GET', '/policies/:id/edit', '/policies/1/edit', POLICY_MANAGERS],
	['POST', '/policies/:id/edit', '/policies/1/edit', POLICY_MANAGERS],
	['POST', '/policies/:id/publish', '/policies/1/publish', POLICY_MANAGERS],
	['POST', '/policies/:id/retire', '/policies/1/retire', POLICY_MANAGERS],
	['GET', '/policies/:id/report', '/policies/1/report', POLICY_MANAGERS],
	['GET', '/training', '/training', ALL],
	['POST', '/training', '/training', POLICY_MANAGERS],
	['POST', '/training/settings', '/training/settings', POLICY_MANAGERS],
	['GET', '/training/log', '/training/log', POLICY_MANAGERS],
	['POST', '/training/log', '/training/log', POLICY_MANAGERS],
	['POST', '/training/:id/retire', '/training/1/retire', POLICY_MANAGERS],
	/* The calendar: everyone but the compliance officer; billing looks
	 * but does not book.  Appointment 1 need not exist. */
	['GET', '/schedule', '/schedule', SCHEDULE_VIEWERS],
	['POST', '/schedule', '/schedule', SCHEDULE_BOOKERS],
	['GET', '/schedule/new', '/schedule/new', SCHEDULE_BOOKERS],
	['GET', '/schedule/feed', '/schedule/feed', SCHEDULE_VIEWERS],
	['POST', '/schedule/feed/token', '/schedule/feed/token', SCHEDULE_VIEWERS],
	['POST', '/schedule/feed/revoke', '/schedule/feed/revoke', SCHEDULE_VIEWERS],
	['GET', '/schedule/calendar.ics', '/schedule/calendar.ics?token=nothing', 'public'],
	['GET', '/schedule/appointments/:id', '/schedule/appointments/1', SCHEDULE_VIEWERS],
	['POST', '/schedule/appointments/:id/status', '/schedule/appointments/1/status', SCHEDULE_BOOKERS],
	['POST', '/schedule/appointments/:id/move', '/schedule/appointments/1/move', SCHEDULE_BOOKERS],
	['POST', '/schedule/appointments/:id/following', '/schedule/appointments/1/following', SCHEDULE_BOOKERS],
	['POST', '/schedule/appointments/:id/patients', '/schedule/appointments/1/patients', SCHEDULE_BOOKERS],
	['POST', '/schedule/appointments/:id/patients/remove', '/schedule/appointments/1/patients/remove',
		SCHEDULE_BOOKERS],
	['GET', '/schedule/today', '/schedule/today', SCHEDULE_VIEWERS],
	['POST', '/schedule/today/:id/arrive', '/schedule/today/1/arrive', SCHEDULE_BOOKERS],
	['GET', '/schedule/waitlist', '/schedule/waitlist', SCHEDULE_BOOKERS],
	['POST', '/schedule/waitlist', '/schedule/waitlist', SCHEDULE_BOOKERS],
	['POST', '/schedule/waitlist/:id/remove', '/schedule/waitlist/1/remove', SCHEDULE_BOOKERS],
	['GET', '/schedule/setup', '/schedule/setup', STAFF_MANAGERS],
	['POST', '/schedule/setup/locations', '/schedule/setup/locations', STAFF_MANAGERS],
	['POST', '/schedule/setup/rooms', '/schedule/setup/rooms', STAFF_MANAGERS],
	['POST', '/schedule/setup/types', '/schedule/setup/types', STAFF_MANAGERS],
	['POST', '/schedule/setup/hours', '/schedule/setup/hours', STAFF_MANAGERS],
	['POST', '/schedule/setup/exceptions', '/schedule/setup/exceptions', STAFF_MANAGERS],
	['POST', '/schedule/setup/retire', '/schedule/setup/retire', STAFF_MANAGERS],
	['POST', '/schedule/setup/feed', '/schedule/setup/feed', STAFF_MANAGERS],
	/* Patients: the role gate only; the record itself is checked per
	 * care team (tests/http/patients.test.js).  Patient 1 need not exist. */
	['GET', '/patients', '/patients', ALL],
	['GET', '/patients/new', '/patients/new', PATIENT_EDITORS],
	['POST', '/patients', '/patients', PATIENT_EDITORS],
	['GET', '/patients/break-glass', '/patients/break-glass', AUDIT_VIEWERS],
	['POST', '/patients/break-glass/:id/review', '/patients/break-glass/1/review', AUDIT_VIEWERS],
	['GET', '/patients/:id', '/patients/1', ALL],
	['GET', '/patients/:id/edit', '/patients/1/edit', PATIENT_EDITORS],
	['POST', '/patients/:id/edit', '/patients/1/edit', PATIENT_EDITORS],
	['POST', '/patients/:id/break-glass', '/patients/1/break-glass', ['clinician', 'supervisor']],
	['POST', '/patients/:id/care-team', '/patients/1/care-team', ['owner', 'admin', 'supervisor']],
	['POST', '/patients/:id/care-team/remove', '/patients/1/care-team/remove', ['owner', 'admin', 'supervisor']],
	['POST', '/patients/:id/merge', '/patients/1/merge', STAFF_MANAGERS],
	/* Measures: reading needs clinical access to the patient as well
	 * (tests/http/measures.test.js). */
	['GET', '/patients/:id/measures', '/patients/1/measures', ALL],
	['GET', '/patients/:id/measures/new', '/patients/1/measures/new', ['owner', 'clinician', 'supervisor']],
	['POST', '/patients/:id/measures', '/patients/1/measures', ['owner', 'clinician', 'supervisor']],
	['POST', '/patients/:id/measures/:rid/acknowledge', '/patients/1/measures/1/acknowledge',
		['owner', 'clinician', 'supervisor']],
	/* Patient-rights requests and disclosures: the patient's access is
	 * checked as well (tests/http/rights.test.js, disclosures.test.js). */
	['GET', '/rights', '/rights', RIGHTS_LOGGERS],
	['GET', '/rights/settings', '/rights/settings', RIGHTS_DECIDERS],
	['POST', '/rights/settings', '/rights/settings', RIGHTS_DECIDERS],
	['GET', '/rights/:id', '/rights/1', RIGHTS_LOGGERS],
	['POST', '/rights/:id/extend', '/rights/1/extend', RIGHTS_DECIDERS],
	['POST', '/rights/:id/decide', '/rights/1/decide', RIGHTS_DECIDERS],
	['POST', '/rights/:id/review', '/rights/1/review', RIGHTS_DECIDERS],
	['POST', '/rights/:id/fulfil', '/rights/1/fulfil', RIGHTS_DECIDERS],
	['GET', '/rights/:id/letter', '/rights/1/letter', RIGHTS_DECIDERS],
	['GET', '/patients/:id/rights', '/patients/1/rights', ALL],
	['POST', '/patients/:id/rights', '/patients/1/rights', RIGHTS_LOGGERS],
	['GET', '/patients/:id/disclosures', '/patients/1/disclosures', DISCLOSURE_LOGGERS],
	['POST', '/patients/:id/disclosures', '/patients/1/disclosures', DISCLOSURE_LOGGERS],
	['GET', '/patients/:id/accounting', '/patients/1/accounting', DISCLOSURE_LOGGERS],
	['GET', '/patients/:id/accounting.csv', '/patients/1/accounting.csv', DISCLOSURE_LOGGERS],
	['POST', '/patients/:id/accounting', '/patients/1/accounting', DISCLOSURE_LOGGERS],
	/* Clinical notes: reading needs clinical access as well; psychotherapy
	 * notes only their author (tests/http/notes.test.js, psychnotes.test.js). */
	['GET', '/notes/due', '/notes/due', ['owner', 'clinician', 'supervisor']],
	['GET', '/patients/:id/notes', '/patients/1/notes', ALL],
	['GET', '/patients/:id/notes/new', '/patients/1/notes/new', ['owner', 'clinician', 'supervisor']],
	['POST', '/patients/:id/notes', '/patients/1/notes', ['owner', 'clinician', 'supervisor']],
	['GET', '/patients/:id/notes/:nid', '/patients/1/notes/1', ALL],
	['POST', '/patients/:id/notes/:nid', '/patients/1/notes/1', ['owner', 'clinician', 'supervisor']],
	['POST', '/patients/:id/notes/:nid/sign', '/patients/1/notes/1/sign', ['owner', 'clinician', 'supervisor']],
	['POST', '/patients/:id/notes/:nid/addenda', '/patients/1/notes/1/addenda', ['owner', 'clinician', 'supervisor']],
	['POST', '/patients/:id/notes/:nid/cosign', '/patients/1/notes/1/cosign', ['owner', 'supervisor']],
	['GET', '/patients/:id/notes/:nid/versions', '/patients/1/notes/1/versions', ALL],
	['GET', '/patients/:id/notes/:nid/print', '/patients/1/notes/1/print', ALL],
	['GET', '/patients/:id/psychotherapy-notes', '/patients/1/psychotherapy-notes', ['owner', 'clinician', 'supervisor']],
	['POST', '/patients/:id/psychotherapy-notes', '/patients/1/psychotherapy-notes', ['owner', 'clinician', 'supervisor']],
	['GET', '/patients/:id/psychotherapy-notes/:nid', '/patients/1/psychotherapy-notes/1', ALL],
	['POST', '/logout', '/logout', ALL],
];

/* (method, pattern) pairs of the route table, read from its source. */
function routeTable() {
	const src = fs.readFileSync(path.join(lib.ROOT, 'src/web/routes.c'), 'utf8').replace(/\s+/g, ' ');
	const out = [];
	const re = /\{ ?HTTP_([A-Z]+), "([^"]+)", ACT_[A-Z_]+,/g;
	let m;
	while ((m = re.exec(src)) !== null)
		out.push(`${m[1]} ${m[2]}`);
	return out;
}

/* What happened: 'ok', 'forbidden' (the authorization 403) or 'login'. */
function outcome(res) {
	if (res.status === 403 && /Not allowed/.test(res.body))
		return 'forbidden';
	/* The dispatcher's "sign in first": /login, or /login?next=... */
	if (res.status === 303 && /^\/login(\?next=|$)/.test(res.headers.location || ''))
		return 'login';
	return 'ok';
}

describe(`authorization of every route (${lib.ENGINE})`, () => {
	let srv, staticPath;
	const clients = {};

	before(async () => {
		srv = await lib.startServer({ name: 'authz' });
		clients.owner = client(srv);
		await clients.owner.signIn(lib.OWNER_EMAIL, srv.password);
		for (const role of ROLES.filter((r) => r !== 'owner')) {
			const email = `${role.replace('_', '-')}@example.test`;
			const pw = await addUser(srv, email, `Test ${role}`, role);
			clients[role] = client(srv);
			await clients[role].signIn(email, pw);
		}
		clients.anonymous = client(srv);
		const login = await clients.anonymous.req('/login');
		staticPath = /href="(\/static\/css\/[^"]+)"/.exec(login.body)[1];
	});
	after(async () => { if (srv) await srv.stop(); });

	/* Another practice on the same installation: its owner holds every
	 * permission there and none here.  Every route that names a record
	 * of this practice by id must act as if the record did not exist. */
	test('an owner of another practice cannot reach this practice\'s records', async () => {
		const pw = lib.randomPassword();
		const add = await lib.runCli(['practice', 'add', '--data', srv.instance.dir,
			'--name', 'Elsewhere Counseling', '--owner-email', 'other-owner@example.test',
			'--password-stdin'], { input: pw + '\n' });
		assert.equal(add.code, 0, add.stderr);
		const other = client(srv);
		await other.signIn('other-owner@example.test', pw);
		const wrong = [];
		for (const [method, pattern, p, allowed] of EXPECT) {
			if (p === null || !/\/1(\/|$)/.test(p))
				continue;
			/* Break-glass is for clinicians: an owner is refused by role. */
			if (allowed !== 'public' && !allowed.includes('owner'))
				continue;
			let res;
			if (method === 'GET') {
				res = await other.req(p);
			} else {
				const csrf = await other.csrfFrom('/account/sessions');
				res = await other.req(p, { form: { csrf } });
			}
			if (res.status !== 404)
				wrong.push(`${method} ${pattern}: expected 404, got ${res.status} ${res.headers.location || ''}`);
		}
		assert.deepEqual(wrong, [], wrong.join('\n'));
		/* Nor can they switch into this practice (its id is 1). */
		const sw = await other.post('/account/practices', '/account/practices/switch', { practice: '1' });
		assert.equal(sw.status, 404);
		/* And the lists show only their own practice. */
		const staff = await other.req('/staff');
		assert.equal(staff.status, 200);
		assert.match(staff.body, /other-owner@example\.test/);
		assert.doesNotMatch(staff.body, /[^-]owner@example\.test/);
		assert.doesNotMatch(staff.body, /front-desk@example\.test/);
	});

	test('every route in src/web/routes.c has an expectation here, and no expectation is stale', () => {
		const table = routeTable();
		assert.ok(table.length >= 20, `parsed ${table.length} routes`);
		const expected = EXPECT.map(([m, p]) => `${m} ${p}`);
		assert.deepEqual([...table].sort(), [...expected].sort());
	});

	for (const who of ['anonymous', ...ROLES]) {
		test(`${who}: each route answers as expected`, async () => {
			const c = clients[who];
			const wrong = [];
			for (const [method, pattern, p, allowed] of EXPECT) {
				const target = p || staticPath;
				let res;
				if (method === 'GET') {
					res = await c.req(target);
				} else {
					/* A real form post: the page's CSRF token, no other fields. */
					const csrf = await c.csrfFrom(who === 'anonymous' ? '/login' : '/account/sessions');
					res = await c.req(target, { form: { csrf } });
				}
				const got = outcome(res);
				const want = allowed === 'public' ? 'ok' :
					who === 'anonymous' ? 'login' :
					allowed.includes(who) ? 'ok' : 'forbidden';
				if (got !== want)
					wrong.push(`${method} ${pattern}: expected ${want}, got ${got} (${res.status} ${res.headers.location || ''})`);
			}
			assert.deepEqual(wrong, [], wrong.join('\n'));
		});
	}
});
