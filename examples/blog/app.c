/* app.c — the blog's routes and its hooks: per worker (models, then the
 * web layer's database connection and templates), per request (an ORM
 * session in the request's arena), the checks forms and private pages
 * share (CSRF, login), error pages, and the session cookie on the way
 * out. */
#include <string.h>

#include "blog.h"

#define FORM HTTP_ROUTE_FORM
#define LOGIN BLOG_LOGIN

static const struct http_route routes[] = {
	{"GET", "/", blog_articles, 0, "index"},
	{"GET", "/articles", blog_articles, 0, "article list"},
	{"GET", "/articles/:id", blog_article, 0, "article"},
	{"GET", "/register", blog_register_form, 0, "register form"},
	{"POST", "/register", blog_register, FORM, "register"},
	{"GET", "/login", blog_login_form, 0, "login form"},
	{"POST", "/login", blog_login, FORM, "login"},
	{"POST", "/logout", blog_logout, FORM, "logout"},
	{"GET", "/me", blog_me, LOGIN, "my page"},
	{"POST", "/comments", blog_comment_add, FORM | LOGIN, "add comment"},
	{"GET", "/cookie", blog_cookie_show, 0, "read cookie"},
	{"GET", "/cookie/set", blog_cookie_set, 0, "set cookie"},
	{"GET", "/cookie/delete", blog_cookie_delete, 0, "delete cookie"},
	{"GET", "/healthz", web_healthz, 0, "health check"},
};

struct user *blog_user(struct http_request *req, bool *failed)
{
	struct blog_req *br = blog_req(req);
	if (failed)
		*failed = false;
	if (br->user_loaded)
		return br->user;
	long long id = web_session_user_id(req);
	struct user *u = NULL;
	if (id > 0 && user_get(&br->orm, id, &u) != 0) {
		if (failed)
			*failed = true;
		return NULL; /* not remembered: an outage is not "anonymous" */
	}
	br->user = u && !u->isdelete ? u : NULL;
	br->user_loaded = true;
	return br->user;
}

int blog_render(struct http_request *req, struct http_response *resp, int status, const char *name,
		json_object *ctx)
{
	buf_reset(&resp->body);
	int rc = ctx && web_tmpl(req) ? tmpl_render(web_tmpl(req), name, ctx, &resp->body) : -1;
	json_object_put(ctx);
	if (rc < 0)
		return -1;
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	return 0;
}

static void blog_error(struct http_request *req, struct http_response *resp, int status, const char *message)
{
	/* A database that cannot be used is a 503, not a 500. */
	if (status == 500 && web_db(req) && db_unavailable(web_db(req)))
		status = 503;
	if (status >= 500 || !message)
		message = status == 404 ? "There is nothing here." : http_reason(status);
	json_object *ctx = json_object_new_object();
	if (ctx) {
		json_object_object_add(ctx, "status", json_object_new_int(status));
		json_object_object_add(ctx, "reason", json_object_new_string(http_reason(status)));
		json_object_object_add(ctx, "message", json_object_new_string(message));
	}
	if (blog_render(req, resp, status, "error", ctx) < 0)
		http_resp_text(resp, status, "text/plain; charset=utf-8", http_reason(status));
	if (status == 503)
		http_resp_header(resp, "Retry-After", "1");
}

int blog_fail(struct http_request *req, struct http_response *resp, int status, const char *message)
{
	http_resp_clear(resp);
	blog_error(req, resp, status, message);
	return 0;
}

/* Before each handler: a form POST needs its CSRF token (403), a private
 * page a logged-in user (303 to /login). */
static int blog_before(struct http_request *req, struct http_response *resp)
{
	if (!blog_req(req))
		return -1; /* out of memory at request start: 500 */
	unsigned flags = req->route->flags;
	if (!(flags & (FORM | LOGIN)))
		return 0;
	if (web_session_load(req) < 0) {
		blog_fail(req, resp, 500, NULL);
		return 1;
	}
	if ((flags & FORM) && !strcmp(req->method, "POST") && !web_csrf_check(req)) {
		blog_fail(req, resp, 403, "The form's CSRF token is missing or wrong.");
		return 1;
	}
	if (flags & LOGIN) {
		bool failed;
		if (blog_user(req, &failed))
			return 0;
		if (failed)
			blog_fail(req, resp, 500, NULL);
		else if (http_resp_redirect(resp, 303, "/login") < 0)
			return -1;
		return 1;
	}
	return 0;
}

/* On every response: write the session back (its cookie with it), then
 * the security headers. */
static void blog_after(struct http_request *req, struct http_response *resp)
{
	if (web_session_save(req, resp) < 0 && resp->status < 500) {
		log_error("blog: saving the session failed: %s", web_db(req)->err);
		blog_fail(req, resp, 500, NULL);
	}
	web_security_headers(req, resp);
}

/* After the response is sent: end the request's ORM session and free the
 * session's JSON. Everything else dies with the request's arena. */
static void blog_finish(struct http_request *req)
{
	struct blog_req *br = blog_req(req);
	if (br)
		orm_session_close(&br->orm);
	web_session_release(req);
}

static const struct http_app blog_app_pages = {
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.before = blog_before,
	.after = blog_after,
	.error = blog_error,
	.finish = blog_finish,
};

/* In each worker after the fork: the models, then the web layer's state
 * (database connection, templates) on proto->worker. */
static int blog_worker_init(const struct config *cfg, struct http_request *proto)
{
	char err[256];
	if (blog_models_init(err, sizeof err) < 0) {
		log_error("blog: models: %s", err);
		return -1;
	}
	return web_worker_init(cfg, proto);
}

/* At the start of each request: the web layer's reset first, then the
 * request's ORM session, in the request's arena. */
static void blog_request_start(struct http_request *req)
{
	web_request_start(req);
	struct blog_req *br = arena_calloc(req->arena, 1, sizeof *br);
	if (br)
		orm_session_init(&br->orm, web_db(req), req->arena);
	req->user = br;
}

const struct server_hooks blog_hooks = {
	.app = &blog_app_pages,
	.worker_init = blog_worker_init,
	.worker_fini = web_worker_fini,
	.request_start = blog_request_start,
	.process_name = "blog-worker",
	.health = &web_health_hooks,
};
