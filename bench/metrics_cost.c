/* metrics_cost.c — `make bench-metrics`: what the request path's metrics cost a
 * request, timed alone (issue 24: their cost on the API row): per request
 * metrics_request_begin, _route, _end (two clock reads, the route x method x
 * status cube, the latency histogram), two statement counts and the node in
 * use, into a worker slot of the shared region, over 40 routes. */
#include <stdio.h>
#include <time.h>
#include "core/metrics.h"

static int h(struct http_request *q, struct http_response *r) { (void)q; (void)r; return 0; }
static const struct http_route routes[40] = {[0 ... 39] = {"GET", "/x", h, 0, "x"}};
int main(void)
{
	struct http_app app = {.routes = routes, .nroutes = 40};
	if (metrics_setup(&app, 2) < 0) return 1;
	metrics_slot_attach(metrics_slot_claim(&app));
	const long N = 20000000;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < N; i++) {
		uint64_t t = metrics_request_begin(i & 1 ? "GET" : "POST");
		metrics_request_route(&app, &routes[i % 40]);
		metrics_count(METRICS_DB_STATEMENTS);
		metrics_count(METRICS_DB_STATEMENTS);
		metrics_db_node(0);
		metrics_request_end(i % 7 ? 200 : 404, t);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f ns per request\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / N);
	return 0;
}
