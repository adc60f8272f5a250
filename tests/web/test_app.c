/* test_app.c — the framework's request pipeline (struct web_app, SPEC 12)
 * run in-process on the test database: login required (303 with next for
 * pages, 401 JSON for the API), CSRF on form POSTs, the user loader once
 * per request and an outage never taken for a visitor, the built-in error
 * page of an application without templates, the one table from ORM errors
 * to statuses, and the request's resources released with its arena. */
#include <string.h>

#include "core/server.h"
#include "fake.h"
#include "orm/orm.h"
#include "test.h"

static int loads;        /* calls of load_user */
static int loader_error; /* what load_user answers (0: the user) */
static int cleanups;     /* runs of count_cleanup */
static long long user_id = 41;

static int load_user(struct http_request *req, long long id, void **out)
{
	(void)req;
	loads++;
	if (loader_error)
		return loader_error;
	*out = id == user_id ? &user_id : NULL;
	return 0;
}

static int whoami(struct http_request *req, struct http_response *resp)
{
	long long *u = web_user(req);
	/* The loader runs once however often the handler asks. */
	web_user(req);
	const char *t = arena_printf(req->arena, "user %lld\n", u ? *u : 0LL);
	return http_resp_text(resp, 200, "text/plain", t ? t : "");
}

static int login(struct http_request *req, struct http_response *resp)
{
	if (web_login_user(req, user_id, &user_id) < 0)
		return -1;
	return http_resp_text(resp, 200, "text/plain", "in\n");
}

static int retry(struct http_request *req, struct http_response *resp)
{
	return web_orm_error(req, resp, ORM_RETRY);
}

static int conflict(struct http_request *req, struct http_response *resp)
{
	return web_orm_error(req, resp, ORM_CONFLICT);
}

static void count_cleanup(void *p)
{
	(void)p;
	cleanups++;
}

/* Registers a cleanup and checks that the request has an ORM session and
 * the parsed JSON body of its API write. */
static int with_cleanup(struct http_request *req, struct http_response *resp)
{
	if (!web_orm(req) || arena_cleanup_add(req->arena, count_cleanup, NULL) < 0)
		return -1;
	json_object *v = NULL;
	if (!web_json(req) || !json_object_object_get_ex(web_json(req), "n", &v))
		return web_abort(req, resp, 422, "no n");
	return http_resp_text(resp, 200, "text/plain", json_object_get_string(v));
}

static const struct http_route routes[] = {
	{"GET", "/me", whoami, WEB_LOGIN, "me"},
	{"GET", "/who", whoami, 0, "who"},
	{"GET", "/api/me", whoami, HTTP_ROUTE_API | WEB_LOGIN, "api me"},
	{"POST", "/form", whoami, HTTP_ROUTE_FORM, "form"},
	{"POST", "/login", login, 0, "login"},
	{"GET", "/retry", retry, 0, "retry"},
	{"GET", "/api/conflict", conflict, HTTP_ROUTE_API, "api conflict"},
	{"POST", "/api/things", with_cleanup, HTTP_ROUTE_API, "api things"},
};

static const struct web_app app = {
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.load_user = load_user,
	.login_path = "/signin",
};

/* One request through the framework's hooks: request_start, the
 * pipeline, the arena's cleanups (as the worker loop runs them). */
static void run(struct fake *f, const struct server_hooks *h, const char *method, const char *uri)
{
	f->req.method = method;
	f->req.uri = f->req.raw_path = f->req.path = uri;
	h->request_start(&f->req);
	http_handle(h->app, &f->req, &f->resp);
	arena_run_cleanups(&f->arena);
}

static const char *header(struct fake *f, const char *line)
{
	return f->resp.headers.p ? strstr(f->resp.headers.p, line) : NULL;
}

static const char *body(struct fake *f)
{
	return f->resp.body.p ? f->resp.body.p : "";
}

TEST(test_web_app_login_required_page_redirects_with_next_api_answers_401)
{
	struct db *db = test_db();
	REQUIRE(db);
	const struct server_hooks *h = web_app_hooks(&app, NULL);
	struct fake f;
	fake_init(&f, test_config(), db, NULL);
	run(&f, h, "GET", "/me");
	CHECK_INT(f.resp.status, 303);
	CHECK(header(&f, "Location: /signin?next=/me\r\n"));
	fake_free(&f);

	fake_init(&f, test_config(), db, NULL);
	run(&f, h, "GET", "/api/me");
	CHECK_INT(f.resp.status, 401);
	CHECK(strstr(body(&f), "\"error\":\"unauthorized\""));
	fake_free(&f);
out:
	db_close(db);
}

TEST(test_web_app_form_post_without_csrf_token_is_403)
{
	struct db *db = test_db();
	REQUIRE(db);
	const struct server_hooks *h = web_app_hooks(&app, NULL);
	struct fake f;
	fake_init(&f, test_config(), db, NULL);
	fake_form(&f, "x=1");
	run(&f, h, "POST", "/form");
	CHECK_INT(f.resp.status, 403);
	CHECK(strstr(body(&f), "CSRF"));
	fake_free(&f);
out:
	db_close(db);
}

TEST(test_web_app_loads_the_user_once_and_an_outage_is_not_a_visitor)
{
	struct db *db = test_db();
	REQUIRE(db);
	const struct server_hooks *h = web_app_hooks(&app, NULL);
	struct arena keep;
	arena_init(&keep, 1024);
	struct fake f;
	fake_init(&f, test_config(), db, NULL);
	run(&f, h, "POST", "/login");
	CHECK_INT(f.resp.status, 200);
	const char *v = fake_set_cookie_value(&f, "session");
	char *cookie = v ? arena_printf(&keep, "session=%s", v) : NULL;
	fake_free(&f);
	REQUIRE(cookie);

	loads = 0;
	fake_init(&f, test_config(), db, cookie);
	run(&f, h, "GET", "/me");
	CHECK_INT(f.resp.status, 200);
	CHECK_STR(body(&f), "user 41\n");
	CHECK_INT(loads, 1);
	fake_free(&f);

	/* The loader fails: a 500 (503 when the database is unusable), never
	 * the login redirect of a visitor. */
	loader_error = ORM_UNAVAILABLE;
	fake_init(&f, test_config(), db, cookie);
	run(&f, h, "GET", "/me");
	CHECK_INT(f.resp.status, 500);
	fake_free(&f);
	loader_error = 0;
out:
	loader_error = 0;
	arena_free(&keep);
	db_close(db);
}

TEST(test_web_app_error_table_and_built_in_error_page_without_templates)
{
	struct db *db = test_db();
	REQUIRE(db);
	const struct server_hooks *h = web_app_hooks(&app, NULL);
	struct fake f;
	fake_init(&f, test_config(), db, NULL);
	run(&f, h, "GET", "/retry");
	CHECK_INT(f.resp.status, 503);
	CHECK(header(&f, "Retry-After: 1\r\n"));
	CHECK(strstr(body(&f), "<h1>503 Service Unavailable</h1>"));
	fake_free(&f);

	fake_init(&f, test_config(), db, NULL);
	run(&f, h, "GET", "/api/conflict");
	CHECK_INT(f.resp.status, 409);
	CHECK(strstr(body(&f), "\"error\":\"conflict\""));
	fake_free(&f);

	/* Unrouted under the API prefix: JSON; elsewhere the page. */
	fake_init(&f, test_config(), db, NULL);
	run(&f, h, "GET", "/api/nothing");
	CHECK_INT(f.resp.status, 404);
	CHECK(strstr(body(&f), "\"error\":\"not_found\""));
	fake_free(&f);
	fake_init(&f, test_config(), db, NULL);
	run(&f, h, "GET", "/nothing");
	CHECK_INT(f.resp.status, 404);
	CHECK(strstr(body(&f), "<h1>404 Not Found</h1>"));
	fake_free(&f);
out:
	db_close(db);
}

/* The request body as a transport hands it over. */
static const char *body_src;
static long read_body(struct http_request *req, char *dst, size_t n)
{
	(void)req;
	size_t k = strlen(body_src);
	if (k > n)
		k = n;
	memcpy(dst, body_src, k);
	body_src += k;
	return (long)k;
}

TEST(test_web_app_request_resources_go_with_the_arena)
{
	struct db *db = test_db();
	REQUIRE(db);
	const struct server_hooks *h = web_app_hooks(&app, NULL);
	struct fake f;
	cleanups = 0;
	fake_init(&f, test_config(), db, NULL);
	f.content_type = "application/json";
	f.req.content_type = "application/json";
	body_src = "{\"n\": 7}";
	f.req.content_length = (long long)strlen(body_src);
	f.req.read = read_body;
	run(&f, h, "POST", "/api/things");
	CHECK_INT(f.resp.status, 200);
	CHECK_STR(body(&f), "7");
	/* run() ran the cleanups: the handler's, once; the JSON body and the
	 * ORM session with them (valgrind and ASan see a leak otherwise). */
	CHECK_INT(cleanups, 1);
	CHECK(f.arena.cleanups == NULL);
	fake_free(&f);
	CHECK_INT(cleanups, 1);
out:
	db_close(db);
}
