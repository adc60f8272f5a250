/* Unit tests of core/metrics.c in one process: a slot counts requests by
 * route, method and status and their durations; a dead worker's counts
 * are folded into the master's, its exit counted by cause; label values
 * are escaped; /status sees a request in flight. */
#include <string.h>
#include <unistd.h>

#include "core/metrics.h"
#include "test.h"

static int ok(struct http_request *req, struct http_response *resp)
{
	(void)req;
	(void)resp;
	return 0;
}

static const struct http_route routes[] = {
	{"GET", "/a", ok, 0, "a"},
	{"GET", "/b", ok, 0, "say \"hi\"\\"},
};
static const struct http_app app = {.routes = routes, .nroutes = 2};
static const struct http_app other = {.routes = routes, .nroutes = 1};

static bool has_line(const struct buf *b, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = b->p; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, line, n) && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static void request(const char *method, const struct http_route *route, int status)
{
	uint64_t t = metrics_request_begin(method);
	metrics_request_route(&app, route);
	metrics_request_end(status, t);
}

TEST(test_metrics_slot_counts_and_a_dead_workers_counts_are_kept)
{
	struct buf b = BUF_INIT;
	REQUIRE(metrics_setup(&app, 1) == 0);
	metrics_set_version("9.9.9");
	CHECK_INT(metrics_slot_claim(&other), -1); /* the health process counts nothing */
	int slot = metrics_slot_claim(&app);
	REQUIRE(slot >= 0);
	metrics_slot_bind(slot, getpid());
	metrics_slot_attach(slot);
	for (int i = 0; i < 3; i++)
		request("GET", &routes[1], 200);
	request("HEAD", &routes[1], 200);
	request("POST", NULL, 404);
	request("PATCH", &routes[0], 418);
	for (int i = 0; i < 5; i++)
		metrics_count(METRICS_DB_STATEMENTS);
	metrics_count(METRICS_THROTTLED_LOGINS);

	/* in flight: /status sees the route and the state */
	uint64_t t = metrics_request_begin("GET");
	metrics_request_route(&app, &routes[0]);
	struct metrics_status st;
	struct metrics_worker w[4];
	REQUIRE(metrics_read_status(&st, w, 4) == 0);
	CHECK_INT(st.nworkers, 1);
	CHECK_INT(w[0].pid, getpid());
	CHECK(w[0].busy);
	CHECK_STR(w[0].route, "a");
	CHECK_INT(w[0].requests, 6);
	REQUIRE(metrics_render_prometheus(&b, NULL) == 0);
	CHECK(has_line(&b, "flacon_requests_in_flight 1"));
	metrics_request_end(200, t);

	buf_reset(&b);
	REQUIRE(metrics_render_prometheus(&b, NULL) == 0);
	const char *live[] = {
		"flacon_build_info{version=\"9.9.9\"} 1",
		"flacon_requests_total{route=\"say \\\"hi\\\"\\\\\",method=\"GET\",status=\"200\"} 3",
		"flacon_requests_total{route=\"say \\\"hi\\\"\\\\\",method=\"HEAD\",status=\"200\"} 1",
		"flacon_requests_total{route=\"unmatched\",method=\"POST\",status=\"404\"} 1",
		"flacon_requests_total{route=\"a\",method=\"other\",status=\"other\"} 1",
		"flacon_requests_total{route=\"a\",method=\"GET\",status=\"200\"} 1",
		"flacon_request_duration_seconds_count{route=\"say \\\"hi\\\"\\\\\"} 4",
		"flacon_request_duration_seconds_bucket{route=\"say \\\"hi\\\"\\\\\",le=\"+Inf\"} 4",
		"flacon_requests_in_flight 0",
		"flacon_workers 1",
		"flacon_worker_starts_total 1",
		"flacon_db_statements_total 5",
		"flacon_throttled_total{action=\"login\"} 1",
	};
	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
		CHECK_MSG(has_line(&b, live[i]), "missing: %s", live[i]);

	/* the worker retires after max_requests and is reaped: its counts stay */
	metrics_worker_retiring();
	metrics_slot_attach(-1);
	metrics_child_exited(getpid(), 0);
	buf_reset(&b);
	REQUIRE(metrics_render_prometheus(&b, NULL) == 0);
	const char *folded[] = {
		"flacon_requests_total{route=\"say \\\"hi\\\"\\\\\",method=\"GET\",status=\"200\"} 3",
		"flacon_requests_total{route=\"unmatched\",method=\"POST\",status=\"404\"} 1",
		"flacon_request_duration_seconds_count{route=\"say \\\"hi\\\"\\\\\"} 4",
		"flacon_workers 0",
		"flacon_db_statements_total 5",
		"flacon_worker_exits_total{cause=\"max_requests\"} 1",
		"flacon_worker_exits_total{cause=\"signal\"} 0",
	};
	for (size_t i = 0; i < sizeof folded / sizeof folded[0]; i++)
		CHECK_MSG(has_line(&b, folded[i]), "missing after the fold: %s", folded[i]);

	/* the slot is free again, and a new worker in it starts from zero */
	CHECK_INT(metrics_slot_claim(&app), slot);
	metrics_slot_bind(slot, getpid());
	metrics_slot_attach(slot);
	REQUIRE(metrics_read_status(&st, w, 4) == 0);
	CHECK_INT(st.nworkers, 1);
	CHECK_INT(w[0].requests, 0);
	CHECK_INT(st.requests, 7);
	/* killed by a signal */
	metrics_slot_attach(-1);
	metrics_child_exited(getpid(), 9);
	buf_reset(&b);
	REQUIRE(metrics_render_prometheus(&b, NULL) == 0);
	CHECK(has_line(&b, "flacon_worker_exits_total{cause=\"signal\"} 1"));
	CHECK(has_line(&b, "flacon_worker_starts_total 2"));
out:
	metrics_slot_attach(-1);
	buf_free(&b);
}
