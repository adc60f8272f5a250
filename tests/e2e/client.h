/* client.h — a small "browser" for the end-to-end suites of SPEC section 7:
 * a cookie jar over tests/lib/http_client.h, form and JSON requests, the
 * csrf_token of an HTML page, unique names per run, and the checks that
 * many tests share (error JSON, cookie attributes, ISO 8601 dates). */
#ifndef FLACON_E2E_CLIENT_H
#define FLACON_E2E_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <json.h>

#include "http_client.h"
#include "test.h"

/* ---- The browser: a cookie jar ------------------------------------------- */

#define CL_MAX_COOKIES 16

struct cl_cookie {
	char name[64];
	char value[1024];
};

struct browser {
	struct cl_cookie jar[CL_MAX_COOKIES];
	int n;
};

void br_init(struct browser *b);
/* The jar's value of cookie name, or NULL. Borrowed from the jar. */
const char *br_cookie(const struct browser *b, const char *name);
/* Put (or replace) a cookie in the jar by hand, e.g. to forge one. */
void br_put_cookie(struct browser *b, const char *name, const char *value);
void br_drop_cookie(struct browser *b, const char *name);
/* Copy every cookie of src into dst (a second tab of the same browser). */
void br_copy(struct browser *dst, const struct browser *src);

/* Send a request with the jar's cookies, store the answer's Set-Cookie
 * (a deleting one — Max-Age <= 0 or Expires in the past — removes the
 * cookie). headers: extra "Name: v\r\n" lines or NULL. Returns what
 * hc_request returns; r is filled and must be hc_free'd. */
int br_request(struct browser *b, const char *method, const char *path, const char *headers,
	       const char *body, size_t len, struct http_resp *r);
int br_get(struct browser *b, const char *path, struct http_resp *r);
/* POST application/x-www-form-urlencoded; the variadic part is name,
 * value pairs ended by NULL; each is percent-encoded. */
int br_post_form(struct browser *b, const char *path, struct http_resp *r, ...)
	__attribute__((sentinel));
/* method path with Content-Type: application/json and body json (NULL:
 * no body at all, but still the content type). */
int br_json(struct browser *b, const char *method, const char *path, const char *json,
	    struct http_resp *r);

/* hc_get / hc_request without a browser; like every br_* call, r->head
 * and r->body are never NULL afterwards (empty when no answer came). */
int cl_get(const char *path, struct http_resp *r);
int cl_request(const char *method, const char *path, const char *headers, const char *body,
	       size_t len, struct http_resp *r);

/* s, or "" when s is NULL. */
static inline const char *cl_nz(const char *s)
{
	return s ? s : "";
}

/* GET path and copy the value of its csrf_token hidden input into out.
 * Returns true when found. */
bool br_csrf(struct browser *b, const char *path, char *out, size_t outlen);

/* ---- Accounts and content ------------------------------------------------ */

#define CL_PASSWORD "correct horse battery"

/* A fresh username valid for SPEC (A-Za-z0-9_.-, 3..32): tag (<= 10
 * characters) + pid + a counter. Thread-safe. out needs 33 bytes. */
void cl_unique_name(char *out, const char *tag);
/* A fresh name of letters only (for courses: no digits that could be
 * mistaken for numbers on a page). out needs 33 bytes. */
void cl_unique_letters(char *out, const char *tag);

/* POST /api/register; returns the status (the browser is logged in on 201). */
int cl_api_register(struct browser *b, const char *username, const char *password);
/* POST /api/login; remember: NULL (absent) or the JSON literal to send. */
int cl_api_login(struct browser *b, const char *username, const char *password,
		 const char *remember);
/* A new user with a unique name logged in through the API; CHECKs the 201.
 * name (33 bytes) receives the username; returns the user's id or -1. */
long long cl_new_user(struct browser *b, char *name, const char *tag);
/* GET /register then POST it with its token; returns the status. */
int cl_html_register(struct browser *b, const char *username, const char *password,
		     struct http_resp *r);
/* GET /login then POST it with its token; remember / next may be NULL. */
int cl_html_login(struct browser *b, const char *username, const char *password,
		  const char *remember, const char *next, struct http_resp *r);

/* POST /api/articles {title,content}; returns the new id (from Location),
 * or -status when not 201. */
long long cl_api_article(struct browser *b, const char *title, const char *content);
/* Make sure /api/articles reports at least min articles, written by three
 * fixture users in turn. */
void cl_ensure_articles(int min);

/* `$FLACON_BIN createcourse NAME --capacity N --credits N`, then the id
 * from GET /api/courses; -1 on failure. */
long long cl_create_course(const char *name, int capacity, int credits);
/* Run `$FLACON_BIN` with the arguments (each shell-quoted); exit status. */
int cl_flacon(const char *args);

/* A connection to the stack's database ($FLACON_TEST_DB_DIR), as the
 * workers use it; NULL (and a failed CHECK) when it cannot connect. Close
 * with mysql_close. */
struct st_mysql;
struct st_mysql *cl_db_open(void);

/* ---- Reading answers ----------------------------------------------------- */

/* The body parsed strictly as JSON (NULL when it is not JSON). Free with
 * json_object_put. */
json_object *cl_json(const struct http_resp *r);
/* Member key of o (NULL when o is not an object or has no such member). */
json_object *cl_jget(json_object *o, const char *key);
bool cl_jhas(json_object *o, const char *key);
/* Member as int64 when it is a JSON integer, else fallback. */
long long cl_jint(json_object *o, const char *key, long long fallback);
/* Article id's click_num as GET /api/articles/N reads it from the
 * database, once it equals want or 2 s have passed (views are written in
 * batches: SPEC 7 promises every reader sees them within a second); -1
 * when unreadable. */
long long cl_clicks_settled(long long id, long long want);
/* Member as string when it is a JSON string, else NULL. */
const char *cl_jstr(json_object *o, const char *key);
/* Member is JSON true / false / null. */
bool cl_jtrue(json_object *o, const char *key);
bool cl_jfalse(json_object *o, const char *key);
bool cl_jnull(json_object *o, const char *key);

/* True when r is `status` with a JSON body {"error": code, "message": str}
 * and an application/json content type. */
bool cl_is_error(const struct http_resp *r, int status, const char *code);

/* The Location of r as a local path: "http://127.0.0.1:PORT" or
 * "http://localhost:PORT" of this server is stripped; other values are
 * returned as they are. out empty when absent. */
const char *cl_location(const struct http_resp *r, char *out, size_t outlen);
/* The decoded value of query parameter name in url (path?query), or NULL. */
const char *cl_query_param(const char *url, const char *name, char *out, size_t outlen);
/* The whole Set-Cookie line of r that sets cookie name (the last one), or
 * NULL. */
const char *cl_set_cookie(const struct http_resp *r, const char *name, char *out, size_t outlen);
/* The value of the cookie in a Set-Cookie line. */
const char *cl_cookie_value(const char *line, char *out, size_t outlen);
/* Attribute attr of a Set-Cookie line (case-insensitive); "" for a flag
 * such as HttpOnly; NULL when absent. */
const char *cl_cookie_attr(const char *line, const char *attr, char *out, size_t outlen);
/* Parse an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); -1 when it is
 * not one. */
time_t cl_parse_http_date(const char *s);
/* s is "YYYY-MM-DDTHH:MM:SS[.fff]Z"; *t (may be NULL) gets the time. */
bool cl_is_iso_utc(const char *s, time_t *t);

/* Percent-encode s (everything but A-Za-z0-9-._~) into a malloc'd string. */
char *cl_urlencode(const char *s);
/* The value of header name in r, or "" (static per thread). */
const char *cl_header(const struct http_resp *r, const char *name);
/* X-Flacon-Queries of r, or -1. */
int cl_queries(const struct http_resp *r);
/* The ids N of every href="/articles/N" in an HTML body, in order of
 * appearance, without repeats. Returns how many (at most max). */
int cl_article_ids(const char *html, long long *ids, int max);
/* The page's text content (tags removed), malloc'd. */
char *cl_html_text(const char *html);
/* The number of non-overlapping occurrences of needle in hay. */
int cl_count(const char *hay, const char *needle);
/* True when html has a <form> that posts to action: action="ACTION", or
 * no action attribute at all (the form posts back to its own URL). */
bool cl_has_form(const char *html, const char *action);
/* True when the body is a text/html; charset=utf-8 answer. */
bool cl_is_html(const struct http_resp *r);

/* CHECK that r sets cookie name with HttpOnly, Path=/, SameSite=Lax,
 * Max-Age=max_age and, when need_expires (else only when present), an
 * IMF-fixdate Expires in GMT about now + max_age. */
void cl_check_cookie(const struct http_resp *r, const char *name, long max_age,
		     bool need_expires);
/* CHECK that r deletes cookie name (Max-Age=0 or an Expires in the past). */
void cl_check_cookie_deleted(const struct http_resp *r, const char *name);

/* CHECK a status, printing the start of the body when it differs. */
#define CHECK_STATUS(r, want)                                                          \
	CHECK_MSG((r).status == (want), "status %d, want %d; body: %.300s", (r).status, \
		  (want), (r).body ? (r).body : "")

#endif
