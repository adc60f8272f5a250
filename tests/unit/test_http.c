/* Unit tests of core/http.c: router, pipeline order, response formatting. */
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "test.h"

static int called;

static int h_ok(struct http_request *req, struct http_response *resp)
{
	called++;
	http_resp_text(resp, 200, "text/plain", http_req_arg(req, 0) ? http_req_arg(req, 0) : "ok");
	return 0;
}

static int h_fail(struct http_request *req, struct http_response *resp)
{
	(void)req;
	buf_puts(&resp->body, "secret internals");
	return -1;
}

static const struct http_route routes[] = {
	{"GET", "/", h_ok, 0, "home"},
	{"GET", "/articles/:id", h_ok, 0, "article"},
	{"POST", "/articles/:id/delete", h_ok, HTTP_ROUTE_FORM, "delete"},
	{"GET", "/users/:name", h_ok, 0, "user"},
	{"POST", "/login", h_ok, HTTP_ROUTE_FORM, "login"},
	{"GET", "/login", h_ok, 0, "login form"},
	{"GET", "/boom", h_fail, 0, "boom"},
	{"POST", "/api/things", h_ok, HTTP_ROUTE_API, "api create"},
	{"PUT", "/api/things/:id", h_ok, HTTP_ROUTE_API, "api put"},
};
static const struct http_app app = {routes, sizeof routes / sizeof routes[0], NULL, NULL, NULL, NULL};

struct fake {
	const char *env[16];
	const char *body;
	size_t body_len, pos;
};

static const char *fake_getenv(struct http_request *req, const char *name)
{
	struct fake *f = req->transport;
	for (int i = 0; f->env[i]; i += 2)
		if (!strcmp(f->env[i], name))
			return f->env[i + 1];
	return NULL;
}

static long fake_read(struct http_request *req, char *dst, size_t n)
{
	struct fake *f = req->transport;
	size_t left = f->body_len - f->pos;
	if (n > left)
		n = left;
	memcpy(dst, f->body + f->pos, n);
	f->pos += n;
	return (long)n;
}

static struct arena A;
static struct config cfg;
static struct http_response resp;

/* Run method+uri through the pipeline; returns the status. */
static int run(const char *method, const char *path, const char *query, const char *ctype,
	       const char *body)
{
	struct fake f = {{"CONTENT_TYPE", ctype ? ctype : "", NULL}, body, body ? strlen(body) : 0, 0};
	arena_reset(&A);
	struct http_request req = {0};
	req.arena = &A;
	req.cfg = &cfg;
	req.transport = &f;
	req.getenv = fake_getenv;
	req.read = fake_read;
	req.method = method;
	req.raw_path = path;
	req.path = text_percent_decode(&A, path, strlen(path), false, NULL);
	req.query_string = query ? query : "";
	req.content_type = ctype ? ctype : "";
	req.content_length = body ? (long long)strlen(body) : -1;
	http_resp_clear(&resp);
	resp.arena = &A;
	http_handle(&app, &req, &resp);
	return resp.status;
}

static void setup(void)
{
	arena_init(&A, 4096);
	memset(&cfg, 0, sizeof cfg);
	cfg.max_body = 100;
	called = 0;
}

TEST(test_router_matches_static_and_params)
{
	setup();
	CHECK_INT(run("GET", "/", NULL, NULL, NULL), 200);
	CHECK_INT(run("GET", "/articles/42", NULL, NULL, NULL), 200);
	CHECK_STR(resp.body.p, "42");
	CHECK_INT(run("GET", "/users/%E4%BD%A0", NULL, NULL, NULL), 200);
	CHECK_STR(resp.body.p, "\xe4\xbd\xa0");
	CHECK_INT(run("GET", "/articles/", NULL, NULL, NULL), 404);
	CHECK_INT(run("GET", "/articles/1/2", NULL, NULL, NULL), 404);
	CHECK_INT(run("GET", "/nope", NULL, NULL, NULL), 404);
	arena_free(&A);
}

TEST(test_router_405_lists_allowed_methods)
{
	setup();
	char allow[64];
	struct http_request req = {.arena = &A, .method = "DELETE"};
	const struct http_route *r;
	CHECK_INT(http_router_match(&app, &req, "/login", &r, allow, sizeof allow), 405);
	CHECK_STR(allow, "POST, GET, HEAD");
	CHECK_INT(run("PUT", "/login", NULL, NULL, NULL), 405);
	CHECK(strstr(resp.headers.p, "Allow: POST, GET, HEAD\r\n") != NULL);
	arena_free(&A);
}

TEST(test_head_is_routed_as_get)
{
	setup();
	CHECK_INT(run("HEAD", "/", NULL, NULL, NULL), 200);
	CHECK_INT(called, 1);
	arena_free(&A);
}

TEST(test_pipeline_order_404_before_413_before_415)
{
	setup();
	char big[200];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	CHECK_INT(run("POST", "/nope", NULL, "text/plain", big), 404);
	CHECK_INT(run("GET", "/api/things", NULL, "text/plain", big), 405);
	CHECK_INT(run("POST", "/api/things", NULL, "text/plain", big), 413);
	CHECK_INT(run("POST", "/api/things", NULL, "text/plain", "{}"), 415);
	CHECK_INT(run("PUT", "/api/things/1", NULL, NULL, NULL), 415);
	CHECK_INT(run("POST", "/api/things", NULL, "application/json; charset=utf-8", "{}"), 200);
	CHECK_INT(called, 1);
	arena_free(&A);
}

TEST(test_pipeline_bad_url_encoding_is_400_after_routing)
{
	setup();
	CHECK_INT(run("GET", "/", "a=%zz", NULL, NULL), 400);
	CHECK_INT(run("GET", "/articles/%zz", NULL, NULL, NULL), 400);
	CHECK_INT(run("GET", "/users/%C0%AF", NULL, NULL, NULL), 400);
	CHECK_INT(run("GET", "/zz%zz", NULL, NULL, NULL), 404);
	CHECK_INT(called, 0);
	arena_free(&A);
}

TEST(test_pipeline_form_body_decoding)
{
	setup();
	CHECK_INT(run("POST", "/login", NULL, "application/x-www-form-urlencoded", "a=%zz"), 400);
	CHECK_INT(run("POST", "/login", NULL, "application/x-www-form-urlencoded", "a=%FF"), 400);
	CHECK_INT(run("POST", "/login", NULL, "application/x-www-form-urlencoded", "a=1"), 200);
	CHECK_INT(called, 1);
	arena_free(&A);
}

TEST(test_handler_failure_is_500_without_internals)
{
	setup();
	CHECK_INT(run("GET", "/boom", NULL, NULL, NULL), 500);
	CHECK(strstr(resp.body.p, "secret") == NULL);
	arena_free(&A);
}

TEST(test_serialize_status_headers_body)
{
	setup();
	run("GET", "/", NULL, NULL, NULL);
	struct buf out = BUF_INIT;
	struct http_request req = {.method = "GET"};
	http_resp_header(&resp, "X-Test", "1");
	CHECK_INT(http_serialize(&req, &resp, &out), 0);
	CHECK(!strncmp(out.p, "Status: 200 OK\r\nContent-Type: text/plain\r\n", 42));
	CHECK(strstr(out.p, "X-Test: 1\r\nContent-Length: 2\r\n\r\nok") != NULL);
	req.head = true;
	http_serialize(&req, &resp, &out);
	CHECK(strstr(out.p, "Content-Length: 2\r\n\r\n") && out.p[out.n - 1] == '\n');
	buf_free(&out);
	arena_free(&A);
}

TEST(test_resp_header_refuses_crlf_injection)
{
	struct http_response r = {0};
	CHECK_INT(http_resp_header(&r, "Location", "/x\r\nSet-Cookie: a=b"), -1);
	CHECK_INT(http_resp_header(&r, "Location", "/x"), 0);
	CHECK_STR(r.headers.p, "Location: /x\r\n");
	buf_free(&r.headers);
}

/* The head, byte for byte (golden), for the statuses and shapes a
 * response takes: a page, a 204 (no Content-Type, no length), an unknown
 * status, no content type, HEAD (the length of the body not sent). */
TEST(test_serialize_head_golden_bytes)
{
	struct http_request req = {.method = "GET"};
	struct http_response r = {.status = 200, .content_type = "text/html; charset=utf-8"};
	struct buf out = BUF_INIT;
	size_t body_n = 99;
	buf_puts(&r.body, "<p>hi</p>");
	CHECK_INT(http_resp_header(&r, "X-Frame-Options", "DENY"), 0);
	CHECK_INT(http_serialize_head(&req, &r, &out, &body_n), 0);
	CHECK_STR(out.p, "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
			 "X-Frame-Options: DENY\r\nContent-Length: 9\r\n\r\n");
	CHECK_INT(out.n, strlen(out.p));
	CHECK_INT(body_n, 9);

	req.head = true;
	CHECK_INT(http_serialize_head(&req, &r, &out, &body_n), 0);
	CHECK(strstr(out.p, "Content-Length: 9\r\n\r\n") != NULL);
	CHECK_INT(body_n, 0);
	req.head = false;

	r.status = 204;
	CHECK_INT(http_serialize_head(&req, &r, &out, &body_n), 0);
	CHECK_STR(out.p, "Status: 204 No Content\r\nX-Frame-Options: DENY\r\nContent-Length: 0\r\n\r\n");
	CHECK_INT(body_n, 0);

	buf_reset(&r.headers);
	r.status = 299;
	r.content_type = NULL;
	CHECK_INT(http_serialize_head(&req, &r, &out, &body_n), 0);
	CHECK_STR(out.p, "Status: 299 Unknown\r\nContent-Length: 9\r\n\r\n");

	/* a long header block and a body length of many digits */
	for (int i = 0; i < 200; i++)
		CHECK_INT(http_resp_header(&r, "X-Many", "0123456789abcdef"), 0);
	r.status = 503;
	for (int i = 0; i < 2000; i++)
		buf_puts(&r.body, "0123456789");
	CHECK_INT(http_serialize_head(&req, &r, &out, &body_n), 0);
	CHECK(!strncmp(out.p, "Status: 503 Service Unavailable\r\nX-Many: 0123456789abcdef\r\n", 59));
	CHECK(strstr(out.p, "X-Many: 0123456789abcdef\r\nContent-Length: 20009\r\n\r\n") != NULL);
	CHECK_INT(out.n, 33 + 200 * 26 + 25);
	CHECK_INT(out.n, strlen(out.p));
	buf_free(&out);
	buf_free(&r.body);
	buf_free(&r.headers);
}

/* A header line is refused whole when its name or value holds CR or LF
 * anywhere (first, middle, last byte), and nothing of it is kept; empty
 * values pass. */
TEST(test_resp_header_refuses_cr_or_lf_anywhere_and_keeps_nothing)
{
	struct http_response r = {0};
	CHECK_INT(http_resp_header(&r, "A", "1"), 0);
	CHECK_INT(http_resp_header(&r, "\rB", "2"), -1);
	CHECK_INT(http_resp_header(&r, "B\n", "2"), -1);
	CHECK_INT(http_resp_header(&r, "B", "\n2"), -1);
	CHECK_INT(http_resp_header(&r, "B", "2\r"), -1);
	CHECK_INT(http_resp_header(&r, "B", "x\ry"), -1);
	CHECK_INT(http_resp_header(&r, "C", ""), 0);
	CHECK_STR(r.headers.p, "A: 1\r\nC: \r\n");
	CHECK_INT(r.headers.n, 11);
	buf_free(&r.headers);
}

/* The response the pipeline tests share dies with the program (not a
 * test: it would count as one that cannot fail). */
__attribute__((destructor)) static void free_response(void)
{
	buf_free(&resp.headers);
	buf_free(&resp.body);
}
