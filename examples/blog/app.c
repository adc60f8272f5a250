/* app.c — the blog's routes and its user loader: the framework does the
 * rest (sessions, CSRF, login, error pages, the ORM session). */
#include "blog.h"

#define FORM HTTP_ROUTE_FORM
#define LOGIN WEB_LOGIN

static const struct http_route routes[] = {
	{"GET", "/", blog_articles, 0, "index"},
	{"GET", "/articles", blog_articles, 0, "article list"},
	{"GET", "/articles/:id", blog_article, 0, "article"},
	{"GET", "/me", blog_me, LOGIN, "my page"},
	{"POST", "/comments", blog_comment_add, FORM | LOGIN, "add comment"},
	{"GET", "/register", blog_register_form, 0, "register form"},
	{"POST", "/register", blog_register, FORM, "register"},
	{"POST", "/logout", blog_logout, FORM, "logout"},
	{"GET", "/login", blog_login_form, 0, "login form"},
	{"POST", "/login", blog_login, FORM, "login"},
	{"GET", "/cookie", blog_cookie_show, 0, "read cookie"},
	{"GET", "/cookie/set", blog_cookie_set, 0, "set cookie"},
	{"GET", "/cookie/delete", blog_cookie_delete, 0, "delete cookie"},
	{"GET", "/healthz", web_healthz, 0, "health check"},
};

/* Flask-Login's user_loader: the live user of the session's id. */
static int load_user(struct http_request *req, long long id, void **out)
{
	struct user *u = NULL;
	int rc = user_get(web_orm(req), id, &u);
	*out = rc == 0 && u && !u->isdelete ? u : NULL;
	return rc < 0 ? rc : 0;
}

const struct web_app blog_web = {
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.load_user = load_user,
	.process_name = "blog-worker",
};
