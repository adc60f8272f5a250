/* ddl.c — the DDL of a resolved registry: column types and definitions,
 * CREATE TABLE text, create_all / drop_all in FK order. Owns nothing: text
 * goes into the caller's buf. */
#include <stdio.h>
#include <string.h>

#include "orm/orm_impl.h"

static void put_sql_string(struct buf *out, const char *s)
{
	buf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			buf_putc(out, *s);
		buf_putc(out, *s);
	}
	buf_putc(out, '\'');
}

static const char *size_class(const char *base, unsigned length)
{
	/* SQLAlchemy's MySQL Text(length) / LargeBinary(length) choice. */
	static const char *text[] = {"TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT"};
	static const char *blob[] = {"TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB"};
	const char **v = !strcmp(base, "TEXT") ? text : blob;
	if (length == 0)
		return v[1];
	if (length <= 255)
		return v[0];
	if (length <= 65535)
		return v[1];
	if (length <= 16777215)
		return v[2];
	return v[3];
}

int orm_column_sql_type(const struct orm_column *c, struct buf *out)
{
	int rc = 0;
	switch (c->type) {
	case ORM_INTEGER: rc = buf_puts(out, "INT"); break;
	case ORM_SMALLINT: rc = buf_puts(out, "SMALLINT"); break;
	case ORM_BIGINT: rc = buf_puts(out, "BIGINT"); break;
	case ORM_FLOAT: rc = buf_puts(out, "DOUBLE"); break;
	case ORM_NUMERIC: rc = buf_printf(out, "DECIMAL(%u,%u)", c->precision, c->scale); break;
	case ORM_STRING:
	case ORM_UNICODE: rc = buf_printf(out, "VARCHAR(%u)", c->length); break;
	case ORM_TEXT:
	case ORM_UNICODE_TEXT: rc = buf_puts(out, size_class("TEXT", c->length)); break;
	case ORM_BOOLEAN: rc = buf_puts(out, "TINYINT(1)"); break;
	case ORM_DATE: rc = buf_puts(out, "DATE"); break;
	case ORM_TIME: rc = buf_puts(out, "TIME"); break;
	case ORM_DATETIME: rc = buf_puts(out, "DATETIME"); break;
	case ORM_BINARY: rc = buf_puts(out, size_class("BLOB", c->length)); break;
	case ORM_ENUM:
		rc = buf_puts(out, "ENUM(");
		for (const char *const *v = c->enum_values; *v; v++) {
			if (v != c->enum_values)
				buf_putc(out, ',');
			put_sql_string(out, *v);
		}
		rc |= buf_putc(out, ')');
		break;
	}
	return rc ? ORM_NOMEM : 0;
}

int orm_column_sql(const struct orm_column *c, struct buf *out)
{
	buf_printf(out, "`%s` ", c->name);
	orm_column_sql_type(c, out);
	if (c->collation)
		buf_printf(out, " COLLATE %s", c->collation);
	buf_puts(out, (c->flags & (ORM_NOT_NULL | ORM_PK)) ? " NOT NULL" : " NULL");
	if (c->flags & ORM_AUTOINC)
		buf_puts(out, " AUTO_INCREMENT");
	if (c->server_default)
		buf_printf(out, " DEFAULT %s", c->server_default);
	return out->cap ? 0 : ORM_NOMEM;
}

int orm_create_table_sql(const struct orm_model *m, bool if_not_exists, struct buf *out)
{
	size_t start = out->n;
	buf_printf(out, "CREATE TABLE %s%s (\n", if_not_exists ? "IF NOT EXISTS " : "", m->qtable);
	for (size_t i = 0; i < m->ncolumns; i++) {
		buf_puts(out, "  ");
		orm_column_sql(&m->columns[i], out);
		buf_puts(out, ",\n");
	}
	buf_puts(out, "  PRIMARY KEY (");
	for (size_t i = 0, k = 0; i < m->ncolumns; i++)
		if (m->columns[i].flags & ORM_PK)
			buf_printf(out, "%s`%s`", k++ ? ", " : "", m->columns[i].name);
	buf_putc(out, ')');
	for (size_t i = 0; i < m->nindexes; i++) {
		const struct orm_index *x = &m->indexes[i];
		buf_printf(out, ",\n  %sKEY `%s` (", x->unique ? "UNIQUE " : "", x->name);
		for (unsigned k = 0; k < x->ncolumns; k++)
			buf_printf(out, "%s`%s`", k ? ", " : "", x->columns[k]->name);
		buf_putc(out, ')');
	}
	for (size_t i = 0; i < m->nfks; i++) {
		const struct orm_fk *f = &m->fks[i];
		buf_printf(out, ",\n  CONSTRAINT `%s` FOREIGN KEY (`%s`) REFERENCES %s (`%s`)", f->name,
			   f->column->name, f->ref->model->qtable, f->ref->name);
		if (f->ondelete)
			buf_printf(out, " ON DELETE %s", f->ondelete);
	}
	buf_printf(out, "\n) ENGINE=InnoDB DEFAULT CHARSET=%s COLLATE=%s",
		   m->charset ? m->charset : "utf8mb4",
		   m->collation ? m->collation : "utf8mb4_unicode_ci");
	return out->cap && out->n > start ? 0 : ORM_NOMEM;
}

static int ddl_error(const struct db *db)
{
	int rc = orm_err_from_errno(db->last_errno);
	return rc ? rc : ORM_DB;
}

int orm_create_all(struct db *db, const struct orm_registry *r)
{
	if (!r->ready)
		return ORM_MISUSE;
	struct buf b = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < r->nmodels && !rc; i++) {
		buf_reset(&b);
		rc = orm_create_table_sql(r->sorted[i], true, &b);
		if (!rc && db_exec(db, b.p) < 0)
			rc = ddl_error(db);
	}
	buf_free(&b);
	return rc;
}

int orm_drop_all(struct db *db, const struct orm_registry *r)
{
	if (!r->ready)
		return ORM_MISUSE;
	struct buf b = BUF_INIT;
	int rc = 0;
	for (size_t i = r->nmodels; i-- > 0 && !rc;) {
		buf_reset(&b);
		buf_printf(&b, "DROP TABLE IF EXISTS %s", r->sorted[i]->qtable);
		if (!b.p)
			rc = ORM_NOMEM;
		else if (db_exec(db, b.p) < 0)
			rc = ddl_error(db);
	}
	buf_free(&b);
	return rc;
}
