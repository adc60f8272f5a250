/* testclient.h — the in-process test client (SPEC 12, Flask's
 * app.test_client()): an application's whole pipeline run in the test's
 * own process, without FastCGI or nginx, on a throw-away database.
 *
 *   struct flacon_client *c = flacon_client_open(&app, NULL, err, sizeof err);
 *   const struct flacon_response *r = flacon_client_get(c, "/login");
 *   struct flacon_form *f = flacon_client_form(c, r, "/login");
 *   flacon_form_set(f, "username", "alice");
 *   flacon_form_set(f, "password", "secret-password");
 *   r = flacon_form_submit(c, f);       (the form's csrf_token goes with it)
 *   ... r->status, flacon_resp_header(r, "Location"), r->body ...
 *   flacon_client_close(c);             (drops the database)
 *
 * Opening the client does what `APP runserver` does once per worker,
 * here in the calling process: the configuration (as the command line
 * loads it), the application's server hooks (web_app_hooks for app->web,
 * or app->hooks), the worker's state (models, connection, templates).
 * Each request then runs as a worker runs it: request_start, the
 * framework's pipeline (routing, CSRF, login, the handler, the session,
 * the security headers), the arena's cleanups.
 *
 * The database: a new one on the configured server (FLACON_TEST_DATABASE_URL
 * when set, else database.url), named after the configured one with
 * "_tc_" and 8 random hex digits (so a grant on `DB\_%` covers it), its
 * schema built as `APP db upgrade` builds it from the application's
 * migrations (database.migrations), or as `APP create-all` when it has
 * none. It is dropped by flacon_client_close, and by a failed open.
 *
 * What it cannot cover stays in the suites that go through nginx: nginx's
 * limits and headers, FastCGI framing, signals, several workers.
 *
 * Ownership: the client owns every response, form and parsed JSON it
 * hands out; they live until flacon_client_close. One client at a time
 * per process (the application's hooks are the process's). */
#ifndef FLACON_CLI_TESTCLIENT_H
#define FLACON_CLI_TESTCLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <json.h>

#include "cli.h"

struct db;
struct flacon_client;
struct flacon_form;

struct flacon_client_opts {
	/* The configuration file, as --config gives it; NULL: as the command
	 * line finds one (FLACON_CONF, conf/flacon.conf). The environment's
	 * FLACON_* keys override it as they always do. */
	const char *config_path;
	/* The revision files; NULL: database.migrations of the configuration
	 * (sql/migrations, relative to the current directory). */
	const char *migrations_dir;
	/* Follow redirects (301, 302, 303: GET without body; 307, 308: the
	 * same request) up to 10 times; flacon_client_follow_redirects
	 * changes it later. Off by default, as in Flask. */
	bool follow_redirects;
};

/* Open a client on app (which must outlive it): configuration, throw-away
 * database and its schema, the worker's state. opts may be NULL. A
 * configuration without app.secret_key gets a random key of this client's.
 * Returns the client, or NULL with a one-line reason in err (nothing is
 * left behind: a database already created is dropped). */
struct flacon_client *flacon_client_open(const struct flacon_app *app,
					 const struct flacon_client_opts *opts, char *err,
					 size_t errlen);
/* Finish the worker (app's worker_fini), drop the database, free the
 * client and everything it handed out. NULL is a no-op. */
void flacon_client_close(struct flacon_client *c);

/* The throw-away database's name. */
const char *flacon_client_database(const struct flacon_client *c);
/* A connection of the test's own to the throw-away database (set-up and
 * checks: an ORM session on it, plain SQL), apart from the worker's.
 * Owned by the client. */
struct db *flacon_client_db(struct flacon_client *c);
/* The configuration the requests see (database.url names the throw-away
 * database). */
const struct config *flacon_client_config(const struct flacon_client *c);
/* Run one of the application's commands (seed, createuser...) on the
 * throw-away database, as `APP CMD ARGS` would. Returns enum cli_status. */
int flacon_client_run(struct flacon_client *c, const struct cli_command *cmd, int argc,
		      char **argv);
/* Whether later requests follow redirects. */
void flacon_client_follow_redirects(struct flacon_client *c, bool follow);

/* ---- Requests and responses ---------------------------------------------- */

struct flacon_request {
	const char *method;         /* NULL: "GET" (HEAD, POST, PUT, DELETE...) */
	const char *path;           /* required: path and query as sent, "/articles?page=2" */
	const char *const *headers; /* "Name: value" strings, NULL-terminated; NULL: none.
				       A Cookie header replaces the jar's cookies for
				       this request. */
	const char *body;           /* NULL: none */
	size_t body_len;            /* its bytes; 0 with a body: strlen(body) */
	const char *content_type;   /* NULL: none (or the headers' Content-Type) */
	const char *remote_addr;    /* REMOTE_ADDR; NULL: "127.0.0.1" */
};

struct flacon_header {
	const char *name, *value;
};

struct flacon_response {
	/* The status; 0 when the client itself failed (out of memory, a
	 * request without a path): body then says why. */
	int status;
	/* The header lines as the transport sends them (Content-Type, the
	 * application's, Content-Length), parsed, in order. */
	const struct flacon_header *headers;
	size_t nheaders;
	const char *body;   /* NUL-terminated copy; NUL bytes inside are data */
	size_t body_len;
	/* The body parsed when Content-Type is application/json and it
	 * parses, else NULL. Owned by the client. */
	json_object *json;
	const char *method; /* the request that answered (after redirects: the last) */
	const char *path;
	int redirects;      /* how many redirects were followed to get here */
};

/* Run one request through the pipeline; store its Set-Cookie lines in the
 * jar; follow redirects when asked. Never NULL (see status 0). */
const struct flacon_response *flacon_client_request(struct flacon_client *c,
						    const struct flacon_request *rq);
/* GET path. */
const struct flacon_response *flacon_client_get(struct flacon_client *c, const char *path);
/* POST an application/x-www-form-urlencoded body of the name, value
 * pairs that follow path, ended by NULL (each percent-encoded here):
 *   flacon_client_post_form(c, "/login", "username", "alice", NULL) */
const struct flacon_response *flacon_client_post_form(struct flacon_client *c, const char *path, ...)
	__attribute__((sentinel));
/* method (POST, PUT, DELETE...) with json as an application/json body
 * (NULL: no body, still Content-Type: application/json, as SPEC 7 asks of
 * every API write). */
const struct flacon_response *flacon_client_json(struct flacon_client *c, const char *method,
						 const char *path, const char *json);

/* The value of the first header called name (any case), or NULL. */
const char *flacon_resp_header(const struct flacon_response *r, const char *name);
/* The Set-Cookie value that sets or deletes cookie name
 * ("session=...; Path=/; Max-Age=...; HttpOnly"), or NULL. */
const char *flacon_resp_set_cookie(const struct flacon_response *r, const char *name);
/* True when the body holds text. */
bool flacon_resp_contains(const struct flacon_response *r, const char *text);

/* ---- The cookie jar -------------------------------------------------------
 * One cookie per name: a Set-Cookie replaces it, one with Max-Age <= 0 or
 * an Expires in the past deletes it. A request sends the cookies whose
 * Path is a prefix of its path (Secure ones too: there is no TLS here). */

/* The jar's value of cookie name, or NULL. Owned by the jar: valid until
 * the cookie changes. */
const char *flacon_client_cookie(const struct flacon_client *c, const char *name);
/* Set (value copied) or, with value NULL, delete cookie name, Path=/.
 * 0 or -1 (out of memory). */
int flacon_client_set_cookie(struct flacon_client *c, const char *name, const char *value);
/* Forget every cookie (a new visitor). */
void flacon_client_clear_cookies(struct flacon_client *c);

/* ---- Forms ----------------------------------------------------------------- */

/* The form of r's HTML body whose action attribute is action (NULL: the
 * first form), with the values of its fields: inputs (the hidden
 * csrf_token among them; not submit, button, reset, image or file ones;
 * checkboxes and radios when checked), textareas, selects (the selected
 * option, else the first). Owned by the client. NULL when there is none. */
struct flacon_form *flacon_client_form(struct flacon_client *c, const struct flacon_response *r,
				       const char *action);
/* The value of field name, or NULL. */
const char *flacon_form_get(const struct flacon_form *f, const char *name);
/* Set field name (added when the form has none) to value (copied).
 * 0 or -1 (out of memory). */
int flacon_form_set(struct flacon_form *f, const char *name, const char *value);
/* Submit f as a browser would: its method (GET: the fields as the query),
 * to its action (none: the page it came from). */
const struct flacon_response *flacon_form_submit(struct flacon_client *c, const struct flacon_form *f);

#endif
