/* test_api_auth.c — the site's JSON account API on the test client (SPEC
 * 7): register, login, logout, me; their statuses, JSON shapes, error
 * codes and cookies; 415 and 400 before 401; unknown paths and wrong
 * methods under /api. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site_client.h"

static const struct flacon_response *post(const char *path, const char *user, const char *password)
{
	char body[256];
	snprintf(body, sizeof body, "{\"username\": \"%s\", \"password\": \"%s\"}", user, password);
	return sc_api("POST", path, body);
}

/* r is the JSON error {"error": code, "message": TEXT} with status. */
static void check_error(const char *file, int line, const struct flacon_response *r, int status,
			const char *code)
{
	sc_check_status(file, line, r, status);
	const char *ct = flacon_resp_header(r, "Content-Type");
	if (!ct || strncmp(ct, "application/json", 16))
		test_fail(file, line, "Content-Type", "%s %s: %s", r->method, r->path, ct ? ct : "(none)");
	if (strcmp(sc_jerror(r), code) || !sc_jstr(r->json, "message"))
		test_fail(file, line, "error", "%s %s: %.200s, not error %s with a message", r->method,
			  r->path, r->body, code);
}
#define CHECK_ERROR(r, s, code) check_error(__FILE__, __LINE__, (r), (s), (code))

TEST(test_api_register_is_201_id_and_username_and_logs_in)
{
	char name[33];
	sc_name(name, "apireg");
	REQUIRE(sc_visitor());
	const struct flacon_response *r = post("/api/register", name, SC_PASSWORD);
	CHECK_STATUS(r, 201);
	REQUIRE(r->json);
	CHECK(sc_jint(r->json, "id") > 0);
	CHECK_STR(sc_jstr(r->json, "username"), name);
	CHECK_INT(json_object_object_length(r->json), 2);
	char a[64];
	CHECK_STR(sc_cookie_attr(r, "session", "Max-Age", a, sizeof a), "2678400");
	r = sc_get("/api/me");
	CHECK_STATUS(r, 200);
	CHECK_STR(sc_jstr(r->json, "username"), name);
out:;
}

TEST(test_api_register_taken_name_in_any_case_is_409_conflict_and_keeps_the_first)
{
	char name[33], other[33];
	REQUIRE(sc_new_user(name, "Conflict") > 0);
	snprintf(other, sizeof other, "%s", name);
	other[0] = 'c';
	REQUIRE(sc_visitor());
	CHECK_ERROR(post("/api/register", name, "another password"), 409, "conflict");
	const struct flacon_response *r = post("/api/register", other, "another password");
	CHECK_ERROR(r, 409, "conflict");
	CHECK(!flacon_resp_set_cookie(r, "session"));
	/* Logging in in the other case finds the name as registered. */
	r = post("/api/login", other, SC_PASSWORD);
	CHECK_STATUS(r, 200);
	CHECK_STR(sc_jstr(r->json, "username"), name);
out:;
}

TEST(test_api_register_invalid_missing_or_mistyped_fields_are_422_validation)
{
	char name[33];
	sc_name(name, "apival");
	REQUIRE(sc_visitor());
	const char *bad[][2] = {{"ab", SC_PASSWORD}, {"with space", SC_PASSWORD}, {name, "seven77"}};
	for (int i = 0; i < 3; i++)
		CHECK_ERROR(post("/api/register", bad[i][0], bad[i][1]), 422, "validation");
	const char *bodies[] = {"{}", "{\"username\": \"abcdef\"}", "{\"username\": 12345, \"password\": \"" SC_PASSWORD "\"}",
				"{\"username\": \"abcdef\", \"password\": null}"};
	for (int i = 0; i < 4; i++)
		CHECK_ERROR(sc_api("POST", "/api/register", bodies[i]), 422, "validation");
	/* The limits themselves are accepted: 3 and 32 characters, 8 and 128. */
	char n3[33], n32[33], p128[129];
	/* Names of 3 and 32 characters of this test's own (name is apival<N>). */
	snprintf(n3, sizeof n3, "z%02d", atoi(name + strlen("apival")) % 100);
	snprintf(n32, sizeof n32, "%-32.32s", name);
	for (char *p = n32; *p; p++)
		if (*p == ' ')
			*p = '_';
	memset(p128, 'p', 128);
	p128[128] = '\0';
	CHECK_STATUS(post("/api/register", n32, "8chars!!"), 201);
	REQUIRE(sc_visitor());
	CHECK_STATUS(post("/api/register", n3, p128), 201);
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM user WHERE username = 'abcdef'"), 0);
out:;
}

TEST(test_api_login_is_200_with_a_new_session_and_401_without_one)
{
	char name[33];
	long long id = sc_new_user(name, "apilog");
	REQUIRE(id > 0);
	char first[512];
	snprintf(first, sizeof first, "%s", flacon_client_cookie(sc(), "session"));
	const struct flacon_response *r = post("/api/login", name, SC_PASSWORD);
	CHECK_STATUS(r, 200);
	CHECK_INT(sc_jint(r->json, "id"), id);
	CHECK_STR(sc_jstr(r->json, "username"), name);
	CHECK(flacon_resp_set_cookie(r, "session") != NULL);
	CHECK(!flacon_resp_set_cookie(r, "username"));
	CHECK(flacon_client_cookie(sc(), "session") && strcmp(flacon_client_cookie(sc(), "session"), first));
	const char *fails[][2] = {{name, "wrong password"}, {"nobody_at_all", SC_PASSWORD}};
	for (int i = 0; i < 2; i++) {
		REQUIRE(sc_visitor());
		r = post("/api/login", fails[i][0], fails[i][1]);
		CHECK_ERROR(r, 401, "unauthorized");
		CHECK(!flacon_resp_set_cookie(r, "session"));
	}
	/* A body without the fields is a failed login too. */
	CHECK_ERROR(sc_api("POST", "/api/login", "{}"), 401, "unauthorized");
out:;
}

TEST(test_api_login_remember_true_sets_the_username_cookie_and_false_does_not)
{
	char name[33], body[160];
	REQUIRE(sc_new_user(name, "apirem") > 0);
	REQUIRE(sc_visitor());
	snprintf(body, sizeof body, "{\"username\": \"%s\", \"password\": \"" SC_PASSWORD "\", \"remember\": true}",
		 name);
	const struct flacon_response *r = sc_api("POST", "/api/login", body);
	CHECK_STATUS(r, 200);
	char a[64];
	CHECK_STR(sc_cookie_attr(r, "username", "Max-Age", a, sizeof a), "1209600");
	CHECK_STR(flacon_client_cookie(sc(), "username"), name);
	const char *no[] = {"false", "\"yes\"", "1"};
	for (int i = 0; i < 3; i++) {
		REQUIRE(sc_visitor());
		snprintf(body, sizeof body,
			 "{\"username\": \"%s\", \"password\": \"" SC_PASSWORD "\", \"remember\": %s}", name, no[i]);
		r = sc_api("POST", "/api/login", body);
		CHECK_STATUS(r, 200);
		CHECK_MSG(!flacon_resp_set_cookie(r, "username"), "remember: %s", no[i]);
	}
out:;
}

TEST(test_api_me_is_id_username_and_rdatetime_in_utc_z_or_401)
{
	REQUIRE(sc_visitor());
	CHECK_ERROR(sc_get("/api/me"), 401, "unauthorized");
	char name[33];
	long long id = sc_new_user(name, "apime");
	REQUIRE(id > 0);
	const struct flacon_response *r = sc_get("/api/me");
	CHECK_STATUS(r, 200);
	CHECK_INT(sc_jint(r->json, "id"), id);
	CHECK_STR(sc_jstr(r->json, "username"), name);
	const char *d = sc_jstr(r->json, "rdatetime");
	/* 2026-12-06T16:05:00Z */
	CHECK_MSG(d && strlen(d) == 20 && d[4] == '-' && d[10] == 'T' && d[19] == 'Z', "rdatetime %s",
		  d ? d : "(none)");
out:;
}

TEST(test_api_logout_is_204_deletes_the_cookie_and_the_session_also_anonymous)
{
	char name[33];
	REQUIRE(sc_new_user(name, "apiout") > 0);
	long long before = sc_scalar("SELECT COUNT(*) FROM session");
	const struct flacon_response *r = sc_api("POST", "/api/logout", NULL);
	CHECK_STATUS(r, 204);
	CHECK_INT(r->body_len, 0);
	CHECK(sc_cookie_deleted(r, "session"));
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM session"), before - 1);
	CHECK_STATUS(sc_get("/api/me"), 401);
	CHECK_STATUS(sc_api("POST", "/api/logout", NULL), 204);
	r = sc_get("/api/logout");
	CHECK_ERROR(r, 405, "method_not_allowed");
	CHECK(flacon_resp_header(r, "Allow") && strstr(flacon_resp_header(r, "Allow"), "POST"));
out:;
}

TEST(test_api_reads_by_anonymous_visitors_write_no_session)
{
	REQUIRE(sc_visitor());
	long long before = sc_scalar("SELECT COUNT(*) FROM session");
	const char *paths[] = {"/api/articles", "/api/courses", "/api/me", "/", "/articles", "/login"};
	for (int i = 0; i < 6; i++) {
		const struct flacon_response *r = sc_get(paths[i]);
		CHECK_MSG(!flacon_resp_set_cookie(r, "session"), "%s sets a session cookie", paths[i]);
	}
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM session"), before);
out:;
}

TEST(test_api_garbled_or_forged_session_cookie_is_anonymous)
{
	char name[33], good[512];
	REQUIRE(sc_new_user(name, "forge") > 0);
	snprintf(good, sizeof good, "%s", flacon_client_cookie(sc(), "session"));
	char forged[512];
	snprintf(forged, sizeof forged, "%s", good);
	size_t n = strlen(forged);
	REQUIRE(n > 2);
	forged[n - 2] = forged[n - 2] == 'A' ? 'B' : 'A';
	const char *bad[] = {"garbage", "", forged, "a.b.c"};
	for (int i = 0; i < 4; i++) {
		REQUIRE(flacon_client_set_cookie(sc(), "session", bad[i]) == 0);
		CHECK_ERROR(sc_get("/api/me"), 401, "unauthorized");
		CHECK_STATUS(sc_get("/"), 200);
	}
	REQUIRE(flacon_client_set_cookie(sc(), "session", good) == 0);
	CHECK_STATUS(sc_get("/api/me"), 200);
out:;
}

TEST(test_api_writes_need_json_content_type_415_and_valid_json_400_before_401)
{
	REQUIRE(sc_visitor());
	/* Anonymous: 415 and 400 answer before the 401 of the login check. */
	struct flacon_request rq = {.method = "POST", .path = "/api/articles", .body = "{}",
				    .content_type = "text/plain"};
	CHECK_ERROR(flacon_client_request(sc(), &rq), 415, "unsupported_media_type");
	rq.method = "DELETE";
	rq.path = "/api/articles/1";
	rq.content_type = NULL;
	rq.body = NULL;
	CHECK_ERROR(flacon_client_request(sc(), &rq), 415, "unsupported_media_type");
	CHECK_ERROR(sc_api("POST", "/api/articles", "{\"title\": "), 400, "bad_request");
	CHECK_ERROR(sc_api("POST", "/api/articles", "{'title': 'x'}"), 400, "bad_request");
	CHECK_ERROR(sc_api("POST", "/api/articles", "[1, 2]"), 400, "bad_request");
	CHECK_ERROR(sc_api("POST", "/api/articles", "{\"title\": \"x\", \"content\": \"y\"}"), 401,
		    "unauthorized");
	/* A charset parameter is still JSON. */
	rq = (struct flacon_request){.method = "POST", .path = "/api/login", .body = "{}",
				     .content_type = "application/json; charset=utf-8"};
	CHECK_ERROR(flacon_client_request(sc(), &rq), 401, "unauthorized");
out:;
}

TEST(test_api_unknown_path_is_json_404_and_wrong_method_is_405_with_allow)
{
	REQUIRE(sc_visitor());
	CHECK_ERROR(sc_get("/api/no/such/thing"), 404, "not_found");
	const struct flacon_response *r = sc_get("/no/such/page");
	CHECK_STATUS(r, 404);
	CHECK_STR(flacon_resp_header(r, "Content-Type"), "text/html; charset=utf-8");
	r = sc_api("PUT", "/api/articles", "{}");
	CHECK_ERROR(r, 405, "method_not_allowed");
	const char *allow = flacon_resp_header(r, "Allow");
	CHECK_MSG(allow && strstr(allow, "GET") && strstr(allow, "POST"), "Allow: %s", allow ? allow : "(none)");
	r = sc_get("/api/courses/1/enrollment");
	CHECK_ERROR(r, 405, "method_not_allowed");
	allow = flacon_resp_header(r, "Allow");
	CHECK_MSG(allow && strstr(allow, "PUT") && strstr(allow, "DELETE"), "Allow: %s", allow ? allow : "(none)");
	CHECK_STR(flacon_resp_header(r, "X-Content-Type-Options"), "nosniff");
out:;
}
