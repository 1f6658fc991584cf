'use strict';
/*
 * The compliance program through its pages (issue #8, first slice): the
 * seeded HIPAA program of a new practice, completing a task (checklist,
 * required note, schedule kept from the due date, a form sent twice),
 * reassigning with a reason, who may do what, adding / editing / retiring
 * with input kept on errors, records never deleted, audit events, and the
 * iCalendar feed read back with python3-icalendar; every page, also in
 * its error states, passes html-validate.
 */
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const csrfOf = (body) => /name="csrf" value="([^"]+)"/.exec(body)[1];
/* An attribute value as the browser reads it. */
const unescape = (s) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
	.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/* Calendar date arithmetic for expectations, in UTC (no time zones). */
function addMonths(iso, n, anchor) {
	const [y, m] = iso.split('-').map(Number);
	const idx = y * 12 + (m - 1) + n;
	const ny = Math.floor(idx / 12), nm = idx % 12 + 1;
	const dim = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
	return `${ny}-${String(nm).padStart(2, '0')}-${String(Math.min(anchor, dim)).padStart(2, '0')}`;
}

/* Parses an iCalendar text with python3-icalendar; returns its events. */
function parseIcal(text) {
	const py = 'import sys, json, icalendar\n' +
		'cal = icalendar.Calendar.from_ical(sys.stdin.read())\n' +
		'print(json.dumps({"version": str(cal.get("version")), "prodid": str(cal.get("prodid")),\n' +
		' "events": [{"uid": str(e.get("uid")), "summary": str(e.get("summary")),\n' +
		'  "start": e.decoded("dtstart").isoformat(), "end": e.decoded("dtend").isoformat(),\n' +
		'  "allday": e.get("dtstart").params.get("VALUE"), "stamp": str(e.get("dtstamp").to_ical(), "ascii"),\n' +
		'  "description": str(e.get("description"))} for e in cal.walk("VEVENT")]}))\n';
	return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], { input: text, encoding: 'utf8' }));
}

describe(`compliance program (${lib.ENGINE})`, () => {
	let srv, owner, clin, clinPw;

	before(async () => {
		srv = await lib.startServer({ name: 'compliance' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		clinPw = await addUser(srv, 'casey@example.test', 'Casey Lee', 'clinician');
		clin = client(srv);
		await clin.signIn('casey@example.test', clinPw);
	});
	after(async () => { if (srv) await srv.stop(); });

	const taskId = async (title) => Number((await sql(srv,
		`SELECT id FROM compliance_tasks WHERE title = '${title}'`)).trim());

	test('a new practice starts with the seeded HIPAA program, each task citing its rule', async () => {
		const res = await owner.req('/compliance');
		assert.equal(res.status, 200);
		lib.assertSecurityHeaders(res, 'GET /compliance', { page: true });
		assert.match(res.body, /<a href="\/compliance" aria-current="page">Compliance<\/a>/);
		for (const title of ['Annual security risk analysis', 'Annual policy and procedure review',
			'Annual workforce security and privacy training', 'Annual business associate agreement review',
			'Monthly audit-log review', 'Monthly access review', 'Quarterly backup restore test',
			'Annual contingency plan test', 'Annual device and asset inventory review',
			'Annual notice of privacy practices review', 'Vulnerability scan', 'Yearly penetration test'])
			assert.match(res.body, new RegExp(`>${title}</a>`), title);
		assert.match(res.body, /45 CFR 164\.308\(a\)\(1\)\(ii\)\(A\)-\(B\)/);
		assert.match(res.body, /Every 6 months/);
		assert.match(res.body, /due in 30 days/);
		/* Soonest first: the 30-day group before the later one. */
		assert.ok(res.body.indexOf('Due in the next 30 days') < res.body.indexOf('>Later<'));
		assert.match(res.body, /Nothing is overdue\./);
		assert.equal((await sql(srv, 'SELECT count(*) FROM compliance_tasks')).trim(), '12');
		assert.equal((await sql(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'compliance_task' " +
			"AND verb = 'CREATE' AND actor_role = 'system'")).trim(), '12');
		const owners = (await sql(srv, 'SELECT DISTINCT u.email FROM compliance_tasks t JOIN users u ON u.id = t.owner_id')).trim();
		assert.equal(owners, lib.OWNER_EMAIL);
	});

	test('completing needs a note, records the checklist, and keeps the schedule on its date', async () => {
		const id = await taskId('Annual security risk analysis');
		const page = await owner.req(`/compliance/tasks/${id}`);
		assert.equal(page.status, 200);
		assert.match(page.body, /HIPAA requires an accurate and thorough assessment/);
		const due = /name="due" value="(\d{4}-\d\d-\d\d)"/.exec(page.body)[1];
		const csrf = csrfOf(page.body);
		const bad = await owner.req(`/compliance/tasks/${id}/complete`, { form: { csrf, due, note: '', item0: '1' } });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Write a few words on what was done\./);
		assert.match(bad.body, /id="f-item0" name="item0" value="1" checked>/, 'the ticks are kept');
		assert.match(bad.body, /aria-invalid="true"/);
		const ok = await owner.req(`/compliance/tasks/${id}/complete`,
			{ form: { csrf, due, note: 'Report <b>filed</b> in the binder', item0: '1', item2: '1' } });
		assert.equal(ok.status, 303);
		assert.equal(ok.headers.location, `/compliance/tasks/${id}?done=completed`);
		const after1 = await owner.req(ok.headers.location);
		assert.match(after1.body, /Marked as done/);
		assert.match(after1.body, /Report &lt;b&gt;filed&lt;\/b&gt; in the binder/);
		assert.match(after1.body, /Done: Update the list of systems and devices that hold PHI/);
		assert.match(after1.body, /Not done: Identify threats and weaknesses for each/);
		const next = addMonths(due, 12, Number(due.slice(8)));
		assert.match(after1.body, new RegExp(`name="due" value="${next}"`), 'a year after the due date');
		/* The same form again completes nothing. */
		const again = await owner.req(`/compliance/tasks/${id}/complete`, { form: { csrf, due, note: 'twice' } });
		assert.equal(again.status, 409);
		assert.match(again.body, /already been completed/);
		assert.equal((await sql(srv, `SELECT count(*) FROM compliance_occurrences WHERE task_id = ${id}`)).trim(), '1');
		assert.equal((await sql(srv, `SELECT checklist FROM compliance_occurrences WHERE task_id = ${id}`)).split('\n')[0],
			'[x] Update the list of systems and devices that hold PHI');
		assert.equal((await sql(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'compliance_task' " +
			`AND verb = 'UPDATE' AND object_id = '${id}' AND detail LIKE '%completed%'`)).trim(), '1');
	});

	test('staff see the program; only owners, backups and managers complete or reassign', async () => {
		const id = await taskId('Monthly access review');
		const list = await clin.req('/compliance');
		assert.equal(list.status, 200);
		assert.doesNotMatch(list.body, /Add a task/);
		assert.equal((await clin.req('/compliance/tasks/new')).status, 403);
		const page = await clin.req(`/compliance/tasks/${id}`);
		assert.equal(page.status, 200);
		assert.doesNotMatch(page.body, /Mark as done/, 'no form for someone who cannot use it');
		const csrf = csrfOf(page.body);
		const res = await clin.req(`/compliance/tasks/${id}/complete`, { form: { csrf, due: '2000-01-01', note: 'x' } });
		assert.equal(res.status, 403);
		assert.equal((await clin.req('/compliance/tasks/999999')).status, 404);
	});

	test('reassigning needs a reason and is recorded with who, when and why', async () => {
		const id = await taskId('Monthly access review');
		const page = await owner.req(`/compliance/tasks/${id}`);
		const csrf = csrfOf(page.body);
		const caseyId = (await sql(srv, "SELECT id FROM users WHERE email = 'casey@example.test'")).trim();
		const bad = await owner.req(`/compliance/tasks/${id}/reassign`, { form: { csrf, owner: caseyId, reason: '' } });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Say why/);
		assert.match(bad.body, new RegExp(`<option value="${caseyId}" selected>Casey Lee</option>`));
		const ok = await owner.req(`/compliance/tasks/${id}/reassign`,
			{ form: { csrf, owner: caseyId, reason: 'Owner on leave until June' } });
		assert.equal(ok.status, 303);
		const shown = await owner.req(ok.headers.location);
		assert.match(shown.body, /Owner changed from [^<]* to Casey Lee by [^<]*\. Reason: Owner on leave until June/);
		assert.match(shown.body, /<dt>Owner<\/dt>\s*<dd>Casey Lee<\/dd>/);
		assert.equal((await sql(srv, `SELECT reason FROM compliance_reassignments WHERE task_id = ${id}`)).trim(),
			'Owner on leave until June');
		/* Now Casey owns it and can complete it. */
		const cpage = await clin.req(`/compliance/tasks/${id}`);
		assert.match(cpage.body, /Mark as done/);
		const due = /name="due" value="([^"]+)"/.exec(cpage.body)[1];
		const done = await clin.req(`/compliance/tasks/${id}/complete`,
			{ form: { csrf: csrfOf(cpage.body), due, note: 'Reviewed all accounts' } });
		assert.equal(done.status, 303);
	});

	test('tasks are added and edited with input kept on errors, and retired, never deleted', async () => {
		const form = await owner.req('/compliance/tasks/new');
		assert.equal(form.status, 200);
		const csrf = csrfOf(form.body);
		const ownerId = (await sql(srv, `SELECT id FROM users WHERE email = '${lib.OWNER_EMAIL}'`)).trim();
		const bad = await owner.req('/compliance/tasks', {
			form: { csrf, title: 'Shred <old> files', next_due: '2026-02-30', owner: ownerId,
				recurrence: 'days', every_days: '0', checklist: 'Bin one\nBin two' },
		});
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Enter the due date as a date/);
		assert.match(bad.body, /Enter a number of days from 1 to 3660/);
		assert.match(bad.body, /value="Shred &lt;old&gt; files"/, 'the title is kept, escaped');
		assert.match(bad.body, /<option value="days" selected>/);
		assert.match(bad.body, />Bin one\nBin two<\/textarea>/);
		const ok = await owner.req('/compliance/tasks', {
			form: { csrf, title: 'Shred old files', next_due: '2027-01-31', owner: ownerId,
				recurrence: 'monthly', rule_citation: '45 CFR 164.310(d)(2)(i)', checklist: 'Bin one\nBin two' },
		});
		assert.equal(ok.status, 303);
		const id = Number(/\/compliance\/tasks\/(\d+)\?done=added/.exec(ok.headers.location)[1]);
		const shown = await owner.req(ok.headers.location);
		assert.match(shown.body, /The task is added/);
		assert.match(shown.body, /<time datetime="2027-01-31">/);
		/* Month ends are kept: Jan 31 -> Feb 28 -> Mar 31. */
		let due = '2027-01-31';
		for (const want of ['2027-02-28', '2027-03-31']) {
			const p = await owner.req(`/compliance/tasks/${id}`);
			const r = await owner.req(`/compliance/tasks/${id}/complete`, { form: { csrf: csrfOf(p.body), due, note: 'shredded' } });
			assert.equal(r.status, 303);
			due = (await sql(srv, `SELECT next_due FROM compliance_tasks WHERE id = ${id}`)).trim();
			assert.equal(due, want);
		}
		const edit = await owner.req(`/compliance/tasks/${id}/edit`);
		assert.match(edit.body, /value="Shred old files"/);
		assert.match(edit.body, /<option value="monthly" selected>/);
		const saved = await owner.req(`/compliance/tasks/${id}/edit`, {
			form: { csrf, title: 'Shred old paper files', next_due: due, owner: ownerId, recurrence: 'quarterly' },
		});
		assert.equal(saved.status, 303);
		assert.match((await owner.req(saved.headers.location)).body, /Shred old paper files[\s\S]*Every quarter/);
		const noReason = await owner.req(`/compliance/tasks/${id}/retire`, { form: { csrf, reason: '' } });
		assert.equal(noReason.status, 422);
		const retired = await owner.req(`/compliance/tasks/${id}/retire`, { form: { csrf, reason: 'We went paperless' } });
		assert.equal(retired.status, 303);
		const page = await owner.req(retired.headers.location);
		assert.match(page.body, /This task is retired: We went paperless\. Its record is kept until \d{4}-\d\d-\d\d/);
		assert.doesNotMatch((await owner.req('/compliance')).body, /Shred old paper files/);
		assert.equal((await sql(srv, `SELECT status FROM compliance_tasks WHERE id = ${id}`)).trim(), 'retired');
		assert.equal((await sql(srv, `SELECT count(*) FROM compliance_occurrences WHERE task_id = ${id}`)).trim(), '2');
		assert.equal((await sql(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'compliance_task' " +
			`AND object_id = '${id}'`)).trim(), '5', 'created, 2 completions, edited, retired');
		/* A retired task cannot be changed any more. */
		const late = await owner.req(`/compliance/tasks/${id}/edit`, {
			form: { csrf, title: 'x', next_due: '2030-01-01', owner: ownerId, recurrence: 'once' },
		});
		assert.equal(late.status, 409);
	});

	test('the pages pass html-validate (recommended), also with errors shown', async () => {
		const hv = new HtmlValidate({ extends: ['html-validate:recommended'] });
		const id = await taskId('Annual policy and procedure review');
		const task = await owner.req(`/compliance/tasks/${id}`);
		const csrf = csrfOf(task.body);
		const due = /name="due" value="([^"]+)"/.exec(task.body)[1];
		const pages = {
			list: await owner.req('/compliance'),
			task,
			clinicianTask: await clin.req(`/compliance/tasks/${id}`),
			noteMissing: await owner.req(`/compliance/tasks/${id}/complete`, { form: { csrf, due, note: '' } }),
			reasonMissing: await owner.req(`/compliance/tasks/${id}/reassign`, { form: { csrf, owner: '', reason: '' } }),
			newForm: await owner.req('/compliance/tasks/new'),
			badForm: await owner.req('/compliance/tasks', { form: { csrf, title: '', recurrence: 'days' } }),
			edit: await owner.req(`/compliance/tasks/${id}/edit`),
			calendar: await owner.req('/compliance/calendar'),
		};
		for (const [name, res] of Object.entries(pages)) {
			assert.ok([200, 422].includes(res.status), `${name}: ${res.status}`);
			const report = await hv.validateString(res.body, `${name}.html`);
			assert.ok(report.valid, `html-validate ${name}:\n${report.results.flatMap((r) =>
				r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`)).join('\n')}`);
		}
	});

	test('the calendar feed is RFC 5545, per person, and dies when revoked', async () => {
		const page = await owner.req('/compliance/calendar');
		assert.equal(page.status, 200);
		assert.match(page.body, /You have no calendar link/);
		const made = await owner.req('/compliance/calendar/token', { form: { csrf: csrfOf(page.body) } });
		assert.equal(made.status, 200);
		assert.match(made.headers['cache-control'], /no-store/);
		const url = unescape(/id="feed-url" type="text" readonly value="([^"]+)"/.exec(made.body)[1]);
		assert.match(url, /^https:\/\/[^/]+\/compliance\/calendar\.ics\?token=/);
		const token = /token=([A-Za-z0-9_-]{43})$/.exec(url)[1];
		assert.equal((await sql(srv, `SELECT count(*) FROM compliance_feed_tokens WHERE token_hash = '${token}'`)).trim(),
			'0', 'only a hash is stored');
		/* A calendar app: no cookies. */
		const ics = await srv.request(`/compliance/calendar.ics?token=${token}`);
		assert.equal(ics.status, 200);
		assert.match(ics.headers['content-type'], /^text\/calendar; charset=utf-8/);
		const lines = ics.body.split('\r\n');
		assert.equal(lines.pop(), '', 'ends with CRLF');
		for (const l of lines) {
			assert.ok(Buffer.byteLength(l) <= 75, `line longer than 75 octets: ${l}`);
			assert.ok(!l.includes('\n'), 'no bare LF');
		}
		assert.match(ics.body, /^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\nPRODID:-\/\/Alcove\/\/Compliance calendar\/\/EN\r\n/);
		assert.match(ics.body, /DTSTART;VALUE=DATE:\d{8}\r\n/);
		const cal = parseIcal(ics.body);
		assert.equal(cal.version, '2.0');
		const active = Number((await sql(srv, "SELECT count(*) FROM compliance_tasks WHERE status = 'active' " +
			'AND next_due IS NOT NULL')).trim());
		assert.equal(cal.events.length, active, 'the owner manages: every task');
		const ra = cal.events.find((e) => e.summary === 'Annual security risk analysis');
		assert.ok(ra, 'the risk analysis is in the feed');
		assert.equal(ra.allday, 'DATE');
		const due = (await sql(srv, "SELECT next_due FROM compliance_tasks WHERE seed_key = 'risk_analysis'")).trim();
		assert.equal(ra.start, due);
		assert.match(ra.uid, /^compliance-task-\d+-\d{8}@practice-\d+\.alcove$/);
		assert.match(ra.stamp, /^\d{8}T\d{6}Z$/);
		assert.match(ra.description, /^Owner: .*\nRule: 45 CFR 164\.308\(a\)\(1\)\(ii\)\(A\)-\(B\)\nEvery year$/);
		/* Casey (not a manager) sees only the task Casey owns. */
		const cpage = await clin.req('/compliance/calendar');
		const cmade = await clin.req('/compliance/calendar/token', { form: { csrf: csrfOf(cpage.body) } });
		const ctoken = /token&#61;([A-Za-z0-9_-]{43})"/.exec(cmade.body)[1];
		const cical = parseIcal((await srv.request(`/compliance/calendar.ics?token=${ctoken}`)).body);
		assert.deepEqual(cical.events.map((e) => e.summary), ['Monthly access review']);
		/* Unknown and revoked tokens answer 404. */
		assert.equal((await srv.request('/compliance/calendar.ics?token=' + 'A'.repeat(43))).status, 404);
		assert.equal((await srv.request('/compliance/calendar.ics')).status, 404);
		const again = await owner.req('/compliance/calendar');
		assert.match(again.body, /You have a calendar link, made \d{4}-\d\d-\d\d/);
		const off = await owner.req('/compliance/calendar/revoke', { form: { csrf: csrfOf(again.body) } });
		assert.equal(off.status, 200);
		assert.match(off.body, /The calendar link is turned off/);
		assert.equal((await srv.request(`/compliance/calendar.ics?token=${token}`)).status, 404);
		assert.ok(!srv.stderr.includes(token), 'the token never reaches the log');
	});
});
