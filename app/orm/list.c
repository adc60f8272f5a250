/* list.c — orm_list, the arena-grown array of objects that query results
 * and relationship collections are made of. */
#include <string.h>

#include "orm/orm_impl.h"

int orm_list_reserve_n(struct orm_session *s, struct orm_list *l, size_t n)
{
	if (n <= l->cap - l->n)
		return 0;
	size_t ncap = l->cap ? l->cap * 2 : 8;
	if (ncap < l->n + n)
		ncap = l->n + n;
	struct orm_obj **ni = arena_alloc(s->arena, ncap * sizeof *ni);
	if (!ni)
		return orm_fail(s, ORM_NOMEM, "out of memory growing a list");
	if (l->n)
		memcpy(ni, l->items, l->n * sizeof *ni);
	l->items = ni;
	l->cap = ncap;
	return 0;
}

int orm_list_reserve(struct orm_session *s, struct orm_list *l)
{
	return orm_list_reserve_n(s, l, 1);
}

int orm_list_push(struct orm_session *s, struct orm_list *l, struct orm_obj *o)
{
	int rc = orm_list_reserve(s, l);
	if (rc)
		return rc;
	assert(l->n < l->cap && o);
	l->items[l->n++] = o;
	return 0;
}

void orm_list_remove(struct orm_list *l, const struct orm_obj *o)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i] == o) {
			memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof *l->items);
			l->n--;
			return;
		}
}

bool orm_list_contains(const struct orm_list *l, const void *obj)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i] == obj)
			return true;
	return false;
}
