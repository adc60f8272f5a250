/* txn.c — the open transaction: BEGIN, the log of the objects it wrote
 * (their values before it), and ROLLBACK, which brings every object back
 * to what the database holds again. */
#include <string.h>

#include "orm/orm_impl.h"

struct orm_txn_entry {
	struct orm_obj *o;
	uint8_t orig_state;
	struct orm_txn_entry *next;
};

int orm_session_exec(struct orm_session *s, const char *sql)
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
	if (orm_session_exec(s, "START TRANSACTION") < 0) {
		/* a stale connection: db_exec dropped it; one reconnect */
		if (!(had_conn && db_errno_is_connection(s->db->last_errno) &&
		      orm_session_exec(s, "START TRANSACTION") == 0))
			return orm_fail_db(s);
	}
	s->in_txn = true;
	s->txn_connects = s->db->connects;
	return 0;
}

int orm_txn_note(struct orm_session *s, struct orm_obj *o)
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

void orm_txn_forget(struct orm_session *s)
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
	orm_session_unlink(s, o);
	o->state = ORM_DETACHED;
	return false;
}

/* Bring one object the transaction wrote back to its state before the
 * transaction (values, snapshot, state, place in the identity map). */
static void rollback_entry(struct orm_session *s, const struct orm_txn_entry *e)
{
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
			o->nulls = (o->nulls & ~(UINT64_C(1) << i)) | (orig->nulls & (UINT64_C(1) << i));
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
			/* deleted by an earlier flush of this transaction:
			 * mapped again, or left detached without memory */
			orm_session_attach(s, o);
			remap(s, o);
		}
	}
	o->in_txn_log = false;
	o->txn_orig = NULL;
}

/* After the log is undone: pending objects leave the session; the others
 * take their snapshot's values and expire (values and relationships are
 * reloaded by the next get / query / load that meets them). */
static void rollback_expire(struct orm_session *s)
{
	for (struct orm_obj *o = s->objects, *next; o; o = next) {
		next = o->next;
		if (o->state == ORM_PENDING) {
			orm_session_expunge(s, o);
			continue;
		}
		assert(o->state == ORM_PERSISTENT || o->state == ORM_DELETED);
		orm_restore_columns(o, o->snapshot);
		o->state = ORM_PERSISTENT;
		/* what we hold was read before the rollback: stale for whoever
		 * retries (the next get / query that meets the row refreshes it) */
		o->expired = true;
		/* relationships expire: reloaded on next access */
		o->rels_loaded = 0;
		for (size_t k = 0; k < o->model->nrels; k++) {
			const struct orm_relationship *r = &o->model->rels[k];
			if (orm_rel_scalar(r))
				orm_put_ptr(o, r->offset, orm_get_ptr(o->snapshot, r->offset));
			else
				((struct orm_list *)((char *)o + r->offset))->n = 0;
		}
	}
}

/* ROLLBACK and bring the objects back to what the database now holds. */
void orm_txn_rollback(struct orm_session *s)
{
	if (s->in_txn && s->db->connects == s->txn_connects && s->db->conn)
		orm_session_exec(s, "ROLLBACK");
	s->in_txn = false;
	for (struct orm_txn_entry *e = s->txn_log; e; e = e->next)
		rollback_entry(s, e);
	s->txn_log = NULL;
	rollback_expire(s);
	s->ops = s->ops_tail = NULL;
	assert(!s->in_txn && !s->txn_log);
}
int orm_rollback(struct orm_session *s)
{
	orm_txn_rollback(s);
	return 0;
}
