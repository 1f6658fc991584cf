'use strict';
/*
 * The audit viewer (issue #5): the owner reads the practice's audit trail
 * in plain language, narrows it with filters kept in the URL, walks older
 * pages by keyset without repeats or gaps, and exports the same rows as
 * CSV and JSON; a clinician is refused; viewing writes a VIEW event and
 * each export an AUDIT_EXPORT event.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

/* The visible text of the audit table's rows, entities decoded. */
function rows(html) {
	const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html);
	if (!body)
		return [];
	return [...body[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => {
		const cells = [...m[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1].replace(/<[^>]+>/g, '')).trim());
		return { when: cells[0], what: cells[1], addr: cells[2], outcome: cells[3], rid: cells[4] };
	});
}

function decode(s) {
	return s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
		.replace(/&#x2F;/g, '/').replace(/&amp;/g, '&');
}

function olderLink(html) {
	const m = /<a rel="next" href="([^"]+)">Older<\/a>/.exec(html);
	return m ? decode(m[1]) : null;
}

const count = async (srv, where) => Number((await sql(srv, `SELECT count(*) FROM audit_events WHERE ${where}`)).trim());

describe(`audit viewer (${lib.ENGINE})`, () => {
	let srv, owner, ownerName, caseyId;

	before(async () => {
		srv = await lib.startServer({ name: 'audit-viewer' });
		/* Two failed sign-ins on the owner's account, one on nobody's. */
		await client(srv).login(lib.OWNER_EMAIL, 'not the password, first try');
		await client(srv).login(lib.OWNER_EMAIL, 'not the password, second try');
		await client(srv).login('nobody@example.test', 'whatever it is');
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		ownerName = (await sql(srv, `SELECT display_name FROM users WHERE email = '${lib.OWNER_EMAIL}'`)).trim();
		const pw = await addUser(srv, 'casey@example.test', 'Casey Lee', 'front_desk');
		caseyId = (await sql(srv, "SELECT id FROM users WHERE email = 'casey@example.test'")).trim();
		const out = await lib.runCli(['user', 'roles', '--data', srv.instance.dir, '--email', 'casey@example.test',
			'--role', 'front_desk', '--role', 'billing', '--reason', 'covers billing']);
		assert.equal(out.code, 0, out.stderr);
		await client(srv).signIn('casey@example.test', pw);
	});
	after(async () => { if (srv) await srv.stop(); });

	test('the owner sees sign-ins, failures and role changes in plain language, and viewing is recorded', async () => {
		const views = await count(srv, "verb = 'VIEW' AND object_type = 'audit_trail'");
		const res = await owner.req('/audit');
		assert.equal(res.status, 200);
		assert.match(res.body, /<a href="\/audit" aria-current="page">Audit trail<\/a>|href="\/audit"/);
		const what = rows(res.body).map((r) => r.what);
		assert.ok(what.includes(`${ownerName} signed in (second step)`), what.join('\n'));
		assert.ok(what.includes(`${ownerName} signed in (password)`));
		assert.ok(what.includes(`Failed sign-in for ${lib.OWNER_EMAIL} (wrong password)`), what.join('\n'));
		assert.ok(what.includes('Failed sign-in for an unknown account (unknown account)'));
		assert.ok(what.includes("Casey Lee's roles changed: Front desk -> Front desk, Billing") ||
			what.includes("Casey Lee's roles changed: Front desk -> Billing, Front desk"), what.join('\n'));
		const fail = rows(res.body).find((r) => r.what.startsWith('Failed sign-in for owner'));
		assert.equal(fail.outcome, 'Failed');
		assert.match(fail.rid, /^[0-9a-f]{16}$/);
		/* In the practice's zone, labelled (issue #5). */
		assert.match(fail.when, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d America\/New_York$/);
		assert.equal(await count(srv, "verb = 'VIEW' AND object_type = 'audit_trail'"), views + 1, 'one VIEW event per page');
		const ev = await sql(srv, "SELECT actor_user_id || '|' || practice_id || '|' || request_id FROM audit_events " +
			"WHERE verb = 'VIEW' AND object_type = 'audit_trail' ORDER BY seq DESC LIMIT 1");
		assert.match(ev, /^\d+\|1\|[0-9a-f]{16}\n$/);
	});

	test('filters by what happened and by staff member narrow the list and stay in the links', async () => {
		const fails = await owner.req('/audit?verb=LOGIN_FAIL');
		const f = rows(fails.body);
		assert.equal(f.length, await count(srv, "verb = 'LOGIN_FAIL'"));
		assert.ok(f.length >= 3);
		assert.ok(f.every((r) => r.what.startsWith('Failed sign-in')));
		assert.match(fails.body, /<option value="LOGIN_FAIL" selected>/);
		assert.match(fails.body, /href="\/audit\/export\.csv\?user=&amp;patient=&amp;verb=LOGIN_FAIL&amp;/);
		const casey = rows((await owner.req(`/audit?user=${caseyId}`)).body);
		assert.ok(casey.length >= 1, 'Casey signed in');
		assert.ok(casey.every((r) => r.what.startsWith('Casey Lee')), casey.map((r) => r.what).join('\n'));
		const both = rows((await owner.req(`/audit?user=${caseyId}&verb=LOGIN_FAIL`)).body);
		assert.equal(both.length, 0);
		const ok = rows((await owner.req('/audit?outcome=failure')).body);
		assert.ok(ok.length >= 3 && ok.every((r) => r.outcome === 'Failed'));
		const today = new Date().toISOString().slice(0, 10);
		assert.ok(rows((await owner.req(`/audit?from=${today}&to=${today}`)).body).length > 0);
		assert.equal(rows((await owner.req('/audit?from=2001-01-01&to=2001-01-31')).body).length, 0);
		assert.equal(rows((await owner.req('/audit?sensitivity=part2')).body).length, 0);
	});

	test('filters that cannot be understood are explained, not guessed', async () => {
		for (const [q, msg] of [['patient=abc', /patient number is a whole number/], ['verb=DROP', /Choose what happened/],
			['from=2026-02-30', /start date/], ['from=2026-05-02&to=2026-05-01', /end date is before/],
			['outcome=maybe', /Choose an outcome/], ['user=x', /Choose a staff member/]]) {
			const res = await owner.req(`/audit?${q}`);
			assert.equal(res.status, 400, q);
			assert.match(res.body, msg);
			assert.equal(rows(res.body).length, 0);
			const exp = await owner.req(`/audit/export.csv?${q}`);
			assert.equal(exp.status, 400, q);
		}
	});

	test('keyset pagination walks older pages without repeats or gaps', async () => {
		/* Each view of the trail is an event: make more than two pages. */
		for (let i = 0; i < 110; i++)
			assert.equal((await owner.req('/audit?verb=VIEW')).status, 200);
		const top = Number((await sql(srv, 'SELECT max(seq) FROM audit_events')).trim());
		const expected = (await sql(srv, `SELECT request_id FROM audit_events WHERE verb = 'VIEW' AND seq <= ${top} ` +
			'ORDER BY seq DESC')).trim().split('\n');
		assert.ok(expected.length > 100);
		const seen = [];
		let next = '/audit?verb=VIEW', pages = 0;
		while (next) {
			const res = await owner.req(next);
			assert.equal(res.status, 200);
			const page = rows(res.body);
			assert.ok(page.length <= 50);
			if (pages > 0)
				assert.match(res.body, /Newest<\/a>/);
			seen.push(...page.map((r) => r.rid));
			next = olderLink(res.body);
			if (next)
				assert.match(next, /[?&]verb=VIEW&.*before=\d+$/);
			pages++;
		}
		assert.ok(pages >= 3, `${pages} pages`);
		/* The first page was read before its own VIEW event was written. */
		assert.deepEqual(seen, expected);
	});

	test('a clinician is refused the viewer and its exports, and sees no link to it', async () => {
		const pw = await addUser(srv, 'dana@example.test', 'Dana Rivera', 'clinician');
		const c = client(srv);
		await c.signIn('dana@example.test', pw);
		assert.doesNotMatch((await c.req('/home')).body, /href="\/audit"/);
		for (const p of ['/audit', '/audit/export.csv', '/audit/export.json'])
			assert.equal((await c.req(p)).status, 403, p);
	});

	test('the CSV export holds the filtered rows, defuses formulas, and is recorded first', async () => {
		const pw = await addUser(srv, 'formula@example.test', '=HYPERLINK("http://x")', 'front_desk');
		await client(srv).signIn('formula@example.test', pw);
		const exports = await count(srv, "verb = 'AUDIT_EXPORT'");
		const res = await owner.req('/audit/export.csv?verb=LOGIN');
		assert.equal(res.status, 200);
		assert.match(res.headers['content-type'], /^text\/csv/);
		assert.match(res.headers['content-disposition'], /attachment; filename="audit-trail\.csv"/);
		const lines = res.body.trim().split('\r\n');
		assert.match(lines[0], /^seq,time_utc,event,actor_user_id,actor_name,actor_email,actor_role,address,verb,/);
		assert.equal(lines.length - 1, await count(srv, "verb = 'LOGIN'"));
		assert.ok(lines.slice(1).every((l) => /,"LOGIN","E",/.test(l)), lines.join('\n'));
		assert.ok(lines.some((l) => l.includes('"\'=HYPERLINK(""http://x"") signed in (password)"')), 'formula defused');
		assert.ok(!lines.some((l) => /,"=/.test(l)));
		assert.equal(await count(srv, "verb = 'AUDIT_EXPORT'"), exports + 1);
		const ev = await sql(srv, "SELECT action || '|' || object_type || '|' || detail FROM audit_events WHERE verb = 'AUDIT_EXPORT' ORDER BY seq DESC LIMIT 1");
		assert.equal(ev.trim(), 'R|audit_trail|{"format":"csv","max":100000}');
	});

	test('the JSON export holds the filtered rows and is recorded', async () => {
		const exports = await count(srv, "verb = 'AUDIT_EXPORT'");
		const res = await owner.req(`/audit/export.json?user=${caseyId}&outcome=success`);
		assert.equal(res.status, 200);
		assert.match(res.headers['content-type'], /^application\/json/);
		const list = JSON.parse(res.body);
		assert.ok(Array.isArray(list) && list.length >= 1);
		assert.equal(list.length, await count(srv, `actor_user_id = ${caseyId} AND outcome = 0 AND (practice_id = 1 OR practice_id IS NULL)`));
		for (const e of list) {
			assert.equal(e.actor_user_id, Number(caseyId));
			assert.equal(e.actor_name, 'Casey Lee');
			assert.equal(e.outcome, 0);
			assert.match(e.time_utc, /UTC$/);
			assert.equal(typeof e.seq, 'number');
		}
		assert.ok(list.some((e) => e.event === 'Casey Lee signed in (password)'));
		for (let i = 1; i < list.length; i++)
			assert.ok(list[i - 1].seq > list[i].seq, 'newest first');
		assert.equal(await count(srv, "verb = 'AUDIT_EXPORT'"), exports + 1);
		const none = JSON.parse((await owner.req('/audit/export.json?from=2001-01-01&to=2001-01-01')).body);
		assert.deepEqual(none, []);
	});

	test('the viewer passes html-validate (recommended), with rows, filters, an error and an older page', async () => {
		const hv = new HtmlValidate({ extends: ['html-validate:recommended'] });
		const first = await owner.req('/audit?verb=VIEW');
		for (const p of ['/audit', '/audit?verb=LOGIN_FAIL&outcome=failure', '/audit?patient=abc', olderLink(first.body)]) {
			const res = await owner.req(p);
			const report = await hv.validateString(res.body, 'audit.html');
			const msgs = report.results.flatMap((r) => r.messages.map((m) => `${p}:${m.line}:${m.column} ${m.ruleId}: ${m.message}`));
			assert.ok(report.valid, `html-validate:\n${msgs.join('\n')}`);
		}
	});
});
