/* testclient_http.c — the test client's requests (testclient.h): a request
 * built as core/server.c builds one from FastCGI params, run through the
 * application's hooks as a worker runs it, its answer copied into a
 * response the client keeps; the cookie jar; redirects. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/testclient_priv.h"
#include "core/server.h"

#define TC_MAX_REDIRECTS 10

const struct flacon_response *tc_failed(const char *why)
{
	/* One per reason is enough: the text never changes. */
	static struct flacon_response r;
	r = (struct flacon_response){.status = 0, .body = why, .body_len = strlen(why), .method = "",
				     .path = ""};
	return &r;
}

/* ---- the transport: CGI params and the body ---------------------------- */

struct tc_transport {
	const char **env; /* name, value, name, value ... */
	size_t nenv;
	const char *body;
	size_t len, pos;
};

static const char *tc_getenv(struct http_request *req, const char *name)
{
	struct tc_transport *t = req->transport;
	for (size_t i = 0; i < t->nenv; i++)
		if (!strcmp(t->env[2 * i], name))
			return t->env[2 * i + 1];
	return NULL;
}

static long tc_read(struct http_request *req, char *dst, size_t n)
{
	struct tc_transport *t = req->transport;
	size_t k = t->len - t->pos;
	if (k > n)
		k = n;
	memcpy(dst, t->body + t->pos, k);
	t->pos += k;
	return (long)k;
}

/* Add a CGI param (name and value already in the arena). */
static void env_add(struct tc_transport *t, const char *name, const char *value)
{
	if (!name || !value)
		return;
	for (size_t i = 0; i < t->nenv; i++)
		if (!strcmp(t->env[2 * i], name)) {
			t->env[2 * i + 1] = value;
			return;
		}
	t->env[2 * t->nenv] = name;
	t->env[2 * t->nenv + 1] = value;
	t->nenv++;
}

/* "User-Agent" -> "HTTP_USER_AGENT" (CONTENT_TYPE and CONTENT_LENGTH
 * without the prefix, as a web server passes them), in a. */
static char *cgi_name(struct arena *a, const char *name, size_t n)
{
	bool plain = (n == 12 && !strncasecmp(name, "Content-Type", n)) ||
		     (n == 14 && !strncasecmp(name, "Content-Length", n));
	char *s = arena_alloc(a, n + 6);
	if (!s)
		return NULL;
	size_t k = 0;
	if (!plain) {
		memcpy(s, "HTTP_", 5);
		k = 5;
	}
	for (size_t i = 0; i < n; i++)
		s[k++] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	s[k] = '\0';
	return s;
}

/* ---- the cookie jar ------------------------------------------------------ */

static struct tc_cookie *jar_find(const struct flacon_client *c, const char *name)
{
	for (size_t i = 0; i < c->njar; i++)
		if (!strcmp(c->jar[i].name, name))
			return &c->jar[i];
	return NULL;
}

static void jar_delete(struct flacon_client *c, const char *name)
{
	struct tc_cookie *k = jar_find(c, name);
	if (!k)
		return;
	free(k->name);
	free(k->value);
	free(k->path);
	*k = c->jar[--c->njar];
}

/* Store name=value for path (all copied). 0 or -1. */
static int jar_put(struct flacon_client *c, const char *name, size_t nn, const char *value, size_t vn,
		   const char *path, size_t pn)
{
	struct tc_cookie k = {strndup(name, nn), strndup(value, vn), strndup(path, pn)};
	if (!k.name || !k.value || !k.path)
		goto fail;
	jar_delete(c, k.name);
	if (c->njar == c->capjar) {
		size_t cap = c->capjar ? 2 * c->capjar : 8;
		struct tc_cookie *v = realloc(c->jar, cap * sizeof *v);
		if (!v)
			goto fail;
		c->jar = v;
		c->capjar = cap;
	}
	c->jar[c->njar++] = k;
	return 0;
fail:
	free(k.name);
	free(k.value);
	free(k.path);
	return -1;
}

void tc_jar_free(struct flacon_client *c)
{
	flacon_client_clear_cookies(c);
	free(c->jar);
	c->jar = NULL;
	c->capjar = 0;
}

void flacon_client_clear_cookies(struct flacon_client *c)
{
	while (c->njar)
		jar_delete(c, c->jar[0].name);
}

const char *flacon_client_cookie(const struct flacon_client *c, const char *name)
{
	struct tc_cookie *k = jar_find(c, name);
	return k ? k->value : NULL;
}

int flacon_client_set_cookie(struct flacon_client *c, const char *name, const char *value)
{
	if (!value) {
		jar_delete(c, name);
		return 0;
	}
	return jar_put(c, name, strlen(name), value, strlen(value), "/", 1);
}

/* An IMF-fixdate ("Thu, 01 Jan 1970 00:00:00 GMT") as a time, or -1. */
static time_t parse_http_date(const char *s, size_t n)
{
	char tmp[64];
	if (n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	struct tm tm = {0};
	const char *end = strptime(tmp, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return end ? timegm(&tm) : -1;
}

/* Take one Set-Cookie value into the jar: set, replace or delete. */
static int jar_take(struct flacon_client *c, const char *v)
{
	const char *semi = strchr(v, ';');
	const char *pair_end = semi ? semi : v + strlen(v);
	const char *eq = memchr(v, '=', (size_t)(pair_end - v));
	if (!eq || eq == v)
		return 0; /* not a cookie a browser would keep */
	bool gone = false;
	const char *path = "/";
	size_t pn = 1;
	for (const char *a = semi; a && *a;) {
		a++;
		while (*a == ' ')
			a++;
		const char *e = strchr(a, ';');
		size_t n = e ? (size_t)(e - a) : strlen(a);
		if (n > 8 && !strncasecmp(a, "Max-Age=", 8))
			gone |= strtol(a + 8, NULL, 10) <= 0;
		else if (n > 8 && !strncasecmp(a, "Expires=", 8)) {
			time_t t = parse_http_date(a + 8, n - 8);
			gone |= t >= 0 && t < time(NULL);
		} else if (n > 5 && !strncasecmp(a, "Path=", 5)) {
			path = a + 5;
			pn = n - 5;
		}
		a = e;
	}
	if (gone) {
		char *name = strndup(v, (size_t)(eq - v));
		if (!name)
			return -1;
		jar_delete(c, name);
		free(name);
		return 0;
	}
	return jar_put(c, v, (size_t)(eq - v), eq + 1, (size_t)(pair_end - eq - 1), path, pn);
}

/* "a=1; b=2": the jar's cookies for path, in a; "" when none. */
static const char *jar_header(const struct flacon_client *c, struct arena *a, const char *path)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < c->njar; i++) {
		const struct tc_cookie *k = &c->jar[i];
		size_t pn = strlen(k->path);
		if (strncmp(path, k->path, pn) != 0)
			continue;
		buf_printf(&b, "%s%s=%s", b.n ? "; " : "", k->name, k->value);
	}
	const char *s = b.p ? arena_strndup(a, b.p, b.n) : "";
	buf_free(&b);
	return s;
}

/* ---- responses -------------------------------------------------------------- */

const char *flacon_resp_header(const struct flacon_response *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

const char *flacon_resp_set_cookie(const struct flacon_response *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < r->nheaders; i++) {
		const char *v = r->headers[i].value;
		if (!strcasecmp(r->headers[i].name, "Set-Cookie") && !strncmp(v, name, n) && v[n] == '=')
			return v;
	}
	return NULL;
}

bool flacon_resp_contains(const struct flacon_response *r, const char *text)
{
	return r->body && memmem(r->body, r->body_len, text, strlen(text)) != NULL;
}

static void json_release(void *p)
{
	json_object_put(p);
}

/* The answer of req in c->resp, copied into a response of c->keep: the
 * header block as http_serialize_head writes it for the transport. */
static struct flacon_response *copy_response(struct flacon_client *c, struct http_request *req)
{
	struct arena *k = &c->keep;
	size_t body_n;
	if (http_serialize_head(req, &c->resp, &c->out, &body_n) < 0)
		return NULL;
	struct flacon_response *r = arena_calloc(k, 1, sizeof *r);
	char *body = arena_strndup(k, c->resp.body.p ? c->resp.body.p : "", body_n);
	if (!r || !body)
		return NULL;
	r->status = c->resp.status;
	r->body = body;
	r->body_len = body_n;
	size_t lines = 0;
	for (size_t i = 0; i < c->out.n; i++)
		lines += c->out.p[i] == '\n';
	struct flacon_header *h = arena_calloc(k, lines + 1, sizeof *h);
	if (!h)
		return NULL;
	/* "Status: ..." first, then "Name: value" lines, then an empty one. */
	const char *p = strstr(c->out.p, "\r\n");
	p = p ? p + 2 : c->out.p + c->out.n;
	while (*p && strncmp(p, "\r\n", 2)) {
		const char *eol = strstr(p, "\r\n");
		const char *colon = memchr(p, ':', eol ? (size_t)(eol - p) : strlen(p));
		if (!eol || !colon)
			break;
		const char *v = colon + 1;
		while (*v == ' ')
			v++;
		h[r->nheaders].name = arena_strndup(k, p, (size_t)(colon - p));
		h[r->nheaders].value = arena_strndup(k, v, (size_t)(eol - v));
		if (!h[r->nheaders].name || !h[r->nheaders].value)
			return NULL;
		r->nheaders++;
		p = eol + 2;
	}
	r->headers = h;
	const char *ct = flacon_resp_header(r, "Content-Type");
	if (ct && !strncasecmp(ct, "application/json", 16) && body_n) {
		json_tokener *tok = json_tokener_new();
		json_object *o = tok ? json_tokener_parse_ex(tok, body, (int)body_n) : NULL;
		if (o && json_tokener_get_error(tok) == json_tokener_success &&
		    arena_cleanup_add(k, json_release, o) == 0)
			r->json = o;
		else
			json_object_put(o);
		if (tok)
			json_tokener_free(tok);
	}
	return r;
}

/* ---- one request ------------------------------------------------------------- */

/* Fill req from rq as core/server.c fills it from FastCGI params. 0 or
 * -1 (out of memory). */
static int build_request(struct flacon_client *c, const struct flacon_request *rq,
			 struct http_request *req, struct tc_transport *t)
{
	struct arena *a = &c->req;
	size_t nh = 0;
	for (; rq->headers && rq->headers[nh]; nh++)
		;
	t->env = arena_calloc(a, 2 * (nh + 16), sizeof *t->env);
	if (!t->env)
		return -1;
	t->body = rq->body ? rq->body : "";
	t->len = rq->body ? (rq->body_len ? rq->body_len : strlen(rq->body)) : 0;
	const char *uri = rq->path;
	const char *qm = strchr(uri, '?');
	req->method = rq->method ? rq->method : "GET";
	req->uri = uri;
	req->raw_path = qm ? arena_strndup(a, uri, (size_t)(qm - uri)) : uri;
	if (!req->raw_path)
		return -1;
	req->query_string = qm ? qm + 1 : "";
	size_t plen = 0;
	req->path = text_percent_decode(a, req->raw_path, strlen(req->raw_path), false, &plen);
	if (req->path && strlen(req->path) != plen)
		req->path = NULL; /* a decoded path must not smuggle NUL bytes */
	env_add(t, "REQUEST_METHOD", req->method);
	env_add(t, "REQUEST_URI", uri);
	env_add(t, "DOCUMENT_URI", req->raw_path);
	env_add(t, "QUERY_STRING", req->query_string);
	env_add(t, "SERVER_PROTOCOL", "HTTP/1.1");
	env_add(t, "SERVER_NAME", "localhost");
	env_add(t, "HTTP_HOST", "localhost");
	env_add(t, "REMOTE_ADDR", rq->remote_addr ? rq->remote_addr : "127.0.0.1");
	env_add(t, "HTTP_COOKIE", jar_header(c, a, req->raw_path));
	if (rq->content_type)
		env_add(t, "CONTENT_TYPE", rq->content_type);
	if (rq->body)
		env_add(t, "CONTENT_LENGTH", arena_printf(a, "%zu", t->len));
	for (size_t i = 0; i < nh; i++) {
		const char *h = rq->headers[i], *colon = strchr(h, ':');
		if (!colon)
			continue;
		const char *v = colon + 1;
		while (*v == ' ')
			v++;
		char *name = cgi_name(a, h, (size_t)(colon - h));
		if (!name)
			return -1;
		if (strcmp(name, "CONTENT_LENGTH"))
			env_add(t, name, v);
	}
	const char *ct = tc_getenv(req, "CONTENT_TYPE");
	req->content_type = ct ? ct : "";
	req->content_length = rq->body ? (long long)t->len : -1;
	req->remote_addr = tc_getenv(req, "REMOTE_ADDR");
	return 0;
}

/* One request through the application's hooks, as a worker's loop runs
 * it; the response, or NULL when out of memory. */
static struct flacon_response *run_once(struct flacon_client *c, const struct flacon_request *rq)
{
	arena_reset(&c->req);
	struct tc_transport t = {0};
	struct http_request req = c->proto;
	req.arena = &c->req;
	req.transport = &t;
	req.getenv = tc_getenv;
	req.read = tc_read;
	if (build_request(c, rq, &req, &t) < 0)
		return NULL;
	struct http_response *resp = &c->resp;
	resp->arena = &c->req;
	resp->status = 200;
	resp->sent_error = false;
	http_resp_clear(resp);
	http_request_begin(&req);
	if (c->hooks->request_start)
		c->hooks->request_start(&req);
	http_handle(c->hooks->app, &req, resp);
	http_request_end(&req, resp);
	struct flacon_response *r = copy_response(c, &req);
	if (r) {
		r->method = arena_strdup(&c->keep, rq->method ? rq->method : "GET");
		r->path = arena_strdup(&c->keep, rq->path);
		if (!r->method || !r->path)
			r = NULL;
	}
	if (c->hooks->app->finish)
		c->hooks->app->finish(&req);
	arena_run_cleanups(&c->req);
	/* As the worker loop does; with the delay at 0 (flacon_client_open)
	 * the request's deferred increments are written now, so a test reads
	 * them at once. */
	if (c->hooks->tick)
		c->hooks->tick(&c->proto);
	for (size_t i = 0; r && i < r->nheaders; i++)
		if (!strcasecmp(r->headers[i].name, "Set-Cookie") && jar_take(c, r->headers[i].value) < 0)
			r = NULL;
	return r;
}

const char *tc_resolve(struct flacon_client *c, const char *from, const char *loc)
{
	const char *scheme = strstr(loc, "://");
	if (scheme && !memchr(loc, '/', (size_t)(scheme - loc))) {
		const char *p = strchr(scheme + 3, '/');
		return p ? p : "/";
	}
	if (loc[0] == '/')
		return loc;
	const char *q = strchr(from, '?');
	size_t n = q ? (size_t)(q - from) : strlen(from);
	while (n && from[n - 1] != '/')
		n--;
	return arena_printf(&c->keep, "%.*s%s", (int)n, from, loc);
}

const struct flacon_response *flacon_client_request(struct flacon_client *c,
						    const struct flacon_request *rq)
{
	if (!rq || !rq->path || rq->path[0] != '/')
		return tc_failed("test client: a request needs a path starting with /");
	struct flacon_request cur = *rq;
	for (int hops = 0;; hops++) {
		struct flacon_response *r = run_once(c, &cur);
		if (!r)
			return tc_failed("test client: out of memory");
		r->redirects = hops;
		const char *loc = flacon_resp_header(r, "Location");
		bool redirect = r->status == 301 || r->status == 302 || r->status == 303 ||
				r->status == 307 || r->status == 308;
		if (!c->follow || !redirect || !loc || hops == TC_MAX_REDIRECTS)
			return r;
		cur.path = tc_resolve(c, cur.path, loc);
		if (!cur.path)
			return tc_failed("test client: out of memory");
		if (r->status != 307 && r->status != 308) {
			if (!cur.method || strcmp(cur.method, "HEAD"))
				cur.method = "GET";
			cur.body = NULL;
			cur.body_len = 0;
			cur.content_type = NULL;
		}
	}
}

const struct flacon_response *flacon_client_get(struct flacon_client *c, const char *path)
{
	struct flacon_request rq = {.method = "GET", .path = path};
	return flacon_client_request(c, &rq);
}

static bool form_keep(unsigned char ch)
{
	return isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

char *tc_form_encode(struct flacon_client *c, const char *const *pairs, size_t n)
{
	struct buf b = BUF_INIT;
	bool ok = buf_reserve(&b, 1) == 0;
	for (size_t i = 0; ok && i < n; i++) {
		const char *name = pairs[2 * i], *value = pairs[2 * i + 1] ? pairs[2 * i + 1] : "";
		size_t nn = text_percent_encode_to(NULL, name, strlen(name), form_keep);
		size_t vn = text_percent_encode_to(NULL, value, strlen(value), form_keep);
		ok = buf_reserve(&b, nn + vn + 2) == 0;
		if (!ok)
			break;
		if (i)
			b.p[b.n++] = '&';
		b.n += text_percent_encode_to(b.p + b.n, name, strlen(name), form_keep);
		b.p[b.n++] = '=';
		b.n += text_percent_encode_to(b.p + b.n, value, strlen(value), form_keep);
		b.p[b.n] = '\0';
	}
	char *s = ok ? arena_strndup(&c->keep, b.p, b.n) : NULL;
	buf_free(&b);
	return s;
}

const struct flacon_response *flacon_client_post_form(struct flacon_client *c, const char *path, ...)
{
	const char *pairs[128];
	size_t n = 0;
	va_list ap;
	va_start(ap, path);
	for (const char *name; (name = va_arg(ap, const char *)) && n < 64; n++) {
		pairs[2 * n] = name;
		pairs[2 * n + 1] = va_arg(ap, const char *);
	}
	va_end(ap);
	char *body = tc_form_encode(c, pairs, n);
	if (!body)
		return tc_failed("test client: out of memory");
	struct flacon_request rq = {
		.method = "POST", .path = path, .body = body, .body_len = strlen(body),
		.content_type = "application/x-www-form-urlencoded",
	};
	if (!rq.body_len)
		rq.body = ""; /* an empty form is an empty body, sent */
	return flacon_client_request(c, &rq);
}

const struct flacon_response *flacon_client_json(struct flacon_client *c, const char *method,
						 const char *path, const char *json)
{
	struct flacon_request rq = {
		.method = method, .path = path, .body = json, .body_len = json ? strlen(json) : 0,
		.content_type = "application/json", /* API writes need it, body or not */
	};
	return flacon_client_request(c, &rq);
}
