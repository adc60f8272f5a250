/* site_priv.h — shared by the application's files (every .c file of app/site): the
 * per-request state, rendering and JSON helpers, and the handlers that
 * site.c puts in the route table. Nothing outside app/site includes it. */
#ifndef FLACON_SITE_PRIV_H
#define FLACON_SITE_PRIV_H

#include <json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/http.h"
#include "orm/orm.h"
#include "site/models.h"

/* Application route flags (bits above the framework's). */
enum site_route_flag {
	SITE_LOGIN = 1 << 8, /* login required: 303 /login?next= for pages, 401 for the API */
};

/* What one request of the application carries (in req->user, arena-owned). */
struct site_req {
	struct orm_session orm;
	struct user *user;      /* the logged-in user, when loaded */
	bool user_loaded;
	json_object *body;      /* the parsed JSON object of an API write, or NULL */
	const char *notice;     /* flash notice to show on this page */
	bool orm_open;
};

/* The request's application state (never NULL inside handlers). */
struct site_req *site_req(struct request *req);
/* The logged-in user (loaded once per request; NULL when anonymous or
 * deleted, or on a database error). */
struct user *site_user(struct request *req);

/* Render template name with ctx (taken: always released) into resp with
 * status, adding the keys every page uses: user, logged_in, csrf_token,
 * notice. 0 or -1. */
int site_render(struct request *req, struct response *resp, int status, const char *name,
		json_object *ctx);
/* Answer JSON obj (taken) with status. 0 or -1. */
int site_json(struct response *resp, int status, json_object *obj);
/* API error answer {"error": code, "message": message}. 0 or -1. */
int site_api_error(struct response *resp, int status, const char *code, const char *message);
/* Answer an error page (HTML) or error JSON (API routes) with status and
 * message (NULL: the reason phrase). Returns 0 (answered). */
int site_fail(struct request *req, struct response *resp, int status, const char *message);
/* Map an orm_err to an answer (404, 409, 422 or 500) for req's kind
 * (API or page). Returns 0 when answered, -1 for a 500. */
int site_orm_error(struct request *req, struct response *resp, int err);
/* Redirect (303) to location and set a flash notice shown on the next
 * page (a short-lived cookie holding a notice code, no database row). */
int site_redirect(struct response *resp, const char *location, const char *notice_code);
/* A 303 to /login?next=<the current path and query>. */
int site_redirect_login(struct request *req, struct response *resp);

/* ISO 8601 UTC with Z ("2024-01-02T03:04:05Z"), in the arena. */
const char *site_iso(struct request *req, int64_t t);
/* "2 Jan 2024" for pages, in the arena. */
const char *site_date(struct request *req, int64_t t);

/* page / per_page of the query string (SPEC section 7: ASCII digits only,
 * per_page default 20, capped at 100, 0 refused). false → 404. */
bool site_page_args(struct request *req, int64_t *page, int64_t *per_page);
/* The JSON of a pagination bar for pages: {show, page, pages, total,
 * prev_url, next_url, links:[{num, url | current | gap}]} with base_path
 * ("/articles") and per_page kept in the links when not the default. */
json_object *site_pagination_json(struct request *req, const struct orm_pagination *p,
				  const char *base_path);
/* The API fields of a pagination (page, per_page, total, pages, has_prev,
 * has_next, prev_num, next_num) added to obj. */
void site_pagination_api(json_object *obj, const struct orm_pagination *p);

/* The visible-article count kept in table counter (O(1) total for the
 * article list). */
int site_article_total(struct request *req, int64_t *out);

/* JSON of one article for lists (id,title,pdatetime,click_num,author) and
 * for the detail (plus content). The author must be loaded. */
json_object *site_article_json(struct request *req, struct article *a, bool with_content);

/* ---- handlers ---- */
int auth_register_form(struct request *req, struct response *resp);
int auth_register(struct request *req, struct response *resp);
int auth_login_form(struct request *req, struct response *resp);
int auth_login(struct request *req, struct response *resp);
int auth_logout(struct request *req, struct response *resp);
int api_register(struct request *req, struct response *resp);
int api_login(struct request *req, struct response *resp);
int api_logout(struct request *req, struct response *resp);
int api_me(struct request *req, struct response *resp);

int articles_home(struct request *req, struct response *resp);
int articles_list(struct request *req, struct response *resp);
int articles_show(struct request *req, struct response *resp);
int articles_new(struct request *req, struct response *resp);
int articles_create(struct request *req, struct response *resp);
int articles_delete(struct request *req, struct response *resp);
int users_show(struct request *req, struct response *resp);
int api_articles_list(struct request *req, struct response *resp);
int api_articles_show(struct request *req, struct response *resp);
int api_articles_create(struct request *req, struct response *resp);
int api_articles_delete(struct request *req, struct response *resp);
int api_user_articles(struct request *req, struct response *resp);

int courses_list(struct request *req, struct response *resp);
int courses_show(struct request *req, struct response *resp);
int courses_select(struct request *req, struct response *resp);
int courses_drop(struct request *req, struct response *resp);
int me_courses(struct request *req, struct response *resp);
int api_courses_list(struct request *req, struct response *resp);
int api_courses_show(struct request *req, struct response *resp);
int api_enroll(struct request *req, struct response *resp);
int api_unenroll(struct request *req, struct response *resp);
int api_me_courses(struct request *req, struct response *resp);

/* Register: the user and their student profile (sname = username) in one
 * transaction. 0 with *out, ORM_CONFLICT when the name is taken (in any
 * ASCII case), or another orm_err. The caller validated the fields. */
int site_account_create(struct orm_session *s, const char *username, const char *password,
			struct user **out);
/* Add delta to the named counter (created at 0 when missing), inside the
 * session's transaction when one is open. 0 or an orm_err. */
int site_counter_add(struct orm_session *s, const char *name, int64_t delta);
/* The article model's flush hook: keeps counter "articles" equal to the
 * number of visible articles. */
int site_article_after_write(struct orm_session *s, void *obj, enum orm_write what);

/* Validation shared by pages and API. NULL when valid, else the message. */
const char *site_check_username(const char *u);
const char *site_check_password(const char *p);
const char *site_check_title(const char *t);
const char *site_check_content(const char *c);

#endif
