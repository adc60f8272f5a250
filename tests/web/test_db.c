/* test_db.c — the db layer's one statement path (db_stmt_run, db_query)
 * against the test database: typed values in and out, a dead connection
 * reconnected once outside a transaction and never inside one, other
 * errors not retried, a deadlock inside a result leaving the cached
 * statement usable, and which errors make the database "unavailable". */
#include <errmsg.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "fake.h"
#include "test.h"

/* One row of a result, copied out. */
struct row {
	int n;
	struct db_val v[8];
};

static int keep_row(void *ctx, const struct db_val *cols, size_t nc)
{
	struct row *r = ctx;
	r->n = (int)nc;
	for (size_t i = 0; i < nc && i < 8; i++)
		r->v[i] = cols[i];
	return 1;
}

static long long connection_id(struct db *db, struct arena *a)
{
	struct row r = {0};
	if (db_query(db, a, "SELECT CONNECTION_ID()", NULL, 0, keep_row, &r) != 1)
		return -1;
	return r.v[0].i;
}

/* Kill db's connection from another one (as a server restart would). */
static bool kill_connection(struct db *db, struct arena *a)
{
	long long id = connection_id(db, a);
	struct db *other = test_db();
	if (id < 0 || !other)
		return false;
	char sql[64];
	snprintf(sql, sizeof sql, "KILL CONNECTION %lld", id);
	bool ok = test_sql(other, sql) == 0;
	db_close(other);
	/* The server closes the socket shortly after. */
	nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	return ok;
}

TEST(test_db_query_binds_and_returns_typed_values)
{
	struct arena a;
	arena_init(&a, 4096);
	struct db *db = test_db();
	REQUIRE(db);
	REQUIRE(db_exec(db, "CREATE TEMPORARY TABLE dbq (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
			    "i INT NULL, d DOUBLE, m DECIMAL(10,2), t VARCHAR(20), b BLOB, "
			    "dt DATETIME, dd DATE)") == 0);
	struct db_val p[7] = {
		db_v_null(), db_v_double(2.5), {.type = DB_DECIMAL, .s = {"12.34", 5}},
		db_v_text("h\xc3\xa9llo", 6), db_v_blob("a\0b", 3),
		{.type = DB_DATETIME, .t = {.year = 2026, .month = 12, .day = 6, .hour = 15, .minute = 4, .second = 5,
					     .time_type = MYSQL_TIMESTAMP_DATETIME}},
		{.type = DB_DATE, .t = {.year = 2026, .month = 1, .day = 31, .time_type = MYSQL_TIMESTAMP_DATE}},
	};
	CHECK_INT(db_query(db, NULL, "INSERT INTO dbq (i, d, m, t, b, dt, dd) VALUES (?, ?, ?, ?, ?, ?, ?)", p,
			   7, NULL, NULL),
		  1);
	CHECK_INT(db->insert_id, 1);
	p[0] = db_v_int(-7);
	CHECK_INT(db_query(db, NULL, "INSERT INTO dbq (i, d, m, t, b, dt, dd) VALUES (?, ?, ?, ?, ?, ?, ?)", p,
			   7, NULL, NULL),
		  1);
	CHECK_INT(db->insert_id, 2);

	struct row r = {0};
	struct db_val id = db_v_int(1);
	CHECK_INT(db_query(db, &a, "SELECT i, d, m, t, b, dt, dd FROM dbq WHERE id = ?", &id, 1, keep_row, &r), 1);
	REQUIRE(r.n == 7);
	CHECK_INT(r.v[0].type, DB_NULL);
	CHECK_INT(r.v[1].type, DB_DOUBLE);
	CHECK(r.v[1].d == 2.5);
	CHECK_INT(r.v[2].type, DB_DECIMAL);
	CHECK_STR(r.v[2].s.p, "12.34");
	CHECK_INT(r.v[3].type, DB_TEXT);
	CHECK_INT(r.v[3].s.n, 6);
	CHECK_STR(r.v[3].s.p, "h\xc3\xa9llo");
	CHECK_INT(r.v[4].type, DB_BLOB);
	CHECK_INT(r.v[4].s.n, 3);
	CHECK(r.v[4].s.n == 3 && !memcmp(r.v[4].s.p, "a\0b", 3));
	CHECK_INT(r.v[5].type, DB_DATETIME);
	CHECK(r.v[5].t.year == 2026 && r.v[5].t.day == 6 && r.v[5].t.minute == 4 && r.v[5].t.second == 5);
	CHECK_INT(r.v[6].type, DB_DATE);
	CHECK(r.v[6].t.month == 1 && r.v[6].t.day == 31);

	id = db_v_int(2);
	CHECK_INT(db_query(db, &a, "SELECT i FROM dbq WHERE id = ?", &id, 1, keep_row, &r), 1);
	CHECK(r.v[0].type == DB_INT && r.v[0].i == -7);
	/* Rows counted for a SELECT, changed rows for an UPDATE; none. */
	CHECK_INT(db_query(db, &a, "SELECT id FROM dbq", NULL, 0, NULL, NULL), 0);
	CHECK_INT(db_query(db, NULL, "UPDATE dbq SET d = d + 1", NULL, 0, NULL, NULL), 2);
	id = db_v_int(99);
	CHECK_INT(db_query(db, &a, "SELECT i FROM dbq WHERE id = ?", &id, 1, keep_row, &r), 0);
	/* A wrong number of parameters is the caller's mistake. */
	CHECK_INT(db_query(db, NULL, "SELECT i FROM dbq WHERE id = ?", NULL, 0, NULL, NULL), -1);
	CHECK_INT(db->last_errno, CR_INVALID_PARAMETER_NO);
out:
	db_close(db);
	arena_free(&a);
}

static int count_rows(void *ctx, const struct db_val *cols, size_t nc)
{
	(void)cols;
	(void)nc;
	++*(int *)ctx;
	return 0;
}

TEST(test_db_query_gives_every_row_and_stops_when_asked)
{
	struct arena a;
	arena_init(&a, 4096);
	struct db *db = test_db();
	REQUIRE(db);
	int n = 0;
	CHECK_INT(db_query(db, &a, "SELECT seq FROM seq_1_to_5", NULL, 0, count_rows, &n), 5);
	CHECK_INT(n, 5);
	struct row r = {0};
	CHECK_INT(db_query(db, &a, "SELECT seq FROM seq_1_to_5", NULL, 0, keep_row, &r), 1);
	CHECK_INT(r.v[0].i, 1);
	/* The connection is in step afterwards. */
	CHECK_INT(db_query(db, &a, "SELECT 42", NULL, 0, keep_row, &r), 1);
	CHECK_INT(r.v[0].i, 42);
out:
	db_close(db);
	arena_free(&a);
}

TEST(test_db_query_reconnects_once_when_the_connection_died_outside_a_transaction)
{
	struct arena a;
	arena_init(&a, 4096);
	struct db *db = test_db();
	REQUIRE(db);
	unsigned long connects = db->connects;
	REQUIRE(kill_connection(db, &a));
	struct row r = {0};
	CHECK_INT(db_query(db, &a, "SELECT 7", NULL, 0, keep_row, &r), 1);
	CHECK_INT(r.v[0].i, 7);
	CHECK_INT(db->connects, connects + 1);
	/* The same for a write (it never reached the server). */
	REQUIRE(kill_connection(db, &a));
	CHECK_INT(db_query(db, NULL, "DO 1", NULL, 0, NULL, NULL), 0);
	CHECK_INT(db->connects, connects + 2);
out:
	db_close(db);
	arena_free(&a);
}

TEST(test_db_query_does_not_reconnect_inside_a_transaction)
{
	struct arena a;
	arena_init(&a, 4096);
	struct db *db = test_db();
	REQUIRE(db);
	unsigned long connects = db->connects;
	REQUIRE(db_exec(db, "START TRANSACTION") == 0);
	REQUIRE(kill_connection(db, &a));
	CHECK_INT(db_query(db, &a, "SELECT 1", NULL, 0, NULL, NULL), -1);
	CHECK(db_errno_is_connection(db->last_errno));
	CHECK(db->conn == NULL);
	CHECK_INT(db->connects, connects); /* its work is gone: the caller starts again */
	CHECK(db_unavailable(db));
	/* The next statement, outside any transaction, connects afresh. */
	CHECK_INT(db_query(db, &a, "SELECT 1", NULL, 0, NULL, NULL), 0);
	CHECK_INT(db->connects, connects + 1);
out:
	db_close(db);
	arena_free(&a);
}

TEST(test_db_query_retries_a_dead_connection_only_once_and_nothing_else)
{
	struct arena a;
	arena_init(&a, 4096);
	struct db *db = test_db();
	REQUIRE(db);
	unsigned long connects = db->connects;
	/* Not a connection error: no reconnect. */
	CHECK_INT(db_query(db, NULL, "SELECT * FROM no_such_table", NULL, 0, NULL, NULL), -1);
	CHECK_INT(db->last_errno, ER_NO_SUCH_TABLE);
	CHECK(db->conn != NULL);
	CHECK_INT(db->connects, connects);
	CHECK(!db_unavailable(db));
	/* The reconnect finds no server: one try, then the error. */
	char *socket = db->url.socket;
	db->url.socket = strdup("/nonexistent/mysqld.sock");
	REQUIRE(kill_connection(db, &a));
	CHECK_INT(db_query(db, &a, "SELECT 1", NULL, 0, NULL, NULL), -1);
	CHECK(db_unavailable(db));
	CHECK_INT(db->connects, connects);
	free(db->url.socket);
	db->url.socket = socket;
	CHECK_INT(db_query(db, &a, "SELECT 1", NULL, 0, NULL, NULL), 0);
	CHECK_INT(db->connects, connects + 1);
out:
	db_close(db);
	arena_free(&a);
}

/* ---- a deadlock found inside a result ---- */

struct locker {
	struct db *db;
	struct arena a;
	long long k;
	long long rc;
	unsigned err;
};

static const char sql_lock[] = "SELECT k, TIMESTAMPDIFF(MICROSECOND, NOW(6), NOW(6)) FROM dbq_lock "
			       "WHERE g = 1 AND k = ? FOR UPDATE";

static void *lock_second(void *p)
{
	struct locker *l = p;
	struct db_val k = db_v_int(l->k);
	int n = 0;
	l->rc = db_query(l->db, &l->a, sql_lock, &k, 1, count_rows, &n);
	l->err = l->db->last_errno;
	return NULL;
}

TEST(test_db_query_statement_stays_usable_after_a_deadlock_inside_its_result)
{
	struct db *a = test_db(), *b = test_db();
	struct locker la = {.db = a, .k = 2}, lb = {.db = b, .k = 1};
	arena_init(&la.a, 4096);
	arena_init(&lb.a, 4096);
	REQUIRE(a && b);
	/* A range of a unique key (as login_failure's slots): the server
	 * sends the result's columns before it waits for the lock, so the
	 * deadlock comes inside the result. */
	REQUIRE(test_sql(a, "CREATE TABLE IF NOT EXISTS dbq_lock (id INT AUTO_INCREMENT PRIMARY KEY, g INT, k INT, "
			    "slot INT, UNIQUE KEY (g, k, slot))") == 0);
	REQUIRE(test_sql(a, "INSERT IGNORE INTO dbq_lock (g, k, slot) VALUES (1, 1, 0), (1, 2, 0)") == 0);
	/* Short timeouts: a statement left expecting a packet fails fast. */
	a->opt.read_timeout = b->opt.read_timeout = 5;
	REQUIRE(db_exec(a, "START TRANSACTION") == 0 && db_exec(b, "START TRANSACTION") == 0);
	struct db_val k1 = db_v_int(1), k2 = db_v_int(2);
	int n = 0;
	CHECK_INT(db_query(a, &la.a, sql_lock, &k1, 1, count_rows, &n), 1);
	CHECK_INT(db_query(b, &lb.a, sql_lock, &k2, 1, count_rows, &n), 1);
	pthread_t th;
	pthread_create(&th, NULL, lock_second, &la); /* a waits for b's row */
	nanosleep(&(struct timespec){.tv_nsec = 300000000}, NULL);
	lock_second(&lb); /* b waits for a's: one of them is the victim */
	pthread_join(th, NULL);
	struct locker *victim = la.rc < 0 ? &la : &lb, *winner = la.rc < 0 ? &lb : &la;
	CHECK_MSG((la.rc < 0) != (lb.rc < 0), "rc %lld and %lld", la.rc, lb.rc);
	CHECK_INT(victim->err, ER_LOCK_DEADLOCK);
	CHECK_INT(winner->rc, 1);
	CHECK(db_errno_is_retryable(victim->err));
	CHECK_INT(db_exec(victim->db, "ROLLBACK"), 0);
	CHECK_INT(db_exec(winner->db, "COMMIT"), 0);
	/* The victim's cached statement, run again, answers at once. */
	time_t t0 = time(NULL);
	victim->k = 1;
	lock_second(victim);
	CHECK_INT(victim->rc, 1);
	CHECK_MSG(time(NULL) - t0 < 3, "took %ld s", (long)(time(NULL) - t0));
out:
	if (a)
		test_sql(a, "DROP TABLE IF EXISTS dbq_lock");
	db_close(a);
	db_close(b);
	arena_free(&la.a);
	arena_free(&lb.a);
}

TEST(test_db_galera_errors_make_the_database_unavailable)
{
	/* 1047: a node not ready (outside the primary component); 1180: a
	 * commit that failed — a node that left the primary component during
	 * a one-statement write; both are a 503 and a reconnect. */
	CHECK(db_errno_is_connection(ER_UNKNOWN_COM_ERROR));
	CHECK(db_errno_is_connection(ER_ERROR_DURING_COMMIT));
	CHECK(db_errno_is_connection(CR_SERVER_LOST));
	CHECK(!db_errno_is_connection(ER_DUP_ENTRY));
	/* 1213: a deadlock, also a certification conflict; 1205: a lock wait
	 * timeout: run again, then 503. */
	CHECK(db_errno_is_retryable(ER_LOCK_DEADLOCK));
	CHECK(db_errno_is_retryable(ER_LOCK_WAIT_TIMEOUT));
	CHECK(!db_errno_is_retryable(ER_ERROR_DURING_COMMIT));
	struct db *db = test_db();
	REQUIRE(db);
	CHECK(!db_unavailable(db));
	db_note_error(db, ER_ERROR_DURING_COMMIT,
		      "Error while appending streaming replication fragment(provider status: Not connected to Primary Component)");
	CHECK(db_unavailable(db));
	CHECK(db->conn == NULL); /* the next statement goes to a usable host */
	CHECK_INT(db_query(db, NULL, "DO 1", NULL, 0, NULL, NULL), 0);
	CHECK(!db_unavailable(db));
	db_note_error(db, ER_DUP_ENTRY, "Duplicate entry");
	CHECK(!db_unavailable(db));
out:
	db_close(db);
}
