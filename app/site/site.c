/* site.c — the application's route table and its hooks into the pipeline:
 * per-worker state (database connection, compiled templates, models),
 * per-request state (ORM session), the checks every route shares (JSON
 * bodies, CSRF, login), and the response's last touches. Error answers
 * are in errors.c. */
#include "site/site.h"

#include <string.h>

#include "core/log.h"
#include "db/db.h"
#include "site/site_priv.h"
#include "web/web.h"

/* GET /_hello: a fixed text, the FastCGI ceiling for benchmarks; a 404
 * like any unknown path unless server.bench_routes is on (SPEC 3). */
static int hello(struct http_request *req, struct http_response *resp)
{
	if (!req->cfg || !req->cfg->bench_routes)
		return site_fail(req, resp, 404, NULL);
	return http_resp_text(resp, 200, "text/plain; charset=utf-8", "Hello from Flacon\n");
}

#define FORM HTTP_ROUTE_FORM
#define API HTTP_ROUTE_API
#define LOGIN SITE_LOGIN

static const struct http_route routes[] = {
	{"GET", "/", articles_home, 0, "home"},
	{"GET", "/register", auth_register_form, 0, "register form"},
	{"POST", "/register", auth_register, FORM, "register"},
	{"GET", "/login", auth_login_form, 0, "login form"},
	{"POST", "/login", auth_login, FORM, "login"},
	{"POST", "/logout", auth_logout, FORM, "logout"},
	{"GET", "/articles", articles_list, 0, "article list"},
	{"GET", "/articles/new", articles_new, LOGIN, "new article form"},
	{"POST", "/articles", articles_create, FORM | LOGIN, "create article"},
	{"GET", "/articles/:id", articles_show, 0, "article"},
	{"GET", "/articles/:id/confirm-delete", articles_confirm_delete, LOGIN, "confirm delete article"},
	{"POST", "/articles/:id/delete", articles_delete, FORM | LOGIN, "delete article"},
	{"GET", "/users/:name", users_show, 0, "user page"},
	{"GET", "/courses", courses_list, 0, "course list"},
	{"GET", "/courses/:id", courses_show, 0, "course"},
	{"POST", "/courses/:id/select", courses_select, FORM | LOGIN, "select course"},
	{"POST", "/courses/:id/drop", courses_drop, FORM | LOGIN, "drop course"},
	{"GET", "/me/courses", me_courses, LOGIN, "my courses"},
	{"GET", "/healthz", web_healthz, 0, "health check"},
	{"GET", "/_hello", hello, 0, "FastCGI hello (benchmarks)"},

	{"POST", "/api/register", api_register, API, "api register"},
	{"POST", "/api/login", api_login, API, "api login"},
	{"POST", "/api/logout", api_logout, API, "api logout"},
	{"GET", "/api/me", api_me, API | LOGIN, "api me"},
	{"GET", "/api/articles", api_articles_list, API, "api article list"},
	{"POST", "/api/articles", api_articles_create, API | LOGIN, "api create article"},
	{"GET", "/api/articles/:id", api_articles_show, API, "api article"},
	{"DELETE", "/api/articles/:id", api_articles_delete, API | LOGIN, "api delete article"},
	{"GET", "/api/users/:name/articles", api_user_articles, API, "api user articles"},
	{"GET", "/api/courses", api_courses_list, API, "api course list"},
	{"GET", "/api/courses/:id", api_courses_show, API, "api course"},
	{"PUT", "/api/courses/:id/enrollment", api_enroll, API | LOGIN, "api enroll"},
	{"DELETE", "/api/courses/:id/enrollment", api_unenroll, API | LOGIN, "api drop"},
	{"GET", "/api/me/courses", api_me_courses, API | LOGIN, "api my courses"},
};

static bool writes_body(const char *method)
{
	return !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "DELETE");
}

/* The checks every route shares, in SPEC order after 404/405/413/415 and
 * URL/form decoding (done by the pipeline): JSON body (400), CSRF (403),
 * login (401 / 303). */
static int site_before(struct http_request *req, struct http_response *resp)
{
	struct site_req *sr = site_req(req);
	unsigned flags = req->route->flags;
	if ((flags & HTTP_ROUTE_API) && writes_body(req->method) && req->body_len) {
		json_object *obj;
		const char *why;
		int rc = web_json_body(req, &obj, &why);
		if (rc < 0)
			return -1;
		if (rc) {
			site_fail(req, resp, 400, why);
			return 1;
		}
		sr->body = obj;
	}
	if ((flags & (HTTP_ROUTE_FORM | SITE_LOGIN)) && web_session_load(req) < 0) {
		/* The session row could not be read: an outage, not a forged
		 * form or a visitor (503 when the database is unusable). */
		site_fail(req, resp, 500, NULL);
		return 1;
	}
	if ((flags & HTTP_ROUTE_FORM) && !strcmp(req->method, "POST") && !web_csrf_check(req)) {
		site_fail(req, resp, 403, "The form's CSRF token is missing or wrong. Reload the page and try again.");
		return 1;
	}
	if ((flags & SITE_LOGIN) && !site_user(req)) {
		if (sr->user_failed) {
			/* the session could not be read: not a visitor, an outage
			 * (503 when the database is unusable, SPEC 7) */
			site_fail(req, resp, 500, NULL);
			return 1;
		}
		if (flags & HTTP_ROUTE_API)
			site_api_error(resp, 401, "unauthorized", "Log in first");
		else if (site_redirect_login(req, resp) < 0)
			return -1;
		return 1;
	}
	return 0;
}

static void site_after(struct http_request *req, struct http_response *resp)
{
	if (web_session_save(req, resp) < 0 && resp->status < 500) {
		log_error("saving the session failed: %s", web_db(req)->err);
		site_fail(req, resp, 500, NULL);
	}
	web_security_headers(req, resp);
}

/* Every 5000th request of a worker (as web_session_gc_tick counts). */
static bool gc_due(void)
{
	static unsigned long calls;
	return ++calls % 5000 == 0;
}

static void site_finish(struct http_request *req)
{
	struct site_req *sr = site_req(req);
	if (sr) {
		orm_session_close(&sr->orm);
		json_object_put(sr->body);
		sr->body = NULL;
	}
	web_session_release(req);
	/* Expired sessions and old failed logins go now and then, in
	 * whichever worker. */
	if (web_session_gc_tick(web_db(req), 5000) >= 0 && gc_due())
		web_login_failure_gc(web_db(req), req->cfg->auth_failure_window);
}

const struct http_app site_app = {
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.before = site_before,
	.after = site_after,
	.error = site_error,
	.finish = site_finish,
};

static int site_worker_init(const struct config *cfg, struct http_request *proto)
{
	char err[512];
	if (site_models_init(err, sizeof err) < 0) {
		log_error("models: %s", err);
		return -1;
	}
	return web_worker_init(cfg, proto);
}

static void site_worker_fini(struct http_request *proto)
{
	courses_pool_free();
	web_worker_fini(proto);
}

static void site_request_start(struct http_request *req)
{
	web_request_start(req);
	struct site_req *sr = arena_calloc(req->arena, 1, sizeof *sr);
	if (sr) {
		orm_session_init(&sr->orm, web_db(req), req->arena);
		sr->student_id = -1;
	}
	req->user = sr;
}

const struct server_hooks site_hooks = {
	.app = &site_app,
	.worker_init = site_worker_init,
	.worker_fini = site_worker_fini,
	.request_start = site_request_start,
	.process_name = "flacon-worker",
	.health = &web_health_hooks,
};
