/* cli suite: article views are written in batches (SPEC 7, issue 22) —
 * through nginx to real workers on the real MariaDB: N views from several
 * connections grow click_num by exactly N within a second; a page shows
 * its own view; a stop (SIGTERM), a reload (SIGHUP) and a retirement
 * (max_requests) right after a burst lose and double nothing; a worker
 * killed with -9 loses at most its last ~100 ms of views. The stop,
 * reload and retirement run on a master and nginx of their own. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "db/db.h"
#include "http_client.h"
#include "procs.h"
#include "test.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the database, as a reader outside the workers ------------------------ */

static int first_int_row(void *ctx, const struct db_val *cols, size_t n)
{
	*(long long *)ctx = n && cols[0].type == DB_INT ? cols[0].i : -1;
	return 1;
}

/* The first column of sql's first row with one integer parameter (-1 when
 * none or on error). */
static long long sql_int(const char *sql, long long arg)
{
	char err[256];
	struct db *db = db_new(getenv("FLACON_DATABASE_URL"), err, sizeof err);
	long long v = -1;
	if (db) {
		struct db_val p = db_v_int(arg);
		if (db_query(db, NULL, sql, &p, strchr(sql, '?') ? 1 : 0, first_int_row, &v) < 0)
			v = -1;
		db_close(db);
	}
	return v;
}

static long long clicks_in_db(long long id)
{
	return sql_int("SELECT click_num FROM article WHERE id = ?", id);
}

/* A visible article of the shared data set. */
static long long some_article(void)
{
	return sql_int("SELECT MAX(id) FROM article WHERE isdelete = 0 AND id > ?", 0);
}

/* click_num once it equals want or `seconds` pass; *took the wait. */
static long long clicks_settled(long long id, long long want, double seconds, double *took)
{
	double t0 = now_s();
	long long n = clicks_in_db(id);
	while (n != want && now_s() - t0 < seconds) {
		usleep(20 * 1000);
		n = clicks_in_db(id);
	}
	if (took)
		*took = now_s() - t0;
	return n;
}

/* ---- a private stack: nginx + a master of its own ------------------------- */

struct stack {
	char dir[512];
	int port;
	pid_t master;
};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096], full[4400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	snprintf(full, sizeof full, "bash -c 'source scripts/stack.sh; %s'", cmd);
	int st = system(full);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int read_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = 0;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* GET path on port: the status (0: no answer), and the body into out. */
static int get_on(int port, const char *path, char *out, size_t n)
{
	char req[512];
	int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	struct http_resp r;
	if (hc_raw(port, req, (size_t)len, &r) < 0)
		return 0;
	if (out && n) {
		snprintf(out, n, "%s", r.body ? r.body : "");
	}
	int s = r.status;
	hc_free(&r);
	return s;
}

/* Start nginx and `flacon runserver` (env: extra variables) under a new
 * directory; false (test failed) when it does not come up. */
static bool stack_up(struct stack *s, const char *name, int workers, const char *env)
{
	const char *tmp = getenv("FLACON_TEST_TMP");
	snprintf(s->dir, sizeof s->dir, "%s/%s", tmp ? tmp : "/tmp", name);
	mkdir(s->dir, 0755);
	CHECK_INT(sh("p=$(free_port) && echo $p >%s/port && "
		     "nginx_conf conf/nginx.conf.in %s/nginx.conf $p %s/flacon.sock %s \"$PWD/www/static\" 1048576 && "
		     "nginx_start %s/nginx.conf %s",
		     s->dir, s->dir, s->dir, s->dir, s->dir, s->dir),
		  0);
	char portf[600];
	snprintf(portf, sizeof portf, "%s/port", s->dir);
	s->port = read_int(portf);
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "%s '%s' runserver --listen 'unix:%s/flacon.sock' --workers %d >'%s/flacon.log' 2>&1 & "
		 "echo $! >'%s/pid'",
		 env ? env : "", getenv("FLACON_BIN"), s->dir, workers, s->dir, s->dir);
	CHECK_INT(system(cmd), 0);
	char pidf[600];
	snprintf(pidf, sizeof pidf, "%s/pid", s->dir);
	s->master = read_int(pidf);
	for (int i = 0; i < 100; i++) {
		pid_t w[8];
		if (get_on(s->port, "/healthz", NULL, 0) == 200 &&
		    test_children(s->master, "flacon-worker", w, 8) == workers)
			return true;
		usleep(100 * 1000);
	}
	CHECK_MSG(0, "the stack under %s did not come up", s->dir);
	return false;
}

/* Stop the master (if still there) and nginx. */
static void stack_down(struct stack *s)
{
	if (s->master > 0 && kill(s->master, 0) == 0) {
		kill(s->master, SIGTERM);
		for (int i = 0; i < 200 && kill(s->master, 0) == 0; i++)
			usleep(50 * 1000);
	}
	sh("nginx_stop %s", s->dir);
}

static bool wait_exit(pid_t pid, double seconds)
{
	double t0 = now_s();
	while (kill(pid, 0) == 0 && now_s() - t0 < seconds)
		usleep(20 * 1000);
	return kill(pid, 0) != 0;
}

/* ---- a burst of views ------------------------------------------------------- */

struct viewer {
	int port;
	long long id;
	int count;        /* views to send (0: until stop) */
	volatile int *stop;
	int ok, bad;
	double done[4096]; /* when each 200 came back */
};

static void *view_loop(void *p)
{
	struct viewer *v = p;
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld", v->id);
	for (int i = 0; (v->count ? i < v->count : !*v->stop) && v->ok < 4096; i++) {
		if (get_on(v->port, path, NULL, 0) == 200)
			v->done[v->ok++] = now_s();
		else
			v->bad++;
	}
	return NULL;
}

/* nthreads connections, per views each, on port; returns the 200s. */
static int burst(int port, long long id, int nthreads, int per)
{
	static struct viewer vs[8];
	pthread_t th[8];
	for (int i = 0; i < nthreads; i++) {
		vs[i] = (struct viewer){.port = port, .id = id, .count = per};
		pthread_create(&th[i], NULL, view_loop, &vs[i]);
	}
	int ok = 0, bad = 0;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		ok += vs[i].ok;
		bad += vs[i].bad;
	}
	CHECK_MSG(bad == 0, "%d views did not answer 200", bad);
	return ok;
}

/* ---- the shared stack (tests/run.sh's nginx and two workers) --------------- */

TEST(test_clicks_two_hundred_views_through_both_workers_grow_click_num_by_exactly_200_within_a_second)
{
	long long id = some_article();
	CHECK(id > 0);
	if (id <= 0)
		return;
	long long before = clicks_in_db(id);
	int ok = burst(hc_port(), id, 8, 25);
	CHECK_INT(ok, 200);
	double took;
	long long after = clicks_settled(id, before + ok, 3.0, &took);
	CHECK_MSG(after == before + ok, "click_num grew by %lld for %d views", after - before, ok);
	CHECK_MSG(took <= 1.0, "the views took %.2f s to reach the database", took);
	/* Nothing arrives later either (no view written twice). */
	usleep(300 * 1000);
	CHECK_INT(clicks_in_db(id), before + ok);
	/* Both workers wrote batches: each run's ledger row was just moved. */
	long long writers = sql_int("SELECT COUNT(*) FROM deferred_ledger "
				    "WHERE updated_at >= UTC_TIMESTAMP() - INTERVAL ? SECOND",
				    5);
	CHECK_MSG(writers >= 2, "%lld workers wrote batches", writers);
}

/* The count an article page shows ("· N views</p>"), or -1. */
static long long shown_views(const char *html)
{
	const char *p = strstr(html, " view");
	while (p) {
		const char *q = p;
		while (q > html && q[-1] >= '0' && q[-1] <= '9')
			q--;
		if (q < p && (strncmp(p, " views</p>", 10) == 0 || strncmp(p, " view</p>", 9) == 0))
			return atoll(q);
		p = strstr(p + 1, " view");
	}
	return -1;
}

TEST(test_clicks_article_page_shows_the_count_with_its_own_view)
{
	long long id = some_article();
	CHECK(id > 0);
	if (id <= 0)
		return;
	static char body[1 << 17];
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld", id);
	for (int i = 0; i < 5; i++) {
		/* Nothing pending anywhere: the page is the database plus itself. */
		usleep(250 * 1000);
		long long before = clicks_in_db(id);
		CHECK_INT(get_on(hc_port(), path, body, sizeof body), 200);
		CHECK_MSG(shown_views(body) == before + 1, "view %d: the page shows %lld, the database had %lld",
			  i, shown_views(body), before);
	}
	/* Rapid views: each page counts at least itself on top of what was
	 * written before it. */
	usleep(250 * 1000);
	long long base = clicks_in_db(id);
	for (int i = 0; i < 10; i++) {
		CHECK_INT(get_on(hc_port(), path, body, sizeof body), 200);
		long long s = shown_views(body);
		CHECK_MSG(s >= base + 1 && s <= base + 1 + i, "rapid view %d shows %lld (base %lld)", i, s, base);
	}
	/* All ten written before the next test reads the same article's
	 * count (it would see them arrive during its own burst). */
	CHECK_INT(clicks_settled(id, base + 10, 3.0, NULL), base + 10);
}

/* ---- stop, reload, retirement, kill -9 on a stack of their own ------------- */

TEST(test_clicks_sigterm_of_the_master_right_after_a_burst_loses_and_doubles_nothing)
{
	struct stack s = {0};
	long long id = some_article();
	if (id <= 0 || !stack_up(&s, "clicks-stop", 2, NULL))
		goto out;
	long long before = clicks_in_db(id);
	int ok = burst(s.port, id, 4, 30);
	CHECK_INT(kill(s.master, SIGTERM), 0);
	CHECK(wait_exit(s.master, 15.0));
	/* Every worker has exited: what the database holds now is final. */
	CHECK_MSG(clicks_in_db(id) == before + ok, "after the stop: +%lld for %d views",
		  clicks_in_db(id) - before, ok);
out:
	stack_down(&s);
}

TEST(test_clicks_sighup_reload_right_after_a_burst_loses_and_doubles_nothing)
{
	struct stack s = {0};
	long long id = some_article();
	if (id <= 0 || !stack_up(&s, "clicks-reload", 2, NULL))
		goto out;
	pid_t old[8];
	int nold = test_children(s.master, "flacon-worker", old, 8);
	long long before = clicks_in_db(id);
	int ok = burst(s.port, id, 4, 30);
	CHECK_INT(kill(s.master, SIGHUP), 0);
	/* The old workers drain and exit (their batches written by then). */
	for (int k = 0; k < nold; k++)
		CHECK(wait_exit(old[k], 15.0));
	CHECK_MSG(clicks_in_db(id) == before + ok, "after the reload: +%lld for %d views",
		  clicks_in_db(id) - before, ok);
	/* And the new workers serve and count on. */
	int more = burst(s.port, id, 2, 10);
	CHECK_INT(more, 20);
	CHECK_INT(clicks_settled(id, before + ok + more, 2.0, NULL), before + ok + more);
out:
	stack_down(&s);
}

TEST(test_clicks_max_requests_retirement_writes_the_last_views_before_the_worker_exits)
{
	struct stack s = {0};
	long long id = some_article();
	if (id <= 0 || !stack_up(&s, "clicks-retire", 1, "FLACON_SERVER_MAX_REQUESTS=40"))
		goto out;
	pid_t w;
	CHECK_INT(test_children(s.master, "flacon-worker", &w, 1), 1);
	long long before = clicks_in_db(id);
	/* The worker retires after its 40th request (the /healthz of
	 * stack_up among them), its newest views still unwritten: nothing
	 * but its drain can write them. Its successor takes the rest. */
	int ok = 0;
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld", id);
	for (int i = 0; i < 60; i++)
		ok += get_on(s.port, path, NULL, 0) == 200;
	CHECK_INT(ok, 60);
	CHECK(wait_exit(w, 10.0));
	long long got = clicks_settled(id, before + ok, 2.0, NULL) - before;
	CHECK_MSG(got == ok, "after the retirement: +%lld for %d views", got, ok);
out:
	stack_down(&s);
}

TEST(test_clicks_kill_9_of_a_worker_loses_at_most_its_last_100_ms_of_views_and_doubles_none)
{
	struct stack s = {0};
	long long id = some_article();
	if (id <= 0 || !stack_up(&s, "clicks-kill", 1, NULL))
		goto out;
	pid_t w;
	CHECK_INT(test_children(s.master, "flacon-worker", &w, 1), 1);
	long long before = clicks_in_db(id);
	static struct viewer vs[2];
	volatile int stop = 0;
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		vs[i] = (struct viewer){.port = s.port, .id = id, .stop = &stop};
		pthread_create(&th[i], NULL, view_loop, &vs[i]);
	}
	usleep(700 * 1000);
	double killed = now_s();
	CHECK_INT(kill(w, SIGKILL), 0);
	stop = 1;
	int ok = 0, recent = 0;
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		ok += vs[i].ok;
		/* Answers of the last 150 ms before the kill (and any after
		 * it, from the worker that replaced it). */
		for (int k = 0; k < vs[i].ok; k++)
			recent += vs[i].done[k] >= killed - 0.150;
	}
	/* The replacement's own views are written within a second. */
	usleep(1000 * 1000);
	long long got = clicks_in_db(id) - before;
	long long lost = ok - got;
	printf("cli figures: kill -9 after %d views: %lld counted, %lld lost, %d answered in the last 150 ms\n",
	       ok, got, lost, recent);
	CHECK_MSG(lost >= 0, "%lld views counted twice", -lost);
	CHECK_MSG(lost <= recent, "%lld views lost, only %d answered in the last 150 ms", lost, recent);
	CHECK(ok > 20);
out:
	stack_down(&s);
}

/* ---- the ledger table: create-all and db upgrade --------------------------- */

static int ledger_present(void)
{
	char out[64] = "";
	cli_sql(out, sizeof out,
		"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
		"AND TABLE_NAME = 'deferred_ledger'");
	return atoi(out);
}

TEST(test_clicks_ledger_table_comes_with_create_all_and_with_db_upgrade_of_an_existing_database)
{
	struct run_result r;
	cli_fresh();
	CHECK_INT(cli_run(&r, "create-all"), 0);
	CHECK_INT(ledger_present(), 1);
	CHECK_INT(cli_run(&r, "drop-all"), 0);
	CHECK_INT(ledger_present(), 0);
	/* A database at 0007 (before the ledger): db upgrade adds it, and
	 * the schema then matches the models and the framework's tables. */
	cli_fresh();
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cp sql/migrations/000[1-7]_*.sql '%s'/", cli_migrations_dir());
	CHECK_INT(system(cmd), 0);
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK_INT(ledger_present(), 0);
	snprintf(cmd, sizeof cmd, "cp sql/migrations/0008_*.sql '%s'/", cli_migrations_dir());
	CHECK_INT(system(cmd), 0);
	CHECK_INT(cli_run(&r, "db upgrade"), 0);
	CHECK_INT(ledger_present(), 1);
	CHECK_INT(cli_run(&r, "db migrate -m nothing"), 0);
	CHECK_MSG(strstr(r.out, "No changes in schema detected") != NULL, "%s%s", r.out, r.err);
	CHECK_INT(cli_run(&r, "db downgrade -1"), 0);
	CHECK_INT(ledger_present(), 0);
}
