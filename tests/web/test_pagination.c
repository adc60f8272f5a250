/* test_pagination.c — web_pagination (a page of a query as a template's
 * `pagination`) and web_jw_pagination (the API's fields). */
#include <string.h>

#include "core/text.h"
#include "test.h"
#include "orm/orm.h"
#include "fake.h"
#include "tmpl/tmpl.h"

/* A page `page` of total items, per_page a page, filled as orm_paginate
 * fills it. */
static struct orm_pagination page_of(int64_t page, int64_t per_page, int64_t total)
{
	struct orm_pagination p = {.page = page, .per_page = per_page, .total = total};
	int64_t left = total - (page - 1) * per_page;
	orm_pagination_fill(&p, left <= 0 ? 0 : (size_t)(left < per_page ? left : per_page));
	return p;
}

/* Render src with {pagination: web_pagination(p, path)} into a string
 * in f's arena. */
static const char *render_bar(struct fake *f, const struct orm_pagination *p, const char *path,
			      const char *src)
{
	struct tmpl_set *set = tmpl_set_new();
	char err[160] = "";
	CHECK(set && tmpl_set_add(set, "t", src, strlen(src), err, sizeof err) == 0);
	struct tmpl_map *bar = web_pagination(&f->req, p, path);
	struct tmpl_map *ctx = tmpl_map_new(f->req.arena);
	CHECK(bar && ctx && tmpl_map_set(ctx, "pagination", tmpl_map_value(bar)) == 0);
	struct buf out = BUF_INIT;
	struct tmpl_value v = tmpl_map_value(ctx);
	CHECK_INT(tmpl_render_value(set, "t", &v, &out), 0);
	const char *s = arena_strndup(f->req.arena, out.p ? out.p : "", out.n);
	buf_free(&out);
	tmpl_set_free(set);
	return s;
}

#define BAR "{{#pagination}}{{#iter_pages}}{{#gap}}_ {{/gap}}{{#current}}[{{num}}] {{/current}}" \
	    "{{#url}}{{num}}={{url}} {{/url}}{{/iter_pages}}{{/pagination}}"

TEST(test_pagination_iter_pages_has_flasks_edges_gaps_current_page_and_urls)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	/* Page 10 of 20 (Flask: 1 2 None 8 9 10 11 12 13 14 None 19 20). */
	struct orm_pagination p = page_of(10, 5, 100);
	CHECK_STR(render_bar(&f, &p, "/articles", BAR),
		  "1=/articles?page=1 2=/articles?page=2 _ 8=/articles?page=8 9=/articles?page=9 "
		  "[10] 11=/articles?page=11 12=/articles?page=12 13=/articles?page=13 "
		  "14=/articles?page=14 _ 19=/articles?page=19 20=/articles?page=20 ");
	/* One page: one entry, the current one. */
	p = page_of(1, 5, 3);
	CHECK_STR(render_bar(&f, &p, "/x", BAR), "[1] ");
	fake_free(&f);
}

/* An entry lacks the names of the other kinds ({{num}} in a gap, {{gap}}
 * in a link): they come from the frames outside the list, as for any map
 * without them, however the entries' kinds alternate. */
TEST(test_pagination_iter_pages_names_an_entry_lacks_come_from_outside_the_list)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	struct tmpl_set *set = tmpl_set_new();
	const char *src = "{{#pagination}}{{#iter_pages}}<{{gap}}|{{num}}|{{#current}}c{{/current}}"
			  "{{^current}}-{{/current}}|{{url}}>{{/iter_pages}}{{/pagination}}";
	char err[160] = "";
	CHECK(set && tmpl_set_add(set, "t", src, strlen(src), err, sizeof err) == 0);
	struct orm_pagination p = page_of(1, 5, 100); /* [1] 2 3 4 5 None 19 20 */
	struct tmpl_map *bar = web_pagination(&f.req, &p, "/a");
	struct tmpl_map *ctx = tmpl_map_new(f.req.arena);
	CHECK(bar && ctx);
	CHECK_INT(tmpl_map_set(ctx, "pagination", tmpl_map_value(bar)), 0);
	CHECK_INT(tmpl_map_set_str(ctx, "gap", "G"), 0);
	CHECK_INT(tmpl_map_set_int(ctx, "num", 99), 0);
	CHECK_INT(tmpl_map_set_bool(ctx, "current", true), 0);
	CHECK_INT(tmpl_map_set_str(ctx, "url", "U"), 0);
	struct buf out = BUF_INIT;
	struct tmpl_value v = tmpl_map_value(ctx);
	CHECK_INT(tmpl_render_value(set, "t", &v, &out), 0);
	CHECK_STR(out.p ? out.p : "", "<G|1|c|U><G|2|c|/a?page=2><G|3|c|/a?page=3><G|4|c|/a?page=4>"
				      "<G|5|c|/a?page=5><true|99|c|U><G|19|c|/a?page=19><G|20|c|/a?page=20>");
	buf_free(&out);
	tmpl_set_free(set);
	fake_free(&f);
}

TEST(test_pagination_fields_prev_next_urls_and_has_pages)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	const char *src = "{{#pagination}}{{page}}/{{pages}} of {{total}} ({{per_page}}) "
			  "{{first}}-{{last}} {{#has_pages}}bar{{/has_pages}}{{^has_pages}}none{{/has_pages}}"
			  " p:{{#has_prev}}{{prev_num}}={{prev_url}}{{/has_prev}}"
			  " n:{{#has_next}}{{next_num}}={{next_url}}{{/has_next}}{{/pagination}}";
	struct orm_pagination p = page_of(2, 10, 25);
	CHECK_STR(render_bar(&f, &p, "/a", src),
		  "2/3 of 25 (10) 11-20 bar p:1=/a?page=1 n:3=/a?page=3");
	p = page_of(1, 10, 7);
	CHECK_STR(render_bar(&f, &p, "/a", src), "1/1 of 7 (10) 1-7 none p: n:");
	/* Nothing at all: page 1, no pages, total 0. */
	p = page_of(1, 10, 0);
	CHECK_STR(render_bar(&f, &p, "/a", src), "1/0 of 0 (10) 0-0 none p: n:");
	fake_free(&f);
}

TEST(test_pagination_urls_keep_per_page_only_when_the_request_named_it)
{
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	const char *src = "{{#pagination}}{{prev_url}} {{next_url}}{{/pagination}}";
	struct orm_pagination p = page_of(2, 5, 30);
	CHECK_STR(render_bar(&f, &p, "/u/alice", src), "/u/alice?page=1 /u/alice?page=3");
	/* The request's other arguments are not carried: only per_page. */
	const char *q = "per_page=5&sort=x&page=2";
	CHECK_INT(text_form_parse(&f.arena, q, strlen(q), &f.req.query), 0);
	/* {{x}} escapes: the & of an href is &amp; in the page. */
	CHECK_STR(render_bar(&f, &p, "/u/alice", src),
		  "/u/alice?page=1&amp;per_page=5 /u/alice?page=3&amp;per_page=5");
	fake_free(&f);
}

TEST(test_jw_pagination_writes_the_api_fields_with_nulls_for_none)
{
	struct http_response resp = {0};
	struct web_jw w;
	struct orm_pagination p = page_of(1, 20, 45);
	web_jw_start(&w, &resp);
	web_jw_object(&w);
	web_jw_pagination(&w, &p);
	web_jw_object_end(&w);
	CHECK_INT(web_jw_finish(&w, &resp, 200), 0);
	CHECK_STR(resp.body.p, "{\"page\":1,\"per_page\":20,\"total\":45,\"pages\":3,\"has_prev\":false,"
			       "\"has_next\":true,\"prev_num\":null,\"next_num\":2}");
	/* Not counted (count = false): total is null. */
	p = page_of(3, 20, 45);
	p.total = -1;
	web_jw_start(&w, &resp);
	web_jw_object(&w);
	web_jw_pagination(&w, &p);
	web_jw_object_end(&w);
	CHECK_INT(web_jw_finish(&w, &resp, 200), 0);
	CHECK(strstr(resp.body.p, "\"total\":null,") != NULL);
	CHECK(strstr(resp.body.p, "\"prev_num\":2,\"next_num\":null}") != NULL);
	buf_free(&resp.body);
}
