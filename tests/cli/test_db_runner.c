/* cli suite: `flacon db upgrade | downgrade | current | history | stamp`
 * on hand-written migrations, against the real MariaDB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "test.h"

static void three_migrations(void)
{
	cli_fresh();
	cli_write_migration("0001_create_a.up.sql", "-- Message: create a\nCREATE TABLE a (id INT PRIMARY KEY);\n");
	cli_write_migration("0001_create_a.down.sql", "DROP TABLE a;\n");
	cli_write_migration("0002_create_b.up.sql",
			    "-- Message: create b\nCREATE TABLE b (id INT PRIMARY KEY, s VARCHAR(10) DEFAULT 'x;y');\n"
			    "INSERT INTO b VALUES (1, 'semi;colon');\n");
	cli_write_migration("0002_create_b.down.sql", "DROP TABLE b;\n");
	cli_write_migration("0003_add_c.up.sql", "-- Message: add column c\nALTER TABLE b ADD COLUMN c INT;\n");
	cli_write_migration("0003_add_c.down.sql", "ALTER TABLE b DROP COLUMN c;\n");
}

static int table_exists(const char *t)
{
	char out[64];
	cli_sql(out, sizeof out,
		"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s'", t);
	return out[0] == '1';
}

TEST(test_db_init_creates_dir_and_version_table)
{
	struct run_result r;
	cli_fresh();
	CHECK_INT(cli_run(&r, "db init"), 0);
	CHECK(table_exists("schema_version"));
	CHECK_INT(cli_run(&r, "db current"), 0);
	CHECK(!strncmp(r.out, "base", 4));
}

TEST(test_db_upgrade_to_head_then_current_is_head)
{
	struct run_result r;
	three_migrations();
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK(table_exists("a") && table_exists("b"));
	char out[64];
	cli_sql(out, sizeof out, "SELECT s FROM b WHERE id = 1");
	CHECK_STR(out, "semi;colon");
	CHECK_INT(cli_run(&r, "db current"), 0);
	CHECK(strstr(r.out, "0003") && strstr(r.out, "(head)"));
	cli_sql(out, sizeof out, "SELECT version_num FROM schema_version");
	CHECK_STR(out, "0003");
	/* Upgrading again is a no-op. */
	CHECK_INT(cli_run(&r, "db upgrade head"), 0);
}

TEST(test_db_upgrade_to_a_revision_and_downgrade_step_by_step)
{
	struct run_result r;
	char out[64];
	three_migrations();
	CHECK_INT(cli_run(&r, "db upgrade 0002"), 0);
	cli_sql(out, sizeof out, "SELECT version_num FROM schema_version");
	CHECK_STR(out, "0002");
	CHECK_INT(cli_run(&r, "db downgrade"), 0);
	cli_sql(out, sizeof out, "SELECT version_num FROM schema_version");
	CHECK_STR(out, "0001");
	CHECK(!table_exists("b"));
	CHECK_INT(cli_run(&r, "db downgrade base"), 0);
	CHECK(!table_exists("a"));
	CHECK_INT(cli_run(&r, "db current"), 0);
	CHECK(!strncmp(r.out, "base", 4));
	CHECK_INT(cli_run(&r, "db upgrade head"), 0);
	CHECK(table_exists("a") && table_exists("b"));
	CHECK_INT(cli_run(&r, "db downgrade -2"), 0);
	cli_sql(out, sizeof out, "SELECT version_num FROM schema_version");
	CHECK_STR(out, "0001");
}

TEST(test_db_history_lists_revisions_newest_first)
{
	struct run_result r;
	three_migrations();
	cli_run(&r, "db upgrade 0002");
	CHECK_INT(cli_run(&r, "db history"), 0);
	const char *p3 = strstr(r.out, "0002 -> 0003 (head), add column c");
	const char *p2 = strstr(r.out, "0001 -> 0002 (current), create b");
	const char *p1 = strstr(r.out, "<base> -> 0001, create a");
	CHECK(p1 && p2 && p3 && p3 < p2 && p2 < p1);
}

TEST(test_db_stamp_sets_version_without_running)
{
	struct run_result r;
	char out[64];
	three_migrations();
	CHECK_INT(cli_run(&r, "db stamp 0002"), 0);
	cli_sql(out, sizeof out, "SELECT version_num FROM schema_version");
	CHECK_STR(out, "0002");
	CHECK(!table_exists("a"));
	CHECK_INT(cli_run(&r, "db stamp base"), 0);
	CHECK_INT(cli_run(&r, "db current"), 0);
	CHECK(!strncmp(r.out, "base", 4));
	CHECK_INT(cli_run(&r, "db stamp 0042"), 2);
}

TEST(test_failing_migration_stops_with_message_and_true_version)
{
	struct run_result r;
	char out[64];
	three_migrations();
	cli_write_migration("0004_broken.up.sql",
			    "-- Message: broken\nALTER TABLE b ADD COLUMN d INT;\nALTER TABLE nope ADD COLUMN e INT;\n");
	cli_write_migration("0004_broken.down.sql", "ALTER TABLE b DROP COLUMN d;\n");
	CHECK_INT(cli_run(&r, "db upgrade"), 1);
	CHECK(strstr(r.err, "0004") && strstr(r.err, "statement 2") && strstr(r.err, "nope"));
	CHECK(strstr(r.err, "stays at 0003") != NULL);
	/* One line on stderr. */
	CHECK(strchr(r.err, '\n') == r.err + strlen(r.err) - 1);
	cli_sql(out, sizeof out, "SELECT version_num FROM schema_version");
	CHECK_STR(out, "0003");
}

TEST(test_db_usage_errors_exit_2)
{
	struct run_result r;
	cli_fresh();
	CHECK_INT(cli_run(&r, "db"), 2);
	CHECK_INT(cli_run(&r, "db frobnicate"), 2);
	CHECK_INT(cli_run(&r, "db stamp"), 2);
	CHECK_INT(cli_run(&r, "db migrate"), 2);
	CHECK_INT(cli_run(&r, "no-such-command"), 2);
	CHECK(strstr(r.err, "unknown command") != NULL);
	CHECK_INT(cli_run(&r, "db upgrade 0099"), 2);
}

TEST(test_db_unreachable_database_exits_1_with_one_line)
{
	struct run_result r;
	cli_fresh();
	CHECK_INT(cli_run(&r, "--config /dev/null db current 2>&1 >/dev/null; FLACON_DATABASE_URL='mariadb://x@localhost/flacon_cli?socket=/nonexistent.sock' %s db current",
			  getenv("FLACON_BIN") ? getenv("FLACON_BIN") : "build/flacon"), 1);
	CHECK(strstr(r.err, "cannot connect") != NULL);
}
