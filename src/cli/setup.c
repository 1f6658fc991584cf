/*
 * setup.c - what creating a practice takes, shared by `alcove init` (the
 * first practice of a new installation) and `alcove practice add` (more
 * practices on the same installation): a password held to the policy,
 * the practice with its owner, its data keys and its compliance program.
 */
#include "cli/cli.h"
#include "base/caldate.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/compliance/compliance.h"
#include "core/keys/keystore.h"
#include "core/practice/practice.h"
#include "core/users/admin.h"
#include "core/users/policy.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int
cli_read_line(FILE *f, char *buf, size_t bufsz)
{
	size_t n;

	if (fgets(buf, (int)bufsz, f) == NULL)
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == bufsz - 1)
		return -1; /* longer than the buffer */
	buf[n] = '\0';
	return 0;
}

/* Reads a line from the terminal without echoing it. */
static int
prompt_hidden(const char *prompt, char *buf, size_t bufsz)
{
	struct termios old, quiet;
	FILE *tty;
	int rc;

	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return -1;
	fputs(prompt, tty);
	fflush(tty);
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	rc = cli_read_line(tty, buf, bufsz);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	return rc;
}

int
cli_new_password(int from_stdin, const struct pwpol_subject *who, char *pw,
    size_t pwsz, int *generated)
{
	char again[1100];
	enum pwpol_verdict v;

	*generated = 0;
	if (from_stdin) {
		if (cli_read_line(stdin, pw, pwsz) != 0)
			return cli_fail("could not read a password from standard "
			    "input (one line, at most 1024 bytes)");
	} else if (isatty(STDIN_FILENO)) {
		if (prompt_hidden("Owner password: ", pw, pwsz) != 0 ||
		    prompt_hidden("Repeat it: ", again, sizeof(again)) != 0)
			return cli_fail("could not read the password");
		if (strcmp(pw, again) != 0) {
			explicit_bzero(again, sizeof(again));
			return cli_fail("the two passwords differ; nothing was "
			    "created");
		}
		explicit_bzero(again, sizeof(again));
	} else {
		rand_password(pw, pwsz);
		*generated = 1;
		return 0;
	}
	if ((v = pwpol_check(pw, who)) != PWPOL_OK)
		return cli_fail("%s Nothing was created.", pwpol_reason(v, 0));
	return 0;
}

/* The practice's data keys, wrapped by the installation's master key. */
static int
create_keys(struct db *db, const struct config *cfg, int64_t practice_id)
{
	struct keystore *ks;
	struct alc_err err;
	int rc;

	if ((ks = keystore_open(db, cfg->keys.master_key_file, &err)) == NULL)
		return cli_fail("%s", err.msg);
	rc = keystore_ensure_practice(ks, practice_id);
	keystore_close(ks);
	if (rc != 0)
		return cli_fail("could not create the practice's encryption keys "
		    "(%s)", alc_strerror(rc));
	return 0;
}

/* The HIPAA program a new practice starts with, owned by its owner. */
static int
seed_compliance(struct db *db, int64_t pid, const char *owner_email)
{
	struct caldate today;
	int64_t owner;
	int rc;

	if ((rc = users_find(db, pid, owner_email, &owner)) != 0 ||
	    (rc = compliance_practice_today(db, pid, time_now_ms(),
	    &today)) != 0 ||
	    (rc = compliance_seed_program(db, pid, owner, today)) != 0)
		return cli_fail("could not set up the compliance program (%s)",
		    alc_strerror(rc));
	return 0;
}

int
cli_create_practice(struct db *db, const struct config *cfg,
    const struct practice_setup *ps, const char *pw, int64_t *pid)
{
	struct practice_setup copy = *ps;
	char hash[PW_HASH_SIZE];
	struct alc_err err;
	int rc;

	if (pw_hash(pw, hash) != 0)
		return cli_fail("could not hash the password");
	copy.owner_pw_hash = hash;
	if (practice_create(db, &copy, pid, &err) != 0)
		return cli_fail("%s", err.user);
	if ((rc = create_keys(db, cfg, *pid)) != 0)
		return rc;
	return seed_compliance(db, *pid, ps->owner_email);
}
