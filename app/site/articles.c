/* articles.c — the home page, the article pages, a user's page and the
 * article API. Logically deleted articles are invisible everywhere. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "site/site_priv.h"
#include "web/web.h"

/* Articles anyone may see, newest first (pdatetime desc, id desc). */
static struct orm_query *visible_articles(struct request *req)
{
	struct orm_session *s = &site_req(req)->orm;
	struct orm_query *q = orm_filter_by(article_query(s), "isdelete", orm_bool(false));
	q = orm_order_by(q, ORM_COL(article, pdatetime), ORM_DESC);
	q = orm_order_by(q, ORM_COL(article, id), ORM_DESC);
	return orm_eager(q, ORM_REL(article, user));
}

/* The article id of the path (:id), or 0 when it is not a number. */
static int64_t path_id(struct request *req)
{
	const char *a = req_arg(req, 0);
	long long v;
	if (!a || !parse_digits(a, strlen(a), 1LL << 53, &v) || v < 1)
		return 0;
	return v;
}

/* A visible article by id with its author, or NULL (*err set on a
 * database error). */
static struct article *find_article(struct request *req, int64_t id, int *err)
{
	struct site_req *sr = site_req(req);
	*err = 0;
	struct article *a = NULL;
	if (id <= 0)
		return NULL;
	int rc = article_get(&sr->orm, id, &a);
	if (rc < 0) {
		*err = rc;
		return NULL;
	}
	if (!a || a->isdelete)
		return NULL;
	struct user *u;
	rc = article_load_user(&sr->orm, a, &u);
	if (rc < 0) {
		*err = rc;
		return NULL;
	}
	return a;
}

static json_object *page_article(struct request *req, struct article *a, bool content)
{
	json_object *o = site_article_json(req, a, content);
	json_object_object_add(o, "pdate", json_object_new_string(site_date(req, a->pdatetime)));
	return o;
}

static json_object *page_articles(struct request *req, const struct orm_list *l)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, page_article(req, article_at(l, i), false));
	return arr;
}

static json_object *api_articles(struct request *req, const struct orm_list *l)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, site_article_json(req, article_at(l, i), false));
	return arr;
}

static int not_found(struct request *req, struct response *resp)
{
	return site_fail(req, resp, 404, "No such article.");
}

int articles_home(struct request *req, struct response *resp)
{
	struct orm_list l = {0};
	int rc = orm_all(orm_limit(visible_articles(req), 10), &l);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	json_object *ctx = json_object_new_object();
	json_object_object_add(ctx, "articles", page_articles(req, &l));
	return site_render(req, resp, 200, "home", ctx);
}

/* Page `page` of the visible articles, total from the maintained count.
 * Returns 0, ORM_NOT_FOUND (bad page arguments or beyond the last) or an
 * orm_err. */
static int article_page(struct request *req, struct orm_pagination *p)
{
	int64_t page, per_page, total;
	if (!site_page_args(req, &page, &per_page))
		return ORM_NOT_FOUND;
	int rc = site_article_total(req, &total);
	if (rc < 0)
		return rc;
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	a.page = page;
	a.per_page = per_page;
	a.max_per_page = 100;
	a.count = false;
	a.total = total;
	return orm_paginate(visible_articles(req), &a, p);
}

int articles_list(struct request *req, struct response *resp)
{
	struct orm_pagination p;
	int rc = article_page(req, &p);
	if (rc == ORM_NOT_FOUND)
		return not_found(req, resp);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	json_object *ctx = json_object_new_object();
	json_object_object_add(ctx, "articles", page_articles(req, &p.items));
	json_object_object_add(ctx, "pagination", site_pagination_json(req, &p, "/articles"));
	return site_render(req, resp, 200, "articles/list", ctx);
}

int articles_show(struct request *req, struct response *resp)
{
	struct site_req *sr = site_req(req);
	int64_t id = path_id(req);
	if (!id)
		return not_found(req, resp);
	/* Count the click atomically, only for a visible article. */
	struct orm_query *q = orm_filter_by(article_query(&sr->orm), "id", orm_int(id));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	struct orm_assign inc = {ORM_COL(article, click_num), orm_int(1), true};
	uint64_t affected = 0;
	int rc = orm_update(q, &inc, 1, &affected);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	if (!affected)
		return not_found(req, resp);
	int err;
	struct article *a = find_article(req, id, &err);
	if (err)
		return site_orm_error(req, resp, err);
	if (!a)
		return not_found(req, resp);
	struct user *me = site_user(req);
	json_object *ja = page_article(req, a, true);
	json_object_object_add(ja, "mine", json_object_new_boolean(me && me->id == a->user_id));
	json_object *ctx = json_object_new_object();
	json_object_object_add(ctx, "article", ja);
	return site_render(req, resp, 200, "articles/show", ctx);
}

static int render_new(struct request *req, struct response *resp, int status, const char *title,
		      const char *content, const char *terr, const char *cerr)
{
	json_object *ctx = json_object_new_object();
	json_object_object_add(ctx, "title", json_object_new_string(title));
	json_object_object_add(ctx, "content", json_object_new_string(content));
	if (terr)
		json_object_object_add(ctx, "title_error", json_object_new_string(terr));
	if (cerr)
		json_object_object_add(ctx, "content_error", json_object_new_string(cerr));
	if (terr || cerr)
		json_object_object_add(ctx, "error", json_object_new_string("Please correct the fields below."));
	return site_render(req, resp, status, "articles/new", ctx);
}

int articles_new(struct request *req, struct response *resp)
{
	return render_new(req, resp, 200, "", "", NULL, NULL);
}

/* Insert an article by the logged-in user. 0 with *out, or an orm_err. */
static int create_article(struct request *req, const char *title, const char *content,
			  struct article **out)
{
	struct site_req *sr = site_req(req);
	struct user *me = site_user(req);
	struct article *a = article_new(&sr->orm);
	if (!a || !me)
		return ORM_NOMEM;
	a->title = arena_strdup(req->arena, title);
	a->content = arena_strdup(req->arena, content);
	int rc = orm_set_related(&sr->orm, a, ORM_REL(article, user), me);
	if (rc == 0)
		rc = orm_add(&sr->orm, a);
	if (rc == 0)
		rc = orm_commit(&sr->orm);
	if (rc < 0) {
		orm_rollback(&sr->orm);
		return rc;
	}
	*out = a;
	return 0;
}

/* A form field, or NULL when it holds a NUL byte. */
static const char *field(struct request *req, const char *name)
{
	const struct param *p = params_get(&req->form, name);
	if (!p)
		return "";
	return strlen(p->value) == p->value_len ? p->value : NULL;
}

int articles_create(struct request *req, struct response *resp)
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
		return site_orm_error(req, resp, rc);
	return site_redirect(resp, arena_printf(req->arena, "/articles/%lld", (long long)a->id),
			     "article_created");
}

/* Logical delete by the author. 0, 403, 404 or an orm_err. */
static int delete_article(struct request *req, int64_t id)
{
	struct site_req *sr = site_req(req);
	int err;
	struct article *a = find_article(req, id, &err);
	if (err)
		return err;
	if (!a)
		return 404;
	struct user *me = site_user(req);
	if (!me || me->id != a->user_id)
		return 403;
	ORM_SET(a, article, isdelete, true);
	int rc = orm_commit(&sr->orm);
	if (rc < 0)
		orm_rollback(&sr->orm);
	return rc;
}

int articles_delete(struct request *req, struct response *resp)
{
	int rc = delete_article(req, path_id(req));
	if (rc == 404)
		return not_found(req, resp);
	if (rc == 403)
		return site_fail(req, resp, 403, "Only the author may delete this article.");
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	return site_redirect(resp, "/articles", "article_deleted");
}

/* The visible user called name (any ASCII case), or NULL. */
static struct user *find_user(struct request *req, const char *name, int *err)
{
	struct site_req *sr = site_req(req);
	*err = 0;
	if (!name || strlen(name) > 32)
		return NULL;
	struct orm_query *q = orm_filter_by(user_query(&sr->orm), "username", orm_str(name));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	struct user *u = NULL;
	*err = user_first(q, &u);
	return u;
}

static struct orm_query *articles_of(struct request *req, struct user *u)
{
	struct orm_session *s = &site_req(req)->orm;
	struct orm_query *q = orm_filter_by(article_query(s), "user_id", orm_int(u->id));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	q = orm_order_by(q, ORM_COL(article, pdatetime), ORM_DESC);
	return orm_order_by(q, ORM_COL(article, id), ORM_DESC);
}

int users_show(struct request *req, struct response *resp)
{
	int err;
	struct user *u = find_user(req, req_arg(req, 0), &err);
	if (err)
		return site_orm_error(req, resp, err);
	if (!u)
		return site_fail(req, resp, 404, "No such user.");
	struct orm_list l = {0};
	int rc = orm_all(articles_of(req, u), &l);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	/* Every article's author is u: no query per row. */
	for (size_t i = 0; i < l.n; i++)
		article_at(&l, i)->user = u;
	json_object *ctx = json_object_new_object();
	json_object *p = json_object_new_object();
	json_object_object_add(p, "username", json_object_new_string(u->username));
	json_object_object_add(p, "rdatetime", json_object_new_string(site_iso(req, u->rdatetime)));
	json_object_object_add(p, "rdate", json_object_new_string(site_date(req, u->rdatetime)));
	json_object_object_add(ctx, "profile", p);
	json_object_object_add(ctx, "articles", page_articles(req, &l));
	return site_render(req, resp, 200, "users/show", ctx);
}

/* ---- API ---- */

static int api_page(struct request *req, struct response *resp, const struct orm_pagination *p)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "items", api_articles(req, &p->items));
	site_pagination_api(o, p);
	return site_json(resp, 200, o);
}

int api_articles_list(struct request *req, struct response *resp)
{
	struct orm_pagination p;
	int rc = article_page(req, &p);
	if (rc == ORM_NOT_FOUND)
		return site_api_error(resp, 404, "not_found", "No such page");
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	return api_page(req, resp, &p);
}

int api_articles_show(struct request *req, struct response *resp)
{
	int err;
	struct article *a = find_article(req, path_id(req), &err);
	if (err)
		return site_orm_error(req, resp, err);
	if (!a)
		return not_found(req, resp);
	return site_json(resp, 200, site_article_json(req, a, true));
}

static const char *body_str(struct request *req, const char *name)
{
	json_object *body = site_req(req)->body, *v;
	if (!body || !json_object_object_get_ex(body, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(s))
		return NULL;
	return s;
}

int api_articles_create(struct request *req, struct response *resp)
{
	const char *title = body_str(req, "title");
	const char *content = body_str(req, "content");
	if (!title || !content)
		return site_api_error(resp, 422, "validation", "title and content (strings) are required");
	const char *e = site_check_title(title);
	if (!e)
		e = site_check_content(content);
	if (e)
		return site_api_error(resp, 422, "validation", e);
	struct article *a = NULL;
	int rc = create_article(req, title, content, &a);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	if (resp_header(resp, "Location", arena_printf(req->arena, "/api/articles/%lld", (long long)a->id)) < 0)
		return -1;
	return site_json(resp, 201, site_article_json(req, a, true));
}

int api_articles_delete(struct request *req, struct response *resp)
{
	int rc = delete_article(req, path_id(req));
	if (rc == 404)
		return site_api_error(resp, 404, "not_found", "No such article");
	if (rc == 403)
		return site_api_error(resp, 403, "forbidden", "Only the author may delete this article");
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	resp->status = 204;
	resp->content_type = NULL;
	return 0;
}

int api_user_articles(struct request *req, struct response *resp)
{
	int err;
	struct user *u = find_user(req, req_arg(req, 0), &err);
	if (err)
		return site_orm_error(req, resp, err);
	if (!u)
		return site_api_error(resp, 404, "not_found", "No such user");
	int64_t page, per_page;
	if (!site_page_args(req, &page, &per_page))
		return site_api_error(resp, 404, "not_found", "No such page");
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	a.page = page;
	a.per_page = per_page;
	a.max_per_page = 100;
	struct orm_pagination p;
	int rc = orm_paginate(articles_of(req, u), &a, &p);
	if (rc == ORM_NOT_FOUND)
		return site_api_error(resp, 404, "not_found", "No such page");
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	for (size_t i = 0; i < p.items.n; i++)
		article_at(&p.items, i)->user = u;
	return api_page(req, resp, &p);
}
