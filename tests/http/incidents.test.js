'use strict';
/*
 * Incidents and breaches through their pages (issue #8): a front-desk
 * member reports an incident by name and anonymously (and then nothing
 * names them: not the incident, the timeline or the audit trail), the
 * timeline is append-only in the database, the workflow needs an approved
 * determination, the four-factor assessment needs a second approver, the
 * deadlines of a 500+ breach include HHS and of 501 residents of one state
 * the media, the list is sorted by next deadline, the annual HHS log is a
 * CSV, the notice letter has the five elements of 164.404(c); every page,
 * also in its error states, passes html-validate.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const csrfOf = (body) => /name="csrf" value="([^"]+)"/.exec(body)[1];
const one = async (srv, q) => (await sql(srv, q)).trim();

/* Calendar date n days after iso, in UTC. */
function addDays(iso, n) {
	const d = new Date(`${iso}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}

const assessment = (extra = {}) => ({
	exc_rationale: 'No exception applies: the laptop left the practice.',
	f1_rating: 'high', f1_text: 'Names, dates of birth and diagnoses of the week\'s patients.',
	f2_rating: 'medium', f2_text: 'Unknown member of the public.',
	f3_rating: 'medium', f3_text: 'Unknown whether it was opened.',
	f4_rating: 'low', f4_text: 'Remote wipe confirmed on the next day.',
	determination: 'breach', affected: '12', states: 'NY 10\nNJ 2', delay_kind: 'none',
	...extra,
});

describe(`incidents (${lib.ENGINE})`, () => {
	let srv, owner, comp, desk, deskId;

	before(async () => {
		srv = await lib.startServer({ name: 'incidents' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const cpw = await addUser(srv, 'cora@example.test', 'Cora Compliance', 'compliance');
		comp = client(srv);
		await comp.signIn('cora@example.test', cpw);
		const dpw = await addUser(srv, 'dee@example.test', 'Dee Desk', 'front_desk');
		desk = client(srv);
		await desk.signIn('dee@example.test', dpw);
		deskId = await one(srv, "SELECT id FROM users WHERE email = 'dee@example.test'");
	});
	after(async () => { if (srv) await srv.stop(); });

	const report = async (c, fields) => {
		const { res, csrf } = await c.page('/incidents/new');
		assert.equal(res.status, 200);
		return c.req('/incidents', { form: { csrf, ...fields } });
	};
	const idOf = async (title) => Number(await one(srv, `SELECT id FROM incidents WHERE title = '${title}'`));

	test('front desk reports an incident by name in one short form', async () => {
		const form = await desk.req('/incidents/new');
		assert.equal(form.status, 200);
		assert.match(form.body, /<a href="\/incidents\/new" aria-current="page">Report an incident<\/a>/);
		assert.doesNotMatch(form.body, /href="\/incidents">Incidents</);
		assert.match(form.body, /Report anonymously/);
		assert.match(form.body, /Your name is then not stored with the report, its timeline or the audit trail/);
		const today = /name="discovered_on" value="([^"]+)"/.exec(form.body)[1];
		const res = await desk.req('/incidents', { form: { csrf: csrfOf(form.body), title: 'Fax sent to the wrong number',
			description: 'Intake form for J.D. faxed to a pharmacy.', discovered_on: today } });
		assert.equal(res.status, 303);
		assert.equal(res.headers.location, '/incidents/new?done=reported');
		assert.match((await desk.req(res.headers.location)).body, /Thank you\. Your report is recorded/);
		assert.equal(await one(srv, "SELECT reporter_id || ' ' || anonymous || ' ' || status FROM incidents " +
			"WHERE title = 'Fax sent to the wrong number'"), `${deskId} 0 triage`);
		assert.equal((await desk.req('/incidents')).status, 403);
		const id = await idOf('Fax sent to the wrong number');
		assert.equal((await desk.req(`/incidents/${id}`)).status, 403);
		const page = await comp.req(`/incidents/${id}`);
		assert.equal(page.status, 200);
		assert.match(page.body, /<dt>Reported by<\/dt>\s*<dd>Dee Desk<\/dd>/);
		assert.match(page.body, /Dee Desk:<\/span> <span class="pre-wrap">Reported\.<\/span>/);
	});

	test('an anonymous report names nobody: not the incident, its timeline nor the audit trail', async () => {
		const res = await report(desk, { title: 'Password on a sticky note', description: 'At the front desk.',
			discovered_on: '2026-01-05', anonymous: '1' });
		assert.equal(res.status, 303);
		const id = await idOf('Password on a sticky note');
		assert.equal(await one(srv, `SELECT count(*) FROM incidents WHERE id = ${id} AND reporter_id IS NULL AND anonymous = 1`), '1');
		assert.equal(await one(srv, `SELECT count(*) FROM incident_events WHERE incident_id = ${id} AND actor_id IS NULL`), '1');
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'incident' AND verb = 'CREATE' " +
			`AND object_id = '${id}' AND actor_user_id IS NULL AND actor_role = 'anonymous' AND session_ref IS NULL ` +
			'AND source_addr IS NULL AND user_agent IS NULL AND request_id IS NULL'), '1');
		const page = await owner.req(`/incidents/${id}`);
		assert.match(page.body, /<dt>Reported by<\/dt>\s*<dd>Anonymous<\/dd>/);
		assert.doesNotMatch(page.body, /Dee Desk/);
	});

	test('a report without what happened or with a future date is refused, input kept', async () => {
		const res = await report(desk, { title: '', description: 'Kept <text>', discovered_on: '2026-01-05' });
		assert.equal(res.status, 422);
		assert.match(res.body, /Say in a few words what happened/);
		assert.match(res.body, />Kept &lt;text&gt;<\/textarea>/);
		const later = await report(desk, { title: 'Future', description: 'x', discovered_on: '2999-01-01' });
		assert.equal(later.status, 422);
		assert.match(later.body, /not later than today/);
		assert.equal(await one(srv, "SELECT count(*) FROM incidents WHERE title = 'Future'"), '0');
	});

	test('the timeline is append-only in the database itself', async () => {
		await assert.rejects(sql(srv, "UPDATE incident_events SET body = 'rewritten'"), /append-only/);
		await assert.rejects(sql(srv, 'DELETE FROM incident_events'), /append-only/);
		await assert.rejects(sql(srv, 'DELETE FROM incidents'), /never deleted|append-only/);
		assert.equal(await one(srv, "SELECT count(*) FROM incident_events WHERE body = 'rewritten'"), '0');
	});

	test('assessment with four factors, a second approver, then mitigation; each step on the timeline', async () => {
		await report(desk, { title: 'Laptop left on the bus', description: 'Work laptop, schedule open.', discovered_on: '2026-01-05' });
		const id = await idOf('Laptop left on the bus');
		const page = await comp.req(`/incidents/${id}`);
		for (const label of ['The nature and extent of the PHI involved', 'The unauthorized person who used the PHI',
			'Whether the PHI was actually acquired or viewed', 'The extent to which the risk to the PHI has been mitigated',
			'Unintentional access by a workforce member', 'Inadvertent disclosure between people authorized',
			'could not reasonably have retained the information'])
			assert.match(page.body, new RegExp(label), label);
		const csrf = csrfOf(page.body);
		const early = await comp.req(`/incidents/${id}/status`, { form: { csrf, status: 'mitigation' } });
		assert.equal(early.status, 409);
		assert.match(early.body, /come after an approved breach determination/);
		const noRating = await comp.req(`/incidents/${id}/assessment`, { form: { csrf, ...assessment({ f3_rating: '' }) } });
		assert.equal(noRating.status, 422);
		assert.match(noRating.body, /Rate each of the four factors/);
		assert.match(noRating.body, /Remote wipe confirmed on the next day\./);
		const saved = await comp.req(`/incidents/${id}/assessment`, { form: { csrf, ...assessment() } });
		assert.equal(saved.status, 303);
		const self = await comp.req(`/incidents/${id}/approve`, { form: { csrf } });
		assert.equal(self.status, 422);
		assert.match(self.body, /A second person who manages incidents must approve/);
		const ok = await owner.req(`/incidents/${id}/approve`, { form: { csrf: csrfOf((await owner.req(`/incidents/${id}`)).body) } });
		assert.equal(ok.status, 303);
		const moved = await comp.req(`/incidents/${id}/status`, { form: { csrf, status: 'mitigation' } });
		assert.equal(moved.status, 303);
		const after = await comp.req(`/incidents/${id}`);
		assert.match(after.body, /A breach, approved by [^<]+ on \d{4}-\d\d-\d\d/);
		assert.match(after.body, /Assessment recorded: A breach; 12 affected \(by state: NY 10, NJ 2\)/);
		assert.match(after.body, /Determination approved: A breach\./);
		assert.match(after.body, /Moved from Triage to Mitigation\./);
		assert.equal(await one(srv, `SELECT CASE WHEN assessed_by <> approved_by THEN 1 ELSE 0 END FROM incidents WHERE id = ${id}`), '1');
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'incident' AND verb = 'UPDATE' " +
			`AND object_id = '${id}'`), '3');
		assert.ok(Number(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'incident' AND verb = 'VIEW' " +
			`AND object_id = '${id}'`)) >= 3);
	});

	test('a breach of 500 or more shows the HHS deadline; 501 residents of one state the media', async () => {
		await report(desk, { title: 'Stolen server', description: 'Break-in.', discovered_on: '2026-01-05' });
		const id = await idOf('Stolen server');
		const csrf = csrfOf((await comp.req(`/incidents/${id}`)).body);
		await comp.req(`/incidents/${id}/assessment`, { form: { csrf, ...assessment({ affected: '500', states: 'NY 500' }) } });
		let page = await comp.req(`/incidents/${id}`);
		assert.match(page.body, /Notice to each individual: <time datetime="2026-03-06">/);
		assert.match(page.body, /Notice to HHS \(500 or more affected\): <time datetime="2026-03-06">/);
		assert.doesNotMatch(page.body, /Notice to prominent media/);
		await comp.req(`/incidents/${id}/assessment`, { form: { csrf, ...assessment({ affected: '600', states: 'NY 501\nNJ 99' }) } });
		page = await comp.req(`/incidents/${id}`);
		assert.match(page.body, /Notice to prominent media: <time datetime="2026-03-06">/);
		await comp.req(`/incidents/${id}/assessment`, { form: { csrf, ...assessment({ affected: '20', states: '' }) } });
		page = await comp.req(`/incidents/${id}`);
		assert.match(page.body, /HHS annual log \(fewer than 500 affected\): <time datetime="2027-03-01">/);
		const bad = await comp.req(`/incidents/${id}/assessment`, { form: { csrf, ...assessment({ affected: '10', states: 'NY 501' }) } });
		assert.equal(bad.status, 422);
	});

	test('open incidents are listed by their next deadline', async () => {
		const today = (await one(srv, "SELECT max(discovered_on) FROM incidents WHERE title = 'Fax sent to the wrong number'"));
		await report(desk, { title: 'Older one', description: 'x', discovered_on: addDays(today, -20) });
		const list = await comp.req('/incidents');
		assert.equal(list.status, 200);
		const older = list.body.indexOf('>Older one<'), fax = list.body.indexOf('>Fax sent to the wrong number<');
		assert.ok(older > 0 && fax > older, 'the older discovery, with the nearer deadline, comes first');
		assert.match(list.body, new RegExp(`Notices to individuals: <time datetime="${addDays(today, 40)}">`));
	});

	test('the annual HHS log of approved breaches under 500 downloads as CSV', async () => {
		const res = await comp.req('/incidents/hhs-log.csv?year=2026');
		assert.equal(res.status, 200);
		assert.match(res.headers['content-type'], /^text\/csv/);
		assert.match(res.headers['content-disposition'], /hhs-breach-log-2026\.csv/);
		const lines = res.body.trim().split('\r\n');
		assert.equal(lines[0], 'incident_id,discovered_on,title,determination,determined_on,affected,states,status');
		assert.equal(lines.length, 2, res.body);
		assert.match(lines[1], /^\d+,"2026-01-05","Laptop left on the bus","breach","\d{4}-\d\d-\d\d",12,"NJ 2, NY 10","mitigation"$/);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE verb = 'EXPORT' AND object_type = 'incident'"), '1');
	});

	test('the notice letter has the five elements of 164.404(c), prefilled and editable, then printable', async () => {
		const id = await idOf('Laptop left on the bus');
		const draft = await comp.req(`/incidents/${id}/letter`);
		assert.equal(draft.status, 200);
		for (const label of ['What happened', 'What information was involved', 'What you can do to protect yourself',
			'What we are doing', 'How to reach us'])
			assert.match(draft.body, new RegExp(`>${label}</label>`));
		assert.match(draft.body, /We discovered this on 2026-01-05\./);
		assert.match(draft.body, /Names, dates of birth and diagnoses/);
		const print = await comp.req(`/incidents/${id}/letter`, { form: { csrf: csrfOf(draft.body),
			what_happened: 'Edited account.', information: 'Names.', steps: 'Watch statements.', our_actions: 'Wiped it.',
			contact: 'Call 1-800-555-0100.' } });
		assert.equal(print.status, 200);
		assert.match(print.body, /Notice of a breach of your health information/);
		assert.match(print.body, /Edited account\./);
		assert.match(print.body, /Call 1-800-555-0100\./);
		assert.equal(await one(srv, `SELECT count(*) FROM audit_events WHERE verb = 'PRINT' AND object_id = '${id}'`), '1');
	});

	test('every incident page is valid HTML, also in its error states', async () => {
		const hv = new HtmlValidate({ extends: ['html-validate:recommended'] });
		const id = await idOf('Laptop left on the bus');
		const csrf = csrfOf((await comp.req(`/incidents/${id}`)).body);
		const pages = {
			newForm: await desk.req('/incidents/new'),
			badReport: await report(desk, { title: '', description: '', discovered_on: 'x' }),
			list: await comp.req('/incidents'),
			incident: await comp.req(`/incidents/${id}`),
			badNote: await comp.req(`/incidents/${id}/note`, { form: { csrf, note: '' } }),
			badAssessment: await comp.req(`/incidents/${id}/assessment`, { form: { csrf, determination: '' } }),
			letter: await comp.req(`/incidents/${id}/letter`),
			printable: await comp.req(`/incidents/${id}/letter`, { form: { csrf } }),
		};
		for (const [name, res] of Object.entries(pages)) {
			assert.ok([200, 422].includes(res.status), `${name}: ${res.status}`);
			const r = await hv.validateString(res.body, `${name}.html`);
			assert.ok(r.valid, `html-validate ${name}:\n${r.results.flatMap((x) =>
				x.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`)).join('\n')}`);
		}
	});
});
