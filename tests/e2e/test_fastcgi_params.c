/* End-to-end tests of the FastCGI params a request is built from: nginx
 * sends only those Flacon reads (conf/nginx.conf.in, as the production
 * snippet conf/nginx/flacon-fastcgi.conf), and each still reaches the
 * worker — method, path and query, body with its type and length, the
 * request id (the client address: test_hardening's per-address throttle).
 * Then FastCGI by hand on the workers' socket: the worker reads the first
 * param of a name, never one whose name merely begins like it, and falls
 * back to DOCUMENT_URI without REQUEST_URI; kept connections stay served
 * while others close and open (the worker's epoll set follows them). */
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "fcgi_raw.h"
#include "test.h"

/* ---- through nginx ---- */

TEST(test_through_nginx_the_worker_gets_method_path_query_body_and_request_id)
{
	struct http_resp all, one, head;
	/* the query string (taken from REQUEST_URI) reaches the page */
	CHECK_INT(cl_get("/articles", &all), 0);
	CHECK_INT(cl_get("/articles?per_page=1", &one), 0);
	CHECK_INT(all.status, 200);
	CHECK_INT(one.status, 200);
	CHECK_MSG(one.body_len < all.body_len, "per_page=1: %zu bytes, default: %zu", one.body_len,
		  all.body_len);
	/* the method: HEAD is answered without a body */
	CHECK_INT(cl_request("HEAD", "/articles", NULL, NULL, 0, &head), 0);
	CHECK_INT(head.status, 200);
	CHECK_INT(head.body_len, 0);
	/* nginx's request id comes back */
	char id[128];
	CHECK(hc_header(&all, "X-Request-Id", 0, id, sizeof id) && strlen(id) == 32);
	hc_free(&all);
	hc_free(&one);
	hc_free(&head);

	/* CONTENT_TYPE, CONTENT_LENGTH and the body: a JSON login is read
	 * (a wrong password is 401), the same bytes as text/plain are 415 */
	char name[33], body[128];
	cl_unique_name(name, "fcgip");
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"not the password\"}", name);
	struct http_resp r;
	CHECK_INT(cl_request("POST", "/api/login", "Content-Type: application/json\r\n", body,
			     strlen(body), &r), 0);
	CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "JSON login: %d %s", r.status, r.body);
	hc_free(&r);
	CHECK_INT(cl_request("POST", "/api/login", "Content-Type: text/plain\r\n", body, strlen(body),
			     &r), 0);
	CHECK_MSG(r.status == 415, "text/plain login: %d", r.status);
	hc_free(&r);
	/* a form POST on a form route: the body is parsed (no token: 403,
	 * not 415 for a missing content type) */
	CHECK_INT(cl_request("POST", "/login", "Content-Type: application/x-www-form-urlencoded\r\n",
			     "username=a&password=b", 21, &r), 0);
	CHECK_MSG(r.status == 403, "form login without a token: %d", r.status);
	hc_free(&r);
}

/* ---- FastCGI by hand ---- */

/* The workers' socket: flacon.sock beside the server log tests/run.sh
 * names (both in its temporary directory). */
static int connect_workers(void)
{
	const char *log = getenv("FLACON_TEST_SERVER_LOG");
	if (!log)
		return -1;
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
	snprintf(dir, sizeof dir, "%s", log);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s/flacon.sock", dirname(dir)) >=
	    (int)sizeof sa.sun_path)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Send one request (id 1) whose params are the NULL-ended name, value
 * list, asking the worker to keep the connection when keep. 0 or -1. */
static int fcgi_send(int fd, const char *const *params, bool keep)
{
	unsigned char buf[2048], p[1536];
	size_t n = 0, pn = 0;
	const unsigned char begin[8] = {0, 1, keep ? 1 : 0, 0, 0, 0, 0, 0}; /* responder */
	fcgi_raw_record(buf, &n, 1, begin, sizeof begin);
	for (int i = 0; params[i]; i += 2)
		pn += fcgi_raw_pair(p + pn, params[i], params[i + 1]);
	fcgi_raw_record(buf, &n, 4, p, pn);
	fcgi_raw_record(buf, &n, 4, "", 0);
	fcgi_raw_record(buf, &n, 5, "", 0);
	return send(fd, buf, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* The FCGI_STDOUT bytes of one answer, up to its FCGI_END_REQUEST (the
 * connection may stay open), malloc'd and NUL-terminated; NULL when no
 * whole answer came within 10 s. */
static char *fcgi_answer(int fd)
{
	char *out;
	size_t n;
	return fcgi_raw_answer(fd, 10000, &out, &n) == 0 ? out : NULL;
}

/* One request on a new connection that the worker closes after it. */
static char *fcgi_ask(const char *const *params)
{
	int fd = connect_workers();
	if (fd < 0)
		return NULL;
	char *a = fcgi_send(fd, params, false) == 0 ? fcgi_answer(fd) : NULL;
	close(fd);
	return a;
}

TEST(test_worker_reads_the_first_param_of_a_name_and_never_a_lookalike)
{
	/* Lookalikes first (names that begin like the real ones), then the
	 * real params, then later duplicates: the first real one wins, as
	 * FCGX_GetParam would have it. */
	const char *const params[] = {
		"REQUEST_METHODS", "POST",
		"REQUEST_URIS", "/nowhere",
		"CONTENT_LENGTHS", "999999999999",
		"CONTENT_TYPES", "text/plain",
		"HTTP_X_REQUEST_IDS", "lookalike-id",
		"REQUEST_METHOD", "GET",
		"REQUEST_URI", "/_hello?x=1",
		"HTTP_X_REQUEST_ID", "first-id",
		"REQUEST_METHOD", "DELETE",
		"REQUEST_URI", "/nowhere",
		"HTTP_X_REQUEST_ID", "second-id",
		"REMOTE_ADDR", "127.0.0.1",
		NULL,
	};
	char *a = fcgi_ask(params);
	REQUIRE(a != NULL);
	CHECK_MSG(!strncmp(a, "Status: 200 ", 12), "%.200s", a);
	CHECK_MSG(strstr(a, "\r\nX-Request-Id: first-id\r\n") != NULL, "%.400s", a);
	CHECK_MSG(strstr(a, "Hello") || strstr(a, "hello"), "%.400s", a);
out:
	free(a);
}

TEST(test_worker_without_request_uri_routes_on_document_uri)
{
	const char *const params[] = {"REQUEST_METHOD", "GET", "DOCUMENT_URI", "/_hello", NULL};
	char *a = fcgi_ask(params);
	REQUIRE(a != NULL);
	CHECK_MSG(!strncmp(a, "Status: 200 ", 12), "%.200s", a);
	const char *const none[] = {"REQUEST_METHOD", "GET", "DOCUMENT_URI", "/no-such-page", NULL};
	free(a);
	a = fcgi_ask(none);
	REQUIRE(a != NULL);
	CHECK_MSG(!strncmp(a, "Status: 404 ", 12), "%.200s", a);
out:
	free(a);
}

/* GET /_hello on the kept connection fd: was it answered 200? */
static bool hello_on(int fd)
{
	const char *const hello[] = {"REQUEST_METHOD", "GET", "REQUEST_URI", "/_hello", NULL};
	char *a = fd >= 0 && fcgi_send(fd, hello, true) == 0 ? fcgi_answer(fd) : NULL;
	bool ok = a && !strncmp(a, "Status: 200 ", 12);
	free(a);
	return ok;
}

/* Kept connections that come and go: the ones that stay are answered
 * every time while others are closed and new ones opened (a new
 * connection often gets the descriptor number of one just closed, in
 * the worker's wait set too). Each new connection carries its first
 * request at once, as nginx's do: libfcgi drops a unix connection that
 * stays silent for 2 s after its accept. */
TEST(test_kept_connections_stay_served_while_others_close_and_open)
{
	enum { KEPT = 4 };
	int kept[KEPT];
	for (int i = 0; i < KEPT; i++) {
		kept[i] = connect_workers();
		CHECK_MSG(hello_on(kept[i]), "first request on kept connection %d", i);
	}
	for (int round = 0; round < 30; round++) {
		for (int i = 0; i < KEPT; i++)
			CHECK_MSG(hello_on(kept[i]), "round %d, kept connection %d", round, i);
		/* one comes and goes: answered, closed by the client */
		int fd = connect_workers();
		CHECK_MSG(hello_on(fd), "round %d, passing connection", round);
		if (fd >= 0)
			close(fd);
		/* and one kept connection is replaced by a new one */
		int k = round % KEPT;
		if (kept[k] >= 0)
			close(kept[k]);
		kept[k] = connect_workers();
		CHECK_MSG(hello_on(kept[k]), "round %d, new kept connection %d", round, k);
	}
	for (int i = 0; i < KEPT; i++)
		if (kept[i] >= 0)
			close(kept[i]);
}
