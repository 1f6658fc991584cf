/*
 * health.h - is this instance able to serve?  Used by GET /healthz.
 */
#ifndef ALC_CORE_HEALTH_H
#define ALC_CORE_HEALTH_H

struct db;

struct health {
	int database_ok;    /* a pooled connection answered a query */
	const char *engine; /* "sqlite" | "postgres" */
};

/* Fills h; waits at most timeout_ms for a database connection. */
void health_check(struct db *db, int timeout_ms, struct health *h);

#endif
