/* Unit tests of the request id (core/http.c): the X-Request-Id nginx
 * passes comes back unchanged, a missing or implausible one is replaced by
 * a fresh one, and a request that errs or is slow is logged once with it. */
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/log.h"
#include "log_capture.h"
#include "test.h"

static int h_ok(struct http_request *req, struct http_response *resp)
{
	(void)req;
	return http_resp_text(resp, 200, "text/plain", "ok");
}

static int h_fail(struct http_request *req, struct http_response *resp)
{
	(void)req;
	(void)resp;
	return -1;
}

static const struct http_route routes[] = {
	{"GET", "/", h_ok, 0, "home"},
	{"GET", "/boom", h_fail, 0, "boom"},
};
static const struct http_app app = {routes, 2, NULL, NULL, NULL, NULL};

struct fake {
	const char *given; /* HTTP_X_REQUEST_ID, or NULL */
};

static const char *fake_getenv(struct http_request *req, const char *name)
{
	struct fake *f = req->transport;
	return !strcmp(name, "HTTP_X_REQUEST_ID") ? f->given : NULL;
}

static struct arena A;
static bool arena_ready;
static struct config cfg;
static struct http_response resp;
static struct http_request req;
static struct fake fake;

/* A fresh GET path with given as the X-Request-Id param in req and resp. */
static void prepare(const char *path, const char *given)
{
	if (!arena_ready)
		arena_init(&A, 4096);
	arena_ready = true;
	arena_reset(&A);
	cfg.max_body = 100;
	fake.given = given;
	req = (struct http_request){.arena = &A, .cfg = &cfg, .transport = &fake,
				    .getenv = fake_getenv, .method = "GET", .uri = path,
				    .raw_path = path, .path = path, .query_string = "",
				    .content_type = "", .content_length = -1};
	buf_free(&resp.headers); /* the last request's answer */
	buf_free(&resp.body);
	resp = (struct http_response){.arena = &A};
	http_resp_clear(&resp);
}

/* GET path as a worker runs it (begin, handle, end); returns the
 * X-Request-Id of the answer (static; "" when there is none). */
static const char *run(const char *path, const char *given)
{
	static char id[256];
	prepare(path, given);
	http_request_begin(&req);
	http_handle(&app, &req, &resp);
	http_request_end(&req, &resp);
	id[0] = '\0';
	const char *h = resp.headers.p ? strstr(resp.headers.p, "X-Request-Id: ") : NULL;
	if (h) {
		h += strlen("X-Request-Id: ");
		size_t n = strcspn(h, "\r");
		if (n < sizeof id) {
			memcpy(id, h, n);
			id[n] = '\0';
		}
	}
	return id;
}

static bool is_hex32(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return false;
	return true;
}

TEST(test_request_id_from_nginx_comes_back_unchanged)
{
	/* nginx's $request_id, and ids of other proxies (a UUID, AWS's). */
	static const char *const ids[] = {
		"6f1c2b3a4d5e6f708192a3b4c5d6e7f8",
		"123e4567-e89b-12d3-a456-426614174000",
		"Root=1-67891233-abcdef012345678912345678",
	};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		CHECK_STR(run("/", ids[i]), ids[i]);
		CHECK_STR(req.request_id, ids[i]);
		CHECK_STR(run("/boom", ids[i]), ids[i]); /* on an error page too */
		CHECK_INT(resp.status, 500);
	}
}

TEST(test_request_id_missing_or_implausible_is_generated)
{
	char a[256];
	snprintf(a, sizeof a, "%s", run("/", NULL));
	CHECK_MSG(is_hex32(a), "generated id '%s'", a);
	CHECK_MSG(is_hex32(run("/", NULL)) && strcmp(run("/", NULL), a), "two requests, one id");
	char long_id[HTTP_REQUEST_ID_MAX + 2];
	memset(long_id, 'a', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	static const char *const bad[] = {"", "<script>alert(1)</script>", "two words",
					  "quote\"d", "new\nline", "caf\xc3\xa9", NULL};
	for (size_t i = 0; bad[i]; i++) {
		const char *got = run("/", bad[i]);
		CHECK_MSG(is_hex32(got), "'%s' gave '%s'", bad[i], got);
	}
	CHECK(is_hex32(run("/", long_id)));
	long_id[HTTP_REQUEST_ID_MAX] = '\0'; /* the longest accepted */
	CHECK_STR(run("/", long_id), long_id);
}

/* Every byte value, on its own and inside an id: exactly A-Za-z0-9 and
 * -._:=+/@ are accepted (the set written out here, not taken from the
 * code). */
TEST(test_request_id_bytes_are_exactly_the_documented_set)
{
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789-._:=+/@";
	int accepted = 0;
	for (int c = 1; c < 256; c++) {
		char one[2] = {(char)c, 0}, mid[4] = {'a', (char)c, 'b', 0};
		bool want = strchr(allowed, c) != NULL;
		CHECK_MSG(http_request_id_valid(one) == want, "byte 0x%02x alone", c);
		CHECK_MSG(http_request_id_valid(mid) == want, "byte 0x%02x inside", c);
		accepted += http_request_id_valid(one);
	}
	CHECK_INT(accepted, 70);
	CHECK(!http_request_id_valid(""));
}

/* The text log lines written while one request runs (begun
 * started_ago_s seconds ago) with log.slow_ms = slow_ms: a line of its
 * own ("inside"), the summary if any, then one after it ("after").
 * malloc'd. */
static char *logged(const char *path, const char *id, long slow_ms, long started_ago_s)
{
	struct log_capture c;
	cfg.log_slow_ms = slow_ms;
	prepare(path, id);
	log_set_format(LOG_TEXT);
	log_capture_start(&c);
	http_request_begin(&req);
	req.started.tv_sec -= started_ago_s; /* as if it had begun that long ago */
	http_handle(&app, &req, &resp);
	log_error("inside");
	http_request_end(&req, &resp);
	log_info("after");
	return log_capture_end(&c);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

TEST(test_request_that_errs_is_logged_once_with_id_route_status)
{
	char *out = logged("/boom", "abc-500", 0, 0);
	CHECK(out != NULL);
	if (!out)
		return;
	CHECK_MSG(strstr(out, "error req=abc-500 inside\n") != NULL, "%s", out);
	CHECK_MSG(strstr(out, "error req=abc-500 request method=GET path=/boom route=\"boom\" "
			      "status=500 duration_ms=") != NULL,
		  "%s", out);
	CHECK_INT(count(out, "request method="), 1);
	/* The request's context ends with it. */
	CHECK_MSG(strstr(out, "] info after\n") != NULL, "%s", out);
	free(out);
}

TEST(test_slow_request_is_logged_fast_one_is_not)
{
	char *out = logged("/", "slow-1", 1000, 2);
	CHECK_MSG(out && strstr(out, "warn req=slow-1 request method=GET path=/ route=\"home\" "
				     "status=200 duration_ms=2") != NULL,
		  "%s", out ? out : "");
	free(out);
	out = logged("/", "fast-1", 1000, 0);
	CHECK_MSG(out && !strstr(out, "request method="), "%s", out ? out : "");
	free(out);
	/* log.slow_ms = 0: off */
	out = logged("/", "off-1", 0, 5);
	CHECK_MSG(out && !strstr(out, "request method="), "%s", out ? out : "");
	free(out);
}
