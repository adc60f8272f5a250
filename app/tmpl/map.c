/* map.c — a page's own top-level context: a small map in the request's
 * arena from literal keys to context values (lists of objects, json-c
 * parts, scalars), read by the renderer through tmpl_ops like any map. */
#include <json.h>
#include <string.h>

#include "tmpl_priv.h"

struct tmpl_map_entry {
	const char *key;
	size_t len;
	uint32_t hash; /* tmpl_name_hash(key, len): a lookup compares it first */
	struct tmpl_value v;
};

struct tmpl_map {
	struct arena *a;
	struct tmpl_map_entry *v;
	size_t n, cap;
	uint64_t keys; /* bit hash % 64 of every key's hash: a name whose bit
			  is clear is not in the map, without a scan (most
			  misses, and most new keys) */
};

/* The entry called name (len bytes, hash its tmpl_name_hash) in m, or
 * NULL. */
static const struct tmpl_map_entry *map_entry(const struct tmpl_map *m, const char *name,
					      size_t len, uint32_t hash)
{
	if (!(m->keys >> (hash % 64) & 1))
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		const struct tmpl_map_entry *e = &m->v[i];
		if (e->hash == hash && e->len == len && memcmp(e->key, name, len) == 0)
			return e;
	}
	return NULL;
}

static int map_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		   struct tmpl_value *out)
{
	const struct tmpl_map_entry *e = map_entry(map->obj, name, len, hash);
	if (!e)
		return 0;
	*out = e->v;
	return 1;
}

/* No shape (struct tmpl_ops): a map's names are its own, so the render's
 * name cache, keyed by shape, would answer for one map only, and a tag
 * reads a page's map once or twice; a lookup (hash filter, then a short
 * scan) costs less than the cache's. A list of such maps is walked. */
static const struct tmpl_ops map_ops = {.get = map_get};

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
	/* the key's length and hash in one pass (tmpl_hash's) */
	size_t len = 0;
	uint32_t hash = TMPL_HASH_INIT;
	for (; key[len]; len++)
		hash = tmpl_hash_byte(hash, (unsigned char)key[len]);
	struct tmpl_map_entry *e = (struct tmpl_map_entry *)map_entry(m, key, len, hash);
	if (e) {
		e->v = v;
		return 0;
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
	m->v[m->n++] = (struct tmpl_map_entry){key, len, hash, v};
	m->keys |= UINT64_C(1) << (hash % 64);
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
