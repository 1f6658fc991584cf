/*
 * job.c - the "email.send" job: enqueue, then render, build, send and
 * scrub the payload.  See mail.h for the payload and why its variables
 * are removed once they are no longer needed.
 */
#include "core/mail/mail.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "db/db.h"
#include "jobs/jobs.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAIL_MAX_VARS 8
/* Attempts before giving up: with the queue's back-off (10 s doubling)
 * that is about 10 minutes, inside the 30 minutes a reset link lives. */
#define MAIL_MAX_ATTEMPTS 6

int
mail_enqueue(struct db_conn *c, int64_t practice_id, const char *to,
    const char *name, const char *const *vars, int64_t expires_at,
    int64_t *job_id)
{
	char addr[MAIL_ADDR_MAX + 1], *text = NULL;
	struct job_spec spec;
	json_t *o = NULL, *v;
	size_t i;
	int rc = ALC_ENOMEM;

	if (mail_addr(to, addr, sizeof(addr)) != 0 || strcmp(addr, to) != 0 ||
	    name == NULL)
		return ALC_EINVAL;
	if ((o = json_pack("{s:s, s:s}", "to", to, "template", name)) == NULL ||
	    (v = json_object()) == NULL)
		goto out;
	if (json_object_set_new(o, "vars", v) != 0)
		goto out;
	for (i = 0; vars != NULL && vars[i] != NULL && vars[i + 1] != NULL;
	    i += 2)
		if (json_object_set_new(v, vars[i], json_string(vars[i + 1])) != 0)
			goto out;
	if (expires_at > 0 &&
	    json_object_set_new(o, "expires_at", json_integer(expires_at)) != 0)
		goto out;
	if ((text = json_dumps(o, JSON_COMPACT)) == NULL)
		goto out;
	memset(&spec, 0, sizeof(spec));
	spec.kind = MAIL_JOB_KIND;
	spec.practice_id = practice_id;
	spec.payload = text;
	spec.max_attempts = MAIL_MAX_ATTEMPTS;
	rc = jobs_enqueue(c, &spec, job_id);
out:
	free(text);
	json_decref(o);
	return rc;
}

/* Replaces the payload by {to, template, <mark>: <value>}, dropping the
 * variables.  Failure is logged, not returned: the mail itself is done. */
static void
scrub(struct job_ctx *ctx, const char *to, const char *name,
    const char *mark, json_t *value)
{
	struct db_stmt *s;
	json_t *o;
	char *text = NULL;
	int rc = ALC_ENOMEM;

	o = json_pack("{s:s, s:s, s:o}", "to", to, "template", name, mark,
	    value);
	if (o != NULL && (text = json_dumps(o, JSON_COMPACT)) != NULL &&
	    (rc = db_prepare(ctx->conn, &s, "UPDATE jobs SET payload = ? "
	    "WHERE id = ?")) == 0) {
		db_bind_text(s, 1, text);
		db_bind_i64(s, 2, ctx->id);
		rc = db_step(s);
		db_stmt_done(s);
	}
	if (rc < 0)
		log_error("could not remove e-mail variables from job payload",
		    "job=%lld rc=%d", (long long)ctx->id, rc);
	free(text);
	json_decref(o);
}

struct parsed {
	const char *to, *name;
	const char *vars[2 * MAIL_MAX_VARS + 1];
	json_int_t expires_at;
	int done; /* payload already scrubbed: sent or dropped */
};

static int
parse_payload(json_t *root, struct parsed *p)
{
	json_t *vars, *v;
	const char *key;
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	if (json_unpack(root, "{s:s, s:s, s?I}", "to", &p->to, "template",
	    &p->name, "expires_at", &p->expires_at) != 0)
		return ALC_EINVAL;
	vars = json_object_get(root, "vars");
	if (!json_is_object(vars)) {
		p->done = 1;
		return 0;
	}
	json_object_foreach(vars, key, v) {
		if (n >= 2 * MAIL_MAX_VARS || !json_is_string(v))
			return ALC_EINVAL;
		p->vars[n++] = key;
		p->vars[n++] = json_string_value(v);
	}
	return 0;
}

/* Renders, builds and sends; ALC_* with err filled on failure. */
static int
deliver(struct job_ctx *ctx, const struct config *cfg,
    const struct parsed *p, struct alc_err *err)
{
	struct mail_msg m;
	struct buf msg;
	int rc;

	memset(&m, 0, sizeof(m));
	if ((rc = mail_render(ctx->arena, p->name, p->vars, &m.subject,
	    &m.body)) != 0)
		return alc_err_set(err, rc, "e-mail template \"%s\": %s",
		    p->name, alc_strerror(rc));
	m.from = cfg->smtp.from;
	m.to = p->to;
	buf_init(&msg, ctx->arena);
	if ((rc = mail_build(&msg, &m, ctx->now)) != 0)
		return alc_err_set(err, rc, "could not build the message: %s",
		    alc_strerror(rc));
	return mail_send(cfg, p->to, buf_cstr(&msg), msg.len, err);
}

int
mail_job(struct job_ctx *ctx)
{
	const struct config *cfg = ctx->arg;
	struct alc_err err;
	struct parsed p;
	char name[JOBS_KIND_MAX + 8];
	json_t *root;
	int rc;

	if ((root = json_loads(ctx->payload, 0, NULL)) == NULL ||
	    parse_payload(root, &p) != 0) {
		json_decref(root);
		return jobs_fail(ctx, "e-mail job payload is not "
		    "{to, template, vars}");
	}
	rc = 0;
	if (p.done)
		goto out;
	log_q(name, sizeof(name), p.name); /* from the database: quote it */
	if (p.expires_at > 0 && ctx->now >= p.expires_at) {
		log_warn("e-mail expired before it could be sent",
		    "job=%lld template=%s", (long long)ctx->id, name);
		scrub(ctx, p.to, p.name, "dropped", json_string("expired"));
		goto out;
	}
	memset(&err, 0, sizeof(err));
	if ((rc = deliver(ctx, cfg, &p, &err)) != 0) {
		if (ctx->attempt >= ctx->max_attempts)
			scrub(ctx, p.to, p.name, "dropped", json_string("failed"));
		rc = jobs_fail(ctx, "%s", err.msg);
		goto out;
	}
	scrub(ctx, p.to, p.name, "sent", json_true());
	log_info("e-mail sent", "job=%lld template=%s attempt=%d",
	    (long long)ctx->id, name, ctx->attempt);
out:
	json_decref(root);
	return rc;
}

int
mail_register(struct jobs *q, struct config *cfg)
{
	int rc;

	if ((rc = mail_global_init()) != 0)
		return rc;
	if (cfg->smtp.url[0] == '\0')
		log_warn("smtp.url is not set: e-mail (password reset) will "
		    "wait in the job queue until it is", "%s", "");
	return jobs_register(q, MAIL_JOB_KIND, mail_job, cfg);
}
