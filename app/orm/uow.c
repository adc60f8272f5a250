/* uow.c — the unit of work (the session): objects and their snapshots, the identity
 * map, dirty tracking, flush (INSERT in FK order, UPDATE of changed columns
 * only, association rows, DELETE), commit and rollback. Everything it
 * allocates comes from the session's arena. */
#include <stdio.h>
#include <string.h>

#include "orm/orm_impl.h"

struct orm_txn_entry {
	struct orm_obj *o;
	uint8_t orig_state;
	struct orm_txn_entry *next;
};

static struct orm_obj tomb_; /* identity-map tombstone */
#define TOMB (&tomb_)

void orm_session_init(struct orm_session *s, struct db *db, struct arena *a)
{
	memset(s, 0, sizeof *s);
	s->db = db;
	s->arena = a;
	s->last_sql = "";
}

static void rollback_internal(struct orm_session *s);
static bool rel_scalar(const struct orm_relationship *r);

void orm_session_close(struct orm_session *s)
{
	if (s->in_txn)
		rollback_internal(s);
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

/* ------------------------------------------------------------------ */
/* Object list and identity map                                         */

void orm_session_attach(struct orm_session *s, struct orm_obj *o)
{
	/* never twice in the list: that would make it a cycle */
	assert(!o->session || o->session == s);
	assert(o->next == NULL && s->objects_tail != o);
	o->session = s;
	o->next = NULL;
	if (s->objects_tail)
		s->objects_tail->next = o;
	else
		s->objects = o;
	s->objects_tail = o;
}

static void session_unlink(struct orm_session *s, struct orm_obj *o)
{
	struct orm_obj *prev = NULL;
	bool found = false;
	assert(o->session == s);
	for (struct orm_obj *p = s->objects; p; prev = p, p = p->next) {
		if (p != o)
			continue;
		if (prev)
			prev->next = p->next;
		else
			s->objects = p->next;
		if (s->objects_tail == p)
			s->objects_tail = prev;
		found = true;
		break;
	}
	assert(found); /* only objects of the session's list are unlinked */
	(void)found;
	o->next = NULL;
}

static size_t id_hash(const struct orm_model *m, int64_t pk)
{
	uint64_t h = (uint64_t)(uintptr_t)m * UINT64_C(0x9E3779B97F4A7C15);
	h ^= (uint64_t)pk * UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 32;
	return (size_t)h;
}

struct orm_obj *orm_idmap_find(struct orm_session *s, const struct orm_model *m, int64_t pk)
{
	if (!s->idmap_cap)
		return NULL;
	assert((s->idmap_cap & (s->idmap_cap - 1)) == 0 && s->idmap_n < s->idmap_cap);
	size_t mask = s->idmap_cap - 1;
	for (size_t j = id_hash(m, pk) & mask;; j = (j + 1) & mask) {
		struct orm_obj *o = s->idmap[j];
		if (!o)
			return NULL;
		if (o != TOMB && o->model == m && orm_get_int(o, m->pk) == pk) {
			/* the map holds this session's rows: persistent, or
			 * deleted and not yet flushed */
			assert(o->session == s);
			assert(o->state == ORM_PERSISTENT || o->state == ORM_DELETED);
			return o;
		}
	}
}

static int idmap_rehash(struct orm_session *s, size_t ncap)
{
	struct orm_obj **n = arena_calloc(s->arena, ncap, sizeof *n);
	if (!n)
		return orm_fail(s, ORM_NOMEM, "out of memory growing the identity map");
	size_t live = 0;
	for (size_t i = 0; i < s->idmap_cap; i++) {
		struct orm_obj *o = s->idmap[i];
		if (!o || o == TOMB)
			continue;
		size_t j = id_hash(o->model, orm_get_int(o, o->model->pk)) & (ncap - 1);
		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = o;
		live++;
	}
	assert(live < ncap);
	s->idmap = n;
	s->idmap_cap = ncap;
	s->idmap_n = live;
	return 0;
}

int orm_idmap_put(struct orm_session *s, struct orm_obj *o)
{
	int64_t pk = orm_get_int(o, o->model->pk);
	/* one object per (model, key): callers look the key up first */
	assert(o->session == s && o->state == ORM_PERSISTENT);
	assert(orm_idmap_find(s, o->model, pk) == NULL);
	if (s->idmap_cap) {
		/* A tombstone on the key's probe path is reused without growing
		 * the table: a rollback that maps again the rows its flushes
		 * deleted needs no memory. */
		size_t mask = s->idmap_cap - 1;
		for (size_t j = id_hash(o->model, pk) & mask; s->idmap[j]; j = (j + 1) & mask)
			if (s->idmap[j] == TOMB) {
				s->idmap[j] = o;
				return 0;
			}
	}
	if ((s->idmap_n + 1) * 4 >= s->idmap_cap * 3) {
		int rc = idmap_rehash(s, s->idmap_cap ? s->idmap_cap * 2 : 64);
		if (rc)
			return rc;
	}
	size_t mask = s->idmap_cap - 1;
	size_t j = id_hash(o->model, pk) & mask;
	while (s->idmap[j])
		j = (j + 1) & mask;
	s->idmap_n++;
	s->idmap[j] = o;
	return 0;
}

void orm_idmap_remove(struct orm_session *s, struct orm_obj *o)
{
	for (size_t i = 0; i < s->idmap_cap; i++)
		if (s->idmap[i] == o) {
			s->idmap[i] = TOMB;
			return;
		}
}

/* ------------------------------------------------------------------ */
/* Objects                                                              */

void *orm_new(struct orm_session *s, const struct orm_model *m)
{
	if (!m->ready || !m->pk) /* a plain table has no mapped class */
		return NULL;
	struct orm_obj *o = arena_calloc(s->arena, 1, m->size);
	void *snap = arena_alloc(s->arena, m->size);
	if (!o || !snap)
		return NULL;
	o->model = m;
	for (size_t i = 0; i < m->ncolumns; i++) {
		const struct orm_column *c = &m->columns[i];
		const struct orm_default *d = &c->default_value;
		if (d->set) {
			if (c->type == ORM_FLOAT)
				memcpy((char *)o + c->offset, &d->d, sizeof d->d);
			else if (c->type == ORM_BINARY)
				;
			else if (orm_type_is_ptr(c->type))
				orm_put_ptr(o, c->offset, d->s);
			else
				orm_put_int(o, c, d->i);
		} else if (!orm_type_is_ptr(c->type) && !(m->not_null_mask >> i & 1) &&
			   !c->server_default) {
			o->nulls |= UINT64_C(1) << i;
		}
	}
	/* A new object's relationships are known: empty. */
	o->rels_loaded = m->nrels >= 32 ? UINT32_MAX : (UINT32_C(1) << m->nrels) - 1;
	memcpy(snap, o, m->size);
	o->snapshot = snap;
	return o;
}

int64_t orm_pk(const void *obj)
{
	const struct orm_obj *o = obj;
	return orm_get_int(o, o->model->pk);
}

bool orm_field_is_null(const void *obj, unsigned col)
{
	const struct orm_obj *o = obj;
	return orm_effective_null(o, &o->model->columns[col]);
}

void orm_set_null(void *obj, unsigned col)
{
	struct orm_obj *o = obj;
	const struct orm_column *c = &o->model->columns[col];
	uint64_t bit = UINT64_C(1) << col;
	if (orm_type_is_ptr(c->type))
		memset((char *)o + c->offset, 0, orm_field_size(c->type));
	o->nulls |= bit;
	o->touched &= ~bit;
}

void orm_touch(void *obj, unsigned col)
{
	struct orm_obj *o = obj;
	uint64_t bit = UINT64_C(1) << col;
	o->touched |= bit;
	o->nulls &= ~bit;
}

static bool snap_null(const struct orm_obj *snap, const struct orm_column *c)
{
	if (c->type == ORM_BINARY) {
		struct orm_bytes b;
		memcpy(&b, (const char *)snap + c->offset, sizeof b);
		return b.p == NULL;
	}
	if (orm_type_is_ptr(c->type))
		return orm_get_ptr(snap, c->offset) == NULL;
	return (snap->nulls >> c->index) & 1;
}

bool orm_changed(const void *obj, unsigned col)
{
	const struct orm_obj *o = obj;
	const struct orm_column *c = &o->model->columns[col];
	const struct orm_obj *snap = o->snapshot;
	if ((o->touched >> col) & 1 || !snap)
		return true;
	/* orm_set_null on a pointer column: an explicit NULL, even where the
	 * pointer was NULL already (a server default would otherwise apply) */
	if (orm_type_is_ptr(c->type) && ((o->nulls ^ snap->nulls) >> col & 1))
		return true;
	bool nn = orm_effective_null(o, c), sn = snap_null(snap, c);
	if (nn != sn)
		return true;
	if (nn)
		return false;
	const char *a = (const char *)o + c->offset, *b = (const char *)snap + c->offset;
	if (c->type == ORM_BINARY) {
		struct orm_bytes x, y;
		memcpy(&x, a, sizeof x);
		memcpy(&y, b, sizeof y);
		return x.n != y.n || (x.p != y.p && memcmp(x.p, y.p, x.n) != 0);
	}
	if (orm_type_is_ptr(c->type)) {
		const char *x = orm_get_ptr(o, c->offset), *y = orm_get_ptr(snap, c->offset);
		return x != y && strcmp(x, y) != 0;
	}
	return memcmp(a, b, orm_field_size(c->type)) != 0;
}

static uint64_t dirty_mask(const struct orm_obj *o)
{
	uint64_t mask = 0;
	for (size_t i = 0; i < o->model->ncolumns; i++)
		if (orm_changed(o, (unsigned)i))
			mask |= UINT64_C(1) << i;
	return mask;
}

bool orm_obj_dirty(const struct orm_obj *o)
{
	return dirty_mask(o) != 0;
}

/* Make the null bits say exactly what is NULL, then snapshot := object. */
static void snapshot_now(struct orm_obj *o)
{
	const struct orm_model *m = o->model;
	for (size_t i = 0; i < m->ncolumns; i++) {
		uint64_t bit = UINT64_C(1) << i;
		if (orm_effective_null(o, &m->columns[i]))
			o->nulls |= bit;
		else
			o->nulls &= ~bit;
	}
	o->touched = 0;
	memcpy(o->snapshot, o, m->size);
}

static void restore_columns(struct orm_obj *o, const void *from)
{
	const struct orm_model *m = o->model;
	for (size_t i = 0; i < m->ncolumns; i++) {
		const struct orm_column *c = &m->columns[i];
		memcpy((char *)o + c->offset, (const char *)from + c->offset, orm_field_size(c->type));
	}
	o->nulls = ((const struct orm_obj *)from)->nulls;
	o->touched = 0;
}

static void expunge(struct orm_session *s, struct orm_obj *o)
{
	assert(o->session == s);
	session_unlink(s, o);
	orm_idmap_remove(s, o);
	o->session = NULL;
	o->state = ORM_TRANSIENT;
}

void orm_session_unadd(struct orm_session *s, struct orm_obj *o)
{
	assert(o->state == ORM_PENDING && o->session == s);
	expunge(s, o);
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
		expunge(s, o);
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

/* ------------------------------------------------------------------ */
/* Transactions                                                         */

static int session_exec(struct orm_session *s, const char *sql)
{
	s->last_sql = sql;
	if (s->sql_hook)
		s->sql_hook(s->sql_hook_ctx, sql);
	return db_exec(s->db, sql);
}

int orm_begin(struct orm_session *s)
{
	if (s->in_txn)
		return 0;
	bool had_conn = s->db->conn != NULL;
	if (session_exec(s, "START TRANSACTION") < 0) {
		/* a stale connection: db_exec dropped it; one reconnect */
		if (!(had_conn && db_errno_is_connection(s->db->last_errno) &&
		      session_exec(s, "START TRANSACTION") == 0))
			return orm_fail_db(s);
	}
	s->in_txn = true;
	s->txn_connects = s->db->connects;
	return 0;
}

static int txn_note(struct orm_session *s, struct orm_obj *o)
{
	assert(s->in_txn && o->session == s);
	if (o->in_txn_log)
		return 0;
	struct orm_txn_entry *e = arena_alloc(s->arena, sizeof *e);
	void *copy = arena_alloc(s->arena, o->model->size);
	if (!e || !copy)
		return orm_fail(s, ORM_NOMEM, "out of memory");
	memcpy(copy, o->snapshot, o->model->size);
	o->txn_orig = copy;
	o->in_txn_log = true;
	e->o = o;
	e->orig_state = o->state;
	e->next = s->txn_log;
	s->txn_log = e;
	return 0;
}

static void txn_forget(struct orm_session *s)
{
	for (struct orm_txn_entry *e = s->txn_log; e; e = e->next) {
		e->o->in_txn_log = false;
		e->o->txn_orig = NULL;
	}
	s->txn_log = NULL;
}

/* Map o again during a rollback. The put reuses o's tombstone, unless the
 * table was rebuilt since; then, without memory to grow it, o stays
 * detached (as after its delete: out of the list and the map) and the next
 * get loads a new object for its row — never two mapped objects for one
 * row. The error that caused the rollback stays the session's. Whether o
 * is mapped. */
static bool remap(struct orm_session *s, struct orm_obj *o)
{
	int err = s->err;
	char msg[sizeof s->errmsg];
	memcpy(msg, s->errmsg, sizeof msg);
	if (!orm_idmap_put(s, o))
		return true;
	s->err = err;
	memcpy(s->errmsg, msg, sizeof msg);
	session_unlink(s, o);
	o->state = ORM_DETACHED;
	return false;
}

/* ROLLBACK and bring the objects back to what the database now holds. */
static void rollback_internal(struct orm_session *s)
{
	if (s->in_txn && s->db->connects == s->txn_connects && s->db->conn)
		session_exec(s, "ROLLBACK");
	s->in_txn = false;
	for (struct orm_txn_entry *e = s->txn_log; e; e = e->next) {
		struct orm_obj *o = e->o;
		const struct orm_model *m = o->model;
		assert(o->in_txn_log && o->txn_orig && o->session == s);
		assert(e->orig_state == ORM_PENDING || e->orig_state == ORM_PERSISTENT ||
		       e->orig_state == ORM_DELETED);
		if (e->orig_state == ORM_PENDING) {
			/* Inserted in this transaction: forget what the INSERT
			 * wrote back (the id, server defaults); keep the rest. */
			const struct orm_obj *orig = o->txn_orig;
			for (size_t i = 0; i < m->ncolumns; i++) {
				const struct orm_column *c = &m->columns[i];
				if (!(c->flags & ORM_AUTOINC) && !c->server_default)
					continue;
				memcpy((char *)o + c->offset, (const char *)orig + c->offset,
				       orm_field_size(c->type));
				o->nulls = (o->nulls & ~(UINT64_C(1) << i)) |
					   (orig->nulls & (UINT64_C(1) << i));
			}
			memcpy(o->snapshot, orig, m->size);
			if (o->state == ORM_PERSISTENT)
				orm_idmap_remove(s, o);
			o->state = ORM_PENDING;
		} else {
			memcpy(o->snapshot, o->txn_orig, m->size);
			bool was_detached = o->state == ORM_DETACHED;
			o->state = ORM_PERSISTENT;
			if (was_detached) {
				/* deleted by an earlier flush of this transaction */
				orm_session_attach(s, o);
				if (!remap(s, o)) {
					o->in_txn_log = false;
					o->txn_orig = NULL;
					continue;
				}
			}
		}
		o->in_txn_log = false;
		o->txn_orig = NULL;
	}
	s->txn_log = NULL;
	for (struct orm_obj *o = s->objects, *next; o; o = next) {
		next = o->next;
		if (o->state == ORM_PENDING) {
			expunge(s, o);
			continue;
		}
		assert(o->state == ORM_PERSISTENT || o->state == ORM_DELETED);
		restore_columns(o, o->snapshot);
		o->state = ORM_PERSISTENT;
		/* what we hold was read before the rollback: stale for whoever
		 * retries (the next get / query that meets the row refreshes it) */
		o->expired = true;
		/* relationships expire: reloaded on next access */
		o->rels_loaded = 0;
		for (size_t k = 0; k < o->model->nrels; k++) {
			const struct orm_relationship *r = &o->model->rels[k];
			if (rel_scalar(r))
				orm_put_ptr(o, r->offset, orm_get_ptr(o->snapshot, r->offset));
			else
				((struct orm_list *)((char *)o + r->offset))->n = 0;
		}
	}
	s->ops = s->ops_tail = NULL;
	assert(!s->in_txn && !s->txn_log);
}

int orm_rollback(struct orm_session *s)
{
	rollback_internal(s);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Flush                                                                */

static bool rel_scalar(const struct orm_relationship *r)
{
	return r->kind == ORM_MANY_TO_ONE || r->kind == ORM_ONE_TO_ONE;
}

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
			if (rel_scalar(r)) {
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
			if (r->backref && rel_scalar(r->backref))
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
static int check_values(struct orm_session *s, const struct orm_obj *o)
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

static int call_hook(struct orm_session *s, struct orm_obj *o, enum orm_write what)
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

static int insert_obj(struct orm_session *s, struct orm_obj *o)
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

static int update_obj(struct orm_session *s, struct orm_obj *o, uint64_t mask)
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

static int delete_obj(struct orm_session *s, struct orm_obj *o)
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

static int unlink_one(struct orm_session *s, struct orm_obj *child)
{
	int rc;
	uint64_t mask = dirty_mask(child);
	if (!mask)
		return 0;
	if ((rc = txn_note(s, child)) || (rc = update_obj(s, child, mask)) ||
	    (rc = call_hook(s, child, ORM_WRITE_UPDATE)))
		return rc;
	snapshot_now(child);
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

static int assoc_op(struct orm_session *s, const struct orm_uow_op *op)
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

int orm_flush(struct orm_session *s)
{
	int rc;
	size_t npend = 0, ndel = 0;
	bool work;
	if ((rc = cascade(s)))
		goto fail;
	work = s->ops != NULL;
	for (struct orm_obj *o = s->objects; o; o = o->next) {
		if (o->state == ORM_PENDING)
			npend++;
		else if (o->state == ORM_DELETED)
			ndel++;
		else if (!work && o->state == ORM_PERSISTENT) {
			work = dirty_mask(o) != 0;
			for (size_t k = 0; k < o->model->nrels && !work; k++) {
				const struct orm_relationship *r = &o->model->rels[k];
				work = rel_scalar(r) &&
				       orm_get_ptr(o, r->offset) != orm_get_ptr(o->snapshot, r->offset);
			}
		}
	}
	if (!work && !npend && !ndel)
		return 0;
	for (struct orm_obj *o = s->objects; o; o = o->next)
		if ((o->state == ORM_PENDING || o->state == ORM_PERSISTENT) && (rc = check_values(s, o)))
			goto fail;
	if ((rc = orm_begin(s)))
		goto fail;

	/* Unlink first: a one-to-one swap must free the unique FK before the
	 * new child's INSERT (SQLAlchemy runs a table's UPDATEs before its
	 * INSERTs for the same reason). */
	if ((rc = unlink_phase(s)))
		goto fail;

	/* INSERT, parents first */
	struct orm_obj **pend = arena_alloc(s->arena, (npend + ndel + 1) * sizeof *pend);
	if (!pend) {
		rc = orm_fail(s, ORM_NOMEM, "out of memory");
		goto fail;
	}
	size_t n = 0;
	for (struct orm_obj *o = s->objects; o; o = o->next)
		if (o->state == ORM_PENDING)
			pend[n++] = o;
	by_rank(pend, n, false);
	for (size_t i = 0; i < n; i++) {
		struct orm_obj *o = pend[i];
		assert(o->state == ORM_PENDING && o->session == s);
		if ((rc = sync_m2o(s, o)) || (rc = apply_links(s, o)) || (rc = txn_note(s, o)) ||
		    (rc = insert_obj(s, o)))
			goto fail;
		if (orm_idmap_find(s, o->model, orm_get_int(o, o->model->pk))) {
			/* e.g. its row was deleted by another connection and
			 * inserted again with the same explicit key */
			rc = orm_fail(s, ORM_CONFLICT, "%s %lld: another object of this session has this "
				      "identity", o->model->name, (long long)orm_get_int(o, o->model->pk));
			goto fail;
		}
		o->state = ORM_PERSISTENT;
		if ((rc = orm_idmap_put(s, o)) || (rc = sync_o2o(s, o)) ||
		    (rc = call_hook(s, o, ORM_WRITE_INSERT)))
			goto fail;
		snapshot_now(o);
	}

	/* UPDATE: only what changed */
	if ((rc = apply_links(s, NULL)))
		goto fail;
	for (struct orm_obj *o = s->objects; o; o = o->next)
		if (o->state == ORM_PERSISTENT && ((rc = sync_m2o(s, o)) || (rc = sync_o2o(s, o))))
			goto fail;
	for (struct orm_obj *o = s->objects; o; o = o->next) {
		if (o->state != ORM_PERSISTENT)
			continue;
		uint64_t mask = dirty_mask(o);
		if (!mask)
			continue;
		if ((rc = txn_note(s, o)) || (rc = update_obj(s, o, mask)) ||
		    (rc = call_hook(s, o, ORM_WRITE_UPDATE)))
			goto fail;
	}

	/* every FK link is written by now; what is left is association rows */
	for (struct orm_uow_op *op = s->ops; op; op = op->next)
		assert(op->kind != ORM_OP_LINK || op->done);

	/* association rows */
	for (struct orm_uow_op *op = s->ops; op; op = op->next)
		if (op->kind != ORM_OP_LINK && (rc = assoc_op(s, op)))
			goto fail;

	/* DELETE, children first */
	n = 0;
	for (struct orm_obj *o = s->objects; o; o = o->next)
		if (o->state == ORM_DELETED)
			pend[n++] = o;
	by_rank(pend, n, true);
	for (size_t i = 0; i < n; i++)
		assert(pend[i]->state == ORM_DELETED && pend[i]->session == s);
	for (size_t i = 0; i < n; i++)
		if ((rc = txn_note(s, pend[i])) || (rc = delete_obj(s, pend[i])) ||
		    (rc = call_hook(s, pend[i], ORM_WRITE_DELETE)))
			goto fail;

	/* the database now holds what the objects say */
	for (struct orm_obj *o = s->objects, *next; o; o = next) {
		next = o->next;
		assert(o->session == s && (o->state == ORM_PERSISTENT || o->state == ORM_DELETED));
		if (o->state == ORM_DELETED) {
			session_unlink(s, o);
			orm_idmap_remove(s, o);
			o->state = ORM_DETACHED;
			continue;
		}
		if (o->state == ORM_PERSISTENT)
			snapshot_now(o);
	}
	s->ops = s->ops_tail = NULL;
	return 0;
fail:
	rollback_internal(s);
	return rc;
}

int orm_commit(struct orm_session *s)
{
	int rc = orm_flush(s);
	if (rc)
		return rc;
	if (!s->in_txn)
		return 0;
	if (s->db->connects != s->txn_connects) {
		rc = orm_fail(s, ORM_DB, "connection lost inside a transaction");
		rollback_internal(s);
		return rc;
	}
	s->commit_sent = true;
	if (session_exec(s, "COMMIT") < 0) {
		rc = orm_fail_db(s);
		rollback_internal(s);
		return rc;
	}
	s->in_txn = false;
	txn_forget(s);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Retryable transactions                                               */

/* May a failed attempt run again? A deadlock, lock wait timeout or
 * certification conflict (Galera reports it as 1213) rolled everything
 * back; so did a connection lost inside a transaction before COMMIT was
 * sent. An autocommit statement is retried on the first kind only (after
 * a lost connection it may have been applied). */
static bool txn_retryable(const struct orm_session *s, bool txn, int rc)
{
	if (rc == ORM_RETRY)
		return true;
	return txn && rc == ORM_DB && db_errno_is_connection(s->db_errno) && !s->commit_sent &&
	       !s->db->unreachable;
}

/* The loop of orm_transaction (txn) and orm_retry (!txn). */
static int run_retried(struct orm_session *s, bool txn, orm_txn_fn fn, void *arg)
{
	int rc = 0;
	s->txn_attempts = 0;
	for (unsigned attempt = 0; attempt < ORM_TXN_ATTEMPTS; attempt++) {
		if (attempt)
			db_backoff(attempt - 1);
		s->txn_attempts++;
		s->commit_sent = false;
		rc = txn ? orm_begin(s) : 0;
		if (!rc)
			rc = fn(s, arg);
		if (!rc && txn && s->in_txn)
			rc = orm_commit(s);
		if (!rc)
			return 0;
		if (s->in_txn)
			rollback_internal(s);
		if (!txn_retryable(s, txn, rc))
			return rc;
	}
	char last[sizeof s->errmsg]; /* orm_fail writes s->errmsg: not from itself */
	memcpy(last, s->errmsg, sizeof last);
	return orm_fail(s, ORM_UNAVAILABLE, "still failing after %u attempts: %.200s", s->txn_attempts,
			last);
}

int orm_transaction(struct orm_session *s, orm_txn_fn fn, void *arg)
{
	return run_retried(s, true, fn, arg);
}

int orm_retry(struct orm_session *s, orm_txn_fn fn, void *arg)
{
	return run_retried(s, false, fn, arg);
}

unsigned orm_transaction_attempts(const struct orm_session *s)
{
	return s->txn_attempts;
}

/* ------------------------------------------------------------------ */
/* get                                                                  */

int orm_get(struct orm_session *s, const struct orm_model *m, int64_t id, void **out)
{
	*out = NULL;
	if (!m->ready)
		return orm_fail(s, ORM_MISUSE, "%s: registry not initialised", m->name);
	if (!m->pk)
		return orm_fail(s, ORM_MISUSE, "%s: a plain table has no identity", m->name);
	struct orm_obj *o = orm_idmap_find(s, m, id);
	if (o && !o->expired) {
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
