/* template.c — objects and lists as template context values (tmpl.h's
 * struct tmpl_value): a template reads a model's columns, loaded
 * relationships and computed fields in place, through the metadata, with
 * nothing built per row. Owns nothing; text it makes (dates) goes into the
 * arena the caller names. */
#include <stdio.h>
#include <string.h>

#include "orm/orm_impl.h"

static int obj_get(const struct tmpl_value *v, const char *name, size_t len, struct tmpl_value *out);
static size_t list_len(const struct tmpl_value *v);
static int list_at(const struct tmpl_value *v, size_t i, struct tmpl_value *out);

static const struct tmpl_ops obj_ops = {.get = obj_get};
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
	char *c = arena_strndup(a, p, n);
	if (!c)
		return TMPL_ENOMEM;
	*out = tmpl_strn(c, n);
	return 1;
}

/* Column c of o as a template value; 1 or TMPL_ENOMEM. */
static int column_value(const struct orm_obj *o, const struct orm_column *c, struct arena *a,
			struct tmpl_value *out)
{
	*out = tmpl_null();
	if ((o->unloaded >> c->index & 1) || orm_effective_null(o, c))
		return 1;
	switch (c->type) {
	case ORM_INTEGER:
	case ORM_SMALLINT:
	case ORM_BIGINT:
		*out = tmpl_int(orm_get_int(o, c));
		return 1;
	case ORM_BOOLEAN:
		*out = tmpl_bool(orm_get_int(o, c) != 0);
		return 1;
	case ORM_FLOAT: {
		double d;
		memcpy(&d, (const char *)o + c->offset, sizeof d);
		*out = tmpl_double(d);
		return 1;
	}
	case ORM_NUMERIC:
	case ORM_STRING:
	case ORM_TEXT:
	case ORM_UNICODE:
	case ORM_UNICODE_TEXT:
	case ORM_ENUM:
		*out = tmpl_str(orm_get_ptr(o, c->offset));
		return 1;
	case ORM_DATETIME: {
		char iso[21];
		orm_datetime_iso(orm_get_int(o, c), iso);
		return arena_text(a, iso, 20, out);
	}
	case ORM_DATE: {
		char iso[21];
		orm_datetime_iso(orm_get_int(o, c) * 86400, iso);
		return arena_text(a, iso, 10, out);
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
	case ORM_BINARY:
		return 1;
	}
	return 1;
}

static int obj_get(const struct tmpl_value *v, const char *name, size_t len, struct tmpl_value *out)
{
	const struct orm_obj *o = v->obj;
	const struct orm_model *m = o->model;
	(void)len;
	if (m->fields) {
		for (const struct orm_field *f = m->fields; f->name; f++) {
			if (f->name[0] != name[0] || strcmp(f->name, name) != 0)
				continue;
			*out = tmpl_null();
			return f->get(o, v->env, v->aux, out) < 0 ? TMPL_ENOMEM : 1;
		}
	}
	for (size_t i = 0; i < m->ncolumns; i++) {
		const struct orm_column *c = &m->columns[i];
		if (c->name[0] == name[0] && strcmp(c->name, name) == 0)
			return column_value(o, c, v->aux, out);
	}
	for (size_t i = 0; i < m->nrels; i++) {
		const struct orm_relationship *r = &m->rels[i];
		if (r->name[0] != name[0] || strcmp(r->name, name) != 0)
			continue;
		*out = tmpl_null();
		if (!(o->rels_loaded >> r->index & 1))
			return 1;
		const char *f = (const char *)o + r->offset;
		if (orm_rel_scalar(r))
			*out = orm_tmpl_obj(orm_get_ptr(o, r->offset), v->env, v->aux);
		else
			*out = orm_tmpl_list((const struct orm_list *)f, v->env, v->aux);
		return 1;
	}
	return 0;
}
