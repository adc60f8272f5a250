/* stmt.c — the ORM's side of a prepared statement: SQL text and parameters
 * built in the session's arena, binding values straight into MYSQL_BIND
 * (typed by the column they meet), and execution with one reconnect outside
 * transactions. */
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

static void bind_param(MYSQL_BIND *b, union orm_stage *sg, const struct orm_param *p)
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
			orm_time_to_mysql((enum orm_type)ct, v->i, &sg->t);
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
		union orm_stage *stages = arena_calloc(s->arena, n, sizeof *stages);
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
