/* site_client.c — the site: suite's fixture (site_client.h): one test
 * client on the bundled site for the whole suite, and the steps its tests
 * share (a new user, a login through the form, a CSRF token, an article,
 * a course), and checks that report the response they looked at. */
#include "site_client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mysql.h>

#include "db/db.h"
#include "site/site.h"

static struct flacon_client *client;
static bool open_failed;

static void close_client(void)
{
	flacon_client_close(client);
	client = NULL;
}

struct flacon_client *sc(void)
{
	if (client || open_failed)
		return client;
	char err[512];
	client = flacon_client_open(&site_flacon_app, NULL, err, sizeof err);
	if (!client) {
		open_failed = true;
		fprintf(stderr, "site: flacon_client_open: %s\n", err);
		return NULL;
	}
	atexit(close_client);
	return client;
}

struct flacon_client *sc_visitor(void)
{
	if (sc())
		flacon_client_clear_cookies(client);
	return client;
}

const char *sc_name(char out[33], const char *prefix)
{
	static int n;
	snprintf(out, 33, "%.20s%d", prefix, ++n);
	return out;
}

/* A response for a test whose client could not be opened: its checks
 * fail instead of crashing. */
static const struct flacon_response no_client = {.status = 0, .body = "(no client)", .path = "?", .method = "?"};

const struct flacon_response *sc_get(const char *path)
{
	return sc() ? flacon_client_get(client, path) : &no_client;
}

const struct flacon_response *sc_api(const char *method, const char *path, const char *json)
{
	/* Not flacon_client_json: with no body it sends no Content-Type
	 * either, and SPEC 7 wants application/json on every API write, with
	 * or without a body. */
	struct flacon_request rq = {.method = method, .path = path, .body = json,
				    .content_type = "application/json"};
	return sc() ? flacon_client_request(client, &rq) : &no_client;
}

long long sc_new_user(char name[33], const char *prefix)
{
	sc_name(name, prefix);
	if (!sc_visitor()) {
		CHECK_MSG(0, "no test client");
		return -1;
	}
	char body[160];
	snprintf(body, sizeof body, "{\"username\": \"%s\", \"password\": \"" SC_PASSWORD "\"}", name);
	const struct flacon_response *r = sc_api("POST", "/api/register", body);
	CHECK_MSG(r->status == 201, "POST /api/register %s: %d %s", name, r->status, r->body);
	return r->status == 201 ? sc_jint(r->json, "id") : -1;
}

const struct flacon_response *sc_login_form(const char *name, const char *password,
					    const char *remember, const char *next)
{
	if (!sc_visitor())
		return &no_client;
	struct flacon_form *f = flacon_client_form(client, sc_get("/login"), "/login");
	CHECK_MSG(f != NULL, "GET /login has no form posting to /login");
	if (!f)
		return &no_client;
	flacon_form_set(f, "username", name);
	flacon_form_set(f, "password", password);
	if (remember)
		flacon_form_set(f, "remember", remember);
	if (next)
		flacon_form_set(f, "next", next);
	return flacon_form_submit(client, f);
}

const char *sc_csrf(const char *path, const char *action)
{
	if (!sc())
		return NULL;
	struct flacon_form *f = flacon_client_form(client, sc_get(path), action);
	return f ? flacon_form_get(f, "csrf_token") : NULL;
}

long long sc_new_article(const char *title, const char *content)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "title", json_object_new_string(title));
	json_object_object_add(o, "content", json_object_new_string(content));
	const struct flacon_response *r = sc_api("POST", "/api/articles", json_object_to_json_string(o));
	json_object_put(o);
	CHECK_MSG(r->status == 201, "POST /api/articles: %d %s", r->status, r->body);
	return r->status == 201 ? sc_jint(r->json, "id") : -1;
}

long long sc_new_course(const char *prefix, int credits, long capacity)
{
	char name[33], err[256];
	long long id = -1;
	sc_name(name, prefix);
	if (!sc() || site_create_course(flacon_client_db(client), name, credits, capacity, &id, err,
					sizeof err) < 0) {
		CHECK_MSG(0, "createcourse %s: %s", name, sc() ? err : "no client");
		return -1;
	}
	return id;
}

long long sc_scalar(const char *sql)
{
	struct db *db = sc() ? flacon_client_db(client) : NULL;
	if (!db || db_ensure(db) < 0 || mysql_query(db->conn, sql))
		return -1;
	MYSQL_RES *res = mysql_store_result(db->conn);
	if (!res)
		return -1;
	MYSQL_ROW row = mysql_fetch_row(res);
	long long v = row && row[0] ? atoll(row[0]) : -1;
	mysql_free_result(res);
	return v;
}

json_object *sc_j(json_object *o, const char *key)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *sc_jstr(json_object *o, const char *key)
{
	json_object *v = sc_j(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

long long sc_jint(json_object *o, const char *key)
{
	json_object *v = sc_j(o, key);
	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

const char *sc_jerror(const struct flacon_response *r)
{
	const char *e = sc_jstr(r->json, "error");
	return e ? e : "(none)";
}

int sc_count(const struct flacon_response *r, const char *text)
{
	int n = 0;
	for (const char *p = r->body; (p = strstr(p, text)); p += strlen(text))
		n++;
	return n;
}

const char *sc_cookie_attr(const struct flacon_response *r, const char *name, const char *attr,
			   char *out, size_t n)
{
	const char *line = flacon_resp_set_cookie(r, name);
	if (!line)
		return NULL;
	size_t alen = strlen(attr);
	for (const char *p = strchr(line, ';'); p; p = strchr(p + 1, ';')) {
		const char *a = p + 1 + strspn(p + 1, " ");
		if (strncasecmp(a, attr, alen) || (a[alen] != '=' && a[alen] != ';' && a[alen] != '\0'))
			continue;
		const char *v = a[alen] == '=' ? a + alen + 1 : a + alen;
		snprintf(out, n, "%.*s", (int)strcspn(v, ";"), a[alen] == '=' ? v : "");
		return out;
	}
	return NULL;
}

bool sc_cookie_deleted(const struct flacon_response *r, const char *name)
{
	const char *line = flacon_resp_set_cookie(r, name);
	char a[64];
	if (!line)
		return false;
	const char *value = line + strlen(name) + 1;
	return *value == ';' || *value == '\0' ||
	       (sc_cookie_attr(r, name, "Max-Age", a, sizeof a) && atol(a) <= 0);
}

void sc_check_status(const char *file, int line, const struct flacon_response *r, int want)
{
	if (r->status != want)
		test_fail(file, line, "status", "%s %s: %d, not %d; body: %.300s", r->method, r->path,
			  r->status, want, r->body);
}

void sc_check_location(const char *file, int line, const struct flacon_response *r,
		       const char *want)
{
	const char *l = flacon_resp_header(r, "Location");
	if (!l || strcmp(l, want))
		test_fail(file, line, "Location", "%s %s (%d): \"%s\", not \"%s\"", r->method, r->path,
			  r->status, l ? l : "(none)", want);
}

void sc_check_body(const char *file, int line, const struct flacon_response *r, const char *text,
		   bool want)
{
	if (flacon_resp_contains(r, text) != want)
		test_fail(file, line, want ? "body has" : "body has not", "%s %s (%d) %s \"%s\"",
			  r->method, r->path, r->status, want ? "lacks" : "has", text);
}
