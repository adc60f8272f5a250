/* client.c — the end-to-end suites' browser: cookie jar, forms, JSON,
 * CSRF tokens, fixtures made through the public interface (HTTP and the
 * flacon command line), and parsing helpers for the answers. */
#include "client.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include <mysql.h>
#include <unistd.h>

/* ---- Cookie jar ----------------------------------------------------------- */

void br_init(struct browser *b)
{
	memset(b, 0, sizeof *b);
}

static int jar_find(const struct browser *b, const char *name)
{
	for (int i = 0; i < b->n; i++)
		if (!strcmp(b->jar[i].name, name))
			return i;
	return -1;
}

const char *br_cookie(const struct browser *b, const char *name)
{
	int i = jar_find(b, name);
	return i < 0 ? NULL : b->jar[i].value;
}

void br_put_cookie(struct browser *b, const char *name, const char *value)
{
	int i = jar_find(b, name);
	if (i < 0) {
		if (b->n == CL_MAX_COOKIES)
			return;
		i = b->n++;
		snprintf(b->jar[i].name, sizeof b->jar[i].name, "%s", name);
	}
	snprintf(b->jar[i].value, sizeof b->jar[i].value, "%s", value);
}

void br_drop_cookie(struct browser *b, const char *name)
{
	int i = jar_find(b, name);
	if (i < 0)
		return;
	b->jar[i] = b->jar[b->n - 1];
	b->n--;
}

void br_copy(struct browser *dst, const struct browser *src)
{
	*dst = *src;
}

static void jar_store(struct browser *b, const struct http_resp *r)
{
	char line[4096];
	for (int k = 0; hc_header(r, "Set-Cookie", k, line, sizeof line); k++) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		char name[64];
		size_t nl = (size_t)(eq - line);
		while (nl > 0 && line[nl - 1] == ' ')
			nl--;
		if (nl == 0 || nl >= sizeof name)
			continue;
		memcpy(name, line, nl);
		name[nl] = '\0';
		char value[1024];
		cl_cookie_value(line, value, sizeof value);
		bool gone = false;
		char attr[128];
		if (cl_cookie_attr(line, "Max-Age", attr, sizeof attr))
			gone = atol(attr) <= 0;
		else if (cl_cookie_attr(line, "Expires", attr, sizeof attr)) {
			time_t t = cl_parse_http_date(attr);
			gone = t != -1 && t <= time(NULL);
		}
		if (gone)
			br_drop_cookie(b, name);
		else
			br_put_cookie(b, name, value);
	}
}

int br_request(struct browser *b, const char *method, const char *path, const char *headers,
	       const char *body, size_t len, struct http_resp *r)
{
	size_t cap = (headers ? strlen(headers) : 0) + 64;
	for (int i = 0; i < b->n; i++)
		cap += strlen(b->jar[i].name) + strlen(b->jar[i].value) + 4;
	char *h = malloc(cap);
	size_t n = 0;
	h[0] = '\0';
	if (b->n > 0) {
		n += (size_t)sprintf(h + n, "Cookie: ");
		for (int i = 0; i < b->n; i++)
			n += (size_t)sprintf(h + n, "%s%s=%s", i ? "; " : "", b->jar[i].name,
					     b->jar[i].value);
		n += (size_t)sprintf(h + n, "\r\n");
	}
	if (headers)
		sprintf(h + n, "%s", headers);
	int rc = cl_request(method, path, h, body, len, r);
	free(h);
	if (rc == 0)
		jar_store(b, r);
	return rc;
}

int cl_request(const char *method, const char *path, const char *headers, const char *body,
	       size_t len, struct http_resp *r)
{
	int rc = hc_request(method, path, headers, body, len, r);
	if (!r->head) {
		/* No connection: an empty answer the checks can read. */
		r->head = calloc(1, 1);
		r->body = r->head;
		r->body_len = 0;
	}
	return rc;
}

int cl_get(const char *path, struct http_resp *r)
{
	return cl_request("GET", path, NULL, NULL, 0, r);
}

int br_get(struct browser *b, const char *path, struct http_resp *r)
{
	return br_request(b, "GET", path, NULL, NULL, 0, r);
}

char *cl_urlencode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

int br_post_form(struct browser *b, const char *path, struct http_resp *r, ...)
{
	va_list ap;
	size_t cap = 1, n = 0;
	va_start(ap, r);
	for (const char *k; (k = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		cap += 3 * (strlen(k) + (v ? strlen(v) : 0)) + 2;
	}
	va_end(ap);
	char *body = malloc(cap);
	body[0] = '\0';
	va_start(ap, r);
	for (const char *k; (k = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		char *ek = cl_urlencode(k), *ev = cl_urlencode(v ? v : "");
		n += (size_t)sprintf(body + n, "%s%s=%s", n ? "&" : "", ek, ev);
		free(ek);
		free(ev);
	}
	va_end(ap);
	int rc = br_request(b, "POST", path,
			    "Content-Type: application/x-www-form-urlencoded\r\n", body, n, r);
	free(body);
	return rc;
}

int br_json(struct browser *b, const char *method, const char *path, const char *json,
	    struct http_resp *r)
{
	return br_request(b, method, path, "Content-Type: application/json\r\n", json,
			  json ? strlen(json) : 0, r);
}

/* The value of the csrf_token hidden input in html. */
static bool html_csrf(const char *html, char *out, size_t outlen)
{
	for (const char *p = html; (p = strstr(p, "<input")); p++) {
		const char *end = strchr(p, '>');
		if (!end)
			return false;
		const char *nm = strstr(p, "name=\"csrf_token\"");
		if (!nm || nm > end)
			continue;
		const char *v = strstr(p, "value=\"");
		if (!v || v > end)
			continue;
		v += 7;
		const char *q = strchr(v, '"');
		if (!q || q > end || (size_t)(q - v) >= outlen)
			return false;
		memcpy(out, v, (size_t)(q - v));
		out[q - v] = '\0';
		return true;
	}
	return false;
}

bool br_csrf(struct browser *b, const char *path, char *out, size_t outlen)
{
	struct http_resp r;
	out[0] = '\0';
	if (br_get(b, path, &r) != 0)
		return false;
	bool ok = r.status == 200 && html_csrf(r.body, out, outlen);
	hc_free(&r);
	return ok;
}

/* ---- Accounts and content ------------------------------------------------ */

static atomic_int name_counter;

void cl_unique_name(char *out, const char *tag)
{
	int k = atomic_fetch_add(&name_counter, 1) + 1;
	snprintf(out, 33, "%.10s%d_%d", tag, (int)(getpid() % 100000), k);
}

static void letters(char *out, unsigned long v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('a' + v % 26);
		v /= 26;
	}
	out[width] = '\0';
}

void cl_unique_letters(char *out, const char *tag)
{
	int k = atomic_fetch_add(&name_counter, 1) + 1;
	char a[8], c[8];
	letters(a, (unsigned long)getpid(), 5);
	letters(c, (unsigned long)k, 4);
	snprintf(out, 33, "%.10s%s%s", tag, a, c);
}

static char *json_of(const char *k1, const char *v1, const char *k2, const char *v2,
		     const char *k3, const char *raw3)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, k1, json_object_new_string(v1));
	json_object_object_add(o, k2, json_object_new_string(v2));
	if (k3 && raw3)
		json_object_object_add(o, k3, json_tokener_parse(raw3));
	char *s = strdup(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

int cl_api_register(struct browser *b, const char *username, const char *password)
{
	char *j = json_of("username", username, "password", password, NULL, NULL);
	struct http_resp r;
	int rc = br_json(b, "POST", "/api/register", j, &r);
	free(j);
	int s = rc == 0 ? r.status : -1;
	hc_free(&r);
	return s;
}

int cl_api_login(struct browser *b, const char *username, const char *password,
		 const char *remember)
{
	char *j = json_of("username", username, "password", password, "remember", remember);
	struct http_resp r;
	int rc = br_json(b, "POST", "/api/login", j, &r);
	free(j);
	int s = rc == 0 ? r.status : -1;
	hc_free(&r);
	return s;
}

long long cl_new_user(struct browser *b, char *name, const char *tag)
{
	cl_unique_name(name, tag);
	char *j = json_of("username", name, "password", CL_PASSWORD, NULL, NULL);
	struct http_resp r;
	br_json(b, "POST", "/api/register", j, &r);
	free(j);
	CHECK_MSG(r.status == 201, "registering %s: status %d: %.200s", name, r.status,
		  r.body ? r.body : "");
	long long id = -1;
	json_object *o = cl_json(&r);
	if (o)
		id = cl_jint(o, "id", -1);
	json_object_put(o);
	hc_free(&r);
	return id;
}

int cl_html_register(struct browser *b, const char *username, const char *password,
		     struct http_resp *r)
{
	char tok[256];
	if (!br_csrf(b, "/register", tok, sizeof tok))
		CHECK_MSG(0, "no csrf_token on GET /register");
	return br_post_form(b, "/register", r, "csrf_token", tok, "username", username,
			    "password", password, NULL) == 0
		       ? r->status
		       : -1;
}

int cl_html_login(struct browser *b, const char *username, const char *password,
		  const char *remember, const char *next, struct http_resp *r)
{
	char tok[256];
	if (!br_csrf(b, "/login", tok, sizeof tok))
		CHECK_MSG(0, "no csrf_token on GET /login");
	int rc;
	if (remember && next)
		rc = br_post_form(b, "/login", r, "csrf_token", tok, "username", username,
				  "password", password, "remember", remember, "next", next, NULL);
	else if (remember)
		rc = br_post_form(b, "/login", r, "csrf_token", tok, "username", username,
				  "password", password, "remember", remember, NULL);
	else if (next)
		rc = br_post_form(b, "/login", r, "csrf_token", tok, "username", username,
				  "password", password, "next", next, NULL);
	else
		rc = br_post_form(b, "/login", r, "csrf_token", tok, "username", username,
				  "password", password, NULL);
	return rc == 0 ? r->status : -1;
}

/* The trailing number of a path such as /api/articles/42, or -1. */
static long long trailing_id(const char *path)
{
	size_t n = strlen(path);
	size_t i = n;
	while (i > 0 && isdigit((unsigned char)path[i - 1]))
		i--;
	if (i == n || i == 0 || path[i - 1] != '/')
		return -1;
	return atoll(path + i);
}

long long cl_api_article(struct browser *b, const char *title, const char *content)
{
	char *j = json_of("title", title, "content", content, NULL, NULL);
	struct http_resp r;
	br_json(b, "POST", "/api/articles", j, &r);
	free(j);
	long long id = -(long long)r.status;
	if (r.status == 201) {
		char loc[512];
		id = trailing_id(cl_location(&r, loc, sizeof loc));
	}
	hc_free(&r);
	return id;
}

static long long articles_total(void)
{
	struct http_resp r;
	cl_get("/api/articles", &r);
	json_object *o = cl_json(&r);
	long long t = cl_jint(o, "total", -1);
	json_object_put(o);
	hc_free(&r);
	return t;
}

void cl_ensure_articles(int min)
{
	static struct browser fx[3];
	static bool ready;
	long long total = articles_total();
	if (total >= min)
		return;
	if (!ready) {
		char name[33];
		for (int i = 0; i < 3; i++) {
			br_init(&fx[i]);
			cl_new_user(&fx[i], name, "fixture");
		}
		ready = true;
	}
	for (long long i = total < 0 ? 0 : total; i < min; i++) {
		char title[64];
		snprintf(title, sizeof title, "Fixture article %lld", i);
		long long id = cl_api_article(&fx[i % 3], title, "Fixture content.");
		CHECK_MSG(id > 0, "fixture article: %lld", id);
		if (id <= 0)
			return;
	}
}

int cl_flacon(const char *args)
{
	const char *bin = getenv("FLACON_BIN");
	if (!bin)
		bin = "build/flacon";
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null </dev/null", bin, args);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

long long cl_create_course(const char *name, int capacity, int credits)
{
	char args[256];
	snprintf(args, sizeof args, "createcourse '%s' --capacity %d --credits %d", name,
		 capacity, credits);
	int st = cl_flacon(args);
	CHECK_MSG(st == 0, "flacon %s exited %d", args, st);
	struct http_resp r;
	cl_get("/api/courses", &r);
	json_object *o = cl_json(&r);
	json_object *items = cl_jget(o, "items");
	long long id = -1;
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		json_object *c = json_object_array_get_idx(items, i);
		const char *cn = cl_jstr(c, "cname");
		if (cn && !strcmp(cn, name))
			id = cl_jint(c, "id", -1);
	}
	json_object_put(o);
	hc_free(&r);
	CHECK_MSG(id > 0, "course %s not found in /api/courses", name);
	return id;
}

/* ---- Reading answers ----------------------------------------------------- */

json_object *cl_json(const struct http_resp *r)
{
	if (!r->body)
		return NULL;
	json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *o = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

json_object *cl_jget(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

bool cl_jhas(json_object *o, const char *key)
{
	json_object *v;
	return o && json_object_is_type(o, json_type_object) &&
	       json_object_object_get_ex(o, key, &v);
}

long long cl_jint(json_object *o, const char *key, long long fallback)
{
	json_object *v = cl_jget(o, key);
	if (!v || !json_object_is_type(v, json_type_int))
		return fallback;
	return (long long)json_object_get_int64(v);
}

long long cl_clicks_settled(long long id, long long want)
{
	char path[64];
	snprintf(path, sizeof path, "/api/articles/%lld", id);
	long long n = -1;
	for (int i = 0; i < 40; i++) {
		struct http_resp r;
		cl_get(path, &r);
		json_object *o = cl_json(&r);
		n = cl_jint(o, "click_num", -1);
		json_object_put(o);
		hc_free(&r);
		if (n == want)
			break;
		usleep(50 * 1000);
	}
	return n;
}

const char *cl_jstr(json_object *o, const char *key)
{
	json_object *v = cl_jget(o, key);
	if (!v || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool cl_jtrue(json_object *o, const char *key)
{
	json_object *v = cl_jget(o, key);
	return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

bool cl_jfalse(json_object *o, const char *key)
{
	json_object *v = cl_jget(o, key);
	return v && json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v);
}

bool cl_jnull(json_object *o, const char *key)
{
	json_object *v;
	return o && json_object_is_type(o, json_type_object) &&
	       json_object_object_get_ex(o, key, &v) && v == NULL;
}

const char *cl_header(const struct http_resp *r, const char *name)
{
	static _Thread_local char buf[4096];
	if (!hc_header(r, name, 0, buf, sizeof buf))
		buf[0] = '\0';
	return buf;
}

bool cl_is_error(const struct http_resp *r, int status, const char *code)
{
	if (r->status != status || !strstr(cl_header(r, "Content-Type"), "application/json"))
		return false;
	json_object *o = cl_json(r);
	const char *e = cl_jstr(o, "error");
	bool ok = e && !strcmp(e, code) && cl_jstr(o, "message") != NULL;
	json_object_put(o);
	return ok;
}

const char *cl_location(const struct http_resp *r, char *out, size_t outlen)
{
	out[0] = '\0';
	if (!hc_header(r, "Location", 0, out, outlen))
		return out;
	char self[2][64];
	snprintf(self[0], sizeof self[0], "http://127.0.0.1:%d/", hc_port());
	snprintf(self[1], sizeof self[1], "http://localhost:%d/", hc_port());
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(self[i]) - 1;
		if (!strncmp(out, self[i], n + 1))
			memmove(out, out + n, strlen(out + n) + 1);
	}
	return out;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

const char *cl_query_param(const char *url, const char *name, char *out, size_t outlen)
{
	const char *q = strchr(url, '?');
	if (!q)
		return NULL;
	size_t nl = strlen(name);
	for (const char *p = q + 1; p && *p; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, nl) || p[nl] != '=')
			continue;
		const char *v = p + nl + 1;
		size_t o = 0;
		while (*v && *v != '&' && o + 1 < outlen) {
			if (*v == '%' && hexval(v[1]) >= 0 && hexval(v[2]) >= 0) {
				out[o++] = (char)(hexval(v[1]) * 16 + hexval(v[2]));
				v += 3;
			} else {
				out[o++] = *v == '+' ? ' ' : *v;
				v++;
			}
		}
		out[o] = '\0';
		return out;
	}
	return NULL;
}

const char *cl_set_cookie(const struct http_resp *r, const char *name, char *out, size_t outlen)
{
	char line[4096];
	const char *found = NULL;
	size_t nl = strlen(name);
	for (int k = 0; hc_header(r, "Set-Cookie", k, line, sizeof line); k++) {
		if (!strncmp(line, name, nl) && line[nl] == '=') {
			snprintf(out, outlen, "%s", line);
			found = out;
		}
	}
	return found;
}

const char *cl_cookie_value(const char *line, char *out, size_t outlen)
{
	const char *eq = strchr(line, '=');
	out[0] = '\0';
	if (!eq)
		return out;
	const char *v = eq + 1, *e = strchr(v, ';');
	size_t n = e ? (size_t)(e - v) : strlen(v);
	while (n > 0 && v[n - 1] == ' ')
		n--;
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	return out;
}

const char *cl_cookie_attr(const char *line, const char *attr, char *out, size_t outlen)
{
	size_t al = strlen(attr);
	for (const char *p = strchr(line, ';'); p; p = strchr(p + 1, ';')) {
		const char *a = p + 1;
		while (*a == ' ')
			a++;
		if (strncasecmp(a, attr, al))
			continue;
		const char *after = a + al;
		while (*after == ' ')
			after++;
		if (*after == ';' || *after == '\0') {
			out[0] = '\0';
			return out;
		}
		if (*after != '=')
			continue;
		after++;
		const char *e = strchr(after, ';');
		size_t n = e ? (size_t)(e - after) : strlen(after);
		while (n > 0 && after[n - 1] == ' ')
			n--;
		if (n >= outlen)
			n = outlen - 1;
		memcpy(out, after, n);
		out[n] = '\0';
		return out;
	}
	return NULL;
}

time_t cl_parse_http_date(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end != '\0')
		return -1;
	/* IMF-fixdate: two-digit day, four-digit year, exactly 29 bytes. */
	if (strlen(s) != 29)
		return -1;
	return timegm(&tm);
}

bool cl_is_iso_utc(const char *s, time_t *t)
{
	if (!s)
		return false;
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	for (size_t i = 0; i < sizeof shape - 1; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	}
	const char *p = s + sizeof shape - 1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (strcmp(p, "Z") != 0)
		return false;
	if (t) {
		struct tm tm;
		memset(&tm, 0, sizeof tm);
		strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
		*t = timegm(&tm);
	}
	return true;
}

int cl_queries(const struct http_resp *r)
{
	char v[32];
	if (!hc_header(r, "X-Flacon-Queries", 0, v, sizeof v))
		return -1;
	return atoi(v);
}

int cl_article_ids(const char *html, long long *ids, int max)
{
	int n = 0;
	for (const char *p = html; n < max && (p = strstr(p, "href=\"/articles/")); p++) {
		const char *d = p + 16;
		if (!isdigit((unsigned char)*d))
			continue;
		char *end;
		long long id = strtoll(d, &end, 10);
		if (*end != '"')
			continue;
		bool seen = false;
		for (int i = 0; i < n; i++)
			seen = seen || ids[i] == id;
		if (!seen)
			ids[n++] = id;
	}
	return n;
}

char *cl_html_text(const char *html)
{
	char *out = malloc(strlen(html) + 1), *o = out;
	bool in_tag = false;
	for (const char *p = html; *p; p++) {
		if (*p == '<')
			in_tag = true;
		else if (*p == '>' && in_tag) {
			in_tag = false;
			*o++ = ' ';
		} else if (!in_tag)
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

int cl_count(const char *hay, const char *needle)
{
	int n = 0;
	size_t nl = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)); p += nl)
		n++;
	return n;
}

bool cl_is_html(const struct http_resp *r)
{
	const char *ct = cl_header(r, "Content-Type");
	return !strcasecmp(ct, "text/html; charset=utf-8") ||
	       !strcasecmp(ct, "text/html;charset=utf-8");
}

void cl_check_cookie(const struct http_resp *r, const char *name, long max_age,
		     bool need_expires)
{
	char line[4096], a[256];
	if (!cl_set_cookie(r, name, line, sizeof line)) {
		CHECK_MSG(0, "no Set-Cookie for %s; head: %.600s", name, r->head ? r->head : "");
		return;
	}
	char v[1024];
	CHECK_MSG(cl_cookie_value(line, v, sizeof v)[0] != '\0', "empty value: %s", line);
	CHECK_MSG(cl_cookie_attr(line, "HttpOnly", a, sizeof a) != NULL, "%s", line);
	CHECK_MSG(cl_cookie_attr(line, "Path", a, sizeof a) && !strcmp(a, "/"), "%s", line);
	CHECK_MSG(cl_cookie_attr(line, "SameSite", a, sizeof a) && !strcasecmp(a, "Lax"), "%s",
		  line);
	CHECK_MSG(cl_cookie_attr(line, "Max-Age", a, sizeof a) && atol(a) == max_age, "%s", line);
	const char *e = cl_cookie_attr(line, "Expires", a, sizeof a);
	if (!e && !need_expires)
		return;
	time_t t = e ? cl_parse_http_date(e) : -1;
	CHECK_MSG(t != -1, "no IMF-fixdate Expires in GMT: %s", line);
	if (t != -1) {
		long d = (long)(t - (time(NULL) + max_age));
		CHECK_MSG(d > -300 && d < 300, "Expires is %ld s away from now + Max-Age: %s", d,
			  line);
	}
}

void cl_check_cookie_deleted(const struct http_resp *r, const char *name)
{
	char line[4096], a[256];
	if (!cl_set_cookie(r, name, line, sizeof line)) {
		CHECK_MSG(0, "no Set-Cookie deleting %s; head: %.600s", name, r->head ? r->head : "");
		return;
	}
	bool gone = false;
	if (cl_cookie_attr(line, "Max-Age", a, sizeof a))
		gone = atol(a) <= 0;
	if (!gone && cl_cookie_attr(line, "Expires", a, sizeof a)) {
		time_t t = cl_parse_http_date(a);
		gone = t != -1 && t < time(NULL);
	}
	CHECK_MSG(gone, "cookie not deleted: %s", line);
}

bool cl_has_form(const char *html, const char *action)
{
	char want[256];
	snprintf(want, sizeof want, "action=\"%s\"", action);
	for (const char *p = html; (p = strstr(p, "<form")); p++) {
		const char *end = strchr(p, '>');
		if (!end)
			return false;
		char *tag = strndup(p, (size_t)(end - p));
		bool ok = strstr(tag, want) || !strstr(tag, "action=");
		free(tag);
		if (ok)
			return true;
	}
	return false;
}

struct st_mysql *cl_db_open(void)
{
	const char *dir = getenv("FLACON_TEST_DB_DIR");
	char sock[512];
	snprintf(sock, sizeof sock, "%s/mysqld.sock", dir ? dir : "/nonexistent");
	MYSQL *m = mysql_init(NULL);
	if (m && !mysql_real_connect(m, "localhost", "flacon", NULL, "flacon", 0, sock, 0)) {
		CHECK_MSG(0, "connect to %s: %s", sock, mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}
