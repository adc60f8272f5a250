/* fake.h — a request as a transport would hand it, for the web suite: CGI
 * params from fields, an arena, a response; plus the test database. */
#ifndef FLACON_TEST_WEB_FAKE_H
#define FLACON_TEST_WEB_FAKE_H

#include "core/http.h"
#include "db/db.h"
#include "web/web.h"

struct fake {
	struct arena arena;
	struct http_request req;
	struct http_response resp;
	struct web_worker worker; /* req.worker: db only */
	const char *cookie;       /* HTTP_COOKIE, or NULL */
	const char *content_type; /* CONTENT_TYPE, or NULL */
	const char *remote_addr;  /* REMOTE_ADDR, or NULL */
};

#define TEST_SECRET "test-secret-key-0123456789-abcdefghijklmnop"
#define TEST_OLD_SECRET "old-secret-key-0123456789-abcdefghijklmnopq"

/* A production config with TEST_SECRET (old keys: none). Static. */
struct config *test_config(void);
/* The same, with TEST_SECRET current and TEST_OLD_SECRET still accepted. */
struct config *test_config_rotated(void);
/* A config whose current key is TEST_OLD_SECRET (before rotation). */
struct config *test_config_old(void);

/* Start a request with the given Cookie header (NULL: none) on db. */
void fake_init(struct fake *f, const struct config *cfg, struct db *db, const char *cookie);
/* Put a urlencoded form body into req->form. */
void fake_form(struct fake *f, const char *body);
/* Release the session and free everything. */
void fake_free(struct fake *f);

/* The value of the first Set-Cookie for name on resp (arena copy, still
 * percent-encoded as sent), or NULL. */
const char *fake_set_cookie_value(struct fake *f, const char *name);
/* The whole Set-Cookie line for name (without CRLF), or NULL. */
const char *fake_set_cookie_line(struct fake *f, const char *name);
/* Count the Set-Cookie lines for name. */
int fake_set_cookie_count(struct fake *f, const char *name);

/* The test database (FLACON_TEST_DATABASE_URL): a new connection each call
 * (a "worker"), with a fresh session table made on the first call. NULL
 * when the URL is missing or the server does not answer: the caller's
 * CHECK then fails (never skipped). */
struct db *test_db(void);
/* Run a query that returns one integer (COUNT(*)...), -1 on error. Does not
 * go through db->queries. */
long long test_scalar(struct db *db, const char *sql);
/* Run a statement directly (test set-up), 0 or -1. */
int test_sql(struct db *db, const char *sql);

#endif
