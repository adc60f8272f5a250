/* End-to-end resilience tests (SPEC section 10); they run last in the e2e
 * suite because they kill workers and stop MariaDB. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "e2e.h"
#include "test.h"

struct bg_load {
	pthread_t th;
	const char *path;
	int threads;    /* 0: 32 */
	double seconds; /* 0: 6 */
	struct e2e_load res;
};

static void *bg_load_main(void *p)
{
	struct bg_load *b = p;
	e2e_load_run(b->path, b->threads ? b->threads : 32, 100000, b->seconds ? b->seconds : 6.0,
		     &b->res);
	return NULL;
}

static bool contains(const pid_t *v, int n, pid_t p)
{
	for (int i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

TEST(test_kill_9_worker_under_load_is_replaced)
{
	pid_t before[64], after[64];
	int nb = e2e_workers(before, 64);
	CHECK_MSG(nb >= 2, "found %d workers", nb);
	if (nb < 1)
		return;
	struct bg_load b = {.path = "/api/articles?page=1"};
	pthread_create(&b.th, NULL, bg_load_main, &b);
	sleep(2);
	CHECK_INT(kill(before[0], SIGKILL), 0);
	pthread_join(b.th, NULL);
	int na = e2e_workers(after, 64);
	CHECK_INT(na, nb);
	CHECK(!contains(after, na, before[0]));
	/* The request the dead worker held may fail; a handful at most. */
	CHECK_MSG(b.res.non2xx + b.res.failed <= 5, "ok %d non2xx %d failed %d", b.res.ok,
		  b.res.non2xx, b.res.failed);
	CHECK(b.res.ok > 100);
}

static int healthz_status(void)
{
	struct http_resp r;
	int s = hc_get("/healthz", &r) == 0 ? r.status : -1;
	hc_free(&r);
	return s;
}

TEST(test_mariadb_down_gives_503_and_back_gives_200)
{
	const char *dir = getenv("FLACON_TEST_DB_DIR");
	CHECK(dir != NULL);
	if (!dir)
		return;
	pid_t before[64], after[64];
	int nb = e2e_workers(before, 64);
	CHECK_INT(healthz_status(), 200);
	struct browser me;
	br_init(&me);
	char name[33];
	cl_unique_name(name, "outage");
	CHECK_INT(cl_api_register(&me, name, CL_PASSWORD), 201);
	CHECK_INT(e2e_shell("mariadb_stop %s", dir), 0);
	/* Several requests so that every worker notices. */
	for (int i = 0; i < 6; i++)
		CHECK_INT(healthz_status(), 503);
	/* Every route answers 503 with Retry-After in its own format, never
	 * 500 (SPEC 7): pages, the API, a write. */
	static const char *const paths[] = {"/articles", "/articles/1", "/courses", "/api/articles",
					    "/api/courses/1", "/users/alice"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http_resp r;
		char ra[32];
		CHECK_INT(hc_get(paths[i], &r), 0);
		CHECK_MSG(r.status == 503, "%s answered %d while the database is down", paths[i], r.status);
		CHECK_MSG(hc_header(&r, "Retry-After", 0, ra, sizeof ra) != NULL, "%s: no Retry-After",
			  paths[i]);
		if (!strncmp(paths[i], "/api/", 5))
			CHECK_MSG(r.body && strstr(r.body, "\"unavailable\"") != NULL, "%s: %s",
				  paths[i], r.body ? r.body : "");
		else
			CHECK_MSG(r.body && strstr(r.body, "<html") != NULL, "%s: not an HTML page", paths[i]);
		hc_free(&r);
	}
	/* A logged-in user is not taken for a visitor (401) because their
	 * session cannot be read, nor a form for a forgery (403). */
	for (int i = 0; i < 4; i++) {
		struct http_resp m;
		CHECK_INT(br_get(&me, "/api/me", &m), 0);
		CHECK_MSG(m.status == 503, "GET /api/me of a logged-in user answered %d", m.status);
		hc_free(&m);
		CHECK_INT(br_json(&me, "POST", "/api/articles", "{\"title\":\"t\",\"content\":\"c\"}", &m), 0);
		CHECK_MSG(m.status == 503, "POST /api/articles of a logged-in user answered %d", m.status);
		hc_free(&m);
	}
	struct http_resp w;
	CHECK_INT(hc_request("POST", "/api/login", "Content-Type: application/json\r\n",
			     "{\"username\":\"alice\",\"password\":\"flacon-demo\"}", 45, &w), 0);
	CHECK_MSG(w.status == 503, "api login answered %d while the database is down", w.status);
	hc_free(&w);
	int na = e2e_workers(after, 64);
	CHECK_INT(na, nb);
	for (int i = 0; i < na; i++)
		CHECK(contains(before, nb, after[i]));
	CHECK_INT(e2e_shell("mariadb_start %s", dir), 0);
	/* Every worker reconnects by itself: all answers 200 right away. */
	for (int i = 0; i < 6; i++)
		CHECK_INT(healthz_status(), 200);
}

static pid_t mariadb_pid(void)
{
	const char *dir = getenv("FLACON_TEST_DB_DIR");
	char path[512];
	snprintf(path, sizeof path, "%s/mysqld.pid", dir ? dir : "/nonexistent");
	FILE *f = fopen(path, "r");
	long pid = 0;
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

/* SPEC 7 and 10: a hung database (SIGSTOP) is a 503 with Retry-After within
 * database.read_timeout + 1 s on every route, also for requests queued
 * behind the ones that waited; /healthz, answered by its own process, says
 * 503 within its own timeout (2 s) + 1 s while the workers are stuck; after
 * SIGCONT /healthz is 200 within 5 s and the pages once the workers' hold
 * (connect_timeout) has passed; no worker died. */
TEST(test_mariadb_hung_is_503_within_read_timeout_and_healthz_never_queues)
{
	const char *rt = getenv("FLACON_DATABASE_READ_TIMEOUT");
	double read_timeout = rt ? atof(rt) : 10.0;
	pid_t db = mariadb_pid();
	CHECK(db > 0);
	CHECK(e2e_health_process() > 0);
	if (db <= 0)
		return;
	pid_t before[64], after[64];
	int nb = e2e_workers(before, 64);
	CHECK_INT(healthz_status(), 200);
	CHECK_INT(kill(db, SIGSTOP), 0);
	/* every worker busy with requests that wait on the database */
	struct bg_load b = {.path = "/api/articles?page=1", .threads = 8, .seconds = read_timeout + 3};
	pthread_create(&b.th, NULL, bg_load_main, &b);
	usleep(300 * 1000);
	struct http_resp r;
	CHECK_INT(hc_get("/healthz", &r), 0);
	CHECK_MSG(r.status == 503 && r.seconds <= 3.0, "/healthz: %d after %.2f s", r.status, r.seconds);
	hc_free(&r);
	static const char *const paths[] = {"/articles", "/api/courses/1", "/courses"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		char ra[32];
		CHECK_INT(hc_get(paths[i], &r), 0);
		CHECK_MSG(r.status == 503 && r.seconds <= read_timeout + 1,
			  "%s: %d after %.2f s (read_timeout %.0f s)", paths[i], r.status, r.seconds,
			  read_timeout);
		CHECK_MSG(hc_header(&r, "Retry-After", 0, ra, sizeof ra) != NULL, "%s: no Retry-After",
			  paths[i]);
		hc_free(&r);
	}
	pthread_join(b.th, NULL);
	CHECK_MSG(b.res.failed == 0 && b.res.max_seconds <= read_timeout + 1,
		  "under load: %d unanswered, slowest %.2f s", b.res.failed, b.res.max_seconds);
	CHECK_INT(kill(db, SIGCONT), 0);
	int status = 0;
	for (int i = 0; i < 50 && status != 200; i++) {
		status = healthz_status();
		if (status != 200)
			usleep(100 * 1000);
	}
	CHECK_MSG(status == 200, "/healthz %d 5 s after SIGCONT", status);
	/* a worker that saw the hang waits connect_timeout (2 s) before it
	 * connects again: then every answer is 200 */
	usleep(2200 * 1000);
	for (int i = 0; i < 6; i++) {
		CHECK_INT(hc_get("/api/articles?page=1", &r), 0);
		CHECK_MSG(r.status == 200, "2.2 s after SIGCONT: %d", r.status);
		hc_free(&r);
	}
	int na = e2e_workers(after, 64);
	CHECK_INT(na, nb);
	for (int i = 0; i < na; i++)
		CHECK(contains(before, nb, after[i]));
}
