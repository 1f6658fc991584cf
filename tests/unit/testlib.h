/*
 * testlib.h - helpers shared by every cmocka unit test.
 *
 * The engine comes from the environment, so one test binary runs on both:
 *   ALCOVE_TEST_ENGINE=sqlite    (default) a new database file in a fresh
 *                                temporary directory under $TMPDIR or /tmp
 *   ALCOVE_TEST_ENGINE=postgres  ALCOVE_TEST_PG holds a libpq conninfo for a
 *                                server where the role may CREATE DATABASE
 *                                (scripts/pg-cluster start DIR prints one);
 *                                each test database is a new, uniquely named
 *                                alcove_test_<pid>_<n>, dropped on close.
 * Either way the database is empty and fully migrated.
 *
 * Helpers return 0 or a negative ALC_E* code and print why on stderr, so a
 * test can simply assert_int_equal(test_db_open(&db), 0).
 */
#ifndef ALC_TESTLIB_H
#define ALC_TESTLIB_H

struct db;

/* "sqlite" or "postgres", from ALCOVE_TEST_ENGINE. */
const char *test_engine(void);
/* Opens a fresh, empty, migrated database (pool size: the default, 8). */
int test_db_open(struct db **out);
/* Same with an explicit pool size (for pool tests). */
int test_db_open_pool(struct db **out, int pool_size);
/* Same, choosing whether to migrate (0: an empty database, for tests of
 * the migrations themselves). */
int test_db_open_ex(struct db **out, int pool_size, int migrate);
/* Closes db (every connection must be released) and removes the database:
 * drops it on PostgreSQL, deletes the file and its directory on SQLite.
 * NULL is ignored. */
void test_db_close(struct db *db);
/* Creates a private (0700) temporary directory that is removed with its
 * contents when the process exits.  Returns its path (static storage, valid
 * until exit) or NULL on failure. */
const char *test_tmpdir(void);

#endif
