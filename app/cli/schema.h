/* schema.h — what `flacon db migrate` compares: tables (columns, indexes,
 * foreign keys) as information_schema describes them, and the diff between
 * two such schemas as up and down SQL. The models' side is read the same
 * way, from a scratch database where their DDL was run (autogen.c), so
 * both sides are normalised by the server itself. Private to the cli. */
#ifndef FLACON_CLI_SCHEMA_H
#define FLACON_CLI_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

struct db;

struct schema_column {
	char *name;
	char *type;      /* canonical lowercase: "int", "varchar(32)", "tinyint(1)" */
	bool nullable;
	char *dflt;      /* canonical default ("current_timestamp()", "0", "'x'"), NULL = none */
	bool autoinc;
	char *definition; /* full column definition for ADD/MODIFY */
};

struct schema_index {
	char *name;      /* "PRIMARY" for the primary key */
	char *columns;   /* "`a`,`b`" */
	bool unique;
};

struct schema_fk {
	char *name;
	char *column;
	char *ref_table;
	char *ref_column;
	char *ondelete;  /* canonical: "RESTRICT", "CASCADE", "SET NULL", "NO ACTION" */
};

struct schema_table {
	char *name;
	struct schema_column *cols;
	size_t ncols;
	struct schema_index *idx;
	size_t nidx;
	struct schema_fk *fks;
	size_t nfks;
	char *create_sql; /* CREATE TABLE ... (models: generated; live: SHOW CREATE TABLE) */
	unsigned rank;    /* FK depth: parents first */
};

struct schema {
	struct schema_table *tables;
	size_t ntables;
};

/* The schema of database dbname as the connected server describes it
 * (every base table but schema_version). 0 or -1 with err. */
int cli_schema_from_db(struct db *db, const char *dbname, struct schema *out, char *err, size_t errlen);
void cli_schema_free(struct schema *s);

/* A column or table a migration drops, values and all. */
struct schema_loss {
	bool down;        /* dropped by the down migration (the up one added it) */
	char *table;
	char *column;     /* NULL: the whole table */
	char *type;       /* the column's type; NULL for a table */
	char *renamed_to; /* up only: a column of the same type the up migration
			     adds to the same table (the shape of a rename), or NULL */
};

struct schema_losses {
	struct schema_loss *v;
	size_t n;
};

void cli_schema_losses_free(struct schema_losses *l);

/* The SQL that turns live into want (up) and back (down), statements ended
 * by ";\n". *changes counts the differences (0: nothing to do). What
 * either direction drops goes into lost (when given; caller frees it with
 * cli_schema_losses_free). 0 or -1. */
int cli_schema_diff(const struct schema *want, const struct schema *live, struct buf *up,
		struct buf *down, int *changes, struct schema_losses *lost, char *err, size_t errlen);

/* printf into a malloc'd string (the caller frees it), or NULL when out
 * of memory: the DDL and migration texts of schema.c and migrate_write.c. */
char *cli_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

#endif
