/* test_throttle.c — login and registration throttling (SPEC 10) against
 * the test database: an attempt is reserved before any hash, at most the
 * limit pass — also when they come in parallel on several connections —,
 * a success forgets the account's failures, and a throttled attempt
 * reserves nothing. Each test uses addresses and names of its own. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fake.h"
#include "test.h"

/* A fresh login_failure table, made from the code's DDL. */
static struct db *throttle_db(void)
{
	struct db *db = test_db();
	if (db && (db_exec(db, "DROP TABLE IF EXISTS `login_failure`") < 0 ||
		   web_login_failure_create_table(db) < 0)) {
		test_fail(__FILE__, __LINE__, "throttle_db", "%s", db->err);
		db_close(db);
		db = NULL;
	}
	return db;
}

static struct config limits(long account, long address, long window)
{
	struct config c = *test_config();
	c.auth_account_failures = account;
	c.auth_address_failures = address;
	c.auth_failure_window = window;
	return c;
}

/* web_login_begin() for account from addr; *wait gets retry_after. */
static int begin(const struct config *cfg, struct db *db, const char *addr, const char *account,
		 long *wait)
{
	struct fake f;
	fake_init(&f, cfg, db, NULL);
	f.remote_addr = addr;
	long w = -1;
	int rc = web_login_begin(&f.req, account, &w);
	if (wait)
		*wait = w;
	fake_free(&f);
	return rc;
}

static int succeeded(const struct config *cfg, struct db *db, const char *addr, const char *account)
{
	struct fake f;
	fake_init(&f, cfg, db, NULL);
	f.remote_addr = addr;
	int rc = web_login_succeeded(&f.req, account);
	fake_free(&f);
	return rc;
}

static int register_begin(const struct config *cfg, struct db *db, const char *addr, long *wait)
{
	struct fake f;
	fake_init(&f, cfg, db, NULL);
	f.remote_addr = addr;
	long w = -1;
	int rc = web_register_begin(&f.req, &w);
	if (wait)
		*wait = w;
	fake_free(&f);
	return rc;
}

static int register_succeeded(const struct config *cfg, struct db *db, const char *addr)
{
	struct fake f;
	fake_init(&f, cfg, db, NULL);
	f.remote_addr = addr;
	int rc = web_register_succeeded(&f.req);
	fake_free(&f);
	return rc;
}

static long long rows(struct db *db, int kind, const char *ident)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM login_failure WHERE kind = %d AND ident = '%s'", kind,
		 ident);
	return test_scalar(db, sql);
}

TEST(test_throttle_account_limit_then_429_with_retry_after_and_nothing_reserved)
{
	struct db *db = throttle_db();
	REQUIRE(db);
	struct config c = limits(3, 100, 900);
	long wait = 0;
	for (int i = 0; i < 3; i++) {
		CHECK_INT(begin(&c, db, "10.0.0.1", "alice", &wait), 0);
		CHECK_INT(wait, 0);
	}
	CHECK_INT(begin(&c, db, "10.0.0.1", "alice", &wait), 1);
	CHECK_MSG(wait >= 899 && wait <= 900, "retry_after %ld", wait);
	/* From another address too: the count is the account's. */
	CHECK_INT(begin(&c, db, "10.0.0.2", "alice", &wait), 1);
	CHECK_INT(rows(db, 1, "alice"), 3);
	CHECK_INT(rows(db, 2, "10.0.0.1"), 3);
	CHECK_INT(rows(db, 2, "10.0.0.2"), 0); /* the refused attempt reserved nothing */
	/* Another account from the same address is not throttled. */
	CHECK_INT(begin(&c, db, "10.0.0.1", "bob", NULL), 0);
out:
	db_close(db);
}

TEST(test_throttle_account_names_compare_ascii_case_insensitively)
{
	struct db *db = throttle_db();
	REQUIRE(db);
	struct config c = limits(3, 100, 900);
	CHECK_INT(begin(&c, db, "10.0.1.1", "Carol", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.1.1", "CAROL", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.1.1", "carol", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.1.1", "cArOl", NULL), 1);
	CHECK_INT(rows(db, 1, "carol"), 3);
	/* Only ASCII letters fold: "é" and "É" are two names. */
	CHECK_INT(begin(&c, db, "10.0.1.1", "\xc3\xa9t\xc3\xa9", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.1.1", "\xc3\x89t\xc3\x89", NULL), 0);
	CHECK_INT(rows(db, 1, "\xc3\xa9t\xc3\xa9"), 1);
out:
	db_close(db);
}

TEST(test_throttle_success_forgets_the_account_and_its_address_reservation)
{
	struct db *db = throttle_db();
	REQUIRE(db);
	struct config c = limits(3, 100, 900);
	CHECK_INT(begin(&c, db, "10.0.2.1", "dave", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.2.1", "dave", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.2.1", "dave", NULL), 0); /* the right password, this time */
	CHECK_INT(succeeded(&c, db, "10.0.2.1", "Dave"), 0);
	CHECK_INT(rows(db, 1, "dave"), 0);
	CHECK_INT(rows(db, 2, "10.0.2.1"), 2); /* the two failures stay */
	for (int i = 0; i < 3; i++)
		CHECK_INT(begin(&c, db, "10.0.2.1", "dave", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.2.1", "dave", NULL), 1);
out:
	db_close(db);
}

TEST(test_throttle_address_limit_covers_every_account_and_no_account)
{
	struct db *db = throttle_db();
	REQUIRE(db);
	struct config c = limits(100, 4, 900);
	CHECK_INT(begin(&c, db, "10.0.3.1", "e1", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.3.1", "e2", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.3.1", NULL, NULL), 0); /* no name given */
	CHECK_INT(begin(&c, db, "10.0.3.1", "e3", NULL), 0);
	long wait = 0;
	CHECK_INT(begin(&c, db, "10.0.3.1", "e4", &wait), 1);
	CHECK(wait >= 1 && wait <= 900);
	CHECK_INT(begin(&c, db, "10.0.3.1", NULL, NULL), 1);
	CHECK_INT(rows(db, 1, "e4"), 0);
	CHECK_INT(rows(db, 2, "10.0.3.1"), 4);
	CHECK_INT(begin(&c, db, "10.0.3.2", "e4", NULL), 0);
out:
	db_close(db);
}

TEST(test_throttle_slots_come_back_when_the_window_passes)
{
	struct db *db = throttle_db();
	REQUIRE(db);
	struct config c = limits(2, 100, 1);
	CHECK_INT(begin(&c, db, "10.0.4.1", "frank", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.4.1", "frank", NULL), 0);
	long wait = 0;
	CHECK_INT(begin(&c, db, "10.0.4.1", "frank", &wait), 1);
	CHECK_INT(wait, 1);
	nanosleep(&(struct timespec){.tv_sec = 1, .tv_nsec = 100000000}, NULL);
	CHECK_INT(begin(&c, db, "10.0.4.1", "frank", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.4.1", "frank", NULL), 0);
	CHECK_INT(begin(&c, db, "10.0.4.1", "frank", NULL), 1);
	/* The old rows gave their slots back: never more rows than the limit. */
	CHECK_INT(rows(db, 1, "frank"), 2);
out:
	db_close(db);
}

TEST(test_throttle_registrations_are_counted_per_address_and_failed_logins_stop_them)
{
	struct db *db = throttle_db();
	REQUIRE(db);
	struct config c = limits(100, 3, 900);
	long wait = 0;
	CHECK_INT(register_begin(&c, db, "10.0.5.1", &wait), 0);
	CHECK_INT(register_succeeded(&c, db, "10.0.5.1"), 0); /* forgotten */
	for (int i = 0; i < 3; i++)
		CHECK_INT(register_begin(&c, db, "10.0.5.1", NULL), 0); /* say, three names taken */
	CHECK_INT(register_begin(&c, db, "10.0.5.1", &wait), 1);
	CHECK(wait >= 1 && wait <= 900);
	CHECK_INT(rows(db, 3, "10.0.5.1"), 3);
	/* Registrations do not use up the address's failed logins ... */
	CHECK_INT(begin(&c, db, "10.0.5.1", "gina", NULL), 0);
	/* ... but failed logins throttle registrations. */
	for (int i = 0; i < 3; i++)
		CHECK_INT(begin(&c, db, "10.0.5.2", "hal", NULL), 0);
	CHECK_INT(register_begin(&c, db, "10.0.5.2", NULL), 1);
	CHECK_INT(rows(db, 3, "10.0.5.2"), 0);
out:
	db_close(db);
}

/* ---- parallel attempts on connections of their own ---- */

#define RACERS 12

struct racer {
	const struct config *cfg;
	pthread_barrier_t *start;
	const char *addr;
	int rc;
	char err[300];
};

static void *race(void *p)
{
	struct racer *r = p;
	struct db *db = test_db();
	r->rc = -2;
	pthread_barrier_wait(r->start);
	if (db) {
		r->rc = begin(r->cfg, db, r->addr, "ivan", NULL);
		snprintf(r->err, sizeof r->err, "%u %s", db->last_errno, db->err);
		db_close(db);
	}
	return NULL;
}

TEST(test_throttle_parallel_attempts_pass_at_most_the_limit)
{
	struct db *db = throttle_db();
	REQUIRE(db);
	/* Per account: 12 at once for a limit of 5, from 12 addresses. */
	struct config c = limits(5, 100, 900);
	struct racer rs[RACERS];
	pthread_t th[RACERS];
	pthread_barrier_t start;
	static const char *addrs[RACERS] = {"10.0.6.1", "10.0.6.2", "10.0.6.3", "10.0.6.4",
					    "10.0.6.5", "10.0.6.6", "10.0.6.7", "10.0.6.8",
					    "10.0.6.9", "10.0.6.10", "10.0.6.11", "10.0.6.12"};
	pthread_barrier_init(&start, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		rs[i] = (struct racer){.cfg = &c, .start = &start, .addr = addrs[i]};
		pthread_create(&th[i], NULL, race, &rs[i]);
	}
	int passed = 0, throttled = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(th[i], NULL);
		passed += rs[i].rc == 0;
		throttled += rs[i].rc == 1;
		CHECK_MSG(rs[i].rc >= 0, "racer %d: %s", i, rs[i].err);
	}
	pthread_barrier_destroy(&start);
	CHECK_INT(passed, 5);
	CHECK_INT(throttled, RACERS - 5);
	CHECK_INT(rows(db, 1, "ivan"), 5);

	/* Per address: 12 at once for a limit of 4, each for a new name. */
	CHECK_INT(db_exec(db, "DELETE FROM login_failure"), 0);
	c = limits(100, 4, 900);
	pthread_barrier_init(&start, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		rs[i] = (struct racer){.cfg = &c, .start = &start, .addr = "10.0.6.99"};
		pthread_create(&th[i], NULL, race, &rs[i]);
	}
	passed = throttled = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(th[i], NULL);
		passed += rs[i].rc == 0;
		throttled += rs[i].rc == 1;
		CHECK_MSG(rs[i].rc >= 0, "racer %d: %s", i, rs[i].err);
	}
	pthread_barrier_destroy(&start);
	CHECK_INT(passed, 4);
	CHECK_INT(throttled, RACERS - 4);
	CHECK_INT(rows(db, 2, "10.0.6.99"), 4);
out:
	db_close(db);
}
