/* session.c — the session's life (init, close, hooks, last error) and what
 * a caller asks of it between flushes: add, delete, and the pending link /
 * association writes that orm_append / orm_remove record. */
#include <string.h>

#include "orm/orm_impl.h"

void orm_session_init(struct orm_session *s, struct db *db, struct arena *a)
{
	memset(s, 0, sizeof *s);
	s->db = db;
	s->arena = a;
	s->last_sql = "";
}

void orm_session_close(struct orm_session *s)
{
	if (s->in_txn)
		orm_txn_rollback(s);
}

void orm_session_set_sql_hook(struct orm_session *s, orm_sql_hook hook, void *ctx)
{
	s->sql_hook = hook;
	s->sql_hook_ctx = ctx;
}

const char *orm_last_sql(const struct orm_session *s)
{
	return s->last_sql;
}

const char *orm_errmsg(const struct orm_session *s)
{
	return s->errmsg;
}

void *orm_merge_known(struct orm_session *s, void *obj, uint64_t known)
{
	struct orm_obj *o = obj;
	if (!o || !o->model || !o->snapshot || o->state != ORM_TRANSIENT || !o->model->pk) {
		orm_fail(s, ORM_MISUSE, "orm_merge_known: not a transient object made by orm_new");
		return NULL;
	}
	const struct orm_model *m = o->model;
	struct orm_obj *mapped = orm_idmap_find(s, m, orm_pk(o));
	if (mapped)
		return mapped->state == ORM_DELETED ? NULL : mapped;
	known = (known | UINT64_C(1) << m->pk->index) & orm_all_columns(m);
	o->unloaded = orm_all_columns(m) & ~known;
	o->nulls &= known;
	o->touched = 0;
	o->rels_loaded = 0; /* not known: loaded on demand */
	memcpy(o->snapshot, o, m->size);
	o->state = ORM_PERSISTENT;
	orm_session_attach(s, o);
	if (orm_idmap_put(s, o) < 0) {
		orm_session_unlink(s, o);
		o->state = ORM_TRANSIENT;
		o->session = NULL;
		return NULL;
	}
	return o;
}

int orm_add(struct orm_session *s, void *obj)
{
	struct orm_obj *o = obj;
	if (!o || !o->model || !o->snapshot)
		return orm_fail(s, ORM_MISUSE, "orm_add: not an object made by orm_new");
	if (o->session && o->session != s)
		return orm_fail(s, ORM_MISUSE, "orm_add: object belongs to another session");
	assert(orm_obj_state_ok(o));
	switch (o->state) {
	case ORM_TRANSIENT:
		o->state = ORM_PENDING;
		orm_session_attach(s, o);
		return 0;
	case ORM_PENDING:
	case ORM_PERSISTENT:
		return 0;
	case ORM_DELETED:
		o->state = ORM_PERSISTENT;
		return 0;
	default:
		return orm_fail(s, ORM_MISUSE, "orm_add: object was deleted");
	}
}

static void drop_ops_of(struct orm_session *s, const struct orm_obj *o)
{
	struct orm_uow_op **pp = &s->ops;
	s->ops_tail = NULL;
	while (*pp) {
		struct orm_uow_op *op = *pp;
		if (op->parent == o || op->child == o) {
			*pp = op->next;
			continue;
		}
		s->ops_tail = op;
		pp = &op->next;
	}
}

int orm_delete(struct orm_session *s, void *obj)
{
	struct orm_obj *o = obj;
	if (!o || !o->model || o->session != s)
		return orm_fail(s, ORM_MISUSE, "orm_delete: object is not in this session");
	assert(orm_obj_state_ok(o) && o->state != ORM_TRANSIENT);
	switch (o->state) {
	case ORM_PENDING:
		drop_ops_of(s, o);
		orm_session_expunge(s, o);
		return 0;
	case ORM_PERSISTENT:
		o->state = ORM_DELETED;
		return 0;
	case ORM_DELETED:
		return 0;
	default:
		return orm_fail(s, ORM_MISUSE, "orm_delete: object is not persisted");
	}
}

int orm_op_add(struct orm_session *s, enum orm_op_kind k, const struct orm_relationship *r,
	       struct orm_obj *parent, struct orm_obj *child)
{
	/* one-to-many: the child's FK; many-to-many: a row of the secondary */
	assert(r && child && child->session == s);
	assert(k == ORM_OP_LINK ? r->kind == ORM_ONE_TO_MANY
				: r->kind == ORM_MANY_TO_MANY && parent && parent->session == s);
	/* An append undone by a remove (or the reverse) cancels out. */
	if (k != ORM_OP_LINK) {
		enum orm_op_kind undo = k == ORM_OP_ASSOC_ADD ? ORM_OP_ASSOC_DEL : ORM_OP_ASSOC_ADD;
		for (struct orm_uow_op **pp = &s->ops; *pp; pp = &(*pp)->next) {
			struct orm_uow_op *op = *pp;
			bool same = (op->rel == r && op->parent == parent && op->child == child) ||
				    (op->rel == r->backref && r->backref && op->parent == child &&
				     op->child == parent);
			if (op->kind == undo && same && !op->done) {
				*pp = op->next;
				s->ops_tail = NULL;
				for (struct orm_uow_op *t = s->ops; t; t = t->next)
					s->ops_tail = t;
				return 0;
			}
		}
	}
	struct orm_uow_op *op = arena_calloc(s->arena, 1, sizeof *op);
	if (!op)
		return orm_fail(s, ORM_NOMEM, "out of memory recording a change");
	op->kind = k;
	op->rel = r;
	op->parent = parent;
	op->child = child;
	if (s->ops_tail)
		s->ops_tail->next = op;
	else
		s->ops = op;
	s->ops_tail = op;
	return 0;
}
