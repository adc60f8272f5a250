/* bulk.c — bulk UPDATE and DELETE of the rows a query matches (Query.update,
 * Query.delete, table.delete()): one statement, filters bound; loaded
 * objects are not refreshed. */
#include <string.h>

#include "orm/orm_impl.h"

static int bulk_check(struct orm_query *q)
{
	if (q->joins || q->group || q->having || q->select || q->offset || q->eager || q->ejoin)
		return orm_fail(q->s, ORM_MISUSE, "bulk update / delete: filters, order and limit only");
	return 0;
}

/* The WHERE of q and the tail, then the statement: *affected its count. */
static int bulk_run(struct orm_query *q, struct orm_render *r, uint64_t *affected)
{
	const char *sql;
	MYSQL_STMT *st;
	if (q->where) {
		bool first = true;
		orm_sqlb_puts(&r->b, " WHERE ");
		orm_render_list(r, q->where, " AND ", ORM_RL_COND, &first);
	}
	orm_render_tail(r, true);
	int rc = orm_render_done(r, &sql);
	if (rc || (rc = orm_run(q->s, sql, &r->ps, &st)))
		return rc;
	if (affected)
		*affected = mysql_stmt_affected_rows(st);
	return 0;
}

int orm_update(struct orm_query *q, const struct orm_assign *set, size_t n, uint64_t *affected)
{
	if (affected)
		*affected = 0;
	int rc = orm_query_check(q);
	if (rc || (rc = bulk_check(q)))
		return rc;
	if (n == 0)
		return orm_fail(q->s, ORM_MISUSE, "orm_update: nothing to set");
	struct orm_render r;
	orm_render_init(&r, q);
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
	return bulk_run(q, &r, affected);
}

int orm_delete_where(struct orm_query *q, uint64_t *affected)
{
	if (affected)
		*affected = 0;
	int rc = orm_query_check(q);
	if (rc || (rc = bulk_check(q)))
		return rc;
	struct orm_render r;
	orm_render_init(&r, q);
	orm_sqlb_puts(&r.b, "DELETE FROM ");
	orm_sqlb_puts(&r.b, q->m->qtable);
	return bulk_run(q, &r, affected);
}
