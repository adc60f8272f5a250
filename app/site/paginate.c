/* paginate.c — pagination shared by pages and API: the page arguments of
 * the query string, a page of rows with its total, the pagination bar of
 * pages and the pagination fields of the API. */
#include <stdint.h>
#include <string.h>

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

static const char *page_url(struct http_request *req, const char *base, int64_t page, int64_t per_page)
{
	if (http_req_query(req, "per_page"))
		return arena_printf(req->arena, "%s?page=%lld&per_page=%lld", base, (long long)page,
				    (long long)per_page);
	return arena_printf(req->arena, "%s?page=%lld", base, (long long)page);
}

json_object *site_pagination_json(struct http_request *req, const struct orm_pagination *p,
				  const char *base)
{
	json_object *o = json_object_new_object();
	site_ctx_add(o, "show", json_object_new_boolean(p->pages > 1));
	site_ctx_add(o, "page", json_object_new_int64(p->page));
	site_ctx_add(o, "pages", json_object_new_int64(p->pages));
	site_ctx_add(o, "total", json_object_new_int64(p->total));
	const char *total = site_count_text(req->arena, p->total, "article", "articles");
	site_ctx_add(o, "total_text", json_object_new_string(total ? total : ""));
	if (p->has_prev)
		site_ctx_add(o, "prev_url",
				       json_object_new_string(page_url(req, base, p->prev_num, p->per_page)));
	if (p->has_next)
		site_ctx_add(o, "next_url",
				       json_object_new_string(page_url(req, base, p->next_num, p->per_page)));
	int64_t nums[32];
	size_t n = orm_iter_pages_default(p, nums, 32);
	json_object *links = json_object_new_array();
	for (size_t i = 0; i < n && i < 32; i++) {
		json_object *l = json_object_new_object();
		if (nums[i] == 0) {
			site_ctx_add(l, "gap", json_object_new_boolean(1));
		} else {
			site_ctx_add(l, "num", json_object_new_int64(nums[i]));
			if (nums[i] == p->page)
				site_ctx_add(l, "current", json_object_new_boolean(1));
			else
				site_ctx_add(l, "url", json_object_new_string(page_url(
									  req, base, nums[i], p->per_page)));
		}
		json_object_array_add(links, l);
	}
	site_ctx_add(o, "links", links);
	return o;
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
