/* throttle.c — login throttling (SPEC section 10), kept in the MariaDB
 * table `login_failure` so that every worker of every host sees the same
 * counts. One row per failed login and per key it counts against: the
 * account (the name as typed, whether it exists or not) and the client
 * address. A login is refused while a key has its limit of rows within
 * auth.failure_window; nothing is hashed for a refused attempt. Times are
 * the database's UTC clock, the same for every host. Owns nothing. */
#include "web/internal.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

#define KIND_ACCOUNT 1
#define KIND_ADDRESS 2
#define IDENT_CHARS 64 /* the ident column holds this many characters */
#define GC_BATCH 1000
#define STR_(x) #x
#define STR(x) STR_(x)

const char web_login_failure_table_ddl[] =
	"CREATE TABLE IF NOT EXISTS `login_failure` (\n"
	"  `id` BIGINT NOT NULL AUTO_INCREMENT,\n"
	"  `kind` TINYINT NOT NULL,\n"          /* 1 account, 2 client address */
	"  `ident` VARCHAR(" STR(IDENT_CHARS) ") NOT NULL,\n"
	"  `failed_at` DATETIME(6) NOT NULL,\n" /* UTC */
	"  PRIMARY KEY (`id`),\n"
	"  KEY `ix_login_failure_ident` (`kind`,`ident`,`failed_at`),\n"
	"  KEY `ix_login_failure_failed_at` (`failed_at`)\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

/* For each kind within the window: how many failures, and how many
 * microseconds ago the oldest of them was. */
static const char sql_count[] =
	"SELECT `kind`, COUNT(*), TIMESTAMPDIFF(MICROSECOND, MIN(`failed_at`), UTC_TIMESTAMP(6)) "
	"FROM `login_failure` "
	"WHERE ((`kind` = " STR(KIND_ACCOUNT) " AND `ident` = ?) OR (`kind` = " STR(KIND_ADDRESS)
	" AND `ident` = ?)) AND `failed_at` > UTC_TIMESTAMP(6) - INTERVAL ? SECOND "
	"GROUP BY `kind`";
static const char sql_insert[] =
	"INSERT INTO `login_failure` (`kind`, `ident`, `failed_at`) VALUES (?, ?, UTC_TIMESTAMP(6))";
static const char sql_reset[] =
	"DELETE FROM `login_failure` WHERE `kind` = " STR(KIND_ACCOUNT) " AND `ident` = ?";
static const char sql_gc[] = "DELETE FROM `login_failure` "
			     "WHERE `failed_at` <= UTC_TIMESTAMP(6) - INTERVAL ? SECOND LIMIT " STR(GC_BATCH);

int web_login_failure_create_table(struct db *db)
{
	return db_exec(db, web_login_failure_table_ddl);
}

/* The first IDENT_CHARS characters of s (valid UTF-8): their byte length. */
static unsigned long ident_len(const char *s)
{
	size_t n = 0, chars = 0;
	while (s[n]) {
		if (((unsigned char)s[n] & 0xC0) != 0x80 && ++chars > IDENT_CHARS)
			break;
		n++;
	}
	return (unsigned long)n;
}

/* The client address as nginx passed it (REMOTE_ADDR; behind a trusted
 * proxy, nginx's realip module puts the client's address there). */
static const char *client_address(struct http_request *req)
{
	const char *a = http_req_env(req, "REMOTE_ADDR");
	return a ? a : "";
}

static void bind_str(MYSQL_BIND *b, const char *s, unsigned long *len)
{
	*len = ident_len(s);
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = (void *)s;
	b->buffer_length = *len;
	b->length = len;
}

int web_login_throttled(struct http_request *req, const char *account, long *retry_after)
{
	struct db *db = web_db(req);
	const struct config *cfg = req->cfg;
	*retry_after = 0;
	const char *addr = client_address(req);
	/* No account (an API login without a name): a kind-1 row never has
	 * this ident, a control character no form or JSON string carries. */
	const char *acct = account ? account : "\x01";
	MYSQL_STMT *st = NULL;
	/* The login's first statement: on a connection that died since the
	 * last request it fails at once; one fresh connect and again (a read,
	 * safe to repeat). */
	for (int attempt = 0; attempt < 2; attempt++) {
		bool had_conn = db->conn != NULL;
		st = db_prepare(db, sql_count);
		if (st) {
			unsigned long alen, blen;
			long long window = cfg->auth_failure_window;
			MYSQL_BIND p[3];
			memset(p, 0, sizeof p);
			bind_str(&p[0], acct, &alen);
			bind_str(&p[1], addr, &blen);
			p[2].buffer_type = MYSQL_TYPE_LONGLONG;
			p[2].buffer = &window;
			if (mysql_stmt_bind_param(st, p)) {
				web_stmt_fail(db, st);
				return -1;
			}
			if (db_stmt_execute(db, st) == 0)
				break;
		}
		if (!had_conn || db->conn || !db_errno_is_connection(db->last_errno))
			return -1;
		st = NULL;
	}
	if (!st)
		return -1;
	signed char kind = 0;
	long long count = 0, age_us = 0;
	MYSQL_BIND r[3];
	memset(r, 0, sizeof r);
	r[0].buffer_type = MYSQL_TYPE_TINY;
	r[0].buffer = &kind;
	r[1].buffer_type = MYSQL_TYPE_LONGLONG;
	r[1].buffer = &count;
	r[2].buffer_type = MYSQL_TYPE_LONGLONG;
	r[2].buffer = &age_us;
	if (mysql_stmt_bind_result(st, r) || mysql_stmt_store_result(st)) {
		web_stmt_fail(db, st);
		return -1;
	}
	int throttled = 0;
	int frc;
	while ((frc = mysql_stmt_fetch(st)) == 0) {
		long limit = kind == KIND_ACCOUNT ? cfg->auth_account_failures : cfg->auth_address_failures;
		if (count < limit)
			continue;
		/* Allowed again when the oldest counted failure leaves the
		 * window: the count is then below the limit (refused attempts
		 * add no row). */
		long long left_us = (long long)cfg->auth_failure_window * 1000000 - age_us;
		long secs = (long)((left_us + 999999) / 1000000);
		if (secs < 1)
			secs = 1;
		if (secs > *retry_after)
			*retry_after = secs;
		throttled = 1;
	}
	if (frc != MYSQL_NO_DATA) {
		web_stmt_fail(db, st);
		return -1;
	}
	mysql_stmt_free_result(st);
	return throttled;
}

struct failure_txn {
	const char *account, *address;
};

static int insert_one(struct db *db, signed char kind, const char *ident)
{
	MYSQL_STMT *st = db_prepare(db, sql_insert);
	if (!st)
		return -1;
	unsigned long len;
	MYSQL_BIND p[2];
	memset(p, 0, sizeof p);
	p[0].buffer_type = MYSQL_TYPE_TINY;
	p[0].buffer = &kind;
	bind_str(&p[1], ident, &len);
	if (mysql_stmt_bind_param(st, p)) {
		web_stmt_fail(db, st);
		return -1;
	}
	return db_stmt_execute(db, st);
}

static int failure_run(struct db *db, void *arg)
{
	struct failure_txn *t = arg;
	if (t->account && insert_one(db, KIND_ACCOUNT, t->account) < 0)
		return -1;
	return insert_one(db, KIND_ADDRESS, t->address);
}

int web_login_failed(struct http_request *req, const char *account)
{
	struct failure_txn t = {.account = account, .address = client_address(req)};
	return db_retry(web_db(req), true, failure_run, &t);
}

static int reset_run(struct db *db, void *arg)
{
	const char *account = arg;
	MYSQL_STMT *st = db_prepare(db, sql_reset);
	if (!st)
		return -1;
	unsigned long len;
	MYSQL_BIND p[1];
	memset(p, 0, sizeof p);
	bind_str(&p[0], account, &len);
	if (mysql_stmt_bind_param(st, p)) {
		web_stmt_fail(db, st);
		return -1;
	}
	return db_stmt_execute(db, st);
}

int web_login_succeeded(struct http_request *req, const char *account)
{
	/* A DELETE that finds nothing is harmless to run twice. */
	return db_retry(web_db(req), false, reset_run, (void *)account);
}

long long web_login_failure_gc(struct db *db, long window)
{
	long long w = window;
	return web_delete_batches(db, sql_gc, &w, GC_BATCH);
}
