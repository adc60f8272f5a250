/* db.c — MariaDB connection, reconnect and prepared-statement cache. */
#include "db/db.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/text.h"

struct db_stmt_slot {
	char *sql;      /* heap copy; NULL = empty slot */
	size_t len;     /* strlen(sql) */
	size_t hash;
	MYSQL_STMT *stmt;
};

static char *dup_decoded(const char *s, size_t n)
{
	struct arena a;
	arena_init(&a, 256);
	char *d = text_percent_decode(&a, s, n, false, NULL);
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
	for (size_t i = 0; i < u->nhosts; i++)
		free(u->hosts[i].name);
	free(u->hosts);
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
	/* host[:port][,host[:port]...] */
	size_t nhosts = 1;
	for (const char *c = p; c < auth_end; c++)
		nhosts += *c == ',';
	out->hosts = calloc(nhosts, sizeof *out->hosts);
	if (!out->hosts) {
		snprintf(err, errlen, "out of memory");
		db_url_free(out);
		return -1;
	}
	for (const char *h = p; h <= auth_end;) {
		const char *end = memchr(h, ',', (size_t)(auth_end - h));
		if (!end)
			end = auth_end;
		struct db_host *dh = &out->hosts[out->nhosts];
		const char *colon = memchr(h, ':', (size_t)(end - h));
		if (colon) {
			char *e;
			long port = strtol(colon + 1, &e, 10);
			if (port <= 0 || port > 65535 || e != end) {
				snprintf(err, errlen, "database.url has a bad port");
				db_url_free(out);
				return -1;
			}
			dh->port = (unsigned)port;
		}
		dh->name = strndup(h, (size_t)((colon ? colon : end) - h));
		if (!dh->name) {
			snprintf(err, errlen, "out of memory");
			db_url_free(out);
			return -1;
		}
		out->nhosts++;
		if (nhosts > 1 && !*dh->name) {
			snprintf(err, errlen, "database.url has an empty host in its list");
			db_url_free(out);
			return -1;
		}
		h = end + 1;
	}
	out->host = strdup(out->hosts[0].name);
	out->port = out->hosts[0].port;
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

struct db_options db_options_from_config(const struct config *cfg)
{
	struct db_options o = DB_OPTIONS_DEFAULT;
	o.connect_timeout = (unsigned)cfg->db_connect_timeout;
	o.read_timeout = (unsigned)cfg->db_read_timeout;
	o.sync_wait = cfg->db_sync_wait;
	return o;
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
	db->opt = (struct db_options)DB_OPTIONS_DEFAULT;
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
		metrics_db_node(-1);
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
	       e == ER_CONNECTION_KILLED || e == ER_SERVER_SHUTDOWN || e == CR_COMMANDS_OUT_OF_SYNC ||
	       e == ER_UNKNOWN_COM_ERROR /* 1047: Galera node not ready */ ||
	       /* 1180: the commit failed; on Galera, a node that left the
	        * primary component says so for a one-statement write
	        * ("Error while appending streaming replication fragment"):
	        * the work is rolled back, the node unusable */
	       e == ER_ERROR_DURING_COMMIT;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The operation started at db->op_start_ms failed with a connection
 * error after waiting out most of timeout_s: the server is hung, not
 * gone. Hold off connecting for connect_timeout seconds. */
static void note_hang(struct db *db, unsigned timeout_s)
{
	long long now = now_ms();
	if (!timeout_s || !db->op_start_ms || now - db->op_start_ms < (long long)timeout_s * 1000 - 300)
		return;
	unsigned hold = db->opt.connect_timeout ? db->opt.connect_timeout : 2;
	db->hold_until_ms = now + (long long)hold * 1000;
}

void db_note_error(struct db *db, unsigned errnum, const char *msg)
{
	db->last_errno = errnum;
	snprintf(db->err, sizeof db->err, "%s", msg ? msg : "database error");
	if (db_errno_is_connection(errnum)) {
		note_hang(db, db->opt.read_timeout);
		db_disconnect(db);
	}
}

bool db_held(const struct db *db)
{
	return db->hold_until_ms && now_ms() < db->hold_until_ms;
}

/* One text query of constant SQL (no values): the first column of the
 * first row into out (may be NULL). 0, or the MariaDB error number. */
static unsigned query_value(MYSQL *m, const char *sql, char *out, size_t n)
{
	if (out && n)
		*out = '\0';
	if (mysql_real_query(m, sql, strlen(sql)))
		return mysql_errno(m) ? mysql_errno(m) : CR_UNKNOWN_ERROR;
	MYSQL_RES *r = mysql_store_result(m);
	if (!r)
		return mysql_errno(m);
	MYSQL_ROW row = mysql_fetch_row(r);
	if (row && row[0] && out && n)
		snprintf(out, n, "%s", row[0]);
	mysql_free_result(r);
	return 0;
}

/* Is the server behind m usable? Sets *galera. 0 = usable, else the reason
 * in err. A Galera node must be a synced member of the primary component. */
static int server_usable(struct db *db, MYSQL *m, bool *galera, char *err, size_t n)
{
	char v[32];
	*galera = false;
	unsigned e = query_value(m, "SELECT @@global.wsrep_on", v, sizeof v);
	if (e == ER_UNKNOWN_SYSTEM_VARIABLE)
		return 0; /* a server built without wsrep */
	if (e) {
		snprintf(err, n, "%s", mysql_error(m));
		return -1;
	}
	if (strcmp(v, "1") && strcasecmp(v, "ON"))
		return 0;
	*galera = true;
	MYSQL_RES *r = NULL;
	const char *sql = "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state')";
	if (mysql_real_query(m, sql, strlen(sql)) || !(r = mysql_store_result(m))) {
		snprintf(err, n, "%s", mysql_error(m));
		return -1;
	}
	bool ready = false, synced = false;
	for (MYSQL_ROW row; (row = mysql_fetch_row(r));) {
		if (!row[0] || !row[1])
			continue;
		if (!strcasecmp(row[0], "wsrep_ready"))
			ready = !strcasecmp(row[1], "ON");
		else if (!strcasecmp(row[0], "wsrep_local_state"))
			synced = !strcmp(row[1], "4");
	}
	mysql_free_result(r);
	if (!ready || !synced) {
		snprintf(err, n, "Galera node not ready (wsrep_ready %s, wsrep_local_state %s)",
			 ready ? "ON" : "OFF", synced ? "4 Synced" : "not Synced");
		return -1;
	}
	if (db->opt.sync_wait != 0 && query_value(m, "SET SESSION wsrep_sync_wait = 1", NULL, 0)) {
		snprintf(err, n, "%s", mysql_error(m));
		return -1;
	}
	return 0;
}

/* Connect to host i and check it is usable; the connection or NULL. */
static MYSQL *connect_host(struct db *db, size_t i, bool *galera, char *err, size_t n)
{
	MYSQL *m = mysql_init(NULL);
	if (!m) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	unsigned timeout = db->opt.connect_timeout ? db->opt.connect_timeout : 2;
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (db->opt.read_timeout) {
		unsigned rw_timeout = db->opt.read_timeout;
		mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
		mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
	}
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* UTC everywhere: SPEC 7 stores and shows datetimes in UTC. */
	mysql_optionsv(m, MYSQL_INIT_COMMAND,
		       "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
		       "NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
	const struct db_host *h = &db->url.hosts[i];
	const char *host = db->url.socket ? NULL : (*h->name ? h->name : NULL);
	if (!mysql_real_connect(m, host, db->url.user, db->url.password, db->url.dbname, h->port,
				db->url.socket, CLIENT_FOUND_ROWS)) {
		db->last_errno = mysql_errno(m);
		snprintf(err, n, "%s", mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	if (server_usable(db, m, galera, err, n) < 0) {
		db->last_errno = ER_UNKNOWN_COM_ERROR;
		mysql_close(m);
		return NULL;
	}
	return m;
}

int db_ensure(struct db *db)
{
	if (db->conn)
		return 0;
	if (db_held(db)) {
		db->unreachable = true;
		db->last_errno = CR_CONNECTION_ERROR;
		snprintf(db->err, sizeof db->err,
			 "MariaDB did not answer within its timeout; not trying again for %lld ms",
			 db->hold_until_ms - now_ms());
		return -1;
	}
	char why[200] = "";
	size_t nh = db->url.socket ? 1 : db->url.nhosts;
	for (size_t i = 0; i < nh; i++) {
		bool galera;
		db->op_start_ms = now_ms();
		MYSQL *m = connect_host(db, i, &galera, why, sizeof why);
		if (!m) {
			note_hang(db, db->opt.connect_timeout ? db->opt.connect_timeout : 2);
			continue;
		}
		if (db->connects) {
			metrics_count(METRICS_DB_RECONNECTS);
			if (i != db->host_idx)
				metrics_count(METRICS_DB_NODE_SWITCHES);
		}
		metrics_db_node((long)i);
		db->conn = m;
		db->galera = galera;
		db->host_idx = i;
		db->unreachable = false;
		db->probe_wait_ms = 0;
		db->next_probe_ms = now_ms() + 2000;
		db->connects++;
		return 0;
	}
	db->unreachable = true;
	if (db->last_errno == 0)
		db->last_errno = CR_CONNECTION_ERROR;
	if (nh > 1)
		snprintf(db->err, sizeof db->err, "cannot connect to MariaDB: no usable host of %zu (last: %.160s)",
			 nh, why);
	else
		snprintf(db->err, sizeof db->err, "cannot connect to MariaDB: %.200s", why);
	return -1;
}

void db_idle_check(struct db *db)
{
	if (!db->conn || db->host_idx == 0)
		return;
	long long now = now_ms();
	if (now < db->next_probe_ms)
		return;
	/* A failed look doubles the wait before the next (2 s .. 16 s): an
	 * earlier host that is hung rather than down costs a request its
	 * connect_timeout only now and then, not every 2 s. */
	db->probe_wait_ms = db->probe_wait_ms ? db->probe_wait_ms * 2 : 2000;
	if (db->probe_wait_ms > 16000)
		db->probe_wait_ms = 16000;
	db->next_probe_ms = now + db->probe_wait_ms;
	char why[200];
	for (size_t i = 0; i < db->host_idx; i++) {
		bool galera;
		MYSQL *m = connect_host(db, i, &galera, why, sizeof why);
		if (!m)
			continue;
		db->probe_wait_ms = 0;
		/* an earlier host is usable again: every host of the cluster
		 * converges on the same (first usable) node */
		db_disconnect(db);
		metrics_count(METRICS_DB_NODE_SWITCHES);
		metrics_db_node((long)i);
		db->conn = m;
		db->galera = galera;
		db->host_idx = i;
		db->connects++;
		return;
	}
}

const char *db_host_name(const struct db *db, char *buf, size_t n)
{
	if (!db->conn || db->url.socket)
		snprintf(buf, n, "%s", db->conn ? db->url.socket : "-");
	else
		snprintf(buf, n, "%s:%u", db->url.hosts[db->host_idx].name,
			 db->url.hosts[db->host_idx].port ? db->url.hosts[db->host_idx].port : 3306);
	return buf;
}

/* The hash of the n bytes of s: eight bytes a step (every statement a
 * request runs is looked up by its text, a few hundred bytes each). */
static size_t hash_sql(const char *s, size_t n)
{
	uint64_t h = UINT64_C(1469598103934665603) ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * UINT64_C(0x9E3779B97F4A7C15);
		h ^= h >> 29;
	}
	if (i < n) {
		uint64_t w = 0;
		memcpy(&w, s + i, n - i);
		h = (h ^ w) * UINT64_C(0x9E3779B97F4A7C15);
		h ^= h >> 29;
	}
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 32;
	return (size_t)h;
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
	size_t len = strlen(sql);
	size_t h = hash_sql(sql, len);
	size_t j = h & (db->cache_cap - 1);
	while (db->cache[j].sql) {
		if (db->cache[j].hash == h && db->cache[j].len == len &&
		    !memcmp(db->cache[j].sql, sql, len))
			return db->cache[j].stmt;
		j = (j + 1) & (db->cache_cap - 1);
	}
	MYSQL_STMT *st = mysql_stmt_init(db->conn);
	if (!st) {
		snprintf(db->err, sizeof db->err, "out of memory");
		return NULL;
	}
	db->op_start_ms = now_ms();
	if (mysql_stmt_prepare(st, sql, len)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	db->op_start_ms = 0;
	char *copy = malloc(len + 1);
	if (copy)
		memcpy(copy, sql, len + 1);
	if (!copy) {
		mysql_stmt_close(st);
		snprintf(db->err, sizeof db->err, "out of memory");
		return NULL;
	}
	db->cache[j].sql = copy;
	db->cache[j].len = len;
	db->cache[j].hash = h;
	db->cache[j].stmt = st;
	db->cache_n++;
	return st;
}

int db_stmt_execute(struct db *db, MYSQL_STMT *st)
{
	db->queries++;
	metrics_count(METRICS_DB_STATEMENTS);
	db->op_start_ms = now_ms();
	if (mysql_stmt_execute(st)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		return -1;
	}
	db->last_errno = 0;
	db->op_start_ms = 0;
	return 0;
}

int db_exec(struct db *db, const char *sql)
{
	if (db_ensure(db) < 0)
		return -1;
	db->queries++;
	metrics_count(METRICS_DB_STATEMENTS);
	db->op_start_ms = now_ms();
	if (mysql_real_query(db->conn, sql, strlen(sql))) {
		db_note_error(db, mysql_errno(db->conn), mysql_error(db->conn));
		return -1;
	}
	MYSQL_RES *r = mysql_store_result(db->conn);
	if (r)
		mysql_free_result(r);
	db->last_errno = 0;
	db->op_start_ms = 0;
	return 0;
}

/* True when db's connection is inside a transaction (START TRANSACTION
 * seen, no COMMIT or ROLLBACK yet), as the server last said. */
static bool in_transaction(struct db *db)
{
	unsigned int status = 0;
	if (!db->conn || mariadb_get_infov(db->conn, MARIADB_CONNECTION_SERVER_STATUS, &status))
		return false;
	return (status & SERVER_STATUS_IN_TRANS) != 0;
}

static void bind_value(MYSQL_BIND *b, const struct db_val *v)
{
	static char empty[1];
	memset(b, 0, sizeof *b);
	switch (v->type) {
	case DB_NULL:
		b->buffer_type = MYSQL_TYPE_NULL;
		break;
	case DB_INT:
		b->buffer_type = MYSQL_TYPE_LONGLONG;
		b->buffer = (void *)&v->i;
		break;
	case DB_DOUBLE:
		b->buffer_type = MYSQL_TYPE_DOUBLE;
		b->buffer = (void *)&v->d;
		break;
	case DB_TEXT:
	case DB_BLOB:
	case DB_DECIMAL:
		b->buffer_type = v->type == DB_BLOB ? MYSQL_TYPE_BLOB
			       : v->type == DB_DECIMAL ? MYSQL_TYPE_NEWDECIMAL
						       : MYSQL_TYPE_STRING;
		b->buffer = v->s.p ? (void *)v->s.p : empty;
		b->buffer_length = v->s.n;
		break;
	case DB_DATE:
	case DB_TIME:
	case DB_DATETIME:
		b->buffer_type = v->type == DB_DATE ? MYSQL_TYPE_DATE
			       : v->type == DB_TIME ? MYSQL_TYPE_TIME
						    : MYSQL_TYPE_DATETIME;
		b->buffer = (void *)&v->t;
		break;
	}
}

/* Prepare, bind and execute once. 0, or -1 with db->err. */
static int stmt_run_once(struct db *db, const char *sql, MYSQL_BIND *binds, size_t n,
			 MYSQL_STMT **out)
{
	MYSQL_STMT *st = db_prepare(db, sql);
	if (!st)
		return -1;
	if (mysql_stmt_param_count(st) != n) {
		db->last_errno = CR_INVALID_PARAMETER_NO;
		snprintf(db->err, sizeof db->err, "statement wants %lu parameters, got %zu",
			 mysql_stmt_param_count(st), n);
		return -1;
	}
	if (n && mysql_stmt_bind_param(st, binds)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		return -1;
	}
	if (db_stmt_execute(db, st) < 0) {
		/* A statement with a result set (INSERT ... RETURNING) that
		 * failed is left mid-state by the connector: the next execute
		 * would read a packet that never comes. */
		if (db->conn)
			mysql_stmt_reset(st);
		return -1;
	}
	*out = st;
	return 0;
}

int db_stmt_run(struct db *db, const char *sql, const struct db_val *params, size_t n,
		MYSQL_STMT **out)
{
	*out = NULL;
	MYSQL_BIND small[8];
	MYSQL_BIND *binds = n <= 8 ? small : calloc(n, sizeof *binds);
	if (!binds) {
		db->last_errno = 0;
		snprintf(db->err, sizeof db->err, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		bind_value(&binds[i], &params[i]);
	int rc = -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		bool had_conn = db->conn != NULL;
		bool txn = in_transaction(db);
		rc = stmt_run_once(db, sql, binds, n, out);
		if (rc == 0 || !had_conn || txn || !db_errno_is_connection(db->last_errno) || db_held(db))
			break;
	}
	if (binds != small)
		free(binds);
	return rc;
}

/* How a result column is fetched. */
static enum db_type column_type(const MYSQL_FIELD *f)
{
	switch (f->type) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		return DB_INT;
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE:
		return DB_DOUBLE;
	case MYSQL_TYPE_DECIMAL:
	case MYSQL_TYPE_NEWDECIMAL:
		return DB_DECIMAL;
	case MYSQL_TYPE_DATE:
	case MYSQL_TYPE_NEWDATE:
		return DB_DATE;
	case MYSQL_TYPE_TIME:
		return DB_TIME;
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_TIMESTAMP:
		return DB_DATETIME;
	default:
		return f->charsetnr == 63 /* binary */ ? DB_BLOB : DB_TEXT;
	}
}

/* The result of st (described by meta, freed here), row by row, to fn.
 * The number of rows, or -1. */
static long long fetch_rows(struct db *db, MYSQL_STMT *st, MYSQL_RES *meta, struct arena *a,
			    db_row_fn fn, void *ctx)
{
	long long rows = -1;
	unsigned nc = mysql_num_fields(meta);
	MYSQL_FIELD *f = mysql_fetch_fields(meta);
	MYSQL_BIND *b = calloc(nc, sizeof *b);
	struct db_val *v = calloc(nc, sizeof *v);
	enum db_type *type = calloc(nc, sizeof *type);
	unsigned long *len = calloc(nc, sizeof *len);
	my_bool *null = calloc(nc, sizeof *null);
	if (!b || !v || !type || !len || !null) {
		db->last_errno = 0;
		snprintf(db->err, sizeof db->err, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < nc; i++) {
		type[i] = column_type(&f[i]);
		b[i].is_null = &null[i];
		b[i].length = &len[i];
		switch (type[i]) {
		case DB_INT:
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = &v[i].i;
			break;
		case DB_DOUBLE:
			b[i].buffer_type = MYSQL_TYPE_DOUBLE;
			b[i].buffer = &v[i].d;
			break;
		case DB_DATE:
		case DB_TIME:
		case DB_DATETIME:
			b[i].buffer_type = f[i].type;
			b[i].buffer = &v[i].t;
			break;
		default:
			/* No buffer: the length is learnt, then the column is
			 * fetched into the arena. */
			b[i].buffer_type = MYSQL_TYPE_STRING;
			break;
		}
	}
	/* Freed before anything can close st (a connection error closes
	 * every cached statement). */
	mysql_free_result(meta);
	meta = NULL;
	if (mysql_stmt_bind_result(st, b) || mysql_stmt_store_result(st)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		goto out;
	}
	long long count = 0;
	int frc;
	while ((frc = mysql_stmt_fetch(st)) == 0 || frc == MYSQL_DATA_TRUNCATED) {
		for (unsigned i = 0; i < nc; i++) {
			v[i].type = null[i] ? DB_NULL : type[i];
			if (null[i] || (type[i] != DB_TEXT && type[i] != DB_BLOB && type[i] != DB_DECIMAL))
				continue;
			char *p = a ? arena_alloc(a, (size_t)len[i] + 1) : NULL;
			if (!p) {
				db->last_errno = 0;
				snprintf(db->err, sizeof db->err, a ? "out of memory" : "no arena for a string column");
				goto out;
			}
			MYSQL_BIND c;
			memset(&c, 0, sizeof c);
			c.buffer_type = MYSQL_TYPE_STRING;
			c.buffer = p;
			c.buffer_length = len[i];
			if (len[i] && mysql_stmt_fetch_column(st, &c, i, 0)) {
				db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
				goto out;
			}
			p[len[i]] = '\0';
			v[i].s.p = p;
			v[i].s.n = len[i];
		}
		count++;
		int r = fn(ctx, v, nc);
		if (r < 0)
			goto out;
		if (r > 0) {
			frc = MYSQL_NO_DATA;
			break;
		}
	}
	if (frc != MYSQL_NO_DATA) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		goto out;
	}
	rows = count;
out:
	if (meta)
		mysql_free_result(meta);
	free(b);
	free(v);
	free(type);
	free(len);
	free(null);
	return rows;
}

long long db_query(struct db *db, struct arena *a, const char *sql, const struct db_val *params,
		   size_t n, db_row_fn fn, void *ctx)
{
	db->insert_id = 0;
	MYSQL_STMT *st;
	if (db_stmt_run(db, sql, params, n, &st) < 0)
		return -1;
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	if (!meta) {
		db->insert_id = mysql_stmt_insert_id(st);
		return (long long)mysql_stmt_affected_rows(st);
	}
	long long rows = 0;
	if (fn)
		rows = fetch_rows(db, st, meta, a, fn, ctx);
	else
		mysql_free_result(meta);
	/* A connection error above closed st with every cached statement.
	 * After an error inside the result (a deadlock found while reading
	 * the rows of SELECT ... FOR UPDATE), mysql_stmt_free_result() would
	 * leave st expecting a packet that never comes: its next execute
	 * hangs until read_timeout. mysql_stmt_reset() brings it back. */
	if (db->conn) {
		if (rows < 0)
			mysql_stmt_reset(st);
		else
			mysql_stmt_free_result(st);
	}
	return rows;
}

bool db_errno_is_retryable(unsigned e)
{
	return e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT;
}

bool db_unavailable(const struct db *db)
{
	return db->unreachable || !db->conn || db_held(db) || db_errno_is_connection(db->last_errno) ||
	       db_errno_is_retryable(db->last_errno);
}

void db_backoff(unsigned attempt)
{
	static uint64_t x;
	if (!x) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		x = ((uint64_t)getpid() << 32) ^ (uint64_t)t.tv_nsec ^ UINT64_C(0x9E3779B97F4A7C15);
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	unsigned span = 4u << (attempt < 5 ? attempt : 5);
	unsigned ms = 1 + (unsigned)(((x * UINT64_C(2685821657736338717)) >> 33) % span);
	struct timespec d = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};
	nanosleep(&d, NULL);
}

int db_retry(struct db *db, bool txn, db_txn_fn fn, void *arg)
{
	unsigned e = 0;
	for (unsigned attempt = 0; attempt < DB_RETRY_ATTEMPTS; attempt++) {
		if (attempt) {
			db_backoff(attempt - 1);
			metrics_count(METRICS_DB_TXN_RETRIES);
		}
		bool committing = false;
		if (!txn || db_exec(db, "START TRANSACTION") == 0) {
			if (fn(db, arg) == 0) {
				if (!txn)
					return 0;
				committing = true;
				if (db_exec(db, "COMMIT") == 0)
					return 0;
			}
		}
		e = db->last_errno;
		char msg[sizeof db->err];
		memcpy(msg, db->err, sizeof msg);
		if (txn && db->conn)
			db_exec(db, "ROLLBACK");
		db->last_errno = e;
		memcpy(db->err, msg, sizeof msg);
		bool again = db_errno_is_retryable(e) ||
			     (db_errno_is_connection(e) && !committing && !db->unreachable);
		if (!again)
			return -1;
	}
	db->last_errno = e;
	return -1;
}

int db_ping(struct db *db)
{
	/* A real statement, not COM_PING: on a Galera node outside the
	 * primary component COM_PING succeeds while SELECT 1 fails with 1047.
	 * A connection that was open may be stale (the server restarted
	 * since, or its node left the primary component): db_stmt_run's one
	 * fresh connect — to the next usable host — comes before we say down. */
	if (db_query(db, NULL, "SELECT 1", NULL, 0, NULL, NULL) < 0) {
		/* Whatever failed, the next check starts on a new connection. */
		db_disconnect(db);
		return -1;
	}
	return 0;
}
