/* test_session_cache.c — the host's session cache (SPEC 6 and 9) against
 * the real MariaDB, with two "workers" (two connections) sharing one
 * shared-memory cache as the workers of a host do: a hit costs no
 * statement, every write on the host is seen by the next request, the
 * TTL bounds what is not, and a row read before an invalidation is never
 * stored after it. Statements are counted as MariaDB ran them (the
 * metrics' counter). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/metrics.h"
#include "fake.h"
#include "test.h"
#include "web/internal.h"

/* A configuration with the cache on (64 entries, ttl_ms) for the test
 * database. Static. */
static struct config *cache_config(long ttl_ms)
{
	static struct config c;
	c = *test_config();
	c.database_url = getenv("FLACON_TEST_DATABASE_URL");
	c.session_cache_entries = 64;
	c.session_cache_ttl_ms = ttl_ms;
	return &c;
}

static uint64_t statements(void)
{
	return metrics_self->c[METRICS_DB_STATEMENTS];
}

static const char *cookie_of(struct fake *f, struct arena *keep)
{
	const char *v = fake_set_cookie_value(f, "session");
	return v && *v ? arena_printf(keep, "session=%s", v) : NULL;
}

/* Log user_id in on db (one request); the next request's Cookie header. */
static const char *login(const struct config *cfg, struct db *db, long long user_id,
			 const char *cookie, struct arena *keep)
{
	struct fake f;
	fake_init(&f, cfg, db, cookie);
	CHECK_INT(web_session_login(&f.req, user_id), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *c = cookie_of(&f, keep);
	CHECK(c != NULL);
	fake_free(&f);
	return c;
}

/* One request on db reading the session: its user id; *stmts (may be
 * NULL) the statements MariaDB ran for it. */
static long long read_user(const struct config *cfg, struct db *db, const char *cookie, uint64_t *stmts)
{
	uint64_t s0 = statements();
	struct fake f;
	fake_init(&f, cfg, db, cookie);
	long long uid = web_session_user_id(&f.req);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	fake_free(&f);
	if (stmts)
		*stmts = statements() - s0;
	return uid;
}

/* SHA-256 of the token in "session=VALUE". */
static void hash_of(const struct config *cfg, const char *cookie, unsigned char out[32])
{
	unsigned char token[WEB_TOKEN_BYTES];
	const char *v = strchr(cookie, '=') + 1;
	CHECK(web_unsign(cfg, "session", v, strlen(v), token, sizeof token) >= 0);
	crypto_hash_sha256(out, token, sizeof token);
}

static bool shm_exists(const char *name)
{
	int fd = shm_open(name, O_RDONLY, 0);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

TEST(test_session_cache_logged_in_read_costs_no_session_statement)
{
	const struct config *cfg = cache_config(1000);
	struct db *w1 = test_db(), *w2 = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	REQUIRE(w1 && w2);
	REQUIRE(web_session_cache_open(cfg, true) == 0 && web_sc_attached());
	const char *c = login(cfg, w1, 7, NULL, &keep);
	uint64_t n = 99;
	/* Stored at login: the other worker's next request reads no row. */
	CHECK_INT(read_user(cfg, w2, c, &n), 7);
	CHECK_INT(n, 0);
	/* X-Flacon-Queries still counts the read (the same on a hit and on a
	 * miss). */
	CHECK_INT(w2->queries, 1);
	for (int i = 0; i < 5; i++) {
		CHECK_INT(read_user(cfg, i % 2 ? w1 : w2, c, &n), 7);
		CHECK_INT(n, 0);
	}
	/* A miss (its entry gone) reads the row once and stores it. */
	unsigned char h[32];
	hash_of(cfg, c, h);
	web_sc_invalidate(h);
	CHECK_INT(read_user(cfg, w1, c, &n), 7);
	CHECK_INT(n, 1);
	CHECK_INT(read_user(cfg, w2, c, &n), 7);
	CHECK_INT(n, 0);
out:
	web_session_cache_close();
	arena_free(&keep);
	db_close(w1);
	db_close(w2);
}

TEST(test_session_cache_off_reads_the_row_every_time)
{
	struct config cfg = *cache_config(1000);
	cfg.session_cache_entries = 0;
	struct db *db = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	REQUIRE(db);
	CHECK_INT(web_session_cache_open(&cfg, true), 0);
	CHECK(!web_sc_attached());
	const char *c = login(&cfg, db, 8, NULL, &keep);
	for (int i = 0; i < 3; i++) {
		uint64_t n = 0;
		CHECK_INT(read_user(&cfg, db, c, &n), 8);
		CHECK_INT(n, 1);
	}
out:
	web_session_cache_close();
	arena_free(&keep);
	db_close(db);
}

TEST(test_session_cache_logout_on_one_worker_is_anonymous_on_the_other_at_once)
{
	const struct config *cfg = cache_config(1000);
	struct db *w1 = test_db(), *w2 = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	REQUIRE(w1 && w2);
	REQUIRE(web_session_cache_open(cfg, true) == 0);
	const char *c = login(cfg, w1, 9, NULL, &keep);
	uint64_t n;
	CHECK_INT(read_user(cfg, w2, c, &n), 9);
	CHECK_INT(n, 0);
	struct fake f;
	fake_init(&f, cfg, w1, c);
	CHECK_INT(web_session_logout(&f.req), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	fake_free(&f);
	CHECK_INT(read_user(cfg, w2, c, NULL), 0);
	CHECK_INT(read_user(cfg, w1, c, NULL), 0);
out:
	web_session_cache_close();
	arena_free(&keep);
	db_close(w1);
	db_close(w2);
}

TEST(test_session_cache_login_rotation_refuses_the_old_token_at_once)
{
	const struct config *cfg = cache_config(1000);
	struct db *w1 = test_db(), *w2 = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	REQUIRE(w1 && w2);
	REQUIRE(web_session_cache_open(cfg, true) == 0);
	const char *old = login(cfg, w1, 10, NULL, &keep);
	CHECK_INT(read_user(cfg, w2, old, NULL), 10);
	const char *fresh = login(cfg, w1, 11, old, &keep);
	CHECK(fresh && strcmp(fresh, old));
	CHECK_INT(read_user(cfg, w2, old, NULL), 0);
	uint64_t n = 99;
	CHECK_INT(read_user(cfg, w2, fresh, &n), 11);
	CHECK_INT(n, 0);
out:
	web_session_cache_close();
	arena_free(&keep);
	db_close(w1);
	db_close(w2);
}

TEST(test_session_cache_changed_data_is_seen_by_the_other_worker_at_once)
{
	const struct config *cfg = cache_config(1000);
	struct db *w1 = test_db(), *w2 = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	REQUIRE(w1 && w2);
	REQUIRE(web_session_cache_open(cfg, true) == 0);
	const char *c = login(cfg, w1, 12, NULL, &keep);
	for (int v = 1; v <= 3; v++) {
		struct fake f;
		fake_init(&f, cfg, v % 2 ? w1 : w2, c);
		CHECK_INT(web_session_set(&f.req, "n", json_object_new_int(v)), 0);
		CHECK_INT(web_session_save(&f.req, &f.resp), 0);
		fake_free(&f);
		uint64_t s0 = statements();
		fake_init(&f, cfg, v % 2 ? w2 : w1, c);
		json_object *got = web_session_get(&f.req, "n");
		CHECK_INT(got ? json_object_get_int(got) : -1, v);
		CHECK_INT(web_session_save(&f.req, &f.resp), 0);
		fake_free(&f);
		CHECK_INT(statements() - s0, 0); /* the entry was replaced, not dropped */
	}
out:
	web_session_cache_close();
	arena_free(&keep);
	db_close(w1);
	db_close(w2);
}

TEST(test_session_cache_large_data_is_read_from_the_database)
{
	const struct config *cfg = cache_config(1000);
	struct db *db = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	REQUIRE(db);
	REQUIRE(web_session_cache_open(cfg, true) == 0);
	const char *c = login(cfg, db, 13, NULL, &keep);
	char big[WEB_SC_DATA_MAX + 1];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	struct fake f;
	fake_init(&f, cfg, db, c);
	CHECK_INT(web_session_set(&f.req, "big", json_object_new_string(big)), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	fake_free(&f);
	for (int i = 0; i < 2; i++) {
		uint64_t n = 0;
		CHECK_INT(read_user(cfg, db, c, &n), 13);
		CHECK_INT(n, 1);
	}
out:
	web_session_cache_close();
	arena_free(&keep);
	db_close(db);
}

TEST(test_session_cache_delete_user_refuses_every_cached_session_at_once)
{
	const struct config *cfg = cache_config(1000);
	struct db *w1 = test_db(), *w2 = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	REQUIRE(w1 && w2);
	REQUIRE(web_session_cache_open(cfg, true) == 0);
	const char *a = login(cfg, w1, 14, NULL, &keep);
	const char *other = login(cfg, w1, 15, NULL, &keep);
	CHECK_INT(read_user(cfg, w2, a, NULL), 14);
	CHECK_INT(read_user(cfg, w2, other, NULL), 15);
	CHECK_INT(web_session_delete_user(w1, 14), 1);
	CHECK_INT(read_user(cfg, w2, a, NULL), 0);
	/* The others are read again once (the whole cache went). */
	uint64_t n = 0;
	CHECK_INT(read_user(cfg, w2, other, &n), 15);
	CHECK_INT(n, 1);
out:
	web_session_cache_close();
	arena_free(&keep);
	db_close(w1);
	db_close(w2);
}

/* The command line's deleteuser: another process, which opens the
 * server's cache by its name (web_session_cache_use), deletes the rows in
 * a transaction and invalidates once more after its commit (close): a
 * worker that read the row while the transaction was open, and cached
 * it, must not serve it after the commit. */
TEST(test_session_cache_delete_user_in_another_process_reaches_the_server_cache)
{
	const struct config *cfg = cache_config(1000);
	int to_parent[2] = {-1, -1}, to_child[2] = {-1, -1};
	REQUIRE(pipe(to_parent) == 0 && pipe(to_child) == 0);
	/* Forked first, so that it shares nothing with the "server" (its
	 * heap: valgrind checks the child's leaks too). */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		char x = 0;
		if (read(to_child[0], &x, 1) != 1 || web_sc_attached())
			_exit(3);
		struct db *cli = test_db();
		web_session_cache_use(cfg);
		if (!cli || mysql_query(cli->conn, "START TRANSACTION"))
			_exit(4);
		long long gone = web_session_delete_user(cli, 16);
		bool opened = web_sc_attached();
		if (write(to_parent[1], &x, 1) != 1 || read(to_child[0], &x, 1) != 1)
			_exit(5);
		if (mysql_query(cli->conn, "COMMIT"))
			_exit(6);
		web_session_cache_close();
		db_close(cli);
		_exit(gone == 1 && opened ? 0 : 7);
	}
	REQUIRE(pid > 0);
	struct db *w1 = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	char x = 'g';
	if (w1 && web_session_cache_open(cfg, true) == 0) {
		const char *c = login(cfg, w1, 16, NULL, &keep);
		CHECK_INT(read_user(cfg, w1, c, NULL), 16);
		CHECK(write(to_child[1], &x, 1) == 1);
		CHECK(read(to_parent[0], &x, 1) == 1);
		/* Not committed yet: the row is still there, read and cached. */
		uint64_t n = 0;
		CHECK_INT(read_user(cfg, w1, c, &n), 16);
		CHECK_INT(n, 1);
		CHECK(write(to_child[1], &x, 1) == 1);
		int st = -1;
		CHECK(waitpid(pid, &st, 0) == pid);
		CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: status %d", st);
		CHECK_INT(read_user(cfg, w1, c, NULL), 0);
	} else {
		CHECK(w1 && web_sc_attached());
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	web_session_cache_close();
	arena_free(&keep);
	db_close(w1);
out:
	for (int i = 0; i < 2; i++) {
		if (to_parent[i] >= 0)
			close(to_parent[i]);
		if (to_child[i] >= 0)
			close(to_child[i]);
	}
}

/* SPEC 6: expiry is checked on every use of an entry, not only when the
 * row is read: a session whose row expires while it is cached is
 * anonymous from its expiry on. */
TEST(test_session_cache_expired_session_is_refused_although_cached)
{
	/* The entry level: fresh, but expired. */
	const struct config *cfg0 = cache_config(1000);
	REQUIRE(web_session_cache_open(cfg0, true) == 0);
	unsigned char h[32];
	randombytes_buf(h, sizeof h);
	struct web_sc_ticket t;
	struct web_sc_row row = {.row_id = 1, .user_id = 17, .expires_at = time(NULL)};
	struct web_sc_row got;
	web_sc_begin(h, &t);
	CHECK_INT(web_sc_store(&t, h, &row, false), 1);
	CHECK_INT(web_sc_lookup(h, 1000, &got), 0);
	row.expires_at = time(NULL) + 60;
	web_sc_begin(h, &t);
	CHECK_INT(web_sc_store(&t, h, &row, false), 1);
	CHECK_INT(web_sc_lookup(h, 1000, &got), 1);
	CHECK_INT(got.user_id, 17);

	/* A whole session of one second's life (expiring at the next whole
	 * second), logged in a third into a second and read again just after
	 * its expiry, inside the TTL: 0.6 s for the login and a hit before
	 * it expires. */
	struct config cfg = *cfg0;
	cfg.session_lifetime = 1;
	struct db *db = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	REQUIRE(db);
	struct timespec now;
	do {
		struct timespec nap = {0, 10 * 1000 * 1000};
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_REALTIME, &now);
	} while (now.tv_nsec < 300 * 1000 * 1000 || now.tv_nsec > 400 * 1000 * 1000);
	const char *c = login(&cfg, db, 18, NULL, &keep);
	uint64_t n = 99;
	CHECK_INT(read_user(&cfg, db, c, &n), 18);
	CHECK_INT(n, 0);
	struct timespec until = {now.tv_sec + 1, 20 * 1000 * 1000};
	clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL);
	CHECK_INT(read_user(&cfg, db, c, NULL), 0);
	arena_free(&keep);
	db_close(db);
out:
	web_session_cache_close();
}

/* SPEC 6 across hosts: a row deleted behind the cache's back (by another
 * host of a cluster) is refused once session.cache_ttl_ms has passed. */
TEST(test_session_cache_ttl_bounds_a_row_deleted_elsewhere)
{
	const struct config *cfg = cache_config(300);
	struct db *db = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	REQUIRE(db);
	REQUIRE(web_session_cache_open(cfg, true) == 0);
	const char *c = login(cfg, db, 19, NULL, &keep);
	CHECK_INT(read_user(cfg, db, c, NULL), 19);
	int64_t t0 = web_sc_now_ms();
	CHECK_INT(test_sql(db, "DELETE FROM `session` WHERE `user_id` = 19"), 0);
	/* Its entry was read before t0 (at the login): any request that
	 * starts ttl after t0 or later reads the row again, and finds none
	 * (however slow the machine: valgrind). */
	int64_t wait = t0 + 300 - web_sc_now_ms() + 1;
	if (wait > 0) {
		struct timespec nap = {wait / 1000, (wait % 1000) * 1000000};
		nanosleep(&nap, NULL);
	}
	CHECK(web_sc_now_ms() - t0 >= 300);
	CHECK_INT(read_user(cfg, db, c, NULL), 0);
out:
	web_session_cache_close();
	arena_free(&keep);
	db_close(db);
}

/* Worker 2 reads a row; worker 1 logs the session out (its entry
 * invalidated); worker 2 then stores the row it read: refused, or the
 * dead session would be served for up to the TTL. */
TEST(test_session_cache_row_read_before_a_logout_is_not_stored_after_it)
{
	const struct config *cfg = cache_config(1000);
	struct db *w1 = test_db();
	struct arena keep;
	arena_init(&keep, 4096);
	REQUIRE(w1);
	REQUIRE(web_session_cache_open(cfg, true) == 0);
	const char *c = login(cfg, w1, 20, NULL, &keep);
	unsigned char h[32];
	hash_of(cfg, c, h);
	struct web_sc_row row;
	CHECK_INT(web_sc_lookup(h, 1000, &row), 1);
	web_sc_invalidate(h);
	/* Worker 2 begins its read ... */
	struct web_sc_ticket t;
	web_sc_begin(h, &t);
	/* ... worker 1 logs out ... */
	struct fake f;
	fake_init(&f, cfg, w1, c);
	CHECK_INT(web_session_logout(&f.req), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	fake_free(&f);
	/* ... worker 2 stores what it had read. */
	CHECK_INT(web_sc_store(&t, h, &row, false), 0);
	CHECK_INT(web_sc_lookup(h, 1000, &row), 0);
	CHECK_INT(read_user(cfg, w1, c, NULL), 0);
	/* The same for the whole-cache invalidation of deleteuser. */
	unsigned char h2[32];
	randombytes_buf(h2, sizeof h2);
	web_sc_begin(h2, &t);
	web_sc_invalidate_all();
	row.expires_at = time(NULL) + 60;
	CHECK_INT(web_sc_store(&t, h2, &row, false), 0);
	CHECK_INT(web_sc_lookup(h2, 1000, &row), 0);
out:
	web_session_cache_close();
	arena_free(&keep);
	db_close(w1);
}

/* A writer killed -9 while it holds a bucket: the next writer finds its
 * owner dead and takes the bucket over, rather than waiting for ever. */
TEST(test_session_cache_bucket_of_a_killed_writer_is_taken_over)
{
	const struct config *cfg = cache_config(1000);
	REQUIRE(web_session_cache_open(cfg, true) == 0);
	unsigned char h[32];
	randombytes_buf(h, sizeof h);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(web_sc_test_hold_bucket(h) == 0 ? 0 : 1);
	int st = -1;
	REQUIRE(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct web_sc_ticket t;
	struct web_sc_row row = {.row_id = 1, .user_id = 21, .expires_at = time(NULL) + 60};
	web_sc_begin(h, &t);
	CHECK_INT(web_sc_store(&t, h, &row, true), 1);
	struct web_sc_row got;
	CHECK_INT(web_sc_lookup(h, 1000, &got), 1);
	CHECK_INT(got.user_id, 21);
out:
	web_session_cache_close();
}

TEST(test_session_cache_is_removed_when_its_last_holder_closes_it)
{
	const struct config *cfg = cache_config(1000);
	char name[64];
	REQUIRE(web_session_cache_name(cfg, name, sizeof name) == 0);
	CHECK(!shm_exists(name));
	REQUIRE(web_session_cache_open(cfg, true) == 0);
	CHECK(shm_exists(name));
	/* Another holder (a second server of the same database) keeps it. */
	fflush(NULL);
	int p[2];
	REQUIRE(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		web_session_cache_close(); /* the inherited one */
		char c = web_session_cache_open(cfg, false) == 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c = 0;
	CHECK(read(p[0], &c, 1) == 1 && c == 'y');
	web_session_cache_close();
	CHECK(shm_exists(name));
	REQUIRE(web_session_cache_open(cfg, false) == 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
	web_session_cache_close();
	CHECK(!shm_exists(name));
	/* Nothing to open when no server runs. */
	CHECK_INT(web_session_cache_open(cfg, false), -1);
	CHECK(!web_sc_attached());
out:
	return;
}

TEST(test_session_cache_name_follows_the_database)
{
	struct config a = *cache_config(1000), b = a;
	char na[64], nb[64], na2[64];
	a.database_url = (char *)"mariadb://flacon@localhost/flacon?socket=/run/mysqld/mysqld.sock";
	CHECK_INT(web_session_cache_name(&a, na, sizeof na), 0);
	CHECK_INT(web_session_cache_name(&a, na2, sizeof na2), 0);
	CHECK_STR(na, na2);
	CHECK(!strncmp(na, "/flacon-sc1-", 12) && strlen(na) == 12 + 24);
	b.database_url = (char *)"mariadb://flacon@localhost/other?socket=/run/mysqld/mysqld.sock";
	CHECK_INT(web_session_cache_name(&b, nb, sizeof nb), 0);
	CHECK(strcmp(na, nb) != 0);
	/* The user does not matter: the same table, the same cache. */
	b.database_url = (char *)"mariadb://root:pw@localhost/flacon?socket=/run/mysqld/mysqld.sock";
	CHECK_INT(web_session_cache_name(&b, nb, sizeof nb), 0);
	CHECK_STR(na, nb);
	/* A relative socket is another server's from another directory. */
	b.database_url = (char *)"mariadb://flacon@localhost/flacon?socket=var/run/mysqld.sock";
	char cwd[4096];
	REQUIRE(getcwd(cwd, sizeof cwd));
	CHECK_INT(web_session_cache_name(&b, na, sizeof na), 0);
	REQUIRE(chdir("/tmp") == 0);
	CHECK_INT(web_session_cache_name(&b, nb, sizeof nb), 0);
	REQUIRE(chdir(cwd) == 0);
	CHECK(strcmp(na, nb) != 0);
out:
	return;
}

/* A server killed -9 never removes its cache; the next server started on
 * the host (of any installation) removes every cache nobody holds. */
TEST(test_session_cache_left_by_a_killed_server_is_removed_by_the_next_start)
{
	struct config gone = *cache_config(1000), held = gone;
	gone.database_url = (char *)"mariadb://flacon@localhost/flacon_gone?socket=/nonexistent.sock";
	held.database_url = (char *)"mariadb://flacon@localhost/flacon_held?socket=/nonexistent.sock";
	char ngone[64], nheld[64];
	REQUIRE(web_session_cache_name(&gone, ngone, sizeof ngone) == 0);
	REQUIRE(web_session_cache_name(&held, nheld, sizeof nheld) == 0);
	/* One still held by a live process, then one killed (never closed).
	 * In this order: each open is a start and sweeps what nobody holds,
	 * so the live one's open must not come after the killed one's exit. */
	int p[2];
	REQUIRE(pipe(p) == 0);
	fflush(NULL);
	pid_t live = fork();
	if (live == 0) {
		char c = web_session_cache_open(&held, true) == 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c = 0;
	CHECK(read(p[0], &c, 1) == 1 && c == 'y');
	pid_t killed = fork();
	if (killed == 0)
		_exit(web_session_cache_open(&gone, true) == 0 ? 0 : 1);
	int st = -1;
	CHECK(waitpid(killed, &st, 0) == killed && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(shm_exists(ngone));
	CHECK(shm_exists(nheld));
	/* The next start. */
	CHECK_INT(web_session_cache_open(cache_config(1000), true), 0);
	CHECK(!shm_exists(ngone));
	CHECK(shm_exists(nheld));
	web_session_cache_close();
	kill(live, SIGKILL);
	waitpid(live, NULL, 0);
	close(p[0]);
	close(p[1]);
	/* Now nobody holds it either. */
	CHECK_INT(web_session_cache_open(cache_config(1000), true), 0);
	CHECK(!shm_exists(nheld));
	web_session_cache_close();
out:
	return;
}
