'use strict';
/*
 * The compliance dashboard (issue #8, "Dashboard and evidence"): a new
 * practice sees its seeded program; an overdue task, a vendor receiving
 * PHI without a BAA, an incident past its breach-notification deadline
 * and a stale backup each appear in plain words and lower the score by
 * the rule the page prints; the history keeps one row per practice and
 * day; every staff role may look (an incident's title only for those who
 * may open incidents); signed out goes to sign-in; the home page's "What
 * needs you" card lists the person's own tasks.  Pages pass html-validate.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const one = async (srv, q) => (await sql(srv, q)).trim();
const csrfOf = (body) => /name="csrf" value="([^"]+)"/.exec(body)[1];
const scoreOf = (body) => Number(/Score: (\d+) out of 100/.exec(body)[1]);
const todayOf = (body) => /stands today \((\d{4}-\d\d-\d\d)\)/.exec(body)[1];
/* The HTML of one section, from its heading to the end of its card. */
const section = (body, id) => {
	const i = body.indexOf(`<h2 id="dash-${id}">`);
	assert.ok(i >= 0, `section ${id}`);
	return body.slice(i, body.indexOf('</section>', i));
};

function addDays(day, n) {
	const d = new Date(`${day}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}

describe(`compliance dashboard (${lib.ENGINE})`, () => {
	let srv, owner, desk, today;

	before(async () => {
		srv = await lib.startServer({ name: 'dashboard' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const pw = await addUser(srv, 'desk@example.test', 'Robin Desk', 'front_desk');
		desk = client(srv);
		await desk.signIn('desk@example.test', pw);
	});
	after(async () => { if (srv) await srv.stop(); });

	const dash = async (c = owner) => {
		const res = await c.req('/compliance/dashboard');
		assert.equal(res.status, 200);
		return res.body;
	};

	test('a new practice sees its seeded program, the score and the rule behind it', async () => {
		const res = await owner.req('/compliance/dashboard');
		assert.equal(res.status, 200);
		lib.assertSecurityHeaders(res, 'GET /compliance/dashboard', { page: true });
		const body = res.body;
		today = todayOf(body);
		assert.match(body, /<a href="\/compliance\/dashboard" aria-current="page">Dashboard<\/a>/);
		assert.match(section(body, 'overdue'), /No compliance task is overdue\./);
		const upcoming = section(body, 'upcoming');
		assert.match(upcoming, />Monthly audit-log review<\/a>/);
		assert.match(upcoming, /due in \d+ days/);
		assert.match(body, /How the score is computed/);
		assert.match(body, /5 points for each overdue compliance task \(at most 30\)/);
		/* A fresh installation: no backup and no audit review yet. */
		assert.match(body, /<strong>Needs action:<\/strong> No good backup has been recorded\./);
		assert.match(body, /<strong>Needs action:<\/strong> No audit-log review has been signed off yet\./);
		assert.match(body, /Minus 15: 15 points when there is no good backup/);
		assert.equal(scoreOf(body), 75);
		assert.match(section(body, 'incidents'), /There are no open incidents\./);
		assert.match(section(body, 'rights'), /There are no open patient-rights requests\./);
	});

	test('an overdue task appears, lowers the score and shows on its owner\'s home page', async () => {
		const before1 = scoreOf(await dash());
		await sql(srv, `UPDATE compliance_tasks SET next_due = '${addDays(today, -3)}' ` +
			"WHERE seed_key = 'risk_analysis'");
		const body = await dash();
		const overdue = section(body, 'overdue');
		assert.match(overdue, /<strong>Needs action:<\/strong> <a href="\/compliance\/tasks\/\d+">Annual security risk analysis<\/a>/);
		assert.match(overdue, /3 days overdue/);
		assert.equal(scoreOf(body), before1 - 5);
		assert.match(body, /Minus 5: 5 points for each overdue compliance task \(at most 30\) \(now 1\)/);
		const home = await owner.req('/home');
		assert.match(home.body, /<h2 id="needs-title">What needs you<\/h2>/);
		assert.match(home.body, /<strong>Overdue:<\/strong> <a href="\/compliance\/tasks\/\d+">Annual security risk analysis<\/a>/);
		assert.match(home.body, /<a href="\/compliance\/dashboard">See the practice&#39;s compliance dashboard<\/a>|<a href="\/compliance\/dashboard">See the practice's compliance dashboard<\/a>/);
		/* The front desk owns no task: nothing of the owner's shows there. */
		const deskHome = await desk.req('/home');
		assert.match(deskHome.body, /None of your compliance tasks is overdue or due in the next 30 days\./);
	});

	test('a vendor receiving PHI without a BAA appears and costs 10 points', async () => {
		const before1 = scoreOf(await dash());
		const form = await owner.req('/vendors/new');
		const res = await owner.req('/vendors', { form: { csrf: csrfOf(form.body), name: 'FaxCloud',
			services: 'Cloud fax', phi: 'Referral letters', baa_status: 'none', effective_on: '', expires_on: '',
			review_months: '12', contact_name: '', contact_email: '', contact_phone: '' } });
		assert.equal(res.status, 303);
		const body = await dash();
		assert.match(section(body, 'vendors'), /<strong>Needs action:<\/strong> <a href="\/vendors\/\d+">FaxCloud<\/a>: Receives PHI without a signed, current business associate agreement/);
		assert.equal(scoreOf(body), before1 - 10);
		/* The front desk may not open vendors: the name shows, unlinked. */
		const deskBody = await dash(desk);
		assert.match(section(deskBody, 'vendors'), /<strong>Needs action:<\/strong> FaxCloud: Receives PHI/);
		assert.doesNotMatch(deskBody, /href="\/vendors/);
	});

	test('an incident past its notification deadline shows its next deadline; its title only to managers', async () => {
		const before1 = scoreOf(await dash());
		const form = await desk.req('/incidents/new');
		const res = await desk.req('/incidents', { form: { csrf: csrfOf(form.body), title: 'Laptop left on a train',
			description: 'Unencrypted laptop lost.', discovered_on: addDays(today, -90) } });
		assert.equal(res.status, 303);
		const body = await dash();
		const inc = section(body, 'incidents');
		assert.match(inc, /<strong>Needs action:<\/strong> <a href="\/incidents\/\d+">Laptop left on a train<\/a> \(Triage\)/);
		assert.match(inc, /Report to HHS in the annual log: \d+ days left/);
		assert.equal(scoreOf(body), before1 - 20);
		const deskInc = section(await dash(desk), 'incidents');
		assert.doesNotMatch(deskInc, /Laptop/);
		assert.match(deskInc, new RegExp(`Incident discovered on ${addDays(today, -90)} \\(Triage\\)`));
		assert.doesNotMatch(deskInc, /href="\/incidents/);
	});

	test('a backup older than 48 hours is a warning; a recent one clears it', async () => {
		const now = Date.now();
		await sql(srv, `INSERT INTO backups (started_at, finished_at, file, bytes, ok) VALUES (${now - 72 * 3600e3}, ` +
			`${now - 72 * 3600e3}, 'old.alcbk', 10, 1)`);
		let body = await dash();
		assert.match(body, /<strong>Needs action:<\/strong> [^<]*\(3 days ago\)\. Older than 48 hours: check that backups still run\./);
		const stale = scoreOf(body);
		await sql(srv, `INSERT INTO backups (started_at, finished_at, file, bytes, ok) VALUES (${now - 3600e3}, ` +
			`${now - 3600e3}, 'new.alcbk', 10, 1)`);
		body = await dash();
		assert.doesNotMatch(body, /Older than 48 hours/);
		assert.match(body, /<dt>Last good backup<\/dt>\s*<dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC \(1 hour ago\)/);
		assert.equal(scoreOf(body), stale + 15);
	});

	test('the history keeps one row per practice and day, updated only when the score changes', async () => {
		assert.equal(await one(srv, 'SELECT count(*) FROM compliance_scores'), '1');
		assert.equal(await one(srv, 'SELECT day FROM compliance_scores'), today);
		const events = async () => one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'compliance_score'");
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'compliance_score' " +
			"AND verb = 'CREATE'"), '1');
		const n = await events();
		let body = await dash();
		await dash(desk);
		assert.equal(await events(), n, 'viewing again without a change writes nothing');
		assert.equal(await one(srv, 'SELECT count(*) FROM compliance_scores'), '1');
		assert.equal(Number(await one(srv, 'SELECT score FROM compliance_scores')), scoreOf(body));
		/* Earlier days show in the history, oldest first. */
		await sql(srv, `INSERT INTO compliance_scores (practice_id, day, score, facts, recorded_at) VALUES ` +
			`(1, '${addDays(today, -2)}', 40, '{}', 0), (1, '${addDays(today, -40)}', 10, '{}', 0)`);
		body = await dash();
		assert.match(body, new RegExp(`<time datetime="${addDays(today, -2)}">[^<]+</time></td><td>40</td>`));
		assert.doesNotMatch(body, new RegExp(addDays(today, -40)), 'only the last 30 days');
		assert.match(body, /<svg class="sparkline"[^>]*role="img"/);
		assert.match(body, new RegExp(`<title id="dash-spark-title">Score over the last 30 days: from 40 on ${addDays(today, -2)}`));
		assert.match(body, /points="270,36 290,\d+"/);
	});

	test('every staff role may view the dashboard; signed out goes to sign-in', async () => {
		for (const role of ['clinician', 'supervisor', 'billing', 'admin', 'compliance']) {
			const email = `${role}@example.test`;
			const c = client(srv);
			await c.signIn(email, await addUser(srv, email, `Test ${role}`, role));
			const body = await dash(c);
			assert.match(body, /Score: \d+ out of 100/);
		}
		const anon = client(srv);
		const res = await anon.req('/compliance/dashboard');
		assert.equal(res.status, 303);
		assert.match(res.headers.location, /^\/login/);
	});

	test('the dashboard and the home page are valid HTML', async () => {
		const hv = new HtmlValidate({ extends: ['html-validate:recommended'] });
		for (const [name, body] of [['dashboard', await dash()], ['desk dashboard', await dash(desk)],
			['home', (await owner.req('/home')).body], ['desk home', (await desk.req('/home')).body]]) {
			const report = await hv.validateString(body);
			assert.ok(report.valid, `${name}: ${JSON.stringify(report.results[0]?.messages.map((m) => m.message))}`);
		}
	});
});
