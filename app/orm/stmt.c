/* stmt.c — the ORM's side of a prepared statement: SQL text and parameters
 * built in the session's arena, values typed by the column they meet, and
 * execution through the db layer's one statement path (db_stmt_run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>

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

void orm_sqlb_put_grow(struct orm_sqlb *b, const char *s, size_t n)
{
	if (!sqlb_room(b, n))
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
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

size_t orm_in_bucket(size_t n)
{
	if (n > 4096)
		return n;
	size_t b = 1;
	while (b < n)
		b *= 2;
	return b;
}

/* ------------------------------------------------------------------ */
/* Binding and execution                                                */

/* p as the db layer's typed value: the column it meets decides how an
 * integer travels (a date, time or datetime column gets a MYSQL_TIME). */
static struct db_val to_db_val(const struct orm_param *p)
{
	const struct orm_value *v = &p->v;
	int ct = p->col ? (int)p->col->type : -1;
	struct db_val d = db_v_null();
	switch (v->kind) {
	case ORM_V_NULL:
		break;
	case ORM_V_INT:
		if (ct == ORM_DATE || ct == ORM_TIME || ct == ORM_DATETIME) {
			d.type = ct == ORM_DATE ? DB_DATE : ct == ORM_TIME ? DB_TIME : DB_DATETIME;
			orm_time_to_mysql((enum orm_type)ct, v->i, &d.t);
		} else {
			d = db_v_int(v->i);
		}
		break;
	case ORM_V_DOUBLE:
		d = db_v_double(v->d);
		break;
	case ORM_V_TEXT:
	case ORM_V_DECIMAL:
	case ORM_V_BYTES:
		/* A decimal goes as DECIMAL so that comparisons stay exact
		 * (a string compared with a DECIMAL column is compared as a
		 * double). */
		d = db_v_text(v->s.p, v->s.n);
		if (v->kind == ORM_V_BYTES)
			d.type = DB_BLOB;
		else if (v->kind == ORM_V_DECIMAL || ct == ORM_NUMERIC)
			d.type = DB_DECIMAL;
		break;
	}
	return d;
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
	struct db_val *vals = NULL;
	if (n) {
		vals = arena_calloc(s->arena, n, sizeof *vals);
		if (!vals)
			return orm_fail(s, ORM_NOMEM, "out of memory binding parameters");
		for (size_t i = 0; i < n; i++)
			vals[i] = to_db_val(&ps->v[i]);
	}
	/* A connection lost inside a transaction took its work with it: the
	 * transaction fails as a whole (db_stmt_run would not reconnect in
	 * one either, but the connection may already be a new one). */
	if (s->in_txn && s->db->connects != s->txn_connects)
		return orm_fail(s, ORM_DB, "connection lost inside a transaction");
	if (db_stmt_run(s->db, sql, vals, n, out) < 0) {
		if (s->db->last_errno == CR_INVALID_PARAMETER_NO)
			return orm_fail(s, ORM_MISUSE, "%s", s->db->err);
		return orm_fail_db(s);
	}
	return 0;
}
