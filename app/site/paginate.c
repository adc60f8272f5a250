/* paginate.c — the page arguments of the query string, shared by pages
 * and API (the page itself is orm_paginate's; the bar of a page and the
 * API's fields are the framework's: web_pagination, web_jw_pagination). */
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
