/* main.c — the `flacon` command line (SPEC section 8): parses the command
 * and its options, loads the configuration, and runs the command.
 * Exit codes: 0 done, 1 failed, 2 usage error; errors are one line on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct cli_command *commands[] = {
	&cli_runserver,
	&cli_db,
	&cli_create_all,
	&cli_drop_all,
	&cli_seed,
	&cli_createuser,
	&cli_deleteuser,
	&cli_createcourse,
	&cli_session_gc,
	&cli_routes,
};

static void usage(FILE *f)
{
	fprintf(f, "usage: flacon [--config FILE] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-40s %s\n", commands[i]->usage, commands[i]->help);
}

int main(int argc, char **argv)
{
	const char *conf_path = NULL;
	int i = 1;
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			conf_path = argv[i + 1];
			i += 2;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "flacon: unknown option %s\n", argv[i]);
			return CLI_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	const char *name = argv[i];
	/* Two-word commands ("db upgrade") are matched on their first word. */
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
		if (strcmp(commands[k]->name, name))
			continue;
		struct config cfg;
		char err[512];
		if (config_load(&cfg, conf_path, err, sizeof err) < 0) {
			fprintf(stderr, "flacon: %s\n", err);
			return CLI_FAILED;
		}
		int rc = commands[k]->run(&cfg, argc - i - 1, argv + i + 1);
		config_free(&cfg);
		return rc;
	}
	fprintf(stderr, "flacon: unknown command '%s' (flacon --help lists them)\n", name);
	return CLI_USAGE;
}
