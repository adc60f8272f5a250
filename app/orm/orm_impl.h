/* orm_impl.h — private to app/orm/: the declarations its files share (SQL
 * text and parameters, errors, statement running, value conversion, row
 * loading, lists, the identity map, object state, the transaction, the
 * flush's statements, relationship loading, the query's parts and their
 * rendering, dates). Nothing outside app/orm/ includes it.
 *
 * Files by job, each calling only the ones listed before it (no circle):
 *   error.c    result codes          date.c     calendar arithmetic
 *   value.c    field <-> value <-> MYSQL_TIME
 *   registry.c model metadata        ddl.c      CREATE / DROP
 *   stmt.c     SQL text, binding, running a statement
 *   list.c     orm_list              object.c   one object: defaults, dirty
 *   identity.c the session's object list and identity map
 *   load.c     rows -> objects / values (through the identity map)
 *   txn.c      BEGIN, the transaction log, ROLLBACK
 *   session.c  session life, add, delete, recorded link writes
 *   relation.c relationship loading; append / remove / set
 *   write.c    a flush's INSERT / UPDATE / DELETE / association statements
 *   flush.c    orm_flush: the order of the writes
 *   commit.c   COMMIT, orm_transaction / orm_retry
 *   expr.c     query expressions     query.c    the query builder
 *   render.c   a query as SQL        exec.c     all, first, get, count, rows
 *   bulk.c     bulk UPDATE / DELETE  paginate.c pagination
 *   template.c objects as template context values (tmpl.h) */
#ifndef FLACON_ORM_IMPL_H
#define FLACON_ORM_IMPL_H

#include <assert.h>
#include <stdarg.h>
#include <string.h>

#include "orm/orm.h"

/* SQL text growing in an arena (old blocks stay until the arena's reset). */
struct orm_sqlb {
	struct arena *a;
	char *p;
	size_t n, cap;
	bool oom;
};
void orm_sqlb_init(struct orm_sqlb *b, struct arena *a, size_t cap);
/* orm_sqlb_putn when the text does not fit (grows it, or marks oom). */
void orm_sqlb_put_grow(struct orm_sqlb *b, const char *s, size_t n);
/* In line: a statement's text is a hundred pieces or so, most of them
 * literal words whose length the compiler knows. */
static inline void orm_sqlb_putn(struct orm_sqlb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap || b->oom) {
		orm_sqlb_put_grow(b, s, n);
		return;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}
static inline void orm_sqlb_puts(struct orm_sqlb *b, const char *s)
{
	orm_sqlb_putn(b, s, strlen(s));
}
static inline void orm_sqlb_putc(struct orm_sqlb *b, char c)
{
	orm_sqlb_putn(b, &c, 1);
}
/* The text, or NULL when an allocation failed. */
const char *orm_sqlb_str(struct orm_sqlb *b);

/* Parameters of one statement: a value and, when it is compared with or
 * written to a column, the column (it decides the wire type). */
struct orm_param {
	struct orm_value v;
	const struct orm_column *col;
};
struct orm_params {
	struct arena *a;
	struct orm_param *v;
	size_t n, cap;
	bool oom;
};
void orm_params_init(struct orm_params *p, struct arena *a);
void orm_params_add(struct orm_params *p, struct orm_value v, const struct orm_column *col);

/* Record an error on the session; returns err. */
int orm_fail(struct orm_session *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record the db's last error on the session; returns the mapped orm_err. */
int orm_fail_db(struct orm_session *s);

/* Prepare (cached), bind ps and execute sql. Outside a transaction a lost
 * connection is retried once; inside one it is an error (the transaction is
 * gone). *out is the executed statement (owned by the db). 0 or orm_err. */
int orm_run(struct orm_session *s, const char *sql, const struct orm_params *ps, MYSQL_STMT **out);

/* Room for one bound value of any type (parameter or result column). */
union orm_stage {
	int64_t i64;
	int32_t i32;
	int16_t i16;
	signed char i8;
	double d;
	MYSQL_TIME t;
};

/* Fetch every row of an executed SELECT whose columns are m's columns (in
 * order) followed, when keys is not NULL, by one integer key column. Rows
 * become objects through the identity map (an object already there is
 * reused, not overwritten) and are appended to out; keys[i] gets row i's
 * key (an arena array). Frees the result. 0 or orm_err. */
int orm_fetch_objects(struct orm_session *s, MYSQL_STMT *st, const struct orm_model *m,
		      struct orm_list *out, int64_t **keys);
/* As orm_fetch_objects for a statement that reads only the columns in mask
 * (declared order; orm_load_only) followed by nextra values typed by
 * types[] (orm_add_column), which go into extra (one row per object of
 * out; may be NULL when nextra is 0). */
int orm_fetch_objects_ex(struct orm_session *s, MYSQL_STMT *st, const struct orm_model *m,
			 uint64_t mask, const enum orm_type *types, size_t nextra,
			 struct orm_list *out, struct orm_rows *extra);
/* Every column of m (the bits of its columns). */
static inline uint64_t orm_all_columns(const struct orm_model *m)
{
	return m->ncolumns >= 64 ? UINT64_MAX : (UINT64_C(1) << m->ncolumns) - 1;
}
/* Fetch the single row of a statement whose columns are cols[0..n) of obj
 * (INSERT ... RETURNING) into obj. Frees the result. 0 or orm_err. */
int orm_fetch_into(struct orm_session *s, MYSQL_STMT *st, void *obj,
		   const struct orm_column *const *cols, size_t n);

/* Fetch every row of an executed SELECT into values typed by types[]
 * (NUMERIC: decimal text). Frees the result. 0 or orm_err. */
int orm_fetch_rows(struct orm_session *s, MYSQL_STMT *st, const enum orm_type *types, size_t nc,
		   struct orm_rows *out);

/* Field access by column (memcpy: no aliasing assumptions). */
size_t orm_field_size(enum orm_type t);
bool orm_type_is_ptr(enum orm_type t);
bool orm_type_is_int(enum orm_type t);
static inline int64_t orm_get_int(const void *obj, const struct orm_column *c)
{
	const char *f = (const char *)obj + c->offset;
	switch (c->type) {
	case ORM_INTEGER:
	case ORM_DATE:
	case ORM_TIME: {
		int32_t v;
		memcpy(&v, f, sizeof v);
		return v;
	}
	case ORM_SMALLINT: {
		int16_t v;
		memcpy(&v, f, sizeof v);
		return v;
	}
	case ORM_BOOLEAN: {
		bool v;
		memcpy(&v, f, sizeof v);
		return v;
	}
	case ORM_BIGINT:
	case ORM_DATETIME: {
		int64_t v;
		memcpy(&v, f, sizeof v);
		return v;
	}
	default:
		return 0;
	}
}
void orm_put_int(void *obj, const struct orm_column *c, int64_t v);
void *orm_get_ptr(const void *obj, size_t off);
void orm_put_ptr(void *obj, size_t off, const void *p);
/* The value of a column of obj as a parameter (NULL when it is NULL). */
struct orm_value orm_field_value(const void *obj, const struct orm_column *c);
/* Would the next flush write NULL into column c? */
bool orm_effective_null(const struct orm_obj *o, const struct orm_column *c);

/* List helpers (arena-grown). orm_list_reserve makes room for one more
 * item, so that the next push cannot fail: 0 or ORM_NOMEM. */
int orm_list_reserve(struct orm_session *s, struct orm_list *l);
int orm_list_push(struct orm_session *s, struct orm_list *l, struct orm_obj *o);
/* Room for n more items (the next n pushes cannot fail): 0 or ORM_NOMEM. */
int orm_list_reserve_n(struct orm_session *s, struct orm_list *l, size_t n);
void orm_list_remove(struct orm_list *l, const struct orm_obj *o);

/* Relationships holding one object (many-to-one, one-to-one), not a list. */
static inline bool orm_rel_scalar(const struct orm_relationship *r)
{
	return r->kind == ORM_MANY_TO_ONE || r->kind == ORM_ONE_TO_ONE;
}

/* Object state (object.c). The columns changed since the snapshot (bit i:
 * column i). */
uint64_t orm_dirty_mask(const struct orm_obj *o);
/* Has any column of o changed since it was loaded / flushed? */
bool orm_obj_dirty(const struct orm_obj *o);
/* Make the null bits say exactly what is NULL, then snapshot := object. */
void orm_snapshot_now(struct orm_obj *o);
/* Column values and null bits from a copy of the object (snapshot). */
void orm_restore_columns(struct orm_obj *o, const void *from);

/* Identity map (identity.c). */
struct orm_obj *orm_idmap_find(struct orm_session *s, const struct orm_model *m, int64_t pk);
int orm_idmap_put(struct orm_session *s, struct orm_obj *o);
/* Grow the identity map once so that n objects fit in all (a result of n
 * rows about to be mapped) rather than by a rehash per doubling. 0 or
 * ORM_NOMEM. */
int orm_idmap_reserve(struct orm_session *s, size_t n);
void orm_idmap_remove(struct orm_session *s, struct orm_obj *o);
/* The identity map's tombstone (a removed entry) and its hash of (model,
 * primary key): inline below for the loads, which probe once per row. */
extern struct orm_obj orm_idmap_tomb;
static inline size_t orm_idmap_hash(const struct orm_model *m, int64_t pk)
{
	uint64_t h = (uint64_t)(uintptr_t)m * UINT64_C(0x9E3779B97F4A7C15);
	h ^= (uint64_t)pk * UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 32;
	return (size_t)h;
}
/* orm_idmap_find that also says where the key would go (*slot; SIZE_MAX
 * when it is found, or the map is empty), so that a fresh row's object is
 * mapped without a second probe: orm_idmap_put_at(s, o, slot), with
 * nothing put in or taken out of the map in between. */
static inline struct orm_obj *orm_idmap_find_slot(struct orm_session *s,
						  const struct orm_model *m, int64_t pk,
						  size_t *slot)
{
	*slot = SIZE_MAX;
	if (!s->idmap_cap)
		return NULL;
	assert((s->idmap_cap & (s->idmap_cap - 1)) == 0 && s->idmap_n < s->idmap_cap);
	size_t mask = s->idmap_cap - 1;
	for (size_t j = orm_idmap_hash(m, pk) & mask;; j = (j + 1) & mask) {
		struct orm_obj *o = s->idmap[j];
		if (!o) {
			if (*slot == SIZE_MAX)
				*slot = j;
			return NULL;
		}
		if (o == &orm_idmap_tomb) {
			if (*slot == SIZE_MAX)
				*slot = j; /* reused as orm_idmap_put would */
			continue;
		}
		if (o->model == m && orm_get_int(o, m->pk) == pk) {
			assert(o->session == s);
			assert(o->state == ORM_PERSISTENT || o->state == ORM_DELETED);
			*slot = SIZE_MAX;
			return o;
		}
	}
}
/* orm_idmap_put_at when the map must grow or slot is SIZE_MAX. */
int orm_idmap_put_slow(struct orm_session *s, struct orm_obj *o, size_t slot);
static inline int orm_idmap_put_at(struct orm_session *s, struct orm_obj *o, size_t slot)
{
	assert(o->session == s && o->state == ORM_PERSISTENT);
	/* a new entry that would fill the table past 3/4: orm_idmap_put
	 * grows it (and finds the slot again) */
	if (slot == SIZE_MAX || (s->idmap[slot] != &orm_idmap_tomb &&
				 (s->idmap_n + 1) * 4 >= s->idmap_cap * 3))
		return orm_idmap_put_slow(s, o, slot);
	assert(slot < s->idmap_cap);
	if (s->idmap[slot] != &orm_idmap_tomb) {
		assert(s->idmap[slot] == NULL);
		s->idmap_n++;
	}
	s->idmap[slot] = o;
	return 0;
}
/* The invariant of an object's state: a valid orm_state, and a session
 * exactly when it is not transient (expunge clears both). For assert(). */
static inline bool orm_obj_state_ok(const struct orm_obj *o)
{
	return o->state <= ORM_DETACHED && (o->state == ORM_TRANSIENT) == (o->session == NULL);
}

/* Put o in the session's object list; take it out (o must be in it). */
static inline void orm_session_attach(struct orm_session *s, struct orm_obj *o)
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
void orm_session_unlink(struct orm_session *s, struct orm_obj *o);
/* Out of the list and the map: transient again. */
void orm_session_expunge(struct orm_session *s, struct orm_obj *o);
/* Undo orm_add of an object that is still pending: transient again. */
void orm_session_unadd(struct orm_session *s, struct orm_obj *o);

/* The transaction (txn.c). Run a statement without parameters (BEGIN,
 * COMMIT, ROLLBACK) through the session's hook: db_exec's result. */
int orm_session_exec(struct orm_session *s, const char *sql);
/* Remember o's values before the transaction's first write to it (for a
 * rollback): 0 or ORM_NOMEM. */
int orm_txn_note(struct orm_session *s, struct orm_obj *o);
/* After COMMIT: the log is no longer needed. */
void orm_txn_forget(struct orm_session *s);
/* ROLLBACK (when the connection still holds the transaction) and bring
 * every object back to what the database holds; pending writes dropped. */
void orm_txn_rollback(struct orm_session *s);

/* A flush's statements (write.c): 0 or an orm_err. */
/* Values the database would refuse or misread (enum, decimal text). */
int orm_check_values(struct orm_session *s, const struct orm_obj *o);
/* The model's after_write hook for o, its error recorded. */
int orm_write_hook(struct orm_session *s, struct orm_obj *o, enum orm_write what);
/* INSERT o (its id and server defaults written back into it). */
int orm_write_insert(struct orm_session *s, struct orm_obj *o);
/* UPDATE the columns in mask; ORM_CONFLICT when the row is gone. */
int orm_write_update(struct orm_session *s, struct orm_obj *o, uint64_t mask);
/* DELETE o's association rows, then o's row. */
int orm_write_delete(struct orm_session *s, struct orm_obj *o);

/* Relationship loading for n objects (those not yet loaded), one query. */
int orm_rel_load(struct orm_session *s, struct orm_obj *const *objs, size_t n,
		 const struct orm_relationship *r, int depth);
/* r (a many-to-one of l's objects) from the rows of the statement that
 * read l (orm_eager_join): row i's values, at v + i * stride, are the
 * row's foreign key, then every column of r's target (declared order;
 * all NULL when the LEFT JOIN found no row). r becomes loaded on each
 * object as orm_rel_load would load it: a target the session maps is
 * reused as it is; an object whose key in memory is not the row's is
 * loaded by orm_rel_load (a statement). 0 or orm_err. */
int orm_rel_join_load(struct orm_session *s, const struct orm_list *l,
		      const struct orm_relationship *r, const struct orm_value *v, size_t stride);
/* Eager loads a query asked for, plus the model's lazy=selectin ones. */
int orm_rel_load_selectin(struct orm_session *s, const struct orm_list *l, int depth);

/* Pending writes recorded by orm_append / orm_remove / orm_set_related. */
enum orm_op_kind {
	ORM_OP_LINK,      /* child.fk = parent.pk (parent NULL: NULL) */
	ORM_OP_ASSOC_ADD, /* INSERT INTO secondary */
	ORM_OP_ASSOC_DEL, /* DELETE FROM secondary */
};
struct orm_uow_op {
	enum orm_op_kind kind;
	const struct orm_relationship *rel;
	struct orm_obj *parent, *child;
	struct orm_uow_op *next;
	bool done;
};
int orm_op_add(struct orm_session *s, enum orm_op_kind k, const struct orm_relationship *r,
	       struct orm_obj *parent, struct orm_obj *child);
/* INSERT or DELETE the association row of an ASSOC_ADD / ASSOC_DEL. */
int orm_write_assoc(struct orm_session *s, const struct orm_uow_op *op);

/* Queries: expressions (expr.c), the builder (query.c), rendering
 * (render.c), the executors (exec.c, bulk.c, paginate.c). */
enum orm_expr_kind { ORM_E_COL, ORM_E_AGG, ORM_E_SUB, ORM_E_CMP, ORM_E_LIKE, ORM_E_IN, ORM_E_ISNULL, ORM_E_NOTNULL, ORM_E_AND, ORM_E_OR, ORM_E_NOT };

struct orm_expr {
	enum orm_expr_kind kind;
	enum orm_op op;
	enum orm_agg agg;
	const struct orm_column *col; /* ORM_E_COL; ORM_E_AGG's argument (NULL: *) */
	const struct orm_expr *a, *b;
	struct orm_query *sub; /* ORM_E_SUB: a query with one select term */
	struct orm_value *vals;
	size_t nvals;
};

/* Immutable singly-linked lists, newest first; a new query shares the tail. */
struct orm_qnode {
	const void *p;
	enum orm_dir dir;
	const struct orm_qnode *next;
};

struct orm_qjoin {
	const struct orm_relationship *r;
	bool sec_only; /* with_parent on a many-to-many: the association only */
};

struct orm_query {
	struct orm_session *s;
	const struct orm_model *m;
	const struct orm_qnode *where, *order, *group, *having, *select, *eager, *joins;
	const struct orm_qnode *extra; /* orm_add_column terms */
	const struct orm_qnode *ejoin; /* orm_eager_join relationships (LEFT JOINs) */
	uint64_t only;         /* orm_load_only: the columns read (0: all) */
	int64_t limit, offset; /* limit -1: none */
	bool for_update;
	int err;
	const char *why;
};

/* Is model m in the FROM clause of q (its table or a joined one)? */
bool orm_query_has_table(const struct orm_query *q, const struct orm_model *m);
/* A query can run: 0, ORM_NOMEM for NULL (an allocation failed while it
 * was built), or the error recorded while building it (on the session). */
int orm_query_check(struct orm_query *q);

/* A statement being rendered from a query: text, parameters, first error. */
struct orm_render {
	struct orm_query *q;
	struct orm_sqlb b;
	struct orm_params ps;
	int err;
	const char *why;
	unsigned alias; /* select terms numbered so far */
	/* orm_eager_join's relationships, oldest first, that orm_render_body
	 * LEFT JOINs after the FROM's table (an object query sets them; every
	 * other statement, COUNT included, has none) */
	const struct orm_relationship *const *ej;
	size_t nej;
};
/* What orm_render_list renders each node as. */
enum orm_rl {
	ORM_RL_COND,   /* a condition (where, having) */
	ORM_RL_TERM,   /* a term (group by) */
	ORM_RL_ORDER,  /* a term and ASC / DESC */
	ORM_RL_SELECT, /* a term AS cN */
};
void orm_render_init(struct orm_render *r, struct orm_query *q);
/* The nodes of list n, oldest first, separated by sep (*first: none yet). */
void orm_render_list(struct orm_render *r, const struct orm_qnode *n, const char *sep,
		     enum orm_rl what, bool *first);
/* " FROM ... [JOIN ...] [WHERE] [GROUP BY] [HAVING]" of r->q. */
void orm_render_body(struct orm_render *r);
/* "[ORDER BY] [LIMIT ? [OFFSET ?]]" of r->q (ORDER BY only when order). */
void orm_render_tail(struct orm_render *r, bool order);
/* The finished text into *sql: 0, or the first error (recorded). */
int orm_render_done(struct orm_render *r, const char **sql);

/* A DATE (days), TIME (seconds) or DATETIME (epoch seconds) value of type
 * t as MariaDB's MYSQL_TIME, and back (value.c). */
void orm_time_to_mysql(enum orm_type t, int64_t v, MYSQL_TIME *mt);
int64_t orm_time_from_mysql(enum orm_type t, const MYSQL_TIME *mt);

/* Date arithmetic (days since 1970-01-01). */
int64_t orm_days_from_civil(int64_t y, unsigned m, unsigned d);
void orm_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* The table of the names templates may read of m (computed fields, then
 * columns, then relationships), hashed by tmpl_name_hash, in r's arena
 * (template.c). 0 or ORM_NOMEM. */
int orm_tmpl_index(struct orm_registry *r, struct orm_model *m);

/* IN-list size with padding (bounds the number of distinct statements). */
size_t orm_in_bucket(size_t n);

#endif
