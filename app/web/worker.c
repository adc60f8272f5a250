/* worker.c — the state a worker of a web application keeps between
 * requests (struct web_worker on req->worker): built once after the fork,
 * reset at the start of each request, freed when the worker ends. Owns the
 * worker's db and templates. */
#include <stdlib.h>

#include "web/internal.h"

#include "core/log.h"
#include "db/db.h"
#include "tmpl/tmpl.h"

int web_worker_init(const struct config *cfg, struct http_request *proto)
{
	char err[512];
	if (web_init() < 0) {
		log_error("libsodium cannot start");
		return -1;
	}
	struct web_worker *w = calloc(1, sizeof *w);
	if (!w || !(w->tmpl = tmpl_set_new())) {
		log_error("worker: out of memory");
		free(w);
		return -1;
	}
	proto->worker = w;
	/* An application that renders nothing needs no templates directory:
	 * a missing one is an empty set (web_tmpl(req) NULL, error pages
	 * built in). One that exists must compile. */
	int trc = tmpl_set_load_dir(w->tmpl, cfg->templates_dir, err, sizeof err);
	if (trc == TMPL_ENOENT) {
		tmpl_set_free(w->tmpl);
		w->tmpl = NULL;
	} else if (trc < 0) {
		log_error("templates: %s", err);
		web_worker_fini(proto);
		return -1;
	}
	if (!(w->db = web_worker_db(cfg, 0))) {
		web_worker_fini(proto);
		return -1;
	}
	return 0;
}

struct db *web_worker_db(const struct config *cfg, unsigned timeout_cap)
{
	char err[512];
	struct db *db = db_new(cfg->database_url, err, sizeof err);
	if (!db) {
		log_error("%s", err);
		return NULL;
	}
	db->opt = db_options_from_config(cfg);
	if (timeout_cap) {
		if (!db->opt.connect_timeout || db->opt.connect_timeout > timeout_cap)
			db->opt.connect_timeout = timeout_cap;
		if (!db->opt.read_timeout || db->opt.read_timeout > timeout_cap)
			db->opt.read_timeout = timeout_cap;
	}
	/* Connect now when we can; a database that is down is retried per
	 * request. */
	if (db_ensure(db) < 0)
		log_warn("%s (will retry)", db->err);
	return db;
}

void web_worker_fini(struct http_request *proto)
{
	struct web_worker *w = proto->worker;
	if (!w)
		return;
	db_close(w->db);
	tmpl_set_free(w->tmpl);
	free(w);
	proto->worker = NULL;
}

void web_request_start(struct http_request *req)
{
	struct web_worker *w = web_worker(req);
	w->session = NULL;
	w->db->queries = 0;
	/* on a later host of a cluster list: back to an earlier one when usable */
	db_idle_check(w->db);
}
