/*
 * main.c - the `alcove` command: one binary, one table of subcommands.
 */
#include "cli/cli.h"
#include "version.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"init", cmd_init, "create a data directory, database, practice and owner"},
	{"serve", cmd_serve, "serve the web application over HTTPS"},
	{"migrate", cmd_migrate, "apply pending database migrations"},
	{"config", cmd_config, "check and show the configuration (config check)"},
	{"audit", cmd_audit, "verify the audit trail's hash chain; record its digest"},
	{"backup", cmd_backup, "write an encrypted backup of the running installation"},
	{"restore", cmd_restore, "verify a backup and restore it into a new data directory"},
	{"practice", cmd_practice, "add a practice to this installation; list them"},
	{"keys", cmd_keys, "data keys: status, rotate (re-encrypt every sealed field)"},
	{"user", cmd_user, "add staff, change roles, deactivate, list (access review)"},
	{"gen", cmd_gen, "fill an installation with fake scale data (benchmarks)"},
	{"demo", cmd_demo, "fill the first practice with a realistic demo practice"},
	{"version", cmd_version, "print the version"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: alcove COMMAND [OPTIONS]\n\n"
	    "Practice management and HIPAA compliance for small behavioral-"
	    "health practices.\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nEvery command takes --data DIR (the data directory; its "
	    "alcove.ini is the\nconfiguration) or --config FILE, and --help.\n"
	    "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "alcove: unknown command \"%s\" (see `alcove --help`)\n",
	    argv[1]);
	return EXIT_USAGE;
}
