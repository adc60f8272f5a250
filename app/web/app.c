/* app.c — the framework's request pipeline for a struct web_app (SPEC 12):
 * per worker the models, the connection and the templates; per request
 * the ORM session (released with the arena), the JSON body of API writes,
 * the session, CSRF, login and the current user; on the way out the
 * application's after step, the session with its cookie and the security
 * headers; error pages and the one table from ORM errors to statuses; the
 * periodic clean-ups. What each application used to write by hand. */
#include <string.h>

#include "web/internal.h"

#include "core/log.h"
#include "core/metrics.h"
#include "core/server.h"
#include "db/db.h"
#include "orm/orm.h"
#include "tmpl/tmpl.h"

/* One request's framework state, in its arena, on req->user. */
struct web_reqstate {
	struct orm_session orm;
	struct web_worker *worker;
	void *user;        /* the current user, once loaded */
	bool user_loaded;
	bool user_failed;  /* the session or the user could not be read */
	json_object *json; /* the parsed body of an API write */
	void *g;           /* web_g's block */
};

/* The application of this process (one per process, as Flask's app). */
static const struct web_app *cur_app;
static int (*cur_models_init)(char *err, size_t errlen);

const struct web_app *web_current_app(void)
{
	return cur_app;
}

static struct web_reqstate *state(const struct http_request *req)
{
	return req->user;
}

struct orm_session *web_orm(struct http_request *req)
{
	struct web_reqstate *st = state(req);
	return st ? &st->orm : NULL;
}

void *web_g(struct http_request *req, size_t size)
{
	struct web_reqstate *st = state(req);
	if (!st)
		return NULL;
	if (!st->g)
		st->g = arena_calloc(req->arena, 1, size);
	return st->g;
}

json_object *web_json(struct http_request *req)
{
	struct web_reqstate *st = state(req);
	return st ? st->json : NULL;
}

/* ---- the current user ---------------------------------------------------- */

void *web_user(struct http_request *req)
{
	struct web_reqstate *st = state(req);
	if (!st)
		return NULL;
	if (st->user_loaded)
		return st->user;
	st->user_loaded = true;
	if (web_session_load(req) < 0) {
		st->user_failed = true; /* an outage, not a visitor */
		return NULL;
	}
	long long id = web_session_user_id(req);
	if (id <= 0)
		return NULL;
	if (!cur_app || !cur_app->load_user) {
		/* Without a loader the user is the id itself. */
		long long *p = arena_alloc(req->arena, sizeof *p);
		if (!p) {
			st->user_failed = true;
			return NULL;
		}
		*p = id;
		return st->user = p;
	}
	void *u = NULL;
	int rc = cur_app->load_user(req, id, &u);
	if (rc != 0) {
		st->user_failed = true;
		return NULL;
	}
	return st->user = u;
}

bool web_user_failed(struct http_request *req)
{
	struct web_reqstate *st = state(req);
	if (!st)
		return true;
	web_user(req);
	return st->user_failed;
}

int web_login_user(struct http_request *req, long long id, void *user)
{
	struct web_reqstate *st = state(req);
	if (!st || web_session_login(req, id) < 0)
		return -1;
	st->user = user;
	st->user_loaded = true;
	st->user_failed = false;
	return 0;
}

int web_logout_user(struct http_request *req)
{
	struct web_reqstate *st = state(req);
	if (!st || web_session_logout(req) < 0)
		return -1;
	st->user = NULL;
	st->user_loaded = true;
	return 0;
}

/* ---- errors ---------------------------------------------------------------- */

bool web_is_api(const struct http_request *req)
{
	if (req->route)
		return req->route->flags & HTTP_ROUTE_API;
	const char *prefix = cur_app && cur_app->api_prefix ? cur_app->api_prefix : "/api";
	size_t n = strlen(prefix);
	const char *p = req->raw_path ? req->raw_path : "";
	return !strncmp(p, prefix, n) && (p[n] == '/' || p[n] == '\0');
}

static const char *api_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 413: return "payload_too_large";
	case 415: return "unsupported_media_type";
	case 422: return "validation";
	case 429: return "too_many_requests";
	case 503: return "unavailable";
	default: return "internal";
	}
}

static const char *default_message(int status)
{
	switch (status) {
	case 400: return "The request could not be understood.";
	case 403: return "You may not do that.";
	case 404: return "There is nothing here.";
	case 405: return "This address does not accept that method.";
	case 409: return "That conflicts with what is there.";
	case 413: return "The request body is too large.";
	case 415: return "Send application/json.";
	case 422: return "That value is not accepted.";
	case 500: return "Something went wrong on our side. Please try again.";
	case 503: return "The service is unavailable. Please try again shortly.";
	default: return http_reason(status);
	}
}

/* The error JSON; request_id (NULL: none) is added for a 5xx, for the
 * client to quote. */
static int api_error(struct http_response *resp, int status, const char *code, const char *message,
		     const char *request_id)
{
	struct web_jw w;
	http_resp_clear(resp);
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "error");
	web_jw_str(&w, code);
	web_jw_key(&w, "message");
	web_jw_str(&w, message);
	if (request_id) {
		web_jw_key(&w, "request_id");
		web_jw_str(&w, request_id);
	}
	web_jw_object_end(&w);
	if (status == 503 && http_resp_header(resp, "Retry-After", "1") < 0)
		return -1;
	return web_jw_finish(&w, resp, status);
}

int web_api_error(struct http_response *resp, int status, const char *code, const char *message)
{
	return api_error(resp, status, code, message, NULL);
}

/* The application's `error` template with status, reason, message and,
 * for a 5xx, request_id (the id a visitor can quote), or a built-in
 * page. */
static void error_page(struct http_request *req, struct http_response *resp, int status, const char *msg)
{
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	buf_reset(&resp->body);
	/* http_request_id_valid: the id needs no escaping in HTML. */
	const char *id = status >= 500 ? req->request_id : NULL;
	const struct tmpl_set *t = web_tmpl(req);
	if (t && tmpl_set_has(t, "error")) {
		json_object *ctx = json_object_new_object();
		if (ctx) {
			json_object_object_add(ctx, "status", json_object_new_int(status));
			json_object_object_add(ctx, "reason", json_object_new_string(http_reason(status)));
			json_object_object_add(ctx, "message", json_object_new_string(msg));
			if (id)
				json_object_object_add(ctx, "request_id", json_object_new_string(id));
		}
		int rc = ctx ? tmpl_render(t, "error", ctx, &resp->body) : -1;
		json_object_put(ctx);
		if (rc >= 0)
			return;
		buf_reset(&resp->body);
	}
	buf_printf(&resp->body,
		   "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>%d %s</title>\n"
		   "<h1>%d %s</h1>\n<p>%s</p>\n",
		   status, http_reason(status), status, http_reason(status), msg);
	if (id)
		buf_printf(&resp->body,
			   "<p>If you contact us about it, quote this id: <code>%s</code></p>\n", id);
	buf_puts(&resp->body, "</html>\n");
}

void web_error(struct http_request *req, struct http_response *resp, int status, const char *message)
{
	/* A database that is down, hung, outside the primary component or
	 * still conflicting after the retries is a 503, never a 500. */
	if (status == 500 && web_db(req) && db_unavailable(web_db(req)))
		status = 503;
	if (status == 503)
		metrics_count(METRICS_DB_UNAVAILABLE);
	const char *msg = status >= 500 || !message ? default_message(status) : message;
	if (web_is_api(req)) {
		api_error(resp, status, api_code(status), msg, status >= 500 ? req->request_id : NULL);
		return;
	}
	error_page(req, resp, status, msg);
	if (status == 503)
		http_resp_header(resp, "Retry-After", "1");
}

int web_abort(struct http_request *req, struct http_response *resp, int status, const char *message)
{
	http_resp_clear(resp);
	web_error(req, resp, status, message);
	return 0;
}

int web_orm_error(struct http_request *req, struct http_response *resp, int err)
{
	struct orm_session *s = web_orm(req);
	switch (err) {
	case ORM_NOT_FOUND:
		return web_abort(req, resp, 404, NULL);
	case ORM_CONFLICT:
		return web_abort(req, resp, 409, NULL);
	case ORM_INVALID:
		return web_abort(req, resp, 422, NULL);
	case ORM_UNAVAILABLE:
	case ORM_RETRY:
		log_warn("database unavailable: %s", s ? orm_errmsg(s) : "");
		return web_abort(req, resp, 503, NULL);
	default:
		/* a 500, or a 503 while the database is unusable */
		log_error("database error: %s", s ? orm_errmsg(s) : "");
		return web_abort(req, resp, 500, NULL);
	}
}

/* ---- rendering ------------------------------------------------------------- */

/* The framework's own keys, under every other frame of a page's context:
 * csrf_token, made when a template first reads it (as Flask-WTF's
 * csrf_token() in a Jinja template: called by the pages that have a
 * form). A page without a form neither signs a token nor sets the csrf
 * cookie nor turns no-store. */
struct web_frame {
	struct http_request *req;
	struct http_response *resp;
};

static int frame_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		     struct tmpl_value *out)
{
	(void)hash;
	if (len != sizeof WEB_CSRF_FIELD - 1 || memcmp(name, WEB_CSRF_FIELD, len) != 0)
		return 0;
	const struct web_frame *f = map->obj;
	const char *token = web_csrf_token(f->req, f->resp);
	if (!token) /* no secret, or the session could not be read: the page is a 500 */
		return TMPL_ENOMEM;
	*out = tmpl_str(token);
	return 1;
}

static const struct tmpl_ops frame_ops = {.get = frame_get};

/* Render name over, from the outermost: the framework's frame, the keys
 * of the application's json-c context processor (web_app.context), those
 * of its map processor (web_app.context_map), then the page's own keys:
 * page (web_render_value's) or, for web_render, its json-c object page_json,
 * into which the json-c processor adds its keys (as it always has). */
static int render_frames(struct http_request *req, struct http_response *resp, int status,
			 const char *name, json_object *page_json, const struct tmpl_value *page)
{
	const struct tmpl_set *t = web_tmpl(req);
	if (!t)
		return -1;
	struct web_frame f = {req, resp};
	struct tmpl_value frames[4] = {{.kind = TMPL_MAP, .ops = &frame_ops, .obj = &f}};
	int n = 1;
	json_object *common = NULL; /* the json-c processor's own object */
	int rc = -1;
	if (cur_app && cur_app->context) {
		json_object *into = page_json;
		if (!into && !(into = common = json_object_new_object()))
			return -1;
		if (cur_app->context(req, resp, into) < 0)
			goto out;
		if (common)
			frames[n++] = tmpl_json(common);
	}
	if (cur_app && cur_app->context_map) {
		struct tmpl_map *m = tmpl_map_new(req->arena);
		if (!m || cur_app->context_map(req, resp, m) < 0)
			goto out;
		frames[n++] = tmpl_map_value(m);
	}
	if (page_json)
		frames[n++] = tmpl_json(page_json);
	else if (page)
		frames[n++] = *page;
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	buf_reset(&resp->body);
	int trc = tmpl_render_stack(t, name, frames, n, &resp->body);
	if (trc < 0) {
		log_error("rendering %s failed: %s", name, tmpl_strerror(trc));
		goto out;
	}
	rc = 0;
out:
	json_object_put(common);
	return rc;
}

int web_render(struct http_request *req, struct http_response *resp, int status, const char *name,
	       json_object *ctx)
{
	int rc = ctx ? render_frames(req, resp, status, name, ctx, NULL) : -1;
	json_object_put(ctx);
	return rc;
}

struct tmpl_map *web_context(struct http_request *req)
{
	return tmpl_map_new(req->arena);
}

int web_render_value(struct http_request *req, struct http_response *resp, int status,
		     const char *name, struct tmpl_value ctx)
{
	return ctx.kind != TMPL_NULL ? render_frames(req, resp, status, name, NULL, &ctx) : -1;
}

/* ---- the pipeline's steps ------------------------------------------------ */

static bool writes_body(const char *method)
{
	return !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "DELETE");
}

/* A 303 to login_path?next=<the current path and query>. */
static bool query_keep(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-_.~/", c));
}

static int redirect_login(struct http_request *req, struct http_response *resp)
{
	const char *path = cur_app && cur_app->login_path ? cur_app->login_path : "/login";
	const char *next = req->uri && *req->uri ? req->uri : "/";
	char *enc = text_percent_encode(req->arena, next, strlen(next), query_keep);
	char *loc = enc ? arena_printf(req->arena, "%s?next=%s", path, enc) : NULL;
	if (!loc)
		return -1;
	return http_resp_redirect(resp, 303, loc);
}

/* In SPEC 7's order after what http_handle checked (404, 405, 413, 415,
 * URL and form decoding): the JSON body (400), the session (an outage is
 * a 503/500), CSRF (403), login (303 / 401), then the application's. */
static int web_before(struct http_request *req, struct http_response *resp)
{
	struct web_reqstate *st = state(req);
	if (!st)
		return -1; /* out of memory at the request's start */
	unsigned flags = req->route->flags;
	if ((flags & HTTP_ROUTE_API) && writes_body(req->method) && req->body_len) {
		json_object *obj;
		const char *why;
		int rc = web_json_body(req, &obj, &why);
		if (rc < 0)
			return -1;
		if (rc) {
			web_abort(req, resp, 400, why);
			return 1;
		}
		st->json = obj; /* released with the arena (request_cleanup) */
	}
	if ((flags & (HTTP_ROUTE_FORM | WEB_LOGIN)) && web_session_load(req) < 0) {
		web_abort(req, resp, 500, NULL);
		return 1;
	}
	if ((flags & HTTP_ROUTE_FORM) && !strcmp(req->method, "POST") && !web_csrf_check(req)) {
		web_abort(req, resp, 403,
			  "The form's CSRF token is missing or wrong. Reload the page and try again.");
		return 1;
	}
	if ((flags & WEB_LOGIN) && !web_user(req)) {
		if (st->user_failed)
			web_abort(req, resp, 500, NULL);
		else if (flags & HTTP_ROUTE_API)
			web_api_error(resp, 401, "unauthorized", "Log in first");
		else if (redirect_login(req, resp) < 0)
			return -1;
		return 1;
	}
	return cur_app && cur_app->before ? cur_app->before(req, resp) : 0;
}

static void web_after(struct http_request *req, struct http_response *resp)
{
	if (cur_app && cur_app->after && state(req))
		cur_app->after(req, resp);
	if (web_session_save(req, resp) < 0 && resp->status < 500) {
		log_error("saving the session failed: %s", web_db(req) ? web_db(req)->err : "");
		web_abort(req, resp, 500, NULL);
	}
	web_security_headers(req, resp);
}

/* Now and then, in whichever worker: expired sessions (every 5000th
 * request) and old failed logins (every 5000th of those... as
 * web_session_gc_tick counts). */
static void web_finish(struct http_request *req)
{
	static unsigned long calls;
	struct db *db = web_db(req);
	if (!db)
		return;
	if (web_session_gc_tick(db, 5000) >= 0 && ++calls % 5000 == 0)
		web_login_failure_gc(db, req->cfg->auth_failure_window);
}

/* The arena's cleanup: the request's ORM session, its session's JSON and
 * its JSON body, whatever path the request took. */
static void request_cleanup(void *data)
{
	struct web_reqstate *st = data;
	orm_session_close(&st->orm);
	json_object_put(st->json);
	st->json = NULL;
	struct http_request r = {.worker = st->worker};
	web_session_release(&r);
}

static void web_app_request_start(struct http_request *req)
{
	web_request_start(req);
	struct web_reqstate *st = arena_calloc(req->arena, 1, sizeof *st);
	if (st) {
		st->worker = web_worker(req);
		orm_session_init(&st->orm, web_db(req), req->arena);
		if (arena_cleanup_add(req->arena, request_cleanup, st) < 0)
			st = NULL; /* nothing opened yet: the request is a 500 */
	}
	req->user = st;
}

static int web_app_worker_init(const struct config *cfg, struct http_request *proto)
{
	char err[512];
	/* A reload's workers write in the new configuration's format. */
	log_set_format(cfg->log_json ? LOG_JSON : LOG_TEXT);
	if (cur_models_init && cur_models_init(err, sizeof err) < 0) {
		log_error("models: %s", err);
		return -1;
	}
	if (web_worker_init(cfg, proto) < 0)
		return -1;
	if (cur_app->worker_init && cur_app->worker_init(cfg) < 0) {
		web_worker_fini(proto);
		return -1;
	}
	return 0;
}

static void web_app_worker_fini(struct http_request *proto)
{
	if (cur_app->worker_fini)
		cur_app->worker_fini();
	web_worker_fini(proto);
}

static struct http_app http_app;
static struct server_hooks hooks;

const struct server_hooks *web_app_hooks(const struct web_app *app,
					 int (*models_init)(char *err, size_t errlen))
{
	cur_app = app;
	cur_models_init = models_init;
	http_app = (struct http_app){
		.routes = app->routes,
		.nroutes = app->nroutes,
		.before = web_before,
		.after = web_after,
		.error = web_error,
		.finish = web_finish,
	};
	hooks = (struct server_hooks){
		.app = &http_app,
		.worker_init = web_app_worker_init,
		.worker_fini = web_app_worker_fini,
		.request_start = web_app_request_start,
		.tick = web_worker_tick,
		.process_name = app->process_name ? app->process_name : "flacon-worker",
		.health = &web_health_hooks,
	};
	return &hooks;
}
