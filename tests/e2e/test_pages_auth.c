/* End-to-end tests of the HTML account pages (SPEC sections 6, 7): GET/POST
 * /register and /login, POST /logout, the home page, CSRF on every form,
 * cookies, redirects to `next`, HTML escaping of reflected input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "test.h"

/* True when r sets no session cookie with a value. */
static bool no_session_cookie(const struct http_resp *r)
{
	char line[2048], v[1024];
	return !cl_set_cookie(r, "session", line, sizeof line) ||
	       cl_cookie_value(line, v, sizeof v)[0] == '\0';
}

/* The username of b's session per GET /api/me, or "" when anonymous. */
static const char *who(struct browser *b, char *out, size_t n)
{
	struct http_resp r;
	br_get(b, "/api/me", &r);
	json_object *o = cl_json(&r);
	snprintf(out, n, "%s", r.status == 200 && cl_jstr(o, "username") ? cl_jstr(o, "username") : "");
	json_object_put(o);
	hc_free(&r);
	return out;
}

TEST(test_register_page_is_a_form_with_a_csrf_token)
{
	struct browser b;
	br_init(&b);
	struct http_resp r;
	br_get(&b, "/register", &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_is_html(&r));
	CHECK(cl_has_form(r.body, "/register"));
	CHECK(strstr(r.body, "name=\"username\"") != NULL);
	CHECK(strstr(r.body, "name=\"password\"") != NULL);
	hc_free(&r);
	char tok[256];
	CHECK(br_csrf(&b, "/register", tok, sizeof tok) && strlen(tok) >= 16);
	CHECK(br_cookie(&b, "session") == NULL);
}

TEST(test_register_form_success_is_303_to_root_and_logs_in)
{
	struct browser b;
	br_init(&b);
	char name[33], me[64];
	cl_unique_name(name, "htmlreg");
	struct http_resp r;
	cl_html_register(&b, name, CL_PASSWORD, &r);
	CHECK_STATUS(r, 303);
	char loc[256];
	CHECK_STR(cl_location(&r, loc, sizeof loc), "/");
	cl_check_cookie(&r, "session", 2678400, true);
	hc_free(&r);
	CHECK_STR(who(&b, me, sizeof me), name);
	br_get(&b, "/", &r);
	CHECK(strstr(r.body, name) != NULL);
	hc_free(&r);
}

TEST(test_register_form_invalid_is_422_with_the_form)
{
	char longname[40];
	memset(longname, 'n', 33);
	longname[33] = '\0';
	const char *cases[][2] = {{"ab", CL_PASSWORD}, {longname, CL_PASSWORD},
				  {"bad name", CL_PASSWORD}, {NULL, "short"}, {NULL, ""}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct browser b;
		br_init(&b);
		char name[33];
		cl_unique_name(name, "inval");
		const char *u = cases[i][0] ? cases[i][0] : name;
		struct http_resp r;
		cl_html_register(&b, u, cases[i][1], &r);
		CHECK_MSG(r.status == 422, "case %zu: %d", i, r.status);
		CHECK(cl_is_html(&r));
		CHECK_MSG(cl_has_form(r.body, "/register") && strstr(r.body, "name=\"csrf_token\""),
			  "case %zu: no form", i);
		CHECK(no_session_cookie(&r));
		hc_free(&r);
		CHECK(br_cookie(&b, "session") == NULL);
		if (!cases[i][0])
			CHECK_INT(cl_api_login(&b, name, cases[i][1], NULL), 401);
	}
}

TEST(test_register_form_taken_name_is_422_in_any_case)
{
	struct browser a;
	br_init(&a);
	char name[33], other[33];
	cl_unique_name(name, "Taken");
	CHECK_INT(cl_api_register(&a, name, CL_PASSWORD), 201);
	snprintf(other, sizeof other, "%s", name);
	other[0] = 't';
	const char *tries[] = {name, other};
	for (int i = 0; i < 2; i++) {
		struct browser b;
		br_init(&b);
		struct http_resp r;
		cl_html_register(&b, tries[i], "a different password", &r);
		CHECK_MSG(r.status == 422, "%s: %d", tries[i], r.status);
		CHECK(cl_has_form(r.body, "/register"));
		CHECK(no_session_cookie(&r));
		hc_free(&r);
	}
	/* The first account is untouched. */
	struct browser c;
	br_init(&c);
	CHECK_INT(cl_api_login(&c, name, CL_PASSWORD, NULL), 200);
}

TEST(test_register_form_without_or_with_wrong_csrf_token_is_403)
{
	char name[33];
	cl_unique_name(name, "csrfreg");
	struct browser b, other;
	br_init(&b);
	br_init(&other);
	char tok[256], theirs[256];
	br_csrf(&b, "/register", tok, sizeof tok);
	br_csrf(&other, "/register", theirs, sizeof theirs);
	struct http_resp r;
	br_post_form(&b, "/register", &r, "username", name, "password", CL_PASSWORD, NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	br_post_form(&b, "/register", &r, "csrf_token", "", "username", name, "password",
		     CL_PASSWORD, NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	char wrong[256];
	snprintf(wrong, sizeof wrong, "%s", tok);
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	br_post_form(&b, "/register", &r, "csrf_token", wrong, "username", name, "password",
		     CL_PASSWORD, NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	/* Another browser's token: bound to its own cookie, refused here. */
	br_post_form(&b, "/register", &r, "csrf_token", theirs, "username", name, "password",
		     CL_PASSWORD, NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	/* A forged request with no cookie at all but a real token. */
	struct browser forger;
	br_init(&forger);
	br_post_form(&forger, "/register", &r, "csrf_token", tok, "username", name, "password",
		     CL_PASSWORD, NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	CHECK(br_cookie(&b, "session") == NULL);
	CHECK_INT(cl_api_login(&b, name, CL_PASSWORD, NULL), 401);
}

TEST(test_login_page_is_a_form_with_the_spec_field_names)
{
	struct browser b;
	br_init(&b);
	struct http_resp r;
	br_get(&b, "/login?next=/courses", &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_is_html(&r));
	const char *fields[] = {"name=\"username\"", "name=\"password\"", "name=\"remember\"",
				"name=\"next\"", "name=\"csrf_token\""};
	CHECK(cl_has_form(r.body, "/login"));
	for (int i = 0; i < 5; i++)
		CHECK_MSG(strstr(r.body, fields[i]) != NULL, "no %s", fields[i]);
	CHECK_MSG(strstr(r.body, "value=\"/courses\"") != NULL, "next not carried in the form");
	CHECK(no_session_cookie(&r));
	hc_free(&r);
}

TEST(test_login_form_success_is_303_to_root_with_a_new_session)
{
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	char name[33], me[64];
	cl_new_user(&a, name, "htmllog");
	struct http_resp r;
	cl_html_login(&b, name, CL_PASSWORD, NULL, NULL, &r);
	CHECK_STATUS(r, 303);
	char loc[256];
	CHECK_STR(cl_location(&r, loc, sizeof loc), "/");
	cl_check_cookie(&r, "session", 2678400, true);
	CHECK(cl_set_cookie(&r, "username", loc, sizeof loc) == NULL);
	hc_free(&r);
	CHECK_STR(who(&b, me, sizeof me), name);
	/* Logging in again in a logged-in browser changes the token. */
	char before[1024];
	snprintf(before, sizeof before, "%s", cl_nz(br_cookie(&a, "session")));
	cl_html_login(&a, name, CL_PASSWORD, NULL, NULL, &r);
	CHECK_STATUS(r, 303);
	hc_free(&r);
	CHECK(br_cookie(&a, "session") && strcmp(br_cookie(&a, "session"), before) != 0);
	CHECK_STR(who(&a, me, sizeof me), name);
}

TEST(test_login_redirects_to_next_only_when_it_is_a_local_path)
{
	struct browser a;
	br_init(&a);
	char name[33];
	cl_new_user(&a, name, "next");
	struct {
		const char *next, *want;
	} cases[] = {
		{"/articles?page=2", "/articles?page=2"},
		{"/me/courses", "/me/courses"},
		{"//evil.com", "/"},
		{"//evil.com/path", "/"},
		{"/\\evil", "/"},
		{"/\\/evil.com", "/"},
		{"http://x", "/"},
		{"https://evil.com/", "/"},
		{"evil", "/"},
		{"", "/"},
		{"/ok\r\nSet-Cookie: x=1", "/"},
		{"/tab\there", "/"},
		{"/del\x7f", "/"},
		{"javascript:alert(1)", "/"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct browser b;
		br_init(&b);
		struct http_resp r;
		cl_html_login(&b, name, CL_PASSWORD, NULL, cases[i].next, &r);
		char loc[512];
		cl_location(&r, loc, sizeof loc);
		CHECK_MSG(r.status == 303 && !strcmp(loc, cases[i].want),
			  "next=%s: %d Location '%s', want '%s'", cases[i].next, r.status, loc,
			  cases[i].want);
		CHECK_MSG(!strchr(loc, '\r') && !strchr(loc, '\n'), "raw CR/LF in Location");
		hc_free(&r);
	}
}

TEST(test_login_failure_is_422_with_message_and_no_session_cookie)
{
	struct browser a;
	br_init(&a);
	char name[33];
	cl_new_user(&a, name, "logfail");
	const char *cases[][2] = {{name, "not the password"}, {"no_such_user_here", CL_PASSWORD},
				  {name, ""}};
	for (int i = 0; i < 3; i++) {
		struct browser b;
		br_init(&b);
		struct http_resp r;
		cl_html_login(&b, cases[i][0], cases[i][1], "1", NULL, &r);
		CHECK_MSG(r.status == 422, "case %d: %d", i, r.status);
		CHECK(cl_is_html(&r));
		CHECK_MSG(strstr(r.body, "Invalid username or password") != NULL, "case %d", i);
		CHECK(cl_has_form(r.body, "/login"));
		CHECK(no_session_cookie(&r));
		CHECK(cl_set_cookie(&r, "username", (char[64]){0}, 64) == NULL);
		hc_free(&r);
		CHECK(br_cookie(&b, "session") == NULL);
	}
}

TEST(test_login_with_remember_values_sets_the_username_cookie)
{
	struct browser a;
	br_init(&a);
	char name[33];
	cl_new_user(&a, name, "rem");
	const char *yes[] = {"1", "on", "true", "yes"};
	for (int i = 0; i < 4; i++) {
		struct browser b;
		br_init(&b);
		struct http_resp r;
		cl_html_login(&b, name, CL_PASSWORD, yes[i], NULL, &r);
		CHECK_MSG(r.status == 303, "remember=%s: %d", yes[i], r.status);
		cl_check_cookie(&r, "username", 1209600, false);
		CHECK_MSG(br_cookie(&b, "username") && !strcmp(br_cookie(&b, "username"), name),
			  "remember=%s: cookie '%s'", yes[i],
			  br_cookie(&b, "username") ? br_cookie(&b, "username") : "(none)");
		hc_free(&r);
	}
	const char *no[] = {"0", "no", "off", "false"};
	for (int i = 0; i < 4; i++) {
		struct browser b;
		br_init(&b);
		struct http_resp r;
		cl_html_login(&b, name, CL_PASSWORD, no[i], NULL, &r);
		CHECK_MSG(r.status == 303, "remember=%s: %d", no[i], r.status);
		char line[1024];
		CHECK_MSG(cl_set_cookie(&r, "username", line, sizeof line) == NULL,
			  "remember=%s: %s", no[i], line);
		hc_free(&r);
	}
}

TEST(test_login_page_is_prefilled_from_the_username_cookie)
{
	struct browser a;
	br_init(&a);
	char name[33];
	cl_new_user(&a, name, "prefill");
	struct browser b;
	br_init(&b);
	struct http_resp r;
	cl_html_login(&b, name, CL_PASSWORD, "on", NULL, &r);
	hc_free(&r);
	char tok[256];
	br_csrf(&b, "/", tok, sizeof tok);
	br_post_form(&b, "/logout", &r, "csrf_token", tok, NULL);
	CHECK_STATUS(r, 303);
	hc_free(&r);
	CHECK(br_cookie(&b, "username") != NULL);
	br_get(&b, "/login", &r);
	char want[64];
	snprintf(want, sizeof want, "value=\"%s\"", name);
	CHECK_MSG(strstr(r.body, want) != NULL, "login form not pre-filled with %s", name);
	hc_free(&r);
}

TEST(test_logout_is_303_to_root_and_deletes_the_session)
{
	struct browser b, old;
	br_init(&b);
	char name[33], me[64];
	cl_new_user(&b, name, "logout");
	br_copy(&old, &b);
	char tok[256];
	CHECK(br_csrf(&b, "/", tok, sizeof tok));
	struct http_resp r;
	br_post_form(&b, "/logout", &r, "csrf_token", tok, NULL);
	CHECK_STATUS(r, 303);
	char loc[256];
	CHECK_STR(cl_location(&r, loc, sizeof loc), "/");
	cl_check_cookie_deleted(&r, "session");
	hc_free(&r);
	CHECK(br_cookie(&b, "session") == NULL);
	CHECK_STR(who(&b, me, sizeof me), "");
	/* The row is gone: replaying the old cookie is anonymous. */
	CHECK_STR(who(&old, me, sizeof me), "");
	br_get(&b, "/", &r);
	CHECK(strstr(r.body, "action=\"/logout\"") == NULL);
	hc_free(&r);
}

TEST(test_logout_without_or_with_wrong_csrf_is_403_and_stays_logged_in)
{
	struct browser b;
	br_init(&b);
	char name[33], me[64];
	cl_new_user(&b, name, "outcsrf");
	struct http_resp r;
	br_post_form(&b, "/logout", &r, NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	br_post_form(&b, "/logout", &r, "csrf_token", "0123456789abcdef0123456789abcdef0123456789a",
		     NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	CHECK_STR(who(&b, me, sizeof me), name);
}

TEST(test_get_logout_is_405_with_allow_post)
{
	struct browser b;
	br_init(&b);
	char name[33], me[64];
	cl_new_user(&b, name, "getout");
	struct http_resp r;
	br_get(&b, "/logout", &r);
	CHECK_STATUS(r, 405);
	CHECK_MSG(strstr(cl_header(&r, "Allow"), "POST") != NULL, "Allow: %s",
		  cl_header(&r, "Allow"));
	hc_free(&r);
	CHECK_STR(who(&b, me, sizeof me), name);
}

TEST(test_csrf_token_of_one_session_is_refused_in_another)
{
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	char na[33], nb[33], me[64];
	cl_new_user(&a, na, "csrfa");
	cl_new_user(&b, nb, "csrfb");
	char ta[256], tb[256];
	CHECK(br_csrf(&a, "/", ta, sizeof ta));
	CHECK(br_csrf(&b, "/", tb, sizeof tb));
	CHECK(strcmp(ta, tb) != 0);
	struct http_resp r;
	br_post_form(&b, "/logout", &r, "csrf_token", ta, NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	br_post_form(&b, "/articles", &r, "csrf_token", ta, "title", "Cross-session", "content",
		     "x", NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	CHECK_STR(who(&b, me, sizeof me), nb);
	/* An anonymous form's token is no good for a logged-in session. */
	struct browser anon;
	br_init(&anon);
	char tanon[256];
	br_csrf(&anon, "/login", tanon, sizeof tanon);
	br_post_form(&b, "/logout", &r, "csrf_token", tanon, NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	/* Its own token works. */
	br_post_form(&b, "/logout", &r, "csrf_token", tb, NULL);
	CHECK_STATUS(r, 303);
	hc_free(&r);
}

TEST(test_login_form_token_of_another_browser_is_403)
{
	struct browser a;
	br_init(&a);
	char name[33];
	cl_new_user(&a, name, "xsite");
	struct browser victim, attacker;
	br_init(&victim);
	br_init(&attacker);
	char tv[256], ta[256];
	br_csrf(&victim, "/login", tv, sizeof tv);
	br_csrf(&attacker, "/login", ta, sizeof ta);
	struct http_resp r;
	/* The attacker's token in the victim's browser. */
	br_post_form(&victim, "/login", &r, "csrf_token", ta, "username", name, "password",
		     CL_PASSWORD, NULL);
	CHECK_STATUS(r, 403);
	CHECK(no_session_cookie(&r));
	hc_free(&r);
	br_post_form(&victim, "/login", &r, "username", name, "password", CL_PASSWORD, NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	char wrong[256];
	snprintf(wrong, sizeof wrong, "%s", tv);
	wrong[1] = wrong[1] == 'x' ? 'y' : 'x';
	br_post_form(&victim, "/login", &r, "csrf_token", wrong, "username", name, "password",
		     CL_PASSWORD, NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	/* With its own token, the victim's browser logs in. */
	br_post_form(&victim, "/login", &r, "csrf_token", tv, "username", name, "password",
		     CL_PASSWORD, NULL);
	CHECK_STATUS(r, 303);
	hc_free(&r);
}

TEST(test_csrf_403_comes_before_the_login_check_and_validation)
{
	struct browser anon;
	br_init(&anon);
	struct http_resp r;
	/* Anonymous POST /articles without a token: 403, not a 303 to login. */
	br_post_form(&anon, "/articles", &r, "title", "t", "content", "c", NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	/* With a valid anonymous token the next check answers: 303 to login. */
	char tok[256];
	br_csrf(&anon, "/login", tok, sizeof tok);
	br_post_form(&anon, "/articles", &r, "csrf_token", tok, "title", "", "content", "", NULL);
	CHECK_STATUS(r, 303);
	char loc[256];
	cl_location(&r, loc, sizeof loc);
	CHECK_MSG(!strncmp(loc, "/login?next=", 12), "Location '%s'", loc);
	hc_free(&r);
	/* Logged in, invalid title, no token: 403 rather than 422. */
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "order");
	br_post_form(&b, "/articles", &r, "title", "", "content", "", NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	/* Login form without a token and with a wrong password: 403, not 422. */
	br_init(&anon);
	br_post_form(&anon, "/login", &r, "username", name, "password", "wrong wrong", NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
}

TEST(test_home_links_login_register_courses_or_name_and_logout)
{
	struct http_resp r;
	cl_get("/", &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_is_html(&r));
	CHECK(strstr(r.body, "href=\"/login\"") != NULL);
	CHECK(strstr(r.body, "href=\"/register\"") != NULL);
	CHECK(strstr(r.body, "href=\"/courses\"") != NULL);
	CHECK(strstr(r.body, "action=\"/logout\"") == NULL);
	hc_free(&r);
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "home");
	br_get(&b, "/", &r);
	CHECK_STATUS(r, 200);
	CHECK(strstr(r.body, name) != NULL);
	CHECK(strstr(r.body, "action=\"/logout\"") != NULL);
	CHECK(strstr(r.body, "href=\"/courses\"") != NULL);
	char tok[256];
	CHECK(br_csrf(&b, "/", tok, sizeof tok));
	hc_free(&r);
}

TEST(test_home_shows_the_10_newest_articles)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "home10");
	char titles[11][96];
	for (int i = 0; i < 11; i++) {
		snprintf(titles[i], sizeof titles[i], "Home article %s number %02d", name, i);
		CHECK(cl_api_article(&b, titles[i], "x") > 0);
	}
	struct http_resp r;
	cl_get("/", &r);
	CHECK_STATUS(r, 200);
	CHECK_MSG(strstr(r.body, titles[0]) == NULL, "the 11th newest is on the home page");
	const char *prev = r.body;
	for (int i = 10; i >= 1; i--) {
		const char *p = strstr(r.body, titles[i]);
		CHECK_MSG(p != NULL, "missing %s", titles[i]);
		CHECK_MSG(!p || p >= prev, "%s out of order", titles[i]);
		if (p)
			prev = p;
	}
	hc_free(&r);
}

TEST(test_reflected_input_on_login_and_register_pages_is_escaped)
{
	const char *evil = "<script>alert(1)</script>";
	struct browser b;
	br_init(&b);
	struct http_resp r;
	cl_html_login(&b, evil, "whatever password", NULL, NULL, &r);
	CHECK_STATUS(r, 422);
	CHECK(strstr(r.body, evil) == NULL);
	CHECK(strstr(r.body, "&lt;script&gt;") != NULL);
	hc_free(&r);
	br_init(&b);
	cl_html_register(&b, "<img src=x onerror=alert(1)>", CL_PASSWORD, &r);
	CHECK_STATUS(r, 422);
	CHECK(strstr(r.body, "<img src=x") == NULL);
	CHECK(strstr(r.body, "value=\"&lt;img src=x onerror=alert(1)&gt;\"") != NULL);
	hc_free(&r);
	br_init(&b);
	br_get(&b, "/login?next=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", &r);
	CHECK_STATUS(r, 200);
	CHECK(strstr(r.body, "\"><script>") == NULL);
	CHECK(strstr(r.body, evil) == NULL);
	CHECK(strstr(r.body, "name=\"next\" value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"") != NULL);
	hc_free(&r);
	br_init(&b);
	br_put_cookie(&b, "username", "<script>alert(2)</script>");
	br_get(&b, "/login", &r);
	CHECK_STATUS(r, 200);
	CHECK(strstr(r.body, "<script>alert(2)") == NULL);
	CHECK(strstr(r.body, "value=\"&lt;script&gt;alert(2)&lt;/script&gt;\"") != NULL);
	hc_free(&r);
}
