/*
 * mail.h - outgoing e-mail: templates, RFC 5322 messages, SMTP through
 * libcurl, and the "email.send" job that ties them together.
 *
 * Every e-mail goes through the durable job queue (jobs/jobs.h): a
 * producer calls mail_enqueue() inside the transaction of the change that
 * causes the mail (a reset token, later an invitation), so the mail exists
 * if and only if the change committed.  A worker then renders the named
 * template, builds the message and hands it to the configured SMTP server
 * ([smtp] in alcove.ini).  A failure is retried with the queue's back-off.
 *
 * The payload, and what happens to it.  Job payloads are stored in clear
 * and shown to operators, so it is kept minimal:
 *   {"to": "...", "template": "password_reset", "expires_at": ms,
 *    "vars": {"url": "https://.../password/reset?token=..."}}
 * The variables are what the message needs and cannot be recomputed
 * later: a reset link carries its bearer token, and the database keeps
 * only the token's hash.  So the vars are treated as secrets:
 *   - after the message was accepted by the SMTP server, the handler
 *     rewrites the payload to {"to", "template", "sent": true};
 *   - when expires_at passes before it could be sent (the link would not
 *     work anyway), or on the last failed attempt, the vars are dropped
 *     the same way ("dropped": "expired" / "failed");
 *   - a payload without vars is done: a retry after a crash between
 *     sending and recording never sends the same e-mail twice.
 * So a bearer link sits in the jobs table only while it is waiting to be
 * sent, and never longer than the link itself is valid.  No PHI ever goes
 * into a payload or an e-mail template.
 *
 * Logs name the job id and template, never the recipient, the link or
 * the message.
 */
#ifndef ALC_CORE_MAIL_H
#define ALC_CORE_MAIL_H

#include <stddef.h>
#include <stdint.h>

struct alc_err;
struct arena;
struct buf;
struct config;
struct db_conn;
struct job_ctx;
struct jobs;

#define MAIL_JOB_KIND "email.send"
#define MAIL_ADDR_MAX 254

/* --- messages (message.c) ----------------------------------------------- */

struct mail_msg {
	const char *from;     /* "Name <addr@host>" or "addr@host" */
	const char *to;       /* one bare address */
	const char *subject;  /* UTF-8; non-ASCII becomes an RFC 2047 word */
	const char *body;     /* UTF-8 text with '\n' line ends */
};

/* Appends a complete RFC 5322 message to out: Date (from now_ms, UTC),
 * Message-ID (random, at the sender's domain), From, To, Subject,
 * MIME-Version, Content-Type text/plain; charset=utf-8, Content-Transfer-
 * Encoding quoted-printable, then the body encoded so that every line is
 * at most 76 characters; CRLF line ends throughout.  ALC_EINVAL when a
 * header value holds a line break or an address is not plausible (header
 * injection is impossible by construction); ALC_ENOMEM when out failed. */
int mail_build(struct buf *out, const struct mail_msg *m, int64_t now_ms);

/* The bare address of "Name <addr>" or "addr" into out.  ALC_EINVAL when
 * there is none, it is too long, or it has spaces, controls, '<' or '>'. */
int mail_addr(const char *from, char *out, size_t outsz);

/* Quoted-printable (RFC 2045) of text with '\n' line ends, CRLF out. */
void mail_qp_encode(struct buf *out, const char *text);

/* --- templates (templates.c) -------------------------------------------- */

/* Renders template `name` ("password_reset") with vars, a NULL-terminated
 * list of key, value pairs; {{key}} in the template is replaced by the
 * value as is (plain text, no escaping needed).  Subject and body are
 * allocated from a.  ALC_ENOTFOUND for an unknown template, ALC_EINVAL
 * for a {{key}} without a value. */
int mail_render(struct arena *a, const char *name, const char *const *vars,
    const char **subject, const char **body);

/* --- SMTP (smtp.c) ------------------------------------------------------ */

/* Sends msg (a complete message) to one recipient through the [smtp]
 * settings of cfg.  0, or ALC_ECONFIG (no smtp.url), ALC_EINVAL (bad
 * address) or ALC_EIO with err->msg saying what the server or the network
 * did (no secrets, no message content). */
int mail_send(const struct config *cfg, const char *to, const char *msg,
    size_t len, struct alc_err *err);

/* libcurl's process-wide set-up; call once before threads start (also
 * done on first use).  0 or ALC_EIO. */
int mail_global_init(void);

/* --- the job (job.c) ---------------------------------------------------- */

/* Queues template `name` for `to` on c (inside c's transaction when one is
 * open: commit, then jobs_wake()).  vars as for mail_render.  expires_at
 * (ms UTC, 0: never): after it the mail is not sent.  practice_id may be
 * 0.  ALC_EINVAL for a bad address or unknown template. */
int mail_enqueue(struct db_conn *c, int64_t practice_id, const char *to,
    const char *name, const char *const *vars, int64_t expires_at,
    int64_t *job_id);

/* The "email.send" handler; ctx->arg is the struct config. */
int mail_job(struct job_ctx *ctx);

/* Registers mail_job for MAIL_JOB_KIND with cfg (which must outlive q;
 * the handler only reads it), and initialises libcurl.  Before
 * jobs_start.  Warns in the log when smtp.url is not set. */
int mail_register(struct jobs *q, struct config *cfg);

#endif
