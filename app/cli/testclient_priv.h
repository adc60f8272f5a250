/* testclient_priv.h — what the test client's files share (testclient.c:
 * the client and its database; testclient_http.c: requests, responses,
 * the cookie jar; testclient_form.c: forms). Private to the cli layer. */
#ifndef FLACON_CLI_TESTCLIENT_PRIV_H
#define FLACON_CLI_TESTCLIENT_PRIV_H

#include "cli/testclient.h"
#include "core/http.h"

struct tc_cookie {
	char *name, *value, *path; /* heap, owned by the jar */
};

struct flacon_client {
	const struct flacon_app *app;
	const struct server_hooks *hooks;
	struct config cfg;
	bool cfg_loaded;
	struct db *admin; /* on the configured database: CREATE and DROP */
	struct db *db;    /* the test's own, on the throw-away database */
	char dbname[65];
	bool created;     /* dbname exists: drop it at close */
	struct http_request proto; /* the worker's prototype request */
	bool worker_up;
	struct arena req;          /* one request's, reset for each */
	struct http_response resp; /* its buffers kept across requests */
	struct buf out;            /* the serialized header block */
	struct arena keep;         /* responses, forms, JSON: until close */
	struct tc_cookie *jar;
	size_t njar, capjar;
	bool follow;
	/* cli's globals before open, restored at close. */
	const struct flacon_app *old_app;
	const struct server_hooks *old_hooks;
	const char *old_prog;
};

/* Forget the jar's cookies and free it (close). */
void tc_jar_free(struct flacon_client *c);
/* A response of status 0 whose body is why (static storage). */
const struct flacon_response *tc_failed(const char *why);

/* name=value&... of the n pairs (name, value; a NULL value is empty),
 * percent-encoded, in c->keep; NULL when out of memory. */
char *tc_form_encode(struct flacon_client *c, const char *const *pairs, size_t n);

/* Where a link or a redirect to loc from the page at path from goes, as a
 * path: "http://host/p?q" -> "/p?q"; a relative loc is taken from the
 * directory of from. In c->keep; NULL when out of memory. */
const char *tc_resolve(struct flacon_client *c, const char *from, const char *loc);

#endif
