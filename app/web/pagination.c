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

/* path?page=N, with &per_page=M when per_page is not 0 (the request
 * named per_page), in the arena, its length in *n; NULL when out of
 * memory. No printf: a bar has a dozen. */
static const char *page_url(struct arena *a, const char *path, size_t pl, int64_t page,
			    int64_t per_page, size_t *n)
{
	char *u = arena_alloc(a, pl + sizeof "?page=&per_page=" + 40);
	if (!u)
		return NULL;
	size_t k = pl;
	memcpy(u, path, pl);
	memcpy(u + k, "?page=", 6);
	k += 6;
	k += text_put_u64(u + k, (uint64_t)page);
	if (per_page) {
		memcpy(u + k, "&per_page=", 10);
		k += 10;
		k += text_put_u64(u + k, (uint64_t)per_page);
	}
	u[k] = '\0';
	*n = k;
	return u;
}

/* Where a bar's URLs go: path (pl bytes) and the per_page they carry (0:
 * none). */
struct url_base {
	struct arena *a;
	const char *path;
	size_t pl;
	int64_t per_page;
};

/* iter_pages as a template list of maps {num, url}, {num, current} or
 * {gap}, each read through the ops below (no map built per entry). The
 * three kinds are three shapes (struct tmpl_ops): a section over the bar
 * finds each name once per kind, and a name an entry lacks ("gap" in a
 * link) is looked up outside the list, as in any map without it. */
enum bar_kind { BAR_GAP, BAR_CURRENT, BAR_LINK };
enum bar_slot { SLOT_GAP, SLOT_NUM, SLOT_CURRENT, SLOT_URL }; /* bit k: kind has slot k */
static const unsigned char bar_has[] = {
	[BAR_GAP] = 1u << SLOT_GAP,
	[BAR_CURRENT] = 1u << SLOT_NUM | 1u << SLOT_CURRENT,
	[BAR_LINK] = 1u << SLOT_NUM | 1u << SLOT_URL,
};

struct bar_entry {
	enum bar_kind kind;
	int64_t num;     /* CURRENT, LINK */
	const char *url; /* LINK, in the arena */
	size_t url_n;
};

struct bar {
	size_t n;
	struct bar_entry e[BAR_MAX];
};

static size_t bar_len(const struct tmpl_value *list)
{
	return ((const struct bar *)list->obj)->n;
}

static const struct tmpl_ops entry_ops;

static int bar_at(const struct tmpl_value *list, size_t i, struct tmpl_value *out)
{
	*out = (struct tmpl_value){.kind = TMPL_MAP, .ops = &entry_ops,
				   .obj = &((const struct bar *)list->obj)->e[i]};
	return 0;
}

static const struct tmpl_ops bar_ops = {.len = bar_len, .at = bar_at};

/* An entry's kind is its shape: the address of its row of bar_has. */
static const void *entry_shape(const struct tmpl_value *map)
{
	return &bar_has[((const struct bar_entry *)map->obj)->kind];
}

static int entry_find(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		      uintptr_t *slot)
{
	(void)hash;
	uintptr_t k;
	if (len == 3 && !memcmp(name, "gap", 3))
		k = SLOT_GAP;
	else if (len == 3 && !memcmp(name, "num", 3))
		k = SLOT_NUM;
	else if (len == 3 && !memcmp(name, "url", 3))
		k = SLOT_URL;
	else if (len == 7 && !memcmp(name, "current", 7))
		k = SLOT_CURRENT;
	else
		return 0;
	if (!(bar_has[((const struct bar_entry *)map->obj)->kind] >> k & 1))
		return 0;
	*slot = k;
	return 1;
}

/* Slot k (one the entry's kind has) of entry e. */
static struct tmpl_value entry_value(const struct bar_entry *e, uintptr_t k)
{
	switch ((enum bar_slot)k) {
	case SLOT_GAP:
	case SLOT_CURRENT:
		return tmpl_bool(true);
	case SLOT_NUM:
		return tmpl_int(e->num);
	case SLOT_URL:
		return tmpl_strn(e->url, e->url_n);
	}
	return tmpl_null();
}

static int entry_get_slot(const struct tmpl_value *map, uintptr_t slot, struct tmpl_value *out)
{
	*out = entry_value(map->obj, slot);
	return 1;
}

static uint32_t entry_get_slots(const struct tmpl_value *map, const uintptr_t *slot, uint32_t want,
				struct tmpl_value *out)
{
	for (uint32_t w = want; w; w &= w - 1) {
		unsigned k = (unsigned)__builtin_ctz(w);
		out[k] = entry_value(map->obj, slot[k]);
	}
	return want;
}

static int entry_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		     struct tmpl_value *out)
{
	uintptr_t slot;
	if (!entry_find(map, name, len, hash, &slot))
		return 0;
	return entry_get_slot(map, slot, out);
}

static const struct tmpl_ops entry_ops = {.get = entry_get,
					  .shape = entry_shape,
					  .find = entry_find,
					  .get_slot = entry_get_slot,
					  .get_slots = entry_get_slots};

/* One entry of the bar: page num (0: a gap) of p. 0 or -1 (out of
 * memory). */
static int bar_entry(const struct url_base *ub, const struct orm_pagination *p, int64_t num,
		     struct bar_entry *e)
{
	*e = (struct bar_entry){.kind = num == 0 ? BAR_GAP : num == p->page ? BAR_CURRENT : BAR_LINK,
				.num = num};
	if (e->kind == BAR_LINK) {
		if (!(e->url = page_url(ub->a, ub->path, ub->pl, num, ub->per_page, &e->url_n)))
			return -1;
	}
	return 0;
}

struct tmpl_map *web_pagination(struct http_request *req, const struct orm_pagination *p,
				const char *path)
{
	struct url_base ub = {req->arena, path, strlen(path),
			      http_req_query(req, "per_page") ? p->per_page : 0};
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
	const char *u;
	size_t un;
	if (p->has_prev) {
		u = page_url(ub.a, ub.path, ub.pl, p->prev_num, ub.per_page, &un);
		if (!u || tmpl_map_set_int(o, "prev_num", p->prev_num) < 0 ||
		    tmpl_map_set(o, "prev_url", tmpl_strn(u, un)) < 0)
			return NULL;
	}
	if (p->has_next) {
		u = page_url(ub.a, ub.path, ub.pl, p->next_num, ub.per_page, &un);
		if (!u || tmpl_map_set_int(o, "next_num", p->next_num) < 0 ||
		    tmpl_map_set(o, "next_url", tmpl_strn(u, un)) < 0)
			return NULL;
	}
	int64_t nums[BAR_MAX];
	size_t n = orm_iter_pages_default(p, nums, BAR_MAX);
	bar->n = 0;
	for (size_t i = 0; i < n && i < BAR_MAX; i++)
		if (bar_entry(&ub, p, nums[i], &bar->e[bar->n++]) < 0)
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
