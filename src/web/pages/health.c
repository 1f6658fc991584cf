/*
 * pages/health.c - GET /healthz for load balancers and monitoring.
 *
 * Answers 200 when a database connection can be taken from the pool and
 * answers a trivial query within a second, 503 otherwise.  It reveals
 * nothing beyond engine and version, and needs no sign-in.
 */
#include "web/pages/pages.h"
#include "web/http.h"
#include "web/server.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/system/health.h"
#include "version.h"

#include <jansson.h>
#include <stdlib.h>

int
page_healthz(struct req *r)
{
	struct health h;
	json_t *j;
	char *s;
	int ok;

	health_check(r->app->db, 1000, &h);
	ok = h.database_ok;
	j = json_pack("{s:s, s:s, s:s, s:s, s:I}", "status",
	    ok ? "ok" : "unavailable", "database", ok ? "ok" : "unreachable",
	    "engine", h.engine, "version",
	    ALCOVE_VERSION, "uptime_s",
	    (json_int_t)((time_now_ms() - r->app->started_ms) / 1000));
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		return ALC_ENOMEM;
	}
	json_decref(j);
	resp_text(r, ok ? 200 : 503, "application/json", s);
	free(s);
	return buf_failed(&r->out) ? ALC_ENOMEM : 0;
}
