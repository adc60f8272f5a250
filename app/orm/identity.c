/* identity.c — the session's objects: the list of every attached object
 * and the identity map (one object per row: open addressing on (model,
 * primary key), tombstones on removal). Everything comes from the
 * session's arena. */
#include <stdint.h>
#include <string.h>

#include "orm/orm_impl.h"

struct orm_obj orm_idmap_tomb; /* identity-map tombstone */
#define TOMB (&orm_idmap_tomb)

void orm_session_unlink(struct orm_session *s, struct orm_obj *o)
{
	struct orm_obj *prev = NULL;
	bool found = false;
	assert(o->session == s);
	for (struct orm_obj *p = s->objects; p; prev = p, p = p->next) {
		if (p != o)
			continue;
		if (prev)
			prev->next = p->next;
		else
			s->objects = p->next;
		if (s->objects_tail == p)
			s->objects_tail = prev;
		found = true;
		break;
	}
	assert(found); /* only objects of the session's list are unlinked */
	(void)found;
	o->next = NULL;
}

void orm_session_expunge(struct orm_session *s, struct orm_obj *o)
{
	assert(o->session == s);
	orm_session_unlink(s, o);
	orm_idmap_remove(s, o);
	o->session = NULL;
	o->state = ORM_TRANSIENT;
}

void orm_session_unadd(struct orm_session *s, struct orm_obj *o)
{
	assert(o->state == ORM_PENDING && o->session == s);
	orm_session_expunge(s, o);
}

struct orm_obj *orm_idmap_find(struct orm_session *s, const struct orm_model *m, int64_t pk)
{
	size_t slot;
	return orm_idmap_find_slot(s, m, pk, &slot);
}

static int idmap_rehash(struct orm_session *s, size_t ncap)
{
	struct orm_obj **n = arena_calloc(s->arena, ncap, sizeof *n);
	if (!n)
		return orm_fail(s, ORM_NOMEM, "out of memory growing the identity map");
	size_t live = 0;
	for (size_t i = 0; i < s->idmap_cap; i++) {
		struct orm_obj *o = s->idmap[i];
		if (!o || o == TOMB)
			continue;
		size_t j = orm_idmap_hash(o->model, orm_get_int(o, o->model->pk)) & (ncap - 1);
		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = o;
		live++;
	}
	assert(live < ncap);
	s->idmap = n;
	s->idmap_cap = ncap;
	s->idmap_n = live;
	return 0;
}

int orm_idmap_reserve(struct orm_session *s, size_t n)
{
	/* room for n objects in all, as orm_idmap_put would grow to when the
	 * n-th is mapped: rows already mapped take no room, and a map that
	 * holds more gets no bigger here (a put grows it if need be) */
	size_t need = s->idmap_n + 1 > n ? s->idmap_n + 1 : n;
	size_t cap = s->idmap_cap ? s->idmap_cap : 64;
	while (need * 4 >= cap * 3)
		cap *= 2;
	return cap == s->idmap_cap ? 0 : idmap_rehash(s, cap);
}

int orm_idmap_put(struct orm_session *s, struct orm_obj *o)
{
	int64_t pk = orm_get_int(o, o->model->pk);
	/* one object per (model, key): callers look the key up first */
	assert(o->session == s && o->state == ORM_PERSISTENT);
	assert(orm_idmap_find(s, o->model, pk) == NULL);
	if (s->idmap_cap) {
		/* A tombstone on the key's probe path is reused without growing
		 * the table: a rollback that maps again the rows its flushes
		 * deleted needs no memory. */
		size_t mask = s->idmap_cap - 1;
		for (size_t j = orm_idmap_hash(o->model, pk) & mask; s->idmap[j]; j = (j + 1) & mask)
			if (s->idmap[j] == TOMB) {
				s->idmap[j] = o;
				return 0;
			}
	}
	if ((s->idmap_n + 1) * 4 >= s->idmap_cap * 3) {
		int rc = idmap_rehash(s, s->idmap_cap ? s->idmap_cap * 2 : 64);
		if (rc)
			return rc;
	}
	size_t mask = s->idmap_cap - 1;
	size_t j = orm_idmap_hash(o->model, pk) & mask;
	while (s->idmap[j])
		j = (j + 1) & mask;
	s->idmap_n++;
	s->idmap[j] = o;
	return 0;
}

int orm_idmap_put_slow(struct orm_session *s, struct orm_obj *o, size_t slot)
{
	if (slot != SIZE_MAX && s->idmap[slot] == TOMB) {
		s->idmap[slot] = o;
		return 0;
	}
	return orm_idmap_put(s, o);
}

void orm_idmap_remove(struct orm_session *s, struct orm_obj *o)
{
	for (size_t i = 0; i < s->idmap_cap; i++)
		if (s->idmap[i] == o) {
			s->idmap[i] = TOMB;
			return;
		}
}
