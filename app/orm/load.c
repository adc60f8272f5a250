/* load.c — reading the rows of an executed statement: into objects
 * through the identity map, into an object (INSERT ... RETURNING), or into
 * plain values. Row buffers come from the session's arena. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/orm_impl.h"

struct rowbind {
	MYSQL_BIND *b;
	union orm_stage *st;
	my_bool *isnull;
	my_bool *error;
	unsigned long *len;
	char *inl; /* ROW_INLINE bytes per column: short text arrives with the row */
	size_t n;
};

/* Text columns are bound to a buffer of this many bytes: text shorter than
 * that is copied from it, longer text read with mysql_stmt_fetch_column. */
#define ROW_INLINE 128

static int rowbind_alloc(struct orm_session *s, struct rowbind *rb, size_t n)
{
	rb->n = n;
	rb->b = arena_calloc(s->arena, n, sizeof *rb->b);
	rb->st = arena_calloc(s->arena, n, sizeof *rb->st);
	rb->isnull = arena_calloc(s->arena, n, sizeof *rb->isnull);
	rb->error = arena_calloc(s->arena, n, sizeof *rb->error);
	rb->len = arena_calloc(s->arena, n, sizeof *rb->len);
	rb->inl = arena_alloc(s->arena, n * ROW_INLINE);
	if (!rb->b || !rb->st || !rb->isnull || !rb->error || !rb->len || !rb->inl)
		return orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
	return 0;
}

static void bind_result(struct rowbind *rb, size_t i, enum orm_type t)
{
	MYSQL_BIND *b = &rb->b[i];
	union orm_stage *sg = &rb->st[i];
	memset(b, 0, sizeof *b);
	b->is_null = &rb->isnull[i];
	b->error = &rb->error[i];
	b->length = &rb->len[i];
	switch (t) {
	case ORM_INTEGER:
		b->buffer_type = MYSQL_TYPE_LONG;
		b->buffer = &sg->i32;
		break;
	case ORM_SMALLINT:
		b->buffer_type = MYSQL_TYPE_SHORT;
		b->buffer = &sg->i16;
		break;
	case ORM_BIGINT:
		b->buffer_type = MYSQL_TYPE_LONGLONG;
		b->buffer = &sg->i64;
		break;
	case ORM_BOOLEAN:
		b->buffer_type = MYSQL_TYPE_TINY;
		b->buffer = &sg->i8;
		break;
	case ORM_FLOAT:
		b->buffer_type = MYSQL_TYPE_DOUBLE;
		b->buffer = &sg->d;
		break;
	case ORM_DATE:
		b->buffer_type = MYSQL_TYPE_DATE;
		b->buffer = &sg->t;
		break;
	case ORM_TIME:
		b->buffer_type = MYSQL_TYPE_TIME;
		b->buffer = &sg->t;
		break;
	case ORM_DATETIME:
		b->buffer_type = MYSQL_TYPE_DATETIME;
		b->buffer = &sg->t;
		break;
	case ORM_BINARY:
		/* Length first (buffer_length 0), then mysql_stmt_fetch_column
		 * straight into an arena buffer of the exact size. */
		b->buffer_type = MYSQL_TYPE_BLOB;
		break;
	default:
		b->buffer_type = MYSQL_TYPE_STRING;
		b->buffer = rb->inl + i * ROW_INLINE;
		b->buffer_length = ROW_INLINE;
		break;
	}
}

/* An error while reading a result (an INSERT ... RETURNING that hit a
 * duplicate key reports it here, not at execute). The connector leaves the
 * statement mid-result: without a reset its next execute waits forever. */
static int stmt_error(struct orm_session *s, MYSQL_STMT *st)
{
	db_note_error(s->db, mysql_stmt_errno(st), mysql_stmt_error(st));
	int rc = orm_fail_db(s);
	if (s->db->conn)
		mysql_stmt_reset(st);
	return rc;
}

/* The bytes of a variable-length column of the current row, copied into
 * the arena with a NUL after them. */
static int fetch_bytes(struct orm_session *s, MYSQL_STMT *st, struct rowbind *rb, size_t i,
		       char **out)
{
	unsigned long len = rb->len[i];
	char *p = arena_alloc(s->arena, (size_t)len + 1);
	if (!p)
		return orm_fail(s, ORM_NOMEM, "out of memory fetching a value");
	if (rb->b[i].buffer && len < rb->b[i].buffer_length) { /* all of it came with the row */
		memcpy(p, rb->b[i].buffer, len);
	} else if (len) {
		MYSQL_BIND tmp;
		unsigned long got = 0;
		memset(&tmp, 0, sizeof tmp);
		tmp.buffer_type = rb->b[i].buffer_type;
		tmp.buffer = p;
		tmp.buffer_length = len + 1;
		tmp.length = &got;
		if (mysql_stmt_fetch_column(st, &tmp, (unsigned)i, 0))
			return stmt_error(s, st);
	}
	p[len] = '\0';
	*out = p;
	return 0;
}

static int64_t staged_int(const struct rowbind *rb, size_t i, enum orm_type t)
{
	switch (t) {
	case ORM_INTEGER: return rb->st[i].i32;
	case ORM_SMALLINT: return rb->st[i].i16;
	default: return rb->st[i].i64;
	}
}

/* The value of column i (of type t) of the current row: NULL, an integer
 * (dates and times as their epoch seconds), a double, or text / bytes
 * copied into the arena. 0 or an orm_err. */
static int staged_value(struct orm_session *s, MYSQL_STMT *st, struct rowbind *rb, size_t i,
			enum orm_type t, struct orm_value *out)
{
	if (rb->isnull[i]) {
		*out = orm_null();
		return 0;
	}
	const union orm_stage *sg = &rb->st[i];
	switch (t) {
	case ORM_INTEGER:
	case ORM_SMALLINT:
	case ORM_BIGINT: *out = orm_int(staged_int(rb, i, t)); return 0;
	case ORM_BOOLEAN: *out = orm_int(sg->i8 != 0); return 0;
	case ORM_FLOAT: *out = orm_dbl(sg->d); return 0;
	case ORM_DATE:
	case ORM_TIME:
	case ORM_DATETIME: *out = orm_int(orm_time_from_mysql(t, &sg->t)); return 0;
	default: {
		char *p = NULL;
		int rc = fetch_bytes(s, st, rb, i, &p);
		if (rc)
			return rc;
		*out = orm_strn(p, rb->len[i]);
		if (t == ORM_NUMERIC)
			out->kind = ORM_V_DECIMAL;
		else if (t == ORM_BINARY)
			out->kind = ORM_V_BYTES;
		return 0;
	}
	}
}

/* Store column i of the current row into obj's field c. */
static int store_col(struct orm_session *s, MYSQL_STMT *st, struct rowbind *rb, size_t i,
		     struct orm_obj *o, const struct orm_column *c)
{
	uint64_t bit = UINT64_C(1) << c->index;
	char *f = (char *)o + c->offset;
	if (!rb->isnull[i]) { /* integers, the most common, stored as they are staged */
		switch (c->type) {
		case ORM_INTEGER:
			memcpy(f, &rb->st[i].i32, sizeof rb->st[i].i32);
			o->nulls &= ~bit;
			return 0;
		case ORM_SMALLINT:
			memcpy(f, &rb->st[i].i16, sizeof rb->st[i].i16);
			o->nulls &= ~bit;
			return 0;
		case ORM_BIGINT:
			memcpy(f, &rb->st[i].i64, sizeof rb->st[i].i64);
			o->nulls &= ~bit;
			return 0;
		default:
			break;
		}
	}
	struct orm_value v;
	int rc = staged_value(s, st, rb, i, c->type, &v);
	if (rc)
		return rc;
	if (v.kind == ORM_V_NULL) {
		memset(f, 0, orm_field_size(c->type));
		o->nulls |= bit;
		return 0;
	}
	o->nulls &= ~bit;
	if (c->type == ORM_FLOAT) {
		memcpy(f, &v.d, sizeof v.d);
	} else if (c->type == ORM_BINARY) {
		struct orm_bytes b = {v.s.p, v.s.n};
		memcpy(f, &b, sizeof b);
	} else if (orm_type_is_ptr(c->type)) {
		orm_put_ptr(o, c->offset, v.s.p);
	} else {
		orm_put_int(o, c, v.i);
	}
	return 0;
}



/* Store the columns in mask of the current row (result positions pos[])
 * into o. */
static int store_cols(struct orm_session *s, MYSQL_STMT *st, struct rowbind *rb,
		      const struct orm_model *m, const unsigned char *cols, size_t ncols,
		      uint64_t mask, struct orm_obj *o)
{
	int rc = 0;
	for (size_t p = 0; p < ncols && !rc; p++)
		if (mask >> cols[p] & 1)
			rc = store_col(s, st, rb, p, o, &m->columns[cols[p]]);
	return rc;
}

/* The rows of st: the columns of m in mask (declared order), then one key
 * column when keys, then nextra values typed by types[] into extra. */
static int fetch_objects(struct orm_session *s, MYSQL_STMT *st, const struct orm_model *m,
			 uint64_t mask, const enum orm_type *types, size_t nextra,
			 struct orm_list *out, int64_t **keys, struct orm_rows *extra)
{
	int rc = 0;
	struct rowbind rb;
	unsigned char cols[ORM_MAX_COLUMNS];
	size_t ncols = 0, pkpos = 0;
	for (size_t i = 0; i < m->ncolumns; i++) {
		if (!(mask >> i & 1))
			continue;
		if (i == m->pk->index)
			pkpos = ncols;
		cols[ncols++] = (unsigned char)i;
	}
	size_t kpos = ncols, xpos = ncols + (keys ? 1 : 0);
	size_t nc = xpos + nextra;
	int64_t *kv = NULL;
	if (extra)
		memset(extra, 0, sizeof *extra);
	if (!(mask >> m->pk->index & 1)) {
		rc = orm_fail(s, ORM_MISUSE, "%s: the primary key must be read", m->name);
		goto out;
	}
	if (mysql_stmt_field_count(st) != nc) {
		rc = orm_fail(s, ORM_MISUSE, "result has %u columns, model %s has %zu",
			      mysql_stmt_field_count(st), m->name, nc);
		goto out;
	}
	if ((rc = rowbind_alloc(s, &rb, nc)))
		goto out;
	for (size_t p = 0; p < ncols; p++)
		bind_result(&rb, p, m->columns[cols[p]].type);
	if (keys)
		bind_result(&rb, kpos, ORM_BIGINT);
	for (size_t k = 0; k < nextra; k++)
		bind_result(&rb, xpos + k, types[k]);
	if (mysql_stmt_bind_result(st, rb.b) || mysql_stmt_store_result(st)) {
		rc = stmt_error(s, st);
		goto out;
	}
	size_t nrows = (size_t)mysql_stmt_num_rows(st);
	/* one growth of the identity map for the whole result, not one
	 * rehash per doubling */
	if (nrows > 1 && (rc = orm_idmap_reserve(s, nrows)))
		goto out;
	if (keys) {
		kv = arena_alloc(s->arena, (nrows ? nrows : 1) * sizeof *kv);
		if (!kv) {
			rc = orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
			goto out;
		}
		*keys = kv;
	}
	if (extra) {
		extra->ncols = nextra;
		extra->v = arena_calloc(s->arena, nrows * nextra + 1, sizeof *extra->v);
		if (!extra->v) {
			rc = orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
			goto out;
		}
	}
	uint64_t unloaded = orm_all_columns(m) & ~mask;
	size_t got = 0;
	for (;;) {
		int f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			rc = stmt_error(s, st);
			goto out;
		}
		int64_t id = staged_int(&rb, pkpos, m->pk->type);
		struct orm_obj *o = orm_idmap_find(s, m, id);
		assert(!o || o->model == m);
		if (o && o->state == ORM_DELETED)
			continue; /* deleted in this session: as if flushed */
		if (o && (o->expired || (s->refresh_rows && !o->in_txn_log && !orm_obj_dirty(o)))) {
			/* populate_existing: values read before a rollback, or
			 * a locking read (FOR UPDATE) of an unchanged object,
			 * take the row's current values in place */
			if ((rc = store_cols(s, st, &rb, m, cols, ncols, mask, o)))
				goto out;
			o->unloaded &= ~mask;
			memcpy(o->snapshot, o, m->size);
			o->touched = 0;
			o->expired = false;
		} else if (o && (o->unloaded & mask)) {
			/* a partly loaded object: the columns it lacks, in the
			 * object and in its snapshot (nothing else changes) */
			uint64_t fill = o->unloaded & mask;
			struct orm_obj *snap = o->snapshot;
			if ((rc = store_cols(s, st, &rb, m, cols, ncols, fill, o)))
				goto out;
			for (size_t p = 0; p < ncols; p++) {
				const struct orm_column *c = &m->columns[cols[p]];
				if (fill >> c->index & 1)
					memcpy((char *)snap + c->offset, (char *)o + c->offset,
					       orm_field_size(c->type));
			}
			snap->nulls = (snap->nulls & ~fill) | (o->nulls & fill);
			o->unloaded &= ~fill;
			snap->unloaded = o->unloaded;
		}
		if (!o) {
			o = arena_calloc(s->arena, 1, m->size);
			void *snap = arena_alloc(s->arena, m->size);
			if (!o || !snap) {
				rc = orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
				goto out;
			}
			o->model = m;
			o->unloaded = unloaded;
			if ((rc = store_cols(s, st, &rb, m, cols, ncols, mask, o)))
				goto out;
			memcpy(snap, o, m->size);
			o->snapshot = snap;
			o->state = ORM_PERSISTENT;
			orm_session_attach(s, o);
			if ((rc = orm_idmap_put(s, o)))
				goto out;
		}
		if ((rc = orm_list_push(s, out, o)))
			goto out;
		if (keys)
			kv[got] = rb.isnull[kpos] ? 0 : rb.st[kpos].i64;
		for (size_t k = 0; k < nextra; k++)
			if ((rc = staged_value(s, st, &rb, xpos + k, types[k],
					       &extra->v[got * nextra + k])))
				goto out;
		got++;
		if (extra)
			extra->nrows = got;
	}
out:
	mysql_stmt_free_result(st);
	return rc;
}

int orm_fetch_objects(struct orm_session *s, MYSQL_STMT *st, const struct orm_model *m,
		      struct orm_list *out, int64_t **keys)
{
	return fetch_objects(s, st, m, orm_all_columns(m), NULL, 0, out, keys, NULL);
}

int orm_fetch_objects_ex(struct orm_session *s, MYSQL_STMT *st, const struct orm_model *m,
			 uint64_t mask, const enum orm_type *types, size_t nextra,
			 struct orm_list *out, struct orm_rows *extra)
{
	return fetch_objects(s, st, m, mask, types, nextra, out, NULL, extra);
}

int orm_fetch_into(struct orm_session *s, MYSQL_STMT *st, void *obj,
		   const struct orm_column *const *cols, size_t n)
{
	int rc = 0;
	struct rowbind rb;
	if (mysql_stmt_field_count(st) != n) {
		rc = orm_fail(s, ORM_MISUSE, "RETURNING gave %u columns, wanted %zu",
			      mysql_stmt_field_count(st), n);
		goto out;
	}
	if ((rc = rowbind_alloc(s, &rb, n)))
		goto out;
	for (size_t i = 0; i < n; i++)
		bind_result(&rb, i, cols[i]->type);
	if (mysql_stmt_bind_result(st, rb.b) || mysql_stmt_store_result(st)) {
		rc = stmt_error(s, st);
		goto out;
	}
	int f = mysql_stmt_fetch(st);
	if (f == 1) {
		rc = stmt_error(s, st);
		goto out;
	}
	if (f == MYSQL_NO_DATA) {
		rc = orm_fail(s, ORM_DB, "RETURNING gave no row");
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = store_col(s, st, &rb, i, obj, cols[i]);
out:
	mysql_stmt_free_result(st);
	return rc;
}

int orm_fetch_rows(struct orm_session *s, MYSQL_STMT *st, const enum orm_type *types, size_t nc,
		   struct orm_rows *out)
{
	int rc = 0;
	struct rowbind rb;
	out->v = NULL;
	out->nrows = 0;
	out->ncols = nc;
	if (mysql_stmt_field_count(st) != nc) {
		rc = orm_fail(s, ORM_MISUSE, "result has %u columns, wanted %zu",
			      mysql_stmt_field_count(st), nc);
		goto out;
	}
	if ((rc = rowbind_alloc(s, &rb, nc)))
		goto out;
	for (size_t i = 0; i < nc; i++)
		bind_result(&rb, i, types[i]);
	if (mysql_stmt_bind_result(st, rb.b) || mysql_stmt_store_result(st)) {
		rc = stmt_error(s, st);
		goto out;
	}
	size_t nrows = (size_t)mysql_stmt_num_rows(st);
	out->v = arena_calloc(s->arena, nrows * nc + 1, sizeof *out->v);
	if (!out->v) {
		rc = orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
		goto out;
	}
	for (size_t r = 0; r < nrows; r++) {
		int f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			rc = stmt_error(s, st);
			goto out;
		}
		struct orm_value *row = &out->v[r * nc];
		for (size_t i = 0; i < nc; i++)
			if ((rc = staged_value(s, st, &rb, i, types[i], &row[i])))
				goto out;
		out->nrows++;
	}
out:
	mysql_stmt_free_result(st);
	return rc;
}
