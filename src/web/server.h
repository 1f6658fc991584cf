/*
 * server.h - the HTTPS server: lifecycle of `alcove serve`.
 */
#ifndef ALC_WEB_SERVER_H
#define ALC_WEB_SERVER_H

#include <stdint.h>

struct alc_err;
struct audit_writer;
struct config;
struct db;
struct jobs;
struct keystore;

/* Everything a request may need that lives as long as the process. */
struct app {
	const struct config *cfg;
	struct db *db;
	struct jobs *jobs;
	struct keystore *keys; /* data keys for field encryption */
	struct audit_writer *audit; /* group commit of read events */
	int64_t started_ms;
	const char *origin; /* "https://127.0.0.1:8443" as bound, for links */
	volatile int stopping; /* set once shutdown has begun */
};

/* Serves until SIGTERM or SIGINT, then shuts down gracefully: stops
 * accepting, lets in-flight requests finish (server.shutdown_grace
 * seconds at most) and returns 0.  The caller closes the database.
 * Blocks SIGTERM/SIGINT/SIGPIPE in the calling thread first, so call it
 * before starting other threads or block them yourself. */
int server_run(struct app *app, struct alc_err *err);

/* Blocks the signals server_run waits for; call before creating threads. */
void server_block_signals(void);

#endif
