/*
 * server.c - libmicrohttpd setup, request lifecycle, limits, shutdown.
 *
 * Threading: one MHD daemon with an internal epoll polling thread per core
 * (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL + a thread pool), the
 * fastest mode measured on this machine kind.  Handlers run on those
 * threads and must not block for long.
 *
 * Request lifecycle (see MHD's access-handler contract):
 *   1st call   allocate the struct req and its arena, assign the request id,
 *              check the declared body size.  Nothing is queued here:
 *              libmicrohttpd 0.9.75 answers `Connection: close` to a response
 *              queued on the first call, which would cost every request a new
 *              TLS handshake.
 *   next calls collect body bytes, up to server.max_body_bytes (413 beyond).
 *   last call  (no more body) route, authorize, run the handler, add the
 *              security headers, queue the response.  The body is sent from
 *              arena memory without a copy (MHD_RESPMEM_PERSISTENT): the arena
 *              lives until the completion callback.
 *   completed  write the access-log line, free the arena.
 *
 * Limits: total connections, connections per address, idle timeout and a
 * per-connection memory pool bound how much a client can hold; epoll keeps
 * idle connections cheap, so a flood of them from one address does not
 * starve others.  Header size is checked exactly in the handler (431) with
 * the pool limit as a backstop.
 *
 * Shutdown: SIGTERM/SIGINT -> MHD_quiesce_daemon (stop accepting), wait for
 * the in-flight count to reach zero or the grace period to pass, stop.
 */
#include "web/server.h"
#include "web/dispatch.h"
#include "web/http.h"
#include "web/render.h"
#include "base/arena.h"
#include "base/config.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "crypto/random.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TLS_PRIORITIES "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
	"-CIPHER-ALL:+CHACHA20-POLY1305:+AES-256-GCM:+AES-128-GCM:%SERVER_PRECEDENCE"

static atomic_int in_flight;
static char empty_body[1]; /* MHD wants a non-const pointer even for 0 bytes */

struct server {
	struct app *app;
	struct MHD_Daemon *main, *redirect;
	char *cert_pem, *key_pem;
	int port;
	char origin[300]; /* https://host:port, for redirects */
};

static char *
read_file(const char *path, struct alc_err *err)
{
	FILE *f;
	char *p = NULL;
	long n;

	if ((f = fopen(path, "rb")) == NULL) {
		alc_err_set(err, ALC_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > 1 << 20 ||
	    fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)n + 1)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		alc_err_set(err, ALC_EIO, "%s: cannot read", path);
		free(p);
		fclose(f);
		return NULL;
	}
	p[n] = '\0';
	fclose(f);
	return p;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512], q[600];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_debug("httpd", "detail=%s", log_q(q, sizeof(q), msg));
}

static void
client_addr(struct MHD_Connection *c, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, outsz, "-");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, out, (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, out, (socklen_t)outsz);
}

static enum http_method
method_of(const char *m)
{
	static const struct { const char *name; enum http_method m; } tab[] = {
		{"GET", HTTP_GET}, {"HEAD", HTTP_HEAD}, {"POST", HTTP_POST},
		{"PUT", HTTP_PUT}, {"PATCH", HTTP_PATCH},
		{"DELETE", HTTP_DELETE}, {"OPTIONS", HTTP_OPTIONS},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(m, tab[i].name) == 0)
			return tab[i].m;
	return HTTP_OTHER;
}

static struct req *
req_new(struct server *s, struct MHD_Connection *c, const char *url,
    const char *method)
{
	struct arena *a;
	struct req *r;

	if ((a = arena_new()) == NULL)
		return NULL;
	if ((r = arena_alloc(a, sizeof(*r))) == NULL ||
	    (r->path = arena_strdup(a, url)) == NULL ||
	    (r->method_name = arena_strdup(a, method)) == NULL) {
		arena_free(a);
		return NULL;
	}
	r->arena = a;
	r->app = s->app;
	r->conn = c;
	r->method = method_of(method);
	r->started_ns = time_mono_ns();
	r->status = 200;
	rand_hex(r->rid, 8);
	client_addr(c, r->addr, sizeof(r->addr));
	buf_init(&r->body, a);
	buf_init(&r->out, a);
	r->body.limit = (size_t)s->app->cfg->server.max_body_bytes;
	atomic_fetch_add(&in_flight, 1);
	return r;
}

static void
add_security_headers(struct MHD_Response *resp, const struct req *r)
{
	MHD_add_response_header(resp, "Strict-Transport-Security",
	    "max-age=63072000; includeSubDomains");
	MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'none'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy",
	    "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy",
	    "same-origin");
	MHD_add_response_header(resp, "Permissions-Policy",
	    "camera=(), microphone=(), geolocation=(), payment=()");
	if (r != NULL)
		MHD_add_response_header(resp, "X-Request-Id", r->rid);
}

/* Queues the response the handler (or dispatch_error) left in r. */
static enum MHD_Result
queue_req(struct server *s, struct MHD_Connection *c, struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t i;

	if (buf_failed(&r->out))
		dispatch_error(r, 500);
	if (r->out_static != NULL)
		/* PERSISTENT: MHD never writes to the buffer; the cast only
		 * satisfies its non-const parameter. */
		resp = MHD_create_response_from_buffer(r->out_static_len,
		    (void *)(uintptr_t)r->out_static, MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(r->out.len,
		    r->out.data ? r->out.data : empty_body,
		    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	add_security_headers(resp, r);
	MHD_add_response_header(resp, "Content-Type", r->content_type ?
	    r->content_type : "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control",
	    r->cache == CACHE_IMMUTABLE ? "public, max-age=31536000, immutable" :
	    "no-store");
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].name,
		    r->headers[i].value);
	if (s->app->stopping)
		MHD_add_response_header(resp, "Connection", "close");
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
sum_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	size_t *total = cls;

	*total += strlen(k) + (v ? strlen(v) : 0) + 4;
	return MHD_YES;
}

/* The first call: allocate, and refuse at once what is too big.  A refusal
 * is the one response queued on the first call: libmicrohttpd accepts a
 * response only before it reads the body or after all of it, and closing
 * the connection (which it then does) is right for a client over a limit. */
static enum MHD_Result
on_first_call(struct server *s, struct MHD_Connection *c, const char *url,
    const char *method, void **req_cls)
{
	const struct config *cfg = s->app->cfg;
	struct req *r;
	const char *cl;
	size_t hdr = 0;

	if ((r = req_new(s, c, url, method)) == NULL)
		return MHD_NO;
	*req_cls = r;
	MHD_get_connection_values(c, MHD_HEADER_KIND, sum_header, &hdr);
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if (hdr + strlen(url) > (size_t)cfg->server.max_header_bytes)
		dispatch_error(r, 431);
	else if (cl != NULL &&
	    strtoll(cl, NULL, 10) > cfg->server.max_body_bytes)
		dispatch_error(r, 413);
	else
		return MHD_YES;
	resp_header(r, "Connection", "close");
	return queue_req(s, c, r);
}

/* Body bytes past the limit that are read and dropped so that a chunked
 * upload can still be answered with 413; beyond this the connection is
 * simply closed. */
#define DISCARD_MAX (1024 * 1024)

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct server *s = cls;
	struct req *r = *req_cls;

	if (r == NULL)
		return on_first_call(s, c, url, method, req_cls);
	if (*upload_data_size != 0) {
		if (!buf_failed(&r->body))
			buf_append(&r->body, upload_data, *upload_data_size);
		else if ((r->discarded += *upload_data_size) > DISCARD_MAX)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (buf_failed(&r->body)) {
		dispatch_error(r, 413);
		resp_header(r, "Connection", "close");
	} else
		dispatch(r);
	return queue_req(s, c, r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct req *r = *req_cls;
	char q[600];

	if (r == NULL)
		return;
	*req_cls = NULL;
	if (s->app->cfg->log.access_log)
		log_info("request", "rid=%s method=%s path=%s status=%d "
		    "bytes=%zu dur_us=%lld addr=%s%s", r->rid,
		    r->method == HTTP_OTHER ? "OTHER" : r->method_name,
		    log_q(q, sizeof(q), r->path), r->status,
		    r->out_static ? r->out_static_len : r->out.len,
		    (long long)((time_mono_ns() - r->started_ns) / 1000),
		    r->addr, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
		    " aborted=1");
	arena_free(r->arena);
	atomic_fetch_sub(&in_flight, 1);
}

struct qs {
	struct buf *b;
	int n;
};

static enum MHD_Result
append_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	struct qs *q = cls;

	buf_putc(q->b, q->n++ ? '&' : '?');
	url_encode_component(q->b, k);
	if (v != NULL) {
		buf_putc(q->b, '=');
		url_encode_component(q->b, v);
	}
	return MHD_YES;
}

/* The plain-HTTP listener: every request is sent to the HTTPS origin. */
static enum MHD_Result
on_redirect(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	static int first_call_marker;
	struct server *s = cls;
	struct MHD_Response *resp;
	struct buf loc;
	struct qs q;
	enum MHD_Result ret;

	if (*req_cls == NULL) {
		*req_cls = &first_call_marker;
		return MHD_YES;
	}
	*upload_data_size = 0;
	buf_init(&loc, NULL);
	buf_puts(&loc, s->origin);
	http_encode_path(&loc, url);
	q.b = &loc;
	q.n = 0;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, append_arg, &q);
	resp = MHD_create_response_from_buffer(0, empty_body,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL || buf_failed(&loc)) {
		buf_free(&loc);
		return MHD_NO;
	}
	add_security_headers(resp, NULL);
	MHD_add_response_header(resp, "Location", buf_cstr(&loc));
	ret = MHD_queue_response(c, 308, resp);
	MHD_destroy_response(resp);
	buf_free(&loc);
	return ret;
}

static int
resolve(const char *host, int port, struct sockaddr_storage *ss,
    struct alc_err *err)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0)
		return alc_err_set(err, ALC_ECONFIG, "server.host: cannot "
		    "resolve \"%s\": %s", host, gai_strerror(rc));
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)ss)->sin6_port =
		    htons((uint16_t)port);
	else
		((struct sockaddr_in *)(void *)ss)->sin_port =
		    htons((uint16_t)port);
	return 0;
}

static int
start_main(struct server *s, struct alc_err *err)
{
	const struct config *cfg = s->app->cfg;
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG;
	size_t pool = (size_t)cfg->server.max_header_bytes * 2 + 32768;
	const union MHD_DaemonInfo *di;
	int rc;

	if ((rc = resolve(cfg->server.host, cfg->server.port, &ss, err)) != 0)
		return rc;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (!cfg->server.plain_http) {
		flags |= MHD_USE_TLS;
		if ((s->cert_pem = read_file(cfg->server.tls_cert, err)) == NULL ||
		    (s->key_pem = read_file(cfg->server.tls_key, err)) == NULL)
			return ALC_ECONFIG;
	}
	s->main = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->server.threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->server.max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)cfg->server.max_connections_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)cfg->server.connection_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
	    s->cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, s->key_pem,
	    MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
	    MHD_OPTION_END);
	if (s->main == NULL)
		return alc_err_set(err, ALC_EIO, "cannot listen on %s port %d "
		    "(in use, or a privileged port?)", cfg->server.host,
		    cfg->server.port);
	di = MHD_get_daemon_info(s->main, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : cfg->server.port;
	snprintf(s->origin, sizeof(s->origin), "%s://%s%s%s:%d",
	    cfg->server.plain_http ? "http" : "https",
	    ss.ss_family == AF_INET6 ? "[" : "", cfg->server.host,
	    ss.ss_family == AF_INET6 ? "]" : "", s->port);
	return 0;
}

static int
start_redirect(struct server *s, struct alc_err *err)
{
	const struct config *cfg = s->app->cfg;
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG;
	int rc;

	if (cfg->server.redirect_port == 0 || cfg->server.plain_http)
		return 0;
	if ((rc = resolve(cfg->server.host, cfg->server.redirect_port, &ss,
	    err)) != 0)
		return rc;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->redirect = MHD_start_daemon(flags, 0, NULL, NULL, on_redirect, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->server.max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)cfg->server.max_connections_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)cfg->server.connection_timeout,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (s->redirect == NULL)
		return alc_err_set(err, ALC_EIO, "cannot listen on %s port %d "
		    "for the HTTP redirect", cfg->server.host,
		    cfg->server.redirect_port);
	return 0;
}

void
server_block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Stop accepting, let in-flight requests finish, stop. */
static void
shutdown_gracefully(struct server *s)
{
	int64_t deadline;
	MHD_socket ls;

	s->app->stopping = 1;
	if (s->redirect != NULL)
		MHD_stop_daemon(s->redirect);
	ls = MHD_quiesce_daemon(s->main);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	deadline = time_mono_ms() + s->app->cfg->server.shutdown_grace * 1000;
	while (atomic_load(&in_flight) > 0 && time_mono_ms() < deadline) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (atomic_load(&in_flight) > 0)
		log_warn("shutdown grace period over", "in_flight=%d",
		    atomic_load(&in_flight));
	MHD_stop_daemon(s->main);
}

int
server_run(struct app *app, struct alc_err *err)
{
	struct server s;
	sigset_t set;
	int sig = 0, rc;

	memset(&s, 0, sizeof(s));
	s.app = app;
	server_block_signals();
	if ((rc = start_main(&s, err)) != 0 ||
	    (rc = start_redirect(&s, err)) != 0)
		goto out;
	app->origin = s.origin;
	log_info("listening", "url=%s port=%d threads=%d tls=%s", s.origin,
	    s.port, app->cfg->server.threads,
	    app->cfg->server.plain_http ? "off" : "on");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	while (sigwait(&set, &sig) != 0)
		;
	log_info("stopping", "signal=%s", sig == SIGTERM ? "TERM" : "INT");
	shutdown_gracefully(&s);
	s.main = NULL;
	s.redirect = NULL;
out:
	if (s.redirect != NULL)
		MHD_stop_daemon(s.redirect);
	if (s.main != NULL)
		MHD_stop_daemon(s.main);
	free(s.cert_pem);
	if (s.key_pem != NULL) {
		explicit_bzero(s.key_pem, strlen(s.key_pem));
		free(s.key_pem);
	}
	return rc;
}
