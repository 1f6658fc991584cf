'use strict';
/*
 * The idle-timeout warning, in a real browser with its clock moved
 * forward (playwright's fake timers): a minute before the practice's idle
 * timeout a warning offers to stay signed in; "Stay signed in" keeps the
 * session; letting it run out goes to the sign-in page with the reason.
 */
const assert = require('node:assert/strict');
const { describe, test, before, after } = require('node:test');
const { chromium } = require('playwright-core');
const lib = require('../http/lib');
const { addUser, sql } = require('../http/client');

describe(`idle-timeout warning (${lib.ENGINE})`, () => {
	let srv, browser, page, pw;

	before(async () => {
		srv = await lib.startServer({ name: 'e2e-idle' });
		pw = await addUser(srv, 'casey@example.test', 'Casey Lee', 'clinician');
		browser = await chromium.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			headless: true,
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
				'--disable-component-update', '--disable-sync', '--no-first-run'],
		});
		const context = await browser.newContext({ ignoreHTTPSErrors: true });
		page = await context.newPage();
		await page.clock.install();
		await page.goto(`${srv.url}/login`);
		await page.fill('input[name="email"]', 'casey@example.test');
		await page.fill('input[name="password"]', pw);
		await Promise.all([page.waitForURL(/\/home$/), page.click('button[type="submit"]')]);
	});
	after(async () => {
		if (browser) await browser.close();
		if (srv) await srv.stop();
	});

	test('the warning appears a minute before the 15-minute timeout, and "Stay signed in" keeps the session', async () => {
		assert.equal(await page.getAttribute('body', 'data-idle-seconds'), '900');
		assert.equal(await page.isVisible('#idle-warning'), false);
		await page.clock.fastForward('13:50');
		assert.equal(await page.isVisible('#idle-warning'), false);
		await page.clock.fastForward('00:20');
		assert.equal(await page.isVisible('#idle-warning'), true, 'shown at 14:10');
		assert.equal(await page.evaluate(() => document.activeElement.id), 'idle-stay', 'focus on the button');
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/session/keepalive')),
			page.click('#idle-stay'),
		]);
		assert.equal(res.status(), 204);
		assert.equal(await page.isVisible('#idle-warning'), false);
		assert.match(page.url(), /\/home$/);
	});

	test('when the time runs out the page goes to sign-in, saying why', async () => {
		/* The browser's clock is fake; let the server's record of the
		 * session age by the same 15 minutes. */
		await sql(srv, 'UPDATE sessions SET last_seen_at = last_seen_at - 901000 WHERE ended_at IS NULL');
		await Promise.all([page.waitForURL(/\/login\?ended=idle/), page.clock.fastForward('15:01')]);
		assert.match(await page.textContent('main'), /signed out after a period of inactivity/);
	});
});
