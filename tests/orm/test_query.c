/* test_query.c — the query builder: filter operators, filter_by, limit,
 * offset, order_by, group_by / having with aggregates, each call returning a
 * new query; executors all, first, get, count; bound values only. */
#include <stdio.h>

#include "orm_test.h"

#define T0 1700000000 /* 2023-11-14T22:13:20Z */

/* alice: apple(0) apricot(1) banana(2); bob: cherry(3) avocado(4);
 * carol: blueberry(5) — click_num = i, pdatetime = T0 + 60 i. */
static bool seed(struct tctx *t)
{
	static const char *titles[] = {"apple", "apricot", "banana", "cherry", "avocado", "blueberry"};
	struct t_user *u[3] = {mk_user(&t->s, "alice"), mk_user(&t->s, "bob"), mk_user(&t->s, "carol")};
	static const int owner[] = {0, 0, 0, 1, 1, 2};
	for (int i = 0; i < 6; i++) {
		struct t_article *a = mk_article(&t->s, u[owner[i]], titles[i], T0 + 60 * i);
		a->click_num = i;
	}
	int rc = orm_commit(&t->s);
	CHECK_MSG(rc == 0, "seed: %s", orm_errmsg(&t->s));
	return rc == 0;
}

static int64_t count_where(struct tctx *t, const struct orm_expr *e)
{
	int64_t n = -1;
	int rc = orm_count(orm_filter(t_article_query(&t->s), e), &n);
	CHECK_MSG(rc == 0, "%s", orm_errmsg(&t->s));
	return n;
}

TEST(test_filter_comparison_operators)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct orm_session *s = &t.s;
	const struct orm_column *c = ORM_COL(t_article, click_num);
	CHECK_INT(count_where(&t, orm_eq(s, c, orm_int(3))), 1);
	CHECK_INT(count_where(&t, orm_ne(s, c, orm_int(3))), 5);
	CHECK_INT(count_where(&t, orm_lt(s, c, orm_int(3))), 3);
	CHECK_INT(count_where(&t, orm_le(s, c, orm_int(3))), 4);
	CHECK_INT(count_where(&t, orm_gt(s, c, orm_int(3))), 2);
	CHECK_INT(count_where(&t, orm_ge(s, c, orm_int(3))), 3);
	CHECK_INT(count_where(&t, orm_eq(s, ORM_COL(t_article, title), orm_str("cherry"))), 1);
	CHECK_INT(count_where(&t, orm_gt(s, ORM_COL(t_article, pdatetime), orm_int(T0 + 150))), 3);
out:
	t_end(&t);
}

TEST(test_filter_like_in_and_is_null)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct orm_session *s = &t.s;
	CHECK_INT(count_where(&t, orm_like(s, ORM_COL(t_article, title), "ap%")), 2);
	CHECK_INT(count_where(&t, orm_like(s, ORM_COL(t_article, title), "%an%")), 1);
	CHECK_INT(count_where(&t, orm_like(s, ORM_COL(t_article, title), "_vocado")), 1);
	struct orm_value odd[] = {orm_int(1), orm_int(3), orm_int(5)};
	CHECK_INT(count_where(&t, orm_in(s, ORM_COL(t_article, click_num), odd, 3)), 3);
	CHECK_INT(count_where(&t, orm_not(s, orm_in(s, ORM_COL(t_article, click_num), odd, 3))), 3);
	CHECK_INT(count_where(&t, orm_in(s, ORM_COL(t_article, click_num), NULL, 0)), 0);
	CHECK_INT(count_where(&t, orm_not(s, orm_in(s, ORM_COL(t_article, click_num), NULL, 0))), 6);
	struct orm_value names[] = {orm_str("banana"), orm_str("cherry"), orm_str("kiwi")};
	CHECK_INT(count_where(&t, orm_in(s, ORM_COL(t_article, title), names, 3)), 2);
	/* IS NULL on a nullable column */
	int ages[] = {20, -1, 30};
	for (int i = 0; i < 3; i++) {
		struct t_student *st = t_student_new(s);
		st->sname = "s";
		if (ages[i] >= 0)
			st->age = (int16_t)ages[i];
		orm_add(s, st);
	}
	CHECK_INT(orm_commit(s), 0);
	int64_t n;
	CHECK_INT(orm_count(orm_filter(t_student_query(s), orm_is_null(s, ORM_COL(t_student, age))), &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(orm_count(orm_filter(t_student_query(s), orm_is_not_null(s, ORM_COL(t_student, age))), &n), 0);
	CHECK_INT(n, 2);
	/* == NULL renders IS NULL (as SQLAlchemy's == None) */
	CHECK_INT(orm_count(orm_filter_by(t_student_query(s), "age", orm_null()), &n), 0);
	CHECK_INT(n, 1);
	CHECK(strstr(orm_last_sql(s), "`t_student`.`age` IS NULL") != NULL);
	CHECK_INT(orm_count(orm_filter(t_student_query(s), orm_ne(s, ORM_COL(t_student, age), orm_null())), &n), 0);
	CHECK_INT(n, 2);
out:
	t_end(&t);
}

TEST(test_filter_and_or_not)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct orm_session *s = &t.s;
	const struct orm_column *c = ORM_COL(t_article, click_num);
	CHECK_INT(count_where(&t, orm_and(s, orm_ge(s, c, orm_int(2)), orm_le(s, c, orm_int(4)))), 3);
	CHECK_INT(count_where(&t, orm_or(s, orm_eq(s, c, orm_int(0)), orm_eq(s, c, orm_int(5)))), 2);
	CHECK_INT(count_where(&t, orm_not(s, orm_lt(s, c, orm_int(5)))), 1);
	/* (click < 2 OR title LIKE 'b%') AND NOT user_id = bob */
	struct t_user *bob;
	CHECK_INT(t_user_first(orm_filter_by(t_user_query(s), "username", orm_str("bob")), &bob), 0);
	const struct orm_expr *e = orm_and(s,
		orm_or(s, orm_lt(s, c, orm_int(2)), orm_like(s, ORM_COL(t_article, title), "b%")),
		orm_not(s, orm_eq(s, ORM_COL(t_article, user_id), orm_int(bob->id))));
	CHECK_INT(count_where(&t, e), 4); /* apple apricot banana blueberry */
	/* two filter() calls AND together */
	struct orm_query *q = orm_filter(orm_filter(t_article_query(s), orm_gt(s, c, orm_int(0))),
					 orm_lt(s, c, orm_int(5)));
	int64_t n;
	CHECK_INT(orm_count(q, &n), 0);
	CHECK_INT(n, 4);
out:
	t_end(&t);
}

TEST(test_each_filter_returns_a_new_query)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct orm_session *s = &t.s;
	struct orm_query *base = t_article_query(s);
	struct orm_query *q1 = orm_filter(base, orm_lt(s, ORM_COL(t_article, click_num), orm_int(2)));
	struct orm_query *q2 = orm_filter(base, orm_gt(s, ORM_COL(t_article, click_num), orm_int(3)));
	struct orm_query *q3 = orm_filter(q1, orm_eq(s, ORM_COL(t_article, title), orm_str("apple")));
	struct orm_query *q4 = orm_limit(orm_order_by(q2, ORM_COL(t_article, id), ORM_DESC), 1);
	CHECK(base != q1 && q1 != q2 && q1 != q3);
	int64_t n;
	CHECK_INT(orm_count(base, &n), 0);
	CHECK_INT(n, 6);
	CHECK_INT(orm_count(q1, &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(orm_count(q2, &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(orm_count(q3, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(orm_count(q4, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(orm_count(q1, &n), 0); /* q1 untouched by q3 */
	CHECK_INT(n, 2);
	struct orm_list l;
	CHECK_INT(orm_all(q2, &l), 0); /* no limit leaked from q4 */
	CHECK_INT(l.n, 2);
out:
	t_end(&t);
}

TEST(test_filter_by_column_name)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct t_user *u;
	CHECK_INT(t_user_first(orm_filter_by(t_user_query(&t.s), "username", orm_str("bob")), &u), 0);
	CHECK(u && !strcmp(u->username, "bob"));
	struct orm_list l;
	CHECK_INT(orm_all(orm_filter_by(orm_filter_by(t_article_query(&t.s), "user_id", orm_int(u->id)),
					"click_num", orm_int(4)), &l), 0);
	CHECK_INT(l.n, 1);
	if (l.n)
		CHECK_STR(t_article_at(&l, 0)->title, "avocado");
out:
	t_end(&t);
}

TEST(test_filter_by_unknown_column_is_refused_before_any_sql)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	t.db->queries = 0;
	struct orm_list l;
	CHECK_INT(orm_all(orm_filter_by(t_user_query(&t.s), "username` = '' OR 1=1 -- ", orm_str("x")), &l),
		  ORM_MISUSE);
	CHECK_INT(orm_all(orm_filter_by(t_user_query(&t.s), "nosuch", orm_str("x")), &l), ORM_MISUSE);
	CHECK_INT(l.n, 0);
	CHECK_INT(t.db->queries, 0);
	/* a column of a table the query does not name is refused too */
	CHECK_INT(orm_all(orm_filter(t_user_query(&t.s), orm_eq(&t.s, ORM_COL(t_article, title), orm_str("x"))), &l),
		  ORM_MISUSE);
	CHECK_INT(t.db->queries, 0);
out:
	t_end(&t);
}

TEST(test_values_are_bound_never_spliced_into_sql)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	const char *evil[] = {"x' OR '1'='1", "'; DROP TABLE t_user; --", "\\' OR 1=1 #", "%"};
	for (int i = 0; i < 4; i++) {
		struct orm_list l;
		CHECK_INT(orm_all(orm_filter_by(t_user_query(&t.s), "username", orm_str(evil[i])), &l), 0);
		CHECK_INT(l.n, 0);
		CHECK(strstr(orm_last_sql(&t.s), evil[i]) == NULL);
		CHECK(strstr(orm_last_sql(&t.s), "= ?") != NULL);
	}
	struct t_user *u = mk_user(&t.s, evil[1]);
	CHECK_INT(orm_commit(&t.s), 0);
	struct t_user *back;
	CHECK_INT(t_user_first(orm_filter_by(t_user_query(&t.s), "username", orm_str(evil[1])), &back), 0);
	CHECK(back == u);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 4);
out:
	t_end(&t);
}

static void check_titles(const struct orm_list *l, const char *const *want, size_t n)
{
	CHECK_INT(l->n, n);
	for (size_t i = 0; i < n && i < l->n; i++)
		CHECK_STR(t_article_at(l, i)->title, want[i]);
}

TEST(test_limit_and_offset)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct orm_query *q = orm_order_by(t_article_query(&t.s), ORM_COL(t_article, click_num), ORM_ASC);
	struct orm_list l;
	CHECK_INT(orm_all(orm_offset(orm_limit(q, 2), 2), &l), 0);
	check_titles(&l, (const char *[]){"banana", "cherry"}, 2);
	CHECK_INT(orm_all(orm_offset(q, 4), &l), 0);
	check_titles(&l, (const char *[]){"avocado", "blueberry"}, 2);
	CHECK_INT(orm_all(orm_limit(q, 0), &l), 0);
	CHECK_INT(l.n, 0);
	CHECK_INT(orm_all(orm_offset(orm_limit(q, 10), 100), &l), 0);
	CHECK_INT(l.n, 0);
out:
	t_end(&t);
}

TEST(test_order_by_asc_desc_on_several_keys)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct orm_list l;
	/* user_id ascending, then click_num descending within a user */
	struct orm_query *q = orm_order_by(orm_order_by(t_article_query(&t.s), ORM_COL(t_article, user_id), ORM_ASC),
					   ORM_COL(t_article, click_num), ORM_DESC);
	CHECK_INT(orm_all(q, &l), 0);
	check_titles(&l, (const char *[]){"banana", "apricot", "apple", "avocado", "cherry", "blueberry"}, 6);
	CHECK(strstr(orm_last_sql(&t.s), "ORDER BY `t_article`.`user_id` ASC, `t_article`.`click_num` DESC"));
	q = orm_order_by(t_article_query(&t.s), ORM_COL(t_article, title), ORM_DESC);
	CHECK_INT(orm_all(q, &l), 0);
	check_titles(&l, (const char *[]){"cherry", "blueberry", "banana", "avocado", "apricot", "apple"}, 6);
out:
	t_end(&t);
}

TEST(test_group_by_with_count_sum_avg_min_max_and_having)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct orm_session *s = &t.s;
	const struct orm_column *c = ORM_COL(t_article, click_num);
	struct orm_query *q = t_article_query(s);
	q = orm_select(q, orm_colref(s, ORM_COL(t_article, user_id)));
	q = orm_select(q, orm_func(s, ORM_COUNT, NULL));
	q = orm_select(q, orm_func(s, ORM_SUM, c));
	q = orm_select(q, orm_func(s, ORM_AVG, c));
	q = orm_select(q, orm_func(s, ORM_MIN, c));
	q = orm_select(q, orm_func(s, ORM_MAX, ORM_COL(t_article, pdatetime)));
	q = orm_group_by(q, ORM_COL(t_article, user_id));
	q = orm_order_by(q, ORM_COL(t_article, user_id), ORM_ASC);
	struct orm_rows r;
	CHECK_INT(orm_rows(q, &r), 0);
	CHECK_INT(r.nrows, 3);
	CHECK_INT(r.ncols, 6);
	if (r.nrows == 3) {
		/* alice: 3 articles, clicks 0+1+2 */
		CHECK_INT(r.v[1].i, 3);
		CHECK_INT(r.v[1].kind, ORM_V_INT);
		CHECK_INT(orm_value_int(r.v[2]), 3);
		CHECK_INT(r.v[3].kind, ORM_V_DECIMAL);
		CHECK_STR(r.v[3].s.p, "1.0000");
		CHECK_INT(r.v[4].i, 0);
		CHECK_INT(r.v[5].i, T0 + 120); /* a DATETIME comes back as epoch seconds */
		/* bob: clicks 3+4 */
		CHECK_INT(r.v[6 + 1].i, 2);
		CHECK_INT(orm_value_int(r.v[6 + 2]), 7);
		CHECK(orm_value_double(r.v[6 + 3]) == 3.5);
		CHECK_INT(r.v[6 + 4].i, 3);
	}
	/* HAVING count(*) >= 2 */
	struct orm_query *h = orm_having(q, orm_cmp(s, orm_func(s, ORM_COUNT, NULL), ORM_OP_GE, orm_int(2)));
	CHECK_INT(orm_rows(h, &r), 0);
	CHECK_INT(r.nrows, 2);
	/* HAVING sum > 4 ordered by the sum descending */
	h = orm_having(q, orm_cmp(s, orm_func(s, ORM_SUM, c), ORM_OP_GT, orm_int(4)));
	CHECK_INT(orm_rows(h, &r), 0);
	CHECK_INT(r.nrows, 2);
	int64_t groups;
	CHECK_INT(orm_count(orm_group_by(t_article_query(s), ORM_COL(t_article, user_id)), &groups), 0);
	CHECK_INT(groups, 3);
	/* one column, no grouping: the total */
	struct orm_query *tot = orm_select(t_article_query(s), orm_func(s, ORM_SUM, c));
	CHECK_INT(orm_rows(tot, &r), 0);
	CHECK_INT(orm_value_int(r.v[0]), 15);
out:
	t_end(&t);
}

TEST(test_first_is_null_when_none_and_first_or_404)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct t_article *a = (void *)1;
	CHECK_INT(t_article_first(orm_filter_by(t_article_query(&t.s), "title", orm_str("kiwi")), &a), 0);
	CHECK(a == NULL);
	CHECK_INT(t_article_first_or_404(orm_filter_by(t_article_query(&t.s), "title", orm_str("kiwi")), &a),
		  ORM_NOT_FOUND);
	CHECK(a == NULL);
	CHECK_INT(t_article_first_or_404(orm_order_by(t_article_query(&t.s), ORM_COL(t_article, click_num), ORM_DESC), &a), 0);
	CHECK(a && !strcmp(a->title, "blueberry"));
	CHECK(strstr(orm_last_sql(&t.s), "LIMIT ?") != NULL);
out:
	t_end(&t);
}

TEST(test_get_is_null_when_none_and_get_or_404)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct t_user *u = (void *)1;
	CHECK_INT(t_user_get(&t.s, 12345, &u), 0);
	CHECK(u == NULL);
	CHECK_INT(t_user_get_or_404(&t.s, 12345, &u), ORM_NOT_FOUND);
	CHECK_STR(orm_strerror(ORM_NOT_FOUND), "not found");
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	CHECK_INT(t_user_get_or_404(&s2, 1, &u), 0);
	CHECK(u && !strcmp(u->username, "alice"));
	orm_session_close(&s2);
out:
	t_end(&t);
}

TEST(test_count)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	int64_t n;
	CHECK_INT(orm_count(t_article_query(&t.s), &n), 0);
	CHECK_INT(n, 6);
	CHECK_STR(orm_last_sql(&t.s), "SELECT COUNT(*) FROM `t_article`");
	CHECK_INT(orm_count(orm_order_by(orm_filter_by(t_article_query(&t.s), "user_id", orm_int(1)),
					 ORM_COL(t_article, id), ORM_DESC), &n), 0);
	CHECK_INT(n, 3);
	CHECK(strstr(orm_last_sql(&t.s), "ORDER BY") == NULL);
	/* limited: counted through a subquery */
	CHECK_INT(orm_count(orm_limit(t_article_query(&t.s), 4), &n), 0);
	CHECK_INT(n, 4);
	CHECK_INT(orm_count(orm_offset(t_article_query(&t.s), 4), &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(orm_count(orm_filter_by(t_article_query(&t.s), "title", orm_str("none")), &n), 0);
	CHECK_INT(n, 0);
out:
	t_end(&t);
}

TEST(test_bulk_update_increment_and_delete_where)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct orm_session *s = &t.s;
	uint64_t n;
	struct orm_assign inc = {ORM_COL(t_article, click_num), orm_int(1), true};
	struct orm_query *q = orm_filter_by(t_article_query(s), "title", orm_str("apple"));
	CHECK_INT(orm_update(q, &inc, 1, &n), 0);
	CHECK_INT(n, 1);
	CHECK_STR(orm_last_sql(s), "UPDATE `t_article` SET `t_article`.`click_num` = `t_article`.`click_num` + ? "
				   "WHERE `t_article`.`title` = ?");
	CHECK_INT(orm_update(q, &inc, 1, &n), 0);
	CHECK_INT(t_scalar(t.db, "SELECT click_num FROM t_article WHERE title = 'apple'"), 2);
	/* the logical delete of a user's articles, in bulk */
	struct orm_assign del = {ORM_COL(t_article, isdelete), orm_bool(true), false};
	CHECK_INT(orm_update(orm_filter_by(t_article_query(s), "user_id", orm_int(1)), &del, 1, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_article WHERE isdelete"), 3);
	CHECK_INT(orm_delete_where(orm_filter(t_article_query(s), orm_ge(s, ORM_COL(t_article, click_num), orm_int(4))), &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_article"), 4);
out:
	t_end(&t);
}

TEST(test_join_filters_on_a_related_table)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct orm_session *s = &t.s;
	struct orm_list l;
	CHECK_INT(orm_all(orm_filter(orm_join(t_article_query(s), ORM_REL(t_article, user)),
				     orm_eq(s, ORM_COL(t_user, username), orm_str("bob"))), &l), 0);
	CHECK_INT(l.n, 2);
	CHECK(strstr(orm_last_sql(s), "JOIN `t_user` ON `t_user`.`id` = `t_article`.`user_id`") != NULL);
	/* through a many-to-many */
	struct t_student *st = t_student_new(s);
	st->sname = "stu";
	struct t_course *c1 = t_course_new(s), *c2 = t_course_new(s);
	c1->cname = "Algebra";
	c2->cname = "Biology";
	orm_append(s, st, ORM_REL(t_student, courses), c1);
	orm_append(s, st, ORM_REL(t_student, courses), c2);
	CHECK_INT(orm_commit(s), 0);
	CHECK_INT(orm_all(orm_filter(orm_join(t_course_query(s), ORM_REL(t_course, students)),
				     orm_eq(s, ORM_COL(t_student, sname), orm_str("stu"))), &l), 0);
	CHECK_INT(l.n, 2);
	/* a table joined twice is refused */
	CHECK_INT(orm_all(orm_join(orm_join(t_article_query(s), ORM_REL(t_article, user)), ORM_REL(t_article, user)), &l),
		  ORM_MISUSE);
out:
	t_end(&t);
}

TEST(test_for_update_inside_a_transaction)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	CHECK_INT(orm_begin(&t.s), 0);
	struct t_user *u;
	CHECK_INT(t_user_first(orm_for_update(orm_filter_by(t_user_query(&t.s), "username", orm_str("carol"))), &u), 0);
	CHECK(u != NULL);
	CHECK(strstr(orm_last_sql(&t.s), " FOR UPDATE") != NULL);
	/* another connection cannot take the row lock meanwhile */
	struct db *other = t_connect();
	if (other) {
		CHECK_INT(t_exec(other, "SET SESSION innodb_lock_wait_timeout = 1"), 0);
		CHECK_INT(t_exec(other, "UPDATE t_user SET password = 'z' WHERE username = 'carol'"), 1205);
		CHECK_INT(orm_err_from_errno(1205), ORM_RETRY);
		db_close(other);
	}
	CHECK_INT(orm_commit(&t.s), 0);
out:
	t_end(&t);
}

TEST(test_scalar_subquery_selects_a_value_with_its_parameters_in_order)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t))
		goto out;
	struct orm_session *s = &t.s;
	/* Page rows of alice's articles with bob's article count beside them:
	 * the subquery's parameter sits between the outer select and WHERE. */
	struct t_user *bob = NULL;
	CHECK_INT(t_user_first(orm_filter_by(t_user_query(s), "username", orm_str("bob")), &bob), 0);
	REQUIRE(bob);
	struct orm_query *sub = orm_select(t_article_query(s), orm_func(s, ORM_COUNT, NULL));
	sub = orm_filter_by(sub, "user_id", orm_int(bob->id));
	struct orm_query *q = orm_select(t_article_query(s), orm_colref(s, ORM_COL(t_article, title)));
	q = orm_select(q, orm_scalar(s, sub));
	q = orm_filter_by(q, "click_num", orm_int(1));
	struct orm_rows r;
	CHECK_INT(orm_rows(q, &r), 0);
	CHECK_INT(r.nrows, 1);
	CHECK_INT(r.ncols, 2);
	if (r.nrows == 1) {
		CHECK_STR(r.v[0].s.p, "apricot");
		CHECK_INT(r.v[1].kind, ORM_V_INT);
		CHECK_INT(r.v[1].i, 2);
	}
	CHECK(strstr(orm_last_sql(s), "(SELECT COUNT(*)") != NULL);
	/* A subquery that finds no row gives NULL; its column type decides the
	 * value's kind (a DATETIME comes back as epoch seconds). */
	struct orm_query *none = orm_select(t_article_query(s), orm_colref(s, ORM_COL(t_article, pdatetime)));
	none = orm_filter_by(none, "title", orm_str("kiwi"));
	struct orm_query *when = orm_select(t_article_query(s), orm_colref(s, ORM_COL(t_article, pdatetime)));
	when = orm_filter_by(when, "title", orm_str("banana"));
	q = orm_select(t_article_query(s), orm_colref(s, ORM_COL(t_article, id)));
	q = orm_select(q, orm_scalar(s, none));
	q = orm_select(q, orm_scalar(s, when));
	CHECK_INT(orm_rows(orm_limit(q, 1), &r), 0);
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1) {
		CHECK_INT(r.v[1].kind, ORM_V_NULL);
		CHECK_INT(r.v[2].i, T0 + 120);
	}
	/* Two terms, or none, is a misuse reported before any SQL runs. */
	struct orm_query *two = orm_select(orm_select(t_article_query(s), orm_colref(s, ORM_COL(t_article, id))),
					   orm_colref(s, ORM_COL(t_article, title)));
	q = orm_select(t_article_query(s), orm_colref(s, ORM_COL(t_article, id)));
	CHECK_INT(orm_rows(orm_select(q, orm_scalar(s, two)), &r), ORM_MISUSE);
	CHECK_INT(orm_rows(orm_select(q, orm_scalar(s, t_article_query(s))), &r), ORM_MISUSE);
out:
	t_end(&t);
}
