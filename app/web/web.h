/* web.h — the web layer's whole public face: the application and the
 * request pipeline the framework runs for it (struct web_app, SPEC 12),
 * server-side sessions stored in MariaDB (SPEC section 6), signed values,
 * CSRF tokens for HTML forms, Argon2id passwords, login throttling, the
 * security headers of SPEC section 7 and the JSON answer writer (web_jw_*).
 *
 * An application hands flacon_main a struct web_app (below); the
 * framework then loads and saves the session, checks CSRF and login,
 * renders errors and releases what a request took. Its handlers use:
 *
 *   web_orm(req), web_user(req), web_json(req), web_g(req, size),
 *   web_render_value() with web_context() (the ORM's objects as the
 *   template's context) or web_render() (json-c), web_abort(), web_orm_error(),
 *   web_login_user() / web_logout_user(), web_session_get/set/pop,
 *   {{csrf_token}} in a form's template (every page's context has it),
 *   web_login_begin() / web_login_succeeded() around a password check.
 *
 * Below the pipeline (for low-level server_hooks, and the pipeline's own
 * parts): web_worker_init / web_worker_fini / web_request_start,
 * web_session_load / save / release, web_csrf_check,
 * web_security_headers, web_session_gc_tick. */
#ifndef FLACON_WEB_H
#define FLACON_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json.h>

#include "../core/config.h"
#include "../core/http.h"
#include "../tmpl/tmpl.h"

struct db;

struct tmpl_set;
struct web_session;

/* ---- The application (SPEC 12: the framework owns the request) ---------
 * What Flask and its extensions do for every request, Flacon's web layer
 * does for every application that hands flacon_main a struct web_app:
 *
 *   Flask                              Flacon
 *   @app.route("/p", methods=[...])    {"GET", "/p", handler, flags, "name"}
 *   Flask-WTF CSRFProtect (POST form)  HTTP_ROUTE_FORM
 *   @login_required                    WEB_LOGIN (page: 303 to login_path?next=,
 *                                      API: 401 JSON)
 *   request.get_json() (+ 415 rule)    HTTP_ROUTE_API, web_json(req)
 *   login_manager.user_loader          web_app.load_user
 *   current_user                       web_user(req)
 *   login_user / logout_user           web_login_user / web_logout_user
 *   abort(404), errorhandler           web_abort(req, resp, 404, msg); the
 *                                      application's `error` template
 *   db.session (torn down per request) web_orm(req)
 *   g                                  web_g(req, size)
 *   before_request / after_request     web_app.before / web_app.after
 *   context_processor                  web_app.context_map (or .context: json-c)
 *   teardown_request                   arena_cleanup_add(req->arena, fn, p)
 *
 * Per request, in this order: routing (404/405), 413, URL and form
 * decoding (400), the 415 rule and the JSON body of API writes (400),
 * CSRF on form POSTs (403; the session is loaded first, and a session
 * that cannot be read is a 503/500, never a visitor), login (303 or 401;
 * the user is loaded once through load_user), the application's before,
 * the handler; then the application's after, the session saved with its
 * cookie, the security headers. Errors anywhere answer through one error
 * page (the application's `error` template with status, reason,
 * message and, for a 5xx, request_id, or a built-in page; JSON {"error",
 * "message"} — and "request_id" for a 5xx — under API routes and under
 * api_prefix), with one table from ORM errors to statuses
 * (web_orm_error) and every 500 of an unusable database turned into a 503
 * with Retry-After. The ORM session, the web session and the parsed JSON
 * body are released with the request's arena; expired sessions and old
 * failed logins are cleaned up now and then. */

/* The web layer's route flag (core's are bits 0-1, applications' 8 up). */
enum web_route_flag {
	WEB_LOGIN = 1 << 4, /* a logged-in user is required */
};

struct web_app {
	const struct http_route *routes; /* required */
	size_t nroutes;
	/* Flask-Login's user_loader: the live user whose id (> 0) the session
	 * holds, as the application's object. 0 with *out (NULL: no such
	 * user any more, e.g. deleted: the visitor is anonymous), or an
	 * orm_err (the framework then answers 503/500, never "anonymous").
	 * NULL: the current user is the session's id itself (a non-NULL
	 * pointer to it). */
	int (*load_user)(struct http_request *req, long long id, void **out);
	const char *login_path; /* where WEB_LOGIN pages send visitors; NULL: "/login" */
	const char *api_prefix; /* paths answered with JSON errors even unrouted; NULL: "/api" */
	/* Optional steps of the application's own, after the framework's
	 * checks (before) and before the session is saved (after). before
	 * returns 0 to go on, 1 when it has answered, negative for a 500. */
	int (*before)(struct http_request *req, struct http_response *resp);
	void (*after)(struct http_request *req, struct http_response *resp);
	/* Keys every page's template context gets (web_render,
	 * web_render_value), as Flask's context_processor; both optional.
	 * context_map puts them in a map in the request's arena, where a key
	 * may hold any template value: an ORM object (orm_tmpl_obj, e.g. the
	 * current user, as a Flask processor returns current_user), a list,
	 * a string; no json-c tree is built. context fills a json-c object
	 * (the older form, kept). With both, a name is looked up in
	 * context_map's keys first. 0 or -1 (the page is a 500). */
	int (*context_map)(struct http_request *req, struct http_response *resp, struct tmpl_map *ctx);
	int (*context)(struct http_request *req, struct http_response *resp, json_object *ctx);
	/* The application's own per-worker state, after the framework's (the
	 * models, the connection, the templates); optional. 0 or -1. */
	int (*worker_init)(const struct config *cfg);
	void (*worker_fini)(void);
	const char *process_name; /* NULL: "flacon-worker" */
};

/* The server hooks that run app under the framework's pipeline, with
 * models_init (may be NULL) called in each worker before anything else.
 * One application per process: the hooks live in static storage, and a
 * second call replaces the first. flacon_main calls it; tests may too. */
struct server_hooks;
const struct server_hooks *web_app_hooks(const struct web_app *app,
					 int (*models_init)(char *err, size_t errlen));
/* The application of the running worker (NULL outside one). */
const struct web_app *web_current_app(void);

struct orm_session;
/* The request's ORM session (Flask-SQLAlchemy's db.session): opened on
 * the worker's connection in the request's arena, rolled back and closed
 * with the arena. Never NULL inside a handler of a web_app. */
struct orm_session *web_orm(struct http_request *req);
/* The request's own block of size zeroed bytes (Flask's g): the same
 * block for every call in one request (size must not change), in the
 * arena. NULL when out of memory. */
void *web_g(struct http_request *req, size_t size);
/* The parsed JSON object of an API write (HTTP_ROUTE_API, POST/PUT/DELETE
 * with a body), or NULL. Owned by the request. */
json_object *web_json(struct http_request *req);
/* The current user (load_user's object, loaded once per request), or
 * NULL when anonymous — or when it could not be read: web_user_failed()
 * tells. */
void *web_user(struct http_request *req);
bool web_user_failed(struct http_request *req);
/* Log the user of id in (the session's token rotates; see
 * web_session_login) and make user the current user. 0 or -1. */
int web_login_user(struct http_request *req, long long id, void *user);
/* Log out: the session is cleared, the current user is nobody. 0 or -1. */
int web_logout_user(struct http_request *req);

/* Answer an error of status with message (NULL, and always for 5xx: a
 * fixed text that reveals nothing): the error page, or JSON under API
 * routes; a 500 of an unusable database becomes a 503; 503 carries
 * Retry-After. Whatever resp held is discarded. Returns 0 (answered). */
int web_abort(struct http_request *req, struct http_response *resp, int status, const char *message);
/* One table from an orm_err to an answer: ORM_NOT_FOUND 404,
 * ORM_CONFLICT 409, ORM_INVALID 422, ORM_UNAVAILABLE and ORM_RETRY 503;
 * anything else a 500 (503 while the database is unusable), logged.
 * Returns 0 (answered). */
int web_orm_error(struct http_request *req, struct http_response *resp, int err);
/* The API's error JSON {"error": code, "message": message} with status
 * (503: Retry-After). 0 or -1. */
int web_api_error(struct http_response *resp, int status, const char *code, const char *message);
/* The pipeline's error hook (what http_error calls): see web_abort. */
void web_error(struct http_request *req, struct http_response *resp, int status, const char *message);
/* True when req's errors are JSON: an API route, or a path under
 * api_prefix. */
bool web_is_api(const struct http_request *req);

/* Render template name with ctx (consumed: always released) as an HTML
 * page of status, after the application's context processor (its keys go
 * into ctx). Under ctx, as under web_render_value's, the framework's own
 * key csrf_token: web_csrf_token(), made only if the template reads it.
 * 0 or -1. */
int web_render(struct http_request *req, struct http_response *resp, int status, const char *name,
	       json_object *ctx);
/* The documented way to render objects: a page's own keys in a map in
 * the request's arena (NULL when out of memory), e.g.
 *   struct tmpl_map *ctx = web_context(req);
 *   tmpl_map_set(ctx, "articles", orm_tmpl_list(&list, NULL, req->arena));
 *   return web_render_value(req, resp, 200, "articles/list", tmpl_map_value(ctx));
 * The map may also hold json-c parts (tmpl_map_set_json). */
struct tmpl_map *web_context(struct http_request *req);
/* Render template name from ctx (any context value; borrowed) as an HTML
 * page of status. The application's context processors (web_app.context_map,
 * web_app.context) give the keys every page gets, under ctx in the
 * context stack: a name ctx lacks is looked up there, then in the
 * framework's own keys: csrf_token (web_csrf_token(), made only when the
 * template reads it, so a page without a form sets no csrf cookie). A null
 * ctx (the map could not be made) is an error. 0 or -1. */
int web_render_value(struct http_request *req, struct http_response *resp, int status,
		     const char *name, struct tmpl_value ctx);

/* ---- The worker ---------------------------------------------------------
 * What a worker of a web application holds, hung on req->worker: its
 * database connection and compiled templates, the request's session (in
 * the request's arena; reset per request) and the application's own
 * per-worker state. The framework's hooks (web_app_hooks) call these; a
 * low-level application's server_hooks call them itself:
 *
 *   worker_init:    web_worker_init(cfg, proto)   (after its own models)
 *   worker_fini:    web_worker_fini(proto)
 *   request_start:  web_request_start(req)        (first)
 *   tick:           web_worker_tick(proto) */
struct web_worker {
	struct db *db;               /* owned */
	struct tmpl_set *tmpl;       /* owned; NULL for a process without templates */
	struct web_session *session; /* this request's, loaded lazily */
	void *app;                   /* the application's; not touched here */
};

/* The request's worker state (NULL when nobody built one). */
static inline struct web_worker *web_worker(const struct http_request *req)
{
	return req->worker;
}
/* The worker's database connection and templates, or NULL. */
static inline struct db *web_db(const struct http_request *req)
{
	return req->worker ? web_worker(req)->db : NULL;
}
static inline const struct tmpl_set *web_tmpl(const struct http_request *req)
{
	return req->worker ? web_worker(req)->tmpl : NULL;
}

/* Build proto->worker for cfg: libsodium, the templates of
 * cfg->templates_dir, a connection to cfg->database_url (a database that
 * is down is retried per request, so the worker starts anyway and
 * /healthz answers 503). 0, or -1 with the reason logged. */
int web_worker_init(const struct config *cfg, struct http_request *proto);
/* Close and free what web_worker_init built; proto->worker becomes NULL.
 * First it writes the worker's deferred increments (orm_deferred_flush,
 * trying for up to 5 s while the database fails; what is left then is
 * logged as lost). */
void web_worker_fini(struct http_request *proto);
/* The worker loop's tick (server_hooks.tick): writes the deferred
 * increments that are due (orm_deferred_tick). Returns the milliseconds
 * until the next is due, or -1 when nothing waits. */
int web_worker_tick(struct http_request *proto);
/* At the start of each request: forget the last request's session, count
 * queries from 0, and go back to an earlier database host when usable. */
void web_request_start(struct http_request *req);

/* Initialise libsodium (idempotent, cheap after the first call). Every
 * function below calls it on first use; calling it at worker start keeps
 * the one-time cost out of the first request. 0, or -1 when libsodium
 * cannot work (no entropy source). */
int web_init(void);

/* ---- Signed values ------------------------------------------------------
 * A signed value is base64url(payload || HMAC-SHA256(k, payload)) without
 * padding, where k is derived from app.secret_key and a purpose string
 * (so a value signed for one purpose is refused for another). */

/* Length of the signed text for a payload of n bytes (without the NUL). */
size_t web_signed_len(size_t n);
/* Sign payload[0..n) for purpose with cfg->secret_key. Returns the
 * NUL-terminated text in the arena, or NULL when out of memory. */
char *web_sign(struct arena *a, const struct config *cfg, const char *purpose,
	       const void *payload, size_t n);
/* Verify text[0..len) signed for purpose, whose payload must be exactly n
 * bytes. Tries app.secret_key, then each of app.old_secret_keys, comparing
 * in constant time. Returns 0 when the current key signed it, k >= 1 when
 * old key k did, or -1 when it is refused (forged, garbled, truncated,
 * unknown key). payload (n bytes) is written only on success. */
int web_unsign(const struct config *cfg, const char *purpose, const char *text, size_t len,
	       void *payload, size_t n);

/* ---- Sessions (SPEC section 6) ------------------------------------------
 * The cookie cfg->cookie_name holds web_sign(token of 32 random bytes); the
 * table `session` holds SHA-256(token), never the token. The session is
 * loaded on first use by any function below: no cookie or a forged one
 * costs no query; a well-signed one costs one prepared SELECT. Statements
 * run on web_db(req) (inside the application's transaction when it has one
 * open). Values are json-c objects. */

/* Length of a session cookie value: web_signed_len(32). */
#define WEB_SESSION_COOKIE_LEN 86

/* The DDL of the session table, in one place (create_table and the
 * migrations use it). */
extern const char web_session_table_ddl[];
/* CREATE TABLE IF NOT EXISTS session (...). 0 or -1 (db->err). */
int web_session_create_table(struct db *db);

/* Load the request's session now (idempotent). Returns 0 — also when the
 * visitor is anonymous or the cookie is refused, expired or unknown — or -1
 * on a database error (the session then acts anonymous but is never saved,
 * so a passing outage does not log anyone out). */
int web_session_load(struct http_request *req);
/* The logged-in user's id, or 0 when anonymous (or on a database error). */
long long web_session_user_id(struct http_request *req);
/* The value stored under key, or NULL. Borrowed: valid until the session is
 * saved or released; json_object_get() it to keep it longer. */
json_object *web_session_get(struct http_request *req, const char *key);
/* Store value under key (NULL stores JSON null). Takes the reference to
 * value in every case, also on failure. 0, or -1 (load failed, released,
 * out of memory). The row is written by web_session_save(). */
int web_session_set(struct http_request *req, const char *key, json_object *value);
/* Remove key and return its value (NULL when absent). The value is
 * borrowed like web_session_get()'s: it lives until save or release. */
json_object *web_session_pop(struct http_request *req, const char *key);
/* Forget every key, delete the row (now) and, at save, the cookie (Flask's
 * session.clear()). 0, or -1 on a database error: the session is then left
 * alone (nothing more is written for it in this request). */
int web_session_clear(struct http_request *req);
/* Log user_id (> 0) in: rotate the token (the old row is deleted, a new one
 * inserted now, carrying the session's data) and make the session
 * permanent: at save the cookie gets Max-Age = session.lifetime and the
 * matching GMT Expires. 0, or -1 on a database error: nobody is logged in
 * and, as for clear, nothing more is written for this session. The cookie
 * itself is sent by web_session_save(), so it survives an error page. */
int web_session_login(struct http_request *req, long long user_id);
/* Log out: web_session_clear(). 0 or -1. */
int web_session_logout(struct http_request *req);
/* Write the session back, if it was loaded: changed data (an UPDATE, or an
 * INSERT when an anonymous visitor first stores something; an anonymous
 * session emptied again is deleted), then Set-Cookie for a new token, a
 * re-signed one (signed with an old key) or a deleting one. Nothing at all
 * when nothing changed. Then releases the session's JSON. Call it from
 * app->after, before web_security_headers(). 0, or -1 on a database error
 * (the response is left as it was; the caller may turn it into a 500). */
int web_session_save(struct http_request *req, struct http_response *resp);
/* Free the session's JSON without writing (idempotent; app->finish). */
void web_session_release(struct http_request *req);

/* Delete expired sessions, in batches. Returns how many, or -1. */
long long web_session_gc(struct db *db);
/* Count one call; every `every` calls run web_session_gc(). For workers.
 * Returns what gc returned, or 0 when it did not run. */
long long web_session_gc_tick(struct db *db, unsigned every);
/* Delete every session of user_id (deleteuser). Returns how many, or -1.
 * The host's session cache is invalidated at once, and again at the end
 * of the request (web_session_release) or by web_session_cache_close()
 * (flacon_main after every command): after the commit of a transaction
 * it ran in. */
long long web_session_delete_user(struct db *db, long long user_id);

/* ---- The host's session cache (SPEC 6 and 9) -------------------------
 * A logged-in read page costs one statement: the session row is read from
 * a cache that every worker of the installation on this host shares (a
 * POSIX shared-memory object, mode 0600, named after the database — see
 * web_session_cache_name), not from MariaDB, when it was read from MariaDB
 * less than session.cache_ttl_ms (<= 1000) ago and has not expired. Every
 * write of a session on this host (save of changed data, login rotation,
 * logout and clear) updates or invalidates its entry before the response
 * goes out, so the next request on this host, on any worker, sees it;
 * web_session_delete_user invalidates the whole cache (the command line
 * reaches the server's cache when it runs as the server's user or root).
 * Another host's writes are seen within session.cache_ttl_ms. Rows with
 * more than 512 bytes of data are not cached. session.cache_entries = 0:
 * off. A hit counts as one statement in db->queries (X-Flacon-Queries is
 * the same whether the cache or MariaDB answered); the metrics'
 * flacon_db_statements_total counts what MariaDB ran. */

/* The shared-memory name of cfg's cache ("/flacon-sc1-" and 24 hex digits
 * of a hash of database.url's hosts, socket — made absolute — and
 * database). 0, or -1 when database.url does not parse. */
int web_session_cache_name(const struct config *cfg, char *out, size_t n);
/* Open this process's session cache for cfg (create it when create and
 * there is none): the master before it forks (runserver), else each
 * worker (web_worker_init). Idempotent — a worker forked from a process
 * that has it open shares that one. 0 (also when session.cache_entries is
 * 0), or -1 when there is none to open or it cannot be opened (logged:
 * sessions are then read from MariaDB on every request). */
int web_session_cache_open(const struct config *cfg, bool create);
/* Close what web_session_cache_open opened (each open once); the name is
 * removed when the last process holding it closes it. Also runs the
 * second invalidation after sessions were deleted (see
 * web_session_delete_user). */
void web_session_cache_close(void);
/* The command line: the cache that web_session_delete_user invalidates is
 * cfg's, opened only then (never created). */
void web_session_cache_use(const struct config *cfg);

/* The `username` cookie that pre-fills the login form (remember me):
 * Max-Age 1209600, Path=/, HttpOnly, SameSite=Lax (Secure when
 * configured). 0 or -1. */
#define WEB_REMEMBER_COOKIE "username"
#define WEB_REMEMBER_MAX_AGE 1209600
int web_remember_username(struct http_request *req, struct http_response *resp,
			  const char *username);

/* ---- Health checks (SPEC sections 7 and 10) ----------------------------- */

/* Seconds a health check may wait for MariaDB (connect, then SELECT 1). */
#define WEB_HEALTH_TIMEOUT 2
/* GET /healthz on web_db(req): 200 "ok", or 503 "unavailable" + Retry-After. */
int web_healthz(struct http_request *req, struct http_response *resp);
/* The health-check process of server_master(), on its own socket and
 * database connection (timeouts WEB_HEALTH_TIMEOUT): /healthz, and for
 * operators only (never routed by the public site) /metrics in the
 * Prometheus text format and /status as JSON (core/metrics.h; what
 * `flacon status` prints). Put it in the application's hooks as .health. */
struct server_hooks;
extern const struct server_hooks web_health_hooks;

/* ---- Login throttling (SPEC section 10) ---------------------------------
 * Attempts are rows of the table `login_failure`, counted per account (the
 * name as typed, existing or not, ASCII-case-insensitively like usernames,
 * its first 64 characters) and per client address (REMOTE_ADDR as nginx
 * passes it) within cfg->auth_failure_window seconds. An attempt reserves
 * its row before any hash is computed, atomically: of N parallel attempts
 * on any number of workers and hosts, at most the limit get through. An
 * application calls, in its login handler:
 *
 *   web_login_begin()      first; 1 → answer 429 with Retry-After, hash nothing
 *   then, after checking the password, only on success:
 *   web_login_succeeded()  (the account's count starts again)
 *
 * and around a registration web_register_begin() / web_register_succeeded().
 * web_login_failure_gc() deletes rows older than the window (session-gc
 * and the workers' periodic clean-up call it). */

extern const char web_login_failure_table_ddl[];
/* CREATE TABLE IF NOT EXISTS login_failure (...). 0 or -1 (db->err). */
int web_login_failure_create_table(struct db *db);
/* Before any hash: reserve one attempt for account (NULL: none) and the
 * client address, atomically (the reservation is recorded as a failure).
 * 1 → throttled: the account has cfg->auth_account_failures or the address
 * cfg->auth_address_failures attempts within the window; *retry_after
 * (>= 1 s) is when the oldest of them leaves it; nothing reserved: answer
 * 429. 0 → reserved, go on. -1 on a database error (db->err). */
int web_login_begin(struct http_request *req, const char *account, long *retry_after);
/* The login succeeded: forget the account's failures (its reservation
 * included), and the address's reservation of this attempt. 0 or -1. */
int web_login_succeeded(struct http_request *req, const char *account);
/* Before a registration (before hashing): 1 → the client address is
 * throttled (cfg->auth_address_failures failed logins, or as many
 * registration attempts, within the window): answer 429 with
 * *retry_after; 0 → an attempt is reserved against the address; -1 on a
 * database error. */
int web_register_begin(struct http_request *req, long *retry_after);
/* The registration succeeded: its reservation is forgotten. 0 or -1. */
int web_register_succeeded(struct http_request *req);
/* Delete failures older than window seconds. Returns how many, or -1. */
long long web_login_failure_gc(struct db *db, long window);

/* ---- CSRF (SPEC section 7) -----------------------------------------------
 * When the session has a row (a logged-in user, or a visitor who stored
 * something), the token is HMAC(k, session token hash): a token of one
 * session is refused in another. Otherwise it is HMAC(k, nonce) where the
 * nonce sits in a signed cookie `csrf` (HttpOnly, SameSite=Lax, Path=/,
 * Max-Age 7200, its age also checked on the server), so no row is needed.
 * Tokens signed with an old secret key are still accepted. */

#define WEB_CSRF_FIELD "csrf_token"
#define WEB_CSRF_COOKIE "csrf"
#define WEB_CSRF_MAX_AGE 7200
/* The token to put in the form's hidden input csrf_token (43 base64url
 * characters, in the arena; the same for every call in one request). May set
 * the `csrf` cookie on resp, and marks the answer no-store. NULL on a
 * database or memory error. Templates rendered by web_render and
 * web_render_value read it as {{csrf_token}} without calling this. */
const char *web_csrf_token(struct http_request *req, struct http_response *resp);
/* True when the form field csrf_token matches this session's token, or the
 * token bound to the request's `csrf` cookie. Missing or wrong: false. */
bool web_csrf_check(struct http_request *req);
/* True when token[0..n) is the expected one for this request (what
 * web_csrf_check() does with the form field); n is the decoded length, so a
 * token followed by a NUL and more bytes is refused. */
bool web_csrf_valid(struct http_request *req, const char *token, size_t n);

/* ---- Passwords ------------------------------------------------------------ */

/* Room for an encoded hash with its NUL (libsodium's crypto_pwhash_STRBYTES). */
#define WEB_PASSWORD_HASH_BYTES 128

/* Argon2id, encoded ("$argon2id$v=19$m=19456,t=2,p=1$...") into out.
 * 0, or -1 (out of memory). */
int web_password_hash(const char *password, char out[WEB_PASSWORD_HASH_BYTES]);
/* Constant-time check of password against an encoded hash. */
bool web_password_verify(const char *hash, const char *password);
/* The same work as a verify against a real hash, always false: call it
 * when the user does not exist so that timing does not tell. */
bool web_password_dummy_verify(const char *password);
/* True when hash was made with other parameters than today's. */
bool web_password_needs_rehash(const char *hash);

/* ---- Headers --------------------------------------------------------------- */

/* X-Content-Type-Options, X-Frame-Options, Content-Security-Policy,
 * Referrer-Policy; with cfg->development also X-Flacon-Queries: the
 * statements counted on web_db(req) since the caller last reset db->queries.
 * 0 or -1 (out of memory). */
int web_security_headers(struct http_request *req, struct http_response *resp);

/* ---- JSON answers written straight into the response body ------------
 * A small writer for API answers: no json-c tree in between. Strings are
 * escaped as json-c does (", \, control characters; UTF-8 passes). Keys
 * are trusted literals. Errors (out of memory) are kept and reported by
 * web_jw_finish(). */
struct web_jw {
	struct buf *b;
	bool comma; /* a value was written at this level: the next one needs ',' */
	bool err;
};
/* Start a JSON answer in resp (its body is reset). */
void web_jw_start(struct web_jw *w, struct http_response *resp);
void web_jw_object(struct web_jw *w);
void web_jw_object_end(struct web_jw *w);
void web_jw_array(struct web_jw *w);
void web_jw_array_end(struct web_jw *w);
/* The key of the next value, a literal without characters to escape. */
void web_jw_key(struct web_jw *w, const char *key);
void web_jw_str(struct web_jw *w, const char *s);
void web_jw_strn(struct web_jw *w, const char *s, size_t n);
void web_jw_int(struct web_jw *w, int64_t v);
void web_jw_bool(struct web_jw *w, bool v);
void web_jw_null(struct web_jw *w);
/* A DATETIME as ISO 8601 UTC with Z. */
void web_jw_datetime(struct web_jw *w, int64_t t);
/* Finish the answer: status and content type. 0, or -1 when a write
 * failed. */
int web_jw_finish(struct web_jw *w, struct http_response *resp, int status);

/* Read req->body as one strict JSON object (RFC 8259, SPEC 7): valid UTF-8,
 * json-c's strict mode, no raw control character inside a string, no lone
 * surrogate \u escape, nothing but whitespace after the value. Returns 0
 * with *out the object (the caller owns it: json_object_put), 400 with
 * *why a message for the client (*out NULL), or -1 when out of memory. */
int web_json_body(const struct http_request *req, json_object **out, const char **why);

/* ---- Pagination for pages and answers ---------------------------------
 * A page of a query (orm_paginate, or orm_pagination_fill) as a template
 * map: what a Flask view hands its template as `pagination`. Keys: page,
 * per_page, total (null when not counted), pages, has_pages (pages > 1: a
 * bar worth showing), has_prev, has_next, first, last; prev_num and
 * prev_url, next_num and next_url when there is such a page; iter_pages,
 * Flask-SQLAlchemy's iter_pages() with its defaults (2, 2, 4, 2), a list
 * of {num, url}, {num, current} (this page) and {gap} (its None). A URL is
 * path?page=N, with &per_page=M (the page's, capped) when the request
 * named per_page. In the request's arena; the caller may add keys. NULL
 * when out of memory. */
struct orm_pagination;
struct tmpl_map *web_pagination(struct http_request *req, const struct orm_pagination *p,
				const char *path);
/* The pagination fields of an API answer (SPEC 7): page, per_page, total,
 * pages, has_prev, has_next, prev_num, next_num (null when none), as keys
 * of the object being written. */
struct web_jw;
void web_jw_pagination(struct web_jw *w, const struct orm_pagination *p);

#endif
