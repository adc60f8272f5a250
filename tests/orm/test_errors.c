/* test_errors.c — constraint violations as error values with nothing
 * half-written (also under a real race between two connections),
 * reconnects, the statement cache, the caller's arena, the flush hook that
 * keeps an O(1) count, and the missing-database rule. */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "orm_test.h"

struct racer {
	struct db *db;
	pthread_barrier_t *bar;
	const char *username, *course;
	int rc;
	unsigned db_errno;
};

/* One unit of work: a user of its own (written first), then a course whose
 * name both racers want. The loser's user must not survive. */
static void *race(void *arg)
{
	struct racer *r = arg;
	struct arena a;
	struct orm_session s;
	arena_init(&a, 8192);
	orm_session_init(&s, r->db, &a);
	mk_user(&s, r->username);
	struct t_course *c = t_course_new(&s);
	if (c) {
		c->cname = r->course;
		orm_add(&s, c);
	}
	pthread_barrier_wait(r->bar);
	r->rc = orm_commit(&s);
	r->db_errno = s.db_errno;
	orm_session_close(&s);
	arena_free(&a);
	return NULL;
}

TEST(test_unique_race_two_connections_exactly_one_wins)
{
	struct tctx t;
	struct db *d1 = NULL, *d2 = NULL;
	if (!t_begin(&t, T_BLOG) || !(d1 = t_connect()) || !(d2 = t_connect()))
		goto out;
	for (int round = 0; round < 8; round++) {
		pthread_barrier_t bar;
		pthread_barrier_init(&bar, NULL, 2);
		char course[32], n1[32], n2[32];
		snprintf(course, sizeof course, "Last seat %d", round);
		snprintf(n1, sizeof n1, "racer1_%d", round);
		snprintf(n2, sizeof n2, "racer2_%d", round);
		struct racer r1 = {d1, &bar, n1, course, -99, 0}, r2 = {d2, &bar, n2, course, -99, 0};
		pthread_t t1, t2;
		pthread_create(&t1, NULL, race, &r1);
		pthread_create(&t2, NULL, race, &r2);
		pthread_join(t1, NULL);
		pthread_join(t2, NULL);
		pthread_barrier_destroy(&bar);
		CHECK_MSG((r1.rc == 0 && r2.rc == ORM_CONFLICT) || (r1.rc == ORM_CONFLICT && r2.rc == 0),
			  "round %d: %d / %d", round, r1.rc, r2.rc);
		CHECK_INT(r1.rc == 0 ? r2.db_errno : r1.db_errno, 1062);
		char sql[160];
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM t_course WHERE cname = '%s'", course);
		CHECK_INT(t_scalar(t.db, sql), 1);
		/* the winner's user is there, the loser's is not: nothing half-written */
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM t_user WHERE username IN ('%s', '%s')", n1, n2);
		CHECK_INT(t_scalar(t.db, sql), 1);
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM t_user WHERE username = '%s'",
			 r1.rc == 0 ? n1 : n2);
		CHECK_INT(t_scalar(t.db, sql), 1);
	}
out:
	db_close(d1);
	db_close(d2);
	t_end(&t);
}

TEST(test_constraint_errors_map_to_orm_err_codes)
{
	CHECK_INT(orm_err_from_errno(0), ORM_OK);
	CHECK_INT(orm_err_from_errno(1062), ORM_CONFLICT); /* duplicate key → 409 */
	CHECK_INT(orm_err_from_errno(1451), ORM_CONFLICT); /* parent still referenced */
	CHECK_INT(orm_err_from_errno(1452), ORM_INVALID);  /* no parent row → 422 */
	CHECK_INT(orm_err_from_errno(1048), ORM_INVALID);  /* NULL into NOT NULL */
	CHECK_INT(orm_err_from_errno(1364), ORM_INVALID);  /* no default */
	CHECK_INT(orm_err_from_errno(1265), ORM_INVALID);  /* enum outsider */
	CHECK_INT(orm_err_from_errno(4025), ORM_INVALID);  /* CHECK constraint */
	CHECK_INT(orm_err_from_errno(1406), ORM_INVALID);  /* too long */
	CHECK_INT(orm_err_from_errno(1264), ORM_INVALID);  /* out of range */
	CHECK_INT(orm_err_from_errno(1213), ORM_RETRY);
	CHECK_INT(orm_err_from_errno(1205), ORM_RETRY);
	CHECK_INT(orm_err_from_errno(2006), ORM_DB);
	CHECK_STR(orm_strerror(ORM_CONFLICT), "conflict");
	CHECK_STR(orm_strerror(ORM_INVALID), "invalid");
	CHECK_STR(orm_strerror(ORM_NOT_FOUND), "not found");
	CHECK_STR(orm_strerror(12345), "unknown error");
}

TEST(test_too_long_and_out_of_range_values_are_invalid_and_rolled_back)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG | T_TYPES))
		goto out;
	struct t_user *u = mk_user(&t.s, "fine");
	struct t_user *l = mk_user(&t.s, "x");
	l->username = "this username is much longer than thirty-two characters";
	CHECK_INT(orm_commit(&t.s), ORM_INVALID);
	CHECK_INT(t.s.db_errno, 1406);
	CHECK_INT(u->orm.state, ORM_TRANSIENT);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 0);
	struct t_types *o = t_types_new(&t.s);
	o->num = "123456789012345678.5"; /* DECIMAL(18,4) holds 14 integer digits */
	orm_add(&t.s, o);
	CHECK_INT(orm_commit(&t.s), ORM_INVALID);
	o = t_types_new(&t.s);
	o->num = "not a number";
	orm_add(&t.s, o);
	CHECK_INT(orm_commit(&t.s), ORM_INVALID);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_types"), 0);
out:
	t_end(&t);
}

TEST(test_reconnects_after_the_connection_is_killed)
{
	struct tctx t;
	struct db *other = NULL;
	if (!t_begin(&t, T_BLOG) || !(other = t_connect()))
		goto out;
	mk_user(&t.s, "survivor");
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_list l;
	CHECK_INT(orm_all(t_user_query(&t.s), &l), 0); /* statement cached */
	char sql[64];
	snprintf(sql, sizeof sql, "KILL %lld", t_scalar(t.db, "SELECT CONNECTION_ID()"));
	unsigned long before = t.db->connects;
	CHECK_INT(t_exec(other, sql), 0);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	CHECK_INT(orm_all(t_user_query(&s2), &l), 0); /* one transparent retry */
	CHECK_INT(l.n, 1);
	CHECK_INT(t.db->connects, before + 1);
	/* inside a transaction a lost connection is an error, never a silent retry */
	CHECK_INT(orm_begin(&s2), 0);
	snprintf(sql, sizeof sql, "KILL %lld", t_scalar(t.db, "SELECT CONNECTION_ID()"));
	CHECK_INT(t_exec(other, sql), 0);
	mk_user(&s2, "lost");
	CHECK_INT(orm_commit(&s2), ORM_DB);
	CHECK(!s2.in_txn);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 1);
	mk_user(&s2, "after");
	CHECK_INT(orm_commit(&s2), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 2);
	orm_session_close(&s2);
out:
	db_close(other);
	t_end(&t);
}

/* A row deleted behind the session's back and inserted again with the
 * same explicit key: the session still maps the old object under that key,
 * so the flush refuses (one object per identity) and rolls back. */
TEST(test_insert_with_the_key_of_a_mapped_object_is_a_conflict)
{
	struct tctx t;
	struct db *other = NULL;
	if (!t_begin(&t, T_BLOG) || !(other = t_connect()))
		goto out;
	struct t_user *u = mk_user(&t.s, "first");
	CHECK_INT(orm_commit(&t.s), 0);
	char sql[96];
	snprintf(sql, sizeof sql, "DELETE FROM t_user WHERE id = %lld", (long long)u->id);
	CHECK_INT(t_exec(other, sql), 0);
	struct t_user *v = mk_user(&t.s, "second");
	v->id = u->id;
	CHECK_INT(orm_commit(&t.s), ORM_CONFLICT);
	CHECK(strstr(orm_errmsg(&t.s), "has this identity") != NULL);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 0);
	CHECK_INT(v->orm.state, ORM_TRANSIENT); /* rolled back: expunged like every pending object */
	struct t_user *back = u;
	CHECK_INT(t_user_get(&t.s, u->id, &back), 0);
	CHECK(back == NULL); /* the old object reread: its row is gone */
out:
	db_close(other);
	t_end(&t);
}

TEST(test_repeated_queries_reuse_prepared_statements)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	for (int i = 0; i < 9; i++)
		mk_article(&t.s, mk_user(&t.s, arena_printf(&t.arena, "u%d", i)), "t", 0);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_list l;
	struct orm_query *q = orm_filter_by(t_article_query(&t.s), "click_num", orm_int(0));
	CHECK_INT(orm_all(q, &l), 0);
	size_t n = t.db->cache_n;
	for (int i = 0; i < 5; i++) {
		struct orm_query *q2 = orm_filter_by(t_article_query(&t.s), "click_num", orm_int(i));
		CHECK_INT(orm_all(q2, &l), 0);
	}
	CHECK_INT(t.db->cache_n, n); /* same text, other values: no new prepare */
	/* eager IN lists are padded: 3 and 4 keys share one statement */
	for (int k = 3; k <= 4; k++) {
		struct orm_session s;
		orm_session_init(&s, t.db, &t.arena);
		CHECK_INT(orm_all(orm_eager(orm_limit(t_article_query(&s), k), ORM_REL(t_article, user)), &l), 0);
		if (k == 3)
			n = t.db->cache_n;
		orm_session_close(&s);
	}
	CHECK_INT(t.db->cache_n, n);
out:
	t_end(&t);
}

TEST(test_query_objects_live_in_the_callers_arena_and_memory_stays_flat)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "bulk");
	for (int i = 0; i < 200; i++)
		mk_article(&t.s, u, "title", 1700000000 + i);
	CHECK_INT(orm_commit(&t.s), 0);
	struct arena a;
	arena_init(&a, 16384);
	size_t base = 0, used = 0;
	for (int round = 0; round < 60; round++) {
		struct orm_session s;
		orm_session_init(&s, t.db, &a);
		struct orm_list l;
		CHECK_INT(orm_all(orm_eager(t_article_query(&s), ORM_REL(t_article, user)), &l), 0);
		CHECK_INT(l.n, 200);
		if (round == 0)
			used = a.used_total;
		CHECK_INT(a.used_total, used); /* the same request costs the same */
		orm_session_close(&s);
		arena_reset(&a); /* frees every object, list and value at once */
		if (round == 10)
			base = mallinfo2().uordblks;
	}
	CHECK(used > 200 * sizeof(struct t_article));
	size_t now = mallinfo2().uordblks;
	CHECK_MSG(now <= base + 65536, "heap grew from %zu to %zu", base, now);
	arena_free(&a);
out:
	t_end(&t);
}

TEST(test_after_write_hook_maintains_an_o1_counter)
{
	struct tctx t;
	if (!t_begin(&t, T_COUNTER))
		goto out;
	struct t_post *p[4];
	for (int i = 0; i < 4; i++) {
		p[i] = t_post_new(&t.s);
		p[i]->title = "post";
		p[i]->isdelete = i == 3;
		orm_add(&t.s, p[i]);
	}
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT n FROM t_counter WHERE id = 1"), 3);
	p[0]->isdelete = true; /* logical delete: -1 */
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT n FROM t_counter WHERE id = 1"), 2);
	orm_delete(&t.s, p[1]);
	orm_delete(&t.s, p[3]); /* already invisible: no change */
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT n FROM t_counter WHERE id = 1"), 1);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_post WHERE NOT isdelete"), 1);
	/* a failed flush rolls the counter back with the rows */
	struct t_post *ok = t_post_new(&t.s), *bad = t_post_new(&t.s);
	ok->title = "fine";
	bad->title = NULL; /* NOT NULL */
	orm_add(&t.s, ok);
	orm_add(&t.s, bad);
	CHECK_INT(orm_commit(&t.s), ORM_INVALID);
	CHECK_INT(t_scalar(t.db, "SELECT n FROM t_counter WHERE id = 1"), 1);
out:
	t_end(&t);
}

TEST(test_every_test_fails_without_a_database_url)
{
	pid_t pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		unsetenv("FLACON_TEST_DATABASE_URL");
		struct db *db = t_connect();
		_exit(db ? 0 : 3);
	}
	int st = 0;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
}

static int keep_int(void *ctx, const struct db_val *cols, size_t ncols)
{
	*(long long *)ctx = ncols == 1 && cols[0].type == DB_INT ? cols[0].i : -1;
	return 0;
}

/* The statement cache is keyed by the whole text (hashed eight bytes a
 * step, then compared with its length): texts that share a prefix, that
 * differ in a tail shorter than eight bytes, or of which one is the
 * other's prefix, are distinct statements; the same text again is the
 * cached one. */
TEST(test_statement_cache_tells_texts_apart_by_every_byte_and_length)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		return;
	static const char *const sql[] = {
		"SELECT 1",         "SELECT 12",        "SELECT 21",        "SELECT 123",
		"SELECT 1234567",   "SELECT 12345678",  "SELECT 12345679",  "SELECT 123456789",
		"SELECT 2 + 0",     "SELECT 2 + 00",    "SELECT 3 + 0 ",    "SELECT 3 + 0  ",
	};
	static const long long want[] = {1, 12, 21, 123, 1234567, 12345678, 12345679, 123456789,
					 2, 2, 3, 3};
	size_t n = sizeof sql / sizeof sql[0];
	size_t before = t.db->cache_n;
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < n; i++) {
			long long v = -2;
			CHECK_INT(db_query(t.db, &t.arena, sql[i], NULL, 0, keep_int, &v), 1);
			CHECK_MSG(v == want[i], "%s gave %lld", sql[i], v);
		}
	CHECK_INT(t.db->cache_n, before + n);
	t_end(&t);
}
