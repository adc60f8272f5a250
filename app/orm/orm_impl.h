/* orm_impl.h — private to app/orm/: the declarations its files share (SQL
 * text and parameters, errors, statement running, value conversion, row
 * loading, lists, the identity map, relationship loading, the unit of
 * work's pending operations, dates). Nothing outside app/orm/ includes it.
 *
 *   registry.c  model metadata      ddl.c   CREATE / DROP
 *   error.c     result codes        date.c  calendar arithmetic
 *   stmt.c      SQL text, binding, running a statement
 *   value.c     field <-> value <-> MYSQL_TIME   load.c  rows -> objects
 *   list.c      orm_list            query.c the query builder
 *   relation.c  relationships       uow.c   session, identity map, flush */
#ifndef FLACON_ORM_IMPL_H
#define FLACON_ORM_IMPL_H

#include <assert.h>
#include <stdarg.h>

#include "orm/orm.h"

/* SQL text growing in an arena (old blocks stay until the arena's reset). */
struct orm_sqlb {
	struct arena *a;
	char *p;
	size_t n, cap;
	bool oom;
};
void orm_sqlb_init(struct orm_sqlb *b, struct arena *a, size_t cap);
void orm_sqlb_putn(struct orm_sqlb *b, const char *s, size_t n);
void orm_sqlb_puts(struct orm_sqlb *b, const char *s);
void orm_sqlb_putc(struct orm_sqlb *b, char c);
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
int64_t orm_get_int(const void *obj, const struct orm_column *c);
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
void orm_list_remove(struct orm_list *l, const struct orm_obj *o);

/* Identity map. */
struct orm_obj *orm_idmap_find(struct orm_session *s, const struct orm_model *m, int64_t pk);
/* Has any column of o changed since it was loaded / flushed? */
bool orm_obj_dirty(const struct orm_obj *o);
int orm_idmap_put(struct orm_session *s, struct orm_obj *o);
void orm_idmap_remove(struct orm_session *s, struct orm_obj *o);
/* The invariant of an object's state: a valid orm_state, and a session
 * exactly when it is not transient (expunge clears both). For assert(). */
static inline bool orm_obj_state_ok(const struct orm_obj *o)
{
	return o->state <= ORM_DETACHED && (o->state == ORM_TRANSIENT) == (o->session == NULL);
}

/* Put o in the session's object list. */
void orm_session_attach(struct orm_session *s, struct orm_obj *o);
/* Undo orm_add of an object that is still pending: transient again. */
void orm_session_unadd(struct orm_session *s, struct orm_obj *o);

/* Relationship loading for n objects (those not yet loaded), one query. */
int orm_rel_load(struct orm_session *s, struct orm_obj *const *objs, size_t n,
		 const struct orm_relationship *r, int depth);
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

/* A DATE (days), TIME (seconds) or DATETIME (epoch seconds) value of type
 * t as MariaDB's MYSQL_TIME, and back (value.c). */
void orm_time_to_mysql(enum orm_type t, int64_t v, MYSQL_TIME *mt);
int64_t orm_time_from_mysql(enum orm_type t, const MYSQL_TIME *mt);

/* Date arithmetic (days since 1970-01-01). */
int64_t orm_days_from_civil(int64_t y, unsigned m, unsigned d);
void orm_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* IN-list size with padding (bounds the number of distinct statements). */
size_t orm_in_bucket(size_t n);

#endif
