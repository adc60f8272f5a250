/* flush.c — orm_flush: the order of a unit of work's writes (save-update
 * cascade, FK links from relationship pointers, one-to-one unlinks, INSERTs
 * parents first, UPDATEs, association rows, DELETEs children first) inside
 * one transaction, rolled back whole on any error. */
#include <string.h>

#include "orm/orm_impl.h"

/* save-update cascade: objects reachable from session objects through
 * relationships join the session. */
static int cascade(struct orm_session *s)
{
	for (struct orm_obj *o = s->objects; o; o = o->next) {
		if (o->state != ORM_PENDING && o->state != ORM_PERSISTENT)
			continue;
		const struct orm_model *m = o->model;
		for (size_t k = 0; k < m->nrels; k++) {
			const struct orm_relationship *r = &m->rels[k];
			if (orm_rel_scalar(r)) {
				struct orm_obj *t = orm_get_ptr(o, r->offset);
				if (t && t->state == ORM_TRANSIENT && orm_add(s, t))
					return s->err;
				continue;
			}
			const struct orm_list *l = (const struct orm_list *)((const char *)o + r->offset);
			for (size_t i = 0; i < l->n; i++)
				if (l->items[i]->state == ORM_TRANSIENT && orm_add(s, l->items[i]))
					return s->err;
		}
	}
	return 0;
}

static void set_fk(struct orm_obj *child, const struct orm_column *fk, const struct orm_obj *parent,
		   const struct orm_column *key)
{
	if (parent) {
		orm_put_int(child, fk, orm_get_int(parent, key));
		child->nulls &= ~(UINT64_C(1) << fk->index);
	} else {
		orm_set_null(child, fk->index);
	}
}

static int parent_ready(struct orm_session *s, const struct orm_obj *p)
{
	if (p && p->state == ORM_PENDING)
		return orm_fail(s, ORM_MISUSE, "%s: a related object is not flushed yet "
				"(self-referential order is not supported)", p->model->name);
	return 0;
}

/* Many-to-one pointers assigned since the snapshot set the FK column. */
static int sync_m2o(struct orm_session *s, struct orm_obj *o)
{
	const struct orm_model *m = o->model;
	for (size_t k = 0; k < m->nrels; k++) {
		const struct orm_relationship *r = &m->rels[k];
		if (r->kind != ORM_MANY_TO_ONE)
			continue;
		struct orm_obj *t = orm_get_ptr(o, r->offset);
		if (t == orm_get_ptr(o->snapshot, r->offset))
			continue;
		if (parent_ready(s, t))
			return s->err;
		set_fk(o, r->local, t, r->remote);
		o->rels_loaded |= UINT32_C(1) << k;
	}
	return 0;
}

/* One-to-one (uselist=False) pointers on the parent side set the child's
 * FK; a child replaced gets NULL. */
static int sync_o2o(struct orm_session *s, struct orm_obj *o)
{
	const struct orm_model *m = o->model;
	for (size_t k = 0; k < m->nrels; k++) {
		const struct orm_relationship *r = &m->rels[k];
		if (r->kind != ORM_ONE_TO_ONE)
			continue;
		struct orm_obj *t = orm_get_ptr(o, r->offset);
		struct orm_obj *old = orm_get_ptr(o->snapshot, r->offset);
		if (t == old)
			continue;
		if (old && old->state == ORM_PERSISTENT)
			set_fk(old, r->remote, NULL, r->local);
		if (t) {
			set_fk(t, r->remote, o, r->local);
			if (r->backref && orm_rel_scalar(r->backref))
				orm_put_ptr(t, r->backref->offset, o);
		}
		o->rels_loaded |= UINT32_C(1) << k;
	}
	(void)s;
	return 0;
}

/* LINK operations (one-to-many append / remove) for child, or all. */
static int apply_links(struct orm_session *s, const struct orm_obj *only)
{
	for (struct orm_uow_op *op = s->ops; op; op = op->next) {
		if (op->kind != ORM_OP_LINK || op->done || (only && op->child != only))
			continue;
		if (parent_ready(s, op->parent))
			return s->err;
		if (op->child->state == ORM_PENDING && !only)
			continue; /* applied before its own INSERT */
		set_fk(op->child, op->rel->remote, op->parent, op->rel->local);
		op->done = true;
	}
	return 0;
}

static int unlink_one(struct orm_session *s, struct orm_obj *child)
{
	int rc;
	uint64_t mask = orm_dirty_mask(child);
	if (!mask)
		return 0;
	if ((rc = orm_txn_note(s, child)) || (rc = orm_write_update(s, child, mask)) ||
	    (rc = orm_write_hook(s, child, ORM_WRITE_UPDATE)))
		return rc;
	orm_snapshot_now(child);
	return 0;
}

static int unlink_phase(struct orm_session *s)
{
	int rc;
	for (struct orm_obj *o = s->objects; o; o = o->next) {
		if (o->state != ORM_PERSISTENT)
			continue;
		const struct orm_model *m = o->model;
		for (size_t k = 0; k < m->nrels; k++) {
			const struct orm_relationship *r = &m->rels[k];
			if (r->kind != ORM_ONE_TO_ONE)
				continue;
			struct orm_obj *old = orm_get_ptr(o->snapshot, r->offset);
			if (!old || old == orm_get_ptr(o, r->offset) || old->state != ORM_PERSISTENT)
				continue;
			set_fk(old, r->remote, NULL, r->local);
			if ((rc = unlink_one(s, old)))
				return rc;
		}
	}
	for (struct orm_uow_op *op = s->ops; op; op = op->next) {
		if (op->kind != ORM_OP_LINK || op->done || op->parent ||
		    op->child->state != ORM_PERSISTENT)
			continue;
		set_fk(op->child, op->rel->remote, NULL, op->rel->local);
		op->done = true;
		if ((rc = unlink_one(s, op->child)))
			return rc;
	}
	return 0;
}

static int by_rank(struct orm_obj **v, size_t n, bool desc)
{
	/* insertion sort: stable, and n is a request's worth */
	for (size_t i = 1; i < n; i++) {
		struct orm_obj *x = v[i];
		size_t j = i;
		while (j > 0 && (desc ? v[j - 1]->model->rank < x->model->rank
				      : v[j - 1]->model->rank > x->model->rank)) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
	for (size_t i = 1; i < n; i++)
		assert(desc ? v[i - 1]->model->rank >= v[i]->model->rank
			    : v[i - 1]->model->rank <= v[i]->model->rank);
	return 0;
}

/* Has the session anything to write? *npend / *ndel: its pending and
 * deleted objects. */
static bool flush_has_work(const struct orm_session *s, size_t *npend, size_t *ndel)
{
	bool work = s->ops != NULL;
	*npend = *ndel = 0;
	for (const struct orm_obj *o = s->objects; o; o = o->next) {
		if (o->state == ORM_PENDING)
			(*npend)++;
		else if (o->state == ORM_DELETED)
			(*ndel)++;
		else if (!work && o->state == ORM_PERSISTENT) {
			work = orm_dirty_mask(o) != 0;
			for (size_t k = 0; k < o->model->nrels && !work; k++) {
				const struct orm_relationship *r = &o->model->rels[k];
				work = orm_rel_scalar(r) &&
				       orm_get_ptr(o, r->offset) != orm_get_ptr(o->snapshot, r->offset);
			}
		}
	}
	return work || *npend || *ndel;
}

/* INSERT the pending objects, parents first; v has room for all of them. */
static int flush_inserts(struct orm_session *s, struct orm_obj **v)
{
	int rc;
	size_t n = 0;
	for (struct orm_obj *o = s->objects; o; o = o->next)
		if (o->state == ORM_PENDING)
			v[n++] = o;
	by_rank(v, n, false);
	for (size_t i = 0; i < n; i++) {
		struct orm_obj *o = v[i];
		assert(o->state == ORM_PENDING && o->session == s);
		if ((rc = sync_m2o(s, o)) || (rc = apply_links(s, o)) || (rc = orm_txn_note(s, o)) ||
		    (rc = orm_write_insert(s, o)))
			return rc;
		if (orm_idmap_find(s, o->model, orm_get_int(o, o->model->pk)))
			/* e.g. its row was deleted by another connection and
			 * inserted again with the same explicit key */
			return orm_fail(s, ORM_CONFLICT, "%s %lld: another object of this session has "
					"this identity", o->model->name,
					(long long)orm_get_int(o, o->model->pk));
		o->state = ORM_PERSISTENT;
		if ((rc = orm_idmap_put(s, o)) || (rc = sync_o2o(s, o)) ||
		    (rc = orm_write_hook(s, o, ORM_WRITE_INSERT)))
			return rc;
		orm_snapshot_now(o);
	}
	return 0;
}

/* UPDATE the persistent objects: FK links first, then only what changed. */
static int flush_updates(struct orm_session *s)
{
	int rc;
	if ((rc = apply_links(s, NULL)))
		return rc;
	for (struct orm_obj *o = s->objects; o; o = o->next)
		if (o->state == ORM_PERSISTENT && ((rc = sync_m2o(s, o)) || (rc = sync_o2o(s, o))))
			return rc;
	for (struct orm_obj *o = s->objects; o; o = o->next) {
		if (o->state != ORM_PERSISTENT)
			continue;
		uint64_t mask = orm_dirty_mask(o);
		if (!mask)
			continue;
		if ((rc = orm_txn_note(s, o)) || (rc = orm_write_update(s, o, mask)) ||
		    (rc = orm_write_hook(s, o, ORM_WRITE_UPDATE)))
			return rc;
	}
	return 0;
}

/* The association rows appended / removed. */
static int flush_assocs(struct orm_session *s)
{
	int rc;
	/* every FK link is written by now; what is left is association rows */
	for (struct orm_uow_op *op = s->ops; op; op = op->next)
		assert(op->kind != ORM_OP_LINK || op->done);
	for (struct orm_uow_op *op = s->ops; op; op = op->next)
		if (op->kind != ORM_OP_LINK && (rc = orm_write_assoc(s, op)))
			return rc;
	return 0;
}

/* DELETE the deleted objects, children first; v has room for them all. */
static int flush_deletes(struct orm_session *s, struct orm_obj **v)
{
	int rc;
	size_t n = 0;
	for (struct orm_obj *o = s->objects; o; o = o->next)
		if (o->state == ORM_DELETED)
			v[n++] = o;
	by_rank(v, n, true);
	for (size_t i = 0; i < n; i++)
		assert(v[i]->state == ORM_DELETED && v[i]->session == s);
	for (size_t i = 0; i < n; i++)
		if ((rc = orm_txn_note(s, v[i])) || (rc = orm_write_delete(s, v[i])) ||
		    (rc = orm_write_hook(s, v[i], ORM_WRITE_DELETE)))
			return rc;
	return 0;
}

/* The database now holds what the objects say: deleted ones leave the
 * session, the others take a new snapshot; no write is pending. */
static void flush_done(struct orm_session *s)
{
	for (struct orm_obj *o = s->objects, *next; o; o = next) {
		next = o->next;
		assert(o->session == s && (o->state == ORM_PERSISTENT || o->state == ORM_DELETED));
		if (o->state == ORM_DELETED) {
			orm_session_unlink(s, o);
			orm_idmap_remove(s, o);
			o->state = ORM_DETACHED;
			continue;
		}
		if (o->state == ORM_PERSISTENT)
			orm_snapshot_now(o);
	}
	s->ops = s->ops_tail = NULL;
}

int orm_flush(struct orm_session *s)
{
	int rc;
	size_t npend, ndel;
	struct orm_obj **v;
	if ((rc = cascade(s)))
		goto fail;
	if (!flush_has_work(s, &npend, &ndel))
		return 0;
	for (struct orm_obj *o = s->objects; o; o = o->next)
		if ((o->state == ORM_PENDING || o->state == ORM_PERSISTENT) &&
		    (rc = orm_check_values(s, o)))
			goto fail;
	if ((rc = orm_begin(s)))
		goto fail;
	/* Unlink first: a one-to-one swap must free the unique FK before the
	 * new child's INSERT (SQLAlchemy runs a table's UPDATEs before its
	 * INSERTs for the same reason). */
	if ((rc = unlink_phase(s)))
		goto fail;
	v = arena_alloc(s->arena, (npend + ndel + 1) * sizeof *v);
	if (!v) {
		rc = orm_fail(s, ORM_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = flush_inserts(s, v)) || (rc = flush_updates(s)) || (rc = flush_assocs(s)) ||
	    (rc = flush_deletes(s, v)))
		goto fail;
	flush_done(s);
	return 0;
fail:
	orm_txn_rollback(s);
	return rc;
}
