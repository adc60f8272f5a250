/* worker.c — the state a worker of a web application keeps between
 * requests (struct web_worker on req->worker): built once after the fork,
 * reset at the start of each request, freed when the worker ends. Owns the
 * worker's db and templates, and in development mode the templates' watch. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web/internal.h"

#include "core/log.h"
#include "db/db.h"
#include "orm/orm.h"
#include "tmpl/tmpl.h"

/* Development mode: templates re-read when a file changes (Flask's
 * auto_reload). The worker watches the templates directory and its
 * subdirectories with inotify; before each request it reads the watch
 * without blocking (one system call) and, when anything under the tree
 * changed, reloads the whole set. The kernel queues the event before the
 * editor's write returns, so an edit is served on the next request. One
 * worker per process: the watch is the process's. */
static int tmpl_inotify = -1;

/* Watch dir and every directory under it (dot entries skipped, as the
 * loader does). 0 or -1. */
static int tmpl_watch_tree(const char *dir, int depth)
{
	const uint32_t mask = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_DELETE |
			      IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;
	if (depth > 16 || inotify_add_watch(tmpl_inotify, dir, mask | IN_ONLYDIR) < 0)
		return -1;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	char path[4096];
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.' || snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
			continue;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rc = tmpl_watch_tree(path, depth + 1);
	}
	closedir(d);
	return rc;
}

/* (Re)start the watch of cfg's templates directory: a new inotify
 * instance, so directories added since are watched too. */
static void tmpl_watch(const struct config *cfg)
{
	if (tmpl_inotify >= 0)
		close(tmpl_inotify);
	tmpl_inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (tmpl_inotify >= 0 && tmpl_watch_tree(cfg->templates_dir, 0) == 0)
		return;
	int e = errno;
	if (access(cfg->templates_dir, F_OK) == 0)
		log_warn("templates in %s are not watched (inotify: %s): restart to see changes",
			 cfg->templates_dir, strerror(e));
	if (tmpl_inotify >= 0)
		close(tmpl_inotify);
	tmpl_inotify = -1;
}

/* Reload w's templates when the watch saw a change. A set that does not
 * compile is logged and the worker has none until the next change: its
 * pages answer 500, the same in every worker, rather than a set from
 * whenever this worker last looked. */
static void tmpl_refresh(struct web_worker *w, const struct config *cfg)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	while (read(tmpl_inotify, ev, sizeof ev) > 0)
		changed = true;
	if (!changed)
		return;
	tmpl_watch(cfg);
	char err[512];
	struct tmpl_set *set = tmpl_set_new();
	int rc = set ? tmpl_set_load_dir(set, cfg->templates_dir, err, sizeof err) : TMPL_ENOMEM;
	if (rc < 0) {
		if (rc != TMPL_ENOENT)
			log_error("templates: %s (pages answer 500 until it is mended)",
				  rc == TMPL_ENOMEM ? "out of memory" : err);
		tmpl_set_free(set);
		set = NULL;
	}
	tmpl_set_free(w->tmpl);
	w->tmpl = set;
	if (set)
		log_info("templates re-read from %s", cfg->templates_dir);
}

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
	/* Before the load: a change made while it reads is seen next time. */
	if (cfg->development)
		tmpl_watch(cfg);
	/* An application that renders nothing needs no templates directory:
	 * a missing one is an empty set (web_tmpl(req) NULL, error pages
	 * built in). One that exists must compile — except while it is
	 * watched: then the worker starts without it, as after a reload. */
	int trc = tmpl_set_load_dir(w->tmpl, cfg->templates_dir, err, sizeof err);
	if (trc < 0 && trc != TMPL_ENOENT && tmpl_inotify >= 0)
		log_error("templates: %s (pages answer 500 until it is mended)", err);
	if (trc == TMPL_ENOENT || (trc < 0 && tmpl_inotify >= 0)) {
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

/* How long a worker's drain keeps trying to write its deferred
 * increments while the database fails (the master waits 20 s or more). */
#define DRAIN_FLUSH_MS 5000

int web_worker_tick(struct http_request *proto)
{
	struct web_worker *w = proto->worker;
	return w && w->db ? orm_deferred_tick(w->db) : -1;
}

void web_worker_fini(struct http_request *proto)
{
	struct web_worker *w = proto->worker;
	if (!w)
		return;
	/* The drain (SIGTERM, SIGHUP reload, max_requests) writes every
	 * deferred increment before the connection closes. */
	if (w->db && orm_deferred_count() && orm_deferred_flush(w->db, DRAIN_FLUSH_MS) < 0) {
		log_error("deferred increments: %zu keys lost at exit, the database failed: %s",
			  orm_deferred_count(), w->db->err);
		orm_deferred_discard();
	}
	db_close(w->db);
	tmpl_set_free(w->tmpl);
	free(w);
	proto->worker = NULL;
	if (tmpl_inotify >= 0)
		close(tmpl_inotify);
	tmpl_inotify = -1;
}

void web_request_start(struct http_request *req)
{
	struct web_worker *w = web_worker(req);
	if (tmpl_inotify >= 0)
		tmpl_refresh(w, req->cfg);
	w->session = NULL;
	w->db->queries = 0;
	/* on a later host of a cluster list: back to an earlier one when usable */
	db_idle_check(w->db);
}
