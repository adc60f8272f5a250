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
	unsigned char *type; /* enum orm_type of each column */
	/* Read straight from the stored rows (rowbind_bind): how each
	 * column's bytes become its stage, and where its text starts. */
	unsigned char *kind;
	const unsigned char **raw;
	MYSQL_ROWS *cur; /* the next stored row */
	char *pool; /* the text of every row, copied once (fetch_bytes) */
	size_t pool_left;
	bool direct;
};

/* Text columns are bound to a buffer of this many bytes: text shorter than
 * that is copied from it, longer text read with mysql_stmt_fetch_column. */
#define ROW_INLINE 128

static int rowbind_alloc(struct orm_session *s, struct rowbind *rb, size_t n)
{
	/* one zeroed block for the arrays every statement uses; the bound
	 * buffers (b) only when the statement binds them (rowbind_bind) */
	size_t sz = n * (sizeof *rb->st + sizeof *rb->len + sizeof *rb->raw + sizeof *rb->isnull +
			 sizeof *rb->error + 2);
	char *p = n < SIZE_MAX / 128 ? arena_alloc(s->arena, sz ? sz : 1) : NULL;
	rb->n = n;
	rb->direct = false;
	rb->inl = NULL;
	rb->b = NULL;
	if (!p)
		return orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
	memset(p, 0, sz);
	rb->st = (union orm_stage *)p; /* the most aligned first */
	p += n * sizeof *rb->st;
	rb->len = (unsigned long *)p;
	p += n * sizeof *rb->len;
	rb->raw = (const unsigned char **)p;
	p += n * sizeof *rb->raw;
	rb->isnull = (my_bool *)p;
	p += n * sizeof *rb->isnull;
	rb->error = (my_bool *)p;
	p += n * sizeof *rb->error;
	rb->type = (unsigned char *)p;
	rb->kind = (unsigned char *)p + n;
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

/* ------------------------------------------------------------------ */
/* Columns read straight from the stored row                            */

/* mysql_stmt_fetch converts each column of each row into the MYSQL_BIND
 * buffers (a call through a table per column, a switch on the buffer
 * type, bounds and truncation checks, a NUL written): most of a result's
 * cost. When every column's wire type is one its ORM type takes without
 * conversion, the rows that mysql_stmt_store_result keeps (binary protocol
 * packets, a list from mysql_stmt_row_tell, valid until
 * mysql_stmt_free_result) are read here instead, as the connector would
 * have read them: integers as they are (a narrower wire integer widened
 * by its signedness), dates and times as the connector's MYSQL_TIME, text
 * and bytes left where they lie (copied once, into the arena, by
 * fetch_bytes: no ROW_INLINE buffer, no second read of long text).
 * Anything else (a FLOAT column read as double, a number read as text, a
 * wider integer into a narrower field) keeps the bound buffers and
 * mysql_stmt_fetch. Decided once per statement (rowbind_bind). Objects
 * are read with a plan made once per statement too (row_into): each column
 * straight into its field of the new object, no stage in between. */
enum col_kind {
	CK_SLOW,  /* not read directly: the statement binds buffers */
	CK_COPY1, /* 1, 2, 4, 8 bytes as they are (little-endian: the stage's own layout) */
	CK_COPY2,
	CK_COPY4,
	CK_COPY8,
	CK_S1, /* a signed 1-, 2- or 4-byte integer into a wider stage */
	CK_S2,
	CK_S4,
	CK_U1, /* the same, unsigned */
	CK_U2,
	CK_U4,
	CK_DATE, /* DATE, DATETIME, TIMESTAMP: MYSQL_TIME */
	CK_TIME, /* TIME: MYSQL_TIME as hours (days * 24 + hour) */
	CK_TEXT, /* length-prefixed bytes, left in the row */
};

/* The bytes of the wire integer types, 0 for others. */
static unsigned wire_int_size(enum enum_field_types ft)
{
	switch (ft) {
	case MYSQL_TYPE_TINY: return 1;
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_YEAR: return 2;
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24: return 4;
	case MYSQL_TYPE_LONGLONG: return 8;
	default: return 0;
	}
}

static bool wire_is_text(enum enum_field_types ft)
{
	switch (ft) {
	case MYSQL_TYPE_VARCHAR:
	case MYSQL_TYPE_VAR_STRING:
	case MYSQL_TYPE_STRING:
	case MYSQL_TYPE_TINY_BLOB:
	case MYSQL_TYPE_BLOB:
	case MYSQL_TYPE_MEDIUM_BLOB:
	case MYSQL_TYPE_LONG_BLOB:
	case MYSQL_TYPE_DECIMAL:
	case MYSQL_TYPE_NEWDECIMAL:
	case MYSQL_TYPE_ENUM:
	case MYSQL_TYPE_SET:
	case MYSQL_TYPE_JSON:
		return true;
	default:
		return false;
	}
}

/* How a column of wire type f reaches a stage of ORM type t. */
static enum col_kind col_kind(const MYSQL_FIELD *f, enum orm_type t)
{
	unsigned w = wire_int_size(f->type), want;
	bool uns = (f->flags & UNSIGNED_FLAG) != 0;
	switch (t) {
	case ORM_BOOLEAN: want = 1; break;
	case ORM_SMALLINT: want = 2; break;
	case ORM_INTEGER: want = 4; break;
	case ORM_BIGINT: want = 8; break;
	case ORM_FLOAT: return f->type == MYSQL_TYPE_DOUBLE ? CK_COPY8 : CK_SLOW;
	case ORM_DATE:
	case ORM_DATETIME:
		return f->type == MYSQL_TYPE_DATE || f->type == MYSQL_TYPE_DATETIME ||
				       f->type == MYSQL_TYPE_TIMESTAMP
			       ? CK_DATE
			       : CK_SLOW;
	case ORM_TIME: return f->type == MYSQL_TYPE_TIME ? CK_TIME : CK_SLOW;
	default: return orm_type_is_ptr(t) && wire_is_text(f->type) ? CK_TEXT : CK_SLOW;
	}
	if (!w || w > want)
		return CK_SLOW;
	if (w == want)
		return w == 1 ? CK_COPY1 : w == 2 ? CK_COPY2 : w == 4 ? CK_COPY4 : CK_COPY8;
	if (w == 1)
		return uns ? CK_U1 : CK_S1;
	return w == 2 ? (uns ? CK_U2 : CK_S2) : (uns ? CK_U4 : CK_S4);
}

/* Column i, not NULL, at p (the row ends at end) into its stage; the
 * byte after it, or NULL when the row is shorter than the column says. */
static const unsigned char *col_decode(struct rowbind *rb, size_t i, const unsigned char *p,
				       const unsigned char *end)
{
	union orm_stage *sg = &rb->st[i];
	size_t left = (size_t)(end - p);
	switch ((enum col_kind)rb->kind[i]) {
	case CK_COPY1: return left < 1 ? NULL : (memcpy(sg, p, 1), p + 1);
	case CK_COPY2: return left < 2 ? NULL : (memcpy(sg, p, 2), p + 2);
	case CK_COPY4: return left < 4 ? NULL : (memcpy(sg, p, 4), p + 4);
	case CK_COPY8: return left < 8 ? NULL : (memcpy(sg, p, 8), p + 8);
	case CK_S1:
	case CK_U1:
		if (left < 1)
			return NULL;
		sg->i64 = rb->kind[i] == CK_S1 ? (int64_t)(signed char)p[0] : (int64_t)p[0];
		p += 1;
		break;
	case CK_S2:
	case CK_U2: {
		if (left < 2)
			return NULL;
		uint16_t u = (uint16_t)(p[0] | p[1] << 8);
		sg->i64 = rb->kind[i] == CK_S2 ? (int64_t)(int16_t)u : (int64_t)u;
		p += 2;
		break;
	}
	case CK_S4:
	case CK_U4: {
		if (left < 4)
			return NULL;
		uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			     (uint32_t)p[3] << 24;
		sg->i64 = rb->kind[i] == CK_S4 ? (int64_t)(int32_t)u : (int64_t)u;
		p += 4;
		break;
	}
	case CK_DATE:
	case CK_TIME: {
		/* as the connector's convert_to_datetime: a length byte, then
		 * year (2), month, day, hour, minute, second, µs (4); a TIME:
		 * sign, days (4), hour, minute, second, µs (4), read as hours */
		unsigned n = left ? p[0] : 0;
		const unsigned char *q = p + 1;
		MYSQL_TIME *t = &sg->t;
		if (!left || left - 1 < n || (n && n < (rb->kind[i] == CK_TIME ? 5u : 4u)) ||
		    (n > 4 && n < (rb->kind[i] == CK_TIME ? 8u : 7u)))
			return NULL;
		memset(t, 0, sizeof *t);
		if (n && rb->kind[i] == CK_TIME) {
			uint32_t days = (uint32_t)q[1] | (uint32_t)q[2] << 8 |
					(uint32_t)q[3] << 16 | (uint32_t)q[4] << 24;
			t->neg = q[0];
			t->time_type = MYSQL_TIMESTAMP_TIME;
			if (n > 4) {
				t->hour = q[5] + days * 24;
				t->minute = q[6];
				t->second = q[7];
			}
		} else if (n) {
			t->year = (unsigned)(int16_t)(q[0] | q[1] << 8);
			t->month = q[2];
			t->day = q[3];
			t->time_type = MYSQL_TIMESTAMP_DATE;
			if (n > 4) {
				t->hour = q[4];
				t->minute = q[5];
				t->second = q[6];
				t->time_type = MYSQL_TIMESTAMP_DATETIME;
			}
		}
		return q + n;
	}
	default: { /* CK_TEXT: a length-encoded integer, then the bytes */
		uint64_t n;
		if (!left)
			return NULL;
		if (p[0] < 251) {
			n = p[0];
			p += 1;
		} else {
			unsigned w = p[0] == 252 ? 2 : p[0] == 253 ? 3 : p[0] == 254 ? 8 : 0;
			if (!w || left < 1 + (size_t)w)
				return NULL;
			n = 0;
			for (unsigned k = w; k >= 1; k--)
				n = n << 8 | p[k];
			p += 1 + w;
		}
		if (n > (uint64_t)(end - p))
			return NULL;
		rb->raw[i] = p;
		rb->len[i] = (unsigned long)n;
		return p + n;
	}
	}
	/* a widened integer: the stage its ORM type reads */
	int64_t v = sg->i64;
	switch ((enum orm_type)rb->type[i]) {
	case ORM_SMALLINT: sg->i16 = (int16_t)v; break;
	case ORM_INTEGER: sg->i32 = (int32_t)v; break;
	default: break;
	}
	return p;
}

/* A stored row (a binary protocol row packet: a 0 byte, the NULL bitmap
 * with two bits skipped, the columns that are not NULL) into rb's stages.
 * 0, or -1 when the packet is not one. */
static int row_decode(struct rowbind *rb, const MYSQL_ROWS *r)
{
	const unsigned char *p = (const unsigned char *)r->data, *end = p + r->length;
	size_t nb = (rb->n + 9) / 8;
	if (r->length < 1 + nb || p[0] != 0)
		return -1;
	const unsigned char *nulls = p + 1;
	p += 1 + nb;
	for (size_t i = 0; i < rb->n; i++) {
		size_t bit = i + 2;
		rb->isnull[i] = nulls[bit >> 3] >> (bit & 7) & 1;
		if (!rb->isnull[i] && !(p = col_decode(rb, i, p, end)))
			return -1;
	}
	return 0;
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

/* Can st's stored rows be read directly (col_kind of every column)? */
static bool rowbind_direct(MYSQL_STMT *st, struct rowbind *rb)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	return false; /* CK_COPY* copy the wire's little-endian bytes as they are */
#endif
	const MYSQL_FIELD *f = mariadb_stmt_fetch_fields(st);
	if (!f)
		return false;
	for (size_t i = 0; i < rb->n; i++) {
		enum col_kind k = col_kind(&f[i], (enum orm_type)rb->type[i]);
		if (k == CK_SLOW)
			return false;
		rb->kind[i] = (unsigned char)k;
	}
	return true;
}

/* Store the result of st and make ready to read it into rb (whose types
 * are set): directly, or through buffers bound for mysql_stmt_fetch.
 * 0 or an orm_err. */
static int rowbind_bind(struct orm_session *s, MYSQL_STMT *st, struct rowbind *rb)
{
	rb->direct = rowbind_direct(st, rb);
	if (!rb->direct) {
		rb->inl = arena_alloc(s->arena, rb->n * ROW_INLINE);
		rb->b = arena_calloc(s->arena, rb->n, sizeof *rb->b);
		if (!rb->inl || !rb->b)
			return orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
		for (size_t i = 0; i < rb->n; i++)
			bind_result(rb, i, (enum orm_type)rb->type[i]);
		if (mysql_stmt_bind_result(st, rb->b))
			return stmt_error(s, st);
	}
	if (mysql_stmt_store_result(st))
		return stmt_error(s, st);
	rb->cur = NULL;
	rb->pool = NULL;
	rb->pool_left = 0;
	if (!rb->direct)
		return 0;
	rb->cur = mysql_stmt_row_tell(st);
	/* Room for the text of every row in one allocation: a text column
	 * takes at least its bytes and a length byte of its row's packet, so
	 * the packets' size is enough for each text and its NUL. At most half
	 * an arena block (an oversized block would be malloc'ed and freed
	 * each request): text beyond it is allocated value by value. */
	bool text = false;
	for (size_t i = 0; i < rb->n; i++)
		text |= rb->kind[i] == CK_TEXT;
	if (text) {
		size_t total = 0;
		size_t cap = s->arena->block_size / 2;
		for (const MYSQL_ROWS *r = rb->cur; r && total < cap; r = r->next)
			total += r->length;
		if (total > cap)
			total = cap;
		rb->pool = arena_alloc(s->arena, total ? total : 1);
		if (!rb->pool)
			return orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
		rb->pool_left = total;
	}
	return 0;
}

/* The next row of st into rb: 0 with *got true (a row) or false (no more
 * rows), or an orm_err. */
static int rowbind_fetch(struct orm_session *s, MYSQL_STMT *st, struct rowbind *rb, bool *got)
{
	*got = false;
	if (rb->direct) {
		if (!rb->cur)
			return 0;
		if (row_decode(rb, rb->cur))
			return orm_fail(s, ORM_DB, "a result row that does not match its columns");
		rb->cur = rb->cur->next;
		*got = true;
		return 0;
	}
	int f = mysql_stmt_fetch(st);
	if (f == MYSQL_NO_DATA)
		return 0;
	if (f == 1)
		return stmt_error(s, st);
	*got = true; /* 0, or MYSQL_DATA_TRUNCATED: long text is read by fetch_bytes */
	return 0;
}

/* The result of st read or given up: freed. A lost connection took st
 * with it (db_disconnect closes the cached statements): nothing to do. */
static void rowbind_done(struct orm_session *s, MYSQL_STMT *st)
{
	if (s->db->conn)
		mysql_stmt_free_result(st);
}

/* The bytes of a variable-length column of the current row, copied into
 * the arena with a NUL after them. */
static int fetch_bytes(struct orm_session *s, MYSQL_STMT *st, struct rowbind *rb, size_t i,
		       char **out)
{
	unsigned long len = rb->len[i];
	char *p;
	if (rb->direct && (size_t)len < rb->pool_left) { /* into the result's text pool */
		p = rb->pool;
		rb->pool += (size_t)len + 1;
		rb->pool_left -= (size_t)len + 1;
		memcpy(p, rb->raw[i], len);
		p[len] = '\0';
		*out = p;
		return 0;
	}
	p = arena_alloc(s->arena, (size_t)len + 1);
	if (!p)
		return orm_fail(s, ORM_NOMEM, "out of memory fetching a value");
	if (rb->direct)
		memcpy(p, rb->raw[i], len);
	else if (rb->b[i].buffer && len < rb->b[i].buffer_length) { /* all of it came with the row */
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
static inline __attribute__((always_inline)) int store_col(struct orm_session *s, MYSQL_STMT *st,
							  struct rowbind *rb, size_t i,
			    struct orm_obj *o, const struct orm_column *c)
{
	uint64_t bit = UINT64_C(1) << c->index;
	char *f = (char *)o + c->offset;
	const union orm_stage *sg = &rb->st[i];
	if (rb->isnull[i]) {
		memset(f, 0, orm_field_size(c->type));
		o->nulls |= bit;
		return 0;
	}
	o->nulls &= ~bit;
	switch (c->type) {
	case ORM_INTEGER: memcpy(f, &sg->i32, sizeof sg->i32); return 0;
	case ORM_SMALLINT: memcpy(f, &sg->i16, sizeof sg->i16); return 0;
	case ORM_BIGINT: memcpy(f, &sg->i64, sizeof sg->i64); return 0;
	case ORM_BOOLEAN: {
		bool b = sg->i8 != 0;
		memcpy(f, &b, sizeof b);
		return 0;
	}
	case ORM_FLOAT: memcpy(f, &sg->d, sizeof sg->d); return 0;
	case ORM_DATE:
	case ORM_TIME:
	case ORM_DATETIME: orm_put_int(o, c, orm_time_from_mysql(c->type, &sg->t)); return 0;
	default: {
		char *p = NULL;
		int rc = fetch_bytes(s, st, rb, i, &p);
		if (rc)
			return rc;
		if (c->type == ORM_BINARY) {
			struct orm_bytes b = {p, rb->len[i]};
			memcpy(f, &b, sizeof b);
		} else {
			orm_put_ptr(o, c->offset, p);
		}
		return 0;
	}
	}
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

/* Columns in mask of from (a row read into a new, zeroed object by
 * row_into or store_cols) into o: each field and its null bit, as
 * store_col would have written them into o. */
static void copy_cols(struct orm_obj *o, const struct orm_obj *from, const struct orm_model *m,
		      const unsigned char *cols, size_t ncols, uint64_t mask)
{
	for (size_t p = 0; p < ncols; p++) {
		const struct orm_column *c = &m->columns[cols[p]];
		uint64_t bit = UINT64_C(1) << c->index;
		if (!(mask & bit))
			continue;
		memcpy((char *)o + c->offset, (const char *)from + c->offset,
		       orm_field_size(c->type));
		o->nulls = (o->nulls & ~bit) | (from->nulls & bit);
	}
}

/* A column of the object in a result read by row_into: decided once per
 * statement, so that a row's columns cost a switch each and no lookups. */
struct colplan {
	const struct orm_column *c;
	uint32_t off;  /* the field's offset in the object */
	uint8_t kind;  /* enum col_kind */
	uint8_t index; /* the column's index (its null bit) */
};

/* A DATE, DATETIME or TIMESTAMP of the wire (as col_decode reads it)
 * straight into a DATE (days) or DATETIME (epoch seconds) field: what
 * orm_time_from_mysql would make of col_decode's MYSQL_TIME, without it.
 * The byte after it, or NULL when the row is shorter than it says. */
static inline const unsigned char *date_into(char *f, enum orm_type t, const unsigned char *p,
					     size_t left)
{
	unsigned n = left ? p[0] : 0;
	if (!left || left - 1 < n || (n && n < 4) || (n > 4 && n < 7))
		return NULL;
	const unsigned char *q = p + 1;
	unsigned year = 0, mon = 0, day = 0, h = 0, mi = 0, sec = 0;
	if (n) {
		year = (unsigned)(int16_t)(q[0] | q[1] << 8); /* as MYSQL_TIME's year */
		mon = q[2];
		day = q[3];
		if (n > 4) {
			h = q[4];
			mi = q[5];
			sec = q[6];
		}
	}
	int64_t days = orm_days_from_civil(year, mon ? mon : 1, day ? day : 1);
	if (t == ORM_DATE) {
		int32_t v = (int32_t)days;
		memcpy(f, &v, sizeof v);
	} else {
		int64_t v = days * 86400 + (int64_t)h * 3600 + mi * 60 + sec;
		memcpy(f, &v, sizeof v);
	}
	return q + n;
}

/* The nobj columns of the object (plan) of a stored row, from p (the
 * NULL bitmap at nulls; anynull: some bit of it is set), into o: see
 * row_into. Inlined twice, so that a row without NULLs looks at no bit.
 * 0, 1 when the row does not match its columns, or an orm_err. */
static inline __attribute__((always_inline)) int cols_into(struct orm_session *s, MYSQL_STMT *st,
							  struct rowbind *rb,
							  const struct colplan *plan, size_t nobj,
							  const unsigned char *nulls, bool anynull,
							  const unsigned char **pp,
							  const unsigned char *end, struct orm_obj *o)
{
	const unsigned char *p = *pp;
	for (size_t i = 0; i < nobj; i++) {
		const struct colplan *pl = &plan[i];
		size_t bit = i + 2;
		if (anynull && nulls[bit >> 3] >> (bit & 7) & 1) {
			o->nulls |= UINT64_C(1) << pl->index; /* the field stays zero */
			continue;
		}
		char *f = (char *)o + pl->off;
		size_t left = (size_t)(end - p);
		if (pl->kind == CK_COPY4) { /* the usual INTEGER: one test, no jump table */
			if (left < 4)
				return 1;
			memcpy(f, p, 4);
			p += 4;
			continue;
		}
		switch ((enum col_kind)pl->kind) {
		case CK_COPY2:
			if (left < 2)
				return 1;
			memcpy(f, p, 2);
			p += 2;
			break;
		case CK_COPY8:
			if (left < 8)
				return 1;
			memcpy(f, p, 8);
			p += 8;
			break;
		case CK_TEXT: {
			size_t n;
			if (left && p[0] < 251) { /* a one-byte length: short text */
				n = p[0];
				if (n >= left)
					return 1;
				rb->raw[i] = p + 1;
				p += 1 + n;
			} else if (!(p = col_decode(rb, i, p, end))) {
				return 1;
			} else {
				n = rb->len[i];
			}
			char *t;
			if (n < rb->pool_left) { /* into the result's text pool */
				t = rb->pool;
				rb->pool += n + 1;
				rb->pool_left -= n + 1;
				memcpy(t, rb->raw[i], n);
				t[n] = '\0';
			} else {
				rb->len[i] = (unsigned long)n;
				int rc = fetch_bytes(s, st, rb, i, &t);
				if (rc)
					return rc;
			}
			if (pl->c->type == ORM_BINARY) {
				struct orm_bytes b = {t, n};
				memcpy(f, &b, sizeof b);
			} else {
				memcpy(f, &t, sizeof t);
			}
			break;
		}
		case CK_DATE:
			if (pl->c->type == ORM_DATE || pl->c->type == ORM_DATETIME) {
				if (!(p = date_into(f, pl->c->type, p, left)))
					return 1;
				break;
			}
			/* fall through */
		default: { /* booleans, widened integers, times: through the stage */
			rb->isnull[i] = 0;
			if (!(p = col_decode(rb, i, p, end)))
				return 1;
			int rc = store_col(s, st, rb, i, o, pl->c);
			if (rc)
				return rc;
			break;
		}
		}
	}
	*pp = p;
	return 0;
}

/* A stored row (see row_decode) read straight into o, zeroed: the nobj
 * columns of the object (plan) into their fields, the rest (key, added
 * columns) into rb's stages. The common kinds are written here without a
 * stage; the others through col_decode and store_col. 0 or an orm_err. */
static int row_into(struct orm_session *s, MYSQL_STMT *st, struct rowbind *rb,
		    const struct colplan *plan, size_t nobj, const MYSQL_ROWS *r, struct orm_obj *o)
{
	const unsigned char *p = (const unsigned char *)r->data, *end = p + r->length;
	size_t nb = (rb->n + 9) / 8;
	if (r->length < 1 + nb || p[0] != 0)
		goto bad;
	const unsigned char *nulls = p + 1;
	p += 1 + nb;
	bool anynull = false; /* most rows have no NULL: no bit looked at per column */
	for (size_t k = 0; k < nb; k++)
		anynull |= nulls[k] != 0;
	int rc = anynull ? cols_into(s, st, rb, plan, nobj, nulls, true, &p, end, o)
			 : cols_into(s, st, rb, plan, nobj, nulls, false, &p, end, o);
	if (rc == 1)
		goto bad;
	if (rc)
		return rc;
	for (size_t i = nobj; i < rb->n; i++) {
		size_t bit = i + 2;
		rb->isnull[i] = nulls[bit >> 3] >> (bit & 7) & 1;
		if (!rb->isnull[i] && !(p = col_decode(rb, i, p, end)))
			goto bad;
	}
	return 0;
bad:
	return orm_fail(s, ORM_DB, "a result row that does not match its columns");
}

/* The rows of st: the columns of m in mask (declared order), then one key
 * column when keys, then nextra values typed by types[] into extra. */
static int fetch_objects(struct orm_session *s, MYSQL_STMT *st, const struct orm_model *m,
			 uint64_t mask, const enum orm_type *types, size_t nextra,
			 struct orm_list *out, int64_t **keys, struct orm_rows *extra)
{
	int rc = 0;
	struct rowbind rb = {0};
	unsigned char cols[ORM_MAX_COLUMNS];
	size_t ncols = 0;
	for (size_t i = 0; i < m->ncolumns; i++) {
		if (!(mask >> i & 1))
			continue;
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
	struct colplan plan[ORM_MAX_COLUMNS];
	if ((rc = rowbind_alloc(s, &rb, nc)))
		goto out;
	for (size_t p = 0; p < ncols; p++)
		rb.type[p] = (unsigned char)m->columns[cols[p]].type;
	if (keys)
		rb.type[kpos] = ORM_BIGINT;
	for (size_t k = 0; k < nextra; k++)
		rb.type[xpos + k] = (unsigned char)types[k];
	if ((rc = rowbind_bind(s, st, &rb)))
		goto out;
	for (size_t p = 0; p < ncols; p++) {
		const struct orm_column *c = &m->columns[cols[p]];
		plan[p] = (struct colplan){.c = c, .off = (uint32_t)c->offset,
					   .kind = rb.kind[p], .index = (uint8_t)c->index};
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
	if ((rc = orm_list_reserve_n(s, out, nrows)))
		goto out;
	uint64_t unloaded = orm_all_columns(m) & ~mask;
	bool pk32 = m->pk->type == ORM_INTEGER;
	size_t got = 0, left = nrows, nfree = 0;
	char *objs = NULL, *snaps = NULL; /* new objects and their snapshots, allocated together */
	for (;;) {
		if (rb.direct && !rb.cur)
			break; /* the last stored row read */
		if (!nfree) { /* room for this row and the rest of the result */
			/* at most half an arena block (see rowbind_bind) */
			size_t most = s->arena->block_size / 4 / m->size;
			nfree = left + 1 < most ? left + 1 : most ? most : 1;
			objs = nfree <= SIZE_MAX / 2 / m->size
				       ? arena_alloc(s->arena, nfree * 2 * m->size)
				       : NULL;
			if (!objs) {
				nfree = 0;
				rc = orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
				goto out;
			}
			snaps = objs + nfree * m->size;
		}
		/* Each row is read into the next new object (zeroed one by one:
		 * a memset of the whole block costs more than the small ones);
		 * a row whose object is already mapped leaves it for the next
		 * row, its values copied (copy_cols) where they are wanted. */
		struct orm_obj *n = memset(objs, 0, m->size);
		char *pool = rb.pool;
		size_t pool_left = rb.pool_left;
		if (rb.direct) {
			if ((rc = row_into(s, st, &rb, plan, ncols, rb.cur, n)))
				goto out;
			rb.cur = rb.cur->next;
		} else {
			bool row;
			if ((rc = rowbind_fetch(s, st, &rb, &row)))
				goto out;
			if (!row)
				break;
			if ((rc = store_cols(s, st, &rb, m, cols, ncols, mask, n)))
				goto out;
		}
		left -= left > 0;
		int64_t id;
		if (pk32) { /* the usual INTEGER key, read without orm_get_int's switch */
			int32_t v;
			memcpy(&v, (const char *)n + m->pk->offset, sizeof v);
			id = v;
		} else {
			id = orm_get_int(n, m->pk);
		}
		size_t slot;
		struct orm_obj *o = orm_idmap_find_slot(s, m, id, &slot);
		assert(!o || o->model == m);
		bool used = !o; /* the row's text is kept */
		if (o && o->state == ORM_DELETED) {
			rb.pool = pool; /* deleted in this session: as if flushed */
			rb.pool_left = pool_left;
			continue;
		}
		if (o && (o->expired || (s->refresh_rows && !o->in_txn_log && !orm_obj_dirty(o)))) {
			/* populate_existing: values read before a rollback, or
			 * a locking read (FOR UPDATE) of an unchanged object,
			 * take the row's current values in place */
			copy_cols(o, n, m, cols, ncols, mask);
			o->unloaded &= ~mask;
			memcpy(o->snapshot, o, m->size);
			o->touched = 0;
			o->expired = false;
			used = true;
		} else if (o && (o->unloaded & mask)) {
			/* a partly loaded object: the columns it lacks, in the
			 * object and in its snapshot (nothing else changes) */
			uint64_t fill = o->unloaded & mask;
			struct orm_obj *snap = o->snapshot;
			copy_cols(o, n, m, cols, ncols, fill);
			for (size_t p = 0; p < ncols; p++) {
				const struct orm_column *c = &m->columns[cols[p]];
				if (fill >> c->index & 1)
					memcpy((char *)snap + c->offset, (char *)o + c->offset,
					       orm_field_size(c->type));
			}
			snap->nulls = (snap->nulls & ~fill) | (o->nulls & fill);
			o->unloaded &= ~fill;
			snap->unloaded = o->unloaded;
			used = true;
		}
		if (!used) {
			rb.pool = pool;
			rb.pool_left = pool_left;
		}
		if (!o) {
			o = n;
			void *snap = snaps;
			objs += m->size;
			snaps += m->size;
			nfree--;
			o->model = m;
			o->unloaded = unloaded;
			memcpy(snap, o, m->size);
			o->snapshot = snap;
			o->state = ORM_PERSISTENT;
			/* orm_session_attach without its guards: a new object of
			 * this result (zeroed above) is in no list yet */
			o->session = s;
			if (s->objects_tail)
				s->objects_tail->next = o;
			else
				s->objects = o;
			s->objects_tail = o;
			if ((rc = orm_idmap_put_at(s, o, slot)))
				goto out;
		}
		if (out->n < out->cap) /* reserved above */
			out->items[out->n++] = o;
		else if ((rc = orm_list_push(s, out, o)))
			goto out;
		if (keys)
			kv[got] = rb.isnull[kpos] ? 0 : rb.st[kpos].i64;
		for (size_t k = 0; k < nextra; k++) {
			size_t i = xpos + k;
			struct orm_value *x = &extra->v[got * nextra + k];
			size_t n = rb.len[i];
			if (rb.direct && rb.kind[i] == CK_TEXT && !rb.isnull[i] && n < rb.pool_left &&
			    types[k] != ORM_BINARY) {
				/* staged_value's text (a total, a name), into the
				 * result's text pool without its calls */
				char *t = rb.pool;
				rb.pool += n + 1;
				rb.pool_left -= n + 1;
				memcpy(t, rb.raw[i], n);
				t[n] = '\0';
				*x = orm_strn(t, n);
				if (types[k] == ORM_NUMERIC)
					x->kind = ORM_V_DECIMAL;
			} else if ((rc = staged_value(s, st, &rb, i, types[k], x))) {
				goto out;
			}
		}
		got++;
		if (extra)
			extra->nrows = got;
	}
out:
	rowbind_done(s, st);
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
	struct rowbind rb = {0};
	if (mysql_stmt_field_count(st) != n) {
		rc = orm_fail(s, ORM_MISUSE, "RETURNING gave %u columns, wanted %zu",
			      mysql_stmt_field_count(st), n);
		goto out;
	}
	if ((rc = rowbind_alloc(s, &rb, n)))
		goto out;
	for (size_t i = 0; i < n; i++)
		rb.type[i] = (unsigned char)cols[i]->type;
	if ((rc = rowbind_bind(s, st, &rb)))
		goto out;
	bool row;
	if ((rc = rowbind_fetch(s, st, &rb, &row)))
		goto out;
	if (!row) {
		rc = orm_fail(s, ORM_DB, "RETURNING gave no row");
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = store_col(s, st, &rb, i, obj, cols[i]);
out:
	rowbind_done(s, st);
	return rc;
}

int orm_fetch_rows(struct orm_session *s, MYSQL_STMT *st, const enum orm_type *types, size_t nc,
		   struct orm_rows *out)
{
	int rc = 0;
	struct rowbind rb = {0};
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
		rb.type[i] = (unsigned char)types[i];
	if ((rc = rowbind_bind(s, st, &rb)))
		goto out;
	size_t nrows = (size_t)mysql_stmt_num_rows(st);
	out->v = arena_calloc(s->arena, nrows * nc + 1, sizeof *out->v);
	if (!out->v) {
		rc = orm_fail(s, ORM_NOMEM, "out of memory fetching rows");
		goto out;
	}
	for (size_t r = 0; r < nrows; r++) {
		bool got;
		if ((rc = rowbind_fetch(s, st, &rb, &got)))
			goto out;
		if (!got)
			break;
		struct orm_value *row = &out->v[r * nc];
		for (size_t i = 0; i < nc; i++)
			if ((rc = staged_value(s, st, &rb, i, types[i], &row[i])))
				goto out;
		out->nrows++;
	}
out:
	rowbind_done(s, st);
	return rc;
}
