/* cli.h — the commands of the `flacon` program, one struct each. */
#ifndef FLACON_CLI_H
#define FLACON_CLI_H

#include <stdbool.h>

#include "core/config.h"

enum cli_status { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

struct cli_command {
	const char *name;   /* first word: "runserver", "db", "seed" */
	const char *usage;  /* "runserver [--listen A] [--workers N]" */
	const char *help;
	/* Run with the arguments after the command name; returns enum cli_status.
	 * cfg may be modified (options override it). */
	int (*run)(struct config *cfg, int argc, char **argv);
};

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
