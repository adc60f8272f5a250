/* cli suite: kept FastCGI connections (SPEC 9, issue 22) — one worker
 * serves many connections that the client keeps (FCGI_KEEP_CONN), waiting
 * on all of them and the listen socket at once; server.worker_connections
 * bounds them; SIGTERM, SIGHUP and max_requests answer every request sent
 * on a kept connection and end the connections cleanly. FastCGI by hand
 * (as in test_stop.c), then GET and POST load through nginx with upstream
 * keep-alive. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "cli.h"
#include "cli/cli.h"
#include "core/config.h"
#include "core/server.h"
#include "http_client.h"
#include "procs.h"
#include "test.h"

/* ---- FastCGI by hand ---- */

/* Send a whole GET of uri on fd, asking the worker to keep the
 * connection (FCGI_KEEP_CONN) when keep. 0 or -1. */
static int send_get(int fd, const char *uri, bool keep)
{
	unsigned char buf[1024], params[512];
	size_t n = 0, p = 0;
	const unsigned char begin[8] = {0, 1, keep ? 1 : 0, 0, 0, 0, 0, 0}; /* responder */
	fcgi_raw_record(buf, &n, 1, begin, sizeof begin);
	p += fcgi_raw_pair(params + p, "REQUEST_METHOD", "GET");
	p += fcgi_raw_pair(params + p, "REQUEST_URI", uri);
	p += fcgi_raw_pair(params + p, "SCRIPT_NAME", uri);
	p += fcgi_raw_pair(params + p, "QUERY_STRING", "");
	p += fcgi_raw_pair(params + p, "SERVER_PROTOCOL", "HTTP/1.1");
	p += fcgi_raw_pair(params + p, "REMOTE_ADDR", "127.0.0.1");
	fcgi_raw_record(buf, &n, 4, params, p);
	fcgi_raw_record(buf, &n, 4, "", 0);
	fcgi_raw_record(buf, &n, 5, "", 0);
	/* no SIGPIPE when the worker has closed the connection: a failure */
	return send(fd, buf, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One answer: the FCGI_STDOUT bytes up to FCGI_END_REQUEST. */
struct answer {
	char *out; /* NUL-terminated, malloc'd */
	size_t n;
};

/* Read the answer on fd (the connection may stay open after it). 0, or
 * -1 when it did not come whole within ms. */
static int read_answer(int fd, struct answer *a, int ms)
{
	return fcgi_raw_answer(fd, ms, &a->out, &a->n);
}

/* GET uri on fd (kept when keep) and read its answer; true when it is a
 * 200 whose body contains want. */
static bool get_ok(int fd, const char *uri, bool keep, const char *want)
{
	struct answer a;
	if (send_get(fd, uri, keep) < 0 || read_answer(fd, &a, 20000) < 0) {
		free(a.out);
		return false;
	}
	bool ok = strstr(a.out, "Status: 5") == NULL && strstr(a.out, want) != NULL;
	free(a.out);
	return ok;
}

/* Within ms, does the worker end fd? 1: an orderly end (EOF), 0: nothing
 * came, -1: bytes or an error (a reset is not a clean close). */
static int ends_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, ms) == 0)
		return 0;
	char b;
	ssize_t r = read(fd, &b, 1);
	return r == 0 ? 1 : -1;
}

/* ---- a master of the test's own ---- */

/* Start `flacon runserver --listen unix:$FLACON_TEST_TMP/NAME.sock
 * --workers N` (log in NAME.log) with the environment variables of env
 * ("NAME=VALUE" strings, NULL-terminated, may be NULL) added. */
static pid_t start_master(const char *name, const char *workers, const char *const *env, char *sock,
			  size_t socklen)
{
	const char *bin = getenv("FLACON_BIN"), *tmp = getenv("FLACON_TEST_TMP");
	if (!bin || !tmp)
		return -1;
	char listen_arg[300], logp[300];
	snprintf(sock, socklen, "%.200s/%s.sock", tmp, name);
	snprintf(listen_arg, sizeof listen_arg, "unix:%.250s", sock);
	snprintf(logp, sizeof logp, "%.200s/%s.log", tmp, name);
	pid_t master = fork();
	if (master == 0) {
		for (const char *const *e = env; e && *e; e++)
			putenv((char *)*e);
		FILE *f = freopen(logp, "w", stderr);
		(void)f;
		execl(bin, bin, "runserver", "--listen", listen_arg, "--workers", workers, (char *)NULL);
		_exit(127);
	}
	return master;
}

/* Wait up to ms for master to have nworkers workers answering a GET
 * /healthz on sock (on a connection that is not kept). */
static bool wait_serving(pid_t master, const char *sock, int nworkers, int ms)
{
	pid_t w[8];
	for (long long end = now_ms() + ms; now_ms() < end; usleep(20 * 1000)) {
		if (test_children(master, "flacon-worker", w, 8) != nworkers)
			continue;
		int fd = cli_connect_unix(sock);
		bool ok = fd >= 0 && get_ok(fd, "/healthz", false, "ok\n");
		if (fd >= 0)
			close(fd);
		if (ok)
			return true;
	}
	return false;
}

/* SIGTERM to master; its exit status within ms (-1: it did not exit, and
 * was killed). */
static int stop_master(pid_t master, int ms)
{
	int status;
	kill(master, SIGTERM);
	for (long long end = now_ms() + ms; now_ms() < end; usleep(10 * 1000))
		if (waitpid(master, &status, WNOHANG) == master)
			return status;
	kill(master, SIGKILL);
	waitpid(master, NULL, 0);
	return -1;
}

static bool wait_sigterm_pending(pid_t pid, int ms)
{
	for (long long end = now_ms() + ms; now_ms() < end; usleep(10 * 1000))
		if (test_sigterm_pending(pid))
			return true;
	return false;
}

/* The text of file path (at most n - 1 bytes) into buf. */
static void read_text(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(buf, 1, n - 1, f) : 0;
	buf[got] = '\0';
	if (f)
		fclose(f);
}

/* ---- one worker, several kept connections ---- */

TEST(test_one_worker_answers_two_kept_connections_interleaved)
{
	char sock[256];
	int a = -1, b = -1;
	pid_t master = start_master("keep-two", "1", NULL, sock, sizeof sock);
	REQUIRE(master > 0);
	REQUIRE(wait_serving(master, sock, 1, 15000));
	a = cli_connect_unix(sock);
	b = cli_connect_unix(sock);
	REQUIRE(a >= 0 && b >= 0);
	/* A libfcgi worker that blocks on its kept connection would never
	 * take b: its request would wait in the listen queue. */
	for (int k = 0; k < 3; k++) {
		CHECK_MSG(get_ok(a, "/_hello", true, "Hello from Flacon"), "round %d: a", k);
		CHECK_MSG(get_ok(b, "/_hello", true, "Hello from Flacon"), "round %d: b", k);
	}
	/* Both sent before either is read. */
	struct answer x = {0}, y = {0};
	CHECK(send_get(b, "/healthz", true) == 0 && send_get(a, "/_hello", true) == 0);
	CHECK(read_answer(b, &y, 20000) == 0 && y.out && strstr(y.out, "ok\n"));
	CHECK(read_answer(a, &x, 20000) == 0 && x.out && strstr(x.out, "Hello from Flacon"));
	free(x.out);
	free(y.out);
	/* A page above 8 KB leaves in records written straight from the
	 * response buffers, its end records in the same write; the
	 * connection goes on after it. */
	struct answer page = {0};
	CHECK(send_get(a, "/articles?per_page=100", true) == 0 && read_answer(a, &page, 20000) == 0);
	CHECK_MSG(page.n > 8000 && strstr(page.out, "Status: 200") && strstr(page.out, "</html>"),
		  "/articles: %zu bytes", page.n);
	free(page.out);
	/* Its end records came with it, once: nothing follows the
	 * FCGI_END_REQUEST (a stray record would be read as the start of
	 * the next answer on this kept connection). */
	CHECK_INT(ends_within(a, 300), 0);
	CHECK(get_ok(a, "/_hello", true, "Hello from Flacon"));
	CHECK(get_ok(b, "/_hello", true, "Hello from Flacon"));
	/* Kept: neither connection ended. */
	CHECK_INT(ends_within(a, 100), 0);
	CHECK_INT(ends_within(b, 0), 0);
	/* The client ends one: the worker goes on with the other. */
	close(b);
	b = -1;
	CHECK(get_ok(a, "/_hello", true, "Hello from Flacon"));
	/* Not kept: the worker ends the connection after the answer. */
	CHECK(get_ok(a, "/_hello", false, "Hello from Flacon"));
	CHECK_INT(ends_within(a, 5000), 1);
out:
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (master > 0)
		CHECK_INT(stop_master(master, 20000), 0);
}

TEST(test_worker_connections_bounds_the_connections_a_worker_holds)
{
	static const char *const env[] = {"FLACON_SERVER_WORKER_CONNECTIONS=1", NULL};
	char sock[256];
	int a = -1, b = -1;
	pid_t master = start_master("keep-bound", "1", env, sock, sizeof sock);
	REQUIRE(master > 0);
	REQUIRE(wait_serving(master, sock, 1, 15000));
	a = cli_connect_unix(sock);
	REQUIRE(a >= 0);
	CHECK(get_ok(a, "/_hello", true, "Hello from Flacon"));
	/* The worker holds its one connection: b waits in the listen queue. */
	b = cli_connect_unix(sock);
	REQUIRE(b >= 0 && send_get(b, "/_hello", true) == 0);
	struct answer ans = {0};
	CHECK_MSG(read_answer(b, &ans, 700) < 0, "a second connection was taken: %s",
		  ans.out ? ans.out : "");
	free(ans.out);
	/* ... until a ends. */
	close(a);
	a = -1;
	CHECK(read_answer(b, &ans, 10000) == 0 && ans.out && strstr(ans.out, "Hello from Flacon"));
	free(ans.out);
out:
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (master > 0)
		CHECK_INT(stop_master(master, 20000), 0);
}

/* ---- stops with kept connections ---- */

TEST(test_sigterm_answers_what_comes_on_kept_connections_then_ends_them_cleanly)
{
	char sock[256];
	int young = -1, old = -1, queued = -1;
	pid_t master = start_master("keep-stop", "1", NULL, sock, sizeof sock), worker = 0;
	REQUIRE(master > 0);
	REQUIRE(wait_serving(master, sock, 1, 15000));
	REQUIRE(test_children(master, "flacon-worker", &worker, 1) == 1);
	old = cli_connect_unix(sock);
	REQUIRE(old >= 0);
	CHECK(get_ok(old, "/_hello", true, "Hello from Flacon"));
	usleep(1700 * 1000); /* old is older than a stopping worker keeps one */
	CHECK(get_ok(old, "/_hello", true, "Hello from Flacon"));
	young = cli_connect_unix(sock);
	REQUIRE(young >= 0);
	CHECK(get_ok(young, "/_hello", true, "Hello from Flacon"));
	/* The stop comes while requests are on their way: one on each kept
	 * connection and one in the listen queue (the worker is paused). */
	kill(worker, SIGSTOP);
	CHECK_INT(kill(master, SIGTERM), 0);
	CHECK_MSG(wait_sigterm_pending(worker, 5000), "the worker got no SIGTERM");
	queued = cli_connect_unix(sock); /* may be refused: the master shuts the socket */
	CHECK(send_get(young, "/_hello", true) == 0 && send_get(old, "/_hello", true) == 0);
	bool queued_sent = queued >= 0 && send_get(queued, "/_hello", true) == 0;
	kill(worker, SIGCONT);
	struct answer ans = {0};
	CHECK(read_answer(old, &ans, 10000) == 0 && ans.out && strstr(ans.out, "Hello from Flacon"));
	free(ans.out);
	/* An old connection ends right after its answer, cleanly. */
	CHECK_INT(ends_within(old, 1000), 1);
	CHECK(read_answer(young, &ans, 10000) == 0 && ans.out && strstr(ans.out, "Hello from Flacon"));
	free(ans.out);
	if (queued_sent) {
		CHECK(read_answer(queued, &ans, 10000) == 0 && ans.out &&
		      strstr(ans.out, "Hello from Flacon"));
		free(ans.out);
	}
	/* A young one is still answered while the worker stops ... */
	CHECK_INT(ends_within(young, 200), 0);
	CHECK(get_ok(young, "/_hello", true, "Hello from Flacon"));
	/* ... and ended once quiet (1.5 s), cleanly; then the worker leaves. */
	CHECK_INT(ends_within(young, 5000), 1);
	int status = -1;
	for (long long end = now_ms() + 10000; now_ms() < end; usleep(10 * 1000))
		if (waitpid(master, &status, WNOHANG) == master)
			break;
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "master status %d", status);
	master = status == -1 ? master : 0;
out:
	if (young >= 0)
		close(young);
	if (old >= 0)
		close(old);
	if (queued >= 0)
		close(queued);
	if (master > 0)
		stop_master(master, 20000);
}

TEST(test_max_requests_retires_a_worker_holding_kept_connections)
{
	static const char *const env[] = {"FLACON_SERVER_MAX_REQUESTS=3", NULL};
	char sock[256], log[300], text[16384];
	int a = -1, b = -1;
	pid_t master = start_master("keep-retire", "1", env, sock, sizeof sock), first = 0;
	REQUIRE(master > 0);
	REQUIRE(wait_serving(master, sock, 1, 15000)); /* request 1 */
	REQUIRE(test_children(master, "flacon-worker", &first, 1) == 1);
	a = cli_connect_unix(sock);
	b = cli_connect_unix(sock);
	REQUIRE(a >= 0 && b >= 0);
	CHECK(get_ok(a, "/_hello", true, "Hello from Flacon")); /* 2 */
	CHECK(get_ok(b, "/_hello", true, "Hello from Flacon")); /* 3: it retires */
	/* Retiring, it still answers what comes on its kept connections,
	 * and ends them cleanly once quiet; then it exits and a new worker
	 * takes the socket. */
	CHECK(get_ok(a, "/_hello", true, "Hello from Flacon"));
	CHECK_INT(ends_within(a, 5000), 1);
	CHECK_INT(ends_within(b, 5000), 1);
	pid_t next = 0;
	for (long long end = now_ms() + 10000; now_ms() < end; usleep(20 * 1000))
		if (test_children(master, "flacon-worker", &next, 1) == 1 && next != first)
			break;
	CHECK_MSG(next != first, "worker %d did not retire", (int)first);
	int c = cli_connect_unix(sock);
	CHECK(c >= 0 && get_ok(c, "/_hello", true, "Hello from Flacon"));
	if (c >= 0)
		close(c);
	snprintf(log, sizeof log, "%.200s/keep-retire.log", getenv("FLACON_TEST_TMP"));
	read_text(log, text, sizeof text);
	char exited[64];
	snprintf(exited, sizeof exited, "worker %d exited with status 0", (int)first);
	CHECK_MSG(strstr(text, exited) != NULL, "no clean exit of %d in: %.500s", (int)first, text);
out:
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (master > 0)
		CHECK_INT(stop_master(master, 20000), 0);
}

/* ---- GET and POST load through nginx with upstream keep-alive ---- */

struct mixed_load {
	int port;
	volatile int stop;
	int ok, bad_gateway, other, none;
};

/* GET /_hello and POST /api/logout (204 without a session), by turns;
 * each thread on connections of its own to nginx. */
static void *mixed_load_main(void *p)
{
	struct mixed_load *l = p;
	static const char get[] = "GET /_hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	static const char post[] = "POST /api/logout HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
				   "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
	for (int i = 0; i < 200000 && !l->stop; i++) {
		struct http_resp r;
		const char *req = i % 2 ? post : get;
		size_t n = i % 2 ? sizeof post - 1 : sizeof get - 1;
		int rc = hc_raw(l->port, req, n, &r);
		int s = rc == 0 ? r.status : 0;
		if (rc == 0)
			hc_free(&r);
		bool good = i % 2 ? s == 204 : s == 200;
		__atomic_fetch_add(good ? &l->ok : s == 502 ? &l->bad_gateway : s ? &l->other : &l->none, 1,
				   __ATOMIC_RELAXED);
	}
	return NULL;
}

enum { LOAD_THREADS = 12 };

struct load_run {
	struct mixed_load l;
	pthread_t th[LOAD_THREADS];
};

static void load_start(struct load_run *run, int port)
{
	memset(&run->l, 0, sizeof run->l);
	run->l.port = port;
	for (int i = 0; i < LOAD_THREADS; i++)
		pthread_create(&run->th[i], NULL, mixed_load_main, &run->l);
}

static void load_stop(struct load_run *run)
{
	run->l.stop = 1;
	for (int i = 0; i < LOAD_THREADS; i++)
		pthread_join(run->th[i], NULL);
}

/* Wait up to ms for n more good answers than from. */
static bool wait_ok(struct mixed_load *l, int from, int n, int ms)
{
	for (long long end = now_ms() + ms; now_ms() < end; usleep(10 * 1000))
		if (__atomic_load_n(&l->ok, __ATOMIC_RELAXED) >= from + n)
			return true;
	return false;
}

/* Lines of nginx's error log path from byte offset from on: how many say
 * a request was lost on an upstream connection (reset, premature close,
 * broken pipe, time-out), and how many a connect() was refused. */
static void nginx_errors(const char *path, long from, int *dropped, int *refused)
{
	*dropped = *refused = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	fseek(f, from, SEEK_SET);
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		if (strstr(line, "reset by peer") || strstr(line, "prematurely closed") ||
		    strstr(line, "Broken pipe") || strstr(line, "timed out")) {
			if ((*dropped)++ < 3)
				fprintf(stderr, "  nginx: %s", line);
		} else if (strstr(line, "connect() to unix:")) {
			(*refused)++;
		}
	}
	fclose(f);
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

TEST(test_sighup_under_get_and_post_load_over_kept_connections_fails_no_request)
{
	/* The suite's own stack: its master and nginx (conf/nginx.conf.in,
	 * with upstream keep-alive). */
	const char *m = getenv("FLACON_TEST_MASTER_PID"), *tmp = getenv("FLACON_TEST_TMP");
	REQUIRE(m != NULL && tmp != NULL && hc_port() > 0);
	pid_t master = (pid_t)atoi(m);
	char errlog[300];
	snprintf(errlog, sizeof errlog, "%.200s/nginx-error.log", tmp);
	long from = file_size(errlog);
	pid_t before[16], after[16];
	int nb = test_children(master, "flacon-worker", before, 16);
	REQUIRE(nb >= 1);
	static struct load_run run;
	load_start(&run, hc_port());
	CHECK_MSG(wait_ok(&run.l, 0, 200, 10000), "no load served");
	for (int k = 0; k < 2; k++) {
		CHECK_INT(kill(master, SIGHUP), 0);
		/* every worker replaced, under the load */
		bool replaced = false;
		for (long long end = now_ms() + 30000; !replaced && now_ms() < end; usleep(50 * 1000)) {
			int na = test_children(master, "flacon-worker", after, 16);
			replaced = na == nb;
			for (int x = 0; x < na && replaced; x++)
				for (int y = 0; y < nb; y++)
					replaced &= after[x] != before[y];
		}
		CHECK_MSG(replaced, "reload %d did not replace every worker", k + 1);
		CHECK(wait_ok(&run.l, __atomic_load_n(&run.l.ok, __ATOMIC_RELAXED), 100, 10000));
		memcpy(before, after, sizeof before);
	}
	load_stop(&run);
	int dropped, refused;
	nginx_errors(errlog, from, &dropped, &refused);
	fprintf(stderr, "  (two reloads under GET and POST load: %d answered, %d 502, %d other, %d none)\n",
		run.l.ok, run.l.bad_gateway, run.l.other, run.l.none);
	CHECK_MSG(run.l.bad_gateway == 0 && run.l.other == 0 && run.l.none == 0,
		  "ok %d, 502 %d, other %d, no answer %d", run.l.ok, run.l.bad_gateway, run.l.other,
		  run.l.none);
	CHECK_MSG(dropped == 0 && refused == 0, "nginx: %d requests lost on upstream connections, %d refused",
		  dropped, refused);
out:;
}

/* Start nginx (conf/nginx.conf.in) in front of sock under rundir; its
 * port, or 0. */
static int nginx_for(const char *sock, const char *rundir)
{
	char cmd[2048], portfile[320];
	snprintf(portfile, sizeof portfile, "%s/port", rundir);
	snprintf(cmd, sizeof cmd,
		 "bash -c 'source scripts/stack.sh; mkdir -p %s; p=$(free_port); echo $p >%s; "
		 "nginx_conf conf/nginx.conf.in %s/nginx.conf $p %s %s \"$PWD/www/static\" 1048576 && "
		 "nginx_start %s/nginx.conf %s' >/dev/null 2>&1",
		 rundir, portfile, rundir, sock, rundir, rundir, rundir);
	if (system(cmd) != 0)
		return 0;
	int port = 0;
	FILE *pf = fopen(portfile, "r");
	if (pf) {
		if (fscanf(pf, "%d", &port) != 1)
			port = 0;
		fclose(pf);
	}
	return port;
}

static void nginx_stop_in(const char *rundir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "bash -c 'source scripts/stack.sh; nginx_stop %s' >/dev/null 2>&1", rundir);
	if (system(cmd) != 0)
		fprintf(stderr, "  nginx_stop %s failed\n", rundir);
}

TEST(test_sigterm_under_get_and_post_load_over_kept_connections_drops_no_handed_request)
{
	const char *tmp = getenv("FLACON_TEST_TMP");
	pid_t master = -1;
	REQUIRE(tmp != NULL);
	char sock[256], rundir[300], errlog[400];
	snprintf(rundir, sizeof rundir, "%.200s/keepstop-nginx", tmp);
	snprintf(errlog, sizeof errlog, "%s/nginx-error.log", rundir);
	master = start_master("keepstop", "2", NULL, sock, sizeof sock);
	REQUIRE(master > 0 && wait_serving(master, sock, 2, 15000));
	int port = nginx_for(sock, rundir);
	REQUIRE(port > 0);
	static struct load_run run;
	load_start(&run, port);
	int clean = 0;
	enum { STOPS = 3 };
	for (int k = 0; k < STOPS; k++) {
		CHECK_MSG(wait_ok(&run.l, __atomic_load_n(&run.l.ok, __ATOMIC_RELAXED), 200, 10000),
			  "stop %d: nothing served before it", k + 1);
		int st = stop_master(master, 20000);
		clean += WIFEXITED(st) && WEXITSTATUS(st) == 0;
		master = start_master("keepstop", "2", NULL, sock, sizeof sock);
		CHECK(master > 0 && wait_serving(master, sock, 2, 15000));
	}
	CHECK(wait_ok(&run.l, __atomic_load_n(&run.l.ok, __ATOMIC_RELAXED), 200, 10000));
	load_stop(&run);
	CHECK_INT(clean, STOPS);
	int dropped, refused;
	nginx_errors(errlog, 0, &dropped, &refused);
	fprintf(stderr, "  (%d stops under GET and POST load: %d answered, %d 502 while no socket was there)\n",
		STOPS, run.l.ok, run.l.bad_gateway);
	CHECK_MSG(run.l.other == 0 && run.l.none == 0, "other statuses %d, no answer %d", run.l.other,
		  run.l.none);
	CHECK_MSG(dropped == 0, "%d requests handed to a worker were lost (ok %d, 502 %d)", dropped,
		  run.l.ok, run.l.bad_gateway);
	CHECK_MSG(refused >= run.l.bad_gateway, "%d 502s but only %d refused connects", run.l.bad_gateway,
		  refused);
	nginx_stop_in(rundir);
out:
	if (master > 0)
		stop_master(master, 20000);
}

TEST(test_max_requests_under_get_and_post_load_over_kept_connections_fails_no_request)
{
	const char *tmp = getenv("FLACON_TEST_TMP");
	pid_t master = -1;
	REQUIRE(tmp != NULL);
	static const char *const env[] = {"FLACON_SERVER_MAX_REQUESTS=150", NULL};
	char sock[256], rundir[300], errlog[400], log[300], text[65536];
	snprintf(rundir, sizeof rundir, "%.200s/keepretire-nginx", tmp);
	snprintf(errlog, sizeof errlog, "%s/nginx-error.log", rundir);
	snprintf(log, sizeof log, "%.200s/keepretire.log", tmp);
	master = start_master("keepretire", "2", env, sock, sizeof sock);
	REQUIRE(master > 0 && wait_serving(master, sock, 2, 15000));
	int port = nginx_for(sock, rundir);
	REQUIRE(port > 0);
	static struct load_run run;
	load_start(&run, port);
	/* until four workers have retired (each after 150 requests and the
	 * end of its kept connections) */
	int retired = 0;
	for (long long end = now_ms() + 40000; retired < 4 && now_ms() < end; usleep(200 * 1000)) {
		read_text(log, text, sizeof text);
		retired = 0;
		for (const char *p = text; (p = strstr(p, "exited with status 0")); p++)
			retired++;
	}
	load_stop(&run);
	int dropped, refused;
	nginx_errors(errlog, 0, &dropped, &refused);
	fprintf(stderr, "  (max_requests 150 under GET and POST load: %d answered, %d workers retired)\n",
		run.l.ok, retired);
	CHECK_MSG(retired >= 4, "%d workers retired", retired);
	CHECK_MSG(run.l.bad_gateway == 0 && run.l.other == 0 && run.l.none == 0,
		  "ok %d, 502 %d, other %d, no answer %d", run.l.ok, run.l.bad_gateway, run.l.other,
		  run.l.none);
	CHECK_MSG(dropped == 0 && refused == 0, "nginx: %d requests lost, %d refused", dropped, refused);
	nginx_stop_in(rundir);
out:
	if (master > 0)
		stop_master(master, 20000);
}

/* ---- the tick hook ---- */

static int tick_fd = -1;

static int tick_every_50ms(struct http_request *proto)
{
	(void)proto;
	if (write(tick_fd, "t", 1) != 1)
		return -1;
	return 50;
}

static void fini_says_so(struct http_request *proto)
{
	(void)proto;
	if (write(tick_fd, "F", 1) != 1)
		_exit(3);
}

/* What the worker wrote on fd within ms: how many ticks, and whether
 * worker_fini ran. */
static int ticks_within(int fd, int ms, bool *fini)
{
	int n = 0;
	for (long long end = now_ms() + ms; now_ms() < end;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(end - now_ms())) != 1)
			break;
		char c;
		if (read(fd, &c, 1) != 1)
			break;
		n += c == 't';
		if (c == 'F' && fini)
			*fini = true;
	}
	return n;
}

TEST(test_tick_runs_after_each_request_and_on_its_timer_and_worker_fini_at_the_stop)
{
	/* server_worker_loop itself, in a child, with an application of no
	 * routes (every request a 404) and a tick hook that asks to be
	 * called again in 50 ms. */
	const char *tmp = getenv("FLACON_TEST_TMP");
	int p[2] = {-1, -1}, lfd = -1;
	pid_t child = -1;
	struct config cfg = {0};
	REQUIRE(tmp != NULL);
	char spec[300], err[256];
	snprintf(spec, sizeof spec, "unix:%.200s/tick.sock", tmp);
	REQUIRE(config_load(&cfg, NULL, err, sizeof err) == 0);
	lfd = server_listen(spec, err, sizeof err);
	REQUIRE(lfd >= 0 && pipe(p) == 0);
	static const struct http_app app = {0};
	static const struct server_hooks hooks = {
		.app = &app, .tick = tick_every_50ms, .worker_fini = fini_says_so};
	child = fork();
	if (child == 0) {
		close(p[0]);
		tick_fd = p[1];
		FCGX_Init();
		_exit(server_worker_loop(lfd, &cfg, &hooks));
	}
	REQUIRE(child > 0);
	close(p[1]);
	p[1] = -1;
	/* No timer before the first request: the loop waits without one. */
	CHECK_INT(ticks_within(p[0], 300, NULL), 0);
	struct cli_fcgi_answer a = {0};
	CHECK(cli_fcgi_get(spec, "/nothing-here", 10000, &a, err, sizeof err) == 0 && a.status == 404);
	free(a.body);
	/* After the request, then every 50 ms while nothing comes. */
	int n = ticks_within(p[0], 1000, NULL);
	CHECK_MSG(n >= 8 && n <= 25, "%d ticks in 1 s at 50 ms", n);
	/* The stop runs worker_fini (where the web side flushes). */
	bool fini = false;
	CHECK_INT(kill(child, SIGTERM), 0);
	ticks_within(p[0], 3000, &fini);
	CHECK(fini);
	int status = -1;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	child = -1;
out:
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	if (lfd >= 0)
		close(lfd);
	if (cfg.env)
		config_free(&cfg);
}
