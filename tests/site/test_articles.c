/* test_articles.c — the site's articles on the test client (SPEC 7):
 * the new-article form and its login redirect, create (303, 422), show
 * and its view count, delete by the author (303, 403, 404), the lists
 * and their pagination errors, the user page; the same through the API
 * with its JSON shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site_client.h"

/* As the logged-in visitor, POST /articles through the new-article form;
 * the answer. */
static const struct flacon_response *post_article(const char *title, const char *content)
{
	struct flacon_form *f = flacon_client_form(sc(), sc_get("/articles/new"), "/articles");
	CHECK_MSG(f != NULL, "GET /articles/new has no form posting to /articles");
	if (!f)
		return sc_get("/articles/new");
	flacon_form_set(f, "title", title);
	flacon_form_set(f, "content", content);
	return flacon_form_submit(sc(), f);
}

/* As the current visitor, POST /articles/ID/delete with token (NULL:
 * none). */
static const struct flacon_response *delete_article(long long id, const char *token)
{
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld/delete", id);
	return token ? flacon_client_post_form(sc(), path, "csrf_token", token, NULL)
		     : flacon_client_post_form(sc(), path, NULL);
}

static const struct flacon_response *getf(const char *fmt, long long id)
{
	char path[128];
	snprintf(path, sizeof path, fmt, id);
	return sc_get(path);
}

TEST(test_new_article_page_anonymous_is_303_to_login_with_next_then_a_form)
{
	REQUIRE(sc_visitor());
	const struct flacon_response *r = sc_get("/articles/new");
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/login?next=/articles/new");
	/* Logging in with that next comes back to the form. */
	char name[33];
	REQUIRE(sc_new_user(name, "newform") > 0);
	r = sc_login_form(name, SC_PASSWORD, NULL, "/articles/new");
	CHECK_LOCATION(r, "/articles/new");
	r = sc_get("/articles/new");
	CHECK_STATUS(r, 200);
	struct flacon_form *f = flacon_client_form(sc(), r, "/articles");
	REQUIRE(f);
	CHECK(flacon_form_get(f, "csrf_token") != NULL);
	CHECK_STR(flacon_form_get(f, "title"), "");
	CHECK_STR(flacon_form_get(f, "content"), "");
out:;
}

TEST(test_post_article_is_303_to_the_article_which_shows_it_and_counts_each_view)
{
	char name[33];
	REQUIRE(sc_new_user(name, "author") > 0);
	const struct flacon_response *r = post_article("A title & more", "Its <body> text.");
	CHECK_STATUS(r, 303);
	const char *loc = flacon_resp_header(r, "Location");
	REQUIRE(loc && !strncmp(loc, "/articles/", 10));
	long long id = atoll(loc + 10);
	REQUIRE(id > 0);
	r = getf("/articles/%lld", id);
	CHECK_STATUS(r, 200);
	CHECK_HAS(r, "<h1>A title &amp; more</h1>");
	CHECK_HAS(r, "Its &lt;body&gt; text.");
	char link[80];
	snprintf(link, sizeof link, "href=\"/users/%s\"", name);
	CHECK_HAS(r, link);
	CHECK_HAS(r, "1 view");
	/* Two more views, one anonymous: the page shows 3, the API (which
	 * counts none) says 3. */
	getf("/articles/%lld", id);
	REQUIRE(sc_visitor());
	r = getf("/articles/%lld", id);
	CHECK_HAS(r, "3 views");
	r = getf("/api/articles/%lld", id);
	CHECK_STATUS(r, 200);
	CHECK_INT(sc_jint(r->json, "click_num"), 3);
	CHECK_INT(sc_jint(getf("/api/articles/%lld", id)->json, "click_num"), 3);
out:;
}

TEST(test_post_article_invalid_is_422_with_the_form_and_the_message)
{
	char name[33], long_title[200], two_byte_128[257];
	REQUIRE(sc_new_user(name, "inv") > 0);
	memset(long_title, 't', 129);
	long_title[129] = '\0';
	/* 128 code points of two bytes each: not too long. */
	for (int i = 0; i < 128; i++)
		memcpy(two_byte_128 + 2 * i, "\xc3\xa9", 2);
	two_byte_128[256] = '\0';
	const struct {
		const char *title, *content, *message;
	} cases[] = {
		{"", "x", "Title must be 1 to 128 characters long."},
		{long_title, "x", "Title must be 1 to 128 characters long."},
		{" \t ", "x", "Title must not be only whitespace."},
		{"A title", "", "Content must be 1 to 65535 bytes long."},
	};
	long long before = sc_scalar("SELECT COUNT(*) FROM article");
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct flacon_response *r = post_article(cases[i].title, cases[i].content);
		CHECK_STATUS(r, 422);
		CHECK_HAS(r, cases[i].message);
		struct flacon_form *f = flacon_client_form(sc(), r, "/articles");
		CHECK_MSG(f && flacon_form_get(f, "title") && !strcmp(flacon_form_get(f, "title"), cases[i].title),
			  "case %zu: the form again, title kept", i);
	}
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM article"), before);
	/* At the limits: 128 code points, 65535 bytes. */
	char *big = malloc(65536);
	REQUIRE(big);
	memset(big, 'c', 65535);
	big[65535] = '\0';
	const struct flacon_response *r = post_article(two_byte_128, big);
	CHECK_STATUS(r, 303);
	free(big);
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM article"), before + 1);
out:;
}

TEST(test_post_article_anonymous_with_a_token_is_303_to_login)
{
	REQUIRE(sc_visitor());
	const char *tok = sc_csrf("/login", "/login");
	REQUIRE(tok);
	long long before = sc_scalar("SELECT COUNT(*) FROM article");
	const struct flacon_response *r =
		flacon_client_post_form(sc(), "/articles", "csrf_token", tok, "title", "Anonymous", "content", "x", NULL);
	CHECK_STATUS(r, 303);
	const char *loc = flacon_resp_header(r, "Location");
	CHECK_MSG(loc && !strncmp(loc, "/login?next=/", 13) && loc[13] != '/', "Location %s", loc ? loc : "(none)");
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM article"), before);
out:;
}

TEST(test_article_absent_deleted_or_not_a_number_is_404_page_and_json)
{
	char name[33];
	REQUIRE(sc_new_user(name, "gone") > 0);
	long long id = sc_new_article("Here, then gone", "x");
	REQUIRE(id > 0);
	CHECK_STATUS(getf("/articles/%lld", id), 200);
	char api[64];
	snprintf(api, sizeof api, "/api/articles/%lld", id);
	CHECK_STATUS(sc_api("DELETE", api, NULL), 204);
	const struct flacon_response *r = getf("/articles/%lld", id);
	CHECK_STATUS(r, 404);
	CHECK_HAS(r, "404");
	r = sc_get(api);
	CHECK_STATUS(r, 404);
	CHECK_STR(sc_jerror(r), "not_found");
	const char *ids[] = {"999999999", "abc", "1abc", "-1", "1.0", "0", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		char path[64];
		snprintf(path, sizeof path, "/articles/%s", ids[i]);
		r = sc_get(path);
		CHECK_STATUS(r, 404);
		CHECK_STR(flacon_resp_header(r, "Content-Type"), "text/html; charset=utf-8");
		snprintf(path, sizeof path, "/api/articles/%s", ids[i]);
		r = sc_get(path);
		CHECK_STATUS(r, 404);
		CHECK_STR(sc_jerror(r), "not_found");
	}
out:;
}

TEST(test_delete_by_the_author_is_303_to_articles_then_404_everywhere)
{
	char name[33], title[64];
	REQUIRE(sc_new_user(name, "deleter") > 0);
	snprintf(title, sizeof title, "To delete by %s", name);
	long long id = sc_new_article(title, "x");
	REQUIRE(id > 0);
	/* The confirmation page carries the form with its token. */
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld/delete", id);
	const struct flacon_response *r = getf("/articles/%lld/confirm-delete", id);
	CHECK_STATUS(r, 200);
	struct flacon_form *f = flacon_client_form(sc(), r, path);
	REQUIRE(f);
	r = flacon_form_submit(sc(), f);
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/articles");
	CHECK_STATUS(getf("/articles/%lld", id), 404);
	CHECK_STATUS(getf("/api/articles/%lld", id), 404);
	char user[64];
	snprintf(user, sizeof user, "/users/%s", name);
	CHECK_HASNT(sc_get(user), title);
	CHECK_HASNT(sc_get("/articles"), title);
	/* Logical: the row stays, marked deleted. */
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT isdelete FROM article WHERE id = %lld", id);
	CHECK_INT(sc_scalar(sql), 1);
	/* Deleting it again: it is absent now. */
	CHECK_STATUS(delete_article(id, sc_csrf("/", "/logout")), 404);
out:;
}

TEST(test_delete_by_another_user_is_403_anonymous_goes_to_login_absent_is_404)
{
	char author[33], other[33];
	REQUIRE(sc_new_user(author, "owner") > 0);
	long long id = sc_new_article("Not yours", "x");
	REQUIRE(id > 0);
	REQUIRE(sc_new_user(other, "intruder") > 0);
	const char *tok = sc_csrf("/", "/logout");
	REQUIRE(tok);
	CHECK_STATUS(delete_article(id, tok), 403);
	CHECK_STATUS(getf("/articles/%lld/confirm-delete", id), 403);
	CHECK_STATUS(delete_article(id, NULL), 403);
	CHECK_STATUS(delete_article(999999999, tok), 404);
	REQUIRE(sc_visitor());
	const char *anon = sc_csrf("/login", "/login");
	REQUIRE(anon);
	const struct flacon_response *r = delete_article(id, anon);
	CHECK_STATUS(r, 303);
	const char *loc = flacon_resp_header(r, "Location");
	CHECK_MSG(loc && !strncmp(loc, "/login?next=", 12), "Location %s", loc ? loc : "(none)");
	CHECK_STATUS(getf("/articles/%lld", id), 200);
out:;
}

TEST(test_articles_list_is_newest_first_with_the_author_link_and_views)
{
	char name[33], titles[3][64];
	REQUIRE(sc_new_user(name, "lister") > 0);
	for (int i = 0; i < 3; i++) {
		snprintf(titles[i], sizeof titles[i], "Listed %s #%d", name, i);
		REQUIRE(sc_new_article(titles[i], "x") > 0);
	}
	const struct flacon_response *r = sc_get("/articles");
	CHECK_STATUS(r, 200);
	const char *t2 = strstr(r->body, titles[2]), *t1 = strstr(r->body, titles[1]),
		   *t0 = strstr(r->body, titles[0]);
	CHECK_MSG(t2 && t1 && t0 && t2 < t1 && t1 < t0, "not newest first");
	char link[80];
	snprintf(link, sizeof link, "href=\"/users/%s\"", name);
	CHECK_HAS(r, link);
	CHECK_HAS(r, "0 views");
	/* The home page has them too, newest first. */
	r = sc_get("/");
	t2 = strstr(r->body, titles[2]);
	t0 = strstr(r->body, titles[0]);
	CHECK_MSG(t2 && t0 && t2 < t0, "home: not newest first");
out:;
}

TEST(test_pagination_arguments_not_plain_digits_zero_or_beyond_the_last_are_404)
{
	REQUIRE(sc_visitor());
	const char *qs[] = {"page=0",      "page=1.5",     "page=1e3",   "page=%2B2", "page=%202",
			    "page=",       "page=-1",      "per_page=0", "per_page=abc",
			    "per_page=",   "page=99999999999999999999"};
	for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
		char path[96];
		snprintf(path, sizeof path, "/articles?%s", qs[i]);
		CHECK_STATUS(sc_get(path), 404);
		snprintf(path, sizeof path, "/api/articles?%s", qs[i]);
		const struct flacon_response *r = sc_get(path);
		CHECK_STATUS(r, 404);
		CHECK_STR(sc_jerror(r), "not_found");
	}
	/* The last page answers, the one after it is 404. */
	const struct flacon_response *r = sc_get("/api/articles?per_page=1");
	long long pages = sc_jint(r->json, "pages");
	REQUIRE(pages >= 1);
	char path[96];
	snprintf(path, sizeof path, "/articles?per_page=1&page=%lld", pages);
	CHECK_STATUS(sc_get(path), 200);
	snprintf(path, sizeof path, "/articles?per_page=1&page=%lld", pages + 1);
	CHECK_STATUS(sc_get(path), 404);
	snprintf(path, sizeof path, "/api/articles?per_page=1&page=%lld", pages + 1);
	CHECK_STATUS(sc_get(path), 404);
out:;
}

TEST(test_per_page_above_100_is_capped_and_page_links_keep_per_page)
{
	char name[33];
	REQUIRE(sc_new_user(name, "perpage") > 0);
	for (int i = 0; i < 3; i++)
		REQUIRE(sc_new_article("For the page links", "x") > 0);
	const struct flacon_response *r = sc_get("/api/articles?per_page=1000");
	CHECK_STATUS(r, 200);
	CHECK_INT(sc_jint(r->json, "per_page"), 100);
	r = sc_get("/articles?per_page=1&page=2");
	CHECK_STATUS(r, 200);
	CHECK_HAS(r, "rel=\"prev\" href=\"/articles?page=1&amp;per_page=1\"");
	CHECK_HAS(r, "rel=\"next\" href=\"/articles?page=3&amp;per_page=1\"");
	CHECK_INT(sc_count(r, "<a class=\"title\""), 1);
out:;
}

TEST(test_api_user_articles_have_the_paginated_shape_and_only_theirs)
{
	char name[33], other[33], path[96];
	long long uid = sc_new_user(name, "pager");
	REQUIRE(uid > 0);
	long long ids[3];
	for (int i = 0; i < 3; i++)
		REQUIRE((ids[i] = sc_new_article("Paged", "x")) > 0);
	REQUIRE(sc_new_user(other, "notpaged") > 0);
	REQUIRE(sc_new_article("Someone else's", "x") > 0);
	snprintf(path, sizeof path, "/api/users/%s/articles?per_page=2", name);
	const struct flacon_response *r = sc_get(path);
	CHECK_STATUS(r, 200);
	json_object *o = r->json;
	REQUIRE(o);
	CHECK_INT(sc_jint(o, "page"), 1);
	CHECK_INT(sc_jint(o, "per_page"), 2);
	CHECK_INT(sc_jint(o, "total"), 3);
	CHECK_INT(sc_jint(o, "pages"), 2);
	CHECK(json_object_get_boolean(sc_j(o, "has_next")) && !json_object_get_boolean(sc_j(o, "has_prev")));
	CHECK(json_object_object_get_ex(o, "prev_num", NULL) && !sc_j(o, "prev_num"));
	CHECK_INT(sc_jint(o, "next_num"), 2);
	json_object *items = sc_j(o, "items");
	REQUIRE(items && json_object_array_length(items) == 2);
	json_object *first = json_object_array_get_idx(items, 0);
	CHECK_INT(sc_jint(first, "id"), ids[2]);
	CHECK_INT(sc_jint(json_object_array_get_idx(items, 1), "id"), ids[1]);
	CHECK_STR(sc_jstr(first, "title"), "Paged");
	CHECK(sc_jstr(first, "pdatetime") && strchr(sc_jstr(first, "pdatetime"), 'Z'));
	CHECK_INT(sc_jint(first, "click_num"), 0);
	CHECK(!sc_j(first, "content"));
	CHECK_INT(sc_jint(sc_j(first, "author"), "id"), uid);
	CHECK_STR(sc_jstr(sc_j(first, "author"), "username"), name);
	snprintf(path, sizeof path, "/api/users/%s/articles?per_page=2&page=2", name);
	r = sc_get(path);
	CHECK_STATUS(r, 200);
	CHECK_INT(json_object_array_length(sc_j(r->json, "items")), 1);
	CHECK_INT(sc_jint(sc_j(json_object_array_get_idx(sc_j(r->json, "items"), 0), "author"), "id"), uid);
	CHECK(!sc_j(r->json, "next_num") && sc_jint(r->json, "prev_num") == 1);
	snprintf(path, sizeof path, "/api/users/%s/articles?per_page=2&page=3", name);
	CHECK_STATUS(sc_get(path), 404);
	CHECK_STATUS(sc_get("/api/users/nobody_by_that_name/articles"), 404);
out:;
}

TEST(test_api_article_create_is_201_with_location_and_the_article)
{
	char name[33];
	long long uid = sc_new_user(name, "apiart");
	REQUIRE(uid > 0);
	const struct flacon_response *r =
		sc_api("POST", "/api/articles", "{\"title\": \"\\u00e9t\\u00e9 \\ud83d\\ude00\", \"content\": \"Body\"}");
	CHECK_STATUS(r, 201);
	long long id = sc_jint(r->json, "id");
	REQUIRE(id > 0);
	char loc[64];
	snprintf(loc, sizeof loc, "/api/articles/%lld", id);
	CHECK_LOCATION(r, loc);
	r = sc_get(loc);
	CHECK_STATUS(r, 200);
	CHECK_STR(sc_jstr(r->json, "title"), "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80");
	CHECK_STR(sc_jstr(r->json, "content"), "Body");
	CHECK_INT(sc_jint(r->json, "click_num"), 0);
	CHECK_INT(sc_jint(sc_j(r->json, "author"), "id"), uid);
	CHECK_STR(sc_jstr(sc_j(r->json, "author"), "username"), name);
	const char *d = sc_jstr(r->json, "pdatetime");
	CHECK_MSG(d && strlen(d) == 20 && d[10] == 'T' && d[19] == 'Z', "pdatetime %s", d ? d : "(none)");
out:;
}

TEST(test_api_article_create_anonymous_is_401_and_invalid_or_missing_is_422)
{
	REQUIRE(sc_visitor());
	const struct flacon_response *r = sc_api("POST", "/api/articles", "{\"title\": \"t\", \"content\": \"c\"}");
	CHECK_STATUS(r, 401);
	CHECK_STR(sc_jerror(r), "unauthorized");
	char name[33];
	REQUIRE(sc_new_user(name, "apiinv") > 0);
	const char *bodies[] = {
		"{\"title\": \"\", \"content\": \"c\"}", "{\"title\": \"   \", \"content\": \"c\"}",
		"{\"title\": \"t\", \"content\": \"\"}", "{\"title\": \"t\"}",
		"{\"content\": \"c\"}",                 "{\"title\": 5, \"content\": \"c\"}",
		"{\"title\": \"t\", \"content\": [\"c\"]}",
	};
	long long before = sc_scalar("SELECT COUNT(*) FROM article");
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		r = sc_api("POST", "/api/articles", bodies[i]);
		CHECK_STATUS(r, 422);
		CHECK_STR(sc_jerror(r), "validation");
	}
	CHECK_INT(sc_scalar("SELECT COUNT(*) FROM article"), before);
out:;
}

TEST(test_api_article_delete_is_204_by_the_author_403_for_others_401_anonymous_404_absent)
{
	char author[33], other[33], path[64];
	REQUIRE(sc_new_user(author, "apidel") > 0);
	long long id = sc_new_article("Deleted by API", "x");
	REQUIRE(id > 0);
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	REQUIRE(sc_new_user(other, "apinotdel") > 0);
	const struct flacon_response *r = sc_api("DELETE", path, NULL);
	CHECK_STATUS(r, 403);
	CHECK_STR(sc_jerror(r), "forbidden");
	CHECK_STATUS(sc_api("DELETE", "/api/articles/999999999", NULL), 404);
	REQUIRE(sc_visitor());
	r = sc_api("DELETE", path, NULL);
	CHECK_STATUS(r, 401);
	CHECK_STATUS(sc_get(path), 200);
	REQUIRE(flacon_resp_header(sc_login_form(author, SC_PASSWORD, NULL, NULL), "Location"));
	r = sc_api("DELETE", path, NULL);
	CHECK_STATUS(r, 204);
	CHECK_INT(r->body_len, 0);
	CHECK_STATUS(sc_get(path), 404);
	CHECK_STATUS(sc_api("DELETE", path, NULL), 404);
out:;
}

TEST(test_user_page_lists_their_articles_and_unknown_user_is_404)
{
	char name[33], path[64];
	REQUIRE(sc_new_user(name, "pageuser") > 0);
	REQUIRE(sc_new_article("First of theirs", "x") > 0);
	REQUIRE(sc_new_article("Second of theirs", "x") > 0);
	REQUIRE(sc_visitor());
	snprintf(path, sizeof path, "/users/%s", name);
	const struct flacon_response *r = sc_get(path);
	CHECK_STATUS(r, 200);
	CHECK_HAS(r, name);
	const char *a = strstr(r->body, "Second of theirs"), *b = strstr(r->body, "First of theirs");
	CHECK_MSG(a && b && a < b, "not newest first");
	CHECK_STATUS(sc_get("/users/nobody_by_that_name"), 404);
out:;
}

/* The page bar as Flask's iter_pages(2, 2, 4, 2): the two first and last
 * pages, two before the current one and four after it, a gap between;
 * the links keep per_page only when the request named it; the line
 * under it counts the articles. */
TEST(test_page_bar_has_edges_gaps_current_page_and_keeps_per_page_only_when_named)
{
	char name[33], path[96], want[160];
	REQUIRE(sc_new_user(name, "pagebar") > 0);
	for (int i = 0; i < 25; i++)
		REQUIRE(sc_new_article("For the page bar", "x") > 0);
	/* Oldest of all: other tests' first pages stay theirs. */
	sc_scalar("UPDATE article SET pdatetime = '2001-01-01' WHERE title = 'For the page bar'");
	const struct flacon_response *r = sc_get("/api/articles?per_page=1");
	CHECK_STATUS(r, 200);
	long long pages = sc_jint(r->json, "pages"), total = sc_jint(r->json, "total");
	REQUIRE(pages >= 25 && total == pages);
	r = sc_get("/articles?per_page=1&page=10");
	CHECK_STATUS(r, 200);
	CHECK_HAS(r, "<span class=\"current\" aria-current=\"page\">10</span>");
	long long shown[] = {1, 2, 8, 9, 11, 12, 13, 14, pages - 1, pages};
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		snprintf(want, sizeof want, "<a href=\"/articles?page=%lld&amp;per_page=1\">%lld</a>",
			 shown[i], shown[i]);
		CHECK_HAS(r, want);
	}
	long long hidden[] = {3, 7, 15};
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
		snprintf(want, sizeof want, "?page=%lld&amp;per_page=1\"", hidden[i]);
		CHECK_MSG(!strstr(r->body, want), "page %lld is not on the bar", hidden[i]);
	}
	CHECK_INT(sc_count(r, "<span class=\"gap\">"), 2);
	snprintf(want, sizeof want, "Page 10 of %lld · %lld articles", pages, total);
	CHECK_HAS(r, want);
	/* Without per_page in the request, none in the links. */
	r = sc_get("/articles?page=2");
	CHECK_STATUS(r, 200);
	CHECK_HAS(r, "rel=\"prev\" href=\"/articles?page=1\"");
	CHECK_HAS(r, "<a href=\"/articles?page=1\">1</a>");
	CHECK(!strstr(r->body, "per_page"));
	snprintf(path, sizeof path, "/articles?page=%lld", (total + 19) / 20);
	r = sc_get(path);
	CHECK_STATUS(r, 200);
	CHECK_HAS(r, "<span class=\"disabled\">Older &rarr;</span>");
out:;
}
