/* object.c — one mapped object's state: made by orm_new with its defaults,
 * NULL bits, dirty tracking against the snapshot taken when it was loaded
 * or last flushed, and taking / restoring that snapshot. */
#include <string.h>

#include "orm/orm_impl.h"

void *orm_new(struct orm_session *s, const struct orm_model *m)
{
	if (!m->ready || !m->pk) /* a plain table has no mapped class */
		return NULL;
	struct orm_obj *o = arena_calloc(s->arena, 1, m->size);
	void *snap = arena_alloc(s->arena, m->size);
	if (!o || !snap)
		return NULL;
	o->model = m;
	for (size_t i = 0; i < m->ncolumns; i++) {
		const struct orm_column *c = &m->columns[i];
		const struct orm_default *d = &c->default_value;
		if (d->set) {
			if (c->type == ORM_FLOAT)
				memcpy((char *)o + c->offset, &d->d, sizeof d->d);
			else if (c->type == ORM_BINARY)
				;
			else if (orm_type_is_ptr(c->type))
				orm_put_ptr(o, c->offset, d->s);
			else
				orm_put_int(o, c, d->i);
		} else if (!orm_type_is_ptr(c->type) && !(m->not_null_mask >> i & 1) &&
			   !c->server_default) {
			o->nulls |= UINT64_C(1) << i;
		}
	}
	/* A new object's relationships are known: empty. */
	o->rels_loaded = m->nrels >= 32 ? UINT32_MAX : (UINT32_C(1) << m->nrels) - 1;
	memcpy(snap, o, m->size);
	o->snapshot = snap;
	return o;
}

int64_t orm_pk(const void *obj)
{
	const struct orm_obj *o = obj;
	return orm_get_int(o, o->model->pk);
}

bool orm_field_is_null(const void *obj, unsigned col)
{
	const struct orm_obj *o = obj;
	return orm_effective_null(o, &o->model->columns[col]);
}

void orm_set_null(void *obj, unsigned col)
{
	struct orm_obj *o = obj;
	const struct orm_column *c = &o->model->columns[col];
	uint64_t bit = UINT64_C(1) << col;
	if (orm_type_is_ptr(c->type))
		memset((char *)o + c->offset, 0, orm_field_size(c->type));
	o->nulls |= bit;
	o->touched &= ~bit;
	o->unloaded &= ~bit;
}

void orm_touch(void *obj, unsigned col)
{
	struct orm_obj *o = obj;
	uint64_t bit = UINT64_C(1) << col;
	o->touched |= bit;
	o->nulls &= ~bit;
	o->unloaded &= ~bit; /* set by the caller: known now */
}

bool orm_loaded(const void *obj, unsigned col)
{
	const struct orm_obj *o = obj;
	return !(o->unloaded >> col & 1);
}

static bool snap_null(const struct orm_obj *snap, const struct orm_column *c)
{
	if (c->type == ORM_BINARY) {
		struct orm_bytes b;
		memcpy(&b, (const char *)snap + c->offset, sizeof b);
		return b.p == NULL;
	}
	if (orm_type_is_ptr(c->type))
		return orm_get_ptr(snap, c->offset) == NULL;
	return (snap->nulls >> c->index) & 1;
}

bool orm_changed(const void *obj, unsigned col)
{
	const struct orm_obj *o = obj;
	const struct orm_column *c = &o->model->columns[col];
	const struct orm_obj *snap = o->snapshot;
	if ((o->touched >> col) & 1 || !snap)
		return true;
	if ((o->unloaded >> col) & 1) /* never read: nothing to write back */
		return false;
	/* orm_set_null on a pointer column: an explicit NULL, even where the
	 * pointer was NULL already (a server default would otherwise apply) */
	if (orm_type_is_ptr(c->type) && ((o->nulls ^ snap->nulls) >> col & 1))
		return true;
	bool nn = orm_effective_null(o, c), sn = snap_null(snap, c);
	if (nn != sn)
		return true;
	if (nn)
		return false;
	const char *a = (const char *)o + c->offset, *b = (const char *)snap + c->offset;
	if (c->type == ORM_BINARY) {
		struct orm_bytes x, y;
		memcpy(&x, a, sizeof x);
		memcpy(&y, b, sizeof y);
		return x.n != y.n || (x.p != y.p && memcmp(x.p, y.p, x.n) != 0);
	}
	if (orm_type_is_ptr(c->type)) {
		const char *x = orm_get_ptr(o, c->offset), *y = orm_get_ptr(snap, c->offset);
		return x != y && strcmp(x, y) != 0;
	}
	return memcmp(a, b, orm_field_size(c->type)) != 0;
}

uint64_t orm_dirty_mask(const struct orm_obj *o)
{
	uint64_t mask = 0;
	for (size_t i = 0; i < o->model->ncolumns; i++)
		if (orm_changed(o, (unsigned)i))
			mask |= UINT64_C(1) << i;
	return mask;
}

bool orm_obj_dirty(const struct orm_obj *o)
{
	return orm_dirty_mask(o) != 0;
}

/* Make the null bits say exactly what is NULL, then snapshot := object. */
void orm_snapshot_now(struct orm_obj *o)
{
	const struct orm_model *m = o->model;
	for (size_t i = 0; i < m->ncolumns; i++) {
		uint64_t bit = UINT64_C(1) << i;
		if (orm_effective_null(o, &m->columns[i]))
			o->nulls |= bit;
		else
			o->nulls &= ~bit;
	}
	o->touched = 0;
	memcpy(o->snapshot, o, m->size);
}

void orm_restore_columns(struct orm_obj *o, const void *from)
{
	const struct orm_model *m = o->model;
	for (size_t i = 0; i < m->ncolumns; i++) {
		const struct orm_column *c = &m->columns[i];
		memcpy((char *)o + c->offset, (const char *)from + c->offset, orm_field_size(c->type));
	}
	o->nulls = ((const struct orm_obj *)from)->nulls;
	o->touched = 0;
}
