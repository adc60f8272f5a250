/* End-to-end tests of the words on the pages and the small things around
 * them: counted words in the singular and plural, the greeting after
 * registering, the disabled Full button, Drop returning to My courses, the
 * hint on the anonymous course list, the confirmation before deleting an
 * article, the favicon. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "test.h"

static int status_and_free(struct http_resp *r)
{
	int s = r->status;
	hc_free(r);
	return s;
}

/* The page at path as b sees it; the caller frees r. */
static void page(struct browser *b, const char *path, struct http_resp *r)
{
	if (b)
		br_get(b, path, r);
	else
		cl_get(path, r);
}

TEST(test_views_are_one_view_then_two_views)
{
	struct browser a;
	char name[40], path[64];
	br_init(&a);
	cl_new_user(&a, name, "views");
	long long id = cl_api_article(&a, "Counted words", "One view, then two.");
	CHECK(id > 0);
	snprintf(path, sizeof path, "/articles/%lld", id);
	struct http_resp r;
	page(NULL, path, &r);
	CHECK_MSG(strstr(r.body, "· 1 view</p>") != NULL, "article page after one click: %.300s",
		  strstr(r.body, "class=\"meta\"") ? strstr(r.body, "class=\"meta\"") : r.body);
	CHECK(strstr(r.body, "1 views") == NULL);
	hc_free(&r);
	/* The view is written in a batch: every reader sees it within a second. */
	CHECK_INT(cl_clicks_settled(id, 1), 1);
	snprintf(path, sizeof path, "/users/%s", name);
	page(NULL, path, &r);
	CHECK_MSG(strstr(r.body, "· 1 view</span>") != NULL, "user page: no '1 view'");
	hc_free(&r);
	snprintf(path, sizeof path, "/articles/%lld", id);
	page(NULL, path, &r);
	CHECK(strstr(r.body, "· 2 views</p>") != NULL);
	hc_free(&r);
}

TEST(test_credits_and_seats_are_counted_words)
{
	char cname[40], path[64];
	cl_unique_name(cname, "one");
	long long one = cl_create_course(cname, 1, 1);
	CHECK(one > 0);
	struct http_resp r;
	snprintf(path, sizeof path, "/courses/%lld", one);
	page(NULL, path, &r);
	CHECK_MSG(strstr(r.body, "1 credit · 0 of 1 seat taken") != NULL, "course page: %.200s",
		  strstr(r.body, "muted") ? strstr(r.body, "muted") : r.body);
	hc_free(&r);
	cl_unique_name(cname, "many");
	long long many = cl_create_course(cname, 30, 5);
	snprintf(path, sizeof path, "/courses/%lld", many);
	page(NULL, path, &r);
	CHECK(strstr(r.body, "5 credits · 0 of 30 seats taken") != NULL);
	hc_free(&r);

	/* The full page of a one-seat course: "1 of 1 seat", not "all its 1 seats". */
	struct browser a, b;
	char na[40], nb[40], tok[256];
	br_init(&a);
	br_init(&b);
	cl_new_user(&a, na, "seata");
	cl_new_user(&b, nb, "seatb");
	CHECK(br_csrf(&a, "/courses", tok, sizeof tok));
	snprintf(path, sizeof path, "/courses/%lld/select", one);
	br_post_form(&a, path, &r, "csrf_token", tok, NULL);
	CHECK_INT(status_and_free(&r), 303);
	CHECK(br_csrf(&b, "/courses", tok, sizeof tok));
	br_post_form(&b, path, &r, "csrf_token", tok, NULL);
	CHECK_INT(r.status, 409);
	CHECK_MSG(strstr(r.body, "is full: 1 of 1 seat taken.") != NULL, "full page: %.400s",
		  strstr(r.body, "<main>") ? strstr(r.body, "<main>") : r.body);
	CHECK(strstr(r.body, "seats taken") == NULL);
	hc_free(&r);
}

TEST(test_article_total_is_a_counted_word)
{
	cl_ensure_articles(3);
	struct http_resp r;
	page(NULL, "/articles", &r);
	CHECK(strstr(r.body, " articles</p>") != NULL);
	CHECK(strstr(r.body, "· 1 articles") == NULL);
	hc_free(&r);
}

TEST(test_registering_greets_with_welcome_name_then_welcome_back)
{
	struct browser b;
	char name[40], want[96];
	br_init(&b);
	cl_unique_name(name, "greet");
	struct http_resp r;
	CHECK_INT(cl_html_register(&b, name, "a-long-password", &r), 303);
	hc_free(&r);
	br_get(&b, "/", &r);
	snprintf(want, sizeof want, "Welcome, <strong>%s</strong>.", name);
	CHECK_MSG(strstr(r.body, want) != NULL, "home after registering: %.400s",
		  strstr(r.body, "hero") ? strstr(r.body, "hero") : r.body);
	CHECK(strstr(r.body, "Welcome back") == NULL);
	CHECK(strstr(r.body, "Welcome to Flacon") == NULL);
	hc_free(&r);
	br_get(&b, "/", &r);
	snprintf(want, sizeof want, "Welcome back, <strong>%s</strong>.", name);
	CHECK(strstr(r.body, want) != NULL);
	hc_free(&r);
}

TEST(test_full_course_shows_a_disabled_full_button_not_select)
{
	char cname[40], path[64], sel[96];
	cl_unique_name(cname, "fullbtn");
	long long id = cl_create_course(cname, 1, 2);
	struct browser a, b;
	char na[40], nb[40], tok[256];
	br_init(&a);
	br_init(&b);
	cl_new_user(&a, na, "fulla");
	cl_new_user(&b, nb, "fullb");
	struct http_resp r;
	snprintf(sel, sizeof sel, "formaction=\"/courses/%lld/select\"", id);
	br_get(&b, "/courses", &r);
	CHECK(strstr(r.body, sel) != NULL); /* free: Select */
	hc_free(&r);
	CHECK(br_csrf(&a, "/courses", tok, sizeof tok));
	snprintf(path, sizeof path, "/courses/%lld/select", id);
	br_post_form(&a, path, &r, "csrf_token", tok, NULL);
	CHECK_INT(status_and_free(&r), 303);
	br_get(&b, "/courses", &r);
	CHECK_MSG(strstr(r.body, sel) == NULL, "a full course still offers Select");
	char row[256];
	snprintf(row, sizeof row, "<a href=\"/courses/%lld\">%s</a>", id, cname);
	const char *at = strstr(r.body, row);
	CHECK(at != NULL);
	const char *end = at ? strstr(at, "</tr>") : NULL;
	const char *full = at ? strstr(at, "<button type=\"button\" disabled class=\"full\">Full</button>") : NULL;
	CHECK_MSG(full && end && full < end, "no disabled Full button in the course's row");
	hc_free(&r);
	/* The one who holds the seat still sees Drop. */
	snprintf(sel, sizeof sel, "formaction=\"/courses/%lld/drop\"", id);
	br_get(&a, "/courses", &r);
	CHECK(strstr(r.body, sel) != NULL);
	hc_free(&r);
}

TEST(test_drop_from_my_courses_returns_to_my_courses)
{
	char cname[40], path[64], loc[256], tok[256];
	cl_unique_name(cname, "dropback");
	long long id = cl_create_course(cname, 10, 2);
	struct browser b;
	char nb[40];
	br_init(&b);
	cl_new_user(&b, nb, "dropback");
	struct http_resp r;
	snprintf(path, sizeof path, "/courses/%lld/select", id);
	CHECK(br_csrf(&b, "/courses", tok, sizeof tok));
	br_post_form(&b, path, &r, "csrf_token", tok, NULL);
	CHECK_INT(status_and_free(&r), 303);
	br_get(&b, "/me/courses", &r);
	char form[160];
	snprintf(form, sizeof form,
		 "<form method=\"post\" action=\"/courses/%lld/drop\"><input type=\"hidden\" name=\"csrf_token\"", id);
	CHECK(strstr(r.body, form) != NULL);
	CHECK(strstr(r.body, "<input type=\"hidden\" name=\"next\" value=\"/me/courses\">") != NULL);
	hc_free(&r);
	snprintf(path, sizeof path, "/courses/%lld/drop", id);
	CHECK(br_csrf(&b, "/me/courses", tok, sizeof tok));
	br_post_form(&b, path, &r, "csrf_token", tok, "next", "/me/courses", NULL);
	CHECK_INT(r.status, 303);
	CHECK_STR(cl_location(&r, loc, sizeof loc), "/me/courses");
	hc_free(&r);
	/* next is checked as login's: not local → "/"; none → /courses. */
	br_post_form(&b, path, &r, "csrf_token", tok, "next", "//evil.example/", NULL);
	CHECK_INT(r.status, 303);
	CHECK_STR(cl_location(&r, loc, sizeof loc), "/");
	hc_free(&r);
	br_post_form(&b, path, &r, "csrf_token", tok, NULL);
	CHECK_STR(cl_location(&r, loc, sizeof loc), "/courses");
	hc_free(&r);
	/* Select keeps its SPEC answer too. */
	snprintf(path, sizeof path, "/courses/%lld/select", id);
	br_post_form(&b, path, &r, "csrf_token", tok, NULL);
	CHECK_STR(cl_location(&r, loc, sizeof loc), "/courses");
	hc_free(&r);
}

TEST(test_anonymous_course_list_says_how_to_select)
{
	struct http_resp r;
	page(NULL, "/courses", &r);
	CHECK_MSG(strstr(r.body, "<a href=\"/login?next=/courses\">Log in</a> to select courses") != NULL,
		  "no hint on the anonymous course list");
	hc_free(&r);
	struct browser b;
	char nb[40];
	br_init(&b);
	cl_new_user(&b, nb, "nohint");
	br_get(&b, "/courses", &r);
	/* The student's list: select buttons instead of the hint. */
	CHECK_STATUS(r, 200);
	CHECK(strstr(r.body, "action=\"/logout\"") != NULL);
	CHECK(strstr(r.body, "/select\"") != NULL);
	CHECK(strstr(r.body, "to select courses") == NULL);
	hc_free(&r);
}

static long long clicks(long long id)
{
	char path[64];
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	struct http_resp r;
	cl_get(path, &r);
	json_object *o = cl_json(&r);
	long long n = cl_jint(o, "click_num", -1);
	json_object_put(o);
	hc_free(&r);
	return n;
}

TEST(test_deleting_an_article_asks_for_confirmation_first)
{
	struct browser a, other;
	char na[40], no[40], path[96], want[160], loc[256], tok[256];
	br_init(&a);
	br_init(&other);
	cl_new_user(&a, na, "confirm");
	cl_new_user(&other, no, "confother");
	long long id = cl_api_article(&a, "Keep me unless confirmed", "body");
	CHECK(id > 0);
	struct http_resp r;
	/* The article page links to the confirmation; it deletes nothing. */
	snprintf(path, sizeof path, "/articles/%lld", id);
	br_get(&a, path, &r);
	snprintf(want, sizeof want, "href=\"/articles/%lld/confirm-delete\">Delete this article…</a>", id);
	CHECK_MSG(strstr(r.body, want) != NULL, "no link to the confirmation on the article page");
	snprintf(want, sizeof want, "action=\"/articles/%lld/delete\"", id);
	CHECK_MSG(strstr(r.body, want) == NULL, "the article page still deletes at once");
	hc_free(&r);
	long long before = clicks(id);
	snprintf(path, sizeof path, "/articles/%lld/confirm-delete", id);
	br_get(&a, path, &r);
	CHECK_INT(r.status, 200);
	CHECK(strstr(r.body, "<h1>Delete this article?</h1>") != NULL);
	CHECK(strstr(r.body, "Keep me unless confirmed") != NULL);
	CHECK(strstr(r.body, want) != NULL); /* the POST form */
	CHECK(strstr(r.body, "name=\"csrf_token\"") != NULL);
	snprintf(want, sizeof want, "<a class=\"button secondary\" href=\"/articles/%lld\">Cancel</a>", id);
	CHECK(strstr(r.body, want) != NULL);
	hc_free(&r);
	CHECK_INT(clicks(id), before); /* the confirmation counts no click */
	snprintf(want, sizeof want, "/articles/%lld", id);
	cl_get(want, &r);
	CHECK_INT(status_and_free(&r), 200); /* still there */
	/* Someone else: 403; anonymous: to the login; no such article: 404. */
	br_get(&other, path, &r);
	CHECK_INT(status_and_free(&r), 403);
	cl_get(path, &r);
	CHECK_INT(r.status, 303);
	CHECK(!strncmp(cl_location(&r, loc, sizeof loc), "/login?next=", 12));
	hc_free(&r);
	br_get(&a, "/articles/999999999/confirm-delete", &r);
	CHECK_INT(status_and_free(&r), 404);
	/* Confirmed: the POST of SPEC 7, unchanged. */
	CHECK(br_csrf(&a, path, tok, sizeof tok));
	snprintf(path, sizeof path, "/articles/%lld/delete", id);
	br_post_form(&a, path, &r, "csrf_token", tok, NULL);
	CHECK_INT(r.status, 303);
	CHECK_STR(cl_location(&r, loc, sizeof loc), "/articles");
	hc_free(&r);
	snprintf(path, sizeof path, "/articles/%lld/confirm-delete", id);
	br_get(&a, path, &r);
	CHECK_INT(status_and_free(&r), 404);
}

TEST(test_favicon_is_served)
{
	struct http_resp r;
	cl_get("/favicon.ico", &r);
	CHECK_INT(r.status, 200);
	CHECK_MSG(r.body_len > 6 && !memcmp(r.body, "\0\0\1\0", 4), "not an ICO file (%zu bytes)", r.body_len);
	const char *ct = cl_header(&r, "Content-Type");
	CHECK_MSG(ct && strstr(ct, "image/"), "Content-Type %s", ct ? ct : "(none)");
	hc_free(&r);
	page(NULL, "/", &r);
	CHECK(strstr(r.body, "<link rel=\"icon\" href=\"/favicon.ico\"") != NULL);
	hc_free(&r);
}
