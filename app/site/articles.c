/* articles.c — the home page, the article pages, a user's page and the
 * article API. Logically deleted articles are invisible everywhere. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "site/site_priv.h"
#include "web/web.h"

/* The columns an article list shows, in this order (never the content). */
enum { AL_ID, AL_TITLE, AL_PDATETIME, AL_CLICKS, AL_USER_ID, AL_USERNAME };

/* The visible articles, newest first (pdatetime desc, id desc), as rows
 * of the list columns: one statement on one table, whatever the page size
 * (the author's name is the article's copy). With author, only author's
 * articles. */
static struct orm_query *article_list(struct http_request *req, const struct user *author)
{
	struct orm_session *s = web_orm(req);
	struct orm_query *q = article_query(s);
	q = orm_select(q, orm_colref(s, ORM_COL(article, id)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, title)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, pdatetime)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, click_num)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, user_id)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, author_name)));
	if (author)
		q = orm_filter_by(q, "user_id", orm_int(author->id));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	q = orm_order_by(q, ORM_COL(article, pdatetime), ORM_DESC);
	return orm_order_by(q, ORM_COL(article, id), ORM_DESC);
}

/* Row r of an article list, and its author's name. */
static const struct orm_value *list_row(const struct orm_rows *rows, size_t r)
{
	return &rows->v[r * rows->ncols];
}



/* The columns of an article's page, in this order. */
enum { AD_ID, AD_TITLE, AD_CONTENT, AD_PDATETIME, AD_CLICKS, AD_USER_ID, AD_USERNAME };

/* A visible article by id with its author's name (the article's copy): *out
 * is its row, or NULL when there is none. 0 or an orm_err. */
static int find_article(struct http_request *req, int64_t id, const struct orm_value **out)
{
	struct orm_session *s = web_orm(req);
	*out = NULL;
	if (id <= 0)
		return 0;
	struct orm_query *q = article_query(s);
	q = orm_select(q, orm_colref(s, ORM_COL(article, id)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, title)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, content)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, pdatetime)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, click_num)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, user_id)));
	q = orm_select(q, orm_colref(s, ORM_COL(article, author_name)));
	q = orm_filter_by(q, "id", orm_int(id));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	struct orm_rows rows;
	int rc = orm_rows(orm_limit(q, 1), &rows);
	if (rc < 0)
		return rc;
	if (rows.nrows)
		*out = rows.v;
	return 0;
}

/* A list item of a page's context: what article_list.mustache shows. */
static json_object *page_item(struct http_request *req, const struct orm_value *v, const char *author)
{
	char iso[21];
	orm_datetime_iso(v[AL_PDATETIME].i, iso);
	json_object *o = json_object_new_object();
	site_ctx_add(o, "id", json_object_new_int64(v[AL_ID].i));
	site_ctx_add(o, "title", json_object_new_string_len(v[AL_TITLE].s.p, (int)v[AL_TITLE].s.n));
	site_ctx_add(o, "pdatetime", json_object_new_string(iso));
	site_ctx_add(o, "pdate", json_object_new_string(site_date(req, v[AL_PDATETIME].i)));
	site_ctx_add(o, "click_num", json_object_new_int64(v[AL_CLICKS].i));
	site_ctx_add(o, "views", json_object_new_string(site_count(req, v[AL_CLICKS].i, "view", "views")));
	site_ctx_add(o, "author_name", json_object_new_string(author));
	return o;
}

static json_object *page_items(struct http_request *req, const struct orm_rows *rows)
{
	json_object *arr = json_object_new_array_ext((int)rows->nrows);
	for (size_t i = 0; i < rows->nrows; i++) {
		const struct orm_value *v = list_row(rows, i);
		json_object_array_add(arr, page_item(req, v, v[AL_USERNAME].s.p));
	}
	return arr;
}

static int not_found(struct http_request *req, struct http_response *resp)
{
	return web_abort(req, resp, 404, "No such article.");
}

int articles_home(struct http_request *req, struct http_response *resp)
{
	struct orm_rows rows;
	int rc = orm_rows(orm_limit(article_list(req, NULL), 10), &rows);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	json_object *ctx = json_object_new_object();
	site_ctx_add(ctx, "articles", page_items(req, &rows));
	return web_render(req, resp, 200, "home", ctx);
}

/* Page `page` of the visible articles (rows of article_list) and the
 * total from the maintained count, in one statement. Returns 0,
 * ORM_NOT_FOUND (bad page arguments or beyond the last) or an orm_err. */
static int article_page(struct http_request *req, struct orm_pagination *p, struct orm_rows *rows)
{
	int64_t page, per_page;
	if (!site_page_args(req, &page, &per_page))
		return ORM_NOT_FOUND;
	struct orm_session *s = web_orm(req);
	struct orm_query *q = orm_select(article_list(req, NULL), site_article_total(s));
	return site_paginate_rows(q, NULL, page, per_page, true, p, rows);
}

int articles_list(struct http_request *req, struct http_response *resp)
{
	struct orm_pagination p;
	struct orm_rows rows;
	int rc = article_page(req, &p, &rows);
	if (rc == ORM_NOT_FOUND)
		return not_found(req, resp);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	json_object *ctx = json_object_new_object();
	site_ctx_add(ctx, "articles", page_items(req, &rows));
	site_ctx_add(ctx, "pagination", site_pagination_json(req, &p, "/articles"));
	return web_render(req, resp, 200, "articles/list", ctx);
}

/* An article page's views: counted in the worker and written in batches
 * (orm_deferred_add), never into a deleted article's row. */
static struct orm_deferred article_clicks = {
	.model = &article_model, .column = "click_num", .unless = "isdelete"};

int articles_show(struct http_request *req, struct http_response *resp)
{
	int64_t id = site_path_id(req);
	if (!id)
		return not_found(req, resp);
	const struct orm_value *v;
	int rc = find_article(req, id, &v);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (!v)
		return not_found(req, resp);
	if ((rc = orm_deferred_add(&article_clicks, id, 1)) < 0)
		return web_orm_error(req, resp, rc);
	/* The count as read plus this worker's unwritten views, its own included. */
	int64_t clicks = v[AD_CLICKS].i + orm_deferred_pending(&article_clicks, id);
	struct user *me = site_user(req);
	char iso[21];
	orm_datetime_iso(v[AD_PDATETIME].i, iso);
	json_object *ja = json_object_new_object();
	site_ctx_add(ja, "id", json_object_new_int64(v[AD_ID].i));
	site_ctx_add(ja, "title", json_object_new_string_len(v[AD_TITLE].s.p, (int)v[AD_TITLE].s.n));
	site_ctx_add(ja, "content",
		     json_object_new_string_len(v[AD_CONTENT].s.p, (int)v[AD_CONTENT].s.n));
	site_ctx_add(ja, "pdatetime", json_object_new_string(iso));
	site_ctx_add(ja, "pdate", json_object_new_string(site_date(req, v[AD_PDATETIME].i)));
	site_ctx_add(ja, "click_num", json_object_new_int64(clicks));
	site_ctx_add(ja, "views", json_object_new_string(site_count(req, clicks, "view", "views")));
	json_object *au = json_object_new_object();
	site_ctx_add(au, "id", json_object_new_int64(v[AD_USER_ID].i));
	site_ctx_add(au, "username", json_object_new_string(v[AD_USERNAME].s.p));
	site_ctx_add(ja, "author", au);
	site_ctx_add(ja, "mine", json_object_new_boolean(me && me->id == v[AD_USER_ID].i));
	json_object *ctx = json_object_new_object();
	site_ctx_add(ctx, "article", ja);
	return web_render(req, resp, 200, "articles/show", ctx);
}

static int render_new(struct http_request *req, struct http_response *resp, int status, const char *title,
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
	return web_render(req, resp, status, "articles/new", ctx);
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
	const struct orm_value *v;
	int rc = find_article(req, id, &v);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (!v)
		return not_found(req, resp);
	struct user *me = site_user(req);
	if (!me || me->id != v[AD_USER_ID].i)
		return web_abort(req, resp, 403, "Only the author may delete this article.");
	json_object *ja = json_object_new_object();
	site_ctx_add(ja, "id", json_object_new_int64(v[AD_ID].i));
	site_ctx_add(ja, "title", json_object_new_string_len(v[AD_TITLE].s.p, (int)v[AD_TITLE].s.n));
	site_ctx_add(ja, "views", json_object_new_string(site_count(req, v[AD_CLICKS].i, "view", "views")));
	json_object *ctx = json_object_new_object();
	site_ctx_add(ctx, "article", ja);
	return web_render(req, resp, 200, "articles/delete", ctx);
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

/* The COUNT of u's visible articles (Flask's total of the page). */
static struct orm_query *articles_of(struct http_request *req, const struct user *u)
{
	struct orm_session *s = web_orm(req);
	struct orm_query *q = orm_filter_by(article_query(s), "user_id", orm_int(u->id));
	return orm_filter_by(q, "isdelete", orm_bool(false));
}

int users_show(struct http_request *req, struct http_response *resp)
{
	int err;
	struct user *u = find_user(req, http_req_arg(req, 0), &err);
	if (err)
		return web_orm_error(req, resp, err);
	if (!u)
		return web_abort(req, resp, 404, "No such user.");
	struct orm_rows rows;
	int rc = orm_rows(article_list(req, u), &rows);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	json_object *ctx = json_object_new_object();
	json_object *p = json_object_new_object();
	site_ctx_add(p, "username", json_object_new_string(u->username));
	site_ctx_add(p, "rdatetime", json_object_new_string(site_iso(req, u->rdatetime)));
	site_ctx_add(p, "rdate", json_object_new_string(site_date(req, u->rdatetime)));
	site_ctx_add(ctx, "profile", p);
	site_ctx_add(ctx, "articles", page_items(req, &rows));
	return web_render(req, resp, 200, "users/show", ctx);
}

/* ---- API ---- */

/* The API's article: {id,title[,content],pdatetime,click_num,author:{id,
 * username}}; content NULL leaves it out (lists). */
static void jw_article(struct web_jw *w, int64_t id, const char *title, const char *content,
		       int64_t pdatetime, int64_t click_num, int64_t author_id,
		       const char *author_name)
{
	web_jw_object(w);
	web_jw_key(w, "id");
	web_jw_int(w, id);
	web_jw_key(w, "title");
	web_jw_str(w, title);
	if (content) {
		web_jw_key(w, "content");
		web_jw_str(w, content);
	}
	web_jw_key(w, "pdatetime");
	web_jw_datetime(w, pdatetime);
	web_jw_key(w, "click_num");
	web_jw_int(w, click_num);
	web_jw_key(w, "author");
	web_jw_object(w);
	web_jw_key(w, "id");
	web_jw_int(w, author_id);
	web_jw_key(w, "username");
	web_jw_str(w, author_name);
	web_jw_object_end(w);
	web_jw_object_end(w);
}

/* {items: [...], page, per_page, ...} of a page of article_list rows. */
static int api_page(struct http_response *resp, const struct orm_pagination *p,
		    const struct orm_rows *rows)
{
	struct web_jw w;
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "items");
	web_jw_array(&w);
	for (size_t i = 0; i < rows->nrows; i++) {
		const struct orm_value *v = list_row(rows, i);
		jw_article(&w, v[AL_ID].i, v[AL_TITLE].s.p, NULL, v[AL_PDATETIME].i, v[AL_CLICKS].i,
			   v[AL_USER_ID].i, v[AL_USERNAME].s.p);
	}
	web_jw_array_end(&w);
	site_jw_pagination(&w, p);
	web_jw_object_end(&w);
	return web_jw_finish(&w, resp, 200);
}

int api_articles_list(struct http_request *req, struct http_response *resp)
{
	struct orm_pagination p;
	struct orm_rows rows;
	int rc = article_page(req, &p, &rows);
	if (rc == ORM_NOT_FOUND)
		return web_api_error(resp, 404, "not_found", "No such page");
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	return api_page(resp, &p, &rows);
}

int api_articles_show(struct http_request *req, struct http_response *resp)
{
	const struct orm_value *v;
	int rc = find_article(req, site_path_id(req), &v);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (!v)
		return not_found(req, resp);
	struct web_jw w;
	web_jw_start(&w, resp);
	jw_article(&w, v[AD_ID].i, v[AD_TITLE].s.p, v[AD_CONTENT].s.p, v[AD_PDATETIME].i,
		   v[AD_CLICKS].i, v[AD_USER_ID].i, v[AD_USERNAME].s.p);
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
	struct user *me = site_user(req);
	struct web_jw w;
	web_jw_start(&w, resp);
	jw_article(&w, a->id, a->title, a->content, a->pdatetime, a->click_num, me->id, me->username);
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
	int64_t page, per_page;
	if (!site_page_args(req, &page, &per_page))
		return web_api_error(resp, 404, "not_found", "No such page");
	struct orm_pagination p;
	struct orm_rows rows;
	int rc = site_paginate_rows(article_list(req, u), articles_of(req, u), page, per_page, false, &p,
				    &rows);
	if (rc == ORM_NOT_FOUND)
		return web_api_error(resp, 404, "not_found", "No such page");
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	return api_page(resp, &p, &rows);
}
