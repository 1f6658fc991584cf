'use strict';
/*
 * Vendors and business associate agreements through their pages (issue
 * #8): the SMTP integration appears from configuration and is blocked
 * until its BAA is signed, adding and editing with input kept on errors,
 * expired and expiring agreements flagged, retiring keeps the record (and
 * integrations cannot be retired), audit events; pages pass html-validate.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { HtmlValidate } = require('html-validate');
const lib = require('./lib');
const { client, sql } = require('./client');

const csrfOf = (body) => /name="csrf" value="([^"]+)"/.exec(body)[1];
const one = async (srv, q) => (await sql(srv, q)).trim();

function addDays(n) {
	const d = new Date();
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}

const vendor = (extra = {}) => ({
	name: 'FaxCloud', services: 'Cloud fax', phi: 'Referral letters, records requests',
	baa_status: 'none', effective_on: '', expires_on: '', review_months: '12',
	contact_name: 'Pat Vendor', contact_email: 'pat@faxcloud.example', contact_phone: '+1 555 0100', ...extra,
});

describe(`vendors and BAAs (${lib.ENGINE})`, () => {
	let srv, owner;

	before(async () => {
		srv = await lib.startServer({ name: 'vendors', env: {
			ALCOVE_SMTP_URL: 'smtp://mail.example.org:2525', ALCOVE_SMTP_FROM: 'alcove@example.test' } });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
	});
	after(async () => { if (srv) await srv.stop(); });

	const idOf = async (name) => Number(await one(srv, `SELECT id FROM vendors WHERE name = '${name}'`));

	test('the SMTP integration appears from configuration, blocked until its BAA is signed', async () => {
		const list = await owner.req('/vendors');
		assert.equal(list.status, 200);
		assert.match(list.body, /<a href="\/vendors" aria-current="page">Vendors<\/a>/);
		assert.match(list.body, />E-mail provider \(SMTP: mail\.example\.org\)<\/a><br><span class="muted">Integration used by Alcove<\/span>/);
		assert.match(list.body, /Blocked: sending PHI to E-mail provider \(SMTP: mail\.example\.org\) needs a signed BAA\./);
		await owner.req('/vendors');
		assert.equal(await one(srv, "SELECT count(*) FROM vendors WHERE integration = 'smtp'"), '1');
		assert.equal(await one(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'vendor' AND verb = 'CREATE' " +
			"AND actor_role = 'system'"), '1');
		const id = await idOf('E-mail provider (SMTP: mail.example.org)');
		const page = await owner.req(`/vendors/${id}`);
		assert.match(page.body, /cannot be retired while configured/);
		assert.doesNotMatch(page.body, /Retire this vendor/);
		const retire = await owner.req(`/vendors/${id}/retire`, { form: { csrf: csrfOf(page.body) } });
		assert.equal(retire.status, 409);
		const signed = await owner.req(`/vendors/${id}`, { form: { csrf: csrfOf(page.body),
			...vendor({ name: 'E-mail provider (SMTP: mail.example.org)', baa_status: 'signed', expires_on: addDays(400) }) } });
		assert.equal(signed.status, 303);
		assert.doesNotMatch((await owner.req('/vendors')).body, /Blocked:/);
	});

	test('adding a vendor: errors keep the input; the BAA status and contact are stored', async () => {
		const { csrf } = await owner.page('/vendors/new');
		const bad = await owner.req('/vendors', { form: { csrf, ...vendor({ name: '', services: 'Kept <services>' }) } });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Enter the vendor&#39;s name|Enter the vendor's name/);
		assert.match(bad.body, />Kept &lt;services&gt;<\/textarea>/);
		const badMail = await owner.req('/vendors', { form: { csrf, ...vendor({ contact_email: 'nope' }) } });
		assert.equal(badMail.status, 422);
		assert.match(badMail.body, /contact&#39;s e-mail address|contact's e-mail address/);
		const ok = await owner.req('/vendors', { form: { csrf, ...vendor() } });
		assert.equal(ok.status, 303);
		assert.match(ok.headers.location, /^\/vendors\/\d+\?done=saved$/);
		const page = await owner.req(ok.headers.location);
		assert.match(page.body, /The vendor is saved\./);
		assert.match(page.body, /<option value="none" selected>No BAA<\/option>/);
		assert.equal(await one(srv, "SELECT contact_email || ' ' || baa_status FROM vendors WHERE name = 'FaxCloud'"),
			'pat@faxcloud.example none');
	});

	test('expired and soon-expiring agreements are flagged on the list', async () => {
		const id = await idOf('FaxCloud');
		const csrf = csrfOf((await owner.req(`/vendors/${id}`)).body);
		await owner.req(`/vendors/${id}`, { form: { csrf, ...vendor({ baa_status: 'signed', expires_on: addDays(30) }) } });
		let list = await owner.req('/vendors');
		assert.match(list.body, new RegExp(`<time datetime="${addDays(30)}">[^<]+</time> <strong>Expires within 60 days</strong>`));
		await owner.req(`/vendors/${id}`, { form: { csrf, ...vendor({ baa_status: 'signed', expires_on: addDays(-3) }) } });
		list = await owner.req('/vendors');
		assert.match(list.body, /<strong>Expired<\/strong>/);
		await owner.req(`/vendors/${id}`, { form: { csrf, ...vendor({ baa_status: 'signed', expires_on: addDays(90) }) } });
		list = await owner.req('/vendors');
		assert.doesNotMatch(list.body, /<strong>Expire/);
	});

	test('a retired vendor keeps its record and leaves the list', async () => {
		const id = await idOf('FaxCloud');
		const csrf = csrfOf((await owner.req(`/vendors/${id}`)).body);
		const res = await owner.req(`/vendors/${id}/retire`, { form: { csrf } });
		assert.equal(res.status, 303);
		assert.match((await owner.req(res.headers.location)).body, /This vendor is retired\. Its record is kept until \d{4}-\d\d-\d\d/);
		assert.doesNotMatch((await owner.req('/vendors')).body, />FaxCloud</);
		assert.match((await owner.req('/vendors?retired=1')).body, />FaxCloud</);
		const again = await owner.req(`/vendors/${id}`, { form: { csrf, ...vendor() } });
		assert.equal(again.status, 409);
		assert.equal(await one(srv, `SELECT status FROM vendors WHERE id = ${id}`), 'retired');
		assert.equal(await one(srv, `SELECT count(*) FROM audit_events WHERE object_type = 'vendor' AND object_id = '${id}'`), '5');
	});

	test('every vendor page is valid HTML, also in its error states', async () => {
		const hv = new HtmlValidate({ extends: ['html-validate:recommended'] });
		const { csrf } = await owner.page('/vendors/new');
		const pages = {
			list: await owner.req('/vendors'),
			newForm: await owner.req('/vendors/new'),
			bad: await owner.req('/vendors', { form: { csrf, ...vendor({ name: '' }) } }),
			integration: await owner.req(`/vendors/${await idOf('E-mail provider (SMTP: mail.example.org)')}`),
			retired: await owner.req(`/vendors/${await idOf('FaxCloud')}`),
		};
		for (const [name, res] of Object.entries(pages)) {
			assert.ok([200, 422].includes(res.status), `${name}: ${res.status}`);
			const r = await hv.validateString(res.body, `${name}.html`);
			assert.ok(r.valid, `html-validate ${name}:\n${r.results.flatMap((x) =>
				x.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`)).join('\n')}`);
		}
	});
});
