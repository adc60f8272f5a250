/* http.c — request accessors, response building, router and the pipeline. */
#include "core/http.h"

#include "core/metrics.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/log.h"

const char *http_req_env(struct http_request *req, const char *name)
{
	return req->getenv ? req->getenv(req, name) : NULL;
}

const char *http_req_header(struct http_request *req, const char *name)
{
	char cgi[128] = "HTTP_";
	size_t n = 5;
	for (const char *p = name; *p && n < sizeof cgi - 1; p++)
		cgi[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	cgi[n] = '\0';
	if (!strcasecmp(name, "Content-Type"))
		return http_req_env(req, "CONTENT_TYPE");
	if (!strcasecmp(name, "Content-Length"))
		return http_req_env(req, "CONTENT_LENGTH");
	return http_req_env(req, cgi);
}

static bool cookie_name_char(unsigned char c)
{
	/* RFC 6265 token characters. */
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return !strchr("()<>@,;:\\\"/[]?={}", c);
}

/* What a cookie value's byte is (RFC 6265 cookie-octet): COOKIE_BAD for
 * a byte no value may hold (controls, space, DEL, '"', ',', ';', '\\'),
 * COOKIE_NOT_PLAIN for one that decoding must look at (non-ASCII, '%').
 * One table lookup a byte: a session cookie is a few hundred of them on
 * every logged-in request. */
enum { COOKIE_BAD = 1, COOKIE_NOT_PLAIN = 2 };
static const unsigned char cookie_value_class[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

int http_cookie_parse(struct arena *a, const char *h, size_t n, struct text_params *out)
{
	out->v = NULL;
	out->n = 0;
	if (!h || n == 0)
		return 0;
	size_t max = 1;
	for (const char *p = h, *e = h + n; (p = memchr(p, ';', (size_t)(e - p))) != NULL; p++)
		max++;
	struct text_param *v = arena_alloc(a, max * sizeof *v);
	if (!v)
		return -1;
	size_t count = 0, i = 0;
	while (i < n) {
		size_t start = i;
		const char *semi = memchr(h + i, ';', n - i);
		i = semi ? (size_t)(semi - h) : n;
		size_t end = i;
		i++; /* skip ';' */
		while (start < end && (h[start] == ' ' || h[start] == '\t'))
			start++;
		while (end > start && (h[end - 1] == ' ' || h[end - 1] == '\t'))
			end--;
		const char *eq = memchr(h + start, '=', end - start);
		if (!eq || eq == h + start)
			continue;
		bool ok = true;
		for (const char *p = h + start; p < eq; p++)
			if (!cookie_name_char((unsigned char)*p))
				ok = false;
		const char *val = eq + 1;
		size_t vlen = (size_t)(h + end - val);
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val++;
			vlen -= 2;
		}
		unsigned cls = 0; /* COOKIE_BAD, COOKIE_NOT_PLAIN of its bytes */
		for (size_t k = 0; k < vlen; k++)
			cls |= cookie_value_class[(unsigned char)val[k]];
		bool plain = !(cls & COOKIE_NOT_PLAIN); /* decoding is a copy */
		if (!ok || (cls & COOKIE_BAD))
			continue;
		size_t dlen = vlen;
		char *name = arena_strndup(a, h + start, (size_t)(eq - (h + start)));
		/* Values we set are percent-encoded; undecodable ones stay raw,
		 * unless the raw bytes are not UTF-8 either: such a pair is
		 * malformed and skipped, so every value read is valid UTF-8. A
		 * plain value (a session cookie) is copied as it is. */
		char *value = plain ? arena_strndup(a, val, vlen) : text_percent_decode(a, val, vlen, false, &dlen);
		if (!value) {
			if (!text_utf8_valid(val, vlen))
				continue;
			value = arena_strndup(a, val, vlen);
			dlen = vlen;
		}
		if (!name || !value)
			return -1;
		v[count].name = name;
		v[count].value = value;
		v[count].value_len = dlen;
		count++;
	}
	out->v = v;
	out->n = count;
	return 0;
}

const char *http_req_cookie(struct http_request *req, const char *name)
{
	if (!req->cookies_parsed) {
		const char *h = http_req_env(req, "HTTP_COOKIE");
		if (http_cookie_parse(req->arena, h, h ? strlen(h) : 0, &req->cookies) < 0)
			return NULL;
		req->cookies_parsed = true;
	}
	const struct text_param *p = text_params_get(&req->cookies, name);
	return p ? p->value : NULL;
}

const char *http_req_query(struct http_request *req, const char *name)
{
	const struct text_param *p = text_params_get(&req->query, name);
	return p ? p->value : NULL;
}

const char *http_req_form(struct http_request *req, const char *name)
{
	const struct text_param *p = text_params_get(&req->form, name);
	return p ? p->value : NULL;
}

const char *http_req_arg(struct http_request *req, size_t i)
{
	return i < req->nargs ? req->args[i] : NULL;
}

static bool has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/* Append the n bytes of s at *p and move *p past them. */
static void put(char **p, const char *s, size_t n)
{
	memcpy(*p, s, n);
	*p += n;
}

int http_resp_header(struct http_response *resp, const char *name, const char *value)
{
	/* One scan of each string finds its length and any CR/LF: every
	 * response carries several headers (web_security_headers). */
	size_t nn = strcspn(name, "\r\n"), vn = strcspn(value, "\r\n");
	if (name[nn] || value[vn])
		return -1;
	struct buf *h = &resp->headers;
	if (buf_reserve(h, nn + vn + 4) < 0)
		return -1;
	char *p = h->p + h->n;
	put(&p, name, nn);
	put(&p, ": ", 2);
	put(&p, value, vn);
	put(&p, "\r\n", 2);
	h->n = (size_t)(p - h->p);
	*p = '\0';
	return 0;
}

void http_date(time_t t, char *out, size_t n)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	/* IMF-fixdate has a 4-digit year: clamp to 1970..9999 (and never read
	 * a struct tm that gmtime_r could not fill). */
	if (t < 0)
		t = 0;
	if (t > (time_t)253402300799LL) /* 9999-12-31 23:59:59 */
		t = (time_t)253402300799LL;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, n, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Cookie values: RFC 6265 cookie-octets pass, everything else (and '%')
 * is percent-encoded so that any value round-trips through http_req_cookie. */
static bool cookie_octet(unsigned char c)
{
	return c >= 0x21 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\' &&
	       c != '%';
}

static int append_cookie_value(struct buf *b, const char *v)
{
	size_t n = strlen(v), len = text_percent_encode_to(NULL, v, n, cookie_octet);
	if (buf_reserve(b, len) < 0)
		return -1;
	b->n += text_percent_encode_to(b->p + b->n, v, n, cookie_octet);
	b->p[b->n] = '\0';
	return 0;
}

int http_resp_set_cookie(struct http_response *resp, const char *name, const char *value,
		    const struct http_cookie_opts *opts)
{
	for (const char *p = name; *p; p++)
		if (!cookie_name_char((unsigned char)*p))
			return -1;
	if (!*name)
		return -1;
	struct http_cookie_opts def = {.max_age = -1, .path = "/"};
	if (!opts)
		opts = &def;
	if ((opts->path && has_crlf(opts->path)) || (opts->domain && has_crlf(opts->domain)) ||
	    (opts->path && strchr(opts->path, ';')) || (opts->domain && strchr(opts->domain, ';')))
		return -1;
	struct buf *h = &resp->headers;
	if (buf_puts(h, "Set-Cookie: ") < 0 || buf_puts(h, name) < 0 || buf_putc(h, '=') < 0 ||
	    append_cookie_value(h, value) < 0)
		return -1;
	if (opts->expires) {
		char date[40];
		http_date(opts->expires, date, sizeof date);
		if (buf_printf(h, "; Expires=%s", date) < 0)
			return -1;
	}
	if (opts->max_age >= 0 && buf_printf(h, "; Max-Age=%lld", opts->max_age) < 0)
		return -1;
	if (opts->domain && buf_printf(h, "; Domain=%s", opts->domain) < 0)
		return -1;
	if (opts->path && buf_printf(h, "; Path=%s", opts->path) < 0)
		return -1;
	if ((opts->secure || resp->secure_cookies) && buf_puts(h, "; Secure") < 0)
		return -1;
	if (opts->httponly && buf_puts(h, "; HttpOnly") < 0)
		return -1;
	if (opts->samesite && buf_printf(h, "; SameSite=%s", opts->samesite) < 0)
		return -1;
	return buf_append(h, "\r\n", 2);
}

int http_resp_delete_cookie(struct http_response *resp, const char *name, const char *path)
{
	struct http_cookie_opts o = {.max_age = 0, .expires = 1, .path = path ? path : "/"};
	/* expires = 1 second after the epoch: "Thu, 01 Jan 1970 00:00:01 GMT". */
	return http_resp_set_cookie(resp, name, "", &o);
}

int http_resp_text(struct http_response *resp, int status, const char *content_type,
		   const char *text)
{
	resp->status = status;
	resp->content_type = content_type;
	buf_reset(&resp->body);
	return buf_puts(&resp->body, text);
}

int http_resp_redirect(struct http_response *resp, int status, const char *location)
{
	resp->status = status;
	if (http_resp_header(resp, "Location", location) < 0)
		return -1;
	return 0;
}

void http_resp_clear(struct http_response *resp)
{
	buf_reset(&resp->headers);
	buf_reset(&resp->body);
	resp->content_type = NULL;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* Match one pattern against path; fills args (raw segments) on success. */
static bool pattern_match(const char *pat, const char *path, struct text_str *args, size_t *nargs)
{
	size_t n = 0;
	while (*pat && *path) {
		if (*pat == ':') {
			while (*pat && *pat != '/')
				pat++;
			const char *seg = path;
			while (*path && *path != '/')
				path++;
			if (path == seg || n == HTTP_ROUTE_MAX_ARGS)
				return false;
			args[n].p = seg;
			args[n].n = (size_t)(path - seg);
			n++;
			continue;
		}
		if (*pat != *path)
			return false;
		pat++;
		path++;
	}
	if (*pat || *path)
		return false;
	*nargs = n;
	return true;
}

int http_router_match(const struct http_app *app, struct http_request *req, const char *path,
		 const struct http_route **out, char *allow, size_t allowlen)
{
	const char *method = req->method;
	bool path_known = false;
	size_t alen = 0;
	if (allowlen)
		allow[0] = '\0';
	for (size_t i = 0; i < app->nroutes; i++) {
		const struct http_route *r = &app->routes[i];
		struct text_str args[HTTP_ROUTE_MAX_ARGS];
		size_t nargs = 0;
		if (!pattern_match(r->pattern, path, args, &nargs))
			continue;
		path_known = true;
		if (!strcmp(r->method, method)) {
			req->nargs = 0;
			for (size_t k = 0; k < nargs; k++) {
				char *v = text_percent_decode(req->arena, args[k].p, args[k].n, false, NULL);
				req->args[k] = v; /* NULL when undecodable: the pipeline answers 400 */
			}
			req->nargs = nargs;
			*out = r;
			return 200;
		}
		/* Collect each method once for Allow. */
		if (!strstr(allow, r->method) && alen + strlen(r->method) + 3 < allowlen) {
			alen += (size_t)snprintf(allow + alen, allowlen - alen, "%s%s",
						 alen ? ", " : "", r->method);
			if (!strcmp(r->method, "GET") && alen + 7 < allowlen)
				alen += (size_t)snprintf(allow + alen, allowlen - alen, ", HEAD");
		}
	}
	return path_known ? 405 : 404;
}

/* The bytes a request id may hold: A-Za-z0-9 and -._:=+/@ (a table: every
 * request checks the id nginx sends, byte by byte). */
#define ID_DIGITS ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, \
		  ['7'] = 1, ['8'] = 1, ['9'] = 1
#define ID_LOWER ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, \
		 ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,  \
		 ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,  \
		 ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1
#define ID_UPPER ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, \
		 ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,  \
		 ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  \
		 ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1
static const bool id_byte[256] = {ID_DIGITS, ID_LOWER, ID_UPPER, ['-'] = 1, ['.'] = 1, ['_'] = 1,
				  [':'] = 1, ['='] = 1, ['+'] = 1, ['/'] = 1, ['@'] = 1};

bool http_request_id_valid(const char *id)
{
	size_t n = 0;
	for (; id[n]; n++)
		if (n == HTTP_REQUEST_ID_MAX || !id_byte[(unsigned char)id[n]])
			return false;
	return n > 0;
}

void http_request_id_generate(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	static unsigned long counter;
	unsigned char b[16];
	if (getrandom(b, sizeof b, GRND_NONBLOCK) != (ssize_t)sizeof b) {
		/* No entropy yet (early boot): unique is enough for an id. */
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		unsigned long long v[2] = {((unsigned long long)getpid() << 32) ^ ++counter,
					   (unsigned long long)t.tv_sec * 1000000000ULL +
						   (unsigned long long)t.tv_nsec};
		memcpy(b, v, sizeof b);
	}
	for (size_t i = 0; i < sizeof b; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[32] = '\0';
}

void http_request_begin(struct http_request *req)
{
	clock_gettime(CLOCK_MONOTONIC, &req->started);
	/* nginx sends its own $request_id (conf/nginx*.conf); anything that is
	 * not a plausible id (a hand-made header through another proxy) is
	 * replaced rather than echoed into headers, pages and logs. */
	const char *given = http_req_env(req, "HTTP_X_REQUEST_ID");
	char fresh[33];
	if (!given || !http_request_id_valid(given)) {
		http_request_id_generate(fresh);
		given = fresh;
	}
	req->request_id = arena_strdup(req->arena, given);
	if (!req->request_id)
		req->request_id = "-"; /* out of memory: the request is a 500 anyway */
	log_set_request_id(req->request_id);
}

void http_request_end(struct http_request *req, const struct http_response *resp)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (long)(now.tv_sec - req->started.tv_sec) * 1000 +
		  (now.tv_nsec - req->started.tv_nsec) / 1000000;
	long slow = req->cfg ? req->cfg->log_slow_ms : 0;
	if (resp->status >= 500 || (slow > 0 && ms >= slow)) {
		struct log_request r = {
			.method = req->head ? "HEAD" : req->method,
			.path = req->raw_path,
			.route = req->route ? req->route->name : NULL,
			.status = resp->status,
			.duration_ms = ms,
		};
		log_request(resp->status >= 500 ? "error" : "warn", &r);
	}
	log_set_request_id(NULL);
}

void http_error(const struct http_app *app, struct http_request *req, struct http_response *resp,
		int status, const char *message)
{
	http_resp_clear(resp);
	resp->status = status;
	resp->sent_error = true;
	if (app && app->error) {
		app->error(req, resp, status, message);
		return;
	}
	resp->content_type = "text/plain; charset=utf-8";
	buf_printf(&resp->body, "%d %s\n", status, message ? message : http_reason(status));
}

static bool is_json_type(const char *ct)
{
	/* "application/json" optionally followed by parameters. */
	size_t n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n))
		return false;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static bool is_form_type(const char *ct)
{
	size_t n = strlen("application/x-www-form-urlencoded");
	if (strncasecmp(ct, "application/x-www-form-urlencoded", n))
		return false;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* Read the whole body (content_length bytes) into the arena. */
static int read_body(struct http_request *req)
{
	if (req->content_length <= 0 || !req->read) {
		req->body = "";
		req->body_len = 0;
		return 0;
	}
	size_t n = (size_t)req->content_length;
	char *b = arena_alloc(req->arena, n + 1);
	if (!b)
		return -1;
	size_t got = 0;
	while (got < n) {
		long r = req->read(req, b + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	b[got] = '\0';
	req->body = b;
	req->body_len = got;
	return 0;
}

void http_handle(const struct http_app *app, struct http_request *req, struct http_response *resp)
{
	char allow[64];
	const struct http_route *route = NULL;

	if (!req->request_id)
		http_request_begin(req);
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	/* SPEC 6: with session.cookie_secure every cookie we set is Secure,
	 * the application's own (a flash notice, a deleting one) included. */
	resp->secure_cookies = req->cfg && req->cfg->cookie_secure;
	req->head = !strcmp(req->method, "HEAD");
	if (req->head)
		req->method = "GET";

	/* Route on the decoded path when it decodes, else on the raw one (so
	 * an unknown path is 404 before an undecodable one is 400). */
	const char *match_path = req->path ? req->path : req->raw_path;
	int m = http_router_match(app, req, match_path, &route, allow, sizeof allow);
	if (m == 404) {
		http_error(app, req, resp, 404, NULL);
		goto after;
	}
	if (m == 405) {
		http_error(app, req, resp, 405, NULL);
		http_resp_header(resp, "Allow", allow);
		goto after;
	}
	req->route = route;
	metrics_request_route(app, route);

	if (req->content_length > (long long)req->cfg->max_body) {
		http_error(app, req, resp, 413, NULL);
		goto after;
	}

	if ((route->flags & HTTP_ROUTE_API) &&
	    (!strcmp(req->method, "POST") || !strcmp(req->method, "PUT") ||
	     !strcmp(req->method, "DELETE")) &&
	    !is_json_type(req->content_type)) {
		http_error(app, req, resp, 415, NULL);
		goto after;
	}

	/* SPEC 7: a NUL byte in the URL is 400; %00 is the only way to write
	 * one, and decoding would hide it (the C string ends there). */
	if (!req->path || strstr(req->raw_path, "%00") || strstr(req->query_string, "%00")) {
		http_error(app, req, resp, 400, "Bad percent-encoding, UTF-8 or a NUL byte in the URL");
		goto after;
	}
	for (size_t i = 0; i < req->nargs; i++) {
		if (!req->args[i]) {
			http_error(app, req, resp, 400, "Bad percent-encoding or UTF-8 in the URL");
			goto after;
		}
	}
	int rc = text_form_parse(req->arena, req->query_string, strlen(req->query_string), &req->query);
	if (rc < 0) {
		http_error(app, req, resp, rc == -1 ? 400 : 500,
			   rc == -1 ? "Bad percent-encoding or UTF-8 in the query string" : NULL);
		goto after;
	}
	if (read_body(req) < 0) {
		http_error(app, req, resp, 500, NULL);
		goto after;
	}
	if ((route->flags & HTTP_ROUTE_FORM) && req->body_len) {
		if (!is_form_type(req->content_type)) {
			/* A form route only understands urlencoded bodies. */
			http_error(app, req, resp, 415, NULL);
			goto after;
		}
		rc = text_form_parse(req->arena, req->body, req->body_len, &req->form);
		if (rc < 0) {
			http_error(app, req, resp, rc == -1 ? 400 : 500,
				   rc == -1 ? "Bad percent-encoding or UTF-8 in the form" : NULL);
			goto after;
		}
	}

	if (app->before) {
		rc = app->before(req, resp);
		if (rc < 0) {
			http_error(app, req, resp, 500, NULL);
			goto after;
		}
		if (rc > 0)
			goto after;
	}
	if (route->handler(req, resp) < 0)
		http_error(app, req, resp, 500, NULL);
after:
	if (app->after)
		app->after(req, resp);
	/* Last: an error page written by app->after clears the headers. */
	http_resp_header(resp, "X-Request-Id", req->request_id);
}

int http_serialize(struct http_request *req, struct http_response *resp, struct buf *out)
{
	size_t body_n;
	if (http_serialize_head(req, resp, out, &body_n) < 0)
		return -1;
	if (body_n && buf_append(out, resp->body.p, body_n) < 0)
		return -1;
	return 0;
}

int http_serialize_head(struct http_request *req, struct http_response *resp, struct buf *out,
			size_t *body_n)
{
	*body_n = 0;
	buf_reset(out);
	/* Every response pays for its head: the lengths are known, so one
	 * reservation and copies, no printf. */
	const char *reason = http_reason(resp->status);
	size_t rn = strlen(reason);
	const char *ct = resp->status != 204 ? resp->content_type : NULL;
	size_t ctn = ct ? strlen(ct) : 0;
	size_t n = resp->status == 204 ? 0 : resp->body.n;
	if (buf_reserve(out, sizeof "Status: -2147483648 \r\n" + rn + sizeof "Content-Type: \r\n" + ctn +
				     resp->headers.n + sizeof "Content-Length: 18446744073709551615\r\n\r\n") < 0)
		return -1;
	char *p = out->p;
	put(&p, "Status: ", 8);
	if (resp->status < 0)
		*p++ = '-';
	p += text_put_u64(p, resp->status < 0 ? -(uint64_t)resp->status : (uint64_t)resp->status);
	*p++ = ' ';
	put(&p, reason, rn);
	put(&p, "\r\n", 2);
	if (ct) {
		put(&p, "Content-Type: ", 14);
		put(&p, ct, ctn);
		put(&p, "\r\n", 2);
	}
	if (resp->headers.n)
		put(&p, resp->headers.p, resp->headers.n);
	put(&p, "Content-Length: ", 16);
	p += text_put_u64(p, n);
	put(&p, "\r\n\r\n", 4);
	out->n = (size_t)(p - out->p);
	*p = '\0';
	*body_n = req->head ? 0 : n;
	return 0;
}
