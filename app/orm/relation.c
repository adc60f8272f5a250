/* relation.c — relationships: loading a relationship for a whole list of
 * objects in one statement (WHERE key IN (...), padded to a power of two so
 * few distinct statements get prepared) or from the rows of the list's own
 * statement (orm_eager_join's LEFT JOIN), lazy loads of one object, and the
 * in-memory side of append / remove / set (the rows follow at flush). */
#include <stdlib.h>
#include <string.h>

#include "orm/orm_impl.h"

static struct orm_list *rel_list(struct orm_obj *o, const struct orm_relationship *r)
{
	assert(!orm_rel_scalar(r) && o->model == r->model);
	return (struct orm_list *)((char *)o + r->offset);
}

/* A loaded scalar goes into the snapshot too: only later assignments by
 * the caller count as changes. */
static void set_loaded_scalar(struct orm_obj *o, const struct orm_relationship *r, struct orm_obj *t)
{
	assert(orm_rel_scalar(r) && o->model == r->model && (!t || t->model == r->target));
	orm_put_ptr(o, r->offset, t);
	if (o->snapshot)
		orm_put_ptr(o->snapshot, r->offset, t);
	o->rels_loaded |= UINT32_C(1) << r->index;
}

struct owner {
	int64_t key;
	struct orm_obj *o;
};

static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return 0;
}

/* First owner with key k in the sorted owners, or n. */
static size_t owner_find(const struct owner *v, size_t n, int64_t k)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].key < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].key == k ? lo : n;
}

/* The objects of objs[0..n) whose relationship r must come from the
 * database, with their keys, into own (room for n); *nown: how many. The
 * others are settled here: r is already loaded, there is nothing in the
 * database to load (not persistent, NULL key), or a many-to-one target is
 * in the identity map. */
static int rel_owners(struct orm_session *s, struct orm_obj *const *objs, size_t n,
		      const struct orm_relationship *r, struct owner *own, size_t *nown)
{
	uint32_t bit = UINT32_C(1) << r->index;
	const struct orm_model *tg = r->target;
	*nown = 0;
	for (size_t i = 0; i < n; i++) {
		struct orm_obj *o = objs[i];
		if (o->model != r->model)
			return orm_fail(s, ORM_MISUSE, "%s is not a relationship of %s", r->name,
					o->model->name);
		if (o->rels_loaded & bit)
			continue;
		if ((o->state != ORM_PERSISTENT && o->state != ORM_DELETED) ||
		    orm_effective_null(o, r->local)) {
			/* nothing in the database to load */
			if (orm_rel_scalar(r))
				set_loaded_scalar(o, r, NULL);
			else
				rel_list(o, r)->n = 0;
			o->rels_loaded |= bit;
			continue;
		}
		int64_t key = orm_get_int(o, r->local);
		if (r->kind == ORM_MANY_TO_ONE && r->remote == tg->pk) {
			struct orm_obj *t = orm_idmap_find(s, tg, key);
			if (t && t->state != ORM_DELETED && !t->expired) {
				set_loaded_scalar(o, r, t); /* no query: identity map */
				continue;
			}
		}
		own[*nown].key = key;
		own[*nown].o = o;
		(*nown)++;
	}
	return 0;
}

/* SELECT target.*, key FROM target [JOIN secondary] WHERE key IN (...) for
 * the keys of own (sorted), the list padded to orm_in_bucket; the rows
 * into res (through the identity map), their keys into *keys. */
static int rel_select(struct orm_session *s, const struct orm_relationship *r,
		      const struct owner *own, size_t nown, struct orm_list *res, int64_t **keys)
{
	const struct orm_model *tg = r->target;
	const struct orm_column *keycol = r->kind == ORM_MANY_TO_MANY ? r->sec_local : r->remote;
	struct orm_sqlb b;
	struct orm_params ps;
	orm_sqlb_init(&b, s->arena, 512);
	orm_params_init(&ps, s->arena);
	orm_sqlb_puts(&b, "SELECT ");
	orm_sqlb_puts(&b, tg->select_list);
	orm_sqlb_puts(&b, ", ");
	orm_sqlb_puts(&b, keycol->qname);
	orm_sqlb_puts(&b, " FROM ");
	orm_sqlb_puts(&b, tg->qtable);
	if (r->kind == ORM_MANY_TO_MANY) {
		orm_sqlb_puts(&b, " JOIN ");
		orm_sqlb_puts(&b, r->sec->qtable);
		orm_sqlb_puts(&b, " ON ");
		orm_sqlb_puts(&b, r->sec_remote->qname);
		orm_sqlb_puts(&b, " = ");
		orm_sqlb_puts(&b, r->remote->qname);
	}
	orm_sqlb_puts(&b, " WHERE ");
	orm_sqlb_puts(&b, keycol->qname);
	orm_sqlb_puts(&b, " IN (");
	size_t nkeys = 0;
	for (size_t i = 0; i < nown; i++)
		if (i == 0 || own[i].key != own[i - 1].key) {
			orm_params_add(&ps, orm_int(own[i].key), keycol);
			nkeys++;
		}
	size_t padded = orm_in_bucket(nkeys);
	for (size_t i = nkeys; i < padded; i++)
		orm_params_add(&ps, ps.v[nkeys - 1].v, keycol); /* a repeat changes nothing */
	for (size_t i = 0; i < padded; i++)
		orm_sqlb_puts(&b, i ? ", ?" : "?");
	orm_sqlb_putc(&b, ')');
	orm_sqlb_puts(&b, r->order_sql);
	MYSQL_STMT *st;
	int rc = orm_run(s, orm_sqlb_str(&b), &ps, &st);
	if (!rc)
		rc = orm_fetch_objects(s, st, tg, res, keys);
	return rc;
}

/* Give each owner its rows of res (keys[i]: row i's key): r becomes loaded
 * (empty when no row came), and a one-to-many's backref too. */
static int rel_distribute(struct orm_session *s, const struct orm_relationship *r,
			  const struct owner *own, size_t nown, const struct orm_list *res,
			  const int64_t *keys)
{
	int rc;
	for (size_t i = 0; i < nown; i++) {
		if (orm_rel_scalar(r))
			set_loaded_scalar(own[i].o, r, NULL);
		else
			rel_list(own[i].o, r)->n = 0;
		own[i].o->rels_loaded |= UINT32_C(1) << r->index;
	}
	const struct orm_relationship *back = r->backref;
	for (size_t i = 0; i < res->n; i++) {
		struct orm_obj *t = res->items[i];
		/* every row came back for a key we asked for */
		assert(t->model == r->target && owner_find(own, nown, keys[i]) < nown);
		for (size_t j = owner_find(own, nown, keys[i]); j < nown && own[j].key == keys[i]; j++) {
			struct orm_obj *o = own[j].o;
			if (orm_rel_scalar(r)) {
				if (!orm_get_ptr(o, r->offset))
					set_loaded_scalar(o, r, t);
			} else if ((rc = orm_list_push(s, rel_list(o, r), t))) {
				return rc;
			}
			/* the other side of a one-to-many is known now too */
			if (back && r->kind != ORM_MANY_TO_ONE && r->kind != ORM_MANY_TO_MANY &&
			    orm_rel_scalar(back) && !(t->rels_loaded & (UINT32_C(1) << back->index)))
				set_loaded_scalar(t, back, o);
		}
	}
	return 0;
}

int orm_rel_load(struct orm_session *s, struct orm_obj *const *objs, size_t n,
		 const struct orm_relationship *r, int depth)
{
	struct owner *own = arena_alloc(s->arena, (n ? n : 1) * sizeof *own);
	if (!own)
		return orm_fail(s, ORM_NOMEM, "out of memory loading %s", r->name);
	size_t nown;
	int rc = rel_owners(s, objs, n, r, own, &nown);
	if (rc || !nown)
		return rc;
	qsort(own, nown, sizeof *own, owner_cmp);
	for (size_t i = 1; i < nown; i++)
		assert(own[i - 1].key <= own[i].key); /* owner_find's binary search */
	struct orm_list res = {0};
	int64_t *keys = NULL;
	if ((rc = rel_select(s, r, own, nown, &res, &keys)) ||
	    (rc = rel_distribute(s, r, own, nown, &res, keys)))
		return rc;
	if (depth < 3)
		rc = orm_rel_load_selectin(s, &res, depth + 1);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Joined eager loading (orm_eager_join)                                */

/* Column c of o from v (a value of a result row: text in the arena, dates
 * as orm_time_from_mysql makes them): the field and its null bit, as
 * load.c's store_col writes them. */
static void value_into(struct orm_obj *o, const struct orm_column *c, struct orm_value v)
{
	uint64_t bit = UINT64_C(1) << c->index;
	char *f = (char *)o + c->offset;
	if (v.kind == ORM_V_NULL) {
		memset(f, 0, orm_field_size(c->type));
		o->nulls |= bit;
		return;
	}
	o->nulls &= ~bit;
	if (c->type == ORM_FLOAT) {
		memcpy(f, &v.d, sizeof v.d);
	} else if (c->type == ORM_BINARY) {
		struct orm_bytes b = {v.s.p, v.s.n};
		memcpy(f, &b, sizeof b);
	} else if (orm_type_is_ptr(c->type)) {
		orm_put_ptr(o, c->offset, v.s.p);
	} else {
		orm_put_int(o, c, v.i);
	}
}

/* A joined row of tg (vals: its columns, the primary key not NULL) as the
 * object a result row becomes in load.c's fetch_objects: *t, when not
 * NULL, is the session's expired object of that key, which takes the
 * row's values; else a new object is made and mapped into *t. 0 or
 * ORM_NOMEM. */
static int join_target(struct orm_session *s, const struct orm_model *tg,
		       const struct orm_value *vals, struct orm_obj **t)
{
	struct orm_obj *o = *t;
	if (o) { /* populate_existing, as fetch_objects does for an expired object */
		assert(o->expired && o->state == ORM_PERSISTENT && o->snapshot);
		for (size_t i = 0; i < tg->ncolumns; i++)
			value_into(o, &tg->columns[i], vals[i]);
		o->unloaded = 0;
		memcpy(o->snapshot, o, tg->size);
		o->touched = 0;
		o->expired = false;
		return 0;
	}
	char *p = arena_calloc(s->arena, 2, tg->size); /* the object, then its snapshot */
	if (!p)
		return orm_fail(s, ORM_NOMEM, "out of memory loading %s", tg->name);
	o = (struct orm_obj *)p;
	for (size_t i = 0; i < tg->ncolumns; i++)
		value_into(o, &tg->columns[i], vals[i]);
	o->model = tg;
	memcpy(p + tg->size, o, tg->size);
	o->snapshot = p + tg->size;
	o->state = ORM_PERSISTENT;
	orm_session_attach(s, o);
	int rc = orm_idmap_put(s, o);
	if (rc) {
		orm_session_unlink(s, o);
		return rc;
	}
	*t = o;
	return 0;
}

int orm_rel_join_load(struct orm_session *s, const struct orm_list *l,
		      const struct orm_relationship *r, const struct orm_value *v, size_t stride)
{
	const struct orm_model *tg = r->target;
	assert(r->kind == ORM_MANY_TO_ONE && tg->pk && r->remote == tg->pk);
	uint32_t bit = UINT32_C(1) << r->index;
	size_t pkpos = 1 + tg->pk->index; /* after the row's foreign key */
	struct orm_list fresh = {0}; /* targets made or refreshed from the rows */
	struct orm_list again = {0}; /* objects whose key in memory is not the row's */
	int rc;
	if ((rc = orm_list_reserve_n(s, &fresh, l->n)))
		return rc;
	/* Each object as rel_owners and rel_distribute settle it for
	 * orm_eager; the row stands in for the statement they would run. */
	for (size_t i = 0; i < l->n; i++) {
		struct orm_obj *o = l->items[i];
		const struct orm_value *row = v + i * stride;
		if (o->model != r->model)
			return orm_fail(s, ORM_MISUSE, "%s is not a relationship of %s", r->name,
					o->model->name);
		if (o->rels_loaded & bit)
			continue; /* loaded before: kept */
		if (orm_effective_null(o, r->local)) {
			set_loaded_scalar(o, r, NULL);
			continue;
		}
		int64_t key = orm_get_int(o, r->local);
		struct orm_obj *t = orm_idmap_find(s, tg, key);
		if (t && t->state != ORM_DELETED && !t->expired) {
			set_loaded_scalar(o, r, t); /* the identity map's, as it is */
			continue;
		}
		if (t && t->state == ORM_DELETED) {
			/* orm_eager's statement would find the row and skip it */
			set_loaded_scalar(o, r, NULL);
			continue;
		}
		if (row[0].kind == ORM_V_NULL || row[0].i != key) {
			/* the key was changed in memory: load that one */
			if ((rc = orm_list_push(s, &again, o)))
				return rc;
			continue;
		}
		if (row[pkpos].kind == ORM_V_NULL) {
			set_loaded_scalar(o, r, NULL); /* no such row */
			continue;
		}
		assert(row[pkpos].i == key);
		if ((rc = join_target(s, tg, row + 1, &t)))
			return rc;
		fresh.items[fresh.n++] = t; /* reserved above */
		set_loaded_scalar(o, r, t);
	}
	if (again.n && (rc = orm_rel_load(s, again.items, again.n, r, 0)))
		return rc;
	/* the targets' own lazy=selectin relationships, as orm_rel_load's */
	return orm_rel_load_selectin(s, &fresh, 1);
}

int orm_rel_load_selectin(struct orm_session *s, const struct orm_list *l, int depth)
{
	if (!l->n)
		return 0;
	const struct orm_model *m = l->items[0]->model;
	for (size_t k = 0; k < m->nrels; k++) {
		if (m->rels[k].lazy != ORM_LAZY_SELECTIN)
			continue;
		int rc = orm_rel_load(s, l->items, l->n, &m->rels[k], depth);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_rel(struct orm_session *s, const struct orm_obj *o, const struct orm_relationship *r)
{
	if (!o || !o->model || !r || o->model != r->model)
		return orm_fail(s, ORM_MISUSE, "%s is not a relationship of this object",
				r ? r->name : "(null)");
	if (o->session && o->session != s)
		return orm_fail(s, ORM_MISUSE, "object belongs to another session");
	return 0;
}

int orm_load_one(struct orm_session *s, void *obj, const struct orm_relationship *r, void **out)
{
	struct orm_obj *o = obj;
	*out = NULL;
	int rc = check_rel(s, o, r);
	if (rc)
		return rc;
	if (!orm_rel_scalar(r))
		return orm_fail(s, ORM_MISUSE, "%s is a list: use orm_load_list", r->name);
	if (!(o->rels_loaded & (UINT32_C(1) << r->index)) && (rc = orm_rel_load(s, &o, 1, r, 0)))
		return rc;
	*out = orm_get_ptr(o, r->offset);
	return 0;
}

int orm_load_list(struct orm_session *s, void *obj, const struct orm_relationship *r,
		  struct orm_list **out)
{
	struct orm_obj *o = obj;
	*out = NULL;
	int rc = check_rel(s, o, r);
	if (rc)
		return rc;
	if (orm_rel_scalar(r))
		return orm_fail(s, ORM_MISUSE, "%s is a scalar: use orm_load_one", r->name);
	if (!(o->rels_loaded & (UINT32_C(1) << r->index)) && (rc = orm_rel_load(s, &o, 1, r, 0)))
		return rc;
	*out = rel_list(o, r);
	return 0;
}

int orm_load_rel_many(struct orm_session *s, const struct orm_list *list,
		      const struct orm_relationship *r)
{
	return orm_rel_load(s, list->items, list->n, r, 0);
}

static int ensure_attached(struct orm_session *s, struct orm_obj *o)
{
	if (o->state == ORM_TRANSIENT)
		return orm_add(s, o);
	if (o->state == ORM_DETACHED || o->session != s)
		return orm_fail(s, ORM_MISUSE, "%s: object is not in this session", o->model->name);
	return 0;
}

int orm_append(struct orm_session *s, void *parent, const struct orm_relationship *r, void *child)
{
	struct orm_obj *p = parent, *c = child;
	struct orm_list *l;
	int rc = check_rel(s, p, r);
	if (rc)
		return rc;
	if (!c || c->model != r->target)
		return orm_fail(s, ORM_MISUSE, "%s: wrong kind of object to append", r->name);
	if ((rc = ensure_attached(s, p)) || (rc = orm_load_list(s, p, r, &l)))
		return rc;
	assert(p->rels_loaded >> r->index & 1);
	if (orm_list_contains(l, c))
		return 0;
	const struct orm_relationship *back = r->backref;
	struct orm_list *bl = NULL; /* the other side's list, when loaded */
	if (r->kind == ORM_MANY_TO_MANY && back && !orm_rel_scalar(back) &&
	    (c->rels_loaded >> back->index & 1) && !orm_list_contains(rel_list(c, back), p))
		bl = rel_list(c, back);
	/* What can fail comes first (room in the lists, the recorded write):
	 * a failure leaves everything as it was. */
	bool was_transient = c->state == ORM_TRANSIENT;
	if ((rc = orm_list_reserve(s, l)) || (bl && (rc = orm_list_reserve(s, bl))) ||
	    (rc = ensure_attached(s, c)))
		return rc;
	assert(orm_obj_state_ok(c) && c->session == s);
	rc = orm_op_add(s, r->kind == ORM_ONE_TO_MANY ? ORM_OP_LINK : ORM_OP_ASSOC_ADD, r, p, c);
	if (rc) {
		if (was_transient)
			orm_session_unadd(s, c);
		return rc;
	}
	orm_list_push(s, l, c); /* room reserved: cannot fail */
	if (bl)
		orm_list_push(s, bl, p);
	if (r->kind == ORM_ONE_TO_MANY && back && orm_rel_scalar(back)) {
		orm_put_ptr(c, back->offset, p);
		c->rels_loaded |= UINT32_C(1) << back->index;
	}
	return 0;
}

int orm_remove(struct orm_session *s, void *parent, const struct orm_relationship *r, void *child)
{
	struct orm_obj *p = parent, *c = child;
	struct orm_list *l;
	int rc = check_rel(s, p, r);
	if (rc)
		return rc;
	if (!c || c->model != r->target)
		return orm_fail(s, ORM_MISUSE, "%s: wrong kind of object to remove", r->name);
	if ((rc = orm_load_list(s, p, r, &l)))
		return rc;
	if (!orm_list_contains(l, c))
		return 0;
	/* the recorded write first: a failure leaves the lists as they were */
	if (r->kind == ORM_ONE_TO_MANY)
		rc = orm_op_add(s, ORM_OP_LINK, r, NULL, c);
	else
		rc = orm_op_add(s, ORM_OP_ASSOC_DEL, r, p, c);
	if (rc)
		return rc;
	orm_list_remove(l, c);
	/* a collection holds an object at most once (append checks) */
	assert(!orm_list_contains(l, c));
	const struct orm_relationship *back = r->backref;
	if (r->kind == ORM_ONE_TO_MANY) {
		if (back && orm_rel_scalar(back) && orm_get_ptr(c, back->offset) == p)
			orm_put_ptr(c, back->offset, NULL);
		return 0;
	}
	if (back && !orm_rel_scalar(back) && (c->rels_loaded >> back->index & 1)) {
		orm_list_remove(rel_list(c, back), p);
		assert(!orm_list_contains(rel_list(c, back), p));
	}
	return 0;
}

int orm_set_related(struct orm_session *s, void *obj, const struct orm_relationship *r,
		    void *target)
{
	struct orm_obj *o = obj, *t = target, *old = NULL;
	int rc = check_rel(s, o, r);
	if (rc)
		return rc;
	if (!orm_rel_scalar(r))
		return orm_fail(s, ORM_MISUSE, "%s is a list: use orm_append", r->name);
	if (t && t->model != r->target)
		return orm_fail(s, ORM_MISUSE, "%s: wrong kind of object", r->name);
	if (t && (t->state == ORM_DETACHED || (t->session && t->session != s)))
		return orm_fail(s, ORM_MISUSE, "%s: object is not in this session", t->model->name);
	bool o_transient = o->state == ORM_TRANSIENT;
	if ((rc = ensure_attached(s, o)))
		return rc;
	if (o->rels_loaded >> r->index & 1)
		old = orm_get_ptr(o, r->offset);
	else if (r->kind == ORM_ONE_TO_ONE) {
		/* the current child must be known to unlink it */
		void *cur;
		if ((rc = orm_load_one(s, o, r, &cur)))
			return rc;
		old = cur;
	}
	/* the one step that can fail before anything changes: room in the
	 * new target's list */
	const struct orm_relationship *back = r->backref;
	if (back && old != t && !orm_rel_scalar(back) && t && (t->rels_loaded >> back->index & 1) &&
	    !orm_list_contains(rel_list(t, back), o) && (rc = orm_list_reserve(s, rel_list(t, back)))) {
		if (o_transient)
			orm_session_unadd(s, o);
		return rc;
	}
	if (t && (rc = ensure_attached(s, t)))
		return rc;
	orm_put_ptr(o, r->offset, t);
	o->rels_loaded |= UINT32_C(1) << r->index;
	if (r->kind == ORM_MANY_TO_ONE) {
		/* the FK follows now when it can (and again at flush) */
		if (!t)
			orm_set_null(o, r->local->index);
		else if (t->state == ORM_PERSISTENT) {
			orm_put_int(o, r->local, orm_get_int(t, r->remote));
			o->nulls &= ~(UINT64_C(1) << r->local->index);
		}
	}
	if (!back || old == t)
		return 0;
	if (!orm_rel_scalar(back)) {
		if (old && (old->rels_loaded >> back->index & 1))
			orm_list_remove(rel_list(old, back), o);
		if (t && (t->rels_loaded >> back->index & 1) && !orm_list_contains(rel_list(t, back), o))
			orm_list_push(s, rel_list(t, back), o); /* room reserved: cannot fail */
	} else {
		if (old && orm_get_ptr(old, back->offset) == o)
			orm_put_ptr(old, back->offset, NULL);
		if (t) {
			orm_put_ptr(t, back->offset, o);
			t->rels_loaded |= UINT32_C(1) << back->index;
		}
	}
	return 0;
}
