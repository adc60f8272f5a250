/* views.c — what every page and API answer of the application shares:
 * per-request state, rendering with the common context, JSON answers and
 * errors, flash notices, dates, pagination. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "site/site_priv.h"
#include "tmpl/tmpl.h"
#include "web/web.h"

struct site_req *site_req(struct http_request *req)
{
	return req->user;
}

/* Write who is logged in into the session data (see SITE_SESSION_*):
 * student_id -1 (not known) leaves that key out. A failure only costs the
 * query these keys save, so it is not reported. */
static void remember_user(struct http_request *req, const struct user *u, int64_t student_id)
{
	web_session_set(req, SITE_SESSION_USER_ID, json_object_new_int64(u->id));
	web_session_set(req, SITE_SESSION_USERNAME, json_object_new_string(u->username));
	if (student_id >= 0)
		web_session_set(req, SITE_SESSION_STUDENT_ID, json_object_new_int64(student_id));
	else
		web_session_pop(req, SITE_SESSION_STUDENT_ID);
}

/* The user the session's keys describe, or NULL when they do not (a
 * session from before the keys, or one they do not match). */
static struct user *user_from_session(struct http_request *req, long long uid)
{
	struct site_req *sr = site_req(req);
	json_object *jid = web_session_get(req, SITE_SESSION_USER_ID);
	json_object *jname = web_session_get(req, SITE_SESSION_USERNAME);
	if (!json_object_is_type(jid, json_type_int) || json_object_get_int64(jid) != uid ||
	    !json_object_is_type(jname, json_type_string))
		return NULL;
	struct user *u = arena_calloc(req->arena, 1, sizeof *u);
	/* The session's JSON dies at save: copy the name. */
	char *name = arena_strndup(req->arena, json_object_get_string(jname),
				   (size_t)json_object_get_string_len(jname));
	if (!u || !name)
		return NULL;
	u->id = (int32_t)uid;
	u->username = name;
	json_object *jst = web_session_get(req, SITE_SESSION_STUDENT_ID);
	if (json_object_is_type(jst, json_type_int) && json_object_get_int64(jst) >= 0)
		sr->student_id = json_object_get_int64(jst);
	return u;
}

struct user *site_user(struct http_request *req)
{
	struct site_req *sr = site_req(req);
	if (sr->user_loaded)
		return sr->user;
	sr->user_loaded = true;
	if (web_session_load(req) < 0) {
		/* not "anonymous": the caller answers 503 where it matters */
		sr->user_failed = true;
		return NULL;
	}
	long long uid = web_session_user_id(req);
	if (uid <= 0)
		return NULL;
	sr->user = user_from_session(req, uid);
	if (sr->user)
		return sr->user;
	/* A session from before the keys: the row once, and the keys for the
	 * next requests. */
	struct user *u = NULL;
	int rc = user_get(&sr->orm, uid, &u);
	if (rc < 0)
		sr->user_failed = true;
	if (rc == 0 && u && !u->isdelete) {
		sr->user = sr->user_row = u;
		remember_user(req, u, -1);
	}
	return sr->user;
}

struct user *site_user_row(struct http_request *req, int *err)
{
	struct site_req *sr = site_req(req);
	*err = 0;
	struct user *me = site_user(req);
	if (!me)
		return NULL;
	if (sr->user_row)
		return sr->user_row;
	struct user *u = NULL;
	int rc = user_get(&sr->orm, me->id, &u);
	if (rc < 0) {
		*err = rc;
		return NULL;
	}
	if (!u || u->isdelete)
		return NULL;
	sr->user_row = u;
	return u;
}

int site_student_id(struct http_request *req, int64_t *out)
{
	struct site_req *sr = site_req(req);
	*out = 0;
	struct user *me = site_user(req);
	if (!me)
		return 0;
	if (sr->student_id < 0) {
		struct student *st = NULL;
		struct orm_query *q = orm_filter_by(student_query(&sr->orm), "user_id", orm_int(me->id));
		int rc = student_first(q, &st);
		if (rc < 0)
			return rc;
		sr->student_id = st ? st->id : 0;
		web_session_set(req, SITE_SESSION_STUDENT_ID, json_object_new_int64(sr->student_id));
	}
	*out = sr->student_id;
	return 0;
}

int site_login(struct http_request *req, struct user *u, int64_t student_id)
{
	struct site_req *sr = site_req(req);
	/* Before the login, so that the new row is inserted with them. */
	remember_user(req, u, student_id);
	if (web_session_login(req, u->id) < 0)
		return -1;
	sr->user = sr->user_row = u;
	sr->student_id = student_id;
	sr->user_loaded = true;
	return 0;
}

/* ---- flash notices ---- */

static const struct {
	const char *code, *text;
} notices[] = {
	/* No text: the home page greets a new user by name instead
	 * ("Welcome, NAME", not "Welcome back"). */
	{"registered", NULL},
	{"logged_in", "You are logged in."},
	{"logged_out", "You are logged out."},
	{"article_created", "Your article is published."},
	{"article_deleted", "The article was deleted."},
	{"course_selected", "Course selected."},
	{"course_dropped", "Course dropped."},
};

#define FLASH_COOKIE "flash"

int site_redirect(struct http_response *resp, const char *location, const char *notice_code)
{
	if (notice_code) {
		struct http_cookie_opts o = {.max_age = 60, .path = "/", .httponly = true, .samesite = "Lax"};
		if (http_resp_set_cookie(resp, FLASH_COOKIE, notice_code, &o) < 0)
			return -1;
	}
	return http_resp_redirect(resp, 303, location);
}

/* The flash notice of the request, consumed (the cookie is deleted): its
 * code, or NULL when there is none or it is unknown. */
static const char *take_notice(struct http_request *req, struct http_response *resp, const char **text)
{
	*text = NULL;
	const char *code = http_req_cookie(req, FLASH_COOKIE);
	if (!code)
		return NULL;
	http_resp_delete_cookie(resp, FLASH_COOKIE, "/");
	for (size_t i = 0; i < sizeof notices / sizeof notices[0]; i++)
		if (!strcmp(code, notices[i].code)) {
			*text = notices[i].text;
			return notices[i].code;
		}
	return NULL;
}

/* A query value keeps the RFC 3986 unreserved bytes, and '/'. */
static bool query_keep(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-_.~/", c));
}

int site_redirect_login(struct http_request *req, struct http_response *resp)
{
	const char *next = req->uri && *req->uri ? req->uri : "/";
	char *enc = text_percent_encode(req->arena, next, strlen(next), query_keep);
	char *loc = enc ? arena_printf(req->arena, "/login?next=%s", enc) : NULL;
	if (!loc)
		return -1;
	return http_resp_redirect(resp, 303, loc);
}

/* ---- form fields, local redirects, counted words ---- */

const char *site_form_str(struct http_request *req, const char *name)
{
	const struct text_param *p = text_params_get(&req->form, name);
	if (!p || strlen(p->value) != p->value_len)
		return "";
	return p->value;
}

/* A local redirect target keeps its bytes but spaces and non-ASCII. */
static bool next_keep(unsigned char c)
{
	return c < 0x80 && c != ' ';
}

const char *site_safe_next(struct http_request *req, const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return "/";
	size_t extra = 0;
	for (const unsigned char *p = (const unsigned char *)next; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "/";
		if (*p >= 0x80 || *p == ' ')
			extra += 2;
	}
	if (!extra)
		return next;
	const char *out = text_percent_encode(req->arena, next, strlen(next), next_keep);
	return out ? out : "/";
}

const char *site_count(struct http_request *req, int64_t n, const char *one, const char *many)
{
	const char *s = arena_printf(req->arena, "%lld %s", (long long)n, n == 1 ? one : many);
	return s ? s : "";
}

/* ---- rendering ---- */

int site_render(struct http_request *req, struct http_response *resp, int status, const char *name,
		json_object *ctx)
{
	int rc = -1;
	struct user *u = site_user(req);
	if (u) {
		json_object *ju = json_object_new_object();
		site_ctx_add(ju, "id", json_object_new_int64(u->id));
		site_ctx_add(ju, "username", json_object_new_string(u->username));
		site_ctx_add(ctx, "user", ju);
		site_ctx_add(ctx, "logged_in", json_object_new_boolean(1));
	}
	/* Every page may hold a form (the log-out button at least). */
	const char *csrf = web_csrf_token(req, resp);
	if (!csrf)
		goto out;
	site_ctx_add(ctx, "csrf_token", json_object_new_string(csrf));
	const char *notice;
	const char *code = take_notice(req, resp, &notice);
	if (notice)
		site_ctx_add(ctx, "notice", json_object_new_string(notice));
	if (code && !strcmp(code, "registered"))
		site_ctx_add(ctx, "just_registered", json_object_new_boolean(1));
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	buf_reset(&resp->body);
	int trc = tmpl_render(web_tmpl(req), name, ctx, &resp->body);
	if (trc < 0) {
		log_error("rendering %s failed: %s", name, tmpl_strerror(trc));
		goto out;
	}
	rc = 0;
out:
	json_object_put(ctx);
	return rc;
}

int site_api_error(struct http_response *resp, int status, const char *code, const char *message)
{
	struct web_jw w;
	http_resp_clear(resp);
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "error");
	web_jw_str(&w, code);
	web_jw_key(&w, "message");
	web_jw_str(&w, message);
	web_jw_object_end(&w);
	if (status == 503 && http_resp_header(resp, "Retry-After", "1") < 0)
		return -1;
	return web_jw_finish(&w, resp, status);
}

/* ---- the JSON writer ---- */

void site_ctx_add(json_object *obj, const char *key, json_object *val)
{
	json_object_object_add_ex(obj, key, val,
				  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

int site_orm_error(struct http_request *req, struct http_response *resp, int err)
{
	switch (err) {
	case ORM_NOT_FOUND:
		return site_fail(req, resp, 404, NULL);
	case ORM_CONFLICT:
		return site_fail(req, resp, 409, NULL);
	case ORM_INVALID:
		return site_fail(req, resp, 422, NULL);
	case ORM_UNAVAILABLE:
	case ORM_RETRY:
		log_warn("database unavailable: %s", orm_errmsg(&site_req(req)->orm));
		return site_fail(req, resp, 503, NULL);
	default:
		/* -1 is a 500, which site_error turns into a 503 when the
		 * database is unusable (down, hung, no quorum) */
		log_error("database error: %s", orm_errmsg(&site_req(req)->orm));
		return -1;
	}
}

/* ---- dates ---- */

const char *site_iso(struct http_request *req, int64_t t)
{
	char *out = arena_alloc(req->arena, 21);
	if (out)
		orm_datetime_iso(t, out);
	return out ? out : "";
}

const char *site_date(struct http_request *req, int64_t t)
{
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	/* From the ISO form (no printf: lists format one per row):
	 * "2024-01-02T03:04:05Z" -> "2 Jan 2024, 03:04 UTC". */
	char iso[21];
	orm_datetime_iso(t, iso);
	char *out = arena_alloc(req->arena, 32);
	if (!out)
		return "";
	char *o = out;
	if (iso[8] != '0')
		*o++ = iso[8];
	*o++ = iso[9];
	*o++ = ' ';
	memcpy(o, months[(iso[5] - '0') * 10 + (iso[6] - '0') - 1], 3);
	o += 3;
	*o++ = ' ';
	size_t y = 0;
	while (y < 3 && iso[y] == '0')
		y++;
	memcpy(o, iso + y, 4 - y);
	o += 4 - y;
	memcpy(o, ", ", 2);
	o += 2;
	memcpy(o, iso + 11, 5);
	o += 5;
	memcpy(o, " UTC", 5);
	return out;
}

/* ---- pagination ---- */

#define PAGE_MAX 1000000000000LL

bool site_page_args(struct http_request *req, int64_t *page, int64_t *per_page)
{
	long long v;
	const char *p = http_req_query(req, "page");
	const char *pp = http_req_query(req, "per_page");
	*page = 1;
	*per_page = 20;
	if (p) {
		if (!text_parse_digits(p, strlen(p), PAGE_MAX, &v) || v < 1)
			return false;
		*page = v;
	}
	if (pp) {
		if (!text_parse_digits(pp, strlen(pp), PAGE_MAX, &v) || v < 1)
			return false;
		*per_page = v > 100 ? 100 : v;
	}
	return true;
}

static const char *page_url(struct http_request *req, const char *base, int64_t page, int64_t per_page)
{
	if (http_req_query(req, "per_page"))
		return arena_printf(req->arena, "%s?page=%lld&per_page=%lld", base, (long long)page,
				    (long long)per_page);
	return arena_printf(req->arena, "%s?page=%lld", base, (long long)page);
}

json_object *site_pagination_json(struct http_request *req, const struct orm_pagination *p,
				  const char *base)
{
	json_object *o = json_object_new_object();
	site_ctx_add(o, "show", json_object_new_boolean(p->pages > 1));
	site_ctx_add(o, "page", json_object_new_int64(p->page));
	site_ctx_add(o, "pages", json_object_new_int64(p->pages));
	site_ctx_add(o, "total", json_object_new_int64(p->total));
	site_ctx_add(o, "total_text", json_object_new_string(site_count(req, p->total, "article", "articles")));
	if (p->has_prev)
		site_ctx_add(o, "prev_url",
				       json_object_new_string(page_url(req, base, p->prev_num, p->per_page)));
	if (p->has_next)
		site_ctx_add(o, "next_url",
				       json_object_new_string(page_url(req, base, p->next_num, p->per_page)));
	int64_t nums[32];
	size_t n = orm_iter_pages_default(p, nums, 32);
	json_object *links = json_object_new_array();
	for (size_t i = 0; i < n && i < 32; i++) {
		json_object *l = json_object_new_object();
		if (nums[i] == 0) {
			site_ctx_add(l, "gap", json_object_new_boolean(1));
		} else {
			site_ctx_add(l, "num", json_object_new_int64(nums[i]));
			if (nums[i] == p->page)
				site_ctx_add(l, "current", json_object_new_boolean(1));
			else
				site_ctx_add(l, "url", json_object_new_string(page_url(
									  req, base, nums[i], p->per_page)));
		}
		json_object_array_add(links, l);
	}
	site_ctx_add(o, "links", links);
	return o;
}

int site_paginate_rows(struct orm_query *q, struct orm_query *count_q, int64_t page,
		       int64_t per_page, bool total_in_rows, struct orm_pagination *p,
		       struct orm_rows *rows)
{
	memset(p, 0, sizeof *p);
	memset(rows, 0, sizeof *rows);
	p->total = -1;
	if (!q)
		return ORM_NOMEM;
	/* page - 1 beyond INT64_MAX / per_page: an offset past any table. */
	if (page < 1 || per_page < 1 || page - 1 > INT64_MAX / per_page)
		return ORM_NOT_FOUND;
	p->page = page;
	p->per_page = per_page;
	int rc = orm_rows(orm_limit(orm_offset(q, (page - 1) * per_page), per_page), rows);
	if (rc < 0)
		return rc;
	if (rows->nrows == 0 && page != 1)
		return ORM_NOT_FOUND;
	if (total_in_rows) /* NULL (no counter row) or no rows: none */
		p->total = rows->nrows ? orm_value_int(rows->v[rows->ncols - 1]) : 0;
	else if ((rc = orm_count(count_q, &p->total)) < 0)
		return rc;
	orm_pagination_fill(p, rows->nrows);
	return 0;
}

void site_jw_pagination(struct web_jw *w, const struct orm_pagination *p)
{
	web_jw_key(w, "page");
	web_jw_int(w, p->page);
	web_jw_key(w, "per_page");
	web_jw_int(w, p->per_page);
	web_jw_key(w, "total");
	web_jw_int(w, p->total);
	web_jw_key(w, "pages");
	web_jw_int(w, p->pages);
	web_jw_key(w, "has_prev");
	web_jw_bool(w, p->has_prev);
	web_jw_key(w, "has_next");
	web_jw_bool(w, p->has_next);
	web_jw_key(w, "prev_num");
	if (p->has_prev)
		web_jw_int(w, p->prev_num);
	else
		web_jw_null(w);
	web_jw_key(w, "next_num");
	if (p->has_next)
		web_jw_int(w, p->next_num);
	else
		web_jw_null(w);
}

/* ---- articles shared by pages and API ---- */

/* SUM(value) over the slots of "articles" (site/counter.c): a range of
 * the unique (name, slot) index, at most COUNTER_SLOTS rows whatever the
 * number of articles. SUM comes back as DECIMAL text, NULL without rows. */
const struct orm_expr *site_article_total(struct orm_session *s)
{
	struct orm_query *q = orm_select(counter_query(s), orm_func(s, ORM_SUM, ORM_COL(counter, value)));
	return orm_scalar(s, orm_filter_by(q, "name", orm_str("articles")));
}

void site_jw_article(struct web_jw *w, int64_t id, const char *title, const char *content,
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

/* ---- validation ---- */

const char *site_check_username(const char *u)
{
	size_t n = strlen(u);
	if (n < 3 || n > 32)
		return "Username must be 3 to 32 characters long.";
	for (size_t i = 0; i < n; i++) {
		char c = u[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return "Username may only hold letters, digits, _ . and -.";
	}
	return NULL;
}

const char *site_check_password(const char *p)
{
	size_t n = text_utf8_count(p, strlen(p));
	if (n < 8 || n > 128)
		return "Password must be 8 to 128 characters long.";
	return NULL;
}

const char *site_check_title(const char *t)
{
	size_t n = text_utf8_count(t, strlen(t));
	if (n < 1 || n > 128)
		return "Title must be 1 to 128 characters long.";
	bool blank = true;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (!(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v'))
			blank = false;
	if (blank)
		return "Title must not be only whitespace.";
	return NULL;
}

const char *site_check_content(const char *c)
{
	size_t n = strlen(c);
	if (n < 1 || n > 65535)
		return "Content must be 1 to 65535 bytes long.";
	return NULL;
}

/* ---- request fields ---- */

const char *site_body_str(struct http_request *req, const char *name)
{
	json_object *body = site_req(req)->body, *v;
	if (!body || !json_object_object_get_ex(body, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	/* A JSON string may carry \u0000: not a valid value of any field here. */
	if ((size_t)json_object_get_string_len(v) != strlen(s))
		return NULL;
	return s;
}

int64_t site_path_id(struct http_request *req)
{
	const char *a = http_req_arg(req, 0);
	long long v;
	if (!a || !text_parse_digits(a, strlen(a), 1LL << 53, &v) || v < 1)
		return 0;
	return v;
}
