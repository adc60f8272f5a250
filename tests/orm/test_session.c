/* test_session.c — the unit of work: add / delete / commit in one
 * transaction, rollback, the identity map, dirty tracking (UPDATE names only
 * changed columns) and the logical delete. */
#include <stdio.h>

#include "orm_test.h"

TEST(test_add_commit_writes_in_one_transaction_parents_first)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct db *other = t_connect();
	if (!other)
		goto out;
	struct sql_log log = {0};
	orm_session_set_sql_hook(&t.s, sql_log_hook, &log);
	/* children added before their parent: the flush orders by FKs */
	struct t_article *a = t_article_new(&t.s);
	a->title = "first";
	a->content = "x";
	orm_add(&t.s, a);
	struct t_user *u = t_user_new(&t.s);
	u->username = "writer";
	u->password = "p";
	a->user = u; /* plain assignment of the many-to-one works too */
	orm_add(&t.s, u);
	CHECK_INT(orm_flush(&t.s), 0);
	CHECK(t.s.in_txn);
	CHECK_INT(a->user_id, u->id);
	/* not visible outside before COMMIT */
	CHECK_INT(t_scalar(other, "SELECT COUNT(*) FROM t_article"), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(other, "SELECT COUNT(*) FROM t_article"), 1);
	CHECK_INT(log.n, 4);
	CHECK_STR(log.sql[0], "START TRANSACTION");
	CHECK(!strncmp(log.sql[1], "INSERT INTO `t_user`", 20));
	CHECK(!strncmp(log.sql[2], "INSERT INTO `t_article`", 23));
	CHECK_STR(log.sql[3], "COMMIT");
	db_close(other);
out:
	t_end(&t);
}

TEST(test_rollback_discards_pending_and_restores_loaded)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "keep");
	CHECK_INT(orm_commit(&t.s), 0);
	struct t_user *n = mk_user(&t.s, "gone");
	u->username = "changed";
	CHECK_INT(orm_flush(&t.s), 0);
	CHECK(n->id > 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 2); /* same connection sees its txn */
	CHECK_INT(orm_rollback(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 1);
	CHECK_STR(u->username, "keep");
	CHECK_INT(n->orm.state, ORM_TRANSIENT);
	CHECK_INT(n->id, 0);
	CHECK_STR(n->username, "gone");
	/* a rolled-back object can be added again */
	orm_add(&t.s, n);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 2);
	/* pending, never flushed: rollback expunges */
	struct t_user *p = mk_user(&t.s, "pending");
	CHECK_INT(orm_rollback(&t.s), 0);
	CHECK_INT(p->orm.state, ORM_TRANSIENT);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 2);
out:
	t_end(&t);
}

TEST(test_failed_commit_rolls_back_and_writes_nothing)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	mk_user(&t.s, "taken");
	CHECK_INT(orm_commit(&t.s), 0);
	struct t_user *ok = mk_user(&t.s, "fresh");
	struct t_article *a = mk_article(&t.s, ok, "by fresh", 0);
	struct t_course *c = t_course_new(&t.s);
	c->cname = "C";
	orm_add(&t.s, c);
	mk_user(&t.s, "TAKEN"); /* fails after fresh, its article and the course went in */
	CHECK_INT(orm_commit(&t.s), ORM_CONFLICT);
	CHECK(!t.s.in_txn);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 1);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_article"), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_course"), 0);
	CHECK_INT(ok->id, 0);
	CHECK_INT(a->id, 0);
	CHECK_INT(ok->orm.state, ORM_TRANSIENT);
out:
	t_end(&t);
}

TEST(test_delete_removes_the_row)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "doomed");
	CHECK_INT(orm_commit(&t.s), 0);
	int64_t id = u->id;
	CHECK_INT(orm_delete(&t.s, u), 0);
	struct t_user *g;
	CHECK_INT(t_user_get(&t.s, id, &g), 0);
	CHECK(g == NULL); /* deleted in the session already */
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(u->orm.state, ORM_DETACHED);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 0);
	CHECK_INT(t_user_get(&t.s, id, &g), 0);
	CHECK(g == NULL);
	/* deleting a pending object just forgets it */
	struct t_user *p = mk_user(&t.s, "never");
	CHECK_INT(orm_delete(&t.s, p), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 0);
out:
	t_end(&t);
}

TEST(test_identity_map_get_twice_same_object_one_query)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	CHECK_INT(t_exec(t.db, "INSERT INTO t_user (id, username, password) VALUES (7, 'seven', 'x')"), 0);
	t.db->queries = 0;
	struct t_user *a, *b;
	CHECK_INT(t_user_get(&t.s, 7, &a), 0);
	CHECK_INT(t_user_get(&t.s, 7, &b), 0);
	CHECK(a != NULL);
	CHECK(a == b);
	CHECK_INT(t.db->queries, 1);
	/* a query that returns the row hands back the same object, with the
	 * caller's unflushed change intact */
	a->username = "edited";
	struct t_user *c;
	CHECK_INT(t_user_first(orm_filter_by(t_user_query(&t.s), "id", orm_int(7)), &c), 0);
	CHECK(c == a);
	CHECK_STR(c->username, "edited");
	CHECK_INT(t.db->queries, 2);
	/* another session has its own map */
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct t_user *d;
	CHECK_INT(t_user_get(&s2, 7, &d), 0);
	CHECK(d != a);
	CHECK_STR(d->username, "seven");
	orm_session_close(&s2);
out:
	t_end(&t);
}

TEST(test_dirty_tracking_update_names_only_changed_columns)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "author");
	mk_article(&t.s, u, "old title", 0);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_session s;
	orm_session_init(&s, t.db, &t.arena);
	struct sql_log log = {0};
	orm_session_set_sql_hook(&s, sql_log_hook, &log);
	struct t_article *a;
	CHECK_INT(t_article_first(t_article_query(&s), &a), 0);
	if (!a)
		goto close;
	a->title = "new title";
	a->content = arena_strdup(&t.arena, "body"); /* same text, another pointer: no change */
	log.n = 0;
	CHECK_INT(orm_commit(&s), 0);
	CHECK_INT(log.n, 3);
	CHECK_STR(log.sql[1], "UPDATE `t_article` SET `title` = ? WHERE `id` = ?");
	CHECK_STR(orm_last_sql(&s), "COMMIT");
	char buf[64];
	CHECK_STR(t_scalar_str(t.db, "SELECT title FROM t_article", buf, sizeof buf), "new title");
	/* two columns */
	a->click_num = 5;
	a->title = "newer";
	log.n = 0;
	CHECK_INT(orm_commit(&s), 0);
	CHECK_STR(log.sql[1], "UPDATE `t_article` SET `title` = ?, `click_num` = ? WHERE `id` = ?");
	/* a string changed in place needs orm_touch */
	char *p = arena_strdup(&t.arena, "abc");
	a->content = p;
	CHECK_INT(orm_commit(&s), 0);
	p[0] = 'X';
	log.n = 0;
	CHECK_INT(orm_commit(&s), 0);
	CHECK_INT(log.n, 0);
	orm_touch(a, t_article_col_content);
	CHECK_INT(orm_commit(&s), 0);
	CHECK_STR(log.sql[1], "UPDATE `t_article` SET `content` = ? WHERE `id` = ?");
	CHECK_STR(t_scalar_str(t.db, "SELECT content FROM t_article", buf, sizeof buf), "Xbc");
close:
	orm_session_close(&s);
out:
	t_end(&t);
}

TEST(test_commit_without_changes_runs_no_statement)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	mk_article(&t.s, mk_user(&t.s, "u"), "t", 0);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_list l;
	CHECK_INT(orm_all(t_article_query(&t.s), &l), 0);
	t.db->queries = 0;
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t.db->queries, 0);
	/* same value assigned again: still nothing */
	t_article_at(&l, 0)->click_num = 0;
	t_article_at(&l, 0)->isdelete = false;
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t.db->queries, 0);
out:
	t_end(&t);
}

TEST(test_logical_delete_is_an_update_of_isdelete)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "u");
	struct t_article *a = mk_article(&t.s, u, "visible", 0);
	mk_article(&t.s, u, "stays", 0);
	CHECK_INT(orm_commit(&t.s), 0);
	struct sql_log log = {0};
	orm_session_set_sql_hook(&t.s, sql_log_hook, &log);
	a->isdelete = true;
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(log.n, 3);
	CHECK_STR(log.sql[1], "UPDATE `t_article` SET `isdelete` = ? WHERE `id` = ?");
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_article"), 2); /* still there */
	int64_t n;
	CHECK_INT(orm_count(orm_filter_by(t_article_query(&t.s), "isdelete", orm_bool(false)), &n), 0);
	CHECK_INT(n, 1);
out:
	t_end(&t);
}

TEST(test_update_of_a_vanished_row_is_a_conflict)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "ghost");
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_exec(t.db, "DELETE FROM t_user"), 0);
	u->password = "new";
	CHECK_INT(orm_commit(&t.s), ORM_CONFLICT);
	CHECK_STR(u->password, "$argon2id$v=19$m=65536,t=2,p=1$x$y");
out:
	t_end(&t);
}

/* A result's new objects are linked into the session's list and mapped by
 * their key as they are read (load.c: an INTEGER key read directly, the
 * list linked without orm_session_attach): a second query of the same rows
 * hands back the very same objects, each is in the session's list once,
 * and the same holds for a BIGINT key beyond 32 bits and a negative one. */
TEST(test_rows_of_a_result_are_mapped_and_listed_once_by_integer_and_bigint_keys)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG | T_TYPES))
		goto out;
	CHECK_INT(t_exec(t.db, "INSERT INTO t_user (id, username, password) VALUES "
			       "(-5, 'minus', 'x'), (3, 'three', 'x'), (2147483647, 'max', 'x')"),
		  0);
	CHECK_INT(t_exec(t.db, "INSERT INTO t_types (id, i) VALUES (-7, 1), (4294967296, 2), "
			       "(9007199254740993, 3)"),
		  0);
	struct orm_list u1, u2, y1, y2;
	CHECK_INT(orm_all(orm_order_by(t_user_query(&t.s), ORM_COL(t_user, id), ORM_ASC), &u1), 0);
	CHECK_INT(orm_all(orm_order_by(t_user_query(&t.s), ORM_COL(t_user, id), ORM_DESC), &u2), 0);
	CHECK_INT(orm_all(orm_order_by(t_types_query(&t.s), ORM_COL(t_types, id), ORM_ASC), &y1), 0);
	CHECK_INT(orm_all(orm_order_by(t_types_query(&t.s), ORM_COL(t_types, id), ORM_DESC), &y2),
		  0);
	CHECK_INT(u1.n, 3);
	CHECK_INT(u2.n, 3);
	CHECK_INT(y1.n, 3);
	CHECK_INT(y2.n, 3);
	if (u1.n != 3 || u2.n != 3 || y1.n != 3 || y2.n != 3)
		goto out;
	static const int64_t uid[] = {-5, 3, 2147483647};
	static const int64_t yid[] = {-7, INT64_C(4294967296), INT64_C(9007199254740993)};
	for (int k = 0; k < 3; k++) {
		CHECK(u1.items[k] == u2.items[2 - k]);
		CHECK(y1.items[k] == y2.items[2 - k]);
		CHECK(((struct t_user *)u1.items[k])->id == uid[k]);
		CHECK(((struct t_types *)y1.items[k])->id == yid[k]);
		struct t_user *g;
		CHECK_INT(t_user_get(&t.s, uid[k], &g), 0);
		CHECK(g == (struct t_user *)u1.items[k]);
	}
	size_t listed = 0;
	for (struct orm_obj *o = t.s.objects; o; o = o->next) {
		listed++;
		CHECK(o->session == &t.s);
		CHECK(o->next != NULL || t.s.objects_tail == o);
	}
	CHECK_INT(listed, 6);
	/* the list is the flush's: one change, one UPDATE */
	((struct t_user *)u1.items[1])->username = "THREE";
	CHECK_INT(orm_commit(&t.s), 0);
	char buf[64];
	CHECK_STR(t_scalar_str(t.db, "SELECT username FROM t_user WHERE id = 3", buf, sizeof buf),
		  "THREE");
out:
	t_end(&t);
}
