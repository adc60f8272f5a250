/* cli suite: migrations as a team uses them, against the real MariaDB —
 * revisions linked by random ids, two branches from one head (heads,
 * upgrade refused, merge, downgrade back through the merge), generated
 * drops announced on stderr and in both files, the create-all database,
 * and the message of a failing statement. */
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "test.h"

/* The repository's migrations copied into the test's migrations dir, and
 * the database upgraded to head (0008 and any later numbered file). */
static void at_head(void)
{
	cli_fresh();
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cp sql/migrations/*.sql '%s'/", cli_migrations_dir());
	CHECK_INT(system(cmd), 0);
	struct run_result r;
	CHECK_INT(cli_run(&r, "db upgrade head"), 0);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int table_exists(const char *t)
{
	char out[64];
	cli_sql(out, sizeof out,
		"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s'", t);
	return atoi(out);
}

static int column_exists(const char *table, const char *col)
{
	char out[64];
	cli_sql(out, sizeof out,
		"SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
		"AND TABLE_NAME = '%s' AND COLUMN_NAME = '%s'", table, col);
	return atoi(out);
}

/* The text of the one file of the migrations dir matching pattern (a
 * glob) into out, its path into path (when given). Returns how many
 * files matched. */
static size_t read_one(const char *pattern, char *out, size_t n, char *path, size_t pathlen)
{
	char pat[1024];
	snprintf(pat, sizeof pat, "%s/%s", cli_migrations_dir(), pattern);
	glob_t g;
	out[0] = '\0';
	if (glob(pat, 0, NULL, &g) != 0)
		return 0;
	size_t count = g.gl_pathc;
	if (count == 1) {
		FILE *f = fopen(g.gl_pathv[0], "r");
		size_t got = f ? fread(out, 1, n - 1, f) : 0;
		out[got] = '\0';
		if (f)
			fclose(f);
		if (path)
			snprintf(path, pathlen, "%s", g.gl_pathv[0]);
	}
	globfree(&g);
	return count;
}

/* The "-- Revision:" of the up file matching pattern into rev. */
static void rev_of(const char *pattern, char *rev, size_t n)
{
	char text[16384];
	rev[0] = '\0';
	CHECK_INT(read_one(pattern, text, sizeof text, NULL, 0), 1);
	const char *p = strstr(text, "-- Revision: ");
	if (p)
		snprintf(rev, n, "%.*s", (int)strcspn(p + 13, " \n"), p + 13);
}

static int lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The text before the first statement (its header and comments). */
static void head_comment(const char *text, char *out, size_t n)
{
	const char *p = text;
	while (*p && (!strncmp(p, "--", 2) || *p == '\n'))
		p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0);
	snprintf(out, n, "%.*s", (int)(p - text), text);
}

TEST(test_generated_revision_is_12_random_hex_digits_naming_its_parent)
{
	struct run_result r;
	char text[16384], rev1[64], rev2[64], path[1024];
	at_head();
	CHECK_INT(cli_sql(NULL, 0, "ALTER TABLE article DROP COLUMN click_num"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'restore click_num'"), 0);
	rev_of("0009_*_restore_click_num.up.sql", rev1, sizeof rev1);
	CHECK_INT(strlen(rev1), 12);
	CHECK_INT(strspn(rev1, "0123456789abcdef"), 12);
	CHECK_INT(read_one("0009_*_restore_click_num.up.sql", text, sizeof text, path, sizeof path), 1);
	CHECK_MSG(strstr(path, rev1) != NULL, "%s does not name %s", path, rev1);
	CHECK_MSG(strstr(text, "-- Down revision: 0008\n") != NULL, "%.300s", text);
	/* Generated again: another id. */
	CHECK_INT(sh("rm '%s'/0009_*", cli_migrations_dir()), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'restore click_num'"), 0);
	rev_of("0009_*_restore_click_num.up.sql", rev2, sizeof rev2);
	CHECK_INT(strlen(rev2), 12);
	CHECK(strcmp(rev1, rev2) != 0);
	/* The id, not the name, is the revision: renamed by hand, it stays. */
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK_INT(sh("cd '%s' && for f in 0009_*; do mv \"$f\" \"0042${f#0009}\"; done", cli_migrations_dir()), 0);
	CHECK_INT(cli_run(&r, "db current"), 0);
	CHECK_MSG(strstr(r.out, rev2) && strstr(r.out, "(head)"), "%s%s", r.out, r.err);
	CHECK_INT(cli_run(&r, "db history"), 0);
	char want[128];
	snprintf(want, sizeof want, "0008 -> %s (head) (current), restore click_num", rev2);
	CHECK_MSG(strstr(r.out, want) != NULL, "%s", r.out);
}

/* Two developers generate a migration each from head 0008: after the
 * merge of their branches there are two heads; upgrade refuses until
 * db merge joins them; downgrade walks back through the merge. */
TEST(test_two_branches_give_two_heads_upgrade_refuses_merge_joins_downgrade_walks_back)
{
	struct run_result r;
	char ra[64], rb[64], rm[64], text[16384], out[256];
	const char *m = cli_migrations_dir();
	at_head();
	cli_sql(NULL, 0, "DROP DATABASE IF EXISTS flacon_cli_aside");
	CHECK_INT(cli_sql(NULL, 0, "CREATE DATABASE flacon_cli_aside"), 0);
	CHECK_INT(cli_sql(NULL, 0, "CREATE TABLE note_a (id INT PRIMARY KEY)"), 0);
	CHECK_INT(cli_sql(NULL, 0, "CREATE TABLE note_b (id INT PRIMARY KEY)"), 0);
	/* Developer A's branch drops note_a (note_b out of sight meanwhile). */
	CHECK_INT(cli_sql(NULL, 0, "RENAME TABLE note_b TO flacon_cli_aside.note_b"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'branch a'"), 0);
	CHECK_INT(cli_sql(NULL, 0, "RENAME TABLE flacon_cli_aside.note_b TO note_b"), 0);
	CHECK_INT(sh("rm -rf '%s.a' && mkdir '%s.a' && mv '%s'/*_branch_a.* '%s.a'/", m, m, m, m), 0);
	/* Developer B's, from the same head, drops note_b. */
	CHECK_INT(cli_sql(NULL, 0, "RENAME TABLE note_a TO flacon_cli_aside.note_a"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'branch b'"), 0);
	CHECK_INT(cli_sql(NULL, 0, "RENAME TABLE flacon_cli_aside.note_a TO note_a"), 0);
	/* The branches merged: both files side by side. */
	CHECK_INT(sh("mv '%s.a'/* '%s'/ && rmdir '%s.a'", m, m, m), 0);
	rev_of("*_branch_a.up.sql", ra, sizeof ra);
	rev_of("*_branch_b.up.sql", rb, sizeof rb);
	CHECK(ra[0] && rb[0] && strcmp(ra, rb));

	CHECK_INT(cli_run(&r, "db heads"), 0);
	CHECK_MSG(lines(r.out) == 2 && strstr(r.out, ra) && strstr(r.out, rb), "heads: %s", r.out);
	CHECK_INT(cli_run(&r, "db upgrade"), 1);
	CHECK_MSG(strstr(r.err, ra) && strstr(r.err, rb) && strstr(r.err, "db merge"), "%s", r.err);
	CHECK_INT(lines(r.err), 1);
	CHECK(table_exists("note_a") && table_exists("note_b"));
	CHECK_INT(cli_run(&r, "db current"), 0);
	CHECK_MSG(!strncmp(r.out, "0008\n", 5), "%s%s", r.out, r.err);
	CHECK_INT(cli_run(&r, "db history"), 0);
	char a_line[128], b_line[128];
	snprintf(a_line, sizeof a_line, "0008 -> %s (head), branch a", ra);
	snprintf(b_line, sizeof b_line, "0008 -> %s (head), branch b", rb);
	CHECK_MSG(strstr(r.out, a_line) && strstr(r.out, b_line) && strstr(r.out, "(branchpoint)"), "%s", r.out);
	/* Upgrading to one branch by name is allowed. */
	CHECK_INT(cli_run(&r, "db upgrade %s", ra), 0);
	CHECK(!table_exists("note_a") && table_exists("note_b"));
	CHECK_INT(cli_run(&r, "db downgrade 0008"), 0);
	CHECK(table_exists("note_a"));

	CHECK_INT(cli_run(&r, "db merge -m 'join a and b'"), 0);
	rev_of("0010_*_join_a_and_b.up.sql", rm, sizeof rm);
	CHECK_INT(read_one("0010_*_join_a_and_b.up.sql", text, sizeof text, NULL, 0), 1);
	const char *down = strstr(text, "-- Down revision: ");
	CHECK_MSG(down && strstr(down, ra) && strstr(down, rb) && strcspn(down, "\n") < 60, "%.400s", text);
	CHECK_INT(cli_run(&r, "db heads"), 0);
	CHECK_MSG(lines(r.out) == 1 && strstr(r.out, rm), "heads: %s", r.out);
	CHECK_INT(cli_run(&r, "db merge -m again"), 1);
	CHECK(strstr(r.err, "nothing to merge") != NULL);

	/* A database that had applied branch a gets branch b, then the merge. */
	CHECK_INT(cli_run(&r, "db upgrade %s", ra), 0);
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	char step_b[256], step_m[256], step_m2[256];
	snprintf(step_b, sizeof step_b, "Running upgrade 0008 -> %s, branch b\n", rb);
	snprintf(step_m, sizeof step_m, "Running upgrade %s, %s -> %s, join a and b\n", ra, rb, rm);
	snprintf(step_m2, sizeof step_m2, "Running upgrade %s, %s -> %s, join a and b\n", rb, ra, rm);
	CHECK_MSG(lines(r.out) == 2 && strstr(r.out, step_b) && (strstr(r.out, step_m) || strstr(r.out, step_m2)),
		  "%s", r.out);
	CHECK_MSG(!table_exists("note_a") && !table_exists("note_b"), "%s%s", r.out, r.err);
	cli_sql(out, sizeof out, "SELECT GROUP_CONCAT(version_num) FROM schema_version");
	CHECK_STR(out, rm);
	CHECK_INT(cli_run(&r, "db history"), 0);
	CHECK(strstr(r.out, "(mergepoint)") && strstr(r.out, "(current)"));

	/* Back through the merge: both branches current, then one, then none. */
	CHECK_INT(cli_run(&r, "db downgrade -1"), 0);
	cli_sql(out, sizeof out, "SELECT COUNT(*) FROM schema_version");
	CHECK_STR(out, "2");
	CHECK_INT(cli_run(&r, "db current"), 0);
	CHECK_MSG(lines(r.out) == 2 && strstr(r.out, ra) && strstr(r.out, rb), "%s", r.out);
	CHECK(!table_exists("note_a") && !table_exists("note_b"));
	CHECK_INT(cli_run(&r, "db downgrade -1"), 0);
	CHECK_INT(table_exists("note_a") + table_exists("note_b"), 1);
	CHECK_INT(cli_run(&r, "db downgrade -1"), 0);
	CHECK(table_exists("note_a") && table_exists("note_b"));
	cli_sql(out, sizeof out, "SELECT GROUP_CONCAT(version_num) FROM schema_version");
	CHECK_STR(out, "0008");
	/* And up again, then down to 0008 in one command. */
	CHECK_INT(cli_run(&r, "db upgrade head"), 0);
	CHECK_INT(cli_run(&r, "db downgrade 0008"), 0);
	CHECK(table_exists("note_a") && table_exists("note_b"));
	cli_sql(NULL, 0, "DROP DATABASE IF EXISTS flacon_cli_aside");
}

/* Files written by hand in the linked format ("-- Revises:" read as
 * "-- Down revision:"): applied in link order whatever their names say;
 * an old numbered file follows the numbered one before it. */
TEST(test_upgrade_applies_in_link_order_not_name_order)
{
	struct run_result r;
	char out[64];
	cli_fresh();
	cli_write_migration("0001_base.up.sql", "-- Message: base\nCREATE TABLE a (id INT PRIMARY KEY);\n");
	cli_write_migration("0001_base.down.sql", "DROP TABLE a;\n");
	cli_write_migration("0002_bbbbbbbbbbbb_second.up.sql",
			    "-- Revision: bbbbbbbbbbbb\n-- Down revision: cccccccccccc\n-- Message: second\n"
			    "ALTER TABLE t ADD COLUMN c INT;\n");
	cli_write_migration("0002_bbbbbbbbbbbb_second.down.sql", "ALTER TABLE t DROP COLUMN c;\n");
	cli_write_migration("0003_cccccccccccc_first.up.sql",
			    "-- Revision: cccccccccccc\n-- Revises: 0001\n-- Message: first\n"
			    "CREATE TABLE t (id INT PRIMARY KEY);\n");
	cli_write_migration("0003_cccccccccccc_first.down.sql", "DROP TABLE t;\n");
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK_MSG(strstr(r.out, "0001 -> cccccccccccc") && strstr(r.out, "cccccccccccc -> bbbbbbbbbbbb"), "%s%s",
		  r.out, r.err);
	cli_sql(out, sizeof out, "SELECT version_num FROM schema_version");
	CHECK_STR(out, "bbbbbbbbbbbb");
	/* A numbered file written in the old way (no down revision) follows
	 * 0001, beside the linked ones: a second head. */
	cli_write_migration("0006_login_failure.up.sql",
			    "-- Revision: 0006\n-- Message: login failure\nCREATE TABLE lf (id INT PRIMARY KEY);\n");
	cli_write_migration("0006_login_failure.down.sql", "DROP TABLE lf;\n");
	CHECK_INT(cli_run(&r, "db heads"), 0);
	CHECK_MSG(lines(r.out) == 2 && strstr(r.out, "0006 (head)") && strstr(r.out, "bbbbbbbbbbbb (head)"), "%s",
		  r.out);
	CHECK_INT(cli_run(&r, "db history"), 0);
	CHECK_MSG(strstr(r.out, "0001 -> 0006 (head), login failure") != NULL, "%s", r.out);
	/* The prefix of an id names it. */
	CHECK_INT(cli_run(&r, "db downgrade cccc"), 0);
	CHECK_INT(column_exists("t", "c"), 0);
	CHECK_INT(cli_run(&r, "db stamp zzzz"), 2);
}

/* The shape of a renamed attribute: one column dropped, one of the same
 * type added to the same table. */
TEST(test_rename_shape_warns_on_stderr_and_at_the_top_of_both_files)
{
	struct run_result r;
	char text[16384], top[8192];
	at_head();
	CHECK_INT(cli_sql(NULL, 0, "ALTER TABLE article RENAME COLUMN click_num TO clicks"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'rename clicks'"), 0);
	CHECK_MSG(strstr(r.err, "warning") && strstr(r.err, "`article`.`clicks` is dropped") &&
		  strstr(r.err, "ALTER TABLE `article` RENAME COLUMN `clicks` TO `click_num`"), "stderr: %s", r.err);
	CHECK_INT(read_one("0009_*_rename_clicks.up.sql", text, sizeof text, NULL, 0), 1);
	head_comment(text, top, sizeof top);
	CHECK_MSG(strstr(top, "WARNING") && strstr(top, "`article`.`clicks` (int) is dropped with its values") &&
		  strstr(top, "ALTER TABLE `article` RENAME COLUMN `clicks` TO `click_num`;") &&
		  strstr(top, "ALTER TABLE `article` RENAME COLUMN `click_num` TO `clicks`;"), "up: %s", text);
	CHECK(strstr(text, "DROP COLUMN `clicks`") && strstr(text, "ADD COLUMN `click_num`"));
	CHECK_INT(read_one("0009_*_rename_clicks.down.sql", text, sizeof text, NULL, 0), 1);
	head_comment(text, top, sizeof top);
	CHECK_MSG(strstr(top, "cannot restore") && strstr(top, "`article`.`clicks` comes back with its default") &&
		  strstr(top, "RENAME COLUMN `click_num` TO `clicks`"), "down: %s", text);
}

/* A dropped column holding values: said on stderr and in both files; the
 * down file's comment is true (the values do not come back). */
TEST(test_dropped_column_warns_and_down_says_values_are_not_restored)
{
	struct run_result r;
	char text[16384], top[8192], out[64];
	at_head();
	CHECK_INT(cli_sql(NULL, 0, "ALTER TABLE course ADD COLUMN note VARCHAR(20) NULL"), 0);
	CHECK_INT(cli_sql(NULL, 0, "INSERT INTO course (cname, note) VALUES ('c1', 'kept?')"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'drop note'"), 0);
	CHECK_MSG(strstr(r.err, "warning: column `course`.`note` is dropped with its values") &&
		  strstr(r.err, "review") && !strstr(r.err, "RENAME"), "stderr: %s", r.err);
	CHECK_INT(read_one("0009_*_drop_note.up.sql", text, sizeof text, NULL, 0), 1);
	head_comment(text, top, sizeof top);
	CHECK_MSG(strstr(top, "WARNING") && strstr(top, "`course`.`note` (varchar(20)) is dropped") &&
		  !strstr(top, "RENAME"), "up: %s", text);
	CHECK_INT(read_one("0009_*_drop_note.down.sql", text, sizeof text, NULL, 0), 1);
	head_comment(text, top, sizeof top);
	CHECK_MSG(strstr(top, "`course`.`note` comes back with its default, not its values"), "down: %s", text);
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK_INT(column_exists("course", "note"), 0);
	CHECK_INT(cli_run(&r, "db downgrade -1"), 0);
	CHECK_INT(column_exists("course", "note"), 1);
	cli_sql(out, sizeof out, "SELECT COALESCE(note, 'NULL') FROM course WHERE cname = 'c1'");
	CHECK_STR(out, "NULL");
}

TEST(test_dropped_table_warns_and_down_says_it_comes_back_empty)
{
	struct run_result r;
	char text[16384], top[8192];
	at_head();
	CHECK_INT(cli_sql(NULL, 0, "CREATE TABLE stray (id INT PRIMARY KEY)"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'drop stray'"), 0);
	CHECK_MSG(strstr(r.err, "warning: table `stray` is dropped with all its rows") != NULL, "stderr: %s", r.err);
	CHECK_INT(read_one("0009_*_drop_stray.up.sql", text, sizeof text, NULL, 0), 1);
	head_comment(text, top, sizeof top);
	CHECK_MSG(strstr(top, "WARNING") && strstr(top, "table `stray` is dropped"), "up: %s", text);
	CHECK_INT(read_one("0009_*_drop_stray.down.sql", text, sizeof text, NULL, 0), 1);
	head_comment(text, top, sizeof top);
	CHECK_MSG(strstr(top, "table `stray` comes back empty"), "down: %s", text);
}

/* Nothing dropped: no warning, no comment. */
TEST(test_migration_that_only_adds_gives_no_data_loss_warning)
{
	struct run_result r;
	char text[16384], top[8192];
	at_head();
	CHECK_INT(cli_sql(NULL, 0, "ALTER TABLE article DROP COLUMN click_num"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m 'add back'"), 0);
	CHECK_MSG(!strstr(r.err, "warning"), "stderr: %s", r.err);
	CHECK_INT(read_one("0009_*_add_back.up.sql", text, sizeof text, NULL, 0), 1);
	head_comment(text, top, sizeof top);
	CHECK_MSG(!strstr(top, "WARNING"), "up: %s", text);
	/* Its down file drops what it adds, and says so. */
	CHECK_INT(read_one("0009_*_add_back.down.sql", text, sizeof text, NULL, 0), 1);
	head_comment(text, top, sizeof top);
	CHECK_MSG(strstr(top, "drops what the up migration adds") && strstr(top, "`article`.`click_num`"), "down: %s",
		  text);
}

/* A database made by create-all: its tables exist, schema_version names
 * nothing; upgrade would fail on "table exists", so both commands point
 * at db stamp head, which is the way on. */
TEST(test_create_all_database_gets_the_stamp_head_advice)
{
	struct run_result r;
	cli_fresh();
	CHECK_INT(sh("cp sql/migrations/*.sql '%s'/", cli_migrations_dir()), 0);
	CHECK_INT(cli_run(&r, "create-all"), 0);
	CHECK_INT(cli_run(&r, "db upgrade"), 1);
	CHECK_MSG(strstr(r.err, "run 'flacon db stamp head'") && lines(r.err) == 1, "%s", r.err);
	CHECK_INT(cli_run(&r, "db migrate -m x"), 1);
	CHECK_MSG(strstr(r.err, "run 'flacon db stamp head'") && lines(r.err) == 1, "%s", r.err);
	CHECK_INT(cli_run(&r, "db stamp head"), 0);
	CHECK_INT(cli_run(&r, "db migrate -m x"), 0);
	CHECK_MSG(strstr(r.out, "No changes in schema detected") != NULL, "%s%s", r.out, r.err);
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
}

/* One "failed", the whole statement on one line (a long one cut at 200
 * characters), its file and line. */
TEST(test_failing_statement_is_named_whole_with_file_and_line)
{
	struct run_result r;
	cli_fresh();
	cli_write_migration("0001_a.up.sql", "-- Message: a\nCREATE TABLE a (id INT PRIMARY KEY);\n");
	cli_write_migration("0001_a.down.sql", "DROP TABLE a;\n");
	cli_write_migration("0002_broken.up.sql",
			    "-- Message: broken\n\nALTER TABLE a ADD COLUMN d INT;\n-- the next one fails\n"
			    "ALTER TABLE a\n  ADD COLUMN e INT,\n  ADD COLUMN f INT,\n  ADD CONSTRAINT fk_nope FOREIGN KEY (e) REFERENCES nope (id);\n");
	CHECK_INT(cli_run(&r, "db upgrade"), 1);
	CHECK_MSG(strstr(r.err, "upgrade to 0002 failed: statement 2 at ") &&
		  strstr(r.err, "0002_broken.up.sql:5 (ALTER TABLE a ADD COLUMN e INT, ADD COLUMN f INT, ADD CONSTRAINT "
				"fk_nope FOREIGN KEY (e) REFERENCES nope (id)): ") &&
		  strstr(r.err, "stays at 0001"), "%s", r.err);
	CHECK_MSG(!strstr(strstr(r.err, "failed") + 1, "failed"), "%s", r.err);
	CHECK_INT(lines(r.err), 1);
	/* A statement longer than 200 characters: its first 200 and "...". */
	char big[1024];
	int o = snprintf(big, sizeof big, "-- Message: long\nINSERT INTO nope VALUES ");
	for (int i = 0; i < 60; i++)
		o += snprintf(big + o, sizeof big - (size_t)o, "%s(%d)", i ? ", " : "", 1000 + i);
	snprintf(big + o, sizeof big - (size_t)o, ";\n");
	cli_write_migration("0002_broken.up.sql", big);
	CHECK_INT(cli_run(&r, "db upgrade"), 1);
	const char *open = strstr(r.err, ":2 (INSERT INTO nope VALUES (1000), ");
	const char *close = open ? strstr(open, "...): ") : NULL;
	CHECK_MSG(open && close && close - (open + 4) == 200, "%s", r.err);
}

TEST(test_db_heads_and_merge_usage)
{
	struct run_result r;
	cli_fresh();
	CHECK_INT(cli_run(&r, "db merge"), 2);
	CHECK(strstr(r.err, "-m") != NULL);
	CHECK_INT(cli_run(&r, "db heads extra"), 2);
	CHECK_INT(cli_run(&r, "db heads"), 0);
	CHECK_STR(r.out, "");
	CHECK_INT(cli_run(&r, "db merge -m x"), 1);
	CHECK(strstr(r.err, "nothing to merge") != NULL);
	CHECK_INT(cli_run(&r, "db"), 2);
	CHECK_MSG(strstr(r.err, "flacon help db") != NULL, "%s", r.err);
	CHECK_INT(cli_run(&r, "help db"), 0);
	CHECK_MSG(strstr(r.out, "  heads ") && strstr(r.out, "  merge "), "%s", r.out);
	CHECK_INT(cli_run(&r, "db heads --help"), 0);
	CHECK_MSG(strstr(r.out, "db heads") != NULL, "%s", r.out);
}

/* A link to a revision that is not there, an id used twice, a cycle: every
 * command stops and names the file. */
TEST(test_broken_links_are_named_by_every_command)
{
	struct run_result r;
	cli_fresh();
	cli_write_migration("0001_a.up.sql", "-- Message: a\nCREATE TABLE a (id INT PRIMARY KEY);\n");
	cli_write_migration("0002_x_lost.up.sql", "-- Revision: 123abc\n-- Down revision: 9f9f9f9f9f9f\nSELECT 1;\n");
	CHECK_INT(cli_run(&r, "db heads"), 1);
	CHECK_MSG(strstr(r.err, "0002_x_lost.up.sql names down revision 9f9f9f9f9f9f") && lines(r.err) == 1, "%s",
		  r.err);
	CHECK_INT(cli_run(&r, "db upgrade"), 1);
	CHECK(strstr(r.err, "9f9f9f9f9f9f") != NULL);
	cli_write_migration("0002_x_lost.up.sql", "-- Revision: 123abc\n-- Down revision: 0001\nSELECT 1;\n");
	cli_write_migration("0003_y_copy.up.sql", "-- Revision: 123abc\n-- Down revision: 0001\nSELECT 2;\n");
	CHECK_INT(cli_run(&r, "db history"), 1);
	CHECK_MSG(strstr(r.err, "two migrations share revision 123abc") != NULL, "%s", r.err);
	cli_write_migration("0003_y_copy.up.sql", "-- Revision: 456def\n-- Down revision: 789abc\nSELECT 2;\n");
	cli_write_migration("0004_z.up.sql", "-- Revision: 789abc\n-- Down revision: 456def\nSELECT 3;\n");
	CHECK_INT(cli_run(&r, "db current"), 1);
	CHECK_MSG(strstr(r.err, "a cycle") != NULL, "%s", r.err);
	CHECK_INT(sh("rm '%s'/0003_y_copy.up.sql '%s'/0004_z.up.sql", cli_migrations_dir(), cli_migrations_dir()), 0);
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK_INT(cli_run(&r, "db current"), 0);
	CHECK_STR(r.out, "123abc (head)\n");
}
