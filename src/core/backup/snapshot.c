/*
 * snapshot.c - taking a consistent copy of each engine's database, and
 * putting one back.
 *
 * SQLite: the online backup API copies every page in one step
 * (sqlite3_backup_step(-1)) under one read transaction, so the copy is the
 * database as of one commit while the server goes on writing (WAL mode:
 * readers do not block the writer).  The copy goes into a private
 * temporary directory, never beside the live database.
 *
 * PostgreSQL: pg_dump and pg_restore, run directly (fork/exec with an
 * argument vector, never through a shell).  pg_dump reads at the snapshot
 * the manifest's transaction exported, so the row counts in the manifest
 * are those of the dump.  The tools are looked up on PATH, then in
 * /usr/lib/postgresql/<newest>/bin (Debian keeps them there).  The
 * conninfo is passed as an argument; a password in it would be visible in
 * the process list for the dump's duration, so prefer ~/.pgpass or
 * PGPASSFILE (docs/backup.md).
 */
#define _GNU_SOURCE
#include "core/backup/backup.h"
#include "base/err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

int
backup_sqlite_snapshot(const char *db_path, const char *out,
    struct alc_err *err)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	int rc = 0, src_rc;

	if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		rc = alc_err_set(err, ALC_EDB, "opening %s: %s", db_path,
		    src ? sqlite3_errmsg(src) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(src, 30000);
	if (sqlite3_open_v2(out, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		rc = alc_err_set(err, ALC_EIO, "creating %s: %s", out,
		    dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		rc = alc_err_set(err, ALC_EDB, "starting the backup: %s",
		    sqlite3_errmsg(dst));
		goto out;
	}
	src_rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (src_rc != SQLITE_DONE || sqlite3_errcode(dst) != SQLITE_OK)
		rc = alc_err_set(err, src_rc == SQLITE_BUSY || src_rc ==
		    SQLITE_LOCKED ? ALC_EBUSY : ALC_EDB, "copying the database: "
		    "%s", sqlite3_errstr(src_rc));
out:
	sqlite3_close(dst);
	sqlite3_close(src);
	return rc;
}

/* The path of tool: on PATH when there, else the newest Debian server
 * package's copy.  Writes into path; 0 or ALC_ENOTFOUND. */
static int
find_tool(const char *tool, char *path, size_t pathsz)
{
	const char *env = getenv("PATH");
	char pattern[128];
	glob_t g;
	int rc = ALC_ENOTFOUND;

	while (env != NULL && *env != '\0') {
		size_t n = strcspn(env, ":");

		if (n > 0 && (size_t)snprintf(path, pathsz, "%.*s/%s", (int)n,
		    env, tool) < pathsz && access(path, X_OK) == 0)
			return 0;
		env += n + (env[n] == ':');
	}
	snprintf(pattern, sizeof(pattern), "/usr/lib/postgresql/*/bin/%s", tool);
	if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		/* glob sorts; versions have two digits from 10 on */
		if ((size_t)snprintf(path, pathsz, "%s",
		    g.gl_pathv[g.gl_pathc - 1]) < pathsz)
			rc = 0;
	}
	globfree(&g);
	return rc;
}

/* Runs argv[0] (found by find_tool) with argv, stdout to /dev/null and
 * stderr inherited.  0 when it exits 0. */
static int
run_tool(const char **argv, struct alc_err *err)
{
	char path[4096];
	pid_t pid;
	int status, fd;

	if (find_tool(argv[0], path, sizeof(path)) != 0)
		return alc_err_set(err, ALC_ENOTFOUND, "%s not found on PATH or "
		    "in /usr/lib/postgresql/*/bin (install postgresql-client)",
		    argv[0]);
	if ((pid = fork()) < 0)
		return alc_err_set(err, ALC_EIO, "fork: %s", strerror(errno));
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, STDOUT_FILENO);
		execv(path, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return alc_err_set(err, ALC_EIO, "waitpid: %s",
			    strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return alc_err_set(err, ALC_EDB, "%s failed (exit status %d); "
		    "its message is above", argv[0],
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

int
backup_pg_dump(const char *conninfo, const char *snapshot, const char *out,
    struct alc_err *err)
{
	char snap[96];
	const char *argv[] = {"pg_dump", "--format=custom", "--compress=0",
	    "--no-owner", "--no-privileges", "--file", out, "--dbname",
	    conninfo, NULL, NULL};

	if (snapshot != NULL && snapshot[0] != '\0') {
		snprintf(snap, sizeof(snap), "--snapshot=%s", snapshot);
		argv[9] = snap;
	}
	return run_tool(argv, err);
}

int
backup_pg_restore(const char *conninfo, const char *in, struct alc_err *err)
{
	const char *argv[] = {"pg_restore", "--exit-on-error",
	    "--single-transaction", "--no-owner", "--no-privileges", "--dbname",
	    conninfo, in, NULL};

	return run_tool(argv, err);
}

int
backup_tmpdir(char *dir, size_t dirsz, struct alc_err *err)
{
	const char *t = getenv("TMPDIR");

	if (t == NULL || t[0] == '\0')
		t = "/tmp";
	if ((size_t)snprintf(dir, dirsz, "%s/alcove-backup-XXXXXX", t) >= dirsz)
		return alc_err_set(err, ALC_EINVAL, "TMPDIR is too long");
	if (mkdtemp(dir) == NULL)
		return alc_err_set(err, ALC_EIO, "creating a temporary directory "
		    "in %s: %s", t, strerror(errno));
	return 0;
}

/* Removes the files directly in dir (the only depth these have), then
 * dir.  Also used to remove a half-restored data directory, which holds
 * one subdirectory (tls/). */
void
backup_rmtree(const char *dir)
{
	char path[4096];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			backup_rmtree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}
