/* test_eager_join.c — orm_eager_join (SQLAlchemy's joinedload) of a
 * many-to-one: the related row comes in the query's own statement (LEFT
 * OUTER JOIN under an alias), and the objects, the identity map and what
 * templates render are what orm_eager (selectinload) gives; with
 * paginate, added columns, an explicit join of the same table, several
 * joins, orm_eager beside it; misuse refused before any statement. */
#include <string.h>

#include "orm_test.h"
#include "tmpl/tmpl_priv.h"

/* Do a and b (objects of one model, from two sessions) hold the same
 * values, null bits, unloaded columns, loaded relationships and state,
 * with nothing changed since their load? */
static bool same_obj(const void *a, const void *b)
{
	const struct orm_obj *x = a, *y = b;
	if (!x || !y)
		return x == y;
	const struct orm_model *m = x->model;
	if (m != y->model || x->state != y->state || x->rels_loaded != y->rels_loaded ||
	    x->unloaded != y->unloaded || x->nulls != y->nulls)
		return false;
	for (size_t i = 0; i < m->ncolumns; i++) {
		const struct orm_column *c = &m->columns[i];
		const char *fa = (const char *)a + c->offset, *fb = (const char *)b + c->offset;
		if (orm_changed(a, (unsigned)i) || orm_changed(b, (unsigned)i))
			return false;
		if (orm_field_is_null(a, (unsigned)i) != orm_field_is_null(b, (unsigned)i))
			return false;
		if (orm_field_is_null(a, (unsigned)i))
			continue;
		if (c->type == ORM_STRING || c->type == ORM_TEXT || c->type == ORM_UNICODE ||
		    c->type == ORM_UNICODE_TEXT || c->type == ORM_ENUM || c->type == ORM_NUMERIC) {
			const char *sa, *sb;
			memcpy(&sa, fa, sizeof sa);
			memcpy(&sb, fb, sizeof sb);
			if (strcmp(sa, sb) != 0)
				return false;
		} else if (c->type == ORM_INTEGER || c->type == ORM_DATE || c->type == ORM_TIME) {
			if (memcmp(fa, fb, 4) != 0)
				return false;
		} else if (c->type == ORM_SMALLINT) {
			if (memcmp(fa, fb, 2) != 0)
				return false;
		} else if (c->type == ORM_BOOLEAN) {
			if (memcmp(fa, fb, 1) != 0)
				return false;
		} else if (c->type == ORM_BIGINT || c->type == ORM_DATETIME || c->type == ORM_FLOAT) {
			if (memcmp(fa, fb, 8) != 0)
				return false;
		} else {
			return false; /* no BINARY in these models */
		}
	}
	return true;
}

/* Render src (compiled as "t") from v into out (reset first). */
static int render(const char *src, struct tmpl_value v, struct buf *out)
{
	char err[128];
	struct tmpl_set *set = tmpl_set_new();
	int rc = set ? tmpl_set_add(set, "t", src, strlen(src), err, sizeof err) : TMPL_ENOMEM;
	buf_reset(out);
	if (!rc)
		rc = tmpl_render_value(set, "t", &v, out);
	if (!rc && buf_append(out, "", 1) < 0) /* NUL-terminated for CHECK_STR */
		rc = TMPL_ENOMEM;
	tmpl_set_free(set);
	return rc;
}

/* n users and 36 articles, article i by user i % n, newest first by
 * pdatetime; user "gone" is deleted logically (isdelete) for variety. */
static bool seed_blog(struct tctx *t, int n)
{
	struct t_user *u[8];
	CHECK(n >= 1 && n <= 8);
	if (n < 1 || n > 8)
		return false;
	for (int k = 0; k < n; k++) {
		u[k] = mk_user(&t->s, arena_printf(&t->arena, "user%d", k));
		u[k]->isdelete = k == n - 1;
	}
	for (int i = 0; i < 36; i++)
		mk_article(&t->s, u[i % n], arena_printf(&t->arena, "article %02d", i), 1700000000 + i);
	int rc = orm_commit(&t->s);
	CHECK_MSG(rc == 0, "seed: %s", orm_errmsg(&t->s));
	return rc == 0;
}

static struct orm_query *newest_first(struct orm_session *s)
{
	struct orm_query *q = t_article_query(s);
	q = orm_order_by(q, ORM_COL(t_article, pdatetime), ORM_DESC);
	return orm_order_by(q, ORM_COL(t_article, id), ORM_DESC);
}

TEST(test_eager_join_loads_a_many_to_one_in_one_statement_as_orm_eager_in_two)
{
	struct tctx t;
	struct sql_log log = {0};
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t, 5))
		goto out;
	struct orm_session sj, se;
	orm_session_init(&sj, t.db, &t.arena);
	orm_session_init(&se, t.db, &t.arena);
	orm_session_set_sql_hook(&sj, sql_log_hook, &log);
	struct orm_list lj, le;
	t.db->queries = 0;
	CHECK_INT(orm_all(orm_eager_join(newest_first(&sj), ORM_REL(t_article, user)), &lj), 0);
	CHECK_INT(t.db->queries, 1);
	CHECK_INT(log.n, 1);
	CHECK_MSG(strstr(log.sql[0], " LEFT OUTER JOIN `t_user` AS `e1` ON `e1`.`id` = "
				     "`t_article`.`user_id` ORDER BY ") != NULL,
		  "%s", log.sql[0]);
	t.db->queries = 0;
	CHECK_INT(orm_all(orm_eager(newest_first(&se), ORM_REL(t_article, user)), &le), 0);
	CHECK_INT(t.db->queries, 2);
	REQUIRE(lj.n == 36 && le.n == 36);
	for (size_t i = 0; i < lj.n; i++) {
		struct t_article *aj = t_article_at(&lj, i), *ae = t_article_at(&le, i);
		CHECK_MSG(same_obj(aj, ae), "article %zu", i);
		CHECK_MSG(aj->user && same_obj(aj->user, ae->user), "user of article %zu", i);
		CHECK(aj->user && aj->user->id == aj->user_id);
		/* one object per user: the identity map */
		if (i >= 5)
			CHECK(aj->user == t_article_at(&lj, i - 5)->user);
		/* the snapshot holds the loaded relationship: not a change */
		CHECK(!orm_changed(aj, t_article_col_user_id));
	}
	/* the first (newest) is article 35, by user0 (35 % 5 = 0) */
	CHECK(t_article_at(&lj, 0)->user && !strcmp(t_article_at(&lj, 0)->user->username, "user0"));
	/* loaded: reading it runs nothing */
	struct t_user *u;
	t.db->queries = 0;
	CHECK_INT(t_article_load_user(&sj, t_article_at(&lj, 3), &u), 0);
	CHECK(u == t_article_at(&lj, 3)->user);
	CHECK_INT(t.db->queries, 0);
	/* no rows: nothing to load, one statement */
	struct orm_list none;
	t.db->queries = 0;
	CHECK_INT(orm_all(orm_eager_join(orm_filter_by(newest_first(&sj), "title", orm_str("no such")),
					 ORM_REL(t_article, user)),
			  &none),
		  0);
	CHECK_INT(none.n, 0);
	CHECK_INT(t.db->queries, 1);
	/* orm_first too */
	struct t_article *f;
	t.db->queries = 0;
	CHECK_INT(t_article_first(orm_eager_join(newest_first(&sj), ORM_REL(t_article, user)), &f), 0);
	CHECK(f && f == t_article_at(&lj, 0) && f->user == t_article_at(&lj, 0)->user);
	CHECK_INT(t.db->queries, 1);
	orm_session_close(&sj);
	orm_session_close(&se);
out:
	t_end(&t);
}

/* A NULL foreign key and one to a row that does not exist (foreign key
 * checks off): NULL, loaded, as orm_eager leaves them, still one
 * statement. */
TEST(test_eager_join_null_and_dangling_keys_load_null_like_orm_eager)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	/* user_id is UNIQUE: a user of its own for each student that has one */
	for (int i = 0; i < 30; i++)
		mk_user(&t.s, arena_printf(&t.arena, "u%02d", i));
	REQUIRE(orm_commit(&t.s) == 0);
	char sql[256];
	t_exec(t.db, "SET FOREIGN_KEY_CHECKS = 0");
	for (int i = 0; i < 30; i++) {
		/* every third: no user; every fifth of the rest: a user that
		 * does not exist */
		snprintf(sql, sizeof sql,
			 "INSERT INTO t_student (sname, age, user_id) SELECT 's%02d', %s, %s FROM t_user "
			 "WHERE username = 'u%02d'",
			 i, i % 4 ? "20" : "NULL",
			 i % 3 == 0 ? "NULL" : i % 5 == 0 ? "1000 + id" : "id", i);
		CHECK_INT(t_exec(t.db, sql), 0);
	}
	t_exec(t.db, "SET FOREIGN_KEY_CHECKS = 1");
	struct orm_session sj, se;
	orm_session_init(&sj, t.db, &t.arena);
	orm_session_init(&se, t.db, &t.arena);
	struct orm_list lj, le;
	struct orm_query *qj = orm_order_by(t_student_query(&sj), ORM_COL(t_student, id), ORM_ASC);
	struct orm_query *qe = orm_order_by(t_student_query(&se), ORM_COL(t_student, id), ORM_ASC);
	t.db->queries = 0;
	CHECK_INT(orm_all(orm_eager_join(qj, ORM_REL(t_student, user)), &lj), 0);
	CHECK_INT(t.db->queries, 1);
	CHECK_INT(orm_all(orm_eager(qe, ORM_REL(t_student, user)), &le), 0);
	REQUIRE(lj.n == le.n && lj.n > 0);
	size_t nulls = 0, dangling = 0, some = 0;
	for (size_t i = 0; i < lj.n; i++) {
		struct t_student *sj1 = t_student_at(&lj, i), *se1 = t_student_at(&le, i);
		CHECK_MSG(same_obj(sj1, se1), "student %zu", i);
		CHECK_MSG(same_obj(sj1->user, se1->user), "user of student %zu", i);
		CHECK(sj1->orm.rels_loaded >> t_student_rel_user & 1);
		if (orm_field_is_null(sj1, t_student_col_user_id)) {
			nulls++;
			CHECK(!sj1->user);
		} else if (sj1->user_id > 1000) {
			dangling++;
			CHECK(!sj1->user);
		} else {
			some++;
			CHECK(sj1->user && sj1->user->id == sj1->user_id &&
				      !strcmp(sj1->user->username, arena_printf(&t.arena, "u%s", sj1->sname + 1)));
		}
	}
	CHECK(nulls > 0 && dangling > 0 && some > 0);
	orm_session_close(&sj);
	orm_session_close(&se);
out:
	t_end(&t);
}

/* A user the session maps already is the same pointer afterwards and keeps
 * what it has (an unflushed change), as with orm_eager; an article whose
 * key was changed in memory gets the user of that key, as orm_eager
 * gives it. */
TEST(test_eager_join_goes_through_the_identity_map_as_orm_eager)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t, 4))
		goto out;
	mk_user(&t.s, "lonely"); /* no articles */
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_session ss[2];
	struct orm_list l[2];
	for (int k = 0; k < 2; k++) {
		struct orm_session *s = &ss[k];
		orm_session_init(s, t.db, &t.arena);
		struct t_user *u1, *lonely;
		struct t_article *moved;
		REQUIRE(t_user_first(orm_filter_by(t_user_query(s), "username", orm_str("user1")), &u1) == 0 && u1);
		u1->username = "renamed, not flushed";
		/* article 01 is user1's; moved in memory only to a user the
		 * session does not map and no other row names */
		REQUIRE(t_article_first(orm_filter_by(t_article_query(s), "title", orm_str("article 01")), &moved) == 0 && moved);
		int64_t lonely_id = t_scalar(t.db, "SELECT id FROM t_user WHERE username = 'lonely'");
		REQUIRE(lonely_id > 0);
		moved->user_id = (int32_t)lonely_id;
		t.db->queries = 0;
		struct orm_query *q = newest_first(s);
		q = k ? orm_eager(q, ORM_REL(t_article, user)) : orm_eager_join(q, ORM_REL(t_article, user));
		CHECK_INT(orm_all(q, &l[k]), 0);
		/* the join: one statement, and one for the key changed in
		 * memory (the row's key is not the object's); orm_eager: two */
		CHECK_INT(t.db->queries, 2);
		REQUIRE(l[k].n == 36);
		lonely = moved->user;
		CHECK(lonely && lonely->id == lonely_id && !strcmp(lonely->username, "lonely"));
		for (size_t i = 0; i < l[k].n; i++) {
			struct t_article *a = t_article_at(&l[k], i);
			if (a->user_id == u1->id)
				CHECK(a->user == u1);
		}
		CHECK_STR(u1->username, "renamed, not flushed");
		CHECK(orm_changed(u1, t_user_col_username));
	}
	for (size_t i = 0; i < 36; i++)
		CHECK_MSG(same_obj(t_article_at(&l[0], i)->user, t_article_at(&l[1], i)->user) ||
				  (t_article_at(&l[0], i)->user &&
				   !strcmp(t_article_at(&l[0], i)->user->username, "renamed, not flushed")),
			  "user of article %zu", i);
	/* a relationship loaded before the query is kept, not reloaded */
	struct t_article *a0 = t_article_at(&l[0], 0);
	struct t_user *other;
	REQUIRE(t_user_first(orm_filter_by(t_user_query(&ss[0]), "username", orm_str("user3")), &other) == 0);
	REQUIRE(orm_set_related(&ss[0], a0, ORM_REL(t_article, user), other) == 0);
	struct orm_list again;
	CHECK_INT(orm_all(orm_eager_join(newest_first(&ss[0]), ORM_REL(t_article, user)), &again), 0);
	CHECK(again.n == 36 && t_article_at(&again, 0) == a0 && a0->user == other);
	orm_session_close(&ss[0]);
	orm_session_close(&ss[1]);
out:
	t_end(&t);
}

/* After a rollback the session's objects are expired: a joined row
 * refreshes the user it meets (same pointer, the row's values), as the
 * statement of orm_eager does. */
TEST(test_eager_join_refreshes_an_expired_user_as_orm_eager)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t, 3))
		goto out;
	struct orm_session ss[2];
	struct t_user *u0[2] = {NULL, NULL};
	for (int k = 0; k < 2; k++) {
		orm_session_init(&ss[k], t.db, &t.arena);
		REQUIRE(t_user_first(orm_filter_by(t_user_query(&ss[k]), "username", orm_str("user0")), &u0[k]) == 0 && u0[k]);
		REQUIRE(orm_begin(&ss[k]) == 0);
		CHECK_INT(orm_rollback(&ss[k]), 0);
		CHECK(u0[k]->orm.expired);
	}
	REQUIRE(t_exec(t.db, "UPDATE t_user SET username = 'user0 renamed' WHERE username = 'user0'") == 0);
	struct orm_list l[2];
	CHECK_INT(orm_all(orm_eager_join(newest_first(&ss[0]), ORM_REL(t_article, user)), &l[0]), 0);
	CHECK_INT(orm_all(orm_eager(newest_first(&ss[1]), ORM_REL(t_article, user)), &l[1]), 0);
	REQUIRE(l[0].n == 36 && l[1].n == 36);
	for (int k = 0; k < 2; k++) {
		CHECK(t_article_at(&l[k], 2)->user == u0[k]); /* article 33: user0 */
		CHECK(!u0[k]->orm.expired);
		CHECK_STR(u0[k]->username, "user0 renamed");
		CHECK(!orm_changed(u0[k], t_user_col_username));
	}
	for (size_t i = 0; i < 36; i++)
		CHECK_MSG(same_obj(t_article_at(&l[0], i)->user, t_article_at(&l[1], i)->user),
			  "user of article %zu", i);
	orm_session_close(&ss[0]);
	orm_session_close(&ss[1]);
out:
	t_end(&t);
}

TEST(test_eager_join_with_paginate_items_and_total)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t, 3))
		goto out;
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	struct orm_pagination p;
	a.per_page = 10;
	a.page = 2;
	struct orm_session s;
	orm_session_init(&s, t.db, &t.arena);
	t.db->queries = 0;
	CHECK_INT(orm_paginate(orm_eager_join(newest_first(&s), ORM_REL(t_article, user)), &a, &p), 0);
	CHECK_INT(t.db->queries, 2); /* the page, COUNT */
	CHECK_INT(p.total, 36);
	CHECK_INT(p.pages, 4);
	REQUIRE(p.items.n == 10);
	CHECK_STR(t_article_at(&p.items, 0)->title, "article 25");
	for (size_t i = 0; i < p.items.n; i++) {
		struct t_article *ar = t_article_at(&p.items, i);
		CHECK(ar->user && ar->user->id == ar->user_id);
	}
	/* a filter: the COUNT has it, the join changes nothing */
	struct orm_query *q = orm_filter(newest_first(&s), orm_lt(&s, ORM_COL(t_article, click_num), orm_int(1)));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	t.db->queries = 0;
	a.page = 4;
	CHECK_INT(orm_paginate(orm_eager_join(q, ORM_REL(t_article, user)), &a, &p), 0);
	CHECK_INT(t.db->queries, 2);
	CHECK_INT(p.total, 36);
	CHECK_INT(p.items.n, 6);
	/* a known total: one statement */
	a.total = 36;
	a.page = 1;
	t.db->queries = 0;
	CHECK_INT(orm_paginate(orm_eager_join(newest_first(&s), ORM_REL(t_article, user)), &a, &p), 0);
	CHECK_INT(t.db->queries, 1);
	CHECK_INT(p.items.n, 10);
	CHECK(p.items.n && t_article_at(&p.items, 0)->user);
	orm_session_close(&s);
out:
	t_end(&t);
}

/* Added columns keep their places in extra; a scalar subquery among them
 * keeps its parameter order. */
TEST(test_eager_join_with_added_columns_and_load_only)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t, 4))
		goto out;
	struct orm_session s;
	orm_session_init(&s, t.db, &t.arena);
	struct orm_query *total = orm_select(
		orm_filter(t_article_query(&s), orm_ne(&s, ORM_COL(t_article, title), orm_str("article 00"))),
		orm_func(&s, ORM_COUNT, NULL));
	struct orm_query *q = orm_eager_join(newest_first(&s), ORM_REL(t_article, user));
	q = orm_add_column(q, orm_colref(&s, ORM_COL(t_article, title)));
	q = orm_add_column(q, orm_scalar(&s, total));
	q = orm_load_only(q, ORM_COL(t_article, user_id));
	q = orm_filter(q, orm_ne(&s, ORM_COL(t_article, title), orm_str("article 35")));
	struct orm_list l;
	struct orm_rows extra;
	t.db->queries = 0;
	CHECK_INT(orm_all_with(orm_limit(q, 7), &l, &extra), 0);
	CHECK_INT(t.db->queries, 1);
	REQUIRE(l.n == 7 && extra.nrows == 7 && extra.ncols == 2);
	for (size_t i = 0; i < l.n; i++) {
		struct t_article *ar = t_article_at(&l, i);
		const struct orm_value *row = orm_rows_at(&extra, i);
		char want[32];
		snprintf(want, sizeof want, "article %02d", 34 - (int)i);
		CHECK(row[0].kind == ORM_V_TEXT && !strcmp(row[0].s.p, want));
		CHECK_INT(orm_value_int(row[1]), 35);
		CHECK(!orm_loaded(ar, t_article_col_title));
		CHECK(ar->user && ar->user->id == ar->user_id);
		CHECK(ar->user && orm_loaded(ar->user, t_user_col_username));
		CHECK(ar->user && !strcmp(ar->user->username, arena_printf(&t.arena, "user%d", (34 - (int)i) % 4)));
	}
	orm_session_close(&s);
out:
	t_end(&t);
}

/* orm_join of the same relationship filters on the user's columns; the
 * eager join is another copy of the table (its alias). */
TEST(test_eager_join_beside_an_explicit_join_of_the_same_table)
{
	struct tctx t;
	struct sql_log log = {0};
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t, 4))
		goto out;
	struct orm_session s;
	orm_session_init(&s, t.db, &t.arena);
	orm_session_set_sql_hook(&s, sql_log_hook, &log);
	struct orm_query *q = orm_join(newest_first(&s), ORM_REL(t_article, user));
	q = orm_filter(q, orm_eq(&s, ORM_COL(t_user, username), orm_str("user2")));
	q = orm_eager_join(q, ORM_REL(t_article, user));
	struct orm_list l;
	t.db->queries = 0;
	CHECK_INT(orm_all(q, &l), 0);
	CHECK_INT(t.db->queries, 1);
	CHECK_INT(l.n, 9);
	for (size_t i = 0; i < l.n; i++) {
		struct t_article *ar = t_article_at(&l, i);
		CHECK(ar->user && !strcmp(ar->user->username, "user2"));
	}
	int64_t n = 0;
	CHECK_INT(orm_count(q, &n), 0);
	CHECK_INT(n, 9);
	CHECK_INT(log.n, 2);
	CHECK_MSG(strstr(log.sql[0], "JOIN `t_user` AS `e1`") && strstr(log.sql[0], " JOIN `t_user` ON "),
		  "%s", log.sql[0]);
	CHECK_MSG(!strstr(log.sql[1], "`e1`"), "the COUNT needs no eager join: %s", log.sql[1]);
	orm_session_close(&s);
out:
	t_end(&t);
}

/* Two many-to-one relationships to one table (two aliases), one of them
 * lazy="selectin" (loaded by the join, so no statement of its own), and
 * orm_eager of a many-to-many beside them. */
TEST(test_eager_join_of_two_relationships_and_orm_eager_beside_them)
{
	struct tctx t;
	struct sql_log log = {0};
	if (!t_begin(&t, T_BOOKS))
		goto out;
	REQUIRE(t_exec(t.db, "INSERT INTO t_author (id, name) VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')") == 0);
	REQUIRE(t_exec(t.db, "INSERT INTO t_tag (id, label) VALUES (1, 'x'), (2, 'y')") == 0);
	REQUIRE(t_exec(t.db, "INSERT INTO t_book (id, title, writer_id, editor_id) VALUES "
			     "(1, 'b1', 1, 2), (2, 'b2', 2, NULL), (3, 'b3', NULL, 3), (4, 'b4', 3, 1)") == 0);
	REQUIRE(t_exec(t.db, "INSERT INTO t_book_tag (book_ref, tag_ref) VALUES (1, 1), (1, 2), (3, 2)") == 0);
	struct orm_session sj, se;
	orm_session_init(&sj, t.db, &t.arena);
	orm_session_init(&se, t.db, &t.arena);
	orm_session_set_sql_hook(&sj, sql_log_hook, &log);
	struct orm_query *qj = orm_order_by(t_book_query(&sj), ORM_COL(t_book, id), ORM_ASC);
	qj = orm_eager_join(qj, ORM_REL(t_book, writer));
	qj = orm_eager_join(qj, ORM_REL(t_book, editor));
	qj = orm_eager(qj, ORM_REL(t_book, tags));
	struct orm_query *qe = orm_order_by(t_book_query(&se), ORM_COL(t_book, id), ORM_ASC);
	qe = orm_eager(orm_eager(qe, ORM_REL(t_book, editor)), ORM_REL(t_book, tags));
	struct orm_list lj, le;
	t.db->queries = 0;
	CHECK_INT(orm_all(qj, &lj), 0);
	CHECK_INT(t.db->queries, 2); /* the books with both authors, the tags */
	CHECK_MSG(log.n >= 1 && strstr(log.sql[0], "AS `e1` ON `e1`.`id` = `t_book`.`writer_id`") &&
			  strstr(log.sql[0], "AS `e2` ON `e2`.`id` = `t_book`.`editor_id`"),
		  "%s", log.sql[0]);
	t.db->queries = 0;
	CHECK_INT(orm_all(qe, &le), 0);
	CHECK_INT(t.db->queries, 3); /* books, writers (selectin), editors, tags: 4 less one in the map */
	REQUIRE(lj.n == 4 && le.n == 4);
	for (size_t i = 0; i < 4; i++) {
		struct t_book *bj = t_book_at(&lj, i), *be = t_book_at(&le, i);
		CHECK_MSG(same_obj(bj, be), "book %zu", i);
		CHECK_MSG(same_obj(bj->writer, be->writer), "writer of book %zu", i);
		CHECK_MSG(same_obj(bj->editor, be->editor), "editor of book %zu", i);
		CHECK_INT(bj->tags.n, be->tags.n);
	}
	/* one object per author across both relationships */
	CHECK(t_book_at(&lj, 0)->writer == t_book_at(&lj, 3)->editor);
	CHECK(t_book_at(&lj, 0)->editor == t_book_at(&lj, 1)->writer);
	CHECK(!t_book_at(&lj, 1)->editor && !t_book_at(&lj, 2)->writer);
	orm_session_close(&sj);
	orm_session_close(&se);
out:
	t_end(&t);
}

TEST(test_eager_join_refuses_what_is_not_a_many_to_one_of_the_query_model)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t, 2))
		goto out;
	struct orm_list l;
	t.db->queries = 0;
	/* one-to-many, one-to-one (its key in the target), many-to-many,
	 * another model's relationship, none */
	CHECK_INT(orm_all(orm_eager_join(t_user_query(&t.s), ORM_REL(t_user, articles)), &l), ORM_MISUSE);
	CHECK_INT(orm_all(orm_eager_join(t_user_query(&t.s), ORM_REL(t_user, student)), &l), ORM_MISUSE);
	CHECK_INT(orm_all(orm_eager_join(t_student_query(&t.s), ORM_REL(t_student, courses)), &l),
		  ORM_MISUSE);
	CHECK_INT(orm_all(orm_eager_join(t_article_query(&t.s), ORM_REL(t_student, user)), &l), ORM_MISUSE);
	CHECK_INT(orm_all(orm_eager_join(t_article_query(&t.s), NULL), &l), ORM_MISUSE);
	struct t_user *u;
	CHECK_INT(t_user_first(orm_eager_join(t_user_query(&t.s), ORM_REL(t_user, articles)), &u), ORM_MISUSE);
	/* bulk update / delete refuse an eager join as they refuse orm_eager */
	struct orm_assign set = {ORM_COL(t_article, click_num), orm_int(1), true};
	CHECK_INT(orm_update(orm_eager_join(t_article_query(&t.s), ORM_REL(t_article, user)), &set, 1, NULL),
		  ORM_MISUSE);
	CHECK_INT(orm_delete_where(orm_eager_join(t_article_query(&t.s), ORM_REL(t_article, user)), NULL),
		  ORM_MISUSE);
	CHECK_INT(t.db->queries, 0);
	int64_t n;
	CHECK_INT(orm_count(t_article_query(&t.s), &n), 0);
	CHECK_INT(n, 36); /* nothing was updated or deleted */
out:
	t_end(&t);
}

/* What a template reads after orm_eager_join is what it reads after
 * orm_eager: article.user.username and the rest. */
TEST(test_eager_join_renders_as_orm_eager_renders)
{
	struct tctx t;
	struct buf oj = BUF_INIT, oe = BUF_INIT;
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t, 5))
		goto out;
	const char *src = "{{#items}}{{title}} by {{user.username}}{{#user}} ({{rdatetime}}"
			  "{{#isdelete}}, gone{{/isdelete}}){{/user}};{{/items}}";
	struct orm_session sj, se;
	orm_session_init(&sj, t.db, &t.arena);
	orm_session_init(&se, t.db, &t.arena);
	struct orm_list lj, le;
	CHECK_INT(orm_all(orm_limit(orm_eager_join(newest_first(&sj), ORM_REL(t_article, user)), 12), &lj), 0);
	CHECK_INT(orm_all(orm_limit(orm_eager(newest_first(&se), ORM_REL(t_article, user)), 12), &le), 0);
	struct tmpl_map *mj = tmpl_map_new(&t.arena), *me = tmpl_map_new(&t.arena);
	CHECK_INT(tmpl_map_set(mj, "items", orm_tmpl_list(&lj, NULL, &t.arena)), 0);
	CHECK_INT(tmpl_map_set(me, "items", orm_tmpl_list(&le, NULL, &t.arena)), 0);
	CHECK_INT(render(src, tmpl_map_value(mj), &oj), 0);
	CHECK_INT(render(src, tmpl_map_value(me), &oe), 0);
	CHECK_STR(oj.p, oe.p);
	CHECK_MSG(strstr(oj.p, "article 35 by user0 (") == oj.p, "%s", oj.p);
	CHECK_MSG(strstr(oj.p, "article 34 by user4 (") && strstr(oj.p, ", gone);"), "%s", oj.p);
	orm_session_close(&sj);
	orm_session_close(&se);
out:
	buf_free(&oj);
	buf_free(&oe);
	t_end(&t);
}
