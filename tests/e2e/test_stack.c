/* End-to-end tests of the stack (issue 2): health, errors of the pipeline,
 * garbage input, security headers, static files, no stall under many more
 * clients than workers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "e2e.h"
#include "test.h"

TEST(test_healthz_says_ok)
{
	struct http_resp r;
	CHECK_INT(hc_get("/healthz", &r), 0);
	CHECK_INT(r.status, 200);
	CHECK(!strncmp(r.body, "ok", 2));
	hc_free(&r);
}

TEST(test_hello_route_answers_fixed_text)
{
	struct http_resp r;
	char v[128];
	REQUIRE(hc_get("/_hello", &r) == 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.body, "Hello from Flacon\n");
	CHECK(hc_header(&r, "Content-Type", 0, v, sizeof v) && !strcmp(v, "text/plain; charset=utf-8"));
	hc_free(&r);
out:;
}

TEST(test_head_has_headers_but_no_body)
{
	/* The headers GET would send (type, length of the GET body, the
	 * security headers), and no body. */
	struct http_resp r;
	char v[128];
	REQUIRE(hc_request("HEAD", "/_hello", NULL, NULL, 0, &r) == 0);
	CHECK_INT(r.status, 200);
	CHECK_INT(r.body_len, 0);
	CHECK(hc_header(&r, "Content-Type", 0, v, sizeof v) && !strcmp(v, "text/plain; charset=utf-8"));
	CHECK(hc_header(&r, "Content-Length", 0, v, sizeof v) && !strcmp(v, "18"));
	CHECK(hc_header(&r, "X-Content-Type-Options", 0, v, sizeof v) && !strcmp(v, "nosniff"));
	hc_free(&r);
out:;
}

TEST(test_unknown_path_is_html_404)
{
	struct http_resp r;
	char v[128];
	hc_get("/no/such/page", &r);
	CHECK_INT(r.status, 404);
	CHECK(hc_header(&r, "Content-Type", 0, v, sizeof v) && strstr(v, "text/html"));
	hc_free(&r);
}

TEST(test_unknown_api_path_is_json_404)
{
	struct http_resp r;
	char v[128];
	hc_get("/api/no-such-thing", &r);
	CHECK_INT(r.status, 404);
	CHECK(hc_header(&r, "Content-Type", 0, v, sizeof v) && strstr(v, "application/json"));
	CHECK(strstr(r.body, "\"error\"") && strstr(r.body, "not_found"));
	hc_free(&r);
}

TEST(test_wrong_method_is_405_with_allow)
{
	struct http_resp r;
	char v[128];
	hc_request("POST", "/healthz", "Content-Type: application/x-www-form-urlencoded\r\n", "", 0, &r);
	CHECK_INT(r.status, 405);
	CHECK(hc_header(&r, "Allow", 0, v, sizeof v) && strstr(v, "GET"));
	hc_free(&r);
}

TEST(test_security_headers_on_every_response)
{
	const char *paths[] = {"/healthz", "/no/such/page", "/api/nothing"};
	for (size_t i = 0; i < 3; i++) {
		struct http_resp r;
		char v[512];
		hc_get(paths[i], &r);
		CHECK(hc_header(&r, "X-Content-Type-Options", 0, v, sizeof v) && !strcmp(v, "nosniff"));
		CHECK(hc_header(&r, "X-Frame-Options", 0, v, sizeof v) && !strcmp(v, "DENY"));
		CHECK(hc_header(&r, "Content-Security-Policy", 0, v, sizeof v) != NULL);
		CHECK(hc_header(&r, "Referrer-Policy", 0, v, sizeof v) != NULL);
		hc_free(&r);
	}
}

TEST(test_development_mode_counts_queries)
{
	struct http_resp r;
	char v[32];
	hc_get("/healthz", &r);
	REQUIRE(hc_header(&r, "X-Flacon-Queries", 0, v, sizeof v) != NULL);
	CHECK_INT(atoi(v), 1);
out:
	hc_free(&r);
}

static void check_still_healthy(void)
{
	struct http_resp r;
	hc_get("/healthz", &r);
	CHECK_INT(r.status, 200);
	hc_free(&r);
}

TEST(test_bad_percent_encoding_in_query_is_400)
{
	struct http_resp r;
	hc_get("/healthz?x=%zz", &r);
	CHECK_INT(r.status, 400);
	hc_free(&r);
	hc_get("/healthz?x=%C0%AF", &r);
	CHECK_INT(r.status, 400);
	hc_free(&r);
	check_still_healthy();
}

TEST(test_huge_cookie_header_is_4xx_and_harmless)
{
	size_t n = 64 * 1024;
	char *h = malloc(n + 32);
	strcpy(h, "Cookie: a=");
	memset(h + 10, 'x', n);
	strcpy(h + 10 + n, "\r\n");
	struct http_resp r;
	CHECK_INT(hc_request("GET", "/healthz", h, NULL, 0, &r), 0);
	CHECK(r.status >= 400 && r.status < 500);
	hc_free(&r);
	free(h);
	check_still_healthy();
}

/* GET path with the given Cookie header (NULL: none); the answer in r.
 * No answer at all fails the test (and leaves an empty body to look at). */
static void get_with_cookie(const char *path, const char *cookie, struct http_resp *r)
{
	char h[512];
	if (cookie)
		snprintf(h, sizeof h, "Cookie: %s\r\n", cookie);
	int rc = hc_request("GET", path, cookie ? h : NULL, NULL, 0, r);
	CHECK_MSG(rc == 0, "GET %s: no answer", path);
	if (!r->body)
		r->body = "";
}

TEST(test_garbled_cookie_is_ignored)
{
	/* Pages and API routes that read the session cookie (SPEC 6 and 7: a
	 * malformed Cookie header is tolerated, a garbled session cookie is
	 * simply anonymous and costs no query). */
	const char *garbled[] = {
		";;=;session=\x01\x02; a=\"b; =x",
		"session=\"; session=..; flash=%zz; csrftoken==; =; ;",
		"session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.BBBB; flash=logged_in\x7f",
	};
	for (size_t i = 0; i < sizeof garbled / sizeof *garbled; i++) {
		struct http_resp r, plain;
		char loc[256];

		get_with_cookie("/articles", garbled[i], &r);
		get_with_cookie("/articles", NULL, &plain);
		CHECK_MSG(r.status == 200 && cl_is_html(&r), "cookie %zu: /articles %d", i, r.status);
		CHECK(!cl_has_form(r.body, "/logout"));
		CHECK(strstr(r.body, "href=\"/login\"") != NULL);
		CHECK_INT(cl_queries(&r), cl_queries(&plain));
		hc_free(&r);
		hc_free(&plain);

		get_with_cookie("/login", garbled[i], &r);
		CHECK_MSG(r.status == 200 && cl_is_html(&r), "cookie %zu: /login %d", i, r.status);
		CHECK(cl_has_form(r.body, "/login"));
		hc_free(&r);

		get_with_cookie("/me/courses", garbled[i], &r);
		CHECK_MSG(r.status == 303, "cookie %zu: /me/courses %d", i, r.status);
		CHECK(cl_location(&r, loc, sizeof loc) && !strncmp(loc, "/login?next=", 12));
		hc_free(&r);

		get_with_cookie("/api/me", garbled[i], &r);
		CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "cookie %zu: /api/me %d", i, r.status);
		hc_free(&r);

		get_with_cookie("/api/articles", garbled[i], &r);
		CHECK_MSG(r.status == 200 && strstr(r.body, "\"items\""), "cookie %zu: /api/articles %d", i,
			  r.status);
		hc_free(&r);
	}
	/* The workers live on: a normal request afterwards is answered. */
	struct http_resp r;
	CHECK_INT(cl_get("/articles", &r), 0);
	CHECK_INT(r.status, 200);
	hc_free(&r);
	check_still_healthy();
}

/* Send n bytes of body to path; returns the status. */
static int post_body(const char *path, const char *ctype, size_t n)
{
	char *body = malloc(n);
	memset(body, 'a', n);
	char h[128];
	snprintf(h, sizeof h, "Content-Type: %s\r\n", ctype);
	struct http_resp r;
	int rc = hc_request("POST", path, h, body, n, &r);
	int status = rc == 0 ? r.status : -1;
	hc_free(&r);
	free(body);
	return status;
}

TEST(test_two_mib_body_is_4xx_and_harmless)
{
	/* SPEC order: an unknown path or wrong method answers first. */
	CHECK_INT(post_body("/healthz", "application/x-www-form-urlencoded", 2 << 20), 405);
	CHECK_INT(post_body("/api/nothing-here", "application/json", 2 << 20), 404);
	/* Far beyond max_body nginx itself refuses with 413. */
	CHECK_INT(post_body("/api/nothing-here", "application/json", 3 << 20), 413);
	check_still_healthy();
}

TEST(test_static_files_served_by_nginx_with_cache_headers)
{
	struct http_resp r;
	char v[128];
	hc_get("/static/style.css", &r);
	CHECK_INT(r.status, 200);
	CHECK(hc_header(&r, "Cache-Control", 0, v, sizeof v) && strstr(v, "max-age"));
	CHECK(hc_header(&r, "Content-Type", 0, v, sizeof v) && strstr(v, "text/css"));
	hc_free(&r);
}

/* The security headers Flacon sets, present exactly once on r. */
static void check_security_headers_once(const struct http_resp *r, const char *what)
{
	static const char *names[] = {"X-Content-Type-Options", "X-Frame-Options",
				      "Content-Security-Policy"};
	char v[512];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		CHECK_MSG(hc_header(r, names[i], 0, v, sizeof v) != NULL, "%s: no %s", what, names[i]);
		CHECK_MSG(hc_header(r, names[i], 1, v, sizeof v) == NULL, "%s: %s twice", what, names[i]);
	}
	CHECK_MSG(hc_header(r, "X-Frame-Options", 0, v, sizeof v) && !strcmp(v, "DENY"), "%s: %s", what, v);
}

TEST(test_nginx_own_answers_carry_the_security_headers_once)
{
	/* conf/nginx/flacon-headers*.conf, shared with the production site:
	 * a static file, nginx's 404 and its 413 carry them; Flacon's own
	 * answers carry them once (nginx adds none when the upstream has). */
	struct http_resp r;
	hc_get("/static/style.css", &r);
	CHECK_INT(r.status, 200);
	check_security_headers_once(&r, "static file");
	hc_free(&r);
	hc_get("/static/no-such-file.css", &r);
	CHECK_INT(r.status, 404);
	check_security_headers_once(&r, "nginx's 404");
	hc_free(&r);
	size_t n = 3 << 20;
	char *body = calloc(1, n);
	CHECK(body != NULL);
	hc_request("POST", "/api/nothing-here", "Content-Type: application/json\r\n", body, n, &r);
	free(body);
	CHECK_INT(r.status, 413);
	check_security_headers_once(&r, "nginx's 413");
	hc_free(&r);
	hc_get("/articles", &r);
	CHECK_INT(r.status, 200);
	check_security_headers_once(&r, "Flacon's page");
	hc_free(&r);
}

TEST(test_many_more_clients_than_workers_never_stall)
{
	/* 64 concurrent clients against 2 workers: every request must be
	 * answered, and none may wait anywhere near a keep-alive or upstream
	 * timeout (seconds) — a stall shows up as max_seconds >= 5. */
	struct e2e_load l;
	e2e_load_run("/_hello", 64, 40, 20.0, &l);
	CHECK_MSG(l.failed == 0 && l.non2xx == 0, "ok %d non2xx %d failed %d", l.ok, l.non2xx, l.failed);
	CHECK_INT(l.ok, 64 * 40);
	CHECK_MSG(l.max_seconds < 5.0, "slowest request took %.2f s", l.max_seconds);
}
