/* Galera nodes dying (SPEC 10, 11): the writer node killed under load and
 * then another one — the hosts move on with at most a handful of errors
 * while they switch, lose nothing acknowledged, come back to the first
 * node, and the killed nodes rejoin by IST; two nodes killed — the lone
 * survivor leaves the primary component and every host says 503 (page
 * routes and /healthz) until the cluster is whole again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"

/* Errors allowed while the hosts switch nodes: about one request in hand
 * per worker (3 hosts x 2 workers) at each kill. */
#define HANDFUL 12
/* How long after a kill or a restart an error still counts as "during the
 * switch" (the nodes need up to 5 s to drop a dead peer, evs timeouts). */
#define SWITCH_SECONDS 10.0

static void pause_s(double s)
{
	usleep((useconds_t)(s * 1e6));
}

/* The failures of l outside every window [t, t + SWITCH_SECONDS) of ev. */
static int outside_switches(const struct ct_load *l, const double *ev, int nev)
{
	int n = 0;
	for (int i = 0; i < l->nfails; i++) {
		bool inside = false;
		for (int e = 0; e < nev; e++)
			inside |= l->fails[i].t >= ev[e] && l->fails[i].t < ev[e] + SWITCH_SECONDS;
		n += !inside;
	}
	return n;
}

TEST(test_the_writer_node_killed_under_load_then_another_loses_nothing)
{
	CHECK_MSG(ct_heal(), "the cluster is not whole before the test");
	static struct ct_load l;
	memset(&l, 0, sizeof l);
	l.port = ct_nginx();
	l.writers = 4;
	l.readers = 2;
	l.pause = 0.02;
	ct_name(l.tag, sizeof l.tag, "kill");
	CHECK(ct_load_start(&l));
	if (!l.nthreads)
		return;
	double ev[4];
	int ok_during[2];
	char how[2][64];
	pause_s(2);
	for (int k = 0; k < 2; k++) {
		int node = k + 1; /* node 1, the writer; then node 2 */
		ev[2 * k] = ct_now();
		CHECK_INT(ct_op("kill-node", node), 0);
		/* After the switch, the hosts keep answering through another node. */
		pause_s(SWITCH_SECONDS - 2);
		int ok0 = atomic_load(&l.ok);
		pause_s(3);
		ok_during[k] = atomic_load(&l.ok) - ok0;
		ev[2 * k + 1] = ct_now();
		CHECK_MSG(ct_op("start-node", node) == 0, "node %d did not rejoin", node);
		ct_op_out("joined-by", node, how[k], sizeof how[k]);
		pause_s(3);
	}
	ct_load_stop(&l);
	int fails = l.nfails, hard = ct_load_not_503(&l);
	int outside = outside_switches(&l, ev, 4);
	printf("cluster figures: node 1 then node 2 killed under load: %d requests, %d errors "
	       "(%d not 503, %d outside the switches), %d / %d answers in 3 s of each outage, "
	       "%ld articles acknowledged, rejoined by %s / %s\n",
	       atomic_load(&l.requests), fails, hard, outside, ok_during[0], ok_during[1], l.nacked,
	       how[0][0] ? how[0] : "?", how[1][0] ? how[1] : "?");
	if (fails)
		ct_load_print_fails(&l, 20);
	CHECK_MSG(fails <= HANDFUL, "%d errors, more than a handful (%d)", fails, HANDFUL);
	CHECK_MSG(hard == 0, "%d errors were not 503 (wrong answers, 500, 502 or none)", hard);
	CHECK_MSG(outside == 0, "%d errors came after the switch was over", outside);
	for (int k = 0; k < 2; k++) {
		CHECK_MSG(ok_during[k] > 20, "outage %d: only %d answers in 3 s", k + 1, ok_during[k]);
		CHECK_MSG(!strcmp(how[k], "IST"), "node %d rejoined by %s, not IST", k + 1,
			  how[k][0] ? how[k] : "nothing known");
	}
	/* Nothing acknowledged is lost, on any node, and no node differs. */
	CHECK(ct_heal());
	long long count[CT_NODES + 1];
	for (int n = 1; n <= CT_NODES; n++) {
		ct_check_acked(n, l.tag, l.acked, l.nacked);
		count[n] = ct_sql_int(n, "SELECT COUNT(*) FROM article WHERE title LIKE '%s-%%'", l.tag);
	}
	CHECK_MSG(count[1] == count[2] && count[2] == count[3], "rows of the load on nodes 1, 2, 3: %lld, %lld, %lld",
		  count[1], count[2], count[3]);
	free(l.acked);
}

TEST(test_the_hosts_come_back_to_the_first_node_when_it_returns)
{
	CHECK_MSG(ct_heal(), "the cluster is not whole before the test");
	/* Light traffic through every host, so that every worker notices. */
	long long on[CT_NODES + 1] = {0};
	double t0 = ct_now();
	bool back = false;
	while (!back && ct_now() - t0 < 30) {
		for (int i = 0; i < 12; i++)
			ct_call(ct_host(i % CT_HOSTS + 1), NULL, "GET", "/api/articles?page=1", NULL, NULL);
		for (int n = 1; n <= CT_NODES; n++)
			on[n] = ct_sql_int(n, "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
					      "WHERE USER = 'flacon'");
		back = on[1] > 0 && on[2] == 0 && on[3] == 0;
		if (!back)
			pause_s(0.5);
	}
	printf("cluster figures: the hosts' connections on nodes 1, 2, 3 after node 1 returned: "
	       "%lld, %lld, %lld (%.1f s)\n",
	       on[1], on[2], on[3], ct_now() - t0);
	CHECK_MSG(back, "30 s after node 1 returned, the hosts have %lld, %lld, %lld connections on nodes 1, 2, 3",
		  on[1], on[2], on[3]);
}

/* The statuses of /healthz on each host, as "503 503 503". */
static void healthz_all(char *out, size_t n)
{
	size_t o = 0;
	for (int h = 1; h <= CT_HOSTS; h++)
		o += (size_t)snprintf(out + o, n - o, "%s%d", h > 1 ? " " : "",
				      ct_call(ct_host(h), NULL, "GET", "/healthz", NULL, NULL));
}

TEST(test_two_nodes_killed_make_every_host_answer_503_until_the_cluster_is_whole)
{
	CHECK_MSG(ct_heal(), "the cluster is not whole before the test");
	struct ct_user u = {0};
	CHECK_INT(ct_register(ct_nginx(), &u, "quorum"), 201);
	/* Nodes 2 and 3 die: node 1, where every host is connected, is alone
	 * and leaves the primary component (no quorum). */
	double t0 = ct_now();
	CHECK_INT(ct_op("kill-node", 2), 0);
	CHECK_INT(ct_op("kill-node", 3), 0);
	char hz[32] = "";
	while (ct_now() - t0 < 20) {
		healthz_all(hz, sizeof hz);
		if (!strcmp(hz, "503 503 503"))
			break;
		pause_s(0.2);
	}
	double to503 = ct_now() - t0;
	CHECK_MSG(!strcmp(hz, "503 503 503"), "20 s after the kills, /healthz of the hosts: %s", hz);
	/* And it stays so, on every route, in the route's format; never 500. */
	int polls = 0, wrong = 0;
	char first[160] = "";
	static const char *const paths[] = {"/healthz", "/api/articles?page=1", "/", "/articles",
					    "/api/me"};
	for (int i = 0; i < 10; i++) {
		for (int h = 1; h <= CT_HOSTS; h++) {
			const char *path = paths[(i + h) % 5];
			struct http_resp r;
			int s = ct_call(ct_host(h), &u, "GET", path, NULL, &r);
			char ra[32];
			bool retry_after = hc_header(&r, "Retry-After", 0, ra, sizeof ra) != NULL;
			polls++;
			if (s != 503 || (strcmp(path, "/healthz") && !retry_after)) {
				wrong++;
				if (!first[0])
					snprintf(first, sizeof first, "host %d GET %s: %d%s", h, path, s,
						 retry_after ? "" : " without Retry-After");
			}
			hc_free(&r);
		}
		int s = ct_call(ct_host(i % CT_HOSTS + 1), &u, "POST", "/api/articles",
				"{\"title\":\"no quorum\",\"content\":\"x\"}", NULL);
		polls++;
		if (s != 503) {
			wrong++;
			if (!first[0])
				snprintf(first, sizeof first, "POST /api/articles: %d", s);
		}
		pause_s(0.3);
	}
	int nginx = ct_call(ct_nginx(), NULL, "GET", "/healthz", NULL, NULL);
	CHECK_MSG(wrong == 0, "%d of %d answers without quorum were not 503 (first: %s)", wrong, polls,
		  first);
	CHECK_INT(nginx, 503);
	/* The two nodes return (they rejoin node 1 by IST and the primary
	 * component forms again): every host is back. */
	double t1 = ct_now();
	CHECK(ct_heal());
	while (ct_now() - t1 < 30) {
		healthz_all(hz, sizeof hz);
		if (!strcmp(hz, "200 200 200"))
			break;
		pause_s(0.2);
	}
	printf("cluster figures: nodes 2 and 3 killed: every host 503 after %.1f s, %d of %d answers "
	       "503 meanwhile; whole again and 200 after %.1f s\n",
	       to503, polls - wrong, polls, ct_now() - t1);
	CHECK_MSG(!strcmp(hz, "200 200 200"), "after the return of nodes 2 and 3, /healthz: %s", hz);
	CHECK(ct_article(ct_nginx(), &u, "quorum again", "x") > 0);
}
