/*
 * config.h - Alcove's configuration: an INI file plus environment overrides.
 *
 * Every setting is declared once in a table in config.c (section, key,
 * type, limits, default, help).  Loading reads DIR/alcove.ini (or the file
 * given with --config), then lets ALCOVE_<SECTION>_<KEY> environment
 * variables override single keys, then validates everything.  The first
 * problem found is reported naming the key as "section.key", so an
 * operator can fix it without reading code.  Unknown keys in the file are
 * errors (a typo must not silently fall back to a default).
 *
 * Relative paths in the file are relative to the data directory.
 */
#ifndef ALC_CONFIG_H
#define ALC_CONFIG_H

#include <stdint.h>
#include <stdio.h>

struct alc_err;

struct config {
	char *data_dir;    /* absolute path */
	char *config_path; /* file that was read, or NULL when none */

	struct {
		char *host;
		int port;
		char *tls_cert, *tls_key;
		int plain_http;
		int redirect_port;
		int threads;
		int max_connections, max_connections_per_ip;
		int connection_timeout;
		int64_t max_body_bytes;
		int max_header_bytes;
		int shutdown_grace;
		char *public_url;
	} server;
	struct {
		char *engine;
		char *path;
		char *conninfo;
		int pool_size;
		int busy_timeout_ms;
	} database;
	struct {
		char *master_key_file;
	} keys;
	struct {
		char *level;
		int access_log;
	} log;
	struct {
		int workers;
		int poll_interval_ms;
	} jobs;
	struct {
		char *url;      /* smtp://host:port or smtps://host:port; "": none */
		char *from;     /* "Alcove <alcove@example.org>" or an address */
		char *user;     /* "": no authentication */
		char *password; /* never logged or printed */
		char *starttls; /* "true" (if offered), "false", "required" */
		int timeout;    /* seconds for connecting and for each send */
	} smtp;
	struct {
		char *syslog;        /* "udp://host:port", "tcp://host:port"; "": off */
		int retention_years; /* shown to the practice; nothing is deleted */
		int digest_interval; /* seconds between digest runs; 0: daily */
	} audit;
	struct {
		char *dir;            /* scheduled backups' folder; "": off */
		int interval_hours;   /* between scheduled backups */
		int interval_minutes; /* > 0: overrides interval_hours (tests) */
		int keep;             /* scheduled backups kept */
	} backup;
};

/* Fills cfg with defaults, reads path (NULL: DIR/alcove.ini under
 * data_dir; a missing file is an error unless allow_missing), applies
 * environment overrides and validates.  data_dir may be NULL when path is
 * given: the data directory is then the directory holding the file.  On
 * error cfg is freed and err names the key. */
int config_load(struct config *cfg, const char *data_dir, const char *path,
    int allow_missing, struct alc_err *err);
void config_free(struct config *cfg);

/* Writes a commented alcove.ini for a new installation (mode 0600,
 * refusing to overwrite).  Values that are NULL are left at defaults. */
struct config_init {
	const char *engine, *conninfo, *master_key_file, *host;
	int port;
};
int config_write_initial(const char *path, const struct config_init *ci,
    struct alc_err *err);

/* Prints every setting (secrets hidden), for `alcove config check`. */
void config_print(const struct config *cfg, FILE *out);

/* Absolute path of p resolved against the data directory (malloc'd). */
char *config_path_in_data(const struct config *cfg, const char *p);

#endif
