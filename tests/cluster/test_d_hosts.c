/* Flacon hosts dying (SPEC 11): nginx routes around a host that was
 * killed (its socket refuses connections; requests it had in hand are
 * sent again elsewhere when they are GETs) and around a host stopped for
 * a deploy, and the host takes its share again when it returns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"

static void pause_s(double s)
{
	usleep((useconds_t)(s * 1e6));
}

static void snapshot(struct ct_load *l, int *by_host)
{
	pthread_mutex_lock(&l->mu);
	memcpy(by_host, l->by_host, sizeof l->by_host);
	pthread_mutex_unlock(&l->mu);
}

TEST(test_an_app_host_killed_under_load_fails_no_request)
{
	CHECK_MSG(ct_heal(), "the cluster is not whole before the test");
	/* Reads only: a POST that a dying host had in hand may have been
	 * committed, and nginx never sends it twice (conf/nginx-cluster.conf.in). */
	static struct ct_load l;
	memset(&l, 0, sizeof l);
	l.port = ct_nginx();
	l.readers = 6;
	l.pause = 0.005;
	ct_name(l.tag, sizeof l.tag, "hostkill");
	CHECK(ct_load_start(&l));
	if (!l.nthreads)
		return;
	int before[CT_HOSTS + 1], killed[CT_HOSTS + 1], down[CT_HOSTS + 1], back[CT_HOSTS + 1],
		end[CT_HOSTS + 1];
	pause_s(2);
	snapshot(&l, before);
	CHECK_INT(ct_op("kill-host", 2), 0);
	snapshot(&l, killed);
	pause_s(4);
	snapshot(&l, down);
	CHECK_INT(ct_op("start-host", 2), 0);
	/* nginx leaves a failed host alone for fail_timeout (5 s). */
	pause_s(6);
	snapshot(&l, back);
	pause_s(2);
	ct_load_stop(&l);
	snapshot(&l, end);
	printf("cluster figures: host 2 killed under load: %d requests, %d failed; answers of host 2 "
	       "while down %d, after its return %d\n",
	       atomic_load(&l.requests), l.nfails, down[2] - killed[2], end[2] - back[2]);
	if (l.nfails)
		ct_load_print_fails(&l, 20);
	CHECK_MSG(l.nfails == 0, "%d requests failed at nginx", l.nfails);
	for (int h = 1; h <= CT_HOSTS; h++)
		CHECK_MSG(before[h] > 0, "host %d answered nothing before the kill", h);
	CHECK_MSG(down[2] == killed[2], "host 2 answered %d requests while it was dead",
		  down[2] - killed[2]);
	CHECK_MSG(end[2] > back[2], "host 2 answered nothing after its return");
	CHECK(atomic_load(&l.requests) > 500);
}

TEST(test_an_app_host_stopped_under_writes_fails_no_request)
{
	CHECK_MSG(ct_heal(), "the cluster is not whole before the test");
	static struct ct_load l;
	memset(&l, 0, sizeof l);
	l.port = ct_nginx();
	l.writers = 4;
	l.readers = 2;
	l.pause = 0.01;
	ct_name(l.tag, sizeof l.tag, "hoststop");
	CHECK(ct_load_start(&l));
	if (!l.nthreads)
		return;
	pause_s(2);
	CHECK_INT(ct_op("stop-host", 3), 0);
	pause_s(3);
	CHECK_INT(ct_op("start-host", 3), 0);
	pause_s(2);
	ct_load_stop(&l);
	printf("cluster figures: host 3 stopped (SIGTERM) under writes: %d requests, %d failed, "
	       "%ld articles acknowledged\n",
	       atomic_load(&l.requests), l.nfails, l.nacked);
	if (l.nfails)
		ct_load_print_fails(&l, 20);
	CHECK_MSG(l.nfails == 0, "%d requests failed at nginx", l.nfails);
	CHECK(l.nacked > 100);
	for (int n = 1; n <= CT_NODES; n++)
		ct_check_acked(n, l.tag, l.acked, l.nacked);
	free(l.acked);
}
