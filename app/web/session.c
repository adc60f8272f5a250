/* session.c — server-side sessions in the MariaDB table `session` (SPEC
 * section 6): lazy load by a signed cookie, JSON data, token rotation at
 * login and logout, write-back at the end of the request, expiry and GC.
 * Owns the session state hung on the worker (web_worker(req)->session, in
 * the request's arena) and its json-c data. */
#include "web/internal.h"

#include <stdio.h>
#include <string.h>

#include "core/metrics.h"
#include "db/db.h"

#define DATA_MAX 65535       /* the data column is a BLOB */
#define GC_BATCH 1000      /* rows per DELETE of web_session_gc() */
#define STR_(x) #x
#define STR(x) STR_(x)

const char web_session_table_ddl[] =
	"CREATE TABLE IF NOT EXISTS `session` (\n"
	"  `id` BIGINT NOT NULL AUTO_INCREMENT,\n"
	"  `token_hash` BINARY(32) NOT NULL,\n"   /* SHA-256 of the cookie's token */
	"  `user_id` INT NULL,\n"                 /* NULL: anonymous session */
	"  `data` BLOB NOT NULL,\n"               /* JSON object, UTF-8 */
	"  `created_at` DATETIME NOT NULL,\n"     /* UTC */
	"  `expires_at` DATETIME NOT NULL,\n"     /* UTC; no sliding expiry */
	"  PRIMARY KEY (`id`),\n"
	"  UNIQUE KEY `uq_session_token_hash` (`token_hash`),\n"
	"  KEY `ix_session_expires_at` (`expires_at`),\n"
	"  KEY `ix_session_user_id` (`user_id`)\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

static const char sql_select[] =
	"SELECT `id`, `user_id`, `data`, `expires_at` FROM `session` "
	"WHERE `token_hash` = ? AND `expires_at` > UTC_TIMESTAMP()";
static const char sql_insert[] =
	"INSERT INTO `session` (`token_hash`, `user_id`, `data`, `created_at`, `expires_at`) "
	"VALUES (?, ?, ?, ?, ?)";
static const char sql_update[] = "UPDATE `session` SET `data` = ? WHERE `id` = ?";
static const char sql_delete[] = "DELETE FROM `session` WHERE `id` = ?";
static const char sql_gc[] =
	"DELETE FROM `session` WHERE `expires_at` <= UTC_TIMESTAMP() LIMIT " STR(GC_BATCH);
static const char sql_delete_user[] = "DELETE FROM `session` WHERE `user_id` = ?";

int web_session_create_table(struct db *db)
{
	return db_exec(db, web_session_table_ddl);
}

static void to_mysql_time(time_t t, MYSQL_TIME *mt)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	memset(mt, 0, sizeof *mt);
	mt->year = (unsigned)tm.tm_year + 1900;
	mt->month = (unsigned)tm.tm_mon + 1;
	mt->day = (unsigned)tm.tm_mday;
	mt->hour = (unsigned)tm.tm_hour;
	mt->minute = (unsigned)tm.tm_min;
	mt->second = (unsigned)tm.tm_sec;
	mt->time_type = MYSQL_TIMESTAMP_DATETIME;
}

static time_t from_mysql_time(const MYSQL_TIME *mt)
{
	struct tm tm = {0};
	tm.tm_year = (int)mt->year - 1900;
	tm.tm_mon = (int)mt->month - 1;
	tm.tm_mday = (int)mt->day;
	tm.tm_hour = (int)mt->hour;
	tm.tm_min = (int)mt->minute;
	tm.tm_sec = (int)mt->second;
	return timegm(&tm);
}

/* Run a statement whose only parameter is one BIGINT; returns the affected
 * rows or -1. */
static long long exec_by_id(struct db *db, const char *sql, long long id)
{
	struct db_val p = db_v_int(id);
	return db_query(db, NULL, sql, &p, 1, NULL, NULL);
}

/* The columns of sql_select's row. */
struct row_read {
	bool found;
	long long id, user_id; /* user_id 0: NULL, anonymous */
	const char *data;      /* NULL: SQL NULL */
	size_t data_len;
	MYSQL_TIME expires;
};

static int read_row(void *ctx, const struct db_val *c, size_t nc)
{
	struct row_read *r = ctx;
	(void)nc;
	r->found = true;
	r->id = c[0].i;
	r->user_id = c[1].type == DB_NULL ? 0 : c[1].i;
	r->data = c[2].type == DB_NULL ? NULL : c[2].s.p;
	r->data_len = c[2].type == DB_NULL ? 0 : c[2].s.n;
	r->expires = c[3].t;
	return 1;
}

/* Take data[0..len) (the row's JSON text) as s's data. Unreadable data is
 * dropped, not fatal: the session starts afresh. The text this worker
 * parsed last for the cookie is copied rather than parsed again. */
static void take_data(struct web_session *s, const char *data, size_t len)
{
	if (!data || !len)
		return;
	json_object *v = web_memo_data(s, data, len);
	if (!v) {
		json_tokener *tok = json_tokener_new();
		v = tok ? json_tokener_parse_ex(tok, data, (int)len) : NULL;
		if (tok)
			json_tokener_free(tok);
		if (json_object_is_type(v, json_type_object))
			web_memo_keep_data(s, data, len, v);
	}
	if (json_object_is_type(v, json_type_object)) {
		json_object_put(s->data);
		s->data = v;
	} else {
		json_object_put(v);
	}
}

/* True when this request may use the host's session cache. A worker whose
 * connection is known to be down reads (and fails) as without one. */
static bool cache_on(struct http_request *req)
{
	struct db *db = web_db(req);
	web_sc_ensure(req->cfg);
	return web_sc_attached() && req->cfg->session_cache_entries > 0 &&
	       req->cfg->session_cache_ttl_ms > 0 && db && db->conn && !db_held(db);
}

/* The row of s->token_hash from the host's cache: 1 (s filled) or 0. */
static int cached_row(struct http_request *req, struct web_session *s)
{
	struct web_sc_row *row = arena_alloc(req->arena, sizeof *row);
	if (!row || !web_sc_lookup(s->token_hash, req->cfg->session_cache_ttl_ms, row))
		return 0;
	s->row_id = row->row_id;
	s->user_id = row->user_id;
	if (s->user_id)
		s->no_store = true;
	s->expires_at = row->expires_at;
	take_data(s, row->data, row->data_len);
	/* X-Flacon-Queries counts the session's read whichever answered it,
	 * so that it stays the same from request to request (the N+1 tests
	 * compare two requests); the metrics count what MariaDB ran. */
	web_db(req)->queries++;
	return 1;
}

/* Fetch the live row of s->token_hash into s, and into the host's cache
 * (under t, taken before the read). Returns 1 when found, 0 when there is
 * none (unknown or expired), -1 on a database error. Usually the
 * request's first statement: db_query() reconnects once when the
 * connection died since the last request. */
static int select_row(struct http_request *req, struct web_session *s, const struct web_sc_ticket *t)
{
	struct db *db = web_db(req);
	struct db_val p = db_v_blob(s->token_hash, sizeof s->token_hash);
	struct row_read r = {.found = false};
	if (db_query(db, req->arena, sql_select, &p, 1, read_row, &r) < 0)
		return -1;
	if (!r.found)
		return 0;
	s->row_id = r.id;
	s->user_id = r.user_id;
	if (s->user_id)
		s->no_store = true;
	s->expires_at = from_mysql_time(&r.expires);
	if (t->armed && r.data_len <= WEB_SC_DATA_MAX) {
		struct web_sc_row *row = arena_alloc(req->arena, sizeof *row);
		if (row) {
			row->row_id = s->row_id;
			row->user_id = s->user_id;
			row->expires_at = s->expires_at;
			row->data_len = r.data ? r.data_len : 0;
			if (row->data_len)
				memcpy(row->data, r.data, row->data_len);
			web_sc_store(t, s->token_hash, row, false);
		}
	}
	take_data(s, r.data, r.data_len);
	return 1;
}

/* s's data as the JSON text to store (owned by s->data), its length in
 * *len; NULL with db->err set when it is missing or over DATA_MAX. */
static const char *data_json(struct db *db, struct web_session *s, size_t *len)
{
	const char *json = json_object_to_json_string_length(s->data, JSON_C_TO_STRING_PLAIN, len);
	if (!json || *len > DATA_MAX) {
		snprintf(db->err, sizeof db->err, "session data missing or larger than %d bytes",
			 DATA_MAX);
		return NULL;
	}
	return json;
}

/* INSERT the row of a fresh token for s (user_id 0 = anonymous), created
 * now, expiring after session.lifetime. 0 or -1. */
static int insert_row(struct http_request *req, struct web_session *s, long long user_id)
{
	struct db *db = web_db(req);
	size_t len = 0;
	const char *json = data_json(db, s, &len);
	if (!json)
		return -1;
	randombytes_buf(s->token, sizeof s->token);
	crypto_hash_sha256(s->token_hash, s->token, sizeof s->token);
	time_t now = time(NULL);
	struct db_val p[5] = {
		db_v_blob(s->token_hash, sizeof s->token_hash),
		user_id ? db_v_int(user_id) : db_v_null(),
		db_v_blob(json, len),
		{.type = DB_DATETIME},
		{.type = DB_DATETIME},
	};
	to_mysql_time(now, &p[3].t);
	to_mysql_time(now + req->cfg->session_lifetime, &p[4].t);
	if (db_query(db, NULL, sql_insert, p, 5, NULL, NULL) < 0)
		goto fail;
	s->row_id = (long long)db->insert_id;
	s->has_row = true;
	s->user_id = user_id;
	s->issued_at = now;
	s->expires_at = now + req->cfg->session_lifetime;
	s->cookie_new = true;
	s->resign = false;
	s->modified = false;
	s->csrf_token = NULL; /* bound to the old token */
	s->memo_stamp = 0;    /* the memo's entry is the old cookie's */
	return 0;
fail:
	sodium_memzero(s->token, sizeof s->token);
	sodium_memzero(s->token_hash, sizeof s->token_hash);
	return -1;
}

static int update_row(struct http_request *req, struct web_session *s)
{
	struct db *db = web_db(req);
	size_t len = 0;
	const char *json = data_json(db, s, &len);
	if (!json)
		return -1;
	struct db_val p[2] = {db_v_blob(json, len), db_v_int(s->row_id)};
	if (db_query(db, NULL, sql_update, p, 2, NULL, NULL) < 0)
		return -1;
	s->modified = false;
	return 0;
}

/* Delete s's row and forget its token. 0 or -1. */
static int delete_row(struct http_request *req, struct web_session *s)
{
	if (!s->has_row)
		return 0;
	if (exec_by_id(web_db(req), sql_delete, s->row_id) < 0)
		return -1;
	s->has_row = false;
	s->row_id = 0;
	s->user_id = 0;
	s->resign = false;
	s->csrf_token = NULL;
	s->memo_stamp = 0;
	sodium_memzero(s->token, sizeof s->token);
	sodium_memzero(s->token_hash, sizeof s->token_hash);
	return 0;
}

/* Keep v alive until release (a value handed out as borrowed may be
 * dropped from data). Takes the reference to v. */
static void bury(struct web_session *s, json_object *v)
{
	if (!v)
		return;
	if (!s->graveyard)
		s->graveyard = json_object_new_array();
	if (!s->graveyard || json_object_array_add(s->graveyard, v) < 0)
		json_object_put(v); /* out of memory: a borrowed value may dangle */
}

struct web_session *web_session_state(struct http_request *req)
{
	struct web_worker *w = web_worker(req);
	if (!w->session)
		w->session = arena_calloc(req->arena, 1, sizeof(struct web_session));
	return w->session;
}

/* The session of the request's cookie into s: its token and row, or
 * nothing (no cookie, a refused one, no live row). -1 on a database
 * error. s->data is set only when the row has data. */
static int load_row(struct http_request *req, struct web_session *s)
{
	const char *cookie = http_req_cookie(req, req->cfg->cookie_name);
	if (!cookie)
		return 0;
	/* The signature is checked first, in constant time: a forged or
	 * garbled cookie is anonymous and costs no query. A cookie this
	 * worker verified lately is not verified again (session_memo.c);
	 * whether its session lives is read below all the same. */
	int key = web_memo_unsign(req->cfg, cookie, strnlen(cookie, 256), s);
	if (key < 0) {
		sodium_memzero(s->token, sizeof s->token);
		s->cookie_delete = true;
		return 0;
	}
	int rc = 0;
	if (cache_on(req))
		rc = cached_row(req, s);
	if (rc == 0) {
		/* Taken before the SELECT: a logout on another worker between
		 * the SELECT and the store makes the store refused. */
		struct web_sc_ticket t = {.armed = false};
		if (cache_on(req))
			web_sc_begin(s->token_hash, &t);
		rc = select_row(req, s, &t);
	}
	if (rc < 0)
		return -1;
	if (rc == 0) {
		/* Expired, logged out elsewhere or collected: anonymous, and
		 * this worker forgets the cookie. */
		web_memo_forget(s);
		s->memo_stamp = 0;
		sodium_memzero(s->token, sizeof s->token);
		sodium_memzero(s->token_hash, sizeof s->token_hash);
		s->cookie_delete = true;
		return 0;
	}
	s->has_row = true;
	s->resign = key > 0;
	return 0;
}

int web_session_load(struct http_request *req)
{
	struct web_session *s = web_session_state(req);
	if (!s)
		return -1;
	if (s->loaded)
		return s->failed ? -1 : 0;
	s->loaded = true;
	/* The empty dict only when the row brought none. */
	if (web_init() < 0 || load_row(req, s) < 0 ||
	    (!s->data && !(s->data = json_object_new_object()))) {
		s->failed = true;
		return -1;
	}
	return 0;
}

/* Load, and check the session can still be used. NULL when not. */
static struct web_session *usable(struct http_request *req)
{
	if (web_session_load(req) < 0)
		return NULL;
	struct web_session *s = web_req_session(req);
	return s->released ? NULL : s;
}

long long web_session_user_id(struct http_request *req)
{
	struct web_session *s = usable(req);
	return s ? s->user_id : 0;
}

json_object *web_session_get(struct http_request *req, const char *key)
{
	struct web_session *s = usable(req);
	json_object *v = NULL;
	if (!s || !json_object_object_get_ex(s->data, key, &v))
		return NULL;
	return v;
}

int web_session_set(struct http_request *req, const char *key, json_object *value)
{
	struct web_session *s = usable(req);
	if (!s) {
		json_object_put(value);
		return -1;
	}
	json_object *old = NULL;
	if (json_object_object_get_ex(s->data, key, &old) && old)
		bury(s, json_object_get(old)); /* a caller may still borrow it */
	if (json_object_object_add(s->data, key, value) < 0) {
		/* json-c leaves value to us when the insert fails. */
		json_object_put(value);
		return -1;
	}
	s->modified = true;
	return 0;
}

json_object *web_session_pop(struct http_request *req, const char *key)
{
	struct web_session *s = usable(req);
	json_object *v = NULL;
	if (!s || !json_object_object_get_ex(s->data, key, &v))
		return NULL;
	if (v)
		bury(s, json_object_get(v));
	json_object_object_del(s->data, key);
	s->modified = true;
	return v;
}

/* A write of session rows run by db_retry: each run starts from the state
 * the session had before the first (a failed run may have changed it). */
enum row_write { ROWS_LOGIN, ROWS_DELETE, ROWS_UPDATE, ROWS_INSERT };
struct row_txn {
	struct http_request *req;
	struct web_session *s;
	struct web_session before;
	enum row_write what;
	long long user_id;
};

static int row_txn_run(struct db *db, void *arg)
{
	(void)db;
	struct row_txn *t = arg;
	*t->s = t->before;
	switch (t->what) {
	case ROWS_LOGIN:
		return delete_row(t->req, t->s) < 0 || insert_row(t->req, t->s, t->user_id) < 0 ? -1 : 0;
	case ROWS_DELETE:
		return delete_row(t->req, t->s);
	case ROWS_UPDATE:
		return update_row(t->req, t->s);
	case ROWS_INSERT:
		return insert_row(t->req, t->s, t->user_id);
	}
	return -1;
}

/* s's row as the host's cache holds it, in the arena; NULL when its data
 * is too long to cache (or out of memory). */
static struct web_sc_row *row_of(struct http_request *req, struct web_session *s)
{
	size_t len = 0;
	const char *json = json_object_to_json_string_length(s->data, JSON_C_TO_STRING_PLAIN, &len);
	if (!json || len > WEB_SC_DATA_MAX)
		return NULL;
	struct web_sc_row *row = arena_alloc(req->arena, sizeof *row);
	if (!row)
		return NULL;
	row->row_id = s->row_id;
	row->user_id = s->user_id;
	row->expires_at = s->expires_at;
	row->data_len = len;
	memcpy(row->data, json, len);
	return row;
}

/* After a write of s's rows (done or failed, which may still have
 * committed): the old token's entry goes before the response does, so the
 * next request on this host, on any worker, reads what the database now
 * holds; the row written is cached when nothing raced it (t: taken before
 * the write). */
static void write_cached(struct http_request *req, struct web_session *s, enum row_write what,
			 const struct row_txn *tx, const struct web_sc_ticket *t, bool ok)
{
	const struct web_session *before = &tx->before;
	struct web_sc_row *row = ok && (what == ROWS_UPDATE || s->has_row) ? row_of(req, s) : NULL;
	if (what == ROWS_UPDATE) {
		web_sc_replace(t, before->token_hash, row);
		return;
	}
	if (before->has_row)
		web_sc_invalidate(before->token_hash);
	if (row && (what == ROWS_LOGIN || what == ROWS_INSERT))
		web_sc_store(t, s->token_hash, row, true);
}

/* Login is one transaction (the old row goes, the new one comes); a single
 * statement runs on its own. Deadlocks, lock wait timeouts and cluster
 * certification conflicts are retried (SPEC 10). */
static int write_rows(struct http_request *req, struct web_session *s, enum row_write what,
		      long long user_id)
{
	struct row_txn t = {.req = req, .s = s, .before = *s, .what = what, .user_id = user_id};
	struct web_sc_ticket tk = {.armed = false};
	if (web_sc_attached())
		web_sc_begin(s->token_hash, &tk);
	int rc = db_retry(web_db(req), what == ROWS_LOGIN, row_txn_run, &t);
	write_cached(req, s, what, &t, &tk, rc == 0);
	/* The old cookie names no row any more: this worker forgets it
	 * (nothing would accept it anyway, its row being gone). */
	if (what == ROWS_LOGIN || what == ROWS_DELETE)
		web_memo_forget(&t.before);
	if (rc < 0)
		return -1;
	/* counted once the write is done: a retried run inserts again */
	if ((what == ROWS_LOGIN || what == ROWS_DELETE) && t.before.has_row)
		metrics_count(METRICS_SESSIONS_DELETED);
	if (what == ROWS_LOGIN || what == ROWS_INSERT)
		metrics_count(METRICS_SESSIONS_CREATED);
	return 0;
}

int web_session_clear(struct http_request *req)
{
	struct web_session *s = usable(req);
	if (!s)
		return -1;
	json_object *fresh = json_object_new_object();
	if (!fresh || write_rows(req, s, ROWS_DELETE, 0) < 0) {
		json_object_put(fresh);
		s->failed = true; /* leave the cookie and the row as they are */
		return -1;
	}
	bury(s, s->data);
	s->data = fresh;
	s->modified = false;
	s->cookie_new = false;
	s->cookie_delete = true;
	/* SPEC 6: an anonymous form token taken before the logout is refused
	 * after it; the answer to a user who was logged in is not cached. */
	s->csrf_rotate = true;
	s->no_store = true;
	return 0;
}

int web_session_logout(struct http_request *req)
{
	return web_session_clear(req);
}

int web_session_login(struct http_request *req, long long user_id)
{
	struct web_session *s = usable(req);
	if (!s || user_id <= 0)
		return -1;
	/* Rotation: the old token dies even when it belonged to this user, so
	 * a token planted before login (fixation) is worth nothing after. */
	if (write_rows(req, s, ROWS_LOGIN, user_id) < 0) {
		/* Nothing more is written for this session: the browser keeps a
		 * cookie whose row may be gone, which reads as anonymous. */
		s->failed = true;
		return -1;
	}
	/* SPEC 6: anonymous form tokens of before the login are refused
	 * after it (a new csrf cookie at save). */
	s->csrf_rotate = true;
	s->no_store = true;
	return 0;
}

static bool data_empty(const struct web_session *s)
{
	return json_object_object_length(s->data) == 0;
}

/* Set-Cookie for s's token. A logged-in session is permanent: Max-Age is
 * what is left of the row's life (session.lifetime for a new one) and
 * Expires the row's expires_at, in GMT. An anonymous one is a browser
 * session cookie. */
static int send_cookie(struct http_request *req, struct http_response *resp, struct web_session *s)
{
	const struct config *cfg = req->cfg;
	char *value = web_sign(req->arena, cfg, WEB_SESSION_PURPOSE, s->token, sizeof s->token);
	if (!value)
		return -1;
	struct http_cookie_opts o = {
		.max_age = -1,
		.path = "/",
		.secure = cfg->cookie_secure,
		.httponly = true,
		.samesite = "Lax",
	};
	if (s->user_id) {
		time_t now = s->cookie_new ? s->issued_at : time(NULL);
		long long left = (long long)(s->expires_at - now);
		o.max_age = left > 0 ? left : 0;
		o.expires = s->expires_at;
	}
	return http_resp_set_cookie(resp, cfg->cookie_name, value, &o);
}

static int send_delete_cookie(struct http_request *req, struct http_response *resp)
{
	const struct config *cfg = req->cfg;
	/* Same attributes as the cookie it replaces; 1 s after the epoch is
	 * "Thu, 01 Jan 1970 00:00:01 GMT" (0 means "no Expires"). */
	struct http_cookie_opts o = {
		.max_age = 0,
		.expires = 1,
		.path = "/",
		.secure = cfg->cookie_secure,
		.httponly = true,
		.samesite = "Lax",
	};
	return http_resp_set_cookie(resp, cfg->cookie_name, "", &o);
}

int web_session_save(struct http_request *req, struct http_response *resp)
{
	struct web_session *s = web_req_session(req);
	int rc = 0;
	if (!s || !s->loaded || s->released || s->failed)
		goto out;
	if (s->modified) {
		if (s->has_row && !s->user_id && data_empty(s)) {
			/* An anonymous visitor who stores nothing keeps no row. */
			if (write_rows(req, s, ROWS_DELETE, 0) < 0) {
				rc = -1;
				goto out;
			}
			s->cookie_new = false;
			s->cookie_delete = true;
		} else if (s->has_row) {
			rc = write_rows(req, s, ROWS_UPDATE, 0);
		} else if (!data_empty(s)) {
			rc = write_rows(req, s, ROWS_INSERT, 0);
		}
		if (rc < 0)
			goto out;
	}
	if (s->cookie_new || (s->resign && s->has_row))
		rc = send_cookie(req, resp, s);
	else if (s->cookie_delete)
		rc = send_delete_cookie(req, resp);
	if (rc == 0 && s->csrf_rotate) {
		rc = web_csrf_rotate(req, resp);
		s->csrf_rotate = false;
	}
out:
	web_session_release(req);
	return rc;
}

void web_session_release(struct http_request *req)
{
	/* Sessions deleted in this request (web_session_delete_user), maybe
	 * in a transaction committed since: invalidate once more. */
	web_sc_flush_pending();
	struct web_session *s = web_req_session(req);
	if (!s || s->released)
		return;
	json_object_put(s->data);
	json_object_put(s->graveyard);
	s->data = NULL;
	s->graveyard = NULL;
	s->released = true;
	s->csrf_token = NULL;
	sodium_memzero(s->token, sizeof s->token);
}

long long web_delete_batches(struct db *db, const char *sql, const long long *param, long long batch)
{
	long long total = 0;
	struct db_val p = db_v_int(param ? *param : 0);
	for (;;) {
		long long n = db_query(db, NULL, sql, param ? &p : NULL, param ? 1 : 0, NULL, NULL);
		if (n < 0)
			return -1;
		total += n;
		/* Small batches keep each statement's locks short. */
		if (n < batch)
			return total;
	}
}

long long web_session_gc(struct db *db)
{
	long long n = web_delete_batches(db, sql_gc, NULL, GC_BATCH);
	if (n > 0)
		metrics_add(METRICS_SESSIONS_DELETED, (uint64_t)n);
	return n;
}

long long web_session_gc_tick(struct db *db, unsigned every)
{
	static unsigned long calls;
	if (every == 0 || ++calls % every != 0)
		return 0;
	return web_session_gc(db);
}

long long web_session_delete_user(struct db *db, long long user_id)
{
	long long n = exec_by_id(db, sql_delete_user, user_id);
	/* No token to name: the whole host's cache, now and after the
	 * commit (web_sc_flush_pending). Also when the DELETE failed: it may
	 * have been applied. */
	web_sc_note_deleted();
	return n;
}

int web_remember_username(struct http_request *req, struct http_response *resp,
			  const char *username)
{
	struct http_cookie_opts o = {
		.max_age = WEB_REMEMBER_MAX_AGE,
		.path = "/",
		.secure = req->cfg->cookie_secure,
		.httponly = true,
		.samesite = "Lax",
	};
	return http_resp_set_cookie(resp, WEB_REMEMBER_COOKIE, username, &o);
}
