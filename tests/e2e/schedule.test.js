'use strict';
/*
 * Browser journey through the calendar: front desk signs in, finds a
 * patient, books a weekly series of four, moves the second occurrence,
 * cancels the third with a reason, and checks the week views; j moves to
 * the next week from the keyboard.  Every page is checked with axe-core
 * (no serious or critical WCAG 2 A/AA problems) and for CSP violations
 * and errors; screenshots go to test-output/screenshots/schedule-*.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const { chromium } = require('playwright-core');
const lib = require('../http/lib');
const { client, addUser } = require('../http/client');

const SHOTS = path.join(lib.OUT, 'screenshots');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

describe(`calendar in a browser (${lib.ENGINE})`, () => {
	let srv, browser, context, page, deskPw;
	const problems = [];

	before(async () => {
		fs.mkdirSync(SHOTS, { recursive: true });
		srv = await lib.startServer({ name: 'e2e-schedule' });
		const owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		await addUser(srv, 'ezra-clin@example.test', 'Ezra Clinician', 'clinician');
		deskPw = await addUser(srv, 'dee-desk@example.test', 'Dee Desk', 'front_desk');
		const reg = await owner.post('/patients/new', '/patients', { legal_first: 'Marguerite',
			legal_last: 'Tillbrook', dob: '1984-07-19', not_duplicate: '1' });
		assert.equal(reg.status, 303);
		browser = await chromium.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
				'--disable-component-update', '--disable-sync', '--no-first-run'],
		});
		context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
		await context.addInitScript(() => {
			window.__csp = [];
			document.addEventListener('securitypolicyviolation', (e) => {
				window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
			});
		});
		page = await context.newPage();
		page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
		page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
	});
	after(async () => {
		if (browser) await browser.close();
		if (srv) await srv.stop();
	});

	async function check(name) {
		await page.screenshot({ path: path.join(SHOTS, `schedule-${lib.ENGINE}-${name}.png`), fullPage: true });
		/* Through the DevTools protocol: the page's CSP rightly blocks a
		 * script tag. */
		await page.evaluate(AXE);
		const r = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }));
		const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
		assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), [], `axe on ${name}`);
		assert.deepEqual(await page.evaluate(() => window.__csp), [], `CSP on ${name}`);
		assert.deepEqual(problems, [], `errors on ${name}`);
	}

	test('book a series, move one, cancel another, see the weeks', async () => {
		await page.goto(`${srv.url}/login`);
		await page.fill('#f-email, input[name=email]', 'dee-desk@example.test');
		await page.fill('input[name=password]', deskPw);
		await Promise.all([page.waitForNavigation(), page.click('button[type=submit]:not(.button-quiet)')]);

		await page.goto(`${srv.url}/schedule/new`);
		await page.fill('#f-q', 'Tillbrook');
		await Promise.all([page.waitForNavigation(), page.click('form[role=search] button')]);
		await page.check('input[name=patient]');
		await page.selectOption('#f-clinician', { label: 'Ezra Clinician' });
		await page.fill('#f-date', '2027-01-04');
		await page.fill('#f-time', '10:00');
		await page.selectOption('#f-repeat', 'weekly');
		await page.fill('#f-interval', '1');
		await page.fill('#f-count', '4');
		await check('book');
		await Promise.all([page.waitForNavigation(), page.click('form[method=post][action="/schedule"] button.button-primary')]);
		assert.match(await page.textContent('main'), /The appointments are booked/);
		assert.match(await page.textContent('main'), /Monday 4 January 2027, 10:00 to 10:50/);
		await check('appointment');
		const first = Number(/appointments\/(\d+)/.exec(page.url())[1]);

		/* Move the second (11 January) to Tuesday 12 January 15:00. */
		await page.goto(`${srv.url}/schedule/appointments/${first + 1}`);
		await page.fill('#f-date', '2027-01-12');
		await page.fill('#f-time', '15:00');
		await Promise.all([page.waitForNavigation(), page.click('button:has-text("Move")')]);
		assert.match(await page.textContent('main'), /The appointment is moved/);
		assert.match(await page.textContent('main'), /Tuesday 12 January 2027, 15:00 to 15:50/);

		/* Cancel the third (18 January) with a reason. */
		await page.goto(`${srv.url}/schedule/appointments/${first + 2}`);
		await page.selectOption('#f-status', 'cancelled');
		await page.fill('#f-reason', 'Patient on holiday');
		await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save the status")')]);
		assert.match(await page.textContent('#appt-status'), /Cancelled/);
		await check('cancelled');

		/* The week of 11 January: the moved one on Tuesday at 15:00. */
		await page.goto(`${srv.url}/schedule?date=2027-01-11&clinician=all`);
		const cols = await page.$$eval('table.calendar tbody td', (tds) => tds.map((td) => td.textContent.replace(/\s+/g, ' ')));
		assert.match(cols[1], /15:00–15:50 Marguerite Tillbrook/);
		assert.doesNotMatch(cols[0], /\d/, 'an empty day stays quiet (its name is for screen readers only)');
		const heads = await page.$$eval('table.calendar thead th [aria-hidden]', (ths) => ths.map((th) => th.textContent));
		assert.deepEqual(heads.slice(0, 2), ['Mon 11', 'Tue 12'], 'short day headings');
		await check('week');
		/* j goes to the next week, where the cancelled one shows as such. */
		await Promise.all([page.waitForNavigation(), page.keyboard.press('j')]);
		assert.match(page.url(), /date=2027-01-18/);
		assert.match(await page.textContent('table.calendar'), /Marguerite Tillbrook[^]*Cancelled/);
		await check('week-next');
		await page.goto(`${srv.url}/schedule?date=2027-01-18&view=day&clinician=all`);
		await check('day');
	});
});
