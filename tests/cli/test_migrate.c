/* cli suite: `flacon db migrate` against the real MariaDB — the committed
 * migrations build exactly the models' schema, and a schema changed by hand
 * is brought back by the generated migration (and its down file undoes it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "test.h"

/* The repository's migrations copied into the test's migrations dir, and
 * the database upgraded to head. */
static void at_head(void)
{
	cli_fresh();
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cp sql/migrations/*.sql '%s'/", cli_migrations_dir());
	CHECK_INT(system(cmd), 0);
	struct run_result r;
	CHECK_INT(cli_run(&r, "db upgrade head"), 0);
}

static int count_sql(const char *fmt, const char *arg)
{
	char q[1024], out[64];
	snprintf(q, sizeof q, fmt, arg);
	cli_sql(out, sizeof out, "%s", q);
	return atoi(out);
}

static int column_exists(const char *table, const char *col)
{
	char q[512];
	snprintf(q, sizeof q,
		 "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
		 "AND TABLE_NAME = '%s' AND COLUMN_NAME = '%%s'", table);
	return count_sql(q, col);
}

static int table_exists(const char *t)
{
	return count_sql("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
			 "AND TABLE_NAME = '%s'", t);
}

/* Text of the newest generated migration file (up or down) into out. */
static void newest(const char *suffix, char *out, size_t n)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "ls '%s'/*%s | sort | tail -1", cli_migrations_dir(), suffix);
	FILE *p = popen(cmd, "r");
	char path[1024] = "";
	if (p) {
		if (!fgets(path, sizeof path, p))
			path[0] = '\0';
		pclose(p);
	}
	path[strcspn(path, "\n")] = '\0';
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(out, 1, n - 1, f) : 0;
	out[got] = '\0';
	if (f)
		fclose(f);
}

TEST(test_upgrade_fresh_database_to_head_matches_models)
{
	struct run_result r;
	at_head();
	CHECK(table_exists("user") && table_exists("article") && table_exists("student") &&
	      table_exists("course") && table_exists("student_course") && table_exists("session") &&
	      table_exists("counter"));
	CHECK_INT(cli_run(&r, "db migrate -m nothing"), 0);
	CHECK_MSG(strstr(r.out, "No changes in schema detected") != NULL, "migrate said: %s %s", r.out, r.err);
}

TEST(test_downgrade_to_base_and_back)
{
	struct run_result r;
	at_head();
	CHECK_INT(cli_run(&r, "db downgrade base"), 0);
	CHECK(!table_exists("user") && !table_exists("article") && !table_exists("session"));
	CHECK_INT(cli_run(&r, "db current"), 0);
	CHECK(!strncmp(r.out, "base", 4));
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m again"), 0);
	CHECK(strstr(r.out, "No changes in schema detected") != NULL);
}

TEST(test_migrate_restores_a_dropped_column_and_down_undoes_it)
{
	struct run_result r;
	char text[16384];
	at_head();
	CHECK_INT(cli_sql(NULL, 0, "ALTER TABLE article DROP COLUMN click_num"), 0);
	CHECK(!column_exists("article", "click_num"));
	CHECK_INT(cli_run(&r, "db migrate -m 'restore click_num'"), 0);
	CHECK(strstr(r.out, "Generating") != NULL);
	newest(".up.sql", text, sizeof text);
	CHECK(strstr(text, "ADD COLUMN `click_num`") != NULL);
	newest(".down.sql", text, sizeof text);
	CHECK(strstr(text, "DROP COLUMN `click_num`") != NULL);
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK(column_exists("article", "click_num"));
	CHECK_INT(cli_run(&r, "db migrate -m none"), 0);
	CHECK(strstr(r.out, "No changes in schema detected") != NULL);
	CHECK_INT(cli_run(&r, "db downgrade -1"), 0);
	CHECK(!column_exists("article", "click_num"));
}

TEST(test_migrate_restores_a_dropped_index)
{
	struct run_result r;
	char text[16384], name[128];
	at_head();
	cli_sql(name, sizeof name,
		"SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
		"AND TABLE_NAME = 'article' AND COLUMN_NAME = 'isdelete' AND SEQ_IN_INDEX = 1 LIMIT 1");
	CHECK(name[0] != '\0');
	CHECK_INT(cli_sql(NULL, 0, "DROP INDEX `%s` ON article", name), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'restore index'"), 0);
	newest(".up.sql", text, sizeof text);
	CHECK(strstr(text, "CREATE INDEX") && strstr(text, name));
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK_INT(count_sql("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
			    "DATABASE() AND INDEX_NAME = '%s'", name), 7); /* its seven columns */
	CHECK_INT(cli_run(&r, "db downgrade -1"), 0);
	CHECK_INT(count_sql("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
			    "DATABASE() AND INDEX_NAME = '%s'", name), 0);
}

TEST(test_migrate_restores_a_dropped_table_with_its_foreign_keys)
{
	struct run_result r;
	char text[16384];
	at_head();
	CHECK_INT(cli_sql(NULL, 0, "DROP TABLE student_course"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'restore student_course'"), 0);
	newest(".up.sql", text, sizeof text);
	CHECK(strstr(text, "CREATE TABLE `student_course`") && strstr(text, "FOREIGN KEY"));
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK(table_exists("student_course"));
	CHECK_INT(count_sql("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE "
			    "CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = '%s'", "student_course"), 2);
	CHECK_INT(cli_run(&r, "db downgrade -1"), 0);
	CHECK(!table_exists("student_course"));
}

TEST(test_migrate_drops_a_table_the_models_do_not_have)
{
	struct run_result r;
	char text[16384];
	at_head();
	CHECK_INT(cli_sql(NULL, 0, "CREATE TABLE stray (id INT PRIMARY KEY, note VARCHAR(20))"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'drop stray'"), 0);
	newest(".up.sql", text, sizeof text);
	CHECK(strstr(text, "DROP TABLE `stray`") != NULL);
	newest(".down.sql", text, sizeof text);
	CHECK(strstr(text, "CREATE TABLE `stray`") != NULL);
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK(!table_exists("stray"));
	CHECK_INT(cli_run(&r, "db downgrade -1"), 0);
	CHECK(table_exists("stray"));
}

TEST(test_migrate_refuses_when_not_at_head)
{
	struct run_result r;
	at_head();
	CHECK_INT(cli_run(&r, "db downgrade base"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m x"), 1);
	CHECK(strstr(r.err, "db upgrade") != NULL);
}

/* 0003 copies each author's name into the articles that exist already
 * (lists read article.author_name instead of joining user). */
TEST(test_upgrade_to_0003_fills_the_author_name_of_existing_articles)
{
	struct run_result r;
	char out[128];
	at_head();
	CHECK_INT(cli_run(&r, "db downgrade 0002"), 0);
	CHECK(!column_exists("article", "author_name"));
	CHECK_INT(cli_sql(NULL, 0,
			  "INSERT INTO user (id, username, password) VALUES (41, 'MixedCase_Ann', 'x'), "
			  "(42, 'bob.b', 'x')"), 0);
	CHECK_INT(cli_sql(NULL, 0,
			  "INSERT INTO article (title, content, user_id) VALUES ('a', 'b', 41), ('c', 'd', 42), "
			  "('e', 'f', 41)"), 0);
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	cli_sql(out, sizeof out,
		"SELECT GROUP_CONCAT(author_name ORDER BY id SEPARATOR ',') FROM article");
	CHECK_STR(out, "MixedCase_Ann,bob.b,MixedCase_Ann");
	CHECK_INT(cli_run(&r, "db downgrade 0002"), 0);
	CHECK(!column_exists("article", "author_name"));
}

/* Replacing the only index a foreign key has (article.user_id's) by a wider
 * one: the migration creates the new index before it drops the old, since
 * InnoDB refuses to drop the index a foreign key needs; both directions
 * run. */
TEST(test_migrate_replaces_a_foreign_keys_index_new_one_first)
{
	struct run_result r;
	char text[16384];
	at_head();
	/* The database as before 0004: user_id's own index, not the wider one. */
	CHECK_INT(cli_sql(NULL, 0, "CREATE INDEX ix_article_user_id ON article (user_id)"), 0);
	CHECK_INT(cli_sql(NULL, 0, "DROP INDEX ix_article_user_id_isdelete_pdatetime_id ON article"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'wider fk index'"), 0);
	newest(".up.sql", text, sizeof text);
	const char *add = strstr(text, "CREATE INDEX `ix_article_user_id_isdelete_pdatetime_id`");
	const char *drop = strstr(text, "DROP INDEX `ix_article_user_id` ");
	CHECK_MSG(add && drop && add < drop, "up: %.400s", text);
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK_MSG(r.status == 0, "%s", r.err);
	CHECK_INT(count_sql("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
			    "DATABASE() AND INDEX_NAME = '%s'", "ix_article_user_id"), 0);
	CHECK_INT(cli_run(&r, "db downgrade -1"), 0);
	CHECK_MSG(r.status == 0, "%s", r.err);
	CHECK_INT(count_sql("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
			    "DATABASE() AND INDEX_NAME = '%s'", "ix_article_user_id"), 1);
}
