/* registry.c — model metadata: resolving a registry (FK targets, indexes,
 * relationship joins, FK order, fixed SQL) and looking models, columns and
 * relationships up by name. Derived metadata lives in the registry's arena. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "orm/orm_impl.h"

static const char *model_table(const struct orm_model *m)
{
	return m->table ? m->table : m->name;
}

/* Identifiers are quoted with backticks; allowing only [A-Za-z0-9_] makes
 * the quoting safe by construction. */
static bool ident_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

struct orm_model *orm_registry_find(const struct orm_registry *r, const char *table)
{
	for (size_t i = 0; i < r->nmodels; i++)
		if (!strcmp(model_table(r->models[i]), table))
			return r->models[i];
	return NULL;
}

const struct orm_column *orm_model_column(const struct orm_model *m, const char *name)
{
	for (size_t i = 0; i < m->ncolumns; i++)
		if (!strcmp(m->columns[i].name, name))
			return &m->columns[i];
	return NULL;
}

const struct orm_relationship *orm_model_rel(const struct orm_model *m, const char *name)
{
	for (size_t i = 0; i < m->nrels; i++)
		if (!strcmp(m->rels[i].name, name))
			return &m->rels[i];
	return NULL;
}

#define FAIL(...)                                     \
	do {                                          \
		snprintf(err, errlen, __VA_ARGS__);   \
		return ORM_MISUSE;                    \
	} while (0)

/* "table.column" → the column, looked up in r. */
static const struct orm_column *resolve_ref(const struct orm_registry *r, const char *ref)
{
	const char *dot = ref ? strchr(ref, '.') : NULL;
	if (!dot || (size_t)(dot - ref) >= 128)
		return NULL;
	char table[128];
	memcpy(table, ref, (size_t)(dot - ref));
	table[dot - ref] = '\0';
	const struct orm_model *m = orm_registry_find(r, table);
	return m ? orm_model_column(m, dot + 1) : NULL;
}

static int resolve_columns(struct orm_registry *r, struct orm_model *m, char *err, size_t errlen)
{
	const char *t = model_table(m);
	if (!ident_ok(t))
		FAIL("model %s: bad table name", m->name);
	if (m->ncolumns == 0 || m->ncolumns > ORM_MAX_COLUMNS)
		FAIL("model %s: 1..%d columns", t, ORM_MAX_COLUMNS);
	if (m->nrels > ORM_MAX_RELS)
		FAIL("model %s: more than %d relationships", t, ORM_MAX_RELS);
	if ((m->charset && !ident_ok(m->charset)) || (m->collation && !ident_ok(m->collation)))
		FAIL("model %s: bad charset or collation", t);
	unsigned npk = 0;
	m->pk = NULL;
	m->not_null_mask = 0;
	m->qtable = arena_printf(&r->arena, "`%s`", t);
	for (size_t i = 0; i < m->ncolumns; i++) {
		struct orm_column *c = &m->columns[i];
		c->model = m;
		c->index = (unsigned)i;
		if (!ident_ok(c->name))
			FAIL("%s: bad column name", t);
		if (orm_model_column(m, c->name) != c)
			FAIL("%s.%s: duplicate column", t, c->name);
		c->qname = arena_printf(&r->arena, "`%s`.`%s`", t, c->name);
		if (c->flags & ORM_PK) {
			if (!orm_type_is_int(c->type))
				FAIL("%s.%s: the primary key must be an integer", t, c->name);
			if (!npk++)
				m->pk = c;
		}
		if ((c->flags & ORM_AUTOINC) && !(c->flags & ORM_PK))
			FAIL("%s.%s: autoincrement needs primary_key", t, c->name);
		if (c->flags & (ORM_PK | ORM_NOT_NULL))
			m->not_null_mask |= UINT64_C(1) << i;
		if ((c->type == ORM_STRING || c->type == ORM_UNICODE) && c->length == 0)
			FAIL("%s.%s: String needs a length", t, c->name);
		if (c->type == ORM_NUMERIC && (c->precision == 0 || c->scale > c->precision))
			FAIL("%s.%s: Numeric needs precision >= scale", t, c->name);
		if (c->type == ORM_ENUM && (!c->enum_values || !c->enum_values[0]))
			FAIL("%s.%s: Enum needs values", t, c->name);
		if (c->collation && !ident_ok(c->collation))
			FAIL("%s.%s: bad collation", t, c->name);
	}
	if (!m->pk)
		FAIL("%s: no primary key", t);
	m->pk_lead = m->pk;
	if (npk > 1) {
		/* A composite key: a plain association Table (a secondary), no
		 * mapped class. Its key columns are the foreign keys. */
		if (m->nrels)
			FAIL("%s: a table with a composite primary key has no relationships", t);
		for (size_t i = 0; i < m->ncolumns; i++) {
			const struct orm_column *c = &m->columns[i];
			if ((c->flags & ORM_PK) && (!c->fk || (c->flags & ORM_AUTOINC)))
				FAIL("%s.%s: a composite primary key is made of foreign keys", t,
				     c->name);
		}
		m->pk = NULL;
	}
	for (size_t i = 0; i < m->nrels; i++) {
		m->rels[i].model = m;
		m->rels[i].index = (unsigned)i;
	}
	return 0;
}

static int resolve_fks_and_indexes(struct orm_registry *r, struct orm_model *m, char *err,
				   size_t errlen)
{
	const char *t = model_table(m);
	size_t nfk = 0, ndefs = 0;
	for (size_t i = 0; i < m->ncolumns; i++)
		nfk += m->columns[i].fk != NULL;
	for (const struct orm_index_def *d = m->index_defs; d && d->columns[0]; d++)
		ndefs++;
	m->fks = arena_calloc(&r->arena, nfk + 1, sizeof *m->fks);
	/* column-level + table-level + one per FK at most */
	m->indexes = arena_calloc(&r->arena, m->ncolumns + ndefs + nfk + 1, sizeof *m->indexes);
	if (!m->fks || !m->indexes)
		FAIL("out of memory");
	m->nfks = 0;
	m->nindexes = 0;
	for (size_t i = 0; i < m->ncolumns; i++) {
		struct orm_column *c = &m->columns[i];
		if (c->fk) {
			const struct orm_column *ref = resolve_ref(r, c->fk);
			if (!ref)
				FAIL("%s.%s: ForeignKey(\"%s\") names no known column", t, c->name, c->fk);
			if (!orm_type_is_int(c->type) || !orm_type_is_int(ref->type))
				FAIL("%s.%s: foreign keys join integer columns", t, c->name);
			if (c->fk_ondelete && strcmp(c->fk_ondelete, "CASCADE") &&
			    strcmp(c->fk_ondelete, "SET NULL") && strcmp(c->fk_ondelete, "RESTRICT") &&
			    strcmp(c->fk_ondelete, "NO ACTION"))
				FAIL("%s.%s: bad ondelete", t, c->name);
			c->fk_target = ref;
			struct orm_fk *f = &m->fks[m->nfks++];
			f->name = arena_printf(&r->arena, "fk_%s_%s", t, c->name);
			f->column = c;
			f->ref = ref;
			f->ondelete = c->fk_ondelete;
		}
		if ((c->flags & (ORM_UNIQUE | ORM_INDEX)) && !(c->flags & ORM_PK)) {
			struct orm_index *x = &m->indexes[m->nindexes++];
			x->unique = (c->flags & ORM_UNIQUE) != 0;
			x->name = arena_printf(&r->arena, "%s_%s_%s", x->unique ? "uq" : "ix", t, c->name);
			x->columns[0] = c;
			x->ncolumns = 1;
		}
	}
	for (const struct orm_index_def *d = m->index_defs; d && d->columns[0]; d++) {
		struct orm_index *x = &m->indexes[m->nindexes++];
		x->unique = d->unique;
		struct buf name = BUF_INIT;
		buf_printf(&name, "%s_%s", d->unique ? "uq" : "ix", t);
		for (unsigned k = 0; k < ORM_MAX_INDEX_COLS && d->columns[k]; k++) {
			const struct orm_column *c = orm_model_column(m, d->columns[k]);
			if (!c) {
				buf_free(&name);
				FAIL("%s: index names unknown column %s", t, d->columns[k]);
			}
			x->columns[x->ncolumns++] = c;
			buf_printf(&name, "_%s", c->name);
		}
		x->name = d->name ? arena_strdup(&r->arena, d->name)
				  : arena_strdup(&r->arena, name.p ? name.p : "");
		buf_free(&name);
	}
	/* InnoDB indexes every FK column that no index leads with; declaring
	 * that index here keeps the metadata equal to information_schema. */
	for (size_t i = 0; i < m->nfks; i++) {
		const struct orm_column *c = m->fks[i].column;
		bool covered = c == m->pk_lead;
		for (size_t k = 0; k < m->nindexes && !covered; k++)
			covered = m->indexes[k].columns[0] == c;
		if (covered)
			continue;
		struct orm_index *x = &m->indexes[m->nindexes++];
		x->name = arena_printf(&r->arena, "ix_%s_%s", t, c->name);
		x->columns[0] = c;
		x->ncolumns = 1;
	}
	for (size_t k = 0; k < m->nindexes; k++) {
		if (!m->indexes[k].name || !ident_ok(m->indexes[k].name))
			FAIL("%s: bad or too long index name", t);
		for (size_t j = 0; j < k; j++)
			if (!strcmp(m->indexes[j].name, m->indexes[k].name))
				FAIL("%s: duplicate index name %s", t, m->indexes[k].name);
	}
	for (size_t k = 0; k < m->nfks; k++)
		if (!ident_ok(m->fks[k].name))
			FAIL("%s: foreign key name too long", t);
	return 0;
}

/* rank = 1 + the highest rank of the tables m references (0 for none);
 * self references are ignored. state: 0 new, 1 visiting, 2 done. */
static int rank_model(struct orm_model *m, unsigned char *state, struct orm_registry *r,
		      char *err, size_t errlen)
{
	size_t idx = 0;
	while (idx < r->nmodels && r->models[idx] != m)
		idx++;
	if (idx == r->nmodels)
		FAIL("%s references a table outside the registry", model_table(m));
	if (state[idx] == 2)
		return 0;
	if (state[idx] == 1)
		FAIL("foreign key cycle through %s", model_table(m));
	state[idx] = 1;
	unsigned rank = 0;
	for (size_t i = 0; i < m->nfks; i++) {
		struct orm_model *p = (struct orm_model *)m->fks[i].ref->model;
		if (p == m)
			continue;
		int rc = rank_model(p, state, r, err, errlen);
		if (rc)
			return rc;
		if (p->rank + 1 > rank)
			rank = p->rank + 1;
	}
	m->rank = rank;
	state[idx] = 2;
	return 0;
}

/* The FK column of `from` that references `to` (exactly one), or NULL. */
static const struct orm_column *fk_between(const struct orm_model *from, const struct orm_model *to,
					   int *count)
{
	const struct orm_column *found = NULL;
	*count = 0;
	for (size_t i = 0; i < from->nfks; i++)
		if (from->fks[i].ref->model == to) {
			found = from->fks[i].column;
			(*count)++;
		}
	return found;
}

/* Explicit join "a.x" = "b.y": which side belongs to `mine`, which to `other`. */
static int split_join(const struct orm_registry *r, const struct orm_join_spec *j,
		      const struct orm_model *mine, const struct orm_model *other,
		      const struct orm_column **mine_col, const struct orm_column **other_col)
{
	const struct orm_column *a = resolve_ref(r, j->left), *b = resolve_ref(r, j->right);
	if (!a || !b)
		return -1;
	if (a->model == mine && b->model == other) {
		*mine_col = a;
		*other_col = b;
	} else if (b->model == mine && a->model == other) {
		*mine_col = b;
		*other_col = a;
	} else {
		return -1;
	}
	return 0;
}

static int resolve_rel(struct orm_registry *r, struct orm_model *m, struct orm_relationship *rel,
		       char *err, size_t errlen)
{
	const char *t = model_table(m);
	struct orm_model *tg = rel->target;
	int count = 0;
	if (!tg || !orm_registry_find(r, model_table(tg)))
		FAIL("%s.%s: target model not in the registry", t, rel->name);
	if (!tg->pk)
		FAIL("%s.%s: %s is a plain table, not a mapped class; use it as a secondary", t,
		     rel->name, model_table(tg));
	rel->sec = NULL;
	rel->sec_local = rel->sec_remote = NULL;
	if (rel->kind == ORM_MANY_TO_MANY) {
		struct orm_model *sec = rel->secondary ? orm_registry_find(r, rel->secondary) : NULL;
		if (!sec)
			FAIL("%s.%s: secondary table unknown", t, rel->name);
		rel->sec = sec;
		if (rel->primaryjoin.left) {
			if (split_join(r, &rel->primaryjoin, m, sec, &rel->local, &rel->sec_local) < 0)
				FAIL("%s.%s: primaryjoin must join %s and %s", t, rel->name, t,
				     model_table(sec));
		} else {
			rel->sec_local = fk_between(sec, m, &count);
			if (count != 1 || (m == tg))
				FAIL("%s.%s: cannot infer primaryjoin; give one", t, rel->name);
			rel->local = rel->sec_local->fk_target;
		}
		if (rel->secondaryjoin.left) {
			if (split_join(r, &rel->secondaryjoin, tg, sec, &rel->remote, &rel->sec_remote) < 0)
				FAIL("%s.%s: secondaryjoin must join %s and %s", t, rel->name,
				     model_table(tg), model_table(sec));
		} else {
			rel->sec_remote = fk_between(sec, tg, &count);
			if (count != 1 || m == tg)
				FAIL("%s.%s: cannot infer secondaryjoin; give one", t, rel->name);
			rel->remote = rel->sec_remote->fk_target;
		}
	} else if (rel->primaryjoin.left) {
		if (m == tg)
			FAIL("%s.%s: self-referential relationships are not supported", t, rel->name);
		if (split_join(r, &rel->primaryjoin, m, tg, &rel->local, &rel->remote) < 0)
			FAIL("%s.%s: primaryjoin must join %s and %s", t, rel->name, t, model_table(tg));
	} else if (rel->kind == ORM_MANY_TO_ONE) {
		rel->local = fk_between(m, tg, &count);
		if (count != 1)
			FAIL("%s.%s: cannot infer the join (%d foreign keys); give primaryjoin", t,
			     rel->name, count);
		rel->remote = rel->local->fk_target;
	} else {
		rel->remote = fk_between(tg, m, &count);
		if (count != 1)
			FAIL("%s.%s: cannot infer the join (%d foreign keys); give primaryjoin", t,
			     rel->name, count);
		rel->local = rel->remote->fk_target;
	}
	if (!orm_type_is_int(rel->local->type) || !orm_type_is_int(rel->remote->type))
		FAIL("%s.%s: relationships join integer columns", t, rel->name);
	/* order_by */
	struct buf ob = BUF_INIT;
	for (int k = 0; k < ORM_MAX_ORDER && rel->order_by[k].column; k++) {
		const struct orm_column *c = orm_model_column(tg, rel->order_by[k].column);
		if (!c) {
			buf_free(&ob);
			FAIL("%s.%s: order_by names unknown column %s", t, rel->name,
			     rel->order_by[k].column);
		}
		buf_puts(&ob, k ? ", " : " ORDER BY ");
		buf_puts(&ob, c->qname);
		buf_puts(&ob, rel->order_by[k].dir == ORM_DESC ? " DESC" : " ASC");
	}
	rel->order_sql = arena_strdup(&r->arena, ob.p ? ob.p : "");
	buf_free(&ob);
	return 0;
}

static int resolve_backrefs(struct orm_model *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->nrels; i++) {
		struct orm_relationship *rel = &m->rels[i];
		rel->backref = NULL;
		if (!rel->back_populates)
			continue;
		const struct orm_relationship *b = orm_model_rel(rel->target, rel->back_populates);
		if (!b || b->target != m)
			FAIL("%s.%s: back_populates \"%s\" is not a relationship of %s back to it",
			     model_table(m), rel->name, rel->back_populates, model_table(rel->target));
		rel->backref = b;
	}
	return 0;
}

static int build_sql(struct orm_registry *r, struct orm_model *m)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < m->ncolumns; i++) {
		if (i)
			buf_puts(&b, ", ");
		buf_puts(&b, m->columns[i].qname);
	}
	m->select_list = arena_strdup(&r->arena, b.p);
	if (!m->pk) { /* a plain table: no get, no delete by identity */
		buf_free(&b);
		m->sql_get = m->sql_delete = NULL;
		return m->select_list ? 0 : ORM_NOMEM;
	}
	buf_reset(&b);
	buf_printf(&b, "SELECT %s FROM %s WHERE %s = ?", m->select_list, m->qtable, m->pk->qname);
	m->sql_get = arena_strdup(&r->arena, b.p);
	buf_reset(&b);
	buf_printf(&b, "DELETE FROM %s WHERE %s = ?", m->qtable, m->pk->qname);
	m->sql_delete = arena_strdup(&r->arena, b.p);
	buf_free(&b);
	return m->select_list && m->sql_get && m->sql_delete ? 0 : ORM_NOMEM;
}

int orm_registry_init(struct orm_registry *r, char *err, size_t errlen)
{
	int rc = 0;
	if (r->ready)
		return 0;
	arena_init(&r->arena, 16384);
	unsigned char state[256] = {0};
	if (r->nmodels > sizeof state) {
		snprintf(err, errlen, "too many models");
		return ORM_MISUSE;
	}
	for (size_t i = 0; i < r->nmodels; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(model_table(r->models[i]), model_table(r->models[j]))) {
				snprintf(err, errlen, "two models for table %s", model_table(r->models[i]));
				return ORM_MISUSE;
			}
	}
	for (size_t i = 0; i < r->nmodels && !rc; i++)
		if (!r->models[i]->ready)
			rc = resolve_columns(r, r->models[i], err, errlen);
	for (size_t i = 0; i < r->nmodels && !rc; i++)
		if (!r->models[i]->ready)
			rc = resolve_fks_and_indexes(r, r->models[i], err, errlen);
	for (size_t i = 0; i < r->nmodels && !rc; i++)
		rc = rank_model(r->models[i], state, r, err, errlen);
	for (size_t i = 0; i < r->nmodels && !rc; i++) {
		struct orm_model *m = r->models[i];
		for (size_t k = 0; k < m->nrels && !rc && !m->ready; k++)
			rc = resolve_rel(r, m, &m->rels[k], err, errlen);
	}
	for (size_t i = 0; i < r->nmodels && !rc; i++)
		if (!r->models[i]->ready)
			rc = resolve_backrefs(r->models[i], err, errlen);
	for (size_t i = 0; i < r->nmodels && !rc; i++)
		if (!r->models[i]->ready)
			rc = build_sql(r, r->models[i]);
	for (size_t i = 0; i < r->nmodels && !rc; i++)
		if (!r->models[i]->ready)
			rc = orm_tmpl_index(r, r->models[i]);
	if (rc)
		goto out;
	r->sorted = arena_calloc(&r->arena, r->nmodels + 1, sizeof *r->sorted);
	if (!r->sorted) {
		rc = ORM_NOMEM;
		goto out;
	}
	/* stable sort by rank: declaration order among equals */
	size_t n = 0;
	for (unsigned rank = 0; n < r->nmodels; rank++)
		for (size_t i = 0; i < r->nmodels; i++)
			if (r->models[i]->rank == rank)
				r->sorted[n++] = r->models[i];
	for (size_t i = 0; i < r->nmodels; i++)
		r->models[i]->ready = true;
	r->ready = true;
out:
	if (rc) {
		if (rc == ORM_NOMEM)
			snprintf(err, errlen, "out of memory");
		arena_free(&r->arena);
	}
	return rc;
}

void orm_registry_free(struct orm_registry *r)
{
	if (!r->ready)
		return;
	for (size_t i = 0; i < r->nmodels; i++)
		r->models[i]->ready = false;
	arena_free(&r->arena);
	r->sorted = NULL;
	r->ready = false;
}

size_t orm_registry_fk_order(const struct orm_registry *r, const struct orm_model **out, size_t cap)
{
	for (size_t i = 0; i < r->nmodels && i < cap; i++)
		out[i] = r->sorted[i];
	return r->nmodels;
}
