/* db.h — one MariaDB connection per worker: URL parsing, lazy connect and
 * reconnect after the server went away, a prepared-statement cache keyed by
 * SQL text, and a per-request statement counter (X-Flacon-Queries).
 * The connection owns every cached MYSQL_STMT; callers never close them. */
#ifndef FLACON_DB_H
#define FLACON_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <mysql.h>

struct db_url {
	char *user, *password, *host, *dbname, *socket;
	unsigned port;
};

/* Parse "mariadb://user:pass@host:port/db?socket=path" (percent-decoded
 * user and password). Relative socket paths are kept as given. Returns 0,
 * or -1 with a message in err. Free with db_url_free(). */
int db_url_parse(const char *url, struct db_url *out, char *err, size_t errlen);
void db_url_free(struct db_url *u);

struct db {
	MYSQL *conn;            /* NULL while disconnected */
	struct db_url url;
	unsigned long queries;  /* statements executed since the last reset */
	unsigned long connects; /* successful connects (tests, logs) */
	char err[256];          /* last error, one line */
	unsigned last_errno;    /* last MariaDB error number (0 = none) */
	struct db_stmt_slot *cache;
	size_t cache_cap, cache_n;
};

/* Make a handle for url; no connection is made yet. NULL on a bad URL
 * (message in err) or out of memory. Free with db_close(). */
struct db *db_new(const char *url, char *err, size_t errlen);
void db_close(struct db *db);
/* Connect if not connected. Returns 0, or -1 (db->err says why). */
int db_ensure(struct db *db);
/* Drop the connection and every cached statement (after a lost server). */
void db_disconnect(struct db *db);
/* True when errnum means the connection is gone (reconnect next time). */
bool db_errno_is_connection(unsigned errnum);
/* Record a MariaDB error (from a stmt or the connection): sets err and
 * last_errno; a connection error also disconnects. */
void db_note_error(struct db *db, unsigned errnum, const char *msg);
/* The cached prepared statement for sql, preparing it on first use.
 * Connects if needed. NULL on error (db->err). The stmt is owned by db. */
MYSQL_STMT *db_prepare(struct db *db, const char *sql);
/* Execute a statement with no parameters and no result (DDL, BEGIN...);
 * counts as one query. 0 or -1. */
int db_exec(struct db *db, const char *sql);
/* mysql_stmt_execute with counting and error bookkeeping. 0 or -1. */
int db_stmt_execute(struct db *db, MYSQL_STMT *st);
/* Check the server answers (a cheap round trip). 0 or -1. */
int db_ping(struct db *db);

#endif
