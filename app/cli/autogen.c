/* autogen.c — `flacon db migrate -m MSG`: the models compiled in (and the
 * framework's tables: session, login_failure, deferred_ledger, counter) are created in a scratch database
 * `<db>_autogen`, both schemas are read back from information_schema, and
 * their difference becomes the next revision, NNNN_<rev>_slug.up.sql /
 * .down.sql, following the head. Reading both sides through the server
 * means types, defaults and collations are compared as MariaDB itself
 * spells them. What a migration would drop, values and all, is said on
 * stderr and at the top of its files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/migrate.h"
#include "cli/schema.h"
#include "db/db.h"
#include "orm/orm.h"
#include "web/web.h"

int cli_db_migrate(const struct config *cfg, struct db *db, const char *message);

/* Create every table the application declares in the connected database. */
int cli_create_schema(struct db *db, char *err, size_t errlen)
{
	char merr[256];
	if (cli_models_init(merr, sizeof merr) < 0) {
		snprintf(err, errlen, "models: %s", merr);
		return -1;
	}
	if ((cli_app->registry && orm_create_all(db, cli_app->registry) < 0) || web_session_create_table(db) < 0 ||
	    web_login_failure_create_table(db) < 0 || orm_deferred_create_table(db) < 0 ||
	    orm_counter_create_table(db) < 0) {
		snprintf(err, errlen, "%s", db->err);
		return -1;
	}
	return 0;
}

static int select_db(struct db *db, const char *name)
{
	if (mysql_select_db(db->conn, name)) {
		db_note_error(db, mysql_errno(db->conn), mysql_error(db->conn));
		return -1;
	}
	return 0;
}

int cli_model_tables_present(struct db *db, char *err, size_t errlen)
{
	char merr[256];
	if (cli_models_init(merr, sizeof merr) < 0) {
		snprintf(err, errlen, "models: %s", merr);
		return -1;
	}
	MYSQL_STMT *st = db_prepare(db, "SELECT COUNT(*) FROM information_schema.TABLES "
					"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?");
	if (!st) {
		snprintf(err, errlen, "%s", db->err);
		return -1;
	}
	size_t present = 0, nmodels = cli_app->registry ? cli_app->registry->nmodels : 0;
	for (size_t i = 0; i < nmodels; i++) {
		const struct orm_model *m = cli_app->registry->models[i];
		const char *name = m->table ? m->table : m->name;
		unsigned long len = strlen(name);
		long long count = 0;
		MYSQL_BIND in = {0}, out = {0};
		in.buffer_type = MYSQL_TYPE_STRING;
		in.buffer = (void *)name;
		in.buffer_length = len;
		in.length = &len;
		out.buffer_type = MYSQL_TYPE_LONGLONG;
		out.buffer = &count;
		if (mysql_stmt_bind_param(st, &in) || db_stmt_execute(db, st) < 0 ||
		    mysql_stmt_bind_result(st, &out) || mysql_stmt_fetch(st) != 0) {
			if (!db->err[0])
				db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
			snprintf(err, errlen, "%s", db->err);
			mysql_stmt_free_result(st);
			mysql_stmt_reset(st);
			return -1;
		}
		mysql_stmt_free_result(st);
		mysql_stmt_reset(st);
		present += count > 0;
	}
	return nmodels && present == nmodels;
}

/* The comments for the top of the two files and the warnings on stderr
 * about what the migration drops. up_note/down_note stay empty when
 * nothing is lost; returns how many things the up migration loses. */
static size_t describe_losses(const struct schema_losses *lost, struct buf *up_note,
			      struct buf *down_note, struct buf *warn)
{
	size_t nup = 0, ndown = 0;
	for (size_t i = 0; i < lost->n; i++)
		lost->v[i].down ? ndown++ : nup++;
	if (nup) {
		buf_printf(up_note, "-- WARNING: this migration loses data; review it before '%s db upgrade'.\n", cli_prog);
		buf_printf(down_note, "-- WARNING: this down migration cannot restore the data its up migration drops:\n");
	}
	for (size_t i = 0; i < lost->n; i++) {
		const struct schema_loss *x = &lost->v[i];
		if (x->down)
			continue;
		if (!x->column) {
			buf_printf(up_note, "--   table `%s` is dropped with all its rows. If it was renamed, replace\n"
					    "--   the DROP TABLE and CREATE TABLE by RENAME TABLE `%s` TO `new_name`\n"
					    "--   (and the reverse in the .down.sql file).\n", x->table, x->table);
			buf_printf(down_note, "--   table `%s` comes back empty, its rows are not restored.\n", x->table);
			buf_printf(warn, "%s: warning: table `%s` is dropped with all its rows\n", cli_prog, x->table);
			continue;
		}
		buf_printf(up_note, "--   column `%s`.`%s` (%s) is dropped with its values.\n", x->table, x->column,
			   x->type);
		buf_printf(down_note, "--   column `%s`.`%s` comes back with its default, not its values.\n",
			   x->table, x->column);
		if (x->renamed_to) {
			buf_printf(up_note,
				   "--   `%s`.`%s` of the same type is added: if this is a rename, replace\n"
				   "--   its ADD COLUMN and the DROP COLUMN of `%s` by\n"
				   "--     ALTER TABLE `%s` RENAME COLUMN `%s` TO `%s`;\n"
				   "--   and in the .down.sql file the two reverse statements by\n"
				   "--     ALTER TABLE `%s` RENAME COLUMN `%s` TO `%s`;\n",
				   x->table, x->renamed_to, x->column, x->table, x->column, x->renamed_to, x->table,
				   x->renamed_to, x->column);
			buf_printf(down_note,
				   "--   If `%s` was renamed to `%s`, use ALTER TABLE `%s` RENAME COLUMN `%s` TO `%s`\n"
				   "--   here instead (see the .up.sql file).\n",
				   x->column, x->renamed_to, x->table, x->renamed_to, x->column);
			buf_printf(warn,
				   "%s: warning: column `%s`.`%s` is dropped with its values while `%s` of the same type is added; "
				   "if it is a rename, edit both files to ALTER TABLE `%s` RENAME COLUMN `%s` TO `%s`\n",
				   cli_prog, x->table, x->column, x->renamed_to, x->table, x->column, x->renamed_to);
		} else {
			buf_printf(warn, "%s: warning: column `%s`.`%s` is dropped with its values\n", cli_prog, x->table,
				   x->column);
		}
	}
	if (nup)
		buf_printf(up_note, "--   To keep values, copy them first by hand (a data migration before the DROP).\n");
	if (ndown) {
		buf_printf(down_note, "-- This down migration drops what the up migration adds, values and all:\n");
		for (size_t i = 0; i < lost->n; i++)
			if (lost->v[i].down) {
				if (lost->v[i].column)
					buf_printf(down_note, "--   column `%s`.`%s`\n", lost->v[i].table,
						   lost->v[i].column);
				else
					buf_printf(down_note, "--   table `%s`\n", lost->v[i].table);
			}
	}
	return nup;
}

/* Like Alembic: one head, and the database at it, before a new revision.
 * The head's index into *head (-1 when there is no revision: base). 0, or
 * -1 when not, said on stderr. */
static int check_at_head(struct db *db, const struct migration_list *l, int *head)
{
	int *heads = malloc((l->n + 1) * sizeof *heads);
	if (!heads) {
		cli_error("out of memory\n");
		return -1;
	}
	int rc = -1;
	size_t nheads = cli_migrations_heads(l, heads);
	char names[1024], err[1024];
	cli_migrations_join(l, heads, nheads, names, sizeof names);
	if (nheads > 1) {
		cli_error("the migrations have %zu heads (%s); run '%s db merge -m MSG' first\n",
			nheads, names, cli_prog);
		goto out;
	}
	struct version_rows cur;
	if (cli_schema_version_get(db, &cur) < 0) {
		cli_error("%s\n", db->err);
		goto out;
	}
	bool at_head = nheads == 0 ? cur.n == 0
				   : cur.n == 1 && cli_migrations_find(l, cur.rev[0]) == heads[0];
	if (!at_head) {
		int made = cur.n == 0 ? cli_model_tables_present(db, err, sizeof err) : 0;
		if (made < 0)
			cli_error("%s\n", err);
		else if (made)
			cli_error("db migrate: the database has the models' tables but schema_version names no revision "
				"(made by create-all?); if they match the migrations' head, run '%s db stamp head'\n", cli_prog);
		else
			cli_error("the database is at %s, not at head %s; run '%s db upgrade' first\n",
				cur.n ? cur.rev[0] : "base", names, cli_prog);
		goto out;
	}
	*head = nheads ? heads[0] : -1;
	rc = 0;
out:
	free(heads);
	return rc;
}

/* The two schemas to compare: want, the models' tables created in the
 * (new, empty) scratch database and read back, and have, the live
 * database's; the connection is left on live. *scratch_made is set once
 * the scratch database may exist (the caller drops it). 0, or -1 said on
 * stderr. */
static int read_schemas(struct db *db, const char *live, const char *scratch, struct schema *want,
			struct schema *have, bool *scratch_made)
{
	char sql[512], err[1024];
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS `%s`", scratch);
	if (db_exec(db, sql) < 0)
		goto dberr;
	*scratch_made = true;
	snprintf(sql, sizeof sql,
		 "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", scratch);
	if (db_exec(db, sql) < 0)
		goto dberr;
	/* The models' DDL runs in the scratch database (its CREATE TABLEs name
	 * no database); the schema reader names the database it reads. */
	if (select_db(db, scratch) < 0)
		goto dberr;
	if (cli_create_schema(db, err, sizeof err) < 0) {
		cli_error("creating the models' tables failed: %s\n", err);
		return -1;
	}
	if (cli_schema_from_db(db, scratch, want, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		return -1;
	}
	if (select_db(db, live) < 0)
		goto dberr;
	if (cli_schema_from_db(db, live, have, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		return -1;
	}
	return 0;
dberr:
	cli_error("%s\n", db->err);
	return -1;
}

/* Write the revision after head (-1: base) holding up and down, its
 * changes counted, and say so on stdout; what it loses is said at the top
 * of its files and on stderr. CLI_OK or CLI_FAILED (said on stderr). */
static int write_revision(const struct config *cfg, const struct migration_list *l, int head,
			  const char *message, const struct buf *up, const struct buf *down, int changes,
			  const struct schema_losses *lost)
{
	char err[1024];
	struct buf up_note = BUF_INIT, down_note = BUF_INIT, warn = BUF_INIT;
	int rc = CLI_FAILED;
	size_t nlost = describe_losses(lost, &up_note, &down_note, &warn);
	const char *parent = head >= 0 ? l->v[head].rev : NULL;
	struct migration_new m = {
		.message = message, .parents = &parent, .nparents = head >= 0 ? 1 : 0,
		.order = cli_migrations_next_order(l),
		.up_note = up_note.n ? up_note.p : NULL, .down_note = down_note.n ? down_note.p : NULL,
		.up = up->p ? up->p : "", .down = down->p ? down->p : "",
	};
	char rev[MIGRATION_REV_MAX + 1], *up_path, *down_path;
	if (cli_migration_write(cfg->migrations_dir, &m, rev, &up_path, &down_path, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		goto out;
	}
	printf("Generating %s ... done (%d change%s)\nGenerating %s ... done\n", up_path, changes,
	       changes == 1 ? "" : "s", down_path);
	fflush(stdout);
	if (nlost)
		fprintf(stderr, "%s%s: warning: revision %s loses data (%zu drop%s): review %s before '%s db upgrade'; "
			"'%s db downgrade' cannot bring the values back\n",
			warn.p ? warn.p : "", cli_prog, rev, nlost, nlost == 1 ? "" : "s", up_path, cli_prog,
			cli_prog);
	free(up_path);
	free(down_path);
	rc = CLI_OK;
out:
	buf_free(&up_note);
	buf_free(&down_note);
	buf_free(&warn);
	return rc;
}

int cli_db_migrate(const struct config *cfg, struct db *db, const char *message)
{
	char err[1024];
	const char *live = db->url.dbname;
	char scratch[200];
	snprintf(scratch, sizeof scratch, "%s_autogen", live);
	if (strchr(live, '`')) {
		cli_error("database name %s cannot be quoted\n", live);
		return CLI_FAILED;
	}
	struct migration_list l;
	if (cli_migrations_scan(cfg->migrations_dir, &l, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		return CLI_FAILED;
	}
	struct schema want = {0}, have = {0};
	struct schema_losses lost = {0};
	struct buf up = BUF_INIT, down = BUF_INIT;
	int rc = CLI_FAILED, head = -1, changes = 0;
	bool scratch_made = false;
	if (check_at_head(db, &l, &head) < 0 ||
	    read_schemas(db, live, scratch, &want, &have, &scratch_made) < 0)
		goto out;
	if (cli_schema_diff(&want, &have, &up, &down, &changes, &lost, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		goto out;
	}
	if (!changes) {
		printf("No changes in schema detected.\n");
		rc = CLI_OK;
		goto out;
	}
	rc = write_revision(cfg, &l, head, message, &up, &down, changes, &lost);
out:
	if (db->conn && scratch_made) {
		char sql[512];
		snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS `%s`", scratch);
		db_exec(db, sql);
		select_db(db, live);
	}
	cli_migrations_free(&l);
	cli_schema_free(&want);
	cli_schema_free(&have);
	cli_schema_losses_free(&lost);
	buf_free(&up);
	buf_free(&down);
	return rc;
}
