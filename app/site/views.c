/* views.c — what every page and API answer of the application shares:
 * per-request state, rendering with the common context, JSON answers and
 * errors, flash notices, dates, pagination. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "site/site_priv.h"
#include "tmpl/tmpl.h"
#include "web/web.h"

struct site_req *site_req(struct request *req)
{
	return req->user;
}

struct user *site_user(struct request *req)
{
	struct site_req *sr = site_req(req);
	if (sr->user_loaded)
		return sr->user;
	sr->user_loaded = true;
	long long uid = web_session_user_id(req);
	if (uid <= 0)
		return NULL;
	struct user *u = NULL;
	if (user_get(&sr->orm, uid, &u) == 0 && u && !u->isdelete)
		sr->user = u;
	return sr->user;
}

/* ---- flash notices ---- */

static const struct {
	const char *code, *text;
} notices[] = {
	{"registered", "Welcome to Flacon! Your account is ready."},
	{"logged_in", "You are logged in."},
	{"logged_out", "You are logged out."},
	{"article_created", "Your article is published."},
	{"article_deleted", "The article was deleted."},
	{"course_selected", "Course selected."},
	{"course_dropped", "Course dropped."},
};

#define FLASH_COOKIE "flash"

int site_redirect(struct response *resp, const char *location, const char *notice_code)
{
	if (notice_code) {
		struct cookie_opts o = {.max_age = 60, .path = "/", .httponly = true, .samesite = "Lax"};
		if (resp_set_cookie(resp, FLASH_COOKIE, notice_code, &o) < 0)
			return -1;
	}
	return resp_redirect(resp, 303, location);
}

static const char *take_notice(struct request *req, struct response *resp)
{
	const char *code = req_cookie(req, FLASH_COOKIE);
	if (!code)
		return NULL;
	resp_delete_cookie(resp, FLASH_COOKIE, "/");
	for (size_t i = 0; i < sizeof notices / sizeof notices[0]; i++)
		if (!strcmp(code, notices[i].code))
			return notices[i].text;
	return NULL;
}

/* Percent-encode s for a query value, in the arena. */
static char *url_encode(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = arena_alloc(a, 3 * n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-_.~/", c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

int site_redirect_login(struct request *req, struct response *resp)
{
	const char *next = req->uri && *req->uri ? req->uri : "/";
	char *enc = url_encode(req->arena, next);
	char *loc = enc ? arena_printf(req->arena, "/login?next=%s", enc) : NULL;
	if (!loc)
		return -1;
	return resp_redirect(resp, 303, loc);
}

/* ---- rendering ---- */

int site_render(struct request *req, struct response *resp, int status, const char *name,
		json_object *ctx)
{
	int rc = -1;
	struct user *u = site_user(req);
	if (u) {
		json_object *ju = json_object_new_object();
		json_object_object_add(ju, "id", json_object_new_int64(u->id));
		json_object_object_add(ju, "username", json_object_new_string(u->username));
		json_object_object_add(ctx, "user", ju);
		json_object_object_add(ctx, "logged_in", json_object_new_boolean(1));
	}
	/* Every page may hold a form (the log-out button at least). */
	const char *csrf = web_csrf_token(req, resp);
	if (!csrf)
		goto out;
	json_object_object_add(ctx, "csrf_token", json_object_new_string(csrf));
	const char *notice = take_notice(req, resp);
	if (notice)
		json_object_object_add(ctx, "notice", json_object_new_string(notice));
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	buf_reset(&resp->body);
	int trc = tmpl_render(req->tmpl, name, ctx, &resp->body);
	if (trc < 0) {
		log_error("rendering %s failed: %s", name, tmpl_strerror(trc));
		goto out;
	}
	rc = 0;
out:
	json_object_put(ctx);
	return rc;
}

int site_json(struct response *resp, int status, json_object *obj)
{
	resp->status = status;
	resp->content_type = "application/json";
	buf_reset(&resp->body);
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = s ? buf_puts(&resp->body, s) : -1;
	json_object_put(obj);
	return rc;
}

int site_api_error(struct response *resp, int status, const char *code, const char *message)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(message));
	resp_clear(resp);
	return site_json(resp, status, o);
}

int site_orm_error(struct request *req, struct response *resp, int err)
{
	switch (err) {
	case ORM_NOT_FOUND:
		return site_fail(req, resp, 404, NULL);
	case ORM_CONFLICT:
		return site_fail(req, resp, 409, NULL);
	case ORM_INVALID:
		return site_fail(req, resp, 422, NULL);
	default:
		log_error("database error: %s", orm_errmsg(&site_req(req)->orm));
		return -1;
	}
}

/* ---- dates ---- */

const char *site_iso(struct request *req, int64_t t)
{
	char *out = arena_alloc(req->arena, 21);
	if (out)
		orm_datetime_iso(t, out);
	return out ? out : "";
}

const char *site_date(struct request *req, int64_t t)
{
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	return arena_printf(req->arena, "%d %s %d, %02d:%02d UTC", tm.tm_mday, months[tm.tm_mon],
			    tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

/* ---- pagination ---- */

#define PAGE_MAX 1000000000000LL

bool site_page_args(struct request *req, int64_t *page, int64_t *per_page)
{
	long long v;
	const char *p = req_query(req, "page");
	const char *pp = req_query(req, "per_page");
	*page = 1;
	*per_page = 20;
	if (p) {
		if (!parse_digits(p, strlen(p), PAGE_MAX, &v) || v < 1)
			return false;
		*page = v;
	}
	if (pp) {
		if (!parse_digits(pp, strlen(pp), PAGE_MAX, &v) || v < 1)
			return false;
		*per_page = v > 100 ? 100 : v;
	}
	return true;
}

static const char *page_url(struct request *req, const char *base, int64_t page, int64_t per_page)
{
	if (req_query(req, "per_page"))
		return arena_printf(req->arena, "%s?page=%lld&per_page=%lld", base, (long long)page,
				    (long long)per_page);
	return arena_printf(req->arena, "%s?page=%lld", base, (long long)page);
}

json_object *site_pagination_json(struct request *req, const struct orm_pagination *p,
				  const char *base)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "show", json_object_new_boolean(p->pages > 1));
	json_object_object_add(o, "page", json_object_new_int64(p->page));
	json_object_object_add(o, "pages", json_object_new_int64(p->pages));
	json_object_object_add(o, "total", json_object_new_int64(p->total));
	if (p->has_prev)
		json_object_object_add(o, "prev_url",
				       json_object_new_string(page_url(req, base, p->prev_num, p->per_page)));
	if (p->has_next)
		json_object_object_add(o, "next_url",
				       json_object_new_string(page_url(req, base, p->next_num, p->per_page)));
	int64_t nums[32];
	size_t n = orm_iter_pages_default(p, nums, 32);
	json_object *links = json_object_new_array();
	for (size_t i = 0; i < n && i < 32; i++) {
		json_object *l = json_object_new_object();
		if (nums[i] == 0) {
			json_object_object_add(l, "gap", json_object_new_boolean(1));
		} else {
			json_object_object_add(l, "num", json_object_new_int64(nums[i]));
			if (nums[i] == p->page)
				json_object_object_add(l, "current", json_object_new_boolean(1));
			else
				json_object_object_add(l, "url", json_object_new_string(page_url(
									  req, base, nums[i], p->per_page)));
		}
		json_object_array_add(links, l);
	}
	json_object_object_add(o, "links", links);
	return o;
}

static json_object *num_or_null(bool has, int64_t v)
{
	return has ? json_object_new_int64(v) : NULL;
}

void site_pagination_api(json_object *obj, const struct orm_pagination *p)
{
	json_object_object_add(obj, "page", json_object_new_int64(p->page));
	json_object_object_add(obj, "per_page", json_object_new_int64(p->per_page));
	json_object_object_add(obj, "total", json_object_new_int64(p->total));
	json_object_object_add(obj, "pages", json_object_new_int64(p->pages));
	json_object_object_add(obj, "has_prev", json_object_new_boolean(p->has_prev));
	json_object_object_add(obj, "has_next", json_object_new_boolean(p->has_next));
	json_object_object_add(obj, "prev_num", num_or_null(p->has_prev, p->prev_num));
	json_object_object_add(obj, "next_num", num_or_null(p->has_next, p->next_num));
}

/* ---- articles shared by pages and API ---- */

int site_article_total(struct request *req, int64_t *out)
{
	struct site_req *sr = site_req(req);
	struct orm_query *q = orm_filter_by(counter_query(&sr->orm), "name", orm_str("articles"));
	struct counter *c = NULL;
	int rc = counter_first(q, &c);
	if (rc < 0)
		return rc;
	*out = c ? c->value : 0;
	return 0;
}

json_object *site_article_json(struct request *req, struct article *a, bool with_content)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(a->id));
	json_object_object_add(o, "title", json_object_new_string(a->title));
	if (with_content)
		json_object_object_add(o, "content", json_object_new_string(a->content));
	json_object_object_add(o, "pdatetime", json_object_new_string(site_iso(req, a->pdatetime)));
	json_object_object_add(o, "click_num", json_object_new_int64(a->click_num));
	json_object *au = json_object_new_object();
	struct user *u = a->user;
	json_object_object_add(au, "id", json_object_new_int64(u ? u->id : a->user_id));
	json_object_object_add(au, "username", json_object_new_string(u ? u->username : ""));
	json_object_object_add(o, "author", au);
	return o;
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
	size_t n = utf8_count(p, strlen(p));
	if (n < 8 || n > 128)
		return "Password must be 8 to 128 characters long.";
	return NULL;
}

const char *site_check_title(const char *t)
{
	size_t n = utf8_count(t, strlen(t));
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
