/* query.c — building a query: every call returns a new immutable query
 * sharing the old one's parts (filters, order, grouping, select terms,
 * joins, eager loads and eager joins); an error met while building is kept in the query
 * and returned by the executor that runs it. */
#include <string.h>

#include "orm/orm_impl.h"

struct orm_query *orm_query(struct orm_session *s, const struct orm_model *m)
{
	struct orm_query *q = arena_calloc(s->arena, 1, sizeof *q);
	if (!q)
		return NULL;
	q->s = s;
	q->m = m;
	q->limit = -1;
	if (!m || !m->ready) {
		q->err = ORM_MISUSE;
		q->why = "model not initialised (orm_registry_init)";
	}
	return q;
}

static struct orm_query *qcopy(struct orm_query *q)
{
	if (!q)
		return NULL;
	struct orm_query *n = arena_alloc(q->s->arena, sizeof *n);
	if (!n) {
		q->err = ORM_NOMEM;
		q->why = "out of memory";
		return q;
	}
	*n = *q;
	return n;
}

static struct orm_query *qfail(struct orm_query *q, int err, const char *why)
{
	if (q && !q->err) {
		q->err = err;
		q->why = why;
	}
	return q;
}

/* A new query with p pushed on the list at offset off. */
static struct orm_query *qpush(struct orm_query *q, size_t off, const void *p, enum orm_dir d)
{
	if (!q)
		return NULL;
	struct orm_query *n = qcopy(q);
	if (n == q)
		return q;
	if (!p)
		return qfail(n, ORM_NOMEM, "out of memory building an expression");
	struct orm_qnode *node = arena_alloc(q->s->arena, sizeof *node);
	if (!node)
		return qfail(n, ORM_NOMEM, "out of memory");
	const struct orm_qnode **list = (const struct orm_qnode **)((char *)n + off);
	node->p = p;
	node->dir = d;
	node->next = *list;
	*list = node;
	return n;
}

#define QPUSH(q, field, p, d) qpush((q), offsetof(struct orm_query, field), (p), (d))

struct orm_query *orm_filter(struct orm_query *q, const struct orm_expr *e)
{
	return QPUSH(q, where, e, ORM_ASC);
}

struct orm_query *orm_filter_by(struct orm_query *q, const char *column, struct orm_value v)
{
	if (!q)
		return NULL;
	const struct orm_column *c = column ? orm_model_column(q->m, column) : NULL;
	if (!c)
		return qfail(qcopy(q), ORM_MISUSE, "filter_by: no such column");
	return orm_filter(q, orm_eq(q->s, c, v));
}

struct orm_query *orm_limit(struct orm_query *q, int64_t n)
{
	struct orm_query *c = qcopy(q);
	if (c && c != q)
		c->limit = n < 0 ? 0 : n;
	return c;
}

struct orm_query *orm_offset(struct orm_query *q, int64_t n)
{
	struct orm_query *c = qcopy(q);
	if (c && c != q)
		c->offset = n < 0 ? 0 : n;
	return c;
}

struct orm_query *orm_order_by(struct orm_query *q, const struct orm_column *c, enum orm_dir d)
{
	return q ? QPUSH(q, order, orm_colref(q->s, c), d) : NULL;
}

struct orm_query *orm_order_by_term(struct orm_query *q, const struct orm_expr *term, enum orm_dir d)
{
	return QPUSH(q, order, term, d);
}

struct orm_query *orm_group_by(struct orm_query *q, const struct orm_column *c)
{
	return q ? QPUSH(q, group, orm_colref(q->s, c), ORM_ASC) : NULL;
}

struct orm_query *orm_having(struct orm_query *q, const struct orm_expr *e)
{
	return QPUSH(q, having, e, ORM_ASC);
}

struct orm_query *orm_select(struct orm_query *q, const struct orm_expr *term)
{
	if (term && term->kind != ORM_E_COL && term->kind != ORM_E_AGG && term->kind != ORM_E_SUB)
		return qfail(qcopy(q), ORM_MISUSE, "select: a column, an aggregate or a scalar subquery");
	return QPUSH(q, select, term, ORM_ASC);
}

static struct orm_query *push_join(struct orm_query *q, const struct orm_relationship *r, bool sec_only)
{
	if (!q)
		return NULL;
	struct orm_qjoin *j = arena_alloc(q->s->arena, sizeof *j);
	if (j) {
		j->r = r;
		j->sec_only = sec_only;
	}
	return QPUSH(q, joins, j, ORM_ASC);
}

/* Is model m in the FROM clause of q? */
bool orm_query_has_table(const struct orm_query *q, const struct orm_model *m)
{
	if (m == q->m)
		return true;
	for (const struct orm_qnode *n = q->joins; n; n = n->next) {
		const struct orm_qjoin *j = n->p;
		if (j->r->sec == m || (!j->sec_only && j->r->target == m))
			return true;
	}
	return false;
}

struct orm_query *orm_join(struct orm_query *q, const struct orm_relationship *r)
{
	if (!q)
		return NULL;
	if (!r || !orm_query_has_table(q, r->model))
		return qfail(qcopy(q), ORM_MISUSE, "join: the relationship's model is not in the query");
	if (orm_query_has_table(q, r->target) || (r->sec && orm_query_has_table(q, r->sec)))
		return qfail(qcopy(q), ORM_MISUSE, "join: a table may appear once");
	return push_join(q, r, false);
}

struct orm_query *orm_eager(struct orm_query *q, const struct orm_relationship *r)
{
	if (q && (!r || r->model != q->m))
		return qfail(qcopy(q), ORM_MISUSE, "eager: not a relationship of the query's model");
	return QPUSH(q, eager, r, ORM_ASC);
}

struct orm_query *orm_eager_join(struct orm_query *q, const struct orm_relationship *r)
{
	if (!q)
		return NULL;
	/* the foreign key in the query's row, the target's primary key at
	 * its other end: one row of the target or none per result row, so
	 * the join changes neither the rows nor what LIMIT counts */
	if (!r || r->model != q->m || r->kind != ORM_MANY_TO_ONE || !r->target->pk ||
	    r->remote != r->target->pk)
		return qfail(qcopy(q), ORM_MISUSE,
			     "eager_join: not a many-to-one relationship of the query's model");
	for (const struct orm_qnode *n = q->ejoin; n; n = n->next)
		if (n->p == r)
			return qcopy(q); /* already joined: once is enough */
	return QPUSH(q, ejoin, r, ORM_ASC);
}

struct orm_query *orm_load_only(struct orm_query *q, const struct orm_column *c)
{
	struct orm_query *n = qcopy(q);
	if (!n || n == q)
		return n;
	if (!c || c->model != n->m || !n->m->pk)
		return qfail(n, ORM_MISUSE, "load_only: not a column of the query's model");
	n->only |= UINT64_C(1) << c->index | UINT64_C(1) << n->m->pk->index;
	return n;
}

struct orm_query *orm_add_column(struct orm_query *q, const struct orm_expr *term)
{
	if (term && term->kind != ORM_E_COL && term->kind != ORM_E_AGG && term->kind != ORM_E_SUB)
		return qfail(qcopy(q), ORM_MISUSE,
			     "add_column: a column, an aggregate or a scalar subquery");
	return QPUSH(q, extra, term, ORM_ASC);
}

struct orm_query *orm_for_update(struct orm_query *q)
{
	struct orm_query *c = qcopy(q);
	if (c && c != q)
		c->for_update = true;
	return c;
}

struct orm_query *orm_with_parent(struct orm_session *s, void *obj, const struct orm_relationship *r)
{
	struct orm_obj *o = obj;
	if (!r)
		return NULL;
	struct orm_query *q = orm_query(s, r->target);
	if (!q)
		return NULL;
	if (!o || o->model != r->model)
		return qfail(q, ORM_MISUSE, "with_parent: not a relationship of this object");
	struct orm_value key = orm_field_value(o, r->local);
	if (r->kind == ORM_MANY_TO_MANY) {
		q = push_join(q, r, true);
		q = orm_filter(q, orm_eq(s, r->sec_local, key));
	} else {
		q = orm_filter(q, orm_eq(s, r->remote, key));
	}
	for (int k = 0; k < ORM_MAX_ORDER && r->order_by[k].column; k++)
		q = orm_order_by(q, orm_model_column(r->target, r->order_by[k].column), r->order_by[k].dir);
	return q;
}

/* A query can run: 0, ORM_NOMEM for NULL (an allocation failed while it
 * was built), or the error recorded while building it. */
int orm_query_check(struct orm_query *q)
{
	if (!q)
		return ORM_NOMEM;
	if (q->err)
		return orm_fail(q->s, q->err, "%s", q->why ? q->why : orm_strerror(q->err));
	return 0;
}
