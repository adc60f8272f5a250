/* health.c — GET /healthz (SPEC 7, 10): 200 "ok" when MariaDB answers, 503
 * with Retry-After when not. web_healthz() is the handler any application
 * routes; web_health_hooks run it in the master's health-check process, on
 * a socket of its own with a database connection of its own whose
 * timeouts are WEB_HEALTH_TIMEOUT: so a check never waits behind the
 * requests of a hung database, nor longer than that. Owns its db. */
#include <stdlib.h>

#include "web/internal.h"

#include "core/log.h"
#include "core/server.h"
#include "db/db.h"

int web_healthz(struct http_request *req, struct http_response *resp)
{
	/* db_ping reconnects when disconnected; a held (hung) server fails
	 * at once. */
	if (!web_db(req) || db_ping(web_db(req)) < 0) {
		http_resp_header(resp, "Retry-After", "1");
		return http_resp_text(resp, 503, "text/plain; charset=utf-8", "unavailable\n");
	}
	return http_resp_text(resp, 200, "text/plain; charset=utf-8", "ok\n");
}

static void health_after(struct http_request *req, struct http_response *resp)
{
	web_security_headers(req, resp);
}

static const struct http_route health_routes[] = {
	{"GET", "/healthz", web_healthz, 0, "health check"},
};

static const struct http_app health_app = {
	.routes = health_routes,
	.nroutes = sizeof health_routes / sizeof health_routes[0],
	.after = health_after,
};

static int health_init(const struct config *cfg, struct http_request *proto)
{
	log_set_format(cfg->log_json ? LOG_JSON : LOG_TEXT);
	struct web_worker *w = calloc(1, sizeof *w);
	if (!w || !(w->db = web_worker_db(cfg, WEB_HEALTH_TIMEOUT))) {
		log_error("health check: cannot start");
		free(w);
		return -1;
	}
	proto->worker = w;
	return 0;
}

const struct server_hooks web_health_hooks = {
	.app = &health_app,
	.worker_init = health_init,
	.worker_fini = web_worker_fini,
	.request_start = web_request_start,
	.process_name = "flacon-health",
};
