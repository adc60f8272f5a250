/* cli suite: seed, createuser, deleteuser, createcourse, session-gc,
 * create-all, drop-all, routes — on a real MariaDB, through the binary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "test.h"

static void fresh_schema(void)
{
	cli_fresh();
	struct run_result r;
	CHECK_INT(cli_run(&r, "create-all"), 0);
}

static long long num(const char *sql)
{
	char out[128];
	cli_sql(out, sizeof out, "%s", sql);
	return atoll(out);
}

TEST(test_create_all_and_drop_all)
{
	struct run_result r;
	fresh_schema();
	CHECK_INT(num("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), 9);
	CHECK_INT(cli_run(&r, "drop-all"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"), 0);
	CHECK_INT(cli_run(&r, "create-all extra"), 2);
}

TEST(test_seed_is_deterministic_and_consistent)
{
	struct run_result r;
	char a[256], b[256];
	const char *digest =
		"SELECT CONCAT((SELECT COUNT(*) FROM user), '/', (SELECT COUNT(*) FROM article), '/', "
		"(SELECT COUNT(*) FROM student_course), '/', (SELECT MD5(GROUP_CONCAT(title, user_id ORDER BY id)) FROM article), "
		"'/', (SELECT MD5(GROUP_CONCAT(stu_id, '-', cou_id ORDER BY stu_id, cou_id)) FROM student_course))";
	fresh_schema();
	CHECK_INT(cli_run(&r, "seed --users 30 --articles 700 --courses 8 --students 25"), 0);
	cli_sql(a, sizeof a, "%s", digest);
	CHECK_INT(num("SELECT COUNT(*) FROM user"), 30);
	CHECK_INT(num("SELECT COUNT(*) FROM student"), 25);
	CHECK_INT(num("SELECT COUNT(*) FROM article"), 700);
	CHECK_INT(num("SELECT COUNT(*) FROM course"), 8);
	CHECK_INT(num("SELECT SUM(value) FROM counter WHERE name = 'articles'"), 700);
	/* Never over capacity; about five courses each. */
	CHECK_INT(num("SELECT COUNT(*) FROM (SELECT c.id FROM course c JOIN student_course sc ON sc.cou_id = c.id "
		      "GROUP BY c.id HAVING COUNT(*) > MAX(c.capacity)) t"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM student_course"), 125);
	/* The maintained seat counts match the rows. */
	CHECK_INT(num("SELECT COUNT(*) FROM course c WHERE enrolled <> (SELECT COUNT(*) FROM student_course "
		      "WHERE cou_id = c.id)"), 0);
	/* Seeding a database that holds data is refused; --if-empty is quiet. */
	CHECK_INT(cli_run(&r, "seed"), 1);
	CHECK_INT(cli_run(&r, "seed --if-empty"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM user"), 30);
	fresh_schema();
	CHECK_INT(cli_run(&r, "seed --users 30 --articles 700 --courses 8 --students 25"), 0);
	cli_sql(b, sizeof b, "%s", digest);
	CHECK_STR(a, b);
	CHECK_INT(cli_run(&r, "seed --users -3"), 2);
}

TEST(test_createuser_reads_password_from_stdin)
{
	struct run_result r;
	fresh_schema();
	CHECK_INT(cli_run_input(&r, "sekrit-password\n", "createuser Zed_1"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM user WHERE username = 'Zed_1' AND password LIKE '$argon2id$%'"), 1);
	CHECK_INT(num("SELECT COUNT(*) FROM student s JOIN user u ON u.id = s.user_id WHERE u.username = 'Zed_1'"), 1);
	/* Taken in any ASCII case. */
	CHECK_INT(cli_run_input(&r, "sekrit-password\n", "createuser zed_1"), 1);
	CHECK(strstr(r.err, "taken") != NULL);
	CHECK_INT(cli_run_input(&r, "sekrit-password\n", "createuser 'bad name'"), 1);
	CHECK_INT(cli_run_input(&r, "short\n", "createuser shortpw"), 1);
	CHECK_INT(cli_run(&r, "createuser"), 2);
}

TEST(test_deleteuser_is_logical_and_complete)
{
	struct run_result r;
	fresh_schema();
	CHECK_INT(cli_run(&r, "seed --users 3 --articles 30 --courses 2"), 0);
	long long mine = num("SELECT COUNT(*) FROM article a JOIN user u ON u.id = a.user_id WHERE u.username = 'bob'");
	CHECK(mine > 0);
	CHECK_INT(cli_sql(NULL, 0,
			  "INSERT INTO session (token_hash, user_id, data, created_at, expires_at) SELECT "
			  "UNHEX(SHA2('t1', 256)), id, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 1 DAY "
			  "FROM user WHERE username = 'bob'"), 0);
	CHECK_INT(cli_run(&r, "deleteuser bob"), 0);
	CHECK_INT(num("SELECT isdelete FROM user WHERE username = 'bob'"), 1);
	CHECK_INT(num("SELECT COUNT(*) FROM article a JOIN user u ON u.id = a.user_id WHERE u.username = 'bob' AND a.isdelete = 0"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM session s JOIN user u ON u.id = s.user_id WHERE u.username = 'bob'"), 0);
	CHECK_INT(num("SELECT SUM(value) FROM counter WHERE name = 'articles'"), 30 - mine);
	CHECK_INT(cli_run(&r, "deleteuser bob"), 1);
	CHECK_INT(cli_run(&r, "deleteuser nobody"), 1);
	/* The name stays taken. */
	CHECK_INT(cli_run_input(&r, "sekrit-password\n", "createuser BOB"), 1);
}

TEST(test_createcourse_with_options)
{
	struct run_result r;
	fresh_schema();
	CHECK_INT(cli_run(&r, "createcourse 'Quantum Cooking' --credits 3 --capacity 2"), 0);
	CHECK_INT(num("SELECT score * 1000 + capacity FROM course WHERE cname = 'Quantum Cooking'"), 3002);
	CHECK_INT(cli_run(&r, "createcourse Defaults"), 0);
	CHECK_INT(num("SELECT score * 1000 + capacity FROM course WHERE cname = 'Defaults'"), 5030);
	CHECK_INT(cli_run(&r, "createcourse Defaults"), 1);
	CHECK_INT(cli_run(&r, "createcourse X --capacity many"), 2);
	CHECK_INT(cli_run(&r, "createcourse"), 2);
}

TEST(test_session_gc_deletes_only_expired)
{
	struct run_result r;
	fresh_schema();
	CHECK_INT(cli_sql(NULL, 0,
			  "INSERT INTO session (token_hash, user_id, data, created_at, expires_at) VALUES "
			  "(UNHEX(SHA2('a', 256)), NULL, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP() - INTERVAL 1 HOUR), "
			  "(UNHEX(SHA2('b', 256)), NULL, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 1 HOUR)"), 0);
	CHECK_INT(cli_run(&r, "session-gc"), 0);
	CHECK(strstr(r.out, "Deleted 1 expired session") != NULL);
	CHECK_INT(num("SELECT COUNT(*) FROM session"), 1);
}

/* SPEC 10: failed logins older than auth.failure_window go with the
 * expired sessions; those inside it stay (they still count). */
TEST(test_session_gc_also_deletes_failed_logins_older_than_the_window)
{
	struct run_result r;
	fresh_schema();
	CHECK_INT(cli_sql(NULL, 0,
			  "INSERT INTO login_failure (kind, ident, failed_at) VALUES "
			  "(1, 'old', UTC_TIMESTAMP(6) - INTERVAL 901 SECOND), "
			  "(2, '127.0.0.1', UTC_TIMESTAMP(6) - INTERVAL 2 HOUR), "
			  "(1, 'recent', UTC_TIMESTAMP(6) - INTERVAL 899 SECOND)"), 0);
	CHECK_INT(cli_run(&r, "session-gc"), 0);
	CHECK_MSG(strstr(r.out, "and 2 old failed logins") != NULL, "%s", r.out);
	CHECK_INT(num("SELECT COUNT(*) FROM login_failure"), 1);
	CHECK_INT(num("SELECT COUNT(*) FROM login_failure WHERE ident = 'recent'"), 1);
}

/* The whole of `flacon routes`, as checked in: a route deleted, renamed or
 * given another method or name fails the test. After changing the route
 * table on purpose, regenerate it from the repository's root with
 *   build/flacon routes > tests/cli/routes.golden
 * and review the diff. */
#define ROUTES_GOLDEN "tests/cli/routes.golden"

/* The first line (1-based) where got and want differ, the two lines into
 * gl and wl; 0 when they are the same text. */
static int first_difference(const char *got, const char *want, char *gl, char *wl, size_t n)
{
	for (int line = 1;; line++) {
		size_t g = strcspn(got, "\n"), w = strcspn(want, "\n");
		if (g != w || memcmp(got, want, g) != 0 || got[g] != want[w]) {
			snprintf(gl, n, "%.*s", (int)g, got);
			snprintf(wl, n, "%.*s", (int)w, want);
			return line;
		}
		if (!got[g])
			return 0;
		got += g + 1;
		want += w + 1;
	}
}

TEST(test_routes_prints_the_golden_file)
{
	struct run_result r;
	static char want[16384];
	FILE *f = fopen(ROUTES_GOLDEN, "r");
	REQUIRE(f);
	size_t n = fread(want, 1, sizeof want - 1, f);
	fclose(f);
	want[n] = '\0';
	REQUIRE(n > 0 && n < sizeof want - 1);
	CHECK_INT(cli_run(&r, "routes"), 0);
	CHECK_STR(r.err, "");
	char gl[256], wl[256];
	int line = first_difference(r.out, want, gl, wl, sizeof gl);
	CHECK_MSG(line == 0, "`flacon routes` differs from " ROUTES_GOLDEN " at line %d: got \"%s\", want \"%s\" "
		  "(changed on purpose? build/flacon routes > " ROUTES_GOLDEN ")",
		  line, gl, wl);
out:;
}
