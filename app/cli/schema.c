/* schema.c — model schema vs live schema, and the migration SQL between. */
#include "cli/schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/db.h"

#define SCHEMA_VERSION_TABLE "schema_version"

/* ---- small helpers --------------------------------------------------- */

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Canonical column type: lowercase, integer display widths dropped (but
 * tinyint(1), the Boolean, kept). Returns a heap string. */
static char *canon_type(const char *t)
{
	char *s = strdup(t);
	if (!s)
		return NULL;
	lower(s);
	static const char *ints[] = {"tinyint(", "smallint(", "mediumint(", "int(", "bigint("};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		size_t l = strlen(ints[i]);
		if (strncmp(s, ints[i], l))
			continue;
		char *close = strchr(s + l, ')');
		if (!close)
			break;
		if (i == 0 && close == s + l + 1 && s[l] == '1')
			break; /* tinyint(1) */
		memmove(s + l - 1, close + 1, strlen(close + 1) + 1);
		break;
	}
	return s;
}

/* Canonical default: NULL for none (or DEFAULT NULL), current_timestamp()
 * for the now-functions, booleans as digits, the rest as written. */
static char *canon_default(const char *d)
{
	if (!d || !strcasecmp(d, "NULL"))
		return NULL;
	if (!strcasecmp(d, "current_timestamp") || !strcasecmp(d, "current_timestamp()") ||
	    !strcasecmp(d, "now()"))
		return strdup("current_timestamp()");
	if (!strcasecmp(d, "false"))
		return strdup("0");
	if (!strcasecmp(d, "true"))
		return strdup("1");
	return strdup(d);
}

static char *quote_ident(const char *name)
{
	size_t n = strlen(name);
	char *q = malloc(2 * n + 3);
	if (!q)
		return NULL;
	size_t o = 0;
	q[o++] = '`';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '`')
			q[o++] = '`';
		q[o++] = name[i];
	}
	q[o++] = '`';
	q[o] = '\0';
	return q;
}

static void *grow(void *v, size_t n, size_t size)
{
	/* Room for element n (0-based) in an array grown by doubling. */
	if (n && (n & (n - 1)))
		return v;
	size_t cap = n ? n * 2 : 8;
	return realloc(v, cap * size);
}

void cli_schema_free(struct schema *s)
{
	for (size_t t = 0; t < s->ntables; t++) {
		struct schema_table *tb = &s->tables[t];
		for (size_t i = 0; i < tb->ncols; i++) {
			free(tb->cols[i].name);
			free(tb->cols[i].type);
			free(tb->cols[i].dflt);
			free(tb->cols[i].definition);
		}
		for (size_t i = 0; i < tb->nidx; i++) {
			free(tb->idx[i].name);
			free(tb->idx[i].columns);
		}
		for (size_t i = 0; i < tb->nfks; i++) {
			free(tb->fks[i].name);
			free(tb->fks[i].column);
			free(tb->fks[i].ref_table);
			free(tb->fks[i].ref_column);
			free(tb->fks[i].ondelete);
		}
		free(tb->cols);
		free(tb->idx);
		free(tb->fks);
		free(tb->name);
		free(tb->create_sql);
	}
	free(s->tables);
	s->tables = NULL;
	s->ntables = 0;
}

static struct schema_table *add_table(struct schema *s, const char *name)
{
	struct schema_table *v = grow(s->tables, s->ntables, sizeof *v);
	if (!v)
		return NULL;
	s->tables = v;
	struct schema_table *t = &v[s->ntables++];
	memset(t, 0, sizeof *t);
	t->name = strdup(name);
	return t->name ? t : NULL;
}

static struct schema_table *find_table(const struct schema *s, const char *name)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (!strcmp(s->tables[i].name, name))
			return &s->tables[i];
	return NULL;
}

static struct schema_column *add_col(struct schema_table *t)
{
	struct schema_column *v = grow(t->cols, t->ncols, sizeof *v);
	if (!v)
		return NULL;
	t->cols = v;
	struct schema_column *c = &v[t->ncols++];
	memset(c, 0, sizeof *c);
	return c;
}

static struct schema_index *add_idx(struct schema_table *t)
{
	struct schema_index *v = grow(t->idx, t->nidx, sizeof *v);
	if (!v)
		return NULL;
	t->idx = v;
	struct schema_index *x = &v[t->nidx++];
	memset(x, 0, sizeof *x);
	return x;
}

static struct schema_fk *add_fk(struct schema_table *t)
{
	struct schema_fk *v = grow(t->fks, t->nfks, sizeof *v);
	if (!v)
		return NULL;
	t->fks = v;
	struct schema_fk *f = &v[t->nfks++];
	memset(f, 0, sizeof *f);
	return f;
}

static const struct schema_column *find_col(const struct schema_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return &t->cols[i];
	return NULL;
}

static const struct schema_index *find_idx(const struct schema_table *t, const char *name)
{
	for (size_t i = 0; i < t->nidx; i++)
		if (!strcmp(t->idx[i].name, name))
			return &t->idx[i];
	return NULL;
}

static const struct schema_fk *find_fk(const struct schema_table *t, const char *name)
{
	for (size_t i = 0; i < t->nfks; i++)
		if (!strcmp(t->fks[i].name, name))
			return &t->fks[i];
	return NULL;
}

static char *ondelete_canon(const char *s)
{
	return strdup(s && *s ? s : "RESTRICT");
}

/* ---- from the live database --------------------------------------------- */

#define MAXCOLS 8
#define CELL 4096

/* Run a prepared statement (with one string parameter when param is not NULL) and call row() for every row with
 * its cells (NULL for SQL NULL). 0 or -1 (db->err). */
static int query_rows(struct db *db, const char *sql, const char *param, unsigned ncols,
		      int (*row)(void *ctx, char **cells), void *ctx)
{
	MYSQL_STMT *st = db_prepare(db, sql);
	if (!st)
		return -1;
	if (param) {
		unsigned long plen = strlen(param);
		MYSQL_BIND pb;
		memset(&pb, 0, sizeof pb);
		pb.buffer_type = MYSQL_TYPE_STRING;
		pb.buffer = (void *)param;
		pb.buffer_length = plen;
		pb.length = &plen;
		if (mysql_stmt_bind_param(st, &pb)) {
			db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
			return -1;
		}
	}
	if (db_stmt_execute(db, st) < 0)
		return -1;
	static char cells[MAXCOLS][CELL];
	unsigned long lens[MAXCOLS] = {0};
	my_bool nulls[MAXCOLS] = {0};
	MYSQL_BIND b[MAXCOLS];
	memset(b, 0, sizeof b);
	for (unsigned i = 0; i < ncols; i++) {
		b[i].buffer_type = MYSQL_TYPE_STRING;
		b[i].buffer = cells[i];
		b[i].buffer_length = CELL - 1;
		b[i].length = &lens[i];
		b[i].is_null = &nulls[i];
	}
	int rc = 0;
	if (mysql_stmt_bind_result(st, b) || mysql_stmt_store_result(st)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		rc = -1;
		goto out;
	}
	for (;;) {
		int f = mysql_stmt_fetch(st);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
			rc = -1;
			break;
		}
		char *row_cells[MAXCOLS];
		for (unsigned i = 0; i < ncols; i++) {
			/* a NULL cell has no length (the connector leaves it) */
			if (nulls[i]) {
				row_cells[i] = NULL;
				continue;
			}
			size_t l = lens[i] < CELL - 1 ? lens[i] : CELL - 1;
			cells[i][l] = '\0';
			row_cells[i] = cells[i];
		}
		if (row(ctx, row_cells) < 0) {
			rc = -1;
			break;
		}
	}
out:
	mysql_stmt_free_result(st);
	mysql_stmt_reset(st);
	return rc;
}

struct live_ctx {
	struct schema *s;
	struct db *db;
};

static int row_table(void *p, char **c)
{
	struct live_ctx *x = p;
	if (!strcmp(c[0], SCHEMA_VERSION_TABLE))
		return 0;
	return add_table(x->s, c[0]) ? 0 : -1;
}

static int row_column(void *p, char **c)
{
	/* TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT,
	 * EXTRA, COLLATION_NAME, TABLE_COLLATION */
	struct live_ctx *x = p;
	struct schema_table *t = find_table(x->s, c[0]);
	if (!t)
		return 0;
	struct schema_column *col = add_col(t);
	if (!col)
		return -1;
	col->name = strdup(c[1]);
	col->type = canon_type(c[2]);
	col->nullable = !strcmp(c[3], "YES");
	col->dflt = canon_default(c[4]);
	col->autoinc = c[5] && strstr(c[5], "auto_increment");
	struct buf b = BUF_INIT;
	char *q = quote_ident(c[1]);
	buf_printf(&b, "%s %s", q ? q : "", c[2]);
	free(q);
	if (c[6] && c[7] && strcmp(c[6], c[7]))
		buf_printf(&b, " COLLATE %s", c[6]);
	buf_puts(&b, col->nullable ? " NULL" : " NOT NULL");
	if (c[4] && strcasecmp(c[4], "NULL"))
		buf_printf(&b, " DEFAULT %s", c[4]);
	if (col->autoinc)
		buf_puts(&b, " AUTO_INCREMENT");
	col->definition = b.p ? strdup(b.p) : NULL;
	buf_free(&b);
	return col->name && col->type && col->definition ? 0 : -1;
}

static int row_index(void *p, char **c)
{
	/* TABLE_NAME, INDEX_NAME, COLUMN_NAME, NON_UNIQUE (ordered by SEQ) */
	struct live_ctx *x = p;
	struct schema_table *t = find_table(x->s, c[0]);
	if (!t)
		return 0;
	struct schema_index *ix = (struct schema_index *)find_idx(t, c[1]);
	char *q = quote_ident(c[2]);
	if (!q)
		return -1;
	if (ix) {
		char *joined = NULL;
		if (asprintf(&joined, "%s,%s", ix->columns, q) < 0) {
			free(q);
			return -1;
		}
		free(ix->columns);
		ix->columns = joined;
		free(q);
		return 0;
	}
	ix = add_idx(t);
	if (!ix) {
		free(q);
		return -1;
	}
	ix->name = strdup(c[1]);
	ix->columns = q;
	ix->unique = !strcmp(c[3], "0");
	return ix->name ? 0 : -1;
}

static int row_fk(void *p, char **c)
{
	/* TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME,
	 * REFERENCED_COLUMN_NAME, DELETE_RULE */
	struct live_ctx *x = p;
	struct schema_table *t = find_table(x->s, c[0]);
	if (!t)
		return 0;
	struct schema_fk *f = add_fk(t);
	if (!f)
		return -1;
	f->name = strdup(c[1]);
	f->column = strdup(c[2]);
	f->ref_table = strdup(c[3]);
	f->ref_column = strdup(c[4]);
	f->ondelete = ondelete_canon(c[5]);
	return f->name && f->column && f->ref_table && f->ref_column && f->ondelete ? 0 : -1;
}

static int row_create(void *p, char **c)
{
	struct schema_table *t = p;
	free(t->create_sql);
	t->create_sql = xstrdup(c[1]);
	return 0;
}

/* Rank tables by FK depth (parents first); cycles are cut. */
static void rank_tables(struct schema *s)
{
	for (size_t i = 0; i < s->ntables; i++)
		s->tables[i].rank = 0;
	for (size_t pass = 0; pass < s->ntables; pass++) {
		bool changed = false;
		for (size_t i = 0; i < s->ntables; i++) {
			struct schema_table *t = &s->tables[i];
			for (size_t k = 0; k < t->nfks; k++) {
				const struct schema_table *p = find_table(s, t->fks[k].ref_table);
				if (p && p != t && t->rank <= p->rank) {
					t->rank = p->rank + 1;
					changed = true;
				}
			}
		}
		if (!changed)
			break;
	}
}

int cli_schema_from_db(struct db *db, const char *dbname, struct schema *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct live_ctx x = {out, db};
	if (query_rows(db,
		       "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? "
		       "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
		       dbname, 1, row_table, &x) < 0 ||
	    query_rows(db,
		       "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT, "
		       "c.EXTRA, c.COLLATION_NAME, t.TABLE_COLLATION FROM information_schema.COLUMNS c "
		       "JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND "
		       "t.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA = ? "
		       "ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
		       dbname, 8, row_column, &x) < 0 ||
	    query_rows(db,
		       "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM "
		       "information_schema.STATISTICS WHERE TABLE_SCHEMA = ? "
		       "ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
		       dbname, 4, row_index, &x) < 0 ||
	    query_rows(db,
		       "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, "
		       "k.REFERENCED_COLUMN_NAME, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
		       "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = "
		       "k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = "
		       "k.TABLE_NAME WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT "
		       "NULL ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME",
		       dbname, 6, row_fk, &x) < 0)
		goto fail;
	for (size_t i = 0; i < out->ntables; i++) {
		char *q = quote_ident(out->tables[i].name);
		char *qd = quote_ident(dbname);
		char *sql = NULL;
		if (!q || !qd || asprintf(&sql, "SHOW CREATE TABLE %s.%s", qd, q) < 0) {
			free(q);
			free(qd);
			goto fail;
		}
		free(q);
		free(qd);
		int rc = query_rows(db, sql, NULL, 2, row_create, &out->tables[i]);
		free(sql);
		if (rc < 0)
			goto fail;
	}
	rank_tables(out);
	return 0;
fail:
	snprintf(err, errlen, "cannot read the live schema: %s", db->err[0] ? db->err : "out of memory");
	cli_schema_free(out);
	return -1;
}

/* ---- the diff -------------------------------------------------------------- */

/* One change: its up and down statements (without the ";\n"). */
struct op {
	char *up, *down;
};

struct ops {
	struct op *v;
	size_t n;
	bool oom;
	struct schema_losses *lost; /* NULL: not wanted */
};

void cli_schema_losses_free(struct schema_losses *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].table);
		free(l->v[i].column);
		free(l->v[i].type);
		free(l->v[i].renamed_to);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Note that a direction drops table (column; NULL for the table). */
static void loss_add(struct ops *o, bool down, const char *table, const struct schema_column *col,
		     const char *renamed_to)
{
	if (!o->lost)
		return;
	struct schema_losses *l = o->lost;
	struct schema_loss *v = grow(l->v, l->n, sizeof *v);
	if (!v) {
		o->oom = true;
		return;
	}
	l->v = v;
	struct schema_loss *x = &l->v[l->n++];
	memset(x, 0, sizeof *x);
	x->down = down;
	x->table = strdup(table);
	x->column = col ? strdup(col->name) : NULL;
	x->type = col ? strdup(col->type) : NULL;
	x->renamed_to = renamed_to ? strdup(renamed_to) : NULL;
	if (!x->table || (col && (!x->column || !x->type)) || (renamed_to && !x->renamed_to))
		o->oom = true;
}

static void op_add(struct ops *o, char *up, char *down)
{
	if (!up || !down) {
		free(up);
		free(down);
		o->oom = true;
		return;
	}
	struct op *v = grow(o->v, o->n, sizeof *v);
	if (!v) {
		free(up);
		free(down);
		o->oom = true;
		return;
	}
	o->v = v;
	o->v[o->n].up = up;
	o->v[o->n].down = down;
	o->n++;
}

char *cli_fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char *s = NULL;
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static char *index_add_sql(const char *table, const struct schema_index *x)
{
	if (!strcmp(x->name, "PRIMARY"))
		return cli_fmt("ALTER TABLE `%s` ADD PRIMARY KEY (%s)", table, x->columns);
	return cli_fmt("CREATE %sINDEX `%s` ON `%s` (%s)", x->unique ? "UNIQUE " : "", x->name, table,
		   x->columns);
}

static char *index_drop_sql(const char *table, const struct schema_index *x)
{
	if (!strcmp(x->name, "PRIMARY"))
		return cli_fmt("ALTER TABLE `%s` DROP PRIMARY KEY", table);
	return cli_fmt("DROP INDEX `%s` ON `%s`", x->name, table);
}

static char *fk_add_sql(const char *table, const struct schema_fk *f)
{
	return cli_fmt("ALTER TABLE `%s` ADD CONSTRAINT `%s` FOREIGN KEY (`%s`) REFERENCES `%s` (`%s`)%s%s",
		   table, f->name, f->column, f->ref_table, f->ref_column,
		   strcmp(f->ondelete, "RESTRICT") ? " ON DELETE " : "",
		   strcmp(f->ondelete, "RESTRICT") ? f->ondelete : "");
}

static char *fk_drop_sql(const char *table, const struct schema_fk *f)
{
	return cli_fmt("ALTER TABLE `%s` DROP FOREIGN KEY `%s`", table, f->name);
}

static bool col_same(const struct schema_column *a, const struct schema_column *b)
{
	/* Both definitions are rebuilt from information_schema the same way:
	 * type, collation, nullability, default and AUTO_INCREMENT all show. */
	return !strcmp(a->definition, b->definition);
}

static bool fk_same(const struct schema_fk *a, const struct schema_fk *b)
{
	return !strcmp(a->column, b->column) && !strcmp(a->ref_table, b->ref_table) &&
	       !strcmp(a->ref_column, b->ref_column) && !strcmp(a->ondelete, b->ondelete);
}

/* InnoDB creates an index named after a foreign key when no index can
 * serve it; such an index is the FK's, not a difference. */
static bool implicit_fk_index(const struct schema_table *t, const struct schema_index *x)
{
	for (size_t i = 0; i < t->nfks; i++)
		if (!strcmp(t->fks[i].name, x->name))
			return true;
	return false;
}

static int cmp_rank_asc(const void *a, const void *b)
{
	const struct schema_table *x = *(const struct schema_table *const *)a;
	const struct schema_table *y = *(const struct schema_table *const *)b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void diff_table(struct ops *o, const struct schema_table *w, const struct schema_table *l)
{
	const char *t = w->name;
	/* 1. Foreign keys that go or change: dropped first. */
	for (size_t i = 0; i < l->nfks; i++) {
		const struct schema_fk *want = find_fk(w, l->fks[i].name);
		if (!want || !fk_same(want, &l->fks[i]))
			op_add(o, fk_drop_sql(t, &l->fks[i]), fk_add_sql(t, &l->fks[i]));
	}
	/* 2. Columns added, in model order, each after its predecessor. */
	for (size_t i = 0; i < w->ncols; i++) {
		if (find_col(l, w->cols[i].name))
			continue;
		char *after = i ? cli_fmt(" AFTER `%s`", w->cols[i - 1].name) : strdup(" FIRST");
		op_add(o, cli_fmt("ALTER TABLE `%s` ADD COLUMN %s%s", t, w->cols[i].definition, after ? after : ""),
		       cli_fmt("ALTER TABLE `%s` DROP COLUMN `%s`", t, w->cols[i].name));
		free(after);
		loss_add(o, true, t, &w->cols[i], NULL);
	}
	/* 3. Columns changed. */
	for (size_t i = 0; i < w->ncols; i++) {
		const struct schema_column *lc = find_col(l, w->cols[i].name);
		if (lc && !col_same(&w->cols[i], lc))
			op_add(o, cli_fmt("ALTER TABLE `%s` MODIFY COLUMN %s", t, w->cols[i].definition),
			       cli_fmt("ALTER TABLE `%s` MODIFY COLUMN %s", t, lc->definition));
	}
	/* 4. Indexes that change (same name): the old form is dropped. */
	for (size_t i = 0; i < l->nidx; i++) {
		const struct schema_index *lx = &l->idx[i];
		const struct schema_index *wx = find_idx(w, lx->name);
		if (wx && (wx->unique != lx->unique || strcmp(wx->columns, lx->columns)))
			op_add(o, index_drop_sql(t, lx), index_add_sql(t, lx));
	}
	/* 5. Indexes that come or changed. */
	for (size_t i = 0; i < w->nidx; i++) {
		const struct schema_index *wx = &w->idx[i];
		const struct schema_index *lx = find_idx(l, wx->name);
		if (!lx || wx->unique != lx->unique || strcmp(wx->columns, lx->columns))
			op_add(o, index_add_sql(t, wx), index_drop_sql(t, wx));
	}
	/* 5b. Indexes that go: after the new ones exist, so that an index a
	 * foreign key needs can be replaced by a new one that also serves it
	 * (InnoDB refuses to drop the only index of a foreign key). */
	for (size_t i = 0; i < l->nidx; i++) {
		const struct schema_index *lx = &l->idx[i];
		if (find_idx(w, lx->name) || implicit_fk_index(l, lx))
			continue;
		op_add(o, index_drop_sql(t, lx), index_add_sql(t, lx));
	}
	/* 6. Columns dropped. A column of the same type added to the table
	 * makes the pair look like a rename (each added column pairs once). */
	bool *paired = calloc(w->ncols + 1, sizeof *paired);
	if (!paired)
		o->oom = true;
	for (size_t i = 0; i < l->ncols; i++) {
		if (find_col(w, l->cols[i].name))
			continue;
		char *after = i ? cli_fmt(" AFTER `%s`", l->cols[i - 1].name) : strdup(" FIRST");
		op_add(o, cli_fmt("ALTER TABLE `%s` DROP COLUMN `%s`", t, l->cols[i].name),
		       cli_fmt("ALTER TABLE `%s` ADD COLUMN %s%s", t, l->cols[i].definition, after ? after : ""));
		free(after);
		const char *renamed = NULL;
		for (size_t j = 0; paired && !renamed && j < w->ncols; j++)
			if (!paired[j] && !find_col(l, w->cols[j].name) && !strcmp(w->cols[j].type, l->cols[i].type)) {
				paired[j] = true;
				renamed = w->cols[j].name;
			}
		loss_add(o, false, t, &l->cols[i], renamed);
	}
	free(paired);
	/* 7. Foreign keys that come or changed: added last. */
	for (size_t i = 0; i < w->nfks; i++) {
		const struct schema_fk *have = find_fk(l, w->fks[i].name);
		if (!have || !fk_same(&w->fks[i], have))
			op_add(o, fk_add_sql(t, &w->fks[i]), fk_drop_sql(t, &w->fks[i]));
	}
}

int cli_schema_diff(const struct schema *want, const struct schema *live, struct buf *up,
		struct buf *down, int *changes, struct schema_losses *lost, char *err, size_t errlen)
{
	struct ops o = {0};
	o.lost = lost;
	size_t nw = want->ntables, nl = live->ntables;
	const struct schema_table **ws = calloc(nw + 1, sizeof *ws);
	const struct schema_table **ls = calloc(nl + 1, sizeof *ls);
	if (!ws || !ls) {
		o.oom = true;
		goto out;
	}
	for (size_t i = 0; i < nw; i++)
		ws[i] = &want->tables[i];
	for (size_t i = 0; i < nl; i++)
		ls[i] = &live->tables[i];
	qsort(ws, nw, sizeof *ws, cmp_rank_asc);
	qsort(ls, nl, sizeof *ls, cmp_rank_asc);

	/* Tables created, parents first. A new table's FKs to tables that
	 * exist are in its CREATE TABLE. */
	for (size_t i = 0; i < nw; i++)
		if (!find_table(live, ws[i]->name)) {
			op_add(&o, cli_fmt("%s", ws[i]->create_sql), cli_fmt("DROP TABLE `%s`", ws[i]->name));
			loss_add(&o, true, ws[i]->name, NULL, NULL);
		}
	/* Tables changed. */
	for (size_t i = 0; i < nw; i++) {
		const struct schema_table *l = find_table(live, ws[i]->name);
		if (l)
			diff_table(&o, ws[i], l);
	}
	/* Tables dropped, children first. */
	for (size_t i = nl; i-- > 0;)
		if (!find_table(want, ls[i]->name)) {
			op_add(&o, cli_fmt("DROP TABLE `%s`", ls[i]->name), cli_fmt("%s", ls[i]->create_sql));
			loss_add(&o, false, ls[i]->name, NULL, NULL);
		}
out:
	free(ws);
	free(ls);
	if (!o.oom) {
		for (size_t i = 0; i < o.n; i++)
			buf_printf(up, "%s;\n", o.v[i].up);
		for (size_t i = o.n; i-- > 0;)
			buf_printf(down, "%s;\n", o.v[i].down);
	}
	for (size_t i = 0; i < o.n; i++) {
		free(o.v[i].up);
		free(o.v[i].down);
	}
	free(o.v);
	*changes = (int)o.n;
	if (o.oom) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
