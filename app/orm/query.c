/* query.c — the query builder (immutable queries: every call returns a new
 * one sharing the old one's parts), rendering to SQL with every value a
 * bound parameter and every identifier from metadata, and the executors:
 * all, first, count, rows, paginate, bulk update / delete. */
#include <stdio.h>
#include <string.h>

#include "orm/orm_impl.h"

enum expr_kind { E_COL, E_AGG, E_SUB, E_CMP, E_LIKE, E_IN, E_ISNULL, E_NOTNULL, E_AND, E_OR, E_NOT };

struct orm_expr {
	enum expr_kind kind;
	enum orm_op op;
	enum orm_agg agg;
	const struct orm_column *col; /* E_COL; E_AGG's argument (NULL: *) */
	const struct orm_expr *a, *b;
	struct orm_query *sub; /* E_SUB: a query with one select term */
	struct orm_value *vals;
	size_t nvals;
};

/* Immutable singly-linked lists, newest first; a new query shares the tail. */
struct qnode {
	const void *p;
	enum orm_dir dir;
	const struct qnode *next;
};

struct qjoin {
	const struct orm_relationship *r;
	bool sec_only; /* with_parent on a many-to-many: the association only */
};

struct orm_query {
	struct orm_session *s;
	const struct orm_model *m;
	const struct qnode *where, *order, *group, *having, *select, *eager, *joins;
	int64_t limit, offset; /* limit -1: none */
	bool for_update;
	int err;
	const char *why;
};

/* ------------------------------------------------------------------ */
/* Expressions                                                          */

static struct orm_expr *ex_new(struct orm_session *s, enum expr_kind k)
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
	struct orm_expr *e = ex_new(s, E_COL);
	if (e)
		e->col = c;
	return e;
}

const struct orm_expr *orm_func(struct orm_session *s, enum orm_agg f, const struct orm_column *c)
{
	if (!c && f != ORM_COUNT)
		return NULL;
	struct orm_expr *e = ex_new(s, E_AGG);
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
	struct orm_expr *e = ex_new(s, E_SUB);
	if (e)
		e->sub = q;
	return e;
}

const struct orm_expr *orm_cmp(struct orm_session *s, const struct orm_expr *term, enum orm_op op,
			       struct orm_value v)
{
	if (!term)
		return NULL;
	struct orm_expr *e = ex_new(s, E_CMP);
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
	struct orm_expr *e = ex_new(s, E_CMP);
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
		((struct orm_expr *)t)->kind = E_LIKE;
	return t;
}

const struct orm_expr *orm_in(struct orm_session *s, const struct orm_column *c,
			      const struct orm_value *vals, size_t n)
{
	const struct orm_expr *t = orm_colref(s, c);
	struct orm_expr *e = ex_new(s, E_IN);
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

static const struct orm_expr *unary(struct orm_session *s, enum expr_kind k, const struct orm_expr *a)
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
	return unary(s, E_ISNULL, orm_colref(s, c));
}

const struct orm_expr *orm_is_not_null(struct orm_session *s, const struct orm_column *c)
{
	return unary(s, E_NOTNULL, orm_colref(s, c));
}

const struct orm_expr *orm_not(struct orm_session *s, const struct orm_expr *a)
{
	return unary(s, E_NOT, a);
}

static const struct orm_expr *binary(struct orm_session *s, enum expr_kind k,
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
	return binary(s, E_AND, a, b);
}

const struct orm_expr *orm_or(struct orm_session *s, const struct orm_expr *a, const struct orm_expr *b)
{
	return binary(s, E_OR, a, b);
}

/* ------------------------------------------------------------------ */
/* Builder                                                              */

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
	struct qnode *node = arena_alloc(q->s->arena, sizeof *node);
	if (!node)
		return qfail(n, ORM_NOMEM, "out of memory");
	const struct qnode **list = (const struct qnode **)((char *)n + off);
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
	if (term && term->kind != E_COL && term->kind != E_AGG && term->kind != E_SUB)
		return qfail(qcopy(q), ORM_MISUSE, "select: a column, an aggregate or a scalar subquery");
	return QPUSH(q, select, term, ORM_ASC);
}

static struct orm_query *push_join(struct orm_query *q, const struct orm_relationship *r, bool sec_only)
{
	if (!q)
		return NULL;
	struct qjoin *j = arena_alloc(q->s->arena, sizeof *j);
	if (j) {
		j->r = r;
		j->sec_only = sec_only;
	}
	return QPUSH(q, joins, j, ORM_ASC);
}

/* Is model m in the FROM clause of q? */
static bool in_from(const struct orm_query *q, const struct orm_model *m)
{
	if (m == q->m)
		return true;
	for (const struct qnode *n = q->joins; n; n = n->next) {
		const struct qjoin *j = n->p;
		if (j->r->sec == m || (!j->sec_only && j->r->target == m))
			return true;
	}
	return false;
}

struct orm_query *orm_join(struct orm_query *q, const struct orm_relationship *r)
{
	if (!q)
		return NULL;
	if (!r || !in_from(q, r->model))
		return qfail(qcopy(q), ORM_MISUSE, "join: the relationship's model is not in the query");
	if (in_from(q, r->target) || (r->sec && in_from(q, r->sec)))
		return qfail(qcopy(q), ORM_MISUSE, "join: a table may appear once");
	return push_join(q, r, false);
}

struct orm_query *orm_eager(struct orm_query *q, const struct orm_relationship *r)
{
	if (q && (!r || r->model != q->m))
		return qfail(qcopy(q), ORM_MISUSE, "eager: not a relationship of the query's model");
	return QPUSH(q, eager, r, ORM_ASC);
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

/* ------------------------------------------------------------------ */
/* Rendering                                                            */

struct render {
	struct orm_query *q;
	struct orm_sqlb b;
	struct orm_params ps;
	int err;
	const char *why;
	unsigned alias;
};

static void r_fail(struct render *r, int err, const char *why)
{
	if (!r->err) {
		r->err = err;
		r->why = why;
	}
}

static const char *agg_name(enum orm_agg f)
{
	switch (f) {
	case ORM_COUNT: return "COUNT(";
	case ORM_SUM: return "SUM(";
	case ORM_AVG: return "AVG(";
	case ORM_MIN: return "MIN(";
	case ORM_MAX: return "MAX(";
	}
	return "COUNT(";
}

static void render_col(struct render *r, const struct orm_column *c)
{
	if (!in_from(r->q, c->model))
		r_fail(r, ORM_MISUSE, "a column of a table not in the query (join it first)");
	orm_sqlb_puts(&r->b, c->qname);
}

static void render_body(struct render *r);
static void render_tail(struct render *r, bool order);
static void render_list(struct render *r, const struct qnode *n, const char *sep, int what, bool *first);

/* (SELECT term FROM ... [ORDER BY] [LIMIT]): a query of one select term as
 * a value; its parameters take their places in the outer statement's. */
static void render_sub(struct render *r, struct orm_query *sub)
{
	if (sub->err) {
		r_fail(r, sub->err, sub->why ? sub->why : "a failed subquery");
		return;
	}
	if (!sub->select || sub->select->next) {
		r_fail(r, ORM_MISUSE, "a scalar subquery selects exactly one term");
		return;
	}
	struct orm_query *outer = r->q;
	bool first = true;
	r->q = sub;
	orm_sqlb_puts(&r->b, "(SELECT ");
	render_list(r, sub->select, ", ", 3, &first);
	render_body(r);
	render_tail(r, true);
	orm_sqlb_putc(&r->b, ')');
	r->q = outer;
}

static void render_term(struct render *r, const struct orm_expr *e)
{
	if (e->kind == E_COL) {
		render_col(r, e->col);
		return;
	}
	if (e->kind == E_SUB) {
		render_sub(r, e->sub);
		return;
	}
	if (e->kind != E_AGG) {
		r_fail(r, ORM_MISUSE, "not a column or an aggregate");
		return;
	}
	orm_sqlb_puts(&r->b, agg_name(e->agg));
	if (e->col)
		render_col(r, e->col);
	else
		orm_sqlb_putc(&r->b, '*');
	orm_sqlb_putc(&r->b, ')');
}

/* The column a term's values are typed by (so a DATETIME compares with a
 * DATETIME parameter), or NULL. */
static const struct orm_column *term_col(const struct orm_expr *t)
{
	if (t->kind == E_COL)
		return t->col;
	if (t->kind == E_AGG && (t->agg == ORM_MIN || t->agg == ORM_MAX))
		return t->col;
	return NULL;
}

static void render_expr(struct render *r, const struct orm_expr *e)
{
	static const char *ops[] = {" = ", " != ", " < ", " <= ", " > ", " >= "};
	switch (e->kind) {
	case E_CMP:
		render_term(r, e->a);
		if (!e->vals) { /* term op term: column against column */
			orm_sqlb_puts(&r->b, ops[e->op]);
			render_term(r, e->b);
			return;
		}
		if (e->vals[0].kind == ORM_V_NULL && (e->op == ORM_OP_EQ || e->op == ORM_OP_NE)) {
			/* == None renders IS NULL, as SQLAlchemy does */
			orm_sqlb_puts(&r->b, e->op == ORM_OP_EQ ? " IS NULL" : " IS NOT NULL");
			return;
		}
		orm_sqlb_puts(&r->b, ops[e->op]);
		orm_sqlb_putc(&r->b, '?');
		orm_params_add(&r->ps, e->vals[0], term_col(e->a));
		return;
	case E_LIKE:
		render_term(r, e->a);
		orm_sqlb_puts(&r->b, " LIKE ?");
		orm_params_add(&r->ps, e->vals[0], NULL);
		return;
	case E_IN:
		if (e->nvals == 0) {
			orm_sqlb_puts(&r->b, "1 = 0");
			return;
		}
		render_term(r, e->a);
		orm_sqlb_puts(&r->b, " IN (");
		for (size_t i = 0; i < e->nvals; i++) {
			orm_sqlb_puts(&r->b, i ? ", ?" : "?");
			orm_params_add(&r->ps, e->vals[i], term_col(e->a));
		}
		orm_sqlb_putc(&r->b, ')');
		return;
	case E_ISNULL:
	case E_NOTNULL:
		render_term(r, e->a);
		orm_sqlb_puts(&r->b, e->kind == E_ISNULL ? " IS NULL" : " IS NOT NULL");
		return;
	case E_AND:
	case E_OR:
		orm_sqlb_putc(&r->b, '(');
		render_expr(r, e->a);
		orm_sqlb_puts(&r->b, e->kind == E_AND ? " AND " : " OR ");
		render_expr(r, e->b);
		orm_sqlb_putc(&r->b, ')');
		return;
	case E_NOT:
		orm_sqlb_puts(&r->b, "NOT (");
		render_expr(r, e->a);
		orm_sqlb_putc(&r->b, ')');
		return;
	default:
		r_fail(r, ORM_MISUSE, "a column is not a condition");
		return;
	}
}

/* Lists are newest first: recurse to render oldest first. */
static void render_list(struct render *r, const struct qnode *n, const char *sep, int what, bool *first)
{
	if (!n)
		return;
	render_list(r, n->next, sep, what, first);
	if (!*first)
		orm_sqlb_puts(&r->b, sep);
	*first = false;
	if (what == 0) { /* conditions */
		render_expr(r, n->p);
	} else if (what == 1) { /* terms */
		render_term(r, n->p);
	} else if (what == 2) { /* order keys */
		render_term(r, n->p);
		orm_sqlb_puts(&r->b, n->dir == ORM_DESC ? " DESC" : " ASC");
	} else { /* select terms, aliased (unique names inside a subquery) */
		char alias[24];
		render_term(r, n->p);
		snprintf(alias, sizeof alias, " AS c%u", ++r->alias);
		orm_sqlb_puts(&r->b, alias);
	}
}

static void render_joins(struct render *r, const struct qnode *n)
{
	if (!n)
		return;
	render_joins(r, n->next);
	const struct qjoin *j = n->p;
	const struct orm_relationship *rel = j->r;
	struct orm_sqlb *b = &r->b;
	if (j->sec_only) {
		orm_sqlb_puts(b, " JOIN ");
		orm_sqlb_puts(b, rel->sec->qtable);
		orm_sqlb_puts(b, " ON ");
		orm_sqlb_puts(b, rel->sec_remote->qname);
		orm_sqlb_puts(b, " = ");
		orm_sqlb_puts(b, rel->remote->qname);
		return;
	}
	if (rel->kind == ORM_MANY_TO_MANY) {
		orm_sqlb_puts(b, " JOIN ");
		orm_sqlb_puts(b, rel->sec->qtable);
		orm_sqlb_puts(b, " ON ");
		orm_sqlb_puts(b, rel->sec_local->qname);
		orm_sqlb_puts(b, " = ");
		orm_sqlb_puts(b, rel->local->qname);
		orm_sqlb_puts(b, " JOIN ");
		orm_sqlb_puts(b, rel->target->qtable);
		orm_sqlb_puts(b, " ON ");
		orm_sqlb_puts(b, rel->remote->qname);
		orm_sqlb_puts(b, " = ");
		orm_sqlb_puts(b, rel->sec_remote->qname);
		return;
	}
	orm_sqlb_puts(b, " JOIN ");
	orm_sqlb_puts(b, rel->target->qtable);
	orm_sqlb_puts(b, " ON ");
	orm_sqlb_puts(b, rel->remote->qname);
	orm_sqlb_puts(b, " = ");
	orm_sqlb_puts(b, rel->local->qname);
}

/* FROM ... [WHERE] [GROUP BY] [HAVING] */
static void render_body(struct render *r)
{
	struct orm_query *q = r->q;
	bool first;
	orm_sqlb_puts(&r->b, " FROM ");
	orm_sqlb_puts(&r->b, q->m->qtable);
	render_joins(r, q->joins);
	if (q->where) {
		orm_sqlb_puts(&r->b, " WHERE ");
		first = true;
		render_list(r, q->where, " AND ", 0, &first);
	}
	if (q->group) {
		orm_sqlb_puts(&r->b, " GROUP BY ");
		first = true;
		render_list(r, q->group, ", ", 1, &first);
	}
	if (q->having) {
		orm_sqlb_puts(&r->b, " HAVING ");
		first = true;
		render_list(r, q->having, " AND ", 0, &first);
	}
}

static void render_tail(struct render *r, bool order)
{
	struct orm_query *q = r->q;
	bool first = true;
	if (order && q->order) {
		orm_sqlb_puts(&r->b, " ORDER BY ");
		render_list(r, q->order, ", ", 2, &first);
	}
	if (q->limit >= 0 || q->offset > 0) {
		orm_sqlb_puts(&r->b, " LIMIT ?");
		orm_params_add(&r->ps, orm_int(q->limit >= 0 ? q->limit : INT64_MAX), NULL);
		if (q->offset > 0) {
			orm_sqlb_puts(&r->b, " OFFSET ?");
			orm_params_add(&r->ps, orm_int(q->offset), NULL);
		}
	}
}

static void render_init(struct render *r, struct orm_query *q)
{
	r->q = q;
	r->err = 0;
	r->why = NULL;
	r->alias = 0;
	orm_sqlb_init(&r->b, q->s->arena, 512);
	orm_params_init(&r->ps, q->s->arena);
}

static int render_done(struct render *r, const char **sql)
{
	if (r->err)
		return orm_fail(r->q->s, r->err, "%s", r->why);
	*sql = orm_sqlb_str(&r->b);
	if (!*sql || r->ps.oom)
		return orm_fail(r->q->s, ORM_NOMEM, "out of memory rendering a query");
	return 0;
}

/* A query can run: 0, ORM_NOMEM for NULL (an allocation failed while it
 * was built), or the error recorded while building it. */
static int qcheck(struct orm_query *q)
{
	if (!q)
		return ORM_NOMEM;
	if (q->err)
		return orm_fail(q->s, q->err, "%s", q->why ? q->why : orm_strerror(q->err));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Executors                                                            */

static int load_eager(struct orm_session *s, const struct qnode *n, struct orm_list *l)
{
	if (!n)
		return 0;
	int rc = load_eager(s, n->next, l);
	if (!rc && l->n)
		rc = orm_rel_load(s, l->items, l->n, n->p, 0);
	return rc;
}

int orm_all(struct orm_query *q, struct orm_list *out)
{
	memset(out, 0, sizeof *out);
	int rc = qcheck(q);
	if (rc)
		return rc;
	if (q->select)
		return orm_fail(q->s, ORM_MISUSE, "a query with select terms returns rows: orm_rows");
	if (!q->m->pk)
		return orm_fail(q->s, ORM_MISUSE, "%s is a plain table (no objects): orm_rows",
				q->m->name);
	struct render r;
	const char *sql;
	MYSQL_STMT *st;
	render_init(&r, q);
	orm_sqlb_puts(&r.b, "SELECT ");
	orm_sqlb_puts(&r.b, q->m->select_list);
	render_body(&r);
	render_tail(&r, true);
	if (q->for_update)
		orm_sqlb_puts(&r.b, " FOR UPDATE");
	if ((rc = render_done(&r, &sql)) || (rc = orm_run(q->s, sql, &r.ps, &st)))
		return rc;
	q->s->refresh_rows = q->for_update;
	rc = orm_fetch_objects(q->s, st, q->m, out, NULL);
	q->s->refresh_rows = false;
	if (rc)
		return rc;
	if ((rc = load_eager(q->s, q->eager, out)))
		return rc;
	return orm_rel_load_selectin(q->s, out, 0);
}

int orm_first(struct orm_query *q, void **out)
{
	struct orm_list l;
	*out = NULL;
	int rc = orm_all(orm_limit(q, 1), &l);
	if (!rc && l.n)
		*out = l.items[0];
	return rc;
}

int orm_first_or_404(struct orm_query *q, void **out)
{
	int rc = orm_first(q, out);
	if (!rc && !*out)
		return orm_fail(q->s, ORM_NOT_FOUND, "%s: no row matches", q->m->name);
	return rc;
}

int orm_count(struct orm_query *q, int64_t *out)
{
	*out = 0;
	int rc = qcheck(q);
	if (rc)
		return rc;
	struct render r;
	const char *sql;
	MYSQL_STMT *st;
	render_init(&r, q);
	if (!q->group && !q->select && q->limit < 0 && q->offset == 0) {
		orm_sqlb_puts(&r.b, "SELECT COUNT(*)");
		render_body(&r);
	} else {
		orm_sqlb_puts(&r.b, "SELECT COUNT(*) FROM (SELECT ");
		if (q->select) {
			bool first = true;
			render_list(&r, q->select, ", ", 3, &first);
		} else {
			orm_sqlb_puts(&r.b, q->m->pk_lead->qname);
		}
		render_body(&r);
		render_tail(&r, false);
		orm_sqlb_puts(&r.b, ") AS anon_1");
	}
	if ((rc = render_done(&r, &sql)) || (rc = orm_run(q->s, sql, &r.ps, &st)))
		return rc;
	struct orm_rows rows;
	enum orm_type t = ORM_BIGINT;
	if ((rc = orm_fetch_rows(q->s, st, &t, 1, &rows)))
		return rc;
	*out = rows.nrows ? rows.v[0].i : 0;
	return 0;
}

/* The type a select term's values come back as. */
static enum orm_type term_type(const struct orm_expr *e)
{
	if (e->kind == E_COL)
		return e->col->type;
	if (e->kind == E_SUB)
		return e->sub->select ? term_type(e->sub->select->p) : ORM_BIGINT;
	if (e->agg == ORM_COUNT)
		return ORM_BIGINT;
	if (e->agg == ORM_MIN || e->agg == ORM_MAX)
		return e->col->type;
	return ORM_NUMERIC; /* SUM / AVG: exact decimal text */
}

static size_t count_nodes(const struct qnode *n)
{
	size_t k = 0;
	for (; n; n = n->next)
		k++;
	return k;
}

int orm_rows(struct orm_query *q, struct orm_rows *out)
{
	memset(out, 0, sizeof *out);
	int rc = qcheck(q);
	if (rc)
		return rc;
	/* no select terms: every column of the query's table (select(table)) */
	size_t nc = q->select ? count_nodes(q->select) : q->m->ncolumns;
	enum orm_type *types = arena_alloc(q->s->arena, nc * sizeof *types);
	if (!types)
		return orm_fail(q->s, ORM_NOMEM, "out of memory");
	size_t i = nc;
	for (const struct qnode *n = q->select; n; n = n->next)
		types[--i] = term_type(n->p);
	for (i = 0; !q->select && i < nc; i++)
		types[i] = q->m->columns[i].type;
	struct render r;
	const char *sql;
	MYSQL_STMT *st;
	bool first = true;
	render_init(&r, q);
	orm_sqlb_puts(&r.b, "SELECT ");
	if (q->select)
		render_list(&r, q->select, ", ", 3, &first);
	else
		orm_sqlb_puts(&r.b, q->m->select_list);
	render_body(&r);
	render_tail(&r, true);
	if (q->for_update)
		orm_sqlb_puts(&r.b, " FOR UPDATE");
	if ((rc = render_done(&r, &sql)) || (rc = orm_run(q->s, sql, &r.ps, &st)))
		return rc;
	return orm_fetch_rows(q->s, st, types, nc, out);
}

static int bulk_check(struct orm_query *q)
{
	if (q->joins || q->group || q->having || q->select || q->offset || q->eager)
		return orm_fail(q->s, ORM_MISUSE, "bulk update / delete: filters, order and limit only");
	return 0;
}

int orm_update(struct orm_query *q, const struct orm_assign *set, size_t n, uint64_t *affected)
{
	if (affected)
		*affected = 0;
	int rc = qcheck(q);
	if (rc || (rc = bulk_check(q)))
		return rc;
	if (n == 0)
		return orm_fail(q->s, ORM_MISUSE, "orm_update: nothing to set");
	struct render r;
	const char *sql;
	MYSQL_STMT *st;
	render_init(&r, q);
	orm_sqlb_puts(&r.b, "UPDATE ");
	orm_sqlb_puts(&r.b, q->m->qtable);
	orm_sqlb_puts(&r.b, " SET ");
	for (size_t i = 0; i < n; i++) {
		const struct orm_column *c = set[i].col;
		if (!c || c->model != q->m)
			return orm_fail(q->s, ORM_MISUSE, "orm_update: a column of another table");
		if (i)
			orm_sqlb_puts(&r.b, ", ");
		orm_sqlb_puts(&r.b, c->qname);
		orm_sqlb_puts(&r.b, " = ");
		if (set[i].increment) {
			orm_sqlb_puts(&r.b, c->qname);
			orm_sqlb_puts(&r.b, " + ");
		}
		orm_sqlb_putc(&r.b, '?');
		orm_params_add(&r.ps, set[i].v, set[i].increment ? NULL : c);
	}
	if (q->where) {
		bool first = true;
		orm_sqlb_puts(&r.b, " WHERE ");
		render_list(&r, q->where, " AND ", 0, &first);
	}
	render_tail(&r, true);
	if ((rc = render_done(&r, &sql)) || (rc = orm_run(q->s, sql, &r.ps, &st)))
		return rc;
	if (affected)
		*affected = mysql_stmt_affected_rows(st);
	return 0;
}

int orm_delete_where(struct orm_query *q, uint64_t *affected)
{
	if (affected)
		*affected = 0;
	int rc = qcheck(q);
	if (rc || (rc = bulk_check(q)))
		return rc;
	struct render r;
	const char *sql;
	MYSQL_STMT *st;
	render_init(&r, q);
	orm_sqlb_puts(&r.b, "DELETE FROM ");
	orm_sqlb_puts(&r.b, q->m->qtable);
	if (q->where) {
		bool first = true;
		orm_sqlb_puts(&r.b, " WHERE ");
		render_list(&r, q->where, " AND ", 0, &first);
	}
	render_tail(&r, true);
	if ((rc = render_done(&r, &sql)) || (rc = orm_run(q->s, sql, &r.ps, &st)))
		return rc;
	if (affected)
		*affected = mysql_stmt_affected_rows(st);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pagination                                                           */

int orm_paginate(struct orm_query *q, const struct orm_page_args *a, struct orm_pagination *out)
{
	memset(out, 0, sizeof *out);
	out->total = -1;
	if (!q)
		return ORM_NOMEM;
	int64_t page = a->page, per = a->per_page;
	if (a->max_per_page > 0 && per > a->max_per_page)
		per = a->max_per_page;
	if (page < 1) {
		if (a->error_out)
			return orm_fail(q->s, ORM_NOT_FOUND, "page %lld < 1", (long long)page);
		page = 1;
	}
	if (per < 1) {
		if (a->error_out)
			return orm_fail(q->s, ORM_NOT_FOUND, "per_page %lld < 1", (long long)per);
		per = 20;
	}
	out->page = page;
	out->per_page = per;
	int rc;
	if (page - 1 > INT64_MAX / per) {
		/* an offset beyond any table: certainly an empty page */
		if (a->error_out)
			return orm_fail(q->s, ORM_NOT_FOUND, "page %lld is beyond the last",
					(long long)page);
	} else if ((rc = orm_all(orm_limit(orm_offset(q, (page - 1) * per), per), &out->items))) {
		return rc;
	}
	if (out->items.n == 0 && page != 1 && a->error_out)
		return orm_fail(q->s, ORM_NOT_FOUND, "page %lld is beyond the last", (long long)page);
	if (a->total >= 0)
		out->total = a->total;
	else if (a->count && (rc = orm_count(q, &out->total)))
		return rc;
	orm_pagination_fill(out, out->items.n);
	return 0;
}

void orm_pagination_fill(struct orm_pagination *p, size_t n_items)
{
	int64_t page = p->page, per = p->per_page;
	p->pages = p->total <= 0 ? 0 : (p->total - 1) / per + 1;
	p->has_prev = page > 1;
	p->prev_num = p->has_prev ? page - 1 : 0;
	p->has_next = page < p->pages;
	p->next_num = p->has_next ? page + 1 : 0;
	p->first = n_items ? (page - 1) * per + 1 : 0;
	p->last = n_items ? p->first + (int64_t)n_items - 1 : p->first;
}

size_t orm_iter_pages(const struct orm_pagination *p, int left_edge, int left_current,
		      int right_current, int right_edge, int64_t *out, size_t cap)
{
	size_t n = 0;
#define EMIT(x)                      \
	do {                         \
		if (n < cap)         \
			out[n] = (x); \
		n++;                 \
	} while (0)
	/* Flask-SQLAlchemy 3.x Pagination.iter_pages, step for step. */
	int64_t pages_end = p->pages + 1;
	if (pages_end == 1)
		return 0;
	int64_t left_end = 1 + left_edge < pages_end ? 1 + left_edge : pages_end;
	for (int64_t i = 1; i < left_end; i++)
		EMIT(i);
	if (left_end == pages_end)
		return n;
	int64_t mid_start = p->page - left_current > left_end ? p->page - left_current : left_end;
	int64_t mid_end = p->page + right_current + 1 < pages_end ? p->page + right_current + 1
								   : pages_end;
	if (mid_start - left_end > 0)
		EMIT(0);
	for (int64_t i = mid_start; i < mid_end; i++)
		EMIT(i);
	if (mid_end == pages_end)
		return n;
	int64_t right_start = pages_end - right_edge > mid_end ? pages_end - right_edge : mid_end;
	if (right_start - mid_end > 0)
		EMIT(0);
	for (int64_t i = right_start; i < pages_end; i++)
		EMIT(i);
#undef EMIT
	return n;
}

size_t orm_iter_pages_default(const struct orm_pagination *p, int64_t *out, size_t cap)
{
	return orm_iter_pages(p, 2, 2, 4, 2, out, cap);
}
