/* End-to-end tests of the HTML article pages (SPEC section 7): GET
 * /articles (pagination, order, 404s), GET /articles/N (clicks, 404s), GET
 * /articles/new and POST /articles (login, CSRF, validation), POST
 * /articles/N/delete (owner, logical delete), escaping and UTF-8. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "test.h"

/* POST /articles with a fresh token from GET /articles/new. */
static int post_article(struct browser *b, const char *title, const char *content,
			struct http_resp *r)
{
	char tok[256];
	CHECK_MSG(br_csrf(b, "/articles/new", tok, sizeof tok), "no token on /articles/new");
	br_post_form(b, "/articles", r, "csrf_token", tok, "title", title, "content", content,
		     NULL);
	return r->status;
}

/* POST an article and return its id from the 303 Location, or -status. */
static long long publish(struct browser *b, const char *title, const char *content)
{
	struct http_resp r;
	post_article(b, title, content, &r);
	long long id = -(long long)r.status;
	char loc[256];
	cl_location(&r, loc, sizeof loc);
	if (r.status == 303 && sscanf(loc, "/articles/%lld", &id) != 1)
		id = -1;
	hc_free(&r);
	return id;
}

static int delete_article(struct browser *b, long long id, const char *token, char *loc,
			  size_t loclen)
{
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld/delete", id);
	struct http_resp r;
	if (token)
		br_post_form(b, path, &r, "csrf_token", token, NULL);
	else
		br_post_form(b, path, &r, NULL);
	if (loc)
		cl_location(&r, loc, loclen);
	int s = r.status;
	hc_free(&r);
	return s;
}

static int status_of(const char *path)
{
	struct http_resp r;
	cl_get(path, &r);
	int s = r.status;
	hc_free(&r);
	return s;
}

TEST(test_articles_page_lists_newest_first_with_author_link_and_clicks)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "plist");
	long long ids[3];
	char titles[3][64];
	for (int i = 0; i < 3; i++) {
		snprintf(titles[i], sizeof titles[i], "Listed %s #%d", name, i);
		ids[i] = cl_api_article(&b, titles[i], "x");
	}
	struct http_resp r;
	cl_get("/articles", &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_is_html(&r));
	long long seen[200];
	int n = cl_article_ids(r.body, seen, 200);
	CHECK_MSG(n >= 3, "%d article links", n);
	for (int i = 0; i < 3 && n >= 3; i++)
		CHECK_INT(seen[i], ids[2 - i]);
	const char *t2 = strstr(r.body, titles[2]), *t0 = strstr(r.body, titles[0]);
	CHECK(t2 && t0 && t2 < t0);
	char link[96];
	snprintf(link, sizeof link, "href=\"/users/%s\"", name);
	CHECK_MSG(strstr(r.body, link) != NULL, "no author link %s", link);
	hc_free(&r);
}

TEST(test_articles_page_shows_the_click_count)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "pclick");
	long long id = cl_api_article(&b, "Clicked thirty-seven times", "x");
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld", id);
	for (int i = 0; i < 37; i++)
		CHECK_INT(status_of(path), 200);
	/* Views are written in batches, for every reader within a second. */
	CHECK_INT(cl_clicks_settled(id, 37), 37);
	struct http_resp r;
	cl_get("/articles?per_page=1", &r);
	char *text = cl_html_text(r.body);
	const char *t = strstr(text, "Clicked thirty-seven times");
	CHECK(t != NULL);
	/* The newest article's text holds the count 37 as a number (not a
	 * piece of a longer number or of a time of day). */
	bool found = false;
	for (const char *p = t; p && p[0] && p[1]; p++) {
		if (p[0] != '3' || p[1] != '7')
			continue;
		char before = p[-1], after = p[2];
		if ((before < '0' || before > '9') && before != ':' && (after < '0' || after > '9') &&
		    after != ':')
			found = true;
	}
	CHECK_MSG(found, "no click count 37 in: %.300s", t ? t : "");
	free(text);
	hc_free(&r);
}

TEST(test_articles_default_page_has_20_and_page_2_continues)
{
	cl_ensure_articles(45);
	struct http_resp r1, r2, r3;
	cl_get("/articles", &r1);
	cl_get("/articles?page=2", &r2);
	cl_get("/articles?per_page=40", &r3);
	CHECK_STATUS(r1, 200);
	CHECK_STATUS(r2, 200);
	long long a[200], b[200], c[200];
	int na = cl_article_ids(r1.body, a, 200), nb = cl_article_ids(r2.body, b, 200),
	    nc = cl_article_ids(r3.body, c, 200);
	CHECK_INT(na, 20);
	CHECK_INT(nb, 20);
	CHECK_INT(nc, 40);
	/* page 1 + page 2 of 20 are the first 40. */
	for (int i = 0; i < 20 && na == 20 && nb == 20 && nc == 40; i++) {
		CHECK_INT(a[i], c[i]);
		CHECK_INT(b[i], c[20 + i]);
	}
	hc_free(&r1);
	hc_free(&r2);
	hc_free(&r3);
}

TEST(test_articles_per_page_above_100_is_capped)
{
	cl_ensure_articles(105);
	const char *paths[] = {"/articles?per_page=100", "/articles?per_page=101",
			       "/articles?per_page=1000"};
	for (int i = 0; i < 3; i++) {
		struct http_resp r;
		cl_get(paths[i], &r);
		CHECK_MSG(r.status == 200, "%s: %d", paths[i], r.status);
		long long ids[300];
		CHECK_INT(cl_article_ids(r.body, ids, 300), 100);
		hc_free(&r);
	}
}

/* Every href in html that contains "page=" (HTML-decoded &amp;). */
static int page_links(const char *html, char links[][256], int max)
{
	int n = 0;
	for (const char *p = html; n < max && (p = strstr(p, "href=\"")); p++) {
		const char *v = p + 6, *e = strchr(v, '"');
		if (!e)
			break;
		size_t len = (size_t)(e - v);
		if (len >= 256)
			continue;
		char raw[256];
		memcpy(raw, v, len);
		raw[len] = '\0';
		if (!strstr(raw, "page="))
			continue;
		char *o = links[n];
		for (const char *s = raw; *s;) {
			if (!strncmp(s, "&amp;", 5)) {
				*o++ = '&';
				s += 5;
			} else {
				*o++ = *s++;
			}
		}
		*o = '\0';
		n++;
	}
	return n;
}

TEST(test_articles_page_links_keep_per_page)
{
	cl_ensure_articles(30);
	struct http_resp r;
	cl_get("/articles?page=2&per_page=5", &r);
	CHECK_STATUS(r, 200);
	static char links[64][256];
	int n = page_links(r.body, links, 64);
	CHECK_MSG(n >= 2, "%d page links", n);
	bool to1 = false, to3 = false;
	for (int i = 0; i < n; i++) {
		char pp[16], pg[16];
		CHECK_MSG(cl_query_param(links[i], "per_page", pp, sizeof pp) && !strcmp(pp, "5"),
			  "link %s drops per_page", links[i]);
		if (cl_query_param(links[i], "page", pg, sizeof pg)) {
			to1 = to1 || !strcmp(pg, "1");
			to3 = to3 || !strcmp(pg, "3");
		}
	}
	CHECK_MSG(to1 && to3, "no links to pages 1 and 3 from page 2");
	hc_free(&r);
}

TEST(test_articles_bad_page_or_per_page_is_404)
{
	cl_ensure_articles(30);
	const char *qs[] = {"page=0",   "per_page=0",    "page=1.5",   "page=1e3", "page=+2",
			    "page=%2B2", "page=%202",    "page=",      "per_page=", "page=-1",
			    "page=abc", "per_page=1e3",  "per_page=%205", "page=99999999999999999999",
			    "page=9999"};
	for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
		char path[128];
		snprintf(path, sizeof path, "/articles?%s", qs[i]);
		struct http_resp r;
		cl_get(path, &r);
		CHECK_MSG(r.status == 404 && cl_is_html(&r), "%s: %d", path, r.status);
		hc_free(&r);
	}
}

TEST(test_article_page_shows_title_content_author_and_counts_clicks)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "pview");
	long long id = cl_api_article(&b, "The viewed article", "Its body text.");
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld", id);
	struct http_resp r;
	cl_get(path, &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_is_html(&r));
	CHECK(strstr(r.body, "The viewed article") != NULL);
	CHECK(strstr(r.body, "Its body text.") != NULL);
	CHECK(strstr(r.body, name) != NULL);
	hc_free(&r);
	/* One more view, then two by a logged-in reader: 1 + 1 + 2. */
	CHECK_INT(status_of(path), 200);
	for (int i = 0; i < 2; i++) {
		br_get(&b, path, &r);
		hc_free(&r);
	}
	CHECK_INT(cl_clicks_settled(id, 4), 4);
}

TEST(test_article_page_absent_deleted_or_not_a_number_is_404)
{
	struct browser b;
	br_init(&b);
	char name[33], real[64];
	cl_new_user(&b, name, "p404");
	long long id = cl_api_article(&b, "Here, then gone", "x");
	snprintf(real, sizeof real, "/articles/%lld", id);
	CHECK_INT(status_of(real), 200);
	char api[64];
	snprintf(api, sizeof api, "/api/articles/%lld", id);
	struct http_resp d;
	br_json(&b, "DELETE", api, NULL, &d);
	CHECK_STATUS(d, 204);
	hc_free(&d);
	CHECK_INT(status_of(real), 404);
	const char *paths[] = {"/articles/999999999", "/articles/abc", "/articles/1abc",
			       "/articles/-1",        "/articles/1.0", "/articles/0",
			       "/articles/99999999999999999999999"};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		struct http_resp r;
		cl_get(paths[i], &r);
		CHECK_MSG(r.status == 404 && cl_is_html(&r), "%s: %d", paths[i], r.status);
		hc_free(&r);
	}
}

TEST(test_new_article_page_anonymous_redirects_to_login_with_next)
{
	struct http_resp r;
	cl_get("/articles/new", &r);
	CHECK_STATUS(r, 303);
	char loc[256], next[256];
	cl_location(&r, loc, sizeof loc);
	CHECK_MSG(!strncmp(loc, "/login?", 7), "Location '%s'", loc);
	CHECK_MSG(cl_query_param(loc, "next", next, sizeof next) && !strcmp(next, "/articles/new"),
		  "Location '%s'", loc);
	hc_free(&r);
}

TEST(test_new_article_page_logged_in_is_a_form)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "pnew");
	struct http_resp r;
	br_get(&b, "/articles/new", &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_is_html(&r));
	CHECK(strstr(r.body, "action=\"/articles\"") != NULL);
	CHECK(strstr(r.body, "name=\"title\"") != NULL);
	CHECK(strstr(r.body, "name=\"content\"") != NULL);
	CHECK(strstr(r.body, "name=\"csrf_token\"") != NULL);
	hc_free(&r);
}

TEST(test_post_article_is_303_to_the_new_article)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "ppost");
	struct http_resp r;
	post_article(&b, "Posted from the form", "Form content & more", &r);
	CHECK_STATUS(r, 303);
	char loc[256];
	long long id = -1;
	cl_location(&r, loc, sizeof loc);
	CHECK_MSG(sscanf(loc, "/articles/%lld", &id) == 1 && id > 0, "Location '%s'", loc);
	char tail[64];
	snprintf(tail, sizeof tail, "/articles/%lld", id);
	CHECK_STR(loc, tail);
	hc_free(&r);
	char api[64];
	snprintf(api, sizeof api, "/api/articles/%lld", id);
	cl_get(api, &r);
	json_object *o = cl_json(&r);
	CHECK_STR(cl_jstr(o, "title"), "Posted from the form");
	CHECK_STR(cl_jstr(o, "content"), "Form content & more");
	CHECK_STR(cl_jstr(cl_jget(o, "author"), "username"), name);
	json_object_put(o);
	hc_free(&r);
}

TEST(test_post_article_anonymous_redirects_to_login)
{
	struct browser anon;
	br_init(&anon);
	char tok[256];
	br_csrf(&anon, "/login", tok, sizeof tok);
	struct http_resp r;
	br_post_form(&anon, "/articles", &r, "csrf_token", tok, "title", "Anonymous", "content",
		     "x", NULL);
	CHECK_STATUS(r, 303);
	char loc[256], next[256];
	cl_location(&r, loc, sizeof loc);
	CHECK_MSG(!strncmp(loc, "/login?", 7) && cl_query_param(loc, "next", next, sizeof next) &&
			  next[0] == '/' && next[1] != '/',
		  "Location '%s'", loc);
	hc_free(&r);
}

TEST(test_post_article_without_csrf_token_is_403)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "pcsrf");
	struct http_resp r;
	br_post_form(&b, "/articles", &r, "title", "No token", "content", "x", NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	br_post_form(&b, "/articles", &r, "csrf_token", "forged-token", "title", "Bad token",
		     "content", "x", NULL);
	CHECK_STATUS(r, 403);
	hc_free(&r);
	char upath[96];
	snprintf(upath, sizeof upath, "/api/users/%s/articles", name);
	cl_get(upath, &r);
	json_object *o = cl_json(&r);
	CHECK_INT(cl_jint(o, "total", -1), 0);
	json_object_put(o);
	hc_free(&r);
}

TEST(test_post_article_invalid_is_422_with_the_form)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "pinval");
	char t129[130], *c65536 = malloc(65537);
	memset(t129, 'T', 129);
	t129[129] = '\0';
	memset(c65536, 'C', 65536);
	c65536[65536] = '\0';
	char cjk129[129 * 3 + 1] = "";
	for (int i = 0; i < 129; i++)
		strcat(cjk129, "字");
	const char *cases[][2] = {{"", "content"},  {"   ", "content"}, {"\t\r\n", "content"},
				  {t129, "content"}, {cjk129, "content"}, {"Title", ""},
				  {"Title", c65536}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct http_resp r;
		post_article(&b, cases[i][0], cases[i][1], &r);
		CHECK_MSG(r.status == 422, "case %zu: %d", i, r.status);
		CHECK(cl_is_html(&r));
		CHECK_MSG(cl_has_form(r.body, "/articles"), "case %zu: no form", i);
		hc_free(&r);
	}
	free(c65536);
	char upath[96];
	snprintf(upath, sizeof upath, "/api/users/%s/articles", name);
	struct http_resp r;
	cl_get(upath, &r);
	json_object *o = cl_json(&r);
	CHECK_INT(cl_jint(o, "total", -1), 0);
	json_object_put(o);
	hc_free(&r);
}

TEST(test_post_article_at_the_limits_is_accepted)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "plimit");
	char cjk128[128 * 3 + 1] = "", *c65535 = malloc(65536);
	for (int i = 0; i < 128; i++)
		strcat(cjk128, "字");
	memset(c65535, 'C', 65535);
	c65535[65535] = '\0';
	CHECK_MSG(publish(&b, cjk128, "x") > 0, "128 code points refused");
	CHECK_MSG(publish(&b, "1", c65535) > 0, "65535 bytes refused");
	long long id = publish(&b, " spaced ", "  kept  ");
	CHECK(id > 0);
	char api[64];
	snprintf(api, sizeof api, "/api/articles/%lld", id);
	struct http_resp r;
	cl_get(api, &r);
	json_object *o = cl_json(&r);
	CHECK_STR(cl_jstr(o, "title"), " spaced ");
	CHECK_STR(cl_jstr(o, "content"), "  kept  ");
	json_object_put(o);
	hc_free(&r);
	free(c65535);
}

TEST(test_delete_by_author_is_303_and_then_404_everywhere)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "pdel");
	char title[64];
	snprintf(title, sizeof title, "Doomed %s", name);
	long long id = publish(&b, title, "x");
	CHECK(id > 0);
	char path[64], tok[256], loc[256];
	/* The newest article: on every list until it is deleted. */
	const char *lists[] = {"/", "/articles", "/articles?per_page=100"};
	for (int i = 0; i < 3; i++) {
		struct http_resp r;
		cl_get(lists[i], &r);
		CHECK_STATUS(r, 200);
		CHECK_MSG(strstr(r.body, title) != NULL, "new article not on %s", lists[i]);
		hc_free(&r);
	}
	snprintf(path, sizeof path, "/articles/%lld", id);
	CHECK(br_csrf(&b, path, tok, sizeof tok) || br_csrf(&b, "/", tok, sizeof tok));
	CHECK_INT(delete_article(&b, id, tok, loc, sizeof loc), 303);
	CHECK_STR(loc, "/articles");
	CHECK_INT(status_of(path), 404);
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	CHECK_INT(status_of(path), 404);
	for (int i = 0; i < 3; i++) {
		struct http_resp r;
		cl_get(lists[i], &r);
		CHECK_STATUS(r, 200);
		CHECK_MSG(strstr(r.body, title) == NULL, "deleted article on %s", lists[i]);
		hc_free(&r);
	}
	char upath[96];
	snprintf(upath, sizeof upath, "/users/%s", name);
	struct http_resp r;
	cl_get(upath, &r);
	CHECK_STATUS(r, 200);
	CHECK(strstr(r.body, title) == NULL);
	hc_free(&r);
	/* Deleting it again: it no longer exists. */
	br_csrf(&b, "/", tok, sizeof tok);
	CHECK_INT(delete_article(&b, id, tok, NULL, 0), 404);
}

TEST(test_delete_by_another_user_is_403)
{
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	char na[33], nb[33];
	cl_new_user(&a, na, "pown");
	cl_new_user(&b, nb, "pother");
	long long id = cl_api_article(&a, "Owned by a", "x");
	char tok[256], path[64];
	CHECK(br_csrf(&b, "/", tok, sizeof tok));
	CHECK_INT(delete_article(&b, id, tok, NULL, 0), 403);
	snprintf(path, sizeof path, "/articles/%lld", id);
	CHECK_INT(status_of(path), 200);
}

TEST(test_delete_without_csrf_is_403_and_anonymous_goes_to_login)
{
	struct browser a;
	br_init(&a);
	char na[33];
	cl_new_user(&a, na, "pdelc");
	long long id = cl_api_article(&a, "Protected", "x");
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld", id);
	CHECK_INT(delete_article(&a, id, NULL, NULL, 0), 403);
	CHECK_INT(delete_article(&a, id, "not-a-token", NULL, 0), 403);
	struct browser anon;
	br_init(&anon);
	CHECK_INT(delete_article(&anon, id, NULL, NULL, 0), 403);
	char tok[256], loc[256];
	br_csrf(&anon, "/login", tok, sizeof tok);
	CHECK_INT(delete_article(&anon, id, tok, loc, sizeof loc), 303);
	CHECK_MSG(!strncmp(loc, "/login?next=", 12), "Location '%s'", loc);
	CHECK_INT(status_of(path), 200);
}

TEST(test_delete_of_absent_article_is_404)
{
	struct browser a;
	br_init(&a);
	char na[33], tok[256];
	cl_new_user(&a, na, "pdel404");
	br_csrf(&a, "/", tok, sizeof tok);
	CHECK_INT(delete_article(&a, 999999999, tok, NULL, 0), 404);
}

TEST(test_script_in_title_and_content_is_escaped_everywhere)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "pxss");
	const char *evil = "<script>alert('x')</script>";
	long long id = publish(&b, evil, "<script>alert(\"body\")</script> & <b>bold</b>");
	CHECK(id > 0);
	char path[64], upath[96];
	snprintf(path, sizeof path, "/articles/%lld", id);
	snprintf(upath, sizeof upath, "/users/%s", name);
	const char *pages[] = {path, "/articles", "/", upath};
	for (int i = 0; i < 4; i++) {
		struct http_resp r;
		cl_get(pages[i], &r);
		CHECK_STATUS(r, 200);
		CHECK_MSG(strstr(r.body, "<script>alert(") == NULL, "raw <script> on %s", pages[i]);
		CHECK_MSG(strstr(r.body, "&lt;script&gt;") != NULL, "title not shown on %s",
			  pages[i]);
		hc_free(&r);
	}
	struct http_resp r;
	cl_get(path, &r);
	CHECK_STATUS(r, 200);
	CHECK(strstr(r.body, "<b>bold</b>") == NULL);
	CHECK(strstr(r.body, "&lt;b&gt;bold&lt;/b&gt;") != NULL);
	hc_free(&r);
}

TEST(test_cjk_and_emoji_round_trip_through_the_pages)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "putf8");
	const char *title = "日本語のタイトル 🎌🍜";
	const char *content = "内容：中文、한국어、emoji 🐼🚀";
	long long id = publish(&b, title, content);
	CHECK(id > 0);
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld", id);
	struct http_resp r;
	cl_get(path, &r);
	CHECK_STATUS(r, 200);
	CHECK(strstr(r.body, title) != NULL);
	CHECK(strstr(r.body, content) != NULL);
	hc_free(&r);
	cl_get("/articles", &r);
	CHECK(strstr(r.body, title) != NULL);
	hc_free(&r);
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	cl_get(path, &r);
	json_object *o = cl_json(&r);
	CHECK_STR(cl_jstr(o, "title"), title);
	CHECK_STR(cl_jstr(o, "content"), content);
	json_object_put(o);
	hc_free(&r);
}

TEST(test_articles_page_runs_a_constant_number_of_queries)
{
	cl_ensure_articles(60);
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "pquery");
	for (int logged = 0; logged < 2; logged++) {
		struct browser anon;
		br_init(&anon);
		struct browser *x = logged ? &b : &anon;
		struct http_resp r5, r50;
		br_get(x, "/articles?per_page=5", &r5);
		br_get(x, "/articles?per_page=50", &r50);
		CHECK_STATUS(r5, 200);
		CHECK_STATUS(r50, 200);
		int q5 = cl_queries(&r5), q50 = cl_queries(&r50);
		CHECK_MSG(q5 > 0 && q5 == q50, "logged %d: %d vs %d queries", logged, q5, q50);
		hc_free(&r5);
		hc_free(&r50);
	}
}

TEST(test_home_page_runs_a_constant_number_of_queries)
{
	/* The 10 newest by one author, then by three: no query per author. */
	struct browser u[3];
	char name[33];
	for (int i = 0; i < 3; i++) {
		br_init(&u[i]);
		cl_new_user(&u[i], name, "hquery");
	}
	for (int i = 0; i < 10; i++)
		cl_api_article(&u[0], "One author", "x");
	struct http_resp r;
	cl_get("/", &r);
	int one = cl_queries(&r);
	hc_free(&r);
	for (int i = 0; i < 10; i++)
		cl_api_article(&u[i % 3], "Three authors", "x");
	cl_get("/", &r);
	int three = cl_queries(&r);
	hc_free(&r);
	CHECK_MSG(one > 0 && one == three, "one author: %d queries, three: %d", one, three);
}
