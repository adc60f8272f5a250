/* views.c — the blog's pages: the article list (paginated), an article,
 * register, login and logout, the user's own page with a comment form, and three
 * pages that set, read and delete a cookie. Every page renders a template
 * of templates/ from the ORM's objects (orm_tmpl_obj / orm_tmpl_list) and
 * a map of the page's own keys (web_context); everything a request
 * allocates is in its arena or released with it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blog.h"

/* A positive decimal number of at most 9 digits (ids, page numbers), or
 * -1. */
static long long parse_num(const char *s)
{
	if (!s || !*s || strlen(s) > 9)
		return -1;
	long long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

/* GET /articles?page=N (and /): five articles a page, newest first, each
 * with its author (article.user, joined in the page's statement) and
 * the total of the maintained count read in it too: one statement
 * whatever the number of articles; links to the previous and next page
 * and the page numbers with gaps (the framework's pagination map: page,
 * pages, total, prev_url, iter_pages...). The template reads the articles themselves (their
 * columns and relationships, through the ORM's metadata); the page's own
 * keys are a map in the request's arena. */
int blog_articles(struct http_request *req, struct http_response *resp)
{
	struct orm_session *s = web_orm(req);
	const char *p = http_req_query(req, "page");
	long long page = p ? parse_num(p) : 1;
	if (page < 1)
		return web_abort(req, resp, 404, "No such page.");
	struct orm_query *q = orm_order_by(article_query(s), ORM_COL(article, id), ORM_DESC);
	q = orm_load_only(q, ORM_COL(article, title)); /* a list shows no content */
	q = orm_load_only(q, ORM_COL(article, pdatetime));
	q = orm_load_only(q, ORM_COL(article, user_id));
	q = orm_eager_join(q, ORM_REL(article, user)); /* joinedload: no second statement */
	struct orm_page_args args = ORM_PAGE_ARGS_DEFAULT;
	args.page = page;
	args.per_page = BLOG_PER_PAGE;
	/* The total is the maintained count, read with the page: no COUNT(*). */
	args.counter = BLOG_ARTICLE_COUNT;
	struct orm_pagination pg;
	int rc = orm_paginate(q, &args, &pg);
	if (rc)
		return web_orm_error(req, resp, rc);

	struct tmpl_map *ctx = web_context(req);
	struct tmpl_map *bar = web_pagination(req, &pg, "/articles");
	if (!bar || tmpl_map_set(ctx, "articles", orm_tmpl_list(&pg.items, NULL, req->arena)) < 0 ||
	    tmpl_map_set(ctx, "pagination", tmpl_map_value(bar)) < 0)
		return -1;
	return web_render_value(req, resp, 200, "articles", tmpl_map_value(ctx));
}

/* GET /articles/:id — first_or_404: an id that names no article is a
 * 404 page. The page is the article itself, with its author
 * (article.user) loaded. */
int blog_article(struct http_request *req, struct http_response *resp)
{
	struct orm_session *s = web_orm(req);
	long long id = parse_num(http_req_arg(req, 0));
	if (id < 1)
		return web_abort(req, resp, 404, "No such article.");
	struct article *a;
	int rc = article_first_or_404(orm_filter_by(article_query(s), "id", orm_int(id)), &a);
	struct user *author = NULL;
	if (rc == 0)
		rc = article_load_user(s, a, &author);
	if (rc)
		return web_orm_error(req, resp, rc);
	return web_render_value(req, resp, 200, "article", orm_tmpl_obj(a, NULL, req->arena));
}

/* The login or the register page (template), with error (NULL: none)
 * and the name typed. */
static int account_page(struct http_request *req, struct http_response *resp, const char *template,
			int status, const char *error, const char *username)
{
	struct tmpl_map *ctx = web_context(req); /* {{csrf_token}}: the framework's */
	if (tmpl_map_set_str(ctx, "error", error) < 0 ||
	    tmpl_map_set_str(ctx, "username", username ? username : "") < 0)
		return -1;
	return web_render_value(req, resp, status, template, tmpl_map_value(ctx));
}

/* The answer to a throttle gate t (web_login_begin, web_register_begin,
 * SPEC 10): 1 when it answered (a 500, or a 429 with Retry-After), 0 to
 * go on. */
static int gate_answered(struct http_request *req, struct http_response *resp, int t, long wait)
{
	if (t == 0)
		return 0;
	if (t < 0) {
		web_abort(req, resp, 500, NULL);
		return 1;
	}
	char secs[24];
	snprintf(secs, sizeof secs, "%ld", wait);
	web_abort(req, resp, 429, "Too many attempts; try again later.");
	http_resp_header(resp, "Retry-After", secs);
	return 1;
}

/* GET /login */
int blog_login_form(struct http_request *req, struct http_response *resp)
{
	return account_page(req, resp, "login", 200, NULL, NULL);
}

/* POST /login (username, password): checks the password against the
 * user's Argon2id hash; on success the session holds the user's id (a new
 * session token, a permanent cookie) and the browser goes to /me. Every
 * attempt is counted before the hash, a success forgotten (the web
 * layer's throttling). */
int blog_login(struct http_request *req, struct http_response *resp)
{
	struct orm_session *s = web_orm(req);
	const char *name = http_req_form(req, "username");
	const char *password = http_req_form(req, "password");
	if (!name || !*name || !password)
		return account_page(req, resp, "login", 422, "Give a username and a password.", name);
	long retry_after;
	if (gate_answered(req, resp, web_login_begin(req, name, &retry_after), retry_after))
		return 0;
	struct user *u;
	int rc = blog_find_user(s, name, &u);
	if (rc)
		return web_orm_error(req, resp, rc);
	bool ok = u ? web_password_verify(u->password, password) : web_password_dummy_verify(password);
	if (!ok)
		return account_page(req, resp, "login", 401, "Wrong username or password.", name);
	if (web_login_succeeded(req, name) < 0 || web_session_login(req, u->id) < 0)
		return web_abort(req, resp, 500, NULL);
	return http_resp_redirect(resp, 303, "/me");
}

/* GET /register */
int blog_register_form(struct http_request *req, struct http_response *resp)
{
	return account_page(req, resp, "register", 200, NULL, NULL);
}

/* POST /register (username, password): a new user (1 to 32 characters,
 * a password of at least 8), logged in at once; a name already taken is
 * a 409 with the form again. */
int blog_register(struct http_request *req, struct http_response *resp)
{
	struct orm_session *s = web_orm(req);
	const char *name = http_req_form(req, "username");
	const char *password = http_req_form(req, "password");
	if (!name || !*name || strlen(name) > 32)
		return account_page(req, resp, "register", 422, "A username has 1 to 32 characters.", name);
	if (!password || strlen(password) < 8 || strlen(password) > 128)
		return account_page(req, resp, "register", 422, "A password has 8 to 128 characters.", name);
	long retry_after;
	if (gate_answered(req, resp, web_register_begin(req, &retry_after), retry_after))
		return 0;
	struct user *u;
	int rc = blog_create_user(s, name, password, &u);
	if (rc == ORM_CONFLICT)
		return account_page(req, resp, "register", 409, "That username is taken.", name);
	if (rc)
		return web_orm_error(req, resp, rc);
	if (web_register_succeeded(req) < 0 || web_session_login(req, u->id) < 0)
		return web_abort(req, resp, 500, NULL);
	return http_resp_redirect(resp, 303, "/me");
}

/* POST /logout: the session is cleared (its row deleted, its cookie
 * deleted at save). */
int blog_logout(struct http_request *req, struct http_response *resp)
{
	if (web_session_logout(req) < 0)
		return web_abort(req, resp, 500, NULL);
	return http_resp_redirect(resp, 303, "/login");
}

/* GET /me: the logged-in user's page: their articles (user.articles) and
 * comments (user.comments), the comment form and the logout button. */
int blog_me(struct http_request *req, struct http_response *resp)
{
	struct orm_session *s = web_orm(req);
	struct user *u = web_user(req); /* set: before() checked */
	struct orm_list *articles, *comments;
	int rc = user_load_articles(s, u, &articles);
	if (rc == 0)
		rc = user_load_comments(s, u, &comments);
	if (rc)
		return web_orm_error(req, resp, rc);
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set(ctx, "user", orm_tmpl_obj(u, NULL, req->arena)) < 0)
		return -1;
	return web_render_value(req, resp, 200, "me", tmpl_map_value(ctx));
}

/* POST /comments (content): a new comment, linked to the logged-in user
 * through comment_user (user.comments.append(comment)). */
int blog_comment_add(struct http_request *req, struct http_response *resp)
{
	struct orm_session *s = web_orm(req);
	struct user *u = web_user(req);
	const char *content = http_req_form(req, "content");
	if (!content || !*content || strlen(content) > 255)
		return web_abort(req, resp, 422, "A comment has 1 to 255 characters.");
	struct comment *c = comment_new(s);
	if (!c)
		return -1;
	c->content = content;
	int rc = orm_append(s, u, ORM_REL(user, comments), c);
	if (rc == 0)
		rc = orm_commit(s);
	if (rc)
		return web_orm_error(req, resp, rc);
	return http_resp_redirect(resp, 303, "/me");
}

/* A small page for the cookie routes. */
static int cookie_page(struct http_request *req, struct http_response *resp, const char *message,
		       const char *value)
{
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set_str(ctx, "message", message) < 0 || tmpl_map_set_str(ctx, "value", value) < 0 ||
	    tmpl_map_set_str(ctx, "name", BLOG_COOKIE) < 0)
		return -1;
	return web_render_value(req, resp, 200, "cookie", tmpl_map_value(ctx));
}

/* GET /cookie/set?value=V: resp.set_cookie(BLOG_COOKIE, V, max_age=3600,
 * expires=now + 3600), HttpOnly, SameSite=Lax. */
int blog_cookie_set(struct http_request *req, struct http_response *resp)
{
	const char *value = http_req_query(req, "value");
	if (!value || !*value)
		value = "flacon";
	struct http_cookie_opts o = {
		.max_age = BLOG_COOKIE_MAX_AGE,
		.expires = time(NULL) + BLOG_COOKIE_MAX_AGE,
		.path = "/",
		.httponly = true,
		.samesite = "Lax",
	};
	if (http_resp_set_cookie(resp, BLOG_COOKIE, value, &o) < 0)
		return -1;
	return cookie_page(req, resp, "The cookie is set.", value);
}

/* GET /cookie: request.cookies.get(BLOG_COOKIE). */
int blog_cookie_show(struct http_request *req, struct http_response *resp)
{
	const char *value = http_req_cookie(req, BLOG_COOKIE);
	return cookie_page(req, resp, value ? "The cookie holds a value." : "There is no cookie.", value);
}

/* GET /cookie/delete: resp.delete_cookie(BLOG_COOKIE) — Max-Age=0 and an
 * Expires in 1970. */
int blog_cookie_delete(struct http_request *req, struct http_response *resp)
{
	if (http_resp_delete_cookie(resp, BLOG_COOKIE, "/") < 0)
		return -1;
	return cookie_page(req, resp, "The cookie is deleted.", NULL);
}
