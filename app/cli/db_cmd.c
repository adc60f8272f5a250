/* db_cmd.c — `flacon db init | migrate | upgrade | downgrade | current |
 * history | stamp` (SPEC section 8), over the runner of migrate.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/migrate.h"
#include "db/db.h"

static int mkdir_p(const char *path)
{
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int db_init(const struct config *cfg, struct db *db)
{
	if (mkdir_p(cfg->migrations_dir) < 0) {
		fprintf(stderr, "flacon: cannot create %s: %s\n", cfg->migrations_dir, strerror(errno));
		return CLI_FAILED;
	}
	if (schema_version_ensure(db) < 0) {
		fprintf(stderr, "flacon: %s\n", db->err);
		return CLI_FAILED;
	}
	printf("Migrations in %s; schema_version table ready.\n", cfg->migrations_dir);
	return CLI_OK;
}

static const char *rev_name(const char *rev)
{
	return *rev ? rev : "base";
}

/* Resolve a target revision for upgrade ("head", a number) into an index
 * (-1 = base). Returns 0 or -1 (unknown). */
static int resolve(const struct migration_list *l, const char *target, int current, int *out)
{
	if (!strcmp(target, "head")) {
		*out = (int)l->n - 1;
		return 0;
	}
	if (!strcmp(target, "base")) {
		*out = -1;
		return 0;
	}
	if (target[0] == '-' || target[0] == '+') {
		char *end;
		long d = strtol(target, &end, 10);
		if (*end || d == 0)
			return -1;
		long idx = current + d;
		if (idx < -1 || idx >= (long)l->n)
			return -1;
		*out = (int)idx;
		return 0;
	}
	int i = migrations_find(l, target);
	if (i < 0)
		return -1;
	*out = i;
	return 0;
}

static int current_index(struct db *db, const struct migration_list *l, char *rev, size_t n)
{
	if (schema_version_get(db, rev, n) < 0) {
		fprintf(stderr, "flacon: %s\n", db->err);
		return -2;
	}
	if (!*rev)
		return -1;
	int i = migrations_find(l, rev);
	if (i < 0) {
		fprintf(stderr, "flacon: the database is at revision %s, which is not in the migrations directory\n", rev);
		return -2;
	}
	return i;
}

static int db_upgrade(const struct config *cfg, struct db *db, const char *target, bool down)
{
	struct migration_list l;
	char err[1024];
	if (migrations_scan(cfg->migrations_dir, &l, err, sizeof err) < 0) {
		fprintf(stderr, "flacon: %s\n", err);
		return CLI_FAILED;
	}
	int rc = CLI_FAILED;
	char rev[64];
	int cur = current_index(db, &l, rev, sizeof rev);
	if (cur < -1)
		goto out;
	int to;
	if (resolve(&l, target, cur, &to) < 0) {
		fprintf(stderr, "flacon: unknown revision '%s'\n", target);
		rc = CLI_USAGE;
		goto out;
	}
	if (!down && to < cur) {
		fprintf(stderr, "flacon: revision %s is below the current %s; use db downgrade\n",
			target, rev_name(rev));
		goto out;
	}
	if (down && to > cur) {
		fprintf(stderr, "flacon: revision %s is above the current %s; use db upgrade\n",
			target, rev_name(rev));
		goto out;
	}
	if (!down) {
		for (int i = cur + 1; i <= to; i++) {
			printf("Running upgrade %s -> %s, %s\n", cur + 1 == i && cur < 0 ? "base" : l.v[i - 1].rev,
			       l.v[i].rev, l.v[i].message);
			fflush(stdout);
			if (sql_run_file(db, l.v[i].up_path, err, sizeof err) < 0) {
				fprintf(stderr, "flacon: upgrade to %s failed at %s; schema_version stays at %s\n",
					l.v[i].rev, err, i > 0 ? l.v[i - 1].rev : "base");
				goto out;
			}
			if (schema_version_set(db, l.v[i].rev) < 0) {
				fprintf(stderr, "flacon: %s\n", db->err);
				goto out;
			}
		}
	} else {
		for (int i = cur; i > to; i--) {
			printf("Running downgrade %s -> %s, %s\n", l.v[i].rev, i > 0 ? l.v[i - 1].rev : "base",
			       l.v[i].message);
			fflush(stdout);
			if (!l.v[i].down_path) {
				fprintf(stderr, "flacon: revision %s has no .down.sql file; schema_version stays at %s\n",
					l.v[i].rev, l.v[i].rev);
				goto out;
			}
			if (sql_run_file(db, l.v[i].down_path, err, sizeof err) < 0) {
				fprintf(stderr, "flacon: downgrade of %s failed at %s; schema_version stays at %s\n",
					l.v[i].rev, err, l.v[i].rev);
				goto out;
			}
			if (schema_version_set(db, i > 0 ? l.v[i - 1].rev : "") < 0) {
				fprintf(stderr, "flacon: %s\n", db->err);
				goto out;
			}
		}
	}
	rc = CLI_OK;
out:
	migrations_free(&l);
	return rc;
}

static int db_current(const struct config *cfg, struct db *db)
{
	struct migration_list l;
	char err[1024], rev[64];
	if (migrations_scan(cfg->migrations_dir, &l, err, sizeof err) < 0) {
		fprintf(stderr, "flacon: %s\n", err);
		return CLI_FAILED;
	}
	int cur = current_index(db, &l, rev, sizeof rev);
	int rc = CLI_FAILED;
	if (cur >= -1) {
		if (cur < 0)
			printf("base\n");
		else
			printf("%s%s\n", l.v[cur].rev, cur == (int)l.n - 1 ? " (head)" : "");
		rc = CLI_OK;
	}
	migrations_free(&l);
	return rc;
}

static int db_history(const struct config *cfg, struct db *db)
{
	struct migration_list l;
	char err[1024], rev[64] = "";
	if (migrations_scan(cfg->migrations_dir, &l, err, sizeof err) < 0) {
		fprintf(stderr, "flacon: %s\n", err);
		return CLI_FAILED;
	}
	if (db && schema_version_get(db, rev, sizeof rev) < 0)
		rev[0] = '\0';
	for (size_t k = l.n; k-- > 0;) {
		const struct migration *m = &l.v[k];
		printf("%s -> %s%s%s, %s\n", k ? l.v[k - 1].rev : "<base>", m->rev,
		       k == l.n - 1 ? " (head)" : "", *rev && !strcmp(rev, m->rev) ? " (current)" : "",
		       m->message);
	}
	migrations_free(&l);
	return CLI_OK;
}

static int db_stamp(const struct config *cfg, struct db *db, const char *target)
{
	struct migration_list l;
	char err[1024];
	if (migrations_scan(cfg->migrations_dir, &l, err, sizeof err) < 0) {
		fprintf(stderr, "flacon: %s\n", err);
		return CLI_FAILED;
	}
	int to, rc = CLI_FAILED;
	if (resolve(&l, target, -1, &to) < 0 || target[0] == '-' || target[0] == '+') {
		fprintf(stderr, "flacon: unknown revision '%s'\n", target);
		rc = CLI_USAGE;
	} else if (schema_version_set(db, to >= 0 ? l.v[to].rev : "") < 0) {
		fprintf(stderr, "flacon: %s\n", db->err);
	} else {
		printf("Stamped %s\n", to >= 0 ? l.v[to].rev : "base");
		rc = CLI_OK;
	}
	migrations_free(&l);
	return rc;
}

int cli_db_migrate(const struct config *cfg, struct db *db, const char *message);

/* db's subcommands: what `flacon help db SUB` and `flacon db SUB --help`
 * print. A new subcommand adds its row here and its branch in db_main. */
static const struct cli_command db_subs[] = {
	{.name = "init", .usage = "db init", .help = "create the migrations directory and schema_version",
	 .details = "Creates database.migrations (sql/migrations) and the schema_version table.\n"},
	{.name = "migrate", .usage = "db migrate -m MSG", .help = "write a migration from the models' differences",
	 .details = "options:\n"
		    "  -m, --message MSG  what the migration does (its file name is made from it)\n\n"
		    "Writes NNNN_slug.up.sql and .down.sql from the difference between the models\n"
		    "compiled in and the live schema, or says \"No changes in schema detected\".\n"},
	{.name = "upgrade", .usage = "db upgrade [REV|head|+N]", .help = "apply migrations up to REV (default: head)",
	 .details = "REV is a revision (0003), head (the last), or +N (N steps up).\n"},
	{.name = "downgrade", .usage = "db downgrade [REV|base|-N]", .help = "undo migrations down to REV (default: -1)",
	 .details = "REV is a revision (0002), base (nothing applied), or -N (N steps down).\n"},
	{.name = "current", .usage = "db current", .help = "print the revision the database is at"},
	{.name = "history", .usage = "db history", .help = "list the migrations, newest first"},
	{.name = "stamp", .usage = "db stamp REV|base", .help = "set the revision without running anything"},
	{0},
};

static int db_main(struct config *cfg, int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "flacon: db needs a subcommand (flacon help db lists them)\n");
		return CLI_USAGE;
	}
	const char *sub = argv[0];
	bool known = false;
	for (const struct cli_command *c = db_subs; c->name; c++)
		known |= !strcmp(sub, c->name);
	if (!known) {
		fprintf(stderr, "flacon: unknown db subcommand '%s' (flacon help db lists them)\n", sub);
		return CLI_USAGE;
	}
	const char *arg = argc > 1 ? argv[1] : NULL;
	const char *message = NULL;
	if (!strcmp(sub, "migrate")) {
		for (int i = 1; i < argc; i++) {
			if ((!strcmp(argv[i], "-m") || !strcmp(argv[i], "--message")) && i + 1 < argc)
				message = argv[++i];
			else {
				fprintf(stderr, "flacon: db migrate: unknown argument %s\n", argv[i]);
				return CLI_USAGE;
			}
		}
		if (!message) {
			fprintf(stderr, "flacon: db migrate needs -m MESSAGE\n");
			return CLI_USAGE;
		}
	} else if (argc > 2 || (argc == 2 && (!strcmp(sub, "init") || !strcmp(sub, "current") ||
					      !strcmp(sub, "history")))) {
		fprintf(stderr, "flacon: db %s: too many arguments\n", sub);
		return CLI_USAGE;
	}
	if (!strcmp(sub, "stamp") && !arg) {
		fprintf(stderr, "flacon: db stamp needs a revision\n");
		return CLI_USAGE;
	}

	struct db *db = cli_connect(cfg, false);
	if (!db)
		return CLI_FAILED;
	int rc;
	if (!strcmp(sub, "init"))
		rc = db_init(cfg, db);
	else if (!strcmp(sub, "migrate"))
		rc = cli_db_migrate(cfg, db, message);
	else if (!strcmp(sub, "upgrade"))
		rc = db_upgrade(cfg, db, arg ? arg : "head", false);
	else if (!strcmp(sub, "downgrade"))
		rc = db_upgrade(cfg, db, arg ? arg : "-1", true);
	else if (!strcmp(sub, "current"))
		rc = db_current(cfg, db);
	else if (!strcmp(sub, "history"))
		rc = db_history(cfg, db);
	else
		rc = db_stamp(cfg, db, arg);
	db_close(db);
	return rc;
}

const struct cli_command cli_db = {
	.name = "db",
	.usage = "db SUBCOMMAND [ARGS]",
	.help = "schema migrations, as Flask-Migrate",
	.run = db_main,
	.subs = db_subs,
};
