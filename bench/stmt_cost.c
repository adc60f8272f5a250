/* stmt_cost.c — `make bench-stmt`: what one execution of each statement of
 * the site's list pages costs MariaDB's CPU, and what candidate variants of
 * them would cost (docs/performance.md). Not Flacon: bare libmariadb, the
 * same binary protocol (prepared statements, bound values, results bound
 * and stored) and connection settings as app/db.
 *
 * For each statement two processes each open a connection, prepare it,
 * run it N / 10 times (at least 200) to warm up, then, together on the
 * parent's signal, N times or until 5 s have passed. The parent reads
 * mysqld's utime + stime (/proc/PID/stat, all its threads) just before the
 * signal and just after both have answered; the sample is that CPU time,
 * less mysqld's idle CPU over the same wall time (measured beforehand,
 * once it has settled), divided by the executions. ROUNDS rounds run every
 * statement in turn, so that a drift of a shared machine's load touches
 * them alike; the table gives the median, min and max of the rounds. It
 * also shows the rows of each statement's last execution and a hash of
 * their first column in order, so that a variant is seen to return the
 * same rows in the same order (the "mine" statements draw a random
 * student per execution: their rows differ).
 *
 * The "twin:" statements run on stmt_cost_article, a copy of article made
 * here whose list index has pdatetime and id in the other direction (ASC
 * <-> DESC); it is dropped at the end. Run this on a throw-away database.
 *
 * Usage: stmt_cost DB_SOCKET DB_USER DB_NAME MYSQLD_PID [N [ROUNDS [FILTER]]]
 *   N executions per connection and round (default 1000), ROUNDS (default
 *   3); FILTER (substrings separated by "|") runs only the statements whose
 *   name contains one of them. */
#include <mysql.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONNS 2
#define MAX_PARAMS 4
#define MAX_COLS 16
#define COL_BUF 512

/* A bound value: a constant, or a random id drawn per execution. */
enum param_kind { P_NONE, P_STR, P_INT, P_ARTICLE_ID, P_STUDENT_ID };

struct param {
	enum param_kind kind;
	const char *s;
	long long i;
};

struct stmt_def {
	const char *name;
	const char *sql;
	struct param params[MAX_PARAMS];
};

/* The list's columns, as app/site/articles.c selects them. */
#define LIST_COLS                                                                          \
	"SELECT `article`.`id`, `article`.`title`, `article`.`pdatetime`, `article`.`click_num`, " \
	"`article`.`user_id`, `article`.`author_name`"
#define LIST_FROM " FROM `article` WHERE `article`.`isdelete` = ? "
#define LIST_ORDER "ORDER BY `article`.`pdatetime` DESC, `article`.`id` DESC LIMIT ?"
/* The same FROM on the twin table (see flip_twin). */
#define TWIN_FROM " FROM `stmt_cost_article` AS `article` WHERE `article`.`isdelete` = ? "
#define TOTAL_SUM ", (SELECT SUM(`counter`.`value`) AS c1 FROM `counter` WHERE `counter`.`name` = ?) AS c2"
#define TOTAL_ROW                                                                              \
	", (SELECT `counter`.`value` FROM `counter` WHERE `counter`.`name` = ? AND `counter`.`slot` = ?) " \
	"AS c2"
#define ARTICLES {P_STR, "articles", 0}
#define ZERO {P_INT, NULL, 0}
#define TWENTY {P_INT, NULL, 20}
#define COURSE_COLS                                                                     \
	"SELECT `course`.`id`, `course`.`cname`, `course`.`score`, `course`.`capacity`, " \
	"`course`.`enrolled`"

static const struct stmt_def stmts[] = {
	{"pk (ceiling)", "SELECT id, title, click_num FROM article WHERE id = ?", {{P_ARTICLE_ID, NULL, 0}}},
	{"list (site)", LIST_COLS TOTAL_SUM LIST_FROM LIST_ORDER, {ARTICLES, ZERO, TWENTY}},
	{"list, no total", LIST_COLS LIST_FROM LIST_ORDER, {ZERO, TWENTY}},
	{"list, total of one row", LIST_COLS TOTAL_ROW LIST_FROM LIST_ORDER, {ARTICLES, ZERO, ZERO, TWENTY}},
	{"list, total row LEFT JOINed",
	 LIST_COLS ", `counter`.`value` FROM `article` LEFT JOIN `counter` ON `counter`.`name` = ? AND "
		   "`counter`.`slot` = ? WHERE `article`.`isdelete` = ? " LIST_ORDER,
	 {ARTICLES, ZERO, ZERO, TWENTY}},
	{"list, total scans counter",
	 LIST_COLS ", (SELECT SUM(`counter`.`value`) FROM `counter` IGNORE INDEX (`uq_counter_name_slot`) "
		   "WHERE `counter`.`name` = ?) AS c2" LIST_FROM LIST_ORDER,
	 {ARTICLES, ZERO, TWENTY}},
	{"list total alone (SUM)", "SELECT SUM(`counter`.`value`) FROM `counter` WHERE `counter`.`name` = ?",
	 {ARTICLES}},
	{"list, id + title only", "SELECT `article`.`id`, `article`.`title`" TOTAL_SUM LIST_FROM LIST_ORDER,
	 {ARTICLES, ZERO, TWENTY}},
	{"list, id only", "SELECT `article`.`id`" LIST_FROM LIST_ORDER, {ZERO, TWENTY}},
	{"list, deferred join",
	 LIST_COLS TOTAL_SUM " FROM (SELECT `id` FROM `article` WHERE `isdelete` = ? "
			     "ORDER BY `pdatetime` DESC, `id` DESC LIMIT ?) AS `p` JOIN `article` "
			     "ON `article`.`id` = `p`.`id` " LIST_ORDER,
	 {ARTICLES, ZERO, TWENTY, TWENTY}},
	{"list, FORCE INDEX",
	 LIST_COLS TOTAL_SUM " FROM `article` FORCE INDEX (`ix_article_isdelete_pdatetime`) WHERE "
			     "`article`.`isdelete` = ? " LIST_ORDER,
	 {ARTICLES, ZERO, TWENTY}},
	{"twin: list (site)", LIST_COLS TOTAL_SUM TWIN_FROM LIST_ORDER, {ARTICLES, ZERO, TWENTY}},
	{"twin: list, no total", LIST_COLS TWIN_FROM LIST_ORDER, {ZERO, TWENTY}},
	{"twin: list, total of one row", LIST_COLS TOTAL_ROW TWIN_FROM LIST_ORDER,
	 {ARTICLES, ZERO, ZERO, TWENTY}},
	{"courses: all (site)", COURSE_COLS " FROM `course` ORDER BY `course`.`id` ASC", {{P_NONE}}},
	{"courses: mine, joined (old)",
	 COURSE_COLS ", `student_course`.`stu_id` FROM `course` JOIN `student_course` ON "
		     "`student_course`.`cou_id` = `course`.`id` WHERE `student_course`.`stu_id` IN (?) "
		     "ORDER BY `course`.`id` ASC",
	 {{P_STUDENT_ID, NULL, 0}}},
	{"courses: mine, ids (site)",
	 "SELECT `student_course`.`cou_id` FROM `student_course` WHERE `student_course`.`stu_id` = ?",
	 {{P_STUDENT_ID, NULL, 0}}},
	{"courses: mine, IN subquery",
	 COURSE_COLS " FROM `course` WHERE `course`.`id` IN (SELECT `student_course`.`cou_id` FROM "
		     "`student_course` WHERE `student_course`.`stu_id` = ?) ORDER BY `course`.`id` ASC",
	 {{P_STUDENT_ID, NULL, 0}}},
	{"courses: all, no ORDER BY", COURSE_COLS " FROM `course`", {{P_NONE}}},
	{"courses: all + mine in one",
	 COURSE_COLS ", `student_course`.`stu_id` FROM `course` LEFT JOIN `student_course` ON "
		     "`student_course`.`cou_id` = `course`.`id` AND `student_course`.`stu_id` = ? "
		     "ORDER BY `course`.`id` ASC",
	 {{P_STUDENT_ID, NULL, 0}}},
};
#define NSTMTS (sizeof stmts / sizeof stmts[0])

static const char *db_socket, *db_user, *db_name;
static long long max_article, max_student;

/* A connection set up as app/db sets up its own. NULL (said) on failure. */
static MYSQL *connect_db(void)
{
	MYSQL *m = mysql_init(NULL);
	if (!m)
		return NULL;
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_optionsv(m, MYSQL_INIT_COMMAND,
		       "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
		       "NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
	if (!mysql_real_connect(m, NULL, db_user, NULL, db_name, 0, db_socket, 0)) {
		fprintf(stderr, "stmt_cost: %s\n", mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

/* The first column of the first row of a plain query as a number; -1 on error. */
static long long query_num(MYSQL *m, const char *sql)
{
	if (mysql_query(m, sql)) {
		fprintf(stderr, "stmt_cost: %s: %s\n", sql, mysql_error(m));
		return -1;
	}
	MYSQL_RES *res = mysql_store_result(m);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	long long v = row && row[0] ? atoll(row[0]) : 0;
	mysql_free_result(res);
	return v;
}

static int exec_sql(MYSQL *m, const char *sql)
{
	if (mysql_query(m, sql)) {
		fprintf(stderr, "stmt_cost: %s: %s\n", sql, mysql_error(m));
		return -1;
	}
	mysql_free_result(mysql_store_result(m)); /* ANALYZE TABLE answers rows */
	return 0;
}

/* mysqld's utime + stime in seconds. */
static double mysqld_cpu(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields 14 and 15, counted after the ")" that ends the name. */
	const char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t rng_next(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/* What a worker tells the parent. */
struct report {
	long execs;
	long rows;     /* rows of the last execution */
	uint64_t hash; /* FNV-1a of its first column, row after row */
	int ok;
};

/* One execution: bind the parameters (random ids drawn anew), execute,
 * store and read every row. Rows read, or -1 (said). */
static long run_once(MYSQL_STMT *st, const struct stmt_def *d, MYSQL_BIND *pb, long long *pv,
		     MYSQL_BIND *rb, unsigned ncols, uint64_t *rng, uint64_t *hash)
{
	for (unsigned i = 0; i < MAX_PARAMS && d->params[i].kind != P_NONE; i++) {
		if (d->params[i].kind == P_ARTICLE_ID)
			pv[i] = (long long)(rng_next(rng) % (uint64_t)max_article) + 1;
		else if (d->params[i].kind == P_STUDENT_ID)
			pv[i] = (long long)(rng_next(rng) % (uint64_t)max_student) + 1;
	}
	if (mysql_stmt_bind_param(st, pb) || mysql_stmt_execute(st) ||
	    (ncols && (mysql_stmt_bind_result(st, rb) || mysql_stmt_store_result(st)))) {
		fprintf(stderr, "stmt_cost: %s: %s\n", d->name, mysql_stmt_error(st));
		return -1;
	}
	long rows = 0;
	uint64_t h = 14695981039346656037u;
	int frc;
	while (ncols && ((frc = mysql_stmt_fetch(st)) == 0 || frc == MYSQL_DATA_TRUNCATED)) {
		const unsigned char *c = rb[0].buffer;
		for (unsigned long k = 0; k < *rb[0].length && k < COL_BUF; k++)
			h = (h ^ c[k]) * 1099511628211u;
		h = (h ^ ',') * 1099511628211u;
		rows++;
	}
	mysql_stmt_free_result(st);
	*hash = h;
	return rows;
}

/* A worker: connect, prepare, warm up, say ready on rfd, wait for the
 * start byte on gfd, run up to n times until the deadline, report. */
static int worker(const struct stmt_def *d, long n, long warm, double max_seconds, int rfd, int gfd)
{
	struct report rep = {0};
	MYSQL *m = connect_db();
	MYSQL_STMT *st = m ? mysql_stmt_init(m) : NULL;
	if (!st || mysql_stmt_prepare(st, d->sql, strlen(d->sql))) {
		if (st)
			fprintf(stderr, "stmt_cost: %s: %s\n", d->name, mysql_stmt_error(st));
		goto out;
	}
	MYSQL_BIND pb[MAX_PARAMS];
	long long pv[MAX_PARAMS];
	unsigned long plen[MAX_PARAMS];
	memset(pb, 0, sizeof pb);
	for (unsigned i = 0; i < MAX_PARAMS && d->params[i].kind != P_NONE; i++) {
		if (d->params[i].kind == P_STR) {
			plen[i] = strlen(d->params[i].s);
			pb[i].buffer_type = MYSQL_TYPE_STRING;
			pb[i].buffer = (void *)d->params[i].s;
			pb[i].buffer_length = plen[i];
			pb[i].length = &plen[i];
		} else {
			pv[i] = d->params[i].i;
			pb[i].buffer_type = MYSQL_TYPE_LONGLONG;
			pb[i].buffer = &pv[i];
		}
	}
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	unsigned ncols = meta ? mysql_num_fields(meta) : 0;
	mysql_free_result(meta);
	if (ncols > MAX_COLS)
		goto out;
	static char bufs[MAX_COLS][COL_BUF];
	unsigned long lens[MAX_COLS];
	my_bool nulls[MAX_COLS];
	MYSQL_BIND rb[MAX_COLS];
	memset(rb, 0, sizeof rb);
	for (unsigned i = 0; i < ncols; i++) {
		rb[i].buffer_type = MYSQL_TYPE_STRING;
		rb[i].buffer = bufs[i];
		rb[i].buffer_length = COL_BUF;
		rb[i].length = &lens[i];
		rb[i].is_null = &nulls[i];
	}
	uint64_t rng = (uint64_t)getpid() * 0x9E3779B97F4A7C15u | 1;
	for (long i = 0; i < warm; i++)
		if (run_once(st, d, pb, pv, rb, ncols, &rng, &rep.hash) < 0)
			goto out;
	char c = 'r';
	if (write(rfd, &c, 1) != 1 || read(gfd, &c, 1) != 1)
		goto out;
	double end = now() + max_seconds;
	for (rep.execs = 0; rep.execs < n; rep.execs++) {
		if ((rep.execs & 63) == 0 && now() > end)
			break;
		if ((rep.rows = run_once(st, d, pb, pv, rb, ncols, &rng, &rep.hash)) < 0)
			goto out;
	}
	rep.ok = 1;
out:
	if (st)
		mysql_stmt_close(st);
	if (m)
		mysql_close(m);
	return write(rfd, &rep, sizeof rep) == sizeof rep && rep.ok ? 0 : 1;
}

/* Read exactly len bytes; 0 or -1. */
static int read_all(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t r = read(fd, (char *)buf + got, len - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* One sample of statement d on CONNS workers: mysqld's µs of CPU per
 * execution into *us, the total executions, the rows and first-column hash
 * of worker 0's last execution into *last. 0 or -1. */
static int measure(const struct stmt_def *d, pid_t mysqld, long n, double max_seconds, double idle_rate,
		   double *us, long *execs, struct report *last)
{
	int rp[2], gp[2];
	if (pipe(rp))
		return -1;
	if (pipe(gp)) {
		close(rp[0]);
		close(rp[1]);
		return -1;
	}
	pid_t kids[CONNS];
	int nkids = 0;
	fflush(stdout);
	for (; nkids < CONNS; nkids++) {
		kids[nkids] = fork();
		if (kids[nkids] < 0)
			break;
		if (kids[nkids] == 0) {
			close(rp[0]);
			close(gp[1]);
			_exit(worker(d, n, n / 10 < 200 ? 200 : n / 10, max_seconds, rp[1], gp[0]));
		}
	}
	close(rp[1]);
	close(gp[0]);
	int rc = -1;
	char c;
	for (int k = 0; k < nkids; k++)
		if (read(rp[0], &c, 1) != 1)
			goto out;
	if (nkids < CONNS)
		goto out;
	double cpu0 = mysqld_cpu(mysqld), t0 = now();
	char go[CONNS];
	memset(go, 'g', sizeof go);
	if (write(gp[1], go, sizeof go) != (ssize_t)sizeof go)
		goto out;
	struct report r[CONNS];
	for (int k = 0; k < CONNS; k++)
		if (read_all(rp[0], &r[k], sizeof r[k]) < 0 || !r[k].ok)
			goto out;
	double cpu1 = mysqld_cpu(mysqld), t1 = now();
	*execs = 0;
	for (int k = 0; k < CONNS; k++)
		*execs += r[k].execs;
	double busy = cpu1 - cpu0 - idle_rate * (t1 - t0);
	*us = *execs ? busy * 1e6 / (double)*execs : 0.0;
	*last = r[0];
	rc = 0;
out:
	close(rp[0]);
	close(gp[1]);
	for (int k = 0; k < nkids; k++) {
		int status;
		if (rc < 0)
			kill(kids[k], SIGTERM);
		waitpid(kids[k], &status, 0);
	}
	return rc;
}

/* The twin of the article table: the same columns, rows and indexes, but
 * the list index with pdatetime and id in the other direction (ASC <->
 * DESC), so that both directions are measured in the same rounds. Which
 * direction the twin has into *dir. 0 or -1. */
static int make_twin(MYSQL *m, const char **dir)
{
	long long desc = query_num(m, "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE "
				      "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'article' AND INDEX_NAME = "
				      "'ix_article_isdelete_pdatetime' AND COLLATION = 'D'");
	if (desc < 0)
		return -1;
	*dir = desc ? "ASC" : "DESC";
	char sql[512];
	snprintf(sql, sizeof sql,
		 "ALTER TABLE `stmt_cost_article` DROP INDEX `ix_article_isdelete_pdatetime`, ADD INDEX "
		 "`ix_article_isdelete_pdatetime` (`isdelete`, `pdatetime` %s, `id` %s, `user_id`, "
		 "`click_num`, `author_name`, `title`)",
		 *dir, *dir);
	return exec_sql(m, "DROP TABLE IF EXISTS `stmt_cost_article`") < 0 ||
			       exec_sql(m, "CREATE TABLE `stmt_cost_article` LIKE `article`") < 0 ||
			       exec_sql(m, sql) < 0 ||
			       exec_sql(m, "INSERT INTO `stmt_cost_article` SELECT * FROM `article`") < 0 ||
			       exec_sql(m, "ANALYZE TABLE `stmt_cost_article`") < 0
		       ? -1
		       : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define MAX_ROUNDS 15

/* Does name contain one of the "|"-separated substrings of filter? */
static bool matches(const char *filter, const char *name)
{
	for (const char *p = filter; *p;) {
		size_t len = strcspn(p, "|");
		for (const char *q = name; len && strlen(q) >= len; q++)
			if (!strncmp(q, p, len))
				return true;
		p += len + (p[len] == '|');
	}
	return false;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: stmt_cost DB_SOCKET DB_USER DB_NAME MYSQLD_PID [N [ROUNDS [FILTER]]]\n");
		return 2;
	}
	db_socket = argv[1];
	db_user = argv[2];
	db_name = argv[3];
	pid_t mysqld = (pid_t)atol(argv[4]);
	long n = argc > 5 ? atol(argv[5]) : 1000;
	int rounds = argc > 6 ? atoi(argv[6]) : 3;
	const char *filter = argc > 7 && argv[7][0] ? argv[7] : NULL;
	const double max_seconds = 5;
	if (n < 1 || rounds < 1 || rounds > MAX_ROUNDS || mysqld_cpu(mysqld) < 0) {
		fprintf(stderr, "stmt_cost: bad N, ROUNDS (1 to %d) or mysqld pid\n", MAX_ROUNDS);
		return 2;
	}
	MYSQL *m = connect_db();
	if (!m)
		return 1;
	max_article = query_num(m, "SELECT COALESCE(MAX(id), 0) FROM article");
	max_student = query_num(m, "SELECT COALESCE(MAX(id), 0) FROM student");
	if (max_article < 1 || max_student < 1) {
		fprintf(stderr, "stmt_cost: no articles or no students (seed first)\n");
		mysql_close(m);
		return 1;
	}
	bool use[NSTMTS], twin = false;
	for (size_t i = 0; i < NSTMTS; i++) {
		use[i] = !filter || matches(filter, stmts[i].name);
		twin |= use[i] && !strncmp(stmts[i].name, "twin:", 5);
	}
	const char *dir = "";
	if (twin && make_twin(m, &dir) < 0) {
		mysql_close(m);
		return 1;
	}
	/* mysqld's own CPU while nobody asks anything (its background threads),
	 * once they have settled (the twin's copy leaves purge and flushing
	 * behind): the first 2 s in which it stays under 20 ms/s, or the last of
	 * 15 tries. */
	double idle_rate = 0;
	for (int i = 0; i < 15; i++) {
		double c0 = mysqld_cpu(mysqld), t0 = now();
		sleep(2);
		idle_rate = (mysqld_cpu(mysqld) - c0) / (now() - t0);
		if (idle_rate < 0.02)
			break;
	}
	printf("mysqld pid %d; per statement and round %d connections x %ld executions (at most %.0f s); "
	       "%d rounds; idle CPU %.1f ms/s subtracted%s%s\n\n",
	       (int)mysqld, CONNS, n, max_seconds, rounds, idle_rate * 1e3,
	       twin ? "; twin: article's copy with the list index's pdatetime, id " : "", dir);
	static double us[NSTMTS][MAX_ROUNDS];
	long execs[NSTMTS] = {0};
	struct report last[NSTMTS];
	int rc = 0;
	/* Rounds of every statement in turn: a drift of the machine's load
	 * touches every statement alike. */
	for (int r = 0; r < rounds && rc == 0; r++)
		for (size_t i = 0; i < NSTMTS && rc == 0; i++) {
			long e = 0;
			if (use[i] && measure(&stmts[i], mysqld, n, max_seconds, idle_rate, &us[i][r], &e,
					      &last[i]) < 0)
				rc = 1;
			execs[i] += e;
		}
	if (rc == 0) {
		printf("| statement                    | µs median | µs min | µs max | executions | rows | "
		       "first column hash |\n");
		printf("|------------------------------|----------:|-------:|-------:|-----------:|-----:|"
		       "-------------------|\n");
		for (size_t i = 0; i < NSTMTS; i++) {
			if (!use[i])
				continue;
			qsort(us[i], (size_t)rounds, sizeof us[i][0], cmp_double);
			printf("| %-28s | %9.1f | %6.1f | %6.1f | %10ld | %4ld | %016llx |\n", stmts[i].name,
			       us[i][rounds / 2], us[i][0], us[i][rounds - 1], execs[i], last[i].rows,
			       (unsigned long long)last[i].hash);
		}
	}
	if (twin && exec_sql(m, "DROP TABLE IF EXISTS `stmt_cost_article`") < 0)
		rc = 1;
	mysql_close(m);
	return rc;
}
