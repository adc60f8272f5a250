/* migrate.h — the migration runner behind `flacon db ...` (SPEC section 8):
 * revision files sql/migrations/NNNN_slug.up.sql / .down.sql, the
 * schema_version table naming the last fully applied revision, and the SQL
 * file executor. Private to the cli layer. */
#ifndef FLACON_CLI_MIGRATE_H
#define FLACON_CLI_MIGRATE_H

#include <stddef.h>

struct db;

struct migration {
	char rev[16];      /* "0001" */
	char *slug;        /* "initial_schema" */
	char *message;     /* from the "-- Message:" header, else the slug */
	char *up_path;     /* heap paths */
	char *down_path;   /* NULL when the .down.sql file is missing */
};

struct migration_list {
	struct migration *v;
	size_t n;
};

/* Read dir: every NNNN_slug.up.sql (and its .down.sql), sorted by revision.
 * A missing directory is an error; an empty one is an empty list. Two files
 * with the same revision number are an error. 0 or -1 with err. */
int migrations_scan(const char *dir, struct migration_list *out, char *err, size_t errlen);
void migrations_free(struct migration_list *l);
/* Index of rev in l, or -1. */
int migrations_find(const struct migration_list *l, const char *rev);

/* CREATE TABLE IF NOT EXISTS schema_version. 0 or -1 (db->err). */
int schema_version_ensure(struct db *db);
/* The current revision into out ("" = base, nothing applied). 0 or -1. */
int schema_version_get(struct db *db, char *out, size_t n);
/* Set the current revision ("" = base). 0 or -1. */
int schema_version_set(struct db *db, const char *rev);

/* Execute every statement of an SQL text in order, stopping at the first
 * failure: err then says which statement (its 1-based number and first
 * line) failed and why. 0 or -1. */
int sql_run_script(struct db *db, const char *sql, size_t n, char *err, size_t errlen);
int sql_run_file(struct db *db, const char *path, char *err, size_t errlen);

/* Write the next revision's two files into dir: NNNN_slug.up.sql with a
 * header and up, NNNN_slug.down.sql with down. The revision is one above
 * the highest present. The chosen paths go into up_path/down_path (heap,
 * caller frees). 0 or -1 with err. */
int migration_write(const char *dir, const char *message, const char *up, const char *down,
		    char **up_path, char **down_path, char *err, size_t errlen);

#endif
