/* health.c — GET /healthz (SPEC 7, 10): 200 "ok" when MariaDB answers, 503
 * with Retry-After when not. web_healthz() is the handler any application
 * routes; web_health_hooks run it in the master's health-check process, on
 * a socket of its own with a database connection of its own whose
 * timeouts are WEB_HEALTH_TIMEOUT: so a check never waits behind the
 * requests of a hung database, nor longer than that. Owns its db. */
#include "web/internal.h"

#include "core/log.h"
#include "core/server.h"
#include "db/db.h"

int web_healthz(struct request *req, struct response *resp)
{
	/* db_ping reconnects when disconnected; a held (hung) server fails
	 * at once. */
	if (!req->db || db_ping(req->db) < 0) {
		resp_header(resp, "Retry-After", "1");
		return resp_text(resp, 503, "text/plain; charset=utf-8", "unavailable\n");
	}
	return resp_text(resp, 200, "text/plain; charset=utf-8", "ok\n");
}

static void health_after(struct request *req, struct response *resp)
{
	web_security_headers(req, resp);
}

static const struct route health_routes[] = {
	{"GET", "/healthz", web_healthz, 0, "health check"},
};

static const struct app health_app = {
	.routes = health_routes,
	.nroutes = sizeof health_routes / sizeof health_routes[0],
	.after = health_after,
};

static int health_init(const struct config *cfg, struct request *proto)
{
	char err[256];
	struct db *db = db_new(cfg->database_url, err, sizeof err);
	if (!db) {
		log_error("health check: %s", err);
		return -1;
	}
	db->opt = db_options_from_config(cfg);
	if (!db->opt.connect_timeout || db->opt.connect_timeout > WEB_HEALTH_TIMEOUT)
		db->opt.connect_timeout = WEB_HEALTH_TIMEOUT;
	if (!db->opt.read_timeout || db->opt.read_timeout > WEB_HEALTH_TIMEOUT)
		db->opt.read_timeout = WEB_HEALTH_TIMEOUT;
	if (db_ensure(db) < 0)
		log_warn("health check: %s (will retry)", db->err);
	proto->db = db;
	return 0;
}

static void health_fini(struct request *proto)
{
	db_close(proto->db);
	proto->db = NULL;
}

static void health_request_start(struct request *req)
{
	req->db->queries = 0;
	req->session = NULL;
	db_idle_check(req->db);
}

const struct server_hooks web_health_hooks = {
	.app = &health_app,
	.worker_init = health_init,
	.worker_fini = health_fini,
	.request_start = health_request_start,
	.process_name = "flacon-health",
};
