/* pagination.c — a page of a query for a template and for a JSON answer:
 * what a Flask view hands its template with `pagination=query.paginate()`
 * (the Pagination object, iter_pages() and url_for(endpoint, page=n)),
 * and the pagination fields of an API answer. */
#include <stdint.h>
#include <string.h>

#include "core/text.h"
#include "orm/orm.h"
#include "web/web.h"

/* The longest bar iter_pages' defaults make: 2 + 1 + (2 + 1 + 4) + 1 + 2
 * numbers and gaps; room to spare. */
#define BAR_MAX 16

/* path?page=N, with &per_page=M when the request named per_page, in the
 * arena (NULL when out of memory). No printf: a bar has a dozen. */
static const char *page_url(struct http_request *req, const char *path, size_t pl, int64_t page,
			    int64_t per_page)
{
	char *u = arena_alloc(req->arena, pl + sizeof "?page=&per_page=" + 40);
	if (!u)
		return NULL;
	size_t n = pl;
	memcpy(u, path, pl);
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

/* iter_pages as a template list: maps {num, url}, {num, current} or
 * {gap}, in the arena. */
struct bar {
	size_t n;
	struct tmpl_value v[BAR_MAX];
};

static size_t bar_len(const struct tmpl_value *list)
{
	return ((const struct bar *)list->obj)->n;
}

static int bar_at(const struct tmpl_value *list, size_t i, struct tmpl_value *out)
{
	*out = ((const struct bar *)list->obj)->v[i];
	return 0;
}

static const struct tmpl_ops bar_ops = {.len = bar_len, .at = bar_at};

/* One entry of the bar: page num (0: a gap) of p. */
static int bar_entry(struct http_request *req, const struct orm_pagination *p, const char *path,
		     size_t pl, int64_t num, struct tmpl_value *out)
{
	struct tmpl_map *l = tmpl_map_new(req->arena);
	if (!l)
		return -1;
	int rc;
	if (num == 0) {
		rc = tmpl_map_set_bool(l, "gap", true);
	} else if ((rc = tmpl_map_set_int(l, "num", num)) == 0) {
		if (num == p->page) {
			rc = tmpl_map_set_bool(l, "current", true);
		} else {
			const char *url = page_url(req, path, pl, num, p->per_page);
			rc = url ? tmpl_map_set_str(l, "url", url) : -1;
		}
	}
	*out = tmpl_map_value(l);
	return rc < 0 ? -1 : 0;
}

struct tmpl_map *web_pagination(struct http_request *req, const struct orm_pagination *p,
				const char *path)
{
	size_t pl = strlen(path);
	struct tmpl_map *o = tmpl_map_new(req->arena);
	struct bar *bar = arena_alloc(req->arena, sizeof *bar);
	if (!o || !bar || tmpl_map_set_int(o, "page", p->page) < 0 ||
	    tmpl_map_set_int(o, "per_page", p->per_page) < 0 ||
	    tmpl_map_set(o, "total", p->total >= 0 ? tmpl_int(p->total) : tmpl_null()) < 0 ||
	    tmpl_map_set_int(o, "pages", p->pages) < 0 ||
	    tmpl_map_set_bool(o, "has_pages", p->pages > 1) < 0 ||
	    tmpl_map_set_bool(o, "has_prev", p->has_prev) < 0 ||
	    tmpl_map_set_bool(o, "has_next", p->has_next) < 0 ||
	    tmpl_map_set_int(o, "first", p->first) < 0 || tmpl_map_set_int(o, "last", p->last) < 0)
		return NULL;
	if (p->has_prev) {
		const char *u = page_url(req, path, pl, p->prev_num, p->per_page);
		if (!u || tmpl_map_set_int(o, "prev_num", p->prev_num) < 0 ||
		    tmpl_map_set_str(o, "prev_url", u) < 0)
			return NULL;
	}
	if (p->has_next) {
		const char *u = page_url(req, path, pl, p->next_num, p->per_page);
		if (!u || tmpl_map_set_int(o, "next_num", p->next_num) < 0 ||
		    tmpl_map_set_str(o, "next_url", u) < 0)
			return NULL;
	}
	int64_t nums[BAR_MAX];
	size_t n = orm_iter_pages_default(p, nums, BAR_MAX);
	bar->n = 0;
	for (size_t i = 0; i < n && i < BAR_MAX; i++)
		if (bar_entry(req, p, path, pl, nums[i], &bar->v[bar->n++]) < 0)
			return NULL;
	struct tmpl_value list = {.kind = TMPL_LIST, .ops = &bar_ops, .obj = bar};
	return tmpl_map_set(o, "iter_pages", list) < 0 ? NULL : o;
}

void web_jw_pagination(struct web_jw *w, const struct orm_pagination *p)
{
	web_jw_key(w, "page");
	web_jw_int(w, p->page);
	web_jw_key(w, "per_page");
	web_jw_int(w, p->per_page);
	web_jw_key(w, "total");
	if (p->total >= 0)
		web_jw_int(w, p->total);
	else
		web_jw_null(w);
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
