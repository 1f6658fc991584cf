/*
 * config.c - the settings table, INI parsing (libinih), environment
 * overrides and validation.  See config.h for the rules.
 *
 * Each setting is one row of `settings[]`: where it lives in struct
 * config, its type and limits, its default and a one-line help.  Parsing,
 * overriding, validating, `alcove config check` and the initial file all
 * walk the same table, so a new setting is one line here.
 */
#include "base/config.h"
#include "base/err.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum ctype { C_STR, C_INT, C_I64, C_BOOL, C_ENUM };

struct setting {
	const char *section, *key;
	enum ctype type;
	size_t off;
	int64_t min, max;
	const char *def;
	const char *choices; /* C_ENUM: "a|b|c" */
};

#define S(sec, k, field, def) \
	{#sec, #k, C_STR, offsetof(struct config, field), 0, 0, def, NULL}
#define I(sec, k, field, lo, hi, def) \
	{#sec, #k, C_INT, offsetof(struct config, field), lo, hi, def, NULL}
#define L(sec, k, field, lo, hi, def) \
	{#sec, #k, C_I64, offsetof(struct config, field), lo, hi, def, NULL}
#define B(sec, k, field, def) \
	{#sec, #k, C_BOOL, offsetof(struct config, field), 0, 1, def, NULL}
#define E(sec, k, field, choices, def) \
	{#sec, #k, C_ENUM, offsetof(struct config, field), 0, 0, def, choices}

static const struct setting settings[] = {
	S(server, host, server.host, "127.0.0.1"),
	I(server, port, server.port, 0, 65535, "8443"),
	S(server, tls_cert, server.tls_cert, "tls/cert.pem"),
	S(server, tls_key, server.tls_key, "tls/key.pem"),
	B(server, plain_http, server.plain_http, "false"),
	I(server, redirect_port, server.redirect_port, 0, 65535, "0"),
	I(server, threads, server.threads, 0, 256, "0"),
	I(server, max_connections, server.max_connections, 16, 100000, "1000"),
	I(server, max_connections_per_ip, server.max_connections_per_ip, 0,
	    100000, "64"),
	I(server, connection_timeout, server.connection_timeout, 1, 3600, "30"),
	L(server, max_body_bytes, server.max_body_bytes, 1024,
	    (int64_t)1 << 32, "1048576"),
	I(server, max_header_bytes, server.max_header_bytes, 4096, 1048576,
	    "16384"),
	I(server, shutdown_grace, server.shutdown_grace, 0, 600, "10"),
	S(server, public_url, server.public_url, ""),
	E(database, engine, database.engine, "sqlite|postgres", "sqlite"),
	S(database, path, database.path, "alcove.db"),
	S(database, conninfo, database.conninfo, ""),
	I(database, pool_size, database.pool_size, 1, 512, "8"),
	I(database, busy_timeout_ms, database.busy_timeout_ms, 0, 600000,
	    "5000"),
	S(keys, master_key_file, keys.master_key_file, ""),
	E(log, level, log.level, "debug|info|warn|error", "info"),
	B(log, access_log, log.access_log, "true"),
	I(jobs, workers, jobs.workers, 0, 64, "2"),
	I(jobs, poll_interval_ms, jobs.poll_interval_ms, 10, 600000, "1000"),
	S(smtp, url, smtp.url, ""),
	S(smtp, from, smtp.from, ""),
	S(smtp, user, smtp.user, ""),
	S(smtp, password, smtp.password, ""),
	E(smtp, starttls, smtp.starttls, "true|false|required", "required"),
	I(smtp, timeout, smtp.timeout, 1, 600, "30"),
	S(audit, syslog, audit.syslog, ""),
	I(audit, retention_years, audit.retention_years, 6, 100, "6"),
	I(audit, digest_interval, audit.digest_interval, 0, 86400, "0"),
	S(backup, dir, backup.dir, ""),
	I(backup, interval_hours, backup.interval_hours, 1, 168, "24"),
	I(backup, interval_minutes, backup.interval_minutes, 0, 10080, "0"),
	I(backup, keep, backup.keep, 1, 1000, "14"),
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const struct setting *
setting_find(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].section, section) == 0 &&
		    strcmp(settings[i].key, key) == 0)
			return &settings[i];
	return NULL;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return ALC_EINVAL;
}

static int
choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, v, n) == 0)
			return 1;
		p += len + (bar != NULL);
	}
	return 0;
}

/* Stores one textual value into cfg, validating it.  `where` says where
 * the value came from ("alcove.ini:12" or "ALCOVE_SERVER_PORT"). */
static int
setting_apply(struct config *cfg, const struct setting *s, const char *v,
    const char *where, struct alc_err *err)
{
	char *p = (char *)cfg + s->off;
	char *end;
	long long n;
	int b;

	switch (s->type) {
	case C_STR:
	case C_ENUM:
		if (s->type == C_ENUM && !choice_ok(s->choices, v))
			return alc_err_set(err, ALC_ECONFIG,
			    "%s.%s: \"%s\" is not one of %s (%s)", s->section,
			    s->key, v, s->choices, where);
		free(*(char **)p);
		if ((*(char **)p = strdup(v)) == NULL)
			return alc_err_set(err, ALC_ENOMEM, "out of memory");
		return 0;
	case C_BOOL:
		if (parse_bool(v, &b) != 0)
			return alc_err_set(err, ALC_ECONFIG,
			    "%s.%s: \"%s\" is not true or false (%s)",
			    s->section, s->key, v, where);
		*(int *)p = b;
		return 0;
	case C_INT:
	case C_I64:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < s->min ||
		    n > s->max)
			return alc_err_set(err, ALC_ECONFIG,
			    "%s.%s: \"%s\" is not a whole number from %lld to "
			    "%lld (%s)", s->section, s->key, v,
			    (long long)s->min, (long long)s->max, where);
		if (s->type == C_INT)
			*(int *)p = (int)n;
		else
			*(int64_t *)p = (int64_t)n;
		return 0;
	}
	return ALC_EINVAL;
}

struct ini_state {
	struct config *cfg;
	struct alc_err *err;
	const char *file;
	int failed;
	int line;
};

static int
ini_cb(void *user, const char *section, const char *key, const char *value)
{
	struct ini_state *st = user;
	const struct setting *s;
	char where[PATH_MAX + 32];

	if (st->failed)
		return 0;
	snprintf(where, sizeof(where), "in %s", st->file);
	if ((s = setting_find(section, key)) == NULL) {
		alc_err_set(st->err, ALC_ECONFIG, "%s.%s: unknown setting (in %s)",
		    section, key, st->file);
		st->failed = 1;
		return 0;
	}
	if (setting_apply(st->cfg, s, value, where, st->err) != 0) {
		st->failed = 1;
		return 0;
	}
	return 1;
}

static int
apply_env(struct config *cfg, struct alc_err *err)
{
	char name[128];
	const char *v;
	size_t i, j, k;
	int rc;

	for (i = 0; i < NSETTINGS; i++) {
		k = (size_t)snprintf(name, sizeof(name), "ALCOVE_%s_%s",
		    settings[i].section, settings[i].key);
		for (j = 0; j < k && j < sizeof(name); j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		if ((v = getenv(name)) == NULL)
			continue;
		if ((rc = setting_apply(cfg, &settings[i], v, name, err)) != 0)
			return rc;
	}
	return 0;
}

static int
set_defaults(struct config *cfg, struct alc_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < NSETTINGS; i++)
		if ((rc = setting_apply(cfg, &settings[i], settings[i].def,
		    "default", err)) != 0)
			return rc;
	return 0;
}

static int
is_loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	    strcmp(host, "localhost") == 0;
}

/* E-mail is optional; when smtp.url is set it must be SMTP and have a
 * sender.  Values go into SMTP commands and headers: no line breaks. */
static int
validate_smtp(const struct config *cfg, struct alc_err *err)
{
	const char *u = cfg->smtp.url, *f = cfg->smtp.from;

	if (u[0] == '\0')
		return 0;
	if (strncmp(u, "smtp://", 7) != 0 && strncmp(u, "smtps://", 8) != 0)
		return alc_err_set(err, ALC_ECONFIG, "smtp.url: must start with "
		    "smtp:// or smtps:// (e.g. smtp://mail.example.org:587)");
	if (f[0] == '\0' || strchr(f, '@') == NULL || strpbrk(f, "\r\n"))
		return alc_err_set(err, ALC_ECONFIG, "smtp.from: required when "
		    "smtp.url is set: an address, or \"Name <address>\"");
	if (strpbrk(cfg->smtp.user, "\r\n") || strpbrk(cfg->smtp.password,
	    "\r\n"))
		return alc_err_set(err, ALC_ECONFIG, "smtp.user/smtp.password: "
		    "must not contain line breaks");
	return 0;
}

/* audit.syslog: "udp://host:port" or "tcp://host:port" (src/audit/
 * syslog.c), or "" for none.  Checked here so a typo stops the start. */
static int
validate_syslog(const struct config *cfg, struct alc_err *err)
{
	const char *u = cfg->audit.syslog, *colon;
	char *end;
	long port;

	if (u[0] == '\0')
		return 0;
	if ((strncmp(u, "udp://", 6) != 0 && strncmp(u, "tcp://", 6) != 0) ||
	    (colon = strrchr(u + 6, ':')) == NULL || colon == u + 6 ||
	    (port = strtol(colon + 1, &end, 10)) < 1 || port > 65535 ||
	    *end != '\0' || strpbrk(u + 6, " \t\r\n/@") != NULL)
		return alc_err_set(err, ALC_ECONFIG, "audit.syslog: must be "
		    "udp://host:port or tcp://host:port (e.g. "
		    "udp://logs.example.org:514), or empty");
	return 0;
}

/* Rules that involve more than one key. */
static int
validate(struct config *cfg, struct alc_err *err)
{
	long cores;
	int rc;

	if (strcmp(cfg->database.engine, "postgres") == 0 &&
	    cfg->database.conninfo[0] == '\0')
		return alc_err_set(err, ALC_ECONFIG, "database.conninfo: "
		    "required when database.engine is postgres");
	if (cfg->server.plain_http && !is_loopback(cfg->server.host) &&
	    strncmp(cfg->server.public_url, "https://", 8) != 0)
		return alc_err_set(err, ALC_ECONFIG, "server.plain_http: plain "
		    "HTTP is only allowed on a loopback host, or behind a TLS "
		    "proxy named in server.public_url (https://...)");
	if (cfg->server.redirect_port != 0 &&
	    cfg->server.redirect_port == cfg->server.port)
		return alc_err_set(err, ALC_ECONFIG, "server.redirect_port: "
		    "must differ from server.port");
	if ((rc = validate_smtp(cfg, err)) != 0)
		return rc;
	if ((rc = validate_syslog(cfg, err)) != 0)
		return rc;
	if (cfg->server.threads == 0) {
		cores = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->server.threads = cores > 0 ? (int)cores : 2;
	}
	return 0;
}

char *
config_path_in_data(const struct config *cfg, const char *p)
{
	char *out;
	size_t n;

	if (p == NULL || p[0] == '/' || cfg->data_dir == NULL)
		return p ? strdup(p) : NULL;
	n = strlen(cfg->data_dir) + strlen(p) + 2;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s/%s", cfg->data_dir, p);
	return out;
}

/* Turns the relative paths of the file into absolute ones. */
static int
resolve_paths(struct config *cfg, struct alc_err *err)
{
	char **paths[] = {&cfg->server.tls_cert, &cfg->server.tls_key,
	    &cfg->database.path, &cfg->keys.master_key_file, &cfg->backup.dir};
	size_t i;
	char *abs;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if ((*paths[i])[0] == '\0' || (*paths[i])[0] == '/')
			continue;
		if ((abs = config_path_in_data(cfg, *paths[i])) == NULL)
			return alc_err_set(err, ALC_ENOMEM, "out of memory");
		free(*paths[i]);
		*paths[i] = abs;
	}
	return 0;
}

static int
locate(struct config *cfg, const char *data_dir, const char *path,
    struct alc_err *err)
{
	char real[PATH_MAX], *slash;

	if (data_dir != NULL) {
		if (realpath(data_dir, real) == NULL)
			return alc_err_set(err, ALC_ECONFIG, "data directory %s: "
			    "%s", data_dir, strerror(errno));
		cfg->data_dir = strdup(real);
		if (path == NULL && cfg->data_dir != NULL) {
			cfg->config_path = config_path_in_data(cfg, "alcove.ini");
			return cfg->config_path ? 0 : ALC_ENOMEM;
		}
	} else if (path != NULL) {
		if (realpath(path, real) == NULL)
			return alc_err_set(err, ALC_ECONFIG, "config file %s: %s",
			    path, strerror(errno));
		if ((slash = strrchr(real, '/')) != NULL)
			*slash = '\0';
		cfg->data_dir = strdup(real[0] ? real : "/");
	} else
		return alc_err_set(err, ALC_ECONFIG, "no data directory: give "
		    "--data DIR or --config FILE (or set ALCOVE_CONFIG)");
	if (cfg->data_dir == NULL)
		return ALC_ENOMEM;
	if (path != NULL && (cfg->config_path = strdup(path)) == NULL)
		return ALC_ENOMEM;
	return 0;
}

int
config_load(struct config *cfg, const char *data_dir, const char *path,
    int allow_missing, struct alc_err *err)
{
	struct ini_state st = {cfg, err, NULL, 0, 0};
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if ((rc = set_defaults(cfg, err)) != 0 ||
	    (rc = locate(cfg, data_dir, path, err)) != 0)
		goto fail;
	st.file = cfg->config_path;
	if (access(cfg->config_path, F_OK) != 0) {
		if (!allow_missing) {
			rc = alc_err_set(err, ALC_ECONFIG, "%s: no such file (is "
			    "this an Alcove data directory? create one with "
			    "`alcove init`)", cfg->config_path);
			goto fail;
		}
	} else if ((rc = ini_parse(cfg->config_path, ini_cb, &st)) != 0) {
		if (!st.failed)
			alc_err_set(err, ALC_ECONFIG, rc < 0 ?
			    "%s: cannot read the file" : "%s: line %d is not "
			    "`key = value` or `[section]`", cfg->config_path, rc);
		rc = ALC_ECONFIG;
		goto fail;
	}
	if ((rc = apply_env(cfg, err)) != 0 || (rc = validate(cfg, err)) != 0 ||
	    (rc = resolve_paths(cfg, err)) != 0)
		goto fail;
	return 0;
fail:
	config_free(cfg);
	return rc < 0 ? rc : ALC_ECONFIG;
}

void
config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].type == C_STR || settings[i].type == C_ENUM)
			free(*(char **)((char *)cfg + settings[i].off));
	free(cfg->data_dir);
	free(cfg->config_path);
	memset(cfg, 0, sizeof(*cfg));
}

/* A value goes into the file verbatim; refuse what INI cannot carry. */
static int
ini_value_ok(const char *v)
{
	return strpbrk(v, "\r\n") == NULL && strstr(v, " ;") == NULL &&
	    strstr(v, " #") == NULL && strstr(v, "\t;") == NULL;
}

int
config_write_initial(const char *path, const struct config_init *ci,
    struct alc_err *err)
{
	const char *vals[] = {ci->engine, ci->conninfo, ci->master_key_file,
	    ci->host};
	FILE *f;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		if (vals[i] != NULL && !ini_value_ok(vals[i]))
			return alc_err_set(err, ALC_EINVAL, "a value for %s "
			    "contains a line break or an inline comment", path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return alc_err_set(err, errno == EEXIST ? ALC_EEXIST : ALC_EIO,
		    "%s: %s", path, strerror(errno));
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return alc_err_set(err, ALC_EIO, "%s: %s", path, strerror(errno));
	}
	fprintf(f, "; Alcove configuration.  Every key can be overridden by an\n"
	    "; environment variable ALCOVE_<SECTION>_<KEY>, e.g. "
	    "ALCOVE_SERVER_PORT=9443.\n; Relative paths are relative to this "
	    "directory.  `alcove config check` validates.\n\n");
	fprintf(f, "[server]\nhost = %s\nport = %d\ntls_cert = tls/cert.pem\n"
	    "tls_key = tls/key.pem\n; redirect_port = 8080\n\n",
	    ci->host ? ci->host : "127.0.0.1", ci->port ? ci->port : 8443);
	fprintf(f, "[database]\nengine = %s\n",
	    ci->engine ? ci->engine : "sqlite");
	if (ci->conninfo != NULL && ci->conninfo[0] != '\0')
		fprintf(f, "conninfo = %s\n", ci->conninfo);
	else
		fprintf(f, "path = alcove.db\n");
	fprintf(f, "\n[keys]\n; Keep the master key outside the data directory "
	    "and out of its backups.\nmaster_key_file = %s\n\n[log]\nlevel = "
	    "info\n", ci->master_key_file ? ci->master_key_file : "");
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		unlink(path);
		return alc_err_set(err, ALC_EIO, "%s: %s", path, strerror(errno));
	}
	if (fclose(f) != 0)
		return alc_err_set(err, ALC_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

/* For `alcove config check`: prints every setting and its value, marking
 * the ones that differ from the default.  Secrets are not printed. */
void
config_print(const struct config *cfg, FILE *out)
{
	size_t i;
	const struct setting *s;
	const char *p;

	fprintf(out, "data directory: %s\nconfig file: %s\n", cfg->data_dir,
	    cfg->config_path ? cfg->config_path : "(none)");
	for (i = 0; i < NSETTINGS; i++) {
		s = &settings[i];
		p = (const char *)cfg + s->off;
		fprintf(out, "%s.%s = ", s->section, s->key);
		switch (s->type) {
		case C_STR:
		case C_ENUM:
			/* A libpq conninfo or an SMTP URL may hold a
			 * password. */
			if ((strcmp(s->key, "conninfo") == 0 &&
			    strstr(*(char *const *)p, "password")) ||
			    (strcmp(s->section, "smtp") == 0 &&
			    strcmp(s->key, "url") == 0 &&
			    strchr(*(char *const *)p, '@')) ||
			    (strcmp(s->key, "password") == 0 &&
			    (*(char *const *)p)[0] != '\0'))
				fprintf(out, "(hidden)\n");
			else
				fprintf(out, "%s\n", *(char *const *)p);
			break;
		case C_BOOL:
			fprintf(out, "%s\n", *(const int *)p ? "true" : "false");
			break;
		case C_INT:
			fprintf(out, "%d\n", *(const int *)p);
			break;
		case C_I64:
			fprintf(out, "%lld\n", (long long)*(const int64_t *)p);
			break;
		}
	}
}
