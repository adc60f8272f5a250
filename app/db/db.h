/* db.h — one MariaDB connection per worker: URL parsing, lazy connect and
 * reconnect after the server went away, a prepared-statement cache keyed by
 * SQL text, and a per-request statement counter (X-Flacon-Queries).
 * The connection owns every cached MYSQL_STMT; callers never close them. */
#ifndef FLACON_DB_H
#define FLACON_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <mysql.h>

struct db_host {
	char *name; /* host name or address */
	unsigned port; /* 0 = the default (3306) */
};

struct db_url {
	char *user, *password, *host, *dbname, *socket; /* host, port: the first of hosts */
	unsigned port;
	struct db_host *hosts; /* every host of "h1:p1,h2:p2,h3", in order (at least one) */
	size_t nhosts;
};

/* Parse "mariadb://user:pass@host:port/db?socket=path" (percent-decoded
 * user and password). The host part may be a comma list of host[:port]
 * (a cluster: SPEC section 11). Relative socket paths are kept as given.
 * Returns 0, or -1 with a message in err. Free with db_url_free(). */
int db_url_parse(const char *url, struct db_url *out, char *err, size_t errlen);
void db_url_free(struct db_url *u);

/* How a connection is made (database.* of the configuration). */
struct db_options {
	unsigned connect_timeout; /* seconds per host tried */
	unsigned read_timeout;    /* seconds a statement may wait for the server; 0 = no limit */
	int sync_wait;            /* wsrep_sync_wait = 1 on a Galera node: -1 auto (on), 0 off, 1 on */
};
#define DB_OPTIONS_DEFAULT {.connect_timeout = 2, .read_timeout = 30, .sync_wait = -1}

struct db {
	MYSQL *conn;            /* NULL while disconnected */
	struct db_url url;
	struct db_options opt;
	unsigned long queries;  /* statements executed since the last reset */
	unsigned long connects; /* successful connects (tests, logs) */
	char err[256];          /* last error, one line */
	unsigned last_errno;    /* last MariaDB error number (0 = none) */
	struct db_stmt_slot *cache;
	size_t cache_cap, cache_n;
	size_t host_idx;        /* url.hosts[host_idx] is the connected host */
	bool galera;            /* the connected server is a Galera node */
	bool unreachable;       /* the last connect found no usable host */
	long long next_probe_ms; /* when a worker on a later host looks at the earlier ones again */
	long long probe_wait_ms; /* the wait after the last look (doubles while they stay unusable) */
	long long op_start_ms;  /* when the statement or connect now running began */
	long long hold_until_ms; /* a hung server: no connect before this (fail fast, 503) */
	unsigned long long insert_id; /* the last db_query()'s AUTO_INCREMENT id (0: none) */
};

struct config;
/* The options of cfg's database.* keys. */
struct db_options db_options_from_config(const struct config *cfg);

/* Make a handle for url; no connection is made yet. NULL on a bad URL
 * (message in err) or out of memory. Free with db_close(). */
struct db *db_new(const char *url, char *err, size_t errlen);
void db_close(struct db *db);
/* Connect if not connected: to the first host of the list that answers and
 * is usable — on Galera a synced member of the primary component
 * (wsrep_ready = ON, wsrep_local_state = 4), with wsrep_sync_wait = 1 unless
 * options say otherwise. Returns 0, or -1 (db->err says why). */
int db_ensure(struct db *db);
/* Between requests: a connection on a later host of the list moves back
 * to an earlier one as soon as that is usable again (looked at every few
 * seconds, never inside a transaction). */
void db_idle_check(struct db *db);
/* A host name for logs: "h:p" of the connected host, or "-". */
const char *db_host_name(const struct db *db, char *buf, size_t n);
/* Drop the connection and every cached statement (after a lost server). */
void db_disconnect(struct db *db);
/* True when errnum means the connection is gone or its server unusable
 * (1047: a Galera node outside the primary component; 1180: a commit that
 * failed — on Galera, a node that left the primary component during a
 * write): reconnect next time, to the next usable host. */
bool db_errno_is_connection(unsigned errnum);
/* Record a MariaDB error (from a stmt or the connection): sets err and
 * last_errno; a connection error also disconnects. */
void db_note_error(struct db *db, unsigned errnum, const char *msg);
/* ---- Statements with typed values --------------------------------------
 * The one path a statement takes (the ORM's and the web layer's alike):
 * prepare (cached), bind typed values, execute, fetch — and, when the
 * connection turns out to be dead, one fresh connect (to the next usable
 * host) and the statement again. That happens only when all of these hold:
 * it is the first attempt; a connection was open before the statement (a
 * connect that just failed has tried every host already); the error is a
 * connection error (db_errno_is_connection); the connection was not inside
 * a transaction (its work is gone with it: the caller — db_retry() or the
 * ORM's transaction — must start again, not one statement of it); and the
 * server is not held for hanging (db_held). A write retried so had not
 * been applied (the connection was gone before it was sent, or a node out
 * of the primary component refused or rolled it back: 1047, 1180) — except
 * when the connection broke while the server ran it in autocommit, where
 * it may have committed: a write that must not run twice belongs in a
 * transaction (db_retry(), orm_transaction), whose statements are never
 * retried one by one. */
enum db_type {
	DB_NULL,
	DB_INT,      /* i */
	DB_DOUBLE,   /* d */
	DB_TEXT,     /* s: text in the connection's character set (utf8mb4) */
	DB_BLOB,     /* s: bytes */
	DB_DECIMAL,  /* s: digits as text, sent as DECIMAL so comparisons stay exact */
	DB_DATE,     /* t */
	DB_TIME,     /* t */
	DB_DATETIME, /* t (also TIMESTAMP columns) */
};

struct db_val {
	enum db_type type;
	union {
		long long i;
		double d;
		struct {
			const char *p; /* not copied; NULL with n == 0 is the empty string */
			size_t n;
		} s;
		MYSQL_TIME t;
	};
};

static inline struct db_val db_v_null(void)
{
	return (struct db_val){.type = DB_NULL};
}
static inline struct db_val db_v_int(long long i)
{
	return (struct db_val){.type = DB_INT, .i = i};
}
static inline struct db_val db_v_double(double d)
{
	return (struct db_val){.type = DB_DOUBLE, .d = d};
}
static inline struct db_val db_v_text(const char *p, size_t n)
{
	return (struct db_val){.type = DB_TEXT, .s = {p, n}};
}
static inline struct db_val db_v_blob(const void *p, size_t n)
{
	return (struct db_val){.type = DB_BLOB, .s = {p, n}};
}

/* Run sql with params[0..n) (the statement's ? in order) under the retry
 * rule above. On success *out is the executed statement, owned by db; a
 * result set, if it has one, is pending: the caller fetches it (binding
 * its own MYSQL_BIND) and must call mysql_stmt_free_result() before the
 * next statement — mysql_stmt_reset() instead after an error while
 * fetching (a deadlock found while reading SELECT ... FOR UPDATE): freed,
 * the statement would wait for a packet that never comes at its next
 * execute. 0, or -1 with db->err and db->last_errno (a wrong number of
 * parameters: last_errno CR_INVALID_PARAMETER_NO). */
int db_stmt_run(struct db *db, const char *sql, const struct db_val *params, size_t n,
		MYSQL_STMT **out);

/* One row of a result: cols[0..ncols) typed by their column (integers
 * DB_INT, floating point DB_DOUBLE, DECIMAL DB_DECIMAL, binary strings
 * DB_BLOB, other strings DB_TEXT, temporal types DB_DATE/TIME/DATETIME,
 * NULL DB_NULL). Strings are NUL-terminated copies in the arena given to
 * db_query(); the array itself is valid during the call only. Return 0 for
 * the next row, 1 to stop (the rest is discarded), -1 to fail the query
 * (having written db->err). */
typedef int (*db_row_fn)(void *ctx, const struct db_val *cols, size_t ncols);

struct arena;
/* db_stmt_run(), then every row of the result to fn(ctx, ...) (fn may be
 * NULL: the rows are discarded; fn must not run statements on db).
 * Returns the number of rows the
 * statement changed (INSERT, UPDATE, DELETE) or, for a statement with a
 * result, the number of rows given to fn; -1 on an error (db->err) or when
 * fn failed. db->insert_id is the AUTO_INCREMENT id of an INSERT (0 when
 * none). a holds the strings of the rows; it may be NULL when fn is. */
long long db_query(struct db *db, struct arena *a, const char *sql, const struct db_val *params,
		   size_t n, db_row_fn fn, void *ctx);

/* The cached prepared statement for sql, preparing it on first use.
 * Connects if needed. NULL on error (db->err). The stmt is owned by db. */
MYSQL_STMT *db_prepare(struct db *db, const char *sql);
/* Execute a statement with no parameters and no result (DDL, BEGIN...);
 * counts as one query. 0 or -1. */
int db_exec(struct db *db, const char *sql);
/* mysql_stmt_execute with counting and error bookkeeping. 0 or -1. */
int db_stmt_execute(struct db *db, MYSQL_STMT *st);
/* Retrying writes (SPEC 10) — the one policy every write path follows, the
 * ORM's orm_transaction included. */
#define DB_RETRY_ATTEMPTS 8
/* A deadlock (1213, also how Galera reports a certification conflict) or a
 * lock wait timeout (1205): the server rolled the work back; run it again. */
bool db_errno_is_retryable(unsigned errnum);
/* Sleep before retry number attempt (0, 1, ...): uniform in 1 .. 4 << attempt
 * ms (at most 128 ms), so racing writers spread out. */
void db_backoff(unsigned attempt);
/* Run fn(db, arg) with retries: as one transaction (START TRANSACTION ...
 * COMMIT) when txn, else as autocommit statements that are safe to run
 * twice. Retried on a retryable error, and on a connection lost before
 * COMMIT was sent (the next attempt reconnects, to the next usable host);
 * fn must restore its own state at the start of each run. 0, or -1 with
 * db->err and db->last_errno of the last failure. */
typedef int (*db_txn_fn)(struct db *db, void *arg);
int db_retry(struct db *db, bool txn, db_txn_fn fn, void *arg);
/* True when the database cannot be used now (connection gone, no usable
 * host, a Galera node out of the primary component, retries exhausted on
 * conflicts): the web layer answers 503, not 500. */
bool db_unavailable(const struct db *db);

/* A hung server (SPEC 7: 503 within read_timeout, never a hang): when a
 * statement or a connect fails with a connection error after waiting out
 * its timeout, nothing connects again for connect_timeout seconds — every
 * request in that time, and the rest of the one that waited, fails at once
 * (db_unavailable() is true) instead of waiting again. A server that is
 * down (refused at once) is not held: it is tried again on each use. */
bool db_held(const struct db *db);

/* Check the server answers (a cheap round trip). 0 or -1. */
int db_ping(struct db *db);

#endif
