/* stmt.c — the ORM's side of a prepared statement: SQL text and parameters
 * built in the session's arena, binding values straight into MYSQL_BIND
 * (typed by the column they meet), execution with one reconnect outside
 * transactions, and fetching rows into objects or values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/orm_impl.h"

/* ------------------------------------------------------------------ */
/* SQL text and parameters                                              */

void orm_sqlb_init(struct orm_sqlb *b, struct arena *a, size_t cap)
{
	b->a = a;
	b->n = 0;
	b->cap = cap;
	b->p = arena_alloc(a, cap);
	b->oom = b->p == NULL;
	if (b->p)
		b->p[0] = '\0';
}

static bool sqlb_room(struct orm_sqlb *b, size_t need)
{
	if (b->oom)
		return false;
	if (b->n + need + 1 <= b->cap)
		return true;
	size_t ncap = b->cap * 2;
	if (ncap < b->n + need + 1)
		ncap = b->n + need + 1;
	char *np = arena_alloc(b->a, ncap);
	if (!np) {
		b->oom = true;
		return false;
	}
	memcpy(np, b->p, b->n + 1);
	b->p = np;
	b->cap = ncap;
	return true;
}

void orm_sqlb_putn(struct orm_sqlb *b, const char *s, size_t n)
{
	if (!sqlb_room(b, n))
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void orm_sqlb_puts(struct orm_sqlb *b, const char *s)
{
	orm_sqlb_putn(b, s, strlen(s));
}

void orm_sqlb_putc(struct orm_sqlb *b, char c)
{
	orm_sqlb_putn(b, &c, 1);
}

const char *orm_sqlb_str(struct orm_sqlb *b)
{
	return b->oom ? NULL : b->p;
}

void orm_params_init(struct orm_params *p, struct arena *a)
{
	p->a = a;
	p->v = NULL;
	p->n = p->cap = 0;
	p->oom = false;
}

void orm_params_add(struct orm_params *p, struct orm_value v, const struct orm_column *col)
{
	if (p->oom)
		return;
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 8;
		struct orm_param *nv = arena_alloc(p->a, ncap * sizeof *nv);
		if (!nv) {
			p->oom = true;
			return;
		}
		if (p->n)
			memcpy(nv, p->v, p->n * sizeof *nv);
		p->v = nv;
		p->cap = ncap;
	}
	p->v[p->n].v = v;
	p->v[p->n].col = col;
	p->n++;
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */

int orm_fail(struct orm_session *s, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
	va_end(ap);
	s->err = err;
	return err;
}

int orm_fail_db(struct orm_session *s)
{
	s->db_errno = s->db->last_errno;
	int e = orm_err_from_errno(s->db_errno);
	if (e == ORM_OK)
		e = ORM_DB;
	return orm_fail(s, e, "%s", s->db->err);
}

/* ------------------------------------------------------------------ */
/* Fields                                                               */

size_t orm_field_size(enum orm_type t)
{
	switch (t) {
	case ORM_INTEGER: return sizeof(int32_t);
	case ORM_SMALLINT: return sizeof(int16_t);
	case ORM_BIGINT: return sizeof(int64_t);
	case ORM_FLOAT: return sizeof(double);
	case ORM_BOOLEAN: return sizeof(bool);
	case ORM_DATE: return sizeof(int32_t);
	case ORM_TIME: return sizeof(int32_t);
	case ORM_DATETIME: return sizeof(int64_t);
	case ORM_BINARY: return sizeof(struct orm_bytes);
	default: return sizeof(const char *);
	}
}

bool orm_type_is_ptr(enum orm_type t)
{
	switch (t) {
	case ORM_NUMERIC:
	case ORM_STRING:
	case ORM_TEXT:
	case ORM_UNICODE:
	case ORM_UNICODE_TEXT:
	case ORM_ENUM:
	case ORM_BINARY:
		return true;
	default:
		return false;
	}
}

bool orm_type_is_int(enum orm_type t)
{
	return t == ORM_INTEGER || t == ORM_SMALLINT || t == ORM_BIGINT;
}

int64_t orm_get_int(const void *obj, const struct orm_column *c)
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

void orm_put_int(void *obj, const struct orm_column *c, int64_t v)
{
	char *f = (char *)obj + c->offset;
	switch (c->type) {
	case ORM_INTEGER:
	case ORM_DATE:
	case ORM_TIME: {
		int32_t x = (int32_t)v;
		memcpy(f, &x, sizeof x);
		break;
	}
	case ORM_SMALLINT: {
		int16_t x = (int16_t)v;
		memcpy(f, &x, sizeof x);
		break;
	}
	case ORM_BOOLEAN: {
		bool x = v != 0;
		memcpy(f, &x, sizeof x);
		break;
	}
	case ORM_BIGINT:
	case ORM_DATETIME:
		memcpy(f, &v, sizeof v);
		break;
	default:
		break;
	}
}

void *orm_get_ptr(const void *obj, size_t off)
{
	void *p;
	memcpy(&p, (const char *)obj + off, sizeof p);
	return p;
}

void orm_put_ptr(void *obj, size_t off, const void *p)
{
	memcpy((char *)obj + off, &p, sizeof p);
}

bool orm_effective_null(const struct orm_obj *o, const struct orm_column *c)
{
	if (c->type == ORM_BINARY) {
		struct orm_bytes b;
		memcpy(&b, (const char *)o + c->offset, sizeof b);
		return b.p == NULL;
	}
	if (orm_type_is_ptr(c->type))
		return orm_get_ptr(o, c->offset) == NULL;
	uint64_t bit = UINT64_C(1) << c->index;
	bool nb = (o->nulls & bit) != 0;
	const struct orm_obj *snap = o->snapshot;
	if (!snap)
		return nb;
	bool sn = (snap->nulls & bit) != 0;
	if (nb != sn)
		return nb; /* orm_set_null / orm_touch said so */
	if (!nb)
		return false;
	/* NULL before and still flagged: a new value means one was assigned. */
	return memcmp((const char *)o + c->offset, (const char *)snap + c->offset,
		      orm_field_size(c->type)) == 0;
}

struct orm_value orm_field_value(const void *obj, const struct orm_column *c)
{
	if (orm_effective_null(obj, c))
		return orm_null();
	const char *f = (const char *)obj + c->offset;
	switch (c->type) {
	case ORM_FLOAT: {
		double d;
		memcpy(&d, f, sizeof d);
		return orm_dbl(d);
	}
	case ORM_NUMERIC:
		return orm_dec(orm_get_ptr(obj, c->offset));
	case ORM_STRING:
	case ORM_TEXT:
	case ORM_UNICODE:
	case ORM_UNICODE_TEXT:
	case ORM_ENUM:
		return orm_str(orm_get_ptr(obj, c->offset));
	case ORM_BINARY: {
		struct orm_bytes b;
		memcpy(&b, f, sizeof b);
		return orm_bytes(b.p, b.n);
	}
	default:
		return orm_int(orm_get_int(obj, c));
	}
}

/* ------------------------------------------------------------------ */
/* Binding                                                              */

union stage {
	int64_t i64;
	int32_t i32;
	int16_t i16;
	signed char i8;
	double d;
	MYSQL_TIME t;
};

static void to_mysql_time(enum orm_type t, int64_t v, MYSQL_TIME *mt)
{
	memset(mt, 0, sizeof *mt);
	if (t == ORM_TIME) {
		uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		mt->neg = v < 0;
		/* the wire format holds days + an hour byte */
		mt->day = (unsigned)(a / 86400);
		mt->hour = (unsigned)(a / 3600 % 24);
		mt->minute = (unsigned)(a / 60 % 60);
		mt->second = (unsigned)(a % 60);
		mt->time_type = MYSQL_TIMESTAMP_TIME;
		return;
	}
	int64_t days = v, secs = 0;
	if (t == ORM_DATETIME) {
		days = v >= 0 ? v / 86400 : -((-(v + 1)) / 86400) - 1;
		secs = v - days * 86400;
	}
	int64_t y;
	unsigned m, d;
	orm_civil_from_days(days, &y, &m, &d);
	mt->year = y < 0 ? 0 : (unsigned)y;
	mt->month = m;
	mt->day = d;
	mt->hour = (unsigned)(secs / 3600);
	mt->minute = (unsigned)(secs / 60 % 60);
	mt->second = (unsigned)(secs % 60);
	mt->time_type = t == ORM_DATE ? MYSQL_TIMESTAMP_DATE : MYSQL_TIMESTAMP_DATETIME;
}

static int64_t from_mysql_time(enum orm_type t, const MYSQL_TIME *mt)
{
	if (t == ORM_TIME) {
		/* the binary protocol may split long TIMEs into days + hours */
		int64_t s = ((int64_t)mt->day * 24 + mt->hour) * 3600 + mt->minute * 60 + mt->second;
		return mt->neg ? -s : s;
	}
	int64_t days = orm_days_from_civil(mt->year, mt->month ? mt->month : 1, mt->day ? mt->day : 1);
	if (t == ORM_DATE)
		return days;
	return days * 86400 + (int64_t)mt->hour * 3600 + mt->minute * 60 + mt->second;
}

static void bind_param(MYSQL_BIND *b, union stage *sg, const struct orm_param *p)
{
	static char empty[1];
	memset(b, 0, sizeof *b);
	const struct orm_value *v = &p->v;
	int ct = p->col ? (int)p->col->type : -1;
	switch (v->kind) {
	case ORM_V_NULL:
		b->buffer_type = MYSQL_TYPE_NULL;
		break;
	case ORM_V_INT:
		if (ct == ORM_DATE || ct == ORM_TIME || ct == ORM_DATETIME) {
			to_mysql_time((enum orm_type)ct, v->i, &sg->t);
			b->buffer_type = ct == ORM_DATE ? MYSQL_TYPE_DATE
				       : ct == ORM_TIME ? MYSQL_TYPE_TIME
							: MYSQL_TYPE_DATETIME;
			b->buffer = &sg->t;
		} else {
			sg->i64 = v->i;
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &sg->i64;
		}
		break;
	case ORM_V_DOUBLE:
		sg->d = v->d;
		b->buffer_type = MYSQL_TYPE_DOUBLE;
		b->buffer = &sg->d;
		break;
	case ORM_V_TEXT:
	case ORM_V_DECIMAL:
	case ORM_V_BYTES:
		/* A decimal goes as DECIMAL so that comparisons stay exact
		 * (a string compared with a DECIMAL column is compared as a
		 * double). */
		b->buffer_type = v->kind == ORM_V_BYTES ? MYSQL_TYPE_BLOB
			       : (v->kind == ORM_V_DECIMAL || ct == ORM_NUMERIC) ? MYSQL_TYPE_NEWDECIMAL
										  : MYSQL_TYPE_STRING;
		b->buffer = v->s.p ? (void *)v->s.p : empty;
		b->buffer_length = v->s.n;
		break;
	}
}

int orm_run(struct orm_session *s, const char *sql, const struct orm_params *ps, MYSQL_STMT **out)
{
	*out = NULL;
	if (!sql || (ps && ps->oom))
		return orm_fail(s, ORM_NOMEM, "out of memory building a statement");
	s->last_sql = sql;
	if (s->sql_hook)
		s->sql_hook(s->sql_hook_ctx, sql);
	size_t n = ps ? ps->n : 0;
	MYSQL_BIND *binds = NULL;
	if (n) {
		binds = arena_calloc(s->arena, n, sizeof *binds);
		union stage *stages = arena_calloc(s->arena, n, sizeof *stages);
		if (!binds || !stages)
			return orm_fail(s, ORM_NOMEM, "out of memory binding parameters");
		for (size_t i = 0; i < n; i++)
			bind_param(&binds[i], &stages[i], &ps->v[i]);
	}
	for (int attempt = 0;; attempt++) {
		if (s->in_txn && s->db->connects != s->txn_connects)
			return orm_fail(s, ORM_DB, "connection lost inside a transaction");
		bool had_conn = s->db->conn != NULL;
		MYSQL_STMT *st = db_prepare(s->db, sql);
		if (!st) {
			if (!s->in_txn && attempt == 0 && had_conn && !s->db->conn)
				continue; /* a stale connection: reconnect once */
			return orm_fail_db(s);
		}
		if (mysql_stmt_param_count(st) != n)
			return orm_fail(s, ORM_MISUSE, "statement wants %lu parameters, got %zu",
					mysql_stmt_param_count(st), n);
		if (n && mysql_stmt_bind_param(st, binds)) {
			db_note_error(s->db, mysql_stmt_errno(st), mysql_stmt_error(st));
			return orm_fail_db(s);
		}
		if (db_stmt_execute(s->db, st) < 0) {
			if (!s->in_txn && attempt == 0 && db_errno_is_connection(s->db->last_errno))
				continue;
			int rc = orm_fail_db(s);
			/* A statement with a result set (INSERT ... RETURNING)
			 * that failed is left mid-state by the connector: the
			 * next execute would read a packet that never comes. */
			if (s->db->conn)
				mysql_stmt_reset(st);
			return rc;
		}
		*out = st;
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Fetching                                                             */

struct rowbind {
	MYSQL_BIND *b;
	union stage *st;
	my_bool *isnull;
	my_bool *error;
	unsigned long *len;
	size_t n;
};

static int rowbind_alloc(struct orm_session *s, struct rowbind *rb, size_t n)
{
	rb->n = n;
	rb->b = arena_calloc(s->arena, n, sizeof *rb->b);
	rb->st = arena_calloc(s->arena, n, sizeof *rb->st);
	rb->isnull = arena_calloc(s->arena, n, sizeof *rb->isnull);
	rb->error = arena_calloc(s->arena, n, sizeof *rb->error);
	rb->len = arena_calloc(s->arena, n, sizeof *rb->len);
	if (!rb->b || !rb->st || !rb->isnull || !rb->error || !rb->len)
		return orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
	return 0;
}

static void bind_result(struct rowbind *rb, size_t i, enum orm_type t)
{
	MYSQL_BIND *b = &rb->b[i];
	union stage *sg = &rb->st[i];
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
	if (len) {
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
	const union stage *sg = &rb->st[i];
	switch (t) {
	case ORM_INTEGER:
	case ORM_SMALLINT:
	case ORM_BIGINT: *out = orm_int(staged_int(rb, i, t)); return 0;
	case ORM_BOOLEAN: *out = orm_int(sg->i8 != 0); return 0;
	case ORM_FLOAT: *out = orm_dbl(sg->d); return 0;
	case ORM_DATE:
	case ORM_TIME:
	case ORM_DATETIME: *out = orm_int(from_mysql_time(t, &sg->t)); return 0;
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



int orm_fetch_objects(struct orm_session *s, MYSQL_STMT *st, const struct orm_model *m,
		      struct orm_list *out, int64_t **keys)
{
	int rc = 0;
	struct rowbind rb;
	size_t nc = m->ncolumns + (keys ? 1 : 0);
	int64_t *kv = NULL;
	if (mysql_stmt_field_count(st) != nc) {
		rc = orm_fail(s, ORM_MISUSE, "result has %u columns, model %s has %zu",
			      mysql_stmt_field_count(st), m->name, nc);
		goto out;
	}
	if ((rc = rowbind_alloc(s, &rb, nc)))
		goto out;
	for (size_t i = 0; i < m->ncolumns; i++)
		bind_result(&rb, i, m->columns[i].type);
	if (keys)
		bind_result(&rb, m->ncolumns, ORM_BIGINT);
	if (mysql_stmt_bind_result(st, rb.b) || mysql_stmt_store_result(st)) {
		rc = stmt_error(s, st);
		goto out;
	}
	size_t nrows = (size_t)mysql_stmt_num_rows(st);
	if (keys) {
		kv = arena_alloc(s->arena, (nrows ? nrows : 1) * sizeof *kv);
		if (!kv) {
			rc = orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
			goto out;
		}
		*keys = kv;
	}
	size_t pk = m->pk->index, got = 0;
	for (;;) {
		int f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			rc = stmt_error(s, st);
			goto out;
		}
		int64_t id = staged_int(&rb, pk, m->pk->type);
		struct orm_obj *o = orm_idmap_find(s, m, id);
		if (o && o->state == ORM_DELETED)
			continue; /* deleted in this session: as if flushed */
		if (o && (o->expired || (s->refresh_rows && !o->in_txn_log && !orm_obj_dirty(o)))) {
			/* populate_existing: values read before a rollback, or
			 * a locking read (FOR UPDATE) of an unchanged object,
			 * take the row's current values in place */
			for (size_t i = 0; i < m->ncolumns && !rc; i++)
				rc = store_col(s, st, &rb, i, o, &m->columns[i]);
			if (rc)
				goto out;
			memcpy(o->snapshot, o, m->size);
			o->touched = 0;
			o->expired = false;
		}
		if (!o) {
			o = arena_calloc(s->arena, 1, m->size);
			void *snap = arena_alloc(s->arena, m->size);
			if (!o || !snap) {
				rc = orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
				goto out;
			}
			o->model = m;
			for (size_t i = 0; i < m->ncolumns && !rc; i++)
				rc = store_col(s, st, &rb, i, o, &m->columns[i]);
			if (rc)
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
			kv[got] = rb.isnull[m->ncolumns] ? 0 : rb.st[m->ncolumns].i64;
		got++;
	}
out:
	mysql_stmt_free_result(st);
	return rc;
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

int64_t orm_value_int(struct orm_value v)
{
	switch (v.kind) {
	case ORM_V_INT: return v.i;
	case ORM_V_DOUBLE: return (int64_t)v.d;
	case ORM_V_TEXT:
	case ORM_V_DECIMAL: {
		char tmp[64];
		size_t n = v.s.n < sizeof tmp - 1 ? v.s.n : sizeof tmp - 1;
		memcpy(tmp, v.s.p, n);
		tmp[n] = '\0';
		return strtoll(tmp, NULL, 10);
	}
	default: return 0;
	}
}

double orm_value_double(struct orm_value v)
{
	switch (v.kind) {
	case ORM_V_INT: return (double)v.i;
	case ORM_V_DOUBLE: return v.d;
	case ORM_V_TEXT:
	case ORM_V_DECIMAL: {
		char tmp[128];
		size_t n = v.s.n < sizeof tmp - 1 ? v.s.n : sizeof tmp - 1;
		memcpy(tmp, v.s.p, n);
		tmp[n] = '\0';
		return strtod(tmp, NULL);
	}
	default: return 0;
	}
}

size_t orm_in_bucket(size_t n)
{
	if (n > 4096)
		return n;
	size_t b = 1;
	while (b < n)
		b *= 2;
	return b;
}

int orm_list_push(struct orm_session *s, struct orm_list *l, struct orm_obj *o)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct orm_obj **ni = arena_alloc(s->arena, ncap * sizeof *ni);
		if (!ni)
			return orm_fail(s, ORM_NOMEM, "out of memory growing a list");
		if (l->n)
			memcpy(ni, l->items, l->n * sizeof *ni);
		l->items = ni;
		l->cap = ncap;
	}
	l->items[l->n++] = o;
	return 0;
}

void orm_list_remove(struct orm_list *l, const struct orm_obj *o)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i] == o) {
			memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof *l->items);
			l->n--;
			return;
		}
}

bool orm_list_contains(const struct orm_list *l, const void *obj)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i] == obj)
			return true;
	return false;
}
