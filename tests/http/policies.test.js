'use strict';
/*
 * Policies through their pages (issue #8): adopting a starter policy,
 * editing the draft, publishing immutable versions, attestation bound to
 * the exact version and reset by a new one (older attestations kept),
 * the report of who has not attested, what a staff member still has to
 * attest to, markdown rendered without letting script through, wrong
 * roles refused, audit events; pages pass html-validate.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const csrfOf = (body) => /name="csrf" value="([^"]+)"/.exec(body)[1];
const one = async (srv, q) => (await sql(srv, q)).trim();

describe(`policies and attestation (${lib.ENGINE})`, () => {
	let srv, owner, desk, billing, pid;

	before(async () => {
		srv = await lib.startServer({ name: 'policies' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const pw = await addUser(srv, 'desk@example.test', 'Dee Desk', 'front_desk');
		desk = client(srv);
		await desk.signIn('desk@example.test', pw);
		const pw2 = await addUser(srv, 'billing@example.test', 'Bill Billing', 'billing');
		billing = client(srv);
		await billing.signIn('billing@example.test', pw2);
	});
	after(async () => { if (srv) await srv.stop(); });

	test('a manager adopts a starter policy as a draft that staff cannot see yet', async () => {
		const list = await owner.req('/policies');
		assert.equal(list.status, 200);
		const adopts = list.body.match(/Adopt: /g) || [];
		assert.ok(adopts.length >= 8, `at least 8 starter policies, got ${adopts.length}`);
		assert.match(list.body, /Adopt: Minimum Necessary Use and Disclosure/);
		assert.match(list.body, /Adopt: Psychotherapy Notes/);
		const res = await owner.req('/policies/adopt', { form: { csrf: csrfOf(list.body), template: 'minimum-necessary' } });
		assert.equal(res.status, 303);
		const m = /^\/policies\/(\d+)\/edit\?done=adopted$/.exec(res.headers.location);
		assert.ok(m, res.headers.location);
		pid = Number(m[1]);
		const edit = await owner.req(res.headers.location);
		assert.equal(edit.status, 200);
		assert.match(edit.body, /The draft is created/);
		assert.match(edit.body, /<h3>Purpose<\/h3>/);
		assert.match(edit.body, /Publish as version 1/);
		assert.equal(await one(srv, `SELECT status || ' ' || current_version FROM policies WHERE id = ${pid}`), 'draft 0');
		assert.equal(await one(srv, `SELECT count(*) FROM audit_events WHERE object_type = 'policy' AND object_id = '${pid}' AND verb = 'CREATE'`), '1');
		/* Staff do not see a draft. */
		assert.doesNotMatch((await desk.req('/policies')).body, /Minimum Necessary/);
		assert.equal((await desk.req(`/policies/${pid}`)).status, 404);
		const bad = await owner.req('/policies/adopt', { form: { csrf: csrfOf(list.body), template: 'no-such' } });
		assert.equal(bad.status, 404);
	});

	test('publishing, attesting to version 1, and a new version resetting the round', async () => {
		const edit = await owner.req(`/policies/${pid}/edit`);
		const csrf = csrfOf(edit.body);
		const ownerId = await one(srv, `SELECT id FROM users WHERE email = '${lib.OWNER_EMAIL}'`);
		const saved = await owner.req(`/policies/${pid}/edit`, { form: { csrf, title: 'Minimum necessary',
			owner_id: ownerId, review_months: '12', draft: '# Minimum necessary\n\nUse **only** what you need.\n' } });
		assert.equal(saved.status, 303);
		const pub = await owner.req(`/policies/${pid}/publish`, { form: { csrf, effective_on: '2026-01-15', summary: 'First version' } });
		assert.equal(pub.status, 303);
		assert.equal(pub.headers.location, `/policies/${pid}?done=published`);
		/* Publishing the same text again is refused. */
		const same = await owner.req(`/policies/${pid}/publish`, { form: { csrf, effective_on: '2026-01-16', summary: '' } });
		assert.equal(same.status, 409);
		assert.match(same.body, /has not changed/);

		const list = await desk.req('/policies');
		assert.match(list.body, /You have 1 policy version\(s\) to read and attest to\./);
		assert.match(list.body, /To read and attest/);
		const page = await desk.req(`/policies/${pid}`);
		assert.equal(page.status, 200);
		assert.match(page.body, /Use <strong>only<\/strong> what you need\./);
		assert.match(page.body, /I have read and understood version 1/);
		const att = await desk.req(`/policies/${pid}/attest`, { form: { csrf: csrfOf(page.body), version: '1' } });
		assert.equal(att.status, 303);
		const after1 = await desk.req(att.headers.location);
		assert.match(after1.body, /your attestation is recorded/);
		assert.match(after1.body, /You attested to version 1 on/);
		assert.doesNotMatch(after1.body, /I have read and understood/);
		assert.match((await desk.req('/policies')).body, /You are up to date/);
		const hash = await one(srv, `SELECT body_hash FROM policy_versions WHERE policy_id = ${pid} AND version = 1`);
		assert.match(hash, /^[0-9a-f]{64}$/);
		assert.equal(await one(srv, `SELECT t.body_hash FROM policy_attestations t JOIN users u ON u.id = t.user_id WHERE u.email = 'desk@example.test'`), hash);
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'policy_attestation' AND verb = 'CREATE'"), '1');

		/* The report: the desk attested, the owner and billing have not. */
		const rep = await owner.req(`/policies/${pid}/report`);
		assert.equal(rep.status, 200);
		assert.match(rep.body, /Version 1: 1 attested, 2 not yet\./);
		const rows = rep.body.split('<tr>').slice(2);
		assert.match(rows[0] + rows[1], /Bill Billing[\s\S]*Not attested/);
		assert.match(rows[2], /Dee Desk[\s\S]*Attested /);

		/* Version 2 resets the round; version 1's attestation stays. */
		await owner.req(`/policies/${pid}/edit`, { form: { csrf, title: 'Minimum necessary', owner_id: ownerId,
			review_months: '12', draft: '# Minimum necessary\n\nUse only what you need. Ask the privacy official.\n' } });
		assert.equal((await owner.req(`/policies/${pid}/publish`, { form: { csrf, effective_on: '2026-06-01', summary: 'Who to ask' } })).status, 303);
		const list2 = await desk.req('/policies');
		assert.match(list2.body, /You have 1 policy version\(s\) to read and attest to\./);
		/* Attesting to the old version is refused. */
		const stale = await desk.req(`/policies/${pid}/attest`, { form: { csrf: csrfOf(list2.body), version: '1' } });
		assert.equal(stale.status, 409);
		assert.match(stale.body, /A newer version of this policy has been published/);
		const rep2 = await owner.req(`/policies/${pid}/report`);
		assert.match(rep2.body, /Version 2: 0 attested, 3 not yet\./);
		assert.match(rep2.body, /Dee Desk<\/td>\s*<td>desk@example\.test<\/td>\s*<td><strong>Not attested<\/strong><\/td>\s*<td>1<\/td>/);
		assert.equal(await one(srv, `SELECT count(*) FROM policy_attestations`), '1');
		const v1 = await desk.req(`/policies/${pid}/versions/1`);
		assert.equal(v1.status, 200);
		assert.match(v1.body, /This is an earlier version/);
		assert.doesNotMatch(v1.body, /I have read and understood/);
		assert.match((await desk.req(`/policies/${pid}`)).body, /I have read and understood version 2/);
	});

	test('a published version cannot be changed or deleted in the database', async () => {
		await assert.rejects(sql(srv, `UPDATE policy_versions SET body = 'rewritten' WHERE policy_id = ${pid}`));
		await assert.rejects(sql(srv, `DELETE FROM policy_versions WHERE policy_id = ${pid}`));
		await assert.rejects(sql(srv, 'DELETE FROM policy_attestations'));
		assert.equal(await one(srv, `SELECT count(*) FROM policy_versions WHERE policy_id = ${pid}`), '2');
	});

	test('markdown cannot inject script, attributes or javascript: links', async () => {
		const list = await owner.req('/policies');
		const res = await owner.req('/policies/adopt', { form: { csrf: csrfOf(list.body), template: '' } });
		const id = Number(/\/policies\/(\d+)\/edit/.exec(res.headers.location)[1]);
		const ownerId = await one(srv, `SELECT id FROM users WHERE email = '${lib.OWNER_EMAIL}'`);
		const evil = '# Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n' +
			'[click](javascript:alert(3)) [ok](https://example.org/a?b=1&c=2) [q](https://x.example/"onmouseover=alert(4)) **<b>bold</b>**\n\n- "quoted" \'single\'\n';
		const csrf = csrfOf(list.body);
		assert.equal((await owner.req(`/policies/${id}/edit`, { form: { csrf, title: 'Evil', owner_id: ownerId, review_months: '6', draft: evil } })).status, 303);
		assert.equal((await owner.req(`/policies/${id}/publish`, { form: { csrf, effective_on: '2026-02-01', summary: '<i>s</i>' } })).status, 303);
		const page = await desk.req(`/policies/${id}`);
		assert.equal(page.status, 200);
		const text = /<div class="policy-text">([\s\S]*?)<\/div>/.exec(page.body)[1];
		/* Only the renderer's own tags, no attribute but a safe href. */
		const tags = text.match(/<[^>]*>/g);
		for (const t of tags)
			assert.match(t, /^<\/?(h2|h3|h4|p|ul|ol|li|strong|em|a)>$|^<a href="(https?:|mailto:)[^"<>]*" rel="noopener noreferrer">$/, t);
		assert.doesNotMatch(text, /href="javascript/i);
		assert.match(text, /<h2>Hi &lt;script&gt;alert\(1\)&lt;\/script&gt;<\/h2>/);
		assert.match(text, /<p>&lt;img src=x onerror=alert\(2\)&gt;<\/p>/);
		assert.match(text, /click\) <a href="https:\/\/example\.org\/a\?b&#61;1&amp;c&#61;2" rel="noopener noreferrer">ok<\/a> q/);
		assert.match(text, /<strong>&lt;b&gt;bold&lt;\/b&gt;<\/strong>/);
		assert.match(text, /<li>&quot;quoted&quot; &#39;single&#39;<\/li>/);
		assert.match(page.body, /&lt;i&gt;s&lt;\/i&gt;/);
		const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(page.body);
		assert.ok(report.valid, JSON.stringify(report.results.map((r) => r.messages), null, 1));
	});

	test('staff without the role are refused managing policies; errors keep the input', async () => {
		const page = await desk.req(`/policies/${pid}`);
		const csrf = csrfOf(page.body);
		assert.doesNotMatch(page.body, /Edit the draft/);
		for (const [p, f] of [[`/policies/${pid}/edit`, { title: 'x' }], [`/policies/${pid}/publish`, {}],
			[`/policies/${pid}/retire`, {}], ['/policies/adopt', { template: 'sanctions' }]]) {
			const res = await billing.req(p, { form: { csrf: csrfOf((await billing.req('/policies')).body), ...f } });
			assert.equal(res.status, 403, p);
		}
		assert.equal((await desk.req(`/policies/${pid}/report`)).status, 403);
		assert.equal((await desk.req(`/policies/${pid}/edit`)).status, 403);
		assert.doesNotMatch((await desk.req('/policies')).body, /Adopt: /);
		const edit = await owner.req(`/policies/${pid}/edit`);
		const bad = await owner.req(`/policies/${pid}/edit`, { form: { csrf: csrfOf(edit.body), title: '', owner_id: '1',
			review_months: '12', draft: 'Kept <draft>' } });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Enter the policy&#39;s title/);
		assert.match(bad.body, />Kept &lt;draft&gt;<\/textarea>/);
		const badDate = await owner.req(`/policies/${pid}/publish`, { form: { csrf: csrfOf(edit.body), effective_on: 'soon', summary: '' } });
		assert.equal(badDate.status, 422);
		void csrf;
	});

	test('retiring keeps the record and its versions', async () => {
		const page = await owner.req(`/policies/${pid}`);
		const res = await owner.req(`/policies/${pid}/retire`, { form: { csrf: csrfOf(page.body) } });
		assert.equal(res.status, 303);
		const after2 = await owner.req(res.headers.location);
		assert.match(after2.body, /This policy is retired\. Its record is kept until \d{4}-\d{2}-\d{2}\./);
		assert.doesNotMatch(after2.body, /I have read and understood/);
		assert.equal(await one(srv, `SELECT status FROM policies WHERE id = ${pid}`), 'retired');
		assert.equal(await one(srv, `SELECT count(*) FROM policy_versions WHERE policy_id = ${pid}`), '2');
		assert.doesNotMatch((await desk.req('/policies')).body, /Minimum necessary/);
	});
});
