/* test_client.c — the in-process test client (<flacon/test.h>) as an
 * application outside the repository uses it (built from `make install`
 * with pkg-config alone, by tests/example/run.sh), on a tiny application
 * of its own: the whole pipeline without FastCGI (security headers, 404,
 * HEAD, CSRF, the login redirect), the form helper with its CSRF token,
 * the cookie jar, redirects followed or not, JSON, request headers, and
 * the throw-away database: its schema from the migrations or create-all,
 * dropped at close and after a failed open.
 * Needs FLACON_TEST_DATABASE_URL (a user who may create DB_... databases).
 * Prints the failures and "client: N passed, M failed". */
#define _GNU_SOURCE /* mkdtemp */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <flacon.h>

static int failures_in_test;

static void fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "  %s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failures_in_test++;
}

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond); \
	} while (0)
#define CHECK_MSG(cond, ...)                                                 \
	do {                                                                 \
		if (!(cond))                                                 \
			fail(__FILE__, __LINE__, __VA_ARGS__);               \
	} while (0)
/* Stop the test at its out: label (its later checks would only repeat
 * the failure). */
#define REQUIRE(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fail(__FILE__, __LINE__, "REQUIRE(%s) failed", #cond); \
			goto out;                                              \
		}                                                              \
	} while (0)
#define CHECK_INT(a, b)                                                                  \
	do {                                                                             \
		long long a_ = (long long)(a), b_ = (long long)(b);                      \
		if (a_ != b_)                                                            \
			fail(__FILE__, __LINE__, "%s is %lld, not %lld", #a, a_, b_);    \
	} while (0)
#define CHECK_STR(a, b)                                                                     \
	do {                                                                                \
		const char *a_ = (a), *b_ = (b);                                            \
		if (!a_ || !b_ || strcmp(a_, b_))                                           \
			fail(__FILE__, __LINE__, "%s is \"%s\", not \"%s\"", #a,             \
			     a_ ? a_ : "(null)", b_ ? b_ : "(null)");                       \
	} while (0)

/* One integer a query returns (COUNT(*)...) on db, or -1. */
static long long scalar_on(struct db *db, const char *sql)
{
	if (!db || db_ensure(db) < 0 || mysql_query(db->conn, sql))
		return -1;
	MYSQL_RES *r = mysql_store_result(db->conn);
	if (!r)
		return -1;
	MYSQL_ROW row = mysql_fetch_row(r);
	long long v = row && row[0] ? atoll(row[0]) : -1;
	mysql_free_result(r);
	return v;
}

static long long the_user = 7;

static int hello(struct http_request *req, struct http_response *resp)
{
	(void)req;
	return http_resp_text(resp, 200, "text/plain", "hello");
}

/* Two forms: the first posts elsewhere, the second to /form with every
 * kind of field. */
static int form_page(struct http_request *req, struct http_response *resp)
{
	const char *token = web_csrf_token(req, resp);
	const char *html = token ? arena_printf(req->arena,
		"<!doctype html><form action=\"/other\" method=\"post\"><input name=\"x\" value=\"1\"></form>\n"
		"<FORM method=post action='/form'>\n"
		"<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n"
		"<input name=\"greeting\" value=\"a &amp; b &#233;\">\n"
		"<input type=\"text\" name=\"empty\">\n"
		"<textarea name=\"note\">\nfirst &lt;line&gt;</textarea>\n"
		"<select name=\"color\"><option>red</option><option value=\"g\" selected>green</option></select>\n"
		"<input type=\"checkbox\" name=\"agree\" value=\"yes\">\n"
		"<input type=\"checkbox\" name=\"news\" checked>\n"
		"<input name=\"off\" value=\"no\" disabled>\n"
		"<button type=\"submit\" name=\"go\">Go</button><input type=\"submit\" name=\"send\" value=\"Send\">\n"
		"</FORM>\n", token) : NULL;
	return html ? http_resp_text(resp, 200, "text/html; charset=utf-8", html) : -1;
}

/* Echoes the form's fields, one "name=value" a line, in order. */
static int form_post(struct http_request *req, struct http_response *resp)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < req->form.n; i++)
		if (strcmp(req->form.v[i].name, "csrf_token"))
			buf_printf(&b, "%s=%s\n", req->form.v[i].name, req->form.v[i].value);
	int rc = http_resp_text(resp, 200, "text/plain", b.p ? b.p : "");
	buf_free(&b);
	return rc;
}

static int cookie_set(struct http_request *req, struct http_response *resp)
{
	struct http_cookie_opts o = {.max_age = 60, .path = "/"};
	if (http_resp_set_cookie(resp, "flavour", "vanilla", &o) < 0)
		return -1;
	return hello(req, resp);
}

static int cookie_delete(struct http_request *req, struct http_response *resp)
{
	if (http_resp_delete_cookie(resp, "flavour", "/") < 0)
		return -1;
	return hello(req, resp);
}

/* Max-Age=0 alone (no Expires): the jar forgets the cookie too. */
static int cookie_expire(struct http_request *req, struct http_response *resp)
{
	struct http_cookie_opts o = {.max_age = 0, .path = "/"};
	if (http_resp_set_cookie(resp, "flavour", "gone", &o) < 0)
		return -1;
	return hello(req, resp);
}

static int cookie_show(struct http_request *req, struct http_response *resp)
{
	const char *v = http_req_cookie(req, "flavour");
	return http_resp_text(resp, 200, "text/plain", v ? v : "none");
}

static int go(struct http_request *req, struct http_response *resp)
{
	(void)req;
	return http_resp_redirect(resp, 303, "/hello");
}

static int method_echo(struct http_request *req, struct http_response *resp)
{
	const char *t = arena_printf(req->arena, "%s %s", req->method, req->body ? req->body : "");
	return t ? http_resp_text(resp, 200, "text/plain", t) : -1;
}

static int keep_method(struct http_request *req, struct http_response *resp)
{
	(void)req;
	return http_resp_redirect(resp, 307, "/method");
}

static int api_echo(struct http_request *req, struct http_response *resp)
{
	json_object *n = NULL;
	if (!json_object_object_get_ex(web_json(req), "n", &n))
		return web_abort(req, resp, 422, "no n");
	struct web_jw w;
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "n");
	web_jw_int(&w, json_object_get_int64(n) + 1);
	web_jw_object_end(&w);
	return web_jw_finish(&w, resp, 200);
}

static int me(struct http_request *req, struct http_response *resp)
{
	long long *u = web_user(req);
	const char *t = arena_printf(req->arena, "user %lld", u ? *u : 0LL);
	return t ? http_resp_text(resp, 200, "text/plain", t) : -1;
}

static int login(struct http_request *req, struct http_response *resp)
{
	if (web_login_user(req, the_user, &the_user) < 0)
		return -1;
	return http_resp_redirect(resp, 303, "/me");
}

static int echo_header(struct http_request *req, struct http_response *resp)
{
	const char *v = http_req_header(req, "X-Test");
	return http_resp_text(resp, 200, "text/plain", v ? v : "none");
}

static const struct http_route routes[] = {
	{"GET", "/hello", hello, 0, "hello"},
	{"GET", "/form", form_page, 0, "form page"},
	{"POST", "/form", form_post, HTTP_ROUTE_FORM, "form post"},
	{"GET", "/cookie", cookie_show, 0, "cookie"},
	{"GET", "/cookie/set", cookie_set, 0, "cookie set"},
	{"GET", "/cookie/delete", cookie_delete, 0, "cookie delete"},
	{"GET", "/cookie/expire", cookie_expire, 0, "cookie expire"},
	{"GET", "/go", go, 0, "go"},
	{"POST", "/keep", keep_method, 0, "keep"},
	{"POST", "/method", method_echo, 0, "method post"},
	{"GET", "/method", method_echo, 0, "method get"},
	{"POST", "/api/echo", api_echo, HTTP_ROUTE_API, "api echo"},
	{"GET", "/me", me, WEB_LOGIN, "me"},
	{"POST", "/login", login, HTTP_ROUTE_FORM, "login"},
	{"GET", "/header", echo_header, 0, "header"},
};

static const struct web_app tiny_web = {
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
};

static const struct flacon_app tiny = {
	.web = &tiny_web,
	.templates_dir = "no-such-templates", /* the built-in error pages */
	.name = "tiny",
};

/* A client on tiny with the migrations of dir (NULL: none, create-all). */
static struct flacon_client *open_tiny(const char *dir)
{
	char err[512];
	struct flacon_client_opts o = {
		.config_path = "/dev/null",
		.migrations_dir = dir ? dir : "no-such-migrations",
	};
	struct flacon_client *c = flacon_client_open(&tiny, &o, err, sizeof err);
	if (!c)
		fprintf(stderr, "  flacon_client_open: %s\n", err);
	return c;
}

/* ---- the context processors: keys every page gets ---------------------- */

/* web_app.context_map: any template value, an object map included. */
static int ctx_map(struct http_request *req, struct http_response *resp, struct tmpl_map *ctx)
{
	(void)resp;
	if (http_req_query(req, "fail"))
		return -1;
	struct tmpl_map *obj = tmpl_map_new(req->arena);
	if (!obj || tmpl_map_set_int(obj, "n", 7) < 0 || tmpl_map_set(ctx, "obj", tmpl_map_value(obj)) < 0 ||
	    tmpl_map_set_str(ctx, "who", "map") < 0 || tmpl_map_set_str(ctx, "shared", "from map") < 0 ||
	    tmpl_map_set_str(ctx, "both", "map") < 0)
		return -1;
	return 0;
}

/* web_app.context: json-c, the older form, beside it. */
static int ctx_json(struct http_request *req, struct http_response *resp, json_object *ctx)
{
	(void)req;
	(void)resp;
	json_object_object_add(ctx, "json_only", json_object_new_string("json"));
	json_object_object_add(ctx, "both", json_object_new_string("json"));
	return 0;
}

/* A page of web_render_value: its own keys over the processors'. */
static int ctx_page(struct http_request *req, struct http_response *resp)
{
	struct tmpl_map *m = web_context(req);
	if (!m || tmpl_map_set_str(m, "shared", "from page") < 0)
		return -1;
	return web_render_value(req, resp, 200, "ctx", tmpl_map_value(m));
}

/* A page of web_render (a json-c context). */
static int ctx_page_json(struct http_request *req, struct http_response *resp)
{
	json_object *o = json_object_new_object();
	if (!o)
		return -1;
	json_object_object_add(o, "shared", json_object_new_string("from page"));
	return web_render(req, resp, 200, "ctx", o);
}

static const struct http_route ctx_routes[] = {
	{"GET", "/ctx", ctx_page, 0, "ctx"},
	{"GET", "/ctx/json", ctx_page_json, 0, "ctx json"},
};

static const struct web_app ctx_web = {
	.routes = ctx_routes,
	.nroutes = sizeof ctx_routes / sizeof ctx_routes[0],
	.context_map = ctx_map,
	.context = ctx_json,
};

static char ctx_templates[64];

static const struct flacon_app ctx_app = {
	.web = &ctx_web,
	.templates_dir = ctx_templates,
	.name = "ctx",
};

static void test_client_context_processors_map_and_json_under_the_page_keys(void)
{
	struct flacon_client *c = NULL;
	char path[128] = "";
	snprintf(ctx_templates, sizeof ctx_templates, "/tmp/flacon-tc-tmpl.XXXXXX");
	REQUIRE(mkdtemp(ctx_templates));
	snprintf(path, sizeof path, "%s/ctx.mustache", ctx_templates);
	FILE *f = fopen(path, "w");
	REQUIRE(f);
	fputs("{{who}}|{{shared}}|{{both}}|{{json_only}}|{{#obj}}{{n}}{{/obj}}", f);
	fclose(f);
	char err[512];
	struct flacon_client_opts o = {.config_path = "/dev/null", .migrations_dir = "no-such-migrations"};
	c = flacon_client_open(&ctx_app, &o, err, sizeof err);
	CHECK_MSG(c != NULL, "flacon_client_open: %s", err);
	REQUIRE(c);
	/* the page's keys first, then the map processor's, then json-c's */
	const struct flacon_response *r = flacon_client_get(c, "/ctx");
	CHECK_INT(r->status, 200);
	CHECK_STR(r->body, "map|from page|map|json|7");
	/* web_render: the same keys under a json-c page context */
	r = flacon_client_get(c, "/ctx/json");
	CHECK_INT(r->status, 200);
	CHECK(r->body && !strncmp(r->body, "map|from page|", 14) && strstr(r->body, "|json|7"));
	/* a processor that fails makes the page a 500 */
	r = flacon_client_get(c, "/ctx?fail=1");
	CHECK_INT(r->status, 500);
out:
	flacon_client_close(c);
	if (path[0])
		unlink(path);
	if (ctx_templates[0])
		rmdir(ctx_templates);
}

static void test_client_get_runs_the_pipeline_with_security_headers_and_404(void)
{
	struct flacon_client *c = open_tiny(NULL);
	REQUIRE(c);
	const struct flacon_response *r = flacon_client_get(c, "/hello");
	CHECK_INT(r->status, 200);
	CHECK_STR(r->body, "hello");
	CHECK_STR(flacon_resp_header(r, "content-type"), "text/plain");
	CHECK_STR(flacon_resp_header(r, "Content-Length"), "5");
	CHECK_STR(flacon_resp_header(r, "X-Content-Type-Options"), "nosniff");
	CHECK_STR(r->path, "/hello");
	r = flacon_client_get(c, "/nothing/here");
	CHECK_INT(r->status, 404);
	CHECK(flacon_resp_contains(r, "<h1>404 Not Found</h1>"));
	/* HEAD: the GET route answers, without a body. */
	struct flacon_request head = {.method = "HEAD", .path = "/hello"};
	r = flacon_client_request(c, &head);
	CHECK_INT(r->status, 200);
	CHECK_INT(r->body_len, 0);
	/* A request without a path is the client's own failure: status 0. */
	struct flacon_request bad = {.method = "GET"};
	r = flacon_client_request(c, &bad);
	CHECK_INT(r->status, 0);
out:
	flacon_client_close(c);
}

static void test_client_form_helper_collects_fields_and_csrf_token_and_submits(void)
{
	struct flacon_client *c = open_tiny(NULL);
	REQUIRE(c);
	const struct flacon_response *r = flacon_client_get(c, "/form");
	REQUIRE(r->status == 200);
	struct flacon_form *first = flacon_client_form(c, r, NULL);
	REQUIRE(first);
	CHECK_STR(flacon_form_get(first, "x"), "1");
	CHECK(!flacon_client_form(c, r, "/nowhere"));
	struct flacon_form *f = flacon_client_form(c, r, "/form");
	REQUIRE(f);
	const char *token = flacon_form_get(f, "csrf_token");
	CHECK(token && strlen(token) == 43);
	CHECK_STR(flacon_form_get(f, "greeting"), "a & b \xc3\xa9");
	CHECK_STR(flacon_form_get(f, "empty"), "");
	CHECK_STR(flacon_form_get(f, "note"), "first <line>");
	CHECK_STR(flacon_form_get(f, "color"), "g");
	CHECK_STR(flacon_form_get(f, "news"), "on");
	CHECK(!flacon_form_get(f, "agree"));
	CHECK(!flacon_form_get(f, "off"));
	CHECK(!flacon_form_get(f, "go"));
	CHECK(!flacon_form_get(f, "send"));
	CHECK_INT(flacon_form_set(f, "note", "changed & sent"), 0);
	CHECK_INT(flacon_form_set(f, "extra", "100% yes"), 0);
	r = flacon_form_submit(c, f);
	CHECK_INT(r->status, 200);
	CHECK_STR(r->body, "greeting=a & b \xc3\xa9\nempty=\nnote=changed & sent\ncolor=g\nnews=on\n"
			   "extra=100% yes\n");
	/* Without the token, the framework's CSRF check refuses it. */
	r = flacon_client_post_form(c, "/form", "greeting", "hi", NULL);
	CHECK_INT(r->status, 403);
	CHECK(flacon_resp_contains(r, "CSRF"));
out:
	flacon_client_close(c);
}

static void test_client_cookie_jar_keeps_sends_and_forgets_on_max_age_0(void)
{
	struct flacon_client *c = open_tiny(NULL);
	REQUIRE(c);
	CHECK_STR(flacon_client_get(c, "/cookie")->body, "none");
	const struct flacon_response *r = flacon_client_get(c, "/cookie/set");
	CHECK(flacon_resp_set_cookie(r, "flavour") &&
	      strstr(flacon_resp_set_cookie(r, "flavour"), "Max-Age=60"));
	CHECK_STR(flacon_client_cookie(c, "flavour"), "vanilla");
	CHECK_STR(flacon_client_get(c, "/cookie")->body, "vanilla");
	flacon_client_get(c, "/cookie/delete");
	CHECK(!flacon_client_cookie(c, "flavour"));
	CHECK_STR(flacon_client_get(c, "/cookie")->body, "none");
	flacon_client_get(c, "/cookie/set");
	CHECK_STR(flacon_client_cookie(c, "flavour"), "vanilla");
	const char *line = flacon_resp_set_cookie(flacon_client_get(c, "/cookie/expire"), "flavour");
	CHECK(line && strstr(line, "Max-Age=0") && !strstr(line, "Expires"));
	CHECK(!flacon_client_cookie(c, "flavour"));
	/* Set by the test; a Cookie header replaces the jar for one request. */
	CHECK_INT(flacon_client_set_cookie(c, "flavour", "mint"), 0);
	CHECK_STR(flacon_client_get(c, "/cookie")->body, "mint");
	const char *hdr[] = {"Cookie: flavour=lemon", NULL};
	struct flacon_request rq = {.path = "/cookie", .headers = hdr};
	CHECK_STR(flacon_client_request(c, &rq)->body, "lemon");
	CHECK_STR(flacon_client_cookie(c, "flavour"), "mint");
	flacon_client_clear_cookies(c);
	CHECK_STR(flacon_client_get(c, "/cookie")->body, "none");
out:
	flacon_client_close(c);
}

static void test_client_follows_redirects_only_when_asked_303_gets_307_keeps_the_method(void)
{
	struct flacon_client *c = open_tiny(NULL);
	REQUIRE(c);
	const struct flacon_response *r = flacon_client_get(c, "/go");
	CHECK_INT(r->status, 303);
	CHECK_STR(flacon_resp_header(r, "Location"), "/hello");
	flacon_client_follow_redirects(c, true);
	r = flacon_client_get(c, "/go");
	CHECK_INT(r->status, 200);
	CHECK_STR(r->body, "hello");
	CHECK_STR(r->path, "/hello");
	CHECK_INT(r->redirects, 1);
	struct flacon_request rq = {.method = "POST", .path = "/keep", .body = "data"};
	r = flacon_client_request(c, &rq);
	CHECK_INT(r->status, 200);
	CHECK_STR(r->body, "POST data");
	CHECK_STR(r->method, "POST");
out:
	flacon_client_close(c);
}

static void test_client_login_required_redirects_then_the_session_cookie_logs_in(void)
{
	struct flacon_client *c = open_tiny(NULL);
	REQUIRE(c);
	const struct flacon_response *r = flacon_client_get(c, "/me");
	CHECK_INT(r->status, 303);
	CHECK_STR(flacon_resp_header(r, "Location"), "/login?next=/me");
	/* A token from the form page, the csrf cookie from the jar. */
	struct flacon_form *f = flacon_client_form(c, flacon_client_get(c, "/form"), "/form");
	REQUIRE(f);
	r = flacon_client_post_form(c, "/login", "csrf_token", flacon_form_get(f, "csrf_token"), NULL);
	CHECK_INT(r->status, 303);
	CHECK(flacon_resp_set_cookie(r, "session") && strstr(flacon_resp_set_cookie(r, "session"), "HttpOnly"));
	CHECK(flacon_client_cookie(c, "session"));
	r = flacon_client_get(c, "/me");
	CHECK_INT(r->status, 200);
	CHECK_STR(r->body, "user 7");
out:
	flacon_client_close(c);
}

static void test_client_json_body_and_parsed_json_answer(void)
{
	struct flacon_client *c = open_tiny(NULL);
	REQUIRE(c);
	const struct flacon_response *r = flacon_client_json(c, "POST", "/api/echo", "{\"n\": 41}");
	CHECK_INT(r->status, 200);
	json_object *n = NULL;
	REQUIRE(r->json && json_object_object_get_ex(r->json, "n", &n));
	CHECK_INT(json_object_get_int64(n), 42);
	r = flacon_client_json(c, "POST", "/api/echo", "{\"n\": ");
	CHECK_INT(r->status, 400);
	json_object *e = NULL;
	CHECK(r->json && json_object_object_get_ex(r->json, "error", &e) &&
	      !strcmp(json_object_get_string(e), "bad_request"));
	/* Not JSON: no parsed body. */
	CHECK(!flacon_client_get(c, "/hello")->json);
out:
	flacon_client_close(c);
}

static void test_client_request_headers_reach_the_handler(void)
{
	struct flacon_client *c = open_tiny(NULL);
	REQUIRE(c);
	const char *hdr[] = {"X-Test: yes it does", NULL};
	struct flacon_request rq = {.path = "/header", .headers = hdr};
	CHECK_STR(flacon_client_request(c, &rq)->body, "yes it does");
	CHECK_STR(flacon_client_get(c, "/header")->body, "none");
out:
	flacon_client_close(c);
}

/* How many databases of test clients exist on the server of
 * FLACON_TEST_DATABASE_URL: DB_tc_... for its database DB. */
static long long client_databases(void)
{
	char err[256];
	const char *url = getenv("FLACON_TEST_DATABASE_URL");
	struct db *db = url ? db_new(url, err, sizeof err) : NULL;
	long long n = scalar_on(db, "SELECT COUNT(*) FROM information_schema.SCHEMATA "
				    "WHERE SCHEMA_NAME LIKE CONCAT(DATABASE(), '\\_tc\\_%')");
	db_close(db);
	return n;
}

/* A migrations directory with one revision whose up file is sql. */
static char *migrations(const char *sql)
{
	static char dir[64];
	snprintf(dir, sizeof dir, "/tmp/flacon-tc-mig.XXXXXX");
	if (!mkdtemp(dir))
		return NULL;
	char path[128];
	snprintf(path, sizeof path, "%s/0001_aaaaaaaaaaaa_notes.up.sql", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return NULL;
	fprintf(f, "-- Revision: aaaaaaaaaaaa\n-- Down revision: base\n-- Message: notes\n\n%s\n", sql);
	fclose(f);
	return dir;
}

static void migrations_remove(const char *dir)
{
	char path[128];
	snprintf(path, sizeof path, "%s/0001_aaaaaaaaaaaa_notes.up.sql", dir);
	unlink(path);
	rmdir(dir);
}

static void test_client_schema_from_the_migrations_and_database_dropped_at_close(void)
{
	long long before = client_databases();
	char *dir = migrations("CREATE TABLE note (id INT PRIMARY KEY, body VARCHAR(40));");
	REQUIRE(dir);
	struct flacon_client *c = open_tiny(dir);
	REQUIRE(c);
	CHECK_MSG(strstr(flacon_client_database(c), "_tc_"), "%s", flacon_client_database(c));
	CHECK_INT(client_databases(), before + 1);
	struct db *db = flacon_client_db(c);
	CHECK_INT(scalar_on(db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
				"TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'note'"), 1);
	CHECK_INT(scalar_on(db, "SELECT COUNT(*) FROM schema_version WHERE version_num = 'aaaaaaaaaaaa'"), 1);
	/* Migrations, not create-all: no session table (the migration has none). */
	CHECK_INT(scalar_on(db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
				"TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'session'"), 0);
	flacon_client_close(c);
	CHECK_INT(client_databases(), before);
out:
	if (dir)
		migrations_remove(dir);
}

static void test_client_without_migrations_creates_all_the_framework_tables(void)
{
	struct flacon_client *c = open_tiny(NULL);
	REQUIRE(c);
	struct db *db = flacon_client_db(c);
	CHECK_INT(scalar_on(db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
				"DATABASE() AND TABLE_NAME IN ('session', 'login_failure')"), 2);
out:
	flacon_client_close(c);
}

static void test_client_open_with_a_broken_migration_fails_and_leaves_no_database(void)
{
	long long before = client_databases();
	char *dir = migrations("CREATE TABLE note (id INT PRIMARY KEY, oops);");
	REQUIRE(dir);
	char err[512] = "";
	struct flacon_client_opts o = {.config_path = "/dev/null", .migrations_dir = dir};
	struct flacon_client *c = flacon_client_open(&tiny, &o, err, sizeof err);
	CHECK(!c);
	CHECK_MSG(strstr(err, "upgrade to aaaaaaaaaaaa failed"), "%s", err);
	flacon_client_close(c);
	CHECK_INT(client_databases(), before);
	migrations_remove(dir);
out:;
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define T(x) {#x, x}
	T(test_client_get_runs_the_pipeline_with_security_headers_and_404),
	T(test_client_form_helper_collects_fields_and_csrf_token_and_submits),
	T(test_client_cookie_jar_keeps_sends_and_forgets_on_max_age_0),
	T(test_client_follows_redirects_only_when_asked_303_gets_307_keeps_the_method),
	T(test_client_login_required_redirects_then_the_session_cookie_logs_in),
	T(test_client_json_body_and_parsed_json_answer),
	T(test_client_request_headers_reach_the_handler),
	T(test_client_context_processors_map_and_json_under_the_page_keys),
	T(test_client_schema_from_the_migrations_and_database_dropped_at_close),
	T(test_client_without_migrations_creates_all_the_framework_tables),
	T(test_client_open_with_a_broken_migration_fails_and_leaves_no_database),
#undef T
};

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		failures_in_test = 0;
		tests[i].fn();
		if (failures_in_test) {
			failed++;
			fprintf(stderr, "FAIL %s\n", tests[i].name);
		} else {
			passed++;
			if (getenv("VERBOSE"))
				printf("ok   %s\n", tests[i].name);
		}
	}
	printf("client: %d passed, %d failed\n", passed, failed);
	return failed > 0;
}
