/* site.c — the application's route table, and the application as the
 * framework runs it (struct web_app): its user loader and the keys its
 * pages share. */
#include "site/site.h"

#include <string.h>

#include "site/site_priv.h"
#include "web/web.h"

/* GET /_hello: a fixed text, the FastCGI ceiling for benchmarks; a 404
 * like any unknown path unless server.bench_routes is on (SPEC 3). */
static int hello(struct http_request *req, struct http_response *resp)
{
	if (!req->cfg || !req->cfg->bench_routes)
		return web_abort(req, resp, 404, NULL);
	return http_resp_text(resp, 200, "text/plain; charset=utf-8", "Hello from Flacon\n");
}

#define FORM HTTP_ROUTE_FORM
#define API HTTP_ROUTE_API
#define LOGIN WEB_LOGIN

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

/* The site on the framework: its routes, its user loader and the keys
 * every page gets; sessions, CSRF, login, errors and clean-up are the
 * framework's (web.h). */
const struct web_app site_web = {
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.load_user = site_load_user,
	.context_map = site_context,
	.process_name = "flacon-worker",
};
