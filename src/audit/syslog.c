/*
 * syslog.c - optional forwarding of audit events to a syslog collector
 * (audit.syslog = "udp://host:port" or "tcp://host:port"; issue #5).
 *
 * How.  A forwarder thread follows the chain: every AUDIT_SYSLOG_POLL_MS
 * (sooner while it is catching up) it reads the events with a seq above
 * the last one it handled, AUDIT_SYSLOG_BATCH at a time, formats each as
 * an RFC 5424 message and sends it - one datagram per event over UDP,
 * RFC 6587 octet-counting frames ("LEN SP MSG") over TCP.  Reading from
 * the table, not from audit_write, means only committed events are ever
 * sent (a rolled-back change never reaches the collector), events from
 * the group-commit writer and from the CLI are included alike, and no
 * request ever waits for the network: forwarding cannot block or fail a
 * request.  The forwarder starts at the chain's head when it starts;
 * earlier events are not sent again.
 *
 * Best effort, bounded.  The "queue" is the table itself, so nothing
 * accumulates in memory; what is bounded is the backlog the forwarder
 * will chase: when it falls more than AUDIT_SYSLOG_BACKLOG events behind
 * (the collector is slow or down), it skips ahead, and the skipped events
 * count as dropped - as do events whose send fails (collector down, TCP
 * connection lost: it reconnects after AUDIT_SYSLOG_RETRY_MS).  Drops are
 * counted and logged (at most once a minute, with the totals); the events
 * themselves stay in the audit trail, which remains the record.
 *
 * Content.  Only what the event holds, and only ids: seq, action, verb,
 * outcome, practice, actor user id and role, patient id, object type and
 * id, sensitivity, request id, source address, hash.  No names, no detail
 * JSON, no user agent.  Facility 13 (log audit); severity 6
 * (informational), 5 (notice) for BREAK_GLASS, 4 (warning) for failures.
 *
 * Several processes on one PostgreSQL each forward every event: set
 * audit.syslog on one of them.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "db/db.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct audit_syslog {
	struct db *db;
	char host[256], port[8], hostname[256];
	int tcp, fd;
	int64_t last_seq, retry_at, logged_at;
	int64_t sent, dropped, logged_dropped;
	int stop, started;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

/* ------------------------------------------------------------------ */
/* Formatting.                                                         */

/* An SD-PARAM value: '"', '\' and ']' escaped (RFC 5424 6.3.3). */
static void
sd_param(struct buf *b, const char *name, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	buf_printf(b, " %s=\"", name);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\' || *v == ']')
			buf_putc(b, '\\');
		buf_putc(b, (unsigned char)*v < 0x20 ? '?' : *v);
	}
	buf_putc(b, '"');
}

static void
sd_id(struct buf *b, const char *name, int64_t v)
{
	if (v != 0)
		buf_printf(b, " %s=\"%lld\"", name, (long long)v);
}

void
audit_syslog_format(struct buf *b, const struct audit_event *ev,
    const char *hash, const char *hostname)
{
	char iso[32], action[2] = {ev->action, '\0'};
	int sev = ev->outcome != 0 ? 4 :
	    ev->verb && strcmp(ev->verb, "BREAK_GLASS") == 0 ? 5 : 6;

	time_format_iso(iso, sizeof(iso), ev->recorded_at);
	buf_printf(b, "<%d>1 %s %s alcove %ld %s [alcove@32473", 13 * 8 + sev,
	    iso, hostname && hostname[0] ? hostname : "-", (long)getpid(),
	    ev->verb ? ev->verb : "-");
	buf_printf(b, " seq=\"%lld\"", (long long)ev->seq);
	sd_param(b, "action", action);
	sd_param(b, "verb", ev->verb);
	buf_printf(b, " outcome=\"%d\"", ev->outcome);
	sd_id(b, "practice", ev->practice_id);
	sd_id(b, "actor", ev->actor_user_id);
	sd_param(b, "role", ev->actor_role);
	sd_id(b, "patient", ev->patient_id);
	sd_param(b, "object_type", ev->object_type);
	sd_param(b, "object_id", ev->object_id);
	sd_param(b, "sensitivity", ev->sensitivity);
	sd_param(b, "request", ev->request_id);
	sd_param(b, "addr", ev->source_addr);
	sd_param(b, "hash", hash);
	buf_printf(b, "] audit event %lld: %s", (long long)ev->seq,
	    ev->verb ? ev->verb : "-");
}

/* ------------------------------------------------------------------ */
/* The connection.                                                     */

static void
disconnect(struct audit_syslog *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int
connect_to(struct audit_syslog *s)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = {2, 0};
	int fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = s->tcp ? SOCK_STREAM : SOCK_DGRAM;
	if (getaddrinfo(s->host, s->port, &hints, &res) != 0)
		return ALC_EIO;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return ALC_EIO;
	s->fd = fd;
	return 0;
}

/* Sends one message; 0 or ALC_EIO (the caller counts the drop). */
static int
send_one(struct audit_syslog *s, const char *msg, size_t len)
{
	char frame[24];
	int n = 0;

	if (s->fd < 0) {
		if (time_now_ms() < s->retry_at || connect_to(s) != 0) {
			if (time_now_ms() >= s->retry_at)
				s->retry_at = time_now_ms() + AUDIT_SYSLOG_RETRY_MS;
			return ALC_EIO;
		}
	}
	if (s->tcp)
		n = snprintf(frame, sizeof(frame), "%zu ", len);
	if ((n > 0 && send(s->fd, frame, (size_t)n, MSG_NOSIGNAL) != n) ||
	    send(s->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len) {
		if (s->tcp) {
			disconnect(s);
			s->retry_at = time_now_ms() + AUDIT_SYSLOG_RETRY_MS;
		}
		return ALC_EIO;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The forwarder thread.                                               */

static int64_t
head_seq(struct db_conn *c)
{
	struct db_stmt *s;
	int64_t seq = -1;

	if (db_prepare(c, &s, "SELECT seq FROM audit_head WHERE id = 1") != 0)
		return -1;
	if (db_step(s) == DB_ROW)
		seq = db_col_i64(s, 0);
	db_stmt_done(s);
	return seq;
}

static void
forward_row(struct audit_syslog *s, struct db_stmt *st, struct buf *b)
{
	struct audit_event ev;
	const char *action;

	memset(&ev, 0, sizeof(ev));
	ev.seq = db_col_i64(st, 0);
	ev.recorded_at = db_col_i64(st, 1);
	ev.actor_user_id = db_col_i64(st, 2);
	ev.actor_role = db_col_text(st, 3);
	ev.practice_id = db_col_i64(st, 4);
	ev.patient_id = db_col_i64(st, 5);
	ev.verb = db_col_text(st, 6);
	ev.action = ev.verb ? audit_verb_action(ev.verb) : 0;
	ev.object_type = db_col_text(st, 7);
	ev.object_id = db_col_text(st, 8);
	ev.sensitivity = db_col_text(st, 9);
	ev.outcome = (int)db_col_i64(st, 10);
	ev.request_id = db_col_text(st, 11);
	ev.source_addr = db_col_text(st, 12);
	action = db_col_text(st, 14);
	if (action != NULL && action[0] != '\0')
		ev.action = action[0];
	buf_reset(b);
	audit_syslog_format(b, &ev, db_col_text(st, 13), s->hostname);
	if (buf_failed(b) || send_one(s, buf_cstr(b), b->len) != 0)
		s->dropped++;
	else
		s->sent++;
	s->last_seq = ev.seq;
}

/* Forwards up to one batch; the number of events read, or < 0. */
static int
forward_batch(struct audit_syslog *s, struct buf *b)
{
	struct db_conn *c;
	struct db_stmt *st;
	int64_t head;
	int rc, n = 0;

	if ((c = db_acquire(s->db, 1000, NULL)) == NULL)
		return ALC_EBUSY;
	head = head_seq(c);
	if (head - s->last_seq > AUDIT_SYSLOG_BACKLOG) {
		s->dropped += head - AUDIT_SYSLOG_BACKLOG - s->last_seq;
		s->last_seq = head - AUDIT_SYSLOG_BACKLOG;
	}
	if ((rc = db_prepare(c, &st, "SELECT seq, recorded_at, actor_user_id, "
	    "actor_role, practice_id, patient_id, verb, object_type, object_id, "
	    "sensitivity, outcome, request_id, source_addr, hash, action FROM "
	    "audit_events WHERE seq > ? ORDER BY seq LIMIT ?")) == 0) {
		db_bind_i64(st, 1, s->last_seq);
		db_bind_i64(st, 2, AUDIT_SYSLOG_BATCH);
		while ((rc = db_step(st)) == DB_ROW) {
			forward_row(s, st, b);
			n++;
		}
		db_stmt_done(st);
	}
	db_release(c);
	return rc < 0 ? rc : n;
}

static void
log_drops(struct audit_syslog *s)
{
	int64_t now = time_now_ms();

	if (s->dropped == s->logged_dropped || now - s->logged_at < 60000)
		return;
	log_warn("audit syslog: events not forwarded", "dropped=%lld "
	    "total_dropped=%lld sent=%lld", (long long)(s->dropped -
	    s->logged_dropped), (long long)s->dropped, (long long)s->sent);
	s->logged_dropped = s->dropped;
	s->logged_at = now;
}

static void *
forwarder(void *arg)
{
	struct audit_syslog *s = arg;
	struct timespec until;
	struct buf b;
	int n;

	buf_init(&b, NULL);
	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		pthread_mutex_unlock(&s->mu);
		n = forward_batch(s, &b);
		log_drops(s);
		pthread_mutex_lock(&s->mu);
		if (n == AUDIT_SYSLOG_BATCH || s->stop)
			continue;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += AUDIT_SYSLOG_POLL_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&s->cv, &s->mu, &until);
	}
	pthread_mutex_unlock(&s->mu);
	/* What committed before the stop still goes out. */
	while (forward_batch(s, &b) == AUDIT_SYSLOG_BATCH)
		;
	buf_free(&b);
	return NULL;
}

/* Splits "udp://host:port" ("[v6]:port" too) into s. */
static int
parse_url(struct audit_syslog *s, const char *url)
{
	const char *h, *colon;
	size_t hl;

	if (strncmp(url, "udp://", 6) == 0)
		s->tcp = 0;
	else if (strncmp(url, "tcp://", 6) == 0)
		s->tcp = 1;
	else
		return ALC_EINVAL;
	h = url + 6;
	if ((colon = strrchr(h, ':')) == NULL || colon == h ||
	    strlen(colon + 1) >= sizeof(s->port) || colon[1] == '\0')
		return ALC_EINVAL;
	hl = (size_t)(colon - h);
	if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']')
		h++, hl -= 2;
	if (hl == 0 || hl >= sizeof(s->host))
		return ALC_EINVAL;
	memcpy(s->host, h, hl);
	s->host[hl] = '\0';
	snprintf(s->port, sizeof(s->port), "%s", colon + 1);
	return 0;
}

static int
start_at_head(struct audit_syslog *s)
{
	struct db_conn *c;

	if ((c = db_acquire(s->db, 5000, NULL)) == NULL)
		return ALC_EBUSY;
	s->last_seq = head_seq(c);
	db_release(c);
	return s->last_seq < 0 ? ALC_EDB : 0;
}

struct audit_syslog *
audit_syslog_start(struct db *db, const char *url, struct alc_err *err)
{
	struct audit_syslog *s;
	char *dot;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		alc_err_set(err, ALC_ENOMEM, "out of memory");
		return NULL;
	}
	s->db = db;
	s->fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (gethostname(s->hostname, sizeof(s->hostname) - 1) != 0)
		strcpy(s->hostname, "-");
	if ((dot = strpbrk(s->hostname, " \t")) != NULL)
		*dot = '\0';
	if (parse_url(s, url) != 0) {
		alc_err_set(err, ALC_ECONFIG, "audit.syslog: must be "
		    "udp://host:port or tcp://host:port");
		goto fail;
	}
	if (start_at_head(s) != 0) {
		alc_err_set(err, ALC_EDB, "audit.syslog: cannot read the chain");
		goto fail;
	}
	if (pthread_create(&s->thread, NULL, forwarder, s) != 0) {
		alc_err_set(err, ALC_EIO, "audit.syslog: cannot start a thread");
		goto fail;
	}
	s->started = 1;
	log_info("audit syslog forwarding", "transport=%s host=%s port=%s",
	    s->tcp ? "tcp" : "udp", s->host, s->port);
	return s;
fail:
	audit_syslog_stop(s);
	return NULL;
}

void
audit_syslog_stop(struct audit_syslog *s)
{
	if (s == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		log_info("audit syslog stopped", "sent=%lld dropped=%lld",
		    (long long)s->sent, (long long)s->dropped);
	}
	disconnect(s);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
