'use strict';
/*
 * The security risk analysis and the risk register through their pages
 * (issue #8, 45 CFR 164.308(a)(1)(ii)(A)-(B)): a full walk through (start,
 * Alcove's prefilled suggestions with their evidence, answers saved,
 * refused forms that keep what was typed, completing and signing), the
 * completed assessment sealed (pages and database triggers), the annual
 * risk-analysis task completed with the assessment as evidence, the next
 * assessment started from the last answers, the register (derived risks,
 * manual risks, validation, sorting), a risk made into a compliance task,
 * the CSV export, audit events; pages pass html-validate.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql } = require('./client');

const csrfOf = (body) => /name="csrf" value="([^"]+)"/.exec(body)[1];
const one = async (srv, q) => (await sql(srv, q)).trim();
const idFrom = (loc) => Number(/\/(\d+)(\?|$)/.exec(loc)[1]);

function addDays(n) {
	const d = new Date();
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}

/* Every question's key, in page order. */
const keysOf = (body) => [...new Set([...body.matchAll(/name="a_([a-z_]+)"/g)].map((m) => m[1]))];
const checked = (body, key) => {
	const m = new RegExp(`id="a-${key}-([a-z]+)" name="a_${key}" value="[a-z]+" checked`).exec(body);
	return m ? m[1] : null;
};

describe(`risk analysis (${lib.ENGINE})`, () => {
	let srv, owner, aid, keys;
	const pages = {};

	before(async () => {
		srv = await lib.startServer({ name: 'risk' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		/* A vendor that receives PHI without a BAA, for the prefill. */
		const v = await owner.req('/vendors/new');
		const made = await owner.req('/vendors', { form: { csrf: csrfOf(v.body), name: 'FaxCloud',
			services: 'Cloud fax', phi: 'Referral letters', baa_status: 'none', effective_on: '',
			expires_on: '', review_months: '12', contact_name: '', contact_email: '', contact_phone: '' } });
		assert.equal(made.status, 303);
	});
	after(async () => { if (srv) await srv.stop(); });

	test('starting an assessment prefills what Alcove knows, marked with its evidence', async () => {
		const idx = await owner.req('/compliance/risk');
		assert.equal(idx.status, 200);
		assert.match(idx.body, /<a href="\/compliance\/risk" aria-current="page">Risk analysis<\/a>/);
		assert.match(idx.body, /No assessment yet\./);
		pages.index = idx;
		const start = await owner.req('/compliance/risk/assessments', { form: { csrf: csrfOf(idx.body) } });
		assert.equal(start.status, 303);
		aid = idFrom(start.headers.location);
		const page = await owner.req(start.headers.location);
		assert.equal(page.status, 200);
		assert.match(page.body, /Security risk analysis, version 1/);
		assert.match(page.body, /The assessment is started/);
		keys = keysOf(page.body);
		assert.ok(keys.length >= 40, `${keys.length} questions`);
		for (const h of ['Administrative safeguards', 'Physical safeguards', 'Technical safeguards',
			'Organizational requirements'])
			assert.match(page.body, new RegExp(`<h2 id="[a-z]+">${h}`));
		assert.match(page.body, /45 CFR 164\.308\(a\)\(1\)\(ii\)\(A\) \(required\)/);
		assert.match(page.body, /45 CFR 164\.312\(a\)\(2\)\(iv\) \(addressable\)/);
		/* The suggestions and their evidence. */
		assert.match(page.body, /<strong class="badge">Prefilled by Alcove<\/strong> Vendors: 1 of 1 vendors that receive PHI have no signed, current BAA: FaxCloud\./);
		assert.equal(checked(page.body, 'baa'), 'no');
		assert.equal(checked(page.body, 'encryption_rest'), 'yes');
		assert.match(page.body, /Alcove encrypts PHI in its database and its backups/);
		assert.match(page.body, /Settings: two-step sign-in is required for owners and administrators/);
		assert.equal(checked(page.body, 'authentication'), 'partly');
		assert.match(page.body, /Settings: Alcove signs a person out after 15 idle minutes/);
		assert.match(page.body, /Alcove has no record of a good backup\./);
		assert.equal(checked(page.body, 'backups'), 'no');
		assert.equal(checked(page.body, 'ra_scope'), null, 'not known to Alcove: left to the practice');
		assert.equal(await one(srv, `SELECT count(*) FROM risk_answers WHERE assessment_id = ${aid} AND prefilled = 1`),
			String((page.body.match(/Prefilled by Alcove/g) || []).length));
		assert.equal(await one(srv, `SELECT count(*) FROM audit_events WHERE object_type = 'risk_assessment' ` +
			`AND verb = 'CREATE' AND object_id = '${aid}'`), '1');
		/* One in progress at a time: starting again leads back to it. */
		const again = await owner.req('/compliance/risk/assessments', { form: { csrf: csrfOf(page.body) } });
		assert.equal(again.status, 303);
		assert.equal(again.headers.location, `/compliance/risk/assessments/${aid}?done=open`);
		assert.equal(await one(srv, 'SELECT count(*) FROM risk_assessments'), '1');
	});

	const answers = (over = {}) => {
		const f = {};
		for (const k of keys) {
			f[`a_${k}`] = 'yes';
			f[`n_${k}`] = '';
		}
		f.a_ra_scope = 'no';
		f.n_ra_scope = 'The home laptops were never listed.';
		f.a_malware = 'partly';
		f.a_contingency_ops = 'na';
		f.n_contingency_ops = 'No premises: the practice is fully remote.';
		return { ...f, ...over };
	};

	test('answers are saved; a refused form and an early signature keep what was typed', async () => {
		const url = `/compliance/risk/assessments/${aid}`;
		const { body } = await owner.req(url);
		const csrf = csrfOf(body);
		const bad = await owner.req(url, { form: { csrf, ...answers({ a_malware: 'maybe' }) } });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /role="alert">Choose yes, partly, no or not applicable\./);
		assert.match(bad.body, />The home laptops were never listed\.<\/textarea>/);
		assert.equal(checked(bad.body, 'ra_scope'), 'no');
		pages.refused = bad;
		assert.equal(await one(srv, `SELECT count(*) FROM risk_answers WHERE assessment_id = ${aid} AND ` +
			"question_key = 'ra_scope' AND answer IS NOT NULL"), '0');
		/* Half answered: completing is refused, the signature kept. */
		const half = {};
		for (const k of keys.slice(0, 10))
			half[`a_${k}`] = 'yes';
		assert.equal((await owner.req(url, { form: { csrf, ...half } })).status, 303);
		const early = await owner.req(`${url}/complete`, { form: { csrf, signature: 'Olive Owner' } });
		assert.equal(early.status, 422);
		assert.match(early.body, /Answer every question before completing: \d+ still have no answer\./);
		assert.match(early.body, /id="f-signature" name="signature" value="Olive Owner"/);
		assert.match(early.body, /Not answered yet\./);
		pages.early = early;
		/* All answered. */
		const ok = await owner.req(url, { form: { csrf, ...answers() } });
		assert.equal(ok.status, 303);
		const saved = await owner.req(ok.headers.location);
		assert.match(saved.body, /The answers are saved\./);
		assert.match(saved.body, new RegExp(`${keys.length} of ${keys.length} questions answered`));
		assert.equal(checked(saved.body, 'ra_scope'), 'no');
		/* A suggestion kept stays marked; one changed does not. */
		assert.equal(await one(srv, `SELECT prefilled FROM risk_answers WHERE assessment_id = ${aid} AND ` +
			"question_key = 'encryption_rest'"), '1');
		assert.equal(await one(srv, `SELECT prefilled FROM risk_answers WHERE assessment_id = ${aid} AND ` +
			"question_key = 'baa'"), '0');
		pages.inProgress = saved;
	});

	test('completing signs and seals it, fills the register and completes the annual task', async () => {
		const url = `/compliance/risk/assessments/${aid}`;
		const { body } = await owner.req(url);
		const dueBefore = await one(srv, "SELECT next_due FROM compliance_tasks WHERE seed_key = 'risk_analysis'");
		const unsigned = await owner.req(`${url}/complete`, { form: { csrf: csrfOf(body), signature: '' } });
		assert.equal(unsigned.status, 422);
		assert.match(unsigned.body, /Type your full name to sign the assessment\./);
		const done = await owner.req(`${url}/complete`, { form: { csrf: csrfOf(body), signature: 'Olive Owner' } });
		assert.equal(done.status, 303);
		const page = await owner.req(done.headers.location);
		assert.match(page.body, /Completed and signed by Olive Owner \(owner\) on \d{4}-\d\d-\d\d \d\d:\d\d/);
		assert.match(page.body, /This assessment is sealed/);
		assert.doesNotMatch(page.body, /Save the answers/);
		assert.match(page.body, /<fieldset class="plain risk-question" disabled/);
		pages.completed = page;
		assert.equal(await one(srv, `SELECT status || ' ' || signed_name FROM risk_assessments WHERE id = ${aid}`),
			'completed Olive Owner');
		/* The register: the "no" and the "partly", not the "n/a". */
		assert.equal(await one(srv, 'SELECT count(*) FROM risks'), '2');
		assert.equal(await one(srv, "SELECT likelihood * impact FROM risks WHERE question_key = 'ra_scope'"), '12');
		assert.match(await one(srv, "SELECT vulnerability FROM risks WHERE question_key = 'ra_scope'"),
			/answered "No" to: Have you listed every place .* Note: The home laptops were never listed\./);
		/* The annual task: its occurrence completed with the evidence. */
		const dueAfter = await one(srv, "SELECT next_due FROM compliance_tasks WHERE seed_key = 'risk_analysis'");
		assert.equal(Number(dueAfter.slice(0, 4)), Number(dueBefore.slice(0, 4)) + 1);
		assert.match(await one(srv, 'SELECT o.note FROM compliance_occurrences o JOIN compliance_tasks t ON ' +
			"t.id = o.task_id WHERE t.seed_key = 'risk_analysis'"),
			new RegExp(`^Security risk analysis version 1 completed and signed by Olive Owner\\. The assessment: ` +
				`/compliance/risk/assessments/${aid}$`));
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'risk' AND verb = 'CREATE'"),
			'2');
		assert.match(await one(srv, `SELECT detail FROM audit_events WHERE object_type = 'risk_assessment' AND ` +
			`object_id = '${aid}' ORDER BY seq DESC LIMIT 1`), /"change":"completed".*"risks_added":2.*"task_completed":1/);
	});

	test('a completed assessment cannot change, through the pages or the database', async () => {
		const url = `/compliance/risk/assessments/${aid}`;
		const { body } = await owner.req(url);
		const csrf = csrfOf(body);
		const save = await owner.req(url, { form: { csrf, ...answers({ a_ra_scope: 'yes' }) } });
		assert.equal(save.status, 409);
		assert.match(save.body, /completed and signed; it can no longer change/);
		const again = await owner.req(`${url}/complete`, { form: { csrf, signature: 'Someone Else' } });
		assert.equal(again.status, 409);
		assert.equal(await one(srv, `SELECT answer FROM risk_answers WHERE assessment_id = ${aid} AND ` +
			"question_key = 'ra_scope'"), 'no');
		assert.equal(await one(srv, `SELECT signed_name FROM risk_assessments WHERE id = ${aid}`), 'Olive Owner');
		await assert.rejects(async () => sql(srv, `UPDATE risk_answers SET answer = 'yes' WHERE assessment_id = ${aid}`));
		await assert.rejects(async () => sql(srv, `UPDATE risk_assessments SET signed_name = 'X' WHERE id = ${aid}`));
		await assert.rejects(async () => sql(srv, `DELETE FROM risk_answers WHERE assessment_id = ${aid}`));
		assert.equal(await one(srv, `SELECT count(*) FROM risk_answers WHERE assessment_id = ${aid} AND answer = 'yes'`),
			String(keys.length - 3));
	});

	test('the next assessment starts from the last answers and notes', async () => {
		const idx = await owner.req('/compliance/risk');
		assert.match(idx.body, /Version 1<\/a>/);
		assert.match(idx.body, /Completed/);
		assert.match(idx.body, /2 open of 2 risks/);
		const start = await owner.req('/compliance/risk/assessments', { form: { csrf: csrfOf(idx.body),
			from_previous: '1' } });
		assert.equal(start.status, 303);
		const id2 = idFrom(start.headers.location);
		const page = await owner.req(start.headers.location);
		assert.match(page.body, /Security risk analysis, version 2/);
		assert.equal(checked(page.body, 'ra_scope'), 'no');
		assert.match(page.body, />The home laptops were never listed\.<\/textarea>/);
		/* Alcove's suggestion wins over last year's answer. */
		assert.equal(checked(page.body, 'baa'), 'no');
		assert.equal(await one(srv, `SELECT based_on FROM risk_assessments WHERE id = ${id2}`), String(aid));
	});

	test('the register: derived and manual risks, validation, sorting by score', async () => {
		const reg = await owner.req('/compliance/risk/register');
		assert.equal(reg.status, 200);
		assert.match(reg.body, /Risks to some electronic PHI are not known/);
		pages.register = reg;
		const rid = Number(await one(srv, "SELECT id FROM risks WHERE question_key = 'malware'"));
		const form = await owner.req(`/compliance/risk/risks/${rid}`);
		assert.match(form.body, /Found by the risk analysis, version 1\./);
		pages.risk = form;
		const csrf = csrfOf(form.body);
		const ownerId = await one(srv, `SELECT id FROM users WHERE email = '${lib.OWNER_EMAIL}'`);
		const fields = { csrf, title: 'Ransomware encrypts the practice laptops', vulnerability: 'Updates are manual',
			likelihood: '5', impact: '5', owner_id: ownerId, treatment: 'accept', accept_reason: '', plan: '',
			due_on: '', status: 'open' };
		const bad = await owner.req(`/compliance/risk/risks/${rid}`, { form: fields });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Say why the practice accepts this risk\./);
		assert.match(bad.body, /value="Ransomware encrypts the practice laptops"/);
		assert.match(bad.body, />Updates are manual<\/textarea>/);
		pages.riskRefused = bad;
		const ok = await owner.req(`/compliance/risk/risks/${rid}`, { form: { ...fields, treatment: 'mitigate',
			plan: 'Turn on automatic updates and install endpoint protection', due_on: addDays(30) } });
		assert.equal(ok.status, 303);
		const saved = await owner.req(ok.headers.location);
		assert.match(saved.body, /The risk is saved\./);
		assert.match(saved.body, /<strong id="rk-score">25<\/strong>/);
		/* A risk added by hand; an empty threat is refused, input kept. */
		const nf = await owner.req('/compliance/risk/risks/new');
		const manual = { csrf: csrfOf(nf.body), title: '', vulnerability: 'Front desk screen faces the waiting room',
			likelihood: '2', impact: '2', owner_id: '', treatment: 'mitigate', accept_reason: '', plan: '',
			due_on: '', status: 'open' };
		const nbad = await owner.req('/compliance/risk/risks', { form: manual });
		assert.equal(nbad.status, 422);
		assert.match(nbad.body, /Describe the threat in a line/);
		assert.match(nbad.body, />Front desk screen faces the waiting room<\/textarea>/);
		const badDate = await owner.req('/compliance/risk/risks', { form: { ...manual, title: 'Shoulder surfing',
			due_on: 'next week' } });
		assert.equal(badDate.status, 422);
		assert.match(badDate.body, /Enter the due date as a date/);
		const nok = await owner.req('/compliance/risk/risks', { form: { ...manual, title: 'Shoulder surfing' } });
		assert.equal(nok.status, 303);
		/* By score: 25, 12, 4; by due date: the dated one first. */
		const sorted = await owner.req('/compliance/risk/register');
		const titles = [...sorted.body.matchAll(/<td><a href="\/compliance\/risk\/risks\/\d+">([^<]+)<\/a>/g)]
			.map((m) => m[1]);
		assert.deepEqual(titles, ['Ransomware encrypts the practice laptops',
			'Risks to some electronic PHI are not known, so nothing is done about them.', 'Shoulder surfing']);
		assert.match(sorted.body, /25 \(High: 5 x 5\)/);
		const byDue = await owner.req('/compliance/risk/register?sort=due');
		assert.match(byDue.body, /<strong>due date<\/strong>/);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'risk' AND verb = 'UPDATE'"),
			'1');
	});

	test('a risk becomes a compliance task in its owner\'s list, once', async () => {
		const rid = Number(await one(srv, "SELECT id FROM risks WHERE question_key = 'malware'"));
		const plain = Number(await one(srv, "SELECT id FROM risks WHERE title = 'Shoulder surfing'"));
		const f = await owner.req(`/compliance/risk/risks/${plain}`);
		const refused = await owner.req(`/compliance/risk/risks/${plain}/task`, { form: { csrf: csrfOf(f.body) } });
		assert.equal(refused.status, 422);
		assert.match(refused.body, /Give the risk an owner, a planned action and a due date first/);
		const made = await owner.req(`/compliance/risk/risks/${rid}/task`, { form: { csrf: csrfOf(f.body) } });
		assert.equal(made.status, 303);
		const page = await owner.req(made.headers.location);
		assert.match(page.body, /The compliance task is created in the owner&#39;s list\./);
		const tid = await one(srv, `SELECT task_id FROM risks WHERE id = ${rid}`);
		assert.match(page.body, new RegExp(`<a href="/compliance/tasks/${tid}">a compliance task</a>`));
		assert.equal(await one(srv, `SELECT title || '|' || next_due || '|' || recurrence || '|' || rule_citation ` +
			`FROM compliance_tasks WHERE id = ${tid}`),
			`Risk: Ransomware encrypts the practice laptops|${addDays(30)}|once|45 CFR 164.308(a)(1)(ii)(B)`);
		const list = await owner.req('/compliance');
		assert.match(list.body, /Risk: Ransomware encrypts the practice laptops/);
		const twice = await owner.req(`/compliance/risk/risks/${rid}/task`, { form: { csrf: csrfOf(f.body) } });
		assert.equal(twice.status, 409);
		assert.match(twice.body, /already has a compliance task/);
		assert.equal(await one(srv, "SELECT count(*) FROM compliance_tasks WHERE title LIKE 'Risk: %'"), '1');
	});

	test('the register exports as CSV, recorded in the audit trail', async () => {
		const csv = await owner.req('/compliance/risk/register.csv');
		assert.equal(csv.status, 200);
		assert.match(csv.headers['content-type'], /^text\/csv/);
		assert.match(csv.headers['content-disposition'], /attachment; filename="risk-register.csv"/);
		const lines = csv.body.split('\r\n').filter((l) => l);
		assert.equal(lines[0], 'risk_id,threat,vulnerability,likelihood,impact,score,owner,treatment,accept_reason,' +
			'planned_action,due_on,status,assessment_version,task_id');
		assert.equal(lines.length, 4);
		assert.match(lines[1], /^\d+,"Ransomware encrypts the practice laptops","Updates are manual",5,5,25,"[^"]+","mitigate","","Turn on automatic updates and install endpoint protection","\d{4}-\d\d-\d\d","open",1,\d+$/);
		assert.match(lines[3], /^\d+,"Shoulder surfing",.*,2,2,4,"",/);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'risk_register' AND " +
			"verb = 'EXPORT'"), '1');
	});

	test('every risk page is valid HTML, also in its error states', async () => {
		const hv = new HtmlValidate({ extends: ['html-validate:recommended'] });
		pages.newRisk = await owner.req('/compliance/risk/risks/new');
		for (const [name, res] of Object.entries(pages)) {
			assert.ok([200, 409, 422].includes(res.status), `${name}: ${res.status}`);
			const r = await hv.validateString(res.body, `${name}.html`);
			assert.ok(r.valid, `html-validate ${name}:\n${r.results.flatMap((x) =>
				x.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`)).join('\n')}`);
		}
	});
});
