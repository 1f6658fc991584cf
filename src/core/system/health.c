#include "core/system/health.h"
#include "base/err.h"
#include "db/db.h"

void
health_check(struct db *db, int timeout_ms, struct health *h)
{
	struct alc_err err;
	struct db_conn *c;
	int64_t one = 0;

	h->engine = db_engine_name(db_engine(db));
	c = db_acquire(db, timeout_ms, &err);
	h->database_ok = c != NULL && db_query_i64(c, "SELECT 1", &one) == 0 &&
	    one == 1;
	db_release(c);
}
