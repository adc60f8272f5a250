/* site.c — the application's route table and its hooks into the pipeline:
 * per-worker state (database connection), error pages, health check. */
#include "site/site.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "db/db.h"

/* GET /healthz: 200 "ok" when MariaDB answers, 503 when not. A worker whose
 * connection died reconnects here (db_ping connects when disconnected). */
static int healthz(struct request *req, struct response *resp)
{
	if (db_ping(req->db) < 0)
		return resp_text(resp, 503, "text/plain; charset=utf-8", "unavailable\n");
	return resp_text(resp, 200, "text/plain; charset=utf-8", "ok\n");
}

/* GET /_hello: a fixed text, the FastCGI ceiling for benchmarks. */
static int hello(struct request *req, struct response *resp)
{
	(void)req;
	return resp_text(resp, 200, "text/plain; charset=utf-8", "Hello from Flacon\n");
}

static const struct route routes[] = {
	{"GET", "/healthz", healthz, 0, "healthz"},
	{"GET", "/_hello", hello, 0, "hello"},
};

static void site_error(struct request *req, struct response *resp, int status, const char *message)
{
	const char *reason = http_reason(status);
	const char *msg = message ? message : reason;
	if (!strncmp(req->raw_path ? req->raw_path : "", "/api/", 5) ||
	    (req->raw_path && !strcmp(req->raw_path, "/api"))) {
		const char *code;
		switch (status) {
		case 400: code = "bad_request"; break;
		case 401: code = "unauthorized"; break;
		case 403: code = "forbidden"; break;
		case 404: code = "not_found"; break;
		case 405: code = "method_not_allowed"; break;
		case 409: code = "conflict"; break;
		case 413: code = "payload_too_large"; break;
		case 415: code = "unsupported_media_type"; break;
		case 422: code = "validation"; break;
		default: code = "internal"; break;
		}
		resp->content_type = "application/json";
		buf_printf(&resp->body, "{\"error\": \"%s\", \"message\": \"%s\"}", code,
			   status >= 500 ? "Internal error" : msg);
		return;
	}
	resp->content_type = "text/html; charset=utf-8";
	buf_printf(&resp->body,
		   "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%d %s</title>"
		   "<link rel=\"stylesheet\" href=\"/static/style.css\"></head>"
		   "<body><main class=\"error\"><h1>%d %s</h1><p>",
		   status, reason, status, reason);
	buf_append_html(&resp->body, msg, strlen(msg));
	buf_puts(&resp->body, "</p><p><a href=\"/\">Home</a></p></main></body></html>\n");
}

static void site_after(struct request *req, struct response *resp)
{
	(void)req;
	resp_header(resp, "X-Content-Type-Options", "nosniff");
	resp_header(resp, "X-Frame-Options", "DENY");
	resp_header(resp, "Content-Security-Policy",
		    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
		    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'");
	resp_header(resp, "Referrer-Policy", "same-origin");
	if (req->cfg->development && req->db) {
		char n[32];
		snprintf(n, sizeof n, "%lu", req->db->queries);
		resp_header(resp, "X-Flacon-Queries", n);
	}
}

const struct app site_app = {
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.after = site_after,
	.error = site_error,
};

static int site_worker_init(const struct config *cfg, struct request *proto)
{
	char err[256];
	struct db *db = db_new(cfg->database_url, err, sizeof err);
	if (!db) {
		log_error("%s", err);
		return -1;
	}
	/* Connect now when we can; a database that is down is retried per
	 * request, so the worker starts anyway and /healthz answers 503. */
	if (db_ensure(db) < 0)
		log_warn("%s (will retry)", db->err);
	proto->db = db;
	return 0;
}

static void site_worker_fini(struct request *proto)
{
	db_close(proto->db);
	proto->db = NULL;
}

static void site_request_start(struct request *req)
{
	req->db->queries = 0;
}

const struct server_hooks site_hooks = {
	.app = &site_app,
	.worker_init = site_worker_init,
	.worker_fini = site_worker_fini,
	.request_start = site_request_start,
};
