/* template.c — objects and lists as template context values (tmpl.h's
 * struct tmpl_value): a template reads a model's columns, loaded
 * relationships and computed fields in place, through the metadata, with
 * nothing built per row. Owns nothing; text it makes (dates) goes into the
 * arena the caller names. */
#include <stdio.h>
#include <string.h>

#include "orm/orm_impl.h"

static int obj_get(const struct tmpl_value *v, const char *name, size_t len, uint32_t hash,
		   struct tmpl_value *out);

/* A slot (obj_find) is an address with a tag in its two low bits. */
enum { SLOT_COLUMN = 0, SLOT_FIELD = 1, SLOT_REL = 2, SLOT_TAG = 3 };
_Static_assert(_Alignof(struct orm_column) >= 4 && _Alignof(struct orm_field) >= 4,
	       "a column's or a field's slot is its address, tagged");
static size_t list_len(const struct tmpl_value *v);
static int list_at(const struct tmpl_value *v, size_t i, struct tmpl_value *out);

static const void *obj_shape(const struct tmpl_value *v);
static int obj_find(const struct tmpl_value *v, const char *name, size_t len, uint32_t hash,
		    uintptr_t *slot);
static int obj_get_slot(const struct tmpl_value *v, uintptr_t slot, struct tmpl_value *out);
static uint32_t obj_get_slots(const struct tmpl_value *v, const uintptr_t *slot, uint32_t want,
			      struct tmpl_value *out);

static const struct tmpl_ops obj_ops = {.get = obj_get,
					.shape = obj_shape,
					.find = obj_find,
					.get_slot = obj_get_slot,
					.get_slots = obj_get_slots};
static const struct tmpl_ops list_ops = {.len = list_len, .at = list_at};

struct tmpl_value orm_tmpl_obj(const void *obj, const void *env, struct arena *a)
{
	if (!obj)
		return tmpl_null();
	return (struct tmpl_value){.kind = TMPL_MAP, .ops = &obj_ops, .obj = obj, .env = env, .aux = a};
}

struct tmpl_value orm_tmpl_list(const struct orm_list *l, const void *env, struct arena *a)
{
	if (!l)
		return tmpl_null();
	return (struct tmpl_value){.kind = TMPL_LIST, .ops = &list_ops, .obj = l, .env = env, .aux = a};
}

static size_t list_len(const struct tmpl_value *v)
{
	return ((const struct orm_list *)v->obj)->n;
}

static int list_at(const struct tmpl_value *v, size_t i, struct tmpl_value *out)
{
	const struct orm_list *l = v->obj;
	*out = orm_tmpl_obj(l->items[i], v->env, v->aux);
	return 0;
}

/* Text of n bytes at p copied into a. */
static int arena_text(struct arena *a, const char *p, size_t n, struct tmpl_value *out)
{
	char *c = a ? arena_strndup(a, p, n) : NULL;
	if (!c)
		return TMPL_ENOMEM;
	*out = tmpl_strn(c, n);
	return 1;
}

/* A column of a number or a flag type, read from its field f into *out
 * with only the kind and the scalar written (a scalar's ops and the rest
 * go unread): 1; 0 for any other type, *out untouched. Null and unloaded
 * are the caller's to tell first. */
__attribute__((always_inline)) static inline int scalar_value(const struct orm_column *c,
							      const char *f,
							      struct tmpl_value *out)
{
	switch (c->type) {
	case ORM_INTEGER: {
		int32_t x;
		memcpy(&x, f, sizeof x);
		out->kind = TMPL_INT;
		out->i = x;
		return 1;
	}
	case ORM_SMALLINT: {
		int16_t x;
		memcpy(&x, f, sizeof x);
		out->kind = TMPL_INT;
		out->i = x;
		return 1;
	}
	case ORM_BIGINT: {
		int64_t x;
		memcpy(&x, f, sizeof x);
		out->kind = TMPL_INT;
		out->i = x;
		return 1;
	}
	case ORM_BOOLEAN: {
		bool x;
		memcpy(&x, f, sizeof x);
		out->kind = TMPL_BOOL;
		out->b = x;
		return 1;
	}
	case ORM_FLOAT: {
		double d;
		memcpy(&d, f, sizeof d);
		out->kind = TMPL_DOUBLE;
		out->d = d;
		return 1;
	}
	default:
		return 0;
	}
}

/* Column c of o as a template value; 1 or TMPL_ENOMEM. The type first:
 * a pointer column is null exactly when its pointer is, any other is
 * not null while its null bit is clear (orm_effective_null otherwise).
 * In line: obj_get_slot reads a list's columns through here, name after
 * name. */
__attribute__((always_inline)) static inline int
column_value(const struct orm_obj *o, const struct orm_column *c, struct arena *a,
	     struct tmpl_value *out)
{
	const char *f = (const char *)o + c->offset;
	uint64_t bit = UINT64_C(1) << c->index;
	if (o->unloaded & bit)
		goto null;
	switch (c->type) {
	case ORM_NUMERIC:
	case ORM_STRING:
	case ORM_TEXT:
	case ORM_UNICODE:
	case ORM_UNICODE_TEXT:
	case ORM_ENUM: {
		const char *p;
		memcpy(&p, f, sizeof p);
		if (!p)
			goto null;
		*out = tmpl_str(p);
		return 1;
	}
	case ORM_BINARY:
		goto null;
	default:
		break;
	}
	if ((o->nulls & bit) && orm_effective_null(o, c))
		goto null;
	struct tmpl_value v = {.kind = TMPL_NULL}; /* a whole value, as tmpl_int() makes */
	if (scalar_value(c, f, &v)) {
		*out = v;
		return 1;
	}
	switch (c->type) {
	case ORM_DATETIME:
	case ORM_DATE: {
		/* written straight into the arena: no copy of a stack buffer */
		char *iso = a ? arena_alloc(a, 21) : NULL;
		if (!iso)
			return TMPL_ENOMEM;
		if (c->type == ORM_DATETIME) {
			orm_datetime_iso(orm_get_int(o, c), iso);
			*out = tmpl_strn(iso, 20);
		} else {
			orm_datetime_iso(orm_get_int(o, c) * 86400, iso);
			iso[10] = '\0';
			*out = tmpl_strn(iso, 10);
		}
		return 1;
	}
	case ORM_TIME: {
		char t[32];
		int64_t s = orm_get_int(o, c);
		uint64_t u = s < 0 ? -(uint64_t)s : (uint64_t)s;
		int n = snprintf(t, sizeof t, "%s%02llu:%02llu:%02llu", s < 0 ? "-" : "",
				 (unsigned long long)(u / 3600), (unsigned long long)(u / 60 % 60),
				 (unsigned long long)(u % 60));
		return arena_text(a, t, (size_t)n, out);
	}
	default:
		break;
	}
null:
	*out = tmpl_null();
	return 1;
}

/* One name a template may read of a model, in its open-addressing table. */
enum { NAME_EMPTY, NAME_FIELD, NAME_COLUMN, NAME_REL };
struct name_slot {
	uint32_t hash;
	unsigned char kind;
	unsigned short index;
	uint32_t len;
	const char *name;
};
_Static_assert(_Alignof(struct name_slot) >= 4, "a relationship's slot is its entry's address, tagged");

static int index_put(struct name_slot *t, uint32_t mask, const char *name, unsigned char kind,
		     size_t index)
{
	size_t len = strlen(name);
	uint32_t h = tmpl_name_hash(name, len);
	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		if (t[i].kind == NAME_EMPTY) {
			t[i] = (struct name_slot){h, kind, (unsigned short)index, (uint32_t)len, name};
			return 0;
		}
		if (t[i].hash == h && !strcmp(t[i].name, name))
			return 0; /* a computed field shadows a column of its name */
	}
}

int orm_tmpl_index(struct orm_registry *r, struct orm_model *m)
{
	size_t n = m->ncolumns + m->nrels, cap = 8;
	for (const struct orm_field *f = m->fields; f && f->name; f++)
		n++;
	while (cap < 2 * n)
		cap *= 2;
	struct name_slot *t = arena_calloc(&r->arena, cap, sizeof *t);
	if (!t)
		return ORM_NOMEM;
	uint32_t mask = (uint32_t)cap - 1;
	for (const struct orm_field *f = m->fields; f && f->name; f++)
		index_put(t, mask, f->name, NAME_FIELD, (size_t)(f - m->fields));
	for (size_t i = 0; i < m->ncolumns; i++)
		index_put(t, mask, m->columns[i].name, NAME_COLUMN, i);
	for (size_t i = 0; i < m->nrels; i++)
		index_put(t, mask, m->rels[i].name, NAME_REL, i);
	m->tmpl_names = t;
	m->tmpl_names_mask = mask;
	return 0;
}

/* The slot of name in model m's table, or NULL. */
static const struct name_slot *name_find(const struct orm_model *m, const char *name, size_t len,
					 uint32_t hash)
{
	const struct name_slot *t = m->tmpl_names;
	if (!t)
		return NULL; /* the registry was not initialised */
	for (uint32_t i = hash & m->tmpl_names_mask; t[i].kind != NAME_EMPTY;
	     i = (i + 1) & m->tmpl_names_mask) {
		if (t[i].hash == hash && t[i].len == len && !memcmp(t[i].name, name, len))
			return &t[i];
	}
	return NULL;
}

/* Name e of object v (of e's model) into *out: 1 or TMPL_ENOMEM. */
static int slot_value(const struct tmpl_value *v, const struct name_slot *e, struct tmpl_value *out)
{
	const struct orm_obj *o = v->obj;
	const struct orm_model *m = o->model;
	if (e->kind == NAME_COLUMN)
		return column_value(o, &m->columns[e->index], v->aux, out);
	*out = tmpl_null();
	if (e->kind == NAME_FIELD) /* fields make their text in the arena: one is needed */
		return !v->aux || m->fields[e->index].get(o, v->env, v->aux, out) < 0 ? TMPL_ENOMEM : 1;
	const struct orm_relationship *r = &m->rels[e->index];
	if (!(o->rels_loaded >> r->index & 1))
		return 1;
	if (orm_rel_scalar(r))
		*out = orm_tmpl_obj(orm_get_ptr(o, r->offset), v->env, v->aux);
	else
		*out = orm_tmpl_list((const struct orm_list *)((const char *)o + r->offset), v->env,
				     v->aux);
	return 1;
}

static int obj_get(const struct tmpl_value *v, const char *name, size_t len, uint32_t hash,
		   struct tmpl_value *out)
{
	const struct orm_obj *o = v->obj;
	const struct name_slot *e = name_find(o->model, name, len, hash);
	return e ? slot_value(v, e, out) : 0;
}

/* Every object of a model reads a name alike: the model is the shape, a
 * slot the name's place in its table. */
static const void *obj_shape(const struct tmpl_value *v)
{
	const struct orm_model *m = ((const struct orm_obj *)v->obj)->model;
	return m->tmpl_names ? m : NULL;
}

static int obj_find(const struct tmpl_value *v, const char *name, size_t len, uint32_t hash,
		    uintptr_t *slot)
{
	const struct orm_model *m = ((const struct orm_obj *)v->obj)->model;
	const struct name_slot *e = name_find(m, name, len, hash);
	if (!e)
		return 0;
	/* A column's or a computed field's slot is its metadata's address, a
	 * relationship's its entry in the table, each tagged (SLOT_*). */
	if (e->kind == NAME_COLUMN)
		*slot = (uintptr_t)&m->columns[e->index] | SLOT_COLUMN;
	else if (e->kind == NAME_FIELD)
		*slot = (uintptr_t)&m->fields[e->index] | SLOT_FIELD;
	else
		*slot = (uintptr_t)e | SLOT_REL;
	return e->kind == NAME_FIELD ? 2 : 1; /* a computed field: once per object and render */
}

/* column_value out of line: obj_get_slot's fast path makes no call. */
__attribute__((noinline)) static int column_call(const struct orm_obj *o,
						 const struct orm_column *c, struct arena *a,
						 struct tmpl_value *out)
{
	return column_value(o, c, a, out);
}

/* Column c of o into *out when it is a number, a flag or a text neither
 * unloaded nor null (absent: o's unloaded | nulls bits): 1, with only the
 * kind and the scalar written (a scalar's ops and the rest go unread);
 * else 0, *out untouched (column_value knows the rest and gives the same
 * for these). */
__attribute__((always_inline)) static inline int column_plain(const struct orm_obj *o,
							      uint64_t absent,
							      const struct orm_column *c,
							      struct tmpl_value *out)
{
	const char *f = (const char *)o + c->offset;
	if (absent >> c->index & 1)
		return 0;
	if (c->type == ORM_INTEGER) { /* the usual column: one test, no jump table */
		int32_t x;
		memcpy(&x, f, sizeof x);
		out->kind = TMPL_INT;
		out->i = x;
		return 1;
	}
	if (scalar_value(c, f, out))
		return 1;
	switch (c->type) {
	case ORM_NUMERIC:
	case ORM_STRING:
	case ORM_TEXT:
	case ORM_UNICODE:
	case ORM_UNICODE_TEXT:
	case ORM_ENUM: {
		const char *p;
		memcpy(&p, f, sizeof p);
		if (!p)
			return 0; /* null: column_value says so */
		out->kind = TMPL_STR;
		out->s.p = p;
		out->s.n = strlen(p);
		return 1;
	}
	default:
		return 0;
	}
}

/* A column, the common case (a list's rows are read through here, name
 * after name), straight from its slot without slot_value's call; a plain
 * one (column_plain) without column_value's call either. */
static int obj_get_slot(const struct tmpl_value *v, uintptr_t slot, struct tmpl_value *out)
{
	const struct orm_obj *o = v->obj;
	if (slot & SLOT_FIELD) {
		/* a computed field (slot_value's, without its call): null
		 * unless the field says otherwise, and a scalar's kind and
		 * value are all that is read of it; it makes its text in the
		 * arena, so one is needed */
		const struct orm_field *f = (const struct orm_field *)(slot - SLOT_FIELD);
		if (!v->aux)
			return TMPL_ENOMEM;
		out->kind = TMPL_NULL;
		return f->get(o, v->env, v->aux, out) < 0 ? TMPL_ENOMEM : 1;
	}
	if (slot & SLOT_REL)
		return slot_value(v, (const struct name_slot *)(slot - SLOT_REL), out);
	const struct orm_column *c = (const struct orm_column *)slot;
	if (column_plain(o, o->unloaded | o->nulls, c, out))
		return 1;
	return column_call(o, c, v->aux, out);
}

/* The plain columns (column_plain) among the wanted slots, the rest (null
 * or unloaded ones, dates, computed fields, relationships) left to
 * obj_get_slot: a list's row read in one call. */
static uint32_t obj_get_slots(const struct tmpl_value *v, const uintptr_t *slot, uint32_t want,
			      struct tmpl_value *out)
{
	const struct orm_obj *o = v->obj;
	/* read once: the stores into out may alias o as far as C knows */
	const uint64_t absent = o->unloaded | o->nulls;
	uint32_t got = 0;
	while (want) {
		unsigned k = (unsigned)__builtin_ctz(want);
		want &= want - 1;
		if (!(slot[k] & SLOT_TAG) && column_plain(o, absent, (const struct orm_column *)slot[k], &out[k]))
			got |= UINT32_C(1) << k;
	}
	return got;
}
