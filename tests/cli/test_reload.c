/* cli suite: `flacon runserver` reloads on SIGHUP without refusing a
 * request — requests flow through nginx while the master is sent SIGHUP
 * three times; every worker is replaced and no request fails. */
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_client.h"
#include "procs.h"
#include "test.h"

static volatile int stop_load;

struct counts {
	int ok, bad;
};

static void *load(void *p)
{
	struct counts *c = p;
	const char *paths[] = {"/healthz", "/articles", "/api/courses", "/_hello"};
	for (int i = 0; !stop_load && i < 200000; i++) {
		struct http_resp r;
		if (hc_get(paths[i % 4], &r) == 0 && r.status == 200)
			c->ok++;
		else
			c->bad++;
		hc_free(&r);
	}
	return NULL;
}

static int workers(pid_t master, pid_t *out, int max)
{
	return test_children(master, "flacon-worker", out, max);
}

TEST(test_sighup_three_times_under_load_fails_no_request)
{
	const char *m = getenv("FLACON_TEST_MASTER_PID");
	CHECK(m != NULL && hc_port() > 0);
	if (!m)
		return;
	pid_t master = (pid_t)atoi(m);
	pid_t before[16], after[16];
	int nb = workers(master, before, 16);
	CHECK(nb >= 1);
	enum { THREADS = 8 };
	pthread_t th[THREADS];
	struct counts c[THREADS];
	memset(c, 0, sizeof c);
	stop_load = 0;
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, load, &c[i]);
	for (int k = 0; k < 3; k++) {
		usleep(700 * 1000);
		CHECK_INT(kill(master, SIGHUP), 0);
	}
	/* Let the last reload finish while the load goes on. */
	for (int i = 0; i < 100; i++) {
		usleep(100 * 1000);
		int na = workers(master, after, 16);
		bool all_new = na == nb;
		for (int x = 0; x < na && all_new; x++)
			for (int y = 0; y < nb; y++)
				if (after[x] == before[y])
					all_new = false;
		if (all_new && i > 10)
			break;
	}
	stop_load = 1;
	int ok = 0, bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		ok += c[i].ok;
		bad += c[i].bad;
	}
	CHECK_MSG(bad == 0, "%d of %d requests failed during the reloads", bad, ok + bad);
	CHECK(ok > 100);
	int na = workers(master, after, 16);
	CHECK_INT(na, nb);
	for (int x = 0; x < na; x++)
		for (int y = 0; y < nb; y++)
			CHECK_MSG(after[x] != before[y], "worker %d survived the reloads", (int)after[x]);
	CHECK(kill(master, 0) == 0);
}
