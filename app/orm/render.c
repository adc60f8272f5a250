/* render.c — a query as SQL text and parameters: every value a bound
 * parameter (typed by the column it meets), every identifier from model
 * metadata; a column of a table not in the query is refused here. */
#include <stdio.h>
#include <string.h>

#include "orm/orm_impl.h"

static void r_fail(struct orm_render *r, int err, const char *why)
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

static void render_col(struct orm_render *r, const struct orm_column *c)
{
	if (!orm_query_has_table(r->q, c->model))
		r_fail(r, ORM_MISUSE, "a column of a table not in the query (join it first)");
	orm_sqlb_puts(&r->b, c->qname);
}

/* (SELECT term FROM ... [ORDER BY] [LIMIT]): a query of one select term as
 * a value; its parameters take their places in the outer statement's. */
static void render_sub(struct orm_render *r, struct orm_query *sub)
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
	orm_render_list(r, sub->select, ", ", ORM_RL_SELECT, &first);
	orm_render_body(r);
	orm_render_tail(r, true);
	orm_sqlb_putc(&r->b, ')');
	r->q = outer;
}

static void render_term(struct orm_render *r, const struct orm_expr *e)
{
	if (e->kind == ORM_E_COL) {
		render_col(r, e->col);
		return;
	}
	if (e->kind == ORM_E_SUB) {
		render_sub(r, e->sub);
		return;
	}
	if (e->kind != ORM_E_AGG) {
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
	if (t->kind == ORM_E_COL)
		return t->col;
	if (t->kind == ORM_E_AGG && (t->agg == ORM_MIN || t->agg == ORM_MAX))
		return t->col;
	return NULL;
}

static void render_expr(struct orm_render *r, const struct orm_expr *e)
{
	static const char *ops[] = {" = ", " != ", " < ", " <= ", " > ", " >= "};
	switch (e->kind) {
	case ORM_E_CMP:
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
	case ORM_E_LIKE:
		render_term(r, e->a);
		orm_sqlb_puts(&r->b, " LIKE ?");
		orm_params_add(&r->ps, e->vals[0], NULL);
		return;
	case ORM_E_IN:
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
	case ORM_E_ISNULL:
	case ORM_E_NOTNULL:
		render_term(r, e->a);
		orm_sqlb_puts(&r->b, e->kind == ORM_E_ISNULL ? " IS NULL" : " IS NOT NULL");
		return;
	case ORM_E_AND:
	case ORM_E_OR:
		orm_sqlb_putc(&r->b, '(');
		render_expr(r, e->a);
		orm_sqlb_puts(&r->b, e->kind == ORM_E_AND ? " AND " : " OR ");
		render_expr(r, e->b);
		orm_sqlb_putc(&r->b, ')');
		return;
	case ORM_E_NOT:
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
void orm_render_list(struct orm_render *r, const struct orm_qnode *n, const char *sep,
		     enum orm_rl what, bool *first)
{
	if (!n)
		return;
	orm_render_list(r, n->next, sep, what, first);
	if (!*first)
		orm_sqlb_puts(&r->b, sep);
	*first = false;
	if (what == ORM_RL_COND) {
		render_expr(r, n->p);
	} else if (what == ORM_RL_TERM) {
		render_term(r, n->p);
	} else if (what == ORM_RL_ORDER) {
		render_term(r, n->p);
		orm_sqlb_puts(&r->b, n->dir == ORM_DESC ? " DESC" : " ASC");
	} else { /* select terms, aliased (unique names inside a subquery) */
		char alias[24];
		render_term(r, n->p);
		snprintf(alias, sizeof alias, " AS c%u", ++r->alias);
		orm_sqlb_puts(&r->b, alias);
	}
}

/* " JOIN table ON a = b" */
static void render_join(struct orm_sqlb *b, const char *table, const struct orm_column *a,
			const struct orm_column *c)
{
	orm_sqlb_puts(b, " JOIN ");
	orm_sqlb_puts(b, table);
	orm_sqlb_puts(b, " ON ");
	orm_sqlb_puts(b, a->qname);
	orm_sqlb_puts(b, " = ");
	orm_sqlb_puts(b, c->qname);
}

static void render_joins(struct orm_render *r, const struct orm_qnode *n)
{
	if (!n)
		return;
	render_joins(r, n->next);
	const struct orm_qjoin *j = n->p;
	const struct orm_relationship *rel = j->r;
	struct orm_sqlb *b = &r->b;
	if (j->sec_only) {
		render_join(b, rel->sec->qtable, rel->sec_remote, rel->remote);
	} else if (rel->kind == ORM_MANY_TO_MANY) {
		render_join(b, rel->sec->qtable, rel->sec_local, rel->local);
		render_join(b, rel->target->qtable, rel->remote, rel->sec_remote);
	} else {
		render_join(b, rel->target->qtable, rel->remote, rel->local);
	}
}

/* FROM ... [WHERE] [GROUP BY] [HAVING] */
/* " LEFT OUTER JOIN `target` AS `ek` ON `ek`.`pk` = `table`.`fk`" for
 * each eager join (k from 1): an alias of its own, so that an orm_join of
 * the same table (for filters) is another copy of it, as SQLAlchemy's
 * joinedload does. The ON clause has no parameters. */
static void render_eager_joins(struct orm_render *r)
{
	for (size_t k = 0; k < r->nej; k++) {
		char alias[64];
		snprintf(alias, sizeof alias, " AS `e%zu` ON `e%zu`.`", k + 1, k + 1);
		orm_sqlb_puts(&r->b, " LEFT OUTER JOIN ");
		orm_sqlb_puts(&r->b, r->ej[k]->target->qtable);
		orm_sqlb_puts(&r->b, alias);
		orm_sqlb_puts(&r->b, r->ej[k]->remote->name);
		orm_sqlb_puts(&r->b, "` = ");
		orm_sqlb_puts(&r->b, r->ej[k]->local->qname);
	}
}

void orm_render_body(struct orm_render *r)
{
	struct orm_query *q = r->q;
	bool first;
	orm_sqlb_puts(&r->b, " FROM ");
	orm_sqlb_puts(&r->b, q->m->qtable);
	if (r->nej)
		render_eager_joins(r);
	render_joins(r, q->joins);
	if (q->where) {
		orm_sqlb_puts(&r->b, " WHERE ");
		first = true;
		orm_render_list(r, q->where, " AND ", ORM_RL_COND, &first);
	}
	if (q->group) {
		orm_sqlb_puts(&r->b, " GROUP BY ");
		first = true;
		orm_render_list(r, q->group, ", ", ORM_RL_TERM, &first);
	}
	if (q->having) {
		orm_sqlb_puts(&r->b, " HAVING ");
		first = true;
		orm_render_list(r, q->having, " AND ", ORM_RL_COND, &first);
	}
}

void orm_render_tail(struct orm_render *r, bool order)
{
	struct orm_query *q = r->q;
	bool first = true;
	if (order && q->order) {
		orm_sqlb_puts(&r->b, " ORDER BY ");
		orm_render_list(r, q->order, ", ", ORM_RL_ORDER, &first);
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

void orm_render_init(struct orm_render *r, struct orm_query *q)
{
	r->q = q;
	r->err = 0;
	r->why = NULL;
	r->alias = 0;
	r->ej = NULL;
	r->nej = 0;
	orm_sqlb_init(&r->b, q->s->arena, 512);
	orm_params_init(&r->ps, q->s->arena);
}

int orm_render_done(struct orm_render *r, const char **sql)
{
	if (r->err)
		return orm_fail(r->q->s, r->err, "%s", r->why);
	*sql = orm_sqlb_str(&r->b);
	if (!*sql || r->ps.oom)
		return orm_fail(r->q->s, ORM_NOMEM, "out of memory rendering a query");
	return 0;
}
