/* paginate.c — pagination shared by pages and API: the page arguments of
 * the query string, a page of rows with its total, the pagination bar of
 * pages and the pagination fields of the API. */
#include <stdint.h>
#include <string.h>

#include "core/text.h"
#include "site/site_priv.h"
#include "web/web.h"

#define PAGE_MAX 1000000000000LL

bool site_page_args(struct http_request *req, int64_t *page, int64_t *per_page)
{
	long long v;
	const char *p = http_req_query(req, "page");
	const char *pp = http_req_query(req, "per_page");
	*page = 1;
	*per_page = 20;
	if (p) {
		if (!text_parse_digits(p, strlen(p), PAGE_MAX, &v) || v < 1)
			return false;
		*page = v;
	}
	if (pp) {
		if (!text_parse_digits(pp, strlen(pp), PAGE_MAX, &v) || v < 1)
			return false;
		*per_page = v > 100 ? 100 : v;
	}
	return true;
}

/* base?page=N, with &per_page=M when the request named one, in the
 * arena (NULL when out of memory). No printf: a bar has a dozen. */
static const char *page_url(struct http_request *req, const char *base, int64_t page, int64_t per_page)
{
	size_t bl = strlen(base), n = 0;
	char *u = arena_alloc(req->arena, bl + sizeof "?page=&per_page=" + 40);
	if (!u)
		return NULL;
	memcpy(u, base, bl);
	n = bl;
	memcpy(u + n, "?page=", 6);
	n += 6;
	n += text_put_u64(u + n, (uint64_t)page);
	if (http_req_query(req, "per_page")) {
		memcpy(u + n, "&per_page=", 10);
		n += 10;
		n += text_put_u64(u + n, (uint64_t)per_page);
	}
	u[n] = '\0';
	return u;
}

/* The bar's links: a list of maps, each {gap} or {num, current | url}. */
struct link_list {
	size_t n;
	struct tmpl_value v[32];
};

static size_t links_len(const struct tmpl_value *list)
{
	return ((const struct link_list *)list->obj)->n;
}

static int links_at(const struct tmpl_value *list, size_t i, struct tmpl_value *out)
{
	*out = ((const struct link_list *)list->obj)->v[i];
	return 0;
}

static const struct tmpl_ops links_ops = {.len = links_len, .at = links_at};

struct tmpl_value site_pagination(struct http_request *req, const struct orm_pagination *p,
				  const char *base)
{
	struct tmpl_map *o = tmpl_map_new(req->arena);
	struct link_list *links = arena_alloc(req->arena, sizeof *links);
	const char *total = site_count_text(req->arena, p->total, "article", "articles");
	if (!o || !links || !total || tmpl_map_set_bool(o, "show", p->pages > 1) < 0 ||
	    tmpl_map_set_int(o, "page", p->page) < 0 || tmpl_map_set_int(o, "pages", p->pages) < 0 ||
	    tmpl_map_set_int(o, "total", p->total) < 0 || tmpl_map_set_str(o, "total_text", total) < 0)
		return tmpl_null();
	const char *prev = p->has_prev ? page_url(req, base, p->prev_num, p->per_page) : NULL;
	const char *next = p->has_next ? page_url(req, base, p->next_num, p->per_page) : NULL;
	if ((p->has_prev && (!prev || tmpl_map_set_str(o, "prev_url", prev) < 0)) ||
	    (p->has_next && (!next || tmpl_map_set_str(o, "next_url", next) < 0)))
		return tmpl_null();
	int64_t nums[32];
	size_t n = orm_iter_pages_default(p, nums, 32);
	links->n = 0;
	for (size_t i = 0; i < n && i < 32; i++) {
		struct tmpl_map *l = tmpl_map_new(req->arena);
		if (!l)
			return tmpl_null();
		int rc;
		if (nums[i] == 0) {
			rc = tmpl_map_set_bool(l, "gap", true);
		} else {
			rc = tmpl_map_set_int(l, "num", nums[i]);
			if (rc == 0 && nums[i] == p->page) {
				rc = tmpl_map_set_bool(l, "current", true);
			} else if (rc == 0) {
				const char *url = page_url(req, base, nums[i], p->per_page);
				rc = url ? tmpl_map_set_str(l, "url", url) : -1;
			}
		}
		if (rc < 0)
			return tmpl_null();
		links->v[links->n++] = tmpl_map_value(l);
	}
	if (tmpl_map_set(o, "links", (struct tmpl_value){.kind = TMPL_LIST, .ops = &links_ops,
							 .obj = links}) < 0)
		return tmpl_null();
	return tmpl_map_value(o);
}

int site_paginate(struct orm_query *q, struct orm_query *count_q, int64_t page, int64_t per_page,
		  struct orm_pagination *p)
{
	memset(p, 0, sizeof *p);
	p->total = -1;
	if (!q)
		return ORM_NOMEM;
	/* page - 1 beyond INT64_MAX / per_page: an offset past any table. */
	if (page < 1 || per_page < 1 || page - 1 > INT64_MAX / per_page)
		return ORM_NOT_FOUND;
	p->page = page;
	p->per_page = per_page;
	struct orm_rows extra;
	int rc = orm_all_with(orm_limit(orm_offset(q, (page - 1) * per_page), per_page), &p->items,
			      &extra);
	if (rc < 0)
		return rc;
	if (p->items.n == 0 && page != 1)
		return ORM_NOT_FOUND;
	if (!count_q) /* the total is the added column; NULL (no counter row) or no rows: none */
		p->total = extra.nrows && extra.ncols ? orm_value_int(extra.v[extra.ncols - 1]) : 0;
	else if ((rc = orm_count(count_q, &p->total)) < 0)
		return rc;
	orm_pagination_fill(p, p->items.n);
	return 0;
}

void site_jw_pagination(struct web_jw *w, const struct orm_pagination *p)
{
	web_jw_key(w, "page");
	web_jw_int(w, p->page);
	web_jw_key(w, "per_page");
	web_jw_int(w, p->per_page);
	web_jw_key(w, "total");
	web_jw_int(w, p->total);
	web_jw_key(w, "pages");
	web_jw_int(w, p->pages);
	web_jw_key(w, "has_prev");
	web_jw_bool(w, p->has_prev);
	web_jw_key(w, "has_next");
	web_jw_bool(w, p->has_next);
	web_jw_key(w, "prev_num");
	if (p->has_prev)
		web_jw_int(w, p->prev_num);
	else
		web_jw_null(w);
	web_jw_key(w, "next_num");
	if (p->has_next)
		web_jw_int(w, p->next_num);
	else
		web_jw_null(w);
}
