/* End-to-end tests of the host's session cache (SPEC 6 and 9, issue 22)
 * through nginx and the stack's workers (2 or more): logout, rotation at
 * login and `flacon deleteuser` take effect on the very next request,
 * whichever worker answers it; a row deleted behind the cache's back (as
 * another host of a cluster would) is refused within session.cache_ttl_ms
 * (1 s); and logged-in pages really stop reading their session row — the
 * statements MariaDB ran, from the health socket's /metrics. The page
 * used is GET /articles/new: login required, and no statement but the
 * session's (200 logged in, 303 to /login when not). */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "client.h"
#include "e2e.h"
#include "test.h"

#define PAGE "/articles/new"
/* Requests after each change: with 2 workers, both answer some of them. */
#define NEXT_REQUESTS 8

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* GET PAGE with exactly the session cookie value (the jar is set again
 * before each request: a refused cookie is deleted by the answer). */
static int page_status(const char *session)
{
	struct browser b;
	br_init(&b);
	br_put_cookie(&b, "session", session);
	struct http_resp r;
	br_get(&b, PAGE, &r);
	int s = r.status;
	hc_free(&r);
	return s;
}

/* Warm the cache: the page a few times as a logged-in user. */
static void warm(const char *session)
{
	for (int i = 0; i < 6; i++)
		CHECK_INT(page_status(session), 200);
}

/* Every one of NEXT_REQUESTS requests with session is sent to the login
 * page (303). */
static void check_refused(const char *session, const char *what)
{
	for (int i = 0; i < NEXT_REQUESTS; i++) {
		int s = page_status(session);
		CHECK_MSG(s == 303, "%s: request %d after it answered %d", what, i + 1, s);
	}
}

static void copy_session(const struct browser *b, char *out, size_t n)
{
	const char *v = br_cookie(b, "session");
	CHECK(v != NULL);
	snprintf(out, n, "%s", v ? v : "");
}

TEST(test_session_cache_logout_is_anonymous_on_the_next_request_of_every_worker)
{
	for (int round = 0; round < 3; round++) {
		struct browser b;
		br_init(&b);
		char name[33], old[1024];
		cl_new_user(&b, name, "sclogout");
		copy_session(&b, old, sizeof old);
		warm(old);
		struct http_resp r;
		br_json(&b, "POST", "/api/logout", NULL, &r);
		CHECK_STATUS(r, 204);
		hc_free(&r);
		check_refused(old, "logout");
	}
}

TEST(test_session_cache_login_refuses_the_old_cookie_on_the_next_request)
{
	struct browser b;
	br_init(&b);
	char name[33], old[1024], fresh[1024];
	cl_new_user(&b, name, "scrotate");
	copy_session(&b, old, sizeof old);
	warm(old);
	/* Logging in again from the same browser rotates the token. */
	CHECK_INT(cl_api_login(&b, name, CL_PASSWORD, NULL), 200);
	copy_session(&b, fresh, sizeof fresh);
	CHECK(strcmp(old, fresh) != 0);
	check_refused(old, "login rotation");
	for (int i = 0; i < NEXT_REQUESTS; i++)
		CHECK_INT(page_status(fresh), 200);
}

TEST(test_session_cache_deleteuser_refuses_the_cookie_on_the_next_request)
{
	struct browser b;
	br_init(&b);
	char name[33], cookie[1024], args[128];
	cl_new_user(&b, name, "scdelete");
	copy_session(&b, cookie, sizeof cookie);
	warm(cookie);
	snprintf(args, sizeof args, "deleteuser '%s'", name);
	CHECK_INT(cl_flacon(args), 0);
	check_refused(cookie, "deleteuser");
}

/* SPEC 6: another host's logout (its DELETE of the row) is seen here
 * within session.cache_ttl_ms = 1 s. */
TEST(test_session_cache_row_deleted_elsewhere_is_refused_within_a_second)
{
	struct browser b;
	br_init(&b);
	char name[33], cookie[1024], sql[256];
	long long id = cl_new_user(&b, name, "scttl");
	copy_session(&b, cookie, sizeof cookie);
	warm(cookie);
	MYSQL *m = cl_db_open();
	REQUIRE(m);
	snprintf(sql, sizeof sql, "DELETE FROM `session` WHERE `user_id` = %lld", id);
	double t0 = now_s();
	CHECK_MSG(mysql_query(m, sql) == 0, "%s", mysql_error(m));
	CHECK_INT(mysql_affected_rows(m), 1);
	mysql_close(m);
	/* Every row the workers hold was read before t0: a request that
	 * starts a second after t0 or later reads the row again, whatever
	 * the machine's load. */
	double wait = t0 + 1.0 - now_s();
	if (wait > 0) {
		long long ns = (long long)(wait * 1e9) + 1000000;
		struct timespec nap = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
		nanosleep(&nap, NULL);
	}
	check_refused(cookie, "a second after the row was deleted elsewhere");
out:
	return;
}

/* GET path from the health process; the body (malloc'd) or NULL. */
static char *health_get(const char *path)
{
	char spec[512], err[512];
	const char *t = getenv("FLACON_TEST_TMP");
	snprintf(spec, sizeof spec, "unix:%s/flacon-health.sock", t ? t : "/nonexistent");
	struct cli_fcgi_answer a;
	if (cli_fcgi_get(spec, path, 5000, &a, err, sizeof err) < 0) {
		CHECK_MSG(0, "GET %s on the health socket: %s", path, err);
		return NULL;
	}
	CHECK_MSG(a.status == 200, "GET %s on the health socket: %d", path, a.status);
	return a.body;
}

/* flacon_db_statements_total now: what MariaDB ran, over every worker. */
static double statements(void)
{
	char *text = health_get("/metrics");
	const char *key = "\nflacon_db_statements_total ";
	const char *p = text ? strstr(text, key) : NULL;
	double v = p ? strtod(p + strlen(key), NULL) : -1;
	CHECK_MSG(p != NULL, "no flacon_db_statements_total in /metrics");
	free(text);
	return v;
}

/* SPEC 9: a logged-in read page costs one statement — here the page has
 * none of its own, so N requests cost no more than the misses: at most
 * one per worker per TTL, not N. */
TEST(test_session_cache_logged_in_pages_do_not_read_the_session_row_each_time)
{
	struct browser b;
	br_init(&b);
	char name[33], cookie[1024];
	cl_new_user(&b, name, "scstmt");
	copy_session(&b, cookie, sizeof cookie);
	const int n = 40;
	double s0 = statements(), t0 = now_s();
	for (int i = 0; i < n; i++)
		CHECK_INT(page_status(cookie), 200);
	double took = now_s() - t0, ran = statements() - s0;
	pid_t w[64];
	int workers = e2e_workers(w, 64);
	/* Misses: each worker once per TTL (1 s) at most, and a little room
	 * for the workers' periodic clean-ups. */
	double bound = workers * (took + 1) + 3;
	CHECK_MSG(ran <= bound && ran < n / 2, "%d logged-in requests in %.2f s ran %.0f statements "
		  "(at most %.0f with the cache, %d without)", n, took, ran, bound, n);
}
