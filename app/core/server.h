/* server.h — the FastCGI side of Flacon: binding the listen socket, the
 * worker's accept loop (FCGX_Accept_r) feeding the pipeline of http.h, and
 * the prefork master that forks, watches, restarts and reloads workers. */
#ifndef FLACON_SERVER_H
#define FLACON_SERVER_H

#include <signal.h>

#include "core/config.h"
#include "core/http.h"

/* Open the listen socket for spec ("unix:PATH" or "HOST:PORT"): a unix
 * socket is unlinked first and made connectable by nginx's user. Returns
 * the fd, or -1 with a message in err. */
int server_listen(const char *spec, char *err, size_t errlen);

/* What a worker is given. The application's worker_init builds its state
 * (database connection, templates) after the fork. */
struct server_hooks {
	const struct app *app;
	/* After fork, in the worker: build per-worker state into *req_proto
	 * (db, tmpl, app_data). Returns 0, or -1 to exit the worker. */
	int (*worker_init)(const struct config *cfg, struct request *req_proto);
	void (*worker_fini)(struct request *req_proto);
	/* Before each request (reset per-request counters). */
	void (*request_start)(struct request *req);
};

/* Run the accept loop on fd until SIGTERM/SIGINT (graceful: the request
 * in flight finishes) or cfg->max_requests requests. Returns 0. */
int server_worker_loop(int fd, const struct config *cfg, const struct server_hooks *hooks);

/* The prefork master: forks cfg->workers workers on fd, restarts dead ones
 * with back-off, SIGTERM/SIGINT → graceful stop, SIGHUP → reload (config
 * re-read through conf_path, workers replaced one by one). Returns the exit
 * status for the process. */
int server_master(int fd, struct config *cfg, const struct server_hooks *hooks);

#endif
