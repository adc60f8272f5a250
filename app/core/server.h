/* server.h — the FastCGI side of Flacon: binding the listen socket, the
 * worker's loop (one epoll_wait on the listen socket and every kept connection,
 * libfcgi's FCGX_Accept_r on each) feeding the pipeline of http.h, and the
 * prefork master that forks, watches, restarts and reloads workers. */
#ifndef FLACON_SERVER_H
#define FLACON_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "http.h"

/* Open the listen socket for spec ("unix:PATH" or "HOST:PORT"): a unix
 * socket is unlinked first and made connectable by nginx's user; a master
 * in this process unlinks it again at its stop (while the path is still
 * this socket's). Returns the fd, or -1 with a message in err. */
int server_listen(const char *spec, char *err, size_t errlen);

/* The listen socket for spec: the one a service manager passed, when it
 * did (systemd socket activation, the sd_listen_fds(3) protocol: LISTEN_PID
 * is this process, LISTEN_FDS sockets from fd 3 on, LISTEN_FDNAMES their
 * names; read at the first call, then unset), whose address is spec; else
 * a new one from server_listen. *passed says which. A passed socket stays
 * the manager's: it is never unlinked or shut, so connections wait in it
 * while the service restarts. When sockets were passed and none is spec,
 * required makes that an error (binding spec would take a unix path from
 * under the manager); otherwise spec is bound here. Returns the fd
 * (non-blocking, close-on-exec), or -1 with a message in err. */
int server_acquire(const char *spec, bool required, bool *passed, char *err, size_t errlen);

/* Close the sockets the service manager passed that no server_acquire
 * took, each with a warning. Returns how many. */
int server_passed_close_unused(void);

/* What a worker is given. The application's worker_init builds its state
 * (database connection, templates) after the fork. */
struct server_hooks {
	const struct http_app *app;
	/* After fork, in the worker: build per-worker state into
	 * req_proto->worker (web_worker_init does it for a web application).
	 * Returns 0, or -1 to exit the worker. */
	int (*worker_init)(const struct config *cfg, struct http_request *req_proto);
	void (*worker_fini)(struct http_request *req_proto);
	/* Before each request (reset per-request counters). */
	void (*request_start)(struct http_request *req);
	/* Called in the worker after each request and whenever the loop's wait times out;
	 * returns the milliseconds until it next needs to be called, or -1 for no timer.
	 * The loop never waits longer than that. NULL: none. */
	int (*tick)(struct http_request *proto);
	/* The process name (prctl PR_SET_NAME, 15 bytes) or NULL. */
	const char *process_name;
	/* What the health-check process runs on its own socket, or NULL. */
	const struct server_hooks *health;
};

/* The health socket's spec for server.listen = listen and
 * server.health_listen = health into out: health itself when set; "off":
 * none; empty or "auto": unix:PATH-health.sock beside a unix:PATH.sock
 * listen socket, none for HOST:PORT. Returns false when there is none. */
bool server_health_listen(const char *listen, const char *health, char *out, size_t n);

/* Run the worker loop on listen socket fd: up to cfg->worker_connections
 * FastCGI connections at once, kept between requests when nginx asks
 * (FCGI_KEEP_CONN), until SIGTERM/SIGINT/SIGHUP or cfg->max_requests
 * requests. The stop is graceful: every request already sent is
 * answered, and each kept connection is closed right after an answer or
 * once quiet (server.c, "worker"); worker_fini runs then. Returns 0, or 1
 * when the worker could not start. */
int server_worker_loop(int fd, const struct config *cfg, const struct server_hooks *hooks);

/* The prefork master: forks cfg->workers workers on fd (and, when
 * health_fd >= 0, one process running hooks->health on it), restarts dead ones
 * with back-off, SIGTERM/SIGINT → graceful stop (a unix socket this process
 * bound is unlinked and refuses new connections; the workers answer the
 * queued ones), SIGHUP → reload (config
 * re-read through conf_path, workers replaced one by one). Returns the exit
 * status for the process. */
int server_master(int fd, int health_fd, struct config *cfg, const struct server_hooks *hooks);

/* For a master whose listen sockets belong to a supervising process that
 * may run another master on them (`APP dev`), called before server_master:
 * the master leaves the sockets' paths in place when it stops, and each of
 * its workers writes one byte to ready_fd (when >= 0; non-blocking) once
 * its worker_init has succeeded. */
void server_set_supervised(int ready_fd);

#endif
