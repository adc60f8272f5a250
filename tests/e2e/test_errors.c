/* End-to-end tests of the error answers shared by every route (SPEC
 * section 7): 400 (bad JSON, not an object, invalid UTF-8, bad percent
 * encoding in URL and body), 404/405, 413 and its place in the check
 * order, 415, the error JSON, security headers, /healthz. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "test.h"

#define MAX_BODY 1048576

static int post_raw(struct browser *b, const char *path, const char *ctype, const char *body,
		    size_t len, struct http_resp *r)
{
	char h[128] = "";
	if (ctype)
		snprintf(h, sizeof h, "Content-Type: %s\r\n", ctype);
	return br_request(b, "POST", path, h, body, len, r);
}

TEST(test_healthz_is_200_ok_as_text)
{
	struct http_resp r;
	cl_get("/healthz", &r);
	CHECK_STATUS(r, 200);
	CHECK(r.body_len >= 2 && !strncmp(r.body, "ok", 2));
	hc_free(&r);
}

TEST(test_api_post_put_delete_without_json_content_type_are_415)
{
	struct browser b;
	br_init(&b);
	const char *body = "{\"username\":\"nobody415\",\"password\":\"whatever123\"}";
	const char *paths[] = {"/api/register", "/api/login", "/api/logout", "/api/articles"};
	const char *types[] = {NULL, "text/plain", "application/x-www-form-urlencoded",
			       "text/json", "application/jsonx"};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
			struct http_resp r;
			post_raw(&b, paths[i], types[t], body, strlen(body), &r);
			CHECK_MSG(cl_is_error(&r, 415, "unsupported_media_type"), "%s as %s: %d %.120s",
				  paths[i], types[t] ? types[t] : "(none)", r.status, r.body);
			hc_free(&r);
		}
	}
	/* Nothing was created by any of them. */
	CHECK_INT(cl_api_login(&b, "nobody415", "whatever123", NULL), 401);
}

TEST(test_api_json_content_type_with_charset_is_accepted)
{
	struct browser b;
	br_init(&b);
	char name[33], json[256];
	cl_unique_name(name, "charset");
	snprintf(json, sizeof json, "{\"username\":\"%s\",\"password\":\"%s\"}", name, CL_PASSWORD);
	struct http_resp r;
	post_raw(&b, "/api/register", "application/json; charset=utf-8", json, strlen(json), &r);
	CHECK_STATUS(r, 201);
	hc_free(&r);
}

TEST(test_api_bad_json_is_400_bad_request)
{
	const char *bad[] = {
		"{'username':'x','password':'y'}",             /* single quotes */
		"{\"username\":\"x\",\"password\":\"y\",}",    /* trailing comma */
		"{\"username\":\"x\",\"password\":[\"y\",]}",  /* trailing comma in array */
		"{\"username\":\"a\x01b\",\"password\":\"y\"}", /* raw control character */
		"{\"username\":\"a\nb\",\"password\":\"y\"}",   /* raw newline in a string */
		"{\"username\":\"a\tb\",\"password\":\"y\"}",   /* raw tab in a string */
		"{\"username\":\"x\"",                          /* unterminated */
		"{username:\"x\"}",                             /* bare key */
		"{\"a\":1} {\"b\":2}",                          /* two values */
		"",                                             /* nothing but spaces */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		/* Anonymous: 400 comes before 401 / 422. */
		const char *paths[] = {"/api/register", "/api/articles"};
		for (int p = 0; p < 2; p++) {
			struct browser b;
			br_init(&b);
			struct http_resp r;
			const char *body = bad[i][0] ? bad[i] : "   ";
			br_json(&b, "POST", paths[p], body, &r);
			CHECK_MSG(cl_is_error(&r, 400, "bad_request"), "%s <- #%zu %s: %d %.120s",
				  paths[p], i, body, r.status, r.body);
			hc_free(&r);
		}
	}
}

TEST(test_api_json_that_is_not_an_object_is_400)
{
	const char *bad[] = {"[]", "[{\"username\":\"x\"}]", "\"string\"", "42", "null", "true"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct browser b;
		br_init(&b);
		struct http_resp r;
		br_json(&b, "POST", "/api/register", bad[i], &r);
		CHECK_MSG(cl_is_error(&r, 400, "bad_request"), "%s: %d %.120s", bad[i], r.status,
			  r.body);
		hc_free(&r);
		br_json(&b, "POST", "/api/login", bad[i], &r);
		CHECK_MSG(cl_is_error(&r, 400, "bad_request"), "login %s: %d %.120s", bad[i],
			  r.status, r.body);
		hc_free(&r);
	}
}

/* Invalid UTF-8 sequences: overlong forms, surrogates, above U+10FFFF,
 * stray continuation bytes, truncated sequences. */
static const char *const bad_utf8[] = {
	"\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xc1\xbf",     /* overlong */
	"\xed\xa0\x80", "\xed\xbf\xbf",                                   /* surrogates */
	"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",                   /* > U+10FFFF */
	"\x80", "\xe6\xbc",                                               /* stray, cut */
};
static const char *const bad_utf8_pct[] = {
	"%C0%AF", "%E0%80%AF", "%F0%80%80%AF", "%C1%BF", "%ED%A0%80", "%ED%BF%BF",
	"%F4%90%80%80", "%F5%80%80%80", "%FF", "%80", "%E6%BC",
};
#define N_BAD_UTF8 (sizeof bad_utf8 / sizeof *bad_utf8)

TEST(test_api_invalid_utf8_in_json_body_is_400)
{
	struct browser user;
	br_init(&user);
	char name[33];
	cl_new_user(&user, name, "utf8bad");
	for (size_t i = 0; i < N_BAD_UTF8; i++) {
		char body[256];
		snprintf(body, sizeof body, "{\"title\":\"bad %s here\",\"content\":\"x\"}",
			 bad_utf8[i]);
		struct http_resp r;
		/* Logged in: 400 and not a 201 or a 422. */
		br_json(&user, "POST", "/api/articles", body, &r);
		CHECK_MSG(cl_is_error(&r, 400, "bad_request"), "articles #%zu: %d %.120s", i,
			  r.status, r.body);
		hc_free(&r);
		struct browser anon;
		br_init(&anon);
		snprintf(body, sizeof body, "{\"username\":\"u%s\",\"password\":\"%s\"}",
			 bad_utf8[i], CL_PASSWORD);
		br_json(&anon, "POST", "/api/register", body, &r);
		CHECK_MSG(cl_is_error(&r, 400, "bad_request"), "register #%zu: %d %.120s", i,
			  r.status, r.body);
		hc_free(&r);
	}
}

TEST(test_invalid_utf8_or_bad_percent_encoding_in_url_is_400)
{
	char path[256];
	for (size_t i = 0; i < N_BAD_UTF8; i++) {
		const char *fmts[] = {"/api/articles?page=%s", "/articles?x=%s",
				      "/api/users/a%s/articles", "/users/a%s"};
		for (int f = 0; f < 4; f++) {
			snprintf(path, sizeof path, fmts[f], bad_utf8_pct[i]);
			struct http_resp r;
			cl_get(path, &r);
			CHECK_MSG(r.status == 400, "%s: %d", path, r.status);
			if (f == 0 || f == 2)
				CHECK_MSG(cl_is_error(&r, 400, "bad_request"), "%s: not the error JSON",
					  path);
			hc_free(&r);
		}
	}
	const char *bad_pct[] = {"/api/articles?page=%zz", "/api/articles?page=%4",
				 "/api/articles?page=1%", "/articles?page=%G1", "/articles/%zz",
				 "/users/%4x"};
	for (size_t i = 0; i < sizeof bad_pct / sizeof *bad_pct; i++) {
		struct http_resp r;
		cl_get(bad_pct[i], &r);
		CHECK_MSG(r.status == 400, "%s: %d", bad_pct[i], r.status);
		hc_free(&r);
	}
}

TEST(test_raw_invalid_utf8_bytes_in_url_are_400)
{
	for (size_t i = 0; i < N_BAD_UTF8; i++) {
		char req[256];
		int n = snprintf(req, sizeof req,
				 "GET /articles?x=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				 "Connection: close\r\n\r\n",
				 bad_utf8[i]);
		struct http_resp r;
		hc_raw(hc_port(), req, (size_t)n, &r);
		CHECK_MSG(r.status == 400, "raw #%zu: %d", i, r.status);
		hc_free(&r);
	}
}

TEST(test_invalid_form_body_is_400_before_the_csrf_check)
{
	/* No csrf_token at all: an undecodable body answers first. */
	const char *bodies[] = {"username=%C0%AF&password=abcdefgh", "username=%zz&password=x",
				"username=a%ED%A0%80&password=abcdefgh", "username=%",
				"username=\xff&password=abcdefgh"};
	const char *paths[] = {"/login", "/register"};
	for (int p = 0; p < 2; p++) {
		for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
			struct browser b;
			br_init(&b);
			struct http_resp r;
			post_raw(&b, paths[p], "application/x-www-form-urlencoded", bodies[i],
				 strlen(bodies[i]), &r);
			CHECK_MSG(r.status == 400, "%s <- %s: %d", paths[p], bodies[i], r.status);
			hc_free(&r);
		}
	}
}

/* A body of exactly n bytes: a JSON object padded with spaces. */
static char *json_body(size_t n)
{
	char *b = malloc(n + 1);
	memset(b, ' ', n);
	const char *j = "{\"title\":\"big\",\"content\":\"x\"}";
	memcpy(b, j, strlen(j));
	b[n] = '\0';
	return b;
}

/* A form body of exactly n bytes. */
static char *form_body(size_t n)
{
	char *b = malloc(n + 1);
	memset(b, 'a', n);
	memcpy(b, "username=", 9);
	b[n] = '\0';
	return b;
}

TEST(test_body_one_byte_over_max_is_413_on_real_routes)
{
	struct browser anon;
	br_init(&anon);
	char *j = json_body(MAX_BODY + 1), *f = form_body(MAX_BODY + 1);
	struct http_resp r;
	br_request(&anon, "POST", "/api/articles", "Content-Type: application/json\r\n", j,
		   MAX_BODY + 1, &r);
	CHECK_MSG(cl_is_error(&r, 413, "payload_too_large"), "%d %.100s", r.status, r.body);
	hc_free(&r);
	/* 413 before 415. */
	br_request(&anon, "POST", "/api/articles", "Content-Type: text/plain\r\n", j, MAX_BODY + 1,
		   &r);
	CHECK_MSG(cl_is_error(&r, 413, "payload_too_large"), "text/plain: %d", r.status);
	hc_free(&r);
	br_request(&anon, "POST", "/api/register", "Content-Type: application/json\r\n", j,
		   MAX_BODY + 1, &r);
	CHECK_STATUS(r, 413);
	hc_free(&r);
	/* 413 before the CSRF 403 on the HTML forms. */
	const char *forms[] = {"/login", "/register", "/articles", "/logout"};
	for (int i = 0; i < 4; i++) {
		post_raw(&anon, forms[i], "application/x-www-form-urlencoded", f, MAX_BODY + 1, &r);
		CHECK_MSG(r.status == 413, "%s: %d", forms[i], r.status);
		hc_free(&r);
	}
	free(j);
	free(f);
}

TEST(test_body_of_exactly_max_is_not_413)
{
	struct browser anon;
	br_init(&anon);
	char *j = json_body(MAX_BODY), *f = form_body(MAX_BODY);
	struct http_resp r;
	/* Anonymous: the next check that fails is the login, 401. */
	br_request(&anon, "POST", "/api/articles", "Content-Type: application/json\r\n", j,
		   MAX_BODY, &r);
	CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "%d %.100s", r.status, r.body);
	hc_free(&r);
	/* No csrf_token: 403. */
	post_raw(&anon, "/login", "application/x-www-form-urlencoded", f, MAX_BODY, &r);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	free(j);
	free(f);
}

TEST(test_big_body_to_unknown_path_is_404_and_to_wrong_method_405)
{
	char *j = json_body(MAX_BODY + 1);
	struct http_resp r;
	cl_request("POST", "/api/no-such-route", "Content-Type: application/json\r\n", j,
		   MAX_BODY + 1, &r);
	CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%d", r.status);
	hc_free(&r);
	cl_request("POST", "/no-such-page", "Content-Type: application/x-www-form-urlencoded\r\n",
		   j, MAX_BODY + 1, &r);
	CHECK_STATUS(r, 404);
	hc_free(&r);
	cl_request("POST", "/api/me", "Content-Type: application/json\r\n", j, MAX_BODY + 1, &r);
	CHECK_MSG(cl_is_error(&r, 405, "method_not_allowed"), "%d", r.status);
	hc_free(&r);
	cl_request("POST", "/articles/new", "Content-Type: application/x-www-form-urlencoded\r\n",
		   j, MAX_BODY + 1, &r);
	CHECK_STATUS(r, 405);
	hc_free(&r);
	free(j);
}

/* A worker closes its connection as soon as it has answered (after
 * reading what is left of the body): an answer given without reading a
 * large body must still arrive whole every time, never as nginx's 502. */
TEST(test_answers_given_before_reading_a_large_body_arrive_every_time)
{
	char *j = json_body(MAX_BODY + 1);
	int ok = 0;
	for (int i = 0; i < 20; i++) {
		struct http_resp r;
		cl_request("POST", i % 2 ? "/api/no-such-route" : "/api/me",
			   "Content-Type: application/json\r\n", j, MAX_BODY + 1, &r);
		if (cl_is_error(&r, i % 2 ? 404 : 405, i % 2 ? "not_found" : "method_not_allowed"))
			ok++;
		else
			CHECK_MSG(false, "request %d: %d %.80s", i, r.status, r.body);
		hc_free(&r);
	}
	CHECK_INT(ok, 20);
	free(j);
}

TEST(test_unknown_paths_are_404_json_under_api_html_elsewhere)
{
	const char *api[] = {"/api", "/api/", "/api/articles/1/comments", "/api/user"};
	for (size_t i = 0; i < sizeof api / sizeof *api; i++) {
		struct http_resp r;
		cl_get(api[i], &r);
		CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%s: %d %.100s", api[i], r.status,
			  r.body);
		hc_free(&r);
	}
	const char *html[] = {"/nothing", "/articles/1/edit", "/users", "/courses/1/students"};
	for (size_t i = 0; i < sizeof html / sizeof *html; i++) {
		struct http_resp r;
		cl_get(html[i], &r);
		CHECK_MSG(r.status == 404 && cl_is_html(&r), "%s: %d %s", html[i], r.status,
			  cl_header(&r, "Content-Type"));
		hc_free(&r);
	}
}

TEST(test_wrong_methods_are_405_with_allow)
{
	struct {
		const char *method, *path, *allow;
		bool api;
	} cases[] = {
		{"POST", "/api/me", "GET", true},
		{"DELETE", "/api/courses", "GET", true},
		{"PUT", "/api/login", "POST", true},
		{"GET", "/api/register", "POST", true},
		{"GET", "/articles/1/delete", "POST", false},
		{"GET", "/courses/1/select", "POST", false},
		{"GET", "/courses/1/drop", "POST", false},
		{"DELETE", "/articles", "GET", false},
		{"PUT", "/login", "POST", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct http_resp r;
		cl_request(cases[i].method, cases[i].path,
			   cases[i].api ? "Content-Type: application/json\r\n" : NULL,
			   cases[i].api ? "{}" : NULL, cases[i].api ? 2 : 0, &r);
		CHECK_MSG(r.status == 405, "%s %s: %d", cases[i].method, cases[i].path, r.status);
		CHECK_MSG(strstr(cl_header(&r, "Allow"), cases[i].allow) != NULL,
			  "%s %s: Allow '%s'", cases[i].method, cases[i].path, cl_header(&r, "Allow"));
		if (cases[i].api)
			CHECK_MSG(cl_is_error(&r, 405, "method_not_allowed"), "%s %s: %.100s",
				  cases[i].method, cases[i].path, r.body);
		hc_free(&r);
	}
}

TEST(test_security_headers_on_pages_api_and_errors)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "headers");
	char user_page[64];
	snprintf(user_page, sizeof user_page, "/users/%s", name);
	const char *paths[] = {"/",         "/articles",    "/login",      "/register",
			       "/courses",  "/me/courses",  user_page,     "/articles/new",
			       "/api/me",   "/api/courses", "/api/articles", "/articles/999999999",
			       "/api/nope"};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		struct http_resp r;
		br_get(&b, paths[i], &r);
		CHECK_MSG(!strcmp(cl_header(&r, "X-Content-Type-Options"), "nosniff"), "%s",
			  paths[i]);
		CHECK_MSG(!strcmp(cl_header(&r, "X-Frame-Options"), "DENY"), "%s", paths[i]);
		CHECK_MSG(cl_header(&r, "Content-Security-Policy")[0] != '\0', "%s", paths[i]);
		CHECK_MSG(cl_header(&r, "Referrer-Policy")[0] != '\0', "%s", paths[i]);
		hc_free(&r);
	}
}

TEST(test_pages_are_text_html_utf8)
{
	const char *paths[] = {"/", "/articles", "/login", "/register", "/courses"};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		struct http_resp r;
		cl_get(paths[i], &r);
		CHECK_MSG(r.status == 200 && cl_is_html(&r), "%s: %d %s", paths[i], r.status,
			  cl_header(&r, "Content-Type"));
		hc_free(&r);
	}
}

TEST(test_malformed_cookie_header_still_reads_the_good_session)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "cookies");
	char h[2048];
	snprintf(h, sizeof h, "Cookie: ;;=;junk; session=%s; a=\"b; =x; \x01=\x02\r\n",
		 cl_nz(br_cookie(&b, "session")));
	struct http_resp r;
	cl_request("GET", "/api/me", h, NULL, 0, &r);
	CHECK_STATUS(r, 200);
	json_object *o = cl_json(&r);
	CHECK_STR(cl_jstr(o, "username"), name);
	json_object_put(o);
	hc_free(&r);
}
