/* site_priv.h — shared by the application's files (every .c file of app/site):
 * what each file offers the others, grouped by file, and the handlers that
 * site.c puts in the route table. Nothing outside app/site includes it. */
#ifndef FLACON_SITE_PRIV_H
#define FLACON_SITE_PRIV_H

#include <json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/http.h"
#include "web/web.h"
#include "orm/orm.h"
#include "site/models.h"

/* Keys of the session data that say who is logged in, written at login
 * and registration (in the INSERT of the new session row), so that a
 * request knows its user without a query. The row lives only while its
 * user does: deleteuser removes a user's sessions in the transaction of
 * the user's logical delete. */
#define SITE_SESSION_USER_ID "user_id"       /* the user's id (= the row's user_id) */
#define SITE_SESSION_USERNAME "username"     /* as registered */
#define SITE_SESSION_STUDENT_ID "student_id" /* the student profile's id, 0: none */

/* The site's own per-request state (web_g: in the request's arena). The
 * request's ORM session is web_orm(req), its JSON body web_json(req), the
 * logged-in user web_user(req) (site_user below). */
struct site_req {
	bool init;
	int64_t student_id;     /* the user's student id; 0 none, -1 not known yet */
};

/* ---- user.c: the request's state and who is logged in ---- */

/* The request's site state, or NULL when out of memory. */
struct site_req *site_req(struct http_request *req);
/* The framework's user loader (web_app.load_user): the user model's
 * object of the request's ORM session, built from the session's data
 * without a query when it holds the keys above (orm_merge_known: id and
 * username loaded, the other columns unloaded until orm_get reads them,
 * as site_user_row does); sessions without those keys (older ones) load
 * the row once and are given the keys. 0 with *out (NULL: deleted), or an
 * orm_err. */
int site_load_user(struct http_request *req, long long uid, void **out);
/* The logged-in user (web_user: once per request; NULL when anonymous or
 * deleted, or on a database error: web_user_failed). */
struct user *site_user(struct http_request *req);
/* The logged-in user (site_user's object) with every column read: one
 * primary key query unless it is whole already; NULL when anonymous,
 * deleted or on a database error (*err set then). */
struct user *site_user_row(struct http_request *req, int *err);
/* The logged-in user's student id (*out 0 when anonymous or without a
 * profile), from the session when it holds it, else one query. 0 or an
 * orm_err. */
int site_student_id(struct http_request *req, int64_t *out);
/* Make req's session log user u in, remembering who it is (the keys above)
 * in the new row: student_id is the profile's id, 0 none, -1 unknown.
 * 0 or -1 (a database error). */
int site_login(struct http_request *req, struct user *u, int64_t student_id);

/* ---- redirect.c: redirects, flash notices, a safe `next` ---- */

/* Redirect (303) to location and set a flash notice shown on the next
 * page (a short-lived cookie holding a notice code, no database row). */
int site_redirect(struct http_response *resp, const char *location, const char *notice_code);
/* The flash notice of the request, consumed (the cookie is deleted): its
 * code, or NULL when there is none or it is unknown; *text is the notice's
 * text (NULL for a code shown otherwise). */
const char *site_take_notice(struct http_request *req, struct http_response *resp, const char **text);
/* SPEC 7's rule for `next`: a local path (exactly one leading '/', not
 * "/\", no control characters; other bytes above 0x7f percent-encoded so
 * the Location stays ASCII), else "/". The result lives in the arena. */
const char *site_safe_next(struct http_request *req, const char *next);

/* ---- render.c: pages and their template context ---- */

/* The keys every page's context gets (web_app.context_map): user (the
 * logged-in user's object), logged_in, notice, just_registered (csrf_token
 * is the framework's). 0 or -1. */
int site_context(struct http_request *req, struct http_response *resp, struct tmpl_map *ctx);

/* ---- fields.c: what templates read beside the columns ---- */
/* Article views, counted per worker and written in batches
 * (orm_deferred_add), never into a deleted article's row; an article's
 * click_num and views fields add this worker's unwritten ones. */
extern struct orm_deferred site_article_clicks;

/* "1 view", "2 views": n and the word that fits it, in arena a (NULL when
 * out of memory). */
const char *site_count_text(struct arena *a, int64_t n, const char *one, const char *many);

/* ---- paginate.c: pagination of pages and API ---- */

/* page / per_page of the query string (SPEC section 7: ASCII digits only,
 * per_page default 20, capped at 100, 0 refused). false → 404. */
bool site_page_args(struct http_request *req, int64_t *page, int64_t *per_page);
/* ---- input.c: the request's arguments ---- */

/* A form field as a string, or "" when absent; a value holding a NUL
 * byte counts as absent (no field may carry one). Owned by the request. */
const char *site_form_str(struct http_request *req, const char *name);
/* The string field name of the request's JSON object, or NULL when it is
 * missing, not a string, or holds a NUL character. */
const char *site_body_str(struct http_request *req, const char *name);
/* The route's first path argument as a positive id, or 0 when it is not
 * ASCII digits (the caller answers 404). */
int64_t site_path_id(struct http_request *req);

/* ---- validate.c: rules for user input ---- */

/* Shared by pages, API and the command line. NULL when valid, else the message. */
const char *site_check_username(const char *u);
const char *site_check_password(const char *p);
const char *site_check_title(const char *t);
const char *site_check_content(const char *c);

/* ---- counter.c: maintained counts ---- */

/* The article model's flush hook: keeps counter "articles" equal to the
 * number of visible articles. */
int site_article_after_write(struct orm_session *s, void *obj, enum orm_write what);
/* The maintained counter (orm_counter_add) of visible articles: the
 * total of the article list (orm_page_args.counter). */
#define SITE_ARTICLE_COUNTER "articles"

/* ---- auth.c: accounts shared with the command line ---- */

/* Register: the user and their student profile (sname = username) in one
 * transaction. 0 with *out, ORM_CONFLICT when the name is taken (in any
 * ASCII case), or another orm_err. The caller validated the fields. */
int site_account_create(struct orm_session *s, const char *username, const char *password,
			struct user **out);

/* ---- handlers: auth.c, articles.c, courses.c (site.c routes to them) ---- */
int auth_register_form(struct http_request *req, struct http_response *resp);
int auth_register(struct http_request *req, struct http_response *resp);
int auth_login_form(struct http_request *req, struct http_response *resp);
int auth_login(struct http_request *req, struct http_response *resp);
int auth_logout(struct http_request *req, struct http_response *resp);
int api_register(struct http_request *req, struct http_response *resp);
int api_login(struct http_request *req, struct http_response *resp);
int api_logout(struct http_request *req, struct http_response *resp);
int api_me(struct http_request *req, struct http_response *resp);

int articles_home(struct http_request *req, struct http_response *resp);
int articles_list(struct http_request *req, struct http_response *resp);
int articles_show(struct http_request *req, struct http_response *resp);
int articles_new(struct http_request *req, struct http_response *resp);
int articles_create(struct http_request *req, struct http_response *resp);
int articles_confirm_delete(struct http_request *req, struct http_response *resp);
int articles_delete(struct http_request *req, struct http_response *resp);
int users_show(struct http_request *req, struct http_response *resp);
int api_articles_list(struct http_request *req, struct http_response *resp);
int api_articles_show(struct http_request *req, struct http_response *resp);
int api_articles_create(struct http_request *req, struct http_response *resp);
int api_articles_delete(struct http_request *req, struct http_response *resp);
int api_user_articles(struct http_request *req, struct http_response *resp);

int courses_list(struct http_request *req, struct http_response *resp);
int courses_show(struct http_request *req, struct http_response *resp);
int courses_select(struct http_request *req, struct http_response *resp);
int courses_drop(struct http_request *req, struct http_response *resp);
int me_courses(struct http_request *req, struct http_response *resp);
int api_courses_list(struct http_request *req, struct http_response *resp);
int api_courses_show(struct http_request *req, struct http_response *resp);
int api_enroll(struct http_request *req, struct http_response *resp);
int api_unenroll(struct http_request *req, struct http_response *resp);
int api_me_courses(struct http_request *req, struct http_response *resp);

#endif
