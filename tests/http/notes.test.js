'use strict';
/*
 * Clinical notes through the pages: the template library; a SOAP note
 * written from a completed appointment arrives pre-filled (date, minutes,
 * CPT code, telehealth location) and leaves the "notes due" list once
 * signed; drafts keep every version with a readable diff; signing needs
 * the password again; a signed note is locked against EVERY write route
 * (409 with a clear message) and takes signed addenda that keep the
 * original visible; a late signature is marked; fields are sealed at rest;
 * a supervisee's note goes to the supervisor's queue, comes back with
 * comments, then shows both signatures; the front desk never sees notes;
 * the print view is audited.
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, test, before, after } = require('node:test');
const lib = require('./lib');
const { client, sql, addUser } = require('./client');

describe(`notes (${lib.ENGINE})`, () => {
	let srv, owner, clin, sup, desk, patientId, base, clinPw, supPw, clinId, supId, apptId;

	const one = async (q) => (await sql(srv, q)).trim();

	before(async () => {
		srv = await lib.startServer({ name: 'notes' });
		owner = client(srv);
		await owner.signIn(lib.OWNER_EMAIL, srv.password);
		clinPw = await addUser(srv, 'clin@example.test', 'Cleo Clinician', 'clinician');
		clin = client(srv);
		await clin.signIn('clin@example.test', clinPw);
		supPw = await addUser(srv, 'sup@example.test', 'Sam Supervisor', 'supervisor');
		sup = client(srv);
		await sup.signIn('sup@example.test', supPw);
		desk = client(srv);
		await desk.signIn('desk@example.test', await addUser(srv, 'desk@example.test', 'Dee Desk', 'front_desk'));
		const res = await owner.post('/patients/new', '/patients', {
			legal_first: 'Ottoline', legal_last: 'Vandersloot', dob: '1988-02-11', status: 'active',
		});
		assert.equal(res.status, 303);
		patientId = Number(/^\/patients\/(\d+)$/.exec(res.headers.location)[1]);
		base = `/patients/${patientId}`;
		clinId = await one("SELECT id FROM users WHERE email = 'clin@example.test'");
		supId = await one("SELECT id FROM users WHERE email = 'sup@example.test'");
		for (const uid of [clinId, supId])
			assert.equal((await owner.post(base, `${base}/care-team`, { user_id: uid, role: 'clinician' })).status, 303);
		/* A completed 53-minute telehealth session yesterday, 90834. */
		const pid = await one('SELECT practice_id FROM patients WHERE id = ' + patientId);
		const start = Date.now() - 86400000;
		await sql(srv, `INSERT INTO sched_types (practice_id, name, minutes, cpt_code, created_at)
			VALUES (${pid}, 'Psychotherapy 53', 53, '90834', 0)`);
		await sql(srv, `INSERT INTO sched_locations (practice_id, name, telehealth, created_at)
			VALUES (${pid}, 'Video room', 1, 0)`);
		const type = await one("SELECT id FROM sched_types WHERE name = 'Psychotherapy 53'");
		const loc = await one("SELECT id FROM sched_locations WHERE name = 'Video room'");
		await sql(srv, `INSERT INTO appointments (practice_id, type_id, location_id, start_at, end_at, local_date,
			local_min, tz, status, created_at, updated_at) VALUES (${pid}, ${type}, ${loc}, ${start},
			${start + 53 * 60000}, '2026-01-01', 600, 'UTC', 'completed', 0, 0)`);
		apptId = await one('SELECT max(id) FROM appointments');
		await sql(srv, `INSERT INTO appointment_patients (appointment_id, patient_id) VALUES (${apptId}, ${patientId})`);
		await sql(srv, `INSERT INTO appointment_clinicians (appointment_id, user_id) VALUES (${apptId}, ${clinId})`);
	});
	after(async () => { if (srv) await srv.stop(); });

	let noteUrl;

	test('the template library lists at least 15 behavioral-health templates', async () => {
		const res = await clin.req(`${base}/notes`);
		assert.equal(res.status, 200);
		for (const name of ['Intake / biopsychosocial assessment', 'Progress note (SOAP)', 'Progress note (DAP)',
			'Progress note (BIRP)', 'Progress note (GIRP)', 'Treatment plan', 'Treatment-plan review', 'Safety plan',
			'Crisis / contact note', 'Group note', 'Couples / family note', 'Psychiatric evaluation',
			'Medication management note', 'Consultation note', 'Discharge summary', 'No-show / cancellation note'])
			assert.ok(res.body.includes(name), name);
		assert.equal((await clin.req(`${base}/notes/new?template=nope`)).status, 404);
		assert.equal((await desk.req(`${base}/notes`)).status, 403);
		assert.equal((await desk.req(`${base}/notes/new?template=soap`)).status, 403);
	});

	test('a note from the appointment is pre-filled and the appointment is due until signed', async () => {
		const due = await clin.req('/notes/due');
		assert.equal(due.status, 200);
		assert.match(due.body, new RegExp(`notes/new\\?template&#61;soap&amp;appt&#61;${apptId}"`));
		const form = await clin.req(`${base}/notes/new?template=soap&appt=${apptId}`);
		assert.equal(form.status, 200);
		assert.match(form.body, /53 minutes/);
		assert.match(form.body, /90834/);
		assert.match(form.body, /Video room \(telehealth\)/);
		assert.match(form.body, /Save draft/);
		const res = await clin.post(`${base}/notes/new?template=soap&appt=${apptId}`, `${base}/notes?template=soap`, {
			appointment_id: apptId, modality: 'Telehealth (video)', subjective: 'Reports Xylophone-Harbour worries\nsleeping 5 hours',
			plan: 'weekly CBT',
		});
		assert.equal(res.status, 303);
		noteUrl = res.headers.location;
		assert.match(noteUrl, new RegExp(`^${base}/notes/\\d+$`));
		const bad = await clin.post(`${base}/notes/new?template=soap`, `${base}/notes?template=soap`, { modality: 'Carrier pigeon' });
		assert.equal(bad.status, 422);
		assert.match(bad.body, /Session format/);
	});

	test('every save keeps a version and the diff marks the changed lines', async () => {
		const res = await clin.post(noteUrl, noteUrl, {
			modality: 'Telehealth (video)', subjective: 'Reports Xylophone-Harbour worries\nsleeping 7 hours',
			plan: 'weekly CBT',
		});
		assert.equal(res.status, 303);
		const page = await clin.req(`${noteUrl}?saved=1`);
		assert.match(page.body, /Draft saved\./);
		assert.match(page.body, /sleeping 7 hours/);
		const v = await clin.req(`${noteUrl}/versions?v=2`);
		assert.equal(v.status, 200);
		assert.match(v.body, /Changes from version 1 to version 2/);
		assert.match(v.body, /class="diff-del">- sleeping 5 hours/);
		assert.match(v.body, /class="diff-add">\+ sleeping 7 hours/);
		assert.match(v.body, /class="diff-same">  Reports Xylophone-Harbour worries/);
		assert.doesNotMatch(v.body, /Plan and next steps/);
	});

	test('signing needs the password again, then the note is locked against every write route', async () => {
		const wrong = await clin.post(noteUrl, `${noteUrl}/sign`, { secret: 'not my password' });
		assert.equal(wrong.status, 403);
		assert.match(wrong.body, /Nothing was signed/);
		const early = await clin.post(noteUrl, `${noteUrl}/addenda`, { text: 'x', secret: clinPw });
		assert.equal(early.status, 409);
		const ok = await clin.post(noteUrl, `${noteUrl}/sign`, { secret: clinPw });
		assert.equal(ok.status, 303);
		const page = await clin.req(ok.headers.location);
		assert.match(page.body, /Signed and locked\./);
		assert.match(page.body, /id="signature">Cleo Clinician, /);
		assert.doesNotMatch(page.body, /Save draft/);
		const csrf = await clin.csrfFrom(`${base}/notes`);
		for (const [to, form] of [
			[noteUrl, { subjective: 'rewritten' }],
			[`${noteUrl}/sign`, { secret: clinPw }],
		]) {
			const res = await clin.req(to, { form: { csrf, ...form } });
			assert.equal(res.status, 409, to);
			assert.match(res.body, /This note is signed and locked: it cannot be changed\. Add an addendum instead\./);
		}
		const cos = await sup.req(`${noteUrl}/cosign`, { form: { csrf: await sup.csrfFrom(`${base}/notes`), secret: supPw, decision: 'cosign' } });
		assert.equal(cos.status, 409);
		const still = await clin.req(noteUrl);
		assert.match(still.body, /sleeping 7 hours/);
		assert.doesNotMatch(still.body, /rewritten/);
		assert.equal(await one(`SELECT count(*) FROM note_versions WHERE note_id = ${noteUrl.split('/').pop()}`), '2');
	});

	test('an addendum is signed and shown below the unchanged original', async () => {
		const res = await clin.post(noteUrl, `${noteUrl}/addenda`, { text: 'Called back on Friday: safe.', secret: clinPw });
		assert.equal(res.status, 303);
		const page = await clin.req(noteUrl);
		assert.match(page.body, /Addendum by Cleo Clinician, signed/);
		assert.match(page.body, /Called back on Friday: safe\./);
		assert.match(page.body, /sleeping 7 hours/);
		const due = await clin.req('/notes/due');
		assert.match(due.body, /Every completed session has a signed note\./);
	});

	test('fields, versions and addenda are sealed at rest', async () => {
		for (const secret of ['Xylophone-Harbour', 'Called back on Friday']) {
			if (lib.ENGINE === 'postgres') {
				for (const t of ['notes', 'note_versions', 'note_addenda'])
					assert.equal(await one(`SELECT count(*) FROM ${t} WHERE position(convert_to('${secret}', 'UTF8') IN data) > 0`), '0');
			} else {
				for (const f of ['alcove.db', 'alcove.db-wal']) {
					const p = path.join(srv.instance.dir, f);
					if (fs.existsSync(p))
						assert.equal(fs.readFileSync(p).indexOf(secret), -1, `${secret} in ${f}`);
				}
			}
		}
	});

	test('reads are audited, the print view as PRINT', async () => {
		const id = noteUrl.split('/').pop();
		const pr = await clin.req(`${noteUrl}/print`);
		assert.equal(pr.status, 200);
		assert.equal(await one(`SELECT count(*) FROM audit_events WHERE verb = 'PRINT' AND object_type = 'note' AND object_id = '${id}'`), '1');
		assert.ok(Number(await one(`SELECT count(*) FROM audit_events WHERE verb = 'VIEW' AND object_type = 'note' AND object_id = '${id}' AND patient_id = ${patientId}`)) >= 3);
		assert.equal(await one(`SELECT count(*) FROM audit_events WHERE verb = 'CREATE' AND object_type = 'note_addendum'`), '1');
	});

	test('a note signed after the practice limit is marked a late entry', async () => {
		const pid = await one('SELECT practice_id FROM patients WHERE id = ' + patientId);
		await sql(srv, `INSERT INTO settings (practice_id, key, value, updated_at) VALUES (${pid}, 'notes.late_after_days', '0', 0)`);
		const res = await clin.post(`${base}/notes/new?template=dap`, `${base}/notes?template=dap`, { data: 'late one' });
		assert.equal(res.status, 303);
		assert.equal((await clin.post(res.headers.location, `${res.headers.location}/sign`, { secret: clinPw })).status, 303);
		const page = await clin.req(res.headers.location);
		assert.match(page.body, /Late entry/);
		await sql(srv, `DELETE FROM settings WHERE key = 'notes.late_after_days'`);
	});

	test('a supervisee note is returned with comments, then co-signed with both signatures shown', async () => {
		const pid = await one('SELECT practice_id FROM patients WHERE id = ' + patientId);
		await sql(srv, `INSERT INTO supervision (practice_id, supervisee_id, supervisor_id, created_at) VALUES (${pid}, ${clinId}, ${supId}, 0)`);
		const res = await clin.post(`${base}/notes/new?template=birp`, `${base}/notes?template=birp`, { behavior: 'tearful' });
		const url = res.headers.location;
		assert.equal((await clin.post(url, `${url}/sign`, { secret: clinPw })).status, 303);
		const q = await sup.req('/notes/due');
		assert.match(q.body, new RegExp(`href="${url}"`));
		assert.equal((await clin.post(url, `${url}/cosign`, { secret: clinPw, decision: 'cosign' })).status, 403);
		const ret = await sup.post(url, `${url}/cosign`, { decision: 'return', comment: 'Add the interventions used.' });
		assert.equal(ret.status, 303);
		const back = await clin.req(url);
		assert.match(back.body, /Returned by the supervisor/);
		assert.match(back.body, /Add the interventions used\./);
		assert.match(back.body, /Save draft/);
		assert.equal((await clin.post(url, url, { behavior: 'tearful', intervention: 'grounding' })).status, 303);
		assert.equal((await clin.post(url, `${url}/sign`, { secret: clinPw })).status, 303);
		const bad = await sup.post(url, `${url}/cosign`, { secret: 'wrong', decision: 'cosign' });
		assert.equal(bad.status, 403);
		assert.equal((await sup.post(url, `${url}/cosign`, { secret: supPw, decision: 'cosign' })).status, 303);
		const done = await clin.req(url);
		assert.match(done.body, /id="signature">Cleo Clinician, /);
		assert.match(done.body, /id="cosignature">Sam Supervisor, /);
		assert.match(done.body, /Signed and co-signed/);
	});
});
