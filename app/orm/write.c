/* write.c — the statements a flush writes for one object or association
 * row: INSERT (with RETURNING for server defaults), UPDATE of the changed
 * columns, DELETE (association rows first), the association INSERT /
 * DELETE, the values checked before any of them, and the after_write hook. */
#include <stdio.h>
#include <string.h>

#include "orm/orm_impl.h"

/* [+-]digits[.digits]: a DECIMAL parameter that is not a number would be
 * read as 0 by the server (bound as DECIMAL it escapes strict mode). */
static bool decimal_ok(const char *v)
{
	size_t digits = 0;
	if (*v == '+' || *v == '-')
		v++;
	for (; *v >= '0' && *v <= '9'; v++)
		digits++;
	if (*v == '.')
		for (v++; *v >= '0' && *v <= '9'; v++)
			digits++;
	return digits > 0 && *v == '\0';
}

/* Values the database would refuse or misread, checked before any write. */
int orm_check_values(struct orm_session *s, const struct orm_obj *o)
{
	const struct orm_model *m = o->model;
	for (size_t i = 0; i < m->ncolumns; i++) {
		const struct orm_column *c = &m->columns[i];
		if (c->type != ORM_ENUM && c->type != ORM_NUMERIC)
			continue;
		const char *v = orm_get_ptr(o, c->offset);
		if (!v || (o->state != ORM_PENDING && !orm_changed(o, (unsigned)i)))
			continue;
		if (c->type == ORM_NUMERIC) {
			if (!decimal_ok(v))
				return orm_fail(s, ORM_INVALID, "%s.%s: '%.40s' is not a decimal number",
						m->name, c->name, v);
			continue;
		}
		bool ok = false;
		for (const char *const *e = c->enum_values; *e && !ok; e++)
			ok = !strcmp(*e, v);
		if (!ok)
			return orm_fail(s, ORM_INVALID, "%s.%s: '%.40s' is not one of its values",
					m->name, c->name, v);
	}
	return 0;
}

int orm_write_hook(struct orm_session *s, struct orm_obj *o, enum orm_write what)
{
	if (!o->model->after_write)
		return 0;
	int rc = o->model->after_write(s, o, what);
	if (!rc)
		return 0;
	if (rc > 0)
		rc = ORM_DB;
	s->db_errno = s->db->last_errno;
	return orm_fail(s, rc, "%s: after_write hook failed: %s", o->model->name,
			s->db->last_errno ? s->db->err : orm_strerror(rc));
}

int orm_write_insert(struct orm_session *s, struct orm_obj *o)
{
	const struct orm_model *m = o->model;
	struct orm_sqlb b, vals;
	struct orm_params ps;
	const struct orm_column *ret[ORM_MAX_COLUMNS];
	size_t nret = 0, ncols = 0;
	bool need_returning = false, autoinc_omitted = false;
	orm_sqlb_init(&b, s->arena, 256);
	orm_sqlb_init(&vals, s->arena, 64);
	orm_params_init(&ps, s->arena);
	orm_sqlb_puts(&b, "INSERT INTO ");
	orm_sqlb_puts(&b, m->qtable);
	orm_sqlb_puts(&b, " (");
	for (size_t i = 0; i < m->ncolumns; i++) {
		const struct orm_column *c = &m->columns[i];
		bool changed = orm_changed(o, (unsigned)i);
		if ((c->flags & ORM_AUTOINC) && !changed && orm_get_int(o, c) == 0) {
			ret[nret++] = c;
			autoinc_omitted = true;
			continue;
		}
		if (c->server_default && !changed) {
			ret[nret++] = c;
			need_returning = true;
			continue;
		}
		if (ncols++) {
			orm_sqlb_puts(&b, ", ");
			orm_sqlb_puts(&vals, ", ");
		}
		orm_sqlb_putc(&b, '`');
		orm_sqlb_puts(&b, c->name);
		orm_sqlb_putc(&b, '`');
		orm_sqlb_putc(&vals, '?');
		orm_params_add(&ps, orm_field_value(o, c), c);
	}
	orm_sqlb_puts(&b, ") VALUES (");
	orm_sqlb_puts(&b, vals.oom ? "" : vals.p);
	orm_sqlb_putc(&b, ')');
	if (vals.oom)
		b.oom = true;
	if (need_returning) {
		/* server-side defaults come back in the same round trip */
		orm_sqlb_puts(&b, " RETURNING ");
		for (size_t i = 0; i < nret; i++) {
			if (i)
				orm_sqlb_puts(&b, ", ");
			orm_sqlb_putc(&b, '`');
			orm_sqlb_puts(&b, ret[i]->name);
			orm_sqlb_putc(&b, '`');
		}
	}
	MYSQL_STMT *st;
	int rc = orm_run(s, orm_sqlb_str(&b), &ps, &st);
	if (rc)
		return rc;
	if (need_returning)
		return orm_fetch_into(s, st, o, ret, nret);
	if (autoinc_omitted) {
		orm_put_int(o, m->pk, (int64_t)mysql_stmt_insert_id(st));
		o->nulls &= ~(UINT64_C(1) << m->pk->index);
	}
	return 0;
}

int orm_write_update(struct orm_session *s, struct orm_obj *o, uint64_t mask)
{
	const struct orm_model *m = o->model;
	struct orm_sqlb b;
	struct orm_params ps;
	orm_sqlb_init(&b, s->arena, 256);
	orm_params_init(&ps, s->arena);
	orm_sqlb_puts(&b, "UPDATE ");
	orm_sqlb_puts(&b, m->qtable);
	orm_sqlb_puts(&b, " SET ");
	bool first = true;
	for (size_t i = 0; i < m->ncolumns; i++) {
		if (!(mask >> i & 1))
			continue;
		const struct orm_column *c = &m->columns[i];
		if (!first)
			orm_sqlb_puts(&b, ", ");
		first = false;
		orm_sqlb_putc(&b, '`');
		orm_sqlb_puts(&b, c->name);
		orm_sqlb_puts(&b, "` = ?");
		orm_params_add(&ps, orm_field_value(o, c), c);
	}
	orm_sqlb_puts(&b, " WHERE `");
	orm_sqlb_puts(&b, m->pk->name);
	orm_sqlb_puts(&b, "` = ?");
	/* the row's identity is the pk it was loaded with */
	orm_params_add(&ps, orm_int(orm_get_int(o->snapshot, m->pk)), m->pk);
	MYSQL_STMT *st;
	int rc = orm_run(s, orm_sqlb_str(&b), &ps, &st);
	if (rc)
		return rc;
	if (mysql_stmt_affected_rows(st) == 0)
		return orm_fail(s, ORM_CONFLICT, "%s %lld: the row is gone (deleted meanwhile)",
				m->name, (long long)orm_get_int(o->snapshot, m->pk));
	return 0;
}

int orm_write_delete(struct orm_session *s, struct orm_obj *o)
{
	const struct orm_model *m = o->model;
	MYSQL_STMT *st;
	int rc;
	for (size_t k = 0; k < m->nrels; k++) {
		const struct orm_relationship *r = &m->rels[k];
		if (r->kind != ORM_MANY_TO_MANY)
			continue;
		/* its association rows go first (as SQLAlchemy's secondary) */
		struct orm_sqlb b;
		struct orm_params ps;
		orm_sqlb_init(&b, s->arena, 128);
		orm_params_init(&ps, s->arena);
		orm_sqlb_puts(&b, "DELETE FROM ");
		orm_sqlb_puts(&b, r->sec->qtable);
		orm_sqlb_puts(&b, " WHERE ");
		orm_sqlb_puts(&b, r->sec_local->qname);
		orm_sqlb_puts(&b, " = ?");
		orm_params_add(&ps, orm_int(orm_get_int(o, r->local)), r->sec_local);
		if ((rc = orm_run(s, orm_sqlb_str(&b), &ps, &st)))
			return rc;
	}
	struct orm_params ps;
	orm_params_init(&ps, s->arena);
	orm_params_add(&ps, orm_int(orm_get_int(o->snapshot, m->pk)), m->pk);
	return orm_run(s, m->sql_delete, &ps, &st);
}

int orm_write_assoc(struct orm_session *s, const struct orm_uow_op *op)
{
	const struct orm_relationship *r = op->rel;
	struct orm_sqlb b;
	struct orm_params ps;
	orm_sqlb_init(&b, s->arena, 160);
	orm_params_init(&ps, s->arena);
	if (op->kind == ORM_OP_ASSOC_ADD) {
		orm_sqlb_puts(&b, "INSERT INTO ");
		orm_sqlb_puts(&b, r->sec->qtable);
		orm_sqlb_puts(&b, " (`");
		orm_sqlb_puts(&b, r->sec_local->name);
		orm_sqlb_puts(&b, "`, `");
		orm_sqlb_puts(&b, r->sec_remote->name);
		orm_sqlb_puts(&b, "`) VALUES (?, ?)");
	} else {
		orm_sqlb_puts(&b, "DELETE FROM ");
		orm_sqlb_puts(&b, r->sec->qtable);
		orm_sqlb_puts(&b, " WHERE ");
		orm_sqlb_puts(&b, r->sec_local->qname);
		orm_sqlb_puts(&b, " = ? AND ");
		orm_sqlb_puts(&b, r->sec_remote->qname);
		orm_sqlb_puts(&b, " = ?");
	}
	orm_params_add(&ps, orm_int(orm_get_int(op->parent, r->local)), r->sec_local);
	orm_params_add(&ps, orm_int(orm_get_int(op->child, r->remote)), r->sec_remote);
	MYSQL_STMT *st;
	return orm_run(s, orm_sqlb_str(&b), &ps, &st);
}
