/* paginate.c — pagination shared by pages and API: the page arguments of
 * the query string and a page of rows with its total (the bar of a page
 * and the API's fields are the framework's: web_pagination,
 * web_jw_pagination). */
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
