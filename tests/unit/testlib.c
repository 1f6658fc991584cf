/*
 * testlib.c - see testlib.h.  Each open test database is remembered in a
 * small table so test_db_close knows what to drop or delete.  Temporary
 * directories (and so SQLite test databases) are also removed at exit, so
 * a failing test that never reaches its close still cleans up.
 *
 * The PostgreSQL database name is built from the pid and a counter only,
 * never from input, so the CREATE/DROP DATABASE text is safe to assemble
 * (those statements cannot take bound parameters).
 */
#define _XOPEN_SOURCE 700
#include "testlib.h"
#include "base/err.h"
#include "base/log.h"
#include "db/db.h"

#include <libpq-fe.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_OPEN 32
#define MAX_DIRS 64

struct opened {
	int used;
	struct db *db;
	char name[64];    /* PostgreSQL database */
	char dir[512];    /* SQLite directory */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct opened opened[MAX_OPEN];
static char dirs[MAX_DIRS][512];
static int cleanup_registered;
static unsigned counter;

const char *
test_engine(void)
{
	const char *e = getenv("ALCOVE_TEST_ENGINE");

	return e && (strcmp(e, "postgres") == 0 || strcmp(e, "postgresql") == 0) ?
	    "postgres" : "sqlite";
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(path);
	return 0;
}

static void
rm_tree(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int pg_admin(const char *sql);

/* At exit: drop the databases of tests that failed before closing them
 * (FORCE ends their connections), and remove every temporary directory. */
static void
cleanup_at_exit(void)
{
	char sql[128];
	int i;

	for (i = 0; i < MAX_OPEN; i++) {
		if (!opened[i].used || opened[i].name[0] == '\0')
			continue;
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
		    opened[i].name);
		(void)pg_admin(sql);
	}
	for (i = 0; i < MAX_DIRS; i++)
		rm_tree(dirs[i]);
}

/* mkdtemp under $TMPDIR or /tmp, registered for removal at exit; returns
 * its index in dirs[] or -1. */
static int
make_tmpdir(char *out, size_t outsz)
{
	const char *base = getenv("TMPDIR");
	int i, rc = -1;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	snprintf(out, outsz, "%s/alcove-test-XXXXXX", base);
	pthread_mutex_lock(&mu);
	if (!cleanup_registered++)
		atexit(cleanup_at_exit);
	for (i = 0; i < MAX_DIRS && dirs[i][0] != '\0'; i++)
		;
	if (i < MAX_DIRS && mkdtemp(out) != NULL) {
		snprintf(dirs[i], sizeof(dirs[0]), "%s", out);
		rc = i;
	}
	pthread_mutex_unlock(&mu);
	if (rc < 0)
		fprintf(stderr, "testlib: cannot create a directory in %s\n", base);
	return rc;
}

const char *
test_tmpdir(void)
{
	char path[512];
	int i = make_tmpdir(path, sizeof(path));

	return i < 0 ? NULL : dirs[i]; /* kept until exit */
}

/* Runs one statement on the admin connection (CREATE/DROP DATABASE). */
static int
pg_admin(const char *sql)
{
	const char *ci = getenv("ALCOVE_TEST_PG");
	PGconn *c;
	PGresult *r;
	int rc = -1;

	if (ci == NULL) {
		fprintf(stderr, "testlib: ALCOVE_TEST_PG is not set "
		    "(try scripts/pg-cluster start DIR)\n");
		return -1;
	}
	c = PQconnectdb(ci);
	if (PQstatus(c) == CONNECTION_OK) {
		r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_COMMAND_OK)
			rc = 0;
		else
			fprintf(stderr, "testlib: %s: %s", sql,
			    PQresultErrorMessage(r));
		PQclear(r);
	} else
		fprintf(stderr, "testlib: %s", PQerrorMessage(c));
	PQfinish(c);
	return rc;
}

/* ALCOVE_TEST_PG with dbname replaced, as a keyword=value conninfo. */
static char *
pg_conninfo_for(const char *dbname)
{
	PQconninfoOption *opts, *o;
	char *errmsg = NULL, *out = NULL;
	size_t len = 0;
	FILE *f;
	const char *v;

	if ((opts = PQconninfoParse(getenv("ALCOVE_TEST_PG"), &errmsg)) == NULL) {
		fprintf(stderr, "testlib: ALCOVE_TEST_PG: %s", errmsg ? errmsg : "?");
		PQfreemem(errmsg);
		return NULL;
	}
	if ((f = open_memstream(&out, &len)) != NULL) {
		for (o = opts; o->keyword != NULL; o++) {
			if (o->val == NULL || strcmp(o->keyword, "dbname") == 0)
				continue;
			fprintf(f, "%s='", o->keyword);
			for (v = o->val; *v; v++)
				fprintf(f, "%s%c", *v == '\'' || *v == '\\' ? "\\" : "", *v);
			fputs("' ", f);
		}
		fprintf(f, "dbname=%s", dbname);
		fclose(f);
	}
	PQconninfoFree(opts);
	return out;
}

/* Prepares cfg for a new database and records where it lives in slot. */
static int
create_database(struct db_config *cfg, struct opened *slot, char **heap)
{
	char sql[128], name[sizeof(slot->name)];
	unsigned n;

	if (cfg->engine == DB_SQLITE) {
		if (make_tmpdir(slot->dir, sizeof(slot->dir)) < 0)
			return -1;
		if ((*heap = malloc(strlen(slot->dir) + 16)) == NULL)
			return -1;
		sprintf(*heap, "%s/alcove.db", slot->dir);
		cfg->sqlite_path = *heap;
		return 0;
	}
	pthread_mutex_lock(&mu);
	n = ++counter;
	pthread_mutex_unlock(&mu);
	snprintf(name, sizeof(name), "alcove_test_%ld_%u", (long)getpid(), n);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	if (pg_admin(sql) != 0)
		return -1;
	memcpy(slot->name, name, sizeof(name));
	if ((*heap = pg_conninfo_for(slot->name)) == NULL)
		return -1;
	cfg->pg_conninfo = *heap;
	return 0;
}

static void
remove_database(struct opened *slot)
{
	char sql[128];
	int i;

	if (slot->name[0] != '\0') {
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
		    slot->name);
		(void)pg_admin(sql);
	}
	rm_tree(slot->dir);
	pthread_mutex_lock(&mu);
	for (i = 0; slot->dir[0] != '\0' && i < MAX_DIRS; i++)
		if (strcmp(dirs[i], slot->dir) == 0)
			dirs[i][0] = '\0';
	memset(slot, 0, sizeof(*slot));
	pthread_mutex_unlock(&mu);
}

/* The slot of db, or a free slot (now marked used) when db is NULL. */
static struct opened *
slot_find(const struct db *db)
{
	struct opened *s = NULL;
	int i;

	pthread_mutex_lock(&mu);
	if (!cleanup_registered++)
		atexit(cleanup_at_exit);
	for (i = 0; i < MAX_OPEN && s == NULL; i++)
		if (db ? opened[i].used && opened[i].db == db : !opened[i].used)
			s = &opened[i];
	if (s != NULL)
		s->used = 1;
	pthread_mutex_unlock(&mu);
	return s;
}

int
test_db_open_ex(struct db **out, int pool_size, int migrate)
{
	/* Writers on a loaded machine (CI shares its cores) can wait well
	 * past the server's 5 s default for SQLite's write lock with every
	 * commit fsynced; the tests assert outcomes, not waiting times. */
	struct db_config cfg = {.pool_size = pool_size,
	    .busy_timeout_ms = 60000};
	struct alc_err err = {0};
	struct opened *slot;
	char *heap = NULL;
	int rc = ALC_EIO;

	*out = NULL;
	/* "migration applied" lines for every test database are noise. */
	if (getenv("ALCOVE_TEST_VERBOSE") == NULL)
		log_set_level(LOG_WARN);
	cfg.engine = (enum db_engine)db_engine_parse(test_engine());
	if ((slot = slot_find(NULL)) == NULL)
		return ALC_ENOMEM;
	if (create_database(&cfg, slot, &heap) != 0)
		goto fail;
	if ((rc = db_open(out, &cfg, &err)) != 0 ||
	    (migrate && (rc = db_migrate(*out, NULL, &err)) != 0)) {
		fprintf(stderr, "testlib: %s\n", err.msg);
		db_close(*out);
		*out = NULL;
		goto fail;
	}
	free(heap);
	slot->db = *out;
	return 0;
fail:
	free(heap);
	remove_database(slot);
	return rc;
}

int
test_db_open(struct db **out)
{
	return test_db_open_ex(out, 0, 1);
}

int
test_db_open_pool(struct db **out, int pool_size)
{
	return test_db_open_ex(out, pool_size, 1);
}

void
test_db_close(struct db *db)
{
	struct opened *slot;

	if (db == NULL)
		return;
	slot = slot_find(db);
	db_close(db);
	if (slot != NULL)
		remove_database(slot);
}
