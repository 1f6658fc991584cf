/*
 * cmd_gen.c - `alcove gen` (scale data for benchmarks, issue #9) and
 * `alcove demo` (a practice to click through), both over core/gen.
 *
 * Both fill an installation made by `alcove init`: its first practice,
 * and for gen --practices N further practices made as `alcove practice
 * add` makes them.  The database is opened with a small pool whose
 * connections' per-commit flush is turned off (SQLite synchronous=OFF,
 * PostgreSQL synchronous_commit=off): a generator that dies is simply
 * re-run, and it makes the hundred thousand small transactions of the
 * real core functions affordable.  The last commit is flushed by the checkpoint
 * at close.
 *
 * Every staff member made gets the same password (--password, or a fixed
 * default printed at the end) so benchmarks can sign in; clinicians,
 * front desk and billing need no two-step sign-in.
 */
#include "cli/cli.h"
#include "base/err.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "core/gen/gen.h"
#include "core/keys/keystore.h"
#include "core/practice/practice.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "db/db.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GEN_DEFAULT_PASSWORD "generated-staff-password-2024"

static const char gen_help[] =
    "usage: alcove gen --data DIR --scale tiny|small|large [--seed N]\n"
    "       [--practices N] [--clinicians N] [--patients N] [--months N]\n"
    "       [--audit-events N] [--password PW] [--quiet]\n\n"
    "Fills a fresh installation made by `alcove init` with realistic fake\n"
    "data for benchmarks: staff, patients with care teams, weekly series of\n"
    "appointments with cancellations and no-shows, and audit events, all\n"
    "through the application's own functions.  The same seed gives the\n"
    "same names and chart numbers.\n\n"
    "  tiny   1 practice, 2 clinicians, 40 patients, 3 months (tests)\n"
    "  small  1 practice, 8 clinicians, 2,000 patients, 3 years\n"
    "  large  100 practices, 1,000 clinicians, 100,000 patients, about\n"
    "         2 million appointments and 10 million audit events\n"
    "--clinicians and --patients are per practice; --audit-events adds\n"
    "chart views per practice.  Progress goes to stderr.\n";

static const char demo_help[] =
    "usage: alcove demo --data DIR [--seed N] [--password PW]\n\n"
    "Fills the first practice of an installation made by `alcove init`\n"
    "with a realistic small practice to click through: six clinicians, a\n"
    "front desk and a billing member, about 150 patients, appointment\n"
    "types, an office and telehealth, and three months of appointments\n"
    "either side of today.  Prints the logins.\n";

struct gen_cli {
	const char *data, *file, *scale, *password;
	uint64_t seed;
	int practices, quiet;
	struct gen_opts o;
};

static int
preset(struct gen_cli *g, const char *scale)
{
	struct gen_opts *o = &g->o;

	o->first_slot_min = 8 * 60;
	o->views_per_session = 1;
	if (strcmp(scale, "tiny") == 0) {
		g->practices = 1;
		o->clinicians = 2;
		o->patients = 40;
		o->months_past = 2;
		o->months_future = 1;
		o->slots_per_day = 3;
	} else if (strcmp(scale, "small") == 0) {
		g->practices = 1;
		o->clinicians = 8;
		o->patients = 2000;
		o->months_past = 30;
		o->months_future = 6;
		o->slots_per_day = 14;
		o->first_slot_min = 7 * 60;
		o->saturday = 1;
		o->light_slots = 42;
	} else if (strcmp(scale, "large") == 0) {
		g->practices = 100;
		o->clinicians = 10;
		o->patients = 1000;
		o->months_past = 30;
		o->months_future = 6;
		o->slots_per_day = 3;
		o->extra_views = 80000;
	} else
		return -1;
	return 0;
}

/* A number option: *out, or a usage error. */
static int
num_opt(const char *name, const char *v, long long max, long long *out)
{
	char *end;

	*out = strtoll(v, &end, 10);
	if (*end != '\0' || *out < 0 || *out > max)
		return cli_usage_error("gen", "%s wants a number up to %lld",
		    name, max);
	return 0;
}

static int
apply_opt(struct gen_cli *g, int ch, const char *v)
{
	long long n = 0;
	int rc = 0;

	switch (ch) {
	case 'd': g->data = v; return 0;
	case 'c': g->file = v; return 0;
	case 'p': g->password = v; return 0;
	case 'q': g->quiet = 1; return 0;
	case 's': rc = num_opt("--seed", v, 0x7fffffffffffffffLL, &n);
		g->seed = (uint64_t)n; return rc;
	case 'P': rc = num_opt("--practices", v, 1000, &n);
		g->practices = (int)n; return rc;
	case 'C': rc = num_opt("--clinicians", v, 64, &n);
		g->o.clinicians = (int)n; return rc;
	case 'N': rc = num_opt("--patients", v, 10000000, &n);
		g->o.patients = (int)n; return rc;
	case 'M': rc = num_opt("--months", v, 120, &n);
		g->o.months_future = n >= 6 ? 6 : (int)n / 3;
		g->o.months_past = (int)n - g->o.months_future; return rc;
	case 'A': rc = num_opt("--audit-events", v, 1000000000, &n);
		g->o.extra_views = n; return rc;
	default: return -1;
	}
}

static int
parse_gen(int argc, char **argv, struct gen_cli *g, const char *cmd)
{
	static const struct option longopts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"scale", required_argument, NULL, 'S'},
		{"seed", required_argument, NULL, 's'},
		{"practices", required_argument, NULL, 'P'},
		{"clinicians", required_argument, NULL, 'C'},
		{"patients", required_argument, NULL, 'N'},
		{"months", required_argument, NULL, 'M'},
		{"audit-events", required_argument, NULL, 'A'},
		{"password", required_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch, rc, demo = strcmp(cmd, "demo") == 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(demo ? demo_help : gen_help, stdout);
			return -1;
		}
		if (ch == 'S' && !demo) {
			g->scale = optarg; /* applied by cmd_gen */
			continue;
		}
		if (ch == '?' || (demo && ch != 'd' && ch != 'c' && ch != 's' &&
		    ch != 'p' && ch != 'q') || (rc = apply_opt(g, ch, optarg)) < 0)
			return cli_usage_error(cmd, "unknown or incomplete option "
			    "\"%s\"", argv[optind - 1]);
		if (rc != 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

/* A small pool (the keystore loads keys on a second connection while a
 * core function holds the first), each connection without a flush per
 * commit (see the top of the file). */
#define GEN_POOL 3

static int
open_fast(struct config *cfg, struct db **db)
{
	struct db_conn *c[GEN_POOL];
	struct alc_err err;
	int i, n, rc = 0;

	cfg->database.pool_size = GEN_POOL;
	if ((rc = cli_open_db(cfg, db)) != 0)
		return rc;
	for (n = 0; n < GEN_POOL && rc == 0; n++) {
		if ((c[n] = db_acquire(*db, 5000, &err)) == NULL)
			break;
		rc = db_exec(c[n], db_conn_engine(c[n]) == DB_SQLITE ?
		    "PRAGMA synchronous=OFF" : "SET synchronous_commit = off");
	}
	for (i = 0; i < n; i++)
		db_release(c[i]);
	return rc != 0 || n < GEN_POOL ? cli_fail("cannot set up the "
	    "database for bulk loading") : 0;
}

/* Practices 2..n, as `alcove practice add` makes them; their ids. */
static int
add_practices(struct db *db, const struct config *cfg, int n,
    const char *pw, int64_t *ids)
{
	struct practice_setup ps;
	char name[64], email[96];
	int i, rc;

	for (i = 1; i < n; i++) {
		snprintf(name, sizeof(name), "Generated Practice %d", i + 1);
		snprintf(email, sizeof(email), "owner@p%d.gen.alcove.test", i + 1);
		memset(&ps, 0, sizeof(ps));
		ps.name = name;
		ps.owner_email = email;
		ps.owner_name = "Generated Owner";
		if ((rc = cli_create_practice(db, cfg, &ps, pw, &ids[i])) != 0)
			return rc;
	}
	return 0;
}

static void
print_size(struct db *db, const struct config *cfg)
{
	struct db_conn *c;
	struct alc_err err;
	struct stat sb;
	char path[4200];
	int64_t size = 0;

	if (db_engine(db) == DB_SQLITE) {
		if (stat(cfg->database.path, &sb) == 0)
			size = (int64_t)sb.st_size;
		snprintf(path, sizeof(path), "%s-wal", cfg->database.path);
		if (stat(path, &sb) == 0)
			size += (int64_t)sb.st_size;
	} else if ((c = db_acquire(db, 5000, &err)) != NULL) {
		db_query_i64(c, "SELECT pg_database_size(current_database())",
		    &size);
		db_release(c);
	}
	printf("Database size: %.1f MB (%s)\n", (double)size / 1e6,
	    db_engine_name(db_engine(db)));
}

static void
print_summary(const struct gen_stats *st, int64_t ms,
    const struct gen_login *l, size_t nl, const char *pw)
{
	size_t i;

	printf("Generated in %.1f s: %lld staff, %lld patients, %lld bookings, "
	    "%lld appointments (%lld status changes, %lld bookings skipped as "
	    "conflicts), %lld chart-view audit events.\n", (double)ms / 1000.0,
	    (long long)st->staff, (long long)st->patients,
	    (long long)st->series, (long long)st->appointments,
	    (long long)st->status_changes, (long long)st->skipped,
	    (long long)st->audit_views);
	printf("Staff of the first practice (password: %s):\n", pw);
	for (i = 0; i < nl; i++)
		printf("  %-40s %-28s %s\n", l[i].email, l[i].name, l[i].role);
}

/* Fills every practice; prints the summary. */
static int
run_all(struct db *db, const struct config *cfg, struct gen_cli *g,
    const int64_t *ids)
{
	struct gen_login logins[GEN_MAX_LOGINS], spare[GEN_MAX_LOGINS];
	struct gen_stats st;
	struct gen_rng r;
	struct keystore *ks;
	struct alc_err err;
	char domain[64];
	size_t nl = 0, ns;
	int i, rc = 0;

	if ((ks = keystore_open(db, cfg->keys.master_key_file[0] ?
	    cfg->keys.master_key_file : NULL, &err)) == NULL)
		return cli_fail("keys: %s", err.msg);
	memset(&st, 0, sizeof(st));
	memset(logins, 0, sizeof(logins));
	memset(spare, 0, sizeof(spare));
	st.t0_ms = time_mono_ms();
	for (i = 0; i < g->practices && rc == 0; i++) {
		if (g->o.email_domain == NULL || i > 0) {
			snprintf(domain, sizeof(domain), "p%d.gen.alcove.test",
			    i + 1);
			g->o.email_domain = domain;
		}
		gen_rng_seed(&r, g->seed + (uint64_t)i);
		rc = gen_practice(db, ks, ids[i], &g->o, &r, &st,
		    i == 0 ? logins : spare, i == 0 ? &nl : &ns);
	}
	keystore_close(ks);
	if (rc != 0)
		return cli_fail("generating the data failed (%s)",
		    alc_strerror(rc));
	print_summary(&st, time_mono_ms() - st.t0_ms, logins, nl, g->password);
	print_size(db, cfg);
	return EXIT_OK;
}

static int
gen_main(struct gen_cli *g)
{
	struct config cfg;
	struct db *db = NULL;
	struct alc_err err;
	char hash[PW_HASH_SIZE];
	int64_t *ids = NULL;
	int rc;

	if (crypto_init() != 0)
		return cli_fail("libsodium could not be initialised");
	if ((rc = cli_load_config(&cfg, g->data, g->file)) != 0)
		return rc;
	if (getenv("ALCOVE_LOG_LEVEL") == NULL)
		log_set_level(LOG_WARN);
	if ((rc = open_fast(&cfg, &db)) != 0)
		goto out;
	if (pw_hash(g->password, hash) != 0 ||
	    (ids = calloc((size_t)g->practices, sizeof(*ids))) == NULL) {
		rc = cli_fail("out of memory");
		goto out;
	}
	g->o.pw_hash = hash;
	g->o.quiet = g->quiet;
	memset(&err, 0, sizeof(err));
	if (practice_resolve(db, NULL, &ids[0], &err) != 0) {
		rc = cli_fail("%s", err.user[0] ? err.user : "no practice: run "
		    "`alcove init` first");
		goto out;
	}
	if ((rc = add_practices(db, &cfg, g->practices, g->password,
	    ids)) == 0)
		rc = run_all(db, &cfg, g, ids);
out:
	free(ids);
	if (db != NULL)
		db_close(db);
	config_free(&cfg);
	return rc;
}

int
cmd_gen(int argc, char **argv)
{
	struct gen_cli g;
	int i, rc;

	memset(&g, 0, sizeof(g));
	g.password = GEN_DEFAULT_PASSWORD;
	/* The preset first, so --patients and the like override it. */
	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--scale") == 0 && preset(&g, argv[i + 1]))
			return cli_usage_error("gen", "--scale is tiny, small or "
			    "large");
	if ((rc = parse_gen(argc, argv, &g, "gen")) != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (g.scale == NULL)
		return cli_usage_error("gen", "name a --scale: tiny, small or "
		    "large");
	if (g.practices < 1)
		return cli_usage_error("gen", "--practices must be at least 1");
	return gen_main(&g);
}

int
cmd_demo(int argc, char **argv)
{
	struct gen_cli g;
	int rc;

	memset(&g, 0, sizeof(g));
	g.password = GEN_DEFAULT_PASSWORD;
	g.practices = 1;
	g.o.clinicians = 6;
	g.o.patients = 150;
	g.o.months_past = 3;
	g.o.months_future = 3;
	g.o.slots_per_day = 6;
	g.o.first_slot_min = 9 * 60;
	g.o.views_per_session = 1;
	g.o.named_emails = 1;
	g.o.email_domain = "demo.alcove.test";
	if ((rc = parse_gen(argc, argv, &g, "demo")) != 0)
		return rc < 0 ? EXIT_OK : rc;
	g.quiet = 1;
	return gen_main(&g);
}
