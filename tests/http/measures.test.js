'use strict';
/*
 * Measurement-based care through the pages: the form shows every item in
 * its published wording; a form with a missing answer is refused with the
 * answers kept; a PHQ-9 is saved, scored and audited (CREATE on save, VIEW
 * before the measures page is sent); the trend is an accessible SVG chart
 * with shaded, labelled bands and a data table; a positive item 9 and a
 * C-SSRS high-risk screen raise alerts that an acknowledgement closes,
 * once; answers are sealed at rest; the front desk, billing, compliance
 * and a clinician off the care team never see measures.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const PHQ9_MILD = { q1: '1', q2: '1', q3: '1', q4: '1', q5: '1', q6: '1', q7: '0', q8: '0', q9: '0' };

describe(`measures (${lib.ENGINE})`, () => {
	let srv, owner, clin, other, desk, billing, compliance, patientId, base;

	const events = async (where) => (await sql(srv,
		`SELECT verb || '|' || object_type || '|' || coalesce(patient_id, 0) || '|' || coalesce(detail, '')
		 FROM audit_events WHERE ${where} ORDER BY seq`)).trim().split('\n').filter(Boolean);

	before(async () => {
		srv = await lib.startServer({ name: 'measures' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const add = async (email, name, role) => {
			const c = client(srv);
			await c.signIn(email, await addUser(srv, email, name, role));
			return c;
		};
		clin = await add('clin@example.test', 'Cleo Clinician', 'clinician');
		other = await add('other@example.test', 'Otto Other', 'clinician');
		desk = await add('desk@example.test', 'Dee Desk', 'front_desk');
		billing = await add('billing@example.test', 'Bill Ing', 'billing');
		compliance = await add('co@example.test', 'Coco Officer', 'compliance');
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: 'Marisol', legal_last: 'Quennell-Adebayo', dob: '1990-04-12', status: 'active',
		});
		assert.equal(res.status, 303);
		patientId = Number(/^\/patients\/(\d+)$/.exec(res.headers.location)[1]);
		base = `/patients/${patientId}`;
		const uid = (await sql(srv, "SELECT id FROM users WHERE email = 'clin@example.test'")).trim();
		const team = await owner.post(base, `${base}/care-team`, { user_id: uid, role: 'primary' });
		assert.equal(team.status, 303);
	});
	after(async () => { if (srv) await srv.stop(); });

	test('the form shows every item in its published wording', async () => {
		const phq = await clin.req(`${base}/measures/new?instrument=phq9`);
		assert.equal(phq.status, 200);
		assert.match(phq.body, /Over the last 2 weeks, how often have you been bothered/);
		assert.match(phq.body, /Thoughts that you would be better off dead or of hurting yourself in some way/);
		assert.equal((phq.body.match(/type="radio"/g) || []).length, 10 * 4);
		const pcl = await clin.req(`${base}/measures/new?instrument=pcl5`);
		assert.match(pcl.body, /Being &ldquo;superalert&rdquo;|Being “superalert” or watchful or on guard\?/);
		assert.equal((pcl.body.match(/type="radio"/g) || []).length, 20 * 5);
		const cs = await clin.req(`${base}/measures/new?instrument=cssrs`);
		assert.match(cs.body, /Have you actually had any thoughts of killing yourself\?/);
		assert.match(cs.body, /Ask only if question 2 is Yes/);
		const audit = await clin.req(`${base}/measures/new?instrument=auditc`);
		assert.match(audit.body, /How often do you have six or more drinks on one occasion\?/);
		assert.match(audit.body, /name="sex" value="female"/);
		assert.equal((await clin.req(`${base}/measures/new?instrument=nope`)).status, 404);
	});

	test('a missing answer is refused and the answers given are kept', async () => {
		const { q9, ...partial } = PHQ9_MILD;
		void q9;
		const res = await clin.post(`${base}/measures/new?instrument=phq9`,
			`${base}/measures?instrument=phq9`, partial);
		assert.equal(res.status, 422);
		assert.match(res.body, /Nothing was saved/);
		assert.match(res.body, /id="f-q9-error">Choose an answer\./);
		assert.match(res.body, /id="f-q1-1" name="q1" value="1" checked/);
		assert.equal((await sql(srv, 'SELECT count(*) FROM measure_results')).trim(), '0');
	});

	test('a PHQ-9 is saved, scored, sealed and audited; the page shows the trend', async () => {
		const res = await clin.post(`${base}/measures/new?instrument=phq9`,
			`${base}/measures?instrument=phq9`, PHQ9_MILD);
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, `${base}/measures`);
		const second = await clin.post(`${base}/measures/new?instrument=phq9`,
			`${base}/measures?instrument=phq9`, { ...PHQ9_MILD, q1: '3', q2: '3', q3: '3', q4: '3' });
		assert.equal(second.status, 303);
		const created = await events("verb = 'CREATE' AND object_type = 'measure_result'");
		assert.deepEqual(created, [`CREATE|measure_result|${patientId}|{"instrument":"phq9"}`,
			`CREATE|measure_result|${patientId}|{"instrument":"phq9"}`]);
		/* Sealed: the stored row holds no readable answers. */
		const hex = (await sql(srv, lib.ENGINE === 'postgres' ?
			'SELECT encode(data, \'hex\') FROM measure_results' : 'SELECT hex(data) FROM measure_results')).toLowerCase();
		assert.ok(!hex.includes(Buffer.from('answers').toString('hex')));
		const before = (await events("verb = 'VIEW' AND object_type = 'measures'")).length;
		const page = await clin.req(`${base}/measures`);
		assert.equal(page.status, 200);
		assert.deepEqual((await events("verb = 'VIEW' AND object_type = 'measures'")).slice(before),
			[`VIEW|measures|${patientId}|{"results":2}`]);
		assert.match(page.body, /Latest: 14, Moderate/);
		/* The chart: titled, described, bands shaded and labelled. */
		assert.match(page.body, /<svg class="measure-chart"[^>]*role="img"[^>]*aria-labelledby="chart-phq9-title chart-phq9-desc"/);
		assert.match(page.body, /<title id="chart-phq9-title">PHQ-9 over time<\/title>/);
		assert.match(page.body, /<desc id="chart-phq9-desc">PHQ-9 Total score from [-0-9]+ to [-0-9]+: 6, 14\./);
		assert.equal((page.body.match(/<rect /g) || []).length, 5);
		for (const band of ['Minimal', 'Mild', 'Moderate', 'Moderately severe', 'Severe'])
			assert.match(page.body, new RegExp(`text-anchor="end">${band}</text>`));
		assert.match(page.body, /<polyline points="\d+,\d+ \d+,\d+"/);
		/* The same data as a table. */
		assert.match(page.body, /<caption>PHQ-9 results, oldest first<\/caption>/);
		assert.match(page.body, /<td>6<\/td><td>Mild<\/td><td>Cleo Clinician<\/td>/);
		assert.doesNotMatch(page.body, /id="measure-alerts"/);
	});

	test('a positive item 9 and a high-risk C-SSRS raise alerts, acknowledged once', async () => {
		let res = await clin.post(`${base}/measures/new?instrument=phq9`,
			`${base}/measures?instrument=phq9`, { ...PHQ9_MILD, q9: '1' });
		assert.equal(res.status, 303);
		/* Question 2 No: 3-5 are skipped; behaviour within 3 months: high. */
		res = await clin.post(`${base}/measures/new?instrument=cssrs`, `${base}/measures?instrument=cssrs`,
			{ q1: '1', q2: '0', q6: '1', q7: '1' });
		assert.equal(res.status, 303);
		/* Answering a skipped question is refused. */
		res = await clin.post(`${base}/measures/new?instrument=cssrs`, `${base}/measures?instrument=cssrs`,
			{ q1: '0', q2: '0', q3: '1', q6: '0' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Leave this blank: question 2 is No\./);
		const page = await clin.req(`${base}/measures`);
		assert.match(page.body, /id="measure-alerts"/);
		assert.match(page.body, /PHQ-9 item 9 is positive/);
		assert.match(page.body, /C-SSRS screen: high risk/);
		assert.match(page.body, /<td>3<\/td><td>High risk<\/td>/);
		const actions = [...page.body.matchAll(/action="(\/patients\/\d+\/measures\/(\d+)\/acknowledge)"/g)];
		assert.equal(actions.length, 2);
		const ack = await clin.post(`${base}/measures`, actions[0][1], {});
		assert.equal(ack.status, 303);
		const again = await clin.post(`${base}/measures`, actions[0][1], {});
		assert.equal(again.status, 409);
		assert.match(again.body, /already acknowledged/);
		const after = await clin.req(`${base}/measures`);
		assert.equal([...after.body.matchAll(/\/acknowledge"/g)].length, 1);
		assert.match(after.body, /Acknowledged by Cleo Clinician/);
		assert.deepEqual(await events(`verb = 'UPDATE' AND object_type = 'measure_result'`),
			[`UPDATE|measure_result|${patientId}|{"alert":"acknowledged"}`]);
		assert.equal((await sql(srv, `SELECT count(*) FROM measure_results WHERE id = ${actions[0][2]} AND ack_at IS NOT NULL`)).trim(), '1');
	});

	test('front desk, billing, compliance and other clinicians never see measures', async () => {
		for (const c of [desk, billing, compliance]) {
			const res = await c.req(`${base}/measures`);
			assert.equal(res.status, 403);
			assert.match(res.body, /only the patient's care team|only the patient&#39;s care team/);
			assert.doesNotMatch(res.body, /PHQ-9|Moderate/);
		}
		const denied = await events(`verb = 'ACCESS_DENIED' AND object_type = 'measures'`);
		assert.equal(denied.length, 3);
		/* Off the care team: the break-glass page, nothing recorded. */
		const res = await other.req(`${base}/measures`);
		assert.equal(res.status, 403);
		assert.doesNotMatch(res.body, /PHQ-9 item 9/);
		const post = await other.post('/account/sessions', `${base}/measures?instrument=phq9`, PHQ9_MILD);
		assert.equal(post.status, 403);
		const count = (await sql(srv, 'SELECT count(*) FROM measure_results')).trim();
		assert.equal(count, '4');
		/* Front desk may not even open the form (role gate). */
		assert.equal((await desk.req(`${base}/measures/new?instrument=phq9`)).status, 403);
		/* An unknown patient is not found. */
		assert.equal((await clin.req('/patients/999999/measures')).status, 404);
	});
});
