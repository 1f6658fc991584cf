/*
 * common.c - helpers shared by the subcommands.
 */
#include "cli/cli.h"
#include "base/err.h"
#include "base/log.h"
#include "db/db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("alcove: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "alcove: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see `alcove %s --help`)\n", cmd);
	return EXIT_USAGE;
}

int
cli_load_config(struct config *cfg, const char *data, const char *file)
{
	struct alc_err err;
	int lv;

	memset(cfg, 0, sizeof(*cfg));
	memset(&err, 0, sizeof(err));
	if (data == NULL && file == NULL)
		file = getenv("ALCOVE_CONFIG");
	if (config_load(cfg, data, file, 0, &err) != 0)
		return cli_fail("%s", err.msg);
	if ((lv = log_level_parse(cfg->log.level)) >= 0)
		log_set_level((enum log_level)lv);
	return EXIT_OK;
}

int
cli_open_db(const struct config *cfg, struct db **db)
{
	struct db_config dc;
	struct alc_err err;

	memset(&dc, 0, sizeof(dc));
	dc.engine = (enum db_engine)db_engine_parse(cfg->database.engine);
	dc.sqlite_path = cfg->database.path;
	dc.pg_conninfo = cfg->database.conninfo;
	dc.pool_size = cfg->database.pool_size;
	dc.busy_timeout_ms = cfg->database.busy_timeout_ms;
	if (db_open(db, &dc, &err) != 0)
		return cli_fail("cannot open the database: %s", err.msg);
	return EXIT_OK;
}

int
cli_path(char *out, size_t outsz, const char *dir, const char *suffix)
{
	int n = snprintf(out, outsz, "%s%s", dir, suffix);

	if (n < 0 || (size_t)n >= outsz)
		return cli_fail("path too long: %s%s", dir, suffix);
	return 0;
}
