/* site_client.h — the site: suite's fixture: the bundled site
 * (site_flacon_app) on the framework's in-process test client, no nginx,
 * no FastCGI. One client for the whole suite, opened at the first test
 * (one throw-away database built from sql/migrations, dropped at exit);
 * each test begins as a new visitor with names of its own. */
#ifndef FLACON_TESTS_SITE_CLIENT_H
#define FLACON_TESTS_SITE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <json.h>

#include "cli/testclient.h"
#include "test.h"

/* Every user of the suite has this password. */
#define SC_PASSWORD "correct horse battery"

/* The suite's client, opened on first use; NULL when it could not be
 * opened (the reason printed once). Begins as no particular visitor:
 * call sc_visitor() first. */
struct flacon_client *sc(void);
/* A new visitor: the client's cookies forgotten. Returns sc(). */
struct flacon_client *sc_visitor(void);

/* A username no test used before: prefix (at most 20 characters) and a
 * counter, in out[33]. Returns out. */
const char *sc_name(char out[33], const char *prefix);

const struct flacon_response *sc_get(const char *path);
/* method path with Content-Type application/json and json as its body
 * (NULL: none). */
const struct flacon_response *sc_api(const char *method, const char *path, const char *json);

/* A new visitor who registers through POST /api/register as a new user
 * named prefix..., and stays logged in. Returns the user's id, or -1
 * after failing the test. */
long long sc_new_user(char name[33], const char *prefix);
/* A new visitor who logs in through the /login form (its CSRF token
 * taken from GET /login) with remember and next as given (NULL: the
 * form's own). Returns the answer to the POST. */
const struct flacon_response *sc_login_form(const char *name, const char *password,
					    const char *remember, const char *next);
/* The csrf_token of the form posting to action on page path, or NULL
 * (owned by the client). */
const char *sc_csrf(const char *path, const char *action);
/* As the logged-in visitor, POST /api/articles; the new id, or -1 after
 * failing the test. */
long long sc_new_article(const char *title, const char *content);
/* A new course on the test's own connection; its id, or -1 after failing
 * the test. */
long long sc_new_course(const char *prefix, int credits, long capacity);

/* One integer a query returns (COUNT(*)...) on the test's connection to
 * the throw-away database, or -1. */
long long sc_scalar(const char *sql);

/* Members of a parsed JSON answer: NULL, or 0 / -1 when absent. */
json_object *sc_j(json_object *o, const char *key);
const char *sc_jstr(json_object *o, const char *key);
long long sc_jint(json_object *o, const char *key);
/* The "error" code of a JSON error answer, or "(none)". */
const char *sc_jerror(const struct flacon_response *r);

/* How many times text is in r's body. */
int sc_count(const struct flacon_response *r, const char *text);
/* The value of attribute attr ("Max-Age", "Path"...) of the Set-Cookie
 * line r has for cookie name, in out; NULL when the line or the attribute
 * is missing ("" for a flag such as HttpOnly). */
const char *sc_cookie_attr(const struct flacon_response *r, const char *name, const char *attr,
			   char *out, size_t n);
/* Whether r deletes cookie name (Max-Age <= 0 or an empty value). */
bool sc_cookie_deleted(const struct flacon_response *r, const char *name);

/* Checks that report the response: status, Location, body text. */
void sc_check_status(const char *file, int line, const struct flacon_response *r, int want);
void sc_check_location(const char *file, int line, const struct flacon_response *r,
		       const char *want);
void sc_check_body(const char *file, int line, const struct flacon_response *r, const char *text,
		   bool want);
#define CHECK_STATUS(r, s) sc_check_status(__FILE__, __LINE__, (r), (s))
#define CHECK_LOCATION(r, l) sc_check_location(__FILE__, __LINE__, (r), (l))
#define CHECK_HAS(r, t) sc_check_body(__FILE__, __LINE__, (r), (t), true)
#define CHECK_HASNT(r, t) sc_check_body(__FILE__, __LINE__, (r), (t), false)

#endif
