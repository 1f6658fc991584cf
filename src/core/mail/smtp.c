/*
 * smtp.c - handing one message to the configured SMTP server (libcurl).
 *
 * One connection per message: Alcove sends few e-mails (resets,
 * invitations, reminders), and a fresh connection per job keeps the
 * worker stateless.  TLS: smtps:// is TLS from the first byte; with
 * smtp:// the [smtp] starttls setting chooses STARTTLS always
 * ("required", the default: the message may carry a bearer link), when
 * offered ("true"), or never ("false", for a relay on this machine).
 * Certificates are verified against the system's trust store.
 *
 * Timeouts: smtp.timeout seconds to connect and for the whole exchange,
 * so a dead server cannot hold a worker for longer than that; the job
 * queue retries later.  CURLOPT_NOSIGNAL because workers are threads.
 */
#include "core/mail/mail.h"
#include "base/config.h"
#include "base/err.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ok;

static void
curl_init_once(void)
{
	curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

int
mail_global_init(void)
{
	pthread_once(&curl_once, curl_init_once);
	return curl_ok ? 0 : ALC_EIO;
}

struct upload {
	const char *p;
	size_t left;
};

static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

static long
use_ssl(const char *starttls)
{
	if (strcmp(starttls, "false") == 0)
		return (long)CURLUSESSL_NONE;
	if (strcmp(starttls, "true") == 0)
		return (long)CURLUSESSL_TRY;
	return (long)CURLUSESSL_ALL;
}

/* Sets every option; a non-zero CURLcode if one is refused. */
static CURLcode
setup(CURL *h, const struct config *cfg, const char *from_angle,
    struct curl_slist *rcpt, struct upload *u, char *errbuf)
{
	CURLcode cc = CURLE_OK;

#define SET(opt, val) if (cc == CURLE_OK) cc = curl_easy_setopt(h, opt, val)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, cfg->smtp.url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, (long)cfg->smtp.timeout);
	SET(CURLOPT_TIMEOUT, (long)cfg->smtp.timeout);
	SET(CURLOPT_USE_SSL, use_ssl(cfg->smtp.starttls));
	SET(CURLOPT_MAIL_FROM, from_angle);
	SET(CURLOPT_MAIL_RCPT, rcpt);
	SET(CURLOPT_READFUNCTION, read_cb);
	SET(CURLOPT_READDATA, u);
	SET(CURLOPT_UPLOAD, 1L);
	if (cfg->smtp.user[0] != '\0') {
		SET(CURLOPT_USERNAME, cfg->smtp.user);
		SET(CURLOPT_PASSWORD, cfg->smtp.password);
	}
#undef SET
	return cc;
}

int
mail_send(const struct config *cfg, const char *to, const char *msg,
    size_t len, struct alc_err *err)
{
	char from[MAIL_ADDR_MAX + 1], addr[MAIL_ADDR_MAX + 1];
	char from_angle[MAIL_ADDR_MAX + 3], to_angle[MAIL_ADDR_MAX + 3];
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *rcpt = NULL;
	struct upload u = {msg, len};
	CURL *h = NULL;
	CURLcode cc;
	int rc = 0;

	if (cfg->smtp.url == NULL || cfg->smtp.url[0] == '\0')
		return alc_err_set(err, ALC_ECONFIG, "smtp.url is not set: "
		    "e-mail cannot be sent");
	if (mail_addr(cfg->smtp.from, from, sizeof(from)) != 0 ||
	    mail_addr(to, addr, sizeof(addr)) != 0)
		return alc_err_set(err, ALC_EINVAL, "bad sender or recipient "
		    "address");
	if (mail_global_init() != 0)
		return alc_err_set(err, ALC_EIO, "libcurl could not start");
	snprintf(from_angle, sizeof(from_angle), "<%s>", from);
	snprintf(to_angle, sizeof(to_angle), "<%s>", addr);
	errbuf[0] = '\0';
	if ((h = curl_easy_init()) == NULL ||
	    (rcpt = curl_slist_append(NULL, to_angle)) == NULL) {
		rc = alc_err_set(err, ALC_ENOMEM, "out of memory");
		goto out;
	}
	if ((cc = setup(h, cfg, from_angle, rcpt, &u, errbuf)) != CURLE_OK ||
	    (cc = curl_easy_perform(h)) != CURLE_OK)
		rc = alc_err_set(err, ALC_EIO, "smtp: %s%s%s",
		    curl_easy_strerror(cc), errbuf[0] ? ": " : "", errbuf);
out:
	curl_slist_free_all(rcpt);
	if (h != NULL)
		curl_easy_cleanup(h);
	return rc;
}
