/* exec.c — running a query for its results: objects (all, first, get,
 * through the identity map, with eager loads and eager joins), a count,
 * or rows of values. */
#include <stdio.h>
#include <string.h>

#include "orm/orm_impl.h"

/* The relationships orm_eager asked for, in call order (lists are newest
 * first), each loaded for every object of l in one query. */
static int load_eager(struct orm_session *s, const struct orm_qnode *n, struct orm_list *l)
{
	if (!n)
		return 0;
	int rc = load_eager(s, n->next, l);
	if (!rc && l->n)
		rc = orm_rel_load(s, l->items, l->n, n->p, 0);
	return rc;
}

/* The type a select term's values come back as. */
static enum orm_type term_type(const struct orm_expr *e)
{
	if (e->kind == ORM_E_COL)
		return e->col->type;
	if (e->kind == ORM_E_SUB)
		return e->sub->select ? term_type(e->sub->select->p) : ORM_BIGINT;
	if (e->agg == ORM_COUNT)
		return ORM_BIGINT;
	if (e->agg == ORM_MIN || e->agg == ORM_MAX)
		return e->col->type;
	return ORM_NUMERIC; /* SUM / AVG: exact decimal text */
}

static size_t count_nodes(const struct orm_qnode *n)
{
	size_t k = 0;
	for (; n; n = n->next)
		k++;
	return k;
}

/* The SELECT list of an object query: every column, or those of
 * orm_load_only (declared order). In line (all_with is inlined twice: a
 * call here would cost the usual query what it did not cost before). */
static inline __attribute__((always_inline)) void
render_object_columns(struct orm_render *r, uint64_t mask)
{
	const struct orm_model *m = r->q->m;
	if (mask == orm_all_columns(m)) {
		orm_sqlb_puts(&r->b, m->select_list);
	} else {
		bool first = true;
		for (size_t i = 0; i < m->ncolumns; i++) {
			if (!(mask >> i & 1))
				continue;
			if (!first)
				orm_sqlb_puts(&r->b, ", ");
			first = false;
			orm_sqlb_puts(&r->b, m->columns[i].qname);
		}
	}
}

/* The orm_add_column terms, last in the SELECT list. */
static void render_extra_columns(struct orm_render *r)
{
	if (r->q->extra) {
		bool first = false;
		orm_render_list(r, r->q->extra, ", ", ORM_RL_SELECT, &first);
	}
}

/* The relationships of orm_eager_join, oldest first, into ej (room for
 * ORM_MAX_RELS: each at most once, each a relationship of the model);
 * their count. */
static size_t ejoin_list(const struct orm_query *q, const struct orm_relationship **ej)
{
	size_t n = count_nodes(q->ejoin), i = n;
	assert(n <= ORM_MAX_RELS);
	for (const struct orm_qnode *k = q->ejoin; k; k = k->next)
		ej[--i] = k->p;
	return n;
}

/* The eager joins' columns of an object query, after the object's: for
 * the k-th (from 1, alias `ek`) the row's foreign key, then every column
 * of the target. Their types into types (room for all). */
static void render_ejoin_columns(struct orm_render *r, const struct orm_relationship *const *ej,
				 size_t nej, enum orm_type *types)
{
	size_t t = 0;
	for (size_t k = 0; k < nej; k++) {
		const struct orm_model *tg = ej[k]->target;
		char alias[32];
		snprintf(alias, sizeof alias, ", `e%zu`.`", k + 1);
		orm_sqlb_puts(&r->b, ", ");
		orm_sqlb_puts(&r->b, ej[k]->local->qname);
		types[t++] = ej[k]->local->type;
		for (size_t i = 0; i < tg->ncolumns; i++) {
			orm_sqlb_puts(&r->b, alias);
			orm_sqlb_puts(&r->b, tg->columns[i].name);
			orm_sqlb_putc(&r->b, '`');
			types[t++] = tg->columns[i].type;
		}
	}
}

/* After the statement of an object query with eager joins: each joined
 * relationship loaded from its columns of rows (orm_rel_join_load), and
 * the orm_add_column values (after them in each row) into extra. */
static int load_ejoins(struct orm_session *s, const struct orm_relationship *const *ej, size_t nej,
		       const struct orm_list *out, const struct orm_rows *rows, size_t nextra,
		       struct orm_rows *extra)
{
	assert(rows->nrows == out->n);
	size_t at = 0;
	for (size_t k = 0; k < nej; k++) {
		int rc = orm_rel_join_load(s, out, ej[k], rows->v + at, rows->ncols);
		if (rc)
			return rc;
		at += 1 + ej[k]->target->ncolumns;
	}
	assert(at + nextra == rows->ncols);
	if (!extra)
		return 0;
	extra->ncols = nextra;
	extra->nrows = rows->nrows;
	extra->v = arena_calloc(s->arena, rows->nrows * nextra + 1, sizeof *extra->v);
	if (!extra->v)
		return orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
	for (size_t i = 0; i < rows->nrows; i++)
		memcpy(&extra->v[i * nextra], &rows->v[i * rows->ncols + at],
		       nextra * sizeof *extra->v);
	return 0;
}

/* orm_all_with of a checked query, with its eager joins ej[0..nej).
 * Inlined twice: with nej the constant 0 (the usual query, e.g. the
 * site's /articles, whose code then has none of the joins' tests) and
 * with the query's joins. */
static inline __attribute__((always_inline)) int
all_with(struct orm_query *q, struct orm_list *out, struct orm_rows *extra,
	 const struct orm_relationship *const *ej, size_t nej)
{
	int rc;
	size_t nejc = 0;
	for (size_t k = 0; k < nej; k++)
		nejc += 1 + ej[k]->target->ncolumns;
	size_t nextra = count_nodes(q->extra);
	enum orm_type *types = NULL;
	if (nextra + nejc) {
		if (!(types = arena_alloc(q->s->arena, (nejc + nextra) * sizeof *types)))
			return orm_fail(q->s, ORM_NOMEM, "out of memory");
		size_t i = nejc + nextra;
		for (const struct orm_qnode *n = q->extra; n; n = n->next)
			types[--i] = term_type(n->p);
	}
	uint64_t mask = q->only ? q->only : orm_all_columns(q->m);
	struct orm_render r;
	const char *sql;
	MYSQL_STMT *st;
	orm_render_init(&r, q);
	orm_sqlb_puts(&r.b, "SELECT ");
	render_object_columns(&r, mask);
	if (nej)
		render_ejoin_columns(&r, ej, nej, types);
	render_extra_columns(&r);
	r.ej = ej;
	r.nej = nej;
	orm_render_body(&r);
	orm_render_tail(&r, true);
	if (q->for_update)
		orm_sqlb_puts(&r.b, " FOR UPDATE");
	if ((rc = orm_render_done(&r, &sql)) || (rc = orm_run(q->s, sql, &r.ps, &st)))
		return rc;
	struct orm_rows rows;
	q->s->refresh_rows = q->for_update;
	rc = orm_fetch_objects_ex(q->s, st, q->m, mask, types, nejc + nextra, out,
				  nej ? &rows : extra);
	q->s->refresh_rows = false;
	if (rc)
		return rc;
	if (nej && (rc = load_ejoins(q->s, ej, nej, out, &rows, nextra, extra)))
		return rc;
	if ((rc = load_eager(q->s, q->eager, out)))
		return rc;
	return orm_rel_load_selectin(q->s, out, 0);
}

/* all_with of a query with eager joins (out of line: the usual query's
 * frame holds no list of them). */
static __attribute__((noinline)) int all_with_ejoins(struct orm_query *q, struct orm_list *out,
						    struct orm_rows *extra)
{
	const struct orm_relationship *ej[ORM_MAX_RELS];
	size_t nej = ejoin_list(q, ej);
	return all_with(q, out, extra, ej, nej);
}

int orm_all_with(struct orm_query *q, struct orm_list *out, struct orm_rows *extra)
{
	memset(out, 0, sizeof *out);
	if (extra)
		memset(extra, 0, sizeof *extra);
	int rc = orm_query_check(q);
	if (rc)
		return rc;
	if (q->select)
		return orm_fail(q->s, ORM_MISUSE, "a query with select terms returns rows: orm_rows");
	if (!q->m->pk)
		return orm_fail(q->s, ORM_MISUSE, "%s is a plain table (no objects): orm_rows",
				q->m->name);
	if (q->extra && !extra)
		return orm_fail(q->s, ORM_MISUSE, "a query with added columns: orm_all_with");
	if (q->ejoin)
		return all_with_ejoins(q, out, extra);
	return all_with(q, out, extra, NULL, 0);
}

int orm_all(struct orm_query *q, struct orm_list *out)
{
	return orm_all_with(q, out, NULL);
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
	int rc = orm_query_check(q);
	if (rc)
		return rc;
	struct orm_render r;
	const char *sql;
	MYSQL_STMT *st;
	orm_render_init(&r, q);
	if (!q->group && !q->select && q->limit < 0 && q->offset == 0) {
		orm_sqlb_puts(&r.b, "SELECT COUNT(*)");
		orm_render_body(&r);
	} else {
		orm_sqlb_puts(&r.b, "SELECT COUNT(*) FROM (SELECT ");
		if (q->select) {
			bool first = true;
			orm_render_list(&r, q->select, ", ", ORM_RL_SELECT, &first);
		} else {
			orm_sqlb_puts(&r.b, q->m->pk_lead->qname);
		}
		orm_render_body(&r);
		orm_render_tail(&r, false);
		orm_sqlb_puts(&r.b, ") AS anon_1");
	}
	if ((rc = orm_render_done(&r, &sql)) || (rc = orm_run(q->s, sql, &r.ps, &st)))
		return rc;
	struct orm_rows rows;
	enum orm_type t = ORM_BIGINT;
	if ((rc = orm_fetch_rows(q->s, st, &t, 1, &rows)))
		return rc;
	*out = rows.nrows ? rows.v[0].i : 0;
	return 0;
}

int orm_rows(struct orm_query *q, struct orm_rows *out)
{
	memset(out, 0, sizeof *out);
	int rc = orm_query_check(q);
	if (rc)
		return rc;
	/* no select terms: every column of the query's table (select(table)) */
	size_t nc = q->select ? count_nodes(q->select) : q->m->ncolumns;
	enum orm_type *types = arena_alloc(q->s->arena, nc * sizeof *types);
	if (!types)
		return orm_fail(q->s, ORM_NOMEM, "out of memory");
	size_t i = nc;
	for (const struct orm_qnode *n = q->select; n; n = n->next)
		types[--i] = term_type(n->p);
	for (i = 0; !q->select && i < nc; i++)
		types[i] = q->m->columns[i].type;
	struct orm_render r;
	const char *sql;
	MYSQL_STMT *st;
	bool first = true;
	orm_render_init(&r, q);
	orm_sqlb_puts(&r.b, "SELECT ");
	if (q->select)
		orm_render_list(&r, q->select, ", ", ORM_RL_SELECT, &first);
	else
		orm_sqlb_puts(&r.b, q->m->select_list);
	orm_render_body(&r);
	orm_render_tail(&r, true);
	if (q->for_update)
		orm_sqlb_puts(&r.b, " FOR UPDATE");
	if ((rc = orm_render_done(&r, &sql)) || (rc = orm_run(q->s, sql, &r.ps, &st)))
		return rc;
	return orm_fetch_rows(q->s, st, types, nc, out);
}

int orm_get(struct orm_session *s, const struct orm_model *m, int64_t id, void **out)
{
	*out = NULL;
	if (!m->ready)
		return orm_fail(s, ORM_MISUSE, "%s: registry not initialised", m->name);
	if (!m->pk)
		return orm_fail(s, ORM_MISUSE, "%s: a plain table has no identity", m->name);
	struct orm_obj *o = orm_idmap_find(s, m, id);
	/* a partly loaded object (load_only, merge_known) is read in full */
	if (o && !o->expired && (!o->unloaded || o->state == ORM_DELETED)) {
		if (o->state != ORM_DELETED)
			*out = o;
		return 0;
	}
	struct orm_params ps;
	orm_params_init(&ps, s->arena);
	orm_params_add(&ps, orm_int(id), m->pk);
	MYSQL_STMT *st;
	struct orm_list l = {0};
	int rc = orm_run(s, m->sql_get, &ps, &st);
	if (!rc)
		rc = orm_fetch_objects(s, st, m, &l, NULL);
	if (!rc)
		rc = orm_rel_load_selectin(s, &l, 0);
	if (!rc && l.n)
		*out = l.items[0];
	return rc;
}

int orm_get_or_404(struct orm_session *s, const struct orm_model *m, int64_t id, void **out)
{
	int rc = orm_get(s, m, id, out);
	if (!rc && !*out)
		return orm_fail(s, ORM_NOT_FOUND, "%s %lld not found", m->name, (long long)id);
	return rc;
}
