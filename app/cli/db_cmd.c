/* db_cmd.c — `flacon db init | migrate | upgrade | downgrade | current |
 * history | heads | merge | stamp` (SPEC section 8), over the runner of
 * migrate.h. */
#include <ctype.h>
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
		cli_error("cannot create %s: %s\n", cfg->migrations_dir, strerror(errno));
		return CLI_FAILED;
	}
	if (cli_schema_version_ensure(db) < 0) {
		cli_error("%s\n", db->err);
		return CLI_FAILED;
	}
	printf("Migrations in %s; schema_version table ready.\n", cfg->migrations_dir);
	return CLI_OK;
}

/* The migrations and what of them the database has applied. */
struct state {
	struct migration_list l;
	bool *applied; /* l.n entries: the ancestors of schema_version's rows */
	int *scratch;  /* l.n entries, for lists of heads */
	bool *target;  /* l.n entries: what upgrade / downgrade leaves applied */
};

static void state_free(struct state *s)
{
	cli_migrations_free(&s->l);
	free(s->applied);
	free(s->scratch);
	free(s->target);
}

/* Scan the migrations and, with a db, read what is applied. CLI_OK, or
 * CLI_FAILED after saying why. */
static int state_load(const struct config *cfg, struct db *db, struct state *s)
{
	char err[1024];
	memset(s, 0, sizeof *s);
	if (cli_migrations_scan(cfg->migrations_dir, &s->l, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		return CLI_FAILED;
	}
	s->applied = calloc(s->l.n + 1, sizeof *s->applied);
	s->scratch = calloc(s->l.n + 1, sizeof *s->scratch);
	s->target = calloc(s->l.n + 1, sizeof *s->target);
	if (!s->applied || !s->scratch || !s->target) {
		cli_error("out of memory\n");
		goto fail;
	}
	if (!db)
		return CLI_OK;
	struct version_rows cur;
	if (cli_schema_version_get(db, &cur) < 0) {
		cli_error("%s\n", db->err);
		goto fail;
	}
	for (size_t k = 0; k < cur.n; k++) {
		int i = cli_migrations_find(&s->l, cur.rev[k]);
		if (i < 0) {
			cli_error("the database is at revision %s, which is not in the migrations directory\n",
				cur.rev[k]);
			goto fail;
		}
		cli_migrations_mark_ancestors(&s->l, i, s->applied);
	}
	return CLI_OK;
fail:
	state_free(s);
	return CLI_FAILED;
}

/* The applied revisions no applied revision follows, into out. */
static size_t applied_heads(const struct state *s, int *out)
{
	size_t n = 0;
	for (size_t i = 0; i < s->l.n; i++) {
		if (!s->applied[i])
			continue;
		bool followed = false;
		for (size_t k = i + 1; k < s->l.n && !followed; k++)
			for (size_t p = 0; s->applied[k] && p < s->l.v[k].nparents; p++)
				followed |= s->l.v[k].parents[p] == (int)i;
		if (!followed)
			out[n++] = (int)i;
	}
	return n;
}

/* "a, b" (or "base") for what is applied. */
static void current_names(const struct state *s, char *out, size_t len)
{
	size_t n = applied_heads(s, s->scratch);
	cli_migrations_join(&s->l, s->scratch, n, out, len);
}

/* Write the heads of what is applied into schema_version. 0 or -1 after
 * saying why. */
static int state_save(struct db *db, struct state *s)
{
	struct version_rows rows = {0};
	size_t n = applied_heads(s, s->scratch);
	if (n > MIGRATION_HEADS_MAX) {
		cli_error("more than %d revisions applied side by side\n", MIGRATION_HEADS_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		snprintf(rows.rev[rows.n++], sizeof rows.rev[0], "%s", s->l.v[s->scratch[i]].rev);
	if (cli_schema_version_set(db, &rows) < 0) {
		cli_error("%s\n", db->err);
		return -1;
	}
	return 0;
}

/* The one head of the migrations into *out (-1: none, base). With several
 * it says so, naming them, and returns -1. */
static int single_head(const struct state *s, const char *what, int *out)
{
	size_t n = cli_migrations_heads(&s->l, s->scratch);
	if (n > 1) {
		char names[1024];
		cli_migrations_join(&s->l, s->scratch, n, names, sizeof names);
		cli_error("%s: the migrations have %zu heads (%s); join them with '%s db merge -m MSG' first\n",
			what, n, names, cli_prog);
		return -1;
	}
	*out = n ? s->scratch[0] : -1;
	return 0;
}

/* N of "+N" / "-N", or 0 when target is not one. */
static long relative(const char *target)
{
	if (target[0] != '-' && target[0] != '+')
		return 0;
	char *end;
	long d = strtol(target + 1, &end, 10);
	return *end || d <= 0 || !isdigit((unsigned char)target[1]) ? 0 : d;
}

int cli_model_tables_present(struct db *db, char *err, size_t errlen);

/* On a database at base: true (after giving the advice) when it already
 * has the models' tables, as create-all leaves it. */
static bool created_without_migrations(struct db *db, const char *what)
{
	char err[512];
	int got = cli_model_tables_present(db, err, sizeof err);
	if (got < 0) {
		cli_error("%s\n", err);
		return true;
	}
	if (got)
		cli_error("%s: the database has the models' tables but schema_version names no revision "
			"(made by create-all?); if they match the migrations' head, run '%s db stamp head'\n", what, cli_prog);
	return got > 0;
}

static int unknown_revision(const char *target)
{
	cli_error("unknown revision '%s'\n", target);
	return CLI_USAGE;
}

static int db_upgrade(const struct config *cfg, struct db *db, const char *target)
{
	struct state s;
	if (state_load(cfg, db, &s) != CLI_OK)
		return CLI_FAILED;
	int rc = CLI_FAILED;
	size_t n = s.l.n;
	char err[2048], cur[1024];
	bool *want = s.target;
	memcpy(want, s.applied, n * sizeof *want);
	long step = target[0] == '+' ? relative(target) : 0;
	int head = -1;
	if (!strcmp(target, "head") || step > 0) {
		if (single_head(&s, "db upgrade", &head) < 0)
			goto out;
	}
	current_names(&s, cur, sizeof cur);
	if (!strcmp(target, "head")) {
		if (head >= 0)
			cli_migrations_mark_ancestors(&s.l, head, want);
	} else if (step > 0) {
		for (size_t k = 0; k < n && step; k++)
			if (!want[k]) {
				want[k] = true;
				step--;
			}
		if (step) {
			rc = unknown_revision(target);
			goto out;
		}
	} else {
		int i = strcmp(target, "base") ? cli_migrations_find(&s.l, target) : -1;
		if (i < 0 && strcmp(target, "base")) {
			rc = unknown_revision(target);
			goto out;
		}
		if (i >= 0)
			cli_migrations_mark_ancestors(&s.l, i, want);
		/* Nothing to apply, yet something applied follows target: it
		 * is below. */
		bool news = false, below = false;
		for (size_t k = 0; k < n; k++) {
			news |= want[k] && !s.applied[k];
			below |= i < 0 && s.applied[k];
			for (size_t p = 0; i >= 0 && s.applied[k] && p < s.l.v[k].nparents; p++)
				below |= s.l.v[k].parents[p] == i;
		}
		if (!news && below) {
			cli_error("revision %s is below the current %s; use db downgrade\n", target, cur);
			goto out;
		}
	}
	bool at_base = true, todo = false;
	for (size_t k = 0; k < n; k++) {
		at_base &= !s.applied[k];
		todo |= want[k] && !s.applied[k];
	}
	if (at_base && todo && created_without_migrations(db, "db upgrade"))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!want[i] || s.applied[i])
			continue;
		const struct migration *m = &s.l.v[i];
		char from[1024];
		cli_migrations_join(&s.l, m->parents, m->nparents, from, sizeof from);
		printf("Running upgrade %s -> %s, %s\n", from, m->rev, m->message);
		fflush(stdout);
		if (cli_sql_run_file(db, m->up_path, err, sizeof err) < 0) {
			current_names(&s, cur, sizeof cur);
			cli_error("upgrade to %s failed: %s; schema_version stays at %s\n", m->rev, err,
				cur);
			goto out;
		}
		s.applied[i] = true;
		if (state_save(db, &s) < 0)
			goto out;
	}
	rc = CLI_OK;
out:
	state_free(&s);
	return rc;
}

static int db_downgrade(const struct config *cfg, struct db *db, const char *target)
{
	struct state s;
	if (state_load(cfg, db, &s) != CLI_OK)
		return CLI_FAILED;
	int rc = CLI_FAILED;
	size_t n = s.l.n;
	char err[2048], cur[1024];
	bool *keep = s.target;
	current_names(&s, cur, sizeof cur);
	long step = relative(target);
	if (step > 0 && target[0] == '-') {
		/* Undo the applied revisions latest in link order first: each is
		 * one no applied revision follows. */
		memcpy(keep, s.applied, n * sizeof *keep);
		for (size_t k = n; k-- > 0 && step;)
			if (keep[k]) {
				keep[k] = false;
				step--;
			}
		if (step) {
			rc = unknown_revision(target);
			goto out;
		}
	} else if (strcmp(target, "base")) {
		int i;
		if (!strcmp(target, "head")) {
			if (single_head(&s, "db downgrade", &i) < 0)
				goto out;
		} else {
			i = step ? -1 : cli_migrations_find(&s.l, target);
			if (i < 0) {
				rc = unknown_revision(target);
				goto out;
			}
		}
		if (i >= 0 && !s.applied[i]) {
			cli_error("revision %s is above the current %s; use db upgrade\n", target, cur);
			goto out;
		}
		if (i >= 0)
			cli_migrations_mark_ancestors(&s.l, i, keep);
	}
	for (size_t i = n; i-- > 0;) {
		if (!s.applied[i] || keep[i])
			continue;
		const struct migration *m = &s.l.v[i];
		char to[1024];
		cli_migrations_join(&s.l, m->parents, m->nparents, to, sizeof to);
		printf("Running downgrade %s -> %s, %s\n", m->rev, to, m->message);
		fflush(stdout);
		current_names(&s, cur, sizeof cur);
		if (!m->down_path) {
			cli_error("revision %s has no .down.sql file; schema_version stays at %s\n",
				m->rev, cur);
			goto out;
		}
		if (cli_sql_run_file(db, m->down_path, err, sizeof err) < 0) {
			cli_error("downgrade of %s failed: %s; schema_version stays at %s\n", m->rev,
				err, cur);
			goto out;
		}
		s.applied[i] = false;
		if (state_save(db, &s) < 0)
			goto out;
	}
	rc = CLI_OK;
out:
	state_free(&s);
	return rc;
}

/* True when i is a head of the migrations (no revision follows it). */
static bool is_head(const struct migration_list *l, int i)
{
	for (size_t k = 0; k < l->n; k++)
		for (size_t p = 0; p < l->v[k].nparents; p++)
			if (l->v[k].parents[p] == i)
				return false;
	return true;
}

static int children(const struct migration_list *l, int i)
{
	int c = 0;
	for (size_t k = 0; k < l->n; k++)
		for (size_t p = 0; p < l->v[k].nparents; p++)
			c += l->v[k].parents[p] == i;
	return c;
}

static int db_current(const struct config *cfg, struct db *db)
{
	struct state s;
	if (state_load(cfg, db, &s) != CLI_OK)
		return CLI_FAILED;
	size_t n = applied_heads(&s, s.scratch);
	if (!n)
		printf("base\n");
	for (size_t k = 0; k < n; k++)
		printf("%s%s\n", s.l.v[s.scratch[k]].rev, is_head(&s.l, s.scratch[k]) ? " (head)" : "");
	state_free(&s);
	return CLI_OK;
}

/* Newest first, each revision with its parents: "P -> R (tags), message";
 * a merge shows its parents "P, Q -> M (mergepoint)". */
static int db_history(const struct config *cfg, struct db *db)
{
	struct state s;
	if (state_load(cfg, NULL, &s) != CLI_OK)
		return CLI_FAILED;
	/* The history shows even when the database names a revision the
	 * files do not have (db current says so). */
	struct version_rows rows = {0};
	size_t ncur = 0;
	if (db && cli_schema_version_get(db, &rows) == 0)
		for (size_t k = 0; k < rows.n; k++) {
			int i = cli_migrations_find(&s.l, rows.rev[k]);
			if (i >= 0)
				s.scratch[ncur++] = i;
		}
	for (size_t k = s.l.n; k-- > 0;) {
		const struct migration *m = &s.l.v[k];
		char from[1024];
		if (m->nparents)
			cli_migrations_join(&s.l, m->parents, m->nparents, from, sizeof from);
		else
			snprintf(from, sizeof from, "<base>");
		bool current = false;
		for (size_t c = 0; c < ncur; c++)
			current |= s.scratch[c] == (int)k;
		printf("%s -> %s%s%s%s%s, %s\n", from, m->rev, is_head(&s.l, (int)k) ? " (head)" : "",
		       current ? " (current)" : "", m->nparents > 1 ? " (mergepoint)" : "",
		       children(&s.l, (int)k) > 1 ? " (branchpoint)" : "", m->message);
	}
	state_free(&s);
	return CLI_OK;
}

/* `db heads`: every revision no other follows, with its file. */
static int db_heads(const struct config *cfg)
{
	struct state s;
	if (state_load(cfg, NULL, &s) != CLI_OK)
		return CLI_FAILED;
	size_t n = cli_migrations_heads(&s.l, s.scratch);
	for (size_t k = 0; k < n; k++) {
		const struct migration *m = &s.l.v[s.scratch[k]];
		printf("%s (head), %s (%s)\n", m->rev, m->message, m->file);
	}
	state_free(&s);
	return CLI_OK;
}

/* `db merge -m MSG`: an empty migration whose parents are the heads. */
static int db_merge(const struct config *cfg, const char *message)
{
	struct state s;
	if (state_load(cfg, NULL, &s) != CLI_OK)
		return CLI_FAILED;
	int rc = CLI_FAILED;
	size_t n = cli_migrations_heads(&s.l, s.scratch);
	char names[1024], err[1024], rev[MIGRATION_REV_MAX + 1];
	cli_migrations_join(&s.l, s.scratch, n, names, sizeof names);
	if (n < 2) {
		cli_error("db merge: nothing to merge, the migrations have one head (%s)\n", names);
		goto out;
	}
	if (n > MIGRATION_HEADS_MAX) {
		cli_error("db merge: more than %d heads\n", MIGRATION_HEADS_MAX);
		goto out;
	}
	const char *parents[MIGRATION_HEADS_MAX];
	for (size_t k = 0; k < n; k++)
		parents[k] = s.l.v[s.scratch[k]].rev;
	char note[1200];
	snprintf(note, sizeof note, "-- Merges %s: no schema change of its own.\n", names);
	struct migration_new m = {
		.message = message, .parents = parents, .nparents = n,
		.order = cli_migrations_next_order(&s.l), .up_note = note, .down_note = note,
		.up = "", .down = "",
	};
	char *up_path, *down_path;
	if (cli_migration_write(cfg->migrations_dir, &m, rev, &up_path, &down_path, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		goto out;
	}
	printf("Generating %s ... done (merges %s)\nGenerating %s ... done\n", up_path, names, down_path);
	free(up_path);
	free(down_path);
	rc = CLI_OK;
out:
	state_free(&s);
	return rc;
}

static int db_stamp(const struct config *cfg, struct db *db, const char *target)
{
	struct state s;
	if (state_load(cfg, NULL, &s) != CLI_OK)
		return CLI_FAILED;
	int i = -1, rc = CLI_FAILED;
	struct version_rows rows = {0};
	if (!strcmp(target, "head")) {
		if (single_head(&s, "db stamp", &i) < 0)
			goto out;
	} else if (strcmp(target, "base")) {
		i = cli_migrations_find(&s.l, target);
		if (i < 0) {
			rc = unknown_revision(target);
			goto out;
		}
	}
	if (i >= 0)
		snprintf(rows.rev[rows.n++], sizeof rows.rev[0], "%s", s.l.v[i].rev);
	if (cli_schema_version_set(db, &rows) < 0) {
		cli_error("%s\n", db->err);
		goto out;
	}
	printf("Stamped %s\n", i >= 0 ? s.l.v[i].rev : "base");
	rc = CLI_OK;
out:
	state_free(&s);
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
		    "Writes NNNN_REV_slug.up.sql and .down.sql (REV: 12 random hex digits, the\n"
		    "parent in its header) from the difference between the models compiled in\n"
		    "and the live schema, or says \"No changes in schema detected\". A drop\n"
		    "(or the shape of a rename) is warned about on stderr and in both files.\n"},
	{.name = "upgrade", .usage = "db upgrade [REV|head|+N]", .help = "apply migrations up to REV (default: head)",
	 .details = "REV is a revision (0003, 1a2b3c4d5e6f), head (the only head; several\n"
		    "heads are refused: merge them first), or +N (N steps up).\n"},
	{.name = "downgrade", .usage = "db downgrade [REV|base|-N]", .help = "undo migrations down to REV (default: -1)",
	 .details = "REV is a revision (0002), base (nothing applied), or -N (N steps down).\n"},
	{.name = "current", .usage = "db current", .help = "print the revision(s) the database is at"},
	{.name = "history", .usage = "db history", .help = "list the migrations as a graph, newest first"},
	{.name = "heads", .usage = "db heads", .help = "list the heads (revisions nothing revises)",
	 .details = "More than one head: two branches of migrations; `db merge -m MSG` joins them.\n"},
	{.name = "merge", .usage = "db merge -m MSG", .help = "write an empty migration whose parents are the heads",
	 .details = "options:\n"
		    "  -m, --message MSG  what the merge is (its file name is made from it)\n"},
	{.name = "stamp", .usage = "db stamp REV|head|base", .help = "set the revision without running anything"},
	{0},
};

static int db_main(struct config *cfg, int argc, char **argv)
{
	if (argc < 1) {
		cli_error("db needs a subcommand (%s help db lists them)\n", cli_prog);
		return CLI_USAGE;
	}
	const char *sub = argv[0];
	bool known = false;
	for (const struct cli_command *c = db_subs; c->name; c++)
		known |= !strcmp(sub, c->name);
	if (!known) {
		cli_error("unknown db subcommand '%s' (%s help db lists them)\n", sub, cli_prog);
		return CLI_USAGE;
	}
	const char *arg = argc > 1 ? argv[1] : NULL;
	const char *message = NULL;
	if (!strcmp(sub, "migrate") || !strcmp(sub, "merge")) {
		for (int i = 1; i < argc; i++) {
			if ((!strcmp(argv[i], "-m") || !strcmp(argv[i], "--message")) && i + 1 < argc)
				message = argv[++i];
			else {
				cli_error("db %s: unknown argument %s\n", sub, argv[i]);
				return CLI_USAGE;
			}
		}
		if (!message) {
			cli_error("db %s needs -m MESSAGE\n", sub);
			return CLI_USAGE;
		}
	} else if (argc > 2 || (argc == 2 && (!strcmp(sub, "init") || !strcmp(sub, "current") ||
					      !strcmp(sub, "history") || !strcmp(sub, "heads")))) {
		cli_error("db %s: too many arguments\n", sub);
		return CLI_USAGE;
	}
	if (!strcmp(sub, "stamp") && !arg) {
		cli_error("db stamp needs a revision\n");
		return CLI_USAGE;
	}
	/* heads and merge read the files only: no database needed. */
	if (!strcmp(sub, "heads"))
		return db_heads(cfg);
	if (!strcmp(sub, "merge"))
		return db_merge(cfg, message);
	struct db *db = cli_connect(cfg, false);
	if (!db)
		return CLI_FAILED;
	int rc;
	if (!strcmp(sub, "init"))
		rc = db_init(cfg, db);
	else if (!strcmp(sub, "migrate"))
		rc = cli_db_migrate(cfg, db, message);
	else if (!strcmp(sub, "upgrade"))
		rc = db_upgrade(cfg, db, arg ? arg : "head");
	else if (!strcmp(sub, "downgrade"))
		rc = db_downgrade(cfg, db, arg ? arg : "-1");
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
