'use strict';
/*
 * Browser smoke test: Debian's chromium through playwright-core opens the
 * sign-in page as a person would.  It checks that the page renders with
 * its stylesheet, that nothing is blocked by the Content-Security-Policy or
 * fails to load, that axe-core finds no serious or critical WCAG 2 A/AA
 * problems, that focus starts in the e-mail field and the keyboard order
 * is email, password, submit with the skip link before them,
 * and it saves desktop and mobile screenshots under test-output/screenshots.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const { chromium } = require('playwright-core');
const lib = require('../http/lib');

const SHOTS = path.join(lib.OUT, 'screenshots');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

describe(`browser smoke (${lib.ENGINE})`, () => {
	let srv, browser, context;
	const problems = [];

	before(async () => {
		fs.mkdirSync(SHOTS, { recursive: true });
		srv = await lib.startServer({ name: 'e2e-smoke' });
		browser = await chromium.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			headless: true,
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
				'--disable-component-update', '--disable-sync', '--no-first-run'],
		});
		context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
		// Record CSP violations from the page itself, before any of its code runs.
		await context.addInitScript(() => {
			window.__csp = [];
			document.addEventListener('securitypolicyviolation', (e) => {
				window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
			});
		});
	});
	after(async () => {
		if (browser) await browser.close();
		if (srv) await srv.kill();
	});

	/* A page that records console errors, page errors and failed loads. */
	async function open(p, viewport) {
		const page = await context.newPage();
		if (viewport)
			await page.setViewportSize(viewport);
		page.on('console', (m) => {
			if (m.type() === 'error')
				problems.push(`console ${m.type()}: ${m.text()} (${m.location().url || 'no url'})`);
		});
		page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
		page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure().errorText}`));
		page.on('response', (r) => {
			if (r.status() >= 400)
				problems.push(`HTTP ${r.status()} for ${r.url()}`);
		});
		const res = await page.goto(srv.url + p, { waitUntil: 'load' });
		assert.equal(res.status(), 200, `${p} status`);
		return page;
	}

	async function checkClean(page) {
		const csp = await page.evaluate(() => window.__csp);
		assert.deepEqual(csp, [], 'no CSP violations');
		assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
	}

	test('/login renders with its stylesheet and no errors', async () => {
		const page = await open('/login');
		assert.match(await page.title(), /Sign in/);
		const styled = await page.evaluate(() => {
			const s = getComputedStyle(document.body);
			const sheets = [...document.styleSheets].map((x) => x.cssRules.length);
			return { font: s.fontFamily, margin: s.margin, bg: s.backgroundColor, color: s.color, sheets };
		});
		assert.ok(styled.sheets.length >= 1 && styled.sheets.every((n) => n > 0),
			`stylesheets loaded with rules: ${JSON.stringify(styled.sheets)}`);
		const blank = await context.newPage();
		await blank.setContent('<!DOCTYPE html><html><body><p>x</p></body></html>');
		const dflt = await blank.evaluate(() => {
			const s = getComputedStyle(document.body);
			return { font: s.fontFamily, margin: s.margin, bg: s.backgroundColor, color: s.color };
		});
		await blank.close();
		assert.ok(['font', 'margin', 'bg', 'color'].some((k) => styled[k] !== dflt[k]),
			`body style differs from the browser default: ${JSON.stringify(styled)}`);
		await checkClean(page);
		await page.close();
	});

	test('axe-core finds no serious or critical WCAG 2 A/AA violations', async () => {
		const page = await open('/login');
		// Evaluated through the DevTools protocol, so the page's CSP (rightly)
		// does not block it and does not need loosening for the test.
		await page.evaluate(AXE);
		const result = await page.evaluate(() =>
			window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }));
		fs.writeFileSync(path.join(lib.OUT, `axe-${lib.ENGINE}-login.json`),
			JSON.stringify(result.violations, null, 2));
		const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
		assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} -> ` +
			v.nodes.map((n) => n.target.join(' ')).join(', ')), []);
		assert.ok(result.passes.length > 0, 'axe actually checked something');
		await checkClean(page);
		await page.close();
	});

	test('keyboard: focus starts in the e-mail field, Tab goes to password then submit, the skip link is reachable', async () => {
		const page = await open('/login');
		const where = () => page.evaluate(() => {
			const e = document.activeElement;
			if (!e || e === document.body)
				return 'body';
			if (e.tagName === 'A' && /^#./.test(e.getAttribute('href') || '') && /skip/i.test(e.textContent))
				return 'skip';
			if (e.tagName === 'INPUT' && (e.type === 'email' || e.name === 'email'))
				return 'email';
			if (e.tagName === 'INPUT' && e.type === 'password')
				return 'password';
			if ((e.tagName === 'BUTTON' && e.type === 'submit') || (e.tagName === 'INPUT' && e.type === 'submit'))
				return 'submit';
			return `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}`;
		});
		/* A sign-in page puts the cursor where the user types first. */
		assert.equal(await where(), 'email', 'focus starts in the e-mail field');
		const forward = [];
		for (let i = 0; i < 2; i++) {
			await page.keyboard.press('Tab');
			forward.push(await where());
		}
		assert.deepEqual(forward, ['password', 'submit'], `Tab order: ${forward.join(', ')}`);
		await page.focus('input[name="email"]');
		const back = [];
		for (let i = 0; i < 3 && !back.includes('skip'); i++) {
			await page.keyboard.press('Shift+Tab');
			back.push(await where());
		}
		assert.ok(back.includes('skip'), `Shift+Tab from the e-mail field reaches the skip link: ${back.join(', ')}`);
		await checkClean(page);
		await page.close();
	});

	test('screenshots at desktop and mobile widths', async () => {
		for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }],
			['mobile', { width: 390, height: 844 }]]) {
			const page = await open('/login', viewport);
			const file = path.join(SHOTS, `${lib.ENGINE}-login-${name}.png`);
			await page.screenshot({ path: file, fullPage: true });
			assert.ok(fs.statSync(file).size > 1000, `${file} written`);
			const overflow = await page.evaluate(() =>
				document.documentElement.scrollWidth - document.documentElement.clientWidth);
			assert.ok(overflow <= 0, `${name}: no horizontal scrolling (${overflow}px too wide)`);
			await checkClean(page);
			await page.close();
		}
	});

	test('the server stops cleanly on SIGTERM', async () => {
		await browser.close();
		browser = null;
		await srv.stop();
	});
});
