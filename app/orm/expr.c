/* expr.c — the expressions of a query (conditions, terms, aggregates,
 * scalar subqueries), immutable and in the session's arena; values are
 * kept, never spliced: render.c makes each one a bound parameter. */
#include <string.h>

#include "orm/orm_impl.h"

static struct orm_expr *ex_new(struct orm_session *s, enum orm_expr_kind k)
{
	struct orm_expr *e = arena_calloc(s->arena, 1, sizeof *e);
	if (e)
		e->kind = k;
	return e;
}

/* Text values are kept by pointer (the caller's memory must outlive the
 * query): copying them here would cost a copy per filter for nothing in
 * the common case of request-arena strings. */
const struct orm_expr *orm_colref(struct orm_session *s, const struct orm_column *c)
{
	if (!c)
		return NULL;
	struct orm_expr *e = ex_new(s, ORM_E_COL);
	if (e)
		e->col = c;
	return e;
}

const struct orm_expr *orm_func(struct orm_session *s, enum orm_agg f, const struct orm_column *c)
{
	if (!c && f != ORM_COUNT)
		return NULL;
	struct orm_expr *e = ex_new(s, ORM_E_AGG);
	if (e) {
		e->agg = f;
		e->col = c;
	}
	return e;
}

const struct orm_expr *orm_scalar(struct orm_session *s, struct orm_query *q)
{
	if (!q)
		return NULL;
	struct orm_expr *e = ex_new(s, ORM_E_SUB);
	if (e)
		e->sub = q;
	return e;
}

const struct orm_expr *orm_cmp(struct orm_session *s, const struct orm_expr *term, enum orm_op op,
			       struct orm_value v)
{
	if (!term)
		return NULL;
	struct orm_expr *e = ex_new(s, ORM_E_CMP);
	struct orm_value *vals = arena_alloc(s->arena, sizeof *vals);
	if (!e || !vals)
		return NULL;
	*vals = v;
	e->op = op;
	e->a = term;
	e->vals = vals;
	e->nvals = 1;
	return e;
}

const struct orm_expr *orm_cmp_terms(struct orm_session *s, const struct orm_expr *a, enum orm_op op,
				     const struct orm_expr *b)
{
	if (!a || !b)
		return NULL;
	struct orm_expr *e = ex_new(s, ORM_E_CMP);
	if (!e)
		return NULL;
	e->op = op;
	e->a = a;
	e->b = b;
	return e;
}

#define CMP_FN(name, OP)                                                                     \
	const struct orm_expr *name(struct orm_session *s, const struct orm_column *c,       \
				    struct orm_value v)                                      \
	{                                                                                    \
		return orm_cmp(s, orm_colref(s, c), OP, v);                                  \
	}
CMP_FN(orm_eq, ORM_OP_EQ)
CMP_FN(orm_ne, ORM_OP_NE)
CMP_FN(orm_lt, ORM_OP_LT)
CMP_FN(orm_le, ORM_OP_LE)
CMP_FN(orm_gt, ORM_OP_GT)
CMP_FN(orm_ge, ORM_OP_GE)

const struct orm_expr *orm_like(struct orm_session *s, const struct orm_column *c, const char *pattern)
{
	const struct orm_expr *t = orm_cmp(s, orm_colref(s, c), ORM_OP_EQ, orm_str(pattern));
	if (t)
		((struct orm_expr *)t)->kind = ORM_E_LIKE;
	return t;
}

const struct orm_expr *orm_in(struct orm_session *s, const struct orm_column *c,
			      const struct orm_value *vals, size_t n)
{
	const struct orm_expr *t = orm_colref(s, c);
	struct orm_expr *e = ex_new(s, ORM_E_IN);
	struct orm_value *v = arena_alloc(s->arena, (n ? n : 1) * sizeof *v);
	if (!t || !e || !v)
		return NULL;
	if (n)
		memcpy(v, vals, n * sizeof *v);
	e->a = t;
	e->vals = v;
	e->nvals = n;
	return e;
}

static const struct orm_expr *unary(struct orm_session *s, enum orm_expr_kind k, const struct orm_expr *a)
{
	if (!a)
		return NULL;
	struct orm_expr *e = ex_new(s, k);
	if (e)
		e->a = a;
	return e;
}

const struct orm_expr *orm_is_null(struct orm_session *s, const struct orm_column *c)
{
	return unary(s, ORM_E_ISNULL, orm_colref(s, c));
}

const struct orm_expr *orm_is_not_null(struct orm_session *s, const struct orm_column *c)
{
	return unary(s, ORM_E_NOTNULL, orm_colref(s, c));
}

const struct orm_expr *orm_not(struct orm_session *s, const struct orm_expr *a)
{
	return unary(s, ORM_E_NOT, a);
}

static const struct orm_expr *binary(struct orm_session *s, enum orm_expr_kind k,
				     const struct orm_expr *a, const struct orm_expr *b)
{
	if (!a || !b)
		return NULL;
	struct orm_expr *e = ex_new(s, k);
	if (e) {
		e->a = a;
		e->b = b;
	}
	return e;
}

const struct orm_expr *orm_and(struct orm_session *s, const struct orm_expr *a, const struct orm_expr *b)
{
	return binary(s, ORM_E_AND, a, b);
}

const struct orm_expr *orm_or(struct orm_session *s, const struct orm_expr *a, const struct orm_expr *b)
{
	return binary(s, ORM_E_OR, a, b);
}
