/* articles.c — the home page, the article pages, a user's page and the
 * article API. Logically deleted articles are invisible everywhere. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "site/site_priv.h"
#include "web/web.h"

/* The visible articles, newest first (pdatetime desc, id desc), as
 * objects with the columns a list shows (never the content): one
 * statement on one table, read from its covering index, whatever the page
 * size (the author's name is the article's copy). With author, only
 * author's articles. */
static struct orm_query *article_list(struct http_request *req, const struct user *author)
{
	struct orm_query *q = article_query(web_orm(req));
	q = orm_load_only(q, ORM_COL(article, title));
	q = orm_load_only(q, ORM_COL(article, pdatetime));
	q = orm_load_only(q, ORM_COL(article, click_num));
	q = orm_load_only(q, ORM_COL(article, user_id));
	q = orm_load_only(q, ORM_COL(article, author_name));
	if (author)
		q = orm_filter_by(q, "user_id", orm_int(author->id));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	q = orm_order_by(q, ORM_COL(article, pdatetime), ORM_DESC);
	return orm_order_by(q, ORM_COL(article, id), ORM_DESC);
}

/* A visible article by id (*out NULL when there is none). 0 or an
 * orm_err. */
static int find_article(struct http_request *req, int64_t id, struct article **out)
{
	*out = NULL;
	if (id <= 0)
		return 0;
	struct orm_query *q = orm_filter_by(article_query(web_orm(req)), "id", orm_int(id));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	return article_first(q, out);
}

/* A page's context with its articles (objects, rendered through their
 * columns and computed fields: site/fields.c); NULL when out of memory. */
static struct tmpl_map *articles_context(struct http_request *req, const struct orm_list *articles)
{
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set(ctx, "articles", orm_tmpl_list(articles, NULL, req->arena)) < 0)
		return NULL;
	return ctx;
}

static int not_found(struct http_request *req, struct http_response *resp)
{
	return web_abort(req, resp, 404, "No such article.");
}

int articles_home(struct http_request *req, struct http_response *resp)
{
	struct orm_list articles;
	int rc = orm_all(orm_limit(article_list(req, NULL), 10), &articles);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	return web_render_value(req, resp, 200, "home",
				tmpl_map_value(articles_context(req, &articles)));
}

/* A page of the visible articles (objects of article_list) with their
 * total, the maintained counter "articles" (site/counter.c), read in the
 * page's own statement: orm_paginate as any application calls it. 0,
 * ORM_NOT_FOUND (bad page arguments or beyond the last) or an orm_err. */
static int article_page(struct http_request *req, struct orm_pagination *p)
{
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	if (!site_page_args(req, &a.page, &a.per_page))
		return ORM_NOT_FOUND;
	a.counter = SITE_ARTICLE_COUNTER;
	return orm_paginate(article_list(req, NULL), &a, p);
}

int articles_list(struct http_request *req, struct http_response *resp)
{
	struct orm_pagination p;
	int rc = article_page(req, &p);
	if (rc == ORM_NOT_FOUND)
		return not_found(req, resp);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	struct tmpl_map *ctx = articles_context(req, &p.items);
	struct tmpl_map *bar = web_pagination(req, &p, "/articles");
	const char *total = site_count_text(req->arena, p.total, "article", "articles");
	if (!bar || !total || tmpl_map_set_str(bar, "total_text", total) < 0 ||
	    tmpl_map_set(ctx, "pagination", tmpl_map_value(bar)) < 0)
		return -1;
	return web_render_value(req, resp, 200, "articles/list", tmpl_map_value(ctx));
}

int articles_show(struct http_request *req, struct http_response *resp)
{
	int64_t id = site_path_id(req);
	if (!id)
		return not_found(req, resp);
	struct article *a;
	int rc = find_article(req, id, &a);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (!a)
		return not_found(req, resp);
	/* The view is counted in the worker (the page's click_num and views
	 * fields add this worker's unwritten views, its own included). */
	if ((rc = orm_deferred_add(&site_article_clicks, id, 1)) < 0)
		return web_orm_error(req, resp, rc);
	struct user *me = site_user(req);
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set(ctx, "article", orm_tmpl_obj(a, NULL, req->arena)) < 0 ||
	    tmpl_map_set_bool(ctx, "mine", me && me->id == a->user_id) < 0)
		return -1;
	return web_render_value(req, resp, 200, "articles/show", tmpl_map_value(ctx));
}

static int render_new(struct http_request *req, struct http_response *resp, int status, const char *title,
		      const char *content, const char *terr, const char *cerr)
{
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set_str(ctx, "title", title) < 0 || tmpl_map_set_str(ctx, "content", content) < 0 ||
	    (terr && tmpl_map_set_str(ctx, "title_error", terr) < 0) ||
	    (cerr && tmpl_map_set_str(ctx, "content_error", cerr) < 0) ||
	    ((terr || cerr) &&
	     tmpl_map_set_str(ctx, "error", "Please correct the fields below.") < 0))
		return -1;
	return web_render_value(req, resp, status, "articles/new", tmpl_map_value(ctx));
}

int articles_new(struct http_request *req, struct http_response *resp)
{
	return render_new(req, resp, 200, "", "", NULL, NULL);
}

struct article_txn {
	struct http_request *req;
	const char *title, *content;
	int64_t id;
	struct article *a;
	int status; /* delete: 0, 403 or 404 */
};

static int create_article_run(struct orm_session *s, void *arg)
{
	struct article_txn *t = arg;
	struct user *me = site_user(t->req);
	struct article *a = t->a = article_new(s);
	if (!a || !me)
		return ORM_NOMEM;
	a->title = t->title;
	a->content = t->content;
	/* The author by id: the logged-in user is not an ORM object here. Its
	 * name is copied in too (usernames never change), so that lists need
	 * no join. */
	ORM_SET(a, article, user_id, me->id);
	ORM_SET(a, article, author_name, me->username);
	return orm_add(s, a);
}

/* Insert an article by the logged-in user. 0 with *out, or an orm_err. */
static int create_article(struct http_request *req, const char *title, const char *content,
			  struct article **out)
{
	struct user *me = site_user(req);
	struct article_txn t = {.req = req,
				.title = arena_strdup(req->arena, title),
				.content = arena_strdup(req->arena, content)};
	if (!me || !t.title || !t.content)
		return ORM_NOMEM;
	int rc = orm_transaction(web_orm(req), create_article_run, &t);
	if (rc < 0)
		return rc;
	*out = t.a;
	return 0;
}

/* A form field, or NULL when it holds a NUL byte. */
static const char *field(struct http_request *req, const char *name)
{
	const struct text_param *p = text_params_get(&req->form, name);
	if (!p)
		return "";
	return strlen(p->value) == p->value_len ? p->value : NULL;
}

int articles_create(struct http_request *req, struct http_response *resp)
{
	const char *title = field(req, "title");
	const char *content = field(req, "content");
	const char *terr = title ? site_check_title(title) : "Title must not hold NUL characters.";
	const char *cerr = content ? site_check_content(content) : "Content must not hold NUL characters.";
	if (terr || cerr)
		return render_new(req, resp, 422, title ? title : "", content ? content : "", terr, cerr);
	struct article *a = NULL;
	int rc = create_article(req, title, content, &a);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	return site_redirect(resp, arena_printf(req->arena, "/articles/%lld", (long long)a->id),
			     "article_created");
}

static int delete_article_run(struct orm_session *s, void *arg)
{
	struct article_txn *t = arg;
	struct article *a = NULL;
	t->status = 0;
	int rc = article_get(s, t->id, &a);
	if (rc < 0)
		return rc;
	struct user *me = site_user(t->req);
	if (!a || a->isdelete)
		t->status = 404;
	else if (!me || me->id != a->user_id)
		t->status = 403;
	if (t->status)
		return orm_rollback(s);
	ORM_SET(a, article, isdelete, true);
	return 0;
}

/* Logical delete by the author. 0, 403, 404 or an orm_err. */
static int delete_article(struct http_request *req, int64_t id)
{
	if (id <= 0)
		return 404;
	struct article_txn t = {.req = req, .id = id};
	int rc = orm_transaction(web_orm(req), delete_article_run, &t);
	return rc < 0 ? rc : t.status;
}

int articles_delete(struct http_request *req, struct http_response *resp)
{
	int rc = delete_article(req, site_path_id(req));
	if (rc == 404)
		return not_found(req, resp);
	if (rc == 403)
		return web_abort(req, resp, 403, "Only the author may delete this article.");
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	return site_redirect(resp, "/articles", "article_deleted");
}

/* GET /articles/N/confirm-delete: the author is asked before the delete
 * (a page with the POST form; no JavaScript). It counts no click. Others
 * get 403, an absent or deleted article 404. */
int articles_confirm_delete(struct http_request *req, struct http_response *resp)
{
	int64_t id = site_path_id(req);
	if (!id)
		return not_found(req, resp);
	struct article *a;
	int rc = find_article(req, id, &a);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (!a)
		return not_found(req, resp);
	struct user *me = site_user(req);
	if (!me || me->id != a->user_id)
		return web_abort(req, resp, 403, "Only the author may delete this article.");
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set(ctx, "article", orm_tmpl_obj(a, NULL, req->arena)) < 0)
		return -1;
	return web_render_value(req, resp, 200, "articles/delete", tmpl_map_value(ctx));
}

/* The visible user called name (any ASCII case), or NULL. */
static struct user *find_user(struct http_request *req, const char *name, int *err)
{
	*err = 0;
	if (!name || strlen(name) > 32)
		return NULL;
	struct orm_query *q = orm_filter_by(user_query(web_orm(req)), "username", orm_str(name));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	struct user *u = NULL;
	*err = user_first(q, &u);
	return u;
}

int users_show(struct http_request *req, struct http_response *resp)
{
	int err;
	struct user *u = find_user(req, http_req_arg(req, 0), &err);
	if (err)
		return web_orm_error(req, resp, err);
	if (!u)
		return web_abort(req, resp, 404, "No such user.");
	struct orm_list articles;
	int rc = orm_all(article_list(req, u), &articles);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	struct tmpl_map *ctx = articles_context(req, &articles);
	if (tmpl_map_set(ctx, "profile", orm_tmpl_obj(u, NULL, req->arena)) < 0)
		return -1;
	return web_render_value(req, resp, 200, "users/show", tmpl_map_value(ctx));
}

/* ---- API ---- */

/* The API's article: {id,title[,content],pdatetime,click_num,author:{id,
 * username}}; with_content false leaves the content out (lists). */
static void jw_article(struct web_jw *w, const struct article *a, bool with_content)
{
	web_jw_object(w);
	web_jw_key(w, "id");
	web_jw_int(w, a->id);
	web_jw_key(w, "title");
	web_jw_str(w, a->title);
	if (with_content) {
		web_jw_key(w, "content");
		web_jw_str(w, a->content);
	}
	web_jw_key(w, "pdatetime");
	web_jw_datetime(w, a->pdatetime);
	web_jw_key(w, "click_num");
	web_jw_int(w, a->click_num);
	web_jw_key(w, "author");
	web_jw_object(w);
	web_jw_key(w, "id");
	web_jw_int(w, a->user_id);
	web_jw_key(w, "username");
	web_jw_str(w, a->author_name);
	web_jw_object_end(w);
	web_jw_object_end(w);
}

/* {items: [...], page, per_page, ...} of a page of article_list. */
static int api_page(struct http_response *resp, const struct orm_pagination *p)
{
	struct web_jw w;
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "items");
	web_jw_array(&w);
	for (size_t i = 0; i < p->items.n; i++)
		jw_article(&w, article_at(&p->items, i), false);
	web_jw_array_end(&w);
	web_jw_pagination(&w, p);
	web_jw_object_end(&w);
	return web_jw_finish(&w, resp, 200);
}

int api_articles_list(struct http_request *req, struct http_response *resp)
{
	struct orm_pagination p;
	int rc = article_page(req, &p);
	if (rc == ORM_NOT_FOUND)
		return web_api_error(resp, 404, "not_found", "No such page");
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	return api_page(resp, &p);
}

int api_articles_show(struct http_request *req, struct http_response *resp)
{
	struct article *a;
	int rc = find_article(req, site_path_id(req), &a);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (!a)
		return not_found(req, resp);
	struct web_jw w;
	web_jw_start(&w, resp);
	jw_article(&w, a, true);
	return web_jw_finish(&w, resp, 200);
}

int api_articles_create(struct http_request *req, struct http_response *resp)
{
	const char *title = site_body_str(req, "title");
	const char *content = site_body_str(req, "content");
	if (!title || !content)
		return web_api_error(resp, 422, "validation", "title and content (strings) are required");
	const char *e = site_check_title(title);
	if (!e)
		e = site_check_content(content);
	if (e)
		return web_api_error(resp, 422, "validation", e);
	struct article *a = NULL;
	int rc = create_article(req, title, content, &a);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (http_resp_header(resp, "Location", arena_printf(req->arena, "/api/articles/%lld", (long long)a->id)) < 0)
		return -1;
	struct web_jw w;
	web_jw_start(&w, resp);
	jw_article(&w, a, true);
	return web_jw_finish(&w, resp, 201);
}

int api_articles_delete(struct http_request *req, struct http_response *resp)
{
	int rc = delete_article(req, site_path_id(req));
	if (rc == 404)
		return web_api_error(resp, 404, "not_found", "No such article");
	if (rc == 403)
		return web_api_error(resp, 403, "forbidden", "Only the author may delete this article");
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	resp->status = 204;
	resp->content_type = NULL;
	return 0;
}

int api_user_articles(struct http_request *req, struct http_response *resp)
{
	int err;
	struct user *u = find_user(req, http_req_arg(req, 0), &err);
	if (err)
		return web_orm_error(req, resp, err);
	if (!u)
		return web_api_error(resp, 404, "not_found", "No such user");
	/* The total is the COUNT of the list (no counter per user), as
	 * Flask-SQLAlchemy's paginate: a second statement. */
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	if (!site_page_args(req, &a.page, &a.per_page))
		return web_api_error(resp, 404, "not_found", "No such page");
	struct orm_pagination p;
	int rc = orm_paginate(article_list(req, u), &a, &p);
	if (rc == ORM_NOT_FOUND)
		return web_api_error(resp, 404, "not_found", "No such page");
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	return api_page(resp, &p);
}
