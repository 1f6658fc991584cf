'use strict';
/*
 * The audit-log review (issue #5): the compliance officer picks a period,
 * sees counts by kind and the flagged events (a burst of failed sign-ins,
 * an export), must note what each flagged event was before signing off,
 * and signs the review off; marks and the review are kept beside the
 * events (which never change) and each writes an AUDIT_REVIEW event.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

function decode(s) {
	return s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
		.replace(/&#x2F;/g, '/').replace(/&amp;/g, '&');
}

/* The flagged events listed on the page: {seq, label, what, marked}. */
function flags(html) {
	return [...html.matchAll(/<li id="event-(\d+)">([\s\S]*?)<\/li>/g)].map((m) => ({
		seq: m[1],
		label: decode((/<strong>([^<]*)<\/strong>/.exec(m[2]) || [])[1] || ''),
		marked: /Reviewed by/.test(m[2]),
		note: decode((/Reviewed by [^<]* on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+: ([^<]*)</.exec(m[2]) || [])[1] || ''),
	}));
}

const one = async (srv, q) => (await sql(srv, q)).trim();

describe(`audit-log review (${lib.ENGINE})`, () => {
	let srv, co, today, zone;

	before(async () => {
		srv = await lib.startServer({ name: 'audit-review' });
		const pw = await addUser(srv, 'officer@example.test', 'Olive Officer', 'compliance');
		await addUser(srv, 'target@example.test', 'Terry Target', 'front_desk');
		co = client(srv);
		await co.signIn('officer@example.test', pw);
		/* A burst: five wrong passwords for one account within minutes. */
		for (let i = 0; i < 5; i++)
			await client(srv).login('target@example.test', `wrong password number ${i}`);
		/* An export of the audit trail: data leaving the system. */
		assert.equal((await co.req('/audit/export.csv')).status, 200);
		zone = await one(srv, 'SELECT timezone FROM practices WHERE id = 1');
		today = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());
	});
	after(async () => { if (srv) await srv.stop(); });

	test('without a period the page offers last month, in the practice\'s zone', async () => {
		const res = await co.req('/audit/review');
		assert.equal(res.status, 200);
		const [y, m] = today.split('-').map(Number);
		const first = m === 1 ? `${y - 1}-12-01` : `${y}-${String(m - 1).padStart(2, '0')}-01`;
		assert.match(res.body, new RegExp(`id="r-from" name="from" type="date" value="${first}"`));
		assert.ok(res.body.includes(`time zone (${zone})`), 'the zone is named');
		assert.match(res.body, /No review has been signed off yet/);
	});

	test('the viewer shows the retention and times in the practice\'s zone', async () => {
		const res = await co.req('/audit');
		assert.equal(res.status, 200);
		assert.match(res.body, /kept for at least 6 years and are never deleted/);
		assert.ok(res.body.includes(`<th scope="col">Time (${zone})</th>`));
	});

	test('the period shows counts by kind and flags the burst and the export; viewing is recorded', async () => {
		const views = Number(await one(srv, "SELECT count(*) FROM audit_events WHERE verb = 'VIEW' AND object_type = 'audit_trail'"));
		const res = await co.req(`/audit/review?from=${today}&to=${today}`);
		assert.equal(res.status, 200);
		assert.match(res.body, /<tr><td>Failed sign-in<\/td><td>5<\/td><\/tr>/);
		const f = flags(res.body);
		assert.equal(f.filter((x) => x.label === 'Burst of failed sign-ins').length, 5, JSON.stringify(f));
		assert.equal(f.filter((x) => x.label.startsWith('Data left the system')).length, 1, JSON.stringify(f));
		assert.ok(f.every((x) => !x.marked));
		assert.match(res.body, /7 flagged events still need a note|\d+ flagged events still need a note/);
		assert.equal(Number(await one(srv, "SELECT count(*) FROM audit_events WHERE verb = 'VIEW' AND object_type = 'audit_trail'")), views + 1);
	});

	test('a period that cannot be understood is refused with a message', async () => {
		let res = await co.req('/audit/review?from=2026-13-01&to=2026-01-01');
		assert.equal(res.status, 400);
		assert.match(res.body, /Enter the first day as YYYY-MM-DD/);
		res = await co.req('/audit/review?from=2026-02-01&to=2026-01-01');
		assert.equal(res.status, 400);
		assert.match(res.body, /The last day is before the first day/);
	});

	test('signing off waits until every flagged event has a note', async () => {
		const page = `/audit/review?from=${today}&to=${today}`;
		const res = await co.post(page, '/audit/review', { from: today, to: today, note: 'All fine.' });
		assert.equal(res.status, 409);
		assert.match(res.body, /Mark every flagged event reviewed first/);
		assert.equal(await one(srv, 'SELECT count(*) FROM audit_reviews'), '0');
	});

	test('marks need a note and a flagged event, and are kept beside the immutable events', async () => {
		const page = `/audit/review?from=${today}&to=${today}`;
		const f = flags((await co.req(page)).body);
		let res = await co.post(page, '/audit/review/mark', { from: today, to: today, seq: f[0].seq, note: '' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Write a few words on what this event was/);
		const plain = await one(srv, "SELECT min(seq) FROM audit_events WHERE verb = 'LOGIN'");
		res = await co.post(page, '/audit/review/mark', { from: today, to: today, seq: plain, note: 'hm' });
		assert.equal(res.status, 404);
		assert.match(res.body, /not flagged in this period/);
		for (const x of f) {
			res = await co.post(page, '/audit/review/mark', { from: today, to: today, seq: x.seq,
				note: `Checked ${x.seq}: Terry mistyped; export by Olive for the binder.` });
			assert.equal(res.status, 303, res.body);
			assert.equal(res.headers.location, `/audit/review?from=${today}&to=${today}&done=marked`);
		}
		res = await co.post(page, '/audit/review/mark', { from: today, to: today, seq: f[0].seq, note: 'again' });
		assert.equal(res.status, 409);
		const after = flags((await co.req(page)).body);
		assert.ok(after.every((x) => x.marked), JSON.stringify(after));
		assert.equal(after[0].note, `Checked ${after[0].seq}: Terry mistyped; export by Olive for the binder.`);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE verb = 'AUDIT_REVIEW' AND object_type = 'audit_event'"),
			String(f.length));
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE verb = 'AUDIT_REVIEW' AND detail LIKE '%mistyped%'"), '0',
			'notes stay out of the events');
		await assert.rejects(sql(srv, "UPDATE audit_review_marks SET note = 'changed'"));
		await assert.rejects(sql(srv, 'DELETE FROM audit_review_marks'));
	});

	test('the signed-off review records period, reviewer and counts, and is listed', async () => {
		const page = `/audit/review?from=${today}&to=${today}`;
		let res = await co.post(page, '/audit/review', { from: today, to: today, note: '' });
		assert.equal(res.status, 422);
		res = await co.post(page, '/audit/review', { from: today, to: today, note: 'Reviewed: nothing improper.' });
		assert.equal(res.status, 303, res.body);
		const row = await one(srv, "SELECT r.period_from || '|' || r.period_to || '|' || u.email || '|' || r.flagged || '|' || " +
			'r.counts FROM audit_reviews r JOIN users u ON u.id = r.reviewer_id');
		const [from, to, who, flagged, counts] = row.split('|');
		assert.deepEqual([from, to, who, flagged], [today, today, 'officer@example.test', '6']);
		assert.equal(JSON.parse(counts).LOGIN_FAIL, 5);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE verb = 'AUDIT_REVIEW' AND object_type = 'audit_review'"), '1');
		res = await co.req(`${page}&done=signed`);
		assert.match(res.body, /Review signed off/);
		assert.match(decode(res.body), new RegExp(`<td>${today} to ${today}</td><td>Olive Officer</td>`));
		assert.match(res.body, /Reviewed: nothing improper\./);
		await assert.rejects(sql(srv, 'DELETE FROM audit_reviews'));
	});
});

/*
 * The flags about whose charts were opened, driven by real reads: a user
 * who opens 20 or more different patients' records in a day with no
 * usual day to compare with, a staff member opening their own chart
 * (patients.staff_user_id, set on the patient form), and a colleague
 * opening it.
 */
const PERSON = (i) => ({ legal_first: `Pat${String.fromCharCode(65 + i)}`,
	legal_last: `Reader${String.fromCharCode(65 + i)}son`, dob: `1980-01-${String(i + 1).padStart(2, '0')}`,
	status: 'active' });
const version = (html) => /name="version" value="(\d+)"/.exec(html)[1];

describe(`audit-log review: charts opened (${lib.ENGINE})`, () => {
	let srv, owner, admin, co, today, ids = [];

	before(async () => {
		srv = await lib.startServer({ name: 'audit-review-charts' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const opw = await addUser(srv, 'officer@example.test', 'Olive Officer', 'compliance');
		const apw = await addUser(srv, 'admin@example.test', 'Adah Admin', 'admin');
		co = client(srv);
		await co.signIn('officer@example.test', opw);
		admin = client(srv);
		await admin.signIn('admin@example.test', apw);
		for (let i = 0; i < 21; i++) {
			const res = await owner.post('/patients/new', '/patients', PERSON(i));
			assert.equal(res.status, 303, res.body);
			ids.push(/\/patients\/(\d+)$/.exec(res.headers.location)[1]);
		}
		const zone = await one(srv, 'SELECT timezone FROM practices WHERE id = 1');
		today = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());
	});
	after(async () => { if (srv) await srv.stop(); });

	test('the owner links a staff member\'s chart to their account on the patient form', async () => {
		const ownerId = await one(srv, `SELECT id FROM users WHERE email = '${lib.OWNER_EMAIL}'`);
		const form = await owner.req(`/patients/${ids[0]}/edit`);
		assert.match(form.body, /<select id="f-staff_user_id" name="staff_user_id"/);
		const res = await owner.post(`/patients/${ids[0]}/edit`, `/patients/${ids[0]}/edit`, {
			...PERSON(0), version: version(form.body), staff_patient: '1', staff_user_id: ownerId });
		assert.equal(res.status, 303, res.body);
		assert.equal(await one(srv, `SELECT staff_user_id FROM patients WHERE id = ${ids[0]}`), ownerId);
		/* A link without the staff flag is refused, with what was typed kept. */
		const form1 = await owner.req(`/patients/${ids[1]}/edit`);
		const bad = await owner.post(`/patients/${ids[1]}/edit`, `/patients/${ids[1]}/edit`, {
			...PERSON(1), version: version(form1.body), staff_user_id: ownerId, preferred: 'Kept Typing' });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Only a record marked as a member of staff/);
		assert.match(bad.body, /value="Kept Typing"/);
		assert.equal(await one(srv, `SELECT count(*) FROM patients WHERE staff_user_id IS NOT NULL`), '1');
	});

	test('own chart, a colleague\'s chart and a day of far more charts than usual are flagged and markable', async () => {
		/* The owner opens their own chart first, then 20 others: 21 in a day. */
		for (const id of ids)
			assert.equal((await owner.req(`/patients/${id}`)).status, 200);
		assert.equal((await admin.req(`/patients/${ids[0]}`)).status, 200);
		const page = `/audit/review?from=${today}&to=${today}`;
		const res = await co.req(page);
		assert.equal(res.status, 200);
		const f = flags(res.body);
		const own = f.filter((x) => x.label === 'A staff member opened their own chart');
		const coll = f.filter((x) => x.label === 'A colleague\'s chart was opened');
		const many = f.filter((x) => x.label === 'Far more charts opened than usual');
		/* Every read of the chart by its owner: the edit form twice, the page once. */
		const ownReads = await one(srv, `SELECT count(*) FROM audit_events WHERE action = 'R' AND patient_id = ${ids[0]} ` +
			`AND actor_user_id = (SELECT id FROM users WHERE email = '${lib.OWNER_EMAIL}')`);
		assert.equal(String(own.length), ownReads, 'every own-chart read');
		assert.ok(own.length >= 1);
		assert.equal(coll.length, 1, 'one colleague read');
		assert.equal(many.length, 1, 'one day of many charts');
		const body = decode(res.body);
		assert.match(body, new RegExp(`opened 21 different patients' records on ${today} \\(usually 0 a day\\)`));
		assert.ok(body.includes('20 or more different patients'), 'the rule is on the page');
		/* The admin opened one chart: no many-charts flag for them. */
		assert.ok(!/Adah Admin opened \d+ different/.test(body));
		const seq = await one(srv, 'SELECT max(seq) FROM audit_events WHERE action = \'R\' AND patient_id IS NOT NULL ' +
			`AND actor_user_id = (SELECT id FROM users WHERE email = '${lib.OWNER_EMAIL}')`);
		assert.equal(many[0].seq, seq, 'the day is flagged on its last read');
		for (const x of [...own, coll[0], many[0]]) {
			const m = await co.post(page, '/audit/review/mark', { from: today, to: today, seq: x.seq,
				note: `Checked ${x.seq}` });
			assert.equal(m.status, 303, m.body);
		}
		const after_ = flags((await co.req(page)).body);
		for (const x of [...own, coll[0], many[0]])
			assert.ok(after_.find((y) => y.seq === x.seq).marked, `event ${x.seq} is marked`);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_review_marks WHERE flag IN " +
			"('own_chart', 'colleague_chart', 'many_charts')"), String(own.length + 2));
	});
});
