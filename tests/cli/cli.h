/* cli.h — helpers of the cli suite: run the real `flacon` binary against a
 * database of its own on the test MariaDB, and look at the schema. */
#ifndef FLACON_TEST_CLI_H
#define FLACON_TEST_CLI_H

#include "fcgi_raw.h"

#include <stddef.h>

struct run_result {
	int status;     /* exit status, or -1 when it did not exit normally */
	char out[65536];
	char err[8192];
};

/* Run "flacon ARGS" (a shell fragment) with database flacon_cli and
 * migrations in the directory cli_migrations_dir(); fills r. Returns r->status. */
int cli_run(struct run_result *r, const char *args_fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same with input on standard input. */
int cli_run_input(struct run_result *r, const char *input, const char *args_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Run SQL as the administrator on database flacon_cli; the first column of
 * the first row goes into out when out is given. Returns the exit status. */
int cli_sql(char *out, size_t outlen, const char *sql_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Drop and create the database flacon_cli and an empty migrations dir. */
void cli_fresh(void);
const char *cli_migrations_dir(void);
/* The database.url cli_run gives the binary (database flacon_cli). */
const char *cli_db_url(void);
/* Write a file (path relative to the migrations dir). */
void cli_write_migration(const char *name, const char *text);

/* Connect to a unix socket (fd or -1); FastCGI by hand is
 * tests/lib/fcgi_raw.h's. */
int cli_connect_unix(const char *path);

#endif
