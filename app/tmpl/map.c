/* map.c — a page's own top-level context: a small map in the request's
 * arena from literal keys to context values (lists of objects, json-c
 * parts, scalars), read by the renderer through tmpl_ops like any map. */
#include <json.h>
#include <string.h>

#include "tmpl_priv.h"

struct tmpl_map_entry {
	const char *key;
	size_t len;
	struct tmpl_value v;
};

struct tmpl_map {
	struct arena *a;
	struct tmpl_map_entry *v;
	size_t n, cap;
};

static int map_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		   struct tmpl_value *out)
{
	(void)hash;
	const struct tmpl_map *m = map->obj;
	for (size_t i = 0; i < m->n; i++) {
		const struct tmpl_map_entry *e = &m->v[i];
		if (e->len == len && memcmp(e->key, name, len) == 0) {
			*out = e->v;
			return 1;
		}
	}
	return 0;
}

/* A map is its own shape; a slot is an entry's index. */
static const void *map_shape(const struct tmpl_value *map)
{
	return map->obj;
}

static int map_find(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		    uintptr_t *slot)
{
	(void)hash;
	const struct tmpl_map *m = map->obj;
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].len == len && memcmp(m->v[i].key, name, len) == 0) {
			*slot = i;
			return 1;
		}
	}
	return 0;
}

static int map_get_slot(const struct tmpl_value *map, uintptr_t slot, struct tmpl_value *out)
{
	const struct tmpl_map *m = map->obj;
	*out = m->v[slot].v;
	return 1;
}

static const struct tmpl_ops map_ops = {
	.get = map_get, .shape = map_shape, .find = map_find, .get_slot = map_get_slot};

struct tmpl_map *tmpl_map_new(struct arena *a)
{
	struct tmpl_map *m = arena_calloc(a, 1, sizeof *m);
	if (m)
		m->a = a;
	return m;
}

int tmpl_map_set(struct tmpl_map *m, const char *key, struct tmpl_value v)
{
	if (!m || !key)
		return TMPL_ENOMEM;
	size_t len = strlen(key);
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].len == len && memcmp(m->v[i].key, key, len) == 0) {
			m->v[i].v = v;
			return 0;
		}
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct tmpl_map_entry *nv = arena_alloc(m->a, cap * sizeof *nv);
		if (!nv)
			return TMPL_ENOMEM;
		if (m->n)
			memcpy(nv, m->v, m->n * sizeof *nv);
		m->v = nv;
		m->cap = cap;
	}
	m->v[m->n++] = (struct tmpl_map_entry){key, len, v};
	return 0;
}

static void put_json(void *j)
{
	json_object_put(j);
}

int tmpl_map_set_json(struct tmpl_map *m, const char *key, struct json_object *j)
{
	if (!j)
		return TMPL_ENOMEM;
	if (!m || arena_cleanup_add(m->a, put_json, j) < 0) {
		json_object_put(j);
		return TMPL_ENOMEM;
	}
	return tmpl_map_set(m, key, tmpl_json(j));
}

int tmpl_map_set_int(struct tmpl_map *m, const char *key, int64_t i)
{
	return tmpl_map_set(m, key, tmpl_int(i));
}

int tmpl_map_set_bool(struct tmpl_map *m, const char *key, bool b)
{
	return tmpl_map_set(m, key, tmpl_bool(b));
}

int tmpl_map_set_str(struct tmpl_map *m, const char *key, const char *s)
{
	return tmpl_map_set(m, key, tmpl_str(s));
}

struct tmpl_value tmpl_map_value(const struct tmpl_map *m)
{
	if (!m)
		return tmpl_null();
	return (struct tmpl_value){.kind = TMPL_MAP, .ops = &map_ops, .obj = m};
}
