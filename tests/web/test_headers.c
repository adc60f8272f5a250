/* test_headers.c — security headers on every response, X-Flacon-Queries in
 * development, the JSON API's content-type rule, and the server's refusal
 * of the placeholder secret key outside development. */
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "test.h"

static int hello(struct http_request *req, struct http_response *resp)
{
	(void)req;
	return http_resp_text(resp, 200, "text/plain", "hello");
}

static int broken(struct http_request *req, struct http_response *resp)
{
	(void)req;
	(void)resp;
	return -1;
}

/* Cookies set the way an application might forget Secure: plain options,
 * a deleting one. */
static int cookies(struct http_request *req, struct http_response *resp)
{
	(void)req;
	struct http_cookie_opts o = {.max_age = 60, .path = "/", .httponly = true};
	if (http_resp_set_cookie(resp, "flash", "hello", &o) < 0 || http_resp_set_cookie(resp, "plain", "v", NULL) < 0 ||
	    http_resp_delete_cookie(resp, "gone", "/") < 0)
		return -1;
	return http_resp_text(resp, 200, "text/plain", "cookies");
}

static void after(struct http_request *req, struct http_response *resp)
{
	web_session_save(req, resp);
	web_security_headers(req, resp);
}

static const struct http_route routes[] = {
	{"GET", "/", hello, 0, "index"},
	{"GET", "/broken", broken, 0, "broken"},
	{"GET", "/cookies", cookies, 0, "cookies"},
	{"POST", "/api/things", hello, HTTP_ROUTE_API, "api_create"},
	{"DELETE", "/api/things/:id", hello, HTTP_ROUTE_API, "api_delete"},
};
static const struct http_app app = {
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.after = after,
};

static void run(struct fake *f, const char *method, const char *path, const char *ct)
{
	f->req.method = method;
	f->req.uri = f->req.raw_path = f->req.path = path;
	f->req.content_type = ct ? ct : "";
	f->content_type = ct;
	http_handle(&app, &f->req, &f->resp);
}

static void check_security_headers(struct fake *f)
{
	const char *h = f->resp.headers.p ? f->resp.headers.p : "";
	CHECK(strstr(h, "X-Content-Type-Options: nosniff\r\n"));
	CHECK(strstr(h, "X-Frame-Options: DENY\r\n"));
	CHECK(strstr(h, "Content-Security-Policy: default-src 'self'; img-src 'self' data:; "
			"style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
			"base-uri 'self'\r\n"));
	CHECK(strstr(h, "Referrer-Policy: same-origin\r\n"));
}

TEST(test_security_headers_on_every_response)
{
	const char *paths[] = {"/", "/missing", "/broken"};
	int want[] = {200, 404, 500};
	for (int i = 0; i < 3; i++) {
		struct fake f;
		fake_init(&f, test_config(), NULL, NULL);
		run(&f, "GET", paths[i], NULL);
		CHECK_INT(f.resp.status, want[i]);
		check_security_headers(&f);
		CHECK(!strstr(f.resp.headers.p, "X-Flacon-Queries")); /* production */
		fake_free(&f);
	}
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	run(&f, "PUT", "/", NULL);
	CHECK_INT(f.resp.status, 405);
	check_security_headers(&f);
	fake_free(&f);
}

TEST(test_queries_header_in_development_only)
{
	struct config dev = *test_config();
	dev.env = (char *)"development";
	dev.development = true;
	struct db fake_db;
	memset(&fake_db, 0, sizeof fake_db);
	struct fake f;
	fake_init(&f, &dev, &fake_db, NULL);
	fake_db.queries = 3;
	run(&f, "GET", "/", NULL);
	CHECK(strstr(f.resp.headers.p, "X-Flacon-Queries: 3\r\n"));
	check_security_headers(&f);
	fake_free(&f);
	fake_init(&f, &dev, NULL, NULL);
	CHECK_INT(web_security_headers(&f.req, &f.resp), 0);
	CHECK(strstr(f.resp.headers.p, "X-Flacon-Queries: 0\r\n"));
	fake_free(&f);
}

TEST(test_api_writes_need_json_content_type)
{
	struct {
		const char *method, *path, *ct;
		int status;
	} cases[] = {
		{"POST", "/api/things", NULL, 415},
		{"POST", "/api/things", "text/plain", 415},
		{"POST", "/api/things", "application/x-www-form-urlencoded", 415},
		{"POST", "/api/things", "application/jsonx", 415},
		{"POST", "/api/things", "application/json", 200},
		{"POST", "/api/things", "Application/JSON; charset=utf-8", 200},
		{"DELETE", "/api/things/1", NULL, 415},
		{"DELETE", "/api/things/1", "application/json", 200},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fake f;
		fake_init(&f, test_config(), NULL, NULL);
		run(&f, cases[i].method, cases[i].path, cases[i].ct);
		CHECK_MSG(f.resp.status == cases[i].status, "%s %s [%s] -> %d", cases[i].method,
			  cases[i].path, cases[i].ct ? cases[i].ct : "", f.resp.status);
		check_security_headers(&f);
		fake_free(&f);
	}
}

TEST(test_server_refuses_placeholder_secret_outside_development)
{
	char err[256];
	struct config c = *test_config();
	c.secret_key = (char *)CONFIG_PLACEHOLDER_SECRET;
	CHECK_INT(config_check_server(&c, err, sizeof err), -1);
	CHECK(strstr(err, "placeholder") != NULL);
	c.development = true;
	c.env = (char *)"development";
	CHECK_INT(config_check_server(&c, err, sizeof err), 0);
	c = *test_config();
	CHECK_INT(config_check_server(&c, err, sizeof err), 0);
	c.secret_key = (char *)"too-short";
	CHECK_INT(config_check_server(&c, err, sizeof err), -1);
	c.secret_key = NULL;
	CHECK_INT(config_check_server(&c, err, sizeof err), -1);
}

TEST(test_server_refuses_placeholder_secret_from_environment)
{
	/* The whole path: configuration from the environment, then the check. */
	char err[256];
	struct config c;
	setenv("FLACON_APP_SECRET_KEY", CONFIG_PLACEHOLDER_SECRET, 1);
	setenv("FLACON_APP_ENV", "production", 1);
	CHECK_INT(config_load(&c, "/dev/null", err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), -1);
	config_free(&c);
	setenv("FLACON_APP_ENV", "development", 1);
	CHECK_INT(config_load(&c, "/dev/null", err, sizeof err), 0);
	CHECK_INT(config_check_server(&c, err, sizeof err), 0);
	config_free(&c);
	unsetenv("FLACON_APP_SECRET_KEY");
	unsetenv("FLACON_APP_ENV");
}

/* SPEC 6: with session.cookie_secure every cookie gets Secure, also one
 * the application set without it and a deleting one; without it, none. */
TEST(test_cookie_secure_puts_secure_on_every_cookie_the_application_sets)
{
	struct config secure = *test_config();
	secure.cookie_secure = true;
	const struct config *cfgs[] = {&secure, test_config()};
	for (int k = 0; k < 2; k++) {
		struct fake f;
		fake_init(&f, cfgs[k], NULL, NULL);
		run(&f, "GET", "/cookies", NULL);
		CHECK_INT(f.resp.status, 200);
		const char *names[] = {"flash", "plain", "gone"};
		for (int i = 0; i < 3; i++) {
			const char *line = fake_set_cookie_line(&f, names[i]);
			CHECK_MSG(line != NULL, "no Set-Cookie for %s", names[i]);
			bool has = line && strstr(line, "; Secure") != NULL;
			CHECK_MSG(has == (k == 0), "cookie_secure=%d: %s", k == 0, line ? line : "");
		}
		fake_free(&f);
	}
}

/* SPEC 6: a request carrying a session cookie is a logged-in user's (as
 * far as caches go), even on a route that never reads the session. */
TEST(test_no_store_when_the_request_carries_a_session_cookie_only)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, "session=whatever");
	run(&f, "GET", "/", NULL);
	CHECK(strstr(f.resp.headers.p, "Cache-Control: no-store\r\n") != NULL);
	fake_free(&f);
	fake_init(&f, test_config(), NULL, "other=1");
	run(&f, "GET", "/", NULL);
	CHECK(strstr(f.resp.headers.p, "Cache-Control") == NULL);
	fake_free(&f);
}
