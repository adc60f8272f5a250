/* cli.h — the generic command line of a Flacon application (SPEC sections
 * 8 and 12): flacon_main, and the commands, one struct each. An application
 * hands its models, routes, templates and own commands in a struct
 * flacon_app and calls flacon_main from its main(). */
#ifndef FLACON_CLI_H
#define FLACON_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/config.h"

#ifndef FLACON_VERSION
#define FLACON_VERSION "0.1.0"
#endif

enum cli_status { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* A command, or a subcommand of one (db upgrade). `PROG help CMD`,
 * `PROG CMD --help` and `PROG CMD SUB --help` print usage, help and
 * details from here (main.c), so every command and subcommand documents
 * itself in one place: its row. */
struct cli_command {
	const char *name;   /* first word: "runserver", "db", "seed"; "upgrade" for a subcommand */
	const char *usage;  /* "runserver [--listen A] [--workers N]" (without the program's name) */
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

/* The program's name in messages and usage lines: struct flacon_app's
 * name, else the last component of argv[0] (set by flacon_main; "flacon"
 * before it runs). */
extern const char *cli_prog;
/* One error line on stderr: "PROG: " then fmt (which ends in \n). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* true when s asks for help: "-h" or "--help". */
bool cli_is_help(const char *s);
/* "usage: PROG USAGE", the help line and the details of c, on f. */
void cli_print_usage(FILE *f, const struct cli_command *c);
/* A usage error of command name: "PROG: NAME: WHY (PROG help NAME)"
 * on stderr. Returns CLI_USAGE. */
int cli_usage_error(const char *name, const char *why);

struct db;
/* Connect to cfg's database, or print why not ("PROG: ...") and return
 * NULL. With models, the application's models are initialised too (for
 * commands that use the ORM). */
struct db *cli_connect(const struct config *cfg, bool models);

struct orm_registry;
struct server_hooks;

struct web_app;
/* What an application hands to flacon_main. web (or hooks, with
 * hooks->app) is required. */
struct flacon_app {
	/* The application's models, for create-all, drop-all and db migrate;
	 * NULL when it has none (the framework's own tables only). */
	struct orm_registry *registry;
	/* Called before the models are used, maybe more than once (it must be
	 * idempotent, as orm_registry_init is): 0, or -1 with a message in
	 * err. NULL: orm_registry_init(registry). */
	int (*models_init)(char *err, size_t errlen);
	/* The web application: routes, user loader and optional steps; the
	 * framework's pipeline runs it (web.h, struct web_app). */
	const struct web_app *web;
	/* Instead of web, the low-level way: runserver's workers run these
	 * hooks as they are (worker_init builds each worker's state into the
	 * request prototype; hooks->app->routes are what `routes` lists).
	 * Nothing of the framework's pipeline is added. */
	const struct server_hooks *hooks;
	/* The default of www.templates (configuration and FLACON_WWW_TEMPLATES
	 * still override it); NULL: "www/templates". */
	const char *templates_dir;
	/* The application's own commands, ended by NULL; NULL for none (at
	 * most 56). They are listed by help after create-all and drop-all. */
	const struct cli_command *const *commands;
	/* The program's name in usage lines and messages ("usage: blog ...",
	 * "blog: unknown command"); NULL: the last component of argv[0]. */
	const char *name;
};

/* The whole command line for app: parses the global options (--config,
 * --help, --version), answers help and runs the command named in argv.
 * Returns the exit status (enum cli_status). app must outlive the call. */
int flacon_main(int argc, char **argv, const struct flacon_app *app);

/* The application flacon_main is running (NULL before), and the server
 * hooks its workers run (app->hooks, or the framework's for app->web). */
extern const struct flacon_app *cli_app;
extern const struct server_hooks *cli_hooks;
/* Initialise cli_app's models (idempotent): 0, or -1 with a message in
 * err. */
int cli_models_init(char *err, size_t errlen);

/* The generic commands (SPEC section 8). */
extern const struct cli_command cli_runserver;
/* `dev`: the application on 127.0.0.1 with its database and nginx, for
 * development (dev.c). */
extern const struct cli_command cli_dev;
extern const struct cli_command cli_routes;
extern const struct cli_command cli_db;
extern const struct cli_command cli_create_all;
extern const struct cli_command cli_drop_all;
extern const struct cli_command cli_session_gc;
/* `status [--json]`: the running server's workers, asked of its health
 * process (status.c). */
extern const struct cli_command cli_status;

/* One FastCGI GET answered: its status and body (malloc'd, NUL-terminated;
 * the caller frees it). */
struct cli_fcgi_answer {
	int status;
	char *body;
	size_t len;
};
/* GET path (at most 127 bytes) from the FastCGI server at spec (unix:PATH
 * or HOST:PORT), as nginx would ask it, waiting at most timeout_ms in all.
 * 0 with *out filled, or -1 with a message in err (nothing to free). */
int cli_fcgi_get(const char *spec, const char *path, int timeout_ms, struct cli_fcgi_answer *out,
		 char *err, size_t errlen);

#endif
