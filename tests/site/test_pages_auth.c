/* test_pages_auth.c — the site's account pages on the test client (SPEC
 * 6, 7): /register, /login, /logout; their 303s, 422 messages and
 * cookies; `next`; the remember cookie; CSRF (403, bound to the session,
 * rotated at login and logout); Cache-Control on pages with a token. */
#include <stdlib.h>
#include <string.h>

#include "site_client.h"

/* The username GET /api/me gives for the current visitor, "" when
 * anonymous. */
static const char *who(void)
{
	const struct flacon_response *r = sc_get("/api/me");
	const char *u = r->status == 200 ? sc_jstr(r->json, "username") : NULL;
	return u ? u : "";
}

/* A permanent session cookie: a value, HttpOnly, Path=/, SameSite=Lax,
 * Max-Age = session.lifetime, an Expires. */
static void check_session_cookie(const struct flacon_response *r)
{
	char a[128];
	const char *line = flacon_resp_set_cookie(r, "session");
	CHECK_MSG(line && strncmp(line, "session=;", 9), "Set-Cookie: %s", line ? line : "(none)");
	CHECK(sc_cookie_attr(r, "session", "HttpOnly", a, sizeof a));
	CHECK_STR(sc_cookie_attr(r, "session", "Path", a, sizeof a), "/");
	CHECK(sc_cookie_attr(r, "session", "SameSite", a, sizeof a) && !strcasecmp(a, "Lax"));
	CHECK_STR(sc_cookie_attr(r, "session", "Max-Age", a, sizeof a), "2678400");
	CHECK(sc_cookie_attr(r, "session", "Expires", a, sizeof a) && strstr(a, " GMT"));
}

TEST(test_register_form_success_is_303_to_root_with_a_permanent_session_cookie)
{
	char name[33];
	sc_name(name, "reg");
	struct flacon_client *c = sc_visitor();
	REQUIRE(c);
	const struct flacon_response *r = sc_get("/register");
	CHECK_STATUS(r, 200);
	CHECK_STR(flacon_resp_header(r, "Content-Type"), "text/html; charset=utf-8");
	struct flacon_form *f = flacon_client_form(c, r, "/register");
	REQUIRE(f);
	CHECK(flacon_form_get(f, "csrf_token") && strlen(flacon_form_get(f, "csrf_token")) >= 16);
	CHECK(!flacon_client_cookie(c, "session"));
	flacon_form_set(f, "username", name);
	flacon_form_set(f, "password", SC_PASSWORD);
	r = flacon_form_submit(c, f);
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/");
	check_session_cookie(r);
	CHECK_STR(who(), name);
	/* Registering made the student profile too (sname = username). */
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT COUNT(*) FROM student s JOIN user u ON u.id = s.user_id "
		 "WHERE u.username = '%s' AND s.sname = '%s'", name, name);
	CHECK_INT(sc_scalar(sql), 1);
out:;
}

TEST(test_register_form_invalid_is_422_with_the_field_message_and_no_session)
{
	char name[33];
	sc_name(name, "inval");
	const struct {
		const char *username, *password, *message;
	} cases[] = {
		{"ab", SC_PASSWORD, "Username must be 3 to 32 characters long."},
		{"a_name_of_thirty_three_characters", SC_PASSWORD, "Username must be 3 to 32 characters long."},
		{"bad name", SC_PASSWORD, "Username may only hold letters, digits, _ . and -."},
		{name, "short", "Password must be 8 to 128 characters long."},
		{name, "", "Password must be 8 to 128 characters long."},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct flacon_client *c = sc_visitor();
		REQUIRE(c);
		struct flacon_form *f = flacon_client_form(c, sc_get("/register"), "/register");
		REQUIRE(f);
		flacon_form_set(f, "username", cases[i].username);
		flacon_form_set(f, "password", cases[i].password);
		const struct flacon_response *r = flacon_form_submit(c, f);
		CHECK_STATUS(r, 422);
		CHECK_HAS(r, cases[i].message);
		CHECK_HAS(r, "Please correct the fields below.");
		CHECK(flacon_client_form(c, r, "/register") != NULL);
		CHECK(!flacon_resp_set_cookie(r, "session"));
		CHECK(!flacon_client_cookie(c, "session"));
	}
	/* The 33-character name was not cut to 32 and registered. */
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM user WHERE username LIKE 'a\\_name\\_of%'"), 0);
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM user WHERE username = 'bad name'"), 0);
out:;
}

TEST(test_register_form_taken_name_in_any_case_is_422_taken)
{
	char name[33], other[33];
	REQUIRE(sc_new_user(name, "Taken") > 0);
	snprintf(other, sizeof other, "%s", name);
	other[0] = 't';
	const char *tries[] = {name, other};
	for (int i = 0; i < 2; i++) {
		struct flacon_client *c = sc_visitor();
		REQUIRE(c);
		struct flacon_form *f = flacon_client_form(c, sc_get("/register"), "/register");
		REQUIRE(f);
		flacon_form_set(f, "username", tries[i]);
		flacon_form_set(f, "password", "another password");
		const struct flacon_response *r = flacon_form_submit(c, f);
		CHECK_STATUS(r, 422);
		CHECK_HAS(r, "This username is already taken.");
		CHECK(!flacon_resp_set_cookie(r, "session"));
	}
	/* The first account keeps its password. */
	CHECK_STATUS(sc_login_form(name, SC_PASSWORD, NULL, NULL), 303);
out:;
}

TEST(test_login_form_success_is_303_to_root_and_each_login_makes_a_new_session)
{
	char name[33];
	REQUIRE(sc_new_user(name, "login") > 0);
	struct flacon_client *c = sc_visitor();
	REQUIRE(c);
	const struct flacon_response *r = sc_get("/login?next=/courses");
	CHECK_STATUS(r, 200);
	struct flacon_form *f = flacon_client_form(c, r, "/login");
	REQUIRE(f);
	CHECK_STR(flacon_form_get(f, "next"), "/courses");
	CHECK_STR(flacon_form_get(f, "username"), "");
	CHECK(!flacon_form_get(f, "remember"));
	long long before = sc_scalar("SELECT COUNT(*) FROM session");
	r = sc_login_form(name, SC_PASSWORD, NULL, NULL);
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/");
	check_session_cookie(r);
	CHECK(!flacon_resp_set_cookie(r, "username"));
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM session"), before + 1);
	CHECK_STR(who(), name);
	/* Logging in again in the same browser: a new token (no fixation). */
	char first[512];
	snprintf(first, sizeof first, "%s", flacon_client_cookie(c, "session"));
	struct flacon_form *again = flacon_client_form(c, sc_get("/login"), "/login");
	REQUIRE(again);
	flacon_form_set(again, "username", name);
	flacon_form_set(again, "password", SC_PASSWORD);
	CHECK_STATUS(flacon_form_submit(c, again), 303);
	CHECK(flacon_client_cookie(c, "session") && strcmp(flacon_client_cookie(c, "session"), first));
	CHECK_STR(who(), name);
	/* The replaced token no longer logs anyone in. */
	CHECK_INT(flacon_client_set_cookie(c, "session", first), 0);
	CHECK_STR(who(), "");
out:;
}

TEST(test_login_failure_is_422_invalid_username_or_password_without_cookies)
{
	char name[33];
	REQUIRE(sc_new_user(name, "logfail") > 0);
	const char *cases[][2] = {{name, "not the password"}, {"no_such_user_here", SC_PASSWORD}, {name, ""}};
	for (int i = 0; i < 3; i++) {
		const struct flacon_response *r = sc_login_form(cases[i][0], cases[i][1], "1", "/courses");
		CHECK_STATUS(r, 422);
		CHECK_HAS(r, "Invalid username or password");
		CHECK(!flacon_resp_set_cookie(r, "session"));
		CHECK(!flacon_resp_set_cookie(r, "username"));
		CHECK(!flacon_client_cookie(sc(), "session"));
		/* The form again, with what was typed but the password. */
		struct flacon_form *f = flacon_client_form(sc(), r, "/login");
		REQUIRE(f);
		CHECK_STR(flacon_form_get(f, "username"), cases[i][0]);
		CHECK_STR(flacon_form_get(f, "next"), "/courses");
		CHECK_STR(flacon_form_get(f, "password"), "");
	}
out:;
}

TEST(test_login_redirects_to_next_only_when_it_is_a_local_path)
{
	char name[33];
	REQUIRE(sc_new_user(name, "next") > 0);
	const struct {
		const char *next, *want;
	} cases[] = {
		{"/articles?page=2", "/articles?page=2"},
		{"/me/courses", "/me/courses"},
		{"//evil.com", "/"},
		{"/\\evil", "/"},
		{"https://evil.com/", "/"},
		{"evil", "/"},
		{"", "/"},
		{"/ok\r\nSet-Cookie: x=1", "/"},
		{"/tab\there", "/"},
		{"javascript:alert(1)", "/"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct flacon_response *r = sc_login_form(name, SC_PASSWORD, NULL, cases[i].next);
		CHECK_STATUS(r, 303);
		CHECK_LOCATION(r, cases[i].want);
	}
out:;
}

TEST(test_login_with_remember_sets_the_username_cookie_that_prefills_the_form)
{
	char name[33];
	REQUIRE(sc_new_user(name, "rem") > 0);
	const char *yes[] = {"1", "on", "true", "yes"};
	for (int i = 0; i < 4; i++) {
		const struct flacon_response *r = sc_login_form(name, SC_PASSWORD, yes[i], NULL);
		CHECK_STATUS(r, 303);
		char a[64];
		CHECK_MSG(flacon_client_cookie(sc(), "username") &&
				  !strcmp(flacon_client_cookie(sc(), "username"), name),
			  "remember=%s", yes[i]);
		CHECK_STR(sc_cookie_attr(r, "username", "Max-Age", a, sizeof a), "1209600");
		CHECK_STR(sc_cookie_attr(r, "username", "Path", a, sizeof a), "/");
		CHECK(sc_cookie_attr(r, "username", "HttpOnly", a, sizeof a));
	}
	const char *no[] = {"0", "no", "off", "false"};
	for (int i = 0; i < 4; i++) {
		const struct flacon_response *r = sc_login_form(name, SC_PASSWORD, no[i], NULL);
		CHECK_STATUS(r, 303);
		CHECK_MSG(!flacon_resp_set_cookie(r, "username"), "remember=%s", no[i]);
	}
	/* Remembered, then logged out: the form is pre-filled and checked. */
	CHECK_STATUS(sc_login_form(name, SC_PASSWORD, "on", NULL), 303);
	const char *tok = sc_csrf("/", "/logout");
	REQUIRE(tok);
	CHECK_STATUS(flacon_client_post_form(sc(), "/logout", "csrf_token", tok, NULL), 303);
	struct flacon_form *f = flacon_client_form(sc(), sc_get("/login"), "/login");
	REQUIRE(f);
	CHECK_STR(flacon_form_get(f, "username"), name);
	CHECK_STR(flacon_form_get(f, "remember"), "1");
out:;
}

TEST(test_logout_is_303_to_root_deletes_the_cookie_and_the_session_row)
{
	char name[33], old[512];
	REQUIRE(sc_new_user(name, "logout") > 0);
	snprintf(old, sizeof old, "%s", flacon_client_cookie(sc(), "session"));
	long long before = sc_scalar("SELECT COUNT(*) FROM session");
	const char *tok = sc_csrf("/", "/logout");
	REQUIRE(tok);
	const struct flacon_response *r = flacon_client_post_form(sc(), "/logout", "csrf_token", tok, NULL);
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/");
	CHECK(sc_cookie_deleted(r, "session"));
	CHECK(!flacon_client_cookie(sc(), "session"));
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM session"), before - 1);
	CHECK_STR(who(), "");
	/* Replaying the old cookie is anonymous: the row is gone. */
	CHECK_INT(flacon_client_set_cookie(sc(), "session", old), 0);
	CHECK_STR(who(), "");
	CHECK_HASNT(sc_get("/"), "action=\"/logout\"");
out:;
}

TEST(test_get_logout_is_405_with_allow_post_and_stays_logged_in)
{
	char name[33];
	REQUIRE(sc_new_user(name, "getout") > 0);
	const struct flacon_response *r = sc_get("/logout");
	CHECK_STATUS(r, 405);
	const char *allow = flacon_resp_header(r, "Allow");
	CHECK_MSG(allow && strstr(allow, "POST"), "Allow: %s", allow ? allow : "(none)");
	CHECK_STR(who(), name);
out:;
}

TEST(test_form_posts_without_or_with_a_wrong_csrf_token_are_403)
{
	char name[33], taken[33];
	sc_name(name, "csrf");
	REQUIRE(sc_visitor());
	const char *tok = sc_csrf("/register", "/register");
	REQUIRE(tok && *tok);
	char wrong[128];
	snprintf(wrong, sizeof wrong, "%s", tok);
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	const char *bad[] = {NULL, "", wrong};
	for (int i = 0; i < 3; i++) {
		const struct flacon_response *r =
			bad[i] ? flacon_client_post_form(sc(), "/register", "csrf_token", bad[i], "username",
							 name, "password", SC_PASSWORD, NULL)
			       : flacon_client_post_form(sc(), "/register", "username", name, "password",
							 SC_PASSWORD, NULL);
		CHECK_STATUS(r, 403);
		CHECK(!flacon_resp_set_cookie(r, "session"));
	}
	/* The right token with no csrf cookie (a forged cross-site post). */
	flacon_client_clear_cookies(sc());
	CHECK_STATUS(flacon_client_post_form(sc(), "/register", "csrf_token", tok, "username", name,
					     "password", SC_PASSWORD, NULL),
		     403);
	CHECK_STATUS(flacon_client_post_form(sc(), "/login", "username", name, "password", SC_PASSWORD, NULL),
		     403);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM user WHERE username = '%s'", name);
	CHECK_INT(sc_scalar(sql), 0);
	/* Logout without a token or with another's: 403, still logged in. */
	REQUIRE(sc_new_user(taken, "csrfout") > 0);
	CHECK_STATUS(flacon_client_post_form(sc(), "/logout", NULL), 403);
	CHECK_STATUS(flacon_client_post_form(sc(), "/logout", "csrf_token", wrong, NULL), 403);
	CHECK_STR(who(), taken);
out:;
}

TEST(test_csrf_token_taken_before_login_is_refused_after_it_and_a_new_one_works)
{
	char name[33];
	REQUIRE(sc_new_user(name, "rotate") > 0);
	struct flacon_client *c = sc_visitor();
	REQUIRE(c);
	struct flacon_form *f = flacon_client_form(c, sc_get("/login"), "/login");
	REQUIRE(f);
	char before[128];
	snprintf(before, sizeof before, "%s", flacon_form_get(f, "csrf_token"));
	flacon_form_set(f, "username", name);
	flacon_form_set(f, "password", SC_PASSWORD);
	const struct flacon_response *r = flacon_form_submit(c, f);
	CHECK_STATUS(r, 303);
	/* The anonymous CSRF cookie is re-issued with the login. */
	CHECK(flacon_resp_set_cookie(r, "csrf") != NULL);
	CHECK_STATUS(flacon_client_post_form(c, "/logout", "csrf_token", before, NULL), 403);
	CHECK_STR(who(), name);
	const char *after = sc_csrf("/", "/logout");
	REQUIRE(after);
	CHECK(strcmp(after, before));
	CHECK_STATUS(flacon_client_post_form(c, "/logout", "csrf_token", after, NULL), 303);
	CHECK_STR(who(), "");
out:;
}

TEST(test_csrf_token_of_one_session_is_refused_in_another)
{
	char alice[33], bob[33];
	REQUIRE(sc_new_user(alice, "sess_a") > 0);
	const char *tok = sc_csrf("/", "/logout");
	REQUIRE(tok);
	char theirs[128];
	snprintf(theirs, sizeof theirs, "%s", tok);
	REQUIRE(sc_new_user(bob, "sess_b") > 0);
	CHECK_STATUS(flacon_client_post_form(sc(), "/logout", "csrf_token", theirs, NULL), 403);
	CHECK_STR(who(), bob);
out:;
}

TEST(test_csrf_403_comes_before_the_login_check_and_validation)
{
	REQUIRE(sc_visitor());
	/* Anonymous and without a token: 403, not the 303 to /login. */
	CHECK_STATUS(flacon_client_post_form(sc(), "/articles", "title", "", "content", "", NULL), 403);
	CHECK_STATUS(flacon_client_post_form(sc(), "/courses/1/select", NULL), 403);
	/* Logged in, an invalid article and no token: 403, not 422. */
	char name[33];
	REQUIRE(sc_new_user(name, "order") > 0);
	CHECK_STATUS(flacon_client_post_form(sc(), "/articles", "title", "", "content", "", NULL), 403);
out:;
}

TEST(test_home_links_login_and_register_or_shows_the_name_and_logout)
{
	REQUIRE(sc_visitor());
	const struct flacon_response *r = sc_get("/");
	CHECK_STATUS(r, 200);
	CHECK_HAS(r, "href=\"/login\"");
	CHECK_HAS(r, "href=\"/register\"");
	CHECK_HAS(r, "href=\"/courses\"");
	CHECK_HASNT(r, "action=\"/logout\"");
	char name[33], link[80];
	REQUIRE(sc_new_user(name, "home") > 0);
	r = sc_get("/");
	snprintf(link, sizeof link, "href=\"/users/%s\"", name);
	CHECK_HAS(r, link);
	CHECK_HAS(r, "action=\"/logout\"");
	CHECK_HASNT(r, "href=\"/register\"");
out:;
}

TEST(test_pages_with_a_token_and_answers_to_a_logged_in_user_are_no_store)
{
	REQUIRE(sc_visitor());
	const char *paths[] = {"/login", "/register"};
	for (int i = 0; i < 2; i++) {
		const struct flacon_response *r = sc_get(paths[i]);
		const char *cc = flacon_resp_header(r, "Cache-Control");
		CHECK_MSG(cc && strstr(cc, "no-store"), "%s: Cache-Control %s", paths[i], cc ? cc : "(none)");
		CHECK_STR(flacon_resp_header(r, "X-Frame-Options"), "DENY");
		CHECK(flacon_resp_header(r, "Content-Security-Policy") != NULL);
	}
	char name[33];
	REQUIRE(sc_new_user(name, "nostore") > 0);
	const char *mine[] = {"/articles", "/courses", "/api/me"};
	for (int i = 0; i < 3; i++) {
		const char *cc = flacon_resp_header(sc_get(mine[i]), "Cache-Control");
		CHECK_MSG(cc && strstr(cc, "no-store"), "%s: Cache-Control %s", mine[i], cc ? cc : "(none)");
	}
out:;
}

/* csrf_token is the framework's, made when a template reads it: a page
 * without a form signs nothing, sets no csrf cookie and may be cached; a
 * page with one (the login form, the log-out button) gets a working
 * token, the cookie and no-store. */
TEST(test_csrf_token_and_cookie_only_on_pages_whose_template_reads_it)
{
	char name[33];
	REQUIRE(sc_new_user(name, "lazycsrf") > 0);
	struct flacon_client *c = sc_visitor();
	REQUIRE(c);
	const struct flacon_response *r = sc_get("/articles");
	CHECK_STATUS(r, 200);
	CHECK(flacon_resp_set_cookie(r, "csrf") == NULL);
	CHECK(!strstr(r->body, "csrf_token"));
	const char *cc = flacon_resp_header(r, "Cache-Control");
	CHECK_MSG(!cc || !strstr(cc, "no-store"), "Cache-Control: %s", cc);
	CHECK(flacon_client_cookie(c, "csrf") == NULL);

	r = sc_get("/login");
	CHECK_STATUS(r, 200);
	CHECK(flacon_resp_set_cookie(r, "csrf") != NULL);
	cc = flacon_resp_header(r, "Cache-Control");
	CHECK_MSG(cc && strstr(cc, "no-store"), "Cache-Control: %s", cc ? cc : "(none)");
	struct flacon_form *f = flacon_client_form(c, r, "/login");
	REQUIRE(f);
	CHECK_INT((long long)strlen(flacon_form_get(f, "csrf_token")), 43);
	flacon_form_set(f, "username", name);
	flacon_form_set(f, "password", SC_PASSWORD);
	CHECK_STATUS(flacon_form_submit(c, f), 303);

	/* Logged in, a list page has the log-out form: its token works. */
	r = sc_get("/articles");
	CHECK_STATUS(r, 200);
	const char *tok = sc_csrf("/articles", "/logout");
	REQUIRE(tok);
	CHECK_STATUS(flacon_client_post_form(c, "/logout", "csrf_token", tok, NULL), 303);
	CHECK_STR(who(), "");
out:;
}
