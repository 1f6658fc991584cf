/*
 * cmd_practice.c - `alcove practice`: the practices one installation hosts.
 *
 *   alcove practice list   every practice: id, short name, zone, staff
 *   alcove practice add    a new practice with its owner, keys and
 *                          compliance program (as `alcove init` makes the
 *                          first one)
 *
 * Practices are isolated from each other: every row carries practice_id,
 * a staff member signs in to the practices they hold roles in, and each
 * practice has its own data keys.
 */
#include "cli/cli.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/practice/practice.h"
#include "core/users/policy.h"
#include "crypto/random.h"
#include "db/db.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char practice_help[] =
    "usage: alcove practice ACTION [--data DIR | --config FILE] ...\n\n"
    "  list                        every practice of this installation\n"
    "  add --name NAME --owner-email EMAIL [--owner-name NAME]\n"
    "      [--timezone ZONE] [--password-stdin]\n"
    "                              a new practice and its owner; the owner's\n"
    "                              password is read from standard input, asked\n"
    "                              on a terminal, or generated and printed once\n\n"
    "ZONE is an IANA time zone such as America/Chicago (default\n"
    "America/New_York).\n";

struct practice_opts {
	const char *data, *file, *name, *email, *owner_name, *tz;
	int password_stdin;
};

static int
parse_practice(int argc, char **argv, struct practice_opts *o)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"name", required_argument, NULL, 'n'},
		{"owner-email", required_argument, NULL, 'e'},
		{"owner-name", required_argument, NULL, 'o'},
		{"timezone", required_argument, NULL, 't'},
		{"password-stdin", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->data = optarg; break;
		case 'c': o->file = optarg; break;
		case 'n': o->name = optarg; break;
		case 'e': o->email = optarg; break;
		case 'o': o->owner_name = optarg; break;
		case 't': o->tz = optarg; break;
		case 's': o->password_stdin = 1; break;
		case 'h': fputs(practice_help, stdout); return -1;
		default:
			return cli_usage_error("practice", "unknown or incomplete "
			    "option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("practice", "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

static int
print_practice(void *arg, const struct practice_info *pi)
{
	char when[32];

	(void)arg;
	time_format_iso(when, sizeof(when), pi->created_at);
	printf("%-4lld %-24s %-32s %-20s %5d  %.10s\n", (long long)pi->id,
	    pi->slug, pi->name, pi->timezone, pi->staff, when);
	return 0;
}

static int
practice_list_cmd(struct db *db)
{
	int rc;

	printf("%-4s %-24s %-32s %-20s %5s  %s\n", "ID", "SHORT NAME", "NAME",
	    "TIME ZONE", "STAFF", "CREATED");
	if ((rc = practice_list(db, print_practice, NULL)) != 0)
		return cli_fail("could not list the practices (%s)",
		    alc_strerror(rc));
	return EXIT_OK;
}

static int
practice_add_cmd(struct db *db, const struct config *cfg,
    const struct practice_opts *o)
{
	struct practice_setup ps;
	struct pwpol_subject who;
	char pw[1100];
	int64_t pid;
	int rc, generated;

	if (o->name == NULL || o->email == NULL)
		return cli_usage_error("practice", "add needs --name and "
		    "--owner-email");
	if (!practice_email_ok(o->email))
		return cli_usage_error("practice", "--owner-email \"%s\" is not "
		    "an e-mail address", o->email);
	memset(&who, 0, sizeof(who));
	who.name = o->owner_name;
	who.email = o->email;
	who.practices = &o->name;
	who.n_practices = 1;
	if ((rc = cli_new_password(o->password_stdin, &who, pw, sizeof(pw),
	    &generated)) != 0)
		return rc;
	memset(&ps, 0, sizeof(ps));
	ps.name = o->name;
	ps.timezone = o->tz;
	ps.owner_email = o->email;
	ps.owner_name = o->owner_name;
	if ((rc = cli_create_practice(db, cfg, &ps, pw, &pid)) == EXIT_OK) {
		printf("Created practice %lld \"%s\".\n", (long long)pid,
		    o->name);
		printf("Sign in as: %s\n", o->email);
		if (generated)
			printf("Owner password (shown once): %s\n", pw);
	}
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

int
cmd_practice(int argc, char **argv)
{
	struct practice_opts o;
	struct config cfg;
	struct db *db = NULL;
	const char *action;
	int rc;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			fputs(practice_help, stdout);
			return EXIT_OK;
		}
		return cli_usage_error("practice", "name an action: list or add");
	}
	action = argv[1];
	if ((rc = parse_practice(argc - 1, argv + 1, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (strcmp(action, "list") != 0 && strcmp(action, "add") != 0)
		return cli_usage_error("practice", "unknown action \"%s\"",
		    action);
	if (crypto_init() != 0)
		return cli_fail("libsodium could not be initialised");
	if ((rc = cli_load_config(&cfg, o.data, o.file)) != 0)
		return rc;
	/* Progress lines from key creation would bury the summary. */
	if (getenv("ALCOVE_LOG_LEVEL") == NULL)
		log_set_level(LOG_WARN);
	if ((rc = cli_open_db(&cfg, &db)) == 0) {
		rc = strcmp(action, "list") == 0 ? practice_list_cmd(db) :
		    practice_add_cmd(db, &cfg, &o);
		db_close(db);
	}
	config_free(&cfg);
	return rc;
}
