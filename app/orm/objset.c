/* objset.c — struct orm_objset: the objects of a list as a hash set of
 * their addresses, for "is this object in that list" asked many times (a
 * template's computed field, once per row of a page). Owns nothing: the
 * table is in the caller's arena. */
#include "orm/orm_impl.h"

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
		size_t k = orm_objset_index_(s, obj);
		while (s->slot[k] && s->slot[k] != obj)
			k = (k + 1) & s->mask;
		s->slot[k] = obj;
	}
	return 0;
}
