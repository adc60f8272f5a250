/* cli suite: `flacon seed` assumes nothing about id values. A Galera
 * cluster hands out AUTO_INCREMENT ids in steps of its size (here: the
 * same server settings on the test MariaDB, increment 3, offset 2); the
 * seeded rows must still refer to each other rightly, and be the same rows
 * as with consecutive ids, compared by their natural keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "test.h"

static long long num(const char *sql)
{
	char out[128];
	cli_sql(out, sizeof out, "%s", sql);
	return atoll(out);
}

/* Every seeded row by what it means, ids left out: users, students by
 * their user's name, articles by author name and date, enrollments by
 * user and course names, seat counts by course name. */
static void digest(char *out, size_t n)
{
	cli_sql(out, n, "%s",
		"SELECT CONCAT_WS('/', "
		"(SELECT MD5(GROUP_CONCAT(username, rdatetime ORDER BY username)) FROM user), "
		"(SELECT MD5(GROUP_CONCAT(u.username, ':', s.sname, ':', s.age ORDER BY u.username)) "
		" FROM student s JOIN user u ON u.id = s.user_id), "
		"(SELECT MD5(GROUP_CONCAT(a.pdatetime, u.username, a.author_name, a.title, a.click_num, MD5(a.content) "
		" ORDER BY a.pdatetime, a.title)) FROM article a JOIN user u ON u.id = a.user_id), "
		"(SELECT MD5(GROUP_CONCAT(u.username, '-', c.cname, '-', sc.selected_at ORDER BY u.username, c.cname)) "
		" FROM student_course sc JOIN student s ON s.id = sc.stu_id JOIN user u ON u.id = s.user_id "
		" JOIN course c ON c.id = sc.cou_id), "
		"(SELECT MD5(GROUP_CONCAT(cname, score, capacity, enrolled ORDER BY cname)) FROM course))");
}

static void fresh_schema(void)
{
	struct run_result r;
	cli_fresh();
	CHECK_INT(cli_run(&r, "create-all"), 0);
}

#define SEED_ARGS "seed --users 30 --articles 700 --courses 8 --students 25"

TEST(test_seed_with_ids_in_steps_of_three_is_consistent_and_the_same_rows)
{
	struct run_result r;
	char plain[512], stepped[512], was[64];

	fresh_schema();
	CHECK_INT(cli_run(&r, SEED_ARGS), 0);
	digest(plain, sizeof plain);
	CHECK(strlen(plain) > 100);

	/* The global settings apply to the connections opened after them:
	 * seed's own. Put back as they were before anything is checked. */
	cli_sql(was, sizeof was, "SELECT CONCAT(@@GLOBAL.auto_increment_increment, ',', "
				 "@@GLOBAL.auto_increment_offset)");
	long inc = 1, off = 1;
	CHECK_INT(sscanf(was, "%ld,%ld", &inc, &off), 2);
	fresh_schema();
	CHECK_INT(cli_sql(NULL, 0, "SET GLOBAL auto_increment_increment = 3, auto_increment_offset = 2"), 0);
	int st = cli_run(&r, SEED_ARGS);
	CHECK_INT(cli_sql(NULL, 0, "SET GLOBAL auto_increment_increment = %ld, auto_increment_offset = %ld", inc,
			  off), 0);
	CHECK_MSG(st == 0, "seed: %s", r.err);

	/* The ids really came in steps of three (else this test proves nothing). */
	CHECK_INT(num("SELECT COUNT(*) FROM user"), 30);
	CHECK_INT(num("SELECT COUNT(*) FROM user WHERE id % 3 <> 2"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM course WHERE id % 3 <> 2"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM student WHERE id % 3 <> 2"), 0);

	/* Every student belongs to the user of its name. */
	CHECK_INT(num("SELECT COUNT(*) FROM student"), 25);
	CHECK_INT(num("SELECT COUNT(*) FROM student s JOIN user u ON u.id = s.user_id WHERE u.username = s.sname"),
		  25);
	/* Every article's author is a seeded user, the one its name says. */
	CHECK_INT(num("SELECT COUNT(*) FROM article"), 700);
	CHECK_INT(num("SELECT COUNT(*) FROM article a JOIN user u ON u.id = a.user_id AND u.username = a.author_name"),
		  700);
	/* Enrollments: about five courses each, of existing students and
	 * courses, never over capacity, seat counts equal to the rows. */
	CHECK_INT(num("SELECT COUNT(*) FROM student_course"), 125);
	CHECK_INT(num("SELECT COUNT(*) FROM student_course sc JOIN student s ON s.id = sc.stu_id "
		      "JOIN course c ON c.id = sc.cou_id"), 125);
	CHECK_INT(num("SELECT COUNT(*) FROM course c WHERE enrolled <> (SELECT COUNT(*) FROM student_course "
		      "WHERE cou_id = c.id) OR enrolled > capacity"), 0);
	CHECK_INT(num("SELECT SUM(enrolled) FROM course"), 125);
	/* The article total is the visible articles. */
	CHECK_INT(num("SELECT SUM(value) FROM counter WHERE name = 'articles'"),
		  num("SELECT COUNT(*) FROM article WHERE isdelete = 0"));

	/* The same rows as with consecutive ids. */
	digest(stepped, sizeof stepped);
	CHECK_STR(stepped, plain);
}

TEST(test_seed_of_more_than_one_batch_reads_back_every_id)
{
	/* 1 200 users and students (three batches of 500 and a short one),
	 * 600 courses (two batches): every read-back crosses batch edges. */
	struct run_result r;
	fresh_schema();
	CHECK_INT(cli_run(&r, "seed --users 1200 --articles 3000 --courses 600 --students 1200"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM student s JOIN user u ON u.id = s.user_id WHERE u.username = s.sname"),
		  1200);
	CHECK_INT(num("SELECT COUNT(*) FROM article a JOIN user u ON u.id = a.user_id AND u.username = a.author_name"),
		  3000);
	CHECK_INT(num("SELECT COUNT(*) FROM student_course"), 6000);
	CHECK_INT(num("SELECT COUNT(*) FROM course c WHERE enrolled <> (SELECT COUNT(*) FROM student_course "
		      "WHERE cou_id = c.id)"), 0);
	CHECK_INT(num("SELECT SUM(value) FROM counter WHERE name = 'articles'"), 3000);
}
