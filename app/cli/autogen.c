/* autogen.c — `flacon db migrate -m MSG`: the models compiled in (and the
 * framework's session table) are created in a scratch database
 * `<db>_autogen`, both schemas are read back from information_schema, and
 * their difference becomes the next NNNN_slug.up.sql / .down.sql. Reading
 * both sides through the server means types, defaults and collations are
 * compared as MariaDB itself spells them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/migrate.h"
#include "cli/schema.h"
#include "db/db.h"
#include "orm/orm.h"
#include "site/models.h"
#include "web/web.h"

int cli_db_migrate(const struct config *cfg, struct db *db, const char *message);

/* Create every table the application declares in the connected database. */
int cli_create_schema(struct db *db, char *err, size_t errlen)
{
	char merr[256];
	if (site_models_init(merr, sizeof merr) < 0) {
		snprintf(err, errlen, "models: %s", merr);
		return -1;
	}
	if (orm_create_all(db, &site_registry) < 0 || web_session_create_table(db) < 0 ||
	    web_login_failure_create_table(db) < 0) {
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

int cli_db_migrate(const struct config *cfg, struct db *db, const char *message)
{
	char err[1024];
	const char *live = db->url.dbname;
	char scratch[200];
	snprintf(scratch, sizeof scratch, "%s_autogen", live);
	if (strchr(live, '`')) {
		fprintf(stderr, "flacon: database name %s cannot be quoted\n", live);
		return CLI_FAILED;
	}
	struct migration_list l;
	if (migrations_scan(cfg->migrations_dir, &l, err, sizeof err) < 0) {
		fprintf(stderr, "flacon: %s\n", err);
		return CLI_FAILED;
	}
	/* Like Alembic: the database must be at head before a new revision. */
	char rev[64];
	if (schema_version_get(db, rev, sizeof rev) < 0) {
		fprintf(stderr, "flacon: %s\n", db->err);
		migrations_free(&l);
		return CLI_FAILED;
	}
	char head[sizeof l.v[0].rev];
	snprintf(head, sizeof head, "%s", l.n ? l.v[l.n - 1].rev : "");
	bool at_head = !strcmp(rev, head) || (l.n && migrations_find(&l, rev) == (int)l.n - 1);
	migrations_free(&l);
	if (!at_head) {
		fprintf(stderr, "flacon: the database is at %s, not at head %s; run 'flacon db upgrade' first\n",
			*rev ? rev : "base", *head ? head : "base");
		return CLI_FAILED;
	}

	struct schema want = {0}, have = {0};
	struct buf up = BUF_INIT, down = BUF_INIT;
	int rc = CLI_FAILED;
	char sql[512];
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS `%s`", scratch);
	if (db_exec(db, sql) < 0)
		goto dberr;
	snprintf(sql, sizeof sql,
		 "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", scratch);
	if (db_exec(db, sql) < 0)
		goto dberr;
	/* The models' DDL runs in the scratch database (its CREATE TABLEs name
	 * no database); the schema reader names the database it reads. */
	if (select_db(db, scratch) < 0)
		goto dberr;
	if (cli_create_schema(db, err, sizeof err) < 0) {
		fprintf(stderr, "flacon: creating the models' tables failed: %s\n", err);
		goto drop;
	}
	if (schema_from_db(db, scratch, &want, err, sizeof err) < 0) {
		fprintf(stderr, "flacon: %s\n", err);
		goto drop;
	}
	if (select_db(db, live) < 0)
		goto dberr;
	if (schema_from_db(db, live, &have, err, sizeof err) < 0) {
		fprintf(stderr, "flacon: %s\n", err);
		goto drop;
	}
	int changes = 0;
	if (schema_diff(&want, &have, &up, &down, &changes, err, sizeof err) < 0) {
		fprintf(stderr, "flacon: %s\n", err);
		goto drop;
	}
	if (!changes) {
		printf("No changes in schema detected.\n");
		rc = CLI_OK;
		goto drop;
	}
	char *up_path, *down_path;
	if (migration_write(cfg->migrations_dir, message, up.p, down.p, &up_path, &down_path, err,
			    sizeof err) < 0) {
		fprintf(stderr, "flacon: %s\n", err);
		goto drop;
	}
	printf("Generating %s ... done (%d change%s)\nGenerating %s ... done\n", up_path, changes,
	       changes == 1 ? "" : "s", down_path);
	free(up_path);
	free(down_path);
	rc = CLI_OK;
	goto drop;
dberr:
	fprintf(stderr, "flacon: %s\n", db->err);
drop:
	if (db->conn) {
		snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS `%s`", scratch);
		db_exec(db, sql);
		select_db(db, live);
	}
	schema_free(&want);
	schema_free(&have);
	buf_free(&up);
	buf_free(&down);
	return rc;
}
