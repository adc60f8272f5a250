/* End-to-end tests of the hardening promises of SPEC sections 6, 7 and 10:
 * login throttling per account and per client address (stored in MariaDB,
 * so shared by the workers), the CSRF cookie re-issued at login and
 * logout, Cache-Control: no-store, a NUL in the URL and lone surrogates in
 * JSON refused with 400, and stored hashes upgraded at login.
 *
 * Each throttling test speaks from its own loopback address (127.0.14.x):
 * the server sees it as REMOTE_ADDR, so one test's failures never count
 * against another's. The stack runs with the defaults: 5 failures per
 * account, 50 per address, a 900 s window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <sodium.h>

#include "client.h"
#include "test.h"

#define ACCOUNT_FAILURES 5
#define ADDRESS_FAILURES 50
#define WINDOW 900

static int api_login_from(const char *addr, const char *name, const char *password,
			  struct http_resp *r)
{
	char body[256];
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", name, password);
	hc_set_source(addr);
	int rc = cl_request("POST", "/api/login", "Content-Type: application/json\r\n", body,
			    strlen(body), r);
	hc_set_source(NULL);
	return rc;
}

static int api_login_status(const char *addr, const char *name, const char *password)
{
	struct http_resp r;
	int s = api_login_from(addr, name, password, &r) == 0 ? r.status : -1;
	hc_free(&r);
	return s;
}

/* A Retry-After of whole seconds within the window. */
static bool retry_after_ok(const struct http_resp *r)
{
	const char *v = cl_header(r, "Retry-After");
	if (!*v)
		return false;
	char *end;
	long s = strtol(v, &end, 10);
	return !*end && s >= 1 && s <= WINDOW;
}

TEST(test_sixth_wrong_login_for_an_account_is_429_with_retry_after_even_with_the_right_password)
{
	const char *addr = "127.0.14.1";
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "thr");
	for (int i = 0; i < ACCOUNT_FAILURES; i++)
		CHECK_INT(api_login_status(addr, name, "wrong password!"), 401);
	struct http_resp r;
	CHECK_INT(api_login_from(addr, name, "wrong password!", &r), 0);
	CHECK_MSG(cl_is_error(&r, 429, "too_many_requests"), "6th wrong login: %d %s", r.status,
		  r.body);
	CHECK_MSG(retry_after_ok(&r), "Retry-After '%s'", cl_header(&r, "Retry-After"));
	hc_free(&r);
	/* the right password does not get through while throttled */
	CHECK_INT(api_login_from(addr, name, CL_PASSWORD, &r), 0);
	CHECK_MSG(cl_is_error(&r, 429, "too_many_requests"), "right password: %d", r.status);
	CHECK(cl_set_cookie(&r, "session", (char[512]){0}, 512) == NULL);
	hc_free(&r);
	/* ... from any address: the account's count is the account's */
	CHECK_INT(api_login_status("127.0.14.2", name, CL_PASSWORD), 429);
}

TEST(test_throttled_login_form_is_429_with_the_form_and_the_wait_in_minutes)
{
	const char *addr = "127.0.14.3";
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "thrf");
	for (int i = 0; i < ACCOUNT_FAILURES; i++)
		CHECK_INT(api_login_status(addr, name, "wrong password!"), 401);
	struct browser f;
	br_init(&f);
	struct http_resp r;
	hc_set_source(addr);
	cl_html_login(&f, name, CL_PASSWORD, NULL, NULL, &r);
	hc_set_source(NULL);
	CHECK_STATUS(r, 429);
	CHECK(cl_is_html(&r));
	CHECK_MSG(strstr(r.body, "Too many attempts, try again in 15 minutes") != NULL, "%.300s",
		  r.body);
	CHECK(cl_has_form(r.body, "/login"));
	CHECK_MSG(retry_after_ok(&r), "Retry-After '%s'", cl_header(&r, "Retry-After"));
	CHECK(cl_set_cookie(&r, "session", (char[512]){0}, 512) == NULL);
	hc_free(&r);
}

TEST(test_another_account_from_the_same_address_still_logs_in)
{
	const char *addr = "127.0.14.4";
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	char victim[33], other[33];
	cl_new_user(&a, victim, "thrv");
	cl_new_user(&b, other, "thro");
	for (int i = 0; i < ACCOUNT_FAILURES + 1; i++)
		api_login_status(addr, victim, "wrong password!");
	CHECK_INT(api_login_status(addr, victim, CL_PASSWORD), 429);
	CHECK_INT(api_login_status(addr, other, CL_PASSWORD), 200);
}

TEST(test_unknown_username_is_throttled_like_an_existing_one)
{
	const char *addr = "127.0.14.5";
	char ghost[33];
	cl_unique_name(ghost, "ghost");
	for (int i = 0; i < ACCOUNT_FAILURES; i++)
		CHECK_INT(api_login_status(addr, ghost, "wrong password!"), 401);
	struct http_resp r;
	CHECK_INT(api_login_from(addr, ghost, "wrong password!", &r), 0);
	CHECK_MSG(cl_is_error(&r, 429, "too_many_requests"), "%d %s", r.status, r.body);
	CHECK(retry_after_ok(&r));
	hc_free(&r);
}

TEST(test_a_success_resets_the_account_count)
{
	const char *addr = "127.0.14.6";
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "thrr");
	for (int i = 0; i < ACCOUNT_FAILURES - 1; i++)
		CHECK_INT(api_login_status(addr, name, "wrong password!"), 401);
	CHECK_INT(api_login_status(addr, name, CL_PASSWORD), 200);
	/* four more wrong ones are again under the limit */
	for (int i = 0; i < ACCOUNT_FAILURES - 1; i++)
		CHECK_INT(api_login_status(addr, name, "wrong password!"), 401);
	CHECK_INT(api_login_status(addr, name, CL_PASSWORD), 200);
}

TEST(test_address_limit_throttles_every_account_from_that_address_only)
{
	const char *addr = "127.0.14.7";
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "thra");
	/* 50 failures spread over names, none reaching its account limit */
	char other[33];
	for (int i = 0; i < ADDRESS_FAILURES; i++) {
		if (i % (ACCOUNT_FAILURES - 1) == 0)
			cl_unique_name(other, "spray");
		CHECK_MSG(api_login_status(addr, other, "wrong password!") == 401, "failure %d", i + 1);
	}
	struct http_resp r;
	CHECK_INT(api_login_from(addr, name, CL_PASSWORD, &r), 0);
	CHECK_MSG(cl_is_error(&r, 429, "too_many_requests"), "%d %s", r.status, r.body);
	CHECK(retry_after_ok(&r));
	hc_free(&r);
	/* the same account from another address is fine */
	CHECK_INT(api_login_status("127.0.14.8", name, CL_PASSWORD), 200);
	/* and the blocked address registers nobody either: 429, no user */
	char fresh[33], body[256];
	cl_unique_name(fresh, "blkreg");
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", fresh, CL_PASSWORD);
	hc_set_source(addr);
	int rc = cl_request("POST", "/api/register", "Content-Type: application/json\r\n", body, strlen(body), &r);
	hc_set_source(NULL);
	CHECK_INT(rc, 0);
	CHECK_MSG(cl_is_error(&r, 429, "too_many_requests"), "register from a blocked address: %d %s", r.status,
		  r.body);
	CHECK(retry_after_ok(&r));
	hc_free(&r);
	CHECK_INT(api_login_status("127.0.14.8", fresh, CL_PASSWORD), 401);
}

/* ---- CSRF cookie rotation, Cache-Control ---- */

static int select_with(struct browser *b, long long course, const char *token)
{
	char path[64], body[128];
	snprintf(path, sizeof path, "/courses/%lld/select", course);
	snprintf(body, sizeof body, "csrf_token=%s", token);
	struct http_resp r;
	int s = br_request(b, "POST", path, "Content-Type: application/x-www-form-urlencoded\r\n",
			   body, strlen(body), &r) == 0 ? r.status : -1;
	hc_free(&r);
	return s;
}

TEST(test_form_token_taken_before_login_is_refused_after_it)
{
	char cname[33];
	cl_unique_letters(cname, "rot");
	long long course = cl_create_course(cname, 10, 2);
	CHECK(course > 0);
	struct browser reg, b;
	br_init(&reg);
	br_init(&b);
	char name[33];
	cl_new_user(&reg, name, "rot");
	char before[128];
	CHECK(br_csrf(&b, "/login", before, sizeof before));
	char old_cookie[1024];
	snprintf(old_cookie, sizeof old_cookie, "%s", cl_nz(br_cookie(&b, "csrf")));
	struct http_resp r;
	cl_html_login(&b, name, CL_PASSWORD, NULL, NULL, &r);
	CHECK_STATUS(r, 303);
	char line[1024];
	CHECK_MSG(cl_set_cookie(&r, "csrf", line, sizeof line) != NULL, "login set no csrf cookie");
	hc_free(&r);
	CHECK(strcmp(old_cookie, cl_nz(br_cookie(&b, "csrf"))) != 0);
	CHECK_INT(select_with(&b, course, before), 403);
	/* the logged-in page's own token works */
	char now[128];
	CHECK(br_csrf(&b, "/courses", now, sizeof now));
	CHECK_INT(select_with(&b, course, now), 303);
}

TEST(test_logout_issues_a_new_csrf_cookie)
{
	struct browser b;
	br_init(&b);
	char name[33], token[128];
	cl_new_user(&b, name, "rotout");
	CHECK(br_csrf(&b, "/", token, sizeof token));
	char old_cookie[1024];
	snprintf(old_cookie, sizeof old_cookie, "%s", cl_nz(br_cookie(&b, "csrf")));
	struct http_resp r;
	CHECK_INT(br_post_form(&b, "/logout", &r, "csrf_token", token, NULL), 0);
	CHECK_STATUS(r, 303);
	char line[1024];
	CHECK_MSG(cl_set_cookie(&r, "csrf", line, sizeof line) != NULL, "logout set no csrf cookie");
	hc_free(&r);
	CHECK(strcmp(old_cookie, cl_nz(br_cookie(&b, "csrf"))) != 0);
}

static const char *cache_control(struct browser *b, const char *path, char *out, size_t n)
{
	struct http_resp r;
	br_get(b, path, &r);
	snprintf(out, n, "%s", cl_header(&r, "Cache-Control"));
	hc_free(&r);
	return out;
}

TEST(test_responses_to_a_logged_in_user_and_pages_with_a_token_are_no_store)
{
	struct browser b, anon;
	br_init(&b);
	br_init(&anon);
	char name[33], cc[128];
	cl_new_user(&b, name, "nostore");
	static const char *const mine[] = {"/api/me", "/me/courses", "/api/me/courses", "/",
					   "/api/articles?page=1", "/courses"};
	for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++)
		CHECK_MSG(!strcmp(cache_control(&b, mine[i], cc, sizeof cc), "no-store"),
			  "logged in %s: Cache-Control '%s'", mine[i], cc);
	/* anonymous: a page with a form token is no-store, public JSON is not */
	CHECK_MSG(!strcmp(cache_control(&anon, "/login", cc, sizeof cc), "no-store"), "/login: '%s'",
		  cc);
	CHECK_MSG(!strcmp(cache_control(&anon, "/register", cc, sizeof cc), "no-store"),
		  "/register: '%s'", cc);
	CHECK_MSG(!*cache_control(&anon, "/api/articles?page=1", cc, sizeof cc),
		  "anonymous /api/articles: '%s'", cc);
}

/* ---- input edges ---- */

TEST(test_nul_anywhere_in_the_url_is_400)
{
	static const char *const paths[] = {"/articles?page=1%00",  "/articles?page%00=1",
					    "/api/articles?page=1%00", "/articles/1%00",
					    "/users/alice%00",         "/api/courses/1%00"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http_resp r;
		cl_get(paths[i], &r);
		CHECK_MSG(r.status == 400, "%s answered %d", paths[i], r.status);
		/* a NUL in the path nginx refuses itself (its own HTML 400);
		 * one in the query string reaches Flacon: JSON under /api */
		if (!strncmp(paths[i], "/api/", 5) && strchr(paths[i], '?'))
			CHECK_MSG(cl_is_error(&r, 400, "bad_request"), "%s: %s", paths[i], r.body);
		hc_free(&r);
	}
	/* an escaped percent sign is not a NUL */
	struct http_resp ok;
	cl_get("/articles?page=1&x=%2500", &ok);
	CHECK_STATUS(ok, 200);
	hc_free(&ok);
}

TEST(test_lone_surrogate_escapes_in_json_are_400_and_a_pair_is_accepted)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "surr");
	static const char *const bad[] = {
		"{\"title\":\"\\ud800\",\"content\":\"c\"}",
		"{\"title\":\"a\\udc00b\",\"content\":\"c\"}",
		"{\"title\":\"t\",\"content\":\"x\\ud83d\"}",
		"{\"title\":\"\\ud83d\\u0041\",\"content\":\"c\"}",
		"{\"title\":\"\\uDBFF\\uDBFF\\uDC00\",\"content\":\"c\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct http_resp r;
		br_json(&b, "POST", "/api/articles", bad[i], &r);
		CHECK_MSG(cl_is_error(&r, 400, "bad_request"), "%s answered %d", bad[i], r.status);
		hc_free(&r);
	}
	static const char *const good[] = {
		"{\"title\":\"smile \\ud83d\\ude00\",\"content\":\"c\"}",
		"{\"title\":\"not an escape \\\\ud800\",\"content\":\"c\"}",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct http_resp r;
		br_json(&b, "POST", "/api/articles", good[i], &r);
		CHECK_MSG(r.status == 201, "%s answered %d", good[i], r.status);
		hc_free(&r);
	}
}

/* ---- password hashes follow the parameters ---- */

/* UPDATE user SET password = ? WHERE username = ? (bound values), or
 * read it back when set is NULL into out. */
static bool user_password(MYSQL *m, const char *name, const char *set, char *out, size_t n)
{
	MYSQL_STMT *st = mysql_stmt_init(m);
	const char *sql = set ? "UPDATE user SET password = ? WHERE username = ?"
			      : "SELECT password FROM user WHERE username = ?";
	MYSQL_BIND p[2], res[1];
	memset(p, 0, sizeof p);
	memset(res, 0, sizeof res);
	int i = 0;
	unsigned long lens[2];
	if (set) {
		lens[i] = strlen(set);
		p[i].buffer_type = MYSQL_TYPE_STRING;
		p[i].buffer = (void *)set;
		p[i].length = &lens[i];
		i++;
	}
	lens[i] = strlen(name);
	p[i].buffer_type = MYSQL_TYPE_STRING;
	p[i].buffer = (void *)name;
	p[i].length = &lens[i];
	unsigned long got = 0;
	res[0].buffer_type = MYSQL_TYPE_STRING;
	res[0].buffer = out;
	res[0].buffer_length = n;
	res[0].length = &got;
	bool ok = st && !mysql_stmt_prepare(st, sql, strlen(sql)) && !mysql_stmt_bind_param(st, p) &&
		  !mysql_stmt_execute(st);
	if (ok && !set)
		ok = !mysql_stmt_bind_result(st, res) && mysql_stmt_fetch(st) == 0 && got < n;
	if (ok && !set)
		out[got] = '\0';
	CHECK_MSG(ok, "%s: %s", sql, st ? mysql_stmt_error(st) : "no memory");
	if (st)
		mysql_stmt_close(st);
	return ok;
}

TEST(test_login_rehashes_a_password_stored_with_weaker_parameters)
{
	MYSQL *m = cl_db_open();
	if (!m)
		return;
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "rehash");
	/* what an older release with cheaper parameters would have stored */
	char weak[crypto_pwhash_STRBYTES];
	CHECK(sodium_init() >= 0);
	CHECK(crypto_pwhash_str_alg(weak, CL_PASSWORD, strlen(CL_PASSWORD), 1, 8192 * 1024,
				    crypto_pwhash_ALG_ARGON2ID13) == 0);
	CHECK(user_password(m, name, weak, NULL, 0));
	char stored[256];
	CHECK(user_password(m, name, NULL, stored, sizeof stored));
	CHECK_MSG(strstr(stored, "m=8192,t=1,") != NULL, "set up: %s", stored);
	/* a wrong password changes nothing */
	CHECK_INT(api_login_status("127.0.14.9", name, "wrong password!"), 401);
	CHECK(user_password(m, name, NULL, stored, sizeof stored));
	CHECK_STR(stored, weak);
	/* the right one logs in with the old hash and stores a new one */
	CHECK_INT(api_login_status("127.0.14.9", name, CL_PASSWORD), 200);
	CHECK(user_password(m, name, NULL, stored, sizeof stored));
	CHECK_MSG(strstr(stored, "$argon2id$v=19$m=19456,t=2,p=1$") == stored, "after login: %s",
		  stored);
	CHECK(crypto_pwhash_str_verify(stored, CL_PASSWORD, strlen(CL_PASSWORD)) == 0);
	CHECK_INT(api_login_status("127.0.14.9", name, CL_PASSWORD), 200);
	mysql_close(m);
}
