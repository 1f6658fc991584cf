/*
 * cmd_user.c - `alcove user`: staff accounts from the command line, for
 * operators and scripts (the same operations as the Staff pages).
 *
 *   alcove user list       the access review: roles, status, last sign-in
 *   alcove user add        a new staff member with roles
 *   alcove user roles      replace someone's roles (ends their sessions)
 *   alcove user deactivate block sign-in and end every session now
 */
#include "cli/cli.h"
#include "base/err.h"
#include "base/timeutil.h"
#include "core/practice/practice.h"
#include "core/users/admin.h"
#include "core/users/policy.h"
#include "core/users/users.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "db/db.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char user_help[] =
    "usage: alcove user ACTION [--data DIR | --config FILE] [--practice SLUG] ...\n\n"
    "  list                                  every staff member, roles, status,\n"
    "                                        last sign-in (the access review)\n"
    "  add --email E --name N --role R [--role R ...] --reason TEXT\n"
    "      [--password-stdin]                add a staff member; without a\n"
    "                                        password they set one by \"Forgot\n"
    "                                        your password?\"\n"
    "  roles --email E --role R [--role R ...] --reason TEXT\n"
    "                                        replace their roles\n"
    "  deactivate --email E --reason TEXT [--ended ISO8601]\n"
    "                                        block sign-in, end all sessions\n\n"
    "Roles: owner, admin, clinician, supervisor, billing, front_desk,\n"
    "compliance.  --practice is needed only when the installation hosts\n"
    "several practices.\n";

struct user_opts {
	const char *data, *file, *practice, *email, *name, *reason, *ended;
	unsigned roles;
	int password_stdin;
};

static int
parse_user(int argc, char **argv, struct user_opts *o)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"practice", required_argument, NULL, 'p'},
		{"email", required_argument, NULL, 'e'},
		{"name", required_argument, NULL, 'n'},
		{"role", required_argument, NULL, 'r'},
		{"reason", required_argument, NULL, 'R'},
		{"ended", required_argument, NULL, 'E'},
		{"password-stdin", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned bit;
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->data = optarg; break;
		case 'c': o->file = optarg; break;
		case 'p': o->practice = optarg; break;
		case 'e': o->email = optarg; break;
		case 'n': o->name = optarg; break;
		case 'R': o->reason = optarg; break;
		case 'E': o->ended = optarg; break;
		case 's': o->password_stdin = 1; break;
		case 'r':
			if ((bit = role_parse(optarg)) == 0)
				return cli_usage_error("user", "unknown role \"%s\"",
				    optarg);
			o->roles |= bit;
			break;
		case 'h': fputs(user_help, stdout); return -1;
		default:
			return cli_usage_error("user", "unknown or incomplete "
			    "option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("user", "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

static int
user_list(struct db *db, int64_t pid)
{
	struct user_row *rows;
	char roles[128], last[32];
	size_t n, i;
	int rc;

	if ((rows = calloc(1000, sizeof(*rows))) == NULL)
		return cli_fail("out of memory");
	if ((rc = users_review(db, pid, rows, 1000, &n)) != 0) {
		free(rows);
		return cli_fail("listing users: %s", alc_strerror(rc));
	}
	printf("%-32s %-24s %-26s %-9s %s\n", "E-MAIL", "NAME", "ROLES",
	    "STATUS", "LAST SIGN-IN (UTC)");
	for (i = 0; i < n; i++) {
		roles_format(rows[i].roles, roles, sizeof(roles));
		if (rows[i].last_login_at)
			time_format_iso(last, sizeof(last), rows[i].last_login_at);
		else
			snprintf(last, sizeof(last), "never");
		printf("%-32s %-24s %-26s %-9s %s\n", rows[i].email, rows[i].name,
		    roles, rows[i].active ? "active" : "disabled", last);
	}
	free(rows);
	return EXIT_OK;
}

/* One line from stdin, held to the password policy for this person
 * (length, breached list, their name and e-mail). */
static int
read_password(char *pw, size_t pwsz, const struct user_opts *o)
{
	struct pwpol_subject who;
	enum pwpol_verdict v;

	if (fgets(pw, (int)pwsz, stdin) == NULL)
		return cli_fail("could not read a password from standard input");
	pw[strcspn(pw, "\r\n")] = '\0';
	memset(&who, 0, sizeof(who));
	who.name = o->name;
	who.email = o->email;
	if ((v = pwpol_check(pw, &who)) != PWPOL_OK)
		return cli_fail("%s", pwpol_reason(v, 0));
	return 0;
}

static int
user_add(struct db *db, int64_t pid, const struct user_opts *o)
{
	struct user_add ua;
	struct alc_err err;
	char pw[1100], hash[PW_HASH_SIZE];
	int64_t uid;
	int rc;

	if (o->email == NULL || o->name == NULL || o->roles == 0 ||
	    o->reason == NULL)
		return cli_usage_error("user add", "--email, --name, --role and "
		    "--reason are required");
	memset(&ua, 0, sizeof(ua));
	if (o->password_stdin) {
		if ((rc = read_password(pw, sizeof(pw), o)) != 0)
			return rc;
		rc = pw_hash(pw, hash);
		crypto_wipe(pw, sizeof(pw));
		if (rc != 0)
			return cli_fail("could not hash the password");
		ua.pw_hash = hash;
	}
	ua.email = o->email;
	ua.name = o->name;
	ua.roles = o->roles;
	ua.reason = o->reason;
	memset(&err, 0, sizeof(err));
	if ((rc = users_add(db, pid, &ua, &uid, &err)) != 0)
		return cli_fail("%s", err.user[0] ? err.user : err.msg);
	printf("Added %s (user %lld).\n", o->email, (long long)uid);
	return EXIT_OK;
}

static int
user_change(struct db *db, int64_t pid, const char *action,
    const struct user_opts *o)
{
	struct alc_err err;
	int64_t uid, ended = 0, delay;
	int rc;

	if (o->email == NULL || o->reason == NULL ||
	    (strcmp(action, "roles") == 0 && o->roles == 0))
		return cli_usage_error("user", "%s needs --email, --reason%s",
		    action, strcmp(action, "roles") == 0 ? " and --role" : "");
	if (o->ended != NULL && time_parse_iso(o->ended, &ended) != 0)
		return cli_usage_error("user", "--ended must look like "
		    "2026-11-24T17:00:00Z");
	if (users_find(db, pid, o->email, &uid) != 0)
		return cli_fail("no staff member %s in this practice", o->email);
	memset(&err, 0, sizeof(err));
	if (strcmp(action, "roles") == 0)
		rc = users_set_roles(db, pid, uid, o->roles, NULL, o->reason, &err);
	else
		rc = users_deactivate(db, pid, uid, ended, NULL, o->reason, &delay,
		    &err);
	if (rc != 0)
		return cli_fail("%s", err.user[0] ? err.user : err.msg);
	if (strcmp(action, "roles") == 0)
		printf("Roles changed; %s must sign in again.\n", o->email);
	else
		printf("Deactivated %s; access removed %lld minutes after "
		    "employment ended.\n", o->email, (long long)(delay / 60000));
	return EXIT_OK;
}

int
cmd_user(int argc, char **argv)
{
	const char *action = argc >= 2 ? argv[1] : NULL;
	struct user_opts o;
	struct config cfg;
	struct alc_err err;
	struct db *db;
	int64_t pid;
	int rc;

	if (action == NULL || strcmp(action, "--help") == 0 ||
	    strcmp(action, "-h") == 0) {
		fputs(user_help, action ? stdout : stderr);
		return action ? EXIT_OK : EXIT_USAGE;
	}
	if (strcmp(action, "list") != 0 && strcmp(action, "add") != 0 &&
	    strcmp(action, "roles") != 0 && strcmp(action, "deactivate") != 0)
		return cli_usage_error("user", "unknown action \"%s\"", action);
	if ((rc = parse_user(argc - 1, argv + 1, &o)) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_load_config(&cfg, o.data, o.file)) != 0)
		return rc;
	if ((rc = cli_open_db(&cfg, &db)) != 0)
		goto out;
	memset(&err, 0, sizeof(err));
	if (practice_resolve(db, o.practice, &pid, &err) != 0)
		rc = cli_fail("%s", err.user);
	else if (strcmp(action, "list") == 0)
		rc = user_list(db, pid);
	else if (strcmp(action, "add") == 0)
		rc = user_add(db, pid, &o);
	else
		rc = user_change(db, pid, action, &o);
	db_close(db);
out:
	config_free(&cfg);
	return rc;
}
