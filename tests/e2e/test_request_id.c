/* End-to-end tests of request ids (SPEC 13, "Operating it"): nginx's
 * $request_id reaches the worker and comes back as X-Request-Id, a client
 * cannot choose it, and a forced 500 shows the same id on the page (HTML
 * and API), in the header and in the worker's log lines of that request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>

#include "client.h"
#include "test.h"

static bool is_hex32(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return false;
	return true;
}

/* The worker log lines (FLACON_TEST_SERVER_LOG) that hold needle, joined;
 * malloc'd ("" when none). */
static char *log_lines_with(const char *needle)
{
	const char *path = getenv("FLACON_TEST_SERVER_LOG");
	size_t cap = 1, n = 0;
	char *out = calloc(1, cap);
	FILE *f = path ? fopen(path, "r") : NULL;
	CHECK_MSG(f != NULL, "cannot read the server log %s", path ? path : "(unset)");
	if (!f)
		return out;
	char line[8192];
	while (fgets(line, sizeof line, f)) {
		if (!strstr(line, needle))
			continue;
		size_t k = strlen(line);
		out = realloc(out, cap += k);
		memcpy(out + n, line, k + 1);
		n += k;
	}
	fclose(f);
	return out;
}

/* The worker writes its log line after it has sent the answer: wait for
 * it a little (up to 5 s), then return what holds needle. */
static char *wait_log_lines(const char *needle, const char *also)
{
	char *got = NULL;
	for (int i = 0; i < 50; i++) {
		free(got);
		got = log_lines_with(needle);
		if (strstr(got, also))
			break;
		usleep(100 * 1000);
	}
	return got;
}

TEST(test_request_id_is_nginx_request_id_in_the_answer)
{
	char first[64];
	struct http_resp r;
	CHECK_INT(cl_get("/articles", &r), 0);
	CHECK_STATUS(r, 200);
	snprintf(first, sizeof first, "%s", cl_header(&r, "X-Request-Id"));
	CHECK_MSG(is_hex32(first), "X-Request-Id '%s' is not nginx's $request_id", first);
	hc_free(&r);
	CHECK_INT(cl_get("/articles", &r), 0);
	CHECK_MSG(is_hex32(cl_header(&r, "X-Request-Id")) && strcmp(cl_header(&r, "X-Request-Id"), first),
		  "the same id twice: %s", first);
	hc_free(&r);
	/* On nginx-routed errors of the worker, and through the health
	 * process too. */
	CHECK_INT(cl_get("/no/such/page", &r), 0);
	CHECK_STATUS(r, 404);
	CHECK(is_hex32(cl_header(&r, "X-Request-Id")));
	hc_free(&r);
	CHECK_INT(cl_get("/healthz", &r), 0);
	CHECK(is_hex32(cl_header(&r, "X-Request-Id")));
	hc_free(&r);
}

TEST(test_request_id_sent_by_a_client_is_not_trusted)
{
	struct http_resp r;
	CHECK_INT(cl_request("GET", "/articles", "X-Request-Id: chosen-by-the-client\r\n", NULL, 0, &r), 0);
	CHECK_STATUS(r, 200);
	const char *id = cl_header(&r, "X-Request-Id");
	CHECK_MSG(is_hex32(id), "X-Request-Id '%s'", id);
	CHECK(!strstr(r.head, "chosen-by-the-client"));
	hc_free(&r);
}

/* The database loses a column the course pages read: their queries fail
 * with an SQL error (not an outage), a 500. */
static bool break_courses(MYSQL *m, bool broken)
{
	const char *sql = broken ? "ALTER TABLE course RENAME COLUMN capacity TO capacity_gone"
				 : "ALTER TABLE course RENAME COLUMN capacity_gone TO capacity";
	bool ok = mysql_query(m, sql) == 0;
	CHECK_MSG(ok, "%s: %s", sql, mysql_error(m));
	return ok;
}

TEST(test_forced_500_shows_one_id_on_page_header_and_log)
{
	MYSQL *m = cl_db_open();
	struct http_resp page = {0}, api = {0};
	char *logged = NULL, *alog = NULL;
	REQUIRE(m != NULL);
	REQUIRE(break_courses(m, true));
	cl_get("/courses", &page);
	cl_get("/api/courses", &api);
	break_courses(m, false);

	/* The HTML page: the id in the header and on the page. */
	CHECK_STATUS(page, 500);
	char id[64];
	snprintf(id, sizeof id, "%s", cl_header(&page, "X-Request-Id"));
	CHECK_MSG(is_hex32(id), "X-Request-Id '%s'", id);
	char quote[128];
	snprintf(quote, sizeof quote, "quote this id: <code>%s</code>", id);
	CHECK_MSG(strstr(page.body, quote) != NULL, "the page does not show %s: %.600s", id, page.body);
	/* The worker's log: the request's summary, and its other lines
	 * (the database error) carry the same id. */
	char req[80];
	snprintf(req, sizeof req, "req=%s ", id);
	logged = wait_log_lines(req, "status=500");
	CHECK_MSG(strstr(logged, "request method=GET path=/courses route=\"course list\" status=500 "
				 "duration_ms=") != NULL,
		  "no summary line for %s in the log: %s", id, logged);
	CHECK_MSG(cl_count(logged, " error ") >= 2, "only the summary carries %s: %s", id, logged);
	CHECK_INT(cl_count(logged, "request method="), 1);

	/* The API's error JSON carries it too. */
	CHECK_STATUS(api, 500);
	json_object *o = cl_json(&api);
	CHECK_MSG(cl_is_error(&api, 500, "internal"), "%.300s", api.body);
	const char *aid = cl_header(&api, "X-Request-Id");
	CHECK(is_hex32(aid));
	CHECK_STR(cl_jstr(o, "request_id"), aid);
	json_object_put(o);
	snprintf(req, sizeof req, "req=%s ", aid);
	alog = wait_log_lines(req, "status=500");
	CHECK_MSG(strstr(alog, "path=/api/courses route=\"api course list\" status=500") != NULL,
		  "no summary line for %s: %s", aid, alog);

	/* Repaired: the page is back, without an id to quote. */
	struct http_resp ok;
	CHECK_INT(cl_get("/courses", &ok), 0);
	CHECK_STATUS(ok, 200);
	CHECK(!strstr(ok.body, "quote this id"));
	hc_free(&ok);
out:
	free(logged);
	free(alog);
	hc_free(&page);
	hc_free(&api);
	if (m)
		mysql_close(m);
}
