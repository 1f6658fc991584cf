/*
 * cli.h - the `alcove` command's subcommands and their shared helpers.
 *
 * Conventions for every subcommand: `--help` prints usage on stdout and
 * exits 0; a usage error prints one line on stderr and exits 2; a failure
 * prints one line "alcove: ..." on stderr and exits 1; success exits 0.
 * Subcommands return the exit code; only main() calls exit.
 */
#ifndef ALC_CLI_H
#define ALC_CLI_H

#include "base/config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct db;
struct practice_setup;
struct pwpol_subject;

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_practice(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_demo(int argc, char **argv);

/* Prints "alcove: <msg>" on stderr and returns EXIT_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "alcove: <cmd>: <msg>" plus a hint to use --help; EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The --data/--config pair every subcommand accepts, resolved to a loaded
 * configuration (ALCOVE_CONFIG names the file when neither is given). */
int cli_load_config(struct config *cfg, const char *data, const char *file);
/* out = dir + suffix; -1 (with a message printed) if it does not fit. */
int cli_path(char *out, size_t outsz, const char *dir, const char *suffix);
/* Opens the configured database (does not migrate). */
int cli_open_db(const struct config *cfg, struct db **db);

/* setup.c: creating a practice (init, practice add). */

/* Reads one line (without its newline) into buf; 0, or -1 at end of
 * input or when the line is longer than the buffer. */
int cli_read_line(FILE *f, char *buf, size_t bufsz);
/* A new owner's password: one line from stdin (from_stdin), asked twice
 * on a terminal, or else generated (*generated set: show it once).  Given
 * ones must pass the password policy for who. */
int cli_new_password(int from_stdin, const struct pwpol_subject *who,
    char *pw, size_t pwsz, int *generated);
/* Creates the practice and its owner (password pw), the practice's data
 * keys and its seeded compliance program.  ps->owner_pw_hash is ignored.
 * The exit code; EXIT_OK with *pid set. */
int cli_create_practice(struct db *db, const struct config *cfg,
    const struct practice_setup *ps, const char *pw, int64_t *pid);

#endif
