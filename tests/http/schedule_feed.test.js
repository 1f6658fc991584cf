'use strict';
/*
 * A clinician's calendar feed: a secret URL shown once, the feed read back
 * with python3-icalendar and checked with libical (tests/tools/icalcheck),
 * no patient's name in it (initials only when the practice turns them on,
 * and then each fetch is audited; owners switch it on the set-up page,
 * others get 403), a new URL kills the old one, revoking
 * kills it, a bad token is 404.
 */
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

const ICALCHECK = path.join(lib.ROOT, 'build/asan/tests/icalcheck');

function parseIcal(text) {
	const py = 'import sys, json, icalendar\n' +
		'cal = icalendar.Calendar.from_ical(sys.stdin.read())\n' +
		'print(json.dumps({"version": str(cal.get("version")), "prodid": str(cal.get("prodid")),\n' +
		' "events": [{"uid": str(e.get("uid")), "summary": str(e.get("summary")),\n' +
		'  "start": e.decoded("dtstart").isoformat(), "end": e.decoded("dtend").isoformat(),\n' +
		'  "status": str(e.get("status")), "stamp": str(e.get("dtstamp").to_ical(), "ascii")}\n' +
		'  for e in cal.walk("VEVENT")]}))\n';
	return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], { input: text, encoding: 'utf8' }));
}

function libical(text) {
	const r = spawnSync(ICALCHECK, [], { input: text, encoding: 'utf8' });
	assert.equal(r.status, 0, `libical: ${r.stderr}`);
	return Number(r.stdout.trim());
}

const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);

describe(`scheduling feed (${lib.ENGINE})`, () => {
	let srv, owner, clin, anon, clinId, pat;

	before(async () => {
		srv = await lib.startServer({ name: 'schedfeed' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		const pw = await addUser(srv, 'feed-clin@example.test', 'Fern Clinician', 'clinician');
		clin = client(srv);
		await clin.signIn('feed-clin@example.test', pw);
		anon = client(srv);
		clinId = (await sql(srv, "SELECT id FROM users WHERE email = 'feed-clin@example.test'")).trim();
		const reg = await owner.post('/patients/new', '/patients', {
			legal_first: 'Hortensia', legal_last: 'Quarrington', dob: '1990-01-15', not_duplicate: '1' });
		assert.equal(reg.status, 303);
		pat = /\/patients\/(\d+)/.exec(reg.headers.location)[1];
		for (const [d, t] of [[day(3), '09:00'], [day(10), '13:30']]) {
			const res = await owner.post('/schedule/new', '/schedule', { kind: 'individual',
				patient: pat, clinician: clinId, date: d, time: t, repeat: 'none' });
			assert.equal(res.status, 303, res.body);
		}
	});
	after(async () => { if (srv) await srv.stop(); });

	let url;
	test('the URL is shown once; the feed parses with icalendar and libical and names nobody', async () => {
		const made = await clin.post('/schedule/feed', '/schedule/feed/token');
		assert.equal(made.status, 200);
		const m = /id="feed-url" type="text" readonly value="([^"]+)"/.exec(made.body);
		assert.ok(m, 'the address is shown');
		url = m[1].replace(/&#61;/g, '=').replace(/&amp;/g, '&');
		const again = await clin.req('/schedule/feed');
		assert.doesNotMatch(again.body, /calendar\.ics\?token/, 'shown only once');
		assert.match(again.body, /You have a subscription address/);
		const hashed = await sql(srv, 'SELECT token_hash FROM sched_feed_tokens');
		assert.ok(!hashed.includes(url.split('token=')[1]), 'only the hash is stored');
		const res = await anon.req(new URL(url).pathname + new URL(url).search);
		assert.equal(res.status, 200);
		assert.match(res.headers['content-type'], /^text\/calendar/);
		assert.ok(res.body.split('\n').slice(0, -1).every((l) => l.endsWith('\r')), 'CRLF line ends');
		const cal = parseIcal(res.body);
		assert.equal(cal.version, '2.0');
		assert.match(cal.prodid, /Alcove/);
		assert.equal(cal.events.length, 2);
		assert.ok(cal.events.every((e) => e.summary === 'Appointment' && /@practice-\d+\.alcove$/.test(e.uid)));
		assert.ok(cal.events.every((e) => e.start.endsWith('+00:00') && /^\d{8}T\d{6}Z$/.test(e.stamp)));
		assert.equal(libical(res.body), 2);
		for (const w of ['Hortensia', 'Quarrington', 'H.Q.', '1990'])
			assert.ok(!res.body.includes(w), `no ${w} in the feed`);
	});

	test('initials only when the practice turns them on, and then audited', async () => {
		await sql(srv, "INSERT INTO settings (practice_id, key, value, updated_at) SELECT id, " +
			"'schedule.feed_initials', '1', 0 FROM practices");
		const res = await anon.req(new URL(url).pathname + new URL(url).search);
		const cal = parseIcal(res.body);
		assert.ok(cal.events.every((e) => e.summary !== 'Appointment' && !/Hortensia|Quarrington/.test(e.summary)),
			JSON.stringify(cal.events.map((e) => e.summary)));
		assert.equal(libical(res.body), 2);
		const ev = (await sql(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'calendar_feed' " +
			`AND detail LIKE '%${pat}%'`)).trim();
		assert.equal(ev, '1');
		await sql(srv, "DELETE FROM settings WHERE key = 'schedule.feed_initials'");
	});

	test('the owner switches the feed to initials on the set-up page and back; others get 403', async () => {
		const page = await owner.req('/schedule/setup');
		assert.equal(page.status, 200);
		assert.match(page.body, /name="feed_summary" value="appointment" checked> "Appointment" only/);
		let res = await owner.post('/schedule/setup', '/schedule/setup/feed', { feed_summary: 'initials' });
		assert.equal(res.status, 303);
		assert.match((await owner.req(res.headers.location)).body,
			/The calendar subscriptions are changed[^]*name="feed_summary" value="initials" checked>/);
		const feed = () => anon.req(new URL(url).pathname + new URL(url).search);
		let cal = parseIcal((await feed()).body);
		assert.ok(cal.events.every((e) => /^H\.?Q\.?$/.test(e.summary)), JSON.stringify(cal.events.map((e) => e.summary)));
		assert.ok(!/Hortensia|Quarrington/.test((await feed()).body), 'still no full names');
		assert.equal((await sql(srv, "SELECT count(*) FROM audit_events WHERE verb = 'CONFIG_CHANGE' " +
			"AND object_type = 'settings' AND object_id = 'schedule.feed_initials' " +
			"AND detail LIKE '%initials%'")).trim(), '1');
		assert.equal((await clin.post('/schedule/feed', '/schedule/setup/feed', { feed_summary: 'appointment' })).status, 403);
		res = await owner.post('/schedule/setup', '/schedule/setup/feed', { feed_summary: 'appointment' });
		assert.equal(res.status, 303);
		cal = parseIcal((await feed()).body);
		assert.ok(cal.events.every((e) => e.summary === 'Appointment'));
		assert.equal((await sql(srv, "SELECT count(*) FROM audit_events WHERE verb = 'CONFIG_CHANGE' " +
			"AND object_id = 'schedule.feed_initials'")).trim(), '2');
		await sql(srv, "DELETE FROM settings WHERE key = 'schedule.feed_initials'");
	});

	test('a new address kills the old one; revoking kills the new one; bad tokens are 404', async () => {
		const made = await clin.post('/schedule/feed', '/schedule/feed/token');
		const fresh = /id="feed-url" type="text" readonly value="([^"]+)"/.exec(made.body)[1]
			.replace(/&#61;/g, '=').replace(/&amp;/g, '&');
		assert.equal((await anon.req(new URL(url).pathname + new URL(url).search)).status, 404);
		assert.equal((await anon.req(new URL(fresh).pathname + new URL(fresh).search)).status, 200);
		const rev = await clin.post('/schedule/feed', '/schedule/feed/revoke');
		assert.match(rev.body, /no longer works/);
		assert.equal((await anon.req(new URL(fresh).pathname + new URL(fresh).search)).status, 404);
		assert.equal((await anon.req('/schedule/calendar.ics?token=nothing')).status, 404);
		assert.equal((await anon.req('/schedule/calendar.ics')).status, 404);
		const audit = (await sql(srv, "SELECT count(*) FROM audit_events WHERE object_type = 'schedule_feed_token'")).trim();
		assert.equal(audit, '3');
	});
});
