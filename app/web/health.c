/* health.c — GET /healthz (SPEC 7, 10): 200 "ok" when MariaDB answers, 503
 * with Retry-After when not; and, on the health socket only (SPEC 13),
 * GET /metrics (Prometheus) and GET /status (JSON for `flacon status`). web_healthz() is the handler any application
 * routes; web_health_hooks run it in the master's health-check process, on
 * a socket of its own with a database connection of its own whose
 * timeouts are WEB_HEALTH_TIMEOUT: so a check never waits behind the
 * requests of a hung database, nor longer than that. Owns its db. */
#include <limits.h>
#include <stdlib.h>

#include "web/internal.h"

#include "core/log.h"
#include "core/metrics.h"
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

/* The database hosts of the health process's own connection (the same
 * list as the workers'), as node labels, in the request's arena. */
static struct metrics_nodes nodes_of(struct http_request *req)
{
	struct metrics_nodes n = {NULL, 0};
	struct db *db = web_db(req);
	if (!db)
		return n;
	size_t count = db->url.socket ? 1 : db->url.nhosts;
	const char **v = arena_alloc(req->arena, (count ? count : 1) * sizeof *v);
	if (!v)
		return n;
	for (size_t i = 0; i < count; i++) {
		const struct db_host *h = &db->url.hosts[i];
		v[i] = db->url.socket ? db->url.socket
				      : arena_printf(req->arena, "%s:%u", h->name, h->port ? h->port : 3306);
		if (!v[i])
			return n;
	}
	n.name = v;
	n.n = count;
	return n;
}

/* GET /metrics: the Prometheus text format of every worker's counts. */
static int health_metrics(struct http_request *req, struct http_response *resp)
{
	struct metrics_nodes nodes = nodes_of(req);
	buf_reset(&resp->body);
	if (metrics_render_prometheus(&resp->body, &nodes) < 0)
		return -1;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return http_resp_header(resp, "Cache-Control", "no-store");
}

/* GET /status: the master and each worker, as `flacon status` shows them
 * (PHP-FPM's status page). */
static int health_status(struct http_request *req, struct http_response *resp)
{
	enum { MAX_WORKERS = 2100 };
	struct metrics_worker *w = arena_alloc(req->arena, MAX_WORKERS * sizeof *w);
	struct metrics_status st;
	if (!w || metrics_read_status(&st, w, MAX_WORKERS) < 0)
		return -1;
	struct metrics_nodes nodes = nodes_of(req);
	struct web_jw j;
	web_jw_start(&j, resp);
	web_jw_object(&j);
	web_jw_key(&j, "master_pid");
	web_jw_int(&j, st.master);
	web_jw_key(&j, "version");
	web_jw_str(&j, st.version);
	web_jw_key(&j, "config");
	char conf[PATH_MAX];
	if (req->cfg && req->cfg->path)
		web_jw_str(&j, realpath(req->cfg->path, conf) ? conf : req->cfg->path);
	else
		web_jw_null(&j);
	web_jw_key(&j, "started");
	web_jw_datetime(&j, st.started);
	web_jw_key(&j, "uptime_seconds");
	web_jw_int(&j, st.uptime_ms / 1000);
	web_jw_key(&j, "requests");
	web_jw_int(&j, (int64_t)st.requests);
	web_jw_key(&j, "worker_starts");
	web_jw_int(&j, (int64_t)st.worker_starts);
	size_t busy = 0;
	for (size_t i = 0; i < st.nworkers; i++)
		busy += w[i].busy;
	web_jw_key(&j, "busy_workers");
	web_jw_int(&j, (int64_t)busy);
	web_jw_key(&j, "idle_workers");
	web_jw_int(&j, (int64_t)(st.nworkers - busy));
	web_jw_key(&j, "workers");
	web_jw_array(&j);
	for (size_t i = 0; i < st.nworkers; i++) {
		const struct metrics_worker *x = &w[i];
		web_jw_object(&j);
		web_jw_key(&j, "pid");
		web_jw_int(&j, x->pid);
		web_jw_key(&j, "state");
		web_jw_str(&j, x->busy ? "busy" : "idle");
		web_jw_key(&j, "requests");
		web_jw_int(&j, (int64_t)x->requests);
		web_jw_key(&j, "route");
		if (x->route)
			web_jw_str(&j, x->route);
		else
			web_jw_null(&j);
		web_jw_key(&j, "route_age_ms");
		if (x->route)
			web_jw_int(&j, x->age_ms);
		else
			web_jw_null(&j);
		web_jw_key(&j, "db_node");
		if (x->db_node >= 0 && (size_t)x->db_node < nodes.n)
			web_jw_str(&j, nodes.name[x->db_node]);
		else
			web_jw_null(&j);
		web_jw_key(&j, "uptime_seconds");
		web_jw_int(&j, x->uptime_ms / 1000);
		web_jw_object_end(&j);
	}
	web_jw_array_end(&j);
	web_jw_object_end(&j);
	if (http_resp_header(resp, "Cache-Control", "no-store") < 0)
		return -1;
	return web_jw_finish(&j, resp, 200);
}

static void health_after(struct http_request *req, struct http_response *resp)
{
	web_security_headers(req, resp);
}

static const struct http_route health_routes[] = {
	{"GET", "/healthz", web_healthz, 0, "health check"},
	{"GET", "/metrics", health_metrics, 0, "metrics"},
	{"GET", "/status", health_status, 0, "status"},
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
