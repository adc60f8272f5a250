/* runserver.c — `flacon runserver`: binds the FastCGI socket (or takes it
 * from systemd) and runs the prefork master over the application's
 * workers; `flacon routes`. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/server.h"
#include "web/web.h"

static int runserver(struct config *cfg, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			free(cfg->listen);
			cfg->listen = strdup(argv[++i]);
		} else if (!strcmp(argv[i], "--workers") && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 1 || n > 1024) {
				cli_error("--workers must be 1..1024\n");
				return CLI_USAGE;
			}
			cfg->workers = (int)n;
		} else {
			return cli_usage_error("runserver", "unknown argument");
		}
	}
	char err[512];
	if (config_check_server(cfg, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		return CLI_FAILED;
	}
	/* Under systemd socket activation (flacon.socket) the sockets are
	 * systemd's, passed in LISTEN_FDS: they outlive this process, so a
	 * restart refuses nothing (README "Deploying"). */
	bool passed = false, hpassed = false;
	int fd = server_acquire(cfg->listen, true, &passed, err, sizeof err);
	if (fd < 0) {
		cli_error("%s\n", err);
		return CLI_FAILED;
	}
	/* /healthz also on a socket of its own, answered by a process that
	 * never waits behind the workers (server.health_listen), when the
	 * application has one (hooks->health): systemd's when it passed one
	 * of that address, else bound here. */
	char hspec[512];
	int hfd = -1;
	if (cli_hooks->health && server_health_listen(cfg->listen, cfg->health_listen, hspec, sizeof hspec)) {
		hfd = server_acquire(hspec, false, &hpassed, err, sizeof err);
		if (hfd < 0) {
			cli_error("server.health_listen: %s\n", err);
			close(fd);
			return CLI_FAILED;
		}
		log_info("%s runserver on %s, health checks on %s (%s)", cli_prog, cfg->listen, hspec, cfg->env);
	} else {
		log_info("%s runserver on %s (%s)", cli_prog, cfg->listen, cfg->env);
	}
	server_passed_close_unused();
	/* The host's session cache, made before the fork so that every
	 * worker shares this one; flacon_main closes it after the master
	 * returns. Without it the workers read every session from MariaDB. */
	web_session_cache_open(cfg, true);
	return server_master(fd, hfd, cfg, cli_hooks) == 0 ? CLI_OK : CLI_FAILED;
}

const struct cli_command cli_runserver = {
	.name = "runserver",
	.usage = "runserver [--listen A] [--workers N]",
	.help = "run the prefork FastCGI server",
	.run = runserver,
	.details = "options:\n"
		   "  --listen A    unix:PATH or HOST:PORT (default: server.listen)\n"
		   "  --workers N   worker processes, 1..1024 (default: server.workers)\n\n"
		   "SIGTERM or SIGINT stops gracefully; SIGHUP reloads configuration and templates.\n"
		   "Under systemd socket activation (LISTEN_FDS) the sockets passed whose addresses\n"
		   "are server.listen and server.health_listen are used instead of binding them.\n",
};

static int routes(struct config *cfg, int argc, char **argv)
{
	(void)cfg;
	(void)argv;
	if (argc) {
		cli_error("routes takes no arguments\n");
		return CLI_USAGE;
	}
	const struct http_app *app = cli_hooks->app;
	for (size_t i = 0; app && i < app->nroutes; i++) {
		const struct http_route *r = &app->routes[i];
		printf("%-7s %-36s %s\n", r->method, r->pattern, r->name ? r->name : "");
	}
	return CLI_OK;
}

const struct cli_command cli_routes = {
	.name = "routes", .usage = "routes", .help = "list routes and methods", .run = routes,
};
