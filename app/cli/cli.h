/* cli.h — the commands of the `flacon` program, one struct each. */
#ifndef FLACON_CLI_H
#define FLACON_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/config.h"

#ifndef FLACON_VERSION
#define FLACON_VERSION "0.1.0"
#endif

enum cli_status { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* A command, or a subcommand of one (db upgrade). `flacon help CMD`,
 * `flacon CMD --help` and `flacon CMD SUB --help` print usage, help and
 * details from here (main.c), so every command and subcommand documents
 * itself in one place: its row. */
struct cli_command {
	const char *name;   /* first word: "runserver", "db", "seed"; "upgrade" for a subcommand */
	const char *usage;  /* "runserver [--listen A] [--workers N]" (without "flacon ") */
	const char *help;   /* one line, at most 56 characters */
	/* Run with the arguments after the command name; returns enum cli_status.
	 * cfg may be modified (options override it). NULL for a subcommand
	 * (its command's run dispatches). */
	int (*run)(struct config *cfg, int argc, char **argv);
	/* Optional: lines about the arguments and options, each ending in \n. */
	const char *details;
	/* Optional: the subcommands, ended by an entry whose name is NULL. */
	const struct cli_command *subs;
};

/* true when s asks for help: "-h" or "--help". */
bool cli_is_help(const char *s);
/* "usage: flacon USAGE", the help line and the details of c, on f. */
void cli_print_usage(FILE *f, const struct cli_command *c);
/* A usage error of command name: "flacon: NAME: WHY (flacon help NAME)"
 * on stderr. Returns CLI_USAGE. */
int cli_usage_error(const char *name, const char *why);

struct db;
/* Connect to cfg's database, or print why not ("flacon: ...") and return
 * NULL. With models, the application's models are initialised too (for
 * commands that use the ORM). */
struct db *cli_connect(const struct config *cfg, bool models);

extern const struct cli_command cli_runserver;
extern const struct cli_command cli_routes;
extern const struct cli_command cli_db;
extern const struct cli_command cli_seed;
extern const struct cli_command cli_create_all;
extern const struct cli_command cli_drop_all;
extern const struct cli_command cli_createuser;
extern const struct cli_command cli_deleteuser;
extern const struct cli_command cli_createcourse;
extern const struct cli_command cli_session_gc;

#endif
