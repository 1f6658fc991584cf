/*
 * reminders.c - reminder e-mails for compliance tasks, and the daily job
 * that sends them.
 *
 * Which day gets which reminder is the pure compliance_reminder_for()
 * (schedule.c).  Sending is at most once per (task, due date, kind, day,
 * person): the compliance_reminders row and the e-mail job are inserted in
 * one transaction, the row first with ON CONFLICT DO NOTHING, so a job run
 * twice (the queue delivers at least once) queues each mail once.
 *
 * The job reschedules itself: each run first queues the next one, for
 * 07:00 the next day in the practice's zone, under an idempotency key
 * naming the practice and that day, so concurrent or repeated runs merge
 * into one chain.  Seeding a practice's program starts the chain.
 *
 * E-mails carry the task's title, due date and a link, never PHI.  The
 * text is the mail module's template "compliance_reminder".
 */
#include "core/compliance/compliance.h"
#include "core/compliance/impl.h"
#include "core/mail/mail.h"
#include "base/arena.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "db/db.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <string.h>

#define REMIND_MAX_TASKS 500
#define REMIND_MAX_PEOPLE 16

struct due_task {
	int64_t id, owner, backup;
	const char *title, *due;
	enum compliance_reminder kind;
};

struct person {
	int64_t id;
	const char *email;
};

static int
due_tasks(struct db_conn *c, struct arena *a, int64_t pid,
    struct caldate today, struct due_task *out, size_t *n)
{
	char horizon[CALDATE_TEXT_SIZE];
	struct caldate due;
	struct db_stmt *s;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, &s, "SELECT id, title, next_due, owner_id, "
	    "backup_owner_id FROM compliance_tasks WHERE practice_id = ? AND "
	    "status = 'active' AND next_due IS NOT NULL AND next_due <= ? "
	    "ORDER BY next_due, id")) != 0)
		return rc;
	db_bind_i64(s, 1, pid);
	db_bind_text(s, 2, caldate_format(caldate_add_days(today, 14), horizon));
	while (*n < REMIND_MAX_TASKS && (rc = db_step(s)) == DB_ROW) {
		struct due_task *t = &out[*n];
		if (caldate_parse(db_col_text(s, 2), &due) != 0 ||
		    (t->kind = compliance_reminder_for(due, today)) ==
		    COMPLIANCE_REMIND_NONE)
			continue;
		t->id = db_col_i64(s, 0);
		t->title = cmp_col(a, s, 1);
		t->due = cmp_col(a, s, 2);
		t->owner = db_col_i64(s, 3);
		t->backup = db_col_i64(s, 4);
		(*n)++;
	}
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static void
add_person(struct person *p, size_t *n, int64_t id, const char *email)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (p[i].id == id)
			return;
	if (*n < REMIND_MAX_PEOPLE && email != NULL) {
		p[*n].id = id;
		p[(*n)++].email = email;
	}
}

/* Adds active users: one by id (role NULL), or every holder of role. */
static int
add_people(struct db_conn *c, struct arena *a, int64_t pid, int64_t uid,
    const char *role, struct person *p, size_t *n)
{
	struct db_stmt *s;
	int rc;

	if ((rc = db_prepare(c, &s, role ? "SELECT u.id, u.email FROM "
	    "memberships m JOIN users u ON u.id = m.user_id WHERE m.practice_id "
	    "= ? AND m.role = ? AND u.status = 'active' ORDER BY u.id" :
	    "SELECT u.id, u.email FROM users u WHERE u.id = ? AND u.status = "
	    "'active' AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = "
	    "u.id AND m.practice_id = ?)")) != 0)
		return rc;
	if (role) {
		db_bind_i64(s, 1, pid);
		db_bind_text(s, 2, role);
	} else {
		db_bind_i64(s, 1, uid);
		db_bind_i64(s, 2, pid);
	}
	while ((rc = db_step(s)) == DB_ROW)
		add_person(p, n, db_col_i64(s, 0), cmp_col(a, s, 1));
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

/* The owner; when overdue also the backup and the compliance officers
 * (or, in a practice without one, its owners). */
static int
recipients(struct db_conn *c, struct arena *a, int64_t pid,
    const struct due_task *t, struct person *p, size_t *n)
{
	size_t before;
	int rc;

	*n = 0;
	if ((rc = add_people(c, a, pid, t->owner, NULL, p, n)) != 0 ||
	    t->kind != COMPLIANCE_REMIND_OVERDUE)
		return rc;
	if (t->backup && (rc = add_people(c, a, pid, t->backup, NULL, p, n)) != 0)
		return rc;
	before = *n;
	if ((rc = add_people(c, a, pid, 0, "compliance", p, n)) != 0)
		return rc;
	return *n > before ? 0 : add_people(c, a, pid, 0, "owner", p, n);
}

/* Records the reminder; *fresh is 1 when it had not been sent before. */
static int
claim(struct db_conn *c, const struct due_task *t, const char *today,
    int64_t uid, int *fresh)
{
	struct db_stmt *s;
	int rc;

	*fresh = 0;
	if ((rc = db_prepare(c, &s, "INSERT INTO compliance_reminders (task_id, "
	    "due_date, kind, sent_on, user_id, created_at) VALUES (?, ?, ?, ?, "
	    "?, ?) ON CONFLICT DO NOTHING")) != 0)
		return rc;
	db_bind_i64(s, 1, t->id);
	db_bind_text(s, 2, t->due);
	db_bind_text(s, 3, compliance_reminder_name(t->kind));
	db_bind_text(s, 4, today);
	db_bind_i64(s, 5, uid);
	db_bind_i64(s, 6, time_now_ms());
	if ((rc = db_step(s)) >= 0)
		*fresh = db_changes(s) == 1;
	db_stmt_done(s);
	return rc < 0 ? rc : 0;
}

static int
mail_task(struct db_conn *c, struct arena *a, int64_t pid,
    const struct due_task *t, struct caldate today, const char *base,
    int *queued)
{
	struct person p[REMIND_MAX_PEOPLE];
	char words[48], day[CALDATE_TEXT_SIZE];
	struct caldate due;
	const char *link, *vars[9];
	size_t n, i;
	int rc, fresh;

	if ((rc = recipients(c, a, pid, t, p, &n)) != 0)
		return rc;
	if (caldate_parse(t->due, &due) != 0)
		return 0;
	link = arena_printf(a, "%s/compliance/tasks/%lld", base ? base : "",
	    (long long)t->id);
	vars[0] = "title", vars[1] = t->title;
	vars[2] = "when", vars[3] = compliance_due_words(due, today, words,
	    sizeof(words));
	vars[4] = "due", vars[5] = t->due;
	vars[6] = "link", vars[7] = link;
	vars[8] = NULL;
	caldate_format(today, day);
	for (i = 0; i < n; i++) {
		if ((rc = claim(c, t, day, p[i].id, &fresh)) != 0)
			return rc;
		if (!fresh)
			continue;
		if ((rc = mail_enqueue(c, pid, p[i].email,
		    COMPLIANCE_MAIL_TEMPLATE, vars, 0, NULL)) != 0) {
			/* A bad address must not stop everyone else's mail. */
			if (rc != ALC_EINVAL)
				return rc;
			log_warn("compliance reminder skipped: bad address",
			    "task=%lld user=%lld", (long long)t->id,
			    (long long)p[i].id);
			continue;
		}
		(*queued)++;
	}
	return 0;
}

int
compliance_send_reminders(struct db *db, int64_t practice_id,
    struct caldate today, const char *base_url, int *queued)
{
	struct due_task *tasks;
	struct arena *a;
	struct db_conn *c = NULL;
	size_t n = 0, i;
	int rc = ALC_ENOMEM, count = 0;

	if ((a = arena_new()) == NULL ||
	    (tasks = arena_alloc(a, REMIND_MAX_TASKS * sizeof(*tasks))) == NULL)
		goto out;
	if ((c = db_acquire(db, 5000, NULL)) == NULL) {
		rc = ALC_EBUSY;
		goto out;
	}
	if ((rc = db_begin(c)) != 0 ||
	    (rc = due_tasks(c, a, practice_id, today, tasks, &n)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		rc = mail_task(c, a, practice_id, &tasks[i], today, base_url,
		    &count);
	if (rc == 0)
		rc = db_commit(c);
	if (rc == 0 && count > 0)
		jobs_wake();
out:
	if (c != NULL) {
		if (rc != 0)
			db_rollback(c);
		db_release(c);
	}
	arena_free(a);
	if (queued != NULL)
		*queued = rc == 0 ? count : 0;
	return rc;
}

int
compliance_schedule_reminders(struct db_conn *c, int64_t practice_id,
    int64_t run_at)
{
	char tz[80], day[CALDATE_TEXT_SIZE], key[96];
	struct job_spec spec;
	struct caldate d;
	int rc;

	if ((rc = compliance_practice_zone(c, practice_id, tz, sizeof(tz))) != 0)
		return rc;
	if (caldate_today(tz, run_at, &d) != 0)
		d = caldate_from_days(run_at / 86400000);
	snprintf(key, sizeof(key), COMPLIANCE_REMINDER_JOB ":%lld:%s",
	    (long long)practice_id, caldate_format(d, day));
	memset(&spec, 0, sizeof(spec));
	spec.kind = COMPLIANCE_REMINDER_JOB;
	spec.practice_id = practice_id;
	spec.run_at = run_at;
	spec.idempotency_key = key;
	return jobs_enqueue(c, &spec, NULL);
}

/* 07:00 tomorrow in the practice's zone, as ms UTC. */
static int64_t
next_run(const char *tz, struct caldate today)
{
	int64_t t = (caldate_to_days(today) + 1) * 86400 + 7 * 3600;
	int32_t off = 0;

	caldate_utc_offset(tz, t, &off);
	return (t - off) * 1000;
}

static const char *
base_url(struct arena *a, const struct config *cfg)
{
	const char *pub = cfg ? cfg->server.public_url : NULL;
	size_t n;

	if (pub != NULL && pub[0] != '\0') {
		for (n = strlen(pub); n > 0 && pub[n - 1] == '/'; n--)
			;
		return arena_strndup(a, pub, n);
	}
	if (cfg == NULL || cfg->server.host == NULL)
		return "";
	return arena_printf(a, "%s://%s%s%s:%d", cfg->server.plain_http ?
	    "http" : "https", strchr(cfg->server.host, ':') ? "[" : "",
	    cfg->server.host, strchr(cfg->server.host, ':') ? "]" : "",
	    cfg->server.port);
}

static int
run_practice(struct job_ctx *ctx, int64_t pid)
{
	struct caldate today;
	char tz[80];
	int rc, queued = 0;

	if ((rc = compliance_practice_zone(ctx->conn, pid, tz, sizeof(tz))) != 0)
		return jobs_fail(ctx, "practice %lld: %s", (long long)pid,
		    alc_strerror(rc));
	if (caldate_today(tz, ctx->now, &today) != 0)
		snprintf(tz, sizeof(tz), "UTC");
	if (caldate_today(tz, ctx->now, &today) != 0)
		today = caldate_from_days(ctx->now / 86400000);
	/* Tomorrow's run first: a failure below retries this run, and the
	 * chain of daily runs never breaks. */
	if ((rc = compliance_schedule_reminders(ctx->conn, pid,
	    next_run(tz, today))) != 0)
		return jobs_fail(ctx, "scheduling the next reminders run: %s",
		    alc_strerror(rc));
	if ((rc = compliance_send_reminders(ctx->db, pid, today,
	    base_url(ctx->arena, ctx->arg), &queued)) != 0)
		return jobs_fail(ctx, "compliance reminders: %s",
		    alc_strerror(rc));
	log_info("compliance reminders queued", "job=%lld practice=%lld "
	    "mails=%d", (long long)ctx->id, (long long)pid, queued);
	return 0;
}

static int
reminders_job(struct job_ctx *ctx)
{
	struct db_stmt *s;
	int64_t ids[256];
	size_t n = 0, i;
	int rc;

	if (ctx->practice_id != 0)
		return run_practice(ctx, ctx->practice_id);
	/* No practice: start every practice's chain. */
	if ((rc = db_prepare(ctx->conn, &s, "SELECT id FROM practices WHERE "
	    "retired_at IS NULL ORDER BY id LIMIT 256")) != 0)
		return jobs_fail(ctx, "listing practices: %s", alc_strerror(rc));
	while ((rc = db_step(s)) == DB_ROW)
		ids[n++] = db_col_i64(s, 0);
	db_stmt_done(s);
	for (i = 0; rc >= 0 && i < n; i++)
		rc = run_practice(ctx, ids[i]);
	return rc < 0 ? rc : 0;
}

int
compliance_register_jobs(struct jobs *q, const struct config *cfg)
{
	/* The handler only reads cfg. */
	union { const struct config *c; void *v; } arg = {cfg};

	return jobs_register(q, COMPLIANCE_REMINDER_JOB, reminders_job, arg.v);
}

int
compliance_schedule_all(struct db *db, int64_t now_ms)
{
	struct db_conn *c;
	struct db_stmt *s;
	int64_t ids[256];
	size_t n = 0, i;
	int rc;

	if ((c = db_acquire(db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	if ((rc = db_prepare(c, &s, "SELECT id FROM practices WHERE retired_at "
	    "IS NULL ORDER BY id")) == 0) {
		while ((rc = db_step(s)) == DB_ROW && n < 256)
			ids[n++] = db_col_i64(s, 0);
		db_stmt_done(s);
	}
	for (i = 0; rc >= 0 && i < n; i++)
		rc = compliance_schedule_reminders(c, ids[i], now_ms);
	db_release(c);
	return rc < 0 ? rc : 0;
}
