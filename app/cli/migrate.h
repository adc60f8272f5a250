/* migrate.h — the migration runner behind `flacon db ...` (SPEC section 8):
 * revision files sql/migrations/NNNN_<rev>_slug.up.sql / .down.sql
 * (migrate_scan.c) linked to their parents as Alembic links them
 * (migrate_graph.c), the schema_version table naming the heads of what is
 * applied (migrate_version.c), the SQL file executor (migrate_sql.c) and
 * the writer of new revision files (migrate_write.c). Private to the cli
 * layer. */
#ifndef FLACON_CLI_MIGRATE_H
#define FLACON_CLI_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

struct db;

/* A revision id: "0001" for the numbered files of before, 12 hex digits
 * (Alembic's uuid4().hex[-12:]) for the others; schema_version's column is
 * VARCHAR(32). */
#define MIGRATION_REV_MAX 32

/* Most heads a graph or schema_version may hold at once. */
#define MIGRATION_HEADS_MAX 16

struct migration {
	char rev[MIGRATION_REV_MAX + 1];
	bool numbered;     /* old format: id = the file's number, parent = the
			      numbered file before it */
	int order;         /* the file name's number prefix (0 when none) */
	int *parents;      /* indexes into the list (heap), nparents of them */
	size_t nparents;   /* 0: follows base; 2 or more: a merge */
	char *file;        /* "0001_initial_schema.up.sql" (heap) */
	char *slug;        /* "initial_schema" */
	char *message;     /* from the "-- Message:" header, else the slug */
	char *up_path;     /* heap paths */
	char *down_path;   /* NULL when the .down.sql file is missing */
};

/* The migrations in link order: every revision after its parents (ties by
 * file name order), so applying v[0..n) in turn respects every link. */
struct migration_list {
	struct migration *v;
	size_t n;
};

/* Read dir: every *.up.sql (and its .down.sql). A file whose header has a
 * "-- Down revision: P[, Q...]" line (or "base"; "-- Revises:" is read
 * the same) is linked by its
 * "-- Revision:" and that line; a file without one is of the old numbered
 * format: NNNN_slug.up.sql, id NNNN, parent the numbered file before it.
 * A missing directory is an error; an empty one is an empty list. Two
 * files with one id, a parent not in the directory or a cycle are errors.
 * 0 or -1 with err. */
int cli_migrations_scan(const char *dir, struct migration_list *out, char *err, size_t errlen);
void cli_migrations_free(struct migration_list *l);

/* A revision's parents by name, as its file's header gives them (heap),
 * before cli_migrations_link resolves them. */
struct migration_scanned {
	char (*pnames)[MIGRATION_REV_MAX + 1];
	size_t npnames;
};
/* Resolve the parents' names sc[i] of every l->v[i] into indexes (a
 * numbered file's parent is the numbered file before it), then put l in
 * link order. sc is only read; the caller frees it. Two files with one
 * id, a parent not in l or a cycle are errors. 0 or -1 with err. */
int cli_migrations_link(struct migration_list *l, struct migration_scanned *sc, char *err,
			size_t errlen);
/* Index of rev in l, or -1: the id itself, a numbered file's number in any
 * spelling ("3" for "0003"), or a unique prefix of an id. */
int cli_migrations_find(const struct migration_list *l, const char *rev);
/* The heads (revisions no other names as parent) into out (room for
 * l->n), in list order; returns how many. */
size_t cli_migrations_heads(const struct migration_list *l, int *out);
/* Mark i and all its ancestors in mark (l->n entries; others untouched). */
void cli_migrations_mark_ancestors(const struct migration_list *l, int i, bool *mark);
/* The number prefix a new file takes: one above the highest present. */
int cli_migrations_next_order(const struct migration_list *l);
/* "a, b" for the revisions idx[0..n), "base" when n is 0, into out. */
void cli_migrations_join(const struct migration_list *l, const int *idx, size_t n, char *out, size_t len);

/* The revisions schema_version holds: one row per applied head. */
struct version_rows {
	char rev[MIGRATION_HEADS_MAX][MIGRATION_REV_MAX + 1];
	size_t n; /* 0 = base, nothing applied */
};

/* True when the table schema_version exists. 0/1, or -1 (db->err). */
int cli_schema_version_exists(struct db *db);
/* CREATE TABLE IF NOT EXISTS schema_version. 0 or -1 (db->err). */
int cli_schema_version_ensure(struct db *db);
/* The current revisions into out. 0 or -1 (db->err). */
int cli_schema_version_get(struct db *db, struct version_rows *out);
/* Replace the rows by rows' revisions in one transaction. 0 or -1. */
int cli_schema_version_set(struct db *db, const struct version_rows *rows);

/* Execute every statement of an SQL text in order, stopping at the first
 * failure: err then says which statement failed (its number, name:line
 * where it starts, its text on one line, cut at 200 characters) and why,
 * without the word "failed" (the caller says that). name may be NULL.
 * 0 or -1. */
int cli_sql_run_script(struct db *db, const char *sql, size_t n, const char *name, char *err,
		   size_t errlen);
int cli_sql_run_file(struct db *db, const char *path, char *err, size_t errlen);
/* The whole file at path, NUL-terminated (heap, caller frees), its length
 * into *len when len is not NULL; NULL with errno when it cannot be read. */
char *cli_read_file(const char *path, size_t *len);

/* A migration to write. */
struct migration_new {
	const char *message;
	const char *const *parents; /* the revisions it follows; none: base */
	size_t nparents;
	int order;                  /* the file name's number prefix */
	const char *up_note;        /* comment lines for the top of each file, */
	const char *down_note;      /* after the header; NULL for none */
	const char *up, *down;      /* the SQL */
};

/* Write m's two files into dir under a new random revision id (libuuid,
 * 12 hex digits): NNNN_<rev>_slug.up.sql and .down.sql, each with the
 * header naming its revision and parents. The id goes into rev, the paths
 * into up_path/down_path (heap, caller frees). 0 or -1 with err (no file
 * is left behind). */
int cli_migration_write(const char *dir, const struct migration_new *m, char rev[MIGRATION_REV_MAX + 1],
		    char **up_path, char **down_path, char *err, size_t errlen);

#endif
