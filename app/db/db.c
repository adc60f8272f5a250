/* db.c — MariaDB connection, reconnect and prepared-statement cache. */
#include "db/db.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/text.h"

struct db_stmt_slot {
	char *sql;      /* heap copy; NULL = empty slot */
	size_t hash;
	MYSQL_STMT *stmt;
};

static char *dup_decoded(const char *s, size_t n)
{
	struct arena a;
	arena_init(&a, 256);
	char *d = percent_decode(&a, s, n, false, NULL);
	char *r = d ? strdup(d) : NULL;
	arena_free(&a);
	return r;
}

void db_url_free(struct db_url *u)
{
	free(u->user);
	free(u->password);
	free(u->host);
	free(u->dbname);
	free(u->socket);
	memset(u, 0, sizeof *u);
}

int db_url_parse(const char *url, struct db_url *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	const char *p = url;
	if (!strncmp(p, "mariadb://", 10))
		p += 10;
	else if (!strncmp(p, "mysql://", 8))
		p += 8;
	else {
		snprintf(err, errlen, "database.url must start with mariadb://");
		return -1;
	}
	const char *slash = strchr(p, '/');
	const char *qm = strchr(p, '?');
	const char *auth_end = slash ? slash : (qm ? qm : p + strlen(p));
	const char *at = memchr(p, '@', (size_t)(auth_end - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		if (colon) {
			out->user = dup_decoded(p, (size_t)(colon - p));
			out->password = dup_decoded(colon + 1, (size_t)(at - colon - 1));
		} else {
			out->user = dup_decoded(p, (size_t)(at - p));
		}
		p = at + 1;
	}
	const char *colon = memchr(p, ':', (size_t)(auth_end - p));
	if (colon) {
		out->host = strndup(p, (size_t)(colon - p));
		long port = strtol(colon + 1, NULL, 10);
		if (port <= 0 || port > 65535) {
			snprintf(err, errlen, "database.url has a bad port");
			db_url_free(out);
			return -1;
		}
		out->port = (unsigned)port;
	} else {
		out->host = strndup(p, (size_t)(auth_end - p));
	}
	if (slash) {
		const char *dbend = qm ? qm : slash + strlen(slash);
		out->dbname = strndup(slash + 1, (size_t)(dbend - slash - 1));
	}
	if (qm) {
		const char *s = strstr(qm + 1, "socket=");
		if (s) {
			const char *e = strchr(s, '&');
			out->socket = dup_decoded(s + 7, e ? (size_t)(e - s - 7) : strlen(s + 7));
		}
	}
	if (!out->dbname || !*out->dbname) {
		snprintf(err, errlen, "database.url names no database");
		db_url_free(out);
		return -1;
	}
	return 0;
}

struct db *db_new(const char *url, char *err, size_t errlen)
{
	struct db *db = calloc(1, sizeof *db);
	if (!db) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (db_url_parse(url, &db->url, err, errlen) < 0) {
		free(db);
		return NULL;
	}
	return db;
}

static void cache_clear(struct db *db)
{
	for (size_t i = 0; i < db->cache_cap; i++) {
		struct db_stmt_slot *s = &db->cache[i];
		if (!s->sql)
			continue;
		if (s->stmt)
			mysql_stmt_close(s->stmt);
		free(s->sql);
		s->sql = NULL;
		s->stmt = NULL;
	}
	db->cache_n = 0;
}

void db_disconnect(struct db *db)
{
	cache_clear(db);
	if (db->conn) {
		mysql_close(db->conn);
		db->conn = NULL;
	}
}

void db_close(struct db *db)
{
	if (!db)
		return;
	db_disconnect(db);
	free(db->cache);
	db_url_free(&db->url);
	free(db);
}

bool db_errno_is_connection(unsigned e)
{
	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
	       e == CR_CONN_HOST_ERROR || e == CR_SERVER_LOST_EXTENDED ||
	       e == ER_CONNECTION_KILLED || e == ER_SERVER_SHUTDOWN || e == CR_COMMANDS_OUT_OF_SYNC;
}

void db_note_error(struct db *db, unsigned errnum, const char *msg)
{
	db->last_errno = errnum;
	snprintf(db->err, sizeof db->err, "%s", msg ? msg : "database error");
	if (db_errno_is_connection(errnum))
		db_disconnect(db);
}

int db_ensure(struct db *db)
{
	if (db->conn)
		return 0;
	MYSQL *m = mysql_init(NULL);
	if (!m) {
		snprintf(db->err, sizeof db->err, "out of memory");
		return -1;
	}
	unsigned timeout = 2;
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	unsigned rw_timeout = 30;
	mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
	mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* UTC everywhere: SPEC 7 stores and shows datetimes in UTC. */
	mysql_optionsv(m, MYSQL_INIT_COMMAND,
		       "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
		       "NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
	const char *host = db->url.socket ? NULL : (db->url.host && *db->url.host ? db->url.host : NULL);
	if (!mysql_real_connect(m, host, db->url.user, db->url.password, db->url.dbname,
				db->url.port, db->url.socket, CLIENT_FOUND_ROWS)) {
		db->last_errno = mysql_errno(m);
		snprintf(db->err, sizeof db->err, "cannot connect to MariaDB: %s", mysql_error(m));
		mysql_close(m);
		return -1;
	}
	db->conn = m;
	db->connects++;
	return 0;
}

static size_t hash_sql(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int cache_grow(struct db *db)
{
	size_t ncap = db->cache_cap ? db->cache_cap * 2 : 64;
	struct db_stmt_slot *n = calloc(ncap, sizeof *n);
	if (!n)
		return -1;
	for (size_t i = 0; i < db->cache_cap; i++) {
		struct db_stmt_slot *s = &db->cache[i];
		if (!s->sql)
			continue;
		size_t j = s->hash & (ncap - 1);
		while (n[j].sql)
			j = (j + 1) & (ncap - 1);
		n[j] = *s;
	}
	free(db->cache);
	db->cache = n;
	db->cache_cap = ncap;
	return 0;
}

MYSQL_STMT *db_prepare(struct db *db, const char *sql)
{
	if (db_ensure(db) < 0)
		return NULL;
	if (db->cache_n * 2 >= db->cache_cap && cache_grow(db) < 0) {
		snprintf(db->err, sizeof db->err, "out of memory");
		return NULL;
	}
	size_t h = hash_sql(sql);
	size_t j = h & (db->cache_cap - 1);
	while (db->cache[j].sql) {
		if (db->cache[j].hash == h && !strcmp(db->cache[j].sql, sql))
			return db->cache[j].stmt;
		j = (j + 1) & (db->cache_cap - 1);
	}
	MYSQL_STMT *st = mysql_stmt_init(db->conn);
	if (!st) {
		snprintf(db->err, sizeof db->err, "out of memory");
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, strlen(sql))) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	char *copy = strdup(sql);
	if (!copy) {
		mysql_stmt_close(st);
		snprintf(db->err, sizeof db->err, "out of memory");
		return NULL;
	}
	db->cache[j].sql = copy;
	db->cache[j].hash = h;
	db->cache[j].stmt = st;
	db->cache_n++;
	return st;
}

int db_stmt_execute(struct db *db, MYSQL_STMT *st)
{
	db->queries++;
	if (mysql_stmt_execute(st)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		return -1;
	}
	db->last_errno = 0;
	return 0;
}

int db_exec(struct db *db, const char *sql)
{
	if (db_ensure(db) < 0)
		return -1;
	db->queries++;
	if (mysql_real_query(db->conn, sql, strlen(sql))) {
		db_note_error(db, mysql_errno(db->conn), mysql_error(db->conn));
		return -1;
	}
	MYSQL_RES *r = mysql_store_result(db->conn);
	if (r)
		mysql_free_result(r);
	db->last_errno = 0;
	return 0;
}

int db_ping(struct db *db)
{
	/* A connection that was open may be stale (the server restarted since):
	 * one failed ping on it earns one fresh connect before we say down. */
	for (int attempt = 0; attempt < 2; attempt++) {
		bool was_connected = db->conn != NULL;
		if (db_ensure(db) < 0)
			return -1;
		db->queries++;
		if (!mysql_ping(db->conn))
			return 0;
		db_note_error(db, mysql_errno(db->conn), mysql_error(db->conn));
		db_disconnect(db);
		if (!was_connected)
			break;
	}
	return -1;
}
