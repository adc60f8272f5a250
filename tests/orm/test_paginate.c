/* test_paginate.c — paginate() with Flask-SQLAlchemy 3 semantics: page,
 * per_page, total, pages, items, has_prev / has_next, prev_num / next_num,
 * iter_pages with gaps, error_out and max_per_page. */
#include <stdint.h>

#include "orm_test.h"

static bool seed(struct tctx *t, int n)
{
	struct t_user *u = mk_user(&t->s, "pager");
	for (int i = 0; i < n; i++) {
		char *title = arena_printf(&t->arena, "article %02d", i + 1);
		mk_article(&t->s, u, title, 1700000000 + i);
	}
	int rc = orm_commit(&t->s);
	CHECK_MSG(rc == 0, "seed: %s", orm_errmsg(&t->s));
	return rc == 0;
}

static struct orm_query *newest_first(struct orm_session *s)
{
	struct orm_query *q = orm_filter_by(t_article_query(s), "isdelete", orm_bool(false));
	q = orm_order_by(q, ORM_COL(t_article, pdatetime), ORM_DESC);
	return orm_order_by(q, ORM_COL(t_article, id), ORM_DESC);
}

TEST(test_paginate_fields_like_flask_sqlalchemy)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t, 45))
		goto out;
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	struct orm_pagination p;
	a.per_page = 10;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.page, 1);
	CHECK_INT(p.per_page, 10);
	CHECK_INT(p.total, 45);
	CHECK_INT(p.pages, 5);
	CHECK_INT(p.items.n, 10);
	CHECK(!p.has_prev);
	CHECK_INT(p.prev_num, 0); /* None */
	CHECK(p.has_next);
	CHECK_INT(p.next_num, 2);
	CHECK_INT(p.first, 1);
	CHECK_INT(p.last, 10);
	if (p.items.n)
		CHECK_STR(t_article_at(&p.items, 0)->title, "article 45");
	a.page = 3;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK(p.has_prev && p.has_next);
	CHECK_INT(p.prev_num, 2);
	CHECK_INT(p.next_num, 4);
	CHECK_INT(p.first, 21);
	CHECK_INT(p.last, 30);
	if (p.items.n)
		CHECK_STR(t_article_at(&p.items, 0)->title, "article 25");
	a.page = 5;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.items.n, 5);
	CHECK(p.has_prev && !p.has_next);
	CHECK_INT(p.next_num, 0);
	CHECK_INT(p.first, 41);
	CHECK_INT(p.last, 45);
	if (p.items.n == 5)
		CHECK_STR(t_article_at(&p.items, 4)->title, "article 01");
	/* exactly full pages */
	a.per_page = 15;
	a.page = 3;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.pages, 3);
	CHECK(!p.has_next);
out:
	t_end(&t);
}

static void check_pages(int64_t pages, int64_t page, const int64_t *want, size_t n)
{
	struct orm_pagination p = {.page = page, .per_page = 10, .total = pages * 10, .pages = pages};
	int64_t got[32];
	size_t k = orm_iter_pages_default(&p, got, 32);
	CHECK_MSG(k == n, "pages %lld page %lld: %zu entries, want %zu", (long long)pages,
		  (long long)page, k, n);
	for (size_t i = 0; i < n && i < k; i++)
		CHECK_MSG(got[i] == want[i], "pages %lld page %lld: [%zu] = %lld, want %lld",
			  (long long)pages, (long long)page, i, (long long)got[i], (long long)want[i]);
}

#define PAGES(pages, page, ...) \
	check_pages(pages, page, (const int64_t[]){__VA_ARGS__}, sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

/* Expected values are Flask-SQLAlchemy 3.1's iter_pages() output (0 = None). */
TEST(test_paginate_iter_pages_gaps_like_flask_sqlalchemy)
{
	PAGES(20, 7, 1, 2, 0, 5, 6, 7, 8, 9, 10, 11, 0, 19, 20); /* the docs' example */
	PAGES(20, 1, 1, 2, 3, 4, 5, 0, 19, 20);
	PAGES(20, 20, 1, 2, 0, 18, 19, 20);
	PAGES(20, 4, 1, 2, 3, 4, 5, 6, 7, 8, 0, 19, 20);
	PAGES(20, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 19, 20);
	PAGES(20, 15, 1, 2, 0, 13, 14, 15, 16, 17, 18, 19, 20);
	PAGES(20, 16, 1, 2, 0, 14, 15, 16, 17, 18, 19, 20);
	PAGES(1, 1, 1);
	PAGES(2, 1, 1, 2);
	PAGES(5, 3, 1, 2, 3, 4, 5);
	PAGES(10, 10, 1, 2, 0, 8, 9, 10);
	PAGES(10, 1, 1, 2, 3, 4, 5, 0, 9, 10);
	PAGES(20, 25, 1, 2, 0); /* beyond the last, error_out off */
	PAGES(9, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9);
	PAGES(11, 6, 1, 2, 0, 4, 5, 6, 7, 8, 9, 10, 11);
	struct orm_pagination none = {.page = 1, .per_page = 10, .total = 0, .pages = 0};
	int64_t out[4];
	CHECK_INT(orm_iter_pages_default(&none, out, 4), 0);
	/* other edges and currents */
	struct orm_pagination p = {.page = 15, .per_page = 1, .total = 30, .pages = 30};
	int64_t got[16];
	CHECK_INT(orm_iter_pages(&p, 1, 1, 1, 1, got, 16), 7);
	int64_t want[] = {1, 0, 14, 15, 16, 0, 30};
	for (int i = 0; i < 7; i++)
		CHECK_INT(got[i], want[i]);
	CHECK_INT(orm_iter_pages(&p, 0, 0, 0, 0, got, 16), 3);
	CHECK(got[0] == 0 && got[1] == 15 && got[2] == 0);
	/* a small cap writes a prefix and still says how many */
	CHECK_INT(orm_iter_pages(&p, 2, 2, 4, 2, got, 2), 13);
	CHECK(got[0] == 1 && got[1] == 2);
}

TEST(test_paginate_error_out_gives_not_found)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t, 45))
		goto out;
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	struct orm_pagination p;
	a.per_page = 10;
	int64_t bad[] = {0, -1, 6, 1000000, INT64_MAX};
	for (int i = 0; i < 5; i++) {
		a.page = bad[i];
		CHECK_MSG(orm_paginate(newest_first(&t.s), &a, &p) == ORM_NOT_FOUND, "page %lld",
			  (long long)bad[i]);
	}
	a.page = 1;
	a.per_page = 0;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), ORM_NOT_FOUND);
	a.per_page = -5;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), ORM_NOT_FOUND);
	/* page 1 of nothing is not an error */
	a.per_page = 10;
	CHECK_INT(orm_paginate(orm_filter_by(newest_first(&t.s), "title", orm_str("none")), &a, &p), 0);
	CHECK_INT(p.items.n, 0);
	CHECK_INT(p.total, 0);
	CHECK_INT(p.pages, 0);
	CHECK(!p.has_next && !p.has_prev);
	CHECK_INT(p.first, 0);
	CHECK_INT(p.last, 0);
out:
	t_end(&t);
}

TEST(test_paginate_without_error_out_clamps)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t, 25))
		goto out;
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	struct orm_pagination p;
	a.error_out = false;
	a.page = 0;
	a.per_page = 0;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.page, 1);
	CHECK_INT(p.per_page, 20);
	CHECK_INT(p.items.n, 20);
	a.page = 7;
	a.per_page = 10;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.items.n, 0);
	CHECK_INT(p.pages, 3);
	CHECK(p.has_prev && !p.has_next);
	a.page = INT64_MAX;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.items.n, 0);
out:
	t_end(&t);
}

TEST(test_paginate_per_page_capped_by_max_per_page)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t, 30))
		goto out;
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	struct orm_pagination p;
	a.per_page = 500;
	a.max_per_page = 25;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.per_page, 25);
	CHECK_INT(p.items.n, 25);
	CHECK_INT(p.pages, 2);
	/* the cap comes before the checks: page 2 exists at 25 a page */
	a.page = 2;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.items.n, 5);
out:
	t_end(&t);
}

TEST(test_paginate_known_total_or_no_count_skips_the_count_query)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t, 30))
		goto out;
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	struct orm_pagination p;
	a.per_page = 10;
	t.db->queries = 0;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(t.db->queries, 2); /* items + COUNT */
	t.db->queries = 0;
	a.total = 30; /* e.g. from a maintained counter */
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(t.db->queries, 1);
	CHECK_INT(p.total, 30);
	CHECK_INT(p.pages, 3);
	CHECK(p.has_next);
	a.total = -1;
	a.count = false; /* Flask's count=False: total None */
	t.db->queries = 0;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(t.db->queries, 1);
	CHECK_INT(p.total, -1);
	CHECK_INT(p.pages, 0);
	CHECK(!p.has_next);
out:
	t_end(&t);
}

/* A counter that disagrees with the rows on purpose (the counter is the
 * total, whatever COUNT would say), so a total that came from a COUNT or
 * from the number of rows shows. */
TEST(test_paginate_counter_total_rides_in_the_page_statement)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed(&t, 30))
		goto out;
	CHECK_INT(t_exec(t.db, "DROP TABLE IF EXISTS `counter`"), 0);
	CHECK_INT(orm_counter_create_table(t.db), 0);
	CHECK_INT(orm_counter_add(&t.s, "pager_articles", 47), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	struct orm_pagination p;
	a.per_page = 10;
	a.counter = "pager_articles";
	t.db->queries = 0;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(t.db->queries, 1); /* items and total in one statement */
	CHECK_INT(p.total, 47);
	CHECK_INT(p.pages, 5);
	CHECK_INT(p.items.n, 10);
	CHECK(p.has_next);
	if (p.items.n == 10)
		CHECK_STR(t_article_at(&p.items, 0)->title, "article 30");
	/* page 3 of 30 rows: the rows and the counter's total */
	a.page = 3;
	t.db->queries = 0;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(t.db->queries, 1);
	CHECK_INT(p.items.n, 10);
	CHECK_INT(p.total, 47);
	if (p.items.n == 10)
		CHECK_STR(t_article_at(&p.items, 9)->title, "article 01");
	/* an empty page without error_out: no row carries the total, so the
	 * counter is read on its own */
	a.page = 4;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), ORM_NOT_FOUND);
	a.error_out = false;
	t.db->queries = 0;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.items.n, 0);
	CHECK_INT(t.db->queries, 2);
	CHECK_INT(p.total, 47);
	/* a counter nobody added to reads 0, as orm_counter_read */
	a.page = 1;
	a.counter = "never_added";
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.items.n, 10);
	CHECK_INT(p.total, 0);
	CHECK_INT(p.pages, 0);
	/* with the authors joined (orm_eager_join): still one statement for
	 * the page, its users and its total */
	a.page = 1;
	a.counter = "pager_articles";
	t.db->queries = 0;
	CHECK_INT(orm_paginate(orm_eager_join(newest_first(&t.s), ORM_REL(t_article, user)), &a, &p), 0);
	CHECK_INT(t.db->queries, 1);
	CHECK_INT(p.total, 47);
	CHECK_INT(p.items.n, 10);
	if (p.items.n == 10) {
		const struct t_article *first = t_article_at(&p.items, 0);
		CHECK(first->user != NULL);
		if (first->user)
			CHECK_STR(first->user->username, "pager");
	}
	/* a given total wins over the counter (no subquery) */
	a.counter = "pager_articles";
	a.total = 30;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), 0);
	CHECK_INT(p.total, 30);
	/* a bad name fails before any statement */
	a.total = -1;
	a.counter = "";
	t.db->queries = 0;
	CHECK_INT(orm_paginate(newest_first(&t.s), &a, &p), ORM_MISUSE);
	CHECK_INT(t.db->queries, 0);
out:
	t_end(&t);
}
