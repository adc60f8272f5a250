/* End-to-end tests of the JSON API's articles (SPEC section 7):
 * GET /api/articles, GET/DELETE /api/articles/N, POST /api/articles and
 * GET /api/users/NAME/articles — shapes, pagination, validation, order of
 * the checks, logical delete, UTF-8 round trips, no N+1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "test.h"

/* GET path anonymously and parse the JSON answer (status in *status). */
static json_object *get_json(const char *path, int *status)
{
	struct http_resp r;
	cl_get(path, &r);
	*status = r.status;
	json_object *o = cl_json(&r);
	CHECK_MSG(o != NULL, "GET %s: not JSON: %.200s", path, r.body);
	hc_free(&r);
	return o;
}

static char *article_json(const char *title, const char *content)
{
	json_object *o = json_object_new_object();
	if (title)
		json_object_object_add(o, "title", json_object_new_string(title));
	if (content)
		json_object_object_add(o, "content", json_object_new_string(content));
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* POST /api/articles with title/content; returns the status. */
static int post_article(struct browser *b, const char *title, const char *content)
{
	char *j = article_json(title, content);
	struct http_resp r;
	br_json(b, "POST", "/api/articles", j, &r);
	free(j);
	int s = r.status;
	if (s != 201 && s != 422)
		fprintf(stderr, "  POST /api/articles: %d %.200s\n", s, r.body);
	hc_free(&r);
	return s;
}

/* Check one list item: {id,title,pdatetime,click_num,author:{id,username}}. */
static void check_list_item(json_object *it)
{
	CHECK(cl_jint(it, "id", -1) > 0);
	CHECK(cl_jstr(it, "title") != NULL);
	CHECK_MSG(cl_is_iso_utc(cl_jstr(it, "pdatetime"), NULL), "pdatetime %s",
		  json_object_to_json_string(it));
	CHECK(cl_jint(it, "click_num", -1) >= 0);
	json_object *a = cl_jget(it, "author");
	CHECK_MSG(a && cl_jint(a, "id", -1) > 0 && strlen(cl_nz(cl_jstr(a, "username"))) >= 3,
		  "author of %s", json_object_to_json_string(it));
}

TEST(test_api_articles_first_page_has_the_paginated_shape)
{
	cl_ensure_articles(30);
	int st;
	json_object *o = get_json("/api/articles", &st);
	CHECK_INT(st, 200);
	long long total = cl_jint(o, "total", -1);
	CHECK(total >= 30);
	CHECK_INT(cl_jint(o, "page", -1), 1);
	CHECK_INT(cl_jint(o, "per_page", -1), 20);
	CHECK_INT(cl_jint(o, "pages", -1), (total + 19) / 20);
	CHECK(cl_jfalse(o, "has_prev"));
	CHECK(cl_jtrue(o, "has_next"));
	CHECK(cl_jnull(o, "prev_num"));
	CHECK_INT(cl_jint(o, "next_num", -1), 2);
	json_object *items = cl_jget(o, "items");
	CHECK(items && json_object_is_type(items, json_type_array));
	CHECK_INT(items ? json_object_array_length(items) : 0, 20);
	for (size_t i = 0; items && i < json_object_array_length(items); i++)
		check_list_item(json_object_array_get_idx(items, i));
	json_object_put(o);
}

TEST(test_api_articles_last_page_has_next_num_null)
{
	cl_ensure_articles(30);
	int st;
	json_object *o = get_json("/api/articles?per_page=7", &st);
	long long total = cl_jint(o, "total", -1), pages = cl_jint(o, "pages", -1);
	json_object_put(o);
	CHECK_INT(pages, (total + 6) / 7);
	char path[128];
	snprintf(path, sizeof path, "/api/articles?page=%lld&per_page=7", pages);
	o = get_json(path, &st);
	CHECK_INT(st, 200);
	CHECK_INT(cl_jint(o, "page", -1), pages);
	CHECK_INT(cl_jint(o, "per_page", -1), 7);
	CHECK(cl_jtrue(o, "has_prev"));
	CHECK(cl_jfalse(o, "has_next"));
	CHECK(cl_jnull(o, "next_num"));
	CHECK_INT(cl_jint(o, "prev_num", -1), pages - 1);
	json_object *items = cl_jget(o, "items");
	CHECK_INT(items ? json_object_array_length(items) : 0, total - (pages - 1) * 7);
	json_object_put(o);
}

TEST(test_api_articles_per_page_above_100_is_capped_at_100)
{
	cl_ensure_articles(105);
	const char *paths[] = {"/api/articles?per_page=500", "/api/articles?per_page=101",
			       "/api/articles?per_page=100"};
	for (int i = 0; i < 3; i++) {
		int st;
		json_object *o = get_json(paths[i], &st);
		CHECK_MSG(st == 200, "%s: %d", paths[i], st);
		CHECK_INT(cl_jint(o, "per_page", -1), 100);
		json_object *items = cl_jget(o, "items");
		CHECK_INT(items ? json_object_array_length(items) : 0, 100);
		json_object_put(o);
	}
}

TEST(test_api_articles_page_and_per_page_not_plain_digits_are_404)
{
	cl_ensure_articles(30);
	const char *qs[] = {"page=0",      "per_page=0",  "page=1.5",     "page=1e3",
			    "page=%2B2",   "page=+2",     "page=%202",    "page=",
			    "per_page=",   "page=-1",     "per_page=1.5", "per_page=1e3",
			    "per_page=+5", "per_page=%205", "page=abc",   "page=0x1",
			    "page=99999999999999999999999", "per_page=-5", "page=2%20"};
	for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
		char path[128];
		snprintf(path, sizeof path, "/api/articles?%s", qs[i]);
		struct http_resp r;
		cl_get(path, &r);
		CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%s: %d %.100s", path, r.status,
			  r.body);
		hc_free(&r);
	}
}

TEST(test_api_articles_page_beyond_last_is_404_and_last_is_200)
{
	cl_ensure_articles(30);
	int st;
	json_object *o = get_json("/api/articles?per_page=10", &st);
	long long pages = cl_jint(o, "pages", -1);
	json_object_put(o);
	char path[128];
	struct http_resp r;
	snprintf(path, sizeof path, "/api/articles?page=%lld&per_page=10", pages);
	cl_get(path, &r);
	CHECK_STATUS(r, 200);
	hc_free(&r);
	snprintf(path, sizeof path, "/api/articles?page=%lld&per_page=10", pages + 1);
	cl_get(path, &r);
	CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%s: %d", path, r.status);
	hc_free(&r);
}

TEST(test_api_articles_are_newest_first)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "newest");
	long long ids[3];
	const char *titles[] = {"Newest order one", "Newest order two", "Newest order three"};
	for (int i = 0; i < 3; i++)
		ids[i] = cl_api_article(&b, titles[i], "x");
	int st;
	json_object *o = get_json("/api/articles", &st);
	json_object *items = cl_jget(o, "items");
	CHECK(items && json_object_array_length(items) >= 3);
	if (items && json_object_array_length(items) >= 3) {
		for (int i = 0; i < 3; i++)
			CHECK_INT(cl_jint(json_object_array_get_idx(items, (size_t)i), "id", -1),
				  ids[2 - i]);
		/* The whole page: pdatetime desc, then id desc. */
		for (size_t i = 1; i < json_object_array_length(items); i++) {
			json_object *p = json_object_array_get_idx(items, i - 1);
			json_object *q = json_object_array_get_idx(items, i);
			int c = strcmp(cl_nz(cl_jstr(p, "pdatetime")), cl_nz(cl_jstr(q, "pdatetime")));
			CHECK_MSG(c > 0 || (c == 0 && cl_jint(p, "id", 0) > cl_jint(q, "id", 0)),
				  "items %zu and %zu out of order", i - 1, i);
		}
	}
	json_object_put(o);
}

TEST(test_api_article_create_is_201_with_location_and_then_readable)
{
	struct browser b;
	br_init(&b);
	char name[33];
	long long uid = cl_new_user(&b, name, "create");
	int st;
	json_object *o = get_json("/api/articles", &st);
	long long total = cl_jint(o, "total", -1);
	json_object_put(o);

	char *j = article_json("A fresh article", "Its content.");
	struct http_resp r;
	time_t before = time(NULL);
	br_json(&b, "POST", "/api/articles", j, &r);
	free(j);
	CHECK_STATUS(r, 201);
	char loc[256];
	cl_location(&r, loc, sizeof loc);
	long long id = -1;
	CHECK_MSG(sscanf(loc, "/api/articles/%lld", &id) == 1 && id > 0, "Location '%s'", loc);
	hc_free(&r);

	char path[64];
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	o = get_json(path, &st);
	CHECK_INT(st, 200);
	CHECK_INT(cl_jint(o, "id", -1), id);
	CHECK_STR(cl_jstr(o, "title"), "A fresh article");
	CHECK_STR(cl_jstr(o, "content"), "Its content.");
	CHECK_INT(cl_jint(o, "click_num", -1), 0);
	time_t t = 0;
	CHECK_MSG(cl_is_iso_utc(cl_jstr(o, "pdatetime"), &t), "pdatetime %s",
		  cl_jstr(o, "pdatetime"));
	CHECK_MSG(t >= before - 300 && t <= time(NULL) + 300, "pdatetime %s is not now in UTC",
		  cl_jstr(o, "pdatetime"));
	json_object *a = cl_jget(o, "author");
	CHECK_INT(cl_jint(a, "id", -1), uid);
	CHECK_STR(cl_jstr(a, "username"), name);
	json_object_put(o);

	o = get_json("/api/articles", &st);
	CHECK_INT(cl_jint(o, "total", -1), total + 1);
	json_object_put(o);
}

TEST(test_api_article_create_anonymous_is_401_unauthorized)
{
	struct browser b;
	br_init(&b);
	char *j = article_json("Anonymous", "x");
	struct http_resp r;
	br_json(&b, "POST", "/api/articles", j, &r);
	free(j);
	CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "%d %s", r.status, r.body);
	hc_free(&r);
}

TEST(test_api_article_invalid_title_is_422_validation)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "title");
	char ascii129[130];
	memset(ascii129, 't', 129);
	ascii129[129] = '\0';
	char cjk129[129 * 3 + 1] = "";
	for (int i = 0; i < 129; i++)
		strcat(cjk129, "\xe6\xbc\xa2"); /* 漢 */
	const char *bad[] = {"", "   ", "\t", " \n \r ", ascii129, cjk129};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *j = article_json(bad[i], "content");
		struct http_resp r;
		br_json(&b, "POST", "/api/articles", j, &r);
		CHECK_MSG(cl_is_error(&r, 422, "validation"), "title #%zu: %d %.200s", i, r.status,
			  r.body);
		hc_free(&r);
		free(j);
	}
}

TEST(test_api_article_title_of_1_and_128_code_points_is_accepted_as_is)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "title");
	char cjk128[128 * 4 + 1] = "";
	for (int i = 0; i < 127; i++)
		strcat(cjk128, "\xe6\xbc\xa2"); /* 漢: 3 bytes */
	strcat(cjk128, "\xf0\x9f\x8e\x89");    /* 🎉: 4 bytes, one code point */
	char ascii128[129];
	memset(ascii128, 'a', 128);
	ascii128[128] = '\0';
	const char *good[] = {"x", cjk128, ascii128, "  padded title  "};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		long long id = cl_api_article(&b, good[i], "content");
		CHECK_MSG(id > 0, "title #%zu refused: %lld", i, id);
		if (id <= 0)
			continue;
		char path[64];
		snprintf(path, sizeof path, "/api/articles/%lld", id);
		int st;
		json_object *o = get_json(path, &st);
		/* Nothing is trimmed, nothing is cut. */
		CHECK_STR(cl_jstr(o, "title"), good[i]);
		json_object_put(o);
	}
}

TEST(test_api_article_content_limits_are_1_to_65535_bytes)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "content");
	char *big = malloc(65537);
	memset(big, 'c', 65536);
	big[65536] = '\0';
	CHECK_INT(post_article(&b, "Too long", big), 422);
	CHECK_INT(post_article(&b, "Empty", ""), 422);
	big[65535] = '\0';
	long long id = cl_api_article(&b, "Longest", big);
	CHECK_MSG(id > 0, "65535 bytes refused: %lld", id);
	if (id > 0) {
		char path[64];
		snprintf(path, sizeof path, "/api/articles/%lld", id);
		int st;
		json_object *o = get_json(path, &st);
		const char *c = cl_jstr(o, "content");
		CHECK_INT(c ? strlen(c) : 0, 65535);
		json_object_put(o);
	}
	/* Bytes, not characters: 21845 × 3-byte characters = 65535 bytes is
	 * fine, one more character is over. */
	char *cjk = malloc(21846 * 3 + 1), *p = cjk;
	for (int i = 0; i < 21846; i++, p += 3)
		memcpy(p, "\xe4\xb8\xad", 3);
	*p = '\0';
	CHECK_INT(post_article(&b, "CJK too long", cjk), 422);
	cjk[21845 * 3] = '\0';
	CHECK_INT(post_article(&b, "CJK longest", cjk), 201);
	free(cjk);
	free(big);
}

TEST(test_api_article_missing_or_mistyped_field_is_422)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "mistype");
	const char *bodies[] = {"{\"title\":\"only a title\"}", "{\"content\":\"only content\"}",
				"{}", "{\"title\":5,\"content\":\"x\"}",
				"{\"title\":\"t\",\"content\":null}",
				"{\"title\":[\"t\"],\"content\":\"x\"}",
				"{\"title\":\"t\",\"content\":{\"a\":1}}"};
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		struct http_resp r;
		br_json(&b, "POST", "/api/articles", bodies[i], &r);
		CHECK_MSG(cl_is_error(&r, 422, "validation"), "%s: %d %.200s", bodies[i], r.status,
			  r.body);
		hc_free(&r);
	}
}

TEST(test_api_article_cjk_and_emoji_round_trip)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "utf8");
	const char *title = "漢字とテスト 🎉😀 Ünïcødé";
	const char *content = "中文内容 — emoji 🍣🐙 and \"quotes\" <b>tags</b> & more\nsecond line";
	long long id = cl_api_article(&b, title, content);
	CHECK(id > 0);
	char path[64];
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	int st;
	json_object *o = get_json(path, &st);
	CHECK_INT(st, 200);
	CHECK_STR(cl_jstr(o, "title"), title);
	CHECK_STR(cl_jstr(o, "content"), content);
	json_object_put(o);
	/* And in the list. */
	o = get_json("/api/articles?per_page=5", &st);
	json_object *items = cl_jget(o, "items");
	const char *t0 = items ? cl_jstr(json_object_array_get_idx(items, 0), "title") : NULL;
	CHECK_STR(t0, title);
	json_object_put(o);
}

TEST(test_api_article_absent_or_not_a_number_is_404)
{
	/* Control: an article that exists answers 200. */
	struct browser b;
	br_init(&b);
	char name[33], real[64];
	cl_new_user(&b, name, "a404");
	snprintf(real, sizeof real, "/api/articles/%lld", cl_api_article(&b, "Exists", "x"));
	int st;
	json_object_put(get_json(real, &st));
	CHECK_MSG(st == 200, "%s: %d", real, st);
	const char *paths[] = {"/api/articles/999999999", "/api/articles/abc",
			       "/api/articles/1abc",       "/api/articles/-1",
			       "/api/articles/0",          "/api/articles/99999999999999999999999"};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		struct http_resp r;
		cl_get(paths[i], &r);
		CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%s: %d %.100s", paths[i], r.status,
			  r.body);
		hc_free(&r);
	}
}

TEST(test_api_article_get_counts_no_click_but_the_html_page_does)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "clicks");
	long long id = cl_api_article(&b, "Click counting", "x");
	char api[64], page[64];
	snprintf(api, sizeof api, "/api/articles/%lld", id);
	snprintf(page, sizeof page, "/articles/%lld", id);
	int st;
	for (int i = 0; i < 2; i++) {
		json_object *o = get_json(api, &st);
		CHECK_INT(cl_jint(o, "click_num", -1), 0);
		json_object_put(o);
	}
	for (int i = 0; i < 3; i++) {
		struct http_resp r;
		cl_get(page, &r);
		CHECK_STATUS(r, 200);
		hc_free(&r);
	}
	/* Written in a batch: visible to every reader within a second. */
	CHECK_INT(cl_clicks_settled(id, 3), 3);
}

/* The ids of the first page of /api/articles?per_page=100. */
static bool in_first_page(long long id)
{
	int st;
	json_object *o = get_json("/api/articles?per_page=100", &st);
	json_object *items = cl_jget(o, "items");
	bool found = false;
	for (size_t i = 0; items && i < json_object_array_length(items); i++)
		found = found || cl_jint(json_object_array_get_idx(items, i), "id", -1) == id;
	json_object_put(o);
	return found;
}

TEST(test_api_article_delete_is_204_then_404_everywhere)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "apidel");
	long long keep = cl_api_article(&b, "Kept", "x");
	long long id = cl_api_article(&b, "To be deleted", "x");
	CHECK(in_first_page(id));
	int st;
	json_object *o = get_json("/api/articles", &st);
	long long total = cl_jint(o, "total", -1);
	json_object_put(o);

	char path[64];
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	struct http_resp r;
	br_json(&b, "DELETE", path, NULL, &r);
	CHECK_STATUS(r, 204);
	CHECK_INT(r.body_len, 0);
	hc_free(&r);

	cl_get(path, &r);
	CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%d", r.status);
	hc_free(&r);
	snprintf(path, sizeof path, "/articles/%lld", id);
	cl_get(path, &r);
	CHECK_STATUS(r, 404);
	hc_free(&r);
	CHECK(!in_first_page(id));
	CHECK(in_first_page(keep));
	o = get_json("/api/articles", &st);
	CHECK_INT(cl_jint(o, "total", -1), total - 1);
	json_object_put(o);
	char upath[96];
	snprintf(upath, sizeof upath, "/api/users/%s/articles", name);
	o = get_json(upath, &st);
	CHECK_INT(cl_jint(o, "total", -1), 1);
	json_object_put(o);

	/* Gone for good: a second delete finds nothing. */
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	br_json(&b, "DELETE", path, NULL, &r);
	CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%d", r.status);
	hc_free(&r);
}

TEST(test_api_article_delete_by_another_user_is_403_and_changes_nothing)
{
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	char na[33], nb[33];
	cl_new_user(&a, na, "owner");
	cl_new_user(&b, nb, "thief");
	long long id = cl_api_article(&a, "Not yours", "the owner's words");
	REQUIRE(id > 0);
	char path[64], list[96];
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	snprintf(list, sizeof list, "/api/users/%s/articles", na);
	int st;
	json_object *o = get_json("/api/articles", &st);
	long long total = cl_jint(o, "total", -1);
	json_object_put(o);
	struct http_resp r;
	br_json(&b, "DELETE", path, NULL, &r);
	CHECK_MSG(cl_is_error(&r, 403, "forbidden"), "%d %s", r.status, r.body);
	hc_free(&r);
	/* The article, its author's list and the total are as before. */
	o = get_json(path, &st);
	CHECK_INT(st, 200);
	CHECK_STR(cl_jstr(o, "title"), "Not yours");
	CHECK_STR(cl_jstr(o, "content"), "the owner's words");
	CHECK_STR(cl_jstr(cl_jget(o, "author"), "username"), na);
	json_object_put(o);
	o = get_json(list, &st);
	CHECK_INT(cl_jint(o, "total", -1), 1);
	json_object_put(o);
	o = get_json("/api/articles", &st);
	CHECK_INT(cl_jint(o, "total", -2), total);
	json_object_put(o);
out:;
}

TEST(test_api_article_delete_anonymous_is_401_and_absent_is_404)
{
	struct browser a, anon;
	br_init(&a);
	br_init(&anon);
	char na[33];
	cl_new_user(&a, na, "delanon");
	long long id = cl_api_article(&a, "Still here", "x");
	char path[64];
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	struct http_resp r;
	br_json(&anon, "DELETE", path, NULL, &r);
	CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "%d %s", r.status, r.body);
	hc_free(&r);
	cl_get(path, &r);
	CHECK_STATUS(r, 200);
	hc_free(&r);
	br_json(&a, "DELETE", "/api/articles/999999999", NULL, &r);
	CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%d %s", r.status, r.body);
	hc_free(&r);
}

TEST(test_api_article_delete_without_json_content_type_is_415)
{
	struct browser a;
	br_init(&a);
	char na[33];
	cl_new_user(&a, na, "del415");
	long long id = cl_api_article(&a, "Survives a 415", "x");
	char path[64];
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	struct http_resp r;
	br_request(&a, "DELETE", path, NULL, NULL, 0, &r);
	CHECK_MSG(cl_is_error(&r, 415, "unsupported_media_type"), "%d %s", r.status, r.body);
	hc_free(&r);
	br_request(&a, "DELETE", path, "Content-Type: text/plain\r\n", "", 0, &r);
	CHECK_MSG(cl_is_error(&r, 415, "unsupported_media_type"), "%d %s", r.status, r.body);
	hc_free(&r);
	cl_get(path, &r);
	CHECK_STATUS(r, 200);
	hc_free(&r);
}

TEST(test_api_article_check_order_415_and_400_come_before_401)
{
	struct browser anon;
	br_init(&anon);
	struct http_resp r;
	const char *good = "{\"title\":\"t\",\"content\":\"c\"}";
	br_request(&anon, "POST", "/api/articles", "Content-Type: text/plain\r\n", good,
		   strlen(good), &r);
	CHECK_MSG(cl_is_error(&r, 415, "unsupported_media_type"), "%d %s", r.status, r.body);
	hc_free(&r);
	br_request(&anon, "POST", "/api/articles", NULL, good, strlen(good), &r);
	CHECK_MSG(cl_is_error(&r, 415, "unsupported_media_type"), "%d %s", r.status, r.body);
	hc_free(&r);
	br_json(&anon, "POST", "/api/articles", "{'title':'t'}", &r);
	CHECK_MSG(cl_is_error(&r, 400, "bad_request"), "%d %s", r.status, r.body);
	hc_free(&r);
	br_json(&anon, "POST", "/api/articles", "[1,2]", &r);
	CHECK_MSG(cl_is_error(&r, 400, "bad_request"), "%d %s", r.status, r.body);
	hc_free(&r);
	/* Logged out beats invalid: 401, not 422. */
	br_json(&anon, "POST", "/api/articles", "{\"title\":\"\",\"content\":\"\"}", &r);
	CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "%d %s", r.status, r.body);
	hc_free(&r);
}

TEST(test_api_article_list_is_read_only_405_for_put)
{
	struct http_resp r;
	cl_request("PUT", "/api/articles", "Content-Type: application/json\r\n", "{}", 2, &r);
	CHECK_MSG(cl_is_error(&r, 405, "method_not_allowed"), "%d %s", r.status, r.body);
	const char *allow = cl_header(&r, "Allow");
	CHECK_MSG(strstr(allow, "GET") && strstr(allow, "POST"), "Allow: %s", allow);
	hc_free(&r);
	cl_request("PUT", "/api/articles/1", "Content-Type: application/json\r\n", "{}", 2, &r);
	CHECK_MSG(cl_is_error(&r, 405, "method_not_allowed"), "%d %s", r.status, r.body);
	allow = cl_header(&r, "Allow");
	CHECK_MSG(strstr(allow, "GET") && strstr(allow, "DELETE"), "Allow: %s", allow);
	hc_free(&r);
}

TEST(test_api_user_articles_lists_only_theirs_newest_first)
{
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	char na[33], nb[33];
	long long ua = cl_new_user(&a, na, "uart");
	cl_new_user(&b, nb, "other");
	long long ids[5];
	for (int i = 0; i < 5; i++) {
		char t[32];
		snprintf(t, sizeof t, "Mine %d", i);
		ids[i] = cl_api_article(&a, t, "x");
		cl_api_article(&b, "Not theirs", "x");
	}
	char path[128];
	snprintf(path, sizeof path, "/api/users/%s/articles?per_page=2", na);
	int st;
	json_object *o = get_json(path, &st);
	CHECK_INT(st, 200);
	CHECK_INT(cl_jint(o, "total", -1), 5);
	CHECK_INT(cl_jint(o, "pages", -1), 3);
	CHECK_INT(cl_jint(o, "page", -1), 1);
	CHECK_INT(cl_jint(o, "per_page", -1), 2);
	CHECK(cl_jfalse(o, "has_prev") && cl_jtrue(o, "has_next"));
	CHECK(cl_jnull(o, "prev_num"));
	CHECK_INT(cl_jint(o, "next_num", -1), 2);
	json_object *items = cl_jget(o, "items");
	CHECK_INT(items ? json_object_array_length(items) : 0, 2);
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		json_object *it = json_object_array_get_idx(items, i);
		check_list_item(it);
		CHECK_INT(cl_jint(it, "id", -1), ids[4 - i]);
		CHECK_INT(cl_jint(cl_jget(it, "author"), "id", -1), ua);
		CHECK_STR(cl_jstr(cl_jget(it, "author"), "username"), na);
	}
	json_object_put(o);
	snprintf(path, sizeof path, "/api/users/%s/articles?page=3&per_page=2", na);
	o = get_json(path, &st);
	items = cl_jget(o, "items");
	CHECK_INT(items ? json_object_array_length(items) : 0, 1);
	CHECK_INT(items ? cl_jint(json_object_array_get_idx(items, 0), "id", -1) : -1, ids[0]);
	CHECK(cl_jnull(o, "next_num"));
	json_object_put(o);
	snprintf(path, sizeof path, "/api/users/%s/articles?page=4&per_page=2", na);
	struct http_resp r;
	cl_get(path, &r);
	CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%d", r.status);
	hc_free(&r);
	snprintf(path, sizeof path, "/api/users/%s/articles?page=1.5", na);
	cl_get(path, &r);
	CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%d", r.status);
	hc_free(&r);
}

TEST(test_api_user_articles_of_unknown_user_is_404)
{
	struct browser b;
	br_init(&b);
	char name[33], real[96];
	cl_new_user(&b, name, "u404");
	snprintf(real, sizeof real, "/api/users/%s/articles", name);
	int st;
	json_object_put(get_json(real, &st));
	/* Control: a user without articles has an empty first page. */
	CHECK_MSG(st == 200, "%s: %d", real, st);
	struct http_resp r;
	cl_get("/api/users/no_such_user_anywhere/articles", &r);
	CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%d %s", r.status, r.body);
	hc_free(&r);
}

TEST(test_api_article_lists_run_a_constant_number_of_queries)
{
	cl_ensure_articles(60);
	struct browser a;
	br_init(&a);
	char na[33];
	cl_new_user(&a, na, "nplus");
	for (int i = 0; i < 12; i++)
		cl_api_article(&a, "Counted", "x");
	char p5[128], p50[128];
	const char *pairs[][2] = {{"/api/articles?per_page=5", "/api/articles?per_page=50"},
				  {p5, p50}};
	snprintf(p5, sizeof p5, "/api/users/%s/articles?per_page=5", na);
	snprintf(p50, sizeof p50, "/api/users/%s/articles?per_page=50", na);
	for (int i = 0; i < 2; i++) {
		/* Anonymous and logged in. */
		for (int logged = 0; logged < 2; logged++) {
			struct browser anon;
			br_init(&anon);
			struct browser *b = logged ? &a : &anon;
			struct http_resp r5, r50;
			br_get(b, pairs[i][0], &r5);
			br_get(b, pairs[i][1], &r50);
			CHECK_STATUS(r5, 200);
			CHECK_STATUS(r50, 200);
			int q5 = cl_queries(&r5), q50 = cl_queries(&r50);
			CHECK_MSG(q5 > 0 && q5 == q50, "%s: %d queries, %s: %d queries", pairs[i][0],
				  q5, pairs[i][1], q50);
			hc_free(&r5);
			hc_free(&r50);
		}
	}
}

/* Answers larger than one FastCGI record (64 KiB) leave the worker in
 * several records written at once: every byte must arrive, in order, as
 * JSON and as the HTML page (escaped). */
TEST(test_large_answers_arrive_whole_through_nginx_as_json_and_html)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "large");
	static const char pat[] = "0123456789abcdef<&>\"'xyz";
	char *content = malloc(65536);
	for (size_t i = 0; i < 65535; i++)
		content[i] = pat[(i * 7 + i / 97) % (sizeof pat - 1)];
	content[65535] = '\0';
	long long id = cl_api_article(&b, "Large answer", content);
	CHECK_MSG(id > 0, "article not created: %lld", id);
	if (id > 0) {
		char path[64];
		snprintf(path, sizeof path, "/api/articles/%lld", id);
		int st;
		json_object *o = get_json(path, &st);
		CHECK_INT(st, 200);
		const char *c = cl_jstr(o, "content");
		CHECK(c && strcmp(c, content) == 0);
		json_object_put(o);
		/* The page shows the content HTML-escaped. */
		size_t cap = 65535 * 6 + 1, n = 0;
		char *esc = malloc(cap);
		for (size_t i = 0; i < 65535; i++) {
			const char *e = NULL;
			switch (content[i]) {
			case '&': e = "&amp;"; break;
			case '<': e = "&lt;"; break;
			case '>': e = "&gt;"; break;
			case '"': e = "&quot;"; break;
			case '\'': e = "&#39;"; break;
			}
			if (e) {
				memcpy(esc + n, e, strlen(e));
				n += strlen(e);
			} else {
				esc[n++] = content[i];
			}
		}
		esc[n] = '\0';
		snprintf(path, sizeof path, "/articles/%lld", id);
		struct http_resp r;
		CHECK_INT(cl_get(path, &r), 0);
		CHECK_INT(r.status, 200);
		CHECK_MSG(r.body_len > 100000, "page of %zu bytes", r.body_len);
		CHECK(r.body && strstr(r.body, esc) != NULL);
		CHECK(r.body && strstr(r.body, "</html>") != NULL);
		hc_free(&r);
		free(esc);
	}
	free(content);
}
