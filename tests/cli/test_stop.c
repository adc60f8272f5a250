/* cli suite: SIGTERM loses nothing (SPEC 10) — the socket's path goes at
 * once, so that nginx moves on to another host instead of queueing
 * connections nobody will serve, and the connections already queued when
 * the stop came are answered before the workers exit. FastCGI by hand. */
#include <dirent.h>
#include <errno.h>
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

#include "cli.h"
#include "http_client.h"
#include "procs.h"
#include "test.h"

/* BEGIN_REQUEST and the parameters of method uri (not their end). */
static size_t request_head(unsigned char *buf, const char *method, const char *uri)
{
	unsigned char params[512];
	size_t n = 0, p = 0;
	const unsigned char begin[8] = {0, 1, 0, 0, 0, 0, 0, 0}; /* responder, no keep-conn */
	fcgi_raw_record(buf, &n, 1, begin, sizeof begin);
	p += fcgi_raw_pair(params + p, "REQUEST_METHOD", method);
	p += fcgi_raw_pair(params + p, "REQUEST_URI", uri);
	p += fcgi_raw_pair(params + p, "SCRIPT_NAME", uri);
	p += fcgi_raw_pair(params + p, "QUERY_STRING", "");
	p += fcgi_raw_pair(params + p, "CONTENT_TYPE", "application/json");
	p += fcgi_raw_pair(params + p, "CONTENT_LENGTH", strcmp(method, "GET") ? "2" : "0");
	p += fcgi_raw_pair(params + p, "SERVER_PROTOCOL", "HTTP/1.1");
	p += fcgi_raw_pair(params + p, "REMOTE_ADDR", "127.0.0.1");
	fcgi_raw_record(buf, &n, 4, params, p);
	return n;
}

/* Connect to path and send a whole GET /healthz; the fd or -1. */
static int send_request(const char *path)
{
	int fd = cli_connect_unix(path);
	if (fd < 0)
		return -1;
	unsigned char buf[1024];
	size_t n = request_head(buf, "GET", "/healthz");
	fcgi_raw_record(buf, &n, 4, "", 0);
	fcgi_raw_record(buf, &n, 5, "", 0);
	if (write(fd, buf, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A request that holds the worker: the end of its parameters and its body
 * are not sent until hold_release (the worker waits in accept, signals
 * blocked). */
static int hold_worker(const char *path)
{
	int fd = cli_connect_unix(path);
	if (fd < 0)
		return -1;
	unsigned char buf[1024];
	size_t n = request_head(buf, "POST", "/api/logout");
	if (write(fd, buf, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return fd;
}

static void hold_release(int fd)
{
	unsigned char buf[64];
	size_t n = 0;
	fcgi_raw_record(buf, &n, 4, "", 0); /* the end of the parameters */
	fcgi_raw_record(buf, &n, 5, "{}", 2);
	fcgi_raw_record(buf, &n, 5, "", 0);
	if (write(fd, buf, n) != (ssize_t)n)
		fprintf(stderr, "release: %s\n", strerror(errno));
}

/* Read the answer until the server closes; true when it is a 200 "ok". */
static bool answered_ok(int fd)
{
	struct timeval tv = {.tv_sec = 30};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char buf[8192];
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof buf - 1)
			break;
	}
	close(fd);
	buf[n] = '\0';
	/* the body "ok\n" inside an FCGI_STDOUT record, and no error status */
	return memmem(buf, n, "ok\n", 3) != NULL && memmem(buf, n, "Status: 5", 9) == NULL;
}

/* Start `flacon runserver --listen unix:$FLACON_TEST_TMP/NAME.sock
 * --workers N` (log in NAME.log); the master's pid (sock gets the path),
 * or -1 when the test environment is missing. */
static pid_t start_master(const char *name, const char *workers, char *sock, size_t socklen)
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
		FILE *f = freopen(logp, "w", stderr);
		(void)f;
		execl(bin, bin, "runserver", "--listen", listen_arg, "--workers", workers, (char *)NULL);
		_exit(127);
	}
	return master;
}

/* ---- waiting for a condition, never for a guessed time ---- */

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to ms for path to be gone; true when it is. */
static bool wait_gone(const char *path, int ms)
{
	struct stat st;
	for (long long end = now_ms() + ms; now_ms() < end; usleep(10 * 1000))
		if (stat(path, &st) != 0 && errno == ENOENT)
			return true;
	return stat(path, &st) != 0 && errno == ENOENT;
}

/* Wait up to ms for master to have n workers and for a GET /healthz on
 * sock to be answered: a worker is in its accept loop. */
static bool wait_serving(pid_t master, const char *sock, int nworkers, int ms)
{
	struct stat st;
	long long end = now_ms() + ms;
	while (now_ms() < end && stat(sock, &st) != 0)
		usleep(10 * 1000);
	pid_t w[8];
	while (now_ms() < end && test_children(master, "flacon-worker", w, 8) != nworkers)
		usleep(10 * 1000);
	for (; now_ms() < end; usleep(10 * 1000)) {
		int fd = send_request(sock);
		if (fd >= 0 && answered_ok(fd))
			return test_children(master, "flacon-worker", w, 8) == nworkers;
	}
	return false;
}

/* How many sockets pid holds open (-1 when it cannot be read). */
static int open_sockets(pid_t pid)
{
	char dir[64], path[320], target[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		ssize_t len = readlink(path, target, sizeof target - 1);
		if (len > 0 && !strncmp(target, "socket:", 7))
			n++;
	}
	closedir(d);
	return n;
}

/* Wait up to ms for pid to hold n open sockets. */
static bool wait_sockets(pid_t pid, int n, int ms)
{
	for (long long end = now_ms() + ms; now_ms() < end; usleep(10 * 1000))
		if (open_sockets(pid) == n)
			return true;
	return false;
}

/* Wait up to ms for each of the n pids to be stopped (state T). */
static bool wait_stopped(const pid_t *pids, int n, int ms)
{
	for (long long end = now_ms() + ms; now_ms() < end; usleep(10 * 1000)) {
		int k = 0;
		for (; k < n; k++) {
			char path[64], state = 0;
			snprintf(path, sizeof path, "/proc/%d/stat", (int)pids[k]);
			FILE *f = fopen(path, "r");
			int got = f ? fscanf(f, "%*d (%*[^)]) %c", &state) : 0;
			if (f)
				fclose(f);
			if (got != 1 || state != 'T')
				break;
		}
		if (k == n)
			return true;
	}
	return false;
}

/* Wait up to ms for SIGTERM to be pending in each of the n pids. */
static bool wait_sigterm_pending(const pid_t *pids, int n, int ms)
{
	for (long long end = now_ms() + ms; now_ms() < end; usleep(10 * 1000)) {
		int k = 0;
		while (k < n && test_sigterm_pending(pids[k]))
			k++;
		if (k == n)
			return true;
	}
	return false;
}

TEST(test_sigterm_answers_every_queued_connection_and_unlinks_the_socket_first)
{
	char sock[256];
	pid_t master = start_master("stop-test", "1", sock, sizeof sock);
	CHECK(master > 0);
	if (master <= 0)
		return;
	struct stat st;
	pid_t worker = 0;
	CHECK_MSG(wait_serving(master, sock, 1, 10000), "no worker answers on %s", sock);
	CHECK_INT(test_children(master, "flacon-worker", &worker, 1), 1);
	/* The sockets it holds idle (listen socket, database connection). */
	int idle = open_sockets(worker);
	/* The only worker is busy with a request whose body is slow; 24
	 * more wait in the socket's queue when the stop comes. */
	int holder = hold_worker(sock);
	CHECK(holder >= 0);
	CHECK_MSG(idle > 0 && wait_sockets(worker, idle + 1, 5000),
		  "the worker did not take the slow request (%d sockets, %d idle)", open_sockets(worker),
		  idle);
	enum { QUEUED = 24 };
	int fds[QUEUED];
	int sent = 0;
	for (int i = 0; i < QUEUED; i++)
		if ((fds[i] = send_request(sock)) >= 0)
			sent++;
	CHECK_INT(sent, QUEUED);
	CHECK_INT(kill(master, SIGTERM), 0);
	/* The master unlinks the path, then passes SIGTERM on to the worker,
	 * which keeps it pending while it is busy. */
	CHECK_MSG(wait_sigterm_pending(&worker, 1, 5000), "the busy worker got no SIGTERM");
	/* While the worker is still busy, the path is already gone: a new
	 * connection is refused at once (nginx tries the next host) instead
	 * of joining a queue that nobody will serve. */
	CHECK_MSG(kill(master, 0) == 0, "the master exited with a request in hand");
	CHECK_MSG(stat(sock, &st) != 0 && errno == ENOENT,
		  "the socket path is still there while the host is stopping");
	CHECK_INT(send_request(sock), -1);
	if (holder >= 0) {
		hold_release(holder);
		char drain[4096];
		while (read(holder, drain, sizeof drain) > 0)
			;
		close(holder);
	}
	int ok = 0;
	for (int i = 0; i < QUEUED; i++)
		if (fds[i] >= 0 && answered_ok(fds[i]))
			ok++;
	CHECK_MSG(ok == QUEUED, "%d of %d queued requests answered after SIGTERM", ok, QUEUED);
	int status = -1;
	for (int i = 0; i < 300; i++) {
		if (waitpid(master, &status, WNOHANG) == master)
			break;
		usleep(50 * 1000);
	}
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "master status %d", status);
	CHECK_MSG(stat(sock, &st) != 0 && errno == ENOENT, "the socket %s is still there", sock);
	if (kill(master, 0) == 0) {
		kill(master, SIGKILL);
		waitpid(master, NULL, 0);
	}
}

/* Is pid running (not gone, not a zombie waiting for its new parent)? */
static bool running(long pid)
{
	char path[64], state = 0;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	int got = fscanf(f, "%*d (%*[^)]) %c", &state);
	fclose(f);
	return got == 1 && state != 'Z' && state != 'X';
}

TEST(test_kill_9_of_the_master_ends_its_workers_within_a_second)
{
	char sock[256];
	pid_t master = start_master("orphan-test", "2", sock, sizeof sock);
	CHECK(master > 0);
	if (master <= 0)
		return;
	/* two workers and the health-check process */
	pid_t workers[8];
	int n = 0;
	for (int i = 0; i < 100 && n < 3; i++) {
		usleep(50 * 1000);
		n = test_children(master, NULL, workers, 8);
	}
	CHECK_INT(n, 3);
	CHECK_INT(kill(master, SIGKILL), 0);
	waitpid(master, NULL, 0);
	int alive = n;
	for (int i = 0; i < 20 && alive; i++) { /* up to 1 s */
		usleep(50 * 1000);
		alive = 0;
		for (int k = 0; k < n; k++)
			alive += running(workers[k]);
	}
	CHECK_MSG(alive == 0, "%d workers still running 1 s after the master was killed", alive);
	for (int k = 0; k < n; k++)
		if (running(workers[k]))
			kill((pid_t)workers[k], SIGKILL);
	unlink(sock);
}

/* ---- SIGTERM under load through nginx ---- */

struct stop_load {
	int port;
	volatile int stop;
	int ok, bad_gateway, other, none;
};

static void *stop_load_main(void *p)
{
	struct stop_load *l = p;
	const char req[] = "GET /api/articles?page=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			   "Connection: close\r\n\r\n";
	for (int i = 0; i < 200000 && !l->stop; i++) {
		struct http_resp r;
		int rc = hc_raw(l->port, req, sizeof req - 1, &r);
		int s = rc == 0 ? r.status : 0;
		if (rc == 0)
			hc_free(&r);
		__atomic_fetch_add(s == 200 ? &l->ok : s == 502 ? &l->bad_gateway : s ? &l->other : &l->none,
				   1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Wait up to 10 s for master's two workers to serve on sock. */
static bool socket_ready(pid_t master, const char *sock)
{
	return master > 0 && wait_serving(master, sock, 2, 10000);
}

/* Wait up to ms for the load to have had n more 200s than from. */
static bool wait_served(struct stop_load *l, int from, int n, int ms)
{
	for (long long end = now_ms() + ms; now_ms() < end; usleep(10 * 1000))
		if (__atomic_load_n(&l->ok, __ATOMIC_RELAXED) >= from + n)
			return true;
	return false;
}

/* SPEC 10: SIGTERM five times under a 16-connection load through nginx,
 * with the socket's queue full each time (the workers paused a moment
 * before the signal), a new master started after each stop: every request
 * nginx handed to the
 * socket is answered — nginx logs no upstream reset, premature close or
 * broken pipe; the only failures are 502s for requests that came while
 * no socket was there (nginx's connect() failed). */
TEST(test_sigterm_five_times_under_load_through_nginx_drops_no_handed_request)
{
	const char *tmp = getenv("FLACON_TEST_TMP");
	CHECK(tmp != NULL);
	if (!tmp)
		return;
	char sock[256], rundir[300], cmd[4096], portfile[320];
	pid_t master = start_master("stopload", "2", sock, sizeof sock);
	CHECK(socket_ready(master, sock));
	snprintf(rundir, sizeof rundir, "%.200s/stopload-nginx", tmp);
	snprintf(portfile, sizeof portfile, "%s/port", rundir);
	snprintf(cmd, sizeof cmd,
		 "bash -c 'source scripts/stack.sh; mkdir -p %s; p=$(free_port); echo $p >%s; "
		 "nginx_conf conf/nginx.conf.in %s/nginx.conf $p %s %s \"$PWD/www/static\" 1048576 && "
		 "nginx_start %s/nginx.conf %s' >/dev/null 2>&1",
		 rundir, portfile, rundir, sock, rundir, rundir, rundir);
	CHECK_INT(system(cmd), 0);
	struct stop_load l = {0};
	FILE *pf = fopen(portfile, "r");
	if (pf) {
		if (fscanf(pf, "%d", &l.port) != 1)
			l.port = 0;
		fclose(pf);
	}
	CHECK(l.port > 0);
	enum { THREADS = 16, STOPS = 5 };
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, stop_load_main, &l);
	int clean_exits = 0;
	for (int k = 0; k < STOPS && master > 0; k++) {
		/* This master serves the load before it is stopped. */
		int from = __atomic_load_n(&l.ok, __ATOMIC_RELAXED);
		CHECK_MSG(wait_served(&l, from, 100, 10000), "stop %d: no request served before it", k + 1);
		/* The workers pause a moment, so that nginx's connections pile up
		 * in the socket's queue, and go on after the stop came: each
		 * must answer the whole queue before it exits. */
		pid_t w[8];
		int nw = test_children(master, "flacon-worker", w, 8);
		CHECK_INT(nw, 2);
		for (int i = 0; i < nw; i++)
			kill(w[i], SIGSTOP);
		CHECK_MSG(wait_stopped(w, nw, 5000), "stop %d: the workers did not stop", k + 1);
		/* Not a synchronisation: time for the queue to fill (the test
		 * holds with any length of it, it is only stricter when long). */
		usleep(300 * 1000);
		CHECK_INT(kill(master, SIGTERM), 0);
		/* The master has unlinked the path and passed SIGTERM on to the
		 * stopped workers, which find it when they go on. */
		CHECK_MSG(wait_gone(sock, 5000) && wait_sigterm_pending(w, nw, 5000),
			  "stop %d: the master did not pass the stop on", k + 1);
		for (int i = 0; i < nw; i++)
			kill(w[i], SIGCONT);
		int status = -1;
		for (int i = 0; i < 300; i++) {
			if (waitpid(master, &status, WNOHANG) == master)
				break;
			usleep(20 * 1000);
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			clean_exits++;
		master = start_master("stopload", "2", sock, sizeof sock);
		CHECK(socket_ready(master, sock));
	}
	/* The last master serves the load too. */
	CHECK(wait_served(&l, __atomic_load_n(&l.ok, __ATOMIC_RELAXED), 100, 10000));
	l.stop = 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	CHECK_INT(clean_exits, STOPS);
	CHECK_MSG(l.other == 0 && l.none == 0, "ok %d, 502 %d, other statuses %d, no answer %d", l.ok,
		  l.bad_gateway, l.other, l.none);
	/* what nginx says about each 502 */
	char errlog[400], line[1024];
	snprintf(errlog, sizeof errlog, "%s/nginx-error.log", rundir);
	FILE *f = fopen(errlog, "r");
	CHECK(f != NULL);
	int dropped = 0, refused = 0;
	while (f && fgets(line, sizeof line, f)) {
		if (strstr(line, "reset by peer") || strstr(line, "prematurely closed") ||
		    strstr(line, "Broken pipe") || strstr(line, "timed out")) {
			if (dropped++ < 3)
				fprintf(stderr, "  nginx: %s", line);
		} else if (strstr(line, "connect() to unix:")) {
			refused++;
		}
	}
	if (f)
		fclose(f);
	CHECK_MSG(dropped == 0, "%d requests handed to the socket were dropped (ok %d, 502 %d)", dropped,
		  l.ok, l.bad_gateway);
	CHECK_MSG(refused >= l.bad_gateway, "%d 502s but only %d refused connects in nginx's log",
		  l.bad_gateway, refused);
	fprintf(stderr, "  (five stops under load: %d answered, %d 502 while no socket was there)\n", l.ok,
		l.bad_gateway);
	snprintf(cmd, sizeof cmd, "bash -c 'source scripts/stack.sh; nginx_stop %s' >/dev/null 2>&1",
		 rundir);
	CHECK_INT(system(cmd), 0);
	if (master > 0) {
		kill(master, SIGTERM);
		waitpid(master, NULL, 0);
	}
}
