/* End-to-end tests of what an operator watches (SPEC 13, issue 24): the
 * health socket's /metrics counts exactly the requests sent through nginx,
 * by route, method and status, passes `promtool check metrics`, and is not
 * on the public site; the Grafana dashboard names only exported metrics;
 * `flacon status` (and --json) shows the live workers, and a request in
 * flight with its route and age. */
#include <errno.h>
#include <json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "client.h"
#include "core/metrics.h"
#include "e2e.h"
#include "test.h"

/* unix:$FLACON_TEST_TMP/flacon-health.sock: runserver's health socket
 * beside unix:$T/flacon.sock (tests/run.sh). */
static const char *health_spec(void)
{
	static char spec[512];
	const char *t = getenv("FLACON_TEST_TMP");
	snprintf(spec, sizeof spec, "unix:%s/flacon-health.sock", t ? t : "/nonexistent");
	return spec;
}

/* GET path from the health process; the body (malloc'd) or NULL. */
static char *health_get(const char *path)
{
	struct cli_fcgi_answer a;
	char err[512];
	if (cli_fcgi_get(health_spec(), path, 5000, &a, err, sizeof err) < 0) {
		CHECK_MSG(0, "GET %s on the health socket: %s", path, err);
		return NULL;
	}
	CHECK_MSG(a.status == 200, "GET %s on the health socket: %d", path, a.status);
	return a.body;
}

/* The value of the sample whose name and labels are exactly series
 * ("flacon_requests_total{route=\"home\",method=\"GET\",status=\"200\"}"),
 * 0 when there is no such line. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, series, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return 0;
}

static double requests(const char *text, const char *route, const char *method, int status)
{
	char s[256];
	snprintf(s, sizeof s, "flacon_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"}", route,
		 method, status);
	return sample(text, s);
}

static double histogram_count(const char *text, const char *route)
{
	char s[256];
	snprintf(s, sizeof s, "flacon_request_duration_seconds_count{route=\"%s\"}", route);
	return sample(text, s);
}

/* What each sending thread sends, with the status each must get. */
static const struct sent {
	const char *method, *path, *route;
	int status, times;
} mix[] = {
	{"GET", "/_hello", "FastCGI hello (benchmarks)", 200, 3},
	{"HEAD", "/_hello", "FastCGI hello (benchmarks)", 200, 1},
	{"GET", "/no/such/metrics/page", "unmatched", 404, 2},
	{"POST", "/articles/1", "unmatched", 405, 1},
	{"GET", "/me/courses", "my courses", 303, 2},
	{"GET", "/api/me", "api me", 401, 1},
};
#define NMIX (sizeof mix / sizeof mix[0])
#define THREADS 6

static int wrong_status[THREADS];

static void *send_mix(void *arg)
{
	int *wrong = arg;
	for (size_t i = 0; i < NMIX; i++)
		for (int k = 0; k < mix[i].times; k++) {
			struct http_resp r;
			int rc = hc_request(mix[i].method, mix[i].path, NULL, NULL, 0, &r);
			if (rc < 0 || r.status != mix[i].status)
				(*wrong)++;
			hc_free(&r);
		}
	return NULL;
}

TEST(test_metrics_count_each_request_by_route_method_and_status)
{
	char *before = health_get("/metrics"), *after = NULL;
	REQUIRE(before);
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, send_mix, &wrong_status[i]);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		CHECK_INT(wrong_status[i], 0);
	}
	after = health_get("/metrics");
	REQUIRE(after);
	for (size_t i = 0; i < NMIX; i++) {
		/* the same (route, method, status) may come twice in the mix */
		int want = 0;
		for (size_t j = 0; j < NMIX; j++)
			if (!strcmp(mix[j].route, mix[i].route) && !strcmp(mix[j].method, mix[i].method) &&
			    mix[j].status == mix[i].status)
				want += mix[j].times * THREADS;
		double got = requests(after, mix[i].route, mix[i].method, mix[i].status) -
			     requests(before, mix[i].route, mix[i].method, mix[i].status);
		CHECK_MSG(got == want, "%s %s (%s) %d: counted %.0f, sent %d", mix[i].method,
			  mix[i].path, mix[i].route, mix[i].status, got, want);
	}
	/* every request is in its route's latency histogram once */
	const char *routes[] = {"FastCGI hello (benchmarks)", "unmatched", "my courses", "api me"};
	for (size_t r = 0; r < sizeof routes / sizeof routes[0]; r++) {
		int want = 0;
		for (size_t i = 0; i < NMIX; i++)
			if (!strcmp(mix[i].route, routes[r]))
				want += mix[i].times * THREADS;
		double got = histogram_count(after, routes[r]) - histogram_count(before, routes[r]);
		CHECK_MSG(got == want, "histogram of %s: %.0f, sent %d", routes[r], got, want);
	}
	CHECK(sample(after, "flacon_build_info{version=\"" FLACON_VERSION "\"}") == 1);
	CHECK(sample(after, "flacon_workers") == 2);
	CHECK(sample(after, "flacon_requests_in_flight") == 0);
	CHECK(sample(after, "flacon_db_statements_total") > 0);
out:
	free(before);
	free(after);
}

TEST(test_metrics_count_sessions_created_and_deleted)
{
	char *before = health_get("/metrics"), *after = NULL;
	REQUIRE(before);
	struct browser b;
	br_init(&b);
	char name[33];
	REQUIRE(cl_new_user(&b, name, "metrics") > 0); /* registered: logged in */
	struct http_resp r;
	br_json(&b, "POST", "/api/logout", "{}", &r);
	CHECK_STATUS(r, 204);
	hc_free(&r);
	after = health_get("/metrics");
	REQUIRE(after);
	CHECK_INT(sample(after, "flacon_sessions_created_total") -
		  sample(before, "flacon_sessions_created_total"), 1);
	CHECK_INT(sample(after, "flacon_sessions_deleted_total") -
		  sample(before, "flacon_sessions_deleted_total"), 1);
out:
	free(before);
	free(after);
}

TEST(test_metrics_pass_promtool_check_metrics)
{
	char *text = health_get("/metrics");
	REQUIRE(text);
	char path[512];
	snprintf(path, sizeof path, "%s/metrics.txt", getenv("FLACON_TEST_TMP"));
	FILE *f = fopen(path, "w");
	REQUIRE(f);
	fputs(text, f);
	fclose(f);
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "promtool check metrics <'%s' >'%s.out' 2>&1", path, path);
	int rc = system(cmd);
	CHECK_MSG(rc == 0, "promtool check metrics failed (%d; scripts/deps.sh test installs it): see %s.out",
		  rc, path);
out:
	free(text);
}

TEST(test_metrics_and_status_are_not_on_the_public_site)
{
	const char *paths[] = {"/metrics", "/status"};
	for (size_t i = 0; i < 2; i++) {
		struct http_resp r;
		CHECK_INT(cl_get(paths[i], &r), 0);
		CHECK_STATUS(r, 404);
		CHECK(!strstr(r.body, "flacon_requests_total") && !strstr(r.body, "master_pid"));
		hc_free(&r);
	}
}

/* Every flacon_* name in s (an expression) into names[*n...]. */
static void metric_names(const char *s, char names[][96], size_t *n, size_t max)
{
	for (const char *p = strstr(s, "flacon_"); p; p = strstr(p, "flacon_")) {
		size_t k = 0;
		while ((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= '0' && p[k] <= '9') || p[k] == '_')
			k++;
		if (*n < max && k < 96) {
			memcpy(names[*n], p, k);
			names[(*n)++][k] = '\0';
		}
		p += k;
	}
}

/* Walk o: the strings under every "expr" key, and the templating's
 * queries ("query" strings, or {"query": "..."} objects). */
static void dashboard_exprs(json_object *o, bool in_query, char names[][96], size_t *n, size_t max,
			    size_t *nexpr)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			dashboard_exprs(json_object_array_get_idx(o, i), false, names, n, max, nexpr);
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, v)
	{
		bool q = !strcmp(key, "expr") || !strcmp(key, "query") || !strcmp(key, "definition");
		if (q && json_object_is_type(v, json_type_string)) {
			if (strcmp(key, "expr") == 0)
				(*nexpr)++;
			metric_names(json_object_get_string(v), names, n, max);
		} else {
			dashboard_exprs(v, q || in_query, names, n, max, nexpr);
		}
	}
}

TEST(test_dashboard_expressions_name_only_exported_metrics)
{
	json_object *d = json_object_from_file("conf/grafana-dashboard.json");
	char *text = health_get("/metrics");
	REQUIRE(d);
	REQUIRE(text);
	static char names[512][96];
	size_t n = 0, nexpr = 0;
	dashboard_exprs(d, false, names, &n, 512, &nexpr);
	CHECK(nexpr >= 10);
	CHECK(n >= nexpr);
	for (size_t i = 0; i < n; i++) {
		/* a histogram's series are its family's name and a suffix */
		char family[96];
		snprintf(family, sizeof family, "%s", names[i]);
		const char *suffix[] = {"_bucket", "_sum", "_count"};
		for (size_t s = 0; s < 3; s++) {
			size_t fl = strlen(family), sl = strlen(suffix[s]);
			if (fl > sl && !strcmp(family + fl - sl, suffix[s]) &&
			    !strncmp(family, "flacon_request_duration_seconds", fl - sl))
				family[fl - sl] = '\0';
		}
		bool listed = false;
		for (size_t k = 0; metrics_families[k]; k++)
			listed |= !strcmp(metrics_families[k], family);
		CHECK_MSG(listed, "the dashboard names %s, which Flacon does not export", names[i]);
		char type_line[160];
		snprintf(type_line, sizeof type_line, "# TYPE %s ", family);
		CHECK_MSG(strstr(text, type_line) != NULL, "%s is not in /metrics", family);
	}
	/* and every exported family is on the dashboard */
	for (size_t k = 0; metrics_families[k]; k++) {
		bool used = false;
		for (size_t i = 0; i < n; i++)
			used |= !strncmp(names[i], metrics_families[k], strlen(metrics_families[k]));
		CHECK_MSG(used, "%s is on no panel of the dashboard", metrics_families[k]);
	}
out:
	json_object_put(d);
	free(text);
}

/* ---- flacon status ---------------------------------------------------------- */

/* Run `$FLACON_BIN status ARGS`; its stdout (malloc'd) and exit status. */
static char *run_status(const char *args, int *status)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "'%s' status %s 2>&1", getenv("FLACON_BIN"), args);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap);
	size_t r;
	while (out && (r = fread(out + n, 1, cap - 1 - n, p)) > 0)
		n += r;
	if (out)
		out[n] = '\0';
	int rc = pclose(p);
	*status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	return out;
}

/* A FastCGI request straight to the workers' socket that stops in the
 * middle of its body: the worker that takes it is busy on route "api
 * login" until the socket is closed. Returns the connection, or -1. */
static int stalled_request(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/flacon.sock", getenv("FLACON_TEST_TMP"));
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	unsigned char msg[512];
	size_t n = 0;
	const unsigned char begin[16] = {1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(msg, begin, 16);
	n = 16;
	const char *kv[][2] = {{"REQUEST_METHOD", "POST"},   {"REQUEST_URI", "/api/login"},
			       {"CONTENT_TYPE", "application/json"}, {"CONTENT_LENGTH", "100"},
			       {"REMOTE_ADDR", "127.0.0.1"}};
	unsigned char params[400];
	size_t pn = 0;
	for (size_t i = 0; i < 5; i++) {
		size_t a = strlen(kv[i][0]), b = strlen(kv[i][1]);
		params[pn++] = (unsigned char)a;
		params[pn++] = (unsigned char)b;
		memcpy(params + pn, kv[i][0], a);
		pn += a;
		memcpy(params + pn, kv[i][1], b);
		pn += b;
	}
	const unsigned char ph[8] = {1, 4, 0, 1, 0, (unsigned char)pn, 0, 0};
	memcpy(msg + n, ph, 8);
	n += 8;
	memcpy(msg + n, params, pn);
	n += pn;
	const unsigned char end_params[8] = {1, 4, 0, 1, 0, 0, 0, 0};
	memcpy(msg + n, end_params, 8);
	n += 8;
	/* 10 of the 100 bytes of the body, and no end of stdin */
	const unsigned char in[8] = {1, 5, 0, 1, 0, 10, 0, 0};
	memcpy(msg + n, in, 8);
	n += 8;
	memcpy(msg + n, "{\"usernam", 10);
	n += 10;
	if (write(fd, msg, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST(test_status_shows_each_worker_and_a_request_in_flight)
{
	pid_t pids[8];
	int nw = e2e_workers(pids, 8);
	CHECK_INT(nw, 2);
	char args[600];
	snprintf(args, sizeof args, "--socket %s", health_spec());
	int rc;
	char *text = run_status(args, &rc), *js = NULL;
	json_object *o = NULL;
	int fd = -1;
	REQUIRE(text);
	CHECK_INT(rc, 0);
	CHECK(strstr(text, "master pid:") && strstr(text, "configuration:") && strstr(text, "uptime:"));
	for (int i = 0; i < nw; i++) {
		char p[32];
		snprintf(p, sizeof p, "\n%d ", (int)pids[i]);
		CHECK_MSG(strstr(text, p) != NULL, "worker %d not in: %s", (int)pids[i], text);
	}

	/* a request stuck in its body: one worker busy on its route */
	fd = stalled_request();
	REQUIRE(fd >= 0);
	usleep(300 * 1000);
	snprintf(args, sizeof args, "--json --socket %s", health_spec());
	js = run_status(args, &rc);
	REQUIRE(js);
	CHECK_INT(rc, 0);
	o = json_tokener_parse(js);
	REQUIRE(o);
	CHECK_INT(cl_jint(o, "master_pid", 0), atoi(getenv("FLACON_TEST_MASTER_PID")));
	CHECK(cl_jint(o, "uptime_seconds", -1) >= 0);
	CHECK(cl_jstr(o, "version") && !strcmp(cl_jstr(o, "version"), FLACON_VERSION));
	CHECK(cl_jhas(o, "config"));
	CHECK_INT(cl_jint(o, "busy_workers", -1), 1);
	json_object *ws = cl_jget(o, "workers");
	REQUIRE(ws && json_object_is_type(ws, json_type_array));
	CHECK_INT(json_object_array_length(ws), nw);
	int busy = 0;
	for (size_t i = 0; i < json_object_array_length(ws); i++) {
		json_object *w = json_object_array_get_idx(ws, i);
		bool known = false;
		for (int k = 0; k < nw; k++)
			known |= cl_jint(w, "pid", 0) == pids[k];
		CHECK_MSG(known, "worker pid %lld", cl_jint(w, "pid", 0));
		CHECK(cl_jint(w, "requests", -1) >= 0);
		CHECK(cl_jint(w, "uptime_seconds", -1) >= 0);
		const char *state = cl_jstr(w, "state");
		REQUIRE(state);
		if (!strcmp(state, "busy")) {
			busy++;
			CHECK_STR(cl_jstr(w, "route"), "api login");
			CHECK_MSG(cl_jint(w, "route_age_ms", -1) >= 250, "age %lld ms",
				  cl_jint(w, "route_age_ms", -1));
		} else {
			CHECK_STR(state, "idle");
			CHECK(cl_jnull(w, "route"));
		}
		/* the workers have served pages: each is connected to the one node */
		const char *node = cl_jstr(w, "db_node");
		CHECK_MSG(node && strstr(node, "mysqld.sock"), "db_node %s", node ? node : "null");
	}
	CHECK_INT(busy, 1);
out:
	if (fd >= 0)
		close(fd);
	json_object_put(o);
	free(text);
	free(js);
}

TEST(test_status_finds_the_health_socket_from_the_configuration)
{
	/* server.listen as runserver was given it; health_listen auto */
	char args[600];
	snprintf(args, sizeof args, "--json");
	char env[600];
	snprintf(env, sizeof env, "unix:%s/flacon.sock", getenv("FLACON_TEST_TMP"));
	setenv("FLACON_SERVER_LISTEN", env, 1);
	int rc;
	char *js = run_status(args, &rc);
	unsetenv("FLACON_SERVER_LISTEN");
	REQUIRE(js);
	CHECK_INT(rc, 0);
	json_object *o = json_tokener_parse(js);
	CHECK_MSG(o && cl_jint(o, "master_pid", 0) == atoi(getenv("FLACON_TEST_MASTER_PID")), "%s", js);
	json_object_put(o);
	/* no server there: a failure, said on stderr */
	free(js);
	js = run_status("--socket unix:/nonexistent/health.sock", &rc);
	CHECK_INT(rc, 1);
	CHECK(js && strstr(js, "is the server running?"));
out:
	free(js);
}
