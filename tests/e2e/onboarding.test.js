'use strict';
/*
 * A new staff member's first day, in a real browser (issue #4): the owner
 * signs in (setting up two-step sign-in first, as owners must) and invites
 * a compliance officer; the invitation arrives in the SMTP sink; its link
 * sets a password; the new person signs in, is taken straight to two-step
 * set-up, saves their recovery codes, signs out, and signs in again with a
 * code.  Every page is checked with axe-core and photographed into
 * test-output/screenshots (onboarding-NN-*.png).
 */
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const { chromium } = require('playwright-core');
const lib = require('../http/lib');
const { startSink } = require('../http/smtp');

const SHOTS = path.join(lib.OUT, 'screenshots');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const totp = (secret) => execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();

describe(`onboarding in the browser (${lib.ENGINE})`, () => {
	let srv, sink, browser;
	let shot = 0;

	before(async () => {
		fs.mkdirSync(SHOTS, { recursive: true });
		sink = await startSink();
		srv = await lib.startServer({
			name: 'e2e-onboarding',
			env: {
				ALCOVE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
				ALCOVE_SMTP_FROM: 'Alcove <alcove@example.test>',
				ALCOVE_SMTP_STARTTLS: 'false',
				ALCOVE_JOBS_POLL_INTERVAL_MS: '100',
			},
		});
		browser = await chromium.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			headless: true,
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
				'--disable-component-update', '--disable-sync', '--no-first-run'],
		});
	});
	after(async () => {
		if (browser) await browser.close();
		if (srv) await srv.stop();
		if (sink) await sink.stop();
	});

	/* axe (serious or critical WCAG 2 A/AA problems fail) and a screenshot. */
	async function look(page, name) {
		/* Through the DevTools protocol: the page's CSP stays as it is. */
		await page.evaluate(AXE);
		const r = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }));
		const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
			.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
		assert.deepEqual(bad, [], `${name}: axe`);
		shot += 1;
		await page.screenshot({ path: path.join(SHOTS, `${lib.ENGINE}-onboarding-${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
	}

	/* Sets up two-step sign-in on the page it is on; returns the secret. */
	async function enrol(page, who) {
		await page.waitForURL(/\/account\/mfa$/);
		await look(page, `${who}-mfa-setup`);
		const secret = (await page.textContent('#mfa-secret')).replace(/\s+/g, '');
		await page.fill('#mfa-code', totp(secret));
		await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Turn on two-step sign-in")')]);
		assert.match(await page.textContent('h1'), /Two-step sign-in is on/);
		assert.equal(await page.locator('.recovery-codes li').count(), 10);
		await look(page, `${who}-recovery-codes`);
		await Promise.all([page.waitForURL(/\/home$/), page.click('text=I have saved my recovery codes')]);
		return secret;
	}

	async function signIn(page, email, password) {
		await page.goto(`${srv.url}/login`);
		await page.fill('input[name="email"]', email);
		await page.fill('input[name="password"]', password);
		await Promise.all([page.waitForLoadState('load'), page.click('button[type="submit"]')]);
	}

	test('invite, set a password, set up two-step sign-in, sign in, sign out', async () => {
		const owner = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
		await signIn(owner, lib.OWNER_EMAIL, srv.password);
		await enrol(owner, 'owner');

		await owner.goto(`${srv.url}/staff`);
		await owner.fill('#f-name', 'Robin Reyes');
		await owner.fill('#f-email', 'robin@example.test');
		await owner.check('input[name="role_compliance"]');
		await owner.fill('#f-reason', 'new privacy and security officer');
		await look(owner, 'owner-invite-form');
		await Promise.all([owner.waitForURL(/\/staff\/\d+\?done=invited$/), owner.click('button:has-text("Send the invitation")')]);
		assert.match(await owner.textContent('main'), /Invitation sent\. The link works for 72 hours\./);
		await look(owner, 'owner-invited');

		const mail = await sink.next();
		assert.equal(mail.to, '<robin@example.test>');
		const link = /(https:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]{43})\n/.exec(mail.text);
		assert.ok(link, `the e-mail has the link:\n${mail.text}`);

		const robin = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
		await robin.goto(link[1]);
		await look(robin, 'robin-choose-password');
		const pw = 'quiet orchard lantern forty';
		await robin.fill('#f-password', pw);
		await robin.fill('#f-password2', pw);
		await Promise.all([robin.waitForURL(/\/login/), robin.click('button:has-text("Change my password")')]);
		await look(robin, 'robin-password-set');

		/* Compliance officers must use two-step sign-in: set-up comes first. */
		await signIn(robin, 'robin@example.test', pw);
		const secret = await enrol(robin, 'robin');
		assert.match(await robin.textContent('main'), /Robin Reyes|Welcome/);
		await look(robin, 'robin-home');

		await Promise.all([robin.waitForURL(/\/login/), robin.click('form.signout button')]);
		await look(robin, 'robin-signed-out');
		await robin.goto(`${srv.url}/home`);
		assert.match(robin.url(), /\/login/, 'signed out: home asks to sign in');

		/* Again, now with a code.  Wait for the next 30-second step so the
		 * code used at set-up is not replayed. */
		await signIn(robin, 'robin@example.test', pw);
		await robin.waitForURL(/\/login\/mfa$/);
		await look(robin, 'robin-code-prompt');
		const used = totp(secret);
		let code = used;
		while (code === used) {
			await lib.sleep(1000);
			code = totp(secret);
		}
		await robin.fill('input[name="code"]', code);
		await Promise.all([robin.waitForURL(/\/home$/), robin.click('main button[type="submit"]')]);
		await look(robin, 'robin-signed-in-again');
	});
});
