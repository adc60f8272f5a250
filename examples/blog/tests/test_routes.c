/* test_routes.c — the blog's pages through the framework's in-process test
 * client (<flacon/test.h>): no nginx, no FastCGI, no server process. The
 * client makes a throw-away database on the server of
 * FLACON_TEST_DATABASE_URL or FLACON_DATABASE_URL (named DB_tc_XXXXXXXX:
 * the user needs the right to create it), builds it from
 * sql/migrations, and drops it at the end; `blog seed` and a user alice
 * fill it. The article list and its pages, an article, 404s, login with
 * its CSRF token and its redirects, the session cookie, comments,
 * logout, register, and the cookie pages.
 * Prints the failures and "routes: N passed, M failed". */
#define _GNU_SOURCE /* strptime, timegm */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blog.h"

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
/* Stop the test at its out: label (its later checks would only repeat
 * the failure). */
#define REQUIRE(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fail(__FILE__, __LINE__, "REQUIRE(%s) failed", #cond); \
			goto out;                                              \
		}                                                              \
	} while (0)
#define CHECK_INT(a, b)                                                               \
	do {                                                                          \
		long long a_ = (long long)(a), b_ = (long long)(b);                   \
		if (a_ != b_)                                                         \
			fail(__FILE__, __LINE__, "%s is %lld, not %lld", #a, a_, b_); \
	} while (0)
#define CHECK_STR(a, b)                                                               \
	do {                                                                          \
		const char *a_ = (a), *b_ = (b);                                      \
		if (!a_ || !b_ || strcmp(a_, b_))                                     \
			fail(__FILE__, __LINE__, "%s is \"%s\", not \"%s\"", #a,       \
			     a_ ? a_ : "(null)", b_ ? b_ : "(null)");                 \
	} while (0)
/* The response holds (want) or does not hold text in its body. */
static void check_body(const char *file, int line, const struct flacon_response *r, const char *text,
		       bool want)
{
	if (flacon_resp_contains(r, text) != want)
		fail(file, line, "%s %s (%d) %s %s", r->method, r->path, r->status,
		     want ? "has no" : "has", text);
}
#define CHECK_HAS(r, text) check_body(__FILE__, __LINE__, (r), (text), true)
#define CHECK_HASNT(r, text) check_body(__FILE__, __LINE__, (r), (text), false)

/* The blog as its main.c hands it to flacon_main. */
static const struct flacon_app blog = {
	.registry = &blog_registry,
	.models_init = blog_models_init,
	.web = &blog_web,
	.templates_dir = "templates",
	.name = "blog",
};

static struct flacon_client *c;

static const struct flacon_response *get(const char *path)
{
	return flacon_client_get(c, path);
}

/* How many times text is in r's body. */
static int count(const struct flacon_response *r, const char *text)
{
	int n = 0;
	for (const char *p = r->body; (p = strstr(p, text)); p += strlen(text))
		n++;
	return n;
}

/* A new visitor logs in through the login form: the status of the POST. */
static int login_as(const char *name, const char *password)
{
	flacon_client_clear_cookies(c);
	struct flacon_form *f = flacon_client_form(c, get("/login"), "/login");
	if (!f || flacon_form_set(f, "username", name) < 0 || flacon_form_set(f, "password", password) < 0)
		return -1;
	return flacon_form_submit(c, f)->status;
}

/* ---- the article list, paginated (seed made 12 articles) ------------------ */

static void test_articles_page_1_lists_five_articles_newest_first(void)
{
	const struct flacon_response *r = get("/articles");
	CHECK_INT(r->status, 200);
	CHECK_INT(count(r, "<li><a href=\"/articles/"), 5);
	CHECK_HAS(r, "Article 12</a>");
}

static void test_articles_page_1_of_3_links_to_page_2_and_has_no_previous_link(void)
{
	const struct flacon_response *r = get("/articles");
	CHECK_HAS(r, "12 articles, page 1 of 3");
	CHECK_HAS(r, "rel=\"next\" href=\"/articles?page=2\"");
	CHECK_HASNT(r, "rel=\"prev\"");
}

static void test_articles_page_2_links_both_ways_and_marks_itself_current(void)
{
	const struct flacon_response *r = get("/articles?page=2");
	CHECK_INT(r->status, 200);
	CHECK_HAS(r, "rel=\"prev\" href=\"/articles?page=1\"");
	CHECK_HAS(r, "rel=\"next\" href=\"/articles?page=3\"");
	CHECK_HAS(r, "<strong>2</strong>");
}

static void test_articles_last_page_has_the_last_two_and_no_next_link(void)
{
	const struct flacon_response *r = get("/articles?page=3");
	CHECK_INT(r->status, 200);
	CHECK_INT(count(r, "<li><a href=\"/articles/"), 2);
	CHECK_HAS(r, "Article 1</a>");
	CHECK_HASNT(r, "rel=\"next\"");
}

static void page_is_404(const char *path)
{
	const struct flacon_response *r = get(path);
	CHECK_INT(r->status, 404);
	CHECK_HAS(r, "<h1>404 Not Found</h1>");
}

static void test_articles_page_beyond_the_last_is_404(void)
{
	page_is_404("/articles?page=4");
}

static void test_articles_page_0_is_404(void)
{
	page_is_404("/articles?page=0");
}

static void test_articles_page_not_a_number_is_404(void)
{
	page_is_404("/articles?page=x");
}

/* ---- an article: first_or_404 ------------------------------------------------- */

static void test_article_shows_title_text_and_author(void)
{
	const struct flacon_response *list = get("/articles");
	const char *end = strstr(list->body, "\">Article 12<");
	const char *start = end;
	while (start && start > list->body && start[-1] != '/')
		start--;
	REQUIRE(end && start > list->body);
	char path[64];
	snprintf(path, sizeof path, "/articles/%.*s", (int)(end - start), start);
	const struct flacon_response *r = get(path);
	CHECK_INT(r->status, 200);
	CHECK_HAS(r, "<h1>Article 12</h1>");
	CHECK_HAS(r, "The text of article 12.");
	CHECK_HAS(r, "class=\"author\">user3<");
out:;
}

static void test_article_of_an_unknown_id_is_404_page(void)
{
	page_is_404("/articles/999999");
}

static void test_article_of_a_non_numeric_id_is_404(void)
{
	CHECK_INT(get("/articles/abc")->status, 404);
}

static void test_unknown_path_is_the_404_page_with_the_security_headers(void)
{
	const struct flacon_response *r = get("/no/such/page");
	CHECK_INT(r->status, 404);
	CHECK_HAS(r, "<h1>404 Not Found</h1>");
	CHECK_STR(flacon_resp_header(r, "X-Content-Type-Options"), "nosniff");
}

/* ---- login, the session, logout ------------------------------------------------ */

static void test_login_form_carries_a_csrf_token(void)
{
	flacon_client_clear_cookies(c);
	const struct flacon_response *r = get("/login");
	CHECK_INT(r->status, 200);
	struct flacon_form *f = flacon_client_form(c, r, "/login");
	REQUIRE(f);
	const char *token = flacon_form_get(f, "csrf_token");
	CHECK(token && *token);
out:;
}

static void test_login_without_the_csrf_token_is_403_and_sets_no_session(void)
{
	flacon_client_clear_cookies(c);
	get("/login");
	const struct flacon_response *r =
		flacon_client_post_form(c, "/login", "username", "alice", "password", "right-password", NULL);
	CHECK_INT(r->status, 403);
	CHECK(!flacon_resp_set_cookie(r, "session"));
}

static void test_login_with_a_wrong_password_is_401_with_a_message_and_no_session(void)
{
	flacon_client_clear_cookies(c);
	struct flacon_form *f = flacon_client_form(c, get("/login"), "/login");
	REQUIRE(f);
	flacon_form_set(f, "username", "alice");
	flacon_form_set(f, "password", "wrong-password");
	const struct flacon_response *r = flacon_form_submit(c, f);
	CHECK_INT(r->status, 401);
	CHECK_HAS(r, "Wrong username or password.");
	CHECK(!flacon_resp_set_cookie(r, "session"));
out:;
}

static void test_me_while_anonymous_is_a_303_to_login_with_next(void)
{
	flacon_client_clear_cookies(c);
	const struct flacon_response *r = get("/me");
	CHECK_INT(r->status, 303);
	CHECK_STR(flacon_resp_header(r, "Location"), "/login?next=/me");
}

static void test_login_with_the_right_password_is_a_303_to_me_with_a_permanent_httponly_cookie(void)
{
	flacon_client_clear_cookies(c);
	struct flacon_form *f = flacon_client_form(c, get("/login"), "/login");
	REQUIRE(f);
	flacon_form_set(f, "username", "alice");
	flacon_form_set(f, "password", "right-password");
	const struct flacon_response *r = flacon_form_submit(c, f);
	CHECK_INT(r->status, 303);
	CHECK_STR(flacon_resp_header(r, "Location"), "/me");
	const char *cookie = flacon_resp_set_cookie(r, "session");
	CHECK(cookie && strstr(cookie, "Max-Age=") && strtol(strstr(cookie, "Max-Age=") + 8, NULL, 10) > 0);
	CHECK(cookie && strstr(cookie, "HttpOnly"));
out:;
}

static void test_me_with_the_session_cookie_shows_the_logged_in_user(void)
{
	CHECK_INT(login_as("alice", "right-password"), 303);
	const struct flacon_response *r = get("/me");
	CHECK_INT(r->status, 200);
	CHECK_HAS(r, "Logged in as <span class=\"username\">alice</span>");
}

static void test_login_form_with_redirects_followed_lands_on_me(void)
{
	flacon_client_clear_cookies(c);
	flacon_client_follow_redirects(c, true);
	struct flacon_form *f = flacon_client_form(c, get("/login"), "/login");
	REQUIRE(f);
	flacon_form_set(f, "username", "alice");
	flacon_form_set(f, "password", "right-password");
	const struct flacon_response *r = flacon_form_submit(c, f);
	CHECK_INT(r->status, 200);
	CHECK_STR(r->path, "/me");
	CHECK_INT(r->redirects, 1);
	CHECK_HAS(r, "Logged in as <span class=\"username\">alice</span>");
out:
	flacon_client_follow_redirects(c, false);
}

static void test_comment_is_added_to_the_user_and_shown_escaped_on_me(void)
{
	CHECK_INT(login_as("alice", "right-password"), 303);
	struct flacon_form *f = flacon_client_form(c, get("/me"), "/comments");
	REQUIRE(f);
	flacon_form_set(f, "content", "Nice <b>blog</b>");
	CHECK_INT(flacon_form_submit(c, f)->status, 303);
	CHECK_HAS(get("/me"), "<li>Nice &lt;b&gt;blog&lt;/b&gt; <time>");
out:;
}

static void test_comment_without_the_csrf_token_is_403_and_adds_nothing(void)
{
	CHECK_INT(login_as("alice", "right-password"), 303);
	const struct flacon_response *r = flacon_client_post_form(c, "/comments", "content", "forged", NULL);
	CHECK_INT(r->status, 403);
	CHECK_HASNT(get("/me"), "forged");
}

static void test_logout_is_a_303_that_deletes_the_session_cookie(void)
{
	CHECK_INT(login_as("alice", "right-password"), 303);
	struct flacon_form *f = flacon_client_form(c, get("/me"), "/logout");
	REQUIRE(f);
	const struct flacon_response *r = flacon_form_submit(c, f);
	CHECK_INT(r->status, 303);
	const char *cookie = flacon_resp_set_cookie(r, "session");
	CHECK(cookie && !strncmp(cookie, "session=;", 9) && strstr(cookie, "Max-Age=0"));
	CHECK(!flacon_client_cookie(c, "session"));
out:;
}

static void test_me_after_logout_redirects_to_login(void)
{
	CHECK_INT(login_as("alice", "right-password"), 303);
	struct flacon_form *f = flacon_client_form(c, get("/me"), "/logout");
	REQUIRE(f);
	CHECK_INT(flacon_form_submit(c, f)->status, 303);
	CHECK_INT(get("/me")->status, 303);
out:;
}

static void test_the_old_session_cookie_is_dead_after_logout(void)
{
	CHECK_INT(login_as("alice", "right-password"), 303);
	const char *v = flacon_client_cookie(c, "session");
	REQUIRE(v);
	char old[256];
	snprintf(old, sizeof old, "Cookie: session=%s", v);
	struct flacon_form *f = flacon_client_form(c, get("/me"), "/logout");
	REQUIRE(f);
	CHECK_INT(flacon_form_submit(c, f)->status, 303);
	const char *headers[] = {old, NULL};
	struct flacon_request rq = {.path = "/me", .headers = headers};
	CHECK_INT(flacon_client_request(c, &rq)->status, 303);
out:;
}

/* ---- register ---------------------------------------------------------------------- */

/* A new visitor submits the register form: the response. */
static const struct flacon_response *register_as(const char *name, const char *password)
{
	flacon_client_clear_cookies(c);
	struct flacon_form *f = flacon_client_form(c, get("/register"), "/register");
	if (!f) /* a 404, on whose status the test then fails */
		return get("/register-form-not-found");
	flacon_form_set(f, "username", name);
	flacon_form_set(f, "password", password);
	return flacon_form_submit(c, f);
}

static void test_register_makes_the_user_and_logs_them_in(void)
{
	const struct flacon_response *r = register_as("bob", "bobs-password");
	CHECK_INT(r->status, 303);
	CHECK_STR(flacon_resp_header(r, "Location"), "/me");
	CHECK(flacon_resp_set_cookie(r, "session"));
	CHECK_HAS(get("/me"), "Logged in as <span class=\"username\">bob</span>");
}

static void test_register_with_a_taken_name_is_409_with_the_form_again(void)
{
	const struct flacon_response *r = register_as("alice", "other-password");
	CHECK_INT(r->status, 409);
	CHECK_HAS(r, "That username is taken.");
	CHECK(flacon_client_form(c, r, "/register"));
}

static void test_register_with_a_password_under_8_characters_is_422(void)
{
	CHECK_INT(register_as("carol", "short")->status, 422);
}

/* ---- cookies ------------------------------------------------------------------------- */

static void test_cookie_set_sets_blog_visitor_with_max_age_3600(void)
{
	const struct flacon_response *r = get("/cookie/set?value=hello");
	CHECK_INT(r->status, 200);
	const char *cookie = flacon_resp_set_cookie(r, "blog_visitor");
	CHECK(cookie && !strncmp(cookie, "blog_visitor=hello;", 19) && strstr(cookie, "Max-Age=3600"));
}

static void test_cookie_set_expires_one_hour_ahead_in_gmt(void)
{
	const char *cookie = flacon_resp_set_cookie(get("/cookie/set?value=hello"), "blog_visitor");
	const char *e = cookie ? strstr(cookie, "Expires=") : NULL;
	REQUIRE(e);
	struct tm tm = {0};
	REQUIRE(strptime(e + 8, "%a, %d %b %Y %H:%M:%S GMT", &tm));
	long ahead = (long)(timegm(&tm) - time(NULL));
	CHECK(ahead >= 3500 && ahead <= 3700);
out:;
}

static void test_cookie_page_reads_the_cookie(void)
{
	flacon_client_clear_cookies(c);
	flacon_client_set_cookie(c, "blog_visitor", "hello");
	const struct flacon_response *r = get("/cookie");
	CHECK_INT(r->status, 200);
	CHECK_HAS(r, "<code class=\"value\">hello</code>");
}

static void test_cookie_page_without_the_cookie_says_there_is_none(void)
{
	flacon_client_clear_cookies(c);
	const struct flacon_response *r = get("/cookie");
	CHECK_HAS(r, "There is no cookie.");
	CHECK_HASNT(r, "class=\"value\"");
}

static void test_cookie_delete_sends_an_empty_value_max_age_0_and_expires_in_1970(void)
{
	flacon_client_clear_cookies(c);
	get("/cookie/set?value=hello");
	CHECK_STR(flacon_client_cookie(c, "blog_visitor"), "hello");
	const char *cookie = flacon_resp_set_cookie(get("/cookie/delete"), "blog_visitor");
	CHECK(cookie && !strncmp(cookie, "blog_visitor=;", 14) && strstr(cookie, "Max-Age=0"));
	CHECK(cookie && strstr(cookie, "Expires=Thu, 01 Jan 1970"));
	CHECK(!flacon_client_cookie(c, "blog_visitor"));
	CHECK_HAS(get("/cookie"), "There is no cookie.");
}

/* ---- the run ------------------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define T(x) {#x, x}
	T(test_articles_page_1_lists_five_articles_newest_first),
	T(test_articles_page_1_of_3_links_to_page_2_and_has_no_previous_link),
	T(test_articles_page_2_links_both_ways_and_marks_itself_current),
	T(test_articles_last_page_has_the_last_two_and_no_next_link),
	T(test_articles_page_beyond_the_last_is_404),
	T(test_articles_page_0_is_404),
	T(test_articles_page_not_a_number_is_404),
	T(test_article_shows_title_text_and_author),
	T(test_article_of_an_unknown_id_is_404_page),
	T(test_article_of_a_non_numeric_id_is_404),
	T(test_unknown_path_is_the_404_page_with_the_security_headers),
	T(test_login_form_carries_a_csrf_token),
	T(test_login_without_the_csrf_token_is_403_and_sets_no_session),
	T(test_login_with_a_wrong_password_is_401_with_a_message_and_no_session),
	T(test_me_while_anonymous_is_a_303_to_login_with_next),
	T(test_login_with_the_right_password_is_a_303_to_me_with_a_permanent_httponly_cookie),
	T(test_me_with_the_session_cookie_shows_the_logged_in_user),
	T(test_login_form_with_redirects_followed_lands_on_me),
	T(test_comment_is_added_to_the_user_and_shown_escaped_on_me),
	T(test_comment_without_the_csrf_token_is_403_and_adds_nothing),
	T(test_logout_is_a_303_that_deletes_the_session_cookie),
	T(test_me_after_logout_redirects_to_login),
	T(test_the_old_session_cookie_is_dead_after_logout),
	T(test_register_makes_the_user_and_logs_them_in),
	T(test_register_with_a_taken_name_is_409_with_the_form_again),
	T(test_register_with_a_password_under_8_characters_is_422),
	T(test_cookie_set_sets_blog_visitor_with_max_age_3600),
	T(test_cookie_set_expires_one_hour_ahead_in_gmt),
	T(test_cookie_page_reads_the_cookie),
	T(test_cookie_page_without_the_cookie_says_there_is_none),
	T(test_cookie_delete_sends_an_empty_value_max_age_0_and_expires_in_1970),
#undef T
};

/* The data of the pages: `blog seed` (user1..user3, Article 1..12) and
 * alice, whose password the tests know. 0 or -1. */
static int fill(void)
{
	char *argv[] = {"--users", "3", "--articles", "12", NULL};
	if (flacon_client_run(c, &blog_seed_cmd, 4, argv) != CLI_OK)
		return -1;
	struct arena a;
	arena_init(&a, 1 << 14);
	struct orm_session s;
	orm_session_init(&s, flacon_client_db(c), &a);
	struct user *u;
	int rc = blog_create_user(&s, "alice", "right-password", &u);
	if (rc)
		fprintf(stderr, "creating alice: %s\n", orm_errmsg(&s));
	orm_session_close(&s);
	arena_free(&a);
	return rc ? -1 : 0;
}

/* Usage: test_routes [NAME-PART] — only the tests whose name holds it. */
int main(int argc, char **argv)
{
	char err[512];
	int passed = 0, failed = 0;
	if (!(c = flacon_client_open(&blog, NULL, err, sizeof err))) {
		fprintf(stderr, "the test client: %s\n", err);
		printf("routes: 0 passed, 1 failed\n");
		return 1;
	}
	if (fill() < 0) {
		flacon_client_close(c);
		printf("routes: 0 passed, 1 failed\n");
		return 1;
	}
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
	flacon_client_close(c);
	printf("routes: %d passed, %d failed\n", passed, failed);
	return failed > 0;
}
