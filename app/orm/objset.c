/* objset.c — struct orm_objset: the objects of a list as a hash set of
 * their addresses, for "is this object in that list" asked many times (a
 * template's computed field, once per row of a page). Owns nothing: the
 * table is in the caller's arena. */
#include "orm/orm_impl.h"

/* The table index of obj's address: the low bits are alignment, the
 * multiply spreads the rest. */
static size_t objset_index(const struct orm_objset *s, const void *obj)
{
	uint64_t h = ((uint64_t)(uintptr_t)obj >> 4) * UINT64_C(0x9E3779B97F4A7C15);
	return (size_t)(h >> 32) & s->mask;
}

int orm_objset_init(struct orm_objset *s, const struct orm_list *l, struct arena *a)
{
	size_t cap = 8;
	while (cap < 2 * l->n)
		cap *= 2;
	s->mask = cap - 1;
	s->slot = arena_calloc(a, cap, sizeof *s->slot);
	if (!s->slot) {
		s->mask = 0;
		return ORM_NOMEM;
	}
	for (size_t i = 0; i < l->n; i++) {
		const void *obj = l->items[i];
		size_t k = objset_index(s, obj);
		while (s->slot[k] && s->slot[k] != obj)
			k = (k + 1) & s->mask;
		s->slot[k] = obj;
	}
	return 0;
}

bool orm_objset_has(const struct orm_objset *s, const void *obj)
{
	if (!s->slot || !obj)
		return false;
	for (size_t k = objset_index(s, obj); s->slot[k]; k = (k + 1) & s->mask)
		if (s->slot[k] == obj)
			return true;
	return false;
}
