/* http.h — the request/response core: a request as the web server handed it
 * (CGI params, query, body, cookies), a response being built (status,
 * headers, body), the router, and the pipeline that runs one request
 * through the checks of SPEC section 7 in their order. Transport-neutral:
 * core/server.c feeds it from FastCGI, tests feed it directly. */
#ifndef FLACON_HTTP_H
#define FLACON_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "config.h"
#include "text.h"

#define HTTP_ROUTE_MAX_ARGS 4

struct http_request;
struct http_response;

/* A handler answers a request by filling the response. It returns 0, or a
 * negative value on an internal error: the pipeline then discards whatever
 * the handler wrote and answers 500 without revealing anything. */
typedef int (*http_handler_fn)(struct http_request *req, struct http_response *resp);

/* Flags on a route (the pipeline reads them; the application may add its
 * own from bit 8 up). */
enum http_route_flag {
	HTTP_ROUTE_API = 1 << 0,  /* JSON errors; POST/PUT/DELETE need application/json */
	HTTP_ROUTE_FORM = 1 << 1, /* parse an x-www-form-urlencoded body (400 if undecodable) */
};

struct http_route {
	const char *method;  /* "GET", "POST", "PUT", "DELETE" (GET also answers HEAD) */
	const char *pattern; /* "/articles/:id": ":name" matches one non-empty segment */
	http_handler_fn handler;
	unsigned flags;
	const char *name;    /* for `flacon routes` and logs */
};

/* The application's hooks into the pipeline; all but routes may be NULL. */
struct http_app {
	const struct http_route *routes;
	size_t nroutes;
	/* Runs after routing, 413 and URL/body decoding, before the handler.
	 * Returns 0 to go on, 1 when it has answered (CSRF, login...), or
	 * negative for an internal error (500). */
	int (*before)(struct http_request *req, struct http_response *resp);
	/* Runs on every response just before it is sent (security headers,
	 * debug headers, session cookie). */
	void (*after)(struct http_request *req, struct http_response *resp);
	/* Renders an error answer (404, 405 with allow, 413, 415, 400, 500...).
	 * NULL: a plain-text body. */
	void (*error)(struct http_request *req, struct http_response *resp, int status,
		      const char *message);
	/* Per-request reset of application state (called after the response is
	 * sent); optional. */
	void (*finish)(struct http_request *req);
};

struct http_request {
	struct arena *arena;      /* everything below lives here */
	const struct config *cfg;
	/* The state of the layers above, which the core never reads: the
	 * worker's (set by server_hooks.worker_init in the prototype every
	 * request is copied from; the web layer's struct web_worker) and this
	 * request's (the application's, set per request). */
	void *worker;
	void *user;
	const struct http_route *route;

	const char *method;       /* "GET", ... ("HEAD" is routed as GET) */
	bool head;                /* the client asked HEAD: no body is sent */
	const char *uri;          /* REQUEST_URI as received */
	const char *raw_path;     /* the path part of uri, not decoded */
	const char *path;         /* decoded path, or NULL when undecodable */
	const char *query_string; /* raw query string ("" when none) */
	const char *content_type; /* CONTENT_TYPE or "" */
	long long content_length; /* -1 when absent */
	const char *remote_addr;
	/* This request's id (http_request_begin): the X-Request-Id nginx
	 * passes (fastcgi_param HTTP_X_REQUEST_ID $request_id) when it is a
	 * valid id, else 32 random hex digits; in the arena. */
	const char *request_id;
	struct timespec started;  /* CLOCK_MONOTONIC, by http_request_begin */

	const char *args[HTTP_ROUTE_MAX_ARGS]; /* decoded :params, in pattern order */
	size_t nargs;

	struct text_params query;      /* decoded query parameters */
	struct text_params form;       /* decoded form body (HTTP_ROUTE_FORM routes) */
	struct text_params cookies;    /* parsed Cookie header (lazily: http_req_cookie) */
	bool cookies_parsed;

	const char *body;         /* body bytes (NUL-terminated copy) */
	size_t body_len;

	/* How to read the body and the CGI params: set by the transport. */
	const char *(*getenv)(struct http_request *req, const char *name);
	long (*read)(struct http_request *req, char *dst, size_t n);
	void *transport;
};

struct http_cookie_opts {
	long long max_age;   /* < 0: not sent */
	time_t expires;      /* 0: not sent */
	const char *path;    /* NULL: not sent */
	const char *domain;  /* NULL: not sent */
	bool secure, httponly;
	const char *samesite; /* "Lax", "Strict", "None" or NULL */
};

struct http_response {
	struct arena *arena;
	int status;
	const char *content_type;  /* NULL: no Content-Type */
	struct buf headers;        /* "Name: value\r\n" lines */
	struct buf body;
	bool sent_error;           /* the pipeline wrote an error page */
	bool secure_cookies;       /* every Set-Cookie gets Secure (session.cookie_secure) */
};

/* The CGI param (e.g. "HTTP_USER_AGENT", "REQUEST_METHOD") or NULL. */
const char *http_req_env(struct http_request *req, const char *name);
/* A request header by its HTTP name ("User-Agent"), or NULL. */
const char *http_req_header(struct http_request *req, const char *name);
/* Cookie value by name (first wins), or NULL. Malformed pairs are skipped. */
const char *http_req_cookie(struct http_request *req, const char *name);
const char *http_req_query(struct http_request *req, const char *name);
const char *http_req_form(struct http_request *req, const char *name);
/* The i-th path argument of the matched route (decoded), or NULL. */
const char *http_req_arg(struct http_request *req, size_t i);

/* Parse a Cookie header into out (arena copies). Never fails on bad input:
 * malformed pairs are skipped. Returns -1 only when out of memory. */
int http_cookie_parse(struct arena *a, const char *header, size_t n, struct text_params *out);

/* Add a header line; name and value must not hold CR/LF (they are refused
 * with -1). Returns 0 or -1. */
int http_resp_header(struct http_response *resp, const char *name, const char *value);
/* Set-Cookie: name=value with opts (NULL = Path=/ only). The value is
 * percent-encoded where a cookie value may not carry a byte. 0 or -1. */
int http_resp_set_cookie(struct http_response *resp, const char *name, const char *value,
		    const struct http_cookie_opts *opts);
/* Delete a cookie: empty value, Max-Age=0, Expires in 1970, same path. */
int http_resp_delete_cookie(struct http_response *resp, const char *name, const char *path);
/* Format t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into out
 * (at least 30 bytes), always in GMT whatever TZ is. */
void http_date(time_t t, char *out, size_t n);

/* Replace the body with text and set status and content type. 0 or -1. */
int http_resp_text(struct http_response *resp, int status, const char *content_type,
		   const char *text);
/* 303 (or status) redirect to location. 0 or -1. */
int http_resp_redirect(struct http_response *resp, int status, const char *location);
/* Forget headers and body (before writing an error page). */
void http_resp_clear(struct http_response *resp);
const char *http_reason(int status);

/* Route matching. Returns 200 with *out set (args filled into req), 404, or
 * 405 with the allowed methods written into allow ("GET, POST"). */
int http_router_match(const struct http_app *app, struct http_request *req, const char *path,
		 const struct http_route **out, char *allow, size_t allowlen);

/* Run one request through the pipeline: routing (404/405), 413, decoding
 * (400), 415 for API writes, app->before, the handler, app->after. Never
 * fails: every outcome is a response. */
void http_handle(const struct http_app *app, struct http_request *req, struct http_response *resp);

/* Serialize status line, headers and body the CGI way ("Status: ...")
 * into out. */
int http_serialize(struct http_request *req, struct http_response *resp, struct buf *out);
/* The same without the body: out gets the status and header lines, *body_n
 * the number of resp->body bytes that follow them (0 for HEAD and 204). */
int http_serialize_head(struct http_request *req, struct http_response *resp, struct buf *out,
			size_t *body_n);

/* Request ids: at most HTTP_REQUEST_ID_MAX bytes of A-Za-z0-9 and
 * "-._:=+/@" (so one is safe in a header, a log line, HTML and JSON
 * without escaping). */
#define HTTP_REQUEST_ID_MAX 64
bool http_request_id_valid(const char *id);
/* 16 random bytes as 32 lower-case hex digits (nginx's $request_id) and a
 * NUL into out. */
void http_request_id_generate(char out[33]);

/* A request starts (the transport calls it once the CGI params are read,
 * before anything else runs): sets req->request_id and req->started, and
 * makes every log record until http_request_end carry the id. http_handle
 * calls it itself when the transport did not. */
void http_request_begin(struct http_request *req);
/* The response is sent: logs one summary line (id, route, method, path,
 * status, duration) when the status is >= 500 or the request took
 * log.slow_ms or longer, then ends the log's request context. Reads
 * req->method and req->raw_path: call it before the CGI params are
 * freed. */
void http_request_end(struct http_request *req, const struct http_response *resp);

/* Answer an error through app->error (or plain text). */
void http_error(const struct http_app *app, struct http_request *req, struct http_response *resp,
		int status, const char *message);

#endif
