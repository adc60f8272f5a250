/* main.c — flacon_main, the command line of a Flacon application (SPEC
 * sections 8 and 12): parses the global options, answers help and
 * --version, and runs one of the generic commands or the application's.
 * Exit codes: 0 done, 1 failed, 2 usage error; errors are one line on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/server.h"
#include "orm/orm.h"
#include "web/web.h"

const struct flacon_app *cli_app;
const struct server_hooks *cli_hooks;
const char *cli_prog = "flacon";

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", cli_prog);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* The name the program was run by: the last component of argv0 ("blog"
 * for ./build/blog), or "flacon" when there is none. */
static const char *prog_name(const char *argv0)
{
	if (!argv0 || !*argv0)
		return "flacon";
	const char *slash = strrchr(argv0, '/');
	return slash && slash[1] ? slash + 1 : argv0;
}

/* `new NAME`: a new application's files (new.c). */
extern const struct cli_command cli_new;

/* The generic commands, then the application's after drop-all: built by
 * flacon_main. */
#define MAX_COMMANDS 64
static const struct cli_command *commands[MAX_COMMANDS];
static size_t ncommands;

static void list_commands(const struct flacon_app *app)
{
	static const struct cli_command *const head[] = {&cli_runserver, &cli_dev, &cli_db, &cli_create_all, &cli_drop_all};
	static const struct cli_command *const tail[] = {&cli_session_gc, &cli_routes, &cli_status, &cli_new};
	size_t n = 0;
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		commands[n++] = head[i];
	for (size_t i = 0; app->commands && app->commands[i] && n < MAX_COMMANDS - sizeof tail / sizeof tail[0]; i++)
		commands[n++] = app->commands[i];
	for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
		commands[n++] = tail[i];
	ncommands = n;
}

int cli_models_init(char *err, size_t errlen)
{
	if (!cli_app || !cli_app->registry)
		return 0;
	if (cli_app->models_init)
		return cli_app->models_init(err, errlen) < 0 ? -1 : 0;
	return orm_registry_init(cli_app->registry, err, errlen) != 0 ? -1 : 0;
}

bool cli_is_help(const char *s)
{
	return s && (!strcmp(s, "-h") || !strcmp(s, "--help"));
}

void cli_print_usage(FILE *f, const struct cli_command *c)
{
	fprintf(f, "usage: %s %s\n\n%s.\n", cli_prog, c->usage, c->help);
	if (c->details)
		fprintf(f, "\n%s", c->details);
	if (c->subs) {
		fprintf(f, "\nsubcommands:\n");
		for (const struct cli_command *s = c->subs; s->name; s++)
			fprintf(f, "  %-12s %s\n", s->name, s->help);
		fprintf(f, "\n'%s help %s SUBCOMMAND' shows one of them.\n", cli_prog, c->name);
	}
}

int cli_usage_error(const char *name, const char *why)
{
	cli_error("%s: %s (%s help %s)\n", name, why, cli_prog, name);
	return CLI_USAGE;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--config FILE] COMMAND [ARGS]\n"
		   "       %s help [COMMAND [SUBCOMMAND]]\n"
		   "       %s --version\n\ncommands:\n", cli_prog, cli_prog, cli_prog);
	for (size_t i = 0; i < ncommands; i++)
		fprintf(f, "  %-13s %s\n", commands[i]->name, commands[i]->help);
	fprintf(f, "\n'%s help COMMAND' (or '%s COMMAND --help') shows its arguments.\n"
		   "Exit status: 0 done, 1 failed, 2 usage error.\n", cli_prog, cli_prog);
}

static const struct cli_command *find(const struct cli_command *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i]->name, name))
			return v[i];
	return NULL;
}

static const struct cli_command *find_sub(const struct cli_command *c, const char *name)
{
	for (const struct cli_command *s = c->subs; s && s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/* The help a command line asks for, or NULL when it asks for none: the
 * command's own (`db --help`, `seed --users 3 -h`) or a subcommand's
 * (`db upgrade --help`). Arguments after "--" are never options. */
static const struct cli_command *help_wanted(const struct cli_command *c, int argc, char **argv)
{
	if (c->subs) {
		if (argc < 1)
			return NULL;
		if (cli_is_help(argv[0]))
			return c;
		const struct cli_command *s = find_sub(c, argv[0]);
		if (!s)
			return NULL;
		c = s;
		argc--;
		argv++;
	}
	for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
		if (cli_is_help(argv[i]))
			return c;
	return NULL;
}

/* `PROG help [COMMAND [SUBCOMMAND]]`. */
static int help(int argc, char **argv)
{
	if (argc == 0) {
		usage(stdout);
		return CLI_OK;
	}
	const struct cli_command *c = find(commands, ncommands, argv[0]);
	if (!c) {
		cli_error("help: unknown command '%s' (%s help lists them)\n", argv[0], cli_prog);
		return CLI_USAGE;
	}
	if (argc >= 2 && c->subs) {
		const struct cli_command *s = find_sub(c, argv[1]);
		if (!s) {
			cli_error("help: %s has no subcommand '%s' (%s help %s lists them)\n",
				c->name, argv[1], cli_prog, c->name);
			return CLI_USAGE;
		}
		c = s;
	} else if (argc >= 2) {
		cli_error("help: %s has no subcommands\n", c->name);
		return CLI_USAGE;
	}
	cli_print_usage(stdout, c);
	return CLI_OK;
}

int flacon_main(int argc, char **argv, const struct flacon_app *app)
{
	cli_prog = app && app->name ? app->name : prog_name(argc > 0 ? argv[0] : NULL);
	if (!app || (!app->web && (!app->hooks || !app->hooks->app)) || (app->web && !app->web->routes)) {
		cli_error("flacon_main needs an application with web (and its routes) or hooks\n");
		return CLI_FAILED;
	}
	cli_app = app;
	metrics_set_version(FLACON_VERSION);
	cli_hooks = app->hooks ? app->hooks : web_app_hooks(app->web, cli_models_init);
	list_commands(app);
	config_set_templates_default(app->templates_dir);
	const char *conf_path = NULL;
	int i = 1;
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			conf_path = argv[i + 1];
			i += 2;
		} else if (cli_is_help(argv[i])) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			if (!strcmp(cli_prog, "flacon"))
				printf("flacon %s\n", FLACON_VERSION);
			else /* the version is the framework's */
				printf("%s (flacon %s)\n", cli_prog, FLACON_VERSION);
			return 0;
		} else {
			cli_error("unknown option %s (%s --help)\n", argv[i], cli_prog);
			return CLI_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help"))
		return help(argc - i - 1, argv + i + 1);
	const struct cli_command *c = find(commands, ncommands, name);
	if (!c) {
		cli_error("unknown command '%s' (%s --help lists them)\n", name, cli_prog);
		return CLI_USAGE;
	}
	/* Help before the configuration: it needs none, and works when the
	 * configuration is broken. */
	const struct cli_command *h = help_wanted(c, argc - i - 1, argv + i + 1);
	if (h) {
		cli_print_usage(stdout, h);
		return CLI_OK;
	}
	struct config cfg;
	char err[512];
	if (config_load(&cfg, conf_path, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		return CLI_FAILED;
	}
	log_set_format(cfg.log_json ? LOG_JSON : LOG_TEXT);
	/* Sessions a command deletes (deleteuser) are dropped from the
	 * host's session cache of a running server; closed (and removed
	 * with runserver's last holder) after the command, once its
	 * transactions have committed. */
	web_session_cache_use(&cfg);
	int rc = c->run(&cfg, argc - i - 1, argv + i + 1);
	web_session_cache_close();
	config_free(&cfg);
	return rc;
}
