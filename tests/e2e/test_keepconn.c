/* End-to-end tests of kept upstream connections (SPEC 9, issue 22): nginx
 * keeps its FastCGI connections to the workers (conf/nginx.conf.in:
 * upstream keepalive, fastcgi_keep_conn on) and a worker serves many of
 * them at once, so far more clients than workers never wait in the
 * listen backlog; nginx ends the idle ones itself. */
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "e2e.h"
#include "test.h"

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A client connection to nginx that stays open (HTTP/1.1 keep-alive). */
static int ka_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)hc_port()),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* GET path on the kept connection fd; the status, or 0 when no whole
 * answer came within 30 s. */
static int ka_get(int fd, const char *path)
{
	char req[256], buf[16384];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return 0;
	size_t got = 0;
	double deadline = mono() + 30;
	for (;;) {
		buf[got] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (end) {
			const char *cl = strstr(buf, "Content-Length: ");
			size_t want = (size_t)(end + 4 - buf) + (cl ? (size_t)atol(cl + 16) : 0);
			if (got >= want) {
				int status = 0;
				return sscanf(buf, "HTTP/1.1 %d", &status) == 1 && got == want ? status : 0;
			}
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)((deadline - mono()) * 1000);
		if (got == sizeof buf - 1 || left <= 0 || poll(&p, 1, left) != 1)
			return 0;
		ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
}

enum { KA_CLIENTS = 64, KA_REQUESTS = 40 };

struct ka_client {
	pthread_t th;
	int ok, bad;
	double secs[KA_REQUESTS];
};

static void *ka_main(void *p)
{
	struct ka_client *c = p;
	int fd = ka_connect();
	for (int i = 0; i < KA_REQUESTS; i++) {
		double t0 = mono();
		int s = fd >= 0 ? ka_get(fd, "/_hello") : 0;
		c->secs[i] = mono() - t0;
		if (s == 200) {
			c->ok++;
		} else {
			c->bad++;
			if (fd >= 0)
				close(fd);
			fd = ka_connect();
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

TEST(test_64_keep_alive_clients_on_2_workers_are_all_answered_quickly)
{
	/* Far more clients than workers, each on a kept connection to nginx,
	 * which keeps its own upstream connections: a worker that stayed on
	 * one kept connection would leave requests in the listen backlog until
	 * nginx closed an idle one (p99 in seconds, SPEC 9). */
	static struct ka_client c[KA_CLIENTS];
	memset(c, 0, sizeof c);
	for (int i = 0; i < KA_CLIENTS; i++)
		pthread_create(&c[i].th, NULL, ka_main, &c[i]);
	static double all[KA_CLIENTS * KA_REQUESTS];
	int ok = 0, bad = 0, n = 0;
	for (int i = 0; i < KA_CLIENTS; i++) {
		pthread_join(c[i].th, NULL);
		ok += c[i].ok;
		bad += c[i].bad;
		for (int k = 0; k < KA_REQUESTS; k++)
			all[n++] = c[i].secs[k];
	}
	qsort(all, (size_t)n, sizeof all[0], cmp_double);
	double p50 = all[n / 2], p99 = all[n * 99 / 100], max = all[n - 1];
	printf("e2e figures: %d keep-alive clients x %d requests on 2 workers: p50 %.1f ms, p99 %.1f ms, "
	       "max %.1f ms\n",
	       KA_CLIENTS, KA_REQUESTS, p50 * 1e3, p99 * 1e3, max * 1e3);
	CHECK_MSG(bad == 0 && ok == KA_CLIENTS * KA_REQUESTS, "ok %d, failed %d", ok, bad);
	CHECK_MSG(p99 < 0.5, "p99 %.3f s", p99);
	CHECK_MSG(max < 5.0, "slowest %.3f s", max);
}

/* Sockets pid holds open (-1: unreadable). */
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

struct bg {
	pthread_t th;
	struct e2e_load res;
};

static void *bg_main(void *p)
{
	struct bg *b = p;
	e2e_load_run("/_hello", 48, 100000, 3.0, &b->res);
	return NULL;
}

TEST(test_a_worker_holds_several_kept_connections_and_nginx_ends_idle_ones)
{
	pid_t w[8];
	int nw = e2e_workers(w, 8);
	REQUIRE(nw >= 1 && nw <= 8);
	/* nginx ends the connections idle for 1 s (keepalive_timeout 1s):
	 * then each worker holds only its own sockets (listen, database). */
	usleep(1500 * 1000);
	int base[8], most[8] = {0};
	for (int i = 0; i < nw; i++)
		base[i] = open_sockets(w[i]);
	struct bg b;
	pthread_create(&b.th, NULL, bg_main, &b);
	for (double end = mono() + 2.5; mono() < end; usleep(20 * 1000))
		for (int i = 0; i < nw; i++) {
			int s = open_sockets(w[i]);
			if (s - base[i] > most[i])
				most[i] = s - base[i];
		}
	pthread_join(b.th, NULL);
	CHECK_MSG(b.res.failed == 0 && b.res.non2xx == 0 && b.res.ok > 100, "ok %d non2xx %d failed %d",
		  b.res.ok, b.res.non2xx, b.res.failed);
	int best = 0;
	for (int i = 0; i < nw; i++)
		best = most[i] > best ? most[i] : best;
	printf("e2e figures: 48 clients through nginx: at most %d kept connections in one worker\n", best);
	CHECK_MSG(best >= 4, "no worker held more than %d connections at once", best);
	/* Idle again: nginx has ended every kept connection itself. */
	usleep(1800 * 1000);
	for (int i = 0; i < nw; i++) {
		int s = open_sockets(w[i]);
		CHECK_MSG(s == base[i], "worker %d: %d sockets, %d before the load", (int)w[i], s, base[i]);
	}
out:;
}
