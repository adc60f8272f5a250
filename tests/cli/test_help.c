/* cli suite: the command line as a user expects it — help on every
 * command and db subcommand, --version, options before names, the
 * password prompt on a terminal (through a pty), the connect error, the
 * seed line. */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "test.h"

static const char *const commands[] = {"runserver", "db", "seed", "createuser", "deleteuser",
				       "createcourse", "session-gc", "routes", "create-all", "drop-all"};
static const char *const db_subs[] = {"init", "migrate", "upgrade", "downgrade", "current", "history", "stamp"};
#define N(a) (sizeof a / sizeof a[0])

static long long num(const char *sql)
{
	char out[128];
	cli_sql(out, sizeof out, "%s", sql);
	return atoll(out);
}

static void fresh_schema(void)
{
	cli_fresh();
	struct run_result r;
	CHECK_INT(cli_run(&r, "create-all"), 0);
}

TEST(test_every_command_answers_help_and_h_with_its_usage_on_stdout)
{
	struct run_result r;
	char want[128];
	for (size_t i = 0; i < N(commands); i++) {
		snprintf(want, sizeof want, "usage: flacon %s", commands[i]);
		CHECK_MSG(cli_run(&r, "%s --help </dev/null", commands[i]) == 0, "%s --help: %d %s", commands[i],
			  r.status, r.err);
		CHECK_MSG(!strncmp(r.out, want, strlen(want)), "%s --help printed: %.200s", commands[i], r.out);
		CHECK_MSG(r.err[0] == '\0', "%s --help wrote on stderr: %s", commands[i], r.err);
		CHECK_MSG(cli_run(&r, "%s -h </dev/null", commands[i]) == 0, "%s -h: %d", commands[i], r.status);
		CHECK(!strncmp(r.out, want, strlen(want)));
		CHECK_MSG(cli_run(&r, "help %s", commands[i]) == 0, "help %s: %d", commands[i], r.status);
		CHECK(!strncmp(r.out, want, strlen(want)));
	}
	/* Options and arguments are described, not only the usage line. */
	cli_run(&r, "runserver --help");
	CHECK(strstr(r.out, "--workers N") && strstr(r.out, "SIGHUP"));
	cli_run(&r, "seed --help");
	CHECK(strstr(r.out, "--if-empty") && strstr(r.out, "flacon-demo"));
	/* Help anywhere among the options, as argparse does. */
	CHECK_INT(cli_run(&r, "seed --users 3 --help"), 0);
	CHECK(!strncmp(r.out, "usage: flacon seed", 18));
}

TEST(test_every_db_subcommand_answers_help_and_db_help_lists_them)
{
	struct run_result r;
	char want[128];
	CHECK_INT(cli_run(&r, "db --help"), 0);
	CHECK(!strncmp(r.out, "usage: flacon db", 16));
	for (size_t i = 0; i < N(db_subs); i++)
		CHECK_MSG(strstr(r.out, db_subs[i]) != NULL, "db --help does not list %s", db_subs[i]);
	CHECK_INT(cli_run(&r, "db -h"), 0);
	CHECK_INT(cli_run(&r, "help db"), 0);
	for (size_t i = 0; i < N(db_subs); i++) {
		snprintf(want, sizeof want, "usage: flacon db %s", db_subs[i]);
		CHECK_MSG(cli_run(&r, "db %s --help", db_subs[i]) == 0, "db %s --help: %d %s", db_subs[i], r.status,
			  r.err);
		CHECK_MSG(!strncmp(r.out, want, strlen(want)), "db %s --help printed: %.200s", db_subs[i], r.out);
		CHECK_INT(cli_run(&r, "db %s -h", db_subs[i]), 0);
		CHECK_INT(cli_run(&r, "help db %s", db_subs[i]), 0);
		CHECK(!strncmp(r.out, want, strlen(want)));
	}
	/* Help runs nothing: the migrations directory stays untouched. */
	CHECK_INT(cli_run(&r, "db migrate -m x --help"), 0);
	CHECK_INT(cli_run(&r, "help db frobnicate"), 2);
	CHECK_INT(cli_run(&r, "help frobnicate"), 2);
	CHECK_INT(cli_run(&r, "db frobnicate --help"), 2);
}

TEST(test_help_and_version_need_no_configuration)
{
	struct run_result r;
	CHECK_INT(cli_run(&r, "--config /nonexistent/flacon.conf seed --help"), 0);
	CHECK(!strncmp(r.out, "usage: flacon seed", 18));
	CHECK_INT(cli_run(&r, "--config /nonexistent/flacon.conf db upgrade --help"), 0);
	CHECK_INT(cli_run(&r, "--version"), 0);
	CHECK_MSG(!strncmp(r.out, "flacon ", 7) && strchr(r.out, '.'), "--version printed %s", r.out);
	CHECK_INT(cli_run(&r, "-V"), 0);
	CHECK_INT(cli_run(&r, "help"), 0);
	CHECK(!strncmp(r.out, "usage: flacon", 13));
}

TEST(test_global_help_lines_fit_eighty_columns)
{
	struct run_result r;
	CHECK_INT(cli_run(&r, "--help"), 0);
	size_t cmds = 0;
	for (char *line = r.out; *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		CHECK_MSG(n <= 80, "a line of flacon --help is %zu columns: %.*s", n, (int)n, line);
		/* Each command line: two spaces, the name in a column, the help. */
		for (size_t i = 0; i < N(commands); i++) {
			size_t k = strlen(commands[i]);
			if (n > k + 2 && !strncmp(line, "  ", 2) && !strncmp(line + 2, commands[i], k) &&
			    line[2 + k] == ' ') {
				CHECK_MSG(n > 16 && line[15] == ' ' && line[16] != ' ', "misaligned: %.*s", (int)n, line);
				cmds++;
			}
		}
		line += n + (nl ? 1 : 0);
	}
	CHECK_INT((long long)cmds, (long long)N(commands));
}

TEST(test_a_name_starting_with_a_dash_is_a_usage_error)
{
	struct run_result r;
	fresh_schema();
	/* The report: `echo pw | flacon createuser --help` made a user "--help". */
	CHECK_INT(cli_run_input(&r, "sekrit-password\n", "createuser --help"), 0);
	CHECK(!strncmp(r.out, "usage: flacon createuser", 24));
	CHECK_INT(num("SELECT COUNT(*) FROM user"), 0);
	CHECK_INT(cli_run_input(&r, "sekrit-password\n", "createuser -x"), 2);
	CHECK(strstr(r.err, "unknown option -x") != NULL);
	CHECK_INT(cli_run_input(&r, "sekrit-password\n", "createuser --admin bob"), 2);
	CHECK_INT(cli_run_input(&r, "sekrit-password\n", "createuser bob extra"), 2);
	CHECK_INT(num("SELECT COUNT(*) FROM user"), 0);
	/* "--" ends the options: a username may start with '-' (SPEC 7). */
	CHECK_INT(cli_run_input(&r, "sekrit-password\n", "createuser -- -dash"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM user WHERE username = '-dash'"), 1);
	CHECK_INT(cli_run(&r, "deleteuser -dash"), 2);
	CHECK_INT(num("SELECT COUNT(*) FROM user WHERE username = '-dash' AND isdelete = 0"), 1);
	CHECK_INT(cli_run(&r, "deleteuser -- -dash"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM user WHERE username = '-dash' AND isdelete = 1"), 1);
	CHECK_INT(cli_run(&r, "createcourse -Physics"), 2);
	CHECK_INT(cli_run(&r, "createcourse --credits 3 --help"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM course"), 0);
	CHECK_INT(cli_run(&r, "createcourse --credits 3 -- -Physics"), 0);
	CHECK_INT(num("SELECT COUNT(*) FROM course WHERE cname = '-Physics' AND score = 3"), 1);
	CHECK_INT(cli_run(&r, "runserver --frobnicate"), 2);
	CHECK(strstr(r.err, "flacon help runserver") != NULL);
}

/* Run flacon ARGS on a pseudo-terminal, answering each prompt in order
 * with the line in answers[]; collects everything the terminal showed
 * into shown. Returns the exit status (-1 on trouble). */
static int run_on_pty(const char *args, const char *const *answers, size_t nanswers, char *shown, size_t n)
{
	const char *bin = getenv("FLACON_BIN");
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "exec %s %s", bin ? bin : "build/flacon", args);
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv("FLACON_DATABASE_URL", cli_db_url(), 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	size_t got = 0, answered = 0;
	shown[0] = '\0';
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 20)
			break;
		struct pollfd p = {.fd = master, .events = POLLIN};
		if (poll(&p, 1, 200) < 0 && errno != EINTR)
			break;
		if (p.revents & (POLLIN | POLLHUP)) {
			ssize_t k = read(master, shown + got, n - 1 - got);
			if (k <= 0)
				break; /* EIO: the child closed the terminal */
			got += (size_t)k;
			shown[got] = '\0';
		}
		/* Answer a prompt once it is on the screen: count the colons
		 * of "Password: " prompts seen so far. */
		size_t prompts = 0;
		for (const char *s = shown; (s = strstr(s, "assword")); s++)
			prompts++;
		if (answered < nanswers && prompts > answered) {
			usleep(100000); /* let it turn echo off before we type */
			if (write(master, answers[answered], strlen(answers[answered])) < 0)
				break;
			answered++;
		}
	}
	close(master);
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(test_createuser_on_a_terminal_asks_twice_without_echo)
{
	char shown[8192];
	fresh_schema();
	const char *same[] = {"pty-secret-one\n", "pty-secret-one\n"};
	int st = run_on_pty("createuser ttyuser", same, 2, shown, sizeof shown);
	CHECK_MSG(st == 0, "exit %d, terminal showed: %s", st, shown);
	char *first = strstr(shown, "Password: ");
	CHECK_MSG(first != NULL, "no 'Password: ' prompt: %s", shown);
	CHECK_MSG(first && strstr(first + 1, "Password (again): ") != NULL, "not asked twice: %s", shown);
	CHECK_MSG(strstr(shown, "pty-secret-one") == NULL, "the password was echoed: %s", shown);
	CHECK_INT(num("SELECT COUNT(*) FROM user WHERE username = 'ttyuser'"), 1);
	/* Two different answers: nothing is created. */
	const char *differ[] = {"pty-secret-one\n", "pty-secret-two\n"};
	st = run_on_pty("createuser ttyuser2", differ, 2, shown, sizeof shown);
	CHECK_MSG(st == 1, "exit %d, terminal showed: %s", st, shown);
	CHECK(strstr(shown, "differ") != NULL);
	CHECK_INT(num("SELECT COUNT(*) FROM user WHERE username = 'ttyuser2'"), 0);
}

TEST(test_createuser_reads_one_line_when_not_on_a_terminal)
{
	struct run_result r;
	fresh_schema();
	CHECK_INT(cli_run_input(&r, "one-line-secret\nsecond line\n", "createuser pipeuser"), 0);
	CHECK(strstr(r.err, "Password") == NULL); /* no prompt into a pipe */
	CHECK_INT(num("SELECT COUNT(*) FROM user WHERE username = 'pipeuser'"), 1);
}

TEST(test_connect_error_names_the_url_the_socket_and_how_to_point_elsewhere)
{
	const char *bin = getenv("FLACON_BIN");
	char cmd[1024], out[4096];
	snprintf(cmd, sizeof cmd,
		 "cd /tmp && FLACON_DATABASE_URL='mariadb://flacon:topsecret@localhost/flacon?socket=no/such/mysqld.sock' "
		 "FLACON_DATABASE_CONNECT_TIMEOUT=1 %s session-gc 2>&1; echo \"rc=$?\"",
		 bin ? bin : "build/flacon");
	FILE *f = popen(cmd, "r");
	CHECK(f != NULL);
	size_t got = f ? fread(out, 1, sizeof out - 1, f) : 0;
	out[got] = '\0';
	if (f)
		pclose(f);
	CHECK_MSG(strstr(out, "rc=1") != NULL, "%s", out);
	CHECK_MSG(strstr(out, "mariadb://flacon:***@localhost/flacon?socket=no/such/mysqld.sock") != NULL, "%s", out);
	CHECK_MSG(strstr(out, "/tmp/no/such/mysqld.sock") != NULL, "the absolute socket path is missing: %s", out);
	CHECK_MSG(strstr(out, "relative to the current directory") != NULL, "%s", out);
	CHECK_MSG(strstr(out, "FLACON_DATABASE_URL") && strstr(out, "--config"), "no way out named: %s", out);
	CHECK_MSG(strstr(out, "topsecret") == NULL, "the password is shown: %s", out);
	/* One line. */
	CHECK_MSG(strchr(out, '\n') == strstr(out, "\nrc="), "more than one line: %s", out);
}

TEST(test_seed_prints_one_line_naming_the_demo_users_and_password)
{
	struct run_result r;
	fresh_schema();
	CHECK_INT(cli_run(&r, "seed --users 13 --articles 5 --courses 2"), 0);
	CHECK_MSG(strchr(r.out, '\n') == r.out + strlen(r.out) - 1, "not one line: %s", r.out);
	CHECK_MSG(!strncmp(r.out, "Seeded 13 users (alice, bob, carol, dave, erin, frank, grace, heidi, ivan, judy, "
			   "user00011 ... user00013; password flacon-demo), 13 students, 5 articles, 2 courses, ",
			   150),
		  "%s", r.out);
	CHECK(strstr(r.out, " in ") != NULL);
	fresh_schema();
	CHECK_INT(cli_run(&r, "seed --users 1 --articles 1 --courses 1"), 0);
	CHECK_MSG(!strncmp(r.out, "Seeded 1 user (alice; password flacon-demo), 1 student, 1 article, 1 course, 1 enrollment in ", 92),
		  "%s", r.out);
}

TEST(test_command_output_counts_words_in_the_singular_for_one)
{
	struct run_result r;
	fresh_schema();
	CHECK_INT(cli_run(&r, "createcourse --credits 1 --capacity 1 Solo"), 0);
	CHECK_MSG(strstr(r.out, "1 credit, 1 seat)") != NULL, "%s", r.out);
	CHECK_INT(cli_run(&r, "createcourse --credits 2 --capacity 30 Duo"), 0);
	CHECK_MSG(strstr(r.out, "2 credits, 30 seats)") != NULL, "%s", r.out);
	CHECK_INT(cli_run(&r, "session-gc"), 0);
	CHECK_MSG(strstr(r.out, "Deleted 0 expired sessions") != NULL, "%s", r.out);
}
