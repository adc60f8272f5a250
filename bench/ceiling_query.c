/* ceiling_query.c — the libfcgi one-query ceiling of `make bench` (SPEC 9):
 * a bare libfcgi program, not Flacon, that answers each request with one
 * prepared primary-key SELECT on the site's article table
 *     SELECT id, title, click_num FROM article WHERE id = ?
 * for a random id from 1 to the largest id (read once at start), or the id
 * of ?id=N, as a small JSON object. nginx passes /_ceiling/query to it
 * without keep-alive. One connection and one prepared statement per
 * process, made before its first request; after a database error the
 * request gets a 500 and the next one reconnects.
 * Usage: ceiling_query SOCKET DB_SOCKET DB_USER DB_NAME [PROCS]
 *   (PROCS processes, default 2, on one listen socket; SIGTERM stops them) */
#include <mysql.h>
#include <stdint.h>
#include <time.h>

#include "ceiling.h"

static const char *db_socket, *db_user, *db_name;
static MYSQL *conn;
static MYSQL_STMT *stmt;
static long max_id;
static uint64_t rng;

static const char select_sql[] = "SELECT id, title, click_num FROM article WHERE id = ?";

static void db_close_all(void)
{
	if (stmt)
		mysql_stmt_close(stmt);
	if (conn)
		mysql_close(conn);
	stmt = NULL;
	conn = NULL;
}

/* Connect and prepare; 0 or -1 (said on stderr, everything closed). */
static int db_open(void)
{
	conn = mysql_init(NULL);
	if (!conn)
		return -1;
	if (!mysql_real_connect(conn, NULL, db_user, NULL, db_name, 0, db_socket, 0))
		goto fail;
	if (max_id == 0) {
		if (mysql_query(conn, "SELECT COALESCE(MAX(id), 0) FROM article"))
			goto fail;
		MYSQL_RES *res = mysql_store_result(conn);
		MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
		max_id = row && row[0] ? atol(row[0]) : 0;
		mysql_free_result(res);
		if (max_id < 1) {
			fprintf(stderr, "ceiling_query: the article table is empty\n");
			db_close_all();
			return -1;
		}
	}
	stmt = mysql_stmt_init(conn);
	if (!stmt || mysql_stmt_prepare(stmt, select_sql, sizeof select_sql - 1))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "ceiling_query: %s\n", stmt ? mysql_stmt_error(stmt) : mysql_error(conn));
	db_close_all();
	return -1;
}

static int init(void)
{
	rng = (uint64_t)getpid() * 0x9E3779B97F4A7C15u ^ (uint64_t)time(NULL);
	if (!rng)
		rng = 1;
	return db_open();
}

/* xorshift64: a random id from 1 to max_id. */
static long random_id(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (long)(rng % (uint64_t)max_id) + 1;
}

/* The id of ?id=N (1 to 9 digits), or 0. */
static long query_id(const char *qs)
{
	if (!qs || strncmp(qs, "id=", 3) != 0)
		return 0;
	long v = 0;
	int digits = 0;
	for (const char *p = qs + 3; *p && *p != '&'; p++, digits++) {
		if (*p < '0' || *p > '9' || digits == 9)
			return 0;
		v = v * 10 + (*p - '0');
	}
	return v;
}

/* The whole answer in one write (libfcgi's own printf knows no %zu). */
static void answer(FCGX_Request *req, int status, const char *body)
{
	char head[128];
	int n = snprintf(head, sizeof head,
			 "Status: %d\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			 status, strlen(body));
	FCGX_PutStr(head, n, req->out);
	FCGX_PutS(body, req->out);
}

/* s (len bytes) as a JSON string body into out (cap >= 6 * len + 1). */
static void json_escape(const char *s, unsigned long len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (unsigned long i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20) {
			*o++ = '\\';
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
}

static void serve(FCGX_Request *req)
{
	if (!stmt && db_open() != 0) {
		answer(req, 503, "{\"error\":\"database\"}");
		return;
	}
	long id = query_id(FCGX_GetParam("QUERY_STRING", req->envp));
	if (id == 0)
		id = random_id();
	int param = (int)id, out_id = 0, clicks = 0;
	char title[512 + 1];
	unsigned long title_len = 0;
	MYSQL_BIND in, out[3];
	memset(&in, 0, sizeof in);
	memset(out, 0, sizeof out);
	in.buffer_type = MYSQL_TYPE_LONG;
	in.buffer = &param;
	out[0].buffer_type = MYSQL_TYPE_LONG;
	out[0].buffer = &out_id;
	out[1].buffer_type = MYSQL_TYPE_STRING;
	out[1].buffer = title;
	out[1].buffer_length = sizeof title - 1;
	out[1].length = &title_len;
	out[2].buffer_type = MYSQL_TYPE_LONG;
	out[2].buffer = &clicks;
	if (mysql_stmt_bind_param(stmt, &in) || mysql_stmt_execute(stmt) ||
	    mysql_stmt_bind_result(stmt, out)) {
		fprintf(stderr, "ceiling_query: %s\n", mysql_stmt_error(stmt));
		db_close_all();
		answer(req, 500, "{\"error\":\"database\"}");
		return;
	}
	int rc = mysql_stmt_fetch(stmt);
	mysql_stmt_free_result(stmt);
	if (rc == MYSQL_NO_DATA) {
		answer(req, 404, "{\"error\":\"not found\"}");
		return;
	}
	if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) {
		fprintf(stderr, "ceiling_query: %s\n", mysql_stmt_error(stmt));
		db_close_all();
		answer(req, 500, "{\"error\":\"database\"}");
		return;
	}
	if (title_len > sizeof title - 1)
		title_len = sizeof title - 1;
	char esc[6 * sizeof title + 1], body[sizeof esc + 64];
	json_escape(title, title_len, esc);
	snprintf(body, sizeof body, "{\"id\":%d,\"title\":\"%s\",\"click_num\":%d}", out_id, esc, clicks);
	answer(req, 200, body);
}

int main(int argc, char **argv)
{
	int procs = argc > 5 ? ceiling_procs(argv[5]) : 2;
	if (argc < 5 || argc > 6 || procs < 0) {
		fprintf(stderr, "usage: ceiling_query SOCKET DB_SOCKET DB_USER DB_NAME [PROCS]\n");
		return 2;
	}
	db_socket = argv[2];
	db_user = argv[3];
	db_name = argv[4];
	return ceiling_run(argv[1], procs, init, serve);
}
