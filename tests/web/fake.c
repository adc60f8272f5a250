/* fake.c — see fake.h. */
#include "fake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static char *old_keys_none[] = {NULL};
static char *old_keys_rotated[] = {(char *)TEST_OLD_SECRET, NULL};

static struct config base = {
	.secret_key = (char *)TEST_SECRET,
	.old_secret_keys = old_keys_none,
	.env = (char *)"production",
	.cookie_name = (char *)"session",
	.session_lifetime = 2678400,
	.max_body = 1048576,
};

struct config *test_config(void)
{
	static struct config c;
	c = base;
	return &c;
}

struct config *test_config_rotated(void)
{
	static struct config c;
	c = base;
	c.old_secret_keys = old_keys_rotated;
	return &c;
}

struct config *test_config_old(void)
{
	static struct config c;
	c = base;
	c.secret_key = (char *)TEST_OLD_SECRET;
	return &c;
}

static const char *fake_getenv(struct http_request *req, const char *name)
{
	struct fake *f = req->transport;
	if (!strcmp(name, "HTTP_COOKIE"))
		return f->cookie;
	if (!strcmp(name, "CONTENT_TYPE"))
		return f->content_type;
	if (!strcmp(name, "REQUEST_METHOD"))
		return f->req.method;
	if (!strcmp(name, "REMOTE_ADDR"))
		return f->remote_addr;
	return NULL;
}

void fake_init(struct fake *f, const struct config *cfg, struct db *db, const char *cookie)
{
	memset(f, 0, sizeof *f);
	arena_init(&f->arena, 4096);
	f->cookie = cookie;
	f->req.arena = &f->arena;
	f->req.cfg = cfg;
	f->worker.db = db;
	f->req.worker = &f->worker;
	f->req.method = "GET";
	f->req.uri = "/";
	f->req.raw_path = "/";
	f->req.path = "/";
	f->req.query_string = "";
	f->req.content_type = "";
	f->req.content_length = -1;
	f->req.getenv = fake_getenv;
	f->req.transport = f;
	f->resp.arena = &f->arena;
	f->resp.status = 200;
	if (db)
		db->queries = 0;
}

void fake_form(struct fake *f, const char *body)
{
	f->req.method = "POST";
	if (text_form_parse(&f->arena, body, strlen(body), &f->req.form) != 0)
		test_fail(__FILE__, __LINE__, "text_form_parse", "%s", body);
}

void fake_free(struct fake *f)
{
	web_session_release(&f->req);
	buf_free(&f->resp.headers);
	buf_free(&f->resp.body);
	arena_free(&f->arena);
}

static const char *nth_line(struct fake *f, const char *name, int want, int *count)
{
	char prefix[128];
	snprintf(prefix, sizeof prefix, "Set-Cookie: %s=", name);
	const char *p = f->resp.headers.p ? f->resp.headers.p : "";
	int seen = 0;
	while (*p) {
		const char *eol = strstr(p, "\r\n");
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (!strncmp(p, prefix, strlen(prefix))) {
			if (seen == want)
				return arena_strndup(&f->arena, p, len);
			seen++;
		}
		p += len + (eol ? 2 : 0);
	}
	if (count)
		*count = seen;
	return NULL;
}

const char *fake_set_cookie_line(struct fake *f, const char *name)
{
	const char *l = nth_line(f, name, 0, NULL);
	return l ? l + strlen("Set-Cookie: ") : NULL;
}

int fake_set_cookie_count(struct fake *f, const char *name)
{
	int n = 0;
	nth_line(f, name, 1 << 20, &n);
	return n;
}

const char *fake_set_cookie_value(struct fake *f, const char *name)
{
	const char *l = fake_set_cookie_line(f, name);
	if (!l)
		return NULL;
	l += strlen(name) + 1;
	const char *semi = strchr(l, ';');
	return arena_strndup(&f->arena, l, semi ? (size_t)(semi - l) : strlen(l));
}

static bool table_made;

struct db *test_db(void)
{
	const char *url = getenv("FLACON_TEST_DATABASE_URL");
	char err[256];
	if (!url || !*url) {
		test_fail(__FILE__, __LINE__, "test_db", "FLACON_TEST_DATABASE_URL is not set");
		return NULL;
	}
	struct db *db = db_new(url, err, sizeof err);
	if (!db) {
		test_fail(__FILE__, __LINE__, "test_db", "%s", err);
		return NULL;
	}
	if (db_ensure(db) < 0) {
		test_fail(__FILE__, __LINE__, "test_db", "%s", db->err);
		db_close(db);
		return NULL;
	}
	if (!table_made) {
		if (db_exec(db, "DROP TABLE IF EXISTS `session`") < 0 ||
		    web_session_create_table(db) < 0) {
			test_fail(__FILE__, __LINE__, "test_db", "%s", db->err);
			db_close(db);
			return NULL;
		}
		table_made = true;
	}
	db->queries = 0;
	return db;
}

long long test_scalar(struct db *db, const char *sql)
{
	if (db_ensure(db) < 0 || mysql_query(db->conn, sql))
		return -1;
	MYSQL_RES *r = mysql_store_result(db->conn);
	if (!r)
		return -1;
	MYSQL_ROW row = mysql_fetch_row(r);
	long long v = row && row[0] ? atoll(row[0]) : -1;
	mysql_free_result(r);
	return v;
}

int test_sql(struct db *db, const char *sql)
{
	if (db_ensure(db) < 0 || mysql_query(db->conn, sql)) {
		fprintf(stderr, "  %s: %s\n", sql, db->conn ? mysql_error(db->conn) : db->err);
		return -1;
	}
	MYSQL_RES *r = mysql_store_result(db->conn);
	if (r)
		mysql_free_result(r);
	return 0;
}
